/* SPDX-License-Identifier: MIT */
/*
 * lmdb.c: the storage ceiling. Durable commits (default LMDB flags, as
 * crmd opens its environment) into a new environment, one put per
 * transaction and then many, from one thread, for a fixed time: how many
 * acknowledged writes per second the disk allows before crmd does any
 * work of its own.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

/* About one follow-up record; crmd also writes indexes beside it. */
#define VALUE_LEN 512
#define MAP_SIZE  ((size_t)1 << 30)
/* Keys cycle over this many, so the file stays small however fast the
 * disk is: later rounds overwrite, which costs what an insert does. */
#define KEYS 200000u

int
bench_lmdb_run(const char *dir, double seconds, int puts_per_txn,
    struct bench_lmdb_result *out)
{
	memset(out, 0, sizeof(*out));
	out->puts_per_txn = puts_per_txn;
	out->value_len = VALUE_LEN;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		return -1;
	}
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	int rc = mdb_env_create(&env);
	if (rc == 0) {
		rc = mdb_env_set_mapsize(env, MAP_SIZE);
	}
	if (rc == 0) {
		rc = mdb_env_open(env, dir, 0, 0600);
	}
	if (rc == 0) {
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	}
	if (rc == 0) {
		rc = mdb_dbi_open(txn, NULL, 0, &dbi);
	}
	if (rc == 0) {
		rc = mdb_txn_commit(txn);
	}
	if (rc != 0) {
		fprintf(stderr, "crm-bench: lmdb in %s: %s\n", dir,
		    mdb_strerror(rc));
		if (env != NULL) {
			mdb_env_close(env);
		}
		return -1;
	}
	uint8_t value[VALUE_LEN];
	memset(value, 'v', sizeof(value));
	size_t cap = 1u << 20;
	struct bench_lat lat;
	bench_lat_init(&lat, cap, 7);
	uint64_t key = 0, t0 = bench_now_ns();
	uint64_t end = t0 + (uint64_t)(seconds * 1e9);
	uint64_t now = t0;
	while (now < end) {
		uint64_t s = now;
		rc = mdb_txn_begin(env, NULL, 0, &txn);
		for (int i = 0; rc == 0 && i < puts_per_txn; i++) {
			uint8_t kb[8];
			key = key % KEYS + 1;
			for (int b = 0; b < 8; b++) {
				kb[b] = (uint8_t)(key >> (56 - 8 * b));
			}
			MDB_val k = { sizeof(kb), kb };
			MDB_val v = { sizeof(value), value };
			rc = mdb_put(txn, dbi, &k, &v, 0);
		}
		if (rc != 0) {
			mdb_txn_abort(txn);
			break;
		}
		rc = mdb_txn_commit(txn);
		if (rc != 0) {
			break;
		}
		now = bench_now_ns();
		bench_lat_add(&lat, now - s);
		out->commits++;
	}
	if (rc != 0) {
		fprintf(
		    stderr, "crm-bench: lmdb commit: %s\n", mdb_strerror(rc));
	}
	struct bench_summary sum;
	bench_summarize(&lat, 1, (double)(now - t0) / 1e9, &sum);
	out->seconds = sum.seconds;
	out->commits_per_s = sum.rps;
	out->puts_per_s = sum.rps * puts_per_txn;
	out->p50_us = sum.p50_us;
	out->p99_us = sum.p99_us;
	bench_lat_free(&lat);
	mdb_env_close(env);
	return rc == 0 ? 0 : -1;
}
