/* SPDX-License-Identifier: MIT */
/*
 * store_layout_test.c: databases that share one LMDB tree behave as if
 * each were its own (server/store_layout.c): a CUSTOMER database's walk
 * both ways skips the other databases' keys interleaved with its own; a
 * seek, a seek-before and a walk limited to one customer stay in their
 * range; emptying one database leaves its neighbours; and schema 11's
 * upgrade moves customers' latest change seqs out of change_rec.
 */
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "crm.h"
#include "crm_test.h"
#include "dispatch.h"
#include "store_schema.h"
#include "test_store.h"

static void
put(store *st, MDB_txn *txn, enum store_db db, uint64_t a, uint64_t b)
{
	assert_crm_ok(store_index_add(st, txn, db, a, b));
}

/* The (a, b) pairs of db from op on, in the order the walk yields them,
 * as a * 100 + b. */
static size_t
walk(store *st, MDB_txn *txn, enum store_db db, enum store_op first,
    enum store_op then, const store_key *from, long *out, size_t max)
{
	store_cursor *c;
	assert_crm_ok(store_cursor_open(st, txn, db, &c));
	store_val k = { from ? from->b : NULL, from ? from->len : 0 };
	size_t n = 0;
	for (crm_status rc = store_cursor_get(c, first, &k, NULL);
	     rc == CRM_OK && n < max;
	     rc = store_cursor_get(c, then, &k, NULL)) {
		assert_int_equal(k.len, 16);
		out[n++] = (long)(store_u64(k.data) * 100 +
		                  store_u64((const uint8_t *)k.data + 8));
	}
	store_cursor_close(c);
	return n;
}

static void
customer_databases_walk_as_their_own(void **state)
{
	(void)state;
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 22);
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(st, &txn));
	/* fu_cust and task_cust interleave by customer in the tree. */
	put(st, txn, DB_FU_CUST, 1, 10);
	put(st, txn, DB_FU_CUST, 1, 11);
	put(st, txn, DB_FU_CUST, 3, 30);
	put(st, txn, DB_FU_CUST, 5, 50);
	put(st, txn, DB_TASK_CUST, 2, 20);
	put(st, txn, DB_TASK_CUST, 3, 31);
	put(st, txn, DB_TASK_CUST, 6, 60);
	put(st, txn, DB_CONTACT_CUST, 4, 40);
	long got[16];
	assert_int_equal(
	    walk(st, txn, DB_FU_CUST, STORE_FIRST, STORE_NEXT, NULL, got, 16),
	    4);
	assert_int_equal(got[0], 110);
	assert_int_equal(got[1], 111);
	assert_int_equal(got[2], 330);
	assert_int_equal(got[3], 550);
	assert_int_equal(
	    walk(st, txn, DB_TASK_CUST, STORE_LAST, STORE_PREV, NULL, got, 16),
	    3);
	assert_int_equal(got[0], 660);
	assert_int_equal(got[1], 331);
	assert_int_equal(got[2], 220);
	/* A seek between customers, and a newest-first walk from one. */
	store_key k;
	store_key_pair(&k, 2, 0);
	assert_int_equal(
	    walk(st, txn, DB_FU_CUST, STORE_SEEK, STORE_NEXT, &k, got, 16), 2);
	assert_int_equal(got[0], 330);
	store_key_pair(&k, 5, 0);
	assert_int_equal(
	    walk(st, txn, DB_FU_CUST, STORE_BEFORE, STORE_PREV, &k, got, 16),
	    3);
	assert_int_equal(got[0], 330);
	assert_int_equal(store_entries(st, txn, DB_FU_CUST), 4);
	assert_int_equal(store_entries(st, txn, DB_CONTACT_CUST), 1);
	assert_true(store_empty(st, txn, DB_PURCH_CUST));

	/* A walk limited to customer 3 sees its entries and nothing past. */
	store_cursor *c;
	store_val v;
	assert_crm_ok(store_cursor_open(st, txn, DB_FU_CUST, &c));
	store_cursor_limit(c, 4);
	store_key_pair(&k, 5, 0);
	store_val kv = { k.b, k.len };
	assert_int_equal(store_cursor_get(c, STORE_BEFORE, &kv, &v),
	    CRM_NOT_FOUND); /* customer 4 has no follow-up */
	store_cursor_close(c);
	assert_crm_ok(store_cursor_open(st, txn, DB_FU_CUST, &c));
	store_cursor_limit(c, 1);
	store_key_pair(&k, 2, 0);
	kv = (store_val){ k.b, k.len };
	assert_crm_ok(store_cursor_get(c, STORE_BEFORE, &kv, &v));
	assert_int_equal(store_u64((const uint8_t *)kv.data + 8), 11);
	assert_crm_ok(store_cursor_get(c, STORE_PREV, &kv, &v));
	assert_int_equal(store_u64((const uint8_t *)kv.data + 8), 10);
	assert_int_equal(
	    store_cursor_get(c, STORE_PREV, &kv, &v), CRM_NOT_FOUND);
	store_cursor_close(c);

	/* Emptying one database leaves its neighbours. */
	assert_crm_ok(store_drop(st, txn, DB_FU_CUST));
	assert_true(store_empty(st, txn, DB_FU_CUST));
	assert_int_equal(store_entries(st, txn, DB_TASK_CUST), 3);
	assert_int_equal(store_entries(st, txn, DB_CONTACT_CUST), 1);
	uint64_t all, stray;
	assert_crm_ok(store_check_tree(st, txn, &all, &stray));
	assert_int_equal(all, 4);
	assert_int_equal(stray, 0);
	store_write_abort(st, txn);
	crm_test_store_close(st, dir);
}

/* A TIME database's entry: customer || time || id. */
static void
tput(store *st, MDB_txn *txn, enum store_db db, uint64_t c, uint64_t t,
    uint64_t id)
{
	store_key k;
	store_key_triple(&k, c, t, id);
	assert_crm_ok(store_put_empty(st, txn, db, &k));
}

/* The (customer, time, id) triples of db from op on, as c*10000 + t*100
 * + id. */
static size_t
twalk(store *st, MDB_txn *txn, enum store_db db, enum store_op first,
    enum store_op then, const store_key *from, uint64_t limit, long *out,
    size_t max)
{
	store_cursor *c;
	assert_crm_ok(store_cursor_open(st, txn, db, &c));
	if (limit != 0) {
		store_cursor_limit(c, limit);
	}
	store_val k = { from ? from->b : NULL, from ? from->len : 0 };
	size_t n = 0;
	for (crm_status rc = store_cursor_get(c, first, &k, NULL);
	     rc == CRM_OK && n < max;
	     rc = store_cursor_get(c, then, &k, NULL)) {
		assert_int_equal(k.len, 24);
		const uint8_t *b = k.data;
		out[n++] = (long)(store_u64(b) * 10000 +
		                  store_u64(b + 8) * 100 + store_u64(b + 16));
	}
	store_cursor_close(c);
	return n;
}

/* The TIME databases (schema 25) share one zone of each customer's
 * range, interleaved by time: each still walks, seeks and counts as its
 * own, a zone cursor sees them all in the zone's order, and the zone sits
 * before the customer's record. */
static void
time_databases_share_a_zone_and_walk_as_their_own(void **state)
{
	(void)state;
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 22);
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(st, &txn));
	assert_true(store_zoned(st));
	tput(st, txn, DB_FU_CUST_TIME, 1, 10, 1);
	tput(st, txn, DB_TASK_CUST_TIME, 1, 10, 2);
	tput(st, txn, DB_TASK_CUST_TIME, 1, 11, 3);
	tput(st, txn, DB_FU_CUST_TIME, 1, 12, 4);
	tput(st, txn, DB_TASK_CUST_TIME, 2, 5, 5);
	tput(st, txn, DB_FU_CUST_TIME, 3, 7, 6);
	tput(st, txn, DB_TASK_CUST_TIME, 3, 8, 7);
	/* the customers' records and lists around the zones */
	put(st, txn, DB_FU_CUST, 1, 1);
	put(st, txn, DB_FU_CUST, 2, 9);
	long got[16];
	assert_int_equal(twalk(st, txn, DB_FU_CUST_TIME, STORE_FIRST,
	                     STORE_NEXT, NULL, 0, got, 16),
	    3);
	assert_int_equal(got[0], 11001);
	assert_int_equal(got[1], 11204);
	assert_int_equal(got[2], 30706);
	assert_int_equal(twalk(st, txn, DB_TASK_CUST_TIME, STORE_LAST,
	                     STORE_PREV, NULL, 0, got, 16),
	    4);
	assert_int_equal(got[0], 30807);
	assert_int_equal(got[1], 20505);
	assert_int_equal(got[2], 11103);
	assert_int_equal(got[3], 11002);
	/* a seek by customer and time, and newest first from a time */
	store_key k;
	store_key_pair(&k, 1, 11);
	assert_int_equal(twalk(st, txn, DB_FU_CUST_TIME, STORE_SEEK,
	                     STORE_NEXT, &k, 0, got, 16),
	    2);
	assert_int_equal(got[0], 11204);
	assert_int_equal(twalk(st, txn, DB_TASK_CUST_TIME, STORE_BEFORE,
	                     STORE_PREV, &k, 1, got, 16),
	    1);
	assert_int_equal(got[0], 11002);
	/* limited to a customer with none of its own: nothing, at once */
	assert_int_equal(twalk(st, txn, DB_FU_CUST_TIME, STORE_FIRST,
	                     STORE_NEXT, NULL, 2, got, 16),
	    0);
	store_key_pair(&k, 2, UINT64_MAX);
	assert_int_equal(twalk(st, txn, DB_FU_CUST_TIME, STORE_BEFORE,
	                     STORE_PREV, &k, 2, got, 16),
	    0);
	assert_int_equal(store_entries(st, txn, DB_FU_CUST_TIME), 3);
	assert_int_equal(store_entries(st, txn, DB_TASK_CUST_TIME), 4);

	/* The zone cursor: customer 1's whole zone, newest first, each
	 * key naming its database by tag. */
	store_cursor *c;
	assert_crm_ok(store_cursor_open(st, txn, DB_FU_CUST_TIME, &c));
	assert_crm_ok(store_cursor_zone(c));
	store_cursor_limit(c, 1);
	store_key_pair(&k, 1, UINT64_MAX);
	store_val kv = { k.b, k.len };
	/* at time 10 the follow-up comes above the task: the history's
	 * order */
	enum store_db want[] = { DB_FU_CUST_TIME, DB_TASK_CUST_TIME,
		DB_FU_CUST_TIME, DB_TASK_CUST_TIME };
	uint64_t ids[] = { 4, 3, 1, 2 };
	size_t n = 0;
	for (crm_status rc = store_cursor_get(c, STORE_BEFORE, &kv, NULL);
	     rc == CRM_OK; rc = store_cursor_get(c, STORE_PREV, &kv, NULL)) {
		assert_true(n < 4);
		assert_int_equal(kv.len, 25);
		const uint8_t *b = kv.data;
		assert_int_equal(store_u64(b), 1);
		assert_int_equal(store_zone_db(b[16]), want[n]);
		assert_int_equal(store_u64(b + 17), ids[n]);
		n++;
	}
	assert_int_equal(n, 4);
	store_cursor_close(c);
	/* Not a TIME database: no zone cursor. */
	assert_crm_ok(store_cursor_open(st, txn, DB_FU_CUST, &c));
	assert_int_equal(store_cursor_zone(c), CRM_EINVAL);
	store_cursor_close(c);

	/* Emptying one leaves the other; the tree has no stray key. */
	assert_crm_ok(store_drop(st, txn, DB_FU_CUST_TIME));
	assert_true(store_empty(st, txn, DB_FU_CUST_TIME));
	assert_int_equal(store_entries(st, txn, DB_TASK_CUST_TIME), 4);
	uint64_t all, stray;
	assert_crm_ok(store_check_tree(st, txn, &all, &stray));
	assert_int_equal(all, 6);
	assert_int_equal(stray, 0);
	store_write_abort(st, txn);
	crm_test_store_close(st, dir);
}

static void
customer_change_seqs_move_beside_the_customer(void **state)
{
	(void)state;
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 22);
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(st, &txn));
	/* Schema 10's form: kind byte || id -> seq, customers included. */
	uint8_t rk[9] = { CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER };
	store_key seq;
	for (uint64_t id = 1; id <= 3; id++) {
		store_key ik;
		store_key_id(&ik, id);
		memcpy(rk + 1, ik.b, 8);
		store_key_id(&seq, 100 + id);
		assert_crm_ok(
		    store_put(st, txn, DB_CHANGE_REC, rk, 9, seq.b, 8));
	}
	rk[0] = CRM__V1__CHANGE_KIND__CHANGE_TASK;
	assert_crm_ok(store_put(st, txn, DB_CHANGE_REC, rk, 9, seq.b, 8));

	crm_arena arena;
	crm_arena_init(&arena, 1u << 16);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.txn = txn;
	ctx.arena = &arena;
	assert_crm_ok(changes_split_customers(&ctx));
	assert_int_equal(store_entries(st, txn, DB_CHANGE_REC), 1);
	assert_int_equal(store_entries(st, txn, DB_CHANGE_CUST), 3);
	store_val v;
	store_key ik;
	store_key_id(&ik, 2);
	assert_crm_ok(store_get(st, txn, DB_CHANGE_CUST, ik.b, 8, &v));
	assert_int_equal(store_u64(v.data), 102);
	crm_arena_fini(&arena);
	store_write_abort(st, txn);
	crm_test_store_close(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(customer_databases_walk_as_their_own),
		cmocka_unit_test(
		    time_databases_share_a_zone_and_walk_as_their_own),
		cmocka_unit_test(
		    customer_change_seqs_move_beside_the_customer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
