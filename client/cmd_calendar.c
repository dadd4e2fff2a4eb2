/* SPDX-License-Identifier: MIT */
/*
 * cmd_calendar.c: the working-day calendar: `calendar import FILE.csv`
 * (admins: public holidays and make-up working days, whole years) and
 * `calendar show [YEAR]`. The file is CSV: date (YYYY-MM-DD), kind
 * (holiday|workday), name; an optional header row; lines starting with
 * '#' are comments (where the dates come from). Every bad row is named
 * by its line before anything is sent.
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands.h"
#include "crm_time.h"

#define MAX_DAYS   CRM_CALENDAR_IMPORT_DAYS
#define MAX_FIELDS 8
#define MAX_ERRORS 20 /* bad rows named before giving up */

/* One CSV record being read. */
struct rec {
	char *f[MAX_FIELDS];
	size_t n;
	int extra; /* more fields than MAX_FIELDS */
};

static void
on_field(void *s, size_t len, void *data)
{
	struct rec *r = data;
	if (r->n == MAX_FIELDS) {
		r->extra = 1;
		return;
	}
	char *v = crm_xmalloc(len + 1);
	memcpy(v, s, len);
	v[len] = '\0';
	/* Trim blanks around the value. */
	char *b = v + strspn(v, " \t");
	size_t m = strlen(b);
	while (m > 0 && (b[m - 1] == ' ' || b[m - 1] == '\t' ||
	                    b[m - 1] == '\r' || b[m - 1] == '\n')) {
		m--;
	}
	memmove(v, b, m);
	v[m] = '\0';
	r->f[r->n++] = v;
}

static void
on_record(int c, void *data)
{
	(void)c, (void)data;
}

static void
rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->f[i]);
	}
	r->n = 0;
	r->extra = 0;
}

/* A date as typed (2026-10-01, 2026/10/1) as YYYY-MM-DD into out. */
static int
parse_date(const char *s, char out[11])
{
	int y, m, d, used = 0;
	char sep1, sep2;
	if (sscanf(s, "%4d%c%2d%c%2d%n", &y, &sep1, &m, &sep2, &d, &used) !=
	        5 ||
	    s[used] != '\0' || sep1 != sep2 || (sep1 != '-' && sep1 != '/') ||
	    y < 1970 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) {
		return 0;
	}
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
	    (unsigned)m % 100u, (unsigned)d % 100u);
	return crm_time_valid_day(out);
}

/* holiday|workday, or the Chinese words calendars print. */
static int
parse_kind(const char *s)
{
	static const struct {
		const char *word;
		int kind;
	} words[] = {
		{ "holiday", CRM__V1__DAY_KIND__DAY_HOLIDAY },
		{ "休", CRM__V1__DAY_KIND__DAY_HOLIDAY },
		{ "放假", CRM__V1__DAY_KIND__DAY_HOLIDAY },
		{ "workday", CRM__V1__DAY_KIND__DAY_WORKDAY },
		{ "班", CRM__V1__DAY_KIND__DAY_WORKDAY },
		{ "上班", CRM__V1__DAY_KIND__DAY_WORKDAY },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i].word) == 0) {
			return words[i].kind;
		}
	}
	return 0;
}

/* Whether r is a header row (its first field names the date column). */
static int
is_header(const struct rec *r)
{
	return r->n > 0 && (strcasecmp(r->f[0], "date") == 0 ||
	                       strcmp(r->f[0], "日期") == 0);
}

/* The days read from a file, for the request. */
struct days {
	Crm__V1__CalendarDay *v;
	Crm__V1__CalendarDay **p;
	size_t n;
	unsigned errors;
};

static void row_error(struct days *ds, const char *path, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
row_error(
    struct days *ds, const char *path, unsigned line, const char *fmt, ...)
{
	if (++ds->errors <= MAX_ERRORS) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		cmd_error("%s: line %u: %s", path, line, msg);
	}
}

/* Check one row and keep it. */
static void
take_row(struct days *ds, const char *path, unsigned line, struct rec *r)
{
	char date[11];
	if (r->extra || r->n > 3) {
		row_error(ds, path, line,
		    "%s: want 3 columns: date, kind, name",
		    "too many columns");
		return;
	}
	if (r->n < 2) {
		row_error(ds, path, line,
		    "want date, kind (holiday|workday) and a name, not '%s'",
		    r->n ? r->f[0] : "");
		return;
	}
	if (!parse_date(r->f[0], date)) {
		row_error(ds, path, line,
		    "date '%s' is not a day YYYY-MM-DD (1970-2100)", r->f[0]);
		return;
	}
	int kind = parse_kind(r->f[1]);
	if (kind == 0) {
		row_error(ds, path, line,
		    "kind '%s' is neither holiday nor workday", r->f[1]);
		return;
	}
	if (r->n == 3 && strlen(r->f[2]) > CRM_CALENDAR_NAME_MAX) {
		row_error(ds, path, line, "the name of %s is over %d bytes",
		    date, CRM_CALENDAR_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < ds->n; i++) {
		if (strcmp(ds->v[i].date, date) == 0) {
			row_error(ds, path, line, "%s is given twice", date);
			return;
		}
	}
	if (ds->n == MAX_DAYS) {
		row_error(
		    ds, path, line, "more than %d days in one file", MAX_DAYS);
		return;
	}
	Crm__V1__CalendarDay *d = &ds->v[ds->n];
	crm__v1__calendar_day__init(d);
	d->date = crm_xstrdup(date);
	d->has_kind = 1;
	d->kind = (Crm__V1__DayKind)kind;
	d->name = crm_xstrdup(r->n == 3 ? r->f[2] : "");
	/* What crmd refuses in any request (a control character, or a tab
	 * or line break in the one-line name): named by its line here, not
	 * by its index in the request (calendar_import.days[3].name). */
	char why[256], field[32];
	if (crm_validate_message(&d->base, why, sizeof(why)) != CRM_OK) {
		crm_validate_field(why, field, sizeof(field));
		row_error(ds, path, line, "the %s of %s: %s", field, date,
		    crm_validate_what(why));
		free(d->date);
		free(d->name);
		return;
	}
	ds->p[ds->n] = d;
	ds->n++;
}

/* Read path into ds; CRM_EINVAL after naming every bad line. */
static crm_status
read_days(const char *path, struct days *ds)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		cmd_error("cannot open %s: %s", path, strerror(errno));
		return CRM_EINVAL;
	}
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		fclose(f);
		return CRM_INTERNAL;
	}
	struct rec r = { .n = 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned no = 0, rows = 0;
	crm_status rc = CRM_OK;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *s = line;
		size_t n = (size_t)len;
		no++;
		if (no == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3; /* the UTF-8 BOM Excel writes */
			n -= 3;
		}
		size_t lead = strspn(s, " \t\r\n");
		if (lead == n || s[lead] == '#') {
			continue; /* blank, or a comment (the source) */
		}
		/* One row a line: a calendar has no multi-line fields. */
		if (csv_parse(&p, s, n, on_field, on_record, &r) != n) {
			row_error(ds, path, no,
			    "a quote inside a cell, or after a quoted one "
			    "(%s)",
			    csv_strerror(csv_error(&p)));
		} else if (csv_fini(&p, on_field, on_record, &r) != 0) {
			row_error(ds, path, no, "a quoted cell is not closed");
		} else if (rows++ == 0 && is_header(&r)) {
			/* the optional header */
		} else {
			take_row(ds, path, no, &r);
		}
		rec_clear(&r);
	}
	if (ferror(f)) {
		cmd_error("cannot read %s: %s", path, strerror(errno));
		rc = CRM_EINVAL;
	}
	free(line);
	csv_free(&p);
	fclose(f);
	if (rc == CRM_OK && ds->errors > MAX_ERRORS) {
		cmd_error("%s: %u bad lines in all", path, ds->errors);
	}
	if (rc == CRM_OK && ds->errors > 0) {
		cmd_error("%s: nothing imported; fix the lines above", path);
		rc = CRM_EINVAL;
	}
	if (rc == CRM_OK && ds->n == 0) {
		cmd_error("%s: no days: want rows of date,kind,name "
		          "(2026-10-01,holiday,国庆节)",
		    path);
		rc = CRM_EINVAL;
	}
	return rc;
}

/* ------------------------------------------------------------ showing */

static const char *
kind_word(int kind)
{
	return kind == CRM__V1__DAY_KIND__DAY_HOLIDAY   ? "holiday"
	       : kind == CRM__V1__DAY_KIND__DAY_WORKDAY ? "workday"
	                                                : "-";
}

/* "Thu" for a YYYY-MM-DD date. */
static const char *
weekday(const char *date)
{
	static const char *const names[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	struct tm tm = { 0 };
	if (date == NULL || sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	                        &tm.tm_mday) != 3) {
		return "";
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1 || tm.tm_wday < 0 || tm.tm_wday > 6) {
		return "";
	}
	return names[tm.tm_wday];
}

static void
show_days(const Crm__V1__CalendarReply *c, render_doc *out)
{
	static const char *const cols[] = { "date", "day", "kind", "name" };
	render_table(out, 4, cols);
	for (size_t i = 0; i < c->n_days; i++) {
		const Crm__V1__CalendarDay *d = c->days[i];
		const char *cells[] = { d->date, weekday(d->date),
			kind_word(d->kind), d->name ? d->name : "" };
		render_row(out, cells);
	}
}

/* ------------------------------------------------------------ commands */

crm_status
cmd_calendar_import(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	const char *path = call->argv[0];
	struct days ds = { 0 };
	ds.v = crm_xcalloc(MAX_DAYS, sizeof(*ds.v));
	ds.p = crm_xcalloc(MAX_DAYS, sizeof(*ds.p));
	crm_status rc = read_days(path, &ds);
	Crm__V1__Response *resp = NULL;
	if (rc == CRM_OK) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CalendarImportRequest body =
		    CRM__V1__CALENDAR_IMPORT_REQUEST__INIT;
		body.days = ds.p;
		body.n_days = ds.n;
		req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_IMPORT;
		req.calendar_import = &body;
		rc = cmd_expect(
		    ctx, &req, CRM__V1__RESPONSE__BODY_CALENDAR, &resp);
	}
	if (rc == CRM_OK) {
		const Crm__V1__CalendarReply *c = resp->calendar;
		size_t hol = 0;
		for (size_t i = 0; i < c->n_days; i++) {
			hol +=
			    c->days[i]->kind == CRM__V1__DAY_KIND__DAY_HOLIDAY;
		}
		char years[128] = "";
		for (size_t i = 0; i < c->n_years; i++) {
			size_t used = strlen(years);
			snprintf(years + used, sizeof(years) - used, "%s%u",
			    i ? ", " : "", c->years[i]);
		}
		size_t work = c->n_days - hol;
		render_text(out,
		    "calendar %s: %zu holiday%s and %zu make-up working "
		    "day%s imported; %u earlier day%s of %s no longer listed",
		    years, hol, hol == 1 ? "" : "s", work,
		    work == 1 ? "" : "s", c->removed,
		    c->removed == 1 ? "" : "s",
		    c->n_years == 1 ? "that year" : "those years");
		show_days(c, out);
		render_set_json(out, render_json_message(&c->base));
		crm__v1__response__free_unpacked(resp, NULL);
	}
	for (size_t i = 0; i < ds.n; i++) {
		free(ds.v[i].date);
		free(ds.v[i].name);
	}
	free(ds.v);
	free(ds.p);
	return rc;
}

crm_status
cmd_calendar_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CalendarShowRequest body =
	    CRM__V1__CALENDAR_SHOW_REQUEST__INIT;
	if (call->argc > 0) {
		char *end;
		unsigned long y = strtoul(call->argv[0], &end, 10);
		if (*call->argv[0] == '\0' || *end != '\0' || y < 1970 ||
		    y > 2100) {
			return cmd_usage_error(ctx, call,
			    "a year is 1970-2100, not '%s'", call->argv[0]);
		}
		body.has_year = 1;
		body.year = (uint32_t)y;
	}
	req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_SHOW;
	req.calendar_show = &body;
	Crm__V1__Response *resp = NULL;
	crm_status rc =
	    cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CALENDAR, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__CalendarReply *c = resp->calendar;
	if (c->n_days == 0) {
		render_text(out,
		    "no holidays or make-up working days in %u: Monday to "
		    "Friday are working days (calendar import FILE adds "
		    "them)",
		    c->year);
	} else {
		render_text(out,
		    "%u: working days are Monday to Friday, except the "
		    "holidays below, plus the make-up working days below",
		    c->year);
	}
	show_days(c, out);
	render_set_json(out, render_json_message(&c->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_calendar_policy(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicySetRequest body = CRM__V1__POLICY_SET_REQUEST__INIT;
	if (call->argc > 0) {
		const char *v = call->argv[0];
		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
			return cmd_usage_error(
			    ctx, call, "say on or off, not '%s'", v);
		}
		body.has_cadence_working_days = 1;
		body.cadence_working_days = strcmp(v, "on") == 0;
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
		req.policy_set = &body;
	}
	Crm__V1__Response *resp = NULL;
	crm_status rc = cmd_policy_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__Policy *p = resp->policy;
	int on = !p->has_cadence_working_days || p->cadence_working_days;
	render_text(out, "cadence follow-ups on working days: %s (%s)",
	    on ? "on" : "off",
	    on ? "a next follow-up the cadence plans on a holiday or weekend "
	         "moves to the next working day"
	       : "the cadence's dates stay as they fall");
	render_set_json(out, render_json_message(&p->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

void
cmd_calendar_year_note(struct cmd_ctx *ctx, int role)
{
	if (role != CRM__V1__ROLE__ROLE_ADMIN &&
	    role != CRM__V1__ROLE__ROLE_MANAGER) {
		return;
	}
	time_t now = (time_t)crm_time_now();
	struct tm tm;
	if (localtime_r(&now, &tm) == NULL) {
		return;
	}
	int year = tm.tm_year + 1900;
	int last = year + (tm.tm_mon >= 10); /* from November, the next */
	int saved = conn_timeout(ctx->conn);
	conn_set_timeout(ctx->conn, 1500);
	for (int y = year; y <= last; y++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CalendarShowRequest body =
		    CRM__V1__CALENDAR_SHOW_REQUEST__INIT;
		body.has_year = 1;
		body.year = (uint32_t)y;
		req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_SHOW;
		req.calendar_show = &body;
		Crm__V1__Response *resp = NULL;
		if (conn_call(ctx->conn, &req, &resp) == CRM_OK &&
		    resp->body_case == CRM__V1__RESPONSE__BODY_CALENDAR &&
		    resp->calendar->n_days == 0) {
			fprintf(stderr,
			    "note: no holiday calendar for %d: until %s, "
			    "its public holidays are working days to every "
			    "plan and clock (calendar import FILE; calendar "
			    "show %d)\n",
			    y,
			    role == CRM__V1__ROLE__ROLE_ADMIN
			        ? "you import one"
			        : "an admin imports one",
			    y);
		}
		if (resp != NULL) {
			crm__v1__response__free_unpacked(resp, NULL);
		}
	}
	conn_set_timeout(ctx->conn, saved);
}
