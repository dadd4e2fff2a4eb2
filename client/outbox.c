/* SPDX-License-Identifier: MIT */
/*
 * outbox.c: the file of unsettled writes (see outbox.h). A line is
 *   v1 ID CREATED FP LOGIN WHAT REQUEST SUM
 * with ID, LOGIN, WHAT and REQUEST in hex (so any text fits), CREATED in
 * decimal UTC seconds, FP a session fingerprint, and SUM the first 16
 * bytes of blake2b over everything before it, in hex. A line
 *   v2 ID CREATED FP LOGIN WHAT REQUEST SERVER SUM
 * also names the server URL it was written for (SERVER in hex); crm
 * writes v2 and reads both (a v1 entry is sent to whichever server is
 * current, as before). Lines starting
 * with '#' are comments. A line
 *   x1 ID SUM
 * settles the entry ID written above it (the file is appended to: one
 * fsync'd line per write before it is sent, one line when its outcome
 * is known; compacted when SETTLED_MAX settling lines pile up, or
 * SETTLED_BYTES of file: a settled entry stays until then, and every
 * settling reads the whole file, so import batches of tens of KB each
 * made a 3,000-row import read ~1 GB of outbox). A line
 *   r1 ID CODE WHY SUM
 * marks the entry ID refused by crmd (CODE a crm_status in decimal, WHY
 * its message in hex); the last such line of an entry counts, and a
 * compaction writes it again after its entry. A crm older than this
 * reports the line as not checking and keeps it. A line
 *   s1 ID SUM
 * marks the entry ID sent without an answer (crmd may have applied it);
 * it stays with its entry as r1 does. crm before this stop reads it as
 * a line that does not check, and keeps it. A write sent at once is
 * appended with its s1 line in one write (one fdatasync): its bytes
 * can reach crmd only after both are on disk. A line
 *   w1 ID SUM
 * takes that back (the send never left: crmd was not running); the
 * last of an entry's s1 and w1 lines counts. Older crm report it as a
 * line that does not check.
 *
 * A line that does not check (torn by a crash mid-append, changed on
 * disk) is never sent: it is kept as it is, named by a hash of its text
 * (so the name outlives a compaction, which writes it again after the
 * entries, with the marks that name the request id it seems to hold),
 * and read as far as it goes for people (outbox_damaged_read).
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crm_path.h"
#include "paths.h"

#define SUM_LEN       16
#define HEADER_LINE   "# crm outbox: writes whose outcome is not known yet\n"
#define SETTLED_MAX   64 /* settled lines before the file is compacted */
#define SETTLED_BYTES (256 * 1024) /* or file size */

#define BODY(x) CRM__V1__REQUEST__BODY_##x

/* Every write crmd stores a reply for (REQ_WRITE rows without
 * REQ_NO_IDEM in server/dispatch.c); login and logout are not resent. */
static const struct {
	int body;
	enum outbox_kind kind;
} writes[] = {
	{ BODY(PASSWD), OUTBOX_SECRET },
	{ BODY(USER_ADD), OUTBOX_SECRET },
	{ BODY(USER_DISABLE), OUTBOX_WRITE },
	{ BODY(TEAM_ADD), OUTBOX_WRITE },
	{ BODY(CUSTOMER_ADD), OUTBOX_WRITE },
	{ BODY(CUSTOMER_EDIT), OUTBOX_WRITE },
	{ BODY(CUSTOMER_ASSIGN), OUTBOX_WRITE },
	{ BODY(CONTACT_ADD), OUTBOX_WRITE },
	{ BODY(CONTACT_LEFT), OUTBOX_WRITE },
	{ BODY(FOLLOWUP_LOG), OUTBOX_WRITE },
	{ BODY(TASK_ADD), OUTBOX_WRITE },
	{ BODY(TASK_DONE), OUTBOX_WRITE },
	{ BODY(TASK_MOVE), OUTBOX_WRITE },
	{ BODY(TASK_ASSIGN), OUTBOX_WRITE },
	{ BODY(TASK_CANCEL), OUTBOX_WRITE },
	{ BODY(POLICY_SET), OUTBOX_WRITE },
	{ BODY(POLICY_DRY_RUN), OUTBOX_LIVE }, /* what it would do now */
	{ BODY(STAGE_SET), OUTBOX_WRITE },
	{ BODY(GRADE_PROPOSE), OUTBOX_WRITE },
	{ BODY(GRADE_APPROVE), OUTBOX_WRITE },
	{ BODY(GRADE_REJECT), OUTBOX_WRITE },
	{ BODY(SLA_START), OUTBOX_WRITE },
	{ BODY(COMMITMENT_DONE), OUTBOX_WRITE },
	{ BODY(IMPORT_BATCH), OUTBOX_WRITE },
	{ BODY(CUSTOMER_MERGE), OUTBOX_WRITE },
	{ BODY(PURCHASE_ADD), OUTBOX_WRITE },
	{ BODY(POLICY_VALUE_SET), OUTBOX_WRITE },
	{ BODY(FOLLOWUP_ATTACH), OUTBOX_WRITE },
	{ BODY(CONTACT_VERIFY), OUTBOX_WRITE },
	{ BODY(CUSTOMER_CHECK), OUTBOX_WRITE },
	{ BODY(USER_PASSWD), OUTBOX_SECRET },
	{ BODY(ISSUE_RESOLVE), OUTBOX_WRITE },
	{ BODY(ISSUE_ESCALATE), OUTBOX_WRITE },
	{ BODY(CONTACT_EDIT), OUTBOX_WRITE },
	{ BODY(CALENDAR_IMPORT), OUTBOX_WRITE },
	{ BODY(ROUTINE_ADD), OUTBOX_WRITE },
	{ BODY(ROUTINE_STOP), OUTBOX_WRITE },
	{ BODY(CUSTOMER_RELEASE), OUTBOX_WRITE },
	{ BODY(POOL_CLAIM), OUTBOX_LIVE }, /* first come, first served */
	{ BODY(POLICY_POOL), OUTBOX_WRITE },
	/* Batch by batch, each from the last one's answer. */
	{ BODY(CUSTOMER_HANDOVER), OUTBOX_LIVE },
};

enum outbox_kind
outbox_kind(int body_case)
{
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		if (writes[i].body == body_case) {
			return writes[i].kind;
		}
	}
	return OUTBOX_READ;
}

enum outbox_kind
outbox_kind_of(const Crm__V1__Request *req)
{
	if (req->body_case == BODY(IMPORT_BATCH) &&
	    req->import_batch != NULL && req->import_batch->dry_run) {
		return OUTBOX_LIVE;
	}
	return outbox_kind(req->body_case);
}

/* ------------------------------------------------------------ text */

static const char hexd[] = "0123456789abcdef";

static char *
to_hex(const uint8_t *p, size_t n)
{
	char *s = crm_xmalloc(2 * n + 2);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hexd[p[i] >> 4];
		s[2 * i + 1] = hexd[p[i] & 15];
	}
	if (n == 0) {
		s[0] = '-';
		s[1] = '\0';
	} else {
		s[2 * n] = '\0';
	}
	return s;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* Hex text (or "-" for nothing) into a new buffer. Returns -1 when it
 * is not hex. */
static int
from_hex(const char *s, uint8_t **out, size_t *n)
{
	size_t l = strlen(s);
	*out = NULL;
	*n = 0;
	if (strcmp(s, "-") == 0) {
		*out = crm_xcalloc(1, 1);
		return 0;
	}
	if (l % 2 != 0) {
		return -1;
	}
	uint8_t *b = crm_xmalloc(l / 2 + 1);
	for (size_t i = 0; i < l / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	b[l / 2] = 0;
	*out = b;
	*n = l / 2;
	return 0;
}

void
outbox_id_text(const uint8_t id[CRM_REQUEST_ID_LEN], char out[33])
{
	/* The random half first: the time half (crm_wire_request_id) is
	 * the same in its first bytes for writes an hour apart, and people
	 * name an entry by its first 8 characters. */
	char *h = to_hex(id, CRM_REQUEST_ID_LEN);
	memcpy(out, h + 16, 16);
	memcpy(out + 16, h, 16);
	out[32] = '\0';
	free(h);
}

/* The first hlen bytes of blake2b over p, in hex into out (2 * hlen + 1
 * characters). */
static void
hash_hex(const void *p, size_t n, size_t hlen, char *out)
{
	uint8_t h[crypto_generichash_BYTES_MAX];
	crypto_generichash(h, hlen, (const uint8_t *)p, n, NULL, 0);
	char *s = to_hex(h, hlen);
	memcpy(out, s, 2 * hlen + 1);
	free(s);
}

void
outbox_fingerprint(
    const uint8_t *token, size_t len, char out[OUTBOX_FP_LEN + 1])
{
	if (token == NULL || len == 0) {
		strcpy(out, "-");
		return;
	}
	hash_hex(token, len, OUTBOX_FP_LEN / 2, out);
}

static void
sum_hex(const char *text, size_t n, char out[2 * SUM_LEN + 1])
{
	hash_hex(text, n, SUM_LEN, out);
}

/* The line of e, with its newline. Caller frees with free(). */
static char *
format_line(const struct outbox_entry *e)
{
	char *id = to_hex(e->id, CRM_REQUEST_ID_LEN);
	char *login = to_hex((const uint8_t *)e->login, strlen(e->login));
	char *what = to_hex((const uint8_t *)e->what, strlen(e->what));
	char *req = to_hex(e->req, e->len);
	char *server =
	    e->server ? to_hex((const uint8_t *)e->server, strlen(e->server))
	              : NULL;
	char *body = crm_xasprintf("%s %s %lld %s %s %s %s%s%s",
	    server ? "v2" : "v1", id, (long long)e->created, e->fp, login,
	    what, req, server ? " " : "", server ? server : "");
	free(server);
	char sum[2 * SUM_LEN + 1];
	sum_hex(body, strlen(body), sum);
	char *line = crm_xasprintf("%s %s\n", body, sum);
	free(id);
	free(login);
	free(what);
	free(req);
	free(body);
	return line;
}

static void
entry_free(struct outbox_entry *e)
{
	free(e->login);
	free(e->what);
	free(e->req);
	free(e->server);
	free(e->why);
	memset(e, 0, sizeof(*e));
}

/* The line marking id refused with code and why, with its newline.
 * Caller frees with free(). */
static char *
refused_line(const uint8_t id[CRM_REQUEST_ID_LEN], int code, const char *why)
{
	char *h = to_hex(id, CRM_REQUEST_ID_LEN);
	char *w = to_hex((const uint8_t *)why, strlen(why));
	char *body = crm_xasprintf("r1 %s %d %s", h, code, w);
	char sum[2 * SUM_LEN + 1];
	sum_hex(body, strlen(body), sum);
	char *line = crm_xasprintf("%s %s\n", body, sum);
	free(h);
	free(w);
	free(body);
	return line;
}

/* Line's fields before its SUM, into f[0..max) (pointing into *copy,
 * which the caller frees): their count, or -1 when the sum does not
 * check. */
static int
checked_fields(const char *line, char **f, int max, char **copy)
{
	*copy = NULL;
	const char *sp = strrchr(line, ' ');
	if (sp == NULL || strlen(sp + 1) != 2 * SUM_LEN) {
		return -1;
	}
	char sum[2 * SUM_LEN + 1];
	sum_hex(line, (size_t)(sp - line), sum);
	if (strcmp(sum, sp + 1) != 0) {
		return -1;
	}
	*copy = crm_xstrndup(line, (size_t)(sp - line));
	int nf = 0;
	for (char *save = NULL, *w = strtok_r(*copy, " ", &save);
	     w != NULL && nf < max; w = strtok_r(NULL, " ", &save)) {
		f[nf++] = w;
	}
	return nf;
}

/* A refusal line (no newline) into id, *code and *why (caller frees).
 * Returns -1 when it is not one. */
static int
parse_refused(
    const char *line, uint8_t id[CRM_REQUEST_ID_LEN], int *code, char **why)
{
	if (strncmp(line, "r1 ", 3) != 0) {
		return -1;
	}
	char *copy, *f[5];
	int nf = checked_fields(line, f, 5, &copy);
	uint8_t *b = NULL, *text = NULL;
	size_t n = 0, tn = 0;
	int rc = -1;
	if (nf == 4 && from_hex(f[1], &b, &n) == 0 &&
	    n == CRM_REQUEST_ID_LEN && from_hex(f[3], &text, &tn) == 0 &&
	    memchr(text, '\0', tn) == NULL) {
		memcpy(id, b, CRM_REQUEST_ID_LEN);
		*code = atoi(f[2]);
		*why = (char *)text;
		text = NULL;
		rc = 0;
	}
	free(b);
	free(text);
	free(copy);
	return rc;
}

bool
outbox_for(const struct outbox_entry *e, const char *url)
{
	return e->server == NULL || url == NULL || strcmp(e->server, url) == 0;
}

/* One line (no newline) into e. Returns -1 when it does not check. */
static int
parse_line(const char *line, struct outbox_entry *e)
{
	memset(e, 0, sizeof(*e));
	char *copy, *f[9];
	int nf = checked_fields(line, f, 9, &copy);
	if (nf < 0) {
		return -1;
	}
	uint8_t *id = NULL, *login = NULL, *what = NULL, *server = NULL;
	size_t idn = 0, ln = 0, wn = 0, sn = 0;
	int rc = -1;
	bool v2 = nf == 8 && strcmp(f[0], "v2") == 0;
	if (v2 && (from_hex(f[7], &server, &sn) < 0 || sn == 0 ||
	              memchr(server, '\0', sn) != NULL)) {
		goto out;
	}
	if ((nf != 7 || strcmp(f[0], "v1") != 0) && !v2) {
		goto out;
	}
	if (strlen(f[3]) > OUTBOX_FP_LEN || from_hex(f[1], &id, &idn) < 0 ||
	    idn != CRM_REQUEST_ID_LEN || from_hex(f[4], &login, &ln) < 0 ||
	    from_hex(f[5], &what, &wn) < 0 ||
	    from_hex(f[6], &e->req, &e->len) < 0) {
		goto out;
	}
	memcpy(e->id, id, CRM_REQUEST_ID_LEN);
	e->created = strtoll(f[2], NULL, 10);
	strcpy(e->fp, f[3]);
	e->login = (char *)login;
	e->what = (char *)what;
	e->server = (char *)server;
	login = what = server = NULL;
	rc = 0;
out:
	free(id);
	free(login);
	free(what);
	free(server);
	free(copy);
	if (rc < 0) {
		entry_free(e);
	}
	return rc;
}

/* The line settling id, with its newline. Caller frees with free(). */
static char *
settled_line(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	char *h = to_hex(id, CRM_REQUEST_ID_LEN);
	char *body = crm_xasprintf("x1 %s", h);
	char sum[2 * SUM_LEN + 1];
	sum_hex(body, strlen(body), sum);
	char *line = crm_xasprintf("%s %s\n", body, sum);
	free(h);
	free(body);
	return line;
}

/* The line "TAG ID SUM" (TAG 's': "s1", marked sent without an answer;
 * 'w': "w1", waiting again), with its newline. Caller frees with
 * free(). */
static char *
mark_line(char tag, const uint8_t id[CRM_REQUEST_ID_LEN])
{
	char *line = settled_line(id);
	line[0] = tag; /* the same shape as "x1 ID SUM" */
	char *sp = strrchr(line, ' ');
	char sum[2 * SUM_LEN + 1];
	sum_hex(line, (size_t)(sp - line), sum);
	memcpy(sp + 1, sum, 2 * SUM_LEN);
	return line;
}

static char *
sent_line(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	return mark_line('s', id);
}

/* A line "TAG ID SUM" (no newline; TAG "x1" settles, "s1" marks sent,
 * "w1" waiting) into id. Returns -1 when it is not one. */
static int
parse_id_line(
    const char *line, const char *tag, uint8_t id[CRM_REQUEST_ID_LEN])
{
	char want[3 + 2 * CRM_REQUEST_ID_LEN + 1];
	if (strncmp(line, tag, 2) != 0 || line[2] != ' ' ||
	    strlen(line) != 3 + 2 * CRM_REQUEST_ID_LEN + 1 + 2 * SUM_LEN) {
		return -1;
	}
	snprintf(want, sizeof(want), "%.*s", 3 + 2 * CRM_REQUEST_ID_LEN, line);
	char sum[2 * SUM_LEN + 1];
	sum_hex(want, strlen(want), sum);
	if (strcmp(sum, line + strlen(want) + 1) != 0) {
		return -1;
	}
	uint8_t *b = NULL;
	size_t n = 0;
	if (from_hex(want + 3, &b, &n) < 0 || n != CRM_REQUEST_ID_LEN) {
		free(b);
		return -1;
	}
	memcpy(id, b, CRM_REQUEST_ID_LEN);
	free(b);
	return 0;
}

/* ------------------------------------------------------------ file */

char *
outbox_path(void)
{
	return paths_xdg("XDG_STATE_HOME", ".local/state", "outbox");
}

void
outbox_free(struct outbox *ob)
{
	for (size_t i = 0; i < ob->n; i++) {
		entry_free(&ob->v[i]);
	}
	for (size_t i = 0; i < ob->ndamaged; i++) {
		free(ob->damaged[i].text);
	}
	free(ob->v);
	free(ob->damaged);
	memset(ob, 0, sizeof(*ob));
}

void
outbox_forget(struct outbox *ob, const uint8_t *ids, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < ob->n; i++) {
		bool drop = false;
		for (size_t k = 0; k < n && !drop; k++) {
			drop =
			    memcmp(ob->v[i].id, ids + k * CRM_REQUEST_ID_LEN,
			        CRM_REQUEST_ID_LEN) == 0;
		}
		if (drop) {
			entry_free(&ob->v[i]);
		} else {
			ob->v[kept++] = ob->v[i];
		}
	}
	ob->n = kept;
}

/* The entry of ob with request id id, or NULL. */
static struct outbox_entry *
entry_of(struct outbox *ob, const uint8_t id[CRM_REQUEST_ID_LEN])
{
	for (size_t i = 0; i < ob->n; i++) {
		if (memcmp(ob->v[i].id, id, CRM_REQUEST_ID_LEN) == 0) {
			return &ob->v[i];
		}
	}
	return NULL;
}

/* The damaged line of ob seeming to hold request id id (the last one),
 * or NULL. */
static struct outbox_damaged *
damaged_of(struct outbox *ob, const uint8_t id[CRM_REQUEST_ID_LEN])
{
	for (size_t i = ob->ndamaged; i-- > 0;) {
		if (ob->damaged[i].has_id &&
		    memcmp(ob->damaged[i].id, id, CRM_REQUEST_ID_LEN) == 0) {
			return &ob->damaged[i];
		}
	}
	return NULL;
}

/* Keep line (no newline), line number lno, as damaged in ob: its key a
 * hash of its text (and of how many identical lines came before, so two
 * copies of one line have two names), its request id when the field
 * where an entry has it reads as one. */
static void
add_damaged(struct outbox *ob, size_t *cap, const char *line, size_t lno)
{
	if (ob->ndamaged == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		ob->damaged =
		    crm_xrealloc(ob->damaged, *cap * sizeof(*ob->damaged));
	}
	struct outbox_damaged *d = &ob->damaged[ob->ndamaged];
	memset(d, 0, sizeof(*d));
	d->text = crm_xstrdup(line);
	d->line = lno;
	size_t same = 0;
	for (size_t i = 0; i < ob->ndamaged; i++) {
		same += strcmp(ob->damaged[i].text, line) == 0;
	}
	char *keyed = same ? crm_xasprintf("%s#%zu", line, same) : NULL;
	const char *k = keyed ? keyed : line;
	uint8_t h[CRM_REQUEST_ID_LEN];
	crypto_generichash(
	    h, sizeof(h), (const uint8_t *)k, strlen(k), NULL, 0);
	free(keyed);
	outbox_id_text(h, d->key);
	/* "v1 ID ..." / "v2 ID ...": the id, when its field is whole. */
	const char *sp = strchr(line, ' ');
	if ((strncmp(line, "v1 ", 3) == 0 || strncmp(line, "v2 ", 3) == 0) &&
	    sp != NULL && strlen(sp + 1) > 2 * CRM_REQUEST_ID_LEN &&
	    sp[1 + 2 * CRM_REQUEST_ID_LEN] == ' ') {
		char hid[2 * CRM_REQUEST_ID_LEN + 1];
		memcpy(hid, sp + 1, 2 * CRM_REQUEST_ID_LEN);
		hid[2 * CRM_REQUEST_ID_LEN] = '\0';
		uint8_t *b = NULL;
		size_t n = 0;
		if (from_hex(hid, &b, &n) == 0 && n == CRM_REQUEST_ID_LEN) {
			memcpy(d->id, b, CRM_REQUEST_ID_LEN);
			d->has_id = true;
		}
		free(b);
	}
	/* "s1 ID SUM" / "w1 ..." / "x1 ...": a mark of another line. */
	if ((line[0] == 's' || line[0] == 'w' || line[0] == 'x') &&
	    line[1] == '1' && line[2] == ' ') {
		d->mark = line[0];
		uint8_t *b = NULL;
		size_t n = 0;
		char hid[2 * CRM_REQUEST_ID_LEN + 1];
		snprintf(hid, sizeof(hid), "%s", line + 3);
		if (strlen(hid) == 2 * CRM_REQUEST_ID_LEN &&
		    from_hex(hid, &b, &n) == 0 && n == CRM_REQUEST_ID_LEN) {
			memcpy(d->mark_id, b, CRM_REQUEST_ID_LEN);
			d->mark_has_id = true;
		}
		free(b);
	}
	ob->ndamaged++;
}

/* After a load: a damaged mark line whose entry reads is folded into it
 * on the safe side (a sent mark, or a waiting one that may have been
 * written over a sent one: "sent, no answer", never "not sent yet"; a
 * settling one: the entry stays, its resend gets crmd's stored reply)
 * and dropped from the damaged lines; the next compaction leaves it
 * out. A mark naming no entry left names nothing to keep. */
static void
fold_damaged_marks(struct outbox *ob)
{
	size_t k = 0;
	for (size_t i = 0; i < ob->ndamaged; i++) {
		struct outbox_damaged *d = &ob->damaged[i];
		if (d->mark != 0 && d->mark_has_id) {
			struct outbox_entry *e = entry_of(ob, d->mark_id);
			if (e != NULL && e->refused == 0 && d->mark != 'x') {
				e->sent = 1;
			}
			if (e != NULL || damaged_of(ob, d->mark_id) == NULL) {
				free(d->text);
				ob->nsettled++; /* compaction drops it */
				continue;
			}
		}
		ob->damaged[k++] = *d;
	}
	ob->ndamaged = k;
}

static crm_status
load_path(const char *path, struct outbox *ob)
{
	memset(ob, 0, sizeof(*ob));
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		return errno == ENOENT ? CRM_OK : CRM_INTERNAL;
	}
	char *line = NULL;
	size_t cap = 0, vcap = 0, dcap = 0, lno = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
			line[--n] = '\0';
		}
		if (n == 0 || line[0] == '#') {
			continue;
		}
		uint8_t sid[CRM_REQUEST_ID_LEN];
		int code = 0;
		char *why = NULL;
		/* A mark names the entry written above it; an entry line
		 * that does not check may be the one it names. */
		if (parse_refused(line, sid, &code, &why) == 0) {
			struct outbox_entry *e = entry_of(ob, sid);
			struct outbox_damaged *d =
			    e != NULL ? NULL : damaged_of(ob, sid);
			if (e != NULL) {
				free(e->why);
				e->refused = code;
				e->why = why;
				why = NULL;
			} else if (d != NULL) {
				d->refused = code;
			}
			free(why);
			ob->nsettled++; /* a line compaction folds */
			continue;
		}
		int mark = parse_id_line(line, "s1", sid) == 0   ? 's'
		           : parse_id_line(line, "w1", sid) == 0 ? 'w'
		           : parse_id_line(line, "x1", sid) == 0 ? 'x'
		                                                 : 0;
		if (mark == 's' || mark == 'w') {
			struct outbox_entry *e = entry_of(ob, sid);
			struct outbox_damaged *d =
			    e != NULL ? NULL : damaged_of(ob, sid);
			if (e != NULL) {
				e->sent = mark == 's';
			} else if (d != NULL) {
				d->sent = mark == 's';
			}
			ob->nsettled++; /* a line compaction folds */
			continue;
		}
		if (mark == 'x') {
			struct outbox_entry *e = entry_of(ob, sid);
			if (e != NULL) {
				size_t i = (size_t)(e - ob->v);
				entry_free(e);
				memmove(&ob->v[i], &ob->v[i + 1],
				    (ob->n - i - 1) * sizeof(*ob->v));
				ob->n--;
			}
			/* A damaged line it names stays, said settled:
			 * what it holds is the rep's to judge. */
			struct outbox_damaged *d =
			    e != NULL ? NULL : damaged_of(ob, sid);
			if (d != NULL) {
				d->settled = true;
			}
			ob->nsettled++;
			continue;
		}
		struct outbox_entry e;
		if (parse_line(line, &e) < 0) {
			add_damaged(ob, &dcap, line, lno);
			continue;
		}
		if (ob->n == vcap) {
			vcap = vcap ? 2 * vcap : 8;
			ob->v = crm_xrealloc(ob->v, vcap * sizeof(*ob->v));
		}
		ob->v[ob->n++] = e;
	}
	free(line);
	fclose(f);
	fold_damaged_marks(ob);
	return CRM_OK;
}

crm_status
outbox_load(struct outbox *ob)
{
	char *path = outbox_path();
	if (path == NULL) {
		memset(ob, 0, sizeof(*ob));
		return CRM_OK;
	}
	crm_status rc = load_path(path, ob);
	free(path);
	return rc;
}

/* Replace path by ob: temporary file, fsync, rename, fsync the folder. */
static crm_status
save_path(const char *path, const struct outbox *ob)
{
	paths_tmp_sweep(path); /* a killed crm's (under the lock: no live
	                          crm's is touched) */
	char *tmp = crm_xasprintf("%s.%ld.tmp", path, (long)getpid());
	crm_status rc = CRM_INTERNAL;
	FILE *f = NULL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		goto out;
	}
	fd = -1;
	fputs(HEADER_LINE, f);
	for (size_t i = 0; i < ob->n; i++) {
		char *l = format_line(&ob->v[i]);
		fputs(l, f);
		free(l);
		if (ob->v[i].refused != 0) {
			l = refused_line(ob->v[i].id, ob->v[i].refused,
			    ob->v[i].why ? ob->v[i].why : "");
			fputs(l, f);
			free(l);
		}
		if (ob->v[i].sent) {
			l = sent_line(ob->v[i].id);
			fputs(l, f);
			free(l);
		}
	}
	for (size_t i = 0; i < ob->ndamaged; i++) {
		const struct outbox_damaged *d = &ob->damaged[i];
		fprintf(f, "%s\n", d->text);
		if (d->has_id && d->refused != 0) {
			char *l = refused_line(d->id, d->refused, "");
			fputs(l, f);
			free(l);
		}
		if (d->has_id && d->sent) {
			char *l = sent_line(d->id);
			fputs(l, f);
			free(l);
		}
		if (d->has_id && d->settled) {
			char *l = settled_line(d->id);
			fputs(l, f);
			free(l);
		}
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		goto out;
	}
	int e = fclose(f);
	f = NULL;
	if (e != 0 || rename(tmp, path) < 0) {
		goto out;
	}
	char *dcopy = crm_xstrdup(path);
	int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dcopy);
	rc = CRM_OK;
out:
	if (f != NULL) {
		fclose(f);
	}
	if (fd >= 0) {
		close(fd);
	}
	if (rc != CRM_OK) {
		int keep = errno;
		unlink(tmp);
		errno = keep;
	}
	free(tmp);
	return rc;
}

static char holder[512];

const char *
outbox_lock_holder(void)
{
	return holder;
}

/* Who holds the flock of the file at fd, from /proc/locks: "process N
 * (comm)", or "another process". */
static void
find_holder(int fd, const char *lp)
{
	struct stat st;
	char who[128] = "another process";
	FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/locks", "re") : NULL;
	char line[256];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		long pid = 0;
		unsigned maj = 0, mnr = 0;
		unsigned long long ino = 0;
		char kind[16];
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%llu", kind,
		        &pid, &maj, &mnr, &ino) == 5 &&
		    strcmp(kind, "FLOCK") == 0 && ino == st.st_ino &&
		    pid != (long)getpid()) {
			char cp[64], comm[64] = "?";
			snprintf(cp, sizeof(cp), "/proc/%ld/comm", pid);
			FILE *c = fopen(cp, "re");
			if (c != NULL) {
				if (fgets(comm, sizeof(comm), c) != NULL) {
					comm[strcspn(comm, "\n")] = '\0';
				}
				fclose(c);
			}
			snprintf(
			    who, sizeof(who), "process %ld (%s)", pid, comm);
			break;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	snprintf(holder, sizeof(holder), "%s holds %s", who, lp);
}

/* Lock the outbox against other crm processes, waiting at most
 * OUTBOX_LOCK_WAIT_MS; returns the fd to close, -1 (errno), or -2 when
 * another process holds it (outbox_lock_holder() says who). */
static int
lock_outbox(const char *path)
{
	if (crm_path_mkdir_parent(path) != CRM_OK) {
		return -1;
	}
	char *lp = crm_xasprintf("%s.lock", path);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(lp);
		return -1;
	}
	for (int waited = 0;; waited += 20) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			break;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			free(lp);
			return -1;
		}
		if (waited >= OUTBOX_LOCK_WAIT_MS) {
			find_holder(fd, lp);
			close(fd);
			free(lp);
			errno = EWOULDBLOCK;
			return -2;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	free(lp);
	return fd;
}

/* Append text to path (created 0600 with the header line), fsync'd when
 * sync. A torn last line (a crash mid-write) is ended first so text
 * starts a line of its own. */
static crm_status
append_path(const char *path, const char *text, bool sync)
{
	bool created = false;
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		created = fd >= 0;
	}
	if (fd < 0) {
		return CRM_INTERNAL;
	}
	struct stat st;
	crm_status rc = CRM_INTERNAL;
	char *buf = NULL;
	if (fstat(fd, &st) < 0) {
		goto out;
	}
	char last = '\n';
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1) {
		goto out;
	}
	buf = crm_xasprintf("%s%s%s", st.st_size == 0 ? HEADER_LINE : "",
	    last == '\n' ? "" : "\n", text);
	size_t len = strlen(buf), off = 0;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			goto out;
		}
		off += (size_t)n;
	}
	if (sync && fdatasync(fd) < 0) {
		goto out;
	}
	if (sync && created) { /* a new file: its name too */
		char *dcopy = crm_xstrdup(path);
		int dfd =
		    open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dcopy);
	}
	rc = CRM_OK;
out:
	free(buf);
	if (close(fd) < 0) {
		rc = CRM_INTERNAL;
	}
	return rc;
}

/* Append e's line to path, fsync'd (the lock held). */
static crm_status
append_entry(const char *path, const struct outbox_entry *e)
{
	struct outbox_entry c = *e;
	c.login = (char *)(e->login ? e->login : "-");
	c.what = (char *)(e->what ? e->what : "");
	char *line = format_line(&c);
	if (e->sent) {
		/* One append, one fsync: the mark is on disk before the
		 * write can be sent. */
		char *mark = sent_line(e->id);
		char *both = crm_xasprintf("%s%s", line, mark);
		free(mark);
		free(line);
		line = both;
	}
	crm_status rc = append_path(path, line, true);
	int keep = errno;
	free(line);
	errno = keep;
	return rc;
}

crm_status
outbox_add(const struct outbox_entry *e)
{
	char *path = outbox_path();
	crm_status rc = CRM_INTERNAL;
	if (path == NULL) {
		errno = ENOENT;
		return CRM_INTERNAL;
	}
	int lk = lock_outbox(path);
	if (lk == -2) {
		free(path);
		return CRM_UNAVAILABLE;
	}
	if (lk >= 0) {
		rc = append_entry(path, e);
		int keep = errno;
		close(lk);
		errno = keep;
	}
	free(path);
	return rc;
}

/* Forget e, an entry of ob loaded from path, with the lock held. */
static crm_status
remove_locked(const char *path, struct outbox *ob, struct outbox_entry *e)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	memcpy(id, e->id, sizeof(id));
	size_t i = (size_t)(e - ob->v);
	entry_free(e);
	memmove(&ob->v[i], &ob->v[i + 1], (ob->n - i - 1) * sizeof(*ob->v));
	ob->n--;
	/* No fsync needed: a settling line lost in a crash only means the
	 * write is resent, and crmd answers a resent id with its stored
	 * reply. */
	struct stat st;
	bool small = stat(path, &st) == 0 && st.st_size < SETTLED_BYTES;
	if (ob->nsettled < SETTLED_MAX && small) {
		char *l = settled_line(id);
		crm_status rc = append_path(path, l, false);
		free(l);
		return rc;
	}
	if (ob->n == 0 && ob->ndamaged == 0) {
		return truncate(path, 0) == 0 ? CRM_OK : CRM_INTERNAL;
	}
	return save_path(path, ob);
}

crm_status
outbox_remove(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	char *path = outbox_path();
	struct outbox ob;
	crm_status rc = CRM_INTERNAL;
	int lk = -1;
	if (path == NULL) {
		return CRM_NOT_FOUND;
	}
	lk = lock_outbox(path);
	if (lk < 0 || load_path(path, &ob) != CRM_OK) {
		goto out;
	}
	struct outbox_entry *e = entry_of(&ob, id);
	rc = e != NULL ? remove_locked(path, &ob, e) : CRM_NOT_FOUND;
	outbox_free(&ob);
out:
	if (lk >= 0) {
		close(lk);
	}
	free(path);
	return rc;
}

/* The outbox loaded into ob under its lock, for a change: CRM_OK (*path
 * and *lk to give back to locked_done), CRM_NOT_FOUND (no outbox path),
 * CRM_UNAVAILABLE (another crm holds the lock), CRM_INTERNAL. */
static crm_status
locked_load(char **path, struct outbox *ob, int *lk)
{
	*lk = -1;
	*path = outbox_path();
	if (*path == NULL) {
		return CRM_NOT_FOUND;
	}
	*lk = lock_outbox(*path);
	if (*lk == -2) {
		return CRM_UNAVAILABLE;
	}
	return *lk >= 0 && load_path(*path, ob) == CRM_OK ? CRM_OK
	                                                  : CRM_INTERNAL;
}

/* After locked_load: let go of the lock (errno kept) and path; rc. */
static crm_status
locked_done(char *path, int lk, crm_status rc)
{
	if (lk >= 0) {
		int keep = errno;
		close(lk);
		errno = keep;
	}
	free(path);
	return rc;
}

crm_status
outbox_replace(
    const uint8_t old_id[CRM_REQUEST_ID_LEN], const struct outbox_entry *e)
{
	char *path;
	struct outbox ob;
	int lk;
	crm_status rc = locked_load(&path, &ob, &lk);
	if (rc != CRM_OK) {
		return locked_done(path, lk, rc);
	}
	/* Under the lock: the entry is still there and still refused, so
	 * no other crm replaced, resent or dropped it meanwhile. */
	struct outbox_entry *old = entry_of(&ob, old_id);
	if (old == NULL || !old->refused) {
		rc = CRM_NOT_FOUND;
	} else {
		rc = append_entry(path, e);
		if (rc == CRM_OK) {
			/* The new entry is kept (fsync'd) first: a crash
			 * between the two lines leaves both, the old one
			 * refused. */
			(void)remove_locked(path, &ob, old);
		}
	}
	outbox_free(&ob);
	return locked_done(path, lk, rc);
}

/* Append the mark line (malloc'd: freed here) under the outbox's lock. */
static crm_status
append_mark(char *line, bool sync)
{
	char *path = outbox_path();
	crm_status rc = CRM_INTERNAL;
	int lk = path != NULL ? lock_outbox(path) : -1;
	if (lk >= 0) {
		rc = append_path(path, line, sync);
		close(lk);
	} else if (lk == -2) {
		rc = CRM_UNAVAILABLE;
	}
	free(line);
	free(path);
	return rc;
}

crm_status
outbox_refuse(
    const uint8_t id[CRM_REQUEST_ID_LEN], crm_status code, const char *why)
{
	/* Not fsync'd: a mark lost in a crash only means the write is
	 * resent, refused again and marked again. */
	return append_mark(refused_line(id, (int)code, why ? why : ""), false);
}

crm_status
outbox_mark_sent(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	/* fsync'd: a mark lost would show a write that may stand as one
	 * never sent. */
	return append_mark(sent_line(id), true);
}

crm_status
outbox_mark_unsent(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	/* Not fsync'd: lost, the entry says it may have been sent, which
	 * only promises less. */
	return append_mark(mark_line('w', id), false);
}

crm_status
outbox_drop_damaged(const char key[33])
{
	char *path;
	struct outbox ob;
	int lk;
	crm_status rc = locked_load(&path, &ob, &lk);
	if (rc != CRM_OK) {
		return locked_done(path, lk, rc);
	}
	rc = CRM_NOT_FOUND;
	for (size_t i = 0; i < ob.ndamaged; i++) {
		if (strcmp(ob.damaged[i].key, key) == 0) {
			free(ob.damaged[i].text);
			memmove(&ob.damaged[i], &ob.damaged[i + 1],
			    (ob.ndamaged - i - 1) * sizeof(*ob.damaged));
			ob.ndamaged--;
			rc = ob.n == 0 && ob.ndamaged == 0
			         ? (truncate(path, 0) == 0 ? CRM_OK
			                                   : CRM_INTERNAL)
			         : save_path(path, &ob);
			break;
		}
	}
	outbox_free(&ob);
	return locked_done(path, lk, rc);
}

crm_status
outbox_compact(void)
{
	char *path = outbox_path();
	struct outbox ob;
	crm_status rc = CRM_OK;
	if (path == NULL) {
		return CRM_OK;
	}
	int lk = lock_outbox(path);
	if (lk < 0) {
		free(path);
		return CRM_UNAVAILABLE;
	}
	if (load_path(path, &ob) != CRM_OK) {
		rc = CRM_INTERNAL;
	} else if (ob.nsettled > 0 && ob.n == 0 && ob.ndamaged == 0) {
		rc = truncate(path, 0) == 0 ? CRM_OK : CRM_INTERNAL;
	} else if (ob.nsettled > 0) {
		rc = save_path(path, &ob);
	}
	outbox_free(&ob);
	close(lk);
	free(path);
	return rc;
}

/* The writes in flight: while a crm sends an entry it holds an
 * open-file-description lock on one byte of outbox.inflight, at an
 * offset taken from the entry's id. Another crm beside it (a second
 * window, a script's `crm -c`) sees the byte locked and leaves the
 * entry alone: it is not waiting, it is being sent. A crash lets go,
 * and the entry waits again. Without the file (no HOME, a read-only
 * state folder) every entry looks free, as before. */
static int inflight_fd = -1;

static int
inflight_open(void)
{
	if (inflight_fd >= 0) {
		return inflight_fd;
	}
	char *path = outbox_path();
	if (path == NULL || crm_path_mkdir_parent(path) != CRM_OK) {
		free(path);
		return -1;
	}
	char *ip = crm_xasprintf("%s.inflight", path);
	inflight_fd = open(ip, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(ip);
	free(path);
	return inflight_fd;
}

static void
inflight_range(struct flock *fl, short type, const uint8_t *id)
{
	uint64_t off = 0;
	for (size_t i = 0; i < sizeof(off); i++) {
		off = off << 8 | id[i];
	}
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)(off >> 2); /* below off_t's top */
	fl->l_len = 1;
}

bool
outbox_claim(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	int fd = inflight_open();
	struct flock fl;
	if (fd < 0) {
		return true;
	}
	inflight_range(&fl, F_WRLCK, id);
	return fcntl(fd, F_OFD_SETLK, &fl) == 0 ||
	       (errno != EAGAIN && errno != EACCES);
}

void
outbox_unclaim(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	struct flock fl;
	if (inflight_fd >= 0) {
		inflight_range(&fl, F_UNLCK, id);
		(void)fcntl(inflight_fd, F_OFD_SETLK, &fl);
	}
}

bool
outbox_in_flight(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	int fd = inflight_open();
	struct flock fl;
	if (fd < 0) {
		return false;
	}
	inflight_range(&fl, F_WRLCK, id);
	/* A lock of this process's own description never conflicts. */
	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

bool
outbox_holds(const uint8_t id[CRM_REQUEST_ID_LEN], int *refused, int *sent)
{
	struct outbox ob;
	*refused = 0;
	if (outbox_load(&ob) != CRM_OK) {
		if (sent != NULL) {
			*sent = 1; /* cannot tell: it may have been */
		}
		return true; /* cannot tell: as it was read before */
	}
	const struct outbox_entry *e = entry_of(&ob, id);
	if (e != NULL) {
		*refused = e->refused;
	}
	if (sent != NULL) {
		*sent = e != NULL && e->sent;
	}
	outbox_free(&ob);
	return e != NULL;
}

/* ------------------------------------------------------------ damaged */

/* Hex text s decoded as far as it is hex (an even count of digits), in
 * a new NUL-terminated buffer; *whole when all of s was. */
static char *
hex_prefix(const char *s, bool *whole)
{
	size_t l = strlen(s), i = 0;
	char *b = crm_xmalloc(l / 2 + 1);
	for (; 2 * i + 1 < l; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			break;
		}
		b[i] = (char)(hi << 4 | lo);
	}
	b[i] = '\0';
	if (whole != NULL) {
		*whole = 2 * i == l && strcmp(s, "-") != 0;
	}
	return b;
}

/* Append "name=value" of each text (and id) field of m to *buf (a
 * malloc'd string), depth first, while it is shorter than 400 bytes. */
static void
describe_fields(const ProtobufCMessage *m, char **buf, int depth)
{
	const ProtobufCMessageDescriptor *md = m->descriptor;
	for (unsigned i = 0; i < md->n_fields && strlen(*buf) < 400; i++) {
		const ProtobufCFieldDescriptor *fd = &md->fields[i];
		const char *at = (const char *)m + fd->offset;
		char *add = NULL;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m +
			                             fd->quantifier_offset);
			char *const *arr = *(char *const *const *)at;
			for (size_t k = 0; arr != NULL && k < n &&
			                   fd->type == PROTOBUF_C_TYPE_STRING;
			     k++) {
				const char *v = arr[k];
				if (v != NULL && v[0] != '\0') {
					char *t = crm_xasprintf("%s%s%s=%s",
					    *buf, **buf ? ", " : "", fd->name,
					    v);
					free(*buf);
					*buf = t;
				}
			}
			continue;
		}
		if (fd->type == PROTOBUF_C_TYPE_STRING) {
			const char *v = *(char *const *)at;
			if (v != NULL && v[0] != '\0') {
				add = crm_xasprintf("%s=%s", fd->name, v);
			}
		} else if (fd->type == PROTOBUF_C_TYPE_MESSAGE && depth < 3) {
			const ProtobufCMessage *sub =
			    *(ProtobufCMessage *const *)at;
			if (sub != NULL) {
				describe_fields(sub, buf, depth + 1);
			}
		} else if (fd->type == PROTOBUF_C_TYPE_UINT64 &&
		           (strcmp(fd->name, "id") == 0 ||
		               strstr(fd->name, "_id") != NULL) &&
		           (fd->quantifier_offset == 0 ||
		               *(const protobuf_c_boolean
		                       *)((const char *)m +
		                          fd->quantifier_offset))) {
			uint64_t v = *(const uint64_t *)at;
			if (v != 0) {
				add = crm_xasprintf("%s=%llu", fd->name,
				    (unsigned long long)v);
			}
		}
		if (add != NULL) {
			char *t = crm_xasprintf(
			    "%s%s%s", *buf, **buf ? ", " : "", add);
			free(*buf);
			free(add);
			*buf = t;
		}
	}
}

void
outbox_damaged_read(
    const struct outbox_damaged *d, struct outbox_damaged_read *r)
{
	memset(r, 0, sizeof(*r));
	char *copy = crm_xstrdup(d->text), *f[10];
	int nf = 0;
	for (char *save = NULL, *w = strtok_r(copy, " ", &save);
	     w != NULL && nf < 10; w = strtok_r(NULL, " ", &save)) {
		f[nf++] = w;
	}
	bool v2 = nf > 0 && strcmp(f[0], "v2") == 0;
	if (nf > 0 && (v2 || strcmp(f[0], "v1") == 0)) {
		r->kind = "write";
		if (nf > 2 && strspn(f[2], "0123456789") == strlen(f[2]) &&
		    strlen(f[2]) >= 9 && strlen(f[2]) <= 12) {
			r->created = strtoll(f[2], NULL, 10);
		}
		if (nf > 4) {
			r->login = hex_prefix(f[4], NULL);
		}
		if (nf > 5) {
			bool whole = false;
			r->what = hex_prefix(f[5], &whole);
			/* Whole when a field follows it. */
			r->what_whole = whole && nf > 6;
		}
		uint8_t *req = NULL;
		size_t len = 0;
		Crm__V1__Request *q = NULL;
		if (nf > 6 && from_hex(f[6], &req, &len) == 0 &&
		    (q = crm__v1__request__unpack(NULL, len, req)) != NULL) {
			const ProtobufCFieldDescriptor *bf =
			    protobuf_c_message_descriptor_get_field(
			        &crm__v1__request__descriptor,
			        (unsigned)q->body_case);
			const ProtobufCMessage *body =
			    bf == NULL
			        ? NULL
			        : *(ProtobufCMessage *const *)((const char *)
			                                           q +
			                                       bf->offset);
			char *text = crm_xstrdup("");
			if (body != NULL) {
				describe_fields(body, &text, 0);
			}
			r->request = crm_xasprintf("%s%s%s",
			    bf ? bf->name : "?", text[0] ? ": " : "", text);
			free(text);
			crm__v1__request__free_unpacked(q, NULL);
		}
		free(req);
		if (v2 && nf > 7) {
			r->server = hex_prefix(f[7], NULL);
		}
	} else if (nf > 0 && strlen(f[0]) == 2 && f[0][1] == '1' &&
	           strchr("rswx", f[0][0]) != NULL) {
		r->kind = "mark";
	}
	free(copy);
}

void
outbox_damaged_read_free(struct outbox_damaged_read *r)
{
	free(r->login);
	free(r->what);
	free(r->request);
	free(r->server);
	memset(r, 0, sizeof(*r));
}

size_t
outbox_damaged_writes(const struct outbox *ob)
{
	size_t n = 0;
	for (size_t i = 0; i < ob->ndamaged; i++) {
		struct outbox_damaged_read r;
		outbox_damaged_read(&ob->damaged[i], &r);
		n += (r.kind == NULL || strcmp(r.kind, "mark") != 0) &&
		     !ob->damaged[i].settled;
		outbox_damaged_read_free(&r);
	}
	return n;
}
