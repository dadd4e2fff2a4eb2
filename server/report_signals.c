/* SPDX-License-Identifier: MIT */
/*
 * report_signals.c: the report tables of issue 15's signals: feedback
 * tags ranked (report feedback), the open issues per rep (weekly and
 * monthly), the best-scored cases and S-grade visits without minutes
 * (quality), and late entries per rep (activity). The kinds themselves
 * are in the other report_*.c files; these tables follow them (report.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "customer.h"
#include "report.h"
#include "signals.h"
#include "store_schema.h"
#include "user.h"

#define MAX_TAGS  1000
#define LIST_ROWS 100
#define BEST      5

/* A note row after a list cut at LIST_ROWS: never cut silently. */
static void
more_row(struct report *r, struct report_tab *t, size_t col, uint64_t more,
    const char *where)
{
	if (t == NULL || more == 0) {
		return;
	}
	char note[128];
	snprintf(note, sizeof(note), "%" PRIu64 " more: %s", more, where);
	Crm__V1__ReportRow *row = report_row(r, t);
	if (row != NULL) {
		report_text(r, row, col, note);
	}
}

static crm_status
load_fu(struct report *r, uint64_t id, Crm__V1__FollowUp **f)
{
	return dispatch_list_record(r->ctx, DB_FOLLOWUPS, id,
	    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)f);
}

/* ---------------------------------------------------- feedback */

struct tag {
	char *name;
	uint64_t followups;
	struct report_ids customers;
};

struct tags {
	struct report *r;
	struct tag *v;
	size_t n;
	uint64_t followups, tagged;
	crm_status err;
	int full;
};

static struct tag *
tag_of(struct tags *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->v[i].name, name) == 0) {
			return &w->v[i];
		}
	}
	if (w->n == MAX_TAGS) {
		w->full = 1;
		return NULL;
	}
	struct tag *t = &w->v[w->n++];
	memset(t, 0, sizeof(*t));
	t->name = crm_xstrdup(name);
	return t;
}

static int
collect_tags(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at, (void)d, (void)len;
	struct tags *w = arg;
	size_t mark = crm_arena_mark(w->r->ctx->arena);
	Crm__V1__FollowUp *f;
	w->err = load_fu(w->r, id, &f);
	if (w->err != CRM_OK) {
		return 1;
	}
	w->followups++;
	w->tagged += f->n_tags > 0;
	/* Tags are what was written of a customer: those of one the reader
	 * may not see (customer_shown) count once, as CUSTOMER_HIDDEN. */
	int shown =
	    f->n_tags == 0 || customer_may_see(w->r->ctx, f->customer_id);
	for (size_t i = 0; i < (shown ? f->n_tags : 1); i++) {
		struct tag *t =
		    tag_of(w, shown ? f->tags[i] : CUSTOMER_HIDDEN);
		if (t != NULL) {
			t->followups++;
			report_ids_add(&t->customers, f->customer_id);
		}
	}
	crm_arena_release(w->r->ctx->arena, mark);
	return 0;
}

static int
cmp_tag(const void *x, const void *y)
{
	const struct tag *a = x, *b = y;
	if (a->followups != b->followups) {
		return a->followups > b->followups ? -1 : 1;
	}
	if (a->customers.n != b->customers.n) {
		return a->customers.n > b->customers.n ? -1 : 1;
	}
	return strcmp(a->name, b->name);
}

crm_status
report_feedback(struct report *r)
{
	static const struct report_col cols[] = {
		{ "tag", "Tag", T_TEXT },
		{ "followups", "Follow-ups", T_COUNT },
		{ "customers", "Customers", T_COUNT },
		{ "share", "Of tagged follow-ups", T_PCT },
	};
	struct tags w = { r, NULL, 0, 0, 0, CRM_OK, 0 };
	w.v = crm_xmalloc(MAX_TAGS * sizeof(*w.v));
	crm_status rc = report_scan(r, DB_FU_TIME, REPORT_ALL_SCOPES, r->from,
	    r->to, collect_tags, &w);
	if (rc == CRM_OK) {
		rc = w.err;
	}
	for (size_t i = 0; i < w.n; i++) {
		report_ids_distinct(&w.v[i].customers);
	}
	qsort(w.v, w.n, sizeof(*w.v), cmp_tag);
	struct report_tab *t = NULL;
	if (rc == CRM_OK) {
		t = report_table(r, "tags",
		    "Feedback tags (common problems), by follow-ups",
		    NCOLS(cols), cols, w.n + 1);
		rc = t != NULL ? CRM_OK : CRM_TOO_BIG;
	}
	for (size_t i = 0; t != NULL && i < w.n; i++) {
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, w.v[i].name);
		report_num(row, 1, (double)w.v[i].followups);
		report_num(row, 2, (double)w.v[i].customers.n);
		report_pct(row, 3, (double)w.v[i].followups, (double)w.tagged);
	}
	report_chart(t, 0, 1);
	if (t != NULL && w.full) {
		more_row(r, t, 0, 1, "tags beyond the first 1000 left out");
	}
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].name);
		report_ids_free(&w.v[i].customers);
	}
	free(w.v);
	return rc;
}

/* ---------------------------------------------------- open issues */

struct issue_row {
	uint64_t owner, id, clock;
	int64_t at;
};

/* The open issues owner holds: objections running, after-sales issues
 * whose solution clock runs (the issue is its response clock's id). */
static crm_status
open_issues_of(struct report *r, uint64_t owner, struct issue_row **v,
    size_t *n, size_t *cap)
{
	struct req_ctx *ctx = r->ctx;
	store_key p;
	store_key_id(&p, STATS_PERSON | owner);
	struct store_iter it;
	crm_status rc =
	    store_iter_open(ctx->st, ctx->txn, DB_SLA_TIME, p.b, 8, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *d;
		size_t len;
		struct stats_sla f;
		if (klen != 24 || !store_iter_data(&it, &d, &len) ||
		    !stats_sla_decode(d, len, &f) || f.stopped_at != 0 ||
		    (f.kind != CRM__V1__SLA_KIND__SLA_OBJECTION &&
		        f.kind != CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION)) {
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*v = crm_xrealloc(*v, *cap * sizeof(**v));
		}
		(*v)[(*n)++] =
		    (struct issue_row){ owner, 0, store_u64(key + 16),
			    store_time_of(store_u64(key + 8)) };
	}
	store_iter_close(&it);
	return CRM_OK;
}

crm_status
report_open_issues(struct report *r)
{
	static const struct report_col cols[] = {
		{ "rep", "Rep", T_TEXT },
		{ "issue", "Issue", T_COUNT },
		{ "kind", "Kind", T_TEXT },
		{ "customer", "Customer", T_TEXT },
		{ "text", "Issue", T_TEXT },
		{ "since", "Open since", T_TIME },
		{ "escalated_to", "Escalated to", T_TEXT },
	};
	static const struct report_col sc[] = {
		{ "rep", "Rep", T_TEXT },
		{ "open", "Open issues", T_COUNT },
		{ "escalated", "Escalated", T_COUNT },
	};
	uint64_t *ids =
	    crm_arena_alloc(r->ctx->arena, REPORT_MAX_MEMBERS * sizeof(*ids));
	if (ids == NULL) {
		return CRM_TOO_BIG;
	}
	size_t nm = report_members(r, ids, REPORT_MAX_MEMBERS);
	struct issue_row *v = NULL;
	size_t n = 0, cap = 0;
	crm_status rc = CRM_OK;
	for (size_t i = 0; rc == CRM_OK && i < nm; i++) {
		rc = open_issues_of(r, ids[i], &v, &n, &cap);
	}
	struct report_tab *s = NULL, *t = NULL;
	if (rc == CRM_OK) {
		/* As they stand now, not at the period's end: titled so
		 * (a past week's report lists today's open issues). */
		s = report_table(r, "open_issues_by_rep",
		    "Open issues now (待解决问题) per rep", NCOLS(sc), sc, nm);
		t = report_table(r, "open_issues", "Open issues now",
		    NCOLS(cols), cols, LIST_ROWS + 1);
		rc = s != NULL && t != NULL ? CRM_OK : CRM_TOO_BIG;
	}
	size_t shown = 0;
	for (size_t m = 0; rc == CRM_OK && m < nm; m++) {
		uint64_t open = 0, escalated = 0;
		for (size_t i = 0; rc == CRM_OK && i < n; i++) {
			if (v[i].owner != ids[m]) {
				continue;
			}
			Crm__V1__SlaClock *k;
			rc = dispatch_list_record(r->ctx, DB_SLA, v[i].clock,
			    &crm__v1__sla_clock__descriptor,
			    (ProtobufCMessage **)&k);
			/* An after-sales issue: its response clock carries the
			 * id and the escalation. */
			if (rc == CRM_OK && k->issue_id != 0 &&
			    k->issue_id != k->id) {
				rc = dispatch_list_record(r->ctx, DB_SLA,
				    k->issue_id,
				    &crm__v1__sla_clock__descriptor,
				    (ProtobufCMessage **)&k);
			}
			if (rc != CRM_OK) {
				break;
			}
			open++;
			escalated += k->escalated_to_id != 0;
			if (shown++ >= LIST_ROWS) {
				continue;
			}
			Crm__V1__ReportRow *row = report_row(r, t);
			report_text(r, row, 0, user_login_of(r->ctx, ids[m]));
			report_num(row, 1, (double)k->id);
			report_text(r, row, 2,
			    k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION
			        ? "objection"
			        : "after-sales");
			int seen = report_customer(r, row, 3, k->customer_id);
			report_text(r, row, 4, seen ? k->text : "");
			report_num(row, 5, (double)k->started_at);
			report_text(r, row, 6,
			    k->escalated_to_id
			        ? user_login_of(r->ctx, k->escalated_to_id)
			        : "");
		}
		if (rc == CRM_OK && open > 0) {
			Crm__V1__ReportRow *row = report_row(r, s);
			report_text(r, row, 0, user_login_of(r->ctx, ids[m]));
			report_num(row, 1, (double)open);
			report_num(row, 2, (double)escalated);
		}
	}
	if (rc == CRM_OK && shown > LIST_ROWS) {
		more_row(
		    r, t, 4, shown - LIST_ROWS, "issue list --open --team");
	}
	free(v);
	return rc;
}

/* ---------------------------------------------------- quality */

struct best {
	uint64_t id;
	int64_t at;
	double avg;
	int strongest;
};

struct cases {
	struct report *r;
	struct best best[BEST];
	size_t nbest;
	uint64_t scored;
	struct report_tab *missing;
	uint64_t more;
	crm_status err;
};

static int
collect_best(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct cases *q = arg;
	struct stats_fu f;
	if (!stats_fu_decode(d, len, &f) || !(f.flags & STATS_FU_SCORED)) {
		return 0;
	}
	double s = 0;
	int strongest = 0;
	for (int i = 0; i < 4; i++) {
		s += f.score[i];
		if (f.score[i] > f.score[strongest]) {
			strongest = i;
		}
	}
	struct best b = { id, at, s / 4, strongest };
	q->scored++;
	/* Keep the BEST highest, descending; the later one wins ties: the
	 * exact reverse of the lowest list's order (report_quality.c), so
	 * the two halves never share a follow-up. */
	size_t i = q->nbest;
	if (i == BEST) {
		if (b.avg < q->best[BEST - 1].avg) {
			return 0;
		}
		i--;
	} else {
		q->nbest++;
	}
	while (i > 0 && q->best[i - 1].avg <= b.avg) {
		q->best[i] = q->best[i - 1];
		i--;
	}
	q->best[i] = b;
	return 0;
}

static const char *const dimensions[4] = { "timeliness", "efficiency",
	"professionalism", "proactiveness" };

/* Evidence sentences joined by "; ", in the arena. */
static char *
evidence(struct report *r, const Crm__V1__FollowUp *f)
{
	size_t n = 1;
	size_t ne = f->score ? f->score->n_evidence : 0;
	for (size_t e = 0; e < ne; e++) {
		n += strlen(f->score->evidence[e]) + 2;
	}
	char *ev = crm_arena_alloc(r->ctx->arena, n);
	if (ev == NULL) {
		return NULL;
	}
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
	return ev;
}

static int
collect_missing(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	struct cases *q = arg;
	struct stats_fu s;
	if (!stats_fu_decode(d, len, &s) ||
	    !signals_needs_minutes(s.grade, s.channel)) {
		return 0;
	}
	size_t mark = crm_arena_mark(q->r->ctx->arena);
	Crm__V1__FollowUp *f;
	q->err = load_fu(q->r, id, &f);
	if (q->err != CRM_OK) {
		return 1;
	}
	if (f->n_attachments > 0) {
		crm_arena_release(q->r->ctx->arena, mark);
		return 0;
	}
	if (q->missing->t->n_rows >= LIST_ROWS) {
		crm_arena_release(q->r->ctx->arena, mark);
		q->more++;
		return 0;
	}
	Crm__V1__ReportRow *row = report_row(q->r, q->missing);
	report_num(row, 0, (double)id);
	report_num(row, 1, (double)at);
	report_customer(q->r, row, 2, f->customer_id);
	report_text(q->r, row, 3,
	    crm_enum_name(&crm__v1__channel__descriptor, (int)f->channel));
	report_text(q->r, row, 4, user_login_of(q->r->ctx, f->author_id));
	return 0;
}

crm_status
report_quality_cases(struct report *r)
{
	static const struct report_col bc[] = {
		{ "followup", "Follow-up", T_COUNT },
		{ "at", "When", T_TIME },
		{ "customer", "Customer", T_TEXT },
		{ "average", "Average", T_SCORE },
		{ "strongest", "Strongest", T_TEXT },
		{ "evidence", "Evidence", T_TEXT },
	};
	static const struct report_col mc[] = {
		{ "followup", "Follow-up", T_COUNT },
		{ "at", "When", T_TIME },
		{ "customer", "Customer", T_TEXT },
		{ "channel", "Channel", T_TEXT },
		{ "author", "By", T_TEXT },
	};
	struct cases *q = crm_arena_alloc(r->ctx->arena, sizeof(*q));
	if (q == NULL) {
		return CRM_TOO_BIG;
	}
	memset(q, 0, sizeof(*q));
	q->r = r;
	crm_status rc = report_scan(
	    r, DB_FU_TIME, REPORT_ALL_SCOPES, r->from, r->to, collect_best, q);
	/* The best are the top half of the scored follow-ups (the lowest
	 * list the bottom half): with few scored, no follow-up is in both. */
	if (q->nbest > q->scored - q->scored / 2) {
		q->nbest = (size_t)(q->scored - q->scored / 2);
	}
	struct report_tab *t = NULL;
	if (rc == CRM_OK) {
		t = report_table(r, "best",
		    "Best scored follow-ups: cases to copy", NCOLS(bc), bc,
		    BEST);
		rc = t != NULL ? CRM_OK : CRM_TOO_BIG;
	}
	for (size_t i = 0; rc == CRM_OK && i < q->nbest; i++) {
		Crm__V1__FollowUp *f;
		rc = load_fu(r, q->best[i].id, &f);
		if (rc != CRM_OK) {
			break;
		}
		Crm__V1__ReportRow *row = report_row(r, t);
		report_num(row, 0, (double)q->best[i].id);
		report_num(row, 1, (double)q->best[i].at);
		int shown = report_customer(r, row, 2, f->customer_id);
		report_num(row, 3, q->best[i].avg);
		report_text(r, row, 4, dimensions[q->best[i].strongest]);
		char *ev = shown ? evidence(r, f) : NULL;
		report_text(r, row, 5, ev ? ev : "");
	}
	if (rc == CRM_OK) {
		q->missing = report_table(r, "missing_minutes",
		    "S-grade visits and meetings without minutes or a "
		    "recording",
		    NCOLS(mc), mc, LIST_ROWS + 1);
		rc = q->missing != NULL ? CRM_OK : CRM_TOO_BIG;
	}
	if (rc == CRM_OK) {
		rc = report_scan(r, DB_FU_TIME, REPORT_ALL_SCOPES, r->from,
		    r->to, collect_missing, q);
	}
	if (rc == CRM_OK) {
		rc = q->err;
	}
	if (rc == CRM_OK) {
		more_row(r, q->missing, 2, q->more,
		    "customer list --missing-minutes");
	}
	return rc;
}

/* ---------------------------------------------------- activity */

struct entries {
	struct report *r;
	uint64_t created, late;
	crm_status err;
};

static int
count_entry(void *arg, int64_t at, uint64_t id, const void *d, size_t len)
{
	(void)at, (void)d, (void)len;
	struct entries *e = arg;
	size_t mark = crm_arena_mark(e->r->ctx->arena);
	Crm__V1__Customer *c;
	e->err = dispatch_list_record(e->r->ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (e->err != CRM_OK) {
		return 1;
	}
	/* A duplicate merged into another is no customer entered (as it
	 * is out of every report): the kept one was, or is, counted. */
	if (c->merged_into == 0) {
		e->created++;
		e->late += signals_late_entry(c);
	}
	crm_arena_release(e->r->ctx->arena, mark);
	return 0;
}

crm_status
report_late_entries(struct report *r)
{
	static const struct report_col cols[] = {
		{ "rep", "Rep", T_TEXT },
		{ "entered", "New customers", T_COUNT },
		{ "late_entry", "Entered after 24 h", T_COUNT },
		{ "late_share", "Late share", T_PCT },
	};
	uint64_t *ids =
	    crm_arena_alloc(r->ctx->arena, REPORT_MAX_MEMBERS * sizeof(*ids));
	if (ids == NULL) {
		return CRM_TOO_BIG;
	}
	size_t nm = report_members(r, ids, REPORT_MAX_MEMBERS);
	struct report_tab *t = report_table(r, "late_entry",
	    "New customers entered within 24 h of first contact, per rep",
	    NCOLS(cols), cols, nm);
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	for (size_t m = 0; m < nm; m++) {
		struct entries e = { r, 0, 0, CRM_OK };
		crm_status rc = report_scan(r, DB_CUST_NEW,
		    STATS_PERSON | ids[m], r->from, r->to, count_entry, &e);
		if (rc == CRM_OK) {
			rc = e.err;
		}
		if (rc != CRM_OK) {
			return rc;
		}
		if (e.created == 0) {
			continue;
		}
		Crm__V1__ReportRow *row = report_row(r, t);
		report_text(r, row, 0, user_login_of(r->ctx, ids[m]));
		report_num(row, 1, (double)e.created);
		report_num(row, 2, (double)e.late);
		report_pct(row, 3, (double)e.late, (double)e.created);
	}
	return CRM_OK;
}
