/* SPDX-License-Identifier: MIT */
/*
 * shell.c: the interactive loop and the script loop (see shell.h). One
 * poll() watches stdin (fed to readline's callback interface), a signal
 * self-pipe and the SUB socket of live reminders (reminders.c), whose
 * minute poll sets the timeout. Passwords are read by the commands
 * themselves, outside readline, so they never reach history.
 */
#include "shell.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "crm_path.h"
#include "paths.h"
#include "reminders.h"

#define HISTORY_MAX 1000

static struct cmd_ctx *shell_ctx;
static int sig_pipe[2] = { -1, -1 };    /* every signal we handle */
static int cancel_pipe[2] = { -1, -1 }; /* SIGINT/SIGTERM: stop a request */
static char *hist_path;
static char *prompt;
static bool running;
static bool in_readline; /* the callback handler is installed */
/* One command (-c, words, a script): Ctrl-C cancels only while armed
 * (a write in flight, a question being asked, an import); otherwise it
 * ends crm as it always did. armed counts the arms not yet undone: an
 * import stays armed across the writes it sends, each armed itself. */
static volatile sig_atomic_t armed, interrupted;
/* Said when a signal ends crm outside an armed moment (shell_death_note). */
static const char *volatile death_note;

/* ------------------------------------------------------------ signals */

static void
on_signal(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t n = write(sig_pipe[1], &b, 1);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
		n = write(cancel_pipe[1], &b, 1);
	}
	(void)n;
	errno = e;
}

static int
make_pipe(int p[2])
{
	if (pipe(p) < 0) {
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
		fcntl(p[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

static void
drain(int fd)
{
	unsigned char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0) {
	}
}

/* SIGINT, SIGTERM and SIGHUP (and SIGWINCH when winch) to handler,
 * restarting system calls. */
static void
catch_signals(void (*handler)(int), bool winch)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (winch) {
		sigaction(SIGWINCH, &sa, NULL);
	}
}

static void
on_command_signal(int sig)
{
	int e = errno;
	interrupted = 1;
	if (!armed) {
		const char *note = death_note;
		if (note != NULL) {
			ssize_t w = write(STDERR_FILENO, note, strlen(note));
			(void)w;
		}
		signal(sig, SIG_DFL);
		raise(sig);
	}
	unsigned char b = (unsigned char)sig;
	ssize_t n = write(cancel_pipe[1], &b, 1);
	(void)n;
	errno = e;
}

void
shell_catch_interrupts(struct cmd_ctx *ctx)
{
	if (make_pipe(cancel_pipe) < 0) {
		return;
	}
	catch_signals(on_command_signal, false);
	conn_set_cancel_fd(ctx->conn, cancel_pipe[0]);
	ctx->cancel_fd = cancel_pipe[0];
}

void
shell_cancel_arm(bool on)
{
	if (on && armed == 0) {
		interrupted = 0;
	}
	if (!running) {
		armed = on ? armed + 1 : armed > 0 ? armed - 1 : 0;
	}
}

void
shell_death_note(const char *note)
{
	death_note = note;
}

/* ------------------------------------------------------------ output */

void
shell_print_async(const char *line)
{
	char *clean = crm_utf8_sanitize(line, false);
	if (!in_readline) {
		printf("%s\n", clean);
		fflush(stdout);
		free(clean);
		return;
	}
	int saved_point = rl_point;
	rl_clear_visible_line();
	printf("%s\n", clean);
	fflush(stdout);
	rl_on_new_line();
	rl_point = saved_point;
	rl_redisplay();
	free(clean);
}

void
shell_outbox_flush_async(struct cmd_ctx *ctx)
{
	if (!in_readline) {
		cmd_outbox_flush(ctx);
		return;
	}
	int saved_point = rl_point;
	rl_clear_visible_line();
	fflush(stdout);
	cmd_outbox_flush(ctx);
	fflush(stdout);
	fflush(stderr);
	rl_on_new_line();
	rl_point = saved_point;
	rl_redisplay();
}

/* ------------------------------------------------------------ history */

char *
shell_history_path(void)
{
	const char *env = getenv("CRM_HISTFILE");
	if (env != NULL && env[0] != '\0') {
		return crm_xstrdup(env);
	}
	return paths_xdg("XDG_STATE_HOME", ".local/state", "history");
}

static void
history_open(void)
{
	int fd;
	hist_path = shell_history_path();
	if (hist_path == NULL) {
		return;
	}
	using_history();
	stifle_history(HISTORY_MAX);
	if (crm_path_mkdir_parent(hist_path) != CRM_OK) {
		goto fail;
	}
	/* Create it private before readline ever writes to it. */
	fd = open(hist_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		goto fail;
	}
	fchmod(fd, 0600);
	close(fd);
	read_history(hist_path);
	return;
fail:
	free(hist_path);
	hist_path = NULL;
}

static void
history_remember(const char *line)
{
	HIST_ENTRY *last = history_get(history_base + history_length - 1);
	if (cmd_line_sensitive(line) ||
	    (last != NULL && strcmp(last->line, line) == 0)) {
		return;
	}
	add_history(line);
	if (hist_path != NULL) {
		append_history(1, hist_path);
	}
}

static void
history_close(void)
{
	if (hist_path != NULL) {
		history_truncate_file(hist_path, HISTORY_MAX);
	}
	clear_history();
	free(hist_path);
	hist_path = NULL;
}

/* ------------------------------------------------------------ loop */

static void
update_prompt(void)
{
	free(prompt);
	prompt = shell_ctx->login ? crm_xasprintf("crm %s> ", shell_ctx->login)
	                          : crm_xstrdup("crm> ");
	rl_set_prompt(prompt);
}

static bool
blank(const char *s)
{
	s += strspn(s, " \t\r\n");
	return *s == '\0';
}

/* readline's line handler: one complete line, or NULL at end of input. */
static void
on_line(char *line)
{
	if (line == NULL) {
		putchar('\n');
		running = false;
		rl_callback_handler_remove();
		in_readline = false;
		return;
	}
	if (!blank(line)) {
		char *who =
		    shell_ctx->login ? crm_xstrdup(shell_ctx->login) : NULL;
		history_remember(line);
		drain(cancel_pipe[0]);
		(void)cmd_run_line(shell_ctx, line);
		/* crmd answers again after it was away: settle what waits. */
		if (shell_ctx->back_online) {
			shell_ctx->back_online = false;
			cmd_outbox_flush(shell_ctx);
		}
		/* Another user's reminders are not ours: start afresh. */
		if ((who == NULL) != (shell_ctx->login == NULL) ||
		    (who != NULL && strcmp(who, shell_ctx->login) != 0)) {
			reminders_session_changed();
		}
		free(who);
	}
	free(line);
	if (shell_ctx->quit) {
		running = false;
		rl_callback_handler_remove();
		in_readline = false;
		return;
	}
	update_prompt();
}

static void
handle_signals(void)
{
	unsigned char buf[16];
	ssize_t n;
	while ((n = read(sig_pipe[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == SIGWINCH) {
				rl_resize_terminal();
				shell_ctx->ropts.width =
				    render_terminal_width();
			} else if (buf[i] == SIGINT) {
				/* Drop the line being typed, like a shell. */
				rl_callback_sigcleanup();
				rl_replace_line("", 0);
				rl_point = rl_end = 0;
				rl_crlf();
				rl_on_new_line();
				rl_redisplay();
			} else {
				running = false;
			}
		}
	}
	drain(cancel_pipe[0]);
}

int
shell_run(struct cmd_ctx *ctx)
{
	int status = 0;

	shell_ctx = ctx;
	if (make_pipe(sig_pipe) < 0 || make_pipe(cancel_pipe) < 0) {
		perror("crm: pipe");
		return 1;
	}
	catch_signals(on_signal, true);
	conn_set_cancel_fd(ctx->conn, cancel_pipe[0]);
	ctx->cancel_fd = cancel_pipe[0];
	ctx->interactive = true;
	history_open();
	complete_install();
	rl_catch_signals = 0; /* our poll loop owns the signals */
	rl_catch_sigwinch = 0;
	cmd_session_whoami_quiet(ctx);
	printf("crm %s: type help for commands, TAB to complete, Ctrl-D to "
	       "leave.\n",
	    CRM_VERSION);
	cmd_outbox_flush(ctx); /* writes kept while crmd was away */
	update_prompt();
	rl_callback_handler_install(prompt, on_line);
	in_readline = true;
	running = true;
	reminders_start(ctx);
	while (running) {
		/* Live reminders: the SUB socket's NN_RCVFD (a poke) and the
		 * minute poll's deadline. Commands run inside
		 * rl_callback_read_char, so a fetch never overlaps one. */
		/* ssh's stderr (ssh://): its lines above the prompt. */
		struct pollfd p[4] = { { STDIN_FILENO, POLLIN, 0 },
			{ sig_pipe[0], POLLIN, 0 },
			{ reminders_fd(), POLLIN, 0 },
			{ conn_ssh_err_fd(ctx->conn), POLLIN, 0 } };
		int n = poll(p, 4, reminders_timeout_ms());
		if (n < 0 && errno != EINTR) {
			perror("crm: poll");
			status = 1;
			break;
		}
		if (n > 0 && (p[1].revents & POLLIN)) {
			handle_signals();
		}
		if (n > 0 && p[2].fd >= 0 && (p[2].revents & POLLIN)) {
			reminders_readable();
		}
		if (n > 0 && p[3].fd >= 0 &&
		    (p[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			conn_ssh_messages(ctx->conn, shell_print_async);
		}
		if (running && n > 0 &&
		    (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			rl_callback_read_char();
		}
		/* Print only while the keyboard rests: a reminder never
		 * lands between the bytes of one typed character. */
		if (running && in_readline &&
		    (n == 0 || !(p[0].revents & POLLIN))) {
			reminders_tick(ctx);
		}
	}
	reminders_stop();
	if (in_readline) {
		rl_callback_handler_remove();
		in_readline = false;
		putchar('\n');
	}
	history_close();
	conn_set_cancel_fd(ctx->conn, -1);
	ctx->cancel_fd = -1;
	free(prompt);
	prompt = NULL;
	for (int i = 0; i < 2; i++) {
		close(sig_pipe[i]);
		close(cancel_pipe[i]);
	}
	return status;
}

int
shell_run_script(struct cmd_ctx *ctx, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int worst = 0;

	unsigned lineno = 0;
	ssize_t n;

	shell_ctx = ctx;
	while (!ctx->quit && (n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			/* C strings would end there: run none of it. */
			cmd_set_script_line(lineno);
			cmd_error("a NUL byte in the line; not run");
			worst = worst > 2 ? worst : 2;
			continue;
		}
		const char *s = line + strspn(line, " \t");
		if (*s == '#' || blank(s)) {
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		cmd_set_script_line(lineno);
		int st = cmd_run_line(ctx, line);
		worst = st > worst ? st : worst;
		if (interrupted) {
			fprintf(stderr, "crm: interrupted; the rest of the "
			                "script is not run\n");
			worst = worst ? worst : 1;
			break;
		}
	}
	cmd_set_script_line(0);
	free(line);
	return worst;
}
