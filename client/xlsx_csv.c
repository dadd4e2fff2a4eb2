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
			    "%s cannot read it as a workbook (exit %d: %s)",
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
