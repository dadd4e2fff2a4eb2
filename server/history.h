/* SPDX-License-Identifier: MIT */
/*
 * history.h: a customer's timeline (customer history). Every kind of
 * entry (follow-ups, stage changes, grade proposals, tasks, commitments,
 * SLA clocks, purchases, events) is a source with its own per-customer,
 * time-ordered index
 *
 *   customer id || time (store_time_key) || record id  -> ""
 *
 * written in the same transaction as the record by history_index (events
 * are stored under such keys already: their records are their entries).
 * Another kind of entry is one row in history.c's table. A
 * page walks every source's index backwards from a cursor and merges
 * them newest first, loading only the records of the page it returns.
 * The order is time descending, then kind (HistoryItem's field number: a
 * follow-up above what it caused), then id descending; the cursor is the
 * last
 * entry of a page as text ("TIME.KIND.ID", opaque to clients). A page
 * ends at its limit or its byte budget, whichever comes first, and says
 * where the next begins; nothing is skipped: a record that is missing or
 * does not decode fails the request with its name.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>

#include "check.h"
#include "dispatch.h"

/* The sources, in the table's order (history.c). */
enum history_src {
	HIST_FOLLOWUP,
	HIST_STAGE,
	HIST_GRADE,
	HIST_TASK,
	HIST_COMMITMENT,
	HIST_SLA,
	HIST_PURCHASE,
	HIST_EVENT, /* event.h: the record is its own entry */
	HIST_SOURCES
};

/* Where one record stands in its source's index. */
struct history_pos {
	uint64_t customer_id;
	int64_t at;
	uint64_t id; /* record id; a stage change's sequence */
};

/*
 * history_index: keep the index entry of one record of src in step with
 * it: before is the stored version (NULL: new), after the one being
 * written (NULL: it goes). Positions come from the record (customer_id,
 * its timeline time, id). Not for HIST_STAGE (no id field): use
 * history_index_pos. Errors: as store_map_lmdb.
 */
crm_status history_index(struct req_ctx *ctx, enum history_src src,
    const ProtobufCMessage *before, const ProtobufCMessage *after);

/* history_index_pos: the same from positions (either NULL: none). */
crm_status history_index_pos(struct req_ctx *ctx, enum history_src src,
    const struct history_pos *before, const struct history_pos *after);

/*
 * history_followup_at: the ids of customer's follow-ups that happened at
 * exactly `at`, one per call: start with *id = 0; CRM_NOT_FOUND at the
 * end. One index seek; no record is loaded.
 */
crm_status history_followup_at(struct req_ctx *ctx, uint64_t customer,
    int64_t at, uint64_t *id /* IN/OUT */);

/*
 * history_followup_first: when customer's earliest follow-up happened,
 * into *at; CRM_NOT_FOUND: none. One index seek.
 */
crm_status history_followup_first(
    struct req_ctx *ctx, uint64_t customer, int64_t *at /* OUT */);

/*
 * history_rebuild: empty the timeline indexes and derive them from the
 * records, in ctx->txn (a write transaction): the schema 5 upgrade.
 */
crm_status history_rebuild(struct req_ctx *ctx);

/*
 * history_check: every record of every source has its timeline entry,
 * and every entry points to a record of that customer at that time (for
 * crm-check). Stage changes that do not decode are named here.
 */
crm_status history_check(struct check *c);

#endif
