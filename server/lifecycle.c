/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.c: the customer lifecycle: stage changes with history (stage)
 * and grades proposed by reps, decided by the team's manager (grade
 * propose, pending, approve, reject). The grade changes only on approval.
 * A move to won with a deal amount records that deal as a purchase.
 */
#include "history.h"
#include "lifecycle.h"

#include <inttypes.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "purchase.h"
#include "sla.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

crm_status
lifecycle_stage_apply(
    struct req_ctx *ctx, Crm__V1__Customer *c, const struct lifecycle_stage *s)
{
	if (s->to <= 0) {
		return dispatch_fail(ctx, CRM_EINVAL, "give a stage");
	}
	if ((int)c->stage == s->to) {
		return dispatch_fail(ctx, CRM_EINVAL, "customer is already %s",
		    crm_enum_name(&crm__v1__stage__descriptor, s->to));
	}
	if (s->to == CRM__V1__STAGE__STAGE_LOST && s->lost_reason <= 0) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "lost needs a reason: price, competitor, service, "
		    "no_need or other (with text)");
	}
	Crm__V1__StageChange h = CRM__V1__STAGE_CHANGE__INIT;
	h.has_customer_id = h.has_at = h.has_by_id = h.has_from = h.has_to = 1;
	h.customer_id = c->id;
	h.at = s->at ? s->at : ctx->now;
	h.by_id = ctx->who->user_id;
	h.from = c->stage;
	h.to = (Crm__V1__Stage)s->to;
	h.has_grade = c->has_grade;
	h.grade = c->grade;
	h.reason = (char *)s->reason;
	if (s->lost_reason > 0) {
		h.has_lost_reason = 1;
		h.lost_reason = (Crm__V1__LostReason)s->lost_reason;
	}
	if (s->followup_id) {
		h.has_followup_id = 1;
		h.followup_id = s->followup_id;
	}
	uint64_t seq;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "stage", &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	store_key k;
	store_key_pair(&k, c->id, seq);
	rc = store_put_msg(ctx->st, ctx->txn, DB_STAGE_HIST, &k, &h.base);
	if (rc == CRM_OK) {
		struct history_pos at = { c->id, h.at, seq };
		rc = history_index_pos(ctx, HIST_STAGE, NULL, &at);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_stage = 1;
	c->stage = (Crm__V1__Stage)s->to;
	if (s->to == CRM__V1__STAGE__STAGE_LOST) {
		c->has_lost_reason = c->has_lost_at = 1;
		c->lost_reason = (Crm__V1__LostReason)s->lost_reason;
		c->lost_text = (char *)s->reason;
		c->lost_at = ctx->now;
	}
	if (s->to == CRM__V1__STAGE__STAGE_WON) {
		c->has_won_at = 1;
		c->won_at = s->won_at ? s->won_at : ctx->now;
		if (s->deal_amount) {
			c->has_deal_amount = 1;
			c->deal_amount = s->deal_amount;
		}
		if (s->contract_terms) {
			c->contract_terms = (char *)s->contract_terms;
		}
	}
	rc = stats_on_stage(ctx, c, &h, seq);
	if (rc == CRM_OK && s->to == CRM__V1__STAGE__STAGE_WON &&
	    s->deal_amount > 0) {
		Crm__V1__Purchase p = CRM__V1__PURCHASE__INIT;
		const char *t = s->contract_terms;
		p.has_amount = p.has_at = 1;
		p.amount = s->deal_amount;
		p.at = c->won_at < ctx->now ? c->won_at : ctx->now;
		/* Short one-line terms name the product; else a plain word. */
		p.product = t && *t && strlen(t) <= PURCHASE_PRODUCT_MAX &&
		                    strpbrk(t, "\t\n") == NULL
		                ? (char *)t
		                : "won deal";
		rc = purchase_add(ctx, c, &p, s->followup_id, NULL);
	}
	if (rc == CRM_OK && s->to == CRM__V1__STAGE__STAGE_CHURN_RISK) {
		rc = sla_start(ctx, c, CRM__V1__SLA_KIND__SLA_CHURN_CONTACT,
		    s->reason, NULL);
	}
	return rc;
}

crm_status
lifecycle_handle_stage(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__StageSetRequest *r = req->stage_set;
	Crm__V1__Customer *before, *c;
	crm_status rc = customer_editable(ctx, r->customer_id, &before);
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, r->customer_id, &c);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	struct lifecycle_stage s = {
		.to = r->has_stage ? (int)r->stage : 0,
		.reason = r->reason,
		.lost_reason = r->has_lost_reason ? (int)r->lost_reason : 0,
		.deal_amount = r->has_deal_amount ? r->deal_amount : 0,
		.won_at = r->has_won_at ? r->won_at : 0,
		.contract_terms = r->contract_terms,
	};
	rc = lifecycle_stage_apply(ctx, c, &s);
	if (rc == CRM_OK) {
		rc = customer_save(ctx, before, c);
	}
	if (rc == CRM_OK) {
		rc = task_followup_sync(ctx, c, customer_last_contact(c),
		    c->stage == CRM__V1__STAGE__STAGE_LOST);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, c, resp);
}

/* ---------------------------------------------------- grades */

static crm_status
proposal_load(struct req_ctx *ctx, uint64_t id, Crm__V1__GradeProposal **p)
{
	return dispatch_record(ctx, DB_PROPOSALS, id,
	    &crm__v1__grade_proposal__descriptor, (ProtobufCMessage **)p);
}

static void
proposal_fill(struct req_ctx *ctx, Crm__V1__GradeProposal *p)
{
	p->customer = (char *)customer_name_of(ctx, p->customer_id);
	p->proposed_by = (char *)user_login_of(ctx, p->proposed_by_id);
	if (p->decided_by_id) {
		p->decided_by = (char *)user_login_of(ctx, p->decided_by_id);
	}
}

static crm_status
proposal_put(struct req_ctx *ctx, const Crm__V1__GradeProposal *before,
    Crm__V1__GradeProposal *p, uint64_t team_id)
{
	crm_status rc = CRM_OK;
	p->customer = p->proposed_by = p->decided_by = NULL;
	int was = before &&
	          before->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
	int is = p->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
	if (was && !is) {
		rc = store_index_del(
		    ctx->st, ctx->txn, DB_PROP_PENDING, team_id, p->id);
	} else if (!was && is) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_PROP_PENDING, team_id, p->id);
	}
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_PROP_CUST, p->customer_id, p->id);
	}
	store_key k;
	store_key_id(&k, p->id);
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_GRADE,
		    (const ProtobufCMessage *)before, &p->base);
	}
	if (rc == CRM_OK) {
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_PROPOSALS, &k, &p->base);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "grade_proposal", p->id,
		    before ? &before->base : NULL, &p->base);
	}
	return rc;
}

crm_status
lifecycle_handle_grade_propose(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__GradeProposeRequest *r = req->grade_propose;
	if (!r->has_grade || r->grade == 0 || r->reason == NULL ||
	    *r->reason == '\0') {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "give a grade S, A, B or C and a reason");
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_editable(ctx, r->customer_id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	if (c->grade == r->grade) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "the grade is already %s",
		    crm_enum_name(&crm__v1__grade__descriptor, r->grade));
	}
	Crm__V1__GradeProposal *p = crm_arena_alloc(ctx->arena, sizeof(*p));
	if (p == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__grade_proposal__init(p);
	rc = store_next_id(ctx->st, ctx->txn, "proposal", &p->id);
	if (rc != CRM_OK) {
		return rc;
	}
	p->has_id = p->has_customer_id = p->has_proposed_by_id = 1;
	p->has_from = p->has_to = p->has_status = p->has_created_at = 1;
	p->customer_id = c->id;
	p->proposed_by_id = ctx->who->user_id;
	p->from = c->grade;
	p->to = r->grade;
	p->reason = r->reason;
	p->status = CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
	p->created_at = ctx->now;
	rc = proposal_put(ctx, NULL, p, c->team_id);
	if (rc != CRM_OK) {
		return rc;
	}
	proposal_fill(ctx, p);
	resp->body_case = CRM__V1__RESPONSE__BODY_PROPOSAL;
	resp->proposal = p;
	return CRM_OK;
}

/* The pending proposals the caller decides on (or made), up to cap. */
crm_status
lifecycle_pending(
    struct req_ctx *ctx, Crm__V1__GradeProposal ***out, size_t *n, size_t cap)
{
	*n = 0;
	*out = crm_arena_alloc(ctx->arena, cap * sizeof(**out));
	if (*out == NULL) {
		return CRM_TOO_BIG;
	}
	struct store_iter it;
	store_key p;
	size_t plen = 8;
	store_key_id(&p, ctx->who->team_id);
	if (ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		plen = 0;
	}
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_PROP_PENDING, p.b, plen, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (*n < cap && store_iter_next(&it, &key, &klen)) {
		Crm__V1__GradeProposal *gp;
		if (klen != 16) {
			continue;
		}
		size_t mark = crm_arena_mark(ctx->arena);
		rc = dispatch_list_record(ctx, DB_PROPOSALS,
		    store_u64(key + 8), &crm__v1__grade_proposal__descriptor,
		    (ProtobufCMessage **)&gp);
		if (rc != CRM_OK) {
			break;
		}
		if (ctx->who->role == CRM__V1__ROLE__ROLE_REP &&
		    gp->proposed_by_id != ctx->who->user_id) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		proposal_fill(ctx, gp);
		(*out)[(*n)++] = gp;
	}
	store_iter_close(&it);
	return rc;
}

crm_status
lifecycle_handle_grade_pending(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__GradeProposalList *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__grade_proposal_list__init(out);
	crm_status rc =
	    lifecycle_pending(ctx, &out->proposals, &out->n_proposals, 500);
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_PROPOSALS;
		resp->proposals = out;
	}
	return rc;
}

static crm_status
decide(struct req_ctx *ctx, const Crm__V1__GradeDecideRequest *r, int approve,
    Crm__V1__Response *resp)
{
	Crm__V1__GradeProposal *before, *p;
	crm_status rc = proposal_load(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = proposal_load(ctx, r->id, &p);
	}
	Crm__V1__Customer *cb, *c;
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, p->customer_id, &cb);
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(
		    ctx, rc, "no grade proposal %" PRIu64, r->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (!auth_manages(ctx->who, cb->team_id)) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "only a manager of the team decides grades");
	}
	if (p->status != CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "proposal %" PRIu64 " is already decided", r->id);
	}
	if (!approve && (r->reason == NULL || *r->reason == '\0')) {
		return dispatch_fail(ctx, CRM_EINVAL, "say why you reject it");
	}
	p->has_status = p->has_decided_by_id = p->has_decided_at = 1;
	p->status = approve ? CRM__V1__PROPOSAL_STATUS__PROPOSAL_APPROVED
	                    : CRM__V1__PROPOSAL_STATUS__PROPOSAL_REJECTED;
	p->decided_by_id = ctx->who->user_id;
	p->decided_at = ctx->now;
	p->decision_reason = r->reason;
	rc = proposal_put(ctx, before, p, cb->team_id);
	if (rc == CRM_OK && approve) {
		rc = customer_visible(ctx, p->customer_id, &c);
		if (rc == CRM_OK) {
			c->has_grade = 1;
			c->grade = p->to;
			rc = customer_save(ctx, cb, c);
		}
		if (rc == CRM_OK) {
			rc = task_followup_sync(
			    ctx, c, customer_last_contact(c), 1);
		}
	}
	if (rc != CRM_OK) {
		return rc;
	}
	proposal_fill(ctx, p);
	resp->body_case = CRM__V1__RESPONSE__BODY_PROPOSAL;
	resp->proposal = p;
	return CRM_OK;
}

crm_status
lifecycle_handle_grade_approve(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	return decide(ctx, req->grade_approve, 1, resp);
}

crm_status
lifecycle_handle_grade_reject(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	return decide(ctx, req->grade_reject, 0, resp);
}
