/* SPDX-License-Identifier: MIT */
/*
 * purchase.h: the purchase record API (合作记录 / 购买) other request
 * families use: recording one (the purchase command, a won deal with an
 * amount, an import row), moving them in a merge, finding a duplicate,
 * a customer's summary, and the report fact each purchase leaves:
 *
 *   purch_time  scope || at || purchase id -> struct purchase_fact
 *
 * under the customer's team and owner at the time (STATS_PERSON | owner),
 * as stats.h does for follow-ups.
 */
#ifndef PURCHASE_H
#define PURCHASE_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"

struct check;

#define PURCHASE_PRODUCT_MAX 200 /* bytes */
/* The product of a won deal's purchase without short one-line terms
 * (lifecycle_won_purchase). */
#define PURCHASE_DEAL_PRODUCT "won deal"
#define PURCHASE_CATEGORY_MAX 100
#define PURCHASE_CONTRACT_MAX 200
/* The largest amount, in minor units (1,000,000,000,000.00): of a
 * purchase, and of a customer's annual_revenue and deal (a won deal is
 * recorded as a purchase; customer_fields.c). */
#define PURCHASE_AMOUNT_MAX INT64_C(100000000000000)

/* The data of one fact: 24 bytes big-endian. category is
 * purchase_category_hash of the category (0: none). */
struct purchase_fact {
	uint64_t customer_id;
	int64_t amount; /* minor units */
	uint64_t category;
};

/* purchase_fact_decode: the fact in p[0..n). Returns 0 when n is wrong. */
int purchase_fact_decode(const void *p, size_t n, struct purchase_fact *f);

/* purchase_category_hash: a 64-bit hash of the normalised category (case,
 * width, spaces and punctuation do not count); 0 for none or empty. */
uint64_t purchase_category_hash(const char *category);

/*
 * purchase_add: record a purchase of customer c (already checked editable
 * by the caller) from the client-settable fields of in (amount, product,
 * category, at, contract) and followup_id, with its index, fact and
 * audit record. *out (may be NULL) is the stored record in ctx->arena.
 * Errors: CRM_EINVAL (message set), store errors.
 */
crm_status purchase_add(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Purchase *in, uint64_t followup_id,
    Crm__V1__Purchase **out /* OUT */);

/* purchase_deal_category: the category of the purchase customer c's won
 * deal was recorded as (its amount, at its won time), or NULL. Borrowed;
 * in ctx->arena. */
const char *purchase_deal_category(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

/* purchase_move: hang purchase id under customer to (a merge). */
crm_status purchase_move(struct req_ctx *ctx, uint64_t id, uint64_t to);

/* purchase_find: the id of customer_id's nth purchase (1 for the first,
 * in id order) in the minute of `at` with the same amount and product.
 * Errors: CRM_NOT_FOUND (fewer than nth). */
crm_status purchase_find(struct req_ctx *ctx, uint64_t customer_id, int64_t at,
    int64_t amount, const char *product, unsigned nth, uint64_t *id /* OUT */);

/* purchase_find_day: the id of customer_id's first purchase of amount
 * on the local day (crmd's time zone) of `at`. Errors: CRM_NOT_FOUND. */
crm_status purchase_find_day(struct req_ctx *ctx, uint64_t customer_id,
    int64_t at, int64_t amount, uint64_t *id /* OUT */);

/* purchase_deal_match: when a purchase of amount at `at` is customer c's
 * won deal (its deal amount, on the local day it was won), the purchase
 * of that day and amount it is: the one of the same product (*take = 0),
 * else the one crm recorded the deal as (lifecycle_won_purchase: no
 * contract, its product the deal's terms or PURCHASE_DEAL_PRODUCT), whose
 * product, category and contract are the row's to give (*take = 1).
 * Errors: CRM_NOT_FOUND (not the deal, or no such purchase). */
crm_status purchase_deal_match(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t at, int64_t amount, const char *product, uint64_t *id /* OUT */,
    int *take /* OUT */);

/* purchase_deal_take: purchase id, crm's record of a won deal, takes the
 * product, category and contract in gives (each when given; checked as
 * purchase_add checks them), with its history, report fact and audit
 * entry. Errors: CRM_EINVAL (field named), the store's. */
crm_status purchase_deal_take(
    struct req_ctx *ctx, uint64_t id, const Crm__V1__Purchase *in);

/* purchase_summary: what customer id's purchases add up to, in
 * ctx->arena. Errors: CRM_TOO_BIG, store errors. */
crm_status purchase_summary(struct req_ctx *ctx, uint64_t customer_id,
    Crm__V1__PurchaseSummary **out /* OUT */);

/* purchase_rebuild: empty purch_time and derive it from the purchases
 * (stats_rebuild calls it). */
crm_status purchase_rebuild(struct req_ctx *ctx);

/* purchase_check: every purchase has its two facts with the right data,
 * purch_time holds nothing else (stats_check calls it). */
crm_status purchase_check(struct check *c);

#endif
