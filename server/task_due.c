/* SPDX-License-Identifier: MIT */
/*
 * task_due.c: the task queue: `due` (a person's, a named rep's or a
 * team's open tasks by due time, overdue first) and task_collect, the
 * merge of task_open index ranges it and the reminders read.
 */
#include "task.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "crm.h"
#include "handlers.h"
#include "queues.h"
#include "scope.h"
#include "store_schema.h"
#include "task_internal.h"
#include "user.h"

#define DUE_DEFAULT_LIMIT 200
#define DUE_MAX_LIMIT     1000

static int
by_due(const void *a, const void *b)
{
	const Crm__V1__Task *x = *(Crm__V1__Task *const *)a;
	const Crm__V1__Task *y = *(Crm__V1__Task *const *)b;
	if (x->due_at != y->due_at) {
		return x->due_at < y->due_at ? -1 : 1;
	}
	return x->id < y->id ? -1 : (x->id > y->id);
}

struct collect {
	Crm__V1__Task **tasks;
	size_t *count, cap;
	int *more;
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
	Crm__V1__Task *t;
	crm_status rc = dispatch_list_record(ctx, DB_TASKS, id,
	    &crm__v1__task__descriptor, (ProtobufCMessage **)&t);
	if (rc == CRM_OK) {
		t->owner = (char *)user_login_of(ctx, t->owner_id);
		task_fill_customer(ctx, t);
		c->tasks[(*c->count)++] = t;
	}
	return rc;
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
	struct collect c = { tasks, count, cap, more };
	return queues_merge(
	    ctx, DB_TASK_OPEN, owners, n, 0, INT64_MIN, until, take_task, &c);
}

crm_status
task_collect(struct req_ctx *ctx, uint64_t owner, int64_t until,
    Crm__V1__Task **tasks, size_t *n, size_t cap, int *more)
{
	return collect(ctx, &owner, 1, until, tasks, n, cap, more);
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
	out->tasks = crm_arena_alloc(ctx->arena, cap * sizeof(*out->tasks));
	if (out->tasks == NULL) {
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
	int more = 0;
	if (rc == CRM_OK) {
		rc = collect(
		    ctx, ids, n, until, out->tasks, &out->n_tasks, cap, &more);
	}
	if (ids != &one) {
		free(ids);
	}
	out->has_more = out->more = more;
	if (rc != CRM_OK) {
		return rc;
	}
	qsort(out->tasks, out->n_tasks, sizeof(*out->tasks), by_due);
	resp->body_case = CRM__V1__RESPONSE__BODY_TASKS;
	resp->tasks = out;
	return CRM_OK;
}
