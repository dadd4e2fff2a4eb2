/* SPDX-License-Identifier: MIT */
/*
 * merge.h: what an export needs of customer merges (merge.c). A merge
 * moves records from one customer to another, so an export paged across
 * one may miss or repeat them: merge.c counts merges in all and in each
 * team of the two customers, and an export holds its first page's count
 * against each next page's.
 */
#ifndef MERGE_H
#define MERGE_H

#include <lmdb.h>
#include <stdint.h>

#include "store.h"

/* merge_mark: the count of merges in team (0: in all teams) as of txn;
 * never 0. */
uint64_t merge_mark(store *s, MDB_txn *txn, uint64_t team);

#endif
