/* SPDX-License-Identifier: MIT */
/*
 * argv.h: splitting a shell line into words the way a POSIX shell would
 * for the simple cases the crm shell needs: blanks separate words, double
 * and single quotes group them, a backslash escapes the next character
 * (inside double quotes only before " \ and $). No variables, no globs.
 */
#ifndef ARGV_H
#define ARGV_H

#include <stdbool.h>
#include <stddef.h>

#include "crm_err.h"

typedef struct argv_list {
	int argc;
	char **argv;       /* argc words, then NULL */
	bool open_quote;   /* the line ended inside quotes or after '\' */
	bool ends_blank;   /* the line ended with an unquoted blank (or is
	                      empty): the next word has not begun */
	size_t last_start; /* byte offset in the line where the last word
	                      begins (its opening quote, if any) */
} argv_list;

/*
 * argv_split: split line into out. out->argv and its words are allocated:
 * the caller frees with argv_free(), also on failure.
 * Errors: CRM_EINVAL when partial is false and a quote is left open
 * ("unterminated quote"). With partial true an open quote is accepted
 * (for completion) and reported in out->open_quote.
 */
crm_status argv_split(
    const char *line, bool partial, argv_list *out /* OUT */);

/* argv_free: free what argv_split allocated; l may be zeroed or freed. */
void argv_free(argv_list *l);

/*
 * argv_quote: s as one word argv_split reads back unchanged: s itself
 * when it needs no quoting, else with blanks and quotes escaped by '\'.
 * Caller frees with free().
 */
char *argv_quote(const char *s);

#endif
