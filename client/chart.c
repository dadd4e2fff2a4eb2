/* SPDX-License-Identifier: MIT */
/*
 * chart.c: the bar charts of chart.h. Scaling works in eighths of a
 * column, so a bar's length is exact to an eighth of a character.
 */
#include "chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

#define MIN_BAR 10 /* columns a bar may always use */

/* The eighth blocks, one to seven eighths. */
static const char *const eighths[] = { "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
static const char full_block[] = "█";

/* Append s to the growing string *out of length *len. */
static void
append(char **out, size_t *len, const char *s)
{
	size_t n = strlen(s);
	*out = crm_xrealloc(*out, *len + n + 1);
	memcpy(*out + *len, s, n + 1);
	*len += n;
}

/* label cut to at most cols columns (with "…" when cut) and padded with
 * blanks to exactly cols. */
static void
append_label(char **out, size_t *len, const char *label, size_t cols)
{
	size_t w = crm_utf8_width(label), used = w;
	if (w > cols) {
		size_t b = crm_utf8_fit(label, cols > 0 ? cols - 1 : 0, &used);
		char *cut = crm_xstrndup(label, b);
		append(out, len, cut);
		append(out, len, "…");
		free(cut);
		used += 1;
	} else {
		append(out, len, label);
	}
	for (; used < cols; used++) {
		append(out, len, " ");
	}
}

char **
chart_bars(const struct chart_bar *bars, size_t n, int width)
{
	return chart_bars_scaled(bars, n, width, 0);
}

char **
chart_bars_scaled(
    const struct chart_bar *bars, size_t n, int width, double full)
{
	char **lines = crm_xcalloc(n ? n : 1, sizeof(char *));
	size_t labw = 0, textw = 0;
	double max = 0;

	if (width <= 0) {
		width = CHART_WIDTH;
	}
	for (size_t i = 0; i < n; i++) {
		size_t lw = crm_utf8_width(bars[i].label ? bars[i].label : "");
		size_t tw = crm_utf8_width(bars[i].text ? bars[i].text : "");
		labw = lw > labw ? lw : labw;
		textw = tw > textw ? tw : textw;
		if (!bars[i].missing && isfinite(bars[i].value) &&
		    bars[i].value > max) {
			max = bars[i].value;
		}
	}
	if (full > max) {
		max = full; /* a share: 100 % fills the bar, not the largest */
	}
	if (labw > (size_t)width / 3) {
		labw = (size_t)width / 3;
	}
	/* label, blank, bar, blank, text */
	long room = (long)width - (long)labw - 2 - (long)textw;
	size_t barw = room < MIN_BAR ? MIN_BAR : (size_t)room;

	for (size_t i = 0; i < n; i++) {
		const struct chart_bar *b = &bars[i];
		char *line = crm_xstrdup("");
		size_t len = 0, used = 0;
		append_label(&line, &len, b->label ? b->label : "", labw);
		append(&line, &len, " ");
		if (!b->missing && isfinite(b->value) && b->value > 0 &&
		    max > 0) {
			double units = b->value / max * (double)barw * 8.0;
			size_t e = (size_t)llround(units);
			if (e == 0) {
				e = 1; /* a positive value shows */
			}
			for (size_t k = 0; k < e / 8; k++) {
				append(&line, &len, full_block);
			}
			if (e % 8 != 0) {
				append(&line, &len, eighths[e % 8 - 1]);
			}
			used = (e + 7) / 8;
		}
		/* Values line up after the longest bar. */
		for (; used < barw; used++) {
			append(&line, &len, " ");
		}
		append(&line, &len, " ");
		append(&line, &len, b->text ? b->text : "");
		/* No trailing blanks. */
		while (len > 0 && line[len - 1] == ' ') {
			line[--len] = '\0';
		}
		lines[i] = line;
	}
	return lines;
}

void
chart_free(char **lines, size_t n)
{
	for (size_t i = 0; lines != NULL && i < n; i++) {
		free(lines[i]);
	}
	free(lines);
}

void
chart_add(render_doc *d, const struct chart_bar *bars, size_t n, int width,
    double full)
{
	char **lines = chart_bars_scaled(bars, n, width, full);
	render_text(d, "%s", "");
	for (size_t i = 0; i < n; i++) {
		render_text(d, "%s", lines[i]);
	}
	chart_free(lines, n);
}
