/* SPDX-License-Identifier: MIT */
/*
 * report_ids_test.c: the id sets of the reports (server/report.c):
 * report_ids_distinct leaves each id once, in ascending order, at every
 * size (the small sets qsort, the large ones take the radix passes) and
 * for ids that differ in any byte, the top one included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static uint64_t rng = 88172645463325252u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* n ids drawn from pool distinct values under mask, each added one to
 * three times; the set must come out as the sorted distinct ids. */
static void
check(size_t n, size_t pool, uint64_t mask)
{
	uint64_t *vals = calloc(pool, sizeof(*vals));
	uint64_t *want = calloc(3 * n + 1, sizeof(*want));
	assert_non_null(vals);
	assert_non_null(want);
	for (size_t i = 0; i < pool; i++) {
		vals[i] = next() & mask;
	}
	struct report_ids s = { 0 };
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = vals[next() % pool];
		for (uint64_t k = next() % 3; k < 3; k++) {
			report_ids_add(&s, v);
			want[m++] = v;
		}
	}
	qsort(want, m, sizeof(*want), cmp);
	size_t d = m ? 1 : 0;
	for (size_t i = 1; i < m; i++) {
		if (want[i] != want[d - 1]) {
			want[d++] = want[i];
		}
	}
	assert_int_equal(report_ids_distinct(&s), d);
	assert_int_equal(s.n, d);
	if (d > 0) {
		assert_memory_equal(s.v, want, d * sizeof(*want));
	}
	report_ids_free(&s);
	free(vals);
	free(want);
}

static void
distinct_sorts_and_dedups_every_size(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 20000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		/* customer ids as crmd hands them out: small and dense */
		check(n, n / 2 + 1, 0xFFFFu);
		check(n, n + 1, 0xFFFFFFu);
		/* any byte may differ, the sign bit's too */
		check(n, n / 3 + 1, ~(uint64_t)0);
		/* ids that differ only in high bytes */
		check(n, n / 2 + 1, 0xFF000000FF000000u);
	}
}

static void
distinct_of_one_repeated_id(void **state)
{
	(void)state;
	struct report_ids s = { 0 };
	for (int i = 0; i < 500; i++) {
		report_ids_add(&s, 42);
	}
	assert_int_equal(report_ids_distinct(&s), 1);
	assert_true(s.v[0] == 42);
	report_ids_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(distinct_sorts_and_dedups_every_size),
		cmocka_unit_test(distinct_of_one_repeated_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
