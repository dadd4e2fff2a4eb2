/* SPDX-License-Identifier: MIT */
/*
 * review.c: record checks (信息核对, review.h): the unchecked-customer
 * index and the handler of customer.check, by which a manager of the
 * customer's team (or an admin) marks a new record checked; and stale,
 * the weekly spot check of records not updated (seed 001). Contact
 * verification is contact.verify in contact.c.
 */
#include "review.h"

#include <inttypes.h>
#include <string.h>

#include "auth.h"
#include "check.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "sla.h"
#include "store_schema.h"
#include "user.h"

#define STALE_CAP           500 /* customers in one stale reply */
#define STALE_DEFAULT_HOURS 72
#define STALE_ENTRY         600 /* contacts entered with a new record */

static int
unchecked(const Crm__V1__Customer *c)
{
	return c != NULL && c->merged_into == 0 && c->checked_at == 0;
}

crm_status
review_on_customer(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	crm_status rc = CRM_OK;
	/* The team's entry, then everyone's (0). A customer of an owner
	 * without a team (an admin) has only the one under 0. */
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		int b = unchecked(before) && (i == 1 || before->team_id != 0);
		int a = unchecked(after) && (i == 1 || after->team_id != 0);
		store_key ok, nk;
		if (b) {
			store_key_pair(
			    &ok, i == 0 ? before->team_id : 0, before->id);
		}
		if (a) {
			store_key_pair(
			    &nk, i == 0 ? after->team_id : 0, after->id);
		}
		rc = store_reindex(ctx->st, ctx->txn, DB_CUST_UNCHECKED,
		    b ? &ok : NULL, a ? &nk : NULL);
	}
	return rc;
}

static crm_status
rebuild_one(struct req_ctx *ctx, const ProtobufCMessage *m, void *arg)
{
	(void)arg;
	return review_on_customer(ctx, NULL, (const Crm__V1__Customer *)m);
}

crm_status
review_rebuild(struct req_ctx *ctx)
{
	crm_status rc = store_drop(ctx->st, ctx->txn, DB_CUST_UNCHECKED);
	return rc == CRM_OK
	           ? dispatch_each_record(ctx, DB_CUSTOMERS,
	                 &crm__v1__customer__descriptor, rebuild_one, NULL)
	           : rc;
}

static int
has_pair(struct check *c, uint64_t a, uint64_t b)
{
	store_key k;
	store_key_pair(&k, a, b);
	return store_has(c->ctx->st, c->ctx->txn, DB_CUST_UNCHECKED, &k, NULL);
}

crm_status
review_check(struct check *c)
{
	uint64_t id = 0, n = 0; /* n: entries wanted */
	crm_status rc;
	while ((rc = store_id_next(c->ctx->st, c->ctx->txn, DB_CUSTOMERS, id,
	            &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__Customer *cu;
		if (dispatch_record(c->ctx, DB_CUSTOMERS, id,
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) == CRM_OK) {
			int want = unchecked(cu);
			n += want ? (cu->team_id != 0 ? 2 : 1) : 0;
			if (want != has_pair(c, cu->team_id, id) ||
			    want != has_pair(c, 0, id)) {
				check_problem(c,
				    "customer %" PRIu64 ": %s the unchecked "
				    "list",
				    id, want ? "missing from" : "wrongly in");
			}
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	if (rc != CRM_NOT_FOUND) {
		return rc;
	}
	uint64_t have =
	    store_entries(c->ctx->st, c->ctx->txn, DB_CUST_UNCHECKED);
	if (have != n) {
		check_problem(c,
		    "cust_unchecked holds %" PRIu64 " entries, want %" PRIu64,
		    have, n);
	}
	return CRM_OK;
}

crm_status
review_handle_customer_check(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerCheckRequest *r = req->customer_check;
	Crm__V1__Customer *before, *c;
	crm_status rc = customer_editable(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, r->id, &c);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (!auth_manages(ctx->who, c->team_id)) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "only a manager of the customer's team or an admin checks "
		    "a record");
	}
	if (c->checked_at != 0) {
		char t[32];
		crm_time_format(c->checked_at, t, sizeof(t));
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "customer %" PRIu64 " was checked by %s on %s", c->id,
		    user_login_of(ctx, c->checked_by_id), t);
	}
	c->has_checked_at = c->has_checked_by_id = 1;
	c->checked_at = dispatch_at(ctx);
	c->checked_by_id = ctx->who->user_id;
	rc = customer_save(ctx, before, c);
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, c, resp);
}

/* ---------------------------------------------------- stale */

struct stale_walk {
	Crm__V1__CustomerPage *out;
	int64_t before;
};

/*
 * The last real update of customer c (seed 001: records not updated for
 * over 72 hours): the latest of its last follow-up's own time (a
 * back-dated follow-up counts at its date), the last change a person made
 * to the record (touched_at) and the last change to one of its contacts.
 * Writes the system makes by itself (scheduling, imports of history, demo
 * seeding) leave touched_at alone, and contacts entered with the record
 * (within STALE_ENTRY of its creation) are part of its creation. A
 * customer never touched counts from its creation.
 */
static int64_t
last_update(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	int64_t t = c->touched_at;
	if (c->last_contact_at > t) {
		t = c->last_contact_at;
	}
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_CONTACT_CUST, c->id, id,
	           &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Contact *k;
		if (dispatch_record(ctx, DB_CONTACTS, id,
		        &crm__v1__contact__descriptor,
		        (ProtobufCMessage **)&k) == CRM_OK) {
			int64_t u =
			    k->updated_at > 0 ? k->updated_at : k->created_at;
			if (u > c->created_at + STALE_ENTRY && u > t) {
				t = u;
			}
		}
		crm_arena_release(ctx->arena, mark);
	}
	return t > 0 ? t : c->created_at;
}

static crm_status
stale_of(struct req_ctx *ctx, uint64_t owner, void *arg)
{
	struct stale_walk *w = arg;
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	while (!w->out->more && store_index_next(ctx->st, ctx->txn,
	                            DB_CUST_OWNER, owner, id, &id) == CRM_OK) {
		Crm__V1__Customer *c;
		size_t mark = crm_arena_mark(ctx->arena);
		rc = dispatch_list_record(ctx, DB_CUSTOMERS, id,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc != CRM_OK) {
			break; /* named in ctx->msg, never skipped */
		}
		int64_t last;
		if (c->stage == CRM__V1__STAGE__STAGE_LOST ||
		    (last = last_update(ctx, c)) >= w->before) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		if (w->out->n_customers == STALE_CAP) {
			/* One more is stale: say so, never cut silently. */
			crm_arena_release(ctx->arena, mark);
			w->out->has_more = w->out->more = 1;
			break;
		}
		c->has_last_update_at = 1;
		c->last_update_at = last;
		c->owner = (char *)user_login_of(ctx, c->owner_id);
		c->team = (char *)user_team_name(ctx, c->team_id);
		w->out->customers[w->out->n_customers++] = c;
	}
	return rc;
}

crm_status
review_handle_stale(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__StaleRequest *r = req->stale;
	uint32_t hours =
	    r->has_hours && r->hours ? r->hours : STALE_DEFAULT_HOURS;
	Crm__V1__CustomerPage *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_page__init(out);
	out->customers =
	    crm_arena_alloc(ctx->arena, STALE_CAP * sizeof(*out->customers));
	if (out->customers == NULL) {
		return CRM_TOO_BIG;
	}
	struct stale_walk w = { out, ctx->now - (int64_t)hours * 3600 };
	crm_status rc = sla_each_owner(ctx,
	    r->whole_team || ctx->who->role != CRM__V1__ROLE__ROLE_REP,
	    stale_of, &w);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMERS;
	resp->customers = out;
	return CRM_OK;
}
