/* SPDX-License-Identifier: MIT */
/*
 * times_test.c: every time a client sends is checked against one range
 * (proto/README.md, "Times and money"): an int64 field named *_at is UTC
 * seconds since the epoch in [2000-01-01, 2100-01-01), one named
 * *_seconds a duration of 1 s to 3650 days; 0 is unset. A due time in
 * milliseconds (about the year 58,900), a negative one and one in the
 * year 3000 are refused with INVALID_ARGUMENT naming the field, on every
 * kind of request; the same requests with a sane time still work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm_test.h"
#include "harness.h"

static struct crm_test_server srv;
static uint64_t customer;
static int64_t now;

#define MS_TIME   INT64_C(1796601600000) /* 2026-12-07 in milliseconds */
#define YEAR_3000 INT64_C(32503680000)   /* 3000-01-01 */
static const int64_t bad_times[] = { MS_TIME, -1, -86400, YEAR_3000,
	INT64_C(946684799) };

static int
setup(void **state)
{
	(void)state;
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	crm_test_add_people(&srv, "li", NULL);
	crm_test_login_as(&srv, "li");
	customer = crm_test_add_customer(&srv, "Times Co");
	now = (int64_t)time(NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	return 0;
}

/* Send req; the status must be want, and a refusal's message must name
 * field. */
static void
expect(Crm__V1__Request *req, crm_status want, const char *field)
{
	Crm__V1__Response *r = crm_test_call(&srv, req);
	crm_status got = r->status && r->status->has_code
	                     ? (crm_status)r->status->code
	                     : CRM_OK;
	if (got != want) {
		fail_msg("%s: status %d, want %d (%s)", field, (int)got,
		    (int)want,
		    r->status && r->status->message ? r->status->message : "");
	}
	if (want == CRM_EINVAL) {
		assert_non_null(r->status->message);
		if (strstr(r->status->message, field) == NULL) {
			fail_msg("message \"%s\" does not name %s",
			    r->status->message, field);
		}
	}
	crm__v1__response__free_unpacked(r, NULL);
}

static crm_status
log_next_due(int64_t t, const char *summary)
{
	struct crm_test_log l;
	crm_test_log_init(&l, customer, summary);
	l.f.has_next_due_at = 1;
	l.f.next_due_at = t;
	l.f.next_action = "call back";
	Crm__V1__Response *r = crm_test_call(&srv, &l.req);
	crm_status st = r->status && r->status->has_code
	                    ? (crm_status)r->status->code
	                    : CRM_OK;
	if (st == CRM_EINVAL) {
		assert_non_null(strstr(r->status->message, "next_due_at"));
	}
	crm__v1__response__free_unpacked(r, NULL);
	return st;
}

static void
followup_next_due_at(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		assert_int_equal(
		    log_next_due(bad_times[i], "bad"), CRM_EINVAL);
	}
	assert_crm_ok(log_next_due(now + 86400, "good"));
}

static void
task_add_and_move_due_at(void **state)
{
	(void)state;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskAddRequest a = CRM__V1__TASK_ADD_REQUEST__INIT;
	a.has_customer_id = a.has_due_at = 1;
	a.customer_id = customer;
	a.goal = "send the quote";
	req.body_case = CRM__V1__REQUEST__BODY_TASK_ADD;
	req.task_add = &a;
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		a.due_at = bad_times[i];
		expect(&req, CRM_EINVAL, "due_at");
	}
	a.due_at = now + 3600;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_non_null(r->task);
	uint64_t task = r->task->id;
	crm__v1__response__free_unpacked(r, NULL);

	Crm__V1__Request mreq = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskMoveRequest m = CRM__V1__TASK_MOVE_REQUEST__INIT;
	m.has_id = m.has_due_at = 1;
	m.id = task;
	mreq.body_case = CRM__V1__REQUEST__BODY_TASK_MOVE;
	mreq.task_move = &m;
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		m.due_at = bad_times[i];
		expect(&mreq, CRM_EINVAL, "due_at");
	}
	m.due_at = now + 7200;
	expect(&mreq, CRM_OK, "due_at");
}

static void
customer_add_first_contact_at(void **state)
{
	(void)state;
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, "First Contact Co");
	c.has_kind = 1;
	c.kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	c.has_first_contact_at = 1;
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		c.first_contact_at = bad_times[i];
		expect(&req, CRM_EINVAL, "customer.first_contact_at");
	}
	c.first_contact_at = now - 86400;
	expect(&req, CRM_OK, "first_contact_at");
}

static void
durations_positive_and_bounded(void **state)
{
	(void)state;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__RemindersRequest q = CRM__V1__REMINDERS_REQUEST__INIT;
	q.has_ahead_seconds = 1;
	req.body_case = CRM__V1__REQUEST__BODY_REMINDERS;
	req.reminders = &q;
	q.ahead_seconds = -60;
	expect(&req, CRM_EINVAL, "ahead_seconds");
	q.ahead_seconds = INT64_C(900000); /* 15 min in ms, 10 days in s */
	expect(&req, CRM_OK, "ahead_seconds");
	q.ahead_seconds = INT64_C(900000000); /* 28 years */
	expect(&req, CRM_EINVAL, "ahead_seconds");
	q.ahead_seconds = 900;
	expect(&req, CRM_OK, "ahead_seconds");

	crm_test_login_as(&srv, "admin");
	Crm__V1__Request preq = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicySetRequest p = CRM__V1__POLICY_SET_REQUEST__INIT;
	p.has_grade = p.has_every_seconds = 1;
	p.grade = CRM__V1__GRADE__GRADE_B;
	p.every_seconds = -7 * 86400;
	preq.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
	preq.policy_set = &p;
	expect(&preq, CRM_EINVAL, "every_seconds");
	p.every_seconds = 7 * 86400;
	expect(&preq, CRM_OK, "every_seconds");
	crm_test_login_as(&srv, "li");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(followup_next_due_at),
		cmocka_unit_test(task_add_and_move_due_at),
		cmocka_unit_test(customer_add_first_contact_at),
		cmocka_unit_test(durations_positive_and_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
