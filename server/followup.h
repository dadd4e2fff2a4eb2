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

/* followup_find: the id of customer_id's follow-up that is the same as
 * row (an import's): it happened in the minute of row->happened_at (its
 * own second first: a time with seconds and one written to the minute
 * find each other) with the same summary (NULL: none), and each of
 * channel, author (a login), feedback and mood the row says (set, not
 * empty) is the same; loads only the follow-ups of that minute. nth (1 for the
 * first): the nth such follow-up, in time then id order (an import's row that
 * is the nth of its file the same as it). Errors: CRM_NOT_FOUND (fewer than
 * nth), CRM_INTERNAL (one of them does not load; ctx->msg names it). */
crm_status followup_find(struct req_ctx *ctx, uint64_t customer_id,
    const Crm__V1__FollowUp *row, unsigned nth, uint64_t *id /* OUT */);

/* followup_fill_now: what a stored follow-up f shows as things stand
 * now: its commitments re-read (kept, broken), its author's and its
 * attachments' logins, the issues its objections opened
 * (objection_issues). For followup.get and export. Errors: CRM_TOO_BIG,
 * CRM_INTERNAL (an issue that does not load). */
crm_status followup_fill_now(struct req_ctx *ctx, Crm__V1__FollowUp *f);

/* What an import row carries besides a log's fields (import.c checked
 * it against scope.h): whose follow-up it is. */
struct followup_import {
	uint64_t author_id; /* 0: the caller */
	/* The row's next action is kept as said (next_action, next_due_at,
	 * next_owner) and not planned: its owner may no longer see the
	 * customer (import.c says when). The follow-up plans the customer's
	 * next follow-up as one without a next action does. */
	int next_unplanned;
};

/*
 * followup_log_as: followup.log of req; imp is non-NULL only from the
 * import path, whose follow-up is history: by its author, late only as
 * its row says, logged at its logged_at and of the grade its row gives
 * (within now), its commitments, objections and attachments as the row
 * says they stand, a stage change from a stage it names (stage_from: a
 * move export wrote, already made) kept as said, not applied. A
 * client's FollowUp.imported, stage_from and objection_issues are
 * ignored: followup.log (followup_handle_log) is this with imp NULL.
 */
crm_status followup_log_as(struct req_ctx *ctx, const Crm__V1__Request *req,
    Crm__V1__Response *resp, const struct followup_import *imp);

#endif
