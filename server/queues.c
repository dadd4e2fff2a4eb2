/* SPDX-License-Identifier: MIT */
/* queues.c: the merge of per-owner queues (queues.h). */
#include "queues.h"

#include <stdlib.h>

#include "crm_xmalloc.h"

/* One owner's queue in a merge: its cursor and the entry it holds. */
struct queue {
	struct store_iter it;
	int64_t at;
	uint64_t id;
	int live;
};

static void
queue_next(struct queue *q, int64_t until)
{
	const uint8_t *key;
	size_t klen;
	q->live = 0;
	while (store_iter_next(&q->it, &key, &klen)) {
		if (klen != 24) {
			continue;
		}
		q->at = store_time_of(store_u64(key + 8));
		q->id = store_u64(key + 16);
		q->live = q->at <= until;
		return;
	}
}

crm_status
queues_merge(struct req_ctx *ctx, enum store_db db, const uint64_t *owners,
    size_t n, uint64_t mask, int64_t from, int64_t until, queues_take take,
    void *arg)
{
	struct queue *q = crm_xcalloc(n ? n : 1, sizeof(*q));
	size_t opened = 0;
	crm_status rc = CRM_OK;
	store_key start;
	store_key_id(&start, store_time_key(from));
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		store_key p;
		store_key_id(&p, owners[i] | mask);
		rc = store_iter_open(ctx->st, ctx->txn, db, p.b, 8,
		    from == INT64_MIN ? NULL : &start, &q[i].it);
		if (rc == CRM_OK) {
			opened++;
			queue_next(&q[i], until);
		}
	}
	int full = 0;
	while (rc == CRM_OK && !full) {
		struct queue *best = NULL;
		for (size_t i = 0; i < opened; i++) {
			if (q[i].live &&
			    (best == NULL || q[i].at < best->at ||
			        (q[i].at == best->at && q[i].id < best->id))) {
				best = &q[i];
			}
		}
		if (best == NULL) {
			break;
		}
		rc = take(ctx, &best->it, best->id, best->at, arg, &full);
		queue_next(best, until);
	}
	for (size_t i = 0; i < opened; i++) {
		store_iter_close(&q[i].it);
	}
	free(q);
	return rc;
}
