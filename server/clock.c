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

#ifdef CRM_TEST_HOOKS
/* Sleep the milliseconds environment variable name says, if any. */
static void
test_sleep(const char *name)
{
	const char *ms = getenv(name);
	long v = ms ? strtol(ms, NULL, 10) : 0;
	if (v > 0 && v < 10000) {
		struct timespec ts = { v / 1000, (v % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}
#endif

void
clock_test_delay(void)
{
#ifdef CRM_TEST_HOOKS
	test_sleep("CRM_TEST_WRITE_DELAY_MS");
#endif
}

void
clock_test_apply_delay(void)
{
#ifdef CRM_TEST_HOOKS
	test_sleep("CRM_TEST_APPLY_DELAY_MS");
#endif
}
