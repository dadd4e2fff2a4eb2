/* SPDX-License-Identifier: MIT */
/*
 * user.c: users and teams. Record API first, then the handlers of
 * user.add, user.list, user.disable, user.passwd, team.add and team.list.
 */
#include "user.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "crm.h"
#include "crm_xmalloc.h"
#include "handlers.h"
#include "pool.h"
#include "store_schema.h"

/* ------------------------------------------------------ user record API */

int
user_login_valid(const char *login)
{
	size_t n = strlen(login);
	if (n == 0 || n > 32 || !isalnum((unsigned char)login[0])) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)login[i];
		if (!(isalnum(c) || c == '.' || c == '_' || c == '-')) {
			return 0;
		}
	}
	return 1;
}

static void
login_key(store_key *k, const char *login)
{
	char low[33];
	size_t n = strlen(login);
	if (n > 32) {
		n = 32;
	}
	for (size_t i = 0; i < n; i++) {
		low[i] = (char)tolower((unsigned char)login[i]);
	}
	low[n] = '\0';
	store_key_text(k, 0, low);
}

crm_status
user_get(struct req_ctx *ctx, uint64_t id, Crm__Store__UserRecord **u)
{
	return dispatch_record(ctx, DB_USERS, id,
	    &crm__store__user_record__descriptor, (ProtobufCMessage **)u);
}

crm_status
user_by_login(
    struct req_ctx *ctx, const char *login, Crm__Store__UserRecord **u)
{
	store_key k;
	uint64_t id;
	login_key(&k, login);
	crm_status rc =
	    store_get_ref(ctx->st, ctx->txn, DB_USER_LOGIN, &k, &id);
	return rc != CRM_OK ? rc : user_get(ctx, id, u);
}

static crm_status
team_get(struct req_ctx *ctx, uint64_t id, Crm__V1__Team **t)
{
	return dispatch_record(ctx, DB_TEAMS, id, &crm__v1__team__descriptor,
	    (ProtobufCMessage **)t);
}

static crm_status
team_key(struct req_ctx *ctx, store_key *k, const char *name)
{
	char *norm = crm_utf8_normalize(name);
	if (norm == NULL || *norm == '\0') {
		free(norm);
		return dispatch_fail(
		    ctx, CRM_EINVAL, "team name needs a letter or digit");
	}
	store_key_text(k, 0, norm);
	free(norm);
	return CRM_OK;
}

crm_status
user_team_by_name(struct req_ctx *ctx, const char *name, uint64_t *id)
{
	store_key k;
	crm_status rc = team_key(ctx, &k, name);
	if (rc == CRM_OK) {
		rc = store_get_ref(ctx->st, ctx->txn, DB_TEAM_NAME, &k, id);
	}
	return rc;
}

crm_status
user_team_ensure(struct req_ctx *ctx, const char *name, uint64_t *id)
{
	store_key k;
	crm_status rc = team_key(ctx, &k, name);
	if (rc != CRM_OK) {
		return rc;
	}
	rc = store_get_ref(ctx->st, ctx->txn, DB_TEAM_NAME, &k, id);
	if (rc != CRM_NOT_FOUND) {
		return rc;
	}
	if (strlen(name) > 64) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "team name longer than 64 bytes");
	}
	rc = store_next_id(ctx->st, ctx->txn, "team", id);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__Team t = CRM__V1__TEAM__INIT;
	t.has_id = t.has_created_at = 1;
	t.id = *id;
	t.name = (char *)name;
	t.created_at = dispatch_at(ctx);
	store_key ik;
	store_key_id(&ik, *id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_TEAMS, &ik, &t.base);
	if (rc == CRM_OK) {
		rc = store_put_ref(ctx->st, ctx->txn, DB_TEAM_NAME, &k, *id);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "team", *id, NULL, &t.base);
	}
	return rc;
}

crm_status
user_create(struct req_ctx *ctx, const char *login, const char *name, int role,
    const char *team, const char *pwhash, uint64_t *id)
{
	if (login == NULL || !user_login_valid(login)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "user_add.login",
		    "login must be 1-32 letters, digits, '.', '_' or '-'");
	}
	if (role < CRM__V1__ROLE__ROLE_REP ||
	    role > CRM__V1__ROLE__ROLE_ADMIN) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "user_add.role",
		    "role must be admin, manager or rep");
	}
	if (role != CRM__V1__ROLE__ROLE_ADMIN && (team == NULL || !*team)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "user_add.team",
		    "a %s needs a team (--team)",
		    role == CRM__V1__ROLE__ROLE_REP ? "rep" : "manager");
	}
	store_key k;
	login_key(&k, login);
	uint64_t other;
	crm_status rc =
	    store_get_ref(ctx->st, ctx->txn, DB_USER_LOGIN, &k, &other);
	if (rc == CRM_OK) {
		/* Only admins add users: they may see every one. */
		ctx->existing_id = other;
		return dispatch_fail_field(ctx, CRM_EXISTS, "user_add.login",
		    "user '%s' already exists", login);
	}
	if (rc != CRM_NOT_FOUND) {
		return rc;
	}
	uint64_t team_id = 0;
	if (team != NULL && *team) {
		rc = user_team_ensure(ctx, team, &team_id);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	rc = store_next_id(ctx->st, ctx->txn, "user", id);
	if (rc != CRM_OK) {
		return rc;
	}
	char low[33];
	size_t n = strlen(login);
	for (size_t i = 0; i <= n; i++) {
		low[i] = (char)tolower((unsigned char)login[i]);
	}
	Crm__Store__UserRecord u = CRM__STORE__USER_RECORD__INIT;
	u.has_id = u.has_role = u.has_team_id = u.has_active = 1;
	u.has_created_at = u.has_updated_at = u.has_created_by = 1;
	u.id = *id;
	u.login = low;
	u.name = (char *)(name && *name ? name : low);
	u.role = role;
	u.team_id = team_id;
	u.active = 1;
	u.pwhash = (char *)pwhash;
	u.created_at = u.updated_at = ctx->now;
	u.created_by = ctx->who ? ctx->who->user_id : 0;
	store_key ik;
	store_key_id(&ik, *id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_USERS, &ik, &u.base);
	if (rc == CRM_OK) {
		rc = store_put_ref(ctx->st, ctx->txn, DB_USER_LOGIN, &k, *id);
	}
	if (rc == CRM_OK) {
		u.pwhash = NULL; /* the audit log keeps no password hashes */
		rc = audit_add(ctx, "user", *id, NULL, &u.base);
	}
	return rc;
}

/* ---------------------------------------------------- names of a page
 * (user_names_begin): open addressing on the id, no eviction (a string
 * handed out stays what it was), names shorter than NAMES_LEN bytes. */
enum { NAMES_SLOTS = 128, NAMES_LEN = 64, NAME_USER = 0, NAME_TEAM = 1 };

struct names {
	uint64_t id[2][NAMES_SLOTS]; /* 0: empty */
	char s[2][NAMES_SLOTS][NAMES_LEN];
};

static _Thread_local struct names *names;

void
user_names_begin(struct req_ctx *ctx)
{
	names = crm_arena_alloc(ctx->arena, sizeof(*names));
	if (names != NULL) {
		memset(names->id, 0, sizeof(names->id));
	}
}

void
user_names_end(void)
{
	names = NULL;
}

/* The slot of id in table kind: its own, an empty one, or -1. */
static int
names_slot(int kind, uint64_t id)
{
	size_t h = (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 57);
	for (size_t i = 0; i < NAMES_SLOTS; i++) {
		size_t at = (h + i) % NAMES_SLOTS;
		uint64_t have = names->id[kind][at];
		if (have == id || have == 0) {
			return (int)at;
		}
	}
	return -1;
}

/* name, kept in the table when it fits: the string to hand out. */
static const char *
names_keep(int kind, int slot, uint64_t id, const char *name)
{
	size_t n = strlen(name);
	if (slot < 0 || n >= NAMES_LEN) {
		return name;
	}
	memcpy(names->s[kind][slot], name, n + 1);
	names->id[kind][slot] = id;
	return names->s[kind][slot];
}

const char *
user_login_of(struct req_ctx *ctx, uint64_t id)
{
	Crm__Store__UserRecord *u;
	int slot = -1;
	if (id != 0 && names != NULL) {
		slot = names_slot(NAME_USER, id);
		if (slot >= 0 && names->id[NAME_USER][slot] == id) {
			return names->s[NAME_USER][slot];
		}
	}
	if (id == 0 || user_get(ctx, id, &u) != CRM_OK || u->login == NULL) {
		return "";
	}
	return names != NULL ? names_keep(NAME_USER, slot, id, u->login)
	                     : u->login;
}

const char *
user_team_name(struct req_ctx *ctx, uint64_t team_id)
{
	Crm__V1__Team *t;
	int slot = -1;
	if (team_id != 0 && names != NULL) {
		slot = names_slot(NAME_TEAM, team_id);
		if (slot >= 0 && names->id[NAME_TEAM][slot] == team_id) {
			return names->s[NAME_TEAM][slot];
		}
	}
	if (team_id == 0 || team_get(ctx, team_id, &t) != CRM_OK ||
	    t->name == NULL) {
		return "";
	}
	return names != NULL ? names_keep(NAME_TEAM, slot, team_id, t->name)
	                     : t->name;
}

Crm__V1__User *
user_public(struct req_ctx *ctx, const Crm__Store__UserRecord *u)
{
	Crm__V1__User *p = crm_arena_alloc(ctx->arena, sizeof(*p));
	if (p == NULL) {
		return NULL;
	}
	crm__v1__user__init(p);
	p->has_id = p->has_role = p->has_team_id = p->has_active = 1;
	p->has_created_at = 1;
	p->id = u->id;
	p->login = u->login;
	p->name = u->name;
	p->role = (Crm__V1__Role)u->role;
	p->team_id = u->team_id;
	p->team = (char *)user_team_name(ctx, u->team_id);
	p->active = u->active;
	p->created_at = u->created_at;
	return p;
}

/* ------------------------------------------------------- user handlers */

/* Check and hash a new password into ctx->prep.pwhash (outside the
 * write transaction). */
static crm_status
prepare_password(struct req_ctx *ctx, const char *pw)
{
	if (pw == NULL || strlen(pw) < CRM_PASSWORD_MIN) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "a password of at least %d characters is needed",
		    CRM_PASSWORD_MIN);
	}
	if (auth_hash_password(pw, ctx->prep.pwhash) != CRM_OK) {
		return dispatch_fail(ctx, CRM_EINVAL, "unusable password");
	}
	return CRM_OK;
}

/* The user named login, or NOT_FOUND naming it. */
static crm_status
user_named(struct req_ctx *ctx, const char *login, Crm__Store__UserRecord **u)
{
	if (login == NULL || user_by_login(ctx, login, u) != CRM_OK) {
		return dispatch_fail(
		    ctx, CRM_NOT_FOUND, "no user '%s'", login ? login : "");
	}
	return CRM_OK;
}

/* Store the changed u. */
static crm_status
user_put(struct req_ctx *ctx, Crm__Store__UserRecord *u)
{
	store_key k;
	store_key_id(&k, u->id);
	return store_put_msg(ctx->st, ctx->txn, DB_USERS, &k, &u->base);
}

/* End every session of u but keep (NULL: all) and answer with u and how
 * many ended (*ended). */
static crm_status
user_end_sessions(struct req_ctx *ctx, Crm__Store__UserRecord *u,
    const ProtobufCBinaryData *keep, Crm__V1__Response *resp, uint32_t *ended)
{
	*ended = 0;
	crm_status rc = auth_sessions_end(ctx, u->id, keep, ended);
	if (rc == CRM_OK) {
		resp->has_sessions_ended = 1;
		resp->sessions_ended = *ended;
		resp->body_case = CRM__V1__RESPONSE__BODY_USER;
		resp->user = user_public(ctx, u);
	}
	return rc;
}

crm_status
user_prepare_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)resp;
	return prepare_password(ctx, req->user_add->password);
}

crm_status
user_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__UserAddRequest *r = req->user_add;
	uint64_t id;
	crm_status rc = user_create(ctx, r->login, r->name,
	    r->has_role ? (int)r->role : 0, r->team, ctx->prep.pwhash, &id);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__Store__UserRecord *u;
	rc = user_get(ctx, id, &u);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_USER;
	resp->user = user_public(ctx, u);
	return resp->user ? CRM_OK : CRM_TOO_BIG;
}

/* A reply's array of *cap elements, full: a copy of twice the room in
 * the arena (*cap doubled), or NULL when it has no room. */
static void *
array_grow(crm_arena *a, const void *v, size_t *cap, size_t elem)
{
	void *more = crm_arena_alloc(a, 2 * *cap * elem);
	if (more != NULL) {
		memcpy(more, v, *cap * elem);
		*cap *= 2;
	}
	return more;
}

/* A user's record in the arena only while it is looked at (mark, then
 * release): a list of thousands keeps only what it replies. */
static crm_status
user_peek(
    struct req_ctx *ctx, uint64_t id, Crm__Store__UserRecord **u, size_t *mark)
{
	*mark = crm_arena_mark(ctx->arena);
	crm_status rc = user_get(ctx, id, u);
	if (rc != CRM_OK) {
		crm_arena_release(ctx->arena, *mark);
	}
	return rc;
}

uint64_t
user_team_of(const struct user_team *v, size_t n, uint64_t user)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].user < user) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < n && v[lo].user == user ? v[lo].team : 0;
}

crm_status
user_teams(struct req_ctx *ctx, struct user_team **v, size_t *n)
{
	size_t cap = 0;
	uint64_t id = 0;
	crm_status rc;
	*v = NULL;
	*n = 0;
	while ((rc = store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id)) ==
	       CRM_OK) {
		Crm__Store__UserRecord *u;
		size_t mark;
		if (user_peek(ctx, id, &u, &mark) != CRM_OK) {
			continue;
		}
		uint64_t team = u->team_id;
		crm_arena_release(ctx->arena, mark);
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*v = crm_xrealloc(*v, cap * sizeof(**v));
		}
		(*v)[(*n)++] = (struct user_team){ id, team };
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

/* The user in the reply, its strings copied below the record's mark,
 * which is then released. */
static Crm__V1__User *
user_keep(struct req_ctx *ctx, Crm__Store__UserRecord *u, size_t mark)
{
	Crm__Store__UserRecord c = *u;
	char *login = crm_xstrdup(u->login ? u->login : "");
	char *name = crm_xstrdup(u->name ? u->name : "");
	crm_arena_release(ctx->arena, mark);
	c.login = crm_arena_strdup(ctx->arena, login);
	c.name = crm_arena_strdup(ctx->arena, name);
	free(login);
	free(name);
	if (c.login == NULL || c.name == NULL) {
		return NULL;
	}
	return user_public(ctx, &c);
}

crm_status
user_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__UserListReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__user_list_reply__init(out);
	size_t cap = 64;
	out->users = crm_arena_alloc(ctx->arena, cap * sizeof(*out->users));
	uint64_t id = 0;
	while (out->users != NULL &&
	       store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		Crm__Store__UserRecord *u;
		size_t mark;
		crm_status rc = user_peek(ctx, id, &u, &mark);
		if (rc == CRM_NOT_FOUND) {
			continue;
		}
		/* Never a shorter list without a word: the arena ran out. */
		if (rc != CRM_OK) {
			return dispatch_fail(ctx, rc,
			    "too many users for one reply (%zu listed)",
			    out->n_users);
		}
		if (!auth_manages(ctx->who, u->team_id) &&
		    ctx->who->role != CRM__V1__ROLE__ROLE_ADMIN) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		Crm__V1__User *p = user_keep(ctx, u, mark);
		if (out->n_users == cap) {
			Crm__V1__User **more = array_grow(
			    ctx->arena, out->users, &cap, sizeof(*more));
			p = more != NULL ? p : NULL;
			out->users = more != NULL ? more : out->users;
		}
		if (p == NULL) {
			return dispatch_fail(ctx, CRM_TOO_BIG,
			    "too many users for one reply (%zu listed)",
			    out->n_users);
		}
		out->users[out->n_users++] = p;
	}
	if (out->users == NULL) {
		return CRM_TOO_BIG;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_USERS;
	resp->users = out;
	return CRM_OK;
}

crm_status
user_handle_disable(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const char *login = req->user_disable->login;
	Crm__Store__UserRecord *u;
	crm_status rc = user_named(ctx, login, &u);
	if (rc != CRM_OK) {
		return rc;
	}
	if (u->id == ctx->who->user_id) {
		return dispatch_fail(
		    ctx, CRM_EPRECOND, "you cannot disable yourself");
	}
	const char *to_login = req->user_disable->handover;
	if (to_login != NULL && *to_login != '\0') {
		/* Their customers go to `to` in the same step (pool.h): one
		 * batch at most; a bigger book is handed over first. */
		Crm__Store__UserRecord *to;
		if (user_by_login(ctx, to_login, &to) != CRM_OK ||
		    !to->active || to->id == u->id) {
			return dispatch_fail(ctx, CRM_NOT_FOUND,
			    "no other active user '%s' to hand over to",
			    to_login);
		}
		Crm__V1__CustomerHandoverRequest hr =
		    CRM__V1__CUSTOMER_HANDOVER_REQUEST__INIT;
		uint64_t next, left;
		rc = pool_handover(ctx, u->id, to->id, &hr, NULL, &next);
		if (rc != CRM_OK) {
			return rc;
		}
		if (store_index_next(ctx->st, ctx->txn, DB_CUST_OWNER, u->id,
		        0, &left) == CRM_OK) {
			return dispatch_fail(ctx, CRM_EPRECOND,
			    "%s holds more than %d customers: hand them over "
			    "first (customer handover %s %s)",
			    u->login, POOL_HANDOVER_BATCH, u->login,
			    to->login);
		}
	}
	Crm__Store__UserRecord before = *u;
	before.pwhash = NULL;
	u->active = 0;
	u->has_active = 1;
	u->updated_at = ctx->now;
	rc = user_put(ctx, u);
	if (rc == CRM_OK) {
		Crm__Store__UserRecord after = *u;
		after.pwhash = NULL;
		rc = audit_add(ctx, "user", u->id, &before.base, &after.base);
	}
	/* Ended, not merely refused while disabled: enabling the user again
	 * must not bring old tokens back. */
	uint32_t ended = 0;
	if (rc == CRM_OK) {
		rc = user_end_sessions(ctx, u, NULL, resp, &ended);
	}
	if (rc == CRM_OK) {
		crm_info("user %s disabled by %s; %u sessions ended", login,
		    ctx->who->login, ended);
	}
	return rc;
}

crm_status
user_prepare_passwd(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)resp;
	if (req->user_passwd->login == NULL) {
		return dispatch_fail(ctx, CRM_EINVAL, "a login is required");
	}
	return prepare_password(ctx, req->user_passwd->new_password);
}

crm_status
user_handle_passwd(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const char *login = req->user_passwd->login;
	Crm__Store__UserRecord *u;
	crm_status rc = user_named(ctx, login, &u);
	if (rc != CRM_OK) {
		return rc;
	}
	u->pwhash = ctx->prep.pwhash;
	u->updated_at = ctx->now;
	rc = user_put(ctx, u);
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "password", u->id, NULL, NULL);
	}
	/* A reset is what follows a stolen password: every session of the
	 * user ends (an admin resetting their own keeps this one). */
	uint32_t ended = 0;
	if (rc == CRM_OK) {
		rc = user_end_sessions(ctx, u,
		    u->id == ctx->who->user_id ? &req->session_token : NULL,
		    resp, &ended);
	}
	if (rc == CRM_OK) {
		crm_info("password of %s set by %s; %u sessions ended", login,
		    ctx->who->login, ended);
	}
	return rc;
}

/* ------------------------------------------------------- team handlers */

/* The members (active users) and every manager of teams[0..n), from one
 * pass over the users, each record released once read. */
static crm_status
teams_count(struct req_ctx *ctx, Crm__V1__Team **teams, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		teams[i]->n_managers = 0;
		teams[i]->managers = NULL;
		teams[i]->has_members = 1;
		teams[i]->members = 0;
	}
	uint64_t id = 0;
	while (store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		Crm__Store__UserRecord *u;
		size_t mark;
		crm_status rc = user_peek(ctx, id, &u, &mark);
		if (rc == CRM_NOT_FOUND) {
			continue;
		}
		if (rc != CRM_OK) {
			return dispatch_fail(ctx, rc,
			    "too many users to count the teams' members");
		}
		Crm__V1__Team *t = NULL;
		for (size_t i = 0; u->active && i < n; i++) {
			if (teams[i]->id == u->team_id) {
				t = teams[i];
				break;
			}
		}
		int manager =
		    t != NULL && u->role == CRM__V1__ROLE__ROLE_MANAGER;
		char *login = manager ? crm_xstrdup(u->login) : NULL;
		crm_arena_release(ctx->arena, mark);
		if (t == NULL) {
			continue;
		}
		t->members++;
		if (manager) {
			/* Every manager (the entry named the first 8).
			 * The array's room: 4, then doubled when full. */
			size_t have = t->n_managers;
			if (have == 0) {
				t->managers = crm_arena_alloc(
				    ctx->arena, 4 * sizeof(char *));
			} else if (have >= 4 && (have & (have - 1)) == 0) {
				t->managers = array_grow(ctx->arena,
				    t->managers, &have, sizeof(char *));
			}
			char *kept = crm_arena_strdup(ctx->arena, login);
			free(login);
			if (t->managers == NULL || kept == NULL) {
				return dispatch_fail(ctx, CRM_TOO_BIG,
				    "too many users to count the teams' "
				    "members");
			}
			t->managers[t->n_managers++] = kept;
		}
	}
	return CRM_OK;
}

crm_status
user_handle_team_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const char *name = req->team_add->name;
	if (name == NULL || *name == '\0') {
		return dispatch_fail(ctx, CRM_EINVAL, "a team needs a name");
	}
	store_key k;
	uint64_t id;
	crm_status rc = team_key(ctx, &k, name);
	if (rc != CRM_OK) {
		return rc;
	}
	if (store_get_ref(ctx->st, ctx->txn, DB_TEAM_NAME, &k, &id) ==
	    CRM_OK) {
		ctx->existing_id = id; /* team_add is for admins */
		return dispatch_fail_field(ctx, CRM_EXISTS, "team_add.name",
		    "team '%s' already exists", name);
	}
	rc = user_team_ensure(ctx, name, &id);
	Crm__V1__Team *t;
	if (rc == CRM_OK) {
		rc = team_get(ctx, id, &t);
	}
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_TEAM;
		rc = teams_count(ctx, &t, 1);
	}
	if (rc == CRM_OK) {
		resp->team = t;
	}
	return rc;
}

crm_status
user_handle_team_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__TeamListReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__team_list_reply__init(out);
	size_t cap = 64;
	out->teams = crm_arena_alloc(ctx->arena, cap * sizeof(*out->teams));
	uint64_t id = 0;
	while (out->teams != NULL &&
	       store_id_next(ctx->st, ctx->txn, DB_TEAMS, id, &id) == CRM_OK) {
		Crm__V1__Team *t;
		crm_status rc = team_get(ctx, id, &t);
		if (rc == CRM_NOT_FOUND) {
			continue;
		}
		/* Reps and managers see their own team only. */
		if (rc == CRM_OK &&
		    ctx->who->role != CRM__V1__ROLE__ROLE_ADMIN &&
		    t->id != ctx->who->team_id) {
			continue;
		}
		if (rc == CRM_OK && out->n_teams == cap) {
			Crm__V1__Team **more = array_grow(
			    ctx->arena, out->teams, &cap, sizeof(*more));
			rc = more != NULL ? CRM_OK : CRM_TOO_BIG;
			out->teams = more != NULL ? more : out->teams;
		}
		if (rc != CRM_OK) {
			return dispatch_fail(ctx, rc,
			    "too many teams for one reply (%zu listed)",
			    out->n_teams);
		}
		out->teams[out->n_teams++] = t;
	}
	if (out->teams == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = teams_count(ctx, out->teams, out->n_teams);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_TEAMS;
	resp->teams = out;
	return CRM_OK;
}
