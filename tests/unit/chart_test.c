/* SPDX-License-Identifier: MIT */
/*
 * chart_test.c: client/chart.c: bars scaled to the width in eighths of a
 * column, labels aligned by display width (CJK double), long labels cut,
 * no bar for zero or missing values, and the default width.
 */
#include "crm_test.h"

#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "crm.h"

/* Display columns of line before its bar, i.e. the label plus a blank. */
static size_t
label_cols(const char *line)
{
	const char *bar = strstr(line, "█");
	size_t n = bar ? (size_t)(bar - line) : strlen(line);
	char *head = crm_xstrndup(line, n);
	size_t w = crm_utf8_width(head);
	free(head);
	return w;
}

static void
bars_scale_in_eighths(void **state)
{
	(void)state;
	const struct chart_bar bars[] = { { "a", 8, false, "8" },
		{ "bb", 4, false, "4" }, { "c", 1, false, "1" } };
	/* width 31: label 2 + blank + bar + blank + text 1: bar room 26 */
	char **l = chart_bars(bars, 3, 31);
	char want[512] = "a  ";
	for (int i = 0; i < 26; i++) {
		strcat(want, "█");
	}
	strcat(want, " 8");
	assert_string_equal(l[0], want);
	/* 4/8 of 26 columns = 13 full blocks */
	strcpy(want, "bb ");
	for (int i = 0; i < 13; i++) {
		strcat(want, "█");
	}
	for (int i = 13; i < 26; i++) {
		strcat(want, " ");
	}
	strcat(want, " 4");
	assert_string_equal(l[1], want);
	/* 1/8 of 26 = 3.25 columns: 3 full blocks and a quarter ▎ */
	strcpy(want, "c  ███▎");
	for (int i = 4; i < 26; i++) {
		strcat(want, " ");
	}
	strcat(want, " 1");
	assert_string_equal(l[2], want);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(crm_utf8_width(l[i]), 31);
	}
	chart_free(l, 3);
}

static void
cjk_labels_align_by_display_width(void **state)
{
	(void)state;
	const struct chart_bar bars[] = { { "华东机电", 10, false, "10" },
		{ "Acme", 5, false, "5" }, { "上海", 2, false, "2" } };
	char **l = chart_bars(bars, 3, 60);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(label_cols(l[i]), 9); /* 8 columns + blank */
	}
	chart_free(l, 3);
}

static void
zero_and_missing_values_draw_no_bar(void **state)
{
	(void)state;
	const struct chart_bar bars[] = { { "x", 3, false, "3" },
		{ "y", 0, false, "0" }, { "z", 0, true, "-" },
		{ "w", -2, false, "-2" } };
	char **l = chart_bars(bars, 4, 40);
	assert_non_null(strstr(l[0], "█"));
	for (int i = 1; i < 4; i++) {
		assert_null(strstr(l[i], "█"));
		assert_null(strstr(l[i], "▏"));
	}
	assert_true(
	    strlen(l[2]) > 2 && strcmp(l[2] + strlen(l[2]) - 2, " -") == 0);
	chart_free(l, 4);
}

static void
long_labels_are_cut_and_width_defaults_to_80(void **state)
{
	(void)state;
	const struct chart_bar bars[] = {
		{ "一个非常非常非常非常非常非常长的客户名称", 1, false, "1" },
	};
	char **l = chart_bars(bars, 1, 0);
	assert_non_null(strstr(l[0], "…"));
	assert_int_equal(label_cols(l[0]), 80 / 3 + 1);
	assert_int_equal(crm_utf8_width(l[0]), 80);
	chart_free(l, 1);
}

static void
percentages_scale_to_a_hundred(void **state)
{
	(void)state;
	const struct chart_bar bars[] = { { "a", 50, false, "50.0 %" },
		{ "b", 25, false, "25.0 %" } };
	/* width 39: label 1 + blank + bar + blank + text 6: room 30 */
	char **l = chart_bars_scaled(bars, 2, 39, 100);
	char want[512] = "a ";
	for (int i = 0; i < 15; i++) {
		strcat(want, "█");
	}
	for (int i = 15; i < 30; i++) {
		strcat(want, " ");
	}
	strcat(want, " 50.0 %");
	assert_string_equal(l[0], want); /* half, not full */
	chart_free(l, 2);
	/* A share above 100 % still fits: the largest fills the bar. */
	const struct chart_bar over[] = { { "a", 200, false, "200 %" } };
	l = chart_bars_scaled(over, 1, 20, 100);
	want[0] = '\0';
	strcat(want, "a ");
	for (int i = 0; i < 12; i++) {
		strcat(want, "█");
	}
	strcat(want, " 200 %");
	assert_string_equal(l[0], want);
	chart_free(l, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bars_scale_in_eighths),
		cmocka_unit_test(cjk_labels_align_by_display_width),
		cmocka_unit_test(zero_and_missing_values_draw_no_bar),
		cmocka_unit_test(long_labels_are_cut_and_width_defaults_to_80),
		cmocka_unit_test(percentages_scale_to_a_hundred),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
