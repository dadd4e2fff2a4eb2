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

/* What render_print writes for d at width. Caller frees. A copy of the
 * stream's buffer: gcc 12 at -O3 takes the buffer itself, once returned,
 * for a pointer to the local that held it (-Wdangling-pointer). */
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
	char *out = crm_xstrdup(buf);
	free(buf);
	return out;
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
names_stay_whole_beside_free_text(void **state)
{
	(void)state;
	render_doc *d = due_table();
	/* 72: the goal is at its least (10); the name would have to wrap,
	 * but free text could wrap instead: one block per row. */
	char *out = printed(d, 72);
	assert_true(widest(out) <= 72);
	assert_null(strstr(out, "…"));
	assert_non_null(strstr(out, "-[ 1 ]"));
	assert_true(line_has(out, "customer", "温州瑞安汽配有限公司"));
	assert_true(line_has(out, "customer", "Pacific Rim Logistics"));
	free(out);
	render_doc_free(d);
	/* A task's channels are free text too. */
	static const char *const cols[] = { "id", "customer", "channel" };
	d = render_doc_new();
	render_table(d, 3, cols);
	const char *r[] = { "5", "苏州恒信精密制造有限公司",
		"电话, 微信, 上门拜访" };
	render_row(d, r);
	out = printed(d, 36);
	assert_true(widest(out) <= 36);
	assert_true(line_has(out, "苏州恒信精密制造有限公司", NULL));
	free(out);
	render_doc_free(d);
}

static void
names_wrap_where_there_is_no_free_text(void **state)
{
	(void)state;
	static const char *const cols[] = { "id", "name", "stage", "grade" };
	render_doc *d = render_doc_new();
	render_table(d, 4, cols);
	const char *r[] = { "3", "Pacific Rim Logistics Pte Ltd", "potential",
		"C" };
	render_row(d, r);
	char *out = printed(d, 40);
	assert_true(widest(out) <= 40);
	assert_null(strstr(out, "-[ 1 ]"));
	assert_true(line_has(out, "3 ", "potential"));
	assert_false(line_has(out, "Pacific Rim Logistics Pte Ltd", NULL));
	free(out);
	render_doc_free(d);
}

static void
a_time_from_now_never_wraps(void **state)
{
	(void)state;
	static const char *const cols[] = { "id", "customer", "left", "status",
		"text" };
	render_doc *d = render_doc_new();
	render_table(d, 5, cols);
	const char *r1[] = { "1", "苏州恒信精密制造有限公司", "in 1h 52m",
		"running", "询问新产品线的报价和交货期" };
	const char *r2[] = { "2", "Acme", "3d 4h late", "breached",
		"the delivery was late" };
	render_row(d, r1);
	render_row(d, r2);
	/* 62: a table with the text at its least; 58 and 46: blocks (the
	 * time whole, and the name beside free text too). */
	static const int widths[] = { 62, 58, 46 };
	for (size_t i = 0; i < 3; i++) {
		int width = widths[i];
		char *out = printed(d, width);
		assert_true(widest(out) <= (size_t)width);
		assert_true(line_has(out, "in 1h 52m", NULL));
		assert_true(line_has(out, "3d 4h late", NULL));
		assert_true(line_has(out, "苏州恒信精密制造有限公司", NULL));
		free(out);
	}
	render_doc_free(d);
}

/* Whether some line of s starts (after its blanks) with a. */
static bool
line_starts(const char *s, const char *a)
{
	for (const char *p = s; p != NULL && *p; p = strchr(p, '\n')) {
		p += *p == '\n';
		p += strspn(p, " ");
		if (strncmp(p, a, strlen(a)) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether some line of s ends (before its newline) with a. */
static bool
line_ends(const char *s, const char *a)
{
	size_t al = strlen(a);
	for (const char *p = strchr(s, '\n'); p != NULL;
	     p = strchr(p + 1, '\n')) {
		if ((size_t)(p - s) >= al && strncmp(p - al, a, al) == 0) {
			return true;
		}
	}
	return false;
}

static void
no_line_starts_with_a_closing_mark(void **state)
{
	(void)state;
	/* The value has 10 columns: 5 Chinese characters a line. A plain
	 * break would start lines with "、" and "，" and end one with
	 * "（"; the character before a mark goes with it instead. */
	render_doc *d = render_doc_new();
	render_kv(
	    d, "text", "客户很满意、财务部门已确认，使用说明（第二版）。");
	char *out = printed(d, 16);
	assert_true(widest(out) <= 16);
	assert_false(line_starts(out, "、"));
	assert_false(line_starts(out, "，"));
	assert_false(line_starts(out, "）"));
	assert_false(line_starts(out, "。"));
	assert_false(line_ends(out, "（"));
	assert_true(line_has(out, "意、", NULL));
	free(out);
	render_doc_free(d);
}

static void
a_label_stays_with_its_text(void **state)
{
	(void)state;
	static const char *const cols[] = { "time", "kind", "text" };
	render_doc *d = render_doc_new();
	render_table(d, 3, cols);
	static const char text[] = "phone: 介绍方案，客户关心交期\n"
	                           "feedback: 客户对样品满意、财务部门已确认"
	                           "预算，使用情况良好";
	const char *r[] = { "2026-12-07 09:00", "followup", text };
	render_row(d, r);
	char *out = printed(d, 60);
	assert_true(widest(out) <= 60);
	assert_true(line_has(out, "phone: 介绍", NULL));
	assert_true(line_has(out, "feedback: 客户", NULL));
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
		cmocka_unit_test(names_stay_whole_beside_free_text),
		cmocka_unit_test(names_wrap_where_there_is_no_free_text),
		cmocka_unit_test(a_time_from_now_never_wraps),
		cmocka_unit_test(no_line_starts_with_a_closing_mark),
		cmocka_unit_test(a_label_stays_with_its_text),
		cmocka_unit_test(a_table_that_cannot_fit_is_one_block_per_row),
		cmocka_unit_test(a_kept_column_wraps_only_its_header),
		cmocka_unit_test(
		    a_second_line_in_a_cell_stays_under_its_column),
		cmocka_unit_test(records_wrap_under_their_value),
		cmocka_unit_test(help_lines_wrap_under_their_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
