/* SPDX-License-Identifier: MIT */
/*
 * followup_lists.c: a follow-up's commitments, objections and
 * attachments, one cell each in an export, read back by import. Each is
 * a JSON array of objects (one per item, times in local time as the
 * other cells write them), so a cell brings every field back exactly,
 * whatever its texts hold (commas, semicolons, line breaks):
 *   commitments  text, owner, due_at, status, closed_at (when closed),
 *                held_by (when it counts for another: broken before a
 *                hand-over)
 *   objections   text; resolution, resolved_by, resolved_at (resolved)
 *   attachments  location, title, added_by, added_at
 * Not the other columns (cmd_export.c, import_map.c).
 */
#include "followup_lists.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_map.h"

/* ------------------------------------------------------------ export */

static void
json_text(json_t *o, const char *key, const char *v)
{
	if (v != NULL && *v != '\0') {
		json_object_set_new(o, key, json_string(v));
	}
}

static void
json_time(json_t *o, const char *key, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (t == 0) {
		return;
	}
	/* Seconds where the time has them, as sheet.c writes a cell. */
	if (t % 60 == 0 || localtime_r(&tt, &tm) == NULL) {
		crm_time_format(t, buf, sizeof(buf));
	} else {
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	}
	json_object_set_new(o, key, json_string(buf));
}

static json_t *
commitments(const Crm__V1__FollowUp *fu)
{
	json_t *a = json_array();
	for (size_t i = 0; i < fu->n_commitments; i++) {
		const Crm__V1__Commitment *c = fu->commitments[i];
		json_t *j = json_object();
		json_text(j, "text", c->text);
		json_text(j, "owner", c->owner);
		json_time(j, "due_at", c->due_at);
		if (c->has_status && c->status != 0) {
			json_text(j, "status",
			    crm_enum_name(
			        &crm__v1__commitment_status__descriptor,
			        c->status));
		}
		json_time(j, "closed_at", c->closed_at);
		json_text(j, "held_by", c->held_by);
		json_array_append_new(a, j);
	}
	return a;
}

static json_t *
objections(const Crm__V1__FollowUp *fu)
{
	json_t *a = json_array();
	for (size_t i = 0; i < fu->n_objections; i++) {
		const Crm__V1__SlaClock *k = i < fu->n_objection_issues
		                                 ? fu->objection_issues[i]
		                                 : NULL;
		json_t *j = json_object();
		json_text(j, "text", fu->objections[i]);
		if (k != NULL && k->stopped_at != 0) {
			json_text(j, "resolution", k->resolution);
			json_text(j, "resolved_by", k->resolved_by);
			json_time(j, "resolved_at", k->stopped_at);
		}
		json_array_append_new(a, j);
	}
	return a;
}

static json_t *
attachments(const Crm__V1__FollowUp *fu)
{
	json_t *a = json_array();
	for (size_t i = 0; i < fu->n_attachments; i++) {
		const Crm__V1__Attachment *x = fu->attachments[i];
		json_t *j = json_object();
		json_text(j, "location", x->location);
		json_text(j, "title", x->title);
		json_text(j, "added_by", x->added_by);
		json_time(j, "added_at", x->added_at);
		json_array_append_new(a, j);
	}
	return a;
}

char *
followup_lists_json(const Crm__V1__FollowUp *fu, const char *list)
{
	json_t *a = strcmp(list, "commitments") == 0  ? commitments(fu)
	            : strcmp(list, "objections") == 0 ? objections(fu)
	                                              : attachments(fu);
	char *t = json_array_size(a) > 0
	              ? json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER)
	              : NULL;
	json_decref(a);
	return t;
}

/* ------------------------------------------------------------ import */

/* s[0..len) without blanks around it. Caller frees. */
static char *
trimmed(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	                      s[len - 1] == '\r')) {
		len--;
	}
	return crm_xstrndup(s, len);
}

/*
 * A follow-up's commitments, objections and attachments: a JSON array of
 * objects, as export writes them (cmd_export.c), each key a field of the
 * item's record parsed like a column of that name (times, enums, logins).
 * Objections' resolved_at is the issue's stopped_at. Without the JSON, a
 * cell's lines are objections or attachments' locations; commitments need
 * the JSON (a commitment needs its due time).
 */

/* A new item of message type d appended to the repeated message field
 * name of m. */
static ProtobufCMessage *
list_add(
    ProtobufCMessage *m, const char *name, const ProtobufCMessageDescriptor *d)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, name);
	size_t *n = (size_t *)((char *)m + f->quantifier_offset);
	void ***v = (void ***)((char *)m + f->offset);
	ProtobufCMessage *x = crm_xmalloc(d->sizeof_message);
	protobuf_c_message_init(d, x);
	*v = crm_xrealloc(*v, (*n + 1) * sizeof(void *));
	(*v)[(*n)++] = x;
	return x;
}

/* Append text to the repeated string field name of m. */
static void
list_add_text(ProtobufCMessage *m, const char *name, const char *text)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, name);
	size_t *n = (size_t *)((char *)m + f->quantifier_offset);
	char ***v = (char ***)((char *)m + f->offset);
	*v = crm_xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = crm_xstrdup(text);
}

/* One JSON item of list f into fu. */
static bool
list_item(const char *list, Crm__V1__FollowUp *fu, json_t *o, char *why,
    size_t whylen)
{
	ProtobufCMessage *x;
	if (!json_is_object(o)) {
		snprintf(
		    why, whylen, "%s: each item is an object {...}", list);
		return false;
	}
	json_t *text = json_object_get(o, "text");
	if (strcmp(list, "commitments") == 0) {
		x = list_add(
		    &fu->base, list, &crm__v1__commitment__descriptor);
	} else if (strcmp(list, "objections") == 0) {
		if (!json_is_string(text) ||
		    *json_string_value(text) == '\0') {
			snprintf(
			    why, whylen, "objections: an item needs its text");
			return false;
		}
		list_add_text(
		    &fu->base, "objections", json_string_value(text));
		x = list_add(&fu->base, "objection_issues",
		    &crm__v1__sla_clock__descriptor);
	} else {
		x = list_add(
		    &fu->base, list, &crm__v1__attachment__descriptor);
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		const char *field =
		    strcmp(key, "resolved_at") == 0 &&
		            x->descriptor == &crm__v1__sla_clock__descriptor
		        ? "stopped_at"
		        : key;
		const ProtobufCFieldDescriptor *fd =
		    protobuf_c_message_descriptor_get_field_by_name(
		        x->descriptor, field);
		if (fd == NULL || !json_is_string(v)) {
			snprintf(why, whylen,
			    "%s: %s '%s' (keys: as export writes them, each "
			    "a string)",
			    list, fd == NULL ? "no key" : "not a string for",
			    key);
			return false;
		}
		char sub[256];
		if (!import_map_set_field(
		        x, field, json_string_value(v), sub, sizeof(sub))) {
			snprintf(why, whylen, "%s: %s: %s", list, key, sub);
			return false;
		}
	}
	return true;
}

bool
followup_lists_parse(const char *list, Crm__V1__FollowUp *fu, const char *text,
    char *why, size_t whylen)
{
	if (text[0] != '[') {
		if (strcmp(list, "commitments") == 0) {
			snprintf(why, whylen,
			    "commitments: a commitment needs its due time: "
			    "write them as export does "
			    "([{\"text\": ..., \"due_at\": ...}]), or leave "
			    "the column out");
			return false;
		}
		/* One objection, or one attachment's location, a line. */
		for (const char *p = text; *p != '\0';) {
			size_t len = strcspn(p, "\n");
			char *line = trimmed(p, len);
			if (line[0] != '\0') {
				if (strcmp(list, "objections") == 0) {
					list_add_text(&fu->base, list, line);
					list_add(&fu->base, "objection_issues",
					    &crm__v1__sla_clock__descriptor);
				} else {
					(void)import_map_set_field(
					    list_add(&fu->base, list,
					        &crm__v1__attachment__descriptor),
					    "location", line, why, whylen);
				}
			}
			free(line);
			p += len + (p[len] == '\n');
		}
		return true;
	}
	json_error_t e;
	json_t *a = json_loads(text, 0, &e);
	bool ok = a != NULL && json_is_array(a);
	if (!ok) {
		snprintf(why, whylen,
		    "%s: not the JSON list export writes (%s)", list,
		    a == NULL ? e.text : "want [...]");
	}
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		if (ok) {
			ok = list_item(list, fu, o, why, whylen);
		}
	}
	json_decref(a);
	return ok;
}
