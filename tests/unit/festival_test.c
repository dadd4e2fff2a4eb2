/* SPDX-License-Identifier: MIT */
/*
 * festival_test.c: server/festival.c knows the festivals' dates: the
 * lunar ones from its table (checked here against published dates, each
 * verified with a second source: see festival.c), the fixed ones always.
 */
#include "crm_test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "festival.h"

static int
set_zone(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return 0;
}

static void
is(const char *name, int year, int month, int day)
{
	int m = 0, d = 0;
	if (!festival_date(name, year, &m, &d) || m != month || d != day) {
		print_error("%s %d: got %02d-%02d want %02d-%02d\n", name,
		    year, m, d, month, day);
		fail();
	}
}

static int64_t
local(int y, int mo, int d, int h)
{
	struct tm t = { 0 };
	t.tm_year = y - 1900;
	t.tm_mon = mo - 1;
	t.tm_mday = d;
	t.tm_hour = h;
	t.tm_isdst = -1;
	return (int64_t)mktime(&t);
}

static void
spring_festival_dates_are_known(void **state)
{
	(void)state;
	is("春节", 2025, 1, 29);
	is("春节", 2026, 2, 17);
	is("春节", 2027, 2, 6);
	is("春节", 2024, 2, 10);
	is("春节", 2031, 1, 23);
}

static void
lantern_festival_is_the_fifteenth_day(void **state)
{
	(void)state;
	is("元宵", 2026, 3, 3);  /* 2026-02-17 + 14 days */
	is("元宵", 2025, 2, 12); /* 2025-01-29 + 14 days */
	is("元宵", 2027, 2, 20);
}

static void
dragon_boat_and_mid_autumn_dates_are_known(void **state)
{
	(void)state;
	is("端午", 2026, 6, 19);
	is("端午", 2025, 5, 31);
	is("端午", 2028, 5, 28); /* before the leap fifth month */
	is("中秋", 2026, 9, 25);
	is("中秋", 2025, 10, 6);
	is("中秋", 2031, 10, 1);
}

static void
fixed_festivals_need_no_table(void **state)
{
	(void)state;
	is("元旦", 2040, 1, 1);
	is("国庆", 2040, 10, 1);
	int m, d;
	assert_false(festival_date("春节", 2023, &m, &d));
	assert_false(festival_date("春节", 2032, &m, &d));
	assert_false(festival_date("圣诞", 2026, &m, &d));
}

static void
the_next_festival_is_the_first_after(void **state)
{
	(void)state;
	int64_t at;
	const char *name;
	assert_true(festival_next(local(2026, 12, 7, 9), 9, &at, &name));
	assert_string_equal(name, "元旦");
	assert_int_equal(at, local(2027, 1, 1, 9));
	assert_true(festival_next(at, 9, &at, &name));
	assert_string_equal(name, "春节");
	assert_int_equal(at, local(2027, 2, 6, 9));
	/* On the day itself, after 09:00: the next one. */
	assert_true(festival_next(local(2026, 9, 25, 10), 9, &at, &name));
	assert_string_equal(name, "国庆");
	assert_int_equal(at, local(2026, 10, 1, 9));
	assert_true(festival_next(local(2026, 6, 1, 0), 9, &at, &name));
	assert_string_equal(name, "端午");
	/* Past the table: the fixed-date ones still come. */
	assert_true(festival_next(local(2035, 3, 1, 0), 9, &at, &name));
	assert_string_equal(name, "国庆");
	assert_string_equal(festival_of_goal(festival_goal("中秋")), "中秋");
	assert_null(festival_of_goal("生日问候 (birthday greeting)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spring_festival_dates_are_known),
		cmocka_unit_test(lantern_festival_is_the_fifteenth_day),
		cmocka_unit_test(dragon_boat_and_mid_autumn_dates_are_known),
		cmocka_unit_test(fixed_festivals_need_no_table),
		cmocka_unit_test(the_next_festival_is_the_first_after),
	};
	return cmocka_run_group_tests(tests, set_zone, NULL);
}
