/* SPDX-License-Identifier: MIT */
/*
 * upgrade.c: schema upgrades. Version 3 added the report indexes of
 * stats.h, derived from the records; version 4 the purchase facts and the
 * index of unchecked customer records (every record written before is
 * unchecked: nobody has checked it). stats_rebuild derives them all.
 * Version 5 keys company names without their legal form and adds licence
 * numbers to the name index (customer_rebuild_names), and gives every
 * customer's history its first stage (lifecycle_backfill_first).
 * Version 6 added grade_time (restarted at each customer's creation) and
 * ends the churn-contact clocks of customers that had left churn_risk.
 * Version 7 added the per-customer timeline indexes (history_rebuild,
 * last: it reads the stage history the backfill completes).
 * Version 8 keys company names without further legal forms (有限合伙,
 * 合伙企业, 股份公司, dotted S.A. and the like): the name index anew.
 * Version 9: search texts also hold pain points and contact titles (the
 * texts are rebuilt at every upgrade), and the audit trail is indexed by
 * customer (audit_reindex).
 * Version 10 added the pool rules' index (reclaim: when each owned
 * customer's owner got it, and the warning and reclaim deadlines), filled
 * by pool_reclaim_reindex.
 * Version 11 keeps most databases in one shared LMDB tree (schema.def's
 * SCHEMA_TREE; store_relocate moves the old data before the steps here),
 * and keeps customers' latest change seqs in change_cust, beside them
 * (changes_split_customers), and added the gram index of the search
 * texts (search_index.h), filled with the texts (search_rebuild, which
 * runs at every upgrade).
 * Version 12: each open-task entry (task_open) holds the task as due
 * shows it, with its customer's name, grade and stage, filled by
 * task_due_reindex.
 * Version 13: search texts end with each phone number's digits alone
 * (search.h), so a number is found however it is typed: the rebuild of
 * every upgrade writes them.
 * Version 14: a resolved objection stands on the timeline at its
 * resolution, not where it was raised (history.c's sla_at): the
 * history_rebuild of every upgrade moves the entries.
 * Version 15: a kept commitment stands on the timeline at its closing,
 * not where it was made (history.c's commitment_at): the same rebuild
 * moves them.
 * Version 16: a customer merged into another has no stage facts (its
 * moves, wins and losses are out of the reports): stats_drop_merged
 * takes them out of data of schema 15; the stats_rebuild of older data
 * leaves them out.
 * Version 17: the pool rules' record of each customer is kept beside
 * the customer (reclaim_rec, pool_reclaim.h), where a follow-up
 * rewrites it, not in the reclaim index: pool_reclaim_move_recs.
 * Version 18: the facts of tasks, commitments and clocks are kept under
 * their holder alone, a follow-up's under its team only when that is not
 * its author's (stats.h; a team's are its members'):
 * stats_drop_team_copies deletes the team copies.
 * Version 19: each customer's period card (period_card.h) is the value
 * of its owner and team list entries: period_card_rebuild.
 * Version 20: a contact's, follow-up's or task's latest change seq is
 * the value of its entry in its customer's list (changes.c), written by
 * each write from then on; change_rec keeps the seqs of records not
 * written since. Nothing to convert: the number only keeps an older crmd
 * (which would read change_rec alone) off the data.
 * Version 21: a customer's latest change seq (change_cust) and its pool
 * rules' record (reclaim_rec), which a write of the customer rewrites
 * with it, sit before its record in its range (tags 62 and 63, were 85
 * and 86 after its lists), so a log's writes are one run of the range:
 * retag_hot moves them first, before any step reads them.
 * Version 22: an open task held by its owner has no report fact of its
 * own (task_due): its due-queue entry is its fact (stats.h), so a log
 * no longer writes the planned task's fact: stats_drop_queued_tasks.
 * Version 23: the newest follow-up and task facts may be in the fact
 * journal (fact_log, stats.h) until the writer folds them into their
 * ranges. Nothing to convert (the journal starts empty): the number
 * keeps an older crmd, which would not see them, off the data.
 * Version 24: an objection (an open issue with no deadline) goes whole
 * to a customer's new owner, in the reports too; before, a hand-over
 * kept it under the one who held it, as if past a deadline:
 * sla_refile_objections gives those to their owners.
 * Version 25: the per-customer lists keyed by time (the timelines and
 * the events) share one zone of each customer's range, in time order
 * (schema.def's TIME), so that what a log adds to them is one run:
 * store_zone moves them, in batches, before the steps here. The
 * customers' audit lists joined the zone with a time in their keys:
 * store_zone deletes their old entries and audit_reindex writes them.
 *
 * Each whole rebuild runs only for data older than the newest schema
 * that changed what it derives (REBUILD_*, below): newer data has them as
 * its crmd wrote them, and a rebuild of a large database takes minutes
 * in one transaction. A schema that changes what a rebuild derives moves
 * its number here.
 */
#include "upgrade.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "changes.h"
#include "crm.h"
#include "customer.h"
#include "dispatch.h"
#include "history.h"
#include "lifecycle.h"
#include "period_card.h"
#include "pool_reclaim.h"
#include "search.h"
#include "sla.h"
#include "stats.h"
#include "task.h"

/* Search texts keyed by customer id alone (before owner || id). */
static int
old_texts(store *st, MDB_txn *txn)
{
	store_cursor *cur;
	store_val k;
	int old = 0;
	if (store_cursor_open(st, txn, DB_SEARCH_TEXT, &cur) == CRM_OK) {
		old = store_cursor_get(cur, STORE_FIRST, &k, NULL) == CRM_OK &&
		      k.len == 8;
		store_cursor_close(cur);
	}
	return old;
}

static int
empty(store *st, MDB_txn *txn, enum store_db db)
{
	return store_empty(st, txn, db);
}

/* The newest schema each rebuild derives a change of (above). */
enum {
	REBUILD_STATS = 15,    /* 3, 4, 6, 15: from 15, stats_drop_merged */
	REBUILD_HISTORY = 15,  /* 7, 14, 15 */
	REBUILD_SEARCH = 13,   /* 9, 11, 13 */
	DROP_MERGED = 16,      /* data of 15: stats_drop_merged alone */
	DROP_TEAM_COPIES = 18, /* data of 15-17: stats_drop_team_copies */
	PERIOD_CARDS = 19,     /* period_card_rebuild */
	RETAG_HOT = 21,        /* retag_hot */
	QUEUED_TASKS = 22,     /* stats_drop_queued_tasks */
	OBJECTIONS = 24,       /* sla_refile_objections */
	ZONES = 25,            /* audit_reindex (store_zone: the rest) */
	GRADE_TWINS = 26,      /* stats_grade_twins */
	MADE_LATE = 27,        /* stats_task_refile_made_late */
	/* 28: pool-rule records of 56 bytes and "warned" queue entries
	 * (pool_reclaim.c); 48-byte ones still read: no step, only the
	 * number, so an older crmd refuses data it would misread. */
};

/* Schema 21: each customer's change_cust and reclaim_rec entries from
 * their tags before (85, 86) to schema.def's, tombstones included (how
 * many of each moved: *changes, *recs). */
static crm_status
retag_hot(struct req_ctx *ctx, uint64_t *changes, uint64_t *recs)
{
	*changes = *recs = 0;
	uint64_t id = 0;
	crm_status rc;
	while ((rc = store_id_next(
	            ctx->st, ctx->txn, DB_CUSTOMERS, id, &id)) == CRM_OK) {
		int m1 = 0, m2 = 0;
		rc = store_retag(
		    ctx->st, ctx->txn, DB_CHANGE_CUST, 85, id, &m1);
		if (rc == CRM_OK) {
			rc = store_retag(
			    ctx->st, ctx->txn, DB_RECLAIM_REC, 86, id, &m2);
		}
		if (rc != CRM_OK) {
			return rc;
		}
		*changes += (uint64_t)m1;
		*recs += (uint64_t)m2;
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

/* started: when the first attempt began (a map growth retries). */
static crm_status
upgrade_once(store *st, int64_t started)
{
	MDB_txn *txn;
	crm_status rc = store_write_begin(st, &txn);
	if (rc != CRM_OK) {
		return rc;
	}
	unsigned v = store_schema_get(st, txn);
	const unsigned want = store_schema_target(st);
	if (v > STORE_SCHEMA_VERSION) {
		store_write_abort(st, txn);
		crm_err("the data has schema %u; this crmd knows up to %u", v,
		    STORE_SCHEMA_VERSION);
		return CRM_UNSUPPORTED;
	}
	/* Search texts came within schema 3: fill them once. */
	int texts = (empty(st, txn, DB_SEARCH_TEXT) &&
	                !empty(st, txn, DB_CUSTOMERS)) ||
	            old_texts(st, txn);
	if (v == want && !texts) {
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
	if (v != want) {
		crm_info("upgrading the data from schema %u to %u", v, want);
		if (v < RETAG_HOT) {
			/* First: the steps below read and write them. */
			uint64_t changes = 0, recs = 0;
			rc = retag_hot(&ctx, &changes, &recs);
			if (rc == CRM_OK) {
				crm_info(
				    "moving each customer's latest change "
				    "and pool rules' record before its "
				    "record: %" PRIu64
				    " latest changes and %" PRIu64
				    " pool rules' records (customers with "
				    "an owner) moved",
				    changes, recs);
			}
		}
		if (rc == CRM_OK && v < 5) {
			/* Before the report facts are derived from it. */
			rc = lifecycle_backfill_first(&ctx);
		}
		if (rc == CRM_OK && v < REBUILD_STATS) {
			crm_info("deriving the report facts again");
			rc = stats_rebuild(&ctx);
		} else if (rc == CRM_OK && v < DROP_MERGED) {
			uint64_t merged = 0;
			rc = stats_drop_merged(&ctx, &merged);
			if (rc == CRM_OK) {
				crm_info(
				    "taking the stage moves of merged "
				    "customers out of the reports: %" PRIu64
				    " merged",
				    merged);
			}
		}
		if (rc == CRM_OK && v >= REBUILD_STATS &&
		    v < DROP_TEAM_COPIES) {
			/* (A rebuild above derives them as schema 18 keeps
			 * them.) */
			uint64_t dropped = 0, elsewhere = 0;
			rc =
			    stats_drop_team_copies(&ctx, &dropped, &elsewhere);
			if (rc == CRM_OK) {
				crm_info(
				    "keeping the report facts under the "
				    "people they are of: %" PRIu64
				    " team copies dropped; follow-ups kept "
				    "under a team not their author's: "
				    "%" PRIu64,
				    dropped, elsewhere);
			}
		}
		if (rc == CRM_OK && v < OBJECTIONS) {
			uint64_t refiled = 0;
			rc = sla_refile_objections(&ctx, &refiled);
			if (rc == CRM_OK) {
				crm_info("giving the open objections handed "
				         "over with their customers to their "
				         "owners in the reports: %" PRIu64,
				    refiled);
			}
		}
		if (rc == CRM_OK && v >= REBUILD_STATS && v < QUEUED_TASKS) {
			/* (A rebuild above derives them as schema 22 keeps
			 * them.) */
			uint64_t dropped = 0;
			rc = stats_drop_queued_tasks(&ctx, &dropped);
			if (rc == CRM_OK) {
				crm_info(
				    "keeping an open task's report fact "
				    "in its due-queue entry alone: %" PRIu64
				    " facts of open tasks dropped",
				    dropped);
			}
		}
		if (rc == CRM_OK && v < 8) {
			unsigned clashes = 0;
			rc = customer_rebuild_names(&ctx, &clashes);
			if (rc == CRM_OK && clashes > 0) {
				crm_warn(
				    "%u customer names or licence numbers "
				    "now equal another's; the older one "
				    "keeps it (merge the duplicates)",
				    clashes);
			}
		}
		if (rc == CRM_OK && v < 6) {
			rc = sla_upgrade_churn(&ctx);
		}
		if (rc == CRM_OK && v < REBUILD_HISTORY) {
			crm_info("building the customers' timelines");
			rc = history_rebuild(&ctx);
		}
		if (rc == CRM_OK && v >= REBUILD_STATS && v < GRADE_TWINS) {
			/* (A rebuild above writes them with the facts.) */
			uint64_t twins = 0;
			rc = stats_grade_twins(&ctx, &twins);
			if (rc == CRM_OK) {
				crm_info(
				    "indexing the grade facts by customer: "
				    "%" PRIu64 " facts",
				    twins);
			}
		}
		if (rc == CRM_OK && v >= REBUILD_STATS && v < MADE_LATE) {
			/* (A rebuild above writes them with the flag.) */
			uint64_t refiled = 0;
			rc = stats_task_refile_made_late(&ctx, &refiled);
			if (rc == CRM_OK) {
				crm_info(
				    "marking the tasks made after they fell "
				    "due (no period's plan): %" PRIu64,
				    refiled);
			}
		}
		if (rc == CRM_OK && v < ZONES) {
			/* Its keys hold the time since schema 25 (store_zone
			 * took the old ones away). */
			crm_info("indexing the audit trail by customer and "
			         "time");
			rc = audit_reindex(&ctx);
		}
		if (rc == CRM_OK && v < 11) {
			/* Customers' latest change seqs beside them. */
			rc = changes_split_customers(&ctx);
		}
		if (rc == CRM_OK && v < 10) {
			/* The pool rules' entries (pool_reclaim.h). */
			rc = pool_reclaim_reindex(&ctx);
		} else if (rc == CRM_OK && v < 17) {
			uint64_t moved = 0;
			rc = pool_reclaim_move_recs(&ctx, &moved);
			if (rc == CRM_OK) {
				crm_info(
				    "moving the pool rules' records beside "
				    "their customers: %" PRIu64 " moved",
				    moved);
			}
		}
		if (rc == CRM_OK && v < 12) {
			/* The due entries hold what due shows (task.h). */
			crm_info("filling the due queue's entries");
			rc = task_due_reindex(&ctx);
		}
		if (rc == CRM_OK && v < PERIOD_CARDS) {
			/* Last: from the records and histories as the steps
			 * above leave them. */
			uint64_t carded = 0;
			crm_info("writing the customers' period cards into "
			         "their owner and team lists");
			rc = period_card_rebuild(&ctx, &carded);
			if (rc == CRM_OK) {
				crm_info("period cards written: %" PRIu64
				         " customers (a merged one has none)",
				    carded);
			}
		}
		if (rc == CRM_OK) {
			rc = store_schema_set(st, txn, want);
		}
	}
	if (rc == CRM_OK && (texts || v < REBUILD_SEARCH)) {
		crm_info("building the search texts");
		rc = store_drop(st, txn, DB_SEARCH_TEXT);
		if (rc == CRM_OK) {
			rc = store_drop(st, txn, DB_SEARCH_GRAM);
		}
		if (rc == CRM_OK) {
			rc = search_rebuild(&ctx);
		}
	}
	crm_arena_fini(&arena);
	if (rc != CRM_OK) {
		store_write_abort(st, txn);
		return rc;
	}
	rc = store_write_commit(st, txn);
	if (rc == CRM_OK && v != want) {
		crm_info("the data is at schema %u (the upgrade took %lld s)",
		    want, (long long)(time(NULL) - started));
	}
	return rc;
}

crm_status
upgrade_run(store *st)
{
	/* Schema 11: the databases' entries move to the shared tree first,
	 * in transactions of their own, so the steps below see one layout. */
	/* The wall clock's (a test clock does not move during it). */
	int64_t started = (int64_t)time(NULL);
	crm_status moved = store_relocate(st);
	if (moved != CRM_OK) {
		return moved;
	}
	/* Schema 25: the timelines into their zones, before any step reads
	 * them (the same way). */
	moved = store_zone(st);
	if (moved != CRM_OK) {
		return moved;
	}
	/* A rebuild may need more room than the map has: grow and retry,
	 * as the writer does. */
	for (int attempt = 0;; attempt++) {
		store_map_full = 0;
		crm_status rc = upgrade_once(st, started);
		if (rc != CRM_TOO_BIG || !store_map_full || attempt == 8 ||
		    store_grow(st) != CRM_OK) {
			return rc;
		}
	}
}
