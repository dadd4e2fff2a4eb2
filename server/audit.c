/* SPDX-License-Identifier: MIT */
/* audit.c: append-only audit records keyed by a sequence number. */
#include "audit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "check.h"
#include "crm.h"
#include "customer.h"
#include "handlers.h"
#include "records.pb-c.h"
#include "store.h"
#include "store_schema.h"
#include "user.h"

static ProtobufCBinaryData
packed(crm_arena *a, const ProtobufCMessage *m)
{
	ProtobufCBinaryData b = { 0, NULL };
	if (m == NULL) {
		return b;
	}
	size_t n = protobuf_c_message_get_packed_size(m);
	b.data = crm_arena_alloc(a, n ? n : 1);
	if (b.data == NULL) {
		return b; /* an oversized snapshot is left out, not the record
		           */
	}
	b.len = protobuf_c_message_pack(m, b.data);
	return b;
}

/* The customer a record belongs to: its customer_id field, if any. */
static uint64_t
customer_of_msg(const ProtobufCMessage *m)
{
	if (m == NULL) {
		return 0;
	}
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, "customer_id");
	if (f == NULL || f->type != PROTOBUF_C_TYPE_UINT64 ||
	    f->label == PROTOBUF_C_LABEL_REPEATED) {
		return 0;
	}
	return *(const uint64_t *)((const char *)m + f->offset);
}

/* The customers a change is about, into out[0..1] (0: none): the
 * record's customer after the change, and before it when that differs
 * (a contact, task or follow-up moved by a merge). */
static void
record_customers(const char *entity, uint64_t id,
    const ProtobufCMessage *before, const ProtobufCMessage *after,
    uint64_t out[2])
{
	out[1] = 0;
	if (entity != NULL && strcmp(entity, "customer") == 0) {
		out[0] = id;
		return;
	}
	out[0] = customer_of_msg(after ? after : before);
	if (before != NULL && after != NULL) {
		out[1] = customer_of_msg(before);
		if (out[1] == out[0]) {
			out[1] = 0;
		}
	}
}

/* The key of seq, of time at, in customer's list: customer || time ||
 * seq, the time never before that of the customer's newest entry, so
 * that the list is in sequence order even when a clock was set back
 * (schema 25: the list is in the customer's TIME zone, where a log's
 * other entries are; schema.def). */
static crm_status
cust_key(struct req_ctx *ctx, uint64_t customer, int64_t at, uint64_t seq,
    store_key *k)
{
	store_cursor *c;
	crm_status rc =
	    store_cursor_open(ctx->st, ctx->txn, DB_AUDIT_CUST, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	store_cursor_limit(c, customer);
	uint64_t t = store_time_key(at);
	store_key end;
	store_key_pair(&end, customer, UINT64_MAX);
	store_val v = { end.b, end.len };
	rc = store_cursor_get(c, STORE_BEFORE, &v, NULL);
	if (rc == CRM_OK && v.len == 24 && store_u64(v.data) == customer &&
	    store_u64((const uint8_t *)v.data + 8) > t) {
		t = store_u64((const uint8_t *)v.data + 8);
	}
	store_cursor_close(c);
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		return rc;
	}
	store_key_triple(k, customer, t, seq);
	return CRM_OK;
}

/* Index seq, of time at, under its customers. */
static crm_status
index_customers(
    struct req_ctx *ctx, const uint64_t cust[2], int64_t at, uint64_t seq)
{
	crm_status rc = CRM_OK;
	for (int i = 0; i < 2 && rc == CRM_OK; i++) {
		store_key k;
		if (cust[i] != 0 &&
		    (rc = cust_key(ctx, cust[i], at, seq, &k)) == CRM_OK) {
			rc = store_put_empty(
			    ctx->st, ctx->txn, DB_AUDIT_CUST, &k);
		}
	}
	return rc;
}

crm_status
audit_add(struct req_ctx *ctx, const char *entity, uint64_t id,
    const ProtobufCMessage *before, const ProtobufCMessage *after)
{
	if (ctx->bulk) {
		return CRM_OK;
	}
	uint64_t seq;
	crm_status rc = store_next_id(ctx->st, ctx->txn, "audit", &seq);
	if (rc != CRM_OK) {
		return rc;
	}
	Crm__Store__AuditRecord rec = CRM__STORE__AUDIT_RECORD__INIT;
	rec.has_at = rec.has_user_id = rec.has_entity_id = 1;
	rec.at = ctx->now;
	rec.user_id = ctx->who ? ctx->who->user_id : 0;
	rec.action = (char *)(ctx->action ? ctx->action : "offline");
	rec.entity = (char *)entity;
	rec.entity_id = id;
	rec.before = packed(ctx->arena, before);
	rec.has_before = before != NULL;
	rec.after = packed(ctx->arena, after);
	rec.has_after = after != NULL;
	uint64_t cust[2];
	record_customers(entity, id, before, after, cust);
	rec.customer_id = cust[0];
	rec.has_customer_id = rec.customer_id != 0;
	if (dispatch_at(ctx) < ctx->now) {
		rec.has_made_at = 1;
		rec.made_at = dispatch_at(ctx);
	}
	if (ctx->request_id.len > 0) {
		rec.has_request_id = 1;
		rec.request_id = ctx->request_id;
	}
	store_key k;
	store_key_id(&k, seq);
	rc = store_put_msg(ctx->st, ctx->txn, DB_AUDIT, &k, &rec.base);
	if (rc == CRM_OK) {
		rc = index_customers(ctx, cust, rec.at, seq);
	}
	if (rc == CRM_OK) {
		ctx->changed = 1;
	}
	return rc;
}

/* ---------------------------------------------------- reading the trail */

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX     CRM_AUDIT_PAGE_MAX
#define AUDIT_SCAN_MAX     4096         /* audit records one request reads */
#define AUDIT_REPLY_BYTES  (512 * 1024) /* about; then the page ends */

/* The message type an entity's before/after snapshots were packed as. */
static const ProtobufCMessageDescriptor *
entity_descriptor(const char *entity)
{
	static const struct {
		const char *entity;
		const ProtobufCMessageDescriptor *d;
	} map[] = {
		{ "customer", &crm__v1__customer__descriptor },
		{ "contact", &crm__v1__contact__descriptor },
		{ "followup", &crm__v1__follow_up__descriptor },
		{ "task", &crm__v1__task__descriptor },
		{ "purchase", &crm__v1__purchase__descriptor },
		{ "commitment", &crm__v1__commitment__descriptor },
		{ "sla", &crm__v1__sla_clock__descriptor },
		{ "grade_proposal", &crm__v1__grade_proposal__descriptor },
		{ "policy", &crm__v1__policy__descriptor },
		{ "team", &crm__v1__team__descriptor },
		{ "user", &crm__store__user_record__descriptor },
		{ "routine", &crm__v1__routine__descriptor },
		{ "calendar", &crm__v1__calendar_reply__descriptor },
	};
	for (size_t i = 0; entity && i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(entity, map[i].entity) == 0) {
			return map[i].d;
		}
	}
	return NULL;
}

/* Fields a diff leaves out: bookkeeping every change moves, secrets. */
static int
diff_skip(const char *f)
{
	static const char *const skip[] = { "id", "created_at", "created_by",
		"updated_at", "touched_at", "last_update_at", "pwhash" };
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		if (strcmp(f, skip[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

static int
is_money_field(const char *f)
{
	return strcmp(f, "annual_revenue") == 0 ||
	       strcmp(f, "deal_amount") == 0 || strcmp(f, "amount") == 0;
}

static int
is_time_field(const char *f)
{
	size_t n = strlen(f);
	return strcmp(f, "at") == 0 ||
	       (n > 3 && strcmp(f + n - 3, "_at") == 0) ||
	       (n > 6 && strcmp(f + n - 6, "_until") == 0);
}

/* A field holding a user id: shown as the login. */
static int
is_user_field(const char *f)
{
	size_t n = strlen(f);
	return strcmp(f, "owner_id") == 0 || strcmp(f, "user_id") == 0 ||
	       strcmp(f, "author_id") == 0 ||
	       (n > 6 && strcmp(f + n - 6, "_by_id") == 0) ||
	       (n > 6 && strcmp(f + n - 6, "_to_id") == 0);
}

static int
is_seconds_field(const char *f)
{
	size_t n = strlen(f);
	return n > 8 && strcmp(f + n - 8, "_seconds") == 0;
}

/* A length of time as 3d, 2h, 30m or 45s. */
static void
seconds_text(int64_t v, char *buf, size_t len)
{
	if (v % 86400 == 0) {
		snprintf(buf, len, "%" PRId64 "d", v / 86400);
	} else if (v % 3600 == 0) {
		snprintf(buf, len, "%" PRId64 "h", v / 3600);
	} else if (v % 60 == 0) {
		snprintf(buf, len, "%" PRId64 "m", v / 60);
	} else {
		snprintf(buf, len, "%" PRId64 "s", v);
	}
}

static char *field_text(struct req_ctx *ctx, const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f);
static char *msg_text(
    struct req_ctx *ctx, const ProtobufCMessage *m, int keys, char **key);

/* One value of field f at p as text in the arena. */
static char *
value_text(
    struct req_ctx *ctx, const ProtobufCFieldDescriptor *f, const void *p)
{
	char buf[64];
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return *(char *const *)p ? *(char *const *)p : "";
	case PROTOBUF_C_TYPE_BOOL:
		return *(const protobuf_c_boolean *)p ? "yes" : "no";
	case PROTOBUF_C_TYPE_ENUM: {
		const char *n = crm_enum_name(f->descriptor, *(const int *)p);
		const char *u = strchr(n, '_');
		if (u == NULL || !isupper((unsigned char)*n)) {
			return (char *)n;
		}
		/* An enum without a short name: ROUTINE_MONTHLY as monthly. */
		char *low = crm_arena_strdup(ctx->arena, u + 1);
		for (char *c = low; c != NULL && *c; c++) {
			*c = (char)tolower((unsigned char)*c);
		}
		return low ? low : (char *)n;
	}
	case PROTOBUF_C_TYPE_INT32:
		snprintf(buf, sizeof(buf), "%d", *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32: {
		uint32_t v = *(const uint32_t *)p;
		if (strcmp(f->name, "minute") == 0) { /* of the day */
			snprintf(
			    buf, sizeof(buf), "%02u:%02u", v / 60, v % 60);
		} else {
			snprintf(buf, sizeof(buf), "%u", v);
		}
		break;
	}
	case PROTOBUF_C_TYPE_UINT64: {
		uint64_t id = *(const uint64_t *)p;
		if (id != 0 && is_user_field(f->name)) {
			return (char *)user_login_of(ctx, id);
		}
		if (id != 0 && strcmp(f->name, "team_id") == 0) {
			return (char *)user_team_name(ctx, id);
		}
		if (id == 0) {
			return ""; /* no record, no one: (none) */
		}
		snprintf(buf, sizeof(buf), "%" PRIu64, id);
		break;
	}
	case PROTOBUF_C_TYPE_INT64: {
		int64_t v = *(const int64_t *)p;
		if (is_money_field(f->name)) {
			crm_money_format(v, buf, sizeof(buf));
		} else if (is_time_field(f->name)) {
			if (v == 0) {
				return ""; /* never: (none) */
			}
			crm_time_format(v, buf, sizeof(buf));
		} else if (is_seconds_field(f->name) && v > 0) {
			seconds_text(v, buf, sizeof(buf));
		} else {
			snprintf(buf, sizeof(buf), "%" PRId64, v);
		}
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(void *const *)p
		           ? msg_text(ctx, *(const ProtobufCMessage *const *)p,
		                 0, NULL)
		           : "";
	default:
		return "(value)";
	}
	return crm_arena_strdup(ctx->arena, buf);
}

/* Field f of m as text: "" when unset; repeated values joined by ", ". */
static char *
field_text(struct req_ctx *ctx, const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f)
{
	if (m == NULL) {
		return "";
	}
	const char *base = (const char *)m;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		const char *arr = *(char *const *)(base + f->offset);
		size_t esz = f->type == PROTOBUF_C_TYPE_STRING ||
		                     f->type == PROTOBUF_C_TYPE_MESSAGE
		                 ? sizeof(void *)
		             : f->type == PROTOBUF_C_TYPE_INT64 ||
		                     f->type == PROTOBUF_C_TYPE_UINT64
		                 ? 8
		             : f->type == PROTOBUF_C_TYPE_BOOL
		                 ? sizeof(protobuf_c_boolean)
		                 : 4;
		(void)esz;
		size_t len = 1;
		char **parts =
		    crm_arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*parts));
		if (parts == NULL) {
			return "";
		}
		for (size_t i = 0; i < n; i++) {
			parts[i] = value_text(ctx, f, arr + i * esz);
			len += strlen(parts[i] ? parts[i] : "") + 2;
		}
		char *out = crm_arena_alloc(ctx->arena, len);
		if (out == NULL) {
			return "";
		}
		*out = '\0';
		for (size_t i = 0; i < n; i++) {
			if (i > 0) {
				strcat(out, ", ");
			}
			strcat(out, parts[i] ? parts[i] : "");
		}
		return out;
	}
	if (f->quantifier_offset != 0 &&
	    f->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE &&
	    !*(const protobuf_c_boolean *)(base + f->quantifier_offset)) {
		return "";
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
	    *(void *const *)(base + f->offset) == NULL) {
		return "";
	}
	char *t = value_text(ctx, f, base + f->offset);
	return t ? t : "";
}

/* The number of leading fields of d that name an element of a list of
 * d: the leading enums (stage, grade), else the first field (a date). */
static int
key_fields(const ProtobufCMessageDescriptor *d)
{
	int n = 0;
	while ((unsigned)n < d->n_fields &&
	       d->fields[n].type == PROTOBUF_C_TYPE_ENUM &&
	       d->fields[n].label != PROTOBUF_C_LABEL_REPEATED) {
		n++;
	}
	return n ? n : 1;
}

/* m's set fields as "name=value name=value"; with keys > 0, its first
 * `keys` fields' values go to *key ("lead, A") and the rest to the text. */
static char *
msg_text(struct req_ctx *ctx, const ProtobufCMessage *m, int keys, char **key)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	size_t cap = 64, len = 0, kcap = 32, klen = 0;
	char *out = crm_arena_alloc(ctx->arena, cap);
	char *k = keys ? crm_arena_alloc(ctx->arena, kcap) : NULL;
	if (out == NULL || (keys && k == NULL)) {
		return "";
	}
	*out = '\0';
	if (k != NULL) {
		*k = '\0';
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (diff_skip(f->name)) {
			continue;
		}
		const char *t = field_text(ctx, m, f);
		if (*t == '\0') {
			continue;
		}
		int is_key = (int)i < keys;
		char **buf = is_key ? &k : &out;
		size_t *used = is_key ? &klen : &len;
		size_t *room = is_key ? &kcap : &cap;
		size_t need = *used + strlen(f->name) + strlen(t) + 4;
		if (need > *room) {
			char *more = crm_arena_alloc(ctx->arena, 2 * need);
			if (more == NULL) {
				return "";
			}
			memcpy(more, *buf, *used + 1);
			*buf = more;
			*room = 2 * need;
		}
		*used +=
		    (size_t)(is_key ? snprintf(*buf + *used, *room - *used,
		                          "%s%s", *used ? ", " : "", t)
		                    : snprintf(*buf + *used, *room - *used,
		                          "%s%s=%s", *used ? " " : "", f->name,
		                          t));
	}
	if (key != NULL) {
		*key = k ? k : "";
	}
	return out;
}

/* Room for one more change in e (cap entries allocated). */
static crm_status
add_change(struct req_ctx *ctx, Crm__V1__AuditEntry *e, size_t *cap,
    const char *field, char *a, char *b, size_t *bytes)
{
	if (e->n_changes == *cap) {
		size_t n = *cap ? 2 * *cap : 16;
		Crm__V1__AuditChange **more =
		    crm_arena_alloc(ctx->arena, n * sizeof(*more));
		if (more == NULL) {
			return CRM_TOO_BIG;
		}
		if (e->n_changes) {
			memcpy(more, e->changes, e->n_changes * sizeof(*more));
		}
		e->changes = more;
		*cap = n;
	}
	Crm__V1__AuditChange *c = crm_arena_alloc(ctx->arena, sizeof(*c));
	if (c == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__audit_change__init(c);
	c->field = (char *)field;
	c->before = a;
	c->after = b;
	*bytes += strlen(field) + strlen(a) + strlen(b) + 16;
	e->changes[e->n_changes++] = c;
	return CRM_OK;
}

/* The elements of a list of messages (field f) as texts and keys. */
static size_t
list_texts(struct req_ctx *ctx, const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f, char ***texts, char ***keys)
{
	size_t n =
	    m ? *(const size_t *)((const char *)m + f->quantifier_offset) : 0;
	ProtobufCMessage *const *arr =
	    m ? *(ProtobufCMessage *const *const *)((const char *)m +
	                                            f->offset)
	      : NULL;
	*texts = crm_arena_alloc(ctx->arena, (n ? n : 1) * sizeof(char *));
	*keys = crm_arena_alloc(ctx->arena, (n ? n : 1) * sizeof(char *));
	if (*texts == NULL || *keys == NULL) {
		return 0;
	}
	int nk = key_fields(f->descriptor);
	for (size_t i = 0; i < n; i++) {
		(*texts)[i] = msg_text(ctx, arr[i], nk, &(*keys)[i]);
	}
	return n;
}

/* Element i of the list of messages f of m. */
static const ProtobufCMessage *
elem(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t i)
{
	return (*(
	    ProtobufCMessage *const *const *)((const char *)m + f->offset))[i];
}

/* The changed fields of two elements with the same key, each as
 * "grades[B].every_seconds: 7d -> 5d". */
static crm_status
diff_element(struct req_ctx *ctx, const ProtobufCFieldDescriptor *f,
    const char *key, const ProtobufCMessage *a, const ProtobufCMessage *b,
    Crm__V1__AuditEntry *e, size_t *cap, size_t *bytes)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;
	crm_status rc = CRM_OK;
	for (unsigned i = (unsigned)key_fields(d);
	     rc == CRM_OK && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *g = &d->fields[i];
		char *x = field_text(ctx, a, g), *y = field_text(ctx, b, g);
		if (diff_skip(g->name) || strcmp(x, y) == 0) {
			continue;
		}
		size_t len =
		    strlen(f->name) + strlen(key) + strlen(g->name) + 4;
		char *name = crm_arena_alloc(ctx->arena, len);
		if (name == NULL) {
			return CRM_TOO_BIG;
		}
		snprintf(name, len, "%s[%s].%s", f->name, key, g->name);
		rc = add_change(ctx, e, cap, name, x, y, bytes);
	}
	return rc;
}

/* The changes of a list of messages (cells, days): an element gone, one
 * new, or one whose key (its stage and grade, its date) stayed and whose
 * other fields changed, each as "cells[lead, A]: every_seconds=7d ->
 * every_seconds=3d". */
static crm_status
diff_list(struct req_ctx *ctx, const ProtobufCFieldDescriptor *f,
    const ProtobufCMessage *before, const ProtobufCMessage *after,
    Crm__V1__AuditEntry *e, size_t *cap, size_t *bytes)
{
	char **ta, **ka, **tb, **kb;
	size_t na = list_texts(ctx, before, f, &ta, &ka);
	size_t nb = list_texts(ctx, after, f, &tb, &kb);
	if (ta == NULL || tb == NULL || ka == NULL || kb == NULL) {
		return CRM_TOO_BIG;
	}
	char *used = crm_arena_alloc(ctx->arena, nb + 1);
	if (used == NULL) {
		return CRM_TOO_BIG;
	}
	memset(used, 0, nb + 1);
	crm_status rc = CRM_OK;
	for (size_t i = 0; rc == CRM_OK && i < na; i++) {
		size_t j = 0;
		while (j < nb && (used[j] || strcmp(ka[i], kb[j]) != 0)) {
			j++;
		}
		char *b = "";
		if (j < nb) {
			used[j] = 1;
			if (strcmp(ta[i], tb[j]) == 0) {
				continue;
			}
			rc = diff_element(ctx, f, ka[i], elem(before, f, i),
			    elem(after, f, j), e, cap, bytes);
			continue;
		}
		size_t len = strlen(f->name) + strlen(ka[i]) + 3;
		char *name = crm_arena_alloc(ctx->arena, len);
		if (name == NULL) {
			return CRM_TOO_BIG;
		}
		snprintf(name, len, "%s[%s]", f->name, ka[i]);
		rc = add_change(ctx, e, cap, name, ta[i], b, bytes);
	}
	for (size_t j = 0; rc == CRM_OK && j < nb; j++) {
		if (used[j]) {
			continue;
		}
		size_t len = strlen(f->name) + strlen(kb[j]) + 3;
		char *name = crm_arena_alloc(ctx->arena, len);
		if (name == NULL) {
			return CRM_TOO_BIG;
		}
		snprintf(name, len, "%s[%s]", f->name, kb[j]);
		rc = add_change(ctx, e, cap, name, "", tb[j], bytes);
	}
	return rc;
}

static ProtobufCMessage *
unpack_snapshot(struct req_ctx *ctx, const ProtobufCMessageDescriptor *d,
    protobuf_c_boolean has, ProtobufCBinaryData b)
{
	if (d == NULL || !has) {
		return NULL;
	}
	return protobuf_c_message_unpack(
	    d, &ctx->arena->allocator, b.len, b.data);
}

/* The value of time field f of m (UTC seconds): 0 when unset or 0. */
static int
time_value(
    const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int64_t *out)
{
	if (m == NULL) {
		return 0;
	}
	const char *base = (const char *)m;
	if (f->quantifier_offset != 0 &&
	    (f->label == PROTOBUF_C_LABEL_OPTIONAL ||
	        f->label == PROTOBUF_C_LABEL_NONE) &&
	    !*(const protobuf_c_boolean *)(base + f->quantifier_offset)) {
		return 0;
	}
	*out = *(const int64_t *)(base + f->offset);
	return *out != 0;
}

/* The changed fields of one audit record (every set field on creation). */
static crm_status
diff_entry(struct req_ctx *ctx, const ProtobufCMessageDescriptor *d,
    const ProtobufCMessage *before, const ProtobufCMessage *after,
    Crm__V1__AuditEntry *e, size_t *bytes)
{
	if (d == NULL || (before == NULL && after == NULL)) {
		return CRM_OK;
	}
	size_t cap = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (diff_skip(f->name) ||
		    (before == NULL && strcmp(f->name, "customer_id") == 0)) {
			continue;
		}
		crm_status rc;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    f->label == PROTOBUF_C_LABEL_REPEATED) {
			rc = diff_list(ctx, f, before, after, e, &cap, bytes);
			if (rc != CRM_OK) {
				return rc;
			}
			continue;
		}
		char *a = field_text(ctx, before, f);
		char *b = field_text(ctx, after, f);
		if (strcmp(a, b) == 0) {
			continue;
		}
		char *field = (char *)f->name;
		if (is_user_field(f->name) ||
		    strcmp(f->name, "team_id") == 0) {
			/* Shown by name: "owner", "team", "verified_by". */
			field = crm_arena_strdup(ctx->arena, f->name);
			if (field == NULL) {
				return CRM_TOO_BIG;
			}
			field[strlen(field) - 3] = '\0';
		}
		rc = add_change(ctx, e, &cap, field, a, b, bytes);
		if (rc != CRM_OK) {
			return rc;
		}
		if (f->label != PROTOBUF_C_LABEL_REPEATED &&
		    f->type == PROTOBUF_C_TYPE_INT64 &&
		    is_time_field(f->name)) {
			Crm__V1__AuditChange *c = e->changes[e->n_changes - 1];
			c->has_before_at =
			    time_value(before, f, &c->before_at);
			c->has_after_at = time_value(after, f, &c->after_at);
		}
	}
	return CRM_OK;
}

/* Which customer an audit record is about (0: none). */
static uint64_t
record_customer(struct req_ctx *ctx, const Crm__Store__AuditRecord *r,
    const ProtobufCMessage *before, const ProtobufCMessage *after)
{
	(void)ctx;
	if (r->has_customer_id) {
		return r->customer_id;
	}
	if (r->entity != NULL && strcmp(r->entity, "customer") == 0) {
		return r->entity_id;
	}
	return customer_of_msg(after ? after : before);
}

/* Whether the caller may see changes to customer id (0: admins only).
 * The last answer is kept: a trail comes in runs of one customer. */
struct seen {
	uint64_t id;
	int ok;
};

static int
may_see(struct req_ctx *ctx, struct seen *s, uint64_t id)
{
	if (ctx->who->role == CRM__V1__ROLE__ROLE_ADMIN) {
		return 1;
	}
	if (id == 0) {
		return 0;
	}
	if (id != s->id) {
		Crm__V1__Customer *c;
		size_t mark = crm_arena_mark(ctx->arena);
		s->id = id;
		s->ok = dispatch_record(ctx, DB_CUSTOMERS, id,
		            &crm__v1__customer__descriptor,
		            (ProtobufCMessage **)&c) == CRM_OK &&
		        auth_can_see(ctx->who, c->owner_id, c->team_id);
		crm_arena_release(ctx->arena, mark);
	}
	return s->ok;
}

/* A walk over audit records newest first: all of them, or one
 * customer's through DB_AUDIT_CUST. */
#define AWALK_BROKEN (-1) /* an index entry names no record */
struct awalk {
	struct req_ctx *ctx;
	store_cursor *cur;
	uint64_t customer; /* 0: the whole log */
	uint64_t before;   /* start below this sequence (0: the newest) */
	int started;
};

static int
awalk_open(
    struct req_ctx *ctx, struct awalk *w, uint64_t customer, uint64_t before)
{
	w->ctx = ctx;
	w->customer = customer;
	w->before = before;
	w->started = 0;
	w->cur = NULL;
	crm_status rc = store_cursor_open(
	    ctx->st, ctx->txn, customer ? DB_AUDIT_CUST : DB_AUDIT, &w->cur);
	if (rc == CRM_OK && customer != 0) {
		store_cursor_limit(w->cur, customer);
	}
	return (int)rc;
}

static void
awalk_close(struct awalk *w)
{
	store_cursor_close(w->cur);
}

/* The next older record: its sequence and packed AuditRecord. */
static int
awalk_next(struct awalk *w, uint64_t *seq, store_val *v)
{
	store_val k, d;
	crm_status rc;
	if (!w->started) {
		store_key sk;
		w->started = 1;
		/* A customer's list is in sequence order under times that
		 * are not: from its end, past those not below `before`. */
		if (w->customer != 0) {
			store_key_pair(&sk, w->customer, UINT64_MAX);
		} else {
			store_key_id(&sk, w->before);
		}
		k.data = sk.b;
		k.len = sk.len;
		rc = store_cursor_get(w->cur,
		    w->before || w->customer ? STORE_BEFORE : STORE_LAST, &k,
		    &d);
	} else {
		rc = store_cursor_get(w->cur, STORE_PREV, &k, &d);
	}
	for (; rc == CRM_OK &&
	       (w->customer == 0
	               ? k.len != 8
	               : k.len == 24 && store_u64(k.data) == w->customer &&
	                     w->before != 0 &&
	                     store_u64((const uint8_t *)k.data + 16) >=
	                         w->before);
	     rc = store_cursor_get(w->cur, STORE_PREV, &k, &d)) {
	}
	if (rc != CRM_OK) {
		return (int)rc;
	}
	if (w->customer == 0) {
		*seq = store_u64(k.data);
		*v = d;
		return 0;
	}
	if (k.len != 24 || store_u64(k.data) != w->customer) {
		return CRM_NOT_FOUND;
	}
	*seq = store_u64((const uint8_t *)k.data + 16);
	store_key rk;
	store_key_id(&rk, *seq);
	rc = store_get(w->ctx->st, w->ctx->txn, DB_AUDIT, rk.b, rk.len, v);
	return rc == CRM_NOT_FOUND ? AWALK_BROKEN : (int)rc;
}

crm_status
audit_handle_list(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	const Crm__V1__AuditListRequest *r = req->audit_list;
	uint64_t want_user = 0;
	crm_status rc = CRM_OK;
	if (r->has_customer_id && r->customer_id != 0) {
		Crm__V1__Customer *c;
		rc = customer_visible(ctx, r->customer_id, &c);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	if (r->user != NULL && *r->user) {
		Crm__Store__UserRecord *u;
		if (user_by_login(ctx, r->user, &u) != CRM_OK) {
			return dispatch_fail(
			    ctx, CRM_NOT_FOUND, "no user '%s'", r->user);
		}
		want_user = u->id;
	}
	size_t limit =
	    r->has_limit && r->limit ? r->limit : AUDIT_PAGE_DEFAULT;
	if (limit > AUDIT_PAGE_MAX) {
		limit = AUDIT_PAGE_MAX;
	}
	Crm__V1__AuditPage *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__audit_page__init(out);
	out->entries = crm_arena_alloc(ctx->arena, limit * sizeof(void *));
	if (out->entries == NULL) {
		return CRM_TOO_BIG;
	}

	/* One customer's trail: its index (customer || seq); else the
	 * whole log, newest first. */
	uint64_t by = r->has_customer_id ? r->customer_id : 0;
	struct awalk w;
	int mrc = awalk_open(ctx, &w, by, r->has_before ? r->before : 0);
	store_val v;
	struct seen seen = { 0, 0 };
	size_t scanned = 0, bytes = 0;
	uint64_t seq = 0;
	for (mrc = mrc ? mrc : awalk_next(&w, &seq, &v); mrc == 0;
	     mrc = awalk_next(&w, &seq, &v)) {
		if (scanned == AUDIT_SCAN_MAX || bytes > AUDIT_REPLY_BYTES) {
			out->next_before = seq + 1; /* this one comes next */
			break;
		}
		scanned++;
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__AuditRecord *a = crm__store__audit_record__unpack(
		    &ctx->arena->allocator, v.len, v.data);
		if (a == NULL && out->n_entries > 0) {
			out->next_before = seq + 1; /* the arena is full */
			break;
		}
		if (a == NULL) {
			rc = dispatch_fail(ctx, CRM_INTERNAL,
			    "audit record %" PRIu64
			    " does not decode (a damaged audit log)",
			    seq);
			break;
		}
		if (r->has_start_at && a->at < r->start_at) {
			break; /* sequence order is time order */
		}
		if ((r->has_end_at && a->at >= r->end_at) ||
		    (want_user != 0 && a->user_id != want_user)) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		const ProtobufCMessageDescriptor *d =
		    entity_descriptor(a->entity);
		ProtobufCMessage *before =
		    unpack_snapshot(ctx, d, a->has_before, a->before);
		ProtobufCMessage *after =
		    unpack_snapshot(ctx, d, a->has_after, a->after);
		if (d != NULL && ((a->has_before && before == NULL) ||
		                     (a->has_after && after == NULL))) {
			if (ctx->arena->exhausted && out->n_entries > 0) {
				out->next_before =
				    seq + 1; /* the arena is full */
				break;
			}
			rc =
			    ctx->arena->exhausted
			        ? CRM_TOO_BIG
			        : dispatch_fail(ctx, CRM_INTERNAL,
			              "audit record %" PRIu64 "'s %s snapshot "
			              "does not decode (a damaged audit log)",
			              seq, a->entity);
			break;
		}
		uint64_t cust = record_customer(ctx, a, before, after);
		if (by != 0) {
			cust = by; /* indexed under it (also a move away) */
		}
		if (!may_see(ctx, &seen, cust)) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		Crm__V1__AuditEntry *e =
		    crm_arena_alloc(ctx->arena, sizeof(*e));
		if (e == NULL) {
			rc = CRM_TOO_BIG;
			break;
		}
		crm__v1__audit_entry__init(e);
		e->has_seq = e->has_happened_at = e->has_user_id = 1;
		e->seq = seq;
		e->happened_at = a->at;
		e->user_id = a->user_id;
		e->user = a->user_id ? (char *)user_login_of(ctx, a->user_id)
		                     : "crmd";
		e->action = a->action;
		e->entity = a->entity;
		e->has_entity_id = 1;
		e->entity_id = a->entity_id;
		if (cust != 0) {
			e->has_customer_id = 1;
			e->customer_id = cust;
			e->customer = (char *)customer_name_of(ctx, cust);
		}
		e->has_created = 1;
		e->created = !a->has_before && a->has_after;
		/* The snapshots stay in the arena with the entry: count them
		 * (unpacked, about twice their packed size). */
		bytes += 128 + 2 * v.len +
		         (e->action ? strlen(e->action) : 0) +
		         (e->customer ? strlen(e->customer) : 0);
		rc = diff_entry(ctx, d, before, after, e, &bytes);
		if (rc == CRM_TOO_BIG && out->n_entries > 0) {
			crm_arena_release(ctx->arena, mark);
			out->next_before =
			    seq + 1; /* the next page starts here */
			rc = CRM_OK;
			break;
		}
		if (rc == CRM_OK && ctx->arena->exhausted) {
			/* Some text of this entry did not fit: never cut it.
			 */
			crm_arena_release(ctx->arena, mark);
			if (out->n_entries == 0) {
				rc = CRM_TOO_BIG;
				break;
			}
			out->next_before = seq + 1;
			break;
		}
		if (rc != CRM_OK) {
			break;
		}
		if (d != NULL && before != NULL && after != NULL &&
		    e->n_changes == 0) {
			/* A write that changed nothing one reads: no row. */
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		if (out->n_entries == limit) {
			/* The page is full and this one is shown: it opens
			 * the next page. Found by reading on past the filters,
			 * so a page that ends the trail offers none. */
			crm_arena_release(ctx->arena, mark);
			out->next_before = seq + 1;
			break;
		}
		out->entries[out->n_entries++] = e;
	}
	awalk_close(&w);
	if (rc != CRM_OK) {
		return rc;
	}
	if (mrc == AWALK_BROKEN) {
		return dispatch_fail(ctx, CRM_INTERNAL,
		    "audit_cust names audit record %" PRIu64
		    ", which is missing (a damaged audit log)",
		    seq);
	}
	if (mrc != 0 && mrc != CRM_NOT_FOUND) {
		return (crm_status)mrc;
	}
	out->has_next_before = out->next_before != 0;
	resp->body_case = CRM__V1__RESPONSE__BODY_AUDIT;
	resp->audit = out;
	return CRM_OK;
}

/* The customers of a stored audit record (its snapshots decoded). */
static crm_status
stored_customers(
    struct req_ctx *ctx, const Crm__Store__AuditRecord *a, uint64_t cust[2])
{
	const ProtobufCMessageDescriptor *d = entity_descriptor(a->entity);
	ProtobufCMessage *before =
	    unpack_snapshot(ctx, d, a->has_before, a->before);
	ProtobufCMessage *after =
	    unpack_snapshot(ctx, d, a->has_after, a->after);
	if (d != NULL && ((a->has_before && before == NULL) ||
	                     (a->has_after && after == NULL))) {
		return ctx->arena->exhausted ? CRM_TOO_BIG : CRM_INTERNAL;
	}
	record_customers(a->entity, a->entity_id, before, after, cust);
	if (cust[0] == 0 && a->has_customer_id) {
		cust[0] = a->customer_id;
	}
	return CRM_OK;
}

crm_status
audit_reindex(struct req_ctx *ctx)
{
	crm_status rc = store_drop(ctx->st, ctx->txn, DB_AUDIT_CUST);
	uint64_t seq = 0;
	while (rc == CRM_OK && store_id_next(ctx->st, ctx->txn, DB_AUDIT, seq,
	                           &seq) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__AuditRecord *a = NULL;
		uint64_t cust[2];
		rc = dispatch_list_record(ctx, DB_AUDIT, seq,
		    &crm__store__audit_record__descriptor,
		    (ProtobufCMessage **)&a);
		if (rc == CRM_OK) {
			rc = stored_customers(ctx, a, cust);
		}
		if (rc == CRM_INTERNAL) {
			crm_warn("audit record %" PRIu64
			         ": a snapshot does not decode; not indexed",
			    seq);
			rc = CRM_OK;
			cust[0] = cust[1] = 0;
		}
		if (rc == CRM_OK) {
			rc = index_customers(
			    ctx, cust, a != NULL ? a->at : 0, seq);
		}
		crm_arena_release(ctx->arena, mark);
	}
	return rc;
}

crm_status
audit_check(struct check *c)
{
	struct req_ctx *ctx = c->ctx;
	uint64_t seq = 0, listed = 0;
	crm_status rc = CRM_OK;
	/* Every record decodes; how many customer lists should hold it. */
	while (
	    store_id_next(ctx->st, ctx->txn, DB_AUDIT, seq, &seq) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__AuditRecord *a;
		uint64_t cust[2] = { 0, 0 };
		if (dispatch_record(ctx, DB_AUDIT, seq,
		        &crm__store__audit_record__descriptor,
		        (ProtobufCMessage **)&a) != CRM_OK) {
			check_problem(
			    c, "audit %" PRIu64 ": does not decode", seq);
		} else if ((rc = stored_customers(ctx, a, cust)) != CRM_OK) {
			if (rc != CRM_INTERNAL) {
				crm_arena_release(ctx->arena, mark);
				return rc;
			}
			check_problem(c,
			    "audit %" PRIu64 ": a %s snapshot does not decode",
			    seq, a->entity ? a->entity : "?");
		}
		listed += (cust[0] != 0) + (cust[1] != 0);
		c->records++;
		crm_arena_release(ctx->arena, mark);
	}
	/* Every list entry names a record of its customer, each list in
	 * sequence order (its keys' times never fall): with the count,
	 * every record is in the lists it should be, once. */
	struct store_iter it;
	rc = store_iter_open(
	    ctx->st, ctx->txn, DB_AUDIT_CUST, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	uint64_t entries = 0, prev_cust = 0, prev_seq = 0;
	while (store_iter_next(&it, &key, &klen)) {
		entries++;
		if (klen != 24) {
			check_problem(
			    c, "audit_cust: a key of %zu bytes", klen);
			continue;
		}
		uint64_t cust = store_u64(key), aseq = store_u64(key + 16);
		if (cust == prev_cust && aseq <= prev_seq) {
			check_problem(c,
			    "audit_cust: customer %" PRIu64 " lists audit "
			    "%" PRIu64 " after %" PRIu64,
			    cust, aseq, prev_seq);
		}
		prev_cust = cust;
		prev_seq = aseq;
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__AuditRecord *a = NULL;
		uint64_t of[2] = { 0, 0 };
		if (dispatch_record(ctx, DB_AUDIT, aseq,
		        &crm__store__audit_record__descriptor,
		        (ProtobufCMessage **)&a) == CRM_NOT_FOUND) {
			check_problem(c,
			    "audit_cust: customer %" PRIu64
			    " lists audit %" PRIu64 ", which is missing",
			    cust, aseq);
		} else if (a != NULL &&
		           stored_customers(ctx, a, of) == CRM_OK &&
		           of[0] != cust && of[1] != cust) {
			check_problem(c,
			    "audit_cust: customer %" PRIu64
			    " lists audit %" PRIu64 ", which is not its",
			    cust, aseq);
		}
		crm_arena_release(ctx->arena, mark);
	}
	store_iter_close(&it);
	if (entries != listed) {
		check_problem(c,
		    "audit_cust: %" PRIu64 " entries, for %" PRIu64
		    " customers' records (each record in its customers' "
		    "lists once)",
		    entries, listed);
	}
	return CRM_OK;
}

int
audit_field_newer(struct req_ctx *ctx, uint64_t customer, const char *entity,
    uint64_t id, const char *field, int64_t since, struct audit_seen *seen)
{
	const ProtobufCMessageDescriptor *d = entity_descriptor(entity);
	const ProtobufCFieldDescriptor *f =
	    d != NULL
	        ? protobuf_c_message_descriptor_get_field_by_name(d, field)
	        : NULL;
	struct awalk w;
	if (f == NULL || customer == 0 ||
	    awalk_open(ctx, &w, customer, 0) != 0) {
		return 0;
	}
	/* The newest change; past it, on to the record's creation, which
	 * says more (the write was made before there was a record). */
	int found = 0, created = 0;
	uint64_t seq;
	store_val v;
	for (int n = 0, rc;
	     !created && n < AUDIT_SCAN_MAX &&
	     ((rc = awalk_next(&w, &seq, &v)) == 0 || rc == AWALK_BROKEN);
	     n++) {
		if (rc == AWALK_BROKEN) {
			continue;
		}
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__Store__AuditRecord *r = crm__store__audit_record__unpack(
		    &ctx->arena->allocator, v.len, v.data);
		if (r == NULL) {
			crm_arena_release(ctx->arena, mark);
			continue;
		}
		if (r->at < since) {
			break; /* stored before it: made before it too */
		}
		int64_t made = r->has_made_at ? r->made_at : r->at;
		int mine = ctx->who != NULL && r->user_id == ctx->who->user_id;
		int keep = 0;
		if (r->entity != NULL && strcmp(r->entity, entity) == 0 &&
		    r->entity_id == id &&
		    (made > since || (made == since && !mine))) {
			ProtobufCMessage *a =
			    unpack_snapshot(ctx, d, r->has_before, r->before);
			ProtobufCMessage *b =
			    unpack_snapshot(ctx, d, r->has_after, r->after);
			/* Its creation set every field, to a value or none. */
			char *y = b != NULL ? field_text(ctx, b, f) : NULL;
			created = y != NULL && !r->has_before;
			keep = created ||
			       (!found && y != NULL && a != NULL &&
			           strcmp(field_text(ctx, a, f), y) != 0);
			if (keep) {
				seen->at = made;
				seen->user_id = r->user_id;
				seen->value = y;
				seen->created = created;
				found = 1;
			}
		}
		if (!keep) {
			crm_arena_release(ctx->arena, mark);
		}
	}
	awalk_close(&w);
	return found;
}

/* "2026-12-07 10:00", with ":SS" when other falls in the same minute
 * (which came first, then, is in the seconds). */
static void
conflict_time(int64_t t, int64_t other, char *buf, size_t len)
{
	crm_time_format(t, buf, len);
	if (t / 60 == other / 60) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, ":%02d", (int)(t % 60));
	}
}

void
audit_conflict_times(int64_t made, int64_t then, char *a, char *b, size_t len)
{
	conflict_time(made, then, a, len);
	conflict_time(then, made, b, len);
}

crm_status
audit_before_made(struct req_ctx *ctx, int64_t made,
    const struct audit_seen *seen, const char *what, const char *entity,
    uint64_t id, const char *then)
{
	char a[AUDIT_TIME_LEN], b[AUDIT_TIME_LEN];
	audit_conflict_times(made, seen->at, a, b, sizeof(a));
	const char *by = user_login_of(ctx, seen->user_id);
	return dispatch_fail(ctx, CRM_EPRECOND,
	    "%s was made %s, %s %s %" PRIu64 " was made (%s%s%s): not "
	    "applied%s",
	    what, a, seen->at == made ? "in the same second as" : "before",
	    entity, id, b, *by ? ", by " : "", by, then);
}

crm_status
audit_edit_not_older(struct req_ctx *ctx, uint64_t customer,
    const char *entity, uint64_t id, Crm__V1__FieldValue *const *fields,
    size_t n, const char *path)
{
	int64_t made = dispatch_at(ctx);
	if (made >= ctx->now) {
		return CRM_OK;
	}
	for (size_t i = 0; i < n; i++) {
		struct audit_seen seen;
		if (fields[i]->field == NULL ||
		    !audit_field_newer(ctx, customer, entity, id,
		        fields[i]->field, made, &seen)) {
			continue;
		}
		snprintf(
		    ctx->field, sizeof(ctx->field), "%s.fields[%zu]", path, i);
		if (seen.created) {
			return audit_before_made(ctx, made, &seen, "this edit",
			    entity, id,
			    ", none of its fields; if it still holds, edit "
			    "again");
		}
		char a[AUDIT_TIME_LEN], b[AUDIT_TIME_LEN];
		audit_conflict_times(made, seen.at, a, b, sizeof(a));
		return dispatch_fail(ctx, CRM_EPRECOND,
		    "this edit was made %s, before %s was changed to \"%s\" "
		    "(%s, by %s): not applied, none of its fields; if it "
		    "still holds, edit again",
		    a, fields[i]->field, seen.value, b,
		    user_login_of(ctx, seen.user_id));
	}
	return CRM_OK;
}
