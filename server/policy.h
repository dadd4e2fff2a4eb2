/* SPDX-License-Identifier: MIT */
/*
 * policy.h: the follow-up policy: each grade's cadence, suggested channels
 * and focus, and the SLA and lateness durations. Stored in the meta
 * database under "policy"; the seeds' defaults until an admin edits it.
 */
#ifndef POLICY_H
#define POLICY_H

#include "dispatch.h"

/* policy_load: the policy in ctx->arena (defaults when none stored; the
 * value policy is always there, every field set). */
crm_status policy_load(struct req_ctx *ctx, Crm__V1__Policy **p /* OUT */);

/* policy_grade: the entry of grade g in p (never NULL: C's when unknown). */
const Crm__V1__GradePolicy *policy_grade(const Crm__V1__Policy *p, int g);

/* policy_cell: the cadence matrix's cell of stage x grade (never NULL
 * after policy_load: an unknown stage reads as potential, an unknown
 * grade as C). */
const Crm__V1__CadenceCell *policy_cell(
    const Crm__V1__Policy *p, int stage, int grade);

/* policy_cell_channels: the cell's channels joined by ", " in
 * ctx->arena. */
char *policy_cell_channels(struct req_ctx *ctx, const Crm__V1__CadenceCell *c);

/* POLICY_IDEM_RETENTION: how long stored replies of writes are kept by
 * default (7 days: a week offline still settles an outbox). */
#define POLICY_IDEM_RETENTION CRM_IDEM_RETENTION_DEFAULT

/* POLICY_CURRENCY: the currency amounts are shown in by default. */
#define POLICY_CURRENCY "¥"

/* policy_idem_retention: p's retention of stored replies, in seconds. */
int64_t policy_idem_retention(const Crm__V1__Policy *p);

/* policy_conversion_target: the grade's target share won, in percent. */
unsigned policy_conversion_target(const Crm__V1__GradePolicy *gp);

/* policy_channels: the grade's channels joined by ", " in ctx->arena. */
char *policy_channels(struct req_ctx *ctx, const Crm__V1__GradePolicy *gp);

/* policy_level: Crm__V1__Level of v: HIGH at or above high, MEDIUM at or
 * above medium, else LOW. */
int policy_level(int64_t v, int64_t high, int64_t medium);

/* policy_level_every: the cadence (seconds) the value policy gives a
 * level. */
int64_t policy_level_every(const Crm__V1__ValuePolicy *vp, int level);

/* policy_cadence_working_days: whether tasks the cadence plans move
 * off non-working days (calendar.h; unset: yes). */
int policy_cadence_working_days(const Crm__V1__Policy *p);

#endif
