/* SPDX-License-Identifier: MIT */
/*
 * stats_journal.c: the fact journal (stats.h): the newest follow-up and
 * task facts in the order they were written, one shared right edge for
 * a commit's logs, and the writer's fold of them into their persons'
 * ranges.
 *
 *   fact_log  seq (8) -> db (1) || scope (8) || at (8) || id (8) || fact
 *
 * at is biased as in the ranges' keys (store_time_key); seq is one more
 * than the last entry's, so the entries are in the order written.
 */
#include "stats_impl.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crm_xmalloc.h"
#include "store_schema.h"

#define HEAD 25 /* db, scope, at, id */

/* Facts written to the journal since the process started (a write that
 * was rolled back counted too: the writer's estimate of what waits). */
static atomic_ullong written;

int
stats_journaled(enum store_db db)
{
	return db == DB_FU_TIME || db == DB_TASK_DUE;
}

unsigned long long
stats_journal_written(void)
{
	return atomic_load(&written);
}

static int
decode(const void *data, size_t len, struct stats_journal_fact *f)
{
	const uint8_t *p = data;
	if (len < HEAD || len - HEAD > sizeof(f->val) ||
	    !stats_journaled((enum store_db)p[0])) {
		return 0;
	}
	f->db = (enum store_db)p[0];
	f->scope = store_u64(p + 1);
	f->at = store_time_of(store_u64(p + 9));
	f->id = store_u64(p + 17);
	f->len = (uint8_t)(len - HEAD);
	memcpy(f->val, p + HEAD, f->len);
	return 1;
}

crm_status
stats_journal_put(struct req_ctx *ctx, enum store_db db, uint64_t scope,
    int64_t at, uint64_t id, const void *val, size_t len)
{
	uint8_t b[HEAD + sizeof(((struct stats_journal_fact *)0)->val)];
	if (len > sizeof(b) - HEAD) {
		return CRM_INTERNAL;
	}
	store_cursor *c;
	store_val k, v;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, DB_FACT_LOG, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	uint64_t seq = 1;
	rc = store_cursor_get(c, STORE_LAST, &k, &v);
	if (rc == CRM_OK && k.len == 8) {
		seq = store_u64(k.data) + 1;
	}
	store_cursor_close(c);
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		return rc;
	}
	b[0] = (uint8_t)db;
	stats_put64(b + 1, scope);
	stats_put64(b + 9, store_time_key(at));
	stats_put64(b + 17, id);
	memcpy(b + HEAD, val, len);
	store_key key;
	store_key_id(&key, seq);
	rc = store_put(
	    ctx->st, ctx->txn, DB_FACT_LOG, key.b, key.len, b, HEAD + len);
	if (rc == CRM_OK) {
		atomic_fetch_add(&written, 1);
	}
	return rc;
}

crm_status
stats_journal_del(struct req_ctx *ctx, enum store_db db, uint64_t scope,
    int64_t at, uint64_t id)
{
	store_cursor *c;
	store_val k, v;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, DB_FACT_LOG, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	/* Newest first: a fact rewritten soon after it was written (a
	 * request that writes a record twice) is near the end. */
	for (rc = store_cursor_get(c, STORE_LAST, &k, &v); rc == CRM_OK;
	     rc = store_cursor_get(c, STORE_PREV, &k, &v)) {
		struct stats_journal_fact f;
		if (decode(v.data, v.len, &f) && f.db == db && f.id == id &&
		    f.scope == scope && f.at == at) {
			rc = store_cursor_del(c);
			break;
		}
	}
	store_cursor_close(c);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

/* The oldest facts of the journal, at most max, into a malloc'd *out
 * (free it) and, when seqs is not NULL, their keys into a malloc'd
 * *seqs; how many: *n. */
static crm_status
oldest(struct req_ctx *ctx, size_t max, struct stats_journal_fact **out,
    uint64_t **seqs, size_t *n)
{
	struct stats_journal_fact *v = NULL;
	uint64_t *q = NULL;
	size_t cap = 0;
	store_cursor *c;
	store_val k, d;
	*n = 0;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, DB_FACT_LOG, &c);
	if (rc == CRM_OK) {
		for (rc = store_cursor_get(c, STORE_FIRST, &k, &d);
		     rc == CRM_OK && *n < max;
		     rc = store_cursor_get(c, STORE_NEXT, &k, &d)) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 256;
				v = crm_xrealloc(v, cap * sizeof(*v));
				q = seqs ? crm_xrealloc(q, cap * sizeof(*q))
				         : NULL;
			}
			if (k.len != 8 || !decode(d.data, d.len, &v[*n])) {
				rc = CRM_INTERNAL; /* crm-check says which */
				break;
			}
			if (q != NULL) {
				q[*n] = store_u64(k.data);
			}
			(*n)++;
		}
		store_cursor_close(c);
		rc = rc == CRM_NOT_FOUND ? CRM_OK : rc;
	}
	if (rc != CRM_OK) {
		free(v);
		free(q);
		v = NULL;
		q = NULL;
		*n = 0;
	}
	*out = v;
	if (seqs != NULL) {
		*seqs = q;
	}
	return rc;
}

crm_status
stats_journal_fold(struct req_ctx *ctx, size_t max, size_t *moved)
{
	struct stats_journal_fact *v;
	uint64_t *seqs;
	size_t n;
	*moved = 0;
	crm_status rc = oldest(ctx, max, &v, &seqs, &n);
	/* The cursor closed first: each fact to its range, then out of
	 * the journal. */
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		store_key rk, jk;
		store_key_triple(
		    &rk, v[i].scope, store_time_key(v[i].at), v[i].id);
		store_key_id(&jk, seqs[i]);
		rc = store_put(ctx->st, ctx->txn, v[i].db, rk.b, rk.len,
		    v[i].val, v[i].len);
		if (rc == CRM_OK) {
			rc = store_del(ctx->st, ctx->txn, DB_FACT_LOG, &jk);
		}
	}
	if (rc == CRM_OK) {
		*moved = n;
	}
	free(v);
	free(seqs);
	return rc;
}

static int
cmp_fact(const void *a, const void *b)
{
	const struct stats_journal_fact *x = a, *y = b;
	if (x->at != y->at) {
		return x->at < y->at ? -1 : 1;
	}
	if (x->id != y->id) {
		return x->id < y->id ? -1 : 1;
	}
	if (x->db != y->db) {
		return x->db < y->db ? -1 : 1;
	}
	return (x->scope > y->scope) - (x->scope < y->scope);
}

const struct stats_journal_fact *
stats_journal_find(const struct stats_journal_fact *v, size_t n,
    enum store_db db, uint64_t scope, int64_t at, uint64_t id)
{
	struct stats_journal_fact key = {
		.db = db, .scope = scope, .at = at, .id = id
	};
	return n == 0 ? NULL : bsearch(&key, v, n, sizeof(*v), cmp_fact);
}

crm_status
stats_journal_load(
    struct req_ctx *ctx, struct stats_journal_fact **out, size_t *nout)
{
	crm_status rc = oldest(ctx, SIZE_MAX, out, NULL, nout);
	if (rc == CRM_OK && *nout > 1) {
		qsort(*out, *nout, sizeof(**out), cmp_fact);
	}
	return rc;
}
