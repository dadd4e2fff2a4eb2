/* SPDX-License-Identifier: MIT */
/*
 * export.c: export pages. A page walks the customers the caller may see
 * (one index range: an owner's, a team's, or for admins the primary
 * table) and, for contacts, follow-ups, tasks and purchases, each
 * customer's records
 * through its per-customer index, so a rep's export touches only their
 * own records and the cursor (customer, record) resumes exactly.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crm.h"
#include "followup.h"
#include "handlers.h"
#include "lifecycle.h"
#include "merge.h"
#include "purchase.h"
#include "schema.h"
#include "scope.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define PAGE_DEFAULT CRM_EXPORT_PAGE_DEFAULT
#define PAGE_MAX     5000
#define PAGE_BYTES   (1u << 19) /* half nanomsg's default receive limit */
#define SCAN_BUDGET  20000      /* customers walked per page at most */
#define CURSOR_DONE  UINT64_MAX /* cursor_id: cursor_customer is done */

struct export_scope {
	enum store_db db; /* DB_CUSTOMERS: every customer */
	uint64_t prefix;
	uint64_t tally; /* stats scope for the total, 0: none */
	uint64_t team;  /* the person's or the team's, 0: everyone's */
};

/* Who may export what is scope.h's, the same rule as a report's. */
static crm_status
resolve(struct req_ctx *ctx, const Crm__V1__ExportRequest *q,
    struct export_scope *s)
{
	struct scope sc;
	crm_status rc = scope_resolve(ctx, q->user, q->team, &sc);
	if (rc != CRM_OK) {
		return rc;
	}
	if (sc.kind == SCOPE_PERSON) {
		*s = (struct export_scope){ DB_CUST_OWNER, sc.id,
			STATS_PERSON | sc.id, sc.team_id };
	} else if (sc.kind == SCOPE_TEAM) {
		*s =
		    (struct export_scope){ DB_CUST_TEAM, sc.id, sc.id, sc.id };
	} else {
		*s = (struct export_scope){ DB_CUSTOMERS, 0, 0, 0 };
	}
	return CRM_OK;
}

/* The next customer of s after `after` (the first call seeks, opening
 * *c; the next ones step on from where it is). */
static crm_status
next_customer(struct req_ctx *ctx, const struct export_scope *s,
    store_cursor **c, uint64_t after, uint64_t *id)
{
	if (after == UINT64_MAX) {
		return CRM_NOT_FOUND;
	}
	int seek = *c == NULL;
	if (seek) {
		crm_status rc = store_cursor_open(ctx->st, ctx->txn, s->db, c);
		if (rc != CRM_OK) {
			return rc;
		}
		if (s->db != DB_CUSTOMERS) {
			store_cursor_limit(*c, s->prefix);
		}
	}
	store_key k;
	size_t idlen = s->db == DB_CUSTOMERS ? 8 : 16;
	if (idlen == 8) {
		store_key_id(&k, after + 1);
	} else {
		store_key_pair(&k, s->prefix, after + 1);
	}
	store_val key = { k.b, k.len };
	crm_status rc =
	    store_cursor_get(*c, seek ? STORE_SEEK : STORE_NEXT, &key, NULL);
	if (rc != CRM_OK) {
		return rc;
	}
	if (key.len != idlen || memcmp(key.data, k.b, idlen - 8) != 0) {
		return CRM_NOT_FOUND;
	}
	*id = store_u64((const uint8_t *)key.data + idlen - 8);
	return CRM_OK;
}

static uint64_t
total(struct req_ctx *ctx, const struct export_scope *s)
{
	if (s->db != DB_CUSTOMERS) {
		return stats_tally(ctx, s->tally, 0, 0);
	}
	/* Customer records are never deleted (a merged one stays as a
	 * tombstone) and take their ids from one sequence: it counts them
	 * without a walk of the shared tree (store_entries). */
	return store_seq_peek(ctx->st, ctx->txn, "customer") - 1;
}

/* What a customer's row shows besides its record: how many contacts it
 * has, and since when it is in its stage (the stage history's). */
static crm_status
customer_fill(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	uint32_t n = 0;
	uint64_t at = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_CONTACT_CUST, c->id, at,
	           &at) == CRM_OK) {
		n++;
	}
	c->has_contact_count = 1;
	c->contact_count = n;
	c->has_stage_at = 1;
	c->deal_category = (char *)purchase_deal_category(ctx, c);
	return lifecycle_stage_since(ctx, c, &c->stage_at);
}

/* A page being filled. */
struct page {
	struct req_ctx *ctx;
	const Crm__V1__ExportRequest *q;
	Crm__V1__ExportPage *out;
	size_t limit, n, bytes;
	void **items; /* the one repeated field the kind fills */
	size_t *nitems;
	crm_status err; /* why records_of stopped at -1 */
	/* Kept for the page: the walk of the customers, and the gets of
	 * their records and of the records under them (ids in order: mostly
	 * on the leaf of the last get). */
	store_cursor *custs, *cust_records, *records;
};

/* Record id of db through the page's cursor *c (opened at the first). */
static crm_status
page_record(struct page *p, store_cursor **c, enum store_db db, uint64_t id,
    const ProtobufCMessageDescriptor *d, ProtobufCMessage **out)
{
	struct req_ctx *ctx = p->ctx;
	crm_status rc =
	    *c != NULL ? CRM_OK : store_cursor_open(ctx->st, ctx->txn, db, c);
	return rc != CRM_OK ? rc
	                    : dispatch_list_record_at(ctx, *c, db, id, d, out);
}

static int
full(const struct page *p)
{
	const crm_arena *a = p->ctx->arena;
	return p->n >= p->limit || p->bytes >= PAGE_BYTES ||
	       a->used > a->size / 4 * 3;
}

static void
add(struct page *p, ProtobufCMessage *m)
{
	p->items[(*p->nitems)++] = m;
	p->n++;
	p->bytes += protobuf_c_message_get_packed_size(m);
}

static int
in_period(const Crm__V1__ExportRequest *q, int64_t t)
{
	return (!q->has_start_at || q->start_at == 0 || t >= q->start_at) &&
	       (!q->has_end_at || q->end_at == 0 || t < q->end_at);
}

static int records_walk(struct page *p, const Crm__V1__Customer *c,
    uint64_t *after, struct store_iter *it);

/* The records of kind under customer c after record id *after, until the
 * page is full. Returns 1 when c has no more, 0 when the page is full,
 * -1 on a record that does not load (ctx->msg names it). Records out of
 * the period leave the arena as they came. */
static int
records_of(struct page *p, const Crm__V1__Customer *c, uint64_t *after)
{
	struct req_ctx *ctx = p->ctx;
	int kind = (int)p->q->kind;
	/* The record type of this export kind (schema.def). */
	const struct schema_record *r = schema_by_export(kind);
	if (r == NULL || r->by_customer == DB_COUNT) {
		p->err = CRM_INTERNAL;
		return -1;
	}
	/* c's entries after *after, one cursor for the walk. */
	store_key from, prefix;
	store_key_id(&prefix, c->id);
	store_key_id(&from, *after + 1);
	struct store_iter it;
	crm_status irc = *after == UINT64_MAX
	                     ? CRM_NOT_FOUND
	                     : store_iter_open(ctx->st, ctx->txn,
	                           r->by_customer, prefix.b, 8, &from, &it);
	if (irc != CRM_OK) {
		return 1;
	}
	int end = records_walk(p, c, after, &it);
	store_iter_close(&it);
	return end;
}

/* records_of's walk of it. */
static int
records_walk(struct page *p, const Crm__V1__Customer *c, uint64_t *after,
    struct store_iter *it)
{
	struct req_ctx *ctx = p->ctx;
	int kind = (int)p->q->kind;
	const struct schema_record *r = schema_by_export(kind);
	uint64_t id = *after;
	while (!full(p)) {
		const uint8_t *key;
		size_t klen;
		if (!store_iter_next(it, &key, &klen)) {
			return 1;
		}
		if (klen != 16) {
			continue;
		}
		uint64_t next = store_u64(key + 8);
		ProtobufCMessage *m;
		size_t mark = crm_arena_mark(ctx->arena);
		crm_status rc =
		    page_record(p, &p->records, r->db, next, r->d, &m);
		if (rc == CRM_TOO_BIG && p->n > 0) {
			return 0; /* the next page starts at this record */
		}
		if (rc != CRM_OK) {
			p->err = rc;
			return -1;
		}
		*after = id = next;
		if (kind == CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS) {
			Crm__V1__FollowUp *f = (Crm__V1__FollowUp *)m;
			if (!in_period(p->q, f->happened_at)) {
				crm_arena_release(ctx->arena, mark);
				continue;
			}
			f->customer = c->name;
			/* a stage said, not applied, says so (an import
			 * keeps it said) */
			f->has_stage_said = f->stage_said =
			    f->has_stage_to && f->stage_to != 0 &&
			    !(f->has_stage_from && f->stage_from != 0);
			/* as followup.get shows it: commitments and
			 * objections as they stand now */
			crm_status frc = followup_fill_now(ctx, f);
			if (frc != CRM_OK) {
				p->err = frc;
				return -1;
			}
		} else if (kind == CRM__V1__EXPORT_KIND__EXPORT_TASKS) {
			Crm__V1__Task *t = (Crm__V1__Task *)m;
			if (!in_period(p->q, t->due_at)) {
				crm_arena_release(ctx->arena, mark);
				continue;
			}
			task_fill(ctx, t);
		} else if (kind == CRM__V1__EXPORT_KIND__EXPORT_PURCHASES) {
			Crm__V1__Purchase *pu = (Crm__V1__Purchase *)m;
			if (!in_period(p->q, pu->bought_at)) {
				crm_arena_release(ctx->arena, mark);
				continue;
			}
			pu->customer = c->name;
			pu->author =
			    (char *)user_login_of(ctx, pu->created_by);
		}
		add(p, m);
	}
	return 0;
}

static crm_status
page(struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp,
    struct page *p)
{
	const Crm__V1__ExportRequest *q = req->export_page;
	int kind = q->has_kind ? (int)q->kind : 0;
	if (kind < CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS ||
	    kind > CRM__V1__EXPORT_KIND__EXPORT_PURCHASES) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "export_page.kind",
		    "export customers, contacts, followups, tasks or "
		    "purchases");
	}
	struct export_scope s = { DB_CUSTOMERS, 0, 0, 0 };
	crm_status rc = resolve(ctx, q, &s);
	if (rc != CRM_OK) {
		return rc;
	}
	p->ctx = ctx;
	p->q = q;
	p->limit = q->has_limit && q->limit > 0
	               ? (q->limit > PAGE_MAX ? PAGE_MAX : q->limit)
	               : PAGE_DEFAULT;
	p->out = crm_arena_alloc(ctx->arena, sizeof(*p->out));
	/* Customers: the records, or (other kinds) the parents of the
	 * page's records, for their names. */
	void **custs = crm_arena_alloc(ctx->arena, p->limit * sizeof(void *));
	void **items = crm_arena_alloc(ctx->arena, p->limit * sizeof(void *));
	if (p->out == NULL || custs == NULL || items == NULL) {
		return CRM_TOO_BIG;
	}
	Crm__V1__ExportPage *o = p->out;
	crm__v1__export_page__init(o);
	o->customers = (Crm__V1__Customer **)custs;
	if (kind == CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS) {
		p->items = custs;
		p->nitems = &o->n_customers;
	} else {
		p->items = items;
		switch (kind) {
		case CRM__V1__EXPORT_KIND__EXPORT_CONTACTS:
			o->contacts = (Crm__V1__Contact **)items;
			p->nitems = &o->n_contacts;
			break;
		case CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS:
			o->followups = (Crm__V1__FollowUp **)items;
			p->nitems = &o->n_followups;
			break;
		case CRM__V1__EXPORT_KIND__EXPORT_PURCHASES:
			o->purchases = (Crm__V1__Purchase **)items;
			p->nitems = &o->n_purchases;
			break;
		default:
			o->tasks = (Crm__V1__Task **)items;
			p->nitems = &o->n_tasks;
		}
	}
	if (!q->has_cursor_customer || q->cursor_customer == 0) {
		o->has_customers_total = 1;
		o->customers_total = total(ctx, &s);
	}
	/* A merge moves records from one customer to another: between two
	 * pages it may move them behind the walk or ahead of it. The
	 * client learns of one by the mark (merge.h): a team's export (a
	 * manager's, a rep's) minds only its own team's merges. */
	uint64_t merges = merge_mark(ctx->st, ctx->txn, s.team);
#ifdef CRM_TEST_HOOKS
	/* CRM_TEST_EXPORT_MERGES=N: as if a merge came before each of the
	 * first N pages served (export_merge_test). */
	static _Atomic unsigned long pages_served;
	const char *em = getenv("CRM_TEST_EXPORT_MERGES");
	if (em != NULL) {
		unsigned long n = pages_served++, most = strtoul(em, NULL, 10);
		merges += n + 1 < most ? n + 1 : most;
	}
#endif
	int marked = q->has_merge_mark && q->merge_mark != 0;
	o->has_merge_mark = 1;
	o->merge_mark = marked ? q->merge_mark : merges;
	o->has_merged_during = o->merged_during =
	    marked && q->merge_mark != merges;
	/* cust: the customer being walked (its records after rid), or the
	 * last one finished when walking is 0 (cursor_id CURSOR_DONE). */
	uint64_t cust = q->cursor_customer, rid = q->cursor_id;
	int walking = cust != 0 && rid != CURSOR_DONE &&
	              kind != CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS;
	if (walking) {
		/* The cursor is the client's word, not an index entry: a
		 * customer it names that does not exist is not damage. Nor is
		 * it an error, which would tell the caller which ids exist
		 * (docs/authz.md): as one it may not see, the walk goes on
		 * after it. */
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = dispatch_record(ctx, DB_CUSTOMERS, cust,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		crm_arena_release(ctx->arena, mark);
		if (rc == CRM_NOT_FOUND) {
			walking = 0;
		} else if (rc != CRM_OK) {
			return rc;
		}
	}
	uint64_t done = 0, last_done = cust;
	for (int scanned = 0; !full(p) && scanned < SCAN_BUDGET; scanned++) {
		if (!walking) {
			rc = next_customer(ctx, &s, &p->custs, cust, &cust);
			if (rc == CRM_NOT_FOUND) {
				o->has_done = o->done = 1;
				rc = CRM_OK;
				break;
			}
			if (rc != CRM_OK) {
				return rc;
			}
			rid = 0;
		}
		Crm__V1__Customer *c;
		size_t mark = crm_arena_mark(ctx->arena);
		rc = page_record(p, &p->cust_records, DB_CUSTOMERS, cust,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc == CRM_TOO_BIG && p->n > 0) {
			/* The next page starts at this customer. */
			rc = CRM_OK;
			if (!walking) {
				cust = last_done;
				rid = CURSOR_DONE;
			}
			break;
		}
		if (rc != CRM_OK) {
			return rc;
		}
		if (c->merged_into != 0 ||
		    !auth_can_see(ctx->who, c->owner_id, c->team_id)) {
			crm_arena_release(ctx->arena, mark);
			walking = 0;
			done++;
			last_done = cust;
			continue;
		}
		c->owner = (char *)user_login_of(ctx, c->owner_id);
		c->team = (char *)user_team_name(ctx, c->team_id);
		if (kind == CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS) {
			rc = customer_fill(ctx, c);
			if (rc != CRM_OK) {
				return rc;
			}
			add(p, &c->base);
			done++;
			continue;
		}
		size_t before = *p->nitems;
		int end = records_of(p, c, &rid);
		if (end < 0) {
			return p->err;
		}
		walking = !end;
		if (*p->nitems > before) {
			custs[o->n_customers++] = c;
		} else {
			crm_arena_release(ctx->arena, mark);
		}
		if (!walking) {
			done++;
			last_done = cust;
		}
	}
	o->has_cursor_customer = o->has_cursor_id = 1;
	o->cursor_customer = cust;
	o->cursor_id = walking ? rid : CURSOR_DONE;
	o->has_customers_done = 1;
	o->customers_done = done;
	resp->body_case = CRM__V1__RESPONSE__BODY_EXPORT_PAGE;
	resp->export_page = o;
	return CRM_OK;
}

crm_status
export_handle_page(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	/* A page names the same owners, authors and teams on row after
	 * row: each is read once. */
	user_names_begin(ctx);
	struct page p = { 0 };
	crm_status rc = page(ctx, req, resp, &p);
	user_names_end();
	store_cursor_close(p.custs);
	store_cursor_close(p.cust_records);
	store_cursor_close(p.records);
	return rc;
}
