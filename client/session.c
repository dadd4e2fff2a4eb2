/* SPDX-License-Identifier: MIT */
/* session.c: the 0600 session-token file (see session.h). */
#include "session.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_validate.h"
#include "crm_xmalloc.h"
#include "paths.h"

char *
session_path(void)
{
	return paths_xdg("XDG_CONFIG_HOME", ".config", "session");
}

crm_status
session_load(uint8_t **token, size_t *len)
{
	crm_status rc = CRM_NOT_FOUND;
	char *path = session_path();
	char *text = path ? paths_read(path) : NULL;
	uint8_t *bin = NULL;
	size_t n = 0;

	*token = NULL;
	*len = 0;
	if (text == NULL) {
		goto out;
	}
	text[strcspn(text, "\r\n")] = '\0';
	bin = crm_xmalloc(strlen(text) / 2 + 1);
	if (sodium_hex2bin(bin, strlen(text) / 2 + 1, text, strlen(text), NULL,
	        &n, NULL) != 0 ||
	    n == 0 || n > CRM_MAX_BYTES) {
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
session_save(const uint8_t *token, size_t len)
{
	crm_status rc = CRM_INTERNAL;
	char *path = session_path();
	char *hex = crm_xmalloc(2 * len + 2);

	if (path == NULL) {
		goto out;
	}
	sodium_bin2hex(hex, 2 * len + 1, token, len);
	strcat(hex, "\n");
	rc = paths_write_private(path, hex);
out:
	sodium_memzero(hex, 2 * len + 2);
	free(hex);
	free(path);
	return rc;
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
