/* SPDX-License-Identifier: MIT */
/*
 * writer.c: the single writer thread: a bounded queue, group commit,
 * idempotent replies, map growth. A write is acknowledged only after
 * mdb_txn_commit returned 0 (the data is synced: default LMDB flags).
 */
#include "writer.h"

#include <nanomsg/nn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"
#include "records.pb-c.h"
#include "store_schema.h"

#define WRITER_ARENA (4u * 1024u * 1024u)
#define GROW_RETRIES 8

struct item {
	struct transport_msg m;
	struct auth_who who;
	int has_who;
	struct dispatch_prep prep;
	void *reply;
	size_t reply_len;
	int changed;
};

struct writer {
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
	unsigned long long commits, mutations, replays;
};

static void
idem_key(store_key *k, const struct item *it, const ProtobufCBinaryData *id)
{
	store_key_id(k, it->has_who ? it->who.user_id : 0);
	memcpy(k->b + 8, id->data, id->len);
	k->len = 8 + id->len;
}

/* The stored reply of an applied request, or CRM_NOT_FOUND. */
static crm_status
idem_lookup(writer *w, MDB_txn *txn, const store_key *k, struct item *it)
{
	Crm__Store__IdemRecord *rec;
	crm_status rc = store_get_msg(w->st, txn, DB_IDEM, k,
	    &crm__store__idem_record__descriptor, &w->arena.allocator,
	    (ProtobufCMessage **)&rec);
	if (rc != CRM_OK) {
		return rc;
	}
	void *buf = nn_allocmsg(rec->reply.len ? rec->reply.len : 1, 0);
	if (buf == NULL) {
		return CRM_INTERNAL;
	}
	memcpy(buf, rec->reply.data, rec->reply.len);
	it->reply = buf;
	it->reply_len = rec->reply.len;
	return CRM_OK;
}

/* Apply one mutation in a nested transaction of parent; set it->reply. */
static void
apply(writer *w, MDB_txn *parent, struct item *it)
{
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = w->st;
	ctx.cfg = w->cfg;
	ctx.arena = &w->arena;
	ctx.now = clock_now();
	ctx.prep = it->prep;
	if (it->has_who) {
		ctx.who_buf = it->who;
		ctx.who = &ctx.who_buf;
	}
	crm_arena_reset(&w->arena);
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	Crm__V1__Request *req = NULL;
	const struct dispatch_row *row = NULL;
	store_key k;
	MDB_txn *child = NULL;
	void *buf = NULL;
	size_t len = 0;

	/* Checked by the worker already; decoding again is cheaper than
	 * carrying the worker's arena across threads. */
	crm_status rc =
	    crm_wire_unpack_request(&w->arena, it->m.body, it->m.len, &req);
	if (rc == CRM_OK) {
		row = dispatch_row(req->body_case);
		rc = row != NULL ? CRM_OK : CRM_INTERNAL;
	}
	if (rc != CRM_OK) {
		goto reply;
	}
	ctx.action = row->name;
	ctx.request_id = req->request_id;
	int idem = !(row->flags & REQ_NO_IDEM);
	if (idem) {
		idem_key(&k, it, &req->request_id);
		ctx.txn = parent;
		rc = idem_lookup(w, parent, &k, it);
		if (rc == CRM_OK) {
			w->replays++;
			return; /* applied before: the same reply again */
		}
		if (rc != CRM_NOT_FOUND) {
			goto reply;
		}
	}
	int mrc = mdb_txn_begin(w->st->env, parent, 0, &child);
	if (mrc != 0) {
		rc = store_map_lmdb(mrc, "nested begin");
		goto reply;
	}
	ctx.txn = child;
	rc = row->handler(&ctx, req, &resp);
	if (rc != CRM_OK) {
		mdb_txn_abort(child);
		goto reply;
	}
	rc = dispatch_pack(&ctx, req, &resp, CRM_OK, &buf, &len);
	if (rc == CRM_OK && idem) {
		Crm__Store__IdemRecord rec = CRM__STORE__IDEM_RECORD__INIT;
		rec.has_at = rec.has_reply = 1;
		rec.at = ctx.now;
		rec.reply.data = buf;
		rec.reply.len = len;
		rc = store_put_msg(w->st, child, DB_IDEM, &k, &rec.base);
	}
	if (rc != CRM_OK) {
		mdb_txn_abort(child);
		if (buf != NULL) {
			nn_freemsg(buf);
		}
		ctx.msg[0] = '\0';
		goto reply;
	}
	mrc = mdb_txn_commit(child);
	if (mrc != 0) {
		nn_freemsg(buf);
		rc = store_map_lmdb(mrc, "nested commit");
		goto reply;
	}
	it->reply = buf;
	it->reply_len = len;
	it->changed = ctx.changed;
	w->mutations++;
	return;
reply:
	resp.body_case = CRM__V1__RESPONSE__BODY__NOT_SET;
	if (dispatch_pack(&ctx, req, &resp, rc, &buf, &len) == CRM_OK) {
		it->reply = buf;
		it->reply_len = len;
	}
}

/* Replace every reply of the batch by an error (nothing was applied). */
static void
fail_batch(struct item *batch, size_t n, crm_status code, const char *msg)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &batch[i];
		if (it->reply != NULL) {
			nn_freemsg(it->reply);
			it->reply = NULL;
		}
		it->changed = 0;
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

static void
run_batch(writer *w, struct item *batch, size_t n)
{
	crm_status rc = CRM_INTERNAL;
	for (int attempt = 0; attempt <= GROW_RETRIES; attempt++) {
		MDB_txn *txn;
		store_map_full = 0;
		rc = store_write_begin(w->st, &txn);
		if (rc != CRM_OK) {
			break;
		}
		for (size_t i = 0; i < n && !store_map_full; i++) {
			apply(w, txn, &batch[i]);
		}
		if (store_map_full) {
			store_write_abort(w->st, txn);
		} else {
			clock_test_delay();
			rc = store_write_commit(w->st, txn);
			if (!store_map_full) {
				break;
			}
		}
		/* The map is full: nothing of the batch was applied. Grow
		 * and apply it again. */
		fail_batch(batch, n, CRM_OK, NULL);
		rc = CRM_TOO_BIG;
		if (store_grow(w->st) != CRM_OK) {
			break;
		}
	}
	if (rc == CRM_TOO_BIG) {
		fail_batch(batch, n, CRM_TOO_BIG,
		    "storage full: nothing was written; retry later");
	} else if (rc != CRM_OK) {
		fail_batch(batch, n, CRM_UNAVAILABLE,
		    "write failed: nothing was written; retry");
	}
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		struct item *it = &batch[i];
		changed |= it->changed;
		if (it->reply != NULL) {
			transport_reply(
			    w->sock, &it->m, it->reply, it->reply_len);
		} else {
			transport_drop(&it->m);
		}
	}
	if (rc == CRM_OK) {
		w->commits++;
		if (changed) {
			transport_poke(w->pub, w->commits);
		}
	}
}

static void *
writer_main(void *arg)
{
	writer *w = arg;
	size_t max = (size_t)w->cfg->batch_max;
	struct item *batch = crm_xcalloc(max, sizeof(*batch));
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->count == 0 && !w->stopping) {
			pthread_cond_wait(&w->cond, &w->lock);
		}
		if (w->count == 0) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		size_t n = 0;
		while (w->count > 0 && n < max) {
			batch[n++] = w->ring[w->head];
			w->head = (w->head + 1) % w->cap;
			w->count--;
		}
		pthread_mutex_unlock(&w->lock);
		run_batch(w, batch, n);
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
	pthread_cond_init(&w->cond, NULL);
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
	         "replies",
	    w->commits, w->mutations, w->replays);
	crm_arena_fini(&w->arena);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->ring);
	free(w);
}
