/* SPDX-License-Identifier: MIT */
/*
 * outbox_seen.c: which login a session was (outbox.h's outbox_note_login
 * and outbox_login_of): $XDG_STATE_HOME/crm/sessions-seen holds the
 * fingerprints of a few recent sessions with their logins, newest first,
 * so a write kept offline says whose it is and is resent only as them.
 * Not the outbox file itself (outbox.c).
 */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "paths.h"

#define SEEN_MAX 16 /* sessions remembered in sessions-seen */

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
