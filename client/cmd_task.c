/* SPDX-License-Identifier: MIT */
/*
 * cmd_task.c: a rep's queue (`due`), the task commands (add, done, move,
 * assign, cancel) and the cadence policy (`policy show|set`). Times are
 * read and shown in local time; how late a task is comes from the
 * server's clock (TaskList.now), not this machine's.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "suggest.h"

/* ------------------------------------------------------------ due */

/*
 * The kind `due --kind text` asks for (crm_task_kind_parse: the table's
 * words too). A kind no task has (commitment, sla) is refused with where
 * those are listed; an unknown word with the words taken and the closest.
 */
static crm_status
due_kind(struct cmd_ctx *ctx, const struct cmd_call *call, const char *text,
    int *kind)
{
	size_t n;
	const char *const *words = crm_task_kind_words(&n);
	if (crm_task_kind_parse(text, kind) != CRM_OK) {
		char lower[64], hint[160], list[256];
		size_t i = 0;
		for (; text[i] != '\0' && i + 1 < sizeof(lower); i++) {
			lower[i] = (char)tolower((unsigned char)text[i]);
		}
		lower[i] = '\0';
		suggest_hint(lower, words, n, hint, sizeof(hint));
		list[0] = '\0';
		for (i = 0; i < n; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof(list) - used, "%s%s",
			    i ? ", " : "", words[i]);
		}
		return cmd_usage_error(ctx, call,
		    "invalid kind '%s'%s; --kind takes %s", text, hint, list);
	}
	const char *where = crm_task_kind_elsewhere(*kind);
	if (where != NULL) {
		return cmd_usage_error(
		    ctx, call, "no task has kind '%s': %s", text, where);
	}
	return CRM_OK;
}

crm_status
cmd_task_due(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "id", "due", "late", "customer",
		"grade", "stage", "kind", "goal", "channel", "owner" };
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__DueRequest body = CRM__V1__DUE_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	int v = CRM__V1__DUE_WINDOW__DUE_TODAY;
	bool team = cmd_opt(call, "--team") != NULL;

	if (call->argc > 0 &&
	    cmd_parse_enum(ctx, call, &crm__v1__due_window__descriptor,
	        "window", call->argv[0], &v) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_window = 1;
	body.window = (Crm__V1__DueWindow)v;
	body.user = (char *)cmd_opt(call, "--user");
	if (team && body.user != NULL) {
		return cmd_usage_error(
		    ctx, call, "give --user or --team, not both");
	}
	body.has_whole_team = team;
	body.whole_team = team;
	const char *kind = cmd_opt(call, "--kind");
	if (kind != NULL) {
		int k;
		if (due_kind(ctx, call, kind, &k) != CRM_OK) {
			return CRM_EINVAL;
		}
		body.has_kind = 1;
		body.kind = (Crm__V1__TaskKind)k;
	}
	if (cmd_opt_limit(ctx, call, 1000, &body.has_limit, &body.limit) !=
	    CRM_OK) {
		return CRM_EINVAL;
	}
	req.body_case = CRM__V1__REQUEST__BODY_DUE;
	req.due = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_TASKS, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__TaskList *l = resp->tasks;
	int64_t now = l->has_now_at ? l->now_at : crm_time_now();
	bool owners = team || body.user != NULL;
	const char **names = crm_xcalloc(l->n_tasks + 1, sizeof(char *));
	json_t *arr = json_array();

	render_table(out, owners ? 10 : 9, cols);
	for (size_t i = 0; i < l->n_tasks; i++) {
		const Crm__V1__Task *t = l->tasks[i];
		char id[24], due[32], late[48];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)t->id);
		crm_time_format(t->due_at, due, sizeof(due));
		cmd_format_due(t->due_at, now, late, sizeof(late));
		const char *cells[] = { id, due, late, t->customer,
			crm_enum_name(&crm__v1__grade__descriptor, t->grade),
			crm_enum_name(&crm__v1__stage__descriptor, t->stage),
			crm_task_kind_word(t->kind), t->goal,
			t->suggested_channels, t->owner };
		render_row(out, cells);
		json_array_append_new(arr, render_json_message(&t->base));
		names[i] = t->customer;
	}
	if (l->n_tasks == 0) {
		render_text(out, "nothing due");
	}
	/* --kind is suggested only when it is not given already. */
	if (l->more && kind == NULL) {
		render_text(out,
		    "more are due: these are the %zu earliest (--limit N "
		    "shows up to 1000; --kind follow_up only next follow-ups)",
		    l->n_tasks);
	} else if (l->more) {
		render_text(out,
		    "more are due: these are the %zu earliest (--limit N "
		    "shows up to 1000)",
		    l->n_tasks);
	}
	render_set_json(out, arr);
	cmd_cache_names(names, l->n_tasks);
	free(names);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* ------------------------------------------------------------ tasks */

/*
 * Send req (answered by a Task) and say what happened: "task 12 done:
 * 华东机电有限公司, call back (due 2026-11-25 18:00, li)".
 */
static crm_status
task_call(struct cmd_ctx *ctx, Crm__V1__Request *req, const char *verb,
    render_doc *out)
{
	Crm__V1__Response *resp = NULL;
	crm_status rc =
	    cmd_expect(ctx, req, CRM__V1__RESPONSE__BODY_TASK, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__Task *t = resp->task;
	char due[32];
	crm_time_format(t->due_at, due, sizeof(due));
	render_text(out, "task %llu %s: %s, %s (%s, due %s%s%s)",
	    (unsigned long long)t->id, verb, t->customer ? t->customer : "?",
	    t->goal ? t->goal : "", crm_task_kind_word(t->kind), due,
	    t->owner ? ", " : "", t->owner ? t->owner : "");
	if (t->has_replaced_by && t->replaced_by) {
		render_text(out, "next follow-up is now task %llu",
		    (unsigned long long)t->replaced_by);
	}
	render_set_json(out, render_json_message(&t->base));
	cmd_cache_names((const char *const *)&t->customer, 1);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_task_add(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskAddRequest body = CRM__V1__TASK_ADD_REQUEST__INIT;

	rc = cmd_parse_when(ctx, call, "WHEN", call->argv[1], &body.due_at);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_due_at = 1;
	body.goal = call->argv[2];
	body.suggested_channels = (char *)cmd_opt(call, "--channel");
	body.owner = (char *)cmd_opt(call, "--owner");
	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_TASK_ADD;
	req.task_add = &body;
	return task_call(ctx, &req, "added", out);
}

/* task done and task cancel: a TaskIdRequest in the given oneof case. */
static crm_status
task_by_id(struct cmd_ctx *ctx, const struct cmd_call *call,
    Crm__V1__Request__BodyCase bc, const char *verb, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskIdRequest body = CRM__V1__TASK_ID_REQUEST__INIT;

	if (cmd_parse_id_arg(
	        ctx, call, "the task id", call->argv[0], &body.id) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_id = 1;
	req.body_case = bc;
	if (bc == CRM__V1__REQUEST__BODY_TASK_CANCEL) {
		/* task cancel ID --next WHEN "goal": the replacement. */
		const char *next = cmd_opt(call, "--next");
		if ((next != NULL) != (call->argc == 2)) {
			return cmd_usage_error(ctx, call,
			    "the replacement is --next WHEN \"goal\": give "
			    "both or neither");
		}
		if (next != NULL) {
			if (cmd_parse_when(ctx, call, "--next", next,
			        &body.next_due_at) != CRM_OK) {
				return CRM_EINVAL;
			}
			body.has_next_due_at = 1;
			body.next_goal = call->argv[1];
		}
	}
	if (bc == CRM__V1__REQUEST__BODY_TASK_DONE) {
		req.task_done = &body;
	} else {
		req.task_cancel = &body;
	}
	return task_call(ctx, &req, verb, out);
}

crm_status
cmd_task_done(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	return task_by_id(
	    ctx, call, CRM__V1__REQUEST__BODY_TASK_DONE, "done", out);
}

crm_status
cmd_task_cancel(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	return task_by_id(
	    ctx, call, CRM__V1__REQUEST__BODY_TASK_CANCEL, "cancelled", out);
}

crm_status
cmd_task_move(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskMoveRequest body = CRM__V1__TASK_MOVE_REQUEST__INIT;

	if (cmd_parse_id_arg(
	        ctx, call, "the task id", call->argv[0], &body.id) != CRM_OK ||
	    cmd_parse_when(ctx, call, "WHEN", call->argv[1], &body.due_at) !=
	        CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_id = body.has_due_at = 1;
	req.body_case = CRM__V1__REQUEST__BODY_TASK_MOVE;
	req.task_move = &body;
	return task_call(ctx, &req, "moved", out);
}

crm_status
cmd_task_assign(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskAssignRequest body = CRM__V1__TASK_ASSIGN_REQUEST__INIT;

	if (cmd_parse_id_arg(
	        ctx, call, "the task id", call->argv[0], &body.id) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_id = 1;
	body.owner = call->argv[1];
	req.body_case = CRM__V1__REQUEST__BODY_TASK_ASSIGN;
	req.task_assign = &body;
	return task_call(ctx, &req, "assigned", out);
}

/* ------------------------------------------------------------ policy */

/* A cadence as typed: "1d", "12h", "30m", "90s"; "-" for none. */
static void
format_every(int64_t secs, char *buf, size_t len)
{
	if (secs <= 0) {
		snprintf(buf, len, "-");
	} else if (secs % 86400 == 0) {
		snprintf(buf, len, "%lldd", (long long)(secs / 86400));
	} else if (secs % 3600 == 0) {
		snprintf(buf, len, "%lldh", (long long)(secs / 3600));
	} else if (secs % 60 == 0) {
		snprintf(buf, len, "%lldm", (long long)(secs / 60));
	} else {
		snprintf(buf, len, "%llds", (long long)secs);
	}
}

/* A deadline as the SPEC words it: hours up to two days ("24h"). */
static void
format_limit(int64_t secs, char *buf, size_t len)
{
	if (secs > 0 && secs <= 2 * 86400 && secs % 3600 == 0) {
		snprintf(buf, len, "%lldh", (long long)(secs / 3600));
	} else {
		format_every(secs, buf, len);
	}
}

/* The cell of stage x grade in p, NULL when none. */
static const Crm__V1__CadenceCell *
cell_of(const Crm__V1__Policy *p, int stage, int grade)
{
	for (size_t i = 0; i < p->n_cells; i++) {
		if ((int)p->cells[i]->stage == stage &&
		    (int)p->cells[i]->grade == grade) {
			return p->cells[i];
		}
	}
	return NULL;
}

/* The cadence matrix stage x grade (interval, "+greet" when festival
 * greetings are on), then each cell's goal and channels. */
static void
show_matrix(const Crm__V1__Policy *p, render_doc *out)
{
	static const char *const cols[] = { "stage", "S", "A", "B", "C" };
	static const int stages[] = { CRM__V1__STAGE__STAGE_POTENTIAL,
		CRM__V1__STAGE__STAGE_INTENT,
		CRM__V1__STAGE__STAGE_NEGOTIATION, CRM__V1__STAGE__STAGE_WON,
		CRM__V1__STAGE__STAGE_CHURN_RISK };
	char buf[4][48];

	if (p->n_cells == 0) {
		return;
	}
	render_table(out, 5, cols);
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		for (int g = 0; g < 4; g++) {
			const Crm__V1__CadenceCell *c =
			    cell_of(p, stages[i], g + CRM__V1__GRADE__GRADE_S);
			char every[32];
			format_every(
			    c ? c->every_seconds : 0, every, sizeof(every));
			snprintf(buf[g], sizeof(buf[g]), "%s%s", every,
			    c && c->greetings ? " +greet" : "");
		}
		const char *cells[] = {
			crm_enum_name(&crm__v1__stage__descriptor, stages[i]),
			buf[0], buf[1], buf[2], buf[3]
		};
		render_row(out, cells);
	}
	static const char *const dcols[] = { "stage", "grade", "goal",
		"channels" };
	render_table(out, 4, dcols);
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		for (int g = 0; g < 4; g++) {
			const Crm__V1__CadenceCell *c =
			    cell_of(p, stages[i], g + CRM__V1__GRADE__GRADE_S);
			if (c == NULL) {
				continue;
			}
			size_t len = 1;
			for (size_t k = 0; k < c->n_channels; k++) {
				len += strlen(c->channels[k]) + 2;
			}
			char *ch = crm_xcalloc(1, len);
			for (size_t k = 0; k < c->n_channels; k++) {
				strcat(ch, k ? ", " : "");
				strcat(ch, c->channels[k]);
			}
			const char *cells[] = {
				crm_enum_name(
				    &crm__v1__stage__descriptor, c->stage),
				crm_enum_name(
				    &crm__v1__grade__descriptor, c->grade),
				c->goal ? c->goal : "-", ch
			};
			render_row(out, cells);
			free(ch);
		}
	}
}

/* The pool rules (公海) of the cells that have one, in working days. */
static void
show_pool_rules(const Crm__V1__Policy *p, render_doc *out)
{
	static const char *const cols[] = { "stage", "grade", "reclaim-after",
		"reclaim-unwon", "reclaim-warn" };
	int any = 0;
	for (size_t i = 0; i < p->n_cells; i++) {
		const Crm__V1__CadenceCell *c = p->cells[i];
		if (c->reclaim_after_days == 0 && c->reclaim_unwon_days == 0) {
			continue;
		}
		if (!any) {
			render_text(out, "pool rules (working days; 0: off):");
			render_table(out, 5, cols);
			any = 1;
		}
		char a[16], u[16], w[16];
		snprintf(a, sizeof(a), "%u", c->reclaim_after_days);
		snprintf(u, sizeof(u), "%u", c->reclaim_unwon_days);
		snprintf(w, sizeof(w), "%u", c->reclaim_warn_days);
		const char *cells[] = {
			crm_enum_name(&crm__v1__stage__descriptor, c->stage),
			crm_enum_name(&crm__v1__grade__descriptor, c->grade),
			a, u, w
		};
		render_row(out, cells);
	}
	if (!any) {
		render_text(out, "pool rules: off (policy set STAGE GRADE "
		                 "--reclaim-after DAYS turns one on)");
	}
}

/* The policy as a table of grades and a record of the SLA rules. */
static void
show_policy(const Crm__V1__Policy *p, render_doc *out)
{
	static const char *const cols[] = { "grade", "every", "channels",
		"focus", "target" };
	char every[32], buf[64], target[16];

	render_table(out, 5, cols);
	for (size_t i = 0; i < p->n_grades; i++) {
		const Crm__V1__GradePolicy *g = p->grades[i];
		size_t len = 1;
		for (size_t k = 0; k < g->n_channels; k++) {
			len += strlen(g->channels[k]) + 2;
		}
		char *ch = crm_xcalloc(1, len);
		for (size_t k = 0; k < g->n_channels; k++) {
			strcat(ch, k ? ", " : "");
			strcat(ch, g->channels[k]);
		}
		format_every(g->every_seconds, every, sizeof(every));
		if (g->has_conversion_target) {
			snprintf(target, sizeof(target), "%u %%",
			    g->conversion_target);
		} else {
			snprintf(target, sizeof(target), "-");
		}
		const char *cells[] = {
			crm_enum_name(&crm__v1__grade__descriptor, g->grade),
			every, ch, g->focus, target
		};
		render_row(out, cells);
		free(ch);
	}
	show_matrix(p, out);
	show_pool_rules(p, out);
	render_record(out);
	format_limit(p->inquiry_seconds, every, sizeof(every));
	render_kv(out, "inquiry reply within", every);
	format_limit(p->issue_response_seconds, every, sizeof(every));
	render_kv(out, "issue first response within", every);
	if (p->has_issue_solution_days) {
		snprintf(buf, sizeof(buf), "%u business day%s",
		    p->issue_solution_days,
		    p->issue_solution_days == 1 ? "" : "s");
		render_kv(out, "issue solution within", buf);
	}
	format_limit(p->churn_contact_seconds, every, sizeof(every));
	render_kv(out, "churn risk contact within", every);
	format_limit(p->late_s_seconds, every, sizeof(every));
	render_kv(out, "log late after (grade S)", every);
	format_limit(p->late_seconds, every, sizeof(every));
	render_kv(out, "log late after (others)", every);
	render_kv(out, "cadence follow-ups on working days",
	    !p->has_cadence_working_days || p->cadence_working_days ? "on"
	                                                            : "off");
	if (p->has_idem_retention_seconds) {
		format_every(p->idem_retention_seconds, every, sizeof(every));
		render_kv(out, "replies of writes kept", every);
	}
	render_kv(out, "currency", p->currency ? p->currency : "¥");
	cmd_purchase_show_value(p->value, out);
}

crm_status
cmd_policy_request(
    struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	Crm__V1__PolicyGetRequest get = CRM__V1__POLICY_GET_REQUEST__INIT;
	int asked = req->body_case == CRM__V1__REQUEST__BODY__NOT_SET;
	if (asked) {
		req->body_case = CRM__V1__REQUEST__BODY_POLICY_GET;
		req->policy_get = &get;
	}
	crm_status rc =
	    cmd_expect(ctx, req, CRM__V1__RESPONSE__BODY_POLICY, resp);
	if (asked) { /* get goes out of scope */
		req->body_case = CRM__V1__REQUEST__BODY__NOT_SET;
		req->policy_get = NULL;
	}
	return rc;
}

static crm_status
policy_call(struct cmd_ctx *ctx, Crm__V1__Request *req, render_doc *out)
{
	Crm__V1__Response *resp = NULL;
	crm_status rc = cmd_policy_request(ctx, req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	show_policy(resp->policy, out);
	render_set_json(out, render_json_message(&resp->policy->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* policy set --dry-run: what the change would do now; nothing changed. */
static crm_status
dry_run_call(struct cmd_ctx *ctx, Crm__V1__Request *req, render_doc *out)
{
	Crm__V1__Response *resp = NULL;
	crm_status rc = cmd_expect(
	    ctx, req, CRM__V1__RESPONSE__BODY_POLICY_DRY_RUN, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__PolicyDryRun *d = resp->policy_dry_run;
	render_text(out,
	    "dry run, nothing changed: made now, the change would reclaim "
	    "%u customer%s to the pool (%u open task%s closed), and warn "
	    "the owners of %u",
	    d->reclaimed_total, d->reclaimed_total == 1 ? "" : "s",
	    d->tasks_closed, d->tasks_closed == 1 ? "" : "s", d->warned);
	if (d->n_reclaimed > 0) {
		static const char *const cols[] = { "id", "customer", "owner",
			"stage", "grade", "rule" };
		render_table(out, 6, cols);
		for (size_t i = 0; i < d->n_reclaimed; i++) {
			const Crm__V1__Customer *c = d->reclaimed[i];
			char id[24];
			snprintf(id, sizeof(id), "%" PRIu64, c->id);
			const char *cells[] = { id, c->name, c->owner,
				crm_enum_name(
				    &crm__v1__stage__descriptor, c->stage),
				crm_enum_name(
				    &crm__v1__grade__descriptor, c->grade),
				c->pool_reason };
			render_row(out, cells);
		}
		if (d->n_reclaimed < d->reclaimed_total) {
			render_text(out, "(the first %zu of %u)",
			    d->n_reclaimed, d->reclaimed_total);
		}
	}
	render_set_json(out, render_json_message(&d->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_task_policy_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;

	(void)call;
	return policy_call(ctx, &req, out);
}

crm_status
cmd_task_policy_currency(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicySetRequest set = CRM__V1__POLICY_SET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	if (call->argc == 1) {
		set.currency = call->argv[0];
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
		req.policy_set = &set;
	}
	crm_status rc = cmd_policy_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const char *cur =
	    resp->policy->currency ? resp->policy->currency : "¥";
	char example[64];
	crm_money_format_people(123456700, cur, example, sizeof(example));
	render_text(out, "amounts are shown in %s: %s", cur, example);
	json_t *j = json_object();
	json_object_set_new(j, "currency", json_string(cur));
	render_set_json(out, j);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_task_policy_set(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicySetRequest body = CRM__V1__POLICY_SET_REQUEST__INIT;
	const char *every = cmd_opt(call, "--every");
	const char *channels = cmd_opt(call, "--channels");
	char *list = NULL;
	int v = 0;

	const char *grade = call->argv[call->argc > 1 ? 1 : 0];
	if (call->argc > 1) {
		/* STAGE GRADE: one cell of the cadence matrix. */
		if (cmd_parse_enum(ctx, call, &crm__v1__stage__descriptor,
		        "stage", call->argv[0], &v) != CRM_OK) {
			return CRM_EINVAL;
		}
		body.has_stage = 1;
		body.stage = (Crm__V1__Stage)v;
	}
	if (cmd_parse_enum(ctx, call, &crm__v1__grade__descriptor, "grade",
	        grade, &v) != CRM_OK) {
		return CRM_EINVAL;
	}
	body.has_grade = 1;
	body.grade = (Crm__V1__Grade)v;
	const char *target = cmd_opt(call, "--target");
	const char *greet = cmd_opt(call, "--greetings");
	body.goal = (char *)cmd_opt(call, "--goal");
	/* The pool rules, in working days (0: off). */
	static const char *const days_opts[] = { "--reclaim-after",
		"--reclaim-unwon", "--reclaim-warn" };
	uint32_t *days_val[] = { &body.reclaim_after_days,
		&body.reclaim_unwon_days, &body.reclaim_warn_days };
	protobuf_c_boolean *days_has[] = { &body.has_reclaim_after_days,
		&body.has_reclaim_unwon_days, &body.has_reclaim_warn_days };
	int any_days = 0;
	for (int i = 0; i < 3; i++) {
		const char *s = cmd_opt(call, days_opts[i]);
		if (s == NULL) {
			continue;
		}
		char *end;
		unsigned long n = strtoul(s, &end, 10);
		if (*s < '0' || *s > '9' || *end != '\0' || n > 250) {
			return cmd_usage_error(ctx, call,
			    "%s wants working days 0 (off) to 250, not '%s'",
			    days_opts[i], s);
		}
		*days_val[i] = (uint32_t)n;
		*days_has[i] = 1;
		any_days = 1;
	}
	int dry_run = cmd_opt(call, "--dry-run") != NULL;
	if (every == NULL && channels == NULL && target == NULL &&
	    cmd_opt(call, "--focus") == NULL && body.goal == NULL &&
	    greet == NULL && !any_days) {
		return cmd_usage_error(ctx, call,
		    "say what to change: --every, --goal, --channels, "
		    "--greetings, --focus, --target or --reclaim-after, "
		    "--reclaim-unwon, --reclaim-warn");
	}
	if (!body.has_stage && (body.goal != NULL || greet != NULL)) {
		return cmd_usage_error(ctx, call,
		    "--goal and --greetings change a cell: policy set STAGE "
		    "GRADE ...");
	}
	if (body.has_stage && target != NULL) {
		return cmd_usage_error(ctx, call,
		    "--target is a grade's: policy set GRADE --target ...");
	}
	if (greet != NULL) {
		if (strcmp(greet, "on") != 0 && strcmp(greet, "off") != 0) {
			return cmd_usage_error(ctx, call,
			    "--greetings wants on or off, not '%s'", greet);
		}
		body.has_greetings = 1;
		body.greetings = strcmp(greet, "on") == 0;
	}
	if (target != NULL) {
		char *end;
		unsigned long pct = strtoul(target, &end, 10);
		if (*target == '\0' || *target == '-' ||
		    (*end != '\0' && strcmp(end, "%") != 0) || pct > 100) {
			return cmd_usage_error(ctx, call,
			    "--target wants a percentage 0-100, not '%s'",
			    target);
		}
		body.has_conversion_target = 1;
		body.conversion_target = (uint32_t)pct;
	}
	if (every != NULL) {
		if (crm_time_parse_duration(every, &body.every_seconds) !=
		        CRM_OK ||
		    body.every_seconds <= 0) {
			return cmd_usage_error(ctx, call,
			    "--every wants a duration like 1d, 3d, 12h or 2w, "
			    "not '%s'",
			    every);
		}
		body.has_every_seconds = 1;
	}
	body.focus = (char *)cmd_opt(call, "--focus");
	if (channels != NULL) {
		/* "phone, visit,meeting": split at commas, trim blanks. */
		list = crm_xstrdup(channels);
		body.channels = crm_xcalloc(strlen(list) + 1, sizeof(char *));
		for (char *save = NULL, *w = strtok_r(list, ",", &save);
		     w != NULL; w = strtok_r(NULL, ",", &save)) {
			w += strspn(w, " \t");
			size_t n = strlen(w);
			while (
			    n > 0 && (w[n - 1] == ' ' || w[n - 1] == '\t')) {
				w[--n] = '\0';
			}
			if (n > 0) {
				body.channels[body.n_channels++] = w;
			}
		}
		body.has_set_channels = 1;
		body.set_channels = 1;
	}
	if (dry_run) {
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_DRY_RUN;
		req.policy_dry_run = &body;
		rc = dry_run_call(ctx, &req, out);
	} else {
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
		req.policy_set = &body;
		rc = policy_call(ctx, &req, out);
	}
	free(body.channels);
	free(list);
	return rc;
}
