/* SPDX-License-Identifier: MIT */
/*
 * cmd_outbox.h: what the outbox command's two files share: sending
 * (cmd_outbox.c) and the writes crmd refused (cmd_outbox_fix.c). The
 * shell's other files see only commands.h, but `logout`
 * (cmd_session.c), which says what still waits (cmd_outbox_mine).
 */
#ifndef CMD_OUTBOX_H
#define CMD_OUTBOX_H

#include <stdbool.h>

#include "commands.h"
#include "outbox.h"

/*
 * cmd_outbox_send: `outbox send [PREFIX]`: send the entries whose id
 * starts with prefix (all when NULL) with the moment each was made, and
 * say what became of each. Without a prefix an entry crmd refused before
 * is not sent again (it would be refused again): it is said to wait.
 * Errors: a refusal's status, CRM_EPRECOND (refused entries wait),
 * CRM_EPERM (written as someone else), CRM_UNAVAILABLE (no answer: the
 * rest stay), CRM_NOT_FOUND (no entry is prefix).
 */
crm_status cmd_outbox_send(
    struct cmd_ctx *ctx, const char *prefix, render_doc *out);

/*
 * cmd_outbox_find: the one entry of ob whose id starts with prefix (at
 * least 4 characters, either case), or NULL after saying why with *rc
 * set (CRM_NOT_FOUND, or a usage error). Borrowed from ob.
 */
const struct outbox_entry *cmd_outbox_find(struct cmd_ctx *ctx,
    const struct cmd_call *call, const struct outbox *ob, const char *prefix,
    crm_status *rc /* OUT */);
/* cmd_outbox_load_find: the outbox loaded into ob (freed by the caller
 * with outbox_free, also on NULL) and cmd_outbox_find's entry for
 * prefix, its id's text in idt; NULL with *rc set (a failed load said on
 * stderr). */
const struct outbox_entry *cmd_outbox_load_find(struct cmd_ctx *ctx,
    const struct cmd_call *call, struct outbox *ob, const char *prefix,
    crm_status *rc /* OUT */, char idt[33] /* OUT */);

/* cmd_outbox_names_customer: whether e's write names a customer
 * (`outbox fix` can name another). */
bool cmd_outbox_names_customer(const struct outbox_entry *e);

/* cmd_outbox_typed_customer: the customer a kept follow-up names as
 * typed (offline no name can be looked up), or NULL. Caller frees with
 * free(). */
char *cmd_outbox_typed_customer(const struct outbox_entry *e);

/* cmd_outbox_refused_hint: on stderr, what the rep can do with entry e
 * (idt: its id text) refused with status why. */
void cmd_outbox_refused_hint(
    const struct outbox_entry *e, const char *idt, crm_status why);

/*
 * cmd_outbox_mine: how many writes of this session's user wait in the
 * outbox for this server (refused ones too), for `logout` to say; the
 * user in *login (NULL when not known), which the caller frees.
 */
size_t cmd_outbox_mine(struct cmd_ctx *ctx, char **login /* OUT */);

/*
 * cmd_outbox_fix: `outbox fix PREFIX CUSTOMER`: the refused write PREFIX
 * sent again for the customer the rep meant (an id, or a name crmd finds
 * now; never a guess), dated when it was first made. It goes as a new
 * entry with a new request id: the refused one stored nothing, and its
 * body differs now. Only a refused entry: one whose outcome is unknown
 * may have been applied, and a changed copy would apply it twice.
 * Errors: CRM_EPRECOND (not refused, or another server's), CRM_EINVAL
 * (it names no customer), those of cmd_customer_resolve and
 * cmd_outbox_send.
 */
crm_status cmd_outbox_fix(struct cmd_ctx *ctx, const struct cmd_call *call,
    const char *prefix, const char *text, render_doc *out);

#endif
