/* SPDX-License-Identifier: MIT */
/*
 * test_store.h: a real store in a fresh temporary folder for the unit
 * tests that exercise server code against LMDB. crm_test_store_open makes
 * the folder (named in dir, at least 64 bytes) and opens a read-write
 * store of map_size bytes there, failing the test when it cannot;
 * crm_test_store_close closes and frees the store and removes the folder.
 * Include after crm_test.h.
 */
#ifndef TEST_STORE_H
#define TEST_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_test.h"
#include "store.h"

static inline store *
crm_test_store_open(char dir[64], size_t map_size)
{
	strcpy(dir, "/tmp/crm-test-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	store *st = store_new();
	assert_crm_ok(store_open(st, dir, map_size, STORE_READ_WRITE));
	return st;
}

static inline void
crm_test_store_close(store *st, const char *dir)
{
	store_close(st);
	store_free(st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
