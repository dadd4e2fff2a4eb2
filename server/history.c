/* SPDX-License-Identifier: MIT */
/*
 * history.c: the customer's timeline (see history.h): the table of
 * sources, the index hook their writers call, the newest-first merge of
 * one page, the rebuild for the schema upgrade and crm-check's part.
 * The records themselves are written by their own files.
 */
#include "history.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "sla.h"
#include "store_schema.h"
#include "user.h"

#define HISTORY_DEFAULT 100
#define HISTORY_MAX     1000
/* Packed bytes of one page at most: half of nanomsg's default receive
 * limit (1 MiB, what a client that sets nothing gets), well inside the
 * 4 MiB request arena, whatever the entries hold (a page ends before the
 * entry that would pass it, and the cursor resumes at that entry). */
#define PAGE_BYTES (1u << 19)

/* ---------------------------------------------------- the sources */

typedef int64_t (*at_fn)(const ProtobufCMessage *m);
typedef void (*fill_fn)(
    struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h);

/* How a source's records are keyed. */
enum key_kind {
	KEY_ID,   /* id */
	KEY_PAIR, /* customer || id (stage history: id is its sequence) */
	KEY_TIME, /* customer || time || id: the record is its own timeline
	             entry (events): idx == db, nothing to index */
};

struct history_source {
	const char *name;  /* in errors: "follow-up 12 does not decode" */
	int item;          /* HistoryItem oneof case: the kind in the order */
	enum store_db idx; /* customer || time || id */
	enum store_db db;  /* the records */
	enum key_kind key;
	const ProtobufCMessageDescriptor *d;
	at_fn at;     /* the entry's time on the timeline */
	fill_fn fill; /* server-filled fields, then h's oneof */
};

static int64_t
fu_at(const ProtobufCMessage *m)
{
	return ((const Crm__V1__FollowUp *)m)->happened_at;
}

static void
fu_fill(struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__FollowUp *f = (Crm__V1__FollowUp *)m;
	f->author = (char *)user_login_of(ctx, f->author_id);
	attachment_fill(ctx, f);
	h->followup = f;
}

static int64_t
stage_at(const ProtobufCMessage *m)
{
	return ((const Crm__V1__StageChange *)m)->happened_at;
}

static void
stage_fill(struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__StageChange *s = (Crm__V1__StageChange *)m;
	s->by = (char *)user_login_of(ctx, s->by_id);
	h->stage = s;
}

static int64_t
grade_at(const ProtobufCMessage *m)
{
	const Crm__V1__GradeProposal *p = (const Crm__V1__GradeProposal *)m;
	return p->decided_at ? p->decided_at : p->created_at;
}

static void
grade_fill(struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__GradeProposal *p = (Crm__V1__GradeProposal *)m;
	p->proposed_by = (char *)user_login_of(ctx, p->proposed_by_id);
	p->decided_by = (char *)user_login_of(ctx, p->decided_by_id);
	h->grade = p;
}

static int64_t
task_at(const ProtobufCMessage *m)
{
	const Crm__V1__Task *t = (const Crm__V1__Task *)m;
	return t->has_done_at ? t->done_at : t->created_at;
}

static void
task_fill(struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__Task *t = (Crm__V1__Task *)m;
	t->owner = (char *)user_login_of(ctx, t->owner_id);
	h->task = t;
}

/* A commitment stands where it was made while it is open (or broken),
 * and at its closing once kept (the entry carries created_at, when it
 * was made): not where it was made, as if kept then. */
static int64_t
commitment_at(const ProtobufCMessage *m)
{
	const Crm__V1__Commitment *c = (const Crm__V1__Commitment *)m;
	if (c->status != CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN &&
	    c->has_closed_at && c->closed_at > 0) {
		return c->closed_at;
	}
	return c->created_at;
}

static void
commitment_fill(
    struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__Commitment *c = (Crm__V1__Commitment *)m;
	c->owner = (char *)user_login_of(ctx, c->owner_id);
	/* Who held it when it fell due, when that is not its owner now:
	 * broken before a hand-over, it stays the breaker's (as lists and
	 * reports count it); one not yet due went along to the new owner. */
	sla_commitment_held_by(ctx, c);
	if (c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN &&
	    c->due_at < ctx->now) {
		c->status = CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN;
	}
	h->commitment = c;
}

/* A clock stands at its start; an issue's solution clock, once resolved,
 * at its resolution (the issue's start is its response clock's). An
 * objection, once resolved, stands at its resolution too (the entry
 * carries started_at, when it was raised; the follow-up that raised it
 * stands at that time): not at the raise, as if resolved then. */
static int64_t
sla_at(const ProtobufCMessage *m)
{
	const Crm__V1__SlaClock *k = (const Crm__V1__SlaClock *)m;
	if (k->kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION &&
	    k->resolution != NULL && k->stopped_at > 0) {
		return k->stopped_at;
	}
	if (k->kind == CRM__V1__SLA_KIND__SLA_OBJECTION && k->has_stopped_at &&
	    k->stopped_at > 0) {
		return k->stopped_at;
	}
	return k->started_at;
}

static void
sla_fill(struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__SlaClock *k = (Crm__V1__SlaClock *)m;
	if (!(k->has_stopped_at && k->stopped_at) &&
	    k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION) {
		k->has_breached = 1;
		k->breached = ctx->now > k->deadline_at;
	}
	k->owner = (char *)user_login_of(ctx, k->owner_id);
	if (k->escalated_to_id != 0) {
		k->escalated_to =
		    (char *)user_login_of(ctx, k->escalated_to_id);
	}
	if (k->resolved_by_id != 0) {
		k->resolved_by = (char *)user_login_of(ctx, k->resolved_by_id);
	}
	h->sla = k;
}

static int64_t
event_at(const ProtobufCMessage *m)
{
	return ((const Crm__V1__CustomerEvent *)m)->happened_at;
}

static void
event_fill(struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__CustomerEvent *e = (Crm__V1__CustomerEvent *)m;
	e->by = e->by_id ? (char *)user_login_of(ctx, e->by_id) : NULL;
	h->event = e;
}

static int64_t
purchase_at(const ProtobufCMessage *m)
{
	return ((const Crm__V1__Purchase *)m)->bought_at;
}

static void
purchase_fill(
    struct req_ctx *ctx, ProtobufCMessage *m, Crm__V1__HistoryItem *h)
{
	Crm__V1__Purchase *p = (Crm__V1__Purchase *)m;
	p->author = (char *)user_login_of(ctx, p->created_by);
	h->purchase = p;
}

#define ITEM(x) CRM__V1__HISTORY_ITEM__ITEM_##x

/* One row per source: a new kind of entry is one row (and its index). */
static const struct history_source sources[HIST_SOURCES] = {
	[HIST_FOLLOWUP] = { "follow-up", ITEM(FOLLOWUP), DB_FU_CUST_TIME,
	    DB_FOLLOWUPS, KEY_ID, &crm__v1__follow_up__descriptor, fu_at,
	    fu_fill },
	[HIST_STAGE] = { "stage change", ITEM(STAGE), DB_STAGE_CUST_TIME,
	    DB_STAGE_HIST, KEY_PAIR, &crm__v1__stage_change__descriptor,
	    stage_at, stage_fill },
	[HIST_GRADE] = { "grade proposal", ITEM(GRADE), DB_PROP_CUST_TIME,
	    DB_PROPOSALS, KEY_ID, &crm__v1__grade_proposal__descriptor,
	    grade_at, grade_fill },
	[HIST_TASK] = { "task", ITEM(TASK), DB_TASK_CUST_TIME, DB_TASKS,
	    KEY_ID, &crm__v1__task__descriptor, task_at, task_fill },
	[HIST_COMMITMENT] = { "commitment", ITEM(COMMITMENT),
	    DB_COMMIT_CUST_TIME, DB_COMMITMENTS, KEY_ID,
	    &crm__v1__commitment__descriptor, commitment_at, commitment_fill },
	[HIST_SLA] = { "SLA clock", ITEM(SLA), DB_SLA_CUST_TIME, DB_SLA,
	    KEY_ID, &crm__v1__sla_clock__descriptor, sla_at, sla_fill },
	[HIST_PURCHASE] = { "purchase", ITEM(PURCHASE), DB_PURCH_CUST_TIME,
	    DB_PURCHASES, KEY_ID, &crm__v1__purchase__descriptor, purchase_at,
	    purchase_fill },
	[HIST_EVENT] = { "event", ITEM(EVENT), DB_CUST_EVENT, DB_CUST_EVENT,
	    KEY_TIME, &crm__v1__customer_event__descriptor, event_at,
	    event_fill },
};

/* ---------------------------------------------------- the index */

/* The key of record id of customer at time at in s->db. */
static void
record_key(const struct history_source *s, uint64_t customer, int64_t at,
    uint64_t id, store_key *k)
{
	switch (s->key) {
	case KEY_PAIR:
		store_key_pair(k, customer, id);
		break;
	case KEY_TIME:
		store_key_triple(k, customer, store_time_key(at), id);
		break;
	default:
		store_key_id(k, id);
		break;
	}
}

static uint64_t
u64_field(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, name);
	return f != NULL ? *(const uint64_t *)((const char *)m + f->offset)
	                 : 0;
}

static const struct history_pos *
pos_of(const struct history_source *s, const ProtobufCMessage *m,
    struct history_pos *p)
{
	if (m == NULL) {
		return NULL;
	}
	p->customer_id = u64_field(m, "customer_id");
	p->at = s->at(m);
	p->id = u64_field(m, "id");
	return p;
}

static const store_key *
key_of(const struct history_pos *p, store_key *k)
{
	if (p == NULL) {
		return NULL;
	}
	store_key_triple(k, p->customer_id, store_time_key(p->at), p->id);
	return k;
}

crm_status
history_index_pos(struct req_ctx *ctx, enum history_src src,
    const struct history_pos *before, const struct history_pos *after)
{
	store_key ok, nk;
	if (sources[src].key == KEY_TIME) {
		return CRM_OK; /* its own entry: written with the record */
	}
	return store_reindex(ctx->st, ctx->txn, sources[src].idx,
	    key_of(before, &ok), key_of(after, &nk));
}

crm_status
history_index(struct req_ctx *ctx, enum history_src src,
    const ProtobufCMessage *before, const ProtobufCMessage *after)
{
	struct history_pos bp, ap;
	const struct history_source *s = &sources[src];
	return history_index_pos(
	    ctx, src, pos_of(s, before, &bp), pos_of(s, after, &ap));
}

/* The first key of DB_FU_CUST_TIME (customer || time || follow-up id)
 * under prefix p, from `from` on (NULL: its start), into key; 0: none. */
static int
fu_time_first(struct req_ctx *ctx, const store_key *p, const store_key *from,
    uint8_t key[24], crm_status *rc)
{
	struct store_iter it;
	*rc = store_iter_open(
	    ctx->st, ctx->txn, DB_FU_CUST_TIME, p->b, p->len, from, &it);
	if (*rc != CRM_OK) {
		return 0;
	}
	const uint8_t *k;
	size_t klen;
	int found = store_iter_next(&it, &k, &klen) && klen == 24;
	if (found) {
		memcpy(key, k, 24);
	}
	store_iter_close(&it);
	return found;
}

crm_status
history_followup_at(
    struct req_ctx *ctx, uint64_t customer, int64_t at, uint64_t *id)
{
	if (*id == UINT64_MAX) {
		return CRM_NOT_FOUND;
	}
	store_key p, from;
	store_key_pair(&p, customer, store_time_key(at));
	store_key_id(&from, *id + 1);
	uint8_t key[24];
	crm_status rc;
	if (!fu_time_first(ctx, &p, &from, key, &rc)) {
		return rc != CRM_OK ? rc : CRM_NOT_FOUND;
	}
	*id = store_u64(key + 16);
	return CRM_OK;
}

crm_status
history_followup_first(struct req_ctx *ctx, uint64_t customer, int64_t *at)
{
	store_key p;
	store_key_id(&p, customer);
	uint8_t key[24];
	crm_status rc;
	if (!fu_time_first(ctx, &p, NULL, key, &rc)) {
		return rc != CRM_OK ? rc : CRM_NOT_FOUND;
	}
	*at = store_time_of(store_u64(key + 8));
	return CRM_OK;
}

/* ---------------------------------------------------- one page */

/* A position in the merged order: newest first; at one time by kind
 * (HistoryItem's field number: a follow-up above the stage change and
 * the tasks it made), then the highest id first. */
struct mark {
	int64_t at;
	int item;
	uint64_t id;
};

/* a comes before b on the timeline. */
static int
mark_first(const struct mark *a, const struct mark *b)
{
	if (a->at != b->at) {
		return a->at > b->at;
	}
	if (a->item != b->item) {
		return a->item < b->item;
	}
	return a->id > b->id;
}

/* "AT.ITEM.ID"; 0 when text is not one. */
static int
mark_parse(const char *text, struct mark *m)
{
	char *end;
	errno = 0;
	long long at = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '.') {
		return 0;
	}
	const char *p = end + 1;
	if (*p < '0' || *p > '9') {
		return 0;
	}
	unsigned long item = strtoul(p, &end, 10);
	if (errno != 0 || *end != '.' || item > 255) {
		return 0;
	}
	p = end + 1;
	if (*p < '0' || *p > '9') {
		return 0;
	}
	unsigned long long id = strtoull(p, &end, 10);
	if (errno != 0 || *end != '\0') {
		return 0;
	}
	m->at = at;
	m->item = (int)item;
	m->id = id;
	return 1;
}

/* One source's walk: its cursor and the entry it holds (head). */
struct walk {
	const struct history_source *s;
	store_cursor *cur;
	int live; /* head holds an entry */
	struct mark head;
};

/* The entry at the cursor, if it is one of customer's. */
static void
walk_take(struct walk *w, uint64_t customer, crm_status rc, const store_val *k)
{
	w->live =
	    rc == CRM_OK && k->len == 24 && store_u64(k->data) == customer;
	if (w->live) {
		const uint8_t *b = k->data;
		w->head.at = store_time_of(store_u64(b + 8));
		w->head.item = w->s->item;
		w->head.id = store_u64(b + 16);
	}
}

/* Position w on its newest entry older than `from` (NULL: newest). */
static crm_status
walk_open(struct req_ctx *ctx, struct walk *w, uint64_t customer,
    const struct mark *from)
{
	/* The bound is exclusive; 25 bytes sort after every 24-byte key
	 * they start with, which makes "all of this time" exclusive too. */
	uint8_t b[25];
	store_key t;
	size_t blen = 24;
	store_key_id(&t, customer);
	memcpy(b, t.b, 8);
	if (from == NULL) {
		memset(b + 8, 0xff, 16);
		b[24] = 0;
		blen = 25;
	} else {
		store_key_id(&t, store_time_key(from->at));
		memcpy(b + 8, t.b, 8);
		if (w->s->item > from->item) {
			memset(b + 16, 0xff, 8); /* all of from->at */
			b[24] = 0;
			blen = 25;
		} else {
			/* Same kind: ids below; an earlier kind: none. */
			store_key_id(
			    &t, w->s->item == from->item ? from->id : 0);
			memcpy(b + 16, t.b, 8);
		}
	}
	crm_status rc =
	    store_cursor_open(ctx->st, ctx->txn, w->s->idx, &w->cur);
	if (rc != CRM_OK) {
		return rc;
	}
	store_cursor_limit(w->cur, customer);
	store_val k = { b, blen };
	rc = store_cursor_get(w->cur, STORE_BEFORE, &k, NULL);
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		return rc;
	}
	walk_take(w, customer, rc, &k);
	return CRM_OK;
}

static crm_status
walk_next(struct walk *w, uint64_t customer)
{
	store_val k;
	crm_status rc = store_cursor_get(w->cur, STORE_PREV, &k, NULL);
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		return rc;
	}
	walk_take(w, customer, rc, &k);
	return CRM_OK;
}

/* The record of w's head as a timeline entry in *h. */
static crm_status
load_entry(struct req_ctx *ctx, const struct walk *w, uint64_t customer,
    Crm__V1__HistoryItem **h)
{
	const struct history_source *s = w->s;
	store_key k;
	record_key(s, customer, w->head.at, w->head.id, &k);
	ProtobufCMessage *m;
	crm_status rc = store_get_msg(
	    ctx->st, ctx->txn, s->db, &k, s->d, &ctx->arena->allocator, &m);
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "the timeline lists %s %" PRIu64
		    ", which is missing (crm-check reports it)",
		    s->name, w->head.id);
	}
	if (rc == CRM_INTERNAL) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "%s %" PRIu64 " of customer %" PRIu64
		    " does not decode (crm-check reports it)",
		    s->name, w->head.id, customer);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	*h = crm_arena_alloc(ctx->arena, sizeof(**h));
	if (*h == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__history_item__init(*h);
	(*h)->has_happened_at = 1;
	(*h)->happened_at = w->head.at;
	(*h)->item_case = (Crm__V1__HistoryItem__ItemCase)s->item;
	s->fill(ctx, m, *h);
	return CRM_OK;
}

static int
arena_tight(const crm_arena *a)
{
	return a->used > a->size / 4 * 3;
}

/* Add w's head to the page out, if the page has room for it: *full 1
 * (nothing added) when it has not. */
static crm_status
page_add(struct req_ctx *ctx, const struct walk *w, uint64_t customer,
    Crm__V1__HistoryReply *out, size_t *bytes, int *full)
{
	size_t mark = crm_arena_mark(ctx->arena);
	Crm__V1__HistoryItem *h = NULL;
	crm_status rc = load_entry(ctx, w, customer, &h);
	*full = 0;
	if (rc == CRM_TOO_BIG && out->n_items > 0) {
		/* The arena is the page's limit: end it here. */
		crm_arena_release(ctx->arena, mark);
		ctx->msg[0] = '\0';
		*full = 1;
		return CRM_OK;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	size_t n = protobuf_c_message_get_packed_size(&h->base);
	if (out->n_items > 0 &&
	    (*bytes + n > PAGE_BYTES || arena_tight(ctx->arena))) {
		crm_arena_release(ctx->arena, mark);
		*full = 1;
		return CRM_OK;
	}
	*bytes += n;
	out->items[out->n_items++] = h;
	return CRM_OK;
}

/* The page ends after last, with more to come: say where the next one
 * begins. */
static crm_status
page_next(
    struct req_ctx *ctx, const struct mark *last, Crm__V1__HistoryReply *out)
{
	char buf[80];
	snprintf(buf, sizeof(buf), "%" PRId64 ".%d.%" PRIu64, last->at,
	    last->item, last->id);
	out->next_before = crm_arena_strdup(ctx->arena, buf);
	return out->next_before != NULL ? CRM_OK : CRM_TOO_BIG;
}

/* Fill out with up to limit entries of customer older than from, from
 * each source's own list (data of schema 24's layout: CRM_TEST_UNZONED,
 * or, once, before the upgrade's move). */
static crm_status
merge_page(struct req_ctx *ctx, uint64_t customer, const struct mark *from,
    size_t limit, Crm__V1__HistoryReply *out)
{
	struct walk w[HIST_SOURCES];
	memset(w, 0, sizeof(w));
	crm_status rc = CRM_OK;
	for (int i = 0; rc == CRM_OK && i < HIST_SOURCES; i++) {
		w[i].s = &sources[i];
		rc = walk_open(ctx, &w[i], customer, from);
	}
	size_t bytes = 0;
	struct walk *best = NULL;
	struct mark last = { 0, 0, 0 };
	int full = 0;
	while (rc == CRM_OK) {
		best = NULL;
		for (int i = 0; i < HIST_SOURCES; i++) {
			if (w[i].live &&
			    (best == NULL ||
			        mark_first(&w[i].head, &best->head))) {
				best = &w[i];
			}
		}
		if (best == NULL || out->n_items == limit) {
			break;
		}
		rc = page_add(ctx, best, customer, out, &bytes, &full);
		if (rc != CRM_OK || full) {
			break;
		}
		last = best->head;
		rc = walk_next(best, customer);
	}
	for (int i = 0; i < HIST_SOURCES; i++) {
		store_cursor_close(w[i].cur);
	}
	if (rc == CRM_OK && best != NULL && out->n_items > 0) {
		rc = page_next(ctx, &last, out);
	}
	return rc;
}

/* The source of a TIME zone tag (NULL: none). */
static const struct history_source *
source_of_tag(uint8_t tag)
{
	for (int i = 0; i < HIST_SOURCES; i++) {
		if (store_zone_tag(sources[i].idx) == tag) {
			return &sources[i];
		}
	}
	return NULL;
}

/* The zone key that ends the entries a page after from may hold (the
 * bound is exclusive), into b; its length. The zone's order, read
 * backwards, is the timeline's (schema.def: each source's tag falls as
 * its item rises). */
static size_t
zone_bound(uint64_t customer, const struct mark *from, uint8_t b[26])
{
	store_key t;
	store_key_id(&t, customer);
	memcpy(b, t.b, 8);
	if (from == NULL) {
		memset(b + 8, 0xff, 18); /* after all of customer's */
		return 26;
	}
	store_key_id(&t, store_time_key(from->at));
	memcpy(b + 8, t.b, 8);
	/* The kind the page goes on with at from->at: from's own (ids
	 * below from's), or the first kind after it (all of its ids). */
	const struct history_source *next = NULL;
	for (int i = 0; i < HIST_SOURCES; i++) {
		const struct history_source *s = &sources[i];
		if (s->item >= from->item &&
		    (next == NULL || s->item < next->item)) {
			next = s;
		}
	}
	if (next == NULL) {
		return 16; /* nothing more at from->at */
	}
	b[16] = store_zone_tag(next->idx);
	if (next->item == from->item) {
		store_key_id(&t, from->id);
		memcpy(b + 17, t.b, 8);
		return 25;
	}
	memset(b + 17, 0xff, 9);
	return 26;
}

/* As merge_page, for zoned data: one walk backwards through the
 * customer's TIME zone, which holds every source's entries in the
 * timeline's order. */
static crm_status
zone_page(struct req_ctx *ctx, uint64_t customer, const struct mark *from,
    size_t limit, Crm__V1__HistoryReply *out)
{
	store_cursor *cur;
	crm_status rc =
	    store_cursor_open(ctx->st, ctx->txn, DB_FU_CUST_TIME, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	rc = store_cursor_zone(cur);
	store_cursor_limit(cur, customer);
	uint8_t b[26];
	store_val k = { b, zone_bound(customer, from, b) };
	if (rc == CRM_OK) {
		rc = store_cursor_get(cur, STORE_BEFORE, &k, NULL);
	}
	size_t bytes = 0;
	struct walk w = { 0 };
	struct mark last = { 0, 0, 0 };
	int full = 0, more = 0;
	for (; rc == CRM_OK;
	     rc = store_cursor_get(cur, STORE_PREV, &k, NULL)) {
		const uint8_t *kb = k.data;
		if (k.len != 25 || store_u64(kb) != customer) {
			break;
		}
		w.s = source_of_tag(kb[16]);
		if (w.s == NULL) {
			continue; /* (crm-check reports it) */
		}
		if (out->n_items == limit) {
			more = 1;
			break;
		}
		w.head.at = store_time_of(store_u64(kb + 8));
		w.head.item = w.s->item;
		w.head.id = store_u64(kb + 17);
		rc = page_add(ctx, &w, customer, out, &bytes, &full);
		if (rc != CRM_OK || full) {
			more = full;
			break;
		}
		last = w.head;
	}
	store_cursor_close(cur);
	if (rc == CRM_NOT_FOUND) {
		rc = CRM_OK;
	}
	if (rc == CRM_OK && more && out->n_items > 0) {
		rc = page_next(ctx, &last, out);
	}
	return rc;
}

crm_status
history_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerHistoryRequest *r = req->customer_history;
	struct mark from;
	int paged = r->before != NULL && *r->before != '\0';
	if (paged && !mark_parse(r->before, &from)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "customer_history.before",
		    "'%s' is not a history cursor (pass a reply's "
		    "next_before)",
		    r->before);
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_visible(ctx, r->customer_id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	size_t limit = r->has_limit && r->limit ? r->limit : HISTORY_DEFAULT;
	if (limit > HISTORY_MAX) {
		limit = HISTORY_MAX;
	}
	Crm__V1__HistoryReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__history_reply__init(out);
	out->items = crm_arena_alloc(ctx->arena, limit * sizeof(*out->items));
	if (out->items == NULL) {
		return CRM_TOO_BIG;
	}
	rc = (store_zoned(ctx->st) ? zone_page : merge_page)(
	    ctx, c->id, paged ? &from : NULL, limit, out);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_HISTORY;
	resp->history = out;
	return CRM_OK;
}

/* ---------------------------------------------------- rebuild, check */

/* Each record of source s, decoded in the arena (released after fn):
 * fn gets its position. Records keyed customer || id give the id from
 * the key. */
typedef crm_status (*each_fn)(void *arg, const struct history_source *s,
    const store_val *key, const ProtobufCMessage *m,
    const struct history_pos *p);

static crm_status
each_record(
    struct req_ctx *ctx, const struct history_source *s, each_fn fn, void *arg)
{
	store_cursor *cur;
	store_val k, v;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, s->db, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	crm_status st = CRM_OK;
	while (st == CRM_OK &&
	       (rc = store_cursor_get(cur, STORE_NEXT, &k, &v)) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		ProtobufCMessage *m = protobuf_c_message_unpack(
		    s->d, &ctx->arena->allocator, v.len, v.data);
		struct history_pos p;
		if (m != NULL) {
			pos_of(s, m, &p);
			if (s->key == KEY_PAIR) {
				p.id = k.len == 16
				           ? store_u64(
				                 (const uint8_t *)k.data + 8)
				           : 0;
			}
		}
		st = fn(arg, s, &k, m, m != NULL ? &p : NULL);
		crm_arena_release(ctx->arena, mark);
	}
	store_cursor_close(cur);
	if (st == CRM_OK && rc != CRM_NOT_FOUND) {
		st = rc;
	}
	return st;
}

struct rebuild {
	struct req_ctx *ctx;
	uint64_t bad; /* records that do not decode: left out, counted */
};

static crm_status
rebuild_one(void *arg, const struct history_source *s, const store_val *key,
    const ProtobufCMessage *m, const struct history_pos *p)
{
	struct rebuild *r = arg;
	(void)key;
	(void)m;
	if (p == NULL) {
		/* The upgrade keeps what it cannot read; crm-check names it.
		 */
		r->bad++;
		return CRM_OK;
	}
	return history_index_pos(
	    r->ctx, (enum history_src)(s - sources), NULL, p);
}

crm_status
history_rebuild(struct req_ctx *ctx)
{
	struct rebuild r = { ctx, 0 };
	crm_status rc = CRM_OK;
	for (int i = 0; rc == CRM_OK && i < HIST_SOURCES; i++) {
		if (sources[i].key == KEY_TIME) {
			continue; /* records, not an index: never dropped */
		}
		rc = store_drop(ctx->st, ctx->txn, sources[i].idx);
		if (rc == CRM_OK) {
			rc = each_record(ctx, &sources[i], rebuild_one, &r);
		}
	}
	if (r.bad > 0) {
		crm_warn("the timeline leaves out %" PRIu64
		         " records that do not decode; crm-check names them",
		    r.bad);
	}
	return rc;
}

static crm_status
check_one(void *arg, const struct history_source *s, const store_val *key,
    const ProtobufCMessage *m, const struct history_pos *p)
{
	struct check *c = arg;
	(void)m;
	if (p == NULL) {
		/* Other record kinds are named by check.c's record pass. */
		if (s->key == KEY_PAIR) {
			check_problem(c, "%s %" PRIu64 ": does not decode",
			    store_db_name(s->db),
			    key->len == 16
			        ? store_u64((const uint8_t *)key->data + 8)
			        : 0);
		}
		return CRM_OK;
	}
	store_key k;
	key_of(p, &k);
	if (!store_has(c->ctx->st, c->ctx->txn, s->idx, &k, NULL)) {
		check_problem(c,
		    "%s %" PRIu64 ": not in its customer's timeline",
		    store_db_name(s->db), p->id);
	}
	return CRM_OK;
}

/* Each entry of s's index is a record of that customer at that time. */
static crm_status
check_entries(struct check *c, const struct history_source *s)
{
	struct req_ctx *ctx = c->ctx;
	struct store_iter it;
	crm_status rc =
	    store_iter_open(ctx->st, ctx->txn, s->idx, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		size_t mark = crm_arena_mark(ctx->arena);
		const char *name = store_db_name(s->idx);
		if (klen != 24) {
			check_problem(c, "%s: a key of %zu bytes", name, klen);
			continue;
		}
		struct history_pos want = { store_u64(key),
			store_time_of(store_u64(key + 8)),
			store_u64(key + 16) };
		store_key k;
		ProtobufCMessage *m;
		record_key(s, want.customer_id, want.at, want.id, &k);
		crm_status lr = store_get_msg(ctx->st, ctx->txn, s->db, &k,
		    s->d, &ctx->arena->allocator, &m);
		struct history_pos got = { 0 };
		if (lr == CRM_OK) {
			pos_of(s, m, &got);
			got.id = want.id;
		}
		if (lr == CRM_NOT_FOUND) {
			check_problem(c,
			    "%s: an entry for a missing %s %" PRIu64, name,
			    store_db_name(s->db), want.id);
		} else if (lr == CRM_OK &&
		           (got.customer_id != want.customer_id ||
		               got.at != want.at)) {
			check_problem(c,
			    "%s: %s %" PRIu64 " has another customer or time",
			    name, store_db_name(s->db), want.id);
		}
		crm_arena_release(ctx->arena, mark);
	}
	store_iter_close(&it);
	return CRM_OK;
}

crm_status
history_check(struct check *c)
{
	crm_status rc = CRM_OK;
	for (int i = 0; rc == CRM_OK && i < HIST_SOURCES; i++) {
		if (sources[i].key == KEY_TIME) {
			continue; /* their own entries: event_check */
		}
		rc = each_record(c->ctx, &sources[i], check_one, c);
		if (rc == CRM_OK) {
			rc = check_entries(c, &sources[i]);
		}
	}
	return rc;
}
