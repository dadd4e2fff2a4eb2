/* SPDX-License-Identifier: MIT */
/*
 * crm_limits.h: the limits crm and crmd must agree on, written once. The
 * server enforces each; the shell checks the same number before sending
 * (to name the option at fault) or asks for no more than the server
 * gives. A limit only one side knows stays in that side's file.
 */
#ifndef CRM_LIMITS_H
#define CRM_LIMITS_H

/* What a list or report shows for the customer of a row its reader may
 * not see (docs/authz.md): no customer is called this, and the shell
 * keeps it out of its completions. */
#define CRM_CUSTOMER_HIDDEN "(not visible to you)"

/* A follow-up (FollowUpLogRequest): commitments, tags and attachments. */
#define CRM_FOLLOWUP_MAX_COMMITMENTS 16
#define CRM_FOLLOWUP_MAX_TAGS        16
#define CRM_FOLLOWUP_MAX_ATTACHMENTS 16
/* An attachment's title: one line of at most this many bytes. */
#define CRM_ATTACHMENT_TITLE_MAX 200

/* calendar import: days in one request (under the 64 KiB request) and
 * bytes of a day's name. */
#define CRM_CALENDAR_IMPORT_DAYS 500
#define CRM_CALENDAR_NAME_MAX    64

/* import: rows in one ImportBatch request; rows of a dry run across
 * batches (ImportRequest.dry_run_id), which crmd runs in one transaction
 * while other writes wait: a larger file is dry-run in parts this long. */
#define CRM_IMPORT_BATCH_ROWS   500
#define CRM_IMPORT_DRY_RUN_ROWS 10000
/* crm_import_dry_run_rows: CRM_IMPORT_DRY_RUN_ROWS, or in a test build
 * (CRM_TEST_HOOKS) CRM_TEST_DRY_RUN_ROWS when set: crm and crmd read the
 * same, so a test checks a file longer than a dry run with a few hundred
 * rows. */
unsigned crm_import_dry_run_rows(void);

/* Page sizes: the default (the shell asks for it) or the most a page
 * holds (the shell refuses a larger --limit). */
#define CRM_EXPORT_PAGE_DEFAULT 1000
/* crm_export_page: the records crm export asks for a page:
 * CRM_EXPORT_PAGE_DEFAULT, or in a test build CRM_TEST_EXPORT_PAGE. */
unsigned crm_export_page(void);
#define CRM_CHANGES_LIMIT_MAX 1000
#define CRM_POOL_PAGE_MAX     500
#define CRM_AUDIT_PAGE_MAX    500

/* How long crmd keeps a write's reply for a resend, unless the policy
 * says otherwise (HelloReply.idem_retention_seconds): the shell keeps an
 * unsettled write in its outbox this long when it has not heard. */
#define CRM_IDEM_RETENTION_DEFAULT (7 * 86400)

/* The shortest password crmd takes, in bytes. */
#define CRM_PASSWORD_MIN 3

#endif
