/* SPDX-License-Identifier: MIT */
/*
 * followup_server_fields_test.c: the fields of a follow-up the server
 * keeps are the server's, whatever a client sends on followup.log. A rep
 * who sets FollowUp.imported = true on a follow-up logged three days
 * after it happened still gets it flagged late (the import path alone
 * marks history, which is never late), and so do author_id, logged_at,
 * late, team_id and grade stay the server's. Likewise a customer's pool
 * fields (pooled_at, pool_reason, pool_from_id, pool_left_at: pool_left_at
 * is when the reclaim clock of a claimed customer starts) are the
 * server's on customer.add and customer.edit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm_test.h"
#include "harness.h"

static struct crm_test_server srv;

static void
a_client_cannot_mark_its_follow_up_imported(void **state)
{
	(void)state;
	crm_test_login_as(&srv, "li");
	uint64_t cust = crm_test_add_customer(&srv, "Imported Claims Ltd");
	int64_t now = (int64_t)time(NULL);
	struct crm_test_log l;
	crm_test_log_init(&l, cust, "visited three days ago, logged now");
	l.f.has_happened_at = 1;
	l.f.happened_at = now - 3 * 86400;
	/* What a client has no say in: every one of them set. */
	l.f.has_imported = l.f.imported = 1;
	l.f.has_late = 1;
	l.f.late = 0;
	l.f.has_author_id = 1;
	l.f.author_id = 1;
	l.f.has_logged_at = 1;
	l.f.logged_at = now - 3 * 86400;
	l.f.has_team_id = 1;
	l.f.team_id = 999;
	l.f.has_grade = 1;
	l.f.grade = CRM__V1__GRADE__GRADE_S;
	Crm__V1__Response *r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY_FOLLOWUP);
	const Crm__V1__FollowUp *f = r->followup;
	print_message("followup.log with imported=true, late=false, at "
	              "now-3d: reply imported=%d late=%d author_id=%llu "
	              "team_id=%llu grade=%d\n",
	    f->imported, f->late, (unsigned long long)f->author_id,
	    (unsigned long long)f->team_id, (int)f->grade);
	assert_false(f->imported);
	assert_true(f->late);
	assert_true(f->author_id != 1);
	assert_true(f->logged_at >= now - 60);
	assert_true(f->team_id != 999);
	assert_int_not_equal(f->grade, CRM__V1__GRADE__GRADE_S);
	crm__v1__response__free_unpacked(r, NULL);
}

static void
a_client_cannot_set_pool_fields(void **state)
{
	(void)state;
	crm_test_login_as(&srv, "li");
	int64_t later = (int64_t)time(NULL) + 10 * 365 * 86400LL;
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, "Pool Claims Ltd");
	c.has_pooled_at = c.has_pool_from_id = c.has_pool_left_at = 1;
	c.pooled_at = (int64_t)time(NULL) - 86400; /* in range: not refused */
	c.pool_from_id = 1;
	c.pool_reason = (char *)"made up";
	c.pool_left_at = later;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__Customer *got = r->customer->customer;
	print_message("customer.add with pool fields: pooled_at=%lld "
	              "pool_from_id=%llu pool_reason=%s pool_left_at=%lld\n",
	    (long long)got->pooled_at, (unsigned long long)got->pool_from_id,
	    got->pool_reason ? got->pool_reason : "-",
	    (long long)got->pool_left_at);
	uint64_t id = got->id;
	assert_int_equal(got->pooled_at, 0);
	assert_int_equal(got->pool_from_id, 0);
	assert_null(got->pool_reason);
	assert_int_equal(got->pool_left_at, 0);
	crm__v1__response__free_unpacked(r, NULL);

	/* customer.edit refuses them like any other server field. */
	static const char *const fields[] = { "pooled_at", "pool_reason",
		"pool_from_id", "pool_from", "pool_left_at" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		Crm__V1__Request e = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerEditRequest ed =
		    CRM__V1__CUSTOMER_EDIT_REQUEST__INIT;
		Crm__V1__FieldValue fv = CRM__V1__FIELD_VALUE__INIT;
		Crm__V1__FieldValue *fvs[] = { &fv };
		char value[32];
		snprintf(value, sizeof(value), "%lld", (long long)later);
		fv.field = (char *)fields[i];
		fv.value = value;
		ed.has_id = 1;
		ed.id = id;
		ed.fields = fvs;
		ed.n_fields = 1;
		e.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_EDIT;
		e.customer_edit = &ed;
		crm_status st = crm_test_status(&srv, &e);
		print_message("customer.edit %s=%s: status %d\n", fields[i],
		    value, (int)st);
		assert_crm_err(st, CRM_EINVAL);
	}
}

static int
setup(void **state)
{
	(void)state;
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	crm_test_add_people(&srv, "li", NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_client_cannot_mark_its_follow_up_imported),
		cmocka_unit_test(a_client_cannot_set_pool_fields),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
