/* SPDX-License-Identifier: MIT */
/*
 * render_csv.c: the csv format: RFC 4180 (every field quoted by libcsv,
 * CRLF line ends), a header row first. A record becomes a header row of
 * its keys and one row of values; several sections are separated by an
 * empty line. Text sections are not data and are not printed here.
 */
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crm_utf8.h"
#include "crm_xmalloc.h"
#include "render.h"

static bool
formula_start(const char *t)
{
	while (*t == '\'') {
		t++;
	}
	/* One sign alone ("-" for none) is no formula. */
	return *t != '\0' && t[1] != '\0' && strchr("=+-@\t\r", *t) != NULL;
}

static bool
all_number(const char *t)
{
	char *end = NULL;
	if (*t != '-' && *t != '+') {
		return false;
	}
	errno = 0;
	(void)strtod(t, &end);
	return end != t && *end == '\0' && isdigit((unsigned char)t[1]);
}

char *
render_guarded(const char *t)
{
	if (!formula_start(t) || all_number(t)) {
		return crm_xstrdup(t);
	}
	size_t n = strlen(t);
	char *g = crm_xmalloc(n + 2);
	g[0] = '\'';
	memcpy(g + 1, t, n + 1);
	return g;
}

void
render_unguard(char *t)
{
	if (t[0] == '\'' && formula_start(t + 1) && !all_number(t + 1)) {
		memmove(t, t + 1, strlen(t));
	}
}

static void
csv_line(FILE *out, char *const *cells, size_t n, const render_opts *o)
{
	for (size_t c = 0; c < n; c++) {
		const char *s = cells[c] ? cells[c] : "";
		char *clean = o->sanitize ? crm_utf8_sanitize(s, true) : NULL;
		if (c > 0) {
			fputc(',', out);
		}
		if (clean != NULL) {
			s = clean;
		}
		char *g = render_guarded(s); /* no formulas (render.h) */
		csv_fwrite(out, g, strlen(g));
		free(g);
		free(clean);
	}
	fputs("\r\n", out);
}

void
render_csv_print(const render_doc *d, const render_opts *o, FILE *out)
{
	bool first = true;
	for (size_t i = 0; i < d->nsecs; i++) {
		const struct render_section *s = &d->secs[i];
		if (s->kind == RENDER_SEC_TEXT) {
			continue;
		}
		if (!first) {
			fputs("\r\n", out);
		}
		first = false;
		csv_line(out, s->cols, s->ncols, o);
		for (size_t r = 0; r < s->nrows; r++) {
			csv_line(out, s->rows[r], s->ncols, o);
		}
	}
}
