/* SPDX-License-Identifier: MIT */
/* clock.c: now, with the test-only clock file hook. */
#include "clock.h"

#include <stdlib.h>
#include <time.h>

#include "crm_time.h"

int64_t
clock_now(void)
{
	return crm_time_now(); /* the test clock lives there */
}

void
clock_test_delay(void)
{
#ifdef CRM_TEST_HOOKS
	const char *ms = getenv("CRM_TEST_WRITE_DELAY_MS");
	long v = ms ? strtol(ms, NULL, 10) : 0;
	if (v > 0 && v < 10000) {
		struct timespec ts = { v / 1000, (v % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
#endif
}
