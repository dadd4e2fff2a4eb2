/* SPDX-License-Identifier: MIT */
/*
 * backup.c: hot backups (backup.h), and the backup request.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* A backup in progress is the folder "OUT" + PARTIAL + "PID-N": a name
 * nobody gives a folder by chance, so the cleaner below can tell a
 * leftover of a crashed backup from anything else. */
#define PARTIAL ".crm-partial-"

static atomic_uint partial_serial;

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

crm_status
backup_make(store *st, const char *out, struct backup_result *r)
{
	memset(r, 0, sizeof(*r));
	double t0 = now_seconds();
	struct stat sb;
	if (out == NULL || *out == '\0' || strlen(out) > 4000) {
		snprintf(r->why, sizeof(r->why), "no backup folder given");
		return CRM_EINVAL;
	}
	if (stat(out, &sb) == 0) {
		snprintf(r->why, sizeof(r->why), "%.200s already exists", out);
		return CRM_EXISTS;
	}
	char *parent = crm_xstrdup(out);
	backup_clean_leftovers(dirname(parent));
	free(parent);
	char tmp[4100];
	snprintf(tmp, sizeof(tmp), "%s" PARTIAL "%ld-%u", out, (long)getpid(),
	    atomic_fetch_add(&partial_serial, 1u));
	if (mkdir(tmp, 0700) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot create %.200s: %s",
		    tmp, strerror(errno));
		return errno == ENOSPC ? CRM_TOO_BIG : CRM_EINVAL;
	}
	const char *why = NULL;
	crm_status crc = store_copy_compact(st, tmp, &why);
	char data[4200];
	snprintf(data, sizeof(data), "%s/data.mdb", tmp);
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
	parent = crm_xstrdup(out);
	sync_path(dirname(parent), 1);
	free(parent);
	r->seconds = now_seconds() - t0;
	return CRM_OK;
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
	crm_status rc = backup_make(ctx->st, path, &r);
	if (rc != CRM_OK) {
		free(path);
		return dispatch_fail(ctx, rc, "backup: %s", r.why);
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
