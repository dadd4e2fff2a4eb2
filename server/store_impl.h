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

#include "store.h"

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	size_t map_size;
	/* Held shared by every transaction, exclusively to grow the map:
	 * mdb_env_set_mapsize needs no transaction active in the process. */
	pthread_rwlock_t resize_lock;
	int read_only;
};

#endif
