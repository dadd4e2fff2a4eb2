/* SPDX-License-Identifier: MIT */
/*
 * cmd_contact.c: the contact commands: add, list, left. A CUSTOMER is an
 * id or an exact name (resolved with one CustomerGet); contacts are never
 * deleted, only marked as having left.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const char *const contact_cols[] = { "id", "name", "title", "phones",
	"email", "im", "role", "left", "verified", "verified_by",
	"verified_at" };
static const char *const contact_skip[] = { "created_by", "verified_by_id",
	NULL };

/* Show a single contact (body `contact`), or `done` without one. */
static void
show_contact(const Crm__V1__Response *resp, render_doc *out)
{
	if (resp->body_case == CRM__V1__RESPONSE__BODY_CONTACT) {
		render_message_record(out, &resp->contact->base, contact_skip);
		render_set_json(
		    out, render_json_message(&resp->contact->base));
	} else {
		render_text(out, "done");
	}
}

crm_status
cmd_contact_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest body = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Contact c = CRM__V1__CONTACT__INIT;
	Crm__V1__Response *resp = NULL;
	const char *s;
	int v = 0;

	c.phones = crm_xcalloc(call->nopts + 1, sizeof(char *));
	if ((s = cmd_opt(call, "--role")) != NULL) {
		if (crm_enum_parse(
		        &crm__v1__contact_role__descriptor, s, &v) != CRM_OK) {
			char words[512];
			crm_enum_list_words(&crm__v1__contact_role__descriptor,
			    words, sizeof(words));
			rc = cmd_usage_error(ctx, call,
			    "invalid role '%s' (one of %s)", s, words);
			goto out;
		}
		c.has_role = 1;
		c.role = (Crm__V1__ContactRole)v;
	}
	if ((s = cmd_opt(call, "--birthday")) != NULL) {
		if (!crm_time_valid_day(s)) {
			rc = cmd_usage_error(ctx, call,
			    "--birthday wants MM-DD or YYYY-MM-DD, not '%s'",
			    s);
			goto out;
		}
		c.birthday = (char *)s;
	}
	rc = cmd_customer_resolve(ctx, call->argv[0], &c.customer_id);
	if (rc != CRM_OK) {
		goto out;
	}
	c.has_customer_id = 1;
	c.name = call->argv[1];
	c.title = (char *)cmd_opt(call, "--title");
	c.email = (char *)cmd_opt(call, "--email");
	c.im = (char *)cmd_opt(call, "--im");
	c.notes = (char *)cmd_opt(call, "--notes");
	for (size_t i = 0; i < call->nopts; i++) {
		if (strcmp(call->opts[i].opt->name, "--phone") == 0) {
			c.phones[c.n_phones++] = (char *)call->opts[i].value;
		}
	}
	body.contact = &c;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	req.contact_add = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	show_contact(resp, out);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	free(c.phones);
	return rc;
}

crm_status
cmd_contact_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactListRequest body = CRM__V1__CONTACT_LIST_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	Crm__V1__Contact **v = NULL;
	size_t n = 0;

	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		goto out;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_LIST;
	req.contact_list = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	if (resp->body_case == CRM__V1__RESPONSE__BODY_CONTACTS) {
		v = resp->contacts->contacts;
		n = resp->contacts->n_contacts;
	}
	render_messages(
	    out, 11, contact_cols, (const ProtobufCMessage *const *)v, n);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_contact_left(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactLeftRequest body = CRM__V1__CONTACT_LEFT_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	if (cmd_parse_id(call->argv[0], &body.id) != CRM_OK) {
		return cmd_usage_error(
		    ctx, call, "'%s' is not a contact id", call->argv[0]);
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_LEFT;
	req.contact_left = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	render_text(
	    out, "contact %llu marked as left", (unsigned long long)body.id);
	show_contact(resp, out);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_contact_verify(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactVerifyRequest body =
	    CRM__V1__CONTACT_VERIFY_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	if (cmd_parse_id(call->argv[0], &body.id) != CRM_OK) {
		return cmd_usage_error(
		    ctx, call, "'%s' is not a contact id", call->argv[0]);
	}
	body.has_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_VERIFY;
	req.contact_verify = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	render_text(out, "contact %llu: details confirmed",
	    (unsigned long long)body.id);
	show_contact(resp, out);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return rc;
}

crm_status
cmd_contact_edit(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactEditRequest body = CRM__V1__CONTACT_EDIT_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	size_t n = (size_t)call->argc - 1;
	Crm__V1__FieldValue *fv = crm_xcalloc(n, sizeof(*fv));
	Crm__V1__FieldValue **fvp = crm_xcalloc(n, sizeof(*fvp));
	char **owned = crm_xcalloc(n, sizeof(char *));

	if (cmd_parse_id(call->argv[0], &body.id) != CRM_OK) {
		rc = cmd_usage_error(ctx, call,
		    "'%s' is not a contact id (contact list CUSTOMER shows "
		    "them)",
		    call->argv[0]);
		goto out;
	}
	body.has_id = 1;
	for (size_t i = 0; i < n; i++) {
		const char *arg = call->argv[i + 1];
		const char *eq = strchr(arg, '=');
		if (eq == NULL || eq == arg) {
			rc = cmd_usage_error(
			    ctx, call, "'%s' is not FIELD=VALUE", arg);
			goto out;
		}
		char *field = crm_xstrndup(arg, (size_t)(eq - arg));
		owned[i] = field;
		for (char *p = field; *p; p++) {
			*p = *p == '-' ? '_' : *p;
		}
		if (strcmp(field, "phone") == 0) { /* phone=X: the one phone */
			owned[i] = crm_xasprintf("phones");
			free(field);
			field = owned[i];
		}
		if (strcmp(field, "birthday") == 0 && eq[1] != '\0' &&
		    !crm_time_valid_day(eq + 1)) {
			rc = cmd_usage_error(ctx, call,
			    "birthday wants MM-DD or YYYY-MM-DD, not '%s'",
			    eq + 1);
			goto out;
		}
		crm__v1__field_value__init(&fv[i]);
		fv[i].field = field;
		fv[i].value = (char *)(eq + 1);
		fvp[i] = &fv[i];
	}
	body.n_fields = n;
	body.fields = fvp;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_EDIT;
	req.contact_edit = &body;
	rc = cmd_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		goto out;
	}
	show_contact(resp, out);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		free(owned[i]);
	}
	free(owned);
	free(fvp);
	free(fv);
	return rc;
}
