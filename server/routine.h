/* SPDX-License-Identifier: MIT */
/*
 * routine.h: calendar routines (seeds 000 and 001: 每月15日进行常规回访,
 * 每周三同步客户需求, 每季度末制定季度总结): a customer's routine makes
 * each occurrence its own task (kind routine, ref_id the routine), for
 * the customer's owner, ROUTINE_AHEAD before it is due. There is no
 * cron: occurrences are planned when the routine is added, when a write
 * touches its customer (task_followup_sync), when an occurrence closes,
 * and by the writer's periodic sweep (routine_sweep).
 *
 * A team routine (team_id set, no customer) does the same for every
 * active customer of the team (not lost, merged or in the pool; at its
 * stage and grade when it names them): one task per customer, for the
 * customer's owner. DB_ROUTINE_TEAM lists a team's routines;
 * DB_ROUTINE_PLAN (customer || routine || until) says how far each is
 * planned for each customer. routine_sync_customer plans them for a
 * customer who joined or came to match, and ends the open ones of a
 * customer who no longer matches; the sweep walks the team's customers
 * only when a new occurrence has come within ROUTINE_AHEAD.
 */
#ifndef ROUTINE_H
#define ROUTINE_H

#include "dispatch.h"
#include "why.h"

/* ROUTINE_AHEAD: how far ahead occurrences exist (14 days: `due week`
 * shows them). */
#define ROUTINE_AHEAD ((int64_t)14 * 86400)

/* routine_occurrence_after: the first occurrence of r strictly after
 * `after` (local time), before any move to a working day; 0 when none
 * within 400 days. */
int64_t routine_occurrence_after(const Crm__V1__Routine *r, int64_t after);

/* routine_due: the due time of r's occurrence at `at`: the next working
 * day on or after it (calendar.h); w (may be NULL) gets the explanation
 * (why.h). Errors: as calendar_next_working_day. */
crm_status routine_due(struct req_ctx *ctx, const Crm__V1__Routine *r,
    int64_t at, struct why_note *w, int64_t *due /* OUT */);

/* routine_sync_customer: plan the occurrences of customer c's routines
 * up to now + ROUTINE_AHEAD. */
crm_status routine_sync_customer(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

/* routine_sweep: the same for up to `max` routines from id *from on
 * (the writer's periodic sweep; *from gets where the next step starts,
 * 0 when the sweep reached the end). *planned counts new occurrences,
 * and team routines whose planned_until moved on (their record changed,
 * so the step must commit). */
crm_status routine_sweep(
    struct req_ctx *ctx, uint64_t *from, unsigned max, unsigned *planned);

/* routine_forget_customer: the team routines planned for customer cust
 * let go of it: their open occurrences of it are cancelled (why) and
 * their DB_ROUTINE_PLAN entries removed (a merge's dropped customer,
 * before its tasks move to the kept one, which has its own). */
crm_status routine_forget_customer(
    struct req_ctx *ctx, uint64_t cust, const char *why);

/* routine_move: routine id now belongs to customer to (a merge; its
 * open occurrences move with the customer's tasks). */
/* routine_pooled: customer cust went to the pool (its open tasks are
 * cancelled): its routines' plans are dropped, so a claim plans them
 * again from then. */
crm_status routine_pooled(struct req_ctx *ctx, uint64_t cust, const char *why);

crm_status routine_move(struct req_ctx *ctx, uint64_t id, uint64_t to);

#endif
