/* SPDX-License-Identifier: MIT */
/*
 * signals.c: objections, feedback tags and repeated avoidance carried by
 * a follow-up (signals.h). Not the follow-up record itself (followup.c).
 */
#include "signals.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "crm.h"
#include "event.h"
#include "sla.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define TAG_MAX       32
#define OBJECTION_MAX 500
#define DAY           86400

crm_status
signals_check_log(struct req_ctx *ctx, const Crm__V1__FollowUp *in)
{
	if (in->n_tags > SIGNALS_MAX_TAGS) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "tags",
		    "at most %d tags", SIGNALS_MAX_TAGS);
	}
	for (size_t i = 0; i < in->n_tags; i++) {
		size_t n = strlen(in->tags[i]);
		char at[48];
		snprintf(at, sizeof(at), "tags[%zu]", i);
		size_t sep, cut = crm_validate_list_span(in->tags[i], &sep);
		if (n == 0 || n > TAG_MAX) {
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "a tag is 1-%d bytes without commas", TAG_MAX);
		}
		/* An export joins tags with "; " and import splits there. */
		if (cut < n) {
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "tag '%s' holds '%.*s', which separates tags in a "
			    "file (export joins them with \"; \", import "
			    "splits at , ; ， ； and 、): write the tag "
			    "without it",
			    in->tags[i], (int)sep, in->tags[i] + cut);
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(in->tags[i], in->tags[j]) == 0) {
				return dispatch_fail_field(ctx, CRM_EINVAL, at,
				    "tag %s is given twice", in->tags[i]);
			}
		}
	}
	if (in->n_objections > SIGNALS_MAX_OBJECTIONS) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "objections",
		    "at most %d objections", SIGNALS_MAX_OBJECTIONS);
	}
	for (size_t i = 0; i < in->n_objections; i++) {
		size_t n = strlen(in->objections[i]);
		char at[48];
		snprintf(at, sizeof(at), "objections[%zu]", i);
		if (n == 0 || n > OBJECTION_MAX) {
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "an objection is 1-%d bytes", OBJECTION_MAX);
		}
	}
	return CRM_OK;
}

/* Seed 002's 客户情绪状态 (抵触, 犹豫) and a call nobody answered. */
static int
avoids(const Crm__V1__FollowUp *f)
{
	return f->no_answer || f->mood == CRM__V1__MOOD__MOOD_RESISTANT ||
	       f->mood == CRM__V1__MOOD__MOOD_HESITANT;
}

/* The grade-review task of a streak that reached n. */
static crm_status
review(struct req_ctx *ctx, const Crm__V1__Customer *c, uint32_t n)
{
	uint64_t mgr = signals_team_manager(ctx, c->team_id);
	const char *grade = c->grade == CRM__V1__GRADE__GRADE_S ? "S" : "A";
	if (mgr == 0) {
		return event_add(ctx, c->id, 0,
		    "seed 002: 若多次回避沟通，需降级分析原因",
		    "%" PRIu32 " follow-ups in a row avoided contact on a "
		    "grade %s customer; its team has no manager for a grade "
		    "review",
		    n, grade);
	}
	char goal[160];
	snprintf(goal, sizeof(goal),
	    "等级复核: %s (grade %s) avoided contact %" PRIu32
	    " times in a row; keep or downgrade?",
	    c->name ? c->name : "", grade, n);
	/* Due the next working day of the calendar (calendar.h), not on a
	 * weekend or holiday. */
	Crm__V1__Task *t;
	int64_t due;
	crm_status rc = calendar_add_working_days(ctx, ctx->now, 1, &due);
	if (rc == CRM_OK) {
		rc = task_create(ctx, c, mgr, CRM__V1__TASK_KIND__TASK_TODO,
		    CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE, due, goal, NULL, &t);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return event_add(ctx, c->id, t->id,
	    "seed 002: S级客户若多次回避沟通，需降级分析原因",
	    "grade review task %" PRIu64 " for %s: %" PRIu32
	    " follow-ups in a row avoided contact (resistant, hesitant or "
	    "no answer) on a grade %s customer",
	    t->id, user_login_of(ctx, mgr), n, grade);
}

crm_status
signals_on_log(struct req_ctx *ctx, Crm__V1__Customer *c, Crm__V1__FollowUp *f,
    const Crm__V1__FollowUp *in, const Crm__V1__Policy *pol)
{
	f->tags = in->tags;
	f->n_tags = in->n_tags;
	f->objections = in->objections;
	f->n_objections = in->n_objections;
	f->has_no_answer = in->has_no_answer;
	f->no_answer = in->no_answer;
	crm_status rc = CRM_OK;
	/* Raised at its follow-up's time (a follow-up logged later, or
	 * imported, was still then); an imported one may come with how it
	 * was resolved (objection_issues, checked by import.c). */
	for (size_t i = 0; rc == CRM_OK && i < in->n_objections; i++) {
		Crm__V1__SlaClock *k;
		const Crm__V1__SlaClock *said =
		    in->imported && i < in->n_objection_issues
		        ? in->objection_issues[i]
		        : NULL;
		rc = sla_objection(
		    ctx, c, in->objections[i], f->id, f->happened_at, &k);
		if (rc == CRM_OK && said != NULL && said->stopped_at != 0) {
			rc = sla_objection_resolved(ctx, k->id,
			    said->resolution && *said->resolution
			        ? said->resolution
			        : "resolved",
			    said->resolved_by_id ? said->resolved_by_id
			                         : f->author_id,
			    said->stopped_at);
		}
	}
	/* An imported follow-up, or one older than c's last contact, is
	 * history: it neither counts in nor breaks a streak of today's
	 * contacts. */
	if (rc != CRM_OK || in->imported ||
	    (c->has_last_contact_at && f->happened_at < c->last_contact_at)) {
		return rc;
	}
	if (!avoids(f)) {
		c->has_avoidance_streak = c->avoidance_streak != 0;
		c->avoidance_streak = 0;
		return CRM_OK;
	}
	uint32_t need = pol->avoidance_followups ? pol->avoidance_followups
	                                         : SIGNALS_AVOIDANCE;
	c->has_avoidance_streak = 1;
	c->avoidance_streak++;
	/* Once per streak: when it reaches the count. */
	if (c->avoidance_streak == need &&
	    (c->grade == CRM__V1__GRADE__GRADE_S ||
	        c->grade == CRM__V1__GRADE__GRADE_A)) {
		rc = review(ctx, c, need);
	}
	return rc;
}

int
signals_entered_late(int64_t first_contact_at, int64_t created_at)
{
	return first_contact_at > 0 && created_at - first_contact_at > DAY;
}

int
signals_own_import(struct req_ctx *ctx, uint64_t owner, int64_t at)
{
	Crm__Store__UserRecord *u;
	return ctx->who->role == CRM__V1__ROLE__ROLE_REP &&
	       owner == ctx->who->user_id &&
	       user_get(ctx, owner, &u) == CRM_OK && at >= u->created_at;
}

int
signals_late_after_all(const Crm__V1__Customer *c, int64_t was)
{
	if (was <= 0) {
		was = c->created_at;
	}
	return c->created_by == c->owner_id && !signals_late_entry(c) &&
	       !signals_entered_late(was, c->created_at) &&
	       signals_entered_late(c->first_contact_at, c->created_at);
}

void
signals_first_back(struct req_ctx *ctx, Crm__V1__Customer *c, int64_t was)
{
	/* An import's history is not the caller's, but for a rep's own
	 * contact since they had crm (signals_own_import), as if typed. */
	if ((ctx->importing &&
	        !signals_own_import(ctx, c->owner_id, c->first_contact_at)) ||
	    c->owner_id != ctx->who->user_id ||
	    !signals_late_after_all(c, was)) {
		return;
	}
	c->has_late_entry = c->late_entry = 1;
}

int
signals_late_entry(const Crm__V1__Customer *c)
{
	if (c->has_late_entry) {
		return c->late_entry != 0;
	}
	return signals_entered_late(c->first_contact_at, c->created_at);
}

int
signals_needs_minutes(int grade, int channel)
{
	return grade == CRM__V1__GRADE__GRADE_S &&
	       (channel == CRM__V1__CHANNEL__CHANNEL_VISIT ||
	           channel == CRM__V1__CHANNEL__CHANNEL_MEETING);
}

int
signals_missing_minutes(struct req_ctx *ctx, uint64_t customer_id)
{
	int64_t since = ctx->now - SIGNALS_MINUTES_DAYS * (int64_t)DAY;
	uint64_t id = 0;
	int found = 0;
	while (!found && store_index_next(ctx->st, ctx->txn, DB_FU_CUST,
	                     customer_id, id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__FollowUp *f;
		if (dispatch_list_record(ctx, DB_FOLLOWUPS, id,
		        &crm__v1__follow_up__descriptor,
		        (ProtobufCMessage **)&f) == CRM_OK) {
			found = f->happened_at >= since &&
			        f->n_attachments == 0 &&
			        signals_needs_minutes(
			            (int)f->grade, (int)f->channel);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return found;
}
