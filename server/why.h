/* SPDX-License-Identifier: MIT */
/*
 * why.h: rules that explain themselves (issue 16, `customer why`): the
 * note a planning function fills while it computes a due time or a
 * deadline, and the customer.why handler (why.c) that asks each planning
 * function again, with a note, for every open task and running clock of
 * a customer. The rules themselves live where they always did (task.c,
 * sla.c, routine.c, calendar.c); this is no second copy of them.
 */
#ifndef WHY_H
#define WHY_H

#include <stdint.h>

#include "calendar.h"

/*
 * struct why_note: what a planning rule did. The planning functions that
 * take one (task_cadence_plan, task_regrade_plan, task_greeting_plan,
 * sla_deadline_plan) fill it when it is not NULL, while they compute the
 * time, so the explanation is the rule's own.
 */
struct why_note {
	char rule[240];          /* the rule, in words */
	int64_t rule_at;         /* its time before any move off non-working
	                          * days (0: not known) */
	struct calendar_why cal; /* the days the calendar walk passed */
};

/* why_churn_words: what the churn contact deadline did to a next
 * follow-up (cap, from task_cadence_plan_churn), in words, in ctx's
 * arena; NULL when it did nothing. customer why and the history events
 * of task_cadence.c say it so. */
struct task_churn_cap;
const char *why_churn_words(
    struct req_ctx *ctx, const struct task_churn_cap *cap);

#endif
