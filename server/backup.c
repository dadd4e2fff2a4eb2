/* SPDX-License-Identifier: MIT */
/*
 * backup.c: hot backups (backup.h), and the backup request. Both sides
 * of the copy process are here: backup_make starts it and reads its
 * result, backup_child (in it) copies, verifies and renames.
 */
#define _GNU_SOURCE /* spawn's addclosefrom_np, sigabbrev_np */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "crm.h"
#include "handlers.h"

static double
now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
remove_dir(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

/* A backup in progress is the folder "OUT" + PARTIAL + "PID-N" (PID: the
 * copy process's, N: 0; older crmds counted backups in one process): a
 * name nobody gives a folder by chance, so the cleaner below can tell a
 * leftover of a crashed backup from anything else. */
#define PARTIAL ".crm-partial-"

/* A leftover: NAME.crm-partial-PID-N of a process that is gone (not us:
 * our own are in progress or were removed), holding only the copy's
 * two files. Anything else there is not ours to remove. */
static int
leftover(const char *dir, const char *name)
{
	const char *tag = strstr(name, PARTIAL);
	if (tag == NULL || tag == name) {
		return 0;
	}
	char *end;
	long pid = strtol(tag + strlen(PARTIAL), &end, 10);
	if (pid <= 0 || *end != '-' || end[1] < '0' || end[1] > '9' ||
	    strspn(end + 1, "0123456789") != strlen(end + 1)) {
		return 0;
	}
	if ((pid_t)pid == getpid() ||
	    (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) {
		return 0; /* ours, or its process may still be copying */
	}
	char *path = crm_xasprintf("%s/%s", dir, name);
	DIR *d = opendir(path);
	free(path);
	if (d == NULL) {
		return 0;
	}
	int only_copy = 1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "data.mdb") != 0 &&
		    strcmp(e->d_name, "lock.mdb") != 0) {
			only_copy = 0;
		}
	}
	closedir(d);
	return only_copy;
}

unsigned
backup_clean_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		return 0;
	}
	unsigned removed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!leftover(dir, e->d_name)) {
			continue;
		}
		char *path = crm_xasprintf("%s/%s", dir, e->d_name);
		if (strlen(path) < 4100) {
			remove_dir(path);
		}
		if (access(path, F_OK) != 0) {
			crm_info("removed %s, left by a backup that did not "
			         "finish",
			    path);
			removed++;
		}
		free(path);
	}
	closedir(d);
	return removed;
}

static int
sync_path(const char *path, int dir)
{
	int fd =
	    open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Verify the copy in dir: open it read-only and run every check. */
static crm_status
verify(const char *dir, struct backup_result *r)
{
	store *copy = store_new();
	crm_status rc = store_open(copy, dir, 0, 1);
	if (rc != CRM_OK) {
		store_free(copy);
		snprintf(r->why, sizeof(r->why), "the copy does not open");
		return CRM_INTERNAL;
	}
	crm_arena arena;
	crm_arena_init(&arena, 4u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = copy;
	ctx.arena = &arena;
	struct check chk = { .ctx = &ctx };
	MDB_txn *txn = NULL;
	rc = store_read_begin(copy, &txn);
	if (rc == CRM_OK) {
		ctx.txn = txn;
		rc = check_run(&chk);
		store_read_end(copy, txn);
		store_read_free(txn);
	}
	crm_arena_fini(&arena);
	store_close(copy);
	store_free(copy);
	r->entries = chk.entries;
	r->problems = chk.problems;
	if (rc == CRM_OK && chk.problems > 0) {
		snprintf(r->why, sizeof(r->why),
		    "the copy failed %llu checks (run crm-check on the data)",
		    (unsigned long long)chk.problems);
		rc = CRM_INTERNAL;
	}
	return rc;
}

/* The start of the reason a copy of damaged data failed, whichever way
 * it did (backup_make marks it stopped). */
#define DAMAGED "the copy stopped at damaged data ("

static unsigned long long copy_limit; /* limit_copy's bound, bytes */

/* A compacting copy holds no more than the data file it copies. On a
 * damaged page LMDB's walk can go round and round, writing without end
 * (on tmpfs until the machine runs out of memory): the copy process
 * may write files of twice the data file's size and 64 MiB more (crmd
 * may write while it copies), and a write past that fails (EFBIG, not
 * SIGXFSZ). */
static void
limit_copy(const char *data_dir)
{
	char path[4200];
	struct stat sb;
	struct rlimit rl;
	snprintf(path, sizeof(path), "%s/data.mdb", data_dir);
	if (stat(path, &sb) != 0 || getrlimit(RLIMIT_FSIZE, &rl) != 0) {
		return;
	}
	rlim_t want = (rlim_t)sb.st_size * 2 + ((rlim_t)64 << 20);
#ifdef CRM_TEST_HOOKS
	/* The bound as a test sets it: a copy that grows past it, on
	 * healthy data (the page that makes LMDB's walk go round varies). */
	const char *e = getenv("CRM_TEST_BACKUP_LIMIT");
	if (e != NULL && atoll(e) > 0) {
		want = (rlim_t)atoll(e);
	}
#endif
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
		want = rl.rlim_max;
	}
	/* Whole MiB: LMDB writes the copy with O_DIRECT, where a write
	 * cut at an unaligned bound fails EINVAL, not EFBIG. */
	want &= ~(((rlim_t)1 << 20) - 1);
	if (want == 0 ||
	    (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)) {
		return; /* already tighter */
	}
	signal(SIGXFSZ, SIG_IGN);
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_FSIZE, &rl) == 0) {
		copy_limit = (unsigned long long)want;
	}
}

/* The copy and its check, in the copy process: st is its own read-only
 * environment of the data. Into out's temporary folder, then renamed.
 * *lmdb_why: LMDB's text when the copy failed (else NULL). */
static crm_status
copy_here(store *st, const char *data_dir, const char *out,
    struct backup_result *r, const char **lmdb_why)
{
	struct stat sb;
	if (stat(out, &sb) == 0) {
		snprintf(r->why, sizeof(r->why), "%.200s already exists", out);
		return CRM_EXISTS;
	}
	char tmp[4100];
	snprintf(tmp, sizeof(tmp), "%s" PARTIAL "%ld-0", out, (long)getpid());
	if (mkdir(tmp, 0700) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot create %.200s: %s",
		    tmp, strerror(errno));
		return errno == ENOSPC ? CRM_TOO_BIG : CRM_EINVAL;
	}
	const char *why = NULL;
	crm_status crc = store_copy_compact(st, tmp, &why);
	*lmdb_why = why;
	char data[4200];
	snprintf(data, sizeof(data), "%s/data.mdb", tmp);
	if (crc != CRM_OK && why != NULL &&
	    strcmp(why, mdb_strerror(EFBIG)) == 0) {
		/* limit_copy's bound: a copy larger than the data it
		 * copies walks pages that are not what they say. */
		snprintf(r->why, sizeof(r->why),
		    DAMAGED "it grew past %llu bytes, more than the data "
		            "holds); run crm-check on %.200s",
		    (unsigned long long)copy_limit, data_dir);
		remove_dir(tmp);
		return CRM_INTERNAL;
	}
	if (crc != CRM_OK || sync_path(data, 0) != 0) {
		snprintf(r->why, sizeof(r->why), "copy: %s",
		    why != NULL ? why : strerror(errno));
		remove_dir(tmp);
		return crc == CRM_TOO_BIG || errno == ENOSPC ? CRM_TOO_BIG
		                                             : CRM_INTERNAL;
	}
	chmod(data, 0600); /* as private as the data folder */
	if (stat(data, &sb) == 0) {
		r->bytes = (uint64_t)sb.st_size;
	}
	crm_status rc = verify(tmp, r);
	if (rc != CRM_OK) {
		remove_dir(tmp);
		return rc;
	}
	char lock[4200];
	snprintf(lock, sizeof(lock), "%s/lock.mdb", tmp);
	unlink(lock);
	if (rename(tmp, out) != 0) {
		snprintf(r->why, sizeof(r->why), "rename to %.200s: %s", out,
		    strerror(errno));
		remove_dir(tmp);
		return CRM_INTERNAL;
	}
	char *parent = crm_xstrdup(out);
	sync_path(dirname(parent), 1);
	free(parent);
	return CRM_OK;
}

/* The copy process's result, its one line on stdout (the last thing it
 * does):
 *   crmd-backup: ok BYTES ENTRIES
 *   crmd-backup: fail CODE PROBLEMS WHY
 * A copy process that ends without it was stopped (damaged data, a
 * signal). */
#define RESULT_TAG "crmd-backup: "

int
backup_child(const char *data_dir, const char *out)
{
	struct backup_result r;
	crm_status rc;
	limit_copy(data_dir);
	/* crmd may grow the map between this open and the copy's read
	 * transaction (LMDB then says MDB_MAP_RESIZED; crmd's own copy was
	 * kept from that by its resize lock): opened again, at the new
	 * size, once. */
	for (int tries = 0;; tries++) {
		memset(&r, 0, sizeof(r));
		const char *lmdb_why = NULL;
		store *st = store_new();
		rc = store_open(st, data_dir, 0, STORE_READ_ONLY);
		if (rc != CRM_OK) {
			snprintf(r.why, sizeof(r.why),
			    "the copy process cannot open the database in "
			    "%.200s (%s)",
			    data_dir, crm_strerror(rc));
		} else {
			rc = copy_here(st, data_dir, out, &r, &lmdb_why);
			store_close(st);
		}
		store_free(st);
		if (rc == CRM_OK || tries > 0 || lmdb_why == NULL ||
		    strcmp(lmdb_why, mdb_strerror(MDB_MAP_RESIZED)) != 0) {
			break;
		}
	}
	if (rc == CRM_OK) {
		printf(RESULT_TAG "ok %llu %llu\n",
		    (unsigned long long)r.bytes,
		    (unsigned long long)r.entries);
	} else {
		for (char *c = r.why; *c != '\0'; c++) {
			if (*c == '\n' || *c == '\r') {
				*c = ' '; /* one line, whatever a path holds */
			}
		}
		printf(RESULT_TAG "fail %d %llu %s\n", (int)rc,
		    (unsigned long long)r.problems, r.why);
	}
	return fflush(stdout) == 0 && rc == CRM_OK ? 0 : 1;
}

/* The result line in buf into r and *rc; 0 when there is none. */
static int
read_result(const char *buf, struct backup_result *r, crm_status *rc)
{
	const char *line = NULL;
	for (const char *q = buf; q != NULL && *q != '\0';) {
		if (strncmp(q, RESULT_TAG, strlen(RESULT_TAG)) == 0) {
			line = q + strlen(RESULT_TAG);
		}
		q = strchr(q, '\n');
		q = q != NULL ? q + 1 : NULL;
	}
	unsigned long long a, b;
	int code, at = -1;
	if (line == NULL) {
		return 0;
	}
	if (sscanf(line, "ok %llu %llu", &a, &b) == 2) {
		r->bytes = a;
		r->entries = b;
		*rc = CRM_OK;
		return 1;
	}
	if (sscanf(line, "fail %d %llu %n", &code, &b, &at) != 2 || at < 0) {
		return 0;
	}
	r->problems = b;
	size_t n = strcspn(line + at, "\n");
	snprintf(r->why, sizeof(r->why), "%.*s", (int)n, line + at);
	r->stopped = strncmp(r->why, DAMAGED, strlen(DAMAGED)) == 0;
	/* The codes copy_here and backup_child give; anything else read
	 * is no code of theirs. */
	switch (code) {
	case CRM_EXISTS:
	case CRM_EINVAL:
	case CRM_TOO_BIG:
	case CRM_NOT_FOUND:
	case CRM_UNSUPPORTED:
	case CRM_UNAVAILABLE:
		*rc = (crm_status)code;
		break;
	default:
		*rc = CRM_INTERNAL;
	}
	return 1;
}

/* A pipe whose ends are not 0, 1 or 2 (crmd may run with a standard
 * stream closed), both close-on-exec. */
static int
result_pipe(int p[2])
{
	int raw[2];
	if (pipe(raw) != 0) {
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		p[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 3);
	}
	close(raw[0]);
	close(raw[1]);
	if (p[0] < 0 || p[1] < 0) {
		int e = errno;
		if (p[0] >= 0) {
			close(p[0]);
		}
		if (p[1] >= 0) {
			close(p[1]);
		}
		errno = e;
		return -1;
	}
	return 0;
}

/* The running program's file: where /proc/self/exe links to while that
 * is still its name (under valgrind the link itself is valgrind's, its
 * name crmd's), else the link (an upgrade replaced the file crmd was
 * started from: the link still runs the program that runs). */
static const char *
self_path(char *buf, size_t size)
{
	static const char deleted[] = " (deleted)";
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n > 0 && (size_t)n < size - 1) {
		buf[n] = '\0';
		size_t d = strlen(deleted);
		if (buf[0] == '/' &&
		    ((size_t)n < d || strcmp(buf + n - d, deleted) != 0)) {
			return buf;
		}
	}
	snprintf(buf, size, "/proc/self/exe");
	return buf;
}

static const char *program; /* backup_set_program; NULL: self_path */

void
backup_set_program(const char *path)
{
	program = path;
}

/* Run the copy process for data_dir and out: crmd itself, the running
 * program (self_path, or backup_set_program's), posix_spawn (no fork in a
 * threaded server), with nothing of ours but the standard streams (no
 * listening socket, no lock), the environment as it is (crmd's own settings
 * pass through), and its own signals (^C and a stop reach it as before). Its
 * stdout (the last size - 1 bytes, size > 512) into buf; waits for it (no
 * zombie left). Errors: CRM_INTERNAL (it did not start: r->why). */
static crm_status
run_copy(const char *data_dir, const char *out, char *buf, size_t size,
    pid_t *pid, int *status, struct backup_result *r)
{
	int p[2];
	if (result_pipe(p) != 0) {
		snprintf(r->why, sizeof(r->why),
		    "cannot start the copy process: %s", strerror(errno));
		return CRM_INTERNAL;
	}
	char *argv[] = { "crmd", "backup", "--child", "--data",
		(char *)data_dir, "--", (char *)out, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, dfl;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&sa);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	posix_spawnattr_setflags(
	    &sa, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char self[4096];
	if (program != NULL) {
		snprintf(self, sizeof(self), "%s", program);
	} else {
		self_path(self, sizeof(self));
	}
	int e = posix_spawn(pid, self, &fa, &sa, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		snprintf(r->why, sizeof(r->why),
		    "cannot start the copy process (%.200s): %s", self,
		    strerror(e));
		return CRM_INTERNAL;
	}
	size_t n = 0;
	for (;;) {
		char chunk[512]; /* less than size */
		ssize_t k = read(p[0], chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k <= 0) {
			break;
		}
		/* The last size - 1 bytes: the result is the last line. */
		if (n + (size_t)k > size - 1) {
			size_t drop = n + (size_t)k - (size - 1);
			memmove(buf, buf + drop, n - drop);
			n -= drop;
		}
		memcpy(buf + n, chunk, (size_t)k);
		n += (size_t)k;
	}
	buf[n] = '\0';
	close(p[0]);
	*status = 0;
	while (waitpid(*pid, status, 0) < 0) {
		if (errno != EINTR) {
			/* Not ours to wait for (SIGCHLD ignored): -1, no
			 * status (neither exited nor signalled). */
			*status = -1;
			break;
		}
	}
	return CRM_OK;
}

/* A signal a process gets from what it runs into (a bad address, LMDB's
 * assertion), not from outside. */
static int
crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT ||
	       sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
	       sig == SIGSYS;
}

static const char *
signal_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);
	if (abbrev != NULL) {
		snprintf(buf, size, "SIG%s", abbrev);
	} else {
		snprintf(buf, size, "signal %d", sig);
	}
	return buf;
}

crm_status
backup_make(const char *data_dir, const char *out, int offline,
    struct backup_result *r)
{
	memset(r, 0, sizeof(*r));
	double t0 = now_seconds();
	struct stat sb;
	if (out == NULL || *out == '\0' || strlen(out) > 4000) {
		snprintf(r->why, sizeof(r->why), "no backup folder given");
		return CRM_EINVAL;
	}
	if (data_dir == NULL || *data_dir == '\0') {
		snprintf(r->why, sizeof(r->why), "no data folder given");
		return CRM_EINVAL;
	}
	if (stat(out, &sb) == 0) {
		snprintf(r->why, sizeof(r->why), "%.200s already exists", out);
		return CRM_EXISTS;
	}
	char *parent = crm_xstrdup(out);
	backup_clean_leftovers(dirname(parent));
	free(parent);
	char buf[2048];
	pid_t pid = -1;
	int status = 0;
	crm_status rc =
	    run_copy(data_dir, out, buf, sizeof(buf), &pid, &status, r);
	if (rc != CRM_OK) {
		return rc;
	}
	if (read_result(buf, r, &rc)) {
		r->seconds = now_seconds() - t0;
		return rc;
	}
	/* No result: the copy process was stopped. */
	r->stopped = 1;
	char tmp[4100], name[32];
	snprintf(tmp, sizeof(tmp), "%s" PARTIAL "%ld-0", out, (long)pid);
	if (status != -1 && WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		r->signal = sig;
		if (offline && !crash_signal(sig)) {
			/* Stopped from outside: `crmd backup` ends as its
			 * copy did (its status says what stopped it), the
			 * temporary folder left to the cleaner. */
			sigset_t one;
			sigemptyset(&one);
			sigaddset(&one, sig);
			signal(sig, SIG_DFL);
			sigprocmask(SIG_UNBLOCK, &one, NULL);
			raise(sig);
		}
		if (crash_signal(sig)) {
			snprintf(r->why, sizeof(r->why),
			    DAMAGED "crmd's copy process ended by %s); run "
			            "crm-check on %.200s",
			    signal_name(sig, name, sizeof(name)), data_dir);
		} else {
			snprintf(r->why, sizeof(r->why),
			    "the copy process was stopped by %s before it "
			    "finished",
			    signal_name(sig, name, sizeof(name)));
		}
	} else if (status != -1 && WIFEXITED(status)) {
		snprintf(r->why, sizeof(r->why),
		    "the copy stopped early (crmd's copy process exited "
		    "with status %d and no result: the data may be "
		    "damaged); run crm-check on %.200s",
		    WEXITSTATUS(status), data_dir);
	} else {
		snprintf(r->why, sizeof(r->why),
		    "the copy process gave no result (the data may be "
		    "damaged); run crm-check on %.200s",
		    data_dir);
	}
	remove_dir(tmp);
	return CRM_INTERNAL;
}

/* The target folder of a request: absolute, or a plain name in the
 * backups folder beside the data folder (created when missing). */
static char *
target(struct req_ctx *ctx, const char *dir)
{
	if (dir == NULL || *dir == '\0') {
		time_t t = (time_t)ctx->now;
		struct tm tm;
		char name[64];
		localtime_r(&t, &tm);
		strftime(name, sizeof(name), "crm-%Y%m%d-%H%M%S", &tm);
		return target(ctx, name);
	}
	if (dir[0] == '/') {
		return crm_xstrdup(dir);
	}
	if (strchr(dir, '/') != NULL || strcmp(dir, ".") == 0 ||
	    strcmp(dir, "..") == 0) {
		return NULL;
	}
	char *copy = crm_xstrdup(ctx->cfg->data_dir);
	char *backups = crm_xasprintf("%s/backups", dirname(copy));
	free(copy);
	mkdir(backups, 0700);
	char *path = crm_xasprintf("%s/%s", backups, dir);
	free(backups);
	return path;
}

crm_status
backup_handle(
    struct req_ctx *ctx, const Crm__V1__Request *req, Crm__V1__Response *resp)
{
	char *path = target(ctx, req->backup->dir);
	if (path == NULL) {
		return dispatch_fail_field(ctx, CRM_EINVAL, "backup.dir",
		    "give an absolute path or a plain name for the backup");
	}
	struct backup_result r;
	crm_status rc = backup_make(ctx->cfg->data_dir, path, 0, &r);
	if (rc != CRM_OK) {
		/* In the log too: a copy that stopped says the data may
		 * be damaged, which the admin who asked may not pass on. */
		if (r.stopped) {
			crm_err("backup to %s failed: %s", path, r.why);
		} else {
			crm_warn("backup to %s failed: %s", path, r.why);
		}
		free(path);
		return dispatch_fail(ctx, rc, "backup failed: %s%s", r.why,
		    r.stopped ? "; crmd goes on serving" : "");
	}
	crm_info("backup of %llu bytes to %s in %.2f s",
	    (unsigned long long)r.bytes, path, r.seconds);
	Crm__V1__BackupReply *out = crm_arena_alloc(ctx->arena, sizeof(*out));
	char *p = crm_arena_strdup(ctx->arena, path);
	free(path);
	if (out == NULL || p == NULL) {
		return CRM_TOO_BIG;
	}
	crm__v1__backup_reply__init(out);
	out->path = p;
	out->has_bytes = out->has_entries = out->has_seconds = 1;
	out->bytes = r.bytes;
	out->entries = r.entries;
	out->seconds = r.seconds;
	resp->body_case = CRM__V1__RESPONSE__BODY_BACKUP;
	resp->backup = out;
	return CRM_OK;
}
