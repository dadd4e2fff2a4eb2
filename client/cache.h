/* SPDX-License-Identifier: MIT */
/*
 * cache.h: the local list of customer names that tab completion offers,
 * so completion never waits on the network. The file is
 * $XDG_CACHE_HOME/crm/customers (or ~/.cache/crm/customers), mode 0600,
 * one name per line, sorted; it is refreshed whenever a command returns
 * customers. Losing it costs nothing but completions.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>

#define CACHE_MAX_NAMES 20000 /* keep completion instant */

/*
 * cache_load: the cached names, sorted, sanitised for the terminal.
 * Caller frees with cache_free(*names, *n). An absent file gives n = 0.
 */
void cache_load(char ***names /* OUT */, size_t *n /* OUT */);
void cache_free(char **names, size_t n);

/*
 * cache_add: merge n names (borrowed) into the file. Failures are silent:
 * the cache is a convenience.
 */
void cache_add(const char *const *names, size_t n);

/* cache_load_file / cache_add_file: the same for another list in the
 * same folder: "tags" holds the feedback tags seen (log --tag, report
 * feedback), which `log --tag` completes from. */
void cache_load_file(
    const char *file, char ***names /* OUT */, size_t *n /* OUT */);
void cache_add_file(const char *file, const char *const *names, size_t n);
/* cache_del_file: drop n names (borrowed) from the list file ("issues":
 * the open issue ids `issue resolve` and `issue escalate` complete). */
void cache_del_file(const char *file, const char *const *names, size_t n);

/*
 * cache_forget: remove every list (customers, tags, issues). At login
 * and logout: what one user may see must not be offered to the next
 * who logs in on this account.
 */
void cache_forget(void);

#endif
