/* SPDX-License-Identifier: MIT */
/*
 * task.h: the task record API and the cadence engine. Every active
 * customer (any stage but lost) has exactly one open follow-up task, due
 * at its last follow-up plus its grade's cadence; callers keep that true
 * through task_followup_sync after any change of grade, stage, owner or
 * last contact. Records come back in ctx->arena.
 */
#ifndef TASK_H
#define TASK_H

#include <stdint.h>

#include "dispatch.h"

/* task_get: by id, visible to ctx->who (owner, or the customer visible).
 * Errors: CRM_NOT_FOUND. */
crm_status task_get(
    struct req_ctx *ctx, uint64_t id, Crm__V1__Task **t /* OUT */);

/*
 * task_create: a new open task for customer c, owned by owner_id, with
 * its indexes and audit record; *out (may be NULL) gets it.
 */
crm_status task_create(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t owner_id, int kind, int origin, int64_t due, const char *goal,
    const char *channel, Crm__V1__Task **out /* OUT */);

/* task_put: write after (a change of before) keeping the open index. */
crm_status task_put(
    struct req_ctx *ctx, const Crm__V1__Task *before, Crm__V1__Task *after);

/*
 * task_followup_sync: make c's open follow-up task agree with c: none
 * when c is lost; otherwise one, due at from + the grade's cadence when
 * reschedule or when it is created, owned by c's owner.
 */
crm_status task_followup_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t from, int reschedule);

/*
 * task_followup_done: complete c's open follow-up task with follow-up
 * fu_id (0: by hand). *task_id gets its id (0: there was none).
 */
crm_status task_followup_done(struct req_ctx *ctx, uint64_t customer_id,
    uint64_t fu_id, uint64_t *task_id /* OUT */);

/*
 * task_extras_start: the tasks every new customer gets besides its
 * follow-up: a monthly re-grade review, and a greeting before each
 * birthday and company anniversary it has.
 */
crm_status task_extras_start(struct req_ctx *ctx, const Crm__V1__Customer *c);

/* task_move_customer: hang task id under customer to (a merge); an open
 * follow-up task is cancelled, since to has its own. */
crm_status task_move_customer(struct req_ctx *ctx, uint64_t id, uint64_t to);

/* task_reown: give customer id's open tasks of from to to. */
crm_status task_reown(
    struct req_ctx *ctx, uint64_t customer_id, uint64_t from, uint64_t to);

/* task_collect: append owner's open tasks due by until (due order) to
 * tasks[*n..cap), display fields filled. */
crm_status task_collect(struct req_ctx *ctx, uint64_t owner, int64_t until,
    Crm__V1__Task **tasks, size_t *n /* IN/OUT */, size_t cap);

/* task_fill: the display fields (customer, owner, grade, stage). */
void task_fill(struct req_ctx *ctx, Crm__V1__Task *t);

#endif
