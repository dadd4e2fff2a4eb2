/* SPDX-License-Identifier: MIT */
/*
 * customer_list.c: the handlers that page through customers:
 * customer.list (by owner, stage, grade, tag, stale) and customer.find
 * (names, contacts and notes). Each walks only the index range the
 * caller may see (customer_walk_scope), in pages bounded in count and
 * bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "scope.h"
#include "search.h"
#include "search_index.h"
#include "signals.h"
#include "store_schema.h"
#include "user.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX     500
#define PAGE_BYTES   (512u * 1024u) /* half nanomsg's default limit */
#define SCAN_BUDGET  20000

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
	customer_fill_names(ctx, c);
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
	struct customer_walk w;
	customer_walk_scope(ctx, &w, owner_id);
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
	for (int scanned = 0; customer_walk_next(ctx, &w, id, &id) == CRM_OK;
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

static crm_status
contact_matches(struct req_ctx *ctx, uint64_t id, const char *needle, int *hit)
{
	Crm__V1__Contact **cs;
	size_t n;
	crm_status rc = customer_contacts(ctx, id, &cs, &n);
	for (size_t i = 0; rc == CRM_OK && i < n && !*hit; i++) {
		*hit = search_folded_has(cs[i]->name, needle) ||
		       search_folded_has(cs[i]->title, needle) ||
		       search_folded_has(cs[i]->email, needle) ||
		       search_folded_has(cs[i]->im, needle);
		for (size_t j = 0; j < cs[i]->n_phones && !*hit; j++) {
			*hit = search_folded_has(cs[i]->phones[j], needle);
		}
	}
	return rc;
}

/* Test builds: CRM_TEST_SEARCH_SCAN=1 makes customer find walk the
 * scope as it did before the gram index, so a test can compare both. */
static int
scan_forced(void)
{
#ifdef CRM_TEST_HOOKS
	const char *e = getenv("CRM_TEST_SEARCH_SCAN");
	return e != NULL && strcmp(e, "1") == 0;
#else
	return 0;
#endif
}

crm_status
customer_handle_find(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerFindRequest *r = req->customer_find;
	/* Folded, trimmed, a phone number as digits (search_needle). Blanks
	 * alone would match nearly every text: refused as empty. */
	char *needle = search_needle(r->text);
	if (needle == NULL) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "give some text to find");
	}
	struct page p;
	crm_status rc = page_init(ctx, &p, r->has_limit ? r->limit : 0);
	if (rc != CRM_OK) {
		free(needle);
		return rc;
	}
	struct customer_walk w;
	customer_walk_scope(ctx, &w, 0);
	uint64_t id = r->has_cursor ? r->cursor : 0, last = id;
	int more = 0, followups = r->has_followups && r->followups;
	size_t fu_budget = SEARCH_FOLLOWUPS_PAGE;
	/* A manager's or an admin's search walks the customers of the
	 * scope whose texts hold one gram of the needle (search_index.h),
	 * in the same id order, and checks each as the full walk does. Not
	 * when follow-ups count too (they are not in the texts), nor for a
	 * needle without a gram (one or two characters, or two that are not
	 * both CJK): those walk the scope. */
	struct search_walk sw;
	int indexed = 0;
	if (!followups && w.db != DB_CUST_OWNER && !scan_forced()) {
		rc = search_index_plan(ctx, needle, w.db == DB_CUSTOMERS,
		    w.prefix, id, &sw, &indexed);
		if (rc != CRM_OK) {
			free(needle);
			return rc;
		}
	}
	uint64_t owner = 0;
	for (int scanned = 0;
	     indexed ? search_index_next(ctx, &sw, id, &id, &owner) == CRM_OK
	             : customer_walk_next(ctx, &w, id, &id) == CRM_OK;
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
		/* A candidate's text first: most hold the gram only. */
		if (indexed && search_match(ctx, owner, id, needle) == 0) {
			last = id;
			continue;
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
		int hit = known == 1 || search_folded_has(c->name, needle) ||
		          search_folded_has(c->notes, needle) ||
		          search_folded_has(c->industry, needle) ||
		          search_folded_has(c->region, needle) ||
		          search_folded_has(c->pain_points, needle);
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
