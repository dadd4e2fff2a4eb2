/* SPDX-License-Identifier: MIT */
/*
 * cmd_audit.c: `audit [CUSTOMER] [--user U] [--from D] [--to D]`: who
 * changed what and when, newest first, each change with the fields it
 * changed before and after. Managers see their team's customers, admins
 * everything; reps are refused (their customers' own timeline is
 * `customer history`). One page per command, like `customer history`:
 * when more follow it says how to ask for the next (`--before CURSOR`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define MAX_EMPTY_PAGES 64 /* empty pages read on before showing one */

crm_status
cmd_audit_filters(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *customer, Crm__V1__AuditListRequest *body)
{
	crm_status rc;
	if (customer != NULL) {
		rc = cmd_customer_resolve(ctx, customer, &body->customer_id);
		if (rc != CRM_OK) {
			return rc;
		}
		body->has_customer_id = 1;
	}
	body->user = (char *)cmd_opt(call, "--user");
	return cmd_report_period(ctx, call, &body->start_at,
	    &body->has_start_at, &body->end_at, &body->has_end_at);
}

/* The record an entry is about: "contact 7", "customer 3". */
static void
record_word(const Crm__V1__AuditEntry *e, char *buf, size_t len)
{
	if (e->has_entity_id && e->entity_id != 0) {
		snprintf(buf, len, "%s %" PRIu64, e->entity ? e->entity : "?",
		    e->entity_id);
	} else {
		snprintf(buf, len, "%s", e->entity ? e->entity : "?");
	}
}

/* A change's side: a time field's value in the local time of this
 * shell (the server's text is in its own zone), else the text. */
static const char *
side_text(const char *text, int has_at, int64_t at, char *buf, size_t len)
{
	if (has_at) {
		crm_time_format(at, buf, len);
		return buf;
	}
	return text && *text ? text : "(none)";
}

/* The changes of an entry, one "field: before -> after" a line. */
static char *
changes_text(const Crm__V1__AuditEntry *e)
{
	size_t len = 1;
	for (size_t i = 0; i < e->n_changes; i++) {
		const Crm__V1__AuditChange *c = e->changes[i];
		len += strlen(c->field ? c->field : "") +
		       strlen(c->before ? c->before : "") +
		       strlen(c->after ? c->after : "") + 16;
	}
	char *s = crm_xcalloc(1, len), *p = s;
	for (size_t i = 0; i < e->n_changes; i++) {
		const Crm__V1__AuditChange *c = e->changes[i];
		char tb[32], ta[32];
		const char *b = side_text(
		    c->before, c->has_before_at, c->before_at, tb, sizeof(tb));
		const char *a = side_text(
		    c->after, c->has_after_at, c->after_at, ta, sizeof(ta));
		p += e->created
		         ? snprintf(p, len - (size_t)(p - s), "%s%s: %s",
		               i ? "\n" : "", c->field, a)
		         : snprintf(p, len - (size_t)(p - s), "%s%s: %s -> %s",
		               i ? "\n" : "", c->field, b, a);
	}
	return s;
}

/* An entry as JSON: a time field's before and after RFC 3339 (null when
 * unset) like every other time, not the server's local text. */
static json_t *
entry_json(const Crm__V1__AuditEntry *e)
{
	json_t *o = render_json_message(&e->base);
	json_t *arr = json_object_get(o, "changes");
	for (size_t i = 0; i < e->n_changes && arr != NULL; i++) {
		const Crm__V1__AuditChange *c = e->changes[i];
		json_t *j = json_array_get(arr, i);
		if (j == NULL) {
			break;
		}
		if (c->has_before_at || c->has_after_at) {
			json_object_set_new(j, "before",
			    c->has_before_at ? render_json_time(c->before_at)
			                     : json_null());
			json_object_set_new(j, "after",
			    c->has_after_at ? render_json_time(c->after_at)
			                    : json_null());
		}
		json_object_del(j, "before_at");
		json_object_del(j, "after_at");
	}
	return o;
}

crm_status
cmd_audit_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "time", "who", "action", "record",
		"customer", "changes" };
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__AuditListRequest body = CRM__V1__AUDIT_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	const char *before = cmd_opt(call, "--before");
	crm_status rc;

	if (cmd_opt_limit(ctx, call, 100000, &body.has_limit, &body.limit) !=
	    CRM_OK) {
		return CRM_EINVAL;
	}
	if (before != NULL) {
		if (cmd_parse_id(before, &body.before) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--before wants the cursor a page ended with, not "
			    "'%s'",
			    before);
		}
		body.has_before = 1;
	}
	rc = cmd_audit_filters(
	    ctx, call, call->argc > 0 ? call->argv[0] : NULL, &body);
	if (rc != CRM_OK) {
		return rc;
	}
	req.body_case = CRM__V1__REQUEST__BODY_AUDIT_LIST;
	req.audit_list = &body;
	/* A filtered walk of the whole log may end a page before finding
	 * anything (each reads at most 4096 records): go on, boundedly. */
	for (int pages = 0;; pages++) {
		rc = cmd_expect(
		    ctx, &req, CRM__V1__RESPONSE__BODY_AUDIT, &resp);
		if (rc != CRM_OK) {
			return rc;
		}
		const Crm__V1__AuditPage *p = resp->audit;
		if (p->n_entries > 0 || p->next_before == 0 ||
		    pages == MAX_EMPTY_PAGES ||
		    (body.has_before && p->next_before >= body.before)) {
			break;
		}
		body.has_before = 1;
		body.before = p->next_before;
		crm__v1__response__free_unpacked(resp, NULL);
		resp = NULL;
	}
	const Crm__V1__AuditPage *p = resp->audit;
	json_t *arr = json_array();
	render_table(out, 6, cols);
	for (size_t i = 0; i < p->n_entries; i++) {
		const Crm__V1__AuditEntry *e = p->entries[i];
		char t[32] = "", rec[64];
		if (e->has_happened_at) {
			crm_time_format(e->happened_at, t, sizeof(t));
		}
		record_word(e, rec, sizeof(rec));
		char *ch = changes_text(e);
		const char *cells[] = { t, e->user, e->action, rec,
			e->customer, e->created ? "created" : ch };
		if (e->created && e->n_changes > 0) {
			char *both = crm_xasprintf("created\n%s", ch);
			free(ch);
			ch = both;
			cells[5] = ch;
		}
		render_row(out, cells);
		free(ch);
		json_array_append_new(arr, entry_json(e));
	}
	render_set_json(out, arr);
	if (p->n_entries == 0 && p->next_before == 0) {
		render_text(out, "no changes");
	}
	if (p->next_before != 0) {
		/* The whole command, filters and all: the customer by id (a
		 * name may need quoting, an id never does), a typed time
		 * quoted. */
		char cust[32] = "", lim[32] = "";
		if (body.has_customer_id && body.customer_id != 0) {
			snprintf(
			    cust, sizeof(cust), " %" PRIu64, body.customer_id);
		}
		if (body.has_limit) {
			snprintf(lim, sizeof(lim), " --limit %u", body.limit);
		}
		/* The period as it was read, not as typed: "yesterday"
		 * means another day tomorrow. */
		const char *user = cmd_opt(call, "--user");
		char fb[32], tb[32];
		const char *from = NULL, *to = NULL;
		if (body.has_start_at) {
			crm_time_format(body.start_at, fb, sizeof(fb));
			from = fb;
		}
		if (body.has_end_at) {
			crm_time_format(body.end_at, tb, sizeof(tb));
			to = tb;
		}
		render_text(out,
		    "more: audit%s%s%s%s%s%s%s%s%s --before %" PRIu64 "%s",
		    cust, user ? " --user " : "", user ? user : "",
		    from ? " --from \"" : "", from ? from : "",
		    from ? "\"" : "", to ? " --to \"" : "", to ? to : "",
		    to ? "\"" : "", p->next_before, lim);
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
