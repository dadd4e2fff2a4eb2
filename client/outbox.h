/* SPDX-License-Identifier: MIT */
/*
 * outbox.h: the writes whose outcome is not known yet, kept on disk until
 * they are settled by resending them with their original request ids
 * (the server answers an id it applied with the stored reply). The file
 * is $XDG_STATE_HOME/crm/outbox (~/.local/state/crm/outbox), mode 0600,
 * one checksummed line per write, appended and fsync'd BEFORE the write
 * is first sent (write-ahead), and settled by a second line when its
 * outcome is known (not fsync'd: a lost one only means a resend, which
 * crmd answers with its stored reply). When 64 settling lines pile up
 * the file is compacted: emptied when nothing is left, else rewritten
 * whole via a temporary file, fsync and rename,
 * all under an flock of outbox.lock (waited for at most
 * OUTBOX_LOCK_WAIT_MS), so crm processes running at once never lose
 * each other's entries and a crash at any point leaves the write in the
 * outbox for `outbox send`. A write is kept already marked sent when
 * it is about to be sent at once (the entry and its mark in one
 * fsync'd append, so `outbox` never calls a write whose bytes may have
 * reached crmd "not sent yet"), and marked waiting again when the send
 * certainly did not leave. A line that does not check is never sent
 * and never dropped by itself: it is kept as it is, listed with what
 * can be read of it, until the rep drops it. Kept requests carry no
 * session token: they are resent with the session of then, and the
 * moment they were made (Request.made_at, from `created`). A write crmd
 * refused when resent is not dropped either: a line marks it refused,
 * with crmd's answer, until the rep fixes, resends or drops it.
 * The command side (what the shell says, `outbox`, `outbox send`) is
 * cmd_outbox.c; this file only stores.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm.h"

#define OUTBOX_FP_LEN 16 /* hex characters of a session fingerprint */

/* How the shell treats a request. */
enum outbox_kind {
	OUTBOX_READ,   /* sent once; fails fast when crmd is not running */
	OUTBOX_WRITE,  /* keeps its request id until settled; outbox */
	OUTBOX_SECRET, /* a write carrying a password: resent with its id
	                  while the shell runs, never written to disk */
	OUTBOX_LIVE,   /* a write that means something only as crmd gets
	                  it (a dry run, a pool claim, a handover in
	                  batches): resent with its id while the shell
	                  runs, never kept; offline it is refused */
};

/* outbox_kind: the kind of a Request body case (a new request the table
 * does not know is a read; outbox_test checks it against crmd's table). */
enum outbox_kind outbox_kind(int body_case);

/* outbox_kind_of: the kind of request req: its body case's, but an
 * import's dry run (the check pass of every import, or --dry-run) is
 * OUTBOX_LIVE: sent later it would write nothing, while the import it
 * checks for is never sent (it is typed again when crmd is back). */
enum outbox_kind outbox_kind_of(const Crm__V1__Request *req);

struct outbox_entry {
	uint8_t id[CRM_REQUEST_ID_LEN];
	int64_t created;            /* UTC seconds */
	char fp[OUTBOX_FP_LEN + 1]; /* session fingerprint, or "-" */
	char *login;                /* who wrote it, or "-"; owned */
	char *what;                 /* the command as typed; owned */
	uint8_t *req;               /* packed Request, no token; owned */
	size_t len;
	char *server; /* the server URL it was written for; owned. NULL
	                 in entries of older crm (sent to the current one) */
	int refused;  /* crmd refused it when resent: its status code (a
	                 crm_status), 0 when not */
	char *why;    /* with refused: crmd's message; owned */
	int sent;     /* sent at least once with no answer: crmd may have
	                 applied it (resending settles it, once); set when
	                 given to outbox_add: kept as being sent now */
};

/* outbox_claim: mark the write id as being sent by this process until
 * outbox_unclaim (or exit); false when another crm holds it (sending it
 * now). outbox_in_flight: whether another crm holds it. */
bool outbox_claim(const uint8_t id[CRM_REQUEST_ID_LEN]);
void outbox_unclaim(const uint8_t id[CRM_REQUEST_ID_LEN]);
bool outbox_in_flight(const uint8_t id[CRM_REQUEST_ID_LEN]);

/* outbox_holds: whether the outbox still holds the write id unsettled
 * (another crm may have settled it since it was read); *refused its
 * refusal code, 0 when not refused; *sent (unless sent is NULL)
 * whether it is marked sent. */
bool outbox_holds(
    const uint8_t id[CRM_REQUEST_ID_LEN], int *refused, int *sent);

/* outbox_for: whether e is for the server at url (an entry that names
 * no server is for any). */
bool outbox_for(const struct outbox_entry *e, const char *url);

/* A line of the outbox that does not check (torn by a crash, changed on
 * disk): never sent, kept as it is until the rep drops it. What can be
 * read of it is for people only (outbox_damaged_read). */
struct outbox_damaged {
	char *text;   /* the line as it is in the file; owned */
	size_t line;  /* its line number in the file, from 1 */
	char key[33]; /* how the shell names it: a hash of its text, hex */
	bool has_id;  /* its request id reads (unchecked) */
	uint8_t id[CRM_REQUEST_ID_LEN];
	int sent;     /* a checked mark line says it was sent (has_id) */
	int refused;  /* a checked mark line says crmd refused it (has_id) */
	bool settled; /* a checked x1 line settles it: crmd answered it */
	/* A mark line (s1, w1, x1) that does not check: its letter, and the
	 * entry it seems to name (unchecked) when that field reads. */
	char mark;
	bool mark_has_id;
	uint8_t mark_id[CRM_REQUEST_ID_LEN];
};

struct outbox {
	struct outbox_entry *v;
	size_t n;
	struct outbox_damaged *damaged; /* lines that do not check; owned */
	size_t ndamaged;
	size_t nsettled; /* settling lines read (the file is compacted) */
};

/* What a damaged line seems to hold, decoded as far as it reads: every
 * field may be NULL or 0. Caller frees with outbox_damaged_read_free(). */
struct outbox_damaged_read {
	const char *kind; /* "write", "mark" (of another line) or NULL */
	int64_t created;  /* when typed, 0 when unreadable */
	char *login;      /* who wrote it */
	char *what;       /* the command as typed, as far as it reads */
	bool what_whole;  /* what read to its end */
	char *request;    /* the request's body case and its text fields */
	char *server;     /* the server it was written for */
};
void outbox_damaged_read(
    const struct outbox_damaged *d, struct outbox_damaged_read *r /* OUT */);
void outbox_damaged_read_free(struct outbox_damaged_read *r);

/* outbox_damaged_writes: how many damaged lines of ob may be writes
 * (not a mark of another line): those a send leaves unsent. */
size_t outbox_damaged_writes(const struct outbox *ob);

/* outbox_path: the file, or NULL without HOME. Caller frees with free(). */
char *outbox_path(void);

/*
 * outbox_load: every entry (an absent file is an empty outbox). Caller
 * frees with outbox_free(). Errors: CRM_INTERNAL (cannot read; errno).
 */
crm_status outbox_load(struct outbox *ob /* OUT */);
void outbox_free(struct outbox *ob);

/* outbox_forget: leave out of ob (in memory, not the file) the entries
 * whose request ids are among ids (n of them, CRM_REQUEST_ID_LEN bytes
 * each). */
void outbox_forget(struct outbox *ob, const uint8_t *ids, size_t n);

#define OUTBOX_LOCK_WAIT_MS 2000

/*
 * outbox_add: keep e: one line appended and fsync'd; with e->sent, the
 * line and its mark as being sent (s1) in the same append, one fsync,
 * for a write sent at once (outbox_mark_unsent takes it back when the
 * send did not leave). Errors: CRM_INTERNAL
 * (cannot write; errno says why), CRM_UNAVAILABLE (outbox.lock held by
 * another process for OUTBOX_LOCK_WAIT_MS; outbox_lock_holder() says
 * who).
 */
crm_status outbox_add(const struct outbox_entry *e);

/* outbox_lock_holder: after CRM_UNAVAILABLE, the lock file and who holds
 * it ("process 123 (flock)"), for a message. Static storage. */
const char *outbox_lock_holder(void);

/*
 * outbox_remove: forget the entry with request id id.
 * Errors: CRM_NOT_FOUND, CRM_INTERNAL.
 */
crm_status outbox_remove(const uint8_t id[CRM_REQUEST_ID_LEN]);

/*
 * outbox_replace: keep e in place of the refused entry old_id, under one
 * hold of the lock: e's line appended and fsync'd, then old_id settled.
 * CRM_NOT_FOUND, and nothing written, when old_id is no longer there or
 * no longer refused (another crm fixed, sent or dropped it meanwhile);
 * CRM_UNAVAILABLE when the lock stayed held; CRM_INTERNAL (errno).
 */
crm_status outbox_replace(
    const uint8_t old_id[CRM_REQUEST_ID_LEN], const struct outbox_entry *e);

/*
 * outbox_refuse: mark the entry with request id id refused by crmd with
 * code and message why (one appended line; a later mark replaces it).
 * The entry stays until removed. Errors: CRM_UNAVAILABLE (locked),
 * CRM_INTERNAL.
 */
crm_status outbox_refuse(
    const uint8_t id[CRM_REQUEST_ID_LEN], crm_status code, const char *why);

/*
 * outbox_mark_sent: mark the entry with request id id as sent with no
 * answer (one appended, fsync'd line), so `outbox` tells it from one
 * never sent. Errors: CRM_UNAVAILABLE (locked), CRM_INTERNAL.
 */
crm_status outbox_mark_sent(const uint8_t id[CRM_REQUEST_ID_LEN]);

/*
 * outbox_mark_unsent: mark the entry with request id id as waiting, not
 * sent (one appended line, not fsync'd: lost, the entry says "sent, no
 * answer", which only promises less), after a send that never left
 * (crmd not running). Errors: CRM_UNAVAILABLE (locked), CRM_INTERNAL.
 */
crm_status outbox_mark_unsent(const uint8_t id[CRM_REQUEST_ID_LEN]);

/*
 * outbox_drop_damaged: forget the damaged line named key (its key as
 * outbox_load gave it): the file rewritten without it. CRM_NOT_FOUND
 * when no such line is left (another crm dropped it). Errors:
 * CRM_UNAVAILABLE (locked), CRM_INTERNAL.
 */
crm_status outbox_drop_damaged(const char key[33]);

/*
 * outbox_compact: drop the settled lines: the file is emptied when
 * nothing is left. Errors: CRM_UNAVAILABLE (locked), CRM_INTERNAL.
 */
crm_status outbox_compact(void);

/*
 * outbox_same_write: whether the packed request typed (made at
 * typed_made) is the write kept (made at kept_made, its entry's
 * created), typed again: typed within OUTBOX_SAME_WINDOW_S of it, the
 * same kind and the same fields, compared without the envelope (request
 * id, session token, made_at); a follow-up an older crm kept carries
 * the moment it was typed as its happened_at, which is left out too.
 * A call with no answer (FollowUp.no_answer) is never the same: it is
 * repeated on purpose. A request that does not decode is no match
 * (outbox_same.c).
 */
#define OUTBOX_SAME_WINDOW_S (15 * 60)
bool outbox_same_write(const void *kept, size_t kept_len, int64_t kept_made,
    const void *typed, size_t typed_len, int64_t typed_made);

/* outbox_id_text: how the shell names an entry: its request id as 32 hex
 * characters and a NUL, the random second half first (so the first 8
 * tell entries apart). */
void outbox_id_text(const uint8_t id[CRM_REQUEST_ID_LEN], char out[33]);

/* outbox_fingerprint: a short hash of a session token (never the token:
 * it tells sessions apart), "-" for none. */
void outbox_fingerprint(
    const uint8_t *token, size_t len, char out[OUTBOX_FP_LEN + 1]);

/*
 * outbox_note_login: remember that the session with fingerprint fp is
 * login's (a few recent ones, in $XDG_STATE_HOME/crm/sessions-seen), so
 * a write kept offline says whose it is, and is resent only as them.
 */
void outbox_note_login(const char *fp, const char *login);

/* outbox_login_of: the login noted for fp, or NULL. Caller frees with
 * free(). */
char *outbox_login_of(const char *fp);

#endif
