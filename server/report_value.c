/* SPDX-License-Identifier: MIT */
/*
 * report_value.c: the value report (购买频率 / 购买金额 / 购买产品类别).
 * It walks the purchase facts (purch_time) of the report's scope and
 * period once, sums them per customer, and places each customer in a
 * high, medium or low segment three ways, against the value policy:
 *   - frequency: its purchases in the period;
 *   - amount: their total;
 *   - category: the level of the category it spent the most on, a
 *     category's level being its share of the period's revenue.
 * Each segment gets its customers, purchases, revenue and revenue share,
 * and the follow-ups its customers actually got in the period (the
 * fu_time facts) against the cadence the policy gives the level, over
 * the days of the period each was a customer (buyer_days: one customer
 * record read per buyer). Only the name of each category is read from a
 * record (one purchase per category).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "customer.h"
#include "policy.h"
#include "purchase.h"
#include "report.h"
#include "store_schema.h"

#define DAY      86400.0
#define NLEVELS  4   /* 0 unused, high, medium, low */
#define MAX_CATS 100 /* rows of the categories table */
#define HIGH     CRM__V1__LEVEL__LEVEL_HIGH
#define MEDIUM   CRM__V1__LEVEL__LEVEL_MEDIUM
#define LOW      CRM__V1__LEVEL__LEVEL_LOW
/* The category of purchases of customers the reader may not see. */
#define CAT_HIDDEN UINT64_MAX

/* One purchase fact of the period. */
struct item {
	uint64_t customer, category, id;
	int64_t amount;
};

/* One category of the period. */
struct cat {
	uint64_t hash, first_id;
	int64_t revenue;
	uint64_t purchases, customers; /* customers: whose top category */
	int level;
};

/* One customer that bought in the period. */
struct buyer {
	uint64_t id, purchases, followups;
	int64_t total;
	double days;  /* of the period it was a customer (buyer_days) */
	uint64_t top; /* category hash */
	int level[3]; /* by frequency, amount, category */
};

struct value {
	struct report *r;
	struct item *items;
	size_t nitems, cap;
	uint64_t *fu; /* customers of the period's follow-ups */
	size_t nfu, fucap;
};

static int
collect_purchase(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at;
	struct value *v = arg;
	struct purchase_fact f;
	if (!purchase_fact_decode(d, len, &f)) {
		return 0;
	}
	if (v->nitems == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 256;
		v->items = crm_xrealloc(v->items, v->cap * sizeof(*v->items));
	}
	/* A category is what was written of a customer: those of one the
	 * reader may not see now are one category, CUSTOMER_HIDDEN. */
	uint64_t cat = f.category;
	if (cat != 0 && !customer_may_see(v->r->ctx, f.customer_id)) {
		cat = CAT_HIDDEN;
	}
	v->items[v->nitems++] =
	    (struct item){ f.customer_id, cat, id, f.amount };
	return 0;
}

static int
collect_followup(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at, (void)id;
	struct value *v = arg;
	struct stats_fu f;
	if (!stats_fu_decode(d, len, &f)) {
		return 0;
	}
	if (v->nfu == v->fucap) {
		v->fucap = v->fucap ? 2 * v->fucap : 256;
		v->fu = crm_xrealloc(v->fu, v->fucap * sizeof(*v->fu));
	}
	v->fu[v->nfu++] = f.customer_id;
	return 0;
}

static int
by_customer(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->customer != y->customer) {
		return x->customer < y->customer ? -1 : 1;
	}
	if (x->category != y->category) {
		return x->category < y->category ? -1 : 1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int
by_revenue(const void *a, const void *b)
{
	const struct cat *x = a, *y = b;
	if (x->revenue != y->revenue) {
		return x->revenue > y->revenue ? -1 : 1;
	}
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* Follow-ups of customer id: a binary search of the sorted list. */
static uint64_t
followups_of(const struct value *v, uint64_t id)
{
	size_t lo = report_lower_bound(v->fu, v->nfu, id);
	uint64_t n = 0;
	while (lo < v->nfu && v->fu[lo] == id) {
		n++;
		lo++;
	}
	return n;
}

static struct cat *
find_cat(struct cat *cats, size_t n, uint64_t hash)
{
	for (size_t i = 0; i < n; i++) {
		if (cats[i].hash == hash) {
			return &cats[i];
		}
	}
	return NULL;
}

/* A category's level from its share (percent) of the revenue. */
static int
share_level(const Crm__V1__ValuePolicy *vp, double share)
{
	if (share >= (double)vp->category_high) {
		return HIGH;
	}
	return share >= (double)vp->category_medium ? MEDIUM : LOW;
}

static const char *
level_name(int level)
{
	return level == HIGH ? "high" : level == MEDIUM ? "medium" : "low";
}

/* The rule of a level as people read it ("≥ 6", "3–5", "< 3"). */
static void
rule_text(
    int how, int level, const Crm__V1__Policy *pol, char *buf, size_t len)
{
	const Crm__V1__ValuePolicy *vp = pol->value;
	char h[48], m[48];
	if (how == 1) {
		crm_money_format_people(
		    vp->amount_high, pol->currency, h, sizeof(h));
		crm_money_format_people(
		    vp->amount_medium, pol->currency, m, sizeof(m));
	} else if (how == 0) {
		snprintf(h, sizeof(h), "%u", vp->frequency_high);
		snprintf(m, sizeof(m), "%u", vp->frequency_medium);
	} else {
		snprintf(h, sizeof(h), "%u %%", vp->category_high);
		snprintf(m, sizeof(m), "%u %%", vp->category_medium);
	}
	static const char *const what[] = { " purchases", " spent",
		" of revenue" };
	if (level == HIGH) {
		snprintf(buf, len, "≥ %s%s", h, what[how]);
	} else if (level == MEDIUM && how == 0) {
		snprintf(buf, len, "%u–%u%s", vp->frequency_medium,
		    vp->frequency_high - 1, what[how]);
	} else if (level == MEDIUM) {
		snprintf(buf, len, "%s to under %s%s", m, h, what[how]);
	} else {
		snprintf(buf, len, "under %s%s", m, what[how]);
	}
}

/* The days of the period customer id was one: from its first contact
 * (else when it was entered) to the period's end or now, as report
 * activity counts a customer's days, so the cadence expects of a
 * customer of five weeks five weeks' follow-ups, not a year's. The
 * whole period when its record cannot be read. */
static double
buyer_days(struct report *r, uint64_t id)
{
	int64_t end = r->to < r->ctx->now ? r->to : r->ctx->now;
	int64_t start = r->from;
	size_t mark = crm_arena_mark(r->ctx->arena);
	Crm__V1__Customer *c;
	if (customer_load(r->ctx, id, &c) == CRM_OK) {
		int64_t since = c->first_contact_at > 0 ? c->first_contact_at
		                                        : c->created_at;
		if (since > start) {
			start = since;
		}
	}
	crm_arena_release(r->ctx->arena, mark);
	return end > start ? (double)(end - start) / DAY : 0;
}

/* One segment table: how 0 frequency, 1 amount, 2 category. */
static crm_status
segment_table(struct report *r, int how, const struct buyer *b, size_t nb,
    int64_t revenue)
{
	static const struct report_col cols[] = {
		{ "segment", "Segment", T_TEXT },
		{ "rule", "Rule", T_TEXT },
		{ "customers", "Customers", T_COUNT },
		{ "purchases", "Purchases", T_COUNT },
		{ "revenue", "Revenue", T_MONEY },
		{ "revenue_share", "Revenue share", T_PCT },
		{ "followups", "Follow-ups", T_COUNT },
		{ "per_customer", "Per customer", T_NUMBER },
		{ "policy_days", "Policy: every (days)", T_DAYS },
		{ "expected", "Policy expects", T_NUMBER },
		{ "cadence", "Of policy", T_PCT },
	};
	static const char *const names[] = { "frequency", "amount",
		"category" };
	static const char *const titles[] = {
		"By purchase frequency (购买频率)",
		"By purchase amount (购买金额)",
		("By product category (购买产品类别): the level of the "
		 "category each customer spent most on"),
	};
	const Crm__V1__ValuePolicy *vp = r->pol->value;
	struct report_tab *t = report_table(
	    r, names[how], titles[how], NCOLS(cols), cols, NLEVELS - 1);
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	for (int level = HIGH; level <= LOW; level++) {
		uint64_t customers = 0, purchases = 0, fu = 0;
		int64_t rev = 0;
		double days = 0;
		for (size_t i = 0; i < nb; i++) {
			if (b[i].level[how] == level) {
				customers++;
				purchases += b[i].purchases;
				rev += b[i].total;
				fu += b[i].followups;
				days += b[i].days;
			}
		}
		char rule[160];
		rule_text(how, level, r->pol, rule, sizeof(rule));
		int64_t every = policy_level_every(vp, level);
		/* Per customer: the mean of what each one's days expect. */
		double expect =
		    every > 0 && customers > 0
		        ? days * DAY / (double)every / (double)customers
		        : 0;
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, level_name(level));
		report_text(r, row, 1, rule);
		report_num(row, 2, (double)customers);
		report_num(row, 3, (double)purchases);
		report_num(row, 4, (double)rev);
		report_pct(row, 5, (double)rev, (double)revenue);
		report_num(row, 6, (double)fu);
		if (customers > 0) {
			double per = (double)fu / (double)customers;
			report_num(row, 7, per);
			report_pct(row, 10, per, expect);
		}
		report_num(row, 8, (double)every / DAY);
		report_num(row, 9, expect);
	}
	report_chart(t, 0, 5);
	return CRM_OK;
}

static crm_status
categories_table(
    struct report *r, const struct cat *cats, size_t nc, int64_t revenue)
{
	static const struct report_col cols[] = {
		{ "category", "Category", T_TEXT },
		{ "level", "Level", T_TEXT },
		{ "customers", "Customers (top category)", T_COUNT },
		{ "purchases", "Purchases", T_COUNT },
		{ "revenue", "Revenue", T_MONEY },
		{ "revenue_share", "Revenue share", T_PCT },
	};
	size_t rows = nc < MAX_CATS ? nc : MAX_CATS;
	struct report_tab *t = report_table(r, "categories",
	    "Product categories, by revenue", NCOLS(cols), cols, rows);
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	for (size_t i = 0; i < rows; i++) {
		const char *name = "(none)";
		Crm__V1__Purchase *p;
		if (cats[i].hash == CAT_HIDDEN) {
			name = CUSTOMER_HIDDEN;
		} else if (cats[i].hash != 0) {
			/* The name comes from one of its purchases: one that
			 * does not load fails the report, named. */
			crm_status rc = dispatch_list_record(r->ctx,
			    DB_PURCHASES, cats[i].first_id,
			    &crm__v1__purchase__descriptor,
			    (ProtobufCMessage **)&p);
			if (rc != CRM_OK) {
				return rc;
			}
			if (p->category != NULL) {
				name = p->category;
			}
		}
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, name);
		report_text(r, row, 1, level_name(cats[i].level));
		report_num(row, 2, (double)cats[i].customers);
		report_num(row, 3, (double)cats[i].purchases);
		report_num(row, 4, (double)cats[i].revenue);
		report_pct(row, 5, (double)cats[i].revenue, (double)revenue);
	}
	report_chart(t, 0, 5);
	return CRM_OK;
}

static crm_status
summary_table(
    struct report *r, size_t nb, size_t nitems, int64_t revenue, size_t nc)
{
	static const struct report_col cols[] = {
		{ "customers", "Customers now", T_COUNT },
		{ "buyers", "Bought in the period", T_COUNT },
		{ "purchases", "Purchases", T_COUNT },
		{ "revenue", "Revenue", T_MONEY },
		{ "per_buyer", "Revenue per buyer", T_MONEY },
		{ "categories", "Categories", T_COUNT },
	};
	struct report_tab *t = report_table(
	    r, "summary", "Purchases in the period", NCOLS(cols), cols, 1);
	Crm__V1__ReportRow *row = report_row(r, t);
	if (row == NULL) {
		return CRM_TOO_BIG;
	}
	report_num(row, 0, (double)report_tally(r, 0, 0));
	report_num(row, 1, (double)nb);
	report_num(row, 2, (double)nitems);
	report_num(row, 3, (double)revenue);
	if (nb > 0) {
		/* In cents, to the nearest one (the shell rounds what it
		 * shows). */
		report_num(row, 4, (double)revenue / (double)nb);
	}
	report_num(row, 5, (double)nc);
	return CRM_OK;
}

crm_status
report_value(struct report *r)
{
	const Crm__V1__ValuePolicy *vp = r->pol->value;
	struct value v;
	memset(&v, 0, sizeof(v));
	v.r = r;
	struct buyer *b = NULL;
	struct cat *cats = NULL;
	size_t nb = 0, nc = 0;
	int64_t revenue = 0;
	crm_status rc = report_scan(r, DB_PURCH_TIME, REPORT_ALL_SCOPES,
	    r->from, r->to, collect_purchase, &v);
	if (rc == CRM_OK) {
		rc = report_scan(r, DB_FU_TIME, REPORT_ALL_SCOPES, r->from,
		    r->to, collect_followup, &v);
	}
	if (rc != CRM_OK) {
		goto out;
	}
	if (v.nitems > 1) {
		qsort(v.items, v.nitems, sizeof(*v.items), by_customer);
	}
	if (v.nfu > 1) {
		qsort(v.fu, v.nfu, sizeof(*v.fu), cmp_u64);
	}
	b = crm_xcalloc(v.nitems + 1, sizeof(*b));
	cats = crm_xcalloc(v.nitems + 1, sizeof(*cats));
	/* Per customer (items sorted by customer, then category): totals
	 * and the category it spent most on; per category: revenue. */
	for (size_t i = 0; i < v.nitems;) {
		struct buyer *x = &b[nb++];
		int64_t best = -1;
		x->id = v.items[i].customer;
		while (i < v.nitems && v.items[i].customer == x->id) {
			uint64_t h = v.items[i].category;
			int64_t spent = 0;
			for (; i < v.nitems && v.items[i].customer == x->id &&
			       v.items[i].category == h;
			     i++) {
				struct cat *c = find_cat(cats, nc, h);
				if (c == NULL) {
					c = &cats[nc++];
					c->hash = h;
					c->first_id = v.items[i].id;
				}
				c->revenue += v.items[i].amount;
				c->purchases++;
				c->first_id = v.items[i].id < c->first_id
				                  ? v.items[i].id
				                  : c->first_id;
				spent += v.items[i].amount;
				x->purchases++;
			}
			x->total += spent;
			if (spent > best) { /* ties: the smaller hash */
				best = spent;
				x->top = h;
			}
		}
		revenue += x->total;
		x->followups = followups_of(&v, x->id);
		x->days = buyer_days(r, x->id);
	}
	for (size_t i = 0; i < nc; i++) {
		double share = revenue > 0 ? 100.0 * (double)cats[i].revenue /
		                                 (double)revenue
		                           : 0;
		cats[i].level = share_level(vp, share);
	}
	for (size_t i = 0; i < nb; i++) {
		struct cat *c = find_cat(cats, nc, b[i].top);
		b[i].level[0] = policy_level((int64_t)b[i].purchases,
		    vp->frequency_high, vp->frequency_medium);
		b[i].level[1] = policy_level(
		    b[i].total, vp->amount_high, vp->amount_medium);
		b[i].level[2] = c ? c->level : LOW;
		if (c != NULL) {
			c->customers++;
		}
	}
	if (nc > 1) {
		qsort(cats, nc, sizeof(*cats), by_revenue);
	}
	rc = summary_table(r, nb, v.nitems, revenue, nc);
	for (int how = 0; rc == CRM_OK && how < 3; how++) {
		rc = segment_table(r, how, b, nb, revenue);
	}
	if (rc == CRM_OK) {
		rc = categories_table(r, cats, nc, revenue);
	}
out:
	free(v.items);
	free(v.fu);
	free(b);
	free(cats);
	return rc;
}
