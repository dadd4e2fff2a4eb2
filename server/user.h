/* SPDX-License-Identifier: MIT */
/*
 * user.h: the record API of users and teams, shared by the handlers in
 * user.c and session.c and by `crmd user add`. Records come back in
 * ctx->arena (borrowed; valid until the arena is reset).
 */
#ifndef USER_H
#define USER_H

#include <stdint.h>

#include "dispatch.h"
#include "records.pb-c.h"

/* user_login_valid: 1..32 of [a-z0-9._-], starting with a letter or
 * digit (logins are stored lower-case). */
int user_login_valid(const char *login);

/* user_get: by id. Errors: CRM_NOT_FOUND. */
crm_status user_get(
    struct req_ctx *ctx, uint64_t id, Crm__Store__UserRecord **u /* OUT */);
/* user_by_login: by login (any case). Errors: CRM_NOT_FOUND. */
crm_status user_by_login(struct req_ctx *ctx, const char *login,
    Crm__Store__UserRecord **u /* OUT */);

/*
 * user_create: a new active user; the team (may be NULL or "") is created
 * when missing. Errors: CRM_EINVAL (bad login, role), CRM_EXISTS.
 */
crm_status user_create(struct req_ctx *ctx, const char *login,
    const char *name, int role, const char *team, const char *pwhash,
    uint64_t *id /* OUT */);

/* user_team_by_name: the id of team name. Errors: CRM_NOT_FOUND. */
crm_status user_team_by_name(
    struct req_ctx *ctx, const char *name, uint64_t *id /* OUT */);

/* user_team_ensure: the id of team name, created when missing. */
crm_status user_team_ensure(
    struct req_ctx *ctx, const char *name, uint64_t *id /* OUT */);

/* user_login_of / user_team_name: display strings for ids ("" when
 * unknown). Borrowed from ctx->arena. */
const char *user_login_of(struct req_ctx *ctx, uint64_t id);
const char *user_team_name(struct req_ctx *ctx, uint64_t team_id);
/*
 * user_names_begin: until user_names_end, on this thread, the two above
 * remember what they found (in ctx->arena, taken now: a request that
 * names the same few people and teams on every row of a page, an export,
 * reads each record once). Strings returned stay valid with the arena.
 * For one request and its transaction: end before the handler returns.
 */
void user_names_begin(struct req_ctx *ctx);
void user_names_end(void);

/* A user's team (0: none). */
struct user_team {
	uint64_t user, team;
};
/* user_teams: every user's team, by user id, from one pass over the
 * users (each record released once read); *v is malloc'd (free it).
 * Users never change teams, so a team's members are exactly these. */
crm_status user_teams(
    struct req_ctx *ctx, struct user_team **v /* OUT */, size_t *n /* OUT */);
/* user_team_of: the team of user among v[0..n) as user_teams gives them
 * (by user id); 0: none, or not there. */
uint64_t user_team_of(const struct user_team *v, size_t n, uint64_t user);

/* user_public: the public view of u (no password hash) in ctx->arena. */
Crm__V1__User *user_public(
    struct req_ctx *ctx, const Crm__Store__UserRecord *u);

#endif
