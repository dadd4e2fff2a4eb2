/* SPDX-License-Identifier: MIT */
/*
 * remote_key.c: `crmd remote-key` (see remote_key.h). It edits one
 * authorized_keys file: lines it wrote carry the options of
 * remote_key_options() and the comment "crm:LOGIN ..."; other lines are
 * kept as they are and `list` warns about them (they may do more than
 * forward). The file is replaced atomically (temporary file, fsync,
 * rename) under a lock, mode 0600, owned by the account when run as
 * root. It is not a request: it runs offline, like `crmd user add`.
 */
#include "remote_key.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm.h"
#include "dispatch.h"
#include "store.h"
#include "user.h"

#define DEFAULT_ACCOUNT "crm"
#define DEFAULT_PORT    7070 /* the packaged crmd's loopback port */
#define DEFAULT_DATA    "/var/lib/crm/db" /* the packaged database */
#define MAX_FILE        (1 << 20)
#define MAX_PUBKEY      16384

/* Key types OpenSSH 9.2 accepts in authorized_keys (no certificates:
 * a certificate's own options would be a second set of rules). */
static const char *const key_types[] = {
	"ssh-ed25519",
	"ssh-rsa",
	"ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521",
	"sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com",
};

struct key_line {
	char *opts;    /* NULL when the line has none */
	char *type;    /* e.g. ssh-ed25519 */
	char *blob;    /* base64 */
	char *comment; /* may be "" */
};

struct settings {
	const char *account;
	const char *file; /* NULL: ~account/.ssh/authorized_keys */
	int port;
	const char *data; /* the crm database, for the login check */
};

char *
remote_key_options(int port, char *buf, unsigned n)
{
	/* restrict: no forwarding, pty, agent, X11 or ~/.ssh/rc; then
	 * port-forwarding back on, confined by permitopen to crmd's two
	 * ports (permitopen also refuses every unix-socket forward); a
	 * command (ssh HOST true) or a shell gets only this message (when
	 * the account's shell runs it: nologin does not). permitlisten
	 * allows tcp -R on loopback port 1 only, which sshd refuses to an
	 * account that is not root: no tcp listen even without the sshd
	 * drop-in (permitlisten="none" makes 9.2 reject the whole key). A
	 * unix-socket -R only the drop-in refuses. */
	snprintf(buf, n,
	    "restrict,port-forwarding,permitopen=\"127.0.0.1:%d\","
	    "permitopen=\"127.0.0.1:%d\",permitlisten=\"127.0.0.1:1\","
	    "command=\"echo 'crm: this key "
	    "only opens the tunnel to crmd (crm --server ssh://...)' >&2; "
	    "exit 1\"",
	    port, port + 1);
	return buf;
}

static bool
known_type(const char *t)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (strcmp(t, key_types[i]) == 0) {
			return true;
		}
	}
	return false;
}

static void
key_line_free(struct key_line *k)
{
	free(k->opts);
	free(k->type);
	free(k->blob);
	free(k->comment);
	memset(k, 0, sizeof(*k));
}

static char *
dup_span(const char *s, size_t n)
{
	char *d = crm_xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* The end of a word: blanks end it, except inside double quotes (where
 * a backslash escapes a quote), as sshd reads options. */
static const char *
word_end(const char *p)
{
	bool quoted = false;
	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] == '"') {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && (*p == ' ' || *p == '\t')) {
			break;
		}
	}
	return p;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	return p;
}

/* A line of authorized_keys or of a .pub file: [OPTIONS] TYPE BLOB
 * [COMMENT]. 0 on success; -1 for a blank or # line or one that is not
 * a key. */
static int
parse_key_line(const char *line, struct key_line *k)
{
	memset(k, 0, sizeof(*k));
	const char *p = skip_blanks(line);
	if (*p == '\0' || *p == '#') {
		return -1;
	}
	const char *e = word_end(p);
	char *first = dup_span(p, (size_t)(e - p));
	if (!known_type(first)) {
		k->opts = first;
		p = skip_blanks(e);
		e = word_end(p);
		first = dup_span(p, (size_t)(e - p));
	}
	k->type = first;
	p = skip_blanks(e);
	e = p + strcspn(p, " \t");
	k->blob = dup_span(p, (size_t)(e - p));
	p = skip_blanks(e);
	k->comment = crm_xstrdup(p);
	if (!known_type(k->type) || k->blob[0] == '\0') {
		key_line_free(k);
		return -1;
	}
	return 0;
}

/* The key's blob decodes and names its own type. On success the
 * fingerprint as ssh-keygen -l prints it (SHA256:...) in fp. */
static bool
blob_valid(const struct key_line *k, char *fp, size_t n)
{
	size_t len = strlen(k->blob), bin_len = 0;
	unsigned char *bin = crm_xmalloc(len);
	bool ok = false;
	if (sodium_base642bin(bin, len, k->blob, len, NULL, &bin_len, NULL,
	        sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len < 4) {
		goto out;
	}
	size_t tl = ((size_t)bin[0] << 24) | ((size_t)bin[1] << 16) |
	            ((size_t)bin[2] << 8) | bin[3];
	if (tl != strlen(k->type) || 4 + tl > bin_len ||
	    memcmp(bin + 4, k->type, tl) != 0) {
		goto out;
	}
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[64];
	crypto_hash_sha256(h, bin, bin_len);
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	snprintf(fp, n, "SHA256:%s", b64);
	ok = true;
out:
	free(bin);
	return ok;
}

/* "crm:LOGIN" at the start of a comment: LOGIN (in buf) or NULL. */
static const char *
label_of(const char *comment, char *buf, size_t n)
{
	if (strncmp(comment, "crm:", 4) != 0) {
		return NULL;
	}
	size_t l = strcspn(comment + 4, " \t");
	if (l == 0 || l >= n) {
		return NULL;
	}
	memcpy(buf, comment + 4, l);
	buf[l] = '\0';
	return buf;
}

/* ------------------------------------------------------------ file */

static char *
keys_path(const struct settings *s)
{
	if (s->file != NULL) {
		return crm_xstrdup(s->file);
	}
	struct passwd *pw = getpwnam(s->account);
	if (pw == NULL) {
		fprintf(stderr,
		    "crmd: no system account '%s' (the crm-server package "
		    "makes it; or give --account NAME or --file PATH)\n",
		    s->account);
		return NULL;
	}
	return crm_xasprintf("%s/.ssh/authorized_keys", pw->pw_dir);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		return crm_xstrdup(".");
	}
	return dup_span(path, slash == path ? 1 : (size_t)(slash - path));
}

/* The account's uid and gid when we are root and it exists: the files
 * we make are given to it (sshd's StrictModes wants them its own). */
static bool
owner_of(const struct settings *s, uid_t *uid, gid_t *gid)
{
	if (geteuid() != 0 || s->file != NULL) {
		return false;
	}
	struct passwd *pw = getpwnam(s->account);
	if (pw == NULL) {
		return false;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

/* Open (making it 0700 when missing) and lock the folder of the file:
 * one editor at a time. Returns the locked fd, or -1 with a message. */
static int
lock_dir(const struct settings *s, const char *dir, bool create)
{
	if (create && mkdir(dir, 0700) == 0) {
		uid_t uid;
		gid_t gid;
		if (owner_of(s, &uid, &gid) && chown(dir, uid, gid) != 0) {
			fprintf(stderr, "crmd: cannot give %s to %s: %s\n",
			    dir, s->account, strerror(errno));
			return -1;
		}
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "crmd: cannot open %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) != 0) {
		fprintf(stderr, "crmd: cannot lock %s: %s\n", dir,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The file's text ("" when it does not exist and missing_ok), or NULL
 * with a message. */
static char *
read_all(const char *path, size_t max, bool missing_ok)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT && missing_ok) {
			return crm_xstrdup("");
		}
		fprintf(stderr, "crmd: cannot read %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "crmd: %s is a directory, not a file\n", path);
		fclose(f);
		return NULL;
	}
	char *buf = crm_xmalloc(max + 1);
	size_t n = fread(buf, 1, max + 1, f);
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err != 0 || n > max) {
		fprintf(stderr, "crmd: cannot read %s: %s\n", path,
		    err ? strerror(err) : "too large");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Replace path with text: a temporary file beside it, 0600, fsync,
 * rename; given to the account when root. */
static int
write_all(const struct settings *s, const char *path, const char *text)
{
	/* The rename would put a file where the link was: say so. */
	struct stat lsb;
	if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
		char to[512];
		ssize_t tl = readlink(path, to, sizeof(to) - 1);
		to[tl > 0 ? tl : 0] = '\0';
		fprintf(stderr,
		    "crmd: %s is a symbolic link (to %s): not replaced; give "
		    "--file with the file it points to\n",
		    path, to);
		return -1;
	}
	char *tmp = crm_xasprintf("%s.crm-tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1;
	if (fd < 0) {
		fprintf(stderr, "crmd: cannot write %s: %s\n", tmp,
		    strerror(errno));
		goto out;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			fprintf(stderr, "crmd: cannot write %s: %s\n", tmp,
			    strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	uid_t uid;
	gid_t gid;
	if (owner_of(s, &uid, &gid) && fchown(fd, uid, gid) != 0) {
		fprintf(stderr, "crmd: cannot give %s to %s: %s\n", tmp,
		    s->account, strerror(errno));
		goto out;
	}
	if (fsync(fd) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "crmd: cannot replace %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
	}
	if (rc != 0) {
		(void)unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* ------------------------------------------------------------ commands */

/* The login is a crm user in s->data: false (with a message) when the
 * database says it is not. A database that does not open only warns
 * (the key may be admitted before the user is made, or on a host
 * without the database). */
static bool
login_known(const struct settings *s, const char *login)
{
	struct stat sb;
	char *mdb = crm_xasprintf("%s/data.mdb", s->data);
	bool there = stat(mdb, &sb) == 0;
	free(mdb);
	store *st = there ? store_new() : NULL;
	if (st == NULL ||
	    store_open(st, s->data, 0, STORE_READ_ONLY) != CRM_OK) {
		store_free(st);
		fprintf(stderr,
		    "crmd: WARNING: no crm database at %s, so the login '%s' "
		    "is not checked (give --data DIR)\n",
		    s->data, login);
		return true;
	}
	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.arena = &arena;
	MDB_txn *txn = NULL;
	crm_status rc = store_read_begin(st, &txn);
	if (rc == CRM_OK) {
		Crm__Store__UserRecord *u = NULL;
		ctx.txn = txn;
		rc = user_by_login(&ctx, login, &u);
		store_read_end(st, txn);
		store_read_free(txn);
	}
	crm_arena_fini(&arena);
	store_close(st);
	store_free(st);
	if (rc == CRM_NOT_FOUND) {
		fprintf(stderr,
		    "crmd: no crm user '%s' in %s: make the user first "
		    "(user add), or give --data DIR\n",
		    login, s->data);
		return false;
	}
	if (rc != CRM_OK) {
		fprintf(stderr,
		    "crmd: WARNING: cannot read the users in %s, so the "
		    "login '%s' is not checked\n",
		    s->data, login);
	}
	return true;
}

static int
usage(FILE *out)
{
	char opts[400];
	fprintf(out,
	    "Usage: crmd remote-key add LOGIN PUBKEY_FILE [OPTION]...\n"
	    "       crmd remote-key list [OPTION]...\n"
	    "       crmd remote-key remove LOGIN [FINGERPRINT] [OPTION]...\n"
	    "The ssh keys that may open `crm --server ssh://USER@HOST` "
	    "tunnels, in the\nauthorized_keys of a system account. Each "
	    "key may only forward to crmd's\ntcp port on loopback and the "
	    "next one (its pokes): no shell, no command,\nno pty, no other "
	    "forward. It is labelled crm:LOGIN; the crm password still\n"
	    "says who the user is inside crm.\n\n"
	    "  --account NAME   the account (default %s): its "
	    "~/.ssh/authorized_keys\n"
	    "  --file PATH      this authorized_keys file instead\n"
	    "  --port N         crmd's tcp port on 127.0.0.1 (default %d; "
	    "PUB on N + 1)\n"
	    "  --data DIR       the crm database whose users `add` checks "
	    "(default %s)\n"
	    "  -h, --help       this help\n\n"
	    "A line it writes:\n  %s ssh-ed25519 AAAA... crm:LOGIN "
	    "COMMENT\n"
	    "`remove LOGIN` removes every key of LOGIN, or only the one "
	    "with FINGERPRINT\n(SHA256:..., as `list` shows it).\n",
	    DEFAULT_ACCOUNT, DEFAULT_PORT, DEFAULT_DATA,
	    remote_key_options(DEFAULT_PORT, opts, sizeof(opts)));
	return out == stdout ? 0 : 2;
}

static int
cmd_add(const struct settings *s, const char *login, const char *pubfile)
{
	if (!user_login_valid(login)) {
		fprintf(stderr,
		    "crmd: bad login '%s' (1 to 32 of a-z 0-9 . _ -, "
		    "starting with a letter or digit)\n",
		    login);
		return 1;
	}
	char *pub = read_all(pubfile, MAX_PUBKEY, false);
	if (pub == NULL) {
		return 1;
	}
	struct key_line k;
	char fp[80];
	int rc = 1, dirfd = -1;
	char *path = NULL, *dir = NULL, *text = NULL;
	memset(&k, 0, sizeof(k));
	if (strstr(pub, "PRIVATE KEY") != NULL) {
		fprintf(stderr,
		    "crmd: %s is a private key: give the .pub file (and keep "
		    "the private key on the laptop)\n",
		    pubfile);
		goto out;
	}
	char *line = strtok(pub, "\r\n");
	while (line != NULL && parse_key_line(line, &k) != 0) {
		line = strtok(NULL, "\r\n");
	}
	/* One key per add: a second one would be dropped silently. */
	int more = 0;
	for (char *l = line ? strtok(NULL, "\r\n") : NULL; l != NULL;
	     l = strtok(NULL, "\r\n")) {
		struct key_line o;
		if (parse_key_line(l, &o) == 0) {
			more++;
			key_line_free(&o);
		}
	}
	if (more > 0) {
		fprintf(stderr,
		    "crmd: %s holds %d keys: give one key per `remote-key "
		    "add` (nothing was added)\n",
		    pubfile, more + 1);
		goto out;
	}
	if (line == NULL || k.type == NULL) {
		fprintf(stderr,
		    "crmd: %s holds no ssh public key (a line like "
		    "'ssh-ed25519 AAAA... me@laptop', as ssh-keygen writes "
		    "to ~/.ssh/id_ed25519.pub)\n",
		    pubfile);
		goto out;
	}
	if (k.opts != NULL) {
		fprintf(stderr,
		    "crmd: %s has options before the key (%s): give the "
		    "plain .pub file; remote-key writes the options\n",
		    pubfile, k.opts);
		goto out;
	}
	if (!blob_valid(&k, fp, sizeof(fp))) {
		fprintf(stderr, "crmd: %s: the %s key does not decode\n",
		    pubfile, k.type);
		goto out;
	}
	if (!login_known(s, login)) {
		goto out;
	}
	path = keys_path(s);
	if (path == NULL) {
		goto out;
	}
	dir = dir_of(path);
	dirfd = lock_dir(s, dir, true);
	if (dirfd < 0 || (text = read_all(path, MAX_FILE, true)) == NULL) {
		goto out;
	}
	/* The same key twice: sshd would use the first line only. */
	char *copy = crm_xstrdup(text);
	for (char *l = strtok(copy, "\n"); l != NULL; l = strtok(NULL, "\n")) {
		struct key_line o;
		if (parse_key_line(l, &o) == 0) {
			bool same = strcmp(o.blob, k.blob) == 0;
			char lb[40];
			const char *who = label_of(o.comment, lb, sizeof(lb));
			if (same) {
				fprintf(stderr,
				    "crmd: key %s is already in %s%s%s\n", fp,
				    path, who ? " for " : "",
				    who ? who : " (not written by crmd)");
			}
			key_line_free(&o);
			if (same) {
				free(copy);
				goto out;
			}
		}
	}
	free(copy);
	char opts[400];
	remote_key_options(s->port, opts, sizeof(opts));
	/* The key's own comment (which laptop) is kept after the label,
	 * made printable. */
	for (char *c = k.comment; *c != '\0'; c++) {
		if ((unsigned char)*c < ' ' || *c == 0x7f) {
			*c = ' ';
		}
	}
	size_t tl = strlen(text);
	char *next = crm_xasprintf("%s%s%s %s %s crm:%s%s%s\n", text,
	    tl > 0 && text[tl - 1] != '\n' ? "\n" : "", opts, k.type, k.blob,
	    login, k.comment[0] ? " " : "", k.comment);
	if (write_all(s, path, next) == 0) {
		printf("remote key %s (%s) for %s added to %s: it may forward "
		       "to 127.0.0.1:%d and :%d only\n",
		    fp, k.type, login, path, s->port, s->port + 1);
		rc = 0;
	}
	free(next);
out:
	if (dirfd >= 0) {
		close(dirfd);
	}
	key_line_free(&k);
	free(text);
	free(dir);
	free(path);
	free(pub);
	return rc;
}

static int
cmd_list(const struct settings *s)
{
	char *path = keys_path(s);
	if (path == NULL) {
		return 1;
	}
	char *text = read_all(path, MAX_FILE, true);
	if (text == NULL) {
		free(path);
		return 1;
	}
	char want[400];
	remote_key_options(s->port, want, sizeof(want));
	int n = 0, lineno = 0, other = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		struct key_line k;
		char fp[80], lb[40];
		if (parse_key_line(l, &k) != 0) {
			continue;
		}
		if (!blob_valid(&k, fp, sizeof(fp))) {
			snprintf(fp, sizeof(fp), "(does not decode)");
		}
		const char *who = label_of(k.comment, lb, sizeof(lb));
		if (who == NULL) {
			printf("line %d: %s %s %s: NOT written by crmd "
			       "remote-key: it may do more than forward to "
			       "crmd\n",
			    lineno, k.type, fp, k.comment);
			other++;
		} else {
			const char *more = k.comment + 4 + strlen(who);
			printf("%-16s %-12s %s%s%s\n", who, k.type, fp,
			    more[0] ? " " : "",
			    more[0] ? skip_blanks(more) : "");
			if (k.opts == NULL || strcmp(k.opts, want) != 0) {
				printf("  line %d: its options are not "
				       "remote-key's for port %d: %s\n",
				    lineno, s->port,
				    k.opts ? k.opts : "(none)");
				other++;
			}
			n++;
		}
		key_line_free(&k);
	}
	if (n == 0 && other == 0) {
		printf("no remote keys in %s\n", path);
	}
	free(text);
	free(path);
	return 0;
}

static int
cmd_remove(const struct settings *s, const char *login, const char *fp_want)
{
	char *path = keys_path(s);
	if (path == NULL) {
		return 1;
	}
	char *dir = dir_of(path);
	int rc = 1, removed = 0;
	char *text = NULL;
	int dirfd = lock_dir(s, dir, false);
	if (dirfd < 0 || (text = read_all(path, MAX_FILE, true)) == NULL) {
		goto out;
	}
	size_t cap = strlen(text) + 2, len = 0;
	char *kept = crm_xmalloc(cap);
	kept[0] = '\0';
	const char *p = text;
	while (*p != '\0') {
		size_t ll = strcspn(p, "\n");
		char *l = dup_span(p, ll);
		struct key_line k;
		char fp[80], lb[40];
		bool drop = false;
		if (parse_key_line(l, &k) == 0) {
			const char *who = label_of(k.comment, lb, sizeof(lb));
			drop = who != NULL && strcmp(who, login) == 0 &&
			       (fp_want == NULL ||
			           (blob_valid(&k, fp, sizeof(fp)) &&
			               strcmp(fp, fp_want) == 0));
			key_line_free(&k);
		}
		if (drop) {
			removed++;
		} else {
			memcpy(kept + len, l, ll);
			len += ll;
			if (p[ll] == '\n') {
				kept[len++] = '\n';
			}
			kept[len] = '\0';
		}
		free(l);
		p += ll + (p[ll] == '\n');
	}
	if (removed == 0) {
		fprintf(stderr, "crmd: no remote key %s%s%s in %s\n",
		    fp_want ? fp_want : "", fp_want ? " of " : "of ", login,
		    path);
	} else if (write_all(s, path, kept) == 0) {
		printf("removed %d remote key%s of %s from %s\n", removed,
		    removed == 1 ? "" : "s", login, path);
		rc = 0;
	}
	free(kept);
out:
	if (dirfd >= 0) {
		close(dirfd);
	}
	free(text);
	free(dir);
	free(path);
	return rc;
}

int
remote_key_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "port", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct settings s = { DEFAULT_ACCOUNT, NULL, DEFAULT_PORT,
		DEFAULT_DATA };
	int ch;
	optind = 1;
	/* Options anywhere: permute (no "+"). */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		long v;
		switch (ch) {
		case 'a':
			s.account = optarg;
			break;
		case 'f':
			s.file = optarg;
			break;
		case 'd':
			s.data = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 65534) {
				fprintf(stderr,
				    "crmd: bad port '%s' (1 to 65534)\n",
				    optarg);
				return 2;
			}
			s.port = (int)v;
			break;
		case 'h':
			return usage(stdout);
		default:
			return usage(stderr);
		}
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "crmd: libsodium failed to start\n");
		return 1;
	}
	int left = argc - optind;
	char **a = argv + optind;
	if (left == 3 && strcmp(a[0], "add") == 0) {
		return cmd_add(&s, a[1], a[2]);
	}
	if (left == 1 && strcmp(a[0], "list") == 0) {
		return cmd_list(&s);
	}
	if ((left == 2 || left == 3) && strcmp(a[0], "remove") == 0) {
		return cmd_remove(&s, a[1], left == 3 ? a[2] : NULL);
	}
	return usage(stderr);
}
