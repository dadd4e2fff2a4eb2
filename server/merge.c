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
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "contact.h"
#include "crm.h"
#include "crm_enum.h"
#include "customer.h"
#include "followup.h"
#include "handlers.h"
#include "lifecycle.h"
#include "merge.h"
#include "purchase.h"
#include "routine.h"
#include "signals.h"
#include "sla.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

typedef crm_status (*merge_move)(struct req_ctx *, uint64_t, uint64_t);

/* What a merge does with each record type (schema.def's merge column):
 * move each record of its per-customer list with fn; fn NULL and a list:
 * a whole step (merge_whole); no list: it stays. */
typedef crm_status (*merge_reown)(
    struct req_ctx *, const Crm__V1__Customer *, uint64_t);
#define MERGE_STAYS NULL
#define MERGE_WHOLE NULL
#define REOWN_NONE  NULL
static const struct {
	enum store_db db, by_customer;
	merge_move fn;
	merge_reown reown; /* after the moves: to the kept one's owner */
} carried[] = {
#define SCHEMA_RECORD(                                               \
    db, type, seq, by_customer, check, merge, reown, export, change) \
	{ db, by_customer, merge, reown },
#include "schema.def"
};

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

/* The record types a merge moves all at once, keeping one of a kind. */
static crm_status
merge_whole(struct req_ctx *ctx, enum store_db db, Crm__V1__Customer *drop,
    Crm__V1__Customer *keep)
{
	switch (db) {
	case DB_SLA: /* its commitments with it: one running clock a kind */
		return sla_move_customer(ctx, drop->id, keep->id);
	case DB_PROPOSALS: /* one pending proposal */
		return lifecycle_proposals_merge(ctx, drop, keep);
	default: /* DB_COMMITMENTS: moved with the clocks */
		return CRM_OK;
	}
}

static int64_t
earliest(int64_t a, int64_t b)
{
	return a == 0 ? b : (b == 0 || a < b ? a : b);
}

/* The checks customer.merge and its preview share: two distinct
 * customers the caller may see, neither merged. */
static crm_status
merge_check(struct req_ctx *ctx, const Crm__V1__CustomerMergeRequest *r,
    Crm__V1__Customer **keep, Crm__V1__Customer **drop)
{
	if (!r->has_keep || !r->has_drop || r->keep == 0 || r->drop == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_keep || r->keep == 0 ? "keep" : "drop",
		    "give the customer to keep and to drop");
	}
	if (r->keep == r->drop) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "drop",
		    "a customer cannot merge into itself");
	}
	crm_status rc = customer_visible(ctx, r->keep, keep);
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->drop, drop);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if ((*keep)->merged_into != 0 || (*drop)->merged_into != 0) {
		const Crm__V1__Customer *m =
		    (*keep)->merged_into ? *keep : *drop;
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "customer %" PRIu64 " was merged into %" PRIu64, m->id,
		    m->merged_into);
	}
	/* The reports count the kept customer's deal: a won duplicate
	 * dropped into one never won would take its win out of every
	 * period it counted in (scenario merge-keeps-the-win). */
	if ((*drop)->won_at > 0 && (*keep)->won_at == 0) {
		char day[16], amount[48] = "";
		calendar_day_key((*drop)->won_at, day, sizeof(day));
		if ((*drop)->deal_amount > 0) {
			crm_money_format(
			    (*drop)->deal_amount, amount, sizeof(amount) - 4);
			strcat(amount, " on ");
		}
		return dispatch_fail_field(ctx, CRM_EPRECOND, "drop",
		    "%s was won (%s%s) and %s was not: keep the won one "
		    "(merge %s into it), then rename it if you like; its "
		    "deal would leave the reports",
		    (*drop)->name ? (*drop)->name : "", amount, day,
		    (*keep)->name ? (*keep)->name : "",
		    (*keep)->name ? (*keep)->name : "");
	}
	return CRM_OK;
}

/* How many entries index db holds under customer id. */
static uint32_t
count_of(struct req_ctx *ctx, enum store_db db, uint64_t id)
{
	uint32_t n = 0;
	uint64_t at = 0;
	while (n < UINT32_MAX && store_index_next(ctx->st, ctx->txn, db, id,
	                             at, &at) == CRM_OK) {
		n++;
	}
	return n;
}

/* A customer as the preview names it: id, kind, name, owner. */
static Crm__V1__Customer *
named(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	Crm__V1__Customer *s = crm_arena_alloc(ctx->arena, sizeof(*s));
	if (s != NULL) {
		crm__v1__customer__init(s);
		s->has_id = s->has_kind = 1;
		s->id = c->id;
		s->kind = c->kind;
		s->name = c->name;
		s->owner = (char *)user_login_of(ctx, c->owner_id);
	}
	return s;
}

crm_status
merge_handle_preview(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	Crm__V1__Customer *keep, *drop;
	crm_status rc =
	    merge_check(ctx, req->customer_merge_preview, &keep, &drop);
	if (rc != CRM_OK) {
		dispatch_field_prefix(ctx, "customer_merge_preview.");
		return rc;
	}
	Crm__V1__MergePreview *p = crm_arena_alloc(ctx->arena, sizeof(*p));
	if (p == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__merge_preview__init(p);
	p->keep = named(ctx, keep);
	p->drop = named(ctx, drop);
	if (p->keep == NULL || p->drop == NULL) {
		return CRM_TOO_BIG;
	}
	p->has_contact_count = p->has_followup_count = p->has_task_count = 1;
	p->has_commitment_count = p->has_sla_clock_count =
	    p->has_proposal_count = 1;
	p->has_purchase_count = 1;
	p->contact_count = count_of(ctx, DB_CONTACT_CUST, drop->id);
	p->followup_count = count_of(ctx, DB_FU_CUST, drop->id);
	p->task_count = count_of(ctx, DB_TASK_CUST, drop->id);
	p->commitment_count = count_of(ctx, DB_COMMIT_CUST, drop->id);
	p->sla_clock_count = count_of(ctx, DB_SLA_CUST, drop->id);
	p->proposal_count = count_of(ctx, DB_PROP_CUST, drop->id);
	p->purchase_count = count_of(ctx, DB_PURCH_CUST, drop->id);
	resp->body_case = CRM__V1__RESPONSE__BODY_MERGE_PREVIEW;
	resp->merge_preview = p;
	return CRM_OK;
}

/* The id sequence that counts the merges in team (0: in all). */
static void
merge_seq(uint64_t team, char *buf, size_t len)
{
	if (team == 0) {
		snprintf(buf, len, "merge");
	} else {
		snprintf(buf, len, "merge:team:%" PRIu64, team);
	}
}

uint64_t
merge_mark(store *s, MDB_txn *txn, uint64_t team)
{
	char seq[48];
	merge_seq(team, seq, sizeof(seq));
	return store_seq_peek(s, txn, seq);
}

/* Count a merge in team (0: in all). */
static crm_status
count_in(struct req_ctx *ctx, uint64_t team)
{
	char seq[48];
	uint64_t n;
	merge_seq(team, seq, sizeof(seq));
	return store_next_id(ctx->st, ctx->txn, seq, &n);
}

/* Count a merge (merge.h): in all, for an admin's export, and in each
 * team of the two customers, for a manager's or a rep's: a merge in one
 * team does not send another team's exports back to the start. */
static crm_status
merge_count(struct req_ctx *ctx, uint64_t keep_team, uint64_t drop_team)
{
	crm_status rc = count_in(ctx, 0);
	if (rc == CRM_OK && keep_team != 0) {
		rc = count_in(ctx, keep_team);
	}
	if (rc == CRM_OK && drop_team != 0 && drop_team != keep_team) {
		rc = count_in(ctx, drop_team);
	}
	return rc;
}

crm_status
merge_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerMergeRequest *r = req->customer_merge;
	Crm__V1__Customer *keep0, *keep, *drop0, *drop;
	crm_status rc = merge_check(ctx, r, &keep0, &drop0);
	dispatch_field_prefix(ctx, "customer_merge.");
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->keep, &keep);
	}
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, r->drop, &drop);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* Team routines let go of the dropped customer before its tasks
	 * move: the kept one has the team's own. */
	rc = routine_forget_customer(
	    ctx, drop->id, "merged into another customer");
	/* Every record type of schema.def that hangs off a customer. */
	for (size_t i = 0;
	     rc == CRM_OK && i < sizeof(carried) / sizeof(carried[0]); i++) {
		if (carried[i].by_customer == DB_COUNT) {
			continue; /* it stays */
		}
		rc = carried[i].fn != NULL
		         ? move_all(ctx, carried[i].by_customer, carried[i].fn,
		               drop->id, keep->id)
		         : merge_whole(ctx, carried[i].db, drop, keep);
	}
	/* What moved is the kept customer's owner's unless its holder
	 * may see the kept customer. */
	for (size_t i = 0;
	     rc == CRM_OK && i < sizeof(carried) / sizeof(carried[0]); i++) {
		if (carried[i].reown != NULL) {
			rc = carried[i].reown(ctx, keep, 0);
		}
	}
	/* A lost kept customer keeps no open task of the dropped one. */
	if (rc == CRM_OK) {
		rc = task_followup_sync(
		    ctx, keep, customer_last_contact(keep), 0);
	}
	if (rc == CRM_OK) {
		rc = task_festival_resync(ctx, keep); /* keep's cell decides */
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
	int64_t was = keep->first_contact_at;
	keep->has_first_contact_at = 1;
	keep->first_contact_at =
	    earliest(keep->first_contact_at, drop->first_contact_at);
	/* drop's earlier first contact is the customer's: an entry that
	 * looked timely was late after all when its owner entered it for
	 * themselves (signals_first_back; merged away, the late duplicate
	 * leaves the reports, which hid it: fresh eyes). */
	if (signals_late_after_all(keep, was)) {
		keep->has_late_entry = keep->late_entry = 1;
	}
	if (drop->last_contact_at > keep->last_contact_at) {
		keep->has_last_contact_at = 1;
		keep->last_contact_at = drop->last_contact_at;
	}
	rc = customer_save(ctx, keep0, keep);
	/* The earlier first contact of drop: keep's history begins then. */
	if (rc == CRM_OK) {
		rc = lifecycle_first_back(ctx, keep);
	}
	if (rc == CRM_OK) {
		rc = merge_count(ctx, keep->team_id, drop0->team_id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, keep, resp);
}
