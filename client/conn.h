/* SPDX-License-Identifier: MIT */
/*
 * conn.h: the shell's connection to crmd: one nanomsg REQ socket, one
 * outstanding request at a time, a deadline per request, and the session
 * token every request carries. It maps nanomsg errno values to crm_status
 * (the one place in the client that sees them). It does not print.
 */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm.h"

typedef struct crm_conn crm_conn;

#define CONN_TIMEOUT_MS 10000 /* default deadline; env CRM_TIMEOUT_MS */

/* What became of the last call's request. */
enum conn_fate {
	CONN_NOT_SENT,  /* nothing sent: crmd is not running (or no socket) */
	CONN_NO_ANSWER, /* sent; no answer before the deadline */
	CONN_GONE,      /* sent; then crmd went away */
	CONN_INTERRUPTED, /* sent; the cancel fd fired before an answer */
	CONN_ANSWERED,    /* the server answered (any status) */
};

/* conn_exchange flags */
#define CONN_IGNORE_CANCEL 1 /* wait through the cancel fd */

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

/*
 * conn_sub_url: where to subscribe for the pokes crmd announced at
 * announced (HelloReply.pub_url or one of pub_urls): announced itself,
 * or for an ssh:// server the local end of the tunnel's second forward
 * when announced is that forward's target (tcp on the server's loopback,
 * crmd's port + 1); NULL when it is not. Borrowed; valid until
 * conn_free() or, for announced, as long as announced.
 */
const char *conn_sub_url(const crm_conn *c, const char *announced);

/* conn_ready: open the connection now (through ssh://: the tunnel up
 * and crmd answering), before asking the user something (a password).
 * Errors as conn_call's, conn_error() says why. */
crm_status conn_ready(crm_conn *c);

/* conn_ssh_err_fd / conn_ssh_messages: ssh's stderr through an ssh://
 * server (ssh_tunnel_err_fd / ssh_tunnel_messages); -1 and nothing for
 * other servers. */
int conn_ssh_err_fd(const crm_conn *c);
void conn_ssh_messages(crm_conn *c, void (*print)(const char *line));

/* conn_timeout: the deadline of calls in ms. */
int conn_timeout(const crm_conn *c);

/* conn_set_timeout: change the deadline of later calls (ms, > 0). */
void conn_set_timeout(crm_conn *c, int timeout_ms);

/* conn_token: the session token, or NULL. Borrowed; valid until the
 * next conn_set_token or conn_free. */
const uint8_t *conn_token(const crm_conn *c, size_t *len /* OUT */);

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
 * conn_call: send req and wait for its response, for reads and requests
 * that are never resent. This sets protocol_version, a fresh request_id
 * and the session token in req (and clears them again); the caller sets
 * only the body. On CRM_OK *resp is the server's answer with status
 * OK; the caller frees it with crm__v1__response__free_unpacked(*resp,
 * NULL). On failure *resp is NULL and conn_error() says why; when crmd
 * is not running (no ipc socket, a refused connection) that is known
 * within about 100 ms ("crmd is not running at URL"), and the deadline is
 * only for a server that took the request and has not answered.
 * Errors: the server's status code; CRM_UNAVAILABLE (not running, no
 * answer before the deadline, interrupted, or the socket failed);
 * CRM_EINVAL (a reply that does not decode or answers another request).
 */
crm_status conn_call(
    crm_conn *c, Crm__V1__Request *req, Crm__V1__Response **resp /* OUT */);

/*
 * conn_pack: req packed with protocol_version, request id id and (when
 * with_token) the session token, for conn_exchange or for keeping; req's
 * envelope fields are cleared again. Caller frees *buf with free().
 * Errors: none (CRM_OK).
 */
crm_status conn_pack(crm_conn *c, Crm__V1__Request *req,
    const uint8_t id[CRM_REQUEST_ID_LEN], bool with_token,
    void **buf /* OUT */, size_t *len /* OUT */);

/*
 * conn_repack: a kept request (packed without a session token) packed
 * again with the current session token and, when made_at is not 0, the
 * moment it was made (Request.made_at: the server dates the write by
 * it); its request id in id. Caller frees *buf with free(). Errors:
 * CRM_EINVAL (not a kept request).
 */
crm_status conn_repack(crm_conn *c, const void *stored, size_t len,
    int64_t made_at, void **buf /* OUT */, size_t *outlen /* OUT */,
    uint8_t id[CRM_REQUEST_ID_LEN] /* OUT */);

/*
 * conn_exchange: send the packed request buf (request id id) and wait
 * one deadline for its answer; buf NULL keeps waiting for the request
 * sent last (no resend). Sending the same bytes again is how a write is
 * resent: the server answers a request id it applied with the stored
 * reply. Nothing is sent when crmd is not running. conn_fate() says
 * what became of it. Results and errors as conn_call.
 */
crm_status conn_exchange(crm_conn *c, const void *buf, size_t len,
    const uint8_t id[CRM_REQUEST_ID_LEN], int flags,
    Crm__V1__Response **resp /* OUT */);

/* conn_fate: what became of the last conn_call or conn_exchange. */
enum conn_fate conn_fate(const crm_conn *c);

/*
 * conn_error: the message of the last failed call: the server's text, or
 * a transport description. Borrowed; valid until the next conn_call.
 */
const char *conn_error(const crm_conn *c);

/* conn_set_error: a failure found before anything was sent (the next
 * conn_error(); conn_fate() becomes CONN_NOT_SENT). */
void conn_set_error(crm_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
