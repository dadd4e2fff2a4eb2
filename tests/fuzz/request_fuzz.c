/* SPDX-License-Identifier: MIT */
/*
 * request_fuzz.c: the libFuzzer target over crmd's request path: unpack,
 * validate, authorize, execute and pack (fuzz_env.h), on a database
 * prepared once per process. The input is the request's bytes; the first
 * byte of its request id picks the session injected (fuzz_env_who).
 * Built only with clang (CRM_FUZZ=ON); see the README's reliability
 * section for the long run.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_env.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
close_env(void)
{
	fuzz_env_close();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_env_open() != CRM_OK) {
		abort();
	}
	atexit(close_env);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env_reply r;
	fuzz_env_run(data, size, &r);
	return 0;
}
