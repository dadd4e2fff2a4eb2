/* SPDX-License-Identifier: MIT */
/*
 * queues.h: the merge of per-owner queues. Several indexes are keyed
 * (owner | mask || time || id), one queue per owner; a team's list is the
 * merge of its members' queues, earliest first, so it holds the team's
 * most urgent entries rather than its first reps' (due, SLA clocks,
 * commitments). Only what the caller's take loads is loaded.
 */
#ifndef QUEUES_H
#define QUEUES_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "store.h"
#include "store_schema.h"

/* queues_take: one entry of a merge (it is positioned on it, for its
 * data); sets *full when the reply can take no more. */
typedef crm_status (*queues_take)(struct req_ctx *ctx, struct store_iter *it,
    uint64_t id, int64_t at, void *arg, int *full);

/*
 * queues_merge: the entries of db under owners[0..n) (each | mask) with a
 * time from `from` (INT64_MIN: the start) to `until`, earliest first
 * across all of them (ties by id); calls take for each until it says the
 * reply is full or none are left.
 */
crm_status queues_merge(struct req_ctx *ctx, enum store_db db,
    const uint64_t *owners, size_t n, uint64_t mask, int64_t from,
    int64_t until, queues_take take, void *arg);

/* queues_merge_dbs: the same over ranges of several indexes keyed alike:
 * range i is the entries of dbs[i] under prefixes[i] (task facts and
 * the due queue: report.c). */
crm_status queues_merge_dbs(struct req_ctx *ctx, const enum store_db *dbs,
    const uint64_t *prefixes, size_t n, int64_t from, int64_t until,
    queues_take take, void *arg);

#endif
