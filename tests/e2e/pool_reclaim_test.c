/* SPDX-License-Identifier: MIT */
/*
 * pool_reclaim_test.c: a pool rule (issue 16) reclaims exactly at its
 * boundary without cron: a request one second before finds the customer
 * with its owner, a request at the boundary finds it in the pool (the
 * writer's sweep runs first); a crmd stopped over the boundary reclaims
 * it on start; restarts after that change nothing (once, not again).
 */
#include "crm_test.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"

#define DAY INT64_C(86400)
/* Monday 2026-12-07 09:00 in Asia/Shanghai. */
#define T0 INT64_C(1796605200)

static char clock_path[256];

static Crm__V1__Customer *
show(struct crm_test_server *s, uint64_t id, Crm__V1__Response **r)
{
	Crm__V1__Request req;
	Crm__V1__CustomerGetRequest g;
	crm_test_customer_get_init(&req, &g, id);
	*r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(*r));
	return (*r)->customer->customer;
}

/* The customer's owner id and when it was pooled (0: not). */
static uint64_t
owner_of(struct crm_test_server *s, uint64_t id, int64_t *pooled_at)
{
	Crm__V1__Response *r;
	Crm__V1__Customer *c = show(s, id, &r);
	uint64_t o = c->owner_id;
	if (pooled_at != NULL) {
		*pooled_at = c->pooled_at;
	}
	crm__v1__response__free_unpacked(r, NULL);
	return o;
}

/* As the admin: every grade of stage potential reclaims after days
 * working days without a follow-up. */
static void
rule(struct crm_test_server *s, unsigned days)
{
	for (int g = CRM__V1__GRADE__GRADE_S; g <= CRM__V1__GRADE__GRADE_C;
	     g++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__PolicySetRequest p =
		    CRM__V1__POLICY_SET_REQUEST__INIT;
		p.has_stage = p.has_grade = p.has_reclaim_after_days = 1;
		p.stage = CRM__V1__STAGE__STAGE_POTENTIAL;
		p.grade = (Crm__V1__Grade)g;
		p.reclaim_after_days = days;
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
		req.policy_set = &p;
		crm_test_ok(s, &req);
	}
}

static void
reclaimed_at_the_boundary_and_after_a_restart(void **state)
{
	(void)state;
	struct crm_test_server srv;
	snprintf(clock_path, sizeof(clock_path), "%s/reclaim-clock-%ld",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	crm_test_clock_set(clock_path, T0);
	setenv("CRM_TEST_CLOCK", clock_path, 1);
	crm_test_server_start(&srv);
	crm_test_login_as(&srv, "admin");
	crm_test_add_people(&srv, "li", "wang", NULL);
	crm_test_login_as(&srv, "li");
	uint64_t a = crm_test_add_customer(&srv, "华东机电");
	uint64_t b = crm_test_add_customer(&srv, "杭州新风");
	crm_test_login_as(&srv, "admin");
	rule(&srv, 2);

	/* Created Monday 09:00: two working days on is Wednesday 09:00.
	 * A second before, both are li's; at it, both are in the pool,
	 * with no wait: the request waits for the sweep. */
	crm_test_clock_set(clock_path, T0 + 2 * DAY - 1);
	assert_true(owner_of(&srv, a, NULL) != 0);
	crm_test_clock_set(clock_path, T0 + 2 * DAY);
	int64_t pooled;
	assert_int_equal(owner_of(&srv, a, &pooled), 0);
	assert_true(pooled >= T0 + 2 * DAY && pooled < T0 + 2 * DAY + 60);

	/* li claims b back at once: its count starts again. */
	crm_test_login_as(&srv, "li");
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PoolClaimRequest cl = CRM__V1__POOL_CLAIM_REQUEST__INIT;
	cl.has_id = 1;
	cl.id = b;
	req.body_case = CRM__V1__REQUEST__BODY_POOL_CLAIM;
	req.pool_claim = &cl;
	crm_test_ok(&srv, &req);

	/* crmd down over b's boundary (Friday 09:00): reclaimed on start,
	 * before the first request is answered. */
	crm_test_server_kill(&srv);
	crm_test_clock_set(clock_path, T0 + 10 * DAY);
	crm_test_server_restart(&srv);
	crm_test_login_as(&srv, "admin");
	int64_t pooled_b;
	assert_int_equal(owner_of(&srv, b, &pooled_b), 0);
	assert_true(pooled_b >= T0 + 10 * DAY);

	/* Restarted again later: nothing happens twice. */
	crm_test_server_kill(&srv);
	crm_test_clock_set(clock_path, T0 + 12 * DAY);
	crm_test_server_restart(&srv);
	crm_test_login_as(&srv, "admin");
	int64_t again;
	assert_int_equal(owner_of(&srv, b, &again), 0);
	assert_int_equal(again, pooled_b);
	assert_int_equal(owner_of(&srv, a, &again), 0);
	assert_int_equal(again, pooled);
	crm_test_server_stop(&srv);
	unsetenv("CRM_TEST_CLOCK");
	unlink(clock_path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    reclaimed_at_the_boundary_and_after_a_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
