/* SPDX-License-Identifier: MIT */
/*
 * report_quality.c: the reports of how the work was done: quality (the
 * follow-ups' scores per dimension, and the lowest scored) and sla (the
 * service clocks met and breached per kind). Each reads the facts of
 * stats.h over the report's scope and period; only the lowest scores load
 * their follow-ups for names and texts.
 */
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "customer.h"
#include "policy.h"
#include "report.h"
#include "store_schema.h"
#include "user.h"

#define NSLA   5
#define LOWEST 5

/* ---------------------------------------------------- quality */

struct low {
	uint64_t id;
	int64_t at;
	double avg;
	int weakest;
};

struct quality {
	double sum[4];
	uint64_t n;
	struct low low[LOWEST];
	size_t nlow;
};

static int
collect_quality(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct quality *q = arg;
	struct stats_fu f;
	if (!stats_fu_decode(d, len, &f) || !(f.flags & STATS_FU_SCORED)) {
		return 0;
	}
	double s = 0;
	int weakest = 0;
	for (int i = 0; i < 4; i++) {
		q->sum[i] += f.score[i];
		s += f.score[i];
		if (f.score[i] < f.score[weakest]) {
			weakest = i;
		}
	}
	q->n++;
	struct low l = { id, at, s / 4, weakest };
	/* Keep the LOWEST lowest, ascending; the earlier one wins ties. */
	size_t i = q->nlow;
	if (i == LOWEST) {
		if (l.avg >= q->low[LOWEST - 1].avg) {
			return 0;
		}
		i--;
	} else {
		q->nlow++;
	}
	while (i > 0 && q->low[i - 1].avg > l.avg) {
		q->low[i] = q->low[i - 1];
		i--;
	}
	q->low[i] = l;
	return 0;
}

static const char *const dimensions[4] = { "timeliness", "efficiency",
	"professionalism", "proactiveness" };

crm_status
report_quality(struct report *r)
{
	static const struct report_col dc[] = {
		{ "dimension", "Dimension", T_TEXT },
		{ "average", "Average", T_SCORE },
		{ "scored", "Scored follow-ups", T_COUNT },
	};
	static const struct report_col lc[] = {
		{ "followup", "Follow-up", T_COUNT },
		{ "at", "When", T_TIME },
		{ "customer", "Customer", T_TEXT },
		{ "average", "Average", T_SCORE },
		{ "weakest", "Weakest", T_TEXT },
		{ "evidence", "Evidence", T_TEXT },
	};
	struct quality q;
	memset(&q, 0, sizeof(q));
	crm_status rc = report_scan(r, DB_FU_TIME, REPORT_ALL_SCOPES, r->from,
	    r->to, collect_quality, &q);
	if (rc != CRM_OK) {
		return rc;
	}
	struct report_tab *t = report_table(r, "dimensions",
	    "Service quality, average of 1-5", NCOLS(dc), dc, 4);
	for (int i = 0; t != NULL && i < 4; i++) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, dimensions[i]);
		if (q.n > 0) {
			report_num(row, 1, q.sum[i] / (double)q.n);
		}
		report_num(row, 2, (double)q.n);
	}
	report_chart(t, 0, 1);
	/* The lowest are the bottom half of the scored follow-ups (the
	 * best cases the top half, report_signals.c): never both. */
	if (q.nlow > q.n / 2) {
		q.nlow = (size_t)(q.n / 2);
	}
	if (t != NULL) {
		t = report_table(r, "lowest", "Lowest scored follow-ups",
		    NCOLS(lc), lc, LOWEST);
	}
	for (size_t i = 0; t != NULL && i < q.nlow; i++) {
		Crm__V1__FollowUp *f;
		rc = dispatch_list_record(r->ctx, DB_FOLLOWUPS, q.low[i].id,
		    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)&f);
		if (rc != CRM_OK) {
			return rc;
		}
		Crm__V1__ReportRow *row = report_row(r, t);
		report_num(row, 0, (double)q.low[i].id);
		report_num(row, 1, (double)q.low[i].at);
		int shown = report_customer(r, row, 2, f->customer_id);
		report_num(row, 3, q.low[i].avg);
		report_text(r, row, 4, dimensions[q.low[i].weakest]);
		size_t n = 1;
		size_t ne = shown && f->score ? f->score->n_evidence : 0;
		for (size_t e = 0; e < ne; e++) {
			n += strlen(f->score->evidence[e]) + 2;
		}
		char *ev = crm_arena_alloc(r->ctx->arena, n);
		if (ev != NULL) {
			ev[0] = '\0';
			for (size_t e = 0; e < ne; e++) {
				if (*f->score->evidence[e] == '\0') {
					continue;
				}
				if (ev[0] != '\0') {
					strcat(ev, "; ");
				}
				strcat(ev, f->score->evidence[e]);
			}
			row->cells[5]->text = ev;
		}
	}
	return t != NULL ? CRM_OK : CRM_TOO_BIG;
}

/* ---------------------------------------------------- sla */

struct rep_count {
	uint64_t owner;
	uint64_t clocks, breaches;
};

struct sla_stats {
	int64_t now;
	uint64_t started[NSLA], met[NSLA], breached[NSLA], running[NSLA];
	struct rep_count reps[REPORT_MAX_MEMBERS];
	size_t nreps;
};

static int
collect_sla(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at, (void)id;
	struct sla_stats *s = arg;
	struct stats_sla k;
	if (!stats_sla_decode(d, len, &k) || k.kind >= NSLA) {
		return 0;
	}
	/* Each clock once: met, breached (stopped late or running past its
	 * deadline), or running within its deadline. */
	int stopped = k.stopped_at > 0;
	int breach =
	    stopped ? k.stopped_at > k.deadline_at : s->now > k.deadline_at;
	s->started[k.kind]++;
	s->running[k.kind] += !stopped && !breach;
	s->met[k.kind] += stopped && !breach;
	s->breached[k.kind] += breach;
	size_t i = 0;
	while (i < s->nreps && s->reps[i].owner != k.owner_id) {
		i++;
	}
	if (i == s->nreps && s->nreps < REPORT_MAX_MEMBERS) {
		s->reps[s->nreps++] = (struct rep_count){ k.owner_id, 0, 0 };
	}
	if (i < s->nreps) {
		s->reps[i].clocks++;
		s->reps[i].breaches += breach;
	}
	return 0;
}

crm_status
report_sla(struct report *r)
{
	static const struct report_col kc[] = {
		{ "rule", "Rule", T_TEXT },
		{ "started", "Started", T_COUNT },
		{ "met", "Met", T_COUNT },
		{ "breached", "Breached", T_COUNT },
		{ "running", "Running, in time", T_COUNT },
		{ "rate", "Within deadline", T_PCT },
	};
	static const struct report_col rc_cols[] = {
		{ "rep", "Rep", T_TEXT },
		{ "clocks", "Clocks", T_COUNT },
		{ "breaches", "Breaches", T_COUNT },
	};
	struct sla_stats *s = crm_arena_alloc(r->ctx->arena, sizeof(*s));
	if (s == NULL) {
		return CRM_TOO_BIG;
	}
	memset(s, 0, sizeof(*s));
	s->now = r->ctx->now;
	crm_status rc = report_scan(
	    r, DB_SLA_TIME, REPORT_ALL_SCOPES, r->from, r->to, collect_sla, s);
	if (rc != CRM_OK) {
		return rc;
	}
	struct report_tab *t = report_table(r, "by_rule",
	    "Responses within the deadline, by rule", NCOLS(kc), kc, NSLA);
	for (int k = 1; t != NULL && k < NSLA; k++) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0,
		    crm_enum_name(&crm__v1__sla_kind__descriptor, k));
		report_num(row, 1, (double)s->started[k]);
		report_num(row, 2, (double)s->met[k]);
		report_num(row, 3, (double)s->breached[k]);
		report_num(row, 4, (double)s->running[k]);
		report_pct(row, 5, (double)s->met[k],
		    (double)(s->met[k] + s->breached[k]));
	}
	report_chart(t, 0, 5);
	if (t != NULL) {
		t = report_table(r, "by_rep", "Breaches by rep",
		    NCOLS(rc_cols), rc_cols, s->nreps);
	}
	/* Most breaches first. */
	for (size_t n = 0; t != NULL && n < s->nreps; n++) {
		size_t best = n;
		for (size_t i = n + 1; i < s->nreps; i++) {
			if (s->reps[i].breaches > s->reps[best].breaches) {
				best = i;
			}
		}
		struct rep_count tmp = s->reps[n];
		s->reps[n] = s->reps[best];
		s->reps[best] = tmp;
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(
		    r, row, 0, user_login_of(r->ctx, s->reps[n].owner));
		report_num(row, 1, (double)s->reps[n].clocks);
		report_num(row, 2, (double)s->reps[n].breaches);
	}
	return t != NULL ? CRM_OK : CRM_TOO_BIG;
}
