/* SPDX-License-Identifier: MIT */
/*
 * calendar.c: the working-day calendar (calendar.h): the day arithmetic
 * first, then the handlers of calendar.import (admins: whole years of
 * holidays and make-up working days) and calendar.show.
 */
#include "calendar.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "crm.h"
#include "handlers.h"
#include "policy.h"
#include "store_schema.h"

#define IMPORT_MAX   CRM_CALENDAR_IMPORT_DAYS
#define NAME_MAX_LEN CRM_CALENDAR_NAME_MAX
#define YEAR_MIN     1970
#define YEAR_MAX     2100

/* ---------------------------------------------------- day arithmetic */

void
calendar_day_key(int64_t t, char *buf, size_t len)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	if (strftime(buf, len, "%Y-%m-%d", &tm) == 0 && len > 0) {
		buf[0] = '\0';
	}
}

static int64_t
tm_time_of(struct tm *tm)
{
	tm->tm_isdst = -1;
	return (int64_t)mktime(tm);
}

/* The calendar's word on day key (Crm__V1__DayKind; 0: nothing) and,
 * when name is not NULL, its name (len bytes, "" when none). */
static crm_status
day_kind(
    struct req_ctx *ctx, const char *key, int *kind, char *name, size_t len)
{
	store_key k;
	*kind = 0;
	if (name != NULL) {
		name[0] = '\0';
	}
	store_key_text(&k, 0, key);
	size_t mark = crm_arena_mark(ctx->arena);
	Crm__V1__CalendarDay *d;
	crm_status rc = store_get_msg(ctx->st, ctx->txn, DB_CALENDAR, &k,
	    &crm__v1__calendar_day__descriptor, &ctx->arena->allocator,
	    (ProtobufCMessage **)&d);
	if (rc == CRM_OK) {
		*kind = d->has_kind ? (int)d->kind : 0;
		if (name != NULL && d->name != NULL) {
			snprintf(name, len, "%s", d->name);
		}
	}
	crm_arena_release(ctx->arena, mark);
	if (rc == CRM_NOT_FOUND) {
		return CRM_OK;
	}
	if (rc != CRM_OK) {
		return dispatch_fail(ctx,
		    rc == CRM_TOO_BIG ? rc : CRM_INTERNAL,
		    "calendar day %s does not load (crm-check reports it)",
		    key);
	}
	return CRM_OK;
}

/* Whether the local day of tm (normalised) is a working day; a day that
 * is not an ordinary one goes into w (may be NULL). */
static crm_status
tm_working_why(
    struct req_ctx *ctx, struct tm *tm, int *yes, struct calendar_why *w)
{
	char key[32];
	if (strftime(key, sizeof(key), "%Y-%m-%d", tm) == 0) {
		return CRM_EINVAL;
	}
	int kind;
	char name[68];
	crm_status rc =
	    day_kind(ctx, key, &kind, w ? name : NULL, sizeof(name));
	if (rc != CRM_OK) {
		return rc;
	}
	int weekend = tm->tm_wday == 0 || tm->tm_wday == 6;
	*yes = kind == CRM__V1__DAY_KIND__DAY_WORKDAY ||
	       (kind != CRM__V1__DAY_KIND__DAY_HOLIDAY && !weekend);
	int plain = kind == 0 ? !weekend
	                      : kind == CRM__V1__DAY_KIND__DAY_WORKDAY &&
	                            !weekend; /* a workday anyway */
	if (w != NULL && !plain) {
		if (w->n == CALENDAR_WHY_DAYS) {
			w->more++;
		} else {
			struct calendar_why_day *d = &w->day[w->n++];
			struct tm c = *tm;
			d->at = tm_time_of(&c);
			d->kind = kind;
			memcpy(d->name, name, sizeof(d->name));
		}
	}
	return CRM_OK;
}

static crm_status
tm_working(struct req_ctx *ctx, struct tm *tm, int *yes)
{
	return tm_working_why(ctx, tm, yes, NULL);
}

/* tm moved by delta days, same local time, normalised. */
static void
tm_add_days(struct tm *tm, int delta)
{
	tm->tm_mday += delta;
	tm->tm_isdst = -1;
	time_t v = mktime(tm);
	localtime_r(&v, tm);
}

static crm_status
none_found(struct req_ctx *ctx, int64_t t)
{
	char day[16];
	calendar_day_key(t, day, sizeof(day));
	return dispatch_fail(ctx, CRM_EPRECOND,
	    "the calendar has no working day within %d days of %s: check "
	    "`calendar show`",
	    CALENDAR_SEARCH_DAYS, day);
}

int64_t
calendar_day_start(int64_t t)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

crm_status
calendar_is_working_day(struct req_ctx *ctx, int64_t t, int *yes)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	return tm_working(ctx, &tm, yes);
}

crm_status
calendar_next_working_day(struct req_ctx *ctx, int64_t t, int64_t *out)
{
	return calendar_add_working_days(ctx, t, 0, out);
}

crm_status
calendar_add_working_days(
    struct req_ctx *ctx, int64_t t, unsigned n, int64_t *out)
{
	return calendar_add_working_days_why(ctx, t, n, NULL, out);
}

crm_status
calendar_add_working_days_why(struct req_ctx *ctx, int64_t t, unsigned n,
    struct calendar_why *w, int64_t *out)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	int yes = 0;
	crm_status rc = CRM_OK;
	if (n == 0) {
		/* t itself when a working day, else the next one. */
		rc = tm_working_why(ctx, &tm, &yes, w);
		for (int i = 0; rc == CRM_OK && !yes; i++) {
			if (i == CALENDAR_SEARCH_DAYS) {
				return none_found(ctx, t);
			}
			tm_add_days(&tm, 1);
			rc = tm_working_why(ctx, &tm, &yes, w);
		}
		*out = yes ? tm_time_of(&tm) : t;
		return rc;
	}
	int miss = 0;
	while (rc == CRM_OK && n > 0) {
		tm_add_days(&tm, 1);
		rc = tm_working_why(ctx, &tm, &yes, w);
		if (rc == CRM_OK && yes) {
			n--;
			miss = 0;
		} else if (++miss == CALENDAR_SEARCH_DAYS) {
			return none_found(ctx, t);
		}
	}
	if (rc == CRM_OK) {
		*out = tm_time_of(&tm);
	}
	return rc;
}

crm_status
calendar_last_working_day(
    struct req_ctx *ctx, int64_t t, int hour, int64_t *out)
{
	return calendar_last_working_day_why(ctx, t, hour, NULL, out);
}

crm_status
calendar_last_working_day_why(struct req_ctx *ctx, int64_t t, int hour,
    struct calendar_why *w, int64_t *out)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	/* Day 0 of the next month is the last of this one. */
	tm.tm_mon++;
	tm.tm_mday = 0;
	tm.tm_hour = hour;
	tm.tm_min = tm.tm_sec = 0;
	tm_add_days(&tm, 0);
	struct tm last = tm;
	int yes = 0;
	crm_status rc = tm_working_why(ctx, &tm, &yes, w);
	while (rc == CRM_OK && !yes) {
		tm_add_days(&tm, -1);
		if (tm.tm_mon != last.tm_mon) {
			tm = last; /* no working day all month: its last day */
			break;
		}
		rc = tm_working_why(ctx, &tm, &yes, w);
	}
	if (rc == CRM_OK) {
		*out = tm_time_of(&tm);
	}
	return rc;
}

crm_status
calendar_cadence_due(
    struct req_ctx *ctx, const Crm__V1__Policy *p, int64_t due, int64_t *out)
{
	return calendar_cadence_due_why(ctx, p, due, NULL, out);
}

crm_status
calendar_cadence_due_why(struct req_ctx *ctx, const Crm__V1__Policy *p,
    int64_t due, struct calendar_why *w, int64_t *out)
{
	if (!policy_cadence_working_days(p)) {
		*out = due;
		return CRM_OK;
	}
	return calendar_add_working_days_why(ctx, due, 0, w, out);
}

/* ---------------------------------------------------- handlers */

/* A date as the calendar keys it: YYYY-MM-DD, a real day, YEAR_MIN to
 * YEAR_MAX; its year in *year. */
static int
valid_date(const char *s, unsigned *year)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !crm_time_valid_day(s)) {
		return 0;
	}
	int y = atoi(s);
	*year = (unsigned)y;
	return y >= YEAR_MIN && y <= YEAR_MAX;
}

/* The days of year stored, in date order, into *r (ctx->arena). */
static crm_status
load_year(struct req_ctx *ctx, unsigned year, Crm__V1__CalendarReply *r)
{
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%04u-", year);
	struct store_iter it;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_CALENDAR, prefix, 5, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	r->days = crm_arena_alloc(ctx->arena, 367 * sizeof(*r->days));
	if (r->days == NULL) {
		store_iter_close(&it);
		return CRM_TOO_BIG;
	}
	const uint8_t *key;
	size_t klen;
	while (rc == CRM_OK && r->n_days < 367 &&
	       store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t n;
		Crm__V1__CalendarDay *d = NULL;
		if (store_iter_data(&it, &v, &n)) {
			d = crm__v1__calendar_day__unpack(
			    &ctx->arena->allocator, n, v);
		}
		if (d == NULL) {
			rc = dispatch_fail(ctx, CRM_INTERNAL,
			    "calendar day %.*s does not decode (crm-check "
			    "reports it)",
			    (int)klen, (const char *)key);
			break;
		}
		r->days[r->n_days++] = d;
	}
	store_iter_close(&it);
	return rc;
}

static int
by_date(const void *a, const void *b)
{
	const Crm__V1__CalendarDay *x = *(Crm__V1__CalendarDay *const *)a;
	const Crm__V1__CalendarDay *y = *(Crm__V1__CalendarDay *const *)b;
	return strcmp(x->date, y->date);
}

static int
by_year(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* Check the rows of an import; the distinct years into years[*ny]. */
static crm_status
check_rows(struct req_ctx *ctx, const Crm__V1__CalendarImportRequest *r,
    unsigned *years, size_t *ny)
{
	if (r->n_days == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "calendar_import.days",
		    "no days to import: give rows of date, kind "
		    "(holiday|workday), name");
	}
	if (r->n_days > IMPORT_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "calendar_import.days",
		    "%zu days in one import; at most %d", r->n_days,
		    IMPORT_MAX);
	}
	*ny = 0;
	for (size_t i = 0; i < r->n_days; i++) {
		const Crm__V1__CalendarDay *d = r->days[i];
		unsigned year;
		char f[64];
		if (!valid_date(d->date, &year)) {
			snprintf(
			    f, sizeof(f), "calendar_import.days[%zu].date", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "row %zu: date '%s' is not a day YYYY-MM-DD "
			    "(%d-%d)",
			    i + 1, d->date ? d->date : "", YEAR_MIN, YEAR_MAX);
		}
		if (!d->has_kind ||
		    (d->kind != CRM__V1__DAY_KIND__DAY_HOLIDAY &&
		        d->kind != CRM__V1__DAY_KIND__DAY_WORKDAY)) {
			snprintf(
			    f, sizeof(f), "calendar_import.days[%zu].kind", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "row %zu (%s): the kind is holiday or workday",
			    i + 1, d->date);
		}
		if (d->name != NULL && strlen(d->name) > NAME_MAX_LEN) {
			snprintf(
			    f, sizeof(f), "calendar_import.days[%zu].name", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "row %zu (%s): a name is at most %d bytes", i + 1,
			    d->date, NAME_MAX_LEN);
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(r->days[j]->date, d->date) == 0) {
				snprintf(f, sizeof(f),
				    "calendar_import.days[%zu].date", i);
				return dispatch_fail_field(ctx, CRM_EINVAL, f,
				    "rows %zu and %zu both give %s", j + 1,
				    i + 1, d->date);
			}
		}
		size_t k = 0;
		while (k < *ny && years[k] != year) {
			k++;
		}
		if (k == *ny) {
			years[(*ny)++] = year;
		}
	}
	return CRM_OK;
}

/* Whether the import r gives date. */
static int
imported(const Crm__V1__CalendarImportRequest *r, const char *date)
{
	for (size_t i = 0; i < r->n_days; i++) {
		if (strcmp(r->days[i]->date, date) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Replace year's days by those of r that fall in it; count the stored
 * days r no longer gives into *removed; audit the year. */
static crm_status
replace_year(struct req_ctx *ctx, const Crm__V1__CalendarImportRequest *r,
    unsigned year, uint32_t *removed)
{
	Crm__V1__CalendarReply *before, *after;
	before = crm_arena_alloc(ctx->arena, sizeof(*before));
	after = crm_arena_alloc(ctx->arena, sizeof(*after));
	if (before == NULL || after == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__calendar_reply__init(before);
	crm__v1__calendar_reply__init(after);
	before->has_year = after->has_year = 1;
	before->year = after->year = year;
	crm_status rc = load_year(ctx, year, before);
	for (size_t i = 0; rc == CRM_OK && i < before->n_days; i++) {
		store_key k;
		store_key_text(&k, 0, before->days[i]->date);
		if (!imported(r, before->days[i]->date)) {
			(*removed)++;
		}
		rc = store_del(ctx->st, ctx->txn, DB_CALENDAR, &k);
	}
	after->days =
	    crm_arena_alloc(ctx->arena, r->n_days * sizeof(*after->days));
	if (rc == CRM_OK && after->days == NULL) {
		rc = CRM_TOO_BIG;
	}
	for (size_t i = 0; rc == CRM_OK && i < r->n_days; i++) {
		if ((unsigned)atoi(r->days[i]->date) != year) {
			continue;
		}
		/* Build the stored record server-side. */
		Crm__V1__CalendarDay *d =
		    crm_arena_alloc(ctx->arena, sizeof(*d));
		if (d == NULL) {
			rc = CRM_TOO_BIG;
			break;
		}
		crm__v1__calendar_day__init(d);
		d->date = r->days[i]->date;
		d->has_kind = 1;
		d->kind = r->days[i]->kind;
		d->name = r->days[i]->name && *r->days[i]->name
		              ? r->days[i]->name
		              : NULL;
		store_key k;
		store_key_text(&k, 0, d->date);
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_CALENDAR, &k, &d->base);
		after->days[after->n_days++] = d;
	}
	if (rc == CRM_OK) {
		qsort(
		    after->days, after->n_days, sizeof(*after->days), by_date);
		rc = audit_add(
		    ctx, "calendar", year, &before->base, &after->base);
	}
	return rc;
}

crm_status
calendar_handle_import(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CalendarImportRequest *r = req->calendar_import;
	unsigned *years =
	    crm_arena_alloc(ctx->arena, (r->n_days + 1) * sizeof(*years));
	if (years == NULL) {
		return CRM_TOO_BIG;
	}
	size_t ny = 0;
	crm_status rc = check_rows(ctx, r, years, &ny);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__CalendarReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__CalendarDay **days =
	    crm_arena_alloc(ctx->arena, r->n_days * sizeof(*days));
	if (out == NULL || days == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__calendar_reply__init(out);
	out->has_removed = 1;
	for (size_t i = 0; rc == CRM_OK && i < ny; i++) {
		rc = replace_year(ctx, r, years[i], &out->removed);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* The reply: the days as stored, in date order. */
	for (size_t i = 0; i < r->n_days; i++) {
		days[i] = r->days[i];
		if (days[i]->name != NULL && *days[i]->name == '\0') {
			days[i]->name = NULL;
		}
	}
	qsort(days, r->n_days, sizeof(*days), by_date);
	qsort(years, ny, sizeof(*years), by_year);
	out->days = days;
	out->n_days = r->n_days;
	out->years = years;
	out->n_years = ny;
	resp->body_case = CRM__V1__RESPONSE__BODY_CALENDAR;
	resp->calendar = out;
	return CRM_OK;
}

crm_status
calendar_handle_show(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CalendarShowRequest *r = req->calendar_show;
	unsigned year;
	if (r->has_year && r->year != 0) {
		year = r->year;
	} else {
		char today[16];
		calendar_day_key(ctx->now, today, sizeof(today));
		year = (unsigned)atoi(today);
	}
	if (year < YEAR_MIN || year > YEAR_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "calendar_show.year",
		    "a calendar year is %d to %d, not %u", YEAR_MIN, YEAR_MAX,
		    year);
	}
	Crm__V1__CalendarReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__calendar_reply__init(out);
	out->has_year = 1;
	out->year = year;
	time_t now = (time_t)ctx->now;
	struct tm tm;
	if (localtime_r(&now, &tm) != NULL) {
		out->has_utc_offset = 1;
		out->utc_offset = (int32_t)tm.tm_gmtoff;
	}
	crm_status rc = load_year(ctx, year, out);
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_CALENDAR;
		resp->calendar = out;
	}
	return rc;
}
