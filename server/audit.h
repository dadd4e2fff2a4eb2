/* SPDX-License-Identifier: MIT */
/*
 * audit.h: the audit log: one record per change (who, when, which request,
 * the record before and after), written in the transaction of the change.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "dispatch.h"

/*
 * audit_add: record a change of entity/id in ctx->txn; before or after may
 * be NULL (creation, deletion). Marks ctx->changed.
 * Errors: as store_put_msg.
 */
crm_status audit_add(struct req_ctx *ctx, const char *entity, uint64_t id,
    const ProtobufCMessage *before, const ProtobufCMessage *after);

/*
 * audit_reindex: the by-customer index of every audit record (the schema
 * 9 upgrade), in ctx->txn (a write transaction).
 */
crm_status audit_reindex(struct req_ctx *ctx);

struct check;
/* audit_check: every audit record decodes and is indexed under its
 * customers, and every index entry names a record (crm-check). */
crm_status audit_check(struct check *c);

#endif
