/* SPDX-License-Identifier: MIT */
/*
 * acksync_test.c: no reply leaves crmd before the commit that holds its
 * write has synced (issue 6, test 2). crmd runs with acksync_shim.so
 * preloaded; four clients log 1,000 follow-ups; the shim's counters must
 * show every commit synced and no reply sent by a thread holding applied
 * but uncommitted mutations.
 */
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"

#ifndef ACKSYNC_SHIM
#error "ACKSYNC_SHIM must name the shim"
#endif

#define WRITES  1000
#define CLIENTS 4

static struct crm_test_server srv;

struct client {
	uint64_t customer;
	int ok;
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	int s = nn_socket(AF_SP, NN_REQ), tmo = 10000;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_connect(s, srv.url);
	for (int i = 0; i < WRITES / CLIENTS; i++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__FollowupLogRequest lr =
		    CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
		Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
		uint8_t id[CRM_REQUEST_ID_LEN];
		crm_wire_request_id(id);
		f.has_customer_id = 1;
		f.customer_id = c->customer;
		f.summary = "synced?";
		lr.followup = &f;
		req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
		req.followup_log = &lr;
		req.has_protocol_version = req.has_request_id = 1;
		req.has_session_token = 1;
		req.protocol_version = CRM_PROTOCOL_VERSION;
		req.request_id.data = id;
		req.request_id.len = sizeof(id);
		req.session_token.data = srv.token;
		req.session_token.len = srv.token_len;
		size_t len;
		uint8_t *buf = crm_wire_pack_alloc(&req.base, &len);
		void *msg = NULL;
		int n = -1;
		if (nn_send(s, buf, len, 0) >= 0) {
			n = nn_recv(s, &msg, NN_MSG, 0);
		}
		free(buf);
		Crm__V1__Response *r = NULL;
		if (n >= 0 &&
		    crm_wire_unpack_response(msg, (size_t)n, &r) == CRM_OK) {
			c->ok += crm_wire_status(r) == CRM_OK;
			crm__v1__response__free_unpacked(r, NULL);
		}
		if (n >= 0) {
			nn_freemsg(msg);
		}
	}
	nn_close(s);
	return NULL;
}

static unsigned long
counter(const char *file, const char *name)
{
	FILE *f = fopen(file, "r");
	char key[64];
	unsigned long v, found = (unsigned long)-1;
	assert_non_null(f);
	while (fscanf(f, "%63s %lu", key, &v) == 2) {
		if (strcmp(key, name) == 0) {
			found = v;
		}
	}
	fclose(f);
	if (found == (unsigned long)-1) {
		fail_msg("no counter %s in %s", name, file);
	}
	return found;
}

static void
replies_wait_for_the_sync(void **state)
{
	(void)state;
	char out[64];
	snprintf(out, sizeof(out), "/tmp/crm-acksync-%ld.txt", (long)getpid());
	setenv("LD_PRELOAD", ACKSYNC_SHIM, 1);
	setenv("ACKSYNC_OUT", out, 1);
	crm_test_server_start(&srv);
	unsetenv("LD_PRELOAD");
	assert_crm_ok(crm_test_login(&srv, "admin", "admin-pw"));
	struct client cs[CLIENTS];
	pthread_t th[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerAddRequest a =
		    CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
		Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
		char name[32];
		snprintf(name, sizeof(name), "sync customer %d", i);
		c.name = name;
		a.customer = &c;
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
		req.customer_add = &a;
		Crm__V1__Response *r = crm_test_call(&srv, &req);
		assert_crm_ok(crm_wire_status(r));
		cs[i].customer = r->customer->customer->id;
		cs[i].ok = 0;
		crm__v1__response__free_unpacked(r, NULL);
	}
	for (int i = 0; i < CLIENTS; i++) {
		assert_int_equal(
		    pthread_create(&th[i], NULL, client_main, &cs[i]), 0);
	}
	int ok = 0;
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(th[i], NULL);
		ok += cs[i].ok;
	}
	crm_test_server_stop(&srv);
	unsigned long commits = counter(out, "writing");
	unsigned long puts = counter(out, "puts");
	unsigned long syncs = counter(out, "syncs");
	unsigned long violations = counter(out, "violations");
	unsigned long unsynced = counter(out, "unsynced");
	fprintf(stderr,
	    "ack after sync: %d writes acknowledged; %lu commits with "
	    "writes (%.1f puts and deletes each), %lu syncs; %lu replies "
	    "before their sync, %lu commits without a sync\n",
	    ok, commits, commits ? (double)puts / (double)commits : 0, syncs,
	    violations, unsynced);
	remove(out);
	assert_int_equal(ok, WRITES);
	assert_true(puts >= WRITES);
	assert_true(commits > 0 && syncs >= commits);
	assert_int_equal(violations, 0);
	assert_int_equal(unsynced, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replies_wait_for_the_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
