/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.c: the customer lifecycle: stage changes with history (stage)
 * and grades proposed by reps, decided by the team's manager (grade
 * propose, pending, approve, reject). The grade changes only on approval.
 * A move to won with a deal amount records that deal as a purchase.
 */
#include "history.h"
#include "lifecycle.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "auth.h"
#include "calendar.h"
#include "crm.h"
#include "crm_pb_scan.h"
#include "customer.h"
#include "event.h"
#include "handlers.h"
#include "period_card.h"
#include "purchase.h"
#include "routine.h"
#include "sla.h"
#include "stats.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define PENDING_CAP 500 /* pending proposals in one reply */

/* Store one entry of a customer's stage history; *seq gets its number.
 * Every stage change, the first one included, is written here, and the
 * customer's period card with it (period_card.h). */
static crm_status
stage_record(struct req_ctx *ctx, const Crm__V1__StageChange *h, uint64_t *seq)
{
	crm_status rc = store_next_id(ctx->st, ctx->txn, "stage", seq);
	if (rc != CRM_OK) {
		return rc;
	}
	store_key k;
	store_key_pair(&k, h->customer_id, *seq);
	rc = store_put_msg(ctx->st, ctx->txn, DB_STAGE_HIST, &k, &h->base);
	if (rc == CRM_OK) {
		struct history_pos at = { h->customer_id, h->happened_at,
			*seq };
		rc = history_index_pos(ctx, HIST_STAGE, NULL, &at);
	}
	if (rc == CRM_OK) {
		rc = period_card_refresh(ctx, h->customer_id);
	}
	return rc;
}

/* fn(arg, value, seq, &stop) for each stored entry of customer_id's
 * stage history in number order (the walk both forms below share). */
typedef crm_status (*stage_raw_visit)(
    void *arg, const void *v, size_t n, uint64_t seq, bool *stop);

static crm_status
stage_raw_each(
    struct req_ctx *ctx, uint64_t customer_id, stage_raw_visit fn, void *arg)
{
	store_key p;
	store_key_id(&p, customer_id);
	struct store_iter it;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_STAGE_HIST, p.b, 8, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	bool stop = false;
	while (rc == CRM_OK && !stop && store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t n;
		if (klen == 16 && store_iter_data(&it, &v, &n)) {
			rc = fn(arg, v, n, store_u64(key + 8), &stop);
		}
	}
	store_iter_close(&it);
	return rc;
}

static crm_status
undecodable(struct req_ctx *ctx, uint64_t customer_id, uint64_t seq)
{
	return dispatch_fail(ctx, CRM_INTERNAL,
	    "stage history %" PRIu64 "/%" PRIu64 " does not decode",
	    customer_id, seq);
}

/* One walk's caller: its visit, of either form. */
struct visiting {
	struct req_ctx *ctx;
	uint64_t customer_id;
	union {
		lifecycle_stage_visit each;
		lifecycle_mark_visit mark;
	} fn;
	void *arg;
};

static crm_status
unpack_visit(void *arg, const void *v, size_t n, uint64_t seq, bool *stop)
{
	struct visiting *u = arg;
	Crm__V1__StageChange *h =
	    crm__v1__stage_change__unpack(&u->ctx->arena->allocator, n, v);
	return h != NULL ? u->fn.each(u->arg, h, seq, stop)
	                 : undecodable(u->ctx, u->customer_id, seq);
}

crm_status
lifecycle_stage_each(struct req_ctx *ctx, uint64_t customer_id,
    lifecycle_stage_visit fn, void *arg)
{
	struct visiting u = { ctx, customer_id, { .each = fn }, arg };
	return stage_raw_each(ctx, customer_id, unpack_visit, &u);
}

static crm_status
mark_visit(void *arg, const void *v, size_t n, uint64_t seq, bool *stop)
{
	struct visiting *k = arg;
	/* StageChange: happened_at = 2, stage_to = 6, grade = 10. */
	static const uint32_t fields[] = { 2, 6, 10 };
	uint64_t val[3];
	if (crm_pb_varints(v, n, fields, 3, val) & CRM_PB_MALFORMED) {
		return undecodable(k->ctx, k->customer_id, seq);
	}
	struct lifecycle_mark m = { (int64_t)val[0], seq,
		(uint8_t)(val[1] <= UINT8_MAX ? val[1] : 0),
		(uint8_t)(val[2] <= UINT8_MAX ? val[2] : 0) };
	return k->fn.mark(k->arg, &m, stop);
}

crm_status
lifecycle_stage_marks(struct req_ctx *ctx, uint64_t customer_id,
    lifecycle_mark_visit fn, void *arg)
{
	struct visiting k = { ctx, customer_id, { .mark = fn }, arg };
	return stage_raw_each(ctx, customer_id, mark_visit, &k);
}

static crm_status
latest_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)seq;
	(void)stop;
	const Crm__V1__StageChange **out = arg;
	/* The first entry (from no stage) is the record's start. */
	if (h->stage_from != 0 &&
	    (*out == NULL || h->happened_at > (*out)->happened_at)) {
		*out = h;
	}
	return CRM_OK;
}

crm_status
lifecycle_stage_latest(struct req_ctx *ctx, uint64_t customer_id,
    const Crm__V1__StageChange **out)
{
	*out = NULL;
	return lifecycle_stage_each(ctx, customer_id, latest_visit, out);
}

static crm_status
decided_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)seq;
	(void)stop;
	const Crm__V1__StageChange **out = arg;
	if (*out == NULL || h->happened_at > (*out)->happened_at) {
		*out = h;
	}
	return CRM_OK;
}

crm_status
lifecycle_stage_decided(struct req_ctx *ctx, uint64_t customer_id,
    const Crm__V1__StageChange **out)
{
	*out = NULL;
	return lifecycle_stage_each(ctx, customer_id, decided_visit, out);
}

crm_status
lifecycle_stage_entered(struct req_ctx *ctx, uint64_t customer_id, int64_t *at)
{
	const Crm__V1__StageChange *h;
	crm_status rc = lifecycle_stage_decided(ctx, customer_id, &h);
	*at = rc == CRM_OK && h != NULL ? h->happened_at : 0;
	return rc;
}

bool
lifecycle_lost_reason_ok(int lost_reason, const char *text)
{
	if (lost_reason <= 0) {
		return false;
	}
	if (lost_reason != CRM__V1__LOST_REASON__LOST_OTHER) {
		return true;
	}
	/* other: words besides "other" and its separators. */
	if (text == NULL) {
		return false;
	}
	if (strncasecmp(text, "other", 5) == 0) {
		text += 5;
	}
	for (; *text != '\0'; text++) {
		if (strchr(" \t,:;-.", *text) == NULL &&
		    strncmp(text, "，", strlen("，")) != 0 &&
		    strncmp(text, "：", strlen("：")) != 0 &&
		    strncmp(text, "、", strlen("、")) != 0 &&
		    strncmp(text, "\xe3\x80\x80", 3) != 0) {
			return true;
		}
		if ((unsigned char)*text >= 0x80) {
			text += 2; /* the rest of a 3-byte separator */
		}
	}
	return false;
}

/* The purchase a won deal of amount is recorded as, at c->won_at. */
crm_status
lifecycle_won_purchase(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int64_t amount, const char *terms, const char *category,
    uint64_t followup_id)
{
	Crm__V1__Purchase p = CRM__V1__PURCHASE__INIT;
	p.has_amount = p.has_bought_at = 1;
	p.amount = amount;
	p.bought_at = c->won_at && c->won_at < ctx->now ? c->won_at : ctx->now;
	/* Short one-line terms name the product; else a plain word. */
	p.product = terms && *terms && strlen(terms) <= PURCHASE_PRODUCT_MAX &&
	                    strpbrk(terms, "\t\n") == NULL
	                ? (char *)terms
	                : PURCHASE_DEAL_PRODUCT;
	/* The category value reports group by: given, else the customer's
	 * industry, else "deal"; a blank one is none. */
	const char *given = customer_trimmed(ctx, category);
	const char *industry = customer_trimmed(ctx, c->industry);
	p.category = (char *)(given ? given : industry ? industry : "deal");
	/* A customer imported with its deal: the deal was its owner's, not
	 * the importer's (purchase_add takes created_by from an import). */
	if (ctx->importing && followup_id == 0 && c->owner_id != 0) {
		p.has_created_by = 1;
		p.created_by = c->owner_id;
	}
	/* A purchase of the deal's day and amount, recorded before the
	 * deal was won (a purchases sheet, purchase add), is the deal: it
	 * is not counted twice. */
	uint64_t have;
	crm_status rc =
	    purchase_find_day(ctx, c->id, p.bought_at, amount, &have);
	if (rc == CRM_OK) {
		char day[16], money[32];
		calendar_day_key(p.bought_at, day, sizeof(day));
		crm_money_format(amount, money, sizeof(money));
		return event_add(ctx, c->id, 0,
		    "a purchase of the deal's day and amount was there",
		    "purchase %" PRIu64 " of %s (%s) is the won deal: not "
		    "recorded again",
		    have, day, money);
	}
	if (rc != CRM_NOT_FOUND) {
		return rc;
	}
	rc = purchase_add(ctx, c, &p, followup_id, NULL);
	if (rc != CRM_OK) {
		ctx->field[0] =
		    '\0'; /* a derived purchase: no request field */
	}
	return rc;
}

crm_status
lifecycle_stage_apply(
    struct req_ctx *ctx, Crm__V1__Customer *c, const struct lifecycle_stage *s)
{
	if (s->to <= 0) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "stage", "give a stage");
	}
	if ((int)c->stage == s->to) {
		/* The customer's state, not the request, is in the way. */
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "customer is already %s",
		    crm_enum_name(&crm__v1__stage__descriptor, s->to));
	}
	if (s->deal_amount < 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "deal_amount",
		    "deal_amount: want an amount of 0 or more");
	}
	/* A blank reason is no reason. */
	const char *reason = customer_trimmed(ctx, s->reason);
	if (s->to == CRM__V1__STAGE__STAGE_LOST &&
	    !lifecycle_lost_reason_ok(s->lost_reason, reason)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost needs a reason: price, competitor, service, "
		    "no_need or other (with text: --reason \"other: "
		    "...\")");
	}
	/* By when the change was made (Request.made_at): one kept offline
	 * is judged as if it came then. */
	if (s->to == CRM__V1__STAGE__STAGE_WON &&
	    s->won_at > dispatch_at(ctx) + LIFECYCLE_FUTURE_GRACE) {
		if (dispatch_at(ctx) < ctx->now) {
			char at[32], then[32];
			crm_time_format(s->won_at, at, sizeof(at));
			crm_time_format(dispatch_at(ctx), then, sizeof(then));
			return dispatch_fail_field(ctx, CRM_EINVAL, "won_at",
			    "won_at: a deal is won by now, not in the future: "
			    "this change was made %s, and says it was won %s",
			    then, at);
		}
		return dispatch_fail_field(ctx, CRM_EINVAL, "won_at",
		    "won_at: a deal is won by now, not in the future");
	}
	Crm__V1__StageChange h = CRM__V1__STAGE_CHANGE__INIT;
	h.has_customer_id = h.has_happened_at = h.has_by_id =
	    h.has_stage_from = h.has_stage_to = 1;
	h.customer_id = c->id;
	h.happened_at = s->at ? s->at : dispatch_at(ctx);
	h.by_id = ctx->who->user_id;
	h.stage_from = c->stage;
	h.stage_to = (Crm__V1__Stage)s->to;
	h.has_grade = c->has_grade;
	h.grade = c->grade;
	h.reason = (char *)reason;
	if (s->lost_reason > 0) {
		h.has_lost_reason = 1;
		h.lost_reason = (Crm__V1__LostReason)s->lost_reason;
	}
	if (s->followup_id) {
		h.has_followup_id = 1;
		h.followup_id = s->followup_id;
	}
	/* Whose move it is: the holder at its time. One dated back before
	 * a hand-over is the earlier holder's (scenario
	 * a-win-counts-for-whoever-won-it). */
	h.has_owner_id = 1;
	h.owner_id = c->owner_id;
	uint64_t then;
	crm_status rc = event_holder_at(ctx, c->id, h.happened_at, &then);
	if (rc == CRM_OK) {
		h.owner_id = then;
	} else if (rc != CRM_NOT_FOUND) {
		return rc;
	}
	/* And its grade then (a grade changed since: the one before),
	 * from its team's grade facts, else its holder's then. */
	uint8_t g;
	if (h.happened_at < ctx->now &&
	    (stats_grade_then(ctx, c->team_id, c->id, h.happened_at, &g) ||
	        stats_grade_then(ctx, STATS_PERSON | h.owner_id, c->id,
	            h.happened_at, &g))) {
		h.has_grade = 1;
		h.grade = (Crm__V1__Grade)g;
	}
	uint64_t seq;
	rc = stage_record(ctx, &h, &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_stage = 1;
	c->stage = (Crm__V1__Stage)s->to;
	if (h.stage_from == CRM__V1__STAGE__STAGE_LOST) {
		/* Back from lost: no longer lost, and followed again. */
		c->has_lost_reason = c->has_lost_at = 0;
		c->lost_reason = 0;
		c->lost_at = 0;
		c->lost_text = NULL;
		rc = task_extras_start(ctx, c);
		if (rc == CRM_OK) {
			rc = event_add(ctx, c->id, 0, "back from lost",
			    "lost reason cleared; a re-grade review and a "
			    "next "
			    "follow-up again");
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (s->to == CRM__V1__STAGE__STAGE_LOST) {
		c->has_lost_reason = c->has_lost_at = 1;
		c->lost_reason = (Crm__V1__LostReason)s->lost_reason;
		c->lost_text = (char *)reason;
		/* Lost when it happened, as won is (a follow-up logged later
		 * with its own date: log --at ... --stage lost). */
		c->lost_at = h.happened_at;
	}
	if (s->to == CRM__V1__STAGE__STAGE_WON) {
		c->has_won_at = 1;
		c->won_at = s->won_at ? s->won_at : h.happened_at;
		if (s->deal_amount) {
			c->has_deal_amount = 1;
			c->deal_amount = s->deal_amount;
		}
		if (s->contract_terms) {
			c->contract_terms = (char *)s->contract_terms;
		}
	}
	rc = stats_on_stage(ctx, c, &h, seq);
	if (rc == CRM_OK && s->to == CRM__V1__STAGE__STAGE_WON &&
	    s->deal_amount > 0) {
		rc = lifecycle_won_purchase(ctx, c, s->deal_amount,
		    s->contract_terms, s->category, s->followup_id);
	}
	/* Leaving churn_risk ends its contact clock (a lost customer never
	 * breaches it afterwards). */
	if (rc == CRM_OK && h.stage_from == CRM__V1__STAGE__STAGE_CHURN_RISK) {
		rc = sla_churn_end(ctx, c->id);
	}
	/* Seed 000: 流失风险客户 3天内主动联系, counted from when the risk
	 * was seen: a follow-up logged later (log --at ... --stage
	 * churn_risk) starts the clock at its own time. */
	if (rc == CRM_OK && s->to == CRM__V1__STAGE__STAGE_CHURN_RISK) {
		rc = sla_start_at(ctx, c, CRM__V1__SLA_KIND__SLA_CHURN_CONTACT,
		    s->reason, h.happened_at, NULL);
	}
	if (rc == CRM_OK) {
		rc = task_festival_resync(
		    ctx, c); /* the new cell's greetings */
	}
	return rc;
}

/* When customer c began: its first contact when that was before the
 * write was made (a customer entered after it was met: imported, typed
 * in late, or kept offline), else when it was made (dispatch_at). */
static int64_t
began_at(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	int64_t at = dispatch_at(ctx);
	return c->has_first_contact_at && c->first_contact_at > 0 &&
	               c->first_contact_at < at
	           ? c->first_contact_at
	           : at;
}

crm_status
lifecycle_stage_first(
    struct req_ctx *ctx, Crm__V1__Customer *c, int64_t at, int stage_given)
{
	Crm__V1__StageChange h = CRM__V1__STAGE_CHANGE__INIT;
	h.has_customer_id = h.has_happened_at = h.has_by_id = h.has_stage_to =
	    1;
	h.customer_id = c->id;
	/* Churn risk with no time said was seen when the record was made:
	 * its 3-day clock starts then, not at a first contact long ago. */
	h.happened_at =
	    at > 0 && at <= ctx->now                               ? at
	    : c->stage == CRM__V1__STAGE__STAGE_LOST && c->lost_at ? c->lost_at
	    : c->stage == CRM__V1__STAGE__STAGE_WON && c->won_at   ? c->won_at
	    : c->stage == CRM__V1__STAGE__STAGE_CHURN_RISK ? dispatch_at(ctx)
	                                                   : began_at(ctx, c);
	h.by_id = ctx->who->user_id;
	h.stage_to = c->stage;
	h.has_appeared = 1;
	h.appeared = !stage_given && !(at > 0 && at <= ctx->now) &&
	             c->stage == CRM__V1__STAGE__STAGE_POTENTIAL;
	h.has_grade = c->has_grade;
	h.grade = c->grade;
	h.has_owner_id = 1;
	h.owner_id = c->owner_id;
	h.reason = c->lost_text;
	if (c->stage == CRM__V1__STAGE__STAGE_LOST) {
		h.has_lost_reason = 1;
		h.lost_reason = c->lost_reason;
	}
	uint64_t seq;
	crm_status rc = stage_record(ctx, &h, &seq);
	if (rc == CRM_OK) {
		rc = stats_on_stage(ctx, c, &h, seq);
	}
	/* Seed 000's 3 days, from when the risk was seen (an import's
	 * stage_at), as for a stage change dated back. */
	if (rc == CRM_OK && c->stage == CRM__V1__STAGE__STAGE_CHURN_RISK) {
		rc = sla_start_at(ctx, c, CRM__V1__SLA_KIND__SLA_CHURN_CONTACT,
		    NULL, h.happened_at, NULL);
	}
	return rc;
}

struct first {
	Crm__V1__StageChange *h;
	uint64_t seq;
};

static crm_status
first_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	struct first *f = arg;
	f->h = h;
	f->seq = seq;
	*stop = true;
	return CRM_OK;
}

/* The first entry of customer cid's stage history into *first (NULL:
 * none) and its number into *seq. Errors: lifecycle_stage_each's. */
static crm_status
first_entry(struct req_ctx *ctx, uint64_t cid,
    Crm__V1__StageChange **first /* OUT */, uint64_t *seq /* OUT */)
{
	struct first f = { NULL, 0 };
	crm_status rc = lifecycle_stage_each(ctx, cid, first_visit, &f);
	*first = f.h;
	*seq = f.seq;
	return rc;
}

/* The earliest time of customer cid's stage entries other than seq. */
struct others {
	uint64_t skip;
	int64_t at; /* 0: none */
};

static crm_status
others_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)stop;
	struct others *o = arg;
	if (seq != o->skip && (o->at == 0 || h->happened_at < o->at)) {
		o->at = h->happened_at;
	}
	return CRM_OK;
}

/* Move c's first stage entry to c's first contact: back, or with
 * forward, later too when no other entry of its history lies before
 * the new time. */
static crm_status
first_to_contact(struct req_ctx *ctx, const Crm__V1__Customer *c, int forward)
{
	if (!c->has_first_contact_at || c->first_contact_at <= 0) {
		return CRM_OK;
	}
	Crm__V1__StageChange *h;
	uint64_t seq;
	crm_status rc = first_entry(ctx, c->id, &h, &seq);
	/* Only the entry that begins the history (from no stage) moves,
	 * and only when it merely records when the customer appeared: a
	 * stage decided at its time stays there. */
	if (rc != CRM_OK || h == NULL || h->stage_from != 0 ||
	    !h->has_appeared || !h->appeared ||
	    h->happened_at == c->first_contact_at ||
	    (h->happened_at < c->first_contact_at && !forward)) {
		return rc;
	}
	if (h->happened_at < c->first_contact_at) {
		struct others o = { seq, 0 };
		rc = lifecycle_stage_each(ctx, c->id, others_visit, &o);
		if (rc != CRM_OK ||
		    (o.at != 0 && o.at < c->first_contact_at)) {
			return rc; /* its history goes on before the new time
			            */
		}
	}
	int64_t was = h->happened_at;
	h->happened_at = c->first_contact_at;
	store_key k;
	store_key_pair(&k, c->id, seq);
	rc = store_put_msg(ctx->st, ctx->txn, DB_STAGE_HIST, &k, &h->base);
	if (rc == CRM_OK) {
		struct history_pos from = { c->id, was, seq },
		                   to = { c->id, h->happened_at, seq };
		rc = history_index_pos(ctx, HIST_STAGE, &from, &to);
	}
	if (rc == CRM_OK) {
		rc = stats_stage_retime(ctx, c, seq, was, h->happened_at);
	}
	if (rc == CRM_OK) {
		rc = period_card_refresh(ctx, c->id);
	}
	return rc;
}

crm_status
lifecycle_first_back(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	return first_to_contact(ctx, c, 0);
}

crm_status
lifecycle_first_moved(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	return first_to_contact(ctx, c, 1);
}

struct since {
	int stage;
	int64_t at;
};

static crm_status
since_visit(void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop)
{
	(void)seq;
	(void)stop;
	struct since *s = arg;
	/* The last entry (the highest number) is the move to its stage;
	 * an entry dated back may be older than the one before it. */
	if ((int)h->stage_to == s->stage) {
		s->at = h->happened_at;
	}
	return CRM_OK;
}

crm_status
lifecycle_stage_since(
    struct req_ctx *ctx, const Crm__V1__Customer *c, int64_t *at)
{
	struct since s = { (int)c->stage, c->created_at };
	crm_status rc = lifecycle_stage_each(ctx, c->id, since_visit, &s);
	*at = s.at;
	return rc;
}

/* The first entry of customer c's stage history, if it lacks one:
 * the "from" of its earliest entry, else its stage now. */
static crm_status
backfill_one(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	Crm__V1__StageChange *first;
	uint64_t seq;
	crm_status rc = first_entry(ctx, c->id, &first, &seq);
	if (rc != CRM_OK || (first != NULL && first->stage_from == 0)) {
		return rc;
	}
	Crm__V1__StageChange h = CRM__V1__STAGE_CHANGE__INIT;
	h.has_customer_id = h.has_happened_at = h.has_by_id = h.has_stage_to =
	    1;
	h.customer_id = c->id;
	h.happened_at = c->created_at;
	h.by_id = c->created_by;
	h.stage_to = first != NULL ? first->stage_from : c->stage;
	h.has_grade = c->has_grade;
	h.grade = c->grade;
	if (h.stage_to == CRM__V1__STAGE__STAGE_LOST && c->has_lost_reason) {
		h.has_lost_reason = 1;
		h.lost_reason = c->lost_reason;
		h.reason = c->lost_text;
	}
	return stage_record(ctx, &h, &seq);
}

static crm_status
backfill_staged(struct req_ctx *ctx, Crm__V1__Customer *c, void *arg)
{
	(void)arg;
	return c->stage != 0 ? backfill_one(ctx, c) : CRM_OK;
}

crm_status
lifecycle_backfill_first(struct req_ctx *ctx)
{
	return customer_each(ctx, backfill_staged, NULL);
}

crm_status
lifecycle_handle_stage(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__StageSetRequest *r = req->stage_set;
	Crm__V1__Customer *before, *c;
	crm_status rc = customer_editable(ctx, r->customer_id, &before);
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, r->customer_id, &c);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* A dated move (stage won --date) happened at its date, as a
	 * follow-up's does (log --at ... --stage won): its history entry and
	 * every fact it sets count then (never later than now). */
	int dated = r->has_stage && r->stage == CRM__V1__STAGE__STAGE_WON &&
	            r->has_won_at && r->won_at != 0;
	int64_t at =
	    dated && r->won_at < ctx->now ? r->won_at : dispatch_at(ctx);
	/* Made earlier than it came (Request.made_at: kept offline), or
	 * dated back: dated then, which a stage change made since would
	 * contradict. */
	const Crm__V1__StageChange *latest = NULL;
	Crm__V1__StageChange *first = NULL;
	uint64_t first_seq;
	if (at < ctx->now) {
		rc = lifecycle_stage_latest(ctx, c->id, &latest);
		if (rc == CRM_OK) {
			rc = first_entry(ctx, c->id, &first, &first_seq);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	/* Times are whole seconds: another user's change in the same
	 * second as this one may be the later, and is kept (a rep's own
	 * changes of one second come in the order made, and go on). */
	int tie = latest != NULL && latest->happened_at == at &&
	          ctx->who != NULL && latest->by_id != ctx->who->user_id;
	if (latest != NULL && (latest->happened_at > at || tie)) {
		char made[AUDIT_TIME_LEN], then[AUDIT_TIME_LEN];
		audit_conflict_times(
		    at, latest->happened_at, made, then, sizeof(made));
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "this stage change was %s %s, %s the latest one "
		    "(%s, %s → %s, by %s): not applied; if it still holds, "
		    "%s",
		    dated ? "dated" : "made", made,
		    tie ? "in the same second as" : "before", then,
		    crm_enum_name(
		        &crm__v1__stage__descriptor, latest->stage_from),
		    crm_enum_name(
		        &crm__v1__stage__descriptor, latest->stage_to),
		    user_login_of(ctx, latest->by_id),
		    dated ? "make it again"
		          : "drop it from the outbox (outbox drop ID) and "
		            "make it again");
	}
	/* Nor before the customer began (its first stage: its first
	 * contact, or its entry): a won date there would put a deal into a
	 * month the customer was not yet in. */
	if (first != NULL && first->happened_at > at) {
		char made[32], began[32];
		crm_time_format(at, made, sizeof(made));
		crm_time_format(first->happened_at, began, sizeof(began));
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "this stage change was %s %s, before the customer began "
		    "(%s, its first contact or entry): not applied; if it was "
		    "met earlier, set that first (customer edit ID "
		    "first_contact_at=...)",
		    dated ? "dated" : "made", made, began);
	}
	struct lifecycle_stage s = {
		.to = r->has_stage ? (int)r->stage : 0,
		.reason = r->reason,
		.lost_reason = r->has_lost_reason ? (int)r->lost_reason : 0,
		.deal_amount = r->has_deal_amount ? r->deal_amount : 0,
		.won_at = r->has_won_at ? r->won_at : 0,
		.contract_terms = r->contract_terms,
		.category = r->category,
		.at = at,
	};
	rc = lifecycle_stage_apply(ctx, c, &s);
	if (rc != CRM_OK) {
		dispatch_field_prefix(ctx, "stage_set.");
	}
	if (rc == CRM_OK) {
		rc = customer_save(ctx, before, c);
	}
	/* Back from lost, the cadence counts from then. */
	if (rc == CRM_OK) {
		rc = task_followup_sync(ctx, c,
		    before->stage == CRM__V1__STAGE__STAGE_LOST
		        ? dispatch_at(ctx)
		        : customer_last_contact(c),
		    1); /* the stage's cell of the cadence matrix */
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, c, resp);
}

/* ---------------------------------------------------- grades */

static crm_status
proposal_load(struct req_ctx *ctx, uint64_t id, Crm__V1__GradeProposal **p)
{
	return dispatch_record(ctx, DB_PROPOSALS, id,
	    &crm__v1__grade_proposal__descriptor, (ProtobufCMessage **)p);
}

static void
proposal_fill(struct req_ctx *ctx, Crm__V1__GradeProposal *p)
{
	if (!customer_fill_shown(ctx, &p->customer, &p->has_customer_id,
	        &p->customer_id, NULL)) {
		p->reason = p->decision_reason = NULL;
	}
	p->proposed_by = (char *)user_login_of(ctx, p->proposed_by_id);
	if (p->decided_by_id) {
		p->decided_by = (char *)user_login_of(ctx, p->decided_by_id);
	}
}

static crm_status
proposal_put(struct req_ctx *ctx, const Crm__V1__GradeProposal *before,
    Crm__V1__GradeProposal *p, uint64_t team_id)
{
	crm_status rc = CRM_OK;
	p->customer = p->proposed_by = p->decided_by = NULL;
	int was = before &&
	          before->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
	int is = p->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
	if (was && !is) {
		rc = store_index_del(
		    ctx->st, ctx->txn, DB_PROP_PENDING, team_id, p->id);
	} else if (!was && is) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_PROP_PENDING, team_id, p->id);
	}
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_PROP_CUST, p->customer_id, p->id);
	}
	store_key k;
	store_key_id(&k, p->id);
	if (rc == CRM_OK) {
		rc = history_index(ctx, HIST_GRADE,
		    (const ProtobufCMessage *)before, &p->base);
	}
	if (rc == CRM_OK) {
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_PROPOSALS, &k, &p->base);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "grade_proposal", p->id,
		    before ? &before->base : NULL, &p->base);
	}
	return rc;
}

crm_status
lifecycle_handle_grade_propose(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__GradeProposeRequest *r = req->grade_propose;
	if (!r->has_grade || r->grade == 0 || r->reason == NULL ||
	    *r->reason == '\0') {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_grade || r->grade == 0 ? "grade_propose.grade"
		                                   : "grade_propose.reason",
		    "give a grade S, A, B or C and a reason");
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_editable(ctx, r->customer_id, &c);
	Crm__V1__GradeProposal *p = NULL;
	if (rc == CRM_OK) {
		rc = lifecycle_propose(ctx, c, r->grade, r->reason, &p);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_PROPOSAL;
	resp->proposal = p;
	return CRM_OK;
}

crm_status
lifecycle_propose(struct req_ctx *ctx, const Crm__V1__Customer *c, int grade,
    const char *reason, Crm__V1__GradeProposal **out)
{
	if ((int)c->grade == grade) {
		return dispatch_fail(ctx, CRM_EINVAL,
		    "the grade is already %s",
		    crm_enum_name(&crm__v1__grade__descriptor, grade));
	}
	Crm__V1__GradeProposal *p = crm_arena_alloc(ctx->arena, sizeof(*p));
	if (p == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__grade_proposal__init(p);
	crm_status rc = store_next_id(ctx->st, ctx->txn, "proposal", &p->id);
	if (rc != CRM_OK) {
		return rc;
	}
	p->has_id = p->has_customer_id = p->has_proposed_by_id = 1;
	p->has_grade_from = p->has_grade_to = p->has_status =
	    p->has_created_at = 1;
	p->customer_id = c->id;
	p->proposed_by_id = ctx->who->user_id;
	p->grade_from = c->grade;
	p->grade_to = (Crm__V1__Grade)grade;
	p->reason = (char *)reason;
	p->status = CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
	p->created_at = dispatch_at(ctx);
	rc = proposal_put(ctx, NULL, p, c->team_id);
	if (rc != CRM_OK) {
		return rc;
	}
	proposal_fill(ctx, p);
	if (out != NULL) {
		*out = p;
	}
	return CRM_OK;
}

crm_status
lifecycle_grade_set(struct req_ctx *ctx, const Crm__V1__Customer *c, int from,
    int to, const char *reason)
{
	if (from == to) {
		return CRM_OK;
	}
	const char *f = crm_enum_name(&crm__v1__grade__descriptor, from);
	return event_add_kind(ctx, c->id, 0, "grade", reason, "%s → %s set",
	    f[0] ? f : "-", crm_enum_name(&crm__v1__grade__descriptor, to));
}

/* The pending proposals the caller decides on (or made), up to cap. */
crm_status
lifecycle_pending(struct req_ctx *ctx, Crm__V1__GradeProposal ***out,
    size_t *n, size_t cap, int *more)
{
	*n = 0;
	*more = 0;
	*out = crm_arena_alloc(ctx->arena, cap * sizeof(**out));
	if (*out == NULL) {
		return CRM_TOO_BIG;
	}
	struct store_iter it;
	store_key p;
	size_t plen = 8;
	store_key_id(&p, ctx->who->team_id);
	if (ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		plen = 0;
	}
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_PROP_PENDING, p.b, plen, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		Crm__V1__GradeProposal *gp;
		if (klen != 16) {
			continue;
		}
		size_t mark = crm_arena_mark(ctx->arena);
		rc = dispatch_list_record(ctx, DB_PROPOSALS,
		    store_u64(key + 8), &crm__v1__grade_proposal__descriptor,
		    (ProtobufCMessage **)&gp);
		if (rc != CRM_OK) {
			break;
		}
		/* A rep: the proposals on customers they own, whoever made
		 * them (a customer given away takes its proposals along). */
		Crm__V1__Customer *c = NULL;
		if (ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			rc = dispatch_list_record(ctx, DB_CUSTOMERS,
			    gp->customer_id, &crm__v1__customer__descriptor,
			    (ProtobufCMessage **)&c);
			if (rc != CRM_OK) {
				break;
			}
		}
		if (ctx->who->role == CRM__V1__ROLE__ROLE_REP &&
		    c->owner_id != ctx->who->user_id) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		if (*n == cap) {
			/* One more is pending: say so, never cut silently. */
			crm_arena_release(ctx->arena, mark);
			*more = 1;
			break;
		}
		proposal_fill(ctx, gp);
		(*out)[(*n)++] = gp;
	}
	store_iter_close(&it);
	return rc;
}

crm_status
lifecycle_handle_grade_pending(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	(void)req;
	Crm__V1__GradeProposalList *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__grade_proposal_list__init(out);
	int more = 0;
	crm_status rc = lifecycle_pending(
	    ctx, &out->proposals, &out->n_proposals, PENDING_CAP, &more);
	out->has_more = out->more = more;
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_PROPOSALS;
		resp->proposals = out;
	}
	return rc;
}

static crm_status
decide(struct req_ctx *ctx, const Crm__V1__GradeDecideRequest *r, int approve,
    Crm__V1__Response *resp)
{
	if (r->id == 0) {
		return dispatch_fail_no_id(ctx, "grade proposal");
	}
	Crm__V1__GradeProposal *before, *p;
	crm_status rc = proposal_load(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = proposal_load(ctx, r->id, &p);
	}
	Crm__V1__Customer *cb, *c;
	if (rc == CRM_OK) {
		rc = customer_visible(ctx, p->customer_id, &cb);
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(
		    ctx, rc, "no grade proposal %" PRIu64, r->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (!auth_manages(ctx->who, cb->team_id)) {
		return dispatch_fail(ctx, CRM_EPERM,
		    "only a manager of the team decides grades");
	}
	if (p->status != CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "proposal %" PRIu64 " is already decided", r->id);
	}
	if (!approve && (r->reason == NULL || *r->reason == '\0')) {
		return dispatch_fail(ctx, CRM_EINVAL, "say why you reject it");
	}
	if (approve && cb->grade != p->grade_from) {
		/* Made for a grade the customer no longer has (another
		 * proposal approved since, a manager's edit): approved, it
		 * would write a change from a grade it did not have. */
		const char *from = crm_enum_name(
		    &crm__v1__grade__descriptor, (int)p->grade_from);
		const char *to = crm_enum_name(
		    &crm__v1__grade__descriptor, (int)p->grade_to);
		const char *now =
		    crm_enum_name(&crm__v1__grade__descriptor, (int)cb->grade);
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "proposal %" PRIu64 " (%s → %s) was made when %s was %s; "
		    "it is %s now%s: nothing to approve as proposed; reject "
		    "it (grade reject %" PRIu64 " REASON)%s",
		    r->id, from[0] ? from : "-", to, cb->name,
		    from[0] ? from : "-", now[0] ? now : "-",
		    cb->grade == p->grade_to ? " already" : "", r->id,
		    cb->grade == p->grade_to ? ""
		                             : ", or propose the grade again");
	}
	p->has_status = p->has_decided_by_id = p->has_decided_at = 1;
	p->status = approve ? CRM__V1__PROPOSAL_STATUS__PROPOSAL_APPROVED
	                    : CRM__V1__PROPOSAL_STATUS__PROPOSAL_REJECTED;
	p->decided_by_id = ctx->who->user_id;
	/* When the manager decided (kept offline too), never before the
	 * proposal was made. */
	p->decided_at = dispatch_at(ctx) > p->created_at ? dispatch_at(ctx)
	                                                 : p->created_at;
	p->decision_reason = r->reason;
	rc = proposal_put(ctx, before, p, cb->team_id);
	if (rc == CRM_OK && approve) {
		rc = customer_visible(ctx, p->customer_id, &c);
		if (rc == CRM_OK) {
			c->has_grade = 1;
			c->grade = p->grade_to;
			rc = customer_save(ctx, cb, c);
		}
		if (rc == CRM_OK) {
			rc = task_followup_sync(
			    ctx, c, customer_last_contact(c), 1);
		}
		if (rc == CRM_OK) {
			rc = task_festival_resync(ctx, c);
		}
	}
	if (rc != CRM_OK) {
		return rc;
	}
	proposal_fill(ctx, p);
	resp->body_case = CRM__V1__RESPONSE__BODY_PROPOSAL;
	resp->proposal = p;
	return CRM_OK;
}

crm_status
lifecycle_handle_grade_approve(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	return decide(ctx, req->grade_approve, 1, resp);
}

crm_status
lifecycle_handle_grade_reject(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	return decide(ctx, req->grade_reject, 0, resp);
}

/* ---------------------------------------------------- new owner, merge */

static const char *
dash(const char *s)
{
	return s != NULL && *s ? s : "-";
}

crm_status
lifecycle_given(struct req_ctx *ctx, const Crm__V1__Customer *before,
    const Crm__V1__Customer *after)
{
	/* The hand-over itself: who from, who to, by whom (the who). */
	crm_status rc = CRM_OK;
	if (before->owner_id != after->owner_id ||
	    before->team_id != after->team_id) {
		/* customer.assign, pool.claim, customer.handover. */
		const char *how =
		    ctx->action != NULL &&
		            strcmp(ctx->action, "customer.assign") != 0
		        ? ctx->action
		        : "customer assign";
		rc = event_add_owner(ctx, after->id, before->owner_id,
		    after->owner_id, how, "owner %s → %s (team %s → %s)",
		    before->owner_id ? user_login_of(ctx, before->owner_id)
		                     : "the pool",
		    after->owner_id ? user_login_of(ctx, after->owner_id)
		                    : "the pool",
		    dash(user_team_name(ctx, before->team_id)),
		    dash(user_team_name(ctx, after->team_id)));
	}
	if (rc == CRM_OK) {
		rc = task_reown(ctx, after, before->owner_id);
	}
	if (rc == CRM_OK) {
		rc = sla_reown(ctx, after, before->owner_id);
	}
	uint64_t id = 0;
	while (rc == CRM_OK && before->team_id != after->team_id &&
	       store_index_next(ctx->st, ctx->txn, DB_PROP_CUST, after->id, id,
	           &id) == CRM_OK) {
		Crm__V1__GradeProposal *p;
		rc = proposal_load(ctx, id, &p);
		if (rc != CRM_OK ||
		    p->status != CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING) {
			continue;
		}
		rc = store_index_del(
		    ctx->st, ctx->txn, DB_PROP_PENDING, before->team_id, id);
		if (rc == CRM_OK) {
			rc = store_index_add(ctx->st, ctx->txn,
			    DB_PROP_PENDING, after->team_id, id);
		}
		if (rc == CRM_OK) {
			rc = event_add(ctx, after->id, 0,
			    "the customer was given to another team",
			    "grade proposal %" PRIu64
			    " (%s) now waits for team "
			    "%s",
			    id,
			    crm_enum_name(
			        &crm__v1__grade__descriptor, p->grade_to),
			    user_team_name(ctx, after->team_id));
		}
	}
	/* Taken from the pool (pool claim, or customer assign by a
	 * manager): the pool cancelled all its tasks, so it gets what a
	 * newly owned active customer gets: its next follow-up counted
	 * from now (customer_last_contact: from pool_left_at, as for a new
	 * customer, never from the former owner's last contact, which
	 * would be in the past), the month-end re-grade, greetings and its
	 * routines' occurrences. */
	int from_pool = before->owner_id == 0 && after->owner_id != 0;
	if (rc == CRM_OK && from_pool) {
		/* Plans left from before the pool (a customer pooled before
		 * pool_put dropped them) would skip occurrences it cancelled:
		 * drop them, so its routines plan from now. */
		rc = routine_pooled(
		    ctx, after->id, "the customer was taken from the pool");
	}
	if (rc == CRM_OK) {
		rc = task_followup_sync(
		    ctx, after, customer_last_contact(after), 0);
	}
	if (rc == CRM_OK && from_pool &&
	    after->stage != CRM__V1__STAGE__STAGE_LOST) {
		rc = task_extras_start(ctx, after);
	} else if (rc == CRM_OK) {
		rc = task_festival_resync(ctx, after);
	}
	return rc;
}

/* Whether customer id has a pending proposal. */
static int
has_pending(struct req_ctx *ctx, uint64_t customer_id)
{
	uint64_t id = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_PROP_CUST, customer_id,
	           id, &id) == CRM_OK) {
		Crm__V1__GradeProposal *p;
		if (proposal_load(ctx, id, &p) == CRM_OK &&
		    p->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING) {
			return 1;
		}
	}
	return 0;
}

crm_status
lifecycle_proposals_merge(struct req_ctx *ctx, const Crm__V1__Customer *drop,
    const Crm__V1__Customer *keep)
{
	crm_status rc = CRM_OK;
	uint64_t id = 0;
	/* Each move deletes (drop, id); the next seek starts after it. */
	while (
	    rc == CRM_OK && store_index_next(ctx->st, ctx->txn, DB_PROP_CUST,
	                        drop->id, id, &id) == CRM_OK) {
		/* Set when rc is CRM_OK (NULL for cppcheck). */
		Crm__V1__GradeProposal *before = NULL, *p = NULL;
		rc = proposal_load(ctx, id, &before);
		if (rc == CRM_OK) {
			rc = proposal_load(ctx, id, &p);
		}
		int pending =
		    rc == CRM_OK &&
		    p->status == CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
		int withdraw = pending && (p->grade_to == keep->grade ||
		                              has_pending(ctx, keep->id));
		if (rc == CRM_OK && pending) {
			rc = store_index_del(ctx->st, ctx->txn,
			    DB_PROP_PENDING, drop->team_id, id);
		}
		if (rc == CRM_OK) {
			rc = store_index_del(
			    ctx->st, ctx->txn, DB_PROP_CUST, drop->id, id);
		}
		if (rc != CRM_OK) {
			break;
		}
		p->customer_id = keep->id;
		if (withdraw) {
			p->status =
			    CRM__V1__PROPOSAL_STATUS__PROPOSAL_WITHDRAWN;
			p->has_decided_by_id = p->has_decided_at = 1;
			p->decided_by_id = ctx->who ? ctx->who->user_id : 0;
			p->decided_at = ctx->now;
			p->decision_reason =
			    "withdrawn: its customer was merged";
		} else if (pending) {
			p->grade_from = keep->grade;
		}
		/* Its entries under keep; proposal_put drops a withdrawn
		 * one's pending entry (gone already) and writes it. */
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_PROP_CUST, keep->id, id);
		if (rc == CRM_OK && pending && !withdraw) {
			rc = store_index_add(ctx->st, ctx->txn,
			    DB_PROP_PENDING, keep->team_id, id);
		}
		if (rc == CRM_OK) {
			rc = proposal_put(ctx, before, p, keep->team_id);
		}
		if (rc == CRM_OK && pending) {
			rc = event_add(ctx, keep->id, 0,
			    !withdraw ? "customers merged"
			    : p->grade_to == keep->grade
			        ? "customers merged: the kept customer has "
			          "that grade"
			        : "customers merged: the kept customer has a "
			          "pending grade proposal",
			    "grade proposal %" PRIu64
			    " (%s) of merged customer "
			    "%s %s",
			    id,
			    crm_enum_name(
			        &crm__v1__grade__descriptor, p->grade_to),
			    drop->name ? drop->name : "",
			    withdraw ? "withdrawn" : "moved here");
		}
	}
	return rc;
}
