/* SPDX-License-Identifier: MIT */
/*
 * cmd_customer_resolve.c: a customer as people type it (commands.h,
 * cmd_customer_resolve): an id, an exact name, or else the candidates
 * `customer find` gives for the text. A command that only reads takes
 * the only one, saying so; a command that writes never acts on a guess:
 * it names the candidate and refuses. Several are listed; none at all
 * gets the cached names closest by edit distance, as suggestions only.
 * A number is an id unless it reads as a phone number (cmd_customer_id):
 * then it is searched like a name, and `customer find` matches phones.
 * Offline no name can be looked up: a write is kept in the outbox only
 * with the customer's id, and is told so. Every command taking a
 * CUSTOMER comes through here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "commands.h"
#include "suggest.h"

#define CANDIDATES_SHOWN 10
#define CLOSE_SHOWN      5
/* Customer ids count a database's customers from 1: ten digits are ten
 * billion customers, more than any crm holds. A longer number (a mobile
 * has 11 digits, 13 with the country code) is a phone number. */
#define ID_DIGITS_MAX 10
/* A local landline has 7 or 8 digits: a number that long may be meant
 * as a phone even when it is read as an id. */
#define PHONE_DIGITS_MIN 7

bool
cmd_customer_id(const char *text, uint64_t *id)
{
	size_t n = strspn(text, "0123456789");
	/* A leading 0 is an area code or a trunk prefix, never an id. */
	if (n == 0 || text[n] != '\0' || text[0] == '0' || n > ID_DIGITS_MAX) {
		return false;
	}
	return cmd_parse_id(text, id) == CRM_OK;
}

/* text is all digits: a number, which when it is no id reads as a
 * phone. */
static bool
is_number(const char *text)
{
	size_t n = strspn(text, "0123456789");
	return n > 0 && text[n] == '\0';
}

void
cmd_customer_not_found_hint(const char *msg)
{
	static const char lead[] = "no customer ";
	const char *num = msg;
	if (strncmp(num, lead, sizeof(lead) - 1) != 0) {
		return;
	}
	num += sizeof(lead) - 1;
	if (is_number(num) && strlen(num) >= PHONE_DIGITS_MIN) {
		fprintf(stderr,
		    "hint: %s was read as a customer id; to look for it as "
		    "a phone number: customer find %s\n",
		    num, num);
	}
}

void
cmd_customer_offline_hint(struct cmd_ctx *ctx, const char *text)
{
	if (ctx->row == NULL || ctx->row->only_reads ||
	    ctx->row->online_only) {
		return; /* it needs crmd with an id too */
	}
	fprintf(stderr,
	    "hint: '%s' cannot be looked up offline, so nothing was kept; "
	    "give the customer's id instead (%s ID ...): a write by id is "
	    "kept in the outbox and sent when crmd is back\n",
	    text, ctx->row->name);
}

/* Only a row marked only_reads (commands.c) may open a guessed customer;
 * any other command writes (or may, after asking), so a row not marked
 * never acts on a guess. */
static bool
only_reads(const struct cmd_ctx *ctx)
{
	return ctx->row != NULL && ctx->row->only_reads;
}

/* No candidate contains text: the cached names closest to it, as "did
 * you mean" lines on stderr (never acted on). */
static void
close_names(const char *text)
{
	char **names = NULL;
	size_t n = 0;
	const char *best[CLOSE_SHOWN];
	cache_load(&names, &n);
	size_t k =
	    suggest(text, (const char *const *)names, n, best, CLOSE_SHOWN);
	if (k == 0) { /* typed short: "Nortwind" of "Northwind Foods" */
		k = suggest_start(
		    text, (const char *const *)names, n, best, CLOSE_SHOWN);
	}
	if (k > 0) {
		fprintf(stderr, "did you mean:\n");
		for (size_t i = 0; i < k; i++) {
			fprintf(stderr, "  %s\n", best[i]);
		}
	}
	cache_free(names, n);
}

/* The customer named exactly text, quietly: rc, and the server's
 * message in *msg (caller frees) when it is not CRM_OK. */
static crm_status
by_name(struct cmd_ctx *ctx, Crm__V1__Request *req, const char *text,
    uint64_t *id, char **msg)
{
	Crm__V1__CustomerGetRequest body = CRM__V1__CUSTOMER_GET_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	body.name = (char *)text;
	req->body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
	req->customer_get = &body;
	crm_status rc = cmd_request_quiet(ctx, req, &resp);
	*msg = NULL;
	if (rc != CRM_OK) {
		*msg = crm_xstrdup(conn_error(ctx->conn));
	} else if (resp->body_case != CRM__V1__RESPONSE__BODY_CUSTOMER ||
	           resp->customer->customer == NULL ||
	           !resp->customer->customer->has_id) {
		*msg = crm_xasprintf(
		    "the server sent no customer for '%s'", text);
		rc = CRM_INTERNAL;
	} else {
		*id = resp->customer->customer->id;
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	req->customer_get = NULL;
	return rc;
}

/* The first page of `customer find text`, quietly; NULL on failure. The
 * caller frees the reply. */
static Crm__V1__Response *
candidates(struct cmd_ctx *ctx, const char *text)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerFindRequest body =
	    CRM__V1__CUSTOMER_FIND_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	body.text = (char *)text;
	body.has_limit = 1;
	body.limit = CANDIDATES_SHOWN + 1;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_FIND;
	req.customer_find = &body;
	if (cmd_request_quiet(ctx, &req, &resp) != CRM_OK) {
		return NULL;
	}
	if (resp->body_case != CRM__V1__RESPONSE__BODY_CUSTOMERS) {
		crm__v1__response__free_unpacked(resp, NULL);
		return NULL;
	}
	return resp;
}

crm_status
cmd_customer_resolve(struct cmd_ctx *ctx, const char *text, uint64_t *id)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	char *msg = NULL;

	if (cmd_customer_id(text, id)) {
		return CRM_OK;
	}
	/* How the customer was not found, for what is said below: a
	 * number that is no id, or a name. */
	char *none =
	    is_number(text)
	        ? crm_xasprintf("%s is no customer's id or name", text)
	        : crm_xasprintf("no customer is named '%s'", text);
	crm_status rc = by_name(ctx, &req, text, id, &msg);
	if (rc != CRM_NOT_FOUND) {
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
		cmd_request_error(ctx, &req, rc, msg ? msg : "");
		if (rc != CRM_OK && conn_fate(ctx->conn) != CONN_ANSWERED) {
			cmd_customer_offline_hint(ctx, text);
		}
		free(msg);
		free(none);
		return rc;
	}
	Crm__V1__Response *resp = candidates(ctx, text);
	const Crm__V1__CustomerPage *p = resp ? resp->customers : NULL;
	if (p == NULL || p->n_customers == 0) {
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
		if (p != NULL && is_number(text)) {
			/* Not "no customer named": it was no phone either. */
			cmd_error("%s, and no customer's phone has it (%s)",
			    none, crm_status_name(rc));
		} else {
			cmd_request_error(ctx, &req, rc, msg);
		}
		if (p != NULL && !is_number(text)) {
			close_names(text);
		}
	} else if (p->n_customers == 1 && p->customers[0]->has_id &&
	           !only_reads(ctx)) {
		/* A write never acts on a guess: name it and refuse. */
		cmd_customer_cache(p->customers, 1);
		cmd_error("%s; did you mean %s (id %" PRIu64
		          ")? give the full "
		          "name or the id",
		    none, p->customers[0]->name ? p->customers[0]->name : "",
		    p->customers[0]->id);
	} else if (p->n_customers == 1 && p->customers[0]->has_id) {
		/* The only candidate of a read: taken, and said so. */
		*id = p->customers[0]->id;
		cmd_customer_cache(p->customers, 1);
		fflush(stdout);
		fprintf(stderr, "%s: taking %s (id %" PRIu64 ")\n", none,
		    p->customers[0]->name ? p->customers[0]->name : "", *id);
		ctx->guessed = true;
		rc = CRM_OK;
	} else {
		cmd_error("%s; did you mean:", none);
		size_t shown = p->n_customers < CANDIDATES_SHOWN
		                   ? p->n_customers
		                   : CANDIDATES_SHOWN;
		for (size_t i = 0; i < shown; i++) {
			const Crm__V1__Customer *c = p->customers[i];
			fprintf(stderr, "  %6" PRIu64 "  %s", c->id,
			    c->name ? c->name : "");
			if (c->owner != NULL && *c->owner != '\0') {
				fprintf(stderr, "  (owner %s)", c->owner);
			}
			fputc('\n', stderr);
		}
		if (p->n_customers > shown || p->next_cursor != 0) {
			fprintf(
			    stderr, "  ... more: customer find %s\n", text);
		}
		cmd_customer_cache(p->customers, p->n_customers);
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	free(msg);
	free(none);
	return rc;
}

void
cmd_customer_suggest(struct cmd_ctx *ctx, const char *text)
{
	Crm__V1__Response *resp = candidates(ctx, text);
	const Crm__V1__CustomerPage *p = resp ? resp->customers : NULL;
	if (p != NULL && p->n_customers > 0) {
		size_t shown = p->n_customers < CANDIDATES_SHOWN
		                   ? p->n_customers
		                   : CANDIDATES_SHOWN;
		fprintf(
		    stderr, "did you mean (give the full name or the id):\n");
		for (size_t i = 0; i < shown; i++) {
			const Crm__V1__Customer *c = p->customers[i];
			fprintf(stderr, "  %6" PRIu64 "  %s\n", c->id,
			    c->name ? c->name : "");
		}
		cmd_customer_cache(p->customers, p->n_customers);
	} else if (p != NULL) {
		close_names(text);
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
}
