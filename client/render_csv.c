/* SPDX-License-Identifier: MIT */
/*
 * render_csv.c: the csv format: RFC 4180 (every field quoted by libcsv,
 * CRLF line ends), a header row first. A record becomes a header row of
 * its keys and one row of values; several sections are separated by an
 * empty line. Text sections are not data and are not printed here.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "crm_utf8.h"
#include "crm_xmalloc.h"
#include "render.h"

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
		csv_fwrite(out, s, strlen(s));
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
