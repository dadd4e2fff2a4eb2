/* SPDX-License-Identifier: MIT */
/*
 * srvstats.c: what crmd says of a run (issue 19): its I/O from
 * /proc/PID/io, and its own numbers from the admin's `stats` request
 * (the writer's commits, writes and bytes, and one request type's latency
 * histogram), and CPU time from /proc/PID/stat and /proc/stat, each
 * taken before and after a run and subtracted.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* crmd's writer thread (named "crmd-writer"): its time on a CPU and
 * runnable without one, from /proc/PID/task/TID/schedstat. */
static void
writer_sched(pid_t pid, struct bench_cpu *out)
{
	char path[300], line[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL) {
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL && !out->writer_ok) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid,
		    e->d_name);
		FILE *f = fopen(path, "r");
		int named = f != NULL &&
		            fgets(line, sizeof(line), f) != NULL &&
		            strcmp(line, "crmd-writer\n") == 0;
		if (f != NULL) {
			fclose(f);
		}
		if (!named) {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
		    (int)pid, e->d_name);
		f = fopen(path, "r");
		unsigned long long run, wait;
		if (f != NULL && fscanf(f, "%llu %llu", &run, &wait) == 2) {
			out->writer_run_ns = run;
			out->writer_wait_ns = wait;
			out->writer_ok = 1;
		}
		if (f != NULL) {
			fclose(f);
		}
	}
	closedir(d);
}

int
bench_proc_cpu(pid_t pid, struct bench_cpu *out)
{
	memset(out, 0, sizeof(*out));
	out->ns = bench_now_ns();
	long hz = sysconf(_SC_CLK_TCK);
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL || hz <= 0) {
		if (f != NULL) {
			fclose(f);
		}
		return -1;
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command's closing parenthesis: state (3), then fields
	 * 4..13, then utime (14) and stime (15), in clock ticks. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (p == NULL ||
	    sscanf(p + 1,
	        " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	        &st) != 2) {
		return -1;
	}
	out->crmd_s = (double)(ut + st) / (double)hz;
	f = fopen("/proc/stat", "r");
	if (f == NULL) {
		return -1;
	}
	unsigned long long v[8] = { 0 };
	int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (got < 5) {
		return -1;
	}
	/* user nice system idle iowait irq softirq steal */
	unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	out->host_busy_s = (double)busy / (double)hz;
	out->ok = 1;
	writer_sched(pid, out);
	return 0;
}

int
bench_srv_stats(const char *url, const struct bench_user *admin,
    const int *bodies, struct bench_srv_stats *out)
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
		out->commit_us = s->writer->commit_us_total;
		out->page_size = s->writer->page_size;
	}
	if (s->writer != NULL) {
		out->leaves.traced = s->writer->traced_commits;
	}
	for (size_t i = 0; i < s->n_leaves && i < BENCH_LEAF_DBS; i++) {
		struct bench_leaves *lv = &out->leaves;
		snprintf(lv->name[lv->count], sizeof(lv->name[0]), "%s",
		    s->leaves[i]->table ? s->leaves[i]->table : "?");
		lv->n[lv->count++] = s->leaves[i]->leaves;
	}
	for (size_t i = 0; i < s->n_requests; i++) {
		const Crm__V1__RequestLatency *l = s->requests[i];
		int mine = 0;
		for (int k = 0; k < 4 && bodies[k] != 0; k++) {
			mine |= (int)l->body == bodies[k];
		}
		if (!mine) {
			continue;
		}
		for (size_t b = 0; b < l->n_buckets && b < BENCH_LAT_BUCKETS;
		     b++) {
			out->buckets[b] += l->buckets[b];
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
	out->commit_us = b->commit_us - a->commit_us;
	out->page_size = b->page_size;
	/* Leaves: b's databases, less what a had of each. */
	out->leaves.traced = b->leaves.traced - a->leaves.traced;
	for (int i = 0; i < b->leaves.count; i++) {
		uint64_t was = 0;
		for (int j = 0; j < a->leaves.count; j++) {
			if (strcmp(a->leaves.name[j], b->leaves.name[i]) ==
			    0) {
				was = a->leaves.n[j];
			}
		}
		if (b->leaves.n[i] > was) {
			struct bench_leaves *lv = &out->leaves;
			memcpy(lv->name[lv->count], b->leaves.name[i],
			    sizeof(lv->name[0]));
			lv->n[lv->count++] = b->leaves.n[i] - was;
		}
	}
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
