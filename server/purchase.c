/* SPDX-License-Identifier: MIT */
/*
 * purchase.c: purchases (合作记录 / 购买). Record API first (add, move,
 * find, a customer's summary, the report fact each purchase leaves and
 * its rebuild and check), then the handlers of purchase.add and
 * purchase.list. A purchase is visible and editable exactly when its
 * customer is; it is never edited or deleted (a wrong one is a matter for
 * the audit log and a correcting entry), only moved by a merge, and
 * crm's record of a won deal takes the product, category and contract of
 * the purchases row that is the deal (purchase_deal_take).
 */
#include "history.h"
#include "purchase.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "check.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "lifecycle.h"
#include "policy.h"
#include "signals.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define FACT_LEN     24
#define FUTURE_SLACK 86400 /* clocks differ; a purchase is a date */
#define AMOUNT_MAX   PURCHASE_AMOUNT_MAX /* 1e12 in major units */
#define PAGE_DEFAULT 100
#define PAGE_MAX     1000
#define SUMMARY_CATS 3
#define SUMMARY_SCAN 100000 /* purchases summed at most per customer */
#define YEAR         (365 * 86400)

/* ---------------------------------------------------- facts */

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

int
purchase_fact_decode(const void *v, size_t n, struct purchase_fact *f)
{
	const uint8_t *p = v;
	if (n != FACT_LEN) {
		return 0;
	}
	f->customer_id = store_u64(p);
	f->amount = (int64_t)store_u64(p + 8);
	f->category = store_u64(p + 16);
	return 1;
}

uint64_t
purchase_category_hash(const char *category)
{
	if (category == NULL || *category == '\0') {
		return 0;
	}
	char *norm = crm_utf8_normalize(category);
	const char *s = norm != NULL && *norm ? norm : category;
	uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= UINT64_C(1099511628211);
	}
	free(norm);
	return h != 0 ? h : 1;
}

/* The key of p's fact under scope i (0: team, 1: owner) and its data. */
static void
fact_of(const Crm__V1__Purchase *p, int i, store_key *k, uint8_t v[FACT_LEN])
{
	uint64_t scope = i == 0 ? p->team_id : (STATS_PERSON | p->owner_id);
	store_key_triple(k, scope, store_time_key(p->bought_at), p->id);
	put64(v, p->customer_id);
	put64(v + 8, (uint64_t)p->amount);
	put64(v + 16, purchase_category_hash(p->category));
}

/* Write p's two facts (over what is there). */
static crm_status
fact_put(struct req_ctx *ctx, const Crm__V1__Purchase *p)
{
	crm_status rc = CRM_OK;
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		store_key k;
		uint8_t v[FACT_LEN];
		fact_of(p, i, &k, v);
		rc = store_put(
		    ctx->st, ctx->txn, DB_PURCH_TIME, k.b, k.len, v, FACT_LEN);
	}
	return rc;
}

static crm_status
rebuild_one(struct req_ctx *ctx, const ProtobufCMessage *m, void *arg)
{
	(void)arg;
	return fact_put(ctx, (const Crm__V1__Purchase *)m);
}

crm_status
purchase_rebuild(struct req_ctx *ctx)
{
	crm_status rc = store_drop(ctx->st, ctx->txn, DB_PURCH_TIME);
	return rc == CRM_OK
	           ? dispatch_each_record(ctx, DB_PURCHASES,
	                 &crm__v1__purchase__descriptor, rebuild_one, NULL)
	           : rc;
}

crm_status
purchase_check(struct check *c)
{
	uint64_t id = 0, n = 0;
	crm_status rc;
	while ((rc = store_id_next(c->ctx->st, c->ctx->txn, DB_PURCHASES, id,
	            &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__Purchase *p;
		n++;
		if (dispatch_record(c->ctx, DB_PURCHASES, id,
		        &crm__v1__purchase__descriptor,
		        (ProtobufCMessage **)&p) != CRM_OK) {
			crm_arena_release(c->ctx->arena, mark);
			continue; /* reported by the record walk */
		}
		for (int i = 0; i < 2; i++) {
			store_key k;
			uint8_t want[FACT_LEN];
			fact_of(p, i, &k, want);
			store_val v = { NULL, 0 };
			int found = store_has(
			    c->ctx->st, c->ctx->txn, DB_PURCH_TIME, &k, &v);
			if (!found || v.len != FACT_LEN ||
			    memcmp(v.data, want, FACT_LEN) != 0) {
				check_problem(c,
				    "purchase %" PRIu64 ": its purch_time "
				    "fact is %s",
				    id, found ? "wrong" : "missing");
				break;
			}
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	if (rc != CRM_NOT_FOUND) {
		return rc;
	}
	uint64_t have = store_entries(c->ctx->st, c->ctx->txn, DB_PURCH_TIME);
	if (have != 2 * n) {
		check_problem(c,
		    "purch_time holds %" PRIu64 " entries, want %" PRIu64,
		    have, 2 * n);
	}
	return CRM_OK;
}

/* ---------------------------------------------------- record API */

static crm_status
load(struct req_ctx *ctx, uint64_t id, Crm__V1__Purchase **p)
{
	return dispatch_record(ctx, DB_PURCHASES, id,
	    &crm__v1__purchase__descriptor, (ProtobufCMessage **)p);
}

/* A one-line text of at most max bytes (NULL or empty: none). */
static crm_status
check_line(struct req_ctx *ctx, const char *what, const char *s, size_t max)
{
	if (s == NULL || *s == '\0') {
		return CRM_OK;
	}
	if (strlen(s) > max) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, what, "%s: at most %zu bytes", what, max);
	}
	if (strpbrk(s, "\n\t") != NULL) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, what, "%s: one line, please", what);
	}
	return CRM_OK;
}

static crm_status
check_purchase(struct req_ctx *ctx, const Crm__V1__Purchase *in)
{
	if (!in->has_amount || in->amount <= 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "amount",
		    "amount: a purchase needs an amount above 0");
	}
	if (in->amount > AMOUNT_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "amount",
		    "amount: too large; at most 1,000,000,000,000.00");
	}
	if (in->product == NULL || *in->product == '\0') {
		return dispatch_fail_field(ctx, CRM_EINVAL, "product",
		    "product: a purchase needs a product or service");
	}
	/* As of when it was made (Request.made_at): kept offline, as if it
	 * came then. */
	if (in->has_bought_at &&
	    (in->bought_at <= 0 ||
	        in->bought_at > dispatch_at(ctx) + FUTURE_SLACK)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "bought_at",
		    "at: a purchase cannot happen in the future");
	}
	crm_status rc =
	    check_line(ctx, "product", in->product, PURCHASE_PRODUCT_MAX);
	if (rc == CRM_OK) {
		rc = check_line(
		    ctx, "category", in->category, PURCHASE_CATEGORY_MAX);
	}
	if (rc == CRM_OK) {
		rc = check_line(
		    ctx, "contract", in->contract, PURCHASE_CONTRACT_MAX);
	}
	return rc;
}

crm_status
purchase_add(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Purchase *in, uint64_t followup_id, Crm__V1__Purchase **out)
{
	crm_status rc = check_purchase(ctx, in);
	if (rc != CRM_OK) {
		return rc;
	}
	/* Built from what a client may set; the rest is the server's. */
	Crm__V1__Purchase *p = crm_arena_alloc(ctx->arena, sizeof(*p));
	if (p == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__purchase__init(p);
	rc = store_next_id(ctx->st, ctx->txn, "purchase", &p->id);
	if (rc != CRM_OK) {
		return rc;
	}
	p->has_id = p->has_customer_id = p->has_amount = p->has_bought_at = 1;
	p->has_owner_id = p->has_team_id = 1;
	p->has_created_by = p->has_created_at = 1;
	p->customer_id = c->id;
	p->amount = in->amount;
	p->product = in->product;
	/* A blank category is none. */
	p->category = (char *)customer_trimmed(ctx, in->category);
	p->contract = in->contract && *in->contract ? in->contract : NULL;
	/* Bought when the rep said (Request.made_at for a write kept
	 * offline), unless given. */
	p->bought_at = in->has_bought_at && in->bought_at != 0
	                   ? in->bought_at
	                   : dispatch_at(ctx);
	p->owner_id = c->owner_id;
	p->team_id = c->team_id;
	p->created_by = ctx->who ? ctx->who->user_id : 0;
	if (ctx->importing && in->has_created_by && in->created_by != 0) {
		p->created_by = in->created_by; /* import.c checked it */
	}
	p->created_at = ctx->now;
	if (followup_id != 0) {
		p->has_followup_id = 1;
		p->followup_id = followup_id;
	}
	store_key k;
	store_key_id(&k, p->id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_PURCHASES, &k, &p->base);
	if (rc == CRM_OK) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_PURCH_CUST, c->id, p->id);
	}
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_PURCHASE, NULL, &p->base);
	}
	if (rc == CRM_OK) {
		rc = fact_put(ctx, p);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "purchase", p->id, NULL, &p->base);
	}
	if (rc == CRM_OK && out != NULL) {
		*out = p;
	}
	return rc;
}

const char *
purchase_deal_category(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if (!c->has_deal_amount || c->deal_amount <= 0 || c->won_at == 0) {
		return NULL;
	}
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_PURCH_CUST, c->id, id,
	           &id) == CRM_OK) {
		Crm__V1__Purchase *p;
		size_t mark = crm_arena_mark(ctx->arena);
		if (load(ctx, id, &p) == CRM_OK &&
		    p->amount == c->deal_amount && p->bought_at == c->won_at) {
			return p->category;
		}
		crm_arena_release(ctx->arena, mark);
	}
	return NULL;
}

/* Purchase id stored again as p (it was before): its fact, its place on
 * the timeline, the record and the audit trail. The fact's key (scope,
 * time, id) is the same: p changes what the fact holds, not when. */
static crm_status
rewrite(struct req_ctx *ctx, uint64_t id, const Crm__V1__Purchase *before,
    Crm__V1__Purchase *p)
{
	store_key k;
	store_key_id(&k, id);
	crm_status rc = fact_put(ctx, p);
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_PURCHASE,
		    (const ProtobufCMessage *)before, &p->base);
	}
	if (rc == CRM_OK) {
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_PURCHASES, &k, &p->base);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "purchase", id, &before->base, &p->base);
	}
	return rc;
}

crm_status
purchase_move(struct req_ctx *ctx, uint64_t id, uint64_t to)
{
	Crm__V1__Purchase *before, *p;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &p);
	}
	if (rc == CRM_OK) {
		rc = store_index_del(
		    ctx->st, ctx->txn, DB_PURCH_CUST, before->customer_id, id);
	}
	if (rc == CRM_OK) {
		rc = store_index_add(ctx->st, ctx->txn, DB_PURCH_CUST, to, id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* The facts keep their keys (scope then, time, id): only the
	 * customer in their data changes. */
	p->customer_id = to;
	return rewrite(ctx, id, before, p);
}

/* A visit of one of a customer's purchases (id): nonzero stops the walk
 * there. p is released after the visit. */
typedef int (*purchase_visit)(
    void *arg, const Crm__V1__Purchase *p, uint64_t id);

/* Visits customer_id's purchases in id order until fn stops: CRM_OK and
 * *hit its id then, else CRM_NOT_FOUND; store errors. */
static crm_status
purchase_each(struct req_ctx *ctx, uint64_t customer_id, purchase_visit fn,
    void *arg, uint64_t *hit)
{
	uint64_t pid = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_PURCH_CUST, customer_id,
	           pid, &pid) == CRM_OK) {
		Crm__V1__Purchase *p;
		size_t mark = crm_arena_mark(ctx->arena);
		/* An index entry without its record is an error, never a
		 * purchase skipped. */
		crm_status rc = dispatch_list_record(ctx, DB_PURCHASES, pid,
		    &crm__v1__purchase__descriptor, (ProtobufCMessage **)&p);
		if (rc != CRM_OK) {
			return rc;
		}
		int stop = fn(arg, p, pid);
		crm_arena_release(ctx->arena, mark);
		if (stop) {
			*hit = pid;
			return CRM_OK;
		}
	}
	return CRM_NOT_FOUND;
}

struct same {
	int64_t at, amount;
	const char *product;
	char day[16];
	unsigned left; /* same_minute: the matches to pass before the one */
};

static int
same_minute(void *arg, const Crm__V1__Purchase *p, uint64_t id)
{
	(void)id;
	const struct same *s = arg;
	/* The same minute, whichever of the two has seconds: export writes
	 * them where a time has them, a sheet may keep only the minute (crm
	 * import counts rows the same: cmd_import.c row_hash). */
	return p->bought_at / 60 == s->at / 60 && p->amount == s->amount &&
	       strcmp(p->product ? p->product : "",
	           s->product ? s->product : "") == 0;
}

static int
nth_same_minute(void *arg, const Crm__V1__Purchase *p, uint64_t id)
{
	struct same *s = arg;
	return same_minute(s, p, id) && --s->left == 0;
}

crm_status
purchase_find(struct req_ctx *ctx, uint64_t customer_id, int64_t at,
    int64_t amount, const char *product, unsigned nth, uint64_t *id)
{
	struct same s = { at, amount, product, "", nth > 0 ? nth : 1 };
	return purchase_each(ctx, customer_id, nth_same_minute, &s, id);
}

static int
same_day(void *arg, const Crm__V1__Purchase *p, uint64_t id)
{
	(void)id;
	const struct same *s = arg;
	char other[16];
	if (p->amount != s->amount) {
		return 0;
	}
	calendar_day_key(p->bought_at, other, sizeof(other));
	return strcmp(s->day, other) == 0;
}

crm_status
purchase_find_day(struct req_ctx *ctx, uint64_t customer_id, int64_t at,
    int64_t amount, uint64_t *id)
{
	struct same s = { at, amount, NULL, "", 0 };
	calendar_day_key(at, s.day, sizeof(s.day));
	return purchase_each(ctx, customer_id, same_day, &s, id);
}

/* Whether p is crm's record of c's won deal (lifecycle_won_purchase):
 * no contract, and the deal's terms or PURCHASE_DEAL_PRODUCT as its
 * product. */
static int
deal_placeholder(const Crm__V1__Customer *c, const Crm__V1__Purchase *p)
{
	const char *product = p->product ? p->product : "";
	return (p->contract == NULL || *p->contract == '\0') &&
	       (strcmp(product, PURCHASE_DEAL_PRODUCT) == 0 ||
	           (c->contract_terms != NULL && *c->contract_terms &&
	               strcmp(product, c->contract_terms) == 0));
}

struct deal_match {
	const Crm__V1__Customer *c;
	struct same s;
	uint64_t placeholder; /* the first of crm's records of the deal */
};

/* Stops at a purchase of the deal's day, amount and product; notes the
 * first of crm's own records of the deal on the way. */
static int
deal_visit(void *arg, const Crm__V1__Purchase *p, uint64_t id)
{
	struct deal_match *m = arg;
	if (!same_day(&m->s, p, id)) {
		return 0;
	}
	if (strcmp(p->product ? p->product : "",
	        m->s.product ? m->s.product : "") == 0) {
		return 1;
	}
	if (m->placeholder == 0 && deal_placeholder(m->c, p)) {
		m->placeholder = id;
	}
	return 0;
}

crm_status
purchase_deal_match(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t at, int64_t amount, const char *product, uint64_t *id, int *take)
{
	*take = 0;
	if (!c->has_deal_amount || c->deal_amount <= 0 ||
	    c->deal_amount != amount || !c->has_won_at || c->won_at == 0) {
		return CRM_NOT_FOUND;
	}
	char day[16];
	struct deal_match m = { c, { at, amount, product, "", 0 }, 0 };
	calendar_day_key(at, day, sizeof(day));
	calendar_day_key(c->won_at, m.s.day, sizeof(m.s.day));
	if (strcmp(day, m.s.day) != 0) {
		return CRM_NOT_FOUND;
	}
	crm_status rc = purchase_each(ctx, c->id, deal_visit, &m, id);
	if (rc != CRM_NOT_FOUND || m.placeholder == 0) {
		return rc;
	}
	*id = m.placeholder;
	*take = 1;
	return CRM_OK;
}

crm_status
purchase_deal_take(
    struct req_ctx *ctx, uint64_t id, const Crm__V1__Purchase *in)
{
	Crm__V1__Purchase *before, *p;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &p);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (in->product != NULL && *in->product) {
		p->product = in->product;
	}
	const char *category = customer_trimmed(ctx, in->category);
	if (category != NULL) {
		p->category = (char *)category;
	}
	if (in->contract != NULL && *in->contract) {
		p->contract = in->contract;
	}
	rc = check_purchase(ctx, p);
	if (rc != CRM_OK) {
		return rc;
	}
	/* The facts keep their keys (scope, time, id): only the category
	 * in their data changes. */
	return rewrite(ctx, id, before, p);
}

struct cat_sum {
	uint64_t hash;
	int64_t amount;
	const char *name;
};

static int
by_amount(const void *a, const void *b)
{
	const struct cat_sum *x = a, *y = b;
	if (x->amount != y->amount) {
		return x->amount > y->amount ? -1 : 1;
	}
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

crm_status
purchase_summary(
    struct req_ctx *ctx, uint64_t customer_id, Crm__V1__PurchaseSummary **out)
{
	Crm__V1__PurchaseSummary *s = crm_arena_alloc(ctx->arena, sizeof(*s));
	Crm__V1__Policy *pol;
	if (s == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = policy_load(ctx, &pol);
	if (rc != CRM_OK) {
		return rc;
	}
	crm__v1__purchase_summary__init(s);
	struct cat_sum *cats = NULL;
	size_t ncats = 0, cap = 0;
	uint64_t pid = 0;
	for (int n = 0; n < SUMMARY_SCAN &&
	                store_index_next(ctx->st, ctx->txn, DB_PURCH_CUST,
	                    customer_id, pid, &pid) == CRM_OK;
	     n++) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Purchase *p;
		rc = dispatch_list_record(ctx, DB_PURCHASES, pid,
		    &crm__v1__purchase__descriptor, (ProtobufCMessage **)&p);
		if (rc != CRM_OK) {
			break;
		}
		s->count++;
		s->total += p->amount;
		if (s->count == 1 || p->bought_at < s->first_at) {
			s->first_at = p->bought_at;
		}
		if (p->bought_at > s->last_at) {
			s->last_at = p->bought_at;
		}
		if (p->bought_at >= ctx->now - YEAR) {
			s->count_year++;
			s->total_year += p->amount;
		}
		uint64_t h = purchase_category_hash(p->category);
		size_t i = 0;
		while (i < ncats && cats[i].hash != h) {
			i++;
		}
		if (i == ncats) {
			if (ncats == cap) {
				cap = cap ? 2 * cap : 8;
				cats = crm_xrealloc(cats, cap * sizeof(*cats));
			}
			cats[ncats++] = (struct cat_sum){ h, 0,
				p->category ? crm_xstrdup(p->category)
				            : NULL };
		}
		cats[i].amount += p->amount;
		crm_arena_release(ctx->arena, mark);
	}
	if (ncats > 1) {
		qsort(cats, ncats, sizeof(*cats), by_amount);
	}
	s->categories = crm_arena_alloc(
	    ctx->arena, (SUMMARY_CATS + 1) * sizeof(*s->categories));
	for (size_t i = 0; s->categories != NULL && i < ncats; i++) {
		if (cats[i].name != NULL && s->n_categories < SUMMARY_CATS) {
			s->categories[s->n_categories++] =
			    crm_arena_strdup(ctx->arena, cats[i].name);
		}
		free((char *)cats[i].name);
	}
	free(cats);
	const Crm__V1__ValuePolicy *vp = pol->value;
	s->has_count = s->has_total = s->has_count_year = 1;
	s->has_total_year = 1;
	if (s->count > 0) {
		s->has_average = s->has_first_at = s->has_last_at = 1;
		s->average = s->total / s->count;
	}
	s->has_frequency = s->has_amount_level = 1;
	s->frequency = (Crm__V1__Level)policy_level(
	    s->count_year, vp->frequency_high, vp->frequency_medium);
	s->amount_level = (Crm__V1__Level)policy_level(
	    s->total_year, vp->amount_high, vp->amount_medium);
	*out = s;
	if (rc != CRM_OK) {
		return rc;
	}
	return ctx->arena->exhausted ? CRM_TOO_BIG : CRM_OK;
}

/* ---------------------------------------------------- handlers */

/* After purchase p of customer c: a purchase dated before c's first
 * contact (首次接触时间, the earliest contact known: a customer entered
 * today who bought last month) moves it back to the purchase, as a
 * backdated follow-up moves it (followup.c), and the stage history
 * begins no later (lifecycle_first_back), so reports never count a
 * purchase in a month before the customer began. A next follow-up
 * planned from the first contact (a customer not yet followed up, whose
 * stage has not moved since it was entered) is counted from the new one,
 * as `customer edit` of it counts it; one planned from a follow-up or a
 * stage change stays. Else c is only touched (updated_at). */
static crm_status
first_contact_back(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Purchase *p)
{
	if (c->has_first_contact_at && c->first_contact_at > 0 &&
	    p->bought_at >= c->first_contact_at) {
		return customer_touch(ctx, c->id);
	}
	Crm__V1__Customer *after;
	Crm__V1__Task *t = NULL;
	int64_t since = 0;
	crm_status rc = customer_editable(ctx, c->id, &after);
	if (rc == CRM_OK) {
		rc = task_followup_open(ctx, c->id, &t);
	}
	if (rc == CRM_OK) {
		rc = lifecycle_stage_since(ctx, c, &since);
	}
	/* Planned from the first contact: no follow-up since, and the stage
	 * entered then, not moved since (a plan from a move stays, as for a
	 * follow-up dated before the move). */
	int from_first = t != NULL && !customer_followed_up(c) &&
	                 since <= c->first_contact_at;
	if (rc == CRM_OK) {
		after->has_first_contact_at = 1;
		after->first_contact_at = p->bought_at;
		signals_first_back(ctx, after, c->first_contact_at);
		rc = customer_save(ctx, c, after);
	}
	if (rc == CRM_OK) {
		rc = lifecycle_first_back(ctx, after);
	}
	if (rc == CRM_OK && from_first) {
		rc = task_followup_sync(
		    ctx, after, customer_last_contact(after), 1);
	}
	return rc;
}

crm_status
purchase_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__Purchase *in = req->purchase_add->purchase;
	if (in == NULL || !in->has_customer_id) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "purchase_add.purchase.customer_id",
		    "a purchase needs a customer");
	}
	Crm__V1__Customer *c;
	Crm__V1__Purchase *p;
	crm_status rc = customer_editable(ctx, in->customer_id, &c);
	if (rc == CRM_OK) {
		rc = purchase_add(ctx, c, in, 0, &p);
		dispatch_field_prefix(ctx, "purchase_add.purchase.");
	}
	if (rc == CRM_OK) {
		rc = first_contact_back(ctx, c, p);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	p->customer = c->name;
	p->author = ctx->who_buf.login;
	resp->body_case = CRM__V1__RESPONSE__BODY_PURCHASE;
	resp->purchase = p;
	return CRM_OK;
}

crm_status
purchase_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__PurchaseListRequest *r = req->purchase_list;
	Crm__V1__Customer *c;
	crm_status rc = customer_visible(ctx, r->customer_id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	size_t limit = r->has_limit && r->limit ? r->limit : PAGE_DEFAULT;
	if (limit > PAGE_MAX) {
		limit = PAGE_MAX;
	}
	Crm__V1__PurchaseList *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__purchase_list__init(out);
	out->purchases =
	    crm_arena_alloc(ctx->arena, limit * sizeof(*out->purchases));
	if (out->purchases == NULL) {
		return CRM_TOO_BIG;
	}
	uint64_t id = r->has_cursor ? r->cursor : 0;
	while (store_index_next(ctx->st, ctx->txn, DB_PURCH_CUST, c->id, id,
	           &id) == CRM_OK) {
		Crm__V1__Purchase *p;
		if (out->n_purchases == limit) {
			out->has_next_cursor = 1;
			out->next_cursor =
			    out->purchases[out->n_purchases - 1]->id;
			break;
		}
		rc = dispatch_list_record(ctx, DB_PURCHASES, id,
		    &crm__v1__purchase__descriptor, (ProtobufCMessage **)&p);
		if (rc != CRM_OK) {
			return rc;
		}
		p->customer = c->name;
		p->author = (char *)user_login_of(ctx, p->created_by);
		out->purchases[out->n_purchases++] = p;
	}
	if (!r->has_cursor || r->cursor == 0) {
		rc = purchase_summary(ctx, c->id, &out->summary);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (ctx->arena->exhausted) {
		return dispatch_fail(ctx, CRM_TOO_BIG,
		    "the page is too big; ask for fewer purchases");
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_PURCHASES;
	resp->purchases = out;
	return CRM_OK;
}
