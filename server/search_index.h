/* SPDX-License-Identifier: MIT */
/*
 * search_index.h: the gram index of the search texts (search.h), so that
 * a manager's or an admin's `customer find` reads one index range instead
 * of every customer of the team (issue 19 step 3).
 *
 * A text is cut into units (UTF-8 code points; a byte that does not start
 * a well-formed sequence is a unit of its own). A unit of 3 or more bytes
 * (CJK, kana, hangul, full-width forms) is "wide". The grams of a text
 * are its windows that hold no newline (the field separator) and are
 *   - two adjacent wide units (a bigram: CJK text), or
 *   - three adjacent units with no two adjacent wide ones (a trigram:
 *     Latin text, digits, and the seams between scripts).
 * Whether a window is a gram depends on the window alone, so every gram
 * of a needle is a gram of every text that holds the needle. A needle
 * without a gram (one or two units, "张", "ab", "a张") is not looked up:
 * the caller scans as it did before the index.
 *
 * DB_SEARCH_GRAM: gram (8 bytes) || team id || customer id -> owner id
 * (8 bytes each, big-endian). A gram of at most 8 bytes is its bytes,
 * zero-padded; a longer one (wide units around a 2-byte one) is 0xFF and
 * 7 bytes of a hash: another gram may share it, which only adds
 * candidates, never loses one. A team's customers holding a gram are one
 * range; an admin's walk merges the gram's teams in id order. Merged
 * tombstones have no text and no grams.
 */
#ifndef SEARCH_INDEX_H
#define SEARCH_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "dispatch.h"

/*
 * search_index_grams: the distinct grams of text (len bytes), sorted, in
 * a malloc'd array (*grams, free it; NULL when none). Returns how many.
 */
size_t search_index_grams(const char *text, size_t len, uint64_t **grams);

/*
 * search_index_update: make customer id's entries follow its text, team
 * and owner: from old (olen bytes, NULL: none were indexed) under
 * old_team / old_owner to text (NULL: none, as for a merged tombstone)
 * under team / owner. Only the grams that differ are written when the
 * team and owner stay. Errors: as store_map_lmdb.
 */
crm_status search_index_update(struct req_ctx *ctx, uint64_t id,
    const char *old, size_t olen, uint64_t old_team, uint64_t old_owner,
    const char *text, size_t len, uint64_t team, uint64_t owner);

/* A walk of the customers whose texts hold one gram of a needle. */
struct search_walk {
	uint64_t gram;
	int all;       /* every team (an admin), else only `team` */
	uint64_t team; /* a manager's team */
	/* all: each team's next entry (heads[i].id 0: that team is done) */
	struct search_head {
		uint64_t team, id, owner;
	} * heads;
	size_t n_heads;
	int started;
	/* The candidates, when the plan knows them in full (the rarest
	 * gram's entries, less those other grams rule out), in id order:
	 * cands[next_cand..n_cands). NULL: follow `gram` entry by entry. */
	struct search_head *cands;
	size_t n_cands, next_cand;
};

/*
 * search_index_plan: set up *w for needle (folded) in one team's texts
 * (all == 0) or every team's, for ids after `after`: the needle's gram
 * with the fewest entries in that range (each gram's entries are counted
 * up to a small cap, so a common gram never costs a long count). Returns
 * 1 when the walk is set up, 0 when the needle has no gram (scan
 * instead). Errors: CRM_TOO_BIG (the arena), LMDB's.
 */
crm_status search_index_plan(struct req_ctx *ctx, const char *needle, int all,
    uint64_t team, uint64_t after, struct search_walk *w, int *ok /* OUT */);

/*
 * search_index_next: the next customer of the walk after id `after` (the
 * one it returned last, or the plan's), and its owner as indexed.
 * Errors: CRM_NOT_FOUND at the end.
 */
crm_status search_index_next(struct req_ctx *ctx, struct search_walk *w,
    uint64_t after, uint64_t *id /* OUT */, uint64_t *owner /* OUT */);

/*
 * search_index_check (crm-check): both ways. Every live customer has an
 * entry for each gram of its stored text, under its team, naming its
 * owner; every entry names a live customer of that team and owner whose
 * stored text holds that gram.
 */
crm_status search_index_check(struct check *c);

#endif
