/* SPDX-License-Identifier: MIT */
/*
 * reminders.c: live reminders (see reminders.h): the SUB socket, the
 * once-a-minute poll, and the memory of what was already shown so each
 * reminder is printed once: a task by id and due time (a moved task
 * reminds again), a clock by id, a grade proposal by id. Text other users
 * typed is sanitised before it reaches the terminal.
 */
#include "reminders.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell.h"

#define SEEN_MAX   4096   /* oldest forgotten past this */
#define BURST_MAX  5      /* task lines per fetch; the rest summed up */
#define BACKOFF_MS 300000 /* a server that did not answer: wait longer */

enum seen_kind { SEEN_TASK, SEEN_CLOCK, SEEN_PROPOSAL };

struct seen {
	enum seen_kind kind;
	uint64_t id;
	int64_t at; /* a task's due time */
};

static int sub = -1;
static int sub_fd = -1;
static bool poked;
static bool hello_done;
static bool failing;          /* the last call got no answer */
static int64_t last_fetch_ms; /* 0: never */
static struct seen seen[SEEN_MAX];
static size_t nseen, seen_next;

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether (kind, id, at) was shown; remembers it when not. */
static bool
already_shown(enum seen_kind kind, uint64_t id, int64_t at)
{
	for (size_t i = 0; i < nseen; i++) {
		if (seen[i].kind == kind && seen[i].id == id &&
		    seen[i].at == at) {
			return true;
		}
	}
	seen[seen_next] = (struct seen){ kind, id, at };
	seen_next = (seen_next + 1) % SEEN_MAX;
	nseen = nseen < SEEN_MAX ? nseen + 1 : SEEN_MAX;
	return false;
}

/* ------------------------------------------------------------ socket */

/* Ask the server where it publishes, and subscribe there. */
static void
open_sub(struct cmd_ctx *ctx)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__HelloRequest body = CRM__V1__HELLO_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	int saved = conn_timeout(ctx->conn);
	size_t sz = sizeof(sub_fd);
	int s = -1;

	body.client = (char *)"crm/" CRM_VERSION;
	req.body_case = CRM__V1__REQUEST__BODY_HELLO;
	req.hello = &body;
	conn_set_timeout(ctx->conn, 1500);
	crm_status rc = conn_call(ctx->conn, &req, &resp);
	conn_set_timeout(ctx->conn, saved);
	failing = rc == CRM_UNAVAILABLE;
	if (rc != CRM_OK) {
		goto out; /* no server yet: the next poll tries again */
	}
	hello_done = true;
	if (resp->body_case != CRM__V1__RESPONSE__BODY_HELLO ||
	    resp->hello->pub_url == NULL || resp->hello->pub_url[0] == '\0') {
		goto out; /* a server without pokes: polling only */
	}
	/* Through ssh:// only the forwarded PUB can be reached. */
	const char *url = conn_sub_url(ctx->conn, resp->hello->pub_url);
	for (size_t i = 0; url == NULL && i < resp->hello->n_pub_urls; i++) {
		url = conn_sub_url(ctx->conn, resp->hello->pub_urls[i]);
	}
	if (url == NULL) {
		fprintf(stderr,
		    "crm: crmd publishes its pokes at %s, not on the port "
		    "after its own: live reminders come by polling\n",
		    resp->hello->pub_url);
		goto out;
	}
	/* Through a tunnel each reconnect is an ssh channel: back off. */
	int ivl_max = 30000;
	s = nn_socket(AF_SP, NN_SUB);
	if (s < 0 || nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0 ||
	    (url != resp->hello->pub_url &&
	        nn_setsockopt(s, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, &ivl_max,
	            sizeof(ivl_max)) < 0) ||
	    nn_connect(s, url) < 0 ||
	    nn_getsockopt(s, NN_SOL_SOCKET, NN_RCVFD, &sub_fd, &sz) < 0) {
		sub_fd = -1;
		goto out;
	}
	sub = s;
	s = -1;
out:
	if (s >= 0) {
		nn_close(s);
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
}

void
reminders_start(struct cmd_ctx *ctx)
{
	poked = true; /* say hello and fetch once right away */
	last_fetch_ms = 0;
	reminders_tick(ctx);
}

void
reminders_stop(void)
{
	if (sub >= 0) {
		nn_close(sub);
	}
	sub = sub_fd = -1;
	hello_done = poked = failing = false;
	nseen = seen_next = 0;
}

int
reminders_fd(void)
{
	return sub_fd;
}

void
reminders_session_changed(void)
{
	nseen = seen_next = 0;
	poked = true;
	failing = false;
	last_fetch_ms = 0;
}

int
reminders_timeout_ms(void)
{
	int64_t now = now_ms();
	/* Every call to a server that is down would freeze the prompt for
	 * the call's deadline: back off, and ignore pokes (there are none). */
	int64_t due = last_fetch_ms + (failing    ? BACKOFF_MS
	                                  : poked ? REMINDERS_GAP_MS
	                                          : REMINDERS_PERIOD_MS);
	if (last_fetch_ms == 0 && poked) {
		return 0;
	}
	return due <= now ? 0 : (int)(due - now);
}

void
reminders_readable(void)
{
	for (;;) {
		char *msg = NULL;
		int n = nn_recv(sub, &msg, NN_MSG, NN_DONTWAIT);
		if (n < 0) {
			break; /* EAGAIN: drained */
		}
		if (n >= 4 && memcmp(msg, "poke", 4) == 0) {
			poked = true;
		}
		nn_freemsg(msg);
	}
}

/* ------------------------------------------------------------ printing */

/* "14:30" when t is today, else "11-25 14:30" (local time). */
static void
short_time(int64_t t, int64_t now, char *buf, size_t len)
{
	char a[32], b[32];
	crm_time_format(t, a, sizeof(a));
	crm_time_format(now, b, sizeof(b));
	if (strncmp(a, b, 10) == 0) {
		snprintf(buf, len, "%s", a + 11);
	} else {
		snprintf(buf, len, "%s", a + 5);
	}
}

static void
print_task(const Crm__V1__Task *t, int64_t now)
{
	char when[32], *line;
	short_time(t->due_at, now, when, sizeof(when));
	line = crm_xasprintf("⏰ task %llu %s %s %s: %s",
	    (unsigned long long)t->id,
	    t->due_at < now ? "overdue since" : "due", when,
	    t->customer ? t->customer : "?", t->goal ? t->goal : "");
	shell_print_async(line); /* sanitises the whole line */
	free(line);
}

static void
print_clock(const Crm__V1__SlaClock *c, int64_t now)
{
	char when[32], *line;
	short_time(c->deadline_at, now, when, sizeof(when));
	line = crm_xasprintf("⚠ SLA %s for %s %s %s%s%s",
	    crm_enum_name(&crm__v1__sla_kind__descriptor, c->kind),
	    c->customer ? c->customer : "?",
	    c->deadline_at < now ? "breached at" : "breaches at", when,
	    c->text && c->text[0] ? ": " : "", c->text ? c->text : "");
	shell_print_async(line);
	free(line);
}

static void
print_proposal(const Crm__V1__GradeProposal *p)
{
	const char *from =
	    crm_enum_name(&crm__v1__grade__descriptor, p->grade_from);
	char *line = crm_xasprintf("★ grade proposal %llu: %s %s→%s by %s%s%s",
	    (unsigned long long)p->id, p->customer ? p->customer : "?",
	    from[0] ? from : "-",
	    crm_enum_name(&crm__v1__grade__descriptor, p->grade_to),
	    p->proposed_by ? p->proposed_by : "?",
	    p->reason && p->reason[0] ? ": " : "", p->reason ? p->reason : "");
	shell_print_async(line);
	free(line);
}

/* Print what r holds that was not shown before. */
static void
show(const Crm__V1__RemindersReply *r)
{
	int64_t now = r->has_now_at ? r->now_at : crm_time_now();
	size_t more = 0, printed = 0;
	char *line;

	for (size_t i = 0; i < r->n_tasks; i++) {
		const Crm__V1__Task *t = r->tasks[i];
		if (already_shown(SEEN_TASK, t->id, t->due_at)) {
			continue;
		}
		if (printed++ < BURST_MAX) {
			print_task(t, now);
		} else {
			more++;
		}
	}
	if (more > 0) {
		line = crm_xasprintf("⏰ and %zu more task%s due: type `due`",
		    more, more == 1 ? "" : "s");
		shell_print_async(line);
		free(line);
	}
	for (size_t i = 0; i < r->n_clocks; i++) {
		const Crm__V1__SlaClock *c = r->clocks[i];
		if (!already_shown(SEEN_CLOCK, c->id, 0)) {
			print_clock(c, now);
		}
	}
	for (size_t i = 0; i < r->n_proposals; i++) {
		const Crm__V1__GradeProposal *p = r->proposals[i];
		if (!already_shown(SEEN_PROPOSAL, p->id, 0)) {
			print_proposal(p);
		}
	}
	/* The server left some out: say so once a session. */
	static int said_more;
	if (r->more && !said_more) {
		said_more = 1;
		shell_print_async("⏰ and more reminders than fit: type `due`, "
		                  "`sla`, `grade pending`");
	}
}

/* One RemindersRequest; silent on failure (not logged in, no server). */
static void
fetch(struct cmd_ctx *ctx)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__RemindersRequest body = CRM__V1__REMINDERS_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	int saved = conn_timeout(ctx->conn);

	body.has_ahead_seconds = 1;
	body.ahead_seconds = REMINDERS_AHEAD_S;
	req.body_case = CRM__V1__REQUEST__BODY_REMINDERS;
	req.reminders = &body;
	/* Keys typed meanwhile wait in the terminal; keep the wait short. */
	conn_set_timeout(ctx->conn, 2000);
	crm_status rc = conn_call(ctx->conn, &req, &resp);
	failing = rc == CRM_UNAVAILABLE;
	if (rc == CRM_OK &&
	    resp->body_case == CRM__V1__RESPONSE__BODY_REMINDERS) {
		show(resp->reminders);
	}
	conn_set_timeout(ctx->conn, saved);
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
}

void
reminders_tick(struct cmd_ctx *ctx)
{
	if (reminders_timeout_ms() > 0) {
		return;
	}
	poked = false;
	last_fetch_ms = now_ms();
	/* Without a user (not logged in, or no server when the shell
	 * asked who we are) there is nothing to fetch: wait for login. */
	if (ctx->login == NULL) {
		return;
	}
	if (!hello_done) {
		open_sub(ctx);
	}
	if (!failing) {
		fetch(ctx);
	}
}
