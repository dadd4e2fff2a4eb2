/* SPDX-License-Identifier: MIT */
/*
 * session.h: the session token kept between crm runs, so `crm -c` calls
 * after one `login` need no password. The file is
 * $XDG_CONFIG_HOME/crm/session (or ~/.config/crm/session), mode 0600: a
 * line of hex, then the server address it was given by (as crm was told
 * it). The token is sent to that server only.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

/* session_path: the file's path, or NULL without HOME. Caller frees with
 * free(). */
char *session_path(void);

/*
 * session_load: the stored token, for server. Caller frees *token with
 * free(). The file must be the user's own in a folder others cannot
 * write; one others can read is made 0600 with a warning on stderr.
 * Errors: CRM_EPERM (the session is for another server: said on
 * stderr unless quiet), CRM_NOT_FOUND (no file, not a token, an older
 * crm's file that names no server (said unless quiet), or refused as
 * above, saying why: not logged in).
 */
crm_status session_load(uint8_t **token /* OUT */, size_t *len /* OUT */,
    const char *server, bool quiet);

/* session_save: store token, given by server, unless its folder is not
 * the user's own or others can write it (said on stderr).
 * Errors: CRM_INTERNAL. */
crm_status session_save(const uint8_t *token, size_t len, const char *server);

/* session_server: the server the stored session is for, or NULL (none,
 * or an older crm's file). Caller frees with free(). */
char *session_server(void);

/* session_unbound: whether the stored session is an older crm's, a
 * token that names no server (not used: log in again). */
bool session_unbound(void);

/* session_remove: forget the token (no file is fine). */
void session_remove(void);

#endif
