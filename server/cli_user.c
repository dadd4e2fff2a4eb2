/* SPDX-License-Identifier: MIT */
/*
 * cli_user.c: `crmd user add LOGIN ...`, how the first admin is made:
 * creates a user in the database directly, without a running server,
 * the password read from standard input. The rules of a user are
 * user.c's; this file parses arguments and reads the password.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "config.h"
#include "crm.h"
#include "store.h"
#include "user.h"

/* One line of standard input without its newline, without echo on a
 * terminal. Returns 0 on success. */
static int
read_password(const char *prompt, char *buf, size_t len)
{
	int tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (got == NULL) {
		return -1;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
user_add_usage(FILE *out)
{
	fprintf(out, "Usage: crmd user add LOGIN --role admin|manager|rep "
	             "[--team TEAM] [--name NAME] [--data DIR]\n"
	             "Creates a user offline; the password is read from "
	             "standard input.\n");
	return out == stdout ? 0 : 2;
}

/* The arguments of `crmd user add`. */
struct user_args {
	const char *login, *role_s, *team, *name;
	int role;
};

/* parse_args: argv into a (and the data folder into cfg). Returns -1 when
 * they are complete, else the exit status after printing the usage. */
static int
parse_args(int argc, char **argv, struct srv_config *cfg,
    struct user_args *a /* OUT */)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "team", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof(*a));
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:t:n:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			a->role_s = optarg;
			break;
		case 't':
			a->team = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'd':
			free(cfg->data_dir);
			cfg->data_dir = crm_xstrdup(optarg);
			break;
		case 'h':
			return user_add_usage(stdout);
		default:
			return user_add_usage(stderr);
		}
	}
	if (optind != argc - 1 || a->role_s == NULL ||
	    crm_enum_parse(&crm__v1__role__descriptor, a->role_s, &a->role) !=
	        CRM_OK) {
		return user_add_usage(stderr);
	}
	a->login = argv[optind];
	return -1;
}

/* hash_new_password: the password from standard input (twice on a
 * terminal), hashed into pwhash. Returns 0, or -1 after saying why. */
static int
hash_new_password(char *pwhash /* OUT */)
{
	char pw[1100], again[1100];
	int rc = -1;
	if (read_password("Password: ", pw, sizeof(pw)) != 0) {
		fprintf(stderr, "crmd: no password on standard input\n");
		return -1;
	}
	if (isatty(STDIN_FILENO)) {
		if (read_password("Again: ", again, sizeof(again)) != 0 ||
		    strcmp(pw, again) != 0) {
			fprintf(stderr, "crmd: the passwords differ\n");
			goto out;
		}
	}
	if (strlen(pw) < CRM_PASSWORD_MIN) {
		fprintf(stderr,
		    "crmd: a password of at least %d characters is needed\n",
		    CRM_PASSWORD_MIN);
		goto out;
	}
	if (auth_init() == CRM_OK &&
	    auth_hash_password(pw, pwhash) == CRM_OK) {
		rc = 0;
	}
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(again, sizeof(again));
	return rc;
}

/* create_user: user a, with the password hash in ctx->prep.pwhash, made in
 * one write transaction of the database in cfg's data folder. Returns the
 * exit status after printing the outcome. */
static int
create_user(
    struct srv_config *cfg, const struct user_args *a, struct req_ctx *ctx)
{
	store *st = store_new();
	if (store_open(st, cfg->data_dir, cfg->map_size, STORE_ADMIN) !=
	    CRM_OK) {
		fprintf(stderr, "crmd: cannot open the database in %s\n",
		    cfg->data_dir);
		store_free(st);
		return 1;
	}
	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	ctx->st = st;
	ctx->arena = &arena;
	ctx->now = crm_time_now();
	ctx->action = "crmd.user.add";
	uint64_t id;
	crm_status rc = store_write_begin(st, &ctx->txn);
	if (rc == CRM_OK) {
		rc = user_create(ctx, a->login, a->name, a->role, a->team,
		    ctx->prep.pwhash, &id);
		if (rc == CRM_OK) {
			rc = store_write_commit(st, ctx->txn);
		} else {
			store_write_abort(st, ctx->txn);
		}
	}
	if (rc == CRM_OK) {
		printf("user %s created (id %llu, %s%s%s)\n", a->login,
		    (unsigned long long)id, a->role_s,
		    a->team ? ", team " : "", a->team ? a->team : "");
	} else {
		fprintf(stderr, "crmd: %s\n",
		    ctx->msg[0] ? ctx->msg : crm_strerror(rc));
	}
	crm_arena_fini(&arena);
	store_close(st);
	store_free(st);
	return rc == CRM_OK ? 0 : 1;
}

static int
user_add(int argc, char **argv)
{
	struct srv_config cfg;
	config_defaults(&cfg);
	struct user_args a;
	int rc = parse_args(argc, argv, &cfg, &a);
	if (rc < 0) {
		struct req_ctx ctx;
		memset(&ctx, 0, sizeof(ctx));
		rc = hash_new_password(ctx.prep.pwhash) == 0
		         ? create_user(&cfg, &a, &ctx)
		         : 1;
	}
	config_free(&cfg);
	return rc;
}

int
cli_user(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		return user_add(argc - 1, argv + 1);
	}
	bool help = argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	                             strcmp(argv[1], "-h") == 0);
	return user_add_usage(help ? stdout : stderr);
}
