/* SPDX-License-Identifier: MIT */
/*
 * workdays.c: a WHEN in working days (+3wd, "3 working days", 3个工作日,
 * seed 000's 承诺3个工作日提供定制方案): the same time of day on the N-th
 * working day after today, counted on crmd's holiday calendar (weekends
 * and holidays out, make-up working days in), as crmd counts an SLA
 * clock's working days. The calendar comes from crmd (calendar.show,
 * one request a year the count passes); without a connection the form
 * is refused with a date to give instead.
 */
#include "workdays.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

#define WORKDAYS_MAX 250 /* about a year of working days */

/* Reads N from the forms; 1 with *n set when text is one. */
static int
workdays_form(const char *text, unsigned *n)
{
	static const char *const heads[] = { "+", "in ", "", NULL };
	static const char *const tails[] = { "wd", " wd", " working days",
		" working day", "个工作日内", "个工作日后", "个工作日",
		"工作日内", "工作日后", "工作日", NULL };
	for (size_t h = 0; heads[h] != NULL; h++) {
		size_t hl = strlen(heads[h]);
		if (strncmp(text, heads[h], hl) != 0) {
			continue;
		}
		const char *p = text + hl;
		char *end;
		if (*p < '0' || *p > '9') {
			continue;
		}
		unsigned long v = strtoul(p, &end, 10);
		for (size_t t = 0; tails[t] != NULL; t++) {
			if (strcmp(end, tails[t]) == 0) {
				*n = v > WORKDAYS_MAX + 1 ? WORKDAYS_MAX + 1
				                          : (unsigned)v;
				return 1;
			}
		}
	}
	return 0;
}

/* One year of crmd's calendar: its days as "YYYY-MM-DD" and kind. */
struct workdays_year {
	int year;
	Crm__V1__Response *resp;
};

static crm_status
year_load(struct cmd_ctx *ctx, int year, struct workdays_year *y)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CalendarShowRequest body =
	    CRM__V1__CALENDAR_SHOW_REQUEST__INIT;
	body.has_year = 1;
	body.year = (uint32_t)year;
	req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_SHOW;
	req.calendar_show = &body;
	y->year = year;
	y->resp = NULL;
	return cmd_expect(
	    ctx, &req, CRM__V1__RESPONSE__BODY_CALENDAR, &y->resp);
}

/* Whether day tm (a local date) is a working day of the calendar. */
static int
is_working(const struct workdays_year *y, const struct tm *tm)
{
	char date[32];
	snprintf(date, sizeof(date), "%04d-%02d-%02d", tm->tm_year + 1900,
	    tm->tm_mon + 1, tm->tm_mday);
	const Crm__V1__CalendarReply *c = y->resp->calendar;
	for (size_t i = 0; i < c->n_days; i++) {
		if (c->days[i]->date != NULL &&
		    strcmp(c->days[i]->date, date) == 0) {
			return c->days[i]->kind ==
			       CRM__V1__DAY_KIND__DAY_WORKDAY;
		}
	}
	return tm->tm_wday != 0 && tm->tm_wday != 6;
}

crm_status
workdays_parse(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t now, int64_t *t, int *matched)
{
	unsigned n;
	*matched = workdays_form(text, &n);
	if (!*matched) {
		return CRM_OK;
	}
	if (n == 0 || n > WORKDAYS_MAX) {
		return cmd_usage_error(ctx, call,
		    "%s: '%s': give 1 to %d working days", what, text,
		    WORKDAYS_MAX);
	}
	/* The days are crmd's: counted in its zone (the offset its
	 * calendar reply gives, as of now; an older crmd gives none and
	 * the count is in this computer's zone). */
	time_t v = (time_t)now;
	struct tm tm;
	localtime_r(&v, &tm);
	struct workdays_year y = { 0, NULL };
	crm_status rc = year_load(ctx, tm.tm_year + 1900, &y);
	int zoned = rc == CRM_OK && y.resp->calendar->has_utc_offset;
	long off = zoned ? (long)y.resp->calendar->utc_offset : 0;
	if (zoned) {
		v = (time_t)(now + off);
		gmtime_r(&v, &tm);
	}
	for (unsigned k = 0; rc == CRM_OK && k < n;) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		if (zoned) {
			timegm(&tm); /* normalises the date */
		} else {
			mktime(&tm);
		}
		if (y.resp == NULL || y.year != tm.tm_year + 1900) {
			if (y.resp != NULL) {
				crm__v1__response__free_unpacked(y.resp, NULL);
				y.resp = NULL;
			}
			rc = year_load(ctx, tm.tm_year + 1900, &y);
			if (rc != CRM_OK) {
				break;
			}
		}
		k += (unsigned)is_working(&y, &tm);
	}
	if (rc != CRM_OK) {
		cmd_error("%s: '%s' counts working days on crmd's holiday "
		          "calendar, which could not be read; give the date "
		          "instead (e.g. 2026-12-10 or '12-10 10:00')",
		    what, text);
	}
	if (y.resp != NULL) {
		crm__v1__response__free_unpacked(y.resp, NULL);
	}
	if (rc == CRM_OK) {
		*t = zoned ? (int64_t)timegm(&tm) - off : (int64_t)mktime(&tm);
	}
	return rc;
}
