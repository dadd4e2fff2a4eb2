/* SPDX-License-Identifier: MIT */
/*
 * check_merged_work_test.c: crm-check names an open task or a running
 * clock left on a merged customer (server/check.c, merged_open_work).
 * Today's crmd refuses such writes; a crmd before it took a task, an
 * inquiry or an issue on the dropped record, which then showed in no
 * export and in neither customer's history. That data cannot be made
 * through today's crmd, hence the store is written here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm.h"
#include "crm_test.h"
#include "test_store.h"
#include "check.h"
#include "handlers.h"
#include "store_schema.h"

#define T0 1796605200 /* 2026-12-07 09:00 +08:00, a Monday */

static void
put_customer(store *st, MDB_txn *txn, uint64_t id, uint64_t merged_into)
{
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	c.has_id = c.has_owner_id = c.has_team_id = 1;
	c.has_stage = c.has_grade = c.has_kind = 1;
	c.id = id;
	c.name = id == 1 ? "宁波港机械" : "宁波港机械厂";
	c.kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	c.owner_id = 1;
	c.team_id = 1;
	c.stage = CRM__V1__STAGE__STAGE_POTENTIAL;
	c.grade = CRM__V1__GRADE__GRADE_B;
	c.has_merged_into = merged_into != 0;
	c.merged_into = merged_into;
	store_key k;
	store_key_id(&k, id);
	assert_crm_ok(store_put_msg(st, txn, DB_CUSTOMERS, &k, &c.base));
}

static void
put_task(store *st, MDB_txn *txn, uint64_t id, uint64_t cust, int open)
{
	Crm__V1__Task t = CRM__V1__TASK__INIT;
	t.has_id = t.has_customer_id = t.has_owner_id = t.has_due_at = 1;
	t.has_kind = t.has_status = t.has_created_at = 1;
	t.id = id;
	t.customer_id = cust;
	t.owner_id = 1;
	t.due_at = T0 + 86400;
	t.kind = CRM__V1__TASK_KIND__TASK_TODO;
	t.status = open ? CRM__V1__TASK_STATUS__TASK_OPEN
	                : CRM__V1__TASK_STATUS__TASK_DONE;
	t.created_at = T0;
	store_key k;
	store_key_id(&k, id);
	assert_crm_ok(store_put_msg(st, txn, DB_TASKS, &k, &t.base));
	assert_crm_ok(store_index_add(st, txn, DB_TASK_CUST, cust, id));
}

static void
put_clock(store *st, MDB_txn *txn, uint64_t id, uint64_t cust)
{
	Crm__V1__SlaClock k = CRM__V1__SLA_CLOCK__INIT;
	k.has_id = k.has_customer_id = k.has_owner_id = 1;
	k.has_kind = k.has_started_at = k.has_deadline_at = 1;
	k.id = id;
	k.customer_id = cust;
	k.owner_id = 1;
	k.kind = CRM__V1__SLA_KIND__SLA_INQUIRY_REPLY;
	k.started_at = T0;
	k.deadline_at = T0 + 86400;
	store_key key;
	store_key_id(&key, id);
	assert_crm_ok(store_put_msg(st, txn, DB_SLA, &key, &k.base));
	assert_crm_ok(store_index_add(st, txn, DB_SLA_CUST, cust, id));
}

static void
open_work_on_a_merged_customer_is_named(void **state)
{
	(void)state;
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 20);
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(st, &txn));
	put_customer(st, txn, 1, 0);
	put_customer(st, txn, 2, 1);
	put_task(st, txn, 7, 2, 1); /* open on the dropped record */
	put_task(st, txn, 8, 2, 0); /* done: history, no problem */
	put_task(st, txn, 9, 1, 1); /* open on the kept one */
	put_clock(st, txn, 5, 2);   /* running on the dropped record */
	assert_crm_ok(store_write_commit(st, txn));

	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.arena = &arena;
	MDB_txn *rtxn = NULL;
	assert_crm_ok(store_read_begin(st, &rtxn));
	ctx.txn = rtxn;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct check c = { .ctx = &ctx, .out = out, .max_print = 10000 };
	(void)check_run(&c); /* the rest of this hand-made store is not
	                      * whole: only these lines are asserted */
	fclose(out);
	assert_non_null(strstr(text, "task 7: open on customer 2, which "
	                             "was merged"));
	assert_null(strstr(text, "task 8: open on customer"));
	assert_null(strstr(text, "task 9: open on customer"));
	assert_non_null(strstr(text, "clock 5: running on customer 2, "
	                             "which was merged"));
	free(text);
	store_read_end(st, rtxn);
	store_read_free(rtxn);
	crm_arena_fini(&arena);
	crm_test_store_close(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_work_on_a_merged_customer_is_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
