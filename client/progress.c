/* SPDX-License-Identifier: MIT */
/*
 * progress.c: the progress bar of progress.h: "\r" then the label, a bar
 * of '#' and '-' fitted to the terminal, the percentage and the counts.
 */
#include "progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"

#define REDRAW_NS 100000000LL /* at most ten redraws a second */

struct progress {
	char *label;
	bool on;      /* standard error is a terminal */
	bool drawn;   /* something is on the line */
	int64_t last; /* monotonic ns of the last redraw */
	int permille; /* last drawn */
};

static int64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
stderr_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		return ws.ws_col;
	}
	return 80;
}

progress *
progress_new(const char *label)
{
	progress *p = crm_xcalloc(1, sizeof(*p));
	p->label = crm_xstrdup(label);
	p->on = isatty(STDERR_FILENO) == 1;
	p->permille = -1;
	return p;
}

void
progress_update(progress *p, uint64_t done, uint64_t total)
{
	if (p == NULL || !p->on) {
		return;
	}
	int permille =
	    total > 0 ? (int)(done >= total ? 1000 : done * 1000 / total) : 0;
	int64_t now = mono_ns();
	if (p->drawn &&
	    (permille == p->permille || now - p->last < REDRAW_NS)) {
		return;
	}
	p->last = now;
	p->permille = permille;
	p->drawn = true;

	char counts[64];
	if (total > 0) {
		snprintf(counts, sizeof(counts), " %3d%% %llu/%llu",
		    permille / 10, (unsigned long long)done,
		    (unsigned long long)total);
	} else {
		snprintf(
		    counts, sizeof(counts), " %llu", (unsigned long long)done);
	}
	int width = stderr_width() - 1;
	int bar =
	    width - (int)crm_utf8_width(p->label) - 3 - (int)strlen(counts);
	bar = bar > 50 ? 50 : bar;
	fprintf(stderr, "\r%s ", p->label);
	if (bar >= 10) {
		int full = total > 0 ? bar * permille / 1000 : 0;
		fputc('[', stderr);
		for (int i = 0; i < bar; i++) {
			fputc(i < full ? '#' : '-', stderr);
		}
		fputc(']', stderr);
	}
	fprintf(stderr, "%s\033[K", counts);
	fflush(stderr);
}

void
progress_free(progress *p)
{
	if (p == NULL) {
		return;
	}
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(p->label);
	free(p);
}
