/* SPDX-License-Identifier: MIT */
/*
 * crm_path.h: whether a folder may hold this user's socket or secrets.
 * Both crmd and crm ask before they use a runtime or socket folder: one
 * made first by another local user (in /tmp, say) would receive what the
 * client sends, passwords included. Nothing here repairs; only
 * crm_path_mkdir_parent creates.
 */
#ifndef CRM_PATH_H
#define CRM_PATH_H

#include <stddef.h>

#include "crm_err.h"

/* crm_path_runtime_dir: "$XDG_RUNTIME_DIR/crm", or "/tmp/crm-UID/crm"
 * when XDG_RUNTIME_DIR is unset or not absolute. Caller frees with
 * free(). */
char *crm_path_runtime_dir(void);

/*
 * crm_path_check_dir: dir is a folder owned by the effective user (or,
 * unless private_dir, by root) that group and others cannot write; with
 * private_dir they cannot even enter or read it (mode 0700 or less). On
 * refusal why (n bytes) says what is wrong and how to fix it.
 * Errors: CRM_EPERM (unsafe), CRM_NOT_FOUND (missing), CRM_INTERNAL.
 */
crm_status crm_path_check_dir(
    const char *dir, int private_dir, char *why /* OUT */, size_t n);
/* crm_path_check_dir_env: the same, advising the environment variable
 * env (the one that moves dir) when dir is someone else's; with env
 * NULL, another user's crmd's tcp address or a folder of one's own. */
crm_status crm_path_check_dir_env(const char *dir, int private_dir,
    const char *env, char *why /* OUT */, size_t n);

/*
 * crm_path_check_ipc: for an ipc:// URL, the socket's folder passes
 * crm_path_check_dir (private when it is the runtime folder, and then
 * /tmp/crm-UID above it too), and its parent cannot be written by others
 * unless sticky (others could not rename the folder away); a socket
 * already there must have the folder's owner. Other URLs pass. Errors: as
 * crm_path_check_dir, with why set.
 */
crm_status crm_path_check_ipc(const char *url, char *why /* OUT */, size_t n);

/*
 * crm_path_mkdir_parent: create the folders above path (mode 0700) as
 * needed, as `mkdir -p` of its dirname. Errors: CRM_INTERNAL (errno says
 * why).
 */
crm_status crm_path_mkdir_parent(const char *path);

#endif
