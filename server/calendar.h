/* SPDX-License-Identifier: MIT */
/*
 * calendar.h: the working-day calendar: public holidays and make-up
 * working days (调休) as an admin imported them (DB_CALENDAR, keyed by
 * "YYYY-MM-DD"), and the day arithmetic every "business day" rule uses.
 * A day is a working day when the calendar says workday, or when it is
 * Monday to Friday and the calendar does not say holiday. Days are local
 * days in crmd's time zone (TZ, as localtime_r sees it). Times are UTC
 * seconds; a moved time keeps its local time of day.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stdint.h>

#include "dispatch.h"

/* How far the functions below look for a working day before giving up
 * (a calendar of holidays only): CRM_EPRECOND, saying so. */
#define CALENDAR_SEARCH_DAYS 400

/*
 * What a walk over the calendar passed (customer why, issue 16): each day
 * it did not count as an ordinary working day: a weekend or holiday
 * skipped (kind 0 or DAY_HOLIDAY), a make-up working day counted
 * (DAY_WORKDAY), with the calendar's name. Only the first
 * CALENDAR_WHY_DAYS are kept; more counts the rest. The *_why functions
 * below are the planning functions themselves, filling w when not NULL.
 */
#define CALENDAR_WHY_DAYS 24
struct calendar_why_day {
	int64_t at; /* a time on that local day */
	int kind;   /* Crm__V1__DayKind; 0: a weekend */
	char name[68];
};
struct calendar_why {
	size_t n;
	unsigned more;
	struct calendar_why_day day[CALENDAR_WHY_DAYS];
};

/* calendar_day_start: the local midnight that begins t's day. */
int64_t calendar_day_start(int64_t t);

/* calendar_day_key: the local day of t as "YYYY-MM-DD" into buf (>= 11). */
void calendar_day_key(int64_t t, char *buf, size_t len);

/*
 * calendar_is_working_day: whether the local day holding t is a working
 * day. Errors: CRM_INTERNAL (a calendar entry that does not decode).
 */
crm_status calendar_is_working_day(
    struct req_ctx *ctx, int64_t t, int *yes /* OUT */);

/*
 * calendar_next_working_day: t when its day is a working day, else the
 * same local time on the first working day after it.
 * Errors: CRM_EPRECOND (none within CALENDAR_SEARCH_DAYS), CRM_INTERNAL.
 */
crm_status calendar_next_working_day(
    struct req_ctx *ctx, int64_t t, int64_t *out /* OUT */);

/*
 * calendar_add_working_days: the same local time as t on the n-th
 * working day after t's day (n = 0: t). One business day from a Friday
 * before a Monday holiday is the Tuesday; from a Friday before a make-up
 * Saturday, that Saturday. Errors: as calendar_next_working_day.
 */
crm_status calendar_add_working_days(
    struct req_ctx *ctx, int64_t t, unsigned n, int64_t *out /* OUT */);
crm_status calendar_add_working_days_why(struct req_ctx *ctx, int64_t t,
    unsigned n, struct calendar_why *w, int64_t *out /* OUT */);

/*
 * calendar_last_working_day: hour:00 local time on the last working day
 * of the month holding t (a month without one: its last day).
 * Errors: CRM_INTERNAL.
 */
crm_status calendar_last_working_day(
    struct req_ctx *ctx, int64_t t, int hour, int64_t *out /* OUT */);
crm_status calendar_last_working_day_why(struct req_ctx *ctx, int64_t t,
    int hour, struct calendar_why *w, int64_t *out /* OUT */);

/*
 * calendar_cadence_due: the time a task the cadence plans for due falls
 * on: with the policy's cadence_working_days (default on) the next
 * working day (calendar_next_working_day), else due itself.
 * Errors: as calendar_next_working_day.
 */
crm_status calendar_cadence_due(struct req_ctx *ctx, const Crm__V1__Policy *p,
    int64_t due, int64_t *out /* OUT */);
crm_status calendar_cadence_due_why(struct req_ctx *ctx,
    const Crm__V1__Policy *p, int64_t due, struct calendar_why *w,
    int64_t *out /* OUT */);

#endif
