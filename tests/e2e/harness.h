/* SPDX-License-Identifier: MIT */
/*
 * harness.h: end-to-end test support: start a real crmd on an ipc:// path
 * in a private temp folder (with an admin user "admin", password
 * "admin-pw"), talk to it with raw protobuf requests, stop it and remove
 * the folder. CRM_TEST_VALGRIND=1 runs crmd under valgrind,
 * CRM_TEST_WORKERS=N gives it N worker threads (default 2), and
 * CRM_TEST_SERVER=ipc://... targets a server started by hand instead.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crm.h"

struct crm_test_server {
	char dir[256];
	char url[300];
	pid_t pid; /* 0 for an external server */
	int sock;  /* an NN_REQ socket connected to url */
	uint8_t token[32];
	size_t token_len;
	const char *const *extra; /* more crmd arguments, NULL-terminated */
	char data[300];           /* the data folder */
};

/* crm_test_server_start: as above; fails the test on any error. */
void crm_test_server_start(struct crm_test_server *s);
/* crm_test_server_start_with: the same, crmd getting the extra arguments
 * (e.g. "--map-size", "1M", NULL) at every start. */
void crm_test_server_start_with(
    struct crm_test_server *s, const char *const *extra);
/* crm_test_server_open: start crmd on an existing data folder (a
 * backup), with the socket and log in a temp folder of its own. */
void crm_test_server_open(struct crm_test_server *s, const char *data);
/* crm_test_server_stop_keep: crm_test_server_stop, keeping the folder;
 * crm_test_server_cleanup removes it later. */
void crm_test_server_stop_keep(struct crm_test_server *s);
void crm_test_server_cleanup(struct crm_test_server *s);
/* crm_test_server_kill: SIGKILL and reap (a crash). */
void crm_test_server_kill(struct crm_test_server *s);
/* crm_test_server_restart: start crmd again on the same folder (after a
 * kill) and wait until it answers. */
void crm_test_server_restart(struct crm_test_server *s);
/* crm_test_server_stop: SIGTERM, wait (asserting a clean exit status),
 * remove the folder. */
void crm_test_server_stop(struct crm_test_server *s);
/* crm_test_server_alive: the process still runs and answers hello. */
int crm_test_server_alive(struct crm_test_server *s);

/*
 * crm_test_raw: send len bytes, receive the reply into a malloc'd buffer
 * (*out, caller frees), within 5 s. Returns the reply length, or -1 on a
 * timeout (no reply) with a fresh socket reconnected.
 */
long crm_test_raw(
    struct crm_test_server *s, const void *buf, size_t len, uint8_t **out);
/*
 * crm_test_raw_unanswered: send len raw bytes and wait ms for a reply
 * that must not come (a frame past the socket's cap drops the
 * connection): 1 when none came (the socket is replaced, as by
 * crm_test_raw), 0 when crmd answered. Waits ms, not the usual 5 s.
 */
int crm_test_raw_unanswered(
    struct crm_test_server *s, const void *buf, size_t len, int ms);

/*
 * crm_test_call: send req (request id and session token filled in when
 * unset) and return the decoded response (caller frees with
 * crm__v1__response__free_unpacked(r, NULL)). Fails the test on a
 * timeout or an undecodable reply.
 */
Crm__V1__Response *crm_test_call(
    struct crm_test_server *s, Crm__V1__Request *req);

/* crm_test_login: log in as login/password and keep the session in s.
 * Returns the status code. */
crm_status crm_test_login(
    struct crm_test_server *s, const char *login, const char *password);

/* crm_test_login_as: log in as who with the tests' convention of
 * passwords ("pw-<who>", the admin's "admin-pw"); fails the test
 * otherwise. */
void crm_test_login_as(struct crm_test_server *s, const char *who);

/* crm_test_clock_set: write t into the CRM_TEST_CLOCK file at path (the
 * server's now, in test builds). */
void crm_test_clock_set(const char *path, int64_t t);
/* crm_test_clock_open: a new temp folder for the test clock; path (len
 * bytes) gets its file's path, which CRM_TEST_CLOCK names for every crmd
 * and crm started after. crm_test_clock_close removes file and folder. */
void crm_test_clock_open(char *path, size_t len);
void crm_test_clock_close(const char *path);

/* crm_test_add_user: as the admin session in s, add a user. */
crm_status crm_test_add_user(struct crm_test_server *s, const char *login,
    const char *role, const char *team, const char *password);

/* crm_test_status: crm_test_call, returning only the reply's status. */
crm_status crm_test_status(struct crm_test_server *s, Crm__V1__Request *req);

/* crm_test_ok: crm_test_call, failing the test unless the reply is OK. */
void crm_test_ok(struct crm_test_server *s, Crm__V1__Request *req);

/* crm_test_raw_status: send len raw bytes as a request (crm_test_raw)
 * and return the status of the reply, which must decode; a refusal
 * must carry a message. Fails the test on a timeout. */
crm_status crm_test_raw_status(
    struct crm_test_server *s, const void *buf, size_t len);

/* crm_test_hello: a hello, asserted OK; the reply (caller frees). */
Crm__V1__Response *crm_test_hello(struct crm_test_server *s);

/* Typed request builders: each fills req and the body parts the caller
 * declared (no allocation; they live as long as the caller's), so a test
 * sets only what it is about, then sends &req.
 *   crm_test_customer_add_init: customer_add of customer c named name
 *   crm_test_customer_get_init: customer_get of customer id */
void crm_test_customer_add_init(Crm__V1__Request *req,
    Crm__V1__CustomerAddRequest *a, Crm__V1__Customer *c, const char *name);
void crm_test_customer_get_init(
    Crm__V1__Request *req, Crm__V1__CustomerGetRequest *g, uint64_t id);

/* crm_test_add_customer: as the session in s, add a customer named name
 * (asserted OK); its id. */
uint64_t crm_test_add_customer(struct crm_test_server *s, const char *name);

/* crm_test_add_people: as the admin session in s, add each login of the
 * NULL-terminated list with the tests' convention of people (password
 * "pw-<who>"): li, zhao (reps) and wang (manager) in team east; sun
 * (rep), chen and wu (managers) in team west. Fails the test otherwise. */
void crm_test_add_people(struct crm_test_server *s, ...);

/* A follow-up log request: crm_test_log_init fills req (its body in log
 * and f) for customer with summary; callers set more of f, a request id,
 * then send &l.req. */
struct crm_test_log {
	Crm__V1__Request req;
	Crm__V1__FollowupLogRequest log;
	Crm__V1__FollowUp f;
};
void crm_test_log_init(
    struct crm_test_log *l, uint64_t customer, const char *summary);

/* crm_test_request_id: req carries request id id (CRM_REQUEST_ID_LEN
 * bytes, kept by the caller). */
void crm_test_request_id(Crm__V1__Request *req, const uint8_t *id);

#endif
