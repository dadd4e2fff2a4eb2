/* SPDX-License-Identifier: MIT */
/*
 * auth_rules_test.c: the permission rules and the failed-login slow-down
 * (server/auth.c) without a socket. An admin sees every customer, a
 * manager their team's, a rep only what they own; only an admin or the
 * team's manager manages a team. After three failed logins in a row each
 * attempt waits 2^(n-2) s from the last failure (at most 5 min); a good
 * login clears it; other logins are not slowed.
 */
#include "crm_test.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crm.h"

static struct auth_who
who(uint64_t id, int role, uint64_t team)
{
	struct auth_who w;
	memset(&w, 0, sizeof(w));
	w.user_id = id;
	w.role = role;
	w.team_id = team;
	return w;
}

static void
who_sees_which_customers(void **state)
{
	(void)state;
	struct auth_who admin = who(1, CRM__V1__ROLE__ROLE_ADMIN, 0);
	struct auth_who wang = who(2, CRM__V1__ROLE__ROLE_MANAGER, 10);
	struct auth_who li = who(3, CRM__V1__ROLE__ROLE_REP, 10);
	struct auth_who nobody = who(9, 0, 10);
	/* owner li in team east (10); owner zhao (4) in east; owner sun
	 * (6) in west (20); the pool (no owner) of east. */
	assert_true(auth_can_see(&admin, 3, 10));
	assert_true(auth_can_see(&admin, 6, 20));
	assert_true(auth_can_see(&admin, 0, 0));
	assert_true(auth_can_see(&wang, 3, 10));
	assert_true(auth_can_see(&wang, 4, 10));
	assert_true(auth_can_see(&wang, 0, 10));
	assert_false(auth_can_see(&wang, 6, 20));
	assert_false(auth_can_see(&wang, 2, 0)); /* no team: not his */
	assert_true(auth_can_see(&li, 3, 10));
	assert_true(auth_can_see(&li, 3, 20)); /* what he owns, anywhere */
	assert_false(auth_can_see(&li, 4, 10));
	assert_false(auth_can_see(&li, 0, 10)); /* the pool: not his */
	assert_false(auth_can_see(&nobody, 9, 10));
}

static void
who_manages_which_team(void **state)
{
	(void)state;
	struct auth_who admin = who(1, CRM__V1__ROLE__ROLE_ADMIN, 0);
	struct auth_who wang = who(2, CRM__V1__ROLE__ROLE_MANAGER, 10);
	struct auth_who li = who(3, CRM__V1__ROLE__ROLE_REP, 10);
	struct auth_who loose = who(5, CRM__V1__ROLE__ROLE_MANAGER, 0);
	assert_true(auth_manages(&admin, 10));
	assert_true(auth_manages(&admin, 0));
	assert_true(auth_manages(&wang, 10));
	assert_false(auth_manages(&wang, 20));
	assert_false(auth_manages(&li, 10));
	assert_false(auth_manages(&loose, 0)); /* a manager of no team */
}

/* One attempt of login from peer at now: 0 when it may try (and then
 * fails or succeeds as ok says), else the wait it was told. */
static int64_t
attempt(const char *login, uint32_t peer, int64_t now, int ok)
{
	int64_t wait = 0;
	crm_status rc = auth_login_allowed(login, peer, now, &wait);
	if (rc == CRM_TOO_BIG) {
		assert_true(wait > 0);
		return wait;
	}
	assert_crm_ok(rc);
	auth_login_result(login, peer, now, ok);
	return 0;
}

static void
failed_logins_wait_longer_each_time(void **state)
{
	(void)state;
	int64_t t = 1000000;
	/* Three free failures. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(attempt("li", 1, t, 0), 0);
	}
	/* Then 2 s from the last failure, 4, 8, ... */
	assert_int_equal(attempt("li", 1, t, 0), 2);
	assert_int_equal(attempt("li", 1, t + 1, 0), 1);
	assert_int_equal(attempt("li", 1, t + 2, 0), 0); /* fails at t+2 */
	assert_int_equal(attempt("li", 1, t + 2, 0), 4);
	assert_int_equal(attempt("li", 1, t + 6, 0), 0); /* fails at t+6 */
	assert_int_equal(attempt("li", 1, t + 6, 0), 8);
	/* Another login is not slowed. */
	assert_int_equal(attempt("zhao", 2, t + 6, 1), 0);
	/* A good login, once allowed, clears the count. */
	assert_int_equal(attempt("li", 1, t + 14, 1), 0);
	assert_int_equal(attempt("li", 1, t + 14, 0), 0);
	assert_int_equal(attempt("li", 1, t + 14, 0), 0);
	assert_int_equal(attempt("li", 1, t + 14, 0), 0);
	assert_int_equal(attempt("li", 1, t + 14, 0), 2);
}

static void
the_wait_is_at_most_five_minutes(void **state)
{
	(void)state;
	int64_t t = 2000000;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(attempt("wang", 1, t, 0), 0);
	}
	/* Each failure as soon as allowed: waits 2, 4, ..., 256, 300. */
	int64_t want = 2;
	for (int i = 0; i < 10; i++) {
		int64_t w = attempt("wang", 1, t, 0);
		assert_int_equal(w, want > 300 ? 300 : want);
		t += w;
		assert_int_equal(attempt("wang", 1, t, 0), 0);
		want *= 2;
	}
}

static void
passwords_hash_and_check(void **state)
{
	(void)state;
	/* The real cost, whatever the test build's environment says
	 * (CRM_TEST_CHEAP_HASH, server/auth.c). */
	unsetenv("CRM_TEST_CHEAP_HASH");
	assert_crm_ok(auth_init());
	char hash[128];
	assert_crm_err(auth_hash_password("", hash), CRM_EINVAL);
	char long_pw[1026];
	memset(long_pw, 'x', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	assert_crm_err(auth_hash_password(long_pw, hash), CRM_EINVAL);
	assert_crm_ok(auth_hash_password("crm-pw 密码", hash));
	assert_non_null(strstr(hash, "$argon2id$"));
	/* libsodium's interactive limits: 64 MiB, 2 passes. */
	assert_non_null(strstr(hash, "$m=65536,t=2,p=1$"));
	assert_crm_ok(auth_check_password(hash, "crm-pw 密码"));
	assert_crm_err(auth_check_password(hash, "crm-pw"), CRM_EUNAUTH);
	/* A hash names its own limits: one made at the minimum cost (as a
	 * test build's CRM_TEST_CHEAP_HASH=1 makes them) checks too. */
	char cheap[crypto_pwhash_STRBYTES];
	assert_int_equal(
	    crypto_pwhash_str(cheap, "pw-min", 6, crypto_pwhash_OPSLIMIT_MIN,
	        crypto_pwhash_MEMLIMIT_MIN),
	    0);
	assert_null(strstr(cheap, "m=65536"));
	assert_crm_ok(auth_check_password(cheap, "pw-min"));
	assert_crm_err(auth_check_password(cheap, "pw-mi"), CRM_EUNAUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(who_sees_which_customers),
		cmocka_unit_test(who_manages_which_team),
		cmocka_unit_test(failed_logins_wait_longer_each_time),
		cmocka_unit_test(the_wait_is_at_most_five_minutes),
		cmocka_unit_test(passwords_hash_and_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
