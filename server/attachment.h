/* SPDX-License-Identifier: MIT */
/*
 * attachment.h: references to minutes and call recordings kept with a
 * follow-up (a path or URL and a title, never the file): their checks,
 * shared by follow-up logging and the attach request.
 */
#ifndef ATTACHMENT_H
#define ATTACHMENT_H

#include <stddef.h>

#include "dispatch.h"

#define ATTACHMENT_REF_MAX   1024 /* bytes */
#define ATTACHMENT_TITLE_MAX CRM_ATTACHMENT_TITLE_MAX
#define ATTACHMENT_MAX       CRM_FOLLOWUP_MAX_ATTACHMENTS

/*
 * attachment_take: check the client's attachments in[0..n) and append
 * server-built copies to f's, in ctx->arena: added by the caller, now;
 * with as_said (an import, whose rows import.c checked) by each one's
 * added_by_id and at its added_at where given (not after now), else by
 * f's author at f's time. Errors: CRM_EINVAL (message names the
 * attachment's fault), CRM_TOO_BIG.
 */
crm_status attachment_take(struct req_ctx *ctx, Crm__V1__FollowUp *f,
    Crm__V1__Attachment *const *in, size_t n, int as_said);

/* attachment_fill: the logins of who added f's attachments (display). */
void attachment_fill(struct req_ctx *ctx, Crm__V1__FollowUp *f);

#endif
