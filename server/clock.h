/* SPDX-License-Identifier: MIT */
/*
 * clock.h: the server's idea of now. In builds with CRM_TEST_HOOKS the
 * environment variable CRM_TEST_CLOCK may name a file holding a UTC time in
 * seconds; while it exists, that is now. Tests move time forward by
 * rewriting the file, so no test sleeps to see an SLA breach. Release
 * builds (CRM_TESTS=OFF) compile the hook out.
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

#endif
