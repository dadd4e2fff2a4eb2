/* SPDX-License-Identifier: MIT */
/*
 * suggest_test.c: "did you mean" (client/suggest.c): the closest words
 * by edit distance in characters (swaps count one), or a prefix; nothing
 * when nothing is close.
 */
#include <string.h>

#include "crm_test.h"
#include "suggest.h"

static const char *const commands[] = { "customer", "contact", "user", "log",
	"due", "task", "report", "export", "import", "help" };
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *
hint(const char *word, const char *const *cands, size_t n)
{
	static char buf[256];
	suggest_hint(word, cands, n, buf, sizeof(buf));
	return buf;
}

static void
distances_count_characters(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("customer", "customer"), 0);
	assert_int_equal(suggest_distance("custmer", "customer"), 1);
	assert_int_equal(suggest_distance("custoemr", "customer"), 1);
	assert_int_equal(suggest_distance("预算范", "预算范围"), 1);
	assert_int_equal(suggest_distance("", "abc"), 3);
}

static void
the_closest_only(void **state)
{
	(void)state;
	assert_string_equal(hint("custmer", commands, N_COMMANDS),
	    " (did you mean: customer?)");
	assert_string_equal(
	    hint("lgo", commands, N_COMMANDS), " (did you mean: log?)");
	assert_string_equal(
	    hint("rport", commands, N_COMMANDS), " (did you mean: report?)");
	assert_string_equal(hint("zzzz", commands, N_COMMANDS), "");
	assert_string_equal(hint("q", commands, N_COMMANDS), "");
}

static void
options_by_slip_or_prefix(void **state)
{
	(void)state;
	static const char *const opts[] = { "--user", "--team", "--kind",
		"--budget-range", "--decision-chain" };
	assert_string_equal(
	    hint("--tem", opts, 5), " (did you mean: --team?)");
	assert_string_equal(
	    hint("--budget", opts, 5), " (did you mean: --budget-range?)");
	assert_string_equal(
	    hint("--dec", opts, 5), " (did you mean: --decision-chain?)");
	assert_string_equal(hint("--", opts, 5), "");
	assert_string_equal(hint("--xyzzy", opts, 5), "");
}

static void
ties_and_bounds(void **state)
{
	(void)state;
	static const char *const w[] = { "cat", "car", "cat", "cab" };
	const char *out[4];
	/* Equally close ones in order, each once. */
	size_t n = suggest("caz", w, 4, out, 4);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "cat");
	assert_string_equal(out[1], "car");
	assert_string_equal(out[2], "cab");
	assert_int_equal(suggest("caz", w, 4, out, 1), 1);
	assert_int_equal(suggest("caz", w, 0, out, 4), 0);
	/* Too long to compare: nothing. */
	char big[200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(suggest(big, w, 4, out, 4), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(distances_count_characters),
		cmocka_unit_test(the_closest_only),
		cmocka_unit_test(options_by_slip_or_prefix),
		cmocka_unit_test(ties_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
