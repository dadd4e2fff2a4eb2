/* SPDX-License-Identifier: MIT */
/*
 * cmdline.c: the code the command table (commands.c) drives: finding a
 * row by unique prefix, sorting a line's words into arguments and
 * options, arity and usage errors, running a row's handler with its
 * output rendered in the chosen format, and `help`. It holds no rows:
 * adding a command never touches this file.
 */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "cache.h"
#include "crm_limits.h"
#include "outbox.h"
#include "suggest.h"
#include "workdays.h"

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

/* " (did you mean: customer?)" for word at family's level (the top
 * level when NULL), or "" into buf. */
static void
did_you_mean(
    const struct cmd_row *family, const char *word, char *buf, size_t len)
{
	const char *words[512];
	size_t n = 0;
	for (const struct cmd_row *r = cmd_table; r->name && n + 2 < 512;
	     r++) {
		if (family ? !in_family(r, family)
		           : strchr(r->name, ' ') != NULL) {
			continue;
		}
		words[n++] = family ? cmd_verb(r) : r->name;
		if (r->alias) {
			words[n++] = r->alias;
		}
	}
	suggest_hint(word, words, n, buf, len);
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
		char hint[256];
		did_you_mean(NULL, argv[0], hint, sizeof(hint));
		snprintf(why, whylen, "unknown command: %s%s (try help)",
		    argv[0], hint);
		return NULL;
	}
	if (n > 1) {
		ambiguous(NULL, argv[0], found, n, why, whylen);
		return NULL;
	}
	*used = 1;
	if (!cmd_is_family(found[0]) && argc >= 2) {
		/* A verb that is also a family (`issue CUSTOMER "text"` beside
		 * `issue resolve ID`): only an exact verb selects the verb. */
		for (const struct cmd_row *r = cmd_table; r->name; r++) {
			if (in_family(r, found[0]) &&
			    strcmp(cmd_verb(r), argv[1]) == 0) {
				*used = 2;
				return r;
			}
		}
	}
	if (!cmd_is_family(found[0]) || argc < 2) {
		return found[0];
	}
	const struct cmd_row *family = found[0];
	n = matches(family, argv[1], found, 64);
	if (n == 0) {
		char hint[256];
		did_you_mean(family, argv[1], hint, sizeof(hint));
		snprintf(why, whylen, "unknown command: %s %s%s (try help %s)",
		    family->name, argv[1], hint, family->name);
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

/* The line of the script being run (cmd_set_script_line), or 0. */
static unsigned script_line;

void
cmd_set_script_line(unsigned n)
{
	script_line = n;
}

/* "error: ", after "line N: " while a script runs, so an error names
 * the line it comes from. */
static void
error_prefix(void)
{
	if (script_line > 0) {
		fprintf(stderr, "line %u: ", script_line);
	}
	fputs("error: ", stderr);
}

void
cmd_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	error_prefix();
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
	error_prefix();
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
cmd_request_quiet(
    struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	if (ctx->guessed && outbox_kind_of(req) != OUTBOX_READ) {
		/* The last guard: a write never goes out on a guessed
		 * customer, whatever the command. */
		conn_set_error(ctx->conn,
		    "a guessed customer: give the full name or the id");
		*resp = NULL;
		return CRM_NOT_FOUND;
	}
	crm_status rc = outbox_kind_of(req) != OUTBOX_READ
	                    ? cmd_outbox_request(ctx, req, resp)
	                    : conn_call(ctx->conn, req, resp);
	if (conn_fate(ctx->conn) == CONN_ANSWERED) {
		ctx->back_online = ctx->offline;
		ctx->offline = false;
	} else if (rc == CRM_UNAVAILABLE) {
		ctx->offline = true;
	}
	return rc;
}

void
cmd_request_error(struct cmd_ctx *ctx, const Crm__V1__Request *req,
    crm_status rc, const char *msg)
{
	if (rc == CRM_OK || ctx->outcome_unknown) {
		return;
	}
	cmd_error("%s (%s)", msg, crm_status_name(rc));
	if (rc == CRM_NOT_FOUND) {
		cmd_customer_not_found_hint(msg);
	}
	/* A wrong old password leaves the session valid: no hint. */
	bool old_pw = req->body_case == CRM__V1__REQUEST__BODY_PASSWD &&
	              strstr(msg, "old password");
	if (rc == CRM_EUNAUTH && !old_pw &&
	    req->body_case != CRM__V1__REQUEST__BODY_LOGIN) {
		cmd_session_hint(ctx);
	}
}

crm_status
cmd_request(
    struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	crm_status rc = cmd_request_quiet(ctx, req, resp);
	cmd_request_error(ctx, req, rc, conn_error(ctx->conn));
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

crm_status
cmd_opt_limit(struct cmd_ctx *ctx, const struct cmd_call *call, uint64_t max,
    protobuf_c_boolean *has, uint32_t *limit)
{
	const char *text = cmd_opt(call, "--limit");
	uint64_t n;
	if (text == NULL) {
		return CRM_OK;
	}
	if (cmd_parse_id(text, &n) != CRM_OK || n > max) {
		return cmd_usage_error(ctx, call,
		    "--limit wants a number from 1 to %llu, not '%s'",
		    (unsigned long long)max, text);
	}
	*has = 1;
	*limit = (uint32_t)n;
	return CRM_OK;
}

crm_status
cmd_parse_id_arg(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, uint64_t *id)
{
	if (cmd_parse_id(text, id) != CRM_OK) {
		return cmd_usage_error(
		    ctx, call, "%s must be a number, not '%s'", what, text);
	}
	return CRM_OK;
}

/* The forms crm_time_parse reads, with examples (crm_time.h has them
 * all), for an error message. */
#define WHEN_FORMS                                                              \
	"  a date:     2026-11-25  '2026-11-25 14:00'  12-01  12月1日\n"      \
	"  a day:      today  tomorrow  后天  mon  周三  'next tue'  "      \
	"下周二\n"                                                           \
	"  with time:  'tomorrow 10:00'  '明天 10:00'  'mon 10:00'  '后天 " \
	"15:00'\n"                                                              \
	"  a time:     14:00  3pm  下午3点  10:30am  (today's, or the "      \
	"next)\n"                                                               \
	"  from now:   +3d  +2h  +30m  +1w  'in 3 days'  3天后  2小时后"

crm_status
cmd_parse_when(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t *t)
{
	int workdays = 0;
	crm_status rc = workdays_parse(
	    ctx, call, what, text, crm_time_now(), t, &workdays);
	if (workdays || rc != CRM_OK) {
		return rc;
	}
	if (crm_time_parse(text, crm_time_now(), t) != CRM_OK) {
		return cmd_usage_error(ctx, call,
		    "%s: cannot read the time '%s'; try one of\n" WHEN_FORMS
		    "\n  working days (crmd's calendar): +3wd  '3 working "
		    "days'  3个工作日",
		    what, text);
	}
	return CRM_OK;
}

crm_status
cmd_parse_past(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t *t)
{
	if (crm_time_parse_past(text, crm_time_now(), t) != CRM_OK) {
		return cmd_usage_error(ctx, call,
		    "%s: cannot read the time '%s'; try one of\n" WHEN_FORMS
		    "\n  (here days lean to the past: mon is this week's "
		    "Monday)",
		    what, text);
	}
	return CRM_OK;
}

crm_status
cmd_parse_span(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *what, const char *text, int64_t *from, int64_t *to)
{
	if (crm_time_parse_span(text, crm_time_now(), from, to) != CRM_OK) {
		return cmd_usage_error(ctx, call,
		    "%s: cannot read the time '%s'; try one of\n" WHEN_FORMS
		    "\n  a period:   today  'this week'  'last week'  'this "
		    "month'  本周  上周  本月\n"
		    "  (here days lean to the past: mon is this week's "
		    "Monday)",
		    what, text);
	}
	return CRM_OK;
}

int
cmd_lost_reason(const char *text)
{
	static const char *const stops[] = { " ", "\t", ",", ":", "，", "：",
		"、", NULL };
	size_t n = strlen(text);
	int v = 0;

	for (size_t i = 0; stops[i] != NULL; i++) {
		const char *p = strstr(text, stops[i]);
		if (p != NULL && (size_t)(p - text) < n) {
			n = (size_t)(p - text);
		}
	}
	char *word = crm_xstrndup(text, n);
	if (crm_enum_parse(&crm__v1__lost_reason__descriptor, word, &v) !=
	    CRM_OK) {
		v = CRM__V1__LOST_REASON__LOST_OTHER;
	}
	free(word);
	return v;
}

void
cmd_format_span(int64_t secs, char *buf, size_t len)
{
	uint64_t s = secs < 0 ? (uint64_t)-secs : (uint64_t)secs;
	uint64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;

	if (d > 0 && h > 0) {
		snprintf(buf, len, "%llud %lluh", (unsigned long long)d,
		    (unsigned long long)h);
	} else if (d > 0) {
		snprintf(buf, len, "%llud", (unsigned long long)d);
	} else if (h > 0 && m > 0) {
		snprintf(buf, len, "%lluh %llum", (unsigned long long)h,
		    (unsigned long long)m);
	} else if (h > 0) {
		snprintf(buf, len, "%lluh", (unsigned long long)h);
	} else if (m > 0) {
		snprintf(buf, len, "%llum", (unsigned long long)m);
	} else {
		snprintf(buf, len, "now");
	}
}

void
cmd_format_due(int64_t due, int64_t now, char *buf, size_t len)
{
	char span[32];
	cmd_format_span(due - now, span, sizeof(span));
	if (strcmp(span, "now") == 0) {
		snprintf(buf, len, "now");
	} else if (due < now) {
		snprintf(buf, len, "%s late", span);
	} else {
		snprintf(buf, len, "in %s", span);
	}
}

crm_status
cmd_expect(struct cmd_ctx *ctx, Crm__V1__Request *req,
    Crm__V1__Response__BodyCase want, Crm__V1__Response **resp)
{
	crm_status rc = cmd_request(ctx, req, resp);
	if (rc != CRM_OK) {
		return rc;
	}
	if ((*resp)->body_case != want) {
		cmd_error("the server's reply is not the expected kind (%d, "
		          "wanted %d)",
		    (int)(*resp)->body_case, (int)want);
		crm__v1__response__free_unpacked(*resp, NULL);
		*resp = NULL;
		return CRM_INTERNAL;
	}
	return CRM_OK;
}

void
cmd_cache_names(const char *const *names, size_t n)
{
	const char **v = crm_xcalloc(n ? n : 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL && names[i][0] != '\0' &&
		    strcmp(names[i], CRM_CUSTOMER_HIDDEN) != 0) {
			v[k++] = names[i];
		}
	}
	if (k > 0) {
		cache_add(v, k);
	}
	free(v);
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
			char *typed = crm_xstrndup(w, len);
			char hint[256];
			const char *names[64];
			size_t k = 0;
			for (const struct cmd_opt *x = row->opts;
			     x && x->name && k < 64; x++) {
				names[k++] = x->name;
			}
			suggest_hint(typed, names, k, hint, sizeof(hint));
			free(typed);
			return cmd_usage_error(ctx, call,
			    "unknown option %.*s for %s%s", (int)len, w,
			    row->name, hint);
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

/* The words as one line argv_split reads back (for the outbox's list).
 * Caller frees with free(). */
static char *
argv_join(int argc, char **argv)
{
	size_t cap = 1, n = 0;
	char *s = crm_xcalloc(1, 1);
	for (int i = 0; i < argc; i++) {
		char *q = argv_quote(argv[i]);
		size_t l = strlen(q);
		cap = n + l + 2;
		s = crm_xrealloc(s, cap);
		if (i > 0) {
			s[n++] = ' ';
		}
		memcpy(s + n, q, l + 1);
		n += l;
		free(q);
	}
	return s;
}

/* The currency amounts are shown in (render_money_setup): the policy's,
 * asked once per command that prints money; "¥" when crmd does not say
 * (an older crmd). Borrowed; static storage. */
static const char *
currency_of(void *arg)
{
	static char cur[32];
	struct cmd_ctx *ctx = arg;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicyGetRequest get = CRM__V1__POLICY_GET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	req.body_case = CRM__V1__REQUEST__BODY_POLICY_GET;
	req.policy_get = &get;
	snprintf(cur, sizeof(cur), "¥");
	if (conn_call(ctx->conn, &req, &resp) == CRM_OK &&
	    resp->body_case == CRM__V1__RESPONSE__BODY_POLICY &&
	    resp->policy->currency != NULL && resp->policy->currency[0]) {
		char *clean = crm_utf8_sanitize(resp->policy->currency, false);
		snprintf(cur, sizeof(cur), "%s", clean);
		free(clean);
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return cur;
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
	ctx->outcome_unknown = false;
	ctx->guessed = false;
	ctx->row = row;
	char *what = argv_join(argc, argv);
	ctx->what = what;
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
	render_money_setup(
	    ctx->ropts.format == RENDER_TABLE, currency_of, ctx);
	if (row->fn(ctx, &call, doc) != CRM_OK) {
		status = ctx->usage_error ? 2 : ctx->outcome_unknown ? 3 : 1;
		goto out;
	}
	render_print(doc, &ctx->ropts);
out:
	ctx->what = NULL;
	ctx->row = NULL;
	ctx->guessed = false;
	free(what);
	render_doc_free(doc);
	free(call.argv);
	free(call.opts);
	fflush(stdout);
	cmd_outbox_settle(ctx);
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

static crm_status help_text(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out);

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

/* Whether row takes a time (WHEN in its usage or an option's). */
static bool
takes_when(const struct cmd_row *row)
{
	bool when = row->usage != NULL && strstr(row->usage, "WHEN") != NULL;
	for (const struct cmd_opt *o = row->opts; o && o->name && !when; o++) {
		when = o->arg != NULL && strstr(o->arg, "WHEN") != NULL;
	}
	return when;
}

/* `help times`: every form a time may take. */
static void
help_times(void)
{
	printf("times: what WHEN (and --from/--to D) may be; days and times "
	       "are local\n\n" WHEN_FORMS "\n"
	       "  working days: +3wd  '3 working days'  3个工作日  "
	       "3个工作日内\n"
	       "              (a planned time: the same time on the N-th "
	       "working day\n"
	       "              of crmd's holiday calendar; needs the "
	       "connection)\n"
	       "  a period:   today  'this week'  'last week'  'this month'  "
	       "本周  上周  本月\n"
	       "              (--from/--to and report periods; there days "
	       "lean to the past)\n"
	       "Quote a time with a blank: task add 华东机电 'tomorrow 10:00' "
	       "\"回访\"\n");
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
	if (row->more_help != NULL) {
		row->more_help(stdout);
	}
	if (strncmp(row->name, "import ", 7) == 0) {
		cmd_import_columns_help(stdout, row->name + 7);
	}
	if (takes_when(row)) {
		printf("\nWHEN: 2026-12-08 10:00, tomorrow 10:00, mon, +3d, "
		       "明天 10:00, 下周二, ...\n(see `help times`)\n");
	}
	if (row->alias) {
		printf("\nalias: %s\n", row->alias);
	}
	/* A verb that is also a family: its verbs too. */
	bool first = true;
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		if (in_family(r, row)) {
			if (first) {
				printf("\nalso:\n");
				first = false;
			}
			help_row(r, 28);
		}
	}
}

/* Print the lines of buf (help_text's output), each wrapped to width. */
static void
wrap_out(char *buf, int width)
{
	char *line = buf;
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');
		if (nl != NULL) {
			*nl++ = '\0';
		}
		render_wrap_line(stdout, line, width);
		line = nl;
	}
}

crm_status
cmd_help(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	/* Help is written to a buffer, then wrapped to the terminal. */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	FILE *saved = stdout;
	if (f == NULL) {
		return help_text(ctx, call, out);
	}
	stdout = f;
	crm_status rc = help_text(ctx, call, out);
	stdout = saved;
	fclose(f);
	wrap_out(buf, ctx->ropts.width);
	free(buf);
	return rc;
}

static crm_status
help_text(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
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
		char groups[256] = "";
		for (const struct cmd_row *r = cmd_table; r->name; r++) {
			char *w = crm_xasprintf(" @%s", r->group);
			if (strstr(groups, w) == NULL &&
			    strlen(groups) + strlen(w) < sizeof(groups)) {
				strcat(groups, w);
			}
			free(w);
		}
		return cmd_usage_error(
		    ctx, call, "no group @%s (groups:%s)", g, groups);
	}
	if (call->argc == 1 && strcmp(call->argv[0], "times") == 0) {
		help_times();
		return CRM_OK;
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

crm_status
cmd_clear(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	(void)ctx;
	(void)call;
	(void)out;
	if (isatty(STDOUT_FILENO)) {
		/* Home, then erase the screen: what readline's Ctrl-L does
		 * (the scrollback stays). The prompt follows at the top. */
		fputs("\033[H\033[2J", stdout);
		fflush(stdout);
	}
	return CRM_OK;
}

crm_status
cmd_quit(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	(void)call;
	(void)out;
	ctx->quit = true;
	return CRM_OK;
}
