/* SPDX-License-Identifier: MIT */
/*
 * transport.h: crmd's sockets and threads: one AF_SP_RAW REP socket bound
 * to every listen address and shared by N worker threads, and a PUB socket
 * for content-free pokes. Workers answer reads themselves and hand writes
 * to the writer (writer.h), which answers them after the commit.
 */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stddef.h>

#include "config.h"
#include "crm_err.h"
#include "store.h"

/* One received request: the body and the routing header, both NN_MSG
 * buffers owned by whoever holds the struct. */
struct transport_msg {
	void *body;
	size_t len;
	void *control;
};

typedef struct transport transport;

/*
 * transport_check: whether every address of cfg may be listened on (the
 * loopback check, an ipc path's folder), said before a long upgrade
 * rather than after it. transport_start checks again.
 * Errors: CRM_EPERM, CRM_EINVAL (a bad address), CRM_INTERNAL.
 */
crm_status transport_check(const struct srv_config *cfg);

/*
 * transport_start: bind (after the loopback check), start the writer and
 * the workers. Caller stops with transport_stop().
 * Errors: CRM_EPERM (a remote bind without --allow-remote), CRM_INTERNAL.
 */
crm_status transport_start(
    const struct srv_config *cfg, store *st, transport **t /* OUT */);

/* transport_stop: stop receiving, let the writer answer what it holds,
 * join every thread, close the sockets. */
void transport_stop(transport *t);

/* transport_beat: publish a heartbeat on the PUB socket (if any). */
void transport_beat(transport *t);

/*
 * transport_reply: send buf (an NN_MSG buffer; ownership taken) as the
 * reply to m over sock, then free m's buffers. Never fails: a reply whose
 * peer is gone is dropped (the client will resend with the same id).
 */
void transport_reply(int sock, struct transport_msg *m, void *buf, size_t len);

/* transport_drop: free m's buffers without replying. */
void transport_drop(struct transport_msg *m);

/* transport_poke: publish "poke <seq> <cursor>" (best effort; pub < 0:
 * none): seq counts commits since the start, cursor is the change log's
 * newest sequence number (for `changes` with since = your cursor). */
void transport_poke(int pub, unsigned long long seq, uint64_t cursor);

#endif
