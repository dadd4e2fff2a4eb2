/* SPDX-License-Identifier: MIT */
/*
 * crm_arena.h: a bounded bump allocator for unpacking untrusted messages.
 * A hostile message can make protobuf-c allocate at most the arena's size;
 * past that, allocation fails and unpacking stops. Frees are no-ops; the
 * whole arena is reset between requests. Not thread-safe: one per worker.
 */
#ifndef CRM_ARENA_H
#define CRM_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct crm_arena {
	unsigned char *base;
	size_t size;
	size_t used;
	int exhausted; /* an allocation was refused since the last reset */
	ProtobufCAllocator allocator; /* pass &arena->allocator to unpack */
} crm_arena;

/* crm_arena_init: an arena of size bytes. Free with crm_arena_fini(). */
void crm_arena_init(crm_arena *a, size_t size);
void crm_arena_fini(crm_arena *a);
/* crm_arena_reset: forget every allocation; the memory is reused. */
void crm_arena_reset(crm_arena *a);
/* crm_arena_mark / crm_arena_release: forget what was allocated after the
 * mark (a loop's scratch), keeping what came before. */
size_t crm_arena_mark(const crm_arena *a);
void crm_arena_release(crm_arena *a, size_t mark);
/* crm_arena_alloc: n bytes aligned to 16, or NULL when the arena is full. */
void *crm_arena_alloc(crm_arena *a, size_t n);
/* crm_arena_strdup: a copy of s in the arena, or NULL when full. */
char *crm_arena_strdup(crm_arena *a, const char *s);

/* crm_arena_strndup: the first n bytes of s (no NUL among them), with a
 * NUL after, in the arena; NULL when full. */
char *crm_arena_strndup(crm_arena *a, const char *s, size_t n);

#endif
