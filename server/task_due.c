/* SPDX-License-Identifier: MIT */
/*
 * task_due.c: the task queue: `due` (a person's, a named rep's or a
 * team's open tasks by due time, overdue first) and task_collect, the
 * merge of task_open index ranges it and the reminders read.
 *
 * Each task_open entry (owner || due || task id) holds the task as `due`
 * shows it: the task record packed with its customer's name, grade and
 * stage (issue 19), so a due page is one index range and unpacks
 * nothing: the stored bytes go into the reply as they are, each with its
 * owner's login appended (looked up once per owner of the page). The
 * values follow every change: task_put writes them (task_due_index), a
 * customer's change of name, grade or stage rewrites its open tasks'
 * (task_due_on_customer), crm-check compares each with the records
 * (task_due_value_ok) and schema 12 filled them (task_due_reindex).
 */
#include "task.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "crm.h"
#include "crm_pb_scan.h"
#include "customer.h"
#include "handlers.h"
#include "queues.h"
#include "scope.h"
#include "store_schema.h"
#include "task_internal.h"
#include "user.h"

#define DUE_DEFAULT_LIMIT 200
#define DUE_MAX_LIMIT     1000

/* ---------------------------------------------------- the entry values */

/*
 * The task_open value of open task t, whose customer is c (NULL: it does
 * not load, and due shows no customer fields, as before the values):
 * t packed with c's name, grade and stage, without its owner's login.
 * Into ctx->arena. Errors: CRM_TOO_BIG (the arena is full).
 */
static crm_status
due_value(struct req_ctx *ctx, const Crm__V1__Task *t,
    const Crm__V1__Customer *c, uint8_t **buf, size_t *len)
{
	Crm__V1__Task v = *t;
	v.owner = NULL;
	v.customer = c != NULL ? c->name : NULL;
	v.has_grade = c != NULL && c->has_grade;
	v.grade = c != NULL ? c->grade : 0;
	v.has_stage = c != NULL && c->has_stage;
	v.stage = c != NULL ? c->stage : 0;
	*len = crm__v1__task__get_packed_size(&v);
	*buf = crm_arena_alloc(ctx->arena, *len ? *len : 1);
	if (*buf == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__task__pack(&v, *buf);
	return CRM_OK;
}

/* t's customer for its entry value: NULL when it does not load (as
 * task_fill_customer leaves the fields unset). */
static const Crm__V1__Customer *
due_customer(struct req_ctx *ctx, const Crm__V1__Task *t)
{
	Crm__V1__Customer *c;
	return task_load_customer(ctx, t->customer_id, &c) == CRM_OK ? c
	                                                             : NULL;
}

crm_status
task_due_put(
    struct req_ctx *ctx, const Crm__V1__Task *t, const Crm__V1__Customer *c)
{
	size_t mark = crm_arena_mark(ctx->arena);
	if (c == NULL) {
		c = due_customer(ctx, t);
	}
	uint8_t *buf;
	size_t len;
	store_key k;
	store_key_triple(&k, t->owner_id, store_time_key(t->due_at), t->id);
	crm_status rc = due_value(ctx, t, c, &buf, &len);
	if (rc == CRM_OK) {
		rc = store_put(
		    ctx->st, ctx->txn, DB_TASK_OPEN, k.b, k.len, buf, len);
	}
	crm_arena_release(ctx->arena, mark);
	return rc;
}

crm_status
task_due_index(struct req_ctx *ctx, const Crm__V1__Task *before,
    const Crm__V1__Task *after)
{
	store_key ok, nk;
	const store_key *o =
	    before != NULL ? store_key_queue(&ok, task_is_open(before),
	                         before->owner_id, before->due_at, before->id)
	                   : NULL;
	const store_key *n = store_key_queue(&nk, task_is_open(after),
	    after->owner_id, after->due_at, after->id);
	crm_status rc = CRM_OK;
	if (o != NULL && (n == NULL || o->len != n->len ||
	                     memcmp(o->b, n->b, o->len) != 0)) {
		rc = store_del(ctx->st, ctx->txn, DB_TASK_OPEN, o);
	}
	if (rc == CRM_OK && n != NULL) {
		rc = task_due_put(ctx, after, NULL);
	}
	return rc;
}

static int
same_text(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

crm_status
task_due_on_customer(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	/* A new customer has no tasks yet; the rest only when what due
	 * shows of it changed. */
	if (before == NULL || (same_text(before->name, after->name) &&
	                          before->has_grade == after->has_grade &&
	                          before->grade == after->grade &&
	                          before->has_stage == after->has_stage &&
	                          before->stage == after->stage)) {
		return CRM_OK;
	}
	uint64_t id = 0;
	crm_status rc;
	while ((rc = store_index_next(ctx->st, ctx->txn, DB_TASK_CUST,
	            after->id, id, &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Task *t;
		rc = dispatch_list_record(ctx, DB_TASKS, id,
		    &crm__v1__task__descriptor, (ProtobufCMessage **)&t);
		if (rc == CRM_OK && task_is_open(t) &&
		    t->customer_id == after->id) {
			rc = task_due_put(ctx, t, after);
		}
		crm_arena_release(ctx->arena, mark);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

int
task_due_value_ok(
    struct req_ctx *ctx, const Crm__V1__Task *t, const void *v, size_t n)
{
	size_t mark = crm_arena_mark(ctx->arena);
	uint8_t *buf;
	size_t len;
	int ok =
	    due_value(ctx, t, due_customer(ctx, t), &buf, &len) == CRM_OK &&
	    len == n && memcmp(buf, v, n) == 0;
	crm_arena_release(ctx->arena, mark);
	return ok;
}

crm_status
task_due_reindex(struct req_ctx *ctx)
{
	uint64_t id = 0;
	crm_status rc = CRM_OK;
	while (rc == CRM_OK &&
	       store_id_next(ctx->st, ctx->txn, DB_TASKS, id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Task *t;
		rc = dispatch_list_record(ctx, DB_TASKS, id,
		    &crm__v1__task__descriptor, (ProtobufCMessage **)&t);
		if (rc == CRM_OK && task_is_open(t)) {
			rc = task_due_put(ctx, t, NULL);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

/* ---------------------------------------------------- due */

struct collect {
	Crm__V1__Task **tasks;
	size_t *count, cap;
	int *more;
	uint64_t owner_id; /* the last owner's login, looked up once */
	const char *owner;
};

/* A task of a merge of task_open queues. */
static crm_status
take_task(struct req_ctx *ctx, struct store_iter *it, uint64_t id, int64_t at,
    void *arg, int *full)
{
	struct collect *c = arg;
	(void)it, (void)at;
	if (*c->count == c->cap) {
		if (c->more != NULL) {
			*c->more = 1;
		}
		*full = 1;
		return CRM_OK;
	}
	const void *v;
	size_t n;
	if (!store_iter_data(it, &v, &n) || n == 0) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "task_open %" PRIu64
		    " has no value (crm-check reports it)",
		    id);
	}
	Crm__V1__Task *t = crm__v1__task__unpack(&ctx->arena->allocator, n, v);
	if (t == NULL) {
		/* A full arena is not damage (the caller pages). */
		Crm__V1__Task *m = crm__v1__task__unpack(NULL, n, v);
		if (m != NULL) {
			crm__v1__task__free_unpacked(m, NULL);
			return CRM_TOO_BIG;
		}
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "task_open %" PRIu64
		    " does not decode (crm-check reports it)",
		    id);
	}
	if (c->owner == NULL || c->owner_id != t->owner_id) {
		c->owner_id = t->owner_id;
		c->owner = user_login_of(ctx, t->owner_id);
	}
	t->owner = (char *)c->owner;
	c->tasks[(*c->count)++] = t;
	return CRM_OK;
}

/*
 * The open tasks of owners[0..n) due by until, earliest first across
 * all of them (queues.h: a team's list is its earliest tasks, not its
 * first reps'), appended to tasks[*count..cap): only those are loaded.
 * *more (may be NULL): some were left out at cap.
 */
static crm_status
collect(struct req_ctx *ctx, const uint64_t *owners, size_t n, int64_t until,
    Crm__V1__Task **tasks, size_t *count, size_t cap, int *more)
{
	struct collect c = { tasks, count, cap, more, 0, NULL };
	return queues_merge(
	    ctx, DB_TASK_OPEN, owners, n, 0, INT64_MIN, until, take_task, &c);
}

crm_status
task_collect(struct req_ctx *ctx, uint64_t owner, int64_t until,
    Crm__V1__Task **tasks, size_t *n, size_t cap, int *more)
{
	return collect(ctx, &owner, 1, until, tasks, n, cap, more);
}

/* ---------------------------------------------------- due's reply */

/* v as a varint at p; returns its length. */
static size_t
wire_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	for (; v >= 0x80; v >>= 7) {
		p[n++] = (uint8_t)(v | 0x80);
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * Whether v[0..n) is well-formed protobuf wire data (every field's tag,
 * varint and length within it), with Task.owner_id in *owner, kind in
 * *kind and customer_id in *customer.
 * What due sends as it is stored must at least frame as a message: a
 * damaged value is an error naming it, not a reply the client cannot
 * read. (crm-check compares each value with the records.)
 */
static int
wire_ok(const uint8_t *p, size_t n, uint64_t *owner, uint64_t *kind,
    uint64_t *customer)
{
	const uint8_t *end = p + n;
	struct crm_pb_field f;
	*owner = *kind = *customer = 0;
	while (crm_pb_next(&p, end, &f)) {
		if (f.type == 0 && f.number == 4) {
			*owner = f.v;
		} else if (f.type == 0 && f.number == 7) {
			*kind = f.v;
		} else if (f.type == 0 && f.number == 2) {
			*customer = f.v;
		}
	}
	return p == end;
}

/*
 * The entry value v[0..*n) of someone else's task as ctx->who may see it:
 * as it is, or, on a customer they may not see (customer_may_see: an admin
 * of a manager's team holds it on another team's customer), without the
 * customer's name, grade and stage or the goal, packed again into
 * ctx->arena. Only a manager's view asks: an admin sees every customer,
 * and a person's own open tasks are on customers they see (a customer
 * given to someone else takes along the open work its holders may no
 * longer see: lifecycle_given). Errors: CRM_TOO_BIG.
 */
static crm_status
shown_entry(struct req_ctx *ctx, uint64_t customer, const void **v, size_t *n)
{
	if (customer_may_see(ctx, customer)) {
		return CRM_OK;
	}
	Crm__V1__Task *t = crm__v1__task__unpack(NULL, *n, *v);
	if (t == NULL) {
		return CRM_INTERNAL; /* framed already: memory */
	}
	Crm__V1__Task h = *t;
	h.customer = CUSTOMER_HIDDEN;
	h.has_customer_id = 0;
	h.customer_id = 0;
	h.goal = NULL;
	h.has_grade = h.has_stage = 0;
	size_t len = crm__v1__task__get_packed_size(&h);
	uint8_t *buf = crm_arena_alloc(ctx->arena, len ? len : 1);
	if (buf != NULL) {
		crm__v1__task__pack(&h, buf);
	}
	crm__v1__task__free_unpacked(t, NULL);
	*v = buf;
	*n = len;
	return buf != NULL ? CRM_OK : CRM_TOO_BIG;
}

/* A due page as the stored entry values, each with its owner's login
 * appended (Task.owner, field 5: a field appended to a message's bytes
 * is that field set), sent as TaskList.tasks (field 1) without being
 * unpacked or packed again: protobuf-c packs a message's unknown fields
 * as they are (tag, then data: for a length-delimited one, its length
 * and bytes), after its known ones. */
struct page {
	ProtobufCMessageUnknownField *f;
	size_t n, cap;
	int more;
	uint64_t owner_id; /* the last owner's login, looked up once */
	const char *owner;
	size_t owner_len;
	uint64_t kind; /* only tasks of this kind (0: every kind) */
};

static crm_status
take_entry(struct req_ctx *ctx, struct store_iter *it, uint64_t id, int64_t at,
    void *arg, int *full)
{
	struct page *pg = arg;
	(void)at;
	const void *v;
	size_t n;
	uint64_t owner, kind, customer;
	if (!store_iter_data(it, &v, &n) || n == 0) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "task_open %" PRIu64
		    " has no value (crm-check reports it)",
		    id);
	}
	if (!wire_ok(v, n, &owner, &kind, &customer)) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "task_open %" PRIu64
		    " does not decode (crm-check reports it)",
		    id);
	}
	if (pg->kind != 0 && kind != pg->kind) {
		return CRM_OK;
	}
	if (pg->n == pg->cap) {
		pg->more = 1;
		*full = 1;
		return CRM_OK;
	}
	if (pg->owner == NULL || pg->owner_id != owner) {
		pg->owner_id = owner;
		pg->owner = user_login_of(ctx, owner);
		pg->owner_len = strlen(pg->owner);
	}
	if (owner != ctx->who->user_id) {
		crm_status rc = shown_entry(ctx, customer, &v, &n);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	/* The value points into the map, which the read ends before the
	 * reply is packed: copied, with the owner field after it, behind
	 * the length an unknown field's data starts with. */
	uint8_t owner_head[11];
	size_t head = 1 + wire_put_varint(owner_head + 1, pg->owner_len);
	owner_head[0] = 5 << 3 | 2;
	size_t body = n + head + pg->owner_len;
	uint8_t *buf = crm_arena_alloc(ctx->arena, 10 + body);
	if (buf == NULL) {
		return CRM_TOO_BIG;
	}
	uint8_t *p = buf + wire_put_varint(buf, body);
	memcpy(p, v, n);
	memcpy(p + n, owner_head, head);
	memcpy(p + n + head, pg->owner, pg->owner_len);
	p += body;
	ProtobufCMessageUnknownField *f = &pg->f[pg->n++];
	f->tag = 1;
	f->wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	f->len = (size_t)(p - buf);
	f->data = buf;
	return CRM_OK;
}

/* The users ctx->who manages (a team's queue), into *ids (caller frees
 * with free()). */
static crm_status
team_members(struct req_ctx *ctx, uint64_t **ids, size_t *n)
{
	size_t cap = 16;
	uint64_t id = 0;
	*n = 0;
	*ids = crm_xmalloc(cap * sizeof(**ids));
	while (store_id_next(ctx->st, ctx->txn, DB_USERS, id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__UserRecord *u;
		crm_status rc = user_get(ctx, id, &u);
		if (rc != CRM_OK) {
			return dispatch_fail(ctx, CRM_INTERNAL,
			    "user %" PRIu64 " does not load", id);
		}
		int mine = auth_manages(ctx->who, u->team_id);
		crm_arena_release(ctx->arena, mark);
		if (mine) {
			if (*n == cap) {
				cap *= 2;
				*ids = crm_xrealloc(*ids, cap * sizeof(**ids));
			}
			(*ids)[(*n)++] = id;
		}
	}
	return CRM_OK;
}

crm_status
task_handle_due(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__DueRequest *r = req->due;
	int64_t until;
	/* No task has these kinds: a page of them would always be empty,
	 * and say nothing of where they are. */
	const char *where =
	    r->has_kind ? crm_task_kind_elsewhere(r->kind) : NULL;
	if (where != NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "due.kind",
		    "no task has kind %s: %s",
		    crm_enum_name(&crm__v1__task_kind__descriptor, r->kind),
		    where);
	}
	switch (r->has_window ? r->window : CRM__V1__DUE_WINDOW__DUE_TODAY) {
	case CRM__V1__DUE_WINDOW__DUE_OVERDUE:
		until = ctx->now - 1;
		break;
	case CRM__V1__DUE_WINDOW__DUE_WEEK:
		until = ctx->now + 7 * 86400;
		break;
	case CRM__V1__DUE_WINDOW__DUE_ALL:
		until = INT64_MAX;
		break;
	default:
		until = task_end_of_today(ctx->now);
		break;
	}
	size_t cap = r->has_limit && r->limit ? r->limit : DUE_DEFAULT_LIMIT;
	if (cap > DUE_MAX_LIMIT) {
		cap = DUE_MAX_LIMIT;
	}
	Crm__V1__TaskList *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__task_list__init(out);
	out->has_now_at = 1;
	out->now_at = ctx->now;
	struct page pg = { .cap = cap,
		.kind = r->has_kind ? (uint64_t)r->kind : 0 };
	pg.f = crm_arena_alloc(ctx->arena, cap * sizeof(*pg.f));
	if (pg.f == NULL) {
		return CRM_TOO_BIG;
	}
	crm_status rc = CRM_OK;
	uint64_t one = ctx->who->user_id, *ids = &one;
	size_t n = 1;
	if (r->user != NULL && *r->user) {
		Crm__Store__UserRecord *u;
		int found = user_by_login(ctx, r->user, &u) == CRM_OK;
		/* A rep's queue is their own: said alike for any other name,
		 * so it tells nothing of who exists. */
		if ((!found || u->id != ctx->who->user_id) &&
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "reps see their own tasks (due without --user); "
			    "ask your manager for %s's",
			    r->user);
		}
		rc = scope_user(ctx, r->user, &u);
		if (rc != CRM_OK) {
			return rc;
		}
		one = u->id;
	} else if (r->whole_team) {
		if (ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "the team's queue is for managers");
		}
		rc = team_members(ctx, &ids, &n);
	}
	/* Earliest first, ties by id (queues.h): the page's order. */
	if (rc == CRM_OK) {
		rc = queues_merge(ctx, DB_TASK_OPEN, ids, n, 0, INT64_MIN,
		    until, take_entry, &pg);
	}
	if (ids != &one) {
		free(ids);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	out->has_more = out->more = pg.more;
	out->base.n_unknown_fields = (unsigned)pg.n;
	out->base.unknown_fields = pg.f;
	resp->body_case = CRM__V1__RESPONSE__BODY_TASKS;
	resp->tasks = out;
	return CRM_OK;
}
