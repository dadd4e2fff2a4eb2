/* SPDX-License-Identifier: MIT */
/*
 * cmd_changes.c: `changes SINCE [--limit N]`, one page of the change log
 * that services follow (customers, contacts, follow-ups and tasks changed
 * after the cursor SINCE), and the cursor to ask with next.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

crm_status
cmd_changes_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const cols[] = { "seq", "kind", "id",
		"customer_id" };
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ChangesRequest body = CRM__V1__CHANGES_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	char *end;

	errno = 0;
	unsigned long long since = strtoull(call->argv[0], &end, 10);
	if (call->argv[0][0] < '0' || call->argv[0][0] > '9' || *end ||
	    errno != 0) {
		return cmd_usage_error(ctx, call,
		    "SINCE wants a cursor (0 or a seq), not '%s'",
		    call->argv[0]);
	}
	body.has_since = 1;
	body.since = since;
	if (cmd_opt_limit(ctx, call, CRM_CHANGES_LIMIT_MAX, &body.has_limit,
	        &body.limit) != CRM_OK) {
		return CRM_EINVAL;
	}
	req.body_case = CRM__V1__REQUEST__BODY_CHANGES;
	req.changes = &body;
	crm_status rc =
	    cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_CHANGES, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__ChangesReply *r = resp->changes;
	render_messages_table(out, 4, cols,
	    (const ProtobufCMessage *const *)r->changes, r->n_changes);
	render_set_json(out, render_json_message(&r->base));
	render_text(out, "next: changes %" PRIu64 "%s", r->next_since,
	    r->more ? " (more waiting)" : "");
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
