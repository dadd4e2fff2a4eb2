/* SPDX-License-Identifier: MIT */
/*
 * festival.c: festival dates for greeting tasks. The lunar festivals'
 * Gregorian dates per year (春节 = 正月初一, 端午 = 五月初五, 中秋 =
 * 八月十五; 元宵 = 正月十五 is 春节 + 14 days) come from the Hong Kong
 * Observatory's Gregorian-Lunar Calendar Conversion Table
 * (https://www.hko.gov.hk/en/gts/time/conversion.htm), checked against
 * published lists: 春节 excelnotes.com/chinese-new-year (2022-2033);
 * 端午 skybaike.com/shuma/243.html (2020-2033); 中秋
 * days-to.com/mid-autumn-festival (2026-2035) and calendarlabs.com
 * (2024). Years past 2031 are left out until a second source agrees on
 * 中秋 2032. tests/unit/festival_test.c holds known dates.
 */
#include "festival.h"

#include <string.h>
#include <time.h>

static const struct {
	int year;
	unsigned char spring[2], dragon[2], autumn[2]; /* month, day */
} lunar[] = {
	{ 2024, { 2, 10 }, { 6, 10 }, { 9, 17 } },
	{ 2025, { 1, 29 }, { 5, 31 }, { 10, 6 } },
	{ 2026, { 2, 17 }, { 6, 19 }, { 9, 25 } },
	{ 2027, { 2, 6 }, { 6, 9 }, { 9, 15 } },
	{ 2028, { 1, 26 }, { 5, 28 }, { 10, 3 } }, /* 闰五月 follows */
	{ 2029, { 2, 13 }, { 6, 16 }, { 9, 22 } },
	{ 2030, { 2, 3 }, { 6, 5 }, { 9, 12 } },
	{ 2031, { 1, 23 }, { 6, 24 }, { 10, 1 } },
};

static const struct {
	const char *name, *goal;
} names[] = {
	{ "元旦", "元旦问候 (New Year's Day greeting)" },
	{ "春节", "春节问候 (Spring Festival greeting)" },
	{ "元宵", "元宵问候 (Lantern Festival greeting)" },
	{ "端午", "端午问候 (Dragon Boat Festival greeting)" },
	{ "中秋", "中秋问候 (Mid-Autumn Festival greeting)" },
	{ "国庆", "国庆问候 (National Day greeting)" },
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

int
festival_date(const char *name, int year, int *month, int *day)
{
	if (strcmp(name, "元旦") == 0 || strcmp(name, "国庆") == 0) {
		*month = strcmp(name, "元旦") == 0 ? 1 : 10;
		*day = 1;
		return 1;
	}
	for (size_t i = 0; i < sizeof(lunar) / sizeof(lunar[0]); i++) {
		if (lunar[i].year != year) {
			continue;
		}
		const unsigned char *md = NULL;
		if (strcmp(name, "春节") == 0 || strcmp(name, "元宵") == 0) {
			md = lunar[i].spring;
		} else if (strcmp(name, "端午") == 0) {
			md = lunar[i].dragon;
		} else if (strcmp(name, "中秋") == 0) {
			md = lunar[i].autumn;
		} else {
			return 0;
		}
		*month = md[0];
		*day = md[1];
		if (strcmp(name, "元宵") == 0) {
			/* 正月十五: 14 days after 正月初一 (a month has 29 or
			 * 30 days), normalised by mktime. */
			struct tm t = { 0 };
			t.tm_year = year - 1900;
			t.tm_mon = *month - 1;
			t.tm_mday = *day + 14;
			t.tm_hour = 12;
			t.tm_isdst = -1;
			(void)mktime(&t);
			*month = t.tm_mon + 1;
			*day = t.tm_mday;
		}
		return 1;
	}
	return 0;
}

int
festival_next(int64_t after, int hour, int64_t *at, const char **name)
{
	time_t v = (time_t)after;
	struct tm now;
	localtime_r(&v, &now);
	int64_t best = 0;
	for (int year = now.tm_year + 1900; year <= now.tm_year + 1902;
	     year++) {
		for (size_t i = 0; i < N_NAMES; i++) {
			int m, d;
			if (!festival_date(names[i].name, year, &m, &d)) {
				continue;
			}
			struct tm t = { 0 };
			t.tm_year = year - 1900;
			t.tm_mon = m - 1;
			t.tm_mday = d;
			t.tm_hour = hour;
			t.tm_isdst = -1;
			int64_t when = (int64_t)mktime(&t);
			if (when > after && (best == 0 || when < best)) {
				best = when;
				*name = names[i].name;
			}
		}
		if (best != 0) {
			break;
		}
	}
	*at = best;
	return best != 0;
}

const char *
festival_goal(const char *name)
{
	for (size_t i = 0; i < N_NAMES; i++) {
		if (strcmp(names[i].name, name) == 0) {
			return names[i].goal;
		}
	}
	return NULL;
}

const char *
festival_of_goal(const char *goal)
{
	for (size_t i = 0; goal != NULL && i < N_NAMES; i++) {
		if (strcmp(names[i].goal, goal) == 0) {
			return names[i].name;
		}
	}
	return NULL;
}
