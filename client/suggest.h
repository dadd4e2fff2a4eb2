/* SPDX-License-Identifier: MIT */
/*
 * suggest.h: "did you mean": the words of a list closest to a word typed
 * wrong (a command, a verb, an option, a field name). Close means a small
 * edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours, counted in characters, so Chinese words work) relative to
 * the word's length, or one word being a prefix of the other. Pure: it
 * knows nothing of the command table and prints nothing.
 */
#ifndef SUGGEST_H
#define SUGGEST_H

#include <stddef.h>

/*
 * suggest: the words of cands[0..n) closest to word (all equally close
 * ones, in the order given, duplicates once), at most max of them,
 * into out (borrowed from cands). Returns how many.
 */
size_t suggest(const char *word, const char *const *cands, size_t n,
    const char **out /* OUT */, size_t max);

/*
 * suggest_start: the words of cands[0..n) whose start is close to word
 * (a name typed short and wrong: "Nortwind" for "Northwind Foods"), at
 * most max, in the order given, into out (borrowed). For a word of 4
 * characters or more; returns how many.
 */
size_t suggest_start(const char *word, const char *const *cands, size_t n,
    const char **out /* OUT */, size_t max);

/*
 * suggest_hint: " (did you mean: a, b?)" for the words suggest finds
 * (at most 3), or "" when none is close, into buf.
 */
void suggest_hint(const char *word, const char *const *cands, size_t n,
    char *buf, size_t len);

/* suggest_distance: the edit distance of a and b in characters (the
 * optimal string alignment distance); exposed for the tests. */
size_t suggest_distance(const char *a, const char *b);

#endif
