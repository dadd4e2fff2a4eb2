/* SPDX-License-Identifier: MIT */
/*
 * search.h: the text `customer find` searches, kept ready per customer:
 * the case-folded name, notes, industry, region, pain points and every
 * contact's name, title, phones, e-mail and IM, one field per line, keyed
 * owner || customer id (DB_SEARCH_TEXT), so a rep's texts lie together. A
 * search then reads one short value per customer of the caller's scope instead
 * of unpacking the customer and its contacts and folding every field.
 * Merged tombstones have none. After the fields, each phone number as
 * written in them ("138 0013 8000", "021-6234-5678", "+86 (21) 6234")
 * once more as digits alone, so a number is found however it is typed
 * (the needle goes through search_needle).
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"

/* search_update: recompute customer id's text and its grams
 * (search_index.h) after the customer or one of its contacts changed;
 * before: the customer as it was (its owner and team), NULL when they
 * are as now (or it is new). Writes nothing when text, owner and team
 * are as stored. */
crm_status search_update(
    struct req_ctx *ctx, uint64_t id, const Crm__V1__Customer *before);

/* search_unchanged: whether a customer's save from before to after
 * leaves its search text and where it is stored (owner, team) as they
 * were: the fields search_text reads of the customer are the same (its
 * contacts are not in a customer's save). A follow-up saves the
 * customer for its last contact; this spares it the text's rebuild. */
int search_unchanged(
    const Crm__V1__Customer *before, const Crm__V1__Customer *after);

/* search_text: customer id's text as it should be, in ctx->arena (NULL:
 * none, as for a merged customer). Errors: CRM_NOT_FOUND, CRM_TOO_BIG. */
crm_status search_text(
    struct req_ctx *ctx, uint64_t id, char **text, size_t *len /* OUT */);

/* search_folded_has: whether needle (from search_needle) occurs in text
 * once text is folded (crm_utf8_fold), or, for a needle of digits, in
 * the digits of one of text's phone numbers; 0 for a NULL or empty text. */
int search_folded_has(const char *text, const char *needle);

/* search_needle: what a find looks for, from the text typed: folded,
 * without the blanks around it, and a phone number typed with blanks or
 * + - ( ) . between its digits as its digits alone. NULL when nothing is
 * left (blanks alone). The caller frees. */
char *search_needle(const char *typed);

/*
 * search_match: whether customer id's stored text holds needle (folded).
 * Returns 1 or 0, or -1 when no text is stored (a database written
 * before search texts: the caller matches the records instead).
 */
int search_match(
    struct req_ctx *ctx, uint64_t owner, uint64_t id, const char *needle);

/*
 * search_owner: the next customer of owner after id `after` whose text
 * holds needle: one walk of the owner's texts, which are stored together
 * (owner || customer id). Errors: CRM_NOT_FOUND at the end.
 */
crm_status search_owner(struct req_ctx *ctx, uint64_t owner, uint64_t after,
    const char *needle, uint64_t *id /* OUT */);

/*
 * search_followups: whether one of customer's latest
 * SEARCH_FOLLOWUPS_EACH follow-ups holds folded needle in its summary,
 * feedback, next action, goal or participants (*hit). Each follow-up
 * read takes one from *budget; *cut: the budget ran out before the
 * customer was done (the caller's page ends before it).
 */
#define SEARCH_FOLLOWUPS_EACH 200
#define SEARCH_FOLLOWUPS_PAGE 5000
crm_status search_followups(struct req_ctx *ctx, uint64_t customer,
    const char *needle, int *hit, size_t *budget, int *cut);

/* search_rebuild: recompute every customer's text and grams into empty
 * DB_SEARCH_TEXT and DB_SEARCH_GRAM (a schema upgrade). */
crm_status search_rebuild(struct req_ctx *ctx);

#endif
