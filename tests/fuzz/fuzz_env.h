/* SPDX-License-Identifier: MIT */
/*
 * fuzz_env.h: crmd's request path in-process, for the libFuzzer target
 * (request_fuzz.c) and its corpus replay test (replay_test.c). A temp
 * database is prepared once per process (an admin, managers, reps, teams,
 * customers, a contact, follow-ups, tasks, commitments, SLA clocks and a
 * grade proposal), and each input then runs through the server's own core:
 * dispatch_read (checks, then a read's handler or a write's prepare step,
 * in a read txn, as a worker runs it), for a write dispatch_apply in a
 * write txn of its own (idempotency, the handler in a nested txn, the
 * stored reply, as the writer runs it), and dispatch_pack. Writes of fuzz
 * inputs are rolled back, so every input meets the same database.
 *
 * Not the transport: no sockets, no threads, a batch of one write.
 */
#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "crm.h"

/* The fixed "now" of every request: 2025-01-01 00:00 UTC plus an hour. */
#define FUZZ_ENV_NOW INT64_C(1735693200)

/* Who a request runs as (fuzz_env_run): the low 3 bits of the request
 * id's first byte choose. 0: the bytes go as they are (whatever session
 * token they carry); 1-4: rep "li"; 5-6: manager "wang"; 7: admin. A
 * request without a request id runs as the rep. */
enum fuzz_env_who {
	FUZZ_ENV_RAW = 0,
	FUZZ_ENV_REP = 1,
	FUZZ_ENV_MANAGER = 5,
	FUZZ_ENV_ADMIN = 7,
};

/* What one request produced. */
struct fuzz_env_reply {
	crm_status code; /* the response's status */
	int body_case;   /* Crm__V1__Response__BodyCase */
	size_t len;      /* packed response bytes */
	char msg[256];   /* the status message, for test output */
	int ran_handler; /* the handler ran and succeeded (a write: applied
	                  * now, not a stored reply sent again) */
};

/* fuzz_env_outside_effects: run handlers whose effects reach outside the
 * database (backup writes a copy to a new folder). 0 (the fuzzer): they
 * pass every check and answer UNAVAILABLE; the replay test sets 1 and
 * the copies go under the temp folder. */
extern int fuzz_env_outside_effects;

/*
 * fuzz_env_open: create the temp database and its records (once per
 * process). Prints why and returns CRM_INTERNAL on failure.
 */
crm_status fuzz_env_open(void);

/* fuzz_env_close: close the database and remove its folder. */
void fuzz_env_close(void);

/*
 * fuzz_env_run: run len bytes of data as a request: inject the session
 * token of the chosen user (re-packing the request), then check, execute
 * and pack it, rolling back any write. Aborts the process when the reply
 * breaks an invariant (it does not decode, a failure carries a body).
 */
void fuzz_env_run(
    const uint8_t *data, size_t len, struct fuzz_env_reply *out /* OUT */);

/*
 * fuzz_env_run_commit: fuzz_env_run, but a write is committed: later
 * requests meet it (its stored reply too). For tests of the write path;
 * the fuzzer never calls it.
 */
void fuzz_env_run_commit(
    const uint8_t *data, size_t len, struct fuzz_env_reply *out /* OUT */);

#endif
