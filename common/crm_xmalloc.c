/* SPDX-License-Identifier: MIT */
/* crm_xmalloc.c: allocation wrappers that abort on out-of-memory. */
#include "crm_xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(size_t n)
{
	fprintf(stderr, "crm: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
crm_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		oom(n);
	}
	return p;
}

void *
crm_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL) {
		oom(n * size);
	}
	return p;
}

void *
crm_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		oom(n);
	}
	return q;
}

char *
crm_xstrdup(const char *s)
{
	return crm_xstrndup(s, strlen(s));
}

char *
crm_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = crm_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
crm_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		abort();
	}
	char *p = crm_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
