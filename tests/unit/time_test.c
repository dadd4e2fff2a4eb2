/* SPDX-License-Identifier: MIT */
/*
 * time_test.c: common/crm_time.c parses what users type for WHEN and
 * durations, in the local time zone (Asia/Shanghai here, UTC+8, no DST),
 * and refuses impossible dates instead of rolling them over.
 */
#include "crm_test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"

/* Monday 2026-11-23 10:00 in Asia/Shanghai (02:00 UTC). */
#define NOW  INT64_C(1795399200)
#define HOUR INT64_C(3600)
#define DAY  INT64_C(86400)
/* 18:00 local on days of that week, checked with date(1). */
#define MON_1800 INT64_C(1795428000) /* 2026-11-23 */
#define TUE_1800 INT64_C(1795514400) /* 2026-11-24 */
#define WED_1800 INT64_C(1795600800) /* 2026-11-25 */
#define WED_1400 INT64_C(1795586400) /* 2026-11-25 14:00 */
#define FRI_1800 INT64_C(1795773600) /* 2026-11-27 */
#define SUN_1800 INT64_C(1795946400) /* 2026-11-29 */
#define NEXT_MON INT64_C(1796032800) /* 2026-11-30 */

static int
set_zone(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return 0;
}

static void
expect(const char *text, int64_t want)
{
	int64_t t = -1;
	crm_status rc = crm_time_parse(text, NOW, &t);
	if (rc != CRM_OK || t != want) {
		print_error("crm_time_parse(\"%s\"): %s, got %lld want %lld\n",
		    text, crm_strerror(rc), (long long)t, (long long)want);
		fail();
	}
}

static void
refuse(const char *text)
{
	int64_t t = 12345;
	crm_status rc = crm_time_parse(text, NOW, &t);
	if (rc != CRM_EINVAL) {
		print_error("crm_time_parse(\"%s\") accepted as %lld\n", text,
		    (long long)t);
		fail();
	}
}

static void
dates_mean_the_end_of_the_business_day(void **state)
{
	(void)state;
	expect("2026-11-25", WED_1800);
	expect("2026-11-24", TUE_1800);
	expect("  2026-11-25", WED_1800);
	expect("2028-02-29", INT64_C(1835431200));
}

static void
dates_with_a_time_are_local(void **state)
{
	(void)state;
	expect("2026-11-25 14:00", WED_1400);
	expect("2026-11-25T14:00", WED_1400);
	expect("2026-12-31 23:59", INT64_C(1798732740));
	expect("2026-11-25 00:00", WED_1400 - 14 * HOUR);
}

static void
relative_times_count_from_now(void **state)
{
	(void)state;
	expect("now", NOW);
	expect("+3d", NOW + 3 * DAY);
	expect("+2h", NOW + 2 * HOUR);
	expect("+30m", NOW + 30 * 60);
	expect("+1w", NOW + 7 * DAY);
	expect("+0d", NOW);
}

static void
today_and_tomorrow_are_at_six_pm(void **state)
{
	(void)state;
	expect("today", MON_1800);
	expect("TODAY", MON_1800);
	expect("今天", MON_1800);
	expect("tomorrow", TUE_1800);
	expect("明天", TUE_1800);
	assert_int_equal(CRM_DAY_HOUR, 18);
}

static void
weekdays_name_the_next_such_day(void **state)
{
	(void)state;
	/* NOW is a Monday: "mon" is a week ahead, never today. */
	expect("mon", NEXT_MON);
	expect("monday", NEXT_MON);
	expect("周一", NEXT_MON);
	expect("星期一", NEXT_MON);
	expect("tue", TUE_1800);
	expect("wed", WED_1800);
	expect("周三", WED_1800);
	expect("Fri", FRI_1800);
	expect("周五", FRI_1800);
	expect("sun", SUN_1800);
	expect("周日", SUN_1800);
	expect("周天", SUN_1800);
	expect("星期天", SUN_1800);
}

static void
impossible_or_unknown_times_are_refused(void **state)
{
	(void)state;
	refuse("2026-02-30");
	refuse("2027-02-29");
	refuse("2026-04-31");
	refuse("2026-13-01");
	refuse("2026-00-10");
	refuse("2026-11-00");
	refuse("2026-11-25 24:00");
	refuse("2026-11-25 14:60");
	refuse("2026-11-25x");
	refuse("2026-11-25 14");
	refuse("25/11/2026");
	refuse("1969-12-31");
	refuse("yesterday");
	refuse("周八");
	refuse("");
	refuse("+");
	refuse("+3x");
	refuse("+-3d");
	refuse("+3d2h");
	int64_t t;
	assert_crm_err(crm_time_parse(NULL, NOW, &t), CRM_EINVAL);
}

static void
durations_have_units_and_default_to_days(void **state)
{
	(void)state;
	int64_t s;
	assert_crm_ok(crm_time_parse_duration("3d", &s));
	assert_int_equal(s, 3 * DAY);
	assert_crm_ok(crm_time_parse_duration("12h", &s));
	assert_int_equal(s, 12 * HOUR);
	assert_crm_ok(crm_time_parse_duration("30m", &s));
	assert_int_equal(s, 1800);
	assert_crm_ok(crm_time_parse_duration("1w", &s));
	assert_int_equal(s, 7 * DAY);
	assert_crm_ok(crm_time_parse_duration("90s", &s));
	assert_int_equal(s, 90);
	assert_crm_ok(crm_time_parse_duration("5", &s));
	assert_int_equal(s, 5 * DAY);
	assert_crm_ok(crm_time_parse_duration("72h", &s));
	assert_int_equal(s, 72 * HOUR);

	static const char *const bad[] = { "", "d", "-1d", "3y", "3 d", "3dd",
		"100001d", "1.5h" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_crm_err(
		    crm_time_parse_duration(bad[i], &s), CRM_EINVAL);
	}
	assert_crm_err(crm_time_parse_duration(NULL, &s), CRM_EINVAL);
}

static void
valid_day_accepts_real_days_only(void **state)
{
	(void)state;
	assert_true(crm_time_valid_day("11-25"));
	assert_true(crm_time_valid_day("02-29")); /* a birthday on leap day */
	assert_true(crm_time_valid_day("12-31"));
	assert_true(crm_time_valid_day("1990-06-15"));
	assert_true(crm_time_valid_day("2028-02-29"));
	assert_true(crm_time_valid_day("2000-02-29"));

	assert_false(crm_time_valid_day("2027-02-29"));
	assert_false(crm_time_valid_day("1900-02-29"));
	assert_false(crm_time_valid_day("02-30"));
	assert_false(crm_time_valid_day("04-31"));
	assert_false(crm_time_valid_day("13-01"));
	assert_false(crm_time_valid_day("00-10"));
	assert_false(crm_time_valid_day("11-00"));
	assert_false(crm_time_valid_day("1-1"));
	assert_false(crm_time_valid_day("2026-1-01"));
	assert_false(crm_time_valid_day("abcde"));
	assert_false(crm_time_valid_day(""));
	assert_false(crm_time_valid_day("2026-11-25 10:00"));
}

static void
formatting_is_local_and_round_trips(void **state)
{
	(void)state;
	char buf[32];
	crm_time_format(WED_1400, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25 14:00");
	crm_time_format_date(WED_1400, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25");
	/* 23:30 local is still the 23rd; midnight starts the 24th. */
	crm_time_format_date(INT64_C(1795447800), buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-23");
	crm_time_format_date(MON_1800 + 6 * HOUR, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24");

	int64_t t;
	crm_time_format(NOW + 5 * DAY, buf, sizeof(buf));
	assert_crm_ok(crm_time_parse(buf, NOW, &t));
	assert_int_equal(t, NOW + 5 * DAY);
}

static void
now_is_close_to_the_clock(void **state)
{
	(void)state;
	int64_t a = (int64_t)time(NULL);
	int64_t b = crm_time_now();
	assert_true(b >= a && b - a < 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dates_mean_the_end_of_the_business_day),
		cmocka_unit_test(dates_with_a_time_are_local),
		cmocka_unit_test(relative_times_count_from_now),
		cmocka_unit_test(today_and_tomorrow_are_at_six_pm),
		cmocka_unit_test(weekdays_name_the_next_such_day),
		cmocka_unit_test(impossible_or_unknown_times_are_refused),
		cmocka_unit_test(durations_have_units_and_default_to_days),
		cmocka_unit_test(valid_day_accepts_real_days_only),
		cmocka_unit_test(formatting_is_local_and_round_trips),
		cmocka_unit_test(now_is_close_to_the_clock),
	};
	return cmocka_run_group_tests(tests, set_zone, NULL);
}
