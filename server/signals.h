/* SPDX-License-Identifier: MIT */
/*
 * signals.h: what a follow-up says beyond its text (issue 15): the
 * objections it raises (open issues), its feedback tags, and repeated
 * avoidance of contact by an S or A customer, which gives the team's
 * manager a grade-review task. Called by followup.c's log in its one
 * transaction; issue.c escalates open issues.
 */
#ifndef SIGNALS_H
#define SIGNALS_H

#include <stdint.h>

#include "dispatch.h"

#define SIGNALS_MAX_TAGS       CRM_FOLLOWUP_MAX_TAGS
#define SIGNALS_MAX_OBJECTIONS 8
#define SIGNALS_AVOIDANCE      3 /* follow-ups in a row, by default */

/* signals_check_log: in's tags and objections are well formed. Errors:
 * CRM_EINVAL (message set). */
crm_status signals_check_log(struct req_ctx *ctx, const Crm__V1__FollowUp *in);

/*
 * signals_on_log: f (being logged on customer c, before c is saved) takes
 * in's tags, no_answer and objections; each objection becomes an open
 * issue; c's avoidance streak moves (not by an imported follow-up nor
 * one older than c's last contact: history), and when it reaches the policy's
 * count on an S or A customer the team's manager gets a grade-review task
 * (a customer event says why). Errors: as the store.
 */
crm_status signals_on_log(struct req_ctx *ctx, Crm__V1__Customer *c,
    Crm__V1__FollowUp *f, const Crm__V1__FollowUp *in,
    const Crm__V1__Policy *pol);

/* signals_team_manager: the first active manager of team_id (0: none). */
uint64_t signals_team_manager(struct req_ctx *ctx, uint64_t team_id);

/* signals_late_entry: c was entered more than 24 h after its first
 * contact (seed 002: 首次接触后24小时内录入系统): the flag stored when it
 * was created (customer add), or for a record stored before the flag
 * was kept, created_at against first_contact_at. */
int signals_late_entry(const Crm__V1__Customer *c);

/* signals_entered_late: a record created at created_at for a first
 * contact at first_contact_at is late (more than 24 h after). */
int signals_entered_late(int64_t first_contact_at, int64_t created_at);

/* signals_own_import: whether a record the caller imports, of a contact
 * at `at` held by owner, is theirs to have entered in time (seed 002:
 * 跟进记录需在沟通结束后2小时内录入系统, 客户信息需在首次接触后24小时内
 * 录入系统): a rep importing their own record of a contact made since
 * they had crm (their account's creation) entered it when they import
 * it, as if typed, late or not. What came before is their book brought
 * in, and a manager's or admin's import is not a rep's delay. */
int signals_own_import(struct req_ctx *ctx, uint64_t owner, int64_t at);

/* signals_first_back: c's first contact has just moved back from `was`
 * to c->first_contact_at, by the caller (a follow-up they typed, an
 * edit, a purchase). When the caller entered c for themselves, its entry
 * looked timely then (within 24 h of `was`) and is not now: the entry
 * was late after all, and c->late_entry is set (a rep adding a customer
 * with no first contact, then logging the first call days back, was not
 * flagged). Never cleared; an import's history is not the caller's. */
void signals_first_back(
    struct req_ctx *ctx, Crm__V1__Customer *c, int64_t was);

/* signals_late_after_all: whether c, entered by its owner for
 * themselves and not flagged, looked entered in time from first contact
 * `was` (0: its entry) and is late from its first contact now: the
 * test signals_first_back and a merge (which gives the kept customer the
 * duplicate's earlier first contact) make. */
int signals_late_after_all(const Crm__V1__Customer *c, int64_t was);

/* signals_missing_minutes: customer_id has a visit or meeting of the last
 * SIGNALS_MINUTES_DAYS days, logged while it was grade S, with no minutes
 * or recording attached (seed 002: 重要客户需同步录音或会议纪要). */
#define SIGNALS_MINUTES_DAYS 90
int signals_missing_minutes(struct req_ctx *ctx, uint64_t customer_id);

/* signals_needs_minutes: a follow-up of grade S by visit or meeting. */
int signals_needs_minutes(int grade, int channel);

#endif
