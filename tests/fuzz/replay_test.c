/* SPDX-License-Identifier: MIT */
/*
 * replay_test.c: the fuzz corpus through the fuzz target's own path
 * (fuzz_env.h) in every build, with any compiler: every request body of
 * crm.v1.Request has a seed, corpus/<field>.bin, and that seed succeeds,
 * so the fuzzer starts from deep inside every handler; every other file
 * given (crashers kept in regress/) runs without breaking an invariant.
 * Usage: request_fuzz_replay CORPUS-DIR [FILE...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_test.h"
#include "fuzz_env.h"

static const char *corpus_dir;
static char **extra_files;
static int n_extra;

/* The bytes of path into *buf (caller frees); -1 when unreadable. */
static long
read_file(const char *path, uint8_t **buf)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	*buf = malloc(cap);
	for (;;) {
		size_t got = fread(*buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			break;
		}
		if (n == cap) {
			cap *= 2;
			*buf = realloc(*buf, cap);
		}
	}
	fclose(f);
	return (long)n;
}

static void
every_request_body_has_a_seed_that_succeeds(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	int bodies = 0, bad = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		bodies++;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s.bin", corpus_dir, f->name);
		uint8_t *buf = NULL;
		long n = read_file(path, &buf);
		if (n < 0) {
			print_error("no seed for body %s (field %u): add a "
			            "line to tests/fuzz/seeds.txt and run "
			            "tools/fuzz-seeds\n",
			    f->name, f->id);
			bad++;
			continue;
		}
		struct fuzz_env_reply r;
		fuzz_env_run(buf, (size_t)n, &r);
		free(buf);
		if (r.code != CRM_OK || !r.ran_handler) {
			print_error("seed %s: %s: %s\n", f->name,
			    crm_strerror(r.code), r.msg);
			bad++;
		}
	}
	print_message("%d request bodies, %d seeds failed\n", bodies, bad);
	assert_true(bodies >= 45);
	assert_int_equal(bad, 0);
}

static void
other_inputs_keep_the_invariants(void **state)
{
	(void)state;
	for (int i = 0; i < n_extra; i++) {
		uint8_t *buf = NULL;
		long n = read_file(extra_files[i], &buf);
		if (n < 0) {
			fail_msg("cannot read %s", extra_files[i]);
		}
		struct fuzz_env_reply r;
		fuzz_env_run(buf, (size_t)n, &r); /* aborts on a violation */
		free(buf);
		print_message(
		    "%s: %s\n", extra_files[i], crm_strerror(r.code));
	}
}

/* customer_add of name as the rep, under a fixed request id. Caller
 * frees. */
static uint8_t *
customer_add(const char *name, size_t *len)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerAddRequest a = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	uint8_t id[CRM_REQUEST_ID_LEN];
	memset(id, 0x21, sizeof(id)); /* 0x21 & 7 == 1: as the rep */
	c.name = (char *)name;
	a.customer = &c;
	req.has_protocol_version = req.has_request_id = 1;
	req.protocol_version = CRM_PROTOCOL_VERSION;
	req.request_id.data = id;
	req.request_id.len = sizeof(id);
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req.customer_add = &a;
	return crm_wire_pack_alloc(&req.base, len);
}

/* The fuzz target runs the writer's own path: a resent write gets its
 * stored reply, and the same request id with another body is refused
 * (the body hash the target's old copy of the writer lacked). Last: it
 * commits. */
static void
the_write_path_is_the_writers(void **state)
{
	(void)state;
	size_t n1, n2;
	uint8_t *first = customer_add("Resent Co", &n1);
	uint8_t *other = customer_add("Another Co", &n2);
	struct fuzz_env_reply r;

	fuzz_env_run_commit(first, n1, &r);
	assert_crm_ok(r.code);
	assert_true(r.ran_handler);
	assert_int_equal(r.body_case, CRM__V1__RESPONSE__BODY_CUSTOMER);

	fuzz_env_run_commit(first, n1, &r);
	assert_crm_ok(r.code);
	assert_false(r.ran_handler); /* the stored reply, not a second add */
	assert_int_equal(r.body_case, CRM__V1__RESPONSE__BODY_CUSTOMER);

	fuzz_env_run_commit(other, n2, &r);
	assert_crm_err(r.code, CRM_EPRECOND);
	assert_non_null(strstr(r.msg, "request id reused"));
	free(first);
	free(other);
}

static int
setup(void **state)
{
	(void)state;
	fuzz_env_outside_effects = 1;
	return fuzz_env_open() == CRM_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	fuzz_env_close();
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR [FILE...]\n", argv[0]);
		return 2;
	}
	corpus_dir = argv[1];
	extra_files = argv + 2;
	n_extra = argc - 2;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_request_body_has_a_seed_that_succeeds),
		cmocka_unit_test(other_inputs_keep_the_invariants),
		cmocka_unit_test(the_write_path_is_the_writers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
