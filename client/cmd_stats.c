/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c: `stats` (admins): crmd's own latency per request type
 * since it started, and its writer's group commits (issue 19).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crm_xmalloc.h"

static void
us_text(char *buf, size_t len, uint64_t us)
{
	if (us >= 10000) {
		snprintf(buf, len, "%.1f ms", (double)us / 1000.0);
	} else {
		snprintf(buf, len, "%llu us", (unsigned long long)us);
	}
}

static void
u64_text(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* `--format csv`: the requests' table and the writer's numbers as they
 * are (microseconds, bytes, counts), named as in the reply. */
static void
stats_csv(const Crm__V1__StatsReply *s, render_doc *out)
{
	static const char *const cols[] = { "request", "count", "p50_us",
		"p99_us", "p999_us", "max_us", "mean_us" };
	render_table(out, 7, cols);
	for (size_t i = 0; i < s->n_requests; i++) {
		const Crm__V1__RequestLatency *r = s->requests[i];
		char v[6][24];
		u64_text(v[0], sizeof(v[0]), r->count);
		u64_text(v[1], sizeof(v[1]), r->p50_us);
		u64_text(v[2], sizeof(v[2]), r->p99_us);
		u64_text(v[3], sizeof(v[3]), r->p999_us);
		u64_text(v[4], sizeof(v[4]), r->max_us);
		u64_text(
		    v[5], sizeof(v[5]), r->count ? r->sum_us / r->count : 0);
		const char *cells[] = { r->name, v[0], v[1], v[2], v[3], v[4],
			v[5] };
		render_row(out, cells);
	}
	const Crm__V1__WriterStats *w = s->writer;
	if (w == NULL) {
		return;
	}
	const struct {
		const char *name;
		uint64_t v;
	} kv[] = {
		{ "uptime_seconds", s->uptime_seconds },
		{ "commits", w->commits },
		{ "requests", w->requests },
		{ "max_batch", w->max_batch },
		{ "write_bytes", w->write_bytes },
		{ "page_size", w->page_size },
		{ "write_calls", w->write_calls },
		{ "commit_p50_us", w->commit_p50_us },
		{ "commit_p99_us", w->commit_p99_us },
		{ "commit_p999_us", w->commit_p999_us },
		{ "commit_us_total", w->commit_us_total },
		{ "lingers", w->lingers },
		{ "lingers_short", w->lingers_short },
		{ "linger_writes", w->linger_writes },
		{ "batch_reruns", w->batch_reruns },
		{ "facts_folded", w->facts_folded },
		{ "folds", w->folds },
	};
	render_record(out);
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		char v[24];
		u64_text(v, sizeof(v), kv[i].v);
		render_kv(out, kv[i].name, v);
	}
}

/* Most leaves first. */
static int
by_leaves(const void *a, const void *b)
{
	const Crm__V1__TableLeaves *x =
	                               *(const Crm__V1__TableLeaves *const *)a,
	                           *y =
	                               *(const Crm__V1__TableLeaves *const *)b;
	return x->leaves < y->leaves ? 1 : x->leaves > y->leaves ? -1 : 0;
}

/* crmd --trace-leaves: the leaves its commits changed, by database. */
static void
leaves_table(const Crm__V1__StatsReply *s, render_doc *out)
{
	const Crm__V1__WriterStats *w = s->writer;
	Crm__V1__TableLeaves **v = crm_xcalloc(s->n_leaves, sizeof(*v));
	memcpy(v, s->leaves, s->n_leaves * sizeof(*v));
	qsort(v, s->n_leaves, sizeof(*v), by_leaves);
	static const char *const cols[] = { "leaves changed (--trace-leaves)",
		"leaves", "a commit", "a write" };
	render_table(out, 4, cols);
	for (size_t i = 0; i < s->n_leaves; i++) {
		char n[24], pc[24], pw[24];
		snprintf(
		    n, sizeof(n), "%llu", (unsigned long long)v[i]->leaves);
		snprintf(pc, sizeof(pc), "%.2f",
		    (double)v[i]->leaves / (double)w->traced_commits);
		snprintf(pw, sizeof(pw), "%.2f",
		    w->requests ? (double)v[i]->leaves / (double)w->requests
		                : 0.0);
		const char *cells[] = { v[i]->table, n, pc, pw };
		render_row(out, cells);
	}
	free(v);
}

crm_status
cmd_stats(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__StatsRequest body = CRM__V1__STATS_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	(void)call;
	req.body_case = CRM__V1__REQUEST__BODY_STATS;
	req.stats = &body;
	crm_status rc =
	    cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_STATS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__StatsReply *s = resp->stats;
	/* CSV is for a spreadsheet: plain numbers, the unit in the name. */
	if (ctx->ropts.format == RENDER_CSV) {
		stats_csv(s, out);
		render_set_json(out, render_json_message(&s->base));
		crm__v1__response__free_unpacked(resp, NULL);
		return CRM_OK;
	}
	static const char *const cols[] = { "request", "count", "p50", "p99",
		"p999", "max", "mean" };
	render_table(out, 7, cols);
	for (size_t i = 0; i < s->n_requests; i++) {
		const Crm__V1__RequestLatency *r = s->requests[i];
		char count[24], p50[24], p99[24], p999[24], max[24], mean[24];
		snprintf(count, sizeof(count), "%llu",
		    (unsigned long long)r->count);
		us_text(p50, sizeof(p50), r->p50_us);
		us_text(p99, sizeof(p99), r->p99_us);
		us_text(p999, sizeof(p999), r->p999_us);
		us_text(max, sizeof(max), r->max_us);
		us_text(
		    mean, sizeof(mean), r->count ? r->sum_us / r->count : 0);
		const char *cells[] = { r->name, count, p50, p99, p999, max,
			mean };
		render_row(out, cells);
	}
	const Crm__V1__WriterStats *w = s->writer;
	if (w != NULL) {
		char commits[96], batch[96], bytes[128], commit[128],
		    linger[96], rerun[96];
		double per = w->commits ? (double)w->requests / w->commits : 0;
		double b =
		    w->commits ? (double)w->write_bytes / w->commits : 0;
		snprintf(commits, sizeof(commits), "%llu (%llu writes)",
		    (unsigned long long)w->commits,
		    (unsigned long long)w->requests);
		snprintf(batch, sizeof(batch), "%.2f (most %llu)", per,
		    (unsigned long long)w->max_batch);
		snprintf(bytes, sizeof(bytes),
		    "%.0f bytes = %.1f pages of %u bytes, in %.1f write calls",
		    b, w->page_size ? b / w->page_size : 0, w->page_size,
		    w->commits ? (double)w->write_calls / w->commits : 0);
		char p50[24], p99[24], p999[24], all[24];
		us_text(p50, sizeof(p50), w->commit_p50_us);
		us_text(p99, sizeof(p99), w->commit_p99_us);
		us_text(p999, sizeof(p999), w->commit_p999_us);
		if (w->commit_us_total >= 10000000) {
			snprintf(all, sizeof(all), "%.1f s",
			    (double)w->commit_us_total / 1e6);
		} else {
			us_text(all, sizeof(all), w->commit_us_total);
		}
		snprintf(commit, sizeof(commit),
		    "p50 %s, p99 %s, p999 %s; %s in all", p50, p99, p999, all);
		snprintf(linger, sizeof(linger),
		    "%llu (%llu short; %llu writes joined)",
		    (unsigned long long)w->lingers,
		    (unsigned long long)w->lingers_short,
		    (unsigned long long)w->linger_writes);
		snprintf(rerun, sizeof(rerun), "%llu",
		    (unsigned long long)w->batch_reruns);
		char fold[64];
		snprintf(fold, sizeof(fold), "%llu in %llu folds",
		    (unsigned long long)w->facts_folded,
		    (unsigned long long)w->folds);
		char up[32];
		snprintf(up, sizeof(up), "%llu s",
		    (unsigned long long)s->uptime_seconds);
		render_record(out);
		render_kv(out, "since start", up);
		render_kv(out, "group commits", commits);
		render_kv(out, "writes per commit", batch);
		render_kv(out, "written per commit", bytes);
		render_kv(out, "commit (write + sync)", commit);
		render_kv(out, "waits for more writers", linger);
		render_kv(out, "batches run again (a write failed)", rerun);
		render_kv(out, "report facts folded (journal)", fold);
		render_kv(out, "resolution", s->resolution);
	}
	if (w != NULL && w->traced_commits > 0 && s->n_leaves > 0) {
		leaves_table(s, out);
	}
	render_set_json(out, render_json_message(&s->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
