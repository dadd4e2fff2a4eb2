/* SPDX-License-Identifier: MIT */
/*
 * cmd_routine.c: calendar routines (seeds 000 and 001: 每月15日,
 * 每周三, 每季度末): `routine add`, `routine list`, `routine stop`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "crm.h"
#include "crm_enum.h"

/* A weekday as typed: mon..sun, 1-7, 周一..周日 / 星期一..; 0 if not. */
static unsigned
weekday(const char *s)
{
	static const char *const en[] = { "mon", "tue", "wed", "thu", "fri",
		"sat", "sun" };
	static const char *const zh[] = { "一", "二", "三", "四", "五", "六",
		"日" };
	for (unsigned i = 0; i < 7; i++) {
		if (strncasecmp(s, en[i], 3) == 0) {
			return i + 1;
		}
		char a[16], b[16];
		snprintf(a, sizeof(a), "周%s", zh[i]);
		snprintf(b, sizeof(b), "星期%s", zh[i]);
		if (strcmp(s, a) == 0 || strcmp(s, b) == 0) {
			return i + 1;
		}
	}
	if (s[0] >= '1' && s[0] <= '7' && s[1] == '\0') {
		return (unsigned)(s[0] - '0');
	}
	return 0;
}

/* How often, in words: "monthly on the 15th", "weekly on wed". */
static void
every_words(const Crm__V1__Routine *r, char *buf, size_t len)
{
	static const char *const days[] = { "?", "mon", "tue", "wed", "thu",
		"fri", "sat", "sun" };
	unsigned m = r->minute;
	switch (r->every) {
	case CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY:
		snprintf(
		    buf, len, "monthly %u, %02u:%02u", r->day, m / 60, m % 60);
		break;
	case CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY:
		snprintf(buf, len, "weekly %s, %02u:%02u",
		    days[r->day <= 7 ? r->day : 0], m / 60, m % 60);
		break;
	case CRM__V1__ROUTINE_EVERY__ROUTINE_QUARTERLY:
		snprintf(buf, len, "quarterly last-week, %02u:%02u", m / 60,
		    m % 60);
		break;
	default:
		snprintf(buf, len, "-");
	}
}

static void
show(const Crm__V1__Routine *const *rs, size_t n, render_doc *out)
{
	static const char *const cols[] = { "id", "customer", "every", "goal",
		"planned until", "status" };
	render_table(out, 6, cols);
	for (size_t i = 0; i < n; i++) {
		char id[24], every[64], until[32];
		snprintf(
		    id, sizeof(id), "%llu", (unsigned long long)rs[i]->id);
		every_words(rs[i], every, sizeof(every));
		/* What is planned, else (a quarterly one, beyond what is
		 * planned ahead) the next occurrence. */
		int64_t when = rs[i]->planned_until_at > rs[i]->next_at
		                   ? rs[i]->planned_until_at
		                   : rs[i]->next_at;
		if (rs[i]->paused != NULL && *rs[i]->paused) {
			snprintf(until, sizeof(until), "-");
		} else if (when > 0) {
			crm_time_format(when, until, sizeof(until));
		} else {
			snprintf(until, sizeof(until), "-");
		}
		char status[96];
		snprintf(status, sizeof(status), "%s",
		    rs[i]->stopped ? "stopped" : "running");
		if (!rs[i]->stopped && rs[i]->paused != NULL &&
		    *rs[i]->paused) {
			snprintf(status, sizeof(status), "paused (%s)",
			    rs[i]->paused);
		}
		/* A team routine: "team east", and its stage and grade. */
		char who[160];
		if (rs[i]->team_id != 0) {
			snprintf(who, sizeof(who), "team %s%s%s%s%s",
			    rs[i]->team ? rs[i]->team : "?",
			    rs[i]->stage || rs[i]->grade ? " (" : "",
			    rs[i]->stage
			        ? crm_enum_name(&crm__v1__stage__descriptor,
			              (int)rs[i]->stage)
			        : "",
			    rs[i]->stage && rs[i]->grade ? " " : "",
			    rs[i]->grade
			        ? crm_enum_name(&crm__v1__grade__descriptor,
			              (int)rs[i]->grade)
			        : "");
			if (rs[i]->stage || rs[i]->grade) {
				strncat(
				    who, ")", sizeof(who) - strlen(who) - 1);
			}
		} else {
			snprintf(who, sizeof(who), "%s",
			    rs[i]->customer ? rs[i]->customer : "-");
		}
		const char *cells[] = { id, who, every,
			rs[i]->goal ? rs[i]->goal : "", until, status };
		render_row(out, cells);
	}
}

crm_status
cmd_routine_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__RoutineAddRequest body = CRM__V1__ROUTINE_ADD_REQUEST__INIT;
	Crm__V1__Routine r = CRM__V1__ROUTINE__INIT;
	Crm__V1__Response *resp = NULL;
	const char *monthly = cmd_opt(call, "--monthly");
	const char *weekly = cmd_opt(call, "--weekly");
	const char *quarterly = cmd_opt(call, "--quarterly");
	const char *at = cmd_opt(call, "--time");

	if ((monthly != NULL) + (weekly != NULL) + (quarterly != NULL) != 1) {
		return cmd_usage_error(ctx, call,
		    "say how often, once: --monthly DAY, --weekly DAY or "
		    "--quarterly last-week");
	}
	r.has_every = r.has_day = 1;
	if (monthly != NULL) {
		char *end;
		unsigned long d = strtoul(monthly, &end, 10);
		if (*monthly == '\0' || *end != '\0' || d < 1 || d > 31) {
			return cmd_usage_error(ctx, call,
			    "--monthly wants a day of the month 1-31, not "
			    "'%s'",
			    monthly);
		}
		r.every = CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY;
		r.day = (uint32_t)d;
	} else if (weekly != NULL) {
		r.every = CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY;
		r.day = weekday(weekly);
		if (r.day == 0) {
			return cmd_usage_error(ctx, call,
			    "--weekly wants a weekday (mon..sun, 周三), not "
			    "'%s'",
			    weekly);
		}
	} else {
		if (strcmp(quarterly, "last-week") != 0) {
			return cmd_usage_error(ctx, call,
			    "--quarterly wants last-week (每季度末), not '%s'",
			    quarterly);
		}
		r.every = CRM__V1__ROUTINE_EVERY__ROUTINE_QUARTERLY;
	}
	if (at != NULL) {
		unsigned h, m;
		char tail;
		if (sscanf(at, "%u:%u%c", &h, &m, &tail) != 2 || h > 23 ||
		    m > 59) {
			return cmd_usage_error(ctx, call,
			    "--time wants HH:MM like 10:00, not '%s'", at);
		}
		r.has_minute = 1;
		r.minute = h * 60 + m;
	}
	const char *team = cmd_opt(call, "--team");
	const char *stage = cmd_opt(call, "--stage");
	const char *grade = cmd_opt(call, "--grade");
	crm_status rc;
	if (team == NULL && (stage != NULL || grade != NULL)) {
		return cmd_usage_error(
		    ctx, call, "--stage and --grade narrow a --team routine");
	}
	if ((team != NULL) != (call->argc == 1)) {
		return cmd_usage_error(ctx, call,
		    team != NULL ? "--team TEAM \"goal\": no customer too"
		                 : "give the customer and the routine's goal");
	}
	const char *goal = call->argv[call->argc - 1];
	if (goal[0] == '\0') {
		return cmd_usage_error(ctx, call, "give the routine's goal");
	}
	r.goal = (char *)goal;
	if (team != NULL) {
		int v;
		r.team = (char *)team;
		if (stage != NULL) {
			rc = cmd_parse_enum(ctx, call,
			    &crm__v1__stage__descriptor, "stage", stage, &v);
			if (rc != CRM_OK) {
				return rc;
			}
			r.has_stage = 1;
			r.stage = (Crm__V1__Stage)v;
		}
		if (grade != NULL) {
			rc = cmd_parse_enum(ctx, call,
			    &crm__v1__grade__descriptor, "grade", grade, &v);
			if (rc != CRM_OK) {
				return rc;
			}
			r.has_grade = 1;
			r.grade = (Crm__V1__Grade)v;
		}
	} else {
		rc = cmd_customer_resolve(ctx, call->argv[0], &r.customer_id);
		if (rc != CRM_OK) {
			return rc;
		}
		r.has_customer_id = 1;
	}
	body.routine = &r;
	req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_ADD;
	req.routine_add = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_ROUTINE, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__Routine *one = resp->routine;
	show(&one, 1, out);
	render_set_json(out, render_json_message(&resp->routine->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_routine_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__RoutineListRequest body = CRM__V1__ROUTINE_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	crm_status rc;

	if (call->argc > 0) {
		rc = cmd_customer_resolve(
		    ctx, call->argv[0], &body.customer_id);
		if (rc != CRM_OK) {
			return rc;
		}
		body.has_customer_id = 1;
	}
	if (cmd_opt(call, "--stopped") != NULL) {
		body.has_stopped = body.stopped = 1;
	}
	req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_LIST;
	req.routine_list = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_ROUTINES, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__RoutineList *l = resp->routines;
	show((const Crm__V1__Routine *const *)l->routines, l->n_routines, out);
	if (l->n_routines == 0) {
		render_text(out, "no routines");
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < l->n_routines; i++) {
		json_array_append_new(
		    arr, render_json_message(&l->routines[i]->base));
	}
	render_set_json(out, arr);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

crm_status
cmd_routine_stop(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__RoutineStopRequest body = CRM__V1__ROUTINE_STOP_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *end;
	unsigned long long id = strtoull(call->argv[0], &end, 10);

	if (call->argv[0][0] == '\0' || *end != '\0' || id == 0) {
		return cmd_usage_error(ctx, call,
		    "ID wants a routine id, not '%s'", call->argv[0]);
	}
	body.has_id = 1;
	body.id = id;
	req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_STOP;
	req.routine_stop = &body;
	crm_status rc =
	    cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_ROUTINE, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__Routine *one = resp->routine;
	show(&one, 1, out);
	render_text(out, "routine %llu stopped; its %s occurrences cancelled",
	    id, one->team_id != 0 ? "not yet due" : "open");
	render_set_json(out, render_json_message(&resp->routine->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
