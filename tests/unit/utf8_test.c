/* SPDX-License-Identifier: MIT */
/*
 * utf8_test.c: common/crm_utf8.c: display width with CJK double width,
 * truncation at character boundaries, the normalised name key, folding
 * for search, and sanitising text before it reaches a terminal.
 */
#include "crm_test.h"

#include <stdlib.h>
#include <string.h>

#include "crm.h"

static void
cjk_counts_double_and_ascii_single(void **state)
{
	(void)state;
	assert_int_equal(crm_utf8_width("华东"), 4);
	assert_int_equal(crm_utf8_width("abc"), 3);
	assert_int_equal(crm_utf8_width(""), 0);
	assert_int_equal(crm_utf8_width("华东机电有限公司"), 16);
	assert_int_equal(crm_utf8_width("Acme 上海"), 9);
	assert_int_equal(crm_utf8_width("ＡＢ"), 4); /* full-width Latin */
	assert_int_equal(crm_utf8_width("e\xcc\x81"), 1); /* e + acute */
	assert_int_equal(crm_utf8_width("\xff"), 1);      /* invalid byte */
}

static void
fit_never_splits_a_character(void **state)
{
	(void)state;
	const char *s = "华东机电";
	size_t cols;
	for (size_t max = 0; max <= 10; max++) {
		size_t n = crm_utf8_fit(s, max, &cols);
		assert_int_equal(n % 3, 0); /* whole 3-byte characters */
		assert_true(cols <= max);
		assert_true(crm_utf8_valid(s, n));
		size_t want = max / 2 > 4 ? 4 : max / 2;
		assert_int_equal(n, want * 3);
		assert_int_equal(cols, want * 2);
	}
	/* Mixed text: "a华b" in 2 columns is just "a". */
	assert_int_equal(crm_utf8_fit("a华b", 2, &cols), 1);
	assert_int_equal(cols, 1);
	assert_int_equal(crm_utf8_fit("a华b", 3, &cols), 4);
	assert_int_equal(cols, 3);
	assert_int_equal(crm_utf8_fit("abc", 10, NULL), 3);
	/* A combining mark stays with its base. */
	assert_int_equal(crm_utf8_fit("e\xcc\x81x", 1, &cols), 3);
}

static void
validity_follows_the_standard(void **state)
{
	(void)state;
	assert_true(crm_utf8_valid("", 0));
	assert_true(crm_utf8_valid("华东 abc", strlen("华东 abc")));
	assert_true(crm_utf8_valid("\xf0\x9f\x98\x80", 4)); /* emoji */
	assert_false(crm_utf8_valid("\xff", 1));
	assert_false(crm_utf8_valid("\xe5\x8d", 2)); /* truncated */
	assert_false(crm_utf8_valid("\xc0\x80", 2)); /* overlong NUL */
	assert_false(crm_utf8_valid("\xed\xa0\x80", 3));
	/* A length shorter than the string cuts a character in two. */
	assert_false(crm_utf8_valid("华", 2));
}

static void
control_characters_are_found(void **state)
{
	(void)state;
	const char *ok = "tab\tand\nnewline 华东";
	assert_false(crm_utf8_has_control(ok, strlen(ok)));
	assert_true(crm_utf8_has_control("\x1b[2J", 4));
	assert_true(crm_utf8_has_control("a\rb", 3));
	assert_true(crm_utf8_has_control("\x7f", 1));
	assert_true(crm_utf8_has_control("\xc2\x9b", 2));
}

static void
expect_same_key(const char *a, const char *b)
{
	char *ka = crm_utf8_normalize(a);
	char *kb = crm_utf8_normalize(b);
	assert_non_null(ka);
	assert_non_null(kb);
	if (strcmp(ka, kb) != 0) {
		print_error("normalize(\"%s\") = \"%s\" but normalize(\"%s\") "
		            "= \"%s\"\n",
		    a, ka, b, kb);
		fail();
	}
	free(ka);
	free(kb);
}

static void
expect_different_key(const char *a, const char *b)
{
	char *ka = crm_utf8_normalize(a);
	char *kb = crm_utf8_normalize(b);
	assert_non_null(ka);
	assert_non_null(kb);
	assert_string_not_equal(ka, kb);
	free(ka);
	free(kb);
}

static void
company_key_equal(const char *a, const char *b, int equal)
{
	char *ka = crm_utf8_company_key(a);
	char *kb = crm_utf8_company_key(b);
	assert_non_null(ka);
	assert_non_null(kb);
	if ((strcmp(ka, kb) == 0) != equal) {
		print_error("company key \"%s\" = \"%s\", \"%s\" = \"%s\"\n",
		    a, ka, b, kb);
		fail();
	}
	free(ka);
	free(kb);
}

static void
company_keys_drop_the_legal_form(void **state)
{
	(void)state;
	company_key_equal("华东机电有限公司", "华东机电", 1);
	company_key_equal("华东机电有限责任公司", "华东机电", 1);
	company_key_equal("华东机电股份有限公司", "华东机电公司", 1);
	company_key_equal("华东机电集团有限公司", "华东机电", 1);
	company_key_equal("华东机电（集团）有限公司", "华东机电", 1);
	company_key_equal("Acme Co., Ltd.", "ACME", 1);
	company_key_equal("Acme Inc.", "acme llc", 1);
	company_key_equal("Acme GmbH", "Acme", 1);
	company_key_equal("ＡＣＭＥ　ＬＴＤ", "acme", 1); /* full-width */
	/* Whole words only: Tesco is not Tes + Co. */
	company_key_equal("Tesco", "Tes", 0);
	company_key_equal("Tesco Ltd", "Tesco", 1);
	/* A branch is not its parent. */
	company_key_equal("华东机电有限公司上海分公司", "华东机电", 0);
	/* Nothing but a legal form keeps it. */
	company_key_equal("有限公司", "公司", 0);
	company_key_equal("Co. Ltd.", "Ltd", 0);
	company_key_equal("华东机电", "华南机电", 0);
}

/* Further legal forms; a name that is only a legal form is told apart,
 * so that it can be refused. */
static void
company_keys_know_more_forms_and_tell_a_bare_form(void **state)
{
	(void)state;
	company_key_equal("Acme S.A.", "Acme", 1);
	company_key_equal("Acme SA", "Acme", 1);
	company_key_equal("Acme AG", "Acme", 1);
	company_key_equal("Acme PLC", "Acme", 1);
	company_key_equal("Acme Pty Ltd", "Acme", 1);
	company_key_equal("Acme Corp.", "Acme Corporation", 1);
	company_key_equal("Acme Limited", "Acme Company", 1);
	company_key_equal("Acme N.V.", "Acme", 1);
	company_key_equal("华东机电有限合伙", "华东机电", 1);
	company_key_equal("华东机电合伙企业", "华东机电", 1);
	company_key_equal("华东机电股份公司", "华东机电", 1);
	company_key_equal("华东机电集团", "华东机电", 1);
	/* Whole words: a single letter is not a form; USA is not S.A. */
	company_key_equal("Acme U.S.A.", "Acme", 0);
	company_key_equal("Plcx", "Plc", 0);
	static const char *const bare[] = { "有限公司", "公司", "Co., Ltd.",
		"S.A.", "股份有限公司", "集团有限公司", "Ltd", "有限合伙",
		"  Inc. " };
	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		assert_true(crm_utf8_company_form_only(bare[i]));
	}
	static const char *const named[] = { "华东机电有限公司", "Acme S.A.",
		"A公司", "Tesco", "有限", "Co1 Ltd" };
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		assert_false(crm_utf8_company_form_only(named[i]));
	}
}

static void
normalized_names_ignore_case_width_spaces_and_punctuation(void **state)
{
	(void)state;
	expect_same_key("ACME, Inc.", "acme inc");
	expect_same_key("ＡＣＭＥ", "acme");              /* full-width */
	expect_same_key("Acme　Trading", "acme trading"); /* ideographic sp */
	expect_same_key("华东机电（有限）公司", "华东机电有限公司");
	expect_same_key("上海 云图·科技", "上海云图科技");
	expect_same_key("Café", "CAFE");
	expect_same_key("Northwind Foods", "northwind-foods!");
	expect_different_key("华东机电", "华南机电");
	expect_different_key("Acme 1", "Acme 2");

	char *k = crm_utf8_normalize("ACME, Inc.");
	assert_string_equal(k, "acmeinc");
	free(k);
	assert_null(crm_utf8_normalize("\xff"));
}

static void
fold_keeps_everything_but_case_and_width(void **state)
{
	(void)state;
	char *f = crm_utf8_fold("ＡＣＭＥ, Inc. 华东");
	assert_non_null(f);
	assert_string_equal(f, "acme, inc. 华东");
	free(f);
	assert_null(crm_utf8_fold("\xc0\xaf"));
}

static void
sanitize_strips_escapes_and_keeps_text(void **state)
{
	(void)state;
	char *s = crm_utf8_sanitize("\x1b[31m红色\x1b[0m", false);
	assert_null(strchr(s, '\x1b'));
	assert_non_null(strstr(s, "红色"));
	assert_string_equal(s, "?[31m红色?[0m");
	free(s);

	s = crm_utf8_sanitize("a\nb\tc", false);
	assert_string_equal(s, "a b c");
	free(s);
	s = crm_utf8_sanitize("a\nb\tc", true);
	assert_string_equal(s, "a\nb\tc");
	free(s);

	s = crm_utf8_sanitize("bad\xff"
	                      "byte\r\x7f\xc2\x9b",
	    true);
	assert_string_equal(s, "bad?byte???");
	free(s);

	s = crm_utf8_sanitize("华东机电 Acme", false);
	assert_string_equal(s, "华东机电 Acme");
	free(s);
}

static void
trim_drops_blanks_at_both_ends_in_any_order(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "\t回访 ", "回访" },
		{ "\xE3\x80\x80 回访\xE3\x80\x80\r\n", "回访" },
		{ " \xE3\x80\x80\t a b \xE3\x80\x80 ", "a b" },
		{ "a\tb", "a\tb" },
		{ " \t\xE3\x80\x80", "" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].in);
		const char *t = crm_utf8_trim(cases[i].in, &n);
		assert_int_equal(n, strlen(cases[i].out));
		assert_memory_equal(t, cases[i].out, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cjk_counts_double_and_ascii_single),
		cmocka_unit_test(fit_never_splits_a_character),
		cmocka_unit_test(validity_follows_the_standard),
		cmocka_unit_test(control_characters_are_found),
		cmocka_unit_test(
		    normalized_names_ignore_case_width_spaces_and_punctuation),
		cmocka_unit_test(fold_keeps_everything_but_case_and_width),
		cmocka_unit_test(company_keys_drop_the_legal_form),
		cmocka_unit_test(
		    company_keys_know_more_forms_and_tell_a_bare_form),
		cmocka_unit_test(sanitize_strips_escapes_and_keeps_text),
		cmocka_unit_test(trim_drops_blanks_at_both_ends_in_any_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
