/* SPDX-License-Identifier: MIT */
/*
 * search.c: search texts (search.h).
 */
#define _GNU_SOURCE /* memmem */
#include "search.h"
#include "search_index.h"

#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "store_schema.h"

#define TEXT_MAX (64 * 1024)

struct text {
	char *buf;
	size_t len, cap;
};

/* Append n bytes of s and a newline. */
static void
add_raw(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->len + n + 1) {
			cap *= 2;
		}
		t->buf = crm_xrealloc(t->buf, cap);
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len++] = '\n';
}

/* Append the folded s and a newline. */
static void
add(struct text *t, const char *s)
{
	if (s == NULL || *s == '\0') {
		return;
	}
	char *f = crm_utf8_fold(s);
	if (f != NULL) {
		add_raw(t, f, strlen(f));
		free(f);
	}
}

/* ---------------------------------------------------- phone numbers */

/* What may stand between a phone number's digits as people write it. */
static int
phone_sep(char c)
{
	return c == ' ' || c == '-' || c == '(' || c == ')' || c == '+' ||
	       c == '.' || c == '/';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

#define PHONE_MIN_DIGITS 5

/* Whether the n bytes at s start with a date, 2026-12-03 or 2026/1/5 or
 * 2026.12.3, alone or before a blank (2026-12-03 14:00): not a phone
 * number. */
static int
is_date(const char *s, size_t n)
{
	size_t group[3] = { 0, 0, 0 }, g = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			group[g]++;
		} else if ((s[i] == '-' || s[i] == '/' || s[i] == '.') &&
		           g < 2 && group[g] > 0) {
			g++;
		} else if (s[i] == ' ' && g == 2) {
			break;
		} else {
			return 0;
		}
	}
	return g == 2 && group[0] == 4 && group[1] >= 1 && group[1] <= 2 &&
	       group[2] >= 1 && group[2] <= 2;
}

/*
 * The next phone number in s from *at: a run of digits and separators
 * with at least PHONE_MIN_DIGITS digits and a separator between two of
 * them (digits alone are found as they are), not a date. Its digits go
 * to out (at least as long as the run, plus 1); *plus (may be NULL): a
 * '+' stood before them. Returns their count, 0 at the end.
 */
static size_t
next_phone(const char *s, size_t *at, char *out, int *plus)
{
	size_t i = *at;
	while (s[i] != '\0') {
		while (s[i] != '\0' && !is_digit(s[i])) {
			i++;
		}
		/* A '+' before the digits counts as a separator:
		 * +8613800138000 is a number as written. */
		int pl = i > 0 && s[i - 1] == '+';
		size_t n = 0, seps = (size_t)pl, pending = 0, first = i,
		       last = i;
		if (plus != NULL) {
			*plus = pl;
		}
		while (is_digit(s[i]) || phone_sep(s[i])) {
			last = is_digit(s[i]) ? i : last;
			if (is_digit(s[i])) {
				out[n++] = s[i];
				seps += pending;
				pending = 0;
			} else {
				pending = 1;
			}
			i++;
		}
		if (n >= PHONE_MIN_DIGITS && seps > 0 &&
		    !is_date(s + first, last + 1 - first)) {
			out[n] = '\0';
			*at = i;
			return n;
		}
	}
	*at = i;
	return 0;
}

/*
 * A Chinese number written with its country code (+86, 0086) as it is
 * dialled at home: a mobile's 11 digits, a landline's area code with its
 * 0 ("+86-21-6234 5679" -> 02162345679), into out (as long as d, plus
 * 2). Returns its length, 0 when d has no country code.
 */
static size_t
domestic(const char *d, int plus, char *out)
{
	const char *r = strncmp(d, "0086", 4) == 0         ? d + 4
	                : plus && strncmp(d, "86", 2) == 0 ? d + 2
	                                                   : NULL;
	if (r == NULL || strlen(r) < PHONE_MIN_DIGITS) {
		return 0;
	}
	size_t n = 0;
	if (!(r[0] == '1' && strlen(r) == 11) && r[0] != '0') {
		out[n++] = '0';
	}
	strcpy(out + n, r);
	return n + strlen(r);
}

/* Append the digits of each phone number in the text so far, and the
 * number as dialled at home when it has a country code. */
static void
add_phone_digits(struct text *t)
{
	size_t end = t->len, at = 0, n, m;
	char *fields = crm_xmalloc(end + 1), *digits = crm_xmalloc(end + 1);
	char *home = crm_xmalloc(end + 2);
	int plus;
	memcpy(fields, t->buf ? t->buf : "", end);
	fields[end] = '\0';
	while ((n = next_phone(fields, &at, digits, &plus)) > 0) {
		add_raw(t, digits, n);
		if ((m = domestic(digits, plus, home)) > 0) {
			add_raw(t, home, m);
		}
	}
	free(fields);
	free(digits);
	free(home);
}

char *
search_needle(const char *typed)
{
	char *f = typed != NULL ? crm_utf8_fold(typed) : NULL;
	if (f == NULL) {
		return NULL;
	}
	size_t b = strspn(f, " \t\r\n"), e = strlen(f);
	while (e > b && strchr(" \t\r\n", f[e - 1]) != NULL) {
		e--;
	}
	if (e == b) {
		free(f);
		return NULL;
	}
	memmove(f, f + b, e - b);
	f[e - b] = '\0';
	/* The whole needle one phone number: its digits. */
	size_t at = 0, digits = 0;
	for (const char *p = f; *p != '\0'; p++) {
		if (!is_digit(*p) && !phone_sep(*p)) {
			return f;
		}
		digits += is_digit(*p) != 0;
	}
	char *d = crm_xmalloc(strlen(f) + 2),
	     *home = crm_xmalloc(strlen(f) + 2);
	int plus;
	if (digits >= PHONE_MIN_DIGITS &&
	    next_phone(f, &at, d, &plus) == digits) {
		/* +86 138 0013 8001 finds 138 0013 8001 written without it
		 * (and with it: the text holds both forms). */
		if (domestic(d, plus, home) > 0) {
			strcpy(d, home);
		}
		free(home);
		free(f);
		return d;
	}
	free(d);
	free(home);
	return f;
}

crm_status
search_text(struct req_ctx *ctx, uint64_t id, char **out, size_t *len)
{
	Crm__V1__Customer *c;
	*out = NULL;
	*len = 0;
	crm_status rc = dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (rc != CRM_OK || c->merged_into != 0) {
		return rc;
	}
	struct text t = { NULL, 0, 0 };
	add(&t, c->name);
	add(&t, c->notes);
	add(&t, c->industry);
	add(&t, c->region);
	add(&t, c->pain_points);
	uint64_t cid = 0;
	while (store_index_next(ctx->st, ctx->txn, DB_CONTACT_CUST, id, cid,
	           &cid) == CRM_OK) {
		Crm__V1__Contact *k;
		rc = dispatch_list_record(ctx, DB_CONTACTS, cid,
		    &crm__v1__contact__descriptor, (ProtobufCMessage **)&k);
		if (rc != CRM_OK) {
			free(t.buf);
			return rc;
		}
		add(&t, k->name);
		add(&t, k->title);
		add(&t, k->email);
		add(&t, k->im);
		for (size_t i = 0; i < k->n_phones; i++) {
			add(&t, k->phones[i]);
		}
	}
	add_phone_digits(&t);
	if (t.len > TEXT_MAX) {
		t.len =
		    TEXT_MAX; /* beyond: found by nothing but the records */
	}
	*out = crm_arena_alloc(ctx->arena, t.len + 1);
	if (*out != NULL) {
		memcpy(*out, t.buf ? t.buf : "", t.len);
		(*out)[t.len] = '\0';
		*len = t.len;
	}
	free(t.buf);
	return *out != NULL ? CRM_OK : CRM_TOO_BIG;
}

static int
same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int
search_unchanged(
    const Crm__V1__Customer *before, const Crm__V1__Customer *after)
{
	/* The fields search_text adds, and what makes it none. */
	return before->owner_id == after->owner_id &&
	       before->team_id == after->team_id &&
	       (before->merged_into != 0) == (after->merged_into != 0) &&
	       same(before->name, after->name) &&
	       same(before->notes, after->notes) &&
	       same(before->industry, after->industry) &&
	       same(before->region, after->region) &&
	       same(before->pain_points, after->pain_points);
}

crm_status
search_update(
    struct req_ctx *ctx, uint64_t id, const Crm__V1__Customer *before)
{
	char *text;
	size_t len;
	Crm__V1__Customer *c;
	crm_status rc = dispatch_record(ctx, DB_CUSTOMERS, id,
	    &crm__v1__customer__descriptor, (ProtobufCMessage **)&c);
	if (rc == CRM_OK) {
		rc = search_text(ctx, id, &text, &len);
	}
	if (rc != CRM_OK) {
		return rc;
	}
	/* The text as stored, under the owner and team it had. */
	uint64_t old_owner = before != NULL ? before->owner_id : c->owner_id;
	uint64_t old_team = before != NULL ? before->team_id : c->team_id;
	store_key k;
	store_val v;
	char *old = NULL;
	size_t olen = 0;
	store_key_pair(&k, old_owner, id);
	if (store_has(ctx->st, ctx->txn, DB_SEARCH_TEXT, &k, &v)) {
		olen = v.len;
		old = crm_arena_alloc(ctx->arena, olen + 1);
		if (old == NULL) {
			return CRM_TOO_BIG;
		}
		memcpy(old, v.data, olen); /* v is gone at the next write */
		old[olen] = '\0';
	}
	if (old != NULL && text != NULL && olen == len &&
	    memcmp(old, text, len) == 0 && old_owner == c->owner_id &&
	    old_team == c->team_id) {
		return CRM_OK; /* nothing to write */
	}
	if (old != NULL && old_owner != c->owner_id) {
		rc = store_del(ctx->st, ctx->txn, DB_SEARCH_TEXT, &k);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	rc = search_index_update(ctx, id, old, olen, old_team, old_owner, text,
	    len, c->team_id, c->owner_id);
	if (rc != CRM_OK) {
		return rc;
	}
	store_key_pair(&k, c->owner_id, id);
	if (text == NULL) {
		return store_del(ctx->st, ctx->txn, DB_SEARCH_TEXT, &k);
	}
	return store_put(
	    ctx->st, ctx->txn, DB_SEARCH_TEXT, k.b, k.len, text, len);
}

int
search_match(
    struct req_ctx *ctx, uint64_t owner, uint64_t id, const char *needle)
{
	store_key k;
	store_key_pair(&k, owner, id);
	store_val v;
	if (!store_has(ctx->st, ctx->txn, DB_SEARCH_TEXT, &k, &v)) {
		return -1;
	}
	return memmem(v.data, v.len, needle, strlen(needle)) != NULL;
}

crm_status
search_rebuild(struct req_ctx *ctx)
{
	uint64_t id = 0;
	crm_status rc;
	while ((rc = store_id_next(
	            ctx->st, ctx->txn, DB_CUSTOMERS, id, &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		rc = search_update(ctx, id, NULL);
		crm_arena_release(ctx->arena, mark);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}

crm_status
search_owner(struct req_ctx *ctx, uint64_t owner, uint64_t after,
    const char *needle, uint64_t *id)
{
	store_key p, from;
	store_key_id(&p, owner);
	store_key_id(&from, after + 1);
	struct store_iter it;
	crm_status rc = store_iter_open(
	    ctx->st, ctx->txn, DB_SEARCH_TEXT, p.b, 8, &from, &it);
	if (rc != CRM_OK) {
		return rc;
	}
	size_t n = strlen(needle);
	const uint8_t *key;
	size_t klen;
	rc = CRM_NOT_FOUND;
	while (store_iter_next(&it, &key, &klen)) {
		const void *v;
		size_t vlen;
		if (klen == 16 && store_iter_data(&it, &v, &vlen) &&
		    memmem(v, vlen, needle, n) != NULL) {
			*id = store_u64(key + 8);
			rc = CRM_OK;
			break;
		}
	}
	store_iter_close(&it);
	return rc;
}

int
search_folded_has(const char *text, const char *needle)
{
	if (text == NULL || *text == '\0') {
		return 0;
	}
	char *f = crm_utf8_fold(text);
	int hit = f != NULL && strstr(f, needle) != NULL;
	if (f != NULL && !hit && is_digit(needle[0])) {
		char *d = crm_xmalloc(strlen(f) + 1);
		size_t at = 0;
		char *home = crm_xmalloc(strlen(f) + 2);
		int plus;
		while (!hit && next_phone(f, &at, d, &plus) > 0) {
			hit = strstr(d, needle) != NULL ||
			      (domestic(d, plus, home) > 0 &&
			          strstr(home, needle) != NULL);
		}
		free(home);
		free(d);
	}
	free(f);
	return hit;
}

crm_status
search_followups(struct req_ctx *ctx, uint64_t customer, const char *needle,
    int *hit, size_t *budget, int *cut)
{
	store_cursor *cur;
	*hit = *cut = 0;
	crm_status rc = store_cursor_open(ctx->st, ctx->txn, DB_FU_CUST, &cur);
	if (rc != CRM_OK) {
		return rc;
	}
	store_cursor_limit(cur, customer);
	store_key sk;
	store_key_pair(&sk, customer + 1, 0);
	store_val k = { sk.b, 16 };
	rc = store_cursor_get(cur, STORE_BEFORE, &k, NULL);
	crm_status cs = CRM_OK;
	for (size_t n = 0; rc == CRM_OK && !*hit && n < SEARCH_FOLLOWUPS_EACH;
	     n++, rc = store_cursor_get(cur, STORE_PREV, &k, NULL)) {
		if (k.len != 16 || store_u64(k.data) != customer) {
			break;
		}
		if (*budget == 0) {
			*cut = 1;
			break;
		}
		(*budget)--;
		uint64_t id = store_u64((const uint8_t *)k.data + 8);
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__FollowUp *f;
		cs = dispatch_list_record(ctx, DB_FOLLOWUPS, id,
		    &crm__v1__follow_up__descriptor, (ProtobufCMessage **)&f);
		if (cs != CRM_OK) {
			break;
		}
		*hit = search_folded_has(f->summary, needle) ||
		       search_folded_has(f->feedback, needle) ||
		       search_folded_has(f->next_action, needle) ||
		       search_folded_has(f->goal, needle) ||
		       search_folded_has(f->participants, needle);
		/* 待解决问题 and feedback tags are what was said, too. */
		for (size_t j = 0; !*hit && j < f->n_objections; j++) {
			*hit = search_folded_has(f->objections[j], needle);
		}
		for (size_t j = 0; !*hit && j < f->n_tags; j++) {
			*hit = search_folded_has(f->tags[j], needle);
		}
		crm_arena_release(ctx->arena, mark);
	}
	store_cursor_close(cur);
	if (cs != CRM_OK) {
		return cs;
	}
	return rc == CRM_NOT_FOUND ? CRM_OK : rc;
}
