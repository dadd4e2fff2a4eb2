/* SPDX-License-Identifier: MIT */
/*
 * cmd_report.c: `report KIND`: asks the server for one report over the
 * caller's scope and a period, and shows its generic tables: numbers
 * formatted by their column's unit and a bar chart under a table that
 * asks for one (table format); raw numbers in CSV; one JSON document of
 * arrays of objects keyed by column name. The kinds are the verbs of the
 * `report` family in the command table; their enum value is the verb's
 * upper-case name after "REPORT_". Also the period options shared with
 * `export`.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "crm_limits.h"
#include "chart.h"
#include "commands.h"

/* ------------------------------------------------------------ kinds */

int
cmd_report_kind(const char *word)
{
	const struct cmd_row *family = cmd_lookup_word(NULL, "report");
	const struct cmd_row *row =
	    family ? cmd_lookup_word(family, word) : NULL;
	char name[64];
	size_t n;

	if (row == NULL || !cmd_is_family(family) || row == family) {
		return 0;
	}
	n = (size_t)snprintf(name, sizeof(name), "REPORT_%s", cmd_verb(row));
	for (size_t i = 0; i < n && i < sizeof(name); i++) {
		name[i] = (char)toupper((unsigned char)name[i]);
	}
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value_by_name(
	        &crm__v1__report_kind__descriptor, name);
	return v ? v->value : 0;
}

/* The verb of a ReportKind ("conversion"), or "" when unknown. */
static void
kind_name(int kind, char *buf, size_t len)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &crm__v1__report_kind__descriptor, kind);
	buf[0] = '\0';
	if (v == NULL || strncmp(v->name, "REPORT_", 7) != 0) {
		return;
	}
	snprintf(buf, len, "%s", v->name + 7);
	for (char *p = buf; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
	}
}

/* ------------------------------------------------------------ period */

crm_status
cmd_report_scope(struct cmd_ctx *ctx, const struct cmd_call *call, char **user,
    char **team, int64_t *from, protobuf_c_boolean *has_from, int64_t *to,
    protobuf_c_boolean *has_to)
{
	*user = (char *)cmd_opt(call, "--user");
	*team = (char *)cmd_opt(call, "--team");
	if (*user != NULL && *team != NULL) {
		return cmd_usage_error(
		    ctx, call, "give --user or --team, not both");
	}
	return cmd_report_period(ctx, call, from, has_from, to, has_to);
}

crm_status
cmd_report_period(struct cmd_ctx *ctx, const struct cmd_call *call,
    int64_t *from, protobuf_c_boolean *has_from, int64_t *to,
    protobuf_c_boolean *has_to)
{
	const char *f = cmd_opt(call, "--from"), *t = cmd_opt(call, "--to");
	crm_status rc;

	*has_from = *has_to = 0;
	if (f != NULL) {
		int64_t end; /* --from last week: where last week starts */
		if ((rc = cmd_parse_span(
		         ctx, call, "--from", f, from, &end)) != CRM_OK) {
			return rc;
		}
		*has_from = 1;
	}
	if (t != NULL) {
		int64_t start; /* --to 2026-11-25: the end of that day */
		if ((rc = cmd_parse_span(ctx, call, "--to", t, &start, to)) !=
		    CRM_OK) {
			return rc;
		}
		*has_to = 1;
	}
	if (*has_from && *has_to && *to <= *from) {
		return cmd_usage_error(ctx, call, "--to must be after --from");
	}
	return CRM_OK;
}

/* ------------------------------------------------------------ fetch */

crm_status
cmd_report_fetch(struct cmd_ctx *ctx, const struct cmd_call *call, int kind,
    Crm__V1__Response **resp)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ReportRequest body = CRM__V1__REPORT_REQUEST__INIT;

	*resp = NULL;
	body.has_kind = 1;
	body.kind = (Crm__V1__ReportKind)kind;
	rc =
	    cmd_report_scope(ctx, call, &body.user, &body.team, &body.start_at,
	        &body.has_start_at, &body.end_at, &body.has_end_at);
	if (rc != CRM_OK) {
		return rc;
	}
	req.body_case = CRM__V1__REQUEST__BODY_REPORT;
	req.report = &body;
	return cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_REPORT, resp);
}

/* ------------------------------------------------------------ cells */

/* The cell of row r in column c, or NULL when the row is short. */
static const Crm__V1__ReportCell *
cell_at(const Crm__V1__ReportRow *r, size_t c)
{
	return c < r->n_cells ? r->cells[c] : NULL;
}

static bool
has_number(const Crm__V1__ReportCell *x)
{
	return x != NULL && x->has_number && isfinite(x->number);
}

void
cmd_report_cell_text(
    int unit, const Crm__V1__ReportCell *x, bool people, char *buf, size_t len)
{
	buf[0] = '\0';
	if (unit == CRM__V1__REPORT_UNIT__UNIT_TEXT) {
		if (x != NULL && x->text != NULL) {
			snprintf(buf, len, "%s", x->text);
		} else if (has_number(x)) {
			snprintf(buf, len, "%.15g", x->number);
		}
		return;
	}
	if (!has_number(x)) {
		if (people) {
			snprintf(buf, len, "-");
		}
		return;
	}
	double v = x->number;
	switch (unit) {
	case CRM__V1__REPORT_UNIT__UNIT_COUNT:
		snprintf(buf, len, "%.0f", v);
		return;
	case CRM__V1__REPORT_UNIT__UNIT_PERCENT:
		snprintf(buf, len, people ? "%.1f %%" : "%.15g", v);
		return;
	case CRM__V1__REPORT_UNIT__UNIT_DAYS:
	case CRM__V1__REPORT_UNIT__UNIT_SCORE:
		snprintf(buf, len, people ? "%.1f" : "%.15g", v);
		return;
	case CRM__V1__REPORT_UNIT__UNIT_MONEY:
		if (people) {
			render_money((int64_t)llround(v), buf, len);
		} else {
			crm_money_format((int64_t)llround(v), buf, len);
		}
		return;
	case CRM__V1__REPORT_UNIT__UNIT_NUMBER:
		if (people) {
			/* Two decimals at most, none when whole. */
			snprintf(buf, len, "%.2f", v);
			char *dot = strchr(buf, '.');
			if (dot != NULL) {
				char *end = buf + strlen(buf);
				while (end > dot + 1 && end[-1] == '0') {
					*--end = '\0';
				}
				if (end == dot + 1) {
					*dot = '\0';
				}
			}
		} else {
			snprintf(buf, len, "%.15g", v);
		}
		return;
	case CRM__V1__REPORT_UNIT__UNIT_TIME:
		if (people) {
			crm_time_format_date((int64_t)llround(v), buf, len);
		} else {
			crm_time_format((int64_t)llround(v), buf, len);
		}
		return;
	default:
		snprintf(buf, len, "%.15g", v);
		return;
	}
}

static int
col_unit(const Crm__V1__ReportTable *t, size_t c)
{
	/* no unit (UNIT_UNSPECIFIED, or an older server) reads as text */
	return c < t->n_columns && t->columns[c]->has_unit &&
	               t->columns[c]->unit !=
	                   CRM__V1__REPORT_UNIT__UNIT_UNSPECIFIED
	           ? (int)t->columns[c]->unit
	           : CRM__V1__REPORT_UNIT__UNIT_TEXT;
}

static const char *
col_name(const Crm__V1__ReportTable *t, size_t c, bool title)
{
	const Crm__V1__ReportColumn *col = t->columns[c];
	if (title && col->title != NULL && col->title[0] != '\0') {
		return col->title;
	}
	return col->name ? col->name : "";
}

/* A cell as JSON: numbers as numbers (money in major units), times in
 * RFC 3339, text as text, null when missing. */
static json_t *
cell_json(int unit, const Crm__V1__ReportCell *x)
{
	if (unit == CRM__V1__REPORT_UNIT__UNIT_TEXT) {
		if (x != NULL && x->text != NULL) {
			return json_string(x->text);
		}
		return has_number(x) ? json_real(x->number) : json_null();
	}
	if (!has_number(x)) {
		return json_null();
	}
	double v = x->number;
	switch (unit) {
	case CRM__V1__REPORT_UNIT__UNIT_MONEY:
		/* Whole fen, as the table and CSV show it. */
		return json_real((double)llround(v) / 100.0);
	case CRM__V1__REPORT_UNIT__UNIT_TIME:
		return render_json_time((int64_t)llround(v));
	case CRM__V1__REPORT_UNIT__UNIT_COUNT:
		if (v == floor(v) && fabs(v) < 9e15) {
			return json_integer((json_int_t)v);
		}
		return json_real(v);
	default:
		return json_real(v);
	}
}

/* ------------------------------------------------------------ show */

static json_t *
report_json(const Crm__V1__ReportReply *r)
{
	char kind[32];
	json_t *doc = json_object(), *tables = json_object();

	kind_name(r->has_kind ? (int)r->kind : 0, kind, sizeof(kind));
	json_object_set_new(doc, "kind", json_string(kind));
	json_object_set_new(doc, "from",
	    r->has_start_at ? render_json_time(r->start_at) : json_null());
	json_object_set_new(doc, "to",
	    r->has_end_at ? render_json_time(r->end_at) : json_null());
	json_object_set_new(
	    doc, "scope", r->scope ? json_string(r->scope) : json_null());
	for (size_t i = 0; i < r->n_tables; i++) {
		const Crm__V1__ReportTable *t = r->tables[i];
		json_t *rows = json_array();
		for (size_t k = 0; k < t->n_rows; k++) {
			json_t *o = json_object();
			for (size_t c = 0; c < t->n_columns; c++) {
				json_object_set_new(o, col_name(t, c, false),
				    cell_json(col_unit(t, c),
				        cell_at(t->rows[k], c)));
			}
			json_array_append_new(rows, o);
		}
		char fallback[32];
		snprintf(fallback, sizeof(fallback), "table%zu", i + 1);
		json_object_set_new(
		    tables, t->name && t->name[0] ? t->name : fallback, rows);
	}
	json_object_set_new(doc, "tables", tables);
	return doc;
}

/* The chart under table t. */
static void
table_chart(render_doc *out, const Crm__V1__ReportTable *t, int width)
{
	size_t lc = t->chart_label, vc = t->chart_value;
	if (!t->has_chart || lc >= t->n_columns || vc >= t->n_columns ||
	    t->n_rows == 0) {
		return;
	}
	struct chart_bar *bars = crm_xcalloc(t->n_rows, sizeof(*bars));
	char **labels = crm_xcalloc(t->n_rows, sizeof(char *));
	char **texts = crm_xcalloc(t->n_rows, sizeof(char *));
	for (size_t k = 0; k < t->n_rows; k++) {
		char buf[128];
		const Crm__V1__ReportCell *l = cell_at(t->rows[k], lc);
		const Crm__V1__ReportCell *v = cell_at(t->rows[k], vc);
		cmd_report_cell_text(
		    col_unit(t, lc), l, true, buf, sizeof(buf));
		labels[k] = crm_xstrdup(buf);
		cmd_report_cell_text(
		    col_unit(t, vc), v, true, buf, sizeof(buf));
		texts[k] = crm_xstrdup(buf);
		bars[k].label = labels[k];
		bars[k].text = texts[k];
		bars[k].missing = !has_number(v);
		bars[k].value = bars[k].missing ? 0 : v->number;
	}
	/* Percentages against 100 %, counts and money against the largest. */
	chart_add(out, bars, t->n_rows, width,
	    col_unit(t, vc) == CRM__V1__REPORT_UNIT__UNIT_PERCENT ? 100.0
	                                                          : 0.0);
	for (size_t k = 0; k < t->n_rows; k++) {
		free(labels[k]);
		free(texts[k]);
	}
	free(labels);
	free(texts);
	free(bars);
}

/* Table t as a render table: titles and formatted numbers for people,
 * names and raw numbers for CSV. */
static void
table_section(render_doc *out, const Crm__V1__ReportTable *t, bool people)
{
	size_t n = t->n_columns;
	const char **cols = crm_xcalloc(n ? n : 1, sizeof(char *));
	char **cells = crm_xcalloc(n ? n : 1, sizeof(char *));

	for (size_t c = 0; c < n; c++) {
		cols[c] = col_name(t, c, people);
	}
	render_table(out, n, cols);
	for (size_t k = 0; k < t->n_rows; k++) {
		for (size_t c = 0; c < n; c++) {
			char buf[256];
			cmd_report_cell_text(col_unit(t, c),
			    cell_at(t->rows[k], c), people, buf, sizeof(buf));
			cells[c] = crm_xstrdup(buf);
		}
		render_row(out, (const char *const *)cells);
		for (size_t c = 0; c < n; c++) {
			free(cells[c]);
		}
	}
	free(cells);
	free(cols);
}

/* The tags a feedback report ranks: `log --tag` completes from them. */
static void
cache_report_tags(const Crm__V1__ReportReply *r)
{
	for (size_t i = 0; i < r->n_tables; i++) {
		const Crm__V1__ReportTable *t = r->tables[i];
		if (t->name == NULL || strcmp(t->name, "tags") != 0) {
			continue;
		}
		const char **tags = crm_xcalloc(t->n_rows + 1, sizeof(char *));
		size_t n = 0;
		for (size_t k = 0; k < t->n_rows; k++) {
			const Crm__V1__ReportRow *row = t->rows[k];
			if (row->n_cells > 1 && row->cells[1]->has_number &&
			    row->cells[0]->text != NULL &&
			    strcmp(row->cells[0]->text, CRM_CUSTOMER_HIDDEN) !=
			        0) {
				tags[n++] = row->cells[0]->text;
			}
		}
		cache_add_file("tags", tags, n);
		free(tags);
	}
}

crm_status
cmd_report_show(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Response *resp = NULL;
	int kind = cmd_report_kind(cmd_verb(call->row));
	bool people = ctx->ropts.format == RENDER_TABLE;
	crm_status rc;

	if (kind == 0) {
		cmd_error("no report kind '%s'", cmd_verb(call->row));
		return CRM_EINVAL;
	}
	rc = cmd_report_fetch(ctx, call, kind, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	const Crm__V1__ReportReply *r = resp->report;
	if (people) {
		char name[32], from[16] = "", to[16] = "";
		kind_name(
		    r->has_kind ? (int)r->kind : kind, name, sizeof(name));
		if (r->has_start_at) {
			crm_time_format_date(r->start_at, from, sizeof(from));
		}
		if (r->has_end_at) {
			/* The period is [from, to): name its last day. */
			crm_time_format_date(r->end_at - 1, to, sizeof(to));
		}
		render_text(out, "%s report%s%s, %s – %s", name,
		    r->scope ? ", " : "", r->scope ? r->scope : "", from, to);
	}
	for (size_t i = 0; i < r->n_tables; i++) {
		const Crm__V1__ReportTable *t = r->tables[i];
		if (people) {
			render_text(out, "%s", "");
			render_text(out, "%s",
			    t->title && t->title[0] ? t->title
			    : t->name               ? t->name
			                            : "");
		}
		table_section(out, t, people);
		if (people && t->n_rows == 0) {
			/* Never only a header: say the period has nothing. */
			render_text(out, "%s",
			    t->name && strcmp(t->name, "tags") == 0
			        ? "no tags in this period (log --tag adds "
			          "them)"
			        : "(none)");
		}
		if (people) {
			table_chart(out, t, ctx->ropts.width);
		}
	}
	cache_report_tags(r);
	render_set_json(out, report_json(r));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

void
cmd_report_help(FILE *f)
{
	fprintf(f, "\nkinds:\n");
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		if (strncmp(r->name, "report ", 7) == 0) {
			fprintf(f, "  %-12s %s\n", cmd_verb(r), r->summary);
		}
	}
}
