/* SPDX-License-Identifier: MIT */
/*
 * customer_fields.c: the rules of a customer's fields: which a client may
 * set and which are the server's or a stage change's, each field parsed
 * from text (customer edit) or copied from a message (customer add), and
 * the checks of a record before it is written (lengths, dates, tags,
 * licence numbers, a first stage). No storage: customer.c writes.
 */
#include "customer_fields.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "crm_validate.h"
#include "history.h"
#include "lifecycle.h"
#include "purchase.h"

#define MAX_TAGS     32
#define FUTURE_GRACE LIFECYCLE_FUTURE_GRACE

/* ---------------------------------------------------- field rules */

static int
is_money(const char *f)
{
	return strcmp(f, "annual_revenue") == 0 ||
	       strcmp(f, "deal_amount") == 0;
}

/* A YYYY-MM-DD birth date after today. */
static int
birthday_ahead(struct req_ctx *ctx, const char *day)
{
	char today[32];
	if (day == NULL || strlen(day) != 10) {
		return 0;
	}
	crm_time_format_date(ctx->now, today, sizeof(today));
	return strcmp(day, today) > 0;
}

static int
is_day(const char *f)
{
	return strcmp(f, "birthday") == 0 || strcmp(f, "anniversary") == 0;
}

/* How far ahead of the server's clock a first contact may be: a few
 * minutes of clock skew between the rep's device and the server. */
#define FIRST_CONTACT_SKEW (5 * 60)

/* The earliest move to won of a customer's stage history, into *arg
 * (an int64_t: 0, none yet). */
static crm_status
earliest_win(void *arg, const struct lifecycle_mark *m, bool *stop)
{
	(void)stop;
	int64_t *first = arg;
	if (m->stage_to == CRM__V1__STAGE__STAGE_WON &&
	    (*first == 0 || m->at < *first)) {
		*first = m->at;
	}
	return CRM_OK;
}

/* A first contact has happened: it is not in the future, nor after the
 * customer's deal was won. */
crm_status
customer_fields_first_contact(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	/* As of when the write was made (Request.made_at): one kept offline
	 * is judged as if it came then. */
	int64_t made = dispatch_at(ctx);
	if (c->has_first_contact_at &&
	    c->first_contact_at > made + FIRST_CONTACT_SKEW) {
		char at[32], now[32];
		crm_time_format(c->first_contact_at, at, sizeof(at));
		crm_time_format(made, now, sizeof(now));
		return dispatch_fail_field(ctx, CRM_EINVAL, "first_contact_at",
		    "first contact %s is in the future (%s %s): give the "
		    "time you first met the customer",
		    at, made < ctx->now ? "this was made" : "now", now);
	}
	/* Import's rule too: a customer is won after it began, at each of
	 * its wins (an earlier one, lost since, too). */
	int64_t first_won = c->won_at;
	if (c->has_first_contact_at && c->id != 0) {
		crm_status rc = lifecycle_stage_marks(
		    ctx, c->id, earliest_win, &first_won);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	/* Nor after a follow-up: the first contact is the earliest
	 * contact known (scenario first-contact-is-the-earliest-follow-up).
	 */
	int64_t first_fu = 0;
	if (c->has_first_contact_at && c->id != 0) {
		crm_status rc = history_followup_first(ctx, c->id, &first_fu);
		if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
			return rc;
		}
	}
	if (first_fu > 0 && c->first_contact_at > first_fu) {
		char at[32], fu[32];
		crm_time_format(c->first_contact_at, at, sizeof(at));
		crm_time_format(first_fu, fu, sizeof(fu));
		return dispatch_fail_field(ctx, CRM_EINVAL, "first_contact_at",
		    "first contact %s is after a follow-up of %s: the first "
		    "contact is the earliest contact known",
		    at, fu);
	}
	if (c->has_first_contact_at && first_won > 0 &&
	    c->first_contact_at > first_won) {
		char at[32], won[32];
		crm_time_format(c->first_contact_at, at, sizeof(at));
		crm_time_format(first_won, won, sizeof(won));
		return dispatch_fail_field(ctx, CRM_EINVAL, "first_contact_at",
		    "first contact %s is after the deal was won (%s): a "
		    "customer is won after it began",
		    at, won);
	}
	return CRM_OK;
}

/* Every field of Customer is named in one of two lists: what a client
 * may set (customer.add, customer.edit, import), and what the server
 * keeps. A field in neither (a new one nobody classified) is the
 * server's, and customer_fields_test fails until it is named here. */
static const char *const client_fields[] = { "kind", "name", "industry",
	"employees", "annual_revenue", "region", "website", "licence_no",
	"source", "first_contact_at", "stage", "grade", "value_tier",
	"urgency", "pain_points", "purchase_intent", "budget_range",
	"timeline", "decision_chain", "tags", "birthday", "anniversary",
	"deal_amount", "won_at", "contract_terms", "lost_reason", "lost_text",
	"lost_at", "notes", "age_range", "stage_at", "deal_category" };
static const char *const server_fields[] = { "id", "owner_id", "owner",
	"team_id", "team", "last_contact_at", "contact_count", "created_at",
	"updated_at", "created_by", "merged_into", "merged_at", "checked_at",
	"checked_by_id", "checked_by", "touched_at", "last_update_at",
	"avoidance_streak", "late_entry",
	/* the pool's (pool.c, pool_reclaim.c): pool_left_at starts a
	 * claimed customer's reclaim clock */
	"pooled_at", "pool_reason", "pool_from_id", "pool_from",
	"pool_left_at" };

static int
named(const char *f, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f, list[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

int
customer_field_kind(const char *f)
{
	if (named(f, client_fields,
	        sizeof(client_fields) / sizeof(client_fields[0]))) {
		return 1;
	}
	if (named(f, server_fields,
	        sizeof(server_fields) / sizeof(server_fields[0]))) {
		return 0;
	}
	return -1;
}

int
customer_fields_editable(const char *f)
{
	return customer_field_kind(f) == 1;
}

/* The command that writes a stage-only field f, or NULL when f is not
 * one: a deal and its loss are facts of a stage change, with history. */
const char *
customer_fields_stage(const char *f)
{
	if (strcmp(f, "deal_amount") == 0 || strcmp(f, "won_at") == 0 ||
	    strcmp(f, "deal_category") == 0) {
		return "stage CUSTOMER won --amount X --date WHEN";
	}
	if (strcmp(f, "lost_reason") == 0 || strcmp(f, "lost_at") == 0 ||
	    strcmp(f, "lost_text") == 0) {
		return "stage CUSTOMER lost --reason WHY";
	}
	if (strcmp(f, "stage_at") == 0) {
		return "stage CUSTOMER STAGE";
	}
	return NULL;
}

/* A 统一社会信用代码 (GB 32100-2015): 18 characters of
 * 0-9 A-H J-N P-R T-U W-Y, the last a check character. */
static int
licence_valid(const char *s)
{
	static const char set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13,
		8, 24, 10, 30, 28 };
	if (strlen(s) != 18) {
		return 0;
	}
	int sum = 0;
	for (int i = 0; i < 18; i++) {
		const char *at = strchr(set, s[i]);
		if (s[i] == '\0' || at == NULL) {
			return 0;
		}
		if (i < 17) {
			sum += (int)(at - set) * w[i];
		} else {
			return (31 - sum % 31) % 31 == (int)(at - set);
		}
	}
	return 0;
}

/* The licence number in its stored form: upper case, without spaces and
 * dashes; refused unless a valid 统一社会信用代码. */
crm_status
customer_fields_licence_clean(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	if (c->licence_no == NULL || *c->licence_no == '\0') {
		c->licence_no = NULL;
		return CRM_OK;
	}
	size_t n = strlen(c->licence_no);
	char *t = crm_arena_alloc(ctx->arena, n + 1), *o = t;
	if (t == NULL) {
		return CRM_TOO_BIG;
	}
	for (const char *p = c->licence_no; *p; p++) {
		if (*p == ' ' || *p == '-') {
			continue;
		}
		*o++ = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
	}
	*o = '\0';
	if (!licence_valid(t)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "licence_no",
		    "licence_no: want an 18-character 统一社会信用代码 with "
		    "its check character, not '%.40s'",
		    c->licence_no);
	}
	c->licence_no = t;
	return CRM_OK;
}

/* A new customer's stage and the fields that go with it: lost needs a
 * reason, a loss only with the stage lost; a deal with the stage won, or
 * with the time it was won (won_at) at any stage: a won customer keeps
 * its deal when it moves on (churn_risk, lost), and export writes it so.
 * stage_at, when it entered the stage, is not in the future (none: see
 * lifecycle_stage_first). */
crm_status
customer_fields_first_stage(struct req_ctx *ctx, Crm__V1__Customer *c)
{
	int won = c->stage == CRM__V1__STAGE__STAGE_WON;
	int lost = c->stage == CRM__V1__STAGE__STAGE_LOST;
	/* A blank reason is no reason. */
	c->lost_text = (char *)customer_trimmed(ctx, c->lost_text);
	if (lost && c->has_lost_reason && c->lost_reason != 0 &&
	    !lifecycle_lost_reason_ok((int)c->lost_reason, c->lost_text)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost_reason: other needs the reason in words "
		    "(--reason \"other: ...\")");
	}
	/* As of when it was made (Request.made_at). */
	int64_t made = dispatch_at(ctx);
	if ((c->has_won_at && c->won_at > made + FUTURE_GRACE) ||
	    (lost && c->has_lost_at && c->lost_at > made + FUTURE_GRACE)) {
		int w = c->has_won_at && c->won_at > made + FUTURE_GRACE;
		return dispatch_fail_field(ctx, CRM_EINVAL,
		    w ? "won_at" : "lost_at",
		    "%s: a deal is won or lost by now, not in the future",
		    w ? "won_at" : "lost_at");
	}
	if (c->has_stage_at && c->stage_at > made + FUTURE_GRACE) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "stage_at",
		    "stage_at: a customer is in its stage by now, not in the "
		    "future");
	}
	if (lost && (!c->has_lost_reason || c->lost_reason == 0)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost_reason: a customer added as lost needs a reason: "
		    "price, competitor, service, no_need or other (with "
		    "text)");
	}
	if (!lost && ((c->has_lost_reason && c->lost_reason != 0) ||
	                 (c->lost_text && *c->lost_text) ||
	                 (c->has_lost_at && c->lost_at != 0))) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "lost_reason",
		    "lost_reason: a lost reason goes with the stage lost");
	}
	if (!won && (!c->has_won_at || c->won_at == 0) && c->has_deal_amount &&
	    c->deal_amount != 0) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "deal_amount",
		    "deal_amount: a deal goes with the stage won, or with the "
		    "time it was won (won_at) when the customer moved on");
	}
	if (lost && (!c->has_lost_at || c->lost_at == 0)) {
		c->has_lost_at = 1;
		c->lost_at = dispatch_at(ctx);
	}
	if (won && (!c->has_won_at || c->won_at == 0)) {
		c->has_won_at = 1;
		c->won_at = dispatch_at(ctx);
	}
	return CRM_OK;
}

/* Whether name reads as the marker of a hidden row (CUSTOMER_HIDDEN),
 * as a lookup by name compares names: another case or spacing, or a
 * company's legal form after it, would open that customer when someone
 * copies the marker out of a list. */
static int
reads_as_hidden(const char *name)
{
	char *m = crm_utf8_normalize(CUSTOMER_HIDDEN);
	char *a = crm_utf8_normalize(name), *b = crm_utf8_company_key(name);
	int same = m != NULL && ((a != NULL && strcmp(a, m) == 0) ||
	                            (b != NULL && strcmp(b, m) == 0));
	free(m);
	free(a);
	free(b);
	return same;
}

/* An amount of a customer (annual_revenue, deal_amount) set now is at
 * most what a purchase may be (PURCHASE_AMOUNT_MAX): customer add (field:
 * name, in Status.field) and edit (field NULL: the handler names the
 * FieldValue) keep the same bound, and a deal is recorded as a purchase.
 * Errors: CRM_EINVAL. */
static crm_status
money_bound(
    struct req_ctx *ctx, const char *name, const char *field, int64_t v)
{
	if (v > PURCHASE_AMOUNT_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL, field,
		    "%s: too large; at most 1,000,000,000,000.00", name);
	}
	return CRM_OK;
}

/* Domain checks beyond crm_validate: lengths, dates, tags, amounts. */
crm_status
customer_fields_check(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if ((c->has_annual_revenue && c->annual_revenue < 0) ||
	    (c->has_deal_amount && c->deal_amount < 0)) {
		const char *f = c->has_deal_amount && c->deal_amount < 0
		                    ? "deal_amount"
		                    : "annual_revenue";
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, f, "%s: want an amount of 0 or more", f);
	}
	/* A new record's amounts: an edit checks the value it sets
	 * (customer_fields_set), so a record stored over the bound before it
	 * was kept still takes edits of its other fields. */
	crm_status rc = CRM_OK;
	if (c->id == 0 && c->has_annual_revenue) {
		rc = money_bound(ctx, "annual_revenue", "annual_revenue",
		    c->annual_revenue);
	}
	if (rc == CRM_OK && c->id == 0 && c->has_deal_amount) {
		rc = money_bound(
		    ctx, "deal_amount", "deal_amount", c->deal_amount);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	if (c->name == NULL || *c->name == '\0') {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "name", "a customer needs a name");
	}
	if (strlen(c->name) > CUSTOMER_NAME_MAX) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "customer name longer than %d bytes", CUSTOMER_NAME_MAX);
	}
	if (strchr(c->name, '\n') != NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "customer name on one line, please");
	}
	if (reads_as_hidden(c->name)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "'%s' is what lists show for a customer hidden from "
		    "their reader: name the customer otherwise",
		    CUSTOMER_HIDDEN);
	}
	if (c->birthday != NULL && *c->birthday &&
	    !crm_time_valid_day(c->birthday)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "birthday",
		    "birthday: want MM-DD or YYYY-MM-DD (a year from 1900 to "
		    "2099), not '%s'",
		    c->birthday);
	}
	/* A birth date given now is past: one after today is a slip of the
	 * keys (a greeting was planned for someone not yet born). Only a
	 * new record's: an edit checks the value it sets. */
	if (c->id == 0 && birthday_ahead(ctx, c->birthday)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "birthday",
		    "birthday: %s is after today", c->birthday);
	}
	if (c->anniversary != NULL && *c->anniversary &&
	    !crm_time_valid_day(c->anniversary)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "anniversary",
		    "anniversary: want MM-DD or YYYY-MM-DD (a year from 1900 "
		    "to 2099), not '%s'",
		    c->anniversary);
	}
	if (c->age_range != NULL && *c->age_range) {
		if (strlen(c->age_range) > 32 ||
		    strpbrk(c->age_range, "\r\n\t") != NULL) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "age_range",
			    "age_range: at most 32 bytes on one line");
		}
		if (crm_validate_age_range(c->age_range) != CRM_OK) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "age_range",
			    "age_range (年龄段): want 30-39, 30-39岁, 60+, "
			    "60岁以上, <20 or 20岁以下, not '%s'",
			    c->age_range);
		}
		if (c->kind != CRM__V1__CUSTOMER_KIND__KIND_PERSON) {
			return dispatch_fail_field(ctx, CRM_EINVAL,
			    "age_range",
			    "age_range (年龄段) is for person customers; a "
			    "company has employees");
		}
	}
	if (c->n_tags > MAX_TAGS) {
		return dispatch_fail_field(
		    ctx, CRM_EINVAL, "tags", "at most %d tags", MAX_TAGS);
	}
	for (size_t i = 0; i < c->n_tags; i++) {
		const char *t = c->tags[i];
		size_t sep, at = crm_validate_list_span(t, &sep);
		char f[32];
		snprintf(f, sizeof(f), "tags[%zu]", i);
		if (*t == '\0' || strlen(t) > 64) {
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "a tag is 1-64 bytes without commas");
		}
		/* An export joins tags with "; " and import splits there. */
		if (t[at] != '\0') {
			return dispatch_fail_field(ctx, CRM_EINVAL, f,
			    "tag '%s' holds '%.*s', which separates tags in a "
			    "file (export joins them with \"; \", import "
			    "splits at , ; ， ； and 、): write the tag "
			    "without it",
			    t, (int)sep, t + at);
		}
	}
	return CRM_OK;
}

/* customer_fields_tags: tags[0..*n) as a set, in place (*n becomes how
 * many are kept): each trimmed of white space at its ends (customer_trimmed),
 * a blank one dropped, and one the same as a tag before it dropped,
 * keeping the first one's place. The same means the same bytes: case is
 * the user's ('VIP' and 'vip' are two tags; nothing says a tag is
 * case-blind). */
void
customer_fields_tags(struct req_ctx *ctx, char **tags, size_t *n)
{
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++) {
		const char *t = customer_trimmed(ctx, tags[i]);
		int again = t == NULL;
		for (size_t j = 0; j < kept && !again; j++) {
			again = strcmp(tags[j], t) == 0;
		}
		if (!again) {
			tags[kept++] = (char *)t;
		}
	}
	*n = kept;
}

/* A company's name is more than its legal form (有限公司, Co., Ltd.):
 * checked when a name is given or changed (an old record keeps its). */
crm_status
customer_fields_company_name(struct req_ctx *ctx, const Crm__V1__Customer *c)
{
	if ((!c->has_kind ||
	        c->kind == CRM__V1__CUSTOMER_KIND__KIND_COMPANY) &&
	    crm_utf8_company_form_only(c->name)) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "name",
		    "name: '%s' is only a legal form; a name is needed "
		    "besides the legal form",
		    c->name);
	}
	return CRM_OK;
}

/* Copy one settable field of src into dst (both Customer). */
void
customer_fields_copy(Crm__V1__Customer *dst, const Crm__V1__Customer *src,
    const ProtobufCFieldDescriptor *f)
{
	char *d = (char *)dst, *s = (char *)src;
	size_t size;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		size = sizeof(char *);
		break;
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT32:
		size = sizeof(uint32_t);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		size = sizeof(uint64_t);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		size = sizeof(protobuf_c_boolean);
		break;
	default:
		return;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		memcpy(d + f->quantifier_offset, s + f->quantifier_offset,
		    sizeof(size_t));
		memcpy(d + f->offset, s + f->offset, sizeof(void *));
		return;
	}
	memcpy(d + f->offset, s + f->offset, size);
	if (f->quantifier_offset != 0) {
		memcpy(d + f->quantifier_offset, s + f->quantifier_offset,
		    sizeof(protobuf_c_boolean));
	}
}

/*
 * Parse text into field f of c; an empty text clears it.
 * Errors: CRM_EINVAL with a message naming the field.
 */
crm_status
customer_fields_set(struct req_ctx *ctx, Crm__V1__Customer *c,
    const ProtobufCFieldDescriptor *f, const char *text)
{
	char *base = (char *)c;
	protobuf_c_boolean *has =
	    f->quantifier_offset
	        ? (protobuf_c_boolean *)(base + f->quantifier_offset)
	        : NULL;
	int clear = *text == '\0';
	if (f->label == PROTOBUF_C_LABEL_REPEATED) { /* tags: a,b,c */
		size_t n = 0, cap = 1;
		for (const char *p = text; *p != '\0'; p++) {
			cap += *p == ',';
		}
		char **items =
		    crm_arena_alloc(ctx->arena, cap * sizeof(char *));
		char *copy = crm_arena_strdup(ctx->arena, text);
		if (items == NULL || copy == NULL) {
			return CRM_TOO_BIG;
		}
		for (char *save = NULL, *t = strtok_r(copy, ",", &save);
		     t != NULL; t = strtok_r(NULL, ",", &save)) {
			items[n++] = t;
		}
		/* A set: more than MAX_TAGS left is refused by the check. */
		customer_fields_tags(ctx, items, &n);
		*(size_t *)(base + f->quantifier_offset) = n;
		*(char ***)(base + f->offset) = items;
		return CRM_OK;
	}
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		if (clear && strcmp(f->name, "name") == 0) {
			return dispatch_fail(
			    ctx, CRM_EINVAL, "name cannot be empty");
		}
		if (!clear && is_day(f->name) && !crm_time_valid_day(text)) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s: want MM-DD or YYYY-MM-DD (a year from 1900 "
			    "to "
			    "2099)",
			    f->name);
		}
		if (!clear && strcmp(f->name, "birthday") == 0 &&
		    birthday_ahead(ctx, text)) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "birthday: %s is after today", text);
		}
		*(char **)(base + f->offset) = clear ? NULL : (char *)text;
		return CRM_OK;
	}
	if (clear) {
		if (strcmp(f->name, "kind") == 0) {
			return dispatch_fail(
			    ctx, CRM_EINVAL, "kind cannot be empty");
		}
		*has = 0;
		return CRM_OK;
	}
	char *end;
	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM: {
		int v;
		if (crm_enum_parse(f->descriptor, text, &v) != CRM_OK) {
			char list[256];
			crm_enum_list(f->descriptor, list, sizeof(list));
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s: want %s, not '%s'", f->name, list, text);
		}
		*(int *)(base + f->offset) = v;
		break;
	}
	case PROTOBUF_C_TYPE_UINT32: {
		unsigned long long v = strtoull(text, &end, 10);
		if (*end != '\0' || *text == '-' || v > UINT32_MAX) {
			return dispatch_fail(ctx, CRM_EINVAL,
			    "%s: want a whole number", f->name);
		}
		*(uint32_t *)(base + f->offset) = (uint32_t)v;
		break;
	}
	case PROTOBUF_C_TYPE_INT64: {
		int64_t v;
		if (is_money(f->name)) {
			if (crm_money_parse(text, &v) != CRM_OK) {
				return dispatch_fail(ctx, CRM_EINVAL,
				    "%s: want an amount like 12000.50",
				    f->name);
			}
			if (money_bound(ctx, f->name, NULL, v) != CRM_OK) {
				return CRM_EINVAL;
			}
		} else {
			/* Times: epoch seconds (the shell converts WHEN). */
			long long t = strtoll(text, &end, 10);
			if (*end != '\0' || t < 0) {
				return dispatch_fail(ctx, CRM_EINVAL,
				    "%s: want seconds since the epoch",
				    f->name);
			}
			/* The range a request's *_at field has
			 * (crm_validate.h): a value typed as text is
			 * checked here. */
			crm_time_kind kind = crm_validate_time_kind(f->name);
			if (kind != CRM_TIME_NONE &&
			    crm_validate_time(kind, (int64_t)t) != CRM_OK) {
				return dispatch_fail(ctx, CRM_EINVAL,
				    "%s: time out of range: %s (times from "
				    "2000-01-01 to 2100-01-01)",
				    f->name,
				    t < CRM_TIME_MIN ? "before 2000-01-01"
				                     : "from 2100-01-01 on");
			}
			v = t;
		}
		*(int64_t *)(base + f->offset) = v;
		break;
	}
	default:
		return dispatch_fail(
		    ctx, CRM_EINVAL, "%s cannot be edited", f->name);
	}
	*has = 1;
	return CRM_OK;
}

/* Stage and grade through edit: managers and admins only (a rep proposes
 * a grade; the stage command with its history comes with follow-ups). */
int
customer_fields_privileged(const char *f)
{
	return strcmp(f, "grade") == 0;
}
