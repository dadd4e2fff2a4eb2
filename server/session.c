/* SPDX-License-Identifier: MIT */
/*
 * session.c: the handlers of hello, login, logout, whoami and passwd.
 * Password checks and hashing run in the workers' prepare step, never in
 * the writer, so a 60 ms argon2id hash does not hold up other writes.
 */
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "crm.h"
#include "handlers.h"
#include "policy.h"
#include "store_schema.h"
#include "user.h"

crm_status
session_handle_hello(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__HelloReply *h = crm_arena_alloc(ctx->arena, sizeof(*h));
	if (h == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__hello_reply__init(h);
	h->server_version = (char *)"crmd " CRM_VERSION;
	h->has_protocol_version = h->has_max_message_size = 1;
	h->has_page_size = h->has_max_page_size = 1;
	h->protocol_version = CRM_PROTOCOL_VERSION;
	h->has_min_protocol_version = h->has_max_protocol_version = 1;
	h->min_protocol_version = CRM_PROTOCOL_MIN;
	h->max_protocol_version = CRM_PROTOCOL_VERSION;
	h->max_message_size = CRM_MAX_REQUEST;
	h->page_size = 50;
	h->max_page_size = 500;
	h->pub_url = ctx->cfg ? ctx->cfg->pub_url : NULL;
	if (ctx->cfg != NULL) {
		h->n_pub_urls = (size_t)ctx->cfg->n_pub;
		h->pub_urls = (char **)ctx->cfg->pub_urls;
	}
	Crm__V1__Policy *p = NULL;
	if (ctx->txn != NULL && policy_load(ctx, &p) == CRM_OK) {
		h->has_idem_retention_seconds = 1;
		h->idem_retention_seconds = policy_idem_retention(p);
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_HELLO;
	resp->hello = h;
	return CRM_OK;
}

crm_status
session_prepare_login(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)resp;
	const Crm__V1__LoginRequest *r = req->login;
	if (r->login == NULL || r->password == NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    r->login == NULL ? "login.login" : "login.password",
		    "login and password are required");
	}
	int64_t wait;
	if (auth_login_allowed(r->login, ctx->peer, ctx->now, &wait) !=
	    CRM_OK) {
		auth_log_login_failure(r->login, ctx->peer,
		    "refused: too many failures, waiting");
		ctx->retry_after_ms = (uint32_t)wait * 1000u;
		return dispatch_fail(ctx, CRM_TOO_BIG,
		    "too many failed logins for '%s'; try again in %lld s",
		    r->login, (long long)wait);
	}
	Crm__Store__UserRecord *u;
	crm_status rc = user_by_login(ctx, r->login, &u);
	const char *why = rc == CRM_OK ? "wrong password" : "no such user";
	if (rc == CRM_OK && !u->active) {
		rc = CRM_EUNAUTH;
		why = "account disabled";
	}
	if (rc == CRM_OK) {
		rc = auth_check_password(u->pwhash, r->password);
	} else {
		/* Same cost for unknown users: no timing oracle. */
		char dummy[128];
		auth_hash_password("not-a-password", dummy);
		rc = CRM_EUNAUTH;
	}
	/* Stamped after the hash, which is slow: the wait counts from the
	 * answer the client saw. */
	auth_login_result(r->login, ctx->peer, crm_time_now(), rc == CRM_OK);
	if (rc != CRM_OK) {
		auth_log_login_failure(r->login, ctx->peer, why);
		return dispatch_fail(
		    ctx, CRM_EUNAUTH, "wrong login or password");
	}
	ctx->prep.user_id = u->id;
	return CRM_OK;
}

crm_status
session_handle_login(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__LoginReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	uint8_t *token = crm_arena_alloc(ctx->arena, AUTH_TOKEN_LEN);
	if (out == NULL || token == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__login_reply__init(out);
	Crm__Store__UserRecord *u;
	crm_status rc = user_get(ctx, ctx->prep.user_id, &u);
	if (rc != CRM_OK || !u->active) {
		return dispatch_fail(ctx, CRM_EUNAUTH, "account disabled");
	}
	rc = auth_session_create(ctx, u->id, token, &out->expires_at);
	if (rc != CRM_OK) {
		return rc;
	}
	out->has_session_token = out->has_expires_at = 1;
	out->session_token.data = token;
	out->session_token.len = AUTH_TOKEN_LEN;
	/* The session's owner, for the audit record of the login. */
	ctx->who_buf.user_id = u->id;
	ctx->who = &ctx->who_buf;
	out->user = user_public(ctx, u);
	resp->body_case = CRM__V1__RESPONSE__BODY_LOGIN;
	resp->login = out;
	return audit_add(ctx, "session", u->id, NULL, NULL);
}

crm_status
session_handle_logout(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)resp;
	return auth_session_delete(ctx, &req->session_token);
}

crm_status
session_handle_whoami(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__Store__UserRecord *u;
	crm_status rc = user_get(ctx, ctx->who->user_id, &u);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_USER;
	resp->user = user_public(ctx, u);
	return resp->user ? CRM_OK : CRM_TOO_BIG;
}

crm_status
session_prepare_passwd(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)resp;
	const Crm__V1__PasswdRequest *r = req->passwd;
	if (r->old_password == NULL || r->new_password == NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    r->old_password == NULL ? "passwd.old_password"
		                            : "passwd.new_password",
		    "old and new password are required");
	}
	if (strlen(r->new_password) < CRM_PASSWORD_MIN) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "passwd.new_password",
		    "a password of at least %d characters is needed",
		    CRM_PASSWORD_MIN);
	}
	Crm__Store__UserRecord *u;
	crm_status rc = user_get(ctx, ctx->who->user_id, &u);
	if (rc != CRM_OK) {
		return rc;
	}
	/* The old password is a password guess like a login: the same
	 * per-login throttle and the same log line (never the password). */
	const char *login = u->login ? u->login : "";
	int64_t wait;
	if (auth_login_allowed(login, ctx->peer, ctx->now, &wait) != CRM_OK) {
		auth_log_login_failure(login, ctx->peer,
		    "passwd refused: too many failures, waiting");
		ctx->retry_after_ms = (uint32_t)wait * 1000u;
		return dispatch_fail(ctx, CRM_TOO_BIG,
		    "too many wrong passwords for '%s'; try again in %lld s",
		    login, (long long)wait);
	}
	rc = auth_check_password(u->pwhash, r->old_password);
	auth_login_result(login, ctx->peer, crm_time_now(), rc == CRM_OK);
	if (rc != CRM_OK) {
		auth_log_login_failure(
		    login, ctx->peer, "passwd: wrong old password");
		return dispatch_fail(
		    ctx, CRM_EUNAUTH, "the old password is wrong");
	}
	if (auth_hash_password(r->new_password, ctx->prep.pwhash) != CRM_OK) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "passwd.new_password", "unusable password");
	}
	return CRM_OK;
}

crm_status
session_handle_passwd(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	Crm__Store__UserRecord *u;
	crm_status rc = user_get(ctx, ctx->who->user_id, &u);
	if (rc != CRM_OK) {
		return rc;
	}
	u->pwhash = ctx->prep.pwhash;
	u->updated_at = ctx->now;
	store_key k;
	store_key_id(&k, u->id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_USERS, &k, &u->base);
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "password", u->id, NULL, NULL);
	}
	/* A stolen token must not outlive the password: every other
	 * session ends. The one that asked goes on, so the shell that
	 * changed the password need not log in again. */
	uint32_t ended = 0;
	if (rc == CRM_OK) {
		rc =
		    auth_sessions_end(ctx, u->id, &req->session_token, &ended);
	}
	if (rc == CRM_OK) {
		resp->has_sessions_ended = 1;
		resp->sessions_ended = ended;
		crm_info("password of %s changed; %u other sessions ended",
		    u->login ? u->login : "?", ended);
	}
	return rc;
}
