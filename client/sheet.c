/* SPDX-License-Identifier: MIT */
/*
 * sheet.c: tables into a CSV file (libcsv's csv_fwrite quotes every
 * field, CRLF line ends) or an .xlsx workbook (libxlsxwriter in
 * constant-memory mode: rows go to a temporary file as they are written,
 * so an export of any size holds one row in memory). Column widths of a
 * workbook follow the widest value seen, within bounds. Not a reader:
 * import reads CSV itself with csv_parse.
 *
 * libxlsxwriter is loaded with dlopen on the first .xlsx, not linked:
 * it brings libcrypto, libminizip and libz, and loading and relocating
 * those took about half of every `crm -c` start (issue 14 item 9).
 */
#include "sheet.h"

#include <csv.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "crm.h"
#include "render.h"

#ifndef CRM_XLSXWRITER_SONAME
#define CRM_XLSXWRITER_SONAME "libxlsxwriter.so"
#endif

#define MAX_COLS     256 /* columns a table may have */
#define MIN_WIDTH    6.0 /* workbook column widths, in characters */
#define MAX_WIDTH    60.0
#define XLSX_STR_MAX 32767 /* Excel's limit on a cell's text */
#define FMT_CSV      1
#define FMT_XLSX     2

struct sheet {
	int format;
	char *path, *tmp;
	char why[256];
	/* CSV */
	FILE *f;
	bool bom, tables; /* a table was started */
	/* xlsx */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *datetime, *datetime_sec, *money;
	uint32_t row; /* next row of the worksheet */
	size_t ncols; /* columns of the current table */
	double width[MAX_COLS];
	int nsheets;
};

/* The libxlsxwriter functions this file calls, found by xlsx_load. */
#define XLSX_FUNCTIONS(X)                 \
	X(workbook_new_opt)               \
	X(workbook_add_format)            \
	X(workbook_add_worksheet)         \
	X(workbook_close)                 \
	X(format_set_bold)                \
	X(format_set_num_format)          \
	X(worksheet_set_column)           \
	X(worksheet_freeze_panes)         \
	X(worksheet_write_string)         \
	X(worksheet_write_number)         \
	X(lxw_datetime_to_excel_datetime) \
	X(lxw_strerror)

static struct {
#define X(f) __typeof__(&f) f;
	XLSX_FUNCTIONS(X)
#undef X
} xl;

/* Load libxlsxwriter once (kept loaded until exit). On failure why says
 * which library or function is missing. */
static bool
xlsx_load(char *why, size_t whylen)
{
	static void *lib;
	if (lib != NULL) {
		return true;
	}
	void *h = dlopen(CRM_XLSXWRITER_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(why, whylen, "writing .xlsx needs %s: %s",
		    CRM_XLSXWRITER_SONAME, dlerror());
		return false;
	}
	void *p;
#define X(f)                                                                 \
	if ((p = dlsym(h, #f)) == NULL) {                                    \
		snprintf(                                                    \
		    why, whylen, "%s has no %s", CRM_XLSXWRITER_SONAME, #f); \
		dlclose(h);                                                  \
		return false;                                                \
	}                                                                    \
	memcpy(&xl.f, &p, sizeof(p));
	XLSX_FUNCTIONS(X)
#undef X
	lib = h;
	return true;
}

static crm_status fail(sheet *s, crm_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static crm_status
fail(sheet *s, crm_status rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return rc;
}

int
sheet_format_of(const char *path)
{
	size_t n = strlen(path);
	if (n > 4 && strcasecmp(path + n - 4, ".csv") == 0) {
		return FMT_CSV;
	}
	if (n > 5 && strcasecmp(path + n - 5, ".xlsx") == 0) {
		return FMT_XLSX;
	}
	return 0;
}

crm_status
sheet_open(const char *path, bool bom, sheet **out, char *why, size_t whylen)
{
	sheet *s;
	*out = NULL;
	int format = sheet_format_of(path);
	if (format == 0) {
		snprintf(why, whylen,
		    "'%s': the file name must end in .csv or .xlsx", path);
		return CRM_EINVAL;
	}
	s = crm_xcalloc(1, sizeof(*s));
	s->format = format;
	s->bom = bom;
	s->path = crm_xstrdup(path);
	s->tmp = crm_xasprintf("%s.tmp", path);
	if (format == FMT_CSV) {
		s->f = fopen(s->tmp, "w");
		if (s->f == NULL) {
			snprintf(why, whylen, "cannot create %s: %s", s->tmp,
			    strerror(errno));
			goto fail;
		}
		/* Only this thread writes it: libcsv puts a character at a
		 * time (fputc), each taking the stream's lock otherwise
		 * (nanomsg's threads make stdio lock): a third of an
		 * export's time. */
		(void)__fsetlocking(s->f, FSETLOCKING_BYCALLER);
		if (bom) {
			fputs("\xEF\xBB\xBF", s->f);
		}
	} else {
		if (!xlsx_load(why, whylen)) {
			goto fail;
		}
		lxw_workbook_options o = { .constant_memory = LXW_TRUE,
			.tmpdir = NULL,
			.use_zip64 = LXW_TRUE };
		/* libxlsxwriter creates the file only when it closes; check
		 * now that it can, rather than after the whole export. */
		FILE *probe = fopen(s->tmp, "w");
		if (probe == NULL) {
			snprintf(why, whylen, "cannot create %s: %s", s->tmp,
			    strerror(errno));
			goto fail;
		}
		fclose(probe);
		s->wb = xl.workbook_new_opt(s->tmp, &o);
		if (s->wb == NULL) {
			snprintf(
			    why, whylen, "cannot start a workbook %s", s->tmp);
			unlink(s->tmp);
			goto fail;
		}
		s->bold = xl.workbook_add_format(s->wb);
		xl.format_set_bold(s->bold);
		s->datetime = xl.workbook_add_format(s->wb);
		xl.format_set_num_format(s->datetime, "yyyy-mm-dd hh:mm");
		/* A time logged live keeps its seconds: shown, so that an
		 * import of the file finds the very record again. */
		s->datetime_sec = xl.workbook_add_format(s->wb);
		xl.format_set_num_format(
		    s->datetime_sec, "yyyy-mm-dd hh:mm:ss");
		s->money = xl.workbook_add_format(s->wb);
		xl.format_set_num_format(s->money, "#,##0.00");
	}
	*out = s;
	return CRM_OK;
fail:
	free(s->path);
	free(s->tmp);
	free(s);
	return CRM_INTERNAL;
}

const char *
sheet_error(const sheet *s)
{
	return s->why;
}

/* Set the widths of the current worksheet's columns. */
static void
xlsx_widths(sheet *s)
{
	if (s->ws == NULL) {
		return;
	}
	for (size_t c = 0; c < s->ncols; c++) {
		double w = s->width[c] + 2;
		w = w < MIN_WIDTH ? MIN_WIDTH : w > MAX_WIDTH ? MAX_WIDTH : w;
		xl.worksheet_set_column(
		    s->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
	}
}

crm_status
sheet_add(sheet *s, const char *name)
{
	s->ncols = 0;
	memset(s->width, 0, sizeof(s->width));
	if (s->format == FMT_CSV) {
		if (s->tables) {
			fputs("\r\n", s->f);
		}
		s->tables = true;
		return ferror(s->f)
		           ? fail(s, CRM_INTERNAL, "cannot write %s", s->tmp)
		           : CRM_OK;
	}
	xlsx_widths(s);
	/* A worksheet name: at most 31 characters, none of []:*?/\ . */
	char clean[LXW_SHEETNAME_MAX * 4 + 1];
	size_t bytes = crm_utf8_fit(name, LXW_SHEETNAME_MAX, NULL);
	if (bytes >= sizeof(clean)) {
		bytes = sizeof(clean) - 1;
	}
	memcpy(clean, name, bytes);
	clean[bytes] = '\0';
	for (char *p = clean; *p; p++) {
		if (strchr("[]:*?/\\", *p) != NULL) {
			*p = '_';
		}
	}
	if (clean[0] == '\0') {
		snprintf(clean, sizeof(clean), "Sheet%d", s->nsheets + 1);
	}
	s->ws = xl.workbook_add_worksheet(s->wb, clean);
	if (s->ws == NULL) {
		char alt[32];
		snprintf(alt, sizeof(alt), "Sheet%d", s->nsheets + 1);
		s->ws = xl.workbook_add_worksheet(s->wb, alt);
	}
	if (s->ws == NULL) {
		return fail(
		    s, CRM_INTERNAL, "cannot add a worksheet '%s'", clean);
	}
	s->nsheets++;
	s->row = 0;
	return CRM_OK;
}

/* One CSV line of n texts. */
static crm_status
csv_line(sheet *s, size_t n, const char *const *texts)
{
	for (size_t c = 0; c < n; c++) {
		if (c > 0) {
			fputc(',', s->f);
		}
		csv_fwrite(s->f, texts[c], strlen(texts[c]));
	}
	fputs("\r\n", s->f);
	if (ferror(s->f)) {
		return fail(s, CRM_INTERNAL, "cannot write %s: %s", s->tmp,
		    strerror(errno));
	}
	return CRM_OK;
}

static void
note_width(sheet *s, size_t c, double w)
{
	if (c < MAX_COLS && w > s->width[c]) {
		s->width[c] = w;
	}
}

crm_status
sheet_header(sheet *s, size_t n, const char *const *names)
{
	crm_status rc;
	if (n > MAX_COLS) {
		return fail(s, CRM_TOO_BIG, "more than %d columns", MAX_COLS);
	}
	if ((s->format == FMT_CSV && !s->tables) ||
	    (s->format == FMT_XLSX && s->ws == NULL)) {
		if ((rc = sheet_add(s, "Sheet1")) != CRM_OK) {
			return rc;
		}
	}
	s->ncols = n;
	if (s->format == FMT_CSV) {
		return csv_line(s, n, names);
	}
	for (size_t c = 0; c < n; c++) {
		xl.worksheet_write_string(
		    s->ws, s->row, (lxw_col_t)c, names[c], s->bold);
		note_width(s, c, (double)crm_utf8_width(names[c]));
	}
	xl.worksheet_freeze_panes(s->ws, 1, 0);
	s->row++;
	return CRM_OK;
}

/* A number as CSV text: integers without a fraction. */
static void
number_text(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", v);
}

/*
 * Whether t's local time also names another moment (the hour a clock
 * goes back at the end of daylight saving): written as is, an import
 * could not tell which, and took one for the other (one follow-up moved
 * an hour, one lost as "already there"). Such a time is written in RFC
 * 3339 with its offset, which the import reads; elsewhere (Asia/Shanghai
 * has no daylight saving) every time stays as it was.
 */
static bool
repeated_hour(int64_t t)
{
	static const int64_t shifts[] = { 1800, 3600, 7200 };
	char at[32], other[32];
	crm_time_format(t, at, sizeof(at));
	for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
		for (int sign = -1; sign <= 1; sign += 2) {
			crm_time_format(
			    t + sign * shifts[i], other, sizeof(other));
			if (strcmp(at, other) == 0) {
				return true;
			}
		}
	}
	return false;
}

/*
 * Whether text, a serial as libxlsxwriter prints it, is at or above
 * days + secs / 86400 exactly: its integer part against days, then its
 * fraction's digits against those of secs / 86400 by long division.
 */
static bool
decimal_not_below(const char *text, long days, long secs)
{
	char *end;
	long whole = strtol(text, &end, 10);
	if (whole != days) {
		return whole > days;
	}
	long r = secs; /* what is left of secs / 86400 */
	for (const char *p = *end == '.' ? end + 1 : end;
	     isdigit((unsigned char)*p); p++) {
		r *= 10;
		long want = r / 86400;
		r %= 86400;
		if (*p - '0' != want) {
			return *p - '0' > want;
		}
	}
	return r == 0; /* digits left in the exact value: text is below */
}

/*
 * The number to write for day serial days and secs seconds into it.
 * libxlsxwriter writes a number as "%.16G" (utility.h, lxw_sprintf_dbl),
 * and so does worksheet_write_datetime: 10:00 on 2026-11-16 was
 * 46343.41666666666, a hair below 10:00, which xlsx2csv (it floors)
 * showed as 09:59. So take the smallest double at or above the serial
 * whose printed decimal is not below the exact second, and whose value
 * read back as a double is not either (a reader truncating in floating
 * point): 10:00 is written 46343.41666666667, under a microsecond late,
 * which the cell's format and crm's import (it rounds) never show. The
 * decimal's last digit (1e-15 of the serial's power of ten) is at most
 * five double steps (each at least 2^-52 of it): the bound only guards
 * the loop.
 */
static double
xlsx_serial(long days, long secs)
{
	double v = (double)days + (double)secs / 86400.0;
	for (int i = 0; i < 64; i++) {
		char text[64];
		snprintf(text, sizeof(text), "%.16G", v);
		if (decimal_not_below(text, days, secs) &&
		    (strtod(text, NULL) - (double)days) * 86400.0 >=
		        (double)secs) {
			break;
		}
		v = nextafter(v, INFINITY);
	}
	return v;
}

static crm_status
csv_row(sheet *s, size_t n, const struct sheet_cell *cells)
{
	char **texts = crm_xcalloc(n ? n : 1, sizeof(char *));
	crm_status rc;
	for (size_t c = 0; c < n; c++) {
		char buf[64] = "";
		const struct sheet_cell *x = &cells[c];
		switch (x->type) {
		case SHEET_TEXT:
			texts[c] = render_guarded(x->text ? x->text : "");
			continue;
		case SHEET_NUMBER:
			number_text(x->number, buf, sizeof(buf));
			break;
		case SHEET_MONEY:
			snprintf(buf, sizeof(buf), "%.2f", x->number);
			break;
		case SHEET_TIME:
			if (x->time != 0 && repeated_hour(x->time)) {
				crm_time_format_rfc3339(
				    x->time, buf, sizeof(buf));
			} else if (x->time != 0) {
				time_t t = (time_t)x->time;
				struct tm tm;
				/* Seconds only where the time has them (a
				 * follow-up logged live): the import's
				 * duplicate check then finds it again. */
				if (x->time % 60 == 0 ||
				    localtime_r(&t, &tm) == NULL) {
					crm_time_format(
					    x->time, buf, sizeof(buf));
				} else {
					strftime(buf, sizeof(buf),
					    "%Y-%m-%d %H:%M:%S", &tm);
				}
			}
			break;
		case SHEET_EMPTY:
			break;
		}
		texts[c] = crm_xstrdup(buf);
	}
	rc = csv_line(s, n, (const char *const *)texts);
	for (size_t c = 0; c < n; c++) {
		free(texts[c]);
	}
	free(texts);
	return rc;
}

static crm_status
xlsx_row(sheet *s, size_t n, const struct sheet_cell *cells)
{
	if (s->row >= LXW_ROW_MAX) {
		return fail(s, CRM_TOO_BIG,
		    "more rows than an Excel worksheet holds (%d); export to "
		    ".csv instead",
		    LXW_ROW_MAX);
	}
	for (size_t c = 0; c < n; c++) {
		const struct sheet_cell *x = &cells[c];
		lxw_col_t col = (lxw_col_t)c;
		lxw_error e = LXW_NO_ERROR;
		switch (x->type) {
		case SHEET_TEXT: {
			const char *t = x->text ? x->text : "";
			char *cut = NULL;
			if (t[0] == '\0') {
				break;
			}
			if (strlen(t) > XLSX_STR_MAX) {
				size_t b = 0;
				/* Cut at a character boundary. */
				b = XLSX_STR_MAX;
				while (b > 0 &&
				       ((unsigned char)t[b] & 0xC0) == 0x80) {
					b--;
				}
				cut = crm_xstrndup(t, b);
				t = cut;
			}
			char *g = render_guarded(t);
			e = xl.worksheet_write_string(
			    s->ws, s->row, col, g, NULL);
			note_width(s, c, (double)crm_utf8_width(g));
			free(g);
			free(cut);
			break;
		}
		case SHEET_NUMBER: {
			char buf[64];
			number_text(x->number, buf, sizeof(buf));
			e = xl.worksheet_write_number(
			    s->ws, s->row, col, x->number, NULL);
			note_width(s, c, (double)strlen(buf));
			break;
		}
		case SHEET_MONEY: {
			char buf[64];
			snprintf(buf, sizeof(buf), "%.2f", x->number);
			e = xl.worksheet_write_number(
			    s->ws, s->row, col, x->number, s->money);
			note_width(s, c, (double)strlen(buf) * 1.3);
			break;
		}
		case SHEET_TIME: {
			struct tm tm;
			time_t t = (time_t)x->time;
			if (x->time == 0 || localtime_r(&t, &tm) == NULL) {
				break;
			}
			if (repeated_hour(x->time)) {
				/* A workbook's time has no offset: the text
				 * with it, which the import reads. */
				char buf[40];
				crm_time_format_rfc3339(
				    x->time, buf, sizeof(buf));
				e = xl.worksheet_write_string(
				    s->ws, s->row, col, buf, NULL);
				note_width(s, c, 25);
				break;
			}
			/* The date alone: a whole number of days, exact. */
			lxw_datetime day = { .year = tm.tm_year + 1900,
				.month = tm.tm_mon + 1,
				.day = tm.tm_mday };
			double v = xlsx_serial(
			    (long)xl.lxw_datetime_to_excel_datetime(&day),
			    tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec);
			e = xl.worksheet_write_number(s->ws, s->row, col, v,
			    tm.tm_sec ? s->datetime_sec : s->datetime);
			note_width(s, c, tm.tm_sec ? 19 : 16);
			break;
		}
		case SHEET_EMPTY:
			break;
		}
		if (e != LXW_NO_ERROR) {
			return fail(s, CRM_INTERNAL, "row %u: %s",
			    (unsigned)s->row + 1, xl.lxw_strerror(e));
		}
	}
	s->row++;
	return CRM_OK;
}

crm_status
sheet_row(sheet *s, size_t n, const struct sheet_cell *cells)
{
	return s->format == FMT_CSV ? csv_row(s, n, cells)
	                            : xlsx_row(s, n, cells);
}

/* Flush path to disk before it is renamed into place. */
static int
sync_path(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		return -1;
	}
	int rc = fsync(fd);
	close(fd);
	return rc;
}

crm_status
sheet_close(sheet *s, bool keep, char *why, size_t whylen)
{
	crm_status rc = CRM_OK;
	if (s == NULL) {
		return CRM_OK;
	}
	if (s->format == FMT_CSV) {
		if (fclose(s->f) != 0 && keep) {
			snprintf(why, whylen, "cannot write %s: %s", s->tmp,
			    strerror(errno));
			rc = CRM_INTERNAL;
		}
	} else {
		if (s->ws == NULL) {
			/* An empty workbook is not valid: give it a sheet. */
			s->ws = xl.workbook_add_worksheet(s->wb, NULL);
		}
		xlsx_widths(s);
		lxw_error e = xl.workbook_close(s->wb);
		if (e != LXW_NO_ERROR && keep) {
			snprintf(why, whylen, "cannot write %s: %s", s->tmp,
			    xl.lxw_strerror(e));
			rc = CRM_INTERNAL;
		}
	}
	if (keep && rc == CRM_OK && sync_path(s->tmp) != 0) {
		snprintf(why, whylen, "cannot sync %s: %s", s->tmp,
		    strerror(errno));
		rc = CRM_INTERNAL;
	}
	if (keep && rc == CRM_OK && rename(s->tmp, s->path) != 0) {
		snprintf(why, whylen, "cannot rename %s to %s: %s", s->tmp,
		    s->path, strerror(errno));
		rc = CRM_INTERNAL;
	}
	if (!keep || rc != CRM_OK) {
		unlink(s->tmp);
	}
	free(s->path);
	free(s->tmp);
	free(s);
	return rc;
}
