/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c: THE request table, indexed by the Request oneof case, the
 * checks every request passes before its handler (see dispatch.h for the
 * order), and the one core that runs a request: dispatch_read (workers)
 * and dispatch_apply (the writer, with idempotency). Adding a request is
 * one row here plus its handler, and its contract options in
 * proto/crm.proto (dispatch_contract_test says which).
 */
#include "dispatch.h"

#include <inttypes.h>
#include <nanomsg/nn.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "crm_wire_nul.h"
#include "handlers.h"
#include "latency.h"
#include "records.pb-c.h"
#include "store_schema.h"

#define BODY_HASH_LEN 16 /* blake2b-128: a collision needs 2^64 tries */

#define BODY(x) CRM__V1__REQUEST__BODY_##x

static const struct dispatch_row table[] = {
	[BODY(HELLO)] = { "hello", session_handle_hello, NULL, PERM_NONE,
	    REQ_READ, 0 },
	[BODY(LOGIN)] = { "login", session_handle_login, session_prepare_login,
	    PERM_NONE, REQ_WRITE, REQ_NO_IDEM },
	[BODY(LOGOUT)] = { "logout", session_handle_logout, NULL, PERM_REP,
	    REQ_WRITE, REQ_NO_IDEM },
	[BODY(WHOAMI)] = { "whoami", session_handle_whoami, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(PASSWD)] = { "passwd", session_handle_passwd,
	    session_prepare_passwd, PERM_REP, REQ_WRITE, 0 },

	[BODY(USER_ADD)] = { "user.add", user_handle_add, user_prepare_add,
	    PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(USER_LIST)] = { "user.list", user_handle_list, NULL,
	    PERM_MANAGER, REQ_READ, 0 },
	[BODY(USER_DISABLE)] = { "user.disable", user_handle_disable, NULL,
	    PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(TEAM_ADD)] = { "team.add", user_handle_team_add, NULL,
	    PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(TEAM_LIST)] = { "team.list", user_handle_team_list, NULL,
	    PERM_REP, REQ_READ, 0 },

	[BODY(CUSTOMER_ADD)] = { "customer.add", customer_handle_add, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(CUSTOMER_GET)] = { "customer.get", customer_handle_get, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(CUSTOMER_EDIT)] = { "customer.edit", customer_handle_edit, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(CUSTOMER_LIST)] = { "customer.list", customer_handle_list, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(CUSTOMER_FIND)] = { "customer.find", customer_handle_find, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(CUSTOMER_ASSIGN)] = { "customer.assign", customer_handle_assign,
	    NULL, PERM_MANAGER, REQ_WRITE, 0 },

	[BODY(CONTACT_ADD)] = { "contact.add", contact_handle_add, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(CONTACT_LIST)] = { "contact.list", contact_handle_list, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(CONTACT_LEFT)] = { "contact.left", contact_handle_left, NULL,
	    PERM_REP, REQ_WRITE, 0 },

	[BODY(FOLLOWUP_LOG)] = { "followup.log", followup_handle_log,
	    followup_prepare_log, PERM_REP, REQ_WRITE, 0 },
	[BODY(CUSTOMER_HISTORY)] = { "customer.history", history_handle_list,
	    NULL, PERM_REP, REQ_READ, 0 },
	[BODY(DUE)] = { "due", task_handle_due, NULL, PERM_REP, REQ_READ, 0 },
	[BODY(TASK_ADD)] = { "task.add", task_handle_add, NULL, PERM_REP,
	    REQ_WRITE, 0 },
	[BODY(TASK_DONE)] = { "task.done", task_handle_done, NULL, PERM_REP,
	    REQ_WRITE, 0 },
	[BODY(TASK_MOVE)] = { "task.move", task_handle_move, NULL, PERM_REP,
	    REQ_WRITE, 0 },
	[BODY(TASK_ASSIGN)] = { "task.assign", task_handle_assign, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(TASK_CANCEL)] = { "task.cancel", task_handle_cancel, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(POLICY_GET)] = { "policy.get", policy_handle_get, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(POLICY_SET)] = { "policy.set", policy_handle_set, NULL,
	    PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(POLICY_DRY_RUN)] = { "policy.dry_run", policy_handle_dry_run,
	    NULL, PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(STAGE_SET)] = { "stage.set", lifecycle_handle_stage, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(GRADE_PROPOSE)] = { "grade.propose",
	    lifecycle_handle_grade_propose, NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(GRADE_PENDING)] = { "grade.pending",
	    lifecycle_handle_grade_pending, NULL, PERM_REP, REQ_READ, 0 },
	[BODY(GRADE_APPROVE)] = { "grade.approve",
	    lifecycle_handle_grade_approve, NULL, PERM_MANAGER, REQ_WRITE, 0 },
	[BODY(GRADE_REJECT)] = { "grade.reject", lifecycle_handle_grade_reject,
	    NULL, PERM_MANAGER, REQ_WRITE, 0 },
	[BODY(SLA_START)] = { "sla.start", sla_handle_start, NULL, PERM_REP,
	    REQ_WRITE, 0 },
	[BODY(SLA_LIST)] = { "sla.list", sla_handle_list, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(COMMITMENT_LIST)] = { "commitment.list",
	    sla_handle_commitment_list, NULL, PERM_REP, REQ_READ, 0 },
	[BODY(COMMITMENT_DONE)] = { "commitment.done",
	    sla_handle_commitment_done, NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(STALE)] = { "stale", review_handle_stale, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(REMINDERS)] = { "reminders", sla_handle_reminders, NULL,
	    PERM_REP, REQ_READ, 0 },

	[BODY(REPORT)] = { "report", report_handle, NULL, PERM_REP, REQ_READ,
	    0 },
	[BODY(EXPORT_PAGE)] = { "export", export_handle_page, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(IMPORT_BATCH)] = { "import", import_handle_batch, NULL, PERM_REP,
	    REQ_WRITE, 0 },
	[BODY(CUSTOMER_MERGE)] = { "customer.merge", merge_handle, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(BACKUP)] = { "backup", backup_handle, NULL, PERM_ADMIN, REQ_READ,
	    0 },

	[BODY(PURCHASE_ADD)] = { "purchase.add", purchase_handle_add, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(PURCHASE_LIST)] = { "purchase.list", purchase_handle_list, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(POLICY_VALUE_SET)] = { "policy.value", policy_handle_value_set,
	    NULL, PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(FOLLOWUP_ATTACH)] = { "followup.attach", attachment_handle_add,
	    NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(CONTACT_VERIFY)] = { "contact.verify", contact_handle_verify,
	    NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(CUSTOMER_CHECK)] = { "customer.check",
	    review_handle_customer_check, NULL, PERM_MANAGER, REQ_WRITE, 0 },
	[BODY(CHANGES)] = { "changes", changes_handle_list, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(USER_PASSWD)] = { "user.passwd", user_handle_passwd,
	    user_prepare_passwd, PERM_ADMIN, REQ_WRITE, 0 },

	[BODY(ISSUE_RESOLVE)] = { "issue.resolve", sla_handle_issue_resolve,
	    NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(ISSUE_LIST)] = { "issue.list", sla_handle_issue_list, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(FOLLOWUP_GET)] = { "followup.get", followup_handle_get, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(ISSUE_ESCALATE)] = { "issue.escalate", issue_handle_escalate,
	    NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(CONTACT_EDIT)] = { "contact.edit", contact_handle_edit, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(AUDIT_LIST)] = { "audit.list", audit_handle_list, NULL,
	    PERM_MANAGER, REQ_READ, 0 },

	[BODY(CALENDAR_IMPORT)] = { "calendar.import", calendar_handle_import,
	    NULL, PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(CALENDAR_SHOW)] = { "calendar.show", calendar_handle_show, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(CUSTOMER_MERGE_PREVIEW)] = { "customer.merge_preview",
	    merge_handle_preview, NULL, PERM_REP, REQ_READ, 0 },

	[BODY(ROUTINE_ADD)] = { "routine.add", routine_handle_add, NULL,
	    PERM_REP, REQ_WRITE, 0 },
	[BODY(ROUTINE_LIST)] = { "routine.list", routine_handle_list, NULL,
	    PERM_REP, REQ_READ, 0 },
	[BODY(ROUTINE_STOP)] = { "routine.stop", routine_handle_stop, NULL,
	    PERM_REP, REQ_WRITE, 0 },

	[BODY(CUSTOMER_RELEASE)] = { "customer.release", pool_handle_release,
	    NULL, PERM_REP, REQ_WRITE, 0 },
	[BODY(POOL_LIST)] = { "pool.list", pool_handle_list, NULL, PERM_REP,
	    REQ_READ, 0 },
	[BODY(POOL_CLAIM)] = { "pool.claim", pool_handle_claim, NULL, PERM_REP,
	    REQ_WRITE, 0 },
	[BODY(POLICY_POOL)] = { "policy.pool", pool_handle_policy, NULL,
	    PERM_ADMIN, REQ_WRITE, 0 },
	[BODY(CUSTOMER_HANDOVER)] = { "customer.handover",
	    pool_handle_handover, NULL, PERM_MANAGER, REQ_WRITE, 0 },
	/* 250-259: rules that explain themselves (issue 16). */
	[BODY(CUSTOMER_WHY)] = { "customer.why", why_handle_customer, NULL,
	    PERM_REP, REQ_READ, 0 },
	/* 270-279: measuring the server (issue 19). */
	[BODY(STATS)] = { "stats", latency_handle_stats, NULL, PERM_ADMIN,
	    REQ_READ, 0 },
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

const struct dispatch_row *
dispatch_row(Crm__V1__Request__BodyCase c)
{
	if ((unsigned)c >= TABLE_SIZE || table[c].handler == NULL) {
		return NULL;
	}
	return &table[c];
}

unsigned
dispatch_table_size(void)
{
	return (unsigned)TABLE_SIZE;
}

crm_status
dispatch_fail(struct req_ctx *ctx, crm_status code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	return code;
}

crm_status
dispatch_fail_field(struct req_ctx *ctx, crm_status code, const char *field,
    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	snprintf(ctx->field, sizeof(ctx->field), "%s", field ? field : "");
	return code;
}

void
dispatch_field_prefix(struct req_ctx *ctx, const char *prefix)
{
	if (ctx->field[0] == '\0' ||
	    strncmp(ctx->field, prefix, strlen(prefix)) == 0) {
		return;
	}
	char f[sizeof(ctx->field)];
	snprintf(f, sizeof(f), "%s%s", prefix, ctx->field);
	memcpy(ctx->field, f, sizeof(f));
}

crm_status
dispatch_fail_no_id(struct req_ctx *ctx, const char *what)
{
	/* The body of the request being run (dispatch_check and
	 * dispatch_apply keep its case; 0 outside a request). */
	const ProtobufCFieldDescriptor *body =
	    ctx->prep.body != 0
	        ? protobuf_c_message_descriptor_get_field(
	              &crm__v1__request__descriptor, (unsigned)ctx->prep.body)
	        : NULL;
	const ProtobufCFieldDescriptor *f = NULL;
	if (body != NULL && body->type == PROTOBUF_C_TYPE_MESSAGE) {
		const ProtobufCMessageDescriptor *d = body->descriptor;
		char name[64];
		snprintf(name, sizeof(name), "%s_id", what);
		for (char *p = name; *p; p++) {
			*p = *p == ' ' ? '_' : *p;
		}
		f = protobuf_c_message_descriptor_get_field_by_name(d, name);
		if (f == NULL) {
			f = protobuf_c_message_descriptor_get_field_by_name(
			    d, "id");
		}
	}
	if (f == NULL || f->type != PROTOBUF_C_TYPE_UINT64) {
		return dispatch_fail(ctx, CRM_NOT_FOUND, "no %s 0", what);
	}
	snprintf(ctx->field, sizeof(ctx->field), "%s.%s", body->name, f->name);
	return dispatch_fail(ctx, CRM_EINVAL, "give the %s's id", what);
}

crm_status
dispatch_record(struct req_ctx *ctx, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d, ProtobufCMessage **out)
{
	store_key k;
	store_key_id(&k, id);
	return store_get_msg(
	    ctx->st, ctx->txn, db, &k, d, &ctx->arena->allocator, out);
}

/* A listed record's get that returned rc, for a walk. */
static crm_status
listed(struct req_ctx *ctx, enum store_db db, uint64_t id, crm_status rc)
{
	if (rc == CRM_OK || rc == CRM_TOO_BIG) {
		return rc;
	}
	/* An index entry without its record is damage too. */
	return dispatch_fail(ctx, CRM_INTERNAL,
	    "%s %" PRIu64 " %s (crm-check reports it)", store_db_name(db), id,
	    rc == CRM_NOT_FOUND ? "is listed but missing" : "does not decode");
}

crm_status
dispatch_list_record(struct req_ctx *ctx, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d, ProtobufCMessage **out)
{
	return listed(ctx, db, id, dispatch_record(ctx, db, id, d, out));
}

crm_status
dispatch_list_record_at(struct req_ctx *ctx, struct store_cursor *c,
    enum store_db db, uint64_t id, const ProtobufCMessageDescriptor *d,
    ProtobufCMessage **out)
{
	store_key k;
	store_key_id(&k, id);
	return listed(ctx, db, id,
	    store_cursor_get_msg(c, &k, d, &ctx->arena->allocator, out));
}

crm_status
dispatch_each_record(struct req_ctx *ctx, enum store_db db,
    const ProtobufCMessageDescriptor *d,
    crm_status (*fn)(
        struct req_ctx *ctx, const ProtobufCMessage *m, void *arg),
    void *arg)
{
	uint64_t id = 0;
	crm_status rc;
	while (
	    (rc = store_id_next(ctx->st, ctx->txn, db, id, &id)) == CRM_OK) {
		crm_arena_reset(ctx->arena);
		ProtobufCMessage *m;
		rc = dispatch_record(ctx, db, id, d, &m);
		if (rc == CRM_OK) {
			rc = fn(ctx, m, arg);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	crm_arena_reset(ctx->arena);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

static int
role_rank(int role)
{
	switch (role) {
	case CRM__V1__ROLE__ROLE_ADMIN:
		return PERM_ADMIN;
	case CRM__V1__ROLE__ROLE_MANAGER:
		return PERM_MANAGER;
	case CRM__V1__ROLE__ROLE_REP:
		return PERM_REP;
	default:
		return PERM_NONE;
	}
}

/* A request refused for its size is logged: at most one line a second,
 * the rest counted into the next line. */
static void
log_too_big(const struct req_ctx *ctx, size_t len)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t last;
	static unsigned long skipped;
	time_t now = time(NULL);
	pthread_mutex_lock(&lock);
	int say = now != last;
	unsigned long more = skipped;
	if (say) {
		last = now;
		skipped = 0;
	} else {
		skipped++;
	}
	pthread_mutex_unlock(&lock);
	if (say) {
		crm_warn("refused a request of %zu bytes from connection %u: "
		         "over the %u-byte limit (and %lu more not logged)",
		    len, ctx->peer, CRM_MAX_REQUEST, more);
	}
}

/*
 * Step 6 for a request. An import batch's rows are left to the import
 * handler, which checks each the same way (import.c): a bad row is then
 * that row's result, named by its row in the file, and the batch's other
 * rows go on (--skip-bad), instead of the batch refused as "rows[2]".
 */
static crm_status
validate(Crm__V1__Request *r, char *why, size_t whylen)
{
	Crm__V1__ImportRequest *q =
	    r->body_case == CRM__V1__REQUEST__BODY_IMPORT_BATCH
	        ? r->import_batch
	        : NULL;
	size_t rows = q != NULL ? q->n_rows : 0;
	if (q != NULL) {
		q->n_rows = 0;
	}
	crm_status rc = crm_validate_message(&r->base, why, whylen);
	if (q != NULL) {
		q->n_rows = rows;
	}
	return rc;
}

/* The row in the file of the import row a path names
 * ("import_batch.rows[2].customer.name"), or 0. */
static unsigned
file_row(const Crm__V1__Request *r, const char *path)
{
	static const char pre[] = "import_batch.rows[";
	if (r->body_case != CRM__V1__REQUEST__BODY_IMPORT_BATCH ||
	    strncmp(path, pre, sizeof(pre) - 1) != 0) {
		return 0;
	}
	size_t k = strtoul(path + sizeof(pre) - 1, NULL, 10);
	const Crm__V1__ImportRequest *q = r->import_batch;
	return k < q->n_rows && q->rows[k]->has_row ? q->rows[k]->row : 0;
}

crm_status
dispatch_check(struct req_ctx *ctx, const void *buf, size_t len,
    Crm__V1__Request **req, const struct dispatch_row **row)
{
	*req = NULL;
	*row = NULL;
	ctx->prep.t0_ns = latency_arm();
	/* Until the request decodes, its id is read leniently from the
	 * bytes, so even a refusal names the request it answers. */
	crm_wire_peek_request_id(buf, len, &ctx->request_id);
	if (len > CRM_MAX_REQUEST) {
		log_too_big(ctx, len);
		return dispatch_fail(ctx, CRM_TOO_BIG,
		    "request of %zu bytes exceeds the limit of %u", len,
		    CRM_MAX_REQUEST);
	}
	crm_status rc = crm_wire_unpack_request(ctx->arena, buf, len, req);
	if (rc == CRM_TOO_BIG) {
		return dispatch_fail(ctx, rc, "request too complex to decode");
	}
	if (rc != CRM_OK) {
		return dispatch_fail(ctx, rc,
		    "malformed request: not a "
		    "crm.v1.Request");
	}
	const Crm__V1__Request *r = *req;
	ctx->prep.body = (int)r->body_case;
	ctx->prep.slot = latency_slot(r);
	ctx->request_id = r->has_request_id ? r->request_id
	                                    : (ProtobufCBinaryData){ 0, NULL };
	if (r->has_protocol_version &&
	    (r->protocol_version < CRM_PROTOCOL_MIN ||
	        r->protocol_version > CRM_PROTOCOL_VERSION)) {
		return dispatch_fail_field(ctx, CRM_UNSUPPORTED,
		    "protocol_version",
		    "protocol version %u not supported: this server speaks "
		    "versions %u to %u",
		    r->protocol_version, CRM_PROTOCOL_MIN,
		    CRM_PROTOCOL_VERSION);
	}
	*row = dispatch_row(r->body_case);
	if (*row == NULL) {
		/* A body this server does not know is an unknown field to
		 * protobuf-c, body_case 0: name its number. */
		uint32_t field = (uint32_t)r->body_case;
		for (unsigned i = 0;
		     field == 0 && i < r->base.n_unknown_fields; i++) {
			field = r->base.unknown_fields[i].tag;
		}
		if (field == 0) {
			return dispatch_fail(ctx, CRM_UNSUPPORTED,
			    "a request with no body: set one of Request's "
			    "body fields (crm.proto)");
		}
		return dispatch_fail(ctx, CRM_UNSUPPORTED,
		    "unknown request (body field %" PRIu32
		    "); is the server older than the client?",
		    field);
	}
	ctx->action = (*row)->name;
	char why[256];
	if (crm_wire_nul_check(&crm__v1__request__descriptor, buf, len, why,
	        sizeof(why)) != CRM_OK) {
		/* protobuf-c would hand the field to C cut at the NUL, so
		 * this refuses the whole request (an import row's too: the
		 * cut is not seen after decoding); it names the file's row. */
		snprintf(ctx->field, sizeof(ctx->field), "%s", why);
		unsigned at = file_row(r, why);
		if (at != 0) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "row %u: %s contains a NUL byte, which no text "
			    "may hold",
			    at, why);
		}
		return dispatch_fail(ctx, CRM_EINVAL,
		    "%s contains a NUL byte, which no text may hold", why);
	}
	if (validate(*req, why, sizeof(why)) != CRM_OK) {
		/* why is "PATH: what": PATH is the bad field */
		const char *colon = strstr(why, ": ");
		snprintf(ctx->field, sizeof(ctx->field), "%.*s",
		    colon ? (int)(colon - why) : 0, why);
		return dispatch_fail(ctx, CRM_EINVAL, "%s", why);
	}
	if (r->has_request_id && r->request_id.len != CRM_REQUEST_ID_LEN) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "request_id",
		    "request_id must be %d bytes", CRM_REQUEST_ID_LEN);
	}
	if ((*row)->kind == REQ_WRITE && !r->has_request_id) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "request_id",
		    "%s changes data and needs a request_id", (*row)->name);
	}
	dispatch_made_at(ctx, r);
	if ((*row)->perm == PERM_NONE) {
		return CRM_OK;
	}
	rc = auth_session_check(
	    ctx, r->has_session_token ? &r->session_token : NULL);
	if (rc != CRM_OK) {
		return rc;
	}
	if (role_rank(ctx->who->role) < (int)(*row)->perm) {
		return dispatch_fail(ctx, CRM_EPERM, "%s needs the %s role",
		    (*row)->name,
		    (*row)->perm == PERM_ADMIN ? "admin" : "manager");
	}
	return CRM_OK;
}

crm_status
dispatch_pack(struct req_ctx *ctx, const Crm__V1__Request *req,
    Crm__V1__Response *resp, crm_status code, void **buf, size_t *len)
{
	Crm__V1__Status st;
	if (req != NULL && req->has_request_id) {
		resp->has_request_id = 1;
		resp->request_id = req->request_id;
	} else if (req == NULL && ctx->request_id.data != NULL) {
		/* read leniently from a request that did not decode */
		resp->has_request_id = 1;
		resp->request_id = ctx->request_id;
	}
	if (code != CRM_OK) {
		/* A failed request carries no partial body. */
		resp->body_case = CRM__V1__RESPONSE__BODY__NOT_SET;
	}
	crm_wire_set_status(resp, &st, code,
	    ctx->msg[0] != '\0' ? ctx->msg : crm_strerror(code));
	if (code == CRM_OK) {
		st.message = NULL; /* nothing to say: save the bytes */
	} else {
		if (ctx->retry_after_ms > 0) {
			st.has_retryable = st.retryable = 1;
			st.has_retry_after_ms = 1;
			st.retry_after_ms = ctx->retry_after_ms;
		}
		if (ctx->field[0] != '\0') {
			st.field = ctx->field;
		}
		if (ctx->existing_id != 0 && code == CRM_EXISTS) {
			st.has_existing_id = 1;
			st.existing_id = ctx->existing_id;
		}
	}
	latency_reply(latency_slot(req));
	crm_status rc = crm_wire_pack_nn(&resp->base, buf, len);
	resp->status = NULL; /* st dies here */
	return rc;
}

/* ---------------------------------------------------- running a request */

void
dispatch_ctx_init(struct req_ctx *ctx, store *st, const struct srv_config *cfg,
    crm_arena *arena, int64_t now)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->st = st;
	ctx->cfg = cfg;
	ctx->arena = arena;
	ctx->now = now;
	crm_arena_reset(arena);
}

void
dispatch_made_at(struct req_ctx *ctx, const Crm__V1__Request *req)
{
	ctx->made_at = req != NULL && req->has_made_at ? req->made_at : 0;
	/* Its age by the client's clock: that clock being off cancels out
	 * (a laptop 50 minutes fast dated an offline edit after a change
	 * made meanwhile, and undid it). At most ten years: a nonsense age
	 * is the client's word for "long ago" either way. */
	if (req != NULL && req->has_made_age_seconds &&
	    req->made_age_seconds > 0) {
		int64_t age = req->made_age_seconds < 10LL * 366 * 86400
		                  ? req->made_age_seconds
		                  : 10LL * 366 * 86400;
		/* Clocks that agree (within the seconds a send takes) keep
		 * the moment the client gave, to the second. */
		int64_t by_age = ctx->now - age;
		if (ctx->made_at <= 0 || ctx->made_at < by_age - 5 ||
		    ctx->made_at > by_age + 5) {
			ctx->made_at = by_age;
		}
	}
}

static int idem_stored(struct req_ctx *ctx, const struct auth_who *who,
    const Crm__V1__Request *req);

crm_status
dispatch_read(struct req_ctx *ctx, MDB_txn **rtxn, const void *buf, size_t len,
    Crm__V1__Request **req, const struct dispatch_row **row,
    Crm__V1__Response *resp)
{
	*req = NULL;
	*row = NULL;
	if (store_read_begin(ctx->st, rtxn) != CRM_OK) {
		return dispatch_fail(
		    ctx, CRM_UNAVAILABLE, "storage unavailable");
	}
	ctx->txn = *rtxn;
	crm_status rc = dispatch_check(ctx, buf, len, req, row);
	if (rc == CRM_OK && (*row)->kind == REQ_READ) {
		rc = (*row)->handler(ctx, *req, resp);
	} else if (rc == CRM_OK && (*row)->prepare != NULL) {
		/* A resend of a write applied already is answered with its
		 * stored reply by the writer: its prepare step, which checks
		 * the request against things as they are now (passwd's old
		 * password, changed by the write itself), is not run again;
		 * nor for a request id reused with another body, which the
		 * writer refuses as such (not as a wrong password). */
		if (!((*row)->flags & REQ_NO_IDEM) &&
		    idem_stored(ctx, ctx->who, *req)) {
			ctx->prep.replay = 1;
		} else {
			rc = (*row)->prepare(ctx, *req, resp);
		}
	}
	store_read_end(ctx->st, *rtxn);
	ctx->txn = NULL;
	return rc;
}

/*
 * The hash of req's body: its case and the packed oneof message alone,
 * so the same write resent with a newer session token (from the outbox,
 * days later) hashes the same. Errors: CRM_TOO_BIG (the arena).
 */
static crm_status
body_hash(crm_arena *a, const Crm__V1__Request *req, uint8_t *out)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(
	        &crm__v1__request__descriptor, (unsigned)req->body_case);
	const ProtobufCMessage *body = NULL;
	if (f != NULL) {
		body = *(const ProtobufCMessage *const *)((const char *)req +
		                                          f->offset);
	}
	size_t n = body != NULL ? protobuf_c_message_get_packed_size(body) : 0;
	uint8_t *buf = crm_arena_alloc(a, n ? n : 1);
	if (buf == NULL) {
		return CRM_TOO_BIG;
	}
	if (n > 0) {
		protobuf_c_message_pack(body, buf);
	}
	uint8_t bc[4] = { (uint8_t)(req->body_case >> 24),
		(uint8_t)(req->body_case >> 16),
		(uint8_t)(req->body_case >> 8), (uint8_t)req->body_case };
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, BODY_HASH_LEN);
	crypto_generichash_update(&st, bc, sizeof(bc));
	crypto_generichash_update(&st, buf, n);
	crypto_generichash_final(&st, out, BODY_HASH_LEN);
	return CRM_OK;
}

/*
 * The key of a stored reply: IDEM_KEY_V2, the request id, then the
 * caller's user id (0: none). crm's own clients start each request id
 * with the time (crm_wire_request_id), so the stored replies of a batch
 * sit side by side at the end of the range: one page for all of them,
 * not one page each. Before, the key was user id || request id (the
 * first byte 0): such replies are still looked up until pruning has
 * removed the last of them (idem_old_gone).
 */
#define IDEM_KEY_V2 0x02

/* The key of k (an IDEM_KEY_V2 key) as stored before it. */
static void
idem_key_old(store_key *old, const store_key *k)
{
	size_t id_len = k->len - 9;
	memcpy(old->b, k->b + 1 + id_len, 8);
	memcpy(old->b + 8, k->b + 1, id_len);
	old->len = 8 + id_len;
}

static void
idem_key(
    store_key *k, const struct auth_who *who, const ProtobufCBinaryData *id)
{
	store_key u;
	store_key_id(&u, who != NULL ? who->user_id : 0);
	k->b[0] = IDEM_KEY_V2;
	memcpy(k->b + 1, id->data, id->len);
	memcpy(k->b + 1 + id->len, u.b, 8);
	k->len = 1 + id->len + 8;
#ifdef CRM_TEST_HOOKS
	if (getenv("CRM_TEST_IDEM_OLD_KEYS") != NULL) {
		/* Store and look up as before IDEM_KEY_V2. */
		store_key old;
		idem_key_old(&old, k);
		*k = old;
	}
#endif
}

/* Set once no stored reply has an old key (they sort before
 * IDEM_KEY_V2, and none is written any more): the lookups of old keys
 * stop. */
static _Atomic int idem_old_gone;

static int
idem_old_left(struct req_ctx *ctx)
{
	if (atomic_load_explicit(&idem_old_gone, memory_order_relaxed)) {
		return 0;
	}
	store_cursor *cur;
	store_val first;
	int left = 0;
	if (store_cursor_open(ctx->st, ctx->txn, DB_IDEM, &cur) != CRM_OK) {
		return 1; /* look, to be safe */
	}
	crm_status rc = store_cursor_get(cur, STORE_FIRST, &first, NULL);
	left = rc == CRM_OK && first.len > 0 &&
	       ((const uint8_t *)first.data)[0] != IDEM_KEY_V2;
	store_cursor_close(cur);
	if (rc == CRM_NOT_FOUND || (rc == CRM_OK && !left)) {
		atomic_store_explicit(&idem_old_gone, 1, memory_order_relaxed);
	}
	return left;
}

/* The stored reply of an applied request (an NN_MSG buffer: caller sends
 * or frees it), or CRM_NOT_FOUND; CRM_EPRECOND when it was stored for
 * another body (a record from before body hashes has none and matches). */
static crm_status
idem_lookup(struct req_ctx *ctx, const store_key *k, const uint8_t *hash,
    void **reply /* OUT */, size_t *reply_len /* OUT */)
{
	Crm__Store__IdemRecord *rec;
	crm_status rc = store_get_msg(ctx->st, ctx->txn, DB_IDEM, k,
	    &crm__store__idem_record__descriptor, &ctx->arena->allocator,
	    (ProtobufCMessage **)&rec);
	if (rc == CRM_NOT_FOUND && k->b[0] == IDEM_KEY_V2 &&
	    idem_old_left(ctx)) {
		store_key old;
		idem_key_old(&old, k);
		rc = store_get_msg(ctx->st, ctx->txn, DB_IDEM, &old,
		    &crm__store__idem_record__descriptor,
		    &ctx->arena->allocator, (ProtobufCMessage **)&rec);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (rec->has_body_hash &&
	    (rec->body_hash.len != BODY_HASH_LEN ||
	        memcmp(rec->body_hash.data, hash, BODY_HASH_LEN) != 0)) {
		return CRM_EPRECOND;
	}
	void *buf = nn_allocmsg(rec->reply.len ? rec->reply.len : 1, 0);
	if (buf == NULL) {
		return CRM_INTERNAL;
	}
	memcpy(buf, rec->reply.data, rec->reply.len);
	*reply = buf;
	*reply_len = rec->reply.len;
	return CRM_OK;
}

/* Whether req (a write by who) has a stored reply under its request id:
 * for the same body (a resend), or for another (refused as reused). */
static int
idem_stored(struct req_ctx *ctx, const struct auth_who *who,
    const Crm__V1__Request *req)
{
	store_key k;
	uint8_t hash[BODY_HASH_LEN];
	void *reply = NULL;
	size_t n = 0;
	size_t mark = crm_arena_mark(ctx->arena);
	idem_key(&k, who, &req->request_id);
	crm_status rc = body_hash(ctx->arena, req, hash);
	if (rc == CRM_OK) {
		_Static_assert(sizeof(ctx->prep.body_hash) == BODY_HASH_LEN,
		    "dispatch_prep's body hash");
		memcpy(ctx->prep.body_hash, hash, BODY_HASH_LEN);
		ctx->prep.has_body_hash = 1;
		rc = idem_lookup(ctx, &k, hash, &reply, &n);
	}
	int found = rc == CRM_OK || rc == CRM_EPRECOND;
	if (reply != NULL) {
		nn_freemsg(reply);
	}
	crm_arena_release(ctx->arena, mark);
	return found;
}

enum dispatch_applied
dispatch_apply(struct req_ctx *ctx, MDB_txn *parent, const void *buf,
    size_t len, const struct auth_who *who, const struct dispatch_prep *prep,
    void **reply, size_t *reply_len)
{
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	Crm__V1__Request *req = NULL;
	const struct dispatch_row *row = NULL;
	enum dispatch_applied how = DISPATCH_FAILED;
	store_key k;
	MDB_txn *child = NULL;
	void *out = NULL;
	size_t n = 0;

	*reply = NULL;
	*reply_len = 0;
	ctx->prep = *prep;
	if (who != NULL) {
		ctx->who_buf = *who;
		ctx->who = &ctx->who_buf;
	}
	/* Checked by dispatch_read already; decoding again is cheaper than
	 * carrying the worker's arena across threads. */
	crm_status rc = crm_wire_unpack_request(ctx->arena, buf, len, &req);
	if (rc == CRM_OK) {
		row = dispatch_row(req->body_case);
		rc = row != NULL ? CRM_OK : CRM_INTERNAL;
	}
	if (rc != CRM_OK) {
		goto reply;
	}
	ctx->action = row->name;
	ctx->request_id = req->request_id;
	dispatch_made_at(ctx, req);
	int idem = !(row->flags & REQ_NO_IDEM);
	uint8_t hash[BODY_HASH_LEN];
	if (idem) {
		idem_key(&k, who, &req->request_id);
		ctx->txn = parent;
		if (prep->has_body_hash) {
			memcpy(hash, prep->body_hash, BODY_HASH_LEN);
		} else {
			rc = body_hash(ctx->arena, req, hash);
		}
		if (rc == CRM_OK) {
			rc = idem_lookup(ctx, &k, hash, reply, reply_len);
		}
		if (rc == CRM_OK) {
			ctx->txn = NULL;
			return DISPATCH_REPLAYED; /* the same reply again */
		}
		if (rc == CRM_EPRECOND) {
			how = DISPATCH_REUSED;
			dispatch_fail(ctx, rc,
			    "request id reused for a different request");
		}
		if (rc != CRM_NOT_FOUND) {
			goto reply;
		}
	}
	if (prep->replay) {
		/* Its stored reply was there when the worker looked, and its
		 * prepare step was not run: gone since (pruned), the write
		 * cannot run unprepared. The client sends it again. */
		ctx->retry_after_ms = 1000;
		rc = dispatch_fail(ctx, CRM_UNAVAILABLE,
		    "the stored reply of this request expired while it "
		    "waited; send it again");
		goto reply;
	}
	/* A nested transaction costs LMDB two large allocations and a copy
	 * of every page the handler touches that parent had dirtied; the
	 * writer saves them (ctx->direct) and runs the batch again with
	 * them when a handler fails. */
	if (ctx->direct) {
		child = parent;
	} else if ((rc = store_nested_begin(ctx->st, parent, &child)) !=
	           CRM_OK) {
		goto reply;
	}
	ctx->txn = child;
	rc = row->handler(ctx, req, &resp);
	if (rc != CRM_OK) {
		if (ctx->direct) {
			how = DISPATCH_TAINTED;
		} else {
			store_nested_abort(child);
		}
		goto reply;
	}
	rc = dispatch_pack(ctx, req, &resp, CRM_OK, &out, &n);
	if (rc == CRM_OK && idem) {
		Crm__Store__IdemRecord rec = CRM__STORE__IDEM_RECORD__INIT;
		rec.has_at = rec.has_reply = rec.has_body_hash = 1;
		rec.at = ctx->now;
		rec.reply.data = out;
		rec.reply.len = n;
		rec.body_hash.data = hash;
		rec.body_hash.len = BODY_HASH_LEN;
		rc = store_put_msg(ctx->st, child, DB_IDEM, &k, &rec.base);
	}
	if (rc != CRM_OK) {
		if (ctx->direct) {
			how = DISPATCH_TAINTED;
		} else {
			store_nested_abort(child);
		}
		if (out != NULL) {
			nn_freemsg(out);
		}
		ctx->msg[0] = '\0';
		goto reply;
	}
	rc = ctx->direct ? CRM_OK : store_nested_commit(child);
	if (rc != CRM_OK) {
		nn_freemsg(out);
		goto reply;
	}
	ctx->txn = NULL;
	*reply = out;
	*reply_len = n;
	return DISPATCH_APPLIED;
reply:
	ctx->txn = NULL;
	ctx->changed = 0; /* nothing of it stands */
	resp.body_case = CRM__V1__RESPONSE__BODY__NOT_SET;
	if (dispatch_pack(ctx, req, &resp, rc, &out, &n) == CRM_OK) {
		*reply = out;
		*reply_len = n;
	}
	return how;
}
