/* SPDX-License-Identifier: MIT */
/*
 * cmd_session.c: the session commands (login, logout, whoami, passwd)
 * and reading passwords: without echo from a terminal (termios), or one
 * line from a non-terminal stdin; never through readline, never stored.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cache.h"
#include "commands.h"
#include "cmd_outbox.h"
#include "outbox.h"
#include "session.h"

/* ------------------------------------------------------------ input */

/* One line from stdin without its newline. Caller frees with free(). */
static char *
read_line(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
		line[--n] = '\0';
	}
	return line;
}

crm_status
cmd_session_read_secret(struct cmd_ctx *ctx, const char *prompt, char **out)
{
	struct termios old, noecho;
	bool restore = false;

	*out = NULL;
	if (ctx->stdin_tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			noecho = old;
			noecho.c_lflag &= ~(tcflag_t)ECHO;
			noecho.c_lflag |= ECHONL | ICANON;
			restore =
			    tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) == 0;
		}
	}
	*out = read_line();
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	}
	if (*out == NULL) {
		if (ctx->stdin_tty) {
			fputc('\n', stderr);
		}
		cmd_error("no password given (end of input)");
		return CRM_EINVAL;
	}
	return CRM_OK;
}

void
cmd_session_free_secret(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

crm_status
cmd_session_read_new_secret(struct cmd_ctx *ctx, const char *prompt,
    const char *again, const char *differ, char **out)
{
	char *pw = NULL, *pw2 = NULL;
	*out = NULL;
	crm_status rc = cmd_session_read_secret(ctx, prompt, &pw);
	if (rc == CRM_OK && ctx->stdin_tty) {
		rc = cmd_session_read_secret(ctx, again, &pw2);
		if (rc == CRM_OK && strcmp(pw, pw2) != 0) {
			cmd_error("%s", differ);
			rc = CRM_EINVAL;
		}
	}
	cmd_session_free_secret(pw2);
	if (rc != CRM_OK) {
		cmd_session_free_secret(pw);
		return rc;
	}
	*out = pw;
	return CRM_OK;
}

/* ------------------------------------------------------------ session */

void
cmd_session_start(struct cmd_ctx *ctx)
{
	uint8_t *token = NULL;
	size_t len = 0;
	/* Quiet: a command that sends nothing (help, outbox) has nothing
	 * to say about it; one refused for want of it says why
	 * (cmd_session_hint). */
	if (session_load(&token, &len, conn_url(ctx->conn), true) == CRM_OK) {
		conn_set_token(ctx->conn, token, len);
		sodium_memzero(token, len);
	}
	free(token);
}

static void
set_login(struct cmd_ctx *ctx, const char *login)
{
	free(ctx->login);
	ctx->login = login ? crm_utf8_sanitize(login, false) : NULL;
	/* Whose session this is, so a write kept offline says whose it is
	 * and is resent only as them (outbox.h). */
	if (ctx->login != NULL) {
		char fp[OUTBOX_FP_LEN + 1];
		size_t n = 0;
		const uint8_t *t = conn_token(ctx->conn, &n);
		outbox_fingerprint(t, n, fp);
		outbox_note_login(fp, ctx->login);
	}
}

void
cmd_session_hint(struct cmd_ctx *ctx)
{
	const char *here = conn_url(ctx->conn);
	char *other = session_server();
	if (other != NULL && strcmp(other, here) != 0) {
		fprintf(stderr,
		    "hint: your session is for %s, not %s: not sending it "
		    "there (crm --server %s uses it; login USER logs in here "
		    "and replaces it)\n",
		    other, here, other);
	} else if (other == NULL && session_unbound()) {
		fprintf(stderr,
		    "hint: your session file names no server (an "
		    "older crm's): log in again with: login USER\n");
	} else {
		fprintf(stderr, "hint: log in with: login USER\n");
	}
	free(other);
}

void
cmd_session_whoami_quiet(struct cmd_ctx *ctx)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__WhoamiRequest body = CRM__V1__WHOAMI_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	req.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &body;
	int saved = conn_timeout(ctx->conn);
	conn_set_timeout(ctx->conn, 1500);
	int role = 0;
	if (conn_call(ctx->conn, &req, &resp) == CRM_OK &&
	    resp->body_case == CRM__V1__RESPONSE__BODY_USER) {
		set_login(ctx, resp->user->login);
		role = resp->user->role;
	}
	conn_set_timeout(ctx->conn, saved);
	cmd_calendar_year_note(ctx, role);
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
}

/* "LOGIN (role, team)" for a user. Caller frees with free(). */
static char *
user_line(const Crm__V1__User *u)
{
	const char *role = crm_enum_name(&crm__v1__role__descriptor, u->role);
	const char *team = u->team && u->team[0] ? u->team : "no team";
	return crm_xasprintf(
	    "%s (%s, %s)", u->login ? u->login : "?", role, team);
}

crm_status
cmd_session_login(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc = CRM_OK;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest body = CRM__V1__LOGIN_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *login = NULL, *password = NULL, *line = NULL;

	if (call->argc > 0) {
		login = crm_xstrdup(call->argv[0]);
	} else {
		if (ctx->stdin_tty) {
			fprintf(stderr, "login: ");
			fflush(stderr);
		}
		login = read_line();
		if (login == NULL || login[0] == '\0') {
			rc = cmd_usage_error(ctx, call, "no user given");
			goto out;
		}
	}
	/* Reach crmd first (through ssh:// that may take a host key or a
	 * passphrase): no password is asked for a server that is away. */
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	rc = conn_ready(ctx->conn);
	if (rc != CRM_OK) {
		cmd_request_error(ctx, &req, rc, conn_error(ctx->conn));
		goto out;
	}
	/* One session is kept: said before the password, while the one
	 * for another address can still be ended there. */
	char *replaced = session_server();
	if (replaced != NULL && strcmp(replaced, conn_url(ctx->conn)) != 0) {
		fprintf(stderr,
		    "crm: logging in here replaces your session for %s, "
		    "which stays valid there until it expires (`crm --server "
		    "%s logout` first ends it)\n",
		    replaced, replaced);
	}
	free(replaced);
	rc = cmd_session_read_secret(ctx, "password: ", &password);
	if (rc != CRM_OK) {
		goto out;
	}
	body.login = login;
	body.password = password;
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &body;
	conn_set_token(ctx->conn, NULL, 0); /* never send an old session */
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	if (resp->body_case != CRM__V1__RESPONSE__BODY_LOGIN ||
	    !resp->login->has_session_token ||
	    resp->login->session_token.len == 0) {
		cmd_error("the server sent no session");
		rc = CRM_INTERNAL;
		goto out;
	}
	const Crm__V1__LoginReply *lr = resp->login;
	conn_set_token(
	    ctx->conn, lr->session_token.data, lr->session_token.len);
	cache_forget(); /* the names another user saw */
	if (session_save(lr->session_token.data, lr->session_token.len,
	        conn_url(ctx->conn)) != CRM_OK) {
		char *p = session_path();
		cmd_error("logged in, but cannot save the session in %s",
		    p ? p : "(no HOME)");
		free(p);
		rc = CRM_INTERNAL; /* the next command will not be logged in */
	}
	if (lr->user != NULL) {
		set_login(ctx, lr->user->login);
		line = user_line(lr->user);
		render_text(out, "logged in as %s", line);
		render_set_json(out, render_json_message(&lr->user->base));
	} else {
		set_login(ctx, login);
		render_text(out, "logged in as %s", login);
	}
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	cmd_session_free_secret(password);
	free(login);
	free(line);
	return rc;
}

crm_status
cmd_session_logout(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LogoutRequest body = CRM__V1__LOGOUT_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	(void)call;
	/* A session for another address is not this server's to end (its
	 * token was not sent here): it stays, and says where it is. */
	char *other = session_server();
	if (other != NULL && strcmp(other, conn_url(ctx->conn)) != 0) {
		cmd_error("your session is for %s, not %s: nothing to log out "
		          "here (crm --server %s logout ends it)",
		    other, conn_url(ctx->conn), other);
		free(other);
		return CRM_EINVAL;
	}
	free(other);
	/* The writes still waiting are this user's: they stay, and go when
	 * the user is back (a write is resent only as who made it). */
	char *who = NULL;
	size_t waiting = cmd_outbox_mine(ctx, &who);
	req.body_case = CRM__V1__REQUEST__BODY_LOGOUT;
	req.logout = &body;
	rc = conn_call(ctx->conn, &req, &resp);
	/* Forget the token whatever the server said: an expired session is
	 * as good as ended, and a dead server must not keep us logged in. */
	session_remove();
	cache_forget();
	conn_set_token(ctx->conn, NULL, 0);
	set_login(ctx, NULL);
	if (rc != CRM_OK && rc != CRM_EUNAUTH) {
		cmd_error("%s (%s); the local session was removed anyway",
		    conn_error(ctx->conn), crm_status_name(rc));
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	render_text(out, "logged out");
	if (waiting > 0) {
		char *w = who ? crm_utf8_sanitize(who, false) : NULL;
		fprintf(stderr,
		    "crm: %zu write%s wait%s in the outbox%s%s: %s stay%s, "
		    "and %s sent when %s log%s in again (`outbox` lists "
		    "%s)\n",
		    waiting, waiting == 1 ? "" : "s", waiting == 1 ? "s" : "",
		    w ? " as " : "", w ? w : "", waiting == 1 ? "it" : "they",
		    waiting == 1 ? "s" : "", waiting == 1 ? "is" : "are",
		    w ? w : "you", w ? "s" : "", waiting == 1 ? "it" : "them");
		free(w);
	}
	free(who);
	return rc == CRM_EUNAUTH ? CRM_OK : rc;
}

crm_status
cmd_session_whoami(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__WhoamiRequest body = CRM__V1__WHOAMI_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	(void)call;
	req.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	if (resp->body_case != CRM__V1__RESPONSE__BODY_USER) {
		cmd_error("the server sent no user");
		rc = CRM_INTERNAL;
		goto out;
	}
	set_login(ctx, resp->user->login);
	static const char *const skip[] = { "team_id", NULL };
	render_message_record(out, &resp->user->base, skip);
	render_set_json(out, render_json_message(&resp->user->base));
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_session_passwd(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PasswdRequest body = CRM__V1__PASSWD_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *old = NULL, *new1 = NULL;

	(void)call;
	rc = cmd_session_read_secret(ctx, "old password: ", &old);
	if (rc != CRM_OK) {
		goto out;
	}
	rc = cmd_session_read_new_secret(ctx,
	    "new password: ", "new password again: ",
	    "the new passwords differ; nothing changed", &new1);
	if (rc != CRM_OK) {
		goto out;
	}
	body.old_password = old;
	body.new_password = new1;
	req.body_case = CRM__V1__REQUEST__BODY_PASSWD;
	req.passwd = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc == CRM_OK) {
		render_text(out,
		    "password changed; %u other session%s of yours ended",
		    resp->sessions_ended,
		    resp->sessions_ended == 1 ? "" : "s");
	}
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	cmd_session_free_secret(old);
	cmd_session_free_secret(new1);
	return rc;
}
