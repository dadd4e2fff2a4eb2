/* SPDX-License-Identifier: MIT */
/*
 * conn.c: the REQ socket to crmd (see conn.h). nanomsg's REQ socket
 * resends a pending request by itself (after NN_RESEND_IVL and after a
 * reconnect) with the same bytes, hence the same request_id, which is what
 * the server's idempotency needs; so each logical request is sent once
 * here, and the deadline is ours: we poll NN_RCVFD rather than rely on
 * NN_RCVTIMEO, so the shell's signal pipe can interrupt the wait.
 */
#include "conn.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct crm_conn {
	char *url;
	int timeout_ms;
	int sock; /* -1 until the first call */
	int cancel_fd;
	uint8_t *token;
	size_t token_len;
	uint8_t request_id[CRM_REQUEST_ID_LEN];
	char error[512];
};

char *
conn_default_url(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	if (run != NULL && run[0] != '\0') {
		return crm_xasprintf("ipc://%s/crm/crmd.ipc", run);
	}
	return crm_xasprintf(
	    "ipc:///tmp/crm-%u/crm/crmd.ipc", (unsigned)getuid());
}

crm_conn *
conn_new(const char *url, int timeout_ms)
{
	crm_conn *c = crm_xcalloc(1, sizeof(*c));
	c->url = crm_xstrdup(url);
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : CONN_TIMEOUT_MS;
	c->sock = -1;
	c->cancel_fd = -1;
	return c;
}

void
conn_free(crm_conn *c)
{
	if (c == NULL) {
		return;
	}
	if (c->sock >= 0) {
		nn_close(c->sock);
	}
	if (c->token != NULL) {
		memset(c->token, 0, c->token_len);
		free(c->token);
	}
	free(c->url);
	free(c);
}

const char *
conn_url(const crm_conn *c)
{
	return c->url;
}

int
conn_timeout(const crm_conn *c)
{
	return c->timeout_ms;
}

void
conn_set_timeout(crm_conn *c, int timeout_ms)
{
	if (timeout_ms > 0) {
		c->timeout_ms = timeout_ms;
	}
}

void
conn_set_token(crm_conn *c, const uint8_t *token, size_t len)
{
	if (c->token != NULL) {
		memset(c->token, 0, c->token_len);
		free(c->token);
	}
	c->token = NULL;
	c->token_len = 0;
	if (token != NULL && len > 0) {
		c->token = crm_xmalloc(len);
		memcpy(c->token, token, len);
		c->token_len = len;
	}
}

void
conn_set_cancel_fd(crm_conn *c, int fd)
{
	c->cancel_fd = fd;
}

const char *
conn_error(const crm_conn *c)
{
	return c->error;
}

/* Open the socket on first use. nn_connect is asynchronous: a server
 * that is not running shows up as a timeout, not here. */
static crm_status
conn_open(crm_conn *c)
{
	crm_status rc = CRM_OK;
	int s = -1;
	int max = (int)CRM_MAX_REPLY;

	if (c->sock >= 0) {
		return CRM_OK;
	}
	/* Before anything is sent (a password, say): is the socket's folder
	 * ours and closed to others? (A missing one is for the connection
	 * to report.) */
	char why[400];
	if (crm_path_check_ipc(c->url, why, sizeof(why)) == CRM_EPERM) {
		snprintf(c->error, sizeof(c->error),
		    "not connecting to %s: %s", c->url, why);
		return CRM_EPERM;
	}
	s = nn_socket(AF_SP, NN_REQ);
	if (s < 0) {
		snprintf(c->error, sizeof(c->error),
		    "cannot create socket: %s", nn_strerror(nn_errno()));
		rc = CRM_UNAVAILABLE;
		goto out;
	}
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max)) <
	        0 ||
	    nn_connect(s, c->url) < 0) {
		snprintf(c->error, sizeof(c->error),
		    "cannot connect to %s: %s", c->url,
		    nn_strerror(nn_errno()));
		rc = nn_errno() == EINVAL ? CRM_EINVAL : CRM_UNAVAILABLE;
		goto out;
	}
	c->sock = s;
	s = -1;
out:
	if (s >= 0) {
		nn_close(s);
	}
	return rc;
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the socket is readable, the deadline passes (CRM_UNAVAILABLE)
 * or the cancel fd fires. */
static crm_status
wait_readable(crm_conn *c, int64_t deadline_ms)
{
	int rcvfd;
	size_t sz = sizeof(rcvfd);

	if (nn_getsockopt(c->sock, NN_SOL_SOCKET, NN_RCVFD, &rcvfd, &sz) < 0) {
		snprintf(c->error, sizeof(c->error), "socket: %s",
		    nn_strerror(nn_errno()));
		return CRM_UNAVAILABLE;
	}
	for (;;) {
		struct pollfd p[2] = { { rcvfd, POLLIN, 0 },
			{ c->cancel_fd, POLLIN, 0 } };
		int64_t left = deadline_ms - now_ms();
		if (left <= 0) {
			break;
		}
		int n = poll(p, c->cancel_fd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno != EINTR) {
			break;
		}
		if (n > 0 && (p[0].revents & POLLIN)) {
			return CRM_OK;
		}
		if (n > 0 && c->cancel_fd >= 0 && (p[1].revents & POLLIN)) {
			snprintf(c->error, sizeof(c->error), "interrupted");
			return CRM_UNAVAILABLE;
		}
	}
	snprintf(c->error, sizeof(c->error),
	    "no answer from %s within %d s (is crmd running?)", c->url,
	    (c->timeout_ms + 999) / 1000);
	return CRM_UNAVAILABLE;
}

crm_status
conn_call(crm_conn *c, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	crm_status rc = CRM_OK;
	void *out = NULL, *in = NULL;
	size_t outlen = 0;
	Crm__V1__Response *r = NULL;
	int64_t deadline;

	*resp = NULL;
	c->error[0] = '\0';
	rc = conn_open(c);
	if (rc != CRM_OK) {
		goto out;
	}
	crm_wire_request_id(c->request_id);
	req->has_protocol_version = 1;
	req->protocol_version = CRM_PROTOCOL_VERSION;
	req->has_request_id = 1;
	req->request_id.data = c->request_id;
	req->request_id.len = CRM_REQUEST_ID_LEN;
	if (c->token != NULL) {
		req->has_session_token = 1;
		req->session_token.data = c->token;
		req->session_token.len = c->token_len;
	}
	rc = crm_wire_pack_nn(&req->base, &out, &outlen);
	if (rc != CRM_OK) {
		snprintf(c->error, sizeof(c->error), "out of message memory");
		goto out;
	}
	/* The server hangs up on a frame over its cap without a word: say
	 * it here, and send nothing (it could never be answered). */
	if (outlen > CRM_MAX_REQUEST) {
		snprintf(c->error, sizeof(c->error),
		    "the request is %zu bytes; the server takes at most %u",
		    outlen, CRM_MAX_REQUEST);
		rc = CRM_TOO_BIG;
		goto out;
	}
	deadline = now_ms() + c->timeout_ms;
	/* NN_DONTWAIT: a REQ socket queues the message until connected, so
	 * this only fails on a broken socket. */
	if (nn_send(c->sock, &out, NN_MSG, NN_DONTWAIT) < 0) {
		snprintf(c->error, sizeof(c->error), "cannot send to %s: %s",
		    c->url, nn_strerror(nn_errno()));
		rc = CRM_UNAVAILABLE;
		goto out;
	}
	out = NULL; /* nn_send took it */
	for (;;) {
		rc = wait_readable(c, deadline);
		if (rc != CRM_OK) {
			goto out;
		}
		int n = nn_recv(c->sock, &in, NN_MSG, NN_DONTWAIT);
		if (n >= 0) {
			rc = crm_wire_unpack_response(in, (size_t)n, &r);
			break;
		}
		if (nn_errno() != EAGAIN && nn_errno() != EINTR) {
			snprintf(c->error, sizeof(c->error),
			    "cannot receive from %s: %s", c->url,
			    nn_strerror(nn_errno()));
			rc = CRM_UNAVAILABLE;
			goto out;
		}
	}
	if (rc != CRM_OK) {
		snprintf(c->error, sizeof(c->error),
		    "the server's reply does not decode");
		goto out;
	}
	if (!r->has_request_id || r->request_id.len != CRM_REQUEST_ID_LEN ||
	    memcmp(r->request_id.data, c->request_id, CRM_REQUEST_ID_LEN) !=
	        0) {
		snprintf(c->error, sizeof(c->error),
		    "the server answered another request");
		rc = CRM_EINVAL;
		goto out;
	}
	rc = crm_wire_status(r);
	if (rc != CRM_OK) {
		const char *m = r->status->message;
		char *clean =
		    crm_utf8_sanitize(m && m[0] ? m : crm_strerror(rc), false);
		snprintf(c->error, sizeof(c->error), "%s", clean);
		free(clean);
		goto out;
	}
	*resp = r;
	r = NULL;
out:
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	if (in != NULL) {
		nn_freemsg(in);
	}
	if (out != NULL) {
		nn_freemsg(out);
	}
	/* The request points into c; do not leave it pointing there. */
	req->request_id.data = NULL;
	req->has_request_id = 0;
	req->session_token.data = NULL;
	req->has_session_token = 0;
	return rc;
}
