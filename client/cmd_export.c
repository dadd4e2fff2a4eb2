/* SPDX-License-Identifier: MIT */
/*
 * cmd_export.c: `export customers|contacts|followups|tasks FILE` and
 * `export report KIND FILE`. Records come page by page (ExportRequest,
 * 1000 a page, cursors passed back until done) and go straight into the
 * sheet (sheet.c: CSV or .xlsx by FILE's name), so an export never holds
 * more than a page. The columns are stable English names, one per
 * user-meaningful field, the names `import` reads back.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crm_limits.h"
#include "followup_lists.h"
#include "progress.h"
#include "sheet.h"

#define MAX_PAGES 1000000 /* a bound on the loop, whatever the server says */

/* How a column gets its value from a record. */
enum col_how {
	COL_FIELD = 0, /* the proto field of the same name */
	COL_CUSTOMER,  /* the customer's name */
	COL_SCORE,     /* a Score sub-field of a follow-up */
	COL_EVIDENCE,  /* the Score's evidence sentences */
	COL_LIST,      /* a follow-up's list (followup_lists.h) */
};

struct col {
	const char *name; /* the column, and by default the field */
	enum col_how how;
	const char *field; /* when it differs from name */
};

/* F: a field column; X: a column computed another way. */
#define F(name)                       \
	{                             \
		name, COL_FIELD, NULL \
	}
#define X(name, how, fd)      \
	{                     \
		name, how, fd \
	}
#define END                           \
	{                             \
		NULL, COL_FIELD, NULL \
	}

static const struct col customer_cols[] = { F("id"), F("name"), F("kind"),
	F("industry"), F("employees"), F("annual_revenue"), F("region"),
	F("website"), F("licence_no"), F("source"), F("first_contact_at"),
	F("owner"), F("team"), F("stage"), F("grade"), F("value_tier"),
	F("urgency"), F("pain_points"), F("purchase_intent"),
	F("budget_range"), F("timeline"), F("decision_chain"), F("tags"),
	F("birthday"), F("anniversary"), F("deal_amount"), F("won_at"),
	F("contract_terms"), F("lost_reason"), F("lost_text"), F("lost_at"),
	F("notes"), F("last_contact_at"),
	X("contacts", COL_FIELD, "contact_count"), F("created_at"),
	F("updated_at"), F("age_range"), F("stage_at"), F("deal_category"),
	END };

static const struct col contact_cols[] = { F("id"), F("customer_id"),
	X("customer", COL_CUSTOMER, NULL), F("name"), F("title"), F("phones"),
	F("email"), F("im"), F("role"), F("left"), F("left_at"), F("birthday"),
	F("notes"), F("created_at"), F("updated_at"), END };

static const struct col followup_cols[] = { F("id"), F("customer_id"),
	X("customer", COL_CUSTOMER, NULL), X("at", COL_FIELD, "happened_at"),
	F("channel"), F("duration_min"),
	X("contacts", COL_FIELD, "contact_names"), F("participants"),
	F("goal"), F("summary"), F("feedback"), F("mood"), F("next_action"),
	F("next_due_at"), F("next_due_chosen"), F("next_owner"),
	F("stage_from"), F("stage_to"), F("stage_said"), F("stage_reason"),
	F("lost_reason"), F("deal_amount"), F("contract_terms"),
	X("score_timeliness", COL_SCORE, "timeliness"),
	X("score_efficiency", COL_SCORE, "efficiency"),
	X("score_professionalism", COL_SCORE, "professionalism"),
	X("score_proactiveness", COL_SCORE, "proactiveness"),
	X("score_evidence", COL_EVIDENCE, NULL),
	X("commitments", COL_LIST, NULL), F("late"), F("author"),
	F("logged_at"), F("grade"), F("tags"), F("no_answer"),
	X("objections", COL_LIST, NULL), X("attachments", COL_LIST, NULL),
	END };

static const struct col task_cols[] = { F("id"), F("customer_id"),
	X("customer", COL_CUSTOMER, NULL), F("due_at"), F("kind"), F("status"),
	F("goal"), X("channel", COL_FIELD, "suggested_channels"), F("owner"),
	F("origin"), F("grade"), F("stage"), F("done_at"), F("created_at"),
	END };

static const struct col purchase_cols[] = { F("id"), F("customer_id"),
	X("customer", COL_CUSTOMER, NULL), X("at", COL_FIELD, "bought_at"),
	F("amount"), F("product"), F("category"), F("contract"), F("author"),
	F("created_at"), END };

static const struct col *
cols_of(int kind)
{
	switch (kind) {
	case CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS:
		return customer_cols;
	case CRM__V1__EXPORT_KIND__EXPORT_CONTACTS:
		return contact_cols;
	case CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS:
		return followup_cols;
	case CRM__V1__EXPORT_KIND__EXPORT_PURCHASES:
		return purchase_cols;
	default:
		return task_cols;
	}
}

/* ------------------------------------------------------------ cells */

static bool
is_time(const char *name)
{
	size_t n = strlen(name);
	return strcmp(name, "at") == 0 ||
	       (n > 3 && strcmp(name + n - 3, "_at") == 0);
}

/* Strings of a cell that the caller frees after the row is written;
 * split: a list item of the cell that holds a list separator (import
 * would read it as two), or NULL. */
struct owned {
	char *v[64];
	size_t n;
	const char *split;
};

static const char *
keep(struct owned *o, char *s)
{
	if (o->n < sizeof(o->v) / sizeof(o->v[0])) {
		o->v[o->n++] = s;
	}
	return s;
}

static void
owned_free(struct owned *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i]);
	}
	o->n = 0;
}

/* n strings joined by "; ". Caller frees. */
static char *
join(char *const *v, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++) {
		len += strlen(v[i] ? v[i] : "") + 2;
	}
	char *s = crm_xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			strcat(s, "; ");
		}
		strcat(s, v[i] ? v[i] : "");
	}
	return s;
}

/* Field name of m as a cell. */
static struct sheet_cell
field_cell(const ProtobufCMessage *m, const char *name, struct owned *o)
{
	struct sheet_cell x = { SHEET_EMPTY, NULL, 0, 0 };
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, name);
	const void *base;
	size_t n = f ? render_field_values(m, f, &base) : 0;

	if (n == 0) {
		return x;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			char *const *v = (char *const *)base;
			x.type = SHEET_TEXT;
			x.text = keep(o, join(v, n));
			for (size_t i = 0; i < n && o->split == NULL; i++) {
				if (v[i] != NULL &&
				    v[i][crm_validate_list_span(v[i], NULL)]) {
					o->split = v[i];
				}
			}
		}
		return x;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		x.type = SHEET_TEXT;
		x.text = *(char *const *)base;
		break;
	case PROTOBUF_C_TYPE_ENUM:
		x.type = SHEET_TEXT;
		x.text = crm_enum_name(f->descriptor, *(const int32_t *)base);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		x.type = SHEET_TEXT;
		x.text = *(const protobuf_c_boolean *)base ? "yes" : "no";
		break;
	case PROTOBUF_C_TYPE_UINT32:
		x.type = SHEET_NUMBER;
		x.number = *(const uint32_t *)base;
		break;
	case PROTOBUF_C_TYPE_UINT64:
		x.type = SHEET_NUMBER;
		x.number = (double)*(const uint64_t *)base;
		break;
	case PROTOBUF_C_TYPE_INT64: {
		int64_t v = *(const int64_t *)base;
		if (is_time(name)) {
			x.type = v != 0 ? SHEET_TIME : SHEET_EMPTY;
			x.time = v;
		} else if (crm_money_field(name)) {
			x.type = SHEET_MONEY;
			x.number = (double)v / 100.0;
		} else {
			x.type = SHEET_NUMBER;
			x.number = (double)v;
		}
		break;
	}
	default:
		break;
	}
	return x;
}

/* The name of customer id among the customers of page p, or NULL. */
static const char *
customer_name(const Crm__V1__ExportPage *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_customers; i++) {
		if (p->customers[i]->id == id) {
			return p->customers[i]->name;
		}
	}
	return NULL;
}

static struct sheet_cell
col_cell(const struct col *c, const ProtobufCMessage *m,
    const Crm__V1__ExportPage *p, struct owned *o)
{
	struct sheet_cell x = { SHEET_EMPTY, NULL, 0, 0 };
	switch (c->how) {
	case COL_FIELD:
		return field_cell(m, c->field ? c->field : c->name, o);
	case COL_CUSTOMER: {
		const ProtobufCFieldDescriptor *f =
		    protobuf_c_message_descriptor_get_field_by_name(
		        m->descriptor, "customer");
		const char *name = NULL;
		if (f != NULL) {
			name = *(char *const *)((const char *)m + f->offset);
		}
		if (name == NULL || name[0] == '\0') {
			x = field_cell(m, "customer_id", o);
			name = customer_name(p, (uint64_t)x.number);
		}
		x.type = name ? SHEET_TEXT : SHEET_EMPTY;
		x.text = name;
		return x;
	}
	case COL_SCORE: {
		const Crm__V1__FollowUp *fu = (const Crm__V1__FollowUp *)m;
		if (fu->score == NULL) {
			return x;
		}
		return field_cell(&fu->score->base, c->field, o);
	}
	case COL_EVIDENCE: {
		const Crm__V1__FollowUp *fu = (const Crm__V1__FollowUp *)m;
		if (fu->score == NULL) {
			return x;
		}
		return field_cell(&fu->score->base, "evidence", o);
	}
	case COL_LIST: {
		char *t =
		    followup_lists_json((const Crm__V1__FollowUp *)m, c->name);
		x.type = t != NULL ? SHEET_TEXT : SHEET_EMPTY;
		x.text = t != NULL ? keep(o, t) : NULL;
		return x;
	}
	}
	return x;
}

/* How many list items that hold a separator an export names. */
#define SPLITS_SAID 10

/* Say that the list item of row, column col, holds a separator (one
 * the checks let through, or written before they refused it): the file
 * has it, and import would split it. */
static void
say_split(size_t row, const char *col, const char *item, size_t *splits)
{
	if ((*splits)++ < SPLITS_SAID) {
		size_t sep, at = crm_validate_list_span(item, &sep);
		fprintf(stderr,
		    "warning: row %zu, column %s: '%s' holds '%.*s', which "
		    "import splits lists at: it would come back as more "
		    "than one item\n",
		    row, col, item, (int)sep, item + at);
	}
}

/* Write the records of one page; adds their number to *count, and to
 * *splits the list items that hold a separator. */
static crm_status
write_page(sheet *s, int kind, const Crm__V1__ExportPage *p, size_t *count,
    size_t *splits)
{
	const struct col *cols = cols_of(kind);
	size_t ncols = 0, n = 0;
	const ProtobufCMessage *const *msgs = NULL;
	struct sheet_cell cells[64];
	struct owned o = { .n = 0 };

	while (cols[ncols].name != NULL) {
		ncols++;
	}
	switch (kind) {
	case CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS:
		msgs = (const ProtobufCMessage *const *)p->customers;
		n = p->n_customers;
		break;
	case CRM__V1__EXPORT_KIND__EXPORT_CONTACTS:
		msgs = (const ProtobufCMessage *const *)p->contacts;
		n = p->n_contacts;
		break;
	case CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS:
		msgs = (const ProtobufCMessage *const *)p->followups;
		n = p->n_followups;
		break;
	case CRM__V1__EXPORT_KIND__EXPORT_PURCHASES:
		msgs = (const ProtobufCMessage *const *)p->purchases;
		n = p->n_purchases;
		break;
	default:
		msgs = (const ProtobufCMessage *const *)p->tasks;
		n = p->n_tasks;
		break;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols; c++) {
			o.split = NULL;
			cells[c] = col_cell(&cols[c], msgs[i], p, &o);
			if (o.split != NULL) {
				/* Row 1 is the header. */
				say_split(*count + i + 2, cols[c].name,
				    o.split, splits);
			}
		}
		crm_status rc = sheet_row(s, ncols, cells);
		owned_free(&o);
		if (rc != CRM_OK) {
			return rc;
		}
	}
	*count += n;
	return CRM_OK;
}

/* The enum value named PREFIX_VERB (upper case) in d, or 0. */
static int
verb_value(
    const ProtobufCEnumDescriptor *d, const char *prefix, const char *verb)
{
	char name[64];
	size_t n = (size_t)snprintf(name, sizeof(name), "%s%s", prefix, verb);
	for (size_t i = 0; i < n && i < sizeof(name); i++) {
		name[i] = (char)toupper((unsigned char)name[i]);
	}
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value_by_name(d, name);
	return v ? v->value : 0;
}

/* Open FILE for the command, with a usage error for a bad name. */
static crm_status
open_sheet(struct cmd_ctx *ctx, const struct cmd_call *call, const char *path,
    sheet **s)
{
	char why[512];
	crm_status rc = sheet_open(
	    path, cmd_opt(call, "--bom") != NULL, s, why, sizeof(why));
	if (rc == CRM_EINVAL) {
		return cmd_usage_error(ctx, call, "%s", why);
	}
	if (rc != CRM_OK) {
		cmd_error("%s", why);
	}
	return rc;
}

/* Close s keeping the file when rc is CRM_OK; returns the final status. */
static crm_status
close_sheet(sheet *s, crm_status rc)
{
	char why[512];
	crm_status crc = sheet_close(s, rc == CRM_OK, why, sizeof(why));
	if (rc == CRM_OK && crc != CRM_OK) {
		cmd_error("%s", why);
		return crc;
	}
	return rc;
}

/* Say what was written: text for people, a JSON object for programs. */
static void
said(render_doc *out, const char *text, const char *kind, size_t rows,
    const char *path)
{
	render_text(out, "%s", text);
	json_t *j = json_object();
	json_object_set_new(j, "kind", json_string(kind));
	json_object_set_new(j, "rows", json_integer((json_int_t)rows));
	json_object_set_new(j, "file", json_string(path));
	render_set_json(out, j);
}

/* One pass of an export into path: every page, written as it comes.
 * *merged: a page said a customer merge came after the first page (the
 * walk may have missed or repeated records): the file is not kept. */
static crm_status
export_pass(struct cmd_ctx *ctx, const struct cmd_call *call,
    Crm__V1__ExportRequest *body, size_t *count, bool *merged)
{
	const char *verb = cmd_verb(call->row), *path = call->argv[0];
	int kind = (int)body->kind;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	const struct col *cols = cols_of(kind);
	const char *names[64];
	size_t ncols = 0, pages = 0, splits = 0;
	uint64_t total = 0, walked = 0;
	sheet *s = NULL;
	progress *bar = NULL;
	crm_status rc;

	*count = 0;
	*merged = false;
	body->has_cursor_customer = body->has_cursor_id = 0;
	body->cursor_customer = body->cursor_id = 0;
	body->has_merge_mark = 0;
	body->merge_mark = 0;
	if ((rc = open_sheet(ctx, call, path, &s)) != CRM_OK) {
		return rc;
	}
	for (; cols[ncols].name != NULL; ncols++) {
		names[ncols] = cols[ncols].name;
	}
	if (sheet_add(s, verb) != CRM_OK ||
	    sheet_header(s, ncols, names) != CRM_OK) {
		cmd_error("%s", sheet_error(s));
		rc = CRM_INTERNAL;
		goto out;
	}
	char label[64];
	snprintf(label, sizeof(label), "export %s", verb);
	bar = progress_new(label);
	req.body_case = CRM__V1__REQUEST__BODY_EXPORT_PAGE;
	req.export_page = body;
	for (;;) {
		Crm__V1__Response *resp = NULL;
		rc = cmd_expect(
		    ctx, &req, CRM__V1__RESPONSE__BODY_EXPORT_PAGE, &resp);
		if (rc != CRM_OK) {
			goto out;
		}
		const Crm__V1__ExportPage *p = resp->export_page;
		if (p->merged_during) {
			*merged = true;
			crm__v1__response__free_unpacked(resp, NULL);
			rc = CRM_EPRECOND; /* the file is not kept */
			goto out;
		}
		rc = write_page(s, kind, p, count, &splits);
		if (rc != CRM_OK) {
			cmd_error("%s", sheet_error(s));
			crm__v1__response__free_unpacked(resp, NULL);
			goto out;
		}
		/* The first page says how many customers are in scope; each
		 * page how many it finished. */
		if (p->has_customers_total) {
			total = p->customers_total;
		}
		if (p->has_merge_mark && !body->has_merge_mark) {
			body->has_merge_mark = 1;
			body->merge_mark = p->merge_mark;
		}
		walked += p->customers_done;
		progress_update(bar, walked, total);
		bool done = p->done;
		size_t got = p->n_customers + p->n_contacts + p->n_followups +
		             p->n_tasks;
		bool stuck = !done && got == 0 &&
		             p->cursor_customer == body->cursor_customer &&
		             p->cursor_id == body->cursor_id;
		body->has_cursor_customer = body->has_cursor_id = 1;
		body->cursor_customer = p->cursor_customer;
		body->cursor_id = p->cursor_id;
		crm__v1__response__free_unpacked(resp, NULL);
		if (done) {
			break;
		}
		if (stuck || ++pages >= MAX_PAGES) {
			cmd_error("the server's export cursor does not move; "
			          "stopping");
			rc = CRM_INTERNAL;
			goto out;
		}
	}
out:
	progress_free(bar);
	if (splits > SPLITS_SAID) {
		fprintf(stderr,
		    "warning: %zu list items in all hold a separator that "
		    "import splits lists at\n",
		    splits);
	}
	return close_sheet(s, rc);
}

/* Passes of an export at most: a customer merge during one starts it
 * again. */
#define EXPORT_PASSES 3

crm_status
cmd_export_records(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	const char *verb = cmd_verb(call->row), *path = call->argv[0];
	int kind =
	    verb_value(&crm__v1__export_kind__descriptor, "EXPORT_", verb);
	Crm__V1__ExportRequest body = CRM__V1__EXPORT_REQUEST__INIT;
	size_t count = 0;
	crm_status rc;

	if (kind == 0) {
		cmd_error("no export kind '%s'", verb);
		return CRM_EINVAL;
	}
	body.has_kind = 1;
	body.kind = (Crm__V1__ExportKind)kind;
	rc =
	    cmd_report_scope(ctx, call, &body.user, &body.team, &body.start_at,
	        &body.has_start_at, &body.end_at, &body.has_end_at);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_limit = 1;
	body.limit = crm_export_page();
	bool merged = false;
	for (int pass = 1; pass <= EXPORT_PASSES; pass++) {
		rc = export_pass(ctx, call, &body, &count, &merged);
		if (!merged) {
			break;
		}
		if (pass < EXPORT_PASSES) {
			fprintf(stderr,
			    "note: customers were merged while exporting "
			    "(their records move): starting again\n");
		}
	}
	if (merged) {
		cmd_error("customers were merged during each of %d tries to "
		          "export %s: nothing written; try again later",
		    EXPORT_PASSES, verb);
		return CRM_EPRECOND;
	}
	if (rc == CRM_OK) {
		char *text =
		    crm_xasprintf("exported %zu %s to %s", count, verb, path);
		said(out, text, verb, count, path);
		free(text);
	}
	return rc;
}

/* A report cell as a sheet cell. */
static struct sheet_cell
report_cell(int unit, const Crm__V1__ReportCell *x)
{
	struct sheet_cell c = { SHEET_EMPTY, NULL, 0, 0 };
	if (x == NULL) {
		return c;
	}
	if (unit == CRM__V1__REPORT_UNIT__UNIT_TEXT) {
		if (x->text != NULL) {
			c.type = SHEET_TEXT;
			c.text = x->text;
		} else if (x->has_number) {
			c.type = SHEET_NUMBER;
			c.number = x->number;
		}
		return c;
	}
	if (!x->has_number || !isfinite(x->number)) {
		return c;
	}
	switch (unit) {
	case CRM__V1__REPORT_UNIT__UNIT_MONEY:
		c.type = SHEET_MONEY;
		c.number = x->number / 100.0;
		break;
	case CRM__V1__REPORT_UNIT__UNIT_TIME:
		c.type = SHEET_TIME;
		c.time = (int64_t)llround(x->number);
		break;
	default:
		c.type = SHEET_NUMBER;
		c.number = x->number;
		break;
	}
	return c;
}

/* Write one report table as its own sheet (or CSV block). */
static crm_status
write_report_table(sheet *s, const Crm__V1__ReportTable *t, bool titles)
{
	size_t n = t->n_columns;
	const char **names = crm_xcalloc(n ? n : 1, sizeof(char *));
	struct sheet_cell *cells = crm_xcalloc(n ? n : 1, sizeof(*cells));
	const char *sheet_name =
	    titles && t->title && t->title[0] ? t->title : t->name;
	crm_status rc = sheet_add(s, sheet_name ? sheet_name : "");

	for (size_t c = 0; c < n; c++) {
		const Crm__V1__ReportColumn *col = t->columns[c];
		names[c] = titles && col->title && col->title[0] ? col->title
		           : col->name                           ? col->name
		                                                 : "";
	}
	if (rc == CRM_OK) {
		rc = sheet_header(s, n, names);
	}
	for (size_t k = 0; k < t->n_rows && rc == CRM_OK; k++) {
		const Crm__V1__ReportRow *r = t->rows[k];
		for (size_t c = 0; c < n; c++) {
			int unit =
			    t->columns[c]->has_unit &&
			            t->columns[c]->unit !=
			                CRM__V1__REPORT_UNIT__UNIT_UNSPECIFIED
			        ? (int)t->columns[c]->unit
			        : CRM__V1__REPORT_UNIT__UNIT_TEXT;
			cells[c] = report_cell(
			    unit, c < r->n_cells ? r->cells[c] : NULL);
		}
		rc = sheet_row(s, n, cells);
	}
	free(cells);
	free(names);
	return rc;
}

crm_status
cmd_export_report(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	const char *path = call->argv[1];
	int kind = cmd_report_kind(call->argv[0]);
	Crm__V1__Response *resp = NULL;
	sheet *s = NULL;
	crm_status rc;

	if (kind == 0) {
		return cmd_usage_error(ctx, call,
		    "no report '%s' (help report lists them)", call->argv[0]);
	}
	if (sheet_format_of(path) == 0) {
		return cmd_usage_error(ctx, call,
		    "'%s': the file name must end in .csv or .xlsx", path);
	}
	rc = cmd_report_fetch(ctx, call, kind, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	if ((rc = open_sheet(ctx, call, path, &s)) != CRM_OK) {
		goto out;
	}
	/* A workbook is for people: sheet and column titles. CSV is for
	 * programs: the stable names. */
	bool titles = sheet_format_of(path) == 2;
	const Crm__V1__ReportReply *r = resp->report;
	for (size_t i = 0; i < r->n_tables && rc == CRM_OK; i++) {
		rc = write_report_table(s, r->tables[i], titles);
		if (rc != CRM_OK) {
			cmd_error("%s", sheet_error(s));
		}
	}
	rc = close_sheet(s, rc);
	if (rc == CRM_OK) {
		char name[32];
		const struct cmd_row *fam = cmd_lookup_word(NULL, "report");
		const struct cmd_row *row =
		    fam ? cmd_lookup_word(fam, call->argv[0]) : NULL;
		snprintf(name, sizeof(name), "%s",
		    row ? cmd_verb(row) : call->argv[0]);
		char *text = crm_xasprintf("exported the %s report (%zu "
		                           "%s) to %s",
		    name, r->n_tables, r->n_tables == 1 ? "table" : "tables",
		    path);
		said(out, text, name, r->n_tables, path);
		free(text);
	}
out:
	crm__v1__response__free_unpacked(resp, NULL);
	return rc;
}

/* `export audit FILE [CUSTOMER]`: the audit trail, one row per changed
 * field (an entry without field changes: one row with empty field
 * columns), newest first, page by page. */
crm_status
cmd_export_audit(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	static const char *const names[] = { "seq", "at", "user", "action",
		"entity", "entity_id", "customer_id", "customer", "field",
		"before", "after" };
	const size_t ncols = sizeof(names) / sizeof(names[0]);
	const char *path = call->argv[0];
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__AuditListRequest body = CRM__V1__AUDIT_LIST_REQUEST__INIT;
	sheet *s = NULL;
	size_t rows = 0, pages = 0;
	crm_status rc = cmd_audit_filters(
	    ctx, call, call->argc > 1 ? call->argv[1] : NULL, &body);
	if (rc != CRM_OK) {
		return rc;
	}
	if ((rc = open_sheet(ctx, call, path, &s)) != CRM_OK) {
		return rc;
	}
	if (sheet_add(s, "audit") != CRM_OK ||
	    sheet_header(s, ncols, names) != CRM_OK) {
		cmd_error("%s", sheet_error(s));
		rc = CRM_INTERNAL;
		goto out;
	}
	body.has_limit = 1;
	body.limit = CRM_AUDIT_PAGE_MAX;
	req.body_case = CRM__V1__REQUEST__BODY_AUDIT_LIST;
	req.audit_list = &body;
	for (;;) {
		Crm__V1__Response *resp = NULL;
		rc = cmd_expect(
		    ctx, &req, CRM__V1__RESPONSE__BODY_AUDIT, &resp);
		if (rc != CRM_OK) {
			goto out;
		}
		const Crm__V1__AuditPage *p = resp->audit;
		for (size_t i = 0; i < p->n_entries && rc == CRM_OK; i++) {
			const Crm__V1__AuditEntry *e = p->entries[i];
			struct sheet_cell c[11];
			memset(c, 0, sizeof(c));
			c[0].type = SHEET_NUMBER;
			c[0].number = (double)e->seq;
			c[1].type = SHEET_TIME;
			c[1].time = e->happened_at;
			c[2].type = c[3].type = c[4].type = SHEET_TEXT;
			c[2].text = e->user ? e->user : "";
			c[3].text = e->action ? e->action : "";
			c[4].text = e->entity ? e->entity : "";
			c[5].type = SHEET_NUMBER;
			c[5].number = (double)e->entity_id;
			if (e->customer_id != 0) {
				c[6].type = SHEET_NUMBER;
				c[6].number = (double)e->customer_id;
				c[7].type = SHEET_TEXT;
				c[7].text = e->customer ? e->customer : "";
			}
			size_t k = 0;
			do {
				for (size_t j = 8; j < 11; j++) {
					c[j].type = SHEET_EMPTY;
				}
				if (k < e->n_changes) {
					const Crm__V1__AuditChange *x =
					    e->changes[k];
					c[8].type = c[9].type = c[10].type =
					    SHEET_TEXT;
					c[8].text = x->field ? x->field : "";
					c[9].text = x->before ? x->before : "";
					c[10].text = x->after ? x->after : "";
				}
				rc = sheet_row(s, ncols, c);
				rows++;
			} while (++k < e->n_changes && rc == CRM_OK);
		}
		uint64_t next = p->next_before;
		crm__v1__response__free_unpacked(resp, NULL);
		if (rc != CRM_OK) {
			cmd_error("%s", sheet_error(s));
			goto out;
		}
		if (next == 0) {
			break;
		}
		if ((body.has_before && next >= body.before) ||
		    ++pages >= MAX_PAGES) {
			cmd_error("the server's audit cursor does not move; "
			          "stopping");
			rc = CRM_INTERNAL;
			goto out;
		}
		body.has_before = 1;
		body.before = next;
	}
out:
	rc = close_sheet(s, rc);
	if (rc == CRM_OK) {
		char *text =
		    crm_xasprintf("exported %zu audit rows to %s", rows, path);
		said(out, text, "audit", rows, path);
		free(text);
	}
	return rc;
}
