/* SPDX-License-Identifier: MIT */
/*
 * render_test.c: client/render.c's table format fits the width it is
 * given: a table that fits is printed as it is; a wider one wraps free
 * text first, then words, then names, never ids, times or grades (a
 * header of those may wrap); cells wrap instead of being cut; a table
 * that still cannot fit is one block per row; records and help lines wrap
 * under their column. Widths are display widths (Chinese two columns).
 */
#include "crm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "render.h"

/* What render_print writes for d at width. Caller frees. */
static char *
printed(const render_doc *d, int width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *saved = stdout;
	assert_non_null(f);
	render_opts o = { .format = RENDER_TABLE, .width = width };
	stdout = f;
	render_print(d, &o);
	stdout = saved;
	fclose(f);
	return buf;
}

/* The widest line of s, in display columns. */
static size_t
widest(const char *s)
{
	size_t w = 0;
	char *copy = crm_xstrdup(s);
	for (char *line = strtok(copy, "\n"); line;
	     line = strtok(NULL, "\n")) {
		size_t x = crm_utf8_width(line);
		w = x > w ? x : w;
	}
	free(copy);
	return w;
}

/* Whether some line of s contains a and, further on, b. */
static bool
line_has(const char *s, const char *a, const char *b)
{
	char *copy = crm_xstrdup(s);
	bool found = false;
	for (char *line = strtok(copy, "\n"); line && !found;
	     line = strtok(NULL, "\n")) {
		char *p = strstr(line, a);
		found = p != NULL && (b == NULL || strstr(p, b) != NULL);
	}
	free(copy);
	return found;
}

static render_doc *
due_table(void)
{
	static const char *const cols[] = { "id", "due", "customer", "grade",
		"stage", "goal" };
	render_doc *d = render_doc_new();
	render_table(d, 6, cols);
	const char *r1[] = { "12", "2026-12-08 18:00", "温州瑞安汽配有限公司",
		"A", "negotiation",
		"回电确认报价，并约下周二上门演示新产品线" };
	const char *r2[] = { "137", "2026-12-09 10:00",
		"Pacific Rim Logistics", "S", "won",
		"send the revised quote and the delivery schedule" };
	render_row(d, r1);
	render_row(d, r2);
	return d;
}

static void
a_table_that_fits_is_printed_as_it_is(void **state)
{
	(void)state;
	static const char *const cols[] = { "id", "name", "grade" };
	render_doc *d = render_doc_new();
	render_table(d, 3, cols);
	const char *r1[] = { "1", "华东机电有限公司", "A" };
	const char *r2[] = { "22", "Acme", "" };
	render_row(d, r1);
	render_row(d, r2);
	const char *want = "id  name              grade\n"
	                   "1   华东机电有限公司  A\n"
	                   "22  Acme\n";
	char *a = printed(d, 80), *b = printed(d, 0);
	assert_string_equal(a, want);
	assert_string_equal(b, want);
	free(a);
	free(b);
	render_doc_free(d);
}

static void
free_text_wraps_first_and_nothing_is_cut(void **state)
{
	(void)state;
	render_doc *d = due_table();
	char *out = printed(d, 80);
	assert_true(widest(out) <= 80);
	assert_null(strstr(out, "…"));
	/* ids, times, grades and the names whole on their row's line */
	assert_true(line_has(out, "12  ", "2026-12-08 18:00"));
	assert_true(line_has(out, "2026-12-08 18:00", "温州瑞安汽配有限公司"));
	assert_true(line_has(out, "137 ", "2026-12-09 10:00"));
	assert_true(line_has(out, "Pacific Rim Logistics", "won"));
	assert_true(line_has(out, "negotiation", NULL));
	/* the goal wrapped over lines, every piece of it there */
	assert_false(
	    line_has(out, "回电确认报价，并约下周二上门演示新产品线", NULL));
	assert_true(line_has(out, "回电确认", NULL));
	assert_true(line_has(out, "schedule", NULL));
	free(out);
	render_doc_free(d);
}

static void
names_wrap_only_after_text_and_words(void **state)
{
	(void)state;
	render_doc *d = due_table();
	/* 72: the goal is at its least (10) and the name must give way */
	char *out = printed(d, 72);
	assert_true(widest(out) <= 72);
	assert_null(strstr(out, "…"));
	assert_true(line_has(out, "2026-12-08 18:00", NULL));
	assert_true(line_has(out, "negotiation", NULL)); /* a word, whole */
	assert_false(line_has(out, "温州瑞安汽配有限公司", NULL));
	assert_null(strstr(out, "-[ 1 ]"));
	free(out);
	render_doc_free(d);
}

static void
a_table_that_cannot_fit_is_one_block_per_row(void **state)
{
	(void)state;
	render_doc *d = due_table();
	char *out = printed(d, 40);
	assert_true(widest(out) <= 40);
	assert_non_null(strstr(out, "-[ 1 ]"));
	assert_non_null(strstr(out, "-[ 2 ]"));
	assert_true(line_has(out, "due", "2026-12-08 18:00"));
	assert_true(line_has(out, "customer", "温州瑞安汽配有限公司"));
	assert_true(line_has(out, "customer", "Pacific Rim Logistics"));
	assert_true(line_has(out, "grade", "S"));
	assert_null(strstr(out, "…"));
	free(out);
	render_doc_free(d);
}

static void
a_kept_column_wraps_only_its_header(void **state)
{
	(void)state;
	static const char *const cols[] = { "Rep", "Customers reached",
		"Follow-ups per customer", "Summary" };
	render_doc *d = render_doc_new();
	render_table(d, 4, cols);
	const char *r[] = { "li", "18", "1.57", "stable" };
	render_row(d, r);
	char *out = printed(d, 40);
	assert_true(widest(out) <= 40);
	assert_true(line_has(out, "Customers", "Follow-ups"));
	assert_true(line_has(out, "reached", "per"));
	assert_true(line_has(out, "li", "1.57"));
	free(out);
	render_doc_free(d);
}

static void
a_second_line_in_a_cell_stays_under_its_column(void **state)
{
	(void)state;
	static const char *const cols[] = { "time", "kind", "text" };
	render_doc *d = render_doc_new();
	render_table(d, 3, cols);
	const char *r[] = { "2026-12-07 09:00", "followup",
		"phone: 介绍方案\nfeedback: 关心交期" };
	render_row(d, r);
	char *out = printed(d, 0);
	assert_string_equal(out,
	    "time              kind      text\n"
	    "2026-12-07 09:00  followup  phone: 介绍方案\n"
	    "                            feedback: 关心交期\n");
	free(out);
	render_doc_free(d);
}

static void
records_wrap_under_their_value(void **state)
{
	(void)state;
	render_doc *d = render_doc_new();
	render_kv(d, "id", "7");
	render_kv(
	    d, "feedback", "关心交期，要求两周内交货，并希望提供现场安装指导");
	char *out = printed(d, 30);
	assert_true(widest(out) <= 30);
	assert_true(line_has(out, "feedback  关心交期", NULL));
	/* the next line starts under the value */
	assert_non_null(strstr(out, "\n          "));
	free(out);
	render_doc_free(d);
}

static void
help_lines_wrap_under_their_text(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	render_wrap_line(f,
	    "  customer check ID|NAME        Mark a new record checked "
	    "(信息核对; a manager of the team, or an admin).",
	    60);
	render_wrap_line(f,
	    "usage: log CUSTOMER [--channel CHANNEL] "
	    "[--at WHEN] [--duration MIN] [--contact NAME]",
	    40);
	render_wrap_line(f, "short", 60);
	fclose(f);
	assert_true(widest(buf) <= 60);
	assert_non_null(
	    strstr(buf, "\n                                ")); /* 32 */
	assert_non_null(strstr(buf, "信息核对"));
	assert_non_null(strstr(buf, "\n       [--at WHEN]"));
	assert_non_null(strstr(buf, "\nshort\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_table_that_fits_is_printed_as_it_is),
		cmocka_unit_test(free_text_wraps_first_and_nothing_is_cut),
		cmocka_unit_test(names_wrap_only_after_text_and_words),
		cmocka_unit_test(a_table_that_cannot_fit_is_one_block_per_row),
		cmocka_unit_test(a_kept_column_wraps_only_its_header),
		cmocka_unit_test(
		    a_second_line_in_a_cell_stays_under_its_column),
		cmocka_unit_test(records_wrap_under_their_value),
		cmocka_unit_test(help_lines_wrap_under_their_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
