/* SPDX-License-Identifier: MIT */
/*
 * cmd_customer.c: the customer commands: add, show, edit, list, find,
 * assign, and the team pool's: release, handover, pool list and claim,
 * policy pool. Every command that receives customers feeds their names to the
 * completion cache. Field values are checked here only where the shell
 * can say something more helpful than the server (enum words, dates).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "commands.h"
#include "import_map.h"
#include "suggest.h"

#define MAX_PAGES 10000 /* a bound on `list`, whatever the server says */

static const char *const list_cols[] = { "id", "name", "kind", "stage",
	"grade", "owner", "industry", "region", "last_contact_at" };
static const char *const contact_cols[] = { "id", "name", "title", "phones",
	"email", "role", "left", "verified" };
/* Shown by `show`: everything but internal ids. */
static const char *const show_skip[] = { "owner_id", "team_id", "created_by",
	"checked_by_id", NULL };

void
cmd_customer_cache(Crm__V1__Customer *const *c, size_t n)
{
	const char **names = crm_xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		names[i] = c[i]->name;
	}
	cache_add(names, n);
	free(names);
}

/* Parse an option taking an enum into *value and *has. */
static crm_status
opt_enum(struct cmd_ctx *ctx, const struct cmd_call *call, const char *opt,
    const ProtobufCEnumDescriptor *d, protobuf_c_boolean *has, int *value)
{
	const char *text = cmd_opt(call, opt);
	if (text == NULL) {
		return CRM_OK;
	}
	*has = 1;
	return cmd_parse_enum(ctx, call, d, opt + 2, text, value);
}

static crm_status
opt_day(struct cmd_ctx *ctx, const struct cmd_call *call, const char *opt,
    char **field)
{
	const char *text = cmd_opt(call, opt);
	if (text == NULL) {
		return CRM_OK;
	}
	if (!crm_time_valid_day(text)) {
		return cmd_usage_error(ctx, call,
		    "%s wants MM-DD or YYYY-MM-DD, not '%s'", opt, text);
	}
	*field = (char *)text;
	return CRM_OK;
}

/* Fill c (on the caller's stack) from the options of `customer add`. The
 * tag array is allocated: the caller frees c->tags. */
static crm_status
customer_from_opts(
    struct cmd_ctx *ctx, const struct cmd_call *call, Crm__V1__Customer *c)
{
	crm_status rc = CRM_OK;
	int v;
	const char *s;

	c->name = call->argv[0];
	c->industry = (char *)cmd_opt(call, "--industry");
	c->source = (char *)cmd_opt(call, "--source");
	c->region = (char *)cmd_opt(call, "--region");
	c->website = (char *)cmd_opt(call, "--website");
	c->licence_no = (char *)cmd_opt(call, "--licence");
	c->notes = (char *)cmd_opt(call, "--notes");
	c->pain_points = (char *)cmd_opt(call, "--pain-points");
	c->purchase_intent = (char *)cmd_opt(call, "--purchase-intent");
	c->budget_range = (char *)cmd_opt(call, "--budget-range");
	c->timeline = (char *)cmd_opt(call, "--timeline");
	c->decision_chain = (char *)cmd_opt(call, "--decision-chain");
	v = 0;
	if ((rc = opt_enum(ctx, call, "--value-tier",
	         &crm__v1__level__descriptor, &c->has_value_tier, &v)) !=
	    CRM_OK) {
		return rc;
	}
	c->value_tier = (Crm__V1__Level)v;
	v = 0;
	if ((rc = opt_enum(ctx, call, "--urgency", &crm__v1__level__descriptor,
	         &c->has_urgency, &v)) != CRM_OK) {
		return rc;
	}
	c->urgency = (Crm__V1__Level)v;
	v = 0;
	if ((rc = opt_enum(ctx, call, "--kind",
	         &crm__v1__customer_kind__descriptor, &c->has_kind, &v)) !=
	    CRM_OK) {
		return rc;
	}
	c->kind = (Crm__V1__CustomerKind)v;
	if ((rc = opt_enum(ctx, call, "--grade", &crm__v1__grade__descriptor,
	         &c->has_grade, &v)) != CRM_OK) {
		return rc;
	}
	c->grade = (Crm__V1__Grade)v;
	if ((rc = opt_enum(ctx, call, "--stage", &crm__v1__stage__descriptor,
	         &c->has_stage, &v)) != CRM_OK) {
		return rc;
	}
	c->stage = (Crm__V1__Stage)v;
	if ((s = cmd_opt(call, "--reason")) != NULL && s[0] != '\0') {
		if (c->stage != CRM__V1__STAGE__STAGE_LOST) {
			return cmd_usage_error(
			    ctx, call, "--reason goes with --stage lost");
		}
		c->has_lost_reason = 1;
		c->lost_reason = (Crm__V1__LostReason)cmd_lost_reason(s);
		c->lost_text = (char *)s;
	}
	if ((s = cmd_opt(call, "--employees")) != NULL) {
		char *end = NULL;
		errno = 0;
		unsigned long n = strtoul(s, &end, 10);
		if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
		    n > UINT32_MAX) {
			return cmd_usage_error(ctx, call,
			    "--employees wants a number, not '%s'", s);
		}
		c->has_employees = 1;
		c->employees = (uint32_t)n;
	}
	if ((s = cmd_opt(call, "--revenue")) != NULL) {
		if (crm_money_parse(s, &c->annual_revenue) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--revenue wants an amount like 1200000 or "
			    "12,000.50, not '%s'",
			    s);
		}
		c->has_annual_revenue = 1;
	}
	if ((s = cmd_opt(call, "--first-contact")) != NULL) {
		if (crm_time_parse_past(
		        s, crm_time_now(), &c->first_contact_at) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--first-contact: cannot read the time '%s'", s);
		}
		c->has_first_contact_at = 1;
	}
	c->age_range = (char *)cmd_opt(call, "--age-range");
	if ((rc = opt_day(ctx, call, "--birthday", &c->birthday)) != CRM_OK ||
	    (rc = opt_day(ctx, call, "--anniversary", &c->anniversary)) !=
	        CRM_OK) {
		return rc;
	}
	c->tags = crm_xcalloc(call->nopts + 1, sizeof(char *));
	for (size_t i = 0; i < call->nopts; i++) {
		if (strcmp(call->opts[i].opt->name, "--tag") == 0) {
			c->tags[c->n_tags++] = (char *)call->opts[i].value;
		}
	}
	return CRM_OK;
}

/* "2026-12-09 10:00" of t into buf, or "" for 0. */
static const char *
when(int64_t t, char *buf, size_t len)
{
	buf[0] = '\0';
	if (t != 0) {
		crm_time_format(t, buf, len);
	}
	return buf;
}

/* "shown of total" under a card list when some were left out; not in
 * JSON (json), whose document has the totals. */
static void
card_more(
    render_doc *out, size_t shown, uint32_t total, const char *how, bool json)
{
	if (total > shown && !json) {
		render_text(
		    out, "... and %u more (%s)", total - (unsigned)shown, how);
	}
}

/* The card (customer.get): what to know before a call. */
static void
show_card(const Crm__V1__CustomerReply *r, render_doc *out, bool json)
{
	char t[32], t2[32];
	const Crm__V1__FollowUp *f = r->last_followup;
	render_record(out);
	if (f != NULL) {
		char *line = crm_xasprintf("%s %s%s%s: %s",
		    when(f->happened_at, t, sizeof(t)),
		    crm_enum_name(&crm__v1__channel__descriptor, f->channel),
		    f->author ? " by " : "", f->author ? f->author : "",
		    f->summary ? f->summary : "");
		render_kv(out, "last follow-up", line);
		free(line);
		if (f->feedback && *f->feedback) {
			render_kv(out, "  feedback", f->feedback);
		}
		if (f->has_mood && f->mood != 0) {
			render_kv(out, "  mood",
			    crm_enum_name(
			        &crm__v1__mood__descriptor, f->mood));
		}
		if (f->next_action && *f->next_action) {
			render_kv(out, "  next action", f->next_action);
		}
	} else {
		render_kv(out, "last follow-up", "none yet");
	}
	const Crm__V1__Task *n = r->next_followup;
	if (n != NULL) {
		char *line =
		    crm_xasprintf("%s (%s): %s", when(n->due_at, t, sizeof(t)),
		        n->owner ? n->owner : "", n->goal ? n->goal : "");
		render_kv(out, "next follow-up", line);
		free(line);
	} else {
		render_kv(out, "next follow-up", "none");
	}
	if (r->n_open_tasks > 0) {
		static const char *const cols[] = { "open task", "due", "kind",
			"owner", "goal" };
		render_table(out, 5, cols);
		for (size_t i = 0; i < r->n_open_tasks; i++) {
			const Crm__V1__Task *x = r->open_tasks[i];
			char id[24];
			snprintf(id, sizeof(id), "%" PRIu64, x->id);
			const char *cells[] = { id,
				when(x->due_at, t, sizeof(t)),
				crm_task_kind_word(x->kind), x->owner,
				x->goal };
			render_row(out, cells);
		}
		card_more(
		    out, r->n_open_tasks, r->open_tasks_total, "due", json);
	}
	if (r->n_open_commitments > 0) {
		static const char *const cols[] = { "commitment", "due",
			"status", "owner", "text" };
		render_table(out, 5, cols);
		for (size_t i = 0; i < r->n_open_commitments; i++) {
			const Crm__V1__Commitment *x = r->open_commitments[i];
			char id[24];
			snprintf(id, sizeof(id), "%" PRIu64, x->id);
			const char *cells[] = { id,
				when(x->due_at, t, sizeof(t)),
				crm_enum_name(
				    &crm__v1__commitment_status__descriptor,
				    x->status),
				x->owner, x->text };
			render_row(out, cells);
		}
		card_more(out, r->n_open_commitments,
		    r->open_commitments_total, "commitments", json);
	}
	size_t n_objections = 0;
	for (size_t i = 0; i < r->n_running_clocks; i++) {
		n_objections += r->running_clocks[i]->kind ==
		                CRM__V1__SLA_KIND__SLA_OBJECTION;
	}
	if (n_objections > 0) {
		static const char *const cols[] = { "open issue", "since",
			"owner", "escalated to", "text" };
		render_table(out, 5, cols);
		for (size_t i = 0; i < r->n_running_clocks; i++) {
			const Crm__V1__SlaClock *x = r->running_clocks[i];
			if (x->kind != CRM__V1__SLA_KIND__SLA_OBJECTION) {
				continue;
			}
			char id[24];
			snprintf(id, sizeof(id), "%" PRIu64, x->id);
			const char *cells[] = { id,
				when(x->started_at, t, sizeof(t)),
				x->owner ? x->owner : "",
				x->escalated_to ? x->escalated_to : "",
				x->text };
			render_row(out, cells);
		}
	}
	if (r->n_running_clocks > n_objections) {
		static const char *const cols[] = { "SLA clock", "kind",
			"started", "deadline", "late", "text" };
		render_table(out, 6, cols);
		for (size_t i = 0; i < r->n_running_clocks; i++) {
			const Crm__V1__SlaClock *x = r->running_clocks[i];
			if (x->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
				continue;
			}
			char id[24];
			snprintf(id, sizeof(id), "%" PRIu64, x->id);
			const char *cells[] = { id,
				crm_enum_name(
				    &crm__v1__sla_kind__descriptor, x->kind),
				when(x->started_at, t2, sizeof(t2)),
				when(x->deadline_at, t, sizeof(t)),
				x->breached ? "yes" : "", x->text };
			render_row(out, cells);
		}
		card_more(out, r->n_running_clocks, r->running_clocks_total,
		    "sla", json);
	}
}

/* Show a CustomerReply: the customer as a record, then its contacts. */
static void
show_reply(
    const Crm__V1__CustomerReply *r, render_doc *out, bool contacts, bool json)
{
	if (r->customer != NULL) {
		render_message_record(out, &r->customer->base, show_skip);
		render_kv(out, "record check",
		    r->customer->checked_at ? "checked" : "not checked yet");
		if (r->customer->late_entry) {
			render_kv(out, "entry",
			    "late: entered more than 24 h after the first "
			    "contact");
		}
		cmd_customer_cache(&r->customer, 1);
	}
	if (r->proposal != NULL && r->customer != NULL) {
		render_text(out,
		    "grade %s proposed to your manager (proposal %" PRIu64
		    "); the grade is %s until it is approved",
		    crm_enum_name(
		        &crm__v1__grade__descriptor, r->proposal->grade_to),
		    r->proposal->id,
		    crm_enum_name(
		        &crm__v1__grade__descriptor, r->customer->grade));
	}
	/* customer.add: names close to the new one (it was added). */
	for (size_t i = 0; i < r->n_similar; i++) {
		fflush(stdout);
		fprintf(stderr, "warning: similar: %s (id %" PRIu64 ")\n",
		    r->similar[i]->name ? r->similar[i]->name : "",
		    r->similar[i]->id);
	}
	cmd_purchase_show_summary(r->purchases, out);
	if (contacts && r->customer != NULL) {
		show_card(r, out, json);
	}
	if (contacts) {
		render_messages_table(out, 8, contact_cols,
		    (const ProtobufCMessage *const *)r->contacts,
		    r->n_contacts);
	}
}

/* Send a request answered by a CustomerReply, and show it. json_all:
 * the JSON document is the whole reply ({"customer":..,"contacts":..})
 * rather than the customer alone. */
static crm_status
customer_call(
    struct cmd_ctx *ctx, Crm__V1__Request *req, render_doc *out, bool json_all)
{
	Crm__V1__Response *resp = NULL;
	crm_status rc = cmd_request(ctx, req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	if (resp->body_case != CRM__V1__RESPONSE__BODY_CUSTOMER) {
		render_text(out, "done");
		goto out;
	}
	show_reply(
	    resp->customer, out, json_all, ctx->ropts.format == RENDER_JSON);
	if (json_all) {
		render_set_json(
		    out, render_json_message(&resp->customer->base));
	} else if (resp->customer->customer != NULL) {
		render_set_json(
		    out, render_json_message(&resp->customer->customer->base));
	}
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_customer_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAddRequest body = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;

	rc = customer_from_opts(ctx, call, &c);
	if (rc != CRM_OK) {
		goto out;
	}
	body.customer = &c;
	body.owner = (char *)cmd_opt(call, "--owner");
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req.customer_add = &body;
	rc = customer_call(ctx, &req, out, false);
out:
	free(c.tags);
	return rc;
}

crm_status
cmd_customer_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerGetRequest body = CRM__V1__CUSTOMER_GET_REQUEST__INIT;

	/* A name that is no customer's opens the only candidate. */
	crm_status rc = cmd_customer_resolve(ctx, call->argv[0], &body.id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
	req.customer_get = &body;
	return customer_call(ctx, &req, out, true);
}

/* Whether name is a Customer field holding a time (sent as epoch secs). */
static bool
is_time_field(const char *name)
{
	return strcmp(name, "first_contact_at") == 0 ||
	       strcmp(name, "won_at") == 0 || strcmp(name, "lost_at") == 0;
}

/* " (did you mean: a, b?)" for a field name typed wrong, from the
 * Customer's field names and the words import knows for them (预算,
 * 决策链), into buf ("" when none is close). */
static void
field_hint(const char *field, char *buf, size_t len)
{
	const ProtobufCMessageDescriptor *md = &crm__v1__customer__descriptor;
	size_t n = 0, cap = md->n_fields + 256;
	const char **names = crm_xcalloc(cap, sizeof(char *));
	char **owned = crm_xcalloc(cap, sizeof(char *));
	size_t nowned = 0;
	for (unsigned k = 0; k < md->n_fields; k++) {
		if (strcmp(md->fields[k].name, "id") != 0) {
			names[n++] = md->fields[k].name;
		}
	}
	const int kind = CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS;
	for (const struct import_map_field *f = import_map_next(kind, NULL);
	     f != NULL; f = import_map_next(kind, f)) {
		const char *p = import_map_aliases(f);
		while (import_map_is_record(f) && p != NULL && *p != '\0' &&
		       n < cap) {
			const char *bar = strchr(p, '|');
			size_t wl = bar ? (size_t)(bar - p) : strlen(p);
			if (wl > 0) {
				owned[nowned] = crm_xstrndup(p, wl);
				names[n++] = owned[nowned++];
			}
			p = bar ? bar + 1 : NULL;
		}
	}
	suggest_hint(field, names, n, buf, len);
	for (size_t i = 0; i < nowned; i++) {
		free(owned[i]);
	}
	free(owned);
	free(names);
}

crm_status
cmd_customer_edit(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerEditRequest body =
	    CRM__V1__CUSTOMER_EDIT_REQUEST__INIT;
	size_t n = (size_t)call->argc - 1;
	Crm__V1__FieldValue *fv = crm_xcalloc(n, sizeof(*fv));
	Crm__V1__FieldValue **fvp = crm_xcalloc(n, sizeof(*fvp));
	char **owned = crm_xcalloc(3 * n, sizeof(char *));
	size_t nowned = 0;

	rc = cmd_customer_resolve(ctx, call->argv[0], &body.id);
	if (rc != CRM_OK) {
		goto out;
	}
	body.has_id = 1;
	for (size_t i = 0; i < n; i++) {
		const char *arg = call->argv[i + 1];
		const char *eq = strchr(arg, '=');
		if (eq == NULL || eq == arg) {
			rc = cmd_usage_error(
			    ctx, call, "'%s' is not FIELD=VALUE", arg);
			goto out;
		}
		char *field = crm_xstrndup(arg, (size_t)(eq - arg));
		owned[nowned++] = field;
		for (char *p = field; *p; p++) {
			*p = *p == '-' ? '_' : *p;
		}
		const ProtobufCFieldDescriptor *f =
		    protobuf_c_message_descriptor_get_field_by_name(
		        &crm__v1__customer__descriptor, field);
		const char *known =
		    f == NULL ? import_map_customer_field(field) : NULL;
		if (known != NULL) {
			/* A name import knows (预算, 决策链): its field. */
			field = crm_xstrdup(known);
			owned[nowned++] = field;
			f = protobuf_c_message_descriptor_get_field_by_name(
			    &crm__v1__customer__descriptor, field);
		}
		if (f == NULL || strcmp(field, "id") == 0) {
			char hint[256];
			field_hint(field, hint, sizeof(hint));
			rc = cmd_usage_error(ctx, call,
			    "no customer field '%s'%s%s", field, hint,
			    ctx->interactive ? " (press TAB after 'customer "
			                       "edit ID ' for the list)"
			                     : "");
			goto out;
		}
		crm__v1__field_value__init(&fv[i]);
		fv[i].field = field;
		fv[i].value = (char *)(eq + 1);
		if (is_time_field(field) && eq[1] != '\0') {
			int64_t t;
			if (crm_time_parse(eq + 1, crm_time_now(), &t) !=
			    CRM_OK) {
				rc = cmd_usage_error(ctx, call,
				    "%s: cannot read the time '%s'", field,
				    eq + 1);
				goto out;
			}
			fv[i].value = crm_xasprintf("%lld", (long long)t);
			owned[nowned++] = fv[i].value;
		}
		fvp[i] = &fv[i];
	}
	body.n_fields = n;
	body.fields = fvp;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_EDIT;
	req.customer_edit = &body;
	rc = customer_call(ctx, &req, out, false);
out:
	for (size_t i = 0; i < nowned; i++) {
		free(owned[i]);
	}
	free(owned);
	free(fvp);
	free(fv);
	return rc;
}

/* Show customers gathered from pages as a table and a JSON array. */
static void
show_customers(render_doc *out, Crm__V1__Customer **c, size_t n,
    const char *const *cols, size_t ncols)
{
	render_messages(
	    out, ncols, cols, (const ProtobufCMessage *const *)c, n);
	cmd_customer_cache(c, n);
}

/*
 * Send req (a list or find request) page by page: set_cursor stores the
 * cursor in the request body. All pages are kept until shown.
 */
static crm_status
fetch_pages_cols(struct cmd_ctx *ctx, Crm__V1__Request *req,
    void (*set_cursor)(Crm__V1__Request *, uint64_t), render_doc *out,
    const char *const *cols, size_t ncols)
{
	crm_status rc = CRM_OK;
	Crm__V1__Response **pages = NULL;
	Crm__V1__Customer **all = NULL;
	size_t npages = 0, n = 0;
	uint64_t cursor = 0;

	do {
		Crm__V1__Response *resp = NULL;
		set_cursor(req, cursor);
		rc = cmd_request(ctx, req, &resp);
		if (rc != CRM_OK) {
			goto out;
		}
		pages = crm_xrealloc(pages, (npages + 1) * sizeof(*pages));
		pages[npages++] = resp;
		if (resp->body_case != CRM__V1__RESPONSE__BODY_CUSTOMERS) {
			break;
		}
		const Crm__V1__CustomerPage *p = resp->customers;
		all =
		    crm_xrealloc(all, (n + p->n_customers + 1) * sizeof(*all));
		if (p->n_customers > 0) {
			memcpy(all + n, p->customers,
			    p->n_customers * sizeof(*all));
		}
		n += p->n_customers;
		/* A cursor that does not move would loop forever. */
		if (p->next_cursor != 0 && p->next_cursor == cursor) {
			cmd_error("the server repeated cursor %llu; stopping",
			    (unsigned long long)cursor);
			break;
		}
		cursor = p->next_cursor;
	} while (cursor != 0 && npages < MAX_PAGES);
	show_customers(out, all, n, cols, ncols);
out:
	for (size_t i = 0; i < npages; i++) {
		crm__v1__response__free_unpacked(pages[i], NULL);
	}
	free(pages);
	free(all);
	return rc;
}

static crm_status
fetch_pages(struct cmd_ctx *ctx, Crm__V1__Request *req,
    void (*set_cursor)(Crm__V1__Request *, uint64_t), render_doc *out)
{
	return fetch_pages_cols(ctx, req, set_cursor, out, list_cols,
	    sizeof(list_cols) / sizeof(*list_cols));
}

static void
list_cursor(Crm__V1__Request *req, uint64_t cursor)
{
	req->customer_list->has_cursor = cursor != 0;
	req->customer_list->cursor = cursor;
}

static void
find_cursor(Crm__V1__Request *req, uint64_t cursor)
{
	req->customer_find->has_cursor = cursor != 0;
	req->customer_find->cursor = cursor;
}

crm_status
cmd_customer_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerListRequest body =
	    CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
	int v = 0;

	body.owner = (char *)cmd_opt(call, "--owner");
	body.tag = (char *)cmd_opt(call, "--tag");
	body.has_unchecked = body.unchecked =
	    cmd_opt(call, "--unchecked") != NULL;
	body.has_missing_minutes = body.missing_minutes =
	    cmd_opt(call, "--missing-minutes") != NULL;
	if ((rc = opt_enum(ctx, call, "--stage", &crm__v1__stage__descriptor,
	         &body.has_stage, &v)) != CRM_OK) {
		return rc;
	}
	body.stage = (Crm__V1__Stage)v;
	if ((rc = opt_enum(ctx, call, "--grade", &crm__v1__grade__descriptor,
	         &body.has_grade, &v)) != CRM_OK) {
		return rc;
	}
	body.grade = (Crm__V1__Grade)v;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
	req.customer_list = &body;
	return fetch_pages(ctx, &req, list_cursor, out);
}

crm_status
cmd_customer_find(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerFindRequest body =
	    CRM__V1__CUSTOMER_FIND_REQUEST__INIT;
	size_t len = 0;
	char *text;

	/* Several words are one search text: `customer find 华东 机电`. */
	for (int i = 0; i < call->argc; i++) {
		len += strlen(call->argv[i]) + 1;
	}
	text = crm_xcalloc(1, len + 1);
	for (int i = 0; i < call->argc; i++) {
		if (i > 0) {
			strcat(text, " ");
		}
		strcat(text, call->argv[i]);
	}
	body.text = text;
	body.has_followups = body.followups =
	    cmd_opt(call, "--followups") != NULL;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_FIND;
	req.customer_find = &body;
	rc = fetch_pages(ctx, &req, find_cursor, out);
	free(text);
	return rc;
}

crm_status
cmd_customer_assign(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAssignRequest body =
	    CRM__V1__CUSTOMER_ASSIGN_REQUEST__INIT;

	rc = cmd_customer_resolve(ctx, call->argv[0], &body.id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_id = 1;
	body.owner = call->argv[1];
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ASSIGN;
	req.customer_assign = &body;
	render_text(out, "customer %llu assigned to %s",
	    (unsigned long long)body.id, call->argv[1]);
	return customer_call(ctx, &req, out, false);
}

/* "3 contacts, 1 follow-up, ..." of what a merge moves, into buf; "no
 * records" when nothing. */
static void
merge_counts(const Crm__V1__MergePreview *p, char *buf, size_t len)
{
	const struct {
		uint32_t n;
		const char *one, *many;
	} parts[] = {
		{ p->contact_count, "contact", "contacts" },
		{ p->followup_count, "follow-up", "follow-ups" },
		{ p->task_count, "task", "tasks" },
		{ p->commitment_count, "commitment", "commitments" },
		{ p->sla_clock_count, "SLA clock", "SLA clocks" },
		{ p->proposal_count, "grade proposal", "grade proposals" },
		{ p->purchase_count, "purchase", "purchases" },
	};
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (parts[i].n == 0 || o >= len) {
			continue;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%u %s",
		    o ? ", " : "", parts[i].n,
		    parts[i].n == 1 ? parts[i].one : parts[i].many);
	}
	if (o == 0) {
		snprintf(buf, len, "no records");
	}
}

/* "华东机电厂 (id 2, owner li)" */
static char *
merge_who(const Crm__V1__Customer *c)
{
	return crm_xasprintf("%s (id %" PRIu64 "%s%s)", c->name ? c->name : "",
	    c->id, c->owner && *c->owner ? ", owner " : "",
	    c->owner && *c->owner ? c->owner : "");
}

crm_status
cmd_customer_merge(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerMergeRequest body =
	    CRM__V1__CUSTOMER_MERGE_REQUEST__INIT;
	Crm__V1__Response *prev = NULL;
	char counts[512];

	if ((rc = cmd_customer_resolve(ctx, call->argv[0], &body.keep)) !=
	        CRM_OK ||
	    (rc = cmd_customer_resolve(ctx, call->argv[1], &body.drop)) !=
	        CRM_OK) {
		return rc;
	}
	if (body.keep == body.drop) {
		return cmd_usage_error(
		    ctx, call, "KEEP and DROP are the same customer");
	}
	body.has_keep = body.has_drop = 1;
	/* What would move, before anything does. */
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_MERGE_PREVIEW;
	req.customer_merge_preview = &body;
	rc = cmd_expect(
	    ctx, &req, CRM__V1__RESPONSE__BODY_MERGE_PREVIEW, &prev);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__MergePreview *p = prev->merge_preview;
	if (p->keep == NULL || p->drop == NULL) {
		cmd_error("the server's merge preview names no customers");
		crm__v1__response__free_unpacked(prev, NULL);
		return CRM_INTERNAL;
	}
	char *keep = merge_who(p->keep), *drop = merge_who(p->drop);
	merge_counts(p, counts, sizeof(counts));
	if (cmd_opt(call, "--yes") == NULL && ctx->stdin_tty) {
		fflush(stdout);
		fprintf(stderr,
		    "merge %s\n"
		    " into %s\n"
		    "moves %s; %s is then closed (kept as merged)\n",
		    drop, keep, counts, p->drop->name ? p->drop->name : "");
	}
	rc = cmd_confirm(ctx, call, "merge?");
	if (rc == CRM_OK) {
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_MERGE;
		req.customer_merge = &body;
		render_text(out, "customer %s merged into %s; moved %s", drop,
		    keep, counts);
		rc = customer_call(ctx, &req, out, false);
	}
	free(keep);
	free(drop);
	crm__v1__response__free_unpacked(prev, NULL);
	return rc;
}

crm_status
cmd_customer_check(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerCheckRequest body =
	    CRM__V1__CUSTOMER_CHECK_REQUEST__INIT;

	rc = cmd_customer_resolve(ctx, call->argv[0], &body.id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_CHECK;
	req.customer_check = &body;
	render_text(out, "customer %llu checked", (unsigned long long)body.id);
	return customer_call(ctx, &req, out, false);
}

/* ------------------------------------------------------------ pool */

/* The team pool (公海, issue 16). */
static const char *const pool_cols[] = { "id", "name", "grade", "stage",
	"team", "last_contact_at", "pooled_at", "pool_from", "pool_reason" };

crm_status
cmd_customer_release(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerReleaseRequest body =
	    CRM__V1__CUSTOMER_RELEASE_REQUEST__INIT;
	crm_status rc = cmd_customer_resolve(ctx, call->argv[0], &body.id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_id = 1;
	body.reason = call->argv[1];
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_RELEASE;
	req.customer_release = &body;
	render_text(out, "customer %llu put in the team pool",
	    (unsigned long long)body.id);
	return customer_call(ctx, &req, out, false);
}

crm_status
cmd_pool_claim(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PoolClaimRequest body = CRM__V1__POOL_CLAIM_REQUEST__INIT;
	/* A pool customer is not in the caller's own list: a name is
	 * looked up in the pool. */
	crm_status rc =
	    cmd_customer_id(call->argv[0], &body.id) ? CRM_OK : CRM_EINVAL;
	if (rc != CRM_OK) {
		Crm__V1__Request lreq = CRM__V1__REQUEST__INIT;
		Crm__V1__PoolListRequest l = CRM__V1__POOL_LIST_REQUEST__INIT;
		uint64_t cursor = 0;
		int pages = 0;
		lreq.body_case = CRM__V1__REQUEST__BODY_POOL_LIST;
		lreq.pool_list = &l;
		l.has_limit = 1;
		l.limit = CRM_POOL_PAGE_MAX;
		do {
			Crm__V1__Response *resp = NULL;
			l.has_cursor = cursor != 0;
			l.cursor = cursor;
			rc = cmd_expect(ctx, &lreq,
			    CRM__V1__RESPONSE__BODY_CUSTOMERS, &resp);
			if (rc != CRM_OK) {
				if (conn_fate(ctx->conn) != CONN_ANSWERED) {
					cmd_customer_offline_hint(
					    ctx, call->argv[0]);
				}
				return rc;
			}
			const Crm__V1__CustomerPage *p = resp->customers;
			for (size_t i = 0; i < p->n_customers; i++) {
				if (p->customers[i]->name != NULL &&
				    strcmp(p->customers[i]->name,
				        call->argv[0]) == 0) {
					body.id = p->customers[i]->id;
				}
			}
			cursor = p->next_cursor == cursor ? 0 : p->next_cursor;
			crm__v1__response__free_unpacked(resp, NULL);
		} while (body.id == 0 && cursor != 0 && ++pages < MAX_PAGES);
		if (body.id == 0) {
			/* Not in the pool: a customer the caller sees by
			 * exactly that name (their own, a colleague's) is
			 * claimed by id, so the server says why not ("is
			 * already yours", "li has it"); else none. Not a
			 * usage error (exit 1, not 2). */
			Crm__V1__Request greq = CRM__V1__REQUEST__INIT;
			Crm__V1__CustomerGetRequest g =
			    CRM__V1__CUSTOMER_GET_REQUEST__INIT;
			Crm__V1__Response *gr = NULL;
			g.name = call->argv[0];
			greq.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
			greq.customer_get = &g;
			if (cmd_request_quiet(ctx, &greq, &gr) == CRM_OK &&
			    gr->body_case ==
			        CRM__V1__RESPONSE__BODY_CUSTOMER &&
			    gr->customer->customer != NULL &&
			    gr->customer->customer->has_id) {
				body.id = gr->customer->customer->id;
			}
			if (gr != NULL) {
				crm__v1__response__free_unpacked(gr, NULL);
			}
		}
		if (body.id == 0) {
			cmd_error("no customer '%s' in your team's pool: "
			          "claim one by its full name or id (pool "
			          "list)",
			    call->argv[0]);
			return CRM_NOT_FOUND;
		}
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_POOL_CLAIM;
	req.pool_claim = &body;
	render_text(
	    out, "customer %llu is yours now", (unsigned long long)body.id);
	return customer_call(ctx, &req, out, false);
}

static void
pool_cursor(Crm__V1__Request *req, uint64_t cursor)
{
	req->pool_list->has_cursor = cursor != 0;
	req->pool_list->cursor = cursor;
}

crm_status
cmd_pool_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PoolListRequest body = CRM__V1__POOL_LIST_REQUEST__INIT;
	body.team = (char *)cmd_opt(call, "--team");
	req.body_case = CRM__V1__REQUEST__BODY_POOL_LIST;
	req.pool_list = &body;
	return fetch_pages_cols(ctx, &req, pool_cursor, out, pool_cols,
	    sizeof(pool_cols) / sizeof(*pool_cols));
}

static void
handover_cursor(Crm__V1__Request *req, uint64_t cursor)
{
	req->customer_handover->has_cursor = cursor != 0;
	req->customer_handover->cursor = cursor;
}

crm_status
cmd_customer_handover(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerHandoverRequest body =
	    CRM__V1__CUSTOMER_HANDOVER_REQUEST__INIT;
	int stage = 0, grade = 0;
	body.from_user = call->argv[0];
	body.to_user = call->argv[1];
	crm_status rc = opt_enum(ctx, call, "--stage",
	    &crm__v1__stage__descriptor, &body.has_stage, &stage);
	if (rc == CRM_OK) {
		rc = opt_enum(ctx, call, "--grade",
		    &crm__v1__grade__descriptor, &body.has_grade, &grade);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	body.stage = (Crm__V1__Stage)stage;
	body.grade = (Crm__V1__Grade)grade;
	body.has_dry_run = 1;
	body.dry_run = cmd_opt(call, "--dry-run") != NULL;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HANDOVER;
	req.customer_handover = &body;
	/* In batches of at most 200 customers a request (each its own
	 * write); the list is every customer moved, or that would move. */
	render_text(out,
	    body.dry_run ? "would hand these customers of %s to %s "
	                   "(dry run: nothing changed)"
	                 : "handed these customers of %s to %s",
	    call->argv[0], call->argv[1]);
	return fetch_pages_cols(ctx, &req, handover_cursor, out, list_cols,
	    sizeof(list_cols) / sizeof(*list_cols));
}

/* Read a count option (0: no limit) into *v and *has. */
static crm_status
opt_count(struct cmd_ctx *ctx, const struct cmd_call *call, const char *opt,
    protobuf_c_boolean *has, uint32_t *v)
{
	const char *text = cmd_opt(call, opt);
	if (text == NULL) {
		return CRM_OK;
	}
	char *end = NULL;
	unsigned long n = strtoul(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0' || n > 1000000) {
		return cmd_usage_error(
		    ctx, call, "%s wants a number (0: no limit)", opt);
	}
	*has = 1;
	*v = (uint32_t)n;
	return CRM_OK;
}

crm_status
cmd_policy_pool(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicyPoolRequest set = CRM__V1__POLICY_POOL_REQUEST__INIT;
	Crm__V1__PolicyGetRequest get = CRM__V1__POLICY_GET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	crm_status rc = opt_count(ctx, call, "--claims-per-day",
	    &set.has_claims_per_day, &set.claims_per_day);
	if (rc == CRM_OK) {
		rc = opt_count(
		    ctx, call, "--max-held", &set.has_max_held, &set.max_held);
	}
	const char *cool = cmd_opt(call, "--cooldown");
	if (rc == CRM_OK && cool != NULL) {
		if (strcmp(cool, "0") == 0 || strcmp(cool, "off") == 0) {
			set.cooldown_seconds = 0;
		} else if (crm_time_parse_duration(
		               cool, &set.cooldown_seconds) != CRM_OK) {
			rc = cmd_usage_error(ctx, call,
			    "--cooldown wants a duration (7d, 2w) or 0");
		}
		set.has_cooldown_seconds = 1;
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (set.has_claims_per_day || set.has_max_held ||
	    set.has_cooldown_seconds) {
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_POOL;
		req.policy_pool = &set;
	} else {
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_GET;
		req.policy_get = &get;
	}
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_POLICY, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__PoolLimits *l = resp->policy->pool_limits;
	uint32_t per_day = l ? l->claims_per_day : 0;
	uint32_t held = l ? l->max_held : 0;
	int64_t cd = l ? l->cooldown_seconds : 0;
	char perday_s[32], held_s[32], cd_s[48];
	snprintf(
	    perday_s, sizeof(perday_s), per_day ? "%u" : "no limit", per_day);
	snprintf(held_s, sizeof(held_s), held ? "%u" : "no limit", held);
	if (cd == 0) {
		snprintf(cd_s, sizeof(cd_s), "none");
	} else if (cd % 86400 == 0) {
		snprintf(cd_s, sizeof(cd_s), "%lldd", (long long)(cd / 86400));
	} else {
		snprintf(cd_s, sizeof(cd_s), "%llds", (long long)cd);
	}
	render_text(out,
	    "pool claims per rep: %s a day; customers held (won not "
	    "counted): %s; cool-down before the previous owner may claim "
	    "back: %s",
	    perday_s, held_s, cd_s);
	json_t *j = json_object();
	json_object_set_new(j, "claims_per_day", json_integer(per_day));
	json_object_set_new(j, "max_held", json_integer(held));
	json_object_set_new(j, "cooldown_seconds", json_integer(cd));
	render_set_json(out, j);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
