/* SPDX-License-Identifier: MIT */
/*
 * customer_edit.c: the handlers that read or write one customer:
 * customer.add, .get, .edit and .assign. Field rules are
 * customer_fields.c's, the record and its indexes customer.c's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "card.h"
#include "changes.h"
#include "crm.h"
#include "customer.h"
#include "customer_fields.h"
#include "handlers.h"
#include "lifecycle.h"
#include "pool.h"
#include "purchase.h"
#include "scope.h"
#include "signals.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define DEFAULT_GRADE CRM__V1__GRADE__GRADE_B
#define SIMILAR_MAX   5 /* similar names named when one is added */

/* ---------------------------------------------------- handlers */

/* Step of customer.add: the new customer's owner, a login the caller may
 * give customers to (scope.h; default the caller). The owner is
 * CustomerAddRequest.owner: one set inside the customer would be silently
 * ignored, so it is refused. */
static crm_status
add_owner(struct req_ctx *ctx, const Crm__V1__CustomerAddRequest *r,
    Crm__Store__UserRecord **owner)
{
	const Crm__V1__Customer *in = r->customer;
	if (ctx->action != NULL && strcmp(ctx->action, "customer.add") == 0 &&
	    ((in->owner != NULL && *in->owner != '\0') ||
	        (in->has_owner_id && in->owner_id != 0))) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    in->owner != NULL && *in->owner != '\0'
		        ? "customer_add.customer.owner"
		        : "customer_add.customer.owner_id",
		    "the owner of a new customer is CustomerAddRequest.owner "
		    "(a login), not customer.owner or customer.owner_id");
	}
	crm_status rc = scope_new_owner(
	    ctx, r->owner && *r->owner ? r->owner : ctx->who->login, owner);
	if (rc != CRM_OK && r->owner && *r->owner) {
		snprintf(ctx->field, sizeof(ctx->field), "customer_add.owner");
	}
	return rc;
}

/* Step of customer.add: the new record from the fields of in a client
 * may set, with defaults, checked. A rep's grade other than the default
 * is a proposal: *wanted is the grade asked for, *proposed set so. */
static crm_status
add_record(struct req_ctx *ctx, const Crm__V1__Customer *in,
    Crm__V1__Customer **out, Crm__V1__Grade *wanted, int *proposed)
{
	/* Built field by field: never store a client's message as sent. */
	Crm__V1__Customer *c = crm_arena_alloc(ctx->arena, sizeof(*c));
	if (c == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer__init(c);
	const ProtobufCMessageDescriptor *d = &crm__v1__customer__descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (customer_fields_editable(d->fields[i].name)) {
			customer_fields_copy(c, in, &d->fields[i]);
		}
	}
	if (!c->has_kind) {
		c->has_kind = 1;
		c->kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	}
	if (!c->has_stage || c->stage == 0) {
		c->has_stage = 1;
		c->stage = CRM__V1__STAGE__STAGE_POTENTIAL;
	}
	/* A rep proposes a grade; the customer starts at the default until
	 * the manager decides (seed 002: 销售代表初评, 销售经理审核确认). */
	*proposed = c->has_grade && c->grade != 0 &&
	            c->grade != DEFAULT_GRADE &&
	            ctx->who->role == CRM__V1__ROLE__ROLE_REP;
	*wanted = c->grade;
	if (!c->has_grade || c->grade == 0 || *proposed) {
		c->has_grade = 1;
		c->grade = DEFAULT_GRADE;
	}
	if (!c->has_first_contact_at) {
		/* Not given: when it is entered, or earlier when it says it
		 * was at its stage, won or lost before that (an import): it
		 * was a contact by then, not one met today after its deal. */
		int64_t at = dispatch_at(ctx);
		const int64_t said[3] = {
			c->has_stage_at ? c->stage_at : 0,
			c->has_won_at ? c->won_at : 0,
			c->has_lost_at ? c->lost_at : 0,
		};
		for (int i = 0; i < 3; i++) {
			if (said[i] > 0 && said[i] < at) {
				at = said[i];
			}
		}
		c->has_first_contact_at = 1;
		c->first_contact_at = at;
	}
	c->industry = (char *)customer_trimmed(ctx, c->industry);
	crm_status rc = customer_fields_first_contact(ctx, c);
	if (rc == CRM_OK) {
		rc = customer_fields_check(ctx, c);
	}
	if (rc == CRM_OK) {
		/* Checked as sent (a refusal names tags[i] of the request),
		 * kept as a set. c->tags is the request's: copied first. */
		char **tags = crm_arena_alloc(
		    ctx->arena, (c->n_tags + 1) * sizeof(*tags));
		if (tags == NULL) {
			return CRM_TOO_BIG;
		}
		if (c->n_tags > 0) {
			memcpy(tags, c->tags, c->n_tags * sizeof(*tags));
		}
		c->tags = tags;
		customer_fields_tags(ctx, c->tags, &c->n_tags);
	}
	if (rc == CRM_OK) {
		rc = customer_fields_company_name(ctx, c);
	}
	if (rc == CRM_OK) {
		rc = customer_fields_licence_clean(ctx, c);
	}
	if (rc == CRM_OK) {
		rc = customer_fields_first_stage(ctx, c);
	}
	if (rc != CRM_OK) {
		dispatch_field_prefix(ctx, "customer_add.customer.");
		return rc;
	}
	*out = c;
	return CRM_OK;
}

/* Step of customer.add: what a new customer starts with once stored: its
 * first stage, its next follow-up and extras (not when lost), its grade,
 * a purchase when added as won, a grade proposal (*p) when a rep asked
 * for a grade. */
static crm_status
add_start(struct req_ctx *ctx, Crm__V1__Customer *c, int64_t stage_at,
    int stage_given, const char *deal_category, int proposed,
    Crm__V1__Grade wanted, Crm__V1__GradeProposal **p)
{
	crm_status rc = lifecycle_stage_first(ctx, c, stage_at, stage_given);
	if (rc == CRM_OK) {
		rc = task_followup_sync(ctx, c, customer_last_contact(c), 1);
	}
	if (rc == CRM_OK && c->stage != CRM__V1__STAGE__STAGE_LOST) {
		/* A lost customer gets no re-grade or greeting tasks. */
		rc = task_extras_start(ctx, c);
	}
	if (rc == CRM_OK && !proposed && wanted != 0) {
		rc = lifecycle_grade_set(ctx, c, 0, (int)wanted,
		    "grade given when the customer was added");
	}
	if (rc == CRM_OK && c->has_won_at && c->won_at != 0 &&
	    c->has_deal_amount && c->deal_amount > 0) {
		/* Added (or imported) as won, or won and moved on: its deal
		 * is a purchase, as `stage ... won --amount` records it. */
		rc = lifecycle_won_purchase(ctx, c, c->deal_amount,
		    c->contract_terms, deal_category, 0);
	}
	if (rc == CRM_OK && proposed) {
		rc = lifecycle_propose(ctx, c, wanted,
		    "grade given when the customer was added", p);
	}
	return rc;
}

crm_status
customer_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerAddRequest *r = req->customer_add;
	if (r->customer == NULL) {
		return dispatch_fail(ctx, CRM_EINVAL, "customer is required");
	}
	Crm__Store__UserRecord *owner = NULL;
	Crm__V1__Customer *c = NULL;
	Crm__V1__Grade wanted = 0;
	int proposed = 0;
	crm_status rc = add_owner(ctx, r, &owner);
	if (rc == CRM_OK) {
		rc = add_record(ctx, r->customer, &c, &wanted, &proposed);
	}
	if (rc == CRM_OK) {
		rc = store_next_id(ctx->st, ctx->txn, "customer", &c->id);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_id = c->has_owner_id = c->has_team_id = 1;
	c->has_created_at = c->has_created_by = 1;
	c->owner_id = owner->id;
	c->team_id = owner->team_id;
	/* Entered when the rep typed it (a record kept offline is not a
	 * late entry for the wait). */
	c->created_at = dispatch_at(ctx);
	c->created_by = ctx->who->user_id;
	/* Late entry (seed 002: 客户信息需在首次接触后24小时内录入系统) is
	 * about the person who entered the record late: decided now and
	 * kept. Only a person entering their own customer (customer add
	 * without --owner someone else, or a rep's import of one first met
	 * since they had crm: signals_own_import) can be late; an import
	 * of history (migrations) and a record a manager or admin enters
	 * for a rep are not the rep's late entry. */
	int typed =
	    ctx->action != NULL && strcmp(ctx->action, "customer.add") == 0;
	c->has_late_entry = 1;
	c->late_entry =
	    (typed || signals_own_import(ctx, owner->id,
	                  c->has_first_contact_at ? c->first_contact_at
	                                          : c->created_at)) &&
	    owner->id == ctx->who->user_id &&
	    signals_entered_late(c->first_contact_at, c->created_at);
	Crm__V1__GradeProposal *p = NULL;
	/* Not stored: the stage history's, the deal's purchase's. */
	int64_t stage_at = c->stage_at;
	/* A stage said (even potential) is a decision, not the default. */
	int stage_given = r->customer->has_stage && r->customer->stage != 0;
	const char *deal_category = c->deal_category;
	rc = customer_save(ctx, NULL, c);
	if (rc == CRM_OK) {
		rc = add_start(ctx, c, stage_at, stage_given, deal_category,
		    proposed, wanted, &p);
	}
	if (rc == CRM_OK) {
		rc = customer_reply(ctx, c, resp);
	}
	if (rc == CRM_OK && p != NULL) {
		resp->customer->proposal = p;
	}
	if (rc == CRM_OK && !ctx->bulk && !ctx->importing) {
		/* A warning only: the customer is added (a bulk load or an
		 * import has nobody to warn, and the walk reads every
		 * name). */
		rc = customer_similar(ctx, c, SIMILAR_MAX,
		    &resp->customer->similar, &resp->customer->n_similar);
	}
	return rc;
}

crm_status
customer_handle_get(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerGetRequest *r = req->customer_get;
	uint64_t id = r->has_id ? r->id : 0;
	if (id == 0 && r->name != NULL) {
		/* By exact (normalised) name: companies first, then people. */
		crm_status rc = customer_find(ctx, r->name, &id);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (id == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "customer_get.id",
		    "give an id or a name");
	}
	Crm__V1__Customer *c;
	crm_status rc = customer_visible(ctx, id, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	customer_fill_names(ctx, c);
	Crm__V1__CustomerReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__customer_reply__init(out);
	out->customer = c;
	rc = customer_contacts(ctx, id, &out->contacts, &out->n_contacts);
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_contact_count = 1;
	c->contact_count = (uint32_t)out->n_contacts;
	rc = purchase_summary(ctx, id, &out->purchases);
	if (rc == CRM_OK) {
		rc = card_fill(ctx, id, out); /* what to know before a call */
	}
	if (rc != CRM_OK) {
		return rc;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CUSTOMER;
	resp->customer = out;
	return CRM_OK;
}

crm_status
customer_handle_edit(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerEditRequest *r = req->customer_edit;
	if (!r->has_id || r->n_fields == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_id ? "customer_edit.id" : "customer_edit.fields",
		    "give an id and at least one field to set (FIELD=VALUE "
		    "in the shell)");
	}
	Crm__V1__Customer *before, *after;
	crm_status rc = customer_editable(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = customer_load(ctx, r->id, &after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	const ProtobufCMessageDescriptor *d = &crm__v1__customer__descriptor;
	for (size_t i = 0; i < r->n_fields; i++) {
		const char *name = r->fields[i]->field;
		const char *value =
		    r->fields[i]->value ? r->fields[i]->value : "";
		const ProtobufCFieldDescriptor *f =
		    name ? protobuf_c_message_descriptor_get_field_by_name(
		               d, name)
		         : NULL;
		if (f == NULL || !customer_fields_editable(name)) {
			char path[64];
			snprintf(path, sizeof(path),
			    "customer_edit.fields[%zu].field", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, path,
			    "'%s' is not a field you can edit%s",
			    name ? name : "",
			    name && strcmp(name, "owner") == 0
			        ? " (use customer assign)"
			        : "");
		}
		char path[64];
		snprintf(path, sizeof(path), "customer_edit.fields[%zu]", i);
		if (strcmp(name, "stage") == 0) {
			return dispatch_fail_field(ctx, CRM_EINVAL, path,
			    "stage changes keep a history: use stage_set (the "
			    "shell's stage command)");
		}
		if (customer_fields_stage(name) != NULL) {
			return dispatch_fail_field(ctx, CRM_EINVAL, path,
			    "%s is written by the stage change: use `%s`",
			    name, customer_fields_stage(name));
		}
		if (customer_fields_privileged(name) &&
		    ctx->who->role == CRM__V1__ROLE__ROLE_REP) {
			return dispatch_fail(ctx, CRM_EPERM,
			    "a rep proposes a grade; a manager sets it");
		}
		rc = customer_fields_set(ctx, after, f, value);
		if (rc != CRM_OK) {
			if (rc == CRM_EINVAL && ctx->field[0] == '\0') {
				/* The value did not parse as its field's
				 * type (an amount, a number, an enum). */
				snprintf(ctx->field, sizeof(ctx->field),
				    "%s.value", path);
			}
			return rc;
		}
	}
	/* Made offline before a change of one of its fields: refused, as
	 * an older stage change is (lifecycle.c). */
	rc = audit_edit_not_older(ctx, before->id, "customer", before->id,
	    r->fields, r->n_fields, "customer_edit");
	if (rc != CRM_OK) {
		return rc;
	}
	after->industry = (char *)customer_trimmed(ctx, after->industry);
	/* Every customer began at a first contact: it moves, it is not
	 * cleared (report cycle and churn count from it). */
	if (before->first_contact_at > 0 &&
	    (!after->has_first_contact_at || after->first_contact_at <= 0)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "first_contact_at",
		    "the first contact cannot be cleared: give when it was");
	}
	rc = after->first_contact_at != before->first_contact_at
	         ? customer_fields_first_contact(ctx, after)
	         : CRM_OK;
	if (rc == CRM_OK) {
		signals_first_back(ctx, after, before->first_contact_at);
	}
	if (rc == CRM_OK) {
		rc = customer_fields_check(ctx, after);
	}
	if (rc == CRM_OK && (strcmp(before->name, after->name) != 0 ||
	                        before->kind != after->kind)) {
		rc = customer_fields_company_name(ctx, after);
	}
	if (rc != CRM_OK && ctx->field[0] != '\0') {
		/* A Customer field: the FieldValue that set it, if any. */
		size_t n = strcspn(ctx->field, "[");
		int found = 0;
		for (size_t i = 0; i < r->n_fields && !found; i++) {
			const char *name = r->fields[i]->field;
			if (name && strlen(name) == n &&
			    strncmp(name, ctx->field, n) == 0) {
				snprintf(ctx->field, sizeof(ctx->field),
				    "customer_edit.fields[%zu].value", i);
				found = 1;
			}
		}
		if (!found) {
			ctx->field[0] = '\0';
		}
	}
	if (rc == CRM_OK &&
	    strcmp(before->licence_no ? before->licence_no : "",
	        after->licence_no ? after->licence_no : "") != 0) {
		rc = customer_fields_licence_clean(
		    ctx, after); /* a stored one stays as is */
		for (size_t i = 0; rc != CRM_OK && i < r->n_fields; i++) {
			if (r->fields[i]->field &&
			    strcmp(r->fields[i]->field, "licence_no") == 0) {
				snprintf(ctx->field, sizeof(ctx->field),
				    "customer_edit.fields[%zu].value", i);
			}
		}
	}
	if (rc == CRM_OK) {
		rc = customer_save(ctx, before, after);
	}
	/* A first contact set earlier than when the history begins: it
	 * begins then; set later, the entry that only says when it
	 * appeared moves with it (lifecycle.h). */
	if (rc == CRM_OK &&
	    after->first_contact_at != before->first_contact_at) {
		rc = lifecycle_first_moved(ctx, after);
	}
	if (rc == CRM_OK) {
		rc = lifecycle_grade_set(ctx, after, (int)before->grade,
		    (int)after->grade, "customer edit");
	}
	if (rc == CRM_OK &&
	    (before->grade != after->grade || before->stage != after->stage ||
	        (before->first_contact_at != after->first_contact_at &&
	            !customer_followed_up(after)))) {
		/* A grade change reschedules the cadence; so does a new first
		 * contact of a customer not yet followed up (it counts from
		 * it). */
		rc = task_followup_sync(
		    ctx, after, customer_last_contact(after), 1);
		if (rc == CRM_OK) {
			rc = task_festival_resync(ctx, after);
		}
	}
	if (rc == CRM_OK) {
		/* A birthday or anniversary set or changed later: its
		 * greeting (issue 15). */
		rc = task_greetings_changed(ctx, before, after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, after, resp);
}

crm_status
customer_handle_assign(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__CustomerAssignRequest *r = req->customer_assign;
	if (!r->has_id || r->id == 0 || r->owner == NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    r->owner == NULL ? "customer_assign.owner"
		                     : "customer_assign.id",
		    "give an id and a user");
	}
	Crm__V1__Customer *before, *after;
	crm_status rc = customer_editable(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = customer_load(ctx, r->id, &after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__Store__UserRecord *owner;
	rc = scope_new_owner(ctx, r->owner, &owner);
	if (rc != CRM_OK) {
		return rc;
	}
	after->owner_id = owner->id;
	after->team_id = owner->team_id;
	/* Given from the team pool (pool.h): it leaves the pool. */
	after->has_pooled_at = after->has_pool_from_id = 0;
	after->pooled_at = 0;
	after->pool_from_id = 0;
	after->pool_reason = NULL;
	if (before->owner_id == 0 && before->team_id != 0) {
		after->has_pool_left_at = 1;
		after->pool_left_at = dispatch_at(ctx);
	}
	rc = customer_save(ctx, before, after);
	if (rc == CRM_OK) {
		/* Its open work goes along (lifecycle.h). */
		rc = lifecycle_given(ctx, before, after);
	}
	if (rc == CRM_OK && before->owner_id == 0 && before->team_id != 0) {
		rc = pool_log(ctx, POOL_GIVEN, after, 0, NULL);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	return customer_reply(ctx, after, resp);
}
