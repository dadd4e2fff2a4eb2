/* SPDX-License-Identifier: MIT */
/*
 * report.h: what the report kinds (report_*.c) share: the resolved
 * scope and period of a ReportRequest, building generic tables, walking a
 * stats index over the scope and a period, and small id sets.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "stats.h"

#define REPORT_MAX_SCOPES  256
#define REPORT_MAX_MEMBERS 1000

/* Column units, short, for the report kinds' column tables. */
#define T_TEXT   CRM__V1__REPORT_UNIT__UNIT_TEXT
#define T_COUNT  CRM__V1__REPORT_UNIT__UNIT_COUNT
#define T_PCT    CRM__V1__REPORT_UNIT__UNIT_PERCENT
#define T_DAYS   CRM__V1__REPORT_UNIT__UNIT_DAYS
#define T_MONEY  CRM__V1__REPORT_UNIT__UNIT_MONEY
#define T_TIME   CRM__V1__REPORT_UNIT__UNIT_TIME
#define T_SCORE  CRM__V1__REPORT_UNIT__UNIT_SCORE
#define T_NUMBER CRM__V1__REPORT_UNIT__UNIT_NUMBER
#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

struct report {
	struct req_ctx *ctx;
	Crm__V1__ReportReply *out;
	Crm__V1__Policy *pol;
	/* The index prefixes the report covers: one person, one team, or
	 * (an admin with no filter) every team. */
	uint64_t scopes[REPORT_MAX_SCOPES];
	size_t nscopes;
	int person;       /* scopes[0] is one person */
	uint64_t team_id; /* the one team, when the scope is one */
	int64_t from, to; /* [from, to) */
	/* What report_customers found, kept for a later walk of the same
	 * customers (report_memo_start); NULL: none. */
	struct report_memo *memo;
	/* Every user and its team, for the facts a team's walk finds under
	 * its users (report_scan, stats.h); read at the first need, freed
	 * by report_handle. */
	struct user_team *holders;
	size_t nholders;
	int holders_read;
	/* The fact journal (stats.h), by time and id, for the scans of the
	 * databases whose newest facts are there: read at the first, freed
	 * by report_handle. */
	struct stats_journal_fact *journal;
	size_t njournal;
	int journal_read;
	/* The customers with a move to won that report_customers found in
	 * the one person's or team's list, by id (report_wins_keep): what
	 * report_win_fact would read again from each one's card. */
	struct report_won *won;
	size_t nwon, capwon;
	int won_keep, won_ready;
};

struct report_col {
	const char *name;
	const char *title;
	Crm__V1__ReportUnit unit;
};

/* A table being built: the reply's table and its row capacity. */
struct report_tab {
	Crm__V1__ReportTable *t;
	size_t cap;
};

/* report_table: a new table of the reply with room for max_rows rows
 * (NULL when memory is out). */
struct report_tab *report_table(struct report *r, const char *name,
    const char *title, size_t ncols, const struct report_col *cols,
    size_t max_rows);
/* report_row: a new row of t (NULL when t is full or memory is out). */
Crm__V1__ReportRow *report_row(struct report *r, struct report_tab *t);
void report_text(
    struct report *r, Crm__V1__ReportRow *row, size_t col, const char *text);
/* report_customer: cell col of row is customer id's name as the report's
 * reader may see it (customer_shown: CUSTOMER_HIDDEN for a customer they
 * may not see). Returns 0 then: the caller leaves the row's texts out. */
int report_customer(
    struct report *r, Crm__V1__ReportRow *row, size_t col, uint64_t id);
void report_num(Crm__V1__ReportRow *row, size_t col, double v);
/* report_pct: 100 * a / b in column col, nothing when b is 0. */
void report_pct(Crm__V1__ReportRow *row, size_t col, double a, double b);
void report_chart(struct report_tab *t, unsigned label, unsigned value);

/* One fact of a stats index: its time, record id and data. Return
 * nonzero to stop the walk. */
typedef int (*report_visit)(
    void *arg, int64_t at, uint64_t id, const void *data, size_t len);

/* The scope argument that means each of r's scopes (0 is one: what is
 * of no team). */
#define REPORT_ALL_SCOPES UINT64_MAX

/*
 * report_scan: visit every fact of db under one scope (or,
 * REPORT_ALL_SCOPES, under each of r's scopes) with a time in [from, to), in
 * time order per scope (ties by id). A team's facts kept under its users
 * (stats.h) are the merge of its users' ranges, every user of the team
 * (disabled or not), and, for follow-ups, its own, in the same order;
 * the facts still in the fact journal (stats.h) among them, in order.
 */
crm_status report_scan(struct report *r, enum store_db db, uint64_t scope,
    int64_t from, int64_t to, report_visit fn, void *arg);

/* report_tally: customers in r's scopes in stage and grade (0: any). */
uint64_t report_tally(struct report *r, int stage, int grade);

/* report_holder_scopes: the scopes whose grade facts (stats.h) say when
 * r's customers were held by someone: r's person, or each user of r's
 * teams (STATS_PERSON | id; every one, disabled or not: a customer of a
 * team is held by a user of it). A customer in a team's pool (公海) is
 * held by none and is in none of them. Into a malloc'd *v (free it);
 * CRM_OK or the store's error. */
crm_status report_holder_scopes(
    struct report *r, uint64_t **v /* OUT */, size_t *n /* OUT */);

/* What a routine's occurrence (a task fact of kind TASK_ROUTINE, due at
 * `due`) was in a period ending at `to`, as of now (report_occurrence). */
enum report_occurrence {
	REPORT_OCC_NONE,    /* cancelled before it fell due: owed no more */
	REPORT_OCC_PENDING, /* open, not due yet */
	REPORT_OCC_DONE,    /* done by the period's end */
	REPORT_OCC_MISSED,  /* due, and not done by the period's end */
};
/* report_occurrence: t's outcome: done when done before `to`; missed
 * when due before now and not done by then: still open, done after the
 * period's end, or cancelled after it fell due, planned before
 * (stats_task_missed: a release to the pool, routine stop, a customer
 * leaving its team routine's team); none when cancelled before it fell
 * due (a release, routine stop). A past period's count stays as the period
 * was. */
enum report_occurrence report_occurrence(
    const struct stats_task *t, int64_t due, int64_t to, int64_t now);

/* report_members: the users the report covers (one person, a team, or
 * everyone): active, or disabled at or after the period's start (their
 * work in it counts), by id, into ids (at most max). */
size_t report_members(struct report *r, uint64_t *ids, size_t max);

/*
 * What one customer was in r's period [from, to), read from its records
 * (report_period.c): active, a customer not lost at some time in it (by
 * its stage history; begun at its first contact, or its won_at when its
 * history begins later); won_at, its won_at when that is in the period
 * and no move to won in its history in the period stands for it (an
 * import at churn risk with its deal), else 0; won_grade, the grade it
 * was won at; at_start, a customer at the period's start (begun before
 * it and not lost then, as its history stood); began_in, begun in it;
 * lost_in, moved to lost in it.
 */
struct report_period {
	int64_t won_at;
	uint8_t active, won_grade, at_start, began_in, lost_in;
	/* A 成交客户 when the period began (won, or churn risk after its
	 * deal): it cannot convert in it unless it is won again. */
	uint8_t won_before;
	/* Won in the period: a win of its counts in it (its last win at
	 * its record's won_at, as report_win_fact dates it). */
	uint8_t won_in;
	uint64_t win_seq; /* its history's last move to won (0: none) */
};
/* What the period reports read of a customer's record: its fields, read
 * from the stored bytes (report_customers visits every customer of a
 * team; unpacking each record cost more than the rest of the walk).
 * first_contact_at and won_at are 0 when the record has none. */
struct report_cust {
	uint64_t id, owner_id;
	int64_t first_contact_at, won_at, created_at;
	uint8_t grade;
};
typedef void (*report_customer_visit)(
    void *arg, const struct report_cust *c, const struct report_period *p);
/* report_customers: visit each live customer of scope now (REPORT_ALL_SCOPES:
 * each of r's scopes) with what it was in the period. */
crm_status report_customers(
    struct report *r, uint64_t scope, report_customer_visit fn, void *arg);
/* report_memo_start: report_customers keeps what each customer was in
 * the period for the rest of the request (a report that walks the same
 * customers again); report_memo_end frees it (report_handle does). */
void report_memo_start(struct report *r);
void report_memo_end(struct report *r);
/* report_win_fact: whether the stage fact seq, customer cid's move to won
 * at `at`, counts as a win in r's period (w->counts) and when (w->when):
 * a customer's last win counts at its record's won_at, once (an earlier
 * win of a customer won twice, at its own time); w->first_contact_at is
 * the customer's first contact as its record says now (0: none). */
struct report_win {
	int counts;
	int64_t when;
	int64_t first_contact_at;
};
crm_status report_win_fact(struct report *r, uint64_t cid, uint64_t seq,
    int64_t at, struct report_win *w /* OUT */);
/* report_wins_keep: the next report_customers over all of r's scopes
 * keeps, of each customer with a move to won, what report_win_fact
 * reads of it, so that a scan of won facts after it looks each one up in
 * memory rather than in its list (one or two leaf pages a win). Only
 * for one person or one team: every team's report reads the record and
 * history (report_win_fact), which no list holds. */
void report_wins_keep(struct report *r);

/* A growable set of ids; distinct counts them once. */
struct report_ids {
	uint64_t *v;
	size_t n, cap;
};
void report_ids_add(struct report_ids *s, uint64_t id);
size_t report_ids_distinct(struct report_ids *s); /* sorts */
/* report_ids_has: whether s, made distinct (report_ids_distinct), holds
 * id. */
int report_ids_has(const struct report_ids *s, uint64_t id);
/* report_lower_bound: the first index of v[0..n) (ascending) whose id
 * is not below id (n: none). */
size_t report_lower_bound(const uint64_t *v, size_t n, uint64_t id);
void report_ids_free(struct report_ids *s);

/* report_grade_name / report_stage_name: the proto name of a grade or
 * stage ("" when unknown). Borrowed; static. */
const char *report_grade_name(int grade);
const char *report_stage_name(int stage);

/* The kinds: report_pipeline.c */
crm_status report_funnel(struct report *r);
crm_status report_conversion(struct report *r);
crm_status report_cycle(struct report *r);
crm_status report_churn(struct report *r);
/* report_activity.c */
crm_status report_activity(struct report *r);
/* report_quality.c */
crm_status report_quality(struct report *r);
crm_status report_sla(struct report *r);
/* report_summary.c */
crm_status report_weekly(struct report *r);
crm_status report_monthly(struct report *r);

/* report_value.c */
crm_status report_value(struct report *r);

/* report_signals.c: feedback tags ranked (a kind), and tables that follow
 * a kind's own (report.c): open issues per rep after weekly and monthly,
 * best cases and missing minutes after quality, late entries after
 * activity. */
crm_status report_feedback(struct report *r);
/* report_pool (pool.c): customers put in the pool, claims per rep. */
crm_status report_pool(struct report *r);
crm_status report_open_issues(struct report *r);
crm_status report_quality_cases(struct report *r);
crm_status report_late_entries(struct report *r);

#endif
