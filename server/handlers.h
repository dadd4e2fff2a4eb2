/* SPDX-License-Identifier: MIT */
/*
 * handlers.h: every request handler, one block per request family file.
 * All share the dispatch_handler signature; dispatch.c's table is the only
 * caller.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "dispatch.h"

#define HANDLER(name)                                                     \
	crm_status name(struct req_ctx *ctx, const Crm__V1__Request *req, \
	    Crm__V1__Response *resp)

/* session.c */
HANDLER(session_handle_hello);
HANDLER(session_prepare_login);
HANDLER(session_handle_login);
HANDLER(session_handle_logout);
HANDLER(session_handle_whoami);
HANDLER(session_prepare_passwd);
HANDLER(session_handle_passwd);

/* user.c */
HANDLER(user_prepare_add);
HANDLER(user_handle_add);
HANDLER(user_handle_list);
HANDLER(user_handle_disable);
HANDLER(user_prepare_passwd);
HANDLER(user_handle_passwd);
HANDLER(user_handle_team_add);
HANDLER(user_handle_team_list);

/* customer_edit.c */
HANDLER(customer_handle_add);
HANDLER(customer_handle_get);
HANDLER(customer_handle_edit);
HANDLER(customer_handle_assign);

/* customer_list.c */
HANDLER(customer_handle_list);
HANDLER(customer_handle_find);

/* contact.c */
HANDLER(contact_handle_add);
HANDLER(contact_handle_list);
HANDLER(contact_handle_left);
HANDLER(contact_handle_verify);
HANDLER(contact_handle_edit);

/* followup.c */
HANDLER(followup_handle_log);
HANDLER(followup_prepare_log);
HANDLER(followup_handle_get);

/* history.c */
HANDLER(history_handle_list);

/* task_due.c */
HANDLER(task_handle_due);

/* task_edit.c */
HANDLER(task_handle_add);
HANDLER(task_handle_done);
HANDLER(task_handle_move);
HANDLER(task_handle_assign);
HANDLER(task_handle_cancel);

/* policy.c */
HANDLER(policy_handle_get);
HANDLER(policy_handle_set);
HANDLER(policy_handle_dry_run);
HANDLER(policy_handle_value_set);

/* lifecycle.c */
HANDLER(lifecycle_handle_stage);
HANDLER(lifecycle_handle_grade_propose);
HANDLER(lifecycle_handle_grade_pending);
HANDLER(lifecycle_handle_grade_approve);
HANDLER(lifecycle_handle_grade_reject);

/* sla.c */
HANDLER(sla_handle_start);
HANDLER(sla_handle_list);
HANDLER(sla_handle_commitment_list);
HANDLER(sla_handle_commitment_done);
HANDLER(sla_handle_reminders);
HANDLER(sla_handle_issue_resolve);
HANDLER(sla_handle_issue_list);

/* issue.c */
HANDLER(issue_handle_escalate);

/* report.c */
HANDLER(report_handle);

/* export.c */
HANDLER(export_handle_page);

/* import.c */
HANDLER(import_handle_batch);

/* merge.c */
HANDLER(merge_handle);
HANDLER(merge_handle_preview);

/* backup.c */
HANDLER(backup_handle);

/* purchase.c */
HANDLER(purchase_handle_add);
HANDLER(purchase_handle_list);

/* attachment.c */
HANDLER(attachment_handle_add);

/* review.c */
HANDLER(review_handle_stale);
HANDLER(review_handle_customer_check);
/* changes.c */
HANDLER(changes_handle_list);
/* audit.c */
HANDLER(audit_handle_list);

/* calendar.c */
HANDLER(calendar_handle_import);
HANDLER(calendar_handle_show);
/* pool.c */
HANDLER(pool_handle_release);
HANDLER(pool_handle_list);
HANDLER(pool_handle_claim);
HANDLER(pool_handle_policy);
HANDLER(pool_handle_handover);
/* why.c */
HANDLER(why_handle_customer);

/* routine.c */
HANDLER(routine_handle_add);
HANDLER(routine_handle_list);
HANDLER(routine_handle_stop);

/* latency.c */
HANDLER(latency_handle_stats);

#endif
