/* SPDX-License-Identifier: MIT */
/*
 * why_old_task_test.c: a task stored before tasks kept what they were
 * planned from (no plan_from: written straight into a store, as schema
 * 9 data holds them) reads in customer.why as "planned before
 * explanations were kept", while a task with plan_from is explained by
 * the cadence (server/why.c). Data written before this release cannot be
 * made through today's crmd, hence the store is written here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm.h"
#include "crm_test.h"
#include "test_store.h"
#include "handlers.h"
#include "store_schema.h"

#define DAY 86400
#define T0  1796605200 /* 2026-12-07 09:00 +08:00, a Monday */

static void
put_task(store *st, MDB_txn *txn, uint64_t id, int with_plan)
{
	Crm__V1__Task t = CRM__V1__TASK__INIT;
	t.has_id = t.has_customer_id = t.has_owner_id = t.has_due_at = 1;
	t.has_kind = t.has_status = t.has_origin = t.has_created_at = 1;
	t.id = id;
	t.customer_id = 1;
	t.owner_id = 1;
	t.due_at = T0 + 7 * DAY;
	t.kind = CRM__V1__TASK_KIND__TASK_FOLLOW_UP;
	t.status = CRM__V1__TASK_STATUS__TASK_OPEN;
	t.origin = CRM__V1__TASK_ORIGIN__ORIGIN_CADENCE;
	t.created_at = T0;
	if (with_plan) {
		t.has_plan_from_at = 1;
		t.plan_from_at = T0;
		t.plan_by = "customer.add";
	}
	store_key k;
	store_key_id(&k, id);
	assert_crm_ok(store_put_msg(st, txn, DB_TASKS, &k, &t.base));
	assert_crm_ok(store_index_add(st, txn, DB_TASK_CUST, 1, id));
}

static void
an_old_task_says_it_was_planned_before_explanations(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 20);

	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	c.has_id = c.has_owner_id = c.has_team_id = 1;
	c.has_stage = c.has_grade = c.has_kind = 1;
	c.id = 1;
	c.name = "杭州新风";
	c.kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	c.owner_id = 1;
	c.team_id = 1;
	c.stage = CRM__V1__STAGE__STAGE_POTENTIAL;
	c.grade = CRM__V1__GRADE__GRADE_B;
	MDB_txn *txn;
	store_key k;
	store_key_id(&k, 1);
	assert_crm_ok(store_write_begin(st, &txn));
	assert_crm_ok(store_put_msg(st, txn, DB_CUSTOMERS, &k, &c.base));
	put_task(st, txn, 7, 0); /* before explanations were kept */
	put_task(st, txn, 8, 1); /* with what it was planned from */
	assert_crm_ok(store_write_commit(st, txn));

	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.arena = &arena;
	ctx.now = T0 + DAY;
	ctx.who_buf.user_id = 1;
	ctx.who_buf.role = CRM__V1__ROLE__ROLE_ADMIN;
	ctx.who = &ctx.who_buf;
	assert_crm_ok(store_write_begin(st, &txn));
	ctx.txn = txn;

	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerWhyRequest body = CRM__V1__CUSTOMER_WHY_REQUEST__INIT;
	body.has_id = 1;
	body.id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_WHY;
	req.customer_why = &body;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	assert_crm_ok(why_handle_customer(&ctx, &req, &resp));
	assert_int_equal(resp.body_case, CRM__V1__RESPONSE__BODY_WHY);
	const Crm__V1__WhyReply *w = resp.why;
	assert_int_equal(w->n_tasks, 2);
	/* Same due time: by id. */
	assert_int_equal(w->tasks[0]->task->id, 7);
	assert_true(w->tasks[0]->unexplained);
	assert_non_null(strstr(
	    w->tasks[0]->text, "planned before explanations were kept"));
	assert_int_equal(w->tasks[1]->task->id, 8);
	assert_false(w->tasks[1]->unexplained);
	assert_non_null(strstr(w->tasks[1]->text,
	    "cadence: stage potential x grade B, every 7d"));
	assert_non_null(strstr(
	    w->tasks[1]->text, "no follow-up then; planned by customer.add"));
	assert_int_equal(w->tasks[1]->due_at, T0 + 7 * DAY);
	store_write_abort(st, txn);
	crm_arena_fini(&arena);
	crm_test_store_close(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    an_old_task_says_it_was_planned_before_explanations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
