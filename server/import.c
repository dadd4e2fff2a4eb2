/* SPDX-License-Identifier: MIT */
/*
 * import.c: import batches. Each row runs the same handler as the one
 * request it stands for (customer add, contact add, follow-up log,
 * purchase add), so it
 * passes the same checks and permissions; a bad row is undone alone
 * (import_batch_run says how), and the batch as a whole
 * is kept only when no row was bad (or bad rows are to be skipped) and it
 * is not a dry run. Rows that exist already are found first and reported,
 * not written, which makes importing a file twice harmless. A follow-up
 * row older than its customer's last contact is added as history only,
 * and its result says so (history_only, the log's note as message).
 * One whose next action names someone who may no longer see its
 * customer keeps that next action as history only (row_followup_givers).
 * A dry run across batches (import_dry.c) runs each batch here too.
 */
#include <ctype.h>
#include <strings.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "contact.h"
#include "crm.h"
#include "crm_time.h"
#include "customer.h"
#include "followup.h"
#include "handlers.h"
#include "import.h"
#include "purchase.h"
#include "scope.h"
#include "user.h"

#define MAX_ROWS CRM_IMPORT_BATCH_ROWS
#define MSG_MAX  512 /* sizeof(ctx->msg) */

typedef Crm__V1__ImportResult__Outcome outcome;
#define ADDED  CRM__V1__IMPORT_RESULT__OUTCOME__ADDED
#define EXISTS CRM__V1__IMPORT_RESULT__OUTCOME__EXISTS
#define BAD    CRM__V1__IMPORT_RESULT__OUTCOME__BAD

/* The outcome of one row: column and message go to the result. */
struct row_out {
	outcome out;
	const char *column;
	uint64_t id;
	const char *note; /* said of a row added (a grade proposed) */
	int history_only; /* a follow-up row older than the last contact */
	int keep; /* a row there already that completed it: its writes stand */
};

static crm_status
bad(struct req_ctx *ctx, struct row_out *o, const char *column,
    crm_status code, const char *msg)
{
	o->out = BAD;
	o->column = column;
	if (msg != NULL) {
		dispatch_fail(ctx, code, "%s", msg);
	}
	return CRM_OK;
}

/* The customer a contact or follow-up row names, if the caller may see
 * it; kinds tried: company, then person. A row naming it both ways
 * (given, its record's customer_id, and customer_name) must name one
 * customer, as a follow-up logged must (followup.c's log_customer):
 * another server's export carries its own ids. */
static crm_status
row_customer(struct req_ctx *ctx, const Crm__V1__ImportRow *row,
    uint64_t given, uint64_t *id)
{
	Crm__V1__Customer *c;
	*id = given;
	int named = row->customer_name && *row->customer_name;
	if (named) {
		uint64_t found = 0;
		if (customer_find(ctx, row->customer_name, &found) != CRM_OK) {
			found = 0;
		}
		if (given != 0 && found != given) {
			dispatch_fail(ctx, CRM_EINVAL,
			    "the row names two customers: customer_name '%s' "
			    "is not customer %" PRIu64
			    " that its record names (by customer_id, or by "
			    "name): send one of them",
			    row->customer_name, given);
			return CRM_EINVAL;
		}
		*id = found;
	}
	/* Refused naming what the row gave (docs/authz.md), the name or
	 * else the id; one the caller may not see answers the same. */
	if (*id == 0 || customer_visible(ctx, *id, &c) != CRM_OK) {
		if (named) {
			dispatch_fail(ctx, CRM_NOT_FOUND, "no customer '%s'",
			    row->customer_name);
		} else if (given != 0) {
			dispatch_fail(
			    ctx, CRM_NOT_FOUND, "no customer %" PRIu64, given);
		} else {
			dispatch_fail(ctx, CRM_NOT_FOUND,
			    "no customer: the row names none (customer_name, "
			    "or its record's customer_id)");
		}
		return CRM_NOT_FOUND;
	}
	return CRM_OK;
}

/* Whether a customer row says something other than seen, the existing
 * customer of its name: its owner, grade (unless the caller's grade is a
 * proposal: a rep's), stage, or deal (amount, won time; an export's
 * deal_category is its won purchase's, not the customer's), each only
 * when the row gives it. If so, o's column names the differing
 * column(s) and ctx->msg says each, with the existing customer. */
static int
customer_differs(struct req_ctx *ctx, const Crm__V1__ImportRow *row,
    const Crm__V1__Customer *seen, struct row_out *o)
{
	const Crm__V1__Customer *c = row->customer;
	char cols[40] = "", why[400] = "";
	size_t nc = 0, nw = 0;
#define DIFF(col, ...)                                                     \
	do {                                                               \
		nc += (size_t)snprintf(cols + nc,                          \
		    nc < sizeof(cols) ? sizeof(cols) - nc : 0, "%s%s",     \
		    nc ? "," : "", col);                                   \
		nw += (size_t)snprintf(why + nw,                           \
		    nw < sizeof(why) ? sizeof(why) - nw : 0, "%s",         \
		    nw ? "; " : "");                                       \
		nw += (size_t)snprintf(why + nw,                           \
		    nw < sizeof(why) ? sizeof(why) - nw : 0, __VA_ARGS__); \
	} while (0)
	const char *owner = user_login_of(ctx, seen->owner_id);
	if (row->owner != NULL && *row->owner &&
	    strcasecmp(row->owner, owner ? owner : "") != 0) {
		DIFF("owner", "owner %s, there %s", row->owner,
		    owner && *owner ? owner : "none (the pool)");
	}
	if (c->has_grade && c->grade != 0 && c->grade != seen->grade &&
	    ctx->who->role != CRM__V1__ROLE__ROLE_REP) {
		DIFF("grade", "grade %s, there %s",
		    crm_enum_name(&crm__v1__grade__descriptor, (int)c->grade),
		    crm_enum_name(
		        &crm__v1__grade__descriptor, (int)seen->grade));
	}
	if (c->has_stage && c->stage != 0 && c->stage != seen->stage) {
		DIFF("stage", "stage %s, there %s",
		    crm_enum_name(&crm__v1__stage__descriptor, (int)c->stage),
		    crm_enum_name(
		        &crm__v1__stage__descriptor, (int)seen->stage));
	}
	if (c->has_deal_amount && c->deal_amount != 0 &&
	    c->deal_amount != seen->deal_amount) {
		char a[32], b[32];
		crm_money_format(c->deal_amount, a, sizeof(a));
		crm_money_format(seen->deal_amount, b, sizeof(b));
		DIFF("deal_amount", "deal_amount %s, there %s", a,
		    seen->deal_amount ? b : "none");
	}
	/* A time on a whole minute matches any second of it (followup_find
	 * says why). */
	if (c->has_won_at && c->won_at != 0 &&
	    (c->won_at % 60 == 0 ? c->won_at / 60 != seen->won_at / 60
	                         : c->won_at != seen->won_at)) {
		char a[40], b[40];
		crm_time_format(c->won_at, a, sizeof(a));
		crm_time_format(seen->won_at, b, sizeof(b));
		DIFF("won_at", "won_at %s, there %s", a,
		    seen->won_at ? b : "none");
	}
#undef DIFF
	if (nc == 0) {
		return 0;
	}
	char *col = crm_arena_alloc(ctx->arena, sizeof(cols));
	if (col != NULL) {
		memcpy(col, cols, sizeof(cols));
	}
	o->column = col;
	dispatch_fail(ctx, CRM_EXISTS,
	    "customer %" PRIu64 " (%s) is there already with other values: "
	    "%s (a duplicate is refused: change it there, or fix the row)",
	    seen->id, seen->name ? seen->name : "", why);
	return 1;
}

/* A row whose time a (column a_col) is before b (b_col), which it may
 * not be: bad, naming both columns and times and why. Returns 1. */
static int
before_bad(struct req_ctx *ctx, struct row_out *o, const char *a_col,
    int64_t a, const char *b_col, int64_t b, const char *why)
{
	char at[40], bt[40], cols[64];
	crm_time_format(a, at, sizeof(at));
	crm_time_format(b, bt, sizeof(bt));
	snprintf(cols, sizeof(cols), "%s,%s", a_col, b_col);
	/* The row's column outlives this call: in the arena. */
	bad(ctx, o, crm_arena_strdup(ctx->arena, cols), CRM_EINVAL, NULL);
	dispatch_fail(ctx, CRM_EINVAL, "%s %s is before %s %s: %s", a_col, at,
	    b_col, bt, why);
	return 1;
}

/* When a customer row's deal was won, which reports count it at: a won
 * customer with a deal (or one that moved on: churn_risk, lost; the
 * deal needs its won_at there already) needs it from the file, never the
 * day of the import: 成交时间 (won_at), else 进入阶段时间 (stage_at) when
 * the stage is won. Nor before the customer began (首次接触时间), as a
 * live `stage ID won --date` before it is refused. Returns whether the
 * row is bad, and said so (o, ctx->msg). */
static int
customer_won_bad(struct req_ctx *ctx, Crm__V1__Customer *c, struct row_out *o)
{
	/* A deal of 0 is no deal amount, as live `stage ID won --amount 0`
	 * (won, no amount recorded). */
	if (c->has_deal_amount && c->deal_amount == 0) {
		c->has_deal_amount = 0;
	}
	int won = c->has_stage && c->stage == CRM__V1__STAGE__STAGE_WON;
	int deal = c->has_deal_amount && c->deal_amount > 0;
	if (won && deal && (!c->has_won_at || c->won_at == 0) &&
	    c->has_stage_at && c->stage_at != 0) {
		c->has_won_at = 1;
		c->won_at = c->stage_at;
	}
	if (won && deal && (!c->has_won_at || c->won_at == 0)) {
		bad(ctx, o, "won_at", CRM_EINVAL,
		    "won_at: a won customer with a deal needs when it was "
		    "won: add the column 成交时间 (won_at), or 进入阶段时间 "
		    "(stage_at); it is not the day of the import");
		return 1;
	}
	if (c->has_won_at && c->won_at != 0 && c->has_first_contact_at &&
	    c->first_contact_at != 0 && c->won_at < c->first_contact_at) {
		return before_bad(ctx, o, "won_at", c->won_at,
		    "first_contact_at", c->first_contact_at,
		    "a customer is won after it began; fix one of them");
	}
	/* Its stage (won, or churn_risk or lost after the deal) was entered
	 * when it was won or later, never before. */
	int after_won =
	    won ||
	    (c->has_stage && (c->stage == CRM__V1__STAGE__STAGE_CHURN_RISK ||
	                         c->stage == CRM__V1__STAGE__STAGE_LOST));
	if (after_won && c->has_won_at && c->won_at != 0 && c->has_stage_at &&
	    c->stage_at != 0 && c->stage_at < c->won_at) {
		char why[160];
		snprintf(why, sizeof(why),
		    "a customer enters %s when it is won or later; fix "
		    "进入阶段时间 or 成交时间",
		    crm_enum_name(&crm__v1__stage__descriptor, (int)c->stage));
		return before_bad(
		    ctx, o, "stage_at", c->stage_at, "won_at", c->won_at, why);
	}
	return 0;
}

/* Whether customer id, which the caller may not see, is in the caller's
 * team's pool (公海: held by no one, not merged), which they may claim
 * (pool claim; a manager or an admin sees it). *c: it, in the arena. */
static int
in_team_pool(struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c)
{
	return customer_load(ctx, id, c) == CRM_OK && customer_in_pool(*c) &&
	       (*c)->team_id == ctx->who->team_id;
}

static crm_status
row_customer_add(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__Customer *c = row->customer;
	if (c == NULL || c->name == NULL || *c->name == '\0') {
		return bad(
		    ctx, o, "name", CRM_EINVAL, "a customer needs a name");
	}
	int kind = c->has_kind && c->kind
	               ? (int)c->kind
	               : CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	Crm__V1__Customer *seen;
	if (customer_by_name(ctx, kind, c->name, &o->id) == CRM_OK &&
	    customer_visible(ctx, o->id, &seen) == CRM_OK) {
		/* There already, unless the row says otherwise of it: its
		 * values would be thrown away (a duplicate is refused). */
		if (customer_differs(ctx, row, seen, o)) {
			o->id = 0;
			return bad(ctx, o, o->column, CRM_EXISTS, NULL);
		}
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK,
		    "already there: same as customer %" PRIu64 " (%s)", o->id,
		    seen->name ? seen->name : "");
	}
	if (o->id != 0 && in_team_pool(ctx, o->id, &seen)) {
		/* Not someone else's: no one's, and the caller may take it.
		 * The row is refused all the same: a claim is the rep's
		 * choice, under the team's limits (policy pool), not a side
		 * effect of a file. */
		o->id = 0;
		const char *name = seen->name ? seen->name : c->name;
		dispatch_fail(ctx, CRM_EXISTS,
		    "customer \"%s\" already exists in your team's public "
		    "pool (公海), held by no one: pool claim %" PRIu64
		    " takes it",
		    name, seen->id);
		return bad(ctx, o, "name", CRM_EXISTS, NULL);
	}
	o->id = 0;
	/* Someone else's customer: refused, without its id or owner. */
	crm_status dup = customer_duplicate(ctx, kind, c->name, NULL);
	if (dup != CRM_OK) {
		return bad(ctx, o, "name", dup, NULL);
	}
	if (customer_won_bad(ctx, c, o)) {
		return CRM_OK; /* bad, and said so */
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAddRequest add = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	add.customer = c;
	add.owner = row->owner;
	sub.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	sub.customer_add = &add;
	crm_status rc = customer_handle_add(ctx, &sub, &resp);
	if (rc == CRM_EXISTS) {
		/* Another customer holds its licence number (its name was
		 * looked up above): a conflict to settle, not this row
		 * already there. The message names the other only when the
		 * caller may see it. */
		return bad(ctx, o,
		    strstr(ctx->msg, "licence") != NULL ? "licence_no"
		                                        : "name",
		    rc, NULL);
	}
	if (rc == CRM_OK) {
		o->id = resp.customer->customer->id;
		const Crm__V1__GradeProposal *p = resp.customer->proposal;
		if (p != NULL) {
			char *n = crm_arena_alloc(ctx->arena, 64);
			if (n != NULL) {
				snprintf(n, 64,
				    "grade %s proposed to the manager",
				    crm_enum_name(&crm__v1__grade__descriptor,
				        p->grade_to));
			}
			o->note = n;
		}
	}
	return rc;
}

static crm_status
row_contact_add(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__Contact *c = row->contact;
	if (c == NULL || c->name == NULL || *c->name == '\0') {
		return bad(
		    ctx, o, "name", CRM_EINVAL, "a contact needs a name");
	}
	uint64_t cust;
	if (row_customer(ctx, row, c->customer_id, &cust) != CRM_OK) {
		return bad(ctx, o, "customer", CRM_NOT_FOUND, NULL);
	}
	crm_status found = contact_find(ctx, cust, c->name, &o->id);
	if (found == CRM_OK) {
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK,
		    "already there: same as contact %" PRIu64
		    " (%s of customer %" PRIu64 ")",
		    o->id, c->name, cust);
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	/* Left the organisation (已离职, 离职时间; an export's left=yes):
	 * marked left at that time, as `contact left` does, once added. A
	 * time alone says it too; none: the import's. */
	int left =
	    c->has_left ? c->left != 0 : c->has_left_at && c->left_at != 0;
	int64_t left_at =
	    c->has_left_at && c->left_at != 0 ? c->left_at : dispatch_at(ctx);
	if (left && left_at > ctx->now) {
		return bad(ctx, o, "left_at", CRM_EINVAL,
		    "a contact cannot have left later than now");
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest add = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	c->has_customer_id = 1;
	c->customer_id = cust;
	add.contact = c;
	sub.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	sub.contact_add = &add;
	crm_status rc = contact_handle_add(ctx, &sub, &resp);
	if (rc == CRM_OK) {
		o->id = resp.contact->id;
	}
	if (rc == CRM_OK && left) {
		rc = contact_mark_left(ctx, o->id, left_at, NULL);
	}
	return rc;
}

/* Who made what a row brings along, by login (scope_author): the
 * login's user into *id; none given: 0. The row is bad, naming column,
 * when the caller may not name that user. */
static crm_status
row_author(struct req_ctx *ctx, struct row_out *o, const char *column,
    const char *login, uint64_t *id)
{
	*id = 0;
	if (login == NULL || *login == '\0') {
		return CRM_OK;
	}
	crm_status rc = scope_author(ctx, login, id);
	if (rc != CRM_OK) {
		bad(ctx, o, column, rc, NULL);
	}
	return rc;
}

/* The users a follow-up row names: its author, who added each attachment,
 * who resolved each objection and whom each commitment counts for
 * (held_by: one broken before the customer changed hands, as export
 * writes it), checked here; the log takes their ids (followup.h). */
static crm_status
row_followup_users(struct req_ctx *ctx, Crm__V1__FollowUp *f,
    struct row_out *o, struct followup_import *imp)
{
	crm_status rc =
	    row_author(ctx, o, "author", f->author, &imp->author_id);
	for (size_t i = 0; rc == CRM_OK && i < f->n_attachments; i++) {
		Crm__V1__Attachment *a = f->attachments[i];
		rc = row_author(
		    ctx, o, "attachments", a->added_by, &a->added_by_id);
		a->has_added_by_id = a->added_by_id != 0;
	}
	for (size_t i = 0; rc == CRM_OK && i < f->n_objection_issues; i++) {
		Crm__V1__SlaClock *k = f->objection_issues[i];
		rc = row_author(
		    ctx, o, "objections", k->resolved_by, &k->resolved_by_id);
		k->has_resolved_by_id = k->resolved_by_id != 0;
	}
	for (size_t i = 0; rc == CRM_OK && i < f->n_commitments; i++) {
		Crm__V1__Commitment *c = f->commitments[i];
		rc = row_author(
		    ctx, o, "commitments", c->held_by, &c->report_owner_id);
		c->has_report_owner_id = c->report_owner_id != 0;
	}
	return rc;
}

/* The column of a field path a handler names ("followup_log.followup.
 * next_action", "commitments[0].due_at"): its first field of the row's
 * record (next_action, commitments), in the arena. */
static const char *
field_column(struct req_ctx *ctx, const char *path)
{
	static const char *const prefixes[] = { "followup_log.followup.",
		"followup.", "customer_add.customer.", "customer_add.",
		"customer.", "purchase_add.purchase.", "purchase.",
		"contact_add.contact.", "contact.", NULL };
	for (size_t i = 0; prefixes[i] != NULL; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0) {
			path += n;
			break;
		}
	}
	size_t len = strcspn(path, ".[");
	if (len == 0) {
		return NULL;
	}
	return crm_arena_strndup(ctx->arena, path, len);
}

/* What the log of a follow-up row would refuse of whom it gives work to
 * (scope_assignee), by column: its message, "" when nothing. */
struct row_givers {
	char next_owner[MSG_MAX];
	char commitments[MSG_MAX]; /* the first commitment's refused */
};

/*
 * Whom follow-up row f (of customer cust) gives work to: its next
 * action's owner (next_owner) and each commitment's. A next owner the
 * caller may give work to but who may no longer see the customer (an
 * export's customer that went to its team's pool after the follow-up,
 * or to another rep) makes the next action history only: kept as said,
 * not planned (imp->next_unplanned, followup.h), as crmd closed it when
 * the customer left them. What the log will still refuse (no such
 * active user, one not the caller's to give work to, a commitment's
 * owner who may not see the customer) goes into *g, so that the row's
 * refusal names its column. Reads only.
 */
static void
row_followup_givers(struct req_ctx *ctx, const Crm__V1__FollowUp *f,
    uint64_t cust, struct followup_import *imp, struct row_givers *g)
{
	Crm__V1__Customer *c;
	uint64_t id;
	g->next_owner[0] = g->commitments[0] = '\0';
	if (customer_visible(ctx, cust, &c) != CRM_OK) {
		ctx->msg[0] = '\0';
		return; /* the log says so */
	}
	if (f->next_action != NULL && *f->next_action &&
	    f->next_owner != NULL && *f->next_owner) {
		crm_status rc = scope_assignee(ctx, c, f->next_owner, 0, &id);
		if (rc == CRM_EPRECOND) {
			imp->next_unplanned = 1;
		} else if (rc != CRM_OK) {
			snprintf(g->next_owner, sizeof(g->next_owner), "%s",
			    ctx->msg);
		}
	}
	for (size_t i = 0; i < f->n_commitments && !g->commitments[0]; i++) {
		const char *owner = f->commitments[i]->owner;
		if (owner != NULL && *owner &&
		    scope_assignee(ctx, c, owner, 0, &id) != CRM_OK) {
			snprintf(g->commitments, sizeof(g->commitments), "%s",
			    ctx->msg);
		}
	}
	ctx->msg[0] = '\0';
}

/* The note of follow-up f, logged from a row whose next action was not
 * planned (row_followup_givers): what became of it, and why. In the
 * arena. */
static const char *
unplanned_note(struct req_ctx *ctx, const Crm__V1__FollowUp *f)
{
	const char *next = f->next_action ? f->next_action : "";
	const char *who = f->next_owner ? f->next_owner : "";
	const char *cust = f->customer ? f->customer : "the customer";
	char *n = crm_arena_alloc(ctx->arena, MSG_MAX);
	if (n != NULL) {
		/* Each text cut whole characters short (MSG_MAX in all). */
		snprintf(n, MSG_MAX,
		    "next action %.*s kept as said, not planned: %.*s may "
		    "not see %.*s now; task add plans it",
		    (int)crm_utf8_fit(next, 80, NULL), next,
		    (int)crm_utf8_fit(who, 40, NULL), who,
		    (int)crm_utf8_fit(cust, 80, NULL), cust);
	}
	return n;
}

static crm_status
row_followup_log(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__FollowUp *f = row->followup;
	if (f == NULL || !f->has_happened_at || f->happened_at == 0) {
		return bad(ctx, o, "happened_at", CRM_EINVAL,
		    "an imported follow-up needs the time it happened");
	}
	uint64_t cust;
	if (row_customer(ctx, row, f->customer_id, &cust) != CRM_OK) {
		return bad(ctx, o, "customer", CRM_NOT_FOUND, NULL);
	}
	/* The same follow-up only when all the row says matches: customer,
	 * time, summary, and the channel, author, feedback and mood it
	 * gives (followup_find); two calls of one time and summary with
	 * different feedback are two follow-ups. */
	crm_status found = followup_find(
	    ctx, cust, f, row->has_occurrence ? row->occurrence : 1, &o->id);
	if (found == CRM_OK) {
		char at[40];
		crm_time_format(f->happened_at, at, sizeof(at));
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK,
		    "already there: same as follow-up %" PRIu64
		    " (customer %" PRIu64 ", %s, %.200s)",
		    o->id, cust, at, f->summary ? f->summary : "");
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	struct followup_import imp = { 0 };
	if (row_followup_users(ctx, f, o, &imp) != CRM_OK) {
		return CRM_OK; /* bad, and said so */
	}
	struct row_givers g;
	row_followup_givers(ctx, f, cust, &imp, &g);
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupLogRequest log = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	f->has_customer_id = f->has_imported = 1;
	f->customer_id = cust;
	f->imported = 1;
	log.followup = f;
	sub.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	sub.followup_log = &log;
	crm_status rc = followup_log_as(ctx, &sub, &resp, &imp);
	if (rc == CRM_OK) {
		o->id = resp.followup->id;
		/* Older than the customer's last contact: history only, and
		 * the log's note says what it did not do. */
		if (resp.followup->n_notes > 0) {
			o->history_only = 1;
			o->note = resp.followup->notes[0];
		} else if (imp.next_unplanned) {
			o->note = unplanned_note(ctx, resp.followup);
		}
	} else if (rc == CRM_EINVAL && o->column == NULL) {
		/* The log's own checks name no column: an empty summary, then
		 * a time ahead of the clock, are the ones a file can fail. */
		o->column = f->summary == NULL || *f->summary == '\0'
		                ? "summary"
		            : f->happened_at > ctx->now ? "happened_at"
		                                        : NULL;
	}
	if (rc == CRM_EINVAL && o->column == NULL && ctx->field[0]) {
		/* The field the log names (a next action without its due
		 * time: next_action), as the row's column. */
		o->column = field_column(ctx, ctx->field);
	}
	if (rc != CRM_OK && o->column == NULL) {
		/* Refused whom it gives work to: the log checks the
		 * commitments (its step 2) before the next action. */
		o->column =
		    g.commitments[0] && !strcmp(ctx->msg, g.commitments)
		        ? "commitments"
		    : g.next_owner[0] && !strcmp(ctx->msg, g.next_owner)
		        ? "next_owner"
		        : NULL;
	}
	return rc;
}

static crm_status
row_purchase_add(
    struct req_ctx *ctx, const Crm__V1__ImportRow *row, struct row_out *o)
{
	Crm__V1__Purchase *p = row->purchase;
	if (p == NULL || !p->has_amount || p->amount <= 0) {
		return bad(ctx, o, "amount", CRM_EINVAL,
		    "a purchase needs an amount above 0");
	}
	if (!p->has_bought_at || p->bought_at == 0) {
		return bad(ctx, o, "bought_at", CRM_EINVAL,
		    "an imported purchase needs the day it was bought");
	}
	uint64_t cust;
	if (row_customer(ctx, row, p->customer_id, &cust) != CRM_OK) {
		return bad(ctx, o, "customer", CRM_NOT_FOUND, NULL);
	}
	crm_status found = purchase_find(ctx, cust, p->bought_at, p->amount,
	    p->product, row->has_occurrence ? row->occurrence : 1, &o->id);
	if (found == CRM_OK) {
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK,
		    "already there: same as purchase %" PRIu64
		    " (customer %" PRIu64 ")",
		    o->id, cust);
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	/* The customer's won deal, on its day for its amount: the purchase
	 * of the same product, else the one crm recorded the deal as (its
	 * placeholder product, no contract), which the first such row gives
	 * its product, category and contract. Only the first row of the
	 * file of its customer, day and amount is the deal, found or
	 * claimed; a later one (ImportRow.deal_day_later, or a second row
	 * the same as the first) is found only as what it is (two orders of
	 * one day). A later row took the deal's record the row
	 * before had found, and an order was lost (an export of the deal's
	 * record and a second order of its day and amount, imported into a
	 * new database). */
	Crm__V1__Customer *c;
	int take = 0;
	found = customer_visible(ctx, cust, &c);
	if (found == CRM_OK) {
		found = (row->has_occurrence && row->occurrence > 1) ||
		                row->deal_day_later
		            ? CRM_NOT_FOUND
		            : purchase_deal_match(ctx, c, p->bought_at,
		                  p->amount, p->product, &o->id, &take);
	}
	/* Its author (purchase_add takes created_by only from an import),
	 * checked for a row that writes: one already there adds no one's
	 * work (a rep's own export, re-imported, names the customer's
	 * earlier owner on the purchases they made; followups' rows are
	 * found before their author is checked too). */
	if ((found == CRM_NOT_FOUND || (found == CRM_OK && take)) &&
	    row_author(ctx, o, "author", p->author, &p->created_by) !=
	        CRM_OK) {
		o->id = 0;
		return CRM_OK; /* bad, and said so */
	}
	p->has_created_by = p->created_by != 0;
	if (found == CRM_OK && take) {
		Crm__V1__Customer *mine;
		found = customer_editable(ctx, cust, &mine);
		if (found == CRM_OK) {
			found = purchase_deal_take(ctx, o->id, p);
		}
		if (found != CRM_OK) {
			o->id = 0;
			return found; /* a bad row, its column named */
		}
		o->keep = 1;
	}
	if (found == CRM_OK) {
		char day[16], amount[32];
		calendar_day_key(c->won_at, day, sizeof(day));
		crm_money_format(c->deal_amount, amount, sizeof(amount));
		o->out = EXISTS;
		return dispatch_fail(ctx, CRM_OK,
		    "already there: the won deal of %s (%s, won %s), purchase "
		    "%" PRIu64 "%s",
		    c->name ? c->name : "", amount, day, o->id,
		    take ? "; it takes this row's product, category and "
		           "contract"
		         : "");
	}
	if (found != CRM_NOT_FOUND) {
		return found;
	}
	Crm__V1__Request sub = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseAddRequest add = CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	p->has_customer_id = 1;
	p->customer_id = cust;
	add.purchase = p;
	sub.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	sub.purchase_add = &add;
	crm_status rc = purchase_handle_add(ctx, &sub, &resp);
	if (rc == CRM_OK) {
		o->id = resp.purchase->id;
	}
	return rc;
}

/* "birthday: want MM-DD" names its column; other messages do not. */
static const char *
column_of(struct req_ctx *ctx, const char *msg)
{
	size_t n = 0;
	while (islower((unsigned char)msg[n]) || msg[n] == '_') {
		n++;
	}
	if (n == 0 || n > 32 || msg[n] != ':') {
		return NULL;
	}
	return crm_arena_strndup(ctx->arena, msg, n);
}

typedef crm_status (*row_fn)(
    struct req_ctx *, const Crm__V1__ImportRow *, struct row_out *);

/* The results of a batch, one slot per row, and their texts. */
struct results {
	Crm__V1__ImportResult *res;
	char *msgs;        /* MSG_MAX a row */
	char *cols;        /* 40 a row */
	unsigned char *ok; /* a row's fields passed check_row */
};

/* Row i's result: its row in the file, outcome out, message and column
 * (copied). */
static Crm__V1__ImportResult *
set_result(struct results *rs, const Crm__V1__ImportRow *row, size_t i,
    outcome out, const char *msg, const char *column)
{
	Crm__V1__ImportResult *r = &rs->res[i];
	crm__v1__import_result__init(r);
	r->has_row = r->has_outcome = 1;
	r->row = row->has_row ? row->row : (uint32_t)(i + 1);
	r->outcome = out;
	char *m = rs->msgs + i * MSG_MAX, *c = rs->cols + i * 40;
	snprintf(m, MSG_MAX, "%s", msg ? msg : "");
	snprintf(c, 40, "%s", column ? column : "");
	r->message = m;
	r->column = c;
	return r;
}

/*
 * Row i's fields, as dispatch checks a request's (dispatch.h, step 6,
 * leaves an import batch's rows to this): UTF-8, one-line fields, time
 * ranges, lengths. A row that fails is BAD, its column the field at
 * fault, and no handler reads it. Returns whether it passed.
 */
static int
check_row(const Crm__V1__ImportRow *row, size_t i, struct results *rs)
{
	char why[256], field[40];
	if (crm_validate_message(&row->base, why, sizeof(why)) == CRM_OK) {
		return 1;
	}
	crm_validate_field(why, field, sizeof(field));
	set_result(rs, row, i, BAD, crm_validate_what(why), field);
	return 0;
}

/*
 * Row i in txn: its handler, then its result into rs. Returns CRM_OK, or
 * what stops the whole batch (map full, internal); *added says whether
 * the row was added, or completed what was there (its writes stand). A row
 * that was not added may have written part of itself to txn, so txn is then
 * the caller's to drop, unless *clean: it wrote nothing (found there already,
 * or refused before any write).
 */
static crm_status
run_row(struct req_ctx *ctx, row_fn fn, const Crm__V1__ImportRow *row,
    size_t i, MDB_txn *txn, struct results *rs, int *added, int *clean)
{
	unsigned long writes = store_writes;
	struct row_out o = { ADDED, NULL, 0, NULL, 0, 0 };
	size_t mark = crm_arena_mark(ctx->arena);
	crm_status rc = CRM_OK;
	ctx->txn = txn;
	ctx->msg[0] = '\0';
	crm_status row_rc = fn(ctx, row, &o);
	if (row_rc == CRM_EINVAL || row_rc == CRM_NOT_FOUND ||
	    row_rc == CRM_EPERM || row_rc == CRM_EPRECOND) {
		o.out = BAD;
		/* The field a check named ("tags[3]": column tags), else
		 * the word its message starts with ("birthday: ..."). */
		if (o.column == NULL && ctx->field[0]) {
			o.column = field_column(ctx, ctx->field);
		}
		if (o.column == NULL) {
			o.column = column_of(ctx, ctx->msg);
		}
	} else if (row_rc == CRM_EXISTS) {
		/* Another spelling of an existing name. */
		o.out = EXISTS;
	} else if (row_rc != CRM_OK) {
		rc = row_rc; /* map full, internal: the whole batch */
	}
	/* a row's details are the row's, not the batch's */
	ctx->field[0] = '\0';
	ctx->existing_id = 0;
	Crm__V1__ImportResult *r = set_result(rs, row, i, o.out,
	    o.out != ADDED ? ctx->msg
	    : o.note       ? o.note
	                   : "",
	    o.column);
	if (o.id != 0) {
		r->has_id = 1;
		r->id = o.id;
	}
	if (o.out == ADDED && o.history_only) {
		r->has_history_only = r->history_only = 1;
	}
	if (rc != CRM_OK) {
		/* The batch fails: its message names the row in the file. */
		char m[sizeof(ctx->msg)];
		snprintf(m, sizeof(m), "%s",
		    ctx->msg[0] ? ctx->msg : crm_strerror(rc));
		dispatch_fail(ctx, rc, "row %u: %.480s", r->row, m);
	}
	crm_arena_release(ctx->arena, mark);
	*added =
	    rc == CRM_OK && (o.out == ADDED || (o.out == EXISTS && o.keep));
	*clean = store_writes == writes;
	return rc;
}

/*
 * One pass over the rows in a new transaction *batch under outer. Rows
 * before first_nested run in *batch directly; a row among them that is
 * not added and wrote something ends the pass (*stopped_at: its index;
 * n_rows when none did), and *batch may then hold part of it (one that
 * wrote nothing, say there already, needs no undoing: the pass goes on).
 * Row `skip` is left out (its result is the one a pass before gave it).
 * Rows from first_nested on run each in a transaction of its own under
 * *batch, kept only when the row is added, so a bad row is undone alone.
 */
static crm_status
run_pass(struct req_ctx *ctx, row_fn fn, const Crm__V1__ImportRequest *q,
    MDB_txn *outer, MDB_txn **batch, size_t first_nested, size_t skip,
    struct results *rs, size_t *stopped_at)
{
	*stopped_at = q->n_rows;
	crm_status rc = store_nested_begin(ctx->st, outer, batch);
	for (size_t i = 0; i < q->n_rows && rc == CRM_OK; i++) {
		int added = 0, clean = 0;
		if (i == skip || !rs->ok[i]) {
			continue; /* its result is there already */
		}
		if (i < first_nested) {
			rc = run_row(ctx, fn, q->rows[i], i, *batch, rs,
			    &added, &clean);
			if (rc == CRM_OK && !added && !clean) {
				*stopped_at = i;
				break;
			}
			continue;
		}
		MDB_txn *one;
		rc = store_nested_begin(ctx->st, *batch, &one);
		if (rc != CRM_OK) {
			break;
		}
		rc = run_row(ctx, fn, q->rows[i], i, one, rs, &added, &clean);
		if (added) {
			rc = store_nested_commit(one);
		} else {
			store_nested_abort(one);
		}
	}
	ctx->txn = outer;
	if (rc == CRM_OK) {
		ctx->msg[0] = '\0'; /* else: the row that stopped the batch */
	}
	if (rc != CRM_OK && *batch != NULL) {
		store_nested_abort(*batch);
		*batch = NULL;
	}
	return rc;
}

/* Results of a batch not written (a bad row, a dry run): an added row
 * names no id, nor one found as an earlier added row of the batch; the
 * ids were given out in a transaction that does not stand, and go to
 * the next records written. */
static void
unname_unwritten(struct results *rs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		Crm__V1__ImportResult *r = &rs->res[i];
		if (r->outcome != ADDED || !r->has_id) {
			continue;
		}
		for (size_t j = i + 1; j < n; j++) {
			Crm__V1__ImportResult *x = &rs->res[j];
			if (x->outcome == EXISTS && x->has_id &&
			    x->id == r->id) {
				x->has_id = 0;
				x->id = 0;
			}
		}
		r->has_id = 0;
		r->id = 0;
	}
}

/*
 * A batch runs its rows in one transaction directly: a transaction of
 * LMDB's costs two large allocations and a copy of each page it touches,
 * too much for every row. A row that is not added (bad, or there
 * already) may have written part of itself, so the first such row k
 * that wrote something makes the pass start again: rows before k
 * directly (they were added, or wrote nothing), k left out with its
 * result, and each row after k in a transaction of its own. Should a row
 * before k do otherwise the second time, a third pass runs every row in
 * its own transaction. (A row there already writes nothing: a file
 * imported again, or dry-run, runs in one pass.)
 */
crm_status
import_batch_run(struct req_ctx *ctx, const Crm__V1__ImportRequest *q,
    enum import_keep how, Crm__V1__ImportReply **reply)
{
	static const row_fn kinds[] = {
		[CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS] = row_customer_add,
		[CRM__V1__IMPORT_KIND__IMPORT_CONTACTS] = row_contact_add,
		[CRM__V1__IMPORT_KIND__IMPORT_FOLLOWUPS] = row_followup_log,
		[CRM__V1__IMPORT_KIND__IMPORT_PURCHASES] = row_purchase_add,
	};
	int kind = q->has_kind ? (int)q->kind : 0;
	if (kind <= 0 || (size_t)kind >= sizeof(kinds) / sizeof(kinds[0])) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.kind",
		    "import customers, contacts, followups or purchases");
	}
	if (q->n_rows > MAX_ROWS) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "import_batch.rows", "at most %d rows per batch",
		    MAX_ROWS);
	}
	Crm__V1__ImportReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	struct results rs = {
		crm_arena_alloc(ctx->arena, (q->n_rows + 1) * sizeof(*rs.res)),
		crm_arena_alloc(ctx->arena, (q->n_rows + 1) * MSG_MAX),
		crm_arena_alloc(ctx->arena, (q->n_rows + 1) * 40),
		crm_arena_alloc(ctx->arena, q->n_rows + 1),
	};
	Crm__V1__ImportResult **resp_rows =
	    crm_arena_alloc(ctx->arena, (q->n_rows + 1) * sizeof(*resp_rows));
	if (out == NULL || rs.res == NULL || resp_rows == NULL ||
	    rs.msgs == NULL || rs.cols == NULL || rs.ok == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__import_reply__init(out);
	for (size_t i = 0; i < q->n_rows; i++) {
		rs.ok[i] = (unsigned char)check_row(q->rows[i], i, &rs);
	}
	row_fn fn = kinds[kind];
	MDB_txn *outer = ctx->txn, *batch = NULL;
	size_t n = q->n_rows, k, again;
	int changed = ctx->changed;
	ctx->importing = 1;
	crm_status rc = run_pass(ctx, fn, q, outer, &batch, n, n, &rs, &k);
	if (rc == CRM_OK && k < n) {
		store_nested_abort(batch);
		rc =
		    run_pass(ctx, fn, q, outer, &batch, k + 1, k, &rs, &again);
		if (rc == CRM_OK && again < n) {
			store_nested_abort(batch);
			rc = run_pass(
			    ctx, fn, q, outer, &batch, 0, n, &rs, &again);
		}
	}
	ctx->importing = 0;
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		Crm__V1__ImportResult *r = &rs.res[i];
		resp_rows[out->n_results++] = r;
		out->added += r->outcome == ADDED;
		out->existing += r->outcome == EXISTS;
		out->bad += r->outcome == BAD;
	}
	int keep =
	    how == IMPORT_KEEP_ADDED ||
	    (how == IMPORT_KEEP_CHECKED && (out->bad == 0 || q->skip_bad));
	if (keep) {
		rc = store_nested_commit(batch);
		if (rc != CRM_OK) {
			return rc;
		}
	} else {
		store_nested_abort(batch);
		ctx->changed = changed; /* nothing of it stands */
		unname_unwritten(&rs, n);
	}
	out->results = resp_rows;
	out->has_added = out->has_existing = out->has_bad = 1;
	out->has_written = 1;
	/* added rows, or one there already that completed it (keep) */
	out->written = how == IMPORT_KEEP_CHECKED && keep &&
	               (out->added > 0 || (ctx->changed && !changed));
	*reply = out;
	return CRM_OK;
}

crm_status
import_handle_batch(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__ImportRequest *q = req->import_batch;
	if (q->has_dry_run_id) {
		return import_dry_handle(ctx, q, resp);
	}
	Crm__V1__ImportReply *out = NULL;
	crm_status rc = import_batch_run(
	    ctx, q, q->dry_run ? IMPORT_KEEP_NONE : IMPORT_KEEP_CHECKED, &out);
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_IMPORT_REPLY;
	resp->import_reply = out;
	return CRM_OK;
}
