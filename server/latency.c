/* SPDX-License-Identifier: MIT */
/*
 * latency.c: per-request-type latency histograms and the writer's group
 * commit counters (latency.h), and the admin-only `stats` request that
 * reports them. Counters are relaxed atomics in static arrays: a request
 * costs two clock reads and two atomic adds, with no lock; a reader sees
 * each counter whole, not all of them at one instant.
 */
#include "latency.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handlers.h"

/* Request body field numbers counted one by one (slot 0: above them, or
 * not decoded); then each kind of report and of export a slot of its own
 * (latency_slot): a conversion over a whole team and a funnel of one rep
 * are not one distribution. */
#define CASES       512
#define KINDS       32
#define REPORT_SLOT CASES
#define EXPORT_SLOT (CASES + KINDS)
#define IMPORT_SLOT (CASES + 2 * KINDS)
#define SLOTS       (CASES + 3 * KINDS)
/* 8 buckets per power of two from 8 us; 0-7 us one each; the last holds
 * everything from 2^34 us (4.8 hours) up. */
#define SUB_BITS 3
#define SUB      (1u << SUB_BITS)
#define BUCKETS  256u

static _Atomic uint64_t hist[SLOTS][BUCKETS];
static _Atomic uint64_t sums[SLOTS];

static _Atomic uint64_t lingers, lingers_short, linger_writes, batch_reruns;
static _Atomic uint64_t folds, facts_folded;
static _Atomic uint64_t commits, committed, max_batch, write_bytes,
    write_calls;
static _Atomic uint64_t commit_hist[BUCKETS];
static _Atomic uint64_t commit_ns; /* summed */

static _Thread_local uint64_t armed;

static uint64_t start_mono_ns;
static int64_t start_wall;

__attribute__((constructor)) static void
latency_init(void)
{
	start_mono_ns = latency_now_ns();
	start_wall = (int64_t)time(NULL);
}

uint64_t
latency_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned
latency_bucket(uint64_t us)
{
	if (us < SUB) {
		return (unsigned)us;
	}
	unsigned e = 63u - (unsigned)__builtin_clzll(us); /* >= SUB_BITS */
	unsigned sub = (unsigned)(us >> (e - SUB_BITS)) & (SUB - 1);
	unsigned i = (e - SUB_BITS + 1) * SUB + sub;
	return i < BUCKETS ? i : BUCKETS - 1;
}

uint64_t
latency_bucket_high(unsigned i)
{
	if (i < SUB) {
		return i + 1;
	}
	unsigned e = i / SUB + SUB_BITS - 1, sub = i % SUB;
	return (uint64_t)(SUB + sub + 1) << (e - SUB_BITS);
}

static void
add(_Atomic uint64_t *h, _Atomic uint64_t *sum, uint64_t ns)
{
	uint64_t us = ns / 1000;
	atomic_fetch_add_explicit(
	    &h[latency_bucket(us)], 1, memory_order_relaxed);
	if (sum != NULL) {
		atomic_fetch_add_explicit(sum, us, memory_order_relaxed);
	}
}

uint64_t
latency_arm(void)
{
	armed = latency_now_ns();
	return armed;
}

int
latency_slot(const Crm__V1__Request *req)
{
	if (req == NULL) {
		return 0;
	}
	if (req->body_case == CRM__V1__REQUEST__BODY_REPORT &&
	    req->report != NULL && req->report->kind > 0 &&
	    req->report->kind < KINDS) {
		return REPORT_SLOT + (int)req->report->kind;
	}
	if (req->body_case == CRM__V1__REQUEST__BODY_EXPORT_PAGE &&
	    req->export_page != NULL && req->export_page->kind > 0 &&
	    req->export_page->kind < KINDS) {
		return EXPORT_SLOT + (int)req->export_page->kind;
	}
	if (req->body_case == CRM__V1__REQUEST__BODY_IMPORT_BATCH &&
	    req->import_batch != NULL && req->import_batch->kind > 0 &&
	    req->import_batch->kind < KINDS) {
		return IMPORT_SLOT + (int)req->import_batch->kind;
	}
	return (int)req->body_case;
}

void
latency_record(int slot, uint64_t t0_ns)
{
	if (t0_ns == 0) {
		return;
	}
	uint64_t now = latency_now_ns();
	unsigned c = slot > 0 && slot < SLOTS ? (unsigned)slot : 0;
	add(hist[c], &sums[c], now > t0_ns ? now - t0_ns : 0);
}

void
latency_reply(int slot)
{
	uint64_t t0 = armed;
	armed = 0;
	latency_record(slot, t0);
}

/*
 * The calling thread's write calls and the bytes it passed to them
 * (wchar, syscw of /proc/thread-self/io), read through a descriptor kept
 * open per thread (only the writer asks). Not write_bytes: on kernels
 * with large folios a 4 KiB write into a cached 2 MiB folio counts 2 MiB
 * there. Returns 0, or -1 when /proc cannot tell.
 */
static int
thread_writes(uint64_t *bytes, uint64_t *calls)
{
	static _Thread_local int fd = -1;
	if (fd < 0) {
		fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			return -1;
		}
	}
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		return -1;
	}
	buf[n] = '\0';
	const char *w = strstr(buf, "wchar: "), *s = strstr(buf, "syscw: ");
	if (w == NULL || s == NULL) {
		return -1;
	}
	*bytes = strtoull(w + 7, NULL, 10);
	*calls = strtoull(s + 7, NULL, 10);
	return 0;
}

void
latency_fold(size_t facts)
{
	atomic_fetch_add_explicit(&folds, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&facts_folded, facts, memory_order_relaxed);
}

void
latency_linger(int filled, size_t joined)
{
	atomic_fetch_add_explicit(&lingers, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(
	    &linger_writes, joined, memory_order_relaxed);
	if (!filled) {
		atomic_fetch_add_explicit(
		    &lingers_short, 1, memory_order_relaxed);
	}
}

void
latency_rerun(void)
{
	atomic_fetch_add_explicit(&batch_reruns, 1, memory_order_relaxed);
}

void
latency_commit_begin(struct latency_commit *c)
{
	c->ok = thread_writes(&c->bytes, &c->calls) == 0;
	c->t0_ns = latency_now_ns();
}

void
latency_commit_end(const struct latency_commit *c, size_t requests, int ok)
{
	if (!ok) {
		return;
	}
	uint64_t now = latency_now_ns(), bytes, calls;
	add(commit_hist, NULL, now - c->t0_ns);
	atomic_fetch_add_explicit(
	    &commit_ns, now - c->t0_ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&commits, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&committed, requests, memory_order_relaxed);
	if (c->ok && thread_writes(&bytes, &calls) == 0 && bytes >= c->bytes &&
	    calls >= c->calls) {
		atomic_fetch_add_explicit(
		    &write_bytes, bytes - c->bytes, memory_order_relaxed);
		atomic_fetch_add_explicit(
		    &write_calls, calls - c->calls, memory_order_relaxed);
	}
	/* Only the writer thread stores it. */
	if (requests >
	    atomic_load_explicit(&max_batch, memory_order_relaxed)) {
		atomic_store_explicit(
		    &max_batch, requests, memory_order_relaxed);
	}
}

/* p50, p99, p999 and the highest bucket of h (n counted). */
static void
percentiles(_Atomic uint64_t *h, uint64_t n, struct latency_summary *s)
{
	const double q[3] = { 0.50, 0.99, 0.999 };
	uint64_t *out[3] = { &s->p50_us, &s->p99_us, &s->p999_us };
	uint64_t seen = 0;
	int k = 0;
	for (unsigned i = 0; i < BUCKETS; i++) {
		uint64_t c = atomic_load_explicit(&h[i], memory_order_relaxed);
		if (c == 0) {
			continue;
		}
		seen += c;
		while (k < 3 && (double)seen >= q[k] * (double)n) {
			*out[k++] = latency_bucket_high(i);
		}
		s->max_us = latency_bucket_high(i);
	}
	while (k < 3) {
		*out[k++] = s->max_us;
	}
}

static uint64_t
total(_Atomic uint64_t *h)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < BUCKETS; i++) {
		n += atomic_load_explicit(&h[i], memory_order_relaxed);
	}
	return n;
}

void
latency_summary(int slot, struct latency_summary *out)
{
	memset(out, 0, sizeof(*out));
	unsigned c = slot > 0 && slot < SLOTS ? (unsigned)slot : 0;
	out->count = total(hist[c]);
	out->sum_us = atomic_load_explicit(&sums[c], memory_order_relaxed);
	if (out->count > 0) {
		percentiles(hist[c], out->count, out);
	}
}

/* Slot c's request body field number; *kind: the name of its kind (a
 * report's or an export's: "conversion"), in the arena, else NULL. */
static unsigned
slot_body(struct req_ctx *ctx, unsigned c, const char **kind)
{
	const ProtobufCEnumDescriptor *d = NULL;
	unsigned body = c;
	int value = 0;
	*kind = NULL;
	if (c >= IMPORT_SLOT) {
		d = &crm__v1__import_kind__descriptor;
		body = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
		value = (int)(c - IMPORT_SLOT);
	} else if (c >= EXPORT_SLOT) {
		d = &crm__v1__export_kind__descriptor;
		body = CRM__V1__REQUEST__BODY_EXPORT_PAGE;
		value = (int)(c - EXPORT_SLOT);
	} else if (c >= REPORT_SLOT) {
		d = &crm__v1__report_kind__descriptor;
		body = CRM__V1__REQUEST__BODY_REPORT;
		value = (int)(c - REPORT_SLOT);
	}
	const ProtobufCEnumValue *v =
	    d != NULL ? protobuf_c_enum_descriptor_get_value(d, value) : NULL;
	if (v != NULL) {
		/* REPORT_CONVERSION: conversion */
		const char *s = strchr(v->name, '_');
		char *k = crm_arena_strdup(ctx->arena, s != NULL ? s + 1 : "");
		for (char *p = k; p != NULL && *p; p++) {
			*p = (char)tolower((unsigned char)*p);
		}
		*kind = k;
	}
	return body;
}

/* The name of a slot of request body `body` and kind (NULL: none): the
 * request's ("due"), its kind after it ("report conversion"), in the
 * arena. */
static const char *
slot_name(struct req_ctx *ctx, unsigned body, const char *kind)
{
	if (body == 0) {
		return "(not decoded)";
	}
	const struct dispatch_row *row =
	    dispatch_row((Crm__V1__Request__BodyCase)body);
	const char *name = row != NULL ? row->name : "(unknown)";
	if (kind == NULL) {
		return name;
	}
	size_t n = strlen(name) + strlen(kind) + 12;
	char *s = crm_arena_alloc(ctx->arena, n);
	if (s == NULL) {
		return name;
	}
	snprintf(s, n, "%s %s", name, *kind ? kind : "(unknown)");
	return s;
}

crm_status
latency_handle_stats(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__StatsReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	Crm__V1__WriterStats *w = crm_arena_alloc(ctx->arena, sizeof(*w));
	if (out == NULL || w == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__stats_reply__init(out);
	crm__v1__writer_stats__init(w);
	/* Types used so far (this request is counted once its reply is
	 * ready: the next stats shows it). */
	unsigned used = 0;
	for (unsigned c = 0; c < SLOTS; c++) {
		used += total(hist[c]) > 0;
	}
	out->requests =
	    crm_arena_alloc(ctx->arena, (used ? used : 1) * sizeof(void *));
	if (out->requests == NULL) {
		return CRM_TOO_BIG;
	}
	for (unsigned c = 0; c < SLOTS && out->n_requests < used; c++) {
		struct latency_summary s;
		latency_summary((int)c, &s);
		if (s.count == 0) {
			continue;
		}
		Crm__V1__RequestLatency *r =
		    crm_arena_alloc(ctx->arena, sizeof(*r));
		if (r == NULL) {
			return CRM_TOO_BIG;
		}
		crm__v1__request_latency__init(r);
		const char *kind;
		r->has_body = r->has_count = r->has_p50_us = r->has_p99_us =
		    r->has_p999_us = r->has_max_us = r->has_sum_us = 1;
		r->body = slot_body(ctx, c, &kind);
		r->kind = (char *)kind;
		r->name = (char *)slot_name(ctx, r->body, kind);
		r->count = s.count;
		r->p50_us = s.p50_us;
		r->p99_us = s.p99_us;
		r->p999_us = s.p999_us;
		r->max_us = s.max_us;
		r->sum_us = s.sum_us;
		size_t nb = BUCKETS;
		while (nb > 0 && atomic_load_explicit(&hist[c][nb - 1],
		                     memory_order_relaxed) == 0) {
			nb--;
		}
		r->buckets = crm_arena_alloc(
		    ctx->arena, (nb ? nb : 1) * sizeof(*r->buckets));
		if (r->buckets == NULL) {
			return CRM_TOO_BIG;
		}
		for (size_t i = 0; i < nb; i++) {
			r->buckets[i] = atomic_load_explicit(
			    &hist[c][i], memory_order_relaxed);
		}
		r->n_buckets = nb;
		out->requests[out->n_requests++] = r;
	}
	w->has_commits = w->has_requests = w->has_max_batch =
	    w->has_write_bytes = w->has_page_size = w->has_write_calls =
	        w->has_lingers = w->has_lingers_short = w->has_linger_writes =
	            w->has_batch_reruns = 1;
	w->batch_reruns =
	    atomic_load_explicit(&batch_reruns, memory_order_relaxed);
	w->lingers = atomic_load_explicit(&lingers, memory_order_relaxed);
	w->linger_writes =
	    atomic_load_explicit(&linger_writes, memory_order_relaxed);
	w->has_folds = w->has_facts_folded = 1;
	w->folds = atomic_load_explicit(&folds, memory_order_relaxed);
	w->facts_folded =
	    atomic_load_explicit(&facts_folded, memory_order_relaxed);
	w->has_commit_us_total = 1;
	w->commit_us_total =
	    atomic_load_explicit(&commit_ns, memory_order_relaxed) / 1000;
	w->lingers_short =
	    atomic_load_explicit(&lingers_short, memory_order_relaxed);
	w->write_calls =
	    atomic_load_explicit(&write_calls, memory_order_relaxed);
	w->commits = atomic_load_explicit(&commits, memory_order_relaxed);
	w->requests = atomic_load_explicit(&committed, memory_order_relaxed);
	w->max_batch = atomic_load_explicit(&max_batch, memory_order_relaxed);
	w->write_bytes =
	    atomic_load_explicit(&write_bytes, memory_order_relaxed);
	w->page_size = store_page_size(ctx->st);
	uint64_t n = total(commit_hist);
	if (n > 0) {
		struct latency_summary s;
		memset(&s, 0, sizeof(s));
		percentiles(commit_hist, n, &s);
		w->has_commit_p50_us = w->has_commit_p99_us =
		    w->has_commit_p999_us = 1;
		w->commit_p50_us = s.p50_us;
		w->commit_p99_us = s.p99_us;
		w->commit_p999_us = s.p999_us;
	}
	out->writer = w;
	uint64_t leaves[DB_COUNT];
	uint64_t traced = store_trace_counts(leaves);
	if (traced > 0) {
		w->has_traced_commits = 1;
		w->traced_commits = traced;
		out->leaves =
		    crm_arena_alloc(ctx->arena, DB_COUNT * sizeof(void *));
		if (out->leaves == NULL) {
			return CRM_TOO_BIG;
		}
		for (int db = 0; db < DB_COUNT; db++) {
			Crm__V1__TableLeaves *t;
			if (leaves[db] == 0 || (t = crm_arena_alloc(ctx->arena,
			                            sizeof(*t))) == NULL) {
				continue;
			}
			crm__v1__table_leaves__init(t);
			t->table = (char *)store_db_name((enum store_db)db);
			t->has_leaves = 1;
			t->leaves = leaves[db];
			out->leaves[out->n_leaves++] = t;
		}
	}
	out->has_started_at = out->has_uptime_seconds = 1;
	out->started_at = start_wall;
	out->uptime_seconds = (latency_now_ns() - start_mono_ns) / 1000000000u;
	out->resolution =
	    "fixed log-scale buckets, 8 per power of two (exact below 8 us); "
	    "a percentile is the upper edge of its bucket, at most 12.5 % "
	    "above the true value";
	resp->body_case = CRM__V1__RESPONSE__BODY_STATS;
	resp->stats = out;
	return CRM_OK;
}
