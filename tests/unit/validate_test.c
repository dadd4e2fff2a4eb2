/* SPDX-License-Identifier: MIT */
/*
 * validate_test.c: common/crm_validate.c refuses what protobuf-c lets
 * through (bad UTF-8, control characters, oversized strings and lists,
 * enum values that were never declared) anywhere in a nested message.
 */
#include "crm_test.h"

#include <stdlib.h>
#include <string.h>

#include "crm.h"

struct sample {
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest add;
	Crm__V1__Customer cust;
};

static void
sample_init(struct sample *s)
{
	crm__v1__request__init(&s->req);
	crm__v1__customer_add_request__init(&s->add);
	crm__v1__customer__init(&s->cust);
	s->cust.name = "华东机电有限公司";
	s->cust.industry = "制造";
	s->cust.notes = "首次拜访\t王经理陪同\n下周报价";
	s->add.customer = &s->cust;
	s->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	s->req.customer_add = &s->add;
}

static crm_status
check(struct sample *s, char *why, size_t len)
{
	return crm_validate_message(&s->req.base, why, len);
}

static void
valid_chinese_text_passes(void **state)
{
	(void)state;
	struct sample s;
	char why[256] = "unchanged";
	sample_init(&s);
	assert_crm_ok(check(&s, why, sizeof(why)));
	assert_string_equal(why, "");
	assert_crm_ok(crm_validate_text("上海云图科技 Acme, Inc.", 100));
}

static void
invalid_utf8_is_refused_with_the_field_path(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\xff", "abc\xe4\xb8", /* truncated 中 */
		"\xc0\xaf",            /* overlong '/' */
		"\xed\xa0\x80",        /* UTF-16 surrogate */
		"\xf4\x90\x80\x80",    /* past U+10FFFF */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sample s;
		char why[256];
		sample_init(&s);
		s.cust.name = (char *)bad[i];
		assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
		assert_non_null(strstr(why, "customer_add.customer.name"));
		assert_crm_err(crm_validate_text(bad[i], 100), CRM_EINVAL);
	}
}

static void
control_characters_are_refused_but_tab_and_newline_pass(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\x1b[31mred", /* ESC: a terminal escape */
		"a\rb",        /* carriage return */
		"nul\x01",     /* C0 */
		"del\x7f",     /* DEL */
		"c1\xc2\x9b",  /* U+009B, C1 CSI */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sample s;
		char why[256];
		sample_init(&s);
		s.cust.industry = (char *)bad[i];
		assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
		assert_non_null(strstr(why, "industry"));
	}
	assert_crm_ok(crm_validate_text("line1\nline2\tcol", 100));
}

/* One-line fields (names, industry, category...) refuse tab, newline and
 * the bidi controls that make a name display other than it is; free text
 * (notes) keeps tab and newline. */
static void
one_line_fields_refuse_tab_newline_and_bidi_controls(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"华东\t机电",              /* tab */
		"华东\n机电",              /* newline */
		"abc\xe2\x80\xae_txt.exe", /* U+202E RIGHT-TO-LEFT OVERRIDE */
		"x\xe2\x80\xaay",          /* U+202A LRE */
		"x\xe2\x81\xa6y",          /* U+2066 LRI */
		"x\xe2\x81\xa9y",          /* U+2069 PDI */
		"c1\xc2\x85",              /* U+0085 NEL, C1 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sample s;
		char why[256];
		sample_init(&s);
		s.cust.name = (char *)bad[i];
		assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
		assert_non_null(strstr(why, "customer_add.customer.name"));
		assert_crm_err(crm_validate_line(bad[i], 100), CRM_EINVAL);
		sample_init(&s);
		s.cust.industry = (char *)bad[i];
		assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
		assert_non_null(strstr(why, "industry"));
	}
	/* U+202F (narrow no-break space) is not a bidi control;
	 * Arabic and Hebrew letters are welcome. */
	assert_crm_ok(crm_validate_line("a\xe2\x80\xaf"
	                                "b",
	    100));
	assert_crm_ok(crm_validate_line("شركة עברית 上海", 100));
	assert_true(crm_validate_one_line_field("name"));
	assert_false(crm_validate_one_line_field("notes"));
	/* The notes of the sample hold a tab and a newline: still fine. */
	struct sample s;
	char why[256];
	sample_init(&s);
	assert_crm_ok(check(&s, why, sizeof(why)));
}

/* A refused import batch names the row (its index in the batch). */
static void
a_repeated_message_names_its_index(void **state)
{
	(void)state;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ImportRequest q = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__ImportRow r[3], *rows[3];
	Crm__V1__Customer c[3];
	for (int i = 0; i < 3; i++) {
		crm__v1__import_row__init(&r[i]);
		crm__v1__customer__init(&c[i]);
		c[i].name = "甲公司";
		c[i].industry = i == 2 ? "零\x01售" : "制造";
		r[i].customer = &c[i];
		rows[i] = &r[i];
	}
	q.n_rows = 3;
	q.rows = rows;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = &q;
	char why[256];
	assert_crm_err(
	    crm_validate_message(&req.base, why, sizeof(why)), CRM_EINVAL);
	assert_non_null(strstr(why, "import_batch.rows[2].customer.industry"));
}

/* An import row checked alone: its reason gives the field (the file's
 * column) and why, without the path or an item's index. */
static void
a_reason_gives_its_field_and_what_without_the_path(void **state)
{
	(void)state;
	Crm__V1__ImportRow r = CRM__V1__IMPORT_ROW__INIT;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	char why[256], field[64];
	c.name = "乙\t公司";
	r.customer = &c;
	assert_crm_err(
	    crm_validate_message(&r.base, why, sizeof(why)), CRM_EINVAL);
	crm_validate_field(why, field, sizeof(field));
	assert_string_equal(field, "name");
	assert_string_equal(crm_validate_what(why),
	    "invalid UTF-8 or control characters (one line: no tab, "
	    "newline or bidi control)");
	crm_validate_field(
	    "import_batch.rows[2].customer.tags[1]: too long", field, 5);
	assert_string_equal(field, "tags");
	crm_validate_field("no path here", field, sizeof(field));
	assert_string_equal(field, "");
	assert_string_equal(crm_validate_what("no path here"), "no path here");
}

static void
a_string_longer_than_the_limit_is_refused(void **state)
{
	(void)state;
	char *big = malloc(CRM_MAX_STRING + 2);
	memset(big, 'a', CRM_MAX_STRING + 1);
	big[CRM_MAX_STRING + 1] = '\0';
	struct sample s;
	char why[256];
	sample_init(&s);
	s.cust.notes = big;
	assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
	assert_non_null(strstr(why, "notes"));
	assert_non_null(strstr(why, "too long (at most 4096 bytes)"));
	assert_crm_err(crm_validate_text(big, CRM_MAX_STRING), CRM_TOO_BIG);

	/* Exactly at the limit is fine. */
	big[CRM_MAX_STRING] = '\0';
	assert_crm_ok(check(&s, why, sizeof(why)));
	free(big);
}

static void
a_bytes_field_longer_than_the_limit_is_refused(void **state)
{
	(void)state;
	static uint8_t id[CRM_MAX_BYTES + 1];
	struct sample s;
	char why[256];
	sample_init(&s);
	s.req.has_request_id = 1;
	s.req.request_id.data = id;
	s.req.request_id.len = sizeof(id);
	assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
	assert_non_null(strstr(why, "request_id"));
}

static void
an_out_of_range_enum_inside_a_nested_message_is_refused(void **state)
{
	(void)state;
	struct sample s;
	char why[256];
	sample_init(&s);
	s.cust.has_stage = 1;
	s.cust.stage = (Crm__V1__Stage)99;
	assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
	assert_non_null(strstr(why, "customer_add.customer.stage"));
	assert_non_null(strstr(why, "out of range"));

	sample_init(&s);
	s.cust.has_kind = 1;
	s.cust.kind = (Crm__V1__CustomerKind)-1;
	assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);

	/* Every declared value passes. */
	for (int v = 0; v <= CRM__V1__STAGE__STAGE_LOST; v++) {
		sample_init(&s);
		s.cust.has_stage = 1;
		s.cust.stage = (Crm__V1__Stage)v;
		assert_crm_ok(check(&s, why, sizeof(why)));
	}
}

static void
too_many_repeated_items_are_refused(void **state)
{
	(void)state;
	size_t n = CRM_MAX_REPEAT + 1;
	char **tags = calloc(n, sizeof(*tags));
	for (size_t i = 0; i < n; i++) {
		tags[i] = "vip";
	}
	struct sample s;
	char why[256];
	sample_init(&s);
	s.cust.tags = tags;
	s.cust.n_tags = n;
	assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
	assert_non_null(strstr(why, "tags"));
	assert_non_null(strstr(why, "too many"));

	s.cust.n_tags = CRM_MAX_REPEAT;
	assert_crm_ok(check(&s, why, sizeof(why)));

	/* A bad element of a repeated field is found too. */
	tags[7] = "\xff";
	assert_crm_err(check(&s, why, sizeof(why)), CRM_EINVAL);
	free(tags);
}

static void
a_hostile_unpacked_message_is_refused(void **state)
{
	(void)state;
	/* What a client could send: pack the bad message, unpack it as the
	 * server does, then validate. protobuf-c lets both through. */
	struct sample s;
	sample_init(&s);
	s.cust.name = "\xe5\x8d\x8e\xff";
	s.cust.has_grade = 1;
	s.cust.grade = (Crm__V1__Grade)42;
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&s.req.base, &len);
	crm_arena arena;
	crm_arena_init(&arena, 64 * 1024);
	Crm__V1__Request *got = NULL;
	assert_crm_ok(crm_wire_unpack_request(&arena, buf, len, &got));
	char why[256];
	assert_crm_err(
	    crm_validate_message(&got->base, why, sizeof(why)), CRM_EINVAL);
	crm_arena_fini(&arena);
	free(buf);
}

/* The separators import splits a list cell at, and so a tag holds
 * none of: ',' ';' newline '，' '；' '、'. */
static void
a_list_span_ends_at_the_first_separator(void **state)
{
	(void)state;
	size_t sep = 9;
	assert_int_equal(crm_validate_list_span("重点", &sep), strlen("重点"));
	assert_int_equal(sep, 0);
	assert_int_equal(crm_validate_list_span("a;b", &sep), 1);
	assert_int_equal(sep, 1);
	assert_int_equal(crm_validate_list_span("a b,c", &sep), 3);
	assert_int_equal(
	    crm_validate_list_span("华东；华南;x", &sep), strlen("华东"));
	assert_int_equal(sep, strlen("；"));
	assert_int_equal(
	    crm_validate_list_span("制造、华东", &sep), strlen("制造"));
	assert_int_equal(sep, strlen("、"));
	assert_int_equal(
	    crm_validate_list_span("价格，x", NULL), strlen("价格"));
	assert_int_equal(crm_validate_list_span("", &sep), 0);
	assert_int_equal(sep, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_chinese_text_passes),
		cmocka_unit_test(invalid_utf8_is_refused_with_the_field_path),
		cmocka_unit_test(
		    control_characters_are_refused_but_tab_and_newline_pass),
		cmocka_unit_test(a_string_longer_than_the_limit_is_refused),
		cmocka_unit_test(
		    a_bytes_field_longer_than_the_limit_is_refused),
		cmocka_unit_test(
		    an_out_of_range_enum_inside_a_nested_message_is_refused),
		cmocka_unit_test(too_many_repeated_items_are_refused),
		cmocka_unit_test(a_repeated_message_names_its_index),
		cmocka_unit_test(
		    a_reason_gives_its_field_and_what_without_the_path),
		cmocka_unit_test(
		    one_line_fields_refuse_tab_newline_and_bidi_controls),
		cmocka_unit_test(a_hostile_unpacked_message_is_refused),
		cmocka_unit_test(a_list_span_ends_at_the_first_separator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
