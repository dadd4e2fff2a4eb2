/* SPDX-License-Identifier: MIT */
/*
 * cmd_grade.c: grade proposals (初评 → 审核): a rep proposes a grade with a
 * reason, a manager of the team approves or rejects it; the customer's
 * grade changes only on approval. The server decides who may do what.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const char *
grade_word(int v)
{
	const char *s = crm_enum_name(&crm__v1__grade__descriptor, v);
	return s[0] ? s : "-";
}

/* Send req (answered by one GradeProposal) and say what it is now. */
static crm_status
proposal_call(struct cmd_ctx *ctx, Crm__V1__Request *req, render_doc *out)
{
	Crm__V1__Response *resp = NULL;
	crm_status rc =
	    cmd_expect(ctx, req, CRM__V1__RESPONSE__BODY_PROPOSAL, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__GradeProposal *p = resp->proposal;
	/* A decision says who made it and why. */
	render_text(out, "grade proposal %llu: %s %s → %s, %s%s%s%s%s",
	    (unsigned long long)p->id, p->customer ? p->customer : "?",
	    grade_word(p->grade_from), grade_word(p->grade_to),
	    crm_enum_name(&crm__v1__proposal_status__descriptor, p->status),
	    p->decided_by ? " by " : "", p->decided_by ? p->decided_by : "",
	    p->decision_reason ? ": " : "",
	    p->decision_reason ? p->decision_reason : "");
	render_set_json(out, render_json_message(&p->base));
	cmd_cache_names((const char *const *)&p->customer, 1);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_grade_propose(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__GradeProposeRequest body =
	    CRM__V1__GRADE_PROPOSE_REQUEST__INIT;
	int v = 0;

	if (cmd_parse_enum(ctx, call, &crm__v1__grade__descriptor, "grade",
	        call->argv[1], &v) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_grade = 1;
	body.grade = (Crm__V1__Grade)v;
	body.reason = call->argv[2];
	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_GRADE_PROPOSE;
	req.grade_propose = &body;
	return proposal_call(ctx, &req, out);
}

crm_status
cmd_grade_pending(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "id", "customer", "from", "to",
		"by", "reason", "proposed" };
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__GradePendingRequest body =
	    CRM__V1__GRADE_PENDING_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	(void)call;
	req.body_case = CRM__V1__REQUEST__BODY_GRADE_PENDING;
	req.grade_pending = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_PROPOSALS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__GradeProposalList *l = resp->proposals;
	json_t *arr = json_array();
	render_table(out, 7, cols);
	for (size_t i = 0; i < l->n_proposals; i++) {
		const Crm__V1__GradeProposal *p = l->proposals[i];
		char id[24], at[32] = "";
		snprintf(id, sizeof(id), "%llu", (unsigned long long)p->id);
		if (p->created_at != 0) {
			crm_time_format(p->created_at, at, sizeof(at));
		}
		const char *cells[] = { id, p->customer,
			grade_word(p->grade_from), grade_word(p->grade_to),
			p->proposed_by, p->reason, at };
		render_row(out, cells);
		json_array_append_new(arr, render_json_message(&p->base));
	}
	if (l->n_proposals == 0) {
		render_text(out, "no proposals waiting");
	}
	if (l->more) {
		render_text(out,
		    "more than %zu proposals wait: decide these first, then "
		    "ask again",
		    l->n_proposals);
	}
	render_set_json(out, arr);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* approve and reject: a GradeDecideRequest in the given oneof case. */
static crm_status
decide(struct cmd_ctx *ctx, const struct cmd_call *call,
    Crm__V1__Request__BodyCase bc, const char *reason, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__GradeDecideRequest body = CRM__V1__GRADE_DECIDE_REQUEST__INIT;

	if (cmd_parse_id_arg(ctx, call, "the proposal id", call->argv[0],
	        &body.id) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_id = 1;
	body.reason = (char *)reason;
	req.body_case = bc;
	if (bc == CRM__V1__REQUEST__BODY_GRADE_APPROVE) {
		req.grade_approve = &body;
	} else {
		req.grade_reject = &body;
	}
	return proposal_call(ctx, &req, out);
}

crm_status
cmd_grade_approve(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	return decide(
	    ctx, call, CRM__V1__REQUEST__BODY_GRADE_APPROVE, NULL, out);
}

crm_status
cmd_grade_reject(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	if (call->argv[1][0] == '\0') {
		return cmd_usage_error(
		    ctx, call, "a rejection needs a reason");
	}
	return decide(ctx, call, CRM__V1__REQUEST__BODY_GRADE_REJECT,
	    call->argv[1], out);
}
