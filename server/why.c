/* SPDX-License-Identifier: MIT */
/*
 * why.c: customer.why (issue 16, `customer why CUSTOMER`): why each open
 * task of a customer is due when it is, each open commitment, and each
 * running SLA deadline. Each answer comes from the planning function
 * that computed the time (task_cadence_plan, task_regrade_plan,
 * task_greeting_plan, task_festival_plan, routine_due,
 * sla_deadline_plan), run again with a note (why.h) on what the task
 * kept from its planning (plan_from, plan_followup_id, plan_by). It is
 * not a second copy of the rules, and it changes nothing.
 */
#include "why.h"
#include "pool_reclaim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "customer.h"
#include "festival.h"
#include "handlers.h"
#include "policy.h"
#include "routine.h"
#include "sla.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define TEXT_MAX 2048 /* bytes of one item's reasoning */

/* One item's reasoning, built a clause at a time. */
struct line {
	char buf[TEXT_MAX];
	size_t len;
};

static void add(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
add(struct line *l, const char *fmt, ...)
{
	if (l->len >= sizeof(l->buf) - 1) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0) {
		l->len += (size_t)n;
		if (l->len > sizeof(l->buf) - 1) {
			l->len = sizeof(l->buf) - 1;
		}
	}
}

static const char *const weekdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat" };

/* "2026-12-14 09:00 Mon" into buf (>= 24). */
static const char *
when(int64_t t, char *buf, size_t len)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	char at[32];
	crm_time_format(t, at, sizeof(at));
	snprintf(buf, len, "%s %s", at, weekdays[tm.tm_wday % 7]);
	return buf;
}

/* The days of note w as WhyDay records on item, and in words on l. */
static crm_status
days(struct req_ctx *ctx, const struct why_note *w, Crm__V1__WhyItem *item,
    struct line *l)
{
	const struct calendar_why *cal = &w->cal;
	if (cal->n == 0) {
		return CRM_OK;
	}
	item->days = crm_arena_alloc(ctx->arena, cal->n * sizeof(*item->days));
	Crm__V1__WhyDay *d = crm_arena_alloc(ctx->arena, cal->n * sizeof(*d));
	if (item->days == NULL || d == NULL) {
		return CRM_TOO_BIG;
	}
	/* Skipped days first, then make-up working days counted, each in
	 * date order (a month-end walk goes backwards). */
	size_t order[CALENDAR_WHY_DAYS];
	for (size_t i = 0; i < cal->n; i++) {
		order[i] = i;
	}
	for (size_t i = 1; i < cal->n; i++) {
		for (size_t j = i; j > 0 && cal->day[order[j]].at <
		                                cal->day[order[j - 1]].at;
		     j--) {
			size_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		int first = 1;
		for (size_t k = 0; k < cal->n; k++) {
			const struct calendar_why_day *c = &cal->day[order[k]];
			int counted =
			    c->kind == CRM__V1__DAY_KIND__DAY_WORKDAY;
			if (counted != pass) {
				continue;
			}
			Crm__V1__WhyDay *y = &d[item->n_days];
			crm__v1__why_day__init(y);
			char date[16];
			crm_time_format_date(c->at, date, sizeof(date));
			time_t v = (time_t)c->at;
			struct tm tm;
			localtime_r(&v, &tm);
			y->date = crm_arena_strdup(ctx->arena, date);
			y->weekday = (char *)weekdays[tm.tm_wday % 7];
			y->has_kind = c->kind != 0;
			y->kind = (Crm__V1__DayKind)c->kind;
			y->name = c->name[0]
			              ? crm_arena_strdup(ctx->arena, c->name)
			              : NULL;
			y->what = counted ? "make-up working day"
			          : c->kind == CRM__V1__DAY_KIND__DAY_HOLIDAY
			              ? "holiday"
			              : "weekend";
			item->days[item->n_days++] = y;
			add(l, "%s%s %s%s%s (%s)",
			    first ? (pass ? "; counted " : "; skipped ")
			          : ", ",
			    date, y->weekday, c->name[0] ? " " : "", c->name,
			    y->what);
			first = 0;
		}
	}
	if (cal->more > 0) {
		add(l, " and %u more", cal->more);
	}
	return CRM_OK;
}

/* Where the rule counted from, on item and in words on l: follow-up
 * fu (0: none) at from, else the request that planned it. */
static void
counted_from(struct req_ctx *ctx, int64_t from, uint64_t fu, const char *by,
    Crm__V1__WhyItem *item, struct line *l)
{
	char at[48];
	item->has_from_at = 1;
	item->from_at = from;
	Crm__V1__FollowUp *f = NULL;
	if (fu != 0) {
		item->has_followup_id = 1;
		item->followup_id = fu;
		if (dispatch_record(ctx, DB_FOLLOWUPS, fu,
		        &crm__v1__follow_up__descriptor,
		        (ProtobufCMessage **)&f) != CRM_OK) {
			f = NULL;
		}
	}
	char words[256];
	if (fu != 0 && f != NULL) {
		snprintf(words, sizeof(words),
		    "follow-up %" PRIu64 " at %s (%s, by %s)", fu,
		    when(f->happened_at, at, sizeof(at)),
		    f->has_channel
		        ? crm_enum_name(
		              &crm__v1__channel__descriptor, (int)f->channel)
		        : "-",
		    user_login_of(ctx, f->author_id));
	} else if (fu != 0) {
		snprintf(words, sizeof(words), "follow-up %" PRIu64 " at %s",
		    fu, when(from, at, sizeof(at)));
	} else {
		snprintf(words, sizeof(words),
		    "%s (no follow-up then; planned by %s)",
		    when(from, at, sizeof(at)), by ? by : "?");
	}
	item->from_text = crm_arena_strdup(ctx->arena, words);
	add(l, "; from %s", words);
}

/* The end of an item: the rule's time, the days, what else moved it
 * (extra, may be NULL: the churn contact deadline), the due time, and
 * whether the record agrees with the rule today. */
static crm_status
finish_extra(struct req_ctx *ctx, const struct why_note *w, int64_t rule_due,
    int64_t due, const char *what, const char *extra, Crm__V1__WhyItem *item,
    struct line *l)
{
	char a[48], b[48];
	if (w->rule_at != 0 && w->rule_at != rule_due) {
		add(l, "; the rule's time %s", when(w->rule_at, a, sizeof(a)));
		item->has_rule_at = 1;
		item->rule_at = w->rule_at;
	}
	crm_status rc = days(ctx, w, item, l);
	if (rc != CRM_OK) {
		return rc;
	}
	if (extra != NULL) {
		add(l, "; %s", extra);
	}
	item->has_due_at = 1;
	item->due_at = rule_due;
	add(l, "; due %s", when(rule_due, a, sizeof(a)));
	if (rule_due != due) {
		add(l,
		    " by the rule today, but the %s says %s (planned when "
		    "it was past, or the policy or calendar changed since)",
		    what, when(due, b, sizeof(b)));
	}
	return CRM_OK;
}

static crm_status
finish(struct req_ctx *ctx, const struct why_note *w, int64_t rule_due,
    int64_t due, const char *what, Crm__V1__WhyItem *item, struct line *l)
{
	return finish_extra(ctx, w, rule_due, due, what, NULL, item, l);
}

const char *
why_churn_words(struct req_ctx *ctx, const struct task_churn_cap *cap)
{
	char a[48], b[48], buf[400];
	when(cap->deadline, a, sizeof(a));
	when(cap->cadence_due, b, sizeof(b));
	switch (cap->how) {
	case TASK_CHURN_WORKING_DAY:
		snprintf(buf, sizeof(buf),
		    "at churn risk due by the churn contact deadline %s "
		    "(clock %" PRIu64 "): the cadence's %s is after it, so "
		    "the last working day by it, at the deadline's time of "
		    "day",
		    a, cap->clock_id, b);
		break;
	case TASK_CHURN_ANY_DAY:
		snprintf(buf, sizeof(buf),
		    "at churn risk due by the churn contact deadline %s "
		    "(clock %" PRIu64 "): the cadence's %s is after it, and "
		    "any day is a working day (policy working-days off), so "
		    "the deadline itself",
		    a, cap->clock_id, b);
		break;
	case TASK_CHURN_DEADLINE:
		snprintf(buf, sizeof(buf),
		    "at churn risk due by the churn contact deadline %s "
		    "(clock %" PRIu64 "): the cadence's %s is after it and no "
		    "working day after the last contact comes before it, so "
		    "the deadline itself",
		    a, cap->clock_id, b);
		break;
	case TASK_CHURN_PAST:
		snprintf(buf, sizeof(buf),
		    "at churn risk due by the churn contact deadline %s "
		    "(clock %" PRIu64 "), already past when it was planned: "
		    "due at once",
		    a, cap->clock_id);
		break;
	default:
		return NULL;
	}
	return crm_arena_strdup(ctx->arena, buf);
}

/* A task the planning rules did not make or no longer follow: a
 * person's date. */
static void
person_task(struct req_ctx *ctx, const Crm__V1__Task *t, const char *rule,
    Crm__V1__WhyItem *item, struct line *l)
{
	char a[48];
	item->rule = (char *)rule;
	add(l, "%s", rule);
	counted_from(ctx, t->plan_from_at,
	    t->has_plan_followup_id ? t->plan_followup_id : 0, t->plan_by,
	    item, l);
	add(l, "; set by %s; due %s",
	    user_login_of(ctx, t->created_by ? t->created_by : t->owner_id),
	    when(t->due_at, a, sizeof(a)));
	item->has_due_at = 1;
	item->due_at = t->due_at;
}

/* A manager's task for an open issue a rep escalated (issue.c): 1 when
 * t is one, explained in item and l. Its issue is its ref_id, or for a
 * task of before crm kept it, the id in its goal. */
static int
escalation_task(struct req_ctx *ctx, const Crm__V1__Policy *p,
    const Crm__V1__Task *t, Crm__V1__WhyItem *item, struct line *l)
{
	static const char head[] = "待解决问题 ";
	uint64_t id = t->has_ref_id ? t->ref_id : 0;
	if (id == 0 && t->goal != NULL &&
	    strncmp(t->goal, head, sizeof(head) - 1) == 0) {
		id = strtoull(t->goal + sizeof(head) - 1, NULL, 10);
	}
	Crm__V1__SlaClock *k;
	int open = 0;
	int64_t solve_by = 0, due = 0;
	if (t->kind != CRM__V1__TASK_KIND__TASK_TODO || id == 0 ||
	    sla_clock_load(ctx, id, &k) != CRM_OK ||
	    k->escalation_task_id != t->id ||
	    issue_state(ctx, k, &open, &solve_by) != CRM_OK ||
	    issue_escalation_due(ctx, p, k->escalated_at, solve_by, &due) !=
	        CRM_OK) {
		return 0;
	}
	char a[48], b[48];
	item->rule =
	    "issue escalated to a manager (issue escalate; seed 002: "
	    "由销售经理协调资源跟进): due within the policy's solution "
	    "time of the escalation, and by an after-sales issue's "
	    "own solution deadline";
	item->has_from_at = 1;
	item->from_at = k->escalated_at;
	add(l,
	    "issue %" PRIu64 " escalated to %s by %s at %s (seed 002: "
	    "由销售经理协调资源跟进): %u working day%s after the escalation",
	    id, user_login_of(ctx, k->escalated_to_id),
	    user_login_of(ctx, t->created_by),
	    when(k->escalated_at, a, sizeof(a)), p->issue_solution_days,
	    p->issue_solution_days == 1 ? "" : "s");
	if (solve_by != 0 && due == solve_by) {
		add(l,
		    ", but the issue's own solution deadline %s comes first "
		    "(seed 000: 1个工作日内给出解决方案, counted from the "
		    "issue)",
		    when(solve_by, b, sizeof(b)));
	} else if (solve_by != 0 && due < solve_by) {
		add(l, " (the issue's own solution deadline %s)",
		    when(solve_by, b, sizeof(b)));
	} else if (solve_by != 0) {
		add(l,
		    ", but the issue's own solution deadline %s was past "
		    "already: due at once",
		    when(solve_by, b, sizeof(b)));
	}
	item->has_due_at = 1;
	item->due_at = due;
	add(l, "; due %s", when(due, a, sizeof(a)));
	if (due != t->due_at) {
		add(l,
		    " by the rule today, but the task says %s (moved by a "
		    "person, or the policy or calendar changed since)",
		    when(t->due_at, b, sizeof(b)));
	}
	return 1;
}

static crm_status explain_warning(struct req_ctx *ctx,
    const Crm__V1__Customer *c, const Crm__V1__Task *t, struct why_note *w,
    Crm__V1__WhyItem *item, struct line *l);

/* Why task t of customer c is due when it is. */
static crm_status
explain_task(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Policy *p, Crm__V1__Task *t, Crm__V1__WhyItem *item)
{
	struct line *l = crm_arena_alloc(ctx->arena, sizeof(*l));
	struct why_note *w = crm_arena_alloc(ctx->arena, sizeof(*w));
	if (l == NULL || w == NULL) {
		return CRM_TOO_BIG;
	}
	memset(l, 0, sizeof(*l));
	memset(w, 0, sizeof(*w));
	task_fill(ctx, t);
	item->task = t;
	char a[48], b[48];
	if (!t->has_plan_from_at) {
		item->has_unexplained = item->unexplained = 1;
		add(l,
		    "planned before explanations were kept: %s, due %s "
		    "(created %s)",
		    crm_task_kind_word((int)t->kind),
		    when(t->due_at, a, sizeof(a)),
		    when(t->created_at, b, sizeof(b)));
		item->text = crm_arena_strdup(ctx->arena, l->buf);
		return CRM_OK;
	}
	int person = t->origin == CRM__V1__TASK_ORIGIN__ORIGIN_PERSON;
	int64_t due = 0;
	uint64_t fu = t->has_plan_followup_id ? t->plan_followup_id : 0;
	crm_status rc = CRM_OK;
	switch (t->kind) {
	case CRM__V1__TASK_KIND__TASK_FOLLOW_UP:
		if (t->origin == CRM__V1__TASK_ORIGIN__ORIGIN_NEXT_ACTION) {
			person_task(ctx, t,
			    "next action a person set in a follow-up (log "
			    "--next): the date they gave; the cadence does "
			    "not "
			    "move it",
			    item, l);
			break;
		}
		if (person) {
			person_task(ctx, t,
			    "next follow-up a person set (task move, task "
			    "cancel --next): the cadence does not move it",
			    item, l);
			break;
		}
		struct task_churn_cap cap;
		rc = task_cadence_plan_churn(
		    ctx, p, c, t->plan_from_at, 0, w, &cap, &due);
		uint8_t then = 0;
		if (rc == CRM_OK && due != t->due_at &&
		    (stats_grade_then(
		         ctx, c->team_id, c->id, t->created_at, &then) ||
		        stats_grade_then(ctx, STATS_PERSON | c->owner_id,
		            c->id, t->created_at, &then)) &&
		    then != 0 && then != (uint8_t)c->grade) {
			/* Planned at the grade it had then and kept when the
			 * grade changed: a follow-up already past due is not
			 * planned again (task_followup_sync). */
			Crm__V1__Customer was = *c;
			int64_t due_then = 0;
			was.grade = (Crm__V1__Grade)then;
			struct why_note *wt =
			    crm_arena_alloc(ctx->arena, sizeof(*wt));
			if (wt == NULL) {
				return CRM_TOO_BIG;
			}
			memset(wt, 0, sizeof(*wt));
			struct task_churn_cap capt;
			rc = task_cadence_plan_churn(ctx, p, &was,
			    t->plan_from_at, 0, wt, &capt, &due_then);
			if (rc == CRM_OK && due_then == t->due_at) {
				add(l,
				    "%s, the grade it had when this was "
				    "planned "
				    "(it is %s now: a follow-up already past "
				    "due when the grade changed stays as it "
				    "was, missed)",
				    wt->rule,
				    crm_enum_name(&crm__v1__grade__descriptor,
				        (int)c->grade));
				item->rule =
				    crm_arena_strdup(ctx->arena, l->buf);
				counted_from(ctx, t->plan_from_at, fu,
				    t->plan_by, item, l);
				rc = finish_extra(ctx, wt, due_then, t->due_at,
				    "task", why_churn_words(ctx, &capt), item,
				    l);
				break;
			}
		}
		if (rc == CRM_OK && due != t->due_at && t->due_at > due) {
			/* Planned when from + cadence was already past: the
			 * rule's floor was the planning time. */
			w->cal.n = w->cal.more = 0;
			rc = task_cadence_plan_churn(ctx, p, c,
			    t->plan_from_at, t->due_at, w, &cap, &due);
			struct why_note *wr =
			    crm_arena_alloc(ctx->arena, sizeof(*wr));
			struct task_churn_cap capr;
			int64_t rule_due = 0;
			if (rc == CRM_OK && due == t->due_at && wr != NULL) {
				memset(wr, 0, sizeof(*wr));
				rc = task_cadence_plan_churn(ctx, p, c,
				    t->plan_from_at, 0, wr, &capr, &rule_due);
			}
			if (rc == CRM_OK && due == t->due_at && wr != NULL) {
				char r1[48], r2[48];
				add(l, "%s", w->rule);
				item->rule =
				    crm_arena_strdup(ctx->arena, w->rule);
				counted_from(ctx, t->plan_from_at, fu,
				    t->plan_by, item, l);
				add(l,
				    "; by the rule %s, already past when "
				    "this was planned (%s): due then, at "
				    "once",
				    when(rule_due, r1, sizeof(r1)),
				    when(t->due_at, r2, sizeof(r2)));
				rc = finish_extra(ctx, w, due, t->due_at,
				    "task", why_churn_words(ctx, &cap), item,
				    l);
				break;
			}
			w->cal.n = w->cal.more = 0;
			rc = task_cadence_plan_churn(
			    ctx, p, c, t->plan_from_at, 0, w, &cap, &due);
		}
		if (rc == CRM_OK) {
			item->rule = crm_arena_strdup(ctx->arena, w->rule);
			add(l, "%s", w->rule);
			counted_from(
			    ctx, t->plan_from_at, fu, t->plan_by, item, l);
			rc = finish_extra(ctx, w, due, t->due_at, "task",
			    why_churn_words(ctx, &cap), item, l);
		}
		break;
	case CRM__V1__TASK_KIND__TASK_REGRADE:
		if (person) {
			person_task(ctx, t,
			    "monthly grade review moved by a person (task "
			    "move)",
			    item, l);
			break;
		}
		rc = task_regrade_plan(ctx, t->plan_from_at, w, &due);
		if (rc == CRM_OK) {
			item->rule = crm_arena_strdup(ctx->arena, w->rule);
			add(l, "%s; the first month-end after %s", w->rule,
			    when(t->plan_from_at, a, sizeof(a)));
			item->has_from_at = 1;
			item->from_at = t->plan_from_at;
			rc = finish(ctx, w, due, t->due_at, "task", item, l);
		}
		break;
	case CRM__V1__TASK_KIND__TASK_GREETING: {
		const char *fest = festival_of_goal(t->goal);
		const char *day = NULL;
		const char *name;
		if (person) {
			person_task(
			    ctx, t, "greeting moved by a person", item, l);
			break;
		}
		if (fest != NULL) {
			if (!task_festival_plan(
			        t->plan_from_at, w, &due, &name)) {
				due = t->due_at;
			}
		} else if (t->has_ref_id) {
			Crm__V1__Contact *k;
			if (dispatch_record(ctx, DB_CONTACTS, t->ref_id,
			        &crm__v1__contact__descriptor,
			        (ProtobufCMessage **)&k) == CRM_OK) {
				day = k->birthday;
			}
			due = task_greeting_plan(t->plan_from_at, day, w);
		} else {
			day = t->goal != NULL &&
			              strcmp(t->goal, TASK_GOAL_BIRTHDAY) == 0
			          ? c->birthday
			          : c->anniversary;
			due = task_greeting_plan(t->plan_from_at, day, w);
		}
		item->rule = crm_arena_strdup(ctx->arena, w->rule);
		add(l, "%s; the first one after %s", w->rule,
		    when(t->plan_from_at, a, sizeof(a)));
		item->has_from_at = 1;
		item->from_at = t->plan_from_at;
		rc = finish(
		    ctx, w, due ? due : t->due_at, t->due_at, "task", item, l);
		break;
	}
	case CRM__V1__TASK_KIND__TASK_ROUTINE: {
		Crm__V1__Routine *r;
		if (person) {
			person_task(ctx, t,
			    "routine occurrence moved by a person", item, l);
			break;
		}
		rc = dispatch_record(ctx, DB_ROUTINES, t->ref_id,
		    &crm__v1__routine__descriptor, (ProtobufCMessage **)&r);
		int64_t at = rc == CRM_OK
		                 ? routine_occurrence_after(r, t->plan_from_at)
		                 : 0;
		if (rc == CRM_OK && at != 0) {
			rc = routine_due(ctx, r, at, w, &due);
		}
		if (rc == CRM_OK) {
			item->rule = crm_arena_strdup(ctx->arena, w->rule);
			add(l, "%s; the occurrence after %s", w->rule,
			    when(t->plan_from_at, a, sizeof(a)));
			item->has_from_at = 1;
			item->from_at = t->plan_from_at;
			rc = finish(ctx, w, at ? due : t->due_at, t->due_at,
			    "task", item, l);
		} else if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
			person_task(ctx, t, "occurrence of a routine now gone",
			    item, l);
		}
		break;
	}
	case CRM__V1__TASK_KIND__TASK_RECLAIM_WARN:
		if (person) {
			person_task(
			    ctx, t, "pool warning moved by a person", item, l);
			break;
		}
		rc = explain_warning(ctx, c, t, w, item, l);
		break;
	default:
		if (escalation_task(ctx, p, t, item, l)) {
			break;
		}
		person_task(ctx, t,
		    t->origin == CRM__V1__TASK_ORIGIN__ORIGIN_NEXT_ACTION
		        ? "next action a person set in a follow-up of the "
		          "same contact as the next follow-up: a task beside "
		          "it, due when they said"
		    : t->created_by != 0
		        ? "a task a person added: due when they said"
		        : "a task the server added (escalation, review): due "
		          "when it said",
		    item, l);
		break;
	}
	if (rc == CRM_OK) {
		item->text = crm_arena_strdup(ctx->arena, l->buf);
	}
	return rc;
}

/* Why running clock k's deadline is when it is. */
static crm_status
explain_clock(struct req_ctx *ctx, const Crm__V1__Policy *p,
    Crm__V1__SlaClock *k, Crm__V1__WhyItem *item)
{
	struct line *l = crm_arena_alloc(ctx->arena, sizeof(*l));
	struct why_note *w = crm_arena_alloc(ctx->arena, sizeof(*w));
	if (l == NULL || w == NULL) {
		return CRM_TOO_BIG;
	}
	memset(l, 0, sizeof(*l));
	memset(w, 0, sizeof(*w));
	sla_clock_fill(ctx, k);
	item->clock = k;
	int64_t deadline;
	crm_status rc = sla_deadline_plan(
	    ctx, p, (int)k->kind, k->started_at, w, &deadline);
	if (rc != CRM_OK) {
		return rc;
	}
	char a[48];
	item->rule = crm_arena_strdup(ctx->arena, w->rule);
	item->has_from_at = 1;
	item->from_at = k->started_at;
	add(l, "%s", w->rule);
	if (k->followup_id != 0) {
		counted_from(
		    ctx, k->started_at, k->followup_id, NULL, item, l);
	} else {
		add(l, "; from %s (started)",
		    when(k->started_at, a, sizeof(a)));
	}
	if (k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
		add(l, "; no deadline");
	} else {
		rc =
		    finish(ctx, w, deadline, k->deadline_at, "clock", item, l);
	}
	item->text = crm_arena_strdup(ctx->arena, l->buf);
	return rc;
}

/* Why open commitment m is due when it is: the date promised. */
static void
explain_commitment(
    struct req_ctx *ctx, Crm__V1__Commitment *m, Crm__V1__WhyItem *item)
{
	struct line l = { .len = 0 };
	char a[48];
	item->rule = "commitment (承诺事项): due when promised, in the "
	             "follow-up that made it";
	add(&l, "%s: \"%s\"", item->rule, m->text ? m->text : "");
	if (m->followup_id != 0) {
		counted_from(
		    ctx, m->created_at, m->followup_id, NULL, item, &l);
	}
	add(&l, "; due %s", when(m->due_at, a, sizeof(a)));
	item->has_due_at = 1;
	item->due_at = m->due_at;
	m->owner = (char *)user_login_of(ctx, m->owner_id);
	item->text = crm_arena_strdup(ctx->arena, l.buf);
}

/* Growable arrays of records in ctx->arena. */
struct list {
	void **v;
	size_t n, cap;
};

static crm_status
push(struct req_ctx *ctx, struct list *a, void *p)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		void **v = crm_arena_alloc(ctx->arena, cap * sizeof(*v));
		if (v == NULL) {
			return CRM_TOO_BIG;
		}
		if (a->n > 0) {
			memcpy(v, a->v, a->n * sizeof(*v));
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = p;
	return CRM_OK;
}

static int
by_due(const void *x, const void *y)
{
	const Crm__V1__Task *a = *(Crm__V1__Task *const *)x;
	const Crm__V1__Task *b = *(Crm__V1__Task *const *)y;
	return a->due_at != b->due_at ? (a->due_at > b->due_at ? 1 : -1)
	                              : (a->id > b->id) - (a->id < b->id);
}

static int
by_deadline(const void *x, const void *y)
{
	const Crm__V1__SlaClock *a = *(Crm__V1__SlaClock *const *)x;
	const Crm__V1__SlaClock *b = *(Crm__V1__SlaClock *const *)y;
	return a->deadline_at != b->deadline_at
	           ? (a->deadline_at > b->deadline_at ? 1 : -1)
	           : (a->id > b->id) - (a->id < b->id);
}

static int
by_commit_due(const void *x, const void *y)
{
	const Crm__V1__Commitment *a = *(Crm__V1__Commitment *const *)x;
	const Crm__V1__Commitment *b = *(Crm__V1__Commitment *const *)y;
	return a->due_at != b->due_at ? (a->due_at > b->due_at ? 1 : -1)
	                              : (a->id > b->id) - (a->id < b->id);
}

/* The open records of customer id in (index idx, records db) that keep
 * says are wanted, into a. */
static crm_status
collect(struct req_ctx *ctx, uint64_t id, enum store_db idx, enum store_db db,
    const ProtobufCMessageDescriptor *d, int (*keep)(const void *),
    struct list *a)
{
	uint64_t rid = 0;
	crm_status rc = CRM_OK;
	while (rc == CRM_OK && store_index_next(ctx->st, ctx->txn, idx, id,
	                           rid, &rid) == CRM_OK) {
		ProtobufCMessage *m;
		size_t mark = crm_arena_mark(ctx->arena);
		rc = dispatch_record(ctx, db, rid, d, &m);
		if (rc == CRM_OK && keep(m)) {
			rc = push(ctx, a, m);
		} else if (rc == CRM_OK) {
			crm_arena_release(ctx->arena, mark);
		}
	}
	return rc;
}

static int
task_open(const void *m)
{
	return ((const Crm__V1__Task *)m)->status ==
	       CRM__V1__TASK_STATUS__TASK_OPEN;
}

static int
clock_running(const void *m)
{
	return ((const Crm__V1__SlaClock *)m)->stopped_at == 0;
}

static int
commitment_is_open(const void *m)
{
	const Crm__V1__Commitment *c = m;
	return c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN ||
	       c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN;
}

/* WhyItems for n records, each explained by fn. */
static crm_status
items(struct req_ctx *ctx, size_t n, Crm__V1__WhyItem ***out, size_t *nout)
{
	*nout = 0;
	*out = NULL;
	if (n == 0) {
		return CRM_OK;
	}
	*out = crm_arena_alloc(ctx->arena, n * sizeof(**out));
	Crm__V1__WhyItem *v = crm_arena_alloc(ctx->arena, n * sizeof(*v));
	if (*out == NULL || v == NULL) {
		return CRM_TOO_BIG;
	}
	for (size_t i = 0; i < n; i++) {
		crm__v1__why_item__init(&v[i]);
		(*out)[i] = &v[i];
	}
	*nout = n;
	return CRM_OK;
}

/*
 * The pool rule's reclaim date of c, in words (NULL: no rule applies),
 * from pool_reclaim_explain: the same function the writer's sweep uses.
 */
static crm_status
reclaim_line(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Policy *p, char **line)
{
	(void)p;
	*line = NULL;
	struct pool_reclaim_why *w = crm_arena_alloc(ctx->arena, sizeof(*w));
	struct why_note *note = crm_arena_alloc(ctx->arena, sizeof(*note));
	struct line *l = crm_arena_alloc(ctx->arena, sizeof(*l));
	if (w == NULL || note == NULL || l == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = pool_reclaim_explain(ctx, c, w);
	if (rc != CRM_OK || !w->on) {
		return rc;
	}
	memset(note, 0, sizeof(*note));
	memset(l, 0, sizeof(*l));
	note->cal = w->cal;
	char from[40], at[40], warn[40];
	add(l,
	    "pool rule: %s; counted from %s (%s), in working days of the "
	    "calendar",
	    w->rule ? w->rule : "", w->from_what ? w->from_what : "",
	    when(w->from, from, sizeof(from)));
	/* The weekends and holidays the walk skipped, as the other lines
	 * (a WhyItem only to fill; the reply's line is text). */
	Crm__V1__WhyItem item = CRM__V1__WHY_ITEM__INIT;
	rc = days(ctx, note, &item, l);
	if (rc != CRM_OK) {
		return rc;
	}
	add(l, "; back to the team's pool on %s",
	    when(w->reclaim_at, at, sizeof(at)));
	if (w->warn_at != 0) {
		add(l, "; warning %s %s (%u working day%s before)",
		    w->warned ? "given" : "on",
		    when(w->warn_at, warn, sizeof(warn)), w->warn_days,
		    w->warn_days == 1 ? "" : "s");
	}
	*line = crm_arena_strdup(ctx->arena, l->buf);
	return *line != NULL ? CRM_OK : CRM_TOO_BIG;
}

/* Why pool warning t of customer c is due when it is: the pool rule's
 * warning, K working days before the reclaim; made by the server's
 * sweep, due when made if that was after its day. */
static crm_status
explain_warning(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Task *t, struct why_note *w, Crm__V1__WhyItem *item,
    struct line *l)
{
	char a[48], b[48];
	struct pool_reclaim_why *pw = crm_arena_alloc(ctx->arena, sizeof(*pw));
	if (pw == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = pool_reclaim_explain_warning(
	    ctx, c, t->has_ref_id ? t->ref_id : 0, pw);
	if (rc != CRM_OK) {
		return rc;
	}
	if (!pw->on || pw->warn_at == 0) {
		item->rule = "pool warning: a pool rule's warning, set by the "
		             "server; no pool rule warns of this customer now "
		             "(the policy changed since)";
		add(l, "%s; made %s; due %s", item->rule,
		    when(t->created_at, a, sizeof(a)),
		    when(t->due_at, b, sizeof(b)));
		item->has_due_at = 1;
		item->due_at = t->due_at;
		return CRM_OK;
	}
	snprintf(w->rule, sizeof(w->rule),
	    "pool warning: the pool rule \"%s\" warns the owner and their "
	    "manager %u working day%s before the reclaim (%s)",
	    pw->rule ? pw->rule : "", pw->warn_days,
	    pw->warn_days == 1 ? "" : "s", when(pw->reclaim_at, a, sizeof(a)));
	w->rule_at = pw->warn_at;
	w->cal = pw->warn_cal;
	item->rule = crm_arena_strdup(ctx->arena, w->rule);
	item->has_from_at = 1;
	item->from_at = pw->from;
	add(l, "%s; counted from %s (%s), in working days of the calendar",
	    w->rule, pw->from_what ? pw->from_what : "",
	    when(pw->from, b, sizeof(b)));
	add(l, "; set by the server (the pool rule's sweep), not by a person");
	int64_t due = pw->warn_at;
	if (t->created_at > pw->warn_at) {
		/* Made inside the warning window (a rule turned on, or
		 * changed, when its warning day had passed, or crmd down
		 * over it): due then. */
		due = t->created_at;
		add(l,
		    "; made %s, after its warning day (a rule turned on or "
		    "changed then, or the server not running on the day): a "
		    "warning made late is due when it is made",
		    when(t->created_at, a, sizeof(a)));
	}
	return finish(ctx, w, due, t->due_at, "task", item, l);
}

crm_status
why_handle_customer(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerWhyRequest *r = req->customer_why;
	uint64_t id = r->has_id ? r->id : 0;
	crm_status rc = CRM_OK;
	if (id == 0 && r->name != NULL) {
		rc = customer_find(ctx, r->name, &id);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (id == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "customer_why.id",
		    "give an id or a name");
	}
	Crm__V1__Customer *c;
	rc = customer_visible(ctx, id, &c);
	Crm__V1__Policy *p = NULL;
	if (rc == CRM_OK) {
		rc = policy_load(ctx, &p);
	}
	struct list tasks = { 0 }, clocks = { 0 }, commits = { 0 };
	if (rc == CRM_OK) {
		rc = collect(ctx, id, DB_TASK_CUST, DB_TASKS,
		    &crm__v1__task__descriptor, task_open, &tasks);
	}
	if (rc == CRM_OK) {
		rc = collect(ctx, id, DB_SLA_CUST, DB_SLA,
		    &crm__v1__sla_clock__descriptor, clock_running, &clocks);
	}
	if (rc == CRM_OK) {
		rc = collect(ctx, id, DB_COMMIT_CUST, DB_COMMITMENTS,
		    &crm__v1__commitment__descriptor, commitment_is_open,
		    &commits);
	}
	Crm__V1__WhyReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (rc == CRM_OK && out == NULL) {
		rc = CRM_TOO_BIG;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	crm__v1__why_reply__init(out);
	out->customer = c;
	customer_fill_names(ctx, c); /* owner, team, pool_from, ... */
	out->has_now_at = 1;
	out->now_at = ctx->now;
	time_t now = (time_t)ctx->now;
	struct tm tm;
	if (localtime_r(&now, &tm) != NULL) {
		out->has_utc_offset = 1;
		out->utc_offset = (int32_t)tm.tm_gmtoff;
	}
	if (tasks.n > 0) {
		qsort(tasks.v, tasks.n, sizeof(void *), by_due);
	}
	if (clocks.n > 0) {
		qsort(clocks.v, clocks.n, sizeof(void *), by_deadline);
	}
	if (commits.n > 0) {
		qsort(commits.v, commits.n, sizeof(void *), by_commit_due);
	}
	rc = items(ctx, tasks.n, &out->tasks, &out->n_tasks);
	for (size_t i = 0; rc == CRM_OK && i < tasks.n; i++) {
		rc = explain_task(ctx, c, p, tasks.v[i], out->tasks[i]);
	}
	if (rc == CRM_OK) {
		rc = items(ctx, clocks.n, &out->clocks, &out->n_clocks);
	}
	for (size_t i = 0; rc == CRM_OK && i < clocks.n; i++) {
		rc = explain_clock(ctx, p, clocks.v[i], out->clocks[i]);
	}
	if (rc == CRM_OK) {
		rc = items(
		    ctx, commits.n, &out->commitments, &out->n_commitments);
	}
	for (size_t i = 0; rc == CRM_OK && i < commits.n; i++) {
		Crm__V1__Commitment *m = commits.v[i];
		out->commitments[i]->commitment = m;
		explain_commitment(ctx, m, out->commitments[i]);
	}
	/* pool reclaim line: joined by the coordinator */
	if (rc == CRM_OK) {
		rc = reclaim_line(ctx, c, p, &out->reclaim);
	}
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_WHY;
		resp->why = out;
	}
	return rc;
}
