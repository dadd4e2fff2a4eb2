/* SPDX-License-Identifier: MIT */
/*
 * workdays.h: a WHEN given in working days (+3wd, 3个工作日), counted on
 * crmd's holiday calendar.
 */
#ifndef WORKDAYS_H
#define WORKDAYS_H

#include <stdint.h>

#include "crm.h"

struct cmd_ctx;
struct cmd_call;

/*
 * workdays_parse: when text is a count of working days ("+3wd", "3wd",
 * "in 3 working days", "3个工作日", "3个工作日内", "3工作日后"), *matched
 * is 1 and *t the same time of day as now on the N-th working day after
 * now's day (1 to 250), the calendar read from crmd; otherwise *matched
 * is 0 and nothing else is done. Errors (told on stderr, what naming
 * the option): CRM_EINVAL for a count out of range, the request's error
 * when the calendar cannot be read.
 */
crm_status workdays_parse(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t now, int64_t *t /* OUT */,
    int *matched /* OUT */);

#endif
