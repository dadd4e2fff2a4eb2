/* SPDX-License-Identifier: MIT */
/*
 * conn.c: one benchmark client's REQ socket: send a request with a fresh
 * request id and the session token, wait for the reply with a deadline,
 * decode it. Like the shell, a request that got no reply is given up and
 * the socket replaced (a REQ socket would otherwise resend it forever).
 */
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int
bench_conn_open(struct bench_conn *c, const char *url)
{
	c->url = url;
	c->sock = nn_socket(AF_SP, NN_REQ);
	if (c->sock < 0) {
		return -1;
	}
	int tmo = BENCH_REPLY_TMO_MS, max = -1;
	/* Longer than any reply takes: a resend would only add load. */
	int resend = 10 * BENCH_REPLY_TMO_MS;
	nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo, sizeof(tmo));
	nn_setsockopt(
	    c->sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max));
	nn_setsockopt(
	    c->sock, NN_REQ, NN_REQ_RESEND_IVL, &resend, sizeof(resend));
	if (nn_connect(c->sock, url) < 0) {
		nn_close(c->sock);
		c->sock = -1;
		return -1;
	}
	return 0;
}

void
bench_conn_close(struct bench_conn *c)
{
	if (c->sock >= 0) {
		nn_close(c->sock);
	}
	c->sock = -1;
}

crm_status
bench_call(
    struct bench_conn *c, Crm__V1__Request *req, Crm__V1__Response **resp)
{
	uint8_t id[CRM_REQUEST_ID_LEN];
	*resp = NULL;
	crm_wire_request_id(id);
	req->has_request_id = 1;
	req->request_id.data = id;
	req->request_id.len = sizeof(id);
	req->has_protocol_version = 1;
	req->protocol_version = CRM_PROTOCOL_VERSION;
	if (c->token_len > 0) {
		req->has_session_token = 1;
		req->session_token.data = c->token;
		req->session_token.len = c->token_len;
	}
	void *buf;
	size_t len;
	if (crm_wire_pack_nn(&req->base, &buf, &len) != CRM_OK) {
		return CRM_INTERNAL;
	}
	req->request_id.data = NULL;
	req->has_request_id = 0;
	c->last_req = len;
	if (nn_send(c->sock, &buf, NN_MSG, 0) < 0) {
		nn_freemsg(buf);
		goto lost;
	}
	void *msg = NULL;
	int n = nn_recv(c->sock, &msg, NN_MSG, 0);
	if (n < 0) {
		goto lost;
	}
	c->last_reply = (size_t)n;
	crm_status rc = crm_wire_unpack_response(msg, (size_t)n, resp);
	nn_freemsg(msg);
	if (rc != CRM_OK) {
		return CRM_INTERNAL;
	}
	return crm_wire_status(*resp);
lost:
	bench_conn_close(c);
	bench_conn_open(c, c->url);
	return CRM_UNAVAILABLE;
}

crm_status
bench_login(struct bench_conn *c, const char *login, const char *password)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__LoginRequest l = CRM__V1__LOGIN_REQUEST__INIT;
	l.login = (char *)login;
	l.password = (char *)password;
	req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	req.login = &l;
	c->token_len = 0;
	Crm__V1__Response *r = NULL;
	crm_status rc = bench_call(c, &req, &r);
	if (rc == CRM_OK &&
	    (r->body_case != CRM__V1__RESPONSE__BODY_LOGIN ||
	        r->login->session_token.len > sizeof(c->token))) {
		rc = CRM_INTERNAL;
	}
	if (rc == CRM_OK) {
		c->token_len = r->login->session_token.len;
		memcpy(c->token, r->login->session_token.data, c->token_len);
	}
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	return rc;
}
