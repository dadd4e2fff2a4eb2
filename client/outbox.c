/* SPDX-License-Identifier: MIT */
/*
 * outbox.c: the file of unsettled writes (see outbox.h). A line is
 *   v1 ID CREATED FP LOGIN WHAT REQUEST SUM
 * with ID, LOGIN, WHAT and REQUEST in hex (so any text fits), CREATED in
 * decimal UTC seconds, FP a session fingerprint, and SUM the first 16
 * bytes of blake2b over everything before it, in hex. Lines starting
 * with '#' are comments.
 */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

#define SUM_LEN     16
#define SEEN_MAX    16 /* sessions remembered in sessions-seen */
#define HEADER_LINE "# crm outbox: writes whose outcome is not known yet\n"

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
	char *h = to_hex(id, CRM_REQUEST_ID_LEN);
	memcpy(out, h, 33);
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
	char *body = crm_xasprintf("v1 %s %lld %s %s %s %s", id,
	    (long long)e->created, e->fp, login, what, req);
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
	memset(e, 0, sizeof(*e));
}

/* One line (no newline) into e. Returns -1 when it does not check. */
static int
parse_line(const char *line, struct outbox_entry *e)
{
	memset(e, 0, sizeof(*e));
	const char *sp = strrchr(line, ' ');
	if (sp == NULL || strlen(sp + 1) != 2 * SUM_LEN) {
		return -1;
	}
	char sum[2 * SUM_LEN + 1];
	sum_hex(line, (size_t)(sp - line), sum);
	if (strcmp(sum, sp + 1) != 0) {
		return -1;
	}
	char *copy = crm_xstrndup(line, (size_t)(sp - line));
	char *f[7];
	int nf = 0;
	for (char *save = NULL, *w = strtok_r(copy, " ", &save);
	     w != NULL && nf < 7; w = strtok_r(NULL, " ", &save)) {
		f[nf++] = w;
	}
	uint8_t *id = NULL, *login = NULL, *what = NULL;
	size_t idn = 0, ln = 0, wn = 0;
	int rc = -1;
	if (nf != 7 || strcmp(f[0], "v1") != 0 ||
	    strlen(f[3]) > OUTBOX_FP_LEN || from_hex(f[1], &id, &idn) < 0 ||
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
	login = what = NULL;
	rc = 0;
out:
	free(id);
	free(login);
	free(what);
	free(copy);
	if (rc < 0) {
		entry_free(e);
	}
	return rc;
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
		free(ob->damaged[i]);
	}
	free(ob->v);
	free(ob->damaged);
	memset(ob, 0, sizeof(*ob));
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
	size_t cap = 0, vcap = 0, dcap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
			line[--n] = '\0';
		}
		if (n == 0 || line[0] == '#') {
			continue;
		}
		struct outbox_entry e;
		if (parse_line(line, &e) < 0) {
			if (ob->ndamaged == dcap) {
				dcap = dcap ? 2 * dcap : 4;
				ob->damaged = crm_xrealloc(
				    ob->damaged, dcap * sizeof(char *));
			}
			ob->damaged[ob->ndamaged++] = crm_xstrdup(line);
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
	}
	for (size_t i = 0; i < ob->ndamaged; i++) {
		fprintf(f, "%s\n", ob->damaged[i]);
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

/* Lock the outbox against other crm processes; returns the fd to close,
 * or -1. */
static int
lock_outbox(const char *path)
{
	if (paths_mkdir_parent(path) != CRM_OK) {
		return -1;
	}
	char *lp = crm_xasprintf("%s.lock", path);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lp);
	if (fd < 0) {
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Change the outbox under its lock: load it, change(ob, arg), and save
 * it when that returns CRM_OK. no_path is the answer when there is no
 * place for the outbox. */
static crm_status
outbox_change(crm_status (*change)(struct outbox *, const void *),
    const void *arg, crm_status no_path)
{
	char *path = outbox_path();
	struct outbox ob;
	crm_status rc = CRM_INTERNAL;
	if (path == NULL) {
		errno = ENOENT;
		return no_path;
	}
	int lk = lock_outbox(path);
	if (lk >= 0 && load_path(path, &ob) == CRM_OK) {
		rc = change(&ob, arg);
		if (rc == CRM_OK) {
			rc = save_path(path, &ob);
		}
		outbox_free(&ob);
	}
	if (lk >= 0) {
		close(lk);
	}
	free(path);
	return rc;
}

static crm_status
add_entry(struct outbox *ob, const void *arg)
{
	const struct outbox_entry *e = arg;
	ob->v = crm_xrealloc(ob->v, (ob->n + 1) * sizeof(*ob->v));
	struct outbox_entry *c = &ob->v[ob->n++];
	*c = *e;
	c->login = crm_xstrdup(e->login ? e->login : "-");
	c->what = crm_xstrdup(e->what ? e->what : "");
	c->req = crm_xmalloc(e->len ? e->len : 1);
	memcpy(c->req, e->req, e->len);
	return CRM_OK;
}

crm_status
outbox_add(const struct outbox_entry *e)
{
	return outbox_change(add_entry, e, CRM_INTERNAL);
}

static crm_status
remove_entry(struct outbox *ob, const void *id)
{
	for (size_t i = 0; i < ob->n; i++) {
		if (memcmp(ob->v[i].id, id, CRM_REQUEST_ID_LEN) == 0) {
			entry_free(&ob->v[i]);
			memmove(&ob->v[i], &ob->v[i + 1],
			    (ob->n - i - 1) * sizeof(*ob->v));
			ob->n--;
			return CRM_OK;
		}
	}
	return CRM_NOT_FOUND;
}

crm_status
outbox_remove(const uint8_t id[CRM_REQUEST_ID_LEN])
{
	return outbox_change(remove_entry, id, CRM_NOT_FOUND);
}

/* ------------------------------------------------------------ sessions */

/* Line l of sessions-seen is fingerprint fp's ("FP LOGIN"). */
static int
is_fp_line(const char *l, const char *fp)
{
	size_t n = strlen(fp);
	return strncmp(l, fp, n) == 0 && l[n] == ' ';
}

static char *
seen_path(void)
{
	return paths_xdg("XDG_STATE_HOME", ".local/state", "sessions-seen");
}

void
outbox_note_login(const char *fp, const char *login)
{
	char *path = seen_path();
	if (path == NULL || fp == NULL || strcmp(fp, "-") == 0 ||
	    login == NULL || strchr(login, '\n') || strchr(login, ' ')) {
		free(path);
		return;
	}
	char *old = paths_read(path);
	char *mine = crm_xasprintf("%s %s\n", fp, login);
	if (old != NULL && strncmp(old, mine, strlen(mine)) == 0) {
		goto out; /* already the newest */
	}
	/* Newest first, at most SEEN_MAX lines, none for fp twice. */
	size_t cap = strlen(mine) + (old ? strlen(old) : 0) + 1;
	char *data = crm_xcalloc(1, cap);
	strcat(data, mine);
	int kept = 1;
	for (char *save = NULL, *l = old ? strtok_r(old, "\n", &save) : NULL;
	     l != NULL && kept < SEEN_MAX; l = strtok_r(NULL, "\n", &save)) {
		if (is_fp_line(l, fp)) {
			continue;
		}
		strcat(data, l);
		strcat(data, "\n");
		kept++;
	}
	paths_write_private(path, data);
	free(data);
out:
	free(mine);
	free(old);
	free(path);
}

char *
outbox_login_of(const char *fp)
{
	char *path = seen_path();
	char *data = path ? paths_read(path) : NULL;
	char *found = NULL;
	for (char *save = NULL, *l = data ? strtok_r(data, "\n", &save) : NULL;
	     l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if (is_fp_line(l, fp)) {
			found = crm_xstrdup(l + strlen(fp) + 1);
			break;
		}
	}
	free(data);
	free(path);
	return found;
}
