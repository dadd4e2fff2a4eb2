/* SPDX-License-Identifier: MIT */
/*
 * changes_test.c: the `changes` request against a real crmd: a service
 * walks the change log in pages and sees every changed record once, at
 * its latest change; each caller sees only changes of customers they may
 * see (as they are now), and the cursor still moves past the others.
 */
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "crm_test.h"
#include "harness.h"

static struct crm_test_server srv;

struct change {
	uint64_t seq, id, customer_id;
	int kind;
};

struct walk {
	struct change v[512];
	size_t n;
	uint64_t end; /* the cursor after the last page */
};

static int
setup(void **state)
{
	(void)state;
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	assert_crm_ok(crm_test_add_user(&srv, "li", "rep", "east", "pw-li"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "zhao", "rep", "east", "pw-zhao"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "wang", "manager", "east", "pw-wang"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "chen", "manager", "west", "pw-chen"));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	return 0;
}

/* One changes call; the caller frees the response. */
static Crm__V1__Response *
changes(uint64_t since, uint32_t limit)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ChangesRequest c = CRM__V1__CHANGES_REQUEST__INIT;
	c.has_since = 1;
	c.since = since;
	if (limit > 0) {
		c.has_limit = 1;
		c.limit = limit;
	}
	req.body_case = CRM__V1__REQUEST__BODY_CHANGES;
	req.changes = &c;
	return crm_test_call(&srv, &req);
}

/* Walk the log from since to its end in pages of limit. */
static void
walk(uint64_t since, uint32_t limit, struct walk *w)
{
	memset(w, 0, sizeof(*w));
	uint64_t cur = since;
	for (int pages = 0;; pages++) {
		assert_true(pages < 1000);
		Crm__V1__Response *r = changes(cur, limit);
		assert_crm_ok(crm_wire_status(r));
		assert_int_equal(
		    r->body_case, CRM__V1__RESPONSE__BODY_CHANGES);
		const Crm__V1__ChangesReply *p = r->changes;
		assert_true(limit == 0 || p->n_changes <= limit);
		for (size_t i = 0; i < p->n_changes; i++) {
			const Crm__V1__Change *c = p->changes[i];
			assert_true(c->seq > cur);
			assert_true(c->seq <= p->next_since);
			assert_true(w->n == 0 || c->seq > w->v[w->n - 1].seq);
			assert_true(w->n < 512);
			w->v[w->n++] = (struct change){ c->seq, c->id,
				c->customer_id, (int)c->kind };
		}
		assert_true(p->next_since >= cur);
		cur = p->next_since;
		int more = p->more;
		crm__v1__response__free_unpacked(r, NULL);
		if (!more) {
			break;
		}
	}
	w->end = cur;
}

/* How many entries of w name record id of kind. */
static size_t
count(const struct walk *w, int kind, uint64_t id)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++) {
		n += w->v[i].kind == kind && w->v[i].id == id;
	}
	return n;
}

/* How many entries of w belong to customer id. */
static size_t
of_customer(const struct walk *w, uint64_t id)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++) {
		n += w->v[i].customer_id == id;
	}
	return n;
}

static uint64_t
add_customer(const char *name, const char *owner)
{
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, name);
	a.owner = (char *)owner;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->customer->customer->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

static uint64_t
add_contact(uint64_t customer, const char *name)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest a = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Contact c = CRM__V1__CONTACT__INIT;
	c.has_customer_id = 1;
	c.customer_id = customer;
	c.name = (char *)name;
	a.contact = &c;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	req.contact_add = &a;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->contact->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

static uint64_t
log_followup(uint64_t customer, const char *summary)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupLogRequest l = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
	f.has_customer_id = 1;
	f.customer_id = customer;
	f.summary = (char *)summary;
	l.followup = &f;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	req.followup_log = &l;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->followup->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

static void
edit_region(uint64_t customer, const char *region)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerEditRequest e = CRM__V1__CUSTOMER_EDIT_REQUEST__INIT;
	Crm__V1__FieldValue fv = CRM__V1__FIELD_VALUE__INIT;
	Crm__V1__FieldValue *fvs[] = { &fv };
	fv.field = "region";
	fv.value = (char *)region;
	e.has_id = 1;
	e.id = customer;
	e.n_fields = 1;
	e.fields = fvs;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_EDIT;
	req.customer_edit = &e;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
}

static void
assign(uint64_t customer, const char *owner)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAssignRequest a =
	    CRM__V1__CUSTOMER_ASSIGN_REQUEST__INIT;
	a.has_id = 1;
	a.id = customer;
	a.owner = (char *)owner;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ASSIGN;
	req.customer_assign = &a;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
}

#define K_CUSTOMER CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER
#define K_CONTACT  CRM__V1__CHANGE_KIND__CHANGE_CONTACT
#define K_FOLLOWUP CRM__V1__CHANGE_KIND__CHANGE_FOLLOWUP
#define K_TASK     CRM__V1__CHANGE_KIND__CHANGE_TASK

static void
pages_of_one_and_one_big_page_agree(void **state)
{
	(void)state;
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	uint64_t a = add_customer("Paging Co", "li");
	uint64_t ct = add_contact(a, "Pat");
	struct walk *big = malloc(sizeof(*big)), *small = malloc(sizeof(*big));
	walk(0, 1000, big);
	walk(0, 1, small);
	assert_int_equal(big->n, small->n);
	assert_memory_equal(big->v, small->v, big->n * sizeof(big->v[0]));
	assert_int_equal(big->end, small->end);
	assert_int_equal(count(big, K_CUSTOMER, a), 1);
	assert_int_equal(count(big, K_CONTACT, ct), 1);
	/* A new customer gets its follow-up task with it. */
	assert_true(of_customer(big, a) >= 3);
	/* Up to date: the cursor answers nothing, more is false. */
	Crm__V1__Response *r = changes(big->end, 0);
	assert_int_equal(r->changes->n_changes, 0);
	assert_false(r->changes->more);
	assert_int_equal(r->changes->next_since, big->end);
	crm__v1__response__free_unpacked(r, NULL);
	/* Beyond the newest (an old cursor against a restored backup): not
	 * an empty page to wait on for ever, but OUT_OF_RANGE naming the
	 * newest cursor. */
	uint64_t beyond[] = { big->end + 1, UINT64_C(1000000000000),
		UINT64_MAX };
	for (size_t i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
		r = changes(beyond[i], 0);
		assert_int_equal(crm_wire_status(r), CRM_OUT_OF_RANGE);
		assert_int_equal(r->status->code, 11);
		assert_string_equal(r->status->field, "changes.since");
		char newest[32];
		snprintf(newest, sizeof(newest), "(%" PRIu64 ")", big->end);
		assert_non_null(strstr(r->status->message, newest));
		crm__v1__response__free_unpacked(r, NULL);
	}
	free(big);
	free(small);
}

static void
a_record_changed_again_appears_once_at_its_latest_change(void **state)
{
	(void)state;
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	uint64_t a = add_customer("Twice Changed Co", "li");
	struct walk *w = malloc(sizeof(*w)), *after = malloc(sizeof(*w));
	walk(0, 0, w);
	uint64_t cursor = w->end;
	edit_region(a, "华南");
	edit_region(a, "华北");
	walk(cursor, 0, after);
	assert_int_equal(after->n, 1);
	assert_int_equal(after->v[0].kind, K_CUSTOMER);
	assert_int_equal(after->v[0].id, a);
	assert_int_equal(after->v[0].customer_id, a);
	walk(0, 0, w);
	assert_int_equal(count(w, K_CUSTOMER, a), 1);
	assert_int_equal(w->end, after->end);
	free(w);
	free(after);
}

static void
follow_ups_and_their_tasks_are_changes(void **state)
{
	(void)state;
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	uint64_t a = add_customer("Logged Co", "li");
	struct walk *w = malloc(sizeof(*w));
	walk(0, 0, w);
	uint64_t cursor = w->end;
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	uint64_t f = log_followup(a, "called about the order");
	walk(cursor, 0, w);
	assert_int_equal(count(w, K_FOLLOWUP, f), 1);
	assert_int_equal(count(w, K_CUSTOMER, a), 1); /* last contact */
	size_t tasks = 0;
	for (size_t i = 0; i < w->n; i++) {
		assert_int_equal(w->v[i].customer_id, a);
		tasks += w->v[i].kind == K_TASK;
	}
	assert_true(tasks >= 2); /* one done, the next one scheduled */
	free(w);
}

static void
each_caller_sees_only_the_customers_they_may_see(void **state)
{
	(void)state;
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	uint64_t li_c = add_customer("Li Feed Co", "li");
	uint64_t zhao_c = add_customer("Zhao Feed Co", "zhao");
	add_contact(zhao_c, "Secret Contact");
	struct walk *all = malloc(sizeof(*all)), *w = malloc(sizeof(*w));
	walk(0, 0, all);
	assert_true(of_customer(all, li_c) > 0);
	assert_true(of_customer(all, zhao_c) > 0);

	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	walk(0, 3, w);
	assert_true(of_customer(w, li_c) > 0);
	assert_int_equal(of_customer(w, zhao_c), 0);
	assert_true(w->n < all->n);
	assert_int_equal(w->end, all->end); /* hidden entries are passed */

	assert_crm_ok(crm_test_login(&srv, "wang", "pw-wang"));
	walk(0, 0, w);
	assert_true(of_customer(w, li_c) > 0);
	assert_true(of_customer(w, zhao_c) > 0);

	assert_crm_ok(crm_test_login(&srv, "chen", "pw-chen"));
	walk(0, 0, w);
	assert_int_equal(w->n, 0); /* team west has no customers */
	assert_int_equal(w->end, all->end);

	/* Visibility is decided now: once li's customer goes to zhao, li
	 * no longer sees its earlier changes, and zhao does. Li's own task
	 * done there stays listed to li, without the customer's id. */
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	log_followup(li_c, "li calls before the customer goes to zhao");
	walk(0, 0, w);
	size_t li_tasks = 0;
	for (size_t i = 0; i < w->n; i++) {
		li_tasks +=
		    w->v[i].kind == K_TASK && w->v[i].customer_id == li_c;
	}
	assert_true(li_tasks >= 2); /* the one done, the next one */
	assert_crm_ok(crm_test_login(&srv, "wang", "pw-wang"));
	assign(li_c, "zhao");
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	walk(0, 0, w);
	assert_int_equal(of_customer(w, li_c), 0);
	size_t unnamed = 0;
	for (size_t i = 0; i < w->n; i++) {
		unnamed += w->v[i].kind == K_TASK && w->v[i].customer_id == 0;
	}
	assert_true(unnamed >= 1); /* the one li did */
	assert_crm_ok(crm_test_login(&srv, "zhao", "pw-zhao"));
	walk(0, 0, w);
	assert_true(of_customer(w, li_c) > 0);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	free(all);
	free(w);
}

static void
changes_need_a_session(void **state)
{
	(void)state;
	size_t saved = srv.token_len;
	srv.token_len = 0;
	Crm__V1__Response *r = changes(0, 0);
	assert_crm_err(crm_wire_status(r), CRM_EUNAUTH);
	assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY__NOT_SET);
	crm__v1__response__free_unpacked(r, NULL);
	srv.token_len = saved;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages_of_one_and_one_big_page_agree),
		cmocka_unit_test(
		    a_record_changed_again_appears_once_at_its_latest_change),
		cmocka_unit_test(follow_ups_and_their_tasks_are_changes),
		cmocka_unit_test(
		    each_caller_sees_only_the_customers_they_may_see),
		cmocka_unit_test(changes_need_a_session),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
