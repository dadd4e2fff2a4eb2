/* SPDX-License-Identifier: MIT */
/*
 * store_cursor.c: raw access to the databases for the rest of the server:
 * get, put, drop and count by database and key, and cursors both ways.
 * Thin wrappers over LMDB (no copies: values point into the map), so
 * that no other file calls LMDB.
 */
#include "store_impl.h"
#include "store_schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

crm_status
store_get(store *s, MDB_txn *txn, enum store_db db, const void *key,
    size_t klen, store_val *v)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val k, d;
	if (store_phys_exact(s, db, key, klen, buf, &k) != 0) {
		return CRM_NOT_FOUND;
	}
	if (store_deferred(s, db)) {
		return store_defer_refuse(s, db);
	}
	int rc = mdb_get(txn, s->dbi[db], &k, &d);
	if (rc != 0) {
		return store_map_lmdb(rc, store_db_name(db));
	}
	v->data = d.mv_data;
	v->len = d.mv_size;
	return CRM_OK;
}

int
store_has(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k, store_val *v)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val key, d;
	if (store_deferred(s, db)) {
		store_defer_refuse(s, db);
		return 0;
	}
	if (store_phys_exact(s, db, k->b, k->len, buf, &key) != 0 ||
	    mdb_get(txn, s->dbi[db], &key, &d) != 0) {
		return 0;
	}
	if (v != NULL) {
		v->data = d.mv_data;
		v->len = d.mv_size;
	}
	return 1;
}

crm_status
store_put(store *s, MDB_txn *txn, enum store_db db, const void *key,
    size_t klen, const void *data, size_t len)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val k, d = { len, (void *)data };
	if (store_phys_exact(s, db, key, klen, buf, &k) != 0) {
		return CRM_INTERNAL;
	}
	if (store_deferred(s, db)) {
		return store_defer_write(s, db, &k, data, len, 0);
	}
	store_writes++;
	STORE_TRACE(s, db, &k);
	return store_map_lmdb(
	    mdb_put(txn, s->dbi[db], &k, &d, 0), store_db_name(db));
}

crm_status
store_drop(store *s, MDB_txn *txn, enum store_db db)
{
	if (store_deferred(s, db)) {
		return store_defer_refuse(s, db);
	}
	if (store_place_of(s, db)->tree == STORE_TREE_OWN) {
		store_writes++;
		return store_map_lmdb(
		    mdb_drop(txn, s->dbi[db], 0), store_db_name(db));
	}
	/* One range (or one per customer) of the shared tree: delete each
	 * entry; after a delete, the next move yields the entry after it. */
	store_cursor *c;
	crm_status rc = store_cursor_open(s, txn, db, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	rc = store_cursor_get(c, STORE_FIRST, NULL, NULL);
	while (rc == CRM_OK) {
		rc = store_cursor_del(c);
		if (rc == CRM_OK) {
			rc = store_cursor_get(c, STORE_NEXT, NULL, NULL);
		}
	}
	store_cursor_close(c);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

uint64_t
store_entries(store *s, MDB_txn *txn, enum store_db db)
{
	if (store_deferred(s, db)) {
		store_defer_refuse(s, db);
		return 0;
	}
	if (store_place_of(s, db)->tree == STORE_TREE_OWN) {
		MDB_stat st;
		return mdb_stat(txn, s->dbi[db], &st) == 0 ? st.ms_entries : 0;
	}
	/* A shared tree holds no count per database: walk it. */
	uint64_t n = 0;
	store_cursor *c;
	if (store_cursor_open(s, txn, db, &c) != CRM_OK) {
		return 0;
	}
	for (crm_status rc = store_cursor_get(c, STORE_FIRST, NULL, NULL);
	     rc == CRM_OK; rc = store_cursor_get(c, STORE_NEXT, NULL, NULL)) {
		n++;
	}
	store_cursor_close(c);
	return n;
}

int
store_empty(store *s, MDB_txn *txn, enum store_db db)
{
	store_cursor *c;
	if (store_cursor_open(s, txn, db, &c) != CRM_OK) {
		return 1;
	}
	int empty = store_cursor_get(c, STORE_FIRST, NULL, NULL) != CRM_OK;
	store_cursor_close(c);
	return empty;
}

uint64_t
store_seq_peek(store *s, MDB_txn *txn, const char *seq)
{
	char name[64];
	int n = snprintf(name, sizeof(name), "seq:%s", seq);
	store_val v = { NULL, 0 };
	if (n > 0 && (size_t)n < sizeof(name) &&
	    store_get(s, txn, DB_META, name, (size_t)n, &v) == CRM_OK &&
	    v.len == 8) {
		return store_u64(v.data);
	}
	return 1;
}

crm_status
store_cursor_open(store *s, MDB_txn *txn, enum store_db db, store_cursor **c)
{
	*c = NULL;
	if (store_deferred(s, db)) {
		return store_defer_refuse(s, db);
	}
	struct store_cursor *cur = malloc(sizeof(*cur));
	if (cur == NULL) {
		return CRM_INTERNAL;
	}
	cur->s = s;
	cur->db = db;
	cur->placed = 0;
	cur->limited = 0;
	cur->zone = 0;
	int rc = mdb_cursor_open(txn, s->dbi[db], &cur->mc);
	if (rc != 0) {
		free(cur);
		return store_map_lmdb(rc, "cursor");
	}
	*c = cur;
	return CRM_OK;
}

/* A move in a database of its own: LMDB's move as it is. */
static int
move_own(store_cursor *c, enum store_op op, const store_val *in, MDB_val *key,
    MDB_val *d)
{
	static const MDB_cursor_op ops[] = {
		[STORE_FIRST] = MDB_FIRST,
		[STORE_LAST] = MDB_LAST,
		[STORE_NEXT] = MDB_NEXT,
		[STORE_PREV] = MDB_PREV,
		[STORE_SEEK] = MDB_SET_RANGE,
		[STORE_BEFORE] = MDB_SET_RANGE,
		[STORE_CURRENT] = MDB_GET_CURRENT,
	};
	if (op == STORE_SEEK || op == STORE_BEFORE) {
		key->mv_size = in->len;
		key->mv_data = (void *)in->data;
	}
	int rc = mdb_cursor_get(c->mc, key, d, ops[op]);
	if (op == STORE_BEFORE) {
		rc = rc == 0 ? mdb_cursor_get(c->mc, key, d, MDB_PREV)
		     : rc == MDB_NOTFOUND
		         ? mdb_cursor_get(c->mc, key, d, MDB_LAST)
		         : rc;
	}
	return rc;
}

/* A zone cursor's physical key for the logical in (customer || time ||
 * tag || id, or a start of it) into c->buf. -1: too long. */
static int
zone_phys(store_cursor *c, const store_val *in, MDB_val *key)
{
	if (in == NULL || in->len + 2 > STORE_PHYS_MAX) {
		return -1;
	}
	const uint8_t *k = in->data;
	c->buf[0] = STORE_REGION;
	memset(c->buf + 1, 0, 8);
	memcpy(c->buf + 1, k, in->len < 8 ? in->len : 8);
	c->buf[9] = STORE_ZONE_TIME;
	if (in->len > 8) {
		memcpy(c->buf + 10, k + 8, in->len - 8);
	}
	key->mv_data = c->buf;
	key->mv_size = in->len > 8 ? in->len + 2 : 10;
	return 0;
}

/* A move in one database of the shared tree: to the physical key, then
 * past other databases' keys (store_settle). */
static int
move_shared(store_cursor *c, enum store_op op, const store_val *in,
    MDB_val *key, MDB_val *d)
{
	const struct store_place *p = store_place_of(c->s, c->db);
	int rc, dir = 1;
	switch (op) {
	case STORE_FIRST:
		store_phys(c->s, c->db, "", 0, c->buf, key);
		rc = mdb_cursor_get(c->mc, key, d, MDB_SET_RANGE);
		break;
	case STORE_LAST:
		dir = -1;
		if (p->tree == STORE_TREE_SHARED) {
			c->buf[0] = (uint8_t)(p->tag + 1);
			key->mv_data = c->buf;
			key->mv_size = 1;
			rc = mdb_cursor_get(c->mc, key, d, MDB_SET_RANGE);
			rc = rc == 0 ? mdb_cursor_get(c->mc, key, d, MDB_PREV)
			     : rc == MDB_NOTFOUND
			         ? mdb_cursor_get(c->mc, key, d, MDB_LAST)
			         : rc;
		} else {
			rc = mdb_cursor_get(c->mc, key, d, MDB_LAST);
		}
		break;
	case STORE_NEXT:
		rc = mdb_cursor_get(c->mc, key, d, MDB_NEXT);
		break;
	case STORE_PREV:
		dir = -1;
		rc = mdb_cursor_get(c->mc, key, d, MDB_PREV);
		break;
	case STORE_SEEK:
	case STORE_BEFORE:
		if ((c->zone ? zone_phys(c, in, key)
		             : store_phys(c->s, c->db, in->data, in->len,
		                   c->buf, key)) != 0) {
			return EINVAL;
		}
		rc = mdb_cursor_get(c->mc, key, d, MDB_SET_RANGE);
		if (op == STORE_BEFORE) {
			dir = -1;
			rc = rc == 0 ? mdb_cursor_get(c->mc, key, d, MDB_PREV)
			     : rc == MDB_NOTFOUND
			         ? mdb_cursor_get(c->mc, key, d, MDB_LAST)
			         : rc;
		}
		break;
	default: /* STORE_CURRENT */
		rc = mdb_cursor_get(c->mc, key, d, MDB_GET_CURRENT);
		return rc == 0 && !store_mine_at(c, key) ? MDB_NOTFOUND : rc;
	}
	return store_settle(c, rc, dir, key, d);
}

crm_status
store_cursor_get(store_cursor *c, enum store_op op, store_val *k, store_val *v)
{
	MDB_val key = { 0, NULL }, d;
	int shared = store_place_of(c->s, c->db)->tree != STORE_TREE_OWN;
	if (!c->placed) {
		/* As LMDB: the first NEXT is FIRST, the first PREV LAST. */
		op = op == STORE_NEXT   ? STORE_FIRST
		     : op == STORE_PREV ? STORE_LAST
		                        : op;
	}
	int rc = shared ? move_shared(c, op, k, &key, &d)
	                : move_own(c, op, k, &key, &d);
	if (rc != 0) {
		return store_map_lmdb(rc, "cursor");
	}
	c->placed = 1;
	if (k != NULL) {
		if (shared) {
			store_logical(c, &key);
		}
		k->data = key.mv_data;
		k->len = key.mv_size;
	}
	if (v != NULL) {
		v->data = d.mv_data;
		v->len = d.mv_size;
	}
	return CRM_OK;
}

crm_status
store_cursor_switch(store_cursor *c, enum store_db db)
{
	if (store_deferred(c->s, db)) {
		return store_defer_refuse(c->s, db);
	}
	if (c->s->dbi[db] != c->s->dbi[c->db]) {
		MDB_cursor *mc;
		int rc =
		    mdb_cursor_open(mdb_cursor_txn(c->mc), c->s->dbi[db], &mc);
		if (rc != 0) {
			return store_map_lmdb(rc, "cursor");
		}
		mdb_cursor_close(c->mc);
		c->mc = mc;
	}
	c->db = db;
	c->placed = 0;
	c->limited = 0;
	c->zone = 0;
	return CRM_OK;
}

crm_status
store_cursor_zone(store_cursor *c)
{
	if (store_places[c->db].tree != STORE_TREE_TIME) {
		return CRM_EINVAL;
	}
	if (!store_zoned(c->s)) {
		return CRM_UNSUPPORTED;
	}
	c->zone = 1;
	c->placed = 0;
	return CRM_OK;
}

void
store_cursor_limit(store_cursor *c, uint64_t customer)
{
	c->limited = 1;
	c->limit = customer;
}

crm_status
store_cursor_del(store_cursor *c)
{
	store_writes++;
	MDB_val ck, cv;
	if (c->s->trace &&
	    mdb_cursor_get(c->mc, &ck, &cv, MDB_GET_CURRENT) == 0) {
		store_trace_note(c->s, c->db, &ck);
	}
	return store_map_lmdb(mdb_cursor_del(c->mc, 0), "cursor delete");
}

void
store_cursor_close(store_cursor *c)
{
	if (c != NULL) {
		mdb_cursor_close(c->mc);
		free(c);
	}
}
