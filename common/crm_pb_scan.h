/* SPDX-License-Identifier: MIT */
/*
 * crm_pb_scan.h: the top-level fields of protobuf wire data, read in
 * place, for the few hot paths that need a handful of a message's
 * fields and not the message (protobuf-c unpacks a whole message or
 * nothing): a request's id before it is known to decode, a stored task
 * sent as it is, a customer's dates in a report over every customer of
 * a team. Everything else unpacks with protobuf-c.
 */
#ifndef CRM_PB_SCAN_H
#define CRM_PB_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* One field: its number and wire type (0 varint, 1 64-bit, 2 bytes,
 * 5 32-bit); v holds a varint's value (or a fixed one's, little-endian),
 * data/len a length-delimited field's bytes (borrowed from the buffer). */
struct crm_pb_field {
	uint32_t number;
	uint8_t type;
	uint64_t v;
	const uint8_t *data;
	size_t len;
};

/*
 * crm_pb_next: the field at *p (before end) into *f, *p moved past it.
 * Returns 1, or 0 at the end or on malformed data (a tag, varint or
 * length past end, field number 0, a group or unknown wire type): *p is
 * then not moved. Use (*p == end) after a 0 to tell the end from damage.
 */
int crm_pb_next(const uint8_t **p, const uint8_t *end, struct crm_pb_field *f);

/*
 * crm_pb_varints: the varint fields numbers[0..n) of the message in
 * buf[0..len) into vals[i] (the last occurrence wins, as in protobuf;
 * 0 when absent), with bit i of the return's low 32 bits set for each
 * one present, and bit 63 set when the data is malformed (what was read
 * before the damage is kept). n is at most 32.
 */
uint64_t crm_pb_varints(const void *buf, size_t len, const uint32_t *numbers,
    size_t n, uint64_t *vals /* OUT */);
#define CRM_PB_MALFORMED (UINT64_C(1) << 63)

#endif
