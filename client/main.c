/* SPDX-License-Identifier: MIT */
/*
 * main.c: the crm program: options, choosing how commands arrive (-c,
 * words on the command line, the interactive shell on a terminal, or one
 * command per line from a non-terminal stdin), and the exit status
 * (0 ok, 1 a command failed or was refused, 2 usage error, 3 a write's
 * outcome is unknown and it is kept in the outbox).
 */
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "complete.h"
#include "shell.h"
#include "ssh_tunnel.h"

static void
usage(FILE *f)
{
	char *url = conn_default_url();
	fprintf(f,
	    "Usage: crm [--server URL] [--format table|csv|json] "
	    "[-c COMMAND | COMMAND...]\n"
	    "\n"
	    "The crm shell: customers, contacts and follow-ups on a crmd "
	    "server.\n"
	    "Without a command it opens an interactive shell on a terminal, "
	    "or reads\n"
	    "one command per line from a standard input that is not a "
	    "terminal.\n"
	    "\n"
	    "  -s, --server URL     the server (default $CRM_SERVER, else "
	    "%s):\n"
	    "                       ipc://PATH, tcp://127.0.0.1:PORT, or\n"
	    "                       ssh://[USER@]HOST[:PORT][/CRMD_PORT] "
	    "through an ssh\n"
	    "                       tunnel to crmd's loopback port on HOST "
	    "(default %d)\n"
	    "  -f, --format FORMAT  table (default), csv or json\n"
	    "  -c, --command CMD    run CMD and exit, e.g. -c 'customer "
	    "list'\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        print the version\n"
	    "\n"
	    "Environment: CRM_SERVER, CRM_TIMEOUT_MS (default %d), "
	    "CRM_HISTFILE,\n"
	    "CRM_SSH (the ssh command for ssh://, default `ssh`, split at "
	    "blanks),\n"
	    "XDG_CONFIG_HOME (session), XDG_CACHE_HOME (customer names),\n"
	    "XDG_STATE_HOME (history, outbox).\n"
	    "Type `crm help` for the commands. Exit status: 0 ok, 1 a "
	    "command failed or\nwas refused, 2 usage error, 3 a write's "
	    "outcome is unknown: it is kept in the\noutbox (`crm outbox`) "
	    "and settled by `crm outbox send`.\n",
	    url, SSH_CRMD_PORT, CONN_TIMEOUT_MS);
	free(url);
}

/* What is wrong with an ipc:// or tcp:// server URL, or NULL. */
static const char *
url_problem(const char *url)
{
	if (strncmp(url, "ipc://", 6) == 0) {
		if (url[6] == '\0') {
			return "no socket path (ipc:///PATH)";
		}
		return url[6] != '/' ? "the socket's path must be absolute "
		                       "(ipc:///PATH)"
		                     : NULL;
	}
	if (strncmp(url, "tcp://", 6) != 0) {
		return "unsupported scheme (ipc://, tcp://, ssh://)";
	}
	const char *h = strchr(url + 6, ';');
	h = h ? h + 1 : url + 6;
	const char *colon = strrchr(h, ':');
	if (colon == NULL || colon == h || (h[0] == '[' && colon[-1] != ']')) {
		return "no port (tcp://HOST:PORT)";
	}
	const char *p = colon + 1;
	long port = 0;
	for (; *p >= '0' && *p <= '9' && port <= 65535; p++) {
		port = port * 10 + (*p - '0');
	}
	if (*p != '\0' || p == colon + 1 || port < 1 || port > 65535) {
		return "bad port (tcp://HOST:PORT, PORT 1 to 65535)";
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "command", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "test-hints", required_argument, NULL, 'T' }, /* hidden */
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx ctx;
	const char *server = getenv("CRM_SERVER"), *command = NULL;
	const char *hints = NULL, *env;
	char *url = NULL;
	int format = RENDER_TABLE, status = 0, timeout = 0, c;

	/* The user's character set only (UTF-8 widths, readline's input):
	 * numbers stay C's (a decimal comma would break CSV and JSON),
	 * and times are formatted by hand. The other categories cost a file
	 * each to load at every `crm -c`. */
	setlocale(LC_CTYPE, "");
	/* A reader that stops early (`crm -c 'log ...' | head -1`) does not
	 * kill crm between printing a write's answer and settling it in
	 * the outbox: a write to the closed pipe fails, crm goes on. Its
	 * children (ssh, xlsx2csv) get the default back. */
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cancel_fd = -1;
	/* "+": stop at the first word, so `crm customer add X --kind person`
	 * leaves the command's options alone. */
	while (
	    (c = getopt_long(argc, argv, "+s:f:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'f':
			format = render_format_parse(optarg);
			if (format < 0) {
				fprintf(stderr,
				    "crm: unknown format '%s' (table, csv or "
				    "json)\n",
				    optarg);
				return 2;
			}
			break;
		case 'c':
			command = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("crm %s (protocol %u)\n", CRM_VERSION,
			    CRM_PROTOCOL_VERSION);
			return 0;
		case 'T':
			hints = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (hints != NULL) {
		return complete_test_hints(hints);
	}
	if (command != NULL && optind < argc) {
		fprintf(stderr, "crm: give the command with -c or as words, "
		                "not both\n");
		usage(stderr);
		return 2;
	}
	if ((env = getenv("CRM_TIMEOUT_MS")) != NULL) {
		timeout = atoi(env);
	}
	url = server && server[0] ? crm_xstrdup(server) : conn_default_url();
	if (ssh_tunnel_is_url(url)) {
		struct ssh_url u;
		char why[300];
		if (ssh_tunnel_parse(url, &u, why, sizeof(why)) != CRM_OK) {
			fprintf(stderr, "crm: bad server URL '%s': %s\n", url,
			    why);
			free(url);
			return 2;
		}
	} else {
		const char *why = url_problem(url);
		if (why != NULL) {
			fprintf(stderr, "crm: bad server URL '%s': %s\n", url,
			    why);
			free(url);
			return 2;
		}
	}
	ctx.conn = conn_new(url, timeout);
	ctx.ropts.format = (render_format)format;
	ctx.ropts.width = format == RENDER_TABLE ? render_terminal_width() : 0;
	ctx.ropts.sanitize = isatty(STDOUT_FILENO);
	ctx.stdin_tty = isatty(STDIN_FILENO);
	cmd_session_start(&ctx);

	if (command != NULL || optind < argc || !ctx.stdin_tty) {
		shell_catch_interrupts(&ctx);
	}
	if (command != NULL) {
		status = cmd_run_line(&ctx, command);
	} else if (optind < argc) {
		status = cmd_run(&ctx, argc - optind, argv + optind);
	} else if (ctx.stdin_tty) {
		status = shell_run(&ctx);
	} else {
		status = shell_run_script(&ctx, stdin);
	}
	conn_free(ctx.conn);
	free(ctx.login);
	free(url);
	return status;
}
