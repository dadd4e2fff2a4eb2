/* SPDX-License-Identifier: MIT */
/*
 * crm_wire_nul.h: find a NUL byte inside a protobuf string field by
 * walking the wire bytes with the message descriptors. protobuf-c hands
 * a string field to C as a NUL-terminated char *, so "TwoCo\0hidden"
 * would silently become "TwoCo" (a known protobuf-c trap): a request
 * holding one is refused, naming the field.
 */
#ifndef CRM_WIRE_NUL_H
#define CRM_WIRE_NUL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

/* Sub-messages deeper than this are not looked into (the requests nest
 * far less; protobuf-c bounds its own recursion too). */
#define CRM_WIRE_NUL_MAX_DEPTH 16
/* Fields per message whose repeated items are counted for the path. */
#define CRM_WIRE_NUL_MAX_FIELDS 256

/*
 * crm_wire_nul_check: walk len bytes of a message of type d. When a
 * string field (at any depth) holds a NUL byte, write its dotted field
 * path (e.g. "customer_add.customer.notes") to where and return
 * CRM_EINVAL. Bytes that do not parse are left to the unpacker: CRM_OK.
 */
crm_status crm_wire_nul_check(const ProtobufCMessageDescriptor *d,
    const uint8_t *buf, size_t len, char *where, size_t where_len);

#endif
