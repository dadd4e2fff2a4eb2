/* SPDX-License-Identifier: MIT */
/*
 * conn.h: the shell's connection to crmd: one nanomsg REQ socket, one
 * outstanding request at a time, a deadline per request, and the session
 * token every request carries. It maps nanomsg errno values to crm_status
 * (the one place in the client that sees them). It does not print.
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include "crm.h"

typedef struct crm_conn crm_conn;

#define CONN_TIMEOUT_MS 10000 /* default deadline; env CRM_TIMEOUT_MS */

/*
 * conn_default_url: the address crm and crmd use when none is given:
 * ipc://$XDG_RUNTIME_DIR/crm/crmd.ipc, else ipc:///tmp/crm-$UID/crm/crmd.ipc
 * (as crmd). Caller frees with free().
 */
char *conn_default_url(void);

/*
 * conn_new: a connection to url (copied) that connects lazily, on the
 * first conn_call. timeout_ms <= 0 means CONN_TIMEOUT_MS.
 * Caller frees with conn_free().
 */
crm_conn *conn_new(const char *url, int timeout_ms);
void conn_free(crm_conn *c);

/* conn_url: the server address. Borrowed; valid until conn_free(). */
const char *conn_url(const crm_conn *c);

/* conn_timeout: the deadline of calls in ms. */
int conn_timeout(const crm_conn *c);

/* conn_set_timeout: change the deadline of later calls (ms, > 0). */
void conn_set_timeout(crm_conn *c, int timeout_ms);

/*
 * conn_set_token: the session token later requests carry (copied);
 * NULL or len 0 clears it.
 */
void conn_set_token(crm_conn *c, const uint8_t *token, size_t len);

/*
 * conn_set_cancel_fd: while waiting for a reply also watch fd (e.g. the
 * shell's signal pipe); when it becomes readable the call gives up with
 * CRM_UNAVAILABLE and "interrupted". -1 disables.
 */
void conn_set_cancel_fd(crm_conn *c, int fd);

/*
 * conn_call: send req and wait for its response. This sets
 * protocol_version, a fresh request_id and the session token in req
 * (those fields point into c: borrowed until the next call); the caller
 * sets only the body. On CRM_OK *resp is the server's answer with status
 * OK; the caller frees it with crm__v1__response__free_unpacked(*resp,
 * NULL). On failure *resp is NULL and conn_error() says why.
 * Errors: the server's status code; CRM_UNAVAILABLE (no answer before the
 * deadline, interrupted, or the socket failed); CRM_EINVAL (a reply that
 * does not decode or answers another request).
 */
crm_status conn_call(
    crm_conn *c, Crm__V1__Request *req, Crm__V1__Response **resp /* OUT */);

/*
 * conn_error: the message of the last failed call: the server's text, or
 * a transport description. Borrowed; valid until the next conn_call.
 */
const char *conn_error(const crm_conn *c);

#endif
