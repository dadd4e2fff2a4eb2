/* SPDX-License-Identifier: MIT */
/*
 * import.c: import batches. Each row runs the same handler as the one
 * request it stands for (customer add, contact add, follow-up log,
 * purchase add), so it
 * passes the same checks and permissions, in its own nested transaction
 * under the batch's: a bad row is undone alone, and the batch as a whole
 * is kept only when no row was bad (or bad rows are to be skipped) and it
 * is not a dry run. Rows that exist already are found first and reported,
 * not written, which makes importing a file twice harmless.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "contact.h"
#include "crm.h"
#include "customer.h"
#include "followup.h"
#include "handlers.h"
#include "purchase.h"

#define MAX_ROWS CRM_IMPORT_BATCH_ROWS
#define MSG_MAX  512 /* sizeof(ctx->msg) */

typedef Crm__V1__ImportResult__Outcome outcome;
#define ADDED  CRM__V1__IMPORT_RESULT__OUTCOME__ADDED
#define EXISTS CRM__V1__IMPORT_RESULT__OUTCOME__EXISTS
#define BAD    CRM__V1__IMPORT_RESULT__OUTCOME__BAD

/* The outcome of one row: column and message go to the result. */
struct row_out {
	outcome out;
	const char *column;
	uint64_t id;
	const char *note; /* said of a row added (a grade proposed) */
};

static crm_status
bad(struct req_ctx *ctx, struct row_out *o, const char *column,
    crm_status code, const char *msg)
{
	o->out = BAD;
	o->column = column;
	if (msg != NULL) {
		dispatch_fail(ctx, code, "%s", msg);
	}
	return CRM_OK;
}

/* The customer a contact or follow-up row names, if the caller may see
 * it; kinds tried: company, then person. */
static crm_status
row_customer(struct req_ctx *ctx, const Crm__V1__ImportRow *row,
    uint64_t given, uint64_t *id)
{
	Crm__V1__Customer *c;
	*id = given;
	if (*id == 0 && row->customer_name && *row->customer_name) {
		if (customer_find(ctx, row->customer_name, id) != CRM_OK) {
			*id = 0;
		}
	}
	if (*id == 0 || customer_visible(ctx, *id, &c) != CRM_OK) {
		dispatch_fail(ctx, CRM_NOT_FOUND, "no customer '%s'",
		    row->customer_name ? row->customer_name : "");
		return CRM_NOT_FOUND;
	}
	return CRM_OK;
}

static crm_status
row_customer_add(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__Customer *c = row->customer;
	if (c == NULL || c->name == NULL || *c->name == '\0') {
		return bad(
		    ctx, o, "name", CRM_EINVAL, "a customer needs a name");
	}
	int kind = c->has_kind && c->kind
	               ? (int)c->kind
	               : CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	Crm__V1__Customer *seen;
	if (customer_by_name(ctx, kind, c->name, &o->id) == CRM_OK &&
	    customer_visible(ctx, o->id, &seen) == CRM_OK) {
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK, "already there");
	}
	o->id = 0;
	/* Someone else's customer: refused, without its id or owner. */
	crm_status dup = customer_duplicate(ctx, kind, c->name, NULL);
	if (dup != CRM_OK) {
		return bad(ctx, o, "name", dup, NULL);
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAddRequest add = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	add.customer = c;
	add.owner = row->owner;
	sub.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	sub.customer_add = &add;
	crm_status rc = customer_handle_add(ctx, &sub, &resp);
	if (rc == CRM_EXISTS) {
		/* Another customer holds its licence number (its name was
		 * looked up above): a conflict to settle, not this row
		 * already there. The message names the other only when the
		 * caller may see it. */
		return bad(ctx, o,
		    strstr(ctx->msg, "licence") != NULL ? "licence_no"
		                                        : "name",
		    rc, NULL);
	}
	if (rc == CRM_OK) {
		o->id = resp.customer->customer->id;
		const Crm__V1__GradeProposal *p = resp.customer->proposal;
		if (p != NULL) {
			char *n = crm_arena_alloc(ctx->arena, 64);
			if (n != NULL) {
				snprintf(n, 64,
				    "grade %s proposed to the manager",
				    crm_enum_name(&crm__v1__grade__descriptor,
				        p->grade_to));
			}
			o->note = n;
		}
	}
	return rc;
}

static crm_status
row_contact_add(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__Contact *c = row->contact;
	if (c == NULL || c->name == NULL || *c->name == '\0') {
		return bad(
		    ctx, o, "name", CRM_EINVAL, "a contact needs a name");
	}
	uint64_t cust;
	if (row_customer(ctx, row, c->customer_id, &cust) != CRM_OK) {
		return bad(ctx, o, "customer", CRM_NOT_FOUND, NULL);
	}
	crm_status found = contact_find(ctx, cust, c->name, &o->id);
	if (found == CRM_OK) {
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK, "already there");
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest add = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	c->has_customer_id = 1;
	c->customer_id = cust;
	add.contact = c;
	sub.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	sub.contact_add = &add;
	crm_status rc = contact_handle_add(ctx, &sub, &resp);
	if (rc == CRM_OK) {
		o->id = resp.contact->id;
	}
	return rc;
}

static crm_status
row_followup_log(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__FollowUp *f = row->followup;
	if (f == NULL || !f->has_happened_at || f->happened_at == 0) {
		return bad(ctx, o, "happened_at", CRM_EINVAL,
		    "an imported follow-up needs the time it happened");
	}
	uint64_t cust;
	if (row_customer(ctx, row, f->customer_id, &cust) != CRM_OK) {
		return bad(ctx, o, "customer", CRM_NOT_FOUND, NULL);
	}
	crm_status found =
	    followup_find(ctx, cust, f->happened_at, f->summary, &o->id);
	if (found == CRM_OK) {
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK, "already there");
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupLogRequest log = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	f->has_customer_id = f->has_imported = 1;
	f->customer_id = cust;
	f->imported = 1;
	log.followup = f;
	sub.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	sub.followup_log = &log;
	crm_status rc = followup_log_as(ctx, &sub, &resp, 1);
	if (rc == CRM_OK) {
		o->id = resp.followup->id;
	} else if (rc == CRM_EINVAL && o->column == NULL) {
		/* The log's own checks name no column: an empty summary, then
		 * a time ahead of the clock, are the ones a file can fail. */
		o->column = f->summary == NULL || *f->summary == '\0'
		                ? "summary"
		            : f->happened_at > ctx->now ? "happened_at"
		                                        : NULL;
	}
	return rc;
}

static crm_status
row_purchase_add(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__Purchase *p = row->purchase;
	if (p == NULL || !p->has_amount || p->amount <= 0) {
		return bad(ctx, o, "amount", CRM_EINVAL,
		    "a purchase needs an amount above 0");
	}
	if (!p->has_bought_at || p->bought_at == 0) {
		return bad(ctx, o, "bought_at", CRM_EINVAL,
		    "an imported purchase needs the day it was bought");
	}
	uint64_t cust;
	if (row_customer(ctx, row, p->customer_id, &cust) != CRM_OK) {
		return bad(ctx, o, "customer", CRM_NOT_FOUND, NULL);
	}
	crm_status found = purchase_find(
	    ctx, cust, p->bought_at, p->amount, p->product, &o->id);
	if (found == CRM_OK) {
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK, "already there");
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseAddRequest add = CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	p->has_customer_id = 1;
	p->customer_id = cust;
	add.purchase = p;
	sub.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	sub.purchase_add = &add;
	crm_status rc = purchase_handle_add(ctx, &sub, &resp);
	if (rc == CRM_OK) {
		o->id = resp.purchase->id;
	}
	return rc;
}

/* "birthday: want MM-DD" names its column; other messages do not. */
static const char *
column_of(struct req_ctx *ctx, const char *msg)
{
	size_t n = 0;
	while (islower((unsigned char)msg[n]) || msg[n] == '_') {
		n++;
	}
	if (n == 0 || n > 32 || msg[n] != ':') {
		return NULL;
	}
	char *c = crm_arena_alloc(ctx->arena, n + 1);
	if (c != NULL) {
		memcpy(c, msg, n);
		c[n] = '\0';
	}
	return c;
}

crm_status
import_handle_batch(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	static crm_status (*const kinds[])(
	    struct req_ctx *, const Crm__V1__ImportRow *, struct row_out *) = {
		[CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS] = row_customer_add,
		[CRM__V1__IMPORT_KIND__IMPORT_CONTACTS] = row_contact_add,
		[CRM__V1__IMPORT_KIND__IMPORT_FOLLOWUPS] = row_followup_log,
		[CRM__V1__IMPORT_KIND__IMPORT_PURCHASES] = row_purchase_add,
	};
	const Crm__V1__ImportRequest *q = req->import_batch;
	int kind = q->has_kind ? (int)q->kind : 0;
	if (kind <= 0 || (size_t)kind >= sizeof(kinds) / sizeof(kinds[0])) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.kind",
		    "import customers, contacts, followups or purchases");
	}
	if (q->n_rows > MAX_ROWS) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.rows", "at most %d rows per batch",
		    MAX_ROWS);
	}
	Crm__V1__ImportReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__ImportResult *res =
	    crm_arena_alloc(ctx->arena, (q->n_rows + 1) * sizeof(*res));
	Crm__V1__ImportResult **resp_rows =
	    crm_arena_alloc(ctx->arena, (q->n_rows + 1) * sizeof(*resp_rows));
	char *msgs = crm_arena_alloc(ctx->arena, (q->n_rows + 1) * MSG_MAX);
	char *cols = crm_arena_alloc(ctx->arena, (q->n_rows + 1) * 40);
	if (out == NULL || res == NULL || resp_rows == NULL || msgs == NULL ||
	    cols == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__import_reply__init(out);
	MDB_txn *outer = ctx->txn, *batch;
	crm_status rc = store_nested_begin(ctx->st, outer, &batch);
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; i < q->n_rows && rc == CRM_OK; i++) {
		const Crm__V1__ImportRow *row = q->rows[i];
		Crm__V1__ImportResult *r = &res[i];
		struct row_out o = { ADDED, NULL, 0, NULL };
		size_t mark = crm_arena_mark(ctx->arena);
		MDB_txn *one;
		rc = store_nested_begin(ctx->st, batch, &one);
		if (rc != CRM_OK) {
			break;
		}
		ctx->txn = one;
		ctx->msg[0] = '\0';
		crm_status row_rc = kinds[kind](ctx, row, &o);
		/* a row's details are the row's, not the batch's */
		ctx->field[0] = '\0';
		ctx->existing_id = 0;
		if (row_rc == CRM_EINVAL || row_rc == CRM_NOT_FOUND ||
		    row_rc == CRM_EPERM || row_rc == CRM_EPRECOND) {
			o.out = BAD;
			if (o.column == NULL) {
				o.column = column_of(ctx, ctx->msg);
			}
		} else if (row_rc == CRM_EXISTS) {
			/* Another spelling of an existing name. */
			o.out = EXISTS;
		} else if (row_rc != CRM_OK) {
			rc = row_rc; /* map full, internal: the whole batch */
		}
		if (rc == CRM_OK && o.out == ADDED) {
			rc = store_nested_commit(one);
		} else {
			store_nested_abort(one);
		}
		ctx->txn = batch;
		crm__v1__import_result__init(r);
		r->has_row = r->has_outcome = 1;
		r->row = row->has_row ? row->row : (uint32_t)(i + 1);
		r->outcome = o.out;
		if (o.id != 0) {
			r->has_id = 1;
			r->id = o.id;
		}
		char *m = msgs + i * MSG_MAX, *c = cols + i * 40;
		snprintf(m, MSG_MAX, "%s",
		    o.out != ADDED ? ctx->msg
		    : o.note       ? o.note
		                   : "");
		snprintf(c, 40, "%s", o.column ? o.column : "");
		r->message = m;
		r->column = c;
		resp_rows[out->n_results++] = r;
		out->added += o.out == ADDED;
		out->existing += o.out == EXISTS;
		out->bad += o.out == BAD;
		crm_arena_release(ctx->arena, mark);
	}
	ctx->txn = outer;
	ctx->msg[0] = '\0';
	if (rc != CRM_OK) {
		store_nested_abort(batch);
		return rc;
	}
	int keep = !q->dry_run && (out->bad == 0 || q->skip_bad);
	if (keep) {
		rc = store_nested_commit(batch);
		if (rc != CRM_OK) {
			return rc;
		}
	} else {
		store_nested_abort(batch);
	}
	out->results = resp_rows;
	out->has_added = out->has_existing = out->has_bad = 1;
	out->has_written = 1;
	out->written = keep && out->added > 0;
	resp->body_case = CRM__V1__RESPONSE__BODY_IMPORT_REPLY;
	resp->import_reply = out;
	return CRM_OK;
}
