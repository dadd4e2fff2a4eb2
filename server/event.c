/* SPDX-License-Identifier: MIT */
/*
 * event.c: customer events (event.h): the record of a change the server
 * made to a customer's plans by itself, and why. Written beside the change
 * in the same transaction; read by customer history.
 */
#include "event.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crm.h"
#include "store_schema.h"
#include "user.h"

#define EVENT_TEXT_MAX 512

/* The holders of an "owner" event, before and after; NULL: none. */
struct holders {
	uint64_t from, to;
};

static crm_status event_vadd(struct req_ctx *ctx, uint64_t customer_id,
    uint64_t task_id, const char *kind, const struct holders *given,
    const char *reason, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));

static crm_status
event_vadd(struct req_ctx *ctx, uint64_t customer_id, uint64_t task_id,
    const char *kind, const struct holders *given, const char *reason,
    const char *fmt, va_list ap)
{
	char *text = crm_arena_alloc(ctx->arena, EVENT_TEXT_MAX);
	if (text == NULL) {
		return CRM_TOO_BIG;
	}
	vsnprintf(text, EVENT_TEXT_MAX, fmt, ap);
	Crm__V1__CustomerEvent e = CRM__V1__CUSTOMER_EVENT__INIT;
	e.kind = (char *)kind;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "event", &e.id);
	if (rc != CRM_OK) {
		return rc;
	}
	e.has_id = e.has_customer_id = e.has_happened_at = 1;
	e.customer_id = customer_id;
	/* With the request that made it (dispatch_at: a write kept offline
	 * is dated when it was made), so the entry stands beside it. */
	e.happened_at = dispatch_at(ctx);
	if (ctx->who != NULL && ctx->who->user_id != 0) {
		e.has_by_id = 1;
		e.by_id = ctx->who->user_id;
	}
	if (task_id != 0) {
		e.has_task_id = 1;
		e.task_id = task_id;
	}
	if (given != NULL) {
		e.has_owner_from_id = e.has_owner_to_id = 1;
		e.owner_from_id = given->from;
		e.owner_to_id = given->to;
	}
	e.text = text;
	e.reason = (char *)reason;
	store_key k;
	store_key_triple(&k, customer_id, store_time_key(e.happened_at), e.id);
	return store_put_msg(ctx->st, ctx->txn, DB_CUST_EVENT, &k, &e.base);
}

crm_status
event_add(struct req_ctx *ctx, uint64_t customer_id, uint64_t task_id,
    const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	crm_status rc =
	    event_vadd(ctx, customer_id, task_id, NULL, NULL, reason, fmt, ap);
	va_end(ap);
	return rc;
}

crm_status
event_add_kind(struct req_ctx *ctx, uint64_t customer_id, uint64_t task_id,
    const char *kind, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	crm_status rc =
	    event_vadd(ctx, customer_id, task_id, kind, NULL, reason, fmt, ap);
	va_end(ap);
	return rc;
}

crm_status
event_add_owner(struct req_ctx *ctx, uint64_t customer_id, uint64_t from,
    uint64_t to, const char *reason, const char *fmt, ...)
{
	struct holders given = { from, to };
	va_list ap;
	va_start(ap, fmt);
	crm_status rc =
	    event_vadd(ctx, customer_id, 0, "owner", &given, reason, fmt, ap);
	va_end(ap);
	return rc;
}

/* The event at iterator it, decoded into ctx's arena; NULL: it does
 * not decode. */
static Crm__V1__CustomerEvent *
event_at(struct req_ctx *ctx, struct store_iter *it)
{
	const void *data;
	size_t len;
	if (!store_iter_data(it, &data, &len)) {
		return NULL;
	}
	return (Crm__V1__CustomerEvent *)protobuf_c_message_unpack(
	    &crm__v1__customer_event__descriptor, &ctx->arena->allocator, len,
	    data);
}

crm_status
event_holder_at(
    struct req_ctx *ctx, uint64_t customer_id, int64_t at, uint64_t *holder)
{
	store_key prefix, from;
	store_key_id(&prefix, customer_id);
	store_key_id(&from, store_time_key(at) + 1); /* after at */
	struct store_iter it;
	crm_status rc = store_iter_open(ctx->st, ctx->txn, DB_CUST_EVENT,
	    prefix.b, prefix.len, &from, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	rc = CRM_NOT_FOUND;
	while (rc == CRM_NOT_FOUND && store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__CustomerEvent *e = event_at(ctx, &it);
		if (e == NULL) {
			rc = dispatch_fail(ctx, CRM_INTERNAL,
			    "an event of customer %" PRIu64 " does not decode",
			    customer_id);
		} else if (e->kind != NULL && strcmp(e->kind, "owner") == 0) {
			/* The first hand-over after at: its giver held it
			 * then (an older one without ids: not known). */
			*holder = e->owner_from_id;
			rc = e->has_owner_from_id ? CRM_OK : CRM_NOT_FOUND;
			crm_arena_release(ctx->arena, mark);
			break;
		}
		crm_arena_release(ctx->arena, mark);
	}
	store_iter_close(&it);
	return rc;
}

crm_status
event_check(struct check *c)
{
	struct req_ctx *ctx = c->ctx;
	struct store_iter it;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_CUST_EVENT, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	uint64_t max = 0;
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__CustomerEvent *e = event_at(ctx, &it);
		store_key want;
		Crm__V1__Customer *cu;
		if (e == NULL) {
			check_problem(
			    c, "cust_event: a record does not decode");
		} else if (store_key_triple(&want, e->customer_id,
		               store_time_key(e->happened_at), e->id),
		    klen != 24 || memcmp(key, want.b, 24) != 0) {
			check_problem(c,
			    "event %llu: not keyed by its customer, time and "
			    "id",
			    (unsigned long long)e->id);
		} else if (dispatch_record(ctx, DB_CUSTOMERS, e->customer_id,
		               &crm__v1__customer__descriptor,
		               (ProtobufCMessage **)&cu) != CRM_OK) {
			check_problem(c, "event %llu: no customer %llu",
			    (unsigned long long)e->id,
			    (unsigned long long)e->customer_id);
		}
		if (e != NULL && e->id > max) {
			max = e->id;
		}
		c->records++;
		crm_arena_release(ctx->arena, mark);
	}
	store_iter_close(&it);
	if (max > 0 && store_seq_peek(ctx->st, ctx->txn, "event") <= max) {
		check_problem(c, "sequence event is not ahead of event %llu",
		    (unsigned long long)max);
	}
	return CRM_OK;
}
