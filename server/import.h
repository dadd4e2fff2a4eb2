/* SPDX-License-Identifier: MIT */
/*
 * import.h: between the two files of import: import.c runs a batch of
 * rows (import_handle_batch, the request, is in handlers.h) and
 * import_dry.c a dry run across batches, which runs each batch there.
 */
#ifndef IMPORT_H
#define IMPORT_H

#include "dispatch.h"

/* What becomes of a batch's writes in ctx->txn. */
enum import_keep {
	IMPORT_KEEP_NONE,    /* a dry run of the batch alone: nothing */
	IMPORT_KEEP_CHECKED, /* the import: kept when no row was bad, or
	                      * bad rows are skipped (skip_bad) */
	IMPORT_KEEP_ADDED,   /* a part of a dry run across batches: the
	                      * added rows stay for the parts after it (the
	                      * caller rolls back the whole) */
};

/*
 * import_batch_run: run q's rows (each checked like a request's fields
 * first, then by its kind's handler) in a transaction nested in ctx->txn,
 * kept there as how says. *reply: the batch's reply, in ctx->arena
 * (borrowed; valid until the arena is reset or released past it).
 * Errors: CRM_EINVAL (kind, too many rows), CRM_TOO_BIG (the arena), and
 * what stops a whole batch (a full map, CRM_INTERNAL), its message
 * naming the row.
 */
crm_status import_batch_run(struct req_ctx *ctx,
    const Crm__V1__ImportRequest *q, enum import_keep how,
    Crm__V1__ImportReply **reply /* OUT */);

/*
 * import_dry_handle: a request of a dry run across batches (q names a
 * dry_run_id; crm.proto's ImportRequest says the three kinds): keep a
 * part, run them all, or fetch a part's reply. Fills resp's import_reply.
 * Errors: CRM_EINVAL (a malformed request), CRM_EPRECOND (a dry run crmd
 * does not hold, or not run yet), CRM_TOO_BIG (over
 * CRM_IMPORT_DRY_RUN_ROWS rows, the arena), CRM_UNAVAILABLE (too many
 * dry runs held at once: retry), and import_batch_run's.
 */
crm_status import_dry_handle(struct req_ctx *ctx,
    const Crm__V1__ImportRequest *q, Crm__V1__Response *resp);

#endif
