/* SPDX-License-Identifier: MIT */
/*
 * followup.c: follow-up records (跟进记录): log (the timeline that shows
 * them is history.c). A log is one write transaction: the record,
 * the stage change, the commitments, the completion of the open follow-up
 * task, the next task (from next_action, else the grade's cadence), the
 * customer's first and last contact, stopped SLA clocks and the audit
 * records.
 * Any error aborts the nested transaction, so nothing is half done.
 */
#include "followup.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "audit.h"
#include "auth.h"
#include "changes.h"
#include "crm.h"
#include "crm_enum.h"
#include "crm_utf8.h"
#include "customer.h"
#include "handlers.h"
#include "history.h"
#include "lifecycle.h"
#include "policy.h"
#include "scope.h"
#include "signals.h"
#include "sla.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define MAX_COMMITMENTS CRM_FOLLOWUP_MAX_COMMITMENTS
#define MAX_CONTACTS    16
#define FUTURE_SLACK \
	600 /* clocks differ a little (as LIFECYCLE_FUTURE_GRACE) */

/* ---------------------------------------------------- record API */

static crm_status
fu_load(struct req_ctx *ctx, uint64_t id, Crm__V1__FollowUp **f)
{
	return dispatch_record(ctx, DB_FOLLOWUPS, id,
	    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)f);
}

crm_status
followup_move(struct req_ctx *ctx, uint64_t id, uint64_t to)
{
	Crm__V1__FollowUp *before, *f;
	crm_status rc = fu_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = fu_load(ctx, id, &f);
	}
	if (rc == CRM_OK) {
		rc = store_index_del(
		    ctx->st, ctx->txn, DB_FU_CUST, before->customer_id, id);
	}
	if (rc == CRM_OK) {
		rc = store_index_add(ctx->st, ctx->txn, DB_FU_CUST, to, id);
	}
	if (rc == CRM_OK) {
		f->customer_id = to;
		rc = stats_on_followup(ctx, before, f);
	}
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_FOLLOWUP,
		    (const ProtobufCMessage *)before, &f->base);
	}
	if (rc == CRM_OK) {
		store_key k;
		store_key_id(&k, id);
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_FOLLOWUPS, &k, &f->base);
	}
	if (rc == CRM_OK) {
		rc = changes_record(
		    ctx, CRM__V1__CHANGE_KIND__CHANGE_FOLLOWUP, id, to);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "followup", id, &before->base, &f->base);
	}
	return rc;
}

static crm_status followup_find_at(struct req_ctx *ctx, uint64_t customer_id,
    int64_t at, const Crm__V1__FollowUp *row, unsigned *left, uint64_t *id);

crm_status
followup_find(struct req_ctx *ctx, uint64_t customer_id,
    const Crm__V1__FollowUp *row, unsigned nth, uint64_t *id)
{
	unsigned left = nth > 0 ? nth : 1;
	int64_t at = row->happened_at;
	int64_t minute = at - at % 60;
	/* Only the follow-ups of that minute (the timeline's index): never
	 * every record of the customer. The minute, not the second, both
	 * ways: export writes a time's seconds when it has them, but a file
	 * that writes minutes (an older export, a sheet kept by hand) names
	 * a follow-up logged live with its seconds by its minute alone, and
	 * a row with seconds may meet a record of the whole minute. Rows of
	 * one minute are then of one kind as crm import counts them
	 * (cmd_import.c fu_matches), so every order of such rows finds and
	 * adds the same; a relation one way only (a whole minute finds a
	 * second, not back) made the count depend on the rows' order. Its
	 * own second first: the record an export row came from is the one
	 * named. */
	crm_status rc = followup_find_at(ctx, customer_id, at, row, &left, id);
	for (int64_t s = 0; s < 60 && rc == CRM_NOT_FOUND; s++) {
		if (minute + s != at) {
			rc = followup_find_at(
			    ctx, customer_id, minute + s, row, &left, id);
		}
	}
	return rc;
}

/* Whether texts a and b are the same but for blanks at either end: an
 * import keeps a cell without them (crm_utf8_trim), so a summary logged
 * with them comes back from its export without them. */
static int
same_text(const char *a, const char *b)
{
	size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
	const char *ta = na ? crm_utf8_trim(a, &na) : "";
	const char *tb = nb ? crm_utf8_trim(b, &nb) : "";
	return na == nb && memcmp(ta, tb, na) == 0;
}

/* Whether stored follow-up f is what row says: its summary, and each of
 * the channel, author, feedback and mood the row gives (a column a file
 * lacks, or an empty cell, says nothing). */
static int
same_followup(struct req_ctx *ctx, const Crm__V1__FollowUp *f,
    const Crm__V1__FollowUp *row)
{
	if (!same_text(f->summary, row->summary)) {
		return 0;
	}
	if (row->has_channel && row->channel != 0 &&
	    (!f->has_channel || f->channel != row->channel)) {
		return 0;
	}
	if (row->has_mood && row->mood != 0 &&
	    (!f->has_mood || f->mood != row->mood)) {
		return 0;
	}
	if (row->feedback != NULL && *row->feedback &&
	    !same_text(f->feedback, row->feedback)) {
		return 0;
	}
	if (row->author != NULL && *row->author &&
	    !same_text(user_login_of(ctx, f->author_id), row->author)) {
		return 0;
	}
	return 1;
}

/* The *left-th follow-up the same as row at `at`: CRM_OK and *id, else
 * CRM_NOT_FOUND with *left less the ones met (for the next second). */
static crm_status
followup_find_at(struct req_ctx *ctx, uint64_t customer_id, int64_t at,
    const Crm__V1__FollowUp *row, unsigned *left, uint64_t *id)
{
	uint64_t fid = 0;
	crm_status rc;
	while (
	    (rc = history_followup_at(ctx, customer_id, at, &fid)) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__FollowUp *f;
		rc = fu_load(ctx, fid, &f);
		if (rc != CRM_OK) {
			return dispatch_fail(ctx, rc,
			    "follow-up %" PRIu64 " %s", fid,
			    rc == CRM_NOT_FOUND ? "is missing"
			                        : "does not load");
		}
		int same = same_followup(ctx, f, row);
		crm_arena_release(ctx->arena, mark);
		if (same && --*left == 0) {
			*id = fid;
			return CRM_OK;
		}
	}
	return rc;
}

/* The follow-up of cust at second `at` that says what `in` says, by
 * the caller (the same channel, summary, feedback, next action and stage
 * change), into *id; CRM_NOT_FOUND: none. */
static crm_status
same_at(struct req_ctx *ctx, const Crm__V1__FollowUp *in, uint64_t cust,
    int64_t at, uint64_t *id)
{
	uint64_t fid = 0;
	crm_status rc;
	while ((rc = history_followup_at(ctx, cust, at, &fid)) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__FollowUp *f;
		rc = fu_load(ctx, fid, &f);
		int same = rc == CRM_OK && f->author_id == ctx->who->user_id &&
		           f->channel == in->channel &&
		           same_text(f->summary, in->summary) &&
		           same_text(f->feedback, in->feedback) &&
		           same_text(f->next_action, in->next_action) &&
		           f->stage_to == in->stage_to &&
		           f->n_commitments == in->n_commitments &&
		           f->mood == in->mood;
		crm_arena_release(ctx->arena, mark);
		if (rc != CRM_OK) {
			return rc;
		}
		if (same) {
			*id = fid;
			return CRM_OK;
		}
	}
	return rc;
}

/*
 * A live follow-up the caller has logged already: the same customer,
 * second, author, channel and summary, saying the same stage change,
 * next action and feedback. Typed twice (the line run again, a service
 * retrying with a new request id), it would count twice in every report:
 * refused, naming the one there (Status.existing_id). Only one that
 * gives its time (happened_at): one without is dated when it was made,
 * and scripts and services log many alike in a second (a batch of
 * calls, each its commitments). One given a little ahead was taken as
 * when it was made (followup_log_as), each copy at its own second: not
 * looked for across seconds, where two calls nobody answered, the same
 * words a few minutes apart, are two (resend with the same request_id).
 * An import finds its rows itself (followup_find).
 */
static crm_status
log_not_twice(struct req_ctx *ctx, const Crm__V1__FollowUp *in, uint64_t cust)
{
	if (in->imported || !in->has_happened_at) {
		return CRM_OK;
	}
	uint64_t id = 0;
	crm_status rc = same_at(ctx, in, cust, in->happened_at, &id);
	if (rc == CRM_OK) {
		ctx->existing_id = id;
		return dispatch_fail_field(ctx, CRM_EXISTS,
		    "followup_log.followup.happened_at",
		    "follow-up %" PRIu64 " already records this contact (the "
		    "same time, channel and summary, by you): not logged "
		    "twice",
		    id);
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

/* ---------------------------------------------------- get */

/* The issues f's objections opened (sla.h), in the order they were
 * raised: the objection clocks of f's customer that name f. */
static crm_status
objection_issues(struct req_ctx *ctx, Crm__V1__FollowUp *f)
{
	Crm__V1__SlaClock **v =
	    crm_arena_alloc(ctx->arena, f->n_objections * sizeof(*v));
	if (v == NULL) {
		return CRM_TOO_BIG;
	}
	size_t n = 0;
	uint64_t id = 0;
	while (n < f->n_objections &&
	       store_index_next(ctx->st, ctx->txn, DB_SLA_CUST, f->customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__SlaClock *k;
		size_t mark = crm_arena_mark(ctx->arena);
		crm_status rc = sla_clock_load(ctx, id, &k);
		if (rc != CRM_OK) {
			return rc;
		}
		if (k->kind != CRM__V1__SLA_KIND__SLA_OBJECTION ||
		    k->followup_id != f->id) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		sla_clock_fill(ctx, k);
		v[n++] = k;
	}
	f->objection_issues = v;
	f->n_objection_issues = n;
	return CRM_OK;
}

crm_status
followup_fill_now(struct req_ctx *ctx, Crm__V1__FollowUp *f)
{
	for (size_t i = 0; i < f->n_commitments; i++) {
		Crm__V1__Commitment *now;
		if (f->commitments[i]->has_id &&
		    dispatch_record(ctx, DB_COMMITMENTS, f->commitments[i]->id,
		        &crm__v1__commitment__descriptor,
		        (ProtobufCMessage **)&now) == CRM_OK) {
			sla_commitment_fill(ctx, now);
			f->commitments[i] = now;
		}
	}
	f->author = (char *)user_login_of(ctx, f->author_id);
	attachment_fill(ctx, f);
	return f->n_objections > 0 ? objection_issues(ctx, f) : CRM_OK;
}

/*
 * followup.get: one follow-up, every field, for `followup show`. A
 * follow-up of a customer one may not see answers like one that does not
 * exist. Its commitments are read again, as they are now (kept, broken),
 * and so is its next task (next_task: moved, done).
 */
crm_status
followup_handle_get(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__FollowupGetRequest *r = req->followup_get;
	Crm__V1__FollowUp *f;
	Crm__V1__Customer *c;
	if (!r->has_id) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "followup_get.id", "give a follow-up id");
	}
	crm_status rc = fu_load(ctx, r->id, &f);
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, f->customer_id, &c);
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, rc, "no follow-up %" PRIu64, r->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	rc = followup_fill_now(ctx, f);
	if (rc != CRM_OK) {
		return rc;
	}
	/* The next task as it is now: the follow-up's next_due_at is what it
	 * said, the task may have moved or be done since. */
	Crm__V1__Task *t;
	if (f->has_next_task_id && f->next_task_id != 0 &&
	    dispatch_record(ctx, DB_TASKS, f->next_task_id,
	        &crm__v1__task__descriptor,
	        (ProtobufCMessage **)&t) == CRM_OK) {
		t->owner = (char *)user_login_of(ctx, t->owner_id);
		f->next_task = t;
	}
	f->customer = c->name;
	resp->body_case = CRM__V1__RESPONSE__BODY_FOLLOWUP;
	resp->followup = f;
	return CRM_OK;
}

/* ---------------------------------------------------- log */

static crm_status
check_score(struct req_ctx *ctx, const Crm__V1__Score *s)
{
	uint32_t v[4] = { s->timeliness, s->efficiency, s->professionalism,
		s->proactiveness };
	protobuf_c_boolean has[4] = { s->has_timeliness, s->has_efficiency,
		s->has_professionalism, s->has_proactiveness };
	static const char *const name[4] = { "score.timeliness",
		"score.efficiency", "score.professionalism",
		"score.proactiveness" };
	for (int i = 0; i < 4; i++) {
		if (!has[i] || v[i] < 1 || v[i] > 5) {
			return dispatch_fail_field(ctx, CRM_EINVAL, name[i],
			    "a score is four numbers 1-5 (timeliness, "
			    "efficiency, professionalism, proactiveness)");
		}
	}
	if (s->n_evidence > 4) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "score.evidence",
		    "at most one evidence sentence per dimension");
	}
	return CRM_OK;
}

static crm_status
check_log(struct req_ctx *ctx, const Crm__V1__FollowUp *f, int history)
{
	if (f->summary == NULL || *f->summary == '\0') {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "summary", "a follow-up needs a summary");
	}
	/* Judged as of when it was made (Request.made_at): one kept
	 * offline happened by then, as a live one by now. */
	int64_t made = dispatch_at(ctx);
	if (f->has_happened_at && f->happened_at > made + FUTURE_SLACK) {
		if (made == ctx->now) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "happened_at",
			    "a follow-up cannot happen in the future");
		}
		char at[32], then[32];
		crm_time_format(f->happened_at, at, sizeof(at));
		crm_time_format(made, then, sizeof(then));
		return dispatch_fail_field(ctx, CRM_EINVAL, "happened_at",
		    "a follow-up cannot happen in the future: this one was "
		    "made %s, and says it happened %s",
		    then, at);
	}
	if (f->has_duration_min && f->duration_min > 24 * 60) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "duration_min",
		    "duration is minutes, at most a day");
	}
	if (f->n_commitments > MAX_COMMITMENTS ||
	    f->n_contact_names > MAX_CONTACTS) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    f->n_commitments > MAX_COMMITMENTS ? "commitments"
		                                       : "contact_names",
		    "at most %d commitments and %d contacts", MAX_COMMITMENTS,
		    MAX_CONTACTS);
	}
	for (size_t i = 0; i < f->n_commitments; i++) {
		const Crm__V1__Commitment *c = f->commitments[i];
		if (c->text == NULL || *c->text == '\0' || !c->has_due_at) {
			char at[48];
			snprintf(at, sizeof(at), "commitments[%zu].%s", i,
			    c->has_due_at ? "text" : "due_at");
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "a commitment needs a text and a due time");
		}
	}
	/* An import's row has columns, not options: it names the column
	 * it has, and the one to add or fill in. */
	if (f->next_action != NULL && *f->next_action && !f->has_next_due_at) {
		return f->imported
		           ? dispatch_fail_field(ctx, CRM_EINVAL,
		                 "next_action",
		                 "a next action needs its due time: add a "
		                 "下次跟进时间 (next_due_at) column, or fill "
		                 "it "
		                 "in for this row")
		           : dispatch_fail_field(ctx, CRM_EINVAL,
		                 "next_due_at",
		                 "a next action needs a due time (--due)");
	}
	/* An import's row may give a next follow-up time alone (a sheet's
	 * 下次跟进时间): the next follow-up is then planned at it. */
	if (f->has_next_due_at && !f->imported &&
	    (f->next_action == NULL || !*f->next_action)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "next_action",
		    "a due time needs a next action (--next)");
	}
	/* An imported row's next follow-up was planned by its contact:
	 * never before it (a live --due in the past is refused). */
	if (f->imported && f->has_next_due_at && f->has_happened_at &&
	    f->next_due_at < f->happened_at) {
		char due[40], when[40];
		crm_time_format(f->next_due_at, due, sizeof(due));
		crm_time_format(f->happened_at, when, sizeof(when));
		return dispatch_fail_field(ctx, CRM_EINVAL, "next_due_at",
		    "下次跟进时间 (next_due_at) %s is before 跟进时间 "
		    "(happened_at) %s: a next follow-up is planned after the "
		    "contact that planned it; fix one of them",
		    due, when);
	}
	/* A plan is from now on; an imported follow-up is history, its
	 * next action as it was. */
	/* A due time is checked where it will be planned: a history-only
	 * follow-up keeps its next action as said, whenever it was due. */
	if (f->has_next_due_at && !f->imported && !history) {
		crm_status rc = task_due_check(ctx, f->next_due_at, "--due");
		if (rc == CRM_EINVAL) {
			snprintf(
			    ctx->field, sizeof(ctx->field), "next_due_at");
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (f->score != NULL) {
		crm_status rc = check_score(ctx, f->score);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	return signals_check_log(ctx, f);
}

crm_status
followup_handle_log(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	return followup_log_as(ctx, req, resp, NULL);
}

/* The customer in names, by id or by name (a follow-up written offline,
 * the shell's outbox, names the customer as typed; companies first, then
 * people): both given must name the same one. One the caller may not see
 * answers like none at all. */
static crm_status
log_customer(struct req_ctx *ctx, const Crm__V1__FollowUp *in, uint64_t *cust)
{
	*cust = in != NULL && in->has_customer_id ? in->customer_id : 0;
	int named = in != NULL && in->customer != NULL && *in->customer;
	if (named && *cust != 0) {
		uint64_t id = 0;
		if (customer_find(ctx, in->customer, &id) != CRM_OK ||
		    id != *cust) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "followup_log.followup.customer",
			    "customer_id %" PRIu64
			    " and customer '%s' are not "
			    "the same customer: send one of them",
			    *cust, in->customer);
		}
	}
	if (named && *cust == 0) {
		crm_status rc = customer_find(ctx, in->customer, cust);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (*cust == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "followup_log.followup.customer_id",
		    "a follow-up needs a customer");
	}
	return CRM_OK;
}

/* At most this many entries of a customer's range are read ahead. */
#define PREFETCH_MAX 4096

/* followup.log's prepare step, in the worker's read transaction: read
 * the pages the log will change (the customer's range, its open
 * follow-up task, that task's entry in its holder's due queue), so the
 * writer, one thread for every write, finds them in memory rather than
 * waiting for the disk while every other write waits. Reads only, and
 * says nothing: what it meets (no such customer, no open task) is the
 * writer's to find and say. */
crm_status
followup_prepare_log(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)resp;
	size_t mark = crm_arena_mark(ctx->arena);
	uint64_t cust = 0;
	Crm__V1__Customer *c;
	if (req->followup_log != NULL &&
	    log_customer(ctx, req->followup_log->followup, &cust) == CRM_OK &&
	    dispatch_record(ctx, DB_CUSTOMERS, cust,
	        &crm__v1__customer__descriptor,
	        (ProtobufCMessage **)&c) == CRM_OK) {
		(void)store_customer_touch(
		    ctx->st, ctx->txn, cust, PREFETCH_MAX);
		/* A lost customer's or one in the pool: every open task of it
		 * ends, each found among all of its tasks. */
		task_prefetch_followup(ctx, cust,
		    c->stage == CRM__V1__STAGE__STAGE_LOST ||
		        c->owner_id == 0);
	}
	crm_arena_release(ctx->arena, mark);
	return CRM_OK;
}

/* The record of a new follow-up on c: built from what a client may set
 * in in; the rest (id, author, times, late, team, grade) is the
 * server's. *out: in the request arena. */
static crm_status
log_record(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const struct followup_import *imp, const Crm__V1__Customer *c,
    const Crm__V1__Policy *pol, Crm__V1__FollowUp **out)
{
	Crm__V1__FollowUp *f = crm_arena_alloc(ctx->arena, sizeof(*f));
	if (f == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__follow_up__init(f);
	crm_status rc = store_next_id(ctx->st, ctx->txn, "followup", &f->id);
	if (rc != CRM_OK) {
		return rc;
	}
	f->has_id = f->has_customer_id = f->has_author_id = 1;
	f->has_happened_at = f->has_logged_at = f->has_late = 1;
	f->customer_id = c->id;
	f->author_id =
	    imp && imp->author_id ? imp->author_id : ctx->who->user_id;
	/* Logged when the rep typed it (dispatch_at(ctx): a follow-up kept
	 * offline and sent later is not late for the wait). */
	f->happened_at =
	    in->has_happened_at ? in->happened_at : dispatch_at(ctx);
	f->logged_at = dispatch_at(ctx);
	/* An import's row: logged when it was, after it happened. */
	if (imp != NULL && in->logged_at >= f->happened_at &&
	    in->logged_at <= ctx->now) {
		f->logged_at = in->logged_at;
	}
	f->has_channel = in->has_channel;
	f->channel = in->channel;
	f->has_duration_min = in->has_duration_min;
	f->duration_min = in->duration_min;
	f->contact_names = in->contact_names;
	f->n_contact_names = in->n_contact_names;
	f->participants = in->participants;
	f->goal = in->goal;
	f->summary = in->summary;
	f->feedback = in->feedback;
	f->has_mood = in->has_mood;
	f->mood = in->mood;
	f->score = in->score;
	f->next_action = in->next_action;
	f->has_next_due_at = in->has_next_due_at;
	f->next_due_at = in->next_due_at;
	/* Late: logged more than 2 h (grade S) or 24 h (others) after the
	 * contact ended (seed 002: 沟通结束后2小时内; seed 001: 每次沟通后
	 * 24小时内): its time, plus its duration when given. */
	int64_t limit = c->grade == CRM__V1__GRADE__GRADE_S
	                    ? pol->late_s_seconds
	                    : pol->late_seconds;
	int64_t ended =
	    f->happened_at +
	    (f->has_duration_min ? (int64_t)f->duration_min * 60 : 0);
	f->late = !in->imported && f->logged_at - ended > limit;
	if (imp != NULL &&
	    signals_own_import(ctx, f->author_id, f->happened_at)) {
		/* A rep's own contact since they had crm: entered now. */
		f->logged_at = dispatch_at(ctx);
		f->late = f->logged_at - ended > limit;
	} else if (imp != NULL) {
		f->late = in->has_late && in->late; /* as its row says */
	}
	f->has_imported = in->imported;
	f->imported = in->imported;
	rc = attachment_take(
	    ctx, f, in->attachments, in->n_attachments, imp != NULL);
	if (rc != CRM_OK) {
		dispatch_field_prefix(ctx, "followup_log.followup.");
		return rc;
	}
	f->has_team_id = f->has_grade = 1;
	f->team_id = c->team_id;
	f->grade = c->grade;
	if (imp != NULL && in->has_grade && in->grade != 0) {
		f->grade = in->grade; /* the grade then, as its row says */
	}
	*out = f;
	return CRM_OK;
}

/* Step 0: f answers c's running SLA clocks (before a stage change in it
 * starts a churn clock), and may resolve an after-sales issue (its
 * solution clock stops only so). A call nobody answered (no_answer,
 * 未接通) answers nothing: the customer heard no response (seed 000:
 * 24小时内响应咨询, 2小时内初步响应, 3天内主动联系 are met by a contact
 * that reached them). */
static crm_status
log_clocks(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const Crm__V1__Customer *c, Crm__V1__FollowUp *f)
{
	crm_status rc =
	    in->no_answer || f->no_answer
	        ? CRM_OK
	        : sla_stop_customer(ctx, c->id, f->id, f->happened_at);
	if (rc == CRM_OK && in->has_resolves && in->resolves != 0) {
		f->has_resolves = 1;
		f->resolves = in->resolves;
		rc = sla_resolve(ctx, in->resolves, c->id, f->id,
		    f->summary ? f->summary : "", f->happened_at, NULL);
	}
	return rc;
}

/* Step 0b: c's first contact (首次接触时间) is the earliest contact known:
 * a follow-up before the one on record (a customer entered today, met
 * weeks ago) was the first, history only or not, so it moves back to
 * f's time, and the stage history begins no later (lifecycle.h): before
 * the stage change f may carry, which then follows it in the history.
 * Reports read the first contact from the record (report cycle counts
 * from it). */
static crm_status
log_first_contact(
    struct req_ctx *ctx, Crm__V1__Customer *c, const Crm__V1__FollowUp *f)
{
	if (c->has_first_contact_at && c->first_contact_at > 0 &&
	    f->happened_at >= c->first_contact_at) {
		return CRM_OK;
	}
	int64_t was = c->has_first_contact_at ? c->first_contact_at : 0;
	c->has_first_contact_at = 1;
	c->first_contact_at = f->happened_at;
	signals_first_back(ctx, c, was);
	return lifecycle_first_back(ctx, c);
}

/* What in says of a stage change, kept in f (applied or not). */
static void
said_stage(const Crm__V1__FollowUp *in, Crm__V1__FollowUp *f)
{
	f->has_stage_to = 1;
	f->stage_to = in->stage_to;
	f->stage_reason = in->stage_reason;
	f->has_lost_reason = in->has_lost_reason;
	f->lost_reason = in->lost_reason;
	f->has_deal_amount = in->has_deal_amount;
	f->deal_amount = in->deal_amount;
	f->contract_terms = in->contract_terms;
}

/* f's reply notes: note added after those there, copied into the
 * arena. */
static crm_status
one_note(struct req_ctx *ctx, Crm__V1__FollowUp *f, const char *note)
{
	char **v = crm_arena_alloc(ctx->arena, (f->n_notes + 1) * sizeof(*v));
	char *copy = crm_arena_strdup(ctx->arena, note);
	if (v == NULL || copy == NULL) {
		return CRM_TOO_BIG;
	}
	if (f->n_notes > 0) {
		memcpy(v, f->notes, f->n_notes * sizeof(*v));
	}
	v[f->n_notes++] = copy;
	f->notes = v;
	return CRM_OK;
}

/* The reply's note of a stage f said but did not apply: the stage was
 * changed after f happened (latest). In the arena. */
static crm_status
stage_note(struct req_ctx *ctx, Crm__V1__FollowUp *f,
    const Crm__V1__StageChange *latest)
{
	char then[40], note[256];
	crm_time_format(latest->happened_at, then, sizeof(then));
	/* The first entry (from no stage): the stage the customer was
	 * entered or imported with, since then. An import's row has
	 * columns, not options. */
	snprintf(note, sizeof(note),
	    "the stage was %s after this follow-up (%s, %s%s): %s %s kept as "
	    "said, not applied",
	    latest->stage_from != 0 ? "changed" : "set", then,
	    latest->stage_from != 0 ? "to " : "",
	    crm_enum_name(&crm__v1__stage__descriptor, latest->stage_to),
	    f->imported ? "stage" : "--stage",
	    crm_enum_name(&crm__v1__stage__descriptor, (int)f->stage_to));
	return one_note(ctx, f, note);
}

/* The reply's note of a stage an imported row says was said, not
 * applied where it was written (stage_said). In the arena. */
static crm_status
said_note(struct req_ctx *ctx, Crm__V1__FollowUp *f)
{
	char note[160];
	snprintf(note, sizeof(note),
	    "stage %s kept as said, not applied (stage_said: it was not "
	    "applied where it was written)",
	    crm_enum_name(&crm__v1__stage__descriptor, (int)f->stage_to));
	return one_note(ctx, f, note);
}

/* Step 1's check of a client's follow-up: a deal (deal_amount,
 * contract_terms) goes with stage_to won, a lost reason with lost, as
 * stage.set and customer.add have them; a win of a customer won already
 * records no second deal. Said otherwise they were dropped without a
 * word. An import's row is the record as it was kept. */
static crm_status
log_stage_fields(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const Crm__V1__Customer *c, int older)
{
	if (in->imported) {
		return CRM_OK;
	}
	int to = in->has_stage_to ? (int)in->stage_to : 0;
	int deal = in->has_deal_amount && in->deal_amount != 0;
	int terms = in->contract_terms != NULL && *in->contract_terms;
	if ((deal || terms) && to != CRM__V1__STAGE__STAGE_WON) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    deal ? "followup_log.followup.deal_amount"
		         : "followup_log.followup.contract_terms",
		    "a deal goes with the stage won (stage_to = won, log "
		    "--stage won); a purchase of a customer won already: "
		    "purchase add");
	}
	if (in->has_lost_reason && in->lost_reason != 0 &&
	    to != CRM__V1__STAGE__STAGE_LOST) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "followup_log.followup.lost_reason",
		    "a lost reason goes with the stage lost (stage_to = "
		    "lost, log --stage lost)");
	}
	if ((deal || terms) && !older &&
	    c->stage == CRM__V1__STAGE__STAGE_WON) {
		return dispatch_fail_field(ctx, CRM_EPRECOND,
		    "followup_log.followup.stage_to",
		    "%s is already won: a win records one deal; a further "
		    "purchase: purchase add",
		    c->name ? c->name : "the customer");
	}
	return CRM_OK;
}

/* Step 1: the stage change f carries, if any (lifecycle.h); a refusal
 * names the follow-up's field. An older follow-up than c's last contact
 * (older) documents the past: what it said is kept in f (no stage_from:
 * it moved nothing), c's stage, won and lost fields and clocks stay. */
static crm_status
log_stage(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    Crm__V1__Customer *c, Crm__V1__FollowUp *f, int older)
{
	/* An imported row that names the stage it moved from is a move
	 * already made (export writes stage_from of applied moves only):
	 * its result is the customer's stage, from the customers file. */
	int made = in->imported && in->has_stage_from && in->stage_from != 0;
	/* One an export says was said, not applied (stage_said) stays so. */
	int said =
	    in->imported && !made && in->has_stage_said && in->stage_said;
	crm_status rc = log_stage_fields(ctx, in, c, older);
	if (rc != CRM_OK) {
		return rc;
	}
	if (!in->has_stage_to || in->stage_to == 0 ||
	    (!older && !made && !said && in->stage_to == c->stage)) {
		return CRM_OK;
	}
	said_stage(in, f);
	if (made) {
		f->has_stage_from = 1;
		f->stage_from = in->stage_from;
	}
	if (said && !older) {
		return said_note(ctx, f);
	}
	if (older || made || said) {
		return CRM_OK;
	}
	/* A stage decided after f (by `stage`, a later follow-up whose
	 * contact was not the last, or the stage the customer was imported
	 * with, since its stage_at: the first entry of its history): f's is
	 * kept as said, not applied, as an older follow-up's is; the history
	 * stays in order. */
	const Crm__V1__StageChange *latest = NULL;
	rc = lifecycle_stage_decided(ctx, c->id, &latest);
	if (rc != CRM_OK) {
		return rc;
	}
	if (latest != NULL && latest->happened_at > f->happened_at) {
		return stage_note(ctx, f, latest);
	}
	struct lifecycle_stage s = {
		.to = (int)in->stage_to,
		.reason = in->stage_reason,
		.lost_reason = in->has_lost_reason ? (int)in->lost_reason : 0,
		.deal_amount = in->has_deal_amount ? in->deal_amount : 0,
		.won_at = f->happened_at,
		.contract_terms = in->contract_terms,
		.followup_id = f->id,
		.at = f->happened_at,
	};
	f->has_stage_from = 1;
	f->stage_from = c->stage;
	rc = lifecycle_stage_apply(ctx, c, &s);
	if (rc != CRM_OK) {
		/* lifecycle names StageSetRequest's fields */
		const char *n = ctx->field;
		const char *field = strcmp(n, "stage") == 0 ? "stage_to"
		                    : *n == '\0'            ? NULL
		                                            : n;
		if (field != NULL) {
			char p[sizeof(ctx->field)];
			snprintf(p, sizeof(p), "followup_log.followup.%.200s",
			    field);
			memcpy(ctx->field, p, sizeof(p));
		}
	}
	return rc;
}

/* Whether commitment ci of imported follow-up in is closed as its row
 * says (sla_commitment_as_said: kept, kept late, released); broken is
 * open past its due time, and stays open. */
static int
closed_as_said(const Crm__V1__FollowUp *in, const Crm__V1__Commitment *ci)
{
	return in->imported && ci->has_status &&
	       (ci->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT ||
	           ci->status ==
	               CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE ||
	           ci->status ==
	               CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED);
}

/* What an imported commitment ci of a follow-up made at `made` says of
 * how it stands must hold together, or the row is refused: taken as it
 * comes, a kept one with no closed_at was kept now (kept late, counted
 * broken), one closed in the future closed now, and one said broken
 * before its due time open. Kept late is kept after its due time, so
 * either word stands for both. held: whom it counts for (held_by), not
 * before it fell due. */
static crm_status
imported_standing(struct req_ctx *ctx, const Crm__V1__Commitment *ci,
    int64_t made, uint64_t owner, uint64_t held)
{
	const char *text = ci->text ? ci->text : "";
	int status = ci->has_status ? (int)ci->status : 0;
	int closed =
	    status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT ||
	    status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE ||
	    status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED;
	char t[32];
	if (closed && (!ci->has_closed_at || ci->closed_at <= 0)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "commitments.closed_at",
		    "commitment '%s' is %s: give closed_at, when it was", text,
		    crm_enum_name(
		        &crm__v1__commitment_status__descriptor, status));
	}
	if (closed && (ci->closed_at > ctx->now || ci->closed_at < made)) {
		crm_time_format(ci->closed_at, t, sizeof(t));
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "commitments.closed_at",
		    "commitment '%s' was closed %s, %s", text, t,
		    ci->closed_at > ctx->now
		        ? "in the future"
		        : "before the follow-up that made it");
	}
	if (status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN &&
	    !(ci->due_at < ctx->now)) {
		crm_time_format(ci->due_at, t, sizeof(t));
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "commitments.status",
		    "commitment '%s' is said broken, but it is not due until "
		    "%s: open, it is broken only once that passes",
		    text, t);
	}
	if (held != 0 && held != owner && !(ci->due_at < ctx->now)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "commitments.held_by",
		    "commitment '%s' is not due yet: it counts for its owner "
		    "until then (held_by names who held the customer when a "
		    "promise fell due and was broken)",
		    text);
	}
	return CRM_OK;
}

/* Step 2: the commitments made in f (sla.h), each to someone who may be
 * given work on c (scope.h), but one an import brings closed. */
static crm_status
log_commitments(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const Crm__V1__Customer *c, Crm__V1__FollowUp *f)
{
	if (in->n_commitments > 0) {
		f->commitments = crm_arena_alloc(
		    ctx->arena, in->n_commitments * sizeof(*f->commitments));
		if (f->commitments == NULL) {
			return CRM_TOO_BIG;
		}
	}
	for (size_t i = 0; i < in->n_commitments; i++) {
		const Crm__V1__Commitment *ci = in->commitments[i];
		/* A promise falls due after it is made: one due before the
		 * follow-up that makes it would be broken as it exists (a
		 * typo costs the rep a broken promise). */
		if (ci->has_due_at && ci->due_at < f->happened_at) {
			char due[32], made[32];
			crm_time_format(ci->due_at, due, sizeof(due));
			crm_time_format(f->happened_at, made, sizeof(made));
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "commitments.due_at",
			    "commitment '%s' is due %s, before the follow-up "
			    "that makes it (%s): a promise falls due after it "
			    "is made",
			    ci->text ? ci->text : "", due, made);
		}
		uint64_t owner;
		crm_status rc =
		    scope_assignee(ctx, c, ci->owner, f->author_id, &owner);
		if (rc == CRM_EPRECOND && closed_as_said(in, ci)) {
			/* Closed as its row says (released when the customer
			 * went to the pool, kept): history, no work for its
			 * owner, who need not see the customer now. */
			Crm__Store__UserRecord *u;
			if (user_by_login(ctx, ci->owner, &u) == CRM_OK) {
				owner = u->id;
				ctx->msg[0] = '\0';
				rc = CRM_OK;
			}
		}
		if (rc == CRM_OK) {
			rc = sla_commitment_add(ctx, c, f->id, f->happened_at,
			    ci->text, owner, ci->due_at, &f->commitments[i]);
		}
		/* An imported one stands as its row says (kept, when; whom
		 * it counts for: import.c gives held_by's user). */
		uint64_t held = in->imported && ci->has_report_owner_id
		                    ? ci->report_owner_id
		                    : 0;
		if (rc == CRM_OK && in->imported) {
			rc = imported_standing(
			    ctx, ci, f->happened_at, owner, held);
		}
		if (rc == CRM_OK && in->imported) {
			rc = sla_commitment_as_said(ctx, f->commitments[i],
			    f->happened_at,
			    ci->has_status ? (int)ci->status : 0,
			    ci->closed_at, held);
		}
		if (rc != CRM_OK) {
			return rc;
		}
		f->n_commitments++;
	}
	return CRM_OK;
}

/* Step 3: c's last contact (a backdated log does not move it back), then
 * its saved state. A lost customer is followed no more: its next action
 * would be dropped, so it is refused (bring the customer back first); an
 * imported or older one is history and keeps its text only. */
static crm_status
log_contact(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const Crm__V1__Customer *before, Crm__V1__Customer *c,
    const Crm__V1__FollowUp *f, int older)
{
	if (!c->has_last_contact_at || f->happened_at > c->last_contact_at) {
		c->has_last_contact_at = 1;
		c->last_contact_at = f->happened_at;
	}
	crm_status rc = customer_save(ctx, before, c);
	if (rc == CRM_OK && f->next_action != NULL && *f->next_action &&
	    c->stage == CRM__V1__STAGE__STAGE_LOST && !in->imported &&
	    !older) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "%s is lost: a lost customer gets no next action; bring "
		    "it back first (stage %s intent, or log ... --stage "
		    "intent), then plan the next step",
		    c->name ? c->name : "the customer",
		    c->name ? c->name : "ID");
	}
	return rc;
}

/* The note of the reply to an older follow-up than c's last contact
 * (step 8): history only, and what it said that was not applied (an
 * import's row in its own words: import.c gives the note to the row's
 * result). Never refused: a visit typed offline (the shell's outbox) and
 * sent after a newer one was logged would be lost. The note is in the
 * arena. */
static crm_status
log_history_note(
    struct req_ctx *ctx, const Crm__V1__Customer *c, Crm__V1__FollowUp *f)
{
	char last[40], note[256];
	crm_time_format(c->last_contact_at, last, sizeof(last));
	int n = snprintf(note, sizeof(note),
	    "older than the last contact (%s): history only; the stage and "
	    "the next follow-up stay as they are",
	    last);
	if (f->has_stage_to && f->stage_to != 0 && n > 0 &&
	    (size_t)n < sizeof(note)) {
		n += snprintf(note + n, sizeof(note) - (size_t)n,
		    "; %s %s kept as said, not applied",
		    f->imported ? "stage" : "--stage",
		    crm_enum_name(
		        &crm__v1__stage__descriptor, (int)f->stage_to));
	}
	if ((f->next_action == NULL || !*f->next_action) &&
	    f->has_next_due_at && f->imported && n > 0 &&
	    (size_t)n < sizeof(note)) {
		/* A sheet's 下次跟进时间 alone. */
		char due[40];
		crm_time_format(f->next_due_at, due, sizeof(due));
		n += snprintf(note + n, sizeof(note) - (size_t)n,
		    "; next follow-up time %s not planned (task move plans "
		    "it)",
		    due);
	}
	if (f->next_action != NULL && *f->next_action && n > 0 &&
	    (size_t)n < sizeof(note)) {
		/* An import's row has columns, not options. */
		snprintf(note + n, sizeof(note) - (size_t)n, "%s",
		    f->imported
		        ? "; next action not planned (task add plans it)"
		        : "; --next not planned (task add or task move "
		          "plans it)");
	}
	return one_note(ctx, f, note);
}

/* The note of the reply to f, before c's open next follow-up was
 * planned (at `planned`, step 8): it completed nothing and planned
 * nothing. Added to a note f has (a stage not applied); in the arena. */
static crm_status
log_plan_note(struct req_ctx *ctx, Crm__V1__FollowUp *f, int64_t planned)
{
	char then[40], note[256];
	crm_time_format(planned, then, sizeof(then));
	int next = f->next_action != NULL && *f->next_action;
	snprintf(note, sizeof(note),
	    "before the next follow-up was planned (%s): it stays as it "
	    "is, not completed by this follow-up%s",
	    then,
	    !next         ? ""
	    : f->imported ? "; next action not planned (task add plans it)"
	                  : "; --next not planned (task add or task move "
	                    "plans it)");
	char **notes =
	    crm_arena_alloc(ctx->arena, (f->n_notes + 1) * sizeof(*notes));
	char *copy = crm_arena_strdup(ctx->arena, note);
	if (notes == NULL || copy == NULL) {
		return CRM_TOO_BIG;
	}
	for (size_t i = 0; i < f->n_notes; i++) {
		notes[i] = f->notes[i];
	}
	notes[f->n_notes++] = copy;
	f->notes = notes;
	return CRM_OK;
}

/* Whether open task t was planned from a follow-up at `at` or later:
 * f at that time is the same contact (a joint visit each participant
 * logs, the rows of one meeting), not the one t waits for. */
static int
planned_by_same_contact(const Crm__V1__Task *t, int64_t at)
{
	return t != NULL && t->has_plan_followup_id &&
	       t->plan_followup_id != 0 && t->has_plan_from_at &&
	       t->plan_from_at >= at;
}

/* Whether f at `at` is c's first contact written up: c (as it was before
 * f: step 3 has made f its last contact since) has no follow-up yet, was
 * entered after `at`, and its open next follow-up t is the cadence's,
 * planned from the first contact known then (the one given at entry, or
 * the entry itself), which f is, or comes before. A plan made from the
 * contact f is was not done by f (done, it counted a plan done a week
 * early, or before the plan existed, beside its twin planned from f): it
 * is cancelled, and f plans the next follow-up as any first follow-up
 * does. */
static int
first_contact_written_up(
    const Crm__V1__Customer *c, const Crm__V1__Task *t, int64_t at)
{
	int64_t first =
	    c->first_contact_at > 0 ? c->first_contact_at : c->created_at;
	return t != NULL && !customer_followed_up(c) && at <= first &&
	       at < c->created_at &&
	       t->origin == CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE &&
	       (!t->has_plan_followup_id || t->plan_followup_id == 0) &&
	       t->has_plan_from_at && t->plan_from_at == first;
}

/* When c's open next follow-up t was planned, as far as a follow-up
 * before it cannot be its contact, into *at: for one the cadence made,
 * c's entry into its stage (a stage change, a customer added or imported
 * at its stage, plans it again: lifecycle.h). 0 for a person's (log
 * --next: older follow-ups are history already; task move). A plan
 * counted from the first contact of a customer just added is not
 * barred: a follow-up before it is the first contact now (step 0b moves
 * it, and the stage's first entry, back). */
static crm_status
planned_at(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__Task *t, int64_t *at)
{
	*at = 0;
	if (t->origin != CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE) {
		return CRM_OK;
	}
	return lifecycle_stage_entered(ctx, c->id, at);
}

/* Steps 4 and 5 for f at the same time as the follow-up that planned
 * c's open next follow-up `open`: f completes nothing and plans nothing
 * again; f names `open`. What f says is next is not lost: the same
 * next action (goal and due) is `open`; a different one takes the place
 * of a next follow-up the cadence made (cancelled, replaced by it), and
 * stands beside one a person set, as a to-do. An unplanned one (an
 * import's, followup.h) is kept as said and names no task. */
static crm_status
log_same_contact(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const Crm__V1__Customer *c, Crm__V1__FollowUp *f, Crm__V1__Task *open,
    int unplanned)
{
	if (unplanned) {
		return CRM_OK;
	}
	int next = f->next_action != NULL && *f->next_action &&
	           c->stage != CRM__V1__STAGE__STAGE_LOST;
	if (!next ||
	    (open->goal != NULL && strcmp(open->goal, f->next_action) == 0 &&
	        open->due_at == f->next_due_at)) {
		f->has_next_task_id = f->has_next_due_at = 1;
		f->next_task_id = open->id;
		f->next_due_at = open->due_at;
		return CRM_OK;
	}
	uint64_t owner;
	crm_status rc =
	    scope_assignee(ctx, c, in->next_owner, c->owner_id, &owner);
	struct task_plan plan = { f->happened_at, f->id };
	Crm__V1__Task *t = NULL;
	if (rc == CRM_OK &&
	    open->origin == CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE) {
		rc = task_followup_replace(ctx, c, owner, f->next_due_at,
		    f->next_action, &plan,
		    "a follow-up of the same contact named the next action",
		    &t);
	} else if (rc == CRM_OK) {
		rc = task_create_planned(ctx, c, owner,
		    CRM__V1__TASK_KIND__TASK_TODO,
		    CRM__V1__TASK_ORIGIN__ORIGIN_NEXT_ACTION, f->next_due_at,
		    f->next_action, NULL, &plan, &t);
	}
	if (rc == CRM_OK) {
		f->has_next_task_id = 1;
		f->next_task_id = t->id;
		f->next_owner = (char *)user_login_of(ctx, owner);
	}
	return rc;
}

/* An imported row's next follow-up time without a next action (a sheet's
 * 下次跟进时间): c's next follow-up *t, planned by the cadence, moves to
 * due, as `task move` would move it (a person's date: a grade change no
 * longer moves it); it stays planned from this follow-up. */
static crm_status
log_due_alone(struct req_ctx *ctx, const Crm__V1__Customer *c, int64_t due,
    Crm__V1__Task **t)
{
	Crm__V1__Task *before = NULL;
	crm_status rc = task_followup_open(ctx, c->id, &before);
	if (rc != CRM_OK || before == NULL) {
		return rc;
	}
	(*t)->due_at = due;
	(*t)->origin = CRM__V1__TASK_ORIGIN__ORIGIN_PERSON;
	return task_put(ctx, before, *t);
}

/* Steps 4 and 5: f completes c's open follow-up task, then plans the
 * next: its next action as a task (to next_owner, default c's owner),
 * else the cadence's task counted from c's last contact. f names both
 * tasks. An import's next action its owner may no longer see through
 * (imp->next_unplanned) is kept as said, the cadence plans the next
 * follow-up, and f names no next task: its next action was not planned
 * (crm_followup_unplanned), as crmd closed it when the customer went to
 * the pool. An older follow-up than the last contact does neither: c's
 * next follow-up was planned from a later contact and stays as it was
 * (same task, still open, same due); f keeps its next action as text.
 * Nor does one before the open next follow-up was planned (planned_at:
 * the cadence's, of a stage the customer entered after f happened),
 * whose time goes into *before_plan: that task waits for a later
 * contact.
 * One at the same time as the follow-up that planned the open next
 * follow-up is that contact: log_same_contact. */
static crm_status
log_tasks(struct req_ctx *ctx, const Crm__V1__FollowUp *in,
    const struct followup_import *imp, const Crm__V1__Customer *before,
    const Crm__V1__Customer *c, Crm__V1__FollowUp *f, int64_t *before_plan)
{
	*before_plan = 0;
	int unplanned = imp != NULL && imp->next_unplanned &&
	                f->next_action != NULL && *f->next_action;
	if (unplanned) {
		f->next_owner = in->next_owner; /* as said */
	}
	if (f->happened_at < c->last_contact_at) {
		return CRM_OK;
	}
	Crm__V1__Task *open;
	crm_status rc = task_followup_open(ctx, c->id, &open);
	if (rc != CRM_OK) {
		return rc;
	}
	if (planned_by_same_contact(open, f->happened_at)) {
		return log_same_contact(ctx, in, c, f, open, unplanned);
	}
	int64_t planned = 0;
	if (open != NULL) {
		rc = planned_at(ctx, c, open, &planned);
	}
	if (rc != CRM_OK || f->happened_at < planned) {
		*before_plan = planned;
		return rc;
	}
	uint64_t done = 0;
	if (first_contact_written_up(before, open, f->happened_at)) {
		/* Planned from the contact f writes up: not done by it; f
		 * plans it again below, from itself. */
		rc = task_followup_cancel(ctx, c->id,
		    "its first contact, logged with its time, plans it again");
	} else {
		rc = task_followup_done(
		    ctx, c->id, f->id, f->happened_at, &done);
	}
	if (rc == CRM_OK && done) {
		f->has_task_id = 1;
		f->task_id = done;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__Task *t = NULL;
	if (f->next_action != NULL && *f->next_action &&
	    c->stage != CRM__V1__STAGE__STAGE_LOST && !unplanned) {
		uint64_t owner;
		rc = scope_assignee(
		    ctx, c, in->next_owner, c->owner_id, &owner);
		struct task_plan plan = { f->happened_at, f->id };
		if (rc == CRM_OK) {
			rc = task_create_planned(ctx, c, owner,
			    CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
			    CRM__V1__TASK_ORIGIN__ORIGIN_NEXT_ACTION,
			    f->next_due_at, f->next_action, NULL, &plan, &t);
		}
		if (rc == CRM_OK) {
			f->has_next_task_id = 1;
			f->next_task_id = t->id;
			f->next_owner = (char *)user_login_of(ctx, owner);
		}
		return rc;
	}
	/* Counted from this follow-up, the last contact (an older one
	 * stopped above): the task keeps which (customer why). */
	rc = task_followup_sync_fu(ctx, c, c->last_contact_at,
	    c->last_contact_at == f->happened_at ? f->id : 0, 1);
	if (unplanned) {
		return rc; /* its next action and due as said */
	}
	if (rc == CRM_OK) {
		rc = task_followup_open(ctx, c->id, &t);
	}
	if (rc == CRM_OK && t != NULL && in->imported && in->has_next_due_at &&
	    in->next_due_at != t->due_at) {
		rc = log_due_alone(ctx, c, in->next_due_at, &t);
	}
	if (rc == CRM_OK && t != NULL && in->imported && in->has_next_due_at) {
		/* A person's date: an export says so, so the book imported
		 * elsewhere plans it the same (not by the cadence). */
		f->has_next_due_chosen = f->next_due_chosen = 1;
	}
	if (rc == CRM_OK && t != NULL) {
		f->has_next_task_id = f->has_next_due_at = 1;
		f->next_task_id = t->id;
		f->next_due_at = t->due_at;
	}
	return rc;
}

/* Step 7: the record, its index, its history, stats, change and audit
 * entries. */
static crm_status
log_put(struct req_ctx *ctx, const Crm__V1__Customer *c, Crm__V1__FollowUp *f)
{
	store_key k;
	store_key_id(&k, f->id);
	crm_status rc =
	    store_put_msg(ctx->st, ctx->txn, DB_FOLLOWUPS, &k, &f->base);
	if (rc == CRM_OK) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_FU_CUST, c->id, f->id);
	}
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_FOLLOWUP, NULL, &f->base);
	}
	if (rc == CRM_OK) {
		rc = stats_on_followup(ctx, NULL, f);
	}
	if (rc == CRM_OK) {
		rc = changes_record(
		    ctx, CRM__V1__CHANGE_KIND__CHANGE_FOLLOWUP, f->id, c->id);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "followup", f->id, NULL, &f->base);
	}
	return rc;
}

crm_status
followup_log_as(struct req_ctx *ctx, const Crm__V1__Request *req,
    Crm__V1__Response *resp, const struct followup_import *imp)
{
	/* `imported` is the server's: only the import path sets it (a
	 * client's would clear the late flag); a copy, so every rule below
	 * reads the server's value. What only an import row may say is
	 * dropped from a client's log. */
	Crm__V1__FollowUp mine;
	const Crm__V1__FollowUp *in = req->followup_log->followup;
	int64_t said = 0; /* happened_at as sent */
	if (in != NULL) {
		said = in->has_happened_at ? in->happened_at : 0;
		mine = *in;
		mine.has_imported = imp != NULL;
		mine.imported = imp != NULL;
		if (imp == NULL) {
			mine.has_stage_from = 0;
			mine.n_objection_issues = 0;
			mine.objection_issues = NULL;
		}
		/* A time a little ahead of crmd's clock (within check_log's
		 * slack: clocks differ) is when it was made: dated ahead as
		 * sent, it would make every live follow-up of the next minutes
		 * older than it, history only. */
		int64_t made = dispatch_at(ctx);
		if (mine.has_happened_at && mine.happened_at > made &&
		    mine.happened_at <= made + FUTURE_SLACK) {
			mine.happened_at = made;
		}
		in = &mine;
	}
	uint64_t cust = 0;
	Crm__V1__Customer *before = NULL, *c = NULL;
	Crm__V1__Policy *pol = NULL;
	Crm__V1__FollowUp *f = NULL;
	crm_status rc = log_customer(ctx, in, &cust);
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, cust, &before);
	}
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, cust, &c);
	}
	if (rc == CRM_OK) {
		/* Older than c's last contact: history only (below). */
		rc = check_log(ctx, in,
		    in->has_happened_at && c->has_last_contact_at &&
		        in->happened_at < c->last_contact_at);
		if (rc != CRM_OK) {
			dispatch_field_prefix(ctx, "followup_log.followup.");
		}
	}
	if (rc == CRM_OK) {
		rc = log_not_twice(ctx, in, cust);
	}
	if (rc == CRM_OK) {
		rc = policy_load(ctx, &pol);
	}
	if (rc == CRM_OK) {
		rc = log_record(ctx, in, imp, c, pol, &f);
	}
	/* Older than c's last contact: history only (steps 1, 2b, 3-5). */
	int older = rc == CRM_OK && c->has_last_contact_at &&
	            f->happened_at < c->last_contact_at;
	/* The steps, in this order; any error aborts them all. */
	if (rc == CRM_OK) {
		rc = log_clocks(ctx, in, c, f);
	}
	if (rc == CRM_OK) {
		rc = log_first_contact(ctx, c, f);
	}
	if (rc == CRM_OK) {
		rc = log_stage(ctx, in, c, f, older);
	}
	if (rc == CRM_OK) {
		rc = log_commitments(ctx, in, c, f);
	}
	/* 2b. Objections (open issues), tags, repeated avoidance. */
	if (rc == CRM_OK) {
		rc = signals_on_log(ctx, c, f, in, pol);
	}
	if (rc == CRM_OK) {
		rc = log_contact(ctx, in, before, c, f, older);
	}
	int64_t before_plan = 0;
	if (rc == CRM_OK) {
		rc = log_tasks(ctx, in, imp, before, c, f, &before_plan);
	}
	if (rc == CRM_OK) {
		rc = log_put(ctx, c, f);
	}
	/* 8. The reply's notes (never stored: after the put). */
	if (rc == CRM_OK && said > f->happened_at) {
		char was[32], now[32], note[160];
		crm_time_format(said, was, sizeof(was));
		crm_time_format(f->happened_at, now, sizeof(now));
		snprintf(note, sizeof(note),
		    "dated %s, ahead of crmd's clock: taken as %s, when it "
		    "was made",
		    was, now);
		rc = one_note(ctx, f, note);
	}
	if (rc == CRM_OK && older) {
		f->has_history_only = f->history_only = 1;
		rc = log_history_note(ctx, c, f);
	} else if (rc == CRM_OK && before_plan != 0) {
		rc = log_plan_note(ctx, f, before_plan);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	f->customer = c->name;
	f->author = (char *)user_login_of(ctx, f->author_id);
	attachment_fill(ctx, f);
	resp->body_case = CRM__V1__RESPONSE__BODY_FOLLOWUP;
	resp->followup = f;
	return CRM_OK;
}
