/* SPDX-License-Identifier: MIT */
/*
 * enum_test.c: common/crm_enum.c turns the words users type (English
 * short names, declared names, Chinese aliases) into protocol enum values
 * and back, parses and formats money in minor units, and tells a
 * follow-up's unplanned next action.
 */
#include "crm_test.h"

#include <string.h>

#include "crm.h"

static int
parse(const ProtobufCEnumDescriptor *d, const char *text)
{
	int v = -1;
	assert_crm_ok(crm_enum_parse(d, text, &v));
	return v;
}

static void
stages_parse_in_english_and_chinese(void **state)
{
	(void)state;
	const ProtobufCEnumDescriptor *d = &crm__v1__stage__descriptor;
	assert_int_equal(
	    parse(d, "churn_risk"), CRM__V1__STAGE__STAGE_CHURN_RISK);
	assert_int_equal(
	    parse(d, "CHURN_RISK"), CRM__V1__STAGE__STAGE_CHURN_RISK);
	assert_int_equal(
	    parse(d, "STAGE_CHURN_RISK"), CRM__V1__STAGE__STAGE_CHURN_RISK);
	assert_int_equal(
	    parse(d, "potential"), CRM__V1__STAGE__STAGE_POTENTIAL);
	assert_int_equal(parse(d, "潜在"), CRM__V1__STAGE__STAGE_POTENTIAL);
	assert_int_equal(parse(d, "谈判"), CRM__V1__STAGE__STAGE_NEGOTIATION);
	assert_int_equal(
	    parse(d, "流失风险"), CRM__V1__STAGE__STAGE_CHURN_RISK);
	assert_int_equal(parse(d, "流失"), CRM__V1__STAGE__STAGE_LOST);
	assert_int_equal(parse(d, "won"), CRM__V1__STAGE__STAGE_WON);
}

static void
grades_and_other_enums_parse(void **state)
{
	(void)state;
	const ProtobufCEnumDescriptor *g = &crm__v1__grade__descriptor;
	assert_int_equal(parse(g, "s"), CRM__V1__GRADE__GRADE_S);
	assert_int_equal(parse(g, "S"), CRM__V1__GRADE__GRADE_S);
	assert_int_equal(parse(g, "c"), CRM__V1__GRADE__GRADE_C);
	assert_int_equal(parse(g, "重点"), CRM__V1__GRADE__GRADE_S);
	assert_int_equal(parse(g, "低优先级"), CRM__V1__GRADE__GRADE_C);
	assert_int_equal(parse(&crm__v1__customer_kind__descriptor, "person"),
	    CRM__V1__CUSTOMER_KIND__KIND_PERSON);
	assert_int_equal(parse(&crm__v1__customer_kind__descriptor, "公司"),
	    CRM__V1__CUSTOMER_KIND__KIND_COMPANY);
	assert_int_equal(
	    parse(&crm__v1__contact_role__descriptor, "decision_maker"),
	    CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER);
	assert_int_equal(parse(&crm__v1__contact_role__descriptor, "决策者"),
	    CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER);
	assert_int_equal(parse(&crm__v1__role__descriptor, "manager"),
	    CRM__V1__ROLE__ROLE_MANAGER);
	assert_int_equal(parse(&crm__v1__role__descriptor, "管理员"),
	    CRM__V1__ROLE__ROLE_ADMIN);
	assert_int_equal(parse(&crm__v1__lost_reason__descriptor, "no_need"),
	    CRM__V1__LOST_REASON__LOST_NO_NEED);
	assert_int_equal(parse(&crm__v1__level__descriptor, "high"),
	    CRM__V1__LEVEL__LEVEL_HIGH);
	/* The seeds' own words (002: 价格、竞品、服务; 004: 满意/中性/担忧;
	 * 001: 正式客户). */
	assert_int_equal(parse(&crm__v1__lost_reason__descriptor, "竞品"),
	    CRM__V1__LOST_REASON__LOST_COMPETITOR);
	assert_int_equal(parse(&crm__v1__lost_reason__descriptor, "无需求"),
	    CRM__V1__LOST_REASON__LOST_NO_NEED);
	assert_int_equal(parse(&crm__v1__lost_reason__descriptor, "其他"),
	    CRM__V1__LOST_REASON__LOST_OTHER);
	assert_int_equal(parse(&crm__v1__mood__descriptor, "满意"),
	    CRM__V1__MOOD__MOOD_POSITIVE);
	assert_int_equal(parse(&crm__v1__mood__descriptor, "中性"),
	    CRM__V1__MOOD__MOOD_NEUTRAL);
	assert_int_equal(parse(&crm__v1__stage__descriptor, "正式客户"),
	    CRM__V1__STAGE__STAGE_WON);
}

static void
unknown_words_and_unspecified_are_refused(void **state)
{
	(void)state;
	int v = 77;
	const ProtobufCEnumDescriptor *d = &crm__v1__stage__descriptor;
	assert_crm_err(crm_enum_parse(d, "", &v), CRM_EINVAL);
	assert_crm_err(crm_enum_parse(d, NULL, &v), CRM_EINVAL);
	assert_crm_err(crm_enum_parse(d, "unspecified", &v), CRM_EINVAL);
	assert_crm_err(crm_enum_parse(d, "STAGE_UNSPECIFIED", &v), CRM_EINVAL);
	assert_crm_err(crm_enum_parse(d, "churn", &v), CRM_EINVAL);
	assert_crm_err(
	    crm_enum_parse(d, "重点", &v), CRM_EINVAL); /* a grade */
	assert_crm_err(
	    crm_enum_parse(&crm__v1__grade__descriptor, "D", &v), CRM_EINVAL);
	assert_int_equal(v, 77); /* untouched on failure */
}

static void
names_print_short_and_round_trip(void **state)
{
	(void)state;
	assert_string_equal(crm_enum_name(&crm__v1__stage__descriptor,
	                        CRM__V1__STAGE__STAGE_CHURN_RISK),
	    "churn_risk");
	assert_string_equal(crm_enum_name(&crm__v1__grade__descriptor,
	                        CRM__V1__GRADE__GRADE_S),
	    "S");
	assert_string_equal(crm_enum_name(&crm__v1__contact_role__descriptor,
	                        CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER),
	    "decision_maker");
	assert_string_equal(crm_enum_name(&crm__v1__customer_kind__descriptor,
	                        CRM__V1__CUSTOMER_KIND__KIND_COMPANY),
	    "company");
	assert_string_equal(
	    crm_enum_name(&crm__v1__role__descriptor, CRM__V1__ROLE__ROLE_REP),
	    "rep");
	assert_string_equal(crm_enum_name(&crm__v1__stage__descriptor, 0), "");
	assert_string_equal(
	    crm_enum_name(&crm__v1__stage__descriptor, 99), "");

	/* Every declared value's name parses back to it. */
	const ProtobufCEnumDescriptor *const all[] = {
		&crm__v1__role__descriptor,
		&crm__v1__customer_kind__descriptor,
		&crm__v1__stage__descriptor,
		&crm__v1__grade__descriptor,
		&crm__v1__level__descriptor,
		&crm__v1__lost_reason__descriptor,
		&crm__v1__contact_role__descriptor,
	};
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		for (unsigned i = 0; i < all[k]->n_values; i++) {
			int v = all[k]->values[i].value;
			if (v == 0) {
				continue;
			}
			const char *name = crm_enum_name(all[k], v);
			assert_true(strlen(name) > 0);
			assert_int_equal(parse(all[k], name), v);
		}
	}
}

static void
the_list_of_names_is_for_usage_lines(void **state)
{
	(void)state;
	char buf[256];
	crm_enum_list(&crm__v1__stage__descriptor, buf, sizeof(buf));
	assert_string_equal(
	    buf, "potential|intent|negotiation|won|churn_risk|lost");
	crm_enum_list(&crm__v1__grade__descriptor, buf, sizeof(buf));
	assert_string_equal(buf, "S|A|B|C");
	/* A short buffer holds a terminated prefix of the list. (It may end
	 * in part of a name: crm_enum_list does not promise whole names.) */
	memset(buf, 'x', sizeof(buf));
	crm_enum_list(&crm__v1__stage__descriptor, buf, 20);
	assert_true(strlen(buf) < 20);
	assert_memory_equal(buf, "potential|intent", 16);
}

static int64_t
money(const char *text)
{
	int64_t v = -1;
	assert_crm_ok(crm_money_parse(text, &v));
	return v;
}

static void
money_parses_into_minor_units(void **state)
{
	(void)state;
	assert_int_equal(money("12000"), 1200000);
	assert_int_equal(money("12,000.50"), 1200050);
	assert_int_equal(money("12000.5"), 1200050);
	assert_int_equal(money("0.01"), 1);
	assert_int_equal(money("0"), 0);
	assert_int_equal(money("¥3.5"), 350);
	assert_int_equal(money("$1,234.56"), 123456);
	assert_int_equal(money("-20"), -2000);
	assert_int_equal(money("1,234,567.89"), 123456789);
	assert_int_equal(money("￥2,000"), 200000);
}

static void
money_refuses_what_is_not_an_amount(void **state)
{
	(void)state;
	static const char *const bad[] = { "1.234", "abc", "", "-", ".", "12a",
		"1.2.3", "1 000", "¥", "1e6",
		/* commas only in thousands groups: a decimal comma or a
		 * slip is refused, not read as 15, 1234 or 123 */
		"1,5", "12,34", "1,2,3", ",100", "100,", "1,0000", "1234,567",
		"1,,000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 99;
		if (crm_money_parse(bad[i], &v) != CRM_EINVAL) {
			print_error("crm_money_parse(\"%s\") accepted: %lld\n",
			    bad[i], (long long)v);
			fail();
		}
	}
}

static void
money_formats_with_two_decimals(void **state)
{
	(void)state;
	char buf[32];
	crm_money_format(1200050, buf, sizeof(buf));
	assert_string_equal(buf, "12000.50");
	crm_money_format(5, buf, sizeof(buf));
	assert_string_equal(buf, "0.05");
	crm_money_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0.00");
	crm_money_format(-2000, buf, sizeof(buf));
	assert_string_equal(buf, "-20.00");
	crm_money_format(INT64_MIN, buf, sizeof(buf));
	assert_string_equal(buf, "-92233720368547758.08");

	int64_t v;
	crm_money_format(123456, buf, sizeof(buf));
	assert_crm_ok(crm_money_parse(buf, &v));
	assert_int_equal(v, 123456);
}

static void
money_for_people_has_separators_and_a_currency(void **state)
{
	(void)state;
	char buf[64];
	crm_money_format_people(123456700, "¥", buf, sizeof(buf));
	assert_string_equal(buf, "¥1,234,567.00");
	crm_money_format_people(99999, "$", buf, sizeof(buf));
	assert_string_equal(buf, "$999.99");
	crm_money_format_people(100000, "€", buf, sizeof(buf));
	assert_string_equal(buf, "€1,000.00");
	crm_money_format_people(-2000050, "¥", buf, sizeof(buf));
	assert_string_equal(buf, "-¥20,000.50");
	crm_money_format_people(5, "CHF", buf, sizeof(buf));
	assert_string_equal(buf, "CHF 0.05");
	crm_money_format_people(12345678900, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "123,456,789.00");
	crm_money_format_people(INT64_MIN, "¥", buf, sizeof(buf));
	assert_string_equal(buf, "-¥92,233,720,368,547,758.08");
	/* What people read parses back. */
	int64_t v;
	crm_money_format_people(123456700, "¥", buf, sizeof(buf));
	assert_crm_ok(crm_money_parse(buf, &v));
	assert_int_equal(v, 123456700);
}

/* The task kinds' words in `due` and the history, the same on both
 * sides. */
static void
task_kinds_read_as_words(void **state)
{
	(void)state;
	assert_string_equal(
	    crm_task_kind_word(CRM__V1__TASK_KIND__TASK_FOLLOW_UP),
	    "next follow-up");
	assert_string_equal(
	    crm_task_kind_word(CRM__V1__TASK_KIND__TASK_TODO), "task");
	assert_string_equal(
	    crm_task_kind_word(CRM__V1__TASK_KIND__TASK_REGRADE), "re-grade");
	assert_string_equal(
	    crm_task_kind_word(CRM__V1__TASK_KIND__TASK_COMMITMENT),
	    "commitment");
	assert_string_equal(crm_task_kind_word(0), "");
}

/* due --kind takes the short names and the table's words, in any case,
 * with '-', '_' and ' ' alike; commitment and sla parse (to be refused
 * with where they are listed), unknown words do not. */
static void
task_kinds_parse_from_the_words_the_table_shows(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int kind;
	} ok[] = {
		{ "follow_up", CRM__V1__TASK_KIND__TASK_FOLLOW_UP },
		{ "follow-up", CRM__V1__TASK_KIND__TASK_FOLLOW_UP },
		{ "next follow-up", CRM__V1__TASK_KIND__TASK_FOLLOW_UP },
		{ "Next-Follow-Up", CRM__V1__TASK_KIND__TASK_FOLLOW_UP },
		{ "next_follow_up", CRM__V1__TASK_KIND__TASK_FOLLOW_UP },
		{ "TASK_FOLLOW_UP", CRM__V1__TASK_KIND__TASK_FOLLOW_UP },
		{ "todo", CRM__V1__TASK_KIND__TASK_TODO },
		{ "Task", CRM__V1__TASK_KIND__TASK_TODO },
		{ "regrade", CRM__V1__TASK_KIND__TASK_REGRADE },
		{ "re-grade", CRM__V1__TASK_KIND__TASK_REGRADE },
		{ "RE_GRADE", CRM__V1__TASK_KIND__TASK_REGRADE },
		{ "greeting", CRM__V1__TASK_KIND__TASK_GREETING },
		{ "Routine", CRM__V1__TASK_KIND__TASK_ROUTINE },
		{ "reclaim-warn", CRM__V1__TASK_KIND__TASK_RECLAIM_WARN },
		{ "pool warning", CRM__V1__TASK_KIND__TASK_RECLAIM_WARN },
		{ "commitment", CRM__V1__TASK_KIND__TASK_COMMITMENT },
		{ "SLA", CRM__V1__TASK_KIND__TASK_SLA },
		{ "commitments", CRM__V1__TASK_KIND__TASK_COMMITMENT },
		{ "slas", CRM__V1__TASK_KIND__TASK_SLA },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int k = -1;
		assert_crm_ok(crm_task_kind_parse(ok[i].text, &k));
		if (k != ok[i].kind) {
			fail_msg("'%s' is kind %d, want %d", ok[i].text, k,
			    ok[i].kind);
		}
	}
	static const char *const bad[] = { "", "birthday", "follow",
		"follow__up", "next", "unspecified", "task_kind_unspecified" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int k = -1;
		assert_crm_err(crm_task_kind_parse(bad[i], &k), CRM_EINVAL);
	}
	/* Every listed word parses to a kind tasks have; every display
	 * word of those kinds is taken back. */
	size_t n;
	const char *const *w = crm_task_kind_words(&n);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++) {
		int k;
		assert_crm_ok(crm_task_kind_parse(w[i], &k));
		assert_null(crm_task_kind_elsewhere(k));
		int back;
		assert_crm_ok(
		    crm_task_kind_parse(crm_task_kind_word(k), &back));
		assert_int_equal(back, k);
	}
	assert_non_null(
	    crm_task_kind_elsewhere(CRM__V1__TASK_KIND__TASK_COMMITMENT));
	assert_non_null(crm_task_kind_elsewhere(CRM__V1__TASK_KIND__TASK_SLA));
}

/* A next action no task was made for (history only) is unplanned; one
 * with its task, and a follow-up that said none, are not. */
static void
a_next_action_without_its_task_is_unplanned(void **state)
{
	(void)state;
	Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
	assert_false(crm_followup_unplanned(NULL));
	assert_false(crm_followup_unplanned(&f));
	f.next_action = "";
	assert_false(crm_followup_unplanned(&f));
	f.next_action = "寄样品";
	assert_true(crm_followup_unplanned(&f));
	f.has_next_task_id = 1;
	assert_true(crm_followup_unplanned(&f)); /* id 0: none */
	f.next_task_id = 7;
	assert_false(crm_followup_unplanned(&f));
	f.next_action = NULL; /* the cadence's task: nothing said */
	assert_false(crm_followup_unplanned(&f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stages_parse_in_english_and_chinese),
		cmocka_unit_test(grades_and_other_enums_parse),
		cmocka_unit_test(unknown_words_and_unspecified_are_refused),
		cmocka_unit_test(names_print_short_and_round_trip),
		cmocka_unit_test(the_list_of_names_is_for_usage_lines),
		cmocka_unit_test(money_parses_into_minor_units),
		cmocka_unit_test(money_refuses_what_is_not_an_amount),
		cmocka_unit_test(money_formats_with_two_decimals),
		cmocka_unit_test(
		    money_for_people_has_separators_and_a_currency),
		cmocka_unit_test(task_kinds_read_as_words),
		cmocka_unit_test(
		    task_kinds_parse_from_the_words_the_table_shows),
		cmocka_unit_test(a_next_action_without_its_task_is_unplanned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
