/* SPDX-License-Identifier: MIT */
/*
 * shell.h: running commands from a person or a script: the interactive
 * readline shell (callback interface inside one poll() loop, history,
 * prompt, signals), and the line-per-command mode for a stdin that is not
 * a terminal (no prompt, meaningful exit status).
 */
#ifndef SHELL_H
#define SHELL_H

#include <stdio.h>

#include "commands.h"

/*
 * shell_run: the interactive shell on the terminal until quit, Ctrl-D or
 * SIGTERM. Returns the exit status (0, or 1 when the terminal failed).
 */
int shell_run(struct cmd_ctx *ctx);

/*
 * shell_run_script: run in's lines as commands, one per line, skipping
 * blank lines and lines starting with '#'. Returns 0 when every command
 * succeeded, else the highest exit status (1 failed, 2 usage error).
 */
int shell_run_script(struct cmd_ctx *ctx, FILE *in);

/*
 * shell_print_async: print line (borrowed) above the prompt without
 * disturbing what the user is typing; for live reminders. Outside the
 * interactive shell it just prints the line.
 */
void shell_print_async(const char *line);

/*
 * shell_outbox_flush_async: send the outbox (cmd_outbox_flush) from the
 * idle shell, its lines printed above the prompt like reminders; for a
 * background call that found crmd answering again.
 */
void shell_outbox_flush_async(struct cmd_ctx *ctx);

/*
 * shell_catch_interrupts: for one command or a script (not the
 * interactive shell, which has its own): Ctrl-C, SIGTERM and SIGHUP
 * cancel what is armed with shell_cancel_arm (through ctx->cancel_fd and
 * the connection's cancel fd), and end crm otherwise.
 */
void shell_catch_interrupts(struct cmd_ctx *ctx);

/*
 * shell_cancel_arm: while on, Ctrl-C cancels (a question, a write in
 * flight) instead of ending crm. The interactive shell is always armed.
 * Arms nest: each on is undone by one off, and crm is armed until the
 * outermost is (an import across the writes it sends).
 */
void shell_cancel_arm(bool on);

/*
 * shell_death_note: note (a string that lives on: a literal), or NULL,
 * is written to stderr when a signal ends one command outside an armed
 * moment, so crm does not end in silence where that matters (sending
 * the outbox). Async-signal-safe: the handler only writes it.
 */
void shell_death_note(const char *note);

/* shell_history_path: CRM_HISTFILE, or $XDG_STATE_HOME/crm/history
 * (~/.local/state/crm/history). Caller frees with free(). */
char *shell_history_path(void);

#endif
