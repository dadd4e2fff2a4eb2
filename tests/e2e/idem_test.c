/* SPDX-License-Identifier: MIT */
/*
 * idem_test.c: stored replies of writes (issue 13), against a real crmd
 * with raw requests:
 *   - a request id reused with another body answers FAILED_PRECONDITION
 *     "request id reused for a different request" and writes nothing;
 *   - the same write resent in a newer session of the same user (an
 *     outbox entry sent days later) gets the stored reply, not a copy;
 *   - stored replies older than the policy's retention (7 days, set by
 *     policy.set) are pruned by the writer; newer ones stay; hello says
 *     the retention; audit records stay;
 *   - Request.made_at (a write kept offline and sent later) is outside
 *     the body: the same write resent with it gets its stored reply; a
 *     new write is dated by it, one ahead of crmd's clock is dated now,
 *     a time in milliseconds is refused naming the field;
 *   - crm's request ids begin with the time, so they come in order, and
 *     replies stored under the key of before (user id || request id,
 *     test hook CRM_TEST_IDEM_OLD_KEYS) are still found after an
 *     upgrade: a resend is not applied twice;
 *   - a resent passwd gets its stored reply: it is not checked again
 *     against the password it changed (it answered "the old password is
 *     wrong", and five resends locked the user out); its request id
 *     reused with another body is refused as such, counting no wrong
 *     password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"

static char clock_path[400];

/* Log summary for customer with request id id; the response. */
static Crm__V1__Response *
log_with_id(struct crm_test_server *s, uint64_t customer, const char *summary,
    uint8_t id[CRM_REQUEST_ID_LEN])
{
	struct crm_test_log l;
	crm_test_log_init(&l, customer, summary);
	crm_test_request_id(&l.req, id);
	return crm_test_call(s, &l.req);
}

/* Log summary for customer with request id id, which must succeed; the
 * follow-up's id. */
static uint64_t
logged(struct crm_test_server *s, uint64_t customer, const char *summary,
    uint8_t id[CRM_REQUEST_ID_LEN])
{
	Crm__V1__Response *r = log_with_id(s, customer, summary, id);
	assert_crm_ok(crm_wire_status(r));
	uint64_t fu = r->followup->id;
	crm__v1__response__free_unpacked(r, NULL);
	return fu;
}

/* The number of follow-ups of customer. */
static size_t
followups(struct crm_test_server *s, uint64_t customer)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ExportRequest q = CRM__V1__EXPORT_REQUEST__INIT;
	q.has_kind = 1;
	q.kind = CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS;
	req.body_case = CRM__V1__REQUEST__BODY_EXPORT_PAGE;
	req.export_page = &q;
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	assert_true(r->export_page->done);
	size_t n = 0;
	for (size_t i = 0; i < r->export_page->n_followups; i++) {
		n += r->export_page->followups[i]->customer_id == customer;
	}
	crm__v1__response__free_unpacked(r, NULL);
	return n;
}

static void
start(struct crm_test_server *s, int64_t t)
{
	snprintf(clock_path, sizeof(clock_path), "%s/idem-clock-%ld",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	crm_test_clock_set(clock_path, t);
	setenv("CRM_TEST_CLOCK", clock_path, 1);
	setenv("CRM_TEST_PRUNE_MS", "200", 1);
	crm_test_server_start(s);
	unsetenv("CRM_TEST_PRUNE_MS");
	assert_crm_ok(crm_test_login(s, "admin", "admin-pw"));
	assert_crm_ok(crm_test_add_user(s, "li", "rep", "east", "pw-li"));
	assert_crm_ok(crm_test_login(s, "li", "pw-li"));
}

static void
stop(struct crm_test_server *s)
{
	crm_test_server_stop(s);
	unsetenv("CRM_TEST_CLOCK");
	unlink(clock_path);
}

static void
reused_id_with_another_body_is_refused(void **state)
{
	(void)state;
	struct crm_test_server srv;
	start(&srv, 1796000000);
	uint64_t c = crm_test_add_customer(&srv, "复用客户");
	uint8_t id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(id);
	Crm__V1__Response *r = log_with_id(&srv, c, "first", id);
	assert_crm_ok(crm_wire_status(r));
	uint64_t first = r->followup->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* The same id and body: the stored reply. */
	r = log_with_id(&srv, c, "first", id);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->followup->id, first);
	crm__v1__response__free_unpacked(r, NULL);

	/* The same id, another body: refused, nothing written. */
	r = log_with_id(&srv, c, "second", id);
	assert_crm_err(crm_wire_status(r), CRM_EPRECOND);
	assert_string_equal(
	    r->status->message, "request id reused for a different request");
	assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY__NOT_SET);
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 1);

	/* The same write from a newer session of the same user (an outbox
	 * entry resent after logging in again): the stored reply. */
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li"));
	r = log_with_id(&srv, c, "first", id);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->followup->id, first);
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 1);
	stop(&srv);
}

static void
made_at_dates_a_write_and_is_not_its_body(void **state)
{
	(void)state;
	struct crm_test_server srv;
	const int64_t now = 1796000000;
	start(&srv, now);
	uint64_t c = crm_test_add_customer(&srv, "补发客户");
	uint8_t id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(id);
	struct crm_test_log l;
	crm_test_log_init(&l, c, "sent at once");
	crm_test_request_id(&l.req, id);
	Crm__V1__Response *r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t first = r->followup->id;
	assert_int_equal(r->followup->logged_at, now);
	crm__v1__response__free_unpacked(r, NULL);

	/* Its answer was lost; the outbox resends it with the moment it
	 * was made: the same write, so the stored reply. */
	l.req.has_made_at = 1;
	l.req.made_at = now - 3600;
	r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->followup->id, first);
	assert_int_equal(r->followup->logged_at, now);
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 1);

	/* A write made two days ago, sent now: dated then, not late. */
	crm_test_log_init(&l, c, "typed offline");
	l.req.has_made_at = 1;
	l.req.made_at = now - 2 * 86400;
	r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->followup->happened_at, now - 2 * 86400);
	assert_int_equal(r->followup->logged_at, now - 2 * 86400);
	assert_false(r->followup->late);
	crm__v1__response__free_unpacked(r, NULL);

	/* Ahead of crmd's clock (clocks differ): now. */
	crm_test_log_init(&l, c, "ahead");
	l.req.has_made_at = 1;
	l.req.made_at = now + 600;
	r = crm_test_call(&srv, &l.req);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->followup->logged_at, now);
	crm__v1__response__free_unpacked(r, NULL);

	/* An instant in milliseconds: refused, naming the field. */
	crm_test_log_init(&l, c, "milliseconds");
	l.req.has_made_at = 1;
	l.req.made_at = now * 1000;
	r = crm_test_call(&srv, &l.req);
	assert_crm_err(crm_wire_status(r), CRM_EINVAL);
	assert_string_equal(r->status->field, "made_at");
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 3);
	stop(&srv);
}

static void
stored_replies_are_pruned_after_the_retention(void **state)
{
	(void)state;
	struct crm_test_server srv;
	int64_t t0 = 1796000000;
	start(&srv, t0);
	uint64_t c = crm_test_add_customer(&srv, "过期客户");

	/* hello tells the default retention. */
	Crm__V1__Response *r = crm_test_hello(&srv);
	assert_true(r->hello->has_idem_retention_seconds);
	assert_int_equal(r->hello->idem_retention_seconds, 7 * 86400);
	crm__v1__response__free_unpacked(r, NULL);

	uint8_t old_id[CRM_REQUEST_ID_LEN], new_id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(old_id);
	crm_wire_request_id(new_id);
	r = log_with_id(&srv, c, "old", old_id);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);

	/* Six days later: still kept. */
	crm_test_clock_set(clock_path, t0 + 6 * 86400);
	r = log_with_id(&srv, c, "new", new_id);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
	usleep(600 * 1000);
	r = log_with_id(&srv, c, "old", old_id);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 2);

	/* Eight days after the first: its stored reply is pruned (so the
	 * id is free again: the resend applies as new), the second's not. */
	crm_test_clock_set(clock_path, t0 + 8 * 86400);
	usleep(800 * 1000);
	r = log_with_id(&srv, c, "new", new_id);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 2);
	r = log_with_id(&srv, c, "old again", old_id);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 3);

	/* An admin sets the retention: 1 day to 1 year. */
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	Crm__V1__PolicySetRequest ps = CRM__V1__POLICY_SET_REQUEST__INIT;
	Crm__V1__Request sreq = CRM__V1__REQUEST__INIT;
	sreq.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
	sreq.policy_set = &ps;
	ps.has_idem_retention_seconds = 1;
	ps.idem_retention_seconds = 3600;
	r = crm_test_call(&srv, &sreq);
	assert_crm_err(crm_wire_status(r), CRM_EINVAL);
	crm__v1__response__free_unpacked(r, NULL);
	ps.idem_retention_seconds = 30 * 86400;
	r = crm_test_call(&srv, &sreq);
	assert_crm_ok(crm_wire_status(r));
	assert_int_equal(r->policy->idem_retention_seconds, 30 * 86400);
	crm__v1__response__free_unpacked(r, NULL);
	r = crm_test_hello(&srv);
	assert_int_equal(r->hello->idem_retention_seconds, 30 * 86400);
	crm__v1__response__free_unpacked(r, NULL);

	char log[400], cmd[1000];
	snprintf(log, sizeof(log), "%s/crmd.log", srv.dir);
	crm_test_server_stop_keep(&srv);
	snprintf(cmd, sizeof(cmd),
	    "grep -q ' [1-9][0-9]* stored replies pruned' '%s'", log);
	assert_int_equal(system(cmd), 0);
	crm_test_server_cleanup(&srv);
	unsetenv("CRM_TEST_CLOCK");
	unlink(clock_path);
}

static void
replies_stored_under_the_old_key_are_still_found(void **state)
{
	(void)state;
	/* Request ids come in time order (their first 8 bytes). */
	uint8_t a[CRM_REQUEST_ID_LEN], b[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(a);
	usleep(2000);
	crm_wire_request_id(b);
	assert_true(memcmp(a, b, 8) < 0);
	assert_true(memcmp(a + 8, b + 8, 8) != 0);

	struct crm_test_server srv;
	setenv("CRM_TEST_IDEM_OLD_KEYS", "1", 1);
	start(&srv, 1796000000);
	uint64_t c = crm_test_add_customer(&srv, "旧键客户");
	uint8_t id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(id);
	uint64_t first = logged(&srv, c, "before", id);

	/* The new crmd keys stored replies anew; the old one is found. */
	unsetenv("CRM_TEST_IDEM_OLD_KEYS");
	crm_test_server_kill(&srv);
	crm_test_server_restart(&srv);
	assert_int_equal(logged(&srv, c, "before", id), first);
	Crm__V1__Response *r = log_with_id(&srv, c, "another body", id);
	assert_crm_err(crm_wire_status(r), CRM_EPRECOND);
	crm__v1__response__free_unpacked(r, NULL);
	assert_int_equal(followups(&srv, c), 1);

	/* A new write under the new key: applied once, resent: replayed. */
	crm_wire_request_id(id);
	uint64_t second = logged(&srv, c, "after", id);
	assert_int_equal(logged(&srv, c, "after", id), second);
	assert_int_equal(followups(&srv, c), 2);
	stop(&srv);
}

/* passwd with request id id; the response. */
static Crm__V1__Response *
passwd_with_id(struct crm_test_server *s, const char *old, const char *new_pw,
    uint8_t id[CRM_REQUEST_ID_LEN])
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PasswdRequest p = CRM__V1__PASSWD_REQUEST__INIT;
	p.old_password = (char *)old;
	p.new_password = (char *)new_pw;
	req.body_case = CRM__V1__REQUEST__BODY_PASSWD;
	req.passwd = &p;
	crm_test_request_id(&req, id);
	return crm_test_call(s, &req);
}

static void
a_resent_passwd_gets_its_stored_reply(void **state)
{
	(void)state;
	struct crm_test_server srv;
	start(&srv, 1796000000);
	uint8_t id[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(id);
	Crm__V1__Response *r =
	    passwd_with_id(&srv, "pw-li", "pw-li-new-1", id);
	assert_crm_ok(crm_wire_status(r));
	crm__v1__response__free_unpacked(r, NULL);
	/* A client that timed out sends the same bytes again, more times
	 * than the wrong-password throttle allows: each is the change's
	 * own reply, and none counts as a wrong password. */
	for (int i = 0; i < 6; i++) {
		r = passwd_with_id(&srv, "pw-li", "pw-li-new-1", id);
		assert_crm_ok(crm_wire_status(r));
		crm__v1__response__free_unpacked(r, NULL);
	}
	/* The same request id with another body (another old password,
	 * wrong): refused as a reused id, before any password check, so no
	 * wrong password is counted (more of them than the throttle
	 * allows). */
	for (int i = 0; i < 6; i++) {
		r = passwd_with_id(
		    &srv, "not-the-password", "pw-li-new-9", id);
		assert_crm_err(crm_wire_status(r), CRM_EPRECOND);
		assert_string_equal(r->status->message,
		    "request id reused for a different request");
		crm__v1__response__free_unpacked(r, NULL);
	}
	/* The new password logs in; the old one does not. */
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li-new-1"));
	assert_int_not_equal(crm_test_login(&srv, "li", "pw-li"), CRM_OK);
	/* A new passwd (a new request id) with the old password is checked
	 * as ever. */
	crm_wire_request_id(id);
	assert_crm_ok(crm_test_login(&srv, "li", "pw-li-new-1"));
	r = passwd_with_id(&srv, "pw-li", "pw-li-new-2", id);
	assert_crm_err(crm_wire_status(r), CRM_EUNAUTH);
	crm__v1__response__free_unpacked(r, NULL);
	stop(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reused_id_with_another_body_is_refused),
		cmocka_unit_test(made_at_dates_a_write_and_is_not_its_body),
		cmocka_unit_test(
		    replies_stored_under_the_old_key_are_still_found),
		cmocka_unit_test(
		    stored_replies_are_pruned_after_the_retention),
		cmocka_unit_test(a_resent_passwd_gets_its_stored_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
