/* SPDX-License-Identifier: MIT */
/*
 * card.c: the customer card. Everything comes from the customer's own
 * indexes (customer id || record id), walked newest first, so the card
 * costs a few seeks and at most CARD_SCAN small records per list however
 * many customers the store holds.
 */
#include "card.h"

#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "followup.h"
#include "store.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

/* Walk index db (customer || record id) newest first: each call yields
 * the next record id; 0 at the end. */
struct rwalk {
	store_cursor *cur;
	uint64_t customer;
	int started;
};

static crm_status
rwalk_open(
    struct req_ctx *ctx, enum store_db db, uint64_t customer, struct rwalk *w)
{
	w->customer = customer;
	w->started = 0;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, db, &w->cur);
	if (rc == CRM_OK) {
		store_cursor_limit(w->cur, customer);
	}
	return rc;
}

static crm_status
rwalk_next(struct rwalk *w, uint64_t *id)
{
	store_val k;
	crm_status rc;
	*id = 0;
	if (!w->started) {
		store_key sk;
		w->started = 1;
		store_key_pair(&sk, w->customer + 1, 0);
		k.data = sk.b;
		k.len = 16;
		rc = store_cursor_get(w->cur, STORE_BEFORE, &k, NULL);
	} else {
		rc = store_cursor_get(w->cur, STORE_PREV, &k, NULL);
	}
	if (rc == CRM_NOT_FOUND) {
		return CRM_OK;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (k.len < 16 || store_u64(k.data) != w->customer) {
		return CRM_OK;
	}
	*id = store_u64((const uint8_t *)k.data + 8);
	return CRM_OK;
}

/* A list being gathered: every match of the scan, sorted, then cut. */
struct gather {
	void **v;
	int64_t *key;
	size_t n, cap;
};

static int
gather_add(struct req_ctx *ctx, struct gather *g, void *m, int64_t key)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		void **v = crm_arena_alloc(ctx->arena, cap * sizeof(*v));
		int64_t *k = crm_arena_alloc(ctx->arena, cap * sizeof(*k));
		if (v == NULL || k == NULL) {
			return 0;
		}
		if (g->n) {
			memcpy(v, g->v, g->n * sizeof(*v));
			memcpy(k, g->key, g->n * sizeof(*k));
		}
		g->v = v;
		g->key = k;
		g->cap = cap;
	}
	g->v[g->n] = m;
	g->key[g->n++] = key;
	return 1;
}

/* Soonest first (insertion sort: at most CARD_SCAN entries), keep max. */
static void
gather_sort(struct gather *g)
{
	for (size_t i = 1; i < g->n; i++) {
		void *v = g->v[i];
		int64_t k = g->key[i];
		size_t j = i;
		for (; j > 0 && g->key[j - 1] > k; j--) {
			g->v[j] = g->v[j - 1];
			g->key[j] = g->key[j - 1];
		}
		g->v[j] = v;
		g->key[j] = k;
	}
}

typedef int (*keep_fn)(
    struct req_ctx *ctx, ProtobufCMessage *m, uint64_t skip, int64_t *key);

static int
keep_task(
    struct req_ctx *ctx, ProtobufCMessage *m, uint64_t skip, int64_t *key)
{
	Crm__V1__Task *t = (Crm__V1__Task *)m;
	if (t->status != CRM__V1__TASK_STATUS__TASK_OPEN || t->id == skip) {
		return 0;
	}
	task_fill(ctx, t);
	*key = t->due_at;
	return 1;
}

static int
keep_commitment(
    struct req_ctx *ctx, ProtobufCMessage *m, uint64_t skip, int64_t *key)
{
	Crm__V1__Commitment *c = (Crm__V1__Commitment *)m;
	(void)skip;
	if (c->status != CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN) {
		return 0;
	}
	c->owner = (char *)user_login_of(ctx, c->owner_id);
	if (c->due_at < ctx->now) { /* open past due: broken (derived) */
		c->status = CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN;
	}
	*key = c->due_at;
	return 1;
}

static int
keep_clock(
    struct req_ctx *ctx, ProtobufCMessage *m, uint64_t skip, int64_t *key)
{
	Crm__V1__SlaClock *k = (Crm__V1__SlaClock *)m;
	(void)skip;
	if (k->has_stopped_at && k->stopped_at > 0) {
		return 0;
	}
	k->owner = (char *)user_login_of(ctx, k->owner_id);
	if (k->has_escalated_to_id && k->escalated_to_id != 0) {
		k->escalated_to =
		    (char *)user_login_of(ctx, k->escalated_to_id);
	}
	k->has_breached = 1;
	if (k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
		/* An open issue has no deadline: never breached, oldest first.
		 */
		k->breached = 0;
		*key = k->started_at;
		return 1;
	}
	k->breached = ctx->now > k->deadline_at;
	*key = k->deadline_at;
	return 1;
}

/* One list: the matches among the customer's latest CARD_SCAN records
 * of index idx (records in db), soonest first, cut to CARD_LIST. */
static crm_status
card_list(struct req_ctx *ctx, uint64_t customer, enum store_db idx,
    enum store_db db, const ProtobufCMessageDescriptor *d, keep_fn keep,
    uint64_t skip, void ***out, size_t *n, uint32_t *total)
{
	struct rwalk w;
	struct gather g = { NULL, NULL, 0, 0 };
	crm_status rc = rwalk_open(ctx, idx, customer, &w);
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t scanned = 0; scanned < CARD_SCAN; scanned++) {
		uint64_t id;
		rc = rwalk_next(&w, &id);
		if (rc != CRM_OK || id == 0) {
			break;
		}
		size_t mark = crm_arena_mark(ctx->arena);
		ProtobufCMessage *m;
		rc = dispatch_list_record(ctx, db, id, d, &m);
		if (rc != CRM_OK) {
			break;
		}
		int64_t key = 0;
		if (!keep(ctx, m, skip, &key)) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		if (!gather_add(ctx, &g, m, key)) {
			rc = CRM_TOO_BIG;
			break;
		}
	}
	store_cursor_close(w.cur);
	if (rc != CRM_OK) {
		return rc;
	}
	gather_sort(&g);
	*total = (uint32_t)g.n;
	*n = g.n < CARD_LIST ? g.n : CARD_LIST;
	*out = g.v;
	return CRM_OK;
}

/* The latest follow-up: the last entry of the customer's timeline index
 * of follow-ups (customer || time || id). */
static crm_status
last_followup(struct req_ctx *ctx, uint64_t customer, Crm__V1__FollowUp **f)
{
	store_cursor *cur;
	*f = NULL;
	crm_status rc =
	    store_cursor_open(ctx->st, ctx->txn, DB_FU_CUST_TIME, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	store_cursor_limit(cur, customer);
	store_key sk;
	store_key_id(&sk, customer + 1);
	store_val k = { sk.b, 8 };
	rc = store_cursor_get(cur, STORE_BEFORE, &k, NULL);
	uint64_t id = 0;
	if (rc == CRM_OK && k.len == 24 && store_u64(k.data) == customer) {
		id = store_u64((const uint8_t *)k.data + 16);
	}
	store_cursor_close(cur);
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		return rc;
	}
	if (id == 0) {
		return CRM_OK;
	}
	crm_status cs = dispatch_record(ctx, DB_FOLLOWUPS, id,
	    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)f);
	/* As it stands now (its commitments kept or broken since), as
	 * followup show has it. */
	return cs == CRM_OK ? followup_fill_now(ctx, *f) : cs;
}

crm_status
card_fill(struct req_ctx *ctx, uint64_t id, Crm__V1__CustomerReply *out)
{
	crm_status rc = last_followup(ctx, id, &out->last_followup);
	uint64_t next = 0;
	if (rc == CRM_OK) {
		store_key k;
		store_key_id(&k, id);
		if (store_get_ref(ctx->st, ctx->txn, DB_CUST_FUTASK, &k,
		        &next) == CRM_OK) {
			rc = dispatch_record(ctx, DB_TASKS, next,
			    &crm__v1__task__descriptor,
			    (ProtobufCMessage **)&out->next_followup);
			if (rc == CRM_OK) {
				task_fill(ctx, out->next_followup);
			}
		}
	}
	void **v = NULL;
	if (rc == CRM_OK) {
		rc = card_list(ctx, id, DB_TASK_CUST, DB_TASKS,
		    &crm__v1__task__descriptor, keep_task, next, &v,
		    &out->n_open_tasks, &out->open_tasks_total);
		out->open_tasks = (Crm__V1__Task **)v;
		out->has_open_tasks_total = 1;
	}
	if (rc == CRM_OK) {
		rc = card_list(ctx, id, DB_COMMIT_CUST, DB_COMMITMENTS,
		    &crm__v1__commitment__descriptor, keep_commitment, 0, &v,
		    &out->n_open_commitments, &out->open_commitments_total);
		out->open_commitments = (Crm__V1__Commitment **)v;
		out->has_open_commitments_total = 1;
	}
	if (rc == CRM_OK) {
		rc = card_list(ctx, id, DB_SLA_CUST, DB_SLA,
		    &crm__v1__sla_clock__descriptor, keep_clock, 0, &v,
		    &out->n_running_clocks, &out->running_clocks_total);
		out->running_clocks = (Crm__V1__SlaClock **)v;
		out->has_running_clocks_total = 1;
	}
	return rc;
}
