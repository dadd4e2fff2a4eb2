/* SPDX-License-Identifier: MIT */
/*
 * crm_xmalloc.h: allocation that aborts on out-of-memory, so call sites
 * carry no NULL checks. Anything sized by a request uses crm_arena instead.
 */
#ifndef CRM_XMALLOC_H
#define CRM_XMALLOC_H

#include <stddef.h>

void *crm_xmalloc(size_t n);
void *crm_xcalloc(size_t n, size_t size);
void *crm_xrealloc(void *p, size_t n);
char *crm_xstrdup(const char *s);
char *crm_xstrndup(const char *s, size_t n);
/* crm_xasprintf: printf into a new string. Caller frees with free(). */
char *crm_xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
