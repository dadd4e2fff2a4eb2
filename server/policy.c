/* SPDX-License-Identifier: MIT */
/*
 * policy.c: the follow-up policy: defaults from the seeds, loading and
 * saving, and the handlers of policy.get and policy.set (admin).
 */
#include "policy.h"

#include <string.h>

#include "audit.h"
#include "crm.h"
#include "handlers.h"
#include "pool_reclaim.h"
#include "store_schema.h"
#include "task.h"

#define DAY          86400
#define MAX_CHANNELS 8
#define RECLAIM_MAX  250 /* working days: about a year */

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

/* The cadence matrix's cells after the deal (the pre-deal stages take
 * their grade's row above). Seed 000 第三步: 普通成交客户 每季度1次满意度
 * 回访+节日问候; 流失风险客户 3天内主动联系, 知晓流失原因、制定挽回方案.
 * Seed 001 (合作客户): 战略客户 每月至少1次高层拜访; 重点客户 每月1次电话,
 * 节日问候; 普通客户 每季度1次标准化沟通. So won: S and A monthly, B and C
 * quarterly, all with festival greetings. */
static const struct {
	int stage, grade;
	int64_t every;
	const char *channels[3];
	const char *goal;
	int greetings;
} cell_defaults[] = {
	{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_S, 30 * DAY,
	    { "visit", "meeting", NULL }, "高层拜访, 合作复盘, 复购增购", 1 },
	{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_A, 30 * DAY,
	    { "phone", "visit", NULL }, "使用情况, 收集反馈, 复购增购", 1 },
	{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_B, 90 * DAY,
	    { "phone", "survey", NULL }, "满意度回访, 使用技巧, 新功能", 1 },
	{ CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_C, 90 * DAY,
	    { "phone", "survey", NULL }, "满意度回访, 使用技巧, 新功能", 1 },
	{ CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_S, 3 * DAY,
	    { "phone", "visit", NULL }, "知晓流失原因, 制定挽回方案", 0 },
	{ CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_A, 3 * DAY,
	    { "phone", "visit", NULL }, "知晓流失原因, 制定挽回方案", 0 },
	{ CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_B, 3 * DAY,
	    { "phone", NULL, NULL }, "知晓流失原因, 制定挽回方案", 0 },
	{ CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_C, 3 * DAY,
	    { "phone", NULL, NULL }, "知晓流失原因, 制定挽回方案", 0 },
};

/* The stages of the matrix, in its order (lost is not followed). */
static const int matrix_stages[] = { CRM__V1__STAGE__STAGE_POTENTIAL,
	CRM__V1__STAGE__STAGE_INTENT, CRM__V1__STAGE__STAGE_NEGOTIATION,
	CRM__V1__STAGE__STAGE_WON, CRM__V1__STAGE__STAGE_CHURN_RISK };
#define N_STAGES (sizeof(matrix_stages) / sizeof(matrix_stages[0]))

/* Value segments (seeds: 高频客户每周跟进一次, 中频客户每月, 低频客户每季度),
 * thresholds over a report's period (default a year). */
static const Crm__V1__ValuePolicy value_defaults = {
	.has_frequency_high = 1,
	.frequency_high = 6,
	.has_frequency_medium = 1,
	.frequency_medium = 3,
	.has_amount_high = 1,
	.amount_high = INT64_C(10000000), /* 100,000.00 */
	.has_amount_medium = 1,
	.amount_medium = INT64_C(2000000), /* 20,000.00 */
	.has_category_high = 1,
	.category_high = 40,
	.has_category_medium = 1,
	.category_medium = 15,
	.has_high_every_seconds = 1,
	.high_every_seconds = 7 * DAY,
	.has_medium_every_seconds = 1,
	.medium_every_seconds = 30 * DAY,
	.has_low_every_seconds = 1,
	.low_every_seconds = 90 * DAY,
};

/* Fill every unset field of p's value policy with its default. */
static crm_status
value_fill(crm_arena *a, Crm__V1__Policy *p)
{
	Crm__V1__ValuePolicy *v = p->value;
	if (v == NULL) {
		v = crm_arena_alloc(a, sizeof(*v));
		if (v == NULL) {
			return CRM_TOO_BIG;
		}
		crm__v1__value_policy__init(v);
		p->value = v;
	}
	const Crm__V1__ValuePolicy *d = &value_defaults;
#define FILL(f)                 \
	if (!v->has_##f) {      \
		v->has_##f = 1; \
		v->f = d->f;    \
	}
	FILL(frequency_high)
	FILL(frequency_medium)
	FILL(amount_high)
	FILL(amount_medium)
	FILL(category_high)
	FILL(category_medium)
	FILL(high_every_seconds)
	FILL(medium_every_seconds)
	FILL(low_every_seconds)
#undef FILL
	return CRM_OK;
}

static int
pre_deal(int stage)
{
	return stage == CRM__V1__STAGE__STAGE_POTENTIAL ||
	       stage == CRM__V1__STAGE__STAGE_INTENT ||
	       stage == CRM__V1__STAGE__STAGE_NEGOTIATION;
}

static Crm__V1__CadenceCell *
find_cell(const Crm__V1__Policy *p, int stage, int grade)
{
	for (size_t i = 0; i < p->n_cells; i++) {
		if ((int)p->cells[i]->stage == stage &&
		    (int)p->cells[i]->grade == grade) {
			return p->cells[i];
		}
	}
	return NULL;
}

/* The upgrade of a stored policy from the per-grade form, at read time:
 * every missing cell of the matrix gets its default. A pre-deal cell
 * takes its grade's row (as an admin may have edited it: the old
 * cadence stays), greetings on for grade C (seed 002: C级 节日问候); the
 * won and churn-risk cells take the seeds' values above. */
static crm_status
cells_fill(crm_arena *a, Crm__V1__Policy *p)
{
	size_t want = N_STAGES * 4;
	Crm__V1__CadenceCell **cp =
	    crm_arena_alloc(a, (p->n_cells + want) * sizeof(*cp));
	if (cp == NULL) {
		return CRM_TOO_BIG;
	}
	for (size_t i = 0; i < p->n_cells; i++) {
		cp[i] = p->cells[i];
	}
	size_t n = p->n_cells;
	p->cells = cp;
	for (size_t si = 0; si < N_STAGES; si++) {
		for (int g = CRM__V1__GRADE__GRADE_S;
		     g <= CRM__V1__GRADE__GRADE_C; g++) {
			int st = matrix_stages[si];
			p->n_cells = n;
			if (find_cell(p, st, g) != NULL) {
				continue;
			}
			Crm__V1__CadenceCell *c =
			    crm_arena_alloc(a, sizeof(*c));
			if (c == NULL) {
				return CRM_TOO_BIG;
			}
			crm__v1__cadence_cell__init(c);
			c->has_stage = c->has_grade = 1;
			c->has_every_seconds = c->has_greetings = 1;
			c->stage = (Crm__V1__Stage)st;
			c->grade = (Crm__V1__Grade)g;
			if (pre_deal(st)) {
				const Crm__V1__GradePolicy *gp =
				    policy_grade(p, g);
				if (gp == NULL) {
					return CRM_INTERNAL;
				}
				c->every_seconds = gp->every_seconds;
				c->goal = gp->focus;
				c->channels = gp->channels;
				c->n_channels = gp->n_channels;
				c->greetings = g == CRM__V1__GRADE__GRADE_C;
			} else {
				for (size_t k = 0;
				     k < sizeof(cell_defaults) /
				             sizeof(cell_defaults[0]);
				     k++) {
					if (cell_defaults[k].stage != st ||
					    cell_defaults[k].grade != g) {
						continue;
					}
					c->every_seconds =
					    cell_defaults[k].every;
					c->goal =
					    (char *)cell_defaults[k].goal;
					c->channels =
					    (char **)cell_defaults[k].channels;
					c->n_channels =
					    cell_defaults[k].channels[1] ? 2
					                                 : 1;
					c->greetings =
					    cell_defaults[k].greetings;
				}
			}
			cp[n++] = c;
		}
	}
	p->n_cells = n;
	return CRM_OK;
}

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
	p->has_idem_retention_seconds = 1;
	p->idem_retention_seconds = POLICY_IDEM_RETENTION;
	p->has_avoidance_followups = 1;
	p->avoidance_followups = 3; /* seed 002: 多次回避沟通 */
	p->currency = (char *)POLICY_CURRENCY;
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
		rc = *p ? value_fill(ctx->arena, *p) : CRM_TOO_BIG;
		return rc == CRM_OK ? cells_fill(ctx->arena, *p) : rc;
	}
	/* A policy stored before conversion targets existed: the seeds'. */
	for (size_t i = 0; rc == CRM_OK && i < (*p)->n_grades; i++) {
		Crm__V1__GradePolicy *g = (*p)->grades[i];
		if (!g->has_conversion_target) {
			g->conversion_target = policy_conversion_target(g);
			g->has_conversion_target = 1;
		}
	}
	if (rc == CRM_OK) {
		rc = value_fill(ctx->arena, *p);
	}
	if (rc == CRM_OK) {
		rc = cells_fill(ctx->arena, *p);
	}
	if (rc == CRM_OK && !(*p)->has_idem_retention_seconds) {
		(*p)->has_idem_retention_seconds = 1;
		(*p)->idem_retention_seconds = POLICY_IDEM_RETENTION;
	}
	if (rc == CRM_OK && ((*p)->currency == NULL || !(*p)->currency[0])) {
		(*p)->currency = (char *)POLICY_CURRENCY;
	}
	return rc;
}

int64_t
policy_idem_retention(const Crm__V1__Policy *p)
{
	return p->has_idem_retention_seconds && p->idem_retention_seconds > 0
	           ? p->idem_retention_seconds
	           : POLICY_IDEM_RETENTION;
}

int
policy_level(int64_t v, int64_t high, int64_t medium)
{
	if (v >= high) {
		return CRM__V1__LEVEL__LEVEL_HIGH;
	}
	return v >= medium ? CRM__V1__LEVEL__LEVEL_MEDIUM
	                   : CRM__V1__LEVEL__LEVEL_LOW;
}

int64_t
policy_level_every(const Crm__V1__ValuePolicy *vp, int level)
{
	switch (level) {
	case CRM__V1__LEVEL__LEVEL_HIGH:
		return vp->high_every_seconds;
	case CRM__V1__LEVEL__LEVEL_MEDIUM:
		return vp->medium_every_seconds;
	default:
		return vp->low_every_seconds;
	}
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

const Crm__V1__CadenceCell *
policy_cell(const Crm__V1__Policy *p, int stage, int grade)
{
	if (!pre_deal(stage) && stage != CRM__V1__STAGE__STAGE_WON &&
	    stage != CRM__V1__STAGE__STAGE_CHURN_RISK) {
		stage = CRM__V1__STAGE__STAGE_POTENTIAL;
	}
	if (grade < CRM__V1__GRADE__GRADE_S ||
	    grade > CRM__V1__GRADE__GRADE_C) {
		grade = CRM__V1__GRADE__GRADE_C;
	}
	return find_cell(p, stage, grade);
}

char *
policy_cell_channels(struct req_ctx *ctx, const Crm__V1__CadenceCell *c)
{
	Crm__V1__GradePolicy g = CRM__V1__GRADE_POLICY__INIT;
	g.channels = c->channels;
	g.n_channels = c->n_channels;
	return policy_channels(ctx, &g);
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

int
policy_cadence_working_days(const Crm__V1__Policy *p)
{
	return !p->has_cadence_working_days || p->cadence_working_days;
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

/* The policy twice: *p to change and *before as it was, for the audit. */
static crm_status
policy_load_twice(
    struct req_ctx *ctx, Crm__V1__Policy **p, Crm__V1__Policy **before)
{
	crm_status rc = policy_load(ctx, p);
	return rc == CRM_OK ? policy_load(ctx, before) : rc;
}

/* Store the changed p, audit the change from before, answer with p. */
static crm_status
policy_save(struct req_ctx *ctx, Crm__V1__Policy *before, Crm__V1__Policy *p,
    Crm__V1__Response *resp)
{
	store_key k;
	store_key_text(&k, 0, "policy");
	crm_status rc =
	    store_put_msg(ctx->st, ctx->txn, DB_META, &k, &p->base);
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "policy", 0, &before->base, &p->base);
	}
	if (rc == CRM_OK) {
		rc = pool_reclaim_on_policy(ctx, before, p);
	}
	/* The pool rules may have changed: the writer looks again after
	 * the commit (pool_reclaim.h). */
	pool_reclaim_set_next(0);
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_POLICY;
		resp->policy = p;
	}
	return rc;
}

/* policy.set without a grade: how long stored replies are kept. */
static crm_status
set_retention(struct req_ctx *ctx, const Crm__V1__PolicySetRequest *r,
    Crm__V1__Response *resp)
{
	if (r->idem_retention_seconds < DAY ||
	    r->idem_retention_seconds > 366 * DAY) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "idem_retention_seconds",
		    "stored replies are kept between 1 day and 366 days");
	}
	Crm__V1__Policy *p, *before;
	crm_status rc = policy_load_twice(ctx, &p, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	p->has_idem_retention_seconds = 1;
	p->idem_retention_seconds = r->idem_retention_seconds;
	return policy_save(ctx, before, p, resp);
}

/* A currency as written before amounts: 1-8 bytes of UTF-8 without
 * blanks or control characters. */
static bool
currency_ok(const char *c)
{
	size_t n = strlen(c);
	if (n == 0 || n > 8 || !crm_utf8_valid(c, n)) {
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)c; *p; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			return false;
		}
	}
	return true;
}

/* policy.set without a grade: the currency amounts are shown in. */
static crm_status
set_currency(struct req_ctx *ctx, const Crm__V1__PolicySetRequest *r,
    Crm__V1__Response *resp)
{
	if (!currency_ok(r->currency)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "currency",
		    "a currency is 1-8 bytes without blanks, like ¥, $, € "
		    "or CHF");
	}
	Crm__V1__Policy *p, *before;
	crm_status rc = policy_load_twice(ctx, &p, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	p->currency = r->currency;
	return policy_save(ctx, before, p, resp);
}

/* Festival greetings turned on or off in the cell (stage, grade): the
 * customers in it get their open greeting cancelled, or one planned
 * (task_festival_sync). No index holds a cell's customers, so this walks
 * every customer record once: an admin's rare change, in one write. */
static crm_status
resync_greetings(struct req_ctx *ctx, int stage, int grade,
    const Crm__V1__CadenceCell *cell)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	while (rc == CRM_OK && store_id_next(ctx->st, ctx->txn, DB_CUSTOMERS,
	                           id, &id) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *c;
		rc = dispatch_record(ctx, DB_CUSTOMERS, id,
		    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
		if (rc == CRM_OK && (int)c->stage == stage &&
		    (int)c->grade == grade && c->owner_id != 0 &&
		    c->merged_into == 0) {
			rc = task_festival_sync(ctx, c, cell);
		} else if (rc == CRM_NOT_FOUND) {
			rc = CRM_OK;
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

/* The pool rules of policy.set (CadenceCell.reclaim_*) into cell c. */
static void
take_reclaim(const Crm__V1__PolicySetRequest *r, Crm__V1__CadenceCell *c)
{
	if (r->has_reclaim_after_days) {
		c->has_reclaim_after_days = 1;
		c->reclaim_after_days = r->reclaim_after_days;
	}
	if (r->has_reclaim_unwon_days) {
		c->has_reclaim_unwon_days = 1;
		c->reclaim_unwon_days = r->reclaim_unwon_days;
	}
	if (r->has_reclaim_warn_days) {
		c->has_reclaim_warn_days = 1;
		c->reclaim_warn_days = r->reclaim_warn_days;
	}
}

static int
has_reclaim(const Crm__V1__PolicySetRequest *r)
{
	return r->has_reclaim_after_days || r->has_reclaim_unwon_days ||
	       r->has_reclaim_warn_days;
}

/* A cell's pool rules as changed: a warning before the rule's date. */
static crm_status
reclaim_ok(struct req_ctx *ctx, const Crm__V1__PolicySetRequest *r,
    const Crm__V1__CadenceCell *c)
{
	unsigned w = c->reclaim_warn_days;
	if ((c->reclaim_after_days != 0 && w >= c->reclaim_after_days) ||
	    (c->reclaim_unwon_days != 0 && w >= c->reclaim_unwon_days)) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "reclaim_warn_days",
		    "the warning (%u working days before%s) must come after "
		    "the day the customer was last followed up: give a "
		    "--reclaim-warn below --reclaim-after and "
		    "--reclaim-unwon",
		    w,
		    r->has_reclaim_warn_days ? ""
		                             : ", the cell's, kept as "
		                               "--reclaim-warn was not given");
	}
	return CRM_OK;
}

/* policy.set with a stage: one cell of the matrix. */
static crm_status
set_cell(struct req_ctx *ctx, const Crm__V1__PolicySetRequest *r,
    Crm__V1__Policy *before, Crm__V1__Policy *p, Crm__V1__Response *resp)
{
	if (!pre_deal((int)r->stage) &&
	    r->stage != CRM__V1__STAGE__STAGE_WON &&
	    r->stage != CRM__V1__STAGE__STAGE_CHURN_RISK) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "stage",
		    "a lost customer is not followed: give potential, intent, "
		    "negotiation, won or churn_risk");
	}
	if (r->has_conversion_target) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "conversion_target",
		    "a conversion target is a grade's, not a cell's");
	}
	Crm__V1__CadenceCell *c = find_cell(p, (int)r->stage, (int)r->grade);
	if (c == NULL) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "grade", "give a grade S, A, B or C");
	}
	if (r->has_every_seconds) {
		c->has_every_seconds = 1;
		c->every_seconds = r->every_seconds;
	}
	if (r->set_channels || r->n_channels > 0) {
		c->channels = r->channels;
		c->n_channels = r->n_channels;
	}
	const char *goal = r->goal != NULL ? r->goal : r->focus;
	if (goal != NULL) {
		c->goal = *goal ? (char *)goal : NULL;
	}
	int greet_changed =
	    r->has_greetings && (c->greetings != 0) != (r->greetings != 0);
	if (r->has_greetings) {
		c->has_greetings = 1;
		c->greetings = r->greetings;
	}
	if (has_reclaim(r) && (r->stage == CRM__V1__STAGE__STAGE_WON)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "stage",
		    "won customers are never reclaimed to the pool");
	}
	take_reclaim(r, c);
	crm_status rc = reclaim_ok(ctx, r, c);
	if (rc == CRM_OK) {
		rc = policy_save(ctx, before, p, resp);
	}
	if (rc == CRM_OK && greet_changed) {
		rc = resync_greetings(ctx, (int)r->stage, (int)r->grade, c);
	}
	return rc;
}

static crm_status
set_apply(struct req_ctx *ctx, const Crm__V1__PolicySetRequest *r,
    Crm__V1__Response *resp)
{
	if (r->has_avoidance_followups && (!r->has_grade || r->grade == 0)) {
		if (r->avoidance_followups < 2 ||
		    r->avoidance_followups > 20) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "avoidance_followups",
			    "repeated avoidance is 2-20 follow-ups in a row");
		}
		Crm__V1__Policy *p, *before;
		crm_status rc = policy_load_twice(ctx, &p, &before);
		if (rc != CRM_OK) {
			return rc;
		}
		p->has_avoidance_followups = 1;
		p->avoidance_followups = r->avoidance_followups;
		return policy_save(ctx, before, p, resp);
	}
	if (r->has_cadence_working_days && (!r->has_grade || r->grade == 0)) {
		/* Cadence tasks off non-working days (calendar.h). */
		Crm__V1__Policy *p, *before;
		crm_status rc = policy_load_twice(ctx, &p, &before);
		if (rc != CRM_OK) {
			return rc;
		}
		p->has_cadence_working_days = 1;
		p->cadence_working_days = r->cadence_working_days;
		return policy_save(ctx, before, p, resp);
	}
	if (r->has_idem_retention_seconds &&
	    (!r->has_grade || r->grade == 0)) {
		return set_retention(ctx, r, resp);
	}
	if (r->currency != NULL && (!r->has_grade || r->grade == 0)) {
		return set_currency(ctx, r, resp);
	}
	if (!r->has_grade || r->grade == 0) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "grade", "give a grade S, A, B or C");
	}
	if (r->has_every_seconds &&
	    (r->every_seconds < 3600 || r->every_seconds > 366 * DAY)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "every_seconds",
		    "a cadence is between 1 hour and 366 days");
	}
	if (r->has_conversion_target && r->conversion_target > 100) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "conversion_target", "a conversion target is 0-100 %%");
	}
	if (r->n_channels > MAX_CHANNELS) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "channels",
		    "at most %d channels", MAX_CHANNELS);
	}
	if (r->reclaim_after_days > RECLAIM_MAX ||
	    r->reclaim_unwon_days > RECLAIM_MAX ||
	    r->reclaim_warn_days > RECLAIM_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    r->reclaim_after_days > RECLAIM_MAX ? "reclaim_after_days"
		    : r->reclaim_unwon_days > RECLAIM_MAX
		        ? "reclaim_unwon_days"
		        : "reclaim_warn_days",
		    "pool rules count 0 (off) to %d working days",
		    RECLAIM_MAX);
	}
	Crm__V1__Policy *p, *before;
	crm_status rc = policy_load_twice(ctx, &p, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	if (r->has_stage && r->stage != 0) {
		return set_cell(ctx, r, before, p, resp);
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
	/* The old per-grade form: the grade's row and its pre-deal cells. */
	for (size_t i = 0; i < p->n_cells; i++) {
		Crm__V1__CadenceCell *c = p->cells[i];
		if (c->grade != r->grade || !pre_deal((int)c->stage)) {
			continue;
		}
		if (r->has_every_seconds) {
			c->every_seconds = r->every_seconds;
		}
		if (r->set_channels || r->n_channels > 0) {
			c->channels = r->channels;
			c->n_channels = r->n_channels;
		}
		if (r->focus != NULL) {
			c->goal = *r->focus ? r->focus : NULL;
		}
		take_reclaim(r, c);
		rc = reclaim_ok(ctx, r, c);
		if (rc != CRM_OK) {
			return rc;
		}
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
	return policy_save(ctx, before, p, resp);
}

/* At most this many customers a dry run lists (all are counted). */
#define DRY_LIST 100
#define DRY_MAX  2000

crm_status
policy_handle_set(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	crm_status rc = set_apply(ctx, req->policy_set, resp);
	dispatch_field_prefix(ctx, "policy_set.");
	return rc;
}

crm_status
policy_handle_dry_run(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	/* The change and what the pool rules would do at once, in a
	 * transaction of its own that is thrown away. */
	Crm__V1__PolicyDryRun *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	struct pool_sweep_out sw;
	memset(&sw, 0, sizeof(sw));
	sw.cap = DRY_LIST;
	sw.reclaimed = crm_arena_alloc(ctx->arena, DRY_LIST * sizeof(void *));
	if (out == NULL || sw.reclaimed == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__policy_dry_run__init(out);
	MDB_txn *parent = ctx->txn, *child;
	crm_status rc = store_nested_begin(ctx->st, parent, &child);
	if (rc != CRM_OK) {
		return rc;
	}
	ctx->txn = child;
	rc = set_apply(ctx, req->policy_dry_run, resp);
	dispatch_field_prefix(ctx, "policy_dry_run.");
	if (rc == CRM_OK) {
		int64_t next;
		rc = pool_reclaim_sweep(ctx, DRY_MAX, &sw, &next, NULL, NULL);
	}
	ctx->txn = parent;
	store_nested_abort(child);
	if (rc != CRM_OK) {
		return rc;
	}
	out->policy = resp->policy;
	out->reclaimed = sw.reclaimed;
	out->n_reclaimed = sw.n;
	out->has_reclaimed_total = out->has_tasks_closed = 1;
	out->has_warned = 1;
	out->reclaimed_total = sw.total;
	out->tasks_closed = sw.tasks;
	out->warned = sw.warned;
	resp->body_case = CRM__V1__RESPONSE__BODY_POLICY_DRY_RUN;
	resp->policy_dry_run = out;
	return CRM_OK;
}

crm_status
policy_handle_value_set(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__ValuePolicy *in = req->policy_value_set->value;
	if (in == NULL) {
		return dispatch_fail(ctx, CRM_EINVAL, "nothing to change");
	}
	Crm__V1__Policy *p, *before;
	crm_status rc = policy_load_twice(ctx, &p, &before);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__ValuePolicy *v = p->value;
#define TAKE(f)               \
	if (in->has_##f) {    \
		v->f = in->f; \
	}
	TAKE(frequency_high)
	TAKE(frequency_medium)
	TAKE(amount_high)
	TAKE(amount_medium)
	TAKE(category_high)
	TAKE(category_medium)
	TAKE(high_every_seconds)
	TAKE(medium_every_seconds)
	TAKE(low_every_seconds)
#undef TAKE
	if (v->frequency_medium < 1 ||
	    v->frequency_high <= v->frequency_medium) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "policy_value_set.value.frequency_high",
		    "frequency: want high > medium >= 1 purchases (now %u, "
		    "%u)",
		    v->frequency_high, v->frequency_medium);
	}
	if (v->amount_medium <= 0 || v->amount_high <= v->amount_medium) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "policy_value_set.value.amount_high",
		    "amount: want high > medium > 0");
	}
	if (v->category_high > 100 || v->category_medium < 1 ||
	    v->category_high <= v->category_medium) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "policy_value_set.value.category_high",
		    "category: want 100 >= high > medium >= 1 (percent of the "
		    "revenue)");
	}
	int64_t every[3] = { v->high_every_seconds, v->medium_every_seconds,
		v->low_every_seconds };
	for (int i = 0; i < 3; i++) {
		if (every[i] < 3600 || every[i] > 366 * DAY) {
			static const char *const name[3] = {
				"policy_value_set.value.high_every_seconds",
				"policy_value_set.value.medium_every_seconds",
				"policy_value_set.value.low_every_seconds"
			};
			return dispatch_fail_field(ctx, CRM_EINVAL, name[i],
			    "a cadence is between 1 hour and 366 days");
		}
	}
	return policy_save(ctx, before, p, resp);
}
