/* SPDX-License-Identifier: MIT */
/* harness.c: start, drive and stop a real crmd for end-to-end tests. */
#include "harness.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crm_test.h"

#ifndef CRMD_PATH
#error "CRMD_PATH must name the crmd binary"
#endif

#define REPLY_TIMEOUT_MS 5000
#define START_TRIES      100 /* x 100 ms */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Under valgrind crmd runs many times slower. */
static int
reply_timeout_ms(void)
{
	const char *vg = getenv("CRM_TEST_VALGRIND");
	return vg != NULL && *vg == '1' ? 6 * REPLY_TIMEOUT_MS
	                                : REPLY_TIMEOUT_MS;
}

static int
connect_req(const char *url)
{
	int s = nn_socket(AF_SP, NN_REQ);
	assert_true(s >= 0);
	int tmo = reply_timeout_ms(), max = -1;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max));
	assert_true(nn_connect(s, url) >= 0);
	return s;
}

/* Run crmd with args, password on its stdin; returns the exit status. */
static int
run_crmd(const char *password, char *const argv[])
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(CRMD_PATH, argv);
		_exit(127);
	}
	close(fds[0]);
	ssize_t n = write(fds[1], password, strlen(password));
	(void)n;
	(void)!write(fds[1], "\n", 1);
	close(fds[1]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int
hello_ok(struct crm_test_server *s)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__HelloRequest hello = CRM__V1__HELLO_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&req.base, &len), *out;
	long n = crm_test_raw(s, buf, len, &out);
	free(buf);
	if (n < 0) {
		return 0;
	}
	Crm__V1__Response *r = NULL;
	int ok = crm_wire_unpack_response(out, (size_t)n, &r) == CRM_OK &&
	         r->body_case == CRM__V1__RESPONSE__BODY_HELLO;
	if (ok) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	free(out);
	return ok;
}

/* Start crmd on s->dir/db and wait until it answers. */
static void
spawn(struct crm_test_server *s)
{
	const char *data = s->data;
	pid_t parent = getpid();
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		/* A test killed (a ctest timeout) takes its crmd along, rather
		 * than leaving it running for good. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(127);
		}
		char log[300];
		snprintf(log, sizeof(log), "%s/crmd.log", s->dir);
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		const char *workers = getenv("CRM_TEST_WORKERS");
		if (workers == NULL || !*workers) {
			workers = "2";
		}
		const char *argv[32] = { CRMD_PATH, "--data", data, "--listen",
			s->url, "--workers", workers };
		int n = 7;
		for (int i = 0; s->extra && s->extra[i] && n < 31; i++) {
			argv[n++] = s->extra[i];
		}
		const char *vg = getenv("CRM_TEST_VALGRIND");
		if (vg != NULL && *vg == '1') {
			const char *vargv[40] = { "valgrind",
				"--error-exitcode=99", "--leak-check=full",
				"--errors-for-leak-kinds=definite", "-q" };
			for (int i = 0; i < n; i++) {
				vargv[5 + i] = argv[i];
			}
			execvp("valgrind", (char *const *)vargv);
		} else {
			execv(CRMD_PATH, (char *const *)argv);
		}
		_exit(127);
	}
	if (s->sock < 0) {
		s->sock = connect_req(s->url);
	}
	for (int i = 0; i < START_TRIES; i++) {
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			fail_msg(
			    "crmd exited at start; see %s/crmd.log", s->dir);
		}
		if (hello_ok(s)) {
			return;
		}
		sleep_ms(100);
	}
	fail_msg("crmd did not answer within %d s", START_TRIES / 10);
}

void
crm_test_server_kill(struct crm_test_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

void
crm_test_server_restart(struct crm_test_server *s)
{
	crm_test_server_kill(s);
	spawn(s);
}

void
crm_test_server_start_with(struct crm_test_server *s, const char *const *extra)
{
	memset(s, 0, sizeof(*s));
	s->extra = extra;
	s->sock = -1;
	const char *ext = getenv("CRM_TEST_SERVER");
	if (ext != NULL && *ext) {
		snprintf(s->url, sizeof(s->url), "%s", ext);
		s->sock = connect_req(s->url);
		return;
	}
#ifndef CRM_TEST_HOOKS
	static const char *const hooks[] = { "CRM_TEST_CLOCK",
		"CRM_TEST_PRUNE_MS", "CRM_TEST_WRITE_DELAY_MS",
		"CRM_TEST_CHEAP_HASH" };
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		if (getenv(hooks[i]) != NULL) {
			fail_msg("%s is set but this crmd has no test hooks: "
			         "build with -DCRM_TEST_HOOKS=ON, or list the "
			         "test in crm_needs_test_hooks",
			    hooks[i]);
		}
	}
#endif
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/crm-e2e-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->data, sizeof(s->data), "%s/db", s->dir);
	snprintf(s->url, sizeof(s->url), "ipc://%s/crmd.ipc", s->dir);
	char *add[] = { "crmd", "user", "add", "admin", "--role", "admin",
		"--data", s->data, NULL };
	assert_int_equal(run_crmd("admin-pw", add), 0);

	spawn(s);
}

void
crm_test_server_start(struct crm_test_server *s)
{
	crm_test_server_start_with(s, NULL);
}

void
crm_test_server_open(struct crm_test_server *s, const char *data)
{
	memset(s, 0, sizeof(*s));
	s->sock = -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/crm-e2e-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->data, sizeof(s->data), "%s", data);
	snprintf(s->url, sizeof(s->url), "ipc://%s/crmd.ipc", s->dir);
	spawn(s);
}

static void
remove_tree(const char *dir)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

void
crm_test_server_stop(struct crm_test_server *s)
{
	crm_test_server_stop_keep(s);
	crm_test_server_cleanup(s);
}

void
crm_test_server_cleanup(struct crm_test_server *s)
{
	if (s->dir[0] != '\0' && getenv("CRM_TEST_KEEP") == NULL) {
		remove_tree(s->dir);
	}
}

void
crm_test_server_stop_keep(struct crm_test_server *s)
{
	nn_close(s->sock);
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		int status = 0;
		for (int i = 0; i < 300; i++) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				break;
			}
			if (i == 299) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, &status, 0);
				fail_msg("crmd did not stop within 30 s");
			}
			sleep_ms(100);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char cmd[400];
			snprintf(
			    cmd, sizeof(cmd), "cat '%s/crmd.log' >&2", s->dir);
			(void)!system(cmd);
			fail_msg("crmd exited with status %d", status);
		}
	}
}

int
crm_test_server_alive(struct crm_test_server *s)
{
	if (s->pid > 0 && waitpid(s->pid, NULL, WNOHANG) == s->pid) {
		s->pid = 0;
		return 0;
	}
	return hello_ok(s);
}

long
crm_test_raw(
    struct crm_test_server *s, const void *buf, size_t len, uint8_t **out)
{
	*out = NULL;
	if (nn_send(s->sock, buf, len, 0) < 0) {
		return -1;
	}
	void *msg = NULL;
	int n = nn_recv(s->sock, &msg, NN_MSG, 0);
	if (n < 0) {
		/* A REQ socket with no reply would resend forever: start
		 * over with a fresh one. */
		nn_close(s->sock);
		s->sock = connect_req(s->url);
		return -1;
	}
	*out = malloc((size_t)n ? (size_t)n : 1);
	memcpy(*out, msg, (size_t)n);
	nn_freemsg(msg);
	return n;
}

int
crm_test_raw_unanswered(
    struct crm_test_server *s, const void *buf, size_t len, int ms)
{
	int tmo = ms;
	nn_setsockopt(s->sock, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	uint8_t *out = NULL;
	long n = crm_test_raw(s, buf, len, &out);
	free(out);
	if (n >= 0) { /* answered: the socket keeps its usual timeout */
		tmo = reply_timeout_ms();
		nn_setsockopt(
		    s->sock, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	}
	return n < 0;
}

Crm__V1__Response *
crm_test_call(struct crm_test_server *s, Crm__V1__Request *req)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	if (!req->has_request_id) {
		crm_wire_request_id(id);
		req->has_request_id = 1;
		req->request_id.data = id;
		req->request_id.len = sizeof(id);
	}
	if (!req->has_session_token && s->token_len > 0) {
		req->has_session_token = 1;
		req->session_token.data = s->token;
		req->session_token.len = s->token_len;
	}
	req->has_protocol_version = 1;
	req->protocol_version = CRM_PROTOCOL_VERSION;
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&req->base, &len), *out;
	long n = crm_test_raw(s, buf, len, &out);
	free(buf);
	if (req->request_id.data == id) {
		req->has_request_id = 0;
		req->request_id.data = NULL;
		req->request_id.len = 0;
	}
	if (n < 0) {
		fail_msg("no reply within %d ms", reply_timeout_ms());
	}
	Crm__V1__Response *r = NULL;
	if (crm_wire_unpack_response(out, (size_t)n, &r) != CRM_OK) {
		free(out);
		fail_msg("reply does not decode");
	}
	free(out);
	return r;
}

crm_status
crm_test_login(
    struct crm_test_server *s, const char *login, const char *password)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest l = CRM__V1__LOGIN_REQUEST__INIT;
	l.login = (char *)login;
	l.password = (char *)password;
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &l;
	s->token_len = 0;
	Crm__V1__Response *r = crm_test_call(s, &req);
	crm_status rc = crm_wire_status(r);
	if (rc == CRM_OK) {
		assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY_LOGIN);
		assert_int_equal(r->login->session_token.len, 32);
		memcpy(s->token, r->login->session_token.data, 32);
		s->token_len = 32;
	}
	crm__v1__response__free_unpacked(r, NULL);
	return rc;
}

crm_status
crm_test_add_user(struct crm_test_server *s, const char *login,
    const char *role, const char *team, const char *password)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserAddRequest u = CRM__V1__USER_ADD_REQUEST__INIT;
	int r_role = 0;
	assert_int_equal(
	    crm_enum_parse(&crm__v1__role__descriptor, role, &r_role), CRM_OK);
	u.login = (char *)login;
	u.has_role = 1;
	u.role = (Crm__V1__Role)r_role;
	u.team = (char *)team;
	u.password = (char *)password;
	req.body_case = CRM__V1__REQUEST__BODY_USER_ADD;
	req.user_add = &u;
	Crm__V1__Response *r = crm_test_call(s, &req);
	crm_status rc = crm_wire_status(r);
	crm__v1__response__free_unpacked(r, NULL);
	return rc;
}

void
crm_test_login_as(struct crm_test_server *s, const char *who)
{
	char pw[64];
	snprintf(pw, sizeof(pw), "pw-%s", who);
	crm_status rc = crm_test_login(
	    s, who, strcmp(who, "admin") == 0 ? "admin-pw" : pw);
	if (rc != CRM_OK) {
		fail_msg("login %s: %s", who, crm_strerror(rc));
	}
}

void
crm_test_clock_set(const char *path, int64_t t)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%lld\n", (long long)t);
	fclose(f);
}

void
crm_test_clock_open(char *path, size_t len)
{
	char dir[] = "/tmp/crm-clock-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_true((size_t)snprintf(path, len, "%s/clock", dir) < len);
	setenv("CRM_TEST_CLOCK", path, 1);
}

void
crm_test_clock_close(const char *path)
{
	char dir[400];
	snprintf(dir, sizeof(dir), "%s", path);
	unlink(path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		rmdir(dir);
	}
}

crm_status
crm_test_status(struct crm_test_server *s, Crm__V1__Request *req)
{
	Crm__V1__Response *r = crm_test_call(s, req);
	crm_status rc = crm_wire_status(r);
	crm__v1__response__free_unpacked(r, NULL);
	return rc;
}

void
crm_test_ok(struct crm_test_server *s, Crm__V1__Request *req)
{
	assert_crm_ok(crm_test_status(s, req));
}

crm_status
crm_test_raw_status(struct crm_test_server *s, const void *buf, size_t len)
{
	uint8_t *out;
	long n = crm_test_raw(s, buf, len, &out);
	assert_true(n >= 0);
	Crm__V1__Response *r = NULL;
	assert_crm_ok(crm_wire_unpack_response(out, (size_t)n, &r));
	crm_status rc = crm_wire_status(r);
	if (rc != CRM_OK) {
		assert_non_null(r->status->message);
	}
	crm__v1__response__free_unpacked(r, NULL);
	free(out);
	return rc;
}

Crm__V1__Response *
crm_test_hello(struct crm_test_server *s)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__HelloRequest h = CRM__V1__HELLO_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_HELLO;
	req.hello = &h;
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	return r;
}

void
crm_test_customer_add_init(Crm__V1__Request *req,
    Crm__V1__CustomerAddRequest *a, Crm__V1__Customer *c, const char *name)
{
	crm__v1__request__init(req);
	crm__v1__customer_add_request__init(a);
	crm__v1__customer__init(c);
	c->name = (char *)name;
	a->customer = c;
	req->body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req->customer_add = a;
}

void
crm_test_customer_get_init(
    Crm__V1__Request *req, Crm__V1__CustomerGetRequest *g, uint64_t id)
{
	crm__v1__request__init(req);
	crm__v1__customer_get_request__init(g);
	g->has_id = 1;
	g->id = id;
	req->body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
	req->customer_get = g;
}

uint64_t
crm_test_add_customer(struct crm_test_server *s, const char *name)
{
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, name);
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->customer->customer->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

void
crm_test_add_people(struct crm_test_server *s, ...)
{
	static const char *const people[][3] = {
		{ "li", "rep", "east" },
		{ "zhao", "rep", "east" },
		{ "wang", "manager", "east" },
		{ "sun", "rep", "west" },
		{ "chen", "manager", "west" },
		{ "wu", "manager", "west" },
	};
	va_list ap;
	va_start(ap, s);
	for (const char *who; (who = va_arg(ap, const char *)) != NULL;) {
		size_t i = 0;
		while (i < sizeof(people) / sizeof(people[0]) &&
		       strcmp(people[i][0], who) != 0) {
			i++;
		}
		if (i == sizeof(people) / sizeof(people[0])) {
			fail_msg("crm_test_add_people: who is %s?", who);
		}
		char pw[64];
		snprintf(pw, sizeof(pw), "pw-%s", who);
		crm_status rc =
		    crm_test_add_user(s, who, people[i][1], people[i][2], pw);
		if (rc != CRM_OK) {
			fail_msg("add %s: %s", who, crm_strerror(rc));
		}
	}
	va_end(ap);
}

void
crm_test_log_init(
    struct crm_test_log *l, uint64_t customer, const char *summary)
{
	crm__v1__request__init(&l->req);
	crm__v1__followup_log_request__init(&l->log);
	crm__v1__follow_up__init(&l->f);
	l->f.has_customer_id = 1;
	l->f.customer_id = customer;
	l->f.summary = (char *)summary;
	l->log.followup = &l->f;
	l->req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	l->req.followup_log = &l->log;
}

void
crm_test_request_id(Crm__V1__Request *req, const uint8_t *id)
{
	req->has_request_id = 1;
	req->request_id.data = (uint8_t *)id;
	req->request_id.len = CRM_REQUEST_ID_LEN;
}
