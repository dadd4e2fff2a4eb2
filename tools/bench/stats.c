/* SPDX-License-Identifier: MIT */
/*
 * stats.c: crm-bench's clock, random numbers and latency recorders.
 * Each client thread owns a preallocated recorder (no locks, no
 * allocation while measuring); percentiles come from the merged, sorted
 * samples once the run is over.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t
bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
bench_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9E3779B97F4A7C15u;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(2685821657736338717);
}

void
bench_lat_init(struct bench_lat *l, size_t cap, uint64_t seed)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap ? cap : 1;
	l->ns = crm_xmalloc(l->cap * sizeof(*l->ns));
	l->rng = seed | 1;
}

void
bench_lat_add(struct bench_lat *l, uint64_t ns)
{
	uint32_t v = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	l->count++;
	if (l->n < l->cap) {
		l->ns[l->n++] = v;
		return;
	}
	/* Reservoir sampling keeps every sample equally likely. */
	uint64_t j = bench_rand(&l->rng) % l->count;
	if (j < l->cap) {
		l->ns[j] = v;
	}
}

void
bench_lat_free(struct bench_lat *l)
{
	free(l->ns);
	memset(l, 0, sizeof(*l));
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of sorted v[n], in microseconds. */
static double
quantile_us(const uint32_t *v, size_t n, double q)
{
	if (n == 0) {
		return 0;
	}
	size_t rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1) {
		rank = 1;
	}
	if (rank > n) {
		rank = n;
	}
	return v[rank - 1] / 1000.0;
}

void
bench_summarize(const struct bench_lat *l, int n, double seconds,
    struct bench_summary *out)
{
	memset(out, 0, sizeof(*out));
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		total += l[i].n;
		out->requests += l[i].count;
		out->errors += l[i].errors;
	}
	out->seconds = seconds;
	out->rps = seconds > 0 ? (double)out->requests / seconds : 0;
	if (total == 0) {
		return;
	}
	uint32_t *all = crm_xmalloc(total * sizeof(*all));
	size_t k = 0;
	double sum = 0;
	for (int i = 0; i < n; i++) {
		memcpy(all + k, l[i].ns, l[i].n * sizeof(*all));
		k += l[i].n;
	}
	qsort(all, total, sizeof(*all), cmp_u32);
	for (size_t i = 0; i < total; i++) {
		sum += all[i];
	}
	out->p50_us = quantile_us(all, total, 0.50);
	out->p99_us = quantile_us(all, total, 0.99);
	out->p999_us = quantile_us(all, total, 0.999);
	out->max_us = all[total - 1] / 1000.0;
	out->mean_us = sum / (double)total / 1000.0;
	free(all);
}
