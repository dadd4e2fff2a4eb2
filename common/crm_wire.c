/* SPDX-License-Identifier: MIT */
/* crm_wire.c: request ids, packing and unpacking of the envelope. */
#include "crm_wire.h"

#include <nanomsg/nn.h>
#include <sodium.h>
#include <time.h>

#include "crm_pb_scan.h"
#include "crm_xmalloc.h"

void
crm_wire_request_id(uint8_t id[CRM_REQUEST_ID_LEN])
{
	/* The time first (microseconds, big-endian): the server's stored
	 * replies are keyed by the id, so ids in time order land side by
	 * side. The rest is random: unique across clients and restarts. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t us =
	    (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	for (int i = 7; i >= 0; i--) {
		id[i] = (uint8_t)(us & 0xffu);
		us >>= 8;
	}
	randombytes_buf(id + 8, CRM_REQUEST_ID_LEN - 8);
}

crm_status
crm_wire_pack_nn(const ProtobufCMessage *m, void **buf, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	/* nn_allocmsg refuses size 0 on some builds; an empty message is
	 * still one valid allocation. */
	void *p = nn_allocmsg(n ? n : 1, 0);
	if (p == NULL) {
		return CRM_INTERNAL;
	}
	protobuf_c_message_pack(m, p);
	*buf = p;
	*len = n;
	return CRM_OK;
}

uint8_t *
crm_wire_pack_alloc(const ProtobufCMessage *m, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *p = crm_xmalloc(n ? n : 1);
	protobuf_c_message_pack(m, p);
	*len = n;
	return p;
}

crm_status
crm_wire_unpack_request(
    crm_arena *arena, const void *buf, size_t len, Crm__V1__Request **req)
{
	*req = crm__v1__request__unpack(&arena->allocator, len, buf);
	if (*req == NULL) {
		return arena->exhausted ? CRM_TOO_BIG : CRM_EINVAL;
	}
	return CRM_OK;
}

crm_status
crm_wire_unpack_response(const void *buf, size_t len, Crm__V1__Response **resp)
{
	*resp = crm__v1__response__unpack(NULL, len, buf);
	return *resp == NULL ? CRM_EINVAL : CRM_OK;
}

void
crm_wire_set_status(Crm__V1__Response *resp, Crm__V1__Status *st,
    crm_status code, const char *message)
{
	crm__v1__status__init(st);
	st->has_code = 1;
	st->code = (Crm__V1__Status__Code)code;
	st->message = (char *)(message ? message : crm_strerror(code));
	if (crm_status_retryable(code)) {
		st->has_retryable = 1;
		st->retryable = 1;
	}
	resp->status = st;
}

crm_status
crm_wire_status(const Crm__V1__Response *resp)
{
	/* A reply without a code, or with one this build does not know, is
	 * never OK (protocol 1.0: the proto default is UNKNOWN). */
	if (resp->status == NULL || !resp->status->has_code ||
	    (unsigned)resp->status->code >= CRM_STATUS_COUNT) {
		return CRM_UNKNOWN;
	}
	return (crm_status)resp->status->code;
}

const char *
crm_wire_body_name(Crm__V1__Request__BodyCase c)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(
	        &crm__v1__request__descriptor, (unsigned)c);
	return f ? f->name : "unset";
}

int
crm_wire_peek_request_id(const void *buf, size_t len, ProtobufCBinaryData *out)
{
	const uint8_t *p = buf;
	const uint8_t *end = p + len;
	struct crm_pb_field f;
	out->len = 0;
	out->data = NULL;
	while (crm_pb_next(&p, end, &f)) {
		if (f.number == 2 && f.type == 2 &&
		    f.len == CRM_REQUEST_ID_LEN) {
			out->len = f.len;
			out->data = (uint8_t *)f.data;
			return 1;
		}
	}
	return 0;
}
