/* SPDX-License-Identifier: MIT */
/*
 * commands.c: THE shell command table (see commands.h) and the code it
 * drives: finding a row by unique prefix, parsing options and arity,
 * usage errors, `help`, and running a row's handler with its output
 * rendered in the chosen format. Handlers live in cmd_<family>.c.
 */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "complete.h"

static crm_status cmd_help(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);
static crm_status cmd_quit(
    struct cmd_ctx *, const struct cmd_call *, render_doc *);

/* ------------------------------------------------------------ options */

static const struct cmd_opt user_add_opts[] = {
	{ "--role", "admin|manager|rep", false, complete_role,
	    "the user's role (required)" },
	{ "--team", "TEAM", false, NULL,
	    "the team; created when it does not exist" },
	{ "--name", "NAME", false, NULL, "display name" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt customer_add_opts[] = {
	{ "--kind", "company|person", false, complete_kind,
	    "company (default) or person" },
	{ "--industry", "X", false, NULL, "industry (制造, retail, ...)" },
	{ "--source", "X", false, NULL,
	    "source channel: trade show, online, referral, cold call, ..." },
	{ "--region", "X", false, NULL, "region or city" },
	{ "--owner", "USER", false, NULL,
	    "owner login (managers and admins; a rep owns what they add)" },
	{ "--grade", "S|A|B|C", false, complete_grade,
	    "grade: S 重点, A 潜力, B 培育, C 低优先级" },
	{ "--stage", "STAGE", false, complete_stage,
	    "lifecycle stage (default potential)" },
	{ "--website", "X", false, NULL, "web site" },
	{ "--licence", "X", false, NULL, "business-licence number" },
	{ "--employees", "N", false, NULL, "number of employees" },
	{ "--revenue", "AMOUNT", false, NULL, "annual revenue, e.g. 1200000" },
	{ "--tag", "T", true, NULL, "a tag (repeatable)" },
	{ "--notes", "X", false, NULL, "free notes" },
	{ "--birthday", "MM-DD", false, NULL, "a person's birthday" },
	{ "--anniversary", "MM-DD", false, NULL, "company anniversary" },
	{ "--first-contact", "WHEN", false, NULL,
	    "first contact: 2026-11-25, 2026-11-25 14:00, today, ..." },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt customer_list_opts[] = {
	{ "--owner", "U", false, NULL, "only this owner's customers" },
	{ "--stage", "S", false, complete_stage, "only this stage" },
	{ "--grade", "G", false, complete_grade, "only this grade" },
	{ "--tag", "T", false, NULL, "only customers with this tag" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt contact_add_opts[] = {
	{ "--title", "X", false, NULL, "job title" },
	{ "--phone", "X", true, NULL, "a phone number (repeatable)" },
	{ "--email", "X", false, NULL, "e-mail address" },
	{ "--im", "X", false, NULL, "IM handle (WeChat, ...)" },
	{ "--role", "ROLE", false, complete_contact_role,
	    "decision_maker|influencer|user|gatekeeper|other" },
	{ "--birthday", "MM-DD", false, NULL, "birthday" },
	{ "--notes", "X", false, NULL, "free notes" },
	{ NULL, NULL, false, NULL, NULL },
};

/* ------------------------------------------------------------ the table */

const struct cmd_row cmd_table[] = {
	/* session */
	{ .name = "login",
	    .group = "session",
	    .usage = "[USER]",
	    .summary = "Log in; the password is read without echo.",
	    .min_args = 0,
	    .max_args = 1,
	    .fn = cmd_session_login,
	    .sensitive = true },
	{ .name = "logout",
	    .group = "session",
	    .usage = "",
	    .summary = "End the session and forget its token.",
	    .max_args = 0,
	    .fn = cmd_session_logout },
	{ .name = "whoami",
	    .group = "session",
	    .usage = "",
	    .summary = "Show the logged-in user.",
	    .max_args = 0,
	    .fn = cmd_session_whoami },
	{ .name = "passwd",
	    .group = "session",
	    .usage = "",
	    .summary = "Change your password (old, then new twice).",
	    .max_args = 0,
	    .fn = cmd_session_passwd,
	    .sensitive = true },

	/* customers */
	{ .name = "customer",
	    .group = "customer",
	    .usage = "VERB ...",
	    .summary = "Customer records: add, show, edit, list, find, "
	               "assign." },
	{ .name = "customer add",
	    .group = "customer",
	    .usage = "NAME [--kind company|person] [--industry X] "
	             "[--source X] [--region X] [--owner USER] "
	             "[--grade S|A|B|C] [--stage STAGE] [--website X] "
	             "[--licence X] [--employees N] [--revenue AMOUNT] "
	             "[--tag T]... [--notes X] [--birthday MM-DD] "
	             "[--anniversary MM-DD] [--first-contact WHEN]",
	    .summary = "Create a customer record (names are unique per "
	               "kind).",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = customer_add_opts,
	    .fn = cmd_customer_add },
	{ .name = "customer show",
	    .group = "customer",
	    .usage = "ID|NAME",
	    .summary = "Show a customer and its contacts.",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .fn = cmd_customer_show },
	{ .name = "customer edit",
	    .group = "customer",
	    .usage = "ID|NAME FIELD=VALUE...",
	    .summary = "Change fields (industry=..., grade=A, won_at=today; "
	               "an empty VALUE clears).",
	    .min_args = 2,
	    .max_args = -1,
	    .args = { complete_customer, complete_customer_field },
	    .fn = cmd_customer_edit },
	{ .name = "customer list",
	    .group = "customer",
	    .usage = "[--owner U] [--stage S] [--grade G] [--tag T]",
	    .summary = "List the customers you may see, filtered.",
	    .max_args = 0,
	    .opts = customer_list_opts,
	    .fn = cmd_customer_list },
	{ .name = "customer find",
	    .group = "customer",
	    .usage = "TEXT",
	    .summary = "Search names, contacts, phones, e-mails and notes.",
	    .min_args = 1,
	    .max_args = -1,
	    .fn = cmd_customer_find },
	{ .name = "customer assign",
	    .group = "customer",
	    .usage = "ID|NAME USER",
	    .summary = "Give a customer to another user (managers, admins).",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { complete_customer },
	    .fn = cmd_customer_assign },

	/* contacts */
	{ .name = "contact",
	    .group = "contact",
	    .usage = "VERB ...",
	    .summary = "A customer's contacts: add, list, left." },
	{ .name = "contact add",
	    .group = "contact",
	    .usage = "CUSTOMER NAME [--title X] [--phone X]... [--email X] "
	             "[--im X] [--role ROLE] [--birthday MM-DD] [--notes X]",
	    .summary = "Add a contact to a customer (id or exact name).",
	    .min_args = 2,
	    .max_args = 2,
	    .opts = contact_add_opts,
	    .args = { complete_customer, NULL },
	    .fn = cmd_contact_add },
	{ .name = "contact list",
	    .group = "contact",
	    .usage = "CUSTOMER",
	    .summary = "List a customer's contacts, those who left included.",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .fn = cmd_contact_list },
	{ .name = "contact left",
	    .group = "contact",
	    .usage = "ID",
	    .summary = "Record that a contact left the organisation.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_contact_left },

	/* admin */
	{ .name = "user",
	    .group = "admin",
	    .usage = "VERB ...",
	    .summary = "User accounts: add, list, disable." },
	{ .name = "user add",
	    .group = "admin",
	    .usage = "LOGIN --role admin|manager|rep [--team TEAM] "
	             "[--name NAME]",
	    .summary = "Create a user; the password is read like login's.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = user_add_opts,
	    .fn = cmd_admin_user_add,
	    .sensitive = true },
	{ .name = "user list",
	    .group = "admin",
	    .usage = "",
	    .summary = "List users (admins: all; managers: their team).",
	    .max_args = 0,
	    .fn = cmd_admin_user_list },
	{ .name = "user disable",
	    .group = "admin",
	    .usage = "LOGIN",
	    .summary = "Disable a user and end their sessions.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_admin_user_disable },
	{ .name = "team",
	    .group = "admin",
	    .usage = "VERB ...",
	    .summary = "Teams: add, list." },
	{ .name = "team add",
	    .group = "admin",
	    .usage = "NAME",
	    .summary = "Create a team.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_admin_team_add },
	{ .name = "team list",
	    .group = "admin",
	    .usage = "",
	    .summary = "List teams with their managers and size.",
	    .max_args = 0,
	    .fn = cmd_admin_team_list },

	/* shell */
	{ .name = "help",
	    .group = "shell",
	    .usage = "[COMMAND|@group]",
	    .summary = "Show commands, one command's usage, or a group.",
	    .max_args = 2,
	    .args = { complete_help_topic },
	    .fn = cmd_help },
	{ .name = "quit",
	    .alias = "exit",
	    .group = "shell",
	    .usage = "",
	    .summary = "Leave the shell.",
	    .max_args = 0,
	    .fn = cmd_quit },
	{ .name = NULL },
};

/* ------------------------------------------------------------ lookup */

bool
cmd_is_family(const struct cmd_row *row)
{
	return row->fn == NULL;
}

const char *
cmd_verb(const struct cmd_row *row)
{
	const char *sp = strchr(row->name, ' ');
	return sp ? sp + 1 : row->name;
}

/* Whether row is a verb of family. */
static bool
in_family(const struct cmd_row *row, const struct cmd_row *family)
{
	size_t n = strlen(family->name);
	return strncmp(row->name, family->name, n) == 0 && row->name[n] == ' ';
}

/* The rows word may name at its level: top-level names and aliases, or
 * the verbs of family. Fills found (up to max) and returns the count;
 * an exact match is returned alone. */
static size_t
matches(const struct cmd_row *family, const char *word,
    const struct cmd_row **found, size_t max)
{
	size_t n = 0, wl = strlen(word);
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		const char *name;
		if (family ? !in_family(r, family)
		           : strchr(r->name, ' ') != NULL) {
			continue;
		}
		name = family ? cmd_verb(r) : r->name;
		if (strcmp(name, word) == 0 ||
		    (r->alias && strcmp(r->alias, word) == 0)) {
			found[0] = r;
			return 1;
		}
		if (strncmp(name, word, wl) == 0 ||
		    (r->alias && strncmp(r->alias, word, wl) == 0)) {
			if (n < max) {
				found[n] = r;
			}
			n++;
		}
	}
	return n;
}

const struct cmd_row *
cmd_lookup_word(const struct cmd_row *family, const char *word)
{
	const struct cmd_row *found[64];
	if (word[0] == '\0') {
		return NULL;
	}
	return matches(family, word, found, 64) == 1 ? found[0] : NULL;
}

/* "ambiguous command: c, could be: customer, contact" into why. */
static void
ambiguous(const struct cmd_row *family, const char *word,
    const struct cmd_row **found, size_t n, char *why, size_t whylen)
{
	size_t o = (size_t)snprintf(why, whylen,
	    "ambiguous command: %s%s%s, "
	    "could be: ",
	    family ? family->name : "", family ? " " : "", word);
	for (size_t i = 0; i < n && o < whylen; i++) {
		o += (size_t)snprintf(why + o, whylen - o, "%s%s",
		    i ? ", " : "",
		    family ? cmd_verb(found[i]) : found[i]->name);
	}
}

const struct cmd_row *
cmd_find(int argc, char *const *argv, int *used, char *why, size_t whylen)
{
	const struct cmd_row *found[64];
	size_t n;

	*used = 0;
	if (argc < 1) {
		snprintf(why, whylen, "no command");
		return NULL;
	}
	n = matches(NULL, argv[0], found, 64);
	if (n == 0) {
		snprintf(
		    why, whylen, "unknown command: %s (try help)", argv[0]);
		return NULL;
	}
	if (n > 1) {
		ambiguous(NULL, argv[0], found, n, why, whylen);
		return NULL;
	}
	*used = 1;
	if (!cmd_is_family(found[0]) || argc < 2) {
		return found[0];
	}
	const struct cmd_row *family = found[0];
	n = matches(family, argv[1], found, 64);
	if (n == 0) {
		snprintf(why, whylen, "unknown command: %s %s (try help %s)",
		    family->name, argv[1], family->name);
		return NULL;
	}
	if (n > 1) {
		ambiguous(family, argv[1], found, n, why, whylen);
		return NULL;
	}
	*used = 2;
	return found[0];
}

/* ------------------------------------------------------------ usage */

char *
cmd_usage_string(const struct cmd_row *row)
{
	if (row->usage == NULL || row->usage[0] == '\0') {
		return crm_xstrdup(row->name);
	}
	return crm_xasprintf("%s %s", row->name, row->usage);
}

void
cmd_print_usage(const struct cmd_row *row, FILE *f)
{
	if (!cmd_is_family(row)) {
		char *u = cmd_usage_string(row);
		fprintf(f, "usage: %s\n", u);
		free(u);
		return;
	}
	bool first = true;
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		if (in_family(r, row)) {
			char *u = cmd_usage_string(r);
			fprintf(f, "%s %s\n", first ? "usage:" : "      ", u);
			free(u);
			first = false;
		}
	}
}

void
cmd_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

crm_status
cmd_usage_error(
    struct cmd_ctx *ctx, const struct cmd_call *call, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_print_usage(call->row, stderr);
	ctx->usage_error = true;
	return CRM_EINVAL;
}

/* ------------------------------------------------------------ helpers */

const char *
cmd_opt(const struct cmd_call *call, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < call->nopts; i++) {
		if (strcmp(call->opts[i].opt->name, name) == 0) {
			v = call->opts[i].value;
		}
	}
	return v;
}

crm_status
cmd_request(
    struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	crm_status rc = conn_call(ctx->conn, req, resp);
	if (rc != CRM_OK) {
		cmd_error(
		    "%s (%s)", conn_error(ctx->conn), crm_status_name(rc));
		if (rc == CRM_EUNAUTH &&
		    req->body_case != CRM__V1__REQUEST__BODY_LOGIN) {
			fprintf(stderr, "hint: log in with: login USER\n");
		}
	}
	return rc;
}

crm_status
cmd_parse_enum(struct cmd_ctx *ctx, const struct cmd_call *call,
    const ProtobufCEnumDescriptor *d, const char *what, const char *text,
    int *value)
{
	char words[256];
	if (crm_enum_parse(d, text, value) == CRM_OK) {
		return CRM_OK;
	}
	crm_enum_list(d, words, sizeof(words));
	return cmd_usage_error(
	    ctx, call, "invalid %s '%s' (one of %s)", what, text, words);
}

crm_status
cmd_parse_id(const char *text, uint64_t *id)
{
	char *end = NULL;
	if (text[0] < '0' || text[0] > '9') {
		return CRM_EINVAL;
	}
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0) {
		return CRM_EINVAL;
	}
	*id = v;
	return CRM_OK;
}

/* ------------------------------------------------------------ running */

static const struct cmd_opt *
find_opt(const struct cmd_row *row, const char *name, size_t len)
{
	for (const struct cmd_opt *o = row->opts; o && o->name; o++) {
		if (strlen(o->name) == len &&
		    strncmp(o->name, name, len) == 0) {
			return o;
		}
	}
	return NULL;
}

/* Sort argv[0..argc) into positional words and options of row. */
static crm_status
parse_call(struct cmd_ctx *ctx, const struct cmd_row *row, int argc,
    char **argv, struct cmd_call *call)
{
	bool options_end = false;
	memset(call, 0, sizeof(*call));
	call->row = row;
	call->argv = crm_xcalloc((size_t)argc + 1, sizeof(char *));
	call->opts = crm_xcalloc((size_t)argc + 1, sizeof(*call->opts));
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (options_end || strncmp(w, "--", 2) != 0) {
			call->argv[call->argc++] = argv[i];
			continue;
		}
		if (w[2] == '\0') {
			options_end = true;
			continue;
		}
		const char *eq = strchr(w, '=');
		size_t len = eq ? (size_t)(eq - w) : strlen(w);
		const struct cmd_opt *o = find_opt(row, w, len);
		if (o == NULL) {
			return cmd_usage_error(ctx, call,
			    "unknown option %.*s for %s", (int)len, w,
			    row->name);
		}
		const char *value = "";
		if (o->arg != NULL && eq != NULL) {
			value = eq + 1;
		} else if (o->arg != NULL) {
			if (i + 1 >= argc) {
				return cmd_usage_error(ctx, call,
				    "option %s needs a value %s", o->name,
				    o->arg);
			}
			value = argv[++i];
		} else if (eq != NULL) {
			return cmd_usage_error(
			    ctx, call, "option %s takes no value", o->name);
		}
		if (!o->repeat && cmd_opt(call, o->name) != NULL) {
			return cmd_usage_error(
			    ctx, call, "option %s given twice", o->name);
		}
		call->opts[call->nopts].opt = o;
		call->opts[call->nopts].value = value;
		call->nopts++;
	}
	if (call->argc < row->min_args) {
		return cmd_usage_error(
		    ctx, call, "%s needs more arguments", row->name);
	}
	if (row->max_args >= 0 && call->argc > row->max_args) {
		return cmd_usage_error(
		    ctx, call, "too many arguments for %s", row->name);
	}
	return CRM_OK;
}

int
cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	char why[512];
	int used = 0, status = 0;
	struct cmd_call call;
	render_doc *doc = NULL;
	const struct cmd_row *row =
	    cmd_find(argc, argv, &used, why, sizeof(why));

	memset(&call, 0, sizeof(call));
	ctx->usage_error = false;
	if (row == NULL) {
		cmd_error("%s", why);
		status = 2;
		goto out;
	}
	if (cmd_is_family(row)) {
		cmd_print_usage(row, stderr);
		status = 2;
		goto out;
	}
	if (parse_call(ctx, row, argc - used, argv + used, &call) != CRM_OK) {
		status = 2;
		goto out;
	}
	doc = render_doc_new();
	if (row->fn(ctx, &call, doc) != CRM_OK) {
		status = ctx->usage_error ? 2 : 1;
		goto out;
	}
	render_print(doc, &ctx->ropts);
out:
	render_doc_free(doc);
	free(call.argv);
	free(call.opts);
	fflush(stdout);
	return status;
}

int
cmd_run_line(struct cmd_ctx *ctx, const char *line)
{
	argv_list l;
	int status = 0;
	if (argv_split(line, false, &l) != CRM_OK) {
		cmd_error("unterminated quote or trailing backslash");
		status = 2;
	} else if (l.argc > 0) {
		status = cmd_run(ctx, l.argc, l.argv);
	}
	argv_free(&l);
	return status;
}

bool
cmd_line_sensitive(const char *line)
{
	argv_list l;
	int used = 0;
	char why[256];
	bool sensitive = false;
	(void)argv_split(line, true, &l);
	const struct cmd_row *row =
	    cmd_find(l.argc, l.argv, &used, why, sizeof(why));
	/* An unparsable or unknown line might still carry a password typed
	 * by mistake; only keep lines we understand and know to be safe. */
	sensitive = row == NULL ? l.argc > 0 && strstr(line, "pass") != NULL
	                        : row->sensitive;
	argv_free(&l);
	return sensitive;
}

/* ------------------------------------------------------------ help */

static void
help_row(const struct cmd_row *r, size_t width)
{
	char *u = cmd_usage_string(r);
	/* Long option lists read better in `help COMMAND`. */
	char *opts = strstr(u, " [--");
	if (crm_utf8_width(u) > 40 && opts != NULL && strlen(opts) >= 10) {
		strcpy(opts, " [options]");
	}
	size_t w = crm_utf8_width(u);
	if (w > width) {
		printf("  %s\n  %*s  %s\n", u, (int)width, "", r->summary);
	} else {
		printf("  %s%*s  %s\n", u, (int)(width - w), "", r->summary);
	}
	free(u);
}

/* Rows of group (all when NULL) that can run (families excluded). */
static void
help_group(const char *group)
{
	const char *last = NULL;
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		if (cmd_is_family(r) || (group && strcmp(group, r->group))) {
			continue;
		}
		if (last == NULL || strcmp(last, r->group) != 0) {
			printf("%s@%s\n", last ? "\n" : "", r->group);
			last = r->group;
		}
		help_row(r, 28);
	}
}

static void
help_command(const struct cmd_row *row)
{
	if (cmd_is_family(row)) {
		printf("%s: %s\n\n", row->name, row->summary);
		for (const struct cmd_row *r = cmd_table; r->name; r++) {
			if (in_family(r, row)) {
				help_row(r, 28);
			}
		}
		return;
	}
	char *u = cmd_usage_string(row);
	printf("usage: %s\n\n%s\n", u, row->summary);
	free(u);
	if (row->opts && row->opts[0].name) {
		printf("\noptions:\n");
	}
	for (const struct cmd_opt *o = row->opts; o && o->name; o++) {
		char *spec = o->arg ? crm_xasprintf("%s %s", o->name, o->arg)
		                    : crm_xstrdup(o->name);
		printf("  %-28s %s\n", spec, o->help);
		free(spec);
	}
	if (row->alias) {
		printf("\nalias: %s\n", row->alias);
	}
}

static crm_status
cmd_help(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	char why[512];
	int used = 0;
	(void)out;
	if (call->argc == 0) {
		printf("crm %s: commands (help COMMAND or help @group for "
		       "more)\n\n",
		    CRM_VERSION);
		help_group(NULL);
		return CRM_OK;
	}
	if (call->argv[0][0] == '@') {
		const char *g = call->argv[0] + 1;
		for (const struct cmd_row *r = cmd_table; r->name; r++) {
			if (strcmp(r->group, g) == 0) {
				help_group(g);
				return CRM_OK;
			}
		}
		return cmd_usage_error(ctx, call,
		    "no group @%s (groups: @session @customer @contact "
		    "@admin @shell)",
		    g);
	}
	const struct cmd_row *row =
	    cmd_find(call->argc, call->argv, &used, why, sizeof(why));
	if (row == NULL) {
		cmd_error("%s", why);
		return CRM_EINVAL;
	}
	help_command(row);
	return CRM_OK;
}

static crm_status
cmd_quit(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	(void)call;
	(void)out;
	ctx->quit = true;
	return CRM_OK;
}
