/* SPDX-License-Identifier: MIT */
/*
 * period_card.h: what a report of a period reads of a customer (its
 * owner, dates, grade and stage history: report_period.c), kept as the
 * value of its entries in its owner's and its team's customer lists
 * (cust_owner, cust_team; schema 19). A team's `report conversion`,
 * `cycle`, `churn` and `monthly` then read one range of small values in
 * key order instead of each customer's record and stage history, two
 * leaves a customer scattered over the customers' tree.
 *
 * The card is derived, never the authority: customer_save writes it with
 * the list entries (period_card_put), every write of a stage history
 * entry writes it again from the stored record (period_card_refresh; the
 * record saved after it in the same request writes the last one), the
 * upgrade to schema 19 fills it (period_card_rebuild) and crm-check
 * compares each with the records (period_card_ok).
 *
 * Layout (big-endian): version (1), owner_id (8), created_at (8),
 * first_contact_at (8), won_at (8; 0 when none), grade (1), the number
 * of marks (2), then each stage history entry in its sequence order:
 * happened_at (8), seq (8), stage_to (1), grade (1). A customer with more
 * than PERIOD_CARD_MAX_MARKS entries keeps none on its card
 * (PERIOD_CARD_NOT_KEPT): a report walks its history instead.
 */
#ifndef PERIOD_CARD_H
#define PERIOD_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "lifecycle.h"

#define PERIOD_CARD_MAX_MARKS 64
#define PERIOD_CARD_NOT_KEPT  0xffffu

struct period_card {
	uint64_t owner_id;
	int64_t created_at, first_contact_at, won_at;
	uint8_t grade;
	unsigned nmarks;      /* PERIOD_CARD_NOT_KEPT: walk the history */
	const uint8_t *marks; /* nmarks entries as stored (borrowed) */
};

/* period_card_decode: the card in v[0..n); 0 when it is not one (an
 * entry of before schema 19, or damage). */
int period_card_decode(const void *v, size_t n, struct period_card *c);
/* period_card_mark: mark i (< c->nmarks) of c. */
void period_card_mark(
    const struct period_card *c, unsigned i, struct lifecycle_mark *m);

/* period_card_put: customer c's card (its stored stage history read)
 * into its owner's and team's list entries, where it differs from what
 * is there. c is as it is being saved, listed (not merged); before, as
 * it was stored and listed (NULL: not, or unknown): when nothing on the
 * card or where it is kept changed, nothing is read or written (a plain
 * log; a stage history write writes the card itself). */
crm_status period_card_put(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *c);
/* period_card_refresh: after a write of customer id's stage history: its
 * card again from its stored record (none yet, or merged: nothing). */
crm_status period_card_refresh(struct req_ctx *ctx, uint64_t id);
/* period_card_ok: whether both list entries of customer c hold its card
 * (crm-check). */
int period_card_ok(struct req_ctx *ctx, const Crm__V1__Customer *c);
/* period_card_rebuild: every listed customer's card (the upgrade to
 * schema 19); *n: the customers carded. */
crm_status period_card_rebuild(struct req_ctx *ctx, uint64_t *n);

#endif
