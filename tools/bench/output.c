/* SPDX-License-Identifier: MIT */
/*
 * output.c: what crm-bench prints: the machine, the data set, the two
 * ceilings, a table per scenario with its ratios to them, the one-off
 * measurements and the targets checked against this run. The
 * same numbers go to one JSON document with --format json (jansson; no
 * hand-made JSON).
 */
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#define MIB 1024.0

void
bench_machine_probe(struct bench_machine *m)
{
	memset(m, 0, sizeof(*m));
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->cpu, sizeof(m->cpu), "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0) {
			char *v = strchr(line, ':');
			if (v != NULL) {
				v += 1 + (v[1] == ' ');
				v[strcspn(v, "\n")] = '\0';
				snprintf(m->cpu, sizeof(m->cpu), "%s", v);
			}
			break;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname,
		    u.release, u.machine);
	}
}

/* ---------------------------------------------------------------- lookups */

static void print_leaves(
    FILE *out, const struct bench_report *r, const struct bench_scenario *sc);

static const struct bench_run *
find_run(const struct bench_report *r, const char *name, int clients)
{
	for (int i = 0; i < r->n_runs; i++) {
		if (r->runs[i].clients == clients &&
		    strcmp(r->runs[i].sc->name, name) == 0) {
			return &r->runs[i];
		}
	}
	return NULL;
}

static const struct bench_run *
find_echo(const struct bench_report *r, int clients)
{
	for (int i = 0; i < r->o->n_clients; i++) {
		if (r->echo[i].clients == clients && r->echo[i].s.rps > 0) {
			return &r->echo[i];
		}
	}
	return NULL;
}

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* The durable writes (logs) a second a run's clients had answered in
 * the measured time: every request of log, the logs alone of mixed. */
static double
logs_per_s(const struct bench_run *run)
{
	return ratio((double)run->writes, run->s.seconds);
}

/* What crmd wrote in a run, per write it committed (issue 19). */
struct per_write {
	int ok;
	double writes, commits, per_commit;
	double wchar, disk, pages, syscw; /* per write, from /proc/PID/io */
	/* pages: wchar / page size (disk: write_bytes, see per_write) */
	double lmdb_pages; /* per commit, the writer thread's */
};

static void
per_write(const struct bench_run *run, struct per_write *w)
{
	memset(w, 0, sizeof(*w));
	const struct bench_srv_run *s = &run->srv;
	if (!s->ok || !run->io0.ok || !run->io1.ok || s->writes == 0) {
		return;
	}
	double page = s->page_size ? s->page_size : 4096;
	w->ok = 1;
	w->writes = (double)s->writes;
	w->commits = (double)s->commits;
	w->per_commit = ratio(w->writes, w->commits);
	w->wchar = (double)(run->io1.wchar - run->io0.wchar) / w->writes;
	w->disk =
	    (double)(run->io1.write_bytes - run->io0.write_bytes) / w->writes;
	/* Pages from wchar: LMDB writes whole pages with pwrite/writev.
	 * write_bytes is no page count here: on kernels with large folios a
	 * 4 KiB write into a cached 2 MiB folio counts 2 MiB. */
	w->pages = w->wchar / page;
	w->syscw = (double)(run->io1.syscw - run->io0.syscw) / w->writes;
	w->lmdb_pages = ratio((double)s->write_bytes / page, w->commits);
}

/* The most writes a second a run's commits allow from their syncs alone:
 * its pages a commit at the disk's price (bench_disk_commit_us), its
 * writes a commit. 0 when not measured. */
static double
sync_ceiling(const struct bench_report *r, const struct per_write *w)
{
	if (!r->disk.ok || !w->ok || w->commits <= 0) {
		return 0;
	}
	return w->per_commit * 1e6 /
	       bench_disk_commit_us(&r->disk, w->lmdb_pages);
}

/* The writes crmd committed a second over a run (a mixed run's reads
 * left out). */
static double
writes_per_s(const struct bench_run *run)
{
	if (!run->srv.ok || !run->cpu0.ok || !run->cpu1.ok ||
	    run->cpu1.ns <= run->cpu0.ns) {
		return run->s.rps;
	}
	return (double)run->srv.writes * 1e9 /
	       (double)(run->cpu1.ns - run->cpu0.ns);
}

/* Under a write scenario's table of pages: what those pages cost to sync
 * on this disk, and how near each run came to that ceiling. */
static void
print_sync_ceiling(
    FILE *out, const struct bench_report *r, const struct bench_scenario *sc)
{
	if (!r->disk.ok) {
		return;
	}
	fprintf(out,
	    "  the syncs' ceiling: a commit of that many pages syncs in "
	    "about 2 x %.0f us + %.1f us a page on this disk (above; LMDB "
	    "syncs the pages, then the meta page)\n",
	    r->disk.sync_us, r->disk.page_us);
	fprintf(out, "  %7s %12s %14s %12s %8s\n", "clients", "sync/commit",
	    "writes/s", "measured", "of it");
	for (int i = 0; i < r->n_runs; i++) {
		const struct bench_run *run = &r->runs[i];
		struct per_write w;
		if (run->sc != sc) {
			continue;
		}
		per_write(run, &w);
		double c = sync_ceiling(r, &w);
		if (c <= 0) {
			continue;
		}
		double wps = writes_per_s(run);
		fprintf(out, "  %7d %9.2f ms %14.0f %12.0f %7.0f %%\n",
		    run->clients,
		    bench_disk_commit_us(&r->disk, w.lmdb_pages) / 1e3, c, wps,
		    100.0 * wps / c);
	}
}

/* Where crmd's writer thread spent a run, as shares of its wall time: on
 * a CPU, runnable without one, and in commits (writing the pages and
 * syncing: crmd's own sum). 0 when not measured. */
struct writer_time {
	int ok;
	double on_cpu, cpu_wait, in_commits;
};

static void
writer_time(const struct bench_run *run, struct writer_time *t)
{
	memset(t, 0, sizeof(*t));
	if (!run->cpu0.writer_ok || !run->cpu1.writer_ok || !run->srv.ok ||
	    run->cpu1.ns <= run->cpu0.ns) {
		return;
	}
	double wall = (double)(run->cpu1.ns - run->cpu0.ns);
	t->ok = 1;
	t->on_cpu =
	    (double)(run->cpu1.writer_run_ns - run->cpu0.writer_run_ns) / wall;
	t->cpu_wait =
	    (double)(run->cpu1.writer_wait_ns - run->cpu0.writer_wait_ns) /
	    wall;
	t->in_commits = (double)run->srv.commit_us * 1e3 / wall;
}

static void
print_writer_time(
    FILE *out, const struct bench_report *r, const struct bench_scenario *sc)
{
	int header = 0;
	for (int i = 0; i < r->n_runs; i++) {
		const struct bench_run *run = &r->runs[i];
		struct writer_time t;
		if (run->sc != sc) {
			continue;
		}
		writer_time(run, &t);
		if (!t.ok) {
			continue;
		}
		if (!header) {
			fprintf(out,
			    "  crmd's writer thread over the run, shares of "
			    "its "
			    "time (schedstat; commits: crmd's own sum of "
			    "mdb_txn_commit, which writes the pages and syncs "
			    "them; the shares overlap, a commit's CPU time "
			    "counting in both, so they can sum past 100 "
			    "%%)\n");
			fprintf(out, "  %7s %9s %16s %11s\n", "clients",
			    "on a CPU", "waiting for one", "in commits");
			header = 1;
		}
		fprintf(out, "  %7d %8.0f %% %15.0f %% %10.0f %%\n",
		    run->clients, 100 * t.on_cpu, 100 * t.cpu_wait,
		    100 * t.in_commits);
	}
}

/* What a run cost in CPU: crmd's per request of the scenario's type
 * (crmd's count, so the warm-up is in both), and the cores crmd and the
 * whole machine kept busy on average. */
struct run_cpu {
	double per_req_us, crmd_cores, host_cores;
};

static int
run_cpu(const struct bench_run *run, struct run_cpu *c)
{
	memset(c, 0, sizeof(*c));
	if (!run->cpu0.ok || !run->cpu1.ok || !run->srv.ok ||
	    run->srv.count == 0 || run->cpu1.ns <= run->cpu0.ns) {
		return 0;
	}
	double wall = (double)(run->cpu1.ns - run->cpu0.ns) / 1e9;
	double crmd = run->cpu1.crmd_s - run->cpu0.crmd_s;
	c->per_req_us = crmd * 1e6 / (double)run->srv.count;
	c->crmd_cores = crmd / wall;
	c->host_cores = (run->cpu1.host_busy_s - run->cpu0.host_busy_s) / wall;
	return 1;
}

static const struct bench_pg_run *
find_pg(const struct bench_report *r, const char *txn, int clients)
{
	for (int i = 0; i < r->n_pg; i++) {
		if (r->pg[i].clients == clients &&
		    strcmp(r->pg[i].txn, txn) == 0) {
			return &r->pg[i];
		}
	}
	return NULL;
}

/* PostgreSQL's bytes per transaction: its WAL and the data pages (8 KiB)
 * the run dirtied. */
static double
pg_bytes(const struct bench_pg_run *g)
{
	return g->wal_bytes + g->pages * 8192.0;
}

/* ---------------------------------------------------------------- targets */

/* The set the targets assume (issues 5 and 19): 1,000,000 customers and
 * 10,000,000 follow-ups. On a smaller set the trees are shallower and
 * held in memory: a verdict there says nothing about the goal (an
 * export of 100,000 rows is no export of a million), so a row prints
 * what was measured and "n/a", and says why. */
#define TARGET_CUSTOMERS 1000000

struct target {
	const char *what;
	const char *goal;
	char measured[160];
	const char *status; /* "met", "not met", "n/a" */
	char why[96];       /* for n/a: why no verdict ("" otherwise) */
};

#define MAX_TARGETS 20

/* Whether this run's set is the size the targets assume. */
static int
full_size(const struct bench_report *r)
{
	return r->d != NULL && r->d->customers >= TARGET_CUSTOMERS;
}

/* t's verdict, ok or not, on a set of the size the targets assume;
 * "n/a" on a smaller one. */
static void
verdict(const struct bench_report *r, struct target *t, int ok)
{
	if (!full_size(r)) {
		t->status = "n/a";
		snprintf(t->why, sizeof(t->why),
		    "%llu customers: the targets assume 1,000,000",
		    r->d != NULL ? (unsigned long long)r->d->customers : 0ull);
		return;
	}
	t->status = ok ? "met" : "not met";
}

/* t is not measured in this run: n/a, and which scenario did not run at
 * how many clients. */
static void
not_run(struct target *t, const char *scenarios, int clients)
{
	t->status = "n/a";
	snprintf(t->measured, sizeof(t->measured),
	    "%s: not run at %d client%s", scenarios, clients,
	    clients == 1 ? "" : "s");
}

/* A time in the JSON report, or null when nothing was timed. */
static json_t *
ms_or_null(double v, int timed)
{
	return timed ? json_real(v) : json_null();
}

/* crm -c 'due today' timed, for the JSON report. No run timed (none
 * asked for, or every one failed): null times, not zeros that read as
 * instant. */
static json_t *
shell_json(const struct bench_shell *sh)
{
	int timed = sh->runs > sh->failed, base = sh->runs > 0;
	return json_pack(
	    "{s:s, s:i, s:i, s:o, s:o, s:o, s:o, s:{s:s, s:o, s:o}}",
	    "command", "crm -c 'due today'", "runs", sh->runs, "failed",
	    sh->failed, "p50_ms", ms_or_null(sh->p50_ms, timed), "p95_ms",
	    ms_or_null(sh->p95_ms, timed), "min_ms",
	    ms_or_null(sh->min_ms, timed), "max_ms",
	    ms_or_null(sh->max_ms, timed), "baseline", "command",
	    BENCH_BASELINE, "p50_ms", ms_or_null(sh->base_p50_ms, base),
	    "p95_ms", ms_or_null(sh->base_p95_ms, base));
}

/* Which of due and show did not run, for not_run. */
static const char *
missing_of(const void *due, const void *show)
{
	return due == NULL && show == NULL ? "due and show"
	       : due == NULL               ? "due"
	                                   : "show";
}

/* PostgreSQL's ratio row when there is no pair of log runs at 16 clients
 * to hold against each other: what ran instead. */
static void
pg_missing(const struct bench_report *r, const struct bench_run *log16,
    const struct bench_pg_run *pg16, struct target *t)
{
	t->status = "n/a";
	if (r->n_pg == 0) {
		snprintf(t->measured, sizeof(t->measured), "PostgreSQL %.140s",
		    r->pg_note[0] ? r->pg_note : "not run");
		return;
	}
	if (pg16 == NULL) {
		char ran[64] = "";
		for (int i = 0; i < r->n_pg; i++) {
			size_t n = strlen(ran);
			if (strcmp(r->pg[i].txn, "log") == 0) {
				snprintf(ran + n, sizeof(ran) - n, "%s%d",
				    n ? ", " : "", r->pg[i].clients);
			}
		}
		snprintf(t->measured, sizeof(t->measured),
		    "PostgreSQL's log ran at %s client%s, not 16: see "
		    "PostgreSQL above",
		    ran[0] ? ran : "no",
		    strcmp(ran, "1") == 0 || !ran[0] ? "" : "s");
		return;
	}
	snprintf(t->measured, sizeof(t->measured),
	    "%s (PostgreSQL's log ran at 16 clients: %.0f tps)",
	    log16 == NULL ? "crm's log did not run at 16 clients"
	                  : "PostgreSQL's log rate is 0",
	    pg16->tps);
}

static int
targets(const struct bench_report *r, struct target *t)
{
	int n = 0;
	const struct bench_run *e16 = find_echo(r, 16), *e1 = find_echo(r, 1);
	const struct bench_run *due16 = find_run(r, "due", 16),
	                       *show16 = find_run(r, "show", 16),
	                       *due1 = find_run(r, "due", 1),
	                       *show1 = find_run(r, "show", 1),
	                       *team1 = find_run(r, "find-team", 1),
	                       *log16 = find_run(r, "log", 16),
	                       *rep1 = find_run(r, "report", 1);
	memset(t, 0, MAX_TARGETS * sizeof(*t));

	/* Issue 5's read and log ratios, then issue 19's (README,
	 * Performance): one goal each, labelled by its issue. */
	t[n].what = "reads (due, customer show) at 16 clients (issue 5)";
	t[n].goal = ">= 0.8 x echo";
	if (e16 && due16 && show16) {
		double a = ratio(due16->s.rps, e16->s.rps),
		       b = ratio(show16->s.rps, e16->s.rps);
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "due %.2f x, show %.2f x", a, b);
		verdict(r, &t[n], a >= 0.8 && b >= 0.8);
	} else {
		not_run(&t[n], missing_of(due16, show16), 16);
	}
	n++;

	t[n].what = "due at 16 clients (issue 19)";
	t[n].goal = ">= 0.9 x echo";
	if (e16 && due16) {
		double a = ratio(due16->s.rps, e16->s.rps);
		snprintf(t[n].measured, sizeof(t[n].measured), "%.2f x", a);
		verdict(r, &t[n], a >= 0.9);
	} else {
		not_run(&t[n], "due", 16);
	}
	n++;

	t[n].what = "single-client latency (p50, due and show) (issue 5)";
	t[n].goal = "<= 1.3 x echo";
	if (e1 && due1 && show1 &&
	    (due1->s.requests == 0 || show1->s.requests == 0)) {
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "none answered in a run");
		verdict(r, &t[n], 0);
	} else if (e1 && due1 && show1) {
		double a = ratio(due1->s.p50_us, e1->s.p50_us),
		       b = ratio(show1->s.p50_us, e1->s.p50_us);
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "due %.2f x, show %.2f x (echo %.0f us)", a, b,
		    e1->s.p50_us);
		verdict(r, &t[n], a <= 1.3 && b <= 1.3);
	} else {
		not_run(&t[n], missing_of(due1, show1), 1);
	}
	n++;

	t[n].what = "due p50 at 1 client (issue 19)";
	t[n].goal = "<= 1.5 x echo";
	if (e1 && due1 && due1->s.requests > 0) {
		double a = ratio(due1->s.p50_us, e1->s.p50_us);
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.2f x (%.0f vs %.0f us)", a, due1->s.p50_us,
		    e1->s.p50_us);
		verdict(r, &t[n], a <= 1.5);
	} else {
		not_run(&t[n], "due", 1);
	}
	n++;

	t[n].what = "manager customer find p50 at 1 client (issue 19)";
	t[n].goal = "< 1 ms";
	if (team1 && team1->s.requests > 0) {
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.0f us (crmd's own %.0f us)", team1->s.p50_us,
		    team1->srv.p50_us);
		verdict(r, &t[n], team1->s.p50_us < 1000);
	} else {
		not_run(&t[n], "find-team", 1);
	}
	n++;

	t[n].what = "durable log at 16 clients (issue 5)";
	t[n].goal = ">= 0.5 x echo";
	if (e16 && log16) {
		double a = ratio(log16->s.rps, e16->s.rps);
		snprintf(t[n].measured, sizeof(t[n].measured), "%.2f x", a);
		verdict(r, &t[n], a >= 0.5);
	} else {
		not_run(&t[n], "log", 16);
	}
	n++;

	t[n].what = "durable log at 16 clients (issue 19)";
	t[n].goal = ">= 0.3 x echo";
	if (e16 && log16) {
		double a = ratio(log16->s.rps, e16->s.rps);
		snprintf(t[n].measured, sizeof(t[n].measured), "%.2f x", a);
		verdict(r, &t[n], a >= 0.3);
	} else {
		not_run(&t[n], "log", 16);
	}
	n++;

	const struct bench_pg_run *pg16 = find_pg(r, "log", 16);
	t[n].what = "durable log at 16 clients vs PostgreSQL (issue 19)";
	t[n].goal = ">= 3 x pgbench";
	if (log16 && pg16 && pg16->tps > 0) {
		double a = ratio(log16->s.rps, pg16->tps);
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.2f x (%.0f vs %.0f tps)", a, log16->s.rps, pg16->tps);
		verdict(r, &t[n], a >= 3);
	} else {
		pg_missing(r, log16, pg16, &t[n]);
	}
	n++;

	struct per_write w16;
	if (log16) {
		per_write(log16, &w16);
	} else {
		memset(&w16, 0, sizeof(w16));
	}
	t[n].what = "pages written per log at 16 clients (issue 19)";
	t[n].goal = "<= 12 pages (48 KB)";
	if (w16.ok) {
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.1f pages (%.0f bytes: /proc/PID/io wchar)", w16.pages,
		    w16.wchar);
		verdict(r, &t[n], w16.pages <= 12);
	} else {
		not_run(&t[n], "log", 16);
	}
	n++;

	t[n].what = "due p99 at 1 client, server side (crmd's histogram)";
	t[n].goal = "< 200 us";
	if (due1 && due1->srv.count > 0) {
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.0f us (bucket upper edge; client side %.0f us)",
		    due1->srv.p99_us, due1->s.p99_us);
		verdict(r, &t[n], due1->srv.p99_us < 200);
	} else {
		not_run(&t[n], "due", 1);
	}
	n++;

	t[n].what = "report conversion for a team (p99, 1 client)";
	t[n].goal = "< 50 ms";
	if (rep1 && rep1->s.requests == 0) {
		/* None answered within the run: slower than the run, not
		 * 0 ms. crmd's own histogram may hold the ones that ended
		 * after it. */
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "none answered in the run (crmd's own p50 %.1f s)",
		    rep1->srv.count > 0 ? (double)rep1->srv.p50_us / 1e6
		                        : 0.0);
		verdict(r, &t[n], 0);
	} else if (rep1) {
		snprintf(t[n].measured, sizeof(t[n].measured), "%.1f ms",
		    rep1->s.p99_us / 1000);
		verdict(r, &t[n], rep1->s.p99_us < 50000);
	} else {
		not_run(&t[n], "report", 1);
	}
	n++;

	t[n].what = "export followups, 1,000,000 rows";
	t[n].goal = "< 5 s";
	if (r->export_rows > 0 && r->export_seconds > 0) {
		double rate = r->export_rows / r->export_seconds;
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.0f rows/s: %.1f s per million (%llu rows in %.2f s%s)",
		    rate, 1e6 / rate, (unsigned long long)r->export_rows,
		    r->export_seconds, r->export_done ? "" : ", stopped");
		verdict(r, &t[n], 1e6 / rate < 5);
	} else {
		t[n].status = "n/a";
	}
	n++;

	t[n].what = "crm -c 'due today', start to exit (p50)";
	t[n].goal = "< 5 ms";
	if (r->shell.runs > 0 && r->shell.failed < r->shell.runs) {
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.1f ms (p95 %.1f ms; %.1f x " BENCH_BASELINE ")",
		    r->shell.p50_ms, r->shell.p95_ms,
		    ratio(r->shell.p50_ms, r->shell.base_p50_ms));
		verdict(r, &t[n], r->shell.p50_ms < 5);
	} else {
		t[n].status = "n/a";
		if (r->shell.runs == 0) {
			snprintf(t[n].measured, sizeof(t[n].measured),
			    "not timed (--shell-runs 0)");
		}
	}
	n++;

	t[n].what = "crmd memory beside the LMDB map (RssAnon)";
	t[n].goal = "< 64 MiB";
	long anon = r->peak_anon_kib;
	if (anon > 0) {
		snprintf(t[n].measured, sizeof(t[n].measured),
		    "%.1f MiB (peak under load)", anon / MIB);
		verdict(r, &t[n], anon / MIB < 64);
	} else {
		t[n].status = "n/a";
	}
	n++;
	return n;
}

/* ---------------------------------------------------------------- table */

static void
print_header(FILE *out, const struct bench_report *r)
{
	const struct bench_data *d = r->d;
	fprintf(out, "crm-bench %s\n", CRM_VERSION);
	fprintf(out, "machine:   %ld CPUs, %s; %s\n", r->machine.nproc,
	    r->machine.cpu, r->machine.kernel);
	fprintf(out,
	    "data:      %s%s%s: %llu customers, %llu follow-ups, "
	    "%llu tasks, %llu users, %.1f MiB",
	    r->fresh ? "fresh set in " : "", r->data_dir,
	    r->o->copy ? " (a copy)" : "", (unsigned long long)d->customers,
	    (unsigned long long)d->followups, (unsigned long long)d->tasks,
	    (unsigned long long)d->users, d->data_mib);
	if (r->fresh) {
		fprintf(out, " (loaded in %.1f s)", d->fill_seconds);
	}
	fprintf(out, "\n");
	fprintf(out,
	    "clients:   drawn from %zu of %zu reps and %zu managers; "
	    "crmd --workers %d; %s; %.1f s per run after a warm-up\n",
	    d->n_reps, d->reps_total, d->managers_total, r->o->workers,
	    r->transport, r->o->duration);
	fprintf(out, "latency:   client side, from building a request to its "
	             "decoded reply, in microseconds\n\n");
}

static void
print_ceilings(FILE *out, const struct bench_report *r)
{
	fprintf(out,
	    "storage ceiling: LMDB durable commits, %zu-byte values, one "
	    "thread\n",
	    r->lmdb1.value_len);
	fprintf(out, "  %-22s %12s %12s %10s %10s\n", "", "commits/s",
	    "puts/s", "p50", "p99");
	const struct bench_lmdb_result *l[2] = { &r->lmdb1, &r->lmdb100 };
	for (int i = 0; i < 2; i++) {
		fprintf(out,
		    "  %3d put%s per commit%*s %12.0f %12.0f %10.0f "
		    "%10.0f\n",
		    l[i]->puts_per_txn, l[i]->puts_per_txn == 1 ? " " : "s",
		    l[i]->puts_per_txn == 1 ? 5 : 5, "", l[i]->commits_per_s,
		    l[i]->puts_per_s, l[i]->p50_us, l[i]->p99_us);
	}
	const struct bench_disk_result *d = &r->disk;
	if (d->ok) {
		fprintf(out,
		    "\ndisk: fdatasync after scattered 4 KiB page writes into "
		    "a file of written blocks, one thread\n");
		fprintf(out, "  %7s %10s\n", "pages", "p50");
		for (int i = 0; i < BENCH_DISK_COUNTS; i++) {
			fprintf(
			    out, "  %7d %10.0f\n", d->pages[i], d->p50_us[i]);
		}
		fprintf(out,
		    "  a sync %.0f us, each page %.1f us more (the slope from "
		    "%d to %d pages)\n",
		    d->sync_us, d->page_us, d->pages[1],
		    d->pages[BENCH_DISK_COUNTS - 1]);
	}
	fprintf(out,
	    "\ntransport ceiling: %s REQ/REP echo, %zu-byte request, "
	    "%zu-byte reply (a due exchange), %d server threads\n",
	    r->transport, r->echo_req, r->echo_reply, r->o->workers);
	fprintf(out, "  %7s %10s %9s %9s %9s %7s\n", "clients", "req/s", "p50",
	    "p99", "p999", "errors");
	for (int i = 0; i < r->o->n_clients; i++) {
		const struct bench_summary *s = &r->echo[i].s;
		fprintf(out, "  %7d %10.0f %9.0f %9.0f %9.0f %7llu\n",
		    r->echo[i].clients, s->rps, s->p50_us, s->p99_us,
		    s->p999_us, (unsigned long long)s->errors);
	}
	fprintf(out, "\n");
}

static void
print_scenario(
    FILE *out, const struct bench_report *r, const struct bench_scenario *sc)
{
	int any = 0;
	for (int i = 0; i < r->n_runs; i++) {
		any |= r->runs[i].sc == sc;
	}
	if (!any) {
		return;
	}
	int exp = strcmp(sc->name, "export") == 0;
	fprintf(out, "scenario %s: %s\n", sc->name, sc->title);
	fprintf(out, "  %7s %10s %9s %9s %9s %7s %8s %8s", "clients", "req/s",
	    "p50", "p99", "p999", "errors", "x echo", "p50/echo");
	if (sc->writes) {
		fprintf(out, " %8s %8s", "logs/s", "x lmdb1");
	}
	if (exp) {
		fprintf(out, " %10s", "rows/s");
	}
	fprintf(out, "\n");
	for (int i = 0; i < r->n_runs; i++) {
		const struct bench_run *run = &r->runs[i];
		if (run->sc != sc) {
			continue;
		}
		const struct bench_run *e = find_echo(r, run->clients);
		const struct bench_summary *s = &run->s;
		fprintf(out,
		    "  %7d %10.0f %9.0f %9.0f %9.0f %7llu %8.2f %8.2f",
		    run->clients, s->rps, s->p50_us, s->p99_us, s->p999_us,
		    (unsigned long long)s->errors,
		    e ? ratio(s->rps, e->s.rps) : 0,
		    e ? ratio(s->p50_us, e->s.p50_us) : 0);
		if (sc->writes) {
			fprintf(out, " %8.0f %8.2f", logs_per_s(run),
			    ratio(logs_per_s(run), r->lmdb1.commits_per_s));
		}
		if (exp) {
			fprintf(out, " %10.0f", ratio(run->rows, s->seconds));
		}
		fprintf(out, "\n");
	}
	if (sc->writes) {
		fprintf(out,
		    "  logs/s: the follow-ups logged a second (client "
		    "side)%s; "
		    "x lmdb1: logs/s / LMDB's one-put durable commits a "
		    "second\n",
		    sc->bodies[1] != 0
		        ? ", of req/s's reads and logs the logs alone"
		        : "");
	}
	fprintf(out,
	    "  crmd's own latency for %s in the same runs (its stats "
	    "request; warm-up included; bucket upper edges, <= 12.5 %% "
	    "high); cpu/req: crmd's CPU time (every thread) per such "
	    "request; crmd, host: cores busy on average, crmd's and the "
	    "whole machine's (of %ld), over the run\n",
	    sc->srv_what, r->machine.nproc);
	fprintf(out, "  %7s %10s %9s %9s %9s %10s %6s %6s\n", "clients",
	    "requests", "srv p50", "srv p99", "srv p999", "cpu/req us", "crmd",
	    "host");
	for (int i = 0; i < r->n_runs; i++) {
		const struct bench_run *run = &r->runs[i];
		if (run->sc != sc) {
			continue;
		}
		if (!run->srv.ok) {
			fprintf(out, "  %7d   (crmd's stats request failed)\n",
			    run->clients);
			continue;
		}
		fprintf(out, "  %7d %10llu %9.0f %9.0f %9.0f", run->clients,
		    (unsigned long long)run->srv.count, run->srv.p50_us,
		    run->srv.p99_us, run->srv.p999_us);
		struct run_cpu c;
		if (run_cpu(run, &c)) {
			fprintf(out, " %10.0f %6.2f %6.2f", c.per_req_us,
			    c.crmd_cores, c.host_cores);
		}
		fprintf(out, "\n");
	}
	if (sc->writes) {
		fprintf(out,
		    "  written by crmd per write it committed: /proc/PID/io "
		    "deltas over the run (wchar: bytes passed to write calls; "
		    "pages = wchar / 4096; calls: syscw; kernel wb: "
		    "write_bytes, which counts a whole large folio per page "
		    "dirtied on this kernel, an upper bound); LMDB pg/cmt: "
		    "pages the writer thread wrote per commit (crmd's "
		    "stats)\n");
		fprintf(out, "  %7s %8s %8s %9s %10s %9s %9s %12s %12s\n",
		    "clients", "writes", "commits", "w/commit", "wchar B",
		    "pages", "calls", "kernel wb B", "LMDB pg/cmt");
		for (int i = 0; i < r->n_runs; i++) {
			const struct bench_run *run = &r->runs[i];
			if (run->sc != sc) {
				continue;
			}
			struct per_write w;
			per_write(run, &w);
			if (!w.ok) {
				fprintf(out, "  %7d   (not measured)\n",
				    run->clients);
				continue;
			}
			fprintf(out,
			    "  %7d %8.0f %8.0f %9.2f %10.0f %9.1f %9.1f "
			    "%12.0f "
			    "%12.1f\n",
			    run->clients, w.writes, w.commits, w.per_commit,
			    w.wchar, w.pages, w.syscw, w.disk, w.lmdb_pages);
		}
		print_sync_ceiling(out, r, sc);
		print_writer_time(out, r, sc);
		print_leaves(out, r, sc);
	}
	fprintf(out, "\n");
}

/* crm-bench --leaves: the leaves a write changed, by database: the
 * tables with the most in the scenario's runs, the rest together. */
#define LEAF_COLS 8

static void
print_leaves(
    FILE *out, const struct bench_report *r, const struct bench_scenario *sc)
{
	struct bench_leaves all;
	memset(&all, 0, sizeof(all));
	for (int i = 0; i < r->n_runs; i++) {
		const struct bench_leaves *lv = &r->runs[i].srv.leaves;
		for (int j = 0; r->runs[i].sc == sc && j < lv->count; j++) {
			int k = 0;
			while (
			    k < all.count && strcmp(all.name[k], lv->name[j]))
				k++;
			if (k == all.count && all.count < BENCH_LEAF_DBS) {
				memcpy(all.name[all.count++], lv->name[j],
				    sizeof(all.name[0]));
			}
			if (k < all.count) {
				all.n[k] += lv->n[j];
			}
		}
	}
	if (all.count == 0) {
		return;
	}
	int top[LEAF_COLS], ntop = 0;
	for (; ntop < LEAF_COLS && ntop < all.count; ntop++) {
		int best = -1;
		for (int k = 0; k < all.count; k++) {
			int taken = 0;
			for (int t = 0; t < ntop; t++) {
				taken |= top[t] == k;
			}
			if (!taken && (best < 0 || all.n[k] > all.n[best])) {
				best = k;
			}
		}
		top[ntop] = best;
	}
	fprintf(out,
	    "  B-tree leaves a write changed, by database (crmd "
	    "--trace-leaves: each key written found again after its commit; "
	    "a leaf counted once a commit, for the first database that wrote "
	    "to it; the pages above are these, their branches and LMDB's "
	    "own)\n  %7s",
	    "clients");
	for (int t = 0; t < ntop; t++) {
		fprintf(out, " %12.12s", all.name[top[t]]);
	}
	fprintf(out, " %12s %8s\n", "others", "all");
	for (int i = 0; i < r->n_runs; i++) {
		const struct bench_run *run = &r->runs[i];
		const struct bench_leaves *lv = &run->srv.leaves;
		if (run->sc != sc || run->srv.writes == 0 || lv->count == 0) {
			continue;
		}
		double w = (double)run->srv.writes, sum = 0, rest = 0;
		fprintf(out, "  %7d", run->clients);
		for (int j = 0; j < lv->count; j++) {
			sum += (double)lv->n[j];
			int shown = 0;
			for (int t = 0; t < ntop; t++) {
				shown |=
				    strcmp(all.name[top[t]], lv->name[j]) == 0;
			}
			if (!shown) {
				rest += (double)lv->n[j];
			}
		}
		for (int t = 0; t < ntop; t++) {
			double v = 0;
			for (int j = 0; j < lv->count; j++) {
				if (strcmp(all.name[top[t]], lv->name[j]) ==
				    0) {
					v = (double)lv->n[j];
				}
			}
			fprintf(out, " %12.2f", v / w);
		}
		fprintf(out, " %12.2f %8.2f\n", rest / w, sum / w);
	}
}

static void
print_postgres(FILE *out, const struct bench_report *r)
{
	if (r->n_pg == 0) {
		fprintf(out, "PostgreSQL: %s\n\n", r->pg_note);
		return;
	}
	fprintf(out,
	    "PostgreSQL side by side: tools/bench-postgres, same shape and "
	    "client counts, after crmd's runs\n  %s\n",
	    r->pg_note);
	fprintf(out,
	    "  bytes per txn: WAL + data pages (8 KiB) the run dirtied "
	    "(CHECKPOINT before and after); crm B: wchar per write\n");
	fprintf(out,
	    "  %-4s %7s %9s %8s %8s %10s %8s %8s | %9s %7s %8s %10s %7s\n",
	    "txn", "clients", "tps", "p50 ms", "p99 ms", "B/txn", "pages",
	    "txn/sync", "crm /s", "crm/pg", "p50 c/pg", "crm B", "B c/pg");
	for (int i = 0; i < r->n_pg; i++) {
		const struct bench_pg_run *g = &r->pg[i];
		const struct bench_run *c = find_run(r, g->txn, g->clients);
		fprintf(out,
		    "  %-4s %7d %9.0f %8.2f %8.2f %10.0f %8.2f %8.2f |",
		    g->txn, g->clients, g->tps, g->p50_ms, g->p99_ms,
		    pg_bytes(g), g->pages, g->txn_per_flush);
		if (c == NULL) {
			fprintf(out, " (crm not run at %d client%s)\n",
			    g->clients, g->clients == 1 ? "" : "s");
			continue;
		}
		fprintf(out, " %9.0f %7.2f %8.2f", c->s.rps,
		    ratio(c->s.rps, g->tps),
		    ratio(c->s.p50_us / 1000, g->p50_ms));
		struct per_write w;
		per_write(c, &w);
		if (strcmp(g->txn, "log") == 0 && w.ok) {
			fprintf(out, " %10.0f %7.2f", w.wchar,
			    ratio(w.wchar, pg_bytes(g)));
		}
		fprintf(out, "\n");
	}
	fprintf(out, "\n");
}

void
bench_print_table(FILE *out, const struct bench_report *r)
{
	print_header(out, r);
	print_ceilings(out, r);
	for (size_t i = 0; i < bench_n_scenarios; i++) {
		print_scenario(out, r, &bench_scenarios[i]);
	}
	print_postgres(out, r);
	fprintf(out, "one-offs\n");
	if (r->export_rows > 0) {
		fprintf(out,
		    "  export followups, everything (admin): %llu rows in "
		    "%.2f s, %.0f rows/s%s\n",
		    (unsigned long long)r->export_rows, r->export_seconds,
		    ratio(r->export_rows, r->export_seconds),
		    r->export_done ? "" : " (stopped at the time limit)");
	}
	if (r->shell.runs > 0 && r->shell.failed >= r->shell.runs) {
		fprintf(out,
		    "  crm -c 'due today', fork to exit: all %d runs failed, "
		    "none timed\n",
		    r->shell.runs);
	} else if (r->shell.runs > 0) {
		fprintf(out,
		    "  crm -c 'due today', fork to exit: p50 %.2f ms, p95 "
		    "%.2f ms, min %.2f ms, max %.2f ms over %d runs (%d "
		    "failed); " BENCH_BASELINE " between them: p50 %.2f ms, "
		    "p95 %.2f ms; crm / " BENCH_BASELINE ": %.1f x at p50, "
		    "%.1f x at p95\n",
		    r->shell.p50_ms, r->shell.p95_ms, r->shell.min_ms,
		    r->shell.max_ms, r->shell.runs, r->shell.failed,
		    r->shell.base_p50_ms, r->shell.base_p95_ms,
		    ratio(r->shell.p50_ms, r->shell.base_p50_ms),
		    ratio(r->shell.p95_ms, r->shell.base_p95_ms));
	}
	fprintf(out,
	    "  crmd memory: before the scenarios RSS %.1f MiB (anon %.1f, "
	    "file %.1f); after RSS %.1f MiB (anon %.1f, file %.1f); anon "
	    "peak under load %.1f MiB; VmHWM %.1f MiB (since start, "
	    "loading and LMDB pages included)\n",
	    r->mem_before.rss_kib / MIB, r->mem_before.anon_kib / MIB,
	    r->mem_before.file_kib / MIB, r->mem_after.rss_kib / MIB,
	    r->mem_after.anon_kib / MIB, r->mem_after.file_kib / MIB,
	    r->peak_anon_kib / MIB, r->mem_after.hwm_kib / MIB);
	if (r->o->keep) {
		fprintf(out, "  crmd's log: %s (kept)\n\n", r->server_log);
	} else {
		fprintf(out, "  crmd's log: removed with the temporary folder "
		             "(--keep keeps it)\n\n");
	}

	struct target t[MAX_TARGETS];
	int n = targets(r, t);
	fprintf(out,
	    "targets (issues 5 and 19; they assume 1,000,000 customers "
	    "and 10,000,000 follow-ups)\n");
	if (!full_size(r)) {
		fprintf(out,
		    "  this set has %llu customers: each row shows what was "
		    "measured, and n/a for its verdict (the targets assume "
		    "1,000,000)\n",
		    (unsigned long long)r->d->customers);
	}
	for (int i = 0; i < n; i++) {
		fprintf(out, "  %-7s %-52s %-22s %s\n", t[i].status, t[i].what,
		    t[i].goal, t[i].measured);
	}
}

/* ---------------------------------------------------------------- json */

static json_t *
summary_json(const struct bench_summary *s, int clients)
{
	return json_pack("{s:i, s:f, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f}",
	    "clients", clients, "seconds", s->seconds, "requests",
	    (json_int_t)s->requests, "errors", (json_int_t)s->errors,
	    "requests_per_s", s->rps, "p50_us", s->p50_us, "p99_us", s->p99_us,
	    "p999_us", s->p999_us, "mean_us", s->mean_us, "max_us", s->max_us);
}

static json_t *
lmdb_json(const struct bench_lmdb_result *l)
{
	return json_pack("{s:i, s:i, s:f, s:I, s:f, s:f, s:f, s:f}",
	    "puts_per_commit", l->puts_per_txn, "value_bytes",
	    (int)l->value_len, "seconds", l->seconds, "commits",
	    (json_int_t)l->commits, "commits_per_s", l->commits_per_s,
	    "puts_per_s", l->puts_per_s, "p50_us", l->p50_us, "p99_us",
	    l->p99_us);
}

void
bench_print_json(FILE *out, const struct bench_report *r)
{
	const struct bench_data *d = r->d;
	json_t *root = json_object();
	json_object_set_new(root, "version", json_string(CRM_VERSION));
	json_object_set_new(root, "machine",
	    json_pack("{s:I, s:s, s:s}", "nproc", (json_int_t)r->machine.nproc,
	        "cpu", r->machine.cpu, "kernel", r->machine.kernel));
	json_object_set_new(root, "data",
	    json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I}",
	        "dir", r->data_dir, "fresh", r->fresh, "customers",
	        (json_int_t)d->customers, "followups",
	        (json_int_t)d->followups, "tasks", (json_int_t)d->tasks,
	        "users", (json_int_t)d->users, "mib", d->data_mib,
	        "reps_total", (json_int_t)d->reps_total, "reps_used",
	        (json_int_t)d->n_reps, "managers",
	        (json_int_t)d->managers_total));
	json_object_set_new(root, "settings",
	    json_pack("{s:s, s:f, s:i, s:b}", "transport", r->transport,
	        "duration_s", r->o->duration, "workers", r->o->workers,
	        "quick", r->o->quick));
	json_object_set_new(root, "lmdb",
	    json_pack("{s:o, s:o}", "one_put", lmdb_json(&r->lmdb1),
	        "hundred_puts", lmdb_json(&r->lmdb100)));
	if (r->disk.ok) {
		json_t *pages = json_array(), *p50 = json_array();
		for (int i = 0; i < BENCH_DISK_COUNTS; i++) {
			json_array_append_new(
			    pages, json_integer(r->disk.pages[i]));
			json_array_append_new(
			    p50, json_real(r->disk.p50_us[i]));
		}
		json_object_set_new(root, "disk",
		    json_pack("{s:o, s:o, s:f, s:f}", "pages", pages,
		        "sync_p50_us", p50, "sync_us", r->disk.sync_us,
		        "page_us", r->disk.page_us));
	}
	json_t *echo = json_array();
	for (int i = 0; i < r->o->n_clients; i++) {
		json_array_append_new(
		    echo, summary_json(&r->echo[i].s, r->echo[i].clients));
	}
	json_object_set_new(root, "echo",
	    json_pack("{s:I, s:I, s:o}", "request_bytes",
	        (json_int_t)r->echo_req, "reply_bytes",
	        (json_int_t)r->echo_reply, "runs", echo));
	json_t *scs = json_array();
	for (size_t k = 0; k < bench_n_scenarios; k++) {
		const struct bench_scenario *sc = &bench_scenarios[k];
		json_t *runs = json_array();
		for (int i = 0; i < r->n_runs; i++) {
			const struct bench_run *run = &r->runs[i];
			if (run->sc != sc) {
				continue;
			}
			const struct bench_run *e = find_echo(r, run->clients);
			json_t *j = summary_json(&run->s, run->clients);
			json_object_set_new(j, "ratio_echo",
			    json_real(e ? ratio(run->s.rps, e->s.rps) : 0));
			json_object_set_new(j, "latency_ratio_echo",
			    json_real(
			        e ? ratio(run->s.p50_us, e->s.p50_us) : 0));
			if (sc->writes) {
				/* Of its logs alone (mixed: not its reads). */
				json_object_set_new(j, "logs_per_s",
				    json_real(logs_per_s(run)));
				json_object_set_new(j, "ratio_lmdb_one_put",
				    json_real(ratio(logs_per_s(run),
				        r->lmdb1.commits_per_s)));
			}
			if (strcmp(sc->name, "export") == 0) {
				json_object_set_new(j, "rows_per_s",
				    json_real(
				        ratio(run->rows, run->s.seconds)));
			}
			if (run->srv.ok) {
				json_object_set_new(j, "server",
				    json_pack("{s:s, s:I, s:f, s:f, s:f}",
				        "of", sc->srv_what, "requests",
				        (json_int_t)run->srv.count, "p50_us",
				        run->srv.p50_us, "p99_us",
				        run->srv.p99_us, "p999_us",
				        run->srv.p999_us));
			}
			struct run_cpu c;
			if (run_cpu(run, &c)) {
				json_object_set_new(j, "cpu",
				    json_pack("{s:f, s:f, s:f}",
				        "crmd_us_per_request", c.per_req_us,
				        "crmd_cores", c.crmd_cores,
				        "host_cores", c.host_cores));
			}
			struct per_write w;
			per_write(run, &w);
			if (sc->writes && w.ok) {
				json_object_set_new(j, "written",
				    json_pack(
				        "{s:f, s:f, s:f, s:f, s:f, s:f, s:f, "
				        "s:f}",
				        "writes", w.writes, "commits",
				        w.commits, "writes_per_commit",
				        w.per_commit, "wchar_per_write",
				        w.wchar,
				        "kernel_write_bytes_per_write", w.disk,
				        "pages_per_write", w.pages,
				        "write_calls_per_write", w.syscw,
				        "lmdb_pages_per_commit",
				        w.lmdb_pages));
				struct writer_time wt;
				writer_time(run, &wt);
				if (wt.ok) {
					json_object_set_new(j, "writer_thread",
					    json_pack("{s:f, s:f, s:f}",
					        "on_cpu", wt.on_cpu,
					        "waiting_for_cpu", wt.cpu_wait,
					        "in_commits", wt.in_commits));
				}
				/* The syncs' ceiling table's columns. */
				double ceil_s = sync_ceiling(r, &w);
				if (ceil_s > 0) {
					double wps = writes_per_s(run);
					json_object_set_new(j,
					    "sync_commit_us",
					    json_real(bench_disk_commit_us(
					        &r->disk, w.lmdb_pages)));
					json_object_set_new(j,
					    "sync_ceiling_per_s",
					    json_real(ceil_s));
					json_object_set_new(
					    j, "writes_per_s", json_real(wps));
					json_object_set_new(j,
					    "sync_ceiling_share",
					    json_real(wps / ceil_s));
				}
			}
			json_array_append_new(runs, j);
		}
		if (json_array_size(runs) == 0) {
			json_decref(runs);
			continue;
		}
		json_array_append_new(
		    scs, json_pack("{s:s, s:s, s:b, s:o}", "name", sc->name,
		             "title", sc->title, "writes", sc->writes, "runs",
		             runs));
	}
	json_object_set_new(root, "scenarios", scs);
	json_object_set_new(root, "export_all",
	    json_pack("{s:I, s:f, s:b}", "rows", (json_int_t)r->export_rows,
	        "seconds", r->export_seconds, "done", r->export_done));
	json_object_set_new(root, "shell", shell_json(&r->shell));
	const struct bench_mem *mb = &r->mem_before, *ma = &r->mem_after;
	json_object_set_new(root, "crmd_memory_kib",
	    json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:I}", "before",
	        "rss", (json_int_t)mb->rss_kib, "anon",
	        (json_int_t)mb->anon_kib, "file", (json_int_t)mb->file_kib,
	        "after", "rss", (json_int_t)ma->rss_kib, "anon",
	        (json_int_t)ma->anon_kib, "file", (json_int_t)ma->file_kib,
	        "peak_rss", (json_int_t)ma->hwm_kib));
	json_object_set_new(json_object_get(root, "crmd_memory_kib"),
	    "peak_anon_under_load", json_integer(r->peak_anon_kib));
	json_t *pg = json_array();
	for (int i = 0; i < r->n_pg; i++) {
		const struct bench_pg_run *g = &r->pg[i];
		const struct bench_run *c = find_run(r, g->txn, g->clients);
		json_t *j =
		    json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		        "txn", g->txn, "clients", g->clients, "tps", g->tps,
		        "p50_ms", g->p50_ms, "p99_ms", g->p99_ms,
		        "wal_bytes_per_txn", g->wal_bytes,
		        "data_pages_per_txn", g->pages, "bytes_per_txn",
		        pg_bytes(g), "txn_per_sync", g->txn_per_flush);
		if (c != NULL) {
			json_object_set_new(j, "crm_ratio",
			    json_real(ratio(c->s.rps, g->tps)));
		}
		json_array_append_new(pg, j);
	}
	json_object_set_new(root, "postgres",
	    json_pack("{s:s, s:o}", "note", r->pg_note, "runs", pg));
	struct target t[MAX_TARGETS];
	int n = targets(r, t);
	json_t *ts = json_array();
	for (int i = 0; i < n; i++) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "what",
		    t[i].what, "goal", t[i].goal, "measured", t[i].measured,
		    "status", t[i].status);
		if (t[i].why[0] != '\0') {
			json_object_set_new(j, "why", json_string(t[i].why));
		}
		json_array_append_new(ts, j);
	}
	json_object_set_new(root, "targets", ts);
	json_dumpf(root, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(root);
}

void
bench_print_shell(FILE *out, const struct bench_shell *sh, int json)
{
	if (json) {
		json_t *root = shell_json(sh);
		json_dumpf(root, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(root);
		return;
	}
	if (sh->failed >= sh->runs) {
		/* No run to time: no p50 to hold against the goal. */
		fprintf(out,
		    "crm -c 'due today', fork to exit: all %d runs failed, "
		    "none timed; " BENCH_BASELINE
		    " between them: p50 %.2f ms, p95 %.2f ms (goal: p50 < 5 "
		    "ms: not met, every run failed)\n",
		    sh->runs, sh->base_p50_ms, sh->base_p95_ms);
		return;
	}
	fprintf(out,
	    "crm -c 'due today', fork to exit: p50 %.2f ms, p95 %.2f ms, min "
	    "%.2f ms, max %.2f ms over %d runs (%d failed); " BENCH_BASELINE
	    " between them: p50 %.2f ms, p95 %.2f ms; crm / " BENCH_BASELINE
	    ": %.1f x at p50, %.1f x at p95 (goal: p50 < 5 ms: %s)\n",
	    sh->p50_ms, sh->p95_ms, sh->min_ms, sh->max_ms, sh->runs,
	    sh->failed, sh->base_p50_ms, sh->base_p95_ms,
	    ratio(sh->p50_ms, sh->base_p50_ms),
	    ratio(sh->p95_ms, sh->base_p95_ms),
	    sh->p50_ms < 5 ? "met" : "not met");
}
