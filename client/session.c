/* SPDX-License-Identifier: MIT */
/* session.c: the 0600 session-token file (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm_path.h"
#include "crm_validate.h"
#include "crm_xmalloc.h"
#include "paths.h"

char *
session_path(void)
{
	return paths_xdg("XDG_CONFIG_HOME", ".config", "session");
}

/* The session's folder is ours and others cannot write it (they could
 * put a token of theirs there, or take ours away). Warns when not. */
static int
folder_safe(const char *path)
{
	char *dir = crm_xstrdup(path);
	char *slash = strrchr(dir, '/');
	char why[600];
	int ok = 1;
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		ok = crm_path_check_dir_env(dir, 0, "XDG_CONFIG_HOME", why,
		         sizeof(why)) != CRM_EPERM;
	}
	if (!ok) {
		fprintf(stderr, "crm: not using the session in it: %s\n", why);
	}
	free(dir);
	return ok;
}

/* The session file is ours and readable by us alone: one that others can
 * read is made private again, with a warning (its token may be known:
 * log in again); one that others can write is removed, unused (they may
 * have planted a token). Returns 0 when the file must not be used. */
static int
file_safe(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		return errno == ENOENT; /* no session yet */
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid()) {
		fprintf(stderr,
		    "crm: not using %s: not a file of yours (uid %u)\n", path,
		    (unsigned)sb.st_uid);
		return 0;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		/* Others could have put a token of theirs in it: this shell
		 * would then act in their session. Never used. */
		int gone = unlink(path) == 0;
		fprintf(stderr,
		    "crm: not using %s: others can write it (mode %04o), so "
		    "its session may not be yours; %s. Log in again.\n",
		    path, (unsigned)(sb.st_mode & 07777),
		    gone ? "removed it" : "remove it");
		return 0;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		if (chmod(path, 0600) != 0) {
			fprintf(stderr,
			    "crm: not using %s: others can read it (mode "
			    "%04o) and chmod failed: %s\n",
			    path, (unsigned)(sb.st_mode & 07777),
			    strerror(errno));
			return 0;
		}
		fprintf(stderr,
		    "crm: warning: %s was open to others (mode %04o); made "
		    "it 0600. Its session may be known to them: log in "
		    "again (logout ends it) or change your password.\n",
		    path, (unsigned)(sb.st_mode & 07777));
	}
	return 1;
}

/* The file's text split at its first line break: the token line ends
 * there; returned, the server line (NUL-terminated; "" when none). */
static char *
split(char *text)
{
	size_t end = strcspn(text, "\r\n");
	char *server = text + end + strspn(text + end, "\r\n");
	text[end] = '\0';
	server[strcspn(server, "\r\n")] = '\0';
	return server;
}

/* The file's text: the token in hex, then the server it is for. */
static char *
session_text(const uint8_t *token, size_t len, const char *server)
{
	char *hex = crm_xmalloc(2 * len + 1);
	sodium_bin2hex(hex, 2 * len + 1, token, len);
	char *text = crm_xasprintf("%s\n%s\n", hex, server);
	sodium_memzero(hex, 2 * len + 1);
	free(hex);
	return text;
}

crm_status
session_load(uint8_t **token, size_t *len, const char *server, bool quiet)
{
	crm_status rc = CRM_NOT_FOUND;
	char *path = session_path();
	char *text = path && folder_safe(path) && file_safe(path)
	                 ? paths_read(path)
	                 : NULL;
	uint8_t *bin = NULL;
	size_t n = 0;

	*token = NULL;
	*len = 0;
	if (text == NULL) {
		goto out;
	}
	char *for_server = split(text);
	bin = crm_xmalloc(strlen(text) / 2 + 1);
	if (sodium_hex2bin(bin, strlen(text) / 2 + 1, text, strlen(text), NULL,
	        &n, NULL) != 0 ||
	    n == 0 || n > CRM_MAX_BYTES) {
		goto out;
	}
	/* A token goes only to the server that gave it: another address
	 * (a typo, or a listener someone put on a port while crmd was
	 * down) would receive it. */
	if (for_server[0] == '\0') {
		/* An older crm's file: bound to the server it is used with
		 * next, it would go to whatever answers there first. */
		if (!quiet) {
			fprintf(stderr,
			    "crm: your session file names no "
			    "server (an older crm's): log in again\n");
		}
		goto out;
	}
	if (strcmp(for_server, server) != 0) {
		if (!quiet) {
			fprintf(stderr,
			    "crm: your session is for %s, not %s: not sending "
			    "it there (crm --server %s uses it; crm login "
			    "logs "
			    "in here instead and replaces it)\n",
			    for_server, server, for_server);
		}
		rc = CRM_EPERM;
		goto out;
	}
	*token = bin;
	*len = n;
	bin = NULL;
	rc = CRM_OK;
out:
	free(bin);
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
	}
	free(text);
	free(path);
	return rc;
}

crm_status
session_save(const uint8_t *token, size_t len, const char *server)
{
	crm_status rc = CRM_INTERNAL;
	char *path = session_path();
	char *text = NULL;

	if (path == NULL || !folder_safe(path)) {
		goto out;
	}
	text = session_text(token, len, server);
	rc = paths_write_private(path, text);
out:
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
	}
	free(text);
	free(path);
	return rc;
}

/* The stored session's server (malloc'd; NULL: none named) and, in
 * *token, whether it holds a token line at all. */
static char *
stored_server(bool *token)
{
	char *path = session_path();
	char *text = path ? paths_read(path) : NULL;
	char *server = NULL;
	*token = false;
	if (text != NULL) {
		char *for_server = split(text);
		*token = text[0] != '\0';
		server = for_server[0] ? crm_xstrdup(for_server) : NULL;
		sodium_memzero(for_server, strlen(for_server));
		sodium_memzero(text, strlen(text));
	}
	free(text);
	free(path);
	return server;
}

char *
session_server(void)
{
	bool token;
	return stored_server(&token);
}

bool
session_unbound(void)
{
	bool token;
	char *server = stored_server(&token);
	free(server);
	return token && server == NULL;
}

void
session_remove(void)
{
	char *path = session_path();
	if (path != NULL) {
		unlink(path);
	}
	free(path);
}
