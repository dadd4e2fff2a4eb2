/* SPDX-License-Identifier: MIT */
/*
 * merge.c: customer merge (duplicates found late). In one transaction the
 * dropped customer's contacts, follow-ups, tasks, commitments, SLA
 * clocks, grade proposals, purchases and routines move to the kept one
 * (keeping one next follow-up, one re-grade review and one pending grade
 * proposal),
 * and the dropped record stays as a
 * tombstone (merged_into) that leaves the name index, every list and the
 * report tallies. Its stage history stays with it. Each moved record and
 * both customers get audit records.
 */
#include <inttypes.h>

#include "contact.h"
#include "crm.h"
#include "customer.h"
#include "followup.h"
#include "handlers.h"
#include "lifecycle.h"
#include "purchase.h"
#include "routine.h"
#include "sla.h"
#include "store_schema.h"
#include "task.h"

typedef crm_status (*merge_move)(struct req_ctx *, uint64_t, uint64_t);

/* Move every record of index db under customer from to customer to. */
static crm_status
move_all(struct req_ctx *ctx, enum store_db db, merge_move fn, uint64_t from,
    uint64_t to)
{
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	/* Each move deletes (from, id); the next seek starts after it. */
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, db, from,
	                           id, &id) == CRM_OK) {
		rc = fn(ctx, id, to);
	}
	return rc;
}

static int64_t
earliest(int64_t a, int64_t b)
{
	return a == 0 ? b : (b == 0 || a < b ? a : b);
}

crm_status
merge_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerMergeRequest *r = req->customer_merge;
	if (!r->has_keep || !r->has_drop || r->keep == 0 || r->drop == 0) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "give the customer to keep and to drop");
	}
	if (r->keep == r->drop) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "a customer cannot merge into itself");
	}
	Crm__V1__Customer *keep0, *keep, *drop0, *drop;
	crm_status rc = customer_visible(ctx, r->keep, &keep0);
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->keep, &keep);
	}
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->drop, &drop0);
	}
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->drop, &drop);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (keep->merged_into != 0 || drop->merged_into != 0) {
		const Crm__V1__Customer *m = keep->merged_into ? keep : drop;
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "customer %" PRIu64 " was merged into %" PRIu64, m->id,
		    m->merged_into);
	}
	rc = move_all(ctx, DB_CONTACT_CUST, contact_move, drop->id, keep->id);
	if (rc == CRM_OK) {
		rc = move_all(
		    ctx, DB_FU_CUST, followup_move, drop->id, keep->id);
	}
	if (rc == CRM_OK) {
		rc = move_all(
		    ctx, DB_TASK_CUST, task_move_customer, drop->id, keep->id);
	}
	if (rc == CRM_OK) {
		rc = move_all(
		    ctx, DB_ROUTINE_CUST, routine_move, drop->id, keep->id);
	}
	if (rc == CRM_OK) {
		rc = sla_move_customer(ctx, drop->id, keep->id);
	}
	if (rc == CRM_OK) {
		rc = lifecycle_proposals_merge(ctx, drop, keep);
	}
	/* What moved is the kept customer's owner's unless its holder
	 * may see the kept customer. */
	if (rc == CRM_OK) {
		rc = task_reown(ctx, keep, 0);
	}
	if (rc == CRM_OK) {
		rc = sla_reown(ctx, keep, 0);
	}
	/* A lost kept customer keeps no open task of the dropped one. */
	if (rc == CRM_OK) {
		rc = task_followup_sync(
		    ctx, keep, customer_last_contact(keep), 0);
	}
	if (rc == CRM_OK) {
		rc = task_festival_resync(ctx, keep); /* keep's cell decides */
	}
	if (rc == CRM_OK) {
		rc = move_all(
		    ctx, DB_PURCH_CUST, purchase_move, drop->id, keep->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* The moves touched both records: start from what is stored. */
	rc = customer_visible(ctx, r->drop, &drop0);
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->drop, &drop);
	}
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->keep, &keep0);
	}
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->keep, &keep);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	drop->has_merged_into = drop->has_merged_at = 1;
	drop->merged_into = keep->id;
	drop->merged_at = ctx->now;
	rc = customer_save(ctx, drop0, drop);
	if (rc != CRM_OK) {
		return rc;
	}
	keep->has_first_contact_at = 1;
	keep->first_contact_at =
	    earliest(keep->first_contact_at, drop->first_contact_at);
	if (drop->last_contact_at > keep->last_contact_at) {
		keep->has_last_contact_at = 1;
		keep->last_contact_at = drop->last_contact_at;
	}
	rc = customer_save(ctx, keep0, keep);
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, keep, resp);
}
