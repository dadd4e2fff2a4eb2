/* SPDX-License-Identifier: MIT */
/*
 * crm_time.h: times as users type and read them. Storage and the wire use
 * UTC seconds (int64); parsing and formatting use the process's local time
 * zone (TZ). Date-only forms mean 18:00 local time that day, the end of a
 * business day, so "due tomorrow" is not overdue at breakfast.
 */
#ifndef CRM_TIME_H
#define CRM_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

#define CRM_DAY_HOUR 18 /* the hour a date-only time means */

/*
 * crm_time_now: the current UTC time in seconds. In builds with the tests
 * (CRM_TEST_HOOKS) the environment variable CRM_TEST_CLOCK may name a file
 * holding a UTC time in seconds; while it exists, that is now, for crmd
 * and crm alike, so a test moves time by rewriting the file. Release
 * builds (CRM_TESTS=OFF) compile the hook out.
 */
int64_t crm_time_now(void);

/*
 * crm_time_parse: parse a WHEN relative to now:
 *   2026-11-25        2026-11-25 14:00     2026-11-25T14:00
 *   +3d +2h +30m +1w  (from now)           now
 *   today tomorrow    mon..sun, monday..sunday, 周一..周日 (next such day)
 * Errors: CRM_EINVAL for anything else or an impossible date.
 */
crm_status crm_time_parse(const char *s, int64_t now, int64_t *t /* OUT */);

/*
 * crm_time_parse_duration: "3d", "12h", "30m", "1w", "90s" or a bare
 * number of days, into seconds. Errors: CRM_EINVAL.
 */
crm_status crm_time_parse_duration(const char *s, int64_t *secs /* OUT */);

/* crm_time_valid_day: s is MM-DD or YYYY-MM-DD naming a real day. */
int crm_time_valid_day(const char *s);

/* crm_time_format: "2026-11-25 14:00" in local time into buf (>= 17). */
void crm_time_format(int64_t t, char *buf, size_t len);

/* crm_time_format_date: "2026-11-25" in local time into buf (>= 11). */
void crm_time_format_date(int64_t t, char *buf, size_t len);

#endif
