/* SPDX-License-Identifier: MIT */
/*
 * sla.h: SLA clocks (inquiry 24 h, after-sales 2 h and 1 business day,
 * churn risk 3 days) and commitments (承诺事项), both indexed while
 * running/open by owner || deadline || id so the clocks about to breach are
 * one index range.
 */
#ifndef SLA_H
#define SLA_H

#include "dispatch.h"
#include "why.h"

/*
 * sla_deadline_plan: the deadline of a clock of kind started at start,
 * by policy p (the one place it is computed); w (may be NULL) gets the
 * explanation (why.h). Errors: as calendar_add_working_days.
 */
crm_status sla_deadline_plan(struct req_ctx *ctx, const Crm__V1__Policy *p,
    int kind, int64_t start, struct why_note *w, int64_t *deadline /* OUT */);

/* sla_start: a running clock of kind on customer c, held by its owner
 * (a customer in its team's pool: by the team's manager, as
 * sla_release gives them; no manager: by no one until a claim); *out
 * may be NULL. */
crm_status sla_start(struct req_ctx *ctx, const Crm__V1__Customer *c, int kind,
    const char *text, Crm__V1__SlaClock **out /* OUT */);

/* sla_start_at: the same, started at since when that is in the past (a
 * stage change dated back: the risk was known then), else now. */
crm_status sla_start_at(struct req_ctx *ctx, const Crm__V1__Customer *c,
    int kind, const char *text, int64_t since,
    Crm__V1__SlaClock **out /* OUT */);

/* sla_stop_customer: a follow-up fu_id at `at` answered customer id:
 * stop its running inquiry, issue-response and churn clocks (an issue's
 * solution clock stops only when the issue is resolved). */
crm_status sla_stop_customer(
    struct req_ctx *ctx, uint64_t customer_id, uint64_t fu_id, int64_t at);

/* sla_churn_end: the customer left churn_risk (to any stage): its
 * churn-contact clock ends now, met unless already past its deadline. */
crm_status sla_churn_end(struct req_ctx *ctx, uint64_t customer_id);

/*
 * sla_resolve: resolve the after-sales issue that clock id belongs to
 * (of customer_id; 0: any visible customer),
 * at `at`, by follow-up fu_id (0: by hand), saying what was done: stops
 * its solution clock and, if still running, its response clock. Fills
 * out (room for 2 clocks; may be NULL). Errors: CRM_NOT_FOUND (no such
 * issue visible; id is a solution clock's, not the issue's), CRM_EINVAL
 * (no resolution; the issue is another customer's), CRM_EPRECOND
 * (resolved).
 */
crm_status sla_resolve(struct req_ctx *ctx, uint64_t id, uint64_t customer_id,
    uint64_t fu_id, const char *resolution, int64_t at,
    Crm__V1__SlaClockList *out);

/* sla_upgrade_churn: schema 6: stop the churn-contact clocks still
 * running for customers that left churn_risk before schema 6 ended them,
 * at the stage change that left it. */
crm_status sla_upgrade_churn(struct req_ctx *ctx);

/* sla_refile_objections: schema 24: an open objection kept under the one
 * who held it at a hand-over (report_owner_id, as for a clock past its
 * deadline) goes to its owner, its report fact with it (*n: how many). */
crm_status sla_refile_objections(struct req_ctx *ctx, uint64_t *n);

/* sla_each_owner: the owners a view covers: the caller, or with team the
 * users the caller manages (a rep: CRM_EPERM); calls fn for each. */
crm_status sla_each_owner(struct req_ctx *ctx, int team,
    crm_status (*fn)(struct req_ctx *, uint64_t, void *), void *arg);

/* sla_move_customer: hang every commitment and clock of customer from
 * under customer to (a merge). */
crm_status sla_move_customer(struct req_ctx *ctx, uint64_t from, uint64_t to);

/* sla_reown: after customer c changed owner or team (or a merge), give
 * its open commitments and running clocks that from owned (0: none), or
 * whose owner may not see c any more, to c's owner. */
crm_status sla_reown(
    struct req_ctx *ctx, const Crm__V1__Customer *c, uint64_t from);

/* sla_release: customer c went to its team's pool (pool.h): its open
 * commitments close as released, its running clocks go to manager_id (0:
 * stay where they are), each with an event saying why. */
crm_status sla_release(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t manager_id, const char *why);

/* sla_commitment_add: an open commitment from follow-up fu_id, which
 * happened at fu_at: made then (a follow-up logged later with its own
 * time made it then), or when written when that is earlier. */
crm_status sla_commitment_add(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t fu_id, int64_t fu_at, const char *text, uint64_t owner_id,
    int64_t due, Crm__V1__Commitment **out /* OUT */);

/* sla_commitment_fill: c as lists show it: customer and owner logins,
 * its status as it stands (open past due: broken; kept after its due
 * time: kept late), and held_by when the reports count it for another
 * than its owner (broken before a hand-over). */
void sla_commitment_fill(struct req_ctx *ctx, Crm__V1__Commitment *c);

/* sla_commitment_held_by: c's held_by, the login the reports count it
 * for when that is not its owner (stats_holder: it fell due before its
 * customer changed hands), else left as it is; its other fields as
 * stored. held_by is borrowed from ctx->arena (user_login_of). */
void sla_commitment_held_by(struct req_ctx *ctx, Crm__V1__Commitment *c);

/* sla_objection: an objection (待解决问题) raised in follow-up fu_id (0:
 * none) at raised_at (the follow-up's time; 0 or later than now: now),
 * an open issue on customer c with no clock, held as sla_start's clocks
 * are (c's owner; in the pool, the team's manager), until sla_resolve
 * closes it. *out may be NULL. */
crm_status sla_objection(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const char *text, uint64_t fu_id, int64_t raised_at,
    Crm__V1__SlaClock **out /* OUT */);

/* sla_objection_resolved: the open objection id was resolved at `at` (not
 * before it was raised, nor after now: then now) by user by_id, saying
 * resolution: an import carrying an exported objection's outcome. Errors:
 * CRM_NOT_FOUND, CRM_EPRECOND (not an open objection). */
crm_status sla_objection_resolved(struct req_ctx *ctx, uint64_t id,
    const char *resolution, uint64_t by_id, int64_t at);

/* sla_commitment_as_said: commitment c (just added from an imported
 * follow-up) as the file says it stands: made at made_at, and closed at
 * closed_at (0 or later than now: now) when status is kept, kept late
 * (which of the two by its due time, as commitment done decides) or
 * released; open otherwise. held (0: none) is whom the reports count it
 * for when that is not its owner: one who held the customer when it fell
 * due, as a hand-over leaves it (the export's held_by). */
crm_status sla_commitment_as_said(struct req_ctx *ctx, Crm__V1__Commitment *c,
    int64_t made_at, int status, int64_t closed_at, uint64_t held);

/* sla_clock_load / sla_clock_put / sla_clock_fill: one clock record, by
 * id (CRM_NOT_FOUND), written with its indexes, display fields filled;
 * for issue.c. */
crm_status sla_clock_load(
    struct req_ctx *ctx, uint64_t id, Crm__V1__SlaClock **k /* OUT */);
crm_status sla_clock_put(struct req_ctx *ctx, const Crm__V1__SlaClock *before,
    Crm__V1__SlaClock *k);
void sla_clock_fill(struct req_ctx *ctx, Crm__V1__SlaClock *k);
/* sla_is_issue: k is an open issue's clock (after-sales or objection). */
int sla_is_issue(const Crm__V1__SlaClock *k);

/* issue_escalation_done (issue.c): issue k was resolved: its escalation
 * task is done. */
crm_status issue_escalation_done(
    struct req_ctx *ctx, const Crm__V1__SlaClock *k);
/*
 * issue_state (issue.c): whether issue k (its id's clock) is still open:
 * an objection running, or an after-sales issue whose solution clock
 * runs; *solve_by: that clock's deadline (0 for an objection, which has
 * none, or a resolved issue). Errors: those of the store.
 */
crm_status issue_state(struct req_ctx *ctx, const Crm__V1__SlaClock *k,
    int *open /* OUT */, int64_t *solve_by /* OUT */);
/*
 * issue_escalation_due (issue.c): when the task of an issue escalated at
 * `at` is due: policy pol's solution time in working days from `at`, but
 * no later than solve_by, an after-sales issue's solution deadline (0:
 * none, an objection), and at once when that is past already.
 */
crm_status issue_escalation_due(struct req_ctx *ctx,
    const Crm__V1__Policy *pol, int64_t at, int64_t solve_by,
    int64_t *due /* OUT */);

#endif
