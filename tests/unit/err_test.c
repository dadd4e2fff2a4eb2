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
		{ CRM_EINVAL, CRM__V1__STATUS__CODE__INVALID_ARGUMENT },
		{ CRM_EUNAUTH, CRM__V1__STATUS__CODE__UNAUTHENTICATED },
		{ CRM_EPERM, CRM__V1__STATUS__CODE__PERMISSION_DENIED },
		{ CRM_NOT_FOUND, CRM__V1__STATUS__CODE__NOT_FOUND },
		{ CRM_EXISTS, CRM__V1__STATUS__CODE__ALREADY_EXISTS },
		{ CRM_EPRECOND, CRM__V1__STATUS__CODE__FAILED_PRECONDITION },
		{ CRM_TOO_BIG, CRM__V1__STATUS__CODE__RESOURCE_EXHAUSTED },
		{ CRM_UNSUPPORTED, CRM__V1__STATUS__CODE__UNSUPPORTED },
		{ CRM_INTERNAL, CRM__V1__STATUS__CODE__INTERNAL },
		{ CRM_UNAVAILABLE, CRM__V1__STATUS__CODE__UNAVAILABLE },
	};
	size_t n = sizeof(pairs) / sizeof(pairs[0]);
	assert_int_equal(n, CRM_STATUS_COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal((int)pairs[i].ours, (int)pairs[i].wire);
	}
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
