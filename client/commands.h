/* SPDX-License-Identifier: MIT */
/*
 * commands.h: THE shell command table and what its rows point to. One row
 * per shell verb drives parsing and usage errors, `help`, `help COMMAND`,
 * `help @group`, unique-prefix matching and tab completion. A command
 * with several verbs ("customer add", "customer show") is a family: a row
 * without a handler named "customer", followed by one row per verb named
 * "customer add", ... Adding a command is one row plus its handler in
 * cmd_<family>.c.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conn.h"
#include "crm.h"
#include "render.h"

/* A list of completion candidates being built. */
struct cmd_cands {
	char **v;
	size_t n, cap;
};

/* cmd_completer: add the candidates starting with prefix to out. */
typedef void (*cmd_completer)(const char *prefix, struct cmd_cands *out);

/* One option of a row: "--kind" taking "company|person". */
struct cmd_opt {
	const char *name;       /* "--kind" */
	const char *arg;        /* the value's placeholder; NULL: a flag */
	bool repeat;            /* may be given several times */
	cmd_completer complete; /* values, or NULL */
	const char *help;       /* one line for `help COMMAND` */
};

/* The shell's state that handlers see. */
struct cmd_ctx {
	crm_conn *conn;
	render_opts ropts;
	bool stdin_tty;   /* passwords are read without echo */
	bool interactive; /* the readline shell is running */
	bool quit;        /* set by `quit` */
	bool usage_error; /* set by cmd_usage_error(): exit status 2 */
	char *login;      /* logged-in login, or NULL; owned */
	/* The outbox (cmd_outbox.c): */
	const char *what;     /* the command being run, as typed; borrowed */
	bool outcome_unknown; /* a write was kept in the outbox: status 3 */
	/* Writes crmd answered during this command, CRM_REQUEST_ID_LEN
	 * bytes each: settled in the outbox once what the command prints
	 * is out (cmd_outbox_settle), so a crm killed before the rep saw
	 * the answer leaves the write there, sent: typed again, it is the
	 * same write, answered by crmd's stored reply, not a second. */
	uint8_t *answered;
	size_t nanswered;
	bool offline;     /* the last call found no crmd */
	bool back_online; /* crmd answered after that: resend the outbox */
	int cancel_fd;    /* Ctrl-C while a command runs, or -1 */
	const struct cmd_row *row; /* the command being run, or NULL */
	bool guessed; /* a customer was guessed: no write may be sent */
};

struct cmd_row;

/* One parsed invocation: positional words and option values. */
struct cmd_call {
	const struct cmd_row *row;
	int argc;
	char **argv; /* positional words, borrowed from the line */
	size_t nopts;
	struct cmd_optval {
		const struct cmd_opt *opt;
		const char *value; /* "" for a flag; borrowed */
	} * opts;
};

/*
 * cmd_handler: run one command, putting what it prints into out. Returns
 * CRM_OK, the server's status, or CRM_EINVAL for bad input (after saying
 * why on stderr).
 */
typedef crm_status (*cmd_handler)(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);

#define CMD_MAX_ARGS 4 /* per-position completers */

struct cmd_row {
	const char *name;    /* "login", "customer" (family), "customer add" */
	const char *alias;   /* another top-level name ("exit"), or NULL */
	const char *group;   /* for `help @group` */
	const char *usage;   /* after the name: "NAME [--kind K]" */
	const char *summary; /* one sentence */
	int min_args;
	int max_args;               /* -1: no limit */
	const struct cmd_opt *opts; /* ends with a { NULL } row, or NULL */
	cmd_completer args[CMD_MAX_ARGS]; /* per position; the last one
	                                     set repeats for later words */
	cmd_handler fn;                   /* NULL: a family row */
	bool sensitive;             /* never in history (passwords follow) */
	void (*more_help)(FILE *f); /* `help COMMAND` adds this, or NULL */
	/* Only reads the customers it names, so it may open the only
	 * candidate of a name that is no customer's (cmd_customer_resolve).
	 * Unset (every other row): it writes or may, and never acts on a
	 * guess. */
	bool only_reads;
	/* Writes, but asks crmd first even when given ids (merge's
	 * preview), or means something only as crmd gets it (a pool claim,
	 * a handover: outbox.h's OUTBOX_LIVE), so it is never kept in the
	 * outbox: offline it is not told to give ids instead of names
	 * (cmd_customer_offline_hint). */
	bool online_only;
};

/* cmd_table: the rows, ending with a row whose name is NULL. */
extern const struct cmd_row cmd_table[];

/*
 * cmd_find: the row words[0..] name, by exact name or unique prefix, and
 * how many words the name took (1 or 2) in *used. A family name without a
 * verb gives the family row. Returns NULL and writes the reason ("unknown
 * command: x", "ambiguous command: c, could be: customer, contact") into
 * why.
 */
const struct cmd_row *cmd_find(int argc, char *const *argv,
    int *used /* OUT */, char *why, size_t whylen);

/* cmd_lookup_word: the top-level row named word (exact or unique prefix),
 * or a verb of family when family is not NULL. NULL when none or
 * ambiguous. */
const struct cmd_row *cmd_lookup_word(
    const struct cmd_row *family, const char *word);

/* cmd_is_family: row has verbs rather than a handler. */
bool cmd_is_family(const struct cmd_row *row);

/* cmd_verb: the part of row's name after the family ("add"), or the
 * whole name. Borrowed; static storage. */
const char *cmd_verb(const struct cmd_row *row);

/*
 * cmd_run: run the command in words argv[0..argc). Returns the exit
 * status: 0 done, 1 failed or refused, 2 usage error, 3 a write's outcome
 * is unknown and it is kept in the outbox.
 */
int cmd_run(struct cmd_ctx *ctx, int argc, char **argv);

/* cmd_run_line: split line shell-like and run it (an empty line is 0). */
int cmd_run_line(struct cmd_ctx *ctx, const char *line);

/* cmd_line_sensitive: line names a sensitive row (keep from history). */
bool cmd_line_sensitive(const char *line);

/* cmd_print_usage: "usage: NAME USAGE" on f; for a family every verb. */
void cmd_print_usage(const struct cmd_row *row, FILE *f);

/* cmd_usage_string: "NAME USAGE". Caller frees with free(). */
char *cmd_usage_string(const struct cmd_row *row);

/* ------------------------------------------------ for handlers */

/* cmd_opt: the last value of option name ("--owner"), "" for a present
 * flag, NULL when absent. Borrowed; valid during the call. */
const char *cmd_opt(const struct cmd_call *call, const char *name);

/* cmd_error: "error: ..." on stderr. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cmd_set_script_line: the line of a script on stdin being run (1, 2,
 * ...), so cmd_error and cmd_usage_error start with "line N: "; 0 when
 * no script runs. */
void cmd_set_script_line(unsigned n);

/* cmd_usage_error: like cmd_error, then the row's usage; marks the exit
 * status 2. Returns CRM_EINVAL for `return cmd_usage_error(...)`. */
crm_status cmd_usage_error(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * cmd_request: conn_call plus the error message on stderr:
 * "error: <server message> (<STATUS_NAME>)". On CRM_OK the caller frees
 * *resp with crm__v1__response__free_unpacked(*resp, NULL).
 */
crm_status cmd_request(struct cmd_ctx *ctx, Crm__V1__Request *req,
    Crm__V1__Response **resp /* OUT */);

/*
 * cmd_request_quiet: cmd_request without the error message; say it later
 * with cmd_request_error(ctx, req, rc, msg), msg the conn_error(ctx->conn)
 * of the call (copied before the next call).
 */
crm_status cmd_request_quiet(struct cmd_ctx *ctx, Crm__V1__Request *req,
    Crm__V1__Response **resp /* OUT */);
void cmd_request_error(struct cmd_ctx *ctx, const Crm__V1__Request *req,
    crm_status rc, const char *msg);

/*
 * cmd_parse_enum: text as a value of d (English or Chinese words).
 * On failure a usage error naming what (e.g. "stage") and the accepted
 * words. Errors: CRM_EINVAL.
 */
crm_status cmd_parse_enum(struct cmd_ctx *ctx, const struct cmd_call *call,
    const ProtobufCEnumDescriptor *d, const char *what, const char *text,
    int *value /* OUT */);

/* cmd_parse_id: text as a positive decimal id. Errors: CRM_EINVAL. */
crm_status cmd_parse_id(const char *text, uint64_t *id /* OUT */);

/*
 * cmd_opt_limit: call's --limit N, when given, as 1..max: *limit = N and
 * *has = 1; otherwise the usage error "--limit wants a number from 1 to
 * MAX". Without --limit nothing is set. Errors: CRM_EINVAL.
 */
crm_status cmd_opt_limit(struct cmd_ctx *ctx, const struct cmd_call *call,
    uint64_t max, protobuf_c_boolean *has /* OUT */,
    uint32_t *limit /* OUT */);

/*
 * cmd_parse_id_arg: like cmd_parse_id, with a usage error naming what
 * ("task id") on failure. Errors: CRM_EINVAL.
 */
crm_status cmd_parse_id_arg(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, uint64_t *id /* OUT */);

/*
 * cmd_parse_when: text as a WHEN (2026-11-25, 2026-11-25 14:00, +3d,
 * today, tomorrow 10:00, mon, 下周二, 下午3点: crm_time_parse, leaning to
 * the future) relative to now, in UTC seconds. On
 * failure a usage error naming what ("--due"). Errors: CRM_EINVAL.
 */
crm_status cmd_parse_when(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t *t /* OUT */);

/*
 * cmd_parse_past: text as a moment that has happened (a follow-up's or a
 * purchase's --at: crm_time_parse_past, "mon" is this week's Monday). On
 * failure a usage error naming what. Errors: CRM_EINVAL.
 */
crm_status cmd_parse_past(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t *t /* OUT */);

/*
 * cmd_parse_span: text as a --from or --to (crm_time_parse_span: days
 * lean to the past, periods such as "last week" or 本月 allowed): the
 * span it names, [*from, *to). --from takes *from, --to takes *to. On
 * failure a usage error naming what. Errors: CRM_EINVAL.
 */
crm_status cmd_parse_span(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t *from /* OUT */,
    int64_t *to /* OUT */);

/*
 * cmd_lost_reason: the LostReason the first word of text names
 * (price|competitor|service|no_need|other or 价格|竞争对手|服务|需求消失;
 * the word ends at a blank, ',', ':', '，' or '：'), else LOST_OTHER.
 */
int cmd_lost_reason(const char *text);

/*
 * cmd_format_span: a span of seconds as people say it: "2d 3h", "3h
 * 20m", "45m", "now" (under a minute); the sign is ignored.
 */
void cmd_format_span(int64_t secs, char *buf, size_t len);

/*
 * cmd_format_due: "2d 3h late" when due is before now, else "in 3h".
 */
void cmd_format_due(int64_t due, int64_t now, char *buf, size_t len);

/*
 * cmd_expect: cmd_request, then check that the reply's body is want;
 * when it is not, say so and fail with CRM_INTERNAL. On CRM_OK the caller
 * frees *resp with crm__v1__response__free_unpacked(*resp, NULL).
 */
crm_status cmd_expect(struct cmd_ctx *ctx, Crm__V1__Request *req,
    Crm__V1__Response__BodyCase want, Crm__V1__Response **resp /* OUT */);

/*
 * cmd_tty_line (cmd_followup.c): one line typed on the terminal (stdin),
 * with Ctrl-C cancelling. Returns its length, -1 at end of input, -2 when
 * cancelled; *line is malloc'd (caller frees) when the length is >= 0.
 */
ssize_t cmd_tty_line(struct cmd_ctx *ctx, char **line /* OUT */);

/*
 * cmd_confirm (cmd_confirm.c): go ahead with a big action? CRM_OK with --yes
 * among call's options, or when the person at the terminal answers y
 * (yes, 是) to question (on stderr, "[y/N]"). With no terminal on stdin and
 * no --yes: refused, saying to add --yes (a usage error, exit 2). Any other
 * answer: "nothing done", CRM_EINVAL (exit 1).
 */
crm_status cmd_confirm(
    struct cmd_ctx *ctx, const struct cmd_call *call, const char *question);

/* cmd_cache_names: feed n customer names (borrowed; NULL skipped) to the
 * completion cache. */
void cmd_cache_names(const char *const *names, size_t n);

/* ------------------------------------------------ the shell's own rows */

crm_status cmd_help(struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_quit(struct cmd_ctx *, const struct cmd_call *, render_doc *);
/* cmd_clear: `clear`: the screen, when stdout is a terminal. */
crm_status cmd_clear(struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* ------------------------------------------------ handlers */

crm_status cmd_session_login(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_session_logout(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_session_whoami(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_session_passwd(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/*
 * cmd_session_read_secret: one line from stdin, without echo when stdin
 * is a terminal (prompt on stderr then). Never through readline, so never
 * in history. Caller frees *out with cmd_session_free_secret().
 * Errors: CRM_EINVAL (end of input).
 */
crm_status cmd_session_read_secret(
    struct cmd_ctx *ctx, const char *prompt, char **out /* OUT */);
void cmd_session_free_secret(char *s);
/*
 * cmd_session_read_new_secret: cmd_session_read_secret with prompt; when
 * stdin is a terminal, asked again with again, and refused with the
 * error differ (nothing in *out) when the two differ. Errors: CRM_EINVAL.
 */
crm_status cmd_session_read_new_secret(struct cmd_ctx *ctx, const char *prompt,
    const char *again, const char *differ, char **out /* OUT */);

/* cmd_session_start: load the stored token into ctx->conn. */
void cmd_session_start(struct cmd_ctx *ctx);

/* cmd_session_hint: the hint after a request refused for want of a
 * session: the session is for another address, an older crm's file, or
 * none (log in). On stderr. */
void cmd_session_hint(struct cmd_ctx *ctx);

/* cmd_session_whoami_quiet: ask the server who we are (for the prompt)
 * with a short deadline, setting ctx->login, then cmd_calendar_year_note;
 * silent on failure. */
void cmd_session_whoami_quiet(struct cmd_ctx *ctx);

crm_status cmd_admin_user_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_admin_user_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_admin_user_disable(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_admin_user_passwd(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_admin_team_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_admin_backup(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
/* cmd_stats.c */
crm_status cmd_stats(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_admin_team_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

crm_status cmd_customer_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_customer_show(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
/* cmd_why.c */
crm_status cmd_customer_why(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_customer_edit(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_customer_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_customer_find(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_customer_release(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_customer_handover(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_pool_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_pool_claim(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_policy_pool(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_customer_assign(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/*
 * cmd_customer_resolve (cmd_customer_resolve.c): the id of CUSTOMER as typed:
 * an id (cmd_customer_id) as is, anything else an exact name looked up
 * on the server. A name that is no customer's, or a number that is no id
 * (a phone), is searched (customer find, which matches phones however
 * written): for a command that only reads, the only match is taken,
 * saying so on stderr; a command that writes names it and refuses;
 * several are listed as candidates (an error); none gets close cached
 * names suggested. When crmd does not answer the lookup, a command that
 * writes is told to give the id (cmd_customer_offline_hint). Errors: as
 * cmd_request (NOT_FOUND for an unknown, guessed or ambiguous name;
 * UNAVAILABLE offline).
 */
crm_status cmd_customer_resolve(
    struct cmd_ctx *ctx, const char *text, uint64_t *id /* OUT */);

/*
 * cmd_customer_id: text as a customer id: 1 to 10 digits, no leading 0.
 * A longer number, or one starting with 0, reads as a phone number (a
 * name to search), never an id. Every command taking a CUSTOMER decides
 * "id or not" with this.
 */
bool cmd_customer_id(const char *text, uint64_t *id /* OUT */);

/* cmd_customer_not_found_hint: after the server's msg "no customer N"
 * for a number N long enough to be a phone (7 digits or more): a hint on
 * stderr to look for it with `customer find N`. Nothing otherwise. */
void cmd_customer_not_found_hint(const char *msg);

/* cmd_customer_offline_hint: text, a customer name, could not be looked
 * up because crmd did not answer: for the running row if it writes (and
 * is not online_only), a hint on stderr to give the customer's id, which
 * a write keeps in the outbox. */
void cmd_customer_offline_hint(struct cmd_ctx *ctx, const char *text);

/* cmd_customer_suggest: after a server's "no customer named" for text (a
 * name sent as is, as `log` does): the candidates of `customer find`, or
 * the closest cached names, on stderr; suggestions only. */
void cmd_customer_suggest(struct cmd_ctx *ctx, const char *text);

crm_status cmd_customer_merge(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_customer_check(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_customer_cache: remember the names of n customers for completion. */
void cmd_customer_cache(Crm__V1__Customer *const *c, size_t n);

crm_status cmd_contact_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_contact_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_contact_left(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_contact_verify(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_contact_edit(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);

/* cmd_audit.c: the audit trail */
crm_status cmd_audit_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_export_audit(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
/* cmd_audit_filters: customer (an id or name, or NULL), --user, --from
 * and --to of call into body. Errors: as cmd_customer_resolve and
 * cmd_report_period. */
crm_status cmd_audit_filters(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *customer, Crm__V1__AuditListRequest *body);

/* cmd_followup.c: follow-ups and stages */
crm_status cmd_followup_log(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_followup_stage(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_followup_show.c: one follow-up, every field */
crm_status cmd_followup_show(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_attach.c: references to minutes and recordings */
crm_status cmd_attach_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
/* cmd_attach_check: a path or URL and its title (may be NULL) as the
 * server takes them, else a usage error. Errors: CRM_EINVAL. */
crm_status cmd_attach_check(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *ref, const char *title);

/* cmd_routine.c: calendar routines */
crm_status cmd_routine_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_routine_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_routine_stop(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);

/* cmd_purchase.c: purchases and the value policy */
crm_status cmd_purchase_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_purchase_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_purchase_policy(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
/* cmd_purchase_show_summary / _value: a record section for a customer's
 * purchases / the value policy (nothing when NULL). */
void cmd_purchase_show_summary(
    const Crm__V1__PurchaseSummary *s, render_doc *out);
void cmd_purchase_show_value(const Crm__V1__ValuePolicy *v, render_doc *out);

/* cmd_history.c: a customer's timeline */
crm_status cmd_history_show(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_task.c: the queue, tasks and the cadence policy */
crm_status cmd_task_due(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_add(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_done(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_move(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_assign(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_cancel(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_policy_show(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_task_policy_set(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
/* cmd_task_policy_currency: `policy currency [SYMBOL]`. */
crm_status cmd_task_policy_currency(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
/*
 * cmd_policy_request: send req (a policy write), or policy.get when req
 * has no body yet, and expect the policy back in *resp (caller frees
 * with crm__v1__response__free_unpacked). Errors: as cmd_expect.
 */
crm_status cmd_policy_request(
    struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp);

/* cmd_grade.c: grade proposals */
crm_status cmd_grade_propose(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_grade_pending(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_grade_approve(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_grade_reject(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_sla.c: SLA clocks, commitments, stale customers */
crm_status cmd_sla_inquiry(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_sla_issue(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_sla_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_sla_commitments(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_sla_commitment_done(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_sla_issue_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_sla_issue_resolve(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_sla_issue_escalate(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_signals_avoidance(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_sla_stale(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_report.c: reports */
crm_status cmd_report_show(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_report_kind: the ReportKind a `report` verb (or a unique prefix of
 * one) names, 0 when none. */
int cmd_report_kind(const char *word);

/*
 * cmd_report_period: --from and --to of call as a period [from, to): a
 * day given as a date (2026-11-01, today, mon) means its start for
 * --from and its end for --to. Errors: CRM_EINVAL (a usage error said).
 */
crm_status cmd_report_period(struct cmd_ctx *ctx, const struct cmd_call *call,
    int64_t *from /* OUT */, protobuf_c_boolean *has_from /* OUT */,
    int64_t *to /* OUT */, protobuf_c_boolean *has_to /* OUT */);

/* cmd_report_scope: call's --user or --team (borrowed; not both) and
 * its period (cmd_report_period), as a report and an export take them.
 * Errors: CRM_EINVAL (a usage error said). */
crm_status cmd_report_scope(struct cmd_ctx *ctx, const struct cmd_call *call,
    char **user /* OUT */, char **team /* OUT */, int64_t *from /* OUT */,
    protobuf_c_boolean *has_from /* OUT */, int64_t *to /* OUT */,
    protobuf_c_boolean *has_to /* OUT */);

/*
 * cmd_report_fetch: the report of kind for call's --user, --team, --from
 * and --to. On CRM_OK the caller frees *resp (body report) with
 * crm__v1__response__free_unpacked(*resp, NULL). Errors: as cmd_expect;
 * CRM_EINVAL for bad options.
 */
crm_status cmd_report_fetch(struct cmd_ctx *ctx, const struct cmd_call *call,
    int kind, Crm__V1__Response **resp /* OUT */);

/*
 * cmd_report_cell_text: a report cell of a column of unit as text: for
 * people (COUNT 12, NUMBER at most two decimals, PERCENT "62.5 %", DAYS and
 * SCORE one decimal, MONEY as an amount, TIME a local date, no value "-"),
 * else raw numbers.
 */
void cmd_report_cell_text(int unit, const Crm__V1__ReportCell *x, bool people,
    char *buf, size_t len);

/* cmd_report_help: the report kinds, one line each (for `help`). */
void cmd_report_help(FILE *f);

/* cmd_export.c: export to CSV or Excel */
crm_status cmd_export_records(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
crm_status cmd_export_report(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_import.c: import from CSV */
/* cmd_import_columns_help: `help import VERB`'s list of the columns
 * import reads for that kind, from import_map.c's table. */
void cmd_import_columns_help(FILE *f, const char *verb);
crm_status cmd_import_file(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_outbox.c: writes kept until their outcome is known */
crm_status cmd_outbox(struct cmd_ctx *, const struct cmd_call *, render_doc *);

/*
 * cmd_outbox_request: send the write req keeping its request id until the
 * outcome is known: the same bytes again while no answer comes, and into
 * the outbox (saying so, ctx->outcome_unknown set) when the shell gives
 * up or crmd is not running. Results as conn_call; CRM_UNAVAILABLE with
 * ctx->outcome_unknown when kept.
 */
crm_status cmd_outbox_request(struct cmd_ctx *ctx, Crm__V1__Request *req,
    Crm__V1__Response **resp /* OUT */);

/* cmd_outbox_retention: `policy retention [DURATION]`. */
crm_status cmd_outbox_retention(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_outbox_flush: send what the outbox holds, if anything, saying what
 * became of it (the shell's start, and crmd answering again). */
void cmd_outbox_flush(struct cmd_ctx *ctx);

/* cmd_outbox_settle: the command's output is out (stdout flushed): the
 * writes crmd answered during it leave the outbox (ctx->answered). */
void cmd_outbox_settle(struct cmd_ctx *ctx);

/* cmd_changes.c: the change log services follow */
crm_status cmd_changes_list(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* cmd_calendar.c: the working-day calendar */
crm_status cmd_calendar_import(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_calendar_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
crm_status cmd_calendar_policy(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);
/* cmd_calendar_year_note: at the shell's start, for an admin or a
 * manager, a line on stderr for each year the plans reach (this one, and
 * from November the next) that has no holiday calendar: its holidays
 * count as working days until an admin imports one (a plan fell on
 * 元旦 2027 unnoticed). Silent on any failure. */
void cmd_calendar_year_note(struct cmd_ctx *ctx, int role);

#endif
