/* SPDX-License-Identifier: MIT */
/*
 * fuzz_env.c: crmd's request path in-process on a prepared temp database
 * (see fuzz_env.h). exec() calls the server's own core (dispatch_read,
 * dispatch_apply), the calls workers and the writer make; what is here is
 * the database's setup, the session injection and two link-time
 * stand-ins (backup, argon2id).
 */
/* nftw() */
#define _XOPEN_SOURCE 700

#include "fuzz_env.h"

#include <ftw.h>
#include <nanomsg/nn.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "backup.h"
#include "config.h"
#include "dispatch.h"
#include "store.h"
#include "upgrade.h"
#include "user.h"

#define ARENA_SIZE (4u * 1024u * 1024u) /* transport.c's WORKER_ARENA */
#define MAP_SIZE   (64u * 1024u * 1024u)
#define T0         (FUZZ_ENV_NOW - 3600) /* when the records were made */
#define DAY        86400

static struct {
	int open;
	char dir[256];  /* the temp folder: db/, backups/ */
	char data[300]; /* dir/db */
	struct srv_config cfg;
	store *st;
	crm_arena worker;  /* dispatch_read: checks, reads, prepare steps */
	crm_arena writer;  /* dispatch_apply: a write's decode and handler */
	crm_arena scratch; /* fuzz_env_run's decode for token injection */
	MDB_txn *rtxn;     /* reused like a worker's */
	uint8_t token[8][AUTH_TOKEN_LEN]; /* by enum fuzz_env_who */
	int64_t now;
} env;

int fuzz_env_outside_effects;

/* ---------------------------------------------------- the request path */

/*
 * One request through crmd's own core, single-threaded: dispatch_read as
 * a worker runs it, then for a write dispatch_apply in a write
 * transaction of its own (a batch of one), committed or rolled back. The
 * reply is checked and summarised into out; the packed bytes are freed.
 */
static void
exec(const uint8_t *buf, size_t len, int commit, struct fuzz_env_reply *out,
    Crm__V1__Response **keep /* OUT, optional: caller frees */)
{
	struct req_ctx ctx;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	Crm__V1__Request *req = NULL;
	const struct dispatch_row *row = NULL;
	void *reply = NULL;
	size_t reply_len = 0;

	memset(out, 0, sizeof(*out));
	dispatch_ctx_init(&ctx, env.st, &env.cfg, &env.worker, env.now);
	crm_status rc =
	    dispatch_read(&ctx, &env.rtxn, buf, len, &req, &row, &resp);
	if (rc == CRM_OK && row->kind == REQ_WRITE) {
		struct req_ctx wctx;
		MDB_txn *parent = NULL;
		if (store_write_begin(env.st, &parent) != CRM_OK) {
			fprintf(stderr, "fuzz_env: no write txn\n");
			abort();
		}
		/* As the writer runs a batch: in parent directly; a handler
		 * that failed leaves its failure as the reply and nothing
		 * (parent is dropped), and the other writes of a batch of
		 * one are none. The nested path is fuzzed too. */
		dispatch_ctx_init(
		    &wctx, env.st, &env.cfg, &env.writer, env.now);
		wctx.direct = 1;
		enum dispatch_applied how = dispatch_apply(&wctx, parent, buf,
		    len, ctx.who, &ctx.prep, &reply, &reply_len);
		if (how == DISPATCH_TAINTED) {
			store_write_abort(env.st, parent);
			if (store_write_begin(env.st, &parent) != CRM_OK) {
				fprintf(stderr, "fuzz_env: no write txn\n");
				abort();
			}
			/* The same write nested: it must fail the same way
			 * and leave nothing either. */
			void *again = NULL;
			size_t again_len = 0;
			dispatch_ctx_init(
			    &wctx, env.st, &env.cfg, &env.writer, env.now);
			if (dispatch_apply(&wctx, parent, buf, len, ctx.who,
			        &ctx.prep, &again,
			        &again_len) == DISPATCH_APPLIED) {
				fprintf(stderr,
				    "fuzz_env: a write failed "
				    "directly but applied nested\n");
				abort();
			}
			if (again != NULL) {
				nn_freemsg(again);
			}
			how = DISPATCH_FAILED;
		}
		out->ran_handler = how == DISPATCH_APPLIED;
		if (!commit) {
			store_write_abort(env.st, parent);
		} else if (store_write_commit(env.st, parent) != CRM_OK) {
			fprintf(stderr, "fuzz_env: write commit failed\n");
			abort();
		}
	} else {
		out->ran_handler = rc == CRM_OK;
		if (dispatch_pack(&ctx, req, &resp, rc, &reply, &reply_len) !=
		    CRM_OK) {
			reply = NULL;
		}
	}
	if (reply == NULL) {
		fprintf(stderr, "fuzz_env: no reply packed\n");
		abort();
	}
	/* The invariants of every reply a client can get. */
	Crm__V1__Response *r = NULL;
	if (crm_wire_unpack_response(reply, reply_len, &r) != CRM_OK) {
		fprintf(stderr, "fuzz_env: the reply does not decode\n");
		abort();
	}
	out->code = crm_wire_status(r);
	out->body_case = (int)r->body_case;
	out->len = reply_len;
	if (r->status != NULL && r->status->message != NULL) {
		snprintf(out->msg, sizeof(out->msg), "%s", r->status->message);
	}
	if ((unsigned)out->code >= CRM_STATUS_COUNT ||
	    (out->code != CRM_OK &&
	        r->body_case != CRM__V1__RESPONSE__BODY__NOT_SET) ||
	    (out->code != CRM_OK && out->msg[0] == '\0') ||
	    out->code == CRM_INTERNAL) {
		fprintf(stderr,
		    "fuzz_env: bad reply: code %d, body %d, message '%s'\n",
		    (int)out->code, out->body_case, out->msg);
		abort();
	}
	if (keep != NULL) {
		*keep = r;
	} else {
		crm__v1__response__free_unpacked(r, NULL);
	}
	nn_freemsg(reply);
}

/* ---------------------------------------------------- the run */

/* The bytes to run for data: as they are, or re-packed with the session
 * token of the user the request id's first byte names. Sets *who. */
static uint8_t *
inject(const uint8_t *data, size_t len, size_t *out_len, int *who)
{
	Crm__V1__Request *req;
	crm_arena_reset(&env.scratch);
	*who = FUZZ_ENV_RAW;
	if (len > CRM_MAX_REQUEST ||
	    crm_wire_unpack_request(&env.scratch, data, len, &req) != CRM_OK) {
		return NULL;
	}
	int sel = FUZZ_ENV_REP;
	if (req->has_request_id && req->request_id.len > 0) {
		sel = req->request_id.data[0] & 7;
	}
	if (sel == FUZZ_ENV_RAW) {
		return NULL;
	}
	*who = sel >= FUZZ_ENV_ADMIN     ? FUZZ_ENV_ADMIN
	       : sel >= FUZZ_ENV_MANAGER ? FUZZ_ENV_MANAGER
	                                 : FUZZ_ENV_REP;
	req->has_session_token = 1;
	req->session_token.data = env.token[*who];
	req->session_token.len = AUTH_TOKEN_LEN;
	return crm_wire_pack_alloc(&req->base, out_len);
}

static void
run(const uint8_t *data, size_t len, int commit, struct fuzz_env_reply *out)
{
	size_t n = 0;
	int who;
	uint8_t *buf = inject(data, len, &n, &who);
	exec(buf != NULL ? buf : data, buf != NULL ? n : len, commit, out,
	    NULL);
	free(buf);
}

void
fuzz_env_run(const uint8_t *data, size_t len, struct fuzz_env_reply *out)
{
	run(data, len, 0, out);
}

void
fuzz_env_run_commit(
    const uint8_t *data, size_t len, struct fuzz_env_reply *out)
{
	run(data, len, 1, out);
}

/* ---------------------------------------------------- preparing */

/* Run req as who, committed; fail the setup unless it succeeds. The
 * response, when wanted, is the caller's (free_unpacked). */
static crm_status
setup_call(int who, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	static unsigned serial;
	uint8_t id[CRM_REQUEST_ID_LEN];
	memset(id, 0, sizeof(id));
	serial++;
	memcpy(id + 1, &serial, sizeof(serial));
	req->has_protocol_version = 1;
	req->protocol_version = CRM_PROTOCOL_VERSION;
	req->has_request_id = 1;
	req->request_id.data = id;
	req->request_id.len = sizeof(id);
	if (who != FUZZ_ENV_RAW) {
		req->has_session_token = 1;
		req->session_token.data = env.token[who];
		req->session_token.len = AUTH_TOKEN_LEN;
	}
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&req->base, &len);
	struct fuzz_env_reply r;
	Crm__V1__Response *keep = NULL;
	exec(buf, len, 1, &r, &keep);
	free(buf);
	if (r.code != CRM_OK) {
		fprintf(stderr, "fuzz_env: setup %s: %s: %s\n",
		    crm_wire_body_name(req->body_case), crm_strerror(r.code),
		    r.msg);
		crm__v1__response__free_unpacked(keep, NULL);
		return r.code;
	}
	if (resp != NULL) {
		*resp = keep;
	} else {
		crm__v1__response__free_unpacked(keep, NULL);
	}
	return CRM_OK;
}

static crm_status
setup_login(int who, const char *login, const char *password)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest l = CRM__V1__LOGIN_REQUEST__INIT;
	l.login = (char *)login;
	l.password = (char *)password;
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &l;
	Crm__V1__Response *r = NULL;
	crm_status rc = setup_call(FUZZ_ENV_RAW, &req, &r);
	if (rc != CRM_OK) {
		return rc;
	}
	memcpy(env.token[who], r->login->session_token.data, AUTH_TOKEN_LEN);
	crm__v1__response__free_unpacked(r, NULL);
	return CRM_OK;
}

static crm_status
setup_user(const char *login, int role, const char *team)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserAddRequest u = CRM__V1__USER_ADD_REQUEST__INIT;
	char pw[64];
	snprintf(pw, sizeof(pw), "pw-%s", login);
	u.login = (char *)login;
	u.has_role = 1;
	u.role = (Crm__V1__Role)role;
	u.team = (char *)team;
	u.password = pw;
	req.body_case = CRM__V1__REQUEST__BODY_USER_ADD;
	req.user_add = &u;
	return setup_call(FUZZ_ENV_ADMIN, &req, NULL);
}

static crm_status
setup_customer(int who, const char *name, const char *owner)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAddRequest a = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	char *tags[] = { "vip", "华东" };
	c.name = (char *)name;
	c.has_grade = 1;
	c.grade = CRM__V1__GRADE__GRADE_B;
	c.industry = "机械";
	c.tags = tags;
	c.n_tags = 2;
	c.birthday = "03-15";
	a.customer = &c;
	a.owner = (char *)owner;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req.customer_add = &a;
	return setup_call(who, &req, NULL);
}

/* Customer 1 gets a contact, a follow-up with a commitment and a next
 * action, a task, SLA clocks and a pending grade proposal; customer 2 a
 * follow-up that moves its stage. */
static crm_status
setup_records(void)
{
	crm_status rc = setup_customer(FUZZ_ENV_REP, "Seed Customer A", NULL);
	if (rc == CRM_OK) {
		rc = setup_customer(FUZZ_ENV_REP, "种子客户 B", NULL);
	}
	if (rc == CRM_OK) {
		rc = setup_customer(
		    FUZZ_ENV_ADMIN, "Zhao's Customer C", "zhao");
	}
	if (rc == CRM_OK) {
		rc = setup_customer(FUZZ_ENV_REP, "Seed Customer D", NULL);
	}
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	if (rc == CRM_OK) {
		Crm__V1__ContactAddRequest ca =
		    CRM__V1__CONTACT_ADD_REQUEST__INIT;
		Crm__V1__Contact ct = CRM__V1__CONTACT__INIT;
		char *phones[] = { "13800000000" };
		ct.has_customer_id = 1;
		ct.customer_id = 1;
		ct.name = "王伟";
		ct.phones = phones;
		ct.n_phones = 1;
		ct.email = "wang@example.com";
		ca.contact = &ct;
		req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
		req.contact_add = &ca;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		Crm__V1__FollowupLogRequest lr =
		    CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
		Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
		Crm__V1__Commitment cm = CRM__V1__COMMITMENT__INIT;
		Crm__V1__Commitment *cms[] = { &cm };
		Crm__V1__Score sc = CRM__V1__SCORE__INIT;
		f.has_customer_id = f.has_happened_at = f.has_channel =
		    f.has_mood = 1;
		f.customer_id = (uint64_t)i + 1;
		f.happened_at = T0 - DAY;
		f.channel = CRM__V1__CHANNEL__CHANNEL_PHONE;
		f.mood = CRM__V1__MOOD__MOOD_POSITIVE;
		f.summary = "介绍了新产品方案";
		cm.text = "发送报价单";
		cm.has_due_at = 1;
		cm.due_at = T0 + 2 * DAY;
		f.commitments = cms;
		f.n_commitments = 1;
		f.next_action = "call back";
		f.has_next_due_at = 1;
		f.next_due_at = T0 + 3 * DAY;
		sc.has_timeliness = sc.has_efficiency = 1;
		sc.has_professionalism = sc.has_proactiveness = 1;
		sc.timeliness = 4;
		sc.efficiency = 3;
		sc.professionalism = 5;
		sc.proactiveness = 2;
		f.score = &sc;
		if (i == 1) {
			f.has_stage_to = 1;
			f.stage_to = CRM__V1__STAGE__STAGE_INTENT;
			f.stage_reason = "有意向";
		}
		lr.followup = &f;
		req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
		req.followup_log = &lr;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	if (rc == CRM_OK) {
		Crm__V1__TaskAddRequest t = CRM__V1__TASK_ADD_REQUEST__INIT;
		t.has_customer_id = t.has_due_at = 1;
		t.customer_id = 1;
		t.due_at = T0 + DAY;
		t.goal = "send the contract";
		req.body_case = CRM__V1__REQUEST__BODY_TASK_ADD;
		req.task_add = &t;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	if (rc == CRM_OK) {
		Crm__V1__SlaStartRequest s = CRM__V1__SLA_START_REQUEST__INIT;
		s.has_customer_id = s.has_issue = 1;
		s.customer_id = 1;
		s.issue = 1;
		s.text = "售后: 设备故障";
		req.body_case = CRM__V1__REQUEST__BODY_SLA_START;
		req.sla_start = &s;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	if (rc == CRM_OK) {
		/* A calendar routine (routine 1), for routine.stop. */
		Crm__V1__RoutineAddRequest a =
		    CRM__V1__ROUTINE_ADD_REQUEST__INIT;
		Crm__V1__Routine r = CRM__V1__ROUTINE__INIT;
		r.has_customer_id = r.has_every = r.has_day = 1;
		r.customer_id = 1;
		r.every = CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY;
		r.day = 3;
		r.goal = "每周三同步";
		a.routine = &r;
		req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_ADD;
		req.routine_add = &a;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	for (uint64_t c = 1; c <= 2 && rc == CRM_OK; c++) {
		Crm__V1__GradeProposeRequest g =
		    CRM__V1__GRADE_PROPOSE_REQUEST__INIT;
		g.has_customer_id = g.has_grade = 1;
		g.customer_id = c;
		g.grade = CRM__V1__GRADE__GRADE_A;
		g.reason = "budget confirmed";
		req.body_case = CRM__V1__REQUEST__BODY_GRADE_PROPOSE;
		req.grade_propose = &g;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	/* Last, so no other record's id moves: customer 5 in east's pool,
	 * for pool.claim. */
	if (rc == CRM_OK) {
		rc = setup_customer(FUZZ_ENV_REP, "公海客户 E", NULL);
	}
	if (rc == CRM_OK) {
		Crm__V1__CustomerReleaseRequest r =
		    CRM__V1__CUSTOMER_RELEASE_REQUEST__INIT;
		r.has_id = 1;
		r.id = 5;
		r.reason = "seed: in the pool";
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_RELEASE;
		req.customer_release = &r;
		rc = setup_call(FUZZ_ENV_REP, &req, NULL);
	}
	return rc;
}

static crm_status
setup_all(void)
{
	/* The first admin, as `crmd user add` makes it. */
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = env.st;
	ctx.arena = &env.writer;
	ctx.now = env.now;
	ctx.action = "fuzz.setup";
	uint64_t id;
	crm_status rc = auth_hash_password("pw-admin", ctx.prep.pwhash);
	if (rc == CRM_OK) {
		rc = store_write_begin(env.st, &ctx.txn);
	}
	if (rc == CRM_OK) {
		rc = user_create(&ctx, "admin", "管理员",
		    CRM__V1__ROLE__ROLE_ADMIN, NULL, ctx.prep.pwhash, &id);
		if (rc == CRM_OK) {
			rc = store_write_commit(env.st, ctx.txn);
		} else {
			store_write_abort(env.st, ctx.txn);
		}
	}
	if (rc == CRM_OK) {
		rc = setup_login(FUZZ_ENV_ADMIN, "admin", "pw-admin");
	}
	static const struct {
		const char *login;
		int role;
		const char *team;
	} users[] = {
		{ "wang", CRM__V1__ROLE__ROLE_MANAGER, "east" },
		{ "li", CRM__V1__ROLE__ROLE_REP, "east" },
		{ "zhao", CRM__V1__ROLE__ROLE_REP, "east" },
		{ "chen", CRM__V1__ROLE__ROLE_MANAGER, "west" },
		{ "sun", CRM__V1__ROLE__ROLE_REP, "west" },
	};
	for (size_t i = 0; rc == CRM_OK && i < sizeof(users) / sizeof(*users);
	     i++) {
		rc = setup_user(users[i].login, users[i].role, users[i].team);
	}
	if (rc == CRM_OK) {
		rc = setup_login(FUZZ_ENV_MANAGER, "wang", "pw-wang");
	}
	if (rc == CRM_OK) {
		rc = setup_login(FUZZ_ENV_REP, "li", "pw-li");
	}
	if (rc == CRM_OK) {
		rc = setup_records();
	}
	return rc;
}

crm_status
fuzz_env_open(void)
{
	if (env.open) {
		return CRM_OK;
	}
	crm_log_set_level(CRM_LOG_ERR);
	if (auth_init() != CRM_OK) {
		fprintf(stderr, "fuzz_env: libsodium failed\n");
		return CRM_INTERNAL;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(env.dir, sizeof(env.dir), "%s/crm-fuzz-XXXXXX",
	    tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(env.dir) == NULL) {
		perror(env.dir);
		return CRM_INTERNAL;
	}
	snprintf(env.data, sizeof(env.data), "%s/db", env.dir);
	memset(&env.cfg, 0, sizeof(env.cfg));
	env.cfg.data_dir = env.data; /* backups go to dir/backups */
	env.st = store_new();
	if (store_open(env.st, env.data, MAP_SIZE, 0) != CRM_OK ||
	    upgrade_run(env.st) != CRM_OK) {
		fprintf(stderr, "fuzz_env: no database in %s\n", env.dir);
		return CRM_INTERNAL;
	}
	crm_arena_init(&env.worker, ARENA_SIZE);
	crm_arena_init(&env.writer, ARENA_SIZE);
	crm_arena_init(&env.scratch, ARENA_SIZE);
	env.now = T0;
	env.open = 1;
	crm_status rc = setup_all();
	env.now = FUZZ_ENV_NOW;
	if (rc != CRM_OK) {
		fprintf(stderr, "fuzz_env: preparing the database failed\n");
		fuzz_env_close();
	}
	return rc;
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	(void)remove(path); /* best effort: go on */
	return 0;
}

void
fuzz_env_close(void)
{
	if (!env.open) {
		return;
	}
	env.open = 0;
	if (env.rtxn != NULL) {
		store_read_free(env.rtxn);
		env.rtxn = NULL;
	}
	store_close(env.st);
	store_free(env.st);
	crm_arena_fini(&env.worker);
	crm_arena_fini(&env.writer);
	crm_arena_fini(&env.scratch);
	nftw(env.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------- backup stand-in */

/*
 * The fuzz targets link with -Wl,--wrap=backup_handle: a backup writes a
 * copy of the database to any new folder the request names, not a thing
 * to do per fuzz input. The request passes every check as it would in
 * crmd and answers UNAVAILABLE, unless fuzz_env_outside_effects (the
 * replay test) lets the real handler run, into the temp folder.
 */
crm_status __real_backup_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp);
crm_status __wrap_backup_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp);

crm_status
__wrap_backup_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	if (!fuzz_env_outside_effects) {
		return dispatch_fail(ctx, CRM_UNAVAILABLE, "fuzz: not run");
	}
#ifdef CRM_FUZZ_CRMD
	/* The copy runs in a crmd process (backup.h): this program is not
	 * crmd. */
	backup_set_program(CRM_FUZZ_CRMD);
#endif
	return __real_backup_handle(ctx, req, resp);
}

/* ---------------------------------------------------- argon2id stand-in */

/*
 * The fuzz targets link with -Wl,--wrap for libsodium's password hash:
 * argon2id costs ~60 ms and 64 MiB per call by design, which would make
 * every login, passwd and user.add input thousands of times slower than
 * the rest. It is libsodium's code, not ours; the stand-in keeps the
 * contract (a NUL-terminated string that verifies its password). The
 * names are the linker's, not our prefix rule's.
 */
int __wrap_crypto_pwhash_str(char out[crypto_pwhash_STRBYTES],
    const char *const passwd, unsigned long long passwdlen,
    unsigned long long opslimit, size_t memlimit);
int __wrap_crypto_pwhash_str_verify(
    const char *str, const char *const passwd, unsigned long long passwdlen);

int
__wrap_crypto_pwhash_str(char out[crypto_pwhash_STRBYTES],
    const char *const passwd, unsigned long long passwdlen,
    unsigned long long opslimit, size_t memlimit)
{
	(void)opslimit;
	(void)memlimit;
	uint8_t h[32];
	crypto_generichash(
	    h, sizeof(h), (const uint8_t *)passwd, passwdlen, NULL, 0);
	memcpy(out, "$fuzz$", 6);
	sodium_bin2hex(out + 6, crypto_pwhash_STRBYTES - 6, h, sizeof(h));
	return 0;
}

int
__wrap_crypto_pwhash_str_verify(
    const char *str, const char *const passwd, unsigned long long passwdlen)
{
	char want[crypto_pwhash_STRBYTES];
	__wrap_crypto_pwhash_str(want, passwd, passwdlen, 0, 0);
	return strcmp(str, want) == 0 ? 0 : -1;
}
