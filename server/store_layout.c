/* SPDX-License-Identifier: MIT */
/*
 * store_layout.c: where each database's entries live in LMDB. Most of
 * the databases a write touches share one LMDB tree (schema.def's
 * SCHEMA_TREE lines): a SHARED database is the range of keys that start
 * with its tag, and a CUSTOMER database's keys are regrouped by customer,
 * 0xFF || customer id || tag || rest, so a customer's record and its lists
 * share leaves. A commit then copies one B-tree's upper pages instead of
 * one path from root to leaf in each of a dozen trees (issue 19).
 *
 * Here: the table, key translation both ways, the cursor moves that skip
 * other databases' keys, and store_relocate, which moves data written by
 * schema 10 and older (every database its own LMDB database) into the
 * shared tree, in batches that a crash leaves resumable.
 */
#include "store_impl.h"
#include "store_schema.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_log.h"

const struct store_place store_places[DB_COUNT] = {
#define SCHEMA_TREE(id, tree, tag) [id] = { STORE_TREE_##tree, tag },
#include "schema.def"
};

static const struct store_place own = { STORE_TREE_OWN, 0 };

/* The TIME databases as schema 24 and older kept them: CUSTOMER ones,
 * under these tags (store_zone moves them). */
static const struct store_place unzoned[DB_COUNT] = {
	[DB_FU_CUST_TIME] = { STORE_TREE_CUSTOMER, 68 },
	[DB_TASK_CUST_TIME] = { STORE_TREE_CUSTOMER, 69 },
	[DB_CUST_EVENT] = { STORE_TREE_CUSTOMER, 71 },
	[DB_STAGE_CUST_TIME] = { STORE_TREE_CUSTOMER, 73 },
	[DB_PROP_CUST_TIME] = { STORE_TREE_CUSTOMER, 76 },
	[DB_COMMIT_CUST_TIME] = { STORE_TREE_CUSTOMER, 78 },
	[DB_SLA_CUST_TIME] = { STORE_TREE_CUSTOMER, 80 },
	[DB_PURCH_CUST_TIME] = { STORE_TREE_CUSTOMER, 82 },
	[DB_AUDIT_CUST] = { STORE_TREE_CUSTOMER, 70 },
};
/* A TIME database whose keys gained their time with the zone: its old
 * entries go, and the upgrade writes it anew (audit_reindex). */
#define ZONE_REBUILT DB_AUDIT_CUST
/* zone_tags' mark of such a tag. */
#define ZONE_DROP 0xFFu

const struct store_place *
store_place_of(const store *s, enum store_db db)
{
	if (s->legacy) {
		return &own;
	}
	const struct store_place *p = &store_places[db];
	return p->tree == STORE_TREE_TIME && !s->zoned ? &unzoned[db] : p;
}

int
store_in_tree(const store *s, enum store_db db)
{
	return store_place_of(s, db)->tree != STORE_TREE_OWN;
}

int
store_phys(const store *s, enum store_db db, const void *key, size_t klen,
    uint8_t *buf, MDB_val *out)
{
	const struct store_place *p = store_place_of(s, db);
	const uint8_t *k = key;
	switch (p->tree) {
	case STORE_TREE_SHARED:
		if (klen + 1 >= STORE_PHYS_MAX) {
			return -1;
		}
		buf[0] = p->tag;
		memcpy(buf + 1, k, klen);
		out->mv_size = klen + 1;
		break;
	case STORE_TREE_CUSTOMER:
		if (klen + 2 >= STORE_PHYS_MAX) {
			return -1;
		}
		buf[0] = STORE_REGION;
		memset(buf + 1, 0, 8);
		memcpy(buf + 1, k, klen < 8 ? klen : 8);
		buf[9] = p->tag;
		if (klen > 8) {
			memcpy(buf + 10, k + 8, klen - 8);
		}
		out->mv_size = klen > 8 ? klen + 2 : 10;
		break;
	case STORE_TREE_TIME:
		/* region || customer || zone || time || tag || rest: a key
		 * cut within its time (a seek's) ends there, before every
		 * full key of that time. */
		if (klen + 3 >= STORE_PHYS_MAX) {
			return -1;
		}
		buf[0] = STORE_REGION;
		memset(buf + 1, 0, 8);
		memcpy(buf + 1, k, klen < 8 ? klen : 8);
		buf[9] = STORE_ZONE_TIME;
		if (klen <= 8) {
			out->mv_size = 10;
		} else if (klen <= 16) {
			memcpy(buf + 10, k + 8, klen - 8);
			out->mv_size = klen + 2;
		} else {
			memcpy(buf + 10, k + 8, 8);
			buf[STORE_ZONE_HEAD] = p->tag;
			memcpy(buf + STORE_ZONE_HEAD + 1, k + 16, klen - 16);
			out->mv_size = klen + 3;
		}
		break;
	default:
		out->mv_data = (void *)key;
		out->mv_size = klen;
		return 0;
	}
	out->mv_data = buf;
	return 0;
}

int
store_phys_exact(const store *s, enum store_db db, const void *key,
    size_t klen, uint8_t *buf, MDB_val *out)
{
	const struct store_place *p = store_place_of(s, db);
	if (klen < 8 && p->tree == STORE_TREE_CUSTOMER) {
		crm_err("%s: a key of %zu bytes has no customer id",
		    store_db_name(db), klen);
		return -1;
	}
	if (klen <= 16 && p->tree == STORE_TREE_TIME) {
		crm_err("%s: a key of %zu bytes has no customer, time and id",
		    store_db_name(db), klen);
		return -1;
	}
	return store_phys(s, db, key, klen, buf, out);
}

/* Entries store_customer_touch steps back from the record: the newest
 * of the TIME zone. */
#define STORE_TOUCH_BACK 16

size_t
store_customer_touch(store *s, MDB_txn *txn, uint64_t customer, size_t max)
{
	if (store_place_of(s, DB_CUSTOMERS)->tree != STORE_TREE_CUSTOMER) {
		return 0;
	}
	MDB_cursor *mc;
	if (mdb_cursor_open(txn, s->dbi[DB_CUSTOMERS], &mc) != 0) {
		return 0;
	}
	/* The range's prefix: region || customer, the record's key less
	 * its tag. */
	store_key id;
	store_key_id(&id, customer);
	uint8_t b[STORE_PHYS_MAX];
	MDB_val k, v;
	(void)store_phys(s, DB_CUSTOMERS, id.b, id.len, b, &k);
	size_t plen = k.mv_size - 1, n = 0;
	MDB_val at = k;
	int rc = mdb_cursor_get(mc, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && n < max && k.mv_size >= plen &&
	       memcmp(k.mv_data, b, plen) == 0) {
		n++;
		rc = mdb_cursor_get(mc, &k, &v, MDB_NEXT);
	}
	/* Before the record: the end of its TIME zone, where a log adds
	 * its entries. */
	k = at;
	rc = mdb_cursor_get(mc, &k, &v, MDB_SET_RANGE);
	for (size_t back = 0; rc == 0 && back < STORE_TOUCH_BACK; back++) {
		rc = mdb_cursor_get(mc, &k, &v, MDB_PREV);
		if (rc != 0 || k.mv_size < plen ||
		    memcmp(k.mv_data, b, plen) != 0) {
			break;
		}
		n++;
	}
	mdb_cursor_close(mc);
	return n;
}

int
store_mine(const struct store_place *p, const MDB_val *k)
{
	const uint8_t *b = k->mv_data;
	if (p->tree == STORE_TREE_SHARED) {
		return k->mv_size >= 1 && b[0] == p->tag;
	}
	if (p->tree == STORE_TREE_TIME) {
		return k->mv_size > STORE_ZONE_HEAD && b[0] == STORE_REGION &&
		       b[9] == STORE_ZONE_TIME && b[STORE_ZONE_HEAD] == p->tag;
	}
	return k->mv_size >= 10 && b[0] == STORE_REGION && b[9] == p->tag;
}

int
store_mine_at(const struct store_cursor *c, const MDB_val *k)
{
	const uint8_t *b = k->mv_data;
	if (c->zone) {
		return k->mv_size > STORE_ZONE_HEAD && b[0] == STORE_REGION &&
		       b[9] == STORE_ZONE_TIME;
	}
	return store_mine(store_place_of(c->s, c->db), k);
}

/* Where p's keys are in a customer's range: its tag, or its zone's. */
static uint8_t
range_byte(const struct store_place *p)
{
	return p->tree == STORE_TREE_TIME ? (uint8_t)STORE_ZONE_TIME : p->tag;
}

/* Position c at the first key >= (region, customer, tag), or, before
 * (dir -1), at the last key < it. */
static int
seek_customer(struct store_cursor *c, uint64_t customer, uint8_t tag, int dir,
    MDB_val *k, MDB_val *v)
{
	uint8_t *b = c->buf;
	b[0] = STORE_REGION;
	for (int i = 0; i < 8; i++) {
		b[1 + i] = (uint8_t)(customer >> (56 - 8 * i));
	}
	b[9] = tag;
	k->mv_data = b;
	k->mv_size = 10;
	int rc = mdb_cursor_get(c->mc, k, v, MDB_SET_RANGE);
	if (dir < 0) {
		rc = rc == 0 ? mdb_cursor_get(c->mc, k, v, MDB_PREV)
		     : rc == MDB_NOTFOUND
		         ? mdb_cursor_get(c->mc, k, v, MDB_LAST)
		         : rc;
	}
	return rc;
}

int
store_settle(struct store_cursor *c, int rc, int dir, MDB_val *k, MDB_val *v)
{
	const struct store_place *p = store_place_of(c->s, c->db);
	if (p->tree == STORE_TREE_OWN) {
		return rc;
	}
	const uint8_t at_byte = range_byte(p);
	/* Each turn skips at least one customer, moves to the tag (or zone)
	 * within one, or steps once within a zone: it ends. */
	for (;;) {
		if (rc != 0) {
			return rc;
		}
		const uint8_t *b = k->mv_data;
		if (c->limited && store_in_customer(p)) {
			/* Past the customer in the walk's direction: done;
			 * short of it (a seek that landed on a neighbour):
			 * straight to the customer's own range. */
			if (k->mv_size < 10 || b[0] != STORE_REGION) {
				return MDB_NOTFOUND;
			}
			uint64_t at = store_u64(b + 1);
			if (dir > 0 ? at > c->limit : at < c->limit) {
				return MDB_NOTFOUND;
			}
			if (at != c->limit) {
				rc = seek_customer(c, c->limit,
				    (uint8_t)(dir > 0 ? at_byte : at_byte + 1),
				    dir, k, v);
				continue;
			}
			/* Past its own tag within the customer: done, with
			 * no seek into the next customer's keys. */
			if (dir > 0 ? b[9] > at_byte : b[9] < at_byte) {
				return MDB_NOTFOUND;
			}
		}
		if (store_mine_at(c, k)) {
			return 0;
		}
		if (p->tree == STORE_TREE_SHARED || k->mv_size < 10 ||
		    b[0] != STORE_REGION) {
			return MDB_NOTFOUND;
		}
		uint64_t cust = store_u64(b + 1);
		uint8_t tag = b[9];
		if (tag == at_byte) {
			/* Another TIME database's entry within the zone: they
			 * are in time order, so step over it. */
			rc = mdb_cursor_get(
			    c->mc, k, v, dir > 0 ? MDB_NEXT : MDB_PREV);
		} else if (dir > 0) {
			if (tag < at_byte) {
				rc = seek_customer(c, cust, at_byte, 1, k, v);
			} else if (cust == UINT64_MAX) {
				return MDB_NOTFOUND;
			} else {
				rc = seek_customer(
				    c, cust + 1, at_byte, 1, k, v);
			}
		} else {
			if (tag > at_byte) {
				rc = seek_customer(
				    c, cust, (uint8_t)(at_byte + 1), -1, k, v);
			} else if (cust == 0) {
				return MDB_NOTFOUND;
			} else {
				rc = seek_customer(c, cust - 1,
				    (uint8_t)(at_byte + 1), -1, k, v);
			}
		}
	}
}

void
store_logical(struct store_cursor *c, MDB_val *k)
{
	const struct store_place *p = store_place_of(c->s, c->db);
	const uint8_t *b = k->mv_data;
	if (p->tree == STORE_TREE_SHARED) {
		k->mv_data = (void *)(b + 1);
		k->mv_size -= 1;
	} else if (p->tree == STORE_TREE_CUSTOMER) {
		memcpy(c->buf, b + 1, 8);
		memcpy(c->buf + 8, b + 10, k->mv_size - 10);
		k->mv_data = c->buf;
		k->mv_size -= 2;
	} else if (c->zone) {
		/* customer || time || tag || id: less the region and zone */
		memcpy(c->buf, b + 1, 8);
		memcpy(c->buf + 8, b + 10, k->mv_size - 10);
		k->mv_data = c->buf;
		k->mv_size -= 2;
	} else if (p->tree == STORE_TREE_TIME) {
		/* (store_mine: longer than its head) */
		memcpy(c->buf, b + 1, 8);
		memcpy(c->buf + 8, b + 10, 8);
		memcpy(c->buf + 16, b + STORE_ZONE_HEAD + 1,
		    k->mv_size - STORE_ZONE_HEAD - 1);
		k->mv_data = c->buf;
		k->mv_size -= 3;
	}
}

crm_status
store_check_tree(store *s, MDB_txn *txn, uint64_t *entries, uint64_t *stray)
{
	*entries = *stray = 0;
	if (s->legacy) {
		return CRM_OK;
	}
	/* Which database each tag names, by tree. */
	uint8_t shared[256] = { 0 }, customer[256] = { 0 }, zone[256] = { 0 };
	for (int db = 0; db < DB_COUNT; db++) {
		const struct store_place *p = store_place_of(s, db);
		if (p->tree == STORE_TREE_SHARED) {
			shared[p->tag] = 1;
		} else if (p->tree == STORE_TREE_CUSTOMER) {
			customer[p->tag] = 1;
		} else if (p->tree == STORE_TREE_TIME) {
			zone[p->tag] = 1;
		}
	}
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat st;
	int rc = mdb_cursor_open(txn, s->tree, &cur);
	if (rc != 0) {
		return store_map_lmdb(rc, "tree");
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		const uint8_t *b = k.mv_data;
		int ok = k.mv_size >= 1 && b[0] != STORE_REGION ? shared[b[0]]
		         : k.mv_size >= 10 && b[9] == STORE_ZONE_TIME
		             ? k.mv_size > STORE_ZONE_HEAD &&
		                   zone[b[STORE_ZONE_HEAD]]
		             : k.mv_size >= 10 && customer[b[9]];
		*stray += !ok;
		++*entries;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND) {
		return store_map_lmdb(rc, "tree");
	}
	rc = mdb_stat(txn, s->tree, &st);
	if (rc != 0) {
		return store_map_lmdb(rc, "tree");
	}
	return st.ms_entries == *entries ? CRM_OK : CRM_DATA_LOSS;
}

crm_status
store_retag(store *s, MDB_txn *txn, enum store_db db, uint8_t old_tag,
    uint64_t customer, int *moved)
{
	*moved = 0;
	const struct store_place *p = store_place_of(s, db);
	if (p->tree != STORE_TREE_CUSTOMER) {
		return CRM_OK; /* the old layout: relocated by tag now */
	}
	uint8_t ob[10], nb[STORE_PHYS_MAX], ck[8];
	ob[0] = STORE_REGION;
	for (int i = 0; i < 8; i++) {
		ck[i] = ob[1 + i] = (uint8_t)(customer >> (56 - 8 * i));
	}
	ob[9] = old_tag;
	MDB_val ok = { sizeof(ob), ob }, nk, v;
	int rc = mdb_get(txn, s->tree, &ok, &v);
	if (rc == MDB_NOTFOUND) {
		return CRM_OK;
	}
	/* A copy: v points into a page the put may change. */
	uint8_t val[64];
	if (rc == 0 && (v.mv_size > sizeof(val) ||
	                   store_phys(s, db, ck, sizeof(ck), nb, &nk) != 0)) {
		return CRM_INTERNAL;
	}
	if (rc == 0) {
		memcpy(val, v.mv_data, v.mv_size);
		v.mv_data = val;
		rc = mdb_put(txn, s->tree, &nk, &v, 0);
	}
	if (rc == 0) {
		rc = mdb_del(txn, s->tree, &ok, NULL);
	}
	*moved = rc == 0;
	return rc == 0 ? CRM_OK : store_map_lmdb(rc, store_db_name(db));
}

/* ------------------------------------------------ moving old data */

struct move {
	store *s;
	size_t batch;
	unsigned long batches_left; /* a test's crash point; 0: none */
	uint64_t moved, total;
	uint8_t *buf; /* a copy of the entry being moved */
	size_t cap;
};

static int
set_layout(store *s, MDB_txn *txn, const char *what)
{
	MDB_val k = { 6, "layout" }, v = { strlen(what), (void *)what };
	store_writes++;
	return mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
}

/* Set the layout in a transaction of its own. */
static int
layout_commit(store *s, const char *what)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = set_layout(s, txn, what);
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	return rc;
}

/* After each batch of a move: a test's crash point
 * (CRM_TEST_RELOCATE_CRASH_AFTER). */
static void
batch_done(struct move *m)
{
	if (m->batches_left > 0 && --m->batches_left == 0) {
		crm_warn("CRM_TEST_RELOCATE_CRASH_AFTER: stopping mid-move");
		_exit(75);
	}
}

/* Copy k and v out of the map: the puts below may spill the pages they
 * point into. */
static int
hold(struct move *m, MDB_val *k, MDB_val *v)
{
	size_t need = k->mv_size + v->mv_size;
	if (need > m->cap) {
		uint8_t *b = realloc(m->buf, need);
		if (b == NULL) {
			return ENOMEM;
		}
		m->buf = b;
		m->cap = need;
	}
	memcpy(m->buf, k->mv_data, k->mv_size);
	memcpy(m->buf + k->mv_size, v->mv_data, v->mv_size);
	k->mv_data = m->buf;
	v->mv_data = m->buf + k->mv_size;
	return 0;
}

/* Move up to m->batch entries of db from its old LMDB database into the
 * shared tree, deleting each as it goes, in one transaction: a crash
 * leaves every entry in exactly one place. *done: the old database is
 * gone. */
static int
move_batch(struct move *m, enum store_db db, int *done)
{
	store *s = m->s;
	MDB_txn *txn;
	MDB_dbi old;
	MDB_cursor *cur;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0) {
		return rc;
	}
	rc = mdb_dbi_open(txn, store_db_name(db), 0, &old);
	if (rc == MDB_NOTFOUND) {
		*done = 1;
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc == 0) {
		rc = mdb_cursor_open(txn, old, &cur);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	size_t n = 0;
	MDB_val k, v, pk;
	uint8_t pb[STORE_PHYS_MAX];
	while (n < m->batch && (rc = mdb_cursor_get(cur, &k, &v,
	                            n ? MDB_NEXT : MDB_FIRST)) == 0) {
		store_writes += 2;
		if ((rc = hold(m, &k, &v)) != 0 ||
		    (rc = store_phys_exact(
		              s, db, k.mv_data, k.mv_size, pb, &pk) != 0
		              ? EINVAL
		              : 0) != 0 ||
		    (rc = mdb_put(txn, s->tree, &pk, &v, 0)) != 0 ||
		    (rc = mdb_cursor_del(cur, 0)) != 0) {
			break;
		}
		n++;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		/* Empty now: forget the old database. */
		store_writes++;
		rc = mdb_drop(txn, old, 1);
		*done = rc == 0;
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc == 0) {
		m->moved += n;
	}
	return rc;
}

static uint64_t
old_entries(store *s)
{
	uint64_t n = 0;
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
		return 0;
	}
	for (int db = 0; db < DB_COUNT; db++) {
		MDB_dbi h;
		MDB_stat st;
		if (store_places[db].tree != STORE_TREE_OWN &&
		    mdb_dbi_open(txn, store_db_name(db), 0, &h) == 0 &&
		    mdb_stat(txn, h, &st) == 0) {
			n += st.ms_entries;
		}
	}
	mdb_txn_abort(txn);
	return n;
}

static void
test_knobs(struct move *m)
{
	m->batch = 50000;
#ifdef CRM_TEST_HOOKS
	const char *e = getenv("CRM_TEST_RELOCATE_BATCH");
	if (e != NULL && atol(e) > 0) {
		m->batch = (size_t)atol(e);
	}
	e = getenv("CRM_TEST_RELOCATE_CRASH_AFTER");
	if (e != NULL && atol(e) > 0) {
		m->batches_left = (unsigned long)atol(e);
	}
#endif
}

crm_status
store_relocate(store *s)
{
	MDB_txn *txn;
	int rc;
	MDB_val k = { 6, "layout" }, v;
	if (s->read_only || !s->legacy) {
		/* Either new, done, or "moving" (store_open opened the tree):
		 * in the last case the old databases still exist. */
		if (s->read_only ||
		    mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
			return CRM_OK;
		}
		rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
		int moving = rc == 0 && v.mv_size == 6 &&
		             memcmp(v.mv_data, "moving", 6) == 0;
		mdb_txn_abort(txn);
		if (!moving) {
			return CRM_OK;
		}
	}
#ifdef CRM_TEST_HOOKS
	const char *keep = getenv("CRM_TEST_LEGACY_LAYOUT");
	if (keep != NULL && *keep == '1') {
		return CRM_OK;
	}
#endif
	struct move m = { .s = s };
	test_knobs(&m);
	m.total = old_entries(s);
	crm_info("moving %" PRIu64 " entries to the shared tree (schema 11)",
	    m.total);
	/* From here on the data is "moving": the tree exists, and every
	 * database of the tree is read from it. */
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, STORE_TREE_NAME, MDB_CREATE, &s->tree);
	}
	if (rc == 0) {
		rc = set_layout(s, txn, "moving");
	}
	rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	if (rc != 0) {
		return store_map_lmdb(rc, "relocate");
	}
	s->legacy = 0;
	for (int db = 0; db < DB_COUNT; db++) {
		if (store_places[db].tree != STORE_TREE_OWN) {
			s->dbi[db] = s->tree;
		}
	}
	uint64_t said = 0;
	for (int db = 0; db < DB_COUNT && rc == 0; db++) {
		if (store_places[db].tree == STORE_TREE_OWN) {
			continue;
		}
		for (int done = 0; !done && rc == 0;) {
			rc = move_batch(&m, (enum store_db)db, &done);
			if (rc == MDB_MAP_FULL) {
				rc = store_grow(s) == CRM_OK ? 0 : rc;
			}
			if (m.moved - said >= 1000000) {
				said = m.moved;
				crm_info("moved %" PRIu64 " of %" PRIu64
				         " entries",
				    m.moved, m.total);
			}
			batch_done(&m);
		}
	}
	free(m.buf);
	if (rc == 0) {
		rc = layout_commit(s, "tree");
	}
	if (rc != 0) {
		return store_map_lmdb(rc, "relocate");
	}
	crm_info("moved %" PRIu64 " entries to the shared tree", m.moved);
	return CRM_OK;
}

/* ------------------------------------------------ the TIME zone */

/* The META entry "layout" of data of the shared tree: *v its value. */
static int
get_layout(store *s, MDB_txn *txn, MDB_val *v)
{
	MDB_val k = { 6, "layout" };
	return mdb_get(txn, s->dbi[DB_META], &k, v);
}

/* Start the move: "zoning", and the schema as store_zone says. */
static int
zone_begin(store *s)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0) {
		return rc;
	}
	unsigned from = store_schema_get(s, txn);
	MDB_val fk = { 11, "schema_from" }, sk = { 6, "schema" };
	unsigned char b[4] = { (unsigned char)(from >> 24),
		(unsigned char)(from >> 16), (unsigned char)(from >> 8),
		(unsigned char)from };
	unsigned char now[4] = { 0, 0, 0, STORE_SCHEMA_VERSION };
	MDB_val fv = { 4, b }, nv = { 4, now };
	store_writes += 3;
	rc = set_layout(s, txn, "zoning");
	if (rc == 0 && from < STORE_SCHEMA_VERSION) {
		rc = mdb_put(txn, s->dbi[DB_META], &fk, &fv, 0);
		if (rc == 0) {
			rc = mdb_put(txn, s->dbi[DB_META], &sk, &nv, 0);
		}
	}
	return rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
}

/* The TIME databases' tags as CUSTOMER ones -> their tags in the zone
 * (0: another database's). */
static void
zone_tags(uint8_t was[256])
{
	memset(was, 0, 256);
	for (int db = 0; db < DB_COUNT; db++) {
		if (store_places[db].tree == STORE_TREE_TIME) {
			was[unzoned[db].tag] = db == ZONE_REBUILT
			                           ? (uint8_t)ZONE_DROP
			                           : store_places[db].tag;
		}
	}
}

uint8_t
store_zone_tag(enum store_db db)
{
	return store_places[db].tree == STORE_TREE_TIME ? store_places[db].tag
	                                                : 0;
}

enum store_db
store_zone_db(uint8_t tag)
{
	for (int db = 0; db < DB_COUNT; db++) {
		if (store_places[db].tree == STORE_TREE_TIME &&
		    store_places[db].tag == tag) {
			return (enum store_db)db;
		}
	}
	return DB_COUNT;
}

int
store_zoned(const store *s)
{
	return !s->legacy && s->zoned;
}

/* Move up to m->batch entries from their tags to the zone, from the
 * physical key at (*from, *flen) on, in one transaction: a crash leaves
 * each in one place. *from: where the next batch starts; *done: no more
 * to move. */
static int
zone_batch(struct move *m, uint8_t *from, size_t *flen, int *done)
{
	store *s = m->s;
	uint8_t was[256];
	zone_tags(was);
	MDB_txn *txn;
	MDB_cursor *cur;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, s->tree, &cur)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	/* First the keys and values, copied out of the map (m->buf: key
	 * length, value length, key, value, one after another), then the
	 * moves: a put may spill the pages the cursor points into. */
	size_t n = 0, used = 0;
	MDB_val k = { *flen, from }, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 && n < m->batch;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *b = k.mv_data;
		if (k.mv_size < 18 || b[0] != STORE_REGION || !was[b[9]]) {
			continue;
		}
		size_t need =
		    used + 2 * sizeof(size_t) + k.mv_size + v.mv_size;
		if (need > m->cap) {
			size_t cap = m->cap ? m->cap : 1u << 20;
			while (cap < need) {
				cap *= 2;
			}
			uint8_t *nb = realloc(m->buf, cap);
			if (nb == NULL) {
				rc = ENOMEM;
				break;
			}
			m->buf = nb;
			m->cap = cap;
		}
		memcpy(m->buf + used, &k.mv_size, sizeof(size_t));
		memcpy(m->buf + used + sizeof(size_t), &v.mv_size,
		    sizeof(size_t));
		used += 2 * sizeof(size_t);
		memcpy(m->buf + used, k.mv_data, k.mv_size);
		memcpy(m->buf + used + k.mv_size, v.mv_data, v.mv_size);
		used += k.mv_size + v.mv_size;
		n++;
	}
	mdb_cursor_close(cur);
	*done = rc == MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND || (rc == 0 && n == m->batch)) {
		rc = 0;
	}
	const uint8_t *last = NULL;
	size_t last_len = 0;
	for (size_t at = 0; rc == 0 && at < used;) {
		size_t klen, vlen;
		memcpy(&klen, m->buf + at, sizeof(size_t));
		memcpy(&vlen, m->buf + at + sizeof(size_t), sizeof(size_t));
		uint8_t *ok = m->buf + at + 2 * sizeof(size_t);
		at += 2 * sizeof(size_t) + klen + vlen;
		/* region || customer || tag || time || rest becomes
		 * region || customer || zone || time || tag || rest */
		uint8_t nb[STORE_PHYS_MAX];
		MDB_val okv = { klen, ok };
		store_writes++;
		if (was[ok[9]] == ZONE_DROP) {
			rc = mdb_del(txn, s->tree, &okv, NULL);
			last = ok;
			last_len = klen;
			continue;
		}
		if (klen + 1 > sizeof(nb)) {
			rc = EINVAL;
			break;
		}
		memcpy(nb, ok, 9);
		nb[9] = STORE_ZONE_TIME;
		memcpy(nb + 10, ok + 10, 8);
		nb[STORE_ZONE_HEAD] = was[ok[9]];
		memcpy(nb + STORE_ZONE_HEAD + 1, ok + 18, klen - 18);
		MDB_val nk = { klen + 1, nb };
		MDB_val val = { vlen, ok + klen };
		store_writes++;
		rc = mdb_put(txn, s->tree, &nk, &val, 0);
		if (rc == 0) {
			rc = mdb_del(txn, s->tree, &okv, NULL);
		}
		last = ok;
		last_len = klen;
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc == 0) {
		m->moved += n;
		if (last != NULL) {
			/* Deleted: a seek to it lands on the key after it. */
			memcpy(from, last, last_len);
			*flen = last_len;
		}
	}
	return rc;
}

crm_status
store_zone(store *s)
{
	MDB_txn *txn;
	MDB_val v;
	if (s->read_only || s->legacy ||
	    mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
		return CRM_OK;
	}
	int rc = get_layout(s, txn, &v);
	int todo =
	    rc == 0 &&
	    ((v.mv_size == 4 && memcmp(v.mv_data, "tree", 4) == 0) ||
	        (v.mv_size == 6 && memcmp(v.mv_data, "zoning", 6) == 0));
	mdb_txn_abort(txn);
	if (!todo) {
		return CRM_OK;
	}
#ifdef CRM_TEST_HOOKS
	const char *keep = getenv("CRM_TEST_UNZONED");
	if (keep != NULL && *keep == '1') {
		return CRM_OK;
	}
#endif
	struct move m = { .s = s };
	test_knobs(&m);
	/* Customers are walked in id order: how far, for the progress. */
	uint64_t customers = 0;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) == 0) {
		customers = store_seq_peek(s, txn, "customer") - 1;
		mdb_txn_abort(txn);
	}
	int resumed = v.mv_size == 6;
	crm_info("upgrading the data to schema 25: %s the customers' "
	         "timelines into one zone of each customer's range (%" PRIu64
	         " customers)%s",
	    resumed ? "going on moving" : "first moving", customers,
	    resumed ? "; a move stopped before goes on where it was" : "");
	rc = zone_begin(s);
	if (rc != 0) {
		return store_map_lmdb(rc, "zone");
	}
	s->zoned = 1;
	uint8_t from[STORE_PHYS_MAX] = { STORE_REGION };
	size_t flen = 1;
	uint64_t said = 0;
	for (int done = 0; !done && rc == 0;) {
		rc = zone_batch(&m, from, &flen, &done);
		if (rc == MDB_MAP_FULL) {
			rc = store_grow(s) == CRM_OK ? 0 : rc;
		}
		if (m.moved - said >= 1000000) {
			said = m.moved;
			crm_info("moved %" PRIu64 " timeline entries, up to "
			         "customer %" PRIu64 " of %" PRIu64,
			    m.moved, store_u64(from + 1), customers);
		}
		batch_done(&m);
	}
	free(m.buf);
	if (rc == 0) {
		rc = layout_commit(s, "zones");
	}
	if (rc != 0) {
		return store_map_lmdb(rc, "zone");
	}
	crm_info(
	    "moved %" PRIu64 " timeline entries into their zones", m.moved);
	return CRM_OK;
}
