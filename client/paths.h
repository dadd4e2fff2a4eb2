/* SPDX-License-Identifier: MIT */
/*
 * paths.h: where the shell keeps its files (XDG base directories) and the
 * private directories and 0600 files they live in.
 */
#ifndef PATHS_H
#define PATHS_H

#include "crm_err.h"

/*
 * paths_xdg: "$ENV/crm/LEAF", or "$HOME/FALLBACK/crm/LEAF" when ENV is
 * unset or empty (FALLBACK e.g. ".config"). NULL when neither ENV nor HOME
 * is set. Caller frees with free().
 */
char *paths_xdg(const char *env, const char *fallback, const char *leaf);

/*
 * paths_write_private: replace path with data atomically (temporary file,
 * fsync, rename), mode 0600, creating its directory 0700.
 * Errors: CRM_INTERNAL (errno says why).
 */
crm_status paths_write_private(const char *path, const char *data);

/*
 * paths_tmp_sweep: remove the temporary files "PATH.PID.tmp" that a crm
 * killed while it replaced path left behind (its PID no longer runs).
 * Quiet: what it cannot remove stays.
 */
void paths_tmp_sweep(const char *path);

/*
 * paths_read: the whole file, NUL-terminated, or NULL when it cannot be
 * read. Caller frees with free().
 */
char *paths_read(const char *path);

#endif
