/* SPDX-License-Identifier: MIT */
/*
 * task_cadence.c: the cadence engine: a customer's one open follow-up
 * task, planned from its grade and stage (policy.h) counted from its
 * last contact, moved when either changes, completed by a follow-up.
 * Each change is a customer event (customer why).
 */
#include "task.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "stats.h"
#include "history.h"
#include "lifecycle.h"
#include "policy.h"
#include "routine.h"
#include "sla.h"
#include "store_schema.h"
#include "task_internal.h"
#include "user.h"

/* Seconds as the policy shows an interval: "7d" or "4h" into buf. */
static const char *
interval_word(int64_t every, char *buf, size_t len)
{
	snprintf(buf, len, "%lld%s",
	    (long long)(every % 86400 ? every / 3600 : every / 86400),
	    every % 86400 ? "h" : "d");
	return buf;
}

/* The running churn-contact clock of customer id (the earliest deadline
 * if several): *clock 0 when none. */
static crm_status
churn_clock(
    struct req_ctx *ctx, uint64_t customer, uint64_t *clock, int64_t *deadline)
{
	uint64_t id = 0;
	*clock = 0;
	*deadline = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_SLA_CUST, customer, id,
	           &id) == CRM_OK) {
		Crm__V1__SlaClock *k;
		size_t mark = crm_arena_mark(ctx->arena);
		crm_status rc = sla_clock_load(ctx, id, &k);
		if (rc != CRM_OK) {
			return rc;
		}
		if (k->kind == CRM__V1__SLA_KIND__SLA_CHURN_CONTACT &&
		    !(k->has_stopped_at && k->stopped_at > 0) &&
		    (*clock == 0 || k->deadline_at < *deadline)) {
			*clock = k->id;
			*deadline = k->deadline_at;
		}
		crm_arena_release(ctx->arena, mark);
	}
	return CRM_OK;
}

/* t at the same local time one day earlier. */
static int64_t
day_before(int64_t t)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_mday--;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Step of task_cadence_plan_churn: *due (the cadence's) is after the
 * churn-contact deadline k->deadline: bring it back by it (task.h). */
static crm_status
churn_cap(struct req_ctx *ctx, const Crm__V1__Policy *p, int64_t from,
    int64_t not_before, struct task_churn_cap *k, int64_t *due)
{
	int64_t d = k->deadline;
	if (d < not_before) {
		/* Past already (a stage change dated back): at once. */
		k->how = TASK_CHURN_PAST;
		*due = not_before;
		return CRM_OK;
	}
	k->how = TASK_CHURN_DEADLINE;
	*due = d;
	if (!policy_cadence_working_days(p)) {
		k->how = TASK_CHURN_ANY_DAY;
		return CRM_OK;
	}
	/* Back a day at a time, at the deadline's time of day, while after
	 * the contact it counts from and not before not_before: a deadline
	 * three days after it is set has its time of day today. */
	int64_t t = d;
	for (int i = 0;
	     i < CALENDAR_SEARCH_DAYS && t > from && t >= not_before;
	     i++, t = day_before(t)) {
		int yes = 0;
		crm_status rc = calendar_is_working_day(ctx, t, &yes);
		if (rc != CRM_OK) {
			return rc;
		}
		if (yes) {
			k->how = TASK_CHURN_WORKING_DAY;
			*due = t;
			break;
		}
	}
	return CRM_OK;
}

crm_status
task_cadence_plan_churn(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__Customer *c, int64_t from, int64_t not_before,
    struct why_note *w, struct task_churn_cap *cap, int64_t *due)
{
	const Crm__V1__CadenceCell *gp =
	    policy_cell(p, (int)c->stage, (int)c->grade);
	struct task_churn_cap k = { 0 };
	int64_t at = from + gp->every_seconds;
	if (not_before != 0 && at < not_before) {
		at = not_before;
	}
	crm_status rc = CRM_OK;
	if (c->stage == CRM__V1__STAGE__STAGE_CHURN_RISK) {
		rc = churn_clock(ctx, c->id, &k.clock_id, &k.deadline);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (w != NULL) {
		const char *grade =
		    crm_enum_name(&crm__v1__grade__descriptor, gp->grade);
		char every[32];
		snprintf(w->rule, sizeof(w->rule),
		    "cadence: stage %s x grade %s, every %s from the last "
		    "contact%s%s",
		    crm_enum_name(&crm__v1__stage__descriptor, gp->stage),
		    grade[0] ? grade : "-",
		    interval_word(gp->every_seconds, every, sizeof(every)),
		    policy_cadence_working_days(p)
		        ? ", on a working day (policy working-days on)"
		        : " (policy working-days off: any day)",
		    k.clock_id != 0 ? ", no later than the churn contact "
		                      "deadline (seed 000: 3天内主动联系)"
		                    : "");
		w->rule_at = at;
	}
	rc = calendar_cadence_due_why(ctx, p, at, w ? &w->cal : NULL, due);
	k.cadence_due = *due;
	/* A deadline at or before the contact counted from is none this
	 * plan can keep. */
	if (rc == CRM_OK && k.clock_id != 0 && *due > k.deadline &&
	    k.deadline > from) {
		rc = churn_cap(ctx, p, from, not_before, &k, due);
	}
	if (cap != NULL) {
		*cap = k;
	}
	return rc;
}

crm_status
task_cadence_plan(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__Customer *c, int64_t from, int64_t not_before,
    struct why_note *w, int64_t *due)
{
	return task_cadence_plan_churn(
	    ctx, p, c, from, not_before, w, NULL, due);
}

/* The follow-up a plan counts from: fu, else the customer's follow-up at
 * exactly from (0: none, e.g. a customer just added). */
static uint64_t
plan_followup(
    struct req_ctx *ctx, uint64_t customer, int64_t from, uint64_t fu)
{
	uint64_t id = 0;
	if (fu != 0) {
		return fu;
	}
	return history_followup_at(ctx, customer, from, &id) == CRM_OK ? id
	                                                               : 0;
}

crm_status
task_followup_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t from, int reschedule)
{
	return task_followup_sync_fu(ctx, c, from, 0, reschedule);
}

/* Whether a and b say the same (NULL as ""). */
static int
same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Event: new next follow-up task_id of customer is due by its churn
 * contact deadline (cap). */
static crm_status
churn_event(struct req_ctx *ctx, uint64_t customer, uint64_t task_id,
    const struct task_churn_cap *cap, int64_t due)
{
	const char *words = why_churn_words(ctx, cap);
	return event_add(ctx, customer, task_id,
	    "at churn risk, the next follow-up is due no later than the "
	    "churn contact deadline (seed 000: 流失风险客户 3天内主动联系)",
	    "next follow-up %" PRIu64 " due %s: %s", task_id,
	    task_when(ctx, due), words ? words : "");
}

/* Step of task_followup_sync_fu: c has no open follow-up task: plan one
 * at the cadence of cell gp counted from `from` (off non-working days,
 * per policy: said in an event when it moves). Counted from a contact
 * before c entered its stage (a customer imported or added as won, its
 * last follow-up older than the win), the plan is the stage's, made
 * now: never into the past, as a stage change moves it. A contact long
 * ago with nothing since is overdue, and the plan says so. */
static crm_status
plan_new(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__CadenceCell *gp, const Crm__V1__Customer *c, int64_t from,
    uint64_t fu_id)
{
	int64_t due = from + gp->every_seconds, cadence_due = due;
	int64_t entered = 0, floor = 0;
	struct task_churn_cap cap = { 0 };
	Crm__V1__Task *t;
	struct task_plan plan = { from,
		plan_followup(ctx, c->id, from, fu_id) };
	crm_status rc = lifecycle_stage_entered(ctx, c->id, &entered);
	if (rc == CRM_OK && entered > from && cadence_due < ctx->now) {
		floor = cadence_due = ctx->now;
	}
	if (rc == CRM_OK) {
		rc = task_cadence_plan_churn(
		    ctx, p, c, from, floor, NULL, &cap, &due);
	}
	if (rc == CRM_OK) {
		rc = task_create_planned(ctx, c, c->owner_id,
		    CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
		    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, due, gp->goal,
		    policy_cell_channels(ctx, gp), &plan, &t);
	}
	if (rc == CRM_OK && floor != 0) {
		rc = event_add(ctx, c->id, t->id,
		    "the plan is the stage's, made now (never into the "
		    "past)",
		    "next follow-up %" PRIu64 " due from now: the cadence "
		    "from the last contact (%s) said %s, before stage %s "
		    "was entered (%s)",
		    t->id, task_when(ctx, from),
		    task_when(ctx, from + gp->every_seconds),
		    crm_enum_name(&crm__v1__stage__descriptor, (int)c->stage),
		    task_when(ctx, entered));
	}
	if (rc == CRM_OK && cap.how != TASK_CHURN_NONE) {
		rc = churn_event(ctx, c->id, t->id, &cap, due);
	} else if (rc == CRM_OK && due != cadence_due) {
		rc = event_add(ctx, c->id, t->id,
		    "the cadence's day is not a working day (the "
		    "calendar; policy working-days)",
		    "next follow-up %" PRIu64 " due %s, on the next "
		    "working day after %s",
		    t->id, task_when(ctx, due), task_when(ctx, cadence_due));
	}
	return rc;
}

/* The cadence's reason for cell gp, as events say it (cap: what the
 * churn contact deadline did, as task_cadence_plan_churn said). */
static void
cadence_why(struct req_ctx *ctx, char *why, size_t len,
    const Crm__V1__CadenceCell *gp, int off_day,
    const struct task_churn_cap *cap)
{
	const char *grade =
	    crm_enum_name(&crm__v1__grade__descriptor, gp->grade);
	const char *stage =
	    crm_enum_name(&crm__v1__stage__descriptor, gp->stage);
	int64_t every = gp->every_seconds;
	int n = snprintf(why, len,
	    "stage %s, grade %s: every %lld %s from the last contact%s", stage,
	    grade[0] ? grade : "-",
	    (long long)(every % 86400 ? every / 3600 : every / 86400),
	    every % 86400 ? "h" : "d",
	    off_day && cap->how == TASK_CHURN_NONE
	        ? ", on the next working day"
	        : "");
	const char *words = why_churn_words(ctx, cap);
	if (words != NULL && n > 0 && (size_t)n < len) {
		snprintf(why + n, len - (size_t)n, "; %s", words);
	}
}

/* Step of task_followup_sync_fu: c's open follow-up task cur follows the
 * cadence of cell gp counted from `from`. Only a next follow-up the
 * cadence made follows the grade; a person's (log --next, task move,
 * task cancel --next) is kept, and so is an overdue one (a missed
 * follow-up stays missed). Never into the past: the earliest is now;
 * then off non-working days, per policy. One its owner may not see goes
 * to c's owner. */
static crm_status
replan_open(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__CadenceCell *gp, const Crm__V1__Customer *c,
    Crm__V1__Task *cur, int64_t from, uint64_t fu_id, int reschedule)
{
	int64_t due = from + gp->every_seconds, cadence_due = due;
	int cadence = cur->origin == CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE;
	struct task_churn_cap cap = { 0 };
	if (due < ctx->now) {
		cadence_due = ctx->now;
	}
	crm_status rc = task_cadence_plan_churn(
	    ctx, p, c, from, ctx->now, NULL, &cap, &due);
	if (rc != CRM_OK) {
		return rc;
	}
	char why[640];
	cadence_why(ctx, why, sizeof(why), gp, due != cadence_due, &cap);
	/* A missed one stays missed: a next follow-up that fell due after
	 * it was planned and is overdue now is not moved (any move is to
	 * now or later), so a grade or stage change never hides it from
	 * due and the period it was planned in. One overdue the moment it
	 * was made (a customer entered late) was missed by nobody. One a
	 * follow-up planned was made when that follow-up happened (a
	 * follow-up typed in later counts as of its own time in all it
	 * sets): overdue since, it was missed. */
	int missed =
	    cur->due_at < ctx->now && cur->due_at > stats_task_made_at(cur);
	int move = reschedule && cadence && cur->due_at != due && !missed;
	/* The cell's goal and channels go with it when its time stays (a
	 * stage or grade change to a cell of the same interval, or a
	 * missed one, which keeps its time but is what to do now for the
	 * customer as it is), as they do when it moves; a person's next
	 * follow-up keeps its own, as it keeps its time. */
	char *channels = policy_cell_channels(ctx, gp);
	int regoal = reschedule && cadence && !move &&
	             (!same_text(cur->goal, gp->goal) ||
	                 !same_text(cur->suggested_channels, channels));
	const char *kept = NULL; /* why it stays where it is */
	if (reschedule && cur->due_at != due) {
		kept = !cadence ? "a person set it: only a next follow-up the "
		                  "cadence made moves with the grade"
		       : missed
		           ? "it is overdue: a grade or stage change does "
		             "not move a missed follow-up"
		           : NULL;
	}
	if (kept != NULL) {
		rc = event_add(ctx, c->id, cur->id, kept,
		    "next follow-up %" PRIu64 " kept at %s (the cadence, %s, "
		    "would say %s)",
		    cur->id, task_when(ctx, cur->due_at), why,
		    task_when(ctx, due));
	}
	int give = !task_user_sees(ctx, cur->owner_id, c);
	/* What it counts from is kept with it (customer why). */
	/* A missed one keeps what it was planned from, as it keeps its
	 * time: counted from a newer contact, it would read as made after
	 * it fell due, and the next change would move it. */
	int replan = reschedule && cadence && !missed &&
	             (!cur->has_plan_from_at || cur->plan_from_at != from);
	if (rc != CRM_OK || (!move && !give && !replan && !regoal)) {
		return rc;
	}
	Crm__V1__Task *before;
	rc = task_load(ctx, cur->id, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	if (give) {
		cur->owner_id = c->owner_id;
		rc = event_add(ctx, c->id, cur->id,
		    "its owner may not see the customer",
		    "next follow-up %" PRIu64 " given to %s", cur->id,
		    user_login_of(ctx, c->owner_id));
	}
	if (rc == CRM_OK && move) {
		rc = event_add(ctx, c->id, cur->id, why,
		    "next follow-up %" PRIu64 " moved from %s to %s", cur->id,
		    task_when(ctx, cur->due_at), task_when(ctx, due));
		cur->due_at = due;
		cur->goal = gp->goal;
		cur->suggested_channels = channels;
	}
	if (rc == CRM_OK && regoal) {
		rc = event_add(ctx, c->id, cur->id, why,
		    "next follow-up %" PRIu64 " stays due %s; its goal and "
		    "channels now the cell's: %s (%s)",
		    cur->id, task_when(ctx, cur->due_at),
		    gp->goal ? gp->goal : "-",
		    channels && *channels ? channels : "-");
		cur->goal = gp->goal;
		cur->suggested_channels = channels;
	}
	if (move || replan) {
		task_set_plan(
		    ctx, cur, from, plan_followup(ctx, c->id, from, fu_id));
	}
	return rc == CRM_OK ? task_put(ctx, before, cur) : rc;
}

crm_status
task_followup_sync_fu(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t from, uint64_t fu_id, int reschedule)
{
	Crm__V1__Task *cur;
	crm_status rc = task_followup_open(ctx, c->id, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	if (c->stage == CRM__V1__STAGE__STAGE_LOST) {
		/* A lost customer is followed no more: every open task of
		 * it ends. */
		rc = routine_sync_customer(ctx, c);
		return rc != CRM_OK ? rc
		                    : task_cancel_open(
		                          ctx, c->id, "the customer is lost");
	}
	if (c->owner_id == 0) {
		/* In the team pool (pool.h): nobody follows it until it is
		 * claimed or given (its team routines let go of it). */
		rc = routine_sync_customer(ctx, c);
		return rc != CRM_OK ? rc
		                    : task_cancel_open(ctx, c->id,
		                          "the customer is in the pool");
	}
	Crm__V1__Policy *p;
	rc = policy_load(ctx, &p);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__CadenceCell *gp =
	    policy_cell(p, (int)c->stage, (int)c->grade);
	/* A touch plans routines. Festival greetings follow a stage or
	 * grade change instead (task_festival_resync): their scan of the
	 * customer's tasks is too dear for every follow-up. */
	rc = routine_sync_customer(ctx, c);
	if (rc != CRM_OK) {
		return rc;
	}
	return cur == NULL
	           ? plan_new(ctx, p, gp, c, from, fu_id)
	           : replan_open(ctx, p, gp, c, cur, from, fu_id, reschedule);
}

crm_status
task_followup_done(struct req_ctx *ctx, uint64_t customer_id, uint64_t fu_id,
    int64_t at, uint64_t *task_id)
{
	Crm__V1__Task *cur, *before;
	*task_id = 0;
	crm_status rc = task_followup_open(ctx, customer_id, &cur);
	if (rc != CRM_OK || cur == NULL) {
		return rc;
	}
	rc = task_load(ctx, cur->id, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	cur->status = CRM__V1__TASK_STATUS__TASK_DONE;
	cur->has_done_at = 1;
	cur->done_at =
	    at != 0 && at < dispatch_at(ctx) ? at : dispatch_at(ctx);
	if (fu_id != 0) {
		cur->has_done_by = 1;
		cur->done_by = fu_id;
	}
	*task_id = cur->id;
	return task_put(ctx, before, cur);
}

crm_status
task_followup_cancel(
    struct req_ctx *ctx, uint64_t customer_id, const char *why)
{
	Crm__V1__Task *cur;
	crm_status rc = task_followup_open(ctx, customer_id, &cur);
	if (rc == CRM_OK && cur != NULL) {
		rc = task_close(
		    ctx, cur->id, CRM__V1__TASK_STATUS__TASK_CANCELLED, why);
	}
	return rc;
}

crm_status
task_followup_replace(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t owner_id, int64_t due, const char *goal,
    const struct task_plan *plan, const char *why, Crm__V1__Task **out)
{
	Crm__V1__Task *cur, *t;
	crm_status rc = task_followup_open(ctx, c->id, &cur);
	/* Closed first: task_put keeps one open follow-up per customer. */
	if (rc == CRM_OK && cur != NULL) {
		rc = task_close(
		    ctx, cur->id, CRM__V1__TASK_STATUS__TASK_CANCELLED, why);
	}
	if (rc == CRM_OK) {
		rc = task_create_planned(ctx, c, owner_id,
		    CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
		    CRM__V1__TASK_ORIGIN__ORIGIN_NEXT_ACTION, due, goal, NULL,
		    plan, &t);
	}
	if (rc == CRM_OK && cur != NULL) {
		Crm__V1__Task *before, *closed;
		rc = task_load(ctx, cur->id, &before);
		if (rc == CRM_OK) {
			rc = task_load(ctx, cur->id, &closed);
		}
		if (rc == CRM_OK) {
			closed->has_replaced_by = 1;
			closed->replaced_by = t->id;
			rc = task_put(ctx, before, closed);
		}
	}
	if (rc == CRM_OK && out != NULL) {
		*out = t;
	}
	return rc;
}
