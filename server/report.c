/* SPDX-License-Identifier: MIT */
/*
 * report.c: the report request: who may see which scope, the period, the
 * generic table builders and the index walks every kind uses. The kinds
 * themselves are in report_pipeline.c, report_quality.c,
 * report_summary.c and the other report_*.c files.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "crm.h"
#include "crm_xmalloc.h"
#include "customer.h"
#include "handlers.h"
#include "policy.h"
#include "queues.h"
#include "scope.h"
#include "store_schema.h"
#include "user.h"

#define DAY          86400
#define DEFAULT_DAYS 30
#define VALUE_DAYS   365

/* ---------------------------------------------------- tables */

struct report_tab *
report_table(struct report *r, const char *name, const char *title,
    size_t ncols, const struct report_col *cols, size_t max_rows)
{
	crm_arena *a = r->ctx->arena;
	Crm__V1__ReportReply *o = r->out;
	Crm__V1__ReportTable **tabs =
	    crm_arena_alloc(a, (o->n_tables + 1) * sizeof(*tabs));
	Crm__V1__ReportTable *t = crm_arena_alloc(a, sizeof(*t));
	struct report_tab *tab = crm_arena_alloc(a, sizeof(*tab));
	Crm__V1__ReportColumn *c = crm_arena_alloc(a, ncols * sizeof(*c));
	Crm__V1__ReportColumn **cp = crm_arena_alloc(a, ncols * sizeof(*cp));
	Crm__V1__ReportRow **rows =
	    crm_arena_alloc(a, (max_rows ? max_rows : 1) * sizeof(*rows));
	if (tabs == NULL || t == NULL || tab == NULL || c == NULL ||
	    cp == NULL || rows == NULL) {
		return NULL;
	}
	crm__v1__report_table__init(t);
	t->name = (char *)name;
	t->title = (char *)title;
	for (size_t i = 0; i < ncols; i++) {
		crm__v1__report_column__init(&c[i]);
		c[i].name = (char *)cols[i].name;
		c[i].title = (char *)cols[i].title;
		c[i].has_unit = 1;
		c[i].unit = cols[i].unit;
		cp[i] = &c[i];
	}
	t->n_columns = ncols;
	t->columns = cp;
	t->rows = rows;
	tab->t = t;
	tab->cap = max_rows;
	if (o->n_tables > 0) {
		memcpy(tabs, o->tables, o->n_tables * sizeof(*tabs));
	}
	tabs[o->n_tables++] = t;
	o->tables = tabs;
	return tab;
}

Crm__V1__ReportRow *
report_row(struct report *r, struct report_tab *tab)
{
	if (tab == NULL || tab->t->n_rows >= tab->cap) {
		return NULL;
	}
	Crm__V1__ReportTable *t = tab->t;
	crm_arena *a = r->ctx->arena;
	Crm__V1__ReportRow *row = crm_arena_alloc(a, sizeof(*row));
	Crm__V1__ReportCell *c = crm_arena_alloc(a, t->n_columns * sizeof(*c));
	Crm__V1__ReportCell **cp =
	    crm_arena_alloc(a, t->n_columns * sizeof(*cp));
	if (row == NULL || c == NULL || cp == NULL) {
		return NULL;
	}
	crm__v1__report_row__init(row);
	for (size_t i = 0; i < t->n_columns; i++) {
		crm__v1__report_cell__init(&c[i]);
		cp[i] = &c[i];
	}
	row->n_cells = t->n_columns;
	row->cells = cp;
	t->rows[t->n_rows++] = row;
	return row;
}

void
report_text(
    struct report *r, Crm__V1__ReportRow *row, size_t col, const char *text)
{
	if (row != NULL && col < row->n_cells) {
		row->cells[col]->text =
		    crm_arena_strdup(r->ctx->arena, text ? text : "");
	}
}

int
report_customer(
    struct report *r, Crm__V1__ReportRow *row, size_t col, uint64_t id)
{
	const char *name = customer_shown(r->ctx, id);
	report_text(r, row, col, name != NULL ? name : CUSTOMER_HIDDEN);
	return name != NULL;
}

void
report_num(Crm__V1__ReportRow *row, size_t col, double v)
{
	if (row != NULL && col < row->n_cells) {
		row->cells[col]->has_number = 1;
		row->cells[col]->number = v;
	}
}

void
report_pct(Crm__V1__ReportRow *row, size_t col, double a, double b)
{
	if (b > 0) {
		report_num(row, col, 100.0 * a / b);
	}
}

void
report_chart(struct report_tab *tab, unsigned label, unsigned value)
{
	if (tab == NULL) {
		return;
	}
	Crm__V1__ReportTable *t = tab->t;
	t->has_has_chart = t->has_chart = 1;
	t->has_chart_label = t->has_chart_value = 1;
	t->chart_label = label;
	t->chart_value = value;
}

/* ---------------------------------------------------- walks */

static crm_status
scan_one(struct report *r, enum store_db db, uint64_t scope, int64_t from,
    int64_t to, report_visit fn, void *arg, int *stop)
{
	store_key p, start;
	store_key_id(&p, scope);
	store_key_id(&start, store_time_key(from));
	struct store_iter it;
	crm_status rc =
	    store_iter_open(r->ctx->st, r->ctx->txn, db, p.b, 8, &start, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (!*stop && store_iter_next(&it, &key, &klen)) {
		const void *data;
		size_t len;
		if (klen != 24) {
			continue;
		}
		int64_t at = store_time_of(store_u64(key + 8));
		if (at >= to) {
			break;
		}
		if (!store_iter_data(&it, &data, &len)) {
			continue;
		}
		*stop = fn(arg, at, store_u64(key + 16), data, len);
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* report_scan's visit, as queues_merge's take. */
struct merged_visit {
	enum store_db db;
	report_visit fn;
	void *arg;
	int *stop;
};

static crm_status
take_fact(struct req_ctx *ctx, struct store_iter *it, uint64_t id, int64_t at,
    void *arg, int *full)
{
	(void)ctx;
	struct merged_visit *m = arg;
	const void *data;
	size_t len;
	uint8_t fact[STATS_TASK_LEN];
	if (!store_iter_data(it, &data, &len)) {
		return CRM_OK;
	}
	/* A fact's range is a person's (STATS_PERSON, the key's top bit) or
	 * a team's; a due-queue entry's an owner's: an open task whose
	 * fact it is (stats.h), or, held by another, none. */
	int person = (it->prefix[0] & 0x80) != 0;
	if (m->db == DB_TASK_DUE && !person) {
		len = stats_task_queue_fact(
		    store_u64(it->prefix), at, data, len, fact);
		data = fact;
		if (len == 0) {
			return CRM_OK;
		}
	} else if (person && stats_elsewhere(m->db, data, len)) {
		/* A member's fact kept under another team too is that
		 * team's. */
		return CRM_OK;
	}
	*m->stop = m->fn(m->arg, at, id, data, len);
	*full = *m->stop;
	return CRM_OK;
}

/* Every user's team (r->holders), read once. */
static crm_status
holders_load(struct report *r)
{
	if (r->holders_read) {
		return CRM_OK;
	}
	r->holders_read = 1;
	return user_teams(r->ctx, &r->holders, &r->nholders);
}

/* The facts of db of a scope whose facts are in several ranges, merged
 * in time order: a team's under its users (the team's range as it was
 * before schema 18), and the task facts of a person or a team, whose
 * open tasks' are their owners' due-queue entries (since schema 22:
 * stats.h). */
static crm_status
scan_merged(struct report *r, enum store_db db, uint64_t scope, int64_t from,
    int64_t to, report_visit fn, void *arg, int *stop)
{
	crm_status rc = (scope & STATS_PERSON) ? CRM_OK : holders_load(r);
	if (rc != CRM_OK || from >= to) {
		return rc;
	}
	size_t max = 2 * (r->nholders + 1);
	uint64_t *ranges = crm_xmalloc(max * sizeof(*ranges));
	enum store_db *dbs = crm_xmalloc(max * sizeof(*dbs));
	size_t n = 0;
	if (scope & STATS_PERSON) {
		ranges[n++] = scope;
	} else {
		for (size_t i = 0; i < r->nholders; i++) {
			if (r->holders[i].team == scope) {
				ranges[n++] =
				    STATS_PERSON | r->holders[i].user;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		dbs[i] = db;
	}
	if (db == DB_TASK_DUE) {
		for (size_t i = 0, people = n; i < people; i++) {
			dbs[n] = DB_TASK_OPEN;
			ranges[n++] = ranges[i] & ~STATS_PERSON;
		}
	}
	if ((scope & STATS_PERSON) == 0 &&
	    stats_team_walk(db) == STATS_TEAM_MEMBERS_AND_OWN) {
		dbs[n] = db;
		ranges[n++] = scope;
	}
	struct merged_visit m = { db, fn, arg, stop };
	rc = queues_merge_dbs(
	    r->ctx, dbs, ranges, n, from, to - 1, take_fact, &m);
	free(dbs);
	free(ranges);
	return rc;
}

static crm_status
scan_ranges(struct report *r, enum store_db db, uint64_t scope, int64_t from,
    int64_t to, report_visit fn, void *arg, int *stop)
{
	if (db == DB_TASK_DUE || (stats_team_walk(db) != STATS_TEAM_RANGE &&
	                             (scope & STATS_PERSON) == 0)) {
		return scan_merged(r, db, scope, from, to, fn, arg, stop);
	}
	return scan_one(r, db, scope, from, to, fn, arg, stop);
}

/* Whether a scan of db under scope visits journal fact f: as the walk
 * of its range would (scan_one, or scan_merged's take_fact). */
static int
journal_wants(const struct report *r, enum store_db db, uint64_t scope,
    const struct stats_journal_fact *f)
{
	if (f->db != db) {
		return 0;
	}
	if (f->scope == scope) {
		return 1;
	}
	/* A team's: its members' facts, less a follow-up kept under
	 * another team too. */
	return (scope & STATS_PERSON) == 0 && (f->scope & STATS_PERSON) &&
	       user_team_of(r->holders, r->nholders,
	           f->scope & ~STATS_PERSON) == scope &&
	       !stats_elsewhere(db, f->val, f->len);
}

/* The journal's facts a scan of db under scope in [from, to) visits, in
 * time and id order, into a malloc'd *v (NULL and 0 when none). */
static crm_status
journal_of(struct report *r, enum store_db db, uint64_t scope, int64_t from,
    int64_t to, struct stats_journal_fact **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (!stats_journaled(db)) {
		return CRM_OK;
	}
	crm_status rc = CRM_OK;
	if (!r->journal_read) {
		r->journal_read = 1;
		rc = stats_journal_load(r->ctx, &r->journal, &r->njournal);
	}
	if (rc == CRM_OK && r->njournal > 0 && (scope & STATS_PERSON) == 0) {
		rc = holders_load(r);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	size_t lo = 0, hi = r->njournal;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->journal[mid].at < from) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	for (size_t i = lo; i < r->njournal && r->journal[i].at < to; i++) {
		if (journal_wants(r, db, scope, &r->journal[i])) {
			if (*v == NULL) {
				*v = crm_xmalloc(
				    (r->njournal - i) * sizeof(**v));
			}
			(*v)[(*n)++] = r->journal[i];
		}
	}
	return CRM_OK;
}

/* A scan's visit with the journal's facts put in their places. */
struct journal_visit {
	const struct stats_journal_fact *v;
	size_t n, i;
	report_visit fn;
	void *arg;
};

/* Visit the journal's facts before (at, id); nonzero: stop. */
static int
journal_before(struct journal_visit *j, int64_t at, uint64_t id)
{
	int stop = 0;
	while (!stop && j->i < j->n &&
	       (j->v[j->i].at < at ||
	           (j->v[j->i].at == at && j->v[j->i].id < id))) {
		const struct stats_journal_fact *f = &j->v[j->i++];
		stop = j->fn(j->arg, f->at, f->id, f->val, f->len);
	}
	return stop;
}

static int
journal_visit(void *arg, int64_t at, uint64_t id, const void *data, size_t len)
{
	struct journal_visit *j = arg;
	return journal_before(j, at, id) || j->fn(j->arg, at, id, data, len);
}

static crm_status
scan_scope(struct report *r, enum store_db db, uint64_t scope, int64_t from,
    int64_t to, report_visit fn, void *arg, int *stop)
{
	struct stats_journal_fact *mine;
	size_t n;
	crm_status rc = journal_of(r, db, scope, from, to, &mine, &n);
	if (rc != CRM_OK || n == 0) {
		return rc != CRM_OK ? rc
		                    : scan_ranges(r, db, scope, from, to, fn,
		                          arg, stop);
	}
	struct journal_visit j = { mine, n, 0, fn, arg };
	rc = scan_ranges(r, db, scope, from, to, journal_visit, &j, stop);
	if (rc == CRM_OK && !*stop) {
		*stop = journal_before(&j, INT64_MAX, UINT64_MAX);
	}
	free(mine);
	return rc;
}

crm_status
report_scan(struct report *r, enum store_db db, uint64_t scope, int64_t from,
    int64_t to, report_visit fn, void *arg)
{
	int stop = 0;
	if (scope != REPORT_ALL_SCOPES) {
		return scan_scope(r, db, scope, from, to, fn, arg, &stop);
	}
	crm_status rc = CRM_OK;
	for (size_t i = 0; i < r->nscopes && rc == CRM_OK && !stop; i++) {
		rc = scan_scope(r, db, r->scopes[i], from, to, fn, arg, &stop);
	}
	return rc;
}

uint64_t
report_tally(struct report *r, int stage, int grade)
{
	uint64_t n = 0;
	for (size_t i = 0; i < r->nscopes; i++) {
		n += stats_tally(r->ctx, r->scopes[i], stage, grade);
	}
	return n;
}

size_t
report_members(struct report *r, uint64_t *ids, size_t max)
{
	struct req_ctx *ctx = r->ctx;
	size_t n = 0;
	if (r->person) {
		ids[0] = r->scopes[0] & ~STATS_PERSON;
		return 1;
	}
	uint64_t id = 0;
	while (n < max &&
	       store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		Crm__Store__UserRecord *u;
		/* A disabled user stays in the reports of a period they
		 * worked in: disabled (their last change) at or after its
		 * start; their follow-ups, reclaims and claims count. */
		if (user_get(ctx, id, &u) != CRM_OK ||
		    (!u->active && u->updated_at < r->from)) {
			continue;
		}
		for (size_t i = 0; i < r->nscopes; i++) {
			if (r->scopes[i] == u->team_id) {
				ids[n++] = id;
				break;
			}
		}
	}
	return n;
}

crm_status
report_holder_scopes(struct report *r, uint64_t **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (r->person) {
		*v = crm_xmalloc(sizeof(**v));
		(*v)[(*n)++] = r->scopes[0];
		return CRM_OK;
	}
	crm_status rc = holders_load(r);
	if (rc != CRM_OK) {
		return rc;
	}
	*v = crm_xmalloc((r->nholders + 1) * sizeof(**v));
	for (size_t i = 0; i < r->nholders; i++) {
		for (size_t j = 0; j < r->nscopes; j++) {
			if (r->scopes[j] == r->holders[i].team) {
				(*v)[(*n)++] =
				    STATS_PERSON | r->holders[i].user;
				break;
			}
		}
	}
	return CRM_OK;
}

enum report_occurrence
report_occurrence(
    const struct stats_task *t, int64_t due, int64_t to, int64_t now)
{
	if (t->status == CRM__V1__TASK_STATUS__TASK_DONE && t->done_at < to) {
		return REPORT_OCC_DONE;
	}
	if (t->status == CRM__V1__TASK_STATUS__TASK_CANCELLED &&
	    !stats_task_missed(t, due)) {
		return REPORT_OCC_NONE; /* owed no more before it fell due */
	}
	/* Open, done after the period's end, or cancelled after it fell
	 * due: at the period's end (or now) it was due and undone. */
	return due < now ? REPORT_OCC_MISSED : REPORT_OCC_PENDING;
}

void
report_ids_add(struct report_ids *s, uint64_t id)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = crm_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = id;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Below this many ids qsort is as quick as the counting passes. */
#define RADIX_MIN 64

/*
 * Sort v[0..n) ascending: a least-significant-byte radix sort that skips
 * the bytes in which every id agrees (ids are small, so most do), using
 * tmp[0..n) as the other buffer. The ids of a report's period are
 * thousands (customers won, reached): qsort with its comparison call per
 * step was a sixth of a team's `report conversion`.
 */
static void
sort_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint64_t all_or = 0, all_and = ~(uint64_t)0;
	for (size_t i = 0; i < n; i++) {
		all_or |= v[i];
		all_and &= v[i];
	}
	uint64_t varies = all_or ^ all_and;
	uint64_t *src = v, *dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		if (((varies >> shift) & 0xFF) == 0) {
			continue;
		}
		size_t count[256] = { 0 };
		for (size_t i = 0; i < n; i++) {
			count[(src[i] >> shift) & 0xFF]++;
		}
		size_t at = 0;
		for (size_t b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) {
			dst[count[(src[i] >> shift) & 0xFF]++] = src[i];
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v) {
		memcpy(v, src, n * sizeof(*v));
	}
}

size_t
report_ids_distinct(struct report_ids *s)
{
	if (s->n == 0) {
		return 0;
	}
	if (s->n < RADIX_MIN) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	} else {
		uint64_t *tmp = crm_xmalloc(s->n * sizeof(*tmp));
		sort_u64(s->v, tmp, s->n);
		free(tmp);
	}
	size_t d = 1;
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i] != s->v[d - 1]) {
			s->v[d++] = s->v[i];
		}
	}
	s->n = d;
	return d;
}

size_t
report_lower_bound(const uint64_t *v, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

int
report_ids_has(const struct report_ids *s, uint64_t id)
{
	/* A search of its own, not bsearch's comparison call a step. */
	size_t i = report_lower_bound(s->v, s->n, id);
	return i < s->n && s->v[i] == id;
}

void
report_ids_free(struct report_ids *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------- the request */

/* Local midnight of the day t falls in, moved by days. */
static int64_t
day_start(int64_t t, int days)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
default_period(struct report *r, int kind, const Crm__V1__ReportRequest *q)
{
	int64_t now = r->ctx->now;
	time_t tt = (time_t)now;
	struct tm tm;
	localtime_r(&tt, &tm);
	/* The period is [from, to) in whole seconds: an end at now (the
	 * default, or a client's "now") ends a second later, or what was
	 * written this very second would be left out. */
	r->to = q->has_end_at && q->end_at > 0 && q->end_at != now ? q->end_at
	                                                           : now + 1;
	if (q->has_start_at && q->start_at != 0) {
		r->from = q->start_at;
	} else if (kind == CRM__V1__REPORT_KIND__REPORT_WEEKLY) {
		/* Monday of the week `to` falls in. */
		int back = (tm.tm_wday + 6) % 7;
		r->from = day_start(now, -back);
		if (!q->has_end_at) {
			r->to = day_start(now, 7 - back);
		}
	} else if (kind == CRM__V1__REPORT_KIND__REPORT_VALUE) {
		/* Purchases read over a year (年合作金额). */
		r->from = (r->to == now + 1 ? now : r->to) - VALUE_DAYS * DAY;
	} else if (kind == CRM__V1__REPORT_KIND__REPORT_MONTHLY) {
		r->from = day_start(now, 1 - tm.tm_mday);
		if (!q->has_end_at) {
			struct tm m = tm;
			m.tm_mday = 1;
			m.tm_mon += 1;
			m.tm_hour = m.tm_min = m.tm_sec = 0;
			m.tm_isdst = -1;
			r->to = (int64_t)mktime(&m);
		}
	} else {
		r->from =
		    (r->to == now + 1 ? now : r->to) - DEFAULT_DAYS * DAY;
	}
}

/* The index prefixes of the scope.c scope of q (who may see what is
 * scope.h's): one person, one team, or every team. */
static crm_status
resolve_scope(
    struct report *r, const Crm__V1__ReportRequest *q, const char **label)
{
	struct req_ctx *ctx = r->ctx;
	struct scope s;
	crm_status rc = scope_resolve(ctx, q->user, q->team, &s);
	if (rc != CRM_OK) {
		return rc;
	}
	*label = s.label;
	r->team_id = s.team_id;
	if (s.kind == SCOPE_PERSON) {
		r->person = 1;
		r->scopes[r->nscopes++] = STATS_PERSON | s.id;
		return CRM_OK;
	}
	if (s.kind == SCOPE_TEAM) {
		r->scopes[r->nscopes++] = s.id;
		return CRM_OK;
	}
	/* Every customer's: each team's, and what is of no team (team 0:
	 * an admin without a team, their work and their own customers). */
	uint64_t id = 0;
	r->scopes[r->nscopes++] = 0;
	while (r->nscopes < REPORT_MAX_SCOPES &&
	       store_id_next(ctx->st, ctx->txn, DB_TEAMS, id, &id) == CRM_OK) {
		r->scopes[r->nscopes++] = id;
	}
	return CRM_OK;
}

crm_status
report_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	static crm_status (*const kinds[])(struct report *) = {
		[CRM__V1__REPORT_KIND__REPORT_FUNNEL] = report_funnel,
		[CRM__V1__REPORT_KIND__REPORT_CONVERSION] = report_conversion,
		[CRM__V1__REPORT_KIND__REPORT_CYCLE] = report_cycle,
		[CRM__V1__REPORT_KIND__REPORT_CHURN] = report_churn,
		[CRM__V1__REPORT_KIND__REPORT_ACTIVITY] = report_activity,
		[CRM__V1__REPORT_KIND__REPORT_QUALITY] = report_quality,
		[CRM__V1__REPORT_KIND__REPORT_SLA] = report_sla,
		[CRM__V1__REPORT_KIND__REPORT_WEEKLY] = report_weekly,
		[CRM__V1__REPORT_KIND__REPORT_MONTHLY] = report_monthly,
		[CRM__V1__REPORT_KIND__REPORT_VALUE] = report_value,
		[CRM__V1__REPORT_KIND__REPORT_FEEDBACK] = report_feedback,
		[CRM__V1__REPORT_KIND__REPORT_POOL] = report_pool,
	};
	/* Tables that follow a kind's own (report_signals.c). */
	static crm_status (*const extras[])(struct report *) = {
		[CRM__V1__REPORT_KIND__REPORT_ACTIVITY] = report_late_entries,
		[CRM__V1__REPORT_KIND__REPORT_QUALITY] = report_quality_cases,
		[CRM__V1__REPORT_KIND__REPORT_WEEKLY] = report_open_issues,
		[CRM__V1__REPORT_KIND__REPORT_MONTHLY] = report_open_issues,
	};
	const Crm__V1__ReportRequest *q = req->report;
	int kind = q->has_kind ? (int)q->kind : 0;
	if (kind <= 0 || (size_t)kind >= sizeof(kinds) / sizeof(kinds[0])) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "report.kind", "which report?");
	}
	struct report *r = crm_arena_alloc(ctx->arena, sizeof(*r));
	Crm__V1__ReportReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (r == NULL || out == NULL) {
		return CRM_TOO_BIG;
	}
	memset(r, 0, sizeof(*r));
	crm__v1__report_reply__init(out);
	r->ctx = ctx;
	r->out = out;
	const char *label = "";
	crm_status rc = resolve_scope(r, q, &label);
	if (rc == CRM_OK) {
		rc = policy_load(ctx, &r->pol);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	default_period(r, kind, q);
	if (r->to <= r->from) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "report.end_at",
		    "the period ends before it starts");
	}
	const char *what = r->person ? "user" : "team";
	out->scope = crm_arena_alloc(ctx->arena, strlen(label) + 8);
	if (out->scope == NULL) {
		return CRM_TOO_BIG;
	}
	if (r->nscopes == 1 && strcmp(label, "all teams") != 0) {
		snprintf(out->scope, strlen(label) + 8, "%s %s", what, label);
	} else {
		strcpy(out->scope, label);
	}
	out->has_kind = out->has_start_at = out->has_end_at = out->has_now_at =
	    1;
	out->kind = (Crm__V1__ReportKind)kind;
	out->start_at = r->from;
	out->end_at = r->to;
	out->now_at = ctx->now;
	rc = kinds[kind](r);
	if (rc == CRM_OK &&
	    (size_t)kind < sizeof(extras) / sizeof(extras[0]) &&
	    extras[kind] != NULL) {
		rc = extras[kind](r);
	}
	report_memo_end(r);
	free(r->won);
	free(r->holders);
	free(r->journal);
	if (rc != CRM_OK) {
		return rc;
	}
	if (ctx->arena->exhausted) {
		return dispatch_fail(ctx, CRM_TOO_BIG,
		    "the report is too big; narrow the period or scope");
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_REPORT;
	resp->report = out;
	return CRM_OK;
}

const char *
report_grade_name(int grade)
{
	return crm_enum_name(&crm__v1__grade__descriptor, grade);
}

const char *
report_stage_name(int stage)
{
	return crm_enum_name(&crm__v1__stage__descriptor, stage);
}
