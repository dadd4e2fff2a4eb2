/* SPDX-License-Identifier: MIT */
/*
 * import_batch_test.c: import batches against a real crmd, in raw
 * protobuf (what any client may send, not only crm, which checks the
 * same first): a row whose field crmd refuses for any request (a tab in
 * a name, a date before 2000) is that row's BAD result, named by its row
 * in the file and its field, and the batch's other rows go on; a NUL
 * byte, which refuses the whole batch, is named by its row in the file.
 * A row naming a customer by id that the caller cannot reach is refused
 * naming that id; a batch not written still counts the rows it would
 * have added; an imported customer is not touched by a person. A dry run
 * across batches (kept parts, one run, each part fetched) sees the parts
 * before it, and crmd refuses what it does not hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_test.h"
#include "harness.h"

static struct crm_test_server srv;

static int
setup(void **state)
{
	(void)state;
	setenv("CRM_TEST_DRY_RUN_ROWS", "600", 1); /* crm_limits.h */
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	crm_test_add_people(&srv, "li", "zhao", NULL);
	crm_test_login_as(&srv, "li");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	return 0;
}

/* An import batch of customers named names[i], at rows 2, 3, ... of a
 * file. */
struct batch {
	Crm__V1__Request req;
	Crm__V1__ImportRequest q;
	Crm__V1__ImportRow rows[8], *rp[8];
	Crm__V1__Customer c[8];
};

static void
customers(
    struct batch *b, const char *const *names, size_t n, int dry, int skip_bad)
{
	memset(b, 0, sizeof(*b));
	crm__v1__request__init(&b->req);
	crm__v1__import_request__init(&b->q);
	for (size_t i = 0; i < n; i++) {
		crm__v1__import_row__init(&b->rows[i]);
		crm__v1__customer__init(&b->c[i]);
		b->rows[i].has_row = 1;
		b->rows[i].row = (uint32_t)(i + 2);
		b->c[i].name = (char *)names[i];
		b->rows[i].customer = &b->c[i];
		b->rp[i] = &b->rows[i];
	}
	b->q.has_kind = b->q.has_dry_run = b->q.has_skip_bad = 1;
	b->q.kind = CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS;
	b->q.dry_run = dry;
	b->q.skip_bad = skip_bad;
	b->q.rows = b->rp;
	b->q.n_rows = n;
	b->req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	b->req.import_batch = &b->q;
}

static const Crm__V1__ImportResult *
result_of(const Crm__V1__ImportReply *r, uint32_t row)
{
	for (size_t i = 0; i < r->n_results; i++) {
		if (r->results[i]->row == row) {
			return r->results[i];
		}
	}
	fail_msg("no result for row %u", row);
	return NULL;
}

static void
a_field_crmd_refuses_is_its_rows_result_not_the_batchs(void **state)
{
	(void)state;
	static const char *const names[] = { "甲公司", "乙\t公司", "丙公司",
		"丁\xe2\x80\xae公司" };
	struct batch b;
	customers(&b, names, 4, 0, 0);
	b.c[2].industry = "批发\n零售";
	Crm__V1__Response *r = crm_test_call(&srv, &b.req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__ImportReply *ir = r->import_reply;
	assert_int_equal(ir->bad, 3);
	assert_int_equal(ir->added, 1);
	assert_false(ir->written); /* bad rows and no skip_bad */
	const Crm__V1__ImportResult *x = result_of(ir, 3);
	assert_int_equal(x->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	assert_string_equal(x->column, "name");
	assert_non_null(strstr(x->message, "one line"));
	assert_null(strstr(x->message, "rows["));
	x = result_of(ir, 4);
	assert_int_equal(x->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	assert_string_equal(x->column, "industry");
	x = result_of(ir, 5);
	assert_string_equal(x->column, "name");
	assert_int_equal(
	    result_of(ir, 2)->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__ADDED);
	/* Not written: the row would have been added, and names no id
	 * (the ids of a batch not kept go to the next records written). */
	assert_false(result_of(ir, 2)->has_id);
	crm__v1__response__free_unpacked(r, NULL);

	/* With skip_bad the good row is written, the bad ones are not. */
	customers(&b, names, 4, 0, 1);
	b.c[2].industry = "批发\n零售";
	r = crm_test_call(&srv, &b.req);
	assert_crm_ok(crm_wire_status(r));
	assert_true(r->import_reply->written);
	assert_int_equal(r->import_reply->added, 1);
	assert_int_equal(r->import_reply->bad, 3);
	crm__v1__response__free_unpacked(r, NULL);
	customers(&b, names, 4, 1, 0); /* again: 甲 is there now */
	b.c[2].industry = "批发\n零售";
	r = crm_test_call(&srv, &b.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->import_reply->existing, 1);
	assert_int_equal(r->import_reply->bad, 3);
	crm__v1__response__free_unpacked(r, NULL);
}

static void
a_follow_up_dated_1999_is_its_rows_result(void **state)
{
	(void)state;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ImportRequest q = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__ImportRow rows[2], *rp[2];
	Crm__V1__FollowUp f[2];
	crm_test_add_customer(&srv, "千年公司");
	for (int i = 0; i < 2; i++) {
		crm__v1__import_row__init(&rows[i]);
		crm__v1__follow_up__init(&f[i]);
		rows[i].has_row = 1;
		rows[i].row = (uint32_t)(10 + i);
		rows[i].customer_name = "千年公司";
		f[i].has_happened_at = 1;
		f[i].summary = "电话";
		rows[i].followup = &f[i];
		rp[i] = &rows[i];
	}
	f[0].happened_at = 946684800 - 86400; /* 1999-12-31 */
	f[1].happened_at = 1764000000;        /* 2025-11-24 */
	q.has_kind = q.has_skip_bad = 1;
	q.kind = CRM__V1__IMPORT_KIND__IMPORT_FOLLOWUPS;
	q.skip_bad = 1;
	q.rows = rp;
	q.n_rows = 2;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = &q;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__ImportResult *x = result_of(r->import_reply, 10);
	assert_int_equal(x->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	assert_string_equal(x->column, "happened_at");
	assert_non_null(strstr(x->message, "before 2000-01-01"));
	assert_int_equal(result_of(r->import_reply, 11)->outcome,
	    CRM__V1__IMPORT_RESULT__OUTCOME__ADDED);
	assert_true(r->import_reply->written);
	crm__v1__response__free_unpacked(r, NULL);
}

/* A field a customer's check refuses names its column: tags for a bad
 * tag (a tester's import said "column -"). */
static void
a_bad_tag_names_the_tags_column(void **state)
{
	(void)state;
	static const char *const names[] = { "标签公司" };
	static char *tags[] = { (char *)"重点,大客户" };
	struct batch b;
	customers(&b, names, 1, 1, 0);
	b.c[0].tags = tags;
	b.c[0].n_tags = 1;
	Crm__V1__Response *r = crm_test_call(&srv, &b.req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__ImportResult *x = result_of(r->import_reply, 2);
	assert_int_equal(x->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	assert_string_equal(x->column, "tags");
	crm__v1__response__free_unpacked(r, NULL);
}

/* A row naming its customer both ways, by its record's customer_id and
 * by customer_name, must name one customer, as a follow-up logged must:
 * another server's export carries that server's ids. A tester's
 * purchase of "Acme Trading Ltd" with customer_id 1 was filed under
 * customer 1, silently. */
static void
a_row_naming_two_customers_is_bad(void **state)
{
	(void)state;
	uint64_t a = crm_test_add_customer(&srv, "华东机电有限公司");
	uint64_t b = crm_test_add_customer(&srv, "Acme Trading Ltd");
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ImportRequest q = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__ImportRow rows[2], *rp[2];
	Crm__V1__Purchase p[2];
	for (int i = 0; i < 2; i++) {
		crm__v1__import_row__init(&rows[i]);
		crm__v1__purchase__init(&p[i]);
		rows[i].has_row = 1;
		rows[i].row = (uint32_t)(20 + i);
		rows[i].customer_name = "Acme Trading Ltd";
		p[i].has_customer_id = 1;
		p[i].has_amount = 1;
		p[i].amount = 77700;
		p[i].product = i ? "MATCH-P" : "MISMATCH-P";
		p[i].has_bought_at = 1;
		p[i].bought_at = 1764000000; /* 2025-11-24 */
		rows[i].purchase = &p[i];
		rp[i] = &rows[i];
	}
	p[0].customer_id = a; /* another customer's id */
	p[1].customer_id = b; /* the same one: fine */
	q.has_kind = q.has_skip_bad = 1;
	q.kind = CRM__V1__IMPORT_KIND__IMPORT_PURCHASES;
	q.skip_bad = 1;
	q.rows = rp;
	q.n_rows = 2;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = &q;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__ImportResult *x = result_of(r->import_reply, 20);
	assert_int_equal(x->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
	assert_non_null(strstr(x->message, "the row names two customers"));
	assert_int_equal(result_of(r->import_reply, 21)->outcome,
	    CRM__V1__IMPORT_RESULT__OUTCOME__ADDED);
	assert_int_equal(r->import_reply->added, 1);
	crm__v1__response__free_unpacked(r, NULL);
}

/* A row naming its customer by id only (FollowUp.customer_id) that the
 * caller cannot reach is refused naming the id it gave (docs/authz.md:
 * "the id or login the caller gave"), and another rep's customer
 * answers exactly as an id that does not exist (before: "no customer
 * ''" for both). The batch is then not written: added counts the row
 * that would have been added (ImportReply.added), written is false. */
static void
a_row_naming_a_customer_by_id_names_that_id(void **state)
{
	(void)state;
	crm_test_login_as(&srv, "zhao");
	uint64_t theirs = crm_test_add_customer(&srv, "赵的编号客户");
	crm_test_login_as(&srv, "li");
	uint64_t mine = crm_test_add_customer(&srv, "李的编号客户");
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ImportRequest q = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__ImportRow rows[3], *rp[3];
	Crm__V1__FollowUp f[3];
	const uint64_t ids[3] = { 999999, theirs, mine };
	for (int i = 0; i < 3; i++) {
		crm__v1__import_row__init(&rows[i]);
		crm__v1__follow_up__init(&f[i]);
		rows[i].has_row = 1;
		rows[i].row = (uint32_t)(30 + i);
		f[i].has_customer_id = 1;
		f[i].customer_id = ids[i];
		f[i].has_happened_at = 1;
		f[i].happened_at = 1764000000; /* 2025-11-24 */
		f[i].summary = "电话";
		rows[i].followup = &f[i];
		rp[i] = &rows[i];
	}
	q.has_kind = 1;
	q.kind = CRM__V1__IMPORT_KIND__IMPORT_FOLLOWUPS;
	q.rows = rp;
	q.n_rows = 3;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = &q;
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__ImportReply *ir = r->import_reply;
	for (int i = 0; i < 2; i++) {
		char want[64];
		const Crm__V1__ImportResult *x = result_of(ir, 30 + i);
		snprintf(want, sizeof(want), "no customer %llu",
		    (unsigned long long)ids[i]);
		assert_int_equal(
		    x->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__BAD);
		assert_string_equal(x->message, want);
		assert_string_equal(x->column, "customer");
	}
	assert_int_equal(result_of(ir, 32)->outcome,
	    CRM__V1__IMPORT_RESULT__OUTCOME__ADDED);
	assert_false(result_of(ir, 32)->has_id);
	assert_int_equal(ir->bad, 2);
	assert_int_equal(ir->added, 1); /* would have been added */
	assert_false(ir->written);
	crm__v1__response__free_unpacked(r, NULL);
}

/* Customer.touched_at is the last change a person made: entering a
 * customer is one (customer_add: touched_at is its created_at), an
 * import is not (0, unset) until a person changes it. crm.proto said
 * "0: none since it was created" of both. */
static void
a_customer_entered_is_touched_an_imported_one_is_not(void **state)
{
	(void)state;
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, "录入触碰公司");
	Crm__V1__Response *r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__Customer *got = r->customer->customer;
	assert_true(got->has_touched_at && got->touched_at != 0);
	assert_int_equal(got->touched_at, got->created_at);
	crm__v1__response__free_unpacked(r, NULL);

	static const char *const names[] = { "导入未触碰公司" };
	struct batch b;
	customers(&b, names, 1, 0, 0);
	r = crm_test_call(&srv, &b.req);
	assert_crm_ok(crm_wire_status(r));
	assert_true(r->import_reply->written);
	uint64_t id = result_of(r->import_reply, 2)->id;
	crm__v1__response__free_unpacked(r, NULL);
	Crm__V1__CustomerGetRequest g;
	crm_test_customer_get_init(&req, &g, id);
	r = crm_test_call(&srv, &req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->customer->customer->touched_at, 0);
	assert_true(r->customer->customer->created_at != 0);
	crm__v1__response__free_unpacked(r, NULL);
}

/* A NUL byte refuses the batch (protobuf-c cuts the text there, unseen
 * after decoding): the refusal names the row of the file. */
static void
a_nul_byte_names_the_row_of_the_file(void **state)
{
	(void)state;
	static const char *const names[] = { "戊公司", "己公司AXB" };
	struct batch b;
	uint8_t id[CRM_REQUEST_ID_LEN];
	customers(&b, names, 2, 1, 1);
	b.rows[1].row = 17;
	crm_wire_request_id(id);
	crm_test_request_id(&b.req, id);
	b.req.has_session_token = 1;
	b.req.session_token.data = srv.token;
	b.req.session_token.len = srv.token_len;
	size_t len = 0;
	uint8_t *buf = crm_wire_pack_alloc(&b.req.base, &len);
	uint8_t *x = NULL;
	for (size_t i = 0; i + 3 <= len && x == NULL; i++) {
		x = memcmp(buf + i, "AXB", 3) == 0 ? buf + i : NULL;
	}
	assert_non_null(x);
	x[1] = '\0';
	uint8_t *out = NULL;
	long n = crm_test_raw(&srv, buf, len, &out);
	assert_true(n > 0);
	Crm__V1__Response *r = NULL;
	assert_crm_ok(crm_wire_unpack_response(out, (size_t)n, &r));
	assert_int_equal(crm_wire_status(r), CRM_EINVAL);
	assert_non_null(strstr(r->status->message, "row 17: "));
	assert_non_null(strstr(r->status->message, "NUL"));
	crm__v1__response__free_unpacked(r, NULL);
	free(out);
	free(buf);
}

/* ---------------------------------------------------- dry runs */

/* A request of the dry run id: part (keep), parts (run) or fetch. */
static Crm__V1__Response *
dry(struct batch *b, const uint8_t *id, int part, int parts, int fetch)
{
	b->q.has_dry_run = b->q.dry_run = 1;
	b->q.has_dry_run_id = 1;
	b->q.dry_run_id.data = (uint8_t *)id;
	b->q.dry_run_id.len = 16;
	b->q.has_part = part >= 0;
	b->q.part = part >= 0 ? (uint32_t)part : 0;
	b->q.has_parts = parts >= 0;
	b->q.parts = parts >= 0 ? (uint32_t)parts : 0;
	b->q.has_fetch = b->q.fetch = fetch;
	return crm_test_call(&srv, &b->req);
}

static crm_status
dry_status(struct batch *b, const uint8_t *id, int part, int parts, int fetch)
{
	Crm__V1__Response *r = dry(b, id, part, parts, fetch);
	crm_status rc = crm_wire_status(r);
	crm__v1__response__free_unpacked(r, NULL);
	return rc;
}

/* Two parts kept, run as one, fetched: the second sees the first (a name
 * of the first is there already), and nothing is written. */
static void
a_dry_run_across_batches_sees_the_parts_before(void **state)
{
	(void)state;
	static const char *const first[] = { "跨批甲", "跨批乙" };
	static const char *const second[] = { "跨批丙", "跨批甲" };
	uint8_t id[16];
	struct batch b;
	crm_wire_request_id(id);
	customers(&b, first, 2, 1, 0);
	Crm__V1__Response *r = dry(&b, id, 0, -1, 0);
	assert_crm_ok(crm_wire_status(r));
	assert_true(r->import_reply->kept);
	assert_int_equal(r->import_reply->n_results, 0);
	crm__v1__response__free_unpacked(r, NULL);
	/* fetched before it ran: refused */
	customers(&b, NULL, 0, 1, 0);
	assert_crm_err(dry_status(&b, id, 0, -1, 1), CRM_EPRECOND);
	customers(&b, second, 2, 1, 0);
	b.rows[0].row = 4; /* the file's rows 4 and 5 */
	b.rows[1].row = 5;
	assert_crm_err(dry_status(&b, id, 2, -1, 0), CRM_EPRECOND);
	assert_crm_ok(dry_status(&b, id, 1, -1, 0));
	customers(&b, NULL, 0, 1, 0);
	assert_crm_err(dry_status(&b, id, -1, 3, 0), CRM_EPRECOND);
	r = dry(&b, id, -1, 2, 0);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->import_reply->added, 3);
	assert_int_equal(r->import_reply->existing, 1);
	assert_false(r->import_reply->written);
	crm__v1__response__free_unpacked(r, NULL);
	r = dry(&b, id, 1, -1, 1);
	assert_crm_ok(crm_wire_status(r));
	const Crm__V1__ImportReply *ir = r->import_reply;
	assert_int_equal(ir->n_results, 2);
	assert_int_equal(
	    result_of(ir, 4)->outcome, CRM__V1__IMPORT_RESULT__OUTCOME__ADDED);
	assert_int_equal(result_of(ir, 5)->outcome,
	    CRM__V1__IMPORT_RESULT__OUTCOME__EXISTS);
	crm__v1__response__free_unpacked(r, NULL);
	r = dry(&b, id, 0, -1, 1);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->import_reply->added, 2);
	assert_int_equal(result_of(r->import_reply, 2)->outcome,
	    CRM__V1__IMPORT_RESULT__OUTCOME__ADDED);
	crm__v1__response__free_unpacked(r, NULL);
	/* a dry run wrote nothing */
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, "跨批甲");
	assert_crm_ok(crm_test_status(&srv, &req));
}

/* What crmd does not hold, another user's, a malformed id, too many
 * rows (CRM_TEST_DRY_RUN_ROWS=600 here). */
static void
a_dry_run_crmd_does_not_hold_is_refused(void **state)
{
	(void)state;
	static const char *const one[] = { "不在甲" };
	uint8_t id[16], other[16];
	struct batch b;
	crm_wire_request_id(id);
	crm_wire_request_id(other);
	customers(&b, one, 1, 1, 0);
	assert_crm_err(dry_status(&b, other, 1, -1, 0), CRM_EPRECOND);
	assert_crm_ok(dry_status(&b, id, 0, -1, 0));
	customers(&b, NULL, 0, 1, 0);
	assert_crm_ok(dry_status(&b, id, -1, 1, 0));
	/* another user does not see it */
	crm_test_login_as(&srv, "zhao");
	assert_crm_err(dry_status(&b, id, 0, -1, 1), CRM_EPRECOND);
	crm_test_login_as(&srv, "li");
	assert_crm_ok(dry_status(&b, id, 0, -1, 1));
	/* a run dry run takes no more parts */
	customers(&b, one, 1, 1, 0);
	assert_crm_err(dry_status(&b, id, 1, -1, 0), CRM_EPRECOND);
	/* an id of 5 bytes; a dry run without dry_run */
	b.q.dry_run_id.len = 5;
	assert_crm_err(crm_test_status(&srv, &b.req), CRM_EINVAL);
	Crm__V1__Response *r = dry(&b, other, 0, -1, 0);
	crm__v1__response__free_unpacked(r, NULL);
	b.q.dry_run = 0;
	assert_crm_err(crm_test_status(&srv, &b.req), CRM_EINVAL);
	/* over the rows a dry run holds: two parts of 400 */
	static char buf[400][32];
	Crm__V1__ImportRow *rows = calloc(400, sizeof(*rows));
	Crm__V1__ImportRow **rp = calloc(400, sizeof(*rp));
	Crm__V1__Customer *cs = calloc(400, sizeof(*cs));
	for (int i = 0; i < 400; i++) {
		crm__v1__import_row__init(&rows[i]);
		crm__v1__customer__init(&cs[i]);
		snprintf(buf[i], sizeof(buf[i]), "上限%d", i);
		cs[i].name = buf[i];
		rows[i].customer = &cs[i];
		rp[i] = &rows[i];
	}
	customers(&b, NULL, 0, 1, 0);
	b.q.rows = rp;
	b.q.n_rows = 400;
	crm_wire_request_id(other);
	assert_crm_ok(dry_status(&b, other, 0, -1, 0));
	r = dry(&b, other, 1, -1, 0);
	assert_int_equal(crm_wire_status(r), CRM_TOO_BIG);
	assert_non_null(strstr(r->status->message, "at most 600 rows"));
	crm__v1__response__free_unpacked(r, NULL);
	free(rows);
	free(rp);
	free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_field_crmd_refuses_is_its_rows_result_not_the_batchs),
		cmocka_unit_test(a_follow_up_dated_1999_is_its_rows_result),
		cmocka_unit_test(a_row_naming_two_customers_is_bad),
		cmocka_unit_test(a_bad_tag_names_the_tags_column),
		cmocka_unit_test(a_row_naming_a_customer_by_id_names_that_id),
		cmocka_unit_test(
		    a_customer_entered_is_touched_an_imported_one_is_not),
		cmocka_unit_test(a_nul_byte_names_the_row_of_the_file),
		cmocka_unit_test(
		    a_dry_run_across_batches_sees_the_parts_before),
		cmocka_unit_test(a_dry_run_crmd_does_not_hold_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
