/* SPDX-License-Identifier: MIT */
/*
 * err_test.c: crm_status (common/crm_err.c) equals crm.v1.Status.Code on
 * the wire, in both directions, and every code has a name and a text.
 */
#include "crm_test.h"

#include <string.h>

#include "crm.h"

static void
every_status_code_has_the_same_number_as_the_proto_enum(void **state)
{
	(void)state;
	static const struct {
		crm_status ours;
		Crm__V1__Status__Code wire;
	} pairs[] = {
		{ CRM_OK, CRM__V1__STATUS__CODE__OK },
		{ CRM_CANCELLED, CRM__V1__STATUS__CODE__CANCELLED },
		{ CRM_UNKNOWN, CRM__V1__STATUS__CODE__UNKNOWN },
		{ CRM_EINVAL, CRM__V1__STATUS__CODE__INVALID_ARGUMENT },
		{ CRM_DEADLINE, CRM__V1__STATUS__CODE__DEADLINE_EXCEEDED },
		{ CRM_NOT_FOUND, CRM__V1__STATUS__CODE__NOT_FOUND },
		{ CRM_EXISTS, CRM__V1__STATUS__CODE__ALREADY_EXISTS },
		{ CRM_EPERM, CRM__V1__STATUS__CODE__PERMISSION_DENIED },
		{ CRM_TOO_BIG, CRM__V1__STATUS__CODE__RESOURCE_EXHAUSTED },
		{ CRM_EPRECOND, CRM__V1__STATUS__CODE__FAILED_PRECONDITION },
		{ CRM_ABORTED, CRM__V1__STATUS__CODE__ABORTED },
		{ CRM_OUT_OF_RANGE, CRM__V1__STATUS__CODE__OUT_OF_RANGE },
		{ CRM_UNSUPPORTED, CRM__V1__STATUS__CODE__UNIMPLEMENTED },
		{ CRM_INTERNAL, CRM__V1__STATUS__CODE__INTERNAL },
		{ CRM_UNAVAILABLE, CRM__V1__STATUS__CODE__UNAVAILABLE },
		{ CRM_DATA_LOSS, CRM__V1__STATUS__CODE__DATA_LOSS },
		{ CRM_EUNAUTH, CRM__V1__STATUS__CODE__UNAUTHENTICATED },
	};
	size_t n = sizeof(pairs) / sizeof(pairs[0]);
	assert_int_equal(n, CRM_STATUS_COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal((int)pairs[i].ours, (int)pairs[i].wire);
	}
}

/* gRPC's canonical numbers (google.rpc.Code), written out: a gateway
 * maps them one to one. */
static void
codes_are_grpc_canonical_numbers(void **state)
{
	(void)state;
	assert_int_equal(CRM__V1__STATUS__CODE__OK, 0);
	assert_int_equal(CRM__V1__STATUS__CODE__CANCELLED, 1);
	assert_int_equal(CRM__V1__STATUS__CODE__UNKNOWN, 2);
	assert_int_equal(CRM__V1__STATUS__CODE__INVALID_ARGUMENT, 3);
	assert_int_equal(CRM__V1__STATUS__CODE__DEADLINE_EXCEEDED, 4);
	assert_int_equal(CRM__V1__STATUS__CODE__NOT_FOUND, 5);
	assert_int_equal(CRM__V1__STATUS__CODE__ALREADY_EXISTS, 6);
	assert_int_equal(CRM__V1__STATUS__CODE__PERMISSION_DENIED, 7);
	assert_int_equal(CRM__V1__STATUS__CODE__RESOURCE_EXHAUSTED, 8);
	assert_int_equal(CRM__V1__STATUS__CODE__FAILED_PRECONDITION, 9);
	assert_int_equal(CRM__V1__STATUS__CODE__ABORTED, 10);
	assert_int_equal(CRM__V1__STATUS__CODE__OUT_OF_RANGE, 11);
	assert_int_equal(CRM__V1__STATUS__CODE__UNIMPLEMENTED, 12);
	assert_int_equal(CRM__V1__STATUS__CODE__INTERNAL, 13);
	assert_int_equal(CRM__V1__STATUS__CODE__UNAVAILABLE, 14);
	assert_int_equal(CRM__V1__STATUS__CODE__DATA_LOSS, 15);
	assert_int_equal(CRM__V1__STATUS__CODE__UNAUTHENTICATED, 16);
}

/* Decode bytes as a Response and read its status as a client does. */
static crm_status
decoded_status(const uint8_t *b, size_t n)
{
	Crm__V1__Response *r = NULL;
	assert_int_equal(crm_wire_unpack_response(b, n, &r), CRM_OK);
	crm_status c = crm_wire_status(r);
	crm__v1__response__free_unpacked(r, NULL);
	return c;
}

/* A reply whose code this build does not know (99), a Status without a
 * code and a Response without a Status are errors, never OK (the proto2
 * default is UNKNOWN); an explicit 0 is OK. */
static void
unknown_or_missing_codes_decode_as_not_ok(void **state)
{
	(void)state;
	/* Response{request_id=1: "", status=2: {code=1: 99}} */
	static const uint8_t code99[] = { 0x12, 0x02, 0x08, 0x63 };
	static const uint8_t no_code[] = { 0x12, 0x02, 0x1a, 0x00 };
	static const uint8_t no_status[] = { 0x0a, 0x00 };
	static const uint8_t ok[] = { 0x12, 0x02, 0x08, 0x00 };
	static const uint8_t not_found[] = { 0x12, 0x02, 0x08, 0x05 };
	assert_int_equal(decoded_status(code99, sizeof(code99)), CRM_UNKNOWN);
	assert_int_equal(
	    decoded_status(no_code, sizeof(no_code)), CRM_UNKNOWN);
	assert_int_equal(
	    decoded_status(no_status, sizeof(no_status)), CRM_UNKNOWN);
	assert_int_equal(decoded_status(ok, sizeof(ok)), CRM_OK);
	assert_int_equal(
	    decoded_status(not_found, sizeof(not_found)), CRM_NOT_FOUND);
	/* An initialised Status reads UNKNOWN until a code is set. */
	Crm__V1__Status st = CRM__V1__STATUS__INIT;
	assert_int_equal(st.code, CRM__V1__STATUS__CODE__UNKNOWN);
}

static void
every_proto_code_maps_to_a_status_with_the_same_name(void **state)
{
	(void)state;
	const ProtobufCEnumDescriptor *d = &crm__v1__status__code__descriptor;
	for (unsigned i = 0; i < d->n_values; i++) {
		int v = d->values[i].value;
		assert_true(v >= 0 && v < CRM_STATUS_COUNT);
		assert_string_equal(
		    crm_status_name((crm_status)v), d->values[i].name);
	}
}

static void
status_count_matches_the_proto_enum(void **state)
{
	(void)state;
	assert_int_equal(
	    crm__v1__status__code__descriptor.n_values, CRM_STATUS_COUNT);
}

static void
names_and_texts_are_non_empty_and_texts_start_with_the_name(void **state)
{
	(void)state;
	for (int c = 0; c < CRM_STATUS_COUNT; c++) {
		const char *name = crm_status_name((crm_status)c);
		const char *text = crm_strerror((crm_status)c);
		assert_non_null(name);
		assert_non_null(text);
		assert_true(strlen(name) > 0);
		assert_true(strlen(text) > strlen(name));
		assert_memory_equal(text, name, strlen(name));
		assert_int_equal(text[strlen(name)], ':');
	}
}

static void
unknown_codes_have_a_fixed_description(void **state)
{
	(void)state;
	assert_string_equal(
	    crm_status_name((crm_status)CRM_STATUS_COUNT), "UNKNOWN");
	assert_non_null(strstr(crm_strerror((crm_status)999), "UNKNOWN"));
	assert_non_null(strstr(crm_strerror((crm_status)-1), "UNKNOWN"));
}

static void
only_unavailable_is_retryable(void **state)
{
	(void)state;
	for (int c = 0; c < CRM_STATUS_COUNT; c++) {
		assert_int_equal(crm_status_retryable((crm_status)c) != 0,
		    c == CRM_UNAVAILABLE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_are_grpc_canonical_numbers),
		cmocka_unit_test(unknown_or_missing_codes_decode_as_not_ok),
		cmocka_unit_test(
		    every_status_code_has_the_same_number_as_the_proto_enum),
		cmocka_unit_test(
		    every_proto_code_maps_to_a_status_with_the_same_name),
		cmocka_unit_test(status_count_matches_the_proto_enum),
		cmocka_unit_test(
		    names_and_texts_are_non_empty_and_texts_start_with_the_name),
		cmocka_unit_test(unknown_codes_have_a_fixed_description),
		cmocka_unit_test(only_unavailable_is_retryable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
