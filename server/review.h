/* SPDX-License-Identifier: MIT */
/*
 * review.h: record checks (信息核对): the index of customer records no
 * manager has checked yet, kept in step with every customer write:
 *
 *   cust_unchecked  team id || customer id -> ""   (a manager's list)
 *                   0       || customer id -> ""   (an admin's list)
 *
 * for live (not merged) customers whose checked_at is 0.
 */
#ifndef REVIEW_H
#define REVIEW_H

#include "dispatch.h"

struct check;

/* review_on_customer: keep cust_unchecked in step with a customer write
 * (before NULL: a new record). */
crm_status review_on_customer(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *after);

/* review_rebuild: empty cust_unchecked and derive it from the customers
 * (stats_rebuild calls it). */
crm_status review_rebuild(struct req_ctx *ctx);

/* review_check: cust_unchecked holds exactly the unchecked live
 * customers, under their team and under 0 (check_run calls it). */
crm_status review_check(struct check *c);

#endif
