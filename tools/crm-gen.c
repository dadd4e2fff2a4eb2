/* SPDX-License-Identifier: MIT */
/*
 * crm-gen: fill a new database with a realistic synthetic data set, offline
 * (no crmd running): teams of reps and a manager each, customers with
 * Chinese and English names across grades and stages, contacts, and about
 * ten follow-ups per customer over the past year that move stages, keep
 * the cadence tasks, leave commitments and answer SLA clocks.
 *
 * Every record goes through the server's own request handlers (crmd_core)
 * with the clock set to the time of the event, so indexes, report facts
 * and tasks are exactly what crmd would have written. Only the audit log
 * is left out (and the similar-name warning of customer add, a reply that
 * would read every name for each customer: req_ctx.bulk skips both), and
 * commits are batched and written into the map without fsync until a
 * final sync (STORE_BULK): a crash mid-way leaves a database to throw
 * away, not a wrong one.
 *
 * Where the time goes (perf, 100,000 customers): the handlers' own writes,
 * about 95 store operations per follow-up (the change log, id sequences,
 * the follow-up task done and planned anew, report facts, the customer's
 * search text). Logging the follow-ups of a batch in time order across
 * customers (so the report facts go in key order) and larger
 * transactions were both measured slower and larger: the per-customer
 * indexes then lose their appends. Instead the indexes written at
 * random keys and never read by the load are deferred (store_defer):
 * held in memory, sorted to a run on the disk each time a GiB of them
 * is held, and merged into the database once, at the end, each of
 * their leaves written once. Once the set outgrows the memory, each of
 * their writes was a leaf read from the disk and copied in its own
 * commit; merged into the database a GiB at a time instead of sorted
 * to the disk, they still took 44 % of the 1,000,000-customer load
 * (382 of 860 s), each merge reading and copying the trees again.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "crm.h"
#include "handlers.h"
#include "schema.h"
#include "store.h"
#include "store_schema.h"
#include "user.h"

#define DAY      86400
#define HOUR     3600
#define PASSWORD "bench-pw"
#define BATCH    100  /* customers per transaction (--batch) */
#define DEFER_MB 1024 /* deferred index writes held (--defer-mb) */

struct opts {
	const char *data;
	uint64_t customers;
	unsigned teams, reps;
	unsigned followups; /* average per customer */
	uint64_t seed;
	int quiet;
	uint64_t deep;      /* follow-ups of the one deep customer */
	unsigned deep_text; /* bytes of each one's summary and feedback */
	uint64_t batch;     /* customers per transaction */
	uint64_t defer_mb;  /* deferred index writes held, 0: none */
};

/* ---------------------------------------------------- randomness */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static unsigned
below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* An index into weights[n] drawn by weight. */
static int
pick(const unsigned *weights, int n)
{
	unsigned sum = 0;
	for (int i = 0; i < n; i++) {
		sum += weights[i];
	}
	unsigned r = below(sum);
	for (int i = 0; i < n; i++) {
		if (r < weights[i]) {
			return i;
		}
		r -= weights[i];
	}
	return n - 1;
}

/* ---------------------------------------------------- names */

static const char *const cn_place[] = { "华东", "华南", "北方", "中科", "东方",
	"新兴", "宏达", "金石", "长城", "海天", "蓝海", "瑞丰" };
static const char *const cn_trade[] = { "精密机械", "电子科技", "食品", "物流",
	"医疗器械", "化工", "软件", "建材", "纺织", "新能源" };
static const char *const cn_suffix[] = { "有限公司", "股份有限公司", "集团",
	"贸易公司" };
static const char *const en_first[] = { "Acme", "Northwind", "Bluewater",
	"Summit", "Redwood", "Ironbridge", "Silverline", "Everbright" };
static const char *const en_trade[] = { "Tools", "Electronics", "Foods",
	"Logistics", "Medical", "Chemicals", "Software", "Materials" };
static const char *const surname[] = { "王", "李", "张", "刘", "陈", "杨",
	"赵", "黄", "周", "吴" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "强", "磊",
	"洋", "艳", "杰" };
static const char *const en_name[] = { "Alice Chen", "Bob Li", "Carol Wang",
	"David Zhang", "Emma Liu", "Frank Zhao" };
static const char *const summaries[] = {
	"介绍了新产品方案, 客户关注交付周期",
	"电话沟通预算, 对方需要内部评审",
	"Visited the plant; the buyer asked for a quote",
	"发送案例资料, 约下周演示",
	"Price discussion; they compare with a competitor",
	"售后回访, 使用情况良好",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
company_name(uint64_t i, char *buf, size_t n)
{
	if (below(3) == 0) {
		snprintf(buf, n, "%s %s %" PRIu64 " Ltd",
		    en_first[below(N(en_first))], en_trade[below(N(en_trade))],
		    i);
	} else {
		snprintf(buf, n, "%s%s%s %" PRIu64,
		    cn_place[below(N(cn_place))], cn_trade[below(N(cn_trade))],
		    cn_suffix[below(N(cn_suffix))], i);
	}
}

/* ---------------------------------------------------- the load */

struct gen {
	struct opts o;
	store *st;
	crm_arena arena;
	struct req_ctx ctx;
	struct auth_who *reps; /* o.teams * o.reps */
	size_t nreps;
	int64_t now;
	uint64_t nfu;    /* follow-ups logged so far (for the progress bar) */
	size_t used;     /* bytes of the data file in use at the end */
	unsigned spills; /* the held index entries sorted to the disk */
	double spill_secs; /* the seconds that took */
	int runs_failed;   /* a run could not be written: the disk is full */
	unsigned merges;   /* the runs and the held merged into the data */
	double merge_secs; /* and the seconds that took */
};

/* Run handler h as who at time t; the request body is set by the caller.
 * Fails the load on any error. */
static crm_status
run(struct gen *g, const struct auth_who *who, int64_t t,
    crm_status (*h)(
        struct req_ctx *, const Crm__V1__Request *, Crm__V1__Response *),
    Crm__V1__Request *req, Crm__V1__Response *resp)
{
	g->ctx.who = who;
	g->ctx.now = t;
	g->ctx.msg[0] = '\0';
	crm__v1__response__init(resp);
	crm_status rc = h(&g->ctx, req, resp);
	if (rc != CRM_OK) {
		fprintf(
		    stderr, "crm-gen: %s: %s\n", crm_strerror(rc), g->ctx.msg);
	}
	return rc;
}

static crm_status
make_users(struct gen *g)
{
	char hash[128];
	if (auth_hash_password(PASSWORD, hash) != CRM_OK) {
		return CRM_INTERNAL;
	}
	g->nreps = (size_t)g->o.teams * g->o.reps;
	g->reps = crm_xcalloc(g->nreps, sizeof(*g->reps));
	uint64_t id;
	crm_status rc = user_create(&g->ctx, "admin", "Admin",
	    CRM__V1__ROLE__ROLE_ADMIN, NULL, hash, &id);
	for (unsigned t = 0; rc == CRM_OK && t < g->o.teams; t++) {
		char team[32], login[32];
		snprintf(team, sizeof(team), "team%02u", t + 1);
		snprintf(login, sizeof(login), "mgr%02u", t + 1);
		rc = user_create(&g->ctx, login, login,
		    CRM__V1__ROLE__ROLE_MANAGER, team, hash, &id);
		for (unsigned r = 0; rc == CRM_OK && r < g->o.reps; r++) {
			struct auth_who *w = &g->reps[t * g->o.reps + r];
			snprintf(w->login, sizeof(w->login), "rep%04u",
			    t * g->o.reps + r + 1);
			rc = user_create(&g->ctx, w->login, w->login,
			    CRM__V1__ROLE__ROLE_REP, team, hash, &w->user_id);
			Crm__Store__UserRecord *u;
			if (rc == CRM_OK) {
				rc = user_get(&g->ctx, w->user_id, &u);
			}
			if (rc == CRM_OK) {
				w->role = CRM__V1__ROLE__ROLE_REP;
				w->team_id = u->team_id;
			}
		}
	}
	return rc;
}

/* Times of n follow-ups between created and the end, in order. */
static void
times(int64_t created, int64_t end, int64_t *at, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		at[i] =
		    created + HOUR +
		    (int64_t)(rnd() % (uint64_t)(end - created - 2 * HOUR));
	}
	for (unsigned i = 1; i < n; i++) { /* insertion sort: n is small */
		int64_t v = at[i];
		unsigned j = i;
		while (j > 0 && at[j - 1] > v) {
			at[j] = at[j - 1];
			j--;
		}
		at[j] = v;
	}
}

enum {
	POTENTIAL = 1,
	INTENT,
	NEGOTIATION,
	WON,
	CHURN_RISK,
	LOST,
};

/* The stage follow-up i of n moves the customer to on its way to
 * target (0: none). */
static int
stage_at(int target, unsigned i, unsigned n)
{
	static const int path[][5] = {
		[POTENTIAL] = { 0 },
		[INTENT] = { INTENT, 0 },
		[NEGOTIATION] = { INTENT, NEGOTIATION, 0 },
		[WON] = { INTENT, NEGOTIATION, WON, 0 },
		[CHURN_RISK] = { INTENT, NEGOTIATION, WON, CHURN_RISK, 0 },
		[LOST] = { INTENT, LOST, 0 },
	};
	unsigned steps = 0;
	while (steps < 5 && path[target][steps] != 0) {
		steps++;
	}
	/* Step s happens at follow-up (s + 1) * n / (steps + 1) - 1... the
	 * last one at the last follow-up. */
	for (unsigned s = 0; s < steps; s++) {
		unsigned when =
		    s + 1 == steps ? n - 1 : (s + 1) * n / (steps + 1);
		if (when == i) {
			return path[target][s];
		}
	}
	return 0;
}

static crm_status
one_customer(struct gen *g, uint64_t i)
{
	static const unsigned grade_w[] = { 10, 20, 40, 30 };
	static const unsigned stage_w[] = { 30, 20, 15, 20, 5, 10 };
	static const unsigned channel_w[] = { 40, 20, 10, 8, 5, 15, 1, 1 };
	const struct auth_who *rep = &g->reps[below((unsigned)g->nreps)];
	int64_t created = g->now - DAY - (int64_t)below(364 * DAY);
	char name[160];
	company_name(i, name, sizeof(name));
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__Response resp;
	Crm__V1__CustomerAddRequest add = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	c.name = name;
	c.has_grade = 1;
	c.grade = (Crm__V1__Grade)(1 + pick(grade_w, 4));
	c.industry = (char *)cn_trade[below(N(cn_trade))];
	c.region = (char *)cn_place[below(N(cn_place))];
	c.source = below(2) ? "trade show" : "referral";
	add.customer = &c;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req.customer_add = &add;
	/* An established book: its grades stand approved, so the rep adds
	 * with a manager's say over the grade (a rep's own would be a
	 * proposal); owner and author stay the rep. */
	struct auth_who approved = *rep;
	approved.role = CRM__V1__ROLE__ROLE_MANAGER;
	crm_status rc =
	    run(g, &approved, created, customer_handle_add, &req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	uint64_t cid = resp.customer->customer->id;

	for (unsigned k = 0; k < 2 && rc == CRM_OK; k++) {
		Crm__V1__ContactAddRequest ca =
		    CRM__V1__CONTACT_ADD_REQUEST__INIT;
		Crm__V1__Contact ct = CRM__V1__CONTACT__INIT;
		char cname[64], phone[32];
		if (below(3) == 0) {
			snprintf(cname, sizeof(cname), "%s",
			    en_name[below(N(en_name))]);
		} else {
			snprintf(cname, sizeof(cname), "%s%s",
			    surname[below(N(surname))],
			    given[below(N(given))]);
		}
		snprintf(phone, sizeof(phone), "1%02u%08u", 30 + below(60),
		    below(100000000));
		char *phones[1] = { phone };
		ct.has_customer_id = ct.has_role = 1;
		ct.customer_id = cid;
		ct.name = cname;
		ct.role = (Crm__V1__ContactRole)(1 + below(5));
		ct.phones = phones;
		ct.n_phones = 1;
		ca.contact = &ct;
		req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
		req.contact_add = &ca;
		rc = run(
		    g, rep, created + 600, contact_handle_add, &req, &resp);
	}
	if (rc == CRM_OK && below(20) == 0) {
		Crm__V1__SlaStartRequest s = CRM__V1__SLA_START_REQUEST__INIT;
		s.has_customer_id = s.has_issue = 1;
		s.customer_id = cid;
		s.issue = below(2);
		s.text = "询价: 需要报价单";
		req.body_case = CRM__V1__REQUEST__BODY_SLA_START;
		req.sla_start = &s;
		rc =
		    run(g, rep, created + 1200, sla_handle_start, &req, &resp);
	}

	int target = 1 + pick(stage_w, 6);
	/* N/2 to 3N/2 about --followups N, whose mean is N: floor(N/2) +
	 * below(N + 1) alone falls half a follow-up short for an odd N,
	 * so an odd N adds a coin's 0 or 1. Not for N = 1: at least one
	 * each makes that exactly 1 (0 to 2 raised to at least 1 would be
	 * 1.25). */
	unsigned fu = g->o.followups;
	unsigned n = fu / 2 + below(fu + 1);
	if (fu % 2 == 1 && fu > 1) {
		n += below(2);
	}
	int64_t at[64];
	/* At least one each, unless --followups 0 asked for none. */
	n = n > 64 ? 64 : (n == 0 && fu > 0 ? 1 : n);
	times(created, g->now, at, n);
	for (unsigned k = 0; k < n && rc == CRM_OK; k++) {
		Crm__V1__FollowupLogRequest lr =
		    CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
		Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
		Crm__V1__Score sc = CRM__V1__SCORE__INIT;
		Crm__V1__Commitment cm = CRM__V1__COMMITMENT__INIT;
		Crm__V1__Commitment *cms[1] = { &cm };
		f.has_customer_id = f.has_happened_at = f.has_channel =
		    f.has_mood = 1;
		f.customer_id = cid;
		f.happened_at = at[k];
		f.channel = (Crm__V1__Channel)(1 + pick(channel_w, 8));
		f.mood = (Crm__V1__Mood)(1 + below(5));
		f.summary = (char *)summaries[below(N(summaries))];
		f.has_duration_min = 1;
		f.duration_min = 5 + below(55);
		int to = stage_at(target, k, n);
		if (to != 0) {
			f.has_stage_to = 1;
			f.stage_to = (Crm__V1__Stage)to;
			f.stage_reason = "阶段推进";
			if (to == LOST) {
				f.has_lost_reason = 1;
				f.lost_reason =
				    (Crm__V1__LostReason)(1 + below(5));
			} else if (to == WON) {
				f.has_deal_amount = 1;
				f.deal_amount =
				    (int64_t)(1 + below(500)) * 100000;
			}
		}
		if (below(5) == 0) {
			sc.has_timeliness = sc.has_efficiency = 1;
			sc.has_professionalism = sc.has_proactiveness = 1;
			sc.timeliness = 1 + below(5);
			sc.efficiency = 1 + below(5);
			sc.professionalism = 2 + below(4);
			sc.proactiveness = 1 + below(5);
			f.score = &sc;
		}
		if (below(10) == 0) {
			cm.text = "发送报价单";
			cm.has_due_at = 1;
			cm.due_at = at[k] + 3 * DAY;
			f.commitments = cms;
			f.n_commitments = 1;
		}
		lr.followup = &f;
		req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
		req.followup_log = &lr;
		/* Logged within minutes, now and then a day late. */
		int64_t logged =
		    at[k] +
		    (below(10) == 0 ? DAY + HOUR : (int64_t)below(HOUR));
		if (logged > g->now) {
			logged = g->now;
		}
		rc = run(g, rep, logged, followup_handle_log, &req, &resp);
		g->nfu++;
	}
	return rc;
}

/* The deep customer (a long timeline): "deep" of rep0001, n follow-ups a
 * minute apart ending a day ago, each with a summary and a feedback of
 * `text` bytes that start with its number ("#17 "); the newest moves the
 * stage to intent. Commits every 1000. */
static crm_status
deep_customer(struct gen *g, MDB_txn **txn)
{
	const struct auth_who *rep = &g->reps[0];
	uint64_t n = g->o.deep;
	int64_t first = g->now - DAY - (int64_t)n * 60;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__Response resp;
	Crm__V1__CustomerAddRequest add = CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	Crm__V1__Customer c = CRM__V1__CUSTOMER__INIT;
	crm_arena_reset(&g->arena);
	c.name = "deep";
	c.has_grade = 1;
	c.grade = CRM__V1__GRADE__GRADE_A;
	add.customer = &c;
	req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	req.customer_add = &add;
	crm_status rc =
	    run(g, rep, first - HOUR, customer_handle_add, &req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	uint64_t cid = resp.customer->customer->id;
	size_t len = g->o.deep_text ? g->o.deep_text : 1;
	char *summary = crm_xmalloc(len + 1), *feedback = crm_xmalloc(len + 1);
	memset(summary, 's', len);
	memset(feedback, 'f', len);
	summary[len] = feedback[len] = '\0';
	for (uint64_t i = 1; rc == CRM_OK && i <= n; i++) {
		crm_arena_reset(&g->arena);
		char head[32];
		int hn = snprintf(head, sizeof(head), "#%" PRIu64 " ", i);
		size_t h = (size_t)hn < len ? (size_t)hn : len;
		memcpy(summary, head, h);
		memcpy(feedback, head, h);
		Crm__V1__FollowupLogRequest lr =
		    CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
		Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
		f.has_customer_id = f.has_happened_at = f.has_channel = 1;
		f.customer_id = cid;
		f.happened_at = first + (int64_t)i * 60;
		f.channel = CRM__V1__CHANNEL__CHANNEL_PHONE;
		f.summary = summary;
		f.feedback = feedback;
		if (i == n) {
			f.has_stage_to = 1;
			f.stage_to = CRM__V1__STAGE__STAGE_INTENT;
			f.stage_reason = "the newest";
		}
		lr.followup = &f;
		req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
		req.followup_log = &lr;
		rc = run(g, rep, f.happened_at + 60, followup_handle_log, &req,
		    &resp);
		if (rc == CRM_OK && i % 1000 == 0) {
			rc = store_write_commit(g->st, *txn);
			if (rc == CRM_OK) {
				rc = store_write_begin(g->st, txn);
				g->ctx.txn = *txn;
			}
		}
	}
	free(summary);
	free(feedback);
	return rc;
}

/* The set's records as crm-check counts them (server/check.c): every
 * record type of schema.def, the customer events crmd wrote beside them
 * (a task closed or moved, a stage back from lost: how many depends on
 * the dates, which are dated back from the clock), the audit records
 * (none: req_ctx.bulk writes none) and the calendar's days (none). Not
 * the stage history, nor any index entry. Each kind's ids come from its
 * sequence, one id a record, and a load deletes none (any failure ends
 * it), so the sequences count them: walking the trees for the count read
 * the whole set from the disk again (12 % of the load's time at 200,000
 * customers). tests/e2e/gen_test.sh checks it against crm-check's. */
static uint64_t
records(struct gen *g, MDB_txn *txn)
{
	uint64_t n = store_seq_peek(g->st, txn, "event") - 1 +
	             store_seq_peek(g->st, txn, "audit") - 1;
	for (size_t i = 0; i < schema_nrecords; i++) {
		n += store_seq_peek(g->st, txn, schema_records[i].seq) - 1;
	}
	store_cursor *cur;
	if (store_cursor_open(g->st, txn, DB_CALENDAR, &cur) == CRM_OK) {
		store_val k;
		while (store_cursor_get(cur, STORE_NEXT, &k, NULL) == CRM_OK) {
			n++;
		}
		store_cursor_close(cur);
	}
	return n;
}

static void
progress(const struct gen *g, uint64_t done, double secs)
{
	if (g->o.quiet || !isatty(STDERR_FILENO)) {
		return;
	}
	int width = 40;
	int fill = (int)((double)width * (double)done /
	                 (double)(g->o.customers ? g->o.customers : 1));
	fprintf(stderr, "\r[");
	for (int i = 0; i < width; i++) {
		fputs(i < fill ? "#" : " ", stderr);
	}
	double left =
	    done > 0 && done < g->o.customers
	        ? secs * (double)(g->o.customers - done) / (double)done
	        : 0;
	fprintf(stderr,
	    "] %" PRIu64 "/%" PRIu64 " customers, %.0f follow-ups/s, "
	    "%.0f s to go ",
	    done, g->o.customers, secs > 0 ? (double)g->nfu / secs : 0, left);
	fflush(stderr);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The indexes the load writes at random keys and never reads: the
 * report facts (a scope's year, customer after customer), the open
 * queues (an owner's due times), the search grams and the pool rules'
 * due entries. Deferred, they are
 * written in key order (store_defer): the same data, each leaf copied
 * once a flush instead of once a write. The grade spells (grade_time)
 * too: a stage change dated back reads the grade the customer had then
 * from their copies under the customer (grade_cust, lifecycle.c), which
 * are not deferred (a deferred database refuses reads). */
static const enum store_db deferred[] = { DB_GRADE_TIME, DB_FU_TIME,
	DB_STAGE_TIME, DB_TASK_DUE, DB_COMMIT_DUE, DB_SLA_TIME, DB_CUST_NEW,
	DB_PURCH_TIME, DB_TASK_OPEN, DB_COMMIT_OPEN, DB_SLA_OPEN,
	DB_SEARCH_GRAM, DB_RECLAIM };

/* Write the held index entries (to a sorted run on the disk, or, at
 * the end, merged into the database), saying so on the progress line:
 * a GiB takes a while. */
static crm_status
flush(struct gen *g, MDB_txn **txn, int end)
{
	size_t held = store_defer_bytes(g->st);
	if (!g->o.quiet && isatty(STDERR_FILENO)) {
		fprintf(stderr, "\r%-78s\r",
		    end ? "writing the held index entries in key order ..."
		        : "sorting the held index entries to the disk ...");
		fflush(stderr);
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int merged = end;
	crm_status rc = end ? store_defer_flush(g->st, txn)
	                    : store_defer_spill(g->st, txn, &merged);
	g->runs_failed = rc == CRM_TOO_BIG && store_defer_run_failed(g->st);
	g->ctx.txn = *txn;
	if (merged) {
		g->merges++;
		g->merge_secs += seconds_since(&t0);
	} else if (held > 0) {
		g->spills++;
		g->spill_secs += seconds_since(&t0);
	}
	return rc;
}

static int
load(struct gen *g)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	MDB_txn *txn;
	crm_status rc = store_write_begin(g->st, &txn);
	uint64_t batch = g->o.batch;
	g->ctx.txn = txn;
	if (rc == CRM_OK) {
		rc = make_users(g);
	}
	for (size_t i = 0; rc == CRM_OK && g->o.defer_mb > 0 &&
	                   i < sizeof(deferred) / sizeof(deferred[0]);
	     i++) {
		rc = store_defer(g->st, deferred[i]);
	}
	for (uint64_t i = 0; rc == CRM_OK && i < g->o.customers; i++) {
		crm_arena_reset(&g->arena);
		rc = one_customer(g, i + 1);
		/* After each customer, not each batch: --defer-mb holds
		 * whatever the batch. */
		if (rc == CRM_OK &&
		    store_defer_bytes(g->st) > (g->o.defer_mb << 20) / 2) {
			rc = flush(g, &txn, 0);
		}
		if (rc == CRM_OK && (i + 1) % batch == 0) {
			rc = store_write_commit(g->st, txn);
			if (rc == CRM_OK) {
				rc = store_write_begin(g->st, &txn);
				g->ctx.txn = txn;
			}
			progress(g, i + 1, seconds_since(&t0));
		}
	}
	if (rc == CRM_OK && g->o.deep > 0) {
		rc = deep_customer(g, &txn);
	}
	if (rc == CRM_OK) {
		rc = flush(g, &txn, 1);
	}
	if (rc == CRM_TOO_BIG && g->runs_failed) {
		fprintf(stderr,
		    "crm-gen: stopped: the disk is full (the sorted "
		    "index writes could not be written in %s); the "
		    "partial database is removed\n",
		    g->o.data);
		if (txn != NULL) {
			store_write_abort(g->st, txn);
		}
		return 1;
	}
	if (txn == NULL) {
		fprintf(stderr, "crm-gen: stopped: %s\n", crm_strerror(rc));
		return 1;
	}
	uint64_t nrec = records(g, txn);
	/* The set was marked unfinished from store_open's first commit:
	 * one that a SIGKILL (or a crash) stops half way is refused by
	 * crmd and crm-check instead of passing for a whole set. */
	if (rc == CRM_OK) {
		rc = store_bulk_finish(g->st, txn);
	}
	if (rc == CRM_OK) {
		rc = store_write_commit(g->st, txn);
	} else {
		store_write_abort(g->st, txn);
	}
	if (rc == CRM_OK) {
		rc = store_sync(g->st);
	}
	g->used = store_used_bytes(g->st);
	double secs = seconds_since(&t0);
	progress(g, g->o.customers, secs);
	if (!g->o.quiet && isatty(STDERR_FILENO)) {
		fputc('\n', stderr);
	}
	if (rc != CRM_OK) {
		fprintf(stderr, "crm-gen: stopped: %s\n", crm_strerror(rc));
		return 1;
	}
	double bytes = (double)g->used;
	printf("crm-gen: %" PRIu64 " customers, %u team%s of %u rep%s, "
	       "%" PRIu64 " records (as crm-check counts them) in %.1f s "
	       "(%.0f records/s); "
	       "data %.1f MiB in %s\n",
	    g->o.customers, g->o.teams, g->o.teams == 1 ? "" : "s", g->o.reps,
	    g->o.reps == 1 ? "" : "s", nrec, secs,
	    secs > 0 ? (double)nrec / secs : 0, bytes / 1048576.0, g->o.data);
	if (g->o.defer_mb > 0) {
		printf(
		    "crm-gen: index entries held: sorted to the disk %u times "
		    "(on another thread; waited for %.1f s; at most %.1f MiB "
		    "there), merged into the database %u times (%.1f s)\n",
		    g->spills, g->spill_secs,
		    (double)store_defer_run_peak(g->st) / 1048576.0, g->merges,
		    g->merge_secs);
	}
	printf("crm-gen: users admin, mgr01..mgr%02u, rep0001..rep%04zu; "
	       "password \"%s\"\n",
	    g->o.teams, g->nreps, PASSWORD);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: crm-gen --data DIR [options]\n"
	    "Fill a new crm database in DIR with a synthetic data set\n"
	    "(offline: no crmd may be serving DIR).\n\n"
	    "  --data DIR        the database folder (created; must be new)\n"
	    "  --customers N     customers (default 1000000)\n"
	    "  --followups N     average follow-ups per customer (default "
	    "10, at most 40)\n"
	    "  --teams N         teams (default 10, at most 99)\n"
	    "  --reps N          reps per team (default 10)\n"
	    "  --seed N          random seed (default 1)\n"
	    "  --deep N          and customer \"deep\" (of rep0001) with N\n"
	    "                    follow-ups, a minute apart until a day ago\n"
	    "  --deep-text B     bytes of their summary and feedback each\n"
	    "                    (default 4096, the most a field holds)\n"
	    "  --defer-mb N      hold up to N MiB of index writes (report\n"
	    "                    facts, queues, search grams): each half\n"
	    "                    is sorted to a file in DIR on another\n"
	    "                    thread while the load fills the other, and\n"
	    "                    all are written in key order at the end\n"
	    "                    (default 1024, at most a quarter of the\n"
	    "                    memory; 0: each at once, slower, the same\n"
	    "                    data)\n"
	    "  --batch N         customers per transaction (default 100;\n"
	    "                    every commit copies each page it touched)\n"
	    "  --quiet           no progress bar\n"
	    "  -h, --help        this help\n\n"
	    "Needs free space in DIR for about 13 KB a customer and 2.4 KB\n"
	    "a follow-up (35 GiB for 1,000,000 customers, whose set takes\n"
	    "about 26 GiB, and its sorted index files 7 GiB until the end),\n"
	    "and refuses to start without it. At most 9999 reps in all.\n"
	    "A stopped run (an error, a full disk, Ctrl-C) removes what it\n"
	    "made (data.mdb, lock.mdb, crmd.lock, and DIR when it made it;\n"
	    "nothing that was there before), so DIR is as it found it.\n"
	    "Users: admin, managers mgr01.., reps rep0001..; every password\n"
	    "is \"" PASSWORD "\". Prints its rate and the data size.\n"
	    "Its records are crm-check's: every user, team, customer,\n"
	    "contact, follow-up, task, commitment, SLA clock, purchase, and\n"
	    "customer event crmd wrote beside them (a task closed or moved);\n"
	    "no index entries. The set is dated back from the clock: the\n"
	    "same seed on another day makes other dates, and so other\n"
	    "events.\n");
}

/* What a stopped run leaves is no data set: what it made goes (the
 * database's files, and the folder when crm-gen made it; never the
 * folder it was given nor a file that was there before), so that nothing
 * half made passes for a whole set and a second run finds the folder as
 * the first found it. Each path is set once this run is to make that
 * file; the handlers use only unlink, rmdir, write and _exit. */
static char gone_data[4096], gone_lock[4096], gone_crmd[4096], gone_dir[4096];

static void
remove_partial(void)
{
	const char *files[] = { gone_data, gone_lock, gone_crmd };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i][0] != '\0') {
			(void)unlink(files[i]);
		}
	}
	if (gone_dir[0] != '\0') {
		(void)rmdir(gone_dir);
	}
}

/* Set *gone to dir/name unless that file is there already (so not this
 * run's to remove). */
static void
gone_unless_there(char *gone, size_t n, const char *dir, const char *name)
{
	struct stat sb;
	snprintf(gone, n, "%s/%s", dir, name);
	if (lstat(gone, &sb) == 0) {
		gone[0] = '\0';
	}
}

static void
say(const char *msg)
{
	ssize_t w = write(STDERR_FILENO, msg, strlen(msg));
	(void)w;
}

/* The load writes into the map (STORE_BULK): a page the disk has no room
 * for is a SIGBUS, not an error return. */
static void
on_sigbus(int sig)
{
	(void)sig;
	remove_partial();
	say("crm-gen: stopped: the disk is full (a page of the data file "
	    "could not be written); the partial database is removed\n");
	_exit(1);
}

static void
on_stop(int sig)
{
	remove_partial();
	say("crm-gen: interrupted; the partial database is removed\n");
	_exit(128 + sig);
}

/* The bytes a set takes, with room to spare: measured 36 KB a customer
 * of 10 follow-ups at 1,000 customers (27 KB at 1,000,000) and 15 KB at
 * one follow-up, and the deep customer's follow-ups (13.3 KB each at
 * --deep-text 4096). */
static double
set_bytes(const struct opts *o)
{
	return (double)(o->customers + 10) *
	           (13000.0 + 2400.0 * (double)o->followups) +
	       (double)o->deep * (3.0 * o->deep_text + 2400.0) + 4194304.0;
}

/* Whether dir's file system has room for the set. */
static int
room_for(const struct opts *o, const char *dir)
{
	struct statvfs fs;
	if (statvfs(dir, &fs) != 0) {
		return 1; /* cannot tell: the SIGBUS handler says it */
	}
	double need = set_bytes(o);
	double avail = (double)fs.f_bavail * (double)fs.f_frsize;
	if (need <= avail) {
		return 1;
	}
	fprintf(stderr,
	    "crm-gen: %s has %.0f MiB free; this set needs about %.0f MiB "
	    "(about 13 KB a customer, 2.4 KB a follow-up and 3 times "
	    "--deep-text a deep one): free some or "
	    "ask for fewer customers\n",
	    dir, avail / 1048576.0, need / 1048576.0);
	return 0;
}

/* The most --defer-mb may hold: a quarter of the memory (the buffers
 * grow by doubling), so that the map keeps the rest. */
static uint64_t
defer_mb_max(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0) {
		return DEFER_MB;
	}
	return (uint64_t)pages * (uint64_t)size / 4 >> 20;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno == ERANGE) {
		return -1;
	}
	*v = x;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "customers", required_argument, NULL, 'c' },
		{ "followups", required_argument, NULL, 'f' },
		{ "teams", required_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "deep", required_argument, NULL, 'D' },
		{ "deep-text", required_argument, NULL, 'T' },
		{ "batch", required_argument, NULL, 'b' },
		{ "defer-mb", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.o = (struct opts){ NULL, 1000000, 10, 10, 10, 1, 0, 0, 4096, BATCH,
		DEFER_MB };
	int c;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		uint64_t v = 0;
		if (c == '?' || c == ':') {
			usage(stderr); /* getopt said what was wrong */
			return 2;
		}
		if (c != 'd' && c != 'q' && c != 'h' &&
		    parse_u64(optarg, &v) != 0) {
			const char *name = "?";
			for (size_t i = 0; longs[i].name != NULL; i++) {
				if (longs[i].val == c) {
					name = longs[i].name;
				}
			}
			fprintf(stderr,
			    "crm-gen: --%s: not a whole number of 0 or more: "
			    "%s\n",
			    name, optarg);
			return 2;
		}
		switch (c) {
		case 'd':
			g.o.data = optarg;
			break;
		case 'c':
			g.o.customers = v;
			break;
		case 'f':
			if (v > 40) {
				fprintf(stderr,
				    "crm-gen: --followups: at most "
				    "40\n");
				return 2;
			}
			g.o.followups = (unsigned)v;
			break;
		case 't':
		case 'r':
			/* Checked before the narrowing: 2^32 + 1 teams were 1.
			 */
			if (v == 0 || v > (c == 't' ? 99 : 9999)) {
				fprintf(stderr,
				    "crm-gen: --%s: from 1 to %u\n",
				    c == 't' ? "teams" : "reps",
				    c == 't' ? 99u : 9999u);
				return 2;
			}
			*(c == 't' ? &g.o.teams : &g.o.reps) = (unsigned)v;
			break;
		case 's':
			g.o.seed = v;
			break;
		case 'D':
			g.o.deep = v > 10000000 ? 10000000 : v;
			break;
		case 'T':
			if (v > 4096) {
				fprintf(stderr,
				    "crm-gen: --deep-text: at most "
				    "4096 (a field's most)\n");
				return 2;
			}
			g.o.deep_text = (unsigned)v;
			break;
		case 'b':
			if (v == 0 || v > 1000000) {
				fprintf(stderr, "crm-gen: --batch: from 1 to "
				                "1000000\n");
				return 2;
			}
			g.o.batch = v;
			break;
		case 'M':
			if (v > defer_mb_max()) {
				fprintf(stderr,
				    "crm-gen: --defer-mb: at most %" PRIu64
				    " (a quarter of the memory here: what is "
				    "held may take twice that)\n",
				    defer_mb_max());
				return 2;
			}
			g.o.defer_mb = v;
			break;
		case 'q':
			g.o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (g.o.data == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (g.o.teams > 99 || (uint64_t)g.o.teams * g.o.reps > 9999) {
		fprintf(stderr, "crm-gen: at most 99 teams and 9999 reps in "
		                "all (--teams times --reps)\n");
		return 2;
	}
	if (g.o.customers > 1000000000) {
		fprintf(stderr, "crm-gen: --customers: at most 1000000000\n");
		return 2;
	}
	struct stat sb;
	char *probe = crm_xasprintf("%s/data.mdb", g.o.data);
	int exists = stat(probe, &sb) == 0;
	free(probe);
	if (exists) {
		fprintf(stderr, "crm-gen: %s already holds a database\n",
		    g.o.data);
		return 1;
	}
	if (auth_init() != CRM_OK) {
		fprintf(stderr, "crm-gen: cannot start libsodium\n");
		return 1;
	}
	/* A stop from here on removes what this run made: held until the
	 * run knows what that is (the folder, then the database's files)
	 * and its handlers are in place. */
	sigset_t stops, was;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, &was);
	int made = mkdir(g.o.data, 0700) == 0;
	if (!made && errno != EEXIST) {
		fprintf(stderr, "crm-gen: cannot create %s: %s\n", g.o.data,
		    strerror(errno));
		return 1;
	}
	if (!made && (stat(g.o.data, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		fprintf(stderr, "crm-gen: %s is not a folder\n", g.o.data);
		return 1;
	}
	if (!room_for(&g.o, g.o.data)) {
		if (made) {
			rmdir(g.o.data);
		}
		return 1;
	}
	/* Ours from here: what this run makes goes on any failure or stop
	 * (the database's files are made below: data.mdb was not there). */
	gone_unless_there(gone_data, sizeof(gone_data), g.o.data, "data.mdb");
	gone_unless_there(gone_lock, sizeof(gone_lock), g.o.data, "lock.mdb");
	gone_unless_there(gone_crmd, sizeof(gone_crmd), g.o.data, "crmd.lock");
	if (made) {
		snprintf(gone_dir, sizeof(gone_dir), "%s", g.o.data);
	}
	signal(SIGBUS, on_sigbus);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	/* A closed stdout is an error to report, not a death before the
	 * set is closed and trimmed; a file over the size limit (ulimit
	 * -f) is a failed write to clean up after, not a death. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	sigprocmask(SIG_SETMASK, &was, NULL);
	/* The folder's lock before the database: a run that finds it held
	 * (a crmd, another crm-gen) has made no file there, and removes
	 * none (only the folder, when it made that). */
	int lock = store_lock_dir(g.o.data);
	if (lock < 0) {
		gone_data[0] = gone_lock[0] = gone_crmd[0] = '\0';
		if (lock == -2) {
			fprintf(stderr, "crm-gen: %s is in use\n", g.o.data);
		} else {
			fprintf(stderr, "crm-gen: cannot lock %s: %s\n",
			    g.o.data, strerror(errno));
		}
		remove_partial();
		return 1;
	}
	if (gone_data[0] == '\0' || stat(gone_data, &sb) == 0) {
		/* Made by another program since the look above. */
		gone_data[0] = gone_lock[0] = '\0';
		fprintf(stderr, "crm-gen: %s already holds a database\n",
		    g.o.data);
		remove_partial();
		close(lock);
		return 1;
	}
	rng_state = g.o.seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
	/* The same zone, named: with TZ unset glibc's mktime stats
	 * /etc/localtime on every call (a tenth of the load's time). */
	if (getenv("TZ") == NULL) {
		setenv("TZ", ":/etc/localtime", 1);
	}
	tzset();
	/* Room for the set, doubled: the map is address space, not disk. */
	size_t map = (size_t)(2.0 * set_bytes(&g.o));
	g.st = store_new();
	if (store_open(g.st, g.o.data, map, STORE_BULK) != CRM_OK) {
		store_free(g.st);
		remove_partial();
		close(lock);
		fprintf(stderr,
		    "crm-gen: cannot create a database in %s; what this run "
		    "made there is removed\n",
		    g.o.data);
		return 1;
	}
	crm_arena_init(&g.arena, 8u << 20);
	g.ctx.st = g.st;
	g.ctx.arena = &g.arena;
	g.ctx.bulk = 1;
	g.ctx.action = "crm-gen";
	g.now = crm_time_now();
	int code = load(&g);
	crm_arena_fini(&g.arena);
	free(g.reps);
	store_close(g.st);
	store_free(g.st);
	if (code == 0 && store_trim(g.o.data, g.used) != CRM_OK) {
		code = 1;
	}
	if (code != 0) {
		remove_partial();
		fprintf(stderr, "crm-gen: the partial database is removed\n");
	}
	close(lock);
	if (code == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr,
		    "crm-gen: the set in %s is whole, but its summary could "
		    "not be written: %s\n",
		    g.o.data, strerror(errno));
		code = 1;
	}
	return code;
}
