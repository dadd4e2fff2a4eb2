/* SPDX-License-Identifier: MIT */
/*
 * import_map.h: which column of an import file sets which field. Header
 * words are matched case-, width- and space-insensitively, in English
 * (the column names `export` writes, so an export imports back) or in
 * Chinese (the headers of the usual CRM templates: 客户名称, 跟进时间,
 * 联系方式, ...). A mapped cell's text is parsed here (times, enums in
 * either language, amounts, numbers, lists) into an ImportRow, with a
 * reason when it cannot be. It does not read files or print.
 */
#ifndef IMPORT_MAP_H
#define IMPORT_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "crm.h"

struct import_map_field;

/*
 * import_map_find: the field header names for kind (an ImportKind), or
 * NULL when the header means nothing for that kind. *ignored is set when
 * the column is known but not imported (ids and times the server sets,
 * as `export` writes them): the caller stays quiet about it.
 */
const struct import_map_field *import_map_find(
    int kind, const char *header, bool *ignored /* OUT */);

/*
 * import_map_customer_field: the Customer field (proto name, "budget_range")
 * a header word of a customers file names (预算, 决策链, Budget Range), or
 * NULL. `customer edit 预算=...` reads field names through this, so edit
 * and import know the same words. Borrowed; static storage.
 */
const char *import_map_customer_field(const char *word);

/*
 * import_map_next: the fields of kind in table order, for listing them
 * (`help import KIND`, did-you-mean of `customer edit`): the first after
 * prev (NULL: the first of all), or NULL after the last. The fields that
 * are known but not imported are skipped.
 */
const struct import_map_field *import_map_next(
    int kind, const struct import_map_field *prev);

/* import_map_aliases: the field's other header words, '|'-separated
 * ("" for none). Borrowed; static storage. */
const char *import_map_aliases(const struct import_map_field *f);

/* import_map_is_record: whether the column sets a field of the kind's
 * record of that very name (what `customer edit FIELD=` can name). */
bool import_map_is_record(const struct import_map_field *f);

/* import_map_name: the field's stable name ("name", "at", "phones"). */
const char *import_map_name(const struct import_map_field *f);

/* import_map_provides: whether a column of f sets field ("name",
 * "customer_name"), alone or with another. */
bool import_map_provides(const struct import_map_field *f, const char *field);

/* import_map_required: the names of the columns kind cannot do without
 * ("customer" for contacts), NULL-ended. Borrowed; static storage. */
const char *const *import_map_required(int kind);

/* import_map_not_carried: for kind, what a file (an export of another
 * server included) does not bring: what this server sets itself, and
 * what an export does not hold. One sentence; import says it after its
 * summary. Borrowed; static storage. */
const char *import_map_not_carried(int kind);

/* import_map_set_field: text parsed by the type of field name of m (a
 * time, an enum word, an amount, a number, yes/no, a list) into m, as a
 * column of that name is. Returns false with the reason in why. */
bool import_map_set_field(ProtobufCMessage *m, const char *name,
    const char *text, char *why, size_t whylen);

/* import_map_row_new: an empty row for kind with its record allocated.
 * Caller frees with crm__v1__import_row__free_unpacked(row, NULL): every
 * part of the row is malloc'ed. */
Crm__V1__ImportRow *import_map_row_new(int kind, unsigned line);

/*
 * import_map_set: parse text (not empty) for field f into row. Returns
 * false with the reason in why ("cannot read the time '2024-13-01'")
 * when the text does not parse.
 */
bool import_map_set(const struct import_map_field *f, Crm__V1__ImportRow *row,
    const char *text, char *why, size_t whylen);

#endif
