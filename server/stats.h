/* SPDX-License-Identifier: MIT */
/*
 * stats.h: the indexes reports read instead of records. Each record that
 * a report counts leaves one small fixed-size fact in a time-ordered
 * index under its person, and the facts of stage changes, new customers,
 * grade spells (and purchases, purchase.c) under their team too, so a
 * report over a rep, or a team, and a period is one key range per
 * index. The facts of tasks, commitments and clocks are kept under
 * their holder alone (since schema 18): their team is the holder's, and
 * a user's team never changes, so a team's are exactly its members'
 * ranges. A follow-up's is kept under its
 * author, and under its team (the customer's then) only when that is not
 * the author's (an admin's, a manager's of another team), flagged
 * STATS_FU_ELSEWHERE in both: a team's follow-ups are its members'
 * unflagged ones and its own range. report_scan merges those ranges in
 * time order (stats_team_walk):
 *
 *   fu_time     scope || at      || follow-up id  -> struct stats_fu
 *   stage_time  scope || at      || stage seq     -> struct stats_stage
 *   task_due    scope || due     || task id       -> struct stats_task
 *               (an open task held by its owner: none, below)
 *   commit_due  scope || due     || commitment id -> struct stats_commit
 *   sla_time    scope || started || clock id      -> struct stats_sla
 *   cust_new    scope || created || customer id   -> ""
 *   tally       scope || stage || grade           -> count (8 bytes)
 *   grade_time  scope || at      || seq           -> struct stats_grade
 *
 * grade_time holds each customer's active grade over time in a scope: a
 * fact whenever it changes (creation, a grade change, lost or back from
 * lost, a merge, a move to another owner or team), from the grade before
 * to the grade after, 0 meaning "not an active customer of the scope".
 * Unlike the other facts it is history the records do not keep: a
 * rebuild can only restart it at each customer's creation with today's
 * grade.
 *
 * A scope is a team id, or STATS_PERSON | user id. The person of a
 * follow-up is its author; of a stage change, the customer's holder on
 * its day (the entry's owner_id: one dated back before a hand-over is
 * the earlier holder's, in that holder's team; an entry older than the
 * field, the owner when it was written); of a task, commitment or
 * clock, its holder (its owner, or the one it is handed to:
 * stats_holder). The team of a follow-up is the customer's team then.
 * Facts are encoded big-endian, independent of the host.
 *
 * The stats_on_* hooks are called by the one place each record is
 * written (before: the stored version or NULL; after: the new one or
 * NULL when it goes). stats_rebuild derives every fact from the records.
 */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

#include "dispatch.h"
#include "store_schema.h"

#define STATS_PERSON (UINT64_C(1) << 63)

/* A task fact's status beyond TaskStatus: a next follow-up cancelled
 * after it fell due, planned before (a release to the pool, a merge,
 * a cancel): it was missed, and counts as planned, not done, in its
 * period (stats_task_fact). */
#define STATS_TASK_MISSED 4

/* Follow-up flags. */
enum {
	STATS_FU_LATE = 1,
	STATS_FU_MOVED = 2, /* it changed the stage: an effective follow-up */
	STATS_FU_IMPORTED = 4,
	STATS_FU_SCORED = 8,
	/* Its team (the customer's) is not its author's: kept under that
	 * team too, and left out of the team's members' ranges in a team's
	 * walk (stats_team_walk). */
	STATS_FU_ELSEWHERE = 16,
};

struct stats_fu {
	uint64_t customer_id;
	uint64_t author_id;
	uint8_t grade, channel, mood, flags;
	uint8_t
	    score[4]; /* timeliness, efficiency, professionalism, proact. */
};

struct stats_stage {
	uint64_t customer_id;
	uint64_t owner_id;
	/* As known when the change was written; not read: the first
	 * contact moves back when an earlier one is learned of, so report
	 * cycle reads the customer's record. */
	int64_t first_contact_at;
	int64_t deal_amount;
	uint8_t from, to, grade, lost_reason;
};

struct stats_task {
	uint64_t customer_id;
	uint64_t owner_id;
	int64_t done_at;
	uint8_t kind, status;
	/* Made after its due (stats_task_made_at later than the fact's
	 * time: a customer entered with an old first contact, by hand or
	 * by an import): overdue the moment it was made, it was no plan of
	 * the period it fell due in, and missed by nobody. Kept as the high
	 * bit of the kind byte (STATS_TASK_MADE_LATE); a fact written
	 * before schema 27 has it from the upgrade. */
	uint8_t made_late;
};
#define STATS_TASK_MADE_LATE 0x80

struct stats_commit {
	uint64_t customer_id;
	uint64_t owner_id;
	int64_t closed_at;
	uint8_t status;
};

struct stats_grade {
	uint64_t customer_id;
	uint8_t from, to; /* active grade before and after; 0: none */
};

struct stats_sla {
	uint64_t customer_id;
	uint64_t owner_id;
	int64_t deadline_at;
	int64_t stopped_at;
	uint8_t kind;
};

/*
 * stats_holder: whom the reports count an item (task, commitment, clock)
 * due at `due` for: report_owner when it fell due before until (its
 * customer changed hands after it was due), else its owner. Facts of
 * past periods stay with the person who held the item then.
 */
uint64_t stats_holder(
    uint64_t owner, uint64_t report_owner, int64_t until, int64_t due);

/*
 * stats_hand_over: an item held by owner, due at due, goes to another at
 * now: when it is due already, the reports keep counting it for whoever
 * held it then (its report owner and until, and their has_ flags, set).
 * An item with no due time (0: an objection) is never past due: it goes
 * whole. Every hand-over of a task, commitment or clock goes through it.
 */
struct stats_report_owner {
	uint64_t *id;
	int64_t *until;
	protobuf_c_boolean *has_id, *has_until;
};
void stats_hand_over(
    uint64_t owner, int64_t due, int64_t now, struct stats_report_owner r);

/*
 * An open task held by its owner has no task_due fact (since schema 22):
 * its fact is its entry in the due queue (task_open: owner || due || id,
 * the task packed as due shows it), which holds everything the fact
 * does. A log closes one task and plans the next: the next one's fact
 * was one more leaf of its owner's range written each time. report_scan
 * reads a person's task_due and task_open ranges together; a task whose
 * holder is another (stats_holder: handed over after it fell due) keeps
 * its fact in task_due under that holder, and its queue entry is passed
 * over.
 *
 * stats_task_queued: 1 when t's fact is its queue entry.
 * stats_task_queue_fact: the fact (STATS_TASK_LEN bytes, into fact) of
 * the task_open entry of owner at due whose value is v[0..n); returns its
 * length, or 0 when the entry's fact is a task_due entry (its holder is
 * another) or v does not decode.
 */
#define STATS_TASK_LEN 26
int stats_task_queued(const Crm__V1__Task *t);
size_t stats_task_queue_fact(
    uint64_t owner, int64_t due, const void *v, size_t n, uint8_t *fact);
/* stats_task_refile_made_late: the upgrade to schema 27: the task_due
 * fact of each closed task made after its due gets its made_late flag
 * (how many: *refiled). */
crm_status stats_task_refile_made_late(struct req_ctx *ctx, uint64_t *refiled);
/* stats_drop_queued_tasks: the upgrade to schema 22: delete the task_due
 * facts of the open tasks their owners hold (how many: *dropped). */
crm_status stats_drop_queued_tasks(struct req_ctx *ctx, uint64_t *dropped);

/*
 * The fact journal (since schema 23). A log writes two facts, its
 * follow-up's under its author (fu_time) and the closed task's under its
 * holder (task_due), each at the end of that person's range: with
 * several reps logging, a leaf and a branch apiece, two of a log's
 * pages. Written by a request (ctx->fact_journal: crmd's writer), new
 * facts of those two go to fact_log instead, in the order written, so a
 * commit's share a leaf; the writer folds them into their ranges in
 * batches (stats_journal_fold), where a batch's facts of one person
 * share theirs. A fact is in its range or in the journal, never both:
 * a rewrite or delete of one looks in the range, then the journal
 * (newest first). Readers see both: report_scan merges the journal's
 * facts of a scan into the ranges' (report.c), crm-check counts and
 * finds them in either (stats_check.c), a rebuild empties both.
 *
 * stats_journaled: 1 for the databases whose new facts go to the
 * journal. stats_journal_load: every fact in it, sorted by time, then
 * id, into a malloc'd *v (free it). stats_journal_fold: move the oldest
 * facts, at most max, into their ranges (how many: *moved; fewer than
 * max: the journal is empty). stats_journal_written: facts written to
 * it by this process (a rolled-back write counted too).
 */
struct stats_journal_fact {
	enum store_db db;
	uint64_t scope, id;
	int64_t at;
	uint8_t len;
	uint8_t val[32];
};
int stats_journaled(enum store_db db);
crm_status stats_journal_load(
    struct req_ctx *ctx, struct stats_journal_fact **v, size_t *n);
crm_status stats_journal_fold(struct req_ctx *ctx, size_t max, size_t *moved);
unsigned long long stats_journal_written(void);

/* How a team's facts of db are found (stats.h, above). */
enum stats_team_walk {
	STATS_TEAM_RANGE,   /* its own range: they are kept under it */
	STATS_TEAM_MEMBERS, /* its members' ranges (task_due, commit_due,
	                     * sla_time) */
	STATS_TEAM_MEMBERS_AND_OWN, /* its members' ranges but their
	                             * STATS_FU_ELSEWHERE facts, and its own
	                             * (fu_time) */
};
enum stats_team_walk stats_team_walk(enum store_db db);
/* stats_elsewhere: 1 when a fact of db (data, len) under a person is one
 * a team's walk leaves out of its members' ranges. */
int stats_elsewhere(enum store_db db, const void *data, size_t len);
/* stats_drop_team_copies: the upgrade to schema 18: delete the team
 * copies of the facts a team's walk finds under its members now (in
 * *dropped), and flag the follow-ups whose team is not their author's
 * (in *elsewhere). */
crm_status stats_drop_team_copies(
    struct req_ctx *ctx, uint64_t *dropped, uint64_t *elsewhere);

/* stats_task_made_at: when task t was planned, as far as a miss goes:
 * the follow-up's own time for one a follow-up planned (typed in later
 * with its time, it planned as of then), else when it was made. */
int64_t stats_task_made_at(const Crm__V1__Task *t);

/* stats_task_made_late: whether task t was made after it fell due
 * (struct stats_task's made_late: stats_task_made_at later than its
 * due; one due from the moment it was made was a plan). */
int stats_task_made_late(const Crm__V1__Task *t);

/* stats_task_missed: whether task fact t, due at `due`, was closed as a
 * miss: a next follow-up whose fact says so (STATS_TASK_MISSED, written
 * when it was cancelled), or a routine's occurrence cancelled after it
 * fell due, planned before it (not made_late): a release to the pool,
 * routine stop, a merge, its customer lost or leaving a team routine's
 * team. The occurrence's miss is read off the fact as stored (cancelled,
 * done_at after its due), so no fact is rewritten and data of any schema
 * reads alike. */
int stats_task_missed(const struct stats_task *t, int64_t due);

/* Hooks: keep the facts of one record in step with it. */
crm_status stats_on_customer(struct req_ctx *ctx,
    const Crm__V1__Customer *before, const Crm__V1__Customer *after);
crm_status stats_on_followup(struct req_ctx *ctx,
    const Crm__V1__FollowUp *before, const Crm__V1__FollowUp *after);
/* A stage change stored under seq for customer c (as it was before). */
crm_status stats_on_stage(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const Crm__V1__StageChange *h, uint64_t seq);
/* stats_stage_retime: stage change seq of customer c, stored at time
 * from, now happened at to (the first entry moved back to an earlier
 * first contact): its facts move with it. */
crm_status stats_stage_retime(struct req_ctx *ctx, const Crm__V1__Customer *c,
    uint64_t seq, int64_t from, int64_t to);
crm_status stats_on_task(struct req_ctx *ctx, const Crm__V1__Task *before,
    const Crm__V1__Task *after);
crm_status stats_on_commitment(struct req_ctx *ctx,
    const Crm__V1__Commitment *before, const Crm__V1__Commitment *after);
crm_status stats_on_sla(struct req_ctx *ctx, const Crm__V1__SlaClock *before,
    const Crm__V1__SlaClock *after);

/* stats_grade_twin_key: the grade_cust key of the grade_time fact at
 * fact (scope || time || sequence) of customer cid: cid || time ||
 * sequence || scope. */
void stats_grade_twin_key(
    uint8_t twin[32], const uint8_t fact[24], uint64_t cid);

/* stats_grade_twins: grade_cust from grade_time, for data before schema
 * 26 (*n: entries written). */
crm_status stats_grade_twins(struct req_ctx *ctx, uint64_t *n);

/* stats_grade_then: customer_id's grade at time `at` in scope, from its
 * first grade_time fact after then (found through grade_cust), into *grade:
 * the grade it moved from, or, when it was no active customer of the scope
 * then (entered since with its first contact dated back, back from lost, moved
 * in), the grade it came with. Returns 0 when none says (no change since): its
 * grade now holds. */
int stats_grade_then(struct req_ctx *ctx, uint64_t scope, uint64_t customer_id,
    int64_t at, uint8_t *grade);

/* Decoders of index data (n: its length). Return 0 when n is wrong. */
int stats_fu_decode(const void *p, size_t n, struct stats_fu *f);
int stats_stage_decode(const void *p, size_t n, struct stats_stage *s);
int stats_task_decode(const void *p, size_t n, struct stats_task *t);
int stats_commit_decode(const void *p, size_t n, struct stats_commit *c);
int stats_sla_decode(const void *p, size_t n, struct stats_sla *s);
int stats_grade_decode(const void *p, size_t n, struct stats_grade *g);

/* stats_tally: customers of scope in stage and grade (0: any), now. */
uint64_t stats_tally(
    struct req_ctx *ctx, uint64_t scope, int stage, int grade);

/*
 * stats_rebuild: empty every stats index and derive it again from the
 * records, in ctx->txn (a write transaction). Used to upgrade a database
 * written before these indexes existed.
 */
crm_status stats_rebuild(struct req_ctx *ctx);

/*
 * stats_drop_merged: take the stage facts of every customer merged into
 * another out of the reports, as a merge does now (stats_on_customer):
 * the upgrade of data of schema 15, whose merges left them. *merged: the
 * merged customers found.
 */
crm_status stats_drop_merged(struct req_ctx *ctx, uint64_t *merged);

#endif
