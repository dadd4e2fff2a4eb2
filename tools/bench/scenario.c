/* SPDX-License-Identifier: MIT */
/*
 * scenario.c: what the clients do, and the runner that does it: each
 * client is a thread with its own REQ socket and session, sending one
 * request after another until the time is up. A request's latency runs
 * from building it to its decoded reply. Nothing is allocated per request
 * beyond what packing and decoding need.
 */
#include <nanomsg/nn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define DUE_LIMIT    20
#define EXPORT_LIMIT 1000
#define EXPORT_MAX   5000
#define TICK_MS      100

/* ---------------------------------------------------------------- ops */

static uint64_t
pick_customer(struct bench_client *c, size_t *index)
{
	size_t i = bench_rand(&c->rng) % c->user->n_customers;
	if (index != NULL) {
		*index = i;
	}
	return c->user->customers[i];
}

/* Send req and count an error unless the reply is OK with want. */
static int
call(struct bench_client *c, Crm__V1__Request *req,
    Crm__V1__Response__BodyCase want, Crm__V1__Response **keep)
{
	Crm__V1__Response *r = NULL;
	crm_status rc = bench_call(&c->conn, req, &r);
	int ok = rc == CRM_OK && r->body_case == want;
	if (keep != NULL && ok) {
		*keep = r;
		return 0;
	}
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	return ok ? 0 : -1;
}

/* The rep's due list, its first DUE_LIMIT tasks (keep: the reply, as
 * call's). */
static int
due_call(struct bench_client *c, Crm__V1__Response **keep)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__DueRequest q = CRM__V1__DUE_REQUEST__INIT;
	q.has_window = q.has_limit = 1;
	q.window = CRM__V1__DUE_WINDOW__DUE_ALL;
	q.limit = DUE_LIMIT;
	req.body_case = CRM__V1__REQUEST__BODY_DUE;
	req.due = &q;
	return call(c, &req, CRM__V1__RESPONSE__BODY_TASKS, keep);
}

static int
op_due(struct bench_client *c)
{
	return due_call(c, NULL);
}

static int
op_show(struct bench_client *c)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerGetRequest q = CRM__V1__CUSTOMER_GET_REQUEST__INIT;
	q.has_id = 1;
	q.id = pick_customer(c, NULL);
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
	req.customer_get = &q;
	return call(c, &req, CRM__V1__RESPONSE__BODY_CUSTOMER, NULL);
}

/* A substring of one of the rep's customers (a manager's: of the team's):
 * its name without the first character, so the search is a real
 * substring match. */
static int
op_find(struct bench_client *c)
{
	size_t i;
	pick_customer(c, &i);
	const char *name = c->user->names[i];
	const char *text = name;
	if (*text != '\0') {
		text++;
		while ((*text & 0xC0) == 0x80) {
			text++;
		}
	}
	if (*text == '\0') {
		text = name;
	}
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerFindRequest q = CRM__V1__CUSTOMER_FIND_REQUEST__INIT;
	q.text = (char *)text;
	q.has_limit = 1;
	q.limit = DUE_LIMIT;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_FIND;
	req.customer_find = &q;
	return call(c, &req, CRM__V1__RESPONSE__BODY_CUSTOMERS, NULL);
}

/* A follow-up: stored, the open task closed, the next one scheduled, all
 * in one durable commit before the reply. */
static int
op_log_on(struct bench_client *c, uint64_t customer)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupLogRequest q = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
	f.has_customer_id = 1;
	f.customer_id = customer;
	f.has_channel = 1;
	f.channel = CRM__V1__CHANNEL__CHANNEL_PHONE;
	f.has_duration_min = 1;
	f.duration_min = 10;
	f.summary = "crm-bench: called about the quote";
	q.followup = &f;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	req.followup_log = &q;
	int rc = call(c, &req, CRM__V1__RESPONSE__BODY_FOLLOWUP, NULL);
	c->wrote = rc == 0;
	return rc;
}

/* A follow-up on one of the rep's customers at random. */
static int
op_log(struct bench_client *c)
{
	return op_log_on(c, pick_customer(c, NULL));
}

/* A rep working the due list: the first follow-up task of the rep's
 * `due` (overdue first), its customer called and logged, which closes
 * that task and plans the next. Latency: both requests. With no
 * follow-up task in the first page, a customer at random. */
static int
op_log_due(struct bench_client *c)
{
	Crm__V1__Response *r = NULL;
	if (due_call(c, &r) != 0) {
		return -1;
	}
	uint64_t cust = 0;
	const Crm__V1__TaskList *l = r->tasks;
	for (size_t i = 0; l != NULL && i < l->n_tasks && cust == 0; i++) {
		if (l->tasks[i]->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP) {
			cust = l->tasks[i]->customer_id;
		}
	}
	crm__v1__response__free_unpacked(r, NULL);
	return op_log_on(c, cust != 0 ? cust : pick_customer(c, NULL));
}

/* A rep's day: 80 % reads (due, show, find), 20 % follow-ups logged. */
static int
op_mixed(struct bench_client *c)
{
	uint64_t r = bench_rand(&c->rng) % 100;
	if (r < 40) {
		return op_due(c);
	}
	if (r < 70) {
		return op_show(c);
	}
	if (r < 80) {
		return op_find(c);
	}
	return op_log(c);
}

static int
op_report(struct bench_client *c)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ReportRequest q = CRM__V1__REPORT_REQUEST__INIT;
	q.has_kind = 1;
	q.kind = CRM__V1__REPORT_KIND__REPORT_CONVERSION;
	q.team = (char *)c->user->team;
	req.body_case = CRM__V1__REQUEST__BODY_REPORT;
	req.report = &q;
	return call(c, &req, CRM__V1__RESPONSE__BODY_REPORT, NULL);
}

/* One page of the team's follow-ups; the next request continues where
 * this one stopped, and starts over when the export is done. */
static int
export_page(struct bench_client *c, const char *team, uint32_t limit)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ExportRequest q = CRM__V1__EXPORT_REQUEST__INIT;
	q.has_kind = q.has_limit = 1;
	q.kind = CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS;
	q.limit = limit;
	q.team = (char *)team;
	if (c->cursor_customer || c->cursor_id) {
		q.has_cursor_customer = q.has_cursor_id = 1;
		q.cursor_customer = c->cursor_customer;
		q.cursor_id = c->cursor_id;
	}
	req.body_case = CRM__V1__REQUEST__BODY_EXPORT_PAGE;
	req.export_page = &q;
	Crm__V1__Response *r = NULL;
	if (call(c, &req, CRM__V1__RESPONSE__BODY_EXPORT_PAGE, &r) != 0) {
		c->cursor_customer = c->cursor_id = 0;
		return -1;
	}
	c->rows += r->export_page->n_followups;
	if (r->export_page->done) {
		c->cursor_customer = c->cursor_id = 0;
	} else {
		c->cursor_customer = r->export_page->cursor_customer;
		c->cursor_id = r->export_page->cursor_id;
	}
	int done = r->export_page->done;
	crm__v1__response__free_unpacked(r, NULL);
	return done;
}

static int
op_export(struct bench_client *c)
{
	return export_page(c, c->user->team, EXPORT_LIMIT) < 0 ? -1 : 0;
}

/* The same-sized payload, sent raw to the echo server. */
static int
op_echo(struct bench_client *c)
{
	if (nn_send(c->conn.sock, c->echo_buf, (size_t)c->echo_len, 0) < 0) {
		return -1;
	}
	void *msg = NULL;
	int n = nn_recv(c->conn.sock, &msg, NN_MSG, 0);
	if (n < 0) {
		bench_conn_close(&c->conn);
		bench_conn_open(&c->conn, c->conn.url);
		return -1;
	}
	nn_freemsg(msg);
	return 0;
}

#define B(x) CRM__V1__REQUEST__BODY_##x
const struct bench_scenario bench_scenarios[] = {
	{ "due", "due (20 earliest, random rep)", 0, CRM__V1__ROLE__ROLE_REP,
	    op_due, { B(DUE) }, "its due request" },
	{ "show", "customer show", 0, CRM__V1__ROLE__ROLE_REP, op_show,
	    { B(CUSTOMER_GET) }, "its customer get request" },
	{ "find", "customer find", 0, CRM__V1__ROLE__ROLE_REP, op_find,
	    { B(CUSTOMER_FIND) }, "its customer find request" },
	{ "find-team", "customer find (manager: the team)", 0,
	    CRM__V1__ROLE__ROLE_MANAGER, op_find, { B(CUSTOMER_FIND) },
	    "its customer find request" },
	{ "log", "log a follow-up (durable)", 1, CRM__V1__ROLE__ROLE_REP,
	    op_log, { B(FOLLOWUP_LOG) }, "its followup log request" },
	{ "log-due", "log the first due follow-up (durable; due, then log)", 1,
	    CRM__V1__ROLE__ROLE_REP, op_log_due, { B(FOLLOWUP_LOG) },
	    "its log (requests: one a due and log, as req/s counts them; "
	    "srv p50..: the log alone; cpu/req: the due and the log)" },
	{ "mixed", "mixed day (80% read / 20% log)", 1,
	    CRM__V1__ROLE__ROLE_REP, op_mixed,
	    { B(DUE), B(CUSTOMER_GET), B(CUSTOMER_FIND), B(FOLLOWUP_LOG) },
	    "every request of the mix, reads and logs alike, as req/s "
	    "counts them (due, customer get, customer find, followup log)" },
	{ "report", "report conversion (team)", 0, CRM__V1__ROLE__ROLE_MANAGER,
	    op_report, { B(REPORT) }, "its report request" },
	{ "export", "export followups (team, 1000-row pages)", 0,
	    CRM__V1__ROLE__ROLE_MANAGER, op_export, { B(EXPORT_PAGE) },
	    "its export page request" },
};
const size_t bench_n_scenarios =
    sizeof(bench_scenarios) / sizeof(bench_scenarios[0]);
const struct bench_scenario bench_echo_scenario = { "echo",
	"nanomsg REQ/REP echo (ceiling)", 0, 0, op_echo, { 0 }, "-" };

/* ---------------------------------------------------------------- runner */

struct shared {
	const struct bench_scenario *sc;
	pthread_barrier_t start;
	atomic_int stop;
	uint64_t measure_from, measure_to; /* set before the barrier */
};

struct thread_arg {
	struct shared *sh;
	struct bench_client c;
};

static void *
client_main(void *arg)
{
	struct thread_arg *a = arg;
	struct bench_client *c = &a->c;
	pthread_barrier_wait(&a->sh->start);
	while (!atomic_load_explicit(&a->sh->stop, memory_order_relaxed)) {
		uint64_t t0 = bench_now_ns();
		uint64_t rows = c->rows;
		c->wrote = 0;
		int rc = a->sh->sc->op(c);
		uint64_t t1 = bench_now_ns();
		c->done += rc == 0;
		if (t0 < a->sh->measure_from || t1 > a->sh->measure_to) {
			c->rows = rows; /* warm-up and overrun: not counted */
			continue;
		}
		if (rc != 0) {
			c->lat.errors++;
			continue;
		}
		c->writes += (uint64_t)c->wrote;
		bench_lat_add(&c->lat, t1 - t0);
	}
	return NULL;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int
bench_scenario_run(const struct bench_opts *o, const char *url,
    const struct bench_data *d, const struct bench_scenario *sc, int clients,
    size_t echo_len, bench_tick tick, struct bench_run *out)
{
	memset(out, 0, sizeof(*out));
	out->sc = sc;
	out->clients = clients;
	struct shared sh;
	memset(&sh, 0, sizeof(sh));
	sh.sc = sc;
	struct thread_arg *args = crm_xcalloc((size_t)clients, sizeof(*args));
	pthread_t *th = crm_xcalloc((size_t)clients, sizeof(*th));
	uint8_t *echo = NULL;
	if (sc->op == op_echo) {
		echo = crm_xmalloc(echo_len ? echo_len : 1);
		memset(echo, 'q', echo_len ? echo_len : 1);
	}
	uint64_t rng = o->seed * 0x100000001B3u + (uint64_t)clients;
	size_t cap = BENCH_SAMPLES / (size_t)clients;
	int opened = 0, rc = 0;
	for (int i = 0; i < clients; i++) {
		struct bench_client *c = &args[i].c;
		args[i].sh = &sh;
		c->rng = bench_rand(&rng) | 1;
		if (sc->role == CRM__V1__ROLE__ROLE_MANAGER) {
			c->user =
			    &d->managers[bench_rand(&rng) % d->n_managers];
		} else if (sc->role == CRM__V1__ROLE__ROLE_REP) {
			c->user = &d->reps[bench_rand(&rng) % d->n_reps];
		}
		if (bench_conn_open(&c->conn, url) != 0) {
			rc = -1;
			break;
		}
		opened++;
		if (c->user != NULL) {
			memcpy(
			    c->conn.token, c->user->token, c->user->token_len);
			c->conn.token_len = c->user->token_len;
		}
		c->echo_buf = echo;
		c->echo_len = (int)echo_len;
		bench_lat_init(&c->lat, cap, c->rng);
	}
	int started = 0;
	if (rc == 0) {
		pthread_barrier_init(&sh.start, NULL, (unsigned)clients + 1);
		double warm = o->duration / 10 < 1.0 ? o->duration / 10 : 1.0;
		for (int i = 0; i < clients; i++) {
			if (pthread_create(
			        &th[i], NULL, client_main, &args[i]) != 0) {
				/* Cannot happen with a sane ulimit; stop. */
				fprintf(
				    stderr, "crm-bench: too many threads\n");
				abort();
			}
			started++;
		}
		uint64_t now = bench_now_ns();
		sh.measure_from = now + (uint64_t)(warm * 1e9);
		sh.measure_to =
		    sh.measure_from + (uint64_t)(o->duration * 1e9);
		pthread_barrier_wait(&sh.start);
		for (;;) {
			now = bench_now_ns();
			if (now >= sh.measure_to) {
				break;
			}
			if (tick != NULL) {
				tick((double)(now -
				              (sh.measure_from -
				                  (uint64_t)(warm * 1e9))) /
				     ((warm + o->duration) * 1e9));
			}
			sleep_ms(TICK_MS);
		}
		atomic_store(&sh.stop, 1);
		for (int i = 0; i < started; i++) {
			pthread_join(th[i], NULL);
		}
		pthread_barrier_destroy(&sh.start);
		struct bench_lat *lats =
		    crm_xcalloc((size_t)clients, sizeof(*lats));
		for (int i = 0; i < clients; i++) {
			lats[i] = args[i].c.lat;
			out->rows += args[i].c.rows;
			out->done += args[i].c.done;
			out->writes += args[i].c.writes;
		}
		bench_summarize(lats, clients,
		    (double)(sh.measure_to - sh.measure_from) / 1e9, &out->s);
		free(lats);
	}
	for (int i = 0; i < opened; i++) {
		bench_conn_close(&args[i].c.conn);
		bench_lat_free(&args[i].c.lat);
	}
	free(echo);
	free(th);
	free(args);
	return rc;
}

int
bench_export_all(const char *url, const struct bench_data *d, double limit_s,
    uint64_t *rows, double *seconds)
{
	struct bench_client c;
	memset(&c, 0, sizeof(c));
	c.user = &d->admin;
	*rows = 0;
	*seconds = 0;
	if (bench_conn_open(&c.conn, url) != 0) {
		return -1;
	}
	memcpy(c.conn.token, d->admin.token, d->admin.token_len);
	c.conn.token_len = d->admin.token_len;
	uint64_t t0 = bench_now_ns();
	int rc;
	do {
		rc = export_page(&c, NULL, EXPORT_MAX);
	} while (rc == 0 && (double)(bench_now_ns() - t0) / 1e9 < limit_s);
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	*rows = c.rows;
	bench_conn_close(&c.conn);
	return rc == 1 ? 0 : -1;
}

int
bench_sample_due(const char *url, const struct bench_data *d, size_t *req_len,
    size_t *reply_len)
{
	struct bench_client c;
	memset(&c, 0, sizeof(c));
	c.user = &d->reps[0];
	if (bench_conn_open(&c.conn, url) != 0) {
		return -1;
	}
	memcpy(c.conn.token, c.user->token, c.user->token_len);
	c.conn.token_len = c.user->token_len;
	int rc = op_due(&c);
	*req_len = c.conn.last_req;
	*reply_len = c.conn.last_reply;
	bench_conn_close(&c.conn);
	return rc;
}
