/* SPDX-License-Identifier: MIT */
/*
 * cmd_followup.c: logging follow-ups (in one line, or field by field when
 * the summary is left out) and moving a customer through its stages. Each
 * command is one request; the server does the bookkeeping (tasks, clocks,
 * commitments, stage history) in the same transaction.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "commands.h"
#include "shell.h"

#define TAGS_MAX        CRM_FOLLOWUP_MAX_TAGS
#define MAX_COMMITMENTS CRM_FOLLOWUP_MAX_COMMITMENTS
#define MAX_ATTACHMENTS CRM_FOLLOWUP_MAX_ATTACHMENTS
#define MAX_ASK_TRIES   5 /* a terminal user may retype a bad answer */

/* A follow-up being put together; every pointer in f is borrowed from
 * the command line or owned by `owned`. */
struct log_build {
	Crm__V1__FollowUp f;
	Crm__V1__Score score;
	Crm__V1__Commitment cm[MAX_COMMITMENTS];
	Crm__V1__Commitment *cmp[MAX_COMMITMENTS];
	Crm__V1__Attachment att[MAX_ATTACHMENTS];
	Crm__V1__Attachment *attp[MAX_ATTACHMENTS];
	char **contacts, **evidence;
	char **objections, **tags;
	char **owned;
	size_t nowned, capowned;
	const char *stage_reason; /* to derive lost_reason from */
};

static char *
own(struct log_build *b, char *s)
{
	if (b->nowned == b->capowned) {
		b->capowned = b->capowned ? 2 * b->capowned : 16;
		b->owned =
		    crm_xrealloc(b->owned, b->capowned * sizeof(char *));
	}
	b->owned[b->nowned++] = s;
	return s;
}

static void
log_build_free(struct log_build *b)
{
	for (size_t i = 0; i < b->nowned; i++) {
		free(b->owned[i]);
	}
	free(b->owned);
	free(b->contacts);
	free(b->evidence);
	free(b->objections);
	free(b->tags);
}

/* Split "价格,交付" (ASCII or full-width commas) into b's tags. */
static crm_status
add_tags(struct cmd_ctx *ctx, const struct cmd_call *call, struct log_build *b,
    const char *text, size_t cap)
{
	char *copy = own(b, crm_xstrdup(text));
	for (char *p = copy; p != NULL && *p != '\0';) {
		char *comma = strchr(p, ',');
		char *wide = strstr(p, "，");
		char *next = NULL;
		if (wide != NULL && (comma == NULL || wide < comma)) {
			*wide = '\0';
			next = wide + strlen("，");
		} else if (comma != NULL) {
			*comma = '\0';
			next = comma + 1;
		}
		while (*p == ' ') {
			p++;
		}
		size_t n = strlen(p);
		while (n > 0 && p[n - 1] == ' ') {
			p[--n] = '\0';
		}
		if (n > 0) {
			if (b->f.n_tags == cap) {
				return cmd_usage_error(
				    ctx, call, "too many --tag values");
			}
			b->tags[b->f.n_tags++] = p;
		}
		p = next;
	}
	return CRM_OK;
}

/* "4,5,3,5" into the score. Errors: CRM_EINVAL. */
static crm_status
parse_score(const char *text, Crm__V1__Score *s)
{
	uint32_t v[4];
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		if (*p < '1' || *p > '5') {
			return CRM_EINVAL;
		}
		v[i] = (uint32_t)(*p - '0');
		p++;
		if (i < 3 && *p++ != ',') {
			return CRM_EINVAL;
		}
	}
	if (*p != '\0') {
		return CRM_EINVAL;
	}
	s->has_timeliness = s->has_efficiency = 1;
	s->has_professionalism = s->has_proactiveness = 1;
	s->timeliness = v[0];
	s->efficiency = v[1];
	s->professionalism = v[2];
	s->proactiveness = v[3];
	return CRM_OK;
}

/* Add a commitment with text (borrowed). Errors: CRM_EINVAL (too many).*/
static crm_status
add_commitment(struct log_build *b, char *text)
{
	if (b->f.n_commitments == MAX_COMMITMENTS) {
		cmd_error(
		    "at most %d commitments per follow-up", MAX_COMMITMENTS);
		return CRM_EINVAL;
	}
	Crm__V1__Commitment *c = &b->cm[b->f.n_commitments];
	crm__v1__commitment__init(c);
	c->text = text;
	b->cmp[b->f.n_commitments++] = c;
	b->f.commitments = b->cmp;
	return CRM_OK;
}

/*
 * The options that bind in order: --next/--commit open an item, --due and
 * --owner apply to the last one opened; --contact and --evidence collect.
 */
static crm_status
ordered_opts(
    struct cmd_ctx *ctx, const struct cmd_call *call, struct log_build *b)
{
	crm_status rc;
	/* -1: nothing open; 0: --next; k > 0: commitment k - 1 */
	long last = -1;

	b->contacts = crm_xcalloc(call->nopts + 1, sizeof(char *));
	b->evidence = crm_xcalloc(call->nopts + 1, sizeof(char *));
	b->objections = crm_xcalloc(call->nopts + 1, sizeof(char *));
	b->tags = crm_xcalloc(TAGS_MAX, sizeof(char *));
	for (size_t i = 0; i < call->nopts; i++) {
		const char *name = call->opts[i].opt->name;
		char *v = (char *)call->opts[i].value;
		if (strcmp(name, "--next") == 0) {
			b->f.next_action = v;
			last = 0;
		} else if (strcmp(name, "--commit") == 0) {
			if ((rc = add_commitment(b, v)) != CRM_OK) {
				return rc;
			}
			last = (long)b->f.n_commitments;
		} else if (strcmp(name, "--attach") == 0) {
			if (b->f.n_attachments == MAX_ATTACHMENTS) {
				return cmd_usage_error(ctx, call,
				    "at most %d --attach per follow-up",
				    MAX_ATTACHMENTS);
			}
			Crm__V1__Attachment *a = &b->att[b->f.n_attachments];
			crm__v1__attachment__init(a);
			a->location = v;
			b->attp[b->f.n_attachments++] = a;
			b->f.attachments = b->attp;
		} else if (strcmp(name, "--title") == 0) {
			Crm__V1__Attachment *a =
			    b->f.n_attachments
			        ? b->attp[b->f.n_attachments - 1]
			        : NULL;
			if (a == NULL || a->title != NULL) {
				return cmd_usage_error(ctx, call,
				    "--title names the --attach before it");
			}
			a->title = v;
		} else if (strcmp(name, "--contact") == 0) {
			b->contacts[b->f.n_contact_names++] = v;
		} else if (strcmp(name, "--objection") == 0) {
			b->objections[b->f.n_objections++] = v;
		} else if (strcmp(name, "--tag") == 0) {
			if ((rc = add_tags(ctx, call, b, v, TAGS_MAX)) !=
			    CRM_OK) {
				return rc;
			}
		} else if (strcmp(name, "--evidence") == 0) {
			b->evidence[b->score.n_evidence++] = v;
		} else if (strcmp(name, "--due") == 0 ||
		           strcmp(name, "--owner") == 0) {
			bool due = name[2] == 'd';
			if (last < 0) {
				return cmd_usage_error(ctx, call,
				    "%s must follow --next or --commit", name);
			}
			Crm__V1__Commitment *c =
			    last ? &b->cm[last - 1] : NULL;
			protobuf_c_boolean *has =
			    c ? &c->has_due_at : &b->f.has_next_due_at;
			int64_t *at = c ? &c->due_at : &b->f.next_due_at;
			char **owner = c ? &c->owner : &b->f.next_owner;
			if (due ? *has : *owner != NULL) {
				return cmd_usage_error(ctx, call,
				    "%s given twice for one %s", name,
				    c ? "--commit" : "--next");
			}
			if (!due) {
				*owner = v;
				continue;
			}
			if ((rc = cmd_parse_when(ctx, call, "--due", v, at)) !=
			    CRM_OK) {
				return rc;
			}
			*has = 1;
		}
	}
	b->f.contact_names = b->contacts;
	b->f.objections = b->objections;
	b->f.tags = b->tags;
	for (size_t i = 0; i < b->f.n_attachments; i++) {
		if ((rc = cmd_attach_check(ctx, call, b->att[i].location,
		         b->att[i].title)) != CRM_OK) {
			return rc;
		}
	}
	if (b->score.n_evidence > 0) {
		b->score.evidence = b->evidence;
	}
	return CRM_OK;
}

/* The stage options of `log`: --stage, --reason, --amount, --terms. */
static crm_status
stage_opts(
    struct cmd_ctx *ctx, const struct cmd_call *call, struct log_build *b)
{
	const char *stage = cmd_opt(call, "--stage");
	const char *amount = cmd_opt(call, "--amount");
	const char *terms = cmd_opt(call, "--terms");
	int v = 0;

	b->stage_reason = cmd_opt(call, "--reason");
	if (stage == NULL) {
		if (b->stage_reason || amount || terms) {
			return cmd_usage_error(ctx, call,
			    "--reason, --amount and --terms go with --stage");
		}
		return CRM_OK;
	}
	if (cmd_parse_enum(ctx, call, &crm__v1__stage__descriptor, "stage",
	        stage, &v) != CRM_OK) {
		return CRM_EINVAL;
	}
	b->f.has_stage_to = 1;
	b->f.stage_to = (Crm__V1__Stage)v;
	if ((amount || terms) && v != CRM__V1__STAGE__STAGE_WON) {
		return cmd_usage_error(
		    ctx, call, "--amount and --terms go with --stage won");
	}
	if (amount != NULL) {
		if (crm_money_parse(amount, &b->f.deal_amount) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--amount wants an amount like 120000 or "
			    "12,000.50, not '%s'",
			    amount);
		}
		b->f.has_deal_amount = 1;
	}
	b->f.contract_terms = (char *)terms;
	return CRM_OK;
}

/* Everything `log` takes from options. */
static crm_status
log_opts(struct cmd_ctx *ctx, const struct cmd_call *call, struct log_build *b)
{
	crm_status rc;
	const char *s;
	int v = 0;

	if ((rc = ordered_opts(ctx, call, b)) != CRM_OK ||
	    (rc = stage_opts(ctx, call, b)) != CRM_OK) {
		return rc;
	}
	if ((s = cmd_opt(call, "--channel")) != NULL) {
		if (cmd_parse_enum(ctx, call, &crm__v1__channel__descriptor,
		        "channel", s, &v) != CRM_OK) {
			return CRM_EINVAL;
		}
		b->f.has_channel = 1;
		b->f.channel = (Crm__V1__Channel)v;
	}
	if ((s = cmd_opt(call, "--mood")) != NULL) {
		if (cmd_parse_enum(ctx, call, &crm__v1__mood__descriptor,
		        "mood", s, &v) != CRM_OK) {
			return CRM_EINVAL;
		}
		b->f.has_mood = 1;
		b->f.mood = (Crm__V1__Mood)v;
	}
	if ((s = cmd_opt(call, "--at")) != NULL) {
		if ((rc = cmd_parse_past(
		         ctx, call, "--at", s, &b->f.happened_at)) != CRM_OK) {
			return rc;
		}
		b->f.has_happened_at = 1;
	}
	/* Without --at no time is sent: crmd dates the follow-up by its own
	 * clock (this computer's may be off), and one kept in the outbox and
	 * sent later by the moment it was typed, which the outbox keeps in
	 * the envelope (Request.made_at). */
	if ((s = cmd_opt(call, "--duration")) != NULL) {
		char *end = NULL;
		errno = 0;
		unsigned long n = strtoul(s, &end, 10);
		if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
		    n == 0 || n > 24 * 60) {
			return cmd_usage_error(ctx, call,
			    "--duration wants minutes (1-1440), not '%s'", s);
		}
		b->f.has_duration_min = 1;
		b->f.duration_min = (uint32_t)n;
	}
	/* A contact said to have begun at --at cannot end after it is
	 * logged (late counts from its end); a few minutes of clocks apart
	 * are let pass, as crmd lets a time ahead pass. Without --at it is
	 * dated when typed, as the help says. */
	if (b->f.has_happened_at && b->f.has_duration_min &&
	    b->f.happened_at + (int64_t)b->f.duration_min * 60 >
	        crm_time_now() + 600) {
		char at[32], end[32];
		crm_time_format(b->f.happened_at, at, sizeof(at));
		crm_time_format(
		    b->f.happened_at + (int64_t)b->f.duration_min * 60, end,
		    sizeof(end));
		return cmd_usage_error(ctx, call,
		    "a contact that began %s and lasted %u min would end %s, "
		    "after now: give when it began (--at) and how long it "
		    "took (--duration)",
		    at, b->f.duration_min, end);
	}
	if ((s = cmd_opt(call, "--resolves")) != NULL) {
		if (cmd_parse_id_arg(ctx, call, "--resolves", s,
		        &b->f.resolves) != CRM_OK) {
			return CRM_EINVAL;
		}
		b->f.has_resolves = 1;
	}
	if (cmd_opt(call, "--no-answer") != NULL) {
		b->f.has_no_answer = b->f.no_answer = 1;
	}
	b->f.feedback = (char *)cmd_opt(call, "--feedback");
	b->f.goal = (char *)cmd_opt(call, "--goal");
	b->f.participants = (char *)cmd_opt(call, "--participants");
	if ((s = cmd_opt(call, "--score")) != NULL) {
		if (parse_score(s, &b->score) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--score wants four numbers 1-5 like 4,5,3,4 "
			    "(timeliness, efficiency, professionalism, "
			    "proactiveness), not '%s'",
			    s);
		}
		b->f.score = &b->score;
	}
	if (b->score.n_evidence > 0 && b->f.score == NULL) {
		return cmd_usage_error(
		    ctx, call, "--evidence goes with --score");
	}
	if (b->score.n_evidence > 4) {
		return cmd_usage_error(ctx, call,
		    "at most four --evidence sentences, one per score");
	}
	return CRM_OK;
}

/* The checks that hold however the fields arrived. */
static crm_status
log_complete(
    struct cmd_ctx *ctx, const struct cmd_call *call, struct log_build *b)
{
	if (b->f.next_action != NULL && !b->f.has_next_due_at) {
		return cmd_usage_error(ctx, call,
		    "--next \"%s\" needs --due WHEN after it",
		    b->f.next_action);
	}
	for (size_t i = 0; i < b->f.n_commitments; i++) {
		if (!b->cm[i].has_due_at) {
			return cmd_usage_error(ctx, call,
			    "--commit \"%s\" needs --due WHEN after it",
			    b->cm[i].text);
		}
	}
	if (b->f.has_stage_to && b->stage_reason != NULL &&
	    b->stage_reason[0] != '\0') {
		b->f.stage_reason = (char *)b->stage_reason;
		if (b->f.stage_to == CRM__V1__STAGE__STAGE_LOST) {
			b->f.has_lost_reason = 1;
			b->f.lost_reason =
			    (Crm__V1__LostReason)cmd_lost_reason(
			        b->stage_reason);
		}
	}
	return CRM_OK;
}

/* ------------------------------------------------------------ asking */

/* Set by ask() when Ctrl-C cancelled the questions. */
static bool cancelled;

/*
 * A line from the terminal, read from fd 0 itself (not stdio) so a poll
 * can watch Ctrl-C (ctx->cancel_fd) beside it: the terminal is in line
 * mode while a command runs, so a read gives at most one line. Returns
 * the length, -1 at end of input, -2 when cancelled. *line is malloc'd.
 */
static ssize_t
tty_line(struct cmd_ctx *ctx, char **line)
{
	size_t n = 0, cap = 256;
	char *s = crm_xmalloc(cap);
	shell_cancel_arm(true);
	for (;;) {
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 },
			{ ctx->cancel_fd, POLLIN, 0 } };
		int r = poll(p, ctx->cancel_fd >= 0 ? 2 : 1, -1);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r > 0 && ctx->cancel_fd >= 0 && (p[1].revents & POLLIN)) {
			unsigned char buf[64];
			while (read(ctx->cancel_fd, buf, sizeof(buf)) > 0) {
			}
			n = (size_t)-2;
			break;
		}
		if (r < 0) {
			n = (size_t)-1;
			break;
		}
		if (cap - n < 128) {
			cap *= 2;
			s = crm_xrealloc(s, cap);
		}
		ssize_t k = read(STDIN_FILENO, s + n, cap - n - 1);
		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k <= 0) {
			n = n > 0 ? n : (size_t)-1;
			break;
		}
		n += (size_t)k;
		if (s[n - 1] == '\n') {
			break;
		}
	}
	shell_cancel_arm(false);
	if ((ssize_t)n < 0) {
		free(s);
		*line = NULL;
		return (ssize_t)n;
	}
	s[n] = '\0';
	*line = s;
	return (ssize_t)n;
}

ssize_t
cmd_tty_line(struct cmd_ctx *ctx, char **line)
{
	return tty_line(ctx, line);
}

/* One answer line from stdin (prompt on stderr for a terminal), without
 * its newline and surrounding blanks. NULL at end of input, or when
 * Ctrl-C cancelled (then `cancelled` is set). Owned by b. */
static char *
ask(struct cmd_ctx *ctx, struct log_build *b, const char *prompt)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (cancelled) {
		return NULL;
	}
	if (ctx->stdin_tty) {
		fprintf(stderr, "%s: ", prompt);
		fflush(stderr);
		n = tty_line(ctx, &line);
		if (n == -2) {
			fputc('\n', stderr);
			cancelled = true;
			return NULL;
		}
	} else {
		n = getline(&line, &cap, stdin);
	}
	if (n < 0) {
		free(line);
		if (ctx->stdin_tty) {
			fputc('\n', stderr);
			clearerr(stdin); /* Ctrl-D ends the answers only */
		}
		return NULL;
	}
	while (n > 0 && strchr(" \t\r\n", line[n - 1]) != NULL) {
		line[--n] = '\0';
	}
	size_t lead = strspn(line, " \t");
	memmove(line, line + lead, strlen(line + lead) + 1);
	return own(b, line);
}

/* Ask for an enum word until it parses (a terminal) or fail (a script).
 * *has stays 0 for an empty answer. *eof is set at end of input. */
static crm_status
ask_enum(struct cmd_ctx *ctx, struct log_build *b, const char *what,
    const ProtobufCEnumDescriptor *d, protobuf_c_boolean *has, int *value,
    bool *eof)
{
	char words[256], prompt[300];
	crm_enum_list(d, words, sizeof(words));
	snprintf(prompt, sizeof(prompt), "%s (%s)", what, words);
	for (int i = 0; i < MAX_ASK_TRIES && !*eof; i++) {
		const char *a = ask(ctx, b, prompt);
		if (a == NULL) {
			*eof = true;
		} else if (a[0] == '\0') {
			return CRM_OK;
		} else if (crm_enum_parse(d, a, value) == CRM_OK) {
			*has = 1;
			return CRM_OK;
		} else {
			cmd_error("not a %s: '%s'", what, a);
			if (!ctx->stdin_tty) {
				return CRM_EINVAL;
			}
		}
	}
	return *eof ? CRM_OK : CRM_EINVAL;
}

/* Ask for a WHEN until it parses; required: an empty answer is refused
 * (the item it belongs to needs one). */
static crm_status
ask_when(struct cmd_ctx *ctx, struct log_build *b, const char *prompt,
    int64_t *t, bool *eof)
{
	for (int i = 0; i < MAX_ASK_TRIES && !*eof; i++) {
		const char *a = ask(ctx, b, prompt);
		if (a == NULL) {
			*eof = true;
			break;
		}
		if (crm_time_parse(a, crm_time_now(), t) == CRM_OK) {
			return CRM_OK;
		}
		cmd_error("cannot read the time '%s' (try +2d, tomorrow, "
		          "2026-11-25 14:00)",
		    a);
		if (!ctx->stdin_tty) {
			return CRM_EINVAL;
		}
	}
	if (cancelled) {
		return CRM_EINVAL;
	}
	cmd_error("no due time given; nothing logged");
	return CRM_EINVAL;
}

/* Field by field, for what the options left out. Empty answers skip. */
static crm_status
log_ask(struct cmd_ctx *ctx, struct log_build *b)
{
	crm_status rc = CRM_OK;
	bool eof = false;
	int v = 0;
	char *a;

	if (ctx->stdin_tty) {
		fprintf(stderr, "logging a follow-up; an empty answer skips "
		                "a field, Ctrl-D skips the rest\n");
	}
	a = ask(ctx, b, "summary");
	if (cancelled) {
		return CRM_EINVAL;
	}
	if (a == NULL || a[0] == '\0') {
		cmd_error("a follow-up needs a summary; nothing logged");
		return CRM_EINVAL;
	}
	b->f.summary = a;
	if (!b->f.has_channel) {
		v = 0;
		rc = ask_enum(ctx, b, "channel", &crm__v1__channel__descriptor,
		    &b->f.has_channel, &v, &eof);
		if (rc != CRM_OK) {
			return rc;
		}
		b->f.channel = (Crm__V1__Channel)v;
	}
	if (!b->f.has_mood) {
		v = 0;
		rc = ask_enum(ctx, b, "mood", &crm__v1__mood__descriptor,
		    &b->f.has_mood, &v, &eof);
		if (rc != CRM_OK) {
			return rc;
		}
		b->f.mood = (Crm__V1__Mood)v;
	}
	if (!eof && b->f.feedback == NULL) {
		a = ask(ctx, b, "customer feedback");
		eof = a == NULL;
		b->f.feedback = a && a[0] ? a : NULL;
	}
	if (!eof && b->f.next_action == NULL) {
		a = ask(ctx, b, "next action");
		eof = a == NULL;
		if (a && a[0]) {
			b->f.next_action = a;
			if ((rc = ask_when(ctx, b, "  due (WHEN)",
			         &b->f.next_due_at, &eof)) != CRM_OK) {
				return rc;
			}
			b->f.has_next_due_at = 1;
		}
	}
	while (!eof && b->f.n_commitments < MAX_COMMITMENTS) {
		a = ask(ctx, b, "commitment made (empty: none)");
		eof = a == NULL;
		if (a == NULL || a[0] == '\0') {
			break;
		}
		if ((rc = add_commitment(b, a)) != CRM_OK ||
		    (rc = ask_when(ctx, b, "  due (WHEN)",
		         &b->cm[b->f.n_commitments - 1].due_at, &eof)) !=
		        CRM_OK) {
			return rc;
		}
		b->cm[b->f.n_commitments - 1].has_due_at = 1;
	}
	if (!eof && !b->f.has_stage_to) {
		v = 0;
		rc = ask_enum(ctx, b, "new stage", &crm__v1__stage__descriptor,
		    &b->f.has_stage_to, &v, &eof);
		if (rc != CRM_OK) {
			return rc;
		}
		b->f.stage_to = (Crm__V1__Stage)v;
		if (!eof && b->f.has_stage_to) {
			a = ask(ctx, b,
			    v == CRM__V1__STAGE__STAGE_LOST
			        ? "  reason (price, competitor, service, "
			          "no_need, other + text)"
			        : "  reason");
			b->stage_reason = a && a[0] ? a : NULL;
		}
	}
	return CRM_OK;
}

/* ------------------------------------------------------------ showing */

/* The stored follow-up as a record. */
static void
show_followup(const Crm__V1__FollowUp *f, render_doc *out)
{
	char buf[256], t[32];

	render_record(out);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->id);
	render_kv(out, "followup", buf);
	render_kv(out, "customer", f->customer);
	if (f->has_happened_at) {
		crm_time_format(f->happened_at, t, sizeof(t));
		render_kv(out, "at", t);
	}
	render_kv(out, "channel",
	    crm_enum_name(&crm__v1__channel__descriptor, f->channel));
	render_kv(
	    out, "mood", crm_enum_name(&crm__v1__mood__descriptor, f->mood));
	render_kv(
	    out, "late", f->late ? "yes (logged after the deadline)" : "no");
	if (f->no_answer) {
		render_kv(out, "no answer", "yes");
	}
	for (size_t i = 0; i < f->n_objections; i++) {
		render_kv(out, "open issue", f->objections[i]);
	}
	if (f->n_tags > 0) {
		size_t n = 1;
		for (size_t i = 0; i < f->n_tags; i++) {
			n += strlen(f->tags[i]) + 1;
		}
		char *tags = crm_xmalloc(n);
		tags[0] = '\0';
		for (size_t i = 0; i < f->n_tags; i++) {
			if (i > 0) {
				strcat(tags, ",");
			}
			strcat(tags, f->tags[i]);
		}
		render_kv(out, "tags", tags);
		free(tags);
		cache_add_file(
		    "tags", (const char *const *)f->tags, f->n_tags);
	}
	if (f->has_task_id && f->task_id != 0) {
		snprintf(buf, sizeof(buf), "%llu done",
		    (unsigned long long)f->task_id);
		render_kv(out, "completed task", buf);
	}
	if (f->has_next_task_id && f->next_task_id != 0) {
		t[0] = '\0';
		if (f->has_next_due_at) {
			crm_time_format(f->next_due_at, t, sizeof(t));
		}
		snprintf(buf, sizeof(buf), "%llu due %s%s%s%s",
		    (unsigned long long)f->next_task_id, t,
		    f->next_owner ? " (" : "",
		    f->next_owner ? f->next_owner : "",
		    f->next_owner ? ")" : "");
		render_kv(out, "next task", buf);
	}
	for (size_t i = 0; i < f->n_commitments; i++) {
		const Crm__V1__Commitment *c = f->commitments[i];
		crm_time_format(c->due_at, t, sizeof(t));
		snprintf(buf, sizeof(buf), "%llu due %s: %s",
		    (unsigned long long)c->id, t, c->text ? c->text : "");
		render_kv(out, "commitment", buf);
	}
	for (size_t i = 0; i < f->n_attachments; i++) {
		const Crm__V1__Attachment *a = f->attachments[i];
		snprintf(buf, sizeof(buf), "%s%s%s%s",
		    a->title ? a->title : "", a->title ? " (" : "",
		    a->location ? a->location : "", a->title ? ")" : "");
		render_kv(out, "attachment", buf);
	}
	if (f->has_stage_to && f->stage_to != 0) {
		/* No stage_from: an older follow-up's, said, not applied. */
		snprintf(buf, sizeof(buf),
		    f->has_stage_from ? "%s → %s" : "%s%s (said; not applied)",
		    f->has_stage_from
		        ? crm_enum_name(
		              &crm__v1__stage__descriptor, f->stage_from)
		        : "",
		    crm_enum_name(&crm__v1__stage__descriptor, f->stage_to));
		render_kv(out, "stage", buf);
	}
	for (size_t i = 0; i < f->n_notes; i++) {
		render_kv(out, "note", f->notes[i]);
	}
}

/*
 * The customer of a follow-up: an id as is; a name goes to the server in
 * the request (it resolves it when applying, so a follow-up logged
 * offline and kept in the outbox needs no lookup). Field by field, a
 * name is looked up first when crmd answers, so a typo shows before the
 * questions.
 */
static crm_status
log_customer(
    struct cmd_ctx *ctx, const char *text, bool asking, Crm__V1__FollowUp *f)
{
	if (cmd_customer_id(text, &f->customer_id)) {
		f->has_customer_id = 1;
		return CRM_OK;
	}
	f->customer = (char *)text;
	if (!asking) {
		return CRM_OK;
	}
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerGetRequest body = CRM__V1__CUSTOMER_GET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	body.name = (char *)text;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
	req.customer_get = &body;
	crm_status rc = conn_call(ctx->conn, &req, &resp);
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	if (rc == CRM_OK) {
		return CRM_OK;
	}
	if (conn_fate(ctx->conn) == CONN_ANSWERED) {
		cmd_error(
		    "%s (%s)", conn_error(ctx->conn), crm_status_name(rc));
		if (rc == CRM_NOT_FOUND) {
			cmd_customer_suggest(ctx, text);
		}
		return rc;
	}
	ctx->offline = true;
	fprintf(stderr,
	    "crm: %s; the follow-up will be kept in the outbox and sent "
	    "when crmd is back\n",
	    conn_error(ctx->conn));
	return CRM_OK;
}

crm_status
cmd_followup_log(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	struct log_build b;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupLogRequest body = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	memset(&b, 0, sizeof(b));
	crm__v1__follow_up__init(&b.f);
	crm__v1__score__init(&b.score);
	if ((rc = log_opts(ctx, call, &b)) != CRM_OK) {
		goto out;
	}
	/* A one-line log is checked whole before the network; a customer
	 * is resolved before asking about it field by field. */
	if (call->argc > 1) {
		b.f.summary = call->argv[1];
		if ((rc = log_complete(ctx, call, &b)) != CRM_OK) {
			goto out;
		}
	}
	if ((rc = log_customer(ctx, call->argv[0], call->argc == 1, &b.f)) !=
	    CRM_OK) {
		goto out;
	}
	if (call->argc == 1) {
		cancelled = false;
		rc = log_ask(ctx, &b);
		if (cancelled) {
			/* Ctrl-C: nothing was sent, nothing is kept. */
			cmd_error("cancelled; nothing logged");
			rc = CRM_EINVAL;
			goto out;
		}
		if (rc != CRM_OK ||
		    (rc = log_complete(ctx, call, &b)) != CRM_OK) {
			goto out;
		}
	}
	body.followup = &b.f;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	req.followup_log = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_FOLLOWUP, &resp);
	if (rc == CRM_NOT_FOUND && b.f.customer != NULL &&
	    strstr(conn_error(ctx->conn), "no customer named") != NULL) {
		/* The server takes only the exact name: what was meant? */
		cmd_customer_suggest(ctx, b.f.customer);
	}
	if (rc != CRM_OK) {
		goto out;
	}
	show_followup(resp->followup, out);
	render_set_json(out, render_json_message(&resp->followup->base));
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	log_build_free(&b);
	return rc;
}

/* ------------------------------------------------------------ stage */

crm_status
cmd_followup_stage(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__StageSetRequest body = CRM__V1__STAGE_SET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	const char *amount = cmd_opt(call, "--amount");
	const char *date = cmd_opt(call, "--date");
	const char *reason = cmd_opt(call, "--reason");
	int v = 0;

	if (cmd_parse_enum(ctx, call, &crm__v1__stage__descriptor, "stage",
	        call->argv[1], &v) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_stage = 1;
	body.stage = (Crm__V1__Stage)v;
	if ((amount || date || cmd_opt(call, "--terms") ||
	        cmd_opt(call, "--category")) &&
	    v != CRM__V1__STAGE__STAGE_WON) {
		return cmd_usage_error(ctx, call,
		    "--amount, --date, --terms and --category go with the "
		    "stage won");
	}
	if (amount != NULL) {
		if (crm_money_parse(amount, &body.deal_amount) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--amount wants an amount like 120000 or "
			    "12,000.50, not '%s'",
			    amount);
		}
		body.has_deal_amount = 1;
	}
	if (date != NULL) {
		if ((rc = cmd_parse_past(
		         ctx, call, "--date", date, &body.won_at)) != CRM_OK) {
			return rc;
		}
		body.has_won_at = 1;
	}
	body.contract_terms = (char *)cmd_opt(call, "--terms");
	body.category = (char *)cmd_opt(call, "--category");
	if (reason != NULL && reason[0] != '\0') {
		body.reason = (char *)reason;
		if (v == CRM__V1__STAGE__STAGE_LOST) {
			body.has_lost_reason = 1;
			body.lost_reason =
			    (Crm__V1__LostReason)cmd_lost_reason(reason);
		}
	}
	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_STAGE_SET;
	req.stage_set = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CUSTOMER, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__Customer *c = resp->customer->customer;
	if (c != NULL) {
		const char *lost =
		    c->stage == CRM__V1__STAGE__STAGE_LOST
		        ? crm_enum_name(&crm__v1__lost_reason__descriptor,
		              c->lost_reason)
		        : "";
		render_text(out, "%s is now %s%s%s%s", c->name ? c->name : "?",
		    crm_enum_name(&crm__v1__stage__descriptor, c->stage),
		    lost[0] ? " (" : "", lost, lost[0] ? ")" : "");
		render_set_json(out, render_json_message(&c->base));
		cmd_customer_cache((Crm__V1__Customer *const *)&c, 1);
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
