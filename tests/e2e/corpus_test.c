/* SPDX-License-Identifier: MIT */
/*
 * corpus_test.c: the golden protocol corpus (tests/data/protocol, written
 * once by tools/gen-protocol-corpus) against the current code. Every
 * recorded request and reply decodes and validates; every request type of
 * crm.proto has a recorded request; replayed in order on a fresh crmd,
 * with unknown fields added to the envelope and to the body, every
 * request is answered as recorded (status and reply type); and a request
 * body the server does not know answers UNIMPLEMENTED.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_test.h"
#include "harness.h"

#ifndef CORPUS_DIR
#error "CORPUS_DIR must name tests/data/protocol"
#endif

#define MAX_STEPS 512
#define MAX_FILE  (1024 * 1024)
/* Recorded logins the replay maps to its own sessions: every new corpus
 * step starts with its own login (tests/data/protocol/README.md), so this
 * grows with the corpus. */
#define MAX_LOGINS 256
#define MAX_TOKEN  64

struct step {
	char name[64]; /* the Request oneof field, e.g. "customer_add" */
	char base[96]; /* "011-customer_add" */
	uint8_t *req, *reply; /* reply NULL: none recorded */
	size_t req_len, reply_len;
};

static struct step steps[MAX_STEPS];
static size_t n_steps;
static struct crm_test_server srv;

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	uint8_t *buf = malloc(MAX_FILE);
	*len = fread(buf, 1, MAX_FILE, f);
	fclose(f);
	assert_true(*len < MAX_FILE);
	return buf;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(
	    ((const struct step *)a)->base, ((const struct step *)b)->base);
}

static int
setup(void **state)
{
	(void)state;
	DIR *d = opendir(CORPUS_DIR);
	assert_non_null(d);
	struct dirent *e;
	char path[512];
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		const char *sfx = ".request.pb";
		size_t sl = strlen(sfx);
		if (n <= sl || strcmp(e->d_name + n - sl, sfx) != 0) {
			continue;
		}
		if (n_steps >= MAX_STEPS) {
			fail_msg("more than MAX_STEPS (%d) corpus requests: "
			         "raise MAX_STEPS in tests/e2e/corpus_test.c",
			    MAX_STEPS);
		}
		assert_true(n - sl < 96);
		struct step *s = &steps[n_steps++];
		memcpy(s->base, e->d_name, n - sl);
		s->base[n - sl] = '\0';
		const char *dash = strchr(s->base, '-');
		assert_non_null(dash);
		snprintf(s->name, sizeof(s->name), "%s", dash + 1);
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, e->d_name);
		s->req = slurp(path, &s->req_len);
		assert_non_null(s->req);
		snprintf(
		    path, sizeof(path), "%s/%s.reply.pb", CORPUS_DIR, s->base);
		s->reply = slurp(path, &s->reply_len);
	}
	closedir(d);
	qsort(steps, n_steps, sizeof(steps[0]), by_name);
	crm_test_server_start(&srv);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	for (size_t i = 0; i < n_steps; i++) {
		free(steps[i].req);
		free(steps[i].reply);
	}
	return 0;
}

static const char *
body_name(int c)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(
	        &crm__v1__request__descriptor, (unsigned)c);
	return f ? f->name : "?";
}

static void
every_recorded_message_decodes_and_validates(void **state)
{
	(void)state;
	assert_true(n_steps > 0);
	crm_arena a;
	crm_arena_init(&a, 1u << 20);
	size_t replies = 0;
	for (size_t i = 0; i < n_steps; i++) {
		const struct step *s = &steps[i];
		Crm__V1__Request *r;
		crm_arena_reset(&a);
		if (crm_wire_unpack_request(&a, s->req, s->req_len, &r) !=
		    CRM_OK) {
			fail_msg("%s.request.pb does not decode", s->base);
		}
		char why[256];
		if (crm_validate_message(&r->base, why, sizeof(why)) !=
		    CRM_OK) {
			fail_msg("%s.request.pb: %s", s->base, why);
		}
		if (strcmp(body_name(r->body_case), s->name) != 0) {
			fail_msg("%s.request.pb holds a %s request", s->base,
			    body_name(r->body_case));
		}
		assert_int_equal(r->protocol_version, CRM_PROTOCOL_VERSION);
		assert_int_equal(r->request_id.len, CRM_REQUEST_ID_LEN);
		if (s->reply == NULL) {
			continue;
		}
		replies++;
		Crm__V1__Response *p = NULL;
		if (crm_wire_unpack_response(s->reply, s->reply_len, &p) !=
		    CRM_OK) {
			fail_msg("%s.reply.pb does not decode", s->base);
		}
		assert_non_null(p->status);
		assert_int_equal(p->request_id.len, r->request_id.len);
		assert_memory_equal(
		    p->request_id.data, r->request_id.data, r->request_id.len);
		crm__v1__response__free_unpacked(p, NULL);
	}
	crm_arena_fini(&a);
	print_message("%zu requests, %zu replies\n", n_steps, replies);
}

static void
every_request_type_has_a_recorded_request(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		size_t n = 0;
		for (size_t j = 0; j < n_steps; j++) {
			n += strcmp(steps[j].name, f->name) == 0;
		}
		if (n == 0) {
			fail_msg(
			    "request %s (%u) has no file in %s: add steps "
			    "with tools/gen-protocol-corpus",
			    f->name, f->id, CORPUS_DIR);
		}
	}
}

/* Append v as a protobuf varint. */
static size_t
put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	return n;
}

/* Field 1999 (varint 7) and field 2000 (bytes "future"): no version of
 * crm.proto uses them. */
static size_t
put_unknown(uint8_t *p)
{
	size_t n = put_varint(p, (1999u << 3) | 0);
	n += put_varint(p + n, 7);
	n += put_varint(p + n, (2000u << 3) | 2);
	n += put_varint(p + n, 6);
	memcpy(p + n, "future", 6);
	return n + 6;
}

/* r packed with unknown fields in its body and after it; caller frees. */
static uint8_t *
pack_with_unknown(Crm__V1__Request *r, size_t *len)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(
	        &crm__v1__request__descriptor, (unsigned)r->body_case);
	assert_non_null(f);
	const ProtobufCMessage *body =
	    *(ProtobufCMessage *const *)((const char *)r + f->offset);
	size_t blen = protobuf_c_message_get_packed_size(body);
	Crm__V1__Request__BodyCase c = r->body_case;
	r->body_case = CRM__V1__REQUEST__BODY__NOT_SET;
	size_t elen = protobuf_c_message_get_packed_size(&r->base);
	uint8_t *out = malloc(elen + blen + 128);
	size_t n = protobuf_c_message_pack(&r->base, out);
	r->body_case = c;
	uint8_t b[64 * 1024];
	assert_true(blen + 64 < sizeof(b));
	size_t bn = protobuf_c_message_pack(body, b);
	bn += put_unknown(b + bn);
	n += put_varint(out + n, ((uint64_t)f->id << 3) | 2);
	n += put_varint(out + n, bn);
	memcpy(out + n, b, bn);
	n += bn;
	n += put_unknown(out + n);
	*len = n;
	return out;
}

/* Session tokens of the recording and of this run, by login. */
struct token_map {
	uint8_t golden[MAX_LOGINS][MAX_TOKEN], live[MAX_LOGINS][MAX_TOKEN];
	size_t golden_len[MAX_LOGINS], live_len[MAX_LOGINS];
	size_t n;
};

static void
replayed_with_unknown_fields_crmd_answers_as_recorded(void **state)
{
	(void)state;
	static struct token_map tm;
	for (size_t i = 0; i < n_steps; i++) {
		const struct step *s = &steps[i];
		Crm__V1__Request *r =
		    crm__v1__request__unpack(NULL, s->req_len, s->req);
		assert_non_null(r);
		ProtobufCBinaryData recorded = r->session_token;
		if (r->has_session_token) {
			size_t t = 0;
			while (t < tm.n &&
			       (tm.golden_len[t] != r->session_token.len ||
			           memcmp(tm.golden[t], r->session_token.data,
			               r->session_token.len) != 0)) {
				t++;
			}
			if (t == tm.n) {
				fail_msg(
				    "%s: a session no recorded login made",
				    s->base);
			}
			r->session_token.data = tm.live[t];
			r->session_token.len = tm.live_len[t];
		}
		size_t len;
		uint8_t *buf = pack_with_unknown(r, &len), *out;
		long n = crm_test_raw(&srv, buf, len, &out);
		free(buf);
		if (n < 0) {
			fail_msg("%s: no reply", s->base);
		}
		Crm__V1__Response *got = NULL;
		if (crm_wire_unpack_response(out, (size_t)n, &got) != CRM_OK) {
			fail_msg("%s: the reply does not decode", s->base);
		}
		free(out);
		assert_memory_equal(got->request_id.data, r->request_id.data,
		    r->request_id.len);
		crm_status code = crm_wire_status(got);
		if (s->reply == NULL) {
			print_message("%s: %s (no recorded reply)\n", s->base,
			    crm_strerror(code));
		} else {
			Crm__V1__Response *want = crm__v1__response__unpack(
			    NULL, s->reply_len, s->reply);
			assert_non_null(want);
			if (code != crm_wire_status(want) ||
			    got->body_case != want->body_case) {
				fail_msg("%s: got %s with reply body %d, "
				         "recorded %s with %d (%s)",
				    s->base, crm_strerror(code),
				    got->body_case,
				    crm_strerror(crm_wire_status(want)),
				    want->body_case,
				    got->status && got->status->message
				        ? got->status->message
				        : "");
			}
			if (r->body_case == CRM__V1__REQUEST__BODY_LOGIN &&
			    code == CRM_OK) {
				/* Later steps carry the recorded token: map
				 * it to this run's. */
				const ProtobufCBinaryData
				    *g = &want->login->session_token,
				    *l = &got->login->session_token;
				if (tm.n >= MAX_LOGINS) {
					fail_msg(
					    "%s: more than MAX_LOGINS (%d) "
					    "recorded logins: raise "
					    "MAX_LOGINS in "
					    "tests/e2e/corpus_test.c",
					    s->base, MAX_LOGINS);
				}
				if (g->len > MAX_TOKEN || l->len > MAX_TOKEN) {
					fail_msg("%s: a session token longer "
					         "than MAX_TOKEN (%d) bytes: "
					         "raise MAX_TOKEN in "
					         "tests/e2e/corpus_test.c",
					    s->base, MAX_TOKEN);
				}
				memcpy(tm.golden[tm.n], g->data, g->len);
				tm.golden_len[tm.n] = g->len;
				memcpy(tm.live[tm.n], l->data, l->len);
				tm.live_len[tm.n] = l->len;
				tm.n++;
			}
			crm__v1__response__free_unpacked(want, NULL);
		}
		crm__v1__response__free_unpacked(got, NULL);
		r->session_token = recorded; /* what unpack allocated */
		crm__v1__request__free_unpacked(r, NULL);
	}
	assert_true(tm.n > 0);
	assert_true(crm_test_server_alive(&srv));
}

/* The status of an envelope whose body is field `field`, empty. */
static crm_status
unknown_body_status(uint32_t field, int with_session)
{
	uint8_t buf[128];
	size_t n = 0;
	buf[n++] = 0x08; /* protocol_version = 1 */
	buf[n++] = 0x01;
	buf[n++] = 0x12; /* request_id, 16 bytes */
	buf[n++] = 16;
	memset(buf + n, 0x5a, 16);
	n += 16;
	if (with_session) {
		buf[n++] = 0x1a; /* session_token */
		buf[n++] = (uint8_t)srv.token_len;
		memcpy(buf + n, srv.token, srv.token_len);
		n += srv.token_len;
	}
	n += put_varint(buf + n, ((uint64_t)field << 3) | 2);
	buf[n++] = 0;
	uint8_t *out;
	long len = crm_test_raw(&srv, buf, n, &out);
	assert_true(len >= 0);
	Crm__V1__Response *r = NULL;
	assert_crm_ok(crm_wire_unpack_response(out, (size_t)len, &r));
	free(out);
	crm_status rc = crm_wire_status(r);
	assert_int_equal(r->body_case, CRM__V1__RESPONSE__BODY__NOT_SET);
	assert_int_equal(r->request_id.len, 16);
	if (rc != CRM_OK) {
		/* It names the field (a tester's 999 was said as 0). */
		char want[40];
		snprintf(want, sizeof(want), "body field %u", field);
		assert_non_null(r->status->message);
		assert_non_null(strstr(r->status->message, want));
	}
	crm__v1__response__free_unpacked(r, NULL);
	return rc;
}

static void
an_unknown_request_body_answers_unsupported(void **state)
{
	(void)state;
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	/* Unused numbers: next after 84, in the reserved 90-99 range, far
	 * away, and the largest field number there is. */
	static const uint32_t fields[] = { 85, 89, 91, 99, 1000, 536870911 };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (protobuf_c_message_descriptor_get_field(
		        &crm__v1__request__descriptor, fields[i]) != NULL) {
			continue;
		}
		assert_crm_err(
		    unknown_body_status(fields[i], 1), CRM_UNSUPPORTED);
		assert_crm_err(
		    unknown_body_status(fields[i], 0), CRM_UNSUPPORTED);
	}
	assert_true(crm_test_server_alive(&srv));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_recorded_message_decodes_and_validates),
		cmocka_unit_test(every_request_type_has_a_recorded_request),
		cmocka_unit_test(an_unknown_request_body_answers_unsupported),
		cmocka_unit_test(
		    replayed_with_unknown_fields_crmd_answers_as_recorded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
