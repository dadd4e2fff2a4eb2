/* SPDX-License-Identifier: MIT */
/*
 * cmd_why.c: `customer why CUSTOMER` (issue 16): why each open task of a
 * customer is due when it is, each open commitment and each running SLA
 * deadline, in the server's words (customer.why). Reads only: a name
 * that is no customer's opens the only candidate, as customer show does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"

/* "UTC+08:00" of an offset in seconds east, into buf. */
static const char *
utc_name(long off, char *buf, size_t len)
{
	long a = off < 0 ? -off : off;
	snprintf(buf, len, "UTC%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600,
	    a % 3600 / 60);
	return buf;
}

/* "2026-12-14 09:00 Mon" into buf; with zoned, its offset after it
 * ("2026-12-14 09:00 Mon UTC-08:00"): this shell is not in crmd's zone. */
static const char *
day_time(int64_t t, int zoned, char *buf, size_t len)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	char at[32], zone[48] = "";
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	crm_time_format(t, at, sizeof(at));
	if (zoned) {
		zone[0] = ' ';
		utc_name(tm.tm_gmtoff, zone + 1, sizeof(zone) - 1);
	}
	snprintf(buf, len, "%s %s%s", at, wd[tm.tm_wday % 7], zone);
	return buf;
}

/* When crmd's zone is not this shell's, the texts' times (crmd's) and
 * the ones this shell shows (its own) say which is which. */
static int
show_zones(render_doc *out, const Crm__V1__WhyReply *r)
{
	time_t now = (time_t)r->now_at;
	struct tm tm;
	if (!r->has_utc_offset || localtime_r(&now, &tm) == NULL ||
	    tm.tm_gmtoff == r->utc_offset) {
		return 0;
	}
	char a[48], b[48];
	render_text(out,
	    "(times in the explanations are crmd's, %s; the due times and "
	    "deadlines are this shell's, %s)",
	    utc_name(r->utc_offset, a, sizeof(a)),
	    utc_name(tm.tm_gmtoff, b, sizeof(b)));
	return 1;
}

static void
show_item(render_doc *out, const char *head, const Crm__V1__WhyItem *w)
{
	render_text(out, "%s", head);
	render_text(out, "  %s", w->text ? w->text : "");
}

crm_status
cmd_customer_why(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerWhyRequest body = CRM__V1__CUSTOMER_WHY_REQUEST__INIT;
	crm_status rc = cmd_customer_resolve(ctx, call->argv[0], &body.id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_WHY;
	req.customer_why = &body;
	Crm__V1__Response *resp = NULL;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_WHY, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__WhyReply *r = resp->why;
	const Crm__V1__Customer *c = r->customer;
	char a[48], head[512];
	if (c != NULL) {
		const char *grade =
		    crm_enum_name(&crm__v1__grade__descriptor, (int)c->grade);
		render_text(out,
		    "%s (%" PRIu64 "), owner %s, stage %s, grade %s",
		    c->name ? c->name : "", c->id,
		    c->owner && *c->owner ? c->owner : "none (pool)",
		    crm_enum_name(&crm__v1__stage__descriptor, (int)c->stage),
		    *grade ? grade : "-");
	}
	int zoned = show_zones(out, r);
	if (c != NULL && c->pooled_at > 0 &&
	    (c->owner == NULL || *c->owner == '\0')) {
		render_text(out,
		    "in the team pool since %s%s%s%s%s: no one follows it up "
		    "until it is claimed (pool claim), and then the cadence "
		    "plans from the claim",
		    day_time(c->pooled_at, zoned, a, sizeof(a)),
		    c->pool_from && *c->pool_from ? ", last held by " : "",
		    c->pool_from ? c->pool_from : "",
		    c->pool_reason && *c->pool_reason ? ": " : "",
		    c->pool_reason ? c->pool_reason : "");
	}
	if (r->n_tasks == 0) {
		render_text(out, "no open tasks");
	}
	for (size_t i = 0; i < r->n_tasks; i++) {
		const Crm__V1__Task *t = r->tasks[i]->task;
		snprintf(head, sizeof(head), "task %" PRIu64 " %s, due %s%s%s",
		    t->id, crm_task_kind_word((int)t->kind),
		    day_time(t->due_at, zoned, a, sizeof(a)),
		    t->goal ? ": " : "", t->goal ? t->goal : "");
		show_item(out, head, r->tasks[i]);
	}
	for (size_t i = 0; i < r->n_commitments; i++) {
		const Crm__V1__Commitment *m = r->commitments[i]->commitment;
		snprintf(head, sizeof(head),
		    "commitment %" PRIu64 ", due %s (%s)", m->id,
		    day_time(m->due_at, zoned, a, sizeof(a)),
		    m->owner ? m->owner : "");
		show_item(out, head, r->commitments[i]);
	}
	for (size_t i = 0; i < r->n_clocks; i++) {
		const Crm__V1__SlaClock *k = r->clocks[i]->clock;
		if (k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
			snprintf(head, sizeof(head),
			    "clock %" PRIu64 " objection, no deadline: %s",
			    k->id, k->text ? k->text : "");
		} else {
			snprintf(head, sizeof(head),
			    "clock %" PRIu64 " %s, deadline %s%s%s%s", k->id,
			    crm_enum_name(
			        &crm__v1__sla_kind__descriptor, (int)k->kind),
			    day_time(k->deadline_at, zoned, a, sizeof(a)),
			    k->breached ? " (breached)" : "",
			    k->text && *k->text ? ": " : "",
			    k->text ? k->text : "");
		}
		show_item(out, head, r->clocks[i]);
	}
	if (r->reclaim != NULL && *r->reclaim) {
		render_text(out, "pool: %s", r->reclaim);
	}
	render_set_json(out, render_json_message(&r->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
