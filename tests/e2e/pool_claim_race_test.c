/* SPDX-License-Identifier: MIT */
/*
 * pool_claim_race_test.c: two reps claim the same pool customer at once
 * (issue 16). Against a real crmd, li and zhao each on their own socket
 * send pool.claim for the customer their manager just released, both
 * requests on the wire before either reply is read. Exactly one wins;
 * the other gets FAILED_PRECONDITION naming who has it, and the customer
 * is the winner's. 20 rounds, each bounded by the harness's reply
 * timeout.
 */
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_test.h"
#include "harness.h"

#define ROUNDS 20

/* A second session on the same server: its own socket. */
static void
session(struct crm_test_server *out, const struct crm_test_server *s,
    const char *who)
{
	*out = *s;
	out->pid = 0; /* never stopped through this copy */
	out->token_len = 0;
	out->sock = nn_socket(AF_SP, NN_REQ);
	assert_true(out->sock >= 0);
	int tmo = 10000;
	nn_setsockopt(
	    out->sock, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(
	    out->sock, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo, sizeof(tmo));
	assert_true(nn_connect(out->sock, s->url) >= 0);
	crm_test_login_as(out, who);
}

/* Pack a pool.claim of id with s's session and a fresh request id. */
static uint8_t *
claim_packed(struct crm_test_server *s, uint64_t id, size_t *len)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PoolClaimRequest c = CRM__V1__POOL_CLAIM_REQUEST__INIT;
	uint8_t rid[CRM_REQUEST_ID_LEN];
	crm_wire_request_id(rid);
	req.has_request_id = 1;
	req.request_id.data = rid;
	req.request_id.len = sizeof(rid);
	req.has_session_token = 1;
	req.session_token.data = s->token;
	req.session_token.len = s->token_len;
	req.has_protocol_version = 1;
	req.protocol_version = CRM_PROTOCOL_VERSION;
	c.has_id = 1;
	c.id = id;
	req.body_case = CRM__V1__REQUEST__BODY_POOL_CLAIM;
	req.pool_claim = &c;
	return crm_wire_pack_alloc(&req.base, len);
}

static Crm__V1__Response *
receive(struct crm_test_server *s)
{
	void *buf = NULL;
	int n = nn_recv(s->sock, &buf, NN_MSG, 0);
	assert_true(n > 0);
	Crm__V1__Response *r = NULL;
	assert_crm_ok(crm_wire_unpack_response(buf, (size_t)n, &r));
	nn_freemsg(buf);
	return r;
}

static uint64_t
owner_of(struct crm_test_server *s, uint64_t id)
{
	Crm__V1__Request req;
	Crm__V1__CustomerGetRequest g;
	crm_test_customer_get_init(&req, &g, id);
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t owner = r->customer->customer->owner_id;
	crm__v1__response__free_unpacked(r, NULL);
	return owner;
}

static uint64_t
user_id(struct crm_test_server *s)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__WhoamiRequest w = CRM__V1__WHOAMI_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &w;
	Crm__V1__Response *r = crm_test_call(s, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->user->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

static void
two_reps_claim_one_customer_one_wins(void **state)
{
	(void)state;
	struct crm_test_server s, li, zhao, wang;
	crm_test_server_start(&s);
	crm_test_login_as(&s, "admin");
	crm_test_add_people(&s, "li", "zhao", "wang", NULL);
	session(&li, &s, "li");
	session(&zhao, &s, "zhao");
	session(&wang, &s, "wang");
	uint64_t li_id = user_id(&li), zhao_id = user_id(&zhao);
	unsigned wins[2] = { 0, 0 };
	for (int round = 0; round < ROUNDS; round++) {
		char name[64];
		snprintf(name, sizeof(name), "公海客户 %d", round);
		uint64_t id = crm_test_add_customer(&wang, name);
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerReleaseRequest rel =
		    CRM__V1__CUSTOMER_RELEASE_REQUEST__INIT;
		rel.has_id = 1;
		rel.id = id;
		rel.reason = "race";
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_RELEASE;
		req.customer_release = &rel;
		crm_test_ok(&wang, &req);
		assert_int_equal(owner_of(&wang, id), 0);

		/* Both on the wire before either reply is read; the order
		 * alternates. */
		struct crm_test_server *first = round % 2 ? &zhao : &li;
		struct crm_test_server *second = round % 2 ? &li : &zhao;
		size_t l1, l2;
		uint8_t *m1 = claim_packed(first, id, &l1);
		uint8_t *m2 = claim_packed(second, id, &l2);
		assert_int_equal(nn_send(first->sock, m1, l1, 0), (int)l1);
		assert_int_equal(nn_send(second->sock, m2, l2, 0), (int)l2);
		free(m1);
		free(m2);
		Crm__V1__Response *r1 = receive(first);
		Crm__V1__Response *r2 = receive(second);
		crm_status c1 = crm_wire_status(r1), c2 = crm_wire_status(r2);
		/* One wins, the other is told who has it. */
		assert_true((c1 == CRM_OK) != (c2 == CRM_OK));
		Crm__V1__Response *lost = c1 == CRM_OK ? r2 : r1;
		int li_won = (c1 == CRM_OK) == (first == &li);
		assert_int_equal(crm_wire_status(lost), CRM_EPRECOND);
		const char *msg = lost->status->message;
		char want[64];
		snprintf(
		    want, sizeof(want), "%s has it", li_won ? "li" : "zhao");
		if (strstr(msg, want) == NULL) {
			fail_msg("loser's message '%s' lacks '%s'", msg, want);
		}
		assert_int_equal(
		    owner_of(&wang, id), li_won ? li_id : zhao_id);
		wins[li_won ? 0 : 1]++;
		crm__v1__response__free_unpacked(r1, NULL);
		crm__v1__response__free_unpacked(r2, NULL);
	}
	printf("pool claim race: li won %u, zhao won %u of %d\n", wins[0],
	    wins[1], ROUNDS);
	nn_close(li.sock);
	nn_close(zhao.sock);
	nn_close(wang.sock);
	crm_test_server_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_reps_claim_one_customer_one_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
