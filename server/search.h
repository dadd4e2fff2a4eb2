/* SPDX-License-Identifier: MIT */
/*
 * search.h: the text `customer find` searches, kept ready per customer:
 * the case-folded name, notes, industry, region and every contact's name,
 * phones, e-mail and IM, one field per line (DB_SEARCH_TEXT). A search
 * then reads one short value per customer of the caller's scope instead
 * of unpacking the customer and its contacts and folding every field.
 * Merged tombstones have none.
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"

/* search_update: recompute customer id's text (after the customer or one
 * of its contacts changed). */
crm_status search_update(struct req_ctx *ctx, uint64_t id);

/* search_text: customer id's text as it should be, in ctx->arena (NULL:
 * none, as for a merged customer). Errors: CRM_NOT_FOUND, CRM_TOO_BIG. */
crm_status search_text(
    struct req_ctx *ctx, uint64_t id, char **text, size_t *len /* OUT */);

/*
 * search_match: whether customer id's stored text holds needle (folded).
 * Returns 1 or 0, or -1 when no text is stored (a database written
 * before search texts: the caller matches the records instead).
 */
int search_match(struct req_ctx *ctx, uint64_t id, const char *needle);

/* search_rebuild: recompute every customer's text (a database written
 * before search texts existed). */
crm_status search_rebuild(struct req_ctx *ctx);

#endif
