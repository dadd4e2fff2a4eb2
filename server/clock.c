/* SPDX-License-Identifier: MIT */
/* clock.c: now, with the test-only clock file hook. */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>

#include "crm_time.h"

int64_t
clock_now(void)
{
#ifdef CRM_TEST_HOOKS
	const char *path = getenv("CRM_TEST_CLOCK");
	if (path != NULL && *path) {
		FILE *f = fopen(path, "r");
		long long t;
		if (f != NULL) {
			int n = fscanf(f, "%lld", &t);
			fclose(f);
			if (n == 1) {
				return (int64_t)t;
			}
		}
	}
#endif
	return crm_time_now();
}
