/* SPDX-License-Identifier: MIT */
/*
 * schema.h: schema.def as data, for loops over databases and record
 * types (crm-check, the report rebuild, merge, export, the change log,
 * crm-gen). The table itself and what comes from it: schema.def.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "store.h"

enum schema_shape {
	SHAPE_META,
	SHAPE_RECORD,
	SHAPE_REF,
	SHAPE_PAIR,
	SHAPE_QUEUE,
	SHAPE_FACT,
	SHAPE_TIMELINE,
	SHAPE_OWN
};

struct schema_db {
	const char *name;        /* its LMDB name */
	enum schema_shape shape; /* see schema.def */
	enum store_db of;        /* the records it points to; DB_COUNT: none */
	const char *field;       /* PAIR: the record's field; else NULL */
};

/* schema_dbs: one per database, indexed by enum store_db. */
extern const struct schema_db schema_dbs[DB_COUNT];

struct schema_record {
	enum store_db db;
	const ProtobufCMessageDescriptor *d;
	const char *seq;           /* its id sequence */
	enum store_db by_customer; /* its per-customer list; DB_COUNT: none */
	int export_kind;           /* Crm__V1__ExportKind, 0: not exported */
	int change_kind;           /* Crm__V1__ChangeKind, 0: not logged */
};

/* schema_records: the record types, in schema.def's order. */
extern const struct schema_record schema_records[];
extern const size_t schema_nrecords;

/* The record type kept in db, exported as kind, logged as kind; NULL
 * when there is none. */
const struct schema_record *schema_record_of(enum store_db db);
const struct schema_record *schema_by_export(int kind);
const struct schema_record *schema_by_change(int kind);

#endif
