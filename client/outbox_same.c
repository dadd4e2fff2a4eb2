/* SPDX-License-Identifier: MIT */
/*
 * outbox_same.c: whether a write typed now is one already waiting in the
 * outbox (outbox.h, outbox_same_write): typed within 15 minutes of it,
 * the same body, compared without the envelope (request id, session
 * token, made_at, protocol version), so typing a kept write again does
 * not make it happen twice, while the same words typed later, or a call
 * that got no answer typed again, are another write.
 */
#include <stdlib.h>
#include <string.h>

#include "outbox.h"

/* A follow-up an older crm kept says the moment it was typed as its
 * happened_at (it filled it, before any questions it asked, when no
 * --at was given): such a time is the envelope's, not a field the rep
 * gave. This crm sends no time of its own (crmd's clock, or made_at). */
static bool
typed_then(int64_t at, int64_t made)
{
	return at <= made && made - at <= OUTBOX_SAME_WINDOW_S;
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

/* req's follow-up, when it is a log, or NULL. */
static const Crm__V1__FollowUp *
log_of(const Crm__V1__Request *req)
{
	return req->body_case == CRM__V1__REQUEST__BODY_FOLLOWUP_LOG &&
	               req->followup_log != NULL
	           ? req->followup_log->followup
	           : NULL;
}

/* Whether req's follow-up (if it is a log) says the moment made. */
static bool
log_typed_then(const Crm__V1__Request *req, int64_t made)
{
	const Crm__V1__FollowUp *f = log_of(req);
	return f != NULL && f->has_happened_at &&
	       typed_then(f->happened_at, made);
}

/* Whether req is a call that got no answer (log --no-answer). */
static bool
no_answer(const Crm__V1__Request *req)
{
	const Crm__V1__FollowUp *f = log_of(req);
	return f != NULL && f->has_no_answer && f->no_answer;
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
	/* Typed again within the window of the kept one: the same write
	 * whose fate the rep did not know. Later, the same words are
	 * another write (a tester's purchase typed 3 h on, an inquiry 5 h
	 * on, were merged into the first). */
	int64_t apart = typed_made - kept_made;
	if (apart > OUTBOX_SAME_WINDOW_S || apart < -OUTBOX_SAME_WINDOW_S) {
		return false;
	}
	Crm__V1__Request *a =
	    crm__v1__request__unpack(NULL, kept_len, (const uint8_t *)kept);
	Crm__V1__Request *b =
	    crm__v1__request__unpack(NULL, typed_len, (const uint8_t *)typed);
	bool same = false;
	/* An unanswered call is repeated on purpose (online the same three
	 * store three): never the same write. */
	if (a != NULL && b != NULL && a->body_case == b->body_case &&
	    !no_answer(a) && !no_answer(b)) {
		/* The moment typed, where an older crm kept it (the
		 * follow-up's happened_at), is set aside: this crm's
		 * request carries none. */
		bool ta = log_typed_then(a, kept_made);
		bool tb = log_typed_then(b, typed_made);
		if (log_of(a) != NULL && log_of(b) != NULL) {
			align_dues(a, kept_made, b, typed_made);
		}
		void *x = NULL, *y = NULL;
		size_t xl = 0, yl = 0;
		body_of(a, ta, &x, &xl);
		body_of(b, tb, &y, &yl);
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
