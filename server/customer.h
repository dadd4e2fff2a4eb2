/* SPDX-License-Identifier: MIT */
/*
 * customer.h: the customer record API shared by request families that hang
 * records off a customer (contacts now; follow-ups and tasks later).
 * Records come back in ctx->arena.
 */
#ifndef CUSTOMER_H
#define CUSTOMER_H

#include <stdint.h>

#include "crm_limits.h"
#include "dispatch.h"

/*
 * customer_editable: customer_visible, and not a merged tombstone.
 * Errors: as customer_visible; CRM_EPRECOND (merged, message set).
 */
crm_status customer_editable(
    struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c /* OUT */);

/*
 * customer_by_name: the id of the customer of kind whose name normalises
 * like name (no visibility check). Errors: CRM_NOT_FOUND, CRM_EINVAL.
 */
crm_status customer_by_name(
    struct req_ctx *ctx, int kind, const char *name, uint64_t *id /* OUT */);

/* customer_owns_key: whether key[0..len) of the name index is c's own:
 * its name's key or its licence's (crm-check's walk back). */
int customer_owns_key(struct req_ctx *ctx, const Crm__V1__Customer *c,
    const void *key, size_t len);

/* customer_by_licence: the id of the customer with this (stored form of
 * its) business-licence number. Errors: CRM_NOT_FOUND. */
crm_status customer_by_licence(
    struct req_ctx *ctx, const char *licence, uint64_t *id /* OUT */);

/*
 * customer_duplicate: CRM_OK unless a customer of kind with name (or with
 * licence, when given) exists; the ALREADY_EXISTS message names it with
 * its id and owner only when the caller may see it.
 * Errors: CRM_EXISTS, CRM_EINVAL (a name without letters or digits).
 */
crm_status customer_duplicate(
    struct req_ctx *ctx, int kind, const char *name, const char *licence);

/*
 * customer_visible: customer id if ctx->who may see it. A customer one may
 * not see answers exactly like one that does not exist.
 * Errors: CRM_NOT_FOUND (message set in ctx), CRM_INTERNAL.
 */
crm_status customer_visible(
    struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c /* OUT */);

/*
 * customer_find: the id of the customer named name (companies first, then
 * people) that the caller may see. One they may not see answers exactly
 * like one that does not exist: CRM_NOT_FOUND, 'no customer named "…"'.
 */
crm_status customer_find(
    struct req_ctx *ctx, const char *name, uint64_t *id /* OUT */);

/* customer_trimmed: s without white space (ASCII, U+3000) at its ends,
 * in ctx->arena; NULL when s is NULL or blank (a blank field is none). */
const char *customer_trimmed(struct req_ctx *ctx, const char *s);

/* customer_touch: bump updated_at of customer id in ctx->txn (a contact
 * changed), keeping indexes as they are. */
crm_status customer_touch(struct req_ctx *ctx, uint64_t id);

/*
 * customer_field_kind: 1 when a client may set Customer field f
 * (customer.add, customer.edit, import), 0 when the server keeps it, -1
 * when customer.c names it in neither list (then no client may set it).
 */
int customer_field_kind(const char *f);

/* customer_save: write after (a change of before; NULL: new) with its
 * indexes and audit record. Errors: CRM_EXISTS (name taken), store. */
crm_status customer_save(struct req_ctx *ctx, const Crm__V1__Customer *before,
    Crm__V1__Customer *after);

/* customer_rebuild_names: the name index anew from the customers (schema
 * 5: company names without their legal form, licence numbers); a name two
 * customers now share stays with the older, counted in *clashes. */
crm_status customer_rebuild_names(struct req_ctx *ctx, unsigned *clashes);

/* customer_followed_up: whether c has a follow-up logged (a last contact;
 * contact_count counts its contacts, the people, and is never stored). */
int customer_followed_up(const Crm__V1__Customer *c);

/* customer_last_contact: when the cadence counts from: the last logged
 * follow-up, else the first contact, else creation; or when it was last
 * taken from the team pool, if that is later. */
int64_t customer_last_contact(const Crm__V1__Customer *c);

/* customer_name_of: the name of customer id for display ("" when gone).
 * Borrowed from ctx->arena. */
const char *customer_name_of(struct req_ctx *ctx, uint64_t id);

/* What a list shows for a customer its reader may not see. */
#define CUSTOMER_HIDDEN CRM_CUSTOMER_HIDDEN

/*
 * customer_shown: the name of customer id for a row of a list ctx->who
 * reads (a task, a commitment, a clock, a follow-up, a proposal): its
 * name ("" when gone) when ctx->who may see the customer now
 * (auth_can_see); NULL when not: a team's list holds an admin of the
 * team's work on another team's customer, a person's report a follow-up
 * on a customer since given to another team or merged into one. Such a
 * row stays, so a list agrees with the counts beside it, but says nothing
 * of the customer, not even to who did the work (the customer may have
 * been renamed since): the caller shows CUSTOMER_HIDDEN and leaves out
 * the row's texts. Borrowed from ctx->arena.
 */
const char *customer_shown(struct req_ctx *ctx, uint64_t id);

/* customer_fill_shown: a record's customer fields as ctx->who may see
 * them: *name its name (customer_shown) and *c (may be NULL) the
 * customer (NULL when gone), or CUSTOMER_HIDDEN with the id (*has_id,
 * *id) cleared and *c NULL. Returns 0 when hidden: the caller clears the
 * record's texts. */
int customer_fill_shown(struct req_ctx *ctx, char **name,
    protobuf_c_boolean *has_id, uint64_t *id, Crm__V1__Customer **c);

/* customer_in_pool: whether c sits in its team's public pool (公海):
 * held by no one, in a team, not merged into another. */
int customer_in_pool(const Crm__V1__Customer *c);

/* customer_may_see: whether ctx->who may see customer id now (a gone
 * one: yes, there is nothing to hide), from its owner and team read off
 * the stored record without unpacking it. */
int customer_may_see(struct req_ctx *ctx, uint64_t id);

/* customer_each: fn(ctx, c, arg) for each customer not merged into
 * another, in id order, c in ctx->arena until fn returns; stops at the
 * first error (fn's or a record's that does not load). */
crm_status customer_each(struct req_ctx *ctx,
    crm_status (*fn)(struct req_ctx *ctx, Crm__V1__Customer *c, void *arg),
    void *arg);

/* customer_reply: answer c (names filled in) as a CustomerReply. */
crm_status customer_reply(
    struct req_ctx *ctx, Crm__V1__Customer *c, Crm__V1__Response *resp);

/*
 * customer_similar (customer_similar.c): up to max customers of c's kind the
 * caller may see (c itself and merged ones aside) whose normalised name
 * contains c's or is contained in it (华东机电 and 华东机电设备有限公司), into
 * *out (arena; id, kind, name and owner filled), *n of them. Names under
 * two characters compare with nothing. Errors: store, CRM_TOO_BIG.
 */
crm_status customer_similar(struct req_ctx *ctx, const Crm__V1__Customer *c,
    size_t max, Crm__V1__Customer ***out /* OUT */, size_t *n /* OUT */);

/* The longest customer name, in bytes. */
#define CUSTOMER_NAME_MAX 200

/* customer_load: customer id as stored, with no visibility check (the
 * handlers check it first, customer_visible). Errors: those of
 * dispatch_record. *c: in the request arena. */
crm_status customer_load(
    struct req_ctx *ctx, uint64_t id, Crm__V1__Customer **c /* OUT */);

/* customer_fill_names: c's display fields (owner, team, pool_from,
 * checked_by logins and names, late entry) from its ids. */
void customer_fill_names(struct req_ctx *ctx, Crm__V1__Customer *c);

/* customer_contacts: the contacts of customer id, oldest first, into
 * *out (*n of them), in the request arena. Errors: CRM_TOO_BIG, and a
 * contact listed but not loading (CRM_INTERNAL, named). */
crm_status customer_contacts(struct req_ctx *ctx, uint64_t id,
    Crm__V1__Contact ***out /* OUT */, size_t *n /* OUT */);

/* The ids a caller may see, in id order: one index range per role. */
struct customer_walk {
	enum store_db db; /* DB_CUSTOMERS: the primary table */
	uint64_t prefix;
};

/* customer_walk_scope: the walk of ctx->who's customers (owner_filter:
 * that owner's only); customer_walk_next: the id after `after` in it.
 * Errors: CRM_NOT_FOUND at the end. */
void customer_walk_scope(
    struct req_ctx *ctx, struct customer_walk *w, uint64_t owner_filter);
crm_status customer_walk_next(struct req_ctx *ctx,
    const struct customer_walk *w, uint64_t after, uint64_t *id /* OUT */);

#endif
