/* SPDX-License-Identifier: MIT */
/*
 * attachment.c: attachments of follow-ups: references (a path on a shared
 * drive, or a URL) to minutes or call recordings, which the seeds ask for
 * with S-grade customers. Only the reference and a title are stored, never
 * the file; both are checked for length and control characters (tab and
 * newline included) so they print safely on one line. The handler of
 * followup.attach adds one to a follow-up already logged.
 */
#include "attachment.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "changes.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "store_schema.h"
#include "user.h"

/* One line, no controls (the validator allowed tab and newline). */
static int
one_line(const char *s)
{
	return strpbrk(s, "\t\n\r") == NULL &&
	       !crm_utf8_has_control(s, strlen(s));
}

/* A URL (scheme://...) or a path: anything that does not start or end
 * with blanks. */
static int
plausible_ref(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[n - 1])) {
		return 0;
	}
	const char *colon = strstr(s, "://");
	if (colon == NULL) {
		return 1; /* a path */
	}
	if (colon == s || !isalpha((unsigned char)s[0])) {
		return 0;
	}
	for (const char *p = s; p < colon; p++) {
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' &&
		    *p != '.') {
			return 0;
		}
	}
	return colon[3] != '\0';
}

crm_status
attachment_take(struct req_ctx *ctx, Crm__V1__FollowUp *f,
    Crm__V1__Attachment *const *in, size_t n, int as_said)
{
	if (n == 0) {
		return CRM_OK;
	}
	if (f->n_attachments + n > ATTACHMENT_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "attachments",
		    "attach: at most %d attachments per follow-up",
		    ATTACHMENT_MAX);
	}
	for (size_t i = 0; i < n; i++) {
		const char *ref = in[i] ? in[i]->location : NULL;
		const char *title = in[i] ? in[i]->title : NULL;
		char at[48];
		snprintf(at, sizeof(at), "attachments[%zu].location", i);
		if (ref == NULL || *ref == '\0') {
			return dispatch_fail_field(
			    ctx, CRM_EINVAL, at, "attach: give a path or URL");
		}
		if (strlen(ref) > ATTACHMENT_REF_MAX) {
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "attach: a path or URL is at most %d bytes",
			    ATTACHMENT_REF_MAX);
		}
		if (!one_line(ref) || !plausible_ref(ref)) {
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "attach: '%.60s' is not a path or URL (no "
			    "control characters, no surrounding blanks)",
			    one_line(ref) ? ref : "?");
		}
		if (title != NULL && (strlen(title) > ATTACHMENT_TITLE_MAX ||
		                         !one_line(title))) {
			snprintf(at, sizeof(at), "attachments[%zu].title", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "title: one line of at most %d bytes",
			    ATTACHMENT_TITLE_MAX);
		}
	}
	Crm__V1__Attachment **all =
	    crm_arena_alloc(ctx->arena, (f->n_attachments + n) * sizeof(*all));
	if (all == NULL) {
		return CRM_TOO_BIG;
	}
	if (f->n_attachments > 0) {
		memcpy(all, f->attachments, f->n_attachments * sizeof(*all));
	}
	for (size_t i = 0; i < n; i++) {
		Crm__V1__Attachment *a =
		    crm_arena_alloc(ctx->arena, sizeof(*a));
		if (a == NULL) {
			return CRM_TOO_BIG;
		}
		/* Built from what a client may set. */
		crm__v1__attachment__init(a);
		a->location = in[i]->location;
		a->title = in[i]->title && *in[i]->title ? in[i]->title : NULL;
		a->has_added_by_id = a->has_added_at = 1;
		a->added_by_id = ctx->who->user_id;
		a->added_at = dispatch_at(ctx);
		if (as_said) {
			a->added_by_id = in[i]->added_by_id
			                     ? in[i]->added_by_id
			                     : f->author_id;
			a->added_at =
			    in[i]->added_at > 0 && in[i]->added_at <= ctx->now
			        ? in[i]->added_at
			        : f->happened_at;
		}
		all[f->n_attachments + i] = a;
	}
	f->attachments = all;
	f->n_attachments += n;
	return CRM_OK;
}

void
attachment_fill(struct req_ctx *ctx, Crm__V1__FollowUp *f)
{
	for (size_t i = 0; i < f->n_attachments; i++) {
		f->attachments[i]->added_by =
		    (char *)user_login_of(ctx, f->attachments[i]->added_by_id);
	}
}

crm_status
attachment_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__FollowupAttachRequest *r = req->followup_attach;
	Crm__V1__FollowUp *before, *f;
	Crm__V1__Customer *c;
	if (!r->has_followup_id || r->attachment == NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_followup_id ? "followup_attach.followup_id"
		                        : "followup_attach.attachment",
		    "give a follow-up and a path or URL");
	}
	crm_status rc = dispatch_record(ctx, DB_FOLLOWUPS, r->followup_id,
	    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)&before);
	if (rc == CRM_OK) {
		rc = dispatch_record(ctx, DB_FOLLOWUPS, r->followup_id,
		    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)&f);
	}
	if (rc == CRM_OK) {
		/* A follow-up of a customer one may not see does not exist. */
		rc = customer_editable(ctx, f->customer_id, &c);
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(
		    ctx, rc, "no follow-up %" PRIu64, r->followup_id);
	}
	if (rc == CRM_OK) {
		rc = attachment_take(ctx, f, &r->attachment, 1, 0);
		/* attachments[0].x of the follow-up: the request's one */
		const char *dot = strchr(ctx->field, '.');
		if (rc != CRM_OK && ctx->field[0] != '\0') {
			char one[sizeof(ctx->field)];
			snprintf(one, sizeof(one),
			    "followup_attach.attachment%s", dot ? dot : "");
			memcpy(ctx->field, one, sizeof(one));
		}
	}
	store_key k;
	if (rc == CRM_OK) {
		store_key_id(&k, f->id);
		rc = store_put_msg(
		    ctx->st, ctx->txn, DB_FOLLOWUPS, &k, &f->base);
	}
	if (rc == CRM_OK) {
		rc = changes_record(ctx, CRM__V1__CHANGE_KIND__CHANGE_FOLLOWUP,
		    f->id, f->customer_id);
	}
	if (rc == CRM_OK) {
		rc =
		    audit_add(ctx, "followup", f->id, &before->base, &f->base);
	}
	if (rc == CRM_OK) {
		rc = customer_touch(ctx, c->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	f->customer = c->name;
	f->author = (char *)user_login_of(ctx, f->author_id);
	attachment_fill(ctx, f);
	resp->body_case = CRM__V1__RESPONSE__BODY_FOLLOWUP;
	resp->followup = f;
	return CRM_OK;
}
