/* SPDX-License-Identifier: MIT */
/*
 * sla.c: SLA clocks (after-sales issues among them) and commitments, and
 * the views built on the same indexes: sla, issue list, commitments, and
 * the live reminders a shell asks for when poked.
 */
#include "history.h"
#include "sla.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "calendar.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "handlers.h"
#include "lifecycle.h"
#include "policy.h"
#include "queues.h"
#include "signals.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define LIST_CAP       500
#define REMIND_AHEAD   900
#define KEPT_LATE_DAYS 30 /* commitments lists: kept late this long */

/* ---------------------------------------------------- clocks */

static crm_status
clock_load(struct req_ctx *ctx, uint64_t id, Crm__V1__SlaClock **k)
{
	return dispatch_record(ctx, DB_SLA, id,
	    &crm__v1__sla_clock__descriptor, (ProtobufCMessage **)k);
}

static int
running(const Crm__V1__SlaClock *k)
{
	return k != NULL && !(k->has_stopped_at && k->stopped_at > 0);
}

/* Running clocks with a deadline are queued by it; an objection (an
 * open issue with no clock) has none. */
static int
queued(const Crm__V1__SlaClock *k)
{
	return running(k) && k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION;
}

static crm_status
clock_put(
    struct req_ctx *ctx, const Crm__V1__SlaClock *before, Crm__V1__SlaClock *k)
{
	store_key key;
	crm_status rc = CRM_OK;
	k->customer = k->owner = k->resolved_by = NULL;
	store_key ok, nk;
	k->escalated_to = NULL;
	rc = store_reindex(ctx->st, ctx->txn, DB_SLA_OPEN,
	    before ? store_key_queue(&ok, queued(before), before->owner_id,
	                 before->deadline_at, before->id)
	           : NULL,
	    store_key_queue(
	        &nk, queued(k), k->owner_id, k->deadline_at, k->id));
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_SLA_CUST, k->customer_id, k->id);
	}
	if (rc == CRM_OK) {
		rc = stats_on_sla(ctx, before, k);
	}
	if (rc == CRM_OK) {
		rc = history_index(
		    ctx, HIST_SLA, (const ProtobufCMessage *)before, &k->base);
	}
	store_key_id(&key, k->id);
	if (rc == CRM_OK) {
		rc = store_put_msg(ctx->st, ctx->txn, DB_SLA, &key, &k->base);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "sla", k->id,
		    before ? &before->base : NULL, &k->base);
	}
	return rc;
}

/* An interval as the policy shows it: "24 h", "3 d". */
static const char *
hours_word(int64_t secs, char *buf, size_t len)
{
	if (secs % 86400 == 0 && secs > 86400) {
		snprintf(buf, len, "%lld d", (long long)(secs / 86400));
	} else if (secs % 3600 == 0) {
		snprintf(buf, len, "%lld h", (long long)(secs / 3600));
	} else {
		snprintf(buf, len, "%lld min", (long long)(secs / 60));
	}
	return buf;
}

crm_status
sla_deadline_plan(struct req_ctx *ctx, const Crm__V1__Policy *p, int kind,
    int64_t start, struct why_note *w, int64_t *deadline)
{
	char iv[32];
	const char *pre = "", *post = "";
	crm_status rc = CRM_OK;
	switch (kind) {
	case CRM__V1__SLA_KIND__SLA_INQUIRY_REPLY:
		*deadline = start + p->inquiry_seconds;
		pre = "inquiry reply: ";
		post = " from the inquiry, counted on the clock, every day "
		       "(seed 000: 24小时内响应咨询)";
		hours_word(p->inquiry_seconds, iv, sizeof(iv));
		break;
	case CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE:
		*deadline = start + p->issue_response_seconds;
		pre = "after-sales first response: ";
		post = " from the issue, counted on the clock (seed 000: "
		       "2小时内初步响应)";
		hours_word(p->issue_response_seconds, iv, sizeof(iv));
		break;
	case CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION:
		/* Business days from the calendar: holidays and make-up
		 * working days (calendar.h), never weekends alone. */
		rc = calendar_add_working_days_why(ctx, start,
		    p->issue_solution_days, w ? &w->cal : NULL, deadline);
		pre = "after-sales solution: ";
		post = " business day(s) from the issue, by the working-day "
		       "calendar (seed 000: 1个工作日内给出解决方案)";
		snprintf(iv, sizeof(iv), "%u", p->issue_solution_days);
		break;
	case CRM__V1__SLA_KIND__SLA_OBJECTION:
		*deadline = 0; /* no clock: open until resolved */
		pre = "objection (待解决问题): open until resolved, no "
		      "deadline";
		iv[0] = '\0';
		break;
	default:
		*deadline = start + p->churn_contact_seconds;
		pre = "churn risk contact: ";
		post = " from the stage change, counted on the clock";
		hours_word(p->churn_contact_seconds, iv, sizeof(iv));
		break;
	}
	if (w != NULL && rc == CRM_OK) {
		snprintf(w->rule, sizeof(w->rule), "%s%s%s", pre, iv, post);
		w->rule_at = kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION
		                 ? 0
		                 : *deadline;
	}
	return rc;
}

/* Who holds a clock started on c: its owner; for a customer in its
 * team's pool (no owner), the team's manager, as customer release gives
 * them the running ones (README: the team pool), so that it is on
 * someone's `sla` and issue list and its breach is theirs, not the
 * claimer's later. A team with no manager: no one (0) until a claim. */
static uint64_t
clock_holder_of(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if (c->owner_id != 0 || c->team_id == 0) {
		return c->owner_id;
	}
	return signals_team_manager(ctx, c->team_id);
}

/* A clock of kind on c, started at since (0 or later than now: when the
 * request was made, dispatch_at(ctx));
 * issue: the issue it belongs to (0: none, or for an issue's response
 * clock its own id). */
static crm_status
start_clock_at(struct req_ctx *ctx, const Crm__V1__Customer *c, int kind,
    const char *text, uint64_t issue, int64_t since, Crm__V1__SlaClock **out)
{
	int64_t start =
	    since > 0 && since < ctx->now ? since : dispatch_at(ctx);
	Crm__V1__Policy *p;
	crm_status rc = policy_load(ctx, &p);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__SlaClock *k = crm_arena_alloc(ctx->arena, sizeof(*k));
	if (k == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__sla_clock__init(k);
	rc = store_next_id(ctx->st, ctx->txn, "sla", &k->id);
	if (rc != CRM_OK) {
		return rc;
	}
	k->has_id = k->has_customer_id = k->has_owner_id = k->has_kind = 1;
	k->has_started_at = k->has_deadline_at = 1;
	k->customer_id = c->id;
	k->owner_id = clock_holder_of(ctx, c);
	k->kind = (Crm__V1__SlaKind)kind;
	if (kind == CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE ||
	    kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION ||
	    kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
		k->has_issue_id = 1;
		k->issue_id = issue ? issue : k->id;
	}
	k->text = (char *)text;
	k->started_at = start;
	k->has_recorded_at = 1;
	k->recorded_at = dispatch_at(ctx);
	rc = sla_deadline_plan(ctx, p, kind, start, NULL, &k->deadline_at);
	if (rc != CRM_OK) {
		return rc;
	}
	rc = clock_put(ctx, NULL, k);
	if (rc == CRM_OK && out != NULL) {
		*out = k;
	}
	return rc;
}

static crm_status
start_clock(struct req_ctx *ctx, const Crm__V1__Customer *c, int kind,
    const char *text, uint64_t issue, Crm__V1__SlaClock **out)
{
	return start_clock_at(ctx, c, kind, text, issue, 0, out);
}

crm_status
sla_start(struct req_ctx *ctx, const Crm__V1__Customer *c, int kind,
    const char *text, Crm__V1__SlaClock **out)
{
	return start_clock(ctx, c, kind, text, 0, out);
}

crm_status
sla_start_at(struct req_ctx *ctx, const Crm__V1__Customer *c, int kind,
    const char *text, int64_t since, Crm__V1__SlaClock **out)
{
	return start_clock_at(ctx, c, kind, text, 0, since, out);
}

/* When an entry dated `at` and recorded at dispatch_at(ctx) (when the request
 * was made: now, or earlier for a write kept offline) stops clock k: at its
 * own time only when it was recorded by the deadline; recorded after the
 * deadline, at the time it was recorded (a breach once due is never
 * undone by a later entry). A clock crm learned of only after its
 * deadline (a customer imported at churn risk, log --at ... --stage
 * churn_risk) was never seen due: an entry dated in it counts as of its
 * own time (README: an import, log --at count as of that time in all
 * they set). Dated before the clock started: when it was recorded. */
static int64_t
stop_time(const struct req_ctx *ctx, const Crm__V1__SlaClock *k, int64_t at)
{
	int seen_due = !k->has_recorded_at || k->recorded_at <= k->deadline_at;
	if (at < k->started_at ||
	    (seen_due && dispatch_at(ctx) > k->deadline_at)) {
		return dispatch_at(ctx);
	}
	return at;
}

/* Stop clock k (a second copy of before) at stopped_at, by follow-up
 * fu_id (0: none). */
static crm_status
stop_clock_exact(struct req_ctx *ctx, const Crm__V1__SlaClock *before,
    Crm__V1__SlaClock *k, uint64_t fu_id, int64_t stopped_at)
{
	k->has_stopped_at = k->has_stopped_by = k->has_breached = 1;
	k->stopped_at = stopped_at;
	k->stopped_by = fu_id;
	k->breached = k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION &&
	              k->stopped_at > k->deadline_at;
	return clock_put(ctx, before, k);
}

/* Stop clock k by an entry dated `at`, recorded now (see stop_time). */
static crm_status
stop_clock(struct req_ctx *ctx, const Crm__V1__SlaClock *before,
    Crm__V1__SlaClock *k, uint64_t fu_id, int64_t at)
{
	return stop_clock_exact(ctx, before, k, fu_id, stop_time(ctx, k, at));
}

/* Stop the running clocks of customer_id whose kind is in mask (bit per
 * SlaKind). */
static crm_status
stop_kinds(struct req_ctx *ctx, uint64_t customer_id, unsigned mask,
    uint64_t fu_id, int64_t at)
{
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_SLA_CUST,
	                           customer_id, id, &id) == CRM_OK) {
		Crm__V1__SlaClock *before, *k;
		size_t mark = crm_arena_mark(ctx->arena);
		rc = clock_load(ctx, id, &before);
		/* A contact dated before a clock started does not answer
		 * it (a back-dated entry of an older visit), nor does an
		 * imported one at the very time it started: the follow-up
		 * whose stage change raised it (its customer came with the
		 * stage, since then). */
		if (rc == CRM_OK &&
		    (!running(before) || !(mask & (1u << before->kind)) ||
		        at < before->started_at ||
		        (ctx->importing && at == before->started_at))) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		if (rc != CRM_OK) {
			break;
		}
		rc = clock_load(ctx, id, &k);
		if (rc == CRM_OK) {
			rc = stop_clock(ctx, before, k, fu_id, at);
		}
	}
	return rc;
}

#define KIND_BIT(k) (1u << CRM__V1__SLA_KIND__SLA_##k)

crm_status
sla_stop_customer(
    struct req_ctx *ctx, uint64_t customer_id, uint64_t fu_id, int64_t at)
{
	/* A contact answers an inquiry, gives the first response to an
	 * issue and contacts a churn risk; it does not solve the issue. */
	return stop_kinds(ctx, customer_id,
	    KIND_BIT(INQUIRY_REPLY) | KIND_BIT(ISSUE_RESPONSE) |
	        KIND_BIT(CHURN_CONTACT),
	    fu_id, at);
}

crm_status
sla_churn_end(struct req_ctx *ctx, uint64_t customer_id)
{
	return stop_kinds(
	    ctx, customer_id, KIND_BIT(CHURN_CONTACT), 0, dispatch_at(ctx));
}

crm_status
sla_objection(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const char *text, uint64_t fu_id, int64_t raised_at,
    Crm__V1__SlaClock **out)
{
	/* Raised when its follow-up happened, not when it was typed in: a
	 * follow-up logged later (log --at, an import) that resolves it is
	 * dated after that, not before it existed. */
	Crm__V1__SlaClock *k;
	crm_status rc = start_clock_at(
	    ctx, c, CRM__V1__SLA_KIND__SLA_OBJECTION, text, 0, raised_at, &k);
	if (rc == CRM_OK && fu_id != 0) {
		Crm__V1__SlaClock *before;
		rc = clock_load(ctx, k->id, &before);
		if (rc == CRM_OK) {
			k->has_followup_id = 1;
			k->followup_id = fu_id;
			rc = clock_put(ctx, before, k);
		}
	}
	if (rc == CRM_OK && out != NULL) {
		*out = k;
	}
	return rc;
}

crm_status
sla_objection_resolved(struct req_ctx *ctx, uint64_t id,
    const char *resolution, uint64_t by_id, int64_t at)
{
	Crm__V1__SlaClock *before, *k;
	crm_status rc = clock_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = clock_load(ctx, id, &k);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION || !running(k)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "issue %" PRIu64 " is not an open objection", id);
	}
	k->resolution = (char *)resolution;
	k->has_resolved_by_id = 1;
	k->resolved_by_id = by_id;
	return stop_clock_exact(ctx, before, k, 0,
	    at >= k->started_at && at <= ctx->now ? at : ctx->now);
}

crm_status
sla_clock_load(struct req_ctx *ctx, uint64_t id, Crm__V1__SlaClock **k)
{
	return clock_load(ctx, id, k);
}

crm_status
sla_clock_put(
    struct req_ctx *ctx, const Crm__V1__SlaClock *before, Crm__V1__SlaClock *k)
{
	return clock_put(ctx, before, k);
}

/* An open issue's clock: an after-sales issue's two, or an objection. */
static int
issue_clock(const Crm__V1__SlaClock *k)
{
	return k->kind == CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE ||
	       k->kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION ||
	       k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION;
}

int
sla_is_issue(const Crm__V1__SlaClock *k)
{
	return issue_clock(k);
}

/* The issue a clock belongs to: its issue_id, or for a clock written
 * before issues had ids, its start time (both clocks share it). */
static int
same_issue(const Crm__V1__SlaClock *a, const Crm__V1__SlaClock *b)
{
	if (!issue_clock(a) || !issue_clock(b)) {
		return 0;
	}
	if (a->issue_id != 0 || b->issue_id != 0) {
		return a->issue_id == b->issue_id;
	}
	return a->started_at == b->started_at && a->kind != b->kind;
}

static void clock_fill(struct req_ctx *ctx, Crm__V1__SlaClock *k);

crm_status
sla_resolve(struct req_ctx *ctx, uint64_t id, uint64_t customer_id,
    uint64_t fu_id, const char *resolution, int64_t at,
    Crm__V1__SlaClockList *out)
{
	Crm__V1__SlaClock *k;
	Crm__V1__Customer *c;
	crm_status rc = clock_load(ctx, id, &k);
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, k->customer_id, &c);
	}
	if (rc == CRM_NOT_FOUND || (rc == CRM_OK && !issue_clock(k))) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no open issue %" PRIu64, id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* An issue is known by its id (its response clock's), not by the
	 * id of its solution clock. */
	if (k->issue_id != 0 && k->issue_id != id) {
		return dispatch_fail(ctx, CRM_NOT_FOUND,
		    "no after-sales issue %" PRIu64 " (%" PRIu64
		    " is the solution clock of issue %" PRIu64 ")",
		    id, id, k->issue_id);
	}
	if (customer_id != 0 && k->customer_id != customer_id) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "followup_log.followup.resolves",
		    "issue %" PRIu64 " belongs to another customer, %s", id,
		    c->name ? c->name : "?");
	}
	if (resolution == NULL || *resolution == '\0') {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    customer_id == 0 ? "issue_resolve.resolution"
		                     : "followup_log.followup.summary",
		    "say what was done");
	}
	/* A follow-up dated before the issue was raised (log --at, an
	 * import) cannot have solved it: its clocks would read met. */
	if (k->has_started_at && at < k->started_at) {
		char raised[32], when[32];
		crm_time_format(k->started_at, raised, sizeof(raised));
		crm_time_format(at, when, sizeof(when));
		return dispatch_fail_field(ctx, CRM_EPRECOND,
		    customer_id == 0 ? "issue_resolve.resolution"
		                     : "followup_log.followup.happened_at",
		    "issue %" PRIu64 " was raised at %s, after this follow-up "
		    "(%s): it cannot have resolved it",
		    id, raised, when);
	}
	int solved = 0;
	uint64_t cid = 0;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_SLA_CUST,
	                           k->customer_id, cid, &cid) == CRM_OK) {
		Crm__V1__SlaClock *before, *x;
		rc = clock_load(ctx, cid, &before);
		if (rc != CRM_OK || (cid != id && !same_issue(k, before))) {
			continue;
		}
		rc = clock_load(ctx, cid, &x);
		if (rc != CRM_OK) {
			break;
		}
		if (x->kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION ||
		    x->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
			if (!running(x)) {
				return dispatch_fail(ctx, CRM_EPRECOND,
				    "issue %" PRIu64 " is already resolved",
				    id);
			}
			x->resolution = (char *)resolution;
			x->has_resolved_by_id = 1;
			x->resolved_by_id = ctx->who ? ctx->who->user_id : 0;
			solved = 1;
		}
		/* Solving it answers it too, when nobody had yet. */
		if (running(x) &&
		    x->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
			rc = stop_clock_exact(ctx, before, x, fu_id, at);
		} else if (running(x)) {
			rc = stop_clock(ctx, before, x, fu_id, at);
		}
		if (rc == CRM_OK && x->escalation_task_id != 0) {
			rc = issue_escalation_done(ctx, x);
		}
		if (rc == CRM_OK && out != NULL && out->n_clocks < 2) {
			clock_fill(ctx, x);
			out->clocks[out->n_clocks++] = x;
		}
	}
	if (rc == CRM_OK && !solved) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "issue %" PRIu64 " has no solution clock to stop", id);
	}
	return rc;
}

static void
clock_fill(struct req_ctx *ctx, Crm__V1__SlaClock *k)
{
	if (!customer_fill_shown(ctx, &k->customer, &k->has_customer_id,
	        &k->customer_id, NULL)) {
		k->text = k->resolution = NULL;
	}
	k->owner = (char *)user_login_of(ctx, k->owner_id);
	if (k->resolved_by_id != 0) {
		k->resolved_by = (char *)user_login_of(ctx, k->resolved_by_id);
	}
	if (k->escalated_to_id != 0) {
		k->escalated_to =
		    (char *)user_login_of(ctx, k->escalated_to_id);
	}
	if (queued(k)) {
		k->has_breached = 1;
		k->breached = ctx->now > k->deadline_at;
	}
}

void
sla_clock_fill(struct req_ctx *ctx, Crm__V1__SlaClock *k)
{
	clock_fill(ctx, k);
}

/* A clock list with room for cap clocks, in the request's arena; NULL
 * when the arena is full. */
static Crm__V1__SlaClockList *
clock_list_new(struct req_ctx *ctx, size_t cap)
{
	Crm__V1__SlaClockList *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return NULL;
	}
	crm__v1__sla_clock_list__init(out);
	out->clocks = crm_arena_alloc(ctx->arena, cap * sizeof(*out->clocks));
	return out->clocks != NULL ? out : NULL;
}

crm_status
sla_handle_start(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__SlaStartRequest *r = req->sla_start;
	if (r->text == NULL || *r->text == '\0') {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "sla_start.text", "say what was asked");
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_editable(ctx, r->customer_id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__SlaClockList *out = clock_list_new(ctx, 2);
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	Crm__V1__SlaClock **ks = out->clocks;
	if (r->issue) {
		rc = start_clock(ctx, c, CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE,
		    r->text, 0, &ks[0]);
		if (rc == CRM_OK) {
			rc = start_clock(ctx, c,
			    CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION, r->text,
			    ks[0]->id, &ks[1]);
		}
		out->n_clocks = 2;
	} else {
		rc = sla_start(ctx, c, CRM__V1__SLA_KIND__SLA_INQUIRY_REPLY,
		    r->text, &ks[0]);
		out->n_clocks = 1;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; i < out->n_clocks; i++) {
		clock_fill(ctx, ks[i]);
	}
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_CLOCKS;
	resp->clocks = out;
	return CRM_OK;
}

crm_status
sla_each_owner(struct req_ctx *ctx, int team,
    crm_status (*fn)(struct req_ctx *, uint64_t, void *), void *arg)
{
	if (!team) {
		return fn(ctx, ctx->who->user_id, arg);
	}
	if (ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "team views are for "
		    "managers");
	}
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	while (rc == CRM_OK &&
	       store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		Crm__Store__UserRecord *u;
		if (user_get(ctx, id, &u) == CRM_OK &&
		    auth_manages(ctx->who, u->team_id)) {
			rc = fn(ctx, id, arg);
		}
	}
	return rc;
}

/* ------------------------------------------------ merged queues */

struct owner_list {
	uint64_t *ids;
	size_t n, cap;
};

static crm_status
owner_add(struct req_ctx *ctx, uint64_t id, void *arg)
{
	(void)ctx;
	struct owner_list *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->ids = crm_xrealloc(l->ids, l->cap * sizeof(*l->ids));
	}
	l->ids[l->n++] = id;
	return CRM_OK;
}

/*
 * The entries (owner | mask || time || id) of db from time `from` to
 * `until` of the owners a view covers (sla_each_owner: the caller, or
 * with team the team's), earliest first across all of them (queues.h).
 */
static crm_status
merge_queues(struct req_ctx *ctx, int team, enum store_db db, uint64_t mask,
    int64_t from, int64_t until, queues_take take, void *arg)
{
	struct owner_list owners = { NULL, 0, 0 };
	crm_status rc = sla_each_owner(ctx, team, owner_add, &owners);
	if (rc == CRM_OK) {
		rc = queues_merge(ctx, db, owners.ids, owners.n, mask, from,
		    until, take, arg);
	}
	free(owners.ids);
	return rc;
}

struct clock_walk {
	Crm__V1__SlaClockList *out;
	int breached_only;
};

/* Whom the reports count clock k for: its holder when its deadline
 * passed (stats_holder: a clock handed over after it is its old
 * holder's), else its owner. */
static uint64_t
clock_holder(const Crm__V1__SlaClock *k)
{
	return stats_holder(k->owner_id, k->report_owner_id,
	    k->report_until_at, k->deadline_at);
}

/* Clock k (loaded after mark) into the list, or, the list full, not:
 * more follow (never cut silently). */
static crm_status
push_clock(struct req_ctx *ctx, struct clock_walk *w, Crm__V1__SlaClock *k,
    size_t mark, int *full)
{
	if (w->out->n_clocks == LIST_CAP) {
		crm_arena_release(ctx->arena, mark);
		w->out->has_more = w->out->more = 1;
		*full = 1;
		return CRM_OK;
	}
	w->out->clocks[w->out->n_clocks++] = k;
	return CRM_OK;
}

/* A running clock from a merge of sla_open queues. */
static crm_status
take_clock(struct req_ctx *ctx, struct store_iter *it, uint64_t id, int64_t at,
    void *arg, int *full)
{
	struct clock_walk *w = arg;
	(void)it;
	(void)at;
	if (w->out->n_clocks == LIST_CAP && !w->breached_only) {
		w->out->has_more = w->out->more = 1; /* never cut silently */
		*full = 1;
		return CRM_OK;
	}
	Crm__V1__SlaClock *k;
	size_t mark = crm_arena_mark(ctx->arena);
	crm_status rc = dispatch_list_record(ctx, DB_SLA, id,
	    &crm__v1__sla_clock__descriptor, (ProtobufCMessage **)&k);
	if (rc != CRM_OK) {
		return rc;
	}
	clock_fill(ctx, k);
	/* A breach is listed for whom the reports count it: one handed
	 * over after its deadline is its old holder's (take_held_breach),
	 * not its owner's, who has it to answer in `sla`. */
	if (w->breached_only &&
	    (!k->breached || clock_holder(k) != k->owner_id)) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	return push_clock(ctx, w, k, mark, full);
}

/* A breach from a merge of the owners' sla_time facts, which are under
 * the holder the reports count each clock for: every stopped clock that
 * breached, and a running one past its deadline that another owns now
 * (a running one its holder owns is in the holder's queue: take_clock). */
static crm_status
take_held_breach(struct req_ctx *ctx, struct store_iter *it, uint64_t id,
    int64_t at, void *arg, int *full)
{
	struct clock_walk *w = arg;
	const void *v;
	size_t vlen;
	struct stats_sla f;
	(void)at;
	if (!store_iter_data(it, &v, &vlen) ||
	    !stats_sla_decode(v, vlen, &f) ||
	    f.kind == CRM__V1__SLA_KIND__SLA_OBJECTION ||
	    !(f.stopped_at > 0 ? f.stopped_at > f.deadline_at
	                       : ctx->now > f.deadline_at)) {
		return CRM_OK;
	}
	Crm__V1__SlaClock *k;
	size_t mark = crm_arena_mark(ctx->arena);
	crm_status rc = dispatch_list_record(ctx, DB_SLA, id,
	    &crm__v1__sla_clock__descriptor, (ProtobufCMessage **)&k);
	if (rc != CRM_OK) {
		return rc;
	}
	if (running(k) && k->owner_id == clock_holder(k)) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	clock_fill(ctx, k);
	if (!k->breached) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	if (!k->has_customer_id && k->owner_id != f.owner_id) {
		/* Its owner now is its customer's, whom a reader who may
		 * not see the customer is not told (docs/authz.md). */
		k->has_owner_id = 0;
		k->owner_id = 0;
		k->owner = NULL;
	}
	return push_clock(ctx, w, k, mark, full);
}

crm_status
sla_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__SlaListRequest *r = req->sla_list;
	Crm__V1__SlaClockList *out = clock_list_new(ctx, LIST_CAP);
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	struct clock_walk w = { out, r->breached };
	crm_status rc = merge_queues(ctx, r->whole_team, DB_SLA_OPEN, 0,
	    INT64_MIN, INT64_MAX, take_clock, &w);
	if (rc == CRM_OK && r->breached && !out->more) {
		rc = merge_queues(ctx, r->whole_team, DB_SLA_TIME,
		    STATS_PERSON, INT64_MIN, INT64_MAX, take_held_breach, &w);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; i < out->n_clocks; i++) {
		Crm__V1__SlaClock *k = out->clocks[i];
		uint64_t holder = clock_holder(k);
		if (holder != 0 && holder != k->owner_id) {
			k->held_by = (char *)user_login_of(ctx, holder);
		}
	}
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_CLOCKS;
	resp->clocks = out;
	return CRM_OK;
}

/* ---------------------------------------------------- issues */

crm_status
sla_handle_issue_resolve(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__IssueResolveRequest *r = req->issue_resolve;
	if (r->id == 0) {
		return dispatch_fail_no_id(ctx, "issue");
	}
	Crm__V1__SlaClockList *out = clock_list_new(ctx, 2);
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = sla_resolve(
	    ctx, r->id, 0, 0, r->resolution, dispatch_at(ctx), out);
	if (rc != CRM_OK) {
		return rc;
	}
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_CLOCKS;
	resp->clocks = out;
	return CRM_OK;
}

/* One issue clock seen in an owner's sla_time facts. */
struct issue_seen {
	uint64_t id;
	int solution, running;
};

struct issue_walk {
	Crm__V1__SlaClockList *out;
	int open_only;
};

/* The owner's issues, both clocks each, oldest first; the newest
 * LIST_CAP / 2 when there are more. */
static crm_status
issues_of(struct req_ctx *ctx, uint64_t owner, void *arg)
{
	struct issue_walk *w = arg;
	store_key p;
	store_key_id(&p, STATS_PERSON | owner);
	struct store_iter it;
	crm_status rc =
	    store_iter_open(ctx->st, ctx->txn, DB_SLA_TIME, p.b, 8, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	struct issue_seen *seen = NULL;
	size_t n = 0, cap = 0;
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t vlen;
		struct stats_sla f;
		if (klen != 24 || !store_iter_data(&it, &v, &vlen) ||
		    !stats_sla_decode(v, vlen, &f) ||
		    (f.kind != CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE &&
		        f.kind != CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION &&
		        f.kind != CRM__V1__SLA_KIND__SLA_OBJECTION)) {
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			seen = crm_xrealloc(seen, cap * sizeof(*seen));
		}
		seen[n++] = (struct issue_seen){ store_u64(key + 16),
			f.kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION ||
			    f.kind == CRM__V1__SLA_KIND__SLA_OBJECTION,
			f.stopped_at == 0 };
	}
	store_iter_close(&it);
	size_t first = n > LIST_CAP / 2 ? n - LIST_CAP / 2 : 0;
	/* Older issues left out (with --open: open ones): say so. */
	for (size_t i = 0; i < first; i++) {
		if (!w->open_only || (seen[i].solution && seen[i].running)) {
			w->out->has_more = w->out->more = 1;
		}
	}
	for (size_t i = first; i < n; i++) {
		Crm__V1__SlaClock *k;
		if (clock_load(ctx, seen[i].id, &k) != CRM_OK) {
			continue;
		}
		if (w->open_only) {
			/* Open: its solution clock still runs. */
			int open = 0;
			for (size_t j = first; j < n && !open; j++) {
				Crm__V1__SlaClock *x;
				open = seen[j].solution && seen[j].running &&
				       (seen[j].id == seen[i].id ||
				           (clock_load(ctx, seen[j].id, &x) ==
				                   CRM_OK &&
				               same_issue(k, x)));
			}
			if (!open) {
				continue;
			}
		}
		if (w->out->n_clocks == LIST_CAP) {
			w->out->has_more = w->out->more = 1;
			break;
		}
		clock_fill(ctx, k);
		w->out->clocks[w->out->n_clocks++] = k;
	}
	free(seen);
	return CRM_OK;
}

crm_status
sla_handle_issue_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__IssueListRequest *r = req->issue_list;
	Crm__V1__SlaClockList *out = clock_list_new(ctx, LIST_CAP);
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	struct issue_walk w = { out, r->open };
	crm_status rc = sla_each_owner(ctx, r->whole_team, issues_of, &w);
	if (rc != CRM_OK) {
		return rc;
	}
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_CLOCKS;
	resp->clocks = out;
	return CRM_OK;
}

/* ---------------------------------------------------- commitments */

static crm_status
commitment_load(struct req_ctx *ctx, uint64_t id, Crm__V1__Commitment **c)
{
	return dispatch_record(ctx, DB_COMMITMENTS, id,
	    &crm__v1__commitment__descriptor, (ProtobufCMessage **)c);
}

static int
commitment_open(const Crm__V1__Commitment *c)
{
	return c != NULL &&
	       c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN;
}

static crm_status
commitment_put(struct req_ctx *ctx, const Crm__V1__Commitment *before,
    Crm__V1__Commitment *c)
{
	store_key k;
	crm_status rc = CRM_OK;
	c->customer = c->owner = NULL;
	store_key ok, nk;
	rc = store_reindex(ctx->st, ctx->txn, DB_COMMIT_OPEN,
	    before ? store_key_queue(&ok, commitment_open(before),
	                 before->owner_id, before->due_at, before->id)
	           : NULL,
	    store_key_queue(
	        &nk, commitment_open(c), c->owner_id, c->due_at, c->id));
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_COMMIT_CUST, c->customer_id, c->id);
	}
	if (rc == CRM_OK) {
		rc = stats_on_commitment(ctx, before, c);
	}
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_COMMITMENT,
		    (const ProtobufCMessage *)before, &c->base);
	}
	store_key_id(&k, c->id);
	if (rc == CRM_OK) {
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_COMMITMENTS, &k, &c->base);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "commitment", c->id,
		    before ? &before->base : NULL, &c->base);
	}
	return rc;
}

crm_status
sla_commitment_add(struct req_ctx *ctx, const Crm__V1__Customer *cust,
    uint64_t fu_id, int64_t fu_at, const char *text, uint64_t owner_id,
    int64_t due, Crm__V1__Commitment **out)
{
	Crm__V1__Commitment *c = crm_arena_alloc(ctx->arena, sizeof(*c));
	if (c == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__commitment__init(c);
	crm_status rc = store_next_id(ctx->st, ctx->txn, "commitment", &c->id);
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_id = c->has_customer_id = c->has_followup_id = 1;
	c->has_owner_id = c->has_due_at = c->has_status = 1;
	c->has_created_at = 1;
	c->customer_id = cust->id;
	c->followup_id = fu_id;
	c->text = (char *)text;
	c->owner_id = owner_id;
	c->due_at = due;
	c->status = CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN;
	c->created_at = dispatch_at(ctx);
	if (fu_at > 0 && fu_at < c->created_at) {
		c->created_at = fu_at;
	}
	rc = commitment_put(ctx, NULL, c);
	if (rc == CRM_OK && out != NULL) {
		*out = c;
	}
	return rc;
}

static void
commitment_fill(struct req_ctx *ctx, Crm__V1__Commitment *c)
{
	if (!customer_fill_shown(ctx, &c->customer, &c->has_customer_id,
	        &c->customer_id, NULL)) {
		c->text = NULL;
	}
	c->owner = (char *)user_login_of(ctx, c->owner_id);
	/* Past due and open = broken (derived, not stored). */
	if (commitment_open(c) && c->due_at < ctx->now) {
		c->status = CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN;
	}
	/* Kept after its due time, closed before kept late was stored. */
	if (c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT &&
	    c->closed_at > c->due_at) {
		c->status = CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE;
	}
}

crm_status
sla_commitment_as_said(struct req_ctx *ctx, Crm__V1__Commitment *c,
    int64_t made_at, int status, int64_t closed_at, uint64_t held)
{
	Crm__V1__Commitment *before;
	crm_status rc = commitment_load(ctx, c->id, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	c->created_at = made_at > 0 && made_at < ctx->now ? made_at : ctx->now;
	if (closed_at <= 0 || closed_at > ctx->now) {
		closed_at = ctx->now;
	}
	switch (status) {
	case CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT:
	case CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE:
		/* as commitment done decides it, at its own time */
		c->status =
		    closed_at > c->due_at
		        ? CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE
		        : CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT;
		break;
	case CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED:
		c->status = CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED;
		break;
	default: /* open; broken is open past its due time */
		closed_at = 0;
		break;
	}
	c->has_closed_at = closed_at != 0;
	c->closed_at = closed_at;
	if (held != 0 && held != c->owner_id) {
		/* as stats_hand_over leaves one past due: held until now */
		c->has_report_owner_id = c->has_report_until_at = 1;
		c->report_owner_id = held;
		c->report_until_at = ctx->now;
	}
	return commitment_put(ctx, before, c);
}

/* Seed 004 counts a promise delivered after its due time as a
 * shortcoming: kept late counts as broken in every list and report. */
static int
commitment_broken(const Crm__V1__Commitment *c)
{
	return c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN ||
	       c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE;
}

struct commit_walk {
	Crm__V1__CommitmentList *out;
	int want;                        /* 0 both, else the status */
	const struct owner_list *owners; /* the view's (sla_each_owner) */
};

/* Whom the reports count commitment c for: its holder when it fell due
 * (stats_holder: one handed over after it is its old holder's), else
 * its owner. */
static uint64_t
commitment_holder(const Crm__V1__Commitment *c)
{
	return stats_holder(
	    c->owner_id, c->report_owner_id, c->report_until_at, c->due_at);
}

void
sla_commitment_held_by(struct req_ctx *ctx, Crm__V1__Commitment *c)
{
	uint64_t holder = commitment_holder(c);
	if (holder != 0 && holder != c->owner_id) {
		c->held_by = (char *)user_login_of(ctx, holder);
	}
}

void
sla_commitment_fill(struct req_ctx *ctx, Crm__V1__Commitment *c)
{
	commitment_fill(ctx, c);
	sla_commitment_held_by(ctx, c);
}

static int
owner_in(const struct owner_list *l, uint64_t id)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->ids[i] == id) {
			return 1;
		}
	}
	return 0;
}

/* Is the reply full? Then say more follow (never cut silently). */
static int
commit_full(struct commit_walk *w, int *full)
{
	if (w->out->n_commitments < LIST_CAP) {
		return 0;
	}
	w->out->has_more = w->out->more = 1;
	*full = 1;
	return 1;
}

/* An open commitment from a merge of commit_open queues (by due). */
static crm_status
take_open_commitment(struct req_ctx *ctx, struct store_iter *it, uint64_t id,
    int64_t at, void *arg, int *full)
{
	struct commit_walk *w = arg;
	(void)it;
	(void)at;
	if (w->want == 0 && commit_full(w, full)) {
		return CRM_OK;
	}
	Crm__V1__Commitment *c;
	size_t mark = crm_arena_mark(ctx->arena);
	crm_status rc = dispatch_list_record(ctx, DB_COMMITMENTS, id,
	    &crm__v1__commitment__descriptor, (ProtobufCMessage **)&c);
	if (rc != CRM_OK) {
		return rc;
	}
	commitment_fill(ctx, c);
	/* Broken: listed for whom the reports count it; one handed over
	 * after it fell due is its old holder's (take_held_open), and its
	 * owner has it to keep in the other lists (of every status). */
	if (w->want == CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN
	        ? !commitment_broken(c) || commitment_holder(c) != c->owner_id
	        : w->want != 0 && (int)c->status != w->want) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	if (commit_full(w, full)) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	w->out->commitments[w->out->n_commitments++] = c;
	return CRM_OK;
}

/* Commitment c, listed for holder: when another owns it now and the
 * reader may not see its customer, that owner (the customer's now) is
 * left out, as a customer one may not see never names its owner
 * (docs/authz.md). */
static void
held_row_owner(Crm__V1__Commitment *c, uint64_t holder)
{
	if (!c->has_customer_id && c->owner_id != holder) {
		c->has_owner_id = 0;
		c->owner_id = 0;
		c->owner = NULL;
	}
}

/* An open commitment past due, from a merge of the owners' commit_due
 * facts (under the holder the reports count it for), that another owns
 * now: handed over after it fell due, it is broken for its old holder.
 * In a list of every status, not when its owner's queue is in the view
 * too (listed there). */
static crm_status
take_held_open(struct req_ctx *ctx, struct store_iter *it, uint64_t id,
    int64_t due, void *arg, int *full)
{
	struct commit_walk *w = arg;
	const void *v;
	size_t vlen;
	struct stats_commit f;
	if (due >= ctx->now || !store_iter_data(it, &v, &vlen) ||
	    !stats_commit_decode(v, vlen, &f) ||
	    f.status != CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN) {
		return CRM_OK;
	}
	Crm__V1__Commitment *c;
	size_t mark = crm_arena_mark(ctx->arena);
	if (commitment_load(ctx, id, &c) != CRM_OK) {
		return CRM_OK;
	}
	if (!commitment_open(c) || c->owner_id == commitment_holder(c) ||
	    (w->want == 0 && owner_in(w->owners, c->owner_id))) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	if (commit_full(w, full)) {
		crm_arena_release(ctx->arena, mark);
		return CRM_OK;
	}
	commitment_fill(ctx, c);
	held_row_owner(c, c->report_owner_id);
	w->out->commitments[w->out->n_commitments++] = c;
	return CRM_OK;
}

/* A commitment kept late with a due time in the last KEPT_LATE_DAYS, from
 * a merge of the owners' commit_due facts (the open queue holds open ones
 * only). */
static crm_status
take_kept_late(struct req_ctx *ctx, struct store_iter *it, uint64_t id,
    int64_t due, void *arg, int *full)
{
	struct commit_walk *w = arg;
	const void *v;
	size_t vlen;
	struct stats_commit f;
	if (!store_iter_data(it, &v, &vlen) ||
	    !stats_commit_decode(v, vlen, &f) ||
	    !(f.status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE ||
	        (f.status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT &&
	            f.closed_at > due) ||
	        /* released to the pool after it fell due: broken, as the
	         * reports count it (report_summary.c) */
	        (f.status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED &&
	            f.closed_at > due &&
	            w->want !=
	                CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE))) {
		return CRM_OK;
	}
	if (commit_full(w, full)) {
		return CRM_OK;
	}
	Crm__V1__Commitment *c;
	if (commitment_load(ctx, id, &c) != CRM_OK) {
		return CRM_OK;
	}
	commitment_fill(ctx, c);
	held_row_owner(c, f.owner_id);
	w->out->commitments[w->out->n_commitments++] = c;
	return CRM_OK;
}

crm_status
sla_handle_commitment_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CommitmentListRequest *r = req->commitment_list;
	Crm__V1__CommitmentList *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__commitment_list__init(out);
	out->commitments =
	    crm_arena_alloc(ctx->arena, LIST_CAP * sizeof(*out->commitments));
	if (out->commitments == NULL) {
		return CRM_TOO_BIG;
	}
	struct owner_list owners = { NULL, 0, 0 };
	struct commit_walk w = { out, r->has_status ? (int)r->status : 0,
		&owners };
	int broken = w.want == 0 ||
	             w.want == CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN;
	crm_status rc = sla_each_owner(ctx, r->whole_team, owner_add, &owners);
	if (rc == CRM_OK) {
		rc = queues_merge(ctx, DB_COMMIT_OPEN, owners.ids, owners.n, 0,
		    INT64_MIN, INT64_MAX, take_open_commitment, &w);
	}
	if (rc == CRM_OK && !out->more && broken) {
		rc = queues_merge(ctx, DB_COMMIT_DUE, owners.ids, owners.n,
		    STATS_PERSON, INT64_MIN, ctx->now, take_held_open, &w);
	}
	if (rc == CRM_OK && !out->more &&
	    (broken ||
	        w.want == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE)) {
		rc = queues_merge(ctx, DB_COMMIT_DUE, owners.ids, owners.n,
		    STATS_PERSON, ctx->now - KEPT_LATE_DAYS * 86400, ctx->now,
		    take_kept_late, &w);
	}
	free(owners.ids);
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; i < out->n_commitments; i++) {
		sla_commitment_held_by(ctx, out->commitments[i]);
	}
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_COMMITMENTS;
	resp->commitments = out;
	return CRM_OK;
}

/* When a commitment was made: the time of the follow-up that made it
 * (a follow-up logged later with its own time made it then), else when
 * it was stored; and into *known when crm learned of it: when that
 * follow-up was logged (typed), else when it was stored. */
static int64_t
commitment_made_at(
    struct req_ctx *ctx, const Crm__V1__Commitment *c, int64_t *known)
{
	int64_t made = c->created_at;
	*known = c->created_at;
	if (c->has_followup_id && c->followup_id != 0) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__FollowUp *f;
		if (dispatch_record(ctx, DB_FOLLOWUPS, c->followup_id,
		        &crm__v1__follow_up__descriptor,
		        (ProtobufCMessage **)&f) == CRM_OK) {
			made = f->happened_at > 0 ? f->happened_at : made;
			*known = f->logged_at > 0 ? f->logged_at : *known;
		}
		crm_arena_release(ctx->arena, mark);
	}
	return made;
}

crm_status
sla_handle_commitment_done(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CommitmentDoneRequest *r = req->commitment_done;
	if (r->id == 0) {
		return dispatch_fail_no_id(ctx, "commitment");
	}
	Crm__V1__Commitment *before, *c;
	crm_status rc = commitment_load(ctx, r->id, &before);
	Crm__V1__Customer *cust;
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, before->customer_id, &cust);
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, rc, "no commitment %" PRIu64, r->id);
	}
	if (rc == CRM_OK) {
		rc = commitment_load(ctx, r->id, &c);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (!commitment_open(before)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "commitment %" PRIu64 " is already closed", r->id);
	}
	/* Kept when the rep said so (dispatch_at(ctx): a write kept offline
	 * keeps its time), or, kept by a follow-up, when that follow-up
	 * happened (one logged later with its own time counts then); late
	 * only when that was after its due time. */
	int64_t at = dispatch_at(ctx);
	int shown = 0;
	if (r->has_followup_id && r->followup_id != 0) {
		Crm__V1__FollowUp *f;
		rc = dispatch_record(ctx, DB_FOLLOWUPS, r->followup_id,
		    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)&f);
		if (rc == CRM_NOT_FOUND ||
		    (rc == CRM_OK && f->customer_id != c->customer_id)) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "commitment_done.followup_id",
			    "no follow-up %" PRIu64 " of %s", r->followup_id,
			    customer_name_of(ctx, c->customer_id));
		}
		if (rc != CRM_OK) {
			return rc;
		}
		/* A call nobody answered (no_answer, 未接通) reached nobody:
		 * it kept no promise, as it answers no SLA clock. */
		if (f->has_no_answer && f->no_answer) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "commitment_done.followup_id",
			    "follow-up %" PRIu64 " reached nobody (no answer, "
			    "未接通): it cannot have kept commitment %" PRIu64,
			    r->followup_id, r->id);
		}
		if (c->has_followup_id && c->followup_id == r->followup_id) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "commitment_done.followup_id",
			    "follow-up %" PRIu64 " made commitment %" PRIu64
			    ": a later follow-up keeps it",
			    r->followup_id, r->id);
		}
		int64_t known;
		int64_t made = commitment_made_at(ctx, c, &known);
		/* Before it, or at its very second (the same contact as the
		 * follow-up that made it). */
		if (f->happened_at > 0 && f->happened_at <= made) {
			char fat[32], cat[32];
			crm_time_format(f->happened_at, fat, sizeof(fat));
			crm_time_format(made, cat, sizeof(cat));
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "commitment_done.followup_id",
			    "follow-up %" PRIu64 " (%s) was %s commitment "
			    "%" PRIu64
			    " was made (%s): it cannot have kept it",
			    r->followup_id, fat,
			    f->happened_at < made ? "before"
			                          : "the contact in which",
			    r->id, cat);
		}
		if (f->happened_at > 0 && f->happened_at < at) {
			at = f->happened_at;
		}
		/* Shown broken: crm knew of the promise by its due time and
		 * it stood open past it; a follow-up typed after that (its
		 * logged_at: one kept in the outbox was typed when made)
		 * saying it was kept in time keeps it late, as a breach crm
		 * showed running stays (README). One crm learned of after its
		 * due time is kept as of the follow-up's time. */
		shown = known <= c->due_at && f->logged_at > c->due_at;
	}
	c->status = at > c->due_at || shown
	                ? CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE
	                : CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT;
	c->has_closed_at = 1;
	c->closed_at = at;
	if (r->has_followup_id) {
		c->has_closed_by = 1;
		c->closed_by = r->followup_id;
	}
	rc = commitment_put(ctx, before, c);
	if (rc != CRM_OK) {
		return rc;
	}
	commitment_fill(ctx, c);
	resp->body_case = CRM__V1__RESPONSE__BODY_COMMITMENT;
	resp->commitment = c;
	return CRM_OK;
}

/* ---------------------------------------------------- reminders */

crm_status
sla_handle_reminders(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__RemindersRequest *r = req->reminders;
	int64_t ahead = r->has_ahead_seconds && r->ahead_seconds > 0
	                    ? r->ahead_seconds
	                    : REMIND_AHEAD;
	if (ahead > 7 * 86400) {
		ahead = 7 * 86400;
	}
	Crm__V1__RemindersReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__SlaClockList clocks = CRM__V1__SLA_CLOCK_LIST__INIT;
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__reminders_reply__init(out);
	out->tasks = crm_arena_alloc(ctx->arena, LIST_CAP * sizeof(void *));
	clocks.clocks = crm_arena_alloc(ctx->arena, LIST_CAP * sizeof(void *));
	if (out->tasks == NULL || clocks.clocks == NULL) {
		return CRM_TOO_BIG;
	}
	int more_tasks = 0, more_props = 0;
	crm_status rc = task_collect(ctx, ctx->who->user_id, ctx->now + ahead,
	    out->tasks, &out->n_tasks, LIST_CAP, &more_tasks);
	struct clock_walk w = { &clocks, 0 };
	if (rc == CRM_OK) {
		rc = merge_queues(ctx, 0, DB_SLA_OPEN, 0, INT64_MIN,
		    ctx->now + ahead, take_clock, &w);
	}
	if (rc == CRM_OK && ctx->who->role != CRM__V1__ROLE__ROLE_REP) {
		rc = lifecycle_pending(ctx, &out->proposals, &out->n_proposals,
		    LIST_CAP, &more_props);
	}
	out->has_more = out->more = more_tasks || clocks.more || more_props;
	if (rc != CRM_OK) {
		return rc;
	}
	out->clocks = clocks.clocks;
	out->n_clocks = clocks.n_clocks;
	out->has_now_at = 1;
	out->now_at = ctx->now;
	resp->body_case = CRM__V1__RESPONSE__BODY_REMINDERS;
	resp->reminders = out;
	return CRM_OK;
}

/* ---------------------------------------------------- upgrade */

struct left_churn {
	int64_t since, at;
};

static crm_status
left_churn_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)seq;
	struct left_churn *l = arg;
	if (h->happened_at >= l->since &&
	    h->stage_from == CRM__V1__STAGE__STAGE_CHURN_RISK) {
		l->at = h->happened_at;
		*stop = true;
	}
	return CRM_OK;
}

/* When customer cid left churn_risk after `since` (its stage history),
 * or 0 when it did not (or its history cannot be read). */
static int64_t
left_churn_at(struct req_ctx *ctx, uint64_t cid, int64_t since)
{
	struct left_churn l = { since, 0 };
	(void)lifecycle_stage_each(ctx, cid, left_churn_visit, &l);
	return l.at;
}

/* Call fn for every clock of the data (an upgrade's walk), with a fresh
 * arena each. */
static crm_status
each_clock(struct req_ctx *ctx,
    crm_status (*fn)(struct req_ctx *, Crm__V1__SlaClock *, void *), void *arg)
{
	uint64_t id = 0;
	crm_status rc;
	while ((rc = store_id_next(ctx->st, ctx->txn, DB_SLA, id, &id)) ==
	       CRM_OK) {
		crm_arena_reset(ctx->arena);
		Crm__V1__SlaClock *before;
		rc = clock_load(ctx, id, &before);
		if (rc == CRM_OK) {
			rc = fn(ctx, before, arg);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	crm_arena_reset(ctx->arena);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

/* Schema 6: a churn clock still running for a customer no longer at
 * churn risk stops when it left. */
static crm_status
stop_left_churn(struct req_ctx *ctx, Crm__V1__SlaClock *before, void *arg)
{
	(void)arg;
	Crm__V1__SlaClock *k;
	Crm__V1__Customer *c;
	if (!running(before) ||
	    before->kind != CRM__V1__SLA_KIND__SLA_CHURN_CONTACT ||
	    dispatch_record(ctx, DB_CUSTOMERS, before->customer_id,
	        &crm__v1__customer__descriptor,
	        (ProtobufCMessage **)&c) != CRM_OK ||
	    (c->stage == CRM__V1__STAGE__STAGE_CHURN_RISK &&
	        c->merged_into == 0)) {
		return CRM_OK;
	}
	int64_t at = left_churn_at(ctx, c->id, before->started_at);
	crm_status rc = clock_load(ctx, before->id, &k);
	if (rc == CRM_OK) {
		rc = stop_clock_exact(ctx, before, k, 0, at ? at : ctx->now);
	}
	return rc;
}

crm_status
sla_upgrade_churn(struct req_ctx *ctx)
{
	return each_clock(ctx, stop_left_churn, NULL);
}

/* Schema 24: an objection kept under the one who held it at a hand-over
 * goes to its owner, its report fact with it (*(uint64_t *)arg: how
 * many). */
static crm_status
refile_objection(struct req_ctx *ctx, Crm__V1__SlaClock *before, void *arg)
{
	Crm__V1__SlaClock *k;
	if (before->kind != CRM__V1__SLA_KIND__SLA_OBJECTION ||
	    !before->has_report_owner_id) {
		return CRM_OK;
	}
	crm_status rc = clock_load(ctx, before->id, &k);
	if (rc == CRM_OK) {
		k->has_report_owner_id = k->has_report_until_at = 0;
		k->report_owner_id = 0;
		k->report_until_at = 0;
		rc = clock_put(ctx, before, k);
	}
	if (rc == CRM_OK) {
		(*(uint64_t *)arg)++;
	}
	return rc;
}

crm_status
sla_refile_objections(struct req_ctx *ctx, uint64_t *n)
{
	*n = 0;
	return each_clock(ctx, refile_objection, n);
}

/* ---------------------------------------------------- merge */

crm_status
sla_move_customer(struct req_ctx *ctx, uint64_t from, uint64_t to)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                           DB_COMMIT_CUST, from, id, &id) == CRM_OK) {
		Crm__V1__Commitment *before, *c;
		rc = commitment_load(ctx, id, &before);
		if (rc == CRM_OK) {
			rc = commitment_load(ctx, id, &c);
		}
		if (rc == CRM_OK) {
			c->customer_id = to;
			rc = commitment_put(ctx, before, c);
		}
		if (rc == CRM_OK) {
			rc = store_index_del(
			    ctx->st, ctx->txn, DB_COMMIT_CUST, from, id);
		}
		if (rc == CRM_OK) {
			rc = store_index_add(
			    ctx->st, ctx->txn, DB_COMMIT_CUST, to, id);
		}
		if (rc == CRM_OK && commitment_open(before)) {
			rc = event_add(ctx, to, 0, "customers merged",
			    "commitment %" PRIu64
			    " (%s) moved here from merged customer %s",
			    id, c->text ? c->text : "",
			    customer_name_of(ctx, from));
		}
	}
	id = 0;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_SLA_CUST,
	                           from, id, &id) == CRM_OK) {
		Crm__V1__SlaClock *before, *k;
		rc = clock_load(ctx, id, &before);
		if (rc == CRM_OK) {
			rc = clock_load(ctx, id, &k);
		}
		if (rc == CRM_OK) {
			k->customer_id = to;
			rc = clock_put(ctx, before, k);
		}
		if (rc == CRM_OK) {
			rc = store_index_del(
			    ctx->st, ctx->txn, DB_SLA_CUST, from, id);
		}
		if (rc == CRM_OK) {
			rc = store_index_add(
			    ctx->st, ctx->txn, DB_SLA_CUST, to, id);
		}
		if (rc == CRM_OK && running(before)) {
			rc = event_add(ctx, to, 0, "customers merged",
			    "%s clock %" PRIu64
			    " moved here from merged customer %s",
			    crm_enum_name(
			        &crm__v1__sla_kind__descriptor, k->kind),
			    id, customer_name_of(ctx, from));
		}
	}
	return rc;
}

/* ---------------------------------------------------- new owner */

/* Whose work moves to cust's owner: from's, anyone's who may not see
 * cust, and, when cust comes out of its team's pool (from 0: a claim, an
 * assign), all of it: what was held while it sat there (the manager's
 * since the release or since it started, or no one's) is the new
 * owner's to work; a breach already past stays counted for its holder
 * then (clock_give). */
static int
moves(struct req_ctx *ctx, const Crm__V1__Customer *cust, uint64_t from,
    uint64_t owner)
{
	return owner != cust->owner_id && cust->owner_id != 0 &&
	       (from == 0 || owner == from ||
	           !task_user_sees(ctx, owner, cust));
}

/* Why sla_reown gives a commitment or clock to the customer's owner. */
static const char *
reown_why(uint64_t from, uint64_t holder)
{
	if (holder == 0) {
		return "no one held it while the customer was in the pool";
	}
	if (from == 0) {
		return "the customer came out of the pool to its new owner";
	}
	return holder == from ? "the customer was given to a new owner"
	                      : "its owner may not see the customer";
}

/* The one a commitment or clock is given from, for its event: held by
 * no one (a pool customer's, in a team with no manager) is said so, not
 * left blank. */
static const char *
holder_name(struct req_ctx *ctx, uint64_t id)
{
	return id != 0 ? user_login_of(ctx, id)
	               : "no one (the customer was in the pool)";
}

/* Running clock k goes to owner now: past its deadline already, the
 * reports keep counting it for whoever held it then (stats_holder), as
 * a task's and a commitment's; an objection has no deadline to be past
 * (stats_hand_over). */
static void
clock_give(struct req_ctx *ctx, Crm__V1__SlaClock *k, uint64_t owner)
{
	if (owner != k->owner_id) {
		stats_hand_over(k->owner_id, k->deadline_at, ctx->now,
		    (struct stats_report_owner){ &k->report_owner_id,
		        &k->report_until_at, &k->has_report_owner_id,
		        &k->has_report_until_at });
	}
	k->owner_id = owner;
}

crm_status
sla_reown(struct req_ctx *ctx, const Crm__V1__Customer *cust, uint64_t from)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_COMMIT_CUST,
	                        cust->id, id, &id) == CRM_OK) {
		Crm__V1__Commitment *before, *c;
		rc = commitment_load(ctx, id, &before);
		if (rc != CRM_OK || !commitment_open(before) ||
		    !moves(ctx, cust, from, before->owner_id)) {
			continue;
		}
		rc = commitment_load(ctx, id, &c);
		if (rc == CRM_OK) {
			/* The new owner works it. */
			stats_hand_over(c->owner_id, c->due_at, ctx->now,
			    (struct stats_report_owner){ &c->report_owner_id,
			        &c->report_until_at, &c->has_report_owner_id,
			        &c->has_report_until_at });
			c->owner_id = cust->owner_id;
			rc = commitment_put(ctx, before, c);
		}
		if (rc == CRM_OK) {
			rc = event_add(ctx, cust->id, 0,
			    reown_why(from, before->owner_id),
			    "commitment %" PRIu64 " (%s) given from %s to %s",
			    id, c->text ? c->text : "",
			    holder_name(ctx, before->owner_id),
			    user_login_of(ctx, cust->owner_id));
		}
	}
	id = 0;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_SLA_CUST,
	                           cust->id, id, &id) == CRM_OK) {
		Crm__V1__SlaClock *before, *k;
		rc = clock_load(ctx, id, &before);
		if (rc != CRM_OK || !running(before) ||
		    !moves(ctx, cust, from, before->owner_id)) {
			continue;
		}
		rc = clock_load(ctx, id, &k);
		if (rc == CRM_OK) {
			clock_give(ctx, k, cust->owner_id);
			rc = clock_put(ctx, before, k);
		}
		if (rc == CRM_OK) {
			rc = event_add(ctx, cust->id, 0,
			    reown_why(from, before->owner_id),
			    "%s clock %" PRIu64 " given from %s to %s",
			    crm_enum_name(
			        &crm__v1__sla_kind__descriptor, k->kind),
			    id, holder_name(ctx, before->owner_id),
			    user_login_of(ctx, cust->owner_id));
		}
	}
	return rc;
}

crm_status
sla_release(struct req_ctx *ctx, const Crm__V1__Customer *cust,
    uint64_t manager_id, const char *why)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_COMMIT_CUST,
	                        cust->id, id, &id) == CRM_OK) {
		Crm__V1__Commitment *before, *c;
		rc = commitment_load(ctx, id, &before);
		if (rc != CRM_OK || !commitment_open(before)) {
			continue;
		}
		rc = commitment_load(ctx, id, &c);
		if (rc == CRM_OK) {
			c->status =
			    CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED;
			c->has_closed_at = 1;
			c->closed_at = dispatch_at(ctx);
			rc = commitment_put(ctx, before, c);
		}
		if (rc == CRM_OK) {
			rc = event_add(ctx, cust->id, 0, why,
			    "commitment %" PRIu64 " (%s) of %s closed: the "
			    "customer went to the pool",
			    id, c->text ? c->text : "",
			    user_login_of(ctx, before->owner_id));
		}
	}
	id = 0;
	while (rc == CRM_OK && manager_id != 0 &&
	       store_index_next(ctx->st, ctx->txn, DB_SLA_CUST, cust->id, id,
	           &id) == CRM_OK) {
		Crm__V1__SlaClock *before, *k;
		rc = clock_load(ctx, id, &before);
		if (rc != CRM_OK || !running(before) ||
		    before->owner_id == manager_id) {
			continue;
		}
		rc = clock_load(ctx, id, &k);
		if (rc == CRM_OK) {
			clock_give(ctx, k, manager_id);
			rc = clock_put(ctx, before, k);
		}
		if (rc == CRM_OK) {
			rc = event_add(ctx, cust->id, 0, why,
			    "%s clock %" PRIu64 " given from %s to %s (the "
			    "team's manager, while the customer is in the "
			    "pool)",
			    crm_enum_name(
			        &crm__v1__sla_kind__descriptor, k->kind),
			    id, holder_name(ctx, before->owner_id),
			    user_login_of(ctx, manager_id));
		}
	}
	return rc;
}
