/* SPDX-License-Identifier: MIT */
/*
 * main.c: crm-bench's entry: options, then in one run and on one
 * transport: the LMDB ceiling, a fresh data set (or --data), crmd
 * started on a private address, the echo ceiling, every scenario at every
 * client count, the one-off measurements, and the report. It starts and
 * stops its own crmd and removes its temporary folder.
 */
#include <errno.h>
#include <getopt.h>
#include <lmdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#ifndef CRMD_PATH
#define CRMD_PATH "crmd"
#endif
#ifndef CRM_PATH
#define CRM_PATH "crm"
#endif

/* The default of --crmd and --crm: the one beside crm-bench (copied or
 * installed together), else the one built with it, else PATH's. */
static const char *
default_binary(const char *name, const char *built)
{
	static char bufs[2][4096];
	char *buf = bufs[strcmp(name, "crmd") == 0];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			int m = snprintf(
			    buf, sizeof(bufs[0]), "%s/%s", self, name);
			if (m > 0 && (size_t)m < sizeof(bufs[0]) &&
			    access(buf, X_OK) == 0) {
				return buf;
			}
		}
	}
	return access(built, X_OK) == 0 ? built : name;
}

/* ---------------------------------------------------------------- progress */

static struct {
	int on;
	int step, steps;
	char label[96];
} prog;

static void
progress_draw(double fraction)
{
	if (!prog.on) {
		return;
	}
	if (fraction < 0) {
		fraction = 0;
	}
	if (fraction > 1) {
		fraction = 1;
	}
	double all = prog.steps > 0 ? (prog.step + fraction) / prog.steps : 0;
	const int width = 30;
	int fill = (int)(all * width);
	char bar[64];
	for (int i = 0; i < width; i++) {
		bar[i] = i < fill ? '#' : '.';
	}
	bar[width] = '\0';
	fprintf(stderr, "\r\033[K[%s] %3.0f%% %s %3.0f%%", bar, all * 100,
	    prog.label, fraction * 100);
	fflush(stderr);
}

static void progress_step(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
progress_step(const char *fmt, ...)
{
	if (prog.label[0] != '\0') {
		prog.step++;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prog.label, sizeof(prog.label), fmt, ap);
	va_end(ap);
	progress_draw(0);
}

static void
progress_fill(double done, const char *what)
{
	if (prog.on) {
		snprintf(prog.label, sizeof(prog.label), "loading %s", what);
	}
	progress_draw(done);
}

static void
progress_end(void)
{
	if (prog.on) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}

/* ---------------------------------------------------------------- options */

static void
usage(FILE *out)
{
	fprintf(out,
	    "Usage: crm-bench [OPTION]...\n"
	    "Measure crmd against the ceilings of its transport (a nanomsg\n"
	    "REQ/REP echo) and its storage (LMDB durable commits), all in "
	    "one\n"
	    "run: due, customer show, customer find (a rep's, and a "
	    "manager's\n"
	    "over the team), log, log the first due, a mixed day, report\n"
	    "conversion and export followups, each at 1, 4, 16 and 64\n"
	    "concurrent clients; then crm -c 'due today' start to exit and\n"
	    "crmd's memory. Starts its own crmd on a private address.\n\n"
	    "  --quick            a smoke run: 200 customers, 3 follow-ups "
	    "each, 16 reps,\n"
	    "                     2 s per run, 1 and 4 clients, 20 shell "
	    "runs; the options\n"
	    "                     given beside it override these\n"
	    "  --data DIR         use the crm database in DIR (its data.mdb, "
	    "e.g. made\n"
	    "                     by crm-gen --data DIR; users admin, mgrNN, "
	    "repNNNN,\n"
	    "                     password \"" BENCH_PASSWORD "\"). The log, "
	    "log-due and mixed\n"
	    "                     scenarios add follow-ups to it. No crm "
	    "database\n"
	    "                     there (none, an empty data.mdb, another "
	    "program's,\n"
	    "                     one crm-gen did not finish): exit 2, "
	    "nothing started\n"
	    "  --copy             with --data: work on a copy, leave DIR as "
	    "it is\n"
	    "  --duration S       seconds per scenario and client count, "
	    "0.1..3600\n"
	    "                     (default 10)\n"
	    "  --clients LIST     client counts, 1..%d each, at most %d "
	    "(default 1,4,16,64)\n"
	    "  --only LIST        scenarios: "
	    "due,show,find,find-team,log,log-due,mixed,"
	    "report,"
	    "export\n"
	    "  --transport T      ipc (default) or tcp (127.0.0.1)\n"
	    "  --workers N        crmd worker threads, and the echo's, 1..256 "
	    "(default 4)\n"
	    "  --map-size BYTES   crmd --map-size, at least 1048576 (1 MiB)\n"
	    "  --customers N      fresh set: customers, 1..100000000 "
	    "(default 2000)\n"
	    "  --followups N      fresh set: follow-ups per customer, "
	    "0..100 (default 5)\n"
	    "  --reps N           fresh set: reps, 1..100000000 (default "
	    "64)\n"
	    "  --shell-runs N     crm -c runs to time, 0..10000 (1..10000 "
	    "with\n"
	    "                     --shell-only; default 100)\n"
	    "  --shell-only       only time crm -c 'due today' against the "
	    "server and\n"
	    "                     session of this environment (e.g. tools/run "
	    "--keep-server's\n"
	    "                     demo), with /bin/true as the baseline\n"
	    "  --crmd PATH        the server (default %s)\n"
	    "  --crm PATH         the shell (default %s)\n"
	    "  --tmpdir DIR       where the temporary folder goes (default\n"
	    "                     $TMPDIR, else /var/tmp: a real disk, for "
	    "fsync)\n"
	    "  --keep             keep the temporary folder (and crmd's log "
	    "in it)\n"
	    "  --leaves           run crmd --trace-leaves and print, for each "
	    "write\n"
	    "                     scenario, the B-tree leaves a write "
	    "changed, "
	    "by\n"
	    "                     database (crmd then seeks each key written "
	    "after\n"
	    "                     its commits: its rates are not the plain "
	    "run's)\n"
	    "  --no-postgres      do not run tools/bench-postgres beside the "
	    "log and due\n"
	    "                     scenarios (run when PostgreSQL is "
	    "installed, not with --quick)\n"
	    "  --seed N           random seed, 0..%lu (default 1)\n"
	    "  --format F         table (default) or json\n"
	    "  -h, --help         this help\n\n"
	    "Latency is measured by the clients; crmd's own columns "
	    "(requests,\n"
	    "srv p50.., cpu/req) count what req/s counts: for mixed every "
	    "request of\n"
	    "the mix; its x lmdb1 divides its logs alone (logs/s) by "
	    "LMDB's rate.\n"
	    "The targets assume 1,000,000 customers: on a smaller set each "
	    "is n/a,\n"
	    "with what was measured. A progress bar goes to "
	    "standard\nerror when it is a terminal. The report comes at the "
	    "end: SIGINT or\nSIGTERM stops crmd, removes the temporary "
	    "folder and prints none\n(exit 130 or 143). Exits 1 when a "
	    "request failed, 2 on a usage error.\n",
	    BENCH_MAX_CLIENTS, BENCH_MAX_LEVELS,
	    default_binary("crmd", CRMD_PATH), default_binary("crm", CRM_PATH),
	    (unsigned long)~0ul);
}

/* A decimal number in min..max; 0 or -1 (nothing printed). */
static int
parse_uint(const char *s, size_t len, unsigned long min, unsigned long max,
    unsigned long *v)
{
	char buf[32], *end;
	if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9') {
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	unsigned long x = strtoul(buf, &end, 10);
	if (*end != '\0' || errno || x < min || x > max) {
		return -1;
	}
	*v = x;
	return 0;
}

/* An option's number in min..max, or a message that says so. */
static int
option_uint(const char *opt, const char *s, unsigned long min,
    unsigned long max, unsigned long *v)
{
	if (parse_uint(s, strlen(s), min, max, v) != 0) {
		fprintf(stderr,
		    "crm-bench: %s wants a number %lu..%lu, not '%s'\n", opt,
		    min, max, s);
		return -1;
	}
	return 0;
}

/* --clients: numbers 1..BENCH_MAX_CLIENTS, comma-separated, at most
 * BENCH_MAX_LEVELS of them, no empty item. */
static int
parse_clients(const char *s, struct bench_opts *o)
{
	int n = 0, levels[BENCH_MAX_LEVELS];
	for (const char *t = s;; t++) {
		size_t len = strcspn(t, ",");
		unsigned long v;
		if (n == BENCH_MAX_LEVELS ||
		    parse_uint(t, len, 1, BENCH_MAX_CLIENTS, &v) != 0) {
			fprintf(stderr,
			    "crm-bench: --clients wants numbers 1..%d, "
			    "comma-separated, at most %d of them, not "
			    "'%s'\n",
			    BENCH_MAX_CLIENTS, BENCH_MAX_LEVELS, s);
			return -1;
		}
		levels[n++] = (int)v;
		t += len;
		if (*t == '\0') {
			break;
		}
	}
	memcpy(o->clients, levels, (size_t)n * sizeof(levels[0]));
	o->n_clients = n;
	return 0;
}

static int
selected(const struct bench_opts *o, const char *name)
{
	if (o->only == NULL) {
		return 1;
	}
	size_t n = strlen(name);
	for (const char *p = o->only; *p != '\0';) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0) {
			return 1;
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

/* What is wrong with the LMDB data in dir as a crm database (NULL:
 * nothing), looked at read-only as crmd would find it at start
 * (server/store.c: open_dbs): LMDB opens it, it has crm's meta database
 * and schema, and no crm-gen left it unfinished ("unfinished" in meta,
 * STORE_UNFINISHED). */
static const char *
lmdb_problem(const char *dir, char *buf, size_t len)
{
	MDB_env *env;
	MDB_txn *txn = NULL;
	MDB_dbi meta;
	MDB_val schema = { 6, "schema" }, unfinished = { 10, "unfinished" };
	MDB_val v;
	const char *why = NULL;
	int rc = mdb_env_create(&env);
	if (rc == 0) {
		mdb_env_set_maxdbs(env, 4);
		rc = mdb_env_open(env, dir, MDB_RDONLY, 0600);
	}
	if (rc == 0) {
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	}
	if (rc != 0) {
		snprintf(buf, len, "LMDB cannot read its data.mdb (%s)",
		    mdb_strerror(rc));
		why = buf;
	} else if (mdb_dbi_open(txn, "meta", 0, &meta) != 0 ||
	           mdb_get(txn, meta, &schema, &v) != 0) {
		why = "its data.mdb has no crm meta database (another "
		      "program's LMDB data, or none yet)";
	} else if (mdb_get(txn, meta, &unfinished, &v) == 0) {
		why = "it holds a data set crm-gen did not finish, or is "
		      "still making";
	}
	if (txn != NULL) {
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return why;
}

/* --data: a folder with a crm database in it, checked before anything
 * starts: crmd would make an empty one in a folder without, and refuse
 * (after its start, exit 1) an empty data.mdb (what a failed copy
 * leaves), another program's data or a set crm-gen did not finish; all
 * are "no crm database" here, exit 2. The look leaves no lock.mdb it
 * made behind. */
static int
check_data(const char *dir)
{
	struct stat st;
	char *mdb = crm_xasprintf("%s/data.mdb", dir);
	char *lock = crm_xasprintf("%s/lock.mdb", dir);
	char buf[200];
	const char *why = NULL;
	int had_lock = stat(lock, &st) == 0;
	int ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	         stat(mdb, &st) == 0 && S_ISREG(st.st_mode);
	if (ok && st.st_size == 0) {
		why = "its data.mdb is empty (0 bytes)";
	} else if (ok) {
		why = lmdb_problem(dir, buf, sizeof(buf));
	}
	if (ok && why != NULL && !had_lock) {
		(void)unlink(lock);
	}
	free(mdb);
	free(lock);
	if (!ok || why != NULL) {
		fprintf(stderr,
		    "crm-bench: --data %s: no crm database there%s%s (make "
		    "one with crm-gen --data DIR)\n",
		    dir, why ? ": " : "", why ? why : "");
		return -1;
	}
	return 0;
}

enum {
	OPT_QUICK = 256,
	OPT_DATA,
	OPT_COPY,
	OPT_DURATION,
	OPT_CLIENTS,
	OPT_ONLY,
	OPT_TRANSPORT,
	OPT_WORKERS,
	OPT_MAP,
	OPT_CUSTOMERS,
	OPT_FOLLOWUPS,
	OPT_REPS,
	OPT_SHELL,
	OPT_CRMD,
	OPT_CRM,
	OPT_TMP,
	OPT_KEEP,
	OPT_SEED,
	OPT_FORMAT,
	OPT_SHELL_ONLY,
	OPT_NO_POSTGRES,
	OPT_LEAVES,
};

/* Returns 0 to run, 1 to exit 0 (help), -1 on a usage error. */
static int
parse_options(struct bench_opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "copy", no_argument, NULL, OPT_COPY },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "clients", required_argument, NULL, OPT_CLIENTS },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "map-size", required_argument, NULL, OPT_MAP },
		{ "customers", required_argument, NULL, OPT_CUSTOMERS },
		{ "followups", required_argument, NULL, OPT_FOLLOWUPS },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "shell-runs", required_argument, NULL, OPT_SHELL },
		{ "crmd", required_argument, NULL, OPT_CRMD },
		{ "crm", required_argument, NULL, OPT_CRM },
		{ "tmpdir", required_argument, NULL, OPT_TMP },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "shell-only", no_argument, NULL, OPT_SHELL_ONLY },
		{ "no-postgres", no_argument, NULL, OPT_NO_POSTGRES },
		{ "leaves", no_argument, NULL, OPT_LEAVES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->crmd = default_binary("crmd", CRMD_PATH);
	o->crm = default_binary("crm", CRM_PATH);
	o->duration = 10;
	o->workers = 4;
	o->customers = 2000;
	o->followups = 5;
	o->reps = 64;
	o->shell_runs = 100;
	o->seed = 1;
	parse_clients("1,4,16,64", o);
	const char *clients = NULL, *t;
	int given_duration = 0, given_customers = 0, given_followups = 0,
	    given_reps = 0, given_shell = 0, ch;
	unsigned long v;
	while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (ch) {
		case OPT_QUICK:
			o->quick = 1;
			break;
		case OPT_DATA:
			o->data = optarg;
			break;
		case OPT_COPY:
			o->copy = 1;
			break;
		case OPT_DURATION: {
			char *end;
			o->duration = strtod(optarg, &end);
			if (*end != '\0' || !(o->duration >= 0.1) ||
			    o->duration > 3600) {
				fprintf(stderr, "crm-bench: --duration wants "
				                "0.1..3600 seconds\n");
				return -1;
			}
			given_duration = 1;
			break;
		}
		case OPT_CLIENTS:
			clients = optarg;
			break;
		case OPT_ONLY:
			o->only = optarg;
			break;
		case OPT_TRANSPORT:
			if (strcmp(optarg, "ipc") != 0 &&
			    strcmp(optarg, "tcp") != 0) {
				fprintf(stderr,
				    "crm-bench: --transport is ipc "
				    "or tcp\n");
				return -1;
			}
			o->tcp = optarg[0] == 't';
			break;
		case OPT_WORKERS:
			if (option_uint("--workers", optarg, 1, 256, &v) !=
			    0) {
				return -1;
			}
			o->workers = (int)v;
			break;
		case OPT_MAP:
			/* What crmd takes, checked before anything starts. */
			if (parse_uint(optarg, strlen(optarg), 1ul << 20, ~0ul,
			        &v) != 0) {
				fprintf(stderr,
				    "crm-bench: --map-size wants bytes, at "
				    "least 1048576 (1 MiB), not '%s'\n",
				    optarg);
				return -1;
			}
			o->map_size = optarg;
			break;
		case OPT_CUSTOMERS:
			if (option_uint("--customers", optarg, 1, 100000000,
			        &v) != 0) {
				return -1;
			}
			o->customers = (unsigned)v;
			given_customers = 1;
			break;
		case OPT_FOLLOWUPS:
			if (option_uint("--followups", optarg, 0, 100, &v) !=
			    0) {
				return -1;
			}
			o->followups = (unsigned)v;
			given_followups = 1;
			break;
		case OPT_REPS:
			if (option_uint("--reps", optarg, 1, 100000000, &v) !=
			    0) {
				return -1;
			}
			o->reps = (unsigned)v;
			given_reps = 1;
			break;
		case OPT_SHELL:
			if (option_uint(
			        "--shell-runs", optarg, 0, 10000, &v) != 0) {
				return -1;
			}
			o->shell_runs = (int)v;
			given_shell = 1;
			break;
		case OPT_CRMD:
			o->crmd = optarg;
			break;
		case OPT_CRM:
			o->crm = optarg;
			break;
		case OPT_TMP:
			o->tmpdir = optarg;
			break;
		case OPT_KEEP:
			o->keep = 1;
			break;
		case OPT_SEED:
			if (option_uint("--seed", optarg, 0, ~0ul, &v) != 0) {
				return -1;
			}
			o->seed = v;
			break;
		case OPT_SHELL_ONLY:
			o->shell_only = 1;
			break;
		case OPT_NO_POSTGRES:
			o->no_postgres = 1;
			break;
		case OPT_LEAVES:
			o->leaves = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "table") != 0) {
				fprintf(stderr, "crm-bench: --format is table "
				                "or json\n");
				return -1;
			}
			o->json = optarg[0] == 'j';
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "crm-bench: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	/* --quick's small defaults, each unless given. */
	if (o->quick) {
		if (!given_duration) {
			o->duration = 2;
		}
		if (clients == NULL) {
			parse_clients("1,4", o);
		}
		if (!given_customers) {
			o->customers = 200;
		}
		if (!given_followups) {
			o->followups = 3;
		}
		if (!given_reps) {
			o->reps = 16;
		}
		if (!given_shell) {
			o->shell_runs = 20;
		}
	}
	if (clients != NULL && parse_clients(clients, o) != 0) {
		return -1;
	}
	if (o->shell_only && o->shell_runs == 0) {
		fprintf(stderr, "crm-bench: --shell-only wants --shell-runs "
		                "1..10000\n");
		return -1;
	}
	if (o->copy && o->data == NULL) {
		fprintf(stderr, "crm-bench: --copy goes with --data\n");
		return -1;
	}
	for (t = o->only; t != NULL;) {
		size_t len = strcspn(t, ","), k;
		for (k = 0; k < bench_n_scenarios; k++) {
			if (strlen(bench_scenarios[k].name) == len &&
			    strncmp(bench_scenarios[k].name, t, len) == 0) {
				break;
			}
		}
		if (k == bench_n_scenarios) {
			if (len == 0) {
				fprintf(stderr,
				    "crm-bench: --only: an empty "
				    "scenario name (the scenarios: ");
			} else {
				fprintf(stderr,
				    "crm-bench: --only: no scenario '%.*s' "
				    "(the scenarios: ",
				    (int)len, t);
			}
			for (k = 0; k < bench_n_scenarios; k++) {
				fprintf(stderr, "%s%s", k ? "," : "",
				    bench_scenarios[k].name);
			}
			fprintf(stderr, ", comma-separated)\n");
			return -1;
		}
		t = t[len] == ',' ? t + len + 1 : NULL;
	}
	if (o->data != NULL && check_data(o->data) != 0) {
		return -1;
	}
	o->progress = isatty(STDERR_FILENO);
	return 0;
}

/* ---------------------------------------------------------------- run */

/* A binary given as a bare name is looked up in PATH. */
static const char *
find_binary(const char *path, char *buf, size_t len)
{
	if (strchr(path, '/') != NULL || access(path, X_OK) == 0) {
		return path;
	}
	const char *dirs = getenv("PATH");
	while (dirs != NULL && *dirs != '\0') {
		size_t n = strcspn(dirs, ":");
		snprintf(buf, len, "%.*s/%s", (int)n, dirs, path);
		if (access(buf, X_OK) == 0) {
			return buf;
		}
		dirs += n + (dirs[n] == ':');
	}
	return path;
}

static void
make_url(const struct bench_opts *o, const char *dir, const char *name,
    char *url, size_t len)
{
	if (o->tcp) {
		snprintf(url, len, "tcp://127.0.0.1:%d", bench_free_port());
	} else {
		snprintf(url, len, "ipc://%s/%s.ipc", dir, name);
	}
}

/* Lines of crmd's log show_log prints at most: what it said last. */
#define LOG_TAIL 20

/* crmd's last LOG_TAIL lines on stderr, and where the whole log is when
 * the temporary folder is kept (without --keep it goes with the run, so
 * its path would name nothing). */
static void
show_log(const char *path, int keep)
{
	static char tail[LOG_TAIL][512];
	FILE *f = fopen(path, "r");
	size_t n = 0;
	char line[512];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		snprintf(tail[n % LOG_TAIL], sizeof(tail[0]), "%s", line);
		n++;
	}
	if (f != NULL) {
		fclose(f);
	}
	if (n == 0) {
		fprintf(stderr, "crm-bench: crmd's log is empty\n");
		return;
	}
	fprintf(stderr, "crm-bench: crmd's log%s:\n",
	    n > LOG_TAIL ? ", its last lines" : "");
	for (size_t i = n > LOG_TAIL ? n - LOG_TAIL : 0; i < n; i++) {
		const char *l = tail[i % LOG_TAIL];
		fprintf(stderr, "  %s%s", l,
		    l[0] != '\0' && l[strlen(l) - 1] == '\n' ? "" : "\n");
	}
	if (keep) {
		fprintf(stderr, "crm-bench: the whole log: %s (kept)\n", path);
	}
}

static int
copy_data(const char *from, const char *to)
{
	MDB_env *env;
	int rc = mdb_env_create(&env);
	if (rc == 0) {
		rc = mdb_env_open(env, from, MDB_RDONLY, 0600);
		if (rc == 0) {
			rc = mdb_env_copy2(env, to, MDB_CP_COMPACT);
		}
		mdb_env_close(env);
	}
	if (rc != 0) {
		fprintf(stderr, "crm-bench: cannot copy %s: %s\n", from,
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* crmd's pid while scenarios run, and its largest RssAnon seen. */
static pid_t watched;
static long peak_anon_kib;

/* The runner's tick (every 100 ms): the progress bar, and crmd's memory
 * sampled, so the peak under load is known and not only the end state. */
static void
tick(double fraction)
{
	progress_draw(fraction);
	struct bench_mem m;
	if (watched > 0 && bench_proc_mem(watched, &m) == 0 &&
	    m.anon_kib > peak_anon_kib) {
		peak_anon_kib = m.anon_kib;
	}
}

struct run_state {
	struct bench_opts o;
	char dir[256];
	struct bench_server srv;
	struct bench_data d;
	struct bench_report rep;
};

/* Steps the progress bar counts. */
static int
count_steps(const struct bench_opts *o)
{
	int n = 7 + o->n_clients; /* lmdb x2, disk, data, echo, export, shell,
	                            pg */
	for (size_t i = 0; i < bench_n_scenarios; i++) {
		if (selected(o, bench_scenarios[i].name)) {
			n += o->n_clients;
		}
	}
	return n;
}

static int
prepare_data(struct run_state *s)
{
	const struct bench_opts *o = &s->o;
	struct bench_server *srv = &s->srv;
	progress_step("data");
	if (o->data == NULL) {
		snprintf(srv->data, sizeof(srv->data), "%s/db", s->dir);
		if (bench_server_user_add(
		        o->crmd, srv->data, "admin", "admin") != 0) {
			fprintf(stderr,
			    "crm-bench: `%s user add admin` "
			    "failed\n",
			    o->crmd);
			return -1;
		}
	} else if (o->copy) {
		snprintf(srv->data, sizeof(srv->data), "%s/db", s->dir);
		if (mkdir(srv->data, 0700) != 0 ||
		    copy_data(o->data, srv->data) != 0) {
			return -1;
		}
	} else {
		snprintf(srv->data, sizeof(srv->data), "%s", o->data);
		if (selected(o, "log") || selected(o, "log-due") ||
		    selected(o, "mixed")) {
			fprintf(stderr,
			    "crm-bench: note: the log, log-due and mixed "
			    "scenarios add "
			    "follow-ups to %s (use --copy to leave it as it "
			    "is)\n",
			    o->data);
		}
	}
	snprintf(srv->log, sizeof(srv->log), "%s/crmd.log", s->dir);
	make_url(o, s->dir, "crmd", srv->url, sizeof(srv->url));
	if (bench_server_start(o, srv) != 0) {
		show_log(srv->log, o->keep);
		return -1;
	}
	if (o->data == NULL) {
		uint64_t t0 = bench_now_ns();
		if (bench_data_fill(o, srv->url, progress_fill) != 0) {
			return -1;
		}
		s->d.fill_seconds = (double)(bench_now_ns() - t0) / 1e9;
	}
	double fill = s->d.fill_seconds;
	if (bench_data_discover(o, srv->url, &s->d) != 0) {
		return -1;
	}
	s->d.fill_seconds = fill;
	bench_data_count(srv->data, &s->d);
	return 0;
}

static int
run_all(struct run_state *s)
{
	const struct bench_opts *o = &s->o;
	struct bench_report *r = &s->rep;
	int failed = 0;
	char path[400];

	progress_step("lmdb: 1 put per commit");
	snprintf(path, sizeof(path), "%s/lmdb1", s->dir);
	failed |= bench_lmdb_run(path, o->duration, 1, &r->lmdb1);
	bench_remove_tree(path);
	progress_step("lmdb: 100 puts per commit");
	snprintf(path, sizeof(path), "%s/lmdb100", s->dir);
	failed |= bench_lmdb_run(path, o->duration, 100, &r->lmdb100);
	bench_remove_tree(path);
	progress_step("disk: a sync after scattered page writes");
	failed |= bench_disk_run(s->dir, o->quick ? 1 : 4, &r->disk);

	if (prepare_data(s) != 0) {
		return -1;
	}
	r->d = &s->d;

	/* The echo carries what a due exchange carries. */
	if (bench_sample_due(
	        s->srv.url, &s->d, &r->echo_req, &r->echo_reply) != 0) {
		fprintf(stderr, "crm-bench: a due request failed\n");
		return -1;
	}
	char echo_url[300];
	make_url(o, s->dir, "echo", echo_url, sizeof(echo_url));
	bench_echo *e = bench_echo_start(echo_url, o->workers, r->echo_reply);
	if (e == NULL) {
		fprintf(stderr,
		    "crm-bench: cannot start the echo server on "
		    "%s\n",
		    echo_url);
		return -1;
	}
	for (int i = 0; i < o->n_clients; i++) {
		progress_step("echo x%d", o->clients[i]);
		bench_scenario_run(o, echo_url, &s->d, &bench_echo_scenario,
		    o->clients[i], r->echo_req, progress_draw, &r->echo[i]);
		failed |= r->echo[i].s.errors > 0;
	}
	bench_echo_stop(e);

	bench_proc_mem(s->srv.pid, &r->mem_before);
	watched = s->srv.pid;
	peak_anon_kib = r->mem_before.anon_kib;
	for (size_t k = 0; k < bench_n_scenarios; k++) {
		const struct bench_scenario *sc = &bench_scenarios[k];
		if (!selected(o, sc->name)) {
			continue;
		}
		for (int i = 0; i < o->n_clients; i++) {
			struct bench_run *run = &r->runs[r->n_runs];
			progress_step("%s x%d", sc->name, o->clients[i]);
			/* What crmd did in the run: its I/O and its own
			 * counters, before and after (issue 19). */
			struct bench_srv_stats st0, st1;
			struct bench_io io0;
			bench_srv_stats(
			    s->srv.url, &s->d.admin, sc->bodies, &st0);
			bench_proc_io(s->srv.pid, &io0);
			struct bench_cpu cpu0;
			bench_proc_cpu(s->srv.pid, &cpu0);
			int started = bench_scenario_run(o, s->srv.url, &s->d,
			    sc, o->clients[i], 0, tick, run);
			run->io0 = io0;
			run->cpu0 = cpu0;
			bench_proc_cpu(s->srv.pid, &run->cpu1);
			bench_proc_io(s->srv.pid, &run->io1);
			bench_srv_stats(
			    s->srv.url, &s->d.admin, sc->bodies, &st1);
			bench_srv_delta(&st0, &st1, &run->srv);
			if (started != 0) {
				fprintf(stderr,
				    "crm-bench: %s: clients did "
				    "not start\n",
				    sc->name);
				failed = 1;
				continue;
			}
			if (run->s.errors > 0 || run->s.requests == 0) {
				progress_end();
				fprintf(stderr,
				    "crm-bench: %s x%d: %llu failed "
				    "requests, %llu answered\n",
				    sc->name, o->clients[i],
				    (unsigned long long)run->s.errors,
				    (unsigned long long)run->s.requests);
				failed = 1;
			}
			r->n_runs++;
		}
	}

	progress_step("export everything");
	r->export_done =
	    bench_export_all(s->srv.url, &s->d, o->quick ? 10 : 60,
	        &r->export_rows, &r->export_seconds) == 0;
	progress_step("crm -c 'due today'");
	snprintf(path, sizeof(path), "%s/home", s->dir);
	if (o->shell_runs > 0) {
		if (bench_shell_time(o->crm, s->srv.url, path, &s->d.reps[0],
		        o->shell_runs, &r->shell) != 0 ||
		    r->shell.failed > 0) {
			progress_end();
			fprintf(stderr,
			    "crm-bench: %s -c 'due today' failed "
			    "%d of %d times\n",
			    o->crm, r->shell.failed, r->shell.runs);
			failed = 1;
		}
	}
	bench_proc_mem(s->srv.pid, &r->mem_after);
	r->peak_anon_kib = peak_anon_kib > r->mem_after.anon_kib
	                       ? peak_anon_kib
	                       : r->mem_after.anon_kib;
	watched = 0;
	/* PostgreSQL with the same shape, after crmd's runs (issue 19). */
	if (o->no_postgres || o->quick) {
		snprintf(r->pg_note, sizeof(r->pg_note), "not run (%s)",
		    o->no_postgres ? "--no-postgres" : "--quick: a smoke run");
	} else if (selected(o, "log") || selected(o, "due")) {
		progress_step("PostgreSQL (tools/bench-postgres)");
		bench_postgres_run(o, r);
	} else {
		snprintf(r->pg_note, sizeof(r->pg_note),
		    "not run: neither log nor due was selected");
	}
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static struct run_state s;
	int rc = parse_options(&s.o, argc, argv);
	if (rc != 0) {
		return rc > 0 ? 0 : 2;
	}
	char crmd[512], crm[512];
	s.o.crmd = find_binary(s.o.crmd, crmd, sizeof(crmd));
	s.o.crm = find_binary(s.o.crm, crm, sizeof(crm));
	if (s.o.shell_only) {
		struct bench_shell sh;
		bench_shell_runs(s.o.crm, NULL,
		    s.o.shell_runs > 0 ? s.o.shell_runs : 1, &sh);
		bench_print_shell(stdout, &sh, s.o.json);
		if (sh.failed > 0) {
			fprintf(stderr,
			    "crm-bench: %s -c 'due today' failed %d of %d "
			    "times (is crmd running at $CRM_SERVER, and are "
			    "you logged in?)\n",
			    s.o.crm, sh.failed, sh.runs);
		}
		return sh.failed > 0 ? 1 : 0;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread (nanomsg's too): SIGINT and SIGTERM go to a
	 * thread that stops crmd and removes the temporary folder. */
	if (bench_signals_start() != 0) {
		fprintf(stderr, "crm-bench: cannot start the signal thread\n");
		return 1;
	}
	const char *tmp = s.o.tmpdir ? s.o.tmpdir : getenv("TMPDIR");
	snprintf(s.dir, sizeof(s.dir), "%s/crm-bench-XXXXXX",
	    tmp && *tmp ? tmp : "/var/tmp");
	if (bench_make_temp_dir(s.dir, s.o.keep) != 0) {
		perror(s.dir);
		return 1;
	}
	prog.on = s.o.progress;
	prog.steps = count_steps(&s.o);
	bench_machine_probe(&s.rep.machine);
	s.rep.o = &s.o;
	s.rep.d = &s.d;
	s.rep.fresh = s.o.data == NULL;
	s.rep.transport = s.o.tcp ? "tcp://127.0.0.1" : "ipc://";
	s.rep.server_log = s.srv.log;
	rc = run_all(&s);
	progress_end();
	s.rep.data_dir = s.o.data ? s.o.data : s.srv.data;
	if (s.srv.pid > 0) {
		int st = bench_server_stop(&s.srv);
		if (st > 128) {
			fprintf(stderr,
			    "crm-bench: crmd was killed by signal %d (%s)\n",
			    st - 128, strsignal(st - 128));
		} else if (st != 0) {
			fprintf(stderr,
			    "crm-bench: crmd exited with status %d\n", st);
		}
		if (st != 0) {
			show_log(s.srv.log, s.o.keep);
			rc = rc < 0 ? rc : 1;
		}
	}
	if (rc >= 0) {
		if (s.o.json) {
			bench_print_json(stdout, &s.rep);
		} else {
			bench_print_table(stdout, &s.rep);
		}
	}
	bench_data_free(&s.d);
	if (s.o.keep) {
		fprintf(stderr, "crm-bench: kept %s\n", s.dir);
	} else {
		bench_remove_tree(s.dir);
	}
	return rc == 0 ? 0 : 1;
}
