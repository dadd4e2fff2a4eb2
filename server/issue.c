/* SPDX-License-Identifier: MIT */
/*
 * issue.c: open issues handed up: issue.escalate gives an open issue (an
 * objection, 待解决问题, or an after-sales issue) to a manager of the
 * customer's team with a task, as seed 002 asks ("由销售经理协调资源跟
 * 进"); resolving the issue completes that task. The issues themselves
 * are clock records (sla.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "handlers.h"
#include "policy.h"
#include "signals.h"
#include "sla.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

/* ---------------------------------------------------- record API */

uint64_t
signals_team_manager(struct req_ctx *ctx, uint64_t team_id)
{
	uint64_t id = 0;
	while (team_id != 0 &&
	       store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		Crm__Store__UserRecord *u;
		if (user_get(ctx, id, &u) == CRM_OK && u->active &&
		    u->team_id == team_id &&
		    u->role == CRM__V1__ROLE__ROLE_MANAGER) {
			return id;
		}
	}
	return 0;
}

crm_status
issue_escalation_done(struct req_ctx *ctx, const Crm__V1__SlaClock *k)
{
	Crm__V1__Task *before, *t;
	crm_status rc = task_get(ctx, k->escalation_task_id, &before);
	if (rc == CRM_OK) {
		rc = task_get(ctx, k->escalation_task_id, &t);
	}
	if (rc == CRM_NOT_FOUND) {
		return CRM_OK; /* gone with a merge; nothing to close */
	}
	if (rc != CRM_OK || t->status != CRM__V1__TASK_STATUS__TASK_OPEN) {
		return rc;
	}
	t->status = CRM__V1__TASK_STATUS__TASK_DONE;
	t->has_done_at = 1;
	t->done_at = dispatch_at(ctx);
	return task_put(ctx, before, t);
}

crm_status
issue_state(struct req_ctx *ctx, const Crm__V1__SlaClock *k, int *open,
    int64_t *solve_by)
{
	*open = 0;
	*solve_by = 0;
	if (k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
		*open = k->stopped_at == 0;
		return CRM_OK;
	}
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_SLA_CUST, k->customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__SlaClock *x;
		crm_status rc = sla_clock_load(ctx, id, &x);
		if (rc != CRM_OK) {
			return rc;
		}
		if (x->kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION &&
		    x->issue_id == k->id && x->stopped_at == 0) {
			*open = 1;
			*solve_by = x->deadline_at;
		}
	}
	return CRM_OK;
}

crm_status
issue_escalation_due(struct req_ctx *ctx, const Crm__V1__Policy *pol,
    int64_t at, int64_t solve_by, int64_t *due)
{
	/* The manager answers within the solution time of the policy, in
	 * business days of the calendar (calendar.h)... */
	crm_status rc =
	    calendar_add_working_days(ctx, at, pol->issue_solution_days, due);
	if (rc == CRM_OK) {
		/* 0 days (or escalated on a holiday): still a working day. */
		rc = calendar_next_working_day(ctx, *due, due);
	}
	/* ...and an after-sales issue by its own solution deadline (seed
	 * 000: 1个工作日内给出解决方案, counted from the issue, not from the
	 * escalation); one past already is due at once. */
	if (rc == CRM_OK && solve_by != 0 && solve_by < *due) {
		*due = solve_by > at ? solve_by : at;
	}
	return rc;
}

/* ---------------------------------------------------- handlers */

crm_status
issue_handle_escalate(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__IssueEscalateRequest *r = req->issue_escalate;
	if (r->id == 0) {
		return dispatch_fail_no_id(ctx, "issue");
	}
	Crm__V1__SlaClock *before, *k;
	Crm__V1__Customer *c;
	crm_status rc = sla_clock_load(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, before->customer_id, &c);
	}
	if (rc == CRM_NOT_FOUND ||
	    (rc == CRM_OK && (!sla_is_issue(before) ||
	                         (before->issue_id != 0 &&
	                             before->issue_id != before->id)))) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no open issue %" PRIu64, r->id);
	}
	int open = 0;
	int64_t solve_by = 0;
	if (rc == CRM_OK) {
		rc = issue_state(ctx, before, &open, &solve_by);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (!open) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "issue %" PRIu64 " is already resolved", r->id);
	}
	if (before->escalated_to_id != 0) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "issue %" PRIu64 " was escalated to %s already", r->id,
		    user_login_of(ctx, before->escalated_to_id));
	}
	uint64_t mgr = 0;
	if (r->manager != NULL && *r->manager != '\0') {
		Crm__Store__UserRecord *u;
		if (user_by_login(ctx, r->manager, &u) != CRM_OK ||
		    !u->active || u->role != CRM__V1__ROLE__ROLE_MANAGER ||
		    u->team_id != c->team_id) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "issue_escalate.manager",
			    "%s is not a manager of %s's team", r->manager,
			    c->name ? c->name : "the customer");
		}
		mgr = u->id;
	} else {
		mgr = signals_team_manager(ctx, c->team_id);
	}
	if (mgr == 0) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s's team has no manager to escalate to",
		    c->name ? c->name : "the customer");
	}
	Crm__V1__Policy *pol;
	rc = policy_load(ctx, &pol);
	if (rc != CRM_OK) {
		return rc;
	}
	size_t n = strlen(before->text ? before->text : "") + 64;
	char *goal = crm_arena_alloc(ctx->arena, n);
	if (goal == NULL) {
		return CRM_TOO_BIG;
	}
	snprintf(goal, n, "待解决问题 %" PRIu64 ": %s", r->id,
	    before->text ? before->text : "");
	Crm__V1__Task *t;
	int64_t due;
	rc = issue_escalation_due(ctx, pol, dispatch_at(ctx), solve_by, &due);
	if (rc == CRM_OK) {
		rc = task_create(ctx, c, mgr, CRM__V1__TASK_KIND__TASK_TODO,
		    CRM__V1__TASK_ORIGIN__ORIGIN_PERSON, due, goal, NULL, &t);
	}
	if (rc == CRM_OK) {
		/* The task knows its issue: `customer why` explains it. */
		rc = task_set_ref(ctx, t->id, r->id);
	}
	if (rc == CRM_OK) {
		rc = sla_clock_load(ctx, r->id, &k);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	k->has_escalated_to_id = k->has_escalated_at = 1;
	k->has_escalation_task_id = 1;
	k->escalated_to_id = mgr;
	k->escalated_at = dispatch_at(ctx);
	k->escalation_task_id = t->id;
	rc = sla_clock_put(ctx, before, k);
	if (rc == CRM_OK) {
		rc = event_add(ctx, c->id, t->id,
		    "an open issue the rep escalated (seed 002: 由销售经理协调"
		    "资源跟进)",
		    "issue %" PRIu64 " (%s) given to %s with task %" PRIu64,
		    r->id, k->text ? k->text : "", user_login_of(ctx, mgr),
		    t->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__SlaClockList *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__SlaClock **ks = crm_arena_alloc(ctx->arena, sizeof(*ks));
	if (out == NULL || ks == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__sla_clock_list__init(out);
	sla_clock_fill(ctx, k);
	ks[0] = k;
	out->clocks = ks;
	out->n_clocks = 1;
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_CLOCKS;
	resp->clocks = out;
	return CRM_OK;
}
