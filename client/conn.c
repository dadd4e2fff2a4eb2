/* SPDX-License-Identifier: MIT */
/*
 * conn.c: the REQ socket to crmd (see conn.h). nanomsg's REQ socket
 * resends a pending request by itself after a reconnect with the same
 * bytes, hence the same request_id, which is what the server's
 * idempotency needs; the deadline is ours: we poll NN_RCVFD rather than
 * rely on NN_RCVTIMEO, so the shell's signal pipe can interrupt the wait.
 * nn_connect is asynchronous and retries for ever, so whether crmd runs
 * at all is asked directly: while the socket has no connection, a plain
 * connect() to the ipc path or TCP port says "refused" or "no such
 * socket" within milliseconds (probe_running). An ssh:// server is
 * reached through the local end of an ssh tunnel (ssh_tunnel.c): the
 * socket dials that, and "is it running" asks through the tunnel.
 */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crm_path.h"
#include "crm_time.h"
#include "ssh_tunnel.h"

#define PROBE_MS   100 /* a TCP connect that neither fails nor succeeds */
#define RECHECK_MS 100 /* while waiting: is the server still there? */
/* Through a tunnel each reconnect is an ssh channel (and, while crmd is
 * down, a line from ssh): back off to this. */
#define TUNNEL_RECONNECT_MAX_MS 5000

struct crm_conn {
	char *url;  /* as given: messages name it */
	char *dial; /* what the socket connects to (the tunnel's end) */
	ssh_tunnel *tunnel; /* NULL unless url is ssh:// */
	char *bad_url;      /* why url cannot be used, or NULL */
	int timeout_ms;
	int sock; /* -1 until the first call */
	/* A request went out on sock and no reply came back for it: the
	 * next send uses a new socket (conn_exchange). */
	bool pending;
	int cancel_fd;
	uint8_t *token;
	size_t token_len;
	uint8_t request_id[CRM_REQUEST_ID_LEN];
	enum conn_fate fate;
	char error[512];
};

char *
conn_default_url(void)
{
	/* crmd's default: the same folder by the same rule. */
	char *dir = crm_path_runtime_dir();
	char *url = crm_xasprintf("ipc://%s/crmd.ipc", dir);
	free(dir);
	return url;
}

crm_conn *
conn_new(const char *url, int timeout_ms)
{
	crm_conn *c = crm_xcalloc(1, sizeof(*c));
	c->url = crm_xstrdup(url);
	if (ssh_tunnel_is_url(url)) {
		struct ssh_url u;
		char why[300];
		if (ssh_tunnel_parse(url, &u, why, sizeof(why)) == CRM_OK) {
			c->tunnel = ssh_tunnel_new(&u); /* dial: once up */
		} else {
			c->bad_url =
			    crm_xasprintf("bad server URL %s: %s", url, why);
		}
	}
	if (c->tunnel == NULL) {
		c->dial = crm_xstrdup(url);
	}
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
	ssh_tunnel_free(c->tunnel); /* stops ssh */
	if (c->token != NULL) {
		memset(c->token, 0, c->token_len);
		free(c->token);
	}
	free(c->url);
	free(c->dial);
	free(c->bad_url);
	free(c);
}

const char *
conn_url(const crm_conn *c)
{
	return c->url;
}

const char *
conn_sub_url(const crm_conn *c, const char *announced)
{
	if (c->tunnel == NULL || announced == NULL) {
		return announced;
	}
	if (ssh_tunnel_pub_url(c->tunnel) == NULL) {
		return NULL;
	}
	struct ssh_url u;
	char why[300], want[3][64];
	if (ssh_tunnel_parse(c->url, &u, why, sizeof(why)) != CRM_OK) {
		return NULL;
	}
	snprintf(
	    want[0], sizeof(want[0]), "tcp://127.0.0.1:%d", u.crmd_port + 1);
	snprintf(
	    want[1], sizeof(want[1]), "tcp://localhost:%d", u.crmd_port + 1);
	snprintf(want[2], sizeof(want[2]), "tcp://[::1]:%d", u.crmd_port + 1);
	for (int i = 0; i < 3; i++) {
		if (strcmp(announced, want[i]) == 0) {
			return ssh_tunnel_pub_url(c->tunnel);
		}
	}
	return NULL;
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

const uint8_t *
conn_token(const crm_conn *c, size_t *len)
{
	*len = c->token_len;
	return c->token;
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

	if (c->bad_url != NULL) {
		snprintf(c->error, sizeof(c->error), "%s", c->bad_url);
		return CRM_EINVAL;
	}
	if (c->tunnel != NULL) {
		/* Started on first use, restarted when it dropped. */
		char why[400];
		if (ssh_tunnel_up(c->tunnel, c->cancel_fd, why, sizeof(why)) !=
		    CRM_OK) {
			snprintf(c->error, sizeof(c->error),
			    "cannot reach %s: %s", c->url, why);
			return CRM_UNAVAILABLE;
		}
		if (c->dial == NULL) {
			c->dial = crm_xstrdup(ssh_tunnel_req_url(c->tunnel));
		}
	}
	if (c->sock >= 0) {
		return CRM_OK;
	}
	/* Before anything is sent (a password, say): is the socket's folder
	 * ours and closed to others? (A missing one is for the connection
	 * to report.) */
	char why[400];
	if (crm_path_check_ipc(c->dial, why, sizeof(why)) == CRM_EPERM) {
		snprintf(c->error, sizeof(c->error),
		    "not connecting to %s: %s", c->url, why);
		return CRM_EPERM;
	}
	/* A socket this user may not reach would only time out (nanomsg
	 * retries the connection quietly): say so now. */
	if (strncmp(c->dial, "ipc://", 6) == 0 &&
	    access(c->dial + 6, W_OK) != 0 && errno == EACCES) {
		snprintf(c->error, sizeof(c->error),
		    "cannot reach %s: %s: permission denied (crmd's socket is "
		    "not open to this user: run crm as a user it is open to, "
		    "or use crmd's tcp://127.0.0.1 address)",
		    c->url, c->dial + 6);
		return CRM_EPERM;
	}
	s = nn_socket(AF_SP, NN_REQ);
	if (s < 0) {
		snprintf(c->error, sizeof(c->error),
		    "cannot create socket: %s", nn_strerror(nn_errno()));
		rc = CRM_UNAVAILABLE;
		goto out;
	}
	int ivl_max = TUNNEL_RECONNECT_MAX_MS;
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max)) <
	        0 ||
	    (c->tunnel != NULL &&
	        nn_setsockopt(s, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, &ivl_max,
	            sizeof(ivl_max)) < 0) ||
	    nn_connect(s, c->dial) < 0) {
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

crm_status
conn_ready(crm_conn *c)
{
	return conn_open(c);
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ probe */

/* connect() fd to sa within PROBE_MS: 0 connected, else the errno
 * (ETIMEDOUT when undecided). */
static int
probe_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, sa, len) == 0) {
		return 0;
	}
	if (errno != EINPROGRESS && errno != EAGAIN) {
		return errno;
	}
	struct pollfd p = { fd, POLLOUT, 0 };
	if (poll(&p, 1, PROBE_MS) <= 0) {
		return ETIMEDOUT;
	}
	int err = 0;
	socklen_t el = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	return err;
}

int
conn_ssh_err_fd(const crm_conn *c)
{
	return c->tunnel ? ssh_tunnel_err_fd(c->tunnel) : -1;
}

void
conn_ssh_messages(crm_conn *c, void (*print)(const char *line))
{
	if (c->tunnel != NULL) {
		ssh_tunnel_messages(c->tunnel, print);
	}
}

/*
 * Whether a server listens at url: 0 when it does or we cannot tell
 * (another transport, a slow network), -1 when the ipc socket is missing
 * or refuses, or the TCP port refuses. The connection is closed at once
 * (crmd's nanomsg drops a peer that never speaks).
 */
static int
probe_running(const char *url)
{
	int err = 0;
	if (strncmp(url, "ipc://", 6) == 0) {
		struct sockaddr_un sa;
		const char *path = url + 6;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sa.sun_path)) {
			return 0;
		}
		memcpy(sa.sun_path, path, strlen(path));
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			return 0;
		}
		err = probe_connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		return err == ENOENT || err == ECONNREFUSED || err == ENOTDIR
		           ? -1
		           : 0;
	}
	if (strncmp(url, "tcp://", 6) != 0) {
		return 0;
	}
	/* tcp://[iface;]host:port, host maybe [v6]. */
	const char *h = strchr(url + 6, ';');
	h = h ? h + 1 : url + 6;
	const char *colon = strrchr(h, ':');
	if (colon == NULL || colon == h) {
		return 0;
	}
	char host[256];
	size_t hl = (size_t)(colon - h);
	if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl >= sizeof(host)) {
		return 0;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL) {
		return 0;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		err = probe_connect(fd, ai->ai_addr, ai->ai_addrlen);
		close(fd);
	}
	freeaddrinfo(ai);
	return err == ECONNREFUSED ? -1 : 0;
}

/* The socket has no live connection and nobody listens at the url.
 * Through a tunnel: ssh has ended, or crmd does not answer through it
 * (the reason kept for say_not_running). */
static int
server_gone(crm_conn *c)
{
	if (nn_get_statistic(c->sock, NN_STAT_CURRENT_CONNECTIONS) > 0) {
		return 0;
	}
	if (c->tunnel != NULL) {
		char why[400];
		if (ssh_tunnel_probe(c->tunnel, why, sizeof(why)) >= 0) {
			return 0;
		}
		snprintf(c->error, sizeof(c->error), "%s: %s", c->url, why);
		/* No reconnects through ssh until the next call: each
		 * would be a channel that fails and a line from ssh. */
		nn_close(c->sock);
		c->sock = -1;
		c->pending = false;
		return 1;
	}
	return probe_running(c->dial) < 0;
}

static void
say_not_running(crm_conn *c)
{
	if (c->tunnel != NULL) {
		return; /* server_gone said why */
	}
	snprintf(c->error, sizeof(c->error),
	    "crmd is not running at %s (or is still starting: an upgrade of "
	    "its data can take minutes, and its log says so)",
	    c->url);
}

/* ------------------------------------------------------------ calls */

/* Wait until the socket is readable (CRM_OK), the deadline passes, the
 * cancel fd fires (unless ignore_cancel) or the server goes away; the
 * last three set c->fate and give CRM_UNAVAILABLE. */
static crm_status
wait_readable(crm_conn *c, int64_t deadline_ms, bool ignore_cancel)
{
	int rcvfd;
	size_t sz = sizeof(rcvfd);
	int cfd = ignore_cancel ? -1 : c->cancel_fd;

	if (nn_getsockopt(c->sock, NN_SOL_SOCKET, NN_RCVFD, &rcvfd, &sz) < 0) {
		snprintf(c->error, sizeof(c->error), "socket: %s",
		    nn_strerror(nn_errno()));
		c->fate = CONN_NO_ANSWER;
		return CRM_UNAVAILABLE;
	}
	int64_t recheck = now_ms() + RECHECK_MS;
	for (;;) {
		struct pollfd p[2] = { { rcvfd, POLLIN, 0 },
			{ cfd, POLLIN, 0 } };
		int64_t now = now_ms(), left = deadline_ms - now;
		if (left <= 0) {
			break;
		}
		if (now >= recheck) {
			if (server_gone(c)) {
				say_not_running(c);
				c->fate = CONN_GONE;
				return CRM_UNAVAILABLE;
			}
			recheck = now + RECHECK_MS;
		}
		if (left > recheck - now) {
			left = recheck - now;
		}
		int n = poll(p, cfd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno != EINTR) {
			break;
		}
		if (n > 0 && (p[0].revents & POLLIN)) {
			return CRM_OK;
		}
		if (n > 0 && cfd >= 0 && (p[1].revents & POLLIN)) {
			snprintf(c->error, sizeof(c->error), "interrupted");
			c->fate = CONN_INTERRUPTED;
			return CRM_UNAVAILABLE;
		}
	}
	if (c->timeout_ms < 1000) {
		snprintf(c->error, sizeof(c->error),
		    "no answer from %s within %d ms", c->url, c->timeout_ms);
	} else {
		snprintf(c->error, sizeof(c->error),
		    "no answer from %s within %d s", c->url,
		    (c->timeout_ms + 999) / 1000);
	}
	c->fate = CONN_NO_ANSWER;
	return CRM_UNAVAILABLE;
}

crm_status
conn_pack(crm_conn *c, Crm__V1__Request *req,
    const uint8_t id[CRM_REQUEST_ID_LEN], bool with_token, void **buf,
    size_t *len)
{
	req->has_protocol_version = 1;
	req->protocol_version = CRM_PROTOCOL_VERSION;
	req->has_request_id = 1;
	req->request_id.data = (uint8_t *)id;
	req->request_id.len = CRM_REQUEST_ID_LEN;
	if (with_token && c->token != NULL) {
		req->has_session_token = 1;
		req->session_token.data = c->token;
		req->session_token.len = c->token_len;
	}
	size_t n = protobuf_c_message_get_packed_size(&req->base);
	*buf = crm_xmalloc(n ? n : 1);
	*len = protobuf_c_message_pack(&req->base, *buf);
	req->request_id.data = NULL;
	req->has_request_id = 0;
	req->session_token.data = NULL;
	req->has_session_token = 0;
	return CRM_OK;
}

crm_status
conn_repack(crm_conn *c, const void *stored, size_t len, int64_t made_at,
    void **buf, size_t *outlen, uint8_t id[CRM_REQUEST_ID_LEN])
{
	Crm__V1__Request *req =
	    crm__v1__request__unpack(NULL, len, (const uint8_t *)stored);
	if (req == NULL || !req->has_request_id ||
	    req->request_id.len != CRM_REQUEST_ID_LEN) {
		if (req != NULL) {
			crm__v1__request__free_unpacked(req, NULL);
		}
		return CRM_EINVAL;
	}
	memcpy(id, req->request_id.data, CRM_REQUEST_ID_LEN);
	/* Made then, sent now: outside the body, so a resend of a write
	 * crmd applied is still answered with its stored reply. */
	if (made_at > 0) {
		req->has_made_at = 1;
		req->made_at = made_at;
		/* And its age, by this clock both times: crmd dates it by
		 * its own clock less the age, so this one being off does not
		 * move it (made_at alone is for an older crmd). */
		int64_t age = crm_time_now() - made_at;
		if (age > 0) {
			req->has_made_age_seconds = 1;
			req->made_age_seconds = age;
		}
	}
	/* The session of now: the one the write was made in may have
	 * ended; the server keys stored replies by user, not session. */
	if (c->token != NULL) {
		req->has_session_token = 1;
		req->session_token.data = c->token;
		req->session_token.len = c->token_len;
	} else {
		req->has_session_token = 0;
		req->session_token.data = NULL;
		req->session_token.len = 0;
	}
	size_t n = protobuf_c_message_get_packed_size(&req->base);
	*buf = crm_xmalloc(n ? n : 1);
	*outlen = protobuf_c_message_pack(&req->base, *buf);
	/* Not ours: do not let free_unpacked free the token. */
	req->session_token.data = NULL;
	req->has_session_token = 0;
	crm__v1__request__free_unpacked(req, NULL);
	return CRM_OK;
}

crm_status
conn_exchange(crm_conn *c, const void *buf, size_t len,
    const uint8_t id[CRM_REQUEST_ID_LEN], int flags, Crm__V1__Response **resp)
{
	crm_status rc = CRM_OK;
	void *in = NULL;
	Crm__V1__Response *r = NULL;

	*resp = NULL;
	c->error[0] = '\0';
	c->fate = CONN_NOT_SENT;
	memcpy(c->request_id, id, CRM_REQUEST_ID_LEN);
	if (buf != NULL && c->pending && c->sock >= 0) {
		/* The last request was given up on (no answer in time, an
		 * interrupt): its reply may still come, and nanomsg 1.1.5's
		 * REQ socket has been seen to abort in nn_recv (a chunk
		 * that fails its tag check, nanomsg issues #1111 and #1121)
		 * on a request sent after such a one. A new socket hears
		 * nothing of the old request; a write is resent with its
		 * own request id, which the server answers once. */
		nn_close(c->sock);
		c->sock = -1;
		c->pending = false;
	}
	rc = conn_open(c);
	if (rc != CRM_OK) {
		return rc;
	}
	if (buf != NULL) {
		/* The server hangs up on a frame over its cap without a
		 * word: say it here, and send nothing (it could never be
		 * answered). */
		if (len > CRM_MAX_REQUEST) {
			snprintf(c->error, sizeof(c->error),
			    "the request is %zu bytes; the server takes at "
			    "most %u",
			    len, CRM_MAX_REQUEST);
			return CRM_TOO_BIG;
		}
		/* Fail fast: nobody listens, so nothing is sent. */
		if (server_gone(c)) {
			say_not_running(c);
			return CRM_UNAVAILABLE;
		}
		void *msg = nn_allocmsg(len ? len : 1, 0);
		if (msg == NULL) {
			snprintf(c->error, sizeof(c->error),
			    "out of message memory");
			return CRM_UNAVAILABLE;
		}
		memcpy(msg, buf, len);
		/* NN_DONTWAIT: a REQ socket queues the message until
		 * connected, so this only fails on a broken socket. */
		if (nn_send(c->sock, &msg, NN_MSG, NN_DONTWAIT) < 0) {
			snprintf(c->error, sizeof(c->error),
			    "cannot send to %s: %s", c->url,
			    nn_strerror(nn_errno()));
			nn_freemsg(msg);
			return CRM_UNAVAILABLE;
		}
		c->pending = true;
	}
	c->fate = CONN_NO_ANSWER;
	int64_t deadline = now_ms() + c->timeout_ms;
	for (;;) {
		rc = wait_readable(c, deadline, (flags & CONN_IGNORE_CANCEL));
		if (rc != CRM_OK) {
			goto out;
		}
		int n = nn_recv(c->sock, &in, NN_MSG, NN_DONTWAIT);
		if (n >= 0) {
			c->pending = false;
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
	c->fate = CONN_ANSWERED;
	rc = crm_wire_status(r);
	if (rc != CRM_OK) {
		const char *m = r->status ? r->status->message : NULL;
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
	return rc;
}

crm_status
conn_call(crm_conn *c, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	void *buf = NULL;
	size_t len = 0;

	*resp = NULL;
	crm_wire_request_id(id);
	conn_pack(c, req, id, true, &buf, &len);
	crm_status rc = conn_exchange(c, buf, len, id, 0, resp);
	free(buf);
	if (rc == CRM_UNAVAILABLE && c->fate == CONN_NO_ANSWER) {
		size_t n = strlen(c->error);
		snprintf(
		    c->error + n, sizeof(c->error) - n, " (is crmd running?)");
	}
	return rc;
}

enum conn_fate
conn_fate(const crm_conn *c)
{
	return c->fate;
}

void
conn_set_error(crm_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	c->fate = CONN_NOT_SENT;
}
