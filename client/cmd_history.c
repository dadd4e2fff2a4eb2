/* SPDX-License-Identifier: MIT */
/*
 * cmd_history.c: `customer history`, a customer's timeline newest first:
 * follow-ups (with their attachments), stage changes, grade proposals,
 * tasks, commitments, SLA clocks, purchases and the changes the server
 * made to its plans by itself (events, with why), one line each (time,
 * kind, who, text); a follow-up's feedback, mood and next action (one
 * that planned nothing, history only, says so), and a grade decision
 * with its reason, on a second line of the text. One page
 * per command; when more follow, it says how to ask for the next
 * (`--before CURSOR`; in csv and json mode on stderr, so the data stays a
 * plain array).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const char *
stage_word(int v)
{
	return crm_enum_name(&crm__v1__stage__descriptor, v);
}

static const char *
grade_word(int v)
{
	const char *s = crm_enum_name(&crm__v1__grade__descriptor, v);
	return s[0] ? s : "-";
}

/* A follow-up's second line into buf: its feedback, mood and next
 * action ("" when it has none); a next action no task was made for
 * (history only) says it was not planned. */
static void
followup_more(const Crm__V1__FollowUp *f, char *buf, size_t len)
{
	const char *mood =
	    f->has_mood ? crm_enum_name(&crm__v1__mood__descriptor, f->mood)
	                : "";
	bool fb = f->feedback && *f->feedback,
	     nx = f->next_action && *f->next_action;
	char due[32] = "";
	if (!fb && !mood[0] && !nx) {
		buf[0] = '\0';
		return;
	}
	if (nx && f->has_next_due_at && f->next_due_at != 0) {
		crm_time_format(f->next_due_at, due, sizeof(due));
	}
	snprintf(buf, len, "\n%s%s%s%s%s%s%s%s%s%s%s", fb ? "feedback: " : "",
	    fb ? f->feedback : "", fb && mood[0] ? "; " : "",
	    mood[0] ? "mood: " : "", mood, (fb || mood[0]) && nx ? "; " : "",
	    !nx                         ? ""
	    : crm_followup_unplanned(f) ? "next (" CRM_UNPLANNED_WORDS "): "
	                                : "next: ",
	    nx ? f->next_action : "", due[0] ? " (due " : "", due,
	    due[0] ? ")" : "");
}

/* The kind, who and text columns of one timeline entry; *who may point
 * into whobuf (wlen bytes). */
static void
history_cells(const Crm__V1__HistoryItem *it, const char **kind,
    const char **who, char *whobuf, size_t wlen, char *text, size_t len)
{
	const char *st;
	char t[32];

	text[0] = '\0';
	switch (it->item_case) {
	case CRM__V1__HISTORY_ITEM__ITEM_FOLLOWUP: {
		const Crm__V1__FollowUp *f = it->followup;
		const char *ch =
		    crm_enum_name(&crm__v1__channel__descriptor, f->channel);
		*kind = "followup";
		*who = f->author;
		int n = snprintf(text, len, "%s%s%s%s", ch, ch[0] ? ": " : "",
		    f->summary ? f->summary : "", f->late ? " (late)" : "");
		for (size_t i = 0;
		     i < f->n_attachments && n >= 0 && (size_t)n < len; i++) {
			const Crm__V1__Attachment *a = f->attachments[i];
			n += snprintf(text + n, len - (size_t)n, " [%s%s%s]",
			    a->title ? a->title : "", a->title ? ": " : "",
			    a->location ? a->location : "");
		}
		/* A second line: what the customer said, what comes next. */
		if (n >= 0 && (size_t)n < len) {
			followup_more(f, text + n, len - (size_t)n);
		}
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_STAGE: {
		const Crm__V1__StageChange *s = it->stage;
		*kind = "stage";
		*who = s->by;
		snprintf(text, len, "%s → %s%s%s",
		    s->stage_from ? stage_word(s->stage_from) : "-",
		    stage_word(s->stage_to), s->reason ? ": " : "",
		    s->reason ? s->reason : "");
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_GRADE: {
		const Crm__V1__GradeProposal *g = it->grade;
		*kind = "grade";
		int decided =
		    g->decided_by != NULL && *g->decided_by != '\0' &&
		    g->status != CRM__V1__PROPOSAL_STATUS__PROPOSAL_PENDING;
		/* A decision is the decider's; a proposal the proposer's. */
		*who = decided ? g->decided_by : g->proposed_by;
		/* The proposer's reason is the proposal's, on its own line;
		 * the decision's reason is the manager's, on the second. */
		int n = snprintf(text, len, "%s → %s proposed by %s%s%s%s",
		    grade_word(g->grade_from), grade_word(g->grade_to),
		    g->proposed_by ? g->proposed_by : "?",
		    g->reason ? ": " : "", g->reason ? g->reason : "",
		    decided ? ";" : "; pending");
		if (decided && n >= 0 && (size_t)n < len) {
			t[0] = '\0';
			if (g->has_decided_at && g->decided_at != 0) {
				crm_time_format(g->decided_at, t, sizeof(t));
			}
			snprintf(text + n, len - (size_t)n,
			    "\n%s by %s%s%s%s%s",
			    crm_enum_name(
			        &crm__v1__proposal_status__descriptor,
			        g->status),
			    g->decided_by, t[0] ? " " : "", t,
			    g->decision_reason ? ": " : "",
			    g->decision_reason ? g->decision_reason : "");
		}
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_TASK: {
		const Crm__V1__Task *k = it->task;
		*kind = "task";
		*who = k->owner;
		st = crm_enum_name(
		    &crm__v1__task_status__descriptor, k->status);
		crm_time_format(k->due_at, t, sizeof(t));
		snprintf(text, len, "%s: %s (%s, due %s)",
		    k->kind == CRM__V1__TASK_KIND__TASK_FOLLOW_UP
		        ? "next follow-up"
		        : crm_enum_name(
		              &crm__v1__task_kind__descriptor, k->kind),
		    k->goal ? k->goal : "", st, t);
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_COMMITMENT: {
		const Crm__V1__Commitment *c = it->commitment;
		*kind = "commitment";
		/* Whom it counts for, when not its owner now (held_by:
		 * broken before a hand-over), and who holds it now: as the
		 * team's `commitments` list says, "li (now zhang)". */
		*who = c->owner;
		if (c->held_by != NULL && *c->held_by != '\0') {
			if (c->owner != NULL && *c->owner != '\0') {
				snprintf(whobuf, wlen, "%s (now %s)",
				    c->held_by, c->owner);
				*who = whobuf;
			} else {
				*who = c->held_by;
			}
		}
		st = crm_enum_name(
		    &crm__v1__commitment_status__descriptor, c->status);
		/* A kept one stands at its closing and says when it was
		 * made. */
		if (c->closed_at != 0 && c->created_at != 0 &&
		    c->status != CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN &&
		    c->status !=
		        CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN) {
			crm_time_format(c->created_at, t, sizeof(t));
			snprintf(text, len, "%s (%s; made %s)",
			    c->text ? c->text : "", st, t);
		} else {
			snprintf(
			    text, len, "%s (%s)", c->text ? c->text : "", st);
		}
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_SLA: {
		const Crm__V1__SlaClock *c = it->sla;
		*kind = "sla";
		*who = c->owner;
		st = c->stopped_at == 0
		         ? (c->breached ? "breached, running" : "running")
		         : (c->breached ? "breached" : "met");
		/* An objection has no clock: open until resolved. A
		 * resolved one stands at its resolution and says when it
		 * was raised. */
		t[0] = '\0';
		if (c->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
			st = c->stopped_at == 0 ? "open" : "resolved";
			if (c->stopped_at != 0 && c->started_at != 0) {
				crm_time_format(c->started_at, t, sizeof(t));
			}
		}
		int n = snprintf(text, len, "%s %s%s%s%s%s%s",
		    crm_enum_name(&crm__v1__sla_kind__descriptor, c->kind), st,
		    c->text ? ": " : "", c->text ? c->text : "",
		    t[0] ? " (raised " : "", t, t[0] ? ")" : "");
		/* A resolved issue stands at its resolution: a second line
		 * says what was done and by whom. */
		if (c->resolution != NULL && n >= 0 && (size_t)n < len) {
			snprintf(text + n, len - (size_t)n,
			    "\nissue %llu resolved by %s: %s",
			    (unsigned long long)(c->issue_id ? c->issue_id
			                                     : c->id),
			    c->resolved_by ? c->resolved_by : "?",
			    c->resolution);
		}
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_PURCHASE: {
		const Crm__V1__Purchase *p = it->purchase;
		char amount[40];
		*kind = "purchase";
		*who = p->author;
		render_money(p->amount, amount, sizeof(amount));
		snprintf(text, len, "%s %s%s%s%s%s", amount,
		    p->product ? p->product : "", p->category ? " (" : "",
		    p->category ? p->category : "", p->category ? ")" : "",
		    p->contract ? ", contract " : "");
		if (p->contract) {
			size_t n = strlen(text);
			snprintf(text + n, len - n, "%s", p->contract);
		}
		break;
	}
	case CRM__V1__HISTORY_ITEM__ITEM_EVENT: {
		/* A change the server made by itself, and why. */
		const Crm__V1__CustomerEvent *e = it->event;
		*kind = e->kind != NULL && *e->kind ? e->kind : "event";
		*who = e->by;
		snprintf(text, len, "%s%s%s", e->text ? e->text : "",
		    e->reason ? ": " : "", e->reason ? e->reason : "");
		break;
	}
	default:
		*kind = "?";
		*who = NULL;
		break;
	}
}

crm_status
cmd_history_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "time", "kind", "who", "text" };
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerHistoryRequest body =
	    CRM__V1__CUSTOMER_HISTORY_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	const char *before = cmd_opt(call, "--before");

	if (cmd_opt_limit(ctx, call, 100000, &body.has_limit, &body.limit) !=
	    CRM_OK) {
		return CRM_EINVAL;
	}
	if (before != NULL) {
		body.before = (char *)before;
	}
	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HISTORY;
	req.customer_history = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_HISTORY, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	json_t *arr = json_array();
	render_table(out, 4, cols);
	for (size_t i = 0; i < resp->history->n_items; i++) {
		const Crm__V1__HistoryItem *it = resp->history->items[i];
		const char *kind = NULL, *who = NULL;
		char t[32] = "", text[1024], whobuf[128];
		if (it->has_happened_at) {
			crm_time_format(it->happened_at, t, sizeof(t));
		}
		history_cells(it, &kind, &who, whobuf, sizeof(whobuf), text,
		    sizeof(text));
		const char *cells[] = { t, kind, who, text };
		render_row(out, cells);
		json_array_append_new(arr, render_json_message(&it->base));
	}
	render_set_json(out, arr);
	if (resp->history->next_before != NULL) {
		/* By id: the name may need quoting, the id never does. */
		char lim[32] = "";
		if (body.has_limit) {
			snprintf(lim, sizeof(lim), " --limit %u", body.limit);
		}
		render_text(out, "more: customer history %llu%s --before %s",
		    (unsigned long long)body.customer_id, lim,
		    resp->history->next_before);
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
