/* SPDX-License-Identifier: MIT */
/*
 * customer_fields_test.c: every field of Customer in crm.proto is either
 * one a client may set or one the server keeps (server/customer.c names
 * both), so a field added later is not client-settable by default
 * (issue 16's pool fields were, until they were named).
 */
#include <string.h>

#include "crm_test.h"
#include "customer.h"

static void
every_customer_field_is_classified(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__customer__descriptor;
	unsigned unnamed = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (customer_field_kind(d->fields[i].name) < 0) {
			print_error("Customer.%s: name it in client_fields or "
			            "server_fields of server/customer.c\n",
			    d->fields[i].name);
			unnamed++;
		}
	}
	assert_int_equal(unnamed, 0);
}

static void
the_server_keeps_owner_team_and_pool_fields(void **state)
{
	(void)state;
	static const char *const kept[] = { "id", "owner_id", "team_id",
		"created_at", "merged_into", "late_entry", "pooled_at",
		"pool_left_at", "pool_from_id" };
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		assert_int_equal(customer_field_kind(kept[i]), 0);
	}
	assert_int_equal(customer_field_kind("name"), 1);
	assert_int_equal(customer_field_kind("no_such_field"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_customer_field_is_classified),
		cmocka_unit_test(the_server_keeps_owner_team_and_pool_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
