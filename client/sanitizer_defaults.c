/* SPDX-License-Identifier: MIT */
/*
 * sanitizer_defaults.c: crm's AddressSanitizer defaults, linked only into
 * an ASan build (CRM_SANITIZER=address). LeakSanitizer is off by default
 * for crm: its check at exit stops the world, which under a loaded
 * ctest -j2 costs about 100 ms a process, and the e2e tests start crm
 * thousands of times (a scenario took 8 s instead of 1). A one-shot
 * `crm -c` ends anyway; what a leak would hurt is a long session, so
 * client_leaks_e2e_test runs many commands in one crm with
 * ASAN_OPTIONS=detect_leaks=1, which overrides this default (as it does
 * for anyone who sets it). crmd, crm-check and the tests keep
 * LeakSanitizer's default: on.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
