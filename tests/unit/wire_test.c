/* SPDX-License-Identifier: MIT */
/*
 * wire_test.c: the envelope helpers of common/crm_wire.c: packing and
 * unpacking round trips, hostile input, the bounded arena, request ids.
 */
#include "crm_test.h"

#include <nanomsg/nn.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "crm_wire_nul.h"

/* A Request carrying a customer_add body, built on the caller's stack. */
struct sample {
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest add;
	Crm__V1__Customer cust;
	uint8_t id[CRM_REQUEST_ID_LEN];
	char *tags[2];
};

static void
sample_init(struct sample *s)
{
	crm__v1__request__init(&s->req);
	crm__v1__customer_add_request__init(&s->add);
	crm__v1__customer__init(&s->cust);
	crm_wire_request_id(s->id);
	s->tags[0] = "制造";
	s->tags[1] = "east";
	s->cust.name = "华东机电有限公司";
	s->cust.has_kind = 1;
	s->cust.kind = CRM__V1__CUSTOMER_KIND__KIND_COMPANY;
	s->cust.has_grade = 1;
	s->cust.grade = CRM__V1__GRADE__GRADE_S;
	s->cust.n_tags = 2;
	s->cust.tags = s->tags;
	s->add.customer = &s->cust;
	s->add.owner = "li";
	s->req.has_protocol_version = 1;
	s->req.protocol_version = CRM_PROTOCOL_VERSION;
	s->req.has_request_id = 1;
	s->req.request_id.data = s->id;
	s->req.request_id.len = CRM_REQUEST_ID_LEN;
	s->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	s->req.customer_add = &s->add;
}

static void
a_request_survives_pack_and_unpack(void **state)
{
	(void)state;
	struct sample s;
	sample_init(&s);
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&s.req.base, &len);
	assert_true(len > 0);

	crm_arena arena;
	crm_arena_init(&arena, 64 * 1024);
	Crm__V1__Request *got = NULL;
	assert_crm_ok(crm_wire_unpack_request(&arena, buf, len, &got));
	assert_non_null(got);
	assert_int_equal(got->protocol_version, CRM_PROTOCOL_VERSION);
	assert_int_equal(got->request_id.len, CRM_REQUEST_ID_LEN);
	assert_memory_equal(got->request_id.data, s.id, CRM_REQUEST_ID_LEN);
	assert_int_equal(got->body_case, CRM__V1__REQUEST__BODY_CUSTOMER_ADD);
	assert_string_equal(got->customer_add->owner, "li");
	const Crm__V1__Customer *c = got->customer_add->customer;
	assert_string_equal(c->name, "华东机电有限公司");
	assert_int_equal(c->kind, CRM__V1__CUSTOMER_KIND__KIND_COMPANY);
	assert_int_equal(c->grade, CRM__V1__GRADE__GRADE_S);
	assert_int_equal(c->n_tags, 2);
	assert_string_equal(c->tags[0], "制造");
	assert_string_equal(
	    crm_wire_body_name(got->body_case), "customer_add");

	/* The arena is reusable after a reset. */
	crm_arena_reset(&arena);
	assert_crm_ok(crm_wire_unpack_request(&arena, buf, len, &got));
	crm_arena_fini(&arena);
	free(buf);
}

static void
pack_nn_gives_the_same_bytes_as_pack_alloc(void **state)
{
	(void)state;
	struct sample s;
	sample_init(&s);
	size_t len_a, len_n;
	uint8_t *a = crm_wire_pack_alloc(&s.req.base, &len_a);
	void *n = NULL;
	assert_crm_ok(crm_wire_pack_nn(&s.req.base, &n, &len_n));
	assert_int_equal(len_a, len_n);
	assert_memory_equal(a, n, len_a);
	nn_freemsg(n);
	free(a);
}

static void
an_empty_request_packs_to_nothing_and_unpacks_as_unset(void **state)
{
	(void)state;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&req.base, &len);
	assert_int_equal(len, 0);
	crm_arena arena;
	crm_arena_init(&arena, 4096);
	Crm__V1__Request *got = NULL;
	assert_crm_ok(crm_wire_unpack_request(&arena, buf, len, &got));
	assert_int_equal(got->body_case, CRM__V1__REQUEST__BODY__NOT_SET);
	assert_string_equal(crm_wire_body_name(got->body_case), "unset");
	crm_arena_fini(&arena);
	free(buf);
}

static void
garbage_bytes_are_invalid_not_a_crash(void **state)
{
	(void)state;
	static const uint8_t samples[][8] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x12, 0x7f, 0x01, 0x02 }, /* request_id: 127 bytes, 2 */
		{ 0x52, 0x05, 0x0a, 0x10 }, /* hello: truncated */
		{ 0x08, 0x80, 0x80, 0x80, 0x80 }, /* version: unended varint */
		{ 0x07 },                         /* field 0, bad wire type */
	};
	static const size_t lens[] = { 8, 4, 4, 5, 1 };
	crm_arena arena;
	crm_arena_init(&arena, 64 * 1024);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		Crm__V1__Request *got = NULL;
		crm_arena_reset(&arena);
		assert_crm_err(
		    crm_wire_unpack_request(&arena, samples[i], lens[i], &got),
		    CRM_EINVAL);
		assert_null(got);
	}
	crm_arena_fini(&arena);

	Crm__V1__Response *resp = NULL;
	assert_crm_err(
	    crm_wire_unpack_response(samples[0], 8, &resp), CRM_EINVAL);
	assert_null(resp);
}

static void
a_message_bigger_than_the_arena_is_too_big(void **state)
{
	(void)state;
	/* 1000 tags of 100 bytes: about 100 KiB unpacked. */
	enum { N = 1000 };
	static char tag[101];
	static char *tags[N];
	memset(tag, 'x', 100);
	for (int i = 0; i < N; i++) {
		tags[i] = tag;
	}
	struct sample s;
	sample_init(&s);
	s.cust.n_tags = N;
	s.cust.tags = tags;
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&s.req.base, &len);

	crm_arena small;
	crm_arena_init(&small, 4096);
	Crm__V1__Request *got = NULL;
	assert_crm_err(
	    crm_wire_unpack_request(&small, buf, len, &got), CRM_TOO_BIG);
	assert_true(small.exhausted);
	assert_true(small.used <= small.size);

	/* After a reset the same arena unpacks a small message. */
	crm_arena_reset(&small);
	struct sample ok;
	sample_init(&ok);
	size_t len2;
	uint8_t *buf2 = crm_wire_pack_alloc(&ok.req.base, &len2);
	assert_crm_ok(crm_wire_unpack_request(&small, buf2, len2, &got));
	crm_arena_fini(&small);
	free(buf2);
	free(buf);
}

static void
request_ids_differ(void **state)
{
	(void)state;
	uint8_t a[CRM_REQUEST_ID_LEN], b[CRM_REQUEST_ID_LEN];
	static const uint8_t zero[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(a);
	crm_wire_request_id(b);
	assert_memory_not_equal(a, b, CRM_REQUEST_ID_LEN);
	assert_memory_not_equal(a, zero, CRM_REQUEST_ID_LEN);
}

static void
a_response_status_survives_the_round_trip(void **state)
{
	(void)state;
	Crm__V1__Response resp = CRM__V1__RESPONSE__INIT;
	Crm__V1__Status st;
	/* absent is never OK (protocol 1.0): it reads UNKNOWN */
	assert_crm_err(crm_wire_status(&resp), CRM_UNKNOWN);
	crm_wire_set_status(&resp, &st, CRM_UNAVAILABLE, NULL);
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&resp.base, &len);
	Crm__V1__Response *got = NULL;
	assert_crm_ok(crm_wire_unpack_response(buf, len, &got));
	assert_crm_err(crm_wire_status(got), CRM_UNAVAILABLE);
	assert_true(got->status->has_retryable && got->status->retryable);
	assert_string_equal(
	    got->status->message, crm_strerror(CRM_UNAVAILABLE));
	crm__v1__response__free_unpacked(got, NULL);
	free(buf);

	Crm__V1__Response r2 = CRM__V1__RESPONSE__INIT;
	crm_wire_set_status(&r2, &st, CRM_NOT_FOUND, "no such customer: 7");
	assert_crm_err(crm_wire_status(&r2), CRM_NOT_FOUND);
	assert_string_equal(r2.status->message, "no such customer: 7");
	assert_false(r2.status->has_retryable);
}

/* The request id is found in bytes that do not decode as a whole: a bad
 * field after it, a message cut short, an unknown wire type; not in
 * garbage or when it is not 16 bytes. */
static void
a_request_id_is_read_from_bytes_that_do_not_decode(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = 0;
	b[n++] = 0x08; /* protocol_version = 1 */
	b[n++] = 0x01;
	b[n++] = 0x12; /* request_id, 16 bytes */
	b[n++] = 16;
	for (int i = 0; i < 16; i++) {
		b[n++] = (uint8_t)('a' + i);
	}
	size_t whole = n;
	b[n++] = 0x52; /* hello (10): length 40, cut short */
	b[n++] = 40;
	b[n++] = 0x00;
	ProtobufCBinaryData id;
	assert_int_equal(crm_wire_peek_request_id(b, n, &id), 1);
	assert_int_equal(id.len, 16);
	assert_memory_equal(id.data, "abcdefghijklmnop", 16);
	Crm__V1__Response *r = NULL;
	assert_int_not_equal(crm_wire_unpack_response(b, n, &r), CRM_OK);
	/* the whole prefix decodes too: the same id */
	assert_int_equal(crm_wire_peek_request_id(b, whole, &id), 1);
	/* an id of another length is not a request id */
	b[3] = 4;
	assert_int_equal(crm_wire_peek_request_id(b, 8, &id), 0);
	assert_null(id.data);
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff };
	assert_int_equal(
	    crm_wire_peek_request_id(garbage, sizeof(garbage), &id), 0);
	assert_int_equal(crm_wire_peek_request_id(b, 0, &id), 0);
}

/* Bytes of needle inside hay, or NULL. */
static uint8_t *
find_bytes(uint8_t *hay, size_t n, const char *needle)
{
	size_t l = strlen(needle);
	for (size_t i = 0; i + l <= n; i++) {
		if (memcmp(hay + i, needle, l) == 0) {
			return hay + i;
		}
	}
	return NULL;
}

static void
a_nul_in_any_string_field_is_found_on_the_wire(void **state)
{
	(void)state;
	struct sample s;
	sample_init(&s);
	s.cust.notes = "aXb";
	s.id[3] = 0; /* a NUL in a bytes field is fine */
	size_t len;
	uint8_t *buf = crm_wire_pack_alloc(&s.req.base, &len);
	char where[128];
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	assert_crm_ok(crm_wire_nul_check(d, buf, len, where, sizeof(where)));
	assert_string_equal(where, "");

	/* notes "a\0b": two levels down */
	uint8_t *x = find_bytes(buf, len, "aXb");
	assert_non_null(x);
	x[1] = 0;
	assert_crm_err(
	    crm_wire_nul_check(d, buf, len, where, sizeof(where)), CRM_EINVAL);
	assert_string_equal(where, "customer_add.customer.notes");
	x[1] = 'X';

	/* a repeated string (the second tag, named with its index), and one
	 * directly in the body */
	x = find_bytes(buf, len, "east");
	x[2] = 0;
	assert_crm_err(
	    crm_wire_nul_check(d, buf, len, where, sizeof(where)), CRM_EINVAL);
	assert_string_equal(where, "customer_add.customer.tags[1]");
	x[2] = 's';
	x = find_bytes(buf, len, "li");
	while (x != NULL && x[-1] != 2) { /* the owner: length 2 */
		x = find_bytes(x + 1, len - (size_t)(x + 1 - buf), "li");
	}
	assert_non_null(x);
	x[1] = 0;
	assert_crm_err(
	    crm_wire_nul_check(d, buf, len, where, sizeof(where)), CRM_EINVAL);
	assert_string_equal(where, "customer_add.owner");
	x[1] = 'i';

	/* truncated or garbage bytes are left to the unpacker */
	assert_crm_ok(
	    crm_wire_nul_check(d, buf, len - 3, where, sizeof(where)));
	const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0x0b, 0x00 };
	assert_crm_ok(
	    crm_wire_nul_check(d, junk, sizeof(junk), where, sizeof(where)));
	/* a tiny where still finds it, cut */
	x = find_bytes(buf, len, "aXb");
	x[1] = 0;
	char tiny[4];
	assert_crm_err(
	    crm_wire_nul_check(d, buf, len, tiny, sizeof(tiny)), CRM_EINVAL);
	assert_string_equal(tiny, "cus");
	free(buf);

	/* login "zhang\0anything" and a password with "\0trailing" */
	Crm__V1__Request r = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest lg = CRM__V1__LOGIN_REQUEST__INIT;
	lg.login = "zhangXanything";
	lg.password = "pw";
	r.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	r.login = &lg;
	buf = crm_wire_pack_alloc(&r.base, &len);
	find_bytes(buf, len, "zhangX")[5] = 0;
	assert_crm_err(
	    crm_wire_nul_check(d, buf, len, where, sizeof(where)), CRM_EINVAL);
	assert_string_equal(where, "login.login");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_request_survives_pack_and_unpack),
		cmocka_unit_test(pack_nn_gives_the_same_bytes_as_pack_alloc),
		cmocka_unit_test(
		    an_empty_request_packs_to_nothing_and_unpacks_as_unset),
		cmocka_unit_test(garbage_bytes_are_invalid_not_a_crash),
		cmocka_unit_test(a_message_bigger_than_the_arena_is_too_big),
		cmocka_unit_test(request_ids_differ),
		cmocka_unit_test(a_response_status_survives_the_round_trip),
		cmocka_unit_test(
		    a_request_id_is_read_from_bytes_that_do_not_decode),
		cmocka_unit_test(
		    a_nul_in_any_string_field_is_found_on_the_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
