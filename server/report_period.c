/* SPDX-License-Identifier: MIT */
/*
 * report_period.c: what a customer was in a report's period, read from
 * its records when the report runs (seed 002, 步骤六: a month is
 * reviewed as it was): whether it was a customer then, from its stage
 * history (and its first contact and won_at, which may be older than
 * the history: an import), and when its deal was won, from its won_at
 * (the record says when; an import at churn risk or lost has no move to
 * won in its history). Nothing of a period is stored, so a later write
 * (a backdated follow-up, an import, an edit of won_at) is seen at once;
 * what it is worked out from, a walk of a team's or a person's customers
 * reads off each one's period card (period_card.h), kept with the
 * records in every write.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "crm_pb_scan.h"
#include "lifecycle.h"
#include "period_card.h"
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
	int won_by_start;   /* a move to won before from */
	int lost_in;        /* a move to lost in [from, to) */
	int earlier_win_in; /* a move to won before the last, in [from, to) */
};

static int
in_period(const struct report *r, int64_t at)
{
	return at >= r->from && at < r->to;
}

static crm_status
walk_visit(void *arg, const struct lifecycle_mark *h, bool *stop)
{
	(void)stop;
	struct walked *w = arg;
	const struct report *r = w->r;
	int64_t at = h->at;
	if ((!w->any_before && !w->any_in) || at < w->first_at) {
		w->first_at = at;
	}
	/* An entry dated back may be older than the one before it: the
	 * stage at a time is the latest entry by time. */
	if (at < r->from &&
	    (!w->any_before || at > w->state_at ||
	        (at == w->state_at && h->seq > w->state_seq))) {
		w->state_at = at;
		w->state_seq = h->seq;
		w->state = h->stage_to;
	}
	w->any_before |= at < r->from;
	w->any_in |= at >= r->from && at < r->to;
	w->lost_in |= h->stage_to == S_LOST && at >= r->from && at < r->to;
	if (h->stage_to == S_WON) {
		w->won_by_start |= at < r->from;
		w->earlier_win_in |=
		    w->win_seq != 0 && in_period(r, w->win_at);
		w->win_seq = h->seq;
		w->win_at = at;
		w->win_grade = h->grade;
	}
	return CRM_OK;
}

static crm_status
walk_history(struct report *r, uint64_t cid, struct walked *w)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	return lifecycle_stage_marks(r->ctx, cid, walk_visit, w);
}

/* The same walk of customer cid's history, off its card k when it keeps
 * the marks (NULL: none). */
static crm_status
walk_marks(struct report *r, uint64_t cid, const struct period_card *k,
    struct walked *w)
{
	if (k == NULL || k->nmarks == PERIOD_CARD_NOT_KEPT) {
		return walk_history(r, cid, w);
	}
	memset(w, 0, sizeof(*w));
	w->r = r;
	bool stop = false;
	for (unsigned i = 0; i < k->nmarks; i++) {
		struct lifecycle_mark m;
		period_card_mark(k, i, &m);
		(void)walk_visit(w, &m, &stop);
	}
	return CRM_OK;
}

/* What customer c was in r's period (report.h: struct report_period),
 * its history read off its card k (NULL: from the store). */
static crm_status
period_of(struct report *r, const struct report_cust *c,
    const struct period_card *k, struct report_period *p)
{
	memset(p, 0, sizeof(*p));
	struct walked w;
	crm_status rc = walk_marks(r, c->id, k, &w);
	if (rc != CRM_OK) {
		return rc;
	}
	int has_history = w.any_before || w.any_in;
	int64_t won_at = c->won_at;
	/* It began at its first entry, or earlier when its record says so:
	 * its first contact, or a deal won before its history begins. */
	int64_t began = has_history ? w.first_at : c->created_at;
	if (c->first_contact_at > 0 && c->first_contact_at < began) {
		began = c->first_contact_at;
	}
	if (won_at > 0 && won_at < began) {
		began = won_at;
	}
	p->at_start = began < r->from && (!w.any_before || w.state != S_LOST);
	/* Its stage at the start says; with no history before it, a deal
	 * won before it (an import at churn risk with its won time). At
	 * churn risk only after a deal: one put at risk before any deal (an
	 * intent customer going cold) is no 成交客户 yet. */
	int dealt = w.won_by_start || (won_at > 0 && won_at < r->from);
	p->won_before = w.any_before ? w.state == S_WON ||
	                                   (w.state == S_CHURN_RISK && dealt)
	                             : won_at > 0 && won_at < r->from;
	p->began_in = in_period(r, began);
	p->lost_in = w.lost_in;
	p->win_seq = w.win_seq;
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
	p->won_in =
	    p->won_at != 0 || w.earlier_win_in ||
	    (w.win_seq != 0 && in_period(r, won_at > 0 ? won_at : w.win_at));
	return CRM_OK;
}

/* Customer fields report_cust holds, by number (crm.proto). */
enum {
	F_ID,
	F_FIRST_CONTACT, /* 11 */
	F_OWNER,         /* 12 */
	F_GRADE,         /* 17 */
	F_WON,           /* 29 */
	F_CREATED,       /* 40 */
	F_MERGED,        /* 43 */
	NFIELDS
};
static const uint32_t cust_fields[NFIELDS] = { 1, 11, 12, 17, 29, 40, 43 };

/* Customer id's record into *c; 0 in *live for a merged tombstone.
 * Errors: CRM_INTERNAL for a record missing or that does not frame. */
static crm_status
cust_load(struct req_ctx *ctx, uint64_t id, struct report_cust *c, int *live)
{
	memset(c, 0, sizeof(*c));
	*live = 0;
	store_key k;
	store_key_id(&k, id);
	store_val v;
	crm_status rc = store_get(ctx->st, ctx->txn, DB_CUSTOMERS, k.b, 8, &v);
	uint64_t f[NFIELDS], seen = 0;
	if (rc == CRM_OK) {
		seen = crm_pb_varints(v.data, v.len, cust_fields, NFIELDS, f);
	}
	if (rc != CRM_OK || (seen & CRM_PB_MALFORMED)) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "%s %" PRIu64 " %s (crm-check reports it)",
		    store_db_name(DB_CUSTOMERS), id,
		    rc == CRM_NOT_FOUND ? "is listed but missing"
		                        : "does not decode");
	}
	c->id = id;
	c->owner_id = f[F_OWNER];
	c->first_contact_at = (int64_t)f[F_FIRST_CONTACT];
	c->won_at = (int64_t)f[F_WON] > 0 ? (int64_t)f[F_WON] : 0;
	c->created_at = (int64_t)f[F_CREATED];
	c->grade = (uint8_t)(f[F_GRADE] <= UINT8_MAX ? f[F_GRADE] : 0);
	*live = f[F_MERGED] == 0;
	return CRM_OK;
}

/* ---------------------------------------------------- the memo
 * A report that walks the same customers more than once (report monthly:
 * each rep's, then the team's, then conversion's) keeps what each was in
 * the period: the same request, transaction and period give the same
 * answer, so a later walk reads the team's index and this table instead
 * of two leaf pages a customer. Open addressing on the id (ids start at
 * 1: 0 is an empty slot); at most MEMO_MAX customers (a table of 10 MiB,
 * its pages touched as it fills), the rest worked out again each time. */
enum { MEMO_MAX = 65536, MEMO_SLOTS = 2 * MEMO_MAX };

struct memo_slot {
	struct report_cust c; /* c.id 0: empty */
	struct report_period p;
	uint8_t live;
};

struct report_memo {
	size_t n;
	struct memo_slot slot[MEMO_SLOTS];
};

static struct memo_slot *
memo_slot(struct report_memo *m, uint64_t id)
{
	size_t i = (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 48) &
	           (MEMO_SLOTS - 1);
	while (m->slot[i].c.id != 0 && m->slot[i].c.id != id) {
		i = (i + 1) & (MEMO_SLOTS - 1);
	}
	return &m->slot[i];
}

/* The memo's slot of customer id, or NULL (no memo, or not in it). */
static const struct memo_slot *
memo_get(struct report_memo *m, uint64_t id)
{
	const struct memo_slot *s = m != NULL ? memo_slot(m, id) : NULL;
	return s != NULL && s->c.id == id ? s : NULL;
}

static void
memo_put(struct report_memo *m, const struct report_cust *c,
    const struct report_period *p, int live)
{
	if (m == NULL || m->n >= MEMO_MAX) {
		return;
	}
	struct memo_slot *s = memo_slot(m, c->id);
	m->n += s->c.id == 0;
	*s = (struct memo_slot){ *c, *p, live != 0 };
}

void
report_memo_start(struct report *r)
{
	if (r->memo == NULL) {
		r->memo = calloc(1, sizeof(*r->memo)); /* none: no memo */
	}
}

void
report_memo_end(struct report *r)
{
	free(r->memo);
	r->memo = NULL;
}

/* ---------------------------------------------------- the wins kept
 * What report_win_fact reads of a customer with a move to won, kept by a
 * walk of the one list its card is in (card_in_scope's), by id. */
struct report_won {
	uint64_t id, win_seq;
	int64_t won_at, first_contact_at;
};

void
report_wins_keep(struct report *r)
{
	r->won_keep = r->person || (r->nscopes == 1 && r->team_id != 0 &&
	                               r->scopes[0] == r->team_id);
}

static void
won_keep(struct report *r, const struct report_cust *c,
    const struct report_period *p)
{
	if (p->win_seq == 0) {
		return;
	}
	if (r->nwon == r->capwon) {
		r->capwon = r->capwon ? 2 * r->capwon : 64;
		r->won = crm_xrealloc(r->won, r->capwon * sizeof(*r->won));
	}
	r->won[r->nwon++] = (struct report_won){ c->id, p->win_seq, c->won_at,
		c->first_contact_at };
}

static int
cmp_won(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key,
	         b = ((const struct report_won *)elem)->id;
	return a < b ? -1 : a > b;
}

/* Customer cid's kept win, or NULL (none kept, or not of the list). The
 * list's ids come in order, so the kept ones are sorted. */
static const struct report_won *
won_find(const struct report *r, uint64_t cid)
{
	/* None kept: no table at all (bsearch wants one, even empty). */
	return r->won_ready && r->nwon > 0
	           ? bsearch(&cid, r->won, r->nwon, sizeof(*r->won), cmp_won)
	           : NULL;
}

crm_status
report_customers(
    struct report *r, uint64_t scope, report_customer_visit fn, void *arg)
{
	struct req_ctx *ctx = r->ctx;
	crm_status rc = CRM_OK;
	size_t n = scope != REPORT_ALL_SCOPES ? 1 : r->nscopes;
	int keep = r->won_keep && !r->won_ready && scope == REPORT_ALL_SCOPES;
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		uint64_t s = scope != REPORT_ALL_SCOPES ? scope : r->scopes[i];
		enum store_db db =
		    s & STATS_PERSON ? DB_CUST_OWNER : DB_CUST_TEAM;
		store_key p;
		store_key_id(&p, s & ~STATS_PERSON);
		struct store_iter it;
		rc = store_iter_open(ctx->st, ctx->txn, db, p.b, 8, NULL, &it);
		if (rc != CRM_OK) {
			break;
		}
		const uint8_t *key;
		size_t klen;
		while (rc == CRM_OK && store_iter_next(&it, &key, &klen)) {
			struct report_cust c;
			struct report_period per;
			int live;
			if (klen != 16) {
				continue;
			}
			uint64_t id = store_u64(key + 8);
			const struct memo_slot *m = memo_get(r->memo, id);
			if (m != NULL) {
				if (m->live) {
					fn(arg, &m->c, &m->p);
					if (keep) {
						won_keep(r, &m->c, &m->p);
					}
				}
				continue;
			}
			/* Its card (a list entry of before schema 19 has
			 * none: the record and history then). */
			const void *v;
			size_t vlen;
			struct period_card k;
			int carded = store_iter_data(&it, &v, &vlen) &&
			             period_card_decode(v, vlen, &k);
			if (carded) {
				c = (struct report_cust){ id, k.owner_id,
					k.first_contact_at, k.won_at,
					k.created_at, k.grade };
				live = 1; /* a merged one is in no list */
			} else {
				rc = cust_load(ctx, id, &c, &live);
			}
			if (rc == CRM_OK && live) {
				rc =
				    period_of(r, &c, carded ? &k : NULL, &per);
			}
			if (rc == CRM_OK) {
				memo_put(r->memo, &c, &per, live);
				if (live) {
					fn(arg, &c, &per);
					if (keep) {
						won_keep(r, &c, &per);
					}
				}
			}
		}
		store_iter_close(&it);
	}
	r->won_ready = keep && rc == CRM_OK;
	return rc;
}

/* Customer cid's card in the list of r's one team or person, when it is
 * there now (a customer of the scope: most won in its period are). */
static int
card_in_scope(struct report *r, uint64_t cid, struct period_card *k)
{
	enum store_db db;
	uint64_t a;
	if (r->person) {
		db = DB_CUST_OWNER;
		a = r->scopes[0] & ~STATS_PERSON;
	} else if (r->team_id != 0) {
		db = DB_CUST_TEAM;
		a = r->team_id;
	} else {
		return 0;
	}
	store_key key;
	store_key_pair(&key, a, cid);
	store_val v;
	return store_get(r->ctx->st, r->ctx->txn, db, key.b, key.len, &v) ==
	           CRM_OK &&
	       period_card_decode(v.data, v.len, k);
}

crm_status
report_win_fact(struct report *r, uint64_t cid, uint64_t seq, int64_t at,
    struct report_win *win)
{
	win->counts = in_period(r, at);
	win->when = at;
	win->first_contact_at = 0;
	const struct report_won *kept = won_find(r, cid);
	if (kept != NULL) {
		/* As below from its card, which the walk read. */
		win->first_contact_at = kept->first_contact_at;
		if (kept->won_at > 0 && kept->win_seq == seq) {
			win->when = kept->won_at;
			win->counts = in_period(r, kept->won_at);
		}
		return CRM_OK;
	}
	struct report_cust c;
	struct period_card k;
	int live, carded = card_in_scope(r, cid, &k);
	crm_status rc = CRM_OK;
	if (carded) {
		c.first_contact_at = k.first_contact_at;
		c.won_at = k.won_at;
	} else {
		rc = cust_load(r->ctx, cid, &c, &live);
	}
	if (rc == CRM_OK) {
		win->first_contact_at = c.first_contact_at;
	}
	if (rc == CRM_OK && c.won_at > 0) {
		struct walked w;
		rc = walk_marks(r, cid, carded ? &k : NULL, &w);
		if (rc == CRM_OK && w.win_seq == seq) {
			/* The customer's last win: when its record says. */
			win->when = c.won_at;
			win->counts = in_period(r, c.won_at);
		}
	}
	return rc;
}
