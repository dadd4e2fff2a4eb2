/* SPDX-License-Identifier: MIT */
/*
 * pb_scan_test.c: the fields read in place (common/crm_pb_scan.c) are
 * what protobuf-c unpacks: a customer's ids, times (negative ones too)
 * and enums among its strings and repeated fields; absent fields are
 * absent; data cut anywhere or with a bad wire type is malformed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crm.pb-c.h"
#include "crm_pb_scan.h"

static const uint32_t fields[] = { 1, 11, 12, 17, 29, 40, 43 };

static uint8_t *
packed(const Crm__V1__Customer *c, size_t *n)
{
	*n = crm__v1__customer__get_packed_size(c);
	uint8_t *b = malloc(*n + 1);
	assert_non_null(b);
	crm__v1__customer__pack(c, b);
	return b;
}

static void
fields_as_unpacked(void **state)
{
	(void)state;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	char *tags[] = { "vip", "华东" };
	c.has_id = c.has_first_contact_at = c.has_owner_id = 1;
	c.has_grade = c.has_created_at = 1;
	c.id = 300;
	c.first_contact_at = -86400; /* before 1970: ten bytes */
	c.owner_id = UINT64_MAX;
	c.grade = CRM__V1__GRADE__GRADE_B;
	c.created_at = 1796000000;
	c.name = "华东机电有限公司";
	c.notes = "a note";
	c.n_tags = 2;
	c.tags = tags;
	size_t n;
	uint8_t *b = packed(&c, &n);
	uint64_t v[7];
	uint64_t seen = crm_pb_varints(b, n, fields, 7, v);
	assert_int_equal(seen, 0x2f); /* won_at and merged_into absent */
	assert_int_equal(v[0], 300);
	assert_int_equal((int64_t)v[1], -86400);
	assert_true(v[2] == UINT64_MAX);
	assert_int_equal(v[3], CRM__V1__GRADE__GRADE_B);
	assert_int_equal(v[4], 0);
	assert_int_equal((int64_t)v[5], 1796000000);
	assert_int_equal(v[6], 0);

	/* A string field is met as bytes, in place. */
	const uint8_t *p = b, *end = b + n;
	struct crm_pb_field f;
	int names = 0;
	while (crm_pb_next(&p, end, &f)) {
		if (f.number == 3) {
			assert_int_equal(f.type, 2);
			assert_int_equal(f.len, strlen(c.name));
			assert_memory_equal(f.data, c.name, f.len);
			names++;
		}
	}
	assert_true(p == end);
	assert_int_equal(names, 1);

	/* Cut anywhere inside: malformed, or without created_at (field 40,
	 * the last packed); never a read past the cut (ASan). */
	for (size_t cut = 1; cut < n; cut++) {
		uint64_t w[7];
		uint64_t s = crm_pb_varints(b, cut, fields, 7, w);
		assert_true((s & CRM_PB_MALFORMED) || !(s & 0x20));
	}
	free(b);
}

static void
malformed(void **state)
{
	(void)state;
	uint64_t v[7];
	/* field 0 */
	static const uint8_t zero[] = { 0x00, 0x01 };
	assert_true(crm_pb_varints(zero, sizeof(zero), fields, 7, v) &
	            CRM_PB_MALFORMED);
	/* wire type 3 (a group) */
	static const uint8_t group[] = { 0x0b };
	assert_true(crm_pb_varints(group, sizeof(group), fields, 7, v) &
	            CRM_PB_MALFORMED);
	/* a length past the end */
	static const uint8_t longer[] = { 0x1a, 0x05, 'a', 'b' };
	assert_true(crm_pb_varints(longer, sizeof(longer), fields, 7, v) &
	            CRM_PB_MALFORMED);
	/* a varint of eleven bytes */
	static const uint8_t eleven[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	assert_true(crm_pb_varints(eleven, sizeof(eleven), fields, 7, v) &
	            CRM_PB_MALFORMED);
	/* fixed fields are skipped; the last of a repeated varint wins */
	static const uint8_t ok[] = { 0x08, 0x05, 0x11, 1, 2, 3, 4, 5, 6, 7, 8,
		0x08, 0x07 };
	uint64_t s = crm_pb_varints(ok, sizeof(ok), fields, 7, v);
	assert_int_equal(s, 1);
	assert_int_equal(v[0], 7);
	/* empty: nothing, not malformed */
	assert_int_equal(crm_pb_varints(ok, 0, fields, 7, v), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_as_unpacked),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
