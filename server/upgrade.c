/* SPDX-License-Identifier: MIT */
/*
 * upgrade.c: schema upgrades. Version 3 added the report indexes of
 * stats.h, derived from the records.
 */
#include "upgrade.h"

#include <string.h>

#include "crm.h"
#include "dispatch.h"
#include "search.h"
#include "stats.h"

static int
empty(store *st, MDB_txn *txn, enum store_db db)
{
	MDB_stat s;
	return mdb_stat(txn, st->dbi[db], &s) == 0 && s.ms_entries == 0;
}

crm_status
upgrade_run(store *st)
{
	MDB_txn *txn;
	crm_status rc = store_write_begin(st, &txn);
	if (rc != CRM_OK) {
		return rc;
	}
	unsigned v = store_schema_get(st, txn);
	if (v > STORE_SCHEMA_VERSION) {
		store_write_abort(st, txn);
		crm_err("the data has schema %u; this crmd knows up to %u", v,
		    STORE_SCHEMA_VERSION);
		return CRM_UNSUPPORTED;
	}
	/* Search texts came within schema 3: fill them once. */
	int texts =
	    empty(st, txn, DB_SEARCH_TEXT) && !empty(st, txn, DB_CUSTOMERS);
	if (v == STORE_SCHEMA_VERSION && !texts) {
		store_write_abort(st, txn);
		return CRM_OK;
	}
	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.txn = txn;
	ctx.arena = &arena;
	ctx.now = crm_time_now();
	ctx.action = "crmd.upgrade";
	if (v != STORE_SCHEMA_VERSION) {
		crm_info("upgrading the data from schema %u to %u", v,
		    STORE_SCHEMA_VERSION);
		rc = stats_rebuild(&ctx);
		if (rc == CRM_OK) {
			rc = store_schema_set(st, txn, STORE_SCHEMA_VERSION);
		}
	}
	if (rc == CRM_OK && (texts || v != STORE_SCHEMA_VERSION)) {
		crm_info("building the search texts");
		rc = search_rebuild(&ctx);
	}
	crm_arena_fini(&arena);
	if (rc != CRM_OK) {
		store_write_abort(st, txn);
		return rc;
	}
	return store_write_commit(st, txn);
}
