/* SPDX-License-Identifier: MIT */
/*
 * dispatch.h: the request table and the per-request context. Every request
 * passes the same checks in the same order before its handler runs:
 *   1. size                                 (RESOURCE_EXHAUSTED)
 *   2. unpack into the bounded arena        (INVALID_ARGUMENT, too big)
 *   3. protocol version                     (UNIMPLEMENTED)
 *   4. a known body (the dispatch row)      (UNIMPLEMENTED)
 *   5. no NUL byte inside a string          (INVALID_ARGUMENT)
 *   6. field validation (UTF-8, enums, lengths, time ranges)
 *                                           (INVALID_ARGUMENT)
 *      An import batch's rows are checked the same way one by one by
 *      the import handler before it reads them: a bad row is that row's
 *      result (named by its row in the file), not the batch's refusal.
 *   7. the request id: 16 bytes, required by a write  (INVALID_ARGUMENT)
 *   8. session                              (UNAUTHENTICATED)
 *   9. role                                 (PERMISSION_DENIED)
 *  10. reads run in the worker; a write's optional prepare step (password
 *      hashing, a log's read-ahead) runs in the worker, then the write
 *      goes to the writer,
 *      which looks up the request id (idempotency) and runs the handler
 *      in the batch's transaction (ctx->direct: its writes are undone
 *      by running the batch again without it if it fails; writer.c).
 * Handlers hold domain logic only. Two calls run a request, and every
 * caller (the workers, the writer, the fuzzer) uses them: dispatch_read
 * (steps 1-9, then a read's handler or a write's prepare step) and
 * dispatch_apply (step 10's writer half).
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdint.h>

#include "crm.h"
#include "store.h"

struct srv_config;
struct store_cursor;

/* The caller, decided from the session (never from the request). */
struct auth_who {
	uint64_t user_id;
	int role; /* Crm__V1__Role */
	uint64_t team_id;
	char login[64];
};

/* What a write's prepare step computed outside the write transaction. */
struct dispatch_prep {
	char pwhash[128]; /* crypto_pwhash_STRBYTES */
	uint64_t user_id; /* login: the user whose password matched */
	uint64_t t0_ns;   /* latency.h: when it came, its body case, and */
	int body;         /* its histogram (latency_slot: a report's, an */
	int slot;         /* export's or an import's kind's own) */
	/* The worker found the write's stored reply and skipped its
	 * prepare step (a resend: the writer replays the reply). */
	int replay;
	/* The request body's hash (dispatch.c's body_hash), when the
	 * worker computed it: the writer does not hash it again. */
	int has_body_hash;
	uint8_t body_hash[16];
};

struct req_ctx {
	store *st;
	const struct srv_config *cfg;
	MDB_txn *txn;     /* read txn in a worker, the batch's write txn in the
	                   * writer */
	crm_arena *arena; /* reply and record memory; reset per request */
	const struct auth_who *who; /* NULL before the session check */
	struct auth_who who_buf;
	struct dispatch_prep prep;
	const char *action; /* row name, e.g. "customer.add" */
	ProtobufCBinaryData request_id;
	int64_t now;
	/* Request.made_at of the request being run (a write kept offline
	 * and sent later), 0 when none: read it as dispatch_at(ctx). */
	int64_t made_at;
	/* The connection the request came on, for logs: nanomsg's pipe key
	 * (0 when unknown). nanomsg 1.1.5 tells no peer address. */
	uint32_t peer;
	int changed;      /* a write changed something: poke subscribers */
	int bulk;         /* an offline bulk load (crm-gen): no audit records,
	                   * no similar-name warnings */
	int importing;    /* rows of an import batch: no similar-name warnings
	                   * (the import reply has no place for them, and the
	                   * walk reads every name: a 3,000-row file read 4.5
	                   * million) */
	int direct;       /* dispatch_apply runs the handler in the caller's
	                   * transaction, not a nested one (DISPATCH_TAINTED) */
	int fact_journal; /* new follow-up and task facts go to the fact
	                   * journal (stats.h): a request in crmd's
	                   * writer, not a sweep, rebuild or bulk load */
	char msg[512];    /* the status message of a failure */
	/* Structured details of a failure (Status fields 4-6): set with
	 * dispatch_fail_field, or directly (existing_id, retry_after_ms). */
	uint32_t retry_after_ms; /* nonzero: retryable after this wait */
	char field[256];         /* INVALID_ARGUMENT: path of the bad field */
	uint64_t existing_id;    /* ALREADY_EXISTS: a holder the caller sees */
};

typedef crm_status (*dispatch_handler)(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp);

enum dispatch_perm {
	PERM_NONE = 0,    /* no session needed */
	PERM_REP = 1,     /* any logged-in user */
	PERM_MANAGER = 2, /* managers and admins */
	PERM_ADMIN = 3,   /* admins only */
};

enum dispatch_kind { REQ_READ, REQ_WRITE };

#define REQ_NO_IDEM 1u /* do not store the reply (it holds a secret) */

struct dispatch_row {
	const char *name;
	dispatch_handler handler;
	dispatch_handler prepare; /* writes: runs in the worker first */
	enum dispatch_perm perm;
	enum dispatch_kind kind;
	unsigned flags;
};

/* dispatch_row: the row of body case c, or NULL (unset or unknown). */
const struct dispatch_row *dispatch_row(Crm__V1__Request__BodyCase c);

/* dispatch_table_size: number of slots in the table (for tests). */
unsigned dispatch_table_size(void);

/*
 * dispatch_fail: write a message into ctx->msg and return code, so
 * handlers end with `return dispatch_fail(ctx, CRM_NOT_FOUND, "...")`.
 */
crm_status dispatch_fail(struct req_ctx *ctx, crm_status code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/*
 * dispatch_fail_field: dispatch_fail that also names the bad field's path
 * in Status.field ("customer.name"; see crm.proto).
 */
crm_status dispatch_fail_field(struct req_ctx *ctx, crm_status code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* dispatch_field_prefix: put prefix ("customer_add.customer.") before a
 * relative ctx->field that is set (a check shared by several requests). */
void dispatch_field_prefix(struct req_ctx *ctx, const char *prefix);

/*
 * dispatch_fail_no_id: the refusal of id 0 (unset) where the request being
 * run must name a `what` ("customer", "grade proposal"): CRM_EINVAL "give
 * the WHAT's id", Status.field its body's field "WHAT_id", else "id"
 * ("stage_set.customer_id", "task_done.id"). The loaders of records call
 * it, so every request that names one answers alike. Without such a
 * field (a sweep, an import row): CRM_NOT_FOUND "no WHAT 0", as a
 * record that does not exist.
 */
crm_status dispatch_fail_no_id(struct req_ctx *ctx, const char *what);

/*
 * dispatch_record: the record id of db, unpacked as d into ctx->arena in
 * ctx->txn (borrowed; valid until the arena is reset).
 * Errors: CRM_NOT_FOUND, CRM_INTERNAL (a record that does not decode).
 */
crm_status dispatch_record(struct req_ctx *ctx, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d, ProtobufCMessage **out /* OUT */);

/*
 * dispatch_list_record: dispatch_record for a walk over many records (a
 * listing, a page, a scan): any failure but a full arena also names the
 * record in ctx->msg ("customers 12 does not decode; crm-check reports
 * it"), so a walk fails instead of skipping it. CRM_TOO_BIG (the arena is
 * full) leaves ctx->msg alone: the caller ends its page before the record
 * (or, when the page is empty, fails). Release what a walk loads and
 * does not keep with crm_arena_mark / crm_arena_release.
 * Errors: CRM_TOO_BIG, CRM_INTERNAL (missing or not decoding).
 */
crm_status dispatch_list_record(struct req_ctx *ctx, enum store_db db,
    uint64_t id, const ProtobufCMessageDescriptor *d,
    ProtobufCMessage **out /* OUT */);
/* dispatch_list_record_at: the same through cursor c, opened on db (an
 * export's walk: the next record on the same leaf needs no descent). */
crm_status dispatch_list_record_at(struct req_ctx *ctx, struct store_cursor *c,
    enum store_db db, uint64_t id, const ProtobufCMessageDescriptor *d,
    ProtobufCMessage **out /* OUT */);

/*
 * dispatch_each_record: fn(ctx, m, arg) for every record of db (a RECORD
 * database; merged customers too), in id order, each unpacked as d into
 * ctx->arena, which is reset before each and after the last: a rebuild's
 * or an upgrade's walk in ctx->txn. Stops at fn's first error and
 * returns it.
 */
crm_status dispatch_each_record(struct req_ctx *ctx, enum store_db db,
    const ProtobufCMessageDescriptor *d,
    crm_status (*fn)(
        struct req_ctx *ctx, const ProtobufCMessage *m, void *arg),
    void *arg);

/*
 * dispatch_check: steps 1-7 for buf, then 8-9 in ctx->txn (a read txn).
 * On CRM_OK, *req (in ctx->arena) and *row are set; on failure
 * ctx->msg says why and *req may still be set (for its request id).
 */
crm_status dispatch_check(struct req_ctx *ctx, const void *buf, size_t len,
    Crm__V1__Request **req /* OUT */,
    const struct dispatch_row **row /* OUT */);

/*
 * dispatch_pack: finish resp (request id from req when set, status code
 * and ctx->msg) and pack it into a nanomsg buffer (caller owns it).
 * Errors: CRM_INTERNAL when no buffer could be allocated.
 */
crm_status dispatch_pack(struct req_ctx *ctx, const Crm__V1__Request *req,
    Crm__V1__Response *resp, crm_status code, void **buf /* OUT */,
    size_t *len /* OUT */);

/* ---------------------------------------------------- running a request */

/*
 * dispatch_made_at: ctx->made_at from req (0 when it has none).
 * dispatch_read and dispatch_apply call it for every request.
 */
void dispatch_made_at(struct req_ctx *ctx, const Crm__V1__Request *req);

/*
 * dispatch_at: when the caller made the request being run: its made_at
 * when that is before ctx->now (a write kept offline and sent later),
 * else ctx->now (no made_at, or one ahead of the server's clock, which
 * clocks that differ give; a sweep's or a tool's context has none). The
 * time of what a write records of the act itself (a purchase's date, a
 * stage change, a task done, a clock started, what it creates); ctx->now
 * stays the time of storing (updated_at, the audit trail, stored
 * replies) and of the rules about the present.
 */
static inline int64_t
dispatch_at(const struct req_ctx *ctx)
{
	return ctx->made_at > 0 && ctx->made_at < ctx->now ? ctx->made_at
	                                                   : ctx->now;
}

/*
 * dispatch_ctx_init: a fresh context for one request at now: the store,
 * the configuration (may be NULL), and arena, which is reset here (what
 * the request allocates is borrowed until the next reset). No caller, no
 * transaction yet.
 */
void dispatch_ctx_init(struct req_ctx *ctx, store *st,
    const struct srv_config *cfg, crm_arena *arena, int64_t now);

/*
 * dispatch_read: the first half of the request in buf, in a read
 * transaction: *rtxn is begun (renewed when the caller kept it from an
 * earlier request; IN/OUT, caller frees with store_read_free) and ended
 * before the return. Runs dispatch_check, then a read's handler into
 * resp, or a write's prepare step (into ctx->prep).
 * Returns CRM_OK with (*row)->kind == REQ_WRITE when the request is a
 * write to pass to dispatch_apply (buf with ctx->who and ctx->prep);
 * otherwise the request's outcome: pack it with dispatch_pack(ctx, *req,
 * resp, rc). *req is NULL when the request did not decode.
 * Errors: what the checks or the handler answer (ctx->msg says why);
 * CRM_UNAVAILABLE when no read transaction could begin.
 */
crm_status dispatch_read(struct req_ctx *ctx, MDB_txn **rtxn /* IN/OUT */,
    const void *buf, size_t len, Crm__V1__Request **req /* OUT */,
    const struct dispatch_row **row /* OUT */,
    Crm__V1__Response *resp /* OUT */);

/* What dispatch_apply did with a write (the writer counts them). */
enum dispatch_applied {
	DISPATCH_FAILED = 0, /* refused or failed: nothing of it was written */
	DISPATCH_APPLIED,    /* the handler's changes and the stored reply */
	DISPATCH_REPLAYED,   /* applied before: the stored reply again */
	DISPATCH_REUSED,     /* the request id was stored for another body */
	/* ctx->direct only: the handler failed after it may have written
	 * to parent. The reply is the failure; the caller must abort parent
	 * and run the batch's other writes again without this one. */
	DISPATCH_TAINTED,
};

/*
 * dispatch_apply: the second half of a write that passed dispatch_read,
 * as the writer runs it in parent (a write transaction the caller began
 * with store_write_begin, and commits or aborts; a batch may hold many
 * writes): decodes buf again, looks up its request id for the caller who
 * (NULL: none) in parent (idempotency: a stored reply is sent again; the
 * same id with another body is refused), runs the handler in a nested
 * transaction with the prepare step's result prep (in parent itself
 * with ctx->direct), and stores the reply under the request id in the
 * same transaction. ctx comes from
 * dispatch_ctx_init; ctx->changed tells afterwards whether subscribers
 * should be poked. *reply is the packed response, an NN_MSG buffer: the
 * caller sends it or frees it with nn_freemsg; NULL when none could be
 * packed. Returns what became of the write: its failures are in the
 * reply, and a full map (store_map_full) is the caller's to retry.
 */
enum dispatch_applied dispatch_apply(struct req_ctx *ctx, MDB_txn *parent,
    const void *buf, size_t len, const struct auth_who *who,
    const struct dispatch_prep *prep, void **reply /* OUT */,
    size_t *reply_len /* OUT */);

#endif
