/* SPDX-License-Identifier: MIT */
/*
 * report_activity.c: `report activity`, follow-ups against the cadence
 * of each grade. A customer counts under the grades it had in the period
 * (the grade_time facts of stats.h), and the follow-ups its grade's
 * cadence expects are prorated to the days it spent at each: a customer
 * that was B for 10 days and A for 20 of a 30-day period is expected
 * 10/7 + 20/3 follow-ups. A follow-up counts under the grade the customer
 * had when it was logged, and a customer reached at a grade is one of
 * that grade's customers, so no row is reached above 100 %. A duplicate
 * merged into another counts in no period: its follow-ups are the kept
 * one's. A customer counts while a person held it: a team's days are its
 * people's (their grade facts and tallies), so the days it sat in the
 * team's pool count in no grade and the team's numbers are the sums of
 * its reps'.
 */
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "calendar.h"
#include "crm_pb_scan.h"
#include "policy.h"
#include "report.h"
#include "stats.h"
#include "store_schema.h"
#include "user.h"

#define NGRADES   5 /* 0: no grade or not active, S A B C */
#define NCHANNELS 9
#define DAY       86400.0

/* One grade fact of a scope, in the period or after it. */
struct gfact {
	uint64_t scope, cid;
	size_t idx; /* scan order: time, then sequence */
	int64_t at;
	uint8_t from, to;
};

/* A customer that changed grade (or came, or went) since the period
 * began, in one scope: the grades it had in the period. */
struct member {
	uint64_t cid;
	unsigned mask; /* bit g: at grade g for some time in the period */
};

/*
 * The working days of the period, day by day (local days from the one
 * holding r->from to the one holding the end), as the holiday calendar
 * says: start[i] is day i's local midnight, before[i] the working
 * seconds of the period's days before it. One calendar lookup a day, for
 * the whole report.
 */
struct workdays {
	size_t n;
	int64_t *start;
	double *before;
	uint8_t *work;
	int on; /* policy working-days: off, every day counts */
};

struct activity {
	struct report *r;
	/* The scopes whose grade facts are read: the people who held the
	 * report's customers (report_holder_scopes), never a team's own,
	 * which counts its customers' days in its pool too. */
	uint64_t *held;
	size_t nheld;
	uint64_t scope; /* of the facts being collected */
	struct gfact *f;
	size_t nf, capf;
	/* per grade: customers that did not change (from the tallies) and
	 * those that did, customer-seconds in the period, follow-ups */
	double seconds[NGRADES];
	double expect[NGRADES]; /* follow-ups the cadence expects of them */
	struct workdays wd;     /* of the period */
	uint64_t changed[NGRADES], current[NGRADES], extra[NGRADES];
	uint64_t per_grade[NGRADES];
	struct report_ids reached[NGRADES];
	struct member *m;
	size_t nm;
	uint64_t channels[NCHANNELS];
	uint64_t total, late, moved;
};

static int
collect_grade(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct activity *a = arg;
	struct stats_grade g;
	(void)id;
	if (!stats_grade_decode(d, len, &g) || g.from >= NGRADES ||
	    g.to >= NGRADES) {
		return 0;
	}
	if (a->nf == a->capf) {
		a->capf = a->capf ? 2 * a->capf : 256;
		a->f = crm_xrealloc(a->f, a->capf * sizeof(*a->f));
	}
	a->f[a->nf] =
	    (struct gfact){ a->scope, g.customer_id, a->nf, at, g.from, g.to };
	a->nf++;
	return 0;
}

static int
cmp_gfact(const void *x, const void *y)
{
	const struct gfact *a = x, *b = y;
	if (a->scope != b->scope) {
		return a->scope < b->scope ? -1 : 1;
	}
	if (a->cid != b->cid) {
		return a->cid < b->cid ? -1 : 1;
	}
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static int
cmp_member(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	return (a->cid > b->cid) - (a->cid < b->cid);
}

static void
workdays_init(struct workdays *w, struct report *r, int64_t from, int64_t end)
{
	memset(w, 0, sizeof(*w));
	w->on = policy_cadence_working_days(r->pol);
	if (!w->on || end <= from) {
		return;
	}
	size_t cap = (size_t)((end - from) / 86400) + 3;
	w->start = crm_xcalloc(cap + 1, sizeof(*w->start));
	w->before = crm_xcalloc(cap + 1, sizeof(*w->before));
	w->work = crm_xcalloc(cap + 1, 1);
	int64_t d = calendar_day_start(from);
	double acc = 0;
	while (w->n < cap && d < end) {
		int yes = 1;
		(void)calendar_is_working_day(r->ctx, d + 43200, &yes);
		/* The next local midnight (a day of 23 or 25 hours too). */
		int64_t next = calendar_day_start(d + 36 * 3600);
		w->start[w->n] = d;
		w->before[w->n] = acc;
		w->work[w->n] = (uint8_t)(yes != 0);
		acc += yes ? (double)(next - d) : 0;
		w->n++;
		d = next;
	}
	w->start[w->n] = d;
	w->before[w->n] = acc;
}

static void
workdays_free(struct workdays *w)
{
	free(w->start);
	free(w->before);
	free(w->work);
}

/* The working seconds of the period before t (t within it). */
static double
worked_before(const struct workdays *w, int64_t t)
{
	size_t lo = 0, hi = w->n;
	while (lo < hi) { /* the last day starting at or before t */
		size_t mid = (lo + hi + 1) / 2;
		if (w->start[mid] <= t) {
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	if (lo >= w->n) {
		return w->before[w->n];
	}
	return w->before[lo] + (w->work[lo] ? (double)(t - w->start[lo]) : 0);
}

/*
 * The follow-ups grade g's rhythm expects over [a, b): its working days
 * over the interval's. The planner moves each due date to a working day
 * (policy working-days on, the holiday calendar), so the rhythm runs on
 * working days: "S daily" is one each working day, a holiday or a
 * weekend expects none, a make-up working day one; a longer interval
 * spans 5 working days in 7 (B's week: 5; A's 3 days: 15/7; C's 30
 * days: 150/7), never less than one working day. With working-days off,
 * every day: (b - a) / every, as before.
 */
static double
cadence_steps(const struct report *r, const struct workdays *w, int g,
    int64_t a, int64_t b)
{
	const Crm__V1__GradePolicy *gp = policy_grade(r->pol, g);
	double every = (double)gp->every_seconds;
	if (every <= 0 || b <= a || g == 0) {
		return 0;
	}
	if (!w->on) {
		return (double)(b - a) / every;
	}
	double span = every * 5.0 / 7.0;
	if (span < 86400.0) {
		span = 86400.0;
	}
	return (worked_before(w, b) - worked_before(w, a)) / span;
}

/* The spells of one customer's facts f[0..n) in a scope over [from, end):
 * seconds per grade, and the grades it had; and the grade it took in
 * [end, until) (now's second, when the period reaches now: a customer
 * given or graded this second is one of the period's, though no time at
 * that grade has passed yet). */
static unsigned
spells(struct activity *a, const struct gfact *f, size_t n, int64_t from,
    int64_t end, int64_t until)
{
	unsigned mask = 0;
	int64_t t0 = from;
	uint8_t g = f[0].from;
	for (size_t i = 0; i <= n; i++) {
		int64_t t = i < n ? f[i].at : end;
		t = t < from ? from : (t > end ? end : t);
		if (t > t0) {
			a->seconds[g] += (double)(t - t0);
			a->expect[g] += cadence_steps(a->r, &a->wd, g, t0, t);
			mask |= 1u << g;
			t0 = t;
		}
		if (i < n) {
			g = f[i].to;
		}
	}
	if (n > 0 && f[n - 1].at >= end && f[n - 1].at < until) {
		mask |= 1u << f[n - 1].to;
	}
	return mask & ~1u;
}

static int
collect_fu(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct activity *a = arg;
	struct stats_fu f;
	(void)at, (void)id;
	if (!stats_fu_decode(d, len, &f)) {
		return 0;
	}
	int g = f.grade < NGRADES ? f.grade : 0;
	a->per_grade[g]++;
	report_ids_add(&a->reached[g], f.customer_id);
	a->channels[f.channel < NCHANNELS ? f.channel : 0]++;
	a->total++;
	a->late += (f.flags & STATS_FU_LATE) != 0;
	a->moved += (f.flags & STATS_FU_MOVED) != 0;
	return 0;
}

/* Whether reached customer cid counts among grade g's customers; when it
 * does not (a follow-up back-dated before a grade change, a customer of
 * another owner), it is added: reached is never above customers. */
static void
count_reached(struct activity *a, int g, uint64_t cid)
{
	struct member key = { cid, 0 }, *m = NULL;
	if (a->nm > 0) {
		m = bsearch(&key, a->m, a->nm, sizeof(*a->m), cmp_member);
	}
	if (m != NULL) {
		while (m > a->m && m[-1].cid == cid) {
			m--;
		}
		for (; m < a->m + a->nm && m->cid == cid; m++) {
			if (m->mask & (1u << g)) {
				return;
			}
		}
		a->extra[g]++;
		return;
	}
	/* Unchanged through the period: its grade now, if someone of the
	 * scope holds it (one in the pool is counted by the tallies of no
	 * one: by_grade). */
	struct report *r = a->r;
	size_t mark = crm_arena_mark(r->ctx->arena);
	Crm__V1__Customer *c;
	int in = 0;
	if (dispatch_record(r->ctx, DB_CUSTOMERS, cid,
	        &crm__v1__customer__descriptor,
	        (ProtobufCMessage **)&c) == CRM_OK &&
	    c->merged_into == 0 && c->stage != CRM__V1__STAGE__STAGE_LOST &&
	    (int)c->grade == g) {
		for (size_t i = 0; i < a->nheld && !in; i++) {
			in = a->held[i] == (STATS_PERSON | c->owner_id);
		}
	}
	crm_arena_release(r->ctx->arena, mark);
	a->extra[g] += !in;
}

/* Whether customer cid is a merged tombstone, read off the stored
 * record without unpacking it. */
static int
merged_away(struct report *r, uint64_t cid)
{
	static const uint32_t field[] = { 43 }; /* merged_into */
	uint64_t into = 0;
	store_key k;
	store_key_id(&k, cid);
	store_val v;
	if (store_get(r->ctx->st, r->ctx->txn, DB_CUSTOMERS, k.b, 8, &v) ==
	    CRM_OK) {
		crm_pb_varints(v.data, v.len, field, 1, &into);
	}
	return into != 0;
}

static crm_status
by_grade(struct activity *a)
{
	struct report *r = a->r;
	int64_t now = r->ctx->now;
	/* Expected follow-ups stop at now: future days expect none yet. A
	 * period that reaches now ends a second after it (report.c): what
	 * became a customer's grade in now's second counts in it. */
	int64_t end = r->to < now ? r->to : now;
	if (end < r->from) {
		end = r->from;
	}
	int64_t until = r->to < now + 1 ? r->to : now + 1;
	workdays_init(&a->wd, r, r->from, end);
	/* A team's customers, day by day, are those its people held: the
	 * grade facts under each of them (a customer of a team is held by
	 * a user of it), not the team's, which keep counting a customer
	 * in the team's pool, held by no one, whose follow-ups no one
	 * plans (a claim plans them again). So a team's customer-days and
	 * what the cadence expects are the sums of its people's. */
	crm_status rc = report_holder_scopes(r, &a->held, &a->nheld);
	for (size_t i = 0; i < a->nheld && rc == CRM_OK; i++) {
		a->scope = a->held[i];
		rc = report_scan(r, DB_GRADE_TIME, a->held[i], r->from,
		    (now > r->to ? now : r->to) + 1, collect_grade, a);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (a->nf > 0) {
		qsort(a->f, a->nf, sizeof(*a->f), cmp_gfact);
		a->m = crm_xcalloc(a->nf, sizeof(*a->m));
	}
	for (size_t i = 0, j; i < a->nf; i = j) {
		j = i + 1;
		while (j < a->nf && a->f[j].scope == a->f[i].scope &&
		       a->f[j].cid == a->f[i].cid) {
			j++;
		}
		/* A duplicate merged into another is out of the reports
		 * (merge.c), as in the funnel and monthly: none of a grade's
		 * customers, with none of its days, also those before the
		 * merge; its follow-ups count on the kept one. Its merge is
		 * its last fact (to no grade), in the scan as it is no later
		 * than now. */
		if (a->f[j - 1].to == 0 && merged_away(r, a->f[i].cid)) {
			continue;
		}
		unsigned mask =
		    spells(a, &a->f[i], j - i, r->from, end, until);
		a->current[a->f[j - 1].to]++;
		a->m[a->nm++] = (struct member){ a->f[i].cid, mask };
	}
	if (a->nm > 0) {
		qsort(a->m, a->nm, sizeof(*a->m), cmp_member);
	}
	/* A customer once among a grade's customers, however many of the
	 * scopes it was in (held by two of a team's people in the period;
	 * moved from one team to another: both teams' for all teams), as
	 * the customers reached. */
	for (size_t i = 0, j; i < a->nm; i = j) {
		unsigned mask = 0;
		for (j = i; j < a->nm && a->m[j].cid == a->m[i].cid; j++) {
			mask |= a->m[j].mask;
		}
		for (int g = 1; g < NGRADES; g++) {
			a->changed[g] += (mask >> g) & 1u;
		}
	}
	return report_scan(
	    r, DB_FU_TIME, REPORT_ALL_SCOPES, r->from, r->to, collect_fu, a);
}

/* Calendar routines' occurrences due in the period (issue 15), as the
 * weekly report counts them (report_occurrence): due are those still
 * owed when they fell due (or owed now); done, those done by the
 * period's end; missed, those due and undone then. */
struct routines {
	int64_t now, to;
	uint64_t due, done, missed;
};

static int
count_routine(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)id;
	struct routines *n = arg;
	struct stats_task t;
	if (!stats_task_decode(d, len, &t) ||
	    t.kind != CRM__V1__TASK_KIND__TASK_ROUTINE) {
		return 0;
	}
	enum report_occurrence o = report_occurrence(&t, at, n->to, n->now);
	n->due += o != REPORT_OCC_NONE;
	n->done += o == REPORT_OCC_DONE;
	n->missed += o == REPORT_OCC_MISSED;
	return 0;
}

/* The customers the scopes of a->held hold now in stage and grade (0:
 * any): a team's, less those in its pool. */
static uint64_t
held_tally(const struct activity *a, int stage, int grade)
{
	uint64_t n = 0;
	for (size_t i = 0; i < a->nheld; i++) {
		n += stats_tally(a->r->ctx, a->held[i], stage, grade);
	}
	return n;
}

crm_status
report_activity(struct report *r)
{
	static const struct report_col gc[] = {
		{ "grade", "Grade", T_TEXT },
		{ "customers", "Customers", T_COUNT },
		{ "customer_days", "Customer-days", T_DAYS },
		{ "followups", "Follow-ups", T_COUNT },
		{ "reached", "Customers reached", T_COUNT },
		{ "reached_share", "Reached", T_PCT },
		{ "per_customer", "Per customer", T_NUMBER },
		{ "expected", "Cadence expects", T_NUMBER },
		{ "cadence", "Of cadence", T_PCT },
	};
	static const struct report_col cc[] = {
		{ "channel", "Channel", T_TEXT },
		{ "followups", "Follow-ups", T_COUNT },
		{ "share", "Share", T_PCT },
	};
	static const struct report_col sc[] = {
		{ "followups", "Follow-ups", T_COUNT },
		{ "late", "Late", T_COUNT },
		{ "late_share", "Late share", T_PCT },
		{ "effective", "Moved a stage", T_COUNT },
		{ "effective_share", "Effective share", T_PCT },
	};
	static const struct report_col rc_cols[] = {
		{ "due", "Routine occurrences due", T_COUNT },
		{ "done", "Done", T_COUNT },
		{ "missed", "Missed", T_COUNT },
		{ "done_share", "Done share", T_PCT },
	};
	struct activity *a = crm_arena_alloc(r->ctx->arena, sizeof(*a));
	if (a == NULL) {
		return CRM_TOO_BIG;
	}
	memset(a, 0, sizeof(*a));
	a->r = r;
	crm_status rc = by_grade(a);
	struct report_tab *t = NULL;
	if (rc == CRM_OK) {
		t = report_table(r, "by_grade",
		    "Follow-ups against each grade's own cadence (whatever "
		    "the stage; on working days, as the planner moves each "
		    "due date), prorated to the days at each grade",
		    NCOLS(gc), gc, NGRADES);
	}
	int64_t now = r->ctx->now;
	int64_t end = r->to < now ? r->to : now;
	double span = end > r->from ? (double)(end - r->from) : 0;
	for (int g = 1; t != NULL && g < NGRADES; g++) {
		double all =
		    (double)held_tally(a, 0, g) -
		    (double)held_tally(a, CRM__V1__STAGE__STAGE_LOST, g);
		double still = all - (double)a->current[g];
		if (still < 0) {
			still = 0; /* a rebuilt grade_time: see stats.h */
		}
		double reached = (double)report_ids_distinct(&a->reached[g]);
		for (size_t i = 0; i < a->reached[g].n; i++) {
			count_reached(a, g, a->reached[g].v[i]);
		}
		double n = still + (double)a->changed[g] + (double)a->extra[g];
		double secs = still * span + a->seconds[g];
		double fu = (double)a->per_grade[g];
		const Crm__V1__GradePolicy *gp = policy_grade(r->pol, g);
		double expect =
		    gp->every_seconds > 0
		        ? still * cadence_steps(r, &a->wd, g, r->from, end) +
		              a->expect[g]
		        : 0;
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(
		    r, row, 0, crm_enum_name(&crm__v1__grade__descriptor, g));
		report_num(row, 1, n);
		report_num(row, 2, secs / DAY);
		report_num(row, 3, fu);
		report_num(row, 4, reached);
		report_pct(row, 5, reached, n);
		if (n > 0) {
			report_num(row, 6, fu / n);
		}
		report_num(row, 7, expect);
		/* Under a customer-day the cadence expects a sliver of a
		 * follow-up, and any follow-up is thousands of per cent of it:
		 * no share (shown "-"). */
		if (secs >= DAY) {
			report_pct(row, 8, fu, expect);
		}
	}
	if (t != NULL) {
		t = report_table(
		    r, "channels", "Channels used", NCOLS(cc), cc, NCHANNELS);
	}
	for (int ch = 0; t != NULL && ch < NCHANNELS; ch++) {
		if (a->channels[ch] == 0) {
			continue;
		}
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0,
		    ch ? crm_enum_name(&crm__v1__channel__descriptor, ch)
		       : "unknown");
		report_num(row, 1, (double)a->channels[ch]);
		report_pct(row, 2, (double)a->channels[ch], (double)a->total);
	}
	report_chart(t, 0, 1);
	if (t != NULL) {
		t = report_table(r, "summary", "Late and effective follow-ups",
		    NCOLS(sc), sc, 1);
	}
	if (t != NULL) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_num(row, 0, (double)a->total);
		report_num(row, 1, (double)a->late);
		report_pct(row, 2, (double)a->late, (double)a->total);
		report_num(row, 3, (double)a->moved);
		report_pct(row, 4, (double)a->moved, (double)a->total);
	}
	struct routines rt = { r->ctx->now, r->to, 0, 0, 0 };
	if (t != NULL && rc == CRM_OK) {
		rc = report_scan(r, DB_TASK_DUE, REPORT_ALL_SCOPES, r->from,
		    r->to, count_routine, &rt);
		t = report_table(r, "routines",
		    "Calendar routines (each occurrence a task)",
		    NCOLS(rc_cols), rc_cols, 1);
	}
	if (t != NULL && rc == CRM_OK) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_num(row, 0, (double)rt.due);
		report_num(row, 1, (double)rt.done);
		report_num(row, 2, (double)rt.missed);
		report_pct(row, 3, (double)rt.done, (double)rt.due);
	}
	for (int g = 0; g < NGRADES; g++) {
		report_ids_free(&a->reached[g]);
	}
	free(a->f);
	free(a->m);
	free(a->held);
	workdays_free(&a->wd);
	if (rc == CRM_OK && t == NULL) {
		rc = CRM_TOO_BIG;
	}
	return rc;
}
