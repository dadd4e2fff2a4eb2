/* SPDX-License-Identifier: MIT */
/*
 * check.h: verify a database against the application's invariants (for
 * crm-check and for backups before they are put in place):
 *   - every page of every database can be read, in place (a full cursor
 *     scan reading every value, whose count must match the tree's);
 *   - every record decodes, its strings are UTF-8 and its enums in range,
 *     and its key is its id;
 *   - every index entry points to an existing record that agrees with
 *     it, and every record has the index entries it should (names, owner
 *     and team lists, per-customer lists, open queues, report facts and
 *     tallies);
 *   - records refer to existing users, teams and customers;
 *   - id sequences are ahead of every id handed out.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "dispatch.h"

struct check {
	struct req_ctx *ctx; /* st, a read txn, an arena */
	FILE *out;           /* problems are printed here (NULL: not) */
	unsigned max_print;  /* at most this many */
	uint64_t problems;
	uint64_t entries;       /* entries scanned, all databases */
	uint64_t records;       /* records checked */
	uint64_t name_keys;     /* name-index entries found by their own */
	unsigned char scan_sum; /* of every value byte: the reads happen */
};

/* check_problem: count one problem and print it (up to max_print). */
void check_problem(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * check_run: every check above in c->ctx->txn. Returns CRM_OK when the
 * walk finished (c->problems says whether the data is clean), or the
 * error that stopped it.
 */
crm_status check_run(struct check *c);

/* stats_check (stats.c): the report facts and tallies agree with the
 * records. */
crm_status stats_check(struct check *c);

#endif
