/* SPDX-License-Identifier: MIT */
/*
 * contact.c: contacts (联系人) of a customer. A contact is visible and
 * editable exactly when its customer is. Leaving the organisation marks
 * the contact; it is never deleted (organisation changes are history).
 * Verifying records that its details were confirmed, by whom and when.
 */
#include "contact.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "changes.h"
#include "crm.h"
#include "crm_validate.h"
#include "customer.h"
#include "handlers.h"
#include "search.h"
#include "store_schema.h"
#include "task.h"
#include "user.h"

#define MAX_PHONES 8

static crm_status
contact_load(struct req_ctx *ctx, uint64_t id, Crm__V1__Contact **c)
{
	if (id == 0) {
		return dispatch_fail_no_id(ctx, "contact"); /* none named */
	}
	store_key k;
	store_key_id(&k, id);
	crm_status rc = store_get_msg(ctx->st, ctx->txn, DB_CONTACTS, &k,
	    &crm__v1__contact__descriptor, &ctx->arena->allocator,
	    (ProtobufCMessage **)c);
	if (rc == CRM_OK) {
		Crm__V1__Customer *cust;
		rc = customer_visible(ctx, (*c)->customer_id, &cust);
	}
	if (rc == CRM_NOT_FOUND) {
		return dispatch_fail(ctx, rc, "no contact %" PRIu64, id);
	}
	return rc;
}

static crm_status
check_contact(struct req_ctx *ctx, const Crm__V1__Contact *c)
{
	if (c->name == NULL || *c->name == '\0' || strlen(c->name) > 100) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "a contact needs a name of at most 100 bytes");
	}
	if (c->n_phones > MAX_PHONES) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "phones",
		    "at most %d phones", MAX_PHONES);
	}
	for (size_t i = 0; i < c->n_phones; i++) {
		char f[32];
		snprintf(f, sizeof(f), "phones[%zu]", i);
		if (strlen(c->phones[i]) > 40) {
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "a phone number is at most 40 bytes");
		}
		if (crm_validate_phone(c->phones[i]) != CRM_OK) {
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "'%s' is not a phone number (digits, with blanks "
			    "and + - ( ) allowed, an extension as 转 or ext)",
			    c->phones[i]);
		}
	}
	if (c->email != NULL && *c->email &&
	    (strlen(c->email) > 254 || strchr(c->email, '@') == NULL ||
	        strchr(c->email, ' ') != NULL)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "email",
		    "'%s' is not an e-mail address", c->email);
	}
	if (c->birthday != NULL && *c->birthday &&
	    !crm_time_valid_day(c->birthday)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "birthday",
		    "birthday: want MM-DD or YYYY-MM-DD");
	}
	return CRM_OK;
}

static crm_status
contact_put(struct req_ctx *ctx, const Crm__V1__Contact *before,
    Crm__V1__Contact *after)
{
	store_key k;
	store_key_id(&k, after->id);
	after->has_updated_at = 1;
	after->updated_at = ctx->now;
	crm_status rc =
	    store_put_msg(ctx->st, ctx->txn, DB_CONTACTS, &k, &after->base);
	if (rc == CRM_OK && before == NULL) {
		rc = store_index_add(ctx->st, ctx->txn, DB_CONTACT_CUST,
		    after->customer_id, after->id);
	}
	if (rc == CRM_OK) {
		rc = changes_record(ctx, CRM__V1__CHANGE_KIND__CHANGE_CONTACT,
		    after->id, after->customer_id);
	}
	if (rc == CRM_OK) {
		rc = customer_touch(ctx, after->customer_id);
	}
	if (rc == CRM_OK) {
		rc = search_update(ctx, after->customer_id, NULL);
	}
	if (rc == CRM_OK && before != NULL &&
	    before->customer_id != after->customer_id) {
		rc = search_update(ctx, before->customer_id, NULL);
	}
	if (rc == CRM_OK) {
		rc = audit_add(ctx, "contact", after->id,
		    before ? &before->base : NULL, &after->base);
	}
	return rc;
}

crm_status
contact_move(struct req_ctx *ctx, uint64_t id, uint64_t to)
{
	Crm__V1__Contact *before, *c;
	crm_status rc = contact_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = contact_load(ctx, id, &c);
	}
	if (rc == CRM_OK) {
		rc = store_index_del(ctx->st, ctx->txn, DB_CONTACT_CUST,
		    before->customer_id, id);
	}
	if (rc == CRM_OK) {
		rc = store_index_add(
		    ctx->st, ctx->txn, DB_CONTACT_CUST, to, id);
	}
	if (rc == CRM_OK) {
		c->customer_id = to;
		rc = contact_put(ctx, before, c);
	}
	return rc;
}

crm_status
contact_find(
    struct req_ctx *ctx, uint64_t customer_id, const char *name, uint64_t *id)
{
	char *want = crm_utf8_normalize(name);
	crm_status rc = CRM_NOT_FOUND;
	uint64_t cid = 0;
	while (want != NULL && rc == CRM_NOT_FOUND &&
	       store_index_next(ctx->st, ctx->txn, DB_CONTACT_CUST,
	           customer_id, cid, &cid) == CRM_OK) {
		Crm__V1__Contact *c;
		size_t mark = crm_arena_mark(ctx->arena);
		crm_status lr = dispatch_list_record(ctx, DB_CONTACTS, cid,
		    &crm__v1__contact__descriptor, (ProtobufCMessage **)&c);
		if (lr != CRM_OK) {
			rc = lr;
			break;
		}
		char *have = crm_utf8_normalize(c->name);
		if (have != NULL && strcmp(have, want) == 0) {
			*id = cid;
			rc = CRM_OK;
		}
		free(have);
		crm_arena_release(ctx->arena, mark);
	}
	free(want);
	return rc;
}

crm_status
contact_handle_add(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__Contact *in = req->contact_add->contact;
	if (in == NULL || !in->has_customer_id) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    "contact_add.contact.customer_id",
		    "a contact needs a customer");
	}
	Crm__V1__Customer *cust;
	crm_status rc = customer_editable(ctx, in->customer_id, &cust);
	if (rc == CRM_OK) {
		rc = check_contact(ctx, in);
		dispatch_field_prefix(ctx, "contact_add.contact.");
	}
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__Contact *c = crm_arena_alloc(ctx->arena, sizeof(*c));
	if (c == NULL) {
		return CRM_TOO_BIG;
	}
	/* Built field by field from what a client may set. */
	crm__v1__contact__init(c);
	c->has_customer_id = 1;
	c->customer_id = in->customer_id;
	c->name = in->name;
	c->title = in->title;
	c->n_phones = in->n_phones;
	c->phones = in->phones;
	c->email = in->email;
	c->im = in->im;
	c->has_role = in->has_role;
	c->role = in->role;
	c->birthday = in->birthday;
	c->notes = in->notes;
	rc = store_next_id(ctx->st, ctx->txn, "contact", &c->id);
	if (rc != CRM_OK) {
		return rc;
	}
	c->has_id = c->has_created_at = c->has_created_by = 1;
	c->created_at = dispatch_at(ctx);
	c->created_by = ctx->who->user_id;
	rc = contact_put(ctx, NULL, c);
	if (rc == CRM_OK && c->birthday != NULL && *c->birthday) {
		rc = task_contact_greeting(ctx, c);
	}
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_CONTACT;
		resp->contact = c;
	}
	return rc;
}

crm_status
contact_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__ContactListRequest *r = req->contact_list;
	Crm__V1__Customer *cust;
	crm_status rc = customer_visible(ctx, r->customer_id, &cust);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__V1__ContactListReply *out =
	    crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__contact_list_reply__init(out);
	size_t cap = 16;
	out->contacts = crm_arena_alloc(ctx->arena, cap * sizeof(void *));
	uint64_t id = 0;
	while (out->contacts != NULL &&
	       store_index_next(ctx->st, ctx->txn, DB_CONTACT_CUST,
	           r->customer_id, id, &id) == CRM_OK) {
		Crm__V1__Contact *c;
		rc = dispatch_list_record(ctx, DB_CONTACTS, id,
		    &crm__v1__contact__descriptor, (ProtobufCMessage **)&c);
		if (rc != CRM_OK) {
			return rc;
		}
		if (out->n_contacts == cap) {
			Crm__V1__Contact **more = crm_arena_alloc(
			    ctx->arena, 2 * cap * sizeof(*more));
			if (more == NULL) {
				return CRM_TOO_BIG;
			}
			memcpy(more, out->contacts, cap * sizeof(*more));
			out->contacts = more;
			cap *= 2;
		}
		if (c->verified_by_id != 0) {
			c->verified_by =
			    (char *)user_login_of(ctx, c->verified_by_id);
		}
		out->contacts[out->n_contacts++] = c;
	}
	if (out->contacts == NULL) {
		return CRM_TOO_BIG;
	}
	resp->body_case = CRM__V1__RESPONSE__BODY_CONTACTS;
	resp->contacts = out;
	return CRM_OK;
}

crm_status
contact_mark_left(
    struct req_ctx *ctx, uint64_t id, int64_t at, Crm__V1__Contact **out)
{
	Crm__V1__Contact *before, *after;
	crm_status rc = contact_load(ctx, id, &before);
	if (rc == CRM_OK) {
		rc = contact_load(ctx, id, &after);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (before->left) {
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "contact %" PRIu64 " has already left", id);
	}
	after->has_left = after->has_left_at = 1;
	after->left = 1;
	after->left_at = at;
	rc = contact_put(ctx, before, after);
	if (rc == CRM_OK && after->birthday != NULL && *after->birthday) {
		rc = task_contact_greeting(ctx, after); /* no more greetings */
	}
	if (rc == CRM_OK && out != NULL) {
		*out = after;
	}
	return rc;
}

crm_status
contact_handle_left(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	Crm__V1__Contact *after = NULL;
	crm_status rc = contact_mark_left(
	    ctx, req->contact_left->id, dispatch_at(ctx), &after);
	if (rc == CRM_OK) {
		resp->body_case = CRM__V1__RESPONSE__BODY_CONTACT;
		resp->contact = after;
	}
	return rc;
}

crm_status
contact_handle_verify(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__ContactVerifyRequest *r = req->contact_verify;
	Crm__V1__Contact *before, *after;
	Crm__V1__Customer *cust;
	crm_status rc = contact_load(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = contact_load(ctx, r->id, &after);
	}
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, after->customer_id, &cust);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* Confirming again later says who confirmed them last, and when. */
	after->has_verified = after->has_verified_at = 1;
	after->has_verified_by_id = 1;
	after->verified = 1;
	after->verified_at = dispatch_at(ctx);
	after->verified_by_id = ctx->who->user_id;
	after->verified_by = NULL;
	rc = contact_put(ctx, before, after);
	if (rc == CRM_OK) {
		after->verified_by = ctx->who_buf.login;
		resp->body_case = CRM__V1__RESPONSE__BODY_CONTACT;
		resp->contact = after;
	}
	return rc;
}

/* Fields contact.edit changes; the rest are the server's or have their
 * own request (left, verify). */
static int
contact_editable(const char *f)
{
	static const char *const ok[] = { "name", "title", "phones", "email",
		"im", "role", "birthday", "notes" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (strcmp(f, ok[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Parse text into field f of c; an empty text clears it. */
static crm_status
contact_set_field(struct req_ctx *ctx, Crm__V1__Contact *c,
    const ProtobufCFieldDescriptor *f, const char *text)
{
	int clear = *text == '\0';
	if (strcmp(f->name, "phones") == 0) { /* a,b,c */
		char **items = crm_arena_alloc(
		    ctx->arena, (MAX_PHONES + 1) * sizeof(*items));
		char *copy = crm_arena_strdup(ctx->arena, text);
		size_t n = 0;
		if (items == NULL || copy == NULL) {
			return CRM_TOO_BIG;
		}
		for (char *save = NULL, *t = strtok_r(copy, ",", &save);
		     t != NULL; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ') {
				t++;
			}
			if (*t == '\0') {
				continue;
			}
			if (n == MAX_PHONES) {
				return dispatch_fail(ctx, CRM_EINVAL,
				    "at most %d phones", MAX_PHONES);
			}
			items[n++] = t;
		}
		c->n_phones = n;
		c->phones = items;
		return CRM_OK;
	}
	if (strcmp(f->name, "role") == 0) {
		int v = 0;
		if (!clear &&
		    crm_enum_parse(&crm__v1__contact_role__descriptor, text,
		        &v) != CRM_OK) {
			char list[512];
			crm_enum_list_words(&crm__v1__contact_role__descriptor,
			    list, sizeof(list));
			return dispatch_fail(ctx, CRM_EINVAL,
			    "role: want %s, not '%s'", list, text);
		}
		c->has_role = !clear;
		c->role = (Crm__V1__ContactRole)v;
		return CRM_OK;
	}
	if (clear && strcmp(f->name, "name") == 0) {
		return dispatch_fail(ctx, CRM_EINVAL, "name cannot be empty");
	}
	char **slot = (char **)((char *)c + f->offset);
	*slot = clear ? NULL : (char *)text;
	return CRM_OK;
}

static int
same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether the ways to reach the contact changed (phones, e-mail, IM). */
static int
reach_changed(const Crm__V1__Contact *a, const Crm__V1__Contact *b)
{
	if (a->n_phones != b->n_phones || !same_text(a->email, b->email) ||
	    !same_text(a->im, b->im)) {
		return 1;
	}
	for (size_t i = 0; i < a->n_phones; i++) {
		if (!same_text(a->phones[i], b->phones[i])) {
			return 1;
		}
	}
	return 0;
}

crm_status
contact_handle_edit(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__ContactEditRequest *r = req->contact_edit;
	if (!r->has_id || r->n_fields == 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    !r->has_id ? "contact_edit.id" : "contact_edit.fields",
		    "give a contact id and at least one FIELD=VALUE");
	}
	Crm__V1__Contact *before, *after;
	Crm__V1__Customer *cust;
	crm_status rc = contact_load(ctx, r->id, &before);
	if (rc == CRM_OK) {
		rc = contact_load(ctx, r->id, &after);
	}
	if (rc == CRM_OK) {
		rc = customer_editable(ctx, after->customer_id, &cust);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	for (size_t i = 0; i < r->n_fields; i++) {
		const char *name = r->fields[i]->field;
		const char *value =
		    r->fields[i]->value ? r->fields[i]->value : "";
		const ProtobufCFieldDescriptor *f =
		    name ? protobuf_c_message_descriptor_get_field_by_name(
		               &crm__v1__contact__descriptor, name)
		         : NULL;
		char at[48];
		if (f == NULL || !contact_editable(name)) {
			snprintf(at, sizeof(at),
			    "contact_edit.fields[%zu].field", i);
			return dispatch_fail_field(ctx, CRM_EINVAL, at,
			    "'%s' is not a contact field you can edit (name, "
			    "title, phones, email, im, role, birthday, "
			    "notes)%s",
			    name ? name : "",
			    name && strcmp(name, "left") == 0
			        ? "; use contact left"
			        : "");
		}
		rc = contact_set_field(ctx, after, f, value);
		if (rc == CRM_EINVAL) {
			snprintf(ctx->field, sizeof(ctx->field),
			    "contact_edit.fields[%zu].value", i);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	rc = check_contact(ctx, after);
	if (rc != CRM_OK) {
		ctx->field[0] = '\0'; /* a Contact field, not a request path */
		return rc;
	}
	/* Made offline before a change of one of its fields: refused. */
	rc = audit_edit_not_older(ctx, before->customer_id, "contact",
	    before->id, r->fields, r->n_fields, "contact_edit");
	if (rc != CRM_OK) {
		return rc;
	}
	if (reach_changed(before, after) && after->verified) {
		/* New details have not been confirmed with the contact. */
		after->verified = 0;
	}
	rc = contact_put(ctx, before, after);
	if (rc == CRM_OK && !after->left &&
	    (!same_text(before->birthday, after->birthday) ||
	        !same_text(before->name, after->name))) {
		/* The open greeting follows the new day (and name). */
		rc = task_contact_greeting(ctx, after);
	}
	if (rc == CRM_OK) {
		if (after->verified_by_id != 0) {
			after->verified_by =
			    (char *)user_login_of(ctx, after->verified_by_id);
		}
		resp->body_case = CRM__V1__RESPONSE__BODY_CONTACT;
		resp->contact = after;
	}
	return rc;
}
