/* SPDX-License-Identifier: MIT */
/*
 * changes.c: the change log (record API) and the `changes` request
 * (handler) that lets a service follow what changed after a cursor.
 *
 * Layout (store.h): changes holds seq (8 bytes big-endian, from the
 * "change" sequence) -> kind byte || record id. Each record's latest seq
 * is kept beside its customer, where its write already is: a
 * customer's in change_cust (customer id -> seq), a contact's,
 * follow-up's or task's as the value of its entry in its customer's list
 * (contact_cust, fu_cust, task_cust: customer id || record id -> seq,
 * since schema 20; issue 19). change_rec (kind byte || record id -> seq)
 * holds it for records not written since then: a list entry with no
 * value sends the reader there. A record that changes again leaves its
 * older entry in changes where it is (deleting it would copy a page deep
 * in the log on every write); readers skip an entry that is not its
 * record's latest, so each record is listed once. Entries are written in
 * the transaction of the change, so a reader that sees seq N has seen
 * every committed change below N. Visibility is checked when the log is
 * read, against the customer as it is then.
 */
#include "changes.h"

#include <inttypes.h>
#include <string.h>

#include "auth.h"
#include "crm.h"
#include "handlers.h"
#include "schema.h"
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

/* Where the record's latest seq is kept: its key in *k, the database. */
static enum store_db
latest_key(const uint8_t rk[REC_KEY_LEN], store_key *k)
{
	if (rk[0] == CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER) {
		memcpy(k->b, rk + 1, 8);
		k->len = 8;
		return DB_CHANGE_CUST;
	}
	memcpy(k->b, rk, REC_KEY_LEN);
	k->len = REC_KEY_LEN;
	return DB_CHANGE_REC;
}

crm_status
changes_split_customers(struct req_ctx *ctx)
{
	uint8_t kind = CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER;
	for (;;) {
		/* A fresh walk each turn: the entry it found is gone. */
		struct store_iter it;
		crm_status rc = store_iter_open(
		    ctx->st, ctx->txn, DB_CHANGE_REC, &kind, 1, NULL, &it);
		if (rc != CRM_OK) {
			return rc;
		}
		const uint8_t *key;
		const void *v;
		size_t klen, vlen;
		uint8_t rk[REC_KEY_LEN], seq[8];
		int found = store_iter_next(&it, &key, &klen) &&
		            klen == REC_KEY_LEN &&
		            store_iter_data(&it, &v, &vlen) && vlen == 8;
		if (found) {
			memcpy(rk, key, REC_KEY_LEN);
			memcpy(seq, v, 8);
		}
		store_iter_close(&it);
		if (!found) {
			return CRM_OK;
		}
		store_key ok, nk;
		memcpy(ok.b, rk, REC_KEY_LEN);
		ok.len = REC_KEY_LEN;
		latest_key(rk, &nk);
		rc = store_del(ctx->st, ctx->txn, DB_CHANGE_REC, &ok);
		if (rc == CRM_OK) {
			rc = store_put(ctx->st, ctx->txn, DB_CHANGE_CUST, nk.b,
			    nk.len, seq, 8);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
}

crm_status
changes_record(struct req_ctx *ctx, Crm__V1__ChangeKind kind, uint64_t id,
    uint64_t customer_id)
{
	const struct schema_record *r = schema_by_change((int)kind);
	int of_customer = kind == CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER;
	if (r == NULL || id == 0 || customer_id == 0 ||
	    (!of_customer && r->by_customer == DB_COUNT) ||
	    (of_customer && customer_id != id)) {
		return CRM_EINVAL;
	}
	uint8_t rk[REC_KEY_LEN];
	rec_key(rk, kind, id);
	uint64_t seq;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "change", &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	store_key sk, lk;
	store_key_id(&sk, seq);
	rc = store_put(ctx->st, ctx->txn, DB_CHANGES, sk.b, 8, rk, sizeof(rk));
	if (rc != CRM_OK) {
		return rc;
	}
	if (of_customer) {
		store_key_id(&lk, id);
		return store_put(
		    ctx->st, ctx->txn, DB_CHANGE_CUST, lk.b, lk.len, sk.b, 8);
	}
	store_key_pair(&lk, customer_id, id);
	return store_put(
	    ctx->st, ctx->txn, r->by_customer, lk.b, lk.len, sk.b, 8);
}

/* The latest seq of record id of type r (its change kind: kind), whose
 * customer is customer_id, in *seq; 0 when it has none (gone, or its list
 * entry is missing). */
static crm_status
latest_seq(struct req_ctx *ctx, const struct schema_record *r,
    Crm__V1__ChangeKind kind, uint64_t id, uint64_t customer_id, uint64_t *seq)
{
	*seq = 0;
	store_key k;
	enum store_db db = DB_CHANGE_CUST;
	if (kind == CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER) {
		store_key_id(&k, id);
	} else {
		store_key_pair(&k, customer_id, id);
		db = r->by_customer;
	}
	store_val v;
	crm_status rc = store_get(ctx->st, ctx->txn, db, k.b, k.len, &v);
	if (rc == CRM_OK && v.len == 0 && db != DB_CHANGE_CUST) {
		/* Not written since schema 19. */
		uint8_t rk[REC_KEY_LEN];
		rec_key(rk, kind, id);
		rc = store_get(
		    ctx->st, ctx->txn, DB_CHANGE_REC, rk, sizeof(rk), &v);
	}
	if (rc == CRM_OK && v.len == 8) {
		*seq = store_u64(v.data);
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

crm_status
changes_last_seq(store *st, MDB_txn *txn, uint64_t *seq)
{
	*seq = 0;
	store_cursor *cur;
	crm_status rc = store_cursor_open(st, txn, DB_CHANGES, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	store_val k;
	rc = store_cursor_get(cur, STORE_LAST, &k, NULL);
	if (rc == CRM_OK && k.len == 8) {
		*seq = store_u64(k.data);
	}
	store_cursor_close(cur);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
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

/* The uint64 field `name` of m (0 when it has none). */
static uint64_t
field_u64(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, name);
	return f != NULL && f->type == PROTOBUF_C_TYPE_UINT64
	           ? *(const uint64_t *)(const void *)((const char *)m +
	                                               f->offset)
	           : 0;
}

/*
 * Whether entry seq, of record id of kind, is listed for ctx->who: it is
 * the record's latest, and ctx->who may see the record: its customer
 * visible (auth_can_see, as every request), or for a task also its owner
 * (as task_get). Records that are gone are not listed. -1: the walk
 * stops (damage, named in ctx->msg; or a store error in *rc).
 */
static int
entry_listed(struct req_ctx *ctx, uint64_t seq, Crm__V1__ChangeKind kind,
    uint64_t id, uint64_t *customer_id /* OUT */, crm_status *rc)
{
	*customer_id = 0;
	/* The record type of this kind (schema.def). */
	const struct schema_record *r = schema_by_change((int)kind);
	if (r == NULL) {
		return 0;
	}
	ProtobufCMessage *m = NULL;
	if (r->db == DB_CUSTOMERS) {
		*customer_id = id;
	} else {
		m = load(ctx, r->db, id, r->d);
		if (m == NULL) {
			return ctx->msg[0] != '\0' ? -1 : 0;
		}
		*customer_id = field_u64(m, "customer_id");
	}
	uint64_t latest;
	*rc = latest_seq(ctx, r, kind, id, *customer_id, &latest);
	int mine = m != NULL && kind == CRM__V1__CHANGE_KIND__CHANGE_TASK &&
	           field_u64(m, "owner_id") == ctx->who->user_id;
	if (m != NULL) {
		protobuf_c_message_free_unpacked(m, NULL);
	}
	if (*rc != CRM_OK) {
		return -1;
	}
	/* An older entry of a record that changed again: listed at its
	 * latest seq instead. */
	if (latest != seq) {
		return 0;
	}
	if (customer_seen(ctx, *customer_id)) {
		return 1;
	}
	if (ctx->msg[0] != '\0') {
		return -1;
	}
	/* The caller's own task on a customer they may not see: listed
	 * without the customer, as every list's row of work on a hidden
	 * customer (customer_shown). */
	if (mine) {
		*customer_id = 0;
		return 1;
	}
	return 0;
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

	store_cursor *cur;
	crm_status mrc =
	    store_cursor_open(ctx->st, ctx->txn, DB_CHANGES, &cur);
	if (mrc != CRM_OK) {
		return mrc;
	}
	/* A cursor beyond the newest entry (an old cursor against a restored
	 * backup, a made-up number) would wait for ever: refuse it, naming
	 * the newest cursor. */
	store_val lk;
	uint64_t newest = 0;
	mrc = store_cursor_get(cur, STORE_LAST, &lk, NULL);
	if (mrc == CRM_OK && lk.len == 8) {
		newest = store_u64(lk.data);
	} else if (mrc != CRM_OK && mrc != CRM_NOT_FOUND) {
		store_cursor_close(cur);
		return mrc;
	}
	if (since > newest) {
		store_cursor_close(cur);
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
	store_val k = { from.b, 8 }, d;
	unsigned scanned = 0;
	if (since == UINT64_MAX) {
		mrc = CRM_NOT_FOUND;
	} else {
		mrc = store_cursor_get(cur, STORE_SEEK, &k, &d);
	}
	for (; mrc == CRM_OK;
	     mrc = store_cursor_get(cur, STORE_NEXT, &k, &d)) {
		if (out->n_changes == limit || scanned == SCAN_BUDGET) {
			out->more = 1; /* stopped at an entry not yet seen */
			break;
		}
		scanned++;
		if (k.len != 8 || d.len != REC_KEY_LEN) {
			rc = CRM_INTERNAL;
			break;
		}
		uint64_t seq = store_u64(k.data);
		const uint8_t *rk = d.data;
		Crm__V1__ChangeKind kind = (Crm__V1__ChangeKind)rk[0];
		uint64_t id = store_u64(rk + 1), cust;
		/* The cursor passes unlisted entries too, so a caller who
		 * sees little does not walk the same entries again. */
		int listed = entry_listed(ctx, seq, kind, id, &cust, &rc);
		if (listed < 0) {
			if (rc == CRM_OK) {
				rc = CRM_INTERNAL; /* damage: named, not hidden
				                    */
			}
			break;
		}
		if (listed == 0) {
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
		c->has_seq = c->has_kind = c->has_id = 1;
		c->has_customer_id = cust != 0;
		c->seq = seq;
		c->kind = kind;
		c->id = id;
		c->customer_id = cust;
		v[out->n_changes++] = c;
	}
	if (rc == CRM_OK && mrc != CRM_OK && mrc != CRM_NOT_FOUND) {
		rc = mrc;
	}
	store_cursor_close(cur);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CHANGES;
	resp->changes = out;
	return CRM_OK;
}
