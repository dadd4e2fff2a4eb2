/* SPDX-License-Identifier: MIT */
/*
 * acksync_shim.c: an LD_PRELOAD library for crmd that watches the order of
 * commits, syncs and replies (issue 6, test 2: acknowledge after sync).
 *
 * In each thread it notes when a put or delete goes into the top-level
 * write transaction (a mutation applied, not yet durable: the writer runs
 * a batch's writes in it directly, or in nested transactions when it runs
 * the batch again) and when the top-level write transaction commits (LMDB
 * syncs the data with fdatasync and the meta page before mdb_txn_commit
 * returns). A reply (nn_sendmsg) sent by a thread holding applied but
 * uncommitted mutations is a violation; so is a top-level commit during which
 * no sync call happened. At exit it writes its counters to the file named by
 * ACKSYNC_OUT.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <lmdb.h>
#include <nanomsg/nn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static atomic_ulong syncs, commits, writing, changes, nested, replies,
    violations, unsynced;
static _Thread_local MDB_txn *top; /* this thread's top-level write txn */
static _Thread_local int dirty;    /* applied mutations not yet durable */

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int
fdatasync(int fd)
{
	int rc = REAL(fdatasync)(fd);
	atomic_fetch_add(&syncs, 1);
	return rc;
}

int
fsync(int fd)
{
	int rc = REAL(fsync)(fd);
	atomic_fetch_add(&syncs, 1);
	return rc;
}

int
msync(void *addr, size_t len, int flags)
{
	int rc = REAL(msync)(addr, len, flags);
	atomic_fetch_add(&syncs, 1);
	return rc;
}

int
mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn)
{
	int rc = REAL(mdb_txn_begin)(env, parent, flags, txn);
	if (rc == 0 && parent == NULL && !(flags & MDB_RDONLY)) {
		top = *txn;
	}
	return rc;
}

int
mdb_txn_commit(MDB_txn *txn)
{
	if (txn != NULL && txn == top) {
		unsigned long before = atomic_load(&syncs);
		int rc = REAL(mdb_txn_commit)(txn);
		top = NULL;
		if (rc == 0) {
			atomic_fetch_add(&commits, 1);
			/* A commit that carries mutations must sync (LMDB
			 * skips the sync of a transaction that wrote
			 * nothing, e.g. opening databases at start). */
			atomic_fetch_add(&writing, dirty);
			if (dirty && atomic_load(&syncs) == before) {
				atomic_fetch_add(&unsynced, 1);
			}
			dirty = 0;
		}
		return rc;
	}
	int rc = REAL(mdb_txn_commit)(txn);
	if (rc == 0 && top != NULL) {
		atomic_fetch_add(&nested, 1);
	}
	return rc;
}

/* A change while this thread holds a top-level write transaction. */
static void
changed(void)
{
	if (top != NULL) {
		atomic_fetch_add(&changes, 1);
		dirty = 1;
	}
}

int
mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags)
{
	int rc = REAL(mdb_put)(txn, dbi, key, data, flags);
	if (rc == 0) {
		changed();
	}
	return rc;
}

int
mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
	int rc = REAL(mdb_del)(txn, dbi, key, data);
	if (rc == 0) {
		changed();
	}
	return rc;
}

int
mdb_cursor_put(MDB_cursor *c, MDB_val *key, MDB_val *data, unsigned flags)
{
	int rc = REAL(mdb_cursor_put)(c, key, data, flags);
	if (rc == 0) {
		changed();
	}
	return rc;
}

int
mdb_cursor_del(MDB_cursor *c, unsigned flags)
{
	int rc = REAL(mdb_cursor_del)(c, flags);
	if (rc == 0) {
		changed();
	}
	return rc;
}

void
mdb_txn_abort(MDB_txn *txn)
{
	if (txn != NULL && txn == top) {
		top = NULL;
		dirty = 0; /* nothing of the batch was applied */
	}
	REAL(mdb_txn_abort)(txn);
}

int
nn_sendmsg(int s, const struct nn_msghdr *msghdr, int flags)
{
	atomic_fetch_add(&replies, 1);
	if (dirty) {
		atomic_fetch_add(&violations, 1);
	}
	return REAL(nn_sendmsg)(s, msghdr, flags);
}

__attribute__((destructor)) static void
report(void)
{
	const char *out = getenv("ACKSYNC_OUT");
	if (out == NULL) {
		return;
	}
	FILE *f = fopen(out, "w");
	if (f == NULL) {
		return;
	}
	fprintf(f,
	    "commits %lu\nwriting %lu\nputs %lu\nnested %lu\nsyncs %lu\n"
	    "replies %lu\nviolations %lu\nunsynced %lu\n",
	    atomic_load(&commits), atomic_load(&writing),
	    atomic_load(&changes), atomic_load(&nested), atomic_load(&syncs),
	    atomic_load(&replies), atomic_load(&violations),
	    atomic_load(&unsynced));
	fclose(f);
}
