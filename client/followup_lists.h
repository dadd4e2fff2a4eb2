/* SPDX-License-Identifier: MIT */
/*
 * followup_lists.h: a follow-up's commitments, objections and
 * attachments as the JSON lists export writes in their cells and import
 * reads back (followup_lists.c says the keys).
 */
#ifndef FOLLOWUP_LISTS_H
#define FOLLOWUP_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "crm.h"

/* followup_lists_json: list ("commitments", "objections",
 * "attachments") of fu as its cell's JSON text, or NULL when fu has none.
 * Caller frees with free(). */
char *followup_lists_json(const Crm__V1__FollowUp *fu, const char *list);

/*
 * followup_lists_parse: the cell text of list into fu (appended to its
 * commitments; objections and objection_issues; attachments). Without
 * the JSON a cell's lines are objections or attachments' locations;
 * commitments need it (a commitment needs its due time). Returns false
 * with the reason in why. Every part added is malloc'ed (the row's
 * free_unpacked frees it).
 */
bool followup_lists_parse(const char *list, Crm__V1__FollowUp *fu,
    const char *text, char *why, size_t whylen);

#endif
