/* SPDX-License-Identifier: MIT */
/*
 * stats_check.c: crm-check's pass over the report indexes: each
 * record's facts are there with the right bytes, each index holds no
 * more than its records make, the tallies add up, and the grade spells
 * chain.
 */
#include "stats_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crm_pb_scan.h"
#include "lifecycle.h"
#include "purchase.h"
#include "store_schema.h"

/* ---------------------------------------------------- check */

/* The fact journal's facts (stats.h), read once by stats_check. */
struct journal {
	struct stats_journal_fact *v;
	size_t n;
};

/* Both entries of fact x are in db with its data: in its range, or,
 * for a database whose new facts go there, in the journal j. */
static void
check_fact(struct check *c, const struct journal *j, enum store_db db,
    const struct fact *x, const char *what)
{
	for (int i = x->person_only; x->on && i < 2; i++) {
		store_key k;
		store_key_triple(
		    &k, x->scope[i], store_time_key(x->at), x->id);
		store_val v = { NULL, 0 };
		int found = store_has(c->ctx->st, c->ctx->txn, db, &k, &v);
		const struct stats_journal_fact *f =
		    found ? NULL
		          : stats_journal_find(
		                j->v, j->n, db, x->scope[i], x->at, x->id);
		if (f != NULL) {
			found = 1;
			v.data = f->val;
			v.len = f->len;
		}
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

/* db holds want entries, of which journal in the fact journal. */
static void
check_count_with(
    struct check *c, enum store_db db, uint64_t journal, uint64_t want)
{
	uint64_t have = entries(c, db) + journal;
	if (have != want) {
		check_problem(c,
		    "%s holds %" PRIu64 " entries (%" PRIu64
		    " of them in fact_log), want %" PRIu64,
		    store_db_name(db), have, journal, want);
	}
}

static void
check_count(struct check *c, enum store_db db, uint64_t want)
{
	check_count_with(c, db, 0, want);
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
		    stats_counted(cu)) {
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
			i++; /* a group the tally lacks: stats_counted below */
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

/* Whether customer id is a merged tombstone (its merged_into, read in
 * place; a missing record is not one: check_refs names it). */
static int
merged(struct check *c, uint64_t id)
{
	store_key k;
	store_key_id(&k, id);
	store_val v;
	static const uint32_t field[] = { 43 }; /* Customer.merged_into */
	uint64_t into = 0;
	if (store_has(c->ctx->st, c->ctx->txn, DB_CUSTOMERS, &k, &v)) {
		crm_pb_varints(v.data, v.len, field, 1, &into);
	}
	return into != 0;
}

static crm_status
count_mark(void *arg, const struct lifecycle_mark *m, bool *stop)
{
	(void)m, (void)stop;
	(*(uint64_t *)arg)++;
	return CRM_OK;
}

/* The stage history entries of live customers: each has two facts (a
 * merged customer's leave the reports with it: stats_on_customer). */
static uint64_t
live_stage_entries(struct check *c)
{
	uint64_t n = entries(c, DB_STAGE_HIST), gone = 0, id = 0;
	while (store_id_next(c->ctx->st, c->ctx->txn, DB_CUSTOMERS, id, &id) ==
	       CRM_OK) {
		if (merged(c, id)) {
			lifecycle_stage_marks(c->ctx, id, count_mark, &gone);
		}
	}
	return n - gone;
}

/* Entries of stage_time and cust_new point to their records; a stage
 * fact's customer is not merged into another. */
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
		} else if (idx == DB_STAGE_TIME && merged(c, s.customer_id)) {
			check_problem(c,
			    "stage_time: a fact of customer %" PRIu64
			    ", merged into another",
			    s.customer_id);
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
	/* Data older than schema 26 has no grade_cust (crm-check reads
	 * data as it is; crmd adds it when it upgrades). */
	int twinned = store_schema_get(c->ctx->st, c->ctx->txn) >= 26;
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
		if (!twinned) {
			continue;
		}
		/* Its twin under the customer (grade_cust, schema 26). */
		uint8_t tk[32];
		store_val tv;
		stats_grade_twin_key(tk, key, g.customer_id);
		if (store_get(c->ctx->st, c->ctx->txn, DB_GRADE_CUST, tk,
		        sizeof(tk), &tv) != CRM_OK ||
		    tv.len != 2 || ((const uint8_t *)tv.data)[0] != g.from ||
		    ((const uint8_t *)tv.data)[1] != g.to) {
			check_problem(c,
			    "grade_cust: no entry like grade_time's of "
			    "customer %" PRIu64 " in scope %" PRIx64,
			    g.customer_id, store_u64(key));
		}
	}
	store_iter_close(&it);
	uint64_t twins = store_entries(c->ctx->st, c->ctx->txn, DB_GRADE_CUST);
	if (twinned && twins != n) {
		check_problem(c,
		    "grade_cust: %" PRIu64 " entries, grade_time %zu facts",
		    twins, n);
	}
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
			now = stats_active_grade(cu, v[i].scope);
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
			want += stats_active_grade(cu, cu->team_id) != 0;
			want += stats_active_grade(
			            cu, STATS_PERSON | cu->owner_id) != 0;
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
	struct journal j = { NULL, 0 };
	crm_status rc = stats_journal_load(c->ctx, &j.v, &j.n);
	if (rc == CRM_INTERNAL) {
		check_problem(c, "fact_log: an entry does not decode");
		rc = CRM_OK;
	}
	for (size_t i = 0; rc == CRM_OK && i < sizeof(kinds) / sizeof(*kinds);
	     i++) {
		uint64_t id = 0, want = 0;
		while ((rc = store_id_next(c->ctx->st, c->ctx->txn,
		            kinds[i].db, id, &id)) == CRM_OK) {
			size_t mark = crm_arena_mark(c->ctx->arena);
			ProtobufCMessage *m;
			struct fact x;
			if (dispatch_record(c->ctx, kinds[i].db, id,
			        kinds[i].d, &m) != CRM_OK) {
				crm_arena_release(c->ctx->arena, mark);
				continue; /* reported by the record walk */
			}
			switch (kinds[i].db) {
			case DB_FOLLOWUPS:
				stats_fu_fact(
				    c->ctx, (Crm__V1__FollowUp *)m, &x);
				break;
			case DB_TASKS:
				stats_task_fact((Crm__V1__Task *)m, &x);
				break;
			case DB_COMMITMENTS:
				stats_commit_fact(
				    (Crm__V1__Commitment *)m, &x);
				break;
			default:
				stats_sla_fact((Crm__V1__SlaClock *)m, &x);
			}
			check_fact(c, &j, kinds[i].idx, &x, kinds[i].what);
			/* Under the person, and the team when not alone. */
			want += x.on ? 2u - (unsigned)x.person_only : 0;
			crm_arena_release(c->ctx->arena, mark);
		}
		if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
			uint64_t in_journal = 0;
			for (size_t e = 0; e < j.n; e++) {
				in_journal += j.v[e].db == kinds[i].idx;
			}
			check_count_with(c, kinds[i].idx, in_journal, want);
		}
	}
	free(j.v);
	if (rc == CRM_OK) {
		check_count(c, DB_STAGE_TIME, 2 * live_stage_entries(c));
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
