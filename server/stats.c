/* SPDX-License-Identifier: MIT */
/*
 * stats.c: the report indexes of stats.h: encoding of facts, the hooks
 * that keep them in step with records, and their rebuild from records.
 */
#include "stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crm.h"
#include "purchase.h"
#include "review.h"
#include "schema.h"
#include "user.h"

#define FU_LEN     24
#define STAGE_LEN  36
#define TASK_LEN   26
#define COMMIT_LEN 25
#define SLA_LEN    33
#define GRADE_LEN  10

/* ---------------------------------------------------- encoding */

static uint8_t *
put64(uint8_t *p, uint64_t v)
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

static size_t
fu_encode(const struct stats_fu *f, uint8_t *b)
{
	uint8_t *p = put64(b, f->customer_id);
	p = put64(p, f->author_id);
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

static size_t
stage_encode(const struct stats_stage *s, uint8_t *b)
{
	uint8_t *p = put64(b, s->customer_id);
	p = put64(p, s->owner_id);
	p = put64(p, (uint64_t)s->first_contact_at);
	p = put64(p, (uint64_t)s->deal_amount);
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

static size_t
task_encode(const struct stats_task *t, uint8_t *b)
{
	uint8_t *p = put64(b, t->customer_id);
	p = put64(p, t->owner_id);
	p = put64(p, (uint64_t)t->done_at);
	*p++ = t->kind;
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
	t->kind = *p++;
	t->status = *p;
	return 1;
}

static size_t
commit_encode(const struct stats_commit *c, uint8_t *b)
{
	uint8_t *p = put64(b, c->customer_id);
	p = put64(p, c->owner_id);
	p = put64(p, (uint64_t)c->closed_at);
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

static size_t
sla_encode(const struct stats_sla *s, uint8_t *b)
{
	uint8_t *p = put64(b, s->customer_id);
	p = put64(p, s->owner_id);
	p = put64(p, (uint64_t)s->deadline_at);
	p = put64(p, (uint64_t)s->stopped_at);
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

/* ---------------------------------------------------- index moves */

/* One fact under two scopes; a record's old and new facts. */
struct fact {
	int on;
	uint64_t scope[2];
	int64_t at;
	uint64_t id;
	uint8_t val[48];
	size_t len;
};

static uint64_t
team_of_user(struct req_ctx *ctx, uint64_t user_id)
{
	Crm__Store__UserRecord *u;
	return user_get(ctx, user_id, &u) == CRM_OK ? u->team_id : 0;
}

/* Make db hold the facts of after instead of those of before. */
static crm_status
move(struct req_ctx *ctx, enum store_db db, const struct fact *before,
    const struct fact *after)
{
	crm_status rc = CRM_OK;
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		store_key ok, nk;
		if (before->on) {
			store_key_triple(&ok, before->scope[i],
			    store_time_key(before->at), before->id);
		}
		if (after->on) {
			store_key_triple(&nk, after->scope[i],
			    store_time_key(after->at), after->id);
		}
		if (before->on && (!after->on || ok.len != nk.len ||
		                      memcmp(ok.b, nk.b, ok.len) != 0)) {
			rc = store_del(ctx->st, ctx->txn, db, &ok);
		}
		if (rc == CRM_OK && after->on) {
			rc = store_put(ctx->st, ctx->txn, db, nk.b, nk.len,
			    after->val, after->len);
		}
	}
	return rc;
}

/* ---------------------------------------------------- customers */

static int
counted(const Crm__V1__Customer *c)
{
	return c != NULL && c->merged_into == 0;
}

static crm_status
tally_add(
    struct req_ctx *ctx, uint64_t scope, const Crm__V1__Customer *c, int delta)
{
	store_key k;
	store_key_id(&k, scope);
	k.b[8] = (uint8_t)c->stage;
	k.b[9] = (uint8_t)c->grade;
	k.len = 10;
	store_val v;
	uint64_t n = 0;
	crm_status rc = store_get(ctx->st, ctx->txn, DB_TALLY, k.b, k.len, &v);
	if (rc == CRM_OK && v.len == 8) {
		n = store_u64(v.data);
	} else if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		return rc;
	}
	n = delta > 0 ? n + 1 : (n > 0 ? n - 1 : 0);
	if (n == 0) {
		return store_del(ctx->st, ctx->txn, DB_TALLY, &k);
	}
	uint8_t b[8];
	put64(b, n);
	return store_put(ctx->st, ctx->txn, DB_TALLY, k.b, k.len, b, 8);
}

static int
same_tally(const Crm__V1__Customer *a, const Crm__V1__Customer *b)
{
	return counted(a) == counted(b) &&
	       (!counted(a) ||
	           (a->owner_id == b->owner_id && a->team_id == b->team_id &&
	               a->stage == b->stage && a->grade == b->grade));
}

/* The active grade of c in scope: its grade while it is a live, not
 * lost customer owned in the scope; else 0. */
static uint8_t
active_grade(const Crm__V1__Customer *c, uint64_t scope)
{
	if (!counted(c) || c->stage == CRM__V1__STAGE__STAGE_LOST ||
	    (scope != c->team_id && scope != (STATS_PERSON | c->owner_id))) {
		return 0;
	}
	return (uint8_t)c->grade;
}

static crm_status
grade_fact(struct req_ctx *ctx, uint64_t scope, int64_t at, uint64_t seq,
    uint64_t cid, uint8_t from, uint8_t to)
{
	store_key k;
	store_key_triple(&k, scope, store_time_key(at), seq);
	uint8_t b[GRADE_LEN];
	put64(b, cid);
	b[8] = from;
	b[9] = to;
	return store_put(
	    ctx->st, ctx->txn, DB_GRADE_TIME, k.b, k.len, b, GRADE_LEN);
}

/* A grade fact in each scope of before or after where the customer's
 * active grade changes. */
static crm_status
grade_facts(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after, int64_t at)
{
	uint64_t scopes[4];
	size_t n = 0;
	const Crm__V1__Customer *cs[2] = { before, after };
	for (int i = 0; i < 2; i++) {
		if (cs[i] == NULL) {
			continue;
		}
		uint64_t two[2] = { cs[i]->team_id,
			STATS_PERSON | cs[i]->owner_id };
		for (int j = 0; j < 2; j++) {
			size_t k = 0;
			while (k < n && scopes[k] != two[j]) {
				k++;
			}
			if (k == n) {
				scopes[n++] = two[j];
			}
		}
	}
	crm_status rc = CRM_OK;
	uint64_t cid = after ? after->id : before->id, seq = 0;
	for (size_t i = 0; i < n && rc == CRM_OK; i++) {
		uint8_t f = before ? active_grade(before, scopes[i]) : 0;
		uint8_t t = after ? active_grade(after, scopes[i]) : 0;
		if (f == t) {
			continue;
		}
		/* One sequence number per change: the scope tells its facts
		 * apart. */
		if (seq == 0) {
			rc = store_next_id(
			    ctx->st, ctx->txn, "grade_fact", &seq);
		}
		if (rc == CRM_OK) {
			rc = grade_fact(ctx, scopes[i], at, seq, cid, f, t);
		}
	}
	return rc;
}

crm_status
stats_on_customer(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	crm_status rc = CRM_OK;
	if (!same_tally(before, after)) {
		if (counted(before)) {
			rc = tally_add(ctx, before->team_id, before, -1);
			if (rc == CRM_OK) {
				rc = tally_add(ctx,
				    STATS_PERSON | before->owner_id, before,
				    -1);
			}
		}
		if (rc == CRM_OK && counted(after)) {
			rc = tally_add(ctx, after->team_id, after, 1);
			if (rc == CRM_OK) {
				rc = tally_add(ctx,
				    STATS_PERSON | after->owner_id, after, 1);
			}
		}
	}
	if (rc == CRM_OK && (before != NULL || after != NULL)) {
		rc = grade_facts(ctx, before, after,
		    before == NULL ? after->created_at : ctx->now);
	}
	if (rc == CRM_OK && before == NULL && after != NULL) {
		struct fact none = { 0 }, f = { .on = 1,
			.scope = { after->team_id,
			    STATS_PERSON | after->owner_id },
			.at = after->created_at,
			.id = after->id };
		rc = move(ctx, DB_CUST_NEW, &none, &f);
	}
	return rc;
}

uint64_t
stats_tally(struct req_ctx *ctx, uint64_t scope, int stage, int grade)
{
	store_key k;
	store_key_id(&k, scope);
	struct store_iter it;
	uint64_t n = 0;
	if (store_iter_open(ctx->st, ctx->txn, DB_TALLY, k.b, 8, NULL, &it) !=
	    CRM_OK) {
		return 0;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t vlen;
		if (klen != 10 || (stage && key[8] != stage) ||
		    (grade && key[9] != grade)) {
			continue;
		}
		if (store_iter_data(&it, &v, &vlen) && vlen == 8) {
			n += store_u64(v);
		}
	}
	store_iter_close(&it);
	return n;
}

/* ---------------------------------------------------- follow-ups */

static void
fu_fact(const Crm__V1__FollowUp *f, struct fact *x)
{
	memset(x, 0, sizeof(*x));
	if (f == NULL) {
		return;
	}
	struct stats_fu v = {
		.customer_id = f->customer_id,
		.author_id = f->author_id,
		.grade = (uint8_t)f->grade,
		.channel = (uint8_t)f->channel,
		.mood = (uint8_t)f->mood,
	};
	v.flags = (uint8_t)((f->late ? STATS_FU_LATE : 0) |
	                    (f->has_stage_to && f->stage_to != 0 &&
	                                f->stage_to != f->stage_from
	                            ? STATS_FU_MOVED
	                            : 0) |
	                    (f->imported ? STATS_FU_IMPORTED : 0));
	if (f->score != NULL) {
		v.flags |= STATS_FU_SCORED;
		v.score[0] = (uint8_t)f->score->timeliness;
		v.score[1] = (uint8_t)f->score->efficiency;
		v.score[2] = (uint8_t)f->score->professionalism;
		v.score[3] = (uint8_t)f->score->proactiveness;
	}
	x->on = 1;
	x->scope[0] = f->team_id;
	x->scope[1] = STATS_PERSON | f->author_id;
	x->at = f->happened_at;
	x->id = f->id;
	x->len = fu_encode(&v, x->val);
}

crm_status
stats_on_followup(struct req_ctx *ctx, const Crm__V1__FollowUp *before,
    const Crm__V1__FollowUp *after)
{
	struct fact b, a;
	fu_fact(before, &b);
	fu_fact(after, &a);
	return move(ctx, DB_FU_TIME, &b, &a);
}

/* ---------------------------------------------------- stage changes */

crm_status
stats_on_stage(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__StageChange *h, uint64_t seq)
{
	struct stats_stage v = {
		.customer_id = c->id,
		.owner_id = c->owner_id,
		.first_contact_at = c->first_contact_at,
		.deal_amount = c->deal_amount,
		.from = (uint8_t)h->stage_from,
		.to = (uint8_t)h->stage_to,
		.grade = (uint8_t)c->grade,
		.lost_reason = (uint8_t)h->lost_reason,
	};
	struct fact none = { 0 }, f = { .on = 1,
		.scope = { c->team_id, STATS_PERSON | c->owner_id },
		.at = h->happened_at,
		.id = seq };
	f.len = stage_encode(&v, f.val);
	return move(ctx, DB_STAGE_TIME, &none, &f);
}

/* ---------------------------------------------------- tasks etc. */

static void
task_fact(struct req_ctx *ctx, const Crm__V1__Task *t, struct fact *x)
{
	memset(x, 0, sizeof(*x));
	if (t == NULL) {
		return;
	}
	struct stats_task v = {
		.customer_id = t->customer_id,
		.owner_id = stats_holder(t->owner_id, t->report_owner_id,
		    t->report_until_at, t->due_at),
		.done_at = t->done_at,
		.kind = (uint8_t)t->kind,
		.status = (uint8_t)t->status,
	};
	x->on = 1;
	x->scope[0] = team_of_user(ctx, v.owner_id);
	x->scope[1] = STATS_PERSON | v.owner_id;
	x->at = t->due_at;
	x->id = t->id;
	x->len = task_encode(&v, x->val);
}

crm_status
stats_on_task(struct req_ctx *ctx, const Crm__V1__Task *before,
    const Crm__V1__Task *after)
{
	struct fact b, a;
	task_fact(ctx, before, &b);
	task_fact(ctx, after, &a);
	return move(ctx, DB_TASK_DUE, &b, &a);
}

uint64_t
stats_holder(uint64_t owner, uint64_t report_owner, int64_t until, int64_t due)
{
	return report_owner != 0 && due < until ? report_owner : owner;
}

static void
commit_fact(struct req_ctx *ctx, const Crm__V1__Commitment *c, struct fact *x)
{
	memset(x, 0, sizeof(*x));
	if (c == NULL) {
		return;
	}
	struct stats_commit v = {
		.customer_id = c->customer_id,
		.owner_id = stats_holder(c->owner_id, c->report_owner_id,
		    c->report_until_at, c->due_at),
		.closed_at = c->closed_at,
		.status = (uint8_t)c->status,
	};
	x->on = 1;
	x->scope[0] = team_of_user(ctx, v.owner_id);
	x->scope[1] = STATS_PERSON | v.owner_id;
	x->at = c->due_at;
	x->id = c->id;
	x->len = commit_encode(&v, x->val);
}

crm_status
stats_on_commitment(struct req_ctx *ctx, const Crm__V1__Commitment *before,
    const Crm__V1__Commitment *after)
{
	struct fact b, a;
	commit_fact(ctx, before, &b);
	commit_fact(ctx, after, &a);
	return move(ctx, DB_COMMIT_DUE, &b, &a);
}

static void
sla_fact(struct req_ctx *ctx, const Crm__V1__SlaClock *k, struct fact *x)
{
	memset(x, 0, sizeof(*x));
	if (k == NULL) {
		return;
	}
	struct stats_sla v = {
		.customer_id = k->customer_id,
		.owner_id = k->owner_id,
		.deadline_at = k->deadline_at,
		.stopped_at = k->stopped_at,
		.kind = (uint8_t)k->kind,
	};
	x->on = 1;
	x->scope[0] = team_of_user(ctx, k->owner_id);
	x->scope[1] = STATS_PERSON | k->owner_id;
	x->at = k->started_at;
	x->id = k->id;
	x->len = sla_encode(&v, x->val);
}

crm_status
stats_on_sla(struct req_ctx *ctx, const Crm__V1__SlaClock *before,
    const Crm__V1__SlaClock *after)
{
	struct fact b, a;
	sla_fact(ctx, before, &b);
	sla_fact(ctx, after, &a);
	return move(ctx, DB_SLA_TIME, &b, &a);
}

/* ---------------------------------------------------- rebuild */

typedef crm_status (*rebuild_fn)(struct req_ctx *ctx, uint64_t id);

static crm_status
load(struct req_ctx *ctx, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d, ProtobufCMessage **m)
{
	return dispatch_record(ctx, db, id, d, m);
}

static crm_status
rebuild_customer(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__Customer *c;
	crm_status rc = load(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (rc != CRM_OK) {
		return rc;
	}
	rc = stats_on_customer(ctx, NULL, c);
	/* Stage history: customer || seq, in order. */
	uint8_t p[8];
	put64(p, id);
	struct store_iter it;
	if (rc == CRM_OK) {
		rc = store_iter_open(
		    ctx->st, ctx->txn, DB_STAGE_HIST, p, 8, NULL, &it);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (rc == CRM_OK && store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t vlen;
		if (klen != 16 || !store_iter_data(&it, &v, &vlen)) {
			continue;
		}
		Crm__V1__StageChange *h = crm__v1__stage_change__unpack(
		    &ctx->arena->allocator, vlen, v);
		if (h == NULL) {
			rc = CRM_INTERNAL;
			break;
		}
		rc = stats_on_stage(ctx, c, h, store_u64(key + 8));
	}
	store_iter_close(&it);
	return rc;
}

static crm_status
rebuild_followup(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__FollowUp *f;
	Crm__V1__Customer *c;
	crm_status rc = load(ctx, DB_FOLLOWUPS, id,
	    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)&f);
	if (rc != CRM_OK) {
		return rc;
	}
	if (!f->has_team_id && load(ctx, DB_CUSTOMERS, f->customer_id,
	                           &crm__v1__customer__descriptor,
	                           (ProtobufCMessage **)&c) == CRM_OK) {
		f->has_team_id = f->has_grade = 1;
		f->team_id = c->team_id;
		f->grade = c->grade;
	}
	return stats_on_followup(ctx, NULL, f);
}

static crm_status
rebuild_task(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__Task *t;
	crm_status rc = load(ctx, DB_TASKS, id, &crm__v1__task__descriptor,
	    (ProtobufCMessage **)&t);
	return rc == CRM_OK ? stats_on_task(ctx, NULL, t) : rc;
}

static crm_status
rebuild_commitment(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__Commitment *c;
	crm_status rc = load(ctx, DB_COMMITMENTS, id,
	    &crm__v1__commitment__descriptor, (ProtobufCMessage **)&c);
	return rc == CRM_OK ? stats_on_commitment(ctx, NULL, c) : rc;
}

static crm_status
rebuild_sla(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__SlaClock *k;
	crm_status rc = load(ctx, DB_SLA, id, &crm__v1__sla_clock__descriptor,
	    (ProtobufCMessage **)&k);
	return rc == CRM_OK ? stats_on_sla(ctx, NULL, k) : rc;
}

crm_status
stats_rebuild(struct req_ctx *ctx)
{
	static const struct {
		enum store_db db;
		rebuild_fn fn;
	} from[] = {
		{ DB_CUSTOMERS, rebuild_customer },
		{ DB_FOLLOWUPS, rebuild_followup },
		{ DB_TASKS, rebuild_task },
		{ DB_COMMITMENTS, rebuild_commitment },
		{ DB_SLA, rebuild_sla },
	};
	/* Every FACT database of schema.def goes (grade_time restarts at
	 * each customer's creation, stats.h). */
	for (int i = 0; i < DB_COUNT; i++) {
		crm_status rc = schema_dbs[i].shape != SHAPE_FACT
		                    ? CRM_OK
		                    : store_drop(ctx->st, ctx->txn,
		                          (enum store_db)i);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		uint64_t id = 0;
		crm_status rc;
		while ((rc = store_id_next(ctx->st, ctx->txn, from[i].db, id,
		            &id)) == CRM_OK) {
			crm_arena_reset(ctx->arena);
			rc = from[i].fn(ctx, id);
			if (rc != CRM_OK) {
				return rc;
			}
		}
		if (rc != CRM_NOT_FOUND) {
			return rc;
		}
	}
	crm_arena_reset(ctx->arena);
	/* Schema 4: purchase facts and the unchecked-record index. */
	crm_status rc = purchase_rebuild(ctx);
	return rc == CRM_OK ? review_rebuild(ctx) : rc;
}

/* ---------------------------------------------------- check */

/* Both entries of fact x are in db with its data. */
static void
check_fact(
    struct check *c, enum store_db db, const struct fact *x, const char *what)
{
	for (int i = 0; x->on && i < 2; i++) {
		store_key k;
		store_key_triple(
		    &k, x->scope[i], store_time_key(x->at), x->id);
		store_val v = { NULL, 0 };
		int found = store_has(c->ctx->st, c->ctx->txn, db, &k, &v);
		if (!found || v.len != x->len ||
		    memcmp(v.data, x->val, x->len) != 0) {
			check_problem(c, "%s %" PRIu64 ": its %s fact is %s",
			    what, x->id, store_db_name(db),
			    found ? "wrong" : "missing");
			return;
		}
	}
}

static uint64_t
entries(struct check *c, enum store_db db)
{
	return store_entries(c->ctx->st, c->ctx->txn, db);
}

static void
check_count(struct check *c, enum store_db db, uint64_t want)
{
	uint64_t have = entries(c, db);
	if (have != want) {
		check_problem(c, "%s holds %" PRIu64 " entries, want %" PRIu64,
		    store_db_name(db), have, want);
	}
}

struct tally_key {
	uint64_t scope;
	uint8_t stage, grade;
};

static int
cmp_tally(const void *a, const void *b)
{
	const struct tally_key *x = a, *y = b;
	if (x->scope != y->scope) {
		return x->scope < y->scope ? -1 : 1;
	}
	if (x->stage != y->stage) {
		return x->stage < y->stage ? -1 : 1;
	}
	return (x->grade > y->grade) - (x->grade < y->grade);
}

/* Recount the tallies from the customers and compare. */
static crm_status
check_tally(struct check *c)
{
	struct tally_key *keys = NULL;
	size_t n = 0, cap = 0;
	uint64_t id = 0;
	crm_status rc;
	while ((rc = store_id_next(c->ctx->st, c->ctx->txn, DB_CUSTOMERS, id,
	            &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__Customer *cu;
		if (dispatch_record(c->ctx, DB_CUSTOMERS, id,
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) == CRM_OK &&
		    counted(cu)) {
			if (n + 2 > cap) {
				cap = cap ? 2 * cap : 1024;
				keys = crm_xrealloc(keys, cap * sizeof(*keys));
			}
			keys[n++] = (struct tally_key){ cu->team_id,
				(uint8_t)cu->stage, (uint8_t)cu->grade };
			keys[n++] =
			    (struct tally_key){ STATS_PERSON | cu->owner_id,
				    (uint8_t)cu->stage, (uint8_t)cu->grade };
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	if (n > 0) {
		qsort(keys, n, sizeof(*keys), cmp_tally);
	}
	struct store_iter it;
	rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_TALLY, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		free(keys);
		return rc;
	}
	size_t i = 0, groups = 0;
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t vlen;
		if (klen != 10 || !store_iter_data(&it, &v, &vlen) ||
		    vlen != 8) {
			check_problem(c, "tally: a malformed entry");
			continue;
		}
		struct tally_key k = { store_u64(key), key[8], key[9] };
		uint64_t want = 0;
		while (i < n && cmp_tally(&keys[i], &k) < 0) {
			i++; /* a group the tally lacks: counted below */
		}
		while (i < n && cmp_tally(&keys[i], &k) == 0) {
			want++;
			i++;
		}
		groups++;
		if (store_u64(v) != want) {
			check_problem(c,
			    "tally %" PRIx64 "/%u/%u: %" PRIu64
			    ", want %" PRIu64,
			    k.scope, k.stage, k.grade, store_u64(v), want);
		}
	}
	store_iter_close(&it);
	size_t want_groups = 0;
	for (size_t j = 0; j < n; j++) {
		want_groups +=
		    j == 0 || cmp_tally(&keys[j - 1], &keys[j]) != 0;
	}
	if (groups != want_groups) {
		check_problem(
		    c, "tally: %zu groups, want %zu", groups, want_groups);
	}
	free(keys);
	return CRM_OK;
}

/* Entries of stage_time and cust_new point to their records. */
static crm_status
check_refs(struct check *c, enum store_db idx)
{
	struct store_iter it;
	crm_status rc =
	    store_iter_open(c->ctx->st, c->ctx->txn, idx, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		store_key k;
		const void *v;
		size_t vlen;
		struct stats_stage s;
		if (klen != 24 || !store_iter_data(&it, &v, &vlen)) {
			check_problem(
			    c, "%s: a malformed entry", store_db_name(idx));
			continue;
		}
		uint64_t id = store_u64(key + 16);
		if (idx == DB_STAGE_TIME) {
			if (!stats_stage_decode(v, vlen, &s)) {
				check_problem(
				    c, "stage_time: a malformed fact");
				continue;
			}
			store_key_pair(&k, s.customer_id, id);
		} else {
			store_key_id(&k, id);
		}
		enum store_db db =
		    idx == DB_STAGE_TIME ? DB_STAGE_HIST : DB_CUSTOMERS;
		if (!store_has(c->ctx->st, c->ctx->txn, db, &k, NULL)) {
			check_problem(c, "%s: an entry for a missing record",
			    store_db_name(idx));
		}
	}
	store_iter_close(&it);
	return CRM_OK;
}

struct grade_entry {
	uint64_t scope, cid;
	size_t idx;
	uint8_t from, to;
};

static int
cmp_grade_entry(const void *a, const void *b)
{
	const struct grade_entry *x = a, *y = b;
	if (x->scope != y->scope) {
		return x->scope < y->scope ? -1 : 1;
	}
	if (x->cid != y->cid) {
		return x->cid < y->cid ? -1 : 1;
	}
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* grade_time: each customer's facts in a scope chain (each starts from
 * where the one before ended, the first from 0) and end at its active
 * grade there now; every active customer has its chains. */
static crm_status
check_grades(struct check *c)
{
	struct grade_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct store_iter it;
	crm_status rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_GRADE_TIME, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *d;
		size_t dlen;
		struct stats_grade g;
		if (klen != 24 || !store_iter_data(&it, &d, &dlen) ||
		    !stats_grade_decode(d, dlen, &g)) {
			check_problem(c, "grade_time: a malformed entry");
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = crm_xrealloc(v, cap * sizeof(*v));
		}
		v[n] = (struct grade_entry){ store_u64(key), g.customer_id, n,
			g.from, g.to };
		n++;
	}
	store_iter_close(&it);
	if (n > 0) {
		qsort(v, n, sizeof(*v), cmp_grade_entry);
	}
	uint64_t active_chains = 0;
	for (size_t i = 0; i < n; i++) {
		int first = i == 0 || v[i - 1].scope != v[i].scope ||
		            v[i - 1].cid != v[i].cid;
		uint8_t want = first ? 0 : v[i - 1].to;
		if (v[i].from != want) {
			check_problem(c,
			    "grade_time: customer %" PRIu64
			    " in scope %" PRIx64
			    " goes from %u where it was %u",
			    v[i].cid, v[i].scope, v[i].from, want);
		}
		int last = i + 1 == n || v[i + 1].scope != v[i].scope ||
		           v[i + 1].cid != v[i].cid;
		if (!last) {
			continue;
		}
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__Customer *cu;
		uint8_t now = 0;
		if (dispatch_record(c->ctx, DB_CUSTOMERS, v[i].cid,
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) == CRM_OK) {
			now = active_grade(cu, v[i].scope);
		}
		crm_arena_release(c->ctx->arena, mark);
		if (v[i].to != now) {
			check_problem(c,
			    "grade_time: customer %" PRIu64
			    " in scope %" PRIx64 " ends at %u, is %u",
			    v[i].cid, v[i].scope, v[i].to, now);
		}
		active_chains += v[i].to != 0;
	}
	free(v);
	/* Every active customer has a chain under its team and person. */
	uint64_t id = 0, want = 0;
	while ((rc = store_id_next(c->ctx->st, c->ctx->txn, DB_CUSTOMERS, id,
	            &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__Customer *cu;
		if (dispatch_record(c->ctx, DB_CUSTOMERS, id,
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) == CRM_OK) {
			want += active_grade(cu, cu->team_id) != 0;
			want +=
			    active_grade(cu, STATS_PERSON | cu->owner_id) != 0;
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	if (active_chains != want) {
		check_problem(c,
		    "grade_time: %" PRIu64 " active customers, want %" PRIu64,
		    active_chains, want);
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

crm_status
stats_check(struct check *c)
{
	static const struct {
		enum store_db db, idx;
		const ProtobufCMessageDescriptor *d;
		const char *what;
	} kinds[] = {
		{ DB_FOLLOWUPS, DB_FU_TIME, &crm__v1__follow_up__descriptor,
		    "follow-up" },
		{ DB_TASKS, DB_TASK_DUE, &crm__v1__task__descriptor, "task" },
		{ DB_COMMITMENTS, DB_COMMIT_DUE,
		    &crm__v1__commitment__descriptor, "commitment" },
		{ DB_SLA, DB_SLA_TIME, &crm__v1__sla_clock__descriptor,
		    "clock" },
	};
	crm_status rc = CRM_OK;
	for (size_t i = 0; rc == CRM_OK && i < sizeof(kinds) / sizeof(*kinds);
	     i++) {
		uint64_t id = 0, n = 0;
		while ((rc = store_id_next(c->ctx->st, c->ctx->txn,
		            kinds[i].db, id, &id)) == CRM_OK) {
			size_t mark = crm_arena_mark(c->ctx->arena);
			ProtobufCMessage *m;
			struct fact x;
			n++;
			if (dispatch_record(c->ctx, kinds[i].db, id,
			        kinds[i].d, &m) != CRM_OK) {
				crm_arena_release(c->ctx->arena, mark);
				continue; /* reported by the record walk */
			}
			switch (kinds[i].db) {
			case DB_FOLLOWUPS:
				fu_fact((Crm__V1__FollowUp *)m, &x);
				break;
			case DB_TASKS:
				task_fact(c->ctx, (Crm__V1__Task *)m, &x);
				break;
			case DB_COMMITMENTS:
				commit_fact(
				    c->ctx, (Crm__V1__Commitment *)m, &x);
				break;
			default:
				sla_fact(c->ctx, (Crm__V1__SlaClock *)m, &x);
			}
			check_fact(c, kinds[i].idx, &x, kinds[i].what);
			crm_arena_release(c->ctx->arena, mark);
		}
		if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
			check_count(c, kinds[i].idx, 2 * n);
		}
	}
	if (rc == CRM_OK) {
		check_count(c, DB_STAGE_TIME, 2 * entries(c, DB_STAGE_HIST));
		check_count(c, DB_CUST_NEW, 2 * entries(c, DB_CUSTOMERS));
		rc = check_refs(c, DB_STAGE_TIME);
	}
	if (rc == CRM_OK) {
		rc = check_refs(c, DB_CUST_NEW);
	}
	if (rc == CRM_OK) {
		rc = check_tally(c);
	}
	if (rc == CRM_OK) {
		rc = check_grades(c);
	}
	if (rc == CRM_OK) {
		rc = purchase_check(c);
	}
	return rc;
}
