/* SPDX-License-Identifier: MIT */
/* crm_path.c: the ownership and mode checks of crm_path.h. */
#define _GNU_SOURCE /* program_invocation_short_name */
#include "crm_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm_xmalloc.h"

char *
crm_path_runtime_dir(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (x != NULL && x[0] == '/') {
		return crm_xasprintf("%s/crm", x);
	}
	static _Atomic int said;
	if (x != NULL && x[0] != '\0' && !said++) {
		/* Ignored, as the XDG spec says of a relative one: said
		 * once, so a socket elsewhere is not a mystery. */
		char *v = crm_xstrdup(x);
		for (char *p = v; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				*p = '?';
			}
		}
		fprintf(stderr,
		    "%s: XDG_RUNTIME_DIR=%s is not an absolute path: ignored "
		    "(as the XDG spec says): the default socket folder is "
		    "/tmp/crm-%u/crm\n",
		    program_invocation_short_name, v, (unsigned)geteuid());
		free(v);
	}
	return crm_xasprintf("/tmp/crm-%u/crm", (unsigned)geteuid());
}

crm_status
crm_path_check_dir(const char *dir, int private_dir, char *why, size_t n)
{
	return crm_path_check_dir_env(
	    dir, private_dir, "XDG_RUNTIME_DIR", why, n);
}

crm_status
crm_path_check_dir_env(
    const char *dir, int private_dir, const char *env, char *why, size_t n)
{
	struct stat sb;
	uid_t me = geteuid();
	/* A link another user made can be pointed elsewhere between this
	 * check and the use: refused whatever it points at now. */
	if (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode) && sb.st_uid != me &&
	    sb.st_uid != 0) {
		snprintf(why, n,
		    "%s is a symbolic link of uid %u, not yours (uid %u): "
		    "that user can point it elsewhere at any moment; %s%s%s",
		    dir, (unsigned)sb.st_uid, (unsigned)me,
		    env != NULL ? "set " : "use a folder of your own",
		    env != NULL ? env : "",
		    env != NULL ? " to a folder of your own" : "");
		return CRM_EPERM;
	}
	if (stat(dir, &sb) != 0) {
		snprintf(why, n, "%s: %s", dir, strerror(errno));
		return errno == ENOENT ? CRM_NOT_FOUND : CRM_INTERNAL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(why, n, "%s is not a folder", dir);
		return CRM_EPERM;
	}
	if (sb.st_uid != me && (private_dir || sb.st_uid != 0)) {
		if (env != NULL) {
			snprintf(why, n,
			    "%s belongs to uid %u, not to you (uid %u): "
			    "another user may have made it to catch what you "
			    "send; remove it, or set %s to a folder of your "
			    "own",
			    dir, (unsigned)sb.st_uid, (unsigned)me, env);
		} else {
			snprintf(why, n,
			    "%s belongs to uid %u, not to you (uid %u): "
			    "another user may have made it to catch what you "
			    "send; a crmd of that user's is reached over its "
			    "tcp://127.0.0.1 address, and a socket of yours "
			    "goes in a folder of your own",
			    dir, (unsigned)sb.st_uid, (unsigned)me);
		}
		return CRM_EPERM;
	}
	mode_t open_to =
	    private_dir ? (S_IRWXG | S_IRWXO) : (S_IWGRP | S_IWOTH);
	if ((sb.st_mode & open_to) != 0 && (sb.st_mode & S_ISVTX) != 0) {
		/* /tmp and the like: not ours to close, and anyone may
		 * make a socket of their own name there. */
		snprintf(why, n,
		    "%s is shared with others (mode %04o): use a folder of "
		    "your own (mode 0700), made inside it or elsewhere",
		    dir, (unsigned)(sb.st_mode & 07777));
		return CRM_EPERM;
	}
	if ((sb.st_mode & open_to) != 0) {
		snprintf(why, n,
		    "%s is open to others (mode %04o; want %s): "
		    "run chmod %s %s",
		    dir, (unsigned)(sb.st_mode & 07777),
		    private_dir ? "0700" : "no write for group and others",
		    private_dir ? "700" : "go-w", dir);
		return CRM_EPERM;
	}
	return CRM_OK;
}

/* The parent of a socket folder: whoever may write it may swap the
 * folder, unless the sticky bit keeps them to their own names (/tmp). */
static crm_status
check_parent(const char *dir, char *why, size_t n)
{
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		snprintf(why, n, "%s: %s", dir, strerror(errno));
		return CRM_INTERNAL;
	}
	if (sb.st_uid != geteuid() && sb.st_uid != 0) {
		snprintf(why, n, "%s belongs to uid %u, not to you or root",
		    dir, (unsigned)sb.st_uid);
		return CRM_EPERM;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (sb.st_mode & S_ISVTX) == 0) {
		snprintf(why, n,
		    "%s can be written by others and is not sticky (mode "
		    "%04o), so they could move the socket's folder away: "
		    "run chmod go-w %s, or use another folder",
		    dir, (unsigned)(sb.st_mode & 07777), dir);
		return CRM_EPERM;
	}
	return CRM_OK;
}

static char *
parent_of(const char *path)
{
	char *p = crm_xstrdup(path);
	char *slash = strrchr(p, '/');
	if (slash == NULL) {
		free(p);
		return crm_xstrdup(".");
	}
	if (slash == p) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	return p;
}

crm_status
crm_path_check_ipc(const char *url, char *why, size_t n)
{
	if (strncmp(url, "ipc://", 6) != 0) {
		return CRM_OK;
	}
	char *dir = parent_of(url + 6);
	char *up = parent_of(dir);
	char *rt = crm_path_runtime_dir();
	int private_dir = strcmp(dir, rt) == 0;
	crm_status rc = crm_path_check_dir_env(
	    dir, private_dir, private_dir ? "XDG_RUNTIME_DIR" : NULL, why, n);
	/* /tmp/crm-UID is as private as the folder in it. */
	const char *x = getenv("XDG_RUNTIME_DIR");
	int tmp_home = private_dir && (x == NULL || x[0] != '/');
	if (rc == CRM_OK) {
		rc = tmp_home ? crm_path_check_dir(up, 1, why, n)
		              : check_parent(up, why, n);
	} else if ((rc == CRM_NOT_FOUND || rc == CRM_INTERNAL) && tmp_home) {
		/* No crm folder yet: a bad /tmp/crm-UID is still named,
		 * not hidden behind "crmd is not running". */
		char upwhy[600];
		if (crm_path_check_dir(up, 1, upwhy, sizeof(upwhy)) ==
		    CRM_EPERM) {
			snprintf(why, n, "%s", upwhy);
			rc = CRM_EPERM;
		}
	}
	/* The folder was open once (or is root's): a socket another user
	 * left in it would receive what crm sends. crmd's own socket has
	 * its folder's owner. */
	struct stat ss, ds;
	if (rc == CRM_OK && lstat(url + 6, &ss) == 0 && S_ISSOCK(ss.st_mode) &&
	    stat(dir, &ds) == 0 && ss.st_uid != ds.st_uid) {
		snprintf(why, n,
		    "the socket %s belongs to uid %u, not to its folder's "
		    "owner (uid %u): another user may have put it there to "
		    "catch what you send; remove it",
		    url + 6, (unsigned)ss.st_uid, (unsigned)ds.st_uid);
		rc = CRM_EPERM;
	}
	free(rt);
	free(up);
	free(dir);
	return rc;
}

crm_status
crm_path_mkdir_parent(const char *path)
{
	char *p = crm_xstrdup(path);
	crm_status rc = CRM_OK;
	char *slash = strrchr(p, '/');

	if (slash == NULL || slash == p) {
		goto out;
	}
	*slash = '\0';
	for (char *q = p + 1; *q != '\0'; q++) {
		if (*q != '/') {
			continue;
		}
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = CRM_INTERNAL;
			goto out;
		}
		*q = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		rc = CRM_INTERNAL;
	}
out:
	free(p);
	return rc;
}
