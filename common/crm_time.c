/* SPDX-License-Identifier: MIT */
/* crm_time.c: parsing and formatting of user-facing times. */
#include "crm_time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t
crm_time_now(void)
{
#ifdef CRM_TEST_HOOKS
	const char *path = getenv("CRM_TEST_CLOCK");
	if (path != NULL && *path) {
		FILE *f = fopen(path, "r");
		long long t;
		if (f != NULL) {
			int n = fscanf(f, "%lld", &t);
			fclose(f);
			if (n == 1) {
				return (int64_t)t;
			}
		}
	}
#endif
	return (int64_t)time(NULL);
}

/* Local midnight-relative time: y-m-d h:mi in the local zone, validated. */
static crm_status
local_time(int y, int m, int d, int h, int mi, int64_t *t)
{
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 23 || mi < 0 || mi > 59) {
		return CRM_EINVAL;
	}
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	time_t v = mktime(&tm);
	if (v == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != m - 1) {
		return CRM_EINVAL; /* 2026-02-30 normalises to March */
	}
	*t = (int64_t)v;
	return CRM_OK;
}

/* The local day of now shifted by days, at CRM_DAY_HOUR. */
static crm_status
day_from_now(int64_t now, int days, int64_t *t)
{
	time_t n = (time_t)now;
	struct tm tm;
	localtime_r(&n, &tm);
	tm.tm_mday += days;
	tm.tm_hour = CRM_DAY_HOUR;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t v = mktime(&tm);
	if (v == (time_t)-1) {
		return CRM_EINVAL;
	}
	*t = (int64_t)v;
	return CRM_OK;
}

static int
weekday(const char *s)
{
	static const char *const en[7][2] = {
		{ "sun", "sunday" },
		{ "mon", "monday" },
		{ "tue", "tuesday" },
		{ "wed", "wednesday" },
		{ "thu", "thursday" },
		{ "fri", "friday" },
		{ "sat", "saturday" },
	};
	static const char *const zh[7] = { "日", "一", "二", "三", "四", "五",
		"六" };
	for (int i = 0; i < 7; i++) {
		if (strcasecmp(s, en[i][0]) == 0 ||
		    strcasecmp(s, en[i][1]) == 0) {
			return i;
		}
		char a[16], b[16];
		snprintf(a, sizeof(a), "周%s", zh[i]);
		snprintf(b, sizeof(b), "星期%s", zh[i]);
		if (strcmp(s, a) == 0 || strcmp(s, b) == 0) {
			return i;
		}
	}
	if (strcmp(s, "周天") == 0 || strcmp(s, "星期天") == 0) {
		return 0;
	}
	return -1;
}

crm_status
crm_time_parse_duration(const char *s, int64_t *secs)
{
	if (s == NULL || !isdigit((unsigned char)*s)) {
		return CRM_EINVAL;
	}
	char *end;
	long long n = strtoll(s, &end, 10);
	if (n < 0 || n > 100000) {
		return CRM_EINVAL;
	}
	int64_t unit;
	if (*end == '\0' || strcmp(end, "d") == 0) {
		unit = 86400;
	} else if (strcmp(end, "w") == 0) {
		unit = 7 * 86400;
	} else if (strcmp(end, "h") == 0) {
		unit = 3600;
	} else if (strcmp(end, "m") == 0) {
		unit = 60;
	} else if (strcmp(end, "s") == 0) {
		unit = 1;
	} else {
		return CRM_EINVAL;
	}
	*secs = (int64_t)n * unit;
	return CRM_OK;
}

crm_status
crm_time_parse(const char *s, int64_t now, int64_t *t)
{
	if (s == NULL) {
		return CRM_EINVAL;
	}
	while (isspace((unsigned char)*s)) {
		s++;
	}
	char trimmed[64];
	size_t tlen = strlen(s);
	while (tlen > 0 && isspace((unsigned char)s[tlen - 1])) {
		tlen--;
	}
	if (tlen >= sizeof(trimmed)) {
		return CRM_EINVAL;
	}
	memcpy(trimmed, s, tlen);
	trimmed[tlen] = '\0';
	s = trimmed;
	if (*s == '+') {
		int64_t d;
		crm_status rc = crm_time_parse_duration(s + 1, &d);
		if (rc == CRM_OK) {
			*t = now + d;
		}
		return rc;
	}
	if (strcasecmp(s, "now") == 0) {
		*t = now;
		return CRM_OK;
	}
	if (strcasecmp(s, "today") == 0 || strcmp(s, "今天") == 0) {
		return day_from_now(now, 0, t);
	}
	if (strcasecmp(s, "tomorrow") == 0 || strcmp(s, "明天") == 0) {
		return day_from_now(now, 1, t);
	}
	int wd = weekday(s);
	if (wd >= 0) {
		time_t n = (time_t)now;
		struct tm tm;
		localtime_r(&n, &tm);
		int ahead = (wd - tm.tm_wday + 7) % 7;
		return day_from_now(now, ahead == 0 ? 7 : ahead, t);
	}
	int y, m, d, h = CRM_DAY_HOUR, mi = 0, used = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3) {
		return CRM_EINVAL;
	}
	const char *rest = s + used;
	if (*rest == 'T' || *rest == ' ') {
		int used2 = 0;
		if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &used2) != 2) {
			return CRM_EINVAL;
		}
		rest += 1 + used2;
	}
	while (isspace((unsigned char)*rest)) {
		rest++;
	}
	if (*rest != '\0') {
		return CRM_EINVAL;
	}
	return local_time(y, m, d, h, mi, t);
}

int
crm_time_valid_day(const char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]) && s[i] != '-') {
			return 0;
		}
	}
	int y = 2000, m, d, used = 0; /* 2000 is a leap year: 02-29 ok */
	if (strlen(s) == 5) {
		if (sscanf(s, "%2d-%2d%n", &m, &d, &used) != 2 || used != 5) {
			return 0;
		}
	} else if (strlen(s) == 10) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
		    used != 10 || y < 1900) {
			return 0;
		}
	} else {
		return 0;
	}
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) {
		return 0;
	}
	if (m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) {
		return 0;
	}
	return 1;
}

void
crm_time_format(int64_t t, char *buf, size_t len)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

void
crm_time_format_date(int64_t t, char *buf, size_t len)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}
