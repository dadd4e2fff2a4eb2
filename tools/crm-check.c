/* SPDX-License-Identifier: MIT */
/*
 * crm-check: verify a crm database, read-only (crmd may be serving it):
 * a walk of every page of every database and the application's invariants
 * (server/check.h), in one read transaction. That is a consistent
 * snapshot, so nothing is copied and nothing is written: no temp space is
 * needed and a killed crm-check leaves nothing behind. Exit 0 when clean,
 * 1 with a readable report of what is wrong, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "crm.h"
#include "store.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: crm-check [--max N] [--quiet] DIR\n"
	    "Verify the crm database in DIR (read-only, in place).\n\n"
	    "  --max N     print at most N problems (default 50)\n"
	    "  --quiet     print no report; the exit status tells (why\n"
	    "              DIR cannot be checked at all is still said)\n"
	    "  -h, --help  this help\n"
	    "  -V, --version  the version\n\n"
	    "Exit status: 0 clean, 1 problems found, 2 usage or the\n"
	    "database cannot be opened.\n");
}

static int quiet_run; /* --quiet: the exit status alone */

/* LMDB keeps no checksums: a damaged page can point the read anywhere
 * in the map, or past the end of the file. Said, and counted as a
 * problem found (exit 1), rather than a crash with nothing said. */
static void
on_fault(int sig)
{
	static const char msg[] =
	    "crm-check: the data is damaged where it was being read (a page "
	    "is not what its tree says, points outside the data, or the "
	    "file ends early): it cannot be checked further; PROBLEMS "
	    "FOUND: restore a backup\n";
	(void)sig;
	if (!quiet_run) {
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)n;
	}
	_exit(1);
}

/* LMDB's own check of a page failed: the same verdict, said once (with
 * what LMDB found unless --quiet), before LMDB would abort. */
static void
on_damage(const char *dir, const char *what)
{
	(void)dir;
	if (!quiet_run) {
		fprintf(stderr, "crm-check: LMDB found a damaged page (%s)\n",
		    what);
	}
	on_fault(SIGABRT);
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "max", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-copy", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned max = 50;
	int quiet = 0, c;
	while ((c = getopt_long(argc, argv, "hV", longs, NULL)) != -1) {
		switch (c) {
		case 'm': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' ||
			    *end != '\0' || errno != 0 || v > 1000000000ul) {
				fprintf(stderr,
				    "crm-check: --max wants a number of "
				    "problems, 0 to 1000000000: '%s'\n",
				    optarg);
				return 2;
			}
			max = (unsigned)v;
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case 'n':
			break; /* --no-copy: there is no copy any more */
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("crm-check %s (schema %u)\n", CRM_VERSION,
			    STORE_SCHEMA_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *dir = argv[optind];
	quiet_run = quiet;
	crm_log_set_level(CRM_LOG_ERR);
	store_damage_hook = on_damage;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	/* LMDB's own check of a page failed (its log line said which):
	 * the same verdict. */
	sigaction(SIGABRT, &sa, NULL);
	store *st = store_new();
	crm_status orc = store_open(st, dir, 0, STORE_READ_ONLY);
	if (orc != CRM_OK) {
		store_free(st);
		/* Why it cannot be checked at all (the store said: another
		 * schema, not crm's) is said with --quiet too. */
		if (orc == CRM_NOT_FOUND) {
			fprintf(
			    stderr, "crm-check: no crm database in %s\n", dir);
		} else {
			fprintf(stderr, "crm-check: %s not checked\n", dir);
		}
		return 2;
	}
	FILE *out = quiet ? NULL : stdout;
	/* --quiet: the walk's report is the exit status alone, the store's
	 * error lines on damaged data included (above every level). */
	if (quiet) {
		crm_log_set_level((enum crm_log_level)(CRM_LOG_ERR + 1));
	}
	struct check chk = { .out = out, .max_print = max };
	crm_arena arena;
	crm_arena_init(&arena, 4u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.arena = &arena;
	ctx.now = crm_time_now();
	chk.ctx = &ctx;
	MDB_txn *txn = NULL;
	crm_status rc = store_read_begin(st, &txn);
	if (rc == CRM_OK) {
		ctx.txn = txn;
		rc = check_run(&chk);
		store_read_end(st, txn);
		store_read_free(txn);
	}
	crm_arena_fini(&arena);
	store_close(st);
	store_free(st);
	if (rc != CRM_OK) {
		/* A page LMDB finds of the wrong kind (MDB_CORRUPTED),
		 * logged above: the verdict, and what to do. */
		if (!quiet) {
			fprintf(stderr,
			    "crm-check: the check could not go on (%s; the "
			    "lines above say where): PROBLEMS FOUND: the data "
			    "may be damaged: restore a backup\n",
			    crm_strerror(rc));
		}
		return 1;
	}
	if (out != NULL) {
		if (chk.problems > max) {
			printf("  ... and %" PRIu64 " more\n",
			    chk.problems - max);
		}
		printf("%s: %" PRIu64 " entries, %" PRIu64 " records, %s\n",
		    dir, chk.entries, chk.records,
		    chk.problems ? "PROBLEMS FOUND" : "clean");
	}
	return chk.problems ? 1 : 0;
}
