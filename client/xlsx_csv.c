/* SPDX-License-Identifier: MIT */
/*
 * xlsx_csv.c: run `xlsx2csv -s 1 -f FORMAT -- FILE` with posix_spawnp (an
 * argument vector, no shell), standard input /dev/null, standard output an
 * unlinked temporary file, standard error a pipe read here (its first
 * telling line becomes the error). The temporary file is watched while
 * the tool runs and the tool killed past XLSX_CSV_MAX bytes. Not a
 * workbook reader itself: the tool is.
 */
#include "xlsx_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm.h"

#define TOOL    "xlsx2csv"
#define ERR_MAX 2048 /* bytes of the tool's standard error kept */

extern char **environ;

/* The line of the tool's standard error that says what went wrong: the
 * first that is not a Python traceback's frame or banner. */
static void
tool_message(const char *err, char *msg, size_t len)
{
	const char *p = err, *pick = NULL;
	msg[0] = '\0';
	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool frame = n == 0 || p[0] == ' ' || p[0] == '\t' ||
		             strncmp(p, "Traceback", 9) == 0 ||
		             strncmp(p, "Exception ignored", 17) == 0;
		if (!frame && pick == NULL) {
			pick = p;
			snprintf(msg, len, "%.*s", (int)n, p);
		}
		p += n + (e != NULL);
	}
	if (pick == NULL) {
		snprintf(msg, len, "no message");
	}
}

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static bool
cloexec(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * What a ZIP archive holds, from its central directory: 1 when it has
 * xl/workbook.xml (an .xlsx), 0 when it has not (*other names the kind of
 * document it looks like: "a Word document"), -1 when the directory
 * cannot be read here (a ZIP64; xlsx2csv is left to say).
 */
static int
zip_has_workbook(const char *path, const char **other)
{
	enum { EOCD = 22, TAIL = EOCD + 65535, NAME_MAX_LEN = 1024 };
	unsigned char *buf = NULL;
	int found = -1;
	FILE *f = fopen(path, "rb");
	*other = NULL;
	if (f == NULL || fseeko(f, 0, SEEK_END) != 0) {
		goto out;
	}
	off_t size = ftello(f);
	if (size < EOCD) {
		goto out;
	}
	size_t tail = (size_t)(size < TAIL ? size : TAIL);
	buf = crm_xmalloc(tail);
	if (fseeko(f, size - (off_t)tail, SEEK_SET) != 0 ||
	    fread(buf, 1, tail, f) != tail) {
		goto out;
	}
	size_t e = tail - EOCD + 1;
	while (e-- > 0 && memcmp(buf + e, "PK\x05\x06", 4) != 0) {
	}
	if (e == (size_t)-1) {
		goto out;
	}
	unsigned entries = le16(buf + e + 10);
	uint32_t cd = le32(buf + e + 16);
	if (entries == 0xffff || cd == 0xffffffffu || (off_t)cd >= size ||
	    fseeko(f, (off_t)cd, SEEK_SET) != 0) {
		goto out;
	}
	found = 0;
	for (unsigned i = 0; i < entries && found == 0; i++) {
		unsigned char h[46];
		char name[NAME_MAX_LEN + 1];
		if (fread(h, 1, sizeof(h), f) != sizeof(h) ||
		    memcmp(h, "PK\x01\x02", 4) != 0) {
			found = -1;
			break;
		}
		unsigned n = le16(h + 28), skip = le16(h + 30) + le16(h + 32);
		if (n > NAME_MAX_LEN || fread(name, 1, n, f) != n ||
		    fseeko(f, (off_t)skip, SEEK_CUR) != 0) {
			found = -1;
			break;
		}
		name[n] = '\0';
		if (strcmp(name, "xl/workbook.xml") == 0) {
			found = 1;
		} else if (strcmp(name, "word/document.xml") == 0) {
			*other = "a Word document (.docx)";
		} else if (strcmp(name, "ppt/presentation.xml") == 0) {
			*other = "a PowerPoint presentation (.pptx)";
		} else if (strcmp(name, "xl/workbook.bin") == 0) {
			*other = "an Excel binary workbook (.xlsb)";
		}
	}
out:
	free(buf);
	if (f != NULL) {
		fclose(f);
	}
	return found;
}

crm_status
xlsx_csv_open(const char *path, FILE **out, char *why, size_t whylen)
{
	const char *dir = getenv("TMPDIR");
	char *tmpl = crm_xasprintf("%s/crm-import-XXXXXX",
	    dir != NULL && dir[0] == '/' ? dir : "/tmp");
	int fd = -1, errp[2] = { -1, -1 };
	char err[ERR_MAX + 1], msg[512];
	size_t nerr = 0;
	pid_t pid = -1;
	int status = 0;
	bool big = false, exited = false;
	crm_status rc = CRM_INTERNAL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, dfl;
	/* Date cells with their seconds' fraction: xlsx2csv floors a
	 * serial's float, so 03:19 can come as 03:18:59.999984 (the reader
	 * rounds it); without the fraction it would print 03:18. */
	char *argv[] = { TOOL, "-s", "1", "-f", "%Y-%m-%d %H:%M:%S.%f", "--",
		(char *)path, NULL };

	*out = NULL;
	const char *other = NULL;
	if (zip_has_workbook(path, &other) == 0) {
		snprintf(why, whylen,
		    "not an Excel workbook (.xlsx): a ZIP archive without "
		    "xl/workbook.xml%s%s (save the sheet as .xlsx or CSV)",
		    other ? ", " : "", other ? other : "");
		free(tmpl);
		return CRM_EINVAL;
	}
	fd = mkstemp(tmpl);
	if (fd < 0) {
		snprintf(why, whylen, "cannot create a temporary file %s: %s",
		    tmpl, strerror(errno));
		free(tmpl);
		return CRM_INTERNAL;
	}
	unlink(tmpl); /* private, and gone whatever happens next */
	free(tmpl);
	if (!cloexec(fd) || pipe(errp) != 0 || !cloexec(errp[0]) ||
	    !cloexec(errp[1])) {
		snprintf(
		    why, whylen, "cannot start %s: %s", TOOL, strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawnattr_init(&sa);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	posix_spawnattr_setflags(
	    &sa, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int e = posix_spawnp(&pid, TOOL, &fa, &sa, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	close_fd(&errp[1]);
	if (e != 0) {
		pid = -1;
		if (e == ENOENT) {
			snprintf(why, whylen,
			    "%s is not installed: it reads .xlsx workbooks "
			    "(apt-get install xlsx2csv; or save the sheet as "
			    "CSV)",
			    TOOL);
			rc = CRM_UNAVAILABLE;
		} else {
			snprintf(why, whylen, "cannot start %s: %s", TOOL,
			    strerror(e));
		}
		goto out;
	}

	/* Until the tool exits: keep its messages, watch the file's size. */
	while (!exited) {
		struct pollfd p = { .fd = errp[0], .events = POLLIN };
		int n = poll(&p, errp[0] >= 0 ? 1 : 0, 100);
		if (n > 0) {
			char buf[512];
			ssize_t r = read(errp[0], buf, sizeof(buf));
			if (r > 0) {
				size_t k = (size_t)r < ERR_MAX - nerr
				               ? (size_t)r
				               : ERR_MAX - nerr;
				memcpy(err + nerr, buf, k);
				nerr += k;
			} else if (r == 0 || errno != EINTR) {
				close_fd(&errp[0]);
			}
		}
		struct stat st;
		if (!big && fstat(fd, &st) == 0 && st.st_size > XLSX_CSV_MAX) {
			big = true;
			kill(pid, SIGKILL);
		}
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			exited = true;
		} else if (w < 0 && errno != EINTR) {
			snprintf(why, whylen, "cannot wait for %s: %s", TOOL,
			    strerror(errno));
			pid = -1;
			goto out;
		}
	}
	pid = -1;
	err[nerr] = '\0';
	if (big) {
		snprintf(why, whylen,
		    "the first sheet is too large: more than %lld MiB as CSV",
		    XLSX_CSV_MAX >> 20);
		rc = CRM_TOO_BIG;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tool_message(err, msg, sizeof(msg));
		if (WIFEXITED(status)) {
			snprintf(why, whylen,
			    "not an Excel workbook (.xlsx) that %s can read "
			    "(exit %d: %s)",
			    TOOL, WEXITSTATUS(status), msg);
		} else {
			snprintf(why, whylen, "%s was stopped by signal %d",
			    TOOL, WTERMSIG(status));
		}
		rc = CRM_EINVAL;
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 || (*out = fdopen(fd, "rb")) == NULL) {
		snprintf(why, whylen, "cannot read the converted sheet: %s",
		    strerror(errno));
		goto out;
	}
	fd = -1; /* *out owns it */
	rc = CRM_OK;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
		}
	}
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&fd);
	return rc;
}
