/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.h: stage changes (with their history) and grade proposals,
 * shared by the stage command and by follow-up logging.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stdbool.h>

#include "dispatch.h"

struct lifecycle_stage {
	int to; /* Crm__V1__Stage */
	const char *reason;
	int lost_reason;     /* Crm__V1__LostReason; required for lost */
	int64_t deal_amount; /* won: 0 = not given */
	int64_t won_at;      /* won: 0 = at */
	const char *contract_terms;
	uint64_t followup_id;
	int64_t at; /* when it happened; 0 = when the request was made
	             * (ctx->at: now, or earlier for a write kept offline) */
	const char *category; /* won: the purchase's; NULL = industry */
};

/* How far past now a won or lost time may be (clocks differ a little). */
#define LIFECYCLE_FUTURE_GRACE 600

/*
 * lifecycle_stage_each: fn(arg, h, seq, &stop) for each entry of
 * customer_id's stage history in its order (by number, not by time: an
 * entry dated back may be older than the one before it), until fn sets
 * stop or fails. h is in ctx's arena (the caller releases it). Errors:
 * the store's, fn's, CRM_INTERNAL for an entry that does not decode.
 */
typedef crm_status (*lifecycle_stage_visit)(
    void *arg, Crm__V1__StageChange *h, uint64_t seq, bool *stop);
crm_status lifecycle_stage_each(struct req_ctx *ctx, uint64_t customer_id,
    lifecycle_stage_visit fn, void *arg);

/*
 * lifecycle_stage_marks: the same walk for a report over every customer
 * of a team: each entry's time, number, stage to and grade then (0:
 * none), read from the stored bytes without unpacking the entry (no
 * allocation). Errors: as lifecycle_stage_each.
 */
struct lifecycle_mark {
	int64_t at;
	uint64_t seq;
	uint8_t stage_to, grade;
};
typedef crm_status (*lifecycle_mark_visit)(
    void *arg, const struct lifecycle_mark *m, bool *stop);
crm_status lifecycle_stage_marks(struct req_ctx *ctx, uint64_t customer_id,
    lifecycle_mark_visit fn, void *arg);

/*
 * lifecycle_stage_latest: the latest change of customer_id's stage
 * in its history (by time; its first entry, from no stage, is no
 * change), or NULL when none. *out is in ctx->arena. Errors: store,
 * CRM_INTERNAL (an entry that does not decode).
 */
crm_status lifecycle_stage_latest(struct req_ctx *ctx, uint64_t customer_id,
    const Crm__V1__StageChange **out /* OUT */);

/*
 * lifecycle_stage_decided: the latest stage decision of customer_id (by
 * time), its first entry included: the stage a customer was entered or
 * imported with (an import's stage_at) was decided then too; NULL when
 * the history is empty. *out is in ctx->arena. Errors: those of
 * lifecycle_stage_latest.
 */
crm_status lifecycle_stage_decided(struct req_ctx *ctx, uint64_t customer_id,
    const Crm__V1__StageChange **out /* OUT */);

/*
 * lifecycle_stage_entered: when customer_id entered its current stage:
 * lifecycle_stage_decided's time (a customer added or imported at a
 * stage, won at its won time), or 0 when it has none.
 */
crm_status lifecycle_stage_entered(
    struct req_ctx *ctx, uint64_t customer_id, int64_t *at /* OUT */);

/* lifecycle_lost_reason_ok: lost_reason (Crm__V1__LostReason) with the
 * reason's text (trimmed; NULL: none) is a reason: one of the kinds, and
 * other only with words besides "other". */
bool lifecycle_lost_reason_ok(int lost_reason, const char *text);

/*
 * lifecycle_won_purchase: record the won deal of customer c (won_at set)
 * as a purchase of amount at c->won_at, its category the given one, else
 * c's industry, else "deal" (blank counts as none); product: short
 * one-line terms, else "won deal".
 */
crm_status lifecycle_won_purchase(struct req_ctx *ctx,
    const Crm__V1__Customer *c, int64_t amount, const char *terms,
    const char *category, uint64_t followup_id);

/*
 * lifecycle_stage_apply: move c (changed in place; the caller saves it)
 * to s->to, writing the history entry; churn_risk starts its SLA clock;
 * back from lost clears the lost reason and date and gives c its re-grade
 * review (and greetings) again (the caller's task_followup_sync its next
 * follow-up). Errors: CRM_EINVAL (lost without a reason, a won time in
 * the future), CRM_EPRECOND (already in that stage).
 */
crm_status lifecycle_stage_apply(struct req_ctx *ctx, Crm__V1__Customer *c,
    const struct lifecycle_stage *s);

/*
 * lifecycle_stage_first: the first entry of new customer c's stage
 * history (from no stage to c->stage) at `at` (0, or later than now: at
 * its won or lost time if any; churn_risk: when the write was made;
 * else at its first contact when that is earlier than the write: when
 * it began); a churn_risk customer's contact clock starts then.
 * stage_given: the stage was said (not the default); with no time (at 0)
 * and no stage said, the entry only records when the customer appeared
 * (appeared: it may move back, lifecycle_first_back).
 */
crm_status lifecycle_stage_first(
    struct req_ctx *ctx, Crm__V1__Customer *c, int64_t at, int stage_given);

/*
 * lifecycle_stage_since: *at, when customer c entered its stage: the
 * time of the latest entry of its stage history that moved it there
 * (none: its creation). Errors: those of the store.
 */
crm_status lifecycle_stage_since(
    struct req_ctx *ctx, const Crm__V1__Customer *c, int64_t *at /* OUT */);

/*
 * lifecycle_first_back: when c->first_contact_at moved back before the
 * entry that begins c's stage history (a follow-up logged or imported
 * with an earlier date, an edit, a merge), that entry moves back to it,
 * with its timeline entry and report facts, if it only records when the
 * customer appeared (appeared: added with no stage and no stage time
 * given). A first entry that is a decision (a stage or its time given:
 * an import's 进入阶段时间, added as won, lost or churn_risk, --stage) keeps
 * its time: a follow-up before it is history only and never moves the
 * customer's stage (reports count it from its first contact anyway,
 * report_period_of). Entries without the mark (written before it) keep
 * their time. Later entries never move. Errors: store.
 */
crm_status lifecycle_first_back(
    struct req_ctx *ctx, const Crm__V1__Customer *c);
/* lifecycle_first_moved: the same after an edit of the first contact,
 * either way: later too, when no other entry of the history lies before
 * the new time (a customer is not at a stage before it began). */
crm_status lifecycle_first_moved(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

/* lifecycle_backfill_first: the first stage entry of every customer
 * whose history lacks one (written before schema 5), at its creation. */
crm_status lifecycle_backfill_first(struct req_ctx *ctx);

/*
 * lifecycle_propose: a pending proposal to move c to grade, by the caller,
 * for the team's manager to decide; *out (may be NULL) gets it, filled.
 * Errors: CRM_EINVAL (already that grade), store.
 */
crm_status lifecycle_propose(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int grade, const char *reason, Crm__V1__GradeProposal **out /* OUT */);

/*
 * lifecycle_grade_set: record in c's history that the caller set its grade
 * directly from `from` (0: none) to `to`, because of reason (a manager's
 * customer edit or add; an approval is its proposal's entry).
 */
crm_status lifecycle_grade_set(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int from, int to, const char *reason);

/* lifecycle_pending: the pending grade proposals the caller decides on
 * (a rep: the ones on customers they own), up to cap, in ctx->arena;
 * *more: set when more are pending than cap. */
crm_status lifecycle_pending(struct req_ctx *ctx,
    Crm__V1__GradeProposal ***out /* OUT */, size_t *n /* OUT */, size_t cap,
    int *more /* OUT */);

/*
 * lifecycle_given: after customer after (saved) got a new owner or team
 * (before: as it was), its open tasks, open commitments, running clocks
 * and pending grade proposals go along: to the new owner whatever the old
 * owner had or the holder may no longer see, and the proposals to the new
 * team's managers.
 */
crm_status lifecycle_given(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *after);

/*
 * lifecycle_proposals_merge: a merge of drop into keep: drop's grade
 * proposals move to keep; a pending one keep already has one of (or whose
 * grade keep has) is withdrawn. Events on keep say so.
 */
crm_status lifecycle_proposals_merge(struct req_ctx *ctx,
    const Crm__V1__Customer *drop, const Crm__V1__Customer *keep);

#endif
