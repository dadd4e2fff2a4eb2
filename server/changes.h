/* SPDX-License-Identifier: MIT */
/*
 * changes.h: the change log that services follow with the `changes`
 * request. Every write of a customer, contact, follow-up or task calls
 * changes_record in its write transaction; the log lists only the latest
 * change of each record (an older entry stays, and is skipped when
 * read). Who may see an entry is decided when it is read, not here.
 */
#ifndef CHANGES_H
#define CHANGES_H

#include <stdint.h>

#include "dispatch.h"

/*
 * changes_record: note in ctx->txn (a write transaction) that record id
 * of kind (a Crm__V1__ChangeKind), of customer customer_id (id itself for
 * a customer), changed: it moves to the end of the log with a new
 * sequence number, kept beside the customer as the record's latest (a
 * contact's, follow-up's or task's in its entry of the customer's list:
 * call it after that entry is written). Errors: CRM_EINVAL (kind out of
 * range, no id or customer), as store_map_lmdb.
 */
crm_status changes_record(struct req_ctx *ctx, Crm__V1__ChangeKind kind,
    uint64_t id, uint64_t customer_id);

/*
 * changes_last_seq: the newest sequence number in the change log as txn
 * sees it (0 when empty): the cursor a poke carries.
 * Errors: as store_map_lmdb.
 */
crm_status changes_last_seq(store *st, MDB_txn *txn, uint64_t *seq /* OUT */);

/*
 * changes_split_customers: schema 11 keeps a customer's latest change seq
 * in change_cust, beside the customer: move change_rec's customer entries
 * there (upgrade.c).
 */
crm_status changes_split_customers(struct req_ctx *ctx);

#endif
