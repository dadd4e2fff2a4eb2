/* SPDX-License-Identifier: MIT */
/*
 * pool.h: the team pool (公海, issue 16). A customer with no owner
 * (owner_id 0) that keeps its team_id is in that team's pool (DB_POOL,
 * team || customer, kept by customer.c's one write path). It gets there by
 * pool_put (customer.release; later the reclaim rules), and leaves it by a
 * rep's pool.claim (with the per-rep limits of Policy.pool_limits) or a
 * manager's customer.assign. DB_POOL_LOG keeps every move in and out, in
 * time order, for `report pool`; DB_POOL_CLAIM each rep's claims in time
 * order, for the claims-per-day limit. customer.handover moves a user's
 * customers to another in bounded batches.
 */
#ifndef POOL_H
#define POOL_H

#include "check.h"
#include "dispatch.h"

/* Kinds of PoolRecord. */
enum pool_kind { POOL_PUT = 1, POOL_CLAIMED = 2, POOL_GIVEN = 3 };

/* At most this many customers a handover request moves or lists. */
#define POOL_HANDOVER_BATCH 25

/*
 * pool_put: put customer id in its team's pool because of why: owner
 * cleared (pooled_at, pool_reason, pool_from_id set), open tasks
 * cancelled and open commitments closed as released, running SLA clocks
 * given to the team's manager, the history and the pool log saying so.
 * Errors: CRM_NOT_FOUND, CRM_EPRECOND (in the pool already, no team).
 */
crm_status pool_put(struct req_ctx *ctx, uint64_t id, const char *why);

/* pool_log: append a PoolRecord of kind for customer c (as it is after). */
crm_status pool_log(struct req_ctx *ctx, int kind, const Crm__V1__Customer *c,
    uint64_t from_owner, const char *reason);

/* pool_handover: the handover of customer.handover (and user.disable
 * --handover): move up to limit customers of from to to from cursor;
 * moved (may be NULL) gets the page, *next the next cursor (0: done). */
crm_status pool_handover(struct req_ctx *ctx, uint64_t from, uint64_t to,
    const Crm__V1__CustomerHandoverRequest *r, Crm__V1__CustomerPage *moved,
    uint64_t *next /* OUT */);

/* pool_tally: for each of the n users ids, the customers a pool rule
 * reclaimed from them (reclaimed[i]) and those they claimed (claimed[i])
 * in r's period; [n] gets the sums. Both arrays hold n + 1. */
struct report;
crm_status pool_tally(struct report *r, const uint64_t *ids, size_t n,
    unsigned *reclaimed, unsigned *claimed);

/* pool_check: crm-check of the pool log and the claims index. */
crm_status pool_check(struct check *c);

#endif
