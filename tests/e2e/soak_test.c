/* SPDX-License-Identifier: MIT */
/*
 * soak_test.c: a bounded mixed read/write run against a real crmd: a few
 * client threads, each a rep with its own REQ socket and session, loop
 * over customer add, get and list, follow-up log, due and report for
 * CRM_SOAK_SECONDS (default 60; the long run sets more and runs this
 * binary directly). Every request must succeed; crmd's anonymous memory
 * (RssAnon, sampled twice a second; LMDB's file pages are not counted)
 * must be flat: the last quarter's mean within a generous margin of the
 * first quarter's. Leaks in crmd are caught at its exit by LeakSanitizer
 * (ASan builds) or valgrind (soak_e2e_valgrind), which fail its exit
 * status and so crm_test_server_stop.
 */
#include <inttypes.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"
#include "peer.h"

#define THREADS     3
#define MAX_SECONDS 86400

/* Under ThreadSanitizer crmd's memory holds TSan's shadow and its
 * history of every access, which grow with the run: that pass looks for
 * races, and memory flatness is asserted by the others. */
#if defined(__SANITIZE_THREAD__)
#define SOAK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SOAK_TSAN 1
#endif
#endif
#ifndef SOAK_TSAN
#define SOAK_TSAN 0
#endif
#define OPS 6

static struct crm_test_server srv;

static const char *const op_name[OPS] = { "customer.add", "customer.get",
	"customer.list", "followup.log", "due", "report" };

struct client {
	pthread_t thread;
	int index;
	double deadline;
	unsigned long ok[OPS];
	unsigned long failed;
	char why[256]; /* the first failure */
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request on sock: its response (caller frees), or NULL. */
static Crm__V1__Response *
call(int sock, Crm__V1__Request *req, const uint8_t *token)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(id);
	req->has_protocol_version = req->has_request_id = 1;
	req->protocol_version = CRM_PROTOCOL_VERSION;
	req->request_id.data = id;
	req->request_id.len = sizeof(id);
	if (token != NULL) {
		req->has_session_token = 1;
		req->session_token.data = (uint8_t *)token;
		req->session_token.len = 32;
	}
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&req->base, &len);
	int rc = nn_send(sock, buf, len, 0);
	free(buf);
	if (rc < 0) {
		return NULL;
	}
	void *msg = NULL;
	int n = nn_recv(sock, &msg, NN_MSG, 0);
	if (n < 0) {
		return NULL;
	}
	Crm__V1__Response *r = NULL;
	if (crm_wire_unpack_response(msg, (size_t)n, &r) != CRM_OK) {
		r = NULL;
	}
	nn_freemsg(msg);
	return r;
}

/* Count r as op's success or as a failure (with its reason). */
static int
tally(struct client *c, int op, Crm__V1__Response *r)
{
	if (r != NULL && crm_wire_status(r) == CRM_OK) {
		c->ok[op]++;
		return 1;
	}
	if (c->failed++ == 0) {
		snprintf(c->why, sizeof(c->why), "%s: %s", op_name[op],
		    r == NULL                         ? "no reply"
		    : r->status && r->status->message ? r->status->message
		                                      : "error");
	}
	return 0;
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	int sock = nn_socket(AF_SP, NN_REQ);
	int tmo = 20000, max = -1;
	nn_setsockopt(sock, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(sock, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max));
	if (sock < 0 || nn_connect(sock, srv.url) < 0) {
		c->failed++;
		snprintf(c->why, sizeof(c->why), "no socket");
		return NULL;
	}
	char login[16], pw[16];
	snprintf(login, sizeof(login), "soak%d", c->index);
	snprintf(pw, sizeof(pw), "pw-soak%d", c->index);
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest l = CRM__V1__LOGIN_REQUEST__INIT;
	l.login = login;
	l.password = pw;
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &l;
	Crm__V1__Response *r = call(sock, &req, NULL);
	uint8_t token[32];
	if (!tally(c, 0, r) || r->login->session_token.len != 32) {
		crm__v1__response__free_unpacked(r, NULL);
		nn_close(sock);
		return NULL;
	}
	c->ok[0]--; /* the login is not an add */
	memcpy(token, r->login->session_token.data, 32);
	crm__v1__response__free_unpacked(r, NULL);

	uint64_t last = 0;
	for (unsigned long i = 0; now_s() < c->deadline; i++) {
		int op = (int)(i % OPS);
		Crm__V1__Request q = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerAddRequest add =
		    CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
		Crm__V1__Customer cu = CRM__V1__CUSTOMER__INIT;
		Crm__V1__CustomerGetRequest get =
		    CRM__V1__CUSTOMER_GET_REQUEST__INIT;
		Crm__V1__CustomerListRequest list =
		    CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
		Crm__V1__FollowupLogRequest log =
		    CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
		Crm__V1__FollowUp fu = CRM__V1__FOLLOW_UP__INIT;
		Crm__V1__DueRequest due = CRM__V1__DUE_REQUEST__INIT;
		Crm__V1__ReportRequest rep = CRM__V1__REPORT_REQUEST__INIT;
		char name[64];
		if (last == 0) {
			op = 0;
		}
		switch (op) {
		case 0:
			snprintf(name, sizeof(name), "Soak %d 客户 %lu",
			    c->index, i);
			cu.name = name;
			cu.has_grade = 1;
			cu.grade = (Crm__V1__Grade)(1 + i % 4);
			add.customer = &cu;
			q.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
			q.customer_add = &add;
			break;
		case 1:
			get.has_id = 1;
			get.id = last;
			q.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
			q.customer_get = &get;
			break;
		case 2:
			list.has_limit = 1;
			list.limit = 50;
			q.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
			q.customer_list = &list;
			break;
		case 3:
			fu.has_customer_id = fu.has_channel = 1;
			fu.customer_id = last;
			fu.channel = CRM__V1__CHANNEL__CHANNEL_PHONE;
			fu.summary = "soak: 电话回访";
			fu.next_action = "call again";
			fu.has_next_due_at = 1;
			fu.next_due_at =
			    (int64_t)time(NULL) + 86400 * (int64_t)(1 + i % 7);
			log.followup = &fu;
			q.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
			q.followup_log = &log;
			break;
		case 4:
			due.has_window = 1;
			due.window = CRM__V1__DUE_WINDOW__DUE_ALL;
			q.body_case = CRM__V1__REQUEST__BODY_DUE;
			q.due = &due;
			break;
		default:
			rep.has_kind = 1;
			rep.kind = (Crm__V1__ReportKind)(1 + (i / OPS) % 7);
			q.body_case = CRM__V1__REQUEST__BODY_REPORT;
			q.report = &rep;
			break;
		}
		r = call(sock, &q, token);
		if (tally(c, op, r) && op == 0) {
			last = r->customer->customer->id;
		}
		if (r != NULL) {
			crm__v1__response__free_unpacked(r, NULL);
		}
		if (c->failed > 0) {
			break;
		}
	}
	nn_close(sock);
	return NULL;
}

static int
setup(void **state)
{
	(void)state;
	peer_small_quarantine();
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	for (int i = 0; i < THREADS; i++) {
		char login[16], pw[16];
		snprintf(login, sizeof(login), "soak%d", i);
		snprintf(pw, sizeof(pw), "pw-soak%d", i);
		assert_crm_ok(
		    crm_test_add_user(&srv, login, "rep", "east", pw));
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv); /* fails on a leak report at exit */
	return 0;
}

static double
mean(const long *v, size_t from, size_t to)
{
	double s = 0;
	for (size_t i = from; i < to; i++) {
		s += (double)v[i];
	}
	return to > from ? s / (double)(to - from) : 0;
}

static void
mixed_load_succeeds_with_flat_memory(void **state)
{
	(void)state;
	const char *e = getenv("CRM_SOAK_SECONDS");
	long secs = e != NULL ? strtol(e, NULL, 10) : 60;
	secs = secs < 4 ? 4 : secs > MAX_SECONDS ? MAX_SECONDS : secs;
	size_t cap = (size_t)secs * 2 + 16, n = 0;
	long *anon = calloc(cap, sizeof(long));
	long rss0 = peer_proc_kib(srv.pid, "VmRSS");
	struct client c[THREADS];
	memset(c, 0, sizeof(c));
	double t0 = now_s();
	for (int i = 0; i < THREADS; i++) {
		c[i].index = i;
		c[i].deadline = t0 + (double)secs;
		assert_int_equal(
		    pthread_create(&c[i].thread, NULL, client_main, &c[i]), 0);
	}
	while (now_s() < t0 + (double)secs && n < cap) {
		usleep(500 * 1000);
		long v = peer_proc_kib(srv.pid, "RssAnon");
		assert_true(v > 0); /* crmd is still there */
		anon[n++] = v;
	}
	unsigned long total = 0, failed = 0, per_op[OPS] = { 0 };
	for (int i = 0; i < THREADS; i++) {
		pthread_join(c[i].thread, NULL);
		for (int k = 0; k < OPS; k++) {
			per_op[k] += c[i].ok[k];
			total += c[i].ok[k];
		}
		failed += c[i].failed;
		if (c[i].failed > 0) {
			print_error("client %d: %s\n", i, c[i].why);
		}
	}
	double took = now_s() - t0;
	long rss1 = peer_proc_kib(srv.pid, "VmRSS");
	long hwm = peer_proc_kib(srv.pid, "VmHWM");
	double first = mean(anon, 0, n / 4), last = mean(anon, n - n / 4, n);
	print_message("soak: %lu requests in %.0f s (%.0f/s) by %d clients, "
	              "%lu failed; add %lu get %lu list %lu log %lu due %lu "
	              "report %lu\n",
	    total, took, (double)total / took, THREADS, failed, per_op[0],
	    per_op[1], per_op[2], per_op[3], per_op[4], per_op[5]);
	print_message("soak: RssAnon first quarter %.0f KiB, last quarter "
	              "%.0f KiB (%zu samples); VmRSS %ld -> %ld KiB, peak "
	              "%ld KiB\n",
	    first, last, n, rss0, rss1, hwm);
	free(anon);
	assert_int_equal(failed, 0);
	assert_true(total > (unsigned long)secs); /* at least 1/s */
	for (int k = 0; k < OPS; k++) {
		assert_true(per_op[k] > 0);
	}
	assert_true(n >= 4);
	/* Flat: the last quarter within 25% + 16 MiB of the first (the
	 * arenas' pages and the allocator's caches warm up early). */
	if (!SOAK_TSAN) {
		assert_true(last <= first * 1.25 + 16384);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mixed_load_succeeds_with_flat_memory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
