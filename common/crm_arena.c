/* SPDX-License-Identifier: MIT */
/* crm_arena.c: the bounded bump allocator behind request unpacking. */
#include "crm_arena.h"

#include <stdlib.h>
#include <string.h>

#include "crm_xmalloc.h"

static void *
arena_pb_alloc(void *data, size_t n)
{
	return crm_arena_alloc(data, n);
}

static void
arena_pb_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

void
crm_arena_init(crm_arena *a, size_t size)
{
	a->base = crm_xmalloc(size);
	a->size = size;
	a->used = 0;
	a->exhausted = 0;
	a->allocator.alloc = arena_pb_alloc;
	a->allocator.free = arena_pb_free;
	a->allocator.allocator_data = a;
}

void
crm_arena_fini(crm_arena *a)
{
	free(a->base);
	a->base = NULL;
	a->size = a->used = 0;
}

void
crm_arena_reset(crm_arena *a)
{
	a->used = 0;
	a->exhausted = 0;
}

size_t
crm_arena_mark(const crm_arena *a)
{
	return a->used;
}

void
crm_arena_release(crm_arena *a, size_t mark)
{
	if (mark <= a->used) {
		a->used = mark;
		a->exhausted = 0;
	}
}

void *
crm_arena_alloc(crm_arena *a, size_t n)
{
	size_t start = (a->used + 15u) & ~(size_t)15u;
	if (start > a->size || n > a->size - start) {
		a->exhausted = 1;
		return NULL;
	}
	a->used = start + n;
	return a->base + start;
}

char *
crm_arena_strdup(crm_arena *a, const char *s)
{
	return crm_arena_strndup(a, s, strlen(s));
}

char *
crm_arena_strndup(crm_arena *a, const char *s, size_t n)
{
	char *p = crm_arena_alloc(a, n + 1);
	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}
