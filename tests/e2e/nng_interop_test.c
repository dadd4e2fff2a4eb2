/* SPDX-License-Identifier: MIT */
/*
 * nng_interop_test.c: a second SP implementation against a real crmd
 * (issue 17, item 10). The client is a stranger's stack: nng (REQ and SUB)
 * and the protobuf-c code generated from proto/crm.proto, nothing of
 * crm's own (no client/conn.c, no nanomsg, no tests/e2e/harness.c).
 *
 * For ipc:// in a temp folder and tcp://127.0.0.1 on a free port: hello
 * (the PUB address), login, a write and its resend with the same request
 * id (the same answer, one record: checked by listing), a paged list
 * followed to the end, the change feed from a cursor, a SUB socket
 * receiving the poke of a write, then crmd killed mid-session: what nng
 * reports (NNG_ETIMEDOUT from a send with no server, a request pending
 * over a restart answered because nng resends it by itself), and the
 * same bytes resent after the restart writing once. Last, the example of
 * proto/README.md ("Writing a client with nng"), built from the README's
 * own text, runs against the same server.
 *
 * Usage: nng_interop_e2e_test CRMD README_EXAMPLE (CMake passes both).
 * Every wait is bounded; the whole test takes about 10 s.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "crm.pb-c.h"

#define REPLY_MS    5000 /* NNG_OPT_RECVTIMEO / SENDTIMEO of the REQ socket */
#define START_MS    10000
#define N_CUSTOMERS 7 /* the paged list: pages of 3 */
#define PAGE        3

static const char *crmd_path;
static const char *example_path;
static int failures;

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, \
			    __LINE__, #cond);                           \
			fprintf(stderr, __VA_ARGS__);                   \
			fputc('\n', stderr);                            \
			failures++;                                     \
			return -1;                                      \
		}                                                       \
	} while (0)

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- crmd */

/*
 * stop_server: SIGSTOP pid and wait (at most 2 s) until each of its
 * threads is stopped: kill() returns when the signal is sent, and a
 * worker running on the other core can still take a request sent right
 * after it and answer (the "stopped" crmd answered in CI once).
 */
static int
threads_stopped(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL) {
		return 0;
	}
	int stopped = 1;
	struct dirent *e;
	while (stopped && (e = readdir(d)) != NULL) {
		char f[384], line[512];
		if (e->d_name[0] == '.') {
			continue;
		}
		snprintf(f, sizeof(f), "%s/%s/stat", path, e->d_name);
		FILE *fp = fopen(f, "r");
		if (fp == NULL) {
			continue; /* the thread ended */
		}
		/* pid (comm) STATE ...: comm may hold spaces and ')' */
		const char *rp = fgets(line, sizeof(line), fp) != NULL
		                     ? strrchr(line, ')')
		                     : NULL;
		stopped = rp != NULL && rp[1] == ' ' &&
		          (rp[2] == 'T' || rp[2] == 't');
		fclose(fp);
	}
	closedir(d);
	return stopped;
}

static void
stop_server(pid_t pid)
{
	kill(pid, SIGSTOP);
	for (int i = 0; i < 200 && !threads_stopped(pid); i++) {
		sleep_ms(10);
	}
}

struct server {
	char dir[256];
	char data[300];
	char url[320];
	char pub[320]; /* --pub, or "" for crmd's default */
	pid_t pid;
};

/* A free loopback TCP port (bound, read, released). */
static int
free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		return -1;
	}
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		port = ntohs(a.sin_port);
	}
	close(fd);
	return port;
}

/* crmd user add admin --role admin, the password on stdin. */
static int
add_admin(struct server *s)
{
	int fds[2];
	if (pipe(fds) != 0) {
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
		}
		execl(crmd_path, "crmd", "user", "add", "admin", "--role",
		    "admin", "--data", s->data, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	(void)!write(fds[1], "admin-pw\n", 9);
	close(fds[1]);
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void
spawn(struct server *s)
{
	s->pid = fork();
	if (s->pid == 0) {
		char log[300];
		snprintf(log, sizeof(log), "%s/crmd.log", s->dir);
		if (freopen(log, "a", stderr) == NULL) {
			_exit(126);
		}
		if (s->pub[0] != '\0') {
			execl(crmd_path, "crmd", "--data", s->data, "--listen",
			    s->url, "--pub", s->pub, "--workers", "2",
			    (char *)NULL);
		} else {
			execl(crmd_path, "crmd", "--data", s->data, "--listen",
			    s->url, "--workers", "2", (char *)NULL);
		}
		_exit(127);
	}
}

static void
kill_server(struct server *s, int sig)
{
	if (s->pid > 0) {
		kill(s->pid, sig);
		int st;
		waitpid(s->pid, &st, 0);
		s->pid = 0;
	}
}

static void
remove_dir(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

/* -------------------------------------------------------------- client */

/* The REQ socket as a stranger would set it up: both timeouts (without
 * NNG_OPT_SENDTIMEO a send with no server blocks forever), replies up to
 * any size (crmd's are at most 4 MiB; nng's default cap is 1 MiB), and a
 * background dial that keeps redialling (NNG_FLAG_NONBLOCK), so the
 * socket survives a server that is not up yet or restarts. */
static int
req_open(nng_socket *s, const char *url, int timeout_ms)
{
	int rv = nng_req0_open(s);
	if (rv != 0) {
		return rv;
	}
	nng_socket_set_ms(*s, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, 0);
	nng_socket_set_ms(*s, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(*s, NNG_OPT_RECONNMAXT, 200);
	return nng_dial(*s, url, NULL, NNG_FLAG_NONBLOCK);
}

struct reply {
	Crm__V1__Response *r;
	uint8_t *raw; /* the reply's bytes (malloc'd) */
	size_t len;
	int send_rv, recv_rv; /* nng's codes, 0 on success */
};

static void
reply_free(struct reply *y)
{
	crm__v1__response__free_unpacked(y->r, NULL);
	free(y->raw);
	memset(y, 0, sizeof(*y));
}

/* Send the bytes of one request and receive one reply. */
static int
call_raw(nng_socket s, const uint8_t *buf, size_t len, struct reply *y)
{
	memset(y, 0, sizeof(*y));
	y->send_rv = nng_send(s, (void *)buf, len, 0);
	if (y->send_rv != 0) {
		return y->send_rv;
	}
	void *msg = NULL;
	size_t n = 0;
	y->recv_rv = nng_recv(s, &msg, &n, NNG_FLAG_ALLOC);
	if (y->recv_rv != 0) {
		return y->recv_rv;
	}
	y->raw = malloc(n ? n : 1);
	memcpy(y->raw, msg, n);
	y->len = n;
	nng_free(msg, n);
	y->r = crm__v1__response__unpack(NULL, n, y->raw);
	return y->r == NULL ? NNG_EINVAL : 0;
}

/* Pack req (a malloc'd buffer in *buf, its length returned). */
static size_t
pack(Crm__V1__Request *req, uint8_t **buf)
{
	size_t len = crm__v1__request__get_packed_size(req);
	*buf = malloc(len ? len : 1);
	crm__v1__request__pack(req, *buf);
	return len;
}

static int
call(nng_socket s, Crm__V1__Request *req, struct reply *y)
{
	uint8_t *buf;
	size_t len = pack(req, &buf);
	int rv = call_raw(s, buf, len, y);
	free(buf);
	return rv;
}

/* The reply's code; an absent status or code reads UNKNOWN, never OK
 * (proto/README.md §2). */
static Crm__V1__Status__Code
code_of(const struct reply *y)
{
	return y->r->status != NULL && y->r->status->has_code
	           ? y->r->status->code
	           : CRM__V1__STATUS__CODE__UNKNOWN;
}

static const char *
message_of(const struct reply *y)
{
	return y->r != NULL && y->r->status != NULL &&
	               y->r->status->message != NULL
	           ? y->r->status->message
	           : "";
}

struct session {
	nng_socket req;
	uint8_t token[64];
	size_t token_len;
	uint32_t rid_seq;
};

/* A fresh 16-byte request id (random enough for one test run). */
static void
new_rid(struct session *c, uint8_t rid[16])
{
	uint32_t r1 = (uint32_t)rand(), r2 = ++c->rid_seq;
	int64_t t = now_ms();
	memset(rid, 0, 16);
	memcpy(rid, &r1, 4);
	memcpy(rid + 4, &r2, 4);
	memcpy(rid + 8, &t, 8);
}

static void
envelope(struct session *c, Crm__V1__Request *req, uint8_t rid[16])
{
	req->has_protocol_version = 1;
	req->protocol_version = 1;
	if (rid != NULL) {
		req->has_request_id = 1;
		req->request_id.data = rid;
		req->request_id.len = 16;
	}
	if (c->token_len > 0) {
		req->has_session_token = 1;
		req->session_token.data = c->token;
		req->session_token.len = c->token_len;
	}
}

/* A customer_add request named name, with request id rid. */
static size_t
customer_add_bytes(
    struct session *c, const char *name, uint8_t rid[16], uint8_t **buf)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAddRequest a = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Customer cu = CRM__V1__CUSTOMER__INIT;
	cu.name = (char *)name;
	a.customer = &cu;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req.customer_add = &a;
	envelope(c, &req, rid);
	return pack(&req, buf);
}

/* Every customer whose name starts with prefix, following next_cursor
 * in pages of PAGE to the end; *pages counts the calls. */
static int
list_count(
    struct session *c, const char *prefix, uint64_t id, int *n_id, int *pages)
{
	int n = 0;
	uint64_t cursor = 0;
	*n_id = 0;
	*pages = 0;
	for (int i = 0; i < 100; i++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerListRequest l =
		    CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
		l.has_cursor = cursor != 0;
		l.cursor = cursor;
		l.has_limit = 1;
		l.limit = PAGE;
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
		req.customer_list = &l;
		envelope(c, &req, NULL);
		struct reply y;
		int rv = call(c->req, &req, &y);
		CHECK(rv == 0, "customer_list: %s", nng_strerror(rv));
		(*pages)++;
		CHECK(code_of(&y) == CRM__V1__STATUS__CODE__OK &&
		          y.r->body_case == CRM__V1__RESPONSE__BODY_CUSTOMERS,
		    "customer_list: code %d %s", (int)code_of(&y),
		    message_of(&y));
		Crm__V1__CustomerPage *p = y.r->customers;
		CHECK(p->n_customers <= PAGE, "a page of %zu > limit %d",
		    p->n_customers, PAGE);
		for (size_t k = 0; k < p->n_customers; k++) {
			const Crm__V1__Customer *cu = p->customers[k];
			if (cu->name != NULL &&
			    strncmp(cu->name, prefix, strlen(prefix)) == 0) {
				n++;
			}
			if (cu->id == id) {
				(*n_id)++;
			}
		}
		cursor = p->next_cursor;
		reply_free(&y);
		if (cursor == 0) {
			return n;
		}
	}
	CHECK(0, "customer_list: still more after 100 pages");
	return -1;
}

/* The change feed after *since, in pages of 2, to the end (more false);
 * counts the CHANGE_CUSTOMER entries for id; *since becomes the cursor. */
static int
changes_follow(struct session *c, uint64_t *since, uint64_t id, int *n_id)
{
	int n = 0;
	*n_id = 0;
	for (int i = 0; i < 200; i++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__ChangesRequest ch = CRM__V1__CHANGES_REQUEST__INIT;
		ch.has_since = 1;
		ch.since = *since;
		ch.has_limit = 1;
		ch.limit = 2;
		req.body_case = CRM__V1__REQUEST__BODY_CHANGES;
		req.changes = &ch;
		envelope(c, &req, NULL);
		struct reply y;
		int rv = call(c->req, &req, &y);
		CHECK(rv == 0, "changes: %s", nng_strerror(rv));
		CHECK(code_of(&y) == CRM__V1__STATUS__CODE__OK &&
		          y.r->body_case == CRM__V1__RESPONSE__BODY_CHANGES,
		    "changes: code %d %s", (int)code_of(&y), message_of(&y));
		Crm__V1__ChangesReply *p = y.r->changes;
		CHECK(
		    p->n_changes <= 2, "a page of %zu changes", p->n_changes);
		for (size_t k = 0; k < p->n_changes; k++) {
			const Crm__V1__Change *e = p->changes[k];
			CHECK(e->seq > *since,
			    "change seq %llu <= cursor %llu",
			    (unsigned long long)e->seq,
			    (unsigned long long)*since);
			if (e->kind == CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER &&
			    e->id == id) {
				(*n_id)++;
			}
			n++;
		}
		CHECK(p->next_since >= *since, "cursor went back");
		*since = p->next_since;
		int more = p->more;
		reply_free(&y);
		if (!more) {
			return n;
		}
	}
	CHECK(0, "changes: still more after 200 pages");
	return -1;
}

/* Hello, retried while crmd starts (bounded by START_MS): the reply. */
static int
hello(struct session *c, struct reply *y)
{
	int64_t end = now_ms() + START_MS;
	for (int i = 0; i < 100; i++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__HelloRequest h = CRM__V1__HELLO_REQUEST__INIT;
		h.client = "nng-interop/1";
		req.body_case = CRM__V1__REQUEST__BODY_HELLO;
		req.hello = &h;
		envelope(c, &req, NULL);
		if (call(c->req, &req, y) == 0) {
			return 0;
		}
		reply_free(y);
		if (now_ms() > end) {
			break;
		}
		sleep_ms(50);
	}
	CHECK(0, "no hello reply within %d ms", START_MS);
	return -1;
}

static int
login(struct session *c, const char *who, const char *pw)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest l = CRM__V1__LOGIN_REQUEST__INIT;
	uint8_t rid[16];
	new_rid(c, rid);
	l.login = (char *)who;
	l.password = (char *)pw;
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &l;
	envelope(c, &req, rid);
	struct reply y;
	int rv = call(c->req, &req, &y);
	CHECK(rv == 0, "login: %s", nng_strerror(rv));
	CHECK(code_of(&y) == CRM__V1__STATUS__CODE__OK &&
	          y.r->body_case == CRM__V1__RESPONSE__BODY_LOGIN,
	    "login: code %d %s", (int)code_of(&y), message_of(&y));
	ProtobufCBinaryData t = y.r->login->session_token;
	CHECK(t.len > 0 && t.len <= sizeof(c->token), "token of %zu bytes",
	    t.len);
	memcpy(c->token, t.data, t.len);
	c->token_len = t.len;
	reply_free(&y);
	return 0;
}

/* Add a customer (a new request id); its id in *id. */
static int
add_customer(struct session *c, const char *name, uint64_t *id)
{
	uint8_t rid[16], *buf;
	new_rid(c, rid);
	size_t len = customer_add_bytes(c, name, rid, &buf);
	struct reply y;
	int rv = call_raw(c->req, buf, len, &y);
	free(buf);
	CHECK(rv == 0, "customer_add %s: %s", name, nng_strerror(rv));
	CHECK(code_of(&y) == CRM__V1__STATUS__CODE__OK &&
	          y.r->body_case == CRM__V1__RESPONSE__BODY_CUSTOMER,
	    "customer_add %s: code %d %s", name, (int)code_of(&y),
	    message_of(&y));
	*id = y.r->customer->customer->id;
	reply_free(&y);
	return 0;
}

/* A SUB socket on url, subscribed to everything; *piped is set by nng
 * once a connection to the publisher is up. */
static volatile int sub_piped;

static void
on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)arg;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		sub_piped = 1;
	}
}

static int
sub_open(nng_socket *s, const char *url)
{
	sub_piped = 0;
	int rv = nng_sub0_open(s);
	if (rv != 0) {
		return rv;
	}
	nng_pipe_notify(*s, NNG_PIPE_EV_ADD_POST, on_pipe, NULL);
	nng_socket_set(*s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_ms(*s, NNG_OPT_RECONNMINT, 50);
	return nng_dial(*s, url, NULL, NNG_FLAG_NONBLOCK);
}

/* Wait (at most ms) for a message starting with "poke". */
static int
wait_poke(nng_socket s, int ms, char *got, size_t got_size)
{
	int64_t end = now_ms() + ms;
	for (int i = 0; i < 200 && now_ms() < end; i++) {
		void *msg = NULL;
		size_t n = 0;
		int rv = nng_recv(s, &msg, &n, NNG_FLAG_ALLOC);
		if (rv == NNG_ETIMEDOUT) {
			continue;
		}
		if (rv != 0) {
			return -1;
		}
		size_t k = n < got_size - 1 ? n : got_size - 1;
		memcpy(got, msg, k);
		got[k] = '\0';
		nng_free(msg, n);
		if (strncmp(got, "poke", 4) == 0) {
			return 0;
		}
	}
	return -1;
}

/* Run the example of proto/README.md against url: it must print the
 * server's version. */
static int
run_example(const char *url)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "timeout 20 '%s' '%s'", example_path, url);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL, "popen %s", example_path);
	char line[512] = "";
	if (fgets(line, sizeof(line), p) == NULL) {
		line[0] = '\0';
	}
	int st = pclose(p);
	CHECK(st == 0 && strncmp(line, "crmd ", 5) == 0,
	    "README example: status %d, printed '%s'", st, line);
	printf("  README example: %s", line);
	return 0;
}

/* One write: its bytes (rid fresh, name prefix+tag), for the kill test. */
struct write {
	uint8_t rid[16];
	uint8_t *buf;
	size_t len;
	uint64_t id;
};

static void
write_init(
    struct session *c, struct write *w, const char *prefix, const char *tag)
{
	char name[96];
	snprintf(name, sizeof(name), "%s%s", prefix, tag);
	new_rid(c, w->rid);
	w->len = customer_add_bytes(c, name, w->rid, &w->buf);
	w->id = 0;
}

/* Send w's bytes (again) and expect OK with a customer: its id, the same
 * as before when w->id is set. */
static int
write_ok(struct session *c, struct write *w, const char *what)
{
	struct reply y;
	int rv = call_raw(c->req, w->buf, w->len, &y);
	CHECK(rv == 0, "%s: %s", what, nng_strerror(rv));
	CHECK(code_of(&y) == CRM__V1__STATUS__CODE__OK &&
	          y.r->body_case == CRM__V1__RESPONSE__BODY_CUSTOMER,
	    "%s: code %d %s", what, (int)code_of(&y), message_of(&y));
	uint64_t id = y.r->customer->customer->id;
	reply_free(&y);
	CHECK(w->id == 0 || w->id == id, "%s: customer %llu, before %llu",
	    what, (unsigned long long)id, (unsigned long long)w->id);
	w->id = id;
	return 0;
}

static void
set_timeouts(nng_socket s, int ms)
{
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, ms);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, ms);
}

/*
 * crmd killed mid-session, as nng reports it (short timeouts, 300 ms):
 * a) a request sent (crmd stopped: SIGSTOP) whose server then dies:
 *    nng_send 0, nng_recv NNG_ETIMEDOUT (no error for the connection);
 * b) a request with no server at all: nng_send waits for a peer until
 *    NNG_OPT_SENDTIMEO, NNG_ETIMEDOUT;
 * c) crmd restarted: the same bytes of a) and b) resent, each written;
 * d) a request pending (nng_recv_aio) while crmd is killed and restarted:
 *    nng resends it on the new connection by itself and the reply comes;
 * e) each resent again: the stored reply; the list shows each once.
 */
static int
kill_test(struct server *srv, struct session *c, const char *prefix)
{
	struct write wa, wb, wd;
	write_init(c, &wa, prefix, "pending-at-kill");
	write_init(c, &wb, prefix, "no-server");
	write_init(c, &wd, prefix, "over-restart");
	set_timeouts(c->req, 300);

	/* a) */
	stop_server(srv->pid);
	struct reply y;
	int64_t t = now_ms();
	int rv = nng_send(c->req, wa.buf, wa.len, 0);
	CHECK(rv == 0, "send to a stopped crmd: %s", nng_strerror(rv));
	kill_server(srv, SIGKILL);
	void *msg = NULL;
	size_t n = 0;
	rv = nng_recv(c->req, &msg, &n, NNG_FLAG_ALLOC);
	printf("  pending when crmd died: nng_send 0, nng_recv %s (%lld ms)\n",
	    nng_strerror(rv), (long long)(now_ms() - t));
	CHECK(rv == NNG_ETIMEDOUT, "recv after the kill: %d %s", rv,
	    nng_strerror(rv));

	/* b) */
	t = now_ms();
	rv = call_raw(c->req, wb.buf, wb.len, &y);
	printf("  no server: nng_send %s (%lld ms)\n",
	    y.send_rv ? nng_strerror(y.send_rv) : "0",
	    (long long)(now_ms() - t));
	CHECK(rv == NNG_ETIMEDOUT && y.send_rv == NNG_ETIMEDOUT,
	    "send with no server: %d %s", rv, nng_strerror(rv));
	reply_free(&y);

	/* c) */
	set_timeouts(c->req, START_MS);
	spawn(srv);
	if (write_ok(c, &wa, "a) resent after the restart") != 0 ||
	    write_ok(c, &wb, "b) resent after the restart") != 0) {
		return -1;
	}

	/* d) */
	stop_server(srv->pid);
	rv = nng_send(c->req, wd.buf, wd.len, 0);
	CHECK(rv == 0, "send to a stopped crmd: %s", nng_strerror(rv));
	nng_aio *aio;
	CHECK(nng_aio_alloc(&aio, NULL, NULL) == 0, "nng_aio_alloc");
	nng_aio_set_timeout(aio, START_MS);
	nng_recv_aio(c->req, aio);
	kill_server(srv, SIGKILL);
	t = now_ms();
	spawn(srv);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	nng_msg *m = rv == 0 ? nng_aio_get_msg(aio) : NULL;
	nng_aio_free(aio);
	printf("  pending over a restart: %s after %lld ms\n",
	    rv ? nng_strerror(rv) : "answered", (long long)(now_ms() - t));
	CHECK(rv == 0, "no reply over the restart: %s", nng_strerror(rv));
	Crm__V1__Response *r =
	    crm__v1__response__unpack(NULL, nng_msg_len(m), nng_msg_body(m));
	nng_msg_free(m);
	CHECK(r != NULL && r->body_case == CRM__V1__RESPONSE__BODY_CUSTOMER &&
	          r->status != NULL && r->status->has_code &&
	          r->status->code == CRM__V1__STATUS__CODE__OK,
	    "the reply over the restart is no customer");
	wd.id = r->customer->customer->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* e) */
	if (write_ok(c, &wa, "a) again") != 0 ||
	    write_ok(c, &wb, "b) again") != 0 ||
	    write_ok(c, &wd, "d) again") != 0) {
		return -1;
	}
	struct write *all[] = { &wa, &wb, &wd };
	for (int i = 0; i < 3; i++) {
		int n_id, pages;
		int total = list_count(c, prefix, all[i]->id, &n_id, &pages);
		CHECK(total == N_CUSTOMERS + 3 && n_id == 1,
		    "after the kills: %d customers (want %d), customer %llu "
		    "%d times",
		    total, N_CUSTOMERS + 3, (unsigned long long)all[i]->id,
		    n_id);
		free(all[i]->buf);
	}
	set_timeouts(c->req, REPLY_MS);
	return 0;
}

/* ----------------------------------------------------------- the test */

static int
session_test(struct server *srv, const char *label)
{
	struct session c;
	memset(&c, 0, sizeof(c));
	int rv = req_open(&c.req, srv->url, REPLY_MS);
	CHECK(rv == 0, "dial %s: %s", srv->url, nng_strerror(rv));

	/* hello: the limits and where pokes are published */
	struct reply y;
	if (hello(&c, &y) != 0) {
		return -1;
	}
	CHECK(code_of(&y) == CRM__V1__STATUS__CODE__OK &&
	          y.r->body_case == CRM__V1__RESPONSE__BODY_HELLO,
	    "hello: code %d", (int)code_of(&y));
	Crm__V1__HelloReply *h = y.r->hello;
	CHECK(h->protocol_version == 1, "protocol %u", h->protocol_version);
	CHECK(h->max_message_size >= 65536, "max_message_size %u",
	    h->max_message_size);
	CHECK(h->pub_url != NULL && *h->pub_url, "hello over %s: no pub_url",
	    label);
	if (srv->pub[0] != '\0') {
		CHECK(strcmp(h->pub_url, srv->pub) == 0, "pub_url %s, not %s",
		    h->pub_url, srv->pub);
	}
	char pub[320];
	snprintf(pub, sizeof(pub), "%s", h->pub_url);
	printf("  %s: %s, protocol %u, pub %s\n", label, h->server_version,
	    h->protocol_version, pub);
	reply_free(&y);

	/* round trips of a hello over nng (what the report quotes) */
	int64_t t0 = now_ms();
	for (int i = 0; i < 200; i++) {
		if (hello(&c, &y) != 0) {
			return -1;
		}
		reply_free(&y);
	}
	printf("  %s: 200 hellos in %lld ms\n", label,
	    (long long)(now_ms() - t0));

	if (login(&c, "admin", "admin-pw") != 0) {
		return -1;
	}

	/* the change feed: the cursor before our writes */
	uint64_t since = 0;
	int n_id;
	int before = changes_follow(&c, &since, 0, &n_id);
	CHECK(before >= 0, "changes from 0");

	/* the SUB socket, connected before the write */
	nng_socket sub;
	rv = sub_open(&sub, pub);
	CHECK(rv == 0, "dial %s: %s", pub, nng_strerror(rv));
	for (int i = 0; i < 200 && !sub_piped; i++) {
		sleep_ms(25);
	}
	CHECK(sub_piped, "SUB: no connection to %s within 5 s", pub);
	/* The publisher's side of the connection may come a little later:
	 * log in (a commit: a poke) until a poke arrives, then let the
	 * pokes of those logins drain (300 ms of silence). */
	char poke[64] = "";
	int got = 0;
	for (int i = 0; i < 20 && !got; i++) {
		if (login(&c, "admin", "admin-pw") != 0) {
			return -1;
		}
		got = wait_poke(sub, 250, poke, sizeof(poke)) == 0;
	}
	CHECK(got, "SUB %s: no poke after 20 logins", pub);
	for (int i = 0; i < 20; i++) {
		if (wait_poke(sub, 300, poke, sizeof(poke)) != 0) {
			break;
		}
	}

	/* a write, and its resend with the same request id */
	uint8_t rid[16], *buf;
	new_rid(&c, rid);
	char name[64];
	snprintf(name, sizeof(name), "nng-%s-resend", label);
	size_t len = customer_add_bytes(&c, name, rid, &buf);
	struct reply first, again;
	rv = call_raw(c.req, buf, len, &first);
	CHECK(rv == 0, "customer_add: %s", nng_strerror(rv));
	CHECK(code_of(&first) == CRM__V1__STATUS__CODE__OK &&
	          first.r->body_case == CRM__V1__RESPONSE__BODY_CUSTOMER,
	    "customer_add: code %d %s", (int)code_of(&first),
	    message_of(&first));
	uint64_t id = first.r->customer->customer->id;
	CHECK(first.r->has_request_id && first.r->request_id.len == 16 &&
	          memcmp(first.r->request_id.data, rid, 16) == 0,
	    "the request id is not echoed");

	CHECK(wait_poke(sub, 5000, poke, sizeof(poke)) == 0,
	    "SUB %s: no poke within 5 s of a write", pub);
	printf("  %s: SUB got '%s'\n", label, poke);

	rv = call_raw(c.req, buf, len, &again);
	CHECK(rv == 0, "customer_add resent: %s", nng_strerror(rv));
	CHECK(code_of(&again) == CRM__V1__STATUS__CODE__OK &&
	          again.r->body_case == CRM__V1__RESPONSE__BODY_CUSTOMER &&
	          again.r->customer->customer->id == id,
	    "resend: code %d %s", (int)code_of(&again), message_of(&again));
	CHECK(again.len == first.len &&
	          memcmp(again.raw, first.raw, first.len) == 0,
	    "the resend's reply differs from the first (%zu vs %zu bytes)",
	    again.len, first.len);
	reply_free(&first);
	reply_free(&again);
	free(buf);

	/* more customers, for a list of several pages */
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "nng-%s-", label);
	for (int i = 1; i < N_CUSTOMERS; i++) {
		uint64_t other;
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		if (add_customer(&c, name, &other) != 0) {
			return -1;
		}
	}
	int pages, n = list_count(&c, prefix, id, &n_id, &pages);
	CHECK(n == N_CUSTOMERS && n_id == 1,
	    "list: %d customers (want %d), the resent one %d times", n,
	    N_CUSTOMERS, n_id);
	CHECK(
	    pages >= (N_CUSTOMERS + PAGE - 1) / PAGE, "only %d pages", pages);

	/* the change feed since the cursor: our customers, the resent one
	 * once */
	uint64_t cursor = since;
	n = changes_follow(&c, &since, id, &n_id);
	CHECK(n >= N_CUSTOMERS && n_id == 1,
	    "changes since %llu: %d entries, the resent customer %d times",
	    (unsigned long long)cursor, n, n_id);
	n = changes_follow(&c, &since, id, &n_id);
	CHECK(n == 0, "changes at the end: %d more", n);

	/* crmd killed mid-session: see kill_test. */
	if (kill_test(srv, &c, prefix) != 0) {
		return -1;
	}

	/* A socket that is closed is the only NNG_ECLOSED. */
	nng_close(sub);
	nng_close(c.req);
	void *msg = NULL;
	size_t mn = 0;
	rv = nng_recv(c.req, &msg, &mn, NNG_FLAG_ALLOC);
	CHECK(rv == NNG_ECLOSED, "recv on a closed socket: %s",
	    nng_strerror(rv));

	return run_example(srv->url);
}

static int
run(const char *label)
{
	struct server s;
	memset(&s, 0, sizeof(s));
	const char *tmp = getenv("TMPDIR");
	snprintf(s.dir, sizeof(s.dir), "%s/crm-nng-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(s.dir) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return ++failures, -1;
	}
	snprintf(s.data, sizeof(s.data), "%s/db", s.dir);
	if (strcmp(label, "ipc") == 0) {
		/* crmd's default pub: the ipc address plus ".pub" */
		snprintf(s.url, sizeof(s.url), "ipc://%s/crmd.ipc", s.dir);
	} else {
		int p1 = free_port(), p2 = free_port();
		snprintf(s.url, sizeof(s.url), "tcp://127.0.0.1:%d", p1);
		snprintf(s.pub, sizeof(s.pub), "tcp://127.0.0.1:%d", p2);
	}
	printf("%s: crmd --listen %s%s%s\n", label, s.url,
	    s.pub[0] ? " --pub " : "", s.pub);
	int rc = -1;
	if (add_admin(&s) != 0) {
		fprintf(stderr, "crmd user add failed\n");
		failures++;
	} else {
		spawn(&s);
		rc = session_test(&s, label);
	}
	kill_server(&s, SIGTERM);
	if (rc != 0) {
		char cmd[400];
		snprintf(
		    cmd, sizeof(cmd), "tail -n 20 '%s/crmd.log' >&2", s.dir);
		(void)!system(cmd);
	}
	remove_dir(s.dir);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: nng_interop_e2e_test CRMD EXAMPLE\n");
		return 2;
	}
	crmd_path = argv[1];
	example_path = argv[2];
	srand((unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	run("ipc");
	run("tcp");
	if (failures) {
		fprintf(stderr, "nng_interop_e2e_test: %d failed\n", failures);
		return 1;
	}
	printf("nng_interop_e2e_test: ok\n");
	return 0;
}
