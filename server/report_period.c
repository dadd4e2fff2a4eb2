/* SPDX-License-Identifier: MIT */
/*
 * report_period.c: what a customer was in a report's period, read from
 * its records when the report runs (seed 002, 步骤六: a month is
 * reviewed as it was): whether it was a customer then, from its stage
 * history (and its first contact and won_at, which may be older than
 * the history: an import), and when its deal was won, from its won_at
 * (the record says when; an import at churn risk or lost has no move to
 * won in its history). Nothing here is stored, so a later write (a
 * backdated follow-up, an import, an edit of won_at) is seen at once.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "lifecycle.h"
#include "report.h"
#include "store_schema.h"

enum {
	S_WON = CRM__V1__STAGE__STAGE_WON,
	S_LOST = CRM__V1__STAGE__STAGE_LOST,
	S_CHURN_RISK = CRM__V1__STAGE__STAGE_CHURN_RISK,
};

/* What a walk of customer cid's stage history says about [from, to). */
struct walked {
	const struct report *r;
	int any_before, any_in;
	int64_t first_at; /* its earliest entry */
	int64_t state_at; /* the latest entry before from */
	uint64_t state_seq;
	uint8_t state;    /* its stage then */
	uint64_t win_seq; /* the last move to won (0: none) */
	int64_t win_at;
	uint8_t win_grade;
	int lost_in; /* a move to lost in [from, to) */
};

static crm_status
walk_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)stop;
	struct walked *w = arg;
	const struct report *r = w->r;
	int64_t at = h->happened_at;
	if ((!w->any_before && !w->any_in) || at < w->first_at) {
		w->first_at = at;
	}
	/* An entry dated back may be older than the one before it: the
	 * stage at a time is the latest entry by time. */
	if (at < r->from && (!w->any_before || at > w->state_at ||
	                        (at == w->state_at && seq > w->state_seq))) {
		w->state_at = at;
		w->state_seq = seq;
		w->state = (uint8_t)h->stage_to;
	}
	w->any_before |= at < r->from;
	w->any_in |= at >= r->from && at < r->to;
	w->lost_in |=
	    (int)h->stage_to == S_LOST && at >= r->from && at < r->to;
	if ((int)h->stage_to == S_WON) {
		w->win_seq = seq;
		w->win_at = at;
		w->win_grade = h->has_grade ? (uint8_t)h->grade : 0;
	}
	return CRM_OK;
}

/* Decoded entries stay in the arena until the caller's release (one
 * customer's: a handful). */
static crm_status
walk_history(struct report *r, uint64_t cid, struct walked *w)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	return lifecycle_stage_each(r->ctx, cid, walk_visit, w);
}

static int
in_period(const struct report *r, int64_t at)
{
	return at >= r->from && at < r->to;
}

crm_status
report_period_of(
    struct report *r, const Crm__V1__Customer *c, struct report_period *p)
{
	memset(p, 0, sizeof(*p));
	struct walked w;
	crm_status rc = walk_history(r, c->id, &w);
	if (rc != CRM_OK) {
		return rc;
	}
	int has_history = w.any_before || w.any_in;
	int64_t won_at = c->has_won_at ? c->won_at : 0;
	/* It began at its first entry, or earlier when its record says so:
	 * its first contact, or a deal won before its history begins. */
	int64_t began = has_history ? w.first_at : c->created_at;
	if (c->has_first_contact_at && c->first_contact_at > 0 &&
	    c->first_contact_at < began) {
		began = c->first_contact_at;
	}
	if (won_at > 0 && won_at < began) {
		began = won_at;
	}
	p->at_start = began < r->from && (!w.any_before || w.state != S_LOST);
	/* Its stage at the start says; with no history before it, a deal
	 * won before it (an import at churn risk with its won time). */
	p->won_before = w.any_before
	                    ? w.state == S_WON || w.state == S_CHURN_RISK
	                    : won_at > 0 && won_at < r->from;
	p->began_in = in_period(r, began);
	p->lost_in = w.lost_in;
	if (w.any_in || (won_at > 0 && in_period(r, won_at))) {
		p->active = 1; /* in it: moved, or won, then */
	} else if (began >= r->to) {
		p->active = 0; /* not yet a customer */
	} else if (w.any_before) {
		p->active = w.state != S_LOST; /* as it stood at the start */
	} else {
		p->active = 1; /* begun, its history (if any) after the end */
	}
	/* Its last win is dated by won_at; the move to won stands for it
	 * (report_win_fact) when it is in the period, else won_at does. */
	if (won_at > 0 && in_period(r, won_at) &&
	    !(w.win_seq != 0 && in_period(r, w.win_at))) {
		p->won_at = won_at;
		p->won_grade = w.win_grade ? w.win_grade : (uint8_t)c->grade;
	}
	return CRM_OK;
}

crm_status
report_customers(
    struct report *r, uint64_t scope, report_customer_visit fn, void *arg)
{
	struct req_ctx *ctx = r->ctx;
	crm_status rc = CRM_OK;
	size_t n = scope != 0 ? 1 : r->nscopes;
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		uint64_t s = scope != 0 ? scope : r->scopes[i];
		enum store_db db =
		    s & STATS_PERSON ? DB_CUST_OWNER : DB_CUST_TEAM;
		uint64_t prefix = s & ~STATS_PERSON, id = 0;
		while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, db,
		                           prefix, id, &id) == CRM_OK) {
			size_t mark = crm_arena_mark(ctx->arena);
			Crm__V1__Customer *c;
			struct report_period p;
			rc = dispatch_list_record(ctx, DB_CUSTOMERS, id,
			    &crm__v1__customer__descriptor,
			    (ProtobufCMessage **)&c);
			if (rc == CRM_OK && c->merged_into == 0) {
				rc = report_period_of(r, c, &p);
				if (rc == CRM_OK) {
					fn(arg, c, &p);
				}
			}
			crm_arena_release(ctx->arena, mark);
		}
	}
	return rc;
}

crm_status
report_win_fact(struct report *r, uint64_t cid, uint64_t seq, int64_t at,
    struct report_win *win)
{
	win->counts = in_period(r, at);
	win->when = at;
	win->first_contact_at = 0;
	size_t mark = crm_arena_mark(r->ctx->arena);
	Crm__V1__Customer *c;
	crm_status rc = dispatch_list_record(r->ctx, DB_CUSTOMERS, cid,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (rc == CRM_OK && c->has_first_contact_at) {
		win->first_contact_at = c->first_contact_at;
	}
	if (rc == CRM_OK && c->has_won_at && c->won_at > 0) {
		struct walked w;
		rc = walk_history(r, cid, &w);
		if (rc == CRM_OK && w.win_seq == seq) {
			/* The customer's last win: when its record says. */
			win->when = c->won_at;
			win->counts = in_period(r, c->won_at);
		}
	}
	crm_arena_release(r->ctx->arena, mark);
	return rc;
}
