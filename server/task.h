/* SPDX-License-Identifier: MIT */
/*
 * task.h: the task record API and the cadence engine. Every active
 * customer (any stage but lost) has exactly one open next follow-up (kind
 * follow_up): the cadence's, due at its last follow-up plus its grade's
 * cadence (moved off non-working days, per policy: calendar.h), or a
 * person's (log --next, task move, task cancel --next),
 * which the system never rewrites. Other open tasks (task add's, the
 * re-grade review, greetings) stand beside it. Callers keep that true
 * through task_followup_sync after any change of grade, stage, owner or
 * last contact. Every change the system makes by itself to a task is a
 * customer event (event.h). Records come back in ctx->arena.
 */
#ifndef TASK_H
#define TASK_H

#include <stdint.h>

#include "dispatch.h"
#include "why.h"

/* The goals of a customer's birthday and anniversary greetings. */
#define TASK_GOAL_BIRTHDAY    "生日问候 (birthday greeting)"
#define TASK_GOAL_ANNIVERSARY "周年问候 (company anniversary greeting)"

/* What a new task was planned from (task_create_planned): the time the
 * rule counted from and the follow-up at that time (0: none). */
struct task_plan {
	int64_t from;
	uint64_t followup_id;
};

/*
 * task_cadence_plan: the due time of c's next follow-up by the cadence
 * (policy p, c's stage x grade cell), counted from `from`, never before
 * not_before (0: no floor), moved off non-working days per policy; at
 * churn risk, no later than the running churn-contact clock's deadline
 * (task_cadence_plan_churn).
 * w (may be NULL) gets the explanation. Errors: as calendar_cadence_due.
 */
crm_status task_cadence_plan(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__Customer *c, int64_t from, int64_t not_before,
    struct why_note *w, int64_t *due /* OUT */);

/*
 * What task_cadence_plan_churn did for a customer at churn risk with a
 * running churn-contact clock (seed 000: 流失风险客户 3天内主动联系): its
 * next follow-up is due no later than that clock's deadline. When the
 * cadence's due (moved off non-working days) is after the deadline, it
 * goes back to the last working day whose time of day of the deadline is
 * after the contact counted from, not before not_before and no later
 * than the deadline (TASK_CHURN_WORKING_DAY); with none (or with policy
 * working-days off) to the deadline itself (TASK_CHURN_DEADLINE); with
 * the deadline already before not_before, to not_before: at once
 * (TASK_CHURN_PAST).
 */
enum task_churn_how {
	TASK_CHURN_NONE = 0, /* no cap: no running clock, or due by it */
	TASK_CHURN_WORKING_DAY,
	TASK_CHURN_DEADLINE,
	TASK_CHURN_PAST,
	TASK_CHURN_ANY_DAY, /* policy working-days off: the deadline */
};
struct task_churn_cap {
	uint64_t clock_id;   /* the running churn-contact clock (0: none) */
	int64_t deadline;    /* its deadline */
	int64_t cadence_due; /* the cadence's due before the cap */
	enum task_churn_how how;
};

/* task_cadence_plan_churn: task_cadence_plan, saying in *cap (may be
 * NULL) what the churn-contact deadline did to the due time. */
crm_status task_cadence_plan_churn(struct req_ctx *ctx,
    const Crm__V1__Policy *p, const Crm__V1__Customer *c, int64_t from,
    int64_t not_before, struct why_note *w, struct task_churn_cap *cap,
    int64_t *due /* OUT */);

/*
 * task_regrade_plan: the month-end re-grade review after `after`: 17:00
 * on the last working day of the first month where that is later than
 * after. w as task_cadence_plan. Errors: CRM_INTERNAL.
 */
crm_status task_regrade_plan(struct req_ctx *ctx, int64_t after,
    struct why_note *w, int64_t *due /* OUT */);

/* task_greeting_plan: the next greeting on day (MM-DD or YYYY-MM-DD)
 * after `after`, 09:00 (0: day is no date); w as task_cadence_plan. */
int64_t task_greeting_plan(int64_t after, const char *day, struct why_note *w);

/* task_festival_plan: the first festival after `after` at the greeting
 * hour: *at and its *name (static); 0 when none is known. w as
 * task_cadence_plan. */
int task_festival_plan(int64_t after, struct why_note *w,
    int64_t *at /* OUT */, const char **name /* OUT */);

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

/* task_create_planned: task_create, keeping what it was planned from
 * (plan may be NULL) and the request that planned it (ctx->action). */
crm_status task_create_planned(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t owner_id, int kind, int origin, int64_t due, const char *goal,
    const char *channel, const struct task_plan *plan,
    Crm__V1__Task **out /* OUT */);

/*
 * task_due_on_customer: after is a change of customer before (NULL: a new
 * one): when its name, grade or stage changed, its open tasks' task_open
 * entries get them (each entry holds what due shows). Customer writes
 * call it (customer.c's put). Errors: those of the store.
 */
crm_status task_due_on_customer(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *after);

/*
 * task_due_put: write open task t's task_open entry (key owner || due ||
 * id) with its value: t as due shows it, with customer c's name, grade
 * and stage (c NULL: t's customer, loaded). For writers that bypass
 * task_put (a bulk loader); task_put does this itself.
 */
crm_status task_due_put(
    struct req_ctx *ctx, const Crm__V1__Task *t, const Crm__V1__Customer *c);

/* task_due_value_ok: whether v[0..n), the task_open value of open task
 * t, is what its records say (crm-check). */
int task_due_value_ok(
    struct req_ctx *ctx, const Crm__V1__Task *t, const void *v, size_t n);

/* task_due_reindex: write every open task's task_open value anew, from
 * the records (the schema 12 upgrade). Errors: those of the store. */
crm_status task_due_reindex(struct req_ctx *ctx);

/* task_put: write after (a change of before) keeping the open index. */
crm_status task_put(
    struct req_ctx *ctx, const Crm__V1__Task *before, Crm__V1__Task *after);

/* task_cancel_open: cancel every open task of customer_id, because of why
 * (the customer is lost, or went to the team pool). */
crm_status task_cancel_open(
    struct req_ctx *ctx, uint64_t customer_id, const char *why);

/*
 * task_followup_sync: make c's next follow-up agree with c: none (and no
 * open task at all) when c is lost; otherwise one, created due at from +
 * the grade's cadence. With reschedule, a next follow-up the cadence made
 * moves to from + cadence, never before now; a person's stays. One whose
 * owner may not see c goes to c's owner. Each change is a customer event.
 */
crm_status task_followup_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t from, int reschedule);
/* task_followup_sync_fu: the same, counted from follow-up fu_id (at from;
 * 0: the follow-up found at from, if any), which the task keeps. */
crm_status task_followup_sync_fu(struct req_ctx *ctx,
    const Crm__V1__Customer *c, int64_t from, uint64_t fu_id, int reschedule);
/*
 * task_followup_done: complete c's open follow-up task with follow-up
 * fu_id (0: by hand), done at `at` (the follow-up's time: one logged later
 * with its own time did it then; 0: when the request was made).
 * *task_id gets its id (0: there was none).
 */
crm_status task_followup_done(struct req_ctx *ctx, uint64_t customer_id,
    uint64_t fu_id, int64_t at, uint64_t *task_id /* OUT */);
/*
 * task_followup_replace: cancel c's open next follow-up (if any), saying
 * why in the history, and make a next action in its place: a follow-up
 * task of origin next_action for owner_id, due at due with goal, planned
 * from plan. The cancelled task names it (replaced_by). *out (may be
 * NULL): the new task. Errors: those of the store.
 */
crm_status task_followup_replace(struct req_ctx *ctx,
    const Crm__V1__Customer *c, uint64_t owner_id, int64_t due,
    const char *goal, const struct task_plan *plan, const char *why,
    Crm__V1__Task **out /* OUT */);
/* task_followup_cancel: cancel customer_id's open next follow-up (if
 * any), saying why in the history. Errors: those of the store. */
crm_status task_followup_cancel(
    struct req_ctx *ctx, uint64_t customer_id, const char *why);
/*
 * task_followup_open: customer_id's open follow-up task (the one the
 * task module indexes per customer), or NULL when it has none. *t:
 * borrowed, in the request arena. Errors: those of the store.
 */
crm_status task_followup_open(
    struct req_ctx *ctx, uint64_t customer_id, Crm__V1__Task **t /* OUT */);
/* task_prefetch_followup: read what closing customer_id's open follow-up
 * task will change (its record, its due-queue entry), and with all every
 * task record of the customer
 * (task_cancel_open's walk), in a worker's read transaction, for the
 * writer to find in memory; reads only, errors ignored (the write finds
 * and says them). */
void task_prefetch_followup(
    struct req_ctx *ctx, uint64_t customer_id, int all);

/*
 * task_extras_start: the tasks an active customer has besides its next
 * follow-up: a re-grade review due 17:00 on the last working day of the
 * month (calendar.h; not today's: a later month-end when today is the
 * last; a rep may not cancel it), and a greeting before each
 * birthday and company anniversary it has; each only when none is open
 * (a new customer, one back from lost).
 */
crm_status task_extras_start(struct req_ctx *ctx, const Crm__V1__Customer *c);

/*
 * task_festival_sync: c's festival greeting (seed 000: 节日问候): when its
 * cadence cell asks for greetings, one open greeting task on the next
 * festival (festival.h); when the cell does not, an open one is
 * cancelled.
 */
crm_status task_festival_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__CadenceCell *cell);

/* task_festival_resync: task_festival_sync with c's cell of the policy
 * (after a stage or grade change; nothing for a lost customer). */
crm_status task_festival_resync(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

/*
 * task_greetings_changed: after a customer edit, a changed birthday or
 * anniversary cancels its open greeting and plans the next one.
 */
crm_status task_greetings_changed(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *c);

/*
 * task_contact_greeting: after contact k was added or changed: its open
 * birthday greeting (a greeting task whose ref_id is k's id) is
 * cancelled, and one on its next birthday planned for its customer's
 * owner unless k left or the customer is lost.
 */
crm_status task_contact_greeting(
    struct req_ctx *ctx, const Crm__V1__Contact *k);

/* task_set_ref: set task id's ref_id (the record it tracks). */
crm_status task_set_ref(struct req_ctx *ctx, uint64_t id, uint64_t ref);

/* task_cancel_ref: cancel the open tasks of kind of customer_id whose
 * ref_id is ref and that are due after `after` (INT64_MIN: all), saying
 * why. */
crm_status task_cancel_ref(struct req_ctx *ctx, uint64_t customer_id, int kind,
    uint64_t ref, int64_t after, const char *why);

/* task_move_customer: hang task id under customer to (a merge); an open
 * next follow-up, or a re-grade or greeting to has already, is cancelled:
 * to keeps one of each. Events on to say so. */
crm_status task_move_customer(struct req_ctx *ctx, uint64_t id, uint64_t to);

/*
 * task_reown: after c changed owner or team (or a merge), give c's open
 * tasks that from owned (from: its previous owner, 0: none), or whose
 * owner may not see c any more, to c's owner. Events say so.
 */
crm_status task_reown(
    struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t from);

/* How far before now a planned time may be (a time typed a moment ago)
 * and how far ahead. */
#define TASK_DUE_GRACE (5 * 60)
#define TASK_DUE_AHEAD ((int64_t)3653 * 86400)

/*
 * task_due_check: a planned time (task add, move, cancel --next, log
 * --next --due) is from when the request was made (ctx->at: now, or
 * earlier for a write kept offline; less TASK_DUE_GRACE) to 10 years
 * ahead; else CRM_EINVAL with a message naming `what`.
 */
crm_status task_due_check(struct req_ctx *ctx, int64_t due, const char *what);

/* task_user_sees: whether user_id is active and may see customer c. */
int task_user_sees(
    struct req_ctx *ctx, uint64_t user_id, const Crm__V1__Customer *c);

/* task_collect: append owner's open tasks due by until (due order) to
 * tasks[*n..cap), display fields filled; *more (may be NULL): set when
 * some were left out at cap. */
crm_status task_collect(struct req_ctx *ctx, uint64_t owner, int64_t until,
    Crm__V1__Task **tasks, size_t *n /* IN/OUT */, size_t cap, int *more);

/* task_fill: the display fields (customer, owner, grade, stage). */
void task_fill(struct req_ctx *ctx, Crm__V1__Task *t);

#endif
