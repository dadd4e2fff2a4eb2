/* SPDX-License-Identifier: MIT */
/*
 * policy_upgrade_test.c: a policy stored in the old per-grade form (no
 * cadence matrix) reads with the matrix filled in at read time: the
 * pre-deal cells take the stored grade rows (an admin's edits survive),
 * won and churn risk the seeds' values (server/policy.c, cells_fill).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm.h"
#include "crm_test.h"
#include "test_store.h"
#include "policy.h"
#include "store_schema.h"

#define DAY 86400

static void
an_old_per_grade_policy_reads_as_a_matrix(void **state)
{
	(void)state;
	char dir[64];
	store *st = crm_test_store_open(dir, 1u << 20);

	/* The old form: grades only; an admin had set S to every 2 days. */
	Crm__V1__Policy old = CRM__V1__POLICY__INIT;
	Crm__V1__GradePolicy g[4];
	Crm__V1__GradePolicy *gp[4];
	static const int64_t every[4] = { 2 * DAY, 3 * DAY, 7 * DAY,
		30 * DAY };
	for (int i = 0; i < 4; i++) {
		crm__v1__grade_policy__init(&g[i]);
		g[i].has_grade = g[i].has_every_seconds = 1;
		g[i].grade = (Crm__V1__Grade)(i + 1);
		g[i].every_seconds = every[i];
		g[i].focus = "old focus";
		gp[i] = &g[i];
	}
	old.grades = gp;
	old.n_grades = 4;
	MDB_txn *txn;
	store_key k;
	store_key_text(&k, 0, "policy");
	assert_crm_ok(store_write_begin(st, &txn));
	assert_crm_ok(store_put_msg(st, txn, DB_META, &k, &old.base));
	assert_crm_ok(store_write_commit(st, txn));

	crm_arena arena;
	crm_arena_init(&arena, 1u << 20);
	struct req_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.arena = &arena;
	assert_crm_ok(store_write_begin(st, &txn));
	ctx.txn = txn;
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&ctx, &p));
	assert_int_equal(p->n_cells, 20); /* 5 stages x 4 grades */
	const Crm__V1__CadenceCell *c = policy_cell(
	    p, CRM__V1__STAGE__STAGE_INTENT, CRM__V1__GRADE__GRADE_S);
	assert_int_equal(c->every_seconds, 2 * DAY); /* the admin's */
	assert_string_equal(c->goal, "old focus");
	c = policy_cell(p, CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_S);
	assert_int_equal(c->every_seconds, 30 * DAY); /* seed 001 */
	assert_true(c->greetings);
	c = policy_cell(p, CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_B);
	assert_int_equal(c->every_seconds, 90 * DAY); /* seed 000 */
	c = policy_cell(
	    p, CRM__V1__STAGE__STAGE_CHURN_RISK, CRM__V1__GRADE__GRADE_C);
	assert_int_equal(c->every_seconds, 3 * DAY); /* seed 000: 3天内 */
	assert_false(c->greetings);
	/* No stage (0) reads as potential. */
	c = policy_cell(p, 0, CRM__V1__GRADE__GRADE_A);
	assert_int_equal(c->stage, CRM__V1__STAGE__STAGE_POTENTIAL);
	store_write_abort(st, txn);
	crm_arena_fini(&arena);
	crm_test_store_close(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_old_per_grade_policy_reads_as_a_matrix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
