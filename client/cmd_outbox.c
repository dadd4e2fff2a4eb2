/* SPDX-License-Identifier: MIT */
/*
 * cmd_outbox.c: how the shell sends a write so it happens once: it keeps
 * the write's request id until the outcome is known, resends the same
 * bytes while no answer comes (saying so), and when it gives up (or crmd
 * is not running at all) keeps the write in the outbox (outbox.c) with
 * exit status 3: outcome unknown, to be settled by resending. A kept
 * write is resent with the moment it was made (Request.made_at), so crmd
 * dates it then; one crmd refuses stays, marked refused, until the rep
 * fixes, resends or drops it: nothing typed vanishes. A write that means
 * something only as crmd gets it (OUTBOX_LIVE) is never kept. Also the
 * `outbox` command (list, send, drop, fix) and the resend when the
 * interactive shell starts or crmd answers again.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands.h"
#include "crm_test_pause.h"
#include "cmd_outbox.h"
#include "outbox.h"
#include "paths.h"
#include "shell.h"

#define RESENDS           2 /* after the first deadline, the same bytes again */
#define GRACE_MS          2000 /* after Ctrl-C: the answer to a write already sent */
#define RETENTION_DEFAULT CRM_IDEM_RETENTION_DEFAULT /* hello says */

/* Send buf (request id id) until an answer or a reason to stop: no
 * answer after RESENDS resends, crmd gone or not running, Ctrl-C (then
 * the answer is still awaited GRACE_MS). *fate says which, as
 * conn_fate() does, except that a resend that found crmd gone after an
 * earlier attempt left is CONN_GONE, not CONN_NOT_SENT: CONN_NOT_SENT
 * only when no byte of it ever left. */
static crm_status
settle(struct cmd_ctx *ctx, const void *buf, size_t len,
    const uint8_t id[CRM_REQUEST_ID_LEN], Crm__V1__Response **resp,
    enum conn_fate *fate)
{
	crm_status rc = conn_exchange(ctx->conn, buf, len, id, 0, resp);
	bool left = conn_fate(ctx->conn) != CONN_NOT_SENT;
	for (int i = 0; i < RESENDS && rc == CRM_UNAVAILABLE &&
	                conn_fate(ctx->conn) == CONN_NO_ANSWER;
	     i++) {
		fprintf(stderr,
		    "crm: %s; sending the same request again (same id, %d "
		    "of %d)\n",
		    conn_error(ctx->conn), i + 1, RESENDS);
		rc = conn_exchange(ctx->conn, buf, len, id, 0, resp);
	}
	if (rc == CRM_UNAVAILABLE &&
	    conn_fate(ctx->conn) == CONN_INTERRUPTED) {
		fprintf(stderr,
		    "crm: interrupted; the write was sent already: waiting "
		    "up to %d s for its answer\n",
		    GRACE_MS / 1000);
		int saved = conn_timeout(ctx->conn);
		conn_set_timeout(ctx->conn, GRACE_MS);
		rc = conn_exchange(
		    ctx->conn, NULL, 0, id, CONN_IGNORE_CANCEL, resp);
		conn_set_timeout(ctx->conn, saved);
	}
	*fate = conn_fate(ctx->conn);
	if (*fate == CONN_NOT_SENT && left) {
		*fate = CONN_GONE; /* sent before, then crmd went away */
	}
	return rc;
}

/* Before the bytes of a kept write (request id id) may leave: marked
 * sent in the outbox, fsync'd, so a crm killed after they left never
 * leaves it "waiting: not sent yet" (crmd may have it). Nothing to do
 * when it is marked already (sent_before). *marked: whether this call
 * marked it (outbox_mark_unsent takes it back when the send never
 * left). Errors as outbox_mark_sent's: then it must not be sent. */
static crm_status
mark_sending(
    const uint8_t id[CRM_REQUEST_ID_LEN], int sent_before, bool *marked)
{
	*marked = false;
	if (sent_before) {
		return CRM_OK;
	}
	crm_status rc = outbox_mark_sent(id);
	*marked = rc == CRM_OK;
	return rc;
}

/* After a send of a kept write that mark_sending marked: when nothing
 * of it left, it waits again (not sent yet: crmd cannot have it). */
static void
unmark_unsent(
    const uint8_t id[CRM_REQUEST_ID_LEN], bool marked, enum conn_fate fate)
{
	if (marked && fate == CONN_NOT_SENT) {
		(void)outbox_mark_unsent(id);
	}
}

/* The session fingerprint of now. */
static void
current_fp(struct cmd_ctx *ctx, char fp[OUTBOX_FP_LEN + 1])
{
	size_t len = 0;
	const uint8_t *t = conn_token(ctx->conn, &len);
	outbox_fingerprint(t, len, fp);
}

/* Why write req is never kept (OUTBOX_LIVE), for people. */
static const char *
live_reason(const Crm__V1__Request *req)
{
	switch (req->body_case) {
	case CRM__V1__REQUEST__BODY_IMPORT_BATCH:
		return "an import checks its rows against crmd first (a dry "
		       "run, which writes nothing) and writes only after "
		       "that";
	case CRM__V1__REQUEST__BODY_POOL_CLAIM:
		return "a pool claim is first come, first served as crmd gets "
		       "it";
	case CRM__V1__REQUEST__BODY_CUSTOMER_HANDOVER:
		return "a handover goes batch by batch, each from the answer "
		       "to the last";
	case CRM__V1__REQUEST__BODY_POLICY_DRY_RUN:
		return "a dry run shows what a change would do now";
	default:
		return "it means something only as crmd gets it";
	}
}

/* cmd_outbox_flush is sending: the send's output is shown, so its
 * results are not said again on stderr. */
static bool flushing;
/* The write the flush runs for, kept before it: left to that call. */
static const uint8_t *flush_skip;

/* Record req (request id id) in the outbox before it is first sent
 * (write-ahead: a crash at any point leaves it for `outbox send`), with
 * the moment it was made (the test clock's, CRM_TEST_CLOCK, in tests).
 * sending: it is sent right after, so it is kept already marked sent
 * (crmd may have it once its bytes leave; one fsync for both lines);
 * the caller marks it waiting again when the send never left. A write
 * carrying a password, or one that is never kept (OUTBOX_LIVE), is
 * never written to disk. Errors: CRM_ABORTED (another process held the
 * outbox's lock: nothing recorded, nothing sent; try again),
 * CRM_INTERNAL (not recorded, so not sent); conn_error() says why. */
static crm_status
record(struct cmd_ctx *ctx, Crm__V1__Request *req,
    const uint8_t id[CRM_REQUEST_ID_LEN], bool sending)
{
	if (outbox_kind_of(req) != OUTBOX_WRITE) {
		return CRM_OK;
	}
	struct outbox_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, id, CRM_REQUEST_ID_LEN);
	/* Held until its outcome: no crm beside this one sends it too. */
	(void)outbox_claim(id);
	e.created = crm_time_now();
	e.sent = sending;
	current_fp(ctx, e.fp);
	char *noted = ctx->login ? NULL : outbox_login_of(e.fp);
	e.login = ctx->login ? ctx->login : noted ? noted : (char *)"-";
	e.what = (char *)(ctx->what ? ctx->what : "?");
	e.server = (char *)conn_url(ctx->conn);
	void *buf = NULL;
	conn_pack(ctx->conn, req, id, false, &buf, &e.len);
	e.req = buf;
	crm_status rc = outbox_add(&e);
	int err = errno;
	free(buf);
	free(noted);
	if (rc != CRM_OK) {
		outbox_unclaim(id);
	}
	if (rc == CRM_UNAVAILABLE) {
		/* Not crm's fault nor crmd's: another crm (or a script)
		 * writes the outbox now. */
		conn_set_error(ctx->conn,
		    "the outbox is locked: %s (waited %d s); nothing was "
		    "sent: try again when it lets go",
		    outbox_lock_holder(), OUTBOX_LOCK_WAIT_MS / 1000);
		return CRM_ABORTED;
	}
	if (rc != CRM_OK) {
		char *p = outbox_path();
		conn_set_error(ctx->conn,
		    "cannot record the write in the outbox %s: %s; nothing "
		    "was sent",
		    p ? p : "(no HOME)", strerror(err));
		free(p);
		return CRM_INTERNAL;
	}
	return CRM_OK;
}

/* req (request id id) stays in the outbox after fate; say so. */
static crm_status
keep(struct cmd_ctx *ctx, Crm__V1__Request *req,
    const uint8_t id[CRM_REQUEST_ID_LEN], enum conn_fate fate)
{
	char idt[33];
	outbox_id_text(id, idt);
	enum outbox_kind kind = outbox_kind_of(req);
	if (kind == OUTBOX_LIVE && fate == CONN_NOT_SENT) {
		/* Never sent: nothing happened, and nothing is kept (the
		 * command fails with this, exit 1). */
		char *was = crm_xstrdup(conn_error(ctx->conn));
		conn_set_error(ctx->conn,
		    "%s; nothing was kept: %s, so it is never kept in the "
		    "outbox: run it when crmd is back",
		    was, live_reason(req));
		free(was);
		return CRM_UNAVAILABLE;
	}
	ctx->outcome_unknown = true;
	if (kind == OUTBOX_LIVE) {
		fprintf(stderr,
		    "crm: %s: the outcome is unknown (request id %s); %s, "
		    "so it is not kept in the outbox: check, then repeat "
		    "it\n",
		    fate == CONN_INTERRUPTED ? "interrupted"
		                             : conn_error(ctx->conn),
		    idt, live_reason(req));
		return CRM_UNAVAILABLE;
	}
	if (kind == OUTBOX_SECRET) {
		fprintf(stderr,
		    "crm: %s: the outcome is unknown (request id %s); it "
		    "carries a password, so it is not kept in the outbox: "
		    "check, then repeat it\n",
		    conn_error(ctx->conn), idt);
		return CRM_UNAVAILABLE;
	}
	/* Its mark says already what it is: kept sent (record, or
	 * mark_sending) before its bytes could leave, and waiting again
	 * (unmark_unsent) when none did. */
	if (fate == CONN_NOT_SENT) {
		fprintf(stderr,
		    "crm: %s: kept in the outbox as %.8s, not sent yet; "
		    "`outbox send` sends it when crmd is back\n",
		    conn_error(ctx->conn), idt);
	} else {
		fprintf(stderr,
		    "crm: %s: the outcome is unknown; kept in the outbox as "
		    "%.8s, settled by resending it (`outbox send`)\n",
		    fate == CONN_INTERRUPTED ? "interrupted"
		                             : conn_error(ctx->conn),
		    idt);
	}
	return CRM_UNAVAILABLE;
}

/* Whether e was written in this session (its fingerprint fp) or as
 * login me (NULL: unknown); the login it was written as in *owner
 * (unless owner is NULL; "-": not known), which the caller frees. */
static bool
entry_mine(
    const struct outbox_entry *e, const char *fp, const char *me, char **owner)
{
	char *noted =
	    strcmp(e->login, "-") != 0 ? NULL : outbox_login_of(e->fp);
	const char *who = noted ? noted : e->login;
	bool mine =
	    strcmp(e->fp, fp) == 0 || (me != NULL && strcmp(who, me) == 0);
	if (owner != NULL) {
		*owner = crm_xstrdup(who);
	}
	free(noted);
	return mine;
}

/* Who this session is: ctx's login, else the one noted for session fp
 * at login (sessions-seen; `crm -c` asks crmd nothing to know it), or
 * NULL. Caller frees with free(). */
static char *
me_now(struct cmd_ctx *ctx, const char *fp)
{
	return ctx->login ? crm_xstrdup(ctx->login) : outbox_login_of(fp);
}

/* The entry of ob (borrowed) waiting to be sent, or being sent by
 * another crm now, that req (packed without token as typed, made at now)
 * repeats: for this server, written as the same user, the same body
 * (outbox_same_write). NULL when none. */
static const struct outbox_entry *
waiting_same(struct cmd_ctx *ctx, const struct outbox *ob, const void *typed,
    size_t len, int64_t now)
{
	char fp[OUTBOX_FP_LEN + 1];
	current_fp(ctx, fp);
	char *me = me_now(ctx, fp);
	const struct outbox_entry *same = NULL;
	for (size_t i = 0; i < ob->n; i++) {
		const struct outbox_entry *e = &ob->v[i];
		if (!outbox_for(e, conn_url(ctx->conn)) ||
		    !entry_mine(e, fp, me, NULL)) {
			continue;
		}
		/* The entries are in the order typed: another write typed
		 * after the same one makes this one new (region=东, then
		 * region=北, then region=东 again ends at 东). */
		same = outbox_same_write(
		           e->req, e->len, e->created, typed, len, now)
		           ? e
		           : NULL;
	}
	free(me);
	return same;
}

/* The outbox as this crm sees it: without the writes crmd answered
 * during this command (ctx->answered), which wait only for the command's
 * output to be settled, not to be sent. */
static crm_status
load_here(struct cmd_ctx *ctx, struct outbox *ob)
{
	crm_status rc = outbox_load(ob);
	if (rc == CRM_OK) {
		outbox_forget(ob, ctx->answered, ctx->nanswered);
	}
	return rc;
}

/* The rep's writes waiting in the outbox for this server, not refused
 * and not being sent by another crm beside it now (outbox_claim). */
static size_t
waiting_here(struct cmd_ctx *ctx)
{
	struct outbox ob;
	if (load_here(ctx, &ob) != CRM_OK) {
		return 0;
	}
	char fp[OUTBOX_FP_LEN + 1];
	current_fp(ctx, fp);
	char *me = me_now(ctx, fp);
	size_t n = 0;
	for (size_t i = 0; i < ob.n; i++) {
		const struct outbox_entry *e = &ob.v[i];
		n += outbox_for(e, conn_url(ctx->conn)) && !e->refused &&
		     entry_mine(e, fp, me, NULL) && !outbox_in_flight(e->id);
	}
	free(me);
	outbox_free(&ob);
	return n;
}

size_t
cmd_outbox_mine(struct cmd_ctx *ctx, char **login)
{
	struct outbox ob;
	char fp[OUTBOX_FP_LEN + 1];
	current_fp(ctx, fp);
	*login = me_now(ctx, fp);
	if (load_here(ctx, &ob) != CRM_OK) {
		return 0;
	}
	size_t n = 0;
	for (size_t i = 0; i < ob.n; i++) {
		n += outbox_for(&ob.v[i], conn_url(ctx->conn)) &&
		     entry_mine(&ob.v[i], fp, *login, NULL);
	}
	outbox_free(&ob);
	return n;
}

/* Hold e (outbox_claim), waiting for another crm sending it now to let
 * it go: at most as long as that crm may wait for crmd (its deadline,
 * twice resent, and the grace of a Ctrl-C). false when it still holds
 * it then. */
static bool
claim_waiting(struct cmd_ctx *ctx, const struct outbox_entry *e)
{
	if (outbox_claim(e->id)) {
		return true;
	}
	char idt[33];
	outbox_id_text(e->id, idt);
	fprintf(stderr,
	    "crm: an identical write is being sent by another crm now as "
	    "%.8s: waiting for its answer\n",
	    idt);
	int bound = 3 * conn_timeout(ctx->conn) + 5000;
	for (int waited = 0; waited < bound; waited += 50) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (outbox_claim(e->id)) {
			return true;
		}
	}
	conn_set_error(ctx->conn,
	    "an identical write is still being sent by another crm as %.8s; "
	    "nothing was sent (`outbox` shows it)",
	    idt);
	return false;
}

/* Send the rep's writes waiting for this server but skip (the caller's,
 * which goes after them: a write never overtakes one typed before it;
 * kept: whether skip is in the outbox). Whether some of them still wait
 * after (crmd is away): then conn_error() says why, for keep(). */
static bool
older_first(struct cmd_ctx *ctx, const uint8_t *skip, bool kept)
{
	flush_skip = skip;
	cmd_outbox_flush(ctx);
	flush_skip = NULL;
	if (waiting_here(ctx) <= (kept ? 1 : 0) ||
	    conn_fate(ctx->conn) == CONN_ANSWERED) {
		return false;
	}
	/* Not "not answered" when crmd is simply not running. */
	if (conn_fate(ctx->conn) == CONN_NOT_SENT) {
		char *why = crm_xstrdup(conn_error(ctx->conn));
		conn_set_error(ctx->conn,
		    "%s; older writes still wait in the outbox", why);
		free(why);
	} else {
		conn_set_error(ctx->conn,
		    "older writes still wait in the outbox (crmd has not "
		    "answered for them)");
	}
	return true;
}

/* `outbox again`: the write it sends is a second one on purpose, never
 * taken for the kept one it copies. */
static bool again;

/* Write id was answered by crmd: it leaves the outbox with
 * cmd_outbox_settle, once the command's output is out (commands.h).
 * Without the memory to remember it, now. */
static void
answered(struct cmd_ctx *ctx, const uint8_t id[CRM_REQUEST_ID_LEN])
{
	/* Answered, not yet said: the moment outbox_answer_test kills crm
	 * in. */
	crm_test_pause(CRM_TEST_ANSWERED);
	uint8_t *v =
	    realloc(ctx->answered, (ctx->nanswered + 1) * CRM_REQUEST_ID_LEN);
	if (v == NULL) {
		(void)outbox_remove(id);
		return;
	}
	ctx->answered = v;
	memcpy(
	    v + ctx->nanswered++ * CRM_REQUEST_ID_LEN, id, CRM_REQUEST_ID_LEN);
}

void
cmd_outbox_settle(struct cmd_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nanswered; i++) {
		const uint8_t *id = ctx->answered + i * CRM_REQUEST_ID_LEN;
		(void)outbox_remove(id);
		outbox_unclaim(id);
	}
	free(ctx->answered);
	ctx->answered = NULL;
	ctx->nanswered = 0;
}

/* This crm is done sending write id: another crm may send it, unless it
 * was answered (held until cmd_outbox_settle: sent again meanwhile by
 * the other, its answer would be said twice). */
static void
let_go(struct cmd_ctx *ctx, const uint8_t id[CRM_REQUEST_ID_LEN])
{
	for (size_t i = 0; i < ctx->nanswered; i++) {
		if (memcmp(ctx->answered + i * CRM_REQUEST_ID_LEN, id,
		        CRM_REQUEST_ID_LEN) == 0) {
			return;
		}
	}
	outbox_unclaim(id);
}

/* After a write typed again was taken for the kept one idt: how to make
 * it a second one after all (settled: nothing identical waits now). */
static void
say_again(const char *idt, bool settled)
{
	if (settled) {
		fprintf(stderr,
		    "crm: if it was meant as a second one, not the same typed "
		    "again: type it again now (nothing identical waits)\n");
	} else {
		fprintf(stderr,
		    "crm: if it was meant as a second one, not the same typed "
		    "again: `outbox again %.8s` keeps another\n",
		    idt);
	}
}

/* A refused entry the write typed now is a new attempt of (send_waiting
 * found it; cmd_outbox_request settles it): held (outbox_claim) until
 * then. */
struct twin {
	bool set;
	uint8_t id[CRM_REQUEST_ID_LEN];
	char idt[33];
};

/*
 * The write typed is one waiting in the outbox (typed again when its
 * outcome was unknown), or one another crm of the rep is sending now
 * (typed again in a second window): it must not happen twice. The kept
 * one is sent instead, with its request id and the moment it was made
 * (what the rep wanted: once, dated when first typed), and settled as
 * `outbox send` would; one in flight once the other crm has its answer
 * (crmd answers an id it applied with its stored reply). The rep is told
 * how to make it a second one (`outbox again ID`, or typing it again
 * once nothing identical waits). One crmd refused stored nothing: the
 * write typed again is a new attempt, sent as any write (*twin names
 * the refused copy, for cmd_outbox_request to drop or mark). *handled
 * says whether the write was dealt with here.
 */
static crm_status
send_waiting(struct cmd_ctx *ctx, Crm__V1__Request *req,
    Crm__V1__Response **resp, bool *handled, struct twin *twin)
{
	*handled = false;
	twin->set = false;
	if (outbox_kind_of(req) != OUTBOX_WRITE || again) {
		return CRM_OK;
	}
	struct outbox ob;
	if (load_here(ctx, &ob) != CRM_OK) {
		return CRM_OK; /* recording it says why, if it matters */
	}
	uint8_t none[CRM_REQUEST_ID_LEN] = { 0 };
	void *typed = NULL;
	size_t tlen = 0;
	conn_pack(ctx->conn, req, none, false, &typed, &tlen);
	const struct outbox_entry *e =
	    waiting_same(ctx, &ob, typed, tlen, crm_time_now());
	free(typed);
	if (e == NULL) {
		outbox_free(&ob);
		return CRM_OK;
	}
	char idt[33], when[64];
	outbox_id_text(e->id, idt);
	crm_time_format(e->created, when, sizeof(when));
	if (!claim_waiting(ctx, e)) {
		*handled = true;
		outbox_free(&ob);
		return CRM_EPRECOND;
	}
	/* What another crm made of it meanwhile: settled (gone), marked
	 * refused or sent, or as it was. */
	int refused = 0, sent = 0;
	bool held = outbox_holds(e->id, &refused, &sent);
	if (held && refused != 0) {
		/* Refused: crmd stored nothing of it, and what made it
		 * refused may have changed (the task is the rep's again).
		 * This one is a new attempt. */
		fprintf(stderr,
		    "crm: an identical write is waiting in the outbox as %.8s "
		    "(typed %s), refused by crmd before: sending this one "
		    "anew\n",
		    idt, when);
		twin->set = true;
		memcpy(twin->id, e->id, CRM_REQUEST_ID_LEN);
		memcpy(twin->idt, idt, sizeof(idt));
		outbox_free(&ob);
		return CRM_OK; /* held: cmd_outbox_request lets it go */
	}
	*handled = true;
	fprintf(stderr,
	    "crm: an identical write %s as %.8s (typed %s): sending that "
	    "one instead, dated then\n",
	    held ? "is waiting in the outbox" : "was just sent by another crm",
	    idt, when);
	void *buf = NULL;
	size_t len = 0;
	uint8_t id[CRM_REQUEST_ID_LEN];
	bool marked = false;
	crm_status rc = CRM_OK;
	/* After the rep's older writes, as any write (it is the last one
	 * typed: waiting_same). */
	if (held && waiting_here(ctx) > 1 && older_first(ctx, e->id, true)) {
		rc = keep(ctx, req, e->id, CONN_NOT_SENT);
		say_again(idt, false);
		goto out;
	}
	if (conn_repack(ctx->conn, e->req, e->len, e->created, &buf, &len,
	        id) != CRM_OK) {
		conn_set_error(ctx->conn,
		    "%.8s in the outbox does not decode as a request; nothing "
		    "was sent (`outbox drop %.8s` forgets it)",
		    idt, idt);
		rc = CRM_INTERNAL;
		goto out;
	}
	crm_status mrc = held ? mark_sending(id, sent, &marked) : CRM_OK;
	if (mrc != CRM_OK) {
		conn_set_error(ctx->conn,
		    "cannot mark %.8s as being sent in the outbox: %s; "
		    "nothing was sent",
		    idt,
		    mrc == CRM_UNAVAILABLE ? outbox_lock_holder()
		                           : strerror(errno));
		rc = CRM_ABORTED;
		goto out;
	}
	shell_cancel_arm(true);
	enum conn_fate fate;
	rc = settle(ctx, buf, len, id, resp, &fate);
	shell_cancel_arm(false);
	unmark_unsent(id, marked, fate);
	if (rc == CRM_OK) {
		answered(ctx, id);
		say_again(idt, true);
	} else if (fate == CONN_ANSWERED && rc != CRM_EUNAUTH &&
	           rc != CRM_UNAVAILABLE) {
		/* Refused: kept, marked, as `outbox send` does (settled by
		 * the other crm: its refusal, said here too). */
		if (held &&
		    outbox_refuse(id, rc, conn_error(ctx->conn)) != CRM_OK) {
			fprintf(stderr,
			    "crm: cannot mark %.8s refused in the outbox: "
			    "%s\n",
			    idt, strerror(errno));
		}
		if (held) {
			cmd_outbox_refused_hint(e, idt, rc);
		}
	} else if (fate != CONN_ANSWERED && !held) {
		conn_set_error(ctx->conn,
		    "%s; the identical write %.8s was settled by the other "
		    "crm "
		    "(its output says how)",
		    conn_error(ctx->conn), idt);
		rc = CRM_EPRECOND;
	} else if (fate != CONN_ANSWERED) {
		rc = keep(ctx, req, id, fate); /* still kept, as it was */
		say_again(idt, false);
	}
out:
	free(buf);
	let_go(ctx, e->id);
	outbox_free(&ob);
	return rc;
}

/* The write typed, req, was a new attempt of the refused entry twin
 * (send_waiting), which ended with rc (fate): done, the refused copy
 * goes; refused again, one entry stays, with crmd's new answer; kept
 * (its outcome unknown), the new entry takes its place. */
static void
settle_twin(struct cmd_ctx *ctx, const struct twin *twin, crm_status rc,
    enum conn_fate fate)
{
	if (rc == CRM_OK) {
		if (outbox_remove(twin->id) == CRM_OK) {
			fprintf(stderr,
			    "crm: the outbox's refused copy %.8s is dropped: "
			    "this one was done\n",
			    twin->idt);
		}
	} else if (fate == CONN_ANSWERED && rc != CRM_EUNAUTH &&
	           rc != CRM_UNAVAILABLE) {
		if (outbox_refuse(twin->id, rc, conn_error(ctx->conn)) ==
		    CRM_OK) {
			fprintf(stderr,
			    "crm: refused again: the outbox's refused copy "
			    "%.8s stays, with this answer (`outbox drop "
			    "%.8s` forgets it)\n",
			    twin->idt, twin->idt);
		}
	} else if (ctx->outcome_unknown) {
		if (outbox_remove(twin->id) == CRM_OK) {
			fprintf(stderr,
			    "crm: the outbox's refused copy %.8s is dropped: "
			    "this one, kept, takes its place\n",
			    twin->idt);
		}
	}
	outbox_unclaim(twin->id);
}

/* Send req as a write of its own (no identical one waits): kept in the
 * outbox before it is sent, after the rep's older writes go (never
 * overtaking one), settled by its answer. *fate says what became of
 * it (CONN_NOT_SENT also when it was not sent at all). */
static crm_status
send_new(struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp,
    enum conn_fate *fate)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	void *buf = NULL;
	size_t len = 0;
	crm_status rc;

	*fate = CONN_NOT_SENT;
	/* A write never overtakes one typed before it: the rep's writes
	 * waiting for this server go first (a follow-up typed offline and
	 * sent after a newer one is history only: its stage not applied,
	 * its next follow-up not planned). Still waiting after that, crmd
	 * is away: this one waits behind them. */
	bool behind = false, recorded = false, marked = false;
	bool kept = outbox_kind_of(req) == OUTBOX_WRITE;
	crm_wire_request_id(id);
	if (outbox_kind_of(req) != OUTBOX_READ && waiting_here(ctx) > 0) {
		/* Kept before the older ones go: a crm interrupted or
		 * killed while it sends them leaves this one waiting too,
		 * never lost. The flush leaves it to this call. */
		if (kept) {
			if ((rc = record(ctx, req, id, false)) != CRM_OK) {
				return rc;
			}
			recorded = true;
		}
		behind = older_first(ctx, id, recorded);
	}
	if (behind) {
		rc = keep(ctx, req, id, CONN_NOT_SENT);
		outbox_unclaim(id);
		return rc;
	}
	crm_status mrc = recorded ? mark_sending(id, 0, &marked) : CRM_OK;
	if (mrc != CRM_OK) {
		/* Kept, waiting: not sent unmarked. */
		conn_set_error(ctx->conn,
		    "cannot mark the write as being sent in the outbox (%s)",
		    mrc == CRM_UNAVAILABLE ? outbox_lock_holder()
		                           : strerror(errno));
		rc = keep(ctx, req, id, CONN_NOT_SENT);
		outbox_unclaim(id);
		return rc;
	}
	if (!recorded && (rc = record(ctx, req, id, kept)) != CRM_OK) {
		return rc;
	}
	marked = marked || (kept && !recorded);
	conn_pack(ctx->conn, req, id, true, &buf, &len);
	shell_cancel_arm(true); /* Ctrl-C now: settled or kept, never lost */
	rc = settle(ctx, buf, len, id, resp, fate);
	shell_cancel_arm(false);
	free(buf);
	if (*fate == CONN_ANSWERED || rc == CRM_OK) {
		if (kept) {
			/* applied, or refused to the rep's face: once the
			 * rep has seen which */
			answered(ctx, id);
		}
	} else {
		if (kept) {
			unmark_unsent(id, marked, *fate);
		}
		rc = keep(ctx, req, id, *fate);
	}
	let_go(ctx, id); /* kept: it waits, for any crm to send */
	return rc;
}

crm_status
cmd_outbox_request(
    struct cmd_ctx *ctx, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	*resp = NULL;
	/* Every write needs a session (crmd refuses one without: "log in
	 * first"). Logged out, refuse it here too, online or not: kept
	 * offline, it would be kept as by nobody, never sendable. */
	size_t token_len = 0;
	(void)conn_token(ctx->conn, &token_len);
	if (outbox_kind_of(req) != OUTBOX_READ && token_len == 0) {
		conn_set_error(ctx->conn, "log in first; nothing was kept");
		return CRM_EUNAUTH;
	}
	bool handled = false;
	struct twin twin;
	crm_status rc = send_waiting(ctx, req, resp, &handled, &twin);
	if (handled) {
		return rc;
	}
	enum conn_fate fate;
	rc = send_new(ctx, req, resp, &fate);
	if (twin.set) {
		settle_twin(ctx, &twin, rc, fate);
	}
	if (rc == CRM_EINVAL && fate == CONN_ANSWERED &&
	    strstr(conn_error(ctx->conn), "in the future") != NULL) {
		/* crmd judges a time by its clock: this computer's may be
		 * ahead of it. Said in the error (it is printed after). */
		char now[64];
		crm_time_format(crm_time_now(), now, sizeof(now));
		char *was = crm_xstrdup(conn_error(ctx->conn));
		conn_set_error(ctx->conn,
		    "%s (crmd judges a time by its own clock: this "
		    "computer's, at %s now, may be ahead of crmd's)",
		    was, now);
		free(was);
	}
	return rc;
}

/* ------------------------------------------------------------ outbox */

/* Whether e is a write never kept (outbox_kind_of): a dry run an older
 * crm kept. An entry that does not decode is not (its send says so). */
static bool
entry_live(const struct outbox_entry *e)
{
	Crm__V1__Request *req = crm__v1__request__unpack(NULL, e->len, e->req);
	if (req == NULL) {
		return false;
	}
	bool live = outbox_kind_of(req) == OUTBOX_LIVE;
	crm__v1__request__free_unpacked(req, NULL);
	return live;
}

/* The file remembering crmd's retention, so listing needs no server. */
static char *
retention_path(void)
{
	return paths_xdg("XDG_STATE_HOME", ".local/state", "idem-retention");
}

/* How long crmd keeps stored replies: its hello (remembered for
 * `outbox` listing), else the default. */
static int64_t
retention(struct cmd_ctx *ctx)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__HelloRequest body = CRM__V1__HELLO_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	int64_t r = RETENTION_DEFAULT;
	req.body_case = CRM__V1__REQUEST__BODY_HELLO;
	req.hello = &body;
	if (conn_call(ctx->conn, &req, &resp) == CRM_OK &&
	    resp->body_case == CRM__V1__RESPONSE__BODY_HELLO &&
	    resp->hello->has_idem_retention_seconds &&
	    resp->hello->idem_retention_seconds > 0) {
		r = resp->hello->idem_retention_seconds;
		char *p = retention_path();
		char text[32];
		snprintf(text, sizeof(text), "%lld\n", (long long)r);
		if (p != NULL) {
			(void)paths_write_private(p, text);
		}
		free(p);
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	return r;
}

/* The retention last heard from crmd, without asking it (listing and
 * dropping never touch the server). */
static int64_t
retention_local(void)
{
	char *p = retention_path();
	char *text = p ? paths_read(p) : NULL;
	long long r = text ? strtoll(text, NULL, 10) : 0;
	free(text);
	free(p);
	return r > 0 ? (int64_t)r : RETENTION_DEFAULT;
}

static void
warn_old(const struct outbox_entry *e, int64_t keep_s)
{
	int64_t age = crm_time_now() - e->created;
	if (age <= keep_s) {
		return;
	}
	char idt[33], a[32], k[32];
	outbox_id_text(e->id, idt);
	cmd_format_span(age, a, sizeof(a));
	cmd_format_span(keep_s, k, sizeof(k));
	fprintf(stderr,
	    "warning: %.8s is %s old; crmd keeps the replies of writes "
	    "%s, so if it was applied back then, sending it stores it "
	    "again: check first, or `outbox drop %.8s`\n",
	    idt, a, k, idt);
}

/* The entries matching the id prefix (all when NULL), but the write a
 * flush runs for. Ids are hex, shown in lowercase; typed in either case
 * (3F2A is 3f2a). */
static bool
matches(const struct outbox_entry *e, const char *prefix)
{
	char idt[33];
	if (flush_skip != NULL &&
	    memcmp(e->id, flush_skip, CRM_REQUEST_ID_LEN) == 0) {
		return false; /* the flush's own write: its caller's */
	}
	if (prefix == NULL) {
		return true;
	}
	outbox_id_text(e->id, idt);
	return strncasecmp(idt, prefix, strlen(prefix)) == 0;
}

/* Whether damaged line d matches the id prefix (the key `outbox`
 * shows), in either case. */
static bool
damaged_matches(const struct outbox_damaged *d, const char *prefix)
{
	return prefix != NULL &&
	       strncasecmp(d->key, prefix, strlen(prefix)) == 0;
}

/* What damaged line d was, for people: as much of the command as reads
 * (with the request's text fields when the command did not read
 * whole), and its state; caller frees both with free(). */
static void
damaged_text(const struct outbox_damaged *d,
    const struct outbox_damaged_read *r, char **command, char **state)
{
	char *what =
	    r->what && r->what[0] ? crm_utf8_sanitize(r->what, false) : NULL;
	char *req = r->request ? crm_utf8_sanitize(r->request, false) : NULL;
	if (what != NULL && (r->what_whole || req == NULL)) {
		*command =
		    crm_xasprintf("%s%s", what, r->what_whole ? "" : "…");
	} else if (what != NULL) {
		*command = crm_xasprintf("%s… (request: %s)", what, req);
	} else if (req != NULL) {
		*command = crm_xasprintf("(request: %s)", req);
	} else if (r->kind != NULL && strcmp(r->kind, "mark") == 0) {
		*command =
		    crm_xstrdup("(a mark of another line, not a write)");
	} else {
		*command = crm_xstrdup("(unreadable)");
	}
	char key[9];
	snprintf(key, sizeof(key), "%.8s", d->key);
	if (r->kind != NULL && strcmp(r->kind, "mark") == 0) {
		*state = crm_xasprintf("damaged (line %zu): not a write; "
		                       "`outbox drop %s` forgets it",
		    d->line, key);
	} else if (d->settled) {
		*state = crm_xasprintf(
		    "damaged (line %zu): crmd answered it before (settled), "
		    "nothing to send; `outbox drop %s` forgets it",
		    d->line, key);
	} else if (d->sent) {
		*state = crm_xasprintf(
		    "damaged (line %zu): does not check, not sent again; it "
		    "was sent before with no answer, crmd may have it: check, "
		    "retype it if not, then `outbox drop %s`",
		    d->line, key);
	} else {
		*state = crm_xasprintf(
		    "damaged (line %zu): does not check, NOT sent: retype it, "
		    "then `outbox drop %s`",
		    d->line, key);
	}
	free(what);
	free(req);
}

/* The damaged lines of ob, on stderr: how many, and what to do. */
static void
say_damaged(const struct outbox *ob)
{
	if (ob->ndamaged > 0) {
		char *p = outbox_path();
		fprintf(stderr,
		    "warning: %zu line%s of %s do%s not check: crm never "
		    "sends %s; `outbox` lists %s (retype what you still want, "
		    "then `outbox drop ID`)\n",
		    ob->ndamaged, ob->ndamaged == 1 ? "" : "s", p ? p : "?",
		    ob->ndamaged == 1 ? "es" : "",
		    ob->ndamaged == 1 ? "it" : "them",
		    ob->ndamaged == 1 ? "it" : "each");
		free(p);
	}
}

/* The damaged lines of ob that may be writes, each on stderr: not
 * sent, and what to do (inside a flush before a write: how many). */
static void
say_unsent_damaged(const struct outbox *ob)
{
	size_t n = outbox_damaged_writes(ob);
	if (flushing) {
		fprintf(stderr,
		    "crm: %zu damaged line%s of the outbox NOT sent: "
		    "`outbox` lists %s\n",
		    n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
		return;
	}
	for (size_t i = 0; i < ob->ndamaged; i++) {
		const struct outbox_damaged *d = &ob->damaged[i];
		struct outbox_damaged_read r;
		outbox_damaged_read(d, &r);
		if ((r.kind == NULL || strcmp(r.kind, "mark") != 0) &&
		    !d->settled) {
			char *command = NULL, *state = NULL;
			damaged_text(d, &r, &command, &state);
			fprintf(stderr,
			    "crm: %.8s (line %zu) does not check: not sent%s: "
			    "%s; retype it if you still want it, then `outbox "
			    "drop %.8s`\n",
			    d->key, d->line,
			    d->sent ? " again (sent before with no answer: "
			              "crmd may have it)"
			            : "",
			    command, d->key);
			free(command);
			free(state);
		}
		outbox_damaged_read_free(&r);
	}
}

/* ------------------------------------------------------------ list */

static crm_status
outbox_list(struct cmd_ctx *ctx, render_doc *out)
{
	static const char *const cols[] = { "id", "written", "by", "command",
		"server", "state" };
	struct outbox ob;
	if (outbox_load(&ob) != CRM_OK) {
		cmd_error("cannot read the outbox: %s", strerror(errno));
		return CRM_INTERNAL;
	}
	say_damaged(&ob);
	if (ob.n == 0 && ob.ndamaged == 0) {
		render_text(out, "the outbox is empty");
		render_set_json(out, json_array());
		outbox_free(&ob);
		return CRM_OK;
	}
	int64_t keep_s = retention_local();
	json_t *arr = json_array();
	render_table(out, 6, cols);
	const char *here = conn_url(ctx->conn);
	size_t nrefused = 0;
	for (size_t i = 0; i < ob.n; i++) {
		const struct outbox_entry *e = &ob.v[i];
		char idt[33], when[32];
		outbox_id_text(e->id, idt);
		crm_time_format(e->created, when, sizeof(when));
		char *what = crm_utf8_sanitize(e->what, false);
		char shortid[9];
		snprintf(shortid, sizeof(shortid), "%.8s", idt);
		char *noted =
		    strcmp(e->login, "-") != 0 ? NULL : outbox_login_of(e->fp);
		const char *by = noted ? noted : e->login;
		char *server = crm_utf8_sanitize(
		    e->server ? e->server : "(any: older crm)", false);
		char *shown = outbox_for(e, here) || e->server == NULL
		                  ? crm_xstrdup(server)
		                  : crm_xasprintf("%s (another server: not "
		                                  "sent from here)",
		                        server);
		char *why =
		    e->refused ? crm_utf8_sanitize(e->why ? e->why : "", false)
		               : NULL;
		bool flying = !e->refused && outbox_in_flight(e->id);
		char *state =
		    e->refused ? crm_xasprintf("refused: %s (%s)", why,
		                     crm_status_name(e->refused))
		    : flying   ? crm_xstrdup("being sent by another crm")
		    : e->sent
		        ? crm_xstrdup("sent, no answer: crmd may have it "
		                      "(outbox send settles it, once)")
		        : crm_xstrdup("waiting: not sent yet");
		nrefused += e->refused != 0;
		const char *cells[] = { shortid, when, by, what, shown,
			state };
		render_row(out, cells);
		json_t *refusal = e->refused ? json_pack("{s:s, s:s}", "code",
		                                   crm_status_name(e->refused),
		                                   "message", why)
		                             : json_null();
		/* "sent": sent with no answer (crmd may have it); a refused
		 * one was answered: crmd did not apply it. */
		const char *st = e->refused ? "refused"
		                 : flying   ? "in_flight"
		                 : e->sent  ? "no_answer"
		                            : "waiting";
		json_array_append_new(arr,
		    json_pack(
		        "{s:s, s:o, s:s, s:s, s:o, s:b, s:s, s:o, s:b, s:b}",
		        "id", idt, "written", render_json_time(e->created),
		        "by", by, "command", what, "server",
		        e->server ? json_string(server) : json_null(), "here",
		        outbox_for(e, here), "state", st, "refused", refusal,
		        "in_flight", flying, "sent",
		        e->sent != 0 && !e->refused));
		free(state);
		free(why);
		free(server);
		free(shown);
		free(noted);
		free(what);
		if (!e->refused) {
			warn_old(e, keep_s);
		}
	}
	for (size_t i = 0; i < ob.ndamaged; i++) {
		const struct outbox_damaged *d = &ob.damaged[i];
		struct outbox_damaged_read r;
		outbox_damaged_read(d, &r);
		char *command = NULL, *state = NULL;
		damaged_text(d, &r, &command, &state);
		char shortid[9], when[32] = "?";
		snprintf(shortid, sizeof(shortid), "%.8s", d->key);
		if (r.created > 0) {
			crm_time_format(r.created, when, sizeof(when));
		}
		char *by = crm_utf8_sanitize(
		    r.login && r.login[0] ? r.login : "?", false);
		char *server = r.server ? crm_utf8_sanitize(r.server, false)
		                        : crm_xstrdup("?");
		const char *cells[] = { shortid, when, by, command, server,
			state };
		render_row(out, cells);
		bool mark = r.kind != NULL && strcmp(r.kind, "mark") == 0;
		char *reqs =
		    r.request ? crm_utf8_sanitize(r.request, false) : NULL;
		json_array_append_new(arr,
		    json_pack("{s:s, s:o, s:o, s:s, s:o, s:b, s:s, s:o, s:b, "
		              "s:b, s:I, s:o, s:s, s:b}",
		        "id", d->key, "written",
		        r.created > 0 ? render_json_time(r.created)
		                      : json_null(),
		        "by", r.login ? json_string(by) : json_null(),
		        "command", command, "server",
		        r.server ? json_string(server) : json_null(), "here",
		        r.server == NULL || here == NULL ||
		            strcmp(r.server, here) == 0,
		        "state", "damaged", "refused", json_null(),
		        "in_flight", false, "sent", d->sent != 0, "line",
		        (json_int_t)d->line, "request",
		        reqs ? json_string(reqs) : json_null(), "damaged",
		        mark     ? "mark"
		        : r.kind ? "write"
		                 : "unreadable",
		        "settled", d->settled));
		free(reqs);
		free(by);
		free(server);
		free(command);
		free(state);
		outbox_damaged_read_free(&r);
	}
	if (nrefused > 0) {
		fprintf(stderr,
		    "%zu write%s crmd refused stay%s here until you fix, "
		    "resend or drop %s (`outbox fix ID CUSTOMER`, `outbox "
		    "send ID`, `outbox drop ID`)\n",
		    nrefused, nrefused == 1 ? "" : "s",
		    nrefused == 1 ? "s" : "", nrefused == 1 ? "it" : "them");
	}
	render_set_json(out, arr);
	outbox_free(&ob);
	return CRM_OK;
}

/* ------------------------------------------------------------ send */

static crm_status send_all(
    struct cmd_ctx *ctx, const char *prefix, render_doc *out);

crm_status
cmd_outbox_send(struct cmd_ctx *ctx, const char *prefix, render_doc *out)
{
	/* Ended by a signal between two writes (not while one is sent,
	 * which is armed): not in silence. */
	shell_death_note(
	    "\ncrm: interrupted while sending the outbox: "
	    "every write not answered stays in it (`crm "
	    "outbox` lists them; `crm outbox send` sends them)\n");
	crm_status rc = send_all(ctx, prefix, out);
	shell_death_note(NULL);
	return rc;
}

static crm_status
send_all(struct cmd_ctx *ctx, const char *prefix, render_doc *out)
{
	struct outbox ob;
	crm_status rc = CRM_OK;
	Crm__V1__Response *resp = NULL;
	char fp[OUTBOX_FP_LEN + 1], *me = NULL;
	size_t done = 0, refused = 0, left = 0, tried = 0, held = 0;
	size_t busy = 0;    /* being sent by another crm beside this one */
	size_t settled = 0; /* sent by another crm since they were read */
	size_t dropped = 0; /* dry runs an older crm kept (entry_live) */
	char *done_lines = NULL; /* said on stderr too when one failed */

	if (load_here(ctx, &ob) != CRM_OK) {
		cmd_error("cannot read the outbox: %s", strerror(errno));
		return CRM_INTERNAL;
	}
	if (!flushing) {
		say_damaged(&ob);
	}
	/* Damaged lines that may be writes: never sent, said each time
	 * (the rep retypes and drops them), and the send fails while one
	 * is left. */
	size_t broken = prefix == NULL ? outbox_damaged_writes(&ob) : 0;
	if (broken > 0) {
		say_unsent_damaged(&ob);
	}
	bool *busy_at = crm_xmalloc(ob.n + 1);
	memset(busy_at, 0, ob.n + 1);
	const char *here = conn_url(ctx->conn);
	size_t elsewhere = 0, others = 0;
	for (size_t i = 0; i < ob.n; i++) {
		const struct outbox_entry *e = &ob.v[i];
		char idt[33];
		outbox_id_text(e->id, idt);
		if (!matches(e, prefix)) {
			/* not asked for (outbox send ID); the flush's own
			 * write goes right after it, not "not sent" */
			others +=
			    flush_skip == NULL ||
			    memcmp(e->id, flush_skip, CRM_REQUEST_ID_LEN) != 0;
			continue;
		}
		if (outbox_in_flight(e->id)) {
			busy_at[i] = true; /* not this crm's to send */
			if (prefix != NULL) {
				fprintf(stderr,
				    "crm: %.8s is being sent by another crm "
				    "now: left to it\n",
				    idt);
			}
			busy++;
		} else if (!outbox_for(e, here)) {
			char *srv = crm_utf8_sanitize(e->server, false);
			fprintf(stderr,
			    "crm: %.8s was written for %s, not this server: "
			    "not sent (crm --server %s -c 'outbox send')\n",
			    idt, srv, srv);
			free(srv);
			elsewhere++;
		} else if (e->refused && prefix == NULL) {
			/* Refused before: it waits for the rep. */
			char *what = crm_utf8_sanitize(e->what, false);
			char *why =
			    crm_utf8_sanitize(e->why ? e->why : "", false);
			fprintf(stderr,
			    "crm: %.8s was refused: %s (%s); kept, not sent "
			    "again: %s\n",
			    idt, why, crm_status_name(e->refused), what);
			cmd_outbox_refused_hint(
			    e, idt, (crm_status)e->refused);
			free(what);
			free(why);
			held++;
		} else {
			tried++;
		}
	}
	if (tried == 0 && elsewhere > 0) {
		render_text(out,
		    "outbox: nothing for %s; %zu write%s for other servers "
		    "stay%s",
		    here, elsewhere, elsewhere == 1 ? "" : "s",
		    elsewhere == 1 ? "s" : "");
		free(busy_at);
		outbox_free(&ob);
		return held > 0     ? CRM_EPRECOND
		       : broken > 0 ? CRM_DATA_LOSS
		                    : CRM_OK;
	}
	if (tried == 0 && busy > 0 && held == 0 && broken == 0) {
		render_text(out,
		    "outbox: nothing to send; %zu write%s being sent by "
		    "another crm now",
		    busy, busy == 1 ? " is" : "s are");
		free(busy_at);
		outbox_free(&ob);
		return CRM_OK;
	}
	if (tried == 0) {
		const struct outbox_damaged *d = NULL;
		for (size_t i = 0; prefix != NULL && i < ob.ndamaged; i++) {
			d = damaged_matches(&ob.damaged[i], prefix)
			        ? &ob.damaged[i]
			        : d;
		}
		if (d != NULL) {
			cmd_error("%.8s (line %zu of the outbox) does not "
			          "check: crm never sends it; retype it, then "
			          "`outbox drop %.8s` (`outbox` shows what "
			          "reads of it)",
			    d->key, d->line, d->key);
		} else if (prefix != NULL) {
			cmd_error("nothing in the outbox is %s", prefix);
		} else if (held > 0 || broken > 0) {
			fprintf(stderr, "outbox: nothing to send");
			if (held > 0) {
				fprintf(stderr, "; %zu refused write%s kept",
				    held, held == 1 ? "" : "s");
			}
			if (broken > 0) {
				fprintf(stderr,
				    "; %zu damaged line%s NOT sent", broken,
				    broken == 1 ? "" : "s");
			}
			fputc('\n', stderr);
		} else if (ob.ndamaged > 0) {
			render_text(out,
			    "outbox: nothing to send; %zu damaged line%s "
			    "left (`outbox` lists %s)",
			    ob.ndamaged, ob.ndamaged == 1 ? "" : "s",
			    ob.ndamaged == 1 ? "it" : "them");
		} else {
			render_text(
			    out, "the outbox is empty: nothing to send");
			(void)outbox_compact();
		}
		free(busy_at);
		outbox_free(&ob);
		return d != NULL        ? CRM_DATA_LOSS
		       : prefix != NULL ? CRM_NOT_FOUND
		       : held > 0       ? CRM_EPRECOND
		       : broken > 0     ? CRM_DATA_LOSS
		                        : CRM_OK;
	}
	/* Who we are now: a write is resent only as the user who made it
	 * (the server keys stored replies by user and request id). */
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__WhoamiRequest who = CRM__V1__WHOAMI_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &who;
	rc = conn_call(ctx->conn, &req, &resp);
	if (rc != CRM_OK) {
		bool away = conn_fate(ctx->conn) != CONN_ANSWERED;
		fprintf(stderr, "crm: %s; %zu write%s stay%s in the outbox\n",
		    conn_error(ctx->conn), tried, tried == 1 ? "" : "s",
		    tried == 1 ? "s" : "");
		if (rc == CRM_EUNAUTH) {
			cmd_session_hint(ctx);
		}
		ctx->outcome_unknown = away;
		free(busy_at);
		outbox_free(&ob);
		return rc;
	}
	current_fp(ctx, fp);
	if (resp->body_case == CRM__V1__RESPONSE__BODY_USER &&
	    resp->user->login != NULL) {
		me = crm_xstrdup(resp->user->login);
		outbox_note_login(fp, me);
	}
	crm__v1__response__free_unpacked(resp, NULL);
	resp = NULL;
	int64_t keep_s = retention(ctx);
	rc = CRM_OK;
	for (size_t i = 0; i < ob.n; i++) {
		const struct outbox_entry *e = &ob.v[i];
		char idt[33];
		if (!matches(e, prefix) || !outbox_for(e, here) ||
		    (e->refused && prefix == NULL) || busy_at[i]) {
			continue;
		}
		outbox_id_text(e->id, idt);
		if (!outbox_claim(e->id)) {
			busy++; /* another crm took it since */
			tried--;
			continue;
		}
		int now_refused = 0, now_sent = 0;
		if (!outbox_holds(e->id, &now_refused, &now_sent) ||
		    (now_refused != 0 && !e->refused)) {
			/* Another crm settled it, or had it refused, since
			 * the outbox was read: its output says how. */
			outbox_unclaim(e->id);
			settled++;
			tried--;
			continue;
		}
		char *owner;
		if (!entry_mine(e, fp, me, &owner)) {
			fprintf(stderr,
			    "crm: %.8s was written as %s; log in as them to "
			    "send it (or `outbox drop %.8s`)\n",
			    idt,
			    strcmp(owner, "-") ? owner
			                       : "someone in another session",
			    idt);
			free(owner);
			outbox_unclaim(e->id);
			left++;
			continue;
		}
		free(owner);
		if (entry_live(e)) {
			/* Kept by an older crm (an import's check pass):
			 * sent, it would write nothing and say "done". */
			char *what = crm_utf8_sanitize(e->what, false);
			fprintf(stderr,
			    "crm: %.8s is an import's check (a dry run) an "
			    "older crm kept: it writes nothing, so it is "
			    "dropped, not sent; nothing was imported: import "
			    "the file again (%s)\n",
			    idt, what);
			free(what);
			(void)outbox_remove(e->id);
			outbox_unclaim(e->id);
			dropped++;
			tried--;
			continue;
		}
		if (!e->refused) {
			warn_old(e, keep_s);
		}
		void *buf = NULL;
		size_t len = 0;
		uint8_t id[CRM_REQUEST_ID_LEN];
		/* With the moment it was made: crmd dates the write then. */
		if (conn_repack(ctx->conn, e->req, e->len, e->created, &buf,
		        &len, id) != CRM_OK) {
			fprintf(stderr,
			    "crm: %.8s does not decode as a request; kept "
			    "(`outbox drop %.8s` forgets it)\n",
			    idt, idt);
			outbox_unclaim(e->id);
			left++;
			continue;
		}
		/* Marked sent before its bytes may leave (it may then
		 * stand, answered or not); waiting again when none did. */
		bool marked = false;
		crm_status mrc = mark_sending(e->id, now_sent, &marked);
		if (mrc != CRM_OK) {
			fprintf(stderr,
			    "crm: cannot mark %.8s as being sent in the "
			    "outbox (%s): not sent\n",
			    idt,
			    mrc == CRM_UNAVAILABLE ? outbox_lock_holder()
			                           : strerror(errno));
			free(buf);
			outbox_unclaim(e->id);
			left++;
			continue;
		}
		enum conn_fate fate;
		crm_status st = settle(ctx, buf, len, id, &resp, &fate);
		free(buf);
		unmark_unsent(e->id, marked, fate);
		char *what = crm_utf8_sanitize(e->what, false);
		if (fate != CONN_ANSWERED) {
			fprintf(stderr,
			    "crm: %s; %.8s and the rest stay in the outbox\n",
			    conn_error(ctx->conn), idt);
			ctx->outcome_unknown = true;
			free(what);
			outbox_unclaim(e->id);
			left = tried - done - refused;
			break;
		}
		if (st == CRM_OK) {
			render_text(out, "%.8s done: %s", idt, what);
			char *line = crm_xasprintf("%s%.8s done: %s\n",
			    done_lines ? done_lines : "", idt, what);
			free(done_lines);
			done_lines = line;
			/* What the server did not do (an older follow-up:
			 * history only). */
			for (size_t k = 0;
			     resp != NULL &&
			     resp->body_case ==
			         CRM__V1__RESPONSE__BODY_FOLLOWUP &&
			     k < resp->followup->n_notes;
			     k++) {
				char *n = crm_utf8_sanitize(
				    resp->followup->notes[k], false);
				render_text(out, "%.8s note: %s", idt, n);
				char *l2 = crm_xasprintf(
				    "%s%.8s note: %s\n", done_lines, idt, n);
				free(done_lines);
				done_lines = l2;
				free(n);
			}
			answered(ctx, e->id);
			done++;
		} else if (st == CRM_EUNAUTH || st == CRM_UNAVAILABLE) {
			fprintf(stderr, "crm: %.8s not sent: %s (%s)\n", idt,
			    conn_error(ctx->conn), crm_status_name(st));
			left++;
			rc = st;
		} else {
			/* Refused: kept, marked, with crmd's answer, for the
			 * rep to fix, resend or drop; never dropped here. */
			char *why = crm_xstrdup(conn_error(ctx->conn));
			fprintf(stderr,
			    "crm: %.8s refused: %s (%s); kept in the outbox: "
			    "%s\n",
			    idt, why, crm_status_name(st), what);
			char *name = st == CRM_NOT_FOUND
			                 ? cmd_outbox_typed_customer(e)
			                 : NULL;
			if (name != NULL) {
				/* A name typed offline (a phone, a typo):
				 * what it may have meant. */
				cmd_customer_suggest(ctx, name);
			}
			cmd_outbox_refused_hint(e, idt, st);
			if (outbox_refuse(e->id, st, why) != CRM_OK) {
				fprintf(stderr,
				    "crm: cannot mark %.8s refused in the "
				    "outbox: %s\n",
				    idt, strerror(errno));
			}
			free(name);
			free(why);
			refused++;
			rc = st;
		}
		free(what);
		let_go(ctx, e->id);
		if (resp != NULL) {
			crm__v1__response__free_unpacked(resp, NULL);
			resp = NULL;
		}
	}
	if (left > 0 && !ctx->outcome_unknown && rc == CRM_OK) {
		rc = CRM_EPERM; /* written as someone else: not sent */
	}
	if (held > 0 && !ctx->outcome_unknown && rc == CRM_OK) {
		rc = CRM_EPRECOND; /* refused writes wait for the rep */
	}
	if (broken > 0 && !ctx->outcome_unknown && rc == CRM_OK) {
		rc = CRM_DATA_LOSS; /* damaged lines were not sent */
	}
	/* "left" is of the entries sent; the others stay as they were. */
	char rest[256] = "";
	size_t n = 0;
	if (held > 0) {
		n += (size_t)snprintf(rest + n, sizeof(rest) - n,
		    "; %zu refused before, kept", held);
	}
	if (busy > 0 && n < sizeof(rest)) {
		n += (size_t)snprintf(rest + n, sizeof(rest) - n,
		    "; %zu being sent by another crm", busy);
	}
	if (settled > 0 && n < sizeof(rest)) {
		n += (size_t)snprintf(rest + n, sizeof(rest) - n,
		    "; %zu settled by another crm meanwhile (sent or "
		    "dropped)",
		    settled);
	}
	if (dropped > 0 && n < sizeof(rest)) {
		n += (size_t)snprintf(rest + n, sizeof(rest) - n,
		    "; %zu dry run%s dropped (nothing imported)", dropped,
		    dropped == 1 ? "" : "s");
	}
	if (broken > 0 && n < sizeof(rest)) {
		n += (size_t)snprintf(rest + n, sizeof(rest) - n,
		    "; %zu damaged line%s NOT sent", broken,
		    broken == 1 ? "" : "s");
	}
	if (others > 0 && n < sizeof(rest)) {
		snprintf(rest + n, sizeof(rest) - n, "; %zu other%s not sent",
		    others, others == 1 ? "" : "s");
	}
	if (elsewhere > 0) {
		render_text(out,
		    "outbox: %zu done, %zu refused, %zu left, %zu for other "
		    "servers%s",
		    done, refused, left, elsewhere, rest);
	} else {
		render_text(out, "outbox: %zu done, %zu refused, %zu left%s",
		    done, refused, left, rest);
	}
	(void)outbox_compact(); /* settled lines go; empty when all sent */
	if ((rc != CRM_OK || ctx->outcome_unknown) && !flushing) {
		/* A failed command's output is not shown: what went
		 * through, and the count, go to stderr with its errors
		 * (cmd_outbox_flush shows its output whatever the end). */
		fprintf(stderr,
		    "%soutbox: %zu done, %zu refused, %zu left%s%s\n",
		    done_lines ? done_lines : "", done, refused, left, rest,
		    elsewhere > 0 ? ", and some for other servers" : "");
	}
	free(done_lines);
	free(me);
	free(busy_at);
	outbox_free(&ob);
	return ctx->outcome_unknown ? CRM_UNAVAILABLE : rc;
}

const struct outbox_entry *
cmd_outbox_load_find(struct cmd_ctx *ctx, const struct cmd_call *call,
    struct outbox *ob, const char *prefix, crm_status *rc, char idt[33])
{
	memset(ob, 0, sizeof(*ob));
	if (outbox_load(ob) != CRM_OK) {
		cmd_error("cannot read the outbox: %s", strerror(errno));
		*rc = CRM_INTERNAL;
		return NULL;
	}
	const struct outbox_entry *hit =
	    cmd_outbox_find(ctx, call, ob, prefix, rc);
	if (hit != NULL) {
		outbox_id_text(hit->id, idt);
	}
	return hit;
}

const struct outbox_entry *
cmd_outbox_find(struct cmd_ctx *ctx, const struct cmd_call *call,
    const struct outbox *ob, const char *prefix, crm_status *rc)
{
	const struct outbox_entry *hit = NULL;
	size_t n = 0;
	if (strlen(prefix) < 4) {
		*rc = cmd_usage_error(
		    ctx, call, "give at least 4 characters of the id");
		return NULL;
	}
	for (size_t i = 0; i < ob->n; i++) {
		if (matches(&ob->v[i], prefix)) {
			hit = &ob->v[i];
			n++;
		}
	}
	if (n != 1) {
		cmd_error(n == 0 ? "nothing in the outbox is %s"
		                 : "%s names several writes: give more of it",
		    prefix);
		*rc = CRM_NOT_FOUND;
		return NULL;
	}
	*rc = CRM_OK;
	return hit;
}

/* `outbox drop PREFIX` of a damaged line: true when prefix names one
 * (then *rc says how it went), false when it names none. */
static bool
drop_damaged(const struct outbox *ob, const char *prefix, render_doc *out,
    crm_status *rc)
{
	const struct outbox_damaged *d = NULL;
	size_t n = 0;
	for (size_t i = 0; i < ob->ndamaged; i++) {
		if (damaged_matches(&ob->damaged[i], prefix)) {
			d = &ob->damaged[i];
			n++;
		}
	}
	if (d == NULL) {
		return false;
	}
	for (size_t i = 0; i < ob->n; i++) {
		n += matches(&ob->v[i], prefix);
	}
	if (n > 1) {
		cmd_error("%s names several writes: give more of it", prefix);
		*rc = CRM_NOT_FOUND;
		return true;
	}
	struct outbox_damaged_read r;
	outbox_damaged_read(d, &r);
	char *command = NULL, *state = NULL;
	damaged_text(d, &r, &command, &state);
	*rc = outbox_drop_damaged(d->key);
	if (*rc == CRM_OK) {
		render_text(
		    out, "dropped the damaged line %zu: %s", d->line, command);
		if (d->sent) {
			render_text(out,
			    "(it was sent before with no answer: if crmd got "
			    "it, it stands: `customer history` shows it)");
		}
	} else if (*rc == CRM_NOT_FOUND) {
		cmd_error("%s was dropped by another crm meanwhile", prefix);
	} else if (*rc == CRM_UNAVAILABLE) {
		cmd_error("the outbox is locked: %s (waited %d s); nothing "
		          "was dropped",
		    outbox_lock_holder(), OUTBOX_LOCK_WAIT_MS / 1000);
		*rc = CRM_ABORTED;
	} else {
		cmd_error("cannot write the outbox: %s", strerror(errno));
	}
	free(command);
	free(state);
	outbox_damaged_read_free(&r);
	return true;
}

static crm_status
outbox_drop(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *prefix, render_doc *out)
{
	struct outbox ob;
	if (outbox_load(&ob) != CRM_OK) {
		cmd_error("cannot read the outbox: %s", strerror(errno));
		return CRM_INTERNAL;
	}
	crm_status rc;
	if (strlen(prefix) >= 4 && drop_damaged(&ob, prefix, out, &rc)) {
		outbox_free(&ob);
		return rc;
	}
	const struct outbox_entry *hit =
	    cmd_outbox_find(ctx, call, &ob, prefix, &rc);
	if (hit != NULL && !outbox_claim(hit->id)) {
		/* Dropped now, it would be applied all the same, or lost
		 * while that crm says it is kept. */
		char idt[33];
		outbox_id_text(hit->id, idt);
		cmd_error("%.8s is being sent by another crm now: not dropped "
		          "(its answer settles it)",
		    idt);
		outbox_free(&ob);
		return CRM_EPRECOND;
	}
	if (hit != NULL && (rc = outbox_remove(hit->id)) == CRM_OK) {
		char *what = crm_utf8_sanitize(hit->what, false);
		render_text(out, "dropped: %s", what);
		if (!hit->refused) {
			/* Sent before and not answered, crmd may have it. */
			render_text(out,
			    "(if it was sent before and crmd got it, it "
			    "stands: `customer history` shows it)");
		}
		free(what);
	} else if (hit != NULL && rc == CRM_NOT_FOUND) {
		cmd_error("%s was settled by another crm meanwhile", prefix);
	} else if (hit != NULL) {
		cmd_error("cannot write the outbox: %s", strerror(errno));
	}
	if (hit != NULL) {
		outbox_unclaim(hit->id);
	}
	outbox_free(&ob);
	return rc;
}

/*
 * `outbox again PREFIX`: another write like the kept one PREFIX, for a
 * write the shell took for it typed again (the same within 15 minutes)
 * when it was a second one: a new entry, a new request id, made now,
 * sent (after the older writes) or kept as any write is.
 */
static crm_status
outbox_again(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *prefix, render_doc *out)
{
	struct outbox ob;
	Crm__V1__Request *req = NULL;
	Crm__V1__Response *resp = NULL;
	crm_status rc;
	char idt[33];
	const struct outbox_entry *hit =
	    cmd_outbox_load_find(ctx, call, &ob, prefix, &rc, idt);
	if (hit == NULL) {
		goto out;
	}
	if (hit->refused) {
		cmd_error(
		    "%.8s was refused: it stored nothing, so there is no "
		    "first one: type the write again (a new attempt), "
		    "or `outbox send %.8s`",
		    idt, idt);
		rc = CRM_EPRECOND;
		goto out;
	}
	if (!outbox_for(hit, conn_url(ctx->conn))) {
		cmd_error("%.8s was written for %s: run it there (crm "
		          "--server URL)",
		    idt, hit->server);
		rc = CRM_EPRECOND;
		goto out;
	}
	req = crm__v1__request__unpack(NULL, hit->len, hit->req);
	if (req == NULL) {
		cmd_error("%.8s does not decode as a request", idt);
		rc = CRM_INTERNAL;
		goto out;
	}
	/* The moment an older crm kept in a follow-up is the first one's;
	 * the second is dated now, by crmd. */
	Crm__V1__FollowUp *f =
	    req->body_case == CRM__V1__REQUEST__BODY_FOLLOWUP_LOG &&
	            req->followup_log != NULL
	        ? req->followup_log->followup
	        : NULL;
	if (f != NULL && f->has_happened_at &&
	    f->happened_at <= hit->created &&
	    hit->created - f->happened_at <= OUTBOX_SAME_WINDOW_S) {
		f->has_happened_at = 0;
	}
	/* The envelope is made anew (cmd_outbox_request): keep what the
	 * unpacked one owns, to free it. */
	ProtobufCBinaryData old = req->request_id;
	protobuf_c_boolean had = req->has_request_id;
	req->has_request_id = 0;
	req->request_id.data = NULL;
	req->request_id.len = 0;
	req->has_made_at = 0;
	const char *was = ctx->what;
	ctx->what = hit->what;
	again = true;
	rc = cmd_outbox_request(ctx, req, &resp);
	again = false;
	ctx->what = was;
	req->request_id = old;
	req->has_request_id = had;
	char *what = crm_utf8_sanitize(hit->what, false);
	if (rc == CRM_OK) {
		render_text(
		    out, "done: %s (a second one, besides %.8s)", what, idt);
	} else if (!ctx->outcome_unknown) {
		cmd_error(
		    "%s (%s)", conn_error(ctx->conn), crm_status_name(rc));
	}
	free(what);
out:
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	if (req != NULL) {
		crm__v1__request__free_unpacked(req, NULL);
	}
	outbox_free(&ob);
	return rc;
}

crm_status
cmd_outbox(struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	const char *verb = call->argc > 0 ? call->argv[0] : "list";
	if (strcmp(verb, "list") == 0 && call->argc <= 1) {
		return outbox_list(ctx, out);
	}
	if (strcmp(verb, "send") == 0) {
		return cmd_outbox_send(
		    ctx, call->argc > 1 ? call->argv[1] : NULL, out);
	}
	if (strcmp(verb, "drop") == 0 && call->argc == 2) {
		return outbox_drop(ctx, call, call->argv[1], out);
	}
	if (strcmp(verb, "fix") == 0 && call->argc == 3) {
		return cmd_outbox_fix(
		    ctx, call, call->argv[1], call->argv[2], out);
	}
	if (strcmp(verb, "again") == 0 && call->argc == 2) {
		return outbox_again(ctx, call, call->argv[1], out);
	}
	return cmd_usage_error(ctx, call,
	    "outbox wants list, send [ID], drop ID, fix ID CUSTOMER or again "
	    "ID");
}

crm_status
cmd_outbox_retention(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicySetRequest set = CRM__V1__POLICY_SET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	if (call->argc == 1) {
		if (crm_time_parse_duration(call->argv[0],
		        &set.idem_retention_seconds) != CRM_OK ||
		    set.idem_retention_seconds <= 0) {
			return cmd_usage_error(ctx, call,
			    "want a duration like 7d, 2w or 30d, not '%s'",
			    call->argv[0]);
		}
		set.has_idem_retention_seconds = 1;
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
		req.policy_set = &set;
	}
	crm_status rc = cmd_policy_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	char span[32];
	int64_t keep_s = resp->policy->has_idem_retention_seconds
	                     ? resp->policy->idem_retention_seconds
	                     : RETENTION_DEFAULT;
	cmd_format_span(keep_s, span, sizeof(span));
	render_text(out, "replies of writes are kept %s", span);
	json_t *j = json_object();
	json_object_set_new(
	    j, "idem_retention_seconds", json_integer((json_int_t)keep_s));
	render_set_json(out, j);
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

void
cmd_outbox_flush(struct cmd_ctx *ctx)
{
	struct outbox ob;
	if (load_here(ctx, &ob) != CRM_OK || (ob.n == 0 && ob.ndamaged == 0)) {
		outbox_free(&ob);
		return;
	}
	size_t n = 0, refused = 0, broken = outbox_damaged_writes(&ob);
	for (size_t i = 0; i < ob.n; i++) {
		bool here =
		    outbox_for(&ob.v[i], conn_url(ctx->conn)) &&
		    (flush_skip == NULL || memcmp(ob.v[i].id, flush_skip,
		                               CRM_REQUEST_ID_LEN) != 0);
		n += here && !ob.v[i].refused && !outbox_in_flight(ob.v[i].id);
		refused += here && ob.v[i].refused;
	}
	outbox_free(&ob);
	if (n == 0) {
		/* Only other servers' writes, or refused ones: `outbox`
		 * lists them. */
		if (refused > 0) {
			fprintf(stderr,
			    "crm: %zu write%s crmd refused wait%s in the "
			    "outbox: `outbox` lists them\n",
			    refused, refused == 1 ? "" : "s",
			    refused == 1 ? "s" : "");
		}
		if (broken > 0) {
			fprintf(stderr,
			    "crm: %zu damaged line%s of the outbox NOT sent: "
			    "`outbox` lists %s\n",
			    broken, broken == 1 ? "" : "s",
			    broken == 1 ? "it" : "them");
		}
		return;
	}
	fprintf(stderr, "crm: %zu write%s in the outbox; sending\n", n,
	    n == 1 ? "" : "s");
	render_doc *doc = render_doc_new();
	bool unknown = ctx->outcome_unknown;
	/* An outcome unknown before (the write kept then) is not this
	 * send's: with it, the send would say its results twice. */
	ctx->outcome_unknown = false;
	flushing = true;
	(void)cmd_outbox_send(ctx, NULL, doc);
	flushing = false;
	ctx->outcome_unknown = unknown;
	render_print(doc, &ctx->ropts);
	render_doc_free(doc);
	fflush(stdout);
	cmd_outbox_settle(ctx);
}
