/* SPDX-License-Identifier: MIT */
/*
 * task_extras.c: the tasks a customer has besides its next follow-up:
 * the month-end grade review (seed 002), birthday and company
 * anniversary greetings of the customer and its contacts, festival
 * greetings (festival.h), and the next of each once one is done.
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
#include "festival.h"
#include "policy.h"
#include "routine.h"
#include "store_schema.h"
#include "task_internal.h"
#include "user.h"

#define REGRADE_HOUR  17 /* the review is due by the day's end */
#define GREETING_HOUR 9

/* The next MM-DD (or YYYY-MM-DD: its month and day) whose day has not
 * ended by now, at 09:00 local time (or now, when that is today and
 * 09:00 has passed: a birthday entered on the day is greeted that day);
 * 0 when day is not a date. */
static int64_t
next_occurrence(int64_t now, const char *day)
{
	if (day == NULL || !crm_time_valid_day(day)) {
		return 0;
	}
	const char *md = strlen(day) == 10 ? day + 5 : day;
	int m = atoi(md), d = atoi(md + 3);
	time_t v = (time_t)now;
	struct tm tm;
	localtime_r(&v, &tm);
	for (int year = tm.tm_year; year <= tm.tm_year + 8; year++) {
		int y = year + 1900;
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		struct tm t = { 0 };
		t.tm_year = year;
		t.tm_mon = m - 1;
		/* 02-29 is greeted on 02-28 in the other years. */
		t.tm_mday = m == 2 && d == 29 && !leap ? 28 : d;
		t.tm_hour = GREETING_HOUR;
		t.tm_isdst = -1;
		time_t at = mktime(&t);
		struct tm e = t;
		e.tm_hour = 23;
		e.tm_min = e.tm_sec = 59;
		e.tm_isdst = -1;
		time_t end = mktime(&e);
		if (t.tm_mon == m - 1 && (int64_t)end > now) {
			return (int64_t)at > now ? (int64_t)at : now;
		}
	}
	return 0;
}

int64_t
task_greeting_plan(int64_t after, const char *day, struct why_note *w)
{
	int64_t at = next_occurrence(after, day);
	if (w != NULL) {
		const char *md =
		    day != NULL && strlen(day) == 10 ? day + 5 : day;
		snprintf(w->rule, sizeof(w->rule),
		    "greeting: %02d:00 on the day (%s), every year%s (seed "
		    "001: "
		    "节日问候 (如生日))",
		    GREETING_HOUR, day ? day : "",
		    md != NULL && strcmp(md, "02-29") == 0
		        ? ", on 02-28 in a year without 02-29"
		        : "");
		w->rule_at = at;
	}
	return at;
}

int
task_festival_plan(
    int64_t after, struct why_note *w, int64_t *at, const char **name)
{
	int yes = festival_next(after, GREETING_HOUR, at, name);
	if (w != NULL && yes) {
		snprintf(w->rule, sizeof(w->rule),
		    "festival greeting: %s, %02d:00 on its day, while the "
		    "stage x grade cell asks greetings (seed 000: 节日问候)",
		    *name, GREETING_HOUR);
		w->rule_at = *at;
	}
	return yes;
}

/* A greeting task on the next day (after `after`), unless one is open. */
static crm_status
greeting(struct req_ctx *ctx, const Crm__V1__Customer *c, const char *day,
    const char *goal, int64_t after)
{
	int64_t at = task_greeting_plan(after, day, NULL);
	if (at == 0 || task_has_open(ctx, c->id,
	                   CRM__V1__TASK_KIND__TASK_GREETING, goal, 0)) {
		return CRM_OK;
	}
	struct task_plan plan = { after, 0 };
	return task_create_planned(ctx, c, c->owner_id,
	    CRM__V1__TASK_KIND__TASK_GREETING,
	    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at, goal, NULL, &plan, NULL);
}

#define GOAL_BIRTHDAY    TASK_GOAL_BIRTHDAY
#define GOAL_ANNIVERSARY TASK_GOAL_ANNIVERSARY
#define GOAL_REGRADE     "月度等级复评 (monthly grade review)"

/*
 * The month-end review after `after` (seed 002: 每月末根据客户进展重新评估
 * 分级): REGRADE_HOUR on the last working day (calendar.h) of the first
 * month where that is later than after.
 */

crm_status
task_regrade_plan(
    struct req_ctx *ctx, int64_t after, struct why_note *w, int64_t *due)
{
	time_t v = (time_t)after;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	for (int i = 0; i < 3; i++) {
		tm.tm_isdst = -1;
		int64_t month = (int64_t)mktime(&tm);
		if (w != NULL) {
			/* This month's walk only. */
			w->cal.n = 0;
			w->cal.more = 0;
		}
		crm_status rc = calendar_last_working_day_why(
		    ctx, month, REGRADE_HOUR, w ? &w->cal : NULL, due);
		if (rc != CRM_OK || *due > after) {
			if (rc == CRM_OK && w != NULL) {
				snprintf(w->rule, sizeof(w->rule),
				    "monthly grade review: %d:00 on the last "
				    "working day of the month (seed 002: "
				    "每月末根据客户进展重新评估分级)",
				    REGRADE_HOUR);
				w->rule_at = task_end_of_month(month) + 1 -
				             (24 - REGRADE_HOUR) * 3600;
			}
			return rc;
		}
		tm.tm_mon++; /* mktime carries it into the next year */
	}
	return dispatch_fail(
	    ctx, CRM_INTERNAL, "no month-end after %s", task_when(ctx, after));
}

/* The last second of the local month that holds t: a re-grade review
 * covers its month, wherever in it the task was moved. */
int64_t
task_end_of_month(int64_t t)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_mday = 1;
	tm.tm_mon++; /* mktime carries it into the next year */
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) - 1;
}

/* The month-end re-grade review after `after`, unless one is open: one
 * per customer; *out (may be NULL) gets the new one, else NULL. */
static crm_status
regrade(struct req_ctx *ctx, const Crm__V1__Customer *c, int64_t after,
    Crm__V1__Task **out)
{
	if (out != NULL) {
		*out = NULL;
	}
	if (task_has_open(
	        ctx, c->id, CRM__V1__TASK_KIND__TASK_REGRADE, NULL, 0)) {
		return CRM_OK;
	}
	int64_t due;
	struct task_plan plan = { after, 0 };
	crm_status rc = task_regrade_plan(ctx, after, NULL, &due);
	return rc != CRM_OK ? rc
	                    : task_create_planned(ctx, c, c->owner_id,
	                          CRM__V1__TASK_KIND__TASK_REGRADE,
	                          CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, due,
	                          GOAL_REGRADE, NULL, &plan, out);
}

static crm_status contact_greeting(struct req_ctx *ctx,
    const Crm__V1__Customer *c, const Crm__V1__Contact *k, int64_t after);

crm_status
task_extras_start(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	/* A customer graded today is not reviewed today: its first
	 * review is a later month-end. */
	crm_status rc = regrade(ctx, c, task_end_of_today(ctx->now), NULL);
	if (rc == CRM_OK) {
		rc = task_festival_resync(ctx, c);
	}
	if (rc == CRM_OK) {
		rc = greeting(ctx, c, c->birthday, GOAL_BIRTHDAY, ctx->now);
	}
	if (rc == CRM_OK) {
		rc = greeting(
		    ctx, c, c->anniversary, GOAL_ANNIVERSARY, ctx->now);
	}
	/* Its contacts' birthdays (a customer back from lost). */
	uint64_t kid = 0;
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn,
	                        DB_CONTACT_CUST, c->id, kid, &kid) == CRM_OK) {
		Crm__V1__Contact *k;
		rc = dispatch_record(ctx, DB_CONTACTS, kid,
		    &crm__v1__contact__descriptor, (ProtobufCMessage **)&k);
		if (rc == CRM_OK && k->birthday != NULL && *k->birthday) {
			rc = contact_greeting(ctx, c, k, ctx->now);
		}
	}
	return rc;
}

crm_status
task_festival_resync(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if (c->stage == CRM__V1__STAGE__STAGE_LOST) {
		return CRM_OK;
	}
	Crm__V1__Policy *p;
	crm_status rc = policy_load(ctx, &p);
	return rc == CRM_OK ? task_festival_sync(ctx, c,
	                          policy_cell(p, (int)c->stage, (int)c->grade))
	                    : rc;
}

/* Which greetings an open greeting task t is one of. */
enum greet_match { GREET_GOAL, GREET_FESTIVAL, GREET_CONTACT };

/* The id of c's open greeting task matching (goal, or any festival, or
 * contact id ref), 0 when none. */
static uint64_t
open_greeting(struct req_ctx *ctx, uint64_t customer_id, int how,
    const char *goal, uint64_t ref)
{
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_TASK_CUST, customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__Task *t;
		size_t mark = crm_arena_mark(ctx->arena);
		int hit =
		    task_load(ctx, id, &t) == CRM_OK && task_is_open(t) &&
		    t->kind == CRM__V1__TASK_KIND__TASK_GREETING &&
		    (how == GREET_FESTIVAL ? festival_of_goal(t->goal) != NULL
		        : how == GREET_CONTACT
		            ? t->has_ref_id && t->ref_id == ref
		            : !t->has_ref_id && t->goal != NULL &&
		                  strcmp(t->goal, goal) == 0);
		crm_arena_release(ctx->arena, mark);
		if (hit) {
			return id;
		}
	}
	return 0;
}

crm_status
task_festival_sync(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__CadenceCell *cell)
{
	uint64_t open = open_greeting(ctx, c->id, GREET_FESTIVAL, NULL, 0);
	if (!cell->greetings) {
		return open == 0 ? CRM_OK
		                 : task_close(ctx, open,
		                       CRM__V1__TASK_STATUS__TASK_CANCELLED,
		                       "its stage and grade ask no festival "
		                       "greetings (policy show)");
	}
	int64_t at;
	const char *name;
	if (open != 0 || !task_festival_plan(ctx->now, NULL, &at, &name)) {
		return CRM_OK;
	}
	struct task_plan plan = { ctx->now, 0 };
	return task_create_planned(ctx, c, c->owner_id,
	    CRM__V1__TASK_KIND__TASK_GREETING,
	    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at, festival_goal(name),
	    NULL, &plan, NULL);
}

/* Goal of a contact's birthday greeting. */
static const char *
contact_goal(struct req_ctx *ctx, const Crm__V1__Contact *k)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "生日问候 %s (contact's birthday)",
	    k->name ? k->name : "");
	return crm_arena_strdup(ctx->arena, buf);
}

/* The greeting of contact k on its next birthday after `after`, unless
 * one is open; its customer's owner greets (seed 001: 节日问候 (如生日)). */
static crm_status
contact_greeting(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Contact *k, int64_t after)
{
	int64_t at = task_greeting_plan(after, k->birthday, NULL);
	if (at == 0 || k->left ||
	    open_greeting(ctx, c->id, GREET_CONTACT, NULL, k->id) != 0) {
		return CRM_OK;
	}
	Crm__V1__Task *t;
	struct task_plan plan = { after, 0 };
	crm_status rc = task_create_planned(ctx, c, c->owner_id,
	    CRM__V1__TASK_KIND__TASK_GREETING,
	    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at, contact_goal(ctx, k),
	    NULL, &plan, &t);
	if (rc != CRM_OK) {
		return rc;
	}
	return task_set_ref(ctx, t->id, k->id);
}

crm_status
task_contact_greeting(struct req_ctx *ctx, const Crm__V1__Contact *k)
{
	Crm__V1__Customer *c;
	crm_status rc = task_load_customer(ctx, k->customer_id, &c);
	if (rc != CRM_OK) {
		return rc == CRM_NOT_FOUND ? CRM_OK : rc;
	}
	uint64_t open = open_greeting(ctx, c->id, GREET_CONTACT, NULL, k->id);
	if (open != 0) {
		rc =
		    task_close(ctx, open, CRM__V1__TASK_STATUS__TASK_CANCELLED,
		        k->left ? "the contact left"
		                : "the contact's birthday changed");
	}
	if (rc == CRM_OK && c->stage != CRM__V1__STAGE__STAGE_LOST) {
		rc = contact_greeting(ctx, c, k, ctx->now);
	}
	return rc;
}

crm_status
task_greetings_changed(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *c)
{
	static const char *const goals[2] = { GOAL_BIRTHDAY,
		GOAL_ANNIVERSARY };
	const char *was[2] = { before->birthday, before->anniversary };
	const char *now[2] = { c->birthday, c->anniversary };
	crm_status rc = CRM_OK;
	for (int i = 0; rc == CRM_OK && i < 2; i++) {
		if (strcmp(was[i] ? was[i] : "", now[i] ? now[i] : "") == 0) {
			continue;
		}
		uint64_t open =
		    open_greeting(ctx, c->id, GREET_GOAL, goals[i], 0);
		if (open != 0) {
			rc = task_close(ctx, open,
			    CRM__V1__TASK_STATUS__TASK_CANCELLED,
			    i == 0 ? "the birthday changed"
			           : "the anniversary changed");
		}
		if (rc == CRM_OK && c->stage != CRM__V1__STAGE__STAGE_LOST) {
			rc = greeting(ctx, c, now[i], goals[i], ctx->now);
		}
	}
	return rc;
}

/* After a re-grade or greeting task is done, the next one. */
crm_status
task_recur(struct req_ctx *ctx, const Crm__V1__Task *t)
{
	Crm__V1__Customer *c;
	crm_status rc = task_load_customer(ctx, t->customer_id, &c);
	if (rc != CRM_OK || c->stage == CRM__V1__STAGE__STAGE_LOST) {
		return rc == CRM_NOT_FOUND ? CRM_OK : rc;
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_REGRADE) {
		/* One review is always open: say that a new one came. */
		/* The next is the following month's (or this month's, for
		 * an overdue review of an earlier month): never a second one
		 * for the month the closed review covered. */
		Crm__V1__Task *n;
		int64_t covered = task_end_of_month(t->due_at);
		rc = regrade(
		    ctx, c, covered > ctx->now ? covered : ctx->now, &n);
		if (rc == CRM_OK && n != NULL) {
			rc = event_add(ctx, c->id, n->id,
			    "a customer has one month-end grade review open, "
			    "on the month's last working day (seed 002: "
			    "每月末根据客户进展重新评估分级)",
			    "re-grade %" PRIu64 " %s; a new one, %" PRIu64
			    ", is due %s",
			    t->id,
			    t->status == CRM__V1__TASK_STATUS__TASK_CANCELLED
			        ? "cancelled"
			        : "done",
			    n->id, task_when(ctx, n->due_at));
		}
		return rc;
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_ROUTINE) {
		return routine_sync_customer(ctx, c);
	}
	int64_t after = t->due_at > ctx->now ? t->due_at : ctx->now;
	/* A birthday's next greeting is after this one's day: never the
	 * same day again. */
	int64_t day_after = task_end_of_today(after);
	if (t->kind == CRM__V1__TASK_KIND__TASK_GREETING && t->has_ref_id) {
		/* A contact's birthday: the next one, if still there. */
		Crm__V1__Contact *k;
		store_key kk;
		store_key_id(&kk, t->ref_id);
		rc = store_get_msg(ctx->st, ctx->txn, DB_CONTACTS, &kk,
		    &crm__v1__contact__descriptor, &ctx->arena->allocator,
		    (ProtobufCMessage **)&k);
		if (rc == CRM_NOT_FOUND) {
			return CRM_OK;
		}
		return rc == CRM_OK ? contact_greeting(ctx, c, k, day_after)
		                    : rc;
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_GREETING &&
	    festival_of_goal(t->goal) != NULL) {
		/* The next festival after this one, if the cell still asks. */
		Crm__V1__Policy *p;
		int64_t at;
		const char *name;
		rc = policy_load(ctx, &p);
		if (rc != CRM_OK ||
		    !policy_cell(p, (int)c->stage, (int)c->grade)->greetings ||
		    open_greeting(ctx, c->id, GREET_FESTIVAL, NULL, 0) != 0 ||
		    !task_festival_plan(after, NULL, &at, &name)) {
			return rc;
		}
		struct task_plan plan = { after, 0 };
		return task_create_planned(ctx, c, c->owner_id,
		    CRM__V1__TASK_KIND__TASK_GREETING,
		    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, at,
		    festival_goal(name), NULL, &plan, NULL);
	}
	if (t->kind == CRM__V1__TASK_KIND__TASK_GREETING && t->goal != NULL) {
		/* The next one after this one's day, even when closed
		 * early. */
		int bday = strcmp(t->goal, GOAL_BIRTHDAY) == 0;
		return greeting(ctx, c, bday ? c->birthday : c->anniversary,
		    t->goal, day_after);
	}
	return CRM_OK;
}
