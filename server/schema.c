/* SPDX-License-Identifier: MIT */
/* schema.c: schema.def as the arrays of schema.h. */
#include "schema.h"

#include <string.h>

#include "crm.h"
#include "records.pb-c.h"

const struct schema_db schema_dbs[DB_COUNT] = {
#define SCHEMA_DB(id, name, shape, of, field) \
	[id] = { name, SHAPE_##shape, of, #field[0] == '-' ? NULL : #field },
#include "schema.def"
};

const struct schema_record schema_records[] = {
#define SCHEMA_RECORD(                                               \
    db, type, seq, by_customer, check, merge, reown, export, change) \
	{ db, &type##__descriptor, seq, by_customer, export, change },
#include "schema.def"
};

const size_t schema_nrecords =
    sizeof(schema_records) / sizeof(schema_records[0]);

const struct schema_record *
schema_record_of(enum store_db db)
{
	for (size_t i = 0; i < schema_nrecords; i++) {
		if (schema_records[i].db == db) {
			return &schema_records[i];
		}
	}
	return NULL;
}

const struct schema_record *
schema_by_export(int kind)
{
	for (size_t i = 0; kind != 0 && i < schema_nrecords; i++) {
		if (schema_records[i].export_kind == kind) {
			return &schema_records[i];
		}
	}
	return NULL;
}

const struct schema_record *
schema_by_change(int kind)
{
	for (size_t i = 0; kind != 0 && i < schema_nrecords; i++) {
		if (schema_records[i].change_kind == kind) {
			return &schema_records[i];
		}
	}
	return NULL;
}
