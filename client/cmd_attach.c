/* SPDX-License-Identifier: MIT */
/*
 * cmd_attach.c: `attach FOLLOWUP PATH_OR_URL [--title T]`: keep a
 * reference to minutes or a call recording with a follow-up already
 * logged (`log ... --attach` does it while logging). Only the reference is
 * sent, never the file: the shell does not read it, so a path on a shared
 * drive the server cannot see is fine.
 */
#include <string.h>

#include "commands.h"

/* The checks the server makes too, said before the network. */
crm_status
cmd_attach_check(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *ref, const char *title)
{
	if (ref == NULL || ref[0] == '\0') {
		return cmd_usage_error(ctx, call, "give a path or URL");
	}
	if (strlen(ref) > 1024) {
		return cmd_usage_error(
		    ctx, call, "a path or URL is at most 1024 bytes");
	}
	if (crm_utf8_has_control(ref, strlen(ref)) ||
	    strpbrk(ref, "\t\n\r") != NULL) {
		return cmd_usage_error(
		    ctx, call, "a path or URL has no control characters");
	}
	if (title != NULL && (strlen(title) > CRM_ATTACHMENT_TITLE_MAX ||
	                         crm_utf8_has_control(title, strlen(title)) ||
	                         strpbrk(title, "\t\n\r") != NULL)) {
		return cmd_usage_error(ctx, call,
		    "--title is one line of at most %d bytes",
		    CRM_ATTACHMENT_TITLE_MAX);
	}
	return CRM_OK;
}

crm_status
cmd_attach_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupAttachRequest body =
	    CRM__V1__FOLLOWUP_ATTACH_REQUEST__INIT;
	Crm__V1__Attachment a = CRM__V1__ATTACHMENT__INIT;
	Crm__V1__Response *resp = NULL;

	if ((rc = cmd_parse_id_arg(ctx, call, "follow-up id", call->argv[0],
	         &body.followup_id)) != CRM_OK) {
		return rc;
	}
	body.has_followup_id = 1;
	a.location = call->argv[1];
	a.title = (char *)cmd_opt(call, "--title");
	if ((rc = cmd_attach_check(ctx, call, a.location, a.title)) !=
	    CRM_OK) {
		return rc;
	}
	body.attachment = &a;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_ATTACH;
	req.followup_attach = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_FOLLOWUP, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__FollowUp *f = resp->followup;
	render_text(out, "follow-up %llu of %s has %zu attachment%s",
	    (unsigned long long)f->id, f->customer ? f->customer : "?",
	    f->n_attachments, f->n_attachments == 1 ? "" : "s");
	static const char *const cols[] = { "location", "title", "added_by",
		"added_at" };
	render_messages(out, 4, cols,
	    (const ProtobufCMessage *const *)f->attachments, f->n_attachments);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
