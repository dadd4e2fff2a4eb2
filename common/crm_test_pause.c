/* SPDX-License-Identifier: MIT */
/* crm_test_pause.c: see crm_test_pause.h. */
#include "crm_test_pause.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void
crm_test_pause(enum crm_test_moment m)
{
#ifdef CRM_TEST_HOOKS
	static const struct {
		const char *var, *moment;
	} moments[] = {
		[CRM_TEST_ANSWERED] = { "CRM_TEST_ANSWERED_PAUSE_MS",
		    "answered" },
	};
	const char *e = getenv(moments[m].var);
	long ms = e != NULL ? strtol(e, NULL, 10) : 0;
	if (ms > 0 && ms <= 600000) {
		fprintf(
		    stderr, "crm: %s; pausing (test)\n", moments[m].moment);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0) {
		}
	}
#else
	(void)m;
#endif
}
