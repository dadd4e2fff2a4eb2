/* SPDX-License-Identifier: MIT */
/*
 * pool_explain_test.c: pool_reclaim_explain (server/pool_reclaim.h), the
 * explanation `customer why` gives of a customer's reclaim date: the
 * earlier of its cell's rules, counted in working days from the later of
 * its last follow-up and when its owner got it, with the warning day; a
 * won customer, or a cell without a rule, has none.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"
#include "crm_test.h"
#include "test_store.h"
#include "customer.h"
#include "policy.h"
#include "pool_reclaim.h"
#include "store_schema.h"

#define DAY 86400
/* Monday 2026-12-07 09:00 in Asia/Shanghai. */
#define T0 INT64_C(1796605200)

static void
explains_the_earlier_rule_from_the_last_follow_up(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 22);
	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.arena = &arena;
	ctx.now = T0;
	MDB_txn *txn;
	assert_crm_ok(store_write_begin(st, &txn));
	ctx.txn = txn;

	/* potential B: 5 working days without a follow-up, warned 1
	 * before; 20 without won. */
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&ctx, &p));
	Crm__V1__CadenceCell *cell = (Crm__V1__CadenceCell *)policy_cell(
	    p, CRM__V1__STAGE__STAGE_POTENTIAL, CRM__V1__GRADE__GRADE_B);
	cell->has_reclaim_after_days = cell->has_reclaim_warn_days = 1;
	cell->has_reclaim_unwon_days = 1;
	cell->reclaim_after_days = 5;
	cell->reclaim_warn_days = 1;
	cell->reclaim_unwon_days = 20;
	store_key k;
	store_key_text(&k, 0, "policy");
	assert_crm_ok(store_put_msg(st, txn, DB_META, &k, &p->base));

	/* li's since Monday 09:00, followed up Monday 10:00. */
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	c.has_id = c.has_owner_id = c.has_team_id = c.has_stage = 1;
	c.has_grade = c.has_created_at = c.has_last_contact_at = 1;
	c.has_kind = 1;
	c.kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	c.id = 1;
	c.name = "华东机电";
	c.owner_id = 3;
	c.team_id = 1;
	c.stage = CRM__V1__STAGE__STAGE_POTENTIAL;
	c.grade = CRM__V1__GRADE__GRADE_B;
	c.created_at = T0;
	c.last_contact_at = T0 + 3600;
	assert_crm_ok(customer_save(&ctx, NULL, &c));

	struct pool_reclaim_why w;
	assert_crm_ok(pool_reclaim_explain(&ctx, &c, &w));
	assert_true(w.on);
	assert_int_equal(w.from, T0 + 3600);
	assert_string_equal(w.from_what, "the last follow-up");
	/* 8, 9, 10, 11, 14 December: Monday 12-14 10:00; warned Friday. */
	assert_int_equal(w.reclaim_at, T0 + 7 * DAY + 3600);
	assert_int_equal(w.warn_at, T0 + 4 * DAY + 3600);
	assert_string_equal(
	    w.rule, "no follow-up for 5 working days (potential/B rule)");
	assert_false(w.warned);

	/* Won: never reclaimed. */
	Crm__V1__Customer won = c;
	won.stage = CRM__V1__STAGE__STAGE_WON;
	assert_crm_ok(customer_save(&ctx, &c, &won));
	assert_crm_ok(pool_reclaim_explain(&ctx, &won, &w));
	assert_false(w.on);

	store_write_abort(st, txn);
	crm_arena_fini(&arena);
	crm_test_store_close(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    explains_the_earlier_rule_from_the_last_follow_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
