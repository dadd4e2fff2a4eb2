/* SPDX-License-Identifier: MIT */
/* crm_log.c: levelled, timestamped log lines on stderr. */
#include "crm_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum crm_log_level min_level = CRM_LOG_INFO;

void
crm_log_set_level(enum crm_log_level level)
{
	min_level = level;
}

void
crm_log(enum crm_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn",
		"error" };
	if (level < min_level) {
		return;
	}
	char line[1024];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03ldZ %s: %s\n", stamp, ts.tv_nsec / 1000000,
	    names[level], line);
}
