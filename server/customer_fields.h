/* SPDX-License-Identifier: MIT */
/*
 * customer_fields.h: the field rules of customer_fields.c, for the
 * customer handlers (customer_edit.c): which fields a request may set,
 * parsing and copying them, and the checks a record passes before
 * customer.c writes it.
 */
#ifndef CUSTOMER_FIELDS_H
#define CUSTOMER_FIELDS_H

#include "customer.h"
#include "dispatch.h"

/* A first contact has happened: it is not in the future, nor after the
 * customer's deal was won (won_at). */
crm_status customer_fields_first_contact(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

int customer_fields_editable(const char *f);

/* The command that writes a stage-only field f, or NULL when f is not
 * one: a deal and its loss are facts of a stage change, with history. */
const char *customer_fields_stage(const char *f);

/* The licence number in its stored form: upper case, without spaces and
 * dashes; refused unless a valid 统一社会信用代码. */
crm_status customer_fields_licence_clean(
    struct req_ctx *ctx, Crm__V1__Customer *c);

/* A new customer's stage and the fields that go with it: lost needs a
 * reason, a deal and a loss only with their stage. */
crm_status customer_fields_first_stage(
    struct req_ctx *ctx, Crm__V1__Customer *c);

/* Domain checks beyond crm_validate: lengths, dates, tags, amounts. */
crm_status customer_fields_check(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

/* customer_fields_tags: tags[0..*n) as a set, in place: each trimmed at
 * its ends, blank ones dropped, and one the same (byte for byte: case is
 * the user's) as a tag before it dropped, the first keeping its place.
 * customer add (after customer_fields_check, so that a refusal names the
 * item as sent) and edit (tags=a,b) both keep their tags so. */
void customer_fields_tags(struct req_ctx *ctx, char **tags, size_t *n);

/* A company's name is more than its legal form (有限公司, Co., Ltd.):
 * checked when a name is given or changed (an old record keeps its). */
crm_status customer_fields_company_name(
    struct req_ctx *ctx, const Crm__V1__Customer *c);

/* Copy one settable field of src into dst (both Customer). */
void customer_fields_copy(Crm__V1__Customer *dst, const Crm__V1__Customer *src,
    const ProtobufCFieldDescriptor *f);

/*
 * Parse text into field f of c; an empty text clears it.
 * Errors: CRM_EINVAL with a message naming the field.
 */
crm_status customer_fields_set(struct req_ctx *ctx, Crm__V1__Customer *c,
    const ProtobufCFieldDescriptor *f, const char *text);

/* Stage and grade through edit: managers and admins only (a rep proposes
 * a grade; the stage command with its history comes with follow-ups). */
int customer_fields_privileged(const char *f);

#endif
