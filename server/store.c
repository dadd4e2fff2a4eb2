/* SPDX-License-Identifier: MIT */
/*
 * store.c: LMDB environment, databases, transactions and map growth; the
 * only file that maps LMDB error codes. Record layouts are elsewhere.
 */
#include "store.h"
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm_log.h"
#include "crm_path.h"
#include "crm_xmalloc.h"

static const char *const db_names[DB_COUNT] = {
#define SCHEMA_DB(id, name, shape, of, field) [id] = name,
#include "schema.def"
};

/* The named databases this process opens (LMDB's maxdbs): schema.def's
 * with headroom, so adding databases there needs no change here. */
#define STORE_MAX_DBS (DB_COUNT + 16)
_Static_assert(STORE_MAX_DBS >= DB_COUNT,
    "STORE_MAX_DBS (server/store.c) must cover schema.def's databases");

const char *
store_db_name(enum store_db db)
{
	return db_names[db];
}

_Thread_local int store_map_full;
_Thread_local unsigned long store_writes;

crm_status
store_map_lmdb(int rc, const char *what)
{
	if (rc == MDB_MAP_FULL) {
		store_map_full = 1;
	}
	switch (rc) {
	case MDB_SUCCESS:
		return CRM_OK;
	case MDB_NOTFOUND:
		return CRM_NOT_FOUND;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EFBIG:  /* a file-size limit */
	case EDQUOT: /* a disk quota */
	case EIO:    /* LMDB's word for a short write: the disk filled up
	              * mid-page (or failed); nothing was committed */
		crm_warn("%s: %s", what, mdb_strerror(rc));
		return CRM_TOO_BIG;
	default:
		crm_err("%s: %s (%d)", what, mdb_strerror(rc), rc);
		return CRM_INTERNAL;
	}
}

/* Another process (crm-gen, crmd user add) grew the map: adopt its size.
 * Like store_grow, with no transaction of ours active. */
static void
adopt_size(store *s)
{
	pthread_rwlock_wrlock(&s->resize_lock);
	MDB_envinfo info;
	if (mdb_env_set_mapsize(s->env, 0) == 0 &&
	    mdb_env_info(s->env, &info) == 0) {
		s->map_size = info.me_mapsize;
		crm_info("the map is %zu MiB (grown by another process)",
		    s->map_size >> 20);
	}
	pthread_rwlock_unlock(&s->resize_lock);
}

/* The meta database's "layout": absent in data of schema 10 and older
 * (every database its own), "moving" while store_relocate runs, "tree"
 * after (schema.def's SCHEMA_TREE, the TIME databases each under its
 * tag), "zoning" while store_zone moves them into their zone, "zones"
 * after (schema 25). */
static const MDB_val layout_key = { 6, "layout" };

static int
layout_is(const MDB_val *v, const char *what)
{
	return v->mv_size == strlen(what) &&
	       memcmp(v->mv_data, what, v->mv_size) == 0;
}

static int
test_legacy(void)
{
#ifdef CRM_TEST_HOOKS
	/* Tests make data of the old layout with this, to upgrade it. */
	const char *e = getenv("CRM_TEST_LEGACY_LAYOUT");
	return e != NULL && *e == '1';
#else
	return 0;
#endif
}

static int
test_unzoned(void)
{
#ifdef CRM_TEST_HOOKS
	/* Tests make data of schema 24's layout with this, to upgrade it. */
	const char *e = getenv("CRM_TEST_UNZONED");
	return e != NULL && *e == '1';
#else
	return 0;
#endif
}

/* Whether the LMDB environment holds another program's data: entries in
 * its main database but no crm meta database. 1: foreign. */
static int
foreign(MDB_txn *txn)
{
	MDB_dbi main_db;
	MDB_stat st;
	MDB_val k = { strlen(db_names[DB_META]), (void *)db_names[DB_META] };
	MDB_val v;
	if (mdb_dbi_open(txn, NULL, 0, &main_db) != 0 ||
	    mdb_stat(txn, main_db, &st) != 0) {
		return 0; /* the opens below say what is wrong */
	}
	return st.ms_entries > 0 &&
	       mdb_get(txn, main_db, &k, &v) == MDB_NOTFOUND;
}

/* Open every database: the meta first, whose "schema" and "layout" say
 * whether the data is new, of the old layout, or being moved. Data of
 * another program, or of a newer schema, is refused (EMEDIUMTYPE,
 * EPROTO) before anything is created: a mistyped --data must not write
 * into it, nor an older crm program into newer data. */
/* The meta key of a bulk load's mark (store.h: STORE_UNFINISHED). */
static MDB_val
unfinished_key(void)
{
	return (MDB_val){ sizeof(STORE_UNFINISHED) - 1, STORE_UNFINISHED };
}

static int
open_dbs(store *s, MDB_txn *txn, int read_only, int refuse_old)
{
	unsigned create = read_only ? 0u : MDB_CREATE;
	if (foreign(txn)) {
		crm_err("this folder holds an LMDB database that is not "
		        "crm's (it has no crm meta database); crm leaves it "
		        "as it is: check the data folder");
		return EMEDIUMTYPE;
	}
	int rc =
	    mdb_dbi_open(txn, db_names[DB_META], create, &s->dbi[DB_META]);
	if (rc != 0) {
		return rc;
	}
	MDB_val k = { 6, "schema" }, v, layout = layout_key;
	int fresh = mdb_get(txn, s->dbi[DB_META], &k, &v) == MDB_NOTFOUND;
	int have = mdb_get(txn, s->dbi[DB_META], &layout, &v) == 0;
	int moving =
	    have && (layout_is(&v, "moving") || layout_is(&v, "zoning"));
	/* store_zone's mark stays until the upgrade's last step is done:
	 * the data is half upgraded until then. */
	MDB_val from_key = { 11, "schema_from" }, from_val;
	moving =
	    moving || mdb_get(txn, s->dbi[DB_META], &from_key, &from_val) == 0;
	s->legacy = fresh ? test_legacy() : !have;
	s->zoned = fresh ? !s->legacy && !test_unzoned()
	                 : have && (layout_is(&v, "zones") ||
	                               layout_is(&v, "zoning"));
	if (!fresh && store_schema_get(s, txn) > STORE_SCHEMA_VERSION) {
		crm_err("this data has schema %u; this program knows up to "
		        "schema %u: use the crm programs that wrote it (or "
		        "newer)",
		    store_schema_get(s, txn), STORE_SCHEMA_VERSION);
		return EPROTO;
	}
	if (!fresh && refuse_old) {
		unsigned ver = store_schema_get(s, txn);
		if (ver < store_schema_target(s) && !moving) {
			crm_err("this data has schema %u, this program works "
			        "on schema %u: start crmd on it once to "
			        "upgrade it (to keep a copy as it is first, "
			        "copy the folder while no crmd runs)",
			    ver, STORE_SCHEMA_VERSION);
			return EPROTO;
		}
	}
	if (moving && refuse_old) {
		crm_err("an upgrade of this data was interrupted: start crmd "
		        "on it to finish, then try again");
		return EAGAIN;
	}
	MDB_val unfinished = unfinished_key();
	if (!fresh && s->mode != STORE_BULK &&
	    mdb_get(txn, s->dbi[DB_META], &unfinished, &v) == 0) {
		/* Its crm-gen may still be at work (it holds the folder's
		 * lock): not stopped, and not to be removed. */
		const char *dir = NULL;
		(void)mdb_env_get_path(s->env, &dir);
		int fd = dir != NULL ? store_lock_dir(dir) : -1;
		if (fd >= 0) {
			close(fd);
		} else if (fd == -2) {
			crm_err("crm-gen is still making the data set in %s "
			        "(it holds %s/crmd.lock): wait until it ends",
			    dir, dir);
			return EBUSY;
		}
		crm_err("this folder holds a data set crm-gen did not finish "
		        "(it was stopped before its end): it is no whole set; "
		        "remove the folder and make the set again");
		return ECANCELED;
	}
	if (!read_only && fresh) {
		unsigned char ver[4] = { 0, 0, 0,
			(unsigned char)store_schema_target(s) };
		v.mv_size = sizeof(ver);
		v.mv_data = ver;
		store_writes += 2;
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
		if (rc == 0 && !s->legacy) {
			MDB_val tree = s->zoned ? (MDB_val){ 5, "zones" }
			                        : (MDB_val){ 4, "tree" };
			rc = mdb_put(txn, s->dbi[DB_META], &layout, &tree, 0);
		}
		/* A bulk load's new data is unfinished from its first
		 * commit, this one, until the load takes the mark away. */
		MDB_val mark = unfinished_key(), by = { 7, "crm-gen" };
		if (rc == 0 && s->mode == STORE_BULK) {
			rc = mdb_put(txn, s->dbi[DB_META], &mark, &by, 0);
		}
		if (rc != 0) {
			return rc;
		}
	}
	if (!s->legacy) {
		rc = mdb_dbi_open(txn, STORE_TREE_NAME, create, &s->tree);
		if (rc != 0) {
			return rc;
		}
	}
	for (int i = 0; i < DB_COUNT; i++) {
		if (i == DB_META) {
			continue;
		}
		if (store_place_of(s, i)->tree != STORE_TREE_OWN) {
			s->dbi[i] = s->tree;
			continue;
		}
		rc = mdb_dbi_open(txn, db_names[i], create, &s->dbi[i]);
		if (rc != 0) {
			crm_err("%s: %s", db_names[i], mdb_strerror(rc));
			return rc;
		}
	}
	return 0;
}

/* Create s->env, set it up and open dir with flags; on failure nothing
 * is left open (LMDB's handle of a failed open is closed). */
/* LMDB stops the process (abort) when a page it reads is not what the
 * tree says (no checksums: a damaged page): said first, in the log,
 * with what to do, rather than a crash with nothing said. */
void (*store_damage_hook)(const char *dir, const char *msg);

static void
on_lmdb_assert(MDB_env *env, const char *msg)
{
	const char *dir = NULL;
	(void)mdb_env_get_path(env, &dir);
	if (store_damage_hook != NULL) {
		store_damage_hook(dir, msg);
	}
	crm_err("LMDB stopped on a damaged page of %s (%s): the data is "
	        "damaged; check it with crm-check, restore a backup",
	    dir != NULL ? dir : "the database", msg);
}

static int
env_open(store *s, const char *dir, unsigned flags)
{
	int rc = mdb_env_create(&s->env);
	if (rc != 0) {
		s->env = NULL;
		return rc;
	}
	(void)mdb_env_set_assert(s->env, on_lmdb_assert);
	rc = mdb_env_set_maxdbs(s->env, STORE_MAX_DBS);
	if (rc == 0) {
		rc = mdb_env_set_maxreaders(s->env, 256);
	}
	if (rc == 0) {
		rc = mdb_env_set_mapsize(s->env, s->map_size);
	}
	if (rc == 0) {
		rc = mdb_env_open(s->env, dir, flags, 0600);
	}
	if (rc != 0) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
	return rc;
}

/* A bulk load writes into the map itself (MDB_WRITEMAP) and leaves the
 * flushing to the kernel (MDB_MAPASYNC, MDB_NOSYNC) until store_sync:
 * no copy of each dirty page through pwrite at every commit (a quarter
 * of crm-gen's time went there). crm-gen, 100,000 customers: 100.8 s ->
 * 65.5 s. LMDB makes the file as large as the map: store_trim. */
static const unsigned bulk_flags = MDB_NOSYNC | MDB_WRITEMAP | MDB_MAPASYNC;

crm_status
store_bulk_finish(store *s, MDB_txn *txn)
{
	MDB_val mark = unfinished_key();
	int rc = mdb_del(txn, s->dbi[DB_META], &mark, NULL);
	return store_map_lmdb(rc == MDB_NOTFOUND ? 0 : rc, "meta");
}

crm_status
store_open(store *s, const char *dir, size_t map_size, int mode)
{
	int read_only = mode == STORE_READ_ONLY;
	memset(s, 0, sizeof(*s));
	s->read_only = read_only;
	s->mode = mode;
	s->map_size = map_size;
	pthread_rwlock_init(&s->resize_lock, NULL);
	if (!read_only) {
		/* The folder and those above it, as `mkdir -p` (the man
		 * page: "created mode 0700 if missing"). */
		char *file = crm_xasprintf("%s/data.mdb", dir);
		crm_status made = crm_path_mkdir_parent(file);
		free(file);
		if (made != CRM_OK) {
			crm_err("cannot create %s: %s", dir, strerror(errno));
			return CRM_INTERNAL;
		}
	}
	/* No readahead on the map (MDB_NORDAHEAD, madvise MADV_RANDOM): the
	 * trees are read at random, and once the data outgrows the page
	 * cache the kernel's readahead on each fault evicted pages still in
	 * use for neighbours never read. Measured on a 25 GiB set on a
	 * 24 GiB machine, a team's report conversion (100,000 customers):
	 * 15-27 s cold and 1.1-2.5 s warm with readahead, 7.3-8.7 s and
	 * 0.41-0.52 s without. */
	unsigned flags = MDB_NOTLS | MDB_NORDAHEAD |
	                 (read_only ? MDB_RDONLY : 0u) |
	                 (mode == STORE_BULK ? bulk_flags : 0u);
	/* A read-only open leaves nothing behind: not the lock file LMDB
	 * makes when the data turns out unreadable. */
	char *lock_path = crm_xasprintf("%s/lock.mdb", dir);
	char *data_path = crm_xasprintf("%s/data.mdb", dir);
	struct stat lst, dst;
	int had_lock = stat(lock_path, &lst) == 0;
	int rc;
	if (stat(data_path, &dst) == 0 && dst.st_size == 0) {
		/* What a failed copy of a backup leaves: never written
		 * over as if new. */
		crm_err("%s is empty (0 bytes): no crm database; restore a "
		        "backup, or remove it to start a new database",
		    data_path);
		rc = ENOENT;
	} else {
		rc = env_open(s, dir, flags);
		if (rc == EACCES && read_only) {
			/* A folder this user cannot write (a backup on
			 * read-only media): no lock file, so no crmd may
			 * write to it meanwhile. */
			crm_warn("%s: cannot make the lock file (%s): reading "
			         "without it; no crmd may write to it "
			         "meanwhile",
			    dir, strerror(rc));
			rc = env_open(s, dir, flags | MDB_NOLOCK);
		}
		if (rc == ENOENT) {
			crm_err("no database in %s", dir);
		}
	}
	if (rc != 0 && read_only && !had_lock) {
		(void)unlink(lock_path);
	}
	free(lock_path);
	if (rc != 0) {
		free(data_path);
		return rc == ENOENT ? CRM_NOT_FOUND : store_map_lmdb(rc, dir);
	}
	MDB_envinfo info;
	/* Another process may have grown the map: adopt the larger size. */
	mdb_env_info(s->env, &info);
	/* A file shorter than the pages its meta page says are in use (a
	 * copy cut short, a disk that filled): reading those pages through
	 * the map would end the process (SIGBUS) with nothing said. */
	MDB_stat est;
	struct stat fst;
	uint64_t need = 0;
	if (mdb_env_stat(s->env, &est) == 0 && stat(data_path, &fst) == 0) {
		need = ((uint64_t)info.me_last_pgno + 1) * est.ms_psize;
	}
	if (need > 0 && (uint64_t)fst.st_size < need) {
		crm_err("%s is cut short: %lld bytes, but the pages in use "
		        "end at %llu: it is no whole crm database (a copy "
		        "that stopped early, or a full disk); restore a "
		        "backup, or copy the whole file again",
		    data_path, (long long)fst.st_size,
		    (unsigned long long)need);
		free(data_path);
		store_close(s);
		return CRM_UNSUPPORTED;
	}
	free(data_path);
	if (info.me_mapsize > s->map_size) {
		s->map_size = info.me_mapsize;
	}
	int dead = 0;
	mdb_reader_check(s->env, &dead);
	if (dead > 0) {
		crm_warn("cleared %d stale reader slots", dead);
	}

	MDB_txn *txn;
	rc = mdb_txn_begin(s->env, NULL, read_only ? MDB_RDONLY : 0, &txn);
	if (rc == MDB_MAP_RESIZED) {
		adopt_size(s);
		rc = mdb_txn_begin(
		    s->env, NULL, read_only ? MDB_RDONLY : 0, &txn);
	}
	if (rc != 0) {
		store_close(s);
		return store_map_lmdb(rc, "begin");
	}
	rc = open_dbs(s, txn, read_only, read_only || mode == STORE_ADMIN);
	if (rc != 0) {
		mdb_txn_abort(txn);
		store_close(s);
		return rc == MDB_NOTFOUND ? CRM_NOT_FOUND
		       : rc == EAGAIN     ? CRM_UNAVAILABLE
		       : rc == EPROTO || rc == EMEDIUMTYPE || rc == ECANCELED
		           ? CRM_UNSUPPORTED
		           : store_map_lmdb(rc, "open");
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0) {
		store_close(s);
		return store_map_lmdb(rc, "commit");
	}
	return CRM_OK;
}

int
store_lock_dir(const char *dir)
{
	char *path = crm_xasprintf("%s/crmd.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0) {
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -2;
	}
	return fd;
}

unsigned
store_schema_target(const store *s)
{
	/* A test's data of an old layout stays at its schema: 24 for the
	 * TIME databases each under its tag, 10 for every database its
	 * own. */
	if (s->legacy && test_legacy()) {
		return 10;
	}
	return s->zoned || s->legacy || !test_unzoned() ? STORE_SCHEMA_VERSION
	                                                : 24;
}

unsigned
store_schema_get(store *s, MDB_txn *txn)
{
	/* While store_zone runs, "schema" says the newest (an older crmd
	 * must not open the data) and "schema_from" what it was. */
	MDB_val k = { 11, "schema_from" }, v;
	if (mdb_get(txn, s->dbi[DB_META], &k, &v) != 0) {
		k = (MDB_val){ 6, "schema" };
	}
	if (mdb_get(txn, s->dbi[DB_META], &k, &v) != 0 || v.mv_size != 4) {
		return 0;
	}
	const unsigned char *p = v.mv_data;
	return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
	       (unsigned)p[2] << 8 | p[3];
}

crm_status
store_schema_set(store *s, MDB_txn *txn, unsigned version)
{
	unsigned char ver[4] = { (unsigned char)(version >> 24),
		(unsigned char)(version >> 16), (unsigned char)(version >> 8),
		(unsigned char)version };
	MDB_val k = { 6, "schema" }, v = { sizeof(ver), ver };
	MDB_val from = { 11, "schema_from" };
	store_writes += 2;
	int rc = mdb_del(txn, s->dbi[DB_META], &from, NULL);
	if (rc == 0 || rc == MDB_NOTFOUND) {
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
	}
	return store_map_lmdb(rc, "schema");
}

void
store_close(store *s)
{
	store_defer_free(s);
	if (s->trace) {
		store_trace_free();
	}
	if (s->env != NULL) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
	pthread_rwlock_destroy(&s->resize_lock);
}

crm_status
store_read_begin(store *s, MDB_txn **txn)
{
	pthread_rwlock_rdlock(&s->resize_lock);
	int rc = *txn != NULL ? mdb_txn_renew(*txn)
	                      : mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) {
		pthread_rwlock_unlock(&s->resize_lock);
		adopt_size(s);
		pthread_rwlock_rdlock(&s->resize_lock);
		rc = *txn != NULL
		         ? mdb_txn_renew(*txn)
		         : mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	}
	if (rc != 0) {
		pthread_rwlock_unlock(&s->resize_lock);
		return store_map_lmdb(rc, "read begin");
	}
	return CRM_OK;
}

void
store_read_end(store *s, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	pthread_rwlock_unlock(&s->resize_lock);
}

void
store_read_free(MDB_txn *txn)
{
	if (txn != NULL) {
		mdb_txn_abort(txn);
	}
}

crm_status
store_write_begin(store *s, MDB_txn **txn)
{
	pthread_rwlock_rdlock(&s->resize_lock);
	int rc = mdb_txn_begin(s->env, NULL, 0, txn);
	if (rc == MDB_MAP_RESIZED) {
		pthread_rwlock_unlock(&s->resize_lock);
		adopt_size(s);
		pthread_rwlock_rdlock(&s->resize_lock);
		rc = mdb_txn_begin(s->env, NULL, 0, txn);
	}
	if (rc != 0) {
		pthread_rwlock_unlock(&s->resize_lock);
		return store_map_lmdb(rc, "write begin");
	}
	return CRM_OK;
}

crm_status
store_write_commit(store *s, MDB_txn *txn)
{
	int rc = mdb_txn_commit(txn); /* frees txn even on failure */
	pthread_rwlock_unlock(&s->resize_lock);
	if (s->trace) {
		if (rc == 0) {
			store_trace_commit(s);
		}
		store_trace_forget();
	}
	return store_map_lmdb(rc, "commit");
}

void
store_write_abort(store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->resize_lock);
	if (s->trace) {
		store_trace_forget();
	}
}

crm_status
store_grow(store *s)
{
	pthread_rwlock_wrlock(&s->resize_lock);
	size_t next = s->map_size * 2;
	int rc = mdb_env_set_mapsize(s->env, next);
	if (rc == 0) {
		crm_info("map grown to %zu MiB", next >> 20);
		s->map_size = next;
	}
	pthread_rwlock_unlock(&s->resize_lock);
	return store_map_lmdb(rc, "grow map");
}

store *
store_new(void)
{
	return crm_xcalloc(1, sizeof(store));
}

void
store_free(store *s)
{
	free(s);
}

size_t
store_map_size(const store *s)
{
	return s->map_size;
}

size_t
store_used_bytes(store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	if (mdb_env_info(s->env, &info) != 0 ||
	    mdb_env_stat(s->env, &st) != 0) {
		return 0;
	}
	return (size_t)(info.me_last_pgno + 1) * st.ms_psize;
}

size_t
store_page_size(store *s)
{
	MDB_stat st;
	return mdb_env_stat(s->env, &st) == 0 ? st.ms_psize : 4096;
}

int
store_reader_check(store *s)
{
	int dead = 0;
	mdb_reader_check(s->env, &dead);
	return dead;
}

crm_status
store_sync(store *s)
{
	return store_map_lmdb(mdb_env_sync(s->env, 1), "sync");
}

crm_status
store_trim(const char *dir, size_t used)
{
	char *path = crm_xasprintf("%s/data.mdb", dir);
	struct stat st;
	int rc = 0;
	if (used > 0 && stat(path, &st) == 0 && (size_t)st.st_size > used) {
		rc = truncate(path, (off_t)used);
		if (rc != 0) {
			crm_err("%s: cannot cut to %zu bytes: %s", path, used,
			    strerror(errno));
		}
	}
	free(path);
	return rc == 0 ? CRM_OK : CRM_INTERNAL;
}

crm_status
store_copy_compact(store *s, const char *dir, const char **why)
{
	/* The copy's read transaction must not meet a map resize. */
	pthread_rwlock_rdlock(&s->resize_lock);
	int rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&s->resize_lock);
	if (why != NULL) {
		*why = rc != 0 ? mdb_strerror(rc) : NULL;
	}
	return rc == ENOSPC ? CRM_TOO_BIG : rc != 0 ? CRM_INTERNAL : CRM_OK;
}

crm_status
store_nested_begin(store *s, MDB_txn *parent, MDB_txn **child)
{
	return store_map_lmdb(
	    mdb_txn_begin(s->env, parent, 0, child), "nested begin");
}

crm_status
store_nested_commit(MDB_txn *child)
{
	return store_map_lmdb(mdb_txn_commit(child), "nested commit");
}

void
store_nested_abort(MDB_txn *child)
{
	mdb_txn_abort(child);
}
