/* SPDX-License-Identifier: MIT */
/*
 * routine.c: calendar routines: routine.add, routine.list, routine.stop,
 * and planning their occurrences as tasks (routine.h).
 */
#include "routine.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "calendar.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "handlers.h"
#include "policy.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define DAY         86400
#define LIST_MAX    500
#define GOAL_MAX    200
#define PLAN_MAX    60 /* occurrences planned at once, at most */
#define DEFAULT_MIN (9 * 60)

static int
days_in_month(int year, int mon /* 0-11 */)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return mon == 1 && leap ? 29 : n[mon];
}

/* Whether the local day tm is one of r's. */
static int
matches(const Crm__V1__Routine *r, const struct tm *tm)
{
	int year = tm->tm_year + 1900;
	int last = days_in_month(year, tm->tm_mon);
	switch (r->every) {
	case CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY:
		return (tm->tm_wday == 0 ? 7 : tm->tm_wday) == (int)r->day;
	case CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY:
		return tm->tm_mday ==
		       ((int)r->day < last ? (int)r->day : last);
	case CRM__V1__ROUTINE_EVERY__ROUTINE_QUARTERLY:
		/* 每季度末: the quarter's last week is its last 7 days; the
		 * occurrence is on their first (its last day minus 6: Dec 25
		 * for Q4), a week to write the summary and the next plan. */
		return tm->tm_mon % 3 == 2 && tm->tm_mday == last - 6;
	default:
		return 0;
	}
}

int64_t
routine_occurrence_after(const Crm__V1__Routine *r, int64_t after)
{
	time_t v = (time_t)after;
	struct tm day;
	localtime_r(&v, &day);
	unsigned minute = r->has_minute ? r->minute : DEFAULT_MIN;
	for (int i = 0; i < 400; i++) {
		struct tm t = { 0 };
		t.tm_year = day.tm_year;
		t.tm_mon = day.tm_mon;
		t.tm_mday = day.tm_mday + i;
		t.tm_hour = (int)(minute / 60);
		t.tm_min = (int)(minute % 60);
		t.tm_isdst = -1;
		int64_t at = (int64_t)mktime(&t);
		if (at > after && matches(r, &t)) {
			return at;
		}
	}
	return 0;
}

crm_status
routine_due(struct req_ctx *ctx, const Crm__V1__Routine *r, int64_t at,
    struct why_note *w, int64_t *due)
{
	if (w != NULL) {
		static const char *const wd[] = { "", "Mon", "Tue", "Wed",
			"Thu", "Fri", "Sat", "Sun" };
		unsigned minute = r->has_minute ? r->minute : DEFAULT_MIN;
		char when[96];
		switch (r->every) {
		case CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY:
			snprintf(when, sizeof(when), "weekly on %s",
			    r->day >= 1 && r->day <= 7 ? wd[r->day] : "?");
			break;
		case CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY:
			snprintf(when, sizeof(when),
			    "monthly on day %u (or the month's last)", r->day);
			break;
		default:
			snprintf(when, sizeof(when),
			    "quarterly, the first day of the quarter's last "
			    "week (its last day minus 6)");
			break;
		}
		snprintf(w->rule, sizeof(w->rule),
		    "routine %" PRIu64 " (%s): %s at %02u:%02u; on a holiday "
		    "or weekend the next working day",
		    r->id, r->goal ? r->goal : "", when, minute / 60,
		    minute % 60);
		w->rule_at = at;
	}
	return calendar_add_working_days_why(
	    ctx, at, 0, w ? &w->cal : NULL, due);
}

static crm_status
load(struct req_ctx *ctx, uint64_t id, Crm__V1__Routine **r)
{
	return dispatch_record(ctx, DB_ROUTINES, id,
	    &crm__v1__routine__descriptor, (ProtobufCMessage **)r);
}

static crm_status
put(struct req_ctx *ctx, const Crm__V1__Routine *before,
    Crm__V1__Routine *after)
{
	store_key k;
	after->customer = NULL;
	store_key_id(&k, after->id);
	crm_status rc =
	    store_put_msg(ctx->st, ctx->txn, DB_ROUTINES, &k, &after->base);
	if (rc == CRM_OK && before == NULL) {
		rc = after->team_id != 0
		         ? store_index_add(ctx->st, ctx->txn, DB_ROUTINE_TEAM,
		               after->team_id, after->id)
		         : store_index_add(ctx->st, ctx->txn, DB_ROUTINE_CUST,
		               after->customer_id, after->id);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "routine", after->id,
		    before ? &before->base : NULL, &after->base);
	}
	return rc;
}

/* Make r's occurrences for customer c after *t up to now +
 * ROUTINE_AHEAD, each a task for c's owner; *t gets the last one's date,
 * *made counts them. */
static crm_status
occurrences(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Routine *r, int64_t *t, unsigned *made)
{
	int64_t horizon = ctx->now + ROUTINE_AHEAD;
	for (int i = 0; i < PLAN_MAX; i++) {
		int64_t at = routine_occurrence_after(r, *t);
		if (at == 0 || at > horizon) {
			break;
		}
		/* On a holiday or weekend: the next working day (calendar.h).
		 */
		Crm__V1__Task *task;
		int64_t day;
		struct task_plan from = { *t, 0 };
		crm_status rc = routine_due(ctx, r, at, NULL, &day);
		if (rc == CRM_OK) {
			rc = task_create_planned(ctx, c, c->owner_id,
			    CRM__V1__TASK_KIND__TASK_ROUTINE,
			    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, day, r->goal,
			    NULL, &from, &task);
		}
		if (rc == CRM_OK) {
			rc = task_set_ref(ctx, task->id, r->id);
		}
		if (rc != CRM_OK) {
			return rc;
		}
		*t = at;
		(*made)++;
	}
	return CRM_OK;
}

/* Plan r's occurrences (r is c's) up to now + ROUTINE_AHEAD; *n counts
 * the new ones. (A team routine: team_plan.) */
static crm_status
plan(struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t id, unsigned *n)
{
	Crm__V1__Routine *r, *before;
	crm_status rc = load(ctx, id, &r);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &before);
	}
	if (rc != CRM_OK || r->stopped || r->team_id != 0 ||
	    c->stage == CRM__V1__STAGE__STAGE_LOST || c->merged_into != 0 ||
	    c->owner_id == 0) {
		return rc;
	}
	/* Never into the past: a server stopped for weeks plans from now. */
	int64_t t =
	    r->planned_until_at > ctx->now ? r->planned_until_at : ctx->now;
	unsigned made = 0;
	rc = occurrences(ctx, c, r, &t, &made);
	if (rc != CRM_OK || made == 0) {
		return rc;
	}
	r->has_planned_until_at = 1;
	r->planned_until_at = t;
	*n += made;
	return put(ctx, before, r);
}

/* Whether team routine r applies to customer c now: c is of r's team,
 * followed (not lost, merged or in the pool) and at r's stage and grade
 * when r names them. */
static int
applies(const Crm__V1__Routine *r, const Crm__V1__Customer *c)
{
	return !r->stopped && r->team_id != 0 && r->team_id == c->team_id &&
	       c->owner_id != 0 && c->merged_into == 0 &&
	       c->stage != CRM__V1__STAGE__STAGE_LOST &&
	       (r->stage == 0 || r->stage == c->stage) &&
	       (r->grade == 0 || r->grade == c->grade);
}

/* Where team routine rid's occurrences are planned for customer cust
 * (DB_ROUTINE_PLAN): *until, 0 when nothing is. */
static crm_status
plan_entry(struct req_ctx *ctx, uint64_t cust, uint64_t rid, int64_t *until)
{
	store_key p;
	struct store_iter it;
	store_key_pair(&p, cust, rid);
	*until = 0;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_ROUTINE_PLAN, p.b, 16, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	if (store_iter_next(&it, &key, &klen) && klen == 24) {
		*until = store_time_of(store_u64(key + 16));
	}
	store_iter_close(&it);
	return CRM_OK;
}

static crm_status
plan_entry_set(struct req_ctx *ctx, uint64_t cust, uint64_t rid, int64_t old,
    int64_t until)
{
	store_key k;
	crm_status rc = CRM_OK;
	if (old != 0) {
		store_key_triple(&k, cust, rid, store_time_key(old));
		rc = store_del(ctx->st, ctx->txn, DB_ROUTINE_PLAN, &k);
	}
	if (rc == CRM_OK && until != 0) {
		store_key_triple(&k, cust, rid, store_time_key(until));
		rc = store_put_empty(ctx->st, ctx->txn, DB_ROUTINE_PLAN, &k);
	}
	return rc;
}

/* Plan team routine r's occurrences for customer c (r applies to c),
 * from what is planned for c already (until, 0: nothing) on. */
static crm_status
team_plan(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Routine *r, int64_t until, unsigned *n)
{
	int64_t t = until > ctx->now ? until : ctx->now;
	unsigned made = 0;
	crm_status rc = occurrences(ctx, c, r, &t, &made);
	if (rc == CRM_OK && made != 0) {
		*n += made;
		rc = plan_entry_set(ctx, c->id, r->id, until, t);
	}
	return rc;
}

/* Team routine rid no longer applies to customer cust: its open
 * occurrences (only those not due yet when future) end, and so does its
 * entry. */
static crm_status
team_drop(struct req_ctx *ctx, uint64_t cust, uint64_t rid, int64_t until,
    int future, const char *why)
{
	crm_status rc =
	    task_cancel_ref(ctx, cust, CRM__V1__TASK_KIND__TASK_ROUTINE, rid,
	        future ? ctx->now : INT64_MIN, why);
	if (rc == CRM_OK) {
		rc = plan_entry_set(ctx, cust, rid, until, 0);
	}
	return rc;
}

/* Up to PLANS_MAX of customer cust's team-routine plans (DB_ROUTINE_PLAN:
 * customer || routine || planned until) into rid/until; *n counts them. */
enum { PLANS_MAX = 64 };
static crm_status
plans_of(struct req_ctx *ctx, uint64_t cust, uint64_t rid[PLANS_MAX],
    int64_t until[PLANS_MAX], size_t *n)
{
	store_key p;
	struct store_iter it;
	store_key_id(&p, cust);
	*n = 0;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_ROUTINE_PLAN, p.b, 8, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (*n < PLANS_MAX && store_iter_next(&it, &key, &klen)) {
		if (klen == 24) {
			rid[*n] = store_u64(key + 8);
			until[(*n)++] = store_time_of(store_u64(key + 16));
		}
	}
	store_iter_close(&it);
	return CRM_OK;
}

crm_status
routine_sync_customer(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	uint64_t id = 0;
	unsigned n = 0;
	crm_status rc = CRM_OK;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                        DB_ROUTINE_CUST, c->id, id, &id) == CRM_OK) {
		rc = plan(ctx, c, id, &n);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* Team routines already planned for c (c's entries in
	 * DB_ROUTINE_PLAN: those that stopped applying end), then those of
	 * c's team not planned for it yet (DB_ROUTINE_TEAM): two more index
	 * reads, never a walk of all routines. */
	uint64_t seen[PLANS_MAX];
	int64_t until[PLANS_MAX];
	size_t ns;
	rc = plans_of(ctx, c->id, seen, until, &ns);
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; rc == CRM_OK && i < ns; i++) {
		Crm__V1__Routine *r;
		rc = load(ctx, seen[i], &r);
		if (rc == CRM_OK && applies(r, c)) {
			rc = team_plan(ctx, c, r, until[i], &n);
		} else if (rc == CRM_OK || rc == CRM_NOT_FOUND) {
			rc = team_drop(ctx, c->id, seen[i], until[i], 0,
			    "its team routine no longer applies to the "
			    "customer");
		}
	}
	if (rc != CRM_OK || c->team_id == 0 || c->owner_id == 0 ||
	    c->merged_into != 0 || c->stage == CRM__V1__STAGE__STAGE_LOST) {
		return rc;
	}
	id = 0;
	while (rc == CRM_OK &&
	       store_index_next(ctx->st, ctx->txn, DB_ROUTINE_TEAM, c->team_id,
	           id, &id) == CRM_OK) {
		int known = 0;
		for (size_t i = 0; i < ns; i++) {
			known |= seen[i] == id;
		}
		Crm__V1__Routine *r;
		if (known) {
			continue;
		}
		rc = load(ctx, id, &r);
		if (rc == CRM_OK && applies(r, c)) {
			rc = team_plan(ctx, c, r, 0, &n);
		}
	}
	return rc;
}

crm_status
routine_forget_customer(struct req_ctx *ctx, uint64_t cust, const char *why)
{
	uint64_t rid[PLANS_MAX];
	int64_t until[PLANS_MAX];
	size_t n;
	crm_status rc = plans_of(ctx, cust, rid, until, &n);
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		rc = team_drop(ctx, cust, rid[i], until[i], 0, why);
	}
	return rc;
}

crm_status
routine_pooled(struct req_ctx *ctx, uint64_t cust, const char *why)
{
	/* Its team routines' entries go: a claim plans them again from
	 * then on (routine_sync_customer finds none planned). */
	crm_status rc = routine_forget_customer(ctx, cust, why);
	uint64_t id = 0;
	/* Its own routines: what was planned is cancelled with its other
	 * tasks, so the plan starts again from the claim. */
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                           DB_ROUTINE_CUST, cust, id, &id) == CRM_OK) {
		Crm__V1__Routine *r, *before;
		rc = load(ctx, id, &r);
		if (rc == CRM_OK) {
			rc = load(ctx, id, &before);
		}
		if (rc != CRM_OK || !r->has_planned_until_at) {
			continue;
		}
		r->has_planned_until_at = 0;
		r->planned_until_at = 0;
		rc = put(ctx, before, r);
	}
	return rc;
}

/* The sweep's step for team routine r: when an occurrence has come
 * within ROUTINE_AHEAD since the last sweep, plan it for every customer
 * of the team it applies to. */
static crm_status
team_sweep(struct req_ctx *ctx, uint64_t id, unsigned *planned)
{
	Crm__V1__Routine *r, *before;
	crm_status rc = load(ctx, id, &r);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &before);
	}
	if (rc != CRM_OK || r->stopped) {
		return rc;
	}
	int64_t horizon = ctx->now + ROUTINE_AHEAD;
	int64_t t =
	    r->planned_until_at > ctx->now ? r->planned_until_at : ctx->now;
	int64_t next = routine_occurrence_after(r, t);
	if (next == 0 || next > horizon) {
		return CRM_OK;
	}
	uint64_t cid = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_CUST_TEAM,
	                        r->team_id, cid, &cid) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		int64_t until;
		rc = dispatch_record(ctx, DB_CUSTOMERS, cid,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc == CRM_OK && applies(r, c)) {
			rc = plan_entry(ctx, cid, id, &until);
			if (rc == CRM_OK) {
				rc = team_plan(ctx, c, r, until, planned);
			}
		} else if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
		}
		crm_arena_release(ctx->arena, mark);
	}
	while (rc == CRM_OK && next != 0 && next <= horizon) {
		t = next;
		next = routine_occurrence_after(r, t);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	r->has_planned_until_at = 1;
	r->planned_until_at = t;
	/* Moved on even when every customer had it planned already (their
	 * own writes plan it): count the routine, so the step commits and
	 * the next sweep does not walk the team again for nothing. */
	(*planned)++;
	return put(ctx, before, r);
}

crm_status
routine_sweep(
    struct req_ctx *ctx, uint64_t *from, unsigned max, unsigned *planned)
{
	struct store_iter it;
	store_key k;
	store_key_id(&k, *from);
	crm_status rc =
	    store_iter_open(ctx->st, ctx->txn, DB_ROUTINES, "", 0, &k, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	uint64_t ids[64];
	size_t n = 0;
	if (max > 64) {
		max = 64;
	}
	*from = 0;
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		if (klen != 8) {
			continue;
		}
		if (n == max) {
			*from = store_u64(key);
			break;
		}
		ids[n++] = store_u64(key);
	}
	store_iter_close(&it);
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		Crm__V1__Routine *r;
		Crm__V1__Customer *c;
		rc = load(ctx, ids[i], &r);
		if (rc != CRM_OK || r->stopped) {
			continue;
		}
		if (r->team_id != 0) {
			rc = team_sweep(ctx, ids[i], planned);
			continue;
		}
		rc = dispatch_record(ctx, DB_CUSTOMERS, r->customer_id,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc == CRM_OK) {
			rc = plan(ctx, c, ids[i], planned);
		} else if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
		}
	}
	return rc;
}

crm_status
routine_move(struct req_ctx *ctx, uint64_t id, uint64_t to)
{
	Crm__V1__Routine *before, *r;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &r);
	}
	if (rc == CRM_OK) {
		rc = store_index_del(ctx->st, ctx->txn, DB_ROUTINE_CUST,
		    before->customer_id, id);
	}
	if (rc == CRM_OK) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_ROUTINE_CUST, to, id);
	}
	if (rc == CRM_OK) {
		r->customer_id = to;
		rc = put(ctx, before, r);
	}
	return rc;
}

/* ---------------------------------------------------------- handlers */

/* The goal and schedule of in, checked: *goal trimmed, *day. */
static crm_status
validate(struct req_ctx *ctx, const Crm__V1__Routine *in, const char **goal,
    unsigned *day)
{
	*goal = customer_trimmed(ctx, in->goal);
	if (*goal == NULL || strlen(*goal) > GOAL_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "routine_add.routine.goal",
		    "a routine needs a goal (at most %d bytes)", GOAL_MAX);
	}
	*day = in->day;
	switch (in->every) {
	case CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY:
		if (*day < 1 || *day > 31) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "routine_add.routine.day",
			    "a monthly routine's day is 1-31");
		}
		break;
	case CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY:
		if (*day < 1 || *day > 7) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "routine_add.routine.day",
			    "a weekly routine's day is 1 (Monday) to 7 "
			    "(Sunday)");
		}
		break;
	case CRM__V1__ROUTINE_EVERY__ROUTINE_QUARTERLY:
		*day = 0;
		break;
	default:
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "routine_add.routine.every",
		    "say how often: monthly, weekly or quarterly");
	}
	if (in->has_minute && in->minute >= 24 * 60) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "routine_add.routine.minute",
		    "a routine's time is 00:00-23:59");
	}
	return CRM_OK;
}

/* A new routine record (id, schedule, creation) from in. */
static crm_status
routine_new(struct req_ctx *ctx, const Crm__V1__Routine *in, const char *goal,
    unsigned day, Crm__V1__Routine **out)
{
	Crm__V1__Routine *r = crm_arena_alloc(ctx->arena, sizeof(*r));
	if (r == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__routine__init(r);
	crm_status rc = store_next_id(ctx->st, ctx->txn, "routine", &r->id);
	if (rc != CRM_OK) {
		return rc;
	}
	r->has_id = r->has_every = r->has_day = 1;
	r->has_minute = r->has_created_at = r->has_created_by = 1;
	r->goal = (char *)goal;
	r->every = in->every;
	r->day = day;
	r->minute = in->has_minute ? in->minute : DEFAULT_MIN;
	r->created_at = dispatch_at(ctx);
	r->created_by = ctx->who->user_id;
	*out = r;
	return CRM_OK;
}

/* Who may add or stop team routine of team: the team's manager, an
 * admin; a rep sees them only. */
static crm_status
team_editable(struct req_ctx *ctx, uint64_t team)
{
	if (ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		return CRM_OK;
	}
	if (ctx->who->role == CRM__V1__ROLE__ROLE_MANAGER &&
	    ctx->who->team_id == team) {
		return CRM_OK;
	}
	return dispatch_fail(ctx, CRM_EPERM,
	    ctx->who->role == CRM__V1__ROLE__ROLE_MANAGER
	        ? "a manager adds and stops routines of their own team only"
	        : "team routines are added and stopped by the team's "
	          "manager or an admin");
}

/* routine.add of a team routine (in->team or in->team_id). */
static crm_status
team_add(
    struct req_ctx *ctx, const Crm__V1__Routine *in, Crm__V1__Response *resp)
{
	const char *goal;
	unsigned day;
	crm_status rc = validate(ctx, in, &goal, &day);
	if (rc != CRM_OK) {
		return rc;
	}
	if (in->customer_id != 0) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "a routine is of a customer or of a team, not both");
	}
	uint64_t team = in->team_id;
	if (in->team != NULL && *in->team != '\0') {
		uint64_t named;
		if (user_team_by_name(ctx, in->team, &named) != CRM_OK ||
		    (team != 0 && team != named)) {
			return dispatch_fail(
			    ctx, CRM_NOT_FOUND, "no team '%s'", in->team);
		}
		team = named;
	} else {
		Crm__V1__Team *t;
		if (dispatch_record(ctx, DB_TEAMS, team,
		        &crm__v1__team__descriptor,
		        (ProtobufCMessage **)&t) != CRM_OK) {
			return dispatch_fail(
			    ctx, CRM_NOT_FOUND, "no team %" PRIu64, team);
		}
	}
	rc = team_editable(ctx, team);
	if (rc != CRM_OK) {
		return rc;
	}
	if (in->stage == CRM__V1__STAGE__STAGE_LOST) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "lost customers are followed no more");
	}
	if ((in->stage != 0 &&
	        protobuf_c_enum_descriptor_get_value(
	            &crm__v1__stage__descriptor, (int)in->stage) == NULL) ||
	    (in->grade != 0 &&
	        protobuf_c_enum_descriptor_get_value(
	            &crm__v1__grade__descriptor, (int)in->grade) == NULL)) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "no such stage or grade");
	}
	Crm__V1__Routine *r;
	rc = routine_new(ctx, in, goal, day, &r);
	if (rc != CRM_OK) {
		return rc;
	}
	r->has_team_id = 1;
	r->team_id = team;
	if (in->stage != 0) {
		r->has_stage = 1;
		r->stage = in->stage;
	}
	if (in->grade != 0) {
		r->has_grade = 1;
		r->grade = in->grade;
	}
	rc = put(ctx, NULL, r);
	unsigned n = 0;
	if (rc == CRM_OK) {
		rc = team_sweep(ctx, r->id, &n);
	}
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &r);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	r->team = (char *)user_team_name(ctx, team);
	/* As routine list: the next occurrence, beyond what is planned. */
	r->next_at = routine_occurrence_after(r, ctx->now);
	r->has_next_at = r->next_at != 0;
	resp->body_case = CRM__V1__RESPONSE__BODY_ROUTINE;
	resp->routine = r;
	return CRM_OK;
}

crm_status
routine_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__Routine *in = req->routine_add->routine;
	if (in != NULL &&
	    (in->team_id != 0 || (in->team != NULL && *in->team != '\0'))) {
		return team_add(ctx, in, resp);
	}
	if (in == NULL || !in->has_customer_id) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "routine_add.routine.customer_id",
		    "a routine needs a customer");
	}
	const char *goal;
	unsigned day;
	crm_status rc = validate(ctx, in, &goal, &day);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__Customer *c;
	rc = customer_editable(ctx, in->customer_id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	if (c->stage == CRM__V1__STAGE__STAGE_LOST) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s is lost: it is followed no more", c->name);
	}
	Crm__V1__Routine *r;
	rc = routine_new(ctx, in, goal, day, &r);
	if (rc != CRM_OK) {
		return rc;
	}
	r->has_customer_id = 1;
	r->customer_id = c->id;
	rc = put(ctx, NULL, r);
	unsigned n = 0;
	if (rc == CRM_OK) {
		rc = plan(ctx, c, r->id, &n);
	}
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &r);
	}
	if (rc == CRM_OK) {
		rc = event_add(ctx, c->id, 0, "routine add",
		    "routine %" PRIu64 " (%s): %u occurrence%s planned", r->id,
		    r->goal, n, n == 1 ? "" : "s");
	}
	if (rc != CRM_OK) {
		return rc;
	}
	r->customer = c->name;
	r->next_at = routine_occurrence_after(r, ctx->now);
	r->has_next_at = r->next_at != 0;
	resp->body_case = CRM__V1__RESPONSE__BODY_ROUTINE;
	resp->routine = r;
	return CRM_OK;
}

crm_status
routine_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__RoutineListRequest *q = req->routine_list;
	Crm__V1__RoutineList *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__Routine **list =
	    crm_arena_alloc(ctx->arena, LIST_MAX * sizeof(*list));
	if (out == NULL || list == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__routine_list__init(out);
	out->routines = list;
	Crm__V1__Customer *only = NULL;
	if (q->customer_id != 0) {
		crm_status rc = customer_visible(ctx, q->customer_id, &only);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	/* Of one customer: its index; else every routine, the caller's
	 * visible ones kept. */
	uint64_t *ids = crm_arena_alloc(ctx->arena, 4096 * sizeof(*ids));
	if (ids == NULL) {
		return CRM_TOO_BIG;
	}
	size_t n = 0;
	if (only != NULL) {
		uint64_t id = 0;
		while (n < 4096 &&
		       store_index_next(ctx->st, ctx->txn, DB_ROUTINE_CUST,
		           only->id, id, &id) == CRM_OK) {
			ids[n++] = id;
		}
		/* And its team's routines that apply to it. */
		id = 0;
		while (n < 4096 && only->team_id != 0 &&
		       store_index_next(ctx->st, ctx->txn, DB_ROUTINE_TEAM,
		           only->team_id, id, &id) == CRM_OK) {
			ids[n++] = id;
		}
	} else {
		struct store_iter it;
		crm_status rc = store_iter_open(
		    ctx->st, ctx->txn, DB_ROUTINES, "", 0, NULL, &it);
		if (rc != CRM_OK) {
			return rc;
		}
		const uint8_t *key;
		size_t klen;
		while (n < 4096 && store_iter_next(&it, &key, &klen)) {
			if (klen == 8) {
				ids[n++] = store_u64(key);
			}
		}
		store_iter_close(&it);
	}
	for (size_t i = 0; i < n; i++) {
		Crm__V1__Routine *r;
		Crm__V1__Customer *c;
		if (load(ctx, ids[i], &r) != CRM_OK ||
		    (r->stopped && !q->stopped) ||
		    (only != NULL && r->team_id == 0 &&
		        r->customer_id != only->id)) {
			continue;
		}
		if (r->team_id != 0) {
			/* A team routine: the team's people see it; of one
			 * customer, those that apply to it. */
			if (only != NULL
			        ? r->team_id != only->team_id ||
			              (!r->stopped && !applies(r, only))
			        : ctx->who->role !=
			                  CRM__V1__ROLE__ROLE_ADMIN &&
			              ctx->who->team_id != r->team_id) {
				continue;
			}
			if (out->n_routines == LIST_MAX) {
				out->has_more = out->more = 1;
				break;
			}
			r->team = (char *)user_team_name(ctx, r->team_id);
			if (!r->stopped) {
				int64_t next =
				    routine_occurrence_after(r, ctx->now);
				r->has_next_at = next != 0;
				r->next_at = next;
			}
			list[out->n_routines++] = r;
			continue;
		}
		if (customer_visible(ctx, r->customer_id, &c) != CRM_OK) {
			continue;
		}
		if (out->n_routines == LIST_MAX) {
			out->has_more = out->more = 1;
			break;
		}
		r->customer = c->name;
		if (!r->stopped) {
			int64_t next = routine_occurrence_after(r, ctx->now);
			if (c->stage == CRM__V1__STAGE__STAGE_LOST) {
				r->paused = "customer lost";
			} else if (c->merged_into != 0) {
				r->paused = "customer merged";
			} else if (next != 0) {
				r->has_next_at = 1;
				r->next_at = next;
			}
		}
		list[out->n_routines++] = r;
	}
	ctx->msg[0] = '\0';
	if (ctx->arena->exhausted) {
		return dispatch_fail(ctx, CRM_TOO_BIG, "too many routines");
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_ROUTINES;
	resp->routines = out;
	return CRM_OK;
}

/* mark_stopped: routine r (loaded by the caller) stopped now and put,
 * after loading the stored copy the put replaces. CRM_EPRECOND when it is
 * stopped already; the caller then ends its occurrences. */
static crm_status
mark_stopped(struct req_ctx *ctx, Crm__V1__Routine *r)
{
	Crm__V1__Routine *before;
	crm_status rc = load(ctx, r->id, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	if (r->stopped) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "routine %" PRIu64 " is stopped already", r->id);
	}
	r->has_stopped = r->has_stopped_at = 1;
	r->stopped = 1;
	r->stopped_at = dispatch_at(ctx);
	return put(ctx, before, r);
}

/* routine.stop of team routine r: its open occurrences not yet due end
 * for every customer of the team (those due already stay, to be done or
 * counted missed). */
static crm_status
team_stop(struct req_ctx *ctx, Crm__V1__Routine *r, Crm__V1__Response *resp)
{
	if (ctx->who->role != CRM__V1__ROLE__ROLE_ADMIN &&
	    ctx->who->team_id != r->team_id) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no routine %" PRIu64, r->id);
	}
	crm_status rc = team_editable(ctx, r->team_id);
	if (rc == CRM_OK) {
		rc = mark_stopped(ctx, r);
	}
	uint64_t cid = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_CUST_TEAM,
	                        r->team_id, cid, &cid) == CRM_OK) {
		int64_t until;
		rc = plan_entry(ctx, cid, r->id, &until);
		if (rc == CRM_OK && until != 0) {
			rc = team_drop(
			    ctx, cid, r->id, until, 1, "its routine stopped");
		}
	}
	if (rc != CRM_OK) {
		return rc;
	}
	r->team = (char *)user_team_name(ctx, r->team_id);
	resp->body_case = CRM__V1__RESPONSE__BODY_ROUTINE;
	resp->routine = r;
	return CRM_OK;
}

crm_status
routine_handle_stop(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	if (req->routine_stop->id == 0) {
		return dispatch_fail_no_id(ctx, "routine");
	}
	Crm__V1__Routine *r;
	crm_status rc = load(ctx, req->routine_stop->id, &r);
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, CRM_NOT_FOUND, "no routine %" PRIu64,
		    req->routine_stop->id);
	}
	if (rc == CRM_OK && r->team_id != 0) {
		return team_stop(ctx, r, resp);
	}
	Crm__V1__Customer *c;
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, r->customer_id, &c);
		if (rc == CRM_NOT_FOUND) {
			return dispatch_fail(ctx, CRM_NOT_FOUND,
			    "no routine %" PRIu64, req->routine_stop->id);
		}
	}
	if (rc == CRM_OK) {
		rc = mark_stopped(ctx, r);
	}
	if (rc == CRM_OK) {
		rc = task_cancel_ref(ctx, c->id,
		    CRM__V1__TASK_KIND__TASK_ROUTINE, r->id, INT64_MIN,
		    "its routine stopped");
	}
	if (rc != CRM_OK) {
		return rc;
	}
	r->customer = c->name;
	r->next_at = routine_occurrence_after(r, ctx->now);
	r->has_next_at = r->next_at != 0;
	resp->body_case = CRM__V1__RESPONSE__BODY_ROUTINE;
	resp->routine = r;
	return CRM_OK;
}
