/* SPDX-License-Identifier: MIT */
/*
 * customer.c: customers (客户档案). Record API first (load, visibility,
 * indexes, the scoped walk every list uses), then the handlers of
 * customer.add, .get, .edit, .list, .find and .assign.
 *
 * Indexes kept with every write: cust_name (kind || normalised name:
 * names are unique per kind), cust_owner (owner || id) and cust_team
 * (team || id). A rep's lists walk cust_owner, a manager's cust_team, an
 * admin's the primary table, so no list scans what it may not show.
 */
#include "customer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "card.h"
#include "auth.h"
#include "changes.h"
#include "crm.h"
#include "crm_validate.h"
#include "handlers.h"
#include "lifecycle.h"
#include "pool.h"
#include "purchase.h"
#include "pool_reclaim.h"
#include "review.h"
#include "scope.h"
#include "search.h"
#include "signals.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define NAME_MAX_BYTES 200
#define PAGE_DEFAULT   50
#define PAGE_MAX       500
#define PAGE_BYTES     (512u * 1024u) /* half nanomsg's default limit */
#define SCAN_BUDGET    20000
#define MAX_TAGS       32
#define LICENCE_MAX    32
#define LICENCE_TAG    'L' /* cust_name: 'L' || licence -> customer id */
#define DEFAULT_GRADE  CRM__V1__GRADE__GRADE_B
#define FUTURE_GRACE   LIFECYCLE_FUTURE_GRACE
#define SIMILAR_MAX    5 /* similar names named when one is added */

/* ---------------------------------------------------- record API */

static crm_status
load(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	return dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)c);
}

crm_status
customer_visible(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	crm_status rc = load(ctx, id, c);
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
	if (load(ctx, other, &c) != CRM_OK) {
		return CRM_INTERNAL;
	}
	if (ctx->who != NULL &&
	    !auth_can_see(ctx->who, c->owner_id, c->team_id)) {
		int team = c->team_id == ctx->who->team_id;
		return dispatch_fail(ctx, CRM_EXISTS,
		    "%s already exists %s; ask your manager", what,
		    team ? "with another rep of your team"
		         : "in another team");
	}
	const char *owner = user_login_of(ctx, c->owner_id);
	ctx->existing_id = other; /* the caller may see it */
	return dispatch_fail(ctx, CRM_EXISTS,
	    "%s already exists as \"%s\" (id %" PRIu64 ", owner %s)", what,
	    c->name, other, *owner ? owner : "nobody");
}

crm_status
customer_duplicate(
    struct req_ctx *ctx, int kind, const char *name, const char *licence)
{
	store_key k;
	char what[NAME_MAX_BYTES + 64];
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
	if (rc == CRM_OK && (*c)->merged_into != 0) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "customer %" PRIu64 " was merged into %" PRIu64, id,
		    (*c)->merged_into);
	}
	return rc;
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
	static const char ideo[] = "\xe3\x80\x80";
	size_t n = strlen(s);
	for (;;) {
		if (n > 0 && strchr(" \t\r\n\v\f", *s) != NULL) {
			s++;
			n--;
		} else if (n >= 3 && memcmp(s, ideo, 3) == 0) {
			s += 3;
			n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (n > 0 && strchr(" \t\r\n\v\f", s[n - 1]) != NULL) {
			n--;
		} else if (n >= 3 && memcmp(s + n - 3, ideo, 3) == 0) {
			n -= 3;
		} else {
			break;
		}
	}
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
		rc = load(ctx, found, &c);
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

static void
fill_names(struct req_ctx *ctx, Crm__V1__Customer *c)
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

/*
 * Write after (a new version of before, or a new record when before is
 * NULL) with its indexes and an audit record.
 */
static crm_status
put(struct req_ctx *ctx, const Crm__V1__Customer *before,
    Crm__V1__Customer *after)
{
	crm_status rc;
	store_key k;
	/* Server-filled display fields are never stored. */
	after->owner = after->team = after->checked_by = NULL;
	after->pool_from = NULL;
	after->has_contact_count = after->has_last_update_at = 0;
	/* The late-entry flag is decided once, when the record is created
	 * (customer_handle_add), and kept: editing first_contact_at later
	 * does not clear it. A record stored before the flag was kept gets
	 * it frozen as it read then. */
	if (before != NULL) {
		after->late_entry = signals_late_entry(before);
		after->has_late_entry = 1;
	}
	/* A person's customer add counts at its creation; an import
	 * (action "import", through customer_handle_add) does not. */
	if (person_change(ctx)) {
		after->has_touched_at = 1;
		after->touched_at = ctx->now;
	}
	int merged = after->merged_into != 0;
	int renamed = before == NULL || before->kind != after->kind ||
	              strcmp(before->name, after->name) != 0;
	const char *old_lic =
	    before && before->merged_into == 0 && before->licence_no
	        ? before->licence_no
	        : "";
	const char *new_lic =
	    !merged && after->licence_no ? after->licence_no : "";
	if (merged) {
		/* A merged tombstone leaves the name and every list. */
		if (before != NULL && before->merged_into == 0 &&
		    name_key(ctx, &k, before->kind, before->name) == CRM_OK) {
			rc = ref_del(ctx, &k, before->id);
			if (rc != CRM_OK) {
				return rc;
			}
		}
	} else if (renamed) {
		char what[NAME_MAX_BYTES + 32];
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
		rc = store_put_ref(
		    ctx->st, ctx->txn, DB_CUST_NAME, &k, after->id);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (strcmp(old_lic, new_lic) != 0) {
		char what[64 + LICENCE_MAX];
		if (*old_lic) {
			licence_key(&k, old_lic);
			rc = ref_del(ctx, &k, after->id);
			if (rc != CRM_OK) {
				return rc;
			}
		}
		if (*new_lic) {
			snprintf(what, sizeof(what), "business licence %s",
			    new_lic);
			licence_key(&k, new_lic);
			rc = duplicate(ctx, &k, after->id, what);
			if (rc == CRM_OK) {
				rc = store_put_ref(ctx->st, ctx->txn,
				    DB_CUST_NAME, &k, after->id);
			}
			if (rc != CRM_OK) {
				return rc;
			}
		}
	}
	store_key ok, nk;
	if (before != NULL) {
		store_key_pair(&ok, before->owner_id, before->id);
	}
	store_key_pair(&nk, after->owner_id, after->id);
	int was_listed = before != NULL && before->merged_into == 0;
	rc = store_reindex(ctx->st, ctx->txn, DB_CUST_OWNER,
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
	if (rc != CRM_OK) {
		return rc;
	}
	/* The team pool (pool.h): a team's customers without an owner. */
	int was_pooled =
	    was_listed && before->owner_id == 0 && before->team_id != 0;
	int pooled = !merged && after->owner_id == 0 && after->team_id != 0;
	rc = store_reindex(ctx->st, ctx->txn, DB_POOL, was_pooled ? &ok : NULL,
	    pooled ? &nk : NULL);
	if (rc != CRM_OK) {
		return rc;
	}
	rc = stats_on_customer(ctx, before, after);
	if (rc == CRM_OK) {
		rc = review_on_customer(ctx, before, after);
	}
	if (rc == CRM_OK) {
		/* The pool rules' entries (pool_reclaim.h). */
		rc = pool_reclaim_on_customer(ctx, before, after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	after->has_updated_at = 1;
	after->updated_at = ctx->now;
	store_key_id(&k, after->id);
	rc = store_put_msg(ctx->st, ctx->txn, DB_CUSTOMERS, &k, &after->base);
	if (rc == CRM_OK) {
		rc = search_update(
		    ctx, after->id, before ? before->owner_id : 0);
	}
	if (rc == CRM_OK) {
		rc = changes_record(
		    ctx, CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER, after->id);
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
	crm_status rc = store_map_lmdb(
	    mdb_drop(ctx->txn, ctx->st->dbi[DB_CUST_NAME], 0), "cust_name");
	uint64_t id = 0;
	while (rc == CRM_OK && store_id_next(ctx->st, ctx->txn, DB_CUSTOMERS,
	                           id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = load(ctx, id, &c);
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
	if (load(ctx, id, &c) != CRM_OK || c->name == NULL) {
		return "";
	}
	return c->name;
}

crm_status
customer_reply(
    struct req_ctx *ctx, Crm__V1__Customer *c, Crm__V1__Response *resp)
{
	fill_names(ctx, c);
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
	crm_status rc = load(ctx, id, &c);
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
		    ctx, CRM__V1__CHANGE_KIND__CHANGE_CUSTOMER, id);
	}
	return rc;
}

/* The ids a caller may see, in id order: one index range per role. */
struct walk {
	enum store_db db; /* DB_CUSTOMERS: the primary table */
	uint64_t prefix;
};

static void
walk_scope(struct req_ctx *ctx, struct walk *w, uint64_t owner_filter)
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

static crm_status
walk_next(
    struct req_ctx *ctx, const struct walk *w, uint64_t after, uint64_t *id)
{
	if (w->db == DB_CUSTOMERS) {
		return store_id_next(
		    ctx->st, ctx->txn, DB_CUSTOMERS, after, id);
	}
	return store_index_next(
	    ctx->st, ctx->txn, w->db, w->prefix, after, id);
}

/* ---------------------------------------------------- field rules */

static int
is_money(const char *f)
{
	return strcmp(f, "annual_revenue") == 0 ||
	       strcmp(f, "deal_amount") == 0;
}

static int
is_day(const char *f)
{
	return strcmp(f, "birthday") == 0 || strcmp(f, "anniversary") == 0;
}

/* How far ahead of the server's clock a first contact may be: a few
 * minutes of clock skew between the rep's device and the server. */
#define FIRST_CONTACT_SKEW (5 * 60)

/* A first contact has happened: it is not in the future. */
static crm_status
check_first_contact(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if (c->has_first_contact_at &&
	    c->first_contact_at > ctx->now + FIRST_CONTACT_SKEW) {
		char at[32], now[32];
		crm_time_format(c->first_contact_at, at, sizeof(at));
		crm_time_format(ctx->now, now, sizeof(now));
		return dispatch_fail_field(ctx, CRM_EINVAL, "first_contact_at",
		    "first contact %s is in the future (now %s): give the "
		    "time you first met the customer",
		    at, now);
	}
	return CRM_OK;
}

/* Every field of Customer is named in one of two lists: what a client
 * may set (customer.add, customer.edit, import), and what the server
 * keeps. A field in neither (a new one nobody classified) is the
 * server's, and customer_fields_test fails until it is named here. */
static const char *const client_fields[] = { "kind", "name", "industry",
	"employees", "annual_revenue", "region", "website", "licence_no",
	"source", "first_contact_at", "stage", "grade", "value_tier",
	"urgency", "pain_points", "purchase_intent", "budget_range",
	"timeline", "decision_chain", "tags", "birthday", "anniversary",
	"deal_amount", "won_at", "contract_terms", "lost_reason", "lost_text",
	"lost_at", "notes", "age_range" };
static const char *const server_fields[] = { "id", "owner_id", "owner",
	"team_id", "team", "last_contact_at", "contact_count", "created_at",
	"updated_at", "created_by", "merged_into", "merged_at", "checked_at",
	"checked_by_id", "checked_by", "touched_at", "last_update_at",
	"avoidance_streak", "late_entry",
	/* the pool's (pool.c, pool_reclaim.c): pool_left_at starts a
	 * claimed customer's reclaim clock */
	"pooled_at", "pool_reason", "pool_from_id", "pool_from",
	"pool_left_at" };

static int
named(const char *f, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f, list[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

int
customer_field_kind(const char *f)
{
	if (named(f, client_fields,
	        sizeof(client_fields) / sizeof(client_fields[0]))) {
		return 1;
	}
	if (named(f, server_fields,
	        sizeof(server_fields) / sizeof(server_fields[0]))) {
		return 0;
	}
	return -1;
}

static int
editable(const char *f)
{
	return customer_field_kind(f) == 1;
}

/* The command that writes a stage-only field f, or NULL when f is not
 * one: a deal and its loss are facts of a stage change, with history. */
static const char *
stage_field(const char *f)
{
	if (strcmp(f, "deal_amount") == 0 || strcmp(f, "won_at") == 0) {
		return "stage CUSTOMER won --amount X --date WHEN";
	}
	if (strcmp(f, "lost_reason") == 0 || strcmp(f, "lost_at") == 0 ||
	    strcmp(f, "lost_text") == 0) {
		return "stage CUSTOMER lost --reason WHY";
	}
	return NULL;
}

/* A 统一社会信用代码 (GB 32100-2015): 18 characters of
 * 0-9 A-H J-N P-R T-U W-Y, the last a check character. */
static int
licence_valid(const char *s)
{
	static const char set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13,
		8, 24, 10, 30, 28 };
	if (strlen(s) != 18) {
		return 0;
	}
	int sum = 0;
	for (int i = 0; i < 18; i++) {
		const char *at = strchr(set, s[i]);
		if (s[i] == '\0' || at == NULL) {
			return 0;
		}
		if (i < 17) {
			sum += (int)(at - set) * w[i];
		} else {
			return (31 - sum % 31) % 31 == (int)(at - set);
		}
	}
	return 0;
}

/* The licence number in its stored form: upper case, without spaces and
 * dashes; refused unless a valid 统一社会信用代码. */
static crm_status
licence_clean(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	if (c->licence_no == NULL || *c->licence_no == '\0') {
		c->licence_no = NULL;
		return CRM_OK;
	}
	size_t n = strlen(c->licence_no);
	char *t = crm_arena_alloc(ctx->arena, n + 1), *o = t;
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	for (const char *p = c->licence_no; *p; p++) {
		if (*p == ' ' || *p == '-') {
			continue;
		}
		*o++ = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
	}
	*o = '\0';
	if (!licence_valid(t)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "licence_no",
		    "licence_no: want an 18-character 统一社会信用代码 with "
		    "its check character, not '%.40s'",
		    c->licence_no);
	}
	c->licence_no = t;
	return CRM_OK;
}

/* A new customer's stage and the fields that go with it: lost needs a
 * reason, a deal and a loss only with their stage. */
static crm_status
check_first_stage(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	int won = c->stage == CRM__V1__STAGE__STAGE_WON;
	int lost = c->stage == CRM__V1__STAGE__STAGE_LOST;
	/* A blank reason is no reason. */
	c->lost_text = (char *)customer_trimmed(ctx, c->lost_text);
	if (lost && c->has_lost_reason && c->lost_reason != 0 &&
	    !lifecycle_lost_reason_ok((int)c->lost_reason, c->lost_text)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost_reason: other needs the reason in words "
		    "(--reason \"other: ...\")");
	}
	if ((won && c->has_won_at && c->won_at > ctx->now + FUTURE_GRACE) ||
	    (lost && c->has_lost_at && c->lost_at > ctx->now + FUTURE_GRACE)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    won ? "won_at" : "lost_at",
		    "%s: a deal is won or lost by now, not in the future",
		    won ? "won_at" : "lost_at");
	}
	if (lost && (!c->has_lost_reason || c->lost_reason == 0)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost_reason: a customer added as lost needs a reason: "
		    "price, competitor, service, no_need or other (with "
		    "text)");
	}
	if (!lost && ((c->has_lost_reason && c->lost_reason != 0) ||
	                 (c->lost_text && *c->lost_text) ||
	                 (c->has_lost_at && c->lost_at != 0))) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost_reason: a lost reason goes with the stage lost");
	}
	if (!won && ((c->has_deal_amount && c->deal_amount != 0) ||
	                (c->has_won_at && c->won_at != 0))) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "deal_amount",
		    "deal_amount: a deal goes with the stage won");
	}
	if (lost && (!c->has_lost_at || c->lost_at == 0)) {
		c->has_lost_at = 1;
		c->lost_at = ctx->now;
	}
	if (won && (!c->has_won_at || c->won_at == 0)) {
		c->has_won_at = 1;
		c->won_at = ctx->now;
	}
	return CRM_OK;
}

/* Domain checks beyond crm_validate: lengths, dates, tags, amounts. */
static crm_status
check_customer(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if ((c->has_annual_revenue && c->annual_revenue < 0) ||
	    (c->has_deal_amount && c->deal_amount < 0)) {
		const char *f = c->has_deal_amount && c->deal_amount < 0
		                    ? "deal_amount"
		                    : "annual_revenue";
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, f, "%s: want an amount of 0 or more", f);
	}
	if (c->name == NULL || *c->name == '\0') {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "name", "a customer needs a name");
	}
	if (strlen(c->name) > NAME_MAX_BYTES) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "customer name longer than %d bytes", NAME_MAX_BYTES);
	}
	if (strchr(c->name, '\n') != NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "customer name on one line, please");
	}
	if (c->birthday != NULL && *c->birthday &&
	    !crm_time_valid_day(c->birthday)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "birthday",
		    "birthday: want MM-DD or YYYY-MM-DD, not '%s'",
		    c->birthday);
	}
	if (c->anniversary != NULL && *c->anniversary &&
	    !crm_time_valid_day(c->anniversary)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "anniversary",
		    "anniversary: want MM-DD or YYYY-MM-DD, not '%s'",
		    c->anniversary);
	}
	if (c->age_range != NULL && *c->age_range) {
		if (strlen(c->age_range) > 32 ||
		    strpbrk(c->age_range, "\r\n\t") != NULL) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "age_range",
			    "age_range: at most 32 bytes on one line");
		}
		if (crm_validate_age_range(c->age_range) != CRM_OK) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "age_range",
			    "age_range (年龄段): want 30-39, 30-39岁, 60+, "
			    "60岁以上, <20 or 20岁以下, not '%s'",
			    c->age_range);
		}
		if (c->kind != CRM__V1__CUSTOMER_KIND__KIND_PERSON) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "age_range",
			    "age_range (年龄段) is for person customers; a "
			    "company has employees");
		}
	}
	if (c->n_tags > MAX_TAGS) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "tags", "at most %d tags", MAX_TAGS);
	}
	for (size_t i = 0; i < c->n_tags; i++) {
		if (*c->tags[i] == '\0' || strlen(c->tags[i]) > 64 ||
		    strchr(c->tags[i], ',') != NULL) {
			char f[32];
			snprintf(f, sizeof(f), "tags[%zu]", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "a tag is 1-64 bytes without commas");
		}
	}
	return CRM_OK;
}

/* A company's name is more than its legal form (有限公司, Co., Ltd.):
 * checked when a name is given or changed (an old record keeps its). */
static crm_status
check_company_name(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if ((!c->has_kind ||
	        c->kind == CRM__V1__CUSTOMER_KIND__KIND_COMPANY) &&
	    crm_utf8_company_form_only(c->name)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "name: '%s' is only a legal form; a name is needed "
		    "besides the legal form",
		    c->name);
	}
	return CRM_OK;
}

/* Copy one settable field of src into dst (both Customer). */
static void
copy_field(Crm__V1__Customer *dst, const Crm__V1__Customer *src,
    const ProtobufCFieldDescriptor *f)
{
	char *d = (char *)dst, *s = (char *)src;
	size_t size;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		size = sizeof(char *);
		break;
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT32:
		size = sizeof(uint32_t);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		size = sizeof(uint64_t);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		size = sizeof(protobuf_c_boolean);
		break;
	default:
		return;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		memcpy(d + f->quantifier_offset, s + f->quantifier_offset,
		    sizeof(size_t));
		memcpy(d + f->offset, s + f->offset, sizeof(void *));
		return;
	}
	memcpy(d + f->offset, s + f->offset, size);
	if (f->quantifier_offset != 0) {
		memcpy(d + f->quantifier_offset, s + f->quantifier_offset,
		    sizeof(protobuf_c_boolean));
	}
}

/*
 * Parse text into field f of c; an empty text clears it.
 * Errors: CRM_EINVAL with a message naming the field.
 */
static crm_status
set_field(struct req_ctx *ctx, Crm__V1__Customer *c,
    const ProtobufCFieldDescriptor *f, const char *text)
{
	char *base = (char *)c;
	protobuf_c_boolean *has =
	    f->quantifier_offset
	        ? (protobuf_c_boolean *)(base + f->quantifier_offset)
	        : NULL;
	int clear = *text == '\0';
	if (f->label == PROTOBUF_C_LABEL_REPEATED) { /* tags: a,b,c */
		size_t n = 0;
		char **items = crm_arena_alloc(
		    ctx->arena, (MAX_TAGS + 1) * sizeof(char *));
		char *copy = crm_arena_strdup(ctx->arena, text);
		if (items == NULL || copy == NULL) {
			return CRM_TOO_BIG;
		}
		for (char *save = NULL, *t = strtok_r(copy, ",", &save);
		     t != NULL; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ') {
				t++;
			}
			if (*t != '\0' && n <= MAX_TAGS) {
				items[n++] = t;
			}
		}
		*(size_t *)(base + f->quantifier_offset) = n;
		*(char ***)(base + f->offset) = items;
		return CRM_OK;
	}
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		if (clear && strcmp(f->name, "name") == 0) {
			return dispatch_fail(
			    ctx, CRM_EINVAL, "name cannot be empty");
		}
		if (!clear && is_day(f->name) && !crm_time_valid_day(text)) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s: want MM-DD or YYYY-MM-DD", f->name);
		}
		*(char **)(base + f->offset) = clear ? NULL : (char *)text;
		return CRM_OK;
	}
	if (clear) {
		if (strcmp(f->name, "kind") == 0) {
			return dispatch_fail(
			    ctx, CRM_EINVAL, "kind cannot be empty");
		}
		*has = 0;
		return CRM_OK;
	}
	char *end;
	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM: {
		int v;
		if (crm_enum_parse(f->descriptor, text, &v) != CRM_OK) {
			char list[256];
			crm_enum_list(f->descriptor, list, sizeof(list));
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s: want %s, not '%s'", f->name, list, text);
		}
		*(int *)(base + f->offset) = v;
		break;
	}
	case PROTOBUF_C_TYPE_UINT32: {
		unsigned long long v = strtoull(text, &end, 10);
		if (*end != '\0' || *text == '-' || v > UINT32_MAX) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s: want a whole number", f->name);
		}
		*(uint32_t *)(base + f->offset) = (uint32_t)v;
		break;
	}
	case PROTOBUF_C_TYPE_INT64: {
		int64_t v;
		if (is_money(f->name)) {
			if (crm_money_parse(text, &v) != CRM_OK) {
				return dispatch_fail(ctx, CRM_EINVAL,
				    "%s: want an amount like 12000.50",
				    f->name);
			}
		} else {
			/* Times: epoch seconds (the shell converts WHEN). */
			long long t = strtoll(text, &end, 10);
			if (*end != '\0' || t < 0) {
				return dispatch_fail(ctx, CRM_EINVAL,
				    "%s: want seconds since the epoch",
				    f->name);
			}
			v = t;
		}
		*(int64_t *)(base + f->offset) = v;
		break;
	}
	default:
		return dispatch_fail(
		    ctx, CRM_EINVAL, "%s cannot be edited", f->name);
	}
	*has = 1;
	return CRM_OK;
}

/* Stage and grade through edit: managers and admins only (a rep proposes
 * a grade; the stage command with its history comes with follow-ups). */
static int
privileged_field(const char *f)
{
	return strcmp(f, "grade") == 0;
}

/* ---------------------------------------------------- handlers */

crm_status
customer_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerAddRequest *r = req->customer_add;
	const Crm__V1__Customer *in = r->customer;
	if (in == NULL) {
		return dispatch_fail(ctx, CRM_EINVAL, "customer is required");
	}
	/* The owner is CustomerAddRequest.owner: one set inside the customer
	 * would be silently ignored, so it is refused. */
	if (ctx->action != NULL && strcmp(ctx->action, "customer.add") == 0 &&
	    ((in->owner != NULL && *in->owner != '\0') ||
	        (in->has_owner_id && in->owner_id != 0))) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    in->owner != NULL && *in->owner != '\0'
		        ? "customer_add.customer.owner"
		        : "customer_add.customer.owner_id",
		    "the owner of a new customer is CustomerAddRequest.owner "
		    "(a login), not customer.owner or customer.owner_id");
	}
	Crm__Store__UserRecord *owner;
	crm_status rc = scope_new_owner(
	    ctx, r->owner && *r->owner ? r->owner : ctx->who->login, &owner);
	if (rc != CRM_OK) {
		return rc;
	}
	/* Built field by field: never store a client's message as sent. */
	Crm__V1__Customer *c = crm_arena_alloc(ctx->arena, sizeof(*c));
	if (c == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer__init(c);
	const ProtobufCMessageDescriptor *d = &crm__v1__customer__descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (editable(d->fields[i].name)) {
			copy_field(c, in, &d->fields[i]);
		}
	}
	if (!c->has_kind) {
		c->has_kind = 1;
		c->kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	}
	if (!c->has_stage || c->stage == 0) {
		c->has_stage = 1;
		c->stage = CRM__V1__STAGE__STAGE_POTENTIAL;
	}
	/* A rep proposes a grade; the customer starts at the default until
	 * the manager decides (seed 002: 销售代表初评, 销售经理审核确认). */
	int proposed = c->has_grade && c->grade != 0 &&
	               c->grade != DEFAULT_GRADE &&
	               ctx->who->role == CRM__V1__ROLE__ROLE_REP;
	Crm__V1__Grade wanted = c->grade;
	if (!c->has_grade || c->grade == 0 || proposed) {
		c->has_grade = 1;
		c->grade = DEFAULT_GRADE;
	}
	if (!c->has_first_contact_at) {
		c->has_first_contact_at = 1;
		c->first_contact_at = ctx->now;
	}
	c->industry = (char *)customer_trimmed(ctx, c->industry);
	rc = check_first_contact(ctx, c);
	if (rc == CRM_OK) {
		rc = check_customer(ctx, c);
	}
	if (rc == CRM_OK) {
		rc = check_company_name(ctx, c);
	}
	if (rc != CRM_OK) {
		dispatch_field_prefix(ctx, "customer_add.customer.");
	}
	if (rc == CRM_OK) {
		rc = licence_clean(ctx, c);
		if (rc != CRM_OK) {
			dispatch_field_prefix(ctx, "customer_add.customer.");
		}
	}
	if (rc == CRM_OK) {
		rc = check_first_stage(ctx, c);
		if (rc != CRM_OK) {
			dispatch_field_prefix(ctx, "customer_add.customer.");
		}
	}
	if (rc == CRM_OK) {
		rc = store_next_id(ctx->st, ctx->txn, "customer", &c->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_id = c->has_owner_id = c->has_team_id = 1;
	c->has_created_at = c->has_created_by = 1;
	c->owner_id = owner->id;
	c->team_id = owner->team_id;
	c->created_at = ctx->now;
	c->created_by = ctx->who->user_id;
	/* Late entry (seed 002: 客户信息需在首次接触后24小时内录入系统) is
	 * about the person who entered the record late: decided now and
	 * kept. Only a person entering their own customer (customer add
	 * without --owner someone else) can be late; an import (history,
	 * migrations) and a record a manager or admin enters for a rep
	 * are not the rep's late entry. */
	c->has_late_entry = 1;
	c->late_entry =
	    ctx->action != NULL && strcmp(ctx->action, "customer.add") == 0 &&
	    owner->id == ctx->who->user_id &&
	    signals_entered_late(c->first_contact_at, c->created_at);
	rc = put(ctx, NULL, c);
	if (rc == CRM_OK) {
		rc = lifecycle_stage_first(ctx, c);
	}
	if (rc == CRM_OK) {
		rc = task_followup_sync(ctx, c, customer_last_contact(c), 1);
	}
	if (rc == CRM_OK && c->stage != CRM__V1__STAGE__STAGE_LOST) {
		/* A lost customer gets no re-grade or greeting tasks. */
		rc = task_extras_start(ctx, c);
	}
	if (rc == CRM_OK && !proposed && wanted != 0) {
		rc = lifecycle_grade_set(ctx, c, 0, (int)wanted,
		    "grade given when the customer was added");
	}
	if (rc == CRM_OK && c->stage == CRM__V1__STAGE__STAGE_WON &&
	    c->has_deal_amount && c->deal_amount > 0) {
		/* Added (or imported) as won: its deal is a purchase, as
		 * `stage ... won --amount` records it. */
		rc = lifecycle_won_purchase(
		    ctx, c, c->deal_amount, c->contract_terms, NULL, 0);
	}
	Crm__V1__GradeProposal *p = NULL;
	if (rc == CRM_OK && proposed) {
		rc = lifecycle_propose(ctx, c, wanted,
		    "grade given when the customer was added", &p);
	}
	if (rc == CRM_OK) {
		rc = customer_reply(ctx, c, resp);
	}
	if (rc == CRM_OK && p != NULL) {
		resp->customer->proposal = p;
	}
	if (rc == CRM_OK) {
		/* A warning only: the customer is added. */
		rc = customer_similar(ctx, c, SIMILAR_MAX,
		    &resp->customer->similar, &resp->customer->n_similar);
	}
	return rc;
}

/* Contacts of customer id, oldest first, into out. */
static crm_status
contacts_of(
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

crm_status
customer_handle_get(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerGetRequest *r = req->customer_get;
	uint64_t id = r->has_id ? r->id : 0;
	if (id == 0 && r->name != NULL) {
		/* By exact (normalised) name: companies first, then people. */
		crm_status rc = customer_find(ctx, r->name, &id);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (id == 0) {
		return dispatch_fail(ctx, CRM_EINVAL, "give an id or a name");
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_visible(ctx, id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	fill_names(ctx, c);
	Crm__V1__CustomerReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_reply__init(out);
	out->customer = c;
	rc = contacts_of(ctx, id, &out->contacts, &out->n_contacts);
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_contact_count = 1;
	c->contact_count = (uint32_t)out->n_contacts;
	rc = purchase_summary(ctx, id, &out->purchases);
	if (rc == CRM_OK) {
		rc = card_fill(ctx, id, out); /* what to know before a call */
	}
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMER;
	resp->customer = out;
	return CRM_OK;
}

crm_status
customer_handle_edit(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerEditRequest *r = req->customer_edit;
	if (!r->has_id || r->n_fields == 0) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "give an id and at least one FIELD=VALUE");
	}
	Crm__V1__Customer *before, *after;
	crm_status rc = customer_visible(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	const ProtobufCMessageDescriptor *d = &crm__v1__customer__descriptor;
	for (size_t i = 0; i < r->n_fields; i++) {
		const char *name = r->fields[i]->field;
		const char *value =
		    r->fields[i]->value ? r->fields[i]->value : "";
		const ProtobufCFieldDescriptor *f =
		    name ? protobuf_c_message_descriptor_get_field_by_name(
		               d, name)
		         : NULL;
		if (f == NULL || !editable(name)) {
			char path[64];
			snprintf(path, sizeof(path),
			    "customer_edit.fields[%zu].field", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, path,
			    "'%s' is not a field you can edit%s",
			    name ? name : "",
			    name && strcmp(name, "owner") == 0
			        ? " (use customer assign)"
			        : "");
		}
		if (strcmp(name, "stage") == 0) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "stage changes keep a history: use the stage "
			    "command");
		}
		if (stage_field(name) != NULL) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s is written by the stage change: use `%s`",
			    name, stage_field(name));
		}
		if (privileged_field(name) &&
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "a rep proposes a grade; a manager sets it");
		}
		rc = set_field(ctx, after, f, value);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	after->industry = (char *)customer_trimmed(ctx, after->industry);
	rc = after->first_contact_at != before->first_contact_at
	         ? check_first_contact(ctx, after)
	         : CRM_OK;
	if (rc == CRM_OK) {
		rc = check_customer(ctx, after);
	}
	if (rc == CRM_OK && (strcmp(before->name, after->name) != 0 ||
	                        before->kind != after->kind)) {
		rc = check_company_name(ctx, after);
	}
	if (rc != CRM_OK && ctx->field[0] != '\0') {
		/* A Customer field: the FieldValue that set it, if any. */
		size_t n = strcspn(ctx->field, "[");
		int found = 0;
		for (size_t i = 0; i < r->n_fields && !found; i++) {
			const char *name = r->fields[i]->field;
			if (name && strlen(name) == n &&
			    strncmp(name, ctx->field, n) == 0) {
				snprintf(ctx->field, sizeof(ctx->field),
				    "customer_edit.fields[%zu].value", i);
				found = 1;
			}
		}
		if (!found) {
			ctx->field[0] = '\0';
		}
	}
	if (rc == CRM_OK &&
	    strcmp(before->licence_no ? before->licence_no : "",
	        after->licence_no ? after->licence_no : "") != 0) {
		rc = licence_clean(ctx, after); /* a stored one stays as is */
		for (size_t i = 0; rc != CRM_OK && i < r->n_fields; i++) {
			if (r->fields[i]->field &&
			    strcmp(r->fields[i]->field, "licence_no") == 0) {
				snprintf(ctx->field, sizeof(ctx->field),
				    "customer_edit.fields[%zu].value", i);
			}
		}
	}
	if (rc == CRM_OK) {
		rc = put(ctx, before, after);
	}
	if (rc == CRM_OK) {
		rc = lifecycle_grade_set(ctx, after, (int)before->grade,
		    (int)after->grade, "customer edit");
	}
	if (rc == CRM_OK &&
	    (before->grade != after->grade || before->stage != after->stage)) {
		/* A grade change reschedules the cadence. */
		rc = task_followup_sync(
		    ctx, after, customer_last_contact(after), 1);
		if (rc == CRM_OK) {
			rc = task_festival_resync(ctx, after);
		}
	}
	if (rc == CRM_OK) {
		/* A birthday or anniversary set or changed later: its
		 * greeting (issue 15). */
		rc = task_greetings_changed(ctx, before, after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, after, resp);
}

crm_status
customer_handle_assign(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerAssignRequest *r = req->customer_assign;
	if (!r->has_id || r->owner == NULL) {
		return dispatch_fail(ctx, CRM_EINVAL, "give an id and a user");
	}
	Crm__V1__Customer *before, *after;
	crm_status rc = customer_visible(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = load(ctx, r->id, &after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__Store__UserRecord *owner;
	rc = scope_new_owner(ctx, r->owner, &owner);
	if (rc != CRM_OK) {
		return rc;
	}
	after->owner_id = owner->id;
	after->team_id = owner->team_id;
	/* Given from the team pool (pool.h): it leaves the pool. */
	after->has_pooled_at = after->has_pool_from_id = 0;
	after->pooled_at = 0;
	after->pool_from_id = 0;
	after->pool_reason = NULL;
	if (before->owner_id == 0 && before->team_id != 0) {
		after->has_pool_left_at = 1;
		after->pool_left_at = ctx->now;
	}
	rc = put(ctx, before, after);
	if (rc == CRM_OK) {
		/* Its open work goes along (lifecycle.h). */
		rc = lifecycle_given(ctx, before, after);
	}
	if (rc == CRM_OK && before->owner_id == 0 && before->team_id != 0) {
		rc = pool_log(ctx, POOL_GIVEN, after, 0, NULL);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, after, resp);
}

/* A page being filled: customers in the arena, bounded in count and
 * bytes so no reply nears a client's receive limit. */
struct page {
	Crm__V1__CustomerPage *out;
	size_t limit;
	size_t bytes;
};

static crm_status
page_init(struct req_ctx *ctx, struct page *p, uint32_t limit)
{
	p->limit =
	    limit == 0 ? PAGE_DEFAULT : (limit > PAGE_MAX ? PAGE_MAX : limit);
	p->bytes = 0;
	p->out = crm_arena_alloc(ctx->arena, sizeof(*p->out));
	if (p->out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_page__init(p->out);
	p->out->customers =
	    crm_arena_alloc(ctx->arena, p->limit * sizeof(*p->out->customers));
	return p->out->customers ? CRM_OK : CRM_TOO_BIG;
}

/* Add c; returns 0 when the page is full (c not added). */
static int
page_add(struct req_ctx *ctx, struct page *p, Crm__V1__Customer *c)
{
	fill_names(ctx, c);
	size_t n = protobuf_c_message_get_packed_size(&c->base);
	if (p->out->n_customers == p->limit ||
	    (p->out->n_customers > 0 && p->bytes + n > PAGE_BYTES)) {
		return 0;
	}
	p->bytes += n;
	p->out->customers[p->out->n_customers++] = c;
	return 1;
}

/* A customer of a listing walk: CRM_TOO_BIG (the arena is full) when
 * the page already holds one; other failures name the record. */
static crm_status
list_load(struct req_ctx *ctx, const struct page *p, uint64_t id,
    Crm__V1__Customer **c)
{
	crm_status rc = dispatch_list_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)c);
	if (rc == CRM_TOO_BIG && p->out->n_customers == 0) {
		return dispatch_fail(ctx, rc,
		    "customer %" PRIu64 " does not fit in a reply", id);
	}
	return rc;
}

static int
has_tag(const Crm__V1__Customer *c, const char *tag)
{
	for (size_t i = 0; i < c->n_tags; i++) {
		if (strcmp(c->tags[i], tag) == 0) {
			return 1;
		}
	}
	return 0;
}

crm_status
customer_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerListRequest *r = req->customer_list;
	uint64_t owner_id = 0;
	if (r->owner != NULL && *r->owner) {
		/* A user out of the caller's scope reads like no user, as
		 * in due, report and export: an empty list would tell a
		 * rep that the login exists. */
		Crm__Store__UserRecord *u;
		crm_status rc = scope_user(ctx, r->owner, &u);
		if (rc != CRM_OK) {
			return rc;
		}
		owner_id = u->id;
	}
	struct page p;
	crm_status rc = page_init(ctx, &p, r->has_limit ? r->limit : 0);
	if (rc != CRM_OK) {
		return rc;
	}
	struct walk w;
	walk_scope(ctx, &w, owner_id);
	if (r->unchecked) {
		/* Records to check: the team's, or (admins) every team's. */
		if (ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "records are checked by a manager of the team");
		}
		w.db = DB_CUST_UNCHECKED;
		w.prefix = ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN
		               ? 0
		               : ctx->who->team_id;
	}
	uint64_t id = r->has_cursor ? r->cursor : 0, last = id;
	int more = 0;
	for (int scanned = 0; walk_next(ctx, &w, id, &id) == CRM_OK;
	     scanned++) {
		if (scanned == SCAN_BUDGET) {
			more = 1; /* continue from last next time */
			break;
		}
		/* Only the page's records stay in the arena. */
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = list_load(ctx, &p, id, &c);
		if (rc == CRM_TOO_BIG && p.out->n_customers > 0) {
			more = 1; /* the page ends before id */
			break;
		}
		if (rc != CRM_OK) {
			return rc;
		}
		if (c->merged_into != 0 ||
		    !auth_can_see(ctx->who, c->owner_id, c->team_id) ||
		    (r->has_stage && r->stage && c->stage != r->stage) ||
		    (owner_id != 0 && c->owner_id != owner_id) ||
		    (r->has_grade && r->grade && c->grade != r->grade) ||
		    (r->tag != NULL && *r->tag && !has_tag(c, r->tag)) ||
		    (r->missing_minutes &&
		        !signals_missing_minutes(ctx, c->id))) {
			crm_arena_release(ctx->arena, mark);
			last = id;
			continue;
		}
		if (!page_add(ctx, &p, c)) {
			more = 1;
			break;
		}
		last = id;
	}
	if (more) {
		p.out->has_next_cursor = 1;
		p.out->next_cursor = last;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMERS;
	resp->customers = p.out;
	return CRM_OK;
}

/* Whether folded needle occurs in text after folding. */
static int
matches(const char *text, const char *needle)
{
	if (text == NULL || *text == '\0') {
		return 0;
	}
	char *f = crm_utf8_fold(text);
	int hit = f != NULL && strstr(f, needle) != NULL;
	free(f);
	return hit;
}

static crm_status
contact_matches(struct req_ctx *ctx, uint64_t id, const char *needle, int *hit)
{
	Crm__V1__Contact **cs;
	size_t n;
	crm_status rc = contacts_of(ctx, id, &cs, &n);
	for (size_t i = 0; rc == CRM_OK && i < n && !*hit; i++) {
		*hit = matches(cs[i]->name, needle) ||
		       matches(cs[i]->title, needle) ||
		       matches(cs[i]->email, needle) ||
		       matches(cs[i]->im, needle);
		for (size_t j = 0; j < cs[i]->n_phones && !*hit; j++) {
			*hit = matches(cs[i]->phones[j], needle);
		}
	}
	return rc;
}

crm_status
customer_handle_find(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerFindRequest *r = req->customer_find;
	char *needle = r->text ? crm_utf8_fold(r->text) : NULL;
	if (needle == NULL || *needle == '\0') {
		free(needle);
		return dispatch_fail(
		    ctx, CRM_EINVAL, "give some text to find");
	}
	struct page p;
	crm_status rc = page_init(ctx, &p, r->has_limit ? r->limit : 0);
	if (rc != CRM_OK) {
		free(needle);
		return rc;
	}
	struct walk w;
	walk_scope(ctx, &w, 0);
	uint64_t id = r->has_cursor ? r->cursor : 0, last = id;
	int more = 0, followups = r->has_followups && r->followups;
	size_t fu_budget = SEARCH_FOLLOWUPS_PAGE;
	for (int scanned = 0; walk_next(ctx, &w, id, &id) == CRM_OK;
	     scanned++) {
		if (scanned == SCAN_BUDGET) {
			more = 1;
			break;
		}
		/* A rep's texts lie together: jump from hit to hit (not
		 * when follow-ups, which are not in the texts, count too). */
		if (w.db == DB_CUST_OWNER && !followups) {
			crm_status f =
			    search_owner(ctx, w.prefix, id - 1, needle, &id);
			if (f == CRM_NOT_FOUND) {
				break;
			}
		}
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = list_load(ctx, &p, id, &c);
		if (rc == CRM_TOO_BIG) {
			more = 1; /* the page ends before id */
			break;
		}
		if (rc != CRM_OK) {
			break;
		}
		if (c->merged_into != 0 ||
		    !auth_can_see(ctx->who, c->owner_id, c->team_id)) {
			crm_arena_release(ctx->arena, mark);
			last = id;
			continue;
		}
		/* The stored text before the records. */
		int known = search_match(ctx, c->owner_id, id, needle);
		int hit = known == 1 || matches(c->name, needle) ||
		          matches(c->notes, needle) ||
		          matches(c->industry, needle) ||
		          matches(c->region, needle) ||
		          matches(c->pain_points, needle);
		if (known != 0 && !hit) {
			rc = contact_matches(ctx, id, needle, &hit);
			if (rc == CRM_TOO_BIG) {
				more = 1;
				break;
			}
			if (rc != CRM_OK) {
				break;
			}
		}
		hit = known == 1 || (known == -1 && hit);
		if (!hit && followups) {
			int cut;
			rc = search_followups(
			    ctx, id, needle, &hit, &fu_budget, &cut);
			if (rc == CRM_OK && cut) {
				more = 1; /* the next page starts at id */
				crm_arena_release(ctx->arena, mark);
				break;
			}
			if (rc != CRM_OK) {
				break;
			}
		}
		if (!hit) {
			crm_arena_release(ctx->arena, mark);
		} else if (!page_add(ctx, &p, c)) {
			more = 1;
			break;
		}
		last = id;
	}
	free(needle);
	if (rc == CRM_TOO_BIG && p.out->n_customers > 0) {
		rc = CRM_OK; /* the next page resumes at the customer */
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (more) {
		p.out->has_next_cursor = 1;
		p.out->next_cursor = last;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMERS;
	resp->customers = p.out;
	return CRM_OK;
}
