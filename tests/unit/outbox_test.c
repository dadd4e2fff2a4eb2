/* SPDX-License-Identifier: MIT */
/*
 * outbox_test.c: the shell's outbox file (client/outbox.c): the requests
 * it keeps are exactly crmd's writes with stored replies; entries come
 * back as they went in; a damaged line is reported and kept; processes
 * adding at once lose nothing; the file is private; a refused entry
 * stays marked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm_test.h"
#include "dispatch.h"
#include "outbox.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/crm-outbox-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
kept_requests_are_the_writes_with_stored_replies(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		const struct dispatch_row *row =
		    dispatch_row((Crm__V1__Request__BodyCase)f->id);
		assert_non_null(row);
		int write =
		    row->kind == REQ_WRITE && !(row->flags & REQ_NO_IDEM);
		if (write != (outbox_kind((int)f->id) != OUTBOX_READ)) {
			fail_msg("%s (%u): crmd says %s, the shell's outbox "
			         "table (client/outbox.c) says otherwise",
			    f->name, f->id,
			    write ? "a write with a stored reply" : "not");
		}
	}
	assert_int_equal(
	    outbox_kind(CRM__V1__REQUEST__BODY_PASSWD), OUTBOX_SECRET);
	assert_int_equal(
	    outbox_kind(CRM__V1__REQUEST__BODY_LOGIN), OUTBOX_READ);
	/* Meaningful only as crmd gets them: never kept offline. */
	assert_int_equal(
	    outbox_kind(CRM__V1__REQUEST__BODY_POOL_CLAIM), OUTBOX_LIVE);
	assert_int_equal(outbox_kind(CRM__V1__REQUEST__BODY_CUSTOMER_HANDOVER),
	    OUTBOX_LIVE);
	assert_int_equal(
	    outbox_kind(CRM__V1__REQUEST__BODY_POLICY_DRY_RUN), OUTBOX_LIVE);
	assert_int_equal(
	    outbox_kind(CRM__V1__REQUEST__BODY_PURCHASE_ADD), OUTBOX_WRITE);
}

static void
entry(struct outbox_entry *e, int i, uint8_t *req, size_t len)
{
	memset(e, 0, sizeof(*e));
	crm_wire_request_id(e->id);
	e->created = 1796000000 + i;
	strcpy(e->fp, "0123456789abcdef");
	e->login = (char *)"li";
	e->what = (char *)"log 华东机电有限公司 \"离线 记录\"\n";
	e->req = req;
	e->len = len;
}

static void
entries_come_back_as_they_went_in(void **state)
{
	(void)state;
	uint8_t req[300];
	for (size_t i = 0; i < sizeof(req); i++) {
		req[i] = (uint8_t)(i * 7);
	}
	struct outbox_entry e[3];
	for (int i = 0; i < 3; i++) {
		entry(&e[i], i, req, sizeof(req) - (size_t)i);
		assert_crm_ok(outbox_add(&e[i]));
	}
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 3);
	assert_int_equal(ob.ndamaged, 0);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(ob.v[i].id, e[i].id, CRM_REQUEST_ID_LEN);
		assert_int_equal(ob.v[i].created, e[i].created);
		assert_string_equal(ob.v[i].fp, e[i].fp);
		assert_string_equal(ob.v[i].login, "li");
		assert_string_equal(ob.v[i].what, e[i].what);
		assert_int_equal(ob.v[i].len, e[i].len);
		assert_memory_equal(ob.v[i].req, req, e[i].len);
	}
	outbox_free(&ob);
	assert_crm_ok(outbox_remove(e[1].id));
	assert_crm_err(outbox_remove(e[1].id), CRM_NOT_FOUND);
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 2);
	assert_memory_equal(ob.v[1].id, e[2].id, CRM_REQUEST_ID_LEN);
	outbox_free(&ob);
	char *p = outbox_path();
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(p);
	assert_crm_ok(outbox_remove(e[0].id));
	assert_crm_ok(outbox_remove(e[2].id));
}

static void
a_damaged_line_is_reported_and_kept(void **state)
{
	(void)state;
	uint8_t req[4] = { 1, 2, 3, 4 };
	struct outbox_entry e;
	entry(&e, 0, req, sizeof(req));
	char *p = outbox_path();
	unlink(p); /* settled lines of the tests before stay in the file */
	assert_crm_ok(outbox_add(&e));
	/* One changed character spoils the checksum of the line. */
	FILE *f = fopen(p, "r+");
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	char *v = strstr(buf, "v1 ");
	assert_non_null(v);
	v[5] = v[5] == 'a' ? 'b' : 'a';
	rewind(f);
	fwrite(buf, 1, n, f);
	fclose(f);
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 0);
	assert_int_equal(ob.ndamaged, 1);
	outbox_free(&ob);
	struct outbox_entry e2;
	entry(&e2, 1, req, sizeof(req));
	assert_crm_ok(outbox_add(&e2));
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 1);
	assert_int_equal(ob.ndamaged, 1);
	outbox_free(&ob);
	unlink(p);
	free(p);
}

static void
processes_adding_at_once_lose_nothing(void **state)
{
	(void)state;
	enum { KIDS = 8, EACH = 20 };
	for (int k = 0; k < KIDS; k++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			uint8_t req[64] = { 0 };
			for (int i = 0; i < EACH; i++) {
				struct outbox_entry e;
				entry(&e, k * EACH + i, req, sizeof(req));
				if (outbox_add(&e) != CRM_OK) {
					_exit(1);
				}
			}
			_exit(0);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int st;
		assert_true(wait(&st) > 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, KIDS * EACH);
	assert_int_equal(ob.ndamaged, 0);
	outbox_free(&ob);
}

static void
sessions_seen_say_whose_a_session_is(void **state)
{
	(void)state;
	char fp[OUTBOX_FP_LEN + 1], fp2[OUTBOX_FP_LEN + 1];
	const uint8_t t1[] = "token-one", t2[] = "token-two";
	outbox_fingerprint(t1, sizeof(t1), fp);
	outbox_fingerprint(t2, sizeof(t2), fp2);
	assert_string_not_equal(fp, fp2);
	outbox_note_login(fp, "li");
	outbox_note_login(fp2, "zhao");
	outbox_note_login(fp, "li");
	char *a = outbox_login_of(fp), *b = outbox_login_of(fp2);
	assert_string_equal(a, "li");
	assert_string_equal(b, "zhao");
	free(a);
	free(b);
	assert_null(outbox_login_of("ffffffffffffffff"));
}

static void
settled_writes_are_compacted_and_a_torn_line_is_ended(void **state)
{
	(void)state;
	uint8_t req[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	char *p = outbox_path();
	unlink(p);
	struct outbox_entry keep, e;
	entry(&keep, 0, req, sizeof(req));
	assert_crm_ok(outbox_add(&keep));
	/* Each write: appended before it is sent, settled after. */
	for (int i = 0; i < 150; i++) {
		entry(&e, i + 1, req, sizeof(req));
		assert_crm_ok(outbox_add(&e));
		assert_crm_ok(outbox_remove(e.id));
	}
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 1);
	assert_memory_equal(ob.v[0].id, keep.id, CRM_REQUEST_ID_LEN);
	assert_true(ob.nsettled < 2 * 64); /* compacted, not 150 */
	outbox_free(&ob);
	/* A crash in the middle of an append leaves a torn line: the next
	 * entry starts a line of its own, and the torn one is reported. */
	FILE *f = fopen(p, "a");
	fputs("v1 0123456789abcdef torn", f);
	fclose(f);
	entry(&e, 999, req, sizeof(req));
	assert_crm_ok(outbox_add(&e));
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 2);
	assert_int_equal(ob.ndamaged, 1);
	assert_memory_equal(ob.v[1].id, e.id, CRM_REQUEST_ID_LEN);
	outbox_free(&ob);
	/* Settled lines do not pile up: the file stays small. */
	unlink(p);
	assert_crm_ok(outbox_add(&keep));
	for (int i = 0; i < 70; i++) {
		entry(&e, i + 1, req, sizeof(req));
		assert_crm_ok(outbox_add(&e));
		assert_crm_ok(outbox_remove(e.id));
	}
	assert_crm_ok(outbox_remove(keep.id));
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_true(sb.st_size < 200 * 70);
	unlink(p);
	free(p);
}

/* Big writes (import batches of up to 64 KB) are compacted by size too:
 * settled ones do not pile up to 64 x 128 KB of hex, which every later
 * settling would read again. */
static void
settled_big_writes_are_compacted_by_size(void **state)
{
	(void)state;
	size_t big = 60 * 1024;
	uint8_t *req = calloc(1, big);
	assert_non_null(req);
	char *p = outbox_path();
	unlink(p);
	struct outbox_entry keep, e;
	entry(&keep, 0, req, 8);
	assert_crm_ok(outbox_add(&keep));
	off_t most = 0;
	for (int i = 0; i < 40; i++) {
		entry(&e, i + 1, req, big);
		assert_crm_ok(outbox_add(&e));
		assert_crm_ok(outbox_remove(e.id));
		struct stat sb;
		assert_int_equal(stat(p, &sb), 0);
		if (sb.st_size > most) {
			most = sb.st_size;
		}
	}
	/* 256 KB of settled file at most, and one more batch (2 x 60 KB
	 * of hex); without the bound, 40 settled batches: ~4.8 MB. */
	assert_true(most < 256 * 1024 + 2 * (off_t)big + 4096);
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 1); /* the unsettled one is kept */
	assert_memory_equal(ob.v[0].id, keep.id, CRM_REQUEST_ID_LEN);
	outbox_free(&ob);
	unlink(p);
	free(p);
	free(req);
}

/* remote-fix 10: an entry names its server (a v2 line); a v1 line of an
 * older crm loads with no server and is for any server. */
static void
an_entry_names_its_server_and_old_ones_are_for_any(void **state)
{
	(void)state;
	uint8_t req[4] = { 1, 2, 3, 4 };
	char *p = outbox_path();
	unlink(p);
	struct outbox_entry a, b;
	entry(&a, 0, req, sizeof(req));
	a.server = (char *)"ssh://crm@h/7072";
	entry(&b, 1, req, sizeof(req));
	b.server = NULL; /* as an older crm wrote it: a v1 line */
	assert_crm_ok(outbox_add(&a));
	assert_crm_ok(outbox_add(&b));
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 2);
	assert_int_equal(ob.ndamaged, 0);
	assert_string_equal(ob.v[0].server, "ssh://crm@h/7072");
	assert_null(ob.v[1].server);
	assert_true(outbox_for(&ob.v[0], "ssh://crm@h/7072"));
	assert_false(outbox_for(&ob.v[0], "ipc:///run/crm/crmd.ipc"));
	assert_true(outbox_for(&ob.v[1], "ipc:///run/crm/crmd.ipc"));
	outbox_free(&ob);
	/* Compaction keeps the server. */
	assert_crm_ok(outbox_remove(b.id));
	assert_crm_ok(outbox_compact());
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 1);
	assert_string_equal(ob.v[0].server, "ssh://crm@h/7072");
	outbox_free(&ob);
	FILE *f = fopen(p, "r");
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "v2 "));
	unlink(p);
	free(p);
}

/* A write crmd refused stays, marked with its answer (the last mark
 * counts), through a compaction, until it is removed. */
static void
a_refused_entry_stays_marked_through_compaction(void **state)
{
	(void)state;
	uint8_t req[4] = { 1, 2, 3, 4 };
	char *p = outbox_path();
	unlink(p);
	struct outbox_entry a, b;
	entry(&a, 0, req, sizeof(req));
	entry(&b, 1, req, sizeof(req));
	assert_crm_ok(outbox_add(&a));
	assert_crm_ok(outbox_add(&b));
	assert_crm_ok(outbox_refuse(a.id, CRM_NOT_FOUND, "no customer x"));
	assert_crm_ok(outbox_refuse(
	    a.id, CRM_NOT_FOUND, "no customer named \"13800138000\""));
	struct outbox ob;
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 2);
	assert_int_equal(ob.ndamaged, 0);
	assert_int_equal(ob.v[0].refused, CRM_NOT_FOUND);
	assert_string_equal(ob.v[0].why, "no customer named \"13800138000\"");
	assert_int_equal(ob.v[1].refused, 0);
	assert_null(ob.v[1].why);
	outbox_free(&ob);
	assert_crm_ok(outbox_remove(b.id));
	assert_crm_ok(outbox_compact());
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 1);
	assert_int_equal(ob.v[0].refused, CRM_NOT_FOUND);
	assert_string_equal(ob.v[0].why, "no customer named \"13800138000\"");
	outbox_free(&ob);
	FILE *f = fopen(p, "r");
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	char *r = strstr(buf, "\nr1 ");
	assert_non_null(r);
	assert_null(strstr(r + 1, "\nr1 ")); /* compacted: one mark */
	assert_crm_ok(outbox_remove(a.id));
	assert_crm_ok(outbox_load(&ob));
	assert_int_equal(ob.n, 0);
	outbox_free(&ob);
	unlink(p);
	free(p);
}

/* A follow-up request as the shell packs it: id, made_at and token as
 * given, happened_at when at > 0. Caller frees *buf. */
/* The next due time pack_log gives its follow-up (0: none). */
static int64_t pack_next_due;

static void
pack_log(uint8_t idb, int64_t made, int64_t at, const char *channel_sum,
    void **buf, size_t *len)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	memset(id, idb, sizeof(id));
	uint8_t tok[4] = { idb, 1, 2, 3 };
	Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
	Crm__V1__FollowupLogRequest body = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	f.customer = (char *)"丙公司";
	f.summary = (char *)channel_sum;
	if (at > 0) {
		f.has_happened_at = 1;
		f.happened_at = at;
	}
	if (pack_next_due != 0) {
		f.has_next_due_at = 1;
		f.next_due_at = pack_next_due;
	}
	body.followup = &f;
	req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	req.followup_log = &body;
	req.has_request_id = 1;
	req.request_id.data = id;
	req.request_id.len = sizeof(id);
	req.has_session_token = 1;
	req.session_token.data = tok;
	req.session_token.len = sizeof(tok);
	if (made > 0) {
		req.has_made_at = 1;
		req.made_at = made;
	}
	*len = protobuf_c_message_get_packed_size(&req.base);
	*buf = malloc(*len);
	assert_non_null(*buf);
	protobuf_c_message_pack(&req.base, *buf);
}

static bool
same(int64_t kept_made, int64_t kept_at, const char *kept_sum,
    int64_t typed_made, int64_t typed_at, const char *typed_sum)
{
	void *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	pack_log(1, 0, kept_at, kept_sum, &a, &al);
	pack_log(2, typed_made, typed_at, typed_sum, &b, &bl);
	bool r = outbox_same_write(a, al, kept_made, b, bl, typed_made);
	free(a);
	free(b);
	return r;
}

static void
a_write_typed_again_is_the_same_without_its_envelope(void **state)
{
	(void)state;
	int64_t t = 1796612400; /* 2026-12-07 10:00 +08:00 */
	/* Another id, token, made_at and the moment each was typed. */
	assert_true(same(t, t, "回访满意度", t + 600, t + 600, "回访满意度"));
	/* Typed field by field: the time was taken before the questions. */
	assert_true(same(t, t - 60, "回访", t + 600, t + 500, "回访"));
	/* Typed again more than 15 minutes on: another call. */
	assert_false(
	    same(t, t, "回访满意度", t + 1800, t + 1800, "回访满意度"));
	assert_true(same(t, t, "回访", t + 900, t + 900, "回访"));
	/* Any field the rep gave differs: another write. */
	assert_false(same(t, t, "回访满意度", t + 1200, t + 1200, "回访"));
	/* A time given with --at (not the moment typed) is a field. */
	assert_false(same(t, t, "回访", t + 7200, t - 3600, "回访"));
	assert_true(same(t, t - 7200, "回访", t + 600, t - 7200, "回访"));
	/* Nothing decodes as a request: no match. */
	assert_false(outbox_same_write("\xff\xff", 2, t, "\xff\xff", 2, t));
}

/* A due time typed relative to the moment (--due +2d) comes out later by
 * as much as the retype: the same write (a tester's retype 5 minutes on
 * stored the follow-up and its commitment twice). */
static bool
same_due(
    int64_t kept_made, int64_t kept_due, int64_t typed_made, int64_t typed_due)
{
	void *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	pack_next_due = kept_due;
	pack_log(1, 0, kept_made, "回访", &a, &al);
	pack_next_due = typed_due;
	pack_log(2, typed_made, typed_made, "回访", &b, &bl);
	pack_next_due = 0;
	bool r = outbox_same_write(a, al, kept_made, b, bl, typed_made);
	free(a);
	free(b);
	return r;
}

static void
a_relative_due_typed_again_is_the_same(void **state)
{
	(void)state;
	int64_t t = 1796612400, d2 = 2 * 86400;
	assert_true(same_due(t, t + d2, t + 300, t + 300 + d2)); /* +2d */
	assert_true(same_due(t, t + d2, t + 300, t + d2));       /* a date */
	assert_false(same_due(t, t + d2, t + 300, t + 3 * 86400));
	/* Later than 15 minutes: another call whatever its due. */
	assert_false(same_due(t, t + d2, t + 1800, t + 1800 + d2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    kept_requests_are_the_writes_with_stored_replies),
		cmocka_unit_test(entries_come_back_as_they_went_in),
		cmocka_unit_test(a_damaged_line_is_reported_and_kept),
		cmocka_unit_test(processes_adding_at_once_lose_nothing),
		cmocka_unit_test(
		    settled_writes_are_compacted_and_a_torn_line_is_ended),
		cmocka_unit_test(settled_big_writes_are_compacted_by_size),
		cmocka_unit_test(sessions_seen_say_whose_a_session_is),
		cmocka_unit_test(
		    an_entry_names_its_server_and_old_ones_are_for_any),
		cmocka_unit_test(
		    a_refused_entry_stays_marked_through_compaction),
		cmocka_unit_test(
		    a_write_typed_again_is_the_same_without_its_envelope),
		cmocka_unit_test(a_relative_due_typed_again_is_the_same),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
