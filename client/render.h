/* SPDX-License-Identifier: MIT */
/*
 * render.h: what a command prints, as data. A command fills a render_doc
 * with sections (a record: ordered key/value pairs; a table: columns and
 * rows of strings; a text line) and optionally the JSON document to print
 * instead; render_print then writes it as an aligned table, RFC 4180 CSV
 * or one JSON document. Commands never printf their results themselves.
 * This file also turns protobuf fields into the text users read.
 */
#ifndef RENDER_H
#define RENDER_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum render_format {
	RENDER_TABLE = 0,
	RENDER_CSV,
	RENDER_JSON,
} render_format;

enum render_kind { RENDER_SEC_TEXT, RENDER_SEC_RECORD, RENDER_SEC_TABLE };

/* One section. A record keeps its keys in cols[] and values in rows[0]. */
struct render_section {
	enum render_kind kind;
	char *text;   /* RENDER_SEC_TEXT */
	size_t ncols; /* columns (a record: pairs) */
	char **cols;  /* ncols header names / keys */
	size_t nrows; /* rows of ncols cells */
	char ***rows; /* rows[r][c] */
	size_t cap;   /* allocated rows (table) or pairs (record) */
};

typedef struct render_doc {
	struct render_section *secs;
	size_t nsecs;
	json_t *json; /* printed in JSON mode when set */
} render_doc;

/* How to print: the format, and the terminal width to fit tables into
 * (0: never truncate, as when stdout is not a terminal). */
typedef struct render_opts {
	render_format format;
	int width;
	bool sanitize; /* strip control characters (output is a terminal) */
} render_opts;

/* render_format_parse: "table", "csv" or "json". Returns -1 otherwise. */
int render_format_parse(const char *s);

/* render_doc_new: an empty document. Caller frees with render_doc_free().*/
render_doc *render_doc_new(void);
void render_doc_free(render_doc *d);

/* render_text: add a line for people ("logged in as li"). In table mode
 * it goes to stdout; in csv and json mode to stderr, keeping stdout data
 * only. The text is copied. */
void render_text(render_doc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* render_record: start a record section; render_kv adds a pair to it
 * (both strings copied; value NULL or "" pairs are skipped). */
void render_record(render_doc *d);
void render_kv(render_doc *d, const char *key, const char *value);

/* render_table: start a table with ncols column names (copied);
 * render_row adds a row of ncols cells (copied; NULL means ""). */
void render_table(render_doc *d, size_t ncols, const char *const *cols);
void render_row(render_doc *d, const char *const *cells);

/* render_set_json: the JSON document for JSON mode. Takes ownership (it
 * is released with json_decref by render_doc_free). */
void render_set_json(render_doc *d, json_t *j);

/*
 * render_money_setup: how render_money writes amounts until the next
 * call: for people (the table format) with thousands separators and the
 * currency that currency(arg) gives, asked at the first amount only (so
 * a command printing no money never asks; NULL or a NULL answer: no
 * currency); otherwise (CSV, JSON) as plain numbers.
 */
void render_money_setup(
    bool people, const char *(*currency)(void *arg), void *arg);

/* render_money: minor units as render_money_setup says: "¥1,234,567.00"
 * for people, "1234567.00" for data. The one way commands write money. */
void render_money(int64_t minor, char *buf, size_t len);

/* render_money_currency: the currency render_money has written since
 * render_money_setup ("" when none yet, or for data). Borrowed. */
const char *render_money_currency(void);

/*
 * render_field: the text users read for field `name` of m: enums by short
 * name, *_at times in local time, money fields (annual_revenue,
 * deal_amount) as decimals, booleans yes/no, repeated values joined by
 * ", ". Returns a new string ("" when unset or unknown): caller frees with
 * free().
 */
char *render_field(const ProtobufCMessage *m, const char *name);

/*
 * render_message_record: add a record section holding every set scalar
 * field of m in declaration order, except the names in skip (NULL-ended,
 * may be NULL).
 */
void render_message_record(
    render_doc *d, const ProtobufCMessage *m, const char *const *skip);

/*
 * render_messages_table: add a table section with the n column names in
 * cols (field names of the messages) and one row per message.
 */
void render_messages_table(render_doc *d, size_t ncols,
    const char *const *cols, const ProtobufCMessage *const *msgs, size_t n);

/*
 * render_messages: render_messages_table plus, for JSON mode, the
 * messages as a JSON array: the whole output of a list command.
 */
void render_messages(render_doc *d, size_t ncols, const char *const *cols,
    const ProtobufCMessage *const *msgs, size_t n);

/* render_print: print d to stdout (texts per render_text). */
void render_print(const render_doc *d, const render_opts *o);

/* render_csv_print: the CSV form of d's data sections on out. */
void render_csv_print(const render_doc *d, const render_opts *o, FILE *out);

/* render_json_print: one JSON document for d on out. */
void render_json_print(const render_doc *d, FILE *out);

/*
 * render_json_message: m as a JSON object keyed by proto field names:
 * numbers as numbers, enums by short name, repeated fields as arrays,
 * sub-messages as objects, bytes as hex; unset fields are left out.
 * Returns a new reference: caller releases with json_decref().
 */
json_t *render_json_message(const ProtobufCMessage *m);

/* render_json_time: t (UTC seconds) as JSON: an RFC 3339 string in
 * local time with its offset ("2026-12-07T09:00:00+08:00"), null for
 * 0 (unset). Every time in `--format json` is written by this. */
json_t *render_json_time(int64_t t);

/*
 * render_wrap_line: print one line of help text on out within width
 * columns (display width; 0: as it is): a longer line wraps at blanks
 * (Chinese between characters), its next lines under the text's column
 * (after the first two-blank gap: "  usage   summary") or its indent.
 */
void render_wrap_line(FILE *out, const char *line, int width);

/* render_terminal_width: columns of the terminal on stdout; when stdout
 * is not a terminal, $COLUMNS if set, else 0. */
int render_terminal_width(void);

/*
 * render_field_values: for render*.c only: how many values field f of m
 * holds (0 when unset; 1 for a set singular field) and where the first
 * is (*base: borrowed, valid while m is).
 */
size_t render_field_values(const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f, const void **base /* OUT */);

/* render_value_size: the bytes one value of f takes in a message. */
size_t render_value_size(const ProtobufCFieldDescriptor *f);

/*
 * Formula injection (CSV injection): a spreadsheet reads a text cell that
 * begins with = + - @ TAB or CR as a formula. render_guarded: the text to
 * write for text t: t with a ' in front when, after its own leading 's,
 * it begins with one of those (OWASP's advice), unless all of t is a
 * number (-5, +3.2 are data, not formulas). Caller frees. render_unguard:
 * the import side: drops that one ' again, in place, so an export read
 * back by `import` gives the very text that was exported.
 */
char *render_guarded(const char *t);
void render_unguard(char *t);

#endif
