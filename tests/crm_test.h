/* SPDX-License-Identifier: MIT */
/*
 * crm_test.h: domain asserts for the cmocka tests. assert_crm_ok and
 * assert_crm_err print the expression, its file and line, and both codes
 * through crm_strerror, so a failing test says what went wrong in words.
 * Include after <cmocka.h>'s prerequisites; this header includes them.
 */
#ifndef CRM_TEST_H
#define CRM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "crm_err.h"

/* Fails the test unless a == b, naming both codes. Not for direct use. */
static inline void
crm_test_status_eq(crm_status got, crm_status want, const char *expr,
    const char *file, int line)
{
	if (got != want) {
		print_error("%s:%d: %s\n  got:  %d %s\n  want: %d %s\n", file,
		    line, expr, (int)got, crm_strerror(got), (int)want,
		    crm_strerror(want));
		_fail(file, line);
	}
}

/* assert_crm_ok: expr returns CRM_OK. */
#define assert_crm_ok(expr) \
	crm_test_status_eq((expr), CRM_OK, #expr, __FILE__, __LINE__)

/* assert_crm_err: expr returns exactly code (a crm_status). */
#define assert_crm_err(expr, code) \
	crm_test_status_eq((expr), (code), #expr, __FILE__, __LINE__)

#endif
