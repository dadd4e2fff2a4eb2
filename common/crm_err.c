/* SPDX-License-Identifier: MIT */
/*
 * crm_err.c: names and descriptions of crm_status codes. It maps nothing
 * foreign: LMDB and nanomsg errors are mapped in the store and transport.
 */
#include "crm_err.h"

static const struct {
	const char *name;
	const char *text;
} status_table[CRM_STATUS_COUNT] = {
	[CRM_OK] = { "OK", "OK: success" },
	[CRM_CANCELLED] = { "CANCELLED", "CANCELLED: cancelled" },
	[CRM_UNKNOWN] = { "UNKNOWN", "UNKNOWN: unknown status code" },
	[CRM_DEADLINE] = { "DEADLINE_EXCEEDED",
	    "DEADLINE_EXCEEDED: no answer in time" },
	[CRM_ABORTED] = { "ABORTED", "ABORTED: aborted, retry" },
	[CRM_OUT_OF_RANGE] = { "OUT_OF_RANGE", "OUT_OF_RANGE: out of range" },
	[CRM_DATA_LOSS] = { "DATA_LOSS", "DATA_LOSS: data lost" },
	[CRM_EINVAL] = { "INVALID_ARGUMENT",
	    "INVALID_ARGUMENT: a field is missing or malformed" },
	[CRM_EUNAUTH] = { "UNAUTHENTICATED", "UNAUTHENTICATED: log in first" },
	[CRM_EPERM] = { "PERMISSION_DENIED",
	    "PERMISSION_DENIED: your role may not do this" },
	[CRM_NOT_FOUND] = { "NOT_FOUND", "NOT_FOUND: no such record" },
	[CRM_EXISTS] = { "ALREADY_EXISTS", "ALREADY_EXISTS: already exists" },
	[CRM_EPRECOND] = { "FAILED_PRECONDITION",
	    "FAILED_PRECONDITION: not allowed in the record's state" },
	[CRM_TOO_BIG] = { "RESOURCE_EXHAUSTED",
	    "RESOURCE_EXHAUSTED: too big or too many" },
	[CRM_UNSUPPORTED] = { "UNIMPLEMENTED",
	    "UNIMPLEMENTED: unknown request or protocol version" },
	[CRM_INTERNAL] = { "INTERNAL", "INTERNAL: server fault" },
	[CRM_UNAVAILABLE] = { "UNAVAILABLE",
	    "UNAVAILABLE: server busy or stopping, retry" },
};

const char *
crm_strerror(crm_status code)
{
	if ((unsigned)code >= CRM_STATUS_COUNT) {
		return "UNKNOWN: unknown status code";
	}
	return status_table[code].text;
}

const char *
crm_status_name(crm_status code)
{
	if ((unsigned)code >= CRM_STATUS_COUNT) {
		return "UNKNOWN";
	}
	return status_table[code].name;
}

int
crm_status_retryable(crm_status code)
{
	return code == CRM_UNAVAILABLE;
}
