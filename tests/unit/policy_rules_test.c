/* SPDX-License-Identifier: MIT */
/*
 * policy_rules_test.c: the follow-up cadence without a socket
 * (server/policy.c's cells, server/task.c's plans). Seed 000: S daily,
 * A every 3 days, B weekly, C monthly before the deal; after it, won S/A
 * monthly and B/C quarterly (每季度1次满意度回访); churn risk every 3
 * days. The next follow-up is counted from the last contact, never
 * before a floor, and lands on a working day unless the policy says any
 * day will do. The re-grade review is 17:00 on the month's last working
 * day.
 */
#include "rules_fixture.h"

#include "calendar.h"
#include "task.h"
#include "why.h"

static void
every_cell_has_the_seeds_cadence(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&e.ctx, &p));
	const struct {
		int stage, grade;
		int64_t every;
	} want[] = {
		{ CRM__V1__STAGE__STAGE_POTENTIAL, CRM__V1__GRADE__GRADE_S,
		    DAY },
		{ CRM__V1__STAGE__STAGE_POTENTIAL, CRM__V1__GRADE__GRADE_A,
		    3 * DAY },
		{ CRM__V1__STAGE__STAGE_POTENTIAL, CRM__V1__GRADE__GRADE_B,
		    7 * DAY },
		{ CRM__V1__STAGE__STAGE_POTENTIAL, CRM__V1__GRADE__GRADE_C,
		    30 * DAY },
		{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_S,
		    30 * DAY },
		{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_A,
		    30 * DAY },
		{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_B,
		    90 * DAY },
		{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_C,
		    90 * DAY },
		{ CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_S,
		    3 * DAY },
		{ CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_C,
		    3 * DAY },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const Crm__V1__CadenceCell *c =
		    policy_cell(p, want[i].stage, want[i].grade);
		assert_non_null(c);
		if (c->every_seconds != want[i].every) {
			print_error("stage %d grade %d: every %lld s, want "
			            "%lld s\n",
			    want[i].stage, want[i].grade,
			    (long long)c->every_seconds,
			    (long long)want[i].every);
			fail();
		}
	}
	/* An unknown grade reads as C, an unknown stage as potential. */
	assert_int_equal(
	    policy_cell(p, CRM__V1__STAGE__STAGE_POTENTIAL, 99)->every_seconds,
	    30 * DAY);
	assert_int_equal(
	    policy_cell(p, 99, CRM__V1__GRADE__GRADE_A)->every_seconds,
	    3 * DAY);
	rules_close(&e);
}

static void
the_next_follow_up_counts_from_the_last_contact(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&e.ctx, &p));
	Crm__V1__Customer b, a;
	rules_customer(&e, &b, 1, 3, CRM__V1__STAGE__STAGE_POTENTIAL,
	    CRM__V1__GRADE__GRADE_B);
	rules_customer(&e, &a, 2, 3, CRM__V1__STAGE__STAGE_POTENTIAL,
	    CRM__V1__GRADE__GRADE_A);
	int64_t due;
	/* B, contacted Monday 09:00: the next Monday 09:00. */
	assert_crm_ok(task_cadence_plan(
	    &e.ctx, p, &b, local(2026, 12, 7, 9, 0), 0, NULL, &due));
	assert_time_equal(due, local(2026, 12, 14, 9, 0));
	/* A, contacted Thursday 15:00: Sunday, moved to Monday 15:00. */
	struct why_note w;
	memset(&w, 0, sizeof(w));
	assert_crm_ok(task_cadence_plan(
	    &e.ctx, p, &a, local(2026, 12, 10, 15, 0), 0, &w, &due));
	assert_time_equal(due, local(2026, 12, 14, 15, 0));
	assert_time_equal(w.rule_at, local(2026, 12, 13, 15, 0));
	assert_non_null(strstr(w.rule, "stage potential x grade A, every 3d"));
	assert_non_null(strstr(w.rule, "on a working day"));
	/* Never before the floor. */
	assert_crm_ok(task_cadence_plan(&e.ctx, p, &a,
	    local(2026, 12, 7, 9, 0), local(2026, 12, 16, 11, 0), NULL, &due));
	assert_time_equal(due, local(2026, 12, 16, 11, 0));
	/* Working days off: Sunday it is. */
	p->has_cadence_working_days = 1;
	p->cadence_working_days = 0;
	assert_crm_ok(task_cadence_plan(
	    &e.ctx, p, &a, local(2026, 12, 10, 15, 0), 0, NULL, &due));
	assert_time_equal(due, local(2026, 12, 13, 15, 0));
	rules_close(&e);
}

static void
an_edited_cell_and_a_holiday_move_the_date(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&e.ctx, &p));
	Crm__V1__Customer c;
	rules_customer(
	    &e, &c, 1, 3, CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_B);
	/* Won B: a quarter: 2027-03-07 is a Sunday, so Monday the 8th. */
	int64_t due;
	assert_crm_ok(task_cadence_plan(
	    &e.ctx, p, &c, local(2026, 12, 7, 9, 0), 0, NULL, &due));
	assert_time_equal(due, local(2027, 3, 8, 9, 0));
	/* The manager makes won B every 10 days; the 17th is a holiday. */
	Crm__V1__CadenceCell *cell = (Crm__V1__CadenceCell *)policy_cell(
	    p, CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_B);
	cell->every_seconds = 10 * DAY;
	const struct rules_day days[] = {
		{ "2026-12-17", CRM__V1__DAY_KIND__DAY_HOLIDAY, NULL },
	};
	rules_calendar(&e, days, 1);
	assert_crm_ok(task_cadence_plan(
	    &e.ctx, p, &c, local(2026, 12, 7, 9, 0), 0, NULL, &due));
	assert_time_equal(due, local(2026, 12, 18, 9, 0));
	rules_close(&e);
}

static void
the_regrade_review_is_on_the_last_working_day(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	int64_t due;
	assert_crm_ok(
	    task_regrade_plan(&e.ctx, local(2026, 12, 7, 9, 0), NULL, &due));
	assert_time_equal(due, local(2026, 12, 31, 17, 0));
	/* After December's: January's, whose 31st is a Sunday. */
	assert_crm_ok(
	    task_regrade_plan(&e.ctx, local(2026, 12, 31, 17, 0), NULL, &due));
	assert_time_equal(due, local(2027, 1, 29, 17, 0));
	rules_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_cell_has_the_seeds_cadence),
		cmocka_unit_test(
		    the_next_follow_up_counts_from_the_last_contact),
		cmocka_unit_test(an_edited_cell_and_a_holiday_move_the_date),
		cmocka_unit_test(
		    the_regrade_review_is_on_the_last_working_day),
	};
	return cmocka_run_group_tests(tests, rules_zone, NULL);
}
