/* SPDX-License-Identifier: MIT */
/*
 * crm_validate.h: the generic field check every request passes before any
 * handler sees it. protobuf-c checks neither enum ranges nor UTF-8, so this
 * walks the message by its descriptor: strings are UTF-8 without control
 * characters (tab and newline allowed, except in one-line fields such as
 * names, which also refuse bidi controls) and at most CRM_MAX_STRING bytes,
 * bytes fields at most CRM_MAX_BYTES, repeated fields at most CRM_MAX_REPEAT
 * items, enums one of their declared values, nesting at most 8 deep, and
 * times by their name: an int64 field named *_at is an instant in UTC
 * seconds since the epoch in [CRM_TIME_MIN, CRM_TIME_MAX), one named
 * *_seconds a duration of 1 to CRM_DURATION_MAX seconds; 0 is the same as
 * unset for both (a millisecond time, a negative one are refused).
 * Domain rules (a login's shape, a required field) live in the handlers.
 */
#ifndef CRM_VALIDATE_H
#define CRM_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

#define CRM_MAX_STRING 4096
#define CRM_MAX_BYTES  256
#define CRM_MAX_REPEAT 1000

#define CRM_TIME_MIN     INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define CRM_TIME_MAX     INT64_C(4102444800) /* 2100-01-01T00:00:00Z */
#define CRM_DURATION_MAX INT64_C(315360000)  /* 3650 days */

typedef enum {
	CRM_TIME_NONE,     /* not a time */
	CRM_TIME_INSTANT,  /* *_at: UTC seconds since the epoch */
	CRM_TIME_DURATION, /* *_seconds: seconds */
} crm_time_kind;

/* crm_validate_time_kind: what the int64 field of this name holds. */
crm_time_kind crm_validate_time_kind(const char *field);

/* crm_validate_time: v within the range of its kind (0: unset, accepted).
 * CRM_OK or CRM_EINVAL. */
crm_status crm_validate_time(crm_time_kind kind, int64_t v);

/*
 * crm_validate_message: check m and everything it holds.
 * Returns CRM_OK or CRM_EINVAL with a reason such as
 * "customer.name: invalid UTF-8" written into why (size whylen).
 */
crm_status crm_validate_message(
    const ProtobufCMessage *m, char *why, size_t whylen);

/*
 * crm_validate_field: the field a reason of crm_validate_message names,
 * without the path before it or an item's index ("customer.tags[1]: too
 * long" gives "tags"), into field (size n); "" when it names none. With
 * crm_validate_what, a check of one part of a request (an import row)
 * names its column and says why without the protocol's path.
 */
void crm_validate_field(const char *why, char *field, size_t n);
/* crm_validate_what: the reason of why without its path ("too long").
 * Borrowed: points into why. */
const char *crm_validate_what(const char *why);

/* crm_validate_text: the string rule above for one NUL-terminated string. */
crm_status crm_validate_text(const char *s, size_t max_bytes);

/* crm_validate_line: the rule for one-line fields (names, logins,
 * categories...): crm_validate_text without tab or newline and without
 * bidi embedding, override or isolate characters (U+202A-U+202E,
 * U+2066-U+2069). crm_validate_message applies it to the fields
 * crm_validate_one_line_field names. */
crm_status crm_validate_line(const char *s, size_t max_bytes);
bool crm_validate_one_line_field(const char *field);

/* crm_validate_phone: a phone number as people write it: digits (at
 * least 3, at most 20), and between them blanks and + - ( ) . / #, and an
 * extension as 转, ext or x (13800001111, 021-5555 0000, +86 (21)
 * 5555-0000 转 801). Not letters or words ("abc"). CRM_EINVAL. */
crm_status crm_validate_phone(const char *s);

/* crm_validate_age_range: a person's age range (年龄段): N-M with N <= M
 * (30-39), N+ (60+), <N (<20), each optionally followed by 岁, also
 * N岁以上 and N岁以下; ages 0 to 150. Not "abc" nor "-5". CRM_EINVAL. */
crm_status crm_validate_age_range(const char *s);

/*
 * crm_validate_list_span: the bytes of s before its first list separator
 * (',' ';' '\n' '，' '；' '、'), strlen(s) when it holds none; *seplen
 * (may be NULL) the separator's length in bytes, 0 when none. `import`
 * splits a list cell (tags, phones...) at each, and `export` joins a
 * list with "; ": an item holding one would not come back whole, so a
 * tag holds none.
 */
size_t crm_validate_list_span(const char *s, size_t *seplen);

#endif
