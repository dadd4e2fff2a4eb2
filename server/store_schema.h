/* SPDX-License-Identifier: MIT */
/*
 * store_schema.h: how records and indexes are laid out in the databases of
 * store.h: big-endian id keys, composite index keys (value || id), text
 * keys capped below LMDB's 511 bytes, id sequences, and packed protobuf
 * records. Domain rules (who may see what) are not here.
 */
#ifndef STORE_SCHEMA_H
#define STORE_SCHEMA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Longest text key: normalised text beyond this is cut at a character
 * boundary and followed by a 16-byte hash of the whole text. */
#define STORE_TEXT_KEY_MAX 400
#define STORE_KEY_MAX      (1 + STORE_TEXT_KEY_MAX + 16)

typedef struct store_key {
	uint8_t b[STORE_KEY_MAX];
	size_t len;
} store_key;

/* store_key_id: key of one id. */
void store_key_id(store_key *k, uint64_t id);
/* store_key_pair: composite index key a || b (16 bytes). */
void store_key_pair(store_key *k, uint64_t a, uint64_t b);
/* store_key_text: optional tag byte (0: none) then text, capped as above. */
void store_key_text(store_key *k, uint8_t tag, const char *text);
/* store_u64: decode 8 big-endian bytes (inline: every index walk decodes
 * each key it passes). */
static inline uint64_t
store_u64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) {
		v = (v << 8) | b[i];
	}
	return v;
}

/*
 * store_next_id: the next id of a sequence ("customer", "audit", ...),
 * starting at 1, in txn. Errors: as store_map_lmdb.
 */
crm_status store_next_id(
    store *s, MDB_txn *txn, const char *seq, uint64_t *id /* OUT */);

/*
 * store_get_msg: unpack the record at k in db as message type d, allocated
 * with alloc (NULL: malloc; free with protobuf_c_message_free_unpacked).
 * Errors: CRM_NOT_FOUND, CRM_TOO_BIG (alloc, a bounded arena, is full: not
 * logged), CRM_INTERNAL (a record that does not decode: logged, at most
 * one line a second).
 */
crm_status store_get_msg(store *s, MDB_txn *txn, enum store_db db,
    const store_key *k, const ProtobufCMessageDescriptor *d,
    ProtobufCAllocator *alloc, ProtobufCMessage **out /* OUT */);

/* store_customer_touch: step through the first max entries of
 * customer's range (its record and its lists, store_layout.c), reading
 * their pages into memory for a write to come (a worker's read-ahead for
 * the writer thread). Returns how many it passed; 0 in legacy data. */
size_t store_customer_touch(
    store *s, MDB_txn *txn, uint64_t customer, size_t max);

/* store_cursor_get_msg: as store_get_msg, through c (store_cursor_open,
 * below), which stays at the record: the next get of a key on the same
 * leaf needs no descent from the root (a walk of ids that come in order,
 * as an export's). */
struct store_cursor;
crm_status store_cursor_get_msg(struct store_cursor *c, const store_key *k,
    const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
    ProtobufCMessage **out /* OUT */);

/* store_put_msg: pack m straight into the database (MDB_RESERVE). */
crm_status store_put_msg(store *s, MDB_txn *txn, enum store_db db,
    const store_key *k, const ProtobufCMessage *m);

/* store_get_ref: an index entry whose data is an id (unique indexes).
 * Errors: CRM_NOT_FOUND. */
crm_status store_get_ref(store *s, MDB_txn *txn, enum store_db db,
    const store_key *k, uint64_t *id /* OUT */);
/* store_put_ref: k -> id; CRM_EXISTS when k is taken (MDB_NOOVERWRITE). */
crm_status store_put_ref(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k, uint64_t id);

/* store_index_add / store_index_del: composite key a || b, empty data. */
crm_status store_index_add(
    store *s, MDB_txn *txn, enum store_db db, uint64_t a, uint64_t b);
crm_status store_index_del(
    store *s, MDB_txn *txn, enum store_db db, uint64_t a, uint64_t b);

/* store_del: delete k; CRM_OK when it was not there. */
crm_status store_del(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k);

/*
 * store_index_next: the next b after (a, after) in a composite index, i.e.
 * walk the entries of a in id order. Errors: CRM_NOT_FOUND at the end.
 */
crm_status store_index_next(store *s, MDB_txn *txn, enum store_db db,
    uint64_t a, uint64_t after, uint64_t *b /* OUT */);

/* store_id_next: the next record id after `after` in db (primary walk).
 * Errors: CRM_NOT_FOUND at the end. */
crm_status store_id_next(store *s, MDB_txn *txn, enum store_db db,
    uint64_t after, uint64_t *id /* OUT */);

/* store_key_triple: a || b || c (24 bytes); b is a time biased so that
 * negative times sort first (store_time_key). */
void store_key_triple(store_key *k, uint64_t a, uint64_t b, uint64_t c);
/* store_time_key: an int64 time as an order-preserving uint64. */
uint64_t store_time_key(int64_t t);
static inline int64_t
store_time_of(uint64_t k)
{
	return (int64_t)(k ^ (UINT64_C(1) << 63));
}

/*
 * A cursor over the keys that start with a prefix, in key order.
 * store_iter_open positions before the first key >= prefix || from (from
 * may be NULL); store_iter_next yields each key (borrowed, valid until the
 * next call) and returns 0 at the end. Close with store_iter_close.
 */
struct store_iter {
	struct store_cursor *cur;
	uint8_t prefix[16];
	size_t plen;
	int started;
	store_key start;
	/* the value of the key last yielded (store_iter_data) */
	const void *vdata;
	size_t vlen;
	/* A TIME database's walk reads its zone (store_cursor_zone): its
	 * tag there (0: not such a walk), and the key last yielded. */
	uint8_t zone_tag;
	uint8_t key[32];
};
crm_status store_iter_open(store *s, MDB_txn *txn, enum store_db db,
    const void *prefix, size_t plen, const store_key *from,
    struct store_iter *it);
int store_iter_next(struct store_iter *it, const uint8_t **key, size_t *klen);
void store_iter_close(struct store_iter *it);
/* store_iter_data: the data of the key store_iter_next last yielded. */
int store_iter_data(struct store_iter *it, const void **data, size_t *len);

/*
 * store_reindex: make index db hold new_key instead of old_key (either
 * NULL: none); nothing when both are equal. The one way index entries
 * follow a record's change.
 */
crm_status store_reindex(store *s, MDB_txn *txn, enum store_db db,
    const store_key *old_key, const store_key *new_key);

/* store_key_queue: k = owner || time || id and k itself when on, else
 * NULL: the entry of an open task, commitment or running clock. */
const store_key *store_key_queue(
    store_key *k, int on, uint64_t owner, int64_t at, uint64_t id);

/* store_put_empty: k -> "" (index entries). */
crm_status store_put_empty(
    store *s, MDB_txn *txn, enum store_db db, const store_key *k);

/* ---------------------------------------------------- raw access
 * (store_cursor.c): bytes in and out, no copies. A store_val points into
 * the map: valid until the transaction ends or next writes. */

typedef struct store_val {
	const void *data;
	size_t len;
} store_val;

/* store_get: the value at key. Errors: CRM_NOT_FOUND, CRM_INTERNAL. */
crm_status store_get(store *s, MDB_txn *txn, enum store_db db, const void *key,
    size_t klen, store_val *v /* OUT */);
/* store_has: 1 when key is in db (its value in *v when v is not NULL). */
int store_has(store *s, MDB_txn *txn, enum store_db db, const store_key *k,
    store_val *v /* OUT, may be NULL */);
/* store_put: key -> data (replacing). Errors: as store_map_lmdb. */
crm_status store_put(store *s, MDB_txn *txn, enum store_db db, const void *key,
    size_t klen, const void *data, size_t len);
/* store_drop: empty db (it stays open). */
crm_status store_drop(store *s, MDB_txn *txn, enum store_db db);
/* store_entries: how many entries db holds: its tree's count (O(1)) for
 * a database of its own, a counted walk for one in the shared tree
 * (schema.def's SCHEMA_TREE): not for a request's path. 0 on error. */
uint64_t store_entries(store *s, MDB_txn *txn, enum store_db db);
/* store_empty: 1 when db has no entry (one seek; for a sparse CUSTOMER
 * database, one per customer until the first entry). */
int store_empty(store *s, MDB_txn *txn, enum store_db db);
/* store_seq_peek: the id sequence seq would hand out next (1 when it
 * never did), without taking it. */
uint64_t store_seq_peek(store *s, MDB_txn *txn, const char *seq);

/*
 * A cursor over one database, in key order either way. store_cursor_get
 * moves by op and yields the key and value there (either may be NULL);
 * STORE_SEEK goes to the first key >= *k, STORE_BEFORE to the last key
 * < *k (the start of a newest-first walk; k is IN/OUT for both). Returns
 * CRM_NOT_FOUND past either end. store_cursor_del deletes the entry the
 * cursor is at (the next STORE_NEXT yields the one after it).
 */
typedef struct store_cursor store_cursor;
enum store_op {
	STORE_FIRST,
	STORE_LAST,
	STORE_NEXT,
	STORE_PREV,
	STORE_SEEK,
	STORE_BEFORE,
	STORE_CURRENT
};
crm_status store_cursor_open(
    store *s, MDB_txn *txn, enum store_db db, store_cursor **c /* OUT */);
crm_status store_cursor_get(
    store_cursor *c, enum store_op op, store_val *k, store_val *v);
crm_status store_cursor_del(store_cursor *c);
/*
 * store_cursor_limit: the walk is about keys that start with customer (a
 * per-customer list): moves past that customer's keys end at once
 * (CRM_NOT_FOUND) instead of looking for the database's next or previous
 * entry elsewhere, which in a CUSTOMER database of the shared tree means
 * a seek per customer passed. Callers still check their prefix.
 */
void store_cursor_limit(store_cursor *c, uint64_t customer);
/*
 * store_cursor_switch: c moves in db from now on, from where it is: in
 * the shared tree the same LMDB cursor, so a seek to a key on the page it
 * is at needs no descent from the root (a customer's record, then its
 * stage history). Not placed, not limited: start with a seek. Errors: as
 * store_cursor_open (c stays as it was).
 */
crm_status store_cursor_switch(store_cursor *c, enum store_db db);
/*
 * store_cursor_zone: c, open on a TIME database (schema.def) of zoned
 * data, walks the whole TIME zone from now on: every TIME database's
 * entries, in the zone's order (customer, time, tag, id). Its keys are
 * customer || time || tag || id (25 bytes; seeks take such keys, or
 * shorter ones), the tag naming the database (store_zone_db). CRM_EINVAL
 * for another database; CRM_UNSUPPORTED for data not zoned yet (schema
 * 24's layout, store_zoned 0), where each TIME database is its own list.
 */
crm_status store_cursor_zone(store_cursor *c);
/* store_zoned: 1 when the TIME databases share their zone. */
int store_zoned(const store *s);
/* store_zone_tag: db's tag in the TIME zone (0: db is no TIME database).
 * store_zone_db: the TIME database of a tag (DB_COUNT: none). */
uint8_t store_zone_tag(enum store_db db);
enum store_db store_zone_db(uint8_t tag);
/* store_cursor_close: NULL does nothing. */
void store_cursor_close(store_cursor *c);
#endif
