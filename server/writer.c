/* SPDX-License-Identifier: MIT */
/*
 * writer.c: the single writer thread: a bounded queue, group commit (each
 * write run by dispatch_apply, which keeps replies idempotent), map
 * growth, and pruning stored replies past the policy's retention in
 * bounded steps. A write is acknowledged only after the commit
 * returned 0 (the data is synced: default LMDB flags).
 */
#include "writer.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <time.h>

#include "changes.h"
#include "clock.h"
#include "crm.h"
#include "latency.h"
#include "policy.h"
#include "pool_reclaim.h"
#include "routine.h"
#include "stats.h"
#include "store_schema.h"

#define WRITER_ARENA (4u * 1024u * 1024u)
#define GROW_RETRIES 8

/* Pruning stored replies: at most PRUNE_STEP records looked at per write
 * transaction, PRUNE_PAUSE_MS between steps of a sweep (writes go first),
 * PRUNE_REST_MS between sweeps (CRM_TEST_PRUNE_MS in test builds). */
#define PRUNE_STEP     512
#define PRUNE_PAUSE_MS 100
#define PRUNE_REST_MS  (10 * 60 * 1000)

/*
 * Group commit's linger. A synced commit costs about the same for one
 * write as for sixteen (its pages, and two syncs), so when several
 * clients write at once the writer waits a little for the ones whose
 * replies it just sent before it commits again, applying each as it
 * comes in (the batch's transaction is open): without it, closed-loop
 * clients split into two halves that take turns, each commit carrying
 * half of them. Expected: the writes that arrived during the last commit
 * plus the last batch (each of its clients is back a round trip after
 * its reply); the wait ends when that many are in, or after half the
 * last commit's time, at most LINGER_MAX_US. Only when there is
 * evidence of other writers (a write arrived during the last commit,
 * or the last linger filled up): a lone client never waits.
 */
#define LINGER_MAX_US 2000

/*
 * Folding the fact journal (stats.h) into the report ranges: when
 * FOLD_AT facts have been written to it since the last fold (the
 * reports read the whole journal, so it stays short), or, with any
 * there, after FOLD_REST_MS without a fold (an idle crmd's too); at
 * most FOLD_STEP facts a transaction. CRM_TEST_FOLD_AT,
 * CRM_TEST_FOLD_STEP and CRM_TEST_FOLD_REST_MS in test builds (the rest also
 * the first fold's wait after start).
 */
#define FOLD_AT      4096
#define FOLD_STEP    8192
#define FOLD_REST_MS (60 * 1000)

struct item {
	struct transport_msg m;
	struct auth_who who;
	int has_who;
	struct dispatch_prep prep;
	void *reply;
	size_t reply_len;
	int changed;
	enum dispatch_applied how;
	int settled; /* failed in its handler: its reply stands, not run again
	              */
};

struct writer {
	uint64_t cursor; /* the change log's newest seq, for pokes */
	store *st;
	const struct srv_config *cfg;
	int sock;
	int pub;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *ring;
	size_t cap, head, count;
	int stopping;
	crm_arena arena;
	unsigned long long commits, mutations, replays, reused, pruned;
	/* Batches run again without a write that failed in its handler
	 * after it may have written (run_batch). */
	unsigned long long reruns;
	/* The pruning sweep: where the next step starts (empty: the first
	 * key), and when it is due (CLOCK_MONOTONIC ms). */
	uint8_t prune_key[STORE_KEY_MAX];
	size_t prune_len;
	int64_t prune_due;
	int64_t prune_rest;
	/* The routine sweep (routine.h) rides on it: where its next step
	 * starts (a routine id, 0: the first), and occurrences planned. */
	uint64_t routine_from;
	unsigned long long routines_planned;
	/* The pool rules' sweep (pool_reclaim.h): asked for by a request
	 * thread that found something due (reclaim_req), each step counted
	 * (reclaim_gen, reclaim_done signalled), customers warned or
	 * reclaimed. */
	int reclaim_req;
	unsigned long long reclaim_gen, reclaimed;
	pthread_cond_t reclaim_done;
	/* Group commit's linger (LINGER_MAX_US): the last batch, the writes
	 * waiting when its commit returned, how long the commit took, and
	 * whether the last linger saw all it expected. */
	size_t last_n, waiting_after;
	int64_t commit_us;
	int linger_filled;
	unsigned long long lingers, lingers_short;
	/* The fact journal's fold: stats_journal_written at the last one
	 * (fold_any: there may be facts from before this process), when
	 * the next is due without FOLD_AT facts, facts folded. */
	unsigned long long fold_mark, folded;
	int fold_any;
	size_t fold_at, fold_max;
	int fact_journal; /* requests' new facts to the journal (0: a test
	                   * build's A/B, CRM_TEST_NO_FACT_JOURNAL) */
	int64_t fold_due, fold_rest;
};

static int64_t
mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Apply one mutation in parent directly (dispatch_apply, ctx->direct);
 * set it->reply and what became of it. */
static void
apply(writer *w, MDB_txn *parent, struct item *it)
{
	struct req_ctx ctx;
	clock_test_apply_delay();
	dispatch_ctx_init(&ctx, w->st, w->cfg, &w->arena, clock_now());
	ctx.direct = 1;
	ctx.fact_journal = w->fact_journal;
	it->how = dispatch_apply(&ctx, parent, it->m.body, it->m.len,
	    it->has_who ? &it->who : NULL, &it->prep, &it->reply,
	    &it->reply_len);
	it->changed = it->how == DISPATCH_APPLIED && ctx.changed;
}

/* Count what became of a committed batch's writes. */
static void
count_batch(writer *w, const struct item *batch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (batch[i].how) {
		case DISPATCH_APPLIED:
			w->mutations++;
			break;
		case DISPATCH_REPLAYED:
			w->replays++;
			break;
		case DISPATCH_REUSED:
			w->reused++;
			break;
		case DISPATCH_FAILED:
		case DISPATCH_TAINTED:
			break;
		}
	}
}

/* Replace the reply of every write of the batch not settled by an error
 * (nothing of it was applied); code CRM_OK: no reply yet. */
static void
fail_batch(struct item *batch, size_t n, crm_status code, const char *msg)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &batch[i];
		if (it->settled) {
			continue;
		}
		if (it->reply != NULL) {
			nn_freemsg(it->reply);
			it->reply = NULL;
		}
		it->changed = 0;
		it->how = DISPATCH_FAILED;
		if (code == CRM_OK) {
			continue;
		}
		Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
		Crm__V1__Status st;
		Crm__V1__Request *req = NULL;
		crm_arena a;
		crm_arena_init(&a, 64 * 1024);
		if (crm_wire_unpack_request(&a, it->m.body, it->m.len, &req) ==
		        CRM_OK &&
		    req->has_request_id) {
			resp.has_request_id = 1;
			resp.request_id = req->request_id;
		}
		crm_wire_set_status(&resp, &st, code, msg);
		if (crm_wire_pack_nn(&resp.base, &it->reply, &it->reply_len) !=
		    CRM_OK) {
			it->reply = NULL;
		}
		crm_arena_fini(&a);
	}
}

/* Move up to max - n queued writes into batch[n..]; the new n. Called
 * with w->lock held. */
static size_t
take(writer *w, struct item *batch, size_t n, size_t max)
{
	while (w->count > 0 && n < max) {
		batch[n] = w->ring[w->head];
		batch[n++].settled = 0;
		w->head = (w->head + 1) % w->cap;
		w->count--;
	}
	return n;
}

/* Group commit's linger (LINGER_MAX_US, above), while a batch is open:
 * how many writes it expects and until when it waits for them. */
struct linger {
	int on, began; /* waiting now; waited for this batch */
	size_t first, expect;
	struct timespec until;
};

/* Begin the linger for a batch of n writes just taken, if there is
 * evidence of other writers and fewer are in than expected. Called with
 * w->lock held. */
static void
linger_begin(writer *w, size_t n, size_t max, struct linger *lg)
{
	lg->on = 0;
	if (w->waiting_after == 0 && !w->linger_filled) {
		return;
	}
	size_t expect = w->waiting_after + w->last_n;
	w->waiting_after = 0;
	w->linger_filled = 0;
	if (expect > max) {
		expect = max;
	}
	int64_t wait_us = w->commit_us / 2;
	if (wait_us > LINGER_MAX_US) {
		wait_us = LINGER_MAX_US;
	}
	if (n >= expect || wait_us <= 0) {
		w->linger_filled = n >= expect;
		return;
	}
	w->lingers++;
	lg->on = lg->began = 1;
	lg->first = n;
	lg->expect = expect;
	clock_gettime(CLOCK_MONOTONIC, &lg->until);
	lg->until.tv_nsec += (long)wait_us * 1000L;
	if (lg->until.tv_nsec >= 1000000000L) {
		lg->until.tv_sec++;
		lg->until.tv_nsec -= 1000000000L;
	}
}

/* End the linger with n writes in the batch: whether it saw all it
 * expected (linger_count reports it with the batch). */
static void
linger_end(writer *w, struct linger *lg, size_t n)
{
	if (!lg->on) {
		return;
	}
	lg->on = 0;
	w->linger_filled = n >= lg->expect;
	if (!w->linger_filled) {
		w->lingers_short++;
	}
}

/* Count a batch's linger once it is committed (or not): the writes that
 * joined it while it waited and were applied in the commit (not replies
 * sent again, not refusals). */
static void
linger_count(const writer *w, const struct linger *lg,
    const struct item *batch, size_t n, int committed)
{
	if (!lg->began) {
		return;
	}
	size_t joined = 0;
	for (size_t i = lg->first; committed && i < n; i++) {
		joined += batch[i].how == DISPATCH_APPLIED;
	}
	latency_linger(w->linger_filled, joined);
}

/*
 * The linger, once the batch's writes so far are applied: take the
 * writes queued since; when there are none, wait for the next until the
 * linger's end. So the writes that arrive while the batch is open are
 * applied as they come, not all after the wait. The new n; the linger
 * ends when the batch has what it expected or the time is up.
 */
static size_t
linger_more(
    writer *w, struct linger *lg, struct item *batch, size_t n, size_t max)
{
	pthread_mutex_lock(&w->lock);
	size_t had = n;
	n = take(w, batch, n, max);
	int timed_out = 0;
	while (n == had && n < lg->expect && !w->stopping) {
		if (pthread_cond_timedwait(&w->cond, &w->lock, &lg->until) ==
		    ETIMEDOUT) {
			n = take(w, batch, n, max);
			timed_out = 1;
			break;
		}
		n = take(w, batch, n, max);
	}
	if (n >= lg->expect || n >= max || timed_out || w->stopping) {
		linger_end(w, lg, n);
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Commit txn, which holds applied writes, synced; time it for stats. */
static crm_status
commit(writer *w, MDB_txn *txn, size_t applied)
{
	/* The change-feed cursor the poke carries. */
	(void)changes_last_seq(w->st, txn, &w->cursor);
	clock_test_delay();
	struct latency_commit lc;
	latency_commit_begin(&lc);
	int64_t t0 = mono_us();
	crm_status rc = store_write_commit(w->st, txn);
	w->commit_us = mono_us() - t0;
	latency_commit_end(&lc, applied, rc == CRM_OK && !store_map_full);
	return rc;
}

/* Apply the batch's unsettled writes in txn, counting those applied
 * into *applied; while the linger is on, take the writes that come in
 * meanwhile and apply them too (*n grows). Stops at a full map. Returns
 * the index of a write that failed in its handler (DISPATCH_TAINTED),
 * else SIZE_MAX. */
static size_t
apply_all(writer *w, MDB_txn *txn, struct item *batch, size_t *n, size_t max,
    struct linger *lg, size_t *applied)
{
	for (size_t i = 0;;) {
		for (; i < *n && !store_map_full; i++) {
			if (batch[i].settled) {
				continue;
			}
			apply(w, txn, &batch[i]);
			if (batch[i].how == DISPATCH_TAINTED) {
				return i;
			}
			*applied += batch[i].how == DISPATCH_APPLIED;
		}
		if (!lg->on || store_map_full) {
			return SIZE_MAX;
		}
		*n = linger_more(w, lg, batch, *n, max);
	}
}

/*
 * Apply a batch in one transaction and commit it (synced) before any
 * reply goes out. The writes run in the batch's transaction directly,
 * without a nested transaction each. A write whose handler fails (it may
 * have written part of its change: DISPATCH_TAINTED) keeps its failure
 * as its reply and is settled; the transaction is dropped and the others
 * run again without it, so a failed write leaves nothing and the others
 * stand. A batch that wrote nothing (failures, stored replies sent
 * again) commits nothing. A full map: grow, run again. While the linger
 * is on (lg), the writes that come in are taken and applied as they
 * come; a batch run again runs with those it has. Returns how many
 * writes the batch had.
 */
static size_t
run_batch(
    writer *w, struct item *batch, size_t n, size_t max, struct linger *lg)
{
	crm_status rc = CRM_INTERNAL;
	int grows = 0, committed = 0;
	for (;;) {
		MDB_txn *txn;
		size_t applied = 0, left = 0;
		store_map_full = 0;
		rc = store_write_begin(w->st, &txn);
		if (rc != CRM_OK) {
			linger_end(w, lg, n);
			break;
		}
		size_t failed =
		    apply_all(w, txn, batch, &n, max, lg, &applied);
		/* Run again, if need be, with the writes in by now. */
		linger_end(w, lg, n);
		if (store_map_full) {
			/* Nothing of the batch was applied: grow, again. */
			store_write_abort(w->st, txn);
			fail_batch(batch, n, CRM_OK, NULL);
			rc = CRM_TOO_BIG;
			if (++grows > GROW_RETRIES ||
			    store_grow(w->st) != CRM_OK) {
				break;
			}
			continue;
		}
		if (failed < n) {
			store_write_abort(w->st, txn);
			batch[failed].how = DISPATCH_FAILED;
			batch[failed].changed = 0;
			batch[failed].settled = 1;
			fail_batch(batch, n, CRM_OK, NULL);
			for (size_t i = 0; i < n; i++) {
				left += !batch[i].settled;
			}
			rc = CRM_OK;
			if (left == 0) {
				break;
			}
			w->reruns++;
			latency_rerun();
			continue;
		}
		if (applied == 0) {
			store_write_abort(w->st, txn); /* nothing to sync */
			break;
		}
		rc = commit(w, txn, applied);
		committed = rc == CRM_OK;
		pthread_mutex_lock(&w->lock);
		w->waiting_after = w->count;
		pthread_mutex_unlock(&w->lock);
		if (!store_map_full) {
			break;
		}
		fail_batch(batch, n, CRM_OK, NULL);
		committed = 0;
		rc = CRM_TOO_BIG;
		if (++grows > GROW_RETRIES || store_grow(w->st) != CRM_OK) {
			break;
		}
	}
	linger_count(w, lg, batch, n, committed && rc == CRM_OK);
	if (rc == CRM_TOO_BIG) {
		fail_batch(batch, n, CRM_TOO_BIG,
		    "storage full: nothing was written; retry later");
	} else if (rc != CRM_OK) {
		fail_batch(batch, n, CRM_UNAVAILABLE,
		    "write failed: nothing was written; retry");
	}
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		changed |= batch[i].changed;
	}
	if (rc == CRM_OK && changed && pool_reclaim_rules_on()) {
		/* A pool rule is on: what it does next may have changed,
		 * unknown until the writer's next step (readers wait for
		 * it). A policy change says so itself (policy.c). */
		pool_reclaim_set_next(0);
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = &batch[i];
		latency_record(it->prep.slot, it->prep.t0_ns);
		if (it->reply != NULL) {
			transport_reply(
			    w->sock, &it->m, it->reply, it->reply_len);
		} else {
			transport_drop(&it->m);
		}
	}
	if (rc == CRM_OK) {
		w->commits += committed;
		count_batch(w, batch, n);
		if (changed && committed) {
			transport_poke(w->pub, w->commits, w->cursor);
		}
	}
	return n;
}

/* ---------------------------------------------------- pruning */

/*
 * The `at` of a packed IdemRecord, read from its field 1 without
 * unpacking: the reply beside it may be megabytes, more than the arena
 * holds. Returns 0 when found.
 */
static int
record_at(const uint8_t *p, size_t n, int64_t *at)
{
	size_t i = 0;
	while (i < n) {
		uint64_t tag = 0, v = 0;
		for (int sh = 0; i < n && sh < 64; sh += 7) {
			tag |= (uint64_t)(p[i] & 0x7f) << sh;
			if (!(p[i++] & 0x80)) {
				break;
			}
		}
		unsigned wt = (unsigned)(tag & 7);
		if (wt == 0 || wt == 2) {
			for (int sh = 0; i < n && sh < 64; sh += 7) {
				v |= (uint64_t)(p[i] & 0x7f) << sh;
				if (!(p[i++] & 0x80)) {
					break;
				}
			}
		} else {
			return -1; /* IdemRecord has no other wire types */
		}
		if (wt == 0 && tag >> 3 == 1) {
			*at = (int64_t)v;
			return 0;
		}
		if (wt == 2) {
			if (v > n - i) {
				return -1;
			}
			i += (size_t)v;
		}
	}
	return -1;
}

/*
 * One step of the sweep over stored replies: delete those older than the
 * policy's retention among the next PRUNE_STEP, in a write transaction of
 * its own. Returns 1 when the sweep reached the end (or failed: it starts
 * over after a rest), else 0.
 */
static int
prune_step(writer *w)
{
	struct req_ctx ctx;
	MDB_txn *txn = NULL;
	store_cursor *cur = NULL;
	Crm__V1__Policy *p = NULL;
	store_val k, v;
	int done = 1, deleted = 0;

	store_map_full = 0;
	if (store_write_begin(w->st, &txn) != CRM_OK) {
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = w->st;
	ctx.cfg = w->cfg;
	ctx.arena = &w->arena;
	ctx.txn = txn;
	crm_arena_reset(&w->arena);
	if (policy_load(&ctx, &p) != CRM_OK ||
	    store_cursor_open(w->st, txn, DB_IDEM, &cur) != CRM_OK) {
		goto fail;
	}
	int64_t cutoff = clock_now() - policy_idem_retention(p);
	k.data = w->prune_key;
	k.len = w->prune_len;
	enum store_op op = w->prune_len > 0 ? STORE_SEEK : STORE_FIRST;
	crm_status rc = CRM_OK;
	for (int i = 0; i < PRUNE_STEP; i++, op = STORE_NEXT) {
		rc = store_cursor_get(cur, op, &k, &v);
		if (rc != CRM_OK) {
			break;
		}
		int64_t at;
		if (record_at(v.data, v.len, &at) == 0 && at < cutoff) {
			if ((rc = store_cursor_del(cur)) != CRM_OK) {
				break;
			}
			deleted++;
		}
	}
	if (rc == CRM_OK) {
		/* Not at the end: the next step starts after the last key
		 * looked at (STORE_SEEK finds it or what follows). */
		rc = store_cursor_get(cur, STORE_NEXT, &k, &v);
		if (rc == CRM_OK && k.len <= sizeof(w->prune_key)) {
			memcpy(w->prune_key, k.data, k.len);
			w->prune_len = k.len;
			done = 0;
		}
	}
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		goto fail;
	}
	store_cursor_close(cur);
	if (deleted == 0) {
		store_write_abort(w->st, txn);
	} else if (store_write_commit(w->st, txn) != CRM_OK) {
		w->prune_len = 0;
		return 1;
	}
	w->pruned += (unsigned long long)deleted;
	if (done) {
		w->prune_len = 0;
	}
	return done;
fail:
	store_cursor_close(cur);
	store_write_abort(w->st, txn);
	w->prune_len = 0;
	return 1;
}

/*
 * One step of the routine sweep: plan the occurrences of up to
 * ROUTINE_STEP routines (routine_sweep), in a write transaction of its
 * own. Returns 1 when the sweep reached the end (or failed), else 0.
 */
#define ROUTINE_STEP 64
static int
routine_step(writer *w)
{
	struct req_ctx ctx;
	MDB_txn *txn = NULL;
	unsigned planned = 0;

	store_map_full = 0;
	if (store_write_begin(w->st, &txn) != CRM_OK) {
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = w->st;
	ctx.cfg = w->cfg;
	ctx.arena = &w->arena;
	ctx.txn = txn;
	ctx.now = clock_now();
	crm_arena_reset(&w->arena);
	uint64_t from = w->routine_from;
	crm_status rc = routine_sweep(&ctx, &from, ROUTINE_STEP, &planned);
	if (rc != CRM_OK || planned == 0) {
		store_write_abort(w->st, txn);
	} else if (store_write_commit(w->st, txn) != CRM_OK) {
		rc = CRM_INTERNAL;
	}
	if (rc != CRM_OK) {
		w->routine_from = 0;
		return 1;
	}
	w->routines_planned += planned;
	w->routine_from = from;
	return from == 0;
}

/*
 * One step of the pool rules' sweep (pool_reclaim_sweep): warn and
 * reclaim what is due now, in a write transaction of its own, and
 * publish when the next thing falls due. Waiting request threads are
 * woken after it.
 */
#define RECLAIM_STEP 64
static void
reclaim_step(writer *w)
{
	struct req_ctx ctx;
	MDB_txn *txn = NULL;
	unsigned n = 0, moved = 0;
	int64_t next = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.now = clock_now();
	store_map_full = 0;
	crm_status rc = store_write_begin(w->st, &txn);
	if (rc == CRM_OK) {
		ctx.st = w->st;
		ctx.cfg = w->cfg;
		ctx.arena = &w->arena;
		ctx.txn = txn;
		ctx.action = "pool.reclaim";
		crm_arena_reset(&w->arena);
		rc = pool_reclaim_sweep(
		    &ctx, RECLAIM_STEP, NULL, &next, &n, &moved);
		if (rc == CRM_OK && n > 0) {
			/* The change-feed cursor the poke carries. */
			(void)changes_last_seq(w->st, txn, &w->cursor);
		}
		if (rc != CRM_OK || (n == 0 && moved == 0)) {
			store_write_abort(w->st, txn);
		} else if (store_write_commit(w->st, txn) != CRM_OK) {
			rc = CRM_INTERNAL;
		}
	}
	if (rc != CRM_OK) {
		/* Not in a loop: again in a minute, or at the next write. */
		crm_warn("pool rules: the sweep failed (%s); again later",
		    crm_status_name(rc));
		next = ctx.now + 60;
		n = 0;
	}
	pool_reclaim_set_next(next);
	if (n > 0) {
		w->commits++;
		w->reclaimed += n;
		transport_poke(w->pub, w->commits, w->cursor);
	}
	pthread_mutex_lock(&w->lock);
	w->reclaim_req = 0;
	w->reclaim_gen++;
	pthread_cond_broadcast(&w->reclaim_done);
	pthread_mutex_unlock(&w->lock);
}

/* Whether the pool rules' sweep should run now; w->lock held (a worker
 * sets reclaim_req under it). */
static int
reclaim_due(writer *w)
{
	return w->reclaim_req || pool_reclaim_next() <= clock_now();
}

/* reclaim_due, taking w->lock: reclaim_req read bare would race with
 * writer_reclaim_wait (ThreadSanitizer, idem_e2e_test). */
static int
reclaim_due_locking(writer *w)
{
	pthread_mutex_lock(&w->lock);
	int due = reclaim_due(w);
	pthread_mutex_unlock(&w->lock);
	return due;
}

void
writer_reclaim_wait(writer *w, int64_t now)
{
	int64_t deadline = mono_ms() + 5000;
	pthread_mutex_lock(&w->lock);
	while (pool_reclaim_next() <= now && !w->stopping &&
	       mono_ms() < deadline) {
		unsigned long long gen = w->reclaim_gen;
		w->reclaim_req = 1;
		pthread_cond_signal(&w->cond);
		while (w->reclaim_gen == gen && !w->stopping &&
		       mono_ms() < deadline) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_nsec += 100 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(
			    &w->reclaim_done, &w->lock, &ts);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

/* Prune when due; the next step soon while a sweep goes on. The routine
 * sweep runs its steps between them. */
static void
prune_if_due(writer *w)
{
	int64_t now = mono_ms();
	if (now < w->prune_due) {
		return;
	}
	int done = prune_step(w) & routine_step(w);
	w->prune_due = mono_ms() + (done ? w->prune_rest : PRUNE_PAUSE_MS);
}

/* Whether the fact journal should be folded now. */
static int
fold_due(writer *w, int64_t now_ms)
{
	unsigned long long n = stats_journal_written() - w->fold_mark;
	return n >= w->fold_at ||
	       ((n > 0 || w->fold_any) && now_ms >= w->fold_due);
}

/* One step of the fold: the oldest FOLD_STEP facts of the journal into
 * their ranges, in a write transaction of its own. Returns 1 when the
 * journal is empty, 0 when more wait, -1 when the step failed. */
static int
fold_step(writer *w)
{
	struct req_ctx ctx;
	MDB_txn *txn = NULL;
	size_t moved = 0;
	store_map_full = 0;
	crm_status rc = store_write_begin(w->st, &txn);
	if (rc == CRM_OK) {
		crm_arena_reset(&w->arena);
		dispatch_ctx_init(&ctx, w->st, w->cfg, &w->arena, clock_now());
		ctx.txn = txn;
		rc = stats_journal_fold(&ctx, w->fold_max, &moved);
		if (rc != CRM_OK || moved == 0) {
			store_write_abort(w->st, txn);
		} else if ((rc = store_write_commit(w->st, txn)) == CRM_OK) {
			w->folded += moved;
			latency_fold(moved);
		}
	}
	if (rc != CRM_OK) {
		crm_warn("report facts: folding the journal failed (%s); "
		         "again in a minute",
		    crm_status_name(rc));
		return -1;
	}
	return moved < w->fold_max;
}

/* Fold the fact journal when due (all: now, until it is empty). A step
 * at a time between batches, so that writes wait for one step at most
 * (an import's facts take several); a failed step is tried again after
 * the rest, not at every batch (the reports read what is left; nothing
 * is lost). */
static void
fold_if_due(writer *w, int all)
{
	if (!all && !fold_due(w, mono_ms())) {
		return;
	}
	unsigned long long mark = stats_journal_written();
	int done;
	while ((done = fold_step(w)) == 0 && all) {
	}
	w->fold_mark = mark;
	w->fold_any = done != 1;
	w->fold_due = done == 0 ? 0 : mono_ms() + w->fold_rest;
}

static void *
writer_main(void *arg)
{
	writer *w = arg;
	size_t max = (size_t)w->cfg->batch_max;
	struct item *batch = crm_xcalloc(max, sizeof(*batch));
	/* crm-bench finds the writer by its name (its schedstat). */
	prctl(PR_SET_NAME, "crmd-writer", 0, 0, 0);
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->count == 0 && !w->stopping) {
			int64_t now = mono_ms();
			int64_t left = w->prune_due - now;
			if (left <= 0 || reclaim_due(w) || fold_due(w, now)) {
				break;
			}
			if (stats_journal_written() != w->fold_mark ||
			    w->fold_any) {
				int64_t f = w->fold_due - now;
				left = f < left ? f : left;
			}
			/* A pool rule on: look again each second (the clock
			 * reaching its next due time). */
			if (pool_reclaim_next() != INT64_MAX && left > 1000) {
				left = 1000;
			}
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)(left / 1000);
			ts.tv_nsec += (long)(left % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		}
		if (w->count == 0 && w->stopping) {
			pthread_mutex_unlock(&w->lock);
			/* The data at rest without a journal: an older
			 * schema's tools and tests see every fact in place. */
			fold_if_due(w, 1);
			break;
		}
		size_t n = take(w, batch, 0, max);
		struct linger lg = { 0 };
		if (n > 0 && n < max) {
			linger_begin(w, n, max, &lg);
		}
		pthread_mutex_unlock(&w->lock);
		/* Writes see what the pool rules did by now; after them,
		 * what the writes changed (a policy, a follow-up). */
		if (reclaim_due_locking(w)) {
			reclaim_step(w);
		}
		w->last_n = n;
		if (n > 0) {
			w->last_n = run_batch(w, batch, n, max, &lg);
			if (reclaim_due_locking(w)) {
				reclaim_step(w);
			}
		}
		fold_if_due(w, 0);
		prune_if_due(w);
	}
	free(batch);
	return NULL;
}

crm_status
writer_start(
    store *st, const struct srv_config *cfg, int sock, int pub, writer **out)
{
	writer *w = crm_xcalloc(1, sizeof(*w));
	w->st = st;
	w->cfg = cfg;
	w->sock = sock;
	w->pub = pub;
	w->cap = (size_t)cfg->queue_max;
	w->ring = crm_xcalloc(w->cap, sizeof(*w->ring));
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_cond_init(&w->reclaim_done, &ca);
	pthread_condattr_destroy(&ca);
	w->prune_rest = PRUNE_REST_MS;
	w->fold_at = FOLD_AT;
	w->fact_journal = 1;
	w->fold_max = FOLD_STEP;
	w->fold_rest = FOLD_REST_MS;
	w->fold_any = 1;
	w->fold_mark = stats_journal_written();
#ifdef CRM_TEST_HOOKS
	const char *fa = getenv("CRM_TEST_FOLD_AT");
	if (fa != NULL && atoi(fa) > 0) {
		w->fold_at = (size_t)atoi(fa);
	}
	w->fact_journal = getenv("CRM_TEST_NO_FACT_JOURNAL") == NULL;
	const char *fs = getenv("CRM_TEST_FOLD_STEP");
	if (fs != NULL && atoi(fs) > 0) {
		w->fold_max = (size_t)atoi(fs);
	}
	const char *fr = getenv("CRM_TEST_FOLD_REST_MS");
	int64_t fold_rest = fr != NULL && atoi(fr) > 0 ? atoi(fr) : 0;
	const char *pr = getenv("CRM_TEST_PRUNE_MS");
	if (pr != NULL && atoi(pr) > 0) {
		w->prune_rest = atoi(pr);
	}
#endif
	/* The first sweep a little after start, not in the way of it. */
	w->prune_due =
	    mono_ms() + (w->prune_rest < 5000 ? w->prune_rest : 5000);
	/* Facts left by an earlier run: folded a little after start. */
	w->fold_due = w->prune_due;
#ifdef CRM_TEST_HOOKS
	if (fold_rest > 0) {
		w->fold_rest = fold_rest;
		w->fold_due = mono_ms() + fold_rest;
	}
#endif
	crm_arena_init(&w->arena, WRITER_ARENA);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		crm_arena_fini(&w->arena);
		free(w->ring);
		free(w);
		return CRM_INTERNAL;
	}
	*out = w;
	return CRM_OK;
}

crm_status
writer_submit(writer *w, struct transport_msg *m, const struct auth_who *who,
    const struct dispatch_prep *prep)
{
	crm_status rc = CRM_OK;
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->count == w->cap) {
		rc = CRM_UNAVAILABLE;
	} else {
		struct item *it = &w->ring[(w->head + w->count) % w->cap];
		memset(it, 0, sizeof(*it));
		it->m = *m;
		if (who != NULL) {
			it->who = *who;
			it->has_who = 1;
		}
		it->prep = *prep;
		w->count++;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void
writer_stop(writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	crm_info("writer: %llu commits, %llu mutations, %llu replayed "
	         "replies, %llu reused ids refused, %llu stored replies "
	         "pruned, %llu pool-rule warnings and reclaims, %llu "
	         "group-commit lingers (%llu short), %llu batches run "
	         "again without a failed write, %llu report facts folded",
	    w->commits, w->mutations, w->replays, w->reused, w->pruned,
	    w->reclaimed, w->lingers, w->lingers_short, w->reruns, w->folded);
	crm_arena_fini(&w->arena);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	pthread_cond_destroy(&w->reclaim_done);
	free(w->ring);
	free(w);
}
