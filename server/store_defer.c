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
#define _GNU_SOURCE /* qsort_r */
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Sorted runs on the disk (store_defer_spill): at most DEFER_RUNS, then
 * a spill writes them all to the database. */
#define DEFER_RUNS 64

/* Held writes: their bytes (DEFER_HEAD, key, value, one after another)
 * and an index entry for each, to sort. */
struct held {
	uint8_t *bytes;
	size_t used, cap;
	struct defer_op *ops;
	size_t nops, opcap;
};

/* The held writes a spill hands to another thread, which sorts them to
 * a run while the load goes on holding the next. */
struct spill {
	struct held h;
	FILE *f;
	pthread_t thread;
	int running;
	crm_status rc;
	uint64_t bytes_written;
};

struct store_defer {
	uint8_t on[DB_COUNT];   /* 1: the database's writes are deferred */
	struct held h;          /* the writes being held */
	FILE *runs[DEFER_RUNS]; /* oldest first, each unlinked once made */
	size_t nruns;
	uint64_t run_bytes; /* in the runs now */
	uint64_t run_peak;  /* the most there at once */
	int run_failed;     /* a run could not be written */
	struct spill bg;
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
	           : s->defer->h.used +
	                 s->defer->h.nops * sizeof(struct defer_op);
}

uint64_t
store_defer_run_peak(const store *s)
{
	return s->defer == NULL ? 0 : s->defer->run_peak;
}

int
store_defer_run_failed(const store *s)
{
	return s->defer != NULL && s->defer->run_failed;
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

static void
key_prefix(const uint8_t *k, size_t n, uint64_t p[3])
{
	for (size_t i = 0; i < 3; i++) {
		p[i] = n > 8 * i ? prefix(k + 8 * i, n - 8 * i) : 0;
	}
}

crm_status
store_defer_write(store *s, enum store_db db, const MDB_val *key,
    const void *data, size_t len, int del)
{
	struct held *d = &s->defer->h;
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
	key_prefix(k, key->mv_size, op->p);
	op->off = d->used;
	d->used += need;
	store_writes++;
	return CRM_OK;
}

static size_t
key_len(const uint8_t *b)
{
	return (size_t)b[2] << 8 | b[3];
}

static size_t
rec_len(const uint8_t *b)
{
	uint32_t vl;
	memcpy(&vl, b + 4, 4);
	return DEFER_HEAD + key_len(b) + vl;
}

/* Key order (LMDB's: bytes, then length; the first 24 bytes from the
 * prefixes, then the database, then the rest). Writes of one database
 * come out in its key order, which is all the order needs. */
static int
rec_cmp(const uint64_t pa[3], const uint8_t *x, const uint64_t pb[3],
    const uint8_t *y)
{
	for (size_t i = 0; i < 3; i++) {
		if (pa[i] != pb[i]) {
			return pa[i] < pb[i] ? -1 : 1;
		}
	}
	if (x[0] != y[0]) {
		return x[0] < y[0] ? -1 : 1;
	}
	size_t xn = key_len(x), yn = key_len(y);
	int c = memcmp(x + DEFER_HEAD, y + DEFER_HEAD, xn < yn ? xn : yn);
	if (c != 0 || xn != yn) {
		return c != 0 ? c : (xn < yn ? -1 : 1);
	}
	return 0;
}

static int
same_key(const uint8_t *x, const uint8_t *y)
{
	size_t n = key_len(x);
	return x[0] == y[0] && n == key_len(y) &&
	       memcmp(x + DEFER_HEAD, y + DEFER_HEAD, n) == 0;
}

/* Key order, then the order written; base: the held bytes. */
static int
op_cmp(const void *pa, const void *pb, void *base)
{
	const struct defer_op *a = pa, *b = pb;
	const uint8_t *bytes = base;
	int c = rec_cmp(a->p, bytes + a->off, b->p, bytes + b->off);
	return c != 0 ? c : (a->off < b->off ? -1 : 1);
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

/* ---------------------------------------------------- sources */

/* The held writes sorted in two halves, one on another thread (a bulk
 * load has the machine to itself: the second core sorts while the
 * first does), and read back merged. */
struct half {
	struct defer_op *ops;
	size_t n;
	uint8_t *base;
};

static void *
sort_half(void *arg)
{
	struct half *h = arg;
	qsort_r(h->ops, h->n, sizeof(*h->ops), op_cmp, h->base);
	return NULL;
}

/* ops sorted in two halves, the second on another thread when two is
 * 1 (a bulk load has the machine to itself); else in one. */
static void
sort_halves(
    uint8_t *bytes, struct defer_op *ops, size_t n, int two, struct half h[2])
{
	size_t first = two ? n / 2 : n;
	h[0] = (struct half){ ops, first, bytes };
	h[1] = (struct half){ ops + first, n - first, bytes };
	pthread_t t;
	int threaded = two && pthread_create(&t, NULL, sort_half, &h[1]) == 0;
	sort_half(&h[0]);
	if (threaded) {
		pthread_join(t, NULL);
	} else {
		sort_half(&h[1]);
	}
}

/* One sorted stream of writes: a run on the disk, or the held writes.
 * rec is the current write (NULL at the end); a run reads into two
 * buffers in turn, so that the write before stays whole. */
struct source {
	const uint8_t *rec;
	uint64_t p[3];
	FILE *f;
	uint8_t *buf[2];
	size_t cap[2];
	unsigned turn;
	struct half h[2];
	const uint8_t *base;
};

static crm_status
source_next(struct source *src)
{
	if (src->f == NULL) {
		struct half *h = src->h, *pick = NULL;
		if (h[0].n > 0 && h[1].n > 0) {
			pick = op_cmp(h[0].ops, h[1].ops, src->h[0].base) < 0
			           ? &h[0]
			           : &h[1];
		} else if (h[0].n > 0 || h[1].n > 0) {
			pick = h[0].n > 0 ? &h[0] : &h[1];
		}
		src->rec = NULL;
		if (pick != NULL) {
			/* In key order the writes' bytes are read at random:
			 * ask for those a few steps on. */
			if (pick->n > 8) {
				__builtin_prefetch(
				    src->base + pick->ops[8].off);
			}
			memcpy(src->p, pick->ops->p, sizeof(src->p));
			src->rec = src->base + pick->ops->off;
			pick->ops++;
			pick->n--;
		}
		return CRM_OK;
	}
	unsigned t = src->turn ^= 1;
	uint8_t head[DEFER_HEAD];
	src->rec = NULL;
	if (fread(head, 1, DEFER_HEAD, src->f) != DEFER_HEAD) {
		return ferror(src->f) ? CRM_INTERNAL : CRM_OK;
	}
	size_t n = rec_len(head);
	if (n > src->cap[t]) {
		src->cap[t] = n * 2;
		src->buf[t] = crm_xrealloc(src->buf[t], src->cap[t]);
	}
	memcpy(src->buf[t], head, DEFER_HEAD);
	if (fread(src->buf[t] + DEFER_HEAD, 1, n - DEFER_HEAD, src->f) !=
	    n - DEFER_HEAD) {
		crm_err("a run of held index writes ends short");
		return CRM_INTERNAL;
	}
	src->rec = src->buf[t];
	key_prefix(src->rec + DEFER_HEAD, key_len(src->rec), src->p);
	return CRM_OK;
}

/* A min-heap of the sources by their current write, the older source
 * first on a tie (a run before the runs after it, the held writes
 * last): a key's writes come out in the order they were made. */
struct merge {
	struct source *src;
	size_t *heap, n;
};

static int
heap_less(const struct merge *m, size_t a, size_t b)
{
	const struct source *x = &m->src[a], *y = &m->src[b];
	int c = rec_cmp(x->p, x->rec, y->p, y->rec);
	return c != 0 ? c < 0 : a < b;
}

static void
heap_down(struct merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, min = i;
		if (l < m->n && heap_less(m, m->heap[l], m->heap[min])) {
			min = l;
		}
		if (l + 1 < m->n &&
		    heap_less(m, m->heap[l + 1], m->heap[min])) {
			min = l + 1;
		}
		if (min == i) {
			return;
		}
		size_t t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

/* Where merged writes go: a run on the disk, or the database. */
struct sink {
	store *s;
	FILE *f; /* a run, or NULL: the database */
	MDB_txn **txn;
	struct flush_cursors fc;
	size_t in_txn;
};

static crm_status
sink_put(struct sink *k, const uint8_t *rec)
{
	if (k->f != NULL) {
		size_t n = rec_len(rec);
		return fwrite(rec, 1, n, k->f) == n ? CRM_OK : CRM_TOO_BIG;
	}
	crm_status rc = apply(k->s, &k->fc, rec);
	if (rc == CRM_OK && ++k->in_txn == DEFER_CHUNK) {
		k->in_txn = 0;
		cursors_close(&k->fc);
		rc = store_write_commit(k->s, *k->txn);
		*k->txn = NULL;
		if (rc == CRM_OK) {
			rc = store_write_begin(k->s, k->txn);
		}
		k->fc.txn = *k->txn;
	}
	return rc;
}

/* Merge the sources into k, the last write of each key standing. */
static crm_status
merge_into(struct source *src, size_t nsrc, struct sink *k)
{
	size_t heap[DEFER_RUNS + 1];
	struct merge m = { src, heap, 0 };
	crm_status rc = CRM_OK;
	for (size_t i = 0; i < nsrc && rc == CRM_OK; i++) {
		rc = source_next(&src[i]);
		if (rc == CRM_OK && src[i].rec != NULL) {
			heap[m.n++] = i;
		}
	}
	for (size_t i = m.n; i-- > 0;) {
		heap_down(&m, i);
	}
	const uint8_t *pend = NULL;
	while (rc == CRM_OK && m.n > 0) {
		struct source *top = &src[heap[0]];
		if (pend != NULL && !same_key(pend, top->rec)) {
			rc = sink_put(k, pend);
		}
		/* Valid until top's next read but one. */
		pend = top->rec;
		if (rc == CRM_OK) {
			rc = source_next(top);
		}
		if (rc == CRM_OK && top->rec == NULL) {
			heap[0] = heap[--m.n];
		}
		heap_down(&m, 0);
	}
	if (rc == CRM_OK && pend != NULL) {
		rc = sink_put(k, pend);
	}
	return rc;
}

static void
sources_free(struct source *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(src[i].buf[0]);
		free(src[i].buf[1]);
	}
}

/* Held writes as a source, sorted (two: in two halves, one on another
 * thread). */
static void
held_source(struct held *h, int two, struct source *src)
{
	memset(src, 0, sizeof(*src));
	sort_halves(h->bytes, h->ops, h->nops, two, src->h);
	src->base = h->bytes;
}

/* A new run file in the data folder, with no name (O_TMPFILE; where the
 * file system has none, unlinked at once): it goes with the process,
 * however that ends. */
static FILE *
run_create(store *s)
{
	const char *dir = NULL;
	if (mdb_env_get_path(s->env, &dir) != 0 || dir == NULL) {
		return NULL;
	}
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		size_t n = strlen(dir) + sizeof("/held-XXXXXX");
		char *path = crm_xmalloc(n);
		snprintf(path, n, "%s/held-XXXXXX", dir);
		fd = mkstemp(path);
		if (fd >= 0) {
			(void)unlink(path);
		}
		free(path);
	}
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	if (f == NULL) {
		crm_err("a file for held index writes in %s: %s", dir,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
	return f;
}

static void
runs_close(struct store_defer *d)
{
	for (size_t i = 0; i < d->nruns; i++) {
		fclose(d->runs[i]);
	}
	d->nruns = 0;
	d->run_bytes = 0;
}

/* Keep the run the other thread wrote (or its error). */
static crm_status
spill_keep(struct store_defer *d)
{
	struct spill *bg = &d->bg;
	bg->h.used = 0;
	bg->h.nops = 0;
	if (bg->rc != CRM_OK) {
		fclose(bg->f);
		d->run_failed = 1;
		return bg->rc;
	}
	d->run_bytes += bg->bytes_written;
	if (d->run_bytes > d->run_peak) {
		d->run_peak = d->run_bytes;
	}
	d->runs[d->nruns++] = bg->f;
	return CRM_OK;
}

/* Wait for the run being written on the other thread, and keep it. */
static crm_status
spill_wait(struct store_defer *d)
{
	if (!d->bg.running) {
		return CRM_OK;
	}
	pthread_join(d->bg.thread, NULL);
	d->bg.running = 0;
	return spill_keep(d);
}

crm_status
store_defer_flush(store *s, MDB_txn **txn)
{
	struct store_defer *d = s->defer;
	crm_status rc = d != NULL ? spill_wait(d) : CRM_OK;
	if (d == NULL || rc != CRM_OK || (d->h.nops == 0 && d->nruns == 0)) {
		return rc;
	}
	struct source src[DEFER_RUNS + 1];
	size_t n = 0;
	for (size_t i = 0; i < d->nruns && rc == CRM_OK; i++, n++) {
		memset(&src[n], 0, sizeof(src[n]));
		src[n].f = d->runs[i];
		if (fflush(src[n].f) != 0 ||
		    fseek(src[n].f, 0, SEEK_SET) != 0) {
			crm_err(
			    "a run of held index writes: %s", strerror(errno));
			rc = CRM_TOO_BIG;
		}
	}
	held_source(&d->h, 1, &src[n++]);
	struct sink k = { .s = s, .txn = txn, .fc = { .txn = *txn } };
	if (rc == CRM_OK) {
		rc = merge_into(src, n, &k);
	}
	cursors_close(&k.fc);
	sources_free(src, n);
	runs_close(d);
	d->h.used = 0;
	d->h.nops = 0;
	return rc;
}

/* The other thread: sort the writes handed over and write them to the
 * run. */
static void *
spill_run(void *arg)
{
	struct spill *bg = arg;
	struct source src;
	held_source(&bg->h, 0, &src);
	struct sink k = { .f = bg->f };
	bg->rc = merge_into(&src, 1, &k);
	if (bg->rc == CRM_OK && fflush(bg->f) != 0) {
		bg->rc = CRM_TOO_BIG;
	}
	if (bg->rc != CRM_OK) {
		crm_err("writing held index writes: %s", strerror(errno));
	}
	long end = ftell(bg->f);
	bg->bytes_written = end > 0 ? (uint64_t)end : 0;
	return NULL;
}

crm_status
store_defer_spill(store *s, MDB_txn **txn, int *merged)
{
	struct store_defer *d = s->defer;
	*merged = 0;
	if (d == NULL || d->h.nops == 0) {
		return CRM_OK;
	}
	crm_status rc = spill_wait(d);
	if (rc != CRM_OK) {
		return rc;
	}
	if (d->nruns == DEFER_RUNS) {
		*merged = 1;
		return store_defer_flush(s, txn);
	}
	FILE *f = run_create(s);
	if (f == NULL) {
		return CRM_INTERNAL;
	}
	/* Hand the held writes over, and hold the next in the buffers
	 * the last run was written from. */
	struct spill *bg = &d->bg;
	struct held emptied = bg->h;
	bg->h = d->h;
	d->h = emptied;
	bg->f = f;
	bg->rc = CRM_OK;
	if (pthread_create(&bg->thread, NULL, spill_run, bg) == 0) {
		bg->running = 1;
		return CRM_OK;
	}
	spill_run(bg);
	return spill_keep(d);
}

void
store_defer_free(store *s)
{
	if (s->defer != NULL) {
		(void)spill_wait(s->defer);
		free(s->defer->h.bytes);
		free(s->defer->h.ops);
		free(s->defer->bg.h.bytes);
		free(s->defer->bg.h.ops);
		runs_close(s->defer);
		free(s->defer);
		s->defer = NULL;
	}
}
