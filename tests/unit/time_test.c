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
	refuse("someday");
	refuse("周八");
	refuse("");
	refuse("+");
	refuse("+3x");
	refuse("+-3d");
	refuse("+3d2h");
	int64_t t;
	assert_crm_err(crm_time_parse(NULL, NOW, &t), CRM_EINVAL);
}

/* y-m-d h:mi local time, by mktime: the tests below state days, not
 * seconds. */
static int64_t
at(int y, int m, int d, int h, int mi)
{
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
words_people_type_lean_to_the_future(void **state)
{
	(void)state;
	/* NOW: Monday 2026-11-23 10:00. */
	expect("tomorrow 10:00", at(2026, 11, 24, 10, 0));
	expect("明天 10:00", at(2026, 11, 24, 10, 0));
	expect("Tomorrow  10:00", at(2026, 11, 24, 10, 0));
	expect("10:00 tomorrow", at(2026, 11, 24, 10, 0));
	expect("tomorrow 10am", at(2026, 11, 24, 10, 0));
	expect("后天 15:00", at(2026, 11, 25, 15, 0));
	expect("后天", at(2026, 11, 25, 18, 0));
	expect("大后天", at(2026, 11, 26, 18, 0));
	expect("yesterday", at(2026, 11, 22, 18, 0));
	expect("昨天 9:30", at(2026, 11, 22, 9, 30));
	expect("mon 10:00", at(2026, 11, 30, 10, 0));
	expect("周三", at(2026, 11, 25, 18, 0));
	expect("next tue", at(2026, 12, 1, 18, 0));
	expect("下周二 10:00", at(2026, 12, 1, 10, 0));
	expect("下个星期二", at(2026, 12, 1, 18, 0));
	expect("this fri", at(2026, 11, 27, 18, 0));
	expect("本周五", at(2026, 11, 27, 18, 0));
	expect("这周一", at(2026, 11, 23, 18, 0));
	expect("last mon", at(2026, 11, 16, 18, 0));
	expect("上周三 14:00", at(2026, 11, 18, 14, 0));
	expect("礼拜六", at(2026, 11, 28, 18, 0));
}

static void
a_time_alone_is_the_next_time_the_clock_says_it(void **state)
{
	(void)state;
	expect("下午3点", at(2026, 11, 23, 15, 0));
	expect("3pm", at(2026, 11, 23, 15, 0));
	expect("15:00", at(2026, 11, 23, 15, 0));
	expect("上午9点", at(2026, 11, 24, 9, 0)); /* 9:00 has passed */
	expect("9:00", at(2026, 11, 24, 9, 0));
	expect("下午3点半", at(2026, 11, 23, 15, 30));
	expect("晚上8点15分", at(2026, 11, 23, 20, 15));
	expect("中午12点", at(2026, 11, 23, 12, 0));
	expect("中午1点", at(2026, 11, 23, 13, 0));
	expect("noon", at(2026, 11, 23, 12, 0));
	expect("12am", at(2026, 11, 24, 0, 0));
	expect("12pm", at(2026, 11, 23, 12, 0));
	expect("明天下午3点", at(2026, 11, 24, 15, 0));
	expect("明天 下午 3:30", at(2026, 11, 24, 15, 30));
	expect("下周二上午10点", at(2026, 12, 1, 10, 0));
	/* 1点..6点 alone are said of the working day's afternoon. */
	expect("明天3点", at(2026, 11, 24, 15, 0));
	expect("明天3点半", at(2026, 11, 24, 15, 30));
	expect("明天9点", at(2026, 11, 24, 9, 0));
	expect("明天凌晨3点", at(2026, 11, 24, 3, 0));
	expect("明天上午6点", at(2026, 11, 24, 6, 0));
	expect("明天 3:00", at(2026, 11, 24, 3, 0));
}

static void
relative_days_keep_the_time_of_day(void **state)
{
	(void)state;
	expect("+3d", at(2026, 11, 26, 10, 0));
	expect("in 3 days", at(2026, 11, 26, 10, 0));
	expect("in 1 day", at(2026, 11, 24, 10, 0));
	expect("3天后", at(2026, 11, 26, 10, 0));
	expect("+2h", at(2026, 11, 23, 12, 0));
	expect("in 2 hours", at(2026, 11, 23, 12, 0));
	expect("2小时后", at(2026, 11, 23, 12, 0));
	expect("in 30 minutes", at(2026, 11, 23, 10, 30));
	expect("in 2 weeks", at(2026, 12, 7, 10, 0));
	expect("-2d", at(2026, 11, 21, 10, 0));
	expect("3 days ago", at(2026, 11, 20, 10, 0));
	expect("3天前", at(2026, 11, 20, 10, 0));
	expect("+5", at(2026, 11, 28, 10, 0));
	expect("现在", NOW);
	expect("@1795399200", INT64_C(1795399200));
	refuse("@");
	refuse("@12x");
}

static void
dates_in_other_shapes(void **state)
{
	(void)state;
	expect("2026/12/01", at(2026, 12, 1, 18, 0));
	expect("2026年12月1日", at(2026, 12, 1, 18, 0));
	expect("2026年12月1日 10:00", at(2026, 12, 1, 10, 0));
	expect("12-01", at(2026, 12, 1, 18, 0));
	expect("12月1号 下午2点", at(2026, 12, 1, 14, 0));
	/* Without a year: the next such day. */
	expect("11-20", at(2027, 11, 20, 18, 0));
	expect("11-23", at(2026, 11, 23, 18, 0));
}

static void
unreadable_or_period_whens_are_refused(void **state)
{
	(void)state;
	refuse("next week");
	refuse("本月");
	refuse("3");
	refuse("下午");
	refuse("tomorrow 25:00");
	refuse("13pm");
	refuse("0am");
	refuse("mon tue");
	refuse("in");
	refuse("in 3");
	refuse("3 days");
	refuse("next");
	refuse("下周八");
	refuse("02-30");
	refuse("13-01");
	refuse("2026年2月30日");
	refuse("tomorrow tomorrow");
}

/* The span crm_time_parse_span gives for text at now. */
static void
expect_span(const char *text, int64_t now, int64_t from, int64_t to)
{
	int64_t f = -1, t = -1;
	crm_status rc = crm_time_parse_span(text, now, &f, &t);
	if (rc != CRM_OK || f != from || t != to) {
		print_error(
		    "crm_time_parse_span(\"%s\"): %s, got [%lld, %lld) "
		    "want [%lld, %lld)\n",
		    text, crm_strerror(rc), (long long)f, (long long)t,
		    (long long)from, (long long)to);
		fail();
	}
}

static void
from_and_to_words_lean_to_the_past(void **state)
{
	(void)state;
	int64_t wed = at(2026, 11, 25, 10, 0); /* a Wednesday */
	/* "mon" is this week's Monday, on Monday itself too. */
	expect_span(
	    "mon", wed, at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0));
	expect_span(
	    "mon", NOW, at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0));
	expect_span(
	    "周一", wed, at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0));
	expect_span(
	    "fri", wed, at(2026, 11, 20, 0, 0), at(2026, 11, 21, 0, 0));
	expect_span(
	    "wed", wed, at(2026, 11, 25, 0, 0), at(2026, 11, 26, 0, 0));
	expect_span(
	    "today", NOW, at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0));
	expect_span(
	    "今天", NOW, at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0));
	expect_span(
	    "yesterday", NOW, at(2026, 11, 22, 0, 0), at(2026, 11, 23, 0, 0));
	expect_span(
	    "2026-11-25", NOW, at(2026, 11, 25, 0, 0), at(2026, 11, 26, 0, 0));
	/* Without a year: the last such day. */
	expect_span(
	    "11-25", NOW, at(2025, 11, 25, 0, 0), at(2025, 11, 26, 0, 0));
	expect_span(
	    "上周三", wed, at(2026, 11, 18, 0, 0), at(2026, 11, 19, 0, 0));
	/* A time alone: the last time the clock said it. */
	expect_span("15:00", NOW, at(2026, 11, 22, 15, 0),
	    at(2026, 11, 22, 15, 0) + 1);
	expect_span(
	    "9:00", NOW, at(2026, 11, 23, 9, 0), at(2026, 11, 23, 9, 0) + 1);
	/* A moment is the second it names (times are whole seconds), so
	 * `--to now` holds what happened in the current second. */
	expect_span(
	    "+3d", NOW, at(2026, 11, 26, 10, 0), at(2026, 11, 26, 10, 0) + 1);
	expect_span("3 days ago", NOW, at(2026, 11, 20, 10, 0),
	    at(2026, 11, 20, 10, 0) + 1);
	expect_span("2026-11-25 14:00", NOW, WED_1400, WED_1400 + 1);
	expect_span("now", NOW, NOW, NOW + 1);
}

static void
what_happened_leans_to_the_past(void **state)
{
	(void)state;
	int64_t wed = at(2026, 11, 25, 10, 0), t = 0;
	struct {
		const char *text;
		int64_t now, want;
	} cases[] = {
		{ "mon", wed, at(2026, 11, 23, 18, 0) },
		{ "周一", wed, at(2026, 11, 23, 18, 0) },
		{ "fri", wed, at(2026, 11, 20, 18, 0) },
		{ "yesterday", wed, at(2026, 11, 24, 18, 0) },
		{ "昨天 下午3点", wed, at(2026, 11, 24, 15, 0) },
		{ "today", wed, wed }, /* 18:00 is still ahead */
		{ "today", at(2026, 11, 25, 20, 0), at(2026, 11, 25, 18, 0) },
		{ "9:00", wed, at(2026, 11, 25, 9, 0) },
		{ "15:00", wed, at(2026, 11, 24, 15, 0) },
		{ "2 hours ago", wed, at(2026, 11, 25, 8, 0) },
		{ "11-28", wed, at(2025, 11, 28, 18, 0) },
		{ "2026-11-20 09:30", wed, at(2026, 11, 20, 9, 30) },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		crm_status rc =
		    crm_time_parse_past(cases[i].text, cases[i].now, &t);
		if (rc != CRM_OK || t != cases[i].want) {
			print_error(
			    "crm_time_parse_past(\"%s\"): %s, got %lld "
			    "want %lld\n",
			    cases[i].text, crm_strerror(rc), (long long)t,
			    (long long)cases[i].want);
			fail();
		}
	}
	assert_crm_err(crm_time_parse_past("last week", wed, &t), CRM_EINVAL);
	assert_crm_err(crm_time_parse_past("tomorow", wed, &t), CRM_EINVAL);
}

static void
periods_are_whole_weeks_months_and_years(void **state)
{
	(void)state;
	int64_t sun = at(2026, 11, 29, 20, 0); /* the week's last day */
	int64_t dec = at(2026, 12, 7, 9, 0);
	expect_span(
	    "this week", NOW, at(2026, 11, 23, 0, 0), at(2026, 11, 30, 0, 0));
	expect_span(
	    "本周", sun, at(2026, 11, 23, 0, 0), at(2026, 11, 30, 0, 0));
	expect_span(
	    "last week", NOW, at(2026, 11, 16, 0, 0), at(2026, 11, 23, 0, 0));
	expect_span(
	    "上周", sun, at(2026, 11, 16, 0, 0), at(2026, 11, 23, 0, 0));
	expect_span(
	    "下周", NOW, at(2026, 11, 30, 0, 0), at(2026, 12, 7, 0, 0));
	expect_span(
	    "this month", NOW, at(2026, 11, 1, 0, 0), at(2026, 12, 1, 0, 0));
	expect_span("本月", dec, at(2026, 12, 1, 0, 0), at(2027, 1, 1, 0, 0));
	expect_span(
	    "last month", NOW, at(2026, 10, 1, 0, 0), at(2026, 11, 1, 0, 0));
	expect_span(
	    "上个月", dec, at(2026, 11, 1, 0, 0), at(2026, 12, 1, 0, 0));
	expect_span(
	    "next month", dec, at(2027, 1, 1, 0, 0), at(2027, 2, 1, 0, 0));
	expect_span("去年", NOW, at(2025, 1, 1, 0, 0), at(2026, 1, 1, 0, 0));
	expect_span(
	    "this year", NOW, at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0));

	int64_t f, t;
	assert_crm_err(crm_time_parse_span("last", NOW, &f, &t), CRM_EINVAL);
	assert_crm_err(
	    crm_time_parse_span("2026-02-30", NOW, &f, &t), CRM_EINVAL);
	assert_crm_err(crm_time_parse_span(NULL, NOW, &f, &t), CRM_EINVAL);
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
	/* Years of 1900 to 2099 (a tester's 2999-12-31 birthday). */
	assert_true(crm_time_valid_day("1900-01-01"));
	assert_true(crm_time_valid_day("2099-12-31"));
	assert_false(crm_time_valid_day("1899-12-31"));
	assert_false(crm_time_valid_day("2100-01-01"));
	assert_false(crm_time_valid_day("2999-12-31"));
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
rfc3339_has_seconds_and_the_offset(void **state)
{
	(void)state;
	char buf[32];
	crm_time_format_rfc3339(WED_1400, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T14:00:00+08:00");
	crm_time_format_rfc3339(WED_1400 + 59, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T14:00:59+08:00");
	/* What JSON writes reads back as the same moment, any offset. */
	int64_t t;
	crm_time_format_rfc3339(WED_1400, buf, sizeof(buf));
	assert_crm_ok(crm_time_parse(buf, NOW, &t));
	assert_int_equal(t, WED_1400);
	assert_crm_ok(crm_time_parse("2026-11-25T06:00:00Z", NOW, &t));
	assert_int_equal(t, WED_1400);
	assert_crm_ok(
	    crm_time_parse_past("2026-11-25T01:00:00-05:00", NOW, &t));
	assert_int_equal(t, WED_1400);
	assert_crm_err(
	    crm_time_parse("2026-13-25T06:00:00Z", NOW, &t), CRM_EINVAL);
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
		cmocka_unit_test(words_people_type_lean_to_the_future),
		cmocka_unit_test(
		    a_time_alone_is_the_next_time_the_clock_says_it),
		cmocka_unit_test(relative_days_keep_the_time_of_day),
		cmocka_unit_test(dates_in_other_shapes),
		cmocka_unit_test(unreadable_or_period_whens_are_refused),
		cmocka_unit_test(from_and_to_words_lean_to_the_past),
		cmocka_unit_test(periods_are_whole_weeks_months_and_years),
		cmocka_unit_test(what_happened_leans_to_the_past),
		cmocka_unit_test(durations_have_units_and_default_to_days),
		cmocka_unit_test(valid_day_accepts_real_days_only),
		cmocka_unit_test(formatting_is_local_and_round_trips),
		cmocka_unit_test(rfc3339_has_seconds_and_the_offset),
		cmocka_unit_test(now_is_close_to_the_clock),
	};
	return cmocka_run_group_tests(tests, set_zone, NULL);
}
