/* SPDX-License-Identifier: MIT */
/*
 * chart.h: horizontal bar charts drawn with Unicode block characters, for
 * the table format of `report`. Labels are aligned by display width (a
 * CJK character counts two columns), bars are scaled to the width given,
 * and each bar is followed by its value. It does not print: it returns
 * lines, or adds them to a render_doc.
 */
#ifndef CHART_H
#define CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "render.h"

#define CHART_WIDTH 80 /* columns when the width is unknown */

struct chart_bar {
	const char *label; /* borrowed */
	double value;
	bool missing;     /* no value: no bar */
	const char *text; /* the value as people read it; borrowed */
};

/*
 * chart_bars: one line per bar: the label padded to the widest label
 * (at most a third of width; longer ones cut with "…"), a blank, the
 * bar, a blank and the text. The largest value fills the room left;
 * a bar is full blocks plus one of ▏▎▍▌▋▊▉ for the last eighths. Zero,
 * negative and missing values draw no bar. width <= 0 means
 * CHART_WIDTH. Caller frees with chart_free(lines, n).
 */
char **chart_bars(const struct chart_bar *bars, size_t n, int width);

/* chart_bars_scaled: chart_bars where a value of full (when larger than
 * every value) fills the room: percentages pass 100, so 50 % is half a
 * bar; counts pass 0 and the largest fills it. */
char **chart_bars_scaled(
    const struct chart_bar *bars, size_t n, int width, double full);

/* chart_free: free what chart_bars returned (n lines). */
void chart_free(char **lines, size_t n);

/* chart_add: chart_bars_scaled added to d as text lines (a blank line
 * first). */
void chart_add(render_doc *d, const struct chart_bar *bars, size_t n,
    int width, double full);

#endif
