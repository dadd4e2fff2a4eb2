/* SPDX-License-Identifier: MIT */
/*
 * policy.h: the follow-up policy: each grade's cadence, suggested channels
 * and focus, and the SLA and lateness durations. Stored in the meta
 * database under "policy"; the seeds' defaults until an admin edits it.
 */
#ifndef POLICY_H
#define POLICY_H

#include "dispatch.h"

/* policy_load: the policy in ctx->arena (defaults when none stored). */
crm_status policy_load(struct req_ctx *ctx, Crm__V1__Policy **p /* OUT */);

/* policy_grade: the entry of grade g in p (never NULL: C's when unknown). */
const Crm__V1__GradePolicy *policy_grade(const Crm__V1__Policy *p, int g);

/* policy_conversion_target: the grade's target share won, in percent. */
unsigned policy_conversion_target(const Crm__V1__GradePolicy *gp);

/* policy_channels: the grade's channels joined by ", " in ctx->arena. */
char *policy_channels(struct req_ctx *ctx, const Crm__V1__GradePolicy *gp);

/* policy_add_business_days: t plus n days that are not Sat or Sun
 * (local time). */
int64_t policy_add_business_days(int64_t t, unsigned n);

#endif
