/* SPDX-License-Identifier: MIT */
/* crm_utf8.c: UTF-8 validity, width, truncation and normal forms. */
#include "crm_utf8.h"
#include <ctype.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "crm_xmalloc.h"

bool
crm_utf8_valid(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			return false;
		}
		i += (size_t)n;
	}
	return true;
}

static bool
is_control(utf8proc_int32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f ||
	       (cp >= 0x80 && cp < 0xa0);
}

/* Bidi embedding, override and isolate controls: they reorder what
 * follows on screen (a name that reads other than it is). */
static bool
is_bidi_control(utf8proc_int32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

bool
crm_utf8_has_line_control(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0 || is_control(cp) || cp == '\t' || cp == '\n' ||
		    is_bidi_control(cp)) {
			return true;
		}
		i += (size_t)n;
	}
	return false;
}

bool
crm_utf8_has_control(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			return true;
		}
		if (is_control(cp)) {
			return true;
		}
		i += (size_t)n;
	}
	return false;
}

/* Width of one code point; controls and invalid bytes count 1. */
static size_t
cp_width(utf8proc_int32_t cp)
{
	int w = utf8proc_charwidth(cp);
	return w < 0 ? 1u : (size_t)w;
}

size_t
crm_utf8_fit(const char *s, size_t max_cols, size_t *cols)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t len = strlen(s), i = 0, w = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		size_t step = n > 0 ? (size_t)n : 1u;
		size_t cw = n > 0 ? cp_width(cp) : 1u;
		if (w + cw > max_cols) {
			break;
		}
		w += cw;
		i += step;
	}
	if (cols != NULL) {
		*cols = w;
	}
	return i;
}

size_t
crm_utf8_width(const char *s)
{
	size_t w;
	crm_utf8_fit(s, SIZE_MAX, &w);
	return w;
}

static char *
map(const char *s, utf8proc_option_t opts)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
	    opts | UTF8PROC_NULLTERM | UTF8PROC_STABLE);
	if (n < 0) {
		return NULL;
	}
	return (char *)out;
}

char *
crm_utf8_fold(const char *s)
{
	return map(s, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
}

char *
crm_utf8_normalize(const char *s)
{
	char *folded =
	    map(s, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
	               UTF8PROC_IGNORE | UTF8PROC_STRIPMARK);
	if (folded == NULL) {
		return NULL;
	}
	/* Keep letters, numbers and marks; drop separators, punctuation,
	 * symbols and controls. Output is never longer than input. */
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)folded;
	size_t len = strlen(folded), i = 0, o = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			break;
		}
		utf8proc_category_t c = utf8proc_category(cp);
		bool keep =
		    c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
		if (keep) {
			memmove(folded + o, folded + i, (size_t)n);
			o += (size_t)n;
		}
		i += (size_t)n;
	}
	folded[o] = '\0';
	return folded;
}

char *
crm_utf8_sanitize(const char *s, bool keep_newlines)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t len = strlen(s), i = 0, o = 0;
	char *out = crm_xmalloc(len + 1);
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		if ((cp == '\n' || cp == '\t') && !keep_newlines) {
			out[o++] = ' ';
		} else if (is_control(cp) && cp != '\n' && cp != '\t') {
			out[o++] = '?';
		} else {
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n;
		}
		i += (size_t)n;
	}
	out[o] = '\0';
	return out;
}

/* Latin words of a legal form, matched as whole words at the end. */
static bool
legal_word(const char *w, size_t n)
{
	static const char *const words[] = { "co", "company", "corp",
		"corporation", "inc", "incorporated", "ltd", "limited", "llc",
		"llp", "lp", "plc", "gmbh", "ag", "kg", "sa", "sarl", "srl",
		"spa", "bv", "nv", "pte", "pty", "kk", "oy", "ab", "as" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0) {
			return true;
		}
	}
	return false;
}

static bool
ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Chinese legal forms, longest first; stripped from the normalised key. */
static const char *const cjk_forms[] = { "集团股份有限公司", "股份有限公司",
	"有限责任公司", "集团有限公司", "有限合伙", "合伙企业", "股份公司",
	"有限公司", "集团公司", "总公司", "公司", "集团" };

/* The company key of s; strict: every legal form goes, even when
 * nothing is left (to tell a name that is only a legal form). */
static char *
company_key(const char *s, bool strict)
{
	char *f = crm_utf8_fold(s);
	if (f == NULL) {
		return NULL;
	}
	/* Latin words: cut while the end is a legal word after a boundary
	 * and something is left before it. */
	size_t end = strlen(f);
	for (;;) {
		size_t e = end;
		while (e > 0 && (unsigned char)f[e - 1] < 0x80 &&
		       !ascii_alnum(f[e - 1])) {
			e--;
		}
		size_t b = e;
		while (b > 0 && ascii_alpha(f[b - 1])) {
			b--;
		}
		if (b == e || (b > 0 && ascii_alnum(f[b - 1]))) {
			break;
		}
		/* A dotted abbreviation (S.A., N.V., S.p.A.): single letters
		 * each after a dot, read as one word. */
		char word[16];
		size_t wn = 0;
		if (e - b == 1) {
			word[wn++] = f[b];
			while (wn < sizeof(word) && b >= 2 &&
			       f[b - 1] == '.' && ascii_alpha(f[b - 2]) &&
			       (b == 2 || !ascii_alnum(f[b - 3]))) {
				b -= 2;
				memmove(word + 1, word, wn);
				word[0] = f[b];
				wn++;
			}
		} else if (e - b <= sizeof(word)) {
			memcpy(word, f + b, e - b);
			wn = e - b;
		}
		if (wn == 0 || !legal_word(word, wn)) {
			break;
		}
		bool rest = false;
		for (size_t i = 0; i < b && !rest; i++) {
			rest =
			    (unsigned char)f[i] >= 0x80 || ascii_alnum(f[i]);
		}
		if (!rest && !strict) {
			break;
		}
		end = b;
		if (!rest) {
			break;
		}
	}
	f[end] = '\0';
	char *k = crm_utf8_normalize(f);
	free(f);
	if (k == NULL) {
		return NULL;
	}
	size_t n = strlen(k);
	for (bool cut = true; cut;) {
		cut = false;
		for (size_t i = 0; i < sizeof(cjk_forms) / sizeof(*cjk_forms);
		     i++) {
			size_t m = strlen(cjk_forms[i]);
			if ((n > m || (strict && n == m)) &&
			    memcmp(k + n - m, cjk_forms[i], m) == 0 &&
			    !(m == strlen("公司") && n >= m + 3 &&
			        memcmp(k + n - m - 3, "分", 3) == 0)) {
				n -= m;
				k[n] = '\0';
				cut = true;
				break;
			}
		}
	}
	if (n == 0 && !strict) {
		free(k);
		return crm_utf8_normalize(s);
	}
	return k;
}

char *
crm_utf8_company_key(const char *s)
{
	return company_key(s, false);
}

bool
crm_utf8_company_form_only(const char *s)
{
	char *k = company_key(s, true);
	bool only = k != NULL && *k == '\0';
	free(k);
	return only;
}

const char *
crm_utf8_trim(const char *s, size_t *len)
{
	static const char ideographic[] = "\xE3\x80\x80"; /* U+3000 */
	size_t n = *len;
	for (;;) {
		if (n > 0 && isspace((unsigned char)s[0])) {
			s++;
			n--;
		} else if (n >= 3 && memcmp(s, ideographic, 3) == 0) {
			s += 3;
			n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (n > 0 && isspace((unsigned char)s[n - 1])) {
			n--;
		} else if (n >= 3 && memcmp(s + n - 3, ideographic, 3) == 0) {
			n -= 3;
		} else {
			break;
		}
	}
	*len = n;
	return s;
}
