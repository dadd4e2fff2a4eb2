/* SPDX-License-Identifier: MIT */
/*
 * contact.h: the contact record API other request families use.
 */
#ifndef CONTACT_H
#define CONTACT_H

#include <stdint.h>

#include "dispatch.h"

/* contact_move: hang contact id under customer to (a merge). */
crm_status contact_move(struct req_ctx *ctx, uint64_t id, uint64_t to);

/* contact_mark_left: mark contact id left the organisation at `at` (as
 * `contact left` does, and an import's row with left / left_at): kept,
 * its greetings stopped. The stored contact into *out (NULL: not
 * wanted). Errors: CRM_NOT_FOUND, CRM_EPRECOND (it has left already). */
crm_status contact_mark_left(struct req_ctx *ctx, uint64_t id, int64_t at,
    Crm__V1__Contact **out /* OUT, may be NULL */);

/* contact_find: the id of customer_id's contact whose name normalises
 * like name. Errors: CRM_NOT_FOUND. */
crm_status contact_find(struct req_ctx *ctx, uint64_t customer_id,
    const char *name, uint64_t *id /* OUT */);

#endif
