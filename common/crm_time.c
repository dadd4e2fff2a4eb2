/* SPDX-License-Identifier: MIT */
/*
 * crm_time.c: the clock (and the test clock), durations, day checks and
 * formatting of user-facing times. Reading what people type for a time is
 * crm_time_parse.c.
 */
#include "crm_time.h"

#include <ctype.h>
#include <stdbool.h>
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
		long long t = 0;
		int n = 0;
		if (f != NULL) {
			n = fscanf(f, "%lld", &t);
			fclose(f);
		}
		if (n == 1 && t > 0) {
			return (int64_t)t;
		}
		/* A test that set a clock it cannot read would run on the
		 * real one unawares: said once a process. */
		static _Atomic int said;
		if (!said++) {
			fprintf(stderr,
			    "warning: CRM_TEST_CLOCK=%s: %s; using the real "
			    "clock\n",
			    path,
			    f == NULL ? "cannot be read"
			              : "holds no positive number of seconds");
		}
	}
#endif
	return (int64_t)time(NULL);
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
		    used != 10 || y < 1900 || y > 2099) {
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

void
crm_time_format_rfc3339(int64_t t, char *buf, size_t len)
{
	time_t v = (time_t)t;
	struct tm tm;
	char z[8];
	localtime_r(&v, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	/* %z is +0800; RFC 3339 wants +08:00. */
	if (strftime(z, sizeof(z), "%z", &tm) == 5 && n > 0) {
		snprintf(buf + n, len - n, "%.3s:%.2s", z, z + 3);
	}
}
