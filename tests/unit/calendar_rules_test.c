/* SPDX-License-Identifier: MIT */
/*
 * calendar_rules_test.c: the working-day calendar (server/calendar.c)
 * without a socket. A working day is Monday to Friday unless the
 * calendar says holiday, or any day the calendar says workday (调休, a
 * make-up working day); a moved time keeps its local time of day. The
 * month-end re-grade falls on the month's last working day.
 */
#include "rules_fixture.h"

#include "calendar.h"

static void
weekends_are_skipped_and_the_time_of_day_kept(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	int yes = -1;
	assert_crm_ok(calendar_is_working_day(
	    &e.ctx, local(2026, 12, 11, 23, 59), &yes));
	assert_true(yes); /* Friday */
	assert_crm_ok(
	    calendar_is_working_day(&e.ctx, local(2026, 12, 12, 10, 0), &yes));
	assert_false(yes); /* Saturday */
	int64_t t;
	assert_crm_ok(calendar_next_working_day(
	    &e.ctx, local(2026, 12, 12, 10, 30), &t));
	assert_time_equal(t, local(2026, 12, 14, 10, 30));
	/* A working day is its own next working day. */
	assert_crm_ok(
	    calendar_next_working_day(&e.ctx, local(2026, 12, 9, 15, 0), &t));
	assert_time_equal(t, local(2026, 12, 9, 15, 0));
	/* One business day from Friday is Monday; five from Monday the
	 * next Monday. Zero is the time itself on a working day, else the
	 * next working day (calendar_next_working_day is n = 0; calendar.h
	 * says "n = 0: t", which holds for working days only). */
	assert_crm_ok(calendar_add_working_days(
	    &e.ctx, local(2026, 12, 11, 16, 0), 1, &t));
	assert_time_equal(t, local(2026, 12, 14, 16, 0));
	assert_crm_ok(calendar_add_working_days(
	    &e.ctx, local(2026, 12, 7, 9, 0), 5, &t));
	assert_time_equal(t, local(2026, 12, 14, 9, 0));
	assert_crm_ok(calendar_add_working_days(
	    &e.ctx, local(2026, 12, 10, 9, 0), 0, &t));
	assert_time_equal(t, local(2026, 12, 10, 9, 0));
	assert_crm_ok(calendar_add_working_days(
	    &e.ctx, local(2026, 12, 12, 9, 0), 0, &t));
	assert_time_equal(t, local(2026, 12, 14, 9, 0));
	rules_close(&e);
}

static void
holidays_are_skipped_and_make_up_days_counted(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	const struct rules_day days[] = {
		{ "2026-12-14", CRM__V1__DAY_KIND__DAY_HOLIDAY,
		    "test holiday" },
		{ "2026-12-19", CRM__V1__DAY_KIND__DAY_WORKDAY, "test 调休" },
	};
	rules_calendar(&e, days, 2);
	int yes = -1;
	assert_crm_ok(
	    calendar_is_working_day(&e.ctx, local(2026, 12, 14, 9, 0), &yes));
	assert_false(yes);
	assert_crm_ok(
	    calendar_is_working_day(&e.ctx, local(2026, 12, 19, 9, 0), &yes));
	assert_true(yes);
	int64_t t;
	/* From a Friday before a Monday holiday: the Tuesday. */
	assert_crm_ok(calendar_add_working_days(
	    &e.ctx, local(2026, 12, 11, 10, 0), 1, &t));
	assert_time_equal(t, local(2026, 12, 15, 10, 0));
	/* From a Friday before a make-up Saturday: that Saturday. */
	assert_crm_ok(calendar_add_working_days(
	    &e.ctx, local(2026, 12, 18, 10, 0), 1, &t));
	assert_time_equal(t, local(2026, 12, 19, 10, 0));
	/* The walk says what it passed: Saturday, Sunday, the holiday. */
	struct calendar_why w;
	memset(&w, 0, sizeof(w));
	assert_crm_ok(calendar_add_working_days_why(
	    &e.ctx, local(2026, 12, 11, 10, 0), 1, &w, &t));
	assert_int_equal(w.n, 3);
	assert_int_equal(w.day[2].kind, CRM__V1__DAY_KIND__DAY_HOLIDAY);
	assert_string_equal(w.day[2].name, "test holiday");
	rules_close(&e);
}

static void
a_whole_year_of_holidays_is_searched_through(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	/* Every day of 2027 a holiday: no working day within
	 * CALENDAR_SEARCH_DAYS of its first day. */
	static struct rules_day days[365];
	static char dates[365][11];
	int64_t t = local(2027, 1, 1, 12, 0);
	for (int i = 0; i < 365; i++) {
		calendar_day_key(t + i * DAY, dates[i], sizeof(dates[i]));
		days[i].date = dates[i];
		days[i].kind = CRM__V1__DAY_KIND__DAY_HOLIDAY;
		days[i].name = NULL;
	}
	rules_calendar(&e, days, 365);
	int64_t out;
	/* 2027-12-31 is the last holiday; 2028-01-03 a Monday. */
	assert_crm_ok(calendar_next_working_day(&e.ctx, t, &out));
	assert_time_equal(out, local(2028, 1, 3, 12, 0));
	rules_close(&e);
}

static void
the_last_working_day_of_the_month(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	int64_t t;
	/* December 2026 ends on a Thursday. */
	assert_crm_ok(calendar_last_working_day(
	    &e.ctx, local(2026, 12, 7, 9, 0), 17, &t));
	assert_time_equal(t, local(2026, 12, 31, 17, 0));
	/* January 2027 ends on a Sunday: Friday the 29th. */
	assert_crm_ok(calendar_last_working_day(
	    &e.ctx, local(2027, 1, 5, 9, 0), 17, &t));
	assert_time_equal(t, local(2027, 1, 29, 17, 0));
	/* A holiday on the 31st: the 30th; a make-up Saturday at the end
	 * of January: that Saturday. */
	const struct rules_day days[] = {
		{ "2026-12-31", CRM__V1__DAY_KIND__DAY_HOLIDAY, NULL },
		{ "2027-01-30", CRM__V1__DAY_KIND__DAY_WORKDAY, NULL },
	};
	rules_calendar(&e, days, 2);
	assert_crm_ok(calendar_last_working_day(
	    &e.ctx, local(2026, 12, 7, 9, 0), 17, &t));
	assert_time_equal(t, local(2026, 12, 30, 17, 0));
	assert_crm_ok(calendar_last_working_day(
	    &e.ctx, local(2027, 1, 5, 9, 0), 17, &t));
	assert_time_equal(t, local(2027, 1, 30, 17, 0));
	rules_close(&e);
}

static void
cadence_dates_move_off_days_off_unless_the_policy_says_not(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&e.ctx, &p));
	assert_true(policy_cadence_working_days(p)); /* the default */
	int64_t t;
	assert_crm_ok(calendar_cadence_due(
	    &e.ctx, p, local(2026, 12, 13, 9, 0), &t)); /* a Sunday */
	assert_time_equal(t, local(2026, 12, 14, 9, 0));
	p->has_cadence_working_days = 1;
	p->cadence_working_days = 0;
	assert_false(policy_cadence_working_days(p));
	assert_crm_ok(
	    calendar_cadence_due(&e.ctx, p, local(2026, 12, 13, 9, 0), &t));
	assert_time_equal(t, local(2026, 12, 13, 9, 0));
	rules_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    weekends_are_skipped_and_the_time_of_day_kept),
		cmocka_unit_test(
		    holidays_are_skipped_and_make_up_days_counted),
		cmocka_unit_test(a_whole_year_of_holidays_is_searched_through),
		cmocka_unit_test(the_last_working_day_of_the_month),
		cmocka_unit_test(
		    cadence_dates_move_off_days_off_unless_the_policy_says_not),
	};
	return cmocka_run_group_tests(tests, rules_zone, NULL);
}
