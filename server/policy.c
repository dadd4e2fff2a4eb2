/* SPDX-License-Identifier: MIT */
/*
 * policy.c: the follow-up policy: defaults from the seeds, loading and
 * saving, and the handlers of policy.get and policy.set (admin).
 */
#include "policy.h"

#include <string.h>
#include <time.h>

#include "audit.h"
#include "crm.h"
#include "handlers.h"
#include "store_schema.h"

#define DAY          86400
#define MAX_CHANNELS 8

static const struct {
	int grade;
	int64_t every;
	const char *channels[3];
	const char *focus;
	unsigned target; /* conversion target, percent (seeds: S >= 60 %) */
} defaults[] = {
	{ CRM__V1__GRADE__GRADE_S, DAY, { "phone", "visit", "meeting" },
	    "深度需求挖掘, 方案定制, 决策推进", 60 },
	{ CRM__V1__GRADE__GRADE_A, 3 * DAY,
	    { "phone", "email", "case studies" },
	    "培育信任, 案例分享, 解决顾虑", 40 },
	{ CRM__V1__GRADE__GRADE_B, 7 * DAY, { "email", "industry news", NULL },
	    "保持联系, 行业资讯, 唤醒需求", 20 },
	{ CRM__V1__GRADE__GRADE_C, 30 * DAY,
	    { "greetings", "product news", NULL }, "节日问候, 新品通知", 10 },
};

static Crm__V1__Policy *
default_policy(crm_arena *a)
{
	Crm__V1__Policy *p = crm_arena_alloc(a, sizeof(*p));
	Crm__V1__GradePolicy *g = crm_arena_alloc(a, 4 * sizeof(*g));
	Crm__V1__GradePolicy **gp = crm_arena_alloc(a, 4 * sizeof(*gp));
	if (p == NULL || g == NULL || gp == NULL) {
		return NULL;
	}
	crm__v1__policy__init(p);
	for (int i = 0; i < 4; i++) {
		crm__v1__grade_policy__init(&g[i]);
		g[i].has_grade = g[i].has_every_seconds = 1;
		g[i].grade = (Crm__V1__Grade)defaults[i].grade;
		g[i].every_seconds = defaults[i].every;
		g[i].channels = (char **)defaults[i].channels;
		g[i].n_channels = defaults[i].channels[2] ? 3 : 2;
		g[i].focus = (char *)defaults[i].focus;
		g[i].has_conversion_target = 1;
		g[i].conversion_target = defaults[i].target;
		gp[i] = &g[i];
	}
	p->grades = gp;
	p->n_grades = 4;
	p->has_inquiry_seconds = p->has_issue_response_seconds = 1;
	p->has_issue_solution_days = p->has_churn_contact_seconds = 1;
	p->has_late_s_seconds = p->has_late_seconds = 1;
	p->inquiry_seconds = DAY;
	p->issue_response_seconds = 2 * 3600;
	p->issue_solution_days = 1;
	p->churn_contact_seconds = 3 * DAY;
	p->late_s_seconds = 2 * 3600;
	p->late_seconds = DAY;
	return p;
}

crm_status
policy_load(struct req_ctx *ctx, Crm__V1__Policy **p)
{
	store_key k;
	store_key_text(&k, 0, "policy");
	crm_status rc = store_get_msg(ctx->st, ctx->txn, DB_META, &k,
	    &crm__v1__policy__descriptor, &ctx->arena->allocator,
	    (ProtobufCMessage **)p);
	if (rc == CRM_NOT_FOUND) {
		*p = default_policy(ctx->arena);
		return *p ? CRM_OK : CRM_TOO_BIG;
	}
	/* A policy stored before conversion targets existed: the seeds'. */
	for (size_t i = 0; rc == CRM_OK && i < (*p)->n_grades; i++) {
		Crm__V1__GradePolicy *g = (*p)->grades[i];
		if (!g->has_conversion_target) {
			g->conversion_target = policy_conversion_target(g);
			g->has_conversion_target = 1;
		}
	}
	return rc;
}

const Crm__V1__GradePolicy *
policy_grade(const Crm__V1__Policy *p, int g)
{
	const Crm__V1__GradePolicy *last = NULL;
	for (size_t i = 0; i < p->n_grades; i++) {
		if ((int)p->grades[i]->grade == g) {
			return p->grades[i];
		}
		last = p->grades[i];
	}
	return last;
}

unsigned
policy_conversion_target(const Crm__V1__GradePolicy *gp)
{
	if (gp->has_conversion_target) {
		return gp->conversion_target;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (defaults[i].grade == (int)gp->grade) {
			return defaults[i].target;
		}
	}
	return 0;
}

char *
policy_channels(struct req_ctx *ctx, const Crm__V1__GradePolicy *gp)
{
	size_t n = 1;
	for (size_t i = 0; i < gp->n_channels; i++) {
		n += strlen(gp->channels[i]) + 2;
	}
	char *s = crm_arena_alloc(ctx->arena, n);
	if (s == NULL) {
		return NULL;
	}
	s[0] = '\0';
	for (size_t i = 0; i < gp->n_channels; i++) {
		if (i > 0) {
			strcat(s, ", ");
		}
		strcat(s, gp->channels[i]);
	}
	return s;
}

int64_t
policy_add_business_days(int64_t t, unsigned n)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	while (n > 0) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		time_t next = mktime(&tm);
		localtime_r(&next, &tm);
		if (tm.tm_wday != 0 && tm.tm_wday != 6) {
			n--;
		}
	}
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

crm_status
policy_handle_get(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__Policy *p;
	crm_status rc = policy_load(ctx, &p);
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_POLICY;
		resp->policy = p;
	}
	return rc;
}

crm_status
policy_handle_set(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__PolicySetRequest *r = req->policy_set;
	if (!r->has_grade || r->grade == 0) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "give a grade S, A, B or C");
	}
	if (r->has_every_seconds &&
	    (r->every_seconds < 3600 || r->every_seconds > 366 * DAY)) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "a cadence is between 1 hour and 1 year");
	}
	if (r->has_conversion_target && r->conversion_target > 100) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "a conversion target is 0-100 %%");
	}
	if (r->n_channels > MAX_CHANNELS) {
		return dispatch_fail(
		    ctx, CRM_EINVAL, "at most %d channels", MAX_CHANNELS);
	}
	Crm__V1__Policy *p, *before;
	crm_status rc = policy_load(ctx, &p);
	if (rc == CRM_OK) {
		rc = policy_load(ctx, &before);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__GradePolicy *gp = NULL;
	for (size_t i = 0; i < p->n_grades; i++) {
		if (p->grades[i]->grade == r->grade) {
			gp = p->grades[i];
		}
	}
	if (gp == NULL) {
		return CRM_INTERNAL;
	}
	if (r->has_every_seconds) {
		gp->every_seconds = r->every_seconds;
	}
	if (r->set_channels || r->n_channels > 0) {
		gp->channels = r->channels;
		gp->n_channels = r->n_channels;
	}
	if (r->has_conversion_target) {
		gp->has_conversion_target = 1;
		gp->conversion_target = r->conversion_target;
	}
	if (r->focus != NULL) {
		gp->focus = *r->focus ? r->focus : NULL;
	}
	store_key k;
	store_key_text(&k, 0, "policy");
	rc = store_put_msg(ctx->st, ctx->txn, DB_META, &k, &p->base);
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "policy", 0, &before->base, &p->base);
	}
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_POLICY;
		resp->policy = p;
	}
	return rc;
}
