/* SPDX-License-Identifier: MIT */
/*
 * cmd_outbox_fix.c: writes crmd refused when the outbox resent them
 * (outbox.h: kept, marked refused, never dropped by themselves): which
 * customer such a write names, what the rep can do with it, and
 * `outbox fix ID CUSTOMER`, which sends it again for the customer the rep
 * meant. Sending and listing are cmd_outbox.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_outbox.h"

/* The packed request of e, decoded (no allocator: free with
 * crm__v1__request__free_unpacked), or NULL. */
static Crm__V1__Request *
entry_request(const struct outbox_entry *e)
{
	return crm__v1__request__unpack(NULL, e->len, e->req);
}

/* Request bodies whose `id` is the customer they are about (the others
 * name it in a field customer_id, of the body or of its record). */
static bool
id_is_customer(int c)
{
	return c == CRM__V1__REQUEST__BODY_CUSTOMER_EDIT ||
	       c == CRM__V1__REQUEST__BODY_CUSTOMER_ASSIGN ||
	       c == CRM__V1__REQUEST__BODY_CUSTOMER_CHECK ||
	       c == CRM__V1__REQUEST__BODY_CUSTOMER_RELEASE;
}

/* The message of req that names the customer its write is about, and
 * that field (customer_id, or `id` of the requests above): the body, or
 * the record it carries (a follow-up, a purchase, a contact, a
 * routine). NULL when it names none (a task's id, a policy). Borrowed
 * from req. */
static ProtobufCMessage *
customer_holder(Crm__V1__Request *req, const ProtobufCFieldDescriptor **field)
{
	const ProtobufCFieldDescriptor *bf =
	    protobuf_c_message_descriptor_get_field(
	        &crm__v1__request__descriptor, (unsigned)req->body_case);
	ProtobufCMessage *body =
	    bf == NULL ? NULL
	               : *(ProtobufCMessage **)((char *)req + bf->offset);
	if (body == NULL) {
		return NULL;
	}
	const char *name =
	    id_is_customer((int)req->body_case) ? "id" : "customer_id";
	*field = protobuf_c_message_descriptor_get_field_by_name(
	    body->descriptor, name);
	if (*field != NULL) {
		return body;
	}
	for (unsigned i = 0; i < body->descriptor->n_fields; i++) {
		const ProtobufCFieldDescriptor *f =
		    &body->descriptor->fields[i];
		ProtobufCMessage *m;
		if (f->type != PROTOBUF_C_TYPE_MESSAGE ||
		    f->label == PROTOBUF_C_LABEL_REPEATED ||
		    (m = *(ProtobufCMessage **)((char *)body + f->offset)) ==
		        NULL) {
			continue;
		}
		*field = protobuf_c_message_descriptor_get_field_by_name(
		    m->descriptor, "customer_id");
		if (*field != NULL) {
			return m;
		}
	}
	return NULL;
}

bool
cmd_outbox_names_customer(const struct outbox_entry *e)
{
	Crm__V1__Request *req = entry_request(e);
	const ProtobufCFieldDescriptor *f = NULL;
	bool yes = req != NULL && customer_holder(req, &f) != NULL;
	if (req != NULL) {
		crm__v1__request__free_unpacked(req, NULL);
	}
	return yes;
}

char *
cmd_outbox_typed_customer(const struct outbox_entry *e)
{
	Crm__V1__Request *req = entry_request(e);
	char *name = NULL;
	if (req != NULL &&
	    req->body_case == CRM__V1__REQUEST__BODY_FOLLOWUP_LOG &&
	    req->followup_log->followup != NULL &&
	    req->followup_log->followup->customer != NULL &&
	    !req->followup_log->followup->has_customer_id) {
		name = crm_xstrdup(req->followup_log->followup->customer);
	}
	if (req != NULL) {
		crm__v1__request__free_unpacked(req, NULL);
	}
	return name;
}

void
cmd_outbox_refused_hint(
    const struct outbox_entry *e, const char *idt, crm_status why)
{
	/* Another customer helps only when this one was not found (a
	 * phone, a typo) or is not the rep's; a refusal about the write
	 * itself (a stage order, a time) would only be refused again. */
	if (cmd_outbox_names_customer(e) &&
	    (why == CRM_NOT_FOUND || why == CRM_EPERM)) {
		fprintf(stderr,
		    "hint: `outbox fix %.8s CUSTOMER` sends it for the "
		    "customer you meant (an id, or the full name), as typed "
		    "then; `outbox send %.8s` tries it again as it is; "
		    "`outbox drop %.8s` forgets it\n",
		    idt, idt, idt);
	} else {
		fprintf(stderr,
		    "hint: `outbox send %.8s` tries it again as it is; "
		    "`outbox drop %.8s` forgets it\n",
		    idt, idt);
	}
	if (why == CRM_NOT_FOUND && cmd_outbox_names_customer(e)) {
		/* crmd answers a customer one may not see as one that does
		 * not exist, so it cannot say this itself. */
		fprintf(stderr,
		    "hint: the customer may also have been given to someone "
		    "else, merged or released to the pool since %.8s was "
		    "typed (crmd names no customer you may not see): then "
		    "no fix helps, and %.8s stays until you drop it "
		    "(`outbox drop %.8s`)\n",
		    idt, idt, idt);
	}
}

/* Name customer id in req (its customer field f of message m), in place
 * of what the rep typed: a follow-up's name goes (crmd refuses both
 * naming different customers). */
static void
set_customer(
    ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, uint64_t id)
{
	*(uint64_t *)((char *)m + f->offset) = id;
	if (f->quantifier_offset != 0) {
		*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
	}
	const ProtobufCFieldDescriptor *nf =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, "customer");
	if (nf != NULL && nf->type == PROTOBUF_C_TYPE_STRING &&
	    nf->label != PROTOBUF_C_LABEL_REPEATED) {
		char **sp = (char **)((char *)m + nf->offset);
		free(*sp); /* unpacked without an allocator: malloc'd */
		*sp = NULL;
	}
}

crm_status
cmd_outbox_fix(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *prefix, const char *text, render_doc *out)
{
	struct outbox ob;
	Crm__V1__Request *req = NULL;
	void *buf = NULL;
	char *what = NULL;
	crm_status rc;
	char idt[33];
	const struct outbox_entry *hit =
	    cmd_outbox_load_find(ctx, call, &ob, prefix, &rc, idt);
	if (hit == NULL) {
		goto out;
	}
	if (!hit->refused) {
		cmd_error("%.8s was not refused: it may have been applied, so "
		          "it is sent only as it is (`outbox send %.8s`) or "
		          "dropped",
		    idt, idt);
		rc = CRM_EPRECOND;
		goto out;
	}
	if (!outbox_for(hit, conn_url(ctx->conn))) {
		cmd_error("%.8s was written for %s: fix it there (crm "
		          "--server URL)",
		    idt, hit->server);
		rc = CRM_EPRECOND;
		goto out;
	}
	const ProtobufCFieldDescriptor *f = NULL;
	ProtobufCMessage *m = NULL;
	req = entry_request(hit);
	if (req == NULL || (m = customer_holder(req, &f)) == NULL) {
		cmd_error("%.8s names no customer to fix: `outbox send %.8s` "
		          "tries it again, `outbox drop %.8s` forgets it",
		    idt, idt, idt);
		rc = CRM_EINVAL;
		goto out;
	}
	uint64_t cid = 0;
	if ((rc = cmd_customer_resolve(ctx, text, &cid)) != CRM_OK) {
		goto out;
	}
	set_customer(m, f, cid);
	struct outbox_entry e = *hit;
	crm_wire_request_id(e.id);
	e.refused = 0;
	e.why = NULL;
	e.sent = 0; /* a new write: never sent (its send marks it) */
	what =
	    crm_xasprintf("%s (fixed: customer %" PRIu64 ")", hit->what, cid);
	e.what = what;
	/* The copy keeps its envelope as kept (no token, no made_at);
	 * only its id is new. */
	ProtobufCBinaryData old = req->request_id;
	conn_pack(ctx->conn, req, e.id, false, &buf, &e.len);
	req->request_id = old;
	req->has_request_id = 1;
	e.req = buf;
	/* Held while replaced: one another crm is sending now (`outbox
	 * send` of it) would be applied and its copy too. */
	if (!outbox_claim(hit->id)) {
		cmd_error("%.8s is being sent by another crm now: not fixed "
		          "(its answer settles it; `outbox` shows what is "
		          "left)",
		    idt);
		rc = CRM_EPRECOND;
		goto out;
	}
	rc = outbox_replace(hit->id, &e);
	outbox_unclaim(hit->id);
	if (rc == CRM_NOT_FOUND) {
		cmd_error(
		    "%.8s is no longer in the outbox as refused: another crm "
		    "fixed, sent or dropped it meanwhile (`outbox` shows "
		    "what is left)",
		    idt);
		rc = CRM_EPRECOND;
		goto out;
	}
	if (rc == CRM_UNAVAILABLE) {
		cmd_error("the outbox is locked: %s (waited %d s); nothing "
		          "was changed",
		    outbox_lock_holder(), OUTBOX_LOCK_WAIT_MS / 1000);
		goto out;
	}
	if (rc != CRM_OK) {
		cmd_error("cannot write the outbox: %s", strerror(errno));
		goto out;
	}
	char nid[33];
	outbox_id_text(e.id, nid);
	render_text(out, "%.8s replaces %.8s: %s", nid, idt, what);
	rc = cmd_outbox_send(ctx, nid, out);
out:
	free(what);
	free(buf);
	if (req != NULL) {
		crm__v1__request__free_unpacked(req, NULL);
	}
	outbox_free(&ob);
	return rc;
}
