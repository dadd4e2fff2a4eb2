/* SPDX-License-Identifier: MIT */
/*
 * task_edit.c: the handlers that change one task: task.add, .done,
 * .move, .assign and .cancel, and who may do each (the task's owner, a
 * manager of its owner's team or of its customer, an admin).
 */
#include "task.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "audit.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "history.h"
#include "scope.h"
#include "stats.h"
#include "store_schema.h"
#include "task_internal.h"
#include "user.h"

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
	Crm__V1__Task *t = NULL; /* set when rc is CRM_OK (cppcheck) */
	crm_status rc = task_due_check(ctx, r->due_at, "the due time");
	if (rc == CRM_EINVAL) {
		snprintf(ctx->field, sizeof(ctx->field), "task_add.due_at");
	}
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, r->customer_id, &c);
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
		if (task_load_customer(ctx, t->customer_id, &c) == CRM_OK &&
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
	if (id == 0) {
		return dispatch_fail_no_id(ctx, "task"); /* none named */
	}
	crm_status rc = task_get(ctx, id, before);
	if (rc == CRM_OK) {
		rc = may_change(ctx, *before);
	}
	if (rc == CRM_OK) {
		rc = task_load(ctx, id, after);
	}
	if (rc == CRM_OK && !task_is_open(*before)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "task %" PRIu64 " is already %s", id,
		    crm_enum_name(
		        &crm__v1__task_status__descriptor, (*before)->status));
	}
	return rc;
}

/* Whether field of t was set by a write made after this one (made
 * earlier than it came, Request.made_at: *made; its creation counts,
 * seen->created): seen says which (audit_field_newer). */
static int
changed_since(struct req_ctx *ctx, const Crm__V1__Task *t, const char *field,
    int64_t *made, struct audit_seen *seen)
{
	*made = dispatch_at(ctx);
	return *made < ctx->now && audit_field_newer(ctx, t->customer_id,
	                               "task", t->id, field, *made, seen);
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
	/* Said done before the task existed (made_at): it would be done
	 * before it was made. */
	int64_t made;
	struct audit_seen seen;
	if (changed_since(ctx, t, "status", &made, &seen) && seen.created) {
		return audit_before_made(ctx, made, &seen, "this", "task",
		    t->id, "; if it still holds, do it again");
	}
	t->status = CRM__V1__TASK_STATUS__TASK_DONE;
	t->has_done_at = 1;
	t->done_at =
	    dispatch_at(ctx); /* when it was said done (kept offline too) */
	rc = task_put(ctx, before, t);
	if (rc == CRM_OK) {
		rc = task_recur(ctx, t);
	}
	if (rc == CRM_OK && task_is_open_followup(before)) {
		/* Done by hand counts as contact: the cadence starts again. */
		Crm__V1__Customer *c;
		rc = task_load_customer(ctx, t->customer_id, &c);
		if (rc == CRM_OK) {
			rc = task_followup_sync(ctx, c, dispatch_at(ctx), 1);
		}
	}
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}

/* A move or hand-over made earlier than it came (kept offline,
 * Request.made_at) does not undo one made since (or by another user in
 * the same second, which may be the later), nor move or give a task
 * made since (what its maker set): refused, naming it, with the seconds
 * when the two share a minute (audit_conflict_times). */
static crm_status
task_not_older(struct req_ctx *ctx, const Crm__V1__Task *t, const char *field,
    const char *done)
{
	int64_t made;
	struct audit_seen seen;
	if (!changed_since(ctx, t, field, &made, &seen)) {
		return CRM_OK;
	}
	if (seen.created) {
		return audit_before_made(ctx, made, &seen, "this", "task",
		    t->id, "; if it still holds, do it again");
	}
	char a[AUDIT_TIME_LEN], b[AUDIT_TIME_LEN];
	audit_conflict_times(made, seen.at, a, b, sizeof(a));
	int owner = strcmp(field, "owner_id") == 0;
	return dispatch_fail(ctx, CRM_EPRECOND,
	    "this was made %s; task %" PRIu64 " was %s %s (%s, by "
	    "%s; now %s %s): not applied; if it still holds, do it again",
	    a, t->id, done,
	    seen.at == made ? "in the same second" : "after that", b,
	    user_login_of(ctx, seen.user_id), owner ? "with" : "due",
	    owner ? user_login_of(ctx, t->owner_id)
	          : task_when(ctx, t->due_at));
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
	if (rc == CRM_OK) {
		rc = task_not_older(ctx, before, "due_at", "moved");
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* A month's review stays in its month (seed 002: 每月末根据客户进展
	 * 重新评估分级): moved into the next month and done there, it
	 * would skip one. Earlier or later the same month is fine. */
	if (before->kind == CRM__V1__TASK_KIND__TASK_REGRADE &&
	    task_end_of_month(r->due_at) !=
	        task_end_of_month(before->due_at)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "task %" PRIu64 " is the grade review of the month that "
		    "ends %s (seed 002: 每月末根据客户进展重新评估分级): it "
		    "moves only within its month; do it (task done %" PRIu64
		    ")%s",
		    r->id, task_when(ctx, task_end_of_month(before->due_at)),
		    r->id,
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP
		        ? ", or ask your manager to cancel it"
		        : " or cancel it");
	}
	/* A next follow-up missed (planned before it fell due, overdue
	 * now) stays a miss in its period: it is cancelled, counted as
	 * missed there (stats.h: STATS_TASK_MISSED), and a new one is due
	 * at the new time, a date a person chose. */
	if (task_is_open_followup(before) && before->due_at < ctx->now &&
	    stats_task_made_at(before) < before->due_at) {
		Crm__V1__Customer *c;
		Crm__V1__Task *next = NULL;
		struct task_plan plan = { dispatch_at(ctx), 0 };
		rc = task_load_customer(ctx, before->customer_id, &c);
		if (rc == CRM_OK) {
			rc = task_followup_replace(ctx, c, before->owner_id,
			    r->due_at, before->goal, &plan,
			    "moved after it fell due: missed then, due again "
			    "at the new time",
			    &next);
		}
		/* A date a person chose, as any move (customer why). */
		Crm__V1__Task *was = NULL, *moved = NULL;
		if (rc == CRM_OK) {
			rc = task_load(ctx, next->id, &was);
		}
		if (rc == CRM_OK) {
			rc = task_load(ctx, next->id, &moved);
		}
		if (rc == CRM_OK) {
			moved->origin = CRM__V1__TASK_ORIGIN__ORIGIN_PERSON;
			task_set_plan(ctx, moved, dispatch_at(ctx), 0);
			rc = task_put(ctx, was, moved);
		}
		return rc == CRM_OK ? reply_task(ctx, moved, resp) : rc;
	}
	t->due_at = r->due_at;
	/* A date a person chose: a grade change no longer moves it. */
	t->origin = CRM__V1__TASK_ORIGIN__ORIGIN_PERSON;
	task_set_plan(
	    ctx, t, dispatch_at(ctx), 0); /* customer why: moved by hand */
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
		rc = task_load_customer(ctx, t->customer_id, &c);
	}
	if (rc == CRM_OK) {
		rc = task_not_older(ctx, before, "owner_id", "given");
	}
	if (rc == CRM_OK) {
		rc = scope_assignee(ctx, c, r->owner, t->owner_id, &owner);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	task_give(ctx, t, owner);
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
		rc = task_load_customer(ctx, t->customer_id, &c);
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
	int next_fu = task_is_open_followup(before) &&
	              c->stage != CRM__V1__STAGE__STAGE_LOST;
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
	t->done_at = dispatch_at(ctx);
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
			rc = task_load(ctx, r->id, &closed);
		}
		if (rc == CRM_OK) {
			t->has_replaced_by = 1;
			t->replaced_by = next->id;
			rc = task_put(ctx, closed, t);
		}
	}
	if (rc == CRM_OK && !replace) {
		rc = task_recur(ctx, t);
	}
	return rc == CRM_OK ? reply_task(ctx, t, resp) : rc;
}
