/* SPDX-License-Identifier: MIT */
/*
 * auth.c: password hashing, sessions, failed-login slow-down and the
 * permission rules. The slow-down table lives in memory: a restart forgets
 * it, which costs an attacker a restart per few guesses, not a bypass.
 */
#include "auth.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "records.pb-c.h"
#include "store_schema.h"

#define MAX_HASHES     2
#define THROTTLE_SLOTS 256
#define THROTTLE_FREE  3
/* Tickets: a connection told to wait is checked once at the end of the
 * wait it was told, whatever failed meanwhile (see auth.h). At most
 * TICKETS per login at a time; when they are all held, a connection told
 * to wait is checked at once instead (never refused for want of room).
 * One unused TICKET_KEEP s after its time is dropped. */
#define TICKETS     64
#define TICKET_KEEP 60
/* Failed-login log lines: a burst of LOG_BURST, then LOG_PER_S a second;
 * the rest are counted and the count said on the next line. */
#define LOG_BURST 20
#define LOG_PER_S 2

static sem_t hash_sem;

/* The cost of a new hash: argon2id at libsodium's interactive limits
 * (about 60 ms and 64 MiB). Test builds only (CRM_TEST_HOOKS): with
 * CRM_TEST_CHEAP_HASH=1 in the environment new hashes are made at the
 * minimum limits instead, so the e2e tests, which create and log in many
 * users, do not spend most of their time hashing (tests/CMakeLists.txt
 * sets it for every test but those about the hash cost). A stored hash
 * names its own limits, so either kind verifies either way. */
static unsigned long long hash_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t hash_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

static struct {
	pthread_mutex_t lock;
	struct {
		char login[64];
		unsigned fails;
		unsigned busy; /* attempts being checked right now */
		int64_t last;
		struct {
			uint32_t peer;
			int64_t due; /* 0: free */
		} ticket[TICKETS];
	} slot[THROTTLE_SLOTS];
	double log_tokens;
	double log_at; /* monotonic seconds of the last refill */
	unsigned long log_skipped;
} throttle = { .lock = PTHREAD_MUTEX_INITIALIZER, .log_tokens = LOG_BURST };

crm_status
auth_init(void)
{
	if (sodium_init() < 0) {
		return CRM_INTERNAL;
	}
	if (sem_init(&hash_sem, 0, MAX_HASHES) != 0) {
		return CRM_INTERNAL;
	}
#ifdef CRM_TEST_HOOKS
	const char *cheap = getenv("CRM_TEST_CHEAP_HASH");
	if (cheap != NULL && strcmp(cheap, "1") == 0) {
		hash_ops = crypto_pwhash_OPSLIMIT_MIN;
		hash_mem = crypto_pwhash_MEMLIMIT_MIN;
	}
#endif
	return CRM_OK;
}

crm_status
auth_hash_password(const char *pw, char out[128])
{
	size_t n = strlen(pw);
	if (n == 0 || n > 1024) {
		return CRM_EINVAL;
	}
	sem_wait(&hash_sem);
	int rc = crypto_pwhash_str(out, pw, n, hash_ops, hash_mem);
	sem_post(&hash_sem);
	return rc == 0 ? CRM_OK : CRM_INTERNAL;
}

crm_status
auth_check_password(const char *hash, const char *pw)
{
	if (hash == NULL || pw == NULL) {
		return CRM_EUNAUTH;
	}
	sem_wait(&hash_sem);
	int rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
	sem_post(&hash_sem);
	return rc == 0 ? CRM_OK : CRM_EUNAUTH;
}

static void
token_key(store_key *k, const uint8_t *token, size_t len)
{
	crypto_generichash(k->b, 32, token, len, NULL, 0);
	k->len = 32;
}

crm_status
auth_session_check(struct req_ctx *ctx, const ProtobufCBinaryData *token)
{
	if (token == NULL || token->len != AUTH_TOKEN_LEN) {
		return dispatch_fail(ctx, CRM_EUNAUTH, "log in first");
	}
	store_key k;
	token_key(&k, token->data, token->len);
	Crm__Store__SessionRecord *sess;
	crm_status rc = store_get_msg(ctx->st, ctx->txn, DB_SESSIONS, &k,
	    &crm__store__session_record__descriptor, &ctx->arena->allocator,
	    (ProtobufCMessage **)&sess);
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, CRM_EUNAUTH,
		    "session unknown or ended; log in again");
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (sess->expires_at <= ctx->now) {
		return dispatch_fail(
		    ctx, CRM_EUNAUTH, "session expired; log in again");
	}
	Crm__Store__UserRecord *u;
	store_key_id(&k, sess->user_id);
	rc = store_get_msg(ctx->st, ctx->txn, DB_USERS, &k,
	    &crm__store__user_record__descriptor, &ctx->arena->allocator,
	    (ProtobufCMessage **)&u);
	if (rc != CRM_OK || !u->active) {
		return dispatch_fail(
		    ctx, CRM_EUNAUTH, "account disabled or removed");
	}
	ctx->who_buf.user_id = u->id;
	ctx->who_buf.role = u->role;
	ctx->who_buf.team_id = u->team_id;
	snprintf(ctx->who_buf.login, sizeof(ctx->who_buf.login), "%s",
	    u->login ? u->login : "");
	ctx->who = &ctx->who_buf;
	return CRM_OK;
}

crm_status
auth_session_create(struct req_ctx *ctx, uint64_t user_id,
    uint8_t token[AUTH_TOKEN_LEN], int64_t *expires)
{
	randombytes_buf(token, AUTH_TOKEN_LEN);
	store_key k;
	token_key(&k, token, AUTH_TOKEN_LEN);
	Crm__Store__SessionRecord sess = CRM__STORE__SESSION_RECORD__INIT;
	sess.has_user_id = sess.has_created_at = sess.has_expires_at = 1;
	sess.user_id = user_id;
	sess.created_at = ctx->now;
	sess.expires_at = *expires = ctx->now + AUTH_SESSION_SECONDS;
	return store_put_msg(ctx->st, ctx->txn, DB_SESSIONS, &k, &sess.base);
}

crm_status
auth_session_delete(struct req_ctx *ctx, const ProtobufCBinaryData *token)
{
	if (token == NULL || token->len != AUTH_TOKEN_LEN) {
		return CRM_OK;
	}
	store_key k;
	token_key(&k, token->data, token->len);
	return store_del(ctx->st, ctx->txn, DB_SESSIONS, &k);
}

crm_status
auth_sessions_end(struct req_ctx *ctx, uint64_t user_id,
    const ProtobufCBinaryData *keep, uint32_t *ended)
{
	*ended = 0;
	store_key kept = { .len = 0 };
	if (keep != NULL && keep->len == AUTH_TOKEN_LEN) {
		token_key(&kept, keep->data, keep->len);
	}
	/* Sessions are keyed by token hash alone: walk them all. They are
	 * few (one per login, 30 days), and this runs on a password change
	 * or a disable, not per request. */
	store_cursor *cur;
	crm_status rc =
	    store_cursor_open(ctx->st, ctx->txn, DB_SESSIONS, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	store_val k, v;
	while ((rc = store_cursor_get(cur, STORE_NEXT, &k, &v)) == CRM_OK) {
		Crm__Store__SessionRecord *sess =
		    crm__store__session_record__unpack(NULL, v.len, v.data);
		if (sess == NULL) {
			continue; /* crm-check names it; it grants nothing */
		}
		int mine = sess->user_id == user_id;
		int live = sess->expires_at > ctx->now;
		crm__store__session_record__free_unpacked(sess, NULL);
		/* An expired one is refused already, and says so. */
		if (!mine || !live ||
		    (kept.len == k.len &&
		        memcmp(kept.b, k.data, kept.len) == 0)) {
			continue;
		}
		rc = store_cursor_del(cur);
		if (rc != CRM_OK) {
			break;
		}
		(*ended)++;
	}
	store_cursor_close(cur);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

/* The slot of login (found, or the least recently failed to reuse). */
static unsigned
throttle_slot(const char *login)
{
	unsigned oldest = 0;
	for (unsigned i = 0; i < THROTTLE_SLOTS; i++) {
		if (strcmp(throttle.slot[i].login, login) == 0) {
			return i;
		}
		if (throttle.slot[i].last < throttle.slot[oldest].last) {
			oldest = i;
		}
	}
	return oldest + THROTTLE_SLOTS; /* not found: a slot to reuse */
}

/* Forget everything of slot i (a success, or reuse for another login). */
static void
throttle_clear(unsigned i, const char *login)
{
	memset(&throttle.slot[i], 0, sizeof(throttle.slot[i]));
	snprintf(throttle.slot[i].login, sizeof(throttle.slot[i].login), "%s",
	    login);
}

crm_status
auth_login_allowed(
    const char *login, uint32_t peer, int64_t now, int64_t *wait)
{
	crm_status rc = CRM_OK;
	pthread_mutex_lock(&throttle.lock);
	unsigned i = throttle_slot(login);
	if (i >= THROTTLE_SLOTS) {
		/* A slot from the first attempt on, to count those in
		 * flight. */
		i -= THROTTLE_SLOTS;
		throttle_clear(i, login);
		throttle.slot[i].last = now;
	}
	/* Attempts still being checked count as failures: parallel
	 * requests get no more guesses than one after the other. */
	int64_t left = 0;
	if (throttle.slot[i].fails + throttle.slot[i].busy >= THROTTLE_FREE) {
		unsigned over = throttle.slot[i].fails >= THROTTLE_FREE
		                    ? throttle.slot[i].fails - THROTTLE_FREE
		                    : 0;
		int64_t delay = over >= 8 ? 300 : (int64_t)2 << over;
		left = throttle.slot[i].last + delay - now;
		if (throttle.slot[i].busy > 0 && left < 1) {
			left = 1; /* the one in flight may fail */
		}
	}
	if (left > 0) {
		/* The wait. A connection holding a ticket is checked once
		 * its time has come; any other gets a ticket for the end of
		 * this wait, or, when all are held, is checked now: a
		 * guesser may delay the owner by one wait, never lock them
		 * out (it cannot hold every ticket and also keep the owner
		 * from one). */
		int t = -1, free_t = -1;
		for (int k = 0; k < TICKETS; k++) {
			int64_t due = throttle.slot[i].ticket[k].due;
			if (due != 0 && due + TICKET_KEEP < now) {
				throttle.slot[i].ticket[k].due = due = 0;
			}
			if (due != 0 &&
			    throttle.slot[i].ticket[k].peer == peer) {
				t = k;
			} else if (due == 0 && free_t < 0) {
				free_t = k;
			}
		}
		if (t >= 0 && throttle.slot[i].ticket[t].due <= now) {
			throttle.slot[i].ticket[t].due = 0; /* used */
			left = 0;
		} else if (t >= 0) {
			left = throttle.slot[i].ticket[t].due - now;
		} else if (free_t >= 0) {
			throttle.slot[i].ticket[free_t].peer = peer;
			throttle.slot[i].ticket[free_t].due = now + left;
		} else {
			left = 0; /* no room: checked now */
		}
	}
	if (left > 0) {
		*wait = left;
		rc = CRM_TOO_BIG;
	} else {
		throttle.slot[i].busy++;
	}
	pthread_mutex_unlock(&throttle.lock);
	return rc;
}

void
auth_login_result(const char *login, uint32_t peer, int64_t now, int ok)
{
	pthread_mutex_lock(&throttle.lock);
	unsigned i = throttle_slot(login);
	if (i >= THROTTLE_SLOTS) {
		if (ok) {
			pthread_mutex_unlock(&throttle.lock);
			return;
		}
		i -= THROTTLE_SLOTS;
		throttle_clear(i, login);
	}
	if (throttle.slot[i].busy > 0) {
		throttle.slot[i].busy--;
	}
	if (ok) {
		throttle_clear(i, "");
	} else {
		throttle.slot[i].fails++;
		throttle.slot[i].last = now;
		/* Its ticket, if any, is spent: its next attempt waits
		 * for the new wait (and gets a ticket for its end). */
		for (int k = 0; k < TICKETS; k++) {
			if (throttle.slot[i].ticket[k].peer == peer) {
				throttle.slot[i].ticket[k].due = 0;
			}
		}
	}
	pthread_mutex_unlock(&throttle.lock);
}

void
auth_log_login_failure(const char *login, uint32_t peer, const char *why)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	unsigned long skipped = 0;
	int say = 0;
	pthread_mutex_lock(&throttle.lock);
	throttle.log_tokens += (now - throttle.log_at) * LOG_PER_S;
	throttle.log_at = now;
	if (throttle.log_tokens > LOG_BURST) {
		throttle.log_tokens = LOG_BURST;
	}
	if (throttle.log_tokens >= 1.0) {
		throttle.log_tokens -= 1.0;
		say = 1;
		skipped = throttle.log_skipped;
		throttle.log_skipped = 0;
	} else {
		throttle.log_skipped++;
	}
	pthread_mutex_unlock(&throttle.lock);
	if (!say) {
		return;
	}
	/* The login as typed, made printable and cut: it is the peer's. */
	char *clean = crm_utf8_sanitize(login ? login : "", false);
	if (strlen(clean) > 64) {
		clean[64] = '\0';
	}
	if (skipped > 0) {
		crm_warn("failed login for '%s' from connection %u: %s (and "
		         "%lu more failed logins not logged)",
		    clean, peer, why, skipped);
	} else {
		crm_warn("failed login for '%s' from connection %u: %s", clean,
		    peer, why);
	}
	free(clean);
}

int
auth_can_see(const struct auth_who *who, uint64_t owner_id, uint64_t team_id)
{
	switch (who->role) {
	case CRM__V1__ROLE__ROLE_ADMIN:
		return 1;
	case CRM__V1__ROLE__ROLE_MANAGER:
		return team_id != 0 && team_id == who->team_id;
	case CRM__V1__ROLE__ROLE_REP:
		return owner_id == who->user_id;
	default:
		return 0;
	}
}

int
auth_manages(const struct auth_who *who, uint64_t team_id)
{
	return who->role == CRM__V1__ROLE__ROLE_ADMIN ||
	       (who->role == CRM__V1__ROLE__ROLE_MANAGER && team_id != 0 &&
	           team_id == who->team_id);
}
