/* SPDX-License-Identifier: MIT */
/*
 * ssh_tunnel.h: `crm --server ssh://[USER@]HOST[:PORT][/CRMD_PORT]`: the
 * shell runs OpenSSH's client with two local forwards, from two free
 * loopback ports here to crmd's request port and PUB port on the
 * server's loopback (why tcp at both ends: ssh_tunnel.c), and speaks
 * nanomsg through them. ssh's own
 * configuration, keys, agent and known_hosts apply; its messages go to
 * the shell's standard error unchanged. This file starts, watches,
 * restarts and stops that ssh; it knows nothing of requests.
 */
#ifndef SSH_TUNNEL_H
#define SSH_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "crm_err.h"

typedef struct ssh_tunnel ssh_tunnel;

#define SSH_CRMD_PORT 7070 /* the packaged crmd's loopback port */

/* A parsed ssh:// URL. */
struct ssh_url {
	char user[64];  /* "" when not given: ssh's own (config, $USER) */
	char host[256]; /* a name or address; an IPv6 one without [] */
	int port;       /* 0 when not given: ssh's own (config, 22) */
	int crmd_port;  /* crmd's tcp port on the server's loopback */
};

/* ssh_tunnel_is_url: url starts with ssh:// (any case). */
bool ssh_tunnel_is_url(const char *url);

/*
 * ssh_tunnel_parse: url into *out. On refusal why (n bytes) names what
 * is wrong, e.g. "no host" or "bad port 'x'". Errors: CRM_EINVAL.
 */
crm_status ssh_tunnel_parse(const char *url, struct ssh_url *out /* OUT */,
    char *why /* OUT */, size_t n);

/*
 * ssh_tunnel_new: a tunnel for u (copied), not started yet; its local
 * ports are chosen when it first starts.
 * Caller frees with ssh_tunnel_free(), which stops ssh.
 */
ssh_tunnel *ssh_tunnel_new(const struct ssh_url *u);
void ssh_tunnel_free(ssh_tunnel *t);

/* ssh_tunnel_req_url / ssh_tunnel_pub_url: the local tcp:// addresses
 * of the two forwards, NULL before the first ssh_tunnel_up. Borrowed;
 * valid until ssh_tunnel_free(). */
const char *ssh_tunnel_req_url(const ssh_tunnel *t);
const char *ssh_tunnel_pub_url(const ssh_tunnel *t);

/*
 * ssh_tunnel_up: make sure ssh runs with its forwards: start it when it
 * never ran or has exited (a dropped tunnel), then wait until the local
 * request port accepts (ssh has authenticated) and crmd answers
 * through it with its nanomsg header, at most SSH_UP_MS, or until
 * cancel_fd (-1: none) becomes readable. A running ssh is only looked
 * at (no round trip). On failure why says what happened; ssh has
 * printed its own reason already. Errors: CRM_UNAVAILABLE.
 */
crm_status ssh_tunnel_up(
    ssh_tunnel *t, int cancel_fd, char *why /* OUT */, size_t n);

/*
 * ssh_tunnel_probe: whether crmd answers through the running tunnel: 1
 * yes, 0 cannot tell (slow), -1 no (ssh is gone, or it could not open
 * the forward: crmd does not run on the server or the key may not
 * reach it). One connection through ssh; why says which on -1.
 */
int ssh_tunnel_probe(ssh_tunnel *t, char *why /* OUT */, size_t n);

#endif
