/* SPDX-License-Identifier: MIT */
/*
 * customer.c: customers (客户档案), the record API: load, visibility,
 * names and licences, the indexes kept with every write, the scoped walk
 * every list uses. The field rules are customer_fields.c's; the handlers
 * are customer_edit.c's (add, get, edit, assign) and customer_list.c's
 * (list, find).
 *
 * Indexes kept with every write (index_lists): cust_name (kind ||
 * normalised name: names are unique per kind), cust_owner (owner || id),
 * cust_team (team || id) and pool (team || id while the customer has no
 * owner). A rep's lists walk cust_owner, a manager's cust_team, an
 * admin's the primary table, so no list scans what it may not show.
 */
#include "customer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "changes.h"
#include "crm.h"
#include "crm_utf8.h"
#include "crm_pb_scan.h"
#include "period_card.h"
#include "pool_reclaim.h"
#include "review.h"
#include "search.h"
#include "signals.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define LICENCE_MAX 32
#define LICENCE_TAG 'L' /* cust_name: 'L' || licence -> customer id */

/* ---------------------------------------------------- record API */

crm_status
customer_load(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	return dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)c);
}

crm_status
customer_visible(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	if (id == 0) {
		return dispatch_fail_no_id(ctx, "customer"); /* none named */
	}
	crm_status rc = customer_load(ctx, id, c);
	if (rc == CRM_OK &&
	    !auth_can_see(ctx->who, (*c)->owner_id, (*c)->team_id)) {
		rc = CRM_NOT_FOUND;
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, rc, "no customer %" PRIu64, id);
	}
	return rc;
}

/* The unique-name key: kind byte, then the normalised name (a company's
 * without its legal form: 华东机电有限公司 and 华东机电 are one). */
static crm_status
name_key(struct req_ctx *ctx, store_key *k, int kind, const char *name)
{
	char *norm = kind == CRM__V1__CUSTOMER_KIND__KIND_COMPANY
	                 ? crm_utf8_company_key(name)
	                 : crm_utf8_normalize(name);
	if (norm == NULL || *norm == '\0') {
		free(norm);
		return dispatch_fail(ctx, CRM_EINVAL,
		    "a customer name needs at least one letter or digit");
	}
	store_key_text(k, (uint8_t)kind, norm);
	free(norm);
	return CRM_OK;
}

/* The business-licence key, in cust_name under its own tag byte. */
static void
licence_key(store_key *k, const char *licence)
{
	store_key_text(k, LICENCE_TAG, licence);
}

/* Delete index entry k when it is self's (a name another customer holds
 * since the key rules changed stays with it). */
static crm_status
ref_del(struct req_ctx *ctx, const store_key *k, uint64_t self)
{
	uint64_t holder;
	crm_status rc =
	    store_get_ref(ctx->st, ctx->txn, DB_CUST_NAME, k, &holder);
	if (rc == CRM_NOT_FOUND || (rc == CRM_OK && holder != self)) {
		return CRM_OK;
	}
	return rc == CRM_OK ? store_del(ctx->st, ctx->txn, DB_CUST_NAME, k)
	                    : rc;
}

int
customer_in_pool(const Crm__V1__Customer *c)
{
	return c->owner_id == 0 && c->team_id != 0 && c->merged_into == 0;
}

/* Refuses k when another customer holds it: named with its id and owner
 * when the caller may see it, else without either. what: "customer
 * \"NAME\"" or "business licence X". */
static crm_status
duplicate(
    struct req_ctx *ctx, const store_key *k, uint64_t self, const char *what)
{
	uint64_t other;
	crm_status rc =
	    store_get_ref(ctx->st, ctx->txn, DB_CUST_NAME, k, &other);
	if (rc == CRM_NOT_FOUND || (rc == CRM_OK && other == self)) {
		return CRM_OK;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__Customer *c;
	if (customer_load(ctx, other, &c) != CRM_OK) {
		return CRM_INTERNAL;
	}
	if (ctx->who != NULL &&
	    !auth_can_see(ctx->who, c->owner_id, c->team_id)) {
		int team = c->team_id == ctx->who->team_id;
		if (team && customer_in_pool(c)) {
			/* No one's: the team's pool, which the caller may
			 * claim (as import says, import.c in_team_pool). */
			return dispatch_fail(ctx, CRM_EXISTS,
			    "%s already exists in your team's public pool "
			    "(公海) as \"%s\", held by no one: pool claim "
			    "%" PRIu64 " takes it",
			    what, c->name ? c->name : "", other);
		}
		return dispatch_fail(ctx, CRM_EXISTS,
		    "%s already exists %s; ask your manager", what,
		    team ? "with another rep of your team"
		         : "in another team");
	}
	const char *owner = user_login_of(ctx, c->owner_id);
	ctx->existing_id = other; /* the caller may see it */
	if (customer_in_pool(c)) {
		return dispatch_fail(ctx, CRM_EXISTS,
		    "%s already exists as \"%s\" (id %" PRIu64 ") in team "
		    "%s's public pool (公海), held by no one: customer "
		    "assign %" PRIu64 " LOGIN gives it to a rep",
		    what, c->name, other, user_team_name(ctx, c->team_id),
		    other);
	}
	return dispatch_fail(ctx, CRM_EXISTS,
	    "%s already exists as \"%s\" (id %" PRIu64 ", owner %s)", what,
	    c->name, other, *owner ? owner : "nobody");
}

crm_status
customer_duplicate(
    struct req_ctx *ctx, int kind, const char *name, const char *licence)
{
	store_key k;
	char what[CUSTOMER_NAME_MAX + 64];
	crm_status rc = name_key(ctx, &k, kind, name);
	if (rc == CRM_OK) {
		snprintf(what, sizeof(what), "customer \"%s\"", name);
		rc = duplicate(ctx, &k, 0, what);
	}
	if (rc == CRM_OK && licence != NULL && *licence != '\0') {
		licence_key(&k, licence);
		snprintf(what, sizeof(what), "business licence %s", licence);
		rc = duplicate(ctx, &k, 0, what);
	}
	return rc;
}

crm_status
customer_editable(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	crm_status rc = customer_visible(ctx, id, c);
	if (rc != CRM_OK || (*c)->merged_into == 0) {
		return rc;
	}
	/* The customer it lives on as: a record it was merged into may have
	 * been merged on since (a few hops at most; a loop stops). */
	uint64_t into = (*c)->merged_into, live = into;
	for (int hop = 0; hop < 16; hop++) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *next;
		uint64_t on = customer_load(ctx, live, &next) == CRM_OK
		                  ? next->merged_into
		                  : 0;
		crm_arena_release(ctx->arena, mark);
		if (on == 0 || on == id) {
			break;
		}
		live = on;
	}
	if (live != into) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "customer %" PRIu64 " was merged into %" PRIu64
		    ", which was merged into another since: use customer "
		    "%" PRIu64,
		    id, into, live);
	}
	return dispatch_fail(ctx, CRM_EPRECOND,
	    "customer %" PRIu64 " was merged into %" PRIu64, id, into);
}

int
customer_owns_key(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const void *key, size_t len)
{
	store_key k;
	size_t mark = crm_arena_mark(ctx->arena);
	int own = name_key(ctx, &k, c->kind, c->name) == CRM_OK &&
	          k.len == len && memcmp(k.b, key, len) == 0;
	crm_arena_release(ctx->arena, mark);
	if (!own && c->licence_no != NULL && *c->licence_no != '\0') {
		licence_key(&k, c->licence_no);
		own = k.len == len && memcmp(k.b, key, len) == 0;
	}
	return own;
}

crm_status
customer_by_name(struct req_ctx *ctx, int kind, const char *name, uint64_t *id)
{
	store_key k;
	crm_status rc = name_key(ctx, &k, kind, name);
	if (rc == CRM_OK) {
		rc = store_get_ref(ctx->st, ctx->txn, DB_CUST_NAME, &k, id);
	}
	return rc;
}

crm_status
customer_by_licence(struct req_ctx *ctx, const char *licence, uint64_t *id)
{
	store_key k;
	licence_key(&k, licence);
	*id = 0;
	return store_get_ref(ctx->st, ctx->txn, DB_CUST_NAME, &k, id);
}

const char *
customer_trimmed(struct req_ctx *ctx, const char *s)
{
	if (s == NULL) {
		return NULL;
	}
	/* ASCII white space and U+3000 (the ideographic space) at either
	 * end. */
	size_t n = strlen(s);
	s = crm_utf8_trim(s, &n);
	if (n == 0) {
		return NULL;
	}
	if (s[n] == '\0') {
		return s;
	}
	char *t = crm_arena_alloc(ctx->arena, n + 1);
	if (t == NULL) {
		return s; /* untrimmed rather than lost; the arena is full */
	}
	memcpy(t, s, n);
	t[n] = '\0';
	return t;
}

crm_status
customer_find(struct req_ctx *ctx, const char *name, uint64_t *id)
{
	static const int kinds[] = { CRM__V1__CUSTOMER_KIND__KIND_COMPANY,
		CRM__V1__CUSTOMER_KIND__KIND_PERSON };
	*id = 0;
	for (size_t i = 0; i < 2; i++) {
		store_key k;
		crm_status rc = name_key(ctx, &k, kinds[i], name);
		if (rc == CRM_EINVAL) {
			break; /* no letter or digit: no such name */
		}
		if (rc != CRM_OK) {
			return rc;
		}
		uint64_t found;
		rc =
		    store_get_ref(ctx->st, ctx->txn, DB_CUST_NAME, &k, &found);
		if (rc == CRM_NOT_FOUND) {
			continue;
		}
		if (rc != CRM_OK) {
			return rc;
		}
		Crm__V1__Customer *c;
		rc = customer_load(ctx, found, &c);
		if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
			return rc;
		}
		if (rc == CRM_OK &&
		    auth_can_see(ctx->who, c->owner_id, c->team_id)) {
			*id = found;
			return CRM_OK;
		}
	}
	return dispatch_fail(
	    ctx, CRM_NOT_FOUND, "no customer named \"%s\"", name);
}

void
customer_fill_names(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	c->owner = (char *)user_login_of(ctx, c->owner_id);
	c->team = (char *)user_team_name(ctx, c->team_id);
	c->pool_from = c->pool_from_id
	                   ? (char *)user_login_of(ctx, c->pool_from_id)
	                   : NULL;
	c->checked_by = c->checked_by_id
	                    ? (char *)user_login_of(ctx, c->checked_by_id)
	                    : NULL;
	/* Shown only when set (the stored record always has the flag). */
	c->has_late_entry = c->late_entry = signals_late_entry(c);
}

/*
 * The requests by which a person changes a customer's record: they set
 * touched_at, which `stale` counts (seed 001: records not updated for over
 * 72 hours), customer.add among them (entering a record is an update).
 * Follow-ups count at their own time through last_contact_at;
 * scheduling, imports, checks and merges of another record do not count.
 */
static const char *const touching[] = { "customer.edit", "customer.assign",
	"stage.set", "grade.approve", "customer.add", "pool.claim",
	"customer.release", NULL };

static int
person_change(const struct req_ctx *ctx)
{
	for (size_t i = 0; ctx->action != NULL && touching[i] != NULL; i++) {
		if (strcmp(ctx->action, touching[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Step of put: the name index (cust_name, kind || name) follows a new
 * or changed name; a merged tombstone leaves it. */
static crm_status
index_name(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	store_key k;
	crm_status rc = CRM_OK;
	int merged = after->merged_into != 0;
	int renamed = before == NULL || before->kind != after->kind ||
	              strcmp(before->name, after->name) != 0;
	if (merged) {
		/* A merged tombstone leaves the name and every list. */
		if (before != NULL && before->merged_into == 0 &&
		    name_key(ctx, &k, before->kind, before->name) == CRM_OK) {
			rc = ref_del(ctx, &k, before->id);
		}
		return rc;
	}
	if (!renamed) {
		return CRM_OK;
	}
	char what[CUSTOMER_NAME_MAX + 32];
	snprintf(what, sizeof(what), "customer \"%s\"", after->name);
	rc = name_key(ctx, &k, after->kind, after->name);
	if (rc == CRM_OK) {
		rc = duplicate(ctx, &k, after->id, what);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (before != NULL) {
		store_key old;
		if (name_key(ctx, &old, before->kind, before->name) ==
		    CRM_OK) {
			rc = ref_del(ctx, &old, before->id);
			if (rc != CRM_OK) {
				return rc;
			}
		}
	}
	return store_put_ref(ctx->st, ctx->txn, DB_CUST_NAME, &k, after->id);
}

/* Step of put: the licence number's entry in cust_name ('L' || number),
 * unique like a name. */
static crm_status
index_licence(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	const char *old_lic =
	    before && before->merged_into == 0 && before->licence_no
	        ? before->licence_no
	        : "";
	const char *new_lic = after->merged_into == 0 && after->licence_no
	                          ? after->licence_no
	                          : "";
	if (strcmp(old_lic, new_lic) == 0) {
		return CRM_OK;
	}
	store_key k;
	crm_status rc = CRM_OK;
	if (*old_lic) {
		licence_key(&k, old_lic);
		rc = ref_del(ctx, &k, after->id);
	}
	if (rc == CRM_OK && *new_lic) {
		char what[64 + LICENCE_MAX];
		snprintf(what, sizeof(what), "business licence %s", new_lic);
		licence_key(&k, new_lic);
		rc = duplicate(ctx, &k, after->id, what);
		if (rc == CRM_OK) {
			rc = store_put_ref(
			    ctx->st, ctx->txn, DB_CUST_NAME, &k, after->id);
		}
	}
	return rc;
}

/* Step of put: the lists a customer is in: cust_owner (owner || id),
 * cust_team (team || id), each entry holding its period card, and the
 * team pool (pool.h: a team's customers without an owner). A merged
 * tombstone is in none. */
static crm_status
index_lists(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	int merged = after->merged_into != 0;
	int was_listed = before != NULL && before->merged_into == 0;
	store_key ok, nk;
	if (before != NULL) {
		store_key_pair(&ok, before->owner_id, before->id);
	}
	store_key_pair(&nk, after->owner_id, after->id);
	crm_status rc = store_reindex(ctx->st, ctx->txn, DB_CUST_OWNER,
	    was_listed ? &ok : NULL, merged ? NULL : &nk);
	if (rc != CRM_OK) {
		return rc;
	}
	if (before != NULL) {
		store_key_pair(&ok, before->team_id, before->id);
	}
	store_key_pair(&nk, after->team_id, after->id);
	rc = store_reindex(ctx->st, ctx->txn, DB_CUST_TEAM,
	    was_listed ? &ok : NULL, merged ? NULL : &nk);
	if (rc == CRM_OK && !merged) {
		rc = period_card_put(ctx, was_listed ? before : NULL, after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	int was_pooled =
	    was_listed && before->owner_id == 0 && before->team_id != 0;
	int pooled = !merged && after->owner_id == 0 && after->team_id != 0;
	return store_reindex(ctx->st, ctx->txn, DB_POOL,
	    was_pooled ? &ok : NULL, pooled ? &nk : NULL);
}

/*
 * Write after (a new version of before, or a new record when before is
 * NULL) with its indexes and an audit record.
 */
static crm_status
put(struct req_ctx *ctx, const Crm__V1__Customer *before,
    Crm__V1__Customer *after)
{
	/* Server-filled display fields are never stored. */
	after->owner = after->team = after->checked_by = NULL;
	after->pool_from = NULL;
	after->has_contact_count = after->has_last_update_at = 0;
	after->has_stage_at = 0; /* the stage history's */
	after->stage_at = 0;
	after->deal_category = NULL; /* its purchase's */
	/* The late-entry flag is decided once, when the record is created
	 * (customer_handle_add), and kept: editing first_contact_at later
	 * does not clear it. A record stored before the flag was kept gets
	 * it frozen as it read then. */
	if (before != NULL) {
		/* Set, never cleared: a first contact learned later can show
		 * the entry was late (signals_first_back). */
		after->late_entry =
		    signals_late_entry(before) ||
		    (after->has_late_entry && after->late_entry);
		after->has_late_entry = 1;
	}
	/* A person's customer add counts at its creation; an import
	 * (action "import", through customer_handle_add) does not. */
	if (person_change(ctx)) {
		/* When the person made it; a change kept offline never moves
		 * it back past a later one. */
		int64_t was = before != NULL ? before->touched_at : 0;
		after->has_touched_at = 1;
		after->touched_at =
		    dispatch_at(ctx) > was ? dispatch_at(ctx) : was;
	}
	crm_status rc = index_name(ctx, before, after);
	if (rc == CRM_OK) {
		rc = index_licence(ctx, before, after);
	}
	if (rc == CRM_OK) {
		rc = index_lists(ctx, before, after);
	}
	if (rc == CRM_OK) {
		rc = stats_on_customer(ctx, before, after);
	}
	if (rc == CRM_OK) {
		rc = review_on_customer(ctx, before, after);
	}
	if (rc == CRM_OK) {
		/* The pool rules' entries (pool_reclaim.h). */
		rc = pool_reclaim_on_customer(ctx, before, after);
	}
	if (rc == CRM_OK) {
		/* Its open tasks' due entries show its name, grade, stage. */
		rc = task_due_on_customer(ctx, before, after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	after->has_updated_at = 1;
	after->updated_at = ctx->now;
	store_key k;
	store_key_id(&k, after->id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_CUSTOMERS, &k, &after->base);
	if (rc == CRM_OK &&
	    (before == NULL || !search_unchanged(before, after))) {
		rc = search_update(ctx, after->id, before);
	}
	if (rc == CRM_OK) {
		rc = changes_record(ctx, CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER,
		    after->id, after->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return audit_add(ctx, "customer", after->id,
	    before ? &before->base : NULL, &after->base);
}

crm_status
customer_rebuild_names(struct req_ctx *ctx, unsigned *clashes)
{
	*clashes = 0;
	crm_status rc = store_drop(ctx->st, ctx->txn, DB_CUST_NAME);
	uint64_t id = 0;
	while (rc == CRM_OK && store_id_next(ctx->st, ctx->txn, DB_CUSTOMERS,
	                           id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = customer_load(ctx, id, &c);
		if (rc != CRM_OK || c->merged_into != 0) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		store_key k[2];
		int n = name_key(ctx, &k[0], c->kind, c->name) == CRM_OK;
		if (c->licence_no != NULL && *c->licence_no) {
			licence_key(&k[n++], c->licence_no);
		}
		for (int i = 0; rc == CRM_OK && i < n; i++) {
			uint64_t other;
			if (store_get_ref(ctx->st, ctx->txn, DB_CUST_NAME,
			        &k[i], &other) == CRM_OK) {
				(*clashes)++; /* the first one keeps it */
				continue;
			}
			rc = store_put_ref(
			    ctx->st, ctx->txn, DB_CUST_NAME, &k[i], id);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

crm_status
customer_save(struct req_ctx *ctx, const Crm__V1__Customer *before,
    Crm__V1__Customer *after)
{
	return put(ctx, before, after);
}

int
customer_followed_up(const Crm__V1__Customer *c)
{
	return c->has_last_contact_at && c->last_contact_at > 0;
}

int64_t
customer_last_contact(const Crm__V1__Customer *c)
{
	int64_t t = c->created_at;
	if (c->has_last_contact_at && c->last_contact_at > 0) {
		t = c->last_contact_at;
	} else if (c->has_first_contact_at && c->first_contact_at > 0) {
		t = c->first_contact_at;
	}
	/* Taken from the pool later (a claim, an assignment): its new
	 * owner's cadence counts from then, as for a new customer, never
	 * from the former owner's contact. */
	if (c->has_pool_left_at && c->pool_left_at > t) {
		t = c->pool_left_at;
	}
	return t;
}

const char *
customer_name_of(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__Customer *c;
	if (customer_load(ctx, id, &c) != CRM_OK || c->name == NULL) {
		return "";
	}
	return c->name;
}

crm_status
customer_each(struct req_ctx *ctx,
    crm_status (*fn)(struct req_ctx *ctx, Crm__V1__Customer *c, void *arg),
    void *arg)
{
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	while (rc == CRM_OK && store_id_next(ctx->st, ctx->txn, DB_CUSTOMERS,
	                           id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = customer_load(ctx, id, &c);
		if (rc == CRM_OK && c->merged_into == 0) {
			rc = fn(ctx, c, arg);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

/* Customer id into *c (NULL when gone); 0 when ctx->who may not see it
 * now (no reader: crmd's own work, a reminder or a rule's plan). */
static int
load_shown(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	if (customer_load(ctx, id, c) != CRM_OK) {
		*c = NULL;
		return 1;
	}
	return ctx->who == NULL ||
	       auth_can_see(ctx->who, (*c)->owner_id, (*c)->team_id);
}

int
customer_fill_shown(struct req_ctx *ctx, char **name,
    protobuf_c_boolean *has_id, uint64_t *id, Crm__V1__Customer **c)
{
	Crm__V1__Customer *k;
	int shown = load_shown(ctx, *id, &k);
	if (c != NULL) {
		*c = shown ? k : NULL;
	}
	if (shown) {
		*name = k != NULL && k->name != NULL ? k->name : "";
		return 1;
	}
	*name = CUSTOMER_HIDDEN;
	*has_id = 0;
	*id = 0;
	return 0;
}

int
customer_may_see(struct req_ctx *ctx, uint64_t id)
{
	if (ctx->who == NULL || ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		return 1;
	}
	static const uint32_t fields[] = { 12, 14 }; /* owner_id, team_id */
	uint64_t f[2];
	store_key k;
	store_key_id(&k, id);
	store_val v;
	if (store_get(ctx->st, ctx->txn, DB_CUSTOMERS, k.b, 8, &v) != CRM_OK) {
		return 1;
	}
	uint64_t seen = crm_pb_varints(v.data, v.len, fields, 2, f);
	return !(seen & CRM_PB_MALFORMED) &&
	       auth_can_see(ctx->who, f[0], f[1]);
}

const char *
customer_shown(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__Customer *c;
	if (!load_shown(ctx, id, &c)) {
		return NULL;
	}
	return c != NULL && c->name != NULL ? c->name : "";
}

crm_status
customer_reply(
    struct req_ctx *ctx, Crm__V1__Customer *c, Crm__V1__Response *resp)
{
	customer_fill_names(ctx, c);
	Crm__V1__CustomerReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_reply__init(out);
	out->customer = c;
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMER;
	resp->customer = out;
	return CRM_OK;
}

crm_status
customer_touch(struct req_ctx *ctx, uint64_t id)
{
	Crm__V1__Customer *c;
	crm_status rc = customer_load(ctx, id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_updated_at = 1;
	c->updated_at = ctx->now;
	store_key k;
	store_key_id(&k, id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_CUSTOMERS, &k, &c->base);
	if (rc == CRM_OK) {
		rc = changes_record(
		    ctx, CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER, id, id);
	}
	return rc;
}

void
customer_walk_scope(
    struct req_ctx *ctx, struct customer_walk *w, uint64_t owner_filter)
{
	if (owner_filter != 0) {
		w->db = DB_CUST_OWNER;
		w->prefix = owner_filter;
	} else if (ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		w->db = DB_CUSTOMERS;
		w->prefix = 0;
	} else if (ctx->who->role == CRM__V1__ROLE__ROLE_MANAGER) {
		w->db = DB_CUST_TEAM;
		w->prefix = ctx->who->team_id;
	} else {
		w->db = DB_CUST_OWNER;
		w->prefix = ctx->who->user_id;
	}
}

crm_status
customer_walk_next(struct req_ctx *ctx, const struct customer_walk *w,
    uint64_t after, uint64_t *id)
{
	if (w->db == DB_CUSTOMERS) {
		return store_id_next(
		    ctx->st, ctx->txn, DB_CUSTOMERS, after, id);
	}
	return store_index_next(
	    ctx->st, ctx->txn, w->db, w->prefix, after, id);
}

crm_status
customer_contacts(
    struct req_ctx *ctx, uint64_t id, Crm__V1__Contact ***out, size_t *n)
{
	size_t cap = 16;
	*n = 0;
	*out = crm_arena_alloc(ctx->arena, cap * sizeof(**out));
	uint64_t cid = 0;
	while (*out != NULL && store_index_next(ctx->st, ctx->txn,
	                           DB_CONTACT_CUST, id, cid, &cid) == CRM_OK) {
		Crm__V1__Contact *c;
		crm_status rc = dispatch_list_record(ctx, DB_CONTACTS, cid,
		    &crm__v1__contact__descriptor, (ProtobufCMessage **)&c);
		if (rc != CRM_OK) {
			return rc;
		}
		if (*n == cap) {
			Crm__V1__Contact **more = crm_arena_alloc(
			    ctx->arena, 2 * cap * sizeof(*more));
			if (more == NULL) {
				return CRM_TOO_BIG;
			}
			memcpy(more, *out, cap * sizeof(*more));
			*out = more;
			cap *= 2;
		}
		(*out)[(*n)++] = c;
	}
	return *out != NULL ? CRM_OK : CRM_TOO_BIG;
}
