/* SPDX-License-Identifier: MIT */
/*
 * xlsx_csv.h: the first worksheet of an .xlsx workbook as UTF-8 CSV, by
 * the xlsx2csv tool (a dependency, see tools/deps). The tool runs with
 * an argument vector, never a shell, its standard output into an
 * anonymous temporary file (unlinked at once: nothing is left behind),
 * its exit status checked and its message kept. The CSV has one line per
 * sheet row (empty rows too; a cell's line breaks are quoted). It does
 * not parse the CSV.
 */
#ifndef XLSX_CSV_H
#define XLSX_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "crm_err.h"

/* The most bytes a converted sheet may have (a bound on the temporary
 * file; Excel's 1,048,576 rows of about 1 KiB). */
#define XLSX_CSV_MAX ((long long)1 << 30)

/*
 * xlsx_csv_open: convert path's first sheet; *out reads the CSV from its
 * start. Caller closes *out with fclose(). On failure why holds the
 * reason. Errors: CRM_EINVAL (xlsx2csv cannot read the file: why has its
 * message), CRM_UNAVAILABLE (xlsx2csv is not installed), CRM_TOO_BIG
 * (more than XLSX_CSV_MAX bytes of CSV), CRM_INTERNAL (no temporary
 * file, cannot start the tool).
 */
crm_status xlsx_csv_open(
    const char *path, FILE **out /* OUT */, char *why, size_t whylen);

#endif
