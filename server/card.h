/* SPDX-License-Identifier: MIT */
/*
 * card.h: the customer card (issue 15, item 6): what a rep reads before a
 * call, in the one customer.get reply.
 */
#ifndef CARD_H
#define CARD_H

#include "dispatch.h"

/*
 * card_fill: into out, customer id's latest follow-up, its open follow-up
 * task, and at most CARD_LIST of each of the other open tasks, the open
 * commitments and the running SLA clocks (soonest first) with their
 * totals. Each list reads at most CARD_SCAN of the customer's latest
 * records of its kind (open ones are the recent ones).
 * Errors: as dispatch_list_record.
 */
#define CARD_LIST 10
#define CARD_SCAN 500
crm_status card_fill(
    struct req_ctx *ctx, uint64_t id, Crm__V1__CustomerReply *out);

#endif
