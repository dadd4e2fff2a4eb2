/* SPDX-License-Identifier: MIT */
/*
 * task.c: tasks (跟进计划), the record API: load, put with its indexes,
 * create, close, cancel, move to another customer (merge) or owner. The
 * cadence engine is task_cadence.c's, the greetings and month-end
 * reviews task_extras.c's; the handlers are task_due.c's (due) and
 * task_edit.c's (task.add, .done, .move, .assign, .cancel).
 *
 * Open tasks are indexed by owner || due time || id (task_open), so a
 * rep's queue is one index range in due order, overdue first; each entry
 * holds the task as due shows it (task_due.c).
 */
#include "task.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "changes.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "history.h"
#include "stats.h"
#include "store_schema.h"
#include "task_internal.h"
#include "user.h"

crm_status
task_load(struct req_ctx *ctx, uint64_t id, Crm__V1__Task **t)
{
	return dispatch_record(ctx, DB_TASKS, id, &crm__v1__task__descriptor,
	    (ProtobufCMessage **)t);
}

crm_status
task_load_customer(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	return dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)c);
}

crm_status
task_get(struct req_ctx *ctx, uint64_t id, Crm__V1__Task **t)
{
	crm_status rc = task_load(ctx, id, t);
	if (rc == CRM_OK && (*t)->owner_id != ctx->who->user_id) {
		Crm__V1__Customer *c;
		rc = task_load_customer(ctx, (*t)->customer_id, &c);
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

/* The customer's name, grade and stage on t; on a customer ctx->who may
 * not see, none of it nor its goal (customer_shown). */
void
task_fill_customer(struct req_ctx *ctx, Crm__V1__Task *t)
{
	Crm__V1__Customer *c;
	if (!customer_fill_shown(
	        ctx, &t->customer, &t->has_customer_id, &t->customer_id, &c)) {
		t->goal = NULL;
		t->has_grade = t->has_stage = 0;
	} else if (c == NULL) {
		t->customer = NULL; /* gone: no customer fields */
	} else {
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
	task_fill_customer(ctx, t);
}

int
task_is_open(const Crm__V1__Task *t)
{
	return t != NULL && t->status == CRM__V1__TASK_STATUS__TASK_OPEN;
}

void
task_give(struct req_ctx *ctx, Crm__V1__Task *t, uint64_t owner)
{
	if (owner != t->owner_id) {
		stats_hand_over(t->owner_id, t->due_at, ctx->now,
		    (struct stats_report_owner){ &t->report_owner_id,
		        &t->report_until_at, &t->has_report_owner_id,
		        &t->has_report_until_at });
	}
	t->owner_id = owner;
}

int
task_is_open_followup(const Crm__V1__Task *t)
{
	return task_is_open(t) &&
	       t->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP;
}

/* A time as the history shows it. Borrowed from ctx->arena. */
const char *
task_when(struct req_ctx *ctx, int64_t at)
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
	/* From when the plan was made: a write kept offline and sent
	 * later plans what was ahead then (overdue now, not refused). */
	if (due < dispatch_at(ctx) - TASK_DUE_GRACE) {
		int later = dispatch_at(ctx) < ctx->now;
		return dispatch_fail(ctx, CRM_EINVAL,
		    "%s %s is in the past (%s %s): a plan is due from %s on",
		    what, task_when(ctx, due), later ? "made" : "now",
		    task_when(ctx, dispatch_at(ctx)), later ? "then" : "now");
	}
	if (due > dispatch_at(ctx) + TASK_DUE_AHEAD) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "%s %s is more than 10 years ahead: plan nearer", what,
		    task_when(ctx, due));
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
	/* The open queue's entry, with what due shows (task_due.c). */
	rc = task_due_index(ctx, before, after);
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(ctx->st, ctx->txn, DB_TASK_CUST,
		    after->customer_id, after->id);
	}
	/* One open follow-up per customer, also when one moves to another
	 * customer (a merge). */
	int moved =
	    before != NULL && before->customer_id != after->customer_id;
	if (rc == CRM_OK && task_is_open_followup(before) &&
	    (moved || !task_is_open_followup(after))) {
		store_key_id(&k, before->customer_id);
		rc = store_del(ctx->st, ctx->txn, DB_CUST_FUTASK, &k);
	}
	if (rc == CRM_OK && task_is_open_followup(after) &&
	    (moved || !task_is_open_followup(before))) {
		store_key_id(&k, after->customer_id);
		store_key ik;
		store_key_id(&ik, after->id);
		rc = store_put(
		    ctx->st, ctx->txn, DB_CUST_FUTASK, k.b, k.len, ik.b, 8);
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
		rc = changes_record(ctx, CRM__V1__CHANGE_KIND__CHANGE_TASK,
		    after->id, after->customer_id);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "task", after->id,
		    before ? &before->base : NULL, &after->base);
	}
	return rc;
}

/* Whether customer id has an open task of kind (with goal, if given)
 * other than except. */
int
task_has_open(struct req_ctx *ctx, uint64_t customer_id, int kind,
    const char *goal, uint64_t except)
{
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_TASK_CUST, customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__Task *t;
		if (id != except && task_load(ctx, id, &t) == CRM_OK &&
		    task_is_open(t) && (int)t->kind == kind &&
		    (goal == NULL ||
		        (t->goal != NULL && strcmp(t->goal, goal) == 0))) {
			return 1;
		}
	}
	return 0;
}

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
	crm_status rc = task_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = task_load(ctx, id, &t);
	}
	if (rc == CRM_OK && task_is_open_followup(before)) {
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
	    (task_is_open_followup(t) && kept != NULL && !wins) ||
	    (task_is_open(t) && t->kind == CRM__V1__TASK_KIND__TASK_REGRADE &&
	        task_has_open(ctx, to, (int)t->kind, NULL, id)) ||
	    (task_is_open(t) && t->kind == CRM__V1__TASK_KIND__TASK_GREETING &&
	        task_has_open(ctx, to, (int)t->kind, t->goal, id));
	if (wins) {
		char why[256];
		snprintf(why, sizeof(why),
		    "customers merged: merged customer %s's next follow-up "
		    "%" PRIu64 " (%s, due %s) wins over this one (%s)%s",
		    dropped, id, origin_word(before),
		    task_when(ctx, before->due_at), origin_word(kept),
		    kept->origin != CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE
		        ? ": both set by a person, the earlier is kept"
		        : ": a person's next action wins over the cadence's");
		rc = task_close(ctx, kept->id,
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
	/* The list entry first: task_put keeps the change seq in it. */
	rc = store_index_del(
	    ctx->st, ctx->txn, DB_TASK_CUST, before->customer_id, id);
	if (rc == CRM_OK) {
		rc = store_index_add(ctx->st, ctx->txn, DB_TASK_CUST, to, id);
	}
	if (rc == CRM_OK) {
		rc = task_put(ctx, before, t);
	}
	if (rc == CRM_OK && dup && task_is_open_followup(before)) {
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
		    task_when(ctx, before->due_at), kept->id,
		    origin_word(kept), task_when(ctx, kept->due_at));
	} else if (rc == CRM_OK && dup) {
		rc = event_add(ctx, to, id,
		    "customers merged: the kept customer has its own",
		    "%s %" PRIu64 " of merged customer %s cancelled",
		    crm_task_kind_word((int)t->kind), id, dropped);
	} else if (rc == CRM_OK && task_is_open(t)) {
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
void
task_set_plan(struct req_ctx *ctx, Crm__V1__Task *t, int64_t from, uint64_t fu)
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
	t->created_at = dispatch_at(ctx);
	t->created_by = ctx->who ? ctx->who->user_id : 0;
	task_set_plan(ctx, t, plan ? plan->from : dispatch_at(ctx),
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
	return rc != CRM_OK ? rc : task_load(ctx, id, t);
}

void
task_prefetch_followup(struct req_ctx *ctx, uint64_t customer_id, int all)
{
	Crm__V1__Task *t = NULL;
	store_key k;
	store_val v;
	if (task_followup_open(ctx, customer_id, &t) == CRM_OK && t != NULL &&
	    store_key_queue(
	        &k, task_is_open(t), t->owner_id, t->due_at, t->id) != NULL) {
		(void)store_get(
		    ctx->st, ctx->txn, DB_TASK_OPEN, k.b, k.len, &v);
	}
	uint64_t id = 0;
	while (all && store_index_next(ctx->st, ctx->txn, DB_TASK_CUST,
	                  customer_id, id, &id) == CRM_OK) {
		store_key_id(&k, id);
		(void)store_get(ctx->st, ctx->txn, DB_TASKS, k.b, k.len, &v);
	}
}

/* Close open task id with status, saying why in the history. */
crm_status
task_close(struct req_ctx *ctx, uint64_t id, int status, const char *why)
{
	Crm__V1__Task *before, *t;
	crm_status rc = task_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = task_load(ctx, id, &t);
	}
	if (rc != CRM_OK || !task_is_open(before)) {
		return rc;
	}
	t->status = (Crm__V1__TaskStatus)status;
	t->has_done_at = 1;
	t->done_at = dispatch_at(ctx);
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
		int open = rc == CRM_OK && task_is_open(before);
		crm_arena_release(ctx->arena, mark);
		if (open) {
			rc = task_close(ctx, id,
			    CRM__V1__TASK_STATUS__TASK_CANCELLED, why);
		}
	}
	return rc;
}

crm_status
task_set_ref(struct req_ctx *ctx, uint64_t id, uint64_t ref)
{
	Crm__V1__Task *before, *t;
	crm_status rc = task_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = task_load(ctx, id, &t);
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
		int hit = task_load(ctx, id, &t) == CRM_OK &&
		          task_is_open(t) && (int)t->kind == kind &&
		          t->has_ref_id && t->ref_id == ref &&
		          t->due_at > after;
		crm_arena_release(ctx->arena, mark);
		if (hit) {
			rc = task_close(ctx, id,
			    CRM__V1__TASK_STATUS__TASK_CANCELLED, why);
		}
	}
	return rc;
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
		if (!task_is_open(before) || before->owner_id == c->owner_id ||
		    (!old && task_user_sees(ctx, before->owner_id, c))) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		rc = task_load(ctx, id, &t);
		if (rc == CRM_OK) {
			task_give(ctx, t, c->owner_id);
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

/* End of today (local) for the "today" window. */
int64_t
task_end_of_today(int64_t now)
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
