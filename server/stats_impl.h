/* SPDX-License-Identifier: MIT */
/*
 * stats_impl.h: what the files of the report indexes share (stats.h is
 * the interface): fact sizes, a fact under its two scopes, the encoders
 * (stats_codec.c) and the fact of each record (stats_hooks.c), which
 * the rebuild and crm-check's pass (stats_rebuild.c, stats_check.c)
 * derive again. Not for other files.
 */
#ifndef STATS_IMPL_H
#define STATS_IMPL_H

#include "crm.h"
#include "stats.h"

#define FU_LEN      24
#define FU_FLAGS_AT 19 /* customer, author, grade, channel, mood, flags */
#define STAGE_LEN   36
#define TASK_LEN    STATS_TASK_LEN
#define COMMIT_LEN  25
#define SLA_LEN     33
#define GRADE_LEN   10

/* One fact under its scopes (the team's, then the person's); a record's
 * old and new facts. person_only: under the person alone (scope[1]), as
 * the fact of a task, commitment or clock always is, and a follow-up's
 * when its team is its author's (stats.h). */
struct fact {
	int on;
	int person_only;
	uint64_t scope[2];
	int64_t at;
	uint64_t id;
	uint8_t val[48];
	size_t len;
};

/* stats_codec.c: big-endian v at p; returns p + 8. */
uint8_t *stats_put64(uint8_t *p, uint64_t v);
/* stats_codec.c: each fact's bytes into b; returns their length. */
size_t stats_fu_encode(const struct stats_fu *f, uint8_t *b);
size_t stats_stage_encode(const struct stats_stage *s, uint8_t *b);
size_t stats_task_encode(const struct stats_task *t, uint8_t *b);
size_t stats_commit_encode(const struct stats_commit *c, uint8_t *b);
size_t stats_sla_encode(const struct stats_sla *s, uint8_t *b);

/* stats_hooks.c: c counts in the tallies (live, not merged). */
int stats_counted(const Crm__V1__Customer *c);
/* stats_hooks.c: c's active grade in scope (0: not an active customer
 * of it). */
uint8_t stats_active_grade(const Crm__V1__Customer *c, uint64_t scope);
/* stats_hooks.c: the fact of a record (x->on 0: it has none). */
void stats_fu_fact(
    struct req_ctx *ctx, const Crm__V1__FollowUp *f, struct fact *x);
void stats_task_fact(const Crm__V1__Task *t, struct fact *x);
void stats_commit_fact(const Crm__V1__Commitment *c, struct fact *x);
void stats_sla_fact(const Crm__V1__SlaClock *k, struct fact *x);

/* stats_journal.c: a new fact of db into the journal; the fact of db
 * at (scope, at, id) out of it (CRM_OK when it is not there). */
crm_status stats_journal_put(struct req_ctx *ctx, enum store_db db,
    uint64_t scope, int64_t at, uint64_t id, const void *val, size_t len);
crm_status stats_journal_del(struct req_ctx *ctx, enum store_db db,
    uint64_t scope, int64_t at, uint64_t id);
/* stats_journal.c: the fact of db at (scope, at, id) among v[0..n) as
 * stats_journal_load sorts them; NULL: not there. */
const struct stats_journal_fact *stats_journal_find(
    const struct stats_journal_fact *v, size_t n, enum store_db db,
    uint64_t scope, int64_t at, uint64_t id);

#endif
