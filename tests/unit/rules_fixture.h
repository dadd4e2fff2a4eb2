/* SPDX-License-Identifier: MIT */
/*
 * rules_fixture.h: what the *_rules_test.c unit tests share: a temp store
 * with one write transaction open, a request context on it (an admin
 * caller, a fixed now), local times in Asia/Shanghai, and the calendar
 * imported through its handler. No socket and no crmd: the rule
 * functions are called directly. Static functions: include once per test.
 */
#ifndef RULES_FIXTURE_H
#define RULES_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"
#include "crm_test.h"
#include "customer.h"
#include "handlers.h"
#include "policy.h"
#include "store_schema.h"
#include "test_store.h"

/* Not every test uses every helper. */
#define RULES_UNUSED __attribute__((unused))

#define DAY  INT64_C(86400)
#define HOUR INT64_C(3600)

struct rules_env {
	char dir[64];
	store *st;
	crm_arena arena;
	struct req_ctx ctx;
	MDB_txn *txn;
};

/* rules_zone: the group setup: crmd's days are Asia/Shanghai's here. */
RULES_UNUSED static int
rules_zone(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return 0;
}

/* local: y-mo-d h:mi in Asia/Shanghai (rules_open sets TZ) as UTC
 * seconds. */
RULES_UNUSED static int64_t
local(int y, int mo, int d, int h, int mi)
{
	struct tm t = { 0 };
	t.tm_year = y - 1900;
	t.tm_mon = mo - 1;
	t.tm_mday = d;
	t.tm_hour = h;
	t.tm_min = mi;
	t.tm_isdst = -1;
	return (int64_t)mktime(&t);
}

/* rules_open: a fresh store in a temp folder, a write transaction and a
 * context on it with caller user 1, an admin, at now. */
RULES_UNUSED static void
rules_open(struct rules_env *e, int64_t now)
{
	memset(e, 0, sizeof(*e));
	e->st = crm_test_store_open(e->dir, 1u << 22);
	crm_arena_init(&e->arena, 1u << 20);
	e->ctx.st = e->st;
	e->ctx.arena = &e->arena;
	e->ctx.now = now;
	e->ctx.who_buf.user_id = 1;
	e->ctx.who_buf.role = CRM__V1__ROLE__ROLE_ADMIN;
	strcpy(e->ctx.who_buf.login, "admin");
	e->ctx.who = &e->ctx.who_buf;
	assert_crm_ok(store_write_begin(e->st, &e->txn));
	e->ctx.txn = e->txn;
}

/* rules_close: abort the transaction, close and remove the store. */
RULES_UNUSED static void
rules_close(struct rules_env *e)
{
	store_write_abort(e->st, e->txn);
	crm_arena_fini(&e->arena);
	crm_test_store_close(e->st, e->dir);
}

/* rules_calendar: import n days (date, Crm__V1__DayKind, name) through
 * calendar_handle_import, as `crm calendar import` does. */
struct rules_day {
	const char *date;
	int kind;
	const char *name;
};
RULES_UNUSED static void
rules_calendar(struct rules_env *e, const struct rules_day *days, size_t n)
{
	Crm__V1__CalendarDay *d = calloc(n, sizeof(*d));
	Crm__V1__CalendarDay **dp = calloc(n, sizeof(*dp));
	assert_non_null(d);
	assert_non_null(dp);
	for (size_t i = 0; i < n; i++) {
		crm__v1__calendar_day__init(&d[i]);
		d[i].date = (char *)days[i].date;
		d[i].has_kind = 1;
		d[i].kind = (Crm__V1__DayKind)days[i].kind;
		d[i].name = (char *)days[i].name;
		dp[i] = &d[i];
	}
	Crm__V1__CalendarImportRequest r =
	    CRM__V1__CALENDAR_IMPORT_REQUEST__INIT;
	r.n_days = n;
	r.days = dp;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_IMPORT;
	req.calendar_import = &r;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	assert_crm_ok(calendar_handle_import(&e->ctx, &req, &resp));
	free(dp);
	free(d);
}

/* rules_customer: customer id of owner (team 1), stage x grade, saved. */
RULES_UNUSED static void
rules_customer(struct rules_env *e, Crm__V1__Customer *c, uint64_t id,
    uint64_t owner, int stage, int grade)
{
	crm__v1__customer__init(c);
	c->has_id = c->has_owner_id = c->has_team_id = c->has_stage = 1;
	c->has_grade = c->has_created_at = c->has_kind = 1;
	c->kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	c->id = id;
	c->name = id == 1 ? "华东机电" : "西部化工";
	c->owner_id = owner;
	c->team_id = 1;
	c->stage = (Crm__V1__Stage)stage;
	c->grade = (Crm__V1__Grade)grade;
	c->created_at = e->ctx.now;
	assert_crm_ok(customer_save(&e->ctx, NULL, c));
}

/* assert_time_equal: two times, printed as local times when they
 * differ. */
#define assert_time_equal(got, want) \
	rules_time_eq((got), (want), #got, __FILE__, __LINE__)
RULES_UNUSED static void
rules_time_eq(
    int64_t got, int64_t want, const char *expr, const char *file, int line)
{
	if (got == want) {
		return;
	}
	char g[32], w[32];
	time_t tg = (time_t)got, tw = (time_t)want;
	struct tm tm;
	strftime(g, sizeof(g), "%a %Y-%m-%d %H:%M", localtime_r(&tg, &tm));
	strftime(w, sizeof(w), "%a %Y-%m-%d %H:%M", localtime_r(&tw, &tm));
	print_error(
	    "%s:%d: %s\n  got:  %s\n  want: %s\n", file, line, expr, g, w);
	_fail(file, line);
}

#endif
