/* SPDX-License-Identifier: MIT */
/*
 * period_card.c: a customer's period card (period_card.h): built from its
 * record and stage history, kept on its owner and team list entries.
 */
#include "period_card.h"

#include <inttypes.h>
#include <string.h>

#include "crm.h"
#include "crm_log.h"
#include "customer.h"
#include "store_schema.h"

enum {
	CARD_VERSION = 1,
	CARD_HEAD = 1 + 8 + 8 + 8 + 8 + 1 + 2,
	CARD_MARK = 8 + 8 + 1 + 1,
	CARD_MAX = CARD_HEAD + PERIOD_CARD_MAX_MARKS * CARD_MARK,
};

static uint8_t *
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		*p++ = (uint8_t)(v >> (8 * i));
	}
	return p;
}

int
period_card_decode(const void *v, size_t n, struct period_card *c)
{
	const uint8_t *p = v;
	if (n < CARD_HEAD || p[0] != CARD_VERSION) {
		return 0;
	}
	c->owner_id = store_u64(p + 1);
	c->created_at = (int64_t)store_u64(p + 9);
	c->first_contact_at = (int64_t)store_u64(p + 17);
	c->won_at = (int64_t)store_u64(p + 25);
	c->grade = p[33];
	c->nmarks = (unsigned)p[34] << 8 | p[35];
	c->marks = p + CARD_HEAD;
	size_t marks = c->nmarks == PERIOD_CARD_NOT_KEPT ? 0 : c->nmarks;
	return c->nmarks <= PERIOD_CARD_MAX_MARKS ||
	               c->nmarks == PERIOD_CARD_NOT_KEPT
	           ? n == CARD_HEAD + marks * CARD_MARK
	           : 0;
}

void
period_card_mark(
    const struct period_card *c, unsigned i, struct lifecycle_mark *m)
{
	const uint8_t *p = c->marks + (size_t)i * CARD_MARK;
	m->at = (int64_t)store_u64(p);
	m->seq = store_u64(p + 8);
	m->stage_to = p[16];
	m->grade = p[17];
}

/* The marks of a card being built, in buf after the head. */
struct build {
	uint8_t *buf;
	unsigned n;
	int over;
};

static crm_status
add_mark(void *arg, const struct lifecycle_mark *m, bool *stop)
{
	struct build *b = arg;
	if (b->n == PERIOD_CARD_MAX_MARKS) {
		b->over = 1;
		*stop = true;
		return CRM_OK;
	}
	uint8_t *p = b->buf + CARD_HEAD + (size_t)b->n * CARD_MARK;
	p = put64(p, (uint64_t)m->at);
	p = put64(p, m->seq);
	p[0] = m->stage_to;
	p[1] = m->grade;
	b->n++;
	return CRM_OK;
}

/* c's card into buf (CARD_MAX bytes), its length in *len. The fields as
 * report_period.c read them off a record: won_at 0 when none or not
 * positive, a grade past a byte 0. */
static crm_status
card_of(
    struct req_ctx *ctx, const Crm__V1__Customer *c, uint8_t *buf, size_t *len)
{
	struct build b = { buf, 0, 0 };
	crm_status rc = lifecycle_stage_marks(ctx, c->id, add_mark, &b);
	if (rc != CRM_OK) {
		return rc;
	}
	uint8_t *p = buf;
	*p++ = CARD_VERSION;
	p = put64(p, c->owner_id);
	p = put64(p, (uint64_t)c->created_at);
	p = put64(p, (uint64_t)c->first_contact_at);
	p = put64(p, (uint64_t)(c->won_at > 0 ? c->won_at : 0));
	*p++ =
	    (uint8_t)(c->grade >= 0 && c->grade <= UINT8_MAX ? c->grade : 0);
	unsigned n = b.over ? PERIOD_CARD_NOT_KEPT : b.n;
	*p++ = (uint8_t)(n >> 8);
	*p = (uint8_t)n;
	*len = CARD_HEAD + (b.over ? 0 : (size_t)b.n * CARD_MARK);
	return CRM_OK;
}

/* The two list entries of c: (owner, id) and (team, id). */
static void
entries(const Crm__V1__Customer *c, enum store_db db[2], store_key k[2])
{
	db[0] = DB_CUST_OWNER;
	db[1] = DB_CUST_TEAM;
	store_key_pair(&k[0], c->owner_id, c->id);
	store_key_pair(&k[1], c->team_id, c->id);
}

static int
holds(struct req_ctx *ctx, enum store_db db, const store_key *k,
    const uint8_t *card, size_t len)
{
	store_val v;
	return store_get(ctx->st, ctx->txn, db, k->b, k->len, &v) == CRM_OK &&
	       v.len == len && memcmp(v.data, card, len) == 0;
}

/* Whether a and b have the same card fields and list entries. */
static int
same_card(const Crm__V1__Customer *a, const Crm__V1__Customer *b)
{
	return a->id == b->id && a->owner_id == b->owner_id &&
	       a->team_id == b->team_id && a->created_at == b->created_at &&
	       a->first_contact_at == b->first_contact_at &&
	       (a->won_at > 0 ? a->won_at : 0) ==
	           (b->won_at > 0 ? b->won_at : 0) &&
	       a->grade == b->grade;
}

crm_status
period_card_put(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *c)
{
	if (before != NULL && same_card(before, c)) {
		return CRM_OK;
	}
	uint8_t card[CARD_MAX];
	size_t len;
	crm_status rc = card_of(ctx, c, card, &len);
	enum store_db db[2];
	store_key k[2];
	entries(c, db, k);
	for (int i = 0; rc == CRM_OK && i < 2; i++) {
		if (!holds(ctx, db[i], &k[i], card, len)) {
			rc = store_put(ctx->st, ctx->txn, db[i], k[i].b,
			    k[i].len, card, len);
		}
	}
	return rc;
}

crm_status
period_card_refresh(struct req_ctx *ctx, uint64_t id)
{
	size_t mark = crm_arena_mark(ctx->arena);
	Crm__V1__Customer *c;
	crm_status rc = customer_load(ctx, id, &c);
	if (rc == CRM_NOT_FOUND) {
		rc = CRM_OK; /* its first entry, before the record is saved */
	} else if (rc == CRM_OK && c->merged_into == 0) {
		rc = period_card_put(ctx, NULL, c);
	}
	crm_arena_release(ctx->arena, mark);
	return rc;
}

int
period_card_ok(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	uint8_t card[CARD_MAX];
	size_t len;
	if (card_of(ctx, c, card, &len) != CRM_OK) {
		return 0;
	}
	enum store_db db[2];
	store_key k[2];
	entries(c, db, k);
	return holds(ctx, db[0], &k[0], card, len) &&
	       holds(ctx, db[1], &k[1], card, len);
}

static crm_status
card_one(struct req_ctx *ctx, Crm__V1__Customer *c, void *arg)
{
	++*(uint64_t *)arg;
	return period_card_put(ctx, NULL, c);
}

crm_status
period_card_rebuild(struct req_ctx *ctx, uint64_t *n)
{
	*n = 0;
	return customer_each(ctx, card_one, n);
}
