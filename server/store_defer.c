/* SPDX-License-Identifier: MIT */
/*
 * store_defer.c: a bulk load's deferred writes (crm-gen, STORE_BULK).
 *
 * The report facts are keyed by scope and time. A load that writes
 * customer after customer, each with a year of follow-ups, spreads them
 * over the whole year of every scope: each fact lands on a leaf of its
 * own, copied in its transaction's commit, and once the set outgrows the
 * memory every such leaf is a read from the disk. Deferred, a database's
 * puts and deletes are kept in memory, in order, and written at
 * store_defer_flush sorted by key: each leaf is then copied once a
 * flush, and the tree is walked from left to right.
 *
 * The result is the same database: the writes are applied in key order,
 * the last write of a key winning, which is what applying them in their
 * own order leaves. That holds only while nothing reads a deferred
 * database, so every read of one is refused (CRM_INTERNAL, logged): a
 * load that needs to read what it deferred must not defer it.
 */
#include "store_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crm_log.h"
#include "crm_xmalloc.h"

/* Writes a flush puts in one transaction: LMDB's dirty-page room (about
 * 128,000 pages) must hold the leaves and branches they touch. */
#define DEFER_CHUNK 20000

/* One deferred write: where its bytes are, and its key's first 24 bytes
 * (big-endian, zero-padded) to sort by without following the offset:
 * the keys held (scope, time, id; gram, team, id) differ there. */
struct defer_op {
	uint64_t p[3];
	size_t off;
};

/* At off in bytes: the database (1 byte), delete or put (1 byte), the
 * key's length (2 bytes), the value's (4 bytes), the key, the value. */
#define DEFER_HEAD 8

struct store_defer {
	uint8_t on[DB_COUNT]; /* 1: the database's writes are deferred */
	uint8_t *bytes;
	size_t used, cap;
	struct defer_op *ops;
	size_t nops, opcap;
};

crm_status
store_defer(store *s, enum store_db db)
{
	if (s->mode != STORE_BULK) {
		return CRM_INTERNAL;
	}
	if (s->defer == NULL) {
		s->defer = crm_xcalloc(1, sizeof(*s->defer));
	}
	s->defer->on[db] = 1;
	return CRM_OK;
}

int
store_deferred(const store *s, enum store_db db)
{
	return s->defer != NULL && s->defer->on[db];
}

crm_status
store_defer_refuse(const store *s, enum store_db db)
{
	(void)s;
	crm_err("%s: read while its writes are deferred (store_defer)",
	    store_db_name(db));
	return CRM_INTERNAL;
}

size_t
store_defer_bytes(const store *s)
{
	return s->defer == NULL
	           ? 0
	           : s->defer->used + s->defer->nops * sizeof(struct defer_op);
}

static uint64_t
prefix(const uint8_t *k, size_t n)
{
	uint64_t p = 0;
	for (size_t i = 0; i < 8; i++) {
		p = p << 8 | (i < n ? k[i] : 0);
	}
	return p;
}

crm_status
store_defer_write(store *s, enum store_db db, const MDB_val *key,
    const void *data, size_t len, int del)
{
	struct store_defer *d = s->defer;
	size_t need = DEFER_HEAD + key->mv_size + (del ? 0 : len);
	if (key->mv_size > UINT16_MAX || len > UINT32_MAX) {
		return CRM_INTERNAL;
	}
	if (d->used + need > d->cap) {
		d->cap = d->cap ? d->cap * 2 : (size_t)1 << 20;
		while (d->used + need > d->cap) {
			d->cap *= 2;
		}
		d->bytes = crm_xrealloc(d->bytes, d->cap);
	}
	if (d->nops == d->opcap) {
		d->opcap = d->opcap ? d->opcap * 2 : 4096;
		d->ops = crm_xrealloc(d->ops, d->opcap * sizeof(*d->ops));
	}
	uint8_t *b = d->bytes + d->used;
	const uint8_t *k = key->mv_data;
	b[0] = (uint8_t)db;
	b[1] = (uint8_t)(del != 0);
	b[2] = (uint8_t)(key->mv_size >> 8);
	b[3] = (uint8_t)key->mv_size;
	uint32_t vl = del ? 0 : (uint32_t)len;
	memcpy(b + 4, &vl, 4);
	memcpy(b + DEFER_HEAD, k, key->mv_size);
	if (!del && len > 0) {
		memcpy(b + DEFER_HEAD + key->mv_size, data, len);
	}
	struct defer_op *op = &d->ops[d->nops++];
	for (size_t i = 0; i < 3; i++) {
		op->p[i] = key->mv_size > 8 * i
		               ? prefix(k + 8 * i, key->mv_size - 8 * i)
		               : 0;
	}
	op->off = d->used;
	d->used += need;
	store_writes++;
	return CRM_OK;
}

/* The sort's bytes: qsort has no context argument. */
static const uint8_t *sort_bytes;

static size_t
key_len(const uint8_t *b)
{
	return (size_t)b[2] << 8 | b[3];
}

/* Key order (LMDB's: bytes, then length), then the order written. */
static int
op_cmp(const void *pa, const void *pb)
{
	const struct defer_op *a = pa, *b = pb;
	for (size_t i = 0; i < 3; i++) {
		if (a->p[i] != b->p[i]) {
			return a->p[i] < b->p[i] ? -1 : 1;
		}
	}
	const uint8_t *x = sort_bytes + a->off, *y = sort_bytes + b->off;
	if (x[0] != y[0]) {
		return x[0] < y[0] ? -1 : 1;
	}
	size_t xn = key_len(x), yn = key_len(y);
	int c = memcmp(x + DEFER_HEAD, y + DEFER_HEAD, xn < yn ? xn : yn);
	if (c != 0 || xn != yn) {
		return c != 0 ? c : (xn < yn ? -1 : 1);
	}
	return a->off < b->off ? -1 : 1;
}

static int
same_key(const struct defer_op *a, const struct defer_op *b)
{
	if (a->p[0] != b->p[0] || a->p[1] != b->p[1] || a->p[2] != b->p[2]) {
		return 0;
	}
	const uint8_t *x = sort_bytes + a->off, *y = sort_bytes + b->off;
	size_t n = key_len(x);
	return x[0] == y[0] && n == key_len(y) &&
	       memcmp(x + DEFER_HEAD, y + DEFER_HEAD, n) == 0;
}

/* One cursor for each LMDB database a flush writes: in key order the
 * next write is most often on the leaf the cursor is on, and LMDB then
 * puts it without a search from the root (mdb_cursor_set). */
struct flush_cursors {
	MDB_txn *txn;
	MDB_cursor *c[256];
};

static void
cursors_close(struct flush_cursors *fc)
{
	for (size_t i = 0; i < 256; i++) {
		if (fc->c[i] != NULL) {
			mdb_cursor_close(fc->c[i]);
			fc->c[i] = NULL;
		}
	}
}

static int
cursor_for(struct flush_cursors *fc, MDB_dbi dbi, MDB_cursor **cur)
{
	if (dbi >= 256) {
		*cur = NULL;
		return 0;
	}
	if (fc->c[dbi] == NULL) {
		int rc = mdb_cursor_open(fc->txn, dbi, &fc->c[dbi]);
		if (rc != 0) {
			return rc;
		}
	}
	*cur = fc->c[dbi];
	return 0;
}

static crm_status
apply(store *s, struct flush_cursors *fc, const uint8_t *b)
{
	enum store_db db = (enum store_db)b[0];
	MDB_val k = { key_len(b), (void *)(b + DEFER_HEAD) };
	MDB_cursor *cur;
	int rc = cursor_for(fc, s->dbi[db], &cur);
	if (rc == 0 && b[1]) {
		if (cur == NULL) {
			rc = mdb_del(fc->txn, s->dbi[db], &k, NULL);
		} else {
			rc = mdb_cursor_get(cur, &k, NULL, MDB_SET);
			if (rc == 0) {
				rc = mdb_cursor_del(cur, 0);
			}
		}
		if (rc == MDB_NOTFOUND) {
			rc = 0;
		}
	} else if (rc == 0) {
		uint32_t vl;
		memcpy(&vl, b + 4, 4);
		MDB_val v = { vl, (void *)(b + DEFER_HEAD + k.mv_size) };
		rc = cur == NULL ? mdb_put(fc->txn, s->dbi[db], &k, &v, 0)
		                 : mdb_cursor_put(cur, &k, &v, 0);
	}
	return store_map_lmdb(rc, store_db_name(db));
}

/* The held writes sorted in two halves, one on another thread (a bulk
 * load has the machine to itself: the second core sorts while the
 * first does), and read back merged. */
struct half {
	struct defer_op *ops;
	size_t n;
};

static void *
sort_half(void *arg)
{
	struct half *h = arg;
	qsort(h->ops, h->n, sizeof(*h->ops), op_cmp);
	return NULL;
}

static void
sort_halves(struct store_defer *d, struct half h[2])
{
	sort_bytes = d->bytes;
	h[0] = (struct half){ d->ops, d->nops / 2 };
	h[1] = (struct half){ d->ops + d->nops / 2, d->nops - d->nops / 2 };
	pthread_t t;
	int threaded = pthread_create(&t, NULL, sort_half, &h[1]) == 0;
	sort_half(&h[0]);
	if (threaded) {
		pthread_join(t, NULL);
	} else {
		sort_half(&h[1]);
	}
}

/* The next write in key order (then write order), or NULL. */
static const struct defer_op *
next_op(struct half h[2])
{
	struct half *pick;
	if (h[0].n == 0 || h[1].n == 0) {
		pick = h[0].n > 0 ? &h[0] : (h[1].n > 0 ? &h[1] : NULL);
	} else {
		pick = op_cmp(h[0].ops, h[1].ops) < 0 ? &h[0] : &h[1];
	}
	if (pick == NULL) {
		return NULL;
	}
	pick->n--;
	return pick->ops++;
}

crm_status
store_defer_flush(store *s, MDB_txn **txn)
{
	struct store_defer *d = s->defer;
	if (d == NULL || d->nops == 0) {
		return CRM_OK;
	}
	struct half h[2];
	sort_halves(d, h);
	crm_status rc = CRM_OK;
	size_t in_txn = 0;
	struct flush_cursors fc = { .txn = *txn };
	const struct defer_op *op = next_op(h);
	while (op != NULL && rc == CRM_OK) {
		const struct defer_op *next = next_op(h);
		/* In key order the writes' bytes are read at random: ask for
		 * those a few steps on before they are needed. */
		for (size_t i = 0; i < 2; i++) {
			if (h[i].n > 8) {
				__builtin_prefetch(d->bytes + h[i].ops[8].off);
			}
		}
		/* The last write of a key is the one that stands. */
		if (next != NULL && same_key(op, next)) {
			op = next;
			continue;
		}
		rc = apply(s, &fc, d->bytes + op->off);
		op = next;
		if (rc == CRM_OK && ++in_txn == DEFER_CHUNK) {
			in_txn = 0;
			cursors_close(&fc);
			rc = store_write_commit(s, *txn);
			*txn = NULL;
			if (rc == CRM_OK) {
				rc = store_write_begin(s, txn);
			}
			fc.txn = *txn;
		}
	}
	cursors_close(&fc);
	d->used = 0;
	d->nops = 0;
	return rc;
}

void
store_defer_free(store *s)
{
	if (s->defer != NULL) {
		free(s->defer->bytes);
		free(s->defer->ops);
		free(s->defer);
		s->defer = NULL;
	}
}
