/* SPDX-License-Identifier: MIT */
/*
 * crm_err.h: the one error enum of the project. Its numbers equal
 * crm.v1.Status.Code on the wire, which are gRPC's canonical codes.
 */
#ifndef CRM_ERR_H
#define CRM_ERR_H

typedef enum crm_status {
	/* gRPC's canonical numbers (protocol 1.0, issue 17) */
	CRM_OK = 0,
	CRM_CANCELLED = 1, /* CANCELLED (not sent by crmd) */
	CRM_UNKNOWN = 2,   /* UNKNOWN: a reply without a known code */
	CRM_EINVAL = 3,    /* INVALID_ARGUMENT */
	CRM_DEADLINE = 4,  /* DEADLINE_EXCEEDED (not sent by crmd) */
	CRM_NOT_FOUND = 5, /* NOT_FOUND */
	CRM_EXISTS = 6,    /* ALREADY_EXISTS */
	CRM_EPERM = 7,     /* PERMISSION_DENIED */
	CRM_TOO_BIG = 8,   /* RESOURCE_EXHAUSTED */
	CRM_EPRECOND = 9,  /* FAILED_PRECONDITION */
	CRM_ABORTED = 10,  /* ABORTED (not sent by crmd) */
	CRM_OUT_OF_RANGE =
	    11,               /* OUT_OF_RANGE (changes: since beyond newest) */
	CRM_UNSUPPORTED = 12, /* UNIMPLEMENTED */
	CRM_INTERNAL = 13,    /* INTERNAL */
	CRM_UNAVAILABLE = 14, /* UNAVAILABLE */
	CRM_DATA_LOSS = 15,   /* DATA_LOSS (not sent by crmd) */
	CRM_EUNAUTH = 16,     /* UNAUTHENTICATED */
} crm_status;

#define CRM_STATUS_COUNT 17

/*
 * crm_strerror: a fixed description of code, starting with the code's
 * protocol name ("NOT_FOUND: no such record"). Borrowed; static storage.
 * Unknown codes give "UNKNOWN: ...".
 */
const char *crm_strerror(crm_status code);

/* crm_status_name: the protocol name alone ("NOT_FOUND"). Static storage. */
const char *crm_status_name(crm_status code);

/* crm_status_retryable: whether resending the same request may succeed. */
int crm_status_retryable(crm_status code);

#endif
