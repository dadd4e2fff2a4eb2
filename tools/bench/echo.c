/* SPDX-License-Identifier: MIT */
/*
 * echo.c: the transport ceiling. A tiny in-process server built the way
 * crmd's transport is (one AF_SP_RAW REP socket, worker threads that keep
 * each request's routing header and reply with it) that answers every
 * request with a fixed-size payload and does nothing else. Whatever crmd
 * does beyond that is the cost of decoding, checking and storage.
 */
#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define ECHO_POLL_MS 100

struct bench_echo {
	int sock;
	size_t reply_len;
	uint8_t *reply;
	pthread_t *threads;
	int n_threads;
	atomic_int stopping;
};

static void *
echo_main(void *arg)
{
	bench_echo *e = arg;
	while (!atomic_load(&e->stopping)) {
		void *body = NULL, *control = NULL;
		struct nn_iovec iov = { &body, NN_MSG };
		struct nn_msghdr hdr;
		memset(&hdr, 0, sizeof(hdr));
		hdr.msg_iov = &iov;
		hdr.msg_iovlen = 1;
		hdr.msg_control = &control;
		hdr.msg_controllen = NN_MSG;
		if (nn_recvmsg(e->sock, &hdr, 0) < 0) {
			int err = nn_errno();
			if (err == ETERM || err == EBADF) {
				break;
			}
			continue;
		}
		nn_freemsg(body);
		/* Build the reply as crmd builds one: a new message. */
		void *out = nn_allocmsg(e->reply_len, 0);
		if (out == NULL) {
			nn_freemsg(control);
			continue;
		}
		memcpy(out, e->reply, e->reply_len);
		struct nn_iovec oiov = { &out, NN_MSG };
		struct nn_msghdr ohdr;
		memset(&ohdr, 0, sizeof(ohdr));
		ohdr.msg_iov = &oiov;
		ohdr.msg_iovlen = 1;
		ohdr.msg_control = &control;
		ohdr.msg_controllen = NN_MSG;
		if (nn_sendmsg(e->sock, &ohdr, NN_DONTWAIT) < 0) {
			nn_freemsg(out);
			nn_freemsg(control);
		}
	}
	return NULL;
}

bench_echo *
bench_echo_start(const char *url, int threads, size_t reply_len)
{
	bench_echo *e = crm_xcalloc(1, sizeof(*e));
	e->reply_len = reply_len ? reply_len : 1;
	e->reply = crm_xmalloc(e->reply_len);
	memset(e->reply, 'e', e->reply_len);
	e->sock = nn_socket(AF_SP_RAW, NN_REP);
	int tmo = ECHO_POLL_MS, max = -1;
	if (e->sock < 0) {
		goto fail;
	}
	nn_setsockopt(e->sock, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(
	    e->sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max));
	if (nn_bind(e->sock, url) < 0) {
		goto fail;
	}
	e->threads = crm_xcalloc((size_t)threads, sizeof(*e->threads));
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&e->threads[i], NULL, echo_main, e) != 0) {
			break;
		}
		e->n_threads++;
	}
	if (e->n_threads == 0) {
		goto fail;
	}
	return e;
fail:
	bench_echo_stop(e);
	return NULL;
}

void
bench_echo_stop(bench_echo *e)
{
	if (e == NULL) {
		return;
	}
	atomic_store(&e->stopping, 1);
	for (int i = 0; i < e->n_threads; i++) {
		pthread_join(e->threads[i], NULL);
	}
	if (e->sock >= 0) {
		nn_close(e->sock);
	}
	free(e->threads);
	free(e->reply);
	free(e);
}
