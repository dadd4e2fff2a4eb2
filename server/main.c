/* SPDX-License-Identifier: MIT */
/*
 * main.c: crmd's entry: `crmd [OPTION]...` runs the server until SIGTERM
 * or SIGINT; `crmd user add ...` creates a user offline (how the first
 * admin is made). Start order: config, store, auth, sockets and threads;
 * stop order is the reverse, after the writer has answered its queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "backup.h"
#include "config.h"
#include "crm.h"
#include "remote_key.h"
#include "store.h"
#include "transport.h"
#include "upgrade.h"
#include "user.h"

#define BEAT_SECONDS         5
#define READER_CHECK_SECONDS 60
#define SERVE_MMAP_THRESHOLD (32 * 1024)

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
backup_usage(FILE *out)
{
	fprintf(out, "Usage: crmd backup [--data DIR] OUT\n"
	             "Copies the database in DIR (default: crmd's data "
	             "folder) into the new\nfolder OUT: hot (crmd may be "
	             "running), compacted, verified, then\nrenamed into "
	             "place.\n");
	return out == stdout ? 0 : 2;
}

static int
cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct srv_config cfg;
	config_defaults(&cfg);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		if (ch == 'd') {
			free(cfg.data_dir);
			cfg.data_dir = crm_xstrdup(optarg);
		} else {
			config_free(&cfg);
			return backup_usage(ch == 'h' ? stdout : stderr);
		}
	}
	if (optind != argc - 1) {
		config_free(&cfg);
		return backup_usage(stderr);
	}
	store st;
	if (store_open(&st, cfg.data_dir, 0, 1) != CRM_OK) {
		fprintf(stderr, "crmd: no database in %s\n", cfg.data_dir);
		config_free(&cfg);
		return 1;
	}
	struct backup_result r;
	crm_status rc = backup_make(&st, argv[optind], &r);
	store_close(&st);
	if (rc != CRM_OK) {
		fprintf(stderr, "crmd: backup failed: %s\n", r.why);
	} else {
		printf("backup: %s: %llu bytes, %llu entries checked, "
		       "%.2f s\n",
		    argv[optind], (unsigned long long)r.bytes,
		    (unsigned long long)r.entries, r.seconds);
	}
	config_free(&cfg);
	return rc == CRM_OK ? 0 : 1;
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

static int
cmd_user_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "team", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct srv_config cfg;
	config_defaults(&cfg);
	const char *role_s = NULL, *team = NULL, *name = NULL;
	int ch, rc = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:t:n:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			role_s = optarg;
			break;
		case 't':
			team = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'd':
			free(cfg.data_dir);
			cfg.data_dir = crm_xstrdup(optarg);
			break;
		case 'h':
			config_free(&cfg);
			return user_add_usage(stdout);
		default:
			config_free(&cfg);
			return user_add_usage(stderr);
		}
	}
	int role = 0;
	if (optind != argc - 1 || role_s == NULL ||
	    crm_enum_parse(&crm__v1__role__descriptor, role_s, &role) !=
	        CRM_OK) {
		config_free(&cfg);
		return user_add_usage(stderr);
	}
	const char *login = argv[optind];
	char pw[1100], again[1100];
	if (read_password("Password: ", pw, sizeof(pw)) != 0) {
		fprintf(stderr, "crmd: no password on standard input\n");
		goto out;
	}
	if (isatty(STDIN_FILENO)) {
		if (read_password("Again: ", again, sizeof(again)) != 0 ||
		    strcmp(pw, again) != 0) {
			fprintf(stderr, "crmd: the passwords differ\n");
			goto out;
		}
	}
	if (strlen(pw) < 3) {
		fprintf(stderr, "crmd: a password of at least 3 characters "
		                "is needed\n");
		goto out;
	}
	if (auth_init() != CRM_OK) {
		goto out;
	}
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	if (auth_hash_password(pw, ctx.prep.pwhash) != CRM_OK) {
		goto out;
	}
	sodium_memzero(pw, sizeof(pw));
	store st;
	if (store_open(&st, cfg.data_dir, cfg.map_size, 0) != CRM_OK) {
		fprintf(stderr, "crmd: cannot open the database in %s\n",
		    cfg.data_dir);
		goto out;
	}
	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	ctx.st = &st;
	ctx.arena = &arena;
	ctx.now = crm_time_now();
	ctx.action = "crmd.user.add";
	uint64_t id;
	crm_status st_rc = store_write_begin(&st, &ctx.txn);
	if (st_rc == CRM_OK) {
		st_rc = user_create(
		    &ctx, login, name, role, team, ctx.prep.pwhash, &id);
		if (st_rc == CRM_OK) {
			st_rc = store_write_commit(&st, ctx.txn);
		} else {
			store_write_abort(&st, ctx.txn);
		}
	}
	if (st_rc == CRM_OK) {
		printf("user %s created (id %llu, %s%s%s)\n", login,
		    (unsigned long long)id, role_s, team ? ", team " : "",
		    team ? team : "");
		rc = 0;
	} else {
		fprintf(stderr, "crmd: %s\n",
		    ctx.msg[0] ? ctx.msg : crm_strerror(st_rc));
	}
	crm_arena_fini(&arena);
	store_close(&st);
out:
	config_free(&cfg);
	return rc;
}

/* One crmd per data folder: a second would not see the first's
 * in-memory state (login slow-down) and would double the writers. */
static int
serve(struct srv_config *cfg)
{
	int rc = 1;
	crm_log_set_level((enum crm_log_level)cfg->log_level);
	/* Peers that never log in make nanomsg allocate up to the receive
	 * limit each (transport.c); in glibc's heaps those buffers would
	 * stay mapped after the peers leave. Blocks this large are mapped
	 * on their own instead, and given back when freed. */
	if (mallopt(M_MMAP_THRESHOLD, SERVE_MMAP_THRESHOLD) != 1) {
		crm_warn("mallopt M_MMAP_THRESHOLD failed");
	}
	if (auth_init() != CRM_OK) {
		crm_err("libsodium failed to start");
		return 1;
	}
	store st;
	if (store_open(&st, cfg->data_dir, cfg->map_size, 0) != CRM_OK) {
		crm_err("cannot open the database in %s", cfg->data_dir);
		return 1;
	}
	int lock = store_lock_dir(cfg->data_dir);
	if (lock < 0) {
		crm_err(
		    lock == -2 ? "another crmd serves %s" : "cannot lock %s",
		    cfg->data_dir);
		store_close(&st);
		return 1;
	}
	if (upgrade_run(&st) != CRM_OK) {
		crm_err("cannot upgrade the database in %s", cfg->data_dir);
		goto out;
	}
	/* Temporary folders of backups a crash cut short, in the backups
	 * folder beside the data (where `backup NAME` writes). */
	char *data_copy = crm_xstrdup(cfg->data_dir);
	char *backups = crm_xasprintf("%s/backups", dirname(data_copy));
	backup_clean_leftovers(backups);
	free(backups);
	free(data_copy);
	/* Threads inherit this mask; only main takes the signals. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit makes writes fail with EFBIG (answered as
	 * RESOURCE_EXHAUSTED) instead of killing the server. */
	signal(SIGXFSZ, SIG_IGN);

	transport *t;
	if (transport_start(cfg, &st, &t) != CRM_OK) {
		goto out;
	}
	crm_info("crmd %s serving %s with %d workers", CRM_VERSION,
	    cfg->data_dir, cfg->workers);
	int64_t last_check = crm_time_now();
	for (;;) {
		struct timespec tmo = { BEAT_SECONDS, 0 };
		int sig = sigtimedwait(&set, NULL, &tmo);
		if (sig == SIGTERM || sig == SIGINT) {
			crm_info("signal %d: stopping", sig);
			break;
		}
		transport_beat(t);
		if (crm_time_now() - last_check >= READER_CHECK_SECONDS) {
			int dead = 0;
			mdb_reader_check(st.env, &dead);
			if (dead > 0) {
				crm_warn("cleared %d stale readers", dead);
			}
			last_check = crm_time_now();
		}
	}
	transport_stop(t);
	rc = 0;
	crm_info("stopped");
out:
	store_close(&st);
	close(lock);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "remote-key") == 0) {
		return remote_key_main(argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "backup") == 0) {
		return cmd_backup(argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "user") == 0) {
		if (argc >= 3 && strcmp(argv[2], "add") == 0) {
			return cmd_user_add(argc - 2, argv + 2);
		}
		return user_add_usage(stderr);
	}
	struct srv_config cfg;
	config_defaults(&cfg);
	crm_status rc = config_parse(&cfg, argc, argv);
	if (rc != CRM_OK) {
		config_free(&cfg);
		return rc == CRM_NOT_FOUND ? 0 : 2;
	}
	int code = serve(&cfg);
	config_free(&cfg);
	return code;
}
