/* SPDX-License-Identifier: MIT */
/*
 * schema_test.c: server/schema.def holds together: every database has a
 * distinct name; each index points at a record type the table lists;
 * each PAIR index names a uint64 field of that record; each record type
 * lives in a RECORD database, has a sequence, and its per-customer list
 * is a PAIR on customer_id; export and change-log kinds are unique; and
 * a fresh store opens every database the table names.
 */
#include <string.h>

#include "crm.h"
#include "crm_test.h"
#include "schema.h"
#include "store_impl.h"
#include "store_schema.h"
#include "test_store.h"

static void
every_database_is_named_once(void **state)
{
	(void)state;
	for (int i = 0; i < DB_COUNT; i++) {
		assert_non_null(schema_dbs[i].name);
		assert_string_equal(
		    schema_dbs[i].name, store_db_name((enum store_db)i));
		for (int j = 0; j < i; j++) {
			assert_string_not_equal(
			    schema_dbs[i].name, schema_dbs[j].name);
		}
	}
}

static void
indexes_point_at_listed_records(void **state)
{
	(void)state;
	for (int i = 0; i < DB_COUNT; i++) {
		const struct schema_db *x = &schema_dbs[i];
		if (x->shape == SHAPE_PAIR || x->shape == SHAPE_QUEUE ||
		    x->shape == SHAPE_REF) {
			const struct schema_record *r =
			    schema_record_of(x->of);
			if (r == NULL) {
				fail_msg("%s points at %d, not a record type",
				    x->name, (int)x->of);
			}
			if (x->shape == SHAPE_PAIR) {
				assert_non_null(x->field);
				const ProtobufCFieldDescriptor *f =
				    protobuf_c_message_descriptor_get_field_by_name(
				        r->d, x->field);
				if (f == NULL ||
				    f->type != PROTOBUF_C_TYPE_UINT64) {
					fail_msg("%s: %s has no uint64 %s",
					    x->name, r->d->name, x->field);
				}
			} else {
				assert_null(x->field);
			}
		}
	}
}

static void
record_types_are_whole(void **state)
{
	(void)state;
	assert_true(schema_nrecords > 0);
	for (size_t i = 0; i < schema_nrecords; i++) {
		const struct schema_record *r = &schema_records[i];
		assert_int_equal(schema_dbs[r->db].shape, SHAPE_RECORD);
		assert_non_null(r->d);
		assert_non_null(r->seq);
		assert_ptr_equal(schema_record_of(r->db), r);
		if (r->by_customer != DB_COUNT) {
			assert_int_equal(
			    schema_dbs[r->by_customer].shape, SHAPE_PAIR);
			assert_int_equal(schema_dbs[r->by_customer].of, r->db);
			assert_string_equal(
			    schema_dbs[r->by_customer].field, "customer_id");
		}
		if (r->export_kind != 0) {
			assert_ptr_equal(schema_by_export(r->export_kind), r);
		}
		if (r->change_kind != 0) {
			assert_ptr_equal(schema_by_change(r->change_kind), r);
		}
	}
	/* Every RECORD database has its record type. */
	for (int i = 0; i < DB_COUNT; i++) {
		if (schema_dbs[i].shape == SHAPE_RECORD) {
			assert_non_null(schema_record_of((enum store_db)i));
		}
	}
	/* The kinds a client can ask for are all in the table. */
	assert_non_null(
	    schema_by_export(CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS));
	assert_non_null(schema_by_change(CRM__V1__CHANGE_KIND__CHANGE_TASK));
	assert_null(schema_by_change(0));
}

/* schema.def's SCHEMA_TREE: a tag names one database for good (it is in
 * every stored key; a tag a database left is never given to another:
 * change_cust's 85 and reclaim_rec's 86 until schema 21), the meta
 * database stays its own (store_open reads the layout from it), and the
 * customer region's byte and the TIME zone's are no tags. */
static void
tree_tags_are_unique(void **state)
{
	(void)state;
	int seen[256] = { 0 };
	seen[85] = seen[86] = 1; /* retired */
	/* the TIME databases' tags until schema 25 */
	seen[68] = seen[69] = seen[71] = seen[73] = 1;
	seen[76] = seen[78] = seen[80] = seen[82] = 1;
	seen[STORE_ZONE_TIME] = 1; /* the TIME zone's byte */
	assert_int_equal(store_places[DB_META].tree, STORE_TREE_OWN);
	for (int i = 0; i < DB_COUNT; i++) {
		const struct store_place *p = &store_places[i];
		if (p->tree == STORE_TREE_OWN) {
			assert_int_equal(p->tag, 0);
			continue;
		}
		assert_true(p->tag >= 1 && p->tag < STORE_REGION);
		assert_int_equal(seen[p->tag], 0);
		seen[p->tag] = 1;
	}
}

static void
a_fresh_store_has_every_database(void **state)
{
	(void)state;
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 20);
	MDB_txn *txn = NULL;
	assert_crm_ok(store_read_begin(st, &txn));
	for (int i = 0; i < DB_COUNT; i++) {
		/* META: the schema version and the layout ("tree") */
		assert_int_equal(store_entries(st, txn, (enum store_db)i),
		    i == DB_META ? 2 : 0);
		assert_true(
		    store_empty(st, txn, (enum store_db)i) == (i != DB_META));
	}
	store_read_end(st, txn);
	store_read_free(txn);
	crm_test_store_close(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_database_is_named_once),
		cmocka_unit_test(indexes_point_at_listed_records),
		cmocka_unit_test(record_types_are_whole),
		cmocka_unit_test(tree_tags_are_unique),
		cmocka_unit_test(a_fresh_store_has_every_database),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
