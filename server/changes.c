/* SPDX-License-Identifier: MIT */
/*
 * changes.c: the change log (record API) and the `changes` request
 * (handler) that lets a service follow what changed after a cursor.
 *
 * Layout (store.h): changes holds seq (8 bytes big-endian, from the
 * "change" sequence) -> kind byte || record id; change_rec holds kind
 * byte || record id -> seq, so a record that changes again loses its old
 * entry and the log stays as large as the number of records. Entries are
 * written in the transaction of the change, so a reader that sees seq N
 * has seen every committed change below N. Visibility is checked when
 * the log is read, against the customer as it is then.
 */
#include "changes.h"

#include <inttypes.h>
#include <string.h>

#include "auth.h"
#include "crm.h"
#include "handlers.h"
#include "store_schema.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX     CRM_CHANGES_LIMIT_MAX
/* Entries examined per request, visible or not: a caller who may see
 * little of a large log still gets an answer soon (with more set). */
#define SCAN_BUDGET 5000
#define REC_KEY_LEN 9

/* ---------------------------------------------------- record API */

static void
rec_key(uint8_t k[REC_KEY_LEN], Crm__V1__ChangeKind kind, uint64_t id)
{
	store_key ik;
	store_key_id(&ik, id);
	k[0] = (uint8_t)kind;
	memcpy(k + 1, ik.b, 8);
}

crm_status
changes_record(struct req_ctx *ctx, Crm__V1__ChangeKind kind, uint64_t id)
{
	if (kind < CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER ||
	    kind > CRM__V1__CHANGE_KIND__CHANGE_TASK || id == 0) {
		return CRM_EINVAL;
	}
	MDB_dbi log = ctx->st->dbi[DB_CHANGES];
	MDB_dbi recs = ctx->st->dbi[DB_CHANGE_REC];
	uint8_t rk[REC_KEY_LEN];
	rec_key(rk, kind, id);
	MDB_val key = { sizeof(rk), rk }, v;
	int mrc = mdb_get(ctx->txn, recs, &key, &v);
	if (mrc == 0 && v.mv_size == 8) {
		/* The record's older entry goes: one entry per record. */
		uint8_t old[8];
		memcpy(old, v.mv_data, 8);
		MDB_val ok = { 8, old };
		mrc = mdb_del(ctx->txn, log, &ok, NULL);
		if (mrc != 0 && mrc != MDB_NOTFOUND) {
			return store_map_lmdb(mrc, "changes");
		}
	} else if (mrc != 0 && mrc != MDB_NOTFOUND) {
		return store_map_lmdb(mrc, "change_rec");
	}
	uint64_t seq;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "change", &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	store_key sk;
	store_key_id(&sk, seq);
	MDB_val lk = { 8, sk.b }, lv = { sizeof(rk), rk };
	mrc = mdb_put(ctx->txn, log, &lk, &lv, 0);
	if (mrc == 0) {
		MDB_val sv = { 8, sk.b };
		mrc = mdb_put(ctx->txn, recs, &key, &sv, 0);
	}
	return store_map_lmdb(mrc, "changes");
}

crm_status
changes_last_seq(store *st, MDB_txn *txn, uint64_t *seq)
{
	*seq = 0;
	MDB_cursor *cur;
	int mrc = mdb_cursor_open(txn, st->dbi[DB_CHANGES], &cur);
	if (mrc != 0) {
		return store_map_lmdb(mrc, "changes cursor");
	}
	MDB_val k, d;
	mrc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
	if (mrc == 0 && k.mv_size == 8) {
		*seq = store_u64(k.mv_data);
	}
	mdb_cursor_close(cur);
	return mrc == 0 || mrc == MDB_NOTFOUND
	           ? CRM_OK
	           : store_map_lmdb(mrc, "changes");
}

/* ---------------------------------------------------- handlers */

/* Load record id of db as d (malloc'd: many records may be examined, and
 * the request arena is bounded). NULL when missing or undecodable; one
 * that does not decode also names itself in ctx->msg, and the walk stops
 * there rather than hide it. */
static ProtobufCMessage *
load(struct req_ctx *ctx, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d)
{
	store_key k;
	ProtobufCMessage *m = NULL;
	store_key_id(&k, id);
	crm_status rc = store_get_msg(ctx->st, ctx->txn, db, &k, d, NULL, &m);
	if (rc == CRM_INTERNAL) {
		dispatch_fail(ctx, rc,
		    "%s %" PRIu64 " does not decode (crm-check reports it)",
		    store_db_name(db), id);
	}
	return rc == CRM_OK ? m : NULL;
}

static int
customer_seen(struct req_ctx *ctx, uint64_t customer_id)
{
	Crm__V1__Customer *c = (Crm__V1__Customer *)load(
	    ctx, DB_CUSTOMERS, customer_id, &crm__v1__customer__descriptor);
	if (c == NULL) {
		return 0;
	}
	int ok = auth_can_see(ctx->who, c->owner_id, c->team_id);
	crm__v1__customer__free_unpacked(c, NULL);
	return ok;
}

/*
 * Whether ctx->who may see record id of kind, and its customer: the
 * customer visible (auth_can_see, as every request), or for a task also
 * its owner (as task_get). Records that are gone are not visible.
 */
static int
entry_visible(struct req_ctx *ctx, Crm__V1__ChangeKind kind, uint64_t id,
    uint64_t *customer_id /* OUT */)
{
	*customer_id = 0;
	switch (kind) {
	case CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER:
		*customer_id = id;
		return customer_seen(ctx, id);
	case CRM__V1__CHANGE_KIND__CHANGE_CONTACT: {
		Crm__V1__Contact *c = (Crm__V1__Contact *)load(
		    ctx, DB_CONTACTS, id, &crm__v1__contact__descriptor);
		if (c == NULL) {
			return 0;
		}
		*customer_id = c->customer_id;
		crm__v1__contact__free_unpacked(c, NULL);
		return customer_seen(ctx, *customer_id);
	}
	case CRM__V1__CHANGE_KIND__CHANGE_FOLLOWUP: {
		Crm__V1__FollowUp *f = (Crm__V1__FollowUp *)load(
		    ctx, DB_FOLLOWUPS, id, &crm__v1__follow_up__descriptor);
		if (f == NULL) {
			return 0;
		}
		*customer_id = f->customer_id;
		crm__v1__follow_up__free_unpacked(f, NULL);
		return customer_seen(ctx, *customer_id);
	}
	case CRM__V1__CHANGE_KIND__CHANGE_TASK: {
		Crm__V1__Task *t = (Crm__V1__Task *)load(
		    ctx, DB_TASKS, id, &crm__v1__task__descriptor);
		if (t == NULL) {
			return 0;
		}
		*customer_id = t->customer_id;
		int mine = t->owner_id == ctx->who->user_id;
		crm__v1__task__free_unpacked(t, NULL);
		return mine || customer_seen(ctx, *customer_id);
	}
	default:
		return 0;
	}
}

crm_status
changes_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__ChangesRequest *r = req->changes;
	uint32_t limit =
	    r->has_limit && r->limit > 0 ? r->limit : LIMIT_DEFAULT;
	if (limit > LIMIT_MAX) {
		limit = LIMIT_MAX;
	}
	uint64_t since = r->has_since ? r->since : 0;
	Crm__V1__ChangesReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__Change **v = crm_arena_alloc(ctx->arena, limit * sizeof(*v));
	if (out == NULL || v == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__changes_reply__init(out);
	out->changes = v;
	out->has_next_since = out->has_more = 1;
	out->next_since = since;

	MDB_cursor *cur;
	int mrc = mdb_cursor_open(ctx->txn, ctx->st->dbi[DB_CHANGES], &cur);
	if (mrc != 0) {
		return store_map_lmdb(mrc, "changes cursor");
	}
	/* A cursor beyond the newest entry (an old cursor against a restored
	 * backup, a made-up number) would wait for ever: refuse it, naming
	 * the newest cursor. */
	MDB_val lk, ld;
	uint64_t newest = 0;
	mrc = mdb_cursor_get(cur, &lk, &ld, MDB_LAST);
	if (mrc == 0 && lk.mv_size == 8) {
		newest = store_u64(lk.mv_data);
	} else if (mrc != 0 && mrc != MDB_NOTFOUND) {
		mdb_cursor_close(cur);
		return store_map_lmdb(mrc, "changes last");
	}
	if (since > newest) {
		mdb_cursor_close(cur);
		return dispatch_fail_field(ctx, CRM_OUT_OF_RANGE,
		    "changes.since",
		    "since %" PRIu64 " is beyond the newest change (%" PRIu64
		    "); the feed was reset or restored: re-fetch what you "
		    "mirror and continue from since %" PRIu64,
		    since, newest, newest);
	}
	crm_status rc = CRM_OK;
	store_key from;
	store_key_id(&from, since + 1);
	MDB_val k = { 8, from.b }, d;
	unsigned scanned = 0;
	if (since == UINT64_MAX) {
		mrc = MDB_NOTFOUND;
	} else {
		mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	}
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (out->n_changes == limit || scanned == SCAN_BUDGET) {
			out->more = 1; /* stopped at an entry not yet seen */
			break;
		}
		scanned++;
		if (k.mv_size != 8 || d.mv_size != REC_KEY_LEN) {
			rc = CRM_INTERNAL;
			break;
		}
		uint64_t seq = store_u64(k.mv_data);
		const uint8_t *rk = d.mv_data;
		Crm__V1__ChangeKind kind = (Crm__V1__ChangeKind)rk[0];
		uint64_t id = store_u64(rk + 1), cust;
		/* The cursor passes invisible entries too, so a caller who
		 * sees little does not walk the same entries again. */
		if (!entry_visible(ctx, kind, id, &cust)) {
			if (ctx->msg[0] != '\0') {
				rc = CRM_INTERNAL; /* damage: named, not hidden
				                    */
				break;
			}
			out->next_since = seq;
			continue;
		}
		out->next_since = seq;
		Crm__V1__Change *c = crm_arena_alloc(ctx->arena, sizeof(*c));
		if (c == NULL) {
			rc = CRM_TOO_BIG;
			break;
		}
		crm__v1__change__init(c);
		c->has_seq = c->has_kind = c->has_id = c->has_customer_id = 1;
		c->seq = seq;
		c->kind = kind;
		c->id = id;
		c->customer_id = cust;
		v[out->n_changes++] = c;
	}
	if (rc == CRM_OK && mrc != 0 && mrc != MDB_NOTFOUND) {
		rc = store_map_lmdb(mrc, "changes walk");
	}
	mdb_cursor_close(cur);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CHANGES;
	resp->changes = out;
	return CRM_OK;
}
