/* SPDX-License-Identifier: MIT */
/*
 * scope.h: who may see whose work, and who may be given work, written
 * once: the person or team a report, an export, a customer list or a task
 * queue names (--user, --team), and the people a task, a commitment or a
 * customer may be handed to. Customer visibility itself is auth.h's
 * (auth_can_see); this file applies it to names a request gives.
 *
 * A person or team out of the caller's reach answers like one that does
 * not exist (CRM_NOT_FOUND "no user 'x'" / "no team 'x'"), so a refusal
 * tells nobody who works where.
 */
#ifndef SCOPE_H
#define SCOPE_H

#include <stdint.h>

#include "dispatch.h"
#include "user.h"

/*
 * scope_user: the user named login, if ctx->who may see their work:
 * themselves, or anyone of a team they manage (an admin: anyone).
 * Errors: CRM_NOT_FOUND "no user 'LOGIN'" for an unknown login and for
 * one out of reach alike. *u: borrowed; valid until the request ends.
 */
crm_status scope_user(struct req_ctx *ctx, const char *login,
    Crm__Store__UserRecord **u /* OUT */);

/*
 * scope_team: the id of the team named name, if ctx->who manages it (an
 * admin: any team). Errors: CRM_EPERM for a rep (their reach is their
 * own customers), CRM_NOT_FOUND "no team 'NAME'" for an unknown team and
 * one out of reach alike.
 */
crm_status scope_team(
    struct req_ctx *ctx, const char *name, uint64_t *id /* OUT */);

/* What a report or an export covers. */
enum scope_kind {
	SCOPE_PERSON, /* one person's customers: id is the user */
	SCOPE_TEAM,   /* one team's customers: id is the team */
	SCOPE_ALL,    /* every customer (an admin naming nobody): each
	               * team's and what is of no team (team 0) */
};

struct scope {
	enum scope_kind kind;
	uint64_t id;
	uint64_t team_id;  /* the person's or the team's; 0 for SCOPE_ALL */
	const char *label; /* login or team name; borrowed, request-long */
};

/*
 * scope_resolve: what a report or an export of ctx->who covers, from the
 * request's user and team (either NULL or "" when not given). Neither:
 * a rep their own customers, a manager their team's, an admin everyone's.
 * Errors: CRM_EINVAL both given; those of scope_user and scope_team.
 */
crm_status scope_resolve(struct req_ctx *ctx, const char *user,
    const char *team, struct scope *s /* OUT */);

/*
 * scope_assignee: the user login names, to be given work (a task, a
 * commitment, a next follow-up) on customer c by ctx->who (NULL or "":
 * dflt). Allowed: the caller, c's owner, anyone in a team the caller
 * manages, and for a rep their own manager; and only someone who may see
 * c. Errors: CRM_NOT_FOUND (no active user), CRM_EPERM (not yours to
 * give work to), CRM_EPRECOND (may not see c).
 */
crm_status scope_assignee(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const char *login, uint64_t dflt, uint64_t *id /* OUT */);

/*
 * scope_author: the user login names, as who made a record an import
 * brings along (a follow-up's author, a purchase's, who resolved an
 * objection or attached a file): an existing user, active or not (a rep
 * who left still wrote their follow-ups), whose work ctx->who may see
 * (scope_user): themselves, for a manager anyone of a team they manage,
 * for an admin anyone. Errors: CRM_EPERM for a rep naming anyone else
 * (a rep's records are their own), CRM_NOT_FOUND "no user 'LOGIN'" (an
 * unknown login, and one out of a manager's reach alike).
 */
crm_status scope_author(
    struct req_ctx *ctx, const char *login, uint64_t *id /* OUT */);

/*
 * scope_new_owner: the user login names, to be given customers (customer
 * add --owner, customer assign) by ctx->who: themselves, or an active
 * user of a team they manage. Errors: CRM_NOT_FOUND (no active user),
 * CRM_EPERM (not yours to give customers to). *u: borrowed; valid until
 * the request ends.
 */
crm_status scope_new_owner(struct req_ctx *ctx, const char *login,
    Crm__Store__UserRecord **u /* OUT */);

#endif
