/* SPDX-License-Identifier: MIT */
/*
 * writer.h: the single writer thread. It takes queued mutations in
 * batches, applies each (dispatch_apply) in a nested transaction of one
 * write transaction (a failing mutation does not spoil the batch), stores
 * each reply under its request id in the same transaction (idempotency),
 * commits once (group commit: one fdatasync for the batch), and only then
 * sends the replies. A full map is grown and the batch retried.
 */
#ifndef WRITER_H
#define WRITER_H

#include "dispatch.h"
#include "transport.h"

typedef struct writer writer;

/* writer_start: the thread, replying on sock and poking on pub (-1: no
 * pokes). Caller stops with writer_stop(). Errors: CRM_INTERNAL. */
crm_status writer_start(store *st, const struct srv_config *cfg, int sock,
    int pub, writer **w /* OUT */);

/*
 * writer_submit: queue the mutation in m for the caller who (NULL for
 * session-less requests) with the prepare step's result prep. Takes
 * ownership of m's buffers on CRM_OK; on failure the caller still owns
 * them. Errors: CRM_UNAVAILABLE (queue full or stopping).
 */
crm_status writer_submit(writer *w, struct transport_msg *m,
    const struct auth_who *who, const struct dispatch_prep *prep);

/* writer_reclaim_wait: a request thread that found the pool rules due
 * at now (pool_reclaim_next) waits, at most 5 s, until the writer has
 * done what is due (reclaims exact at the boundary, after a restart or
 * a moved test clock). */
void writer_reclaim_wait(writer *w, int64_t now);

/* writer_stop: answer everything queued, then end the thread. */
void writer_stop(writer *w);

#endif
