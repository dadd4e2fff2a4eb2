/* SPDX-License-Identifier: MIT */
/*
 * import_map_test.c: client/import_map.c: headers in English (as export
 * writes them) and Chinese map to fields whatever their case, width and
 * blanks; server-set columns are known and ignored; cells parse leniently
 * (2024/6/10, S级, 意向客户, 电话+邮件, 30万, lists, a workbook's
 * 03:18:59.999984) and bad ones say why.
 */
#include "crm_test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "import_map.h"

#define K(x) CRM__V1__IMPORT_KIND__IMPORT_##x

static const char *
field_of(int kind, const char *header)
{
	bool ignored = false;
	const struct import_map_field *f =
	    import_map_find(kind, header, &ignored);
	return f ? import_map_name(f) : ignored ? "(ignored)" : "(unknown)";
}

static void
headers_map_in_both_languages(void **state)
{
	(void)state;
	assert_string_equal(field_of(K(CUSTOMERS), "name"), "name");
	assert_string_equal(field_of(K(CUSTOMERS), "客户名称"), "name");
	assert_string_equal(field_of(K(CUSTOMERS), "企业名称"), "name");
	assert_string_equal(
	    field_of(K(CUSTOMERS), " Annual Revenue "), "annual_revenue");
	assert_string_equal(
	    field_of(K(CUSTOMERS), "FIRST-CONTACT_AT"), "first_contact_at");
	assert_string_equal(field_of(K(CUSTOMERS), "所属行业"), "industry");
	assert_string_equal(field_of(K(CUSTOMERS), "客户等级"), "grade");
	assert_string_equal(field_of(K(CUSTOMERS), "客户阶段"), "stage");
	assert_string_equal(field_of(K(CUSTOMERS), "*客户名称："), "name");
	assert_string_equal(field_of(K(CUSTOMERS), "id"), "(ignored)");
	assert_string_equal(field_of(K(CUSTOMERS), "created_at"), "(ignored)");
	assert_string_equal(field_of(K(CUSTOMERS), "colour"), "(unknown)");
	assert_string_equal(field_of(K(CONTACTS), "customer"), "customer");
	assert_string_equal(field_of(K(CONTACTS), "name"), "name");
	assert_string_equal(field_of(K(CONTACTS), "联系人"), "name");
	assert_string_equal(field_of(K(CONTACTS), "职位"), "title");
	assert_string_equal(field_of(K(CONTACTS), "电话/联系方式"), "phones");
	assert_string_equal(field_of(K(CONTACTS), "邮箱"), "email");
	assert_string_equal(field_of(K(FOLLOWUPS), "跟进时间"), "happened_at");
	assert_string_equal(field_of(K(FOLLOWUPS), "跟进方式"), "channel");
	assert_string_equal(field_of(K(FOLLOWUPS), "跟进内容"), "summary");
	assert_string_equal(field_of(K(FOLLOWUPS), "客户反馈"), "feedback");
	assert_string_equal(
	    field_of(K(FOLLOWUPS), "下一步计划"), "next_action");
	assert_string_equal(field_of(K(FOLLOWUPS), "联系人"), "contact_names");
	assert_string_equal(
	    field_of(K(FOLLOWUPS), "响应及时性"), "timeliness");
}

/* Set header's field of a new row of kind from text. */
static bool
set(Crm__V1__ImportRow *row, int kind, const char *header, const char *text,
    char *why)
{
	bool ignored;
	const struct import_map_field *f =
	    import_map_find(kind, header, &ignored);
	assert_non_null(f);
	return import_map_set(f, row, text, why, 256);
}

static void
cells_parse_leniently(void **state)
{
	(void)state;
	char why[256];
	Crm__V1__ImportRow *r = import_map_row_new(K(CUSTOMERS), 7);
	assert_int_equal(r->row, 7);
	assert_true(set(r, K(CUSTOMERS), "客户等级", "S级", why));
	assert_int_equal(r->customer->grade, CRM__V1__GRADE__GRADE_S);
	assert_true(set(r, K(CUSTOMERS), "客户阶段", "意向客户", why));
	assert_int_equal(r->customer->stage, CRM__V1__STAGE__STAGE_INTENT);
	assert_true(set(r, K(CUSTOMERS), "annual_revenue", "30万", why));
	assert_int_equal(r->customer->annual_revenue, 30000000);
	/* A workbook's number cell: a double, which xlsx2csv prints with
	 * six decimals; it reads back as the amount it was written from. */
	assert_true(set(
	    r, K(CUSTOMERS), "annual_revenue", "123456789012.339996", why));
	assert_int_equal(r->customer->annual_revenue, 12345678901234);
	assert_true(set(
	    r, K(CUSTOMERS), "annual_revenue", "-99999999999.990005", why));
	assert_int_equal(r->customer->annual_revenue, -9999999999999);
	assert_true(set(r, K(CUSTOMERS), "tags", "重点; 制造、华东", why));
	assert_int_equal(r->customer->n_tags, 3);
	assert_string_equal(r->customer->tags[2], "华东");
	assert_true(set(r, K(CUSTOMERS), "首次合作时间", "2023/6/15", why));
	time_t t = (time_t)r->customer->first_contact_at;
	struct tm tm;
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_year + 1900, 2023);
	assert_int_equal(tm.tm_mon + 1, 6);
	assert_int_equal(tm.tm_mday, 15);
	assert_true(set(r, K(CUSTOMERS), "生日", "2024年3月5日", why));
	assert_string_equal(r->customer->birthday, "2024-03-05");
	/* A workbook's date cell: the day at midnight. */
	assert_true(
	    set(r, K(CUSTOMERS), "生日", "1990-05-01 00:00:00.000000", why));
	assert_string_equal(r->customer->birthday, "1990-05-01");
	assert_true(set(r, K(CUSTOMERS), "负责人", " li ", why));
	assert_string_equal(r->owner, "li");
	assert_true(set(r, K(CUSTOMERS), "employees", "300人", why));
	assert_int_equal(r->customer->employees, 300);
	crm__v1__import_row__free_unpacked(r, NULL);

	r = import_map_row_new(K(FOLLOWUPS), 2);
	assert_true(r->followup->imported);
	assert_true(set(r, K(FOLLOWUPS), "跟进方式", "电话+邮件", why));
	assert_int_equal(
	    r->followup->channel, CRM__V1__CHANNEL__CHANNEL_PHONE);
	assert_true(
	    set(r, K(FOLLOWUPS), "跟进时间", "2024-03-01 9:05:00", why));
	t = (time_t)r->followup->happened_at;
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_hour, 9);
	assert_int_equal(tm.tm_min, 5);
	/* A workbook's date cell (xlsx2csv -f): rounded to the second,
	 * 23:59:59.9999 is the next day's 00:00. */
	assert_true(set(
	    r, K(FOLLOWUPS), "跟进时间", "2024-02-29 23:59:59.999984", why));
	t = (time_t)r->followup->happened_at;
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_mon + 1, 3);
	assert_int_equal(tm.tm_mday, 1);
	assert_int_equal(tm.tm_hour, 0);
	assert_int_equal(tm.tm_min, 0);
	assert_true(
	    set(r, K(FOLLOWUPS), "跟进时间", "2024-03-01 9:05:59.2", why));
	t = (time_t)r->followup->happened_at;
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_min, 5);
	/* The seconds are kept: export writes those of a follow-up logged
	 * live, and the duplicate check must find it again. */
	assert_int_equal(tm.tm_sec, 59);
	assert_true(
	    set(r, K(FOLLOWUPS), "跟进时间", "2024-03-01 09:05:07", why));
	t = (time_t)r->followup->happened_at;
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_min, 5);
	assert_int_equal(tm.tm_sec, 7);
	assert_true(set(r, K(FOLLOWUPS), "沟通专业性", "5", why));
	assert_int_equal(r->followup->score->professionalism, 5);
	crm__v1__import_row__free_unpacked(r, NULL);

	r = import_map_row_new(K(CONTACTS), 3);
	assert_true(
	    set(r, K(CONTACTS), "所属公司/职位", "A科技公司/采购经理", why));
	assert_string_equal(r->customer_name, "A科技公司");
	assert_string_equal(r->contact->title, "采购经理");
	assert_true(
	    set(r, K(CONTACTS), "联系人(职务)", "王总（采购总监）", why));
	assert_string_equal(r->contact->name, "王总");
	assert_string_equal(r->contact->title, "采购总监");
	assert_true(set(r, K(CONTACTS), "left", "是", why));
	assert_true(r->contact->left);
	crm__v1__import_row__free_unpacked(r, NULL);
}

static void
bad_cells_say_why(void **state)
{
	(void)state;
	char why[256];
	Crm__V1__ImportRow *r = import_map_row_new(K(CUSTOMERS), 2);
	assert_false(set(r, K(CUSTOMERS), "grade", "Z", why));
	assert_non_null(strstr(why, "S|A|B|C"));
	assert_false(
	    set(r, K(CUSTOMERS), "first_contact_at", "2024-13-45", why));
	assert_non_null(strstr(why, "cannot read the time"));
	assert_false(set(r, K(CUSTOMERS), "annual_revenue", "lots", why));
	assert_non_null(strstr(why, "not an amount"));
	/* More than cents stays refused: 12.339996 is no amount in cents,
	 * nor a double near one. */
	assert_false(set(r, K(CUSTOMERS), "annual_revenue", "12.339996", why));
	assert_non_null(strstr(why, "'12.339996' is not an amount"));
	assert_false(set(r, K(CUSTOMERS), "birthday", "13-45", why));
	assert_false(set(r, K(CUSTOMERS), "employees", "many", why));
	assert_true(set(r, K(CUSTOMERS), "notes", "   ", why)); /* empty */
	assert_null(r->customer->notes);
	crm__v1__import_row__free_unpacked(r, NULL);

	r = import_map_row_new(K(FOLLOWUPS), 2);
	assert_false(set(r, K(FOLLOWUPS), "响应及时性", "9", why));
	assert_non_null(strstr(why, "1 to 5"));
	crm__v1__import_row__free_unpacked(r, NULL);
}

static void
required_columns_per_kind(void **state)
{
	(void)state;
	const char *const *c = import_map_required(K(CUSTOMERS));
	assert_string_equal(c[0], "name");
	assert_null(c[1]);
	c = import_map_required(K(CONTACTS));
	assert_string_equal(c[0], "customer_name");
	assert_string_equal(c[1], "name");
}

/* `customer edit 预算=...` reads field names through the import table. */
static void
customer_fields_by_import_names(void **state)
{
	(void)state;
	assert_string_equal(import_map_customer_field("预算"), "budget_range");
	assert_string_equal(
	    import_map_customer_field("决策链"), "decision_chain");
	assert_string_equal(import_map_customer_field("痛点"), "pain_points");
	assert_string_equal(
	    import_map_customer_field("Budget Range"), "budget_range");
	/* Known to import but not a field of the record: none. */
	assert_null(import_map_customer_field("负责人"));
	assert_null(import_map_customer_field("编号"));
	assert_null(import_map_customer_field("颜色"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers_map_in_both_languages),
		cmocka_unit_test(cells_parse_leniently),
		cmocka_unit_test(bad_cells_say_why),
		cmocka_unit_test(required_columns_per_kind),
		cmocka_unit_test(customer_fields_by_import_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
