/* SPDX-License-Identifier: MIT */
/*
 * followup.h: the follow-up record API other request families use.
 */
#ifndef FOLLOWUP_H
#define FOLLOWUP_H

#include <stdint.h>

#include "dispatch.h"

/* followup_move: hang follow-up id under customer to (a merge). */
crm_status followup_move(struct req_ctx *ctx, uint64_t id, uint64_t to);

/* followup_find: the id of customer_id's follow-up that happened at `at`
 * with the same summary (NULL: none); loads only the follow-ups of that
 * time. Errors: CRM_NOT_FOUND, CRM_INTERNAL (one of them does not load;
 * ctx->msg names it). */
crm_status followup_find(struct req_ctx *ctx, uint64_t customer_id, int64_t at,
    const char *summary, uint64_t *id /* OUT */);

/* followup_log_as: followup.log of req; imported != 0 only from the import
 * path (history: never late). A client's FollowUp.imported is ignored:
 * followup.log (followup_handle_log) is this with imported = 0. */
crm_status followup_log_as(struct req_ctx *ctx, const Crm__V1__Request *req,
    Crm__V1__Response *resp, int imported);

#endif
