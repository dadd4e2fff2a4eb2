/* SPDX-License-Identifier: MIT */
/*
 * cmd_followup_show.c: `followup show ID`: one follow-up as people read
 * it, every stored field by name (feedback, mood, next action and the
 * task it planned, or that it planned none: history only; participants,
 * objections, tags, score, the stage it moved, ...), then its commitments
 * as they stand now and its attachments. Not the place to change one: a
 * follow-up is a record of what happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void
kv_time(render_doc *out, const char *key, protobuf_c_boolean has, int64_t t)
{
	char buf[32];
	if (has && t != 0) {
		crm_time_format(t, buf, sizeof(buf));
		render_kv(out, key, buf);
	}
}

static void
kv_id(render_doc *out, const char *key, protobuf_c_boolean has, uint64_t id)
{
	char buf[32];
	if (has && id != 0) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)id);
		render_kv(out, key, buf);
	}
}

static const char *
enum_word(const ProtobufCEnumDescriptor *d, protobuf_c_boolean has, int v)
{
	return has ? crm_enum_name(d, v) : "";
}

/* The follow-up's own fields, in the order a reader wants them. */
/* "next task now": the task the follow-up planned, as it stands now,
 * when that is not what the follow-up said (moved, handed on, done,
 * cancelled); nothing when it still is. */
static void
next_task_now(render_doc *out, const Crm__V1__FollowUp *f)
{
	const Crm__V1__Task *k = f->next_task;
	if (k == NULL) {
		return;
	}
	int open = k->status == CRM__V1__TASK_STATUS__TASK_OPEN;
	int moved = f->has_next_due_at && k->due_at != f->next_due_at;
	int handed = f->next_owner != NULL && k->owner != NULL &&
	             strcmp(f->next_owner, k->owner) != 0;
	if (open && !moved && !handed) {
		return;
	}
	char t[32] = "", buf[256];
	if (!open && k->has_done_at && k->done_at != 0) {
		crm_time_format(k->done_at, t, sizeof(t));
	} else if (open) {
		crm_time_format(k->due_at, t, sizeof(t));
	}
	snprintf(buf, sizeof(buf), "task %llu %s%s%s%s%s",
	    (unsigned long long)k->id,
	    open ? "open, due"
	         : crm_enum_name(&crm__v1__task_status__descriptor, k->status),
	    t[0] ? " " : "", t, k->owner ? ", " : "",
	    k->owner ? k->owner : "");
	render_kv(out, "next task now", buf);
}

static void
followup_record(const Crm__V1__FollowUp *f, render_doc *out)
{
	char buf[512], t[32];
	char *contacts = render_field(&f->base, "contact_names");
	char *tags = render_field(&f->base, "tags");

	render_record(out);
	kv_id(out, "followup", f->has_id, f->id);
	render_kv(out, "customer", f->customer);
	kv_time(out, "at", f->has_happened_at, f->happened_at);
	render_kv(out, "by", f->author);
	render_kv(out, "channel",
	    enum_word(
	        &crm__v1__channel__descriptor, f->has_channel, f->channel));
	if (f->has_duration_min && f->duration_min > 0) {
		snprintf(buf, sizeof(buf), "%u min", f->duration_min);
		render_kv(out, "duration", buf);
	}
	render_kv(out, "contacts", contacts);
	render_kv(out, "participants", f->participants);
	render_kv(out, "goal", f->goal);
	render_kv(out, "summary", f->summary);
	render_kv(out, "feedback", f->feedback);
	render_kv(out, "mood",
	    enum_word(&crm__v1__mood__descriptor, f->has_mood, f->mood));
	if (f->has_no_answer && f->no_answer) {
		render_kv(out, "no answer", "yes");
	}
	/* The objections as raised. The reply carries their texts only, not
	 * the issues they opened: `issue list` has those, open or resolved. */
	for (size_t i = 0; i < f->n_objections; i++) {
		render_kv(out, "objection", f->objections[i]);
	}
	render_kv(out, "tags", tags);
	if (f->next_action != NULL && f->next_action[0] != '\0') {
		t[0] = '\0';
		if (f->has_next_due_at && f->next_due_at != 0) {
			crm_time_format(f->next_due_at, t, sizeof(t));
		}
		snprintf(buf, sizeof(buf), "%s%s%s%s%s%s", f->next_action,
		    t[0] || f->next_owner ? " (" : "", t[0] ? "due " : "", t,
		    f->next_owner ? (t[0] ? ", " : "") : "",
		    f->next_owner ? f->next_owner : "");
		if (f->has_next_task_id && f->next_task_id != 0) {
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof(buf) - n, "%stask %llu",
			    t[0] || f->next_owner ? "; " : " (",
			    (unsigned long long)f->next_task_id);
		}
		if (crm_followup_unplanned(f)) {
			/* History only: what it said, no task made. */
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof(buf) - n,
			    "%s" CRM_UNPLANNED_WORDS,
			    t[0] || f->next_owner ? "; " : " (");
		}
		if (t[0] || f->next_owner || f->has_next_task_id ||
		    crm_followup_unplanned(f)) {
			strncat(buf, ")", sizeof(buf) - strlen(buf) - 1);
		}
		render_kv(out, "next action", buf);
	} else if (f->has_next_task_id && f->next_task_id != 0) {
		t[0] = '\0';
		if (f->has_next_due_at && f->next_due_at != 0) {
			crm_time_format(f->next_due_at, t, sizeof(t));
		}
		snprintf(buf, sizeof(buf), "%llu%s%s",
		    (unsigned long long)f->next_task_id, t[0] ? " due " : "",
		    t);
		render_kv(out, "next task", buf);
	}
	next_task_now(out, f);
	if (f->has_stage_to && f->stage_to != 0) {
		/* No stage_from: an older follow-up's, said, not applied. */
		snprintf(buf, sizeof(buf), "%s%s%s%s%s%s",
		    f->has_stage_from
		        ? crm_enum_name(
		              &crm__v1__stage__descriptor, f->stage_from)
		        : "",
		    f->has_stage_from ? " → " : "",
		    crm_enum_name(&crm__v1__stage__descriptor, f->stage_to),
		    f->has_stage_from ? "" : " (said; not applied)",
		    f->stage_reason ? ": " : "",
		    f->stage_reason ? f->stage_reason : "");
		render_kv(out, "stage", buf);
	}
	render_kv(out, "lost reason",
	    enum_word(&crm__v1__lost_reason__descriptor, f->has_lost_reason,
	        f->lost_reason));
	if (f->has_deal_amount) {
		render_money(f->deal_amount, buf, sizeof(buf));
		render_kv(out, "deal amount", buf);
	}
	render_kv(out, "contract terms", f->contract_terms);
	if (f->score != NULL) {
		const Crm__V1__Score *s = f->score;
		snprintf(buf, sizeof(buf),
		    "timeliness %u, efficiency %u, professionalism %u, "
		    "proactiveness %u",
		    s->timeliness, s->efficiency, s->professionalism,
		    s->proactiveness);
		render_kv(out, "score", buf);
		for (size_t i = 0; i < s->n_evidence; i++) {
			render_kv(out, "evidence", s->evidence[i]);
		}
	}
	render_kv(out, "grade then",
	    enum_word(&crm__v1__grade__descriptor, f->has_grade, f->grade));
	kv_time(out, "logged at", f->has_logged_at, f->logged_at);
	if (f->has_late) {
		render_kv(out, "late",
		    f->late ? "yes (logged after the deadline)" : "no");
	}
	if (f->has_imported && f->imported) {
		render_kv(out, "imported", "yes");
	}
	kv_id(out, "completed task", f->has_task_id, f->task_id);
	kv_id(out, "resolved issue", f->has_resolves, f->resolves);
	free(contacts);
	free(tags);
}

crm_status
cmd_followup_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const ccols[] = { "commitment", "due", "status",
		"owner", "text" };
	static const char *const acols[] = { "attachment", "title", "by",
		"at" };
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupGetRequest body = CRM__V1__FOLLOWUP_GET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	rc = cmd_parse_id_arg(
	    ctx, call, "follow-up id", call->argv[0], &body.id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_GET;
	req.followup_get = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_FOLLOWUP, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__FollowUp *f = resp->followup;
	followup_record(f, out);
	if (f->n_commitments > 0) {
		render_table(out, 5, ccols);
	}
	for (size_t i = 0; i < f->n_commitments; i++) {
		const Crm__V1__Commitment *c = f->commitments[i];
		char id[24], due[32] = "";
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
		if (c->has_due_at && c->due_at != 0) {
			crm_time_format(c->due_at, due, sizeof(due));
		}
		const char *cells[] = { id, due,
			crm_enum_name(&crm__v1__commitment_status__descriptor,
			    c->status),
			c->owner, c->text };
		render_row(out, cells);
	}
	if (f->n_attachments > 0) {
		render_table(out, 4, acols);
	}
	for (size_t i = 0; i < f->n_attachments; i++) {
		const Crm__V1__Attachment *a = f->attachments[i];
		char at[32] = "";
		if (a->has_added_at && a->added_at != 0) {
			crm_time_format(a->added_at, at, sizeof(at));
		}
		const char *cells[] = { a->location, a->title, a->added_by,
			at };
		render_row(out, cells);
	}
	render_set_json(out, render_json_message(&f->base));
	if (f->customer != NULL) {
		cmd_cache_names((const char *const *)&f->customer, 1);
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
