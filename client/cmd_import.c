/* SPDX-License-Identifier: MIT */
/*
 * cmd_import.c: `import customers|contacts|followups FILE`. The file
 * (CSV in UTF-8, GB18030 or UTF-16, or an .xlsx's first sheet: decoded to
 * UTF-8 lines by file_decode.c) is read with libcsv (quotes, embedded
 * newlines) in two passes. The check pass maps every row (import_map.c),
 * collects what the shell can see is wrong (a bad date, enum word or amount,
 * a field crmd refuses in any request) and asks the server to check the rest
 * (duplicates, unknown owners and customers) in one dry run across its
 * batches, which sees each row after the rows before it as the import will
 * (import_dry.c on the server; a file over CRM_IMPORT_DRY_RUN_ROWS rows in
 * several, and --dry-run says from which row it estimates). Only when no row
 * is bad, or --skip-bad is given, does the second pass send the same batches
 * for real; so a file with a bad row writes nothing at all. Batches hold at
 * most 500 rows and stay under the server's request size; row numbers are
 * the file's line numbers (a workbook's: the sheet's rows). Follow-up rows
 * the server added as history only (older than the customer's last
 * contact) are counted and listed with its note. Ctrl-C (or SIGTERM,
 * SIGHUP) stops the import at the next batch: the one in flight settles
 * (cmd_outbox_request), none is sent after it, and crm says how far it
 * got, then ends as killed by the signal (the interactive shell goes on).
 */
#include <csv.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "file_decode.h"
#include "import_map.h"
#include "progress.h"
#include "render.h"
#include "shell.h"

#define BATCH_ROWS  CRM_IMPORT_BATCH_ROWS
#define BATCH_BYTES (CRM_MAX_REQUEST - 4096) /* room for the envelope */
#define MAX_BAD     100000                   /* bad rows remembered to print */
#define STR_(x)     #x
#define STR(x)      STR_(x)

struct bad {
	unsigned row;
	size_t seq; /* keeps the order of one row's problems */
	char *column;
	char *why;
	uint64_t id; /* a row already there: the record it matched */
};

/* A row met in this pass: its key hash (0: a free slot), the dry run
 * (window) it was first in, and how many rows of the file so far had it. */
struct seen {
	uint64_t h;
	unsigned window;
	unsigned row;   /* the first row of the file with that key */
	unsigned count; /* the rows with that key so far, this one included */
};

/* A follow-up row met in this pass: what the server's test of "already
 * there" compares (server/followup.c same_followup), so that a row's
 * occurrence counts the earlier rows the server would find as it. */
struct fu_met {
	uint64_t group; /* customer, summary, minute */
	int64_t at;
	int channel, mood;       /* 0: the row gives none */
	char *feedback, *author; /* NULL: the row gives none */
	size_t next;             /* the earlier row of its group, + 1 */
};

/* The last follow-up row met of a group (index + 1). */
struct fu_head {
	uint64_t group; /* 0: a free slot */
	size_t last;
};

struct import {
	struct cmd_ctx *ctx;
	const char *path;
	file_decode *file; /* its lines as UTF-8 */
	const char *verb;  /* "customers" */
	int kind;
	bool write;    /* the second pass */
	char delim;    /* the header line's separator; 0: not seen yet */
	bool skip_bad; /* --skip-bad */

	/* the header */
	bool have_header;
	size_t ncols;
	char **headers;
	const struct import_map_field **map;

	/* the batch being filled */
	Crm__V1__ImportRow **rows;
	size_t nrows, bytes;
	unsigned first_line; /* of the batch, for messages */

	/* outcomes */
	unsigned added, existing, bad_rows, rows_seen;
	unsigned proposed; /* added rows whose grade went to the manager */
	struct bad *bad;
	size_t nbad, badcap, more_bad;
	/* follow-up rows added as history only: older than the customer's
	 * last contact, nothing planned (column unused; why: the server's
	 * note) */
	unsigned history_only;
	struct bad *hist;
	size_t nhist, histcap, more_hist;
	/* other rows added with a note of what they did not do as they
	 * said (a follow-up's next action whose owner may no longer see
	 * the customer: kept as said, not planned; column unused) */
	struct bad *noted;
	size_t nnoted, notedcap, more_noted;
	/* rows already there, each with the record (or earlier row of the
	 * file) it matched (column unused; why: the server's message) */
	struct bad *ex;
	size_t nex, excap, more_ex;
	bool stop;     /* a request failed, the header is unusable, or a
	                * signal came (signo) */
	crm_status rc; /* why stop */
	bool partial;  /* the write pass stopped after writing something */
	int signo;     /* the signal that stopped the import (SIGINT), or 0 */
	unsigned through; /* the write pass: the last row of the last batch
	                   * written (its reply counted); 0: none yet */

	/* The check pass is one dry run across batches (crm.proto's
	 * ImportRequest): its batches are parts crmd keeps, then runs in
	 * order, then answers part by part; a file longer than a dry run
	 * holds (CRM_IMPORT_DRY_RUN_ROWS) is checked in several. */
	uint8_t dry_id[CRM_REQUEST_ID_LEN];
	unsigned part;     /* parts sent of the dry run */
	unsigned dry_rows; /* and their rows */
	unsigned window;   /* dry runs finished (or batches, per_batch) */
	bool per_batch;    /* crmd answered a batch alone (an older one) */
	unsigned estimate_from; /* the first row checked without all rows
	                         * before it (a later dry run or batch); 0 */

	/* rows met so far in this pass, by key hash (open addressing): a
	 * row twice in one file is found across dry runs too (within one,
	 * crmd finds it); a follow-up or purchase row's occurrence, and
	 * a purchase row's place among its customer's day and amount */
	struct seen *seen;
	size_t nseen, seencap;
	/* follow-up rows met so far in this pass, chained by group from
	 * fu_head (open addressing on the group; index + 1, 0: none) */
	struct fu_met *fu;
	size_t nfu, fucap;
	struct fu_head *fu_head;
	size_t fu_headcap;
};

/* ------------------------------------------------------------ outcomes */

/* A new row of one of the outcome lists (v, n, cap), in order; NULL
 * past MAX_BAD, counted in *more instead. */
static struct bad *
outcome_slot(struct bad **v, size_t *n, size_t *cap, size_t *more)
{
	if (*n >= MAX_BAD) {
		(*more)++;
		return NULL;
	}
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = crm_xrealloc(*v, *cap * sizeof(**v));
	}
	struct bad *b = &(*v)[*n];
	memset(b, 0, sizeof(*b));
	b->seq = (*n)++;
	return b;
}

static void
add_bad(struct import *im, unsigned row, const char *column, const char *why)
{
	struct bad *b =
	    outcome_slot(&im->bad, &im->nbad, &im->badcap, &im->more_bad);
	if (b != NULL) {
		b->row = row;
		b->column = crm_xstrdup(column && column[0] ? column : "-");
		b->why = crm_xstrdup(why && why[0] ? why : "refused");
	}
}

/* A follow-up row added as history only, with the server's note. */
static void
add_history(struct import *im, unsigned row, const char *note)
{
	struct bad *h =
	    outcome_slot(&im->hist, &im->nhist, &im->histcap, &im->more_hist);
	if (h != NULL) {
		h->row = row;
		h->why = crm_xstrdup(note && note[0] ? note : "history only");
	}
}

/* A row added with the server's note (not a grade proposal). */
static void
add_noted(struct import *im, unsigned row, const char *note)
{
	struct bad *h = outcome_slot(
	    &im->noted, &im->nnoted, &im->notedcap, &im->more_noted);
	if (h != NULL) {
		h->row = row;
		h->why = crm_xstrdup(note);
	}
}

/* A row already there, with what it matched: record id (0: an earlier
 * row of the file) and the message saying which. */
static void
add_existing(struct import *im, unsigned row, uint64_t id, const char *why)
{
	struct bad *e =
	    outcome_slot(&im->ex, &im->nex, &im->excap, &im->more_ex);
	if (e != NULL) {
		e->row = row;
		e->id = id;
		e->why = crm_xstrdup(why && why[0] ? why : "already there");
	}
}

static int
cmp_bad(const void *a, const void *b)
{
	const struct bad *x = a, *y = b;
	if (x->row != y->row) {
		return x->row < y->row ? -1 : 1;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
sort_bad(struct import *im)
{
	if (im->nbad > 1) {
		qsort(im->bad, im->nbad, sizeof(*im->bad), cmp_bad);
	}
	if (im->nex > 1) {
		qsort(im->ex, im->nex, sizeof(*im->ex), cmp_bad);
	}
}

static void
clear_outcomes(struct import *im)
{
	for (size_t i = 0; i < im->nbad; i++) {
		free(im->bad[i].column);
		free(im->bad[i].why);
	}
	free(im->bad);
	im->bad = NULL;
	im->nbad = im->badcap = im->more_bad = 0;
	im->added = im->existing = im->bad_rows = im->rows_seen = 0;
	im->proposed = 0;
	for (size_t i = 0; i < im->nhist; i++) {
		free(im->hist[i].why);
	}
	free(im->hist);
	im->hist = NULL;
	im->nhist = im->histcap = im->more_hist = 0;
	im->history_only = 0;
	for (size_t i = 0; i < im->nnoted; i++) {
		free(im->noted[i].why);
	}
	free(im->noted);
	im->noted = NULL;
	im->nnoted = im->notedcap = im->more_noted = 0;
	for (size_t i = 0; i < im->nex; i++) {
		free(im->ex[i].why);
	}
	free(im->ex);
	im->ex = NULL;
	im->nex = im->excap = im->more_ex = 0;
}

/* The file's header for a field the server names ("owner"), else the
 * field itself. Borrowed. */
static const char *
column_of(const struct import *im, const char *field)
{
	if (field == NULL || field[0] == '\0') {
		return "-";
	}
	/* The server says "customer" of the customer a row names. */
	if (strcmp(field, "customer") == 0 &&
	    im->kind != CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS) {
		field = "customer_name";
	}
	for (size_t i = 0; i < im->ncols; i++) {
		if (im->map[i] != NULL &&
		    import_map_provides(im->map[i], field)) {
			return im->headers[i];
		}
	}
	return field;
}

/* column_of for each field of a ','-separated list the server names
 * ("owner,grade": a customer row that differs from the existing one),
 * joined by ", " into buf (size n). */
static const char *
columns_of(const struct import *im, const char *fields, char *buf, size_t n)
{
	if (fields == NULL || strchr(fields, ',') == NULL) {
		return column_of(im, fields);
	}
	size_t used = 0;
	buf[0] = '\0';
	for (const char *p = fields; *p && used < n;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char one[64];
		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		used += (size_t)snprintf(buf + used, n - used, "%s%s",
		    used ? ", " : "", column_of(im, one));
		p = comma ? comma + 1 : p + len;
	}
	return buf;
}

/* ------------------------------------------------------------ batches */

static void
free_batch(struct import *im)
{
	for (size_t i = 0; i < im->nrows; i++) {
		crm__v1__import_row__free_unpacked(im->rows[i], NULL);
	}
	im->nrows = im->bytes = 0;
}

/*
 * Whether a signal (Ctrl-C, SIGTERM, SIGHUP) came while the import ran:
 * the shell's cancel pipe (ctx->cancel_fd) holds its number. The first
 * one stops the import (im->signo); a reply it came during is counted
 * first. The cancel pipe is never drained while one command runs, so
 * without this every later request would be "interrupted" in turn and
 * the import would go on to the end.
 */
static bool
interrupted(struct import *im)
{
	int fd = im->ctx->cancel_fd;
	struct pollfd p = { fd, POLLIN, 0 };
	if (im->signo != 0) {
		return true;
	}
	if (fd < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) {
		return false;
	}
	unsigned char b = 0;
	im->signo = read(fd, &b, 1) == 1 && b != 0 ? b : SIGINT;
	if (!im->stop) {
		im->stop = true;
		im->rc = CRM_CANCELLED;
	}
	return true;
}

/* Send body as an import request: its reply (*resp, the caller frees
 * it), or NULL with the import stopped. No request goes out once a
 * signal came. */
static const Crm__V1__ImportReply *
call(struct import *im, Crm__V1__ImportRequest *body, Crm__V1__Response **resp)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	body->has_kind = 1;
	body->kind = (Crm__V1__ImportKind)im->kind;
	req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	req.import_batch = body;
	*resp = NULL;
	if (interrupted(im)) {
		return NULL;
	}
	crm_status rc = cmd_expect(
	    im->ctx, &req, CRM__V1__RESPONSE__BODY_IMPORT_REPLY, resp);
	if (rc != CRM_OK) {
		im->stop = true;
		im->rc = rc;
		im->partial = im->write && im->added > 0;
		return NULL;
	}
	return (*resp)->import_reply;
}

/* Count the reply of a batch: written, or a dry run's part. */
static void
take_reply(struct import *im, const Crm__V1__ImportReply *r)
{
	unsigned added = 0, existing = 0, bad = 0, proposed = 0, hist = 0;
	unsigned noted = 0;
	/* An added row's message: a customer's grade proposed, another
	 * row's note (a follow-up's next action not planned). */
	int grades = im->kind == CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS;
	for (size_t i = 0; i < r->n_results; i++) {
		const Crm__V1__ImportResult *x = r->results[i];
		int said = x->message != NULL && x->message[0];
		switch (x->outcome) {
		case CRM__V1__IMPORT_RESULT__OUTCOME__ADDED:
			added++;
			if (x->has_history_only && x->history_only) {
				hist++; /* its message is the note */
			} else if (grades) {
				proposed += said;
			} else {
				noted += said;
			}
			break;
		case CRM__V1__IMPORT_RESULT__OUTCOME__EXISTS:
			existing++;
			break;
		default: {
			char cols[256];
			bad++;
			add_bad(im, x->row,
			    columns_of(im, x->column, cols, sizeof(cols)),
			    x->message);
			break;
		}
		}
	}
	if (im->write && bad > 0 && !im->skip_bad) {
		/* Changed since the check: this batch wrote nothing. */
		im->stop = true;
		im->rc = CRM_EPRECOND;
		im->partial = im->added > 0;
		added = existing = proposed = hist = noted = 0;
	}
	for (size_t i = 0; noted > 0 && i < r->n_results; i++) {
		const Crm__V1__ImportResult *x = r->results[i];
		if (x->outcome == CRM__V1__IMPORT_RESULT__OUTCOME__ADDED &&
		    !(x->has_history_only && x->history_only) &&
		    x->message != NULL && x->message[0]) {
			add_noted(im, x->row, x->message);
		}
	}
	for (size_t i = 0; hist > 0 && i < r->n_results; i++) {
		const Crm__V1__ImportResult *x = r->results[i];
		if (x->outcome == CRM__V1__IMPORT_RESULT__OUTCOME__ADDED &&
		    x->has_history_only && x->history_only) {
			add_history(im, x->row, x->message);
		}
	}
	for (size_t i = 0; existing > 0 && i < r->n_results; i++) {
		const Crm__V1__ImportResult *x = r->results[i];
		if (x->outcome == CRM__V1__IMPORT_RESULT__OUTCOME__EXISTS) {
			add_existing(
			    im, x->row, x->has_id ? x->id : 0, x->message);
		}
	}
	im->history_only += hist;
	im->proposed += proposed;
	im->added += added;
	im->existing += existing;
	im->bad_rows += bad;
}

/* The dry run of the check pass, when it has parts: crmd runs them all
 * in order, then each part's reply is counted. The next batch starts
 * another dry run (a new id). */
static void
finish_dry_run(struct import *im)
{
	Crm__V1__ImportRequest body = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;
	unsigned parts = im->part, rows = im->dry_rows;
	if (parts == 0 || im->stop) {
		return;
	}
	im->part = im->dry_rows = 0;
	im->window++;
	body.has_dry_run = body.dry_run = 1;
	body.has_dry_run_id = 1;
	body.dry_run_id.data = im->dry_id;
	body.dry_run_id.len = sizeof(im->dry_id);
	body.has_parts = 1;
	body.parts = parts;
	/* The run takes the rows' time (0.1 ms a row in a release build,
	 * a few in a sanitizer's): more than a request's usual deadline. */
	int was = conn_timeout(im->ctx->conn);
	conn_set_timeout(im->ctx->conn, was + 10 * (int)rows);
	const Crm__V1__ImportReply *ran = call(im, &body, &resp);
	conn_set_timeout(im->ctx->conn, was);
	if (ran == NULL) {
		return;
	}
	crm__v1__response__free_unpacked(resp, NULL);
	body.has_parts = 0;
	body.has_fetch = body.fetch = body.has_part = 1;
	for (unsigned j = 0; j < parts && !im->stop; j++) {
		body.part = j;
		const Crm__V1__ImportReply *r = call(im, &body, &resp);
		if (r != NULL) {
			take_reply(im, r);
			crm__v1__response__free_unpacked(resp, NULL);
			(void)interrupted(im);
		}
	}
}

/*
 * Send the batch: in the write pass, for real; in the check pass, as the
 * next part of the dry run (crmd keeps it, finish_dry_run has its
 * results), or, to a crmd that answers it alone, as a dry run of the
 * batch alone.
 */
static void
send_batch(struct import *im)
{
	Crm__V1__ImportRequest body = CRM__V1__IMPORT_REQUEST__INIT;
	Crm__V1__Response *resp = NULL;

	if (im->nrows == 0 || im->stop) {
		free_batch(im);
		return;
	}
	body.n_rows = im->nrows;
	body.rows = im->rows;
	body.has_dry_run = body.has_skip_bad = 1;
	body.dry_run = !im->write;
	body.skip_bad = im->write && im->skip_bad;
	bool part = !im->write && !im->per_batch;
	if (part) {
		if (im->part == 0) {
			crm_wire_request_id(im->dry_id);
		}
		body.has_dry_run_id = body.has_part = 1;
		body.dry_run_id.data = im->dry_id;
		body.dry_run_id.len = sizeof(im->dry_id);
		body.part = im->part;
	}
	const Crm__V1__ImportReply *r = call(im, &body, &resp);
	if (r != NULL && part && r->kept) {
		im->part++;
		im->dry_rows += (unsigned)im->nrows;
	} else if (r != NULL) {
		if (part) {
			/* A crmd before dry runs across batches: this batch
			 * was checked alone, and so will the next be. */
			im->per_batch = true;
		}
		take_reply(im, r);
		im->window += !im->write;
		if (im->write && !im->stop) {
			im->through = im->rows[im->nrows - 1]->row;
		}
	}
	if (r != NULL) {
		(void)interrupted(im); /* after the batch in flight: stop */
	}
	if (resp != NULL) {
		crm__v1__response__free_unpacked(resp, NULL);
	}
	free_batch(im);
}

/* ------------------------------------------------------------ rows */

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; s != NULL && *s; s++) {
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	}
	return (h ^ 0x1f) * 1099511628211u; /* a separator */
}

/* The customer a row names, as the server's name index keys it. */
static uint64_t
fnv_name(uint64_t h, const char *name, bool company)
{
	char *k = company ? crm_utf8_company_key(name ? name : "")
	                  : crm_utf8_normalize(name ? name : "");
	h = fnv(h, k ? k : name);
	free(k);
	return h;
}

/* What makes two rows of a kind the same record: the server's own test
 * of "already there" (customer name; contact name at a customer;
 * customer, minute, amount and product). Follow-up rows: fu_matches. */
static uint64_t
row_hash(const Crm__V1__ImportRow *row)
{
	char num[64];
	uint64_t h = 1469598103934665603u;
	if (row->customer != NULL) {
		bool company =
		    !row->customer->has_kind ||
		    row->customer->kind != CRM__V1__CUSTOMER_KIND__KIND_PERSON;
		return fnv_name(
		    fnv(h, company ? "c" : "p"), row->customer->name, company);
	}
	/* A row naming its customer may name a company or a person. */
	h = fnv_name(h, row->customer_name, true);
	if (row->contact != NULL) {
		return fnv_name(fnv(h, "contact"), row->contact->name, false);
	}
	if (row->purchase != NULL) {
		/* The minute: the server finds a purchase of the same minute
		 * as the same (purchase_find), so rows at seconds and at the
		 * whole minute of one order count as one kind. */
		snprintf(num, sizeof(num), "%lld/%lld",
		    (long long)(row->purchase->bought_at / 60),
		    (long long)row->purchase->amount);
		return fnv(
		    fnv(fnv(h, "purchase"), num), row->purchase->product);
	}
	return h;
}

/* The rows a won deal's purchase is found among (server/import.c
 * row_purchase_add): a purchase row's customer, local day and amount,
 * whatever its product and time. Only the first row of the file with
 * these can be the deal; the later ones are purchases of their own
 * (use_row). */
static uint64_t
deal_day_hash(const Crm__V1__ImportRow *row)
{
	char day[64] = "";
	time_t t = (time_t)row->purchase->bought_at;
	struct tm tm;
	if (localtime_r(&t, &tm) != NULL) {
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	}
	size_t n = strlen(day);
	snprintf(day + n, sizeof(day) - n, "/%lld",
	    (long long)row->purchase->amount);
	return fnv(
	    fnv(fnv_name(1469598103934665603u, row->customer_name, true),
	        "deal day"),
	    day);
}

/* The entry of the rows with hash h in this pass, counting this one (at
 * row, in the current dry run, if it is the first). */
static const struct seen *
seen_note(struct import *im, uint64_t h, unsigned row)
{
	h |= 1; /* 0 marks a free slot */
	if (2 * (im->nseen + 1) > im->seencap) {
		size_t cap = im->seencap ? 2 * im->seencap : 1024;
		struct seen *t = crm_xcalloc(cap, sizeof(*t));
		for (size_t i = 0; i < im->seencap; i++) {
			struct seen x = im->seen[i];
			size_t j = (size_t)(x.h % cap);
			while (x.h != 0 && t[j].h != 0) {
				j = (j + 1) % cap;
			}
			if (x.h != 0) {
				t[j] = x;
			}
		}
		free(im->seen);
		im->seen = t;
		im->seencap = cap;
	}
	size_t j = (size_t)(h % im->seencap);
	while (im->seen[j].h != 0) {
		if (im->seen[j].h == h) {
			im->seen[j].count++;
			return &im->seen[j];
		}
		j = (j + 1) % im->seencap;
	}
	im->seen[j].h = h;
	im->seen[j].window = im->window;
	im->seen[j].row = row;
	im->seen[j].count = 1;
	im->nseen++;
	return &im->seen[j];
}

/* Whether follow-up row e of the file is one the server would find as
 * the same as row r once e is written: same_followup's test (a value r
 * does not give matches anything) at followup_find's times (the same
 * minute, whichever of the two has seconds). */
static bool
fu_matches(const struct fu_met *r, const struct fu_met *e)
{
	if (e->at / 60 != r->at / 60) {
		return false;
	}
	if (r->channel != 0 && e->channel != r->channel) {
		return false;
	}
	if (r->mood != 0 && e->mood != r->mood) {
		return false;
	}
	if (r->feedback != NULL &&
	    (e->feedback == NULL || strcmp(e->feedback, r->feedback) != 0)) {
		return false;
	}
	return r->author == NULL ||
	       (e->author != NULL && strcmp(e->author, r->author) == 0);
}

static char *
dup_given(const char *s)
{
	return s != NULL && *s ? crm_xstrdup(s) : NULL;
}

/* The occurrence of follow-up row f (customer name) in the file: 1 + the
 * earlier rows the server would find as the same as it (fu_matches), so
 * that a row without feedback after two with it is a third call, not
 * the first of them again; remembers it. */
static unsigned
fu_occurrence(
    struct import *im, const char *customer, const Crm__V1__FollowUp *f)
{
	struct fu_met r = { 0 };
	r.at = f->happened_at;
	r.channel = f->has_channel ? (int)f->channel : 0;
	r.mood = f->has_mood ? (int)f->mood : 0;
	r.feedback = dup_given(f->feedback);
	r.author = dup_given(f->author);
	char minute[32];
	snprintf(minute, sizeof(minute), "%lld", (long long)(r.at / 60));
	r.group = fnv(fnv(fnv_name(1469598103934665603u, customer, true),
	                  f->summary),
	              minute) |
	          1;
	if (2 * (im->nfu + 1) > im->fu_headcap) {
		size_t cap = im->fu_headcap ? 2 * im->fu_headcap : 1024;
		struct fu_head *t = crm_xcalloc(cap, sizeof(*t));
		for (size_t i = 0; i < im->fu_headcap; i++) {
			if (im->fu_head[i].group == 0) {
				continue;
			}
			size_t j = (size_t)(im->fu_head[i].group % cap);
			while (t[j].group != 0) {
				j = (j + 1) % cap;
			}
			t[j] = im->fu_head[i];
		}
		free(im->fu_head);
		im->fu_head = t;
		im->fu_headcap = cap;
	}
	size_t j = (size_t)(r.group % im->fu_headcap);
	while (im->fu_head[j].group != 0 && im->fu_head[j].group != r.group) {
		j = (j + 1) % im->fu_headcap;
	}
	unsigned n = 1;
	for (size_t e = im->fu_head[j].group ? im->fu_head[j].last : 0; e != 0;
	     e = im->fu[e - 1].next) {
		n += fu_matches(&r, &im->fu[e - 1]);
	}
	if (im->nfu == im->fucap) {
		im->fucap = im->fucap ? 2 * im->fucap : 1024;
		im->fu = crm_xrealloc(im->fu, im->fucap * sizeof(*im->fu));
	}
	r.next = im->fu_head[j].group ? im->fu_head[j].last : 0;
	im->fu[im->nfu++] = r;
	im->fu_head[j].group = r.group;
	im->fu_head[j].last = im->nfu;
	return n;
}

/* Forget the rows met: each pass counts from the file's start. */
static void
seen_reset(struct import *im)
{
	free(im->seen);
	im->seen = NULL;
	im->nseen = im->seencap = 0;
	for (size_t i = 0; i < im->nfu; i++) {
		free(im->fu[i].feedback);
		free(im->fu[i].author);
	}
	free(im->fu);
	free(im->fu_head);
	im->fu = NULL;
	im->fu_head = NULL;
	im->nfu = im->fucap = im->fu_headcap = 0;
}

static bool
blank(const char *s)
{
	for (; *s; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
			return false;
		}
	}
	return true;
}

static void
use_header(struct import *im, char **f, size_t n)
{
	im->have_header = true;
	im->ncols = n;
	im->headers = crm_xcalloc(n ? n : 1, sizeof(char *));
	im->map = crm_xcalloc(n ? n : 1, sizeof(*im->map));
	for (size_t i = 0; i < n; i++) {
		bool ignored = false;
		im->headers[i] = crm_xstrdup(f[i]);
		if (blank(f[i])) {
			continue;
		}
		const struct import_map_field *m =
		    import_map_find(im->kind, f[i], &ignored);
		for (size_t k = 0; m != NULL && k < i; k++) {
			if (im->map[k] == m) {
				if (!im->write) {
					fprintf(stderr,
					    "warning: %s: ignoring column "
					    "'%s': column '%s' gives the %s "
					    "already\n",
					    im->path, f[i], im->headers[k],
					    import_map_name(m));
				}
				m = NULL;
				ignored = true;
			}
		}
		if (m == NULL && !ignored && !im->write) {
			fprintf(stderr,
			    "warning: %s: ignoring column '%s' (not a field "
			    "of %s)\n",
			    im->path, f[i], im->verb);
		}
		im->map[i] = m;
	}
	const char *const *req = import_map_required(im->kind);
	for (size_t r = 0; req[r] != NULL; r++) {
		bool have = false;
		for (size_t i = 0; i < n && !have; i++) {
			have = im->map[i] != NULL &&
			       import_map_provides(im->map[i], req[r]);
		}
		if (!have &&
		    im->kind == CRM__V1__IMPORT_KIND__IMPORT_PURCHASES &&
		    strcmp(req[r], "customer_name") != 0) {
			static const char *const hints[][2] = {
				{ "amount", "amount or 金额" },
				{ "product", "product or 产品" },
				{ "bought_at", "at or 购买日期" },
			};
			const char *hint = req[r];
			for (size_t h = 0; h < 3; h++) {
				if (strcmp(hints[h][0], req[r]) == 0) {
					hint = hints[h][1];
				}
			}
			cmd_error("%s: no column for the purchase's %s (a "
			          "header like %s)",
			    im->path, req[r], hint);
			im->stop = true;
			im->rc = CRM_EINVAL;
		} else if (!have) {
			bool cust =
			    strcmp(req[r], "customer_name") == 0 ||
			    im->kind == CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS;
			cmd_error("%s: no column for the %s name (a header "
			          "like %s)",
			    im->path, cust ? "customer" : "contact",
			    cust
			        ? (im->kind ==
			                      CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS
			                  ? "name or 客户名称"
			                  : "customer or 客户名称")
			        : "name or 联系人");
			im->stop = true;
			im->rc = CRM_EINVAL;
		}
	}
}

/* Whether row lacks a value the kind needs; names the column. */
static const char *
missing(const Crm__V1__ImportRow *row)
{
	if (row->customer != NULL) {
		return row->customer->name == NULL ? "name" : NULL;
	}
	if (row->customer_name == NULL) {
		return "customer_name";
	}
	if (row->purchase != NULL) {
		return !row->purchase->has_amount       ? "amount"
		       : row->purchase->product == NULL ? "product"
		       : !row->purchase->has_bought_at  ? "bought_at"
		                                        : NULL;
	}
	if (row->contact != NULL && row->contact->name == NULL) {
		return "name";
	}
	return NULL;
}

/* What crm_validate says of a cell, in the words of a spreadsheet (its
 * reasons speak of protocol fields and seconds). Borrowed. */
static const char *
cell_problem(const char *what)
{
	if (strstr(what, "one line") != NULL) {
		return "a tab, line break or text direction control in a "
		       "column that holds one line";
	}
	if (strstr(what, "before 2000-01-01") != NULL) {
		return "a date before 2000-01-01 (dates from 2000 to 2099)";
	}
	if (strstr(what, "after 2100-01-01") != NULL) {
		return "a date after 2099-12-31 (dates from 2000 to 2099)";
	}
	if (strncmp(what, "too long", 8) == 0) {
		return "too long (at most " STR(CRM_MAX_STRING) " bytes)";
	}
	if (strcmp(what, "too many items") == 0) {
		return "too many items (at most " STR(CRM_MAX_REPEAT) ")";
	}
	return what;
}

/* Whether the file's next due time is the export's column next_due_at
 * (a sheet's is 下次跟进时间 or the like). */
static bool
due_is_export(const struct import *im)
{
	for (size_t i = 0; i < im->ncols; i++) {
		if (im->map[i] != NULL &&
		    import_map_provides(im->map[i], "next_due_at")) {
			return strcmp(im->headers[i], "next_due_at") == 0;
		}
	}
	return false;
}

static void
use_row(struct import *im, char **f, size_t n, unsigned line, size_t nul)
{
	char why[512];
	bool bad = false, any = nul != 0;

	for (size_t i = 0; i < n && !any; i++) {
		any = !blank(f[i]);
	}
	if (!any || im->stop) {
		return; /* an empty line of a spreadsheet */
	}
	im->rows_seen++;
	Crm__V1__ImportRow *row = import_map_row_new(im->kind, line);
	if (nul != 0) {
		add_bad(im, line,
		    nul - 1 < im->ncols ? im->headers[nul - 1] : "-",
		    "a NUL byte in the cell (the file is not text there)");
		bad = true;
	}
	for (size_t i = 0; i < n && i < im->ncols; i++) {
		if (im->map[i] == NULL) {
			continue;
		}
		if (!crm_utf8_valid(f[i], strlen(f[i]))) {
			add_bad(im, line, im->headers[i],
			    "not UTF-8 text (save the file as \"CSV UTF-8\")");
			bad = true;
			continue;
		}
		if (crm_utf8_has_control(f[i], strlen(f[i]))) {
			add_bad(im, line, im->headers[i],
			    "a control character in the cell (only tab and "
			    "line breaks are allowed)");
			bad = true;
			continue;
		}
		if (!import_map_set(im->map[i], row, f[i], why, sizeof(why))) {
			add_bad(im, line, im->headers[i], why);
			bad = true;
		}
	}
	/* A next due time alone under the export's column (next_due_at) is
	 * the cadence's plan, which export writes for every follow-up: this
	 * server plans its own, unless the row says a person chose it
	 * (next_due_chosen). A sheet's 下次跟进时间 alone is the plan the
	 * manager wrote: crmd plans the next follow-up then. */
	if (row->followup != NULL && row->followup->next_action == NULL &&
	    !row->followup->next_due_chosen && due_is_export(im)) {
		row->followup->has_next_due_at = 0;
	}
	/* A score is all four dimensions or none. */
	const Crm__V1__Score *sc = row->followup ? row->followup->score : NULL;
	if (!bad && sc != NULL &&
	    (sc->has_timeliness || sc->has_efficiency ||
	        sc->has_professionalism || sc->has_proactiveness)) {
		static const char *const dims[] = { "timeliness", "efficiency",
			"professionalism", "proactiveness" };
		const protobuf_c_boolean has[] = { sc->has_timeliness,
			sc->has_efficiency, sc->has_professionalism,
			sc->has_proactiveness };
		for (size_t i = 0; i < 4 && !bad; i++) {
			if (!has[i]) {
				add_bad(im, line, column_of(im, dims[i]),
				    "a score needs all four dimensions (1-5)");
				bad = true;
			}
		}
	}
	/* What crmd checks of every field before any handler (a tab or line
	 * break in a one-line cell, a date before 2000): the same check
	 * here names the row and column, where crmd would name the batch. */
	if (!bad &&
	    crm_validate_message(&row->base, why, sizeof(why)) != CRM_OK) {
		char field[64];
		crm_validate_field(why, field, sizeof(field));
		add_bad(im, line, column_of(im, field),
		    cell_problem(crm_validate_what(why)));
		bad = true;
	}
	const char *need = bad ? NULL : missing(row);
	if (need != NULL) {
		add_bad(im, line, column_of(im, need), "is empty");
		bad = true;
	}
	size_t size = crm__v1__import_row__get_packed_size(row) + 8;
	if (!bad && size > BATCH_BYTES) {
		snprintf(why, sizeof(why),
		    "the row is too large (%zu bytes; at most %u)", size,
		    (unsigned)BATCH_BYTES);
		add_bad(im, line, "-", why);
		bad = true;
	}
	if (bad) {
		im->bad_rows++;
		crm__v1__import_row__free_unpacked(row, NULL);
		return;
	}
	/* A dry run's part holds no more rows than the dry run (a test
	 * build's may hold fewer than a batch). */
	unsigned most = im->write ? BATCH_ROWS : crm_import_dry_run_rows();
	if (im->nrows >= BATCH_ROWS || im->nrows >= most ||
	    im->bytes + size > BATCH_BYTES) {
		send_batch(im);
	}
	if (!im->write && im->nrows == 0 && im->part > 0 &&
	    im->dry_rows + (BATCH_ROWS < most ? BATCH_ROWS : most) > most) {
		/* The dry run is full: this batch starts another, which sees
		 * nothing of this one (said with the counts). */
		finish_dry_run(im);
	}
	if (!im->write && im->window > 0 && im->estimate_from == 0) {
		im->estimate_from = line;
	}
	/* A purchase row after another of its customer's day and amount
	 * says so (ImportRow.deal_day_later): crmd then never takes it for
	 * the won deal, which the first row of that day and amount was,
	 * found or claimed (README: "the first such row"). Without it, an
	 * export's second order of the deal's amount on its day claimed the
	 * deal's record the row before had found, and one order was lost.
	 * (Noted before met: seen_note may move the entries.) */
	bool later = row->purchase != NULL &&
	             seen_note(im, deal_day_hash(row), line)->count > 1;
	/* Two calls (or orders) the same in all the file says are two
	 * records: the second is the second of its kind, already there
	 * only when the customer has two (crm.proto's
	 * ImportRow.occurrence). A follow-up row counts every earlier row
	 * the server would find as it (a blank feedback finds one with
	 * feedback). */
	const struct seen *met =
	    row->followup == NULL ? seen_note(im, row_hash(row), line) : NULL;
	unsigned occ =
	    met == NULL ? fu_occurrence(im, row->customer_name, row->followup)
	                : met->count;
	if (row->followup != NULL || row->purchase != NULL) {
		if (occ > 1) {
			row->has_occurrence = 1;
			row->occurrence = occ;
		}
		if (later) {
			row->has_deal_day_later = row->deal_day_later = 1;
		}
	} else if (!im->write && occ > 1 && met->window < im->window) {
		/* Met in an earlier dry run, which this one does not see:
		 * the write pass finds it there once the first is written.
		 * (Within one dry run crmd finds it.) */
		char same[64];
		snprintf(same, sizeof(same),
		    "already there: same as row %u of the file", met->row);
		add_existing(im, line, 0, same);
		im->existing++;
		crm__v1__import_row__free_unpacked(row, NULL);
		return;
	}
	if (im->nrows == 0) {
		im->rows =
		    crm_xrealloc(im->rows, BATCH_ROWS * sizeof(*im->rows));
		im->first_line = line;
	}
	im->rows[im->nrows++] = row;
	im->bytes += size;
}

/* ------------------------------------------------------------ reading */

struct reader {
	struct import *im;
	char **fields;
	size_t n, cap;
	unsigned line;  /* the line being parsed */
	unsigned row;   /* the sheet row being parsed (a workbook's) */
	unsigned start; /* the line (or sheet row) the record began on */
	bool open;      /* a record has begun */
	bool header;    /* the header row has been read */
	size_t nul;     /* 1 + the first field with a NUL byte; 0: none */
};

static void
on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->fields = crm_xrealloc(r->fields, r->cap * sizeof(char *));
	}
	if (s != NULL && r->nul == 0 && memchr(s, '\0', len) != NULL) {
		r->nul = r->n + 1; /* strndup would cut the cell there */
	}
	/* A copy of all len bytes (strndup would stop at a NUL byte, and
	 * the loop below reads to len). */
	char *f = crm_xmalloc(len + 1);
	if (len) {
		memcpy(f, s, len);
	}
	f[len] = '\0';
	render_unguard(f); /* what render_guarded added on export */
	/* A quoted line break from a CRLF file is "\r\n": keep "\n". */
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (f[i] == '\r') {
			if (f[i + 1] != '\n') {
				f[o++] = '\n';
			}
			continue;
		}
		f[o++] = f[i];
	}
	f[o] = '\0';
	r->fields[r->n++] = f;
}

static void
on_record(int c, void *data)
{
	struct reader *r = data;
	(void)c;
	if (!r->header) {
		/* The second pass keeps the first pass's mapping. */
		r->header = true;
		if (!r->im->have_header) {
			use_header(r->im, r->fields, r->n);
		}
	} else {
		use_row(r->im, r->fields, r->n, r->start, r->nul);
	}
	for (size_t i = 0; i < r->n; i++) {
		free(r->fields[i]);
	}
	r->n = 0;
	r->nul = 0;
	r->open = false;
}

/* How the header line splits at d: *fields cells, of which the result
 * name a column of the kind. Quotes are honoured; cells are not kept. */
static size_t
known_columns(const struct import *im, const char *line, size_t n, char d,
    size_t *fields)
{
	size_t known = 0;
	char *cell = crm_xmalloc(n + 1);
	size_t len = 0;
	bool quoted = false;
	*fields = 0;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? line[i] : '\0';
		if (i < n && c == '"') {
			quoted = !quoted;
			continue;
		}
		if (i < n && (quoted || (c != d && c != '\r' && c != '\n'))) {
			cell[len++] = c;
			continue;
		}
		if (i < n && (c == '\r' || c == '\n')) {
			continue;
		}
		cell[len] = '\0';
		bool ignored = false;
		(*fields)++;
		known += !blank(cell) &&
		         (import_map_find(im->kind, cell, &ignored) != NULL ||
		             ignored);
		len = 0;
	}
	free(cell);
	return known;
}

/*
 * The separator of a CSV: the one of comma, TAB (Excel's "Unicode Text")
 * and semicolon (a CSV saved where the comma is the decimal mark) that
 * splits the header line into the most known column names, else into the
 * most cells; a comma when that is a tie.
 */
static char
header_delim(const struct import *im, const char *line, size_t n)
{
	static const char cands[] = { ',', '\t', ';' };
	char best = ',';
	size_t best_known = 0, best_fields = 0;
	for (size_t i = 0; i < sizeof(cands); i++) {
		size_t fields = 0;
		size_t known = known_columns(im, line, n, cands[i], &fields);
		if (known > best_known ||
		    (known == best_known && fields > best_fields)) {
			best = cands[i];
			best_known = known;
			best_fields = fields;
		}
	}
	return best;
}

/* Read the whole file once, feeding im. */
static crm_status
read_file(struct import *im, const char *label)
{
	struct csv_parser p;
	struct reader r = { .im = im };
	char *line = NULL;
	size_t cap = 0, n = 0;
	uint64_t done = 0, total = 0;
	crm_status rc = CRM_OK, got = CRM_OK;
	bool is_sheet = file_decode_is_sheet(im->file);

	if (file_decode_rewind(im->file) != CRM_OK) {
		cmd_error("cannot read %s: %s", im->path,
		    file_decode_error(im->file));
		return CRM_EINVAL;
	}
	if (csv_init(&p, CSV_STRICT_FINI) != 0) {
		cmd_error("cannot start the CSV reader");
		return CRM_INTERNAL;
	}
	progress *bar = progress_new(label);
	while (!im->stop &&
	       (got = file_decode_line(im->file, &line, &cap, &n)) == CRM_OK) {
		const char *s = line;
		r.line++;
		/* A sheet row's cell may hold line breaks: a line that starts
		 * inside a record is not a new row. */
		r.row += !r.open;
		if (!r.open && !blank(s)) {
			r.open = true;
			r.start = is_sheet ? r.row : r.line;
		}
		if (!r.header && r.open && im->delim == 0) {
			im->delim = is_sheet ? ',' : header_delim(im, s, n);
			if (im->delim != ',') {
				fprintf(stderr,
				    "%s: columns separated by %s\n", im->path,
				    im->delim == '\t' ? "tabs" : "semicolons");
			}
		}
		if (!r.header && im->delim != 0) {
			csv_set_delim(&p, (unsigned char)im->delim);
		}
		if (csv_parse(&p, s, n, on_field, on_record, &r) != n) {
			cmd_error("%s: %s %u: %s", im->path,
			    is_sheet ? "row" : "line",
			    is_sheet ? r.row : r.line,
			    csv_strerror(csv_error(&p)));
			rc = CRM_EINVAL;
			break;
		}
		file_decode_progress(im->file, &done, &total);
		progress_update(bar, done, total);
	}
	if (rc == CRM_OK && got == CRM_EINVAL) {
		cmd_error("cannot read %s: %s", im->path,
		    file_decode_error(im->file));
		rc = CRM_EINVAL;
	}
	/* Strict for the end alone: a quoted field still open there is an
	 * error (libcsv checks it only in strict mode), while a stray quote
	 * inside an unquoted field (12" pipe) stays data. */
	(void)csv_set_opts(&p, CSV_STRICT | CSV_STRICT_FINI);
	if (rc == CRM_OK && !im->stop &&
	    csv_fini(&p, on_field, on_record, &r) != 0) {
		cmd_error("%s: %s %u: a quoted field is not closed", im->path,
		    is_sheet ? "row" : "line", r.start);
		rc = CRM_EINVAL;
	}
	if (rc == CRM_OK && !im->stop) {
		send_batch(im);
		if (!im->write) {
			finish_dry_run(im);
		}
	}
	progress_free(bar);
	csv_free(&p);
	for (size_t i = 0; i < r.n; i++) {
		free(r.fields[i]);
	}
	free(r.fields);
	free(line);
	free_batch(im);
	if (rc == CRM_OK && !im->have_header) {
		cmd_error("%s is empty: no header row", im->path);
		rc = CRM_EINVAL;
	}
	if (rc == CRM_OK && im->stop) {
		rc = im->rc;
	}
	return rc;
}

/* ------------------------------------------------------------ command */

static json_t *
outcome_json(const struct import *im, bool dry_run)
{
	json_t *j = json_object(), *rows = json_array();
	json_object_set_new(j, "file", json_string(im->path));
	json_object_set_new(
	    j, "encoding", json_string(file_decode_name(im->file)));
	json_object_set_new(j, "dry_run", json_boolean(dry_run));
	if (dry_run) {
		/* exact: the counts are what the import will do */
		json_object_set_new(
		    j, "exact", json_boolean(im->estimate_from == 0));
		if (im->estimate_from != 0) {
			json_object_set_new(j, "estimated_from_row",
			    json_integer(im->estimate_from));
		}
	}
	json_object_set_new(j, "added", json_integer(im->added));
	json_object_set_new(j, "existing", json_integer(im->existing));
	json_object_set_new(j, "bad", json_integer(im->bad_rows));
	json_object_set_new(j, "grades_proposed", json_integer(im->proposed));
	for (size_t i = 0; i < im->nbad; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "row", json_integer(im->bad[i].row));
		json_object_set_new(
		    o, "column", json_string(im->bad[i].column));
		json_object_set_new(o, "message", json_string(im->bad[i].why));
		json_array_append_new(rows, o);
	}
	json_object_set_new(j, "bad_rows", rows);
	json_object_set_new(j, "history_only", json_integer(im->history_only));
	rows = json_array();
	for (size_t i = 0; i < im->nhist; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "row", json_integer(im->hist[i].row));
		json_object_set_new(
		    o, "message", json_string(im->hist[i].why));
		json_array_append_new(rows, o);
	}
	json_object_set_new(j, "history_only_rows", rows);
	rows = json_array();
	for (size_t i = 0; i < im->nnoted; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "row", json_integer(im->noted[i].row));
		json_object_set_new(
		    o, "message", json_string(im->noted[i].why));
		json_array_append_new(rows, o);
	}
	json_object_set_new(j, "noted_rows", rows);
	rows = json_array();
	for (size_t i = 0; i < im->nex; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "row", json_integer(im->ex[i].row));
		json_object_set_new(
		    o, "id", json_integer((json_int_t)im->ex[i].id));
		json_object_set_new(o, "message", json_string(im->ex[i].why));
		json_array_append_new(rows, o);
	}
	json_object_set_new(j, "existing_rows", rows);
	json_object_set_new(
	    j, "not_carried", json_string(import_map_not_carried(im->kind)));
	return j;
}

/* A dry run's counts are exact: what the import will do. Past what one
 * dry run holds, or from a crmd that checks a batch alone, the rows
 * after the first part did not see the rows before it: said plainly,
 * into note (size n); false when exact. */
static bool
estimate_note(const struct import *im, char *note, size_t n)
{
	if (im->estimate_from == 0) {
		return false;
	}
	if (im->per_batch) {
		snprintf(note, n,
		    "note: this crmd checks a dry run %d rows at a time: from "
		    "row %u on, rows were checked without the rows of the "
		    "batches before them, so the counts are estimates (the "
		    "import itself sees every row before)",
		    CRM_IMPORT_BATCH_ROWS, im->estimate_from);
		return true;
	}
	snprintf(note, n,
	    "note: a dry run checks at most %u rows as one: from row %u on, "
	    "rows were checked without the rows of the parts before them, "
	    "so the counts are estimates (the import itself sees every row "
	    "before)",
	    crm_import_dry_run_rows(), im->estimate_from);
	return true;
}

/* The follow-up rows added as history only: how many, then each row
 * with what it did not do. */
static void
history_table(const struct import *im, render_doc *out, bool dry_run)
{
	static const char *const cols[] = { "row", "note" };
	if (im->history_only == 0) {
		return;
	}
	render_text(out,
	    "%u %shistory only: older than the customer's last contact "
	    "or its next follow-up's plan, nothing planned",
	    im->history_only, dry_run ? "would be " : "");
	render_table(out, 2, cols);
	for (size_t i = 0; i < im->nhist; i++) {
		char row[16];
		snprintf(row, sizeof(row), "%u", im->hist[i].row);
		const char *cells[] = { row, im->hist[i].why };
		render_row(out, cells);
	}
	if (im->more_hist > 0) {
		render_text(out, "... and %zu more", im->more_hist);
	}
}

/* The rows added with a note: each row with what it did not do as it
 * said. */
static void
noted_table(const struct import *im, render_doc *out, bool dry_run)
{
	static const char *const cols[] = { "row", "note" };
	if (im->nnoted == 0 && im->more_noted == 0) {
		return;
	}
	render_text(out, "%zu %sadded, not all as the row said:",
	    im->nnoted + im->more_noted, dry_run ? "would be " : "");
	render_table(out, 2, cols);
	for (size_t i = 0; i < im->nnoted; i++) {
		char row[16];
		snprintf(row, sizeof(row), "%u", im->noted[i].row);
		const char *cells[] = { row, im->noted[i].why };
		render_row(out, cells);
	}
	if (im->more_noted > 0) {
		render_text(out, "... and %zu more", im->more_noted);
	}
}

/* The rows already there: how many, then each row with the record it
 * matched. */
static void
existing_table(const struct import *im, render_doc *out, bool dry_run)
{
	static const char *const cols[] = { "row", "matched" };
	if (im->existing == 0) {
		return;
	}
	render_text(out, "%u %salready there (not added again):", im->existing,
	    dry_run ? "would be " : "");
	render_table(out, 2, cols);
	for (size_t i = 0; i < im->nex; i++) {
		char row[16];
		snprintf(row, sizeof(row), "%u", im->ex[i].row);
		const char *cells[] = { row, im->ex[i].why };
		render_row(out, cells);
	}
	if (im->more_ex > 0) {
		render_text(out, "... and %zu more", im->more_ex);
	}
}

static void
bad_table(const struct import *im, render_doc *out)
{
	static const char *const cols[] = { "row", "column", "problem" };
	if (im->nbad == 0) {
		return;
	}
	render_table(out, 3, cols);
	for (size_t i = 0; i < im->nbad; i++) {
		char row[16];
		snprintf(row, sizeof(row), "%u", im->bad[i].row);
		const char *cells[] = { row, im->bad[i].column,
			im->bad[i].why };
		render_row(out, cells);
	}
}

/*
 * The end of an import a signal stopped (im->signo): what was done, on
 * stderr. Rows already there are found and counted, not added again
 * (import.c on the server), so the same import again adds the rest.
 */
static void
say_interrupted(const struct import *im)
{
	if (!im->write) {
		fprintf(stderr, "crm: interrupted while checking the rows; "
		                "nothing was imported\n");
	} else if (im->through == 0) {
		fprintf(stderr, "crm: interrupted before the first batch was "
		                "written; nothing was imported\n");
	} else {
		fprintf(stderr,
		    "crm: interrupted: %u row%s added, %u already there, %u "
		    "bad%s, through row %u of %s; no row after it was sent: "
		    "the same import again adds only the rows not there "
		    "yet\n",
		    im->added, im->added == 1 ? "" : "s", im->existing,
		    im->bad_rows, im->bad_rows ? " (skipped)" : "",
		    im->through, im->path);
	}
}

/*
 * After say_interrupted: the interactive shell goes on (the command
 * failed); otherwise crm ends as killed by the signal (130 for Ctrl-C),
 * as an unarmed one ends it (before the import, or crm-gen and
 * crm-bench). A batch whose answer a signal left unknown is not this:
 * it exits 3 (crm(1)), and im->signo is not set.
 */
static void
end_by_signal(const struct cmd_ctx *ctx, int sig)
{
	if (ctx->interactive) {
		return;
	}
	fflush(stdout);
	fflush(stderr);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
free_import(struct import *im)
{
	clear_outcomes(im);
	for (size_t i = 0; i < im->ncols; i++) {
		free(im->headers[i]);
	}
	free(im->headers);
	free(im->map);
	free(im->rows);
	seen_reset(im);
	file_decode_close(im->file);
}

void
cmd_import_columns_help(FILE *f, const char *verb)
{
	char name[64];
	snprintf(name, sizeof(name), "IMPORT_%s", verb);
	for (char *p = name; *p; p++) {
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	}
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value_by_name(
	        &crm__v1__import_kind__descriptor, name);
	if (v == NULL) {
		return;
	}
	const int kind = v->value;
	fprintf(f, "\nColumns (the header names them by any of these words; "
	           "case and blanks\ndo not matter; others are ignored with "
	           "a warning):\n");
	for (const struct import_map_field *m = import_map_next(kind, NULL);
	     m != NULL; m = import_map_next(kind, m)) {
		const char *own = import_map_name(m);
		size_t ownlen = strlen(own);
		fprintf(f, "  %s", own);
		const char *p = import_map_aliases(m);
		bool first = true;
		while (p != NULL && *p != '\0') {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			if (len > 0 &&
			    !(len == ownlen && strncmp(p, own, len) == 0)) {
				fprintf(f, "%*s%.*s",
				    first
				        ? (int)(ownlen < 18 ? 19 - ownlen : 1)
				        : 0,
				    first ? "" : ", ", (int)len, p);
				first = false;
			}
			p = bar ? bar + 1 : NULL;
		}
		fputc('\n', f);
	}
	/* The columns a file cannot do without, by the words above. */
	const char *const *req = import_map_required(kind);
	for (size_t i = 0; req != NULL && req[i] != NULL; i++) {
		const char *word = req[i];
		for (const struct import_map_field *m =
		         import_map_next(kind, NULL);
		     m != NULL; m = import_map_next(kind, m)) {
			if (import_map_provides(m, req[i])) {
				word = import_map_name(m);
				break;
			}
		}
		fprintf(f, "%s%s", i ? ", " : "Required: ", word);
		if (req[i + 1] == NULL) {
			fputc('\n', f);
		}
	}
}

crm_status
cmd_import_file(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	struct import im;
	const char *verb = cmd_verb(call->row);
	bool dry_run = cmd_opt(call, "--dry-run") != NULL;
	char label[64];
	crm_status rc;
	char name[64], why[1024];

	memset(&im, 0, sizeof(im));
	im.ctx = ctx;
	im.path = call->argv[0];
	im.verb = verb;
	im.skip_bad = cmd_opt(call, "--skip-bad") != NULL;
	snprintf(name, sizeof(name), "IMPORT_%s", verb);
	for (char *p = name; *p; p++) {
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	}
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value_by_name(
	        &crm__v1__import_kind__descriptor, name);
	if (v == NULL) {
		cmd_error("no import kind '%s'", verb);
		return CRM_EINVAL;
	}
	im.kind = v->value;
	rc = file_decode_open(im.path, &im.file, why, sizeof(why));
	if (rc != CRM_OK) {
		cmd_error("%s", why);
		return rc;
	}
	/* One line, before any warning about the columns: a garbled header
	 * is then read against the encoding it was read as. */
	fprintf(
	    stderr, "reading %s as %s\n", im.path, file_decode_name(im.file));

	/* Ctrl-C cancels for the whole import, not only while a request is
	 * in flight (cmd_outbox_request arms inside this): a signal between
	 * two requests would end crm without saying how far it got. It is
	 * seen before the next request (interrupted()), and the import
	 * stops there. */
	shell_cancel_arm(true);

	/* Pass 1: check everything, write nothing. */
	snprintf(label, sizeof(label), "check %s", verb);
	rc = read_file(&im, label);
	if (rc != CRM_OK) {
		/* A dry run whose answer a Ctrl-C left unknown wrote
		 * nothing either. */
		if (interrupted(&im)) {
			say_interrupted(&im);
		}
		goto out;
	}
	sort_bad(&im);
	if (dry_run) {
		render_text(out,
		    "dry run: %u would be added, %u already there, %u bad%s",
		    im.added, im.existing, im.bad_rows,
		    im.bad_rows && im.skip_bad ? " (would be skipped)" : "");
		if (im.proposed > 0) {
			render_text(out,
			    "%u grade%s would be proposed to your manager",
			    im.proposed, im.proposed == 1 ? "" : "s");
		}
		char note[512];
		bool estimated = estimate_note(&im, note, sizeof(note));
		if (estimated) {
			render_text(out, "%s", note);
		}
		/* What would not come along, before anything is written. */
		render_text(out, "%s", import_map_not_carried(im.kind));
		history_table(&im, out, true);
		noted_table(&im, out, true);
		existing_table(&im, out, true);
		bad_table(&im, out);
		render_set_json(out, outcome_json(&im, true));
		if (im.bad_rows > 0 && !im.skip_bad) {
			/* The doc is not printed for a failed command. */
			for (size_t i = 0; i < im.nbad; i++) {
				cmd_error("row %u, column %s: %s",
				    im.bad[i].row, im.bad[i].column,
				    im.bad[i].why);
			}
			/* The summary is not an error: the rows are. */
			fprintf(stderr,
			    "dry run: %u would be added, %u already there, "
			    "%u bad\n",
			    im.added, im.existing, im.bad_rows);
			if (estimated) {
				fprintf(stderr, "%s\n", note);
			}
			rc = CRM_EINVAL;
		}
		goto out;
	}
	if (im.bad_rows > 0 && !im.skip_bad) {
		for (size_t i = 0; i < im.nbad; i++) {
			cmd_error("row %u, column %s: %s", im.bad[i].row,
			    im.bad[i].column, im.bad[i].why);
		}
		if (im.more_bad > 0) {
			cmd_error("... and %zu more problems", im.more_bad);
		}
		cmd_error("%s: %u bad row%s; nothing was imported (fix %s, "
		          "or give --skip-bad to import the other rows)",
		    im.path, im.bad_rows, im.bad_rows == 1 ? "" : "s",
		    im.bad_rows == 1 ? "it" : "them");
		rc = CRM_EINVAL;
		goto out;
	}

	/* Pass 2: the same rows for real. */
	clear_outcomes(&im);
	seen_reset(&im);
	im.write = true;
	snprintf(label, sizeof(label), "import %s", verb);
	rc = read_file(&im, label);
	sort_bad(&im);
	if (rc != CRM_OK) {
		for (size_t i = 0; i < im.nbad; i++) {
			cmd_error("row %u, column %s: %s", im.bad[i].row,
			    im.bad[i].column, im.bad[i].why);
		}
		if (im.signo != 0) {
			say_interrupted(&im);
		} else if (im.added > 0) {
			cmd_error("%s: stopped at the batch from row %u; %u "
			          "row%s added before it",
			    im.path, im.first_line, im.added,
			    im.added == 1 ? " was" : "s were");
		} else {
			cmd_error(
			    "%s: stopped; nothing was imported", im.path);
		}
		goto out;
	}
	render_text(out, "imported: %u added, %u already there, %u bad%s",
	    im.added, im.existing, im.bad_rows,
	    im.bad_rows ? " (skipped)" : "");
	if (im.proposed > 0) {
		/* A rep's grades: proposals until the manager decides. */
		render_text(out,
		    "%u grade%s proposed to your manager (they start at the "
		    "default grade; see grade pending)",
		    im.proposed, im.proposed == 1 ? "" : "s");
	}
	render_text(out, "%s", import_map_not_carried(im.kind));
	history_table(&im, out, false);
	noted_table(&im, out, false);
	existing_table(&im, out, false);
	bad_table(&im, out);
	render_set_json(out, outcome_json(&im, false));
out:
	shell_cancel_arm(false);
	free_import(&im);
	if (im.signo != 0) {
		end_by_signal(ctx, im.signo);
	}
	return rc;
}
