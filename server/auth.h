/* SPDX-License-Identifier: MIT */
/*
 * auth.h: passwords (argon2id through libsodium, at most two hashes at a
 * time), sessions (32 random bytes; only their BLAKE2b hash is stored;
 * fixed expiry), the failed-login slow-down, and the permission rules
 * (docs/authz.md). Handlers ask here; nothing here touches requests.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdint.h>

#include "crm.pb-c.h"
#include "dispatch.h"

#define AUTH_TOKEN_LEN       32
#define AUTH_SESSION_SECONDS (30 * 86400)

/* auth_init: libsodium and the hashing semaphore. Errors: CRM_INTERNAL. */
crm_status auth_init(void);

/*
 * auth_hash_password: argon2id string of pw into out (128 bytes).
 * Errors: CRM_EINVAL (empty or over 1024 bytes), CRM_INTERNAL.
 */
crm_status auth_hash_password(const char *pw, char out[128]);

/* auth_check_password: pw matches hash. Errors: CRM_EUNAUTH. */
crm_status auth_check_password(const char *hash, const char *pw);

/*
 * auth_session_check: the user of token, valid, unexpired and active, into
 * ctx->who_buf; ctx->who points at it. Errors: CRM_EUNAUTH.
 */
crm_status auth_session_check(
    struct req_ctx *ctx, const ProtobufCBinaryData *token);

/* auth_session_create: a new session for user_id in ctx->txn. */
crm_status auth_session_create(struct req_ctx *ctx, uint64_t user_id,
    uint8_t token[AUTH_TOKEN_LEN] /* OUT */, int64_t *expires /* OUT */);

/* auth_session_delete: end the session of token (CRM_OK when absent). */
crm_status auth_session_delete(
    struct req_ctx *ctx, const ProtobufCBinaryData *token);

/*
 * auth_sessions_end: end every session of user_id in ctx->txn except the
 * one of token keep (NULL: none kept); *ended counts the unexpired ones.
 * Errors: as store_map_lmdb.
 */
crm_status auth_sessions_end(struct req_ctx *ctx, uint64_t user_id,
    const ProtobufCBinaryData *keep, uint32_t *ended /* OUT */);

/*
 * auth_login_allowed: whether login may try a password now, from the
 * connection peer. After three failures in a row each checked attempt
 * must wait 2^(n-2) s (at most 5 min) from the last failure. Attempts
 * allowed and not yet reported count as failures, so parallel requests
 * get no more guesses than sequential ones; every allowed attempt must
 * be followed by auth_login_result.
 * No lockout: a connection refused during a wait gets a ticket (at most
 * 64 per login): its first attempt at or after the end of the wait it was
 * told is checked even when other connections' failures started a new
 * wait since. When all 64 are held, a connection that would be told to
 * wait is checked at once instead. So guessing delays the account's
 * owner by one wait, never longer, whoever holds the tickets; the price
 * is that a guesser gets one check per connection per wait, and past 64
 * waiting connections as many as crmd can hash (proto/README.md §4).
 * Errors: CRM_TOO_BIG with *wait seconds left.
 */
crm_status auth_login_allowed(
    const char *login, uint32_t peer, int64_t now, int64_t *wait /* OUT */);
/* auth_login_result: record a failed (ok == 0) or good attempt of peer. */
void auth_login_result(const char *login, uint32_t peer, int64_t now, int ok);

/*
 * auth_log_login_failure: one warning naming the login (sanitised, never
 * the password), the connection (a nanomsg pipe key) and why. Rate
 * limited across all logins: a burst of 20 lines, then 2 a second; the
 * number left out is told on the next line, so a flood cannot fill the
 * log.
 */
void auth_log_login_failure(const char *login, uint32_t peer, const char *why);

/* auth_can_see: who may see (and so edit) a customer with this owner and
 * team: admin all, manager their team, rep what they own. */
int auth_can_see(
    const struct auth_who *who, uint64_t owner_id, uint64_t team_id);

/* auth_manages: who is an admin, or a manager of team_id. */
int auth_manages(const struct auth_who *who, uint64_t team_id);

#endif
