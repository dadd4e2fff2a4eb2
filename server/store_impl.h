/* SPDX-License-Identifier: MIT */
/*
 * store_impl.h: the inside of struct store, for the store's own files
 * (store.c, store_schema.c, store_cursor.c) only. Everything else goes
 * through store.h and store_schema.h.
 */
#ifndef STORE_IMPL_H
#define STORE_IMPL_H

#include <lmdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Where a database's entries live (schema.def's SCHEMA_TREE lines). */
enum store_tree {
	STORE_TREE_OWN,
	STORE_TREE_SHARED,
	STORE_TREE_CUSTOMER,
	STORE_TREE_TIME
};
struct store_place {
	uint8_t tree; /* enum store_tree */
	uint8_t tag;
};
extern const struct store_place store_places[DB_COUNT];

/* The shared LMDB tree's name, and its customer region's first byte. */
#define STORE_TREE_NAME "crm"
#define STORE_REGION    0xFFu
/* The TIME zone's byte in a customer's range (where a CUSTOMER database
 * has its tag): region || customer || zone || time || tag || id. */
#define STORE_ZONE_TIME 61u
/* A TIME key's length before its tag: region, customer, zone, time. */
#define STORE_ZONE_HEAD 18u
/* Room for a physical key: LMDB's longest (511) and a spare byte. */
#define STORE_PHYS_MAX 512

struct store {
	MDB_env *env;
	/* Each database's LMDB handle: its own, or the shared tree's. */
	MDB_dbi dbi[DB_COUNT];
	MDB_dbi tree;
	/* 1: the data predates the shared tree (schema 10 and older) and
	 * every database is still its own, until store_relocate. */
	int legacy;
	/* 0: the TIME databases are still CUSTOMER ones, each under its tag
	 * (schema 24 and older), until store_zone moves them. */
	int zoned;
	size_t map_size;
	/* Held shared by every transaction, exclusively to grow the map:
	 * mdb_env_set_mapsize needs no transaction active in the process. */
	pthread_rwlock_t resize_lock;
	int read_only;
	int mode; /* enum store_mode */
	/* A bulk load's deferred writes (store_defer.c), or NULL. */
	struct store_defer *defer;
	/* 1: the writes are traced to their leaves (store_trace.c). */
	int trace;
};

/* store_trace_note: with s->trace, db's write of physical key k, for
 * store_trace_commit to find its leaf after the commit (store_trace.c).
 * store_trace_forget: the transaction did not commit. store_trace_free:
 * at close. */
void store_trace_note(const store *s, enum store_db db, const MDB_val *k);
void store_trace_forget(void);
void store_trace_commit(store *s);
void store_trace_free(void);
#define STORE_TRACE(s, db, k)                             \
	do {                                              \
		if ((s)->trace) {                         \
			store_trace_note((s), (db), (k)); \
		}                                         \
	} while (0)

/* store_deferred: whether db's writes are deferred (store_defer). A read
 * of such a database is refused: store_defer_refuse logs it and says
 * CRM_INTERNAL. store_defer_write keeps a put (del 0) or a delete of
 * the physical key for store_defer_flush. store_defer_free: at close. */
int store_deferred(const store *s, enum store_db db);
crm_status store_defer_refuse(const store *s, enum store_db db);
crm_status store_defer_write(store *s, enum store_db db, const MDB_val *key,
    const void *data, size_t len, int del);
void store_defer_free(store *s);

/* store_place_of: db's place (every database is OWN in legacy data; a
 * TIME one is CUSTOMER in data not zoned yet). */
const struct store_place *store_place_of(const store *s, enum store_db db);

/*
 * store_phys: the physical key of db's key into buf (STORE_PHYS_MAX
 * bytes; out points at key itself for an OWN database). A CUSTOMER key
 * shorter than 8 bytes is padded with zeros: right for a cursor's seek,
 * wrong for an exact key, which store_phys_exact refuses. Returns -1 when
 * the key is too long.
 */
int store_phys(const store *s, enum store_db db, const void *key, size_t klen,
    uint8_t *buf, MDB_val *out);
/* store_phys_exact: as store_phys, for a get, put or delete; -1 for a key
 * that cannot be one of db's (too long; a CUSTOMER key under 8 bytes). */
int store_phys_exact(const store *s, enum store_db db, const void *key,
    size_t klen, uint8_t *buf, MDB_val *out);

/* store_cursor: an LMDB cursor that sees one database of a shared tree
 * (store_cursor.c). */
struct store_cursor {
	MDB_cursor *mc;
	const store *s;
	enum store_db db;
	int placed;  /* a move has succeeded: NEXT/PREV go on from there */
	int limited; /* store_cursor_limit: only customer `limit`'s keys */
	int zone;    /* store_cursor_zone: every TIME database's keys */
	uint64_t limit;
	uint8_t buf[STORE_PHYS_MAX];
};

/*
 * store_mine: 1 when the physical key k is db's. store_settle: from the
 * result rc of a cursor move that left c at physical key *k, move on (dir
 * 1: forwards, -1: backwards) to the nearest entry of c's database, or
 * MDB_NOTFOUND past its last. Both are for shared trees (store_layout.c).
 */
int store_mine(const struct store_place *p, const MDB_val *k);
/* store_mine_at: store_mine for cursor c (a zone cursor's: any TIME
 * database's key of the zone). */
int store_mine_at(const struct store_cursor *c, const MDB_val *k);
int store_settle(
    struct store_cursor *c, int rc, int dir, MDB_val *k, MDB_val *v);
/* store_logical: the database's own key for the physical key *k (in
 * place: a pointer into the map, or into c->buf for CUSTOMER). */
void store_logical(struct store_cursor *c, MDB_val *k);

/* store_in_customer: 1 when p's keys are in the customer region. */
static inline int
store_in_customer(const struct store_place *p)
{
	return p->tree == STORE_TREE_CUSTOMER || p->tree == STORE_TREE_TIME;
}

#endif
