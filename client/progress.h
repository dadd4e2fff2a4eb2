/* SPDX-License-Identifier: MIT */
/*
 * progress.h: a one-line progress bar on standard error, drawn only when
 * standard error is a terminal (scripts and tests see nothing), redrawn
 * at most ten times a second, and wiped when done. export counts
 * customers walked; import counts bytes read.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

typedef struct progress progress;

/* progress_new: a bar labelled label (copied, e.g. "export"). Caller
 * frees with progress_free(). */
progress *progress_new(const char *label);

/* progress_update: done of total so far (total 0: unknown). */
void progress_update(progress *p, uint64_t done, uint64_t total);

/* progress_free: wipe the bar's line and free p (may be NULL). */
void progress_free(progress *p);

#endif
