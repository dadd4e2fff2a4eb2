/* SPDX-License-Identifier: MIT */
/*
 * routine_sweep_test.c: a calendar routine's occurrence is planned 14 days
 * ahead by crmd's periodic sweep (server/writer.c, routine_step), with no
 * request touching the customer; once, not again on later sweeps.
 */
#include "crm_test.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"

#define DAY INT64_C(86400)
/* Monday 2026-12-07 09:00 in Asia/Shanghai. */
#define T0 INT64_C(1796605200)

static char clock_path[256];

/* li's open routine tasks: how many, and the first's due time. */
static size_t
routine_tasks(struct crm_test_server *s, int64_t *due)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__DueRequest q = CRM__V1__DUE_REQUEST__INIT;
	q.has_window = 1;
	q.window = CRM__V1__DUE_WINDOW__DUE_ALL;
	req.body_case = CRM__V1__REQUEST__BODY_DUE;
	req.due = &q;
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	size_t n = 0;
	for (size_t i = 0; i < r->tasks->n_tasks; i++) {
		if (r->tasks->tasks[i]->kind ==
		    CRM__V1__TASK_KIND__TASK_ROUTINE) {
			if (n++ == 0) {
				*due = r->tasks->tasks[i]->due_at;
			}
		}
	}
	crm__v1__response__free_unpacked(r, NULL);
	return n;
}

static void
the_sweep_plans_an_occurrence_14_days_ahead(void **state)
{
	(void)state;
	struct crm_test_server srv;
	snprintf(clock_path, sizeof(clock_path), "%s/routine-clock-%ld",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	crm_test_clock_set(clock_path, T0);
	setenv("CRM_TEST_CLOCK", clock_path, 1);
	setenv("CRM_TEST_PRUNE_MS", "100", 1);
	crm_test_server_start(&srv);
	unsetenv("CRM_TEST_PRUNE_MS");
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	assert_crm_ok(crm_test_add_user(&srv, "li", "rep", "east", "pw-li"));
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	uint64_t c = crm_test_add_customer(&srv, "苏州远山");

	/* The 28th: 21 days ahead, not planned yet. */
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__RoutineAddRequest a = CRM__V1__ROUTINE_ADD_REQUEST__INIT;
	Crm__V1__Routine rt = CRM__V1__ROUTINE__INIT;
	rt.has_customer_id = rt.has_every = rt.has_day = 1;
	rt.customer_id = c;
	rt.every = CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY;
	rt.day = 28;
	rt.goal = "月末回访";
	a.routine = &rt;
	req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_ADD;
	req.routine_add = &a;
	crm_test_ok(&srv, &req);
	int64_t due = 0;
	assert_int_equal(routine_tasks(&srv, &due), 0);

	/* 13 days later, nobody touches the customer: the sweep plans it
	 * (every 100 ms here; waited for at most 5 s). */
	crm_test_clock_set(clock_path, T0 + 13 * DAY);
	size_t n = 0;
	for (int i = 0; i < 50 && n == 0; i++) {
		usleep(100 * 1000);
		n = routine_tasks(&srv, &due);
	}
	assert_int_equal(n, 1);
	assert_int_equal(due, T0 + 21 * DAY); /* 2026-12-28 09:00, Monday */

	/* Later sweeps leave it alone: still one. */
	usleep(500 * 1000);
	assert_int_equal(routine_tasks(&srv, &due), 1);
	crm_test_server_stop(&srv);
	unsetenv("CRM_TEST_CLOCK");
	unlink(clock_path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_sweep_plans_an_occurrence_14_days_ahead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
