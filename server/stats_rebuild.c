/* SPDX-License-Identifier: MIT */
/*
 * stats_rebuild.c: stats_rebuild: empty every report-fact database of
 * schema.def (FACT) and derive the facts again from the records, through
 * the same hooks a write uses; stats_drop_team_copies, the upgrade to
 * schema 18; stats_drop_queued_tasks, to schema 22.
 */
#include "stats_impl.h"

#include <stdlib.h>
#include <string.h>

#include "crm_xmalloc.h"
#include "lifecycle.h"
#include "purchase.h"
#include "review.h"
#include "schema.h"
#include "store_schema.h"
#include "user.h"

/* ---------------------------------------------------- rebuild */

typedef crm_status (*rebuild_fn)(struct req_ctx *ctx, uint64_t id);

static crm_status
load(struct req_ctx *ctx, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d, ProtobufCMessage **m)
{
	return dispatch_record(ctx, db, id, d, m);
}

struct rebuild_stage {
	struct req_ctx *ctx;
	const Crm__V1__Customer *c;
};

/* Each stage history entry's facts, in its order. */
static crm_status
rebuild_stage(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)stop;
	const struct rebuild_stage *b = arg;
	return stats_on_stage(b->ctx, b->c, h, seq);
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
	/* A merged one's stage moves are out of the reports (merge.c). */
	if (rc == CRM_OK && stats_counted(c)) {
		struct rebuild_stage b = { ctx, c };
		rc = lifecycle_stage_each(ctx, id, rebuild_stage, &b);
	}
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
		crm_status rc =
		    schema_dbs[i].shape != SHAPE_FACT
		        ? CRM_OK
		        : store_drop(ctx->st, ctx->txn, (enum store_db)i);
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

/* ---------------------------------------------------- schema 18 */

/* The follow-up fact at key k (team || at || id, 24 bytes) with data d:
 * it and its author's copy flagged STATS_FU_ELSEWHERE. */
static crm_status
flag_elsewhere(struct req_ctx *ctx, const uint8_t *k, const void *d)
{
	uint8_t v[FU_LEN], pk[24];
	struct stats_fu f;
	if (!stats_fu_decode(d, FU_LEN, &f)) {
		return CRM_INTERNAL;
	}
	f.flags |= STATS_FU_ELSEWHERE;
	stats_fu_encode(&f, v);
	stats_put64(pk, STATS_PERSON | f.author_id);
	memcpy(pk + 8, k + 8, 16);
	crm_status rc =
	    store_put(ctx->st, ctx->txn, DB_FU_TIME, pk, 24, v, FU_LEN);
	return rc == CRM_OK
	           ? store_put(ctx->st, ctx->txn, DB_FU_TIME, k, 24, v, FU_LEN)
	           : rc;
}

crm_status
stats_drop_team_copies(
    struct req_ctx *ctx, uint64_t *dropped, uint64_t *elsewhere)
{
	static const enum store_db dbs[] = { DB_TASK_DUE, DB_COMMIT_DUE,
		DB_SLA_TIME, DB_FU_TIME };
	*dropped = *elsewhere = 0;
	struct user_team *teams;
	size_t nteams;
	crm_status rc = user_teams(ctx, &teams, &nteams);
	for (size_t i = 0; rc == CRM_OK && i < sizeof(dbs) / sizeof(dbs[0]);
	     i++) {
		store_cursor *c;
		rc = store_cursor_open(ctx->st, ctx->txn, dbs[i], &c);
		if (rc != CRM_OK) {
			break;
		}
		/* Team scopes lack STATS_PERSON, the top bit of the key's
		 * first byte: they are the range's first entries. */
		store_val k, d;
		rc = store_cursor_get(c, STORE_FIRST, &k, &d);
		while (rc == CRM_OK && k.len == 24 &&
		       (store_u64(k.data) & STATS_PERSON) == 0) {
			struct stats_fu f;
			if (dbs[i] == DB_FU_TIME &&
			    stats_fu_decode(d.data, d.len, &f) &&
			    user_team_of(teams, nteams, f.author_id) !=
			        store_u64(k.data)) {
				/* Of another team than its author's: kept,
				 * flagged; the cursor seeks it again. */
				uint8_t kb[24];
				memcpy(kb, k.data, 24);
				rc = d.len == FU_LEN
				         ? flag_elsewhere(ctx, kb, d.data)
				         : CRM_INTERNAL;
				if (rc == CRM_OK) {
					++*elsewhere;
					k.data = kb;
					rc = store_cursor_get(
					    c, STORE_SEEK, &k, &d);
				}
				if (rc == CRM_OK) {
					rc = store_cursor_get(
					    c, STORE_NEXT, &k, &d);
				}
				continue;
			}
			rc = store_cursor_del(c);
			if (rc == CRM_OK) {
				++*dropped;
				rc = store_cursor_get(c, STORE_NEXT, &k, &d);
			}
		}
		store_cursor_close(c);
		if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
		}
	}
	free(teams);
	return rc;
}

/* ---------------------------------------------------- schema 22 */

crm_status
stats_drop_queued_tasks(struct req_ctx *ctx, uint64_t *dropped)
{
	*dropped = 0;
	/* The facts to delete, gathered first: they are in the tree the
	 * queue's cursor walks (owner, due, id: 24 bytes each). */
	size_t n = 0, cap = 0;
	uint8_t(*keys)[24] = NULL;
	store_cursor *c;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, DB_TASK_OPEN, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	store_val k, d;
	for (rc = store_cursor_get(c, STORE_FIRST, &k, &d); rc == CRM_OK;
	     rc = store_cursor_get(c, STORE_NEXT, &k, &d)) {
		uint8_t fact[STATS_TASK_LEN];
		if (k.len != 24 ||
		    stats_task_queue_fact(store_u64(k.data),
		        store_time_of(store_u64((const uint8_t *)k.data + 8)),
		        d.data, d.len, fact) == 0) {
			continue; /* held by another: its fact stays */
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			keys = crm_xrealloc(keys, cap * sizeof(*keys));
		}
		memcpy(keys[n++], k.data, 24);
	}
	store_cursor_close(c);
	rc = rc == CRM_NOT_FOUND ? CRM_OK : rc;
	for (size_t i = 0; rc == CRM_OK && i < n; i++) {
		store_key f;
		store_key_triple(&f, STATS_PERSON | store_u64(keys[i]),
		    store_u64(keys[i] + 8), store_u64(keys[i] + 16));
		if (store_has(ctx->st, ctx->txn, DB_TASK_DUE, &f, NULL)) {
			rc = store_del(ctx->st, ctx->txn, DB_TASK_DUE, &f);
			*dropped += rc == CRM_OK;
		}
	}
	free(keys);
	return rc;
}
