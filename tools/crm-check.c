/* SPDX-License-Identifier: MIT */
/*
 * crm-check: verify a crm database, read-only (crmd may be serving it):
 * LMDB's own walk through a compacting copy to a temp folder, then a full
 * scan and the application's invariants (server/check.h). Exit 0 when
 * clean, 1 with a readable report of what is wrong, 2 on bad usage.
 */
#include <getopt.h>
#include <inttypes.h>
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
	fprintf(f, "Usage: crm-check [--max N] [--quiet] [--no-copy] DIR\n"
	           "Verify the crm database in DIR (read-only).\n\n"
	           "  --max N     print at most N problems (default 50)\n"
	           "  --quiet     print nothing; the exit status tells\n"
	           "  --no-copy   skip the compacting copy (LMDB's own walk)\n"
	           "  -h, --help  this help\n\n"
	           "Exit status: 0 clean, 1 problems found, 2 usage or the\n"
	           "database cannot be opened.\n");
}

/* LMDB walks every page it copies: a compacting copy to a temp folder
 * fails on a broken tree. */
static int
copy_walk(store *st, char *why, size_t n)
{
	char dir[] = "/tmp/crm-check-XXXXXX";
	if (mkdtemp(dir) == NULL) {
		snprintf(why, n, "no temp folder");
		return -1;
	}
	int rc = mdb_env_copy2(st->env, dir, MDB_CP_COMPACT);
	char path[64];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	rmdir(dir);
	if (rc != 0) {
		snprintf(why, n, "%s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "max", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-copy", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned max = 50;
	int quiet = 0, copy = 1, c;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'm':
			max = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'n':
			copy = 0;
			break;
		case 'h':
			usage(stdout);
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
	crm_log_set_level(CRM_LOG_ERR);
	store st;
	if (store_open(&st, dir, 0, 1) != CRM_OK) {
		fprintf(stderr, "crm-check: no crm database in %s\n", dir);
		return 2;
	}
	FILE *out = quiet ? NULL : stdout;
	struct check chk = { .out = out, .max_print = max };
	char why[200];
	if (copy && copy_walk(&st, why, sizeof(why)) != 0) {
		check_problem(&chk, "LMDB's compacting copy failed: %s", why);
	}
	crm_arena arena;
	crm_arena_init(&arena, 4u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = &st;
	ctx.arena = &arena;
	ctx.now = crm_time_now();
	chk.ctx = &ctx;
	MDB_txn *txn = NULL;
	crm_status rc = store_read_begin(&st, &txn);
	if (rc == CRM_OK) {
		ctx.txn = txn;
		rc = check_run(&chk);
		store_read_end(&st, txn);
		store_read_free(txn);
	}
	crm_arena_fini(&arena);
	store_close(&st);
	if (rc != CRM_OK) {
		fprintf(stderr, "crm-check: the check stopped: %s\n",
		    crm_strerror(rc));
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
