/* SPDX-License-Identifier: MIT */
/*
 * backup.h: hot backups. LMDB's compacting copy runs in its own read
 * transaction (a consistent snapshot while writes go on) into a temporary
 * folder beside the target, OUT.crm-partial-PID-N; the copy is synced,
 * opened and verified with check.h, and only then renamed into place, so
 * a backup folder that exists is a whole, clean one. A crash leaves the
 * temporary folder: the next backup into the same folder, and crmd's
 * start for its backups folder, remove it.
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
	char why[256]; /* on failure */
};

/*
 * backup_make: back up st into the folder out (must not exist; its
 * parent must). Errors: CRM_EXISTS, CRM_EINVAL (bad path), CRM_INTERNAL
 * (copy or check failed: r->why), CRM_TOO_BIG (disk full).
 */
crm_status backup_make(store *st, const char *out, struct backup_result *r);

/*
 * backup_clean_leftovers: remove from dir the temporary folders of
 * backups that did not finish: named *.crm-partial-PID-N, of a process
 * that no longer runs, holding nothing but the copy's data.mdb and
 * lock.mdb (anything else is left alone). Returns how many went; each is
 * logged.
 */
unsigned backup_clean_leftovers(const char *dir);

#endif
