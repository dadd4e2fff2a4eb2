/* SPDX-License-Identifier: MIT */
/*
 * search_index_test.c: a manager's or an admin's `customer find` through
 * the gram index (issue 19 step 3) returns exactly what the walk of the
 * whole scope returns. On a generated set (Chinese and Latin names with
 * accents, capitals and full-width forms, contacts with phones and
 * e-mails, then renames, contact edits, moves to another team, merges
 * and releases to the pool) the same finds (substrings of names of 1 to 6
 * characters, fixed needles of 1 and 2 characters that have no gram,
 * case and width variants, phone digits) as two managers and the admin,
 * paged at 4 and at 50, give the same pages through the index as with
 * CRM_TEST_SEARCH_SCAN=1 (the walk of before), and with the plan's
 * budget cut to a few entries (CRM_TEST_PROBE_BUDGET). crm-check says the
 * index is clean, and finds an entry too many and one too few; a database of
 * schema 10 gets the index at its upgrade.
 */
#include "crm_test.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "crm.h"

#define N_CUST   480
#define N_DERIVE 70
#define MAX_OUT  (4u << 20)

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned
below(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const parts[] = { "华东", "精密", "机械", "电子", "科技",
	"张伟", "王芳", "北京", "上海", "有限公司", "集团", "食品", "物流",
	"Café", "ÉCOLE", "Müller", "Straße", "ACME", "Northwind", "résumé",
	"Ångström", "Blue", "Tools", "ＡＢＣ", "１２３", "Zoë", "東京", "ｶﾀｶﾅ",
	"서울", "Ολυμπος" };
static const char *const seps[] = { "", " ", "-", "·" };
static const char *const people[] = { "张伟", "李娜", "Zoë Smith",
	"JOSÉ Núñez", "王芳", "Ann Lee" };

struct who {
	const char *login;
	uint8_t token[32];
	size_t token_len;
};
static struct who users[] = { { "admin", { 0 }, 0 }, { "li", { 0 }, 0 },
	{ "zhao", { 0 }, 0 }, { "sun", { 0 }, 0 }, { "wang", { 0 }, 0 },
	{ "chen", { 0 }, 0 } };
#define ADMIN  0
#define N_REPS 3 /* users[1..3] */

static void
as(struct crm_test_server *s, int u)
{
	memcpy(s->token, users[u].token, users[u].token_len);
	s->token_len = users[u].token_len;
}

static void
login_all(struct crm_test_server *s)
{
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		crm_test_login_as(s, users[i].login);
		memcpy(users[i].token, s->token, s->token_len);
		users[i].token_len = s->token_len;
	}
}

static char names[N_CUST + 1][160];
static uint64_t ids[N_CUST + 1];
static uint64_t contacts[N_CUST + 1];

/* Send req, ignoring a refusal (a name that clashes after folding). */
static Crm__V1__Response *
try_call(struct crm_test_server *s, Crm__V1__Request *req)
{
	Crm__V1__Response *r = crm_test_call(s, req);
	if (crm_wire_status(r) != CRM_OK) {
		crm__v1__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

static void
edit(struct crm_test_server *s, uint64_t id, int contact, const char *field,
    const char *value)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__FieldValue fv = CRM__V1__FIELD_VALUE__INIT;
	Crm__V1__FieldValue *fvs[1] = { &fv };
	fv.field = (char *)field;
	fv.value = (char *)value;
	Crm__V1__CustomerEditRequest ce = CRM__V1__CUSTOMER_EDIT_REQUEST__INIT;
	Crm__V1__ContactEditRequest ke = CRM__V1__CONTACT_EDIT_REQUEST__INIT;
	if (contact) {
		ke.has_id = 1;
		ke.id = id;
		ke.fields = fvs;
		ke.n_fields = 1;
		req.body_case = CRM__V1__REQUEST__BODY_CONTACT_EDIT;
		req.contact_edit = &ke;
	} else {
		ce.has_id = 1;
		ce.id = id;
		ce.fields = fvs;
		ce.n_fields = 1;
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_EDIT;
		req.customer_edit = &ce;
	}
	Crm__V1__Response *r = try_call(s, &req);
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
}

static void
random_name(char *buf, size_t n, unsigned i)
{
	size_t len = 0;
	unsigned k = 2 + below(3);
	buf[0] = '\0';
	for (unsigned j = 0; j < k; j++) {
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
		    j ? seps[below(4)] : "",
		    parts[below(sizeof(parts) / sizeof(parts[0]))]);
	}
	snprintf(buf + len, n - len, " N%u", i);
}

static void
generate(struct crm_test_server *s)
{
	for (unsigned i = 1; i <= N_CUST; i++) {
		random_name(names[i], sizeof(names[i]), i);
		as(s, 1 + (int)below(N_REPS));
		Crm__V1__Request req;
		Crm__V1__CustomerAddRequest a;
		Crm__V1__Customer c;
		crm_test_customer_add_init(&req, &a, &c, names[i]);
		Crm__V1__Response *r = try_call(s, &req);
		if (r == NULL) {
			names[i][0] = '\0';
			continue;
		}
		ids[i] = r->customer->customer->id;
		crm__v1__response__free_unpacked(r, NULL);
		if (below(3) == 0) {
			continue;
		}
		char phone[32], email[64];
		snprintf(phone, sizeof(phone), "13%u%08u", below(10),
		    below(100000000));
		snprintf(email, sizeof(email), "Buyer%u@Example.COM", i);
		char *phones[1] = { phone };
		Crm__V1__Contact ct = CRM__V1__CONTACT__INIT;
		ct.has_customer_id = ct.has_role = 1;
		ct.customer_id = ids[i];
		ct.name = (char *)people[below(6)];
		ct.role = (Crm__V1__ContactRole)1;
		ct.phones = phones;
		ct.n_phones = 1;
		ct.email = email;
		Crm__V1__ContactAddRequest ca =
		    CRM__V1__CONTACT_ADD_REQUEST__INIT;
		ca.contact = &ct;
		req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
		req.contact_add = &ca;
		r = try_call(s, &req);
		if (r != NULL) {
			contacts[i] = r->contact->id;
			crm__v1__response__free_unpacked(r, NULL);
		}
	}
	/* Changes of name, contacts, owner and team, merges, the pool. */
	as(s, ADMIN);
	for (unsigned i = 1; i <= N_CUST; i++) {
		if (ids[i] == 0) {
			continue;
		}
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__Response *r;
		if (i % 17 == 0) {
			char name[160];
			random_name(name, sizeof(name), 1000 + i);
			edit(s, ids[i], 0, "name", name);
		}
		if (i % 11 == 0 && contacts[i] != 0) {
			char phone[32];
			snprintf(
			    phone, sizeof(phone), "15%09u", below(1000000000));
			edit(s, contacts[i], 1, "phones", phone);
			edit(s, contacts[i], 1, "name", "Émile ZOLA");
		}
		if (i % 13 == 0) {
			Crm__V1__CustomerAssignRequest q =
			    CRM__V1__CUSTOMER_ASSIGN_REQUEST__INIT;
			q.has_id = 1;
			q.id = ids[i];
			q.owner = i % 2 ? "sun" : "li";
			req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ASSIGN;
			req.customer_assign = &q;
			if ((r = try_call(s, &req)) != NULL) {
				crm__v1__response__free_unpacked(r, NULL);
			}
		}
		if (i % 19 == 0 && i + 1 <= N_CUST && ids[i + 1] != 0) {
			Crm__V1__CustomerMergeRequest q =
			    CRM__V1__CUSTOMER_MERGE_REQUEST__INIT;
			q.has_keep = q.has_drop = 1;
			q.keep = ids[i + 1];
			q.drop = ids[i];
			req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_MERGE;
			req.customer_merge = &q;
			if ((r = try_call(s, &req)) != NULL) {
				crm__v1__response__free_unpacked(r, NULL);
			}
		} else if (i % 23 == 0) {
			Crm__V1__CustomerReleaseRequest q =
			    CRM__V1__CUSTOMER_RELEASE_REQUEST__INIT;
			q.has_id = 1;
			q.id = ids[i];
			q.reason = "测试: back to the pool";
			req.body_case =
			    CRM__V1__REQUEST__BODY_CUSTOMER_RELEASE;
			req.customer_release = &q;
			if ((r = try_call(s, &req)) != NULL) {
				crm__v1__response__free_unpacked(r, NULL);
			}
		}
	}
}

/* ---------------------------------------------------- the finds */

static const char *const fixed[] = { "a", "é", "É", "ss", "ß", "café", "CAFÉ",
	"cafe", "华", "华东", "东精", "精密机", "公司", "有限公司", "张",
	"138", "13", "@", "example.com", "EXAMPLE", "ＡＢ", "ab", "abc",
	"１２", "12", "123", "a华", "华a", "n1", "N12", "Ö", "zoë", "ZOË",
	"zola", "émile", "ÅNG", "ｶﾀ", "カタ", "서울", "ολυ", "ΟΛΥ", "-", "· ",
	"n", "东京", "東京", "straße", "STRASSE", "ss", "müller", "15",
	"@example", "nothing-like-this", "z" };

static char needles[sizeof(fixed) / sizeof(fixed[0]) + N_DERIVE][64];
static size_t n_needles;

/* A substring of 1 to 6 characters of a random name. */
static void
derive(char *out, size_t n)
{
	const char *name = "";
	for (int tries = 0; tries < 100 && *name == '\0'; tries++) {
		name = names[1 + below(N_CUST)];
	}
	size_t units[160], u = 0;
	for (size_t i = 0; name[i] != '\0'; i++) {
		if (((unsigned char)name[i] & 0xC0) != 0x80) {
			units[u++] = i;
		}
	}
	units[u] = strlen(name);
	size_t from = below((unsigned)u), len = 1 + below(6);
	size_t to = from + len > u ? u : from + len;
	snprintf(out, n, "%.*s", (int)(units[to] - units[from]),
	    name + units[from]);
}

/* Every page of find needle as user u with limit, appended to out. */
static void
find_all(struct crm_test_server *s, int u, const char *needle, uint32_t limit,
    char *out, size_t *len)
{
	as(s, u);
	uint64_t cursor = 0;
	*len += (size_t)snprintf(out + *len, MAX_OUT - *len,
	    "%s %u [%s]:", users[u].login, limit, needle);
	if (needle[strspn(needle, " ")] == '\0') {
		/* Blanks alone: refused, as an empty text. */
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerFindRequest q =
		    CRM__V1__CUSTOMER_FIND_REQUEST__INIT;
		q.text = (char *)needle;
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_FIND;
		req.customer_find = &q;
		Crm__V1__Response *r = crm_test_call(s, &req);
		assert_crm_err(crm_wire_status(r), CRM_EINVAL);
		crm__v1__response__free_unpacked(r, NULL);
		*len += (size_t)snprintf(out + *len, MAX_OUT - *len, " -");
		return;
	}
	for (int page = 0; page < 200; page++) {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerFindRequest q =
		    CRM__V1__CUSTOMER_FIND_REQUEST__INIT;
		q.text = (char *)needle;
		q.has_limit = 1;
		q.limit = limit;
		if (cursor != 0) {
			q.has_cursor = 1;
			q.cursor = cursor;
		}
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_FIND;
		req.customer_find = &q;
		Crm__V1__Response *r = crm_test_call(s, &req);
		assert_crm_ok(crm_wire_status(r));
		const Crm__V1__CustomerPage *p = r->customers;
		for (size_t i = 0; i < p->n_customers; i++) {
			*len += (size_t)snprintf(out + *len, MAX_OUT - *len,
			    " %llu", (unsigned long long)p->customers[i]->id);
		}
		cursor = p->has_next_cursor ? p->next_cursor : 0;
		*len += (size_t)snprintf(
		    out + *len, MAX_OUT - *len, cursor ? " |" : "\n");
		crm__v1__response__free_unpacked(r, NULL);
		if (cursor == 0) {
			break;
		}
	}
	assert_true(*len < MAX_OUT - 1024);
}

static char *
find_everything(struct crm_test_server *s)
{
	static const int who[] = { 4, 5, ADMIN }; /* wang, chen, admin */
	static const uint32_t limits[] = { 4, 50 };
	char *out = malloc(MAX_OUT);
	assert_non_null(out);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n_needles; i++) {
		for (size_t w = 0; w < 3; w++) {
			for (size_t l = 0; l < 2; l++) {
				find_all(s, who[w], needles[i], limits[l], out,
				    &len);
			}
		}
	}
	return out;
}

/* How many lines (finds) found something. */
static unsigned
hits(const char *out)
{
	unsigned n = 0;
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		const char *colon = strstr(l, "]:");
		if (colon != NULL && colon[2] == ' ' && colon[3] != '\n' &&
		    colon[3] != '|') {
			n++;
		}
	}
	return n;
}

static void
same(const char *a, const char *b)
{
	if (strcmp(a, b) == 0) {
		return;
	}
	/* The first line that differs. */
	const char *x = a, *y = b;
	while (*x && *y) {
		const char *ex = strchr(x, '\n'), *ey = strchr(y, '\n');
		if (ex - x != ey - y || memcmp(x, y, (size_t)(ex - x)) != 0) {
			fail_msg("index: %.*s\nscan:  %.*s", (int)(ex - x), x,
			    (int)(ey - y), y);
		}
		x = ex + 1;
		y = ey + 1;
	}
	fail_msg("the outputs differ in length");
}

static int
run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* crm-check on dir: its exit status; its output holds want (NULL: any). */
static void
check_expect(const char *dir, int code, const char *want)
{
	char cmd[1024], outf[600];
	snprintf(outf, sizeof(outf), "%s.check.out", dir);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' >'%s' 2>&1", CRM_CHECK_PATH, dir,
	    outf);
	int rc = run(cmd);
	FILE *f = fopen(outf, "r");
	assert_non_null(f);
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	if (rc != code || (want != NULL && strstr(text, want) == NULL)) {
		fail_msg("crm-check %s: exit %d (want %d, '%s'):\n%s", dir, rc,
		    code, want ? want : "", text);
	}
}

/* Put one entry into db of the database in dir with mdb_load. */
static void
damage(const char *dir, const char *db, const char *hexkey, const char *hexval)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
	    "printf 'VERSION=3\\nformat=bytevalue\\ntype=btree\\n"
	    "HEADER=END\\n %s\\n %s\\nDATA=END\\n' | mdb_load -s %s '%s'",
	    hexkey, hexval, db, dir);
	assert_int_equal(run(cmd), 0);
}

static void
copy_to(const char *from, const char *to)
{
	char cmd[4096];
	int n = snprintf(
	    cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s' '%s'", to, from, to);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(run(cmd), 0);
}

static void
test_index_matches_scan(void **state)
{
	(void)state;
	if (run("command -v mdb_load >/dev/null") != 0) {
		skip();
	}
	unsetenv("CRM_TEST_SEARCH_SCAN");
	struct crm_test_server s;
	crm_test_server_start(&s);
	crm_test_login_as(&s, "admin");
	crm_test_add_people(&s, "li", "zhao", "wang", "sun", "chen", NULL);
	login_all(&s);
	generate(&s);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		snprintf(
		    needles[n_needles++], sizeof(needles[0]), "%s", fixed[i]);
	}
	for (int i = 0; i < N_DERIVE; i++) {
		derive(needles[n_needles++], sizeof(needles[0]));
	}
	char *indexed = find_everything(&s);
	unsigned found = hits(indexed);
	print_message("%zu needles, %u of %zu finds found something\n",
	    n_needles, found, n_needles * 6);
	assert_true(found > n_needles * 6 / 3);

	/* The same finds as the walk of the whole scope. */
	crm_test_server_stop_keep(&s);
	s.pid = 0;
	s.sock = -1;
	setenv("CRM_TEST_SEARCH_SCAN", "1", 1);
	crm_test_server_restart(&s);
	char *scanned = find_everything(&s);
	same(indexed, scanned);
	crm_test_server_stop_keep(&s);
	s.pid = 0;
	s.sock = -1;
	unsetenv("CRM_TEST_SEARCH_SCAN");

	/* And when the plan gives up early (a budget of 8 entries after
	 * its first 16 of each gram): the walk of the sparsest gram where
	 * no gram ends within it, the candidates elsewhere. */
	setenv("CRM_TEST_PROBE_BUDGET", "8", 1);
	crm_test_server_restart(&s);
	char *walked = find_everything(&s);
	same(walked, scanned);
	free(walked);
	crm_test_server_stop_keep(&s);
	s.pid = 0;
	s.sock = -1;
	unsetenv("CRM_TEST_PROBE_BUDGET");
	check_expect(s.data, 0, "clean");

	/* crm-check: an entry too many (gram "qqq" for customer 1 in team
	 * 99, owner 2), and a text whose grams are not all indexed. */
	char bad[600];
	snprintf(bad, sizeof(bad), "%s/bad", s.dir);
	copy_to(s.data, bad);
	damage(bad, "search_gram",
	    "7171710000000000"
	    "0000000000000063"
	    "0000000000000001",
	    "0000000000000002");
	check_expect(bad, 1, "search_gram: an entry for customer 1 (team 99");
	copy_to(s.data, bad);
	/* customer ids[1]'s text under its owner gets words the index has
	 * not got: found as grams missing. */
	char key[64];
	Crm__V1__Response *r;
	crm_test_server_restart(&s);
	as(&s, ADMIN);
	unsigned first = 1;
	while (ids[first] == 0) {
		first++;
	}
	Crm__V1__Request req;
	Crm__V1__CustomerGetRequest g;
	crm_test_customer_get_init(&req, &g, ids[first]);
	r = crm_test_call(&s, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t owner = r->customer->customer->owner_id;
	crm__v1__response__free_unpacked(r, NULL);
	crm_test_server_stop_keep(&s);
	s.pid = 0;
	s.sock = -1;
	snprintf(key, sizeof(key), "%016llx%016llx", (unsigned long long)owner,
	    (unsigned long long)ids[first]);
	damage(bad, "search_text", key, "7a7a7a7a0a"); /* "zzzz\n" */
	check_expect(bad, 1, "grams not indexed");

	/* A database of schema 10 with a stray entry: the upgrade builds
	 * the index anew, and the finds are the same. */
	copy_to(s.data, bad);
	damage(bad, "search_gram",
	    "7171710000000000"
	    "0000000000000063"
	    "0000000000000001",
	    "0000000000000002");
	damage(bad, "meta", "736368656d61", "0000000a");
	struct crm_test_server up;
	crm_test_server_open(&up, bad);
	char *upgraded = find_everything(&up);
	same(indexed, upgraded);
	crm_test_server_stop_keep(&up);
	crm_test_server_cleanup(&up);
	check_expect(bad, 0, "clean");

	free(indexed);
	free(scanned);
	free(upgraded);
	crm_test_server_cleanup(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_matches_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
