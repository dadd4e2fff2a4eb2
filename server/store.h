/* SPDX-License-Identifier: MIT */
/*
 * store.h: the LMDB environment of crmd: opening, the named databases,
 * transactions, map growth, and the one place LMDB error codes become
 * crm_status. Key encoding and record access are in store_schema.h.
 *
 * Rules (docs/design.md, "Threading"): default durable flags (no NOSYNC,
 * NOMETASYNC or WRITEMAP); MDB_NOTLS so workers can reuse read transactions;
 * only crmd opens the environment read-write; one writer thread.
 */
#ifndef STORE_H
#define STORE_H

#include <lmdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

/* The named databases, in schema.def's order (their layouts are listed
 * there). Records are packed protobuf messages keyed by id (8 bytes
 * big-endian); indexes hold composite keys and empty data. */
enum store_db {
#define SCHEMA_DB(id, name, shape, of, field) id,
#include "schema.def"
	DB_COUNT
};

/* The store: opaque outside the store's files (store_impl.h). */
typedef struct store store;

#define STORE_SCHEMA_VERSION 28u

/* How to open: crmd's durable default; read-only (tools, backups); or an
 * offline bulk load (crm-gen: written into the map, nothing is durable
 * until store_sync, no other process may use the database meanwhile,
 * and the data file is as large as the map until store_trim). */
enum store_mode {
	STORE_READ_WRITE = 0,
	STORE_READ_ONLY = 1,
	STORE_BULK = 2,
	/* Read-write for an offline admin command (crmd user add): like
	 * read-only, it refuses data of an older schema, which only crmd's
	 * upgrade may change. */
	STORE_ADMIN = 3,
};

/*
 * store_open: open (creating unless read-only) the environment in dir
 * with at least map_size bytes of address space, and every database.
 * Errors: CRM_NOT_FOUND (no database and read-only), CRM_UNSUPPORTED
 * (read-only or STORE_ADMIN: the data has an older schema; logged with
 * what to do), CRM_UNAVAILABLE (an interrupted upgrade), CRM_INTERNAL.
 */
/* store_damage_hook: when set, called first when LMDB stops on a damaged
 * page (its assertion, before it aborts the process): crm-check ends
 * there with its own verdict. */
extern void (*store_damage_hook)(const char *dir, const char *msg);

crm_status store_open(store *s, const char *dir, size_t map_size, int mode);
void store_close(store *s);

/* store_new / store_free: a zeroed store to store_open, and its memory
 * after store_close (store_free(NULL) does nothing). */
store *store_new(void);
void store_free(store *s);

/* store_map_size: the current size of the map in bytes. */
size_t store_map_size(const store *s);

/* store_used_bytes: the bytes of the data file in use (last page). */
size_t store_used_bytes(store *s);
/* store_page_size: LMDB's page size (4096 when it cannot say). */
size_t store_page_size(store *s);

/* store_trace_enable: from now on count the B-tree leaves each commit's
 * writes land on, by database (crmd --trace-leaves; store_trace.c).
 * store_trace_counts: those counts into out, and the commits traced. */
void store_trace_enable(store *s);
uint64_t store_trace_counts(uint64_t out[DB_COUNT]);

/* store_reader_check: clear the reader slots of dead processes; returns
 * how many were cleared. */
int store_reader_check(store *s);

/*
 * store_defer: in a STORE_BULK load, keep db's puts and deletes in memory
 * until store_defer_flush writes them in key order (store_defer.c): for
 * the databases a load writes at random keys and never reads. A read of
 * a deferred database is refused (CRM_INTERNAL). store_defer_bytes: the
 * memory they hold. store_defer_flush: write them, committing *txn and
 * beginning a new one as often as LMDB's dirty-page room needs (*txn is
 * the one to go on with; NULL after an error).
 */
crm_status store_defer(store *s, enum store_db db);
size_t store_defer_bytes(const store *s);
crm_status store_defer_flush(store *s, MDB_txn **txn /* IN/OUT */);
/* store_defer_spill: the held writes sorted into a run in a file of the
 * data folder (unlinked at once: it goes with the process), so that the
 * memory holds the next; store_defer_flush then merges every run and
 * what is held into the database, each leaf written once. After 32 runs
 * a spill is a store_defer_flush (*merged 1). Errors: CRM_TOO_BIG (the
 * disk is full), CRM_INTERNAL. */
crm_status store_defer_spill(
    store *s, MDB_txn **txn /* IN/OUT */, int *merged /* OUT */);
/* store_defer_run_peak: the most bytes in the runs on the disk at once
 * so far; store_defer_run_failed: whether a run could not be written
 * (the CRM_TOO_BIG of a full disk). */
uint64_t store_defer_run_peak(const store *s);
int store_defer_run_failed(const store *s);

/* A bulk load's mark in the meta database from its first commit (the
 * STORE_BULK store_open that makes the data) to its last (which takes
 * it away, store_bulk_finish): a store_open of data with it (but a bulk
 * load's) is refused, so that a load killed half way is never served or
 * checked as a whole set. */
#define STORE_UNFINISHED "unfinished"

/* store_bulk_finish: take the mark away, in the bulk load's last
 * transaction. */
crm_status store_bulk_finish(store *s, MDB_txn *txn);

/* store_sync: flush to disk (needed after a STORE_BULK load).
 * Errors: CRM_INTERNAL. */
crm_status store_sync(store *s);

/* store_trim: cut the data file in dir to used bytes (store_used_bytes
 * before store_close) after a STORE_BULK load, whose file LMDB made as
 * large as the map. Only with the store closed and no other process on
 * it. Errors: CRM_INTERNAL (logged). */
crm_status store_trim(const char *dir, size_t used);

/*
 * store_copy_compact: a compacted consistent copy of the environment into
 * the existing empty folder dir (data.mdb), holding off map growth while
 * it runs. Errors: CRM_TOO_BIG (disk full), CRM_INTERNAL; *why (may be
 * NULL) gets LMDB's text.
 */
crm_status store_copy_compact(store *s, const char *dir, const char **why);

/*
 * store_schema_get / store_schema_set: the layout version of the data
 * (STORE_SCHEMA_VERSION when current; older ones need an upgrade).
 */
unsigned store_schema_get(store *s, MDB_txn *txn);
/* store_schema_target: the schema this crmd brings data to
 * (STORE_SCHEMA_VERSION; 24 for a test's data of schema 24's layout,
 * CRM_TEST_UNZONED). */
unsigned store_schema_target(const store *s);
crm_status store_schema_set(store *s, MDB_txn *txn, unsigned version);

/*
 * store_lock_dir: take the data folder's lock (dir/crmd.lock, flock):
 * one process writes a database at a time. Returns the fd to keep open,
 * -2 when another process holds it, -1 on other errors.
 */
int store_lock_dir(const char *dir);

/* store_db_name: the LMDB name of db ("customers"). Static storage. */
const char *store_db_name(enum store_db db);

/*
 * store_map_lmdb: the one mapping of LMDB codes to crm_status:
 * MDB_NOTFOUND -> CRM_NOT_FOUND, MDB_MAP_FULL and ENOSPC ->
 * CRM_TOO_BIG, anything else -> CRM_INTERNAL (logged with what).
 */
crm_status store_map_lmdb(int rc, const char *what);

/* Set by store_map_lmdb in the calling thread when LMDB said MDB_MAP_FULL;
 * the writer clears it, and on seeing it grows the map and retries. */
extern _Thread_local int store_map_full;

/* The writes (puts, deletes, drops) the calling thread has asked of LMDB:
 * every write call of the store's files counts it, done or refused. A
 * caller compares it before and after a step to know that the step wrote
 * nothing (import.c: a row found there already needs no undoing). */
extern _Thread_local unsigned long store_writes;

/*
 * store_read_begin: a read transaction; renews *txn when it is a reset one
 * (reuse across requests), else begins one. Holds resize_lock shared until
 * store_read_end. Errors: CRM_INTERNAL.
 */
crm_status store_read_begin(store *s, MDB_txn **txn /* IN/OUT */);
/* store_read_end: reset (not abort) the read txn for reuse. */
void store_read_end(store *s, MDB_txn *txn);
/* store_read_free: abort a reset read txn for good (worker exit). */
void store_read_free(MDB_txn *txn);

/* store_write_begin: the writer's transaction; holds resize_lock shared.
 * Errors: CRM_INTERNAL. */
crm_status store_write_begin(store *s, MDB_txn **txn /* OUT */);
/*
 * store_write_commit: commit and release the lock; txn is gone either
 * way. Errors: CRM_TOO_BIG (map or disk full), CRM_INTERNAL.
 */
crm_status store_write_commit(store *s, MDB_txn *txn);
/* store_write_abort: abort and release the lock. */
void store_write_abort(store *s, MDB_txn *txn);

/*
 * store_nested_begin: a child transaction of the write transaction parent
 * (one request's changes: commit keeps them in the parent, abort undoes
 * only them). Errors: as store_map_lmdb.
 */
crm_status store_nested_begin(store *s, MDB_txn *parent, MDB_txn **child);
/* store_nested_commit: fold child into its parent; child is gone either
 * way. Errors: as store_map_lmdb. */
crm_status store_nested_commit(MDB_txn *child);
/* store_nested_abort: undo child's changes. */
void store_nested_abort(MDB_txn *child);

/*
 * store_grow: double the map (no transaction of the process may be open:
 * takes resize_lock exclusively). Errors: CRM_INTERNAL.
 */
crm_status store_grow(store *s);

/*
 * store_relocate: move data of the old layout (schema 10 and older: every
 * database its own LMDB database) into the shared tree of schema.def's
 * SCHEMA_TREE lines, in batches, each its own transaction; an interrupted
 * move resumes at the next call (a read-only open refuses the data until
 * then). Nothing to do for data of the new layout. Call it with no other
 * transaction open, before upgrade_run's steps (store_layout.c).
 */
crm_status store_relocate(store *s);

/*
 * store_zone: move the TIME databases' entries of data of schema 24 and
 * older (each under its tag in its customer's range) into their zone
 * (schema.def's TIME), in batches, each its own transaction. From the
 * first batch the data says schema 25, so that an older crmd refuses it,
 * and store_schema_get what it was, for upgrade_run's steps; an
 * interrupted move resumes at the next call, and a read-only open refuses
 * the data until then. Call it after store_relocate (store_layout.c).
 */
crm_status store_zone(store *s);

/*
 * store_retag: move the entry of customer id customer of a CUSTOMER
 * database db whose key is the customer id alone, kept under old_tag
 * (a tag db had before), to db's tag now (*moved: 1 when there was one).
 * Errors: as store_map_lmdb.
 */
crm_status store_retag(store *s, MDB_txn *txn, enum store_db db,
    uint8_t old_tag, uint64_t customer, int *moved /* OUT */);

/*
 * store_check_tree: walk the shared tree as LMDB holds it (every page,
 * whatever database it belongs to): *entries it holds and, of those,
 * *stray ones no database of schema.def claims. CRM_DATA_LOSS when the
 * walk's count differs from the tree's root (crm-check's scan).
 */
crm_status store_check_tree(
    store *s, MDB_txn *txn, uint64_t *entries, uint64_t *stray);
/* store_in_tree: 1 when db lives in the shared tree (its count is then a
 * walk: store_entries). */
int store_in_tree(const store *s, enum store_db db);

#endif
