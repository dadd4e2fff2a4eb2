/* SPDX-License-Identifier: MIT */
/* audit.c: append-only audit records keyed by a sequence number. */
#include "audit.h"

#include <stdlib.h>

#include "crm.h"
#include "records.pb-c.h"
#include "store_schema.h"

static ProtobufCBinaryData
packed(crm_arena *a, const ProtobufCMessage *m)
{
	ProtobufCBinaryData b = { 0, NULL };
	if (m == NULL) {
		return b;
	}
	size_t n = protobuf_c_message_get_packed_size(m);
	b.data = crm_arena_alloc(a, n ? n : 1);
	if (b.data == NULL) {
		return b; /* an oversized snapshot is left out, not the record
		           */
	}
	b.len = protobuf_c_message_pack(m, b.data);
	return b;
}

crm_status
audit_add(struct req_ctx *ctx, const char *entity, uint64_t id,
    const ProtobufCMessage *before, const ProtobufCMessage *after)
{
	if (ctx->bulk) {
		return CRM_OK;
	}
	uint64_t seq;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "audit", &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__Store__AuditRecord rec = CRM__STORE__AUDIT_RECORD__INIT;
	rec.has_at = rec.has_user_id = rec.has_entity_id = 1;
	rec.at = ctx->now;
	rec.user_id = ctx->who ? ctx->who->user_id : 0;
	rec.action = (char *)(ctx->action ? ctx->action : "offline");
	rec.entity = (char *)entity;
	rec.entity_id = id;
	rec.before = packed(ctx->arena, before);
	rec.has_before = before != NULL;
	rec.after = packed(ctx->arena, after);
	rec.has_after = after != NULL;
	if (ctx->request_id.len > 0) {
		rec.has_request_id = 1;
		rec.request_id = ctx->request_id;
	}
	store_key k;
	store_key_id(&k, seq);
	rc = store_put_msg(ctx->st, ctx->txn, DB_AUDIT, &k, &rec.base);
	if (rc == CRM_OK) {
		ctx->changed = 1;
	}
	return rc;
}
