/* SPDX-License-Identifier: MIT */
/*
 * store_test.c: the LMDB layer of crmd on a real environment in a temp
 * folder: sequences, composite index walks, text keys under LMDB's limit,
 * records round-tripping, unique references, read-only opening, growth,
 * the count of writes, a bulk load's deferred writes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm.h"
#include "crm_test.h"
#include "test_store.h"
#include "store_schema.h"

struct fixture {
	char dir[64];
	store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->st = crm_test_store_open(f->dir, 1u << 20);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	crm_test_store_close(f->st, f->dir);
	free(f);
	return 0;
}

static void
sequences_start_at_one_and_survive_commit(void **state)
{
	struct fixture *f = *state;
	MDB_txn *txn;
	uint64_t a, b, c;
	assert_crm_ok(store_write_begin(f->st, &txn));
	assert_crm_ok(store_next_id(f->st, txn, "customer", &a));
	assert_crm_ok(store_next_id(f->st, txn, "customer", &b));
	assert_crm_ok(store_next_id(f->st, txn, "contact", &c));
	assert_crm_ok(store_write_commit(f->st, txn));
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 1);
	assert_crm_ok(store_write_begin(f->st, &txn));
	assert_crm_ok(store_next_id(f->st, txn, "customer", &a));
	store_write_abort(f->st, txn);
	assert_int_equal(a, 3);
}

static void
index_walk_stays_inside_its_prefix_in_id_order(void **state)
{
	struct fixture *f = *state;
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(f->st, &txn));
	uint64_t ids[] = { 300, 5, 70000, 42 };
	for (size_t i = 0; i < 4; i++) {
		assert_crm_ok(
		    store_index_add(f->st, txn, DB_CUST_OWNER, 7, ids[i]));
	}
	assert_crm_ok(store_index_add(f->st, txn, DB_CUST_OWNER, 6, 1));
	assert_crm_ok(store_index_add(f->st, txn, DB_CUST_OWNER, 8, 2));
	assert_crm_ok(store_index_del(f->st, txn, DB_CUST_OWNER, 7, 300));
	assert_crm_ok(store_write_commit(f->st, txn));

	MDB_txn *r = NULL;
	assert_crm_ok(store_read_begin(f->st, &r));
	uint64_t want[] = { 5, 42, 70000 }, id = 0;
	for (size_t i = 0; i < 3; i++) {
		assert_crm_ok(
		    store_index_next(f->st, r, DB_CUST_OWNER, 7, id, &id));
		assert_int_equal(id, want[i]);
	}
	assert_crm_err(store_index_next(f->st, r, DB_CUST_OWNER, 7, id, &id),
	    CRM_NOT_FOUND);
	store_read_end(f->st, r);
	/* The reset transaction is renewed, not begun again. */
	assert_crm_ok(store_read_begin(f->st, &r));
	store_read_end(f->st, r);
	store_read_free(r);
}

static void
long_text_keys_fit_and_stay_distinct(void **state)
{
	(void)state;
	char a[2000], b[2000];
	/* 3-byte characters, so the cut must back up to a boundary. */
	size_t n = 0;
	while (n + 3 < sizeof(a) - 1) {
		memcpy(a + n, "华", 3);
		n += 3;
	}
	a[n] = '\0';
	memcpy(b, a, n + 1);
	b[n - 3] = 'x';
	b[n - 2] = '\0';
	store_key ka, kb;
	store_key_text(&ka, 1, a);
	store_key_text(&kb, 1, b);
	assert_true(ka.len <= 511);
	assert_true(kb.len <= 511);
	assert_int_equal(ka.b[0], 1);
	assert_false(ka.len == kb.len && memcmp(ka.b, kb.b, ka.len) == 0);
	/* The cut prefix is whole characters: 400 bytes back to 399. */
	assert_int_equal(ka.len, 1 + 399 + 16);
}

static void
records_and_references_round_trip(void **state)
{
	struct fixture *f = *state;
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(f->st, &txn));
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	c.has_id = 1;
	c.id = 9;
	c.name = "上海云图科技";
	store_key k;
	store_key_id(&k, 9);
	assert_crm_ok(store_put_msg(f->st, txn, DB_CUSTOMERS, &k, &c.base));
	store_key nk;
	store_key_text(&nk, 1, "上海云图科技");
	assert_crm_ok(store_put_ref(f->st, txn, DB_CUST_NAME, &nk, 9));
	assert_crm_err(
	    store_put_ref(f->st, txn, DB_CUST_NAME, &nk, 10), CRM_EXISTS);
	assert_crm_ok(store_write_commit(f->st, txn));

	MDB_txn *r = NULL;
	assert_crm_ok(store_read_begin(f->st, &r));
	Crm__V1__Customer *got;
	assert_crm_ok(store_get_msg(f->st, r, DB_CUSTOMERS, &k,
	    &crm__v1__customer__descriptor, NULL, (ProtobufCMessage **)&got));
	assert_string_equal(got->name, "上海云图科技");
	crm__v1__customer__free_unpacked(got, NULL);
	uint64_t id;
	assert_crm_ok(store_get_ref(f->st, r, DB_CUST_NAME, &nk, &id));
	assert_int_equal(id, 9);
	store_key_id(&k, 10);
	assert_crm_err(store_get_msg(f->st, r, DB_CUSTOMERS, &k,
	                   &crm__v1__customer__descriptor, NULL,
	                   (ProtobufCMessage **)&got),
	    CRM_NOT_FOUND);
	assert_crm_ok(store_id_next(f->st, r, DB_CUSTOMERS, 0, &id));
	assert_int_equal(id, 9);
	assert_crm_err(
	    store_id_next(f->st, r, DB_CUSTOMERS, 9, &id), CRM_NOT_FOUND);
	store_read_end(f->st, r);
	store_read_free(r);
}

static void
a_full_map_is_reported_and_growth_makes_room(void **state)
{
	struct fixture *f = *state;
	static char blob[64 * 1024];
	memset(blob, 'z', sizeof(blob));
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	c.notes = blob;
	blob[sizeof(blob) - 1] = '\0';
	crm_status rc = CRM_OK;
	uint64_t i = 1;
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(f->st, &txn));
	store_map_full = 0;
	for (; i < 1000 && rc == CRM_OK; i++) {
		store_key k;
		store_key_id(&k, i);
		rc = store_put_msg(f->st, txn, DB_CUSTOMERS, &k, &c.base);
	}
	assert_crm_err(rc, CRM_TOO_BIG); /* a 1 MiB map fills up */
	assert_true(store_map_full);
	store_write_abort(f->st, txn);
	size_t before = store_map_size(f->st);
	assert_crm_ok(store_grow(f->st));
	assert_int_equal(store_map_size(f->st), 2 * before);
	assert_crm_ok(store_write_begin(f->st, &txn));
	store_key k;
	store_key_id(&k, 1);
	assert_crm_ok(store_put_msg(f->st, txn, DB_CUSTOMERS, &k, &c.base));
	assert_crm_ok(store_write_commit(f->st, txn));
}

static void
read_only_open_of_a_missing_database_is_not_found(void **state)
{
	(void)state;
	store *st = store_new();
	assert_crm_err(
	    store_open(st, "/tmp/crm-store-does-not-exist", 1u << 20, 1),
	    CRM_NOT_FOUND);
	store_free(st);
}

/* store_writes counts the writes asked of LMDB, refused ones too, and
 * no read: import.c knows from it that a row wrote nothing. */
static void
writes_are_counted_and_reads_are_not(void **state)
{
	struct fixture *f = *state;
	MDB_txn *txn;
	uint64_t id;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT, *got;
	store_key k, nk;
	store_key_id(&k, 7);
	store_key_text(&nk, 1, "华东机电");
	assert_crm_ok(store_write_begin(f->st, &txn));
	unsigned long w = store_writes;
	assert_crm_ok(store_put_msg(f->st, txn, DB_CUSTOMERS, &k, &c.base));
	assert_crm_ok(store_put_ref(f->st, txn, DB_CUST_NAME, &nk, 7));
	assert_crm_ok(store_next_id(f->st, txn, "customer", &id));
	assert_int_equal(store_writes - w, 3);
	w = store_writes;
	assert_crm_ok(store_get_msg(f->st, txn, DB_CUSTOMERS, &k,
	    &crm__v1__customer__descriptor, NULL, (ProtobufCMessage **)&got));
	crm__v1__customer__free_unpacked(got, NULL);
	assert_crm_ok(store_get_ref(f->st, txn, DB_CUST_NAME, &nk, &id));
	assert_int_equal(store_writes, w);
	assert_crm_err(
	    store_put_ref(f->st, txn, DB_CUST_NAME, &nk, 8), CRM_EXISTS);
	assert_crm_ok(store_del(f->st, txn, DB_CUST_NAME, &nk));
	assert_int_equal(store_writes - w, 2);
	store_write_abort(f->st, txn);
}

/* A fact's value for key k of deferred_writes_*: its n as text. */
static void
fact_is(store *st, MDB_txn *txn, uint64_t k, const char *want)
{
	store_key key;
	store_val v;
	store_key_id(&key, k);
	crm_status rc = store_get(st, txn, DB_FU_TIME, key.b, key.len, &v);
	if (want == NULL) {
		assert_crm_err(rc, CRM_NOT_FOUND);
		return;
	}
	assert_crm_ok(rc);
	assert_int_equal(v.len, strlen(want));
	assert_memory_equal(v.data, want, v.len);
}

static void
fact_put(store *st, MDB_txn *txn, uint64_t k, const char *val)
{
	store_key key;
	store_key_id(&key, k);
	assert_crm_ok(
	    store_put(st, txn, DB_FU_TIME, key.b, key.len, val, strlen(val)));
}

static void
fact_del(store *st, MDB_txn *txn, uint64_t k)
{
	store_key key;
	store_key_id(&key, k);
	assert_crm_ok(store_del(st, txn, DB_FU_TIME, &key));
}

/* crm-gen's deferred writes (store_defer): held until a flush, written
 * in key order with the last write of a key standing, across flushes
 * and their commits; a read of the deferred database is refused rather
 * than answered from the tree without them. */
static void
deferred_writes_land_as_if_written_at_once(void **state)
{
	(void)state;
	char dir[64] = "/tmp/crm-test-defer-XXXXXX";
	assert_non_null(mkdtemp(dir));
	store *st = store_new();
	assert_crm_ok(store_open(st, dir, 1u << 24, STORE_BULK));
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(st, &txn));
	assert_crm_err(store_defer(st, DB_FU_TIME), CRM_OK);
	assert_int_equal(store_defer_bytes(st), 0);
	fact_put(st, txn, 30, "thirty");
	fact_put(st, txn, 10, "ten");
	fact_put(st, txn, 20, "twenty");
	fact_put(st, txn, 10, "ten again");
	fact_del(st, txn, 20);
	fact_put(st, txn, 40, "forty");
	assert_true(store_defer_bytes(st) > 0);
	store_key key;
	store_val v;
	store_key_id(&key, 10);
	assert_crm_err(
	    store_get(st, txn, DB_FU_TIME, key.b, key.len, &v), CRM_INTERNAL);
	assert_crm_ok(store_defer_flush(st, &txn));
	assert_int_equal(store_defer_bytes(st), 0);
	/* A second flush: deletes and rewrites of keys the first wrote. */
	fact_del(st, txn, 40);
	fact_put(st, txn, 30, "thirty again");
	fact_del(st, txn, 99); /* never written */
	assert_crm_ok(store_defer_flush(st, &txn));
	assert_crm_ok(store_bulk_finish(st, txn));
	assert_crm_ok(store_write_commit(st, txn));
	assert_crm_ok(store_sync(st));
	store_close(st);
	store_free(st);

	st = store_new();
	assert_crm_ok(store_open(st, dir, 1u << 24, STORE_READ_ONLY));
	txn = NULL;
	assert_crm_ok(store_read_begin(st, &txn));
	fact_is(st, txn, 10, "ten again");
	fact_is(st, txn, 20, NULL);
	fact_is(st, txn, 30, "thirty again");
	fact_is(st, txn, 40, NULL);
	fact_is(st, txn, 99, NULL);
	store_read_end(st, txn);
	store_read_free(txn);
	crm_test_store_close(st, dir);
}

/* Held writes sorted to runs on the disk (store_defer_spill) and merged
 * at the end: a key's last write stands across the runs and what is
 * still held (a put, then a delete in a later run, then a put again; a
 * delete in a later run of a key an earlier one put), and more runs
 * than are kept at once merge into the database along the way. */
static void
spilled_writes_land_as_if_written_at_once(void **state)
{
	(void)state;
	char dir[64] = "/tmp/crm-test-spill-XXXXXX";
	assert_non_null(mkdtemp(dir));
	store *st = store_new();
	assert_crm_ok(store_open(st, dir, 1u << 24, STORE_BULK));
	MDB_txn *txn;
	int merged;
	assert_crm_ok(store_write_begin(st, &txn));
	assert_crm_err(store_defer(st, DB_FU_TIME), CRM_OK);
	fact_put(st, txn, 30, "thirty");
	fact_put(st, txn, 10, "ten");
	fact_put(st, txn, 20, "twenty");
	assert_crm_ok(store_defer_spill(st, &txn, &merged));
	assert_int_equal(merged, 0);
	assert_int_equal(store_defer_bytes(st), 0);
	fact_del(st, txn, 10);
	fact_del(st, txn, 20);
	fact_put(st, txn, 40, "forty");
	assert_crm_ok(store_defer_spill(st, &txn, &merged));
	fact_put(st, txn, 10, "ten again");
	fact_put(st, txn, 50, "fifty");
	/* Runs until one more spill merges them all in. */
	for (uint64_t i = 0; !merged; i++) {
		assert_true(i < 100);
		fact_put(st, txn, 1000 + i, "filler");
		assert_crm_ok(store_defer_spill(st, &txn, &merged));
	}
	fact_put(st, txn, 50, "fifty again");
	fact_del(st, txn, 1000);
	assert_crm_ok(store_defer_spill(st, &txn, &merged));
	assert_int_equal(merged, 0);
	fact_put(st, txn, 60, "sixty");
	assert_crm_ok(store_defer_flush(st, &txn));
	assert_crm_ok(store_bulk_finish(st, txn));
	assert_crm_ok(store_write_commit(st, txn));
	assert_crm_ok(store_sync(st));
	store_close(st);
	store_free(st);

	st = store_new();
	assert_crm_ok(store_open(st, dir, 1u << 24, STORE_READ_ONLY));
	txn = NULL;
	assert_crm_ok(store_read_begin(st, &txn));
	fact_is(st, txn, 10, "ten again");
	fact_is(st, txn, 20, NULL);
	fact_is(st, txn, 30, "thirty");
	fact_is(st, txn, 40, "forty");
	fact_is(st, txn, 50, "fifty again");
	fact_is(st, txn, 60, "sixty");
	fact_is(st, txn, 1000, NULL);
	fact_is(st, txn, 1001, "filler");
	store_read_end(st, txn);
	store_read_free(txn);
	crm_test_store_close(st, dir);
}

/* Only a bulk load defers: crmd's writes are durable as they are made. */
static void
only_a_bulk_load_defers(void **state)
{
	struct fixture *f = *state;
	assert_crm_err(store_defer(f->st, DB_FU_TIME), CRM_INTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    sequences_start_at_one_and_survive_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    index_walk_stays_inside_its_prefix_in_id_order, setup,
		    teardown),
		cmocka_unit_test(long_text_keys_fit_and_stay_distinct),
		cmocka_unit_test_setup_teardown(
		    records_and_references_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_full_map_is_reported_and_growth_makes_room, setup,
		    teardown),
		cmocka_unit_test(
		    read_only_open_of_a_missing_database_is_not_found),
		cmocka_unit_test_setup_teardown(
		    writes_are_counted_and_reads_are_not, setup, teardown),
		cmocka_unit_test(deferred_writes_land_as_if_written_at_once),
		cmocka_unit_test(spilled_writes_land_as_if_written_at_once),
		cmocka_unit_test_setup_teardown(
		    only_a_bulk_load_defers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
