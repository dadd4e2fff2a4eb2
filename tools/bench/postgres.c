/* SPDX-License-Identifier: MIT */
/*
 * postgres.c: PostgreSQL side by side (issue 19): when PostgreSQL and
 * pgbench are installed, tools/bench-postgres runs in the same crm-bench
 * run with the same shape (customers, follow-ups per customer, reps,
 * seconds per run, client counts), and its table is read back for the
 * crm / PostgreSQL ratios. When they are not installed, nothing is
 * installed from here: the report says so in one line.
 */
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_POSTGRES
#define BENCH_POSTGRES "tools/bench-postgres"
#endif

/* Whether initdb and pgbench are installed (Debian's layout, as
 * tools/bench-postgres looks for them). */
static int
postgres_installed(char *why, size_t len)
{
	glob_t g;
	int found = glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0;
	if (found) {
		globfree(&g);
	}
	if (!found) {
		snprintf(why, len,
		    "PostgreSQL is not installed (no "
		    "/usr/lib/postgresql/*/bin/initdb); `apt-get install "
		    "postgresql postgresql-contrib` (or running %s once, "
		    "which does that) makes crm-bench run it",
		    BENCH_POSTGRES);
		return 0;
	}
	const char *path = getenv("PATH");
	char buf[512];
	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/pgbench", (int)n, path);
		if (access(buf, X_OK) == 0) {
			return 1;
		}
		path += n + (path[n] == ':');
	}
	snprintf(why, len,
	    "PostgreSQL is installed but pgbench is not in PATH "
	    "(postgresql-contrib / postgresql-client)");
	return 0;
}

void
bench_postgres_run(const struct bench_opts *o, struct bench_report *r)
{
	r->n_pg = 0;
	if (access(BENCH_POSTGRES, X_OK) != 0) {
		snprintf(r->pg_note, sizeof(r->pg_note),
		    "not run: %s is not here", BENCH_POSTGRES);
		return;
	}
	if (!postgres_installed(r->pg_note, sizeof(r->pg_note))) {
		return;
	}
	/* The same shape: the fresh set's sizes, or what --data holds. */
	unsigned long customers = o->customers, followups = o->followups,
	              reps = o->reps;
	if (o->data != NULL && r->d != NULL && r->d->customers > 0) {
		customers = r->d->customers;
		followups = r->d->followups / r->d->customers;
		reps = r->d->reps_total > 0 ? r->d->reps_total : reps;
	}
	char clients[128] = "";
	for (int i = 0; i < o->n_clients; i++) {
		size_t n = strlen(clients);
		snprintf(clients + n, sizeof(clients) - n, "%s%d",
		    i ? "," : "", o->clients[i]);
	}
	char a_customers[24], a_followups[24], a_reps[24], a_duration[24];
	snprintf(a_customers, sizeof(a_customers), "%lu", customers);
	snprintf(a_followups, sizeof(a_followups), "%lu", followups);
	snprintf(a_reps, sizeof(a_reps), "%lu", reps);
	snprintf(a_duration, sizeof(a_duration), "%.0f",
	    o->duration < 1 ? 1 : o->duration);
	char *argv[] = { BENCH_POSTGRES, "--customers", a_customers,
		"--followups", a_followups, "--reps", a_reps, "--duration",
		a_duration, "--clients", clients, NULL };
	/* Not popen: a child of bench_spawn_read is stopped on an
	 * interrupt (and does not inherit crm-bench's blocked signals). */
	FILE *p;
	pid_t pid = bench_spawn_read("tools/bench-postgres", argv, &p);
	if (pid < 0) {
		snprintf(r->pg_note, sizeof(r->pg_note),
		    "not run: cannot start %s", BENCH_POSTGRES);
		return;
	}
	char line[512], last[512] = "";
	while (fgets(line, sizeof(line), p) != NULL) {
		struct bench_pg_run g;
		memset(&g, 0, sizeof(g));
		double avg;
		int n = sscanf(line, "%7s %d %lf %lf %lf %lf %lf %lf %lf",
		    g.txn, &g.clients, &g.tps, &avg, &g.p50_ms, &g.p99_ms,
		    &g.wal_bytes, &g.pages, &g.txn_per_flush);
		if (n >= 6 &&
		    (strcmp(g.txn, "log") == 0 || strcmp(g.txn, "due") == 0) &&
		    r->n_pg < (int)(sizeof(r->pg) / sizeof(r->pg[0]))) {
			r->pg[r->n_pg++] = g;
		} else if (strncmp(line, "bench-postgres:", 15) == 0 ||
		           strncmp(line, "data:", 5) == 0) {
			line[strcspn(line, "\n")] = '\0';
			size_t used = strlen(r->pg_note);
			snprintf(r->pg_note + used, sizeof(r->pg_note) - used,
			    "%s%s", used ? "; " : "", line);
		} else {
			line[strcspn(line, "\n")] = '\0';
			snprintf(last, sizeof(last), "%s", line);
		}
	}
	fclose(p);
	int st = bench_spawn_wait(pid);
	if (r->n_pg == 0) {
		/* Its last line, cut to what the note holds. */
		snprintf(r->pg_note, sizeof(r->pg_note),
		    "tools/bench-postgres failed (status %d): %.400s", st,
		    last);
	}
}
