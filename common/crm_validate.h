/* SPDX-License-Identifier: MIT */
/*
 * crm_validate.h: the generic field check every request passes before any
 * handler sees it. protobuf-c checks neither enum ranges nor UTF-8, so this
 * walks the message by its descriptor: strings are UTF-8 without control
 * characters (tab and newline allowed) and at most CRM_MAX_STRING bytes,
 * bytes fields at most CRM_MAX_BYTES, repeated fields at most CRM_MAX_REPEAT
 * items, enums one of their declared values, nesting at most 8 deep.
 * Domain rules (a login's shape, a required field) live in the handlers.
 */
#ifndef CRM_VALIDATE_H
#define CRM_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "crm_err.h"

#define CRM_MAX_STRING 4096
#define CRM_MAX_BYTES  256
#define CRM_MAX_REPEAT 1000

/*
 * crm_validate_message: check m and everything it holds.
 * Returns CRM_OK or CRM_EINVAL with a reason such as
 * "customer.name: invalid UTF-8" written into why (size whylen).
 */
crm_status crm_validate_message(
    const ProtobufCMessage *m, char *why, size_t whylen);

/* crm_validate_text: the string rule above for one NUL-terminated string. */
crm_status crm_validate_text(const char *s, size_t max_bytes);

#endif
