/* SPDX-License-Identifier: MIT */
/*
 * clock.h: the server's idea of now: crm_time_now(), which in test builds
 * reads the test clock (CRM_TEST_CLOCK, crm_time.h), so no test sleeps to
 * see an SLA breach.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* clock_now: UTC seconds (the test clock when one is set). */
int64_t clock_now(void);

/* clock_test_delay: in test builds, sleep CRM_TEST_WRITE_DELAY_MS
 * milliseconds when set (a slow disk, for the resend tests); else
 * nothing. */
void clock_test_delay(void);

/* clock_test_apply_delay: in test builds, sleep CRM_TEST_APPLY_DELAY_MS
 * milliseconds when set, before the writer applies each write (writes
 * that come in meanwhile join a lingering batch: stats test); else
 * nothing. */
void clock_test_apply_delay(void);

#endif
