/* SPDX-License-Identifier: MIT */
/* crm_validate.c: descriptor-driven validation of untrusted messages. */
#include "crm_validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crm_utf8.h"

#define MAX_DEPTH 8

#define STR_(x) #x
#define STR(x)  STR_(x) /* a limit's number, in a reason */

crm_status
crm_validate_text(const char *s, size_t max_bytes)
{
	size_t len = strlen(s);
	if (len > max_bytes) {
		return CRM_TOO_BIG;
	}
	if (!crm_utf8_valid(s, len)) {
		return CRM_EINVAL;
	}
	if (crm_utf8_has_control(s, len)) {
		return CRM_EINVAL;
	}
	return CRM_OK;
}

/* Fields that hold one line: names, logins, labels, addresses of a kind.
 * They also refuse tab, newline and bidi controls (a name that displays
 * other than it compares). Free text (notes, summary, feedback, reasons)
 * keeps tab and newline. */
static const char *const one_line[] = { "added_by", "anniversary", "author",
	"birthday", "by", "categories", "category", "channel", "channels",
	"checked_by", "customer", "customer_name", "decided_by", "email", "im",
	"industry", "licence_no", "login", "managers", "name", "next_owner",
	"owner", "phones", "product", "proposed_by", "region", "resolved_by",
	"source", "suggested_channels", "tag", "tags", "team", "title", "user",
	"verified_by", "website" };

bool
crm_validate_one_line_field(const char *field)
{
	for (size_t i = 0; i < sizeof(one_line) / sizeof(one_line[0]); i++) {
		if (strcmp(field, one_line[i]) == 0) {
			return true;
		}
	}
	return false;
}

crm_status
crm_validate_line(const char *s, size_t max_bytes)
{
	crm_status rc = crm_validate_text(s, max_bytes);
	if (rc == CRM_OK && crm_utf8_has_line_control(s, strlen(s))) {
		rc = CRM_EINVAL;
	}
	return rc;
}

static crm_status
fail(char *why, size_t whylen, const char *path, const char *field,
    const char *what)
{
	snprintf(
	    why, whylen, "%s%s%s: %s", path, *path ? "." : "", field, what);
	return CRM_EINVAL;
}

static crm_status walk(const ProtobufCMessage *m, char *why, size_t whylen,
    const char *path, int depth);

/* Times by name (proto/README.md "Times and money"): an int64 field whose
 * name ends in _at is an instant, one ending in _seconds a duration. */
static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

crm_time_kind
crm_validate_time_kind(const char *field)
{
	if (ends_with(field, "_at")) {
		return CRM_TIME_INSTANT;
	}
	if (ends_with(field, "_seconds")) {
		return CRM_TIME_DURATION;
	}
	return CRM_TIME_NONE;
}

crm_status
crm_validate_time(crm_time_kind kind, int64_t v)
{
	if (v == 0) {
		return CRM_OK; /* the same as unset */
	}
	if (kind == CRM_TIME_INSTANT &&
	    (v < CRM_TIME_MIN || v >= CRM_TIME_MAX)) {
		return CRM_EINVAL;
	}
	if (kind == CRM_TIME_DURATION && (v < 0 || v > CRM_DURATION_MAX)) {
		return CRM_EINVAL;
	}
	return CRM_OK;
}

/* One value of field f stored at p (an element for repeated fields);
 * name is how the reason names it (f->name, or "tags[1]" for an item). */
static crm_status
check_value(const ProtobufCFieldDescriptor *f, const char *name, const void *p,
    char *why, size_t whylen, const char *path, int depth)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: {
		crm_time_kind kind = crm_validate_time_kind(f->name);
		int64_t v = *(const int64_t *)p;
		if (kind == CRM_TIME_NONE ||
		    crm_validate_time(kind, v) == CRM_OK) {
			return CRM_OK;
		}
		if (kind == CRM_TIME_DURATION) {
			return fail(why, whylen, path, name,
			    "duration out of range (seconds, 1 to 3650 days)");
		}
		return fail(why, whylen, path, name,
		    v < CRM_TIME_MIN
		        ? "time out of range: before 2000-01-01 (UTC "
		          "seconds since the epoch, 2000-01-01 to 2100-01-01)"
		        : "time out of range: after 2100-01-01 (UTC seconds "
		          "since the epoch, 2000-01-01 to 2100-01-01, never "
		          "milliseconds)");
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		if (s == NULL) {
			return CRM_OK;
		}
		int line = crm_validate_one_line_field(f->name);
		crm_status rc = line ? crm_validate_line(s, CRM_MAX_STRING)
		                     : crm_validate_text(s, CRM_MAX_STRING);
		if (rc == CRM_TOO_BIG) {
			return fail(why, whylen, path, name,
			    "too long (at most " STR(
			        CRM_MAX_STRING) " bytes)");
		}
		if (rc != CRM_OK) {
			return fail(why, whylen, path, name,
			    line ? "invalid UTF-8 or control characters (one "
			           "line: no tab, newline or bidi control)"
			         : "invalid UTF-8 or control characters (tab "
			           "and newline are allowed, not a carriage "
			           "return: end lines with \\n alone)");
		}
		return CRM_OK;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		if (b->len > CRM_MAX_BYTES) {
			return fail(why, whylen, path, name,
			    "too long (at most " STR(CRM_MAX_BYTES) " bytes)");
		}
		return CRM_OK;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		if (protobuf_c_enum_descriptor_get_value(f->descriptor, v) ==
		    NULL) {
			return fail(
			    why, whylen, path, name, "value out of range");
		}
		return CRM_OK;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		if (sub == NULL) {
			return CRM_OK;
		}
		char sub_path[256];
		snprintf(sub_path, sizeof(sub_path), "%s%s%s", path,
		    *path ? "." : "", name);
		return walk(sub, why, whylen, sub_path, depth + 1);
	}
	default:
		return CRM_OK;
	}
}

/* Item k of repeated field f: the path names its index
 * (import_batch.rows[2].customer.industry, customer_add.customer.tags[1]),
 * so that a refused batch says which row. */
static crm_status
check_item(const ProtobufCFieldDescriptor *f, const void *p, size_t k,
    char *why, size_t whylen, const char *path, int depth)
{
	if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
		char name[128];
		snprintf(name, sizeof(name), "%s[%zu]", f->name, k);
		return check_value(f, name, p, why, whylen, path, depth);
	}
	const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
	if (sub == NULL) {
		return CRM_OK;
	}
	char at[256];
	snprintf(
	    at, sizeof(at), "%s%s%s[%zu]", path, *path ? "." : "", f->name, k);
	return walk(sub, why, whylen, at, depth + 1);
}

static size_t
value_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return sizeof(int64_t);
	default:
		return 0;
	}
}

static crm_status
walk(const ProtobufCMessage *m, char *why, size_t whylen, const char *path,
    int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (depth > MAX_DEPTH) {
		return fail(
		    why, whylen, path, d->short_name, "nested too deep");
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		const void *value = base + f->offset;
		size_t vs = value_size(f);
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n =
			    *(const size_t *)(base + f->quantifier_offset);
			if (n > CRM_MAX_REPEAT) {
				return fail(why, whylen, path, f->name,
				    "too many items");
			}
			if (vs == 0) {
				continue;
			}
			const char *arr = *(char *const *)value;
			for (size_t k = 0; k < n; k++) {
				crm_status rc = check_item(f, arr + k * vs, k,
				    why, whylen, path, depth);
				if (rc != CRM_OK) {
					return rc;
				}
			}
			continue;
		}
		if (vs == 0) {
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which =
			    *(const uint32_t *)(base + f->quantifier_offset);
			if (which != f->id) {
				continue;
			}
		} else if (f->quantifier_offset != 0 &&
		           f->type != PROTOBUF_C_TYPE_STRING &&
		           f->type != PROTOBUF_C_TYPE_MESSAGE) {
			protobuf_c_boolean has = *(
			    const protobuf_c_boolean *)(base +
			                                f->quantifier_offset);
			if (!has) {
				continue;
			}
		}
		crm_status rc =
		    check_value(f, f->name, value, why, whylen, path, depth);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	return CRM_OK;
}

crm_status
crm_validate_message(const ProtobufCMessage *m, char *why, size_t whylen)
{
	if (whylen > 0) {
		why[0] = '\0';
	}
	return walk(m, why, whylen, "", 0);
}

const char *
crm_validate_what(const char *why)
{
	const char *colon = strstr(why, ": ");
	return colon != NULL ? colon + 2 : why;
}

void
crm_validate_field(const char *why, char *field, size_t n)
{
	const char *end = strstr(why, ": ");
	const char *start = why;
	if (n == 0) {
		return;
	}
	field[0] = '\0';
	if (end == NULL) {
		return;
	}
	for (const char *p = why; p < end; p++) {
		if (*p == '.') {
			start = p + 1;
		}
	}
	size_t len = 0;
	while (start + len < end && start[len] != '[') {
		len++;
	}
	snprintf(field, n, "%.*s", (int)len, start);
}

crm_status
crm_validate_phone(const char *s)
{
	int digits = 0;
	if (s == NULL || strlen(s) > 40) {
		return CRM_EINVAL;
	}
	while (*s) {
		if (*s >= '0' && *s <= '9') {
			digits++;
			s++;
		} else if (strchr(" +-().#/", *s) != NULL) {
			s++;
		} else if (strncmp(s, "\xE8\xBD\xAC", 3) == 0) { /* 转 */
			s += 3;
		} else if (strncasecmp(s, "ext", 3) == 0) {
			s += 3;
		} else if (*s == 'x' || *s == 'X') {
			s++;
		} else {
			return CRM_EINVAL;
		}
	}
	return digits >= 3 && digits <= 20 ? CRM_OK : CRM_EINVAL;
}

/* An age at *p (0-150), advancing *p; -1 when none. */
static int
age_at(const char **p)
{
	int v = 0, n = 0;
	while (**p >= '0' && **p <= '9' && n < 4) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n == 0 || n > 3 || v > 150 ? -1 : v;
}

static int
eat(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n) == 0) {
		*p += n;
		return 1;
	}
	return 0;
}

crm_status
crm_validate_age_range(const char *s)
{
	const char *p = s;
	if (s == NULL) {
		return CRM_EINVAL;
	}
	if (eat(&p, "<")) { /* <20, <20岁 */
		if (age_at(&p) < 1) {
			return CRM_EINVAL;
		}
		(void)eat(&p, "\xE5\xB2\x81"); /* 岁 */
		return *p == '\0' ? CRM_OK : CRM_EINVAL;
	}
	int a = age_at(&p);
	if (a < 0) {
		return CRM_EINVAL;
	}
	if (eat(&p, "+")) {
		(void)eat(&p, "\xE5\xB2\x81");
	} else if (eat(&p, "-") || eat(&p, "~") ||
	           eat(&p, "\xE8\x87\xB3")) { /* 至 */
		int b = age_at(&p);
		if (b < a) {
			return CRM_EINVAL;
		}
		(void)eat(&p, "\xE5\xB2\x81");
	} else if (eat(&p, "\xE5\xB2\x81")) { /* 60岁以上, 20岁以下 */
		if (!eat(&p, "\xE4\xBB\xA5\xE4\xB8\x8A") &&
		    !eat(&p, "\xE4\xBB\xA5\xE4\xB8\x8B")) {
			return CRM_EINVAL;
		}
	} else {
		return CRM_EINVAL;
	}
	return *p == '\0' ? CRM_OK : CRM_EINVAL;
}

size_t
crm_validate_list_span(const char *s, size_t *seplen)
{
	static const char *const wide[] = { "\xEF\xBC\x8C", /* ， */
		"\xEF\xBC\x9B",                             /* ； */
		"\xE3\x80\x81" };                           /* 、 */
	size_t n = strcspn(s, ",;\n"), len = s[n] != '\0';
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		const char *w = strstr(s, wide[i]);
		if (w != NULL && (size_t)(w - s) < n) {
			n = (size_t)(w - s);
			len = strlen(wide[i]);
		}
	}
	if (seplen != NULL) {
		*seplen = len;
	}
	return n;
}
