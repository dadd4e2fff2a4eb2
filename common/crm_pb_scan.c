/* SPDX-License-Identifier: MIT */
/* crm_pb_scan.c: protobuf wire fields read in place (crm_pb_scan.h). */
#include "crm_pb_scan.h"

/* One varint at *q (before end) into *v; 0 when it runs past end or
 * past 10 bytes. */
static int
varint(const uint8_t **q, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; *q < end && shift < 70; shift += 7) {
		uint8_t b = *(*q)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			return 1;
		}
	}
	return 0;
}

int
crm_pb_next(const uint8_t **p, const uint8_t *end, struct crm_pb_field *f)
{
	const uint8_t *q = *p;
	uint64_t tag;
	if (q >= end || !varint(&q, end, &tag) || tag >> 3 == 0 ||
	    tag >> 3 > UINT32_MAX) {
		return 0;
	}
	f->number = (uint32_t)(tag >> 3);
	f->type = (uint8_t)(tag & 7);
	f->v = 0;
	f->data = NULL;
	f->len = 0;
	switch (f->type) {
	case 0:
		if (!varint(&q, end, &f->v)) {
			return 0;
		}
		break;
	case 1:
	case 5: {
		size_t w = f->type == 1 ? 8 : 4;
		if ((size_t)(end - q) < w) {
			return 0;
		}
		for (size_t i = w; i > 0; i--) {
			f->v = f->v << 8 | q[i - 1];
		}
		q += w;
		break;
	}
	case 2:
		if (!varint(&q, end, &f->v) || (uint64_t)(end - q) < f->v) {
			return 0;
		}
		f->data = q;
		f->len = (size_t)f->v;
		f->v = 0;
		q += f->len;
		break;
	default:
		return 0; /* groups (3, 4) are not used; 6, 7 do not exist */
	}
	*p = q;
	return 1;
}

uint64_t
crm_pb_varints(const void *buf, size_t len, const uint32_t *numbers, size_t n,
    uint64_t *vals)
{
	uint64_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		vals[i] = 0;
	}
	const uint8_t *p = buf, *end = p + len;
	struct crm_pb_field f;
	while (crm_pb_next(&p, end, &f)) {
		if (f.type != 0) {
			continue;
		}
		for (size_t i = 0; i < n && i < 32; i++) {
			if (numbers[i] == f.number) {
				vals[i] = f.v;
				seen |= UINT64_C(1) << i;
			}
		}
	}
	return p == end ? seen : seen | CRM_PB_MALFORMED;
}
