/* SPDX-License-Identifier: MIT */
/*
 * followup_server_fields_test.c: the fields of a follow-up the server
 * keeps are the server's, whatever a client sends on followup.log. A rep
 * who sets FollowUp.imported = true on a follow-up logged three days
 * after it happened still gets it flagged late (the import path alone
 * marks history, which is never late), and so do author_id, logged_at,
 * late, team_id and grade stay the server's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm_test.h"
#include "harness.h"

static struct crm_test_server srv;

static void
a_client_cannot_mark_its_follow_up_imported(void **state)
{
	(void)state;
	crm_test_login_as(&srv, "li");
	uint64_t cust = crm_test_add_customer(&srv, "Imported Claims Ltd");
	int64_t now = (int64_t)time(NULL);
	struct crm_test_log l;
	crm_test_log_init(&l, cust, "visited three days ago, logged now");
	l.f.has_at = 1;
	l.f.at = now - 3 * 86400;
	/* What a client has no say in: every one of them set. */
	l.f.has_imported = l.f.imported = 1;
	l.f.has_late = 1;
	l.f.late = 0;
	l.f.has_author_id = 1;
	l.f.author_id = 1;
	l.f.has_logged_at = 1;
	l.f.logged_at = now - 3 * 86400;
	l.f.has_team_id = 1;
	l.f.team_id = 999;
	l.f.has_grade = 1;
	l.f.grade = CRM__V1__GRADE__GRADE_S;
	Crm__V1__Response *r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY_FOLLOWUP);
	const Crm__V1__FollowUp *f = r->followup;
	print_message("followup.log with imported=true, late=false, at "
	              "now-3d: reply imported=%d late=%d author_id=%llu "
	              "team_id=%llu grade=%d\n",
	    f->imported, f->late, (unsigned long long)f->author_id,
	    (unsigned long long)f->team_id, (int)f->grade);
	assert_false(f->imported);
	assert_true(f->late);
	assert_true(f->author_id != 1);
	assert_true(f->logged_at >= now - 60);
	assert_true(f->team_id != 999);
	assert_int_not_equal(f->grade, CRM__V1__GRADE__GRADE_S);
	crm__v1__response__free_unpacked(r, NULL);
}

static int
setup(void **state)
{
	(void)state;
	crm_test_server_start(&srv);
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	crm_test_add_people(&srv, "li", NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_client_cannot_mark_its_follow_up_imported),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
