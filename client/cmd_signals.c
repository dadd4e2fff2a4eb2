/* SPDX-License-Identifier: MIT */
/*
 * cmd_signals.c: `policy avoidance`, the number of follow-ups in a row
 * that avoid contact (mood resistant or hesitant, or no answer) after
 * which an S or A customer's team manager gets a grade-review task (seed
 * 002: S级客户若多次回避沟通，需降级分析原因).
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"

crm_status
cmd_signals_avoidance(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicySetRequest set = CRM__V1__POLICY_SET_REQUEST__INIT;
	Crm__V1__PolicyGetRequest get = CRM__V1__POLICY_GET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	if (call->argc == 1) {
		char *end = NULL;
		unsigned long n = strtoul(call->argv[0], &end, 10);
		if (call->argv[0][0] < '0' || call->argv[0][0] > '9' ||
		    *end != '\0' || n < 2 || n > 20) {
			return cmd_usage_error(ctx, call,
			    "want a number of follow-ups 2-20, not '%s'",
			    call->argv[0]);
		}
		set.has_avoidance_followups = 1;
		set.avoidance_followups = (uint32_t)n;
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
		req.policy_set = &set;
	} else {
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_GET;
		req.policy_get = &get;
	}
	crm_status rc =
	    cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_POLICY, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	uint32_t n = resp->policy->avoidance_followups
	                 ? resp->policy->avoidance_followups
	                 : 3;
	render_text(out,
	    "%u follow-ups in a row avoiding contact (resistant, hesitant or "
	    "no answer) on an S or A customer give the team's manager a "
	    "grade-review task",
	    n);
	json_t *j = json_object();
	json_object_set_new(j, "avoidance_followups", json_integer(n));
	render_set_json(out, j);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
