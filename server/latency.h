/* SPDX-License-Identifier: MIT */
/*
 * latency.h: what crmd measures of itself (issue 19): a latency histogram
 * per request type and the single writer's group commits, served to
 * admins by the `stats` request (latency_handle_stats, in handlers.h).
 *
 * A request's time runs from latency_arm() (dispatch_check, before
 * decoding) to its reply: latency_reply() in dispatch_pack for what a
 * worker answers, latency_record() in the writer after the group commit
 * for a write. Buckets are fixed and log-scale (8 per power of two, exact
 * below 8 us), counted with relaxed atomic adds: no lock on the hot path.
 */
#ifndef LATENCY_H
#define LATENCY_H

#include <stddef.h>
#include <stdint.h>

/* latency_now_ns: CLOCK_MONOTONIC in nanoseconds. */
uint64_t latency_now_ns(void);

/*
 * latency_arm: a request starts on this thread now. Returns the stamp, for
 * a write carried to the writer (struct dispatch_prep).
 */
uint64_t latency_arm(void);

/*
 * latency_slot: the histogram request req counts in: its Request body
 * case, a report's or an export's its kind's own (0: req NULL, not
 * decoded).
 */
struct Crm__V1__Request;
int latency_slot(const struct Crm__V1__Request *req);

/*
 * latency_reply: the reply of the request armed on this thread is ready:
 * count it in slot (latency_slot; a write's is its body case). Does
 * nothing on a thread with no armed request (the writer's).
 */
void latency_reply(int slot);

/* latency_record: a request of slot `slot` that started at t0_ns (from
 * latency_arm) is answered now. t0_ns 0: nothing. */
void latency_record(int slot, uint64_t t0_ns);

/* One group commit being timed (the writer thread's I/O counter). */
struct latency_commit {
	uint64_t t0_ns;
	int ok;                /* bytes and calls were read */
	uint64_t bytes, calls; /* the thread's wchar and syscw */
};

/* latency_commit_begin: before mdb_txn_commit on the writer thread. */
void latency_commit_begin(struct latency_commit *c /* OUT */);

/* latency_linger: the writer lingered for more writes before a commit;
 * filled: all it expected came; joined: writes it took meanwhile. */
void latency_linger(int filled, size_t joined);

/* latency_fold: the writer moved facts report facts from the fact
 * journal into their ranges in a transaction of its own (stats.h). */
void latency_fold(size_t facts);

/* latency_rerun: the writer ran a batch again without a write that
 * failed in its handler. */
void latency_rerun(void);

/* latency_commit_end: after it; ok: it committed requests requests. */
void latency_commit_end(
    const struct latency_commit *c, size_t requests, int ok);

/* The percentiles of one request type, as `stats` reports them. */
struct latency_summary {
	uint64_t count, sum_us;
	uint64_t p50_us, p99_us, p999_us, max_us;
};

/* latency_summary: slot's numbers so far (count 0: none). */
void latency_summary(int slot, struct latency_summary *out /* OUT */);

/* latency_bucket / latency_bucket_high: a duration's bucket, and the upper
 * edge (microseconds) of bucket i: what a percentile in it reads as. */
unsigned latency_bucket(uint64_t us);
uint64_t latency_bucket_high(unsigned i);

#endif
