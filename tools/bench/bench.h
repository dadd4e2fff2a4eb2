/* SPDX-License-Identifier: MIT */
/*
 * bench.h: the pieces of crm-bench, a load generator that measures crmd
 * against two ceilings taken in the same run: a bare nanomsg REQ/REP echo
 * and bare durable LMDB commits. Every public symbol starts with bench_.
 * It is a tool, not a library: nothing here is installed.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "crm.h"

#define BENCH_MAX_CLIENTS  256
#define BENCH_MAX_LEVELS   8
#define BENCH_MAX_RESULTS  128
#define BENCH_PASSWORD     "bench-pw"
#define BENCH_REPLY_TMO_MS 30000
/* Latency samples kept per scenario run, shared out among its clients
 * (a reservoir beyond that): 4 bytes each. */
#define BENCH_SAMPLES (2u * 1024u * 1024u)

/* ---------------------------------------------------------------- options */

struct bench_opts {
	const char *crmd; /* the server binary */
	const char *crm;  /* the shell binary (crm -c timing) */
	const char *data; /* --data DIR, or NULL: a fresh small set */
	int copy;         /* copy --data first */
	int tcp;          /* tcp://127.0.0.1 instead of ipc:// */
	double duration;  /* seconds per scenario and client count */
	int clients[BENCH_MAX_LEVELS];
	int n_clients;
	int quick;
	int json;
	int shell_only;       /* only crm -c 'due today', at $CRM_SERVER */
	int progress;         /* a progress bar on stderr */
	int workers;          /* crmd --workers and echo threads */
	const char *map_size; /* crmd --map-size, or NULL */
	unsigned customers;   /* fresh set: customers */
	unsigned followups;   /* fresh set: follow-ups per customer */
	unsigned reps;        /* fresh set: reps (in teams of 16) */
	int shell_runs;       /* crm -c 'due today' runs */
	const char *only;     /* comma-separated scenario names, or NULL */
	uint64_t seed;
	int keep;           /* keep the temp folder */
	int no_postgres;    /* --no-postgres: skip tools/bench-postgres */
	int leaves;         /* --leaves: crmd --trace-leaves, printed */
	const char *tmpdir; /* where the temp folder goes */
};

/* ---------------------------------------------------------------- stats */

/* bench_now_ns: CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* bench_rand: xorshift64* step on *state (never 0). */
uint64_t bench_rand(uint64_t *state);

/* A bounded latency recorder: a reservoir of at most cap samples (ns,
 * saturating at 4.29 s) and the exact count of everything recorded. */
struct bench_lat {
	uint32_t *ns;
	size_t n, cap;
	uint64_t count;
	uint64_t errors;
	uint64_t rng;
};

/* bench_lat_init: allocate room for cap samples. Free with
 * bench_lat_free(). */
void bench_lat_init(struct bench_lat *l, size_t cap, uint64_t seed);
void bench_lat_add(struct bench_lat *l, uint64_t ns);
void bench_lat_free(struct bench_lat *l);

struct bench_summary {
	double seconds;
	uint64_t requests;
	uint64_t errors;
	double rps;
	double p50_us, p99_us, p999_us, max_us, mean_us;
};

/* bench_summarize: merge n recorders measured over seconds. */
void bench_summarize(const struct bench_lat *l, int n, double seconds,
    struct bench_summary *out /* OUT */);

/* ---------------------------------------------------------------- conn */

/* One client's REQ socket and session. */
struct bench_conn {
	const char *url; /* borrowed */
	int sock;
	uint8_t token[64];
	size_t token_len;
	size_t last_req, last_reply; /* bytes of the last exchange */
};

/* bench_conn_open: connect a REQ socket to url. Returns 0 or -1. */
int bench_conn_open(struct bench_conn *c, const char *url);
void bench_conn_close(struct bench_conn *c);

/*
 * bench_call: send req (request id, protocol version and the session
 * token filled in) and decode the reply into *resp (caller frees with
 * crm__v1__response__free_unpacked). Returns the reply's status, or
 * CRM_UNAVAILABLE when no reply came (the socket is then reopened).
 */
crm_status bench_call(struct bench_conn *c, Crm__V1__Request *req,
    Crm__V1__Response **resp /* OUT */);

/* bench_login: log in; keeps the token in c. */
crm_status bench_login(
    struct bench_conn *c, const char *login, const char *password);

/* ---------------------------------------------------------------- data */

struct bench_user {
	char login[64];
	char team[64];
	int role;
	uint8_t token[64];
	size_t token_len;
	uint64_t
	    *customers; /* a rep's customers; a manager's team's first page */
	char **names;   /* their names, same order */
	size_t n_customers;
};

/* The users a run draws its clients from, with their sessions. */
struct bench_data {
	struct bench_user admin;
	struct bench_user
	    *reps; /* at most BENCH_MAX_CLIENTS, with customers */
	size_t n_reps;
	struct bench_user *managers;
	size_t n_managers;
	size_t reps_total, managers_total;
	uint64_t customers, followups, tasks, users; /* record counts */
	double data_mib;
	double fill_seconds; /* fresh set: time to load it */
};

/* bench_data_fill: a fresh set through the protocol, as the admin "admin"
 * (made with `crmd user add` before the server started). */
int bench_data_fill(const struct bench_opts *o, const char *url,
    void (*progress)(double done, const char *what));

/* bench_data_discover: log in as admin, list users, pick up to
 * BENCH_MAX_CLIENTS reps and every manager at random, log them in and
 * read each rep's customers (a manager's: the first page of the
 * team's). */
int bench_data_discover(const struct bench_opts *o, const char *url,
    struct bench_data *d /* OUT */);

/* bench_data_count: record counts and size of the database in dir,
 * opened read-only beside the running crmd. */
void bench_data_count(const char *dir, struct bench_data *d);
void bench_data_free(struct bench_data *d);

/* ---------------------------------------------------------------- echo */

typedef struct bench_echo bench_echo;

/* bench_echo_start: a raw REP socket bound to url, threads worker threads
 * that answer each request with reply_len bytes. NULL on failure. */
bench_echo *bench_echo_start(const char *url, int threads, size_t reply_len);
void bench_echo_stop(bench_echo *e);

/* ---------------------------------------------------------------- lmdb */

struct bench_lmdb_result {
	int puts_per_txn;
	size_t value_len;
	double seconds;
	uint64_t commits;
	double commits_per_s, puts_per_s;
	double p50_us, p99_us;
};

/* bench_lmdb_run: durable commits (default flags) into a new env in dir
 * for seconds. Returns 0 or -1. */
int bench_lmdb_run(const char *dir, double seconds, int puts_per_txn,
    struct bench_lmdb_result *out /* OUT */);

/* ---------------------------------------------------------------- disk */

#define BENCH_DISK_COUNTS 4

struct bench_disk_result {
	int ok;
	int pages[BENCH_DISK_COUNTS];     /* 1, 16, 64, 256 */
	double p50_us[BENCH_DISK_COUNTS]; /* fdatasync after that many */
	double sync_us, page_us;          /* a sync, and each page more */
};

/* bench_disk_run: fdatasync after scattered page writes into a file of
 * written blocks in dir, about seconds in all. Returns 0 or -1. */
int bench_disk_run(
    const char *dir, double seconds, struct bench_disk_result *out /* OUT */);

/* bench_disk_commit_us: what syncing a commit of pages costs on the disk
 * measured (LMDB's two syncs: the pages and the meta page). */
double bench_disk_commit_us(const struct bench_disk_result *d, double pages);

/* ---------------------------------------------------------------- scenarios
 */

struct bench_client;
typedef int (*bench_op)(struct bench_client *c);

struct bench_scenario {
	const char *name;  /* for --only and JSON: "due", "log" */
	const char *title; /* for people: "customer show" */
	int writes;        /* 1: durable writes (compared with LMDB) */
	int role;          /* CRM__V1__ROLE__ROLE_REP or _MANAGER */
	bench_op op;
	/* Its Request body cases whose crmd histograms make its server
	 * columns (requests, srv p50.., cpu/req), summed: every kind the
	 * scenario sends, so that they count what req/s counts (mixed: all
	 * four of the mix); log-due's one, the log (a due and a log are one
	 * request of its req/s). 0 ends the list; none: the echo. */
	int bodies[4];
	/* For people: what those are ("followup log", "every request of
	 * the mix ..."). */
	const char *srv_what;
};

/* One client thread's state. */
struct bench_client {
	struct bench_conn conn;
	const struct bench_user *user;
	uint64_t rng;
	struct bench_lat lat;
	uint64_t rows;   /* export: follow-ups received */
	uint64_t done;   /* requests answered OK, warm-up and overrun too */
	int wrote;       /* the op's durable write was answered OK */
	uint64_t writes; /* ops that wrote, answered OK in the measured
	                    time (mixed: its logs; log: every request) */
	uint64_t cursor_customer, cursor_id;
	int echo_len; /* echo: request bytes */
	uint8_t *echo_buf;
};

extern const struct bench_scenario bench_scenarios[];
extern const size_t bench_n_scenarios;
/* The echo "scenario": the transport ceiling. */
extern const struct bench_scenario bench_echo_scenario;

/* Progress callback: fraction of the current step done. */
typedef void (*bench_tick)(double fraction);

/* ---------------------------------------------------------------- srvstats
 */

/* /proc/PID/io: bytes passed to write calls, calls, bytes sent to storage. */
struct bench_io {
	int ok;
	uint64_t wchar, syscw, write_bytes;
};

/* bench_proc_io: pid's I/O counters. Returns 0 or -1. */
int bench_proc_io(pid_t pid, struct bench_io *out /* OUT */);

/* CPU time around a run: crmd's (utime + stime of /proc/PID/stat, every
 * thread) and the whole machine's (/proc/stat: busy = all but idle and
 * iowait), so a run says what one request cost crmd in CPU and whether
 * the cores were saturated, by crmd or by anything else. */
struct bench_cpu {
	int ok;
	double crmd_s;      /* crmd's CPU seconds so far */
	double host_busy_s; /* every core's busy seconds so far */
	/* crmd's writer thread ("crmd-writer"), /proc/PID/task/TID/schedstat:
	 * ns on a CPU and ns runnable, waiting for one (writer_ok: found) */
	int writer_ok;
	uint64_t writer_run_ns, writer_wait_ns;
	uint64_t ns; /* bench_now_ns() when read */
};

/* bench_proc_cpu: pid's and the machine's CPU seconds. Returns 0 or -1. */
int bench_proc_cpu(pid_t pid, struct bench_cpu *out /* OUT */);

/* crmd's latency buckets (server/latency.c): 8 per power of two. */
#define BENCH_LAT_BUCKETS 256

/* Databases crmd --trace-leaves names at most (schema.def has fewer). */
#define BENCH_LEAF_DBS 96

/* The leaves crmd's commits changed, by database (crmd --trace-leaves;
 * StatsReply.leaves): name[i] had n[i]; traced: the commits counted. */
struct bench_leaves {
	int count;
	char name[BENCH_LEAF_DBS][24];
	uint64_t n[BENCH_LEAF_DBS];
	uint64_t traced;
};

/* One `stats` reply: the writer's totals and one request type's buckets. */
struct bench_srv_stats {
	int ok;
	uint64_t commits, writes, write_bytes, commit_us;
	uint32_t page_size;
	uint64_t buckets[BENCH_LAT_BUCKETS];
	struct bench_leaves leaves;
};

/* bench_srv_stats: ask crmd at url for its stats as admin; keep the
 * buckets of the Request body cases in bodies (0-terminated, at most 4),
 * summed. Returns 0 or -1. */
int bench_srv_stats(const char *url, const struct bench_user *admin,
    const int *bodies, struct bench_srv_stats *out /* OUT */);

/* What crmd did during one run: b minus a. */
struct bench_srv_run {
	int ok;
	uint64_t commits, writes, write_bytes; /* the writer's */
	uint64_t commit_us; /* time in its commits (writing and syncing) */
	uint32_t page_size;
	uint64_t count; /* requests of the scenario's types (bodies) */
	double p50_us, p99_us, p999_us; /* server side, upper bucket edges */
	struct bench_leaves leaves;     /* in the run (crm-bench --leaves) */
};

void bench_srv_delta(const struct bench_srv_stats *a,
    const struct bench_srv_stats *b, struct bench_srv_run *out /* OUT */);

struct bench_run {
	const struct bench_scenario *sc;
	int clients;
	struct bench_summary s;
	uint64_t rows;
	uint64_t done;   /* requests answered OK in the whole run */
	uint64_t writes; /* of s.requests, those that wrote (bench_client) */
	struct bench_io io0, io1;    /* crmd's /proc/PID/io around the run */
	struct bench_srv_run srv;    /* crmd's own numbers for the run */
	struct bench_cpu cpu0, cpu1; /* CPU time around the run */
};

/* PostgreSQL's numbers for one transaction and client count, from
 * tools/bench-postgres in the same run. */
struct bench_pg_run {
	char txn[8];
	int clients;
	double tps, p50_ms, p99_ms;
	double wal_bytes;     /* WAL bytes per transaction */
	double txn_per_flush; /* transactions per WAL sync */
	double pages; /* data pages PostgreSQL wrote during the run, per txn */
};

/*
 * bench_scenario_run: clients threads, each with its own REQ socket to
 * url, as users drawn from d, run sc back to back for the duration (after
 * a short warm-up that is not counted). Returns 0, or -1 when the clients
 * could not start.
 */
int bench_scenario_run(const struct bench_opts *o, const char *url,
    const struct bench_data *d, const struct bench_scenario *sc, int clients,
    size_t echo_len, bench_tick tick, struct bench_run *out /* OUT */);

/* bench_export_all: as admin, export every follow-up page by page;
 * stops after limit_s. Sets rows and seconds; returns 0 when done. */
int bench_export_all(const char *url, const struct bench_data *d,
    double limit_s, uint64_t *rows /* OUT */, double *seconds /* OUT */);

/* bench_sample_due: sizes of one due request and its reply. */
int bench_sample_due(const char *url, const struct bench_data *d,
    size_t *req_len /* OUT */, size_t *reply_len /* OUT */);

/* ---------------------------------------------------------------- proc */

struct bench_server {
	pid_t pid;
	char url[300];
	char data[300];
	char log[300];
};

/* bench_server_user_add: run `crmd user add LOGIN --role ROLE --data DIR`
 * with BENCH_PASSWORD on its stdin. Returns 0 on success. */
int bench_server_user_add(
    const char *crmd, const char *data, const char *login, const char *role);

/* bench_server_start: crmd --data s->data --listen s->url, its log in
 * s->log; waits for a hello (at most 30 s). Returns 0 or -1. */
int bench_server_start(const struct bench_opts *o, struct bench_server *s);

/* bench_server_stop: SIGTERM and wait; returns crmd's exit status, or
 * 128 + the signal that killed it. */
int bench_server_stop(struct bench_server *s);

struct bench_mem {
	long rss_kib, hwm_kib, anon_kib, file_kib;
};

/* bench_proc_mem: VmRSS, VmHWM, RssAnon and RssFile of pid. */
int bench_proc_mem(pid_t pid, struct bench_mem *m /* OUT */);

/* The trivial program a crm start is compared with: a process that only
 * starts and exits, timed the same way. */
#define BENCH_BASELINE "/bin/true"

struct bench_shell {
	int runs, failed;
	double min_ms, p50_ms, p95_ms, max_ms;
	double base_p50_ms, base_p95_ms; /* BENCH_BASELINE, the same runs */
};

/* bench_shell_time: run `crm -c 'due today'` runs times as user (its
 * session written where crm looks for it, under home), each followed by
 * a run of BENCH_BASELINE, and time each from fork to exit. */
int bench_shell_time(const char *crm, const char *url, const char *home,
    const struct bench_user *user, int runs, struct bench_shell *out);

/* bench_shell_runs: the timing of bench_shell_time in environment env
 * (NULL: crm-bench's own, so its CRM_SERVER and session: --shell-only). */
void bench_shell_runs(
    const char *crm, char *const env[], int runs, struct bench_shell *out);

/* bench_print_shell: --shell-only's report: the table line, or a JSON
 * document when json. */
void bench_print_shell(FILE *out, const struct bench_shell *sh, int json);

/*
 * bench_signals_start: block SIGINT and SIGTERM in the calling thread
 * (call it before any other thread starts, so that every thread inherits
 * the mask) and start the thread that takes them: it stops the children
 * still running (crmd, tools/bench-postgres, ...: every one started here
 * is registered), removes the temporary folder of bench_make_temp_dir
 * (unless kept), prints one line on stderr and exits 130 (SIGINT) or 143
 * (SIGTERM). Returns 0 or -1.
 */
int bench_signals_start(void);

/* bench_make_temp_dir: mkdtemp(tmpl), registered for an interrupted run's
 * cleanup (keep: leave it). Returns 0 or -1 (errno set). */
int bench_make_temp_dir(char *tmpl, int keep);

/* bench_remove_tree: rm -r dir. */
void bench_remove_tree(const char *dir);

/* bench_spawn_read: start argv[0] (a path) with argv, registered as name,
 * its standard output and error on *out (the caller fcloses it, then
 * calls bench_spawn_wait). Returns its pid, or -1. */
pid_t bench_spawn_read(
    const char *name, char *const argv[], FILE **out /* OUT */);

/* bench_spawn_wait: wait for a child of bench_spawn_read; its exit
 * status (128 when killed by a signal), or -1. */
int bench_spawn_wait(pid_t pid);

/* bench_free_port: a TCP port on 127.0.0.1 that was free a moment ago. */
int bench_free_port(void);

/* ---------------------------------------------------------------- output */

struct bench_machine {
	long nproc;
	char cpu[128];
	char kernel[256];
};

void bench_machine_probe(struct bench_machine *m);

/* Everything one run measured, for the table or the JSON document. */
struct bench_report {
	const struct bench_opts *o;
	struct bench_machine machine;
	const struct bench_data *d;
	const char *data_dir;
	const char *transport;
	int fresh;
	size_t echo_req, echo_reply; /* the echo payload: a due exchange */
	struct bench_lmdb_result lmdb1, lmdb100;
	struct bench_disk_result disk;
	struct bench_run echo[BENCH_MAX_LEVELS];
	struct bench_run runs[BENCH_MAX_RESULTS];
	int n_runs;
	uint64_t export_rows;
	double export_seconds;
	int export_done;
	struct bench_shell shell;
	struct bench_mem mem_before, mem_after;
	long peak_anon_kib; /* sampled every 100 ms during the scenarios */
	const char *server_log;
	/* PostgreSQL side by side (tools/bench-postgres), or why not. */
	struct bench_pg_run pg[2 * BENCH_MAX_LEVELS];
	int n_pg;
	char pg_note[512];
};

/* bench_postgres_run: tools/bench-postgres with the run's shape (o's
 * set size, duration and client counts) when PostgreSQL is installed;
 * fills r->pg, or says in r->pg_note why not. */
void bench_postgres_run(const struct bench_opts *o, struct bench_report *r);

/* bench_print_table: the human report on out. */
void bench_print_table(FILE *out, const struct bench_report *r);
/* bench_print_json: one JSON document on out (jansson). */
void bench_print_json(FILE *out, const struct bench_report *r);

#endif
