/* SPDX-License-Identifier: MIT */
/*
 * store_trace.c: where a commit's writes land (crmd --trace-leaves). The
 * pages a commit writes are the leaves its puts and deletes changed,
 * their branches up to the root, and LMDB's own; a B-tree leaf holds
 * many keys, so the leaves a database costs a write are not its writes.
 * With the trace on, the writer notes each key it writes and, after the
 * commit, finds the leaf each one is on now in a read transaction (the
 * page of the key's bytes in the map; a deleted key's neighbour's), and
 * counts the leaves by database, a leaf shared by several counted once,
 * for the first database that wrote to it. `stats` serves the counts
 * (StatsReply.leaves); crm-bench --leaves prints them per write.
 *
 * Off (the default) it costs one test of a flag per write. On, each
 * commit costs a seek per key written; the notes are the writer
 * thread's, and a transaction that does not commit forgets them.
 */
#include "store_impl.h"
#include "store_schema.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crm_xmalloc.h"

/* A key's first bytes: enough to find its leaf (a longer key is sought
 * by its prefix, which lands on its leaf or the one before). */
#define NOTE_KEY 48
/* Keys noted a commit at most (a bulk commit's rest is not traced). */
#define NOTES_MAX 65536

struct note {
	MDB_dbi dbi;
	uint16_t db;
	uint8_t klen;
	uint8_t k[NOTE_KEY];
};

/* The writer's (only it writes while crmd serves; before it starts, the
 * upgrade, in the main thread). */
static struct note *notes;
static size_t nnotes;
static _Atomic uint64_t leaves[DB_COUNT];
static _Atomic uint64_t traced;

void
store_trace_enable(store *s)
{
	s->trace = 1;
}

void
store_trace_note(const store *s, enum store_db db, const MDB_val *k)
{
	if (nnotes >= NOTES_MAX) {
		return;
	}
	if (notes == NULL) {
		notes = crm_xcalloc(NOTES_MAX, sizeof(*notes));
	}
	struct note *n = &notes[nnotes++];
	n->dbi = s->dbi[db];
	n->db = (uint16_t)db;
	n->klen = (uint8_t)(k->mv_size < NOTE_KEY ? k->mv_size : NOTE_KEY);
	memcpy(n->k, k->mv_data, n->klen);
}

void
store_trace_forget(void)
{
	nnotes = 0;
}

struct leaf {
	size_t page, order;
	uint16_t db;
};

static int
by_page(const void *a, const void *b)
{
	const struct leaf *x = a, *y = b;
	if (x->page != y->page) {
		return x->page < y->page ? -1 : 1;
	}
	return x->order < y->order ? -1 : x->order > y->order;
}

void
store_trace_commit(store *s)
{
	if (nnotes == 0) {
		return;
	}
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *txn;
	pthread_rwlock_rdlock(&s->resize_lock);
	if (mdb_env_info(s->env, &info) != 0 ||
	    mdb_env_stat(s->env, &st) != 0 ||
	    mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
		pthread_rwlock_unlock(&s->resize_lock);
		nnotes = 0;
		return;
	}
	struct leaf *l = crm_xcalloc(nnotes, sizeof(*l));
	size_t nl = 0;
	const char *base = info.me_mapaddr;
	for (size_t i = 0; i < nnotes; i++) {
		MDB_cursor *c;
		if (mdb_cursor_open(txn, notes[i].dbi, &c) != 0) {
			continue;
		}
		MDB_val k = { notes[i].klen, notes[i].k }, v;
		int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc != 0) {
			rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
		}
		if (rc == 0) {
			l[nl++] = (struct leaf){
				(size_t)((const char *)k.mv_data - base) /
				    st.ms_psize,
				i, notes[i].db
			};
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->resize_lock);
	qsort(l, nl, sizeof(*l), by_page);
	for (size_t i = 0; i < nl; i++) {
		if (i == 0 || l[i].page != l[i - 1].page) {
			atomic_fetch_add_explicit(
			    &leaves[l[i].db], 1, memory_order_relaxed);
		}
	}
	free(l);
	atomic_fetch_add_explicit(&traced, 1, memory_order_relaxed);
	nnotes = 0;
}

void
store_trace_free(void)
{
	free(notes);
	notes = NULL;
	nnotes = 0;
}

uint64_t
store_trace_counts(uint64_t out[DB_COUNT])
{
	for (int i = 0; i < DB_COUNT; i++) {
		out[i] =
		    atomic_load_explicit(&leaves[i], memory_order_relaxed);
	}
	return atomic_load_explicit(&traced, memory_order_relaxed);
}
