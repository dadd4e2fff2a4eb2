/* SPDX-License-Identifier: MIT */
/*
 * pool.c: the team pool (公海) and handover (issue 16); see pool.h.
 *
 * Claims are checked inside the write transaction (writer.c runs one
 * write at a time), so of two reps claiming the same customer the first
 * takes it and the second finds it owned: FAILED_PRECONDITION naming who
 * has it.
 */
#include "pool.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "crm.h"
#include "crm_time.h"
#include "calendar.h"
#include "customer.h"
#include "event.h"
#include "handlers.h"
#include "lifecycle.h"
#include "policy.h"
#include "report.h"
#include "routine.h"
#include "signals.h"
#include "sla.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define REASON_MAX   200
#define PAGE_DEFAULT 50
#define PAGE_MAX     CRM_POOL_PAGE_MAX
#define DAY          86400

static crm_status
load(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	return dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)c);
}

static const char *
date_of(struct req_ctx *ctx, int64_t t)
{
	char *buf = crm_arena_alloc(ctx->arena, 32);
	if (buf == NULL) {
		return "?";
	}
	crm_time_format(t, buf, 32);
	return buf;
}

crm_status
pool_log(struct req_ctx *ctx, int kind, const Crm__V1__Customer *c,
    uint64_t from_owner, const char *reason)
{
	Crm__Store__PoolRecord rec = CRM__STORE__POOL_RECORD__INIT;
	uint64_t seq;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "pool_log", &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	rec.has_kind = rec.has_customer_id = rec.has_team_id = 1;
	rec.kind = (uint32_t)kind;
	rec.customer_id = c->id;
	rec.team_id = c->team_id;
	rec.has_from_owner_id = from_owner != 0;
	rec.from_owner_id = from_owner;
	rec.has_to_owner_id = c->owner_id != 0;
	rec.to_owner_id = c->owner_id;
	rec.has_by_id = ctx->who != NULL;
	rec.by_id = ctx->who != NULL ? ctx->who->user_id : 0;
	rec.reason = (char *)reason;
	rec.has_at = 1;
	rec.at = dispatch_at(ctx);
	store_key k;
	store_key_pair(&k, store_time_key(dispatch_at(ctx)), seq);
	rc = store_put_msg(ctx->st, ctx->txn, DB_POOL_LOG, &k, &rec.base);
	if (rc == CRM_OK && kind == POOL_CLAIMED) {
		store_key_triple(
		    &k, c->owner_id, store_time_key(dispatch_at(ctx)), seq);
		rc = store_put_empty(ctx->st, ctx->txn, DB_POOL_CLAIM, &k);
	}
	return rc;
}

crm_status
pool_put(struct req_ctx *ctx, uint64_t id, const char *why)
{
	Crm__V1__Customer *before, *after;
	crm_status rc = load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, id, &after);
	}
	if (rc == CRM_NOT_FOUND || (rc == CRM_OK && before->merged_into)) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no customer %" PRIu64, id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (before->owner_id == 0) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s is in the pool already (since %s)", before->name,
		    date_of(ctx, before->pooled_at));
	}
	if (before->team_id == 0) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s belongs to no team, so to no pool", before->name);
	}
	after->owner_id = 0;
	after->has_pooled_at = after->has_pool_from_id = 1;
	after->pooled_at =
	    dispatch_at(ctx); /* released when the owner said so */
	after->pool_from_id = before->owner_id;
	after->pool_reason = (char *)why;
	rc = customer_save(ctx, before, after);
	if (rc == CRM_OK) {
		rc = event_add_owner(ctx, id, before->owner_id, 0, why,
		    "owner %s → the pool of team %s",
		    user_login_of(ctx, before->owner_id),
		    user_team_name(ctx, before->team_id));
	}
	if (rc == CRM_OK) {
		char *closed = crm_arena_alloc(ctx->arena, REASON_MAX + 64);
		if (closed == NULL) {
			return CRM_TOO_BIG;
		}
		snprintf(closed, REASON_MAX + 64,
		    "the customer went to the pool: %s", why);
		rc = routine_pooled(ctx, id, closed);
		if (rc == CRM_OK) {
			rc = task_cancel_open(ctx, id, closed);
		}
	}
	if (rc == CRM_OK) {
		rc = sla_release(ctx, after,
		    signals_team_manager(ctx, after->team_id), why);
	}
	if (rc == CRM_OK) {
		rc = pool_log(ctx, POOL_PUT, after, before->owner_id, why);
	}
	return rc;
}

/* ---------------------------------------------------- release */

crm_status
pool_handle_release(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerReleaseRequest *r = req->customer_release;
	const char *why = customer_trimmed(ctx, r->reason);
	if (!r->has_id) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "customer_release.id", "give a customer");
	}
	if (why == NULL || *why == '\0') {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "customer_release.reason",
		    "give the reason the customer goes to the pool");
	}
	if (strlen(why) > REASON_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "customer_release.reason", "a reason is at most %d bytes",
		    REASON_MAX);
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_editable(ctx, r->id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	/* The owner, or a manager of the team (an admin). */
	if (c->owner_id != ctx->who->user_id &&
	    !auth_manages(ctx->who, c->team_id)) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "only its owner or a manager of its team may release %s",
		    c->name);
	}
	rc = pool_put(ctx, r->id, why);
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &c);
	}
	return rc == CRM_OK ? customer_reply(ctx, c, resp) : rc;
}

/* ---------------------------------------------------- list */

static void
fill(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	c->owner = (char *)user_login_of(ctx, c->owner_id);
	c->team = (char *)user_team_name(ctx, c->team_id);
	c->pool_from = c->pool_from_id
	                   ? (char *)user_login_of(ctx, c->pool_from_id)
	                   : NULL;
}

crm_status
pool_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__PoolListRequest *r = req->pool_list;
	uint64_t team = ctx->who->team_id;
	int all = 0;
	if (r->team != NULL && *r->team != '\0') {
		/* Another team's answers as one that does not exist
		 * (scope.h). */
		if (user_team_by_name(ctx, r->team, &team) != CRM_OK ||
		    (ctx->who->role != CRM__V1__ROLE__ROLE_ADMIN &&
		        team != ctx->who->team_id)) {
			return dispatch_fail(
			    ctx, CRM_NOT_FOUND, "no team '%s'", r->team);
		}
	} else if (ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		all = 1;
	} else if (team == 0) {
		return dispatch_fail(
		    ctx, CRM_EPRECOND, "you are in no team, so no pool");
	}
	size_t limit = r->limit ? r->limit : PAGE_DEFAULT;
	if (limit > PAGE_MAX) {
		limit = PAGE_MAX;
	}
	Crm__V1__CustomerPage *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__Customer **v =
	    crm_arena_alloc(ctx->arena, limit * sizeof(*v));
	if (out == NULL || v == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_page__init(out);
	out->customers = v;
	/* One team: its range from the cursor (a customer id). All (an
	 * admin): every team's, the cursor a customer id whose team the
	 * walk reads from the record. */
	uint8_t prefix[8];
	store_key from;
	uint64_t start_team = team;
	if (all && r->cursor != 0) {
		Crm__V1__Customer *cur;
		if (load(ctx, r->cursor, &cur) == CRM_OK) {
			start_team = cur->team_id;
		}
	}
	for (int i = 0; i < 8; i++) {
		prefix[i] = (uint8_t)(team >> (56 - 8 * i));
	}
	store_key_pair(&from, start_team, r->cursor + (r->cursor != 0));
	struct store_iter it;
	crm_status rc;
	if (all) {
		rc = store_iter_open(
		    ctx->st, ctx->txn, DB_POOL, "", 0, &from, &it);
	} else {
		store_key_id(&from, r->cursor + (r->cursor != 0));
		rc = store_iter_open(
		    ctx->st, ctx->txn, DB_POOL, prefix, 8, &from, &it);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		if (klen != 16) {
			continue;
		}
		uint64_t id = store_u64(key + 8);
		if (out->n_customers == limit) {
			out->has_next_cursor = 1;
			out->next_cursor = v[limit - 1]->id;
			break;
		}
		Crm__V1__Customer *c;
		rc = dispatch_list_record(ctx, DB_CUSTOMERS, id,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc != CRM_OK) {
			break;
		}
		fill(ctx, c);
		v[out->n_customers++] = c;
	}
	store_iter_close(&it);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMERS;
	resp->customers = out;
	return CRM_OK;
}

/* ---------------------------------------------------- claim */

static const Crm__V1__PoolLimits *
limits_of(const Crm__V1__Policy *p)
{
	static const Crm__V1__PoolLimits none = CRM__V1__POOL_LIMITS__INIT;
	return p->pool_limits != NULL ? p->pool_limits : &none;
}

/* The caller's claims since local midnight, counted up to cap. */
static unsigned
claims_today(struct req_ctx *ctx, uint64_t user, unsigned cap)
{
	uint8_t prefix[8];
	for (int i = 0; i < 8; i++) {
		prefix[i] = (uint8_t)(user >> (56 - 8 * i));
	}
	store_key from;
	store_key_id(&from, store_time_key(calendar_day_start(ctx->now)));
	struct store_iter it;
	if (store_iter_open(ctx->st, ctx->txn, DB_POOL_CLAIM, prefix, 8, &from,
	        &it) != CRM_OK) {
		return cap;
	}
	unsigned n = 0;
	const uint8_t *key;
	size_t klen;
	while (n < cap && store_iter_next(&it, &key, &klen)) {
		n++;
	}
	store_iter_close(&it);
	return n;
}

crm_status
pool_handle_claim(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__PoolClaimRequest *r = req->pool_claim;
	/* First come, first served: a claim happens when crmd gets it,
	 * whatever Request.made_at says (the shell keeps none offline). */
	ctx->made_at = 0;
	if (!r->has_id) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "pool_claim.id", "give a customer");
	}
	Crm__V1__Customer *before, *after;
	crm_status rc = load(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &after);
	}
	/* A merged record the caller may see: said so, with the customer it
	 * lives on as (as every other write on it says). */
	if (rc == CRM_OK && before->merged_into != 0 &&
	    before->team_id == ctx->who->team_id &&
	    auth_can_see(ctx->who, before->owner_id, before->team_id)) {
		Crm__V1__Customer *gone;
		rc = customer_editable(ctx, r->id, &gone);
		return rc == CRM_OK ? CRM_INTERNAL : rc;
	}
	/* Visible to a claimer: a customer of the caller's team. */
	if (rc == CRM_NOT_FOUND ||
	    (rc == CRM_OK &&
	        (before->merged_into != 0 || before->team_id == 0 ||
	            before->team_id != ctx->who->team_id))) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no customer %" PRIu64, r->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	uint64_t me = ctx->who->user_id;
	/* Not in the pool and never was: as any customer one may not see. */
	if (before->owner_id != 0 && before->pool_left_at == 0 &&
	    !auth_can_see(ctx->who, before->owner_id, before->team_id)) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no customer %" PRIu64, r->id);
	}
	if (before->owner_id == me) {
		return dispatch_fail(
		    ctx, CRM_EPRECOND, "%s is already yours", before->name);
	}
	if (before->owner_id != 0) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s is not in the pool: %s has it", before->name,
		    user_login_of(ctx, before->owner_id));
	}
	Crm__V1__Policy *p;
	rc = policy_load(ctx, &p);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__PoolLimits *lim = limits_of(p);
	if (before->pool_from_id == me && lim->cooldown_seconds > 0 &&
	    ctx->now < before->pooled_at + lim->cooldown_seconds) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "you held %s until %s: you may claim it again from %s "
		    "(cool-down, policy pool)",
		    before->name, date_of(ctx, before->pooled_at),
		    date_of(ctx, before->pooled_at + lim->cooldown_seconds));
	}
	if (lim->claims_per_day > 0 &&
	    claims_today(ctx, me, lim->claims_per_day) >=
	        lim->claims_per_day) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "you claimed %u customers today, the most a day (policy "
		    "pool)",
		    lim->claims_per_day);
	}
	if (lim->max_held > 0) {
		uint64_t scope = STATS_PERSON | me;
		uint64_t held =
		    stats_tally(ctx, scope, 0, 0) -
		    stats_tally(ctx, scope, CRM__V1__STAGE__STAGE_WON, 0);
		if (held >= lim->max_held) {
			return dispatch_fail(ctx, CRM_EPRECOND,
			    "you hold %" PRIu64
			    " customers (won not counted), "
			    "the most one may (policy pool)",
			    held);
		}
	}
	after->owner_id = me;
	after->has_pooled_at = after->has_pool_from_id = 0;
	after->pooled_at = 0;
	after->pool_from_id = 0;
	after->pool_reason = NULL;
	after->has_pool_left_at = 1;
	after->pool_left_at = ctx->now;
	rc = customer_save(ctx, before, after);
	if (rc == CRM_OK) {
		/* As customer.assign: its cadence starts for the new owner. */
		rc = lifecycle_given(ctx, before, after);
	}
	if (rc == CRM_OK) {
		rc = pool_log(ctx, POOL_CLAIMED, after, 0, NULL);
	}
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &after);
	}
	return rc == CRM_OK ? customer_reply(ctx, after, resp) : rc;
}

/* ---------------------------------------------------- policy */

crm_status
pool_handle_policy(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__PolicyPoolRequest *r = req->policy_pool;
	if (r->has_cooldown_seconds &&
	    (r->cooldown_seconds < 0 || r->cooldown_seconds > 366 * DAY)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "policy_pool.cooldown_seconds",
		    "a cool-down is 0 (none) to 1 year");
	}
	if ((r->has_claims_per_day && r->claims_per_day > 10000) ||
	    (r->has_max_held && r->max_held > 1000000)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    r->has_claims_per_day && r->claims_per_day > 10000
		        ? "policy_pool.claims_per_day"
		        : "policy_pool.max_held",
		    "claims a day are at most 10000, customers held at most "
		    "1000000 (0: no limit)");
	}
	Crm__V1__Policy *p, *before;
	crm_status rc = policy_load(ctx, &p);
	if (rc == CRM_OK) {
		rc = policy_load(ctx, &before);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__PoolLimits *lim = p->pool_limits;
	if (lim == NULL) {
		lim = crm_arena_alloc(ctx->arena, sizeof(*lim));
		if (lim == NULL) {
			return CRM_TOO_BIG;
		}
		crm__v1__pool_limits__init(lim);
		p->pool_limits = lim;
	}
	if (r->has_claims_per_day) {
		lim->has_claims_per_day = 1;
		lim->claims_per_day = r->claims_per_day;
	}
	if (r->has_max_held) {
		lim->has_max_held = 1;
		lim->max_held = r->max_held;
	}
	if (r->has_cooldown_seconds) {
		lim->has_cooldown_seconds = 1;
		lim->cooldown_seconds = r->cooldown_seconds;
	}
	store_key k;
	store_key_text(&k, 0, "policy");
	rc = store_put_msg(ctx->st, ctx->txn, DB_META, &k, &p->base);
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "policy", 0, &before->base, &p->base);
	}
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_POLICY;
		resp->policy = p;
	}
	return rc;
}

/* ---------------------------------------------------- handover */

crm_status
pool_handover(struct req_ctx *ctx, uint64_t from, uint64_t to,
    const Crm__V1__CustomerHandoverRequest *r, Crm__V1__CustomerPage *moved,
    uint64_t *next)
{
	Crm__Store__UserRecord *dest;
	crm_status rc = user_get(ctx, to, &dest);
	if (rc != CRM_OK) {
		return rc;
	}
	size_t limit = r->limit ? r->limit : POOL_HANDOVER_BATCH;
	if (limit > POOL_HANDOVER_BATCH) {
		limit = POOL_HANDOVER_BATCH;
	}
	Crm__V1__Customer **v = NULL;
	if (moved != NULL) {
		v = crm_arena_alloc(ctx->arena, limit * sizeof(*v));
		if (v == NULL) {
			return CRM_TOO_BIG;
		}
		moved->customers = v;
		moved->n_customers = 0;
	}
	size_t n = 0;
	uint64_t id = r->cursor, last = r->cursor, examined = 0;
	*next = 0;
	/* A moved customer leaves from's range; the walk goes on after it
	 * by id all the same. At most 20 x limit are read a request: the
	 * cursor is the last one examined. */
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                           DB_CUST_OWNER, from, id, &id) == CRM_OK) {
		if (n == limit || ++examined > 20 * limit) {
			*next = last;
			break;
		}
		last = id;
		Crm__V1__Customer *before, *after;
		rc = dispatch_list_record(ctx, DB_CUSTOMERS, id,
		    &crm__v1__customer__descriptor,
		    (ProtobufCMessage **)&before);
		if (rc != CRM_OK) {
			break;
		}
		if ((r->has_stage && r->stage != 0 &&
		        before->stage != r->stage) ||
		    (r->has_grade && r->grade != 0 &&
		        before->grade != r->grade)) {
			continue;
		}
		if (!r->dry_run) {
			rc = load(ctx, id, &after);
			if (rc != CRM_OK) {
				break;
			}
			after->owner_id = to;
			after->team_id = dest->team_id;
			rc = customer_save(ctx, before, after);
			if (rc == CRM_OK) {
				rc = lifecycle_given(ctx, before, after);
			}
			before = after;
		}
		if (v != NULL) {
			fill(ctx, before);
			v[n] = before;
		}
		n++;
	}
	if (moved != NULL) {
		moved->n_customers = v != NULL ? n : 0;
		moved->has_next_cursor = *next != 0;
		moved->next_cursor = *next;
	}
	return rc;
}

/* Whether the caller may hand u's customers over: an admin, or a
 * manager of u's team. */
static crm_status
handover_user(struct req_ctx *ctx, const char *login, int active,
    Crm__Store__UserRecord **u)
{
	/* A user out of the caller's team reads as no user at all. */
	if (login == NULL || user_by_login(ctx, login, u) != CRM_OK ||
	    (active && !(*u)->active) ||
	    !auth_manages(ctx->who, (*u)->team_id)) {
		return dispatch_fail(ctx, CRM_NOT_FOUND, "no %suser '%s'",
		    active ? "active " : "", login ? login : "");
	}
	return CRM_OK;
}

crm_status
pool_handle_handover(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerHandoverRequest *r = req->customer_handover;
	Crm__Store__UserRecord *from, *to;
	crm_status rc = handover_user(ctx, r->from_user, 0, &from);
	if (rc == CRM_OK) {
		rc = handover_user(ctx, r->to_user, 1, &to);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (from->id == to->id) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "customer_handover.to_user",
		    "hand %s's customers to someone else", from->login);
	}
	Crm__V1__CustomerPage *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_page__init(out);
	uint64_t next;
	rc = pool_handover(ctx, from->id, to->id, r, out, &next);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMERS;
	resp->customers = out;
	return CRM_OK;
}

/* ---------------------------------------------------- check */

crm_status
pool_check(struct check *c)
{
	struct store_iter it;
	crm_status rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_POOL_LOG, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *data;
		size_t len;
		Crm__Store__PoolRecord *p = NULL;
		if (klen == 16 && store_iter_data(&it, &data, &len)) {
			p = crm__store__pool_record__unpack(
			    &c->ctx->arena->allocator, len, data);
		}
		if (p == NULL || p->at != store_time_of(store_u64(key)) ||
		    p->customer_id == 0) {
			check_problem(c,
			    "pool_log: entry %" PRIu64
			    " does not decode or disagrees",
			    klen == 16 ? store_u64(key + 8) : 0);
		}
		if (p != NULL) {
			protobuf_c_message_free_unpacked(
			    &p->base, &c->ctx->arena->allocator);
		}
	}
	store_iter_close(&it);
	rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_POOL_CLAIM, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	while (store_iter_next(&it, &key, &klen)) {
		if (klen != 24) {
			check_problem(
			    c, "pool_claim: a key of %zu bytes", klen);
			continue;
		}
		store_key k;
		store_key_pair(&k, store_u64(key + 8), store_u64(key + 16));
		if (!store_has(
		        c->ctx->st, c->ctx->txn, DB_POOL_LOG, &k, NULL)) {
			check_problem(c,
			    "pool_claim: claim %" PRIu64
			    " not in the pool log",
			    store_u64(key + 16));
		}
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* ---------------------------------------------------- report pool */

#define REPORT_POOL_ROWS 500
#define REPORT_POOL_REPS 256

/* Whether the pool record p falls in r's scope: the person (released by,
 * or claimed or given to), else one of the teams. */
static int
in_scope(const struct report *r, const Crm__Store__PoolRecord *p)
{
	if (r->person) {
		uint64_t u = r->scopes[0] & ~STATS_PERSON;
		return p->from_owner_id == u || p->to_owner_id == u;
	}
	for (size_t i = 0; i < r->nscopes; i++) {
		if (r->scopes[i] == p->team_id) {
			return 1;
		}
	}
	return 0;
}

/* Call visit on each pool_log record of r's period, oldest first, each
 * decoded in ctx's arena; the arena is released after the call unless
 * visit returns 1 (it kept something there: a report row). */
static crm_status
pool_log_each(struct report *r,
    int (*visit)(struct report *, const Crm__Store__PoolRecord *, void *),
    void *arg)
{
	struct req_ctx *ctx = r->ctx;
	store_key from;
	store_key_id(&from, store_time_key(r->from));
	struct store_iter it;
	crm_status rc =
	    store_iter_open(ctx->st, ctx->txn, DB_POOL_LOG, "", 0, &from, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *data;
		size_t len;
		if (klen != 16 || store_time_of(store_u64(key)) >= r->to) {
			break;
		}
		if (!store_iter_data(&it, &data, &len)) {
			continue;
		}
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__PoolRecord *p = crm__store__pool_record__unpack(
		    &ctx->arena->allocator, len, data);
		if (p == NULL) {
			crm_arena_release(ctx->arena, mark);
			rc = dispatch_fail(ctx, CRM_INTERNAL,
			    "pool_log %" PRIu64 " does not decode (crm-check "
			    "reports it)",
			    store_u64(key + 8));
			break;
		}
		if (!visit(r, p, arg)) {
			crm_arena_release(ctx->arena, mark);
		}
	}
	store_iter_close(&it);
	return rc;
}

struct tally {
	const uint64_t *ids;
	size_t n;
	unsigned *reclaimed, *claimed;
};

static int
tally_one(struct report *r, const Crm__Store__PoolRecord *p, void *arg)
{
	(void)r;
	struct tally *t = arg;
	/* A put by no one is a pool rule's reclaim. */
	int rule = p->kind == POOL_PUT && p->by_id == 0;
	int claim = p->kind == POOL_CLAIMED;
	uint64_t who = rule ? p->from_owner_id : p->to_owner_id;
	for (size_t i = 0; i < t->n && (rule || claim); i++) {
		if (t->ids[i] == who) {
			(rule ? t->reclaimed : t->claimed)[i]++;
			(rule ? t->reclaimed : t->claimed)[t->n]++;
			break;
		}
	}
	return 0;
}

crm_status
pool_tally(struct report *r, const uint64_t *ids, size_t n,
    unsigned *reclaimed, unsigned *claimed)
{
	memset(reclaimed, 0, (n + 1) * sizeof(*reclaimed));
	memset(claimed, 0, (n + 1) * sizeof(*claimed));
	struct tally t = { ids, n, reclaimed, claimed };
	return pool_log_each(r, tally_one, &t);
}

struct moves {
	struct report_tab *put;
	struct {
		uint64_t user;
		unsigned n[3];
	} tally[REPORT_POOL_REPS];
	size_t ntally, more;
};

/* Whether customer id is in the reader's team's pool now: pool list
 * shows each one there, with why and from whom, to every member of the
 * team (a rep too, who may not see it elsewhere: auth_can_see). */
static int
in_readers_pool(struct req_ctx *ctx, uint64_t id)
{
	if (ctx->who == NULL || ctx->who->team_id == 0) {
		return 0;
	}
	store_key k;
	store_key_pair(&k, ctx->who->team_id, id);
	return store_has(ctx->st, ctx->txn, DB_POOL, &k, NULL);
}

/* One pool move into report pool's tables: its rep's tally, and a row
 * for each put. */
static int
move_one(struct report *r, const Crm__Store__PoolRecord *p, void *arg)
{
	struct moves *m = arg;
	if (!in_scope(r, p) || p->kind < POOL_PUT || p->kind > POOL_GIVEN) {
		return 0;
	}
	uint64_t who = p->kind == POOL_PUT ? p->from_owner_id : p->to_owner_id;
	size_t i = 0;
	while (i < m->ntally && m->tally[i].user != who) {
		i++;
	}
	if (i == m->ntally && m->ntally < REPORT_POOL_REPS) {
		m->tally[m->ntally].user = who;
		memset(m->tally[m->ntally].n, 0, sizeof(m->tally[0].n));
		m->ntally++;
	}
	if (i < m->ntally) {
		m->tally[i].n[p->kind - 1]++;
	}
	if (p->kind != POOL_PUT) {
		return 0;
	}
	Crm__V1__ReportRow *row = report_row(r, m->put);
	if (row == NULL) {
		m->more++;
		return 0;
	}
	struct req_ctx *ctx = r->ctx;
	report_num(row, 0, (double)p->at);
	int shown = report_customer(r, row, 1, p->customer_id);
	/* What pool list shows a rep, this says too: a customer in the
	 * team's pool is named, with the reason (it was hidden here). */
	if (!shown && in_readers_pool(ctx, p->customer_id)) {
		report_text(r, row, 1, customer_name_of(ctx, p->customer_id));
		shown = 1;
	}
	report_text(r, row, 2, user_login_of(ctx, p->from_owner_id));
	report_text(r, row, 3, shown ? p->reason : "");
	report_text(
	    r, row, 4, p->by_id ? user_login_of(ctx, p->by_id) : "a rule");
	return 1;
}

crm_status
report_pool(struct report *r)
{
	static const struct report_col put_cols[] = {
		{ "at", "when", CRM__V1__REPORT_UNIT__UNIT_TIME },
		{ "customer", "customer", CRM__V1__REPORT_UNIT__UNIT_TEXT },
		{ "former_owner", "former owner",
		    CRM__V1__REPORT_UNIT__UNIT_TEXT },
		{ "reason", "reason", CRM__V1__REPORT_UNIT__UNIT_TEXT },
		{ "by", "by", CRM__V1__REPORT_UNIT__UNIT_TEXT },
	};
	static const struct report_col rep_cols[] = {
		{ "rep", "rep", CRM__V1__REPORT_UNIT__UNIT_TEXT },
		{ "released", "put in the pool",
		    CRM__V1__REPORT_UNIT__UNIT_COUNT },
		{ "claimed", "claimed", CRM__V1__REPORT_UNIT__UNIT_COUNT },
		{ "given", "given from the pool",
		    CRM__V1__REPORT_UNIT__UNIT_COUNT },
	};
	struct req_ctx *ctx = r->ctx;
	struct report_tab *put = report_table(r, "released",
	    "customers put in the pool", 5, put_cols, REPORT_POOL_ROWS);
	struct report_tab *reps = report_table(
	    r, "per_rep", "pool moves per rep", 4, rep_cols, REPORT_POOL_REPS);
	if (put == NULL || reps == NULL) {
		return CRM_TOO_BIG;
	}
	struct moves m = { .put = put };
	crm_status rc = pool_log_each(r, move_one, &m);
	if (rc != CRM_OK) {
		return rc;
	}
	size_t ntally = m.ntally, more = m.more;
	if (more > 0) {
		/* Never cut silently. */
		char title[128];
		snprintf(title, sizeof(title),
		    "customers put in the pool (the first %d; %zu more: "
		    "narrow the period)",
		    REPORT_POOL_ROWS, more);
		put->t->title = crm_arena_strdup(ctx->arena, title);
	}
	for (size_t i = 0; i < ntally; i++) {
		Crm__V1__ReportRow *row = report_row(r, reps);
		if (row == NULL) {
			return CRM_TOO_BIG;
		}
		report_text(r, row, 0, user_login_of(ctx, m.tally[i].user));
		for (size_t k = 0; k < 3; k++) {
			report_num(row, k + 1, m.tally[i].n[k]);
		}
	}
	return CRM_OK;
}
