/* SPDX-License-Identifier: MIT */
/*
 * task.c: tasks (跟进计划) and the cadence engine. Record API first, then
 * the handlers of due, task.add, .done, .move, .assign and .cancel.
 *
 * Open tasks are indexed by owner || due time || id (task_open), so a
 * rep's queue is one index range in due order, overdue first.
 */
#include "history.h"
#include "task.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "calendar.h"
#include "changes.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "festival.h"
#include "queues.h"
#include "routine.h"
#include "handlers.h"
#include "policy.h"
#include "scope.h"
#include "stats.h"
#include "store_schema.h"
#include "user.h"

#define DUE_DEFAULT_LIMIT 200
#define DUE_MAX_LIMIT     1000

/* ---------------------------------------------------- record API */

static int64_t end_of_today(int64_t now);

static crm_status
load(struct req_ctx *ctx, uint64_t id, Crm__V1__Task **t)
{
	return dispatch_record(ctx, DB_TASKS, id, &crm__v1__task__descriptor,
	    (ProtobufCMessage **)t);
}

static crm_status
load_customer(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	return dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)c);
}

crm_status
task_get(struct req_ctx *ctx, uint64_t id, Crm__V1__Task **t)
{
	crm_status rc = load(ctx, id, t);
	if (rc == CRM_OK && (*t)->owner_id != ctx->who->user_id) {
		Crm__V1__Customer *c;
		rc = load_customer(ctx, (*t)->customer_id, &c);
		if (rc == CRM_OK &&
		    !auth_can_see(ctx->who, c->owner_id, c->team_id)) {
			rc = CRM_NOT_FOUND;
		}
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, rc, "no task %" PRIu64, id);
	}
	return rc;
}

/* The customer's name, grade and stage on t. */
static void
fill_customer(struct req_ctx *ctx, Crm__V1__Task *t)
{
	Crm__V1__Customer *c;
	if (load_customer(ctx, t->customer_id, &c) == CRM_OK) {
		t->customer = c->name;
		t->has_grade = c->has_grade;
		t->grade = c->grade;
		t->has_stage = c->has_stage;
		t->stage = c->stage;
	}
}

void
task_fill(struct req_ctx *ctx, Crm__V1__Task *t)
{
	t->owner = (char *)user_login_of(ctx, t->owner_id);
	fill_customer(ctx, t);
}

static int
is_open(const Crm__V1__Task *t)
{
	return t != NULL && t->status == CRM__V1__TASK_STATUS__TASK_OPEN;
}

static int
is_open_followup(const Crm__V1__Task *t)
{
	return is_open(t) && t->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP;
}

/* A time as the history shows it. Borrowed from ctx->arena. */
static const char *
when(struct req_ctx *ctx, int64_t at)
{
	char *buf = crm_arena_alloc(ctx->arena, 32);
	if (buf == NULL) {
		return "?";
	}
	crm_time_format(at, buf, 32);
	return buf;
}

crm_status
task_due_check(struct req_ctx *ctx, int64_t due, const char *what)
{
	if (due < ctx->now - TASK_DUE_GRACE) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "%s %s is in the past (now %s): a plan is due from now on",
		    what, when(ctx, due), when(ctx, ctx->now));
	}
	if (due > ctx->now + TASK_DUE_AHEAD) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "%s %s is more than 10 years ahead: plan nearer", what,
		    when(ctx, due));
	}
	return CRM_OK;
}

int
task_user_sees(
    struct req_ctx *ctx, uint64_t user_id, const Crm__V1__Customer *c)
{
	Crm__Store__UserRecord *u;
	if (user_id == 0 || user_get(ctx, user_id, &u) != CRM_OK ||
	    !u->active) {
		return 0;
	}
	struct auth_who w = {
		.user_id = u->id, .role = u->role, .team_id = u->team_id
	};
	return auth_can_see(&w, c->owner_id, c->team_id);
}

crm_status
task_put(
    struct req_ctx *ctx, const Crm__V1__Task *before, Crm__V1__Task *after)
{
	crm_status rc = CRM_OK;
	store_key k;
	/* Display fields are never stored. */
	after->customer = after->owner = NULL;
	after->has_grade = after->has_stage = 0;
	store_key ok, nk;
	rc = store_reindex(ctx->st, ctx->txn, DB_TASK_OPEN,
	    before ? store_key_queue(&ok, is_open(before), before->owner_id,
	                 before->due_at, before->id)
	           : NULL,
	    store_key_queue(&nk, is_open(after), after->owner_id,
	        after->due_at, after->id));
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(ctx->st, ctx->txn, DB_TASK_CUST,
		    after->customer_id, after->id);
	}
	/* One open follow-up per customer, also when one moves to another
	 * customer (a merge). */
	int moved =
	    before != NULL && before->customer_id != after->customer_id;
	if (rc == CRM_OK && is_open_followup(before) &&
	    (moved || !is_open_followup(after))) {
		store_key_id(&k, before->customer_id);
		rc = store_del(ctx->st, ctx->txn, DB_CUST_FUTASK, &k);
	}
	if (rc == CRM_OK && is_open_followup(after) &&
	    (moved || !is_open_followup(before))) {
		store_key_id(&k, after->customer_id);
		store_key ik;
		store_key_id(&ik, after->id);
		MDB_val key = { k.len, k.b }, v = { 8, ik.b };
		rc = store_map_lmdb(
		    mdb_put(
		        ctx->txn, ctx->st->dbi[DB_CUST_FUTASK], &key, &v, 0),
		    "cust_futask");
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (rc == CRM_OK) {
		rc = stats_on_task(ctx, before, after);
	}
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_TASK,
		    (const ProtobufCMessage *)before, &after->base);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	store_key_id(&k, after->id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_TASKS, &k, &after->base);
	if (rc == CRM_OK) {
		rc = changes_record(
		    ctx, CRM__V1__CHANGE_KIND__CHANGE_TASK, after->id);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "task", after->id,
		    before ? &before->base : NULL, &after->base);
	}
	return rc;
}

/* Whether customer id has an open task of kind (with goal, if given)
 * other than except. */
static int
has_open(struct req_ctx *ctx, uint64_t customer_id, int kind, const char *goal,
    uint64_t except)
{
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_TASK_CUST, customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__Task *t;
		if (id != except && load(ctx, id, &t) == CRM_OK &&
		    is_open(t) && (int)t->kind == kind &&
		    (goal == NULL ||
		        (t->goal != NULL && strcmp(t->goal, goal) == 0))) {
			return 1;
		}
	}
	return 0;
}

static crm_status close_task(
    struct req_ctx *ctx, uint64_t id, int status, const char *why);

/* Of two open next follow-ups of one customer after a merge, whether
 * a (the dropped customer's) wins over k (the kept one's): a person's
 * explicit next action over one the cadence made; of two a person set,
 * the earlier. */
static int
followup_wins(const Crm__V1__Task *a, const Crm__V1__Task *k)
{
	int ap = a->origin != CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE;
	int kp = k->origin != CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE;
	if (ap != kp) {
		return ap;
	}
	return ap && a->due_at < k->due_at;
}

static const char *
origin_word(const Crm__V1__Task *t)
{
	return t->origin == CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE
	           ? "made by the cadence"
	           : "set by a person";
}

crm_status
task_move_customer(struct req_ctx *ctx, uint64_t id, uint64_t to)
{
	Crm__V1__Task *before, *t, *kept = NULL;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &t);
	}
	if (rc == CRM_OK && is_open_followup(before)) {
		rc = task_followup_open(ctx, to, &kept);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	const char *dropped = customer_name_of(ctx, before->customer_id);
	/* The kept customer has its own next follow-up, re-grade review
	 * and greetings: one of each. Of two next follow-ups, a person's
	 * wins over the cadence's, and of two a person set, the earlier. */
	int wins = kept != NULL && followup_wins(before, kept);
	int dup =
	    (is_open_followup(t) && kept != NULL && !wins) ||
	    (is_open(t) && t->kind == CRM__V1__TASK_KIND__TASK_REGRADE &&
	        has_open(ctx, to, (int)t->kind, NULL, id)) ||
	    (is_open(t) && t->kind == CRM__V1__TASK_KIND__TASK_GREETING &&
	        has_open(ctx, to, (int)t->kind, t->goal, id));
	if (wins) {
		char why[256];
		snprintf(why, sizeof(why),
		    "customers merged: merged customer %s's next follow-up "
		    "%" PRIu64 " (%s, due %s) wins over this one (%s)%s",
		    dropped, id, origin_word(before),
		    when(ctx, before->due_at), origin_word(kept),
		    kept->origin != CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE
		        ? ": both set by a person, the earlier is kept"
		        : ": a person's next action wins over the cadence's");
		rc = close_task(ctx, kept->id,
		    CRM__V1__TASK_STATUS__TASK_CANCELLED,
		    crm_arena_strdup(ctx->arena, why));
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (dup) {
		t->status = CRM__V1__TASK_STATUS__TASK_CANCELLED;
		t->has_done_at = 1;
		t->done_at = ctx->now;
	}
	t->customer_id = to;
	rc = task_put(ctx, before, t);
	if (rc == CRM_OK) {
		rc = store_index_del(
		    ctx->st, ctx->txn, DB_TASK_CUST, before->customer_id, id);
	}
	if (rc == CRM_OK) {
		rc = store_index_add(ctx->st, ctx->txn, DB_TASK_CUST, to, id);
	}
	if (rc == CRM_OK && dup && is_open_followup(before)) {
		rc = event_add(ctx, to, id,
		    kept->origin != CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE &&
		            before->origin !=
		                CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE
		        ? "customers merged: both set by a person, the "
		          "earlier is kept"
		        : "customers merged: the kept customer has its own",
		    "next follow-up %" PRIu64 " of merged customer %s (%s, "
		    "due %s) cancelled; next follow-up %" PRIu64
		    " (%s, due %s) kept",
		    id, dropped, origin_word(before),
		    when(ctx, before->due_at), kept->id, origin_word(kept),
		    when(ctx, kept->due_at));
	} else if (rc == CRM_OK && dup) {
		rc = event_add(ctx, to, id,
		    "customers merged: the kept customer has its own",
		    "%s %" PRIu64 " of merged customer %s cancelled",
		    crm_task_kind_word((int)t->kind), id, dropped);
	} else if (rc == CRM_OK && is_open(t)) {
		rc = event_add(ctx, to, id, "customers merged",
		    "%s %" PRIu64 " moved here from merged customer %s",
		    crm_task_kind_word((int)t->kind), id, dropped);
	}
	return rc;
}

crm_status
task_create(struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t owner_id,
    int kind, int origin, int64_t due, const char *goal, const char *channel,
    Crm__V1__Task **out)
{
	return task_create_planned(
	    ctx, c, owner_id, kind, origin, due, goal, channel, NULL, out);
}

/* Keep on t what it was planned from and by which request. */
static void
set_plan(struct req_ctx *ctx, Crm__V1__Task *t, int64_t from, uint64_t fu)
{
	t->has_plan_from_at = 1;
	t->plan_from_at = from;
	t->has_plan_followup_id = fu != 0;
	t->plan_followup_id = fu;
	t->plan_by = (char *)(ctx->action ? ctx->action : "the server");
}

crm_status
task_create_planned(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t owner_id, int kind, int origin, int64_t due, const char *goal,
    const char *channel, const struct task_plan *plan, Crm__V1__Task **out)
{
	Crm__V1__Task *t = crm_arena_alloc(ctx->arena, sizeof(*t));
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__task__init(t);
	crm_status rc = store_next_id(ctx->st, ctx->txn, "task", &t->id);
	if (rc != CRM_OK) {
		return rc;
	}
	t->has_id = t->has_customer_id = t->has_owner_id = t->has_due_at = 1;
	t->has_kind = t->has_status = t->has_origin = t->has_created_at = 1;
	t->has_created_by = 1;
	t->customer_id = c->id;
	t->owner_id = owner_id;
	t->due_at = due;
	t->kind = (Crm__V1__TaskKind)kind;
	t->status = CRM__V1__TASK_STATUS__TASK_OPEN;
	t->origin = (Crm__V1__TaskOrigin)origin;
	t->goal = (char *)goal;
	t->suggested_channels = (char *)channel;
	t->created_at = ctx->now;
	t->created_by = ctx->who ? ctx->who->user_id : 0;
	set_plan(ctx, t, plan ? plan->from : ctx->now,
	    plan ? plan->followup_id : 0);
	rc = task_put(ctx, NULL, t);
	if (rc == CRM_OK && out != NULL) {
		*out = t;
	}
	return rc;
}

crm_status
task_followup_open(
    struct req_ctx *ctx, uint64_t customer_id, Crm__V1__Task **t)
{
	store_key k;
	uint64_t id;
	*t = NULL;
	store_key_id(&k, customer_id);
	crm_status rc =
	    store_get_ref(ctx->st, ctx->txn, DB_CUST_FUTASK, &k, &id);
	if (rc == CRM_NOT_FOUND) {
		return CRM_OK;
	}
	return rc != CRM_OK ? rc : load(ctx, id, t);
}

/* Close open task id with status, saying why in the history. */
static crm_status
close_task(struct req_ctx *ctx, uint64_t id, int status, const char *why)
{
	Crm__V1__Task *before, *t;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &t);
	}
	if (rc != CRM_OK || !is_open(before)) {
		return rc;
	}
	t->status = (Crm__V1__TaskStatus)status;
	t->has_done_at = 1;
	t->done_at = ctx->now;
	rc = task_put(ctx, before, t);
	if (rc == CRM_OK && why != NULL) {
		rc = event_add(ctx, t->customer_id, id, why,
		    "%s %" PRIu64 " %s", crm_task_kind_word((int)t->kind), id,
		    crm_enum_name(&crm__v1__task_status__descriptor, status));
	}
	return rc;
}

crm_status
task_cancel_open(struct req_ctx *ctx, uint64_t customer_id, const char *why)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_TASK_CUST,
	                        customer_id, id, &id) == CRM_OK) {
		/* Peek, and keep nothing of a closed one. */
		Crm__V1__Task *before;
		size_t mark = crm_arena_mark(ctx->arena);
		rc = dispatch_list_record(ctx, DB_TASKS, id,
		    &crm__v1__task__descriptor, (ProtobufCMessage **)&before);
		int open = rc == CRM_OK && is_open(before);
		crm_arena_release(ctx->arena, mark);
		if (open) {
			rc = close_task(ctx, id,
			    CRM__V1__TASK_STATUS__TASK_CANCELLED, why);
		}
	}
	return rc;
}

/* Seconds as the policy shows an interval: "7d" or "4h" into buf. */
static const char *
interval_word(int64_t every, char *buf, size_t len)
{
	snprintf(buf, len, "%lld%s",
	    (long long)(every % 86400 ? every / 3600 : every / 86400),
	    every % 86400 ? "h" : "d");
	return buf;
}

crm_status
task_cadence_plan(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__Customer *c, int64_t from, int64_t not_before,
    struct why_note *w, int64_t *due)
{
	const Crm__V1__CadenceCell *gp =
	    policy_cell(p, (int)c->stage, (int)c->grade);
	int64_t at = from + gp->every_seconds;
	if (not_before != 0 && at < not_before) {
		at = not_before;
	}
	if (w != NULL) {
		const char *grade =
		    crm_enum_name(&crm__v1__grade__descriptor, gp->grade);
		char every[32];
		snprintf(w->rule, sizeof(w->rule),
		    "cadence: stage %s x grade %s, every %s from the last "
		    "contact%s",
		    crm_enum_name(&crm__v1__stage__descriptor, gp->stage),
		    grade[0] ? grade : "-",
		    interval_word(gp->every_seconds, every, sizeof(every)),
		    policy_cadence_working_days(p)
		        ? ", on a working day (policy working-days on)"
		        : " (policy working-days off: any day)");
		w->rule_at = at;
	}
	return calendar_cadence_due_why(ctx, p, at, w ? &w->cal : NULL, due);
}

/* The follow-up a plan counts from: fu, else the customer's follow-up at
 * exactly from (0: none, e.g. a customer just added). */
static uint64_t
plan_followup(
    struct req_ctx *ctx, uint64_t customer, int64_t from, uint64_t fu)
{
	uint64_t id = 0;
	if (fu != 0) {
		return fu;
	}
	return history_followup_at(ctx, customer, from, &id) == CRM_OK ? id
	                                                               : 0;
}

crm_status
task_followup_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t from, int reschedule)
{
	return task_followup_sync_fu(ctx, c, from, 0, reschedule);
}

crm_status
task_followup_sync_fu(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t from, uint64_t fu_id, int reschedule)
{
	Crm__V1__Task *cur, *before;
	crm_status rc = task_followup_open(ctx, c->id, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	int active = c->stage != CRM__V1__STAGE__STAGE_LOST;
	if (!active) {
		/* A lost customer is followed no more: every open task of
		 * it ends. */
		rc = routine_sync_customer(ctx, c);
		return rc != CRM_OK ? rc
		                    : task_cancel_open(
		                          ctx, c->id, "the customer is lost");
	}
	if (c->owner_id == 0) {
		/* In the team pool (pool.h): nobody follows it until it is
		 * claimed or given (its team routines let go of it). */
		rc = routine_sync_customer(ctx, c);
		return rc != CRM_OK ? rc
		                    : task_cancel_open(ctx, c->id,
		                          "the customer is in the pool");
	}
	Crm__V1__Policy *p;
	rc = policy_load(ctx, &p);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__CadenceCell *gp =
	    policy_cell(p, (int)c->stage, (int)c->grade);
	/* A touch plans routines. Festival greetings follow a stage or
	 * grade change instead (task_festival_resync): their scan of the
	 * customer's tasks is too dear for every follow-up. */
	rc = routine_sync_customer(ctx, c);
	if (rc != CRM_OK) {
		return rc;
	}
	int64_t due = from + gp->every_seconds, cadence_due = due;
	if (cur == NULL) {
		/* Off non-working days, per policy (calendar.h). */
		Crm__V1__Task *t;
		struct task_plan plan = { from,
			plan_followup(ctx, c->id, from, fu_id) };
		rc = task_cadence_plan(ctx, p, c, from, 0, NULL, &due);
		if (rc == CRM_OK) {
			rc = task_create_planned(ctx, c, c->owner_id,
			    CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
			    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, due,
			    gp->goal, policy_cell_channels(ctx, gp), &plan,
			    &t);
		}
		if (rc == CRM_OK && due != cadence_due) {
			rc = event_add(ctx, c->id, t->id,
			    "the cadence's day is not a working day (the "
			    "calendar; policy working-days)",
			    "next follow-up %" PRIu64 " due %s, on the next "
			    "working day after %s",
			    t->id, when(ctx, due), when(ctx, cadence_due));
		}
		return rc;
	}
	/* Only a next follow-up the cadence made follows the grade; a
	 * person's (log --next, task move, task cancel --next) is kept.
	 * Never into the past: the earliest is now; then off non-working
	 * days, per policy. */
	int cadence = cur->origin == CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE;
	if (due < ctx->now) {
		cadence_due = ctx->now;
	}
	rc = task_cadence_plan(ctx, p, c, from, ctx->now, NULL, &due);
	if (rc != CRM_OK) {
		return rc;
	}
	const char *grade =
	    crm_enum_name(&crm__v1__grade__descriptor, gp->grade);
	const char *stage =
	    crm_enum_name(&crm__v1__stage__descriptor, gp->stage);
	char why[200];
	int64_t every = gp->every_seconds;
	snprintf(why, sizeof(why),
	    "stage %s, grade %s: every %lld %s from the last contact%s", stage,
	    grade[0] ? grade : "-",
	    (long long)(every % 86400 ? every / 3600 : every / 86400),
	    every % 86400 ? "h" : "d",
	    due != cadence_due ? ", on the next working day" : "");
	int move = reschedule && cadence && cur->due_at != due;
	int give = !task_user_sees(ctx, cur->owner_id, c);
	/* What it counts from is kept with it (customer why). */
	int replan = reschedule && cadence &&
	             (!cur->has_plan_from_at || cur->plan_from_at != from);
	if (reschedule && !cadence && cur->due_at != due) {
		rc = event_add(ctx, c->id, cur->id,
		    "a person set it: only a next follow-up the cadence made "
		    "moves with the grade",
		    "next follow-up %" PRIu64 " kept at %s (the cadence, %s, "
		    "would say %s)",
		    cur->id, when(ctx, cur->due_at), why, when(ctx, due));
	}
	if (rc != CRM_OK || (!move && !give && !replan)) {
		return rc;
	}
	rc = load(ctx, cur->id, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	if (give) {
		cur->owner_id = c->owner_id;
		rc = event_add(ctx, c->id, cur->id,
		    "its owner may not see the customer",
		    "next follow-up %" PRIu64 " given to %s", cur->id,
		    user_login_of(ctx, c->owner_id));
	}
	if (rc == CRM_OK && move) {
		rc = event_add(ctx, c->id, cur->id, why,
		    "next follow-up %" PRIu64 " moved from %s to %s", cur->id,
		    when(ctx, cur->due_at), when(ctx, due));
		cur->due_at = due;
		cur->goal = gp->goal;
		cur->suggested_channels = policy_cell_channels(ctx, gp);
	}
	if (move || replan) {
		set_plan(
		    ctx, cur, from, plan_followup(ctx, c->id, from, fu_id));
	}
	return rc == CRM_OK ? task_put(ctx, before, cur) : rc;
}

crm_status
task_followup_done(struct req_ctx *ctx, uint64_t customer_id, uint64_t fu_id,
    uint64_t *task_id)
{
	Crm__V1__Task *cur, *before;
	*task_id = 0;
	crm_status rc = task_followup_open(ctx, customer_id, &cur);
	if (rc != CRM_OK || cur == NULL) {
		return rc;
	}
	rc = load(ctx, cur->id, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	cur->status = CRM__V1__TASK_STATUS__TASK_DONE;
	cur->has_done_at = 1;
	cur->done_at = ctx->now;
	if (fu_id != 0) {
		cur->has_done_by = 1;
		cur->done_by = fu_id;
	}
	*task_id = cur->id;
	return task_put(ctx, before, cur);
}

#define REGRADE_HOUR  17 /* the review is due by the day's end */
#define GREETING_HOUR 9

/* The next MM-DD (or YYYY-MM-DD: its month and day) whose day has not
 * ended by now, at 09:00 local time (or now, when that is today and
 * 09:00 has passed: a birthday entered on the day is greeted that day);
 * 0 when day is not a date. */
static int64_t
next_occurrence(int64_t now, const char *day)
{
	if (day == NULL || !crm_time_valid_day(day)) {
		return 0;
	}
	const char *md = strlen(day) == 10 ? day + 5 : day;
	int m = atoi(md), d = atoi(md + 3);
	time_t v = (time_t)now;
	struct tm tm;
	localtime_r(&v, &tm);
	for (int year = tm.tm_year; year <= tm.tm_year + 8; year++) {
		struct tm t = { 0 };
		t.tm_year = year;
		t.tm_mon = m - 1;
		t.tm_mday = d;
		t.tm_hour = GREETING_HOUR;
		t.tm_isdst = -1;
		time_t at = mktime(&t);
		struct tm e = t;
		e.tm_hour = 23;
		e.tm_min = e.tm_sec = 59;
		e.tm_isdst = -1;
		time_t end = mktime(&e);
		if (t.tm_mon == m - 1 && (int64_t)end > now) {
			/* 02-29 waits for a leap year */
			return (int64_t)at > now ? (int64_t)at : now;
		}
	}
	return 0;
}

int64_t
task_greeting_plan(int64_t after, const char *day, struct why_note *w)
{
	int64_t at = next_occurrence(after, day);
	if (w != NULL) {
		snprintf(w->rule, sizeof(w->rule),
		    "greeting: %02d:00 on the day (%s), every year (seed 001: "
		    "节日问候 (如生日))",
		    GREETING_HOUR, day ? day : "");
		w->rule_at = at;
	}
	return at;
}

int
task_festival_plan(
    int64_t after, struct why_note *w, int64_t *at, const char **name)
{
	int yes = festival_next(after, GREETING_HOUR, at, name);
	if (w != NULL && yes) {
		snprintf(w->rule, sizeof(w->rule),
		    "festival greeting: %s, %02d:00 on its day, while the "
		    "stage x grade cell asks greetings (seed 000: 节日问候)",
		    *name, GREETING_HOUR);
		w->rule_at = *at;
	}
	return yes;
}

/* A greeting task on the next day (after `after`), unless one is open. */
static crm_status
greeting(struct req_ctx *ctx, const Crm__V1__Customer *c, const char *day,
    const char *goal, int64_t after)
{
	int64_t at = task_greeting_plan(after, day, NULL);
	if (at == 0 ||
	    has_open(ctx, c->id, CRM__V1__TASK_KIND__TASK_GREETING, goal, 0)) {
		return CRM_OK;
	}
	struct task_plan plan = { after, 0 };
	return task_create_planned(ctx, c, c->owner_id,
	    CRM__V1__TASK_KIND__TASK_GREETING,
	    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at, goal, NULL, &plan, NULL);
}

#define GOAL_BIRTHDAY    TASK_GOAL_BIRTHDAY
#define GOAL_ANNIVERSARY TASK_GOAL_ANNIVERSARY
#define GOAL_REGRADE     "月度等级复评 (monthly grade review)"

/*
 * The month-end review after `after` (seed 002: 每月末根据客户进展重新评估
 * 分级): REGRADE_HOUR on the last working day (calendar.h) of the first
 * month where that is later than after.
 */
static int64_t end_of_month(int64_t t);

crm_status
task_regrade_plan(
    struct req_ctx *ctx, int64_t after, struct why_note *w, int64_t *due)
{
	time_t v = (time_t)after;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	for (int i = 0; i < 3; i++) {
		tm.tm_isdst = -1;
		int64_t month = (int64_t)mktime(&tm);
		if (w != NULL) {
			/* This month's walk only. */
			w->cal.n = 0;
			w->cal.more = 0;
		}
		crm_status rc = calendar_last_working_day_why(
		    ctx, month, REGRADE_HOUR, w ? &w->cal : NULL, due);
		if (rc != CRM_OK || *due > after) {
			if (rc == CRM_OK && w != NULL) {
				snprintf(w->rule, sizeof(w->rule),
				    "monthly grade review: %d:00 on the last "
				    "working day of the month (seed 002: "
				    "每月末根据客户进展重新评估分级)",
				    REGRADE_HOUR);
				w->rule_at = end_of_month(month) + 1 -
				             (24 - REGRADE_HOUR) * 3600;
			}
			return rc;
		}
		tm.tm_mon++; /* mktime carries it into the next year */
	}
	return dispatch_fail(
	    ctx, CRM_INTERNAL, "no month-end after %s", when(ctx, after));
}

/* The last second of the local month that holds t: a re-grade review
 * covers its month, wherever in it the task was moved. */
static int64_t
end_of_month(int64_t t)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_mday = 1;
	tm.tm_mon++; /* mktime carries it into the next year */
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) - 1;
}

/* The month-end re-grade review after `after`, unless one is open: one
 * per customer; *out (may be NULL) gets the new one, else NULL. */
static crm_status
regrade(struct req_ctx *ctx, const Crm__V1__Customer *c, int64_t after,
    Crm__V1__Task **out)
{
	if (out != NULL) {
		*out = NULL;
	}
	if (has_open(ctx, c->id, CRM__V1__TASK_KIND__TASK_REGRADE, NULL, 0)) {
		return CRM_OK;
	}
	int64_t due;
	struct task_plan plan = { after, 0 };
	crm_status rc = task_regrade_plan(ctx, after, NULL, &due);
	return rc != CRM_OK ? rc
	                    : task_create_planned(ctx, c, c->owner_id,
	                          CRM__V1__TASK_KIND__TASK_REGRADE,
	                          CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, due,
	                          GOAL_REGRADE, NULL, &plan, out);
}

static crm_status contact_greeting(struct req_ctx *ctx,
    const Crm__V1__Customer *c, const Crm__V1__Contact *k, int64_t after);

crm_status
task_extras_start(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	/* A customer graded today is not reviewed today: its first
	 * review is a later month-end. */
	crm_status rc = regrade(ctx, c, end_of_today(ctx->now), NULL);
	if (rc == CRM_OK) {
		rc = task_festival_resync(ctx, c);
	}
	if (rc == CRM_OK) {
		rc = greeting(ctx, c, c->birthday, GOAL_BIRTHDAY, ctx->now);
	}
	if (rc == CRM_OK) {
		rc = greeting(
		    ctx, c, c->anniversary, GOAL_ANNIVERSARY, ctx->now);
	}
	/* Its contacts' birthdays (a customer back from lost). */
	uint64_t kid = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                        DB_CONTACT_CUST, c->id, kid, &kid) == CRM_OK) {
		Crm__V1__Contact *k;
		rc = dispatch_record(ctx, DB_CONTACTS, kid,
		    &crm__v1__contact__descriptor, (ProtobufCMessage **)&k);
		if (rc == CRM_OK && k->birthday != NULL && *k->birthday) {
			rc = contact_greeting(ctx, c, k, ctx->now);
		}
	}
	return rc;
}

crm_status
task_festival_resync(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if (c->stage == CRM__V1__STAGE__STAGE_LOST) {
		return CRM_OK;
	}
	Crm__V1__Policy *p;
	crm_status rc = policy_load(ctx, &p);
	return rc == CRM_OK ? task_festival_sync(ctx, c,
	                          policy_cell(p, (int)c->stage, (int)c->grade))
	                    : rc;
}

crm_status
task_set_ref(struct req_ctx *ctx, uint64_t id, uint64_t ref)
{
	Crm__V1__Task *before, *t;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &t);
	}
	if (rc == CRM_OK) {
		t->has_ref_id = 1;
		t->ref_id = ref;
		rc = task_put(ctx, before, t);
	}
	return rc;
}

crm_status
task_cancel_ref(struct req_ctx *ctx, uint64_t customer_id, int kind,
    uint64_t ref, int64_t after, const char *why)
{
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_TASK_CUST,
	                        customer_id, id, &id) == CRM_OK) {
		Crm__V1__Task *t;
		size_t mark = crm_arena_mark(ctx->arena);
		int hit = load(ctx, id, &t) == CRM_OK && is_open(t) &&
		          (int)t->kind == kind && t->has_ref_id &&
		          t->ref_id == ref && t->due_at > after;
		crm_arena_release(ctx->arena, mark);
		if (hit) {
			rc = close_task(ctx, id,
			    CRM__V1__TASK_STATUS__TASK_CANCELLED, why);
		}
	}
	return rc;
}

/* Which greetings an open greeting task t is one of. */
enum greet_match { GREET_GOAL, GREET_FESTIVAL, GREET_CONTACT };

/* The id of c's open greeting task matching (goal, or any festival, or
 * contact id ref), 0 when none. */
static uint64_t
open_greeting(struct req_ctx *ctx, uint64_t customer_id, int how,
    const char *goal, uint64_t ref)
{
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_TASK_CUST, customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__Task *t;
		size_t mark = crm_arena_mark(ctx->arena);
		int hit =
		    load(ctx, id, &t) == CRM_OK && is_open(t) &&
		    t->kind == CRM__V1__TASK_KIND__TASK_GREETING &&
		    (how == GREET_FESTIVAL ? festival_of_goal(t->goal) != NULL
		        : how == GREET_CONTACT
		            ? t->has_ref_id && t->ref_id == ref
		            : !t->has_ref_id && t->goal != NULL &&
		                  strcmp(t->goal, goal) == 0);
		crm_arena_release(ctx->arena, mark);
		if (hit) {
			return id;
		}
	}
	return 0;
}

crm_status
task_festival_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__CadenceCell *cell)
{
	uint64_t open = open_greeting(ctx, c->id, GREET_FESTIVAL, NULL, 0);
	if (!cell->greetings) {
		return open == 0 ? CRM_OK
		                 : close_task(ctx, open,
		                       CRM__V1__TASK_STATUS__TASK_CANCELLED,
		                       "its stage and grade ask no festival "
		                       "greetings (policy show)");
	}
	int64_t at;
	const char *name;
	if (open != 0 || !task_festival_plan(ctx->now, NULL, &at, &name)) {
		return CRM_OK;
	}
	struct task_plan plan = { ctx->now, 0 };
	return task_create_planned(ctx, c, c->owner_id,
	    CRM__V1__TASK_KIND__TASK_GREETING,
	    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at, festival_goal(name),
	    NULL, &plan, NULL);
}

/* Goal of a contact's birthday greeting. */
static const char *
contact_goal(struct req_ctx *ctx, const Crm__V1__Contact *k)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "生日问候 %s (contact's birthday)",
	    k->name ? k->name : "");
	return crm_arena_strdup(ctx->arena, buf);
}

/* The greeting of contact k on its next birthday after `after`, unless
 * one is open; its customer's owner greets (seed 001: 节日问候 (如生日)). */
static crm_status
contact_greeting(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Contact *k, int64_t after)
{
	int64_t at = task_greeting_plan(after, k->birthday, NULL);
	if (at == 0 || k->left ||
	    open_greeting(ctx, c->id, GREET_CONTACT, NULL, k->id) != 0) {
		return CRM_OK;
	}
	Crm__V1__Task *t;
	struct task_plan plan = { after, 0 };
	crm_status rc = task_create_planned(ctx, c, c->owner_id,
	    CRM__V1__TASK_KIND__TASK_GREETING,
	    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at, contact_goal(ctx, k),
	    NULL, &plan, &t);
	if (rc != CRM_OK) {
		return rc;
	}
	return task_set_ref(ctx, t->id, k->id);
}

crm_status
task_contact_greeting(struct req_ctx *ctx, const Crm__V1__Contact *k)
{
	Crm__V1__Customer *c;
	crm_status rc = load_customer(ctx, k->customer_id, &c);
	if (rc != CRM_OK) {
		return rc == CRM_NOT_FOUND ? CRM_OK : rc;
	}
	uint64_t open = open_greeting(ctx, c->id, GREET_CONTACT, NULL, k->id);
	if (open != 0) {
		rc =
		    close_task(ctx, open, CRM__V1__TASK_STATUS__TASK_CANCELLED,
		        k->left ? "the contact left"
		                : "the contact's birthday changed");
	}
	if (rc == CRM_OK && c->stage != CRM__V1__STAGE__STAGE_LOST) {
		rc = contact_greeting(ctx, c, k, ctx->now);
	}
	return rc;
}

crm_status
task_greetings_changed(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *c)
{
	static const char *const goals[2] = { GOAL_BIRTHDAY,
		GOAL_ANNIVERSARY };
	const char *was[2] = { before->birthday, before->anniversary };
	const char *now[2] = { c->birthday, c->anniversary };
	crm_status rc = CRM_OK;
	for (int i = 0; rc == CRM_OK && i < 2; i++) {
		if (strcmp(was[i] ? was[i] : "", now[i] ? now[i] : "") == 0) {
			continue;
		}
		uint64_t open =
		    open_greeting(ctx, c->id, GREET_GOAL, goals[i], 0);
		if (open != 0) {
			rc = close_task(ctx, open,
			    CRM__V1__TASK_STATUS__TASK_CANCELLED,
			    i == 0 ? "the birthday changed"
			           : "the anniversary changed");
		}
		if (rc == CRM_OK && c->stage != CRM__V1__STAGE__STAGE_LOST) {
			rc = greeting(ctx, c, now[i], goals[i], ctx->now);
		}
	}
	return rc;
}

/* After a re-grade or greeting task is done, the next one. */
static crm_status
recur(struct req_ctx *ctx, const Crm__V1__Task *t)
{
	Crm__V1__Customer *c;
	crm_status rc = load_customer(ctx, t->customer_id, &c);
	if (rc != CRM_OK || c->stage == CRM__V1__STAGE__STAGE_LOST) {
		return rc == CRM_NOT_FOUND ? CRM_OK : rc;
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_REGRADE) {
		/* One review is always open: say that a new one came. */
		/* The next is the following month's (or this month's, for
		 * an overdue review of an earlier month): never a second one
		 * for the month the closed review covered. */
		Crm__V1__Task *n;
		int64_t covered = end_of_month(t->due_at);
		rc = regrade(
		    ctx, c, covered > ctx->now ? covered : ctx->now, &n);
		if (rc == CRM_OK && n != NULL) {
			rc = event_add(ctx, c->id, n->id,
			    "a customer has one month-end grade review open, "
			    "on the month's last working day (seed 002: "
			    "每月末根据客户进展重新评估分级)",
			    "re-grade %" PRIu64 " %s; a new one, %" PRIu64
			    ", is due %s",
			    t->id,
			    t->status == CRM__V1__TASK_STATUS__TASK_CANCELLED
			        ? "cancelled"
			        : "done",
			    n->id, when(ctx, n->due_at));
		}
		return rc;
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_ROUTINE) {
		return routine_sync_customer(ctx, c);
	}
	int64_t after = t->due_at > ctx->now ? t->due_at : ctx->now;
	/* A birthday's next greeting is after this one's day: never the
	 * same day again. */
	int64_t day_after = end_of_today(after);
	if (t->kind == CRM__V1__TASK_KIND__TASK_GREETING && t->has_ref_id) {
		/* A contact's birthday: the next one, if still there. */
		Crm__V1__Contact *k;
		store_key kk;
		store_key_id(&kk, t->ref_id);
		rc = store_get_msg(ctx->st, ctx->txn, DB_CONTACTS, &kk,
		    &crm__v1__contact__descriptor, &ctx->arena->allocator,
		    (ProtobufCMessage **)&k);
		if (rc == CRM_NOT_FOUND) {
			return CRM_OK;
		}
		return rc == CRM_OK ? contact_greeting(ctx, c, k, day_after)
		                    : rc;
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_GREETING &&
	    festival_of_goal(t->goal) != NULL) {
		/* The next festival after this one, if the cell still asks. */
		Crm__V1__Policy *p;
		int64_t at;
		const char *name;
		rc = policy_load(ctx, &p);
		if (rc != CRM_OK ||
		    !policy_cell(p, (int)c->stage, (int)c->grade)->greetings ||
		    open_greeting(ctx, c->id, GREET_FESTIVAL, NULL, 0) != 0 ||
		    !task_festival_plan(after, NULL, &at, &name)) {
			return rc;
		}
		struct task_plan plan = { after, 0 };
		return task_create_planned(ctx, c, c->owner_id,
		    CRM__V1__TASK_KIND__TASK_GREETING,
		    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at,
		    festival_goal(name), NULL, &plan, NULL);
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_GREETING && t->goal != NULL) {
		/* The next one after this one's day, even when closed
		 * early. */
		int bday = strcmp(t->goal, GOAL_BIRTHDAY) == 0;
		return greeting(ctx, c, bday ? c->birthday : c->anniversary,
		    t->goal, day_after);
	}
	return CRM_OK;
}

crm_status
task_reown(struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t from)
{
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	const char *to = user_login_of(ctx, c->owner_id);
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                           DB_TASK_CUST, c->id, id, &id) == CRM_OK) {
		Crm__V1__Task *before, *t;
		size_t mark = crm_arena_mark(ctx->arena);
		rc = dispatch_list_record(ctx, DB_TASKS, id,
		    &crm__v1__task__descriptor, (ProtobufCMessage **)&before);
		if (rc != CRM_OK) {
			break;
		}
		int old = from != 0 && before->owner_id == from;
		if (!is_open(before) || before->owner_id == c->owner_id ||
		    (!old && task_user_sees(ctx, before->owner_id, c))) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		rc = load(ctx, id, &t);
		if (rc == CRM_OK) {
			/* Due already: the reports keep counting it for
			 * whoever held it then (stats_holder). */
			if (t->due_at < ctx->now) {
				t->has_report_owner_id =
				    t->has_report_until_at = 1;
				t->report_owner_id = stats_holder(t->owner_id,
				    t->report_owner_id, t->report_until_at,
				    t->due_at);
				t->report_until_at = ctx->now;
			}
			t->owner_id = c->owner_id;
			rc = task_put(ctx, before, t);
		}
		if (rc == CRM_OK) {
			rc = event_add(ctx, c->id, id,
			    old ? "the customer was given to a new owner"
			        : "its owner may not see the customer",
			    "%s %" PRIu64 " given from %s to %s",
			    crm_task_kind_word((int)t->kind), id,
			    user_login_of(ctx, before->owner_id), to);
		}
	}
	return rc;
}

/* ---------------------------------------------------- handlers */

static int
by_due(const void *a, const void *b)
{
	const Crm__V1__Task *x = *(Crm__V1__Task *const *)a;
	const Crm__V1__Task *y = *(Crm__V1__Task *const *)b;
	if (x->due_at != y->due_at) {
		return x->due_at < y->due_at ? -1 : 1;
	}
	return x->id < y->id ? -1 : (x->id > y->id);
}

/* End of today (local) for the "today" window. */
static int64_t
end_of_today(int64_t now)
{
	time_t v = (time_t)now;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

struct collect {
	Crm__V1__Task **tasks;
	size_t *count, cap;
	int *more;
};

/* A task of a merge of task_open queues. */
static crm_status
take_task(struct req_ctx *ctx, struct store_iter *it, uint64_t id, int64_t at,
    void *arg, int *full)
{
	struct collect *c = arg;
	(void)it, (void)at;
	if (*c->count == c->cap) {
		if (c->more != NULL) {
			*c->more = 1;
		}
		*full = 1;
		return CRM_OK;
	}
	Crm__V1__Task *t;
	crm_status rc = dispatch_list_record(ctx, DB_TASKS, id,
	    &crm__v1__task__descriptor, (ProtobufCMessage **)&t);
	if (rc == CRM_OK) {
		t->owner = (char *)user_login_of(ctx, t->owner_id);
		fill_customer(ctx, t);
		c->tasks[(*c->count)++] = t;
	}
	return rc;
}

/*
 * The open tasks of owners[0..n) due by until, earliest first across
 * all of them (queues.h: a team's list is its earliest tasks, not its
 * first reps'), appended to tasks[*count..cap): only those are loaded.
 * *more (may be NULL): some were left out at cap.
 */
static crm_status
collect(struct req_ctx *ctx, const uint64_t *owners, size_t n, int64_t until,
    Crm__V1__Task **tasks, size_t *count, size_t cap, int *more)
{
	struct collect c = { tasks, count, cap, more };
	return queues_merge(
	    ctx, DB_TASK_OPEN, owners, n, 0, INT64_MIN, until, take_task, &c);
}

crm_status
task_collect(struct req_ctx *ctx, uint64_t owner, int64_t until,
    Crm__V1__Task **tasks, size_t *n, size_t cap, int *more)
{
	return collect(ctx, &owner, 1, until, tasks, n, cap, more);
}

/* The users ctx->who manages (a team's queue), into *ids (caller frees
 * with free()). */
static crm_status
team_members(struct req_ctx *ctx, uint64_t **ids, size_t *n)
{
	size_t cap = 16;
	uint64_t id = 0;
	*n = 0;
	*ids = crm_xmalloc(cap * sizeof(**ids));
	while (store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__UserRecord *u;
		crm_status rc = user_get(ctx, id, &u);
		if (rc != CRM_OK) {
			return dispatch_fail(ctx, CRM_INTERNAL,
			    "user %" PRIu64 " does not load", id);
		}
		int mine = auth_manages(ctx->who, u->team_id);
		crm_arena_release(ctx->arena, mark);
		if (mine) {
			if (*n == cap) {
				cap *= 2;
				*ids = crm_xrealloc(*ids, cap * sizeof(**ids));
			}
			(*ids)[(*n)++] = id;
		}
	}
	return CRM_OK;
}

crm_status
task_handle_due(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__DueRequest *r = req->due;
	int64_t until;
	switch (r->has_window ? r->window : CRM__V1__DUE_WINDOW__DUE_TODAY) {
	case CRM__V1__DUE_WINDOW__DUE_OVERDUE:
		until = ctx->now - 1;
		break;
	case CRM__V1__DUE_WINDOW__DUE_WEEK:
		until = ctx->now + 7 * 86400;
		break;
	case CRM__V1__DUE_WINDOW__DUE_ALL:
		until = INT64_MAX;
		break;
	default:
		until = end_of_today(ctx->now);
		break;
	}
	size_t cap = r->has_limit && r->limit ? r->limit : DUE_DEFAULT_LIMIT;
	if (cap > DUE_MAX_LIMIT) {
		cap = DUE_MAX_LIMIT;
	}
	Crm__V1__TaskList *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__task_list__init(out);
	out->has_now_at = 1;
	out->now_at = ctx->now;
	out->tasks = crm_arena_alloc(ctx->arena, cap * sizeof(*out->tasks));
	if (out->tasks == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = CRM_OK;
	uint64_t one = ctx->who->user_id, *ids = &one;
	size_t n = 1;
	if (r->user != NULL && *r->user) {
		Crm__Store__UserRecord *u;
		int found = user_by_login(ctx, r->user, &u) == CRM_OK;
		/* A rep's queue is their own: said alike for any other name,
		 * so it tells nothing of who exists. */
		if ((!found || u->id != ctx->who->user_id) &&
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "reps see their own tasks (due without --user); "
			    "ask your manager for %s's",
			    r->user);
		}
		rc = scope_user(ctx, r->user, &u);
		if (rc != CRM_OK) {
			return rc;
		}
		one = u->id;
	} else if (r->whole_team) {
		if (ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "the team's queue is for managers");
		}
		rc = team_members(ctx, &ids, &n);
	}
	int more = 0;
	if (rc == CRM_OK) {
		rc = collect(
		    ctx, ids, n, until, out->tasks, &out->n_tasks, cap, &more);
	}
	if (ids != &one) {
		free(ids);
	}
	out->has_more = out->more = more;
	if (rc != CRM_OK) {
		return rc;
	}
	qsort(out->tasks, out->n_tasks, sizeof(*out->tasks), by_due);
	resp->body_case = CRM__V1__RESPONSE__BODY_TASKS;
	resp->tasks = out;
	return CRM_OK;
}

static crm_status
reply_task(struct req_ctx *ctx, Crm__V1__Task *t, Crm__V1__Response *resp)
{
	task_fill(ctx, t);
	resp->body_case = CRM__V1__RESPONSE__BODY_TASK;
	resp->task = t;
	return CRM_OK;
}

crm_status
task_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__TaskAddRequest *r = req->task_add;
	if (!r->has_due_at || r->goal == NULL || *r->goal == '\0') {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_due_at ? "task_add.due_at" : "task_add.goal",
		    "a task needs a customer, a time and a goal");
	}
	Crm__V1__Customer *c;
	uint64_t owner;
	Crm__V1__Task *t;
	crm_status rc = task_due_check(ctx, r->due_at, "the due time");
	if (rc == CRM_EINVAL) {
		snprintf(ctx->field, sizeof(ctx->field), "task_add.due_at");
	}
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->customer_id, &c);
	}
	if (rc == CRM_OK) {
		rc = scope_assignee(
		    ctx, c, r->owner, ctx->who->user_id, &owner);
	}
	/* A task stands beside the next follow-up; it replaces nothing. */
	if (rc == CRM_OK) {
		rc = task_create(ctx, c, owner, CRM__V1__TASK_KIND__TASK_TODO,
		    CRM__V1__TASK_ORIGIN__ORIGIN_PERSON, r->due_at, r->goal,
		    r->suggested_channels, &t);
	}
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}

/* Load task id for a change: visible and open. */
/* Who may complete, move, cancel or give away an open task (one rule for
 * task done, move, cancel and assign): its owner; a manager the tasks of
 * their team (owned by a member, or on a customer of the team); an admin
 * all. A rep only their own: a task the server gave their manager on the
 * rep's customer (a grade review, an escalated issue: seed 002
 * "由销售经理协调资源跟进") is the manager's to close. */
static crm_status
may_change(struct req_ctx *ctx, const Crm__V1__Task *t)
{
	if (t->owner_id == ctx->who->user_id ||
	    ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		return CRM_OK;
	}
	const char *owner = user_login_of(ctx, t->owner_id);
	if (ctx->who->role == CRM__V1__ROLE__ROLE_MANAGER) {
		Crm__Store__UserRecord *u;
		Crm__V1__Customer *c;
		if (user_get(ctx, t->owner_id, &u) == CRM_OK &&
		    auth_manages(ctx->who, u->team_id)) {
			return CRM_OK;
		}
		if (load_customer(ctx, t->customer_id, &c) == CRM_OK &&
		    auth_can_see(ctx->who, c->owner_id, c->team_id)) {
			return CRM_OK;
		}
	}
	return dispatch_fail(ctx, CRM_EPERM,
	    "task %" PRIu64 " is %s's: you may change only your own tasks%s",
	    t->id, owner ? owner : "someone else",
	    ctx->who->role == CRM__V1__ROLE__ROLE_REP ? " (ask its owner)"
	                                              : " and your team's");
}

static crm_status
open_task(struct req_ctx *ctx, uint64_t id, Crm__V1__Task **before,
    Crm__V1__Task **after)
{
	crm_status rc = task_get(ctx, id, before);
	if (rc == CRM_OK) {
		rc = may_change(ctx, *before);
	}
	if (rc == CRM_OK) {
		rc = load(ctx, id, after);
	}
	if (rc == CRM_OK && !is_open(*before)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "task %" PRIu64 " is already %s", id,
		    crm_enum_name(
		        &crm__v1__task_status__descriptor, (*before)->status));
	}
	return rc;
}

crm_status
task_handle_done(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__TaskIdRequest *q = req->task_done;
	/* The replacement is task_cancel's: refused, not ignored. */
	if ((q->has_next_due_at && q->next_due_at != 0) ||
	    (q->next_goal != NULL && *q->next_goal != '\0')) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    q->has_next_due_at && q->next_due_at != 0
		        ? "task_done.next_due_at"
		        : "task_done.next_goal",
		    "task_done takes no replacement (next_due_at, next_goal "
		    "are task_cancel's); log a follow-up to plan the next");
	}
	Crm__V1__Task *before, *t;
	crm_status rc = open_task(ctx, q->id, &before, &t);
	if (rc != CRM_OK) {
		return rc;
	}
	t->status = CRM__V1__TASK_STATUS__TASK_DONE;
	t->has_done_at = 1;
	t->done_at = ctx->now;
	rc = task_put(ctx, before, t);
	if (rc == CRM_OK) {
		rc = recur(ctx, t);
	}
	if (rc == CRM_OK && is_open_followup(before)) {
		/* Done by hand counts as contact: the cadence starts again. */
		Crm__V1__Customer *c;
		rc = load_customer(ctx, t->customer_id, &c);
		if (rc == CRM_OK) {
			rc = task_followup_sync(ctx, c, ctx->now, 1);
		}
	}
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}

crm_status
task_handle_move(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__TaskMoveRequest *r = req->task_move;
	if (!r->has_due_at) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "task_move.due_at", "give the new time");
	}
	Crm__V1__Task *before, *t;
	crm_status rc = open_task(ctx, r->id, &before, &t);
	if (rc == CRM_OK) {
		rc = task_due_check(ctx, r->due_at, "the new time");
		if (rc == CRM_EINVAL) {
			snprintf(ctx->field, sizeof(ctx->field),
			    "task_move.due_at");
		}
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* A month's review stays in its month (seed 002: 每月末根据客户进展
	 * 重新评估分级): moved into the next month and done there, it
	 * would skip one. Earlier or later the same month is fine. */
	if (before->kind == CRM__V1__TASK_KIND__TASK_REGRADE &&
	    end_of_month(r->due_at) != end_of_month(before->due_at)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "task %" PRIu64 " is the grade review of the month that "
		    "ends %s (seed 002: 每月末根据客户进展重新评估分级): it "
		    "moves only within its month; do it (task done %" PRIu64
		    ")%s",
		    r->id, when(ctx, end_of_month(before->due_at)), r->id,
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP
		        ? ", or ask your manager to cancel it"
		        : " or cancel it");
	}
	t->due_at = r->due_at;
	/* A date a person chose: a grade change no longer moves it. */
	t->origin = CRM__V1__TASK_ORIGIN__ORIGIN_PERSON;
	set_plan(ctx, t, ctx->now, 0); /* customer why: moved by hand */
	rc = task_put(ctx, before, t);
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}

crm_status
task_handle_assign(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__TaskAssignRequest *r = req->task_assign;
	if (r->owner == NULL || *r->owner == '\0') {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "task_assign.owner", "give a user");
	}
	Crm__V1__Task *before, *t;
	Crm__V1__Customer *c;
	uint64_t owner;
	crm_status rc = open_task(ctx, r->id, &before, &t);
	if (rc == CRM_OK) {
		rc = load_customer(ctx, t->customer_id, &c);
	}
	if (rc == CRM_OK) {
		rc = scope_assignee(ctx, c, r->owner, t->owner_id, &owner);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	t->owner_id = owner;
	rc = task_put(ctx, before, t);
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}

crm_status
task_handle_cancel(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__TaskIdRequest *r = req->task_cancel;
	int replace = r->has_next_due_at || (r->next_goal && *r->next_goal);
	Crm__V1__Task *before, *t, *next = NULL;
	Crm__V1__Customer *c;
	crm_status rc = open_task(ctx, r->id, &before, &t);
	if (rc == CRM_OK) {
		rc = load_customer(ctx, t->customer_id, &c);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (before->kind == CRM__V1__TASK_KIND__TASK_REGRADE &&
	    ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "task %" PRIu64 " is the month-end grade review of %s "
		    "(seed 002: 每月末根据客户进展重新评估分级): a rep cannot "
		    "cancel it; review the grade (grade propose) and mark it "
		    "done (task done %" PRIu64 "), or ask your manager",
		    r->id, c->name ? c->name : "", r->id);
	}
	int next_fu =
	    is_open_followup(before) && c->stage != CRM__V1__STAGE__STAGE_LOST;
	if (replace && !next_fu) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "--next replaces a customer's next follow-up; task "
		    "%" PRIu64 " is a %s: cancel it without --next",
		    r->id, crm_task_kind_word((int)before->kind));
	}
	if (next_fu && !replace) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "task %" PRIu64 " is the next follow-up of %s, and an "
		    "active customer always has one: cancel it with its "
		    "replacement (task cancel %" PRIu64
		    " --next WHEN \"goal\"), "
		    "move it (task move %" PRIu64
		    " WHEN), or mark the customer "
		    "lost",
		    r->id, c->name ? c->name : "", r->id, r->id);
	}
	if (replace && (!r->has_next_due_at || r->next_goal == NULL ||
	                   *r->next_goal == '\0')) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_next_due_at ? "task_cancel.next_due_at"
		                        : "task_cancel.next_goal",
		    "the replacement needs a time and a goal: --next WHEN "
		    "\"goal\"");
	}
	if (replace) {
		rc = task_due_check(
		    ctx, r->next_due_at, "the replacement's time");
		if (rc == CRM_EINVAL) {
			snprintf(ctx->field, sizeof(ctx->field),
			    "task_cancel.next_due_at");
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	t->status = CRM__V1__TASK_STATUS__TASK_CANCELLED;
	t->has_done_at = 1;
	t->done_at = ctx->now;
	/* Closed first: task_put keeps one open follow-up per customer
	 * (cust_futask), then the replacement, which t names. */
	rc = task_put(ctx, before, t);
	if (rc == CRM_OK && replace) {
		rc = task_create(ctx, c, before->owner_id,
		    CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
		    CRM__V1__TASK_ORIGIN__ORIGIN_PERSON, r->next_due_at,
		    r->next_goal, before->suggested_channels, &next);
		Crm__V1__Task *closed;
		if (rc == CRM_OK) {
			rc = load(ctx, r->id, &closed);
		}
		if (rc == CRM_OK) {
			t->has_replaced_by = 1;
			t->replaced_by = next->id;
			rc = task_put(ctx, closed, t);
		}
	}
	if (rc == CRM_OK && !replace) {
		rc = recur(ctx, t);
	}
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}
