/* SPDX-License-Identifier: MIT */
/*
 * value_test.c: purchases, the value report, attachments and record
 * checks against a real crmd with a test clock, on a small fixed data set
 * whose segments are worked out by hand below (default value policy:
 * frequency high >= 6, medium >= 3; amount high >= 100,000.00, medium >=
 * 20,000.00; a category is high at >= 40 % of the revenue, medium at >=
 * 15 %; cadence high 7 d, medium 30 d, low 90 d).
 *
 * Team east: reps li and zhao, manager wang. Team west: rep sun, manager
 * wu. The period is [T0-100d, T0+1).
 *
 *   customer owner purchases in the period            total    top cat.
 *   V1       li    6 x 20,000 设备                    120,000  设备
 *                  (and 1,000,000 设备 at T0-200d: outside)
 *   V2       li    2 x 5,000 维保, 1 x 20,000 软件     30,000  软件
 *   V3       zhao  1 x 2,000 耗材                       2,000  耗材
 *   V4       zhao  won at T0-5d with 50,000 (a follow-up
 *                  log: the won deal, no industry)      50,000  deal
 *   W1       sun   1 x 500,000 设备 (team west)
 *
 * East revenue 202,000. Categories: 设备 120,000 = 59.41 % high; deal
 * 50,000 = 24.75 % medium; 软件 9.90 %, 维保 4.95 %, 耗材 0.99 % low.
 *
 *   by frequency  high V1 (6 purchases)   medium V2 (3)   low V3 V4
 *   by amount     high V1                 medium V2 V4    low V3
 *   by category   high V1 (设备)          medium V4       low V2 V3
 *
 * Follow-ups in the period: V1 4 (li), V2 1 (li), V4 1 (zhao's won log).
 * Per frequency segment: high 4 per customer against 100/7 = 14.29
 * expected (28 %); medium 1 against 100/30 = 3.33 (30 %); low 1 over 2
 * customers = 0.5 against 100/90 = 1.11 (45 %).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"
#include "report_reply.h"

#define DAY  86400
#define YUAN 100

static struct crm_test_server srv;
static char clock_path[300];
static int64_t t0;
static uint64_t id_v1, id_v2, id_v3, id_v4, id_w1, id_contact, id_fu;

static void
set_clock(int64_t t)
{
	crm_test_clock_set(clock_path, t);
}

static void
login(const char *who)
{
	crm_test_login_as(&srv, who);
}

static crm_status
purchase(uint64_t customer, int64_t yuan, const char *product,
    const char *category, int64_t at)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseAddRequest a = CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	Crm__V1__Purchase p = CRM__V1__PURCHASE__INIT;
	p.has_customer_id = p.has_amount = p.has_bought_at = 1;
	p.customer_id = customer;
	p.amount = yuan * YUAN;
	p.product = (char *)product;
	p.category = (char *)category;
	p.bought_at = at;
	a.purchase = &p;
	req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	req.purchase_add = &a;
	return crm_test_status(&srv, &req);
}

/* Log a follow-up; stage_won > 0: move to won with that many yuan. */
static uint64_t
log_followup(uint64_t customer, int64_t at, int64_t won_yuan)
{
	struct crm_test_log l;
	crm_test_log_init(&l, customer, "talked");
	l.f.has_happened_at = 1;
	l.f.happened_at = at;
	if (won_yuan > 0) {
		l.f.has_stage_to = l.f.has_deal_amount = 1;
		l.f.stage_to = CRM__V1__STAGE__STAGE_WON;
		l.f.deal_amount = won_yuan * YUAN;
	}
	Crm__V1__Response *r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->followup->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	crm_test_clock_open(clock_path, sizeof(clock_path));
	t0 = (int64_t)time(NULL);
	set_clock(t0 - 300 * DAY);
	setenv("TZ", "UTC", 1);
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	crm_test_add_people(&srv, "li", "zhao", "wang", "sun", "wu", NULL);
	login("li");
	id_v1 = crm_test_add_customer(&srv, "V1");
	id_v2 = crm_test_add_customer(&srv, "V2");
	login("zhao");
	id_v3 = crm_test_add_customer(&srv, "V3");
	id_v4 = crm_test_add_customer(&srv, "V4");
	login("sun");
	id_w1 = crm_test_add_customer(&srv, "W1");

	set_clock(t0);
	login("li");
	for (int i = 1; i <= 6; i++) {
		assert_crm_ok(
		    purchase(id_v1, 20000, "数控机床", "设备", t0 - i * DAY));
	}
	assert_crm_ok(
	    purchase(id_v1, 1000000, "整线", "设备", t0 - 200 * DAY));
	assert_crm_ok(
	    purchase(id_v2, 5000, "年度维保", "维保", t0 - 50 * DAY));
	assert_crm_ok(
	    purchase(id_v2, 5000, "年度维保", "维保", t0 - 20 * DAY));
	assert_crm_ok(purchase(id_v2, 20000, "MES", "软件", t0 - 10 * DAY));
	for (int i = 1; i <= 4; i++) {
		id_fu = log_followup(id_v1, t0 - 10 * i * DAY, 0);
	}
	log_followup(id_v2, t0 - 3 * DAY, 0);
	login("zhao");
	assert_crm_ok(purchase(id_v3, 2000, "刀具", "耗材", t0 - 30 * DAY));
	log_followup(id_v4, t0 - 5 * DAY, 50000);
	login("sun");
	assert_crm_ok(purchase(id_w1, 500000, "数控机床", "设备", t0 - DAY));

	/* A contact of li's V1. */
	login("li");
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest ca = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Contact c = CRM__V1__CONTACT__INIT;
	c.has_customer_id = 1;
	c.customer_id = id_v1;
	c.name = "陈刚";
	ca.contact = &c;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	req.contact_add = &ca;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	id_contact = r->contact->id;
	crm__v1__response__free_unpacked(r, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	crm_test_clock_close(clock_path);
	return 0;
}

/* ---------------------------------------------------- reading replies */

static Crm__V1__Response *
value_report(const char *user, const char *team)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ReportRequest q = CRM__V1__REPORT_REQUEST__INIT;
	q.has_kind = q.has_start_at = q.has_end_at = 1;
	q.kind = CRM__V1__REPORT_KIND__REPORT_VALUE;
	q.user = (char *)user;
	q.team = (char *)team;
	q.start_at = t0 - 100 * DAY;
	q.end_at = t0 + 1;
	req.body_case = CRM__V1__REQUEST__BODY_REPORT;
	req.report = &q;
	return crm_test_call(&srv, &req);
}

/* customers, purchases, revenue (yuan) and share of segment level. */
static void
segment(const Crm__V1__Response *r, const char *table_name, const char *level,
    double customers, double purchases, double yuan, double share)
{
	assert_near(num(r, table_name, level, "customers"), customers);
	assert_near(num(r, table_name, level, "purchases"), purchases);
	assert_near(num(r, table_name, level, "revenue"), yuan * YUAN);
	assert_near(num(r, table_name, level, "revenue_share"), share);
}

/* ---------------------------------------------------- the report */

static void
segments_match_hand_count(void **state)
{
	(void)state;
	login("wang");
	Crm__V1__Response *r = value_report(NULL, "east");
	assert_string_equal(r->report->scope, "team east");
	assert_near(num(r, "summary", NULL, "buyers"), 4);
	assert_near(num(r, "summary", NULL, "purchases"), 11);
	assert_near(num(r, "summary", NULL, "revenue"), 202000 * YUAN);
	assert_near(num(r, "summary", NULL, "categories"), 5);

	segment(r, "frequency", "high", 1, 6, 120000, 100.0 * 120 / 202);
	segment(r, "frequency", "medium", 1, 3, 30000, 100.0 * 30 / 202);
	segment(r, "frequency", "low", 2, 2, 52000, 100.0 * 52 / 202);
	segment(r, "amount", "high", 1, 6, 120000, 100.0 * 120 / 202);
	segment(r, "amount", "medium", 2, 4, 80000, 100.0 * 80 / 202);
	segment(r, "amount", "low", 1, 1, 2000, 100.0 * 2 / 202);
	segment(r, "category", "high", 1, 6, 120000, 100.0 * 120 / 202);
	segment(r, "category", "medium", 1, 1, 50000, 100.0 * 50 / 202);
	segment(r, "category", "low", 2, 4, 32000, 100.0 * 32 / 202);

	/* Follow-ups against the policy's cadence, by frequency. */
	double days = (100.0 * DAY + 1) / DAY;
	assert_near(num(r, "frequency", "high", "followups"), 4);
	assert_near(num(r, "frequency", "high", "per_customer"), 4);
	assert_near(num(r, "frequency", "high", "policy_days"), 7);
	assert_near(num(r, "frequency", "high", "expected"), days / 7);
	assert_near(num(r, "frequency", "high", "cadence"), 400 / (days / 7));
	assert_near(num(r, "frequency", "medium", "per_customer"), 1);
	assert_near(
	    num(r, "frequency", "medium", "cadence"), 100 / (days / 30));
	assert_near(num(r, "frequency", "low", "per_customer"), 0.5);
	assert_near(num(r, "frequency", "low", "cadence"), 50 / (days / 90));

	/* Categories by revenue; the won deal's is "deal" (V4 has no
	 * industry). */
	const Crm__V1__ReportTable *t = table(r, "categories");
	assert_int_equal(t->n_rows, 5);
	assert_string_equal(t->rows[0]->cells[0]->text, "设备");
	assert_string_equal(t->rows[0]->cells[1]->text, "high");
	assert_string_equal(t->rows[1]->cells[0]->text, "deal");
	assert_string_equal(t->rows[1]->cells[1]->text, "medium");
	assert_string_equal(t->rows[4]->cells[0]->text, "耗材");
	assert_near(num(r, "categories", "软件", "customers"), 1);
	assert_near(num(r, "categories", "维保", "customers"), 0);
	assert_near(
	    num(r, "categories", "维保", "revenue_share"), 100.0 * 10 / 202);
	assert_true(table(r, "frequency")->has_chart);
	crm__v1__response__free_unpacked(r, NULL);

	/* A rep's report covers their own customers: V1 and V2. */
	login("li");
	r = value_report(NULL, NULL);
	assert_string_equal(r->report->scope, "user li");
	assert_near(num(r, "summary", NULL, "revenue"), 150000 * YUAN);
	segment(r, "frequency", "low", 0, 0, 0, 0);
	segment(r, "category", "high", 1, 6, 120000, 100.0 * 120 / 150);
	crm__v1__response__free_unpacked(r, NULL);
	r = value_report(NULL, "east");
	assert_crm_err(crm_wire_status(r), CRM_EPERM);
	crm__v1__response__free_unpacked(r, NULL);
}

static void
thresholds_are_an_admins_policy(void **state)
{
	(void)state;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicyValueSetRequest s =
	    CRM__V1__POLICY_VALUE_SET_REQUEST__INIT;
	Crm__V1__ValuePolicy v = CRM__V1__VALUE_POLICY__INIT;
	v.has_frequency_high = v.has_frequency_medium = 1;
	v.frequency_high = 3;
	v.frequency_medium = 2;
	s.value = &v;
	req.body_case = CRM__V1__REQUEST__BODY_POLICY_VALUE_SET;
	req.policy_value_set = &s;
	login("wang");
	assert_crm_err(crm_test_status(&srv, &req), CRM_EPERM);
	login("admin");
	req.has_request_id = 0;
	assert_crm_ok(crm_test_status(&srv, &req));
	/* V2's 3 purchases are high now. */
	Crm__V1__Response *r = value_report(NULL, "east");
	segment(r, "frequency", "high", 2, 9, 150000, 100.0 * 150 / 202);
	crm__v1__response__free_unpacked(r, NULL);
	/* medium above high is refused; the defaults come back. */
	v.frequency_medium = 4;
	req.has_request_id = 0;
	assert_crm_err(crm_test_status(&srv, &req), CRM_EINVAL);
	v.frequency_high = 6;
	v.frequency_medium = 3;
	req.has_request_id = 0;
	assert_crm_ok(crm_test_status(&srv, &req));
}

/* ---------------------------------------------------- purchases */

/* A page of customer's purchases after cursor (0: the first), at most
 * limit (0: the default). */
static Crm__V1__Response *
purchase_page(uint64_t customer, uint64_t cursor, uint32_t limit)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseListRequest q = CRM__V1__PURCHASE_LIST_REQUEST__INIT;
	q.has_customer_id = 1;
	q.customer_id = customer;
	q.has_cursor = cursor != 0;
	q.cursor = cursor;
	q.has_limit = limit != 0;
	q.limit = limit;
	req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_LIST;
	req.purchase_list = &q;
	return crm_test_call(&srv, &req);
}

static Crm__V1__Response *
purchase_list(uint64_t customer)
{
	return purchase_page(customer, 0, 0);
}

static void
list_summary_and_the_won_deal(void **state)
{
	(void)state;
	login("li");
	Crm__V1__Response *r = purchase_list(id_v1);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__PurchaseList *l = r->purchases;
	assert_int_equal(l->n_purchases, 7);
	assert_int_equal(l->summary->count, 7);
	assert_int_equal(l->summary->total, 1120000 * YUAN);
	assert_int_equal(l->summary->count_year, 7);
	assert_int_equal(l->summary->frequency, CRM__V1__LEVEL__LEVEL_HIGH);
	assert_string_equal(l->summary->categories[0], "设备");
	assert_string_equal(l->purchases[0]->author, "li");
	/* In the order they were recorded (id), not by bought_at, as
	 * crm.proto says: setup recorded t0-1d ... t0-6d, then t0-200d
	 * back-dated, which comes last. */
	for (size_t i = 0; i < 6; i++) {
		assert_true(l->purchases[i]->id < l->purchases[i + 1]->id);
		assert_int_equal(
		    l->purchases[i]->bought_at, t0 - (int64_t)(i + 1) * DAY);
	}
	assert_int_equal(l->purchases[6]->bought_at, t0 - 200 * DAY);
	uint64_t third = l->purchases[2]->id;
	crm__v1__response__free_unpacked(r, NULL);
	/* Paged by id: next_cursor is the page's last id; the summary (of
	 * every purchase) comes on the first page only. */
	r = purchase_page(id_v1, 0, 3);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->purchases->n_purchases, 3);
	assert_int_equal(r->purchases->next_cursor, third);
	assert_int_equal(r->purchases->summary->count, 7);
	crm__v1__response__free_unpacked(r, NULL);
	r = purchase_page(id_v1, third, 3);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->purchases->n_purchases, 3);
	assert_true(r->purchases->purchases[0]->id > third);
	assert_null(r->purchases->summary);
	crm__v1__response__free_unpacked(r, NULL);
	login("zhao");
	r = purchase_list(id_v4);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->purchases->n_purchases, 1);
	assert_int_equal(r->purchases->purchases[0]->amount, 50000 * YUAN);
	assert_true(r->purchases->purchases[0]->followup_id != 0);
	assert_int_equal(r->purchases->purchases[0]->bought_at, t0 - 5 * DAY);
	crm__v1__response__free_unpacked(r, NULL);
	/* Bad purchases are refused, naming the field. */
	assert_crm_err(purchase(id_v4, 0, "x", NULL, t0), CRM_EINVAL);
	assert_crm_err(purchase(id_v4, 10, "", NULL, t0), CRM_EINVAL);
	assert_crm_err(
	    purchase(id_v4, 10, "x", NULL, t0 + 30 * DAY), CRM_EINVAL);
	/* Too large is said as too large, with the maximum. */
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseAddRequest a = CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	Crm__V1__Purchase p = CRM__V1__PURCHASE__INIT;
	p.has_customer_id = p.has_amount = 1;
	p.customer_id = id_v4;
	p.amount = INT64_MAX;
	p.product = "x";
	a.purchase = &p;
	req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	req.purchase_add = &a;
	r = crm_test_call(&srv, &req);
	assert_crm_err(crm_wire_status(r), CRM_EINVAL);
	assert_non_null(strstr(r->status->message, "too large"));
	assert_non_null(strstr(r->status->message, "1,000,000,000,000"));
	crm__v1__response__free_unpacked(r, NULL);
}

/* ---------------------------------------------------- permissions */

static crm_status
attach(uint64_t followup, const char *ref)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupAttachRequest a =
	    CRM__V1__FOLLOWUP_ATTACH_REQUEST__INIT;
	Crm__V1__Attachment at = CRM__V1__ATTACHMENT__INIT;
	a.has_followup_id = 1;
	a.followup_id = followup;
	at.location = (char *)ref;
	at.title = "会议纪要";
	a.attachment = &at;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_ATTACH;
	req.followup_attach = &a;
	return crm_test_status(&srv, &req);
}

static crm_status
verify(uint64_t contact)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactVerifyRequest v =
	    CRM__V1__CONTACT_VERIFY_REQUEST__INIT;
	v.has_id = 1;
	v.id = contact;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_VERIFY;
	req.contact_verify = &v;
	return crm_test_status(&srv, &req);
}

static crm_status
check(uint64_t customer)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerCheckRequest c =
	    CRM__V1__CUSTOMER_CHECK_REQUEST__INIT;
	c.has_id = 1;
	c.id = customer;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_CHECK;
	req.customer_check = &c;
	return crm_test_status(&srv, &req);
}

/* The ids of the unchecked list, or a status < 0 negated. */
static size_t
unchecked(uint64_t *ids, size_t max, crm_status *rc)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerListRequest q = CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
	q.has_unchecked = q.unchecked = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
	req.customer_list = &q;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	size_t n = 0;
	*rc = crm_wire_status(r);
	for (size_t i = 0;
	     *rc == CRM_OK && i < r->customers->n_customers && n < max; i++) {
		ids[n++] = r->customers->customers[i]->id;
	}
	crm__v1__response__free_unpacked(r, NULL);
	return n;
}

static void
another_reps_customer_is_out_of_reach(void **state)
{
	(void)state;
	login("zhao");
	assert_crm_err(purchase(id_v1, 10, "x", NULL, t0), CRM_NOT_FOUND);
	Crm__V1__Response *r = purchase_list(id_v1);
	assert_crm_err(crm_wire_status(r), CRM_NOT_FOUND);
	crm__v1__response__free_unpacked(r, NULL);
	assert_crm_err(attach(id_fu, "/share/a.docx"), CRM_NOT_FOUND);
	assert_crm_err(verify(id_contact), CRM_NOT_FOUND);
	assert_crm_err(check(id_v3), CRM_EPERM); /* a rep checks nothing */

	/* The owner may; bad references are refused. */
	login("li");
	assert_crm_ok(attach(id_fu, "https://rec.example/42"));
	assert_crm_err(attach(id_fu, "two\nlines"), CRM_EINVAL);
	assert_crm_err(attach(id_fu, " /lead/blank"), CRM_EINVAL);
	char *big = malloc(1100);
	memset(big, 'a', 1099);
	big[1099] = '\0';
	big[0] = '/';
	assert_crm_err(attach(id_fu, big), CRM_EINVAL);
	free(big);
	assert_crm_ok(verify(id_contact));

	/* The attachment and the verification are in the records. */
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerHistoryRequest h =
	    CRM__V1__CUSTOMER_HISTORY_REQUEST__INIT;
	h.has_customer_id = 1;
	h.customer_id = id_v1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HISTORY;
	req.customer_history = &h;
	r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	int found = 0, purchases = 0;
	for (size_t i = 0; i < r->history->n_items; i++) {
		const Crm__V1__HistoryItem *it = r->history->items[i];
		if (it->item_case == CRM__V1__HISTORY_ITEM__ITEM_FOLLOWUP &&
		    it->followup->id == id_fu) {
			assert_int_equal(it->followup->n_attachments, 1);
			assert_string_equal(
			    it->followup->attachments[0]->location,
			    "https://rec.example/42");
			assert_string_equal(
			    it->followup->attachments[0]->added_by, "li");
			found = 1;
		}
		purchases +=
		    it->item_case == CRM__V1__HISTORY_ITEM__ITEM_PURCHASE;
	}
	assert_true(found);
	assert_int_equal(purchases, 7);
	crm__v1__response__free_unpacked(r, NULL);
	Crm__V1__Request cg;
	Crm__V1__CustomerGetRequest g;
	crm_test_customer_get_init(&cg, &g, id_v1);
	r = crm_test_call(&srv, &cg);
	assert_crm_ok(crm_wire_status(r));
	assert_true(r->customer->contacts[0]->verified);
	assert_true(r->customer->contacts[0]->verified_at == t0);
	assert_int_equal(r->customer->purchases->count, 7);
	assert_false(r->customer->customer->has_checked_at);
	crm__v1__response__free_unpacked(r, NULL);
}

static void
only_the_teams_manager_checks_a_record(void **state)
{
	(void)state;
	uint64_t ids[16];
	crm_status rc;
	login("li");
	unchecked(ids, 16, &rc);
	assert_crm_err(rc, CRM_EPERM);

	login("wu"); /* west's manager: V1 does not exist for him */
	assert_crm_err(check(id_v1), CRM_NOT_FOUND);
	assert_int_equal(unchecked(ids, 16, &rc), 1);
	assert_int_equal(ids[0], id_w1);

	login("wang");
	assert_int_equal(unchecked(ids, 16, &rc), 4);
	assert_crm_ok(check(id_v1));
	assert_crm_err(check(id_v1), CRM_EPRECOND); /* once */
	login("admin");
	assert_crm_ok(check(id_v2));
	assert_int_equal(unchecked(ids, 16, &rc), 3); /* V3 V4 W1 */
	login("wang");
	assert_int_equal(unchecked(ids, 16, &rc), 2);
	assert_int_equal(ids[0], id_v3);
	assert_int_equal(ids[1], id_v4);
}

/* ---------------------------------------------------- import, merge */

static Crm__V1__Response *
import(const char *const *names, const int64_t *yuan, size_t n, int dry)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ImportRequest q = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__ImportRow rows[8], *rp[8];
	Crm__V1__Purchase ps[8];
	for (size_t i = 0; i < n; i++) {
		crm__v1__import_row__init(&rows[i]);
		crm__v1__purchase__init(&ps[i]);
		rows[i].has_row = 1;
		rows[i].row = (uint32_t)(i + 2);
		rows[i].customer_name = (char *)names[i];
		ps[i].has_amount = ps[i].has_bought_at = 1;
		ps[i].amount = yuan[i] * YUAN;
		ps[i].bought_at = t0 - 7 * DAY;
		ps[i].product = "导入";
		ps[i].category = "耗材";
		rows[i].purchase = &ps[i];
		rp[i] = &rows[i];
	}
	q.has_kind = q.has_dry_run = 1;
	q.kind = CRM__V1__IMPORT_KIND__IMPORT_PURCHASES;
	q.dry_run = dry;
	q.rows = rp;
	q.n_rows = n;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = &q;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	return r;
}

static size_t
purchases_of(uint64_t customer)
{
	Crm__V1__Response *r = purchase_list(customer);
	assert_crm_ok(crm_wire_status(r));
	size_t n = r->purchases->n_purchases;
	crm__v1__response__free_unpacked(r, NULL);
	return n;
}

static void
purchase_import_is_all_or_nothing(void **state)
{
	(void)state;
	login("zhao");
	/* Good; no amount; nobody; li's customer (not zhao's); good. */
	static const char *const names[] = { "V3", "V3", "nobody", "V1",
		"V4" };
	static const int64_t yuan[] = { 100, 0, 100, 100, 200 };
	Crm__V1__Response *r = import(names, yuan, 5, 0);
	Crm__V1__ImportReply *ir = r->import_reply;
	assert_int_equal(ir->n_results, 5);
	assert_int_equal(ir->bad, 3);
	assert_false(ir->written);
	assert_int_equal(
	    ir->results[1]->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	assert_string_equal(ir->results[1]->column, "amount");
	assert_int_equal(ir->results[2]->row, 4);
	assert_string_equal(ir->results[2]->column, "customer");
	assert_int_equal(
	    ir->results[3]->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(purchases_of(id_v3), 1); /* nothing written */
	assert_int_equal(purchases_of(id_v4), 1);

	/* An amount over the largest is too large, not "above 0". */
	static const char *const big[] = { "V3" };
	static const int64_t big_yuan[] = { INT64_C(2000000000000) };
	r = import(big, big_yuan, 1, 1);
	assert_int_equal(r->import_reply->bad, 1);
	assert_string_equal(r->import_reply->results[0]->column, "amount");
	assert_non_null(
	    strstr(r->import_reply->results[0]->message, "too large"));
	crm__v1__response__free_unpacked(r, NULL);

	static const char *const good[] = { "V3", "V4" };
	static const int64_t good_yuan[] = { 100, 200 };
	r = import(good, good_yuan, 2, 0);
	assert_true(r->import_reply->written);
	assert_int_equal(r->import_reply->added, 2);
	crm__v1__response__free_unpacked(r, NULL);
	r = import(good, good_yuan, 2, 0); /* again: nothing new */
	assert_int_equal(r->import_reply->added, 0);
	assert_int_equal(r->import_reply->existing, 2);
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(purchases_of(id_v3), 2);
}

static void
merge_moves_purchases(void **state)
{
	(void)state;
	login("zhao");
	uint64_t dup = crm_test_add_customer(&srv, "V3 duplicate");
	assert_crm_ok(purchase(dup, 300, "刀具", "耗材", t0 - 2 * DAY));
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerMergeRequest m =
	    CRM__V1__CUSTOMER_MERGE_REQUEST__INIT;
	m.has_keep = m.has_drop = 1;
	m.keep = id_v3;
	m.drop = dup;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_MERGE;
	req.customer_merge = &m;
	assert_crm_ok(crm_test_status(&srv, &req));
	assert_int_equal(purchases_of(id_v3), 3);
	/* The report counts the moved purchase for V3: 耗材 is V3's 2,000,
	 * the imported 100 (V3) and 200 (V4), and the moved 300. */
	login("wang");
	Crm__V1__Response *r = value_report(NULL, "east");
	assert_near(num(r, "summary", NULL, "buyers"), 4);
	assert_near(num(r, "categories", "耗材", "revenue"), 2600 * YUAN);
	crm__v1__response__free_unpacked(r, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(segments_match_hand_count),
		cmocka_unit_test(thresholds_are_an_admins_policy),
		cmocka_unit_test(list_summary_and_the_won_deal),
		cmocka_unit_test(another_reps_customer_is_out_of_reach),
		cmocka_unit_test(only_the_teams_manager_checks_a_record),
		cmocka_unit_test(purchase_import_is_all_or_nothing),
		cmocka_unit_test(merge_moves_purchases),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
