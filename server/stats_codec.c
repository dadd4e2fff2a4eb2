/* SPDX-License-Identifier: MIT */
/*
 * stats_codec.c: the report facts of stats.h as bytes: each fact's
 * fixed-size big-endian encoding and its decoding, independent of the
 * host. No database access.
 */
#include "stats_impl.h"

#include <string.h>

#include "crm_pb_scan.h"
#include "store_schema.h"

/* ---------------------------------------------------- encoding */

uint8_t *
stats_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	return p + 8;
}

static const uint8_t *
get64(const uint8_t *p, uint64_t *v)
{
	*v = store_u64(p);
	return p + 8;
}

static const uint8_t *
get_time(const uint8_t *p, int64_t *t)
{
	uint64_t v;
	p = get64(p, &v);
	*t = (int64_t)v;
	return p;
}

size_t
stats_fu_encode(const struct stats_fu *f, uint8_t *b)
{
	uint8_t *p = stats_put64(b, f->customer_id);
	p = stats_put64(p, f->author_id);
	*p++ = f->grade;
	*p++ = f->channel;
	*p++ = f->mood;
	*p++ = f->flags;
	memcpy(p, f->score, 4);
	return FU_LEN;
}

int
stats_fu_decode(const void *v, size_t n, struct stats_fu *f)
{
	const uint8_t *p = v;
	if (n != FU_LEN) {
		return 0;
	}
	p = get64(p, &f->customer_id);
	p = get64(p, &f->author_id);
	f->grade = *p++;
	f->channel = *p++;
	f->mood = *p++;
	f->flags = *p++;
	memcpy(f->score, p, 4);
	return 1;
}

size_t
stats_stage_encode(const struct stats_stage *s, uint8_t *b)
{
	uint8_t *p = stats_put64(b, s->customer_id);
	p = stats_put64(p, s->owner_id);
	p = stats_put64(p, (uint64_t)s->first_contact_at);
	p = stats_put64(p, (uint64_t)s->deal_amount);
	*p++ = s->from;
	*p++ = s->to;
	*p++ = s->grade;
	*p = s->lost_reason;
	return STAGE_LEN;
}

int
stats_stage_decode(const void *v, size_t n, struct stats_stage *s)
{
	const uint8_t *p = v;
	if (n != STAGE_LEN) {
		return 0;
	}
	p = get64(p, &s->customer_id);
	p = get64(p, &s->owner_id);
	p = get_time(p, &s->first_contact_at);
	p = get_time(p, &s->deal_amount);
	s->from = *p++;
	s->to = *p++;
	s->grade = *p++;
	s->lost_reason = *p;
	return 1;
}

size_t
stats_task_encode(const struct stats_task *t, uint8_t *b)
{
	uint8_t *p = stats_put64(b, t->customer_id);
	p = stats_put64(p, t->owner_id);
	p = stats_put64(p, (uint64_t)t->done_at);
	*p++ = (uint8_t)((t->kind & ~STATS_TASK_MADE_LATE) |
	                 (t->made_late ? STATS_TASK_MADE_LATE : 0));
	*p = t->status;
	return TASK_LEN;
}

int
stats_task_decode(const void *v, size_t n, struct stats_task *t)
{
	const uint8_t *p = v;
	if (n != TASK_LEN) {
		return 0;
	}
	p = get64(p, &t->customer_id);
	p = get64(p, &t->owner_id);
	p = get_time(p, &t->done_at);
	t->kind = (uint8_t)(*p & ~STATS_TASK_MADE_LATE);
	t->made_late = (*p++ & STATS_TASK_MADE_LATE) != 0;
	t->status = *p;
	return 1;
}

size_t
stats_task_queue_fact(
    uint64_t owner, int64_t due, const void *v, size_t n, uint8_t *fact)
{
	/* crm.v1.Task's customer_id, kind, status, done_at, report_owner_id,
	 * report_until_at, created_at, plan_from_at and plan_followup_id:
	 * varints, read in place (a report walks every open task of its
	 * period). */
	static const uint32_t fields[] = { 2, 7, 10, 13, 20, 21, 14, 22, 23 };
	enum {
		CUSTOMER,
		KIND,
		STATUS,
		DONE_AT,
		REPORT_OWNER,
		UNTIL,
		CREATED,
		PLAN_FROM,
		PLAN_FU
	};
	uint64_t f[9];
	uint64_t have = crm_pb_varints(v, n, fields, 9, f);
	if ((have & CRM_PB_MALFORMED) ||
	    f[STATUS] != CRM__V1__TASK_STATUS__TASK_OPEN ||
	    stats_holder(owner, f[REPORT_OWNER], (int64_t)f[UNTIL], due) !=
	        owner) {
		return 0;
	}
	struct stats_task t = {
		.customer_id = f[CUSTOMER],
		.owner_id = owner,
		.done_at = (int64_t)f[DONE_AT],
		.kind = (uint8_t)f[KIND],
		.status = (uint8_t)f[STATUS],
	};
	/* stats_task_made_late, of the fields read. */
	Crm__V1__Task made = CRM__V1__TASK__INIT;
	made.has_created_at = (have >> CREATED) & 1;
	made.created_at = (int64_t)f[CREATED];
	made.has_plan_from_at = (have >> PLAN_FROM) & 1;
	made.plan_from_at = (int64_t)f[PLAN_FROM];
	made.has_plan_followup_id = (have >> PLAN_FU) & 1;
	made.plan_followup_id = f[PLAN_FU];
	made.due_at = due;
	t.made_late = (uint8_t)stats_task_made_late(&made);
	return stats_task_encode(&t, fact);
}

size_t
stats_commit_encode(const struct stats_commit *c, uint8_t *b)
{
	uint8_t *p = stats_put64(b, c->customer_id);
	p = stats_put64(p, c->owner_id);
	p = stats_put64(p, (uint64_t)c->closed_at);
	*p = c->status;
	return COMMIT_LEN;
}

int
stats_commit_decode(const void *v, size_t n, struct stats_commit *c)
{
	const uint8_t *p = v;
	if (n != COMMIT_LEN) {
		return 0;
	}
	p = get64(p, &c->customer_id);
	p = get64(p, &c->owner_id);
	p = get_time(p, &c->closed_at);
	c->status = *p;
	return 1;
}

size_t
stats_sla_encode(const struct stats_sla *s, uint8_t *b)
{
	uint8_t *p = stats_put64(b, s->customer_id);
	p = stats_put64(p, s->owner_id);
	p = stats_put64(p, (uint64_t)s->deadline_at);
	p = stats_put64(p, (uint64_t)s->stopped_at);
	*p = s->kind;
	return SLA_LEN;
}

int
stats_sla_decode(const void *v, size_t n, struct stats_sla *s)
{
	const uint8_t *p = v;
	if (n != SLA_LEN) {
		return 0;
	}
	p = get64(p, &s->customer_id);
	p = get64(p, &s->owner_id);
	p = get_time(p, &s->deadline_at);
	p = get_time(p, &s->stopped_at);
	s->kind = *p;
	return 1;
}

int
stats_grade_decode(const void *v, size_t n, struct stats_grade *g)
{
	const uint8_t *p = v;
	if (n != GRADE_LEN) {
		return 0;
	}
	p = get64(p, &g->customer_id);
	g->from = p[0];
	g->to = p[1];
	return 1;
}
