/* SPDX-License-Identifier: MIT */
/* queues.c: the merge of per-owner queues (queues.h). */
#include "queues.h"

#include <stdlib.h>

#include "crm_xmalloc.h"

/* One owner's queue in a merge, a slot of the heap: its cursor and the
 * entry it is on (kept in the slot, so the heap's comparisons read one
 * array). */
struct slot {
	int64_t at;
	uint64_t id;
	struct store_iter *it;
};

/* Move s to its next entry; 0 when there is none up to until. */
static int
slot_next(struct slot *s, int64_t until)
{
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(s->it, &key, &klen)) {
		if (klen != 24) {
			continue;
		}
		s->at = store_time_of(store_u64(key + 8));
		s->id = store_u64(key + 16);
		return s->at <= until;
	}
	return 0;
}

static int
before(const struct slot *a, const struct slot *b)
{
	return a->at < b->at || (a->at == b->at && a->id < b->id);
}

/* Restore the heap h[0..n) below slot i. */
static void
sift_down(struct slot *h, size_t n, size_t i)
{
	struct slot x = h[i];
	for (;;) {
		size_t l = 2 * i + 1, m = l;
		if (l >= n) {
			break;
		}
		if (l + 1 < n && before(&h[l + 1], &h[l])) {
			m = l + 1;
		}
		if (!before(&h[m], &x)) {
			break;
		}
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

/* The merge of range i: db dbs[i * stride], prefix owners[i] | mask. */
static crm_status
merge(struct req_ctx *ctx, const enum store_db *dbs, size_t stride,
    const uint64_t *owners, size_t n, uint64_t mask, int64_t from,
    int64_t until, queues_take take, void *arg)
{
	struct store_iter *its = crm_xcalloc(n ? n : 1, sizeof(*its));
	struct slot *h = crm_xcalloc(n ? n : 1, sizeof(*h));
	size_t opened = 0, live = 0;
	crm_status rc = CRM_OK;
	store_key start;
	store_key_id(&start, store_time_key(from));
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		store_key p;
		store_key_id(&p, owners[i] | mask);
		rc = store_iter_open(ctx->st, ctx->txn, dbs[i * stride], p.b,
		    8, from == INT64_MIN ? NULL : &start, &its[i]);
		if (rc == CRM_OK) {
			opened++;
			h[live].it = &its[i];
			live += (size_t)slot_next(&h[live], until);
		}
	}
	/* A heap of the queues with an entry left, the earliest on top: a
	 * team of hundreds costs a few comparisons an entry, not hundreds. */
	for (size_t i = live / 2; i-- > 0;) {
		sift_down(h, live, i);
	}
	int full = 0;
	while (rc == CRM_OK && !full && live > 0) {
		rc = take(ctx, h[0].it, h[0].id, h[0].at, arg, &full);
		if (!slot_next(&h[0], until)) {
			h[0] = h[--live];
		}
		sift_down(h, live, 0);
	}
	for (size_t i = 0; i < opened; i++) {
		store_iter_close(&its[i]);
	}
	free(h);
	free(its);
	return rc;
}

crm_status
queues_merge(struct req_ctx *ctx, enum store_db db, const uint64_t *owners,
    size_t n, uint64_t mask, int64_t from, int64_t until, queues_take take,
    void *arg)
{
	return merge(ctx, &db, 0, owners, n, mask, from, until, take, arg);
}

crm_status
queues_merge_dbs(struct req_ctx *ctx, const enum store_db *dbs,
    const uint64_t *prefixes, size_t n, int64_t from, int64_t until,
    queues_take take, void *arg)
{
	return merge(ctx, dbs, 1, prefixes, n, 0, from, until, take, arg);
}
