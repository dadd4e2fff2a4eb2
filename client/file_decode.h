/* SPDX-License-Identifier: MIT */
/*
 * file_decode.h: an import file as UTF-8 lines, whatever it was saved as.
 * The format is found from the content, not the name: an .xlsx workbook
 * (ZIP magic; its first sheet through xlsx_csv.c), a byte order mark
 * (UTF-8, UTF-16LE, UTF-16BE), else text that is valid UTF-8, else valid
 * GB18030 (which GBK and GB2312 are part of: what Excel saves as CSV on
 * Chinese Windows). Anything else is refused, naming the formats read.
 * Lines are converted with iconv as they are read, so a file of any size
 * holds one buffer and one line in memory. It does not parse CSV or print.
 */
#ifndef FILE_DECODE_H
#define FILE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm_err.h"

typedef struct file_decode file_decode;

/* The formats, for messages: what every refusal names. */
#define FILE_DECODE_ACCEPTED                                                 \
	"CSV in UTF-8, GB18030/GBK or UTF-16 with a byte order mark; or an " \
	"Excel .xlsx workbook"

/*
 * file_decode_open: open path and find its format (reads a text file
 * through once to check it). Caller closes with file_decode_close(). On
 * failure why holds the reason, naming the accepted formats when the
 * file is of none of them. Errors: CRM_EINVAL (cannot open or read, or
 * not a format read here), CRM_UNAVAILABLE (an .xlsx and no xlsx2csv),
 * CRM_TOO_BIG (an .xlsx sheet too large to convert).
 */
crm_status file_decode_open(
    const char *path, file_decode **out /* OUT */, char *why, size_t whylen);

/* file_decode_name: the format found, for people: "UTF-8", "UTF-8 (with
 * BOM)", "GB18030", "UTF-16LE", "UTF-16BE", "XLSX (first sheet)".
 * Static storage. */
const char *file_decode_name(const file_decode *d);

/* file_decode_is_sheet: whether the lines come from a workbook (so a row
 * is numbered as the sheet's row, not as a line of the file). */
bool file_decode_is_sheet(const file_decode *d);

/*
 * file_decode_line: the next line as UTF-8 into *line (grown as needed,
 * like getline: caller frees *line with free()), its length in *len,
 * the '\n' kept. Errors: CRM_NOT_FOUND (no more lines), CRM_EINVAL (the
 * file cannot be read or no longer decodes: file_decode_error says).
 */
crm_status file_decode_line(file_decode *d, char **line /* IN/OUT */,
    size_t *cap /* IN/OUT */, size_t *len /* OUT */);

/* file_decode_rewind: read again from the first line. Errors: CRM_EINVAL
 * (cannot seek). */
crm_status file_decode_rewind(file_decode *d);

/* file_decode_progress: bytes of the file read so far, and its size
 * (for a workbook: of the converted sheet). */
void file_decode_progress(
    const file_decode *d, uint64_t *done /* OUT */, uint64_t *total /* OUT */);

/* file_decode_error: why the last call failed. Borrowed; valid until the
 * next call on d. */
const char *file_decode_error(const file_decode *d);

/* file_decode_close: close the file and free d (may be NULL). */
void file_decode_close(file_decode *d);

#endif
