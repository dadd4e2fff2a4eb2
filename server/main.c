/* SPDX-License-Identifier: MIT */
/*
 * main.c: crmd's entry: `crmd [OPTION]...` runs the server until SIGTERM
 * or SIGINT; `crmd NAME ...` runs an offline subcommand (cli.h: user add,
 * backup) from the table below. Start order: config, store, auth, sockets and
 * threads; stop order is the reverse, after the writer has answered its queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "backup.h"
#include "cli.h"
#include "config.h"
#include "crm.h"
#include "remote_key.h"
#include "store.h"
#include "store_schema.h"
#include "transport.h"
#include "upgrade.h"

#define BEAT_SECONDS         5
#define READER_CHECK_SECONDS 60
#define TRIM_SECONDS         2
/* glibc's largest: blocks up to it come from the heaps (serve, below). */
#define SERVE_MMAP_THRESHOLD (32 * 1024 * 1024)
/* Free heap memory kept for reuse; more goes back (give_back). */
#define SERVE_FREE_KEEP (16u * 1024u * 1024u)

/* The offline subcommands, `crmd NAME ...`: each runs with argv[0] =
 * NAME and returns the exit status. One row (and one cli_*.c file) each. */
/* The data folder and its data.mdb are crmd's alone: one others may
 * write to lets any local user rewrite records (said, not refused: a
 * running team's server keeps serving). */
static void
warn_open_to_others(const char *dir)
{
	const char *names[] = { "", "/data.mdb" };
	for (size_t i = 0; i < 2; i++) {
		char *p = crm_xasprintf("%s%s", dir, names[i]);
		struct stat st;
		if (stat(p, &st) == 0 && (st.st_mode & 022) != 0) {
			crm_warn("%s is writable by %s (mode %04o): any "
			         "local user could change the data; chmod "
			         "%s %s",
			    p, (st.st_mode & 002) ? "everyone" : "its group",
			    (unsigned)(st.st_mode & 07777), i ? "600" : "700",
			    p);
		}
		free(p);
	}
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "backup", cli_backup },
	{ "remote-key", remote_key_main }, /* remote_key.c (issue 20) */
	{ "user", cli_user },
};

/* SIGTERM or SIGINT during the upgrade: the transaction under way is
 * dropped with the process, what was committed stays (store_relocate's
 * batches, the steps before). */
static void
upgrade_stopped(int sig)
{
	static const char msg[] =
	    "crmd: stopped during the data upgrade; what it finished is kept: "
	    "start crmd again to finish it\n";
	(void)sig;
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(0);
}

/* A database without users is new (a mistyped --data makes one): say
 * so, and how to make the first admin, instead of serving it silently
 * to logins that all fail. */
static void
warn_if_no_users(store *st, const char *dir)
{
	MDB_txn *txn = NULL;
	if (store_read_begin(st, &txn) != CRM_OK) {
		return;
	}
	int none = store_empty(st, txn, DB_USERS);
	store_read_end(st, txn);
	store_read_free(txn);
	if (none) {
		crm_warn("%s holds no users (a new database: check --data); "
		         "make the first admin with `crmd user add LOGIN "
		         "--role admin --data %s`",
		    dir, dir);
	}
}

/* Give the heaps' free memory back to the system when there is more of
 * it than SERVE_FREE_KEEP: what 2,000 unfinished 64 KiB frames held
 * (preauth_memory_test), not what the requests of a busy second reuse. */
static void
give_back(void)
{
	struct mallinfo2 mi = mallinfo2();
	if (mi.fordblks > SERVE_FREE_KEEP) {
		(void)malloc_trim(0);
	}
}

/* One crmd per data folder: a second would not see the first's
 * in-memory state (login slow-down) and would double the writers. */
static int
serve(struct srv_config *cfg)
{
	int rc = 1;
	crm_log_set_level((enum crm_log_level)cfg->log_level);
	/* A report's arrays (a team's customers, its wins) are megabytes,
	 * reallocated as they grow. Mapped on their own, each block cost an
	 * mmap, page faults and a munmap or mremap that flushed every CPU's
	 * TLB, so concurrent reports held each other up (team conversion
	 * on the 1,000,000 set, 4 clients: 36 a second, 50 ms of CPU each;
	 * from the heaps: 54 a second, 37 ms). They come from the heaps,
	 * reused from one request to the next; the heaps' free memory goes
	 * back every TRIM_SECONDS (give_back), so the buffers of peers that
	 * never log in (transport.c) come back after they leave. */
	if (mallopt(M_MMAP_THRESHOLD, SERVE_MMAP_THRESHOLD) != 1) {
		crm_warn("mallopt M_MMAP_THRESHOLD failed");
	}
	if (auth_init() != CRM_OK) {
		crm_err("libsodium failed to start");
		return 1;
	}
	/* Before the store: an address crmd would refuse is said now, not
	 * after minutes of a schema upgrade. */
	if (transport_check(cfg) != CRM_OK) {
		return 1;
	}
	store *st = store_new();
	if (store_open(st, cfg->data_dir, cfg->map_size, 0) != CRM_OK) {
		crm_err("cannot open the database in %s", cfg->data_dir);
		store_free(st);
		return 1;
	}
	if (cfg->trace_leaves) {
		store_trace_enable(st);
	}
	warn_open_to_others(cfg->data_dir);
	int lock = store_lock_dir(cfg->data_dir);
	if (lock < 0) {
		crm_err(lock == -2 ? "another crmd or crm-gen is using %s"
		                   : "cannot lock %s",
		    cfg->data_dir);
		store_close(st);
		store_free(st);
		return 1;
	}
	/* An upgrade of a large data set takes minutes: a stop meanwhile
	 * says what became of it (each step commits on its own). */
	struct sigaction up = { .sa_handler = upgrade_stopped }, was_term,
	                 was_int;
	sigemptyset(&up.sa_mask);
	sigaction(SIGTERM, &up, &was_term);
	sigaction(SIGINT, &up, &was_int);
	crm_status urc = upgrade_run(st);
	sigaction(SIGTERM, &was_term, NULL);
	sigaction(SIGINT, &was_int, NULL);
	if (urc != CRM_OK) {
		crm_err("cannot upgrade the database in %s", cfg->data_dir);
		goto out;
	}
	warn_if_no_users(st, cfg->data_dir);
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
	if (transport_start(cfg, st, &t) != CRM_OK) {
		goto out;
	}
	crm_info("crmd %s serving %s with %d workers", CRM_VERSION,
	    cfg->data_dir, cfg->workers);
	int64_t last_check = crm_time_now();
	struct timespec last_beat;
	clock_gettime(CLOCK_MONOTONIC, &last_beat);
	for (;;) {
		struct timespec tmo = { TRIM_SECONDS, 0 };
		int sig = sigtimedwait(&set, NULL, &tmo);
		if (sig == SIGTERM || sig == SIGINT) {
			crm_info("signal %d: stopping", sig);
			break;
		}
		give_back();
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - last_beat.tv_sec >= BEAT_SECONDS) {
			transport_beat(t);
			last_beat = now;
		}
		if (crm_time_now() - last_check >= READER_CHECK_SECONDS) {
			int dead = store_reader_check(st);
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
	store_close(st);
	store_free(st);
	close(lock);
	return rc;
}

int
main(int argc, char **argv)
{
	/* The host's time zone, read once: with no TZ, glibc's mktime
	 * looks at /etc/localtime again on every call (a stat each, one or
	 * two a write in the writer thread). Set before any thread starts;
	 * a TZ given to crmd is kept as it is. */
	if (getenv("TZ") == NULL) {
		(void)setenv("TZ", ":/etc/localtime", 0);
	}
	tzset();
	/* Whatever crmd makes is its user's alone (its sockets, backups,
	 * the data folder), whatever umask it was started with. */
	umask(077);
	if (argc >= 2) {
		for (size_t i = 0;
		     i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
			if (strcmp(argv[1], subcommands[i].name) == 0) {
				return subcommands[i].run(argc - 1, argv + 1);
			}
		}
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
