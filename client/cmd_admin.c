/* SPDX-License-Identifier: MIT */
/*
 * cmd_admin.c: the administrators' commands: user add|list|disable|passwd
 * and team add|list. The server decides who may run them; the shell only
 * builds the requests and shows the answers.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const char *const user_cols[] = { "id", "login", "name", "role", "team",
	"active" };
static const char *const team_cols[] = { "id", "name", "managers", "members" };

/* Show one user (body `user`) or, without a body, `done`. */
static void
show_user(const Crm__V1__Response *resp, render_doc *out, const char *done)
{
	if (resp->body_case == CRM__V1__RESPONSE__BODY_USER) {
		const ProtobufCMessage *m = &resp->user->base;
		render_text(out, "%s", done);
		render_messages_table(out, 6, user_cols, &m, 1);
		render_set_json(out, render_json_message(m));
	} else {
		render_text(out, "%s", done);
	}
}

crm_status
cmd_admin_user_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserAddRequest body = CRM__V1__USER_ADD_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *pw = NULL, *done = NULL;
	const char *role = cmd_opt(call, "--role");
	int v = 0;

	if (role == NULL) {
		return cmd_usage_error(ctx, call, "--role is required");
	}
	rc = cmd_parse_enum(
	    ctx, call, &crm__v1__role__descriptor, "role", role, &v);
	if (rc != CRM_OK) {
		goto out;
	}
	rc = cmd_session_read_new_secret(ctx, "password for the new user: ",
	    "password again: ", "the passwords differ; no user added", &pw);
	if (rc != CRM_OK) {
		goto out;
	}
	body.login = call->argv[0];
	body.name = (char *)cmd_opt(call, "--name");
	body.team = (char *)cmd_opt(call, "--team");
	body.has_role = 1;
	body.role = (Crm__V1__Role)v;
	body.password = pw;
	req.body_case = CRM__V1__REQUEST__BODY_USER_ADD;
	req.user_add = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	done = crm_xasprintf("added user %s", call->argv[0]);
	show_user(resp, out, done);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	cmd_session_free_secret(pw);
	free(done);
	return rc;
}

crm_status
cmd_admin_user_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserListRequest body = CRM__V1__USER_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	(void)call;
	req.body_case = CRM__V1__REQUEST__BODY_USER_LIST;
	req.user_list = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	size_t n = 0;
	Crm__V1__User **users = NULL;
	if (resp->body_case == CRM__V1__RESPONSE__BODY_USERS) {
		n = resp->users->n_users;
		users = resp->users->users;
	}
	render_messages(
	    out, 6, user_cols, (const ProtobufCMessage *const *)users, n);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_admin_user_disable(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserDisableRequest body = CRM__V1__USER_DISABLE_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *done = NULL;

	body.login = call->argv[0];
	body.handover = (char *)cmd_opt(call, "--handover");
	unsigned long moved = 0;
	if (body.handover != NULL) {
		/* The batches below are a manager's right too, the disable an
		 * admin's: ask first, so that a refused disable moves nothing
		 * (a manager's moved the customers, then was refused). */
		Crm__V1__Request wreq = CRM__V1__REQUEST__INIT;
		Crm__V1__WhoamiRequest w = CRM__V1__WHOAMI_REQUEST__INIT;
		Crm__V1__Response *wr = NULL;
		wreq.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
		wreq.whoami = &w;
		rc = cmd_expect(ctx, &wreq, CRM__V1__RESPONSE__BODY_USER, &wr);
		if (rc != CRM_OK) {
			goto out;
		}
		int admin = wr->user->role == CRM__V1__ROLE__ROLE_ADMIN;
		crm__v1__response__free_unpacked(wr, NULL);
		if (!admin) {
			cmd_error(
			    "user.disable needs the admin role "
			    "(PERMISSION_DENIED); no customer was handed "
			    "over");
			rc = CRM_EPERM;
			goto out;
		}
	}
	if (body.handover != NULL) {
		/* A big book goes in batches first (customer handover); the
		 * disable moves the rest, at most one batch, in its step. */
		Crm__V1__Request hreq = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerHandoverRequest h =
		    CRM__V1__CUSTOMER_HANDOVER_REQUEST__INIT;
		h.from_user = call->argv[0];
		h.to_user = body.handover;
		hreq.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HANDOVER;
		hreq.customer_handover = &h;
		uint64_t cursor = 0;
		for (int batches = 0; batches < 100000; batches++) {
			Crm__V1__Response *hr = NULL;
			h.has_cursor = cursor != 0;
			h.cursor = cursor;
			rc = cmd_expect(ctx, &hreq,
			    CRM__V1__RESPONSE__BODY_CUSTOMERS, &hr);
			if (rc != CRM_OK) {
				goto out;
			}
			moved += hr->customers->n_customers;
			uint64_t next = hr->customers->next_cursor;
			crm__v1__response__free_unpacked(hr, NULL);
			if (next == 0 || next == cursor) {
				break;
			}
			cursor = next;
		}
	}
	req.body_case = CRM__V1__REQUEST__BODY_USER_DISABLE;
	req.user_disable = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	if (body.handover != NULL && moved == 0) {
		/* Handed over before (customer handover), or none held. */
		done = crm_xasprintf("disabled user %s; %u of their sessions "
		                     "ended; they held no customers, so none "
		                     "were handed to %s",
		    call->argv[0], resp->sessions_ended, body.handover);
	} else if (body.handover != NULL) {
		done = crm_xasprintf("disabled user %s; %u of their sessions "
		                     "ended; %lu customer%s handed to %s",
		    call->argv[0], resp->sessions_ended, moved,
		    moved == 1 ? "" : "s", body.handover);
	} else {
		done = crm_xasprintf(
		    "disabled user %s; %u of their sessions ended",
		    call->argv[0], resp->sessions_ended);
	}
	show_user(resp, out, done);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	free(done);
	return rc;
}

crm_status
cmd_admin_user_passwd(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserPasswdRequest body = CRM__V1__USER_PASSWD_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *pw = NULL, *done = NULL;

	rc = cmd_session_read_new_secret(ctx, "new password for the user: ",
	    "password again: ", "the passwords differ; nothing changed", &pw);
	if (rc != CRM_OK) {
		goto out;
	}
	body.login = call->argv[0];
	body.new_password = pw;
	req.body_case = CRM__V1__REQUEST__BODY_USER_PASSWD;
	req.user_passwd = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	done = crm_xasprintf("password of %s set; %u of their sessions ended",
	    call->argv[0], resp->sessions_ended);
	show_user(resp, out, done);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	cmd_session_free_secret(pw);
	free(done);
	return rc;
}

crm_status
cmd_admin_team_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TeamAddRequest body = CRM__V1__TEAM_ADD_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	body.name = call->argv[0];
	req.body_case = CRM__V1__REQUEST__BODY_TEAM_ADD;
	req.team_add = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	render_text(out, "added team %s", call->argv[0]);
	if (resp->body_case == CRM__V1__RESPONSE__BODY_TEAM) {
		const ProtobufCMessage *m = &resp->team->base;
		render_messages_table(out, 4, team_cols, &m, 1);
		render_set_json(out, render_json_message(m));
	}
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_admin_team_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TeamListRequest body = CRM__V1__TEAM_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	(void)call;
	req.body_case = CRM__V1__REQUEST__BODY_TEAM_LIST;
	req.team_list = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	size_t n = 0;
	Crm__V1__Team **teams = NULL;
	if (resp->body_case == CRM__V1__RESPONSE__BODY_TEAMS) {
		n = resp->teams->n_teams;
		teams = resp->teams->teams;
	}
	render_messages(
	    out, 4, team_cols, (const ProtobufCMessage *const *)teams, n);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

/* ------------------------------------------------------------ backup */

crm_status
cmd_admin_backup(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__BackupRequest body = CRM__V1__BACKUP_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	body.dir = call->argc > 0 ? call->argv[0] : NULL;
	req.body_case = CRM__V1__REQUEST__BODY_BACKUP;
	req.backup = &body;
	/* A big database takes a while to copy and verify. */
	int was = conn_timeout(ctx->conn);
	conn_set_timeout(ctx->conn, was > 600000 ? was : 600000);
	crm_status rc =
	    cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_BACKUP, &resp);
	conn_set_timeout(ctx->conn, was);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__BackupReply *b = resp->backup;
	char bytes[32], entries[32], secs[32];
	snprintf(
	    bytes, sizeof(bytes), "%.1f MiB", (double)b->bytes / 1048576.0);
	snprintf(
	    entries, sizeof(entries), "%llu", (unsigned long long)b->entries);
	snprintf(secs, sizeof(secs), "%.2f s", b->seconds);
	render_record(out);
	render_kv(out, "backup", b->path);
	render_kv(out, "size", bytes);
	render_kv(out, "entries checked", entries);
	render_kv(out, "took", secs);
	render_set_json(out, render_json_message(&b->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
