/* SPDX-License-Identifier: MIT */
/*
 * render_json.c: the json format: exactly one JSON document per command,
 * written by jansson (never by hand). Commands usually hand over the
 * document built by render_json_message from the protobuf replies; a doc
 * without one is converted from its sections (strings only).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "render.h"

static json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);
	if (j == NULL) {
		/* Not UTF-8 (the server validates, so this is defensive). */
		char *clean = crm_utf8_sanitize(s, true);
		j = json_string(clean);
		free(clean);
	}
	return j;
}

/* A field holding a time (UTC seconds): every int64 named *_at (the
 * protocol's rule, proto/README.md "Times and money"). */
static bool
is_time(const ProtobufCFieldDescriptor *f)
{
	size_t n = strlen(f->name);
	if (f->type != PROTOBUF_C_TYPE_INT64 &&
	    f->type != PROTOBUF_C_TYPE_SINT64 &&
	    f->type != PROTOBUF_C_TYPE_SFIXED64) {
		return false;
	}
	return n > 3 && strcmp(f->name + n - 3, "_at") == 0;
}

json_t *
render_json_time(int64_t t)
{
	char buf[40];
	if (t == 0) {
		return json_null();
	}
	crm_time_format_rfc3339(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_value(const ProtobufCFieldDescriptor *f, const void *v)
{
	if (is_time(f)) {
		return render_json_time(*(const int64_t *)v);
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM: {
		const char *name =
		    crm_enum_name(f->descriptor, *(const int32_t *)v);
		return name[0] ? json_string(name) : NULL;
	}
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)v);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)v);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (crm_money_field(f->name)) {
			/* Major units, as tables, CSV and reports show money
			 * (12000.01, not the protocol's 1200001). */
			return json_real((double)*(const int64_t *)v / 100.0);
		}
		return json_integer(*(const int64_t *)v);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t) * (const uint64_t *)v);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)v);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)v);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)v);
	case PROTOBUF_C_TYPE_STRING:
		return json_text(*(char *const *)v);
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;
		char *hex = crm_xmalloc(2 * b->len + 1);
		hex[0] = '\0';
		for (size_t i = 0; i < b->len; i++) {
			snprintf(hex + 2 * i, 3, "%02x", b->data[i]);
		}
		json_t *j = json_string(hex);
		free(hex);
		return j;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return render_json_message(*(ProtobufCMessage *const *)v);
	}
	return NULL;
}

json_t *
render_json_message(const ProtobufCMessage *m)
{
	json_t *obj = json_object();
	if (m == NULL) {
		return obj;
	}
	const ProtobufCMessageDescriptor *md = m->descriptor;
	for (unsigned i = 0; i < md->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &md->fields[i];
		const void *base;
		size_t n = render_field_values(m, f, &base);
		size_t sz = render_value_size(f);
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			json_t *arr = json_array();
			for (size_t k = 0; k < n; k++) {
				json_t *v =
				    json_value(f, (const char *)base + k * sz);
				if (v != NULL) {
					json_array_append_new(arr, v);
				}
			}
			json_object_set_new(obj, f->name, arr);
		} else if (n > 0) {
			json_t *v = json_value(f, base);
			if (v != NULL) {
				json_object_set_new(obj, f->name, v);
			}
		}
	}
	return obj;
}

/* A cell as JSON: a time as the table shows it ("2026-12-07 09:00",
 * local) as RFC 3339 like every other time, the rest as text. */
static json_t *
cell_json(const char *s)
{
	int y, mo, d, h, mi, n = 0;
	if (strlen(s) == 16 &&
	    sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) ==
	        5 &&
	    n == 16) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_isdst = -1;
		time_t t = mktime(&tm);
		if (t != (time_t)-1) {
			return render_json_time((int64_t)t);
		}
	}
	return json_text(s);
}

/* A section as JSON: a record an object, a table an array of objects. */
static json_t *
section_json(const struct render_section *s)
{
	if (s->kind == RENDER_SEC_RECORD) {
		json_t *o = json_object();
		for (size_t c = 0; c < s->ncols; c++) {
			json_object_set_new(
			    o, s->cols[c], cell_json(s->rows[0][c]));
		}
		return o;
	}
	json_t *arr = json_array();
	for (size_t r = 0; r < s->nrows; r++) {
		json_t *o = json_object();
		for (size_t c = 0; c < s->ncols; c++) {
			json_object_set_new(
			    o, s->cols[c], cell_json(s->rows[r][c]));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

void
render_json_print(const render_doc *d, FILE *out)
{
	json_t *doc = NULL;
	size_t ndata = 0, last = 0;

	if (d->json != NULL) {
		doc = json_incref(d->json);
		goto out;
	}
	for (size_t i = 0; i < d->nsecs; i++) {
		if (d->secs[i].kind != RENDER_SEC_TEXT) {
			ndata++;
			last = i;
		}
	}
	if (ndata == 1) {
		doc = section_json(&d->secs[last]);
	} else if (ndata > 1) {
		doc = json_array();
		for (size_t i = 0; i < d->nsecs; i++) {
			if (d->secs[i].kind != RENDER_SEC_TEXT) {
				json_array_append_new(
				    doc, section_json(&d->secs[i]));
			}
		}
	} else {
		doc = json_object();
		for (size_t i = 0; i < d->nsecs; i++) {
			if (d->secs[i].kind == RENDER_SEC_TEXT) {
				json_object_set_new(doc, "message",
				    json_text(d->secs[i].text));
			}
		}
	}
out:
	/* 15 significant digits: every amount up to crmd's limit (10^12
	 * with two decimals) prints as written (0.07, not
	 * 0.070000000000000007); other reals lose nothing anyone reads. */
	json_dumpf(doc, out,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	fputc('\n', out);
	json_decref(doc);
}
