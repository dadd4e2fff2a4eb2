/* SPDX-License-Identifier: MIT */
/*
 * render.c: the render_doc model and protobuf fields as text. The table
 * format (for the terminal) is render_table.c; CSV and JSON are
 * render_csv.c and render_json.c.
 */
#include "render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

int
render_format_parse(const char *s)
{
	if (strcmp(s, "table") == 0) {
		return RENDER_TABLE;
	}
	if (strcmp(s, "csv") == 0) {
		return RENDER_CSV;
	}
	if (strcmp(s, "json") == 0) {
		return RENDER_JSON;
	}
	return -1;
}

render_doc *
render_doc_new(void)
{
	return crm_xcalloc(1, sizeof(render_doc));
}

void
render_doc_free(render_doc *d)
{
	if (d == NULL) {
		return;
	}
	for (size_t i = 0; i < d->nsecs; i++) {
		struct render_section *s = &d->secs[i];
		free(s->text);
		for (size_t c = 0; c < s->ncols; c++) {
			free(s->cols[c]);
		}
		free(s->cols);
		for (size_t r = 0; r < s->nrows; r++) {
			for (size_t c = 0; c < s->ncols; c++) {
				free(s->rows[r][c]);
			}
			free(s->rows[r]);
		}
		free(s->rows);
	}
	free(d->secs);
	if (d->json != NULL) {
		json_decref(d->json);
	}
	free(d);
}

static struct render_section *
add_section(render_doc *d, enum render_kind kind)
{
	d->secs = crm_xrealloc(d->secs, (d->nsecs + 1) * sizeof(*d->secs));
	struct render_section *s = &d->secs[d->nsecs++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	return s;
}

void
render_text(render_doc *d, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text = crm_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	add_section(d, RENDER_SEC_TEXT)->text = text;
}

void
render_record(render_doc *d)
{
	struct render_section *s = add_section(d, RENDER_SEC_RECORD);
	s->nrows = 1;
	s->rows = crm_xcalloc(1, sizeof(char **));
}

void
render_kv(render_doc *d, const char *key, const char *value)
{
	if (d->nsecs == 0 || d->secs[d->nsecs - 1].kind != RENDER_SEC_RECORD) {
		render_record(d);
	}
	struct render_section *s = &d->secs[d->nsecs - 1];
	if (value == NULL || value[0] == '\0') {
		return;
	}
	if (s->ncols == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->cols = crm_xrealloc(s->cols, s->cap * sizeof(char *));
		s->rows[0] = crm_xrealloc(s->rows[0], s->cap * sizeof(char *));
	}
	s->cols[s->ncols] = crm_xstrdup(key);
	s->rows[0][s->ncols] = crm_xstrdup(value);
	s->ncols++;
}

void
render_table(render_doc *d, size_t ncols, const char *const *cols)
{
	struct render_section *s = add_section(d, RENDER_SEC_TABLE);
	s->ncols = ncols;
	s->cols = crm_xcalloc(ncols ? ncols : 1, sizeof(char *));
	for (size_t c = 0; c < ncols; c++) {
		s->cols[c] = crm_xstrdup(cols[c]);
	}
}

void
render_row(render_doc *d, const char *const *cells)
{
	struct render_section *s = &d->secs[d->nsecs - 1];
	if (s->nrows == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->rows = crm_xrealloc(s->rows, s->cap * sizeof(char **));
	}
	char **row = crm_xcalloc(s->ncols ? s->ncols : 1, sizeof(char *));
	for (size_t c = 0; c < s->ncols; c++) {
		row[c] = crm_xstrdup(cells[c] ? cells[c] : "");
	}
	s->rows[s->nrows++] = row;
}

void
render_set_json(render_doc *d, json_t *j)
{
	if (d->json != NULL) {
		json_decref(d->json);
	}
	d->json = j;
}

/* ------------------------------------------------------------ money */

static struct {
	bool people;
	bool asked;
	const char *(*currency)(void *);
	void *arg;
	char text[32]; /* the currency, once asked */
} money;

void
render_money_setup(bool people, const char *(*currency)(void *arg), void *arg)
{
	money.people = people;
	money.asked = false;
	money.currency = currency;
	money.arg = arg;
	money.text[0] = '\0';
}

void
render_money(int64_t minor, char *buf, size_t len)
{
	if (!money.people) {
		crm_money_format(minor, buf, len);
		return;
	}
	if (!money.asked) {
		money.asked = true;
		const char *c =
		    money.currency ? money.currency(money.arg) : NULL;
		snprintf(money.text, sizeof(money.text), "%s", c ? c : "");
	}
	crm_money_format_people(minor, money.text, buf, len);
}

const char *
render_money_currency(void)
{
	return money.people ? money.text : "";
}

/* ------------------------------------------------------------ fields */

size_t
render_value_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

size_t
render_field_values(const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f, const void **base)
{
	const char *p = (const char *)m;
	const void *field = p + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		*base = *(void *const *)field;
		return *(const size_t *)(p + f->quantifier_offset);
	}
	*base = field;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		return *(const uint32_t *)(p + f->quantifier_offset) == f->id;
	}
	if (f->type == PROTOBUF_C_TYPE_STRING ||
	    f->type == PROTOBUF_C_TYPE_MESSAGE) {
		const void *v = *(void *const *)field;
		return v != NULL && v != f->default_value;
	}
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
		return *(const protobuf_c_boolean *)(p + f->quantifier_offset)
		           ? 1
		           : 0;
	}
	return 1;
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* One value as text into buf. */
static void
value_text(
    const ProtobufCFieldDescriptor *f, const void *v, char *buf, size_t len)
{
	int64_t i64;
	buf[0] = '\0';
	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
		snprintf(buf, len, "%s",
		    crm_enum_name(f->descriptor, *(const int32_t *)v));
		return;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		snprintf(buf, len, "%" PRId32, *(const int32_t *)v);
		return;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)v);
		return;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)v);
		return;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		i64 = *(const int64_t *)v;
		if (has_suffix(f->name, "_at") || strcmp(f->name, "at") == 0) {
			if (i64 != 0) {
				crm_time_format(i64, buf, len);
			}
		} else if (crm_money_field(f->name)) {
			render_money(i64, buf, len);
		} else {
			snprintf(buf, len, "%" PRId64, i64);
		}
		return;
	case PROTOBUF_C_TYPE_FLOAT:
		snprintf(buf, len, "%g", (double)*(const float *)v);
		return;
	case PROTOBUF_C_TYPE_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)v);
		return;
	case PROTOBUF_C_TYPE_BOOL:
		snprintf(buf, len, "%s",
		    *(const protobuf_c_boolean *)v ? "yes" : "no");
		return;
	case PROTOBUF_C_TYPE_STRING:
		snprintf(buf, len, "%s", *(char *const *)v);
		return;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;
		for (size_t i = 0; i < b->len && 2 * i + 2 < len; i++) {
			snprintf(buf + 2 * i, 3, "%02x", b->data[i]);
		}
		return;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return; /* nested records are shown by their commands */
	}
}

/* The text of field f of m. Caller frees with free(). */
static char *
field_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *base;
	size_t n = render_field_values(m, f, &base), len = 0;
	size_t sz = render_value_size(f);
	char *out = crm_xstrdup("");

	for (size_t i = 0; i < n; i++) {
		const void *v = (const char *)base + i * sz;
		char small[128];
		const char *t = small;
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			t = *(char *const *)v;
		} else {
			value_text(f, v, small, sizeof(small));
		}
		size_t tl = strlen(t);
		out = crm_xrealloc(out, len + tl + 3);
		if (i > 0) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, t, tl + 1);
		len += tl;
	}
	return out;
}

char *
render_field(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
	    m ? protobuf_c_message_descriptor_get_field_by_name(
	            m->descriptor, name)
	      : NULL;
	if (f == NULL) {
		return crm_xstrdup("");
	}
	return field_text(m, f);
}

void
render_message_record(
    render_doc *d, const ProtobufCMessage *m, const char *const *skip)
{
	const ProtobufCMessageDescriptor *md = m->descriptor;
	render_record(d);
	for (unsigned i = 0; i < md->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &md->fields[i];
		bool skipped = f->type == PROTOBUF_C_TYPE_MESSAGE;
		for (size_t k = 0; skip && skip[k] && !skipped; k++) {
			skipped = strcmp(skip[k], f->name) == 0;
		}
		if (skipped) {
			continue;
		}
		char *t = field_text(m, f);
		render_kv(d, f->name, t);
		free(t);
	}
}

void
render_messages_table(render_doc *d, size_t ncols, const char *const *cols,
    const ProtobufCMessage *const *msgs, size_t n)
{
	char **cells = crm_xcalloc(ncols ? ncols : 1, sizeof(char *));
	render_table(d, ncols, cols);
	for (size_t r = 0; r < n; r++) {
		for (size_t c = 0; c < ncols; c++) {
			cells[c] = render_field(msgs[r], cols[c]);
		}
		render_row(d, (const char *const *)cells);
		for (size_t c = 0; c < ncols; c++) {
			free(cells[c]);
		}
	}
	free(cells);
}

void
render_messages(render_doc *d, size_t ncols, const char *const *cols,
    const ProtobufCMessage *const *msgs, size_t n)
{
	render_messages_table(d, ncols, cols, msgs, n);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, render_json_message(msgs[i]));
	}
	render_set_json(d, arr);
}
