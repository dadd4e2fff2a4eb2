/* SPDX-License-Identifier: MIT */
/*
 * data.c: the data a run works on. A fresh small set is loaded through
 * the protocol (users, then import batches of customers and follow-ups,
 * as the admin), with the names tools/crm-gen uses, so both kinds of set
 * are found the same way afterwards: list the users as the admin, log a
 * sample of reps and the managers in, read each rep's first customers.
 * Counting records opens the LMDB environment read-only beside crmd.
 */
#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define IMPORT_ROWS 250 /* rows per import batch: well below 64 KiB */
/* Customers remembered per user: all of a rep's (a rep's writes spread
 * over their customers as a day's calls do, not over a few hundred that
 * would grow long histories run after run), the first page of a
 * manager's team. */
#define REP_CUSTOMERS  50000
#define TEAM_CUSTOMERS 200
#define LIST_PAGE      1000
#define MAX_MANAGERS   16
#define DAY            86400

static const char *const places[] = { "华东", "华南", "北方", "中科", "蓝海",
	"Acme", "Summit", "Redwood" };
static const char *const trades[] = { "精密机械", "电子科技", "物流", "软件",
	" Tools", " Foods", " Logistics", " Medical" };
static const char *const summaries[] = {
	"介绍了新产品方案, 客户关注交付周期",
	"电话沟通预算, 对方需要内部评审",
	"Visited the plant; the buyer asked for a quote",
	"Price discussion; they compare with a competitor",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static crm_status
call_ok(struct bench_conn *c, Crm__V1__Request *req, const char *what)
{
	Crm__V1__Response *r = NULL;
	crm_status rc = bench_call(c, req, &r);
	if (rc != CRM_OK) {
		fprintf(stderr, "crm-bench: %s: %s%s%s\n", what,
		    crm_strerror(rc),
		    r && r->status && r->status->message ? ": " : "",
		    r && r->status && r->status->message ? r->status->message
		                                         : "");
	}
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	return rc;
}

static crm_status
add_user(struct bench_conn *c, const char *login, int role, const char *team)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserAddRequest u = CRM__V1__USER_ADD_REQUEST__INIT;
	u.login = (char *)login;
	u.name = (char *)login;
	u.has_role = 1;
	u.role = (Crm__V1__Role)role;
	u.team = (char *)team;
	u.password = BENCH_PASSWORD;
	req.body_case = CRM__V1__REQUEST__BODY_USER_ADD;
	req.user_add = &u;
	return call_ok(c, &req, "user add");
}

/* Send one import batch; the ids of its rows go to ids (may be NULL). */
static crm_status
import(struct bench_conn *c, int kind, Crm__V1__ImportRow **rows, size_t n,
    uint64_t *ids)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ImportRequest q = CRM__V1__IMPORT_REQUEST__INIT;
	q.has_kind = 1;
	q.kind = (Crm__V1__ImportKind)kind;
	q.rows = rows;
	q.n_rows = n;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = &q;
	Crm__V1__Response *r = NULL;
	crm_status rc = bench_call(c, &req, &r);
	if (rc == CRM_OK &&
	    (r->body_case != CRM__V1__RESPONSE__BODY_IMPORT_REPLY ||
	        r->import_reply->bad > 0 || r->import_reply->n_results != n)) {
		rc = CRM_INTERNAL;
	}
	if (rc != CRM_OK) {
		fprintf(stderr, "crm-bench: import: %s%s%s\n",
		    crm_strerror(rc),
		    r && r->status && r->status->message ? ": " : "",
		    r && r->status && r->status->message ? r->status->message
		                                         : "");
	}
	for (size_t i = 0; rc == CRM_OK && ids != NULL && i < n; i++) {
		ids[i] = r->import_reply->results[i]->id;
	}
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	return rc;
}

int
bench_data_fill(const struct bench_opts *o, const char *url,
    void (*progress)(double done, const char *what))
{
	struct bench_conn c;
	if (bench_conn_open(&c, url) != 0 ||
	    bench_login(&c, "admin", BENCH_PASSWORD) != CRM_OK) {
		fprintf(stderr, "crm-bench: cannot log in as admin\n");
		return -1;
	}
	uint64_t rng = o->seed * 2 + 1;
	unsigned reps = o->reps ? o->reps : 1;
	unsigned teams = reps >= 32 ? reps / 16 : (reps >= 2 ? 2 : 1);
	crm_status rc = CRM_OK;
	char login[32], team[32];
	for (unsigned t = 0; rc == CRM_OK && t < teams; t++) {
		snprintf(login, sizeof(login), "mgr%02u", t + 1);
		snprintf(team, sizeof(team), "team%02u", t + 1);
		rc = add_user(&c, login, CRM__V1__ROLE__ROLE_MANAGER, team);
	}
	for (unsigned i = 0; rc == CRM_OK && i < reps; i++) {
		snprintf(login, sizeof(login), "rep%04u", i + 1);
		snprintf(team, sizeof(team), "team%02u", i % teams + 1);
		rc = add_user(&c, login, CRM__V1__ROLE__ROLE_REP, team);
		if (progress != NULL) {
			progress(0.2 * (i + 1) / reps, "users");
		}
	}
	size_t nc = o->customers;
	uint64_t *ids = crm_xcalloc(nc ? nc : 1, sizeof(*ids));
	Crm__V1__ImportRow rowv[IMPORT_ROWS], *rowp[IMPORT_ROWS];
	Crm__V1__Customer cust[IMPORT_ROWS];
	Crm__V1__FollowUp fu[IMPORT_ROWS];
	char names[IMPORT_ROWS][96], owners[IMPORT_ROWS][32];
	int64_t now = crm_time_now();
	for (size_t b = 0; rc == CRM_OK && b < nc; b += IMPORT_ROWS) {
		size_t n = nc - b < IMPORT_ROWS ? nc - b : IMPORT_ROWS;
		for (size_t i = 0; i < n; i++) {
			size_t k = b + i;
			crm__v1__import_row__init(&rowv[i]);
			crm__v1__customer__init(&cust[i]);
			snprintf(names[i], sizeof(names[i]), "%s%s %06zu",
			    places[bench_rand(&rng) % N(places)],
			    trades[bench_rand(&rng) % N(trades)], k + 1);
			snprintf(owners[i], sizeof(owners[i]), "rep%04zu",
			    k % reps + 1);
			cust[i].name = names[i];
			cust[i].has_grade = 1;
			cust[i].grade = (Crm__V1__Grade)(1 + k % 4);
			rowv[i].has_row = 1;
			rowv[i].row = (uint32_t)(k + 1);
			rowv[i].customer = &cust[i];
			rowv[i].owner = owners[i];
			rowp[i] = &rowv[i];
		}
		rc = import(&c, CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS, rowp,
		    n, ids + b);
		if (progress != NULL) {
			progress(0.2 + 0.2 * (double)(b + n) / (double)nc,
			    "customers");
		}
	}
	/* Follow-ups: the f-th of every customer, in time order. */
	size_t total = nc * o->followups, done = 0;
	for (unsigned f = 0; rc == CRM_OK && f < o->followups; f++) {
		for (size_t b = 0; rc == CRM_OK && b < nc; b += IMPORT_ROWS) {
			size_t n = nc - b < IMPORT_ROWS ? nc - b : IMPORT_ROWS;
			for (size_t i = 0; i < n; i++) {
				crm__v1__import_row__init(&rowv[i]);
				crm__v1__follow_up__init(&fu[i]);
				fu[i].has_customer_id = 1;
				fu[i].customer_id = ids[b + i];
				fu[i].has_happened_at = 1;
				fu[i].happened_at =
				    now -
				    (int64_t)(o->followups - f) * 7 * DAY -
				    (int64_t)(bench_rand(&rng) % DAY);
				fu[i].has_channel = 1;
				fu[i].channel =
				    (Crm__V1__Channel)(1 +
				                       bench_rand(&rng) % 3);
				fu[i].summary = (char *)
				    summaries[bench_rand(&rng) % N(summaries)];
				rowv[i].has_row = 1;
				rowv[i].row = (uint32_t)(b + i + 1);
				rowv[i].followup = &fu[i];
				rowp[i] = &rowv[i];
			}
			rc = import(&c, CRM__V1__IMPORT_KIND__IMPORT_FOLLOWUPS,
			    rowp, n, NULL);
			done += n;
			if (progress != NULL) {
				progress(0.4 + 0.6 * (double)done /
				                   (double)(total ? total : 1),
				    "follow-ups");
			}
		}
	}
	free(ids);
	bench_conn_close(&c);
	return rc == CRM_OK ? 0 : -1;
}

static void
user_free(struct bench_user *u)
{
	for (size_t i = 0; i < u->n_customers; i++) {
		free(u->names[i]);
	}
	free(u->names);
	free(u->customers);
}

/* Log u in and read the customers they work on (REP_CUSTOMERS). */
static int
prepare_user(const char *url, struct bench_user *u)
{
	struct bench_conn c;
	if (bench_conn_open(&c, url) != 0) {
		return -1;
	}
	crm_status rc = bench_login(&c, u->login, BENCH_PASSWORD);
	if (rc != CRM_OK) {
		fprintf(stderr, "crm-bench: cannot log in as %s: %s\n",
		    u->login, crm_strerror(rc));
		bench_conn_close(&c);
		return -1;
	}
	memcpy(u->token, c.token, c.token_len);
	u->token_len = c.token_len;
	if (u->role == CRM__V1__ROLE__ROLE_ADMIN) {
		bench_conn_close(&c);
		return 0;
	}
	/* A rep's own customers; a manager's, the team's (find-team). */
	int rep = u->role == CRM__V1__ROLE__ROLE_REP;
	size_t cap = rep ? REP_CUSTOMERS : TEAM_CUSTOMERS, have = 0;
	u->customers = crm_xcalloc(cap, sizeof(*u->customers));
	u->names = crm_xcalloc(cap, sizeof(*u->names));
	uint64_t cursor = 0;
	Crm__V1__Response *r = NULL;
	do {
		Crm__V1__Request req = CRM__V1__REQUEST__INIT;
		Crm__V1__CustomerListRequest q =
		    CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
		q.owner = rep ? u->login : NULL;
		q.has_limit = 1;
		q.limit = (uint32_t)(cap - have < LIST_PAGE ? cap - have
		                                            : LIST_PAGE);
		q.has_cursor = cursor != 0;
		q.cursor = cursor;
		req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
		req.customer_list = &q;
		if (r != NULL) {
			crm__v1__response__free_unpacked(r, NULL);
			r = NULL;
		}
		rc = bench_call(&c, &req, &r);
		if (rc != CRM_OK ||
		    r->body_case != CRM__V1__RESPONSE__BODY_CUSTOMERS) {
			break;
		}
		const Crm__V1__CustomerPage *p = r->customers;
		for (size_t i = 0; i < p->n_customers && have < cap; i++) {
			u->customers[have] = p->customers[i]->id;
			u->names[have++] = crm_xstrdup(
			    p->customers[i]->name ? p->customers[i]->name
			                          : "");
		}
		cursor = p->has_next_cursor ? p->next_cursor : 0;
	} while (cursor != 0 && have < cap);
	u->n_customers = have;
	if (r != NULL) {
		crm__v1__response__free_unpacked(r, NULL);
	}
	bench_conn_close(&c);
	return rc == CRM_OK ? 0 : -1;
}

static void
user_from(struct bench_user *u, const Crm__V1__User *p)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->login, sizeof(u->login), "%s", p->login ? p->login : "");
	snprintf(u->team, sizeof(u->team), "%s", p->team ? p->team : "");
	u->role = p->role;
}

int
bench_data_discover(
    const struct bench_opts *o, const char *url, struct bench_data *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->admin.login, sizeof(d->admin.login), "admin");
	d->admin.role = CRM__V1__ROLE__ROLE_ADMIN;
	if (prepare_user(url, &d->admin) != 0) {
		return -1;
	}
	struct bench_conn c;
	if (bench_conn_open(&c, url) != 0) {
		return -1;
	}
	memcpy(c.token, d->admin.token, d->admin.token_len);
	c.token_len = d->admin.token_len;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__UserListRequest q = CRM__V1__USER_LIST_REQUEST__INIT;
	req.body_case = CRM__V1__REQUEST__BODY_USER_LIST;
	req.user_list = &q;
	Crm__V1__Response *r = NULL;
	crm_status rc = bench_call(&c, &req, &r);
	bench_conn_close(&c);
	if (rc != CRM_OK || r->body_case != CRM__V1__RESPONSE__BODY_USERS) {
		fprintf(stderr, "crm-bench: cannot list users: %s\n",
		    crm_strerror(rc));
		if (r != NULL) {
			crm__v1__response__free_unpacked(r, NULL);
		}
		return -1;
	}
	/* As many reps as the largest client count (at least 16, for
	 * variety), drawn at random; each login costs an argon2id hash. */
	int want = 16;
	for (int i = 0; i < o->n_clients; i++) {
		want = o->clients[i] > want ? o->clients[i] : want;
	}
	size_t nu = r->users->n_users;
	size_t *reps = crm_xcalloc(nu ? nu : 1, sizeof(*reps));
	d->managers = crm_xcalloc(MAX_MANAGERS, sizeof(*d->managers));
	for (size_t i = 0; i < nu; i++) {
		const Crm__V1__User *p = r->users->users[i];
		if (p->has_active && !p->active) {
			continue;
		}
		if (p->role == CRM__V1__ROLE__ROLE_REP) {
			reps[d->reps_total++] = i;
		} else if (p->role == CRM__V1__ROLE__ROLE_MANAGER) {
			if (d->n_managers < MAX_MANAGERS) {
				user_from(&d->managers[d->n_managers++], p);
			}
			d->managers_total++;
		}
	}
	uint64_t rng = o->seed * 3 + 1;
	size_t pool =
	    d->reps_total < (size_t)want ? d->reps_total : (size_t)want;
	for (size_t i = 0; i < pool; i++) { /* partial Fisher-Yates */
		size_t j = i + bench_rand(&rng) % (d->reps_total - i);
		size_t t = reps[i];
		reps[i] = reps[j];
		reps[j] = t;
	}
	d->reps = crm_xcalloc(pool ? pool : 1, sizeof(*d->reps));
	for (size_t i = 0; i < pool; i++) {
		struct bench_user *u = &d->reps[d->n_reps];
		user_from(u, r->users->users[reps[i]]);
		if (prepare_user(url, u) != 0) {
			free(reps);
			crm__v1__response__free_unpacked(r, NULL);
			return -1;
		}
		if (u->n_customers > 0) {
			d->n_reps++;
		} else {
			user_free(u); /* nothing to work on */
		}
	}
	free(reps);
	crm__v1__response__free_unpacked(r, NULL);
	for (size_t i = 0; i < d->n_managers; i++) {
		if (prepare_user(url, &d->managers[i]) != 0) {
			return -1;
		}
	}
	if (d->n_reps == 0 || d->n_managers == 0) {
		fprintf(stderr, "crm-bench: the data set needs reps with "
		                "customers and a manager\n");
		return -1;
	}
	return 0;
}

static uint64_t
entries(MDB_txn *txn, const char *name)
{
	MDB_dbi dbi;
	MDB_stat st;
	if (mdb_dbi_open(txn, name, 0, &dbi) != 0 ||
	    mdb_stat(txn, dbi, &st) != 0) {
		return 0;
	}
	return st.ms_entries;
}

/* The records of a kind in data of schema 11 and later, where most
 * databases share one LMDB tree: the next id of its sequence in meta
 * (store_next_id), less one; 0 when there is none. */
static uint64_t
issued(MDB_txn *txn, const char *kind)
{
	MDB_dbi dbi;
	char name[64];
	int n = snprintf(name, sizeof(name), "seq:%s", kind);
	MDB_val k = { (size_t)n, name }, v;
	if (mdb_dbi_open(txn, "meta", 0, &dbi) != 0 ||
	    mdb_get(txn, dbi, &k, &v) != 0 || v.mv_size != 8) {
		return 0;
	}
	uint64_t next = 0;
	for (size_t i = 0; i < 8; i++) {
		next = next << 8 | ((const uint8_t *)v.mv_data)[i];
	}
	return next > 0 ? next - 1 : 0;
}

void
bench_data_count(const char *dir, struct bench_data *d)
{
	MDB_env *env;
	MDB_txn *txn;
	if (mdb_env_create(&env) != 0) {
		return;
	}
	mdb_env_set_maxdbs(env, 128);
	if (mdb_env_open(env, dir, MDB_RDONLY, 0600) == 0 &&
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
		/* crmd's table names (server/store.c). */
		d->customers = entries(txn, "customers");
		d->followups = entries(txn, "followups");
		d->tasks = entries(txn, "tasks");
		if (d->customers == 0) {
			/* One shared tree: the ids issued. */
			d->customers = issued(txn, "customer");
			d->followups = issued(txn, "followup");
			d->tasks = issued(txn, "task");
		}
		d->users = entries(txn, "users");
		MDB_envinfo info;
		MDB_stat st;
		mdb_env_info(env, &info);
		mdb_env_stat(env, &st);
		d->data_mib =
		    (double)(info.me_last_pgno + 1) * st.ms_psize / 1048576.0;
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
}

void
bench_data_free(struct bench_data *d)
{
	for (size_t i = 0; i < d->n_reps; i++) {
		user_free(&d->reps[i]);
	}
	free(d->reps);
	for (size_t i = 0; i < d->n_managers; i++) {
		user_free(&d->managers[i]);
	}
	free(d->managers);
	user_free(&d->admin);
	memset(d, 0, sizeof(*d));
}
