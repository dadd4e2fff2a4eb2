/* SPDX-License-Identifier: MIT */
/*
 * search_index.c: the gram index of the search texts (search_index.h).
 */
#define _GNU_SOURCE /* memmem */
#include "search_index.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "store_schema.h"

#define HASHED (UINT64_C(0xFF) << 56)
/* The plan reads the entries of up to PROBE_GRAMS grams side by side,
 * at most PROBE_BUDGET in all; two of them read on past the rarest's
 * end by at most twice its entries and PROBE_SLACK. */
#define PROBE_GRAMS  16
#define PROBE_PILOT  16
#define PROBE_ON     3
#define PROBE_SLACK  64
#define PROBE_BUDGET 32768

/* ---------------------------------------------------- grams */

/* The length of the unit at p (n bytes left): a well-formed sequence's,
 * else 1. *ok: whether it is well-formed. */
static size_t
unit_len(const unsigned char *p, size_t n, int *ok)
{
	unsigned char b = p[0];
	size_t want = b < 0x80             ? 1
	              : (b & 0xE0) == 0xC0 ? 2
	              : (b & 0xF0) == 0xE0 ? 3
	              : (b & 0xF8) == 0xF0 ? 4
	                                   : 0;
	*ok = 0;
	if (want == 0 || want > n) {
		return 1;
	}
	for (size_t i = 1; i < want; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			return 1;
		}
	}
	*ok = 1;
	return want;
}

static uint64_t
gram_code(const unsigned char *p, size_t n)
{
	uint64_t g = 0;
	if (n <= 8) {
		for (size_t i = 0; i < 8; i++) {
			g = g << 8 | (i < n ? p[i] : 0);
		}
		return g;
	}
	g = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		g = (g ^ p[i]) * UINT64_C(0x100000001b3);
	}
	return HASHED | g >> 8;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The grams of text; *valid: every unit well-formed. */
static size_t
grams_of(const char *text, size_t len, uint64_t **out, int *valid)
{
	const unsigned char *p = (const unsigned char *)text;
	*out = NULL;
	*valid = 1;
	if (len == 0) {
		return 0;
	}
	/* Unit starts (off[n] = len) and kinds: 0 narrow, 1 wide, 2 newline */
	size_t *off = crm_xmalloc((len + 1) * sizeof(*off));
	unsigned char *kind = crm_xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; n++) {
		int ok;
		size_t u = unit_len(p + i, len - i, &ok);
		*valid &= ok;
		off[n] = i;
		kind[n] = p[i] == '\n' ? 2 : u >= 3 ? 1 : 0;
		i += u;
	}
	off[n] = len;
	uint64_t *g = crm_xmalloc((n ? n : 1) * sizeof(*g));
	size_t m = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (kind[i] == 1 && kind[i + 1] == 1) {
			g[m++] = gram_code(p + off[i], off[i + 2] - off[i]);
		} else if (i + 2 < n && kind[i] != 2 && kind[i + 1] != 2 &&
		           kind[i + 2] != 2 &&
		           !(kind[i + 1] == 1 && kind[i + 2] == 1)) {
			/* kind[i], kind[i+1] are not both wide (else a
			 * bigram above) */
			g[m++] = gram_code(p + off[i], off[i + 3] - off[i]);
		}
	}
	free(off);
	free(kind);
	if (m == 0) {
		free(g);
		return 0;
	}
	qsort(g, m, sizeof(*g), cmp_u64);
	size_t u = 1;
	for (size_t i = 1; i < m; i++) {
		if (g[i] != g[u - 1]) {
			g[u++] = g[i];
		}
	}
	*out = g;
	return u;
}

size_t
search_index_grams(const char *text, size_t len, uint64_t **grams)
{
	int valid;
	return grams_of(text, len, grams, &valid);
}

/* Whether gram code g (not hashed) is the code of a gram: its bytes are
 * whole units shaped as a bigram or a trigram (bytes, n: its bytes). */
static int
gram_shaped(uint64_t g, unsigned char bytes[8], size_t *n)
{
	*n = 0;
	for (int i = 0; i < 8; i++) {
		bytes[i] = (unsigned char)(g >> (56 - 8 * i));
		if (bytes[i] != 0) {
			*n = (size_t)i + 1;
		} else {
			for (int j = i; j < 8; j++) {
				if ((unsigned char)(g >> (56 - 8 * j)) != 0) {
					return 0; /* a zero inside */
				}
			}
			break;
		}
	}
	unsigned char kind[8];
	size_t units = 0;
	for (size_t i = 0; i < *n;) {
		int ok;
		size_t u = unit_len(bytes + i, *n - i, &ok);
		if (!ok || bytes[i] == '\n') {
			return 0;
		}
		kind[units++] = u >= 3;
		i += u;
	}
	if (units == 2) {
		return kind[0] && kind[1];
	}
	return units == 3 && !(kind[0] && kind[1]) && !(kind[1] && kind[2]);
}

/* ---------------------------------------------------- updates */

static crm_status
put(struct req_ctx *ctx, uint64_t g, uint64_t team, uint64_t id,
    uint64_t owner)
{
	store_key k, v;
	store_key_triple(&k, g, team, id);
	store_key_id(&v, owner);
	return store_put(
	    ctx->st, ctx->txn, DB_SEARCH_GRAM, k.b, k.len, v.b, v.len);
}

static crm_status
del(struct req_ctx *ctx, uint64_t g, uint64_t team, uint64_t id)
{
	store_key k;
	store_key_triple(&k, g, team, id);
	return store_del(ctx->st, ctx->txn, DB_SEARCH_GRAM, &k);
}

crm_status
search_index_update(struct req_ctx *ctx, uint64_t id, const char *old,
    size_t olen, uint64_t old_team, uint64_t old_owner, const char *text,
    size_t len, uint64_t team, uint64_t owner)
{
	uint64_t *og = NULL, *ng = NULL;
	size_t on = old != NULL ? search_index_grams(old, olen, &og) : 0;
	size_t nn = text != NULL ? search_index_grams(text, len, &ng) : 0;
	crm_status rc = CRM_OK;
	size_t i = 0, j = 0;
	while (rc == CRM_OK && (i < on || j < nn)) {
		if (j == nn || (i < on && og[i] < ng[j])) {
			rc = del(ctx, og[i++], old_team, id);
		} else if (i == on || ng[j] < og[i]) {
			rc = put(ctx, ng[j++], team, id, owner);
		} else {
			if (team != old_team) {
				rc = del(ctx, og[i], old_team, id);
			}
			if (rc == CRM_OK &&
			    (team != old_team || owner != old_owner)) {
				rc = put(ctx, ng[j], team, id, owner);
			}
			i++;
			j++;
		}
	}
	free(og);
	free(ng);
	return rc;
}

/* ---------------------------------------------------- walks */

/* The entry at or after (g, team, from) in c, if it is one of gram g
 * (and of team, unless any_team): its team, id and owner. */
static int
seek(store_cursor *c, uint64_t g, uint64_t team, uint64_t from, int any_team,
    struct search_head *h)
{
	store_key k;
	store_key_triple(&k, g, team, from);
	store_val kv = { k.b, k.len }, v;
	if (store_cursor_get(c, STORE_SEEK, &kv, &v) != CRM_OK ||
	    kv.len != 24 || store_u64(kv.data) != g) {
		return 0;
	}
	const uint8_t *kb = kv.data;
	h->team = store_u64(kb + 8);
	if (!any_team && h->team != team) {
		return 0;
	}
	h->id = store_u64(kb + 16);
	h->owner = v.len == 8 ? store_u64(v.data) : 0;
	return 1;
}

/* All teams: each team's first entry of w->gram after `after`. */
static crm_status
find_heads(struct req_ctx *ctx, store_cursor *c, struct search_walk *w,
    uint64_t after)
{
	size_t cap = 16;
	w->heads = crm_arena_alloc(ctx->arena, cap * sizeof(*w->heads));
	w->n_heads = 0;
	uint64_t t = 0;
	struct search_head h;
	while (w->heads != NULL && seek(c, w->gram, t, after + 1, 1, &h)) {
		if (h.team != t) {
			t = h.team; /* a team further on: from `after` */
			continue;
		}
		if (w->n_heads == cap) {
			struct search_head *more = crm_arena_alloc(
			    ctx->arena, 2 * cap * sizeof(*more));
			if (more == NULL) {
				return CRM_TOO_BIG;
			}
			memcpy(more, w->heads, cap * sizeof(*more));
			w->heads = more;
			cap *= 2;
		}
		w->heads[w->n_heads++] = h;
		if (t == UINT64_MAX) {
			break;
		}
		t++;
	}
	return w->heads != NULL ? CRM_OK : CRM_TOO_BIG;
}

/* PROBE_BUDGET; test builds: CRM_TEST_PROBE_BUDGET, so that a small
 * set also takes the walk of a gram when no gram ends within it. */
static size_t
probe_budget(void)
{
#ifdef CRM_TEST_HOOKS
	const char *e = getenv("CRM_TEST_PROBE_BUDGET");
	if (e != NULL && atoi(e) > 0) {
		return (size_t)atoi(e);
	}
#endif
	return PROBE_BUDGET;
}

/* One gram's entries in the scope, read in key order (team, then id). */
struct lane {
	store_cursor *c;
	uint64_t g;
	struct search_head *e;
	size_t n, cap;
	int done; /* its scope's entries are all in e */
	int used; /* its entries have ruled candidates out */
	crm_status err;
};

/* Read lane l's next entry into it (its first: from the scope's start,
 * after `after` in one team); 0 (and l->done) at the end of its scope. */
static int
lane_step(struct lane *l, int all, uint64_t team, uint64_t after)
{
	store_val k, v;
	store_key from;
	crm_status rc;
	if (l->n == 0) {
		store_key_triple(
		    &from, l->g, all ? 0 : team, all ? 0 : after + 1);
		k.data = from.b;
		k.len = from.len;
		rc = store_cursor_get(l->c, STORE_SEEK, &k, &v);
	} else {
		rc = store_cursor_get(l->c, STORE_NEXT, &k, &v);
	}
	if (rc != CRM_OK && rc != CRM_NOT_FOUND) {
		l->err = rc; /* not done: what it holds rules nothing out */
		return 0;
	}
	if (rc != CRM_OK || k.len != 24 || store_u64(k.data) != l->g ||
	    (!all && store_u64((const uint8_t *)k.data + 8) != team)) {
		l->done = 1;
		return 0;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = crm_xrealloc(l->e, l->cap * sizeof(*l->e));
	}
	const uint8_t *kb = k.data;
	struct search_head *h = &l->e[l->n++];
	h->team = store_u64(kb + 8);
	h->id = store_u64(kb + 16);
	h->owner = v.len == 8 ? store_u64(v.data) : 0;
	return 1;
}

static int
head_before(const struct search_head *a, const struct search_head *b)
{
	return a->team != b->team ? a->team < b->team : a->id < b->id;
}

/* Whether lane a has read less far than lane b (both read something):
 * of two grams read as many entries, the one further on is sparser. */
static int
short_of(const struct lane *a, const struct lane *b)
{
	return head_before(&a->e[a->n - 1], &b->e[b->n - 1]);
}

static int
cmp_head_id(const void *a, const void *b)
{
	const struct search_head *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Drop from cands (in key order) the customers lane b's entries rule
 * out: those within what b has read (all of it when b is done) that b
 * does not hold. Returns how many are left. */
static size_t
rule_out(struct search_head *cands, size_t n, const struct lane *b)
{
	size_t j = 0, kept = 0;
	const struct search_head *last = b->n ? &b->e[b->n - 1] : NULL;
	for (size_t i = 0; i < n; i++) {
		const struct search_head *x = &cands[i];
		while (j < b->n && head_before(&b->e[j], x)) {
			j++;
		}
		int held =
		    j < b->n && b->e[j].team == x->team && b->e[j].id == x->id;
		int known = b->done || (last != NULL && !head_before(last, x));
		if (held || !known) {
			cands[kept++] = *x;
		}
	}
	return kept;
}

/*
 * The plan reads a few entries (PROBE_PILOT) of each of up to
 * PROBE_GRAMS of the needle's grams, side by side; the PROBE_ON that
 * read furthest (the sparsest) read on, an entry of each in turn, until
 * one gram's end. That gram is the rarest of them, and its entries, less
 * those the others' entries read so far rule out (a text holding the
 * needle holds every gram of it), are the candidates, known in full. The
 * two others that read furthest read on to the last candidate, within a
 * budget, to rule out more. When no gram ends within PROBE_BUDGET
 * entries, the walk follows the sparsest entry by entry. A team of
 * 100,000 customers, crm-bench's find-team: p50 900 -> 360 us (each gram
 * counted to a cap before, the rarest one's entries each checked).
 */
crm_status
search_index_plan(struct req_ctx *ctx, const char *needle, int all,
    uint64_t team, uint64_t after, struct search_walk *w, int *ok)
{
	memset(w, 0, sizeof(*w));
	*ok = 0;
	uint64_t *g;
	int valid;
	size_t n = grams_of(needle, strlen(needle), &g, &valid);
	if (n == 0 || !valid) {
		/* No gram, or bytes that need not be units of a text. */
		free(g);
		return CRM_OK;
	}
	size_t k = n < PROBE_GRAMS ? n : PROBE_GRAMS;
	struct lane lanes[PROBE_GRAMS];
	memset(lanes, 0, sizeof(lanes));
	crm_status rc = CRM_OK;
	struct lane *rare = NULL;
	for (size_t i = 0; i < k && rc == CRM_OK; i++) {
		lanes[i].g = g[i * n / k]; /* spread over the needle's */
		rc = store_cursor_open(
		    ctx->st, ctx->txn, DB_SEARCH_GRAM, &lanes[i].c);
	}
	free(g);
	/* A few entries of each: the sparsest read furthest. */
	for (size_t r = 0; rc == CRM_OK && rare == NULL && r < PROBE_PILOT;
	     r++) {
		for (size_t i = 0; i < k; i++) {
			if (!lane_step(&lanes[i], all, team, after)) {
				rare = &lanes[i];
				break;
			}
		}
	}
	/* Then the PROBE_ON sparsest on, until one ends. */
	struct lane *on[PROBE_ON];
	size_t non = 0;
	for (size_t i = 0; rc == CRM_OK && rare == NULL && i < k; i++) {
		struct lane *x = &lanes[i];
		size_t j = non < PROBE_ON ? non++ : PROBE_ON;
		while (j > 0 && short_of(on[j - 1], x)) {
			if (j < PROBE_ON) {
				on[j] = on[j - 1];
			}
			j--;
		}
		if (j < PROBE_ON) {
			on[j] = x;
		}
	}
	size_t rounds = probe_budget() / (non ? non : 1);
	for (size_t r = 0; rc == CRM_OK && rare == NULL && r < rounds; r++) {
		for (size_t i = 0; i < non; i++) {
			if (!lane_step(on[i], all, team, after)) {
				rare = on[i];
				break;
			}
		}
	}
	for (size_t i = 0; i < k && rc == CRM_OK; i++) {
		rc = lanes[i].err;
	}
	if (rc == CRM_OK && rare != NULL) {
		size_t nc = rare->n;
		struct search_head *cands = rare->e;
		/* The two others read furthest, on to the last candidate. */
		for (int more = 0; more < 2 && nc > 0; more++) {
			struct lane *b = NULL;
			for (size_t i = 0; i < k; i++) {
				struct lane *x = &lanes[i];
				if (x != rare && !x->done && !x->used &&
				    x->n > 0 &&
				    (b == NULL || short_of(b, x))) {
					b = x;
				}
			}
			if (b == NULL) {
				break;
			}
			size_t budget = 2 * nc + PROBE_SLACK;
			while (budget-- > 0 &&
			       head_before(&b->e[b->n - 1], &cands[nc - 1]) &&
			       lane_step(b, all, team, after)) {
			}
			if (b->err != CRM_OK) {
				rc = b->err;
				break;
			}
			nc = rule_out(cands, nc, b);
			b->used = 1;
		}
		for (size_t i = 0; rc == CRM_OK && i < k && nc > 0; i++) {
			if (&lanes[i] != rare && !lanes[i].used) {
				nc = rule_out(cands, nc, &lanes[i]);
			}
		}
		/* Id order, after `after` (an admin's read every team's). */
		size_t m = 0;
		for (size_t i = 0; i < nc; i++) {
			if (cands[i].id > after) {
				cands[m++] = cands[i];
			}
		}
		if (all && m > 1) {
			qsort(cands, m, sizeof(*cands), cmp_head_id);
		}
		if (rc == CRM_OK) {
			w->cands = crm_arena_alloc(
			    ctx->arena, (m ? m : 1) * sizeof(*w->cands));
			if (w->cands == NULL) {
				rc = CRM_TOO_BIG;
			} else if (m > 0) {
				memcpy(w->cands, cands, m * sizeof(*cands));
				w->n_cands = m;
			}
		}
	} else if (rc == CRM_OK) {
		/* Every gram is common: walk the sparsest. */
		struct lane *b = on[0];
		for (size_t i = 1; i < non; i++) {
			if (short_of(b, on[i])) {
				b = on[i];
			}
		}
		w->gram = b->g;
		if (all) {
			rc = find_heads(ctx, b->c, w, after);
		}
	}
	w->all = all;
	w->team = team;
	for (size_t i = 0; i < k; i++) {
		if (lanes[i].c != NULL) {
			store_cursor_close(lanes[i].c);
		}
		free(lanes[i].e);
	}
	*ok = rc == CRM_OK;
	return rc;
}

crm_status
search_index_next(struct req_ctx *ctx, struct search_walk *w, uint64_t after,
    uint64_t *id, uint64_t *owner)
{
	store_cursor *c;
	crm_status rc =
	    store_cursor_open(ctx->st, ctx->txn, DB_SEARCH_GRAM, &c);
	if (rc != CRM_OK) {
		return rc;
	}
	struct search_head h;
	rc = CRM_NOT_FOUND;
	if (w->cands != NULL) {
		store_cursor_close(c);
		while (w->next_cand < w->n_cands &&
		       w->cands[w->next_cand].id <= after) {
			w->next_cand++;
		}
		if (w->next_cand == w->n_cands) {
			return CRM_NOT_FOUND;
		}
		*id = w->cands[w->next_cand].id;
		*owner = w->cands[w->next_cand].owner;
		return CRM_OK;
	}
	if (!w->all) {
		if (seek(c, w->gram, w->team, after + 1, 0, &h)) {
			*id = h.id;
			*owner = h.owner;
			rc = CRM_OK;
		}
		store_cursor_close(c);
		return rc;
	}
	/* Each team's next entry after `after`, then the least of them. */
	struct search_head *min = NULL;
	for (size_t i = 0; i < w->n_heads; i++) {
		struct search_head *x = &w->heads[i];
		if (x->id != 0 && x->id <= after) {
			if (!seek(c, w->gram, x->team, after + 1, 0, x)) {
				x->id = 0; /* the team is done */
			}
		}
		if (x->id != 0 && (min == NULL || x->id < min->id)) {
			min = x;
		}
	}
	store_cursor_close(c);
	if (min != NULL) {
		*id = min->id;
		*owner = min->owner;
		rc = CRM_OK;
	}
	return rc;
}

/* ---------------------------------------------------- crm-check */

struct cust {
	uint64_t team, owner;
	int live;
};

crm_status
search_index_check(struct check *c)
{
	struct req_ctx *ctx = c->ctx;
	size_t cap = 1024;
	struct cust *cs = crm_xcalloc(cap, sizeof(*cs));
	uint64_t id = 0;
	crm_status rc;
	/* Every live customer: each gram of its stored text indexed. */
	while ((rc = store_id_next(
	            ctx->st, ctx->txn, DB_CUSTOMERS, id, &id)) == CRM_OK) {
		size_t mark = crm_arena_mark(ctx->arena);
		Crm__V1__Customer *cu;
		if (dispatch_record(ctx, DB_CUSTOMERS, id,
		        &crm__v1__customer__descriptor,
		        (ProtobufCMessage **)&cu) != CRM_OK) {
			crm_arena_release(ctx->arena, mark);
			continue; /* the record walk names it */
		}
		if (id >= cap && id < (UINT64_C(1) << 32)) {
			size_t ncap = cap;
			while (ncap <= id) {
				ncap *= 2;
			}
			cs = crm_xrealloc(cs, ncap * sizeof(*cs));
			memset(cs + cap, 0, (ncap - cap) * sizeof(*cs));
			cap = ncap;
		}
		if (id < cap) {
			cs[id].team = cu->team_id;
			cs[id].owner = cu->owner_id;
			cs[id].live = cu->merged_into == 0;
		}
		store_key k;
		store_val v;
		store_key_pair(&k, cu->owner_id, id);
		if (cu->merged_into == 0 &&
		    store_has(ctx->st, ctx->txn, DB_SEARCH_TEXT, &k, &v)) {
			uint64_t *g;
			size_t n = search_index_grams(v.data, v.len, &g);
			size_t missing = 0;
			for (size_t i = 0; i < n; i++) {
				store_key gk;
				store_val gv;
				store_key_triple(&gk, g[i], cu->team_id, id);
				if (!store_has(ctx->st, ctx->txn,
				        DB_SEARCH_GRAM, &gk, &gv) ||
				    gv.len != 8 ||
				    store_u64(gv.data) != cu->owner_id) {
					missing++;
				}
			}
			free(g);
			if (missing > 0) {
				check_problem(c,
				    "search_gram: customer %" PRIu64
				    ": %zu of its %zu grams not indexed under "
				    "its team and owner",
				    id, missing, n);
			}
		}
		crm_arena_release(ctx->arena, mark);
	}
	if (rc != CRM_NOT_FOUND) {
		free(cs);
		return rc;
	}
	/* Every entry: a live customer of that team and owner whose text
	 * holds that gram. */
	struct store_iter it;
	rc = store_iter_open(
	    ctx->st, ctx->txn, DB_SEARCH_GRAM, "", 0, NULL, &it);
	if (rc != CRM_OK) {
		free(cs);
		return rc;
	}
	const uint8_t *key;
	size_t klen;
	while (store_iter_next(&it, &key, &klen)) {
		const void *val = NULL;
		size_t vlen = 0;
		if (klen != 24 || !store_iter_data(&it, &val, &vlen) ||
		    vlen != 8) {
			check_problem(c,
			    "search_gram: an entry of %zu+%zu bytes", klen,
			    vlen);
			continue;
		}
		uint64_t g = store_u64(key), team = store_u64(key + 8);
		uint64_t cid = store_u64(key + 16), owner = store_u64(val);
		if (cid >= cap || !cs[cid].live || cs[cid].team != team ||
		    cs[cid].owner != owner) {
			check_problem(c,
			    "search_gram: an entry for customer %" PRIu64
			    " (team %" PRIu64 ", owner %" PRIu64
			    ") that is gone, merged or elsewhere",
			    cid, team, owner);
			continue;
		}
		store_key k;
		store_val v;
		store_key_pair(&k, owner, cid);
		int holds = 0;
		if (store_has(ctx->st, ctx->txn, DB_SEARCH_TEXT, &k, &v)) {
			/* A gram's bytes in the text are that gram of it
			 * (whole units: search_index.h); a hashed one, or
			 * one of ill-formed bytes, from the text's grams. */
			unsigned char b[8];
			size_t n;
			if ((g & HASHED) != HASHED && gram_shaped(g, b, &n)) {
				holds = memmem(v.data, v.len, b, n) != NULL;
			} else {
				uint64_t *gs;
				size_t m =
				    search_index_grams(v.data, v.len, &gs);
				holds = gs != NULL &&
				        bsearch(&g, gs, m, sizeof(*gs),
				            cmp_u64) != NULL;
				free(gs);
			}
		}
		if (!holds) {
			check_problem(c,
			    "search_gram: customer %" PRIu64
			    " has an entry for a gram (%016" PRIx64
			    ") its text does not hold",
			    cid, g);
		}
	}
	store_iter_close(&it);
	free(cs);
	return CRM_OK;
}
