/* SPDX-License-Identifier: MIT */
/*
 * customer_similar.c: customers with similar names (customer.h,
 * customer_similar): a warning when a customer is added, so a rep who types
 * 华东机电 sees the 华东机电设备有限公司 a colleague already keeps. The exact
 * duplicate is refused elsewhere (customer.c); here one normalised name
 * contains the other. The walk reads only the keys of the name index (kind
 * byte || normalised name) and loads a record only for a match, to check that
 * the caller may see it: another team's customers are never named.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "store_schema.h"
#include "user.h"

#define SCAN_MAX  500000 /* name keys read at most */
#define MIN_CHARS 2

static size_t
chars(const uint8_t *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		n += (p[i] & 0xc0) != 0x80;
	}
	return n;
}

/* Whether the shorter of a and b occurs in the longer. */
static int
contains(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	if (na < nb) {
		const uint8_t *t = a;
		size_t tn = na;
		a = b;
		na = nb;
		b = t;
		nb = tn;
	}
	if (chars(b, nb) < MIN_CHARS) {
		return 0;
	}
	for (size_t i = 0; i + nb <= na; i++) {
		if (memcmp(a + i, b, nb) == 0) {
			return 1;
		}
	}
	return 0;
}

crm_status
customer_similar(struct req_ctx *ctx, const Crm__V1__Customer *c, size_t max,
    Crm__V1__Customer ***out, size_t *n)
{
	*n = 0;
	*out = NULL;
	if (c->name == NULL || max == 0) {
		return CRM_OK;
	}
	int kind =
	    c->has_kind ? (int)c->kind : CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	char *norm = kind == CRM__V1__CUSTOMER_KIND__KIND_COMPANY
	                 ? crm_utf8_company_key(c->name)
	                 : crm_utf8_normalize(c->name);
	if (norm == NULL ||
	    chars((const uint8_t *)norm, strlen(norm)) < MIN_CHARS) {
		free(norm);
		return CRM_OK;
	}
	*out = crm_arena_alloc(ctx->arena, max * sizeof(**out));
	if (*out == NULL) {
		free(norm);
		return CRM_TOO_BIG;
	}
	uint8_t prefix = (uint8_t)kind;
	struct store_iter it;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_CUST_NAME, &prefix, 1, NULL, &it);
	if (rc != CRM_OK) {
		free(norm);
		return rc;
	}
	const uint8_t *key;
	size_t klen, nlen = strlen(norm);
	for (size_t scanned = 0;
	     rc == CRM_OK && *n < max && scanned < SCAN_MAX &&
	     store_iter_next(&it, &key, &klen);
	     scanned++) {
		const void *data;
		size_t dlen;
		if (klen < 2 || !contains(key + 1, klen - 1,
		                    (const uint8_t *)norm, nlen)) {
			continue;
		}
		if (!store_iter_data(&it, &data, &dlen) || dlen != 8) {
			rc = dispatch_fail(ctx, CRM_INTERNAL,
			    "%s: a reference that is no id (crm-check reports "
			    "it)",
			    store_db_name(DB_CUST_NAME));
			break;
		}
		uint64_t id = store_u64(data);
		if (id == c->id) {
			continue;
		}
		/* Only what is named stays in the arena. */
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *o;
		rc = dispatch_list_record(ctx, DB_CUSTOMERS, id,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&o);
		if (rc != CRM_OK) {
			break; /* damage is named, never skipped */
		}
		if (o->merged_into != 0 ||
		    !auth_can_see(ctx->who, o->owner_id, o->team_id)) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		Crm__V1__Customer *s = crm_arena_alloc(ctx->arena, sizeof(*s));
		if (s == NULL) {
			rc = CRM_TOO_BIG;
			break;
		}
		crm__v1__customer__init(s);
		s->has_id = s->has_kind = 1;
		s->id = id;
		s->kind = o->kind;
		s->name = o->name;
		s->owner = (char *)user_login_of(ctx, o->owner_id);
		(*out)[(*n)++] = s;
	}
	store_iter_close(&it);
	free(norm);
	return rc;
}
