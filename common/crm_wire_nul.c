/* SPDX-License-Identifier: MIT */
/*
 * crm_wire_nul.c: NUL bytes in string fields, found on the wire (see
 * crm_wire_nul.h).
 */
#include "crm_wire_nul.h"

#include <stdio.h>
#include <string.h>

/* A varint at *p (before end) into *v; -1 when it does not parse. */
static int
varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p >= end) {
			return -1;
		}
		uint8_t b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Append ".name" (or "name" at the top) to where, keeping it bounded. */
static void
path_push(char *where, size_t where_len, const char *name)
{
	size_t n = strlen(where);
	if (n < where_len) {
		snprintf(where + n, where_len - n, "%s%s", n ? "." : "", name);
	}
}

/* How f is named in the path: "tags[1]" for the second item of a repeated
 * field (k items of it came before in this message), else its name. */
static void
item_name(const ProtobufCFieldDescriptor *f, size_t k, char *out, size_t len)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		snprintf(out, len, "%s[%zu]", f->name, k);
	} else {
		snprintf(out, len, "%s", f->name);
	}
}

/* 1 when a NUL was found (where holds its path), 0 otherwise. */
static int
walk(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
    int depth, char *where, size_t where_len)
{
	uint32_t seen[CRM_WIRE_NUL_MAX_FIELDS] = {
		0
	}; /* items so far, by field */
	while (p < end) {
		uint64_t tag, n;
		if (varint(&p, end, &tag) < 0) {
			return 0;
		}
		switch (tag & 7) {
		case 0:
			if (varint(&p, end, &n) < 0) {
				return 0;
			}
			break;
		case 1:
			if (end - p < 8) {
				return 0;
			}
			p += 8;
			break;
		case 5:
			if (end - p < 4) {
				return 0;
			}
			p += 4;
			break;
		case 2: {
			if (varint(&p, end, &n) < 0 ||
			    n > (uint64_t)(end - p)) {
				return 0;
			}
			const ProtobufCFieldDescriptor *f =
			    tag >> 3 > UINT32_MAX
			        ? NULL
			        : protobuf_c_message_descriptor_get_field(
			              d, (unsigned)(tag >> 3));
			size_t k = 0;
			char name[128];
			if (f != NULL) {
				size_t fi = (size_t)(f - d->fields);
				if (fi < CRM_WIRE_NUL_MAX_FIELDS) {
					k = seen[fi]++;
				}
				item_name(f, k, name, sizeof(name));
			}
			if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
			    memchr(p, 0, (size_t)n) != NULL) {
				path_push(where, where_len, name);
				return 1;
			}
			if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    depth < CRM_WIRE_NUL_MAX_DEPTH) {
				size_t keep = strlen(where);
				path_push(where, where_len, name);
				if (walk(f->descriptor, p, p + n, depth + 1,
				        where, where_len)) {
					return 1;
				}
				where[keep] = '\0';
			}
			p += n;
			break;
		}
		default: /* groups and worse: the unpacker refuses them */
			return 0;
		}
	}
	return 0;
}

crm_status
crm_wire_nul_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
    size_t len, char *where, size_t where_len)
{
	if (where_len > 0) {
		where[0] = '\0';
	}
	if (buf == NULL || where_len == 0) {
		return CRM_OK;
	}
	return walk(d, buf, buf + len, 0, where, where_len) ? CRM_EINVAL
	                                                    : CRM_OK;
}
