/* SPDX-License-Identifier: MIT */
/* cache.c: the customer-name cache behind tab completion (see cache.h). */
#include "cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_utf8.h"
#include "crm_xmalloc.h"
#include "paths.h"

static char *
path_of(const char *file)
{
	return paths_xdg("XDG_CACHE_HOME", ".cache", file);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates in place; returns the new count. */
static size_t
sort_unique(char **v, size_t n)
{
	size_t o = 0;
	if (n < 2) {
		return n; /* v may be NULL: qsort must not see it */
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (o > 0 && strcmp(v[o - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[o++] = v[i];
	}
	return o;
}

void
cache_load(char ***names, size_t *n)
{
	cache_load_file("customers", names, n);
}

void
cache_load_file(const char *file, char ***names, size_t *n)
{
	char *path = path_of(file);
	char *text = path ? paths_read(path) : NULL;
	char **v = NULL;
	size_t k = 0, cap = 0;

	for (char *line = text, *next; line != NULL && *line != '\0';
	     line = next) {
		next = strchr(line, '\n');
		if (next != NULL) {
			*next++ = '\0';
		}
		if (line[0] == '\0' || k >= CACHE_MAX_NAMES) {
			continue;
		}
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			v = crm_xrealloc(v, cap * sizeof(*v));
		}
		v[k++] = crm_utf8_sanitize(line, false);
	}
	*n = v ? sort_unique(v, k) : 0;
	*names = v;
	free(text);
	free(path);
}

void
cache_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
}

void
cache_add(const char *const *add, size_t n_add)
{
	cache_add_file("customers", add, n_add);
}

/* Write the n lines of v to path (mode 0600); failures are silent. */
static void
write_list(const char *path, char **v, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		len += strlen(v[i]) + 1;
	}
	char *text = crm_xmalloc(len + 1);
	len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]);
		memcpy(text + len, v[i], l);
		text[len + l] = '\n';
		len += l + 1;
	}
	text[len] = '\0';
	(void)paths_write_private(path, text);
	free(text);
}

void
cache_add_file(const char *file, const char *const *add, size_t n_add)
{
	char **v = NULL;
	size_t n = 0;
	char *path = path_of(file);
	bool changed = false;

	if (path == NULL || n_add == 0) {
		goto out;
	}
	cache_load_file(file, &v, &n);
	/* Sorted and unique, the names added after them, sorted and made
	 * unique again: n log n (a linear look-up per name was quadratic:
	 * 10 s of a 60,000-customer list went to it). */
	n = sort_unique(v, n);
	size_t before = n;
	v = crm_xrealloc(v, (n + n_add) * sizeof(*v));
	for (size_t i = 0; i < n_add; i++) {
		if (add[i] == NULL || add[i][0] == '\0' ||
		    strchr(add[i], '\n') != NULL) {
			continue;
		}
		v[n++] = crm_utf8_sanitize(add[i], false);
	}
	n = sort_unique(v, n);
	changed = n != before;
	if (!changed) {
		goto out;
	}
	while (n > CACHE_MAX_NAMES) {
		free(v[--n]);
	}
	write_list(path, v, n);
out:
	cache_free(v, n);
	free(path);
}

void
cache_del_file(const char *file, const char *const *del, size_t n_del)
{
	char **v = NULL;
	size_t n = 0, kept = 0;
	char *path = path_of(file);

	if (path == NULL || n_del == 0) {
		free(path);
		return;
	}
	cache_load_file(file, &v, &n);
	for (size_t i = 0; i < n; i++) {
		bool gone = false;
		for (size_t j = 0; j < n_del && !gone; j++) {
			gone = del[j] != NULL && strcmp(v[i], del[j]) == 0;
		}
		if (gone) {
			free(v[i]);
		} else {
			v[kept++] = v[i];
		}
	}
	if (kept != n) {
		write_list(path, v, kept);
	}
	cache_free(v, kept);
	free(path);
}

void
cache_forget(void)
{
	static const char *const files[] = { "customers", "tags", "issues" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = path_of(files[i]);
		if (path != NULL) {
			(void)unlink(path);
			free(path);
		}
	}
}
