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
 * crm_time_now: the current UTC time in seconds. In test builds
 * (CRM_TEST_HOOKS) the environment variable CRM_TEST_CLOCK may name a file
 * holding a UTC time in seconds; while it exists, that is now, for crmd
 * and crm alike, so a test moves time by rewriting the file. Other builds
 * (CRM_TEST_HOOKS=OFF, the default) compile the hook out.
 */
int64_t crm_time_now(void);

/*
 * crm_time_parse: parse a WHEN relative to now, leaning to the future
 * (what a due time or a plan means):
 *   2026-11-25  2026/11/25  2026年11月25日  11-25  11月25日 (a date alone
 *               means CRM_DAY_HOUR that day; without a year, the next one)
 *   2026-11-25 14:00   2026-11-25T14:00   a date or a day word, then a
 *               time: 14:00, 3pm, 10:30am, noon, 下午3点, 上午10点半
 *   today tomorrow yesterday  今天 明天 后天 大后天 昨天 前天
 *   mon..sun, monday..sunday, 周一..周日, 星期一, 礼拜一: the next such
 *               day (never today); "next tue", 下周二: Tuesday of next
 *               week (weeks start on Monday); "this fri", 本周五, 这周五:
 *               of this week; "last mon", 上周一: of last week
 *   14:00  下午3点 (a time alone): the next time the clock says it; 1点
 *               to 6点 without 上午/凌晨 are afternoon (明天3点 is 15:00)
 *   +3d +2h +30m +1w -2d  in 3 days  3 days ago  3天后  2小时后  3天前
 *               (days and weeks keep the time of day)   now  现在
 *   @1795399200 (UTC seconds, for scripts)
 * Errors: CRM_EINVAL for anything else (periods such as "next week"
 * included) or an impossible date.
 */
crm_status crm_time_parse(const char *s, int64_t now, int64_t *t /* OUT */);

/*
 * crm_time_parse_past: a moment that has happened (a follow-up's --at, a
 * purchase's date): the forms of crm_time_parse, leaning to the past as
 * crm_time_parse_span does ("mon" is this week's Monday, 10:00 the last
 * time the clock said it); a day alone means CRM_DAY_HOUR, or now when
 * that is today and still ahead. Errors: CRM_EINVAL (periods included).
 */
crm_status crm_time_parse_past(
    const char *s, int64_t now, int64_t *t /* OUT */);

/*
 * crm_time_parse_span: the span of time s names, leaning to the past
 * (what --from and --to mean in a report or an export): the forms of
 * crm_time_parse, except that a bare weekday is the last such day, today
 * included ("mon" is this week's Monday), a date without a year the last
 * one, and a time alone the last time the clock said it; plus the periods
 * this week, last week, next week, this month, last month, next month,
 * this year, last year (本周 这周 上周 下周 本月 这个月 上月 上个月 下月
 * 今年 去年 明年). A day or a period gives [its first local midnight, the
 * midnight after it); a moment gives [it, it + 1 s), the second it
 * names, so an end typed as a moment (`--to now`) includes that second.
 * --from takes *from, --to takes *to. Errors: CRM_EINVAL.
 */
crm_status crm_time_parse_span(const char *s, int64_t now,
    int64_t *from /* OUT */, int64_t *to /* OUT */);

/*
 * crm_time_parse_duration: "3d", "12h", "30m", "1w", "90s" or a bare
 * number of days, into seconds. Errors: CRM_EINVAL.
 */
crm_status crm_time_parse_duration(const char *s, int64_t *secs /* OUT */);

/* crm_time_valid_day: s is MM-DD or YYYY-MM-DD naming a real day (a
 * year of 1900 to 2099). */
int crm_time_valid_day(const char *s);

/* crm_time_format: "2026-11-25 14:00" in local time into buf (>= 17). */
void crm_time_format(int64_t t, char *buf, size_t len);

/* crm_time_format_date: "2026-11-25" in local time into buf (>= 11). */
void crm_time_format_date(int64_t t, char *buf, size_t len);

/* crm_time_format_rfc3339: RFC 3339 in local time with its offset,
 * "2026-12-07T09:00:00+08:00", into buf (>= 26): how `--format json`
 * writes every time. */
void crm_time_format_rfc3339(int64_t t, char *buf, size_t len);

#endif
