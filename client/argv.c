/* SPDX-License-Identifier: MIT */
/*
 * argv.c: the crm shell's word splitter (see argv.h). It is pure string
 * work with no I/O, so the unit tests can drive it directly.
 */
#include "argv.h"

#include <stdlib.h>
#include <string.h>

#include "crm_xmalloc.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A growing byte buffer for the current word. */
struct word {
	char *buf;
	size_t len, cap;
};

static void
word_put(struct word *w, char c)
{
	if (w->len + 1 >= w->cap) {
		w->cap = w->cap ? 2 * w->cap : 32;
		w->buf = crm_xrealloc(w->buf, w->cap);
	}
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

static void
list_push(argv_list *l, struct word *w)
{
	l->argv =
	    crm_xrealloc(l->argv, sizeof(char *) * (size_t)(l->argc + 2));
	l->argv[l->argc++] = w->buf ? w->buf : crm_xstrdup("");
	l->argv[l->argc] = NULL;
	w->buf = NULL;
	w->len = w->cap = 0;
}

crm_status
argv_split(const char *line, bool partial, argv_list *out)
{
	crm_status rc = CRM_OK;
	struct word w = { NULL, 0, 0 };
	bool in_word = false;
	char quote = 0; /* the open quote character, or 0 */
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->argv = crm_xcalloc(1, sizeof(char *));
	out->ends_blank = true;
	if (line == NULL) {
		goto out;
	}
	for (i = 0; line[i] != '\0'; i++) {
		char c = line[i];
		if (quote == '\'') {
			if (c == '\'') {
				quote = 0;
			} else {
				word_put(&w, c);
			}
			continue;
		}
		if (quote == '"') {
			if (c == '"') {
				quote = 0;
			} else if (c == '\\' && (line[i + 1] == '"' ||
			                            line[i + 1] == '\\' ||
			                            line[i + 1] == '$')) {
				word_put(&w, line[++i]);
			} else if (c == '\\' && line[i + 1] == '\0') {
				out->open_quote = true;
			} else {
				word_put(&w, c);
			}
			continue;
		}
		if (is_blank(c)) {
			if (in_word) {
				list_push(out, &w);
				in_word = false;
			}
			continue;
		}
		if (!in_word) {
			in_word = true;
			out->last_start = i;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			word_put(&w, '\0');
			w.len--; /* an empty quoted word still is a word */
		} else if (c == '\\') {
			if (line[i + 1] == '\0') {
				out->open_quote = true;
			} else {
				word_put(&w, line[++i]);
			}
		} else {
			word_put(&w, c);
		}
	}
	if (quote != 0) {
		out->open_quote = true;
	}
	if (out->open_quote && !partial) {
		rc = CRM_EINVAL;
		goto out;
	}
	out->ends_blank = !in_word;
	if (in_word) {
		list_push(out, &w);
	} else {
		out->last_start = i;
	}
out:
	free(w.buf);
	return rc;
}

void
argv_free(argv_list *l)
{
	if (l->argv != NULL) {
		for (int i = 0; i < l->argc; i++) {
			free(l->argv[i]);
		}
		free(l->argv);
	}
	memset(l, 0, sizeof(*l));
}

char *
argv_quote(const char *s)
{
	size_t n = strlen(s), o = 0;
	if (n == 0) {
		return crm_xstrdup("''");
	}
	char *q = crm_xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		if (is_blank(s[i]) || strchr("\"'\\#", s[i]) != NULL) {
			q[o++] = '\\';
		}
		q[o++] = s[i];
	}
	q[o] = '\0';
	return q;
}
