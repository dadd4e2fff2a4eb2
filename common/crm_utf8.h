/* SPDX-License-Identifier: MIT */
/*
 * crm_utf8.h: UTF-8 facts the rest of the code must never compute by bytes:
 * validity, display width (CJK counts double), truncation at a character
 * boundary, the normalised form that makes names unique, case folding for
 * search, and stripping of terminal control characters. Uses utf8proc.
 */
#ifndef CRM_UTF8_H
#define CRM_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* crm_utf8_valid: s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing past U+10FFFF). */
bool crm_utf8_valid(const char *s, size_t len);

/* crm_utf8_has_control: s holds a C0 control other than tab and newline,
 * DEL, or a C1 control. Assumes valid UTF-8. */
bool crm_utf8_has_control(const char *s, size_t len);

/* crm_utf8_has_line_control: s holds any C0 control (tab and newline
 * too), DEL, a C1 control, or a bidi embedding, override or isolate
 * (U+202A-U+202E, U+2066-U+2069): the rule for one-line fields such as
 * names. Invalid UTF-8 counts as a control. */
bool crm_utf8_has_line_control(const char *s, size_t len);

/* crm_utf8_trim: s[0..*len) without the blanks at either end (ASCII
 * white space and the ideographic space U+3000): its first byte, and
 * *len becomes its length. What an import keeps of a cell, and what
 * makes two texts the same text to it. */
const char *crm_utf8_trim(const char *s, size_t *len);

/* crm_utf8_width: terminal columns of s (invalid bytes count 1 each). */
size_t crm_utf8_width(const char *s);

/*
 * crm_utf8_fit: the number of bytes of s that fit in max_cols columns
 * without splitting a character; *cols (may be NULL) gets their width.
 */
size_t crm_utf8_fit(const char *s, size_t max_cols, size_t *cols /* OUT */);

/*
 * crm_utf8_normalize: the key under which names are unique: NFKC, case
 * folded, with spaces, punctuation and symbols removed ("ACME, Inc." and
 * "acme inc" are equal; full-width letters equal half-width).
 * Caller frees with free(). NULL when s is not valid UTF-8.
 */
char *crm_utf8_normalize(const char *s);

/*
 * crm_utf8_company_key: crm_utf8_normalize of a company's name without its
 * legal form: trailing 有限公司, 有限责任公司, 股份有限公司, 集团有限公司,
 * 有限合伙, 合伙企业, 股份公司, 公司, 集团, and the words Co., Ltd., Inc.,
 * Corp., Corporation, Limited, Company, LLC, GmbH, AG, PLC, Pty, S.A. and
 * the like, as whole words ("华东机电有限公司" and "华东机电" are equal;
 * "Acme Co., Ltd." and "ACME" too). A name that is nothing but a legal
 * form keeps it (see crm_utf8_company_form_only). Caller frees with
 * free(). NULL when s is not valid UTF-8.
 */
char *crm_utf8_company_key(const char *s);

/* crm_utf8_company_form_only: s is nothing but legal forms ("有限公司",
 * "Co., Ltd."): a company name needs something besides them. */
bool crm_utf8_company_form_only(const char *s);

/* crm_utf8_fold: NFKC and case folded, nothing removed (for substring
 * search). Caller frees with free(). NULL when s is not valid UTF-8. */
char *crm_utf8_fold(const char *s);

/*
 * crm_utf8_sanitize: a copy of s safe to print on a terminal: control and
 * escape characters become U+FFFD-like '?', invalid bytes '?'. Tab and
 * newline are kept when keep_newlines. Caller frees with free().
 */
char *crm_utf8_sanitize(const char *s, bool keep_newlines);

#endif
