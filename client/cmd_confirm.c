/* SPDX-License-Identifier: MIT */
/*
 * cmd_confirm.c: asking before a big action (commands.h, cmd_confirm). The
 * question goes to stderr and the answer comes from the terminal; a script
 * (no terminal on stdin) must say --yes, so it never waits for an answer
 * nobody gives, nor takes a line of its own input for one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"

/* Whether answer (blanks around it ignored) says yes. */
static bool
is_yes(const char *answer)
{
	static const char *const yes[] = { "y", "yes", "是", "是的", "好",
		NULL };
	size_t lead = strspn(answer, " \t");
	size_t len = strlen(answer + lead);
	while (len > 0 && strchr(" \t\r\n", answer[lead + len - 1]) != NULL) {
		len--;
	}
	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strlen(yes[i]) == len &&
		    strncasecmp(answer + lead, yes[i], len) == 0) {
			return true;
		}
	}
	return false;
}

crm_status
cmd_confirm(
    struct cmd_ctx *ctx, const struct cmd_call *call, const char *question)
{
	if (cmd_opt(call, "--yes") != NULL) {
		return CRM_OK;
	}
	if (!ctx->stdin_tty) {
		cmd_error("%s asks before it acts, and stdin is not a "
		          "terminal: add --yes to go ahead without asking",
		    call->row->name);
		ctx->usage_error = true;
		return CRM_EINVAL;
	}
	fflush(stdout);
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char *line = NULL;
	ssize_t n = cmd_tty_line(ctx, &line);
	if (n == -1) {
		fputc('\n', stderr);
		clearerr(stdin);
	}
	bool yes = n >= 0 && is_yes(line);
	free(line);
	if (!yes) {
		fprintf(stderr, "nothing done\n");
		return CRM_EINVAL;
	}
	return CRM_OK;
}
