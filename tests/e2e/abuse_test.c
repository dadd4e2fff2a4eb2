/* SPDX-License-Identifier: MIT */
/*
 * abuse_test.c: a real crmd listening on ipc:// and tcp://127.0.0.1 meets
 * hostile peers: bytes that are not SP at all, SP frames with bad
 * lengths, truncated bodies, garbage bodies, wrong message types,
 * oversized messages, and thousands of idle connections. The server
 * stays up, its memory stays bounded, and a normal client's requests
 * succeed throughout.
 *
 * CRM_ABUSE_CONNS sets the idle connections (default 2000, at most
 * 20000); the test raises its RLIMIT_NOFILE (crmd inherits it) as far as
 * the hard limit allows and uses fewer when it must, saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"
#include "peer.h"

#define WAIT_MS 5000

static struct crm_test_server srv;
static int tcp_port;
static long rss_start, anon_start;
static unsigned long normal_ok;  /* normal client requests that succeeded */
static unsigned long abuse_sent; /* hostile inputs sent */
static unsigned long idle_peak;  /* idle connections held at once */

static long
rss(const char *field)
{
	return peer_proc_kib(srv.pid, field);
}

/* A normal client's request succeeds: customer.list as the rep. */
static void
normal_client_ok(void)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerListRequest l = CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
	req.customer_list = &l;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY_CUSTOMERS);
	assert_int_equal(r->customers->n_customers, 1);
	crm__v1__response__free_unpacked(r, NULL);
	normal_ok++;
}

static int
connect_to(int ipc)
{
	return ipc ? peer_connect_ipc(srv.url) : peer_connect_tcp(tcp_port);
}

/* A REQ frame: the 4-byte request id (top bit set), then body. Caller
 * frees. */
static uint8_t *
req_frame(uint32_t id, const void *body, size_t len, size_t *out_len)
{
	uint8_t *f = malloc(len + 4);
	f[0] = (uint8_t)(0x80 | (id >> 24));
	f[1] = (uint8_t)(id >> 16);
	f[2] = (uint8_t)(id >> 8);
	f[3] = (uint8_t)id;
	if (len > 0) {
		memcpy(f + 4, body, len);
	}
	*out_len = len + 4;
	return f;
}

/* Send body as request id on a connected, handshaken peer; return the
 * reply's status, or -1 when no reply came within ms. */
static int
raw_call(int fd, int ipc, uint32_t id, const void *body, size_t len, int ms)
{
	size_t n;
	uint8_t *f = req_frame(id, body, len, &n);
	int rc = peer_send_frame(fd, ipc, f, n);
	free(f);
	abuse_sent++;
	if (rc != 0) {
		return -1;
	}
	static uint8_t buf[1 << 16];
	long got = peer_recv_frame(fd, ipc, buf, sizeof(buf), ms);
	if (got < 4) {
		return -1;
	}
	assert_int_equal(buf[0], 0x80 | (id >> 24));
	assert_int_equal(buf[3], id & 0xff);
	Crm__V1__Response *r = NULL;
	assert_crm_ok(crm_wire_unpack_response(buf + 4, (size_t)got - 4, &r));
	int code = (int)crm_wire_status(r);
	crm__v1__response__free_unpacked(r, NULL);
	return code;
}

static uint8_t *
hello_request(size_t *len)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__HelloRequest h = CRM__V1__HELLO_REQUEST__INIT;
	h.client = "abuse/1";
	req.body_case = CRM__V1__REQUEST__BODY_HELLO;
	req.hello = &h;
	return crm_wire_pack_alloc(&req.base, len);
}

/* A peer that completed the SP handshake as a REQ socket. */
static int
sp_peer(int ipc)
{
	int fd = connect_to(ipc);
	assert_true(fd >= 0);
	assert_int_equal(
	    peer_handshake(fd, PEER_PROTO_REQ, PEER_PROTO_REP, WAIT_MS), 0);
	return fd;
}

static unsigned
conns_wanted(void)
{
	const char *e = getenv("CRM_ABUSE_CONNS");
	long n = e != NULL ? strtol(e, NULL, 10) : 2000;
	return (unsigned)(n < 10 ? 10 : n > 20000 ? 20000 : n);
}

static int
setup(void **state)
{
	(void)state;
	/* Room for the idle connections in both processes (crmd inherits
	 * the limit), and a margin for everything else. */
	peer_raise_fd_limit((rlim_t)conns_wanted() + 256);
	tcp_port = peer_start_with_tcp(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	crm_test_add_people(&srv, "li", NULL);
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	crm_test_add_customer(&srv, "Steady Client Co");
	normal_client_ok();
	rss_start = rss("VmRSS");
	anon_start = rss("RssAnon");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	return 0;
}

/* The raw peer speaks SP right: a hello over each transport answers. */
static void
raw_sp_peers_get_replies_over_ipc_and_tcp(void **state)
{
	(void)state;
	size_t len;
	uint8_t *hello = hello_request(&len);
	for (int ipc = 0; ipc <= 1; ipc++) {
		int fd = sp_peer(ipc);
		assert_int_equal(
		    raw_call(fd, ipc, 1, hello, len, WAIT_MS), CRM_OK);
		assert_int_equal(
		    raw_call(fd, ipc, 2, hello, len, WAIT_MS), CRM_OK);
		close(fd);
	}
	free(hello);
	normal_client_ok();
}

/* Bytes that are not the SP protocol: the server hangs up. */
static void
junk_that_is_not_sp_is_dropped(void **state)
{
	(void)state;
	static const char http[] = "GET / HTTP/1.1\r\nHost: crm\r\n\r\n";
	uint8_t junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (uint8_t)(i * 131u + 7u);
	}
	for (int ipc = 0; ipc <= 1; ipc++) {
		int fd = connect_to(ipc);
		assert_true(fd >= 0);
		(void)peer_send(fd, http, sizeof(http) - 1);
		abuse_sent++;
		assert_true(peer_closed(fd, WAIT_MS));
		close(fd);

		fd = connect_to(ipc);
		assert_true(fd >= 0);
		(void)peer_send(fd, junk, sizeof(junk));
		abuse_sent++;
		assert_true(peer_closed(fd, WAIT_MS));
		close(fd);

		/* A SP header for a protocol REP does not pair with. */
		fd = connect_to(ipc);
		assert_true(fd >= 0);
		uint8_t pub[8] = { 0, 'S', 'P', 0, 0, 32, 0, 0 };
		(void)peer_send(fd, pub, sizeof(pub));
		abuse_sent++;
		assert_true(peer_closed(fd, WAIT_MS));
		close(fd);
		normal_client_ok();
	}
	assert_true(crm_test_server_alive(&srv));
}

/* SP frames whose length, type or body is wrong. */
static void
bad_frames_are_dropped_or_refused(void **state)
{
	(void)state;
	size_t hlen;
	uint8_t *hello = hello_request(&hlen);
	for (int ipc = 0; ipc <= 1; ipc++) {
		/* A length no server could hold: hang up. */
		int fd = sp_peer(ipc);
		assert_int_equal(
		    peer_send_header(fd, ipc, UINT64_C(1) << 62), 0);
		abuse_sent++;
		assert_true(peer_closed(fd, WAIT_MS));
		close(fd);

		/* Over the socket cap: hang up before the body. */
		fd = sp_peer(ipc);
		assert_int_equal(
		    peer_send_header(fd, ipc, CRM_MAX_FRAME + 1), 0);
		abuse_sent++;
		assert_true(peer_closed(fd, WAIT_MS));
		close(fd);

		/* A truncated body, then the peer goes away. */
		fd = sp_peer(ipc);
		assert_int_equal(peer_send_header(fd, ipc, 100), 0);
		assert_int_equal(
		    peer_send(fd, hello, 10 < hlen ? 10 : hlen), 0);
		abuse_sent++;
		close(fd);
		normal_client_ok();

		/* An empty message and one without a REQ request id (top
		 * bit clear): no reply, and the connection still works. */
		fd = sp_peer(ipc);
		assert_int_equal(peer_send_frame(fd, ipc, "", 0), 0);
		uint8_t no_id[8] = { 0, 0, 0, 1, 0x52, 0x00, 0, 0 };
		assert_int_equal(
		    peer_send_frame(fd, ipc, no_id, sizeof(no_id)), 0);
		abuse_sent += 2;
		uint8_t buf[256];
		assert_true(
		    peer_recv_frame(fd, ipc, buf, sizeof(buf), 500) < 0);
		assert_int_equal(
		    raw_call(fd, ipc, 7, hello, hlen, WAIT_MS), CRM_OK);

		/* A valid frame with garbage after the request id. */
		static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff,
			0x0f, 0x12, 0x99, 0x00 };
		assert_int_equal(
		    raw_call(fd, ipc, 8, garbage, sizeof(garbage), WAIT_MS),
		    CRM_EINVAL);
		/* A valid header and a known body cut short. */
		assert_int_equal(
		    raw_call(fd, ipc, 9, hello, hlen - 3, WAIT_MS),
		    CRM_EINVAL);
		close(fd);
		normal_client_ok();
	}
	/* ipc: a message type other than 1 ("normal message") trips an
	 * assertion in nanomsg 1.1.5 (sipc.c:336) and aborts crmd: a
	 * nanomsg bug we cannot fix here. Only the crm user can reach the
	 * ipc socket (its folder is 0700) and systemd restarts crmd; see
	 * the README's reliability section. CRM_ABUSE_IPC_BAD_TYPE=1 runs
	 * it, to see whether a newer nanomsg survives. */
	const char *bad = getenv("CRM_ABUSE_IPC_BAD_TYPE");
	if (bad != NULL && *bad == '1') {
		int fd = sp_peer(1);
		uint8_t bad_type[9] = { 7, 0, 0, 0, 0, 0, 0, 0, 4 };
		(void)peer_send(fd, bad_type, sizeof(bad_type));
		(void)peer_send(fd, "\x80\0\0\1", 4);
		abuse_sent++;
		assert_true(peer_closed(fd, WAIT_MS));
		close(fd);
	} else {
		print_message("skipped: an ipc message type other than 1 "
		              "(aborts crmd in nanomsg 1.1.5; "
		              "CRM_ABUSE_IPC_BAD_TYPE=1 runs it)\n");
	}
	free(hello);
	normal_client_ok();
	assert_true(crm_test_server_alive(&srv));
}

/* Over 64 KiB: RESOURCE_EXHAUSTED on the same connection, which goes on
 * serving. (Over CRM_MAX_FRAME the connection is dropped: above.) */
static void
oversized_messages_are_refused_over_raw_peers(void **state)
{
	(void)state;
	size_t big = CRM_MAX_REQUEST + 1;
	uint8_t *body = calloc(1, big);
	size_t hlen;
	uint8_t *hello = hello_request(&hlen);
	for (int ipc = 0; ipc <= 1; ipc++) {
		int fd = sp_peer(ipc);
		assert_int_equal(
		    raw_call(fd, ipc, 20, body, big, WAIT_MS), CRM_TOO_BIG);
		assert_int_equal(
		    raw_call(fd, ipc, 21, hello, hlen, WAIT_MS), CRM_OK);
		close(fd);
	}
	free(hello);
	free(body);
	normal_client_ok();
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Thousands of connections left idle, in four states (nothing sent, the
 * SP header only, half a frame header, half a message): the normal
 * client is served all along, and closing them gives the memory back. */
static void
thousands_of_idle_connections_do_not_starve_clients(void **state)
{
	(void)state;
	unsigned want = conns_wanted();
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	unsigned n = want;
	if (rl.rlim_cur < (rlim_t)want + 128) {
		n = rl.rlim_cur > 256 ? (unsigned)rl.rlim_cur - 128 : 128;
		print_message("RLIMIT_NOFILE %llu: %u idle connections, not "
		              "%u\n",
		    (unsigned long long)rl.rlim_cur, n, want);
	}
	long fds0 = peer_proc_fds(srv.pid);
	long rss0 = rss("VmRSS"), anon0 = rss("RssAnon");
	int *fds = calloc(n, sizeof(int));
	double t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		int ipc = i % 2;
		fds[i] = connect_to(ipc);
		if (fds[i] < 0) {
			fail_msg("connection %u of %u failed", i, n);
		}
		uint8_t h[8] = { 0, 'S', 'P', 0, 0, PEER_PROTO_REQ, 0, 0 };
		switch ((i / 2) % 4) {
		case 0:
			break;
		case 1:
			assert_int_equal(peer_send(fds[i], h, 8), 0);
			break;
		case 2:
			assert_int_equal(peer_send(fds[i], h, 8), 0);
			assert_int_equal(peer_send(fds[i], "\0\0\0", 3), 0);
			break;
		default:
			assert_int_equal(peer_send(fds[i], h, 8), 0);
			assert_int_equal(
			    peer_send_header(fds[i], ipc, 1000), 0);
			assert_int_equal(
			    peer_send(fds[i], "\x80\0\0\1", 4), 0);
			break;
		}
		abuse_sent++;
		if (i % 250 == 249) {
			normal_client_ok();
		}
	}
	double t_open = now_s() - t0;
	idle_peak = n;
	/* The server holds every connection that sent its SP header (each
	 * an accepted descriptor). The silent quarter (case 0) it may have
	 * dropped already: nanomsg closes a connection whose header has not
	 * come within 1 s of its accept (streamhdr.c), which is what a
	 * server should do; under ThreadSanitizer the opening loop alone
	 * takes over a second, so they are gone by the count. */
	unsigned silent = 0;
	for (unsigned i = 0; i < n; i++) {
		silent += (i / 2) % 4 == 0;
	}
	long held = (long)(n - silent);
	long fds1 = -1;
	/* Up to 30 s: under ThreadSanitizer on a loaded machine crmd's
	 * accepts trail the connects by several seconds. */
	for (int i = 0; i < 300; i++) {
		fds1 = peer_proc_fds(srv.pid);
		if (fds1 >= fds0 + held) {
			break;
		}
		usleep(100 * 1000);
	}
	for (int i = 0; i < 20; i++) {
		normal_client_ok();
	}
	long rss1 = rss("VmRSS"), anon1 = rss("RssAnon");
	for (unsigned i = 0; i < n; i++) {
		close(fds[i]);
	}
	free(fds);
	long fds2 = -1;
	for (int i = 0; i < 100; i++) {
		fds2 = peer_proc_fds(srv.pid);
		if (fds2 <= fds0 + 8) {
			break;
		}
		usleep(100 * 1000);
	}
	normal_client_ok();
	long rss2 = rss("VmRSS"), anon2 = rss("RssAnon");
	print_message("%u idle connections (%u silent) opened in %.1f s; crmd "
	              "fds %ld -> %ld -> %ld; VmRSS %ld -> %ld -> %ld KiB; "
	              "RssAnon %ld -> %ld -> %ld KiB\n",
	    n, silent, t_open, fds0, fds1, fds2, rss0, rss1, rss2, anon0,
	    anon1, anon2);
	assert_true(fds1 >= fds0 + held);
	assert_true(fds2 <= fds0 + 8);
	/* Generous: about 64 KiB per idle connection at most, and what
	 * stays after closing them is under 64 MiB. */
	assert_true(anon1 - anon0 < (long)n * 64 + 65536);
	assert_true(anon2 - anon0 < 65536);
	assert_true(crm_test_server_alive(&srv));
}

/* A second crmd with RLIMIT_NOFILE 128 meets more connections than it
 * can hold: new ones wait or fail, crmd stays up, its client (connected
 * before) is served, and once they close crmd accepts again. */
static void
connections_past_the_file_limit_wait_and_crmd_recovers(void **state)
{
	(void)state;
	struct crm_test_server low;
	struct rlimit rl, small;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	small = rl;
	small.rlim_cur = 128;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &small), 0);
	crm_test_server_start(&low); /* inherits the small limit */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_crm_ok(crm_test_login(&low, "admin", "admin-pw"));
	unsigned max = 400, n = 0;
	int fds[400];
	char url[sizeof(low.url)];
	snprintf(url, sizeof(url), "%s", low.url);
	while (n < max) {
		int fd = peer_connect_ipc(url);
		if (fd < 0) {
			break;
		}
		fds[n++] = fd;
		abuse_sent++;
	}
	print_message("crmd with 128 descriptors: %u connections made (or "
	              "queued), crmd holds %ld descriptors\n",
	    n, peer_proc_fds(low.pid));
	assert_true(n > 64);
	assert_true(crm_test_server_alive(&low));
	for (unsigned i = 0; i < n; i++) {
		close(fds[i]);
	}
	/* Accepting again: a fresh raw peer gets a hello answered. */
	int ok = 0;
	size_t hlen;
	uint8_t *hello = hello_request(&hlen);
	for (int i = 0; i < 50 && !ok; i++) {
		int fd = peer_connect_ipc(url);
		if (fd >= 0 && peer_handshake(fd, PEER_PROTO_REQ,
		                   PEER_PROTO_REP, 1000) == 0) {
			ok = raw_call(fd, 1, 30, hello, hlen, WAIT_MS) ==
			     CRM_OK;
		}
		if (fd >= 0) {
			close(fd);
		}
		if (!ok) {
			usleep(100 * 1000);
		}
	}
	free(hello);
	assert_true(ok);
	crm_test_server_stop(&low);
	normal_client_ok();
}

static void
memory_stays_bounded_and_the_client_was_served(void **state)
{
	(void)state;
	normal_client_ok();
	long rss_end = rss("VmRSS"), anon_end = rss("RssAnon");
	long hwm = rss("VmHWM");
	print_message("abuse: %lu hostile inputs, %lu normal requests "
	              "served, %lu idle connections at once; VmRSS %ld -> "
	              "%ld KiB (peak %ld), RssAnon %ld -> %ld KiB\n",
	    abuse_sent, normal_ok, idle_peak, rss_start, rss_end, hwm,
	    anon_start, anon_end);
	assert_true(anon_end - anon_start < 65536);
	assert_true(crm_test_server_alive(&srv));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(raw_sp_peers_get_replies_over_ipc_and_tcp),
		cmocka_unit_test(junk_that_is_not_sp_is_dropped),
		cmocka_unit_test(bad_frames_are_dropped_or_refused),
		cmocka_unit_test(
		    oversized_messages_are_refused_over_raw_peers),
		cmocka_unit_test(
		    thousands_of_idle_connections_do_not_starve_clients),
		cmocka_unit_test(
		    connections_past_the_file_limit_wait_and_crmd_recovers),
		cmocka_unit_test(
		    memory_stays_bounded_and_the_client_was_served),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
