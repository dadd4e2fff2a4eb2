/* SPDX-License-Identifier: MIT */
/*
 * sla.h: SLA clocks (inquiry 24 h, after-sales 2 h and 1 business day,
 * churn risk 3 days) and commitments (承诺事项), both indexed while
 * running/open by owner || deadline || id so the clocks about to breach are
 * one index range.
 */
#ifndef SLA_H
#define SLA_H

#include "dispatch.h"

/* sla_start: a running clock of kind on customer c; *out may be NULL. */
crm_status sla_start(struct req_ctx *ctx, const Crm__V1__Customer *c, int kind,
    const char *text, Crm__V1__SlaClock **out /* OUT */);

/* sla_stop_customer: stop every running clock of customer id at `at`
 * (a follow-up fu_id answered it). */
crm_status sla_stop_customer(
    struct req_ctx *ctx, uint64_t customer_id, uint64_t fu_id, int64_t at);

/* sla_move_customer: hang every commitment and clock of customer from
 * under customer to (a merge). */
crm_status sla_move_customer(struct req_ctx *ctx, uint64_t from, uint64_t to);

/* sla_reown: after customer c changed owner or team (or a merge), give
 * its open commitments and running clocks that from owned (0: none), or
 * whose owner may not see c any more, to c's owner. */
crm_status sla_reown(
    struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t from);

/* sla_commitment_add: an open commitment from follow-up fu_id. */
crm_status sla_commitment_add(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t fu_id, const char *text, uint64_t owner_id, int64_t due,
    Crm__V1__Commitment **out /* OUT */);

#endif
