/* SPDX-License-Identifier: MIT */
/*
 * login_abuse_test.c: password guessing against a real crmd (8 workers).
 * - Wrong passwords on one account make it wait, longer each time (the
 *   waits are skipped with the test clock, not slept).
 * - While one account is hammered from parallel threads, other users
 *   still log in about as fast as on an idle server.
 * - A guesser holding tickets from many fresh connections does not keep
 *   the owner out longer than the wait it was told (test clock).
 * - At most two argon2id hashes run at once: 8 simultaneous logins take
 *   about ceil(8/2) hash times, and crmd's peak memory grows by at most
 *   two hashes' memory (64 MiB each), not eight.
 * Timing bounds are generous ratios (a shared 2-core machine); the raw
 * numbers are printed.
 */
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

#define USERS      8
#define HAMMERS    4
#define HAMMER_MAX 20000 /* attempts per hammering thread, at most */
#define GUESSES    8     /* wrong passwords in the slow-down test */
#define HASH_MIB   64    /* crypto_pwhash_MEMLIMIT_INTERACTIVE */
#define REPLY_MS   30000

static struct crm_test_server srv;
static char clock_path[300];

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
set_clock(long long t)
{
	FILE *f = fopen(clock_path, "w");
	assert_non_null(f);
	fprintf(f, "%lld\n", t);
	fclose(f);
}

/* A REQ socket of its own: one per thread. */
static int
client(void)
{
	int s = nn_socket(AF_SP, NN_REQ);
	assert_true(s >= 0);
	int tmo = REPLY_MS, max = -1;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max));
	assert_true(nn_connect(s, srv.url) >= 0);
	return s;
}

struct attempt {
	crm_status code; /* -1: no reply */
	char msg[200];
	double ms;
	int retryable;
	uint32_t retry_after_ms;
};

/* One login over sock; no cmocka asserts (runs in threads). */
static void
login_once(int sock, const char *login, const char *pw, struct attempt *a)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest l = CRM__V1__LOGIN_REQUEST__INIT;
	uint8_t id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(id);
	l.login = (char *)login;
	l.password = (char *)pw;
	req.has_protocol_version = req.has_request_id = 1;
	req.protocol_version = CRM_PROTOCOL_VERSION;
	req.request_id.data = id;
	req.request_id.len = sizeof(id);
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &l;
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&req.base, &len);
	a->code = (crm_status)-1;
	a->msg[0] = '\0';
	a->retryable = 0;
	a->retry_after_ms = 0;
	double t = now_ms();
	void *msg = NULL;
	int n = -1;
	if (nn_send(sock, buf, len, 0) >= 0) {
		n = nn_recv(sock, &msg, NN_MSG, 0);
	}
	a->ms = now_ms() - t;
	free(buf);
	Crm__V1__Response *r = NULL;
	if (n >= 0 && crm_wire_unpack_response(msg, (size_t)n, &r) == CRM_OK) {
		a->code = crm_wire_status(r);
		snprintf(a->msg, sizeof(a->msg), "%s",
		    r->status && r->status->message ? r->status->message : "");
		a->retryable = r->status && r->status->retryable;
		a->retry_after_ms = r->status && r->status->has_retry_after_ms
		                        ? r->status->retry_after_ms
		                        : 0;
		crm__v1__response__free_unpacked(r, NULL);
	}
	if (msg != NULL) {
		nn_freemsg(msg);
	}
}

/* The seconds in "... try again in N s". */
static long
wait_of(const struct attempt *a)
{
	const char *p = strstr(a->msg, "try again in ");
	return p ? strtol(p + 13, NULL, 10) : -1;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of three good logins of login: one argon2id verification. */
static double
hash_ms(int sock, const char *login, const char *pw)
{
	double t[3];
	for (int i = 0; i < 3; i++) {
		struct attempt a;
		login_once(sock, login, pw, &a);
		assert_crm_ok(a.code);
		t[i] = a.ms;
	}
	qsort(t, 3, sizeof(t[0]), by_value);
	return t[1];
}

/* ---------------------------------------------------- 1. slow-down */

static void
failed_logins_wait_longer_each_time(void **state)
{
	(void)state;
	int sock = client();
	long long clock = (long long)time(NULL);
	set_clock(clock);
	long waits[GUESSES];
	double guess_ms[GUESSES], refused_ms = 0;
	int guesses = 0, nwaits = 0, refusals = 0;
	/* Each refusal says how long to wait; the test clock jumps there
	 * instead of sleeping. Bounded: a guess or a wait each round. */
	for (int round = 0; round < 3 * GUESSES && guesses < GUESSES;
	     round++) {
		struct attempt a;
		login_once(sock, "victim", "wrong", &a);
		if (a.code == CRM_EUNAUTH) {
			guess_ms[guesses++] = a.ms;
			clock = (long long)time(NULL);
			set_clock(clock);
			continue;
		}
		assert_crm_err(a.code, CRM_TOO_BIG);
		long w = wait_of(&a);
		assert_true(w > 0);
		assert_true(nwaits < GUESSES);
		waits[nwaits++] = w;
		refused_ms += a.ms;
		refusals++;
		/* While it waits even the right password is refused. */
		login_once(sock, "victim", "pw-victim", &a);
		assert_crm_err(a.code, CRM_TOO_BIG);
		clock += w;
		set_clock(clock);
	}
	assert_int_equal(guesses, GUESSES);
	print_message(
	    "slow-down: %d wrong passwords, waits asked (s):", guesses);
	for (int i = 0; i < nwaits; i++) {
		print_message(" %ld", waits[i]);
	}
	print_message("\nslow-down: a checked guess %.1f ms (first) .. %.1f "
	              "ms (last); a refused attempt %.2f ms on average\n",
	    guess_ms[0], guess_ms[guesses - 1], refused_ms / refusals);
	/* Three free guesses, then a wait before each further one, each
	 * wait longer than the one before. */
	assert_int_equal(nwaits, GUESSES - 3);
	for (int i = 1; i < nwaits; i++) {
		assert_true(waits[i] > waits[i - 1]);
	}
	/* Refusing costs no hash: much cheaper than a checked guess. */
	assert_true(refused_ms / refusals < guess_ms[GUESSES - 1] / 2);

	/* After the wait the right password works and clears the count. */
	struct attempt a;
	login_once(sock, "victim", "pw-victim", &a);
	assert_crm_err(a.code, CRM_TOO_BIG);
	set_clock(clock + wait_of(&a));
	login_once(sock, "victim", "pw-victim", &a);
	assert_crm_ok(a.code);
	login_once(sock, "victim", "wrong", &a);
	assert_crm_err(a.code, CRM_EUNAUTH);
	nn_close(sock);
	unlink(clock_path); /* real time again for the next tests */
}

/* ---------------------------------------------------- 2. hammering */

/* Set by the main thread, read by the hammering ones (atomic: a plain
 * or volatile int is a data race, ThreadSanitizer says). */
static atomic_int stop_hammering;

/* A thread guessing login's password on its own connection every
 * pause_ns until stop_hammering (at most HAMMER_MAX tries), counting
 * what it was told. */
struct hammer {
	pthread_t th;
	const char *login;
	long pause_ns;
	int tries, refused, other;
	atomic_int guesses; /* the main thread watches it */
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	int sock = client();
	for (int i = 0; i < HAMMER_MAX && !stop_hammering; i++) {
		struct attempt a;
		login_once(sock, h->login, "guess", &a);
		h->tries++;
		if (a.code == CRM_EUNAUTH) {
			h->guesses++;
		} else if (a.code == CRM_TOO_BIG) {
			h->refused++;
		} else {
			h->other++;
		}
		struct timespec pause = { 0, h->pause_ns };
		nanosleep(&pause, NULL);
	}
	nn_close(sock);
	return NULL;
}

/* hammer_start: h hammering login, pause_ns apart. */
static void
hammer_start(struct hammer *h, const char *login, long pause_ns)
{
	memset(h, 0, sizeof(*h));
	h->login = login;
	h->pause_ns = pause_ns;
	assert_int_equal(pthread_create(&h->th, NULL, hammer_run, h), 0);
}

static void
others_log_in_fast_while_one_account_is_hammered(void **state)
{
	(void)state;
	int sock = client();
	double idle = hash_ms(sock, "u1", "pw-u1");
	struct hammer h[HAMMERS];
	stop_hammering = 0;
	/* 1 ms apart: thousands of attempts a second from the four threads,
	 * without starving a 2-core machine of CPU. */
	for (int i = 0; i < HAMMERS; i++) {
		hammer_start(&h[i], "hammered", 1000000);
	}
	double worst = 0, sum = 0, t = now_ms();
	for (int i = 0; i < USERS; i++) {
		char login[16], pw[16];
		snprintf(login, sizeof(login), "u%d", i + 1);
		snprintf(pw, sizeof(pw), "pw-u%d", i + 1);
		struct attempt a;
		login_once(sock, login, pw, &a);
		assert_crm_ok(a.code);
		sum += a.ms;
		worst = a.ms > worst ? a.ms : worst;
	}
	stop_hammering = 1;
	double elapsed = (now_ms() - t) / 1000;
	int tries = 0, guesses = 0, refused = 0, other = 0;
	for (int i = 0; i < HAMMERS; i++) {
		pthread_join(h[i].th, NULL);
		tries += h[i].tries;
		guesses += h[i].guesses;
		refused += h[i].refused;
		other += h[i].other;
	}
	print_message("hammering: %d threads made %d attempts in %.1f s: %d "
	              "checked guesses, %d refused, %d other\n",
	    HAMMERS, tries, elapsed, guesses, refused, other);
	print_message("hammering: other users' logins %.1f ms on average, "
	              "%.1f ms at worst (idle server: %.1f ms)\n",
	    sum / USERS, worst, idle);
	assert_int_equal(other, 0);
	/* However many threads ask at once, the account gets its three
	 * free guesses, then each connection one checked attempt at the end
	 * of each wait it was told (a ticket: no lockout; the waits are
	 * 2 s, 4 s, 8 s, ... from the last failure). */
	int ends = 1;
	for (double w = 2, sum_w = 2; sum_w <= elapsed; w *= 2, sum_w += w) {
		ends++;
	}
	int allowed = 3 + HAMMERS * ends;
	assert_true(guesses <= allowed);
	assert_true(refused > 0);
	/* Everyone else stays quick: generous, for a busy 2-core box. */
	assert_true(worst < 8 * idle + 1000);
	nn_close(sock);
}

/* ---------------------------------------------------- 4. no lockout */

/* An attacker may delay a user, never lock them out: one connection
 * hammers wrong passwords (a checked guess the moment each wait ends);
 * the owner, on another connection, is told to wait (RESOURCE_EXHAUSTED,
 * retryable, retry_after_ms), comes back then and is let in, within
 * twice the wait it was told. Today's main refused the owner as long as
 * the guesser kept going. */
static void
the_owner_logs_in_while_a_guesser_hammers(void **state)
{
	(void)state;
	struct hammer h;
	stop_hammering = 0;
	hammer_start(&h, "owner", 2000000);
	/* Until the free guesses are spent and the waits have begun
	 * (bounded: 20 s). */
	double t = now_ms();
	while (h.guesses < 4 && now_ms() - t < 20000) {
		struct timespec ms = { 0, 50000000 };
		nanosleep(&ms, NULL);
	}
	int sock = client();
	struct attempt a;
	double t0 = now_ms();
	uint32_t told = 0;
	int tries = 0, refusals = 0;
	for (; tries < 10 && now_ms() - t0 < 60000; tries++) {
		login_once(sock, "owner", "pw-owner", &a);
		if (a.code != CRM_TOO_BIG) {
			break;
		}
		refusals++;
		assert_true(a.retryable);
		assert_true(a.retry_after_ms > 0);
		told = told ? told : a.retry_after_ms;
		struct timespec w = { a.retry_after_ms / 1000,
			(long)(a.retry_after_ms % 1000) * 1000000 };
		nanosleep(&w, NULL);
	}
	double took = now_ms() - t0;
	stop_hammering = 1;
	pthread_join(h.th, NULL);
	nn_close(sock);
	print_message("no lockout: the guesser made %d attempts (%d checked, "
	              "%d refused); the owner was refused %d times, told to "
	              "wait %u ms, and was in after %.0f ms\n",
	    h.tries, h.guesses, h.refused, refusals, told, took);
	assert_true(h.guesses >= 4);
	assert_int_equal(h.other, 0);
	assert_crm_ok(a.code);
	/* Twice the wait it was told, plus a second for the hashes of a
	 * busy 2-core machine. */
	assert_true(took <= 2.0 * told + 1000);
}

/* ---------------------------------------------------- 5. no tickets left */

#define FRESH   12 /* more than the 8 tickets a login had */
#define ROUNDS  4
#define HOLDERS 70 /* more than the 64 tickets a login has */

/* One wrong password on each of n fresh connections (kept in socks):
 * each is told to wait. */
static void
fresh_guessers(int *socks, int n, const char *login)
{
	for (int i = 0; i < n; i++) {
		struct attempt a;
		socks[i] = client();
		login_once(socks[i], login, "guess", &a);
		assert_crm_err(a.code, CRM_TOO_BIG);
	}
}

/* The tester's attack (test clock, no sleeping): three wrong passwords
 * start the wait; FRESH fresh connections each send one wrong password
 * and are told to wait, taking what were all the login's tickets; the
 * owner, on its own connection, is told to wait too. Whenever a wait
 * ends the guesser spends its tickets first (wrong passwords: a new,
 * longer wait) and refills them from FRESH more fresh connections; the
 * owner comes back when told. Today's main told the owner 300 s, again
 * and again; now the owner is in at the time it was first told: within
 * twice the wait it was told. Then: a guesser holding every ticket
 * (HOLDERS connections told to wait) does not keep the owner waiting at
 * all. */
static void
fresh_connections_cannot_take_the_owners_turn(void **state)
{
	(void)state;
	long long clock = (long long)time(NULL);
	set_clock(clock);
	int a0 = client();
	struct attempt a;
	for (int i = 0; i < 3; i++) {
		login_once(a0, "target", "guess", &a);
		assert_crm_err(a.code, CRM_EUNAUTH);
	}
	int socks[ROUNDS + 1][FRESH];
	fresh_guessers(socks[0], FRESH, "target");
	int owner = client();
	login_once(owner, "target", "pw-target", &a);
	assert_crm_err(a.code, CRM_TOO_BIG);
	assert_true(a.retryable);
	uint32_t told = a.retry_after_ms;
	assert_true(told > 0);
	long long t0 = clock;
	int round = 0, checked = 0;
	for (; round < ROUNDS; round++) {
		/* The owner's time: the guesser goes first. */
		clock += (a.retry_after_ms + 999) / 1000;
		set_clock(clock);
		for (int i = 0; i < FRESH; i++) {
			struct attempt g;
			login_once(socks[round][i], "target", "guess", &g);
			checked += g.code == CRM_EUNAUTH;
		}
		fresh_guessers(socks[round + 1], FRESH, "target");
		login_once(owner, "target", "pw-target", &a);
		print_message("tickets: round %d: the guesser's %d tickets "
		              "checked %d guesses; the owner: %s (%u ms)\n",
		    round + 1, FRESH, checked, a.code == CRM_OK ? "in" : a.msg,
		    a.retry_after_ms);
		if (a.code != CRM_TOO_BIG) {
			break;
		}
	}
	assert_crm_ok(a.code);
	long long took = clock - t0;
	print_message("tickets: told %u ms, in after %lld s of test clock\n",
	    told, took);
	assert_true(took * 1000 <= 2LL * told);
	for (int r = 0; r <= ROUNDS && r <= round + 1; r++) {
		for (int i = 0; i < FRESH; i++) {
			nn_close(socks[r][i]);
		}
	}

	/* Every ticket held: the owner is checked at once. */
	for (int i = 0; i < 3; i++) {
		login_once(a0, "target", "guess", &a);
		assert_crm_err(a.code, CRM_EUNAUTH);
	}
	int holders[HOLDERS];
	int told_wait = 0;
	for (int i = 0; i < HOLDERS; i++) {
		holders[i] = client();
		login_once(holders[i], "target", "guess", &a);
		told_wait += a.code == CRM_TOO_BIG;
	}
	int owner2 = client();
	login_once(owner2, "target", "pw-target", &a);
	print_message("tickets: %d of %d fresh guessers told to wait; the "
	              "owner on a new connection: %s\n",
	    told_wait, HOLDERS, a.code == CRM_OK ? "in" : a.msg);
	assert_crm_ok(a.code);
	for (int i = 0; i < HOLDERS; i++) {
		nn_close(holders[i]);
	}
	nn_close(owner2);
	nn_close(owner);
	nn_close(a0);
	unlink(clock_path); /* real time again */
}

/* ---------------------------------------------------- 3. two at once */

struct concurrent {
	pthread_t th;
	int user;
	pthread_barrier_t *go;
	struct attempt a;
};

static void *
concurrent_run(void *arg)
{
	struct concurrent *c = arg;
	int sock = client();
	char login[16], pw[16];
	snprintf(login, sizeof(login), "u%d", c->user);
	snprintf(pw, sizeof(pw), "pw-u%d", c->user);
	pthread_barrier_wait(c->go);
	login_once(sock, login, pw, &c->a);
	nn_close(sock);
	return NULL;
}

/* kB of a /proc/PID/status line ("VmHWM", "VmRSS"). */
static long
proc_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	size_t n = strlen(key);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return kb;
}

static void
at_most_two_hashes_run_at_once(void **state)
{
	(void)state;
	int sock = client();
	double one = hash_ms(sock, "u2", "pw-u2");
	nn_close(sock);
	long rss0 = srv.pid > 0 ? proc_kb(srv.pid, "VmRSS") : -1;
	long hwm0 = srv.pid > 0 ? proc_kb(srv.pid, "VmHWM") : -1;
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, USERS + 1);
	struct concurrent c[USERS];
	for (int i = 0; i < USERS; i++) {
		c[i].user = i + 1;
		c[i].go = &go;
		assert_int_equal(
		    pthread_create(&c[i].th, NULL, concurrent_run, &c[i]), 0);
	}
	pthread_barrier_wait(&go);
	double t = now_ms();
	for (int i = 0; i < USERS; i++) {
		pthread_join(c[i].th, NULL);
	}
	double wall = now_ms() - t;
	pthread_barrier_destroy(&go);
	long hwm1 = srv.pid > 0 ? proc_kb(srv.pid, "VmHWM") : -1;
	for (int i = 0; i < USERS; i++) {
		assert_crm_ok(c[i].a.code);
	}
	print_message("hashing: one login %.1f ms; %d at once %.1f ms "
	              "(%.2f x one; ceil(%d/2) = %d expected)\n",
	    one, USERS, wall, wall / one, USERS, (USERS + 1) / 2);
	print_message("hashing: crmd memory %ld MiB before, peak %ld MiB "
	              "before and %ld MiB after (a hash: %d MiB)\n",
	    rss0 / 1024, hwm0 / 1024, hwm1 / 1024, HASH_MIB);
	/* Not all at once: the semaphore queues them (on a 2-core machine
	 * the CPUs alone would too, hence the memory check below). */
	assert_true(wall > 2 * one);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan keeps freed memory in quarantine: the peak says nothing. */
	print_message("hashing: memory check skipped under ASan\n");
#else
	if (srv.pid > 0) {
		/* Each running hash holds 64 MiB: two at once add 128 MiB
		 * to the resting size, eight would add 512 MiB. */
		assert_true(hwm1 - rss0 < 3 * HASH_MIB * 1024);
	}
#endif
}

/* ---------------------------------------------------- setup */

static int
setup(void **state)
{
	(void)state;
	crm_test_clock_open(clock_path, sizeof(clock_path));
	setenv("CRM_TEST_WORKERS", "8", 1);
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "victim", "rep", "east", "pw-victim"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "hammered", "rep", "east", "pw-ham"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "owner", "rep", "east", "pw-owner"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "target", "rep", "east", "pw-target"));
	for (int i = 1; i <= USERS; i++) {
		char login[16], pw[16];
		snprintf(login, sizeof(login), "u%d", i);
		snprintf(pw, sizeof(pw), "pw-u%d", i);
		assert_crm_ok(
		    crm_test_add_user(&srv, login, "rep", "east", pw));
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	crm_test_clock_close(clock_path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(failed_logins_wait_longer_each_time),
		cmocka_unit_test(
		    others_log_in_fast_while_one_account_is_hammered),
		cmocka_unit_test(at_most_two_hashes_run_at_once),
		cmocka_unit_test(the_owner_logs_in_while_a_guesser_hammers),
		cmocka_unit_test(
		    fresh_connections_cannot_take_the_owners_turn),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
