/* SPDX-License-Identifier: MIT */
/*
 * audit.h: the audit log: one record per change (who, when, which request,
 * the record before and after), written in the transaction of the change.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
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

/* A change audit_field_newer found: when it was made, by whom (0: the
 * server), the field's value after it, as the audit trail shows it
 * (arena text), and whether it was the record's creation. */
struct audit_seen {
	int64_t at;
	uint64_t user_id;
	const char *value;
	int created;
};

/*
 * audit_field_newer: 1 when field `field` of entity/id (its snapshots'
 * message type, e.g. "customer", "task") was changed by a write made
 * after `since` (or in the same second by another user), per the audit
 * list of customer: the newest such change in *seen. The write that
 * created the record set every field (seen->created): a record made
 * after `since` counts whatever the field holds. A write made offline
 * counts at when it was made (AuditRecord.made_at). Reads the list back
 * from its newest entry to the first one stored by `since`, at most
 * AUDIT_SCAN_MAX entries. 0 on any error: a check, not a rule.
 */
int audit_field_newer(struct req_ctx *ctx, uint64_t customer,
    const char *entity, uint64_t id, const char *field, int64_t since,
    struct audit_seen *seen /* OUT */);

/*
 * audit_edit_not_older: an edit of fields (n of them) of entity/id, made
 * earlier than it came (kept offline, Request.made_at), does not undo a
 * change made since to one of them (audit_field_newer), nor set a field
 * of a record made since (before it existed): CRM_EPRECOND, naming the
 * change (ctx->field: path.fields[i]) or when the record was made and
 * by whom; otherwise CRM_OK.
 */
crm_status audit_edit_not_older(struct req_ctx *ctx, uint64_t customer,
    const char *entity, uint64_t id, Crm__V1__FieldValue *const *fields,
    size_t n, const char *path);

/* Room for one of audit_conflict_times' times. */
#define AUDIT_TIME_LEN 40

/*
 * audit_conflict_times: the two times a refusal of a write made earlier
 * than it came names (audit_edit_not_older, a stage change, a task's
 * move or hand-over): when it was made into a, when the change since
 * into b, each "2026-12-07 10:00", and ":SS" on both when they fall in
 * the same minute (which came first is then in the seconds; README
 * "Offline"). a and b have len bytes each (AUDIT_TIME_LEN).
 */
void audit_conflict_times(
    int64_t made, int64_t then, char *a, char *b, size_t len);

/*
 * audit_before_made: the refusal of a write made at `made`, earlier than
 * it came (Request.made_at), of entity id, a record made after it (or in
 * its second, by another user): seen, from audit_field_newer with
 * seen->created. CRM_EPRECOND "WHAT was made A, before ENTITY ID was
 * made (B, by LOGIN): not appliedTHEN" (no "by" when the server made
 * it): it would set what the record's maker set, before there was one.
 */
crm_status audit_before_made(struct req_ctx *ctx, int64_t made,
    const struct audit_seen *seen, const char *what, const char *entity,
    uint64_t id, const char *then);

struct check;
/* audit_check: every audit record decodes and is indexed under its
 * customers, and every index entry names a record (crm-check). */
crm_status audit_check(struct check *c);

#endif
