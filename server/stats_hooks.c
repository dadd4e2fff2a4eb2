/* SPDX-License-Identifier: MIT */
/*
 * stats_hooks.c: the stats_on_* hooks of stats.h: each record write
 * moves its facts in the report indexes (under the person, and under the
 * team where a team's walk cannot find them under its members: stats.h),
 * and the customer tallies and grade spells follow customers; also the
 * tally read (stats_tally).
 */
#include "stats_impl.h"

#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "store_schema.h"
#include "user.h"

/* ---------------------------------------------------- index moves */

/* The team of user id (0: none, or no such user). */
static uint64_t
team_of(struct req_ctx *ctx, uint64_t user_id)
{
	Crm__Store__UserRecord *u;
	return user_get(ctx, user_id, &u) == CRM_OK ? u->team_id : 0;
}

/* The fact of db at key k, (scope, at, id), goes: from its range, or
 * from the journal when db's new facts go there (stats.h). */
static crm_status
fact_del(struct req_ctx *ctx, enum store_db db, const store_key *k,
    uint64_t scope, int64_t at, uint64_t id)
{
	if (stats_journaled(db) &&
	    !store_has(ctx->st, ctx->txn, db, k, NULL)) {
		return stats_journal_del(ctx, db, scope, at, id);
	}
	return store_del(ctx->st, ctx->txn, db, k);
}

/* The fact x under scope, at key k, is written; in place: a fact was
 * at that key before (in its range, or in the journal). */
static crm_status
fact_put(struct req_ctx *ctx, enum store_db db, const store_key *k,
    const struct fact *x, uint64_t scope, int in_place)
{
	if (stats_journaled(db)) {
		crm_status rc = CRM_OK;
		if (in_place) {
			if (store_has(ctx->st, ctx->txn, db, k, NULL)) {
				return store_put(ctx->st, ctx->txn, db, k->b,
				    k->len, x->val, x->len);
			}
			rc = stats_journal_del(ctx, db, scope, x->at, x->id);
		}
		if (rc != CRM_OK || ctx->fact_journal) {
			return rc != CRM_OK
			           ? rc
			           : stats_journal_put(ctx, db, scope, x->at,
			                 x->id, x->val, x->len);
		}
	}
	return store_put(ctx->st, ctx->txn, db, k->b, k->len, x->val, x->len);
}

/* Make db hold the facts of after instead of those of before. */
static crm_status
move(struct req_ctx *ctx, enum store_db db, const struct fact *before,
    const struct fact *after)
{
	crm_status rc = CRM_OK;
	/* A fact as it was (a follow-up saved again, a task's unchanged
	 * fields): no write, so no page is copied. */
	if (before->on && after->on && before->at == after->at &&
	    before->id == after->id && before->len == after->len &&
	    before->person_only == after->person_only &&
	    before->scope[0] == after->scope[0] &&
	    before->scope[1] == after->scope[1] &&
	    memcmp(before->val, after->val, after->len) == 0) {
		return CRM_OK;
	}
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		/* Under the team (i 0) only when not the person's alone. */
		int bon = before->on && (i == 1 || !before->person_only);
		int aon = after->on && (i == 1 || !after->person_only);
		store_key ok, nk;
		ok.len = nk.len = 0;
		if (bon) {
			store_key_triple(&ok, before->scope[i],
			    store_time_key(before->at), before->id);
		}
		if (aon) {
			store_key_triple(&nk, after->scope[i],
			    store_time_key(after->at), after->id);
		}
		int same = bon && aon && ok.len == nk.len &&
		           memcmp(ok.b, nk.b, ok.len) == 0;
		if (bon && !same) {
			rc = fact_del(ctx, db, &ok, before->scope[i],
			    before->at, before->id);
		}
		if (rc == CRM_OK && aon) {
			rc = fact_put(
			    ctx, db, &nk, after, after->scope[i], same);
		}
	}
	return rc;
}

/* ---------------------------------------------------- customers */

static crm_status stage_facts_drop(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

int
stats_counted(const Crm__V1__Customer *c)
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
	stats_put64(b, n);
	return store_put(ctx->st, ctx->txn, DB_TALLY, k.b, k.len, b, 8);
}

static int
same_tally(const Crm__V1__Customer *a, const Crm__V1__Customer *b)
{
	return stats_counted(a) == stats_counted(b) &&
	       (!stats_counted(a) ||
	           (a->owner_id == b->owner_id && a->team_id == b->team_id &&
	               a->stage == b->stage && a->grade == b->grade));
}

/* The active grade of c in scope: its grade while it is a live, not
 * lost customer owned in the scope; else 0. */
uint8_t
stats_active_grade(const Crm__V1__Customer *c, uint64_t scope)
{
	if (!stats_counted(c) || c->stage == CRM__V1__STAGE__STAGE_LOST ||
	    (scope != c->team_id && scope != (STATS_PERSON | c->owner_id))) {
		return 0;
	}
	return (uint8_t)c->grade;
}

void
stats_grade_twin_key(uint8_t twin[32], const uint8_t fact[24], uint64_t cid)
{
	/* One change's facts share their sequence: the scope ends the
	 * key. */
	stats_put64(twin, cid);
	memcpy(twin + 8, fact + 8, 16); /* time || sequence */
	memcpy(twin + 24, fact, 8);     /* scope */
}

/* The grade_cust entry of the grade_time fact at key. */
static crm_status
grade_twin(struct req_ctx *ctx, const uint8_t key[24], uint64_t cid,
    uint8_t from, uint8_t to)
{
	uint8_t twin[32], b[2] = { from, to };
	stats_grade_twin_key(twin, key, cid);
	return store_put(ctx->st, ctx->txn, DB_GRADE_CUST, twin, sizeof(twin),
	    b, sizeof(b));
}

static crm_status
grade_fact(struct req_ctx *ctx, uint64_t scope, int64_t at, uint64_t seq,
    uint64_t cid, uint8_t from, uint8_t to)
{
	store_key k;
	store_key_triple(&k, scope, store_time_key(at), seq);
	uint8_t b[GRADE_LEN];
	stats_put64(b, cid);
	b[8] = from;
	b[9] = to;
	crm_status rc = store_put(
	    ctx->st, ctx->txn, DB_GRADE_TIME, k.b, k.len, b, GRADE_LEN);
	if (rc == CRM_OK && store_zoned(ctx->st)) {
		/* (schema 24's data, a test hook's, has none) */
		rc = grade_twin(ctx, k.b, cid, from, to);
	}
	return rc;
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
		uint8_t f = before ? stats_active_grade(before, scopes[i]) : 0;
		uint8_t t = after ? stats_active_grade(after, scopes[i]) : 0;
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
		if (stats_counted(before)) {
			rc = tally_add(ctx, before->team_id, before, -1);
			if (rc == CRM_OK) {
				rc = tally_add(ctx,
				    STATS_PERSON | before->owner_id, before,
				    -1);
			}
		}
		if (rc == CRM_OK && stats_counted(after)) {
			rc = tally_add(ctx, after->team_id, after, 1);
			if (rc == CRM_OK) {
				rc = tally_add(ctx,
				    STATS_PERSON | after->owner_id, after, 1);
			}
		}
	}
	if (rc == CRM_OK && (before != NULL || after != NULL)) {
		rc = grade_facts(ctx, before, after,
		    before == NULL ? after->created_at : dispatch_at(ctx));
	}
	if (rc == CRM_OK && stats_counted(before) && after != NULL &&
	    !stats_counted(after)) {
		rc = stage_facts_drop(ctx, before);
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

void
stats_fu_fact(struct req_ctx *ctx, const Crm__V1__FollowUp *f, struct fact *x)
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
	                    (f->has_stage_from && f->has_stage_to &&
	                                f->stage_to != 0 &&
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
	x->person_only = f->team_id == team_of(ctx, f->author_id);
	if (!x->person_only) {
		v.flags |= STATS_FU_ELSEWHERE;
	}
	x->scope[0] = f->team_id;
	x->scope[1] = STATS_PERSON | f->author_id;
	x->at = f->happened_at;
	x->id = f->id;
	x->len = stats_fu_encode(&v, x->val);
}

crm_status
stats_on_followup(struct req_ctx *ctx, const Crm__V1__FollowUp *before,
    const Crm__V1__FollowUp *after)
{
	struct fact b, a;
	stats_fu_fact(ctx, before, &b);
	stats_fu_fact(ctx, after, &a);
	return move(ctx, DB_FU_TIME, &b, &a);
}

/* ---------------------------------------------------- stage changes */

crm_status
stats_on_stage(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__StageChange *h, uint64_t seq)
{
	/* Whose move it is: its holder then, as the entry says (a move
	 * dated back before a hand-over: the earlier holder, in that
	 * one's team); an older entry: the holder now. */
	uint64_t owner = h->has_owner_id ? h->owner_id : c->owner_id;
	uint64_t team = c->team_id;
	Crm__Store__UserRecord *u;
	if (owner != c->owner_id && owner != 0 &&
	    user_get(ctx, owner, &u) == CRM_OK) {
		team = u->team_id;
	}
	struct stats_stage v = {
		.customer_id = c->id,
		.owner_id = owner,
		.first_contact_at = c->first_contact_at,
		.deal_amount = c->deal_amount,
		.from = (uint8_t)h->stage_from,
		.to = (uint8_t)h->stage_to,
		/* The grade the entry recorded (the customer's then): a
		 * rebuild files a past move where the live write did. */
		.grade = (uint8_t)(h->has_grade ? h->grade : c->grade),
		.lost_reason = (uint8_t)h->lost_reason,
	};
	struct fact none = { 0 }, f = { .on = 1,
		.scope = { team, STATS_PERSON | owner },
		.at = h->happened_at,
		.id = seq };
	f.len = stats_stage_encode(&v, f.val);
	return move(ctx, DB_STAGE_TIME, &none, &f);
}

/* Whether the stage fact (team, at, seq) is there; its bytes in *v. */
static int
stage_fact_at(
    struct req_ctx *ctx, uint64_t team, int64_t at, uint64_t seq, store_val *v)
{
	store_key k;
	store_key_triple(&k, team, store_time_key(at), seq);
	return store_has(ctx->st, ctx->txn, DB_STAGE_TIME, &k, v);
}

/* The team fact of customer c's stage change seq at `at`: its team then
 * is c's now, else any team's (moved since), else none (a customer
 * without a team). 0 when there is none (a rebuild derives it). Its
 * person is in the fact. */
static int
stage_fact_find(struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t seq,
    int64_t at, struct fact *f)
{
	store_val v = { NULL, 0 };
	uint64_t team = c->team_id;
	int found = stage_fact_at(ctx, team, at, seq, &v);
	uint64_t id = 0;
	while (!found &&
	       store_id_next(ctx->st, ctx->txn, DB_TEAMS, id, &id) == CRM_OK) {
		team = id;
		found =
		    id != c->team_id && stage_fact_at(ctx, team, at, seq, &v);
	}
	if (!found && c->team_id != 0) {
		team = 0;
		found = stage_fact_at(ctx, team, at, seq, &v);
	}
	struct stats_stage s;
	if (!found || !stats_stage_decode(v.data, v.len, &s) ||
	    v.len > sizeof(f->val)) {
		return 0;
	}
	*f = (struct fact){ .on = 1,
		.scope = { team, STATS_PERSON | s.owner_id },
		.at = at,
		.id = seq };
	f->len = v.len;
	memcpy(f->val, v.data, v.len);
	return 1;
}

crm_status
stats_stage_retime(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t seq, int64_t from, int64_t to)
{
	struct fact b, a;
	if (!stage_fact_find(ctx, c, seq, from, &b)) {
		return CRM_OK; /* none to move: a rebuild derives it */
	}
	a = b;
	a.at = to;
	return move(ctx, DB_STAGE_TIME, &b, &a);
}

struct dropping {
	struct req_ctx *ctx;
	const Crm__V1__Customer *c;
};

static crm_status
drop_mark(void *arg, const struct lifecycle_mark *m, bool *stop)
{
	(void)stop;
	const struct dropping *d = arg;
	struct fact b, none = { 0 };
	if (!stage_fact_find(d->ctx, d->c, m->seq, m->at, &b)) {
		return CRM_OK;
	}
	return move(d->ctx, DB_STAGE_TIME, &b, &none);
}

/* Customer c (as it was) was merged into another: the facts of its
 * stage changes leave the reports with it (its history stays, the
 * record's own: customer history of the tombstone). */
static crm_status
stage_facts_drop(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	struct dropping d = { ctx, c };
	return lifecycle_stage_marks(ctx, c->id, drop_mark, &d);
}

static crm_status
drop_if_merged(struct req_ctx *ctx, const ProtobufCMessage *m, void *arg)
{
	const Crm__V1__Customer *c = (const Crm__V1__Customer *)m;
	if (stats_counted(c)) {
		return CRM_OK;
	}
	(*(uint64_t *)arg)++;
	return stage_facts_drop(ctx, c);
}

crm_status
stats_drop_merged(struct req_ctx *ctx, uint64_t *merged)
{
	*merged = 0;
	return dispatch_each_record(ctx, DB_CUSTOMERS,
	    &crm__v1__customer__descriptor, drop_if_merged, merged);
}

/* ---------------------------------------------------- tasks etc. */

int
stats_task_queued(const Crm__V1__Task *t)
{
	return t != NULL && t->status == CRM__V1__TASK_STATUS__TASK_OPEN &&
	       stats_holder(t->owner_id, t->report_owner_id,
	           t->report_until_at, t->due_at) == t->owner_id;
}

int64_t
stats_task_made_at(const Crm__V1__Task *t)
{
	return t->has_plan_followup_id && t->plan_followup_id != 0 &&
	               t->has_plan_from_at
	           ? t->plan_from_at
	           : t->created_at;
}

int
stats_task_made_late(const Crm__V1__Task *t)
{
	return stats_task_made_at(t) > t->due_at;
}

void
stats_task_fact(const Crm__V1__Task *t, struct fact *x)
{
	memset(x, 0, sizeof(*x));
	/* An open task its owner holds: its due-queue entry is its fact. */
	if (t == NULL || stats_task_queued(t)) {
		return;
	}
	struct stats_task v = {
		.customer_id = t->customer_id,
		.owner_id = stats_holder(t->owner_id, t->report_owner_id,
		    t->report_until_at, t->due_at),
		.done_at = t->done_at,
		.kind = (uint8_t)t->kind,
		.status = (uint8_t)t->status,
		.made_late = (uint8_t)stats_task_made_late(t),
	};
#ifdef CRM_TEST_HOOKS
	if (getenv("CRM_TEST_OLD_TASK_FACTS") != NULL) {
		v.made_late = 0; /* as schema 26 wrote them */
	}
#endif
	/* Cancelled after it fell due, planned before: it was missed (a
	 * past period's plan stays as it was). */
	if (t->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP &&
	    t->status == CRM__V1__TASK_STATUS__TASK_CANCELLED &&
	    t->done_at > t->due_at && stats_task_made_at(t) < t->due_at) {
		v.status = STATS_TASK_MISSED;
	}
	x->on = 1;
	x->person_only = 1;
	x->scope[1] = STATS_PERSON | v.owner_id;
	x->at = t->due_at;
	x->id = t->id;
	x->len = stats_task_encode(&v, x->val);
}

int
stats_task_missed(const struct stats_task *t, int64_t due)
{
	/* A next follow-up's miss is in its fact (stats_task_fact); an
	 * occurrence's is read here, from the same fields: an overdue one
	 * cancelled by a release stays missed in its period, as a next
	 * follow-up does (a past period's reports stay as it was). */
	return t->status == STATS_TASK_MISSED ||
	       (t->kind == CRM__V1__TASK_KIND__TASK_ROUTINE &&
	           t->status == CRM__V1__TASK_STATUS__TASK_CANCELLED &&
	           t->done_at > due && !t->made_late);
}

crm_status
stats_task_refile_made_late(struct req_ctx *ctx, uint64_t *refiled)
{
	*refiled = 0;
	uint64_t id = 0;
	crm_status rc;
	/* By id, each looked up anew (as stats_rebuild walks): the facts
	 * rewritten are in the tree the walk reads. */
	while ((rc = store_id_next(ctx->st, ctx->txn, DB_TASKS, id, &id)) ==
	       CRM_OK) {
		crm_arena_reset(ctx->arena);
		Crm__V1__Task *t;
		rc = dispatch_record(ctx, DB_TASKS, id,
		    &crm__v1__task__descriptor, (ProtobufCMessage **)&t);
		if (rc != CRM_OK) {
			return rc;
		}
		struct fact now;
		stats_task_fact(t, &now);
		if (now.on && stats_task_made_late(t)) {
			/* As it was written before: the same without the
			 * flag, under the same key (rewritten in place). */
			struct fact was = now;
			was.val[24] &= (uint8_t)~STATS_TASK_MADE_LATE;
			rc = move(ctx, DB_TASK_DUE, &was, &now);
			if (rc != CRM_OK) {
				return rc;
			}
			++*refiled;
		}
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

crm_status
stats_on_task(struct req_ctx *ctx, const Crm__V1__Task *before,
    const Crm__V1__Task *after)
{
	struct fact b, a;
	stats_task_fact(before, &b);
	stats_task_fact(after, &a);
	return move(ctx, DB_TASK_DUE, &b, &a);
}

enum stats_team_walk
stats_team_walk(enum store_db db)
{
	switch (db) {
	case DB_TASK_DUE:
	case DB_COMMIT_DUE:
	case DB_SLA_TIME:
		return STATS_TEAM_MEMBERS;
	case DB_FU_TIME:
		return STATS_TEAM_MEMBERS_AND_OWN;
	default:
		return STATS_TEAM_RANGE;
	}
}

int
stats_elsewhere(enum store_db db, const void *data, size_t len)
{
	/* The flags byte (stats_fu_encode), not the whole decode: a team's
	 * walk asks of every fact of its members. */
	return db == DB_FU_TIME && len == FU_LEN &&
	       (((const uint8_t *)data)[FU_FLAGS_AT] & STATS_FU_ELSEWHERE);
}

uint64_t
stats_holder(uint64_t owner, uint64_t report_owner, int64_t until, int64_t due)
{
	return report_owner != 0 && due < until ? report_owner : owner;
}

void
stats_hand_over(
    uint64_t owner, int64_t due, int64_t now, struct stats_report_owner r)
{
	int past = due != 0 && due < now;
#ifdef CRM_TEST_HOOKS
	if (getenv("CRM_TEST_OLD_OBJECTION_GIVE") != NULL) {
		past = due <
		       now; /* as before schema 24 (objection_upgrade_test) */
	}
#endif
	if (past) {
		*r.has_id = *r.has_until = 1;
		*r.id = stats_holder(owner, *r.id, *r.until, due);
		*r.until = now;
	}
}

void
stats_commit_fact(const Crm__V1__Commitment *c, struct fact *x)
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
	x->person_only = 1;
	x->scope[1] = STATS_PERSON | v.owner_id;
	x->at = c->due_at;
	x->id = c->id;
	x->len = stats_commit_encode(&v, x->val);
}

crm_status
stats_on_commitment(struct req_ctx *ctx, const Crm__V1__Commitment *before,
    const Crm__V1__Commitment *after)
{
	struct fact b, a;
	stats_commit_fact(before, &b);
	stats_commit_fact(after, &a);
	return move(ctx, DB_COMMIT_DUE, &b, &a);
}

void
stats_sla_fact(const Crm__V1__SlaClock *k, struct fact *x)
{
	memset(x, 0, sizeof(*x));
	if (k == NULL) {
		return;
	}
	struct stats_sla v = {
		.customer_id = k->customer_id,
		.owner_id = stats_holder(k->owner_id, k->report_owner_id,
		    k->report_until_at, k->deadline_at),
		.deadline_at = k->deadline_at,
		.stopped_at = k->stopped_at,
		.kind = (uint8_t)k->kind,
	};
	x->on = 1;
	x->person_only = 1;
	x->scope[1] = STATS_PERSON | v.owner_id;
	x->at = k->started_at;
	x->id = k->id;
	x->len = stats_sla_encode(&v, x->val);
}

crm_status
stats_on_sla(struct req_ctx *ctx, const Crm__V1__SlaClock *before,
    const Crm__V1__SlaClock *after)
{
	struct fact b, a;
	stats_sla_fact(before, &b);
	stats_sla_fact(after, &a);
	return move(ctx, DB_SLA_TIME, &b, &a);
}

/* The grade from the first fact after at listed under id that is
 * want's: in grade_cust (id a customer, want a scope), or, for data of
 * schema 24's layout (a test hook's), in grade_time (id a scope, want a
 * customer: every fact of the scope after at until one is the
 * customer's, as crmd walked before grade_cust). In key order, time
 * then sequence: the first the scope's walk would meet. */
static int
grade_first_after(struct req_ctx *ctx, enum store_db db, uint64_t id,
    uint64_t want, int64_t at, uint8_t *grade)
{
	store_key prefix, from;
	store_key_id(&prefix, id);
	store_key_id(&from, store_time_key(at) + 1); /* after at */
	struct store_iter it;
	if (store_iter_open(ctx->st, ctx->txn, db, prefix.b, prefix.len, &from,
	        &it) != CRM_OK) {
		return 0;
	}
	const uint8_t *key;
	size_t klen;
	int found = 0;
	while (!found && store_iter_next(&it, &key, &klen)) {
		const void *d;
		size_t len;
		if (!store_iter_data(&it, &d, &len)) {
			continue;
		}
		const uint8_t *v = d, *ft = NULL; /* from, to */
		if (db == DB_GRADE_CUST && klen == 32 && len == 2 &&
		    store_u64(key + 24) == want) {
			ft = v;
		} else if (db == DB_GRADE_TIME && len == GRADE_LEN &&
		           store_u64(v) == want) {
			ft = v + 8;
		}
		if (ft != NULL) {
			/* Not an active customer of the scope then (entered
			 * since, its first contact dated back; back from
			 * lost): the grade it came with. */
			found = 1;
			*grade = ft[0] ? ft[0] : ft[1];
		}
	}
	store_iter_close(&it);
	return found && *grade != 0;
}

int
stats_grade_then(struct req_ctx *ctx, uint64_t scope, uint64_t customer_id,
    int64_t at, uint8_t *grade)
{
	return store_zoned(ctx->st) ? grade_first_after(ctx, DB_GRADE_CUST,
	                                  customer_id, scope, at, grade)
	                            : grade_first_after(ctx, DB_GRADE_TIME,
	                                  scope, customer_id, at, grade);
}

crm_status
stats_grade_twins(struct req_ctx *ctx, uint64_t *n)
{
	*n = 0;
	struct store_iter it;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_GRADE_TIME, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (rc == CRM_OK && store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t len;
		struct stats_grade g;
		if (klen != 24 || !store_iter_data(&it, &v, &len) ||
		    !stats_grade_decode(v, len, &g)) {
			continue; /* (crm-check reports it) */
		}
		rc = grade_twin(ctx, key, g.customer_id, g.from, g.to);
		++*n;
	}
	store_iter_close(&it);
	return rc;
}
