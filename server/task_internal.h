/* SPDX-License-Identifier: MIT */
/*
 * task_internal.h: what the task*.c files share and no other file
 * includes: loading a task or its customer, open-ness, closing, the plan
 * a task keeps, the times the history shows. The public API is task.h.
 */
#ifndef TASK_INTERNAL_H
#define TASK_INTERNAL_H

#include <stdint.h>

#include "dispatch.h"

/* task_load / task_load_customer: a task or a customer as stored, with
 * no visibility check. Errors: those of dispatch_record. */
crm_status task_load(struct req_ctx *ctx, uint64_t id, Crm__V1__Task **t);
crm_status task_load_customer(
    struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c);

/* The customer's name, grade and stage on t. */
void task_fill_customer(struct req_ctx *ctx, Crm__V1__Task *t);

int task_is_open(const Crm__V1__Task *t);

int task_is_open_followup(const Crm__V1__Task *t);
/* task_give: open task t goes to owner now (a customer's move, task
 * assign); if it fell due already, the reports keep counting it for
 * whoever held it then (stats_holder: its report owner and until). */
void task_give(struct req_ctx *ctx, Crm__V1__Task *t, uint64_t owner);

/* A time as the history shows it. Borrowed from ctx->arena. */
const char *task_when(struct req_ctx *ctx, int64_t at);

/* Whether customer id has an open task of kind (with goal, if given)
 * other than except. */
int task_has_open(struct req_ctx *ctx, uint64_t customer_id, int kind,
    const char *goal, uint64_t except);

/* Keep on t what it was planned from and by which request. */
void task_set_plan(
    struct req_ctx *ctx, Crm__V1__Task *t, int64_t from, uint64_t fu);

/* Close open task id with status, saying why in the history. */
crm_status task_close(
    struct req_ctx *ctx, uint64_t id, int status, const char *why);

/* The last second of the local month that holds t: a re-grade review
 * covers its month, wherever in it the task was moved. */
int64_t task_end_of_month(int64_t t);

/* After a re-grade or greeting task is done, the next one. */
crm_status task_recur(struct req_ctx *ctx, const Crm__V1__Task *t);

/* task_due_index: the task_open entry of after (a change of before, or
 * new when before is NULL): moved or dropped with its key, and its value
 * (the task as due shows it, task_due.c) written when after is open. */
crm_status task_due_index(struct req_ctx *ctx, const Crm__V1__Task *before,
    const Crm__V1__Task *after);

/* End of today (local) for the "today" window. */
int64_t task_end_of_today(int64_t now);

#endif
