/* SPDX-License-Identifier: MIT */
/*
 * made_earlier_test.c: writes made earlier than they came (Request.
 * made_age_seconds, proto/README.md §3), against a real crmd with raw
 * requests and a test clock, and requests that name no record:
 *   - a customer_edit, contact_edit, task_move, task_assign or task_done
 *     made before the record was made answers FAILED_PRECONDITION naming when
 * it was made and by whom, and sets nothing (its maker's values stand); one
 *     made after it is applied;
 *   - a follow-up, a won deal, a purchase and a first contact made earlier
 *     are judged as of then: a time after that (beyond the live slack) is
 *     refused as "in the future", naming the same field as live;
 *   - a request whose record id is missing answers INVALID_ARGUMENT naming
 *     the field (stage_set.customer_id, task_done.id, ...), not NOT_FOUND
 *     "no customer 0".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"

#define T0 INT64_C(1796000000)

static char clock_path[400];

static void
start(struct crm_test_server *s)
{
	crm_test_clock_open(clock_path, sizeof(clock_path));
	crm_test_clock_set(clock_path, T0);
	crm_test_server_start(s);
	assert_crm_ok(crm_test_login(s, "admin", "admin-pw"));
	crm_test_add_people(s, "li", "wang", NULL);
}

static void
stop(struct crm_test_server *s)
{
	crm_test_server_stop(s);
	crm_test_clock_close(clock_path);
	unsetenv("CRM_TEST_CLOCK");
}

/* req, made age seconds before it is sent. */
static void
made_ago(Crm__V1__Request *req, int64_t age)
{
	req->has_made_age_seconds = 1;
	req->made_age_seconds = age;
}

/* The reply to req must be code, naming field (NULL: any) and saying
 * each of the NULL-terminated texts. */
static void
refused(struct crm_test_server *s, Crm__V1__Request *req, crm_status code,
    const char *field, ...)
{
	Crm__V1__Response *r = crm_test_call(s, req);
	assert_crm_err(crm_wire_status(r), code);
	assert_non_null(r->status->message);
	if (field != NULL) {
		assert_non_null(r->status->field);
		assert_string_equal(r->status->field, field);
	}
	va_list ap;
	va_start(ap, field);
	for (const char *t; (t = va_arg(ap, const char *)) != NULL;) {
		if (strstr(r->status->message, t) == NULL) {
			fail_msg("\"%s\" does not say \"%s\"",
			    r->status->message, t);
		}
	}
	va_end(ap);
	crm__v1__response__free_unpacked(r, NULL);
}

static Crm__V1__Response *
get_customer(struct crm_test_server *s, uint64_t id)
{
	Crm__V1__Request req;
	Crm__V1__CustomerGetRequest g;
	crm_test_customer_get_init(&req, &g, id);
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	return r;
}

/* The open follow-up task of customer, as the session in s sees it. */
static Crm__V1__Task *
followup_task(
    struct crm_test_server *s, uint64_t customer, Crm__V1__Response **keep)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__DueRequest due = CRM__V1__DUE_REQUEST__INIT;
	due.has_window = 1;
	due.window = CRM__V1__DUE_WINDOW__DUE_ALL;
	req.body_case = CRM__V1__REQUEST__BODY_DUE;
	req.due = &due;
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	*keep = r;
	for (size_t i = 0; i < r->tasks->n_tasks; i++) {
		Crm__V1__Task *t = r->tasks->tasks[i];
		if (t->customer_id == customer &&
		    t->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP) {
			return t;
		}
	}
	fail_msg("no follow-up task of customer %llu",
	    (unsigned long long)customer);
	return NULL;
}

static void
customer_edit_init(Crm__V1__Request *req, Crm__V1__CustomerEditRequest *e,
    Crm__V1__FieldValue *fv, Crm__V1__FieldValue **fvs, uint64_t id,
    const char *field, const char *value)
{
	crm__v1__request__init(req);
	crm__v1__customer_edit_request__init(e);
	crm__v1__field_value__init(fv);
	fv->field = (char *)field;
	fv->value = (char *)value;
	fvs[0] = fv;
	e->has_id = 1;
	e->id = id;
	e->n_fields = 1;
	e->fields = fvs;
	req->body_case = CRM__V1__REQUEST__BODY_CUSTOMER_EDIT;
	req->customer_edit = e;
}

static void
an_edit_made_before_its_record_is_refused(void **state)
{
	(void)state;
	struct crm_test_server srv;
	start(&srv);
	char made_by[64];

	/* wang makes li's customer, with a region, and a contact. */
	crm_test_login_as(&srv, "wang");
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, "先建客户");
	a.owner = "li";
	c.region = "set-by-wang";
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t cust = r->customer->customer->id;
	crm__v1__response__free_unpacked(r, NULL);

	Crm__V1__Request kreq = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest ka = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Contact k = CRM__V1__CONTACT__INIT;
	k.has_customer_id = 1;
	k.customer_id = cust;
	k.name = "周敏";
	k.title = "set-by-wang";
	ka.contact = &k;
	kreq.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	kreq.contact_add = &ka;
	r = crm_test_call(&srv, &kreq);
	assert_crm_ok(crm_wire_status(r));
	uint64_t contact = r->contact->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* li's writes, each made an hour before (kept offline). */
	crm_test_login_as(&srv, "li");
	Crm__V1__CustomerEditRequest e;
	Crm__V1__FieldValue fv, *fvs[1];
	customer_edit_init(
	    &req, &e, &fv, fvs, cust, "region", "set-by-li-offline");
	made_ago(&req, 3600);
	snprintf(made_by, sizeof(made_by), "before customer %llu was made (",
	    (unsigned long long)cust);
	refused(&srv, &req, CRM_EPRECOND, "customer_edit.fields[0]", made_by,
	    ", by wang)", "not applied", NULL);
	r = get_customer(&srv, cust);
	assert_string_equal(r->customer->customer->region, "set-by-wang");
	crm__v1__response__free_unpacked(r, NULL);

	Crm__V1__ContactEditRequest ce = CRM__V1__CONTACT_EDIT_REQUEST__INIT;
	ce.has_id = 1;
	ce.id = contact;
	fv.field = "title";
	fv.value = "set-by-li-offline";
	ce.n_fields = 1;
	ce.fields = fvs;
	crm__v1__request__init(&req);
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_EDIT;
	req.contact_edit = &ce;
	made_ago(&req, 3600);
	snprintf(made_by, sizeof(made_by), "before contact %llu was made (",
	    (unsigned long long)contact);
	refused(&srv, &req, CRM_EPRECOND, "contact_edit.fields[0]", made_by,
	    ", by wang)", NULL);
	r = get_customer(&srv, cust);
	assert_int_equal(r->customer->n_contacts, 1);
	assert_string_equal(r->customer->contacts[0]->title, "set-by-wang");
	crm__v1__response__free_unpacked(r, NULL);

	/* The next follow-up, planned when wang made the customer. */
	Crm__V1__Response *due;
	Crm__V1__Task *t = followup_task(&srv, cust, &due);
	uint64_t task = t->id;
	int64_t due_at = t->due_at;
	crm__v1__response__free_unpacked(due, NULL);
	snprintf(made_by, sizeof(made_by), "before task %llu was made (",
	    (unsigned long long)task);

	Crm__V1__TaskMoveRequest mv = CRM__V1__TASK_MOVE_REQUEST__INIT;
	mv.has_id = mv.has_due_at = 1;
	mv.id = task;
	mv.due_at = T0 + 5 * 86400;
	crm__v1__request__init(&req);
	req.body_case = CRM__V1__REQUEST__BODY_TASK_MOVE;
	req.task_move = &mv;
	made_ago(&req, 3600);
	refused(&srv, &req, CRM_EPRECOND, NULL, made_by, ", by wang)", NULL);

	Crm__V1__TaskAssignRequest as = CRM__V1__TASK_ASSIGN_REQUEST__INIT;
	as.has_id = 1;
	as.id = task;
	as.owner = "wang";
	crm__v1__request__init(&req);
	req.body_case = CRM__V1__REQUEST__BODY_TASK_ASSIGN;
	req.task_assign = &as;
	made_ago(&req, 3600);
	refused(&srv, &req, CRM_EPRECOND, NULL, made_by, ", by wang)", NULL);

	/* Done before it was made: it would be done before it existed. */
	Crm__V1__TaskIdRequest td = CRM__V1__TASK_ID_REQUEST__INIT;
	td.has_id = 1;
	td.id = task;
	crm__v1__request__init(&req);
	req.body_case = CRM__V1__REQUEST__BODY_TASK_DONE;
	req.task_done = &td;
	made_ago(&req, 3600);
	refused(&srv, &req, CRM_EPRECOND, NULL, made_by, ", by wang)", NULL);
	t = followup_task(&srv, cust, &due);
	assert_int_equal(t->id, task);
	assert_int_equal(t->due_at, due_at);
	assert_string_equal(t->owner, "li");
	crm__v1__response__free_unpacked(due, NULL);

	/* Two hours on, an edit made an hour ago: after the customer was
	 * made, so applied. */
	crm_test_clock_set(clock_path, T0 + 7200);
	customer_edit_init(&req, &e, &fv, fvs, cust, "region", "set-by-li");
	made_ago(&req, 3600);
	r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
	r = get_customer(&srv, cust);
	assert_string_equal(r->customer->customer->region, "set-by-li");
	crm__v1__response__free_unpacked(r, NULL);
	stop(&srv);
}

static void
times_of_a_write_made_earlier_are_judged_then(void **state)
{
	(void)state;
	struct crm_test_server srv;
	start(&srv);
	crm_test_login_as(&srv, "li");
	uint64_t cust = crm_test_add_customer(&srv, "后记客户");
	/* Four days on; the writes below were made three days ago. */
	const int64_t now = T0 + 4 * 86400;
	crm_test_clock_set(clock_path, now);

	/* Live, a follow-up an hour ahead is in the future. */
	struct crm_test_log l;
	crm_test_log_init(&l, cust, "ahead");
	l.f.has_happened_at = 1;
	l.f.happened_at = now + 3600;
	Crm__V1__Response *r = crm_test_call(&srv, &l.req);
	assert_crm_err(crm_wire_status(r), CRM_EINVAL);
	char field[256];
	snprintf(field, sizeof(field), "%s", r->status->field);
	assert_non_null(strstr(field, "happened_at"));
	assert_non_null(
	    strstr(r->status->message, "cannot happen in the future"));
	crm__v1__response__free_unpacked(r, NULL);

	/* Made three days ago, it says it happened a minute ago: after it
	 * was made, the same refusal. */
	crm_test_log_init(&l, cust, "logged before it happened");
	l.f.has_happened_at = 1;
	l.f.happened_at = now - 60;
	made_ago(&l.req, 3 * 86400);
	refused(&srv, &l.req, CRM_EINVAL, field,
	    "a follow-up cannot happen in the future", NULL);
	r = get_customer(&srv, cust);
	assert_false(r->customer->customer->has_last_contact_at &&
	             r->customer->customer->last_contact_at > T0 + 86400);
	crm__v1__response__free_unpacked(r, NULL);

	/* Made three days ago, of a contact an hour before: logged. */
	crm_test_log_init(&l, cust, "logged after it happened");
	l.f.has_happened_at = 1;
	l.f.happened_at = now - 3 * 86400 - 3600;
	made_ago(&l.req, 3 * 86400);
	r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->followup->happened_at, now - 3 * 86400 - 3600);
	crm__v1__response__free_unpacked(r, NULL);

	/* A deal won a minute ago, a change made three days ago. */
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__StageSetRequest st = CRM__V1__STAGE_SET_REQUEST__INIT;
	st.has_customer_id = st.has_stage = st.has_won_at = 1;
	st.has_deal_amount = 1;
	st.customer_id = cust;
	st.stage = CRM__V1__STAGE__STAGE_WON;
	st.deal_amount = 100000;
	st.won_at = now - 60;
	req.body_case = CRM__V1__REQUEST__BODY_STAGE_SET;
	req.stage_set = &st;
	made_ago(&req, 3 * 86400);
	refused(&srv, &req, CRM_EINVAL, "stage_set.won_at",
	    "not in the future", NULL);

	/* A purchase bought a minute ago, added three days ago (a day's
	 * slack, as live). */
	Crm__V1__PurchaseAddRequest pa = CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	Crm__V1__Purchase p = CRM__V1__PURCHASE__INIT;
	p.has_customer_id = p.has_amount = p.has_bought_at = 1;
	p.customer_id = cust;
	p.amount = 100000;
	p.product = "设备";
	p.bought_at = now - 60;
	pa.purchase = &p;
	crm__v1__request__init(&req);
	req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	req.purchase_add = &pa;
	made_ago(&req, 3 * 86400);
	r = crm_test_call(&srv, &req);
	assert_crm_err(crm_wire_status(r), CRM_EINVAL);
	assert_non_null(strstr(r->status->field, "bought_at"));
	crm__v1__response__free_unpacked(r, NULL);

	/* A customer first met a minute ago, added three days ago. */
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, "首次接触在后");
	c.has_first_contact_at = 1;
	c.first_contact_at = now - 60;
	made_ago(&req, 3 * 86400);
	r = crm_test_call(&srv, &req);
	assert_crm_err(crm_wire_status(r), CRM_EINVAL);
	assert_non_null(strstr(r->status->field, "first_contact_at"));
	crm__v1__response__free_unpacked(r, NULL);
	stop(&srv);
}

/* req with its body `member` = msg, which names no record: refused as
 * INVALID_ARGUMENT naming member.field. */
#define REFUSED_WITHOUT(member, BODY, msg, field)                         \
	do {                                                              \
		crm__v1__request__init(&req);                             \
		req.body_case = CRM__V1__REQUEST__BODY_##BODY;            \
		req.member = &(msg);                                      \
		refused(&srv, &req, CRM_EINVAL, #member "." field, NULL); \
	} while (0)

static void
a_request_naming_no_record_names_the_field(void **state)
{
	(void)state;
	struct crm_test_server srv;
	start(&srv);
	crm_test_login_as(&srv, "li");
	crm_test_add_customer(&srv, "有客户");
	Crm__V1__Request req;

	Crm__V1__StageSetRequest st = CRM__V1__STAGE_SET_REQUEST__INIT;
	st.has_stage = 1;
	st.stage = CRM__V1__STAGE__STAGE_INTENT;
	REFUSED_WITHOUT(stage_set, STAGE_SET, st, "customer_id");

	Crm__V1__GradeProposeRequest gp = CRM__V1__GRADE_PROPOSE_REQUEST__INIT;
	gp.has_grade = 1;
	gp.grade = CRM__V1__GRADE__GRADE_A;
	gp.reason = "预算增加";
	REFUSED_WITHOUT(grade_propose, GRADE_PROPOSE, gp, "customer_id");

	Crm__V1__SlaStartRequest ss = CRM__V1__SLA_START_REQUEST__INIT;
	ss.text = "询价";
	REFUSED_WITHOUT(sla_start, SLA_START, ss, "customer_id");

	Crm__V1__TaskIdRequest td = CRM__V1__TASK_ID_REQUEST__INIT;
	REFUSED_WITHOUT(task_done, TASK_DONE, td, "id");

	Crm__V1__TaskMoveRequest mv = CRM__V1__TASK_MOVE_REQUEST__INIT;
	mv.has_due_at = 1;
	mv.due_at = T0 + 86400;
	REFUSED_WITHOUT(task_move, TASK_MOVE, mv, "id");

	Crm__V1__CommitmentDoneRequest cd =
	    CRM__V1__COMMITMENT_DONE_REQUEST__INIT;
	REFUSED_WITHOUT(commitment_done, COMMITMENT_DONE, cd, "id");

	Crm__V1__CustomerGetRequest g = CRM__V1__CUSTOMER_GET_REQUEST__INIT;
	REFUSED_WITHOUT(customer_get, CUSTOMER_GET, g, "id");

	Crm__V1__ContactLeftRequest cl = CRM__V1__CONTACT_LEFT_REQUEST__INIT;
	REFUSED_WITHOUT(contact_left, CONTACT_LEFT, cl, "id");

	Crm__V1__ContactListRequest ls = CRM__V1__CONTACT_LIST_REQUEST__INIT;
	REFUSED_WITHOUT(contact_list, CONTACT_LIST, ls, "customer_id");
	stop(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_edit_made_before_its_record_is_refused),
		cmocka_unit_test(
		    times_of_a_write_made_earlier_are_judged_then),
		cmocka_unit_test(a_request_naming_no_record_names_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
