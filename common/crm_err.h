/* SPDX-License-Identifier: MIT */
/*
 * crm_err.h: the one error enum of the project. Its numbers equal
 * crm.v1.Status.Code on the wire; codes are appended, never reused.
 */
#ifndef CRM_ERR_H
#define CRM_ERR_H

typedef enum crm_status {
	CRM_OK = 0,
	CRM_EINVAL = 1,       /* INVALID_ARGUMENT */
	CRM_EUNAUTH = 2,      /* UNAUTHENTICATED */
	CRM_EPERM = 3,        /* PERMISSION_DENIED */
	CRM_NOT_FOUND = 4,    /* NOT_FOUND */
	CRM_EXISTS = 5,       /* ALREADY_EXISTS */
	CRM_EPRECOND = 6,     /* FAILED_PRECONDITION */
	CRM_TOO_BIG = 7,      /* RESOURCE_EXHAUSTED */
	CRM_UNSUPPORTED = 8,  /* UNSUPPORTED */
	CRM_INTERNAL = 9,     /* INTERNAL */
	CRM_UNAVAILABLE = 10, /* UNAVAILABLE */
} crm_status;

#define CRM_STATUS_COUNT 11

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
