/* SPDX-License-Identifier: MIT */
/* store_schema.c: key encoding, id sequences and record (un)packing. */
#include "store_schema.h"
#include "store_impl.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "crm_log.h"
#include "crm_utf8.h"

void
store_key_id(store_key *k, uint64_t id)
{
	for (int i = 7; i >= 0; i--) {
		k->b[i] = (uint8_t)(id & 0xff);
		id >>= 8;
	}
	k->len = 8;
}

void
store_key_pair(store_key *k, uint64_t a, uint64_t b)
{
	store_key t;
	store_key_id(&t, a);
	memcpy(k->b, t.b, 8);
	store_key_id(&t, b);
	memcpy(k->b + 8, t.b, 8);
	k->len = 16;
}

void
store_key_text(store_key *k, uint8_t tag, const char *text)
{
	size_t o = 0, len = strlen(text);
	if (tag != 0) {
		k->b[o++] = tag;
	}
	if (len <= STORE_TEXT_KEY_MAX) {
		memcpy(k->b + o, text, len);
		k->len = o + len;
		return;
	}
	/* Cut at a character boundary: back up over continuation bytes. */
	size_t cut = STORE_TEXT_KEY_MAX;
	while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80) {
		cut--;
	}
	memcpy(k->b + o, text, cut);
	o += cut;
	crypto_generichash(
	    k->b + o, 16, (const unsigned char *)text, len, NULL, 0);
	k->len = o + 16;
}

crm_status
store_next_id(store *s, MDB_txn *txn, const char *seq, uint64_t *id)
{
	char name[64];
	int n = snprintf(name, sizeof(name), "seq:%s", seq);
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val k, v;
	uint64_t next = 1;
	if (n <= 0 || (size_t)n >= sizeof(name) ||
	    store_phys_exact(s, DB_META, name, (size_t)n, buf, &k) != 0) {
		return CRM_INTERNAL;
	}
	int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	if (rc == 0 && v.mv_size == 8) {
		next = store_u64(v.mv_data);
	} else if (rc != MDB_NOTFOUND) {
		return store_map_lmdb(rc, "sequence");
	}
	store_key nk;
	store_key_id(&nk, next + 1);
	v.mv_size = 8;
	v.mv_data = nk.b;
	store_writes++;
	rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
	if (rc != 0) {
		return store_map_lmdb(rc, "sequence");
	}
	*id = next;
	return CRM_OK;
}

/* The value at exact key k of db into *v (into the map). */
static crm_status
get_exact(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k, MDB_val *v)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val key;
	if (store_phys_exact(s, db, k->b, k->len, buf, &key) != 0) {
		return CRM_NOT_FOUND;
	}
	if (store_deferred(s, db)) {
		return store_defer_refuse(s, db);
	}
	int rc = mdb_get(txn, s->dbi[db], &key, v);
	return rc != 0 ? store_map_lmdb(rc, store_db_name(db)) : CRM_OK;
}

/* The record v of key k in db, unpacked as store_get_msg says. */
static crm_status
decode(enum store_db db, const store_key *k, const MDB_val *v,
    const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
    ProtobufCMessage **out)
{
	/* Decode before the txn ends: v points into the map. */
	*out = protobuf_c_message_unpack(d, alloc, v->mv_size, v->mv_data);
	if (*out != NULL) {
		return CRM_OK;
	}
	/* A bounded allocator that ran out is not damage: say so without
	 * a log line (the caller pages or fails the request). */
	if (alloc != NULL) {
		ProtobufCMessage *m =
		    protobuf_c_message_unpack(d, NULL, v->mv_size, v->mv_data);
		if (m != NULL) {
			protobuf_c_message_free_unpacked(m, NULL);
			return CRM_TOO_BIG;
		}
	}
	/* Damage: at most one line a second, whatever the callers do. */
	static _Atomic int64_t last_log;
	static _Atomic unsigned long quiet;
	int64_t now = (int64_t)time(NULL), was = last_log;
	if (now != was &&
	    atomic_compare_exchange_strong(&last_log, &was, now)) {
		unsigned long n = atomic_exchange(&quiet, 0);
		crm_err("%s %" PRIu64 ": does not decode as %s (%zu bytes)%s",
		    store_db_name(db),
		    k->len >= 8 ? store_u64(k->b + k->len - 8) : 0, d->name,
		    v->mv_size, n ? "; more since the last line" : "");
	} else {
		atomic_fetch_add(&quiet, 1);
	}
	return CRM_INTERNAL;
}

crm_status
store_get_msg(store *s, MDB_txn *txn, enum store_db db, const store_key *k,
    const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
    ProtobufCMessage **out)
{
	MDB_val v;
	crm_status rc = get_exact(s, txn, db, k, &v);
	return rc != CRM_OK ? rc : decode(db, k, &v, d, alloc, out);
}

crm_status
store_cursor_get_msg(store_cursor *c, const store_key *k,
    const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
    ProtobufCMessage **out)
{
	store_val key = { k->b, k->len }, v;
	crm_status rc = store_cursor_get(c, STORE_SEEK, &key, &v);
	if (rc != CRM_OK) {
		return rc;
	}
	if (key.len != k->len || memcmp(key.data, k->b, k->len) != 0) {
		return CRM_NOT_FOUND;
	}
	MDB_val mv = { v.len, (void *)v.data };
	return decode(c->db, k, &mv, d, alloc, out);
}

crm_status
store_put_msg(store *s, MDB_txn *txn, enum store_db db, const store_key *k,
    const ProtobufCMessage *m)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val key, v;
	if (store_phys_exact(s, db, k->b, k->len, buf, &key) != 0) {
		return CRM_INTERNAL;
	}
	if (store_deferred(s, db)) {
		return store_defer_refuse(s, db);
	}
	v.mv_size = protobuf_c_message_get_packed_size(m);
	store_writes++;
	STORE_TRACE(s, db, &key);
	int rc = mdb_put(txn, s->dbi[db], &key, &v, MDB_RESERVE);
	if (rc != 0) {
		return store_map_lmdb(rc, store_db_name(db));
	}
	protobuf_c_message_pack(m, v.mv_data);
	return CRM_OK;
}

crm_status
store_get_ref(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k, uint64_t *id)
{
	MDB_val v;
	crm_status rc = get_exact(s, txn, db, k, &v);
	if (rc != CRM_OK) {
		return rc;
	}
	if (v.mv_size != 8) {
		crm_err("%s: a reference is %zu bytes", store_db_name(db),
		    v.mv_size);
		return CRM_INTERNAL;
	}
	*id = store_u64(v.mv_data);
	return CRM_OK;
}

crm_status
store_put_ref(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k, uint64_t id)
{
	store_key ik;
	store_key_id(&ik, id);
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val key, v = { 8, ik.b };
	if (store_phys_exact(s, db, k->b, k->len, buf, &key) != 0) {
		return CRM_INTERNAL;
	}
	if (store_deferred(s, db)) {
		return store_defer_refuse(s, db);
	}
	store_writes++;
	STORE_TRACE(s, db, &key);
	int rc = mdb_put(txn, s->dbi[db], &key, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		return CRM_EXISTS;
	}
	return store_map_lmdb(rc, store_db_name(db));
}

crm_status
store_index_add(
    store *s, MDB_txn *txn, enum store_db db, uint64_t a, uint64_t b)
{
	store_key k;
	store_key_pair(&k, a, b);
	return store_put_empty(s, txn, db, &k);
}

crm_status
store_del(store *s, MDB_txn *txn, enum store_db db, const store_key *k)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val key;
	if (store_phys_exact(s, db, k->b, k->len, buf, &key) != 0) {
		return CRM_INTERNAL;
	}
	if (store_deferred(s, db)) {
		return store_defer_write(s, db, &key, NULL, 0, 1);
	}
	store_writes++;
	STORE_TRACE(s, db, &key);
	int rc = mdb_del(txn, s->dbi[db], &key, NULL);
	if (rc == MDB_NOTFOUND) {
		return CRM_OK;
	}
	return store_map_lmdb(rc, store_db_name(db));
}

crm_status
store_index_del(
    store *s, MDB_txn *txn, enum store_db db, uint64_t a, uint64_t b)
{
	store_key k;
	store_key_pair(&k, a, b);
	return store_del(s, txn, db, &k);
}

/* The first key >= k (db's own key, copied to *found); limit: only
 * among keys with k's first 8 bytes (store_cursor_limit). */
static crm_status
seek(store *s, MDB_txn *txn, enum store_db db, const store_key *k, int limit,
    store_key *found)
{
	store_cursor *c;
	crm_status rc = store_cursor_open(s, txn, db, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	if (limit) {
		store_cursor_limit(c, store_u64(k->b));
	}
	store_val key = { k->b, k->len };
	rc = store_cursor_get(c, STORE_SEEK, &key, NULL);
	if (rc == CRM_OK) {
		found->len = key.len < sizeof(found->b) ? key.len : 0;
		memcpy(found->b, key.data, found->len);
	}
	store_cursor_close(c);
	return rc;
}

crm_status
store_index_next(store *s, MDB_txn *txn, enum store_db db, uint64_t a,
    uint64_t after, uint64_t *b)
{
	if (after == UINT64_MAX) {
		return CRM_NOT_FOUND;
	}
	store_key k, found;
	store_key_pair(&k, a, after + 1);
	crm_status rc = seek(s, txn, db, &k, 1, &found);
	if (rc != CRM_OK) {
		return rc;
	}
	if (found.len != 16 || memcmp(found.b, k.b, 8) != 0) {
		return CRM_NOT_FOUND;
	}
	*b = store_u64(found.b + 8);
	return CRM_OK;
}

crm_status
store_id_next(
    store *s, MDB_txn *txn, enum store_db db, uint64_t after, uint64_t *id)
{
	if (after == UINT64_MAX) {
		return CRM_NOT_FOUND;
	}
	store_key k, found;
	store_key_id(&k, after + 1);
	crm_status rc = seek(s, txn, db, &k, 0, &found);
	if (rc != CRM_OK) {
		return rc;
	}
	if (found.len != 8) {
		return CRM_NOT_FOUND;
	}
	*id = store_u64(found.b);
	return CRM_OK;
}

void
store_key_triple(store_key *k, uint64_t a, uint64_t b, uint64_t c)
{
	store_key t;
	store_key_pair(k, a, b);
	store_key_id(&t, c);
	memcpy(k->b + 16, t.b, 8);
	k->len = 24;
}

uint64_t
store_time_key(int64_t t)
{
	return (uint64_t)t ^ (1ull << 63);
}

crm_status
store_iter_open(store *s, MDB_txn *txn, enum store_db db, const void *prefix,
    size_t plen, const store_key *from, struct store_iter *it)
{
	memset(it, 0, sizeof(*it));
	if (plen > sizeof(it->prefix)) {
		return CRM_INTERNAL;
	}
	memcpy(it->prefix, prefix, plen);
	it->plen = plen;
	memcpy(it->start.b, prefix, plen);
	it->start.len = plen;
	if (from != NULL) {
		memcpy(it->start.b + plen, from->b, from->len);
		it->start.len += from->len;
	}
	crm_status rc = store_cursor_open(s, txn, db, &it->cur);
	if (rc == CRM_OK && plen >= 8) {
		store_cursor_limit(it->cur, store_u64(prefix));
	}
	/* A TIME database's entries interleave with the other timelines'
	 * in the zone: walk the zone and stop at the prefix's end, instead
	 * of stepping over the others' entries to the next of its own (a
	 * walk from a time dated back would cross every newer entry). */
	if (rc == CRM_OK && plen >= 8 && store_zone_tag(db) != 0 &&
	    store_zoned(s) && it->start.len <= 24 &&
	    store_cursor_zone(it->cur) == CRM_OK) {
		it->zone_tag = store_zone_tag(db);
		if (it->start.len > 16) {
			/* customer || time || id -> customer || time || tag
			 * || id */
			memmove(it->start.b + 17, it->start.b + 16,
			    it->start.len - 16);
			it->start.b[16] = it->zone_tag;
			it->start.len++;
		}
	}
	return rc;
}

/* The hot path of every list (due, reports): one cursor move each. */
int
store_iter_next(struct store_iter *it, const uint8_t **key, size_t *klen)
{
	store_val k = { it->start.b, it->start.len }, v = { NULL, 0 };
	crm_status rc;
	/* The value comes with the key (store_iter_data): one move each. */
	if (!it->started) {
		it->started = 1;
		rc = store_cursor_get(
		    it->cur, it->start.len ? STORE_SEEK : STORE_FIRST, &k, &v);
	} else {
		rc = store_cursor_get(it->cur, STORE_NEXT, &k, &v);
	}
	/* A zone walk: past the other databases' entries within the
	 * prefix. */
	while (it->zone_tag != 0 && rc == CRM_OK && k.len == 25 &&
	       memcmp(k.data, it->prefix, it->plen) == 0 &&
	       ((const uint8_t *)k.data)[16] != it->zone_tag) {
		rc = store_cursor_get(it->cur, STORE_NEXT, &k, &v);
	}
	if (rc != CRM_OK || k.len < it->plen ||
	    memcmp(k.data, it->prefix, it->plen) != 0) {
		return 0;
	}
	if (it->zone_tag != 0) {
		if (k.len != 25) {
			return 0;
		}
		/* its own key: customer || time || id */
		memcpy(it->key, k.data, 16);
		memcpy(it->key + 16, (const uint8_t *)k.data + 17, 8);
		k.data = it->key;
		k.len = 24;
	}
	*key = k.data;
	*klen = k.len;
	it->vdata = v.data;
	it->vlen = v.len;
	return 1;
}

int
store_iter_data(struct store_iter *it, const void **data, size_t *len)
{
	if (!it->started) {
		return 0;
	}
	*data = it->vdata;
	*len = it->vlen;
	return 1;
}

void
store_iter_close(struct store_iter *it)
{
	store_cursor_close(it->cur);
	it->cur = NULL;
}

crm_status
store_put_empty(store *s, MDB_txn *txn, enum store_db db, const store_key *k)
{
	uint8_t buf[STORE_PHYS_MAX];
	MDB_val key, v = { 0, NULL };
	if (store_phys_exact(s, db, k->b, k->len, buf, &key) != 0) {
		return CRM_INTERNAL;
	}
	if (store_deferred(s, db)) {
		return store_defer_write(s, db, &key, NULL, 0, 0);
	}
	store_writes++;
	STORE_TRACE(s, db, &key);
	return store_map_lmdb(
	    mdb_put(txn, s->dbi[db], &key, &v, 0), store_db_name(db));
}

crm_status
store_reindex(store *s, MDB_txn *txn, enum store_db db,
    const store_key *old_key, const store_key *new_key)
{
	if (old_key != NULL && new_key != NULL &&
	    old_key->len == new_key->len &&
	    memcmp(old_key->b, new_key->b, old_key->len) == 0) {
		return CRM_OK;
	}
	crm_status rc = CRM_OK;
	if (old_key != NULL) {
		rc = store_del(s, txn, db, old_key);
	}
	if (rc == CRM_OK && new_key != NULL) {
		rc = store_put_empty(s, txn, db, new_key);
	}
	return rc;
}

const store_key *
store_key_queue(store_key *k, int on, uint64_t owner, int64_t at, uint64_t id)
{
	if (!on) {
		return NULL;
	}
	store_key_triple(k, owner, store_time_key(at), id);
	return k;
}
