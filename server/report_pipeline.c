/* SPDX-License-Identifier: MIT */
/*
 * report_pipeline.c: the reports (复盘) of the sales pipeline: funnel
 * (customers per stage, moves between stages), conversion (per grade, the
 * share that reached won), cycle (days from first contact to won) and
 * churn (lost customers and their reasons). Each reads the stage facts of
 * stats.h over the report's scope and period; the other kinds are in
 * report_quality.c, report_summary.c, report_activity.c, report_value.c
 * and report_signals.c.
 */
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "policy.h"
#include "report.h"
#include "store_schema.h"
#include "user.h"

#define DAY      86400.0
#define NGRADES  5 /* 0 unused, S A B C */
#define NSTAGES  7
#define NREASONS 6

enum {
	G_S = CRM__V1__GRADE__GRADE_S,
	G_C = CRM__V1__GRADE__GRADE_C,
	S_WON = CRM__V1__STAGE__STAGE_WON,
	S_LOST = CRM__V1__STAGE__STAGE_LOST,
};

/* ---------------------------------------------------- funnel */

struct moves {
	uint64_t n[NSTAGES][NSTAGES];
};

static int
count_move(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at, (void)id;
	struct moves *m = arg;
	struct stats_stage s;
	if (stats_stage_decode(d, len, &s) && s.from < NSTAGES &&
	    s.to < NSTAGES) {
		m->n[s.from][s.to]++;
	}
	return 0;
}

crm_status
report_funnel(struct report *r)
{
	static const struct report_col sc[] = {
		{ "stage", "Stage", T_TEXT },
		{ "customers", "Customers", T_COUNT },
		{ "share", "Share", T_PCT },
	};
	static const struct report_col mc[] = {
		{ "from", "From", T_TEXT },
		{ "to", "To", T_TEXT },
		{ "moves", "Moves", T_COUNT },
	};
	struct report_tab *t = report_table(r, "stages",
	    "Customers per stage now", NCOLS(sc), sc, NSTAGES - 1);
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	double total = (double)report_tally(r, 0, 0);
	for (int s = 1; s < NSTAGES; s++) {
		double n = (double)report_tally(r, s, 0);
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, report_stage_name(s));
		report_num(row, 1, n);
		report_pct(row, 2, n, total);
	}
	report_chart(t, 0, 1);

	struct moves *m = crm_arena_alloc(r->ctx->arena, sizeof(*m));
	if (m == NULL) {
		return CRM_TOO_BIG;
	}
	memset(m, 0, sizeof(*m));
	crm_status rc = report_scan(r, DB_STAGE_TIME, REPORT_ALL_SCOPES,
	    r->from, r->to, count_move, m);
	if (rc != CRM_OK) {
		return rc;
	}
	t = report_table(r, "moves", "Stage moves in the period", NCOLS(mc),
	    mc, NSTAGES * NSTAGES);
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	/* Largest first; ties in stage order. */
	for (;;) {
		int bf = -1, bt = -1;
		uint64_t best = 0;
		for (int f = 0; f < NSTAGES; f++) {
			for (int to = 0; to < NSTAGES; to++) {
				if (m->n[f][to] > best) {
					best = m->n[f][to];
					bf = f;
					bt = to;
				}
			}
		}
		if (bf < 0) {
			break;
		}
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, bf ? report_stage_name(bf) : "new");
		report_text(r, row, 1, report_stage_name(bt));
		report_num(row, 2, (double)best);
		m->n[bf][bt] = 0;
	}
	return CRM_OK;
}

/* ---------------------------------------------------- conversion */

struct outcomes {
	struct report *r;
	struct report_ids won[NGRADES];
	/* The customers of the period: ids and the grade each counts at. */
	struct report_ids ids;
	uint8_t *grade;
	uint8_t *won_before; /* a 成交客户 at the start (report_period) */
	uint8_t *won_in;     /* won in the period, by anyone */
	size_t cap;
	crm_status err;
};

static int
collect_outcome(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct outcomes *o = arg;
	struct stats_stage s;
	struct report_win w;
	if (!stats_stage_decode(d, len, &s) || s.grade >= NGRADES ||
	    s.to != S_WON) {
		return 0;
	}
	o->err = report_win_fact(o->r, s.customer_id, id, at, &w);
	if (o->err != CRM_OK) {
		return 1; /* named in ctx->msg, never skipped */
	}
	if (w.counts) {
		report_ids_add(&o->won[s.grade], s.customer_id);
	}
	return 0;
}

/* A customer of the scope now: in the period's customers when it was an
 * active customer in it; won in it by its won_at (no move to won in its
 * history there: an import at churn risk with its deal). */
static void
collect_customer(
    void *arg, const struct report_cust *c, const struct report_period *p)
{
	struct outcomes *o = arg;
	if (p->won_at != 0 && p->won_grade < NGRADES) {
		report_ids_add(&o->won[p->won_grade], c->id);
	}
	if (!p->active) {
		return;
	}
	if (o->ids.n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->grade = crm_xrealloc(o->grade, o->cap);
		o->won_before = crm_xrealloc(o->won_before, o->cap);
		o->won_in = crm_xrealloc(o->won_in, o->cap);
	}
	o->grade[o->ids.n] = (uint8_t)c->grade;
	o->won_before[o->ids.n] = p->won_before != 0;
	o->won_in[o->ids.n] = p->won_in != 0;
	report_ids_add(&o->ids, c->id);
}

/* ---- the grade at the period's end of a customer not won in it */

struct grade_then {
	uint64_t id;
	int64_t at;
	uint8_t g;
};

struct grades_then {
	struct grade_then *v;
	size_t n, cap;
};

/* A grade fact after the period (stats.h: grade_time): the first of a
 * customer's says what its grade was at the end, the grade it moved
 * from (0, not a customer of the scope then: the grade it came with). */
static int
collect_grade_then(
    void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)id;
	struct grades_then *t = arg;
	struct stats_grade s;
	if (!stats_grade_decode(d, len, &s) || (s.from == 0 && s.to == 0)) {
		return 0;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->v = crm_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] =
	    (struct grade_then){ s.customer_id, at, s.from ? s.from : s.to };
	return 0;
}

static int
cmp_grade_then(const void *a, const void *b)
{
	const struct grade_then *x = a, *y = b;
	if (x->id != y->id) {
		return x->id < y->id ? -1 : 1;
	}
	return (x->at > y->at) - (x->at < y->at);
}

/* The customers' grades at r's end, from the grade facts since (sorted
 * by id, each customer's first). */
static crm_status
grades_then(struct report *r, struct grades_then *t)
{
	memset(t, 0, sizeof(*t));
	int64_t until = r->ctx->now + 1;
	if (r->to >= until) {
		return CRM_OK; /* no change after the period yet */
	}
	crm_status rc = report_scan(r, DB_GRADE_TIME, REPORT_ALL_SCOPES, r->to,
	    until, collect_grade_then, t);
	if (rc != CRM_OK || t->n == 0) {
		return rc;
	}
	qsort(t->v, t->n, sizeof(*t->v), cmp_grade_then);
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (k == 0 || t->v[k - 1].id != t->v[i].id) {
			t->v[k++] = t->v[i];
		}
	}
	t->n = k;
	return CRM_OK;
}

/* Customer id's grade at the period's end: g (its grade now) unless a
 * grade fact since says otherwise. */
static int
grade_then_of(const struct grades_then *t, uint64_t id, int g)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < t->n && t->v[lo].id == id ? t->v[lo].g : g;
}

/* A customer won in the period and the grade it counts at. */
struct won_grade {
	uint64_t id;
	int g;
};

/* The won sets (made distinct) as one list by id, each customer at the
 * first grade from S to C whose set holds it; *n its length. */
static struct won_grade *
won_grades(const struct outcomes *o, size_t *n)
{
	size_t total = 0, at[NGRADES] = { 0 };
	for (int g = G_S; g <= G_C; g++) {
		total += o->won[g].n;
	}
	struct won_grade *v = crm_xmalloc((total ? total : 1) * sizeof(*v));
	*n = 0;
	for (;;) {
		int best = -1;
		for (int g = G_S; g <= G_C; g++) {
			if (at[g] < o->won[g].n &&
			    (best < 0 || o->won[g].v[at[g]] <
			                     o->won[best].v[at[best]])) {
				best = g;
			}
		}
		if (best < 0) {
			return v;
		}
		uint64_t id = o->won[best].v[at[best]++];
		if (*n == 0 || v[*n - 1].id != id) {
			v[(*n)++] = (struct won_grade){ id, best };
		}
	}
}

/* The entry of id in v[0..n), or NULL; *j is where the last look ended:
 * the period's customers come in id order (one scope's list), so each
 * look goes on from there and the list is walked once a scope. */
static const struct won_grade *
won_find(const struct won_grade *v, size_t n, size_t *j, uint64_t id)
{
	if (*j > 0 && v[*j - 1].id >= id) {
		*j = 0; /* the next scope's list begins again */
	}
	while (*j < n && v[*j].id < id) {
		++*j;
	}
	return *j < n && v[*j].id == id ? &v[*j] : NULL;
}

static void
outcomes_free(struct outcomes *o)
{
	for (int g = 0; g < NGRADES; g++) {
		report_ids_free(&o->won[g]);
	}
	report_ids_free(&o->ids);
	free(o->grade);
	free(o->won_before);
	free(o->won_in);
}

crm_status
report_conversion(struct report *r)
{
	static const struct report_col cols[] = {
		{ "grade", "Grade", T_TEXT },
		{ "customers", "Customers", T_COUNT },
		{ "won", "Won", T_COUNT },
		{ "rate", "Conversion", T_PCT },
		{ "target", "Target", T_PCT },
		{ "met", "Met", T_TEXT },
	};
	struct outcomes o;
	memset(&o, 0, sizeof(o));
	o.r = r;
	/* The walk first: it keeps what each win's customer is, for the
	 * scan of the wins after it (report_wins_keep). */
	report_wins_keep(r);
	crm_status rc =
	    report_customers(r, REPORT_ALL_SCOPES, collect_customer, &o);
	if (rc == CRM_OK) {
		rc = report_scan(r, DB_STAGE_TIME, REPORT_ALL_SCOPES, r->from,
		    r->to, collect_outcome, &o);
	}
	if (rc == CRM_OK) {
		rc = o.err;
	}
	/* The customers of each grade in the period: those that were
	 * customers at some time in it, by their stage history (not lost
	 * at its start, or moved in it), at their grade; a customer won in
	 * it at the grade it was won at. One that was a 成交客户 already
	 * when it began (won, or churn risk after its deal) could not
	 * convert in it: not counted, unless it was won again in it.
	 * A customer won in the period is the winner's: counted, customer
	 * and win, in the scope of whoever held it when it was won (its
	 * win's fact is in their range), held by them now or not, and not
	 * in the scope of whoever holds it now if someone else (scenario
	 * a-win-counts-for-whoever-won-it): no rate passes 100 %. */
	double n[NGRADES] = { 0 }, won[NGRADES] = { 0 };
	for (int g = G_S; rc == CRM_OK && g <= G_C; g++) {
		won[g] = (double)report_ids_distinct(&o.won[g]);
	}
	/* One not won in it, at its grade at the period's end (a grade
	 * changed since does not move a past period). */
	struct grades_then then = { 0 };
	if (rc == CRM_OK) {
		rc = grades_then(r, &then);
	}
	size_t nwon = 0, j = 0;
	struct won_grade *wg = rc == CRM_OK ? won_grades(&o, &nwon) : NULL;
	for (size_t i = 0; rc == CRM_OK && i < o.ids.n; i++) {
		int g = grade_then_of(&then, o.ids.v[i], o.grade[i]);
		const struct won_grade *w = won_find(wg, nwon, &j, o.ids.v[i]);
		if (w != NULL) {
			continue; /* counted with the wins, below */
		}
		if (o.won_before[i] || o.won_in[i]) {
			continue; /* a 成交客户 already; or someone else's win
			           */
		}
		if (g >= G_S && g <= G_C) {
			n[g]++;
		}
	}
	for (size_t i = 0; rc == CRM_OK && i < nwon; i++) {
		if (wg[i].g >= G_S && wg[i].g <= G_C) {
			n[wg[i].g]++;
		}
	}
	struct report_tab *t =
	    rc == CRM_OK ? report_table(r, "by_grade",
	                       "Customers won in the period, by grade",
	                       NCOLS(cols), cols, NGRADES)
	                 : NULL;
	if (rc == CRM_OK && t == NULL) {
		rc = CRM_TOO_BIG;
	}
	double all_n = 0, all_won = 0;
	for (int g = G_S; rc == CRM_OK && g <= G_C; g++) {
		unsigned target =
		    policy_conversion_target(policy_grade(r->pol, g));
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, report_grade_name(g));
		report_num(row, 1, n[g]);
		report_num(row, 2, won[g]);
		report_pct(row, 3, won[g], n[g]);
		report_num(row, 4, target);
		report_text(r, row, 5,
		    n[g] == 0
		        ? "-"
		        : (100.0 * won[g] / n[g] >= target ? "yes" : "no"));
		all_n += n[g];
		all_won += won[g];
	}
	if (rc == CRM_OK) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, "all");
		report_num(row, 1, all_n);
		report_num(row, 2, all_won);
		report_pct(row, 3, all_won, all_n);
		report_text(r, row, 5, "");
		report_chart(t, 0, 3);
	}
	free(then.v);
	free(wg);
	outcomes_free(&o);
	return rc;
}

/* ---------------------------------------------------- cycle */

struct cycle_item {
	uint64_t owner;
	uint8_t grade;
	double days;
};

struct cycles {
	struct report *r;
	struct cycle_item *v;
	size_t n, cap;
	crm_status err; /* a customer that did not load stopped the scan */
};

static void
cycle_add(
    struct cycles *c, uint64_t owner, uint8_t grade, int64_t first, int64_t at)
{
	if (first <= 0 || first > at) {
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = crm_xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] =
	    (struct cycle_item){ owner, grade, (double)(at - first) / DAY };
}

static int
collect_cycle(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct cycles *c = arg;
	struct stats_stage s;
	struct report_win w;
	if (!stats_stage_decode(d, len, &s) || s.to != S_WON ||
	    s.grade >= NGRADES) {
		return 0;
	}
	/* A customer's last win counts when its record says (won_at), from
	 * its first contact as the record says now: it moves back when an
	 * earlier contact is learned of after the win (the stage fact's
	 * copy is the one known when it was won). */
	c->err = report_win_fact(c->r, s.customer_id, id, at, &w);
	if (c->err == CRM_OK && w.counts) {
		cycle_add(c, s.owner_id, s.grade, w.first_contact_at, w.when);
	}
	return c->err != CRM_OK; /* named in ctx->msg, never skipped */
}

/* A win its won_at dates in the period that no move to won in its
 * history stands for (an import at churn risk with its deal). */
static void
cycle_customer(
    void *arg, const struct report_cust *cu, const struct report_period *p)
{
	struct cycles *c = arg;
	if (p->won_at != 0 && p->won_grade < NGRADES) {
		cycle_add(c, cu->owner_id, p->won_grade, cu->first_contact_at,
		    p->won_at);
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Any owner, in cycle_stats (owner 0 is the pool: a win dated while
 * the customer was in it). */
#define CYCLE_ANY_OWNER UINT64_MAX

/* Average and median of the days of the items matching (grade, owner);
 * grade 0 and CYCLE_ANY_OWNER match any. Returns how many matched. */
static size_t
cycle_stats(const struct cycles *c, int grade, uint64_t owner, double *avg,
    double *median)
{
	double *d = crm_xcalloc(c->n + 1, sizeof(*d));
	size_t n = 0;
	double sum = 0;
	for (size_t i = 0; i < c->n; i++) {
		if ((grade == 0 || c->v[i].grade == grade) &&
		    (owner == CYCLE_ANY_OWNER || c->v[i].owner == owner)) {
			d[n++] = c->v[i].days;
			sum += c->v[i].days;
		}
	}
	if (n > 0) {
		qsort(d, n, sizeof(*d), cmp_double);
		*avg = sum / (double)n;
		*median = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
	}
	free(d);
	return n;
}

static void
cycle_row(struct report *r, struct report_tab *t, const char *label,
    const struct cycles *c, int grade, uint64_t owner)
{
	double avg = 0, median = 0;
	size_t n = cycle_stats(c, grade, owner, &avg, &median);
	Crm__V1__ReportRow *row = report_row(r, t);
	report_text(r, row, 0, label);
	report_num(row, 1, (double)n);
	if (n > 0) {
		report_num(row, 2, avg);
		report_num(row, 3, median);
	}
}

crm_status
report_cycle(struct report *r)
{
	static const struct report_col gc[] = {
		{ "grade", "Grade", T_TEXT },
		{ "won", "Won", T_COUNT },
		{ "avg_days", "Average days", T_DAYS },
		{ "median_days", "Median days", T_DAYS },
	};
	static const struct report_col rc_cols[] = {
		{ "rep", "Rep", T_TEXT },
		{ "won", "Won", T_COUNT },
		{ "avg_days", "Average days", T_DAYS },
		{ "median_days", "Median days", T_DAYS },
	};
	struct cycles c = { r, NULL, 0, 0, CRM_OK };
	crm_status rc = report_scan(r, DB_STAGE_TIME, REPORT_ALL_SCOPES,
	    r->from, r->to, collect_cycle, &c);
	if (rc == CRM_OK) {
		rc = c.err;
	}
	if (rc == CRM_OK) {
		rc =
		    report_customers(r, REPORT_ALL_SCOPES, cycle_customer, &c);
	}
	struct report_tab *t = NULL;
	if (rc == CRM_OK) {
		t = report_table(r, "by_grade",
		    "Days from first contact to won, by grade", NCOLS(gc), gc,
		    NGRADES);
	}
	if (t != NULL) {
		for (int g = G_S; g <= G_C; g++) {
			cycle_row(r, t, report_grade_name(g), &c, g,
			    CYCLE_ANY_OWNER);
		}
		cycle_row(r, t, "all", &c, 0, CYCLE_ANY_OWNER);
		report_chart(t, 0, 2);
		/* Per rep: the owners seen, in first-seen order. */
		struct report_ids owners = { 0 };
		for (size_t i = 0; i < c.n; i++) {
			report_ids_add(&owners, c.v[i].owner);
		}
		report_ids_distinct(&owners);
		t = report_table(r, "by_rep", "Days to won, by rep",
		    NCOLS(rc_cols), rc_cols, owners.n);
		for (size_t i = 0; t != NULL && i < owners.n; i++) {
			cycle_row(r, t,
			    owners.v[i] ? user_login_of(r->ctx, owners.v[i])
			                : "(the pool)",
			    &c, 0, owners.v[i]);
		}
		report_ids_free(&owners);
	}
	free(c.v);
	if (rc == CRM_OK && t == NULL) {
		rc = CRM_TOO_BIG;
	}
	return rc;
}

/* ---------------------------------------------------- churn */

/* The churn of a period, derived from each customer's stage history:
 * the customers at its start (begun before it, not lost then), those of
 * them lost in it, and the losses of customers that began in it; the
 * reasons rank every loss in it. A customer lost before the start and
 * back since is not at the start; a merged one counts as the customer
 * it went into (report_customers visits live customers only). */
struct churn {
	uint64_t at_start, lost, lost_new;
	uint64_t reasons[NREASONS];
};

static int
collect_reason(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at, (void)id;
	struct churn *c = arg;
	struct stats_stage s;
	if (stats_stage_decode(d, len, &s) && s.to == S_LOST) {
		c->reasons[s.lost_reason < NREASONS ? s.lost_reason : 0]++;
	}
	return 0;
}

static void
churn_customer(
    void *arg, const struct report_cust *cu, const struct report_period *p)
{
	(void)cu;
	struct churn *c = arg;
	c->at_start += p->at_start != 0;
	c->lost += p->at_start && p->lost_in;
	c->lost_new += p->began_in && p->lost_in;
}

crm_status
report_churn(struct report *r)
{
	static const struct report_col sc[] = {
		{ "active_at_start", "Active at start", T_COUNT },
		{ "lost", "Lost of them", T_COUNT },
		{ "churn_rate", "Churn rate", T_PCT },
		{ "lost_new", "Lost, began in period", T_COUNT },
	};
	static const struct report_col rc_cols[] = {
		{ "reason", "Lost reason", T_TEXT },
		{ "customers", "Customers", T_COUNT },
		{ "share", "Share", T_PCT },
	};
	struct churn c;
	memset(&c, 0, sizeof(c));
	crm_status rc = report_scan(r, DB_STAGE_TIME, REPORT_ALL_SCOPES,
	    r->from, r->to, collect_reason, &c);
	if (rc == CRM_OK) {
		rc =
		    report_customers(r, REPORT_ALL_SCOPES, churn_customer, &c);
	}
	struct report_tab *t = NULL;
	if (rc == CRM_OK) {
		t = report_table(r, "summary", "Churn", NCOLS(sc), sc, 1);
	}
	if (t != NULL) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_num(row, 0, (double)c.at_start);
		report_num(row, 1, (double)c.lost);
		report_pct(row, 2, (double)c.lost, (double)c.at_start);
		report_num(row, 3, (double)c.lost_new);
		uint64_t total = 0;
		for (int i = 0; i < NREASONS; i++) {
			total += c.reasons[i];
		}
		t = report_table(r, "reasons", "Lost reasons", NCOLS(rc_cols),
		    rc_cols, NREASONS);
		for (;;) {
			int best = -1;
			for (int i = 0; i < NREASONS; i++) {
				if (c.reasons[i] > 0 &&
				    (best < 0 ||
				        c.reasons[i] > c.reasons[best])) {
					best = i;
				}
			}
			if (best < 0 || t == NULL) {
				break;
			}
			row = report_row(r, t);
			report_text(r, row, 0,
			    best ? crm_enum_name(
			               &crm__v1__lost_reason__descriptor, best)
			         : "unknown");
			report_num(row, 1, (double)c.reasons[best]);
			report_pct(
			    row, 2, (double)c.reasons[best], (double)total);
			c.reasons[best] = 0;
		}
		report_chart(t, 0, 1);
	}
	if (rc == CRM_OK && t == NULL) {
		rc = CRM_TOO_BIG;
	}
	return rc;
}

/* activity: report_activity.c */
