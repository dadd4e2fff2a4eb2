/* SPDX-License-Identifier: MIT */
/*
 * import_dry.c: a dry run of an import file sent in several batches
 * (crm.proto's ImportRequest tells the three requests). crmd keeps the
 * parts in memory as they come, then runs them all, in order, in one
 * transaction nested in the writer's batch and rolls it back: each row
 * sees what the rows before it did, in any batch, as in the import
 * itself. (A dry run of each batch alone sees nothing of the batches
 * before it: a follow-up older than an earlier batch's row of its
 * customer was not counted as history only.)
 *
 * Why keep the parts and run them once, at the end: LMDB has one write
 * transaction at a time and it belongs to the writer thread, so one kept
 * open across the client's batches would stop every other write for as
 * long as the client takes (a slow or lost client: until a timeout).
 * The run stops other writes for the rows' own time only, once: the
 * time the writer spends on the same rows in the import's batches, but in
 * one piece (10,000 rows, CRM_IMPORT_DRY_RUN_ROWS: about 0.6 s in a
 * release build, docs/design.md has the numbers; a larger file is dry-run
 * in parts of that many, and crm says which rows are estimates). Running
 * the earlier parts again before each new one would cost n^2/2 rows.
 *
 * Not durable: a restart forgets every dry run (FAILED_PRECONDITION;
 * crm then runs it again). Only the writer thread calls this (an import
 * is a write); the lock is for the fuzzer and tests all the same.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "import.h"

#define DRY_MAX    8   /* dry runs held at once (one a user) */
#define DRY_IDLE_S 600 /* forgotten this long after its last request */
#define ID_LEN     16  /* ImportRequest.dry_run_id */

/* One batch of a dry run. */
struct part {
	uint8_t *req; /* kind, rows, skip_bad: packed ImportRequest */
	size_t req_len;
	uint8_t *reply; /* its reply once run: packed ImportReply */
	size_t reply_len;
	uint32_t rows;
	int fetched;
};

struct dry {
	int used; /* the slot holds a dry run */
	uint64_t user;
	uint8_t id[ID_LEN];
	int64_t last; /* CLOCK_MONOTONIC seconds of its last request */
	struct part *parts;
	uint32_t n, cap, rows;
	int ran;
};

static struct dry dries[DRY_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t
mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void
drop(struct dry *d)
{
	for (uint32_t j = 0; j < d->n; j++) {
		free(d->parts[j].req);
		free(d->parts[j].reply);
	}
	free(d->parts);
	memset(d, 0, sizeof(*d));
}

/* Every part run and fetched: the first to make room for another. */
static int
done(const struct dry *d)
{
	for (uint32_t j = 0; d->ran && j < d->n; j++) {
		if (!d->parts[j].fetched) {
			return 0;
		}
	}
	return d->ran;
}

/* The dry run id of user, forgetting the idle ones first; NULL if none. */
static struct dry *
find(uint64_t user, const uint8_t *id)
{
	int64_t now = mono_s();
	struct dry *hit = NULL;
	for (size_t i = 0; i < DRY_MAX; i++) {
		struct dry *d = &dries[i];
		if (d->used && now - d->last > DRY_IDLE_S) {
			drop(d);
		}
		if (d->used && d->user == user &&
		    memcmp(d->id, id, ID_LEN) == 0) {
			hit = d;
		}
	}
	if (hit != NULL) {
		hit->last = now;
	}
	return hit;
}

/* A slot for a new dry run of user, who holds one at most: theirs, a
 * free one, or the one finished longest ago; NULL when all are busy. */
static struct dry *
slot_for(uint64_t user)
{
	struct dry *free_one = NULL, *oldest = NULL;
	for (size_t i = 0; i < DRY_MAX; i++) {
		struct dry *d = &dries[i];
		if (d->used && d->user == user) {
			drop(d);
		}
		if (!d->used && free_one == NULL) {
			free_one = d;
		}
		if (d->used && done(d) &&
		    (oldest == NULL || d->last < oldest->last)) {
			oldest = d;
		}
	}
	if (free_one == NULL && oldest != NULL) {
		drop(oldest);
		free_one = oldest;
	}
	return free_one;
}

static crm_status
gone(struct req_ctx *ctx)
{
	return dispatch_fail_field(ctx, CRM_EPRECOND,
	    "import_batch.dry_run_id",
	    "crmd does not hold this dry run (it restarted, the dry run "
	    "waited over %d minutes, or another dry run of yours took its "
	    "place): run it again from its first part",
	    DRY_IDLE_S / 60);
}

/* Request 1: keep part q->part of the dry run. */
static crm_status
keep_part(struct req_ctx *ctx, const Crm__V1__ImportRequest *q,
    Crm__V1__ImportReply *out)
{
	uint64_t user = ctx->who->user_id;
	if (!q->has_kind || q->kind == 0 || !q->has_part || q->n_rows == 0 ||
	    q->n_rows > CRM_IMPORT_BATCH_ROWS) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "import_batch",
		    "a dry run's part has a kind, its part number and 1 to "
		    "%d rows",
		    CRM_IMPORT_BATCH_ROWS);
	}
	struct dry *d = find(user, q->dry_run_id.data);
	if (d == NULL && q->part != 0) {
		return gone(ctx);
	}
	if (d == NULL) {
		d = slot_for(user);
		if (d == NULL) {
			ctx->retry_after_ms = 5000;
			return dispatch_fail(ctx, CRM_UNAVAILABLE,
			    "crmd holds %d dry runs of other users; retry in "
			    "a moment",
			    DRY_MAX);
		}
		d->used = 1;
		d->user = user;
		memcpy(d->id, q->dry_run_id.data, ID_LEN);
		d->last = mono_s();
	}
	if (d->ran) {
		return dispatch_fail_field(ctx, CRM_EPRECOND,
		    "import_batch.part",
		    "this dry run has run: a new dry_run_id starts another");
	}
	if (q->part > d->n) {
		return dispatch_fail_field(ctx, CRM_EPRECOND,
		    "import_batch.part",
		    "part %u of this dry run came before part %u", q->part,
		    d->n);
	}
	/* A part again (the writer ran its batch again): it replaces. */
	uint32_t before = q->part < d->n ? d->parts[q->part].rows : 0;
	if (d->rows - before + q->n_rows > crm_import_dry_run_rows()) {
		return dispatch_fail_field(ctx, CRM_TOO_BIG,
		    "import_batch.rows",
		    "a dry run holds at most %u rows; a new dry_run_id starts "
		    "another for the rows after",
		    crm_import_dry_run_rows());
	}
	Crm__V1__ImportRequest b = CRM__V1__IMPORT_REQUEST__INIT;
	b.has_kind = b.has_dry_run = b.dry_run = 1;
	b.kind = q->kind;
	b.n_rows = q->n_rows;
	b.rows = q->rows;
	b.has_skip_bad = q->has_skip_bad;
	b.skip_bad = q->skip_bad;
	if (q->part == d->n) {
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 16;
			d->parts =
			    crm_xrealloc(d->parts, d->cap * sizeof(*d->parts));
		}
		memset(&d->parts[d->n++], 0, sizeof(*d->parts));
	}
	struct part *p = &d->parts[q->part];
	free(p->req);
	p->req = crm_wire_pack_alloc(&b.base, &p->req_len);
	p->rows = (uint32_t)q->n_rows;
	d->rows = d->rows - before + p->rows;
	out->has_kept = out->kept = 1;
	return CRM_OK;
}

/* Request 2: run every part in order in one transaction, rolled back;
 * each part's reply kept, their counts added up in out. */
static crm_status
run_all(struct req_ctx *ctx, const Crm__V1__ImportRequest *q,
    Crm__V1__ImportReply *out)
{
	struct dry *d = find(ctx->who->user_id, q->dry_run_id.data);
	if (q->n_rows != 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.rows",
		    "the request that runs a dry run (parts) has no rows");
	}
	if (d == NULL) {
		return gone(ctx);
	}
	if (q->parts != d->n) {
		return dispatch_fail_field(ctx, CRM_EPRECOND,
		    "import_batch.parts",
		    "crmd holds %u parts of this dry run, not %u: run it "
		    "again",
		    d->n, q->parts);
	}
	MDB_txn *outer = ctx->txn, *chain = NULL;
	int changed = ctx->changed;
	crm_status rc = store_nested_begin(ctx->st, outer, &chain);
	for (uint32_t j = 0; j < d->n && rc == CRM_OK; j++) {
		struct part *p = &d->parts[j];
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__ImportRequest *b =
		    (Crm__V1__ImportRequest *)protobuf_c_message_unpack(
		        &crm__v1__import_request__descriptor,
		        &ctx->arena->allocator, p->req_len, p->req);
		Crm__V1__ImportReply *r = NULL;
		if (b == NULL) {
			rc = dispatch_fail(ctx, CRM_TOO_BIG,
			    "part %u of the dry run does not fit in memory",
			    j);
		} else {
			ctx->txn = chain;
			rc = import_batch_run(ctx, b, IMPORT_KEEP_ADDED, &r);
			ctx->txn = outer;
		}
		if (rc == CRM_OK) {
			free(p->reply);
			p->reply =
			    crm_wire_pack_alloc(&r->base, &p->reply_len);
			p->fetched = 0;
			out->added += r->added;
			out->existing += r->existing;
			out->bad += r->bad;
		}
		crm_arena_release(ctx->arena, mark);
	}
	if (chain != NULL) {
		store_nested_abort(chain);
	}
	ctx->txn = outer;
	ctx->changed = changed; /* nothing of it stands */
	d->ran = rc == CRM_OK;
	return rc;
}

/* Request 3: the reply part q->part had in the run. */
static crm_status
fetch(struct req_ctx *ctx, const Crm__V1__ImportRequest *q,
    Crm__V1__ImportReply **out)
{
	struct dry *d = find(ctx->who->user_id, q->dry_run_id.data);
	if (d == NULL) {
		return gone(ctx);
	}
	if (!d->ran) {
		return dispatch_fail_field(ctx, CRM_EPRECOND,
		    "import_batch.fetch",
		    "this dry run has not run: send the number of its parts "
		    "(parts) first");
	}
	if (!q->has_part || q->part >= d->n) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.part", "this dry run has parts 0 to %u",
		    d->n - 1);
	}
	struct part *p = &d->parts[q->part];
	*out = (Crm__V1__ImportReply *)protobuf_c_message_unpack(
	    &crm__v1__import_reply__descriptor, &ctx->arena->allocator,
	    p->reply_len, p->reply);
	if (*out == NULL) {
		return CRM_TOO_BIG;
	}
	/* Kept all the same: the writer may run this request again. */
	p->fetched = 1;
	return CRM_OK;
}

crm_status
import_dry_handle(struct req_ctx *ctx, const Crm__V1__ImportRequest *q,
    Crm__V1__Response *resp)
{
	if (!q->dry_run || q->dry_run_id.len != ID_LEN) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.dry_run_id",
		    "a dry run across batches names itself with %d bytes, "
		    "and dry_run is set",
		    ID_LEN);
	}
	Crm__V1__ImportReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__import_reply__init(out);
	crm_status rc;
	pthread_mutex_lock(&lock);
	if (q->fetch) {
		rc = fetch(ctx, q, &out);
	} else if (q->has_parts) {
		rc = run_all(ctx, q, out);
	} else {
		rc = keep_part(ctx, q, out);
	}
	pthread_mutex_unlock(&lock);
	if (rc != CRM_OK) {
		return rc;
	}
	out->has_added = out->has_existing = out->has_bad = 1;
	out->has_written = 1;
	out->written = 0;
	resp->body_case = CRM__V1__RESPONSE__BODY_IMPORT_REPLY;
	resp->import_reply = out;
	return CRM_OK;
}
