/* SPDX-License-Identifier: MIT */
/*
 * store_cursor.c: raw access to the databases for the rest of the server:
 * get, put, drop and count by database and key, and cursors both ways.
 * Thin wrappers over LMDB (no copies: values point into the map), so
 * that no other file calls LMDB.
 */
#include "store_impl.h"
#include "store_schema.h"

#include <stdio.h>
#include <string.h>

/* store_cursor is LMDB's cursor under our name. */
struct store_cursor;

static MDB_cursor *
mc(store_cursor *c)
{
	return (MDB_cursor *)(void *)c;
}

crm_status
store_get(store *s, MDB_txn *txn, enum store_db db, const void *key,
    size_t klen, store_val *v)
{
	MDB_val k = { klen, (void *)key }, d;
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
	MDB_val key = { k->len, (void *)k->b }, d;
	if (mdb_get(txn, s->dbi[db], &key, &d) != 0) {
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
	MDB_val k = { klen, (void *)key }, d = { len, (void *)data };
	return store_map_lmdb(
	    mdb_put(txn, s->dbi[db], &k, &d, 0), store_db_name(db));
}

crm_status
store_drop(store *s, MDB_txn *txn, enum store_db db)
{
	return store_map_lmdb(mdb_drop(txn, s->dbi[db], 0), store_db_name(db));
}

uint64_t
store_entries(store *s, MDB_txn *txn, enum store_db db)
{
	MDB_stat st;
	return mdb_stat(txn, s->dbi[db], &st) == 0 ? st.ms_entries : 0;
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
	MDB_cursor *cur = NULL;
	int rc = mdb_cursor_open(txn, s->dbi[db], &cur);
	*c = (store_cursor *)(void *)cur;
	return store_map_lmdb(rc, "cursor");
}

crm_status
store_cursor_get(store_cursor *c, enum store_op op, store_val *k, store_val *v)
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
	MDB_val key = { 0, NULL }, d;
	if (op == STORE_SEEK || op == STORE_BEFORE) {
		key.mv_size = k->len;
		key.mv_data = (void *)k->data;
	}
	int rc = mdb_cursor_get(mc(c), &key, &d, ops[op]);
	if (op == STORE_BEFORE) {
		rc = rc == 0 ? mdb_cursor_get(mc(c), &key, &d, MDB_PREV)
		     : rc == MDB_NOTFOUND
		         ? mdb_cursor_get(mc(c), &key, &d, MDB_LAST)
		         : rc;
	}
	if (rc != 0) {
		return store_map_lmdb(rc, "cursor");
	}
	if (k != NULL) {
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
store_cursor_del(store_cursor *c)
{
	return store_map_lmdb(mdb_cursor_del(mc(c), 0), "cursor delete");
}

void
store_cursor_close(store_cursor *c)
{
	if (c != NULL) {
		mdb_cursor_close(mc(c));
	}
}
