/* SPDX-License-Identifier: MIT */
/*
 * outbox_same.c: whether a write typed now is one already waiting in the
 * outbox (outbox.h, outbox_same_write): the same body, compared without
 * the envelope (request id, session token, made_at, protocol version),
 * so typing a kept write again does not make it happen twice.
 */
#include <stdlib.h>
#include <string.h>

#include "outbox.h"

/* A follow-up logged without --at says the moment it was typed (the
 * shell fills happened_at then, before any questions it asks): such a
 * time is the envelope's, not a field the rep gave. */
#define TYPED_WINDOW_S (15 * 60)

static bool
typed_then(int64_t at, int64_t made)
{
	return at <= made && made - at <= TYPED_WINDOW_S;
}

/* req packed with its envelope cleared (and its typed time, when
 * typed_at); caller frees *buf with free(). */
static void
body_of(Crm__V1__Request *req, bool typed_at, void **buf, size_t *len)
{
	Crm__V1__Request r = *req; /* shallow: the body is borrowed */
	r.has_protocol_version = 0;
	r.has_request_id = 0;
	r.request_id.len = 0;
	r.request_id.data = NULL;
	r.has_session_token = 0;
	r.session_token.len = 0;
	r.session_token.data = NULL;
	r.has_made_at = 0;
	r.made_at = 0;
	Crm__V1__FollowUp *f = NULL;
	int64_t saved = 0;
	if (typed_at && r.body_case == CRM__V1__REQUEST__BODY_FOLLOWUP_LOG &&
	    r.followup_log != NULL && r.followup_log->followup != NULL) {
		f = r.followup_log->followup;
		saved = f->happened_at;
		f->has_happened_at = 0;
		f->happened_at = 0;
	}
	size_t n = protobuf_c_message_get_packed_size(&r.base);
	*buf = crm_xmalloc(n ? n : 1);
	*len = protobuf_c_message_pack(&r.base, *buf);
	if (f != NULL) {
		f->has_happened_at = 1;
		f->happened_at = saved;
	}
}

/* Whether req's follow-up (if it is a log) says the moment made. */
static bool
log_typed_then(const Crm__V1__Request *req, int64_t made)
{
	return req->body_case == CRM__V1__REQUEST__BODY_FOLLOWUP_LOG &&
	       req->followup_log != NULL &&
	       req->followup_log->followup != NULL &&
	       req->followup_log->followup->has_happened_at &&
	       typed_then(req->followup_log->followup->happened_at, made);
}

/* A due time typed relative to the moment (--due +2d) comes out later by
 * as much as the retype came later: t of b is a's when both lie as far
 * from their own moments. */
static void
align(int64_t *b_at, int64_t b_made, int64_t a_at, int64_t a_made)
{
	if (*b_at != a_at && *b_at - b_made == a_at - a_made) {
		*b_at = a_at;
	}
}

/* b's due times that are a's, typed relative to each one's moment. */
static void
align_dues(const Crm__V1__Request *a, int64_t a_made, Crm__V1__Request *b,
    int64_t b_made)
{
	const Crm__V1__FollowUp *x = a->followup_log->followup;
	Crm__V1__FollowUp *y = b->followup_log->followup;
	if (x->has_next_due_at && y->has_next_due_at) {
		align(&y->next_due_at, b_made, x->next_due_at, a_made);
	}
	for (size_t i = 0; i < x->n_commitments && i < y->n_commitments; i++) {
		if (x->commitments[i]->has_due_at &&
		    y->commitments[i]->has_due_at) {
			align(&y->commitments[i]->due_at, b_made,
			    x->commitments[i]->due_at, a_made);
		}
	}
}

bool
outbox_same_write(const void *kept, size_t kept_len, int64_t kept_made,
    const void *typed, size_t typed_len, int64_t typed_made)
{
	Crm__V1__Request *a =
	    crm__v1__request__unpack(NULL, kept_len, (const uint8_t *)kept);
	Crm__V1__Request *b =
	    crm__v1__request__unpack(NULL, typed_len, (const uint8_t *)typed);
	bool same = false;
	if (a != NULL && b != NULL && a->body_case == b->body_case) {
		/* The typed time is set aside only when both say theirs,
		 * typed within TYPED_WINDOW_S of each other: the same call
		 * logged again later is another follow-up (a tester's
		 * second call, half an hour on, was merged into the
		 * first). */
		bool typed_at = log_typed_then(a, kept_made) &&
		                log_typed_then(b, typed_made) &&
		                typed_made >= kept_made &&
		                typed_made - kept_made <= TYPED_WINDOW_S;
		if (typed_at) {
			align_dues(a, kept_made, b, typed_made);
		}
		void *x = NULL, *y = NULL;
		size_t xl = 0, yl = 0;
		body_of(a, typed_at, &x, &xl);
		body_of(b, typed_at, &y, &yl);
		same = xl == yl && memcmp(x, y, xl) == 0;
		free(x);
		free(y);
	}
	if (a != NULL) {
		crm__v1__request__free_unpacked(a, NULL);
	}
	if (b != NULL) {
		crm__v1__request__free_unpacked(b, NULL);
	}
	return same;
}
