/* SPDX-License-Identifier: MIT */
/*
 * cmd_sla.c: SLA clocks (inquiry, issue, sla), commitments made in
 * follow-ups (commitments, commitment done) and the manager's view of
 * customers left alone (stale). How much time is left or how late comes
 * from the server's clock in each list's `now`.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "commands.h"

/* An objection (待解决问题) is open until resolved: it has no deadline
 * (the server sends none). */
static bool
no_deadline(const Crm__V1__SlaClock *c)
{
	return c->kind == CRM__V1__SLA_KIND__SLA_OBJECTION ||
	       c->deadline_at <= 0;
}

/* "running", "met" or "breached" for a clock at now; "open" or
 * "resolved" for one without a deadline. */
static const char *
clock_status(const Crm__V1__SlaClock *c, int64_t now)
{
	if (no_deadline(c)) {
		return c->stopped_at == 0 ? "open" : "resolved";
	}
	if (c->stopped_at == 0) {
		return c->breached || now > c->deadline_at ? "breached"
		                                           : "running";
	}
	return c->breached ? "breached" : "met";
}

/* The owner column of a team's list: whom the reports count the row
 * for (held_by: it fell due before the customer changed hands), and
 * who holds it now. */
static const char *
owner_cell(const char *held_by, const char *owner, char *buf, size_t size)
{
	if (held_by == NULL || *held_by == '\0') {
		return owner;
	}
	if (owner == NULL || *owner == '\0') {
		return held_by;
	}
	snprintf(buf, size, "%s (now %s)", held_by, owner);
	return buf;
}

/* A table of clocks; owner column when team. */
static void
show_clocks(const Crm__V1__SlaClockList *l, bool team, render_doc *out)
{
	static const char *const cols[] = { "id", "customer", "kind",
		"started", "deadline", "left", "status", "text", "owner" };
	int64_t now = l->has_now_at ? l->now_at : crm_time_now();
	json_t *arr = json_array();
	const char **names = crm_xcalloc(l->n_clocks + 1, sizeof(char *));

	render_table(out, team ? 9 : 8, cols);
	for (size_t i = 0; i < l->n_clocks; i++) {
		const Crm__V1__SlaClock *c = l->clocks[i];
		char id[24], start[32], dl[32], left[48] = "", own[160];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
		crm_time_format(c->started_at, start, sizeof(start));
		crm_time_format(c->deadline_at, dl, sizeof(dl));
		if (no_deadline(c)) {
			snprintf(dl, sizeof(dl), "-");
		} else if (c->stopped_at == 0) {
			cmd_format_due(
			    c->deadline_at, now, left, sizeof(left));
		} else if (c->stopped_at > c->deadline_at) {
			/* Stopped late: by how much (sla --breached). */
			char span[32];
			cmd_format_span(c->stopped_at - c->deadline_at, span,
			    sizeof(span));
			snprintf(left, sizeof(left), "stopped %s late", span);
		}
		const char *cells[] = { id, c->customer,
			crm_enum_name(&crm__v1__sla_kind__descriptor, c->kind),
			start, dl, left, clock_status(c, now), c->text,
			owner_cell(c->held_by, c->owner, own, sizeof(own)) };
		render_row(out, cells);
		json_array_append_new(arr, render_json_message(&c->base));
		names[i] = c->customer;
	}
	render_set_json(out, arr);
	cmd_cache_names(names, l->n_clocks);
	free(names);
}

/* Remember (open) or forget (resolved) issue id for `issue resolve` and
 * `issue escalate` to complete (the "issues" cache). */
static void
issue_cache(unsigned long long id, bool open)
{
	char w[24];
	const char *p = w;
	snprintf(w, sizeof(w), "%llu", id);
	if (open) {
		cache_add_file("issues", &p, 1);
	} else {
		cache_del_file("issues", &p, 1);
	}
}

/* inquiry and issue: start clocks for a customer. */
static crm_status
sla_start(struct cmd_ctx *ctx, const struct cmd_call *call, bool issue,
    render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__SlaStartRequest body = CRM__V1__SLA_START_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	if (call->argv[1][0] == '\0') {
		return cmd_usage_error(ctx, call, "say what it is about");
	}
	body.has_issue = 1;
	body.issue = issue;
	body.text = call->argv[1];
	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_SLA_START;
	req.sla_start = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CLOCKS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	show_clocks(resp->clocks, false, out);
	if (issue && resp->clocks->n_clocks > 0) {
		unsigned long long id = resp->clocks->clocks[0]->issue_id;
		render_text(out,
		    "issue %llu: the response clock stops at the first "
		    "contact, the solution clock at `issue resolve %llu "
		    "\"what was done\"`",
		    id, id);
		issue_cache(id, true);
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_sla_inquiry(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	return sla_start(ctx, call, false, out);
}

crm_status
cmd_sla_issue(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	return sla_start(ctx, call, true, out);
}

/* A manager's own list is empty while the team's may not be: say whose
 * list this is (one whoami, only when the own list came back empty). */
static void
own_list_hint(struct cmd_ctx *ctx, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__WhoamiRequest body = CRM__V1__WHOAMI_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	req.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &body;
	if (cmd_request_quiet(ctx, &req, &resp) == CRM_OK &&
	    resp->body_case == CRM__V1__RESPONSE__BODY_USER &&
	    resp->user != NULL &&
	    resp->user->role == CRM__V1__ROLE__ROLE_MANAGER) {
		render_text(out, "(your own; --team for your team's)");
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
}

crm_status
cmd_sla_list(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__SlaListRequest body = CRM__V1__SLA_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	body.has_breached = body.has_whole_team = 1;
	body.breached = cmd_opt(call, "--breached") != NULL;
	body.whole_team = cmd_opt(call, "--team") != NULL;
	req.body_case = CRM__V1__REQUEST__BODY_SLA_LIST;
	req.sla_list = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CLOCKS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	show_clocks(resp->clocks, body.whole_team, out);
	if (resp->clocks->n_clocks == 0) {
		render_text(
		    out, body.breached ? "no breaches" : "no running clocks");
		if (!body.whole_team) {
			own_list_hint(ctx, out);
		}
	}
	if (resp->clocks->more) {
		render_text(out,
		    "more than %zu clocks: these are the most urgent%s",
		    resp->clocks->n_clocks,
		    body.breached ? "" : "; narrow with --breached");
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* ------------------------------------------------------------ issues */

/* The status and deadline cells of one clock of an issue. */
static void
issue_clock_cells(const Crm__V1__SlaClock *c, int64_t now, char *dl,
    size_t dlen, const char **status)
{
	if (c == NULL) {
		snprintf(dl, dlen, "-");
		*status = "";
		return;
	}
	crm_time_format(c->deadline_at, dl, dlen);
	*status = clock_status(c, now);
}

/* issue list: one row per issue (its response and solution clocks, which
 * the server sends side by side, sharing issue_id); returns how many. */
static size_t
show_issues(const Crm__V1__SlaClockList *l, bool team, render_doc *out)
{
	static const char *const cols[] = { "issue", "customer", "text",
		"started", "response due", "response", "solution due",
		"solution", "resolution", "resolved", "resolved by", "kind",
		"escalated to", "owner" };
	int64_t now = l->has_now_at ? l->now_at : crm_time_now();
	json_t *arr = json_array();
	size_t n = 0, nopen = 0, nclosed = 0;
	/* The ids shown feed the "issues" cache at once (issue_cache). */
	char **opened = crm_xcalloc(l->n_clocks + 1, sizeof(char *));
	char **closed = crm_xcalloc(l->n_clocks + 1, sizeof(char *));
	render_table(out, team ? 14 : 13, cols);
	for (size_t i = 0; i < l->n_clocks; i++) {
		const Crm__V1__SlaClock *c = l->clocks[i], *resp = NULL,
		                        *sol = NULL;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			seen = l->clocks[j]->issue_id == c->issue_id &&
			       c->issue_id != 0;
		}
		if (seen) {
			continue;
		}
		for (size_t j = i; j < l->n_clocks; j++) {
			const Crm__V1__SlaClock *x = l->clocks[j];
			if (j != i &&
			    (x->issue_id != c->issue_id || c->issue_id == 0)) {
				continue;
			}
			if (x->kind == CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE) {
				resp = x;
			} else {
				sol = x;
			}
		}
		char id[24], start[32], rdl[32], sdl[32], done[32];
		const char *rst, *sst;
		snprintf(id, sizeof(id), "%llu",
		    (unsigned long long)(c->issue_id ? c->issue_id : c->id));
		crm_time_format(c->started_at, start, sizeof(start));
		issue_clock_cells(resp, now, rdl, sizeof(rdl), &rst);
		issue_clock_cells(sol, now, sdl, sizeof(sdl), &sst);
		/* An objection (待解决问题) is open until resolved, with no
		 * clock; the id's clock carries an escalation. */
		bool objection = c->kind == CRM__V1__SLA_KIND__SLA_OBJECTION;
		if (objection) {
			snprintf(sdl, sizeof(sdl), "-");
			sst = c->stopped_at == 0 ? "open" : "resolved";
		}
		const Crm__V1__SlaClock *idc = resp != NULL ? resp : c;
		const char *kind = objection ? "objection" : "after-sales";
		const char *esc = idc->escalated_to ? idc->escalated_to : "";
		done[0] = '\0';
		if (sol != NULL && sol->resolution != NULL &&
		    sol->stopped_at > 0) {
			crm_time_format(sol->stopped_at, done, sizeof(done));
		}
		const char *cells[] = { id, c->customer, c->text, start, rdl,
			rst, sdl, sst,
			sol && sol->resolution ? sol->resolution : "", done,
			sol && sol->resolved_by ? sol->resolved_by : "", kind,
			esc, c->owner };
		render_row(out, cells);
		/* Open: no solution yet (an objection: not resolved). */
		bool open = objection ? c->stopped_at == 0
		                      : sol == NULL || sol->stopped_at == 0;
		char **to = open ? opened : closed;
		to[open ? nopen++ : nclosed++] = crm_xasprintf("%s", id);
		json_t *o = json_object();
		json_object_set_new(o, "issue_id",
		    json_integer(
		        (json_int_t)(c->issue_id ? c->issue_id : c->id)));
		json_object_set_new(o, "customer", json_string(c->customer));
		json_object_set_new(o, "text", json_string(c->text));
		json_object_set_new(o, "response",
		    resp ? render_json_message(&resp->base) : json_null());
		json_object_set_new(o, "solution",
		    sol ? render_json_message(&sol->base) : json_null());
		json_object_set_new(o, "response_status", json_string(rst));
		json_object_set_new(o, "solution_status", json_string(sst));
		json_object_set_new(o, "kind", json_string(kind));
		json_object_set_new(o, "escalated_to", json_string(esc));
		json_array_append_new(arr, o);
		n++;
	}
	if (n == 0) {
		render_text(out, "no issues");
	}
	cache_add_file("issues", (const char *const *)opened, nopen);
	cache_del_file("issues", (const char *const *)closed, nclosed);
	for (size_t i = 0; i < nopen; i++) {
		free(opened[i]);
	}
	for (size_t i = 0; i < nclosed; i++) {
		free(closed[i]);
	}
	free(opened);
	free(closed);
	render_set_json(out, arr);
	return n;
}

crm_status
cmd_sla_issue_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__IssueListRequest body = CRM__V1__ISSUE_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	body.has_open = body.has_whole_team = 1;
	body.open = cmd_opt(call, "--open") != NULL;
	body.whole_team = cmd_opt(call, "--team") != NULL;
	req.body_case = CRM__V1__REQUEST__BODY_ISSUE_LIST;
	req.issue_list = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CLOCKS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	if (show_issues(resp->clocks, body.whole_team, out) == 0 &&
	    !body.whole_team) {
		own_list_hint(ctx, out);
	}
	if (resp->clocks->more) {
		render_text(out, "more issues: these are the newest%s",
		    body.open ? "" : "; narrow with --open");
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_sla_issue_resolve(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__IssueResolveRequest body =
	    CRM__V1__ISSUE_RESOLVE_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	if (cmd_parse_id_arg(ctx, call, "the issue id", call->argv[0],
	        &body.id) != CRM_OK) {
		return CRM_EINVAL;
	}
	if (call->argv[1][0] == '\0') {
		return cmd_usage_error(ctx, call, "say what was done");
	}
	body.has_id = 1;
	body.resolution = call->argv[1];
	req.body_case = CRM__V1__REQUEST__BODY_ISSUE_RESOLVE;
	req.issue_resolve = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CLOCKS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__SlaClockList *l = resp->clocks;
	int64_t now = l->has_now_at ? l->now_at : crm_time_now();
	issue_cache(body.id, false);
	/* The response clock too when this stopped it (nobody had answered
	 * yet): "met" alone would hide a late response. */
	const Crm__V1__SlaClock *response = NULL;
	for (size_t i = 0; i < l->n_clocks; i++) {
		if (l->clocks[i]->kind ==
		    CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE) {
			response = l->clocks[i];
		}
	}
	for (size_t i = 0; i < l->n_clocks; i++) {
		const Crm__V1__SlaClock *c = l->clocks[i];
		if (c->kind == CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION ||
		    c->kind == CRM__V1__SLA_KIND__SLA_OBJECTION) {
			if (no_deadline(c)) {
				render_text(out, "issue %llu resolved: %s",
				    (unsigned long long)body.id,
				    c->customer ? c->customer : "?");
			} else if (response != NULL) {
				render_text(out,
				    "issue %llu resolved (solution %s, "
				    "response "
				    "%s): %s",
				    (unsigned long long)body.id,
				    clock_status(c, now),
				    clock_status(response, now),
				    c->customer ? c->customer : "?");
			} else {
				render_text(out,
				    "issue %llu resolved (%s): %s",
				    (unsigned long long)body.id,
				    clock_status(c, now),
				    c->customer ? c->customer : "?");
			}
		}
	}
	show_clocks(l, false, out);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_sla_issue_escalate(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__IssueEscalateRequest body =
	    CRM__V1__ISSUE_ESCALATE_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	if (cmd_parse_id_arg(ctx, call, "the issue id", call->argv[0],
	        &body.id) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_id = 1;
	body.manager = (char *)cmd_opt(call, "--manager");
	req.body_case = CRM__V1__REQUEST__BODY_ISSUE_ESCALATE;
	req.issue_escalate = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CLOCKS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__SlaClockList *l = resp->clocks;
	if (l->n_clocks > 0) {
		const Crm__V1__SlaClock *c = l->clocks[0];
		render_text(out,
		    "issue %llu (%s) escalated to %s with task %llu: %s",
		    (unsigned long long)body.id,
		    c->customer ? c->customer : "?",
		    c->escalated_to ? c->escalated_to : "?",
		    (unsigned long long)c->escalation_task_id,
		    c->text ? c->text : "");
		issue_cache(body.id, true);
		render_set_json(out, render_json_message(&c->base));
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* ------------------------------------------------------------ commitments */

crm_status
cmd_sla_commitments(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "id", "customer", "text", "due",
		"left", "status", "followup", "owner" };
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CommitmentListRequest body =
	    CRM__V1__COMMITMENT_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	bool open = cmd_opt(call, "--open") != NULL;
	bool broken = cmd_opt(call, "--broken") != NULL;

	if (open && broken) {
		return cmd_usage_error(
		    ctx, call, "give --open or --broken, not both");
	}
	if (open || broken) {
		body.has_status = 1;
		body.status =
		    open ? CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN
		         : CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN;
	}
	body.has_whole_team = 1;
	body.whole_team = cmd_opt(call, "--team") != NULL;
	req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_LIST;
	req.commitment_list = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_COMMITMENTS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__CommitmentList *l = resp->commitments;
	int64_t now = l->has_now_at ? l->now_at : crm_time_now();
	json_t *arr = json_array();
	render_table(out, body.whole_team ? 8 : 7, cols);
	for (size_t i = 0; i < l->n_commitments; i++) {
		const Crm__V1__Commitment *c = l->commitments[i];
		char id[24], due[32], left[48] = "", fu[24] = "", own[160];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
		crm_time_format(c->due_at, due, sizeof(due));
		if (c->status == CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN ||
		    c->status ==
		        CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN) {
			cmd_format_due(c->due_at, now, left, sizeof(left));
		}
		if (c->followup_id != 0) {
			snprintf(fu, sizeof(fu), "%llu",
			    (unsigned long long)c->followup_id);
		}
		/* Released to the pool after it fell due unkept: broken
		 * then, as the reports count it. */
		const char *status =
		    c->status ==
		                CRM__V1__COMMITMENT_STATUS__COMMITMENT_RELEASED &&
		            c->closed_at > c->due_at
		        ? "broken, then released"
		        : crm_enum_name(
		              &crm__v1__commitment_status__descriptor,
		              c->status);
		const char *cells[] = { id, c->customer, c->text, due, left,
			status, fu,
			owner_cell(c->held_by, c->owner, own, sizeof(own)) };
		render_row(out, cells);
		json_array_append_new(arr, render_json_message(&c->base));
	}
	if (l->n_commitments == 0) {
		render_text(out, "no commitments");
		if (!body.whole_team) {
			own_list_hint(ctx, out);
		}
	}
	if (l->more) {
		render_text(out,
		    "more than %zu commitments: these are the earliest "
		    "due%s",
		    l->n_commitments,
		    open || broken ? "" : "; narrow with --open or --broken");
	}
	render_set_json(out, arr);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_sla_commitment_done(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CommitmentDoneRequest body =
	    CRM__V1__COMMITMENT_DONE_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	const char *by = cmd_opt(call, "--by");

	if (cmd_parse_id_arg(ctx, call, "the commitment id", call->argv[0],
	        &body.id) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_id = 1;
	if (by != NULL) {
		if (cmd_parse_id_arg(
		        ctx, call, "--by", by, &body.followup_id) != CRM_OK) {
			return CRM_EINVAL;
		}
		body.has_followup_id = 1;
	}
	req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_DONE;
	req.commitment_done = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_COMMITMENT, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__Commitment *c = resp->commitment;
	render_text(out, "commitment %llu %s: %s, %s",
	    (unsigned long long)c->id,
	    crm_enum_name(&crm__v1__commitment_status__descriptor, c->status),
	    c->customer ? c->customer : "?", c->text ? c->text : "");
	render_set_json(out, render_json_message(&c->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* ------------------------------------------------------------ stale */

crm_status
cmd_sla_stale(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "id", "name", "owner", "stage",
		"grade", "last update", "last contact" };
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__StaleRequest body = CRM__V1__STALE_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	const char *hours = cmd_opt(call, "--hours");

	if (hours != NULL) {
		uint64_t n;
		if (cmd_parse_id(hours, &n) != CRM_OK || n > 24 * 3650) {
			return cmd_usage_error(ctx, call,
			    "--hours wants a number of hours, not '%s'",
			    hours);
		}
		body.has_hours = 1;
		body.hours = (uint32_t)n;
	}
	body.has_whole_team = 1;
	body.whole_team = cmd_opt(call, "--team") != NULL;
	req.body_case = CRM__V1__REQUEST__BODY_STALE;
	req.stale = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CUSTOMERS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__CustomerPage *p = resp->customers;
	json_t *arr = json_array();
	render_table(out, 7, cols);
	for (size_t i = 0; i < p->n_customers; i++) {
		const Crm__V1__Customer *c = p->customers[i];
		char id[24], upd[32] = "", last[32] = "never";
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
		/* The server's last real update (older servers: the
		 * record's last write). */
		int64_t u =
		    c->has_last_update_at ? c->last_update_at : c->updated_at;
		if (u != 0) {
			crm_time_format(u, upd, sizeof(upd));
		}
		if (c->last_contact_at != 0) {
			crm_time_format(
			    c->last_contact_at, last, sizeof(last));
		}
		const char *cells[] = { id, c->name, c->owner,
			crm_enum_name(&crm__v1__stage__descriptor, c->stage),
			crm_enum_name(&crm__v1__grade__descriptor, c->grade),
			upd, last };
		render_row(out, cells);
		json_array_append_new(arr, render_json_message(&c->base));
	}
	if (p->n_customers == 0) {
		render_text(out, "no stale customers");
	}
	if (p->more) {
		render_text(out,
		    "more than %zu stale customers: narrow with a longer "
		    "--hours",
		    p->n_customers);
	}
	render_set_json(out, arr);
	cmd_customer_cache(p->customers, p->n_customers);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
