/* SPDX-License-Identifier: MIT */
/*
 * pool_reclaim.h: the pool rules (公海, issue 16 items 1-2): a customer
 * goes back to its team's pool after N working days without a follow-up
 * (CadenceCell.reclaim_after_days, counted from the later of its last
 * follow-up and when its owner got it), or after M working days of its
 * owner without reaching won (reclaim_unwon_days); K working days before
 * (reclaim_warn_days) its owner and their manager get a warning task
 * (TASK_RECLAIM_WARN: `due`, reminders) naming the date. A customer is
 * never reclaimed before that warning is K working days old: one given
 * after its day (a change put the date past or inside the window, crmd
 * was down) moves the reclaim to K working days after it. K = 0: no
 * warning, reclaimed at the rule's date. Off by default; won and lost
 * customers are never reclaimed. Working days come from the calendar.
 *
 * There is no cron. DB_RECLAIM_REC holds, beside each owned customer,
 * when its owner got it and where its entries are, and DB_RECLAIM the
 * due index (head || base time || customer id -> "", head = cell, rule
 * and whether warned) that customer_save keeps and that holds no
 * policy: a policy change applies at once. The writer's sweep
 * (pool_reclaim_sweep) looks only at the first entry of each enabled rule, so
 * it is cheap and exact; a request that arrives after the next due time (a
 * restart, a moved test clock) waits for it first (writer.c, transport.c).
 */
#ifndef POOL_RECLAIM_H
#define POOL_RECLAIM_H

#include "calendar.h"
#include "check.h"
#include "dispatch.h"

/* What a sweep did, for policy.set --dry-run (NULL: not wanted). */
struct pool_sweep_out {
	Crm__V1__Customer **reclaimed; /* as they were, up to cap */
	size_t n, cap;
	unsigned total;  /* customers reclaimed */
	unsigned tasks;  /* their open tasks closed */
	unsigned warned; /* customers warned */
};

/* pool_reclaim_on_customer: keep customer after's entries (customer_save;
 * before NULL: new). A rule whose cell or base changed has its open
 * warning withdrawn (a follow-up: the no-follow-up rule's alone). */
crm_status pool_reclaim_on_customer(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *after);

/*
 * pool_reclaim_sweep: warn and reclaim every customer due at ctx->now,
 * at most max actions (then *next is ctx->now: more to do); *next gets
 * the next time something falls due (INT64_MAX: no rule on). Runs as
 * the server (ctx->who NULL). *changed (may be NULL) counts actions,
 * *moved (may be NULL) the entries it moved to their customers' later
 * base (a write to commit, not a change anyone sees).
 */
crm_status pool_reclaim_sweep(struct req_ctx *ctx, unsigned max,
    struct pool_sweep_out *out, int64_t *next /* OUT */,
    unsigned *changed /* OUT */, unsigned *moved /* OUT */);

/*
 * pool_reclaim_on_policy: the policy changes from before to after: the
 * warnings a cell's pool rule gave, when the rule changed (days, warning
 * days, turned off), are withdrawn, their tasks closed, so the sweep warns
 * again by the rule as it is now (at once, when its warning day has
 * passed, the reclaim K working days on) or not at all.
 */
crm_status pool_reclaim_on_policy(struct req_ctx *ctx,
    const Crm__V1__Policy *before, const Crm__V1__Policy *after);

/* The explanation of a customer's reclaim date (customer why). */
struct pool_reclaim_why {
	int on;             /* 0: no rule reclaims it (off, won, lost, ...) */
	int64_t warn_at;    /* when the warning falls due (0: no warning);
	                     * one made late, or naming a date the calendar
	                     * as it is now would not: when it was made */
	int64_t reclaim_at; /* when it goes to the pool */
	int64_t from;       /* the time the rule counts from */
	/* "the last follow-up", "its first contact" (none logged yet) or
	 * "when li got it" (a claim, an assignment, a handover); for a
	 * warning made late, "the warning, made late (...)": reclaim_at is
	 * then warn_days working days after it; for a warning whose date
	 * the calendar changed since, what it counts from, saying so (the
	 * date it named, reclaim_at, holds; cal is then empty) */
	const char *from_what;
	/* "no follow-up for 5 working days (potential/B rule)" */
	const char *rule;
	int warned;         /* the warning was given */
	unsigned warn_days; /* K: the warning K working days before */
	/* The days the calendar walks passed (customer why): to
	 * reclaim_at, and to warn_at. */
	struct calendar_why cal, warn_cal;
};

/*
 * pool_reclaim_explain: when and why customer c (as stored) will be
 * reclaimed, the earlier of its rules; strings in ctx->arena. Reads only
 * (any transaction). Errors: store, CRM_EPRECOND (calendar).
 */
crm_status pool_reclaim_explain(struct req_ctx *ctx,
    const Crm__V1__Customer *c, struct pool_reclaim_why *out /* OUT */);
/* pool_reclaim_explain_warning: the same for the rule whose warning task
 * has ref_id ref (the earlier rule when ref names none: an older crmd's
 * warning). */
crm_status pool_reclaim_explain_warning(struct req_ctx *ctx,
    const Crm__V1__Customer *c, uint64_t ref,
    struct pool_reclaim_why *out /* OUT */);

/* pool_reclaim_reindex: DB_RECLAIM and DB_RECLAIM_REC anew from the
 * customers (schema 10). */
crm_status pool_reclaim_reindex(struct req_ctx *ctx);

/* pool_reclaim_move_recs: the records kept in DB_RECLAIM before schema
 * 17 to DB_RECLAIM_REC, each rule-1 entry at its base (*moved: how
 * many). */
crm_status pool_reclaim_move_recs(struct req_ctx *ctx, uint64_t *moved);

/* pool_reclaim_check: crm-check of DB_RECLAIM and DB_RECLAIM_REC against
 * the customers. */
crm_status pool_reclaim_check(struct check *c);

/* The process's next due time (0: unknown, check now; INT64_MAX: none)
 * for the writer and the request threads. */
int64_t pool_reclaim_next(void);
void pool_reclaim_set_next(int64_t t);
/* Whether the last sweep found a rule on (any customer's change may then
 * move the next due time). */
int pool_reclaim_rules_on(void);

#endif
