/* SPDX-License-Identifier: MIT */
/*
 * srvstats.c: what crmd says of a run (issue 19): its I/O from
 * /proc/PID/io, and its own numbers from the admin's `stats` request
 * (the writer's commits, writes and bytes, and one request type's latency
 * histogram), each taken before and after a run and subtracted.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int
bench_proc_io(pid_t pid, struct bench_io *out)
{
	memset(out, 0, sizeof(*out));
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return -1;
	}
	int found = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		uint64_t v;
		if (sscanf(line, "wchar: %" SCNu64, &v) == 1) {
			out->wchar = v;
			found++;
		} else if (sscanf(line, "syscw: %" SCNu64, &v) == 1) {
			out->syscw = v;
			found++;
		} else if (sscanf(line, "write_bytes: %" SCNu64, &v) == 1) {
			out->write_bytes = v;
			found++;
		}
	}
	fclose(f);
	out->ok = found == 3;
	return out->ok ? 0 : -1;
}

int
bench_srv_stats(const char *url, const struct bench_user *admin, int body,
    struct bench_srv_stats *out)
{
	memset(out, 0, sizeof(*out));
	struct bench_conn c;
	memset(&c, 0, sizeof(c));
	if (bench_conn_open(&c, url) != 0) {
		return -1;
	}
	memcpy(c.token, admin->token, admin->token_len);
	c.token_len = admin->token_len;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__StatsRequest q = CRM__V1__STATS_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_STATS;
	req.stats = &q;
	Crm__V1__Response *r = NULL;
	crm_status rc = bench_call(&c, &req, &r);
	bench_conn_close(&c);
	if (rc != CRM_OK || r->body_case != CRM__V1__RESPONSE__BODY_STATS) {
		if (r != NULL) {
			crm__v1__response__free_unpacked(r, NULL);
		}
		return -1;
	}
	const Crm__V1__StatsReply *s = r->stats;
	if (s->writer != NULL) {
		out->commits = s->writer->commits;
		out->writes = s->writer->requests;
		out->write_bytes = s->writer->write_bytes;
		out->page_size = s->writer->page_size;
	}
	for (size_t i = 0; i < s->n_requests; i++) {
		const Crm__V1__RequestLatency *l = s->requests[i];
		if (body == 0 || (int)l->body != body) {
			continue;
		}
		for (size_t b = 0; b < l->n_buckets && b < BENCH_LAT_BUCKETS;
		     b++) {
			out->buckets[b] = l->buckets[b];
		}
	}
	out->ok = 1;
	crm__v1__response__free_unpacked(r, NULL);
	return 0;
}

/* The upper edge (us) of crmd's latency bucket i (server/latency.c). */
static double
bucket_high(unsigned i)
{
	if (i < 8) {
		return i + 1;
	}
	return (double)((uint64_t)(9 + i % 8) << (i / 8 - 1));
}

void
bench_srv_delta(const struct bench_srv_stats *a,
    const struct bench_srv_stats *b, struct bench_srv_run *out)
{
	memset(out, 0, sizeof(*out));
	if (!a->ok || !b->ok) {
		return;
	}
	out->ok = 1;
	out->commits = b->commits - a->commits;
	out->writes = b->writes - a->writes;
	out->write_bytes = b->write_bytes - a->write_bytes;
	out->page_size = b->page_size;
	uint64_t d[BENCH_LAT_BUCKETS], n = 0;
	for (unsigned i = 0; i < BENCH_LAT_BUCKETS; i++) {
		d[i] = b->buckets[i] >= a->buckets[i]
		           ? b->buckets[i] - a->buckets[i]
		           : 0;
		n += d[i];
	}
	out->count = n;
	if (n == 0) {
		return;
	}
	const double q[3] = { 0.5, 0.99, 0.999 };
	double *p[3] = { &out->p50_us, &out->p99_us, &out->p999_us };
	uint64_t seen = 0;
	int k = 0;
	for (unsigned i = 0; i < BENCH_LAT_BUCKETS && k < 3; i++) {
		seen += d[i];
		while (k < 3 && d[i] > 0 && (double)seen >= q[k] * (double)n) {
			*p[k++] = bucket_high(i);
		}
	}
}
