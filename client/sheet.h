/* SPDX-License-Identifier: MIT */
/*
 * sheet.h: a file of tables written row by row, as RFC 4180 CSV (libcsv)
 * or as an Excel workbook (libxlsxwriter, constant-memory mode), chosen by
 * the file name. `export` and `export report` write through it. The file
 * is written as FILE.tmp and renamed into place by sheet_close, so a
 * failed or interrupted export leaves no half file behind. It does not
 * print.
 */
#ifndef SHEET_H
#define SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

typedef struct sheet sheet;

/* What a cell holds, and so how each format writes it. */
enum sheet_type {
	SHEET_EMPTY = 0, /* nothing */
	SHEET_TEXT,      /* text (UTF-8) */
	SHEET_NUMBER,    /* a number: CSV %.15g, xlsx a number */
	SHEET_MONEY,     /* an amount in major units: CSV 2 decimals */
	SHEET_TIME,      /* UTC seconds: CSV local "YYYY-MM-DD HH:MM",
	                    xlsx a real date-time in local time */
};

struct sheet_cell {
	enum sheet_type type;
	const char *text; /* SHEET_TEXT; borrowed */
	double number;    /* SHEET_NUMBER, SHEET_MONEY */
	int64_t time;     /* SHEET_TIME */
};

/* sheet_format_of: 1 for a path ending ".csv", 2 for ".xlsx" (any case),
 * 0 for anything else. */
int sheet_format_of(const char *path);

/*
 * sheet_open: start writing path (its .tmp sibling until sheet_close).
 * bom: begin a CSV file with the UTF-8 byte order mark (for Excel).
 * Caller ends it with sheet_close(). On failure why holds the reason.
 * Errors: CRM_EINVAL (not .csv or .xlsx), CRM_INTERNAL (cannot create).
 */
crm_status sheet_open(const char *path, bool bom, sheet **out /* OUT */,
    char *why, size_t whylen);

/*
 * sheet_add: start a new table named name: a new worksheet in a workbook
 * (the name cut to Excel's 31 characters), an empty line between tables
 * in CSV. The first sheet_header without a sheet_add starts one named
 * "Sheet1". Errors: CRM_INTERNAL.
 */
crm_status sheet_add(sheet *s, const char *name);

/* sheet_header: the header row of the current table (bold in a
 * workbook). Errors: CRM_INTERNAL (write failed). */
crm_status sheet_header(sheet *s, size_t n, const char *const *names);

/* sheet_row: one data row of n cells. Errors: CRM_INTERNAL (write
 * failed), CRM_TOO_BIG (more rows than a worksheet holds). */
crm_status sheet_row(sheet *s, size_t n, const struct sheet_cell *cells);

/* sheet_error: why the last call failed. Borrowed; valid until the next
 * call on s. */
const char *sheet_error(const sheet *s);

/*
 * sheet_close: finish the file and, when keep, rename it into place;
 * else (or on failure) remove the temporary file. Frees s (may be NULL).
 * Errors: CRM_INTERNAL (writing, syncing or renaming failed; why says).
 */
crm_status sheet_close(sheet *s, bool keep, char *why, size_t whylen);

#endif
