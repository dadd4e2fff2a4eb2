/* SPDX-License-Identifier: MIT */
/*
 * check.c: the invariants of check.h, record by record, then index by
 * index in reverse, so a missing entry and a dangling one are both found.
 */
#include "check.h"
#include "pool.h"
#include "pool_reclaim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crm.h"
#include "customer.h"
#include "event.h"
#include "history.h"
#include "period_card.h"
#include "review.h"
#include "schema.h"
#include "search.h"
#include "search_index.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

void
check_problem(struct check *c, const char *fmt, ...)
{
	if (c->out != NULL && c->problems < c->max_print) {
		va_list ap;
		va_start(ap, fmt);
		fputs("  ", c->out);
		vfprintf(c->out, fmt, ap);
		fputc('\n', c->out);
		va_end(ap);
	}
	c->problems++;
}

/* ---------------------------------------------------- helpers */

static int
has_key(struct check *c, enum store_db db, const store_key *k, store_val *data)
{
	return store_has(c->ctx->st, c->ctx->txn, db, k, data);
}

static int
has_pair(struct check *c, enum store_db db, uint64_t a, uint64_t b)
{
	store_key k;
	store_key_pair(&k, a, b);
	return has_key(c, db, &k, NULL);
}

static int
has_id(struct check *c, enum store_db db, uint64_t id)
{
	store_key k;
	store_key_id(&k, id);
	return has_key(c, db, &k, NULL);
}

static int
has_queue(
    struct check *c, enum store_db db, uint64_t owner, int64_t at, uint64_t id)
{
	store_key k;
	store_key_triple(&k, owner, store_time_key(at), id);
	return has_key(c, db, &k, NULL);
}

/* Load record id of db as d into the arena, or NULL. */
static ProtobufCMessage *
load(struct check *c, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m;
	return dispatch_record(c->ctx, db, id, d, &m) == CRM_OK ? m : NULL;
}

/* ---------------------------------------------------- scan */

/* Every page of every database, in the read transaction (a consistent
 * snapshot, so nothing is copied): the cursor walks each branch and leaf
 * page and LMDB checks each as it goes; reading every byte of every value
 * reaches the overflow pages; and the walk must count what the tree's
 * root says it holds. */
static crm_status
scan_all(struct check *c)
{
	for (int db = 0; db < DB_COUNT; db++) {
		store_cursor *cur;
		store_val k, v;
		const char *name = store_db_name((enum store_db)db);
		/* In the shared tree a count is a walk: the tree's own
		 * count is checked once, after the loop. */
		int own = !store_in_tree(c->ctx->st, db);
		uint64_t count =
		    own ? store_entries(c->ctx->st, c->ctx->txn, db) : 0;
		crm_status rc =
		    store_cursor_open(c->ctx->st, c->ctx->txn, db, &cur);
		if (rc != CRM_OK) {
			return rc;
		}
		uint64_t seen = 0;
		unsigned char sum = 0;
		while ((rc = store_cursor_get(cur, STORE_NEXT, &k, &v)) ==
		       CRM_OK) {
			const unsigned char *p = v.data;
			for (size_t i = 0; i < v.len; i++) {
				sum ^= p[i];
			}
			seen++;
		}
		store_cursor_close(cur);
		c->entries += seen;
		c->scan_sum ^= sum;
		if (rc != CRM_NOT_FOUND) {
			check_problem(c, "%s: the scan stopped: %s", name,
			    crm_strerror(rc));
		} else if (own && seen != count) {
			check_problem(c,
			    "%s: the walk found %llu entries, the tree says "
			    "%llu",
			    name, (unsigned long long)seen,
			    (unsigned long long)count);
		}
	}
	/* The shared tree as a whole: its root's count, and no entry that
	 * no database claims (schema.def's SCHEMA_TREE). */
	uint64_t all = 0, stray = 0;
	crm_status rc =
	    store_check_tree(c->ctx->st, c->ctx->txn, &all, &stray);
	if (rc == CRM_DATA_LOSS) {
		check_problem(c,
		    "%s: the walk found %llu entries, the tree "
		    "says otherwise",
		    "the shared tree", (unsigned long long)all);
	} else if (rc != CRM_OK) {
		check_problem(c, "the shared tree: the scan stopped: %s",
		    crm_strerror(rc));
	}
	if (stray > 0) {
		check_problem(c,
		    "the shared tree: %llu entries belong to no database",
		    (unsigned long long)stray);
	}
	return CRM_OK;
}

/* ---------------------------------------------------- records */

typedef void (*record_fn)(struct check *c, uint64_t id, ProtobufCMessage *m);

/* Every record of db: key, decoding, validation, its own checks. Returns
 * the highest id in *max. */
static crm_status
records(struct check *c, enum store_db db, const ProtobufCMessageDescriptor *d,
    record_fn fn, uint64_t *max)
{
	store_cursor *cur;
	store_val k, v;
	const char *name = store_db_name(db);
	crm_status rc = store_cursor_open(c->ctx->st, c->ctx->txn, db, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	*max = 0;
	const ProtobufCFieldDescriptor *idf =
	    protobuf_c_message_descriptor_get_field_by_name(d, "id");
	while ((rc = store_cursor_get(cur, STORE_NEXT, &k, &v)) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		c->records++;
		if (k.len != 8) {
			check_problem(
			    c, "%s: a key of %zu bytes", name, k.len);
			continue;
		}
		uint64_t id = store_u64(k.data);
		*max = id > *max ? id : *max;
		ProtobufCMessage *m = protobuf_c_message_unpack(
		    d, &c->ctx->arena->allocator, v.len, v.data);
		if (m == NULL) {
			check_problem(
			    c, "%s %" PRIu64 ": does not decode", name, id);
			crm_arena_release(c->ctx->arena, mark);
			continue;
		}
		char why[200];
		if (crm_validate_message(m, why, sizeof(why)) != CRM_OK) {
			check_problem(c, "%s %" PRIu64 ": %s", name, id, why);
		}
		if (idf != NULL &&
		    *(uint64_t *)((char *)m + idf->offset) != id) {
			check_problem(
			    c, "%s %" PRIu64 ": holds another id", name, id);
		}
		fn(c, id, m);
		crm_arena_release(c->ctx->arena, mark);
	}
	store_cursor_close(cur);
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

static void
need_user(struct check *c, const char *what, uint64_t id, uint64_t user)
{
	if (user != 0 && !has_id(c, DB_USERS, user)) {
		check_problem(
		    c, "%s %" PRIu64 ": no user %" PRIu64, what, id, user);
	}
}

static void
need_customer(struct check *c, const char *what, uint64_t id, uint64_t cust)
{
	if (!has_id(c, DB_CUSTOMERS, cust)) {
		check_problem(
		    c, "%s %" PRIu64 ": no customer %" PRIu64, what, id, cust);
	}
}

/* A record that hangs off a customer: the customer exists and lists it
 * in its per-customer index idx. */
static void
need_listed(struct check *c, const char *what, uint64_t id, uint64_t customer,
    enum store_db idx)
{
	need_customer(c, what, id, customer);
	if (!has_pair(c, idx, customer, id)) {
		check_problem(
		    c, "%s %" PRIu64 ": not in its customer's list", what, id);
	}
}

static void
user_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__Store__UserRecord *u = (Crm__Store__UserRecord *)m;
	Crm__Store__UserRecord *by;
	if (user_by_login(c->ctx, u->login, &by) != CRM_OK || by->id != id) {
		check_problem(c, "user %" PRIu64 ": login '%s' not indexed",
		    id, u->login);
	}
	if (u->team_id != 0 && !has_id(c, DB_TEAMS, u->team_id)) {
		check_problem(
		    c, "user %" PRIu64 ": no team %" PRIu64, id, u->team_id);
	}
}

static void
team_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Team *t = (Crm__V1__Team *)m;
	uint64_t by;
	if (user_team_by_name(c->ctx, t->name, &by) != CRM_OK || by != id) {
		check_problem(
		    c, "team %" PRIu64 ": name '%s' not indexed", id, t->name);
	}
}

static void merged_open_work(struct check *c, uint64_t cust);

static void
customer_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Customer *cu = (Crm__V1__Customer *)m;
	uint64_t by = 0;
	int named =
	    customer_by_name(c->ctx, cu->kind, cu->name, &by) == CRM_OK &&
	    by == id;
	int listed = has_pair(c, DB_CUST_OWNER, cu->owner_id, id) &&
	             has_pair(c, DB_CUST_TEAM, cu->team_id, id);
	/* The name-index entries that are its own (reverse_refs counts
	 * the rest). */
	uint64_t lic = 0;
	c->name_keys +=
	    (uint64_t)named +
	    (uint64_t)(cu->licence_no != NULL && *cu->licence_no != '\0' &&
	               customer_by_licence(c->ctx, cu->licence_no, &lic) ==
	                   CRM_OK &&
	               lic == id);
	if (cu->merged_into != 0) {
		if (named || has_pair(c, DB_CUST_OWNER, cu->owner_id, id)) {
			check_problem(c,
			    "customer %" PRIu64 ": merged but still "
			    "listed",
			    id);
		}
		need_customer(c, "merged customer", id, cu->merged_into);
		merged_open_work(c, id);
	} else if (!named && by != 0 && by != id) {
		/* Two names equal under the key rules (schema 5: without
		 * the legal form): duplicates to merge. */
		check_problem(c,
		    "customer %" PRIu64 ": its name equals customer %" PRIu64
		    "'s (merge them)",
		    id, by);
	} else if (!named || !listed) {
		check_problem(c, "customer %" PRIu64 ": missing from the %s",
		    id, named ? "owner or team list" : "name index");
	} else if (!period_card_ok(c->ctx, cu)) {
		check_problem(c,
		    "customer %" PRIu64 ": its period card in the owner or "
		    "team list is not what its record and stage history say",
		    id);
	}
	if (cu->merged_into == 0 && cu->licence_no != NULL &&
	    *cu->licence_no != '\0' &&
	    (customer_by_licence(c->ctx, cu->licence_no, &by) != CRM_OK ||
	        by != id)) {
		check_problem(c,
		    "customer %" PRIu64 ": licence %s not indexed%s", id,
		    cu->licence_no,
		    by != id && by != 0 ? " (another customer has it)" : "");
	}
	char *text;
	size_t len;
	store_key k;
	store_val v;
	store_key_pair(&k, cu->owner_id, id);
	int stored = has_key(c, DB_SEARCH_TEXT, &k, &v);
	if (search_text(c->ctx, id, &text, &len) == CRM_OK &&
	    (text == NULL ? stored
	                  : !stored || v.len != len ||
	                        memcmp(v.data, text, len) != 0)) {
		check_problem(c, "customer %" PRIu64 ": its search text is %s",
		    id, stored ? "stale" : "missing");
	}
	need_user(c, "customer", id, cu->owner_id);
	/* The team pool: exactly the ownerless customers of a team. */
	int pooled =
	    cu->merged_into == 0 && cu->owner_id == 0 && cu->team_id != 0;
	if (pooled != has_pair(c, DB_POOL, cu->team_id, id)) {
		check_problem(c, "customer %" PRIu64 ": %s the team pool", id,
		    pooled ? "missing from" : "wrongly in");
	}
	/* Team 0: the owner is in no team (an admin's own customers). */
	if (cu->team_id != 0 && !has_id(c, DB_TEAMS, cu->team_id)) {
		check_problem(c, "customer %" PRIu64 ": no team %" PRIu64, id,
		    cu->team_id);
	}
}

/* A merged customer's open tasks and running clocks (a write crmd took
 * on a merged record before it refused them: exported with no customer,
 * out of the kept one's history): each is a problem to settle by hand. */
static void
merged_open_work(struct check *c, uint64_t cust)
{
	uint64_t id = 0;
	while (store_index_next(c->ctx->st, c->ctx->txn, DB_TASK_CUST, cust,
	           id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__Task *t;
		if (dispatch_record(c->ctx, DB_TASKS, id,
		        &crm__v1__task__descriptor,
		        (ProtobufCMessage **)&t) == CRM_OK &&
		    t->customer_id == cust &&
		    t->status == CRM__V1__TASK_STATUS__TASK_OPEN) {
			check_problem(c,
			    "task %" PRIu64 ": open on customer %" PRIu64
			    ", which was merged (added there by an older "
			    "crmd: cancel it, and add it to the kept customer "
			    "if it still matters)",
			    id, cust);
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	id = 0;
	while (store_index_next(c->ctx->st, c->ctx->txn, DB_SLA_CUST, cust, id,
	           &id) == CRM_OK) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		Crm__V1__SlaClock *k;
		if (dispatch_record(c->ctx, DB_SLA, id,
		        &crm__v1__sla_clock__descriptor,
		        (ProtobufCMessage **)&k) == CRM_OK &&
		    k->customer_id == cust && k->stopped_at == 0 &&
		    k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION) {
			check_problem(c,
			    "clock %" PRIu64 ": running on customer %" PRIu64
			    ", which was merged (started there by an older "
			    "crmd: start it again on the kept customer if it "
			    "still matters)",
			    id, cust);
		}
		crm_arena_release(c->ctx->arena, mark);
	}
}

static void
contact_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Contact *ct = (Crm__V1__Contact *)m;
	need_listed(c, "contact", id, ct->customer_id, DB_CONTACT_CUST);
}

static void
followup_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__FollowUp *f = (Crm__V1__FollowUp *)m;
	need_listed(c, "follow-up", id, f->customer_id, DB_FU_CUST);
	need_user(c, "follow-up", id, f->author_id);
}

static void
task_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Task *t = (Crm__V1__Task *)m;
	int open = t->status == CRM__V1__TASK_STATUS__TASK_OPEN;
	need_listed(c, "task", id, t->customer_id, DB_TASK_CUST);
	need_user(c, "task", id, t->owner_id);
	store_key qk;
	store_val qv;
	store_key_triple(&qk, t->owner_id, store_time_key(t->due_at), id);
	if (open != has_key(c, DB_TASK_OPEN, &qk, &qv)) {
		check_problem(c, "task %" PRIu64 ": %s the open queue", id,
		    open ? "missing from" : "closed but in");
	} else if (open && !task_due_value_ok(c->ctx, t, qv.data, qv.len)) {
		check_problem(c,
		    "task %" PRIu64 ": its task_open value is not the task "
		    "with its customer's name, grade and stage",
		    id);
	}
	if (open && t->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP) {
		store_key k;
		store_val v;
		store_key_id(&k, t->customer_id);
		if (!has_key(c, DB_CUST_FUTASK, &k, &v) || v.len != 8 ||
		    store_u64(v.data) != id) {
			check_problem(c,
			    "task %" PRIu64 ": not its customer's "
			    "open follow-up",
			    id);
		}
	}
}

static void
commitment_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Commitment *k = (Crm__V1__Commitment *)m;
	int open = k->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN;
	need_listed(c, "commitment", id, k->customer_id, DB_COMMIT_CUST);
	need_user(c, "commitment", id, k->owner_id);
	if (open != has_queue(c, DB_COMMIT_OPEN, k->owner_id, k->due_at, id)) {
		check_problem(c, "commitment %" PRIu64 ": %s the open queue",
		    id, open ? "missing from" : "closed but in");
	}
}

static void
sla_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__SlaClock *k = (Crm__V1__SlaClock *)m;
	/* An objection has no clock: never in the running queue. */
	int running =
	    k->stopped_at == 0 && k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION;
	need_listed(c, "clock", id, k->customer_id, DB_SLA_CUST);
	need_user(c, "clock", id, k->owner_id);
	if (running !=
	    has_queue(c, DB_SLA_OPEN, k->owner_id, k->deadline_at, id)) {
		check_problem(c, "clock %" PRIu64 ": %s the running queue", id,
		    running ? "missing from" : "stopped but in");
	}
}

static void
proposal_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__GradeProposal *p = (Crm__V1__GradeProposal *)m;
	need_listed(c, "proposal", id, p->customer_id, DB_PROP_CUST);
	/* Pending: waiting for its customer's team (which a reassignment
	 * changes). */
	Crm__V1__Customer *cu;
	if (dispatch_record(c->ctx, DB_CUSTOMERS, p->customer_id,
	        &crm__v1__customer__descriptor,
	        (ProtobufCMessage **)&cu) == CRM_OK) {
		store_key k;
		store_val v;
		int pending =
		    p->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
		store_key_pair(&k, cu->team_id, id);
		if (pending != has_key(c, DB_PROP_PENDING, &k, &v)) {
			check_problem(c,
			    "proposal %" PRIu64 ": %s its team's pending list",
			    id, pending ? "missing from" : "wrongly in");
		}
	}
}

static void
purchase_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Purchase *p = (Crm__V1__Purchase *)m;
	need_listed(c, "purchase", id, p->customer_id, DB_PURCH_CUST);
	need_user(c, "purchase", id, p->owner_id);
	if (p->amount <= 0 || p->product == NULL || *p->product == '\0') {
		check_problem(
		    c, "purchase %" PRIu64 ": no amount or no product", id);
	}
}

static void
routine_fn(struct check *c, uint64_t id, ProtobufCMessage *m)
{
	Crm__V1__Routine *r = (Crm__V1__Routine *)m;
	if (r->team_id != 0) {
		/* A team routine: listed under its team. */
		if (!has_id(c, DB_TEAMS, r->team_id) ||
		    !has_pair(c, DB_ROUTINE_TEAM, r->team_id, id)) {
			check_problem(c,
			    "routine %" PRIu64 ": not in its team's list", id);
		}
	} else {
		need_listed(c, "routine", id, r->customer_id, DB_ROUTINE_CUST);
	}
	if (r->goal == NULL || *r->goal == '\0' || r->every == 0) {
		check_problem(
		    c, "routine %" PRIu64 ": no goal or no schedule", id);
	}
}

/* ---------------------------------------------------- indexes */

/* A per-customer list entry's value, of a record of change kind kind
 * (changes.c): empty (not written since schema 19) or the seq of the
 * record's entry in the change log. */
static void
pair_change(struct check *c, enum store_db idx, int kind, uint64_t id,
    const void *v, size_t vlen)
{
	if (vlen == 0) {
		return;
	}
	store_val e;
	if (kind == 0 || vlen != 8 ||
	    store_get(c->ctx->st, c->ctx->txn, DB_CHANGES, v, 8, &e) !=
	        CRM_OK ||
	    e.len != 9 || ((const uint8_t *)e.data)[0] != kind ||
	    store_u64((const uint8_t *)e.data + 1) != id) {
		check_problem(c,
		    "%s: the entry of %" PRIu64
		    " names no change of it in changes",
		    store_db_name(idx), id);
	}
}

/* Each entry a || b of a per-customer (or owner, team) index points to
 * record b of db whose field `field` is a. */
static crm_status
reverse_pairs(struct check *c, enum store_db idx, enum store_db db,
    const ProtobufCMessageDescriptor *d, const char *field)
{
	const struct schema_record *r = schema_record_of(db);
	/* The value of a customer list of a logged record: its change. */
	int kind = r != NULL && r->by_customer == idx ? r->change_kind : -1;
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(d, field);
	struct store_iter it;
	crm_status rc =
	    store_iter_open(c->ctx->st, c->ctx->txn, idx, "", 0, NULL, &it);
	if (rc != CRM_OK || f == NULL) {
		return rc != CRM_OK ? rc : CRM_INTERNAL;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		uint64_t a = klen == 16 ? store_u64(key) : 0;
		uint64_t b = klen == 16 ? store_u64(key + 8) : 0;
		ProtobufCMessage *m = klen == 16 ? load(c, db, b, d) : NULL;
		if (m == NULL) {
			check_problem(c,
			    "%s: an entry for a missing %s %" PRIu64,
			    store_db_name(idx), store_db_name(db), b);
		} else if (*(uint64_t *)((char *)m + f->offset) != a) {
			check_problem(c, "%s: %s %" PRIu64 " has another %s",
			    store_db_name(idx), store_db_name(db), b, field);
		}
		const void *v;
		size_t vlen;
		if (kind >= 0 && store_iter_data(&it, &v, &vlen)) {
			pair_change(c, idx, kind, b, v, vlen);
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* Each entry customer || routine || until of DB_ROUTINE_PLAN names a
 * customer and a team routine. */
static crm_status
routine_plans(struct check *c)
{
	struct store_iter it;
	crm_status rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_ROUTINE_PLAN, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		uint64_t cust = klen == 24 ? store_u64(key) : 0;
		uint64_t rid = klen == 24 ? store_u64(key + 8) : 0;
		Crm__V1__Routine *r =
		    klen == 24 ? (Crm__V1__Routine *)load(c, DB_ROUTINES, rid,
		                     &crm__v1__routine__descriptor)
		               : NULL;
		if (r == NULL || r->team_id == 0 ||
		    !has_id(c, DB_CUSTOMERS, cust)) {
			check_problem(c,
			    "routine_plan: an entry for a missing customer "
			    "%" PRIu64 " or team routine %" PRIu64,
			    cust, rid);
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* Each entry owner || time || id of an open queue is one of db's open
 * records (the record side checked the rest). */
static crm_status
reverse_queue(struct check *c, enum store_db idx, enum store_db db,
    const ProtobufCMessageDescriptor *d)
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
		size_t mark = crm_arena_mark(c->ctx->arena);
		if (klen != 24 ||
		    load(c, db, store_u64(key + 16), d) == NULL) {
			check_problem(c, "%s: an entry for a missing record",
			    store_db_name(idx));
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* The name-index entries whose key is not their customer's. */
static crm_status
name_strays(struct check *c)
{
	struct store_iter it;
	crm_status rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_CUST_NAME, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t n;
		Crm__V1__Customer *cu;
		size_t mark = crm_arena_mark(c->ctx->arena);
		if (store_iter_data(&it, &v, &n) && n == 8 &&
		    dispatch_record(c->ctx, DB_CUSTOMERS, store_u64(v),
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) == CRM_OK &&
		    !customer_owns_key(c->ctx, cu, key, klen)) {
			check_problem(c,
			    "%s: an entry for customer %" PRIu64
			    " under a name or licence that is not its own "
			    "(it blocks that name)",
			    store_db_name(DB_CUST_NAME), store_u64(v));
		}
		crm_arena_release(c->ctx->arena, mark);
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* Entries of a name index point to existing records. */
static crm_status
reverse_refs(struct check *c, enum store_db idx, enum store_db db)
{
	uint64_t valid = 0;
	struct store_iter it;
	crm_status rc =
	    store_iter_open(c->ctx->st, c->ctx->txn, idx, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t n;
		if (!store_iter_data(&it, &v, &n) || n != 8 ||
		    !has_id(c, db, store_u64(v))) {
			check_problem(c, "%s: an entry for a missing record",
			    store_db_name(idx));
		} else {
			valid++;
		}
	}
	store_iter_close(&it);
	/* More name entries than the customers' own keys found them: an
	 * entry under a name or licence that is not its customer's (it
	 * blocks that name). Named, in a second walk, only then. */
	return idx == DB_CUST_NAME && valid > c->name_keys ? name_strays(c)
	                                                   : CRM_OK;
}

/* Each calendar entry (calendar.h) is a day keyed by its own date, a
 * holiday or a make-up working day. */
static crm_status
calendar_days(struct check *c)
{
	struct store_iter it;
	crm_status rc = store_iter_open(
	    c->ctx->st, c->ctx->txn, DB_CALENDAR, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(c->ctx->arena);
		const void *v;
		size_t n;
		Crm__V1__CalendarDay *d = NULL;
		if (store_iter_data(&it, &v, &n)) {
			d = crm__v1__calendar_day__unpack(
			    &c->ctx->arena->allocator, n, v);
		}
		char why[128];
		if (d == NULL) {
			check_problem(c, "calendar %.*s: does not decode",
			    (int)klen, (const char *)key);
		} else if (crm_validate_message(&d->base, why, sizeof(why)) !=
		           CRM_OK) {
			check_problem(c, "calendar %.*s: %s", (int)klen,
			    (const char *)key, why);
		} else if (d->date == NULL || strlen(d->date) != 10 ||
		           klen != 10 || memcmp(key, d->date, 10) != 0 ||
		           !crm_time_valid_day(d->date)) {
			check_problem(c,
			    "calendar %.*s: keyed by another date", (int)klen,
			    (const char *)key);
		} else if (!d->has_kind ||
		           (d->kind != CRM__V1__DAY_KIND__DAY_HOLIDAY &&
		               d->kind != CRM__V1__DAY_KIND__DAY_WORKDAY)) {
			check_problem(c,
			    "calendar %s: neither a holiday nor a workday",
			    d->date);
		}
		c->records++;
		crm_arena_release(c->ctx->arena, mark);
	}
	store_iter_close(&it);
	return CRM_OK;
}

/* The id sequence seq is ahead of max. */
static void
sequence(struct check *c, const char *seq, uint64_t max)
{
	uint64_t next = store_seq_peek(c->ctx->st, c->ctx->txn, seq);
	if (max >= next) {
		check_problem(c,
		    "sequence %s hands out %" PRIu64 " but %" PRIu64 " exists",
		    seq, next, max);
	}
}

crm_status
check_run(struct check *c)
{
	/* Each record type of schema.def with its own check. */
	static const struct {
		enum store_db db;
		const ProtobufCMessageDescriptor *d;
		record_fn fn;
		const char *seq;
	} tables[] = {
#define SCHEMA_RECORD(                                               \
    db, type, seq, by_customer, check, merge, reown, export, change) \
	{ db, &type##__descriptor, check, seq },
#include "schema.def"
	};
	crm_status rc = scan_all(c);
	for (size_t i = 0;
	     rc == CRM_OK && i < sizeof(tables) / sizeof(*tables); i++) {
		uint64_t max = 0;
		rc = records(c, tables[i].db, tables[i].d, tables[i].fn, &max);
		if (rc == CRM_OK) {
			sequence(c, tables[i].seq, max);
		}
	}
	/* Every PAIR, QUEUE and REF index of schema.def, walked back to
	 * its records. */
	for (int i = 0; rc == CRM_OK && i < DB_COUNT; i++) {
		const struct schema_db *x = &schema_dbs[i];
		const struct schema_record *r = schema_record_of(x->of);
		if (x->shape == SHAPE_PAIR && r != NULL) {
			rc = reverse_pairs(
			    c, (enum store_db)i, x->of, r->d, x->field);
		} else if (x->shape == SHAPE_QUEUE && r != NULL) {
			rc = reverse_queue(c, (enum store_db)i, x->of, r->d);
		} else if (x->shape == SHAPE_REF) {
			rc = reverse_refs(c, (enum store_db)i, x->of);
		}
	}
	if (rc == CRM_OK) {
		rc = routine_plans(c);
	}
	if (rc == CRM_OK) {
		rc = stats_check(c);
	}
	if (rc == CRM_OK) {
		rc = review_check(c);
	}
	if (rc == CRM_OK) {
		rc = event_check(c);
	}
	if (rc == CRM_OK) {
		rc = history_check(c);
	}
	if (rc == CRM_OK) {
		rc = audit_check(c);
	}
	if (rc == CRM_OK) {
		rc = calendar_days(c);
	}
	if (rc == CRM_OK) {
		rc = pool_check(c);
	}
	if (rc == CRM_OK) {
		rc = pool_reclaim_check(c);
	}
	if (rc == CRM_OK) {
		rc = search_index_check(c);
	}
	return rc;
}
