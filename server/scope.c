/* SPDX-License-Identifier: MIT */
/*
 * scope.c: who may see whose work and who may be given work (scope.h).
 * The rules and their messages live here only: report.c, export.c,
 * customer.c, task.c and followup.c call them.
 */
#include "scope.h"

#include <inttypes.h>
#include <string.h>

#include "auth.h"
#include "crm.h"
#include "task.h"

crm_status
scope_user(struct req_ctx *ctx, const char *login, Crm__Store__UserRecord **u)
{
	if (user_by_login(ctx, login, u) != CRM_OK ||
	    ((*u)->id != ctx->who->user_id &&
	        !auth_manages(ctx->who, (*u)->team_id))) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no user '%s'", login);
	}
	return CRM_OK;
}

crm_status
scope_team(struct req_ctx *ctx, const char *name, uint64_t *id)
{
	if (ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "a rep's reports and exports cover their own customers");
	}
	if (user_team_by_name(ctx, name, id) != CRM_OK ||
	    !auth_manages(ctx->who, *id)) {
		return dispatch_fail(ctx, CRM_NOT_FOUND, "no team '%s'", name);
	}
	return CRM_OK;
}

crm_status
scope_resolve(
    struct req_ctx *ctx, const char *user, const char *team, struct scope *s)
{
	const struct auth_who *who = ctx->who;
	int by_user = user != NULL && *user, by_team = team != NULL && *team;
	if (by_user && by_team) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "give a user or a team, not both");
	}
	if (by_user) {
		Crm__Store__UserRecord *u;
		crm_status rc = scope_user(ctx, user, &u);
		if (rc == CRM_OK) {
			*s = (struct scope){ SCOPE_PERSON, u->id, u->team_id,
				crm_arena_strdup(ctx->arena, u->login) };
		}
		return rc;
	}
	if (by_team) {
		uint64_t id;
		crm_status rc = scope_team(ctx, team, &id);
		if (rc == CRM_OK) {
			*s = (struct scope){ SCOPE_TEAM, id, id,
				user_team_name(ctx, id) };
		}
		return rc;
	}
	if (who->role == CRM__V1__ROLE__ROLE_REP) {
		*s = (struct scope){ SCOPE_PERSON, who->user_id, who->team_id,
			who->login };
	} else if (who->role == CRM__V1__ROLE__ROLE_MANAGER) {
		*s = (struct scope){ SCOPE_TEAM, who->team_id, who->team_id,
			user_team_name(ctx, who->team_id) };
	} else {
		*s = (struct scope){ SCOPE_ALL, 0, 0, "all teams" };
	}
	return CRM_OK;
}

crm_status
scope_assignee(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const char *login, uint64_t dflt, uint64_t *id)
{
	if (login == NULL || *login == '\0') {
		*id = dflt;
		return CRM_OK;
	}
	Crm__Store__UserRecord *u;
	if (user_by_login(ctx, login, &u) != CRM_OK || !u->active) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no active user '%s'", login);
	}
	/* Yourself, the customer's owner, your team if you manage it, or
	 * (a rep) your own manager: seed 002's objections "由销售经理协调
	 * 资源跟进". */
	int own_manager = ctx->who->role == CRM__V1__ROLE__ROLE_REP &&
	                  u->role == CRM__V1__ROLE__ROLE_MANAGER &&
	                  u->team_id != 0 && u->team_id == ctx->who->team_id;
	if (u->id != ctx->who->user_id && u->id != c->owner_id &&
	    !own_manager && !auth_manages(ctx->who, u->team_id)) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "you may give work only to yourself, the customer's "
		    "owner%s",
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP
		        ? " or your manager"
		        : " or your team");
	}
	if (!task_user_sees(ctx, u->id, c)) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s may not see customer %s: give it to its owner or a "
		    "manager of its team, or give %s the customer first "
		    "(customer assign)",
		    login, c->name ? c->name : "", login);
	}
	*id = u->id;
	return CRM_OK;
}

crm_status
scope_author(struct req_ctx *ctx, const char *login, uint64_t *id)
{
	if (ctx->who->role == CRM__V1__ROLE__ROLE_REP &&
	    strcmp(login, ctx->who->login) != 0) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "%s is not you: a rep imports their own records (a "
		    "manager of the team, or an admin, imports others')",
		    login);
	}
	Crm__Store__UserRecord *u;
	crm_status rc = scope_user(ctx, login, &u);
	if (rc == CRM_OK) {
		*id = u->id;
	}
	return rc;
}

crm_status
scope_new_owner(
    struct req_ctx *ctx, const char *login, Crm__Store__UserRecord **u)
{
	if (user_by_login(ctx, login, u) != CRM_OK || !(*u)->active) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no active user '%s'", login);
	}
	if ((*u)->id == ctx->who->user_id) {
		return CRM_OK;
	}
	if (!auth_manages(ctx->who, (*u)->team_id)) {
		return dispatch_fail(
		    ctx, CRM_EPERM, "you may not give customers to %s", login);
	}
	return CRM_OK;
}
