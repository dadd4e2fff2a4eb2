/* SPDX-License-Identifier: MIT */
/*
 * event.h: customer events, the changes the server makes by itself to a
 * customer's plans (a next follow-up rescheduled after a grade change, a
 * task cancelled when the customer is lost, tasks given to a customer's
 * new owner), each with why. They are what `customer history` shows of
 * such changes; the tasks themselves are in task.h.
 *
 * Stored in DB_CUST_EVENT under customer id || at (biased, see
 * store_time_key) || event id, so one customer's events are one index
 * range in time order, and new ones land at its right edge.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdint.h>

#include "dispatch.h"

/*
 * event_add: record at ctx->now, on customer customer_id, caused by
 * ctx->who (or the server), that text happened to task task_id (0: none)
 * because of reason. text is a printf format. Errors: as store_put_msg.
 */
crm_status event_add(struct req_ctx *ctx, uint64_t customer_id,
    uint64_t task_id, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * event_add_kind: event_add with the kind the history shows it under
 * ("grade": a grade a person set directly; "owner": the customer given to
 * someone else); NULL: an automatic change ("event").
 */
crm_status event_add_kind(struct req_ctx *ctx, uint64_t customer_id,
    uint64_t task_id, const char *kind, const char *reason, const char *fmt,
    ...) __attribute__((format(printf, 6, 7)));

/*
 * event_add_owner: the "owner" event of a hand-over (customer assign,
 * claim, hand-over, release to the pool) from holder `from` to `to`
 * (0: the pool), as event_add_kind.
 */
crm_status event_add_owner(struct req_ctx *ctx, uint64_t customer_id,
    uint64_t from, uint64_t to, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * event_holder_at: who held customer_id at time `at`, from its first
 * hand-over after then, into *holder (0: the pool). Errors: CRM_NOT_FOUND
 * when none came after it (the holder now held it) or that one is older
 * than the events that say (not known); CRM_INTERNAL (an event that does
 * not decode, in ctx->msg); store.
 */
crm_status event_holder_at(
    struct req_ctx *ctx, uint64_t customer_id, int64_t at, uint64_t *holder);

struct check;
/* event_check (crm-check): every event decodes, is keyed by its own
 * customer, time and id, names an existing customer, and the "event"
 * sequence is ahead of it. */
crm_status event_check(struct check *c);

#endif
