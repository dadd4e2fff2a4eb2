/* SPDX-License-Identifier: MIT */
/*
 * sla_rules_test.c: SLA clocks and commitments (server/sla.c) without a
 * socket. Seed 000: 24小时内响应咨询 (an inquiry answered within 24 h, on
 * the clock), after-sales 2小时内初步响应 and 1个工作日内给出解决方案 (a
 * first response within 2 h, a solution within 1 business day by the
 * working-day calendar), a churn-risk customer contacted within 3 days;
 * an objection (待解决问题) has no clock. Seed 004: a promise kept after
 * its due time counts as broken (kept late); an open one past due is
 * broken.
 */
#include "rules_fixture.h"

#include "sla.h"
#include "why.h"

static void
each_clock_has_its_deadline(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	Crm__V1__Policy *p;
	assert_crm_ok(policy_load(&e.ctx, &p));
	int64_t fri = local(2026, 12, 11, 18, 0), d;
	/* On the clock: a weekend counts. */
	assert_crm_ok(sla_deadline_plan(
	    &e.ctx, p, CRM__V1__SLA_KIND__SLA_INQUIRY_REPLY, fri, NULL, &d));
	assert_time_equal(d, fri + 24 * HOUR);
	assert_crm_ok(sla_deadline_plan(
	    &e.ctx, p, CRM__V1__SLA_KIND__SLA_ISSUE_RESPONSE, fri, NULL, &d));
	assert_time_equal(d, fri + 2 * HOUR);
	assert_crm_ok(sla_deadline_plan(
	    &e.ctx, p, CRM__V1__SLA_KIND__SLA_CHURN_CONTACT, fri, NULL, &d));
	assert_time_equal(d, fri + 3 * DAY);
	/* A business day: Friday evening's solution is due Monday. */
	struct why_note w;
	memset(&w, 0, sizeof(w));
	assert_crm_ok(sla_deadline_plan(
	    &e.ctx, p, CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION, fri, &w, &d));
	assert_time_equal(d, local(2026, 12, 14, 18, 0));
	assert_non_null(strstr(w.rule, "1 business day(s)"));
	/* An objection: no deadline. */
	assert_crm_ok(sla_deadline_plan(
	    &e.ctx, p, CRM__V1__SLA_KIND__SLA_OBJECTION, fri, NULL, &d));
	assert_int_equal(d, 0);
	/* The policy's durations, not constants. */
	p->inquiry_seconds = 8 * HOUR;
	assert_crm_ok(sla_deadline_plan(
	    &e.ctx, p, CRM__V1__SLA_KIND__SLA_INQUIRY_REPLY, fri, NULL, &d));
	assert_time_equal(d, fri + 8 * HOUR);
	rules_close(&e);
}

static void
a_solution_clock_skips_a_holiday(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 11, 10, 0));
	const struct rules_day days[] = {
		{ "2026-12-14", CRM__V1__DAY_KIND__DAY_HOLIDAY, NULL },
	};
	rules_calendar(&e, days, 1);
	Crm__V1__Customer c;
	rules_customer(
	    &e, &c, 1, 1, CRM__V1__STAGE__STAGE_WON, CRM__V1__GRADE__GRADE_B);
	Crm__V1__SlaClock *k;
	assert_crm_ok(sla_start(&e.ctx, &c,
	    CRM__V1__SLA_KIND__SLA_ISSUE_SOLUTION, "the pump leaks", &k));
	assert_time_equal(k->deadline_at, local(2026, 12, 15, 10, 0));
	assert_crm_ok(sla_start(&e.ctx, &c,
	    CRM__V1__SLA_KIND__SLA_INQUIRY_REPLY, "price of the pump", &k));
	assert_time_equal(k->deadline_at, local(2026, 12, 12, 10, 0));
	rules_close(&e);
}

/* commitment.done of id at `at`: the closed commitment. */
static const Crm__V1__Commitment *
done(struct rules_env *e, uint64_t id, int64_t at)
{
	e->ctx.now = at;
	Crm__V1__CommitmentDoneRequest r =
	    CRM__V1__COMMITMENT_DONE_REQUEST__INIT;
	r.id = id;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_DONE;
	req.commitment_done = &r;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	assert_crm_ok(sla_handle_commitment_done(&e->ctx, &req, &resp));
	assert_int_equal(resp.body_case, CRM__V1__RESPONSE__BODY_COMMITMENT);
	return resp.commitment;
}

/* The status commitment.list shows for id at `at` (0: not listed). */
static int
listed_status(struct rules_env *e, uint64_t id, int64_t at)
{
	e->ctx.now = at;
	Crm__V1__CommitmentListRequest r =
	    CRM__V1__COMMITMENT_LIST_REQUEST__INIT;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_LIST;
	req.commitment_list = &r;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	assert_crm_ok(sla_handle_commitment_list(&e->ctx, &req, &resp));
	for (size_t i = 0; i < resp.commitments->n_commitments; i++) {
		if (resp.commitments->commitments[i]->id == id) {
			return (int)resp.commitments->commitments[i]->status;
		}
	}
	return 0;
}

static void
commitments_are_kept_kept_late_or_broken(void **state)
{
	(void)state;
	struct rules_env e;
	rules_open(&e, local(2026, 12, 7, 9, 0));
	Crm__V1__Customer c;
	rules_customer(&e, &c, 1, 1, CRM__V1__STAGE__STAGE_POTENTIAL,
	    CRM__V1__GRADE__GRADE_B);
	int64_t due = local(2026, 12, 9, 18, 0);
	Crm__V1__Commitment *kept, *late, *open;
	assert_crm_ok(sla_commitment_add(
	    &e.ctx, &c, 0, 0, "send the quote", 1, due, &kept));
	assert_crm_ok(sla_commitment_add(
	    &e.ctx, &c, 0, 0, "send samples", 1, due, &late));
	assert_crm_ok(sla_commitment_add(
	    &e.ctx, &c, 0, 0, "visit the plant", 1, due, &open));
	uint64_t kept_id = kept->id, late_id = late->id, open_id = open->id;
	assert_int_equal(
	    open->status, CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN);
	/* Before the due time: open. */
	assert_int_equal(listed_status(&e, open_id, due - HOUR),
	    CRM__V1__COMMITMENT_STATUS__COMMITMENT_OPEN);
	/* Done on time: kept; at the due time exactly still on time. */
	assert_int_equal(done(&e, kept_id, due)->status,
	    CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT);
	/* Done a minute late: kept late. */
	assert_int_equal(done(&e, late_id, due + 60)->status,
	    CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE);
	/* Open past due: broken (derived when listed). */
	assert_int_equal(listed_status(&e, open_id, due + 60),
	    CRM__V1__COMMITMENT_STATUS__COMMITMENT_BROKEN);
	/* Kept late is listed among the broken ones; kept is not. */
	assert_int_equal(listed_status(&e, late_id, due + DAY),
	    CRM__V1__COMMITMENT_STATUS__COMMITMENT_KEPT_LATE);
	assert_int_equal(listed_status(&e, kept_id, due + DAY), 0);
	/* Closing twice is refused. */
	e.ctx.now = due + 2 * DAY;
	Crm__V1__CommitmentDoneRequest r =
	    CRM__V1__COMMITMENT_DONE_REQUEST__INIT;
	r.id = kept_id;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_DONE;
	req.commitment_done = &r;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	assert_crm_err(
	    sla_handle_commitment_done(&e.ctx, &req, &resp), CRM_EPRECOND);
	rules_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_clock_has_its_deadline),
		cmocka_unit_test(a_solution_clock_skips_a_holiday),
		cmocka_unit_test(commitments_are_kept_kept_late_or_broken),
	};
	return cmocka_run_group_tests(tests, rules_zone, NULL);
}
