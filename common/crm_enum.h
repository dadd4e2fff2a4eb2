/* SPDX-License-Identifier: MIT */
/*
 * crm_enum.h: the words users type and read for the protocol's enums
 * ("negotiation", "S", "decision_maker") and money in minor units. Shared
 * by the shell (parsing options, printing) and the server (FIELD=VALUE
 * edits), so both sides accept exactly the same words.
 */
#ifndef CRM_ENUM_H
#define CRM_ENUM_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

/*
 * crm_enum_name: the short lower-case name of value in d: the declared
 * name without its prefix ("STAGE_CHURN_RISK" -> "churn_risk", "GRADE_S"
 * -> "S" for grades). "" for 0 (unspecified) and unknown values.
 * Borrowed; static storage.
 */
const char *crm_enum_name(const ProtobufCEnumDescriptor *d, int value);

/*
 * crm_enum_parse: the value named by text: a short name (any case), the
 * full declared name, or a Chinese alias (潜在, 重点, 决策者, ...).
 * Errors: CRM_EINVAL when nothing matches or text names value 0.
 */
crm_status crm_enum_parse(
    const ProtobufCEnumDescriptor *d, const char *text, int *value /* OUT */);

/*
 * crm_enum_list: the accepted short names joined by "|" into buf, for
 * usage and error messages ("potential|intent|...").
 */
void crm_enum_list(const ProtobufCEnumDescriptor *d, char *buf, size_t len);

/* crm_enum_list_words: like crm_enum_list, each name followed by the
 * other words it takes in parentheses: "gatekeeper (把关者 把关人 守门人)",
 * joined by ", ". */
void crm_enum_list_words(
    const ProtobufCEnumDescriptor *d, char *buf, size_t len);

/*
 * crm_task_kind_word: how `due` and the history name a task kind in
 * prose and tables ("next follow-up", "task", "re-grade"); the enum's
 * short name for the other kinds (JSON keeps the short name always).
 */
const char *crm_task_kind_word(int kind);

/*
 * crm_task_kind_parse: the kind `due --kind` text names: a short name
 * (follow_up, todo, regrade, greeting, routine, reclaim_warn, commitment,
 * sla), a full declared name, or the word the table prints for it (next
 * follow-up, task, re-grade, pool warning); any case, with '-', '_' and
 * ' ' alike. Errors: CRM_EINVAL when nothing matches.
 */
crm_status crm_task_kind_parse(const char *text, int *kind /* OUT */);

/*
 * crm_task_kind_words: the words crm_task_kind_parse takes for the kinds
 * tasks have, for lists, "did you mean" and completion (follow_up,
 * next-follow-up, todo, task, ...); *n gets how many. Borrowed; static.
 */
const char *const *crm_task_kind_words(size_t *n /* OUT */);

/*
 * crm_task_kind_elsewhere: for a kind no task has (commitment, sla: they
 * are records of their own), where those are listed, as one sentence
 * both sides print ("open commitments are listed by `commitments`; SLA
 * clocks by `sla`"); NULL for the kinds tasks have. Borrowed; static.
 */
const char *crm_task_kind_elsewhere(int kind);

/*
 * crm_money_parse: "12000", "12,000.50", "¥3.5" into minor units (x100).
 * Errors: CRM_EINVAL (not a number, more than 2 decimals, out of range).
 */
crm_status crm_money_parse(const char *text, int64_t *minor /* OUT */);

/*
 * crm_money_field: whether an int64 field of this name holds money (minor
 * units): annual_revenue, deal_amount, amount, amount_high, amount_medium,
 * total, average, total_year (proto/README.md "Times and money" lists the
 * messages). The one list the shell's tables, JSON, export and import use.
 */
bool crm_money_field(const char *name);

/* crm_money_format: minor units as "12000.50" (no grouping) into buf. */
void crm_money_format(int64_t minor, char *buf, size_t len);

/*
 * crm_money_format_people: minor units as people read them, with the
 * currency before the amount and thousands separators: "¥1,234,567.00",
 * "-¥20.00"; a currency ending in a letter is followed by a blank
 * ("CHF 1,200.00"). currency NULL or "" writes the grouped number alone.
 * For tables and reports only: CSV and JSON keep crm_money_format.
 */
void crm_money_format_people(
    int64_t minor, const char *currency, char *buf, size_t len);

/*
 * crm_followup_unplanned: whether follow-up f said a next action that no
 * task was made for: next_action set, next_task_id not. Such a follow-up
 * is history only: older than its customer's last contact, or than its
 * open next follow-up's plan, when it was logged (FollowUp.notes), or
 * imported for a lost customer, who is
 * followed no more; its next action is kept as the text it said. The
 * shell and the reports print CRM_UNPLANNED_WORDS with it; JSON and CSV
 * keep the record's fields as stored (no next_task_id).
 */
struct Crm__V1__FollowUp;
bool crm_followup_unplanned(const struct Crm__V1__FollowUp *f);

#define CRM_UNPLANNED_WORDS "history only, not planned"

#endif
