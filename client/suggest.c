/* SPDX-License-Identifier: MIT */
/*
 * suggest.c: "did you mean" (suggest.h). Words are decoded to code points
 * (bad UTF-8 bytes count as one character each) and compared with the
 * optimal string alignment distance: a transposed pair (custmoer) costs
 * one edit, as a typing slip does.
 */
#include "suggest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 64 /* longer words are never suggested */

/* s as code points into cp (at most WORD_MAX); returns the count, or
 * WORD_MAX + 1 when s is longer. */
static size_t
decode(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p != '\0') {
		if (n == WORD_MAX) {
			return WORD_MAX + 1;
		}
		uint32_t c = *p;
		size_t extra = c >= 0xf0   ? 3
		               : c >= 0xe0 ? 2
		               : c >= 0xc0 ? 1
		                           : 0;
		size_t k = 1;
		if (extra > 0) {
			c &= 0x3fu >> extra;
			for (; k <= extra && (p[k] & 0xc0) == 0x80; k++) {
				c = (c << 6) | (p[k] & 0x3fu);
			}
			if (k <= extra) {
				c = *p; /* a broken sequence: the byte alone */
				k = 1;
			}
		}
		cp[n++] = c;
		p += k;
	}
	return n;
}

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

static size_t
distance_cp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	static size_t d[WORD_MAX + 1][WORD_MAX + 1];
	for (size_t i = 0; i <= na; i++) {
		d[i][0] = i;
	}
	for (size_t j = 0; j <= nb; j++) {
		d[0][j] = j;
	}
	for (size_t i = 1; i <= na; i++) {
		for (size_t j = 1; j <= nb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
			    d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j]) {
				d[i][j] = d[i - 2][j - 2] + 1;
			}
		}
	}
	return d[na][nb];
}

size_t
suggest_distance(const char *a, const char *b)
{
	uint32_t ca[WORD_MAX], cb[WORD_MAX];
	size_t na = decode(a, ca), nb = decode(b, cb);
	if (na > WORD_MAX || nb > WORD_MAX) {
		return SIZE_MAX;
	}
	return distance_cp(ca, na, cb, nb);
}

/* How close cand is to word (nw code points w): 0 is best; SIZE_MAX:
 * not close. */
static size_t
closeness(const char *word, const uint32_t *w, size_t nw, const char *cand)
{
	uint32_t c[WORD_MAX];
	size_t nc = decode(cand, c);
	size_t dashes = strspn(word, "-");
	size_t core = nw - (dashes < nw ? dashes : nw);
	if (nc > WORD_MAX || core == 0) {
		return SIZE_MAX;
	}
	/* One slip in a short word (not every short word is close to every
	 * other), two in a word of up to seven characters, then three. */
	size_t allowed = core <= 3 ? 1 : core <= 7 ? 2 : 3;
	size_t d = distance_cp(w, nw, c, nc);
	if (d <= allowed && d < nc) {
		return d;
	}
	/* What was typed begins the word ("--dec" of "--decision-chain"),
	 * with at least two characters besides the dashes. */
	if (core >= 2 && strncmp(word, cand, strlen(word)) == 0) {
		return allowed + 1;
	}
	return SIZE_MAX;
}

/* cand into out[*found], unless it is there already. */
static void
add_once(const char **out, size_t *found, const char *cand)
{
	for (size_t k = 0; k < *found; k++) {
		if (strcmp(out[k], cand) == 0) {
			return;
		}
	}
	out[(*found)++] = cand;
}

size_t
suggest(const char *word, const char *const *cands, size_t n, const char **out,
    size_t max)
{
	uint32_t w[WORD_MAX];
	size_t nw = decode(word, w), found = 0;
	if (nw > WORD_MAX || n == 0) {
		return 0;
	}
	size_t *score = calloc(n, sizeof(*score));
	if (score == NULL) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		score[i] = cands[i] != NULL && strcmp(cands[i], word) != 0
		               ? closeness(word, w, nw, cands[i])
		               : SIZE_MAX;
	}
	/* Only the closest: custmer is customer, not also user. */
	size_t top = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		top = score[i] < top ? score[i] : top;
	}
	while (found < max && top != SIZE_MAX) {
		size_t at = n;
		for (size_t i = 0; i < n && at == n; i++) {
			if (score[i] == top) {
				at = i;
			}
		}
		if (at == n) {
			break;
		}
		score[at] = SIZE_MAX;
		add_once(out, &found, cands[at]);
	}
	free(score);
	return found;
}

void
suggest_hint(const char *word, const char *const *cands, size_t n, char *buf,
    size_t len)
{
	const char *best[3];
	size_t k = suggest(word, cands, n, best, 3);
	size_t o = 0;
	if (len == 0) {
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < k && o < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%s",
		    i ? ", " : " (did you mean: ", best[i]);
		if (w < 0) {
			break;
		}
		o += (size_t)w;
	}
	if (k > 0 && o < len) {
		snprintf(buf + o, len - o, "?)");
	}
}

size_t
suggest_start(const char *word, const char *const *cands, size_t n,
    const char **out, size_t max)
{
	uint32_t w[WORD_MAX], c[WORD_MAX];
	size_t nw = decode(word, w), found = 0;
	if (nw < 4 || nw >= WORD_MAX) {
		return 0; /* too short to tell a name by its start */
	}
	size_t allowed = nw <= 7 ? 2 : 3;
	for (size_t i = 0; i < n && found < max; i++) {
		if (cands[i] == NULL) {
			continue;
		}
		size_t nc = decode(cands[i], c); /* the first WORD_MAX */
		if (nc > WORD_MAX) {
			nc = WORD_MAX;
		}
		/* The start as long as word, one shorter or one longer (a
		 * letter left out or one too many). */
		size_t best = SIZE_MAX;
		for (size_t len = nw - 1; len <= nw + 1 && len <= nc; len++) {
			size_t d = distance_cp(w, nw, c, len);
			best = d < best ? d : best;
		}
		if (best <= allowed) {
			add_once(out, &found, cands[i]);
		}
	}
	return found;
}
