/* SPDX-License-Identifier: MIT */
/*
 * backup.h: hot backups. The copy runs in a process of its own, crmd
 * started again as `crmd backup --child` (backup_child): there LMDB's
 * compacting copy runs in its own read transaction (a consistent
 * snapshot while writes go on) into a temporary folder beside the
 * target, OUT.crm-partial-PID-0 (PID: the copy process's); the copy is
 * synced, opened and verified with check.h, and only then renamed into
 * place, so a backup folder that exists is a whole, clean one. LMDB keeps
 * no checksums: a damaged page can end the process that reads it
 * (SIGSEGV, or SIGABRT from its assertion), and that is the copy
 * process, never crmd, which reports the backup as failed, removes the
 * temporary folder and goes on serving. A crash of both (or of a
 * `crmd backup` and its copy) leaves the temporary folder: the next
 * backup into the same folder, and crmd's start for its backups folder,
 * remove it.
 */
#ifndef BACKUP_H
#define BACKUP_H

#include <stdint.h>

#include "store.h"

struct backup_result {
	uint64_t bytes;
	uint64_t entries;
	uint64_t problems;
	double seconds;
	int signal;    /* the signal that ended the copy process, or 0 */
	int stopped;   /* the copy process ended without its result */
	char why[400]; /* on failure */
};

/*
 * backup_make: back up the database in the folder data_dir into the
 * folder out (must not exist; its parent must), in a copy process
 * (backup.h's opening comment); waits for it. offline: the caller is
 * `crmd backup`, which stands in for the copy process: a signal from
 * outside that stopped the copy (a file-size limit, kill, ^C; not a
 * crash) ends the caller the same way, leaving the temporary folder as
 * it did when the copy ran in the caller. Errors: CRM_EXISTS, CRM_EINVAL
 * (bad path), CRM_INTERNAL (copy or check failed, or the copy process
 * ended without its result: r->why, r->stopped, r->signal), CRM_TOO_BIG
 * (disk full), CRM_NOT_FOUND or CRM_UNSUPPORTED (the copy process does
 * not open the data: logged).
 */
crm_status backup_make(const char *data_dir, const char *out, int offline,
    struct backup_result *r);

/*
 * backup_child: the copy process's side of backup_make (`crmd backup
 * --child --data DIR -- OUT`, not in any help): opens DIR read-only,
 * copies, verifies and renames into OUT, and prints its result as one
 * line on stdout for backup_make to read. Returns the exit status: 0
 * (backed up) or 1.
 */
int backup_child(const char *data_dir, const char *out);

/*
 * backup_set_program: the crmd program backup_make runs as the copy
 * process (path borrowed; NULL: the running program, /proc/self/exe).
 * For a program that is not crmd but handles requests with crmd's code
 * (the fuzz targets' replay test).
 */
void backup_set_program(const char *path);

/*
 * backup_clean_leftovers: remove from dir the temporary folders of
 * backups that did not finish: named *.crm-partial-PID-N, of a process
 * that no longer runs, holding nothing but the copy's data.mdb and
 * lock.mdb (anything else is left alone). Returns how many went; each is
 * logged.
 */
unsigned backup_clean_leftovers(const char *dir);

#endif
