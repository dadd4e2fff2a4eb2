/* SPDX-License-Identifier: MIT */
/*
 * pool_reclaim.c: the pool rules, their warnings and the reclaim sweep
 * (pool_reclaim.h).
 *
 * DB_RECLAIM_REC, beside the customer (schema.def's CUSTOMER tree):
 *   customer id -> struct rec (48 bytes, big-endian; 56 while rule 2's
 *   entry is at its reclaim date, below: e2 follows)
 * DB_RECLAIM, the due entries:
 *   head || time (biased) || customer id -> ""
 * head = 2^63 | stage << 24 | grade << 16 | rule << 8 | warned, where
 * warned is WARN_NONE (the entry at its base), WARN_AT_DATE (the warning
 * given; the entry at the reclaim date the warning named) or
 * WARN_AT_BASE (warned by a crmd before WARN_AT_DATE: the entry at its
 * base, the reclaim at the rule's date; no new entry is made so).
 * Rule 1 (no follow-up) counts from base = the later of the last
 * follow-up and `since` (when the owner got the customer); rule 2
 * (not won) from `since`. Within one head the first key is the one due
 * first, so the sweep reads one key per enabled rule and state.
 *
 * A customer is never reclaimed before its owner and their manager have
 * had the warning for the rule's K working days (--reclaim-warn K > 0):
 * an unwarned entry is only ever warned, and the warning names the
 * reclaim date, the rule's own or, when that was already past or nearer
 * than K working days (a stage, grade or rule changed, crmd was down),
 * K working days after the warning. With K = 0 no one is warned and the
 * rule's date is the reclaim's.
 *
 * A follow-up moves rule 1's base later; its entry stays where it was
 * (rec.e1, never after the base, rec.b1), so a follow-up writes only the
 * record, on the customer's own leaf (issue 19: the move of the entry
 * was a path of pages of its own in every log). When such an entry comes
 * first in its head and is due where it stands, the sweep moves it to
 * its base and looks again: an entry is never due later than its
 * customer, so what the sweep does, and when, is what it did with every
 * entry at its base (it may wake earlier, to find nothing due). Every
 * other change (a new owner, stage or grade, a base moved earlier, a
 * warning) moves the entry at once.
 */
#include "pool_reclaim.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "crm.h"
#include "crm_enum.h"
#include "crm_time.h"
#include "customer.h"
#include "event.h"
#include "policy.h"
#include "pool.h"
#include "signals.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define HEAD_BIT   ((uint64_t)1 << 63)
#define RULE_QUIET 1 /* no follow-up */
#define RULE_UNWON 2 /* not won */
#define REC_LEN    48
#define REC_LEN_E2 56 /* with e2 (rule 2's entry not at since) */
/* A head's low bits: whether, and how, its customers were warned. */
#define WARN_NONE    0
#define WARN_AT_BASE 1 /* legacy: at its base, gone at the rule's date */
#define WARN_AT_DATE 2 /* at the reclaim date the warning named */
#define WARN_MASK    ((uint64_t)3)
/* A warning given less than this many seconds after its day (the
 * sweep's own wake-up) keeps the rule's date; later, the reclaim moves
 * to K working days after it (above). */
#define WARN_GRACE 60
/* A warning task's ref_id: its customer and its rule (a follow-up closes
 * one rule's warning, the other's stands). Warnings made before had the
 * customer id alone (WARN_AT_BASE). */
#define WARN_REF(cid, rule) ((cid) | (uint64_t)(rule) << 56)
/* Entries the sweep may move to their base per customer it may judge
 * (max): they are cheap, and a sweep that stops leaves the rest. */
#define MOVES_PER_ACTION 64

struct rec {
	uint64_t owner;
	int64_t since;
	uint64_t h1; /* 0: no entry */
	int64_t b1;  /* rule 1's base */
	uint64_t h2; /* base: since */
	int64_t e1;  /* where rule 1's entry is: <= b1 (WARN_AT_DATE: the
	              * reclaim date) */
	int64_t e2;  /* where rule 2's entry is: since (WARN_AT_DATE: the
	              * reclaim date) */
};

static _Atomic int64_t next_due = 0;
static atomic_int rules_on = 1; /* until the first sweep says */

int
pool_reclaim_rules_on(void)
{
	return atomic_load(&rules_on);
}

int64_t
pool_reclaim_next(void)
{
	return atomic_load(&next_due);
}

void
pool_reclaim_set_next(int64_t t)
{
	atomic_store(&next_due, t);
}

static uint64_t
head(int stage, int grade, int rule, int warned)
{
	return HEAD_BIT | (uint64_t)stage << 24 | (uint64_t)grade << 16 |
	       (uint64_t)rule << 8 | ((uint64_t)warned & WARN_MASK);
}

static int
warned_of(uint64_t h)
{
	return (int)(h & WARN_MASK);
}

static int
head_stage(uint64_t h)
{
	return (int)((h >> 24) & 0xff);
}

static int
head_grade(uint64_t h)
{
	return (int)((h >> 16) & 0xff);
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (56 - 8 * i));
	}
}

static int
rec_get(struct req_ctx *ctx, uint64_t id, struct rec *r)
{
	store_key k;
	store_key_id(&k, id);
	store_val dv;
	if (!store_has(ctx->st, ctx->txn, DB_RECLAIM_REC, &k, &dv) ||
	    (dv.len != REC_LEN && dv.len != REC_LEN_E2)) {
		memset(r, 0, sizeof(*r));
		return 0;
	}
	const uint8_t *p = dv.data;
	r->owner = store_u64(p);
	r->since = store_time_of(store_u64(p + 8));
	r->h1 = store_u64(p + 16);
	r->b1 = store_time_of(store_u64(p + 24));
	r->h2 = store_u64(p + 32);
	r->e1 = store_time_of(store_u64(p + 40));
	r->e2 =
	    dv.len == REC_LEN_E2 ? store_time_of(store_u64(p + 48)) : r->since;
	return 1;
}

static crm_status
rec_put(struct req_ctx *ctx, uint64_t id, const struct rec *r)
{
	uint8_t v[REC_LEN_E2];
	put_u64(v, r->owner);
	put_u64(v + 8, store_time_key(r->since));
	put_u64(v + 16, r->h1);
	put_u64(v + 24, store_time_key(r->b1));
	put_u64(v + 32, r->h2);
	put_u64(v + 40, store_time_key(r->e1));
	put_u64(v + 48, store_time_key(r->e2));
	/* e2 only when it says something: most records keep their size. */
	size_t len = r->e2 == r->since ? REC_LEN : REC_LEN_E2;
	store_key k;
	store_key_id(&k, id);
	return store_put(
	    ctx->st, ctx->txn, DB_RECLAIM_REC, k.b, k.len, v, len);
}

static const store_key *
due_key(store_key *k, uint64_t h, int64_t base, uint64_t id)
{
	if (h == 0) {
		return NULL;
	}
	store_key_triple(k, h, store_time_key(base), id);
	return k;
}

/* Whether a pool rule may reclaim c at all. */
static int
eligible(const Crm__V1__Customer *c)
{
	return c->owner_id != 0 && c->team_id != 0 && c->merged_into == 0 &&
	       c->stage != CRM__V1__STAGE__STAGE_WON &&
	       c->stage != CRM__V1__STAGE__STAGE_LOST && c->stage != 0;
}

static int64_t
quiet_base(const Crm__V1__Customer *c, int64_t since)
{
	int64_t last = customer_last_contact(c);
	return last > since ? last : since;
}

/* The words of a warning task's goal that name its rule (warn()). */
#define GOAL_UNWON " unless won: "

/*
 * Customer cid's open warning tasks made before each rule had its own
 * (ref_id the customer id: WARN_AT_BASE) get their rule's ref, known by
 * their goal's words, so that one rule's can close without the other's.
 */
static crm_status
adopt_legacy(struct req_ctx *ctx, uint64_t cid)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                           DB_TASK_CUST, cid, id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Task *t;
		rc = dispatch_record(ctx, DB_TASKS, id,
		    &crm__v1__task__descriptor, (ProtobufCMessage **)&t);
		if (rc == CRM_OK &&
		    t->kind == CRM__V1__TASK_KIND__TASK_RECLAIM_WARN &&
		    t->status == CRM__V1__TASK_STATUS__TASK_OPEN &&
		    t->has_ref_id && t->ref_id == cid) {
			int rule = t->goal != NULL &&
			                   strstr(t->goal, GOAL_UNWON) != NULL
			               ? RULE_UNWON
			               : RULE_QUIET;
			rc = task_set_ref(ctx, id, WARN_REF(cid, rule));
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

/* The open warning tasks of rule of customer cid closed, saying why
 * (r: its record, whose legacy warnings are adopted first). */
static crm_status
cancel_warning(struct req_ctx *ctx, uint64_t cid, const struct rec *r,
    int rule, const char *why)
{
	crm_status rc = CRM_OK;
	if (warned_of(r->h1) == WARN_AT_BASE ||
	    warned_of(r->h2) == WARN_AT_BASE) {
		rc = adopt_legacy(ctx, cid);
	}
	if (rc == CRM_OK) {
		rc = task_cancel_ref(ctx, cid,
		    CRM__V1__TASK_KIND__TASK_RECLAIM_WARN, WARN_REF(cid, rule),
		    INT64_MIN, why);
	}
	return rc;
}

/* Make c's entries agree with c, its owner holding it since `since`. */
static crm_status
plan(struct req_ctx *ctx, const Crm__V1__Customer *c, int had,
    const struct rec *old, int64_t since)
{
	struct rec nw;
	memset(&nw, 0, sizeof(nw));
	crm_status rc = CRM_OK;
	store_key ok, nk;
	int keep = c->owner_id != 0 && c->merged_into == 0;
	if (keep) {
		nw.owner = c->owner_id;
		nw.since = since;
	}
	/* Which warnings stand: a rule's while its cell and the time it
	 * counts from stay (a follow-up moves only rule 1's). */
	int kept1 = 0, kept2 = 0;
	if (keep && eligible(c)) {
		int st = (int)c->stage, gr = (int)c->grade;
		nw.b1 = quiet_base(c, since);
		nw.h1 = head(st, gr, RULE_QUIET, WARN_NONE);
		nw.h2 = head(st, gr, RULE_UNWON, WARN_NONE);
		kept1 =
		    had && (old->h1 & ~WARN_MASK) == nw.h1 && old->b1 == nw.b1;
		kept2 = had && (old->h2 & ~WARN_MASK) == nw.h2 &&
		        old->since == nw.since;
	}
	int w1 = had ? warned_of(old->h1) : WARN_NONE;
	int w2 = had ? warned_of(old->h2) : WARN_NONE;
	int gone1 = w1 != WARN_NONE && !kept1;
	int gone2 = w2 != WARN_NONE && !kept2;
	if (kept1) {
		nw.h1 = old->h1;
	}
	if (kept2) {
		nw.h2 = old->h2;
	}
	/* Rule 1's entry stays while only its base moves later (above), or
	 * at the date its warning named. */
	nw.e1 = nw.b1;
	if (had && nw.h1 != 0 && nw.h1 == old->h1 &&
	    (old->e1 <= nw.b1 || warned_of(nw.h1) == WARN_AT_DATE)) {
		nw.e1 = old->e1;
	}
	nw.e2 = kept2 && warned_of(nw.h2) == WARN_AT_DATE ? old->e2 : nw.since;
	if (had && memcmp(old, &nw, sizeof(nw)) == 0) {
		return CRM_OK;
	}
	rc = store_reindex(ctx->st, ctx->txn, DB_RECLAIM,
	    had ? due_key(&ok, old->h1, old->e1, c->id) : NULL,
	    due_key(&nk, nw.h1, nw.e1, c->id));
	if (rc == CRM_OK) {
		rc = store_reindex(ctx->st, ctx->txn, DB_RECLAIM,
		    had ? due_key(&ok, old->h2, old->e2, c->id) : NULL,
		    due_key(&nk, nw.h2, nw.e2, c->id));
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (keep) {
		rc = rec_put(ctx, c->id, &nw);
	} else if (had) {
		store_key k;
		store_key_id(&k, c->id);
		rc = store_del(ctx->st, ctx->txn, DB_RECLAIM_REC, &k);
	}
	/* A warning whose date moved closes, and the sweep warns again
	 * where the rule still does. Gone to the pool: pool_put closes
	 * every open task, saying why. */
	const char *why = "the pool rule's date moved (a follow-up, a new "
	                  "owner, stage or grade)";
	if (c->owner_id != 0) {
		if (rc == CRM_OK && gone1) {
			rc = cancel_warning(ctx, c->id, old, RULE_QUIET, why);
		}
		if (rc == CRM_OK && gone2) {
			rc = cancel_warning(ctx, c->id, old, RULE_UNWON, why);
		}
	}
	return rc;
}

crm_status
pool_reclaim_on_customer(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	(void)before;
	struct rec old;
	int had = rec_get(ctx, after->id, &old);
	if (!had && after->owner_id == 0) {
		return CRM_OK;
	}
	int64_t since =
	    had && old.owner == after->owner_id ? old.since : ctx->now;
	return plan(ctx, after, had, &old, since);
}

/* ---------------------------------------------------- texts */

static const char *
cell_name(struct req_ctx *ctx, int stage, int grade)
{
	char *b = crm_arena_alloc(ctx->arena, 48);
	if (b == NULL) {
		return "?";
	}
	const char *g = crm_enum_name(&crm__v1__grade__descriptor, grade);
	snprintf(b, 48, "%s/%c",
	    crm_enum_name(&crm__v1__stage__descriptor, stage),
	    g != NULL && *g ? (char)(*g >= 'a' && *g <= 'z' ? *g - 32 : *g)
	                    : '?');
	return b;
}

static const char *
rule_text(struct req_ctx *ctx, int rule, unsigned days, int stage, int grade)
{
	char *b = crm_arena_alloc(ctx->arena, 128);
	if (b == NULL) {
		return "?";
	}
	snprintf(b, 128,
	    rule == RULE_QUIET ? "no follow-up for %u working days (%s rule)"
	                       : "not won within %u working days (%s rule)",
	    days, cell_name(ctx, stage, grade));
	return b;
}

static const char *
date_of(struct req_ctx *ctx, int64_t t)
{
	char *b = crm_arena_alloc(ctx->arena, 32);
	if (b == NULL) {
		return "?";
	}
	crm_time_format(t, b, 32);
	return b;
}

/* ---------------------------------------------------- sweep */

/* Customer cid's next task after *id that reads, into *t (in the arena
 * from *mark on: the caller releases it); 0 when none is left. */
static int
next_task(struct req_ctx *ctx, uint64_t cid, uint64_t *id, size_t *mark,
    Crm__V1__Task **t)
{
	while (store_index_next(
	           ctx->st, ctx->txn, DB_TASK_CUST, cid, *id, id) == CRM_OK) {
		*mark = crm_arena_mark(ctx->arena);
		if (dispatch_record(ctx, DB_TASKS, *id,
		        &crm__v1__task__descriptor,
		        (ProtobufCMessage **)t) == CRM_OK) {
			return 1;
		}
		crm_arena_release(ctx->arena, *mark);
	}
	return 0;
}

static unsigned
open_tasks(struct req_ctx *ctx, uint64_t cid)
{
	unsigned n = 0;
	uint64_t id = 0;
	size_t mark;
	Crm__V1__Task *t;
	while (next_task(ctx, cid, &id, &mark, &t)) {
		n += t->status == CRM__V1__TASK_STATUS__TASK_OPEN;
		crm_arena_release(ctx->arena, mark);
	}
	return n;
}

/* A dry run's list: customer cid as it is before the reclaim. */
static crm_status
collect(struct req_ctx *ctx, uint64_t cid, const char *rule,
    struct pool_sweep_out *out)
{
	out->total++;
	out->tasks += open_tasks(ctx, cid);
	if (out->n == out->cap) {
		return CRM_OK;
	}
	Crm__V1__Customer *c;
	crm_status rc = dispatch_record(ctx, DB_CUSTOMERS, cid,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (rc != CRM_OK) {
		return rc;
	}
	c->owner = (char *)user_login_of(ctx, c->owner_id);
	c->team = (char *)user_team_name(ctx, c->team_id);
	c->pool_reason = (char *)rule;
	out->reclaimed[out->n++] = c;
	return CRM_OK;
}

static crm_status
reclaim(struct req_ctx *ctx, uint64_t cid, const char *rule)
{
	char *why = crm_arena_alloc(ctx->arena, 160);
	if (why == NULL) {
		return CRM_TOO_BIG;
	}
	snprintf(why, 160, "reclaimed: %s", rule);
	return pool_put(ctx, cid, why);
}

/* When customer cid's warning of rule was given: its latest warning
 * task's making (0: none found). */
static int64_t
warning_time(struct req_ctx *ctx, uint64_t cid, int rule)
{
	int64_t w = 0;
	uint64_t id = 0;
	size_t mark;
	Crm__V1__Task *t;
	while (next_task(ctx, cid, &id, &mark, &t)) {
		if (t->kind == CRM__V1__TASK_KIND__TASK_RECLAIM_WARN &&
		    t->has_ref_id && t->ref_id == WARN_REF(cid, rule) &&
		    t->created_at > w) {
			w = t->created_at;
		}
		crm_arena_release(ctx->arena, mark);
	}
	return w;
}

static crm_status
warn(struct req_ctx *ctx, uint64_t cid, int rule, const char *text,
    int64_t warn_at, int64_t at, struct pool_sweep_out *out)
{
	Crm__V1__Customer *c;
	crm_status rc = dispatch_record(ctx, DB_CUSTOMERS, cid,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (rc != CRM_OK) {
		return rc;
	}
	/* Customers: one warned by both rules in this sweep counts once. */
	struct rec r;
	int other = rule == RULE_QUIET ? RULE_UNWON : RULE_QUIET;
	if (out != NULL &&
	    !(rec_get(ctx, cid, &r) &&
	        warned_of(other == RULE_QUIET ? r.h1 : r.h2) == WARN_AT_DATE &&
	        warning_time(ctx, cid, other) == ctx->now)) {
		out->warned++;
	}
	char *goal = crm_arena_alloc(ctx->arena, 256);
	if (goal == NULL) {
		return CRM_TOO_BIG;
	}
	snprintf(goal, 256, "goes to the pool %s%s%s", date_of(ctx, at),
	    rule == RULE_QUIET ? " unless followed up: " : GOAL_UNWON, text);
	/* Made after its day (a rule turned on or changed inside the
	 * warning window, crmd down on the day): due now, when it is made,
	 * never already late; `at` is then K working days on (sweep_head). */
	int64_t due = warn_at > ctx->now ? warn_at : ctx->now;
	uint64_t who[2] = { c->owner_id,
		signals_team_manager(ctx, c->team_id) };
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		if (who[i] == 0 || (i == 1 && who[1] == who[0])) {
			continue;
		}
		Crm__V1__Task *t;
		rc = task_create(ctx, c, who[i],
		    CRM__V1__TASK_KIND__TASK_RECLAIM_WARN,
		    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, due, goal, NULL, &t);
		if (rc == CRM_OK) {
			rc = task_set_ref(ctx, t->id, WARN_REF(cid, rule));
		}
	}
	if (rc == CRM_OK) {
		rc = event_add(ctx, cid, 0, text,
		    "pool warning to its owner and manager: it goes to the "
		    "pool %s unless %s",
		    date_of(ctx, at),
		    rule == RULE_QUIET ? "followed up" : "won");
	}
	return rc;
}

/* Mark customer cid's entry of rule warned, to be reclaimed at `at` (the
 * date its warning named): the entry moves there. */
static crm_status
set_warned(struct req_ctx *ctx, uint64_t cid, int rule, int64_t at)
{
	struct rec r;
	if (!rec_get(ctx, cid, &r)) {
		return CRM_OK;
	}
	uint64_t *h = rule == RULE_QUIET ? &r.h1 : &r.h2;
	int64_t *e = rule == RULE_QUIET ? &r.e1 : &r.e2;
	uint64_t nh = (*h & ~WARN_MASK) | WARN_AT_DATE;
	store_key ok, nk;
	crm_status rc = store_reindex(ctx->st, ctx->txn, DB_RECLAIM,
	    due_key(&ok, *h, *e, cid), due_key(&nk, nh, at, cid));
	*h = nh;
	*e = at;
	return rc == CRM_OK ? rec_put(ctx, cid, &r) : rc;
}

/*
 * The entry (h, at) of customer cid, first in its head: when it is rule
 * 1's unwarned entry left behind by follow-ups (its record's base is
 * later), move it to the base (*moved 1) for the sweep to look again.
 */
static crm_status
catch_up(struct req_ctx *ctx, uint64_t h, int64_t at, uint64_t cid, int *moved)
{
	struct rec r;
	*moved = 0;
	if (warned_of(h) != WARN_NONE || !rec_get(ctx, cid, &r) || r.h1 != h ||
	    r.e1 != at || r.b1 <= at) {
		return CRM_OK;
	}
	store_key ok, nk;
	crm_status rc = store_reindex(ctx->st, ctx->txn, DB_RECLAIM,
	    due_key(&ok, h, at, cid), due_key(&nk, h, r.b1, cid));
	r.e1 = r.b1;
	*moved = 1;
	return rc == CRM_OK ? rec_put(ctx, cid, &r) : rc;
}

/* The first entry under h: its base and customer. */
static int
first(struct req_ctx *ctx, uint64_t h, int64_t *base, uint64_t *cid)
{
	uint8_t prefix[8];
	put_u64(prefix, h);
	struct store_iter it;
	if (store_iter_open(ctx->st, ctx->txn, DB_RECLAIM, prefix, 8, NULL,
	        &it) != CRM_OK) {
		return 0;
	}
	const uint8_t *key;
	size_t klen;
	int found = 0;
	while (store_iter_next(&it, &key, &klen)) {
		if (klen == 24) {
			*base = store_time_of(store_u64(key + 8));
			*cid = store_u64(key + 16);
			found = 1;
			break;
		}
	}
	store_iter_close(&it);
	return found;
}

/* One action in a nested transaction: a customer that cannot be
 * reclaimed (it fails) loses its entry, saying so, rather than stopping
 * the sweep for good. */
static crm_status
act(struct req_ctx *ctx, uint64_t h, int64_t base, uint64_t cid, int rule,
    const char *text, int do_warn, int64_t warn_at, int64_t at,
    struct pool_sweep_out *out)
{
	if (out != NULL && !do_warn) {
		crm_status rc = collect(ctx, cid, text, out);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	/* What the action allocates is not needed after it (a sweep of
	 * many customers fits the arena). */
	size_t mark = crm_arena_mark(ctx->arena);
	MDB_txn *parent = ctx->txn, *child;
	crm_status brc = store_nested_begin(ctx->st, parent, &child);
	if (brc != CRM_OK) {
		return brc;
	}
	ctx->txn = child;
	crm_status rc = do_warn ? warn(ctx, cid, rule, text, warn_at, at, out)
	                        : reclaim(ctx, cid, text);
	if (rc == CRM_OK && do_warn) {
		rc = set_warned(ctx, cid, rule, at);
	}
	ctx->txn = parent;
	if (rc == CRM_OK) {
		crm_arena_release(ctx->arena, mark);
		return store_nested_commit(child);
	}
	store_nested_abort(child);
	if (store_map_full) {
		return rc;
	}
	crm_warn("pool rule: customer %" PRIu64 " could not be %s (%s); "
	         "its entry is dropped until it changes",
	    cid, do_warn ? "warned" : "reclaimed", crm_status_name(rc));
	store_key k;
	return store_del(
	    ctx->st, ctx->txn, DB_RECLAIM, due_key(&k, h, base, cid));
}

/* Rule `rule` of cell: its working days and its warning's (below the
 * days). 0 when the rule is off. */
static int
rule_days(
    const Crm__V1__CadenceCell *cell, int rule, unsigned *days, unsigned *wd)
{
	*days = rule == RULE_QUIET ? cell->reclaim_after_days
	                           : cell->reclaim_unwon_days;
	*wd = cell->reclaim_warn_days;
	if (*wd >= *days && *days > 0) {
		*wd = *days - 1;
	}
	return *days != 0;
}

/* What a sweep may still do, and what it did. */
struct sweep {
	struct pool_sweep_out *out;
	unsigned max;
	unsigned n; /* customers warned or reclaimed */
	unsigned m; /* entries moved to their base (catch_up) */
	int64_t next;
};

/*
 * Reclaim (and, warn set, warn), in order, the customers of head h due at
 * ctx->now: rule `rule` of `days` working days, warned wd before (text:
 * its words). An unwarned head of a rule that warns (wd > 0) is only
 * warned, never reclaimed: the warning names the reclaim date, the
 * rule's own or, given later than its day, wd working days after it
 * (what the owner is owed). A warned head's entries are at that date
 * (WARN_AT_BASE: at their base, the date the rule's). *full: the sweep's
 * bounds stopped it with more to do.
 */
static crm_status
sweep_head(struct req_ctx *ctx, uint64_t h, int rule, unsigned days,
    unsigned wd, const char *text, int warn, struct sweep *sw, int *full)
{
	int warned = warned_of(h);
	int warns = warned == WARN_NONE && wd > 0;
	int64_t pos, at, wat = 0;
	uint64_t cid;
	crm_status rc = CRM_OK;
	*full = 0;
	while (rc == CRM_OK && first(ctx, h, &pos, &cid)) {
		if (sw->n >= sw->max || sw->m >= sw->max * MOVES_PER_ACTION) {
			*full = 1;
			return CRM_OK;
		}
		if (warned == WARN_AT_DATE) {
			at = pos;
		} else {
			rc = calendar_add_working_days(ctx, pos, days, &at);
		}
		if (rc == CRM_OK && warns) {
			rc = calendar_add_working_days(
			    ctx, pos, days - wd, &wat);
		}
		if (rc != CRM_OK) {
			return rc;
		}
		int reclaim_now = !warns && ctx->now >= at;
		int warn_now = warns && ctx->now >= wat;
		if (!warn && !reclaim_now) {
			return CRM_OK; /* the warnings' pass looks again */
		}
		if (!reclaim_now && !warn_now) {
			int64_t t = warns ? wat : at;
			if (t < sw->next) {
				sw->next = t;
			}
			return CRM_OK;
		}
		/* Due where its entry is. An entry left behind by follow-ups
		 * moves to its base, and the head is looked at again. */
		int again;
		rc = catch_up(ctx, h, pos, cid, &again);
		if (rc == CRM_OK && again) {
			sw->m++;
			continue;
		}
		/* Warned after its day (a change put the date inside the
		 * warning window or past it, crmd was down): the owner still
		 * gets the rule's wd working days, from now. The sweep's own
		 * delay of seconds moves nothing. */
		if (rc == CRM_OK && warn_now && ctx->now - wat >= WARN_GRACE) {
			int64_t owed;
			rc = calendar_add_working_days(
			    ctx, ctx->now, wd, &owed);
			if (rc == CRM_OK && owed > at) {
				at = owed;
			}
		}
		if (rc == CRM_OK) {
			rc = act(ctx, h, pos, cid, rule, text, warn_now,
			    warn_now ? wat : 0, at, sw->out);
			sw->n++;
		}
	}
	return rc;
}

/* sweep_head for each rule of cell and its heads (warned or not). */
static crm_status
sweep_cell(struct req_ctx *ctx, const Crm__V1__CadenceCell *cell, int warn,
    struct sweep *sw, int *full)
{
	int st = (int)cell->stage, gr = (int)cell->grade;
	crm_status rc = CRM_OK;
	for (int rule = RULE_QUIET;
	     rc == CRM_OK && !*full && rule <= RULE_UNWON; rule++) {
		unsigned days, wd;
		if (!rule_days(cell, rule, &days, &wd)) {
			continue;
		}
		const char *text = rule_text(ctx, rule, days, st, gr);
		for (int warned = WARN_NONE;
		     rc == CRM_OK && !*full && warned <= WARN_AT_DATE;
		     warned++) {
			rc = sweep_head(ctx, head(st, gr, rule, warned), rule,
			    days, wd, text, warn, sw, full);
		}
	}
	return rc;
}

crm_status
pool_reclaim_sweep(struct req_ctx *ctx, unsigned max,
    struct pool_sweep_out *out, int64_t *next, unsigned *changed,
    unsigned *moved)
{
	Crm__V1__Policy *p;
	struct sweep sw = { out, max, 0, 0, INT64_MAX };
	int full = 0, on = 0;
	crm_status rc = policy_load(ctx, &p);
	/* Every reclaim due first, then the warnings: a customer one rule
	 * reclaims now is not warned by another in the same sweep. */
	for (int warn = 0; rc == CRM_OK && !full && warn <= 1; warn++) {
		for (size_t i = 0; rc == CRM_OK && !full && i < p->n_cells;
		     i++) {
			const Crm__V1__CadenceCell *cell = p->cells[i];
			if (cell->stage == CRM__V1__STAGE__STAGE_WON ||
			    cell->stage == CRM__V1__STAGE__STAGE_LOST) {
				continue;
			}
			on |= cell->reclaim_after_days != 0 ||
			      cell->reclaim_unwon_days != 0;
			rc = sweep_cell(ctx, cell, warn, &sw, &full);
		}
	}
	*next = full ? ctx->now : sw.next;
	if (changed != NULL) {
		*changed = sw.n;
	}
	if (moved != NULL) {
		*moved = sw.m;
	}
	if (rc == CRM_OK && out == NULL) {
		atomic_store(&rules_on, on || sw.n > 0);
	}
	return rc;
}

/* ---------------------------------------------------- policy change */

/* Customer cid's warning of rule withdrawn: its warned entry (h, pos)
 * back among the unwarned at its base, its warning tasks closed with
 * why. The entry (h, pos) goes in any case, so a walk of h ends. */
static crm_status
unwarn(struct req_ctx *ctx, uint64_t h, int64_t pos, uint64_t cid, int rule,
    const char *why)
{
	struct rec r = { 0 };
	store_key ok, nk;
	uint64_t *rh = rule == RULE_QUIET ? &r.h1 : &r.h2;
	int64_t *re = rule == RULE_QUIET ? &r.e1 : &r.e2;
	if (!rec_get(ctx, cid, &r) || *rh != h || *re != pos) {
		return store_del(
		    ctx->st, ctx->txn, DB_RECLAIM, due_key(&ok, h, pos, cid));
	}
	/* Before the record changes: it says whether tasks are legacy. */
	crm_status rc = cancel_warning(ctx, cid, &r, rule, why);
	int64_t base = rule == RULE_QUIET ? r.b1 : r.since;
	if (rc == CRM_OK) {
		rc = store_reindex(ctx->st, ctx->txn, DB_RECLAIM,
		    due_key(&ok, h, pos, cid),
		    due_key(&nk, h & ~WARN_MASK, base, cid));
	}
	*rh = h & ~WARN_MASK;
	*re = base;
	return rc == CRM_OK ? rec_put(ctx, cid, &r) : rc;
}

/* Whether rule `rule` of cells a and b gives the same dates. */
static int
same_rule(
    int rule, const Crm__V1__CadenceCell *a, const Crm__V1__CadenceCell *b)
{
	unsigned da =
	    rule == RULE_QUIET ? a->reclaim_after_days : a->reclaim_unwon_days;
	unsigned db =
	    rule == RULE_QUIET ? b->reclaim_after_days : b->reclaim_unwon_days;
	return da == db &&
	       (da == 0 || a->reclaim_warn_days == b->reclaim_warn_days);
}

crm_status
pool_reclaim_on_policy(struct req_ctx *ctx, const Crm__V1__Policy *before,
    const Crm__V1__Policy *after)
{
	crm_status rc = CRM_OK;
	for (size_t i = 0; rc == CRM_OK && i < after->n_cells; i++) {
		const Crm__V1__CadenceCell *cell = after->cells[i];
		int st = (int)cell->stage, gr = (int)cell->grade;
		const Crm__V1__CadenceCell *was = policy_cell(before, st, gr);
		for (int rule = RULE_QUIET; rc == CRM_OK && rule <= RULE_UNWON;
		     rule++) {
			if (same_rule(rule, cell, was)) {
				continue;
			}
			for (int w = WARN_AT_BASE;
			     rc == CRM_OK && w <= WARN_AT_DATE; w++) {
				uint64_t h = head(st, gr, rule, w);
				int64_t pos;
				uint64_t cid;
				while (rc == CRM_OK &&
				       first(ctx, h, &pos, &cid)) {
					rc = unwarn(ctx, h, pos, cid, rule,
					    "the pool rule changed (policy "
					    "set): warned again if the rule "
					    "as it is now still warns");
				}
			}
		}
	}
	return rc;
}

/* ---------------------------------------------------- explain */

/* Rule `rule`'s warning of customer c was given at w, later than its
 * day, and names reclaim_at (sweep_head): out says so, counting the
 * warning's wd working days from w. */
static crm_status
explain_late(struct req_ctx *ctx, int64_t rule_at, int64_t w, unsigned wd,
    int64_t reclaim_at, struct pool_reclaim_why *out)
{
	struct calendar_why cal;
	memset(&cal, 0, sizeof(cal));
	int64_t at;
	crm_status rc = calendar_add_working_days_why(ctx, w, wd, &cal, &at);
	if (rc != CRM_OK) {
		return rc;
	}
	char *b = crm_arena_alloc(ctx->arena, 160);
	if (b == NULL) {
		return CRM_TOO_BIG;
	}
	if (rule_at <= w) {
		snprintf(b, 160,
		    "the warning, made late (the rule's own date, %s, had "
		    "passed)",
		    date_of(ctx, rule_at));
	} else {
		snprintf(b, 160,
		    "the warning, made late (the rule's own date, %s, left "
		    "less than its %u working day%s)",
		    date_of(ctx, rule_at), wd, wd == 1 ? "" : "s");
	}
	out->cal = at == reclaim_at ? cal : out->cal;
	memset(&out->warn_cal, 0, sizeof(out->warn_cal));
	out->from = w;
	out->from_what = b;
	out->warn_at = w;
	out->warn_days = wd;
	out->reclaim_at = reclaim_at;
	return CRM_OK;
}

/* A rule's warning given at w named out->reclaim_at, not the rule's date
 * by the calendar as it is now (rule_at; its warning day rule_wat), and
 * not for being late: the calendar changed since. The date named holds
 * (the sweep reclaims there), so out says that, and drops the walks by
 * today's calendar that would name another date. */
static crm_status
explain_recalendared(struct req_ctx *ctx, int64_t rule_at, int64_t rule_wat,
    int64_t w, struct pool_reclaim_why *out)
{
	char *b = crm_arena_alloc(ctx->arena, 320);
	if (b == NULL) {
		return CRM_TOO_BIG;
	}
	snprintf(b, 320,
	    "%s (the calendar changed since the warning named the reclaim: "
	    "the date it named holds; by the calendar now the rule's own "
	    "date would be %s)",
	    out->from_what, date_of(ctx, rule_at));
	out->from_what = b;
	memset(&out->cal, 0, sizeof(out->cal));
	if (rule_wat != w) {
		memset(&out->warn_cal, 0, sizeof(out->warn_cal));
	}
	out->warn_at = w; /* when it was given, on its day or not */
	return CRM_OK;
}

static crm_status explain_rule(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int only, struct pool_reclaim_why *out);

crm_status
pool_reclaim_explain(struct req_ctx *ctx, const Crm__V1__Customer *c,
    struct pool_reclaim_why *out)
{
	return explain_rule(ctx, c, 0, out);
}

crm_status
pool_reclaim_explain_warning(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t ref, struct pool_reclaim_why *out)
{
	int rule = (int)(ref >> 56);
	return explain_rule(
	    ctx, c, rule == RULE_QUIET || rule == RULE_UNWON ? rule : 0, out);
}

/* pool_reclaim_explain's walk: the earlier of c's rules, or rule only
 * (0: any). */
static crm_status
explain_rule(struct req_ctx *ctx, const Crm__V1__Customer *c, int only,
    struct pool_reclaim_why *out)
{
	memset(out, 0, sizeof(*out));
	struct rec r;
	if (!rec_get(ctx, c->id, &r) || !eligible(c) ||
	    r.owner != c->owner_id) {
		return CRM_OK;
	}
	Crm__V1__Policy *p;
	crm_status rc = policy_load(ctx, &p);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__CadenceCell *cell =
	    policy_cell(p, (int)c->stage, (int)c->grade);
	for (int rule = RULE_QUIET; rule <= RULE_UNWON; rule++) {
		unsigned days, wd;
		if ((only != 0 && rule != only) ||
		    !rule_days(cell, rule, &days, &wd)) {
			continue;
		}
		int64_t base =
		    rule == RULE_QUIET ? quiet_base(c, r.since) : r.since;
		int64_t at, wat = 0;
		/* The walks the sweep makes (calendar_add_working_days),
		 * with the days they passed. */
		struct calendar_why *cal =
		    crm_arena_alloc(ctx->arena, 2 * sizeof(*cal));
		if (cal == NULL) {
			return CRM_TOO_BIG;
		}
		memset(cal, 0, 2 * sizeof(*cal));
		rc = calendar_add_working_days_why(
		    ctx, base, days, &cal[0], &at);
		if (rc == CRM_OK && wd > 0) {
			rc = calendar_add_working_days_why(
			    ctx, base, days - wd, &cal[1], &wat);
		}
		if (rc != CRM_OK) {
			return rc;
		}
		/* Warned: the date its warning named. Not the rule's by the
		 * calendar now when the warning came late (sweep_head: wd
		 * working days after it), or when the calendar changed since
		 * it was given (an import): the date named holds either way,
		 * and only the first is the warning's lateness. Late, as
		 * sweep_head judged it: WARN_GRACE or more after its day, and
		 * naming wd working days after it. (A calendar changed before
		 * its day can make an on-time warning read so: no record says
		 * what the calendar was then.) */
		uint64_t h = rule == RULE_QUIET ? r.h1 : r.h2;
		int64_t named = rule == RULE_QUIET ? r.e1 : r.e2;
		int64_t w =
		    warned_of(h) == WARN_AT_DATE && named != at && wd > 0
		        ? warning_time(ctx, c->id, rule)
		        : 0;
		int late = 0;
		if (w != 0 && named > at && w - wat >= WARN_GRACE) {
			int64_t owed;
			rc = calendar_add_working_days(ctx, w, wd, &owed);
			if (rc != CRM_OK) {
				return rc;
			}
			late = owed == named;
		}
		if (out->on &&
		    out->reclaim_at <=
		        (warned_of(h) == WARN_AT_DATE ? named : at)) {
			continue;
		}
		out->cal = cal[0];
		out->warn_cal = cal[1];
		out->warn_days = wat != 0 ? wd : 0;
		out->on = 1;
		out->reclaim_at = at;
		out->warn_at = wat;
		out->from = base;
		out->warned = warned_of(h) != WARN_NONE;
		out->rule =
		    rule_text(ctx, rule, days, (int)c->stage, (int)c->grade);
		if (warned_of(h) == WARN_AT_DATE) {
			out->reclaim_at = named;
		}
		if (late) {
			rc = explain_late(ctx, at, w, wd, named, out);
			if (rc != CRM_OK) {
				return rc;
			}
			continue;
		}
		if (rule == RULE_QUIET && c->has_last_contact_at &&
		    c->last_contact_at == base) {
			out->from_what = "the last follow-up";
		} else if (rule == RULE_QUIET && base != r.since) {
			out->from_what = "its first contact";
		} else {
			char *b = crm_arena_alloc(ctx->arena, 96);
			if (b == NULL) {
				return CRM_TOO_BIG;
			}
			snprintf(b, 96, "when %s got it",
			    user_login_of(ctx, c->owner_id));
			out->from_what = b;
		}
		if (w != 0) {
			rc = explain_recalendared(ctx, at, wat, w, out);
			if (rc != CRM_OK) {
				return rc;
			}
		}
	}
	return CRM_OK;
}

/* ---------------------------------------------------- upgrade, check */

crm_status
pool_reclaim_reindex(struct req_ctx *ctx)
{
	crm_status rc = store_drop(ctx->st, ctx->txn, DB_RECLAIM);
	if (rc == CRM_OK) {
		rc = store_drop(ctx->st, ctx->txn, DB_RECLAIM_REC);
	}
	uint64_t id = 0;
	while (rc == CRM_OK && store_id_next(ctx->st, ctx->txn, DB_CUSTOMERS,
	                           id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = dispatch_record(ctx, DB_CUSTOMERS, id,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc == CRM_OK && c->owner_id != 0) {
			/* When its owner got it is not known before: its
			 * last claim, else its creation. */
			int64_t since = c->pool_left_at > c->created_at
			                    ? c->pool_left_at
			                    : c->created_at;
			struct rec none;
			memset(&none, 0, sizeof(none));
			rc = plan(ctx, c, 0, &none, since);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

crm_status
pool_reclaim_move_recs(struct req_ctx *ctx, uint64_t *moved)
{
	*moved = 0;
	store_cursor *cur;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, DB_RECLAIM, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	store_val k, v;
	/* The records' keys (ids, top bit clear) sort before the heads. */
	rc = store_cursor_get(cur, STORE_FIRST, &k, &v);
	while (rc == CRM_OK && k.len == 8 && !(store_u64(k.data) & HEAD_BIT)) {
		uint64_t id = store_u64(k.data);
		if (v.len != 40) {
			rc = dispatch_fail(ctx, CRM_INTERNAL,
			    "reclaim: customer %" PRIu64
			    " has a record of %zu bytes (crm-check "
			    "reports it)",
			    id, v.len);
			break;
		}
		const uint8_t *p = v.data;
		struct rec r = {
			.owner = store_u64(p),
			.since = store_time_of(store_u64(p + 8)),
			.h1 = store_u64(p + 16),
			.b1 = store_time_of(store_u64(p + 24)),
			.h2 = store_u64(p + 32),
		};
		r.e1 = r.b1;
		r.e2 = r.since;
		rc = rec_put(ctx, id, &r);
		if (rc == CRM_OK) {
			rc = store_cursor_del(cur);
		}
		if (rc == CRM_OK) {
			++*moved;
			rc = store_cursor_get(cur, STORE_NEXT, &k, &v);
		}
	}
	store_cursor_close(cur);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

crm_status
pool_reclaim_check(struct check *c)
{
	struct req_ctx *ctx = c->ctx;
	struct store_iter it;
	crm_status rc =
	    store_iter_open(ctx->st, ctx->txn, DB_RECLAIM, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(ctx->arena);
		if (klen == 24 && (store_u64(key) & HEAD_BIT)) {
			uint64_t h = store_u64(key);
			int64_t base = store_time_of(store_u64(key + 8));
			uint64_t id = store_u64(key + 16);
			struct rec r;
			int ok = rec_get(ctx, id, &r) &&
			         ((r.h1 == h && r.e1 == base) ||
			             (r.h2 == h && r.e2 == base)) &&
			         head_stage(h) != 0 && head_grade(h) != 0 &&
			         warned_of(h) <= WARN_AT_DATE;
			if (!ok) {
				check_problem(c,
				    "reclaim: a due entry of customer %" PRIu64
				    " its record does not name",
				    id);
			}
		} else {
			check_problem(c, "reclaim: a key of %zu bytes", klen);
		}
		crm_arena_release(ctx->arena, mark);
	}
	store_iter_close(&it);
	/* Each record is of an owned customer, its owner, and says where
	 * the customer's entries are. */
	rc = store_iter_open(
	    ctx->st, ctx->txn, DB_RECLAIM_REC, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(ctx->arena);
		uint64_t id = klen == 8 ? store_u64(key) : 0;
		struct rec r;
		Crm__V1__Customer *cu;
		if (!rec_get(ctx, id, &r)) {
			check_problem(c,
			    "reclaim: customer %" PRIu64
			    " has a record of the wrong size",
			    id);
		} else if (dispatch_record(ctx, DB_CUSTOMERS, id,
		               &crm__v1__customer__descriptor,
		               (ProtobufCMessage **)&cu) != CRM_OK ||
		           cu->owner_id != r.owner) {
			check_problem(c,
			    "reclaim: customer %" PRIu64
			    " is gone or has another owner",
			    id);
		} else if (eligible(cu) != (r.h1 != 0 && r.h2 != 0)) {
			check_problem(c,
			    "reclaim: customer %" PRIu64
			    " is %sdue for the pool rules",
			    id, eligible(cu) ? "not " : "");
		} else if (r.h1 != 0 && (r.b1 != quiet_base(cu, r.since) ||
		                            (warned_of(r.h1) == WARN_AT_DATE
		                                    ? r.e1 <= r.b1
		                                    : r.e1 > r.b1))) {
			check_problem(c,
			    "reclaim: customer %" PRIu64
			    "'s rule of no follow-up counts from the wrong "
			    "time",
			    id);
		} else if (warned_of(r.h2) == WARN_AT_DATE ? r.e2 <= r.since
		                                           : r.e2 != r.since) {
			check_problem(c,
			    "reclaim: customer %" PRIu64
			    "'s rule of not won is due at the wrong time",
			    id);
		}
		crm_arena_release(ctx->arena, mark);
	}
	store_iter_close(&it);
	/* Each owned customer has its record. */
	uint64_t id = 0;
	while (store_id_next(ctx->st, ctx->txn, DB_CUSTOMERS, id, &id) ==
	       CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *cu;
		struct rec r;
		if (dispatch_record(ctx, DB_CUSTOMERS, id,
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) == CRM_OK &&
		    cu->owner_id != 0 && cu->merged_into == 0 &&
		    !rec_get(ctx, id, &r)) {
			check_problem(c,
			    "reclaim: customer %" PRIu64
			    " has an owner but no pool-rule record",
			    id);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return CRM_OK;
}
