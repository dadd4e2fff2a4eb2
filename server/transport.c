/* SPDX-License-Identifier: MIT */
/*
 * transport.c: the raw REP socket, the worker threads that serve reads,
 * and the PUB socket. The one place nanomsg errno values are mapped.
 * A cooked REP socket would serve one request at a time, hence AF_SP_RAW:
 * each worker keeps the routing header of what it received and replies
 * with it, and the writer thread does the same for mutations.
 */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "crm.h"
#include "dispatch.h"
#include "pool_reclaim.h"
#include "writer.h"

#define WORKER_STACK (512u * 1024u)
#define WORKER_ARENA (4u * 1024u * 1024u)
/* NN_RCVMAXSIZE of the REP socket, on every endpoint it listens on
 * (crm_wire.h): nanomsg allocates a message's declared length as soon as
 * its frame header arrives, before the peer has logged in or sent the
 * rest, so this is what each connection can make crmd hold. */
#define SOCKET_MAX_RECV ((int)CRM_MAX_FRAME)
/* The PUB socket receives nothing (SUB filters on its side): any frame
 * a peer sends it ends the connection. */
#define PUB_MAX_RECV 64
/* How long a worker's receive waits before it looks whether crmd is
 * stopping: what a stop waits for its workers (a systemd stop, each
 * test's crmd: 200 ms cost about 180 ms a stop), against an idle
 * worker's wakeups (20 a second each; a wait on nanomsg's NN_RCVFD
 * beside a stop pipe would need neither, but that descriptor has woken
 * spuriously and missed wakeups in nanomsg's own bug reports). */
#define RECV_POLL_MS 50

struct worker {
	transport *t;
	pthread_t thread;
	crm_arena arena;
	MDB_txn *rtxn; /* reused: reset after each request, renewed next */
};

struct transport {
	const struct srv_config *cfg;
	store *st;
	int sock;
	int pub;
	writer *wr;
	struct worker *workers;
	int n_workers;
	atomic_int stopping;
};

void
transport_drop(struct transport_msg *m)
{
	if (m->body != NULL) {
		nn_freemsg(m->body);
	}
	if (m->control != NULL) {
		nn_freemsg(m->control);
	}
	m->body = m->control = NULL;
}

void
transport_reply(int sock, struct transport_msg *m, void *buf, size_t len)
{
	struct nn_iovec iov = { &buf, NN_MSG };
	struct nn_msghdr hdr;
	memset(&hdr, 0, sizeof(hdr));
	hdr.msg_iov = &iov;
	hdr.msg_iovlen = 1;
	hdr.msg_control = &m->control;
	hdr.msg_controllen = NN_MSG;
	(void)len; /* NN_MSG buffers know their size */
	if (nn_sendmsg(sock, &hdr, NN_DONTWAIT) < 0) {
		/* The peer is gone or its pipe is full: it resends. */
		crm_debug("reply dropped: %s", nn_strerror(nn_errno()));
		nn_freemsg(buf);
	} else {
		m->control = NULL; /* sent with the message */
	}
	transport_drop(m);
}

void
transport_poke(int pub, unsigned long long seq, uint64_t cursor)
{
	if (pub < 0) {
		return;
	}
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "poke %llu %" PRIu64, seq, cursor);
	(void)nn_send(pub, msg, (size_t)n, NN_DONTWAIT);
}

void
transport_beat(transport *t)
{
	if (t->pub >= 0) {
		(void)nn_send(t->pub, "beat", 4, NN_DONTWAIT);
	}
}

/* The pipe key nanomsg's raw REP puts first in a request's SP header
 * (one per connection), or 0. The control message holds the header's
 * length (a size_t), then the header. */
static uint32_t
peer_of(struct transport_msg *m)
{
	if (m->control == NULL) {
		return 0;
	}
	struct nn_msghdr hdr;
	memset(&hdr, 0, sizeof(hdr));
	hdr.msg_control = &m->control;
	hdr.msg_controllen = NN_MSG;
	for (struct nn_cmsghdr *c = NN_CMSG_FIRSTHDR(&hdr); c != NULL;
	     c = NN_CMSG_NXTHDR(&hdr, c)) {
		size_t n;
		if (c->cmsg_level != PROTO_SP || c->cmsg_type != SP_HDR ||
		    c->cmsg_len < NN_CMSG_LEN(sizeof(n) + 4)) {
			continue;
		}
		const unsigned char *d = NN_CMSG_DATA(c);
		memcpy(&n, d, sizeof(n));
		if (n < 4) {
			return 0;
		}
		d += sizeof(n);
		return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		       (uint32_t)d[2] << 8 | d[3];
	}
	return 0;
}

static void
serve(struct worker *w, struct transport_msg *m)
{
	transport *t = w->t;
	struct req_ctx ctx;
	dispatch_ctx_init(&ctx, t->st, t->cfg, &w->arena, clock_now());
	ctx.peer = peer_of(m);
	if (pool_reclaim_next() <= ctx.now) {
		/* A pool rule is due: the writer reclaims first. */
		writer_reclaim_wait(t->wr, ctx.now);
	}

	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	Crm__V1__Request *req = NULL;
	const struct dispatch_row *row = NULL;
	crm_status rc =
	    dispatch_read(&ctx, &w->rtxn, m->body, m->len, &req, &row, &resp);
	if (rc == CRM_OK && row->kind == REQ_WRITE) {
		rc = writer_submit(t->wr, m, ctx.who, &ctx.prep);
		if (rc == CRM_OK) {
			return; /* the writer owns m and will reply */
		}
		dispatch_fail(&ctx, rc,
		    "server busy; retry with the same "
		    "request id");
	}
	void *buf;
	size_t len;
	if (dispatch_pack(&ctx, req, &resp, rc, &buf, &len) != CRM_OK) {
		transport_drop(m);
		return;
	}
	transport_reply(t->sock, m, buf, len);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	transport *t = w->t;
	/* Named for top -H, perf and crm-bench (which reads the writer's). */
	prctl(PR_SET_NAME, "crmd-worker", 0, 0, 0);
	while (!atomic_load(&t->stopping)) {
		struct transport_msg m = { NULL, 0, NULL };
		struct nn_iovec iov = { &m.body, NN_MSG };
		struct nn_msghdr hdr;
		memset(&hdr, 0, sizeof(hdr));
		hdr.msg_iov = &iov;
		hdr.msg_iovlen = 1;
		hdr.msg_control = &m.control;
		hdr.msg_controllen = NN_MSG;
		int n = nn_recvmsg(t->sock, &hdr, 0);
		if (n < 0) {
			int e = nn_errno();
			if (e == ETIMEDOUT || e == EAGAIN || e == EINTR) {
				continue;
			}
			if (e == ETERM || e == EBADF) {
				break;
			}
			crm_warn("receive: %s", nn_strerror(e));
			continue;
		}
		m.len = (size_t)n;
		serve(w, &m);
	}
	store_read_free(w->rtxn);
	w->rtxn = NULL;
	return NULL;
}

static int
set_int(int sock, int opt, const char *name, int value)
{
	if (nn_setsockopt(sock, NN_SOL_SOCKET, opt, &value, sizeof(value)) <
	    0) {
		crm_err("nn_setsockopt %s: %s", name, nn_strerror(nn_errno()));
		return -1;
	}
	return 0;
}

/* A socket with its receive limit set before any endpoint exists, so no
 * connection ever sees a larger one. */
static int
open_socket(int protocol, int raw, int max_recv)
{
	int s = nn_socket(raw ? AF_SP_RAW : AF_SP, protocol);
	if (s < 0) {
		crm_err("nn_socket: %s", nn_strerror(nn_errno()));
		return -1;
	}
	if (set_int(s, NN_RCVMAXSIZE, "NN_RCVMAXSIZE", max_recv) != 0) {
		nn_close(s);
		return -1;
	}
	return s;
}

/* Whether crmd may listen on url: a loopback or ipc address (or
 * --allow-remote), and an ipc path's folder made and ours alone. */
static crm_status
check_url(const char *url, int allow_remote)
{
	const char *why = "";
	crm_status rc = config_check_url(url, allow_remote, &why);
	if (rc == CRM_EPERM) {
		crm_err("refusing to listen on %s: %s; nanomsg has no TLS, so "
		        "use an SSH tunnel or stunnel, or pass --allow-remote",
		    url, why);
		return rc;
	}
	if (rc != CRM_OK) {
		crm_err("bad address %s: %s", url, why);
		return rc;
	}
	return config_prepare_ipc(url);
}

static void
bind_failed(const char *url, int pub, const char *err)
{
	crm_err("cannot %s on %s: %s%s",
	    pub ? "publish change pokes" : "listen", url, err,
	    pub ? " (the PUB address: --pub URL names another)" : "");
}

/* pub: url is where change pokes go (the PUB socket). */
static crm_status
bind_url(int sock, const char *url, int allow_remote, int pub)
{
	crm_status rc = check_url(url, allow_remote);
	if (rc != CRM_OK) {
		return rc;
	}
	if (allow_remote && strncmp(url, "ipc://", 6) != 0) {
		crm_warn("listening on %s without encryption", url);
	}
	if (nn_bind(sock, url) < 0) {
		bind_failed(url, pub, nn_strerror(nn_errno()));
		return CRM_INTERNAL;
	}
	crm_info(
	    "%s on %s", pub ? "publishing change pokes" : "listening", url);
	return CRM_OK;
}

/* An ipc:// path where a process answers already (another crmd): said
 * before the data folder is opened. A stale socket nanomsg replaces. */
static crm_status
probe_ipc(const char *url, int pub)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(url + 6);
	if (len >= sizeof(sa.sun_path)) {
		return CRM_OK; /* config_check_url refused it */
	}
	memcpy(sa.sun_path, url + 6, len + 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		return CRM_OK;
	}
	crm_status rc = CRM_OK;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		bind_failed(url, pub,
		    "a process listens there already (another crmd?)");
		rc = CRM_INTERNAL;
	}
	close(s);
	return rc;
}

/* Whether a tcp://ADDRESS:PORT with a numeric IPv4 address can be bound
 * now (a port in use is said before the data folder is opened, not
 * after an upgrade); other URLs pass, for nanomsg to bind. */
static crm_status
probe_url(const char *url, int pub)
{
	if (strncmp(url, "ipc://", 6) == 0) {
		return probe_ipc(url, pub);
	}
	const char *colon = strrchr(url, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	size_t len = colon != NULL ? (size_t)(colon - (url + 6)) : 0;
	if (strncmp(url, "tcp://", 6) != 0 || len == 0 ||
	    len >= sizeof(host)) {
		return CRM_OK;
	}
	memcpy(host, url + 6, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		return CRM_OK;
	}
	sa.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		return CRM_OK;
	}
	int one = 1; /* as nanomsg binds: a port in TIME_WAIT is free */
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	crm_status rc = CRM_OK;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		bind_failed(url, pub, strerror(errno));
		rc = CRM_INTERNAL;
	}
	close(s);
	return rc;
}

crm_status
transport_check(const struct srv_config *cfg)
{
	for (int i = 0; i < cfg->n_listen; i++) {
		crm_status rc = check_url(cfg->listen[i], cfg->allow_remote);
		if (rc == CRM_OK) {
			rc = probe_url(cfg->listen[i], 0);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	for (int i = 0; cfg->pub_url != NULL && i < cfg->n_pub; i++) {
		crm_status rc = check_url(cfg->pub_urls[i], cfg->allow_remote);
		if (rc == CRM_OK) {
			rc = probe_url(cfg->pub_urls[i], 1);
		}
		if (rc != CRM_OK) {
			return rc;
		}
	}
	return CRM_OK;
}

crm_status
transport_start(const struct srv_config *cfg, store *st, transport **out)
{
	transport *t = crm_xcalloc(1, sizeof(*t));
	t->cfg = cfg;
	t->st = st;
	t->pub = -1;
	crm_status rc = CRM_INTERNAL;
	t->sock = open_socket(NN_REP, 1, SOCKET_MAX_RECV);
	if (t->sock < 0 ||
	    set_int(t->sock, NN_RCVTIMEO, "NN_RCVTIMEO", RECV_POLL_MS) != 0) {
		goto fail;
	}
	for (int i = 0; i < cfg->n_listen; i++) {
		rc = bind_url(t->sock, cfg->listen[i], cfg->allow_remote, 0);
		if (rc != CRM_OK) {
			goto fail;
		}
	}
	/* Each connection is a descriptor, so the descriptor limit bounds
	 * what peers that never log in can make crmd hold: say how much. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		crm_info("memory before login: up to %llu connections "
		         "(RLIMIT_NOFILE, LimitNOFILE in the unit) x %d KiB "
		         "of an unfinished request = at most %llu MiB",
		    (unsigned long long)rl.rlim_cur, SOCKET_MAX_RECV / 1024,
		    (unsigned long long)rl.rlim_cur *
		            (unsigned long long)SOCKET_MAX_RECV >>
		        20);
	}
	if (cfg->pub_url != NULL) {
		t->pub = open_socket(NN_PUB, 0, PUB_MAX_RECV);
		if (t->pub < 0) {
			rc = CRM_INTERNAL;
			goto fail;
		}
		for (int i = 0; i < cfg->n_pub; i++) {
			rc = bind_url(
			    t->pub, cfg->pub_urls[i], cfg->allow_remote, 1);
			if (rc != CRM_OK) {
				goto fail;
			}
		}
	}
	rc = writer_start(st, cfg, t->sock, t->pub, &t->wr);
	if (rc != CRM_OK) {
		goto fail;
	}
	t->workers = crm_xcalloc((size_t)cfg->workers, sizeof(*t->workers));
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (int i = 0; i < cfg->workers; i++) {
		struct worker *w = &t->workers[i];
		w->t = t;
		crm_arena_init(&w->arena, WORKER_ARENA);
		if (pthread_create(&w->thread, &attr, worker_main, w) != 0) {
			crm_err("cannot start worker %d", i);
			crm_arena_fini(&w->arena);
			break;
		}
		t->n_workers++;
	}
	pthread_attr_destroy(&attr);
	if (t->n_workers == 0) {
		rc = CRM_INTERNAL;
		goto fail;
	}
	*out = t;
	return CRM_OK;
fail:
	transport_stop(t);
	return rc;
}

void
transport_stop(transport *t)
{
	atomic_store(&t->stopping, 1);
	for (int i = 0; i < t->n_workers; i++) {
		pthread_join(t->workers[i].thread, NULL);
		crm_arena_fini(&t->workers[i].arena);
	}
	if (t->wr != NULL) {
		writer_stop(t->wr); /* answers what is queued, then ends */
	}
	if (t->pub >= 0) {
		nn_close(t->pub);
	}
	if (t->sock >= 0) {
		nn_close(t->sock);
	}
	free(t->workers);
	free(t);
}
