/* SPDX-License-Identifier: MIT */
/* paths.c: XDG file locations and private files for the shell. */
#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm_path.h"
#include "crm_xmalloc.h"

char *
paths_xdg(const char *env, const char *fallback, const char *leaf)
{
	const char *base = getenv(env);
	if (base != NULL && base[0] == '/') {
		return crm_xasprintf("%s/crm/%s", base, leaf);
	}
	const char *home = getenv("HOME");
	if (home == NULL || home[0] == '\0') {
		return NULL;
	}
	return crm_xasprintf("%s/%s/crm/%s", home, fallback, leaf);
}

void
paths_tmp_sweep(const char *path)
{
	char *dir = crm_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		return;
	}
	*slash = '\0';
	const char *base = slash + 1;
	size_t blen = strlen(base);
	DIR *d = opendir(*dir ? dir : "/");
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		/* base "." digits ".tmp", of a process that is gone */
		const char *n = e->d_name;
		if (strncmp(n, base, blen) != 0 || n[blen] != '.') {
			continue;
		}
		char *end;
		long pid = strtol(n + blen + 1, &end, 10);
		if (end == n + blen + 1 || strcmp(end, ".tmp") != 0 ||
		    pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
			continue;
		}
		char *p = crm_xasprintf("%s/%s", dir, n);
		(void)unlink(p);
		free(p);
	}
	if (d != NULL) {
		closedir(d);
	}
	free(dir);
}

crm_status
paths_write_private(const char *path, const char *data)
{
	crm_status rc = CRM_INTERNAL;
	paths_tmp_sweep(path);
	char *tmp = crm_xasprintf("%s.%ld.tmp", path, (long)getpid());
	size_t len = strlen(data), off = 0;
	int fd = -1;

	if (crm_path_mkdir_parent(path) != CRM_OK) {
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		goto out;
	}
	rc = CRM_OK;
out:
	if (fd >= 0) {
		close(fd);
	}
	if (rc != CRM_OK) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	return rc;
}

char *
paths_read(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = crm_xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			break;
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}
