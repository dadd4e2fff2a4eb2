/* SPDX-License-Identifier: MIT */
/*
 * crm_wire.h: the envelope on the wire: request ids, packing a message into
 * a nanomsg buffer, unpacking requests and responses, setting a status.
 * It knows nothing of sockets beyond nn_allocmsg.
 */
#ifndef CRM_WIRE_H
#define CRM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "crm.pb-c.h"
#include "crm_arena.h"
#include "crm_err.h"

#define CRM_REQUEST_ID_LEN 16
/* Largest request the server accepts; a larger one up to CRM_MAX_FRAME is
 * answered RESOURCE_EXHAUSTED. */
#define CRM_MAX_REQUEST (64u * 1024u)
/* The server's NN_RCVMAXSIZE on every listen socket: a request, its REQ
 * routing header (4 bytes a hop) and 1 KiB of room. nanomsg allocates a
 * frame's declared length when its header arrives, so this bounds what a
 * connection can make crmd hold before it logs in; a longer frame makes
 * the server hang up without a reply. */
#define CRM_MAX_FRAME (CRM_MAX_REQUEST + 1024u)
/* Largest reply a client accepts; lists are paged well below it. */
#define CRM_MAX_REPLY (4u * 1024u * 1024u)

/* crm_wire_request_id: fill id with a new request id: the time in
 * microseconds (8 bytes, big-endian), then 8 random bytes (libsodium).
 * Ids in time order are cheaper for crmd to keep (its stored replies
 * are keyed by them); any 16 bytes unique to the request are valid. */
void crm_wire_request_id(uint8_t id[CRM_REQUEST_ID_LEN]);

/*
 * crm_wire_pack_nn: pack m into a new nanomsg message buffer.
 * On CRM_OK, *buf is owned by the caller: give it to nn_send(NN_MSG) or
 * free it with nn_freemsg(). Returns CRM_INTERNAL when nn_allocmsg fails.
 */
crm_status crm_wire_pack_nn(
    const ProtobufCMessage *m, void **buf /* OUT */, size_t *len /* OUT */);

/*
 * crm_wire_pack_alloc: pack m into a new malloc'd buffer (caller frees
 * with free()). Never fails (aborts on out-of-memory).
 */
uint8_t *crm_wire_pack_alloc(const ProtobufCMessage *m, size_t *len /* OUT */);

/*
 * crm_wire_unpack_request: decode len bytes into a Request allocated in
 * arena (borrowed; valid until the arena is reset).
 * Errors: CRM_EINVAL (not a valid Request), CRM_TOO_BIG (the arena ran out).
 */
crm_status crm_wire_unpack_request(crm_arena *arena, const void *buf,
    size_t len, Crm__V1__Request **req /* OUT */);

/*
 * crm_wire_unpack_response: like crm_wire_unpack_request for a Response,
 * allocated with malloc: the caller frees with
 * crm__v1__response__free_unpacked(resp, NULL).
 */
crm_status crm_wire_unpack_response(
    const void *buf, size_t len, Crm__V1__Response **resp /* OUT */);

/*
 * crm_wire_set_status: point resp->status at st (caller's storage, usually
 * on the stack) holding code and message (borrowed, must outlive packing).
 */
void crm_wire_set_status(Crm__V1__Response *resp, Crm__V1__Status *st,
    crm_status code, const char *message);

/* crm_wire_status: the status code of a response; CRM_UNKNOWN when the
 * status or its code is absent or the code is not one this build knows. */
crm_status crm_wire_status(const Crm__V1__Response *resp);

/*
 * crm_wire_peek_request_id: find Request.request_id (field 2, 16 bytes) in
 * len bytes that may not decode as a whole (too big, a bad field later
 * on): walks the top-level fields up to the first malformed one. On
 * success out points into buf (borrowed) and 1 is returned; else out is
 * left empty and 0 is returned.
 */
int crm_wire_peek_request_id(
    const void *buf, size_t len, ProtobufCBinaryData *out /* OUT */);

/* crm_wire_body_name: the oneof field name of a request body, or "unset". */
const char *crm_wire_body_name(Crm__V1__Request__BodyCase c);

#endif
