/* SPDX-License-Identifier: MIT */
/*
 * cmd_purchase.c: purchases (合作记录 / 购买) and the value policy:
 * `purchase add`, `purchase list`, `policy value`, and how a customer's
 * purchase summary and the value policy read (for `customer show` and
 * `policy show`). The value report itself is `report value`
 * (cmd_report.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define MAX_PAGES 10000 /* a bound on `list`, whatever the server says */

static const char *const purchase_cols[] = { "id", "bought_at", "product",
	"category", "amount", "contract", "author" };

/* ------------------------------------------------------------ showing */

static const char *
level_word(int level)
{
	const char *s = crm_enum_name(&crm__v1__level__descriptor, level);
	return s[0] ? s : "-";
}

void
cmd_purchase_show_summary(const Crm__V1__PurchaseSummary *s, render_doc *out)
{
	char buf[128], a[48], b[48];

	if (s == NULL) {
		return;
	}
	render_record(out);
	if (s->count == 0) {
		render_kv(out, "purchases", "none");
		return;
	}
	render_money(s->total, a, sizeof(a));
	render_money(s->average, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%u, total %s, average %s", s->count, a, b);
	render_kv(out, "purchases", buf);
	crm_time_format_date(s->first_at, a, sizeof(a));
	crm_time_format_date(s->last_at, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s – %s", a, b);
	render_kv(out, "purchase dates", buf);
	render_money(s->total_year, a, sizeof(a));
	snprintf(buf, sizeof(buf),
	    "%u purchase%s (%s frequency), %s (%s amount)", s->count_year,
	    s->count_year == 1 ? "" : "s", level_word(s->frequency), a,
	    level_word(s->amount_level));
	render_kv(out, "last 12 months", buf);
	size_t len = 1;
	for (size_t i = 0; i < s->n_categories; i++) {
		len += strlen(s->categories[i]) + 2;
	}
	char *cats = crm_xcalloc(1, len);
	for (size_t i = 0; i < s->n_categories; i++) {
		strcat(cats, i ? ", " : "");
		strcat(cats, s->categories[i]);
	}
	render_kv(out, "top categories", cats);
	free(cats);
}

/* A duration in whole days or hours ("7d", "12h"). */
static void
span(int64_t secs, char *buf, size_t len)
{
	if (secs % 86400 == 0) {
		snprintf(buf, len, "%lldd", (long long)(secs / 86400));
	} else {
		snprintf(buf, len, "%lldh", (long long)(secs / 3600));
	}
}

void
cmd_purchase_show_value(const Crm__V1__ValuePolicy *v, render_doc *out)
{
	char buf[256], h[48], m[48], l[48];

	if (v == NULL) {
		return;
	}
	render_record(out);
	snprintf(buf, sizeof(buf), "high ≥ %u, medium ≥ %u purchases",
	    v->frequency_high, v->frequency_medium);
	render_kv(out, "value: frequency", buf);
	render_money(v->amount_high, h, sizeof(h));
	render_money(v->amount_medium, m, sizeof(m));
	snprintf(buf, sizeof(buf), "high ≥ %s, medium ≥ %s", h, m);
	render_kv(out, "value: amount", buf);
	snprintf(buf, sizeof(buf), "high ≥ %u %%, medium ≥ %u %% of revenue",
	    v->category_high, v->category_medium);
	render_kv(out, "value: category", buf);
	span(v->high_every_seconds, h, sizeof(h));
	span(v->medium_every_seconds, m, sizeof(m));
	span(v->low_every_seconds, l, sizeof(l));
	snprintf(buf, sizeof(buf),
	    "high every %s, medium every %s, low every %s", h, m, l);
	render_kv(out, "value: follow up", buf);
}

/* ------------------------------------------------------------ add */

#define AMOUNT_MAX INT64_C(100000000000000) /* crmd's, in minor units */

/* text is a positive amount above AMOUNT_MAX (parsed or too long to). */
static bool
too_large(const char *text, int64_t *minor)
{
	if (crm_money_parse(text, minor) == CRM_OK) {
		return *minor > AMOUNT_MAX;
	}
	size_t digits = 0;
	if (strncmp(text, "¥", strlen("¥")) == 0) {
		text += strlen("¥");
	}
	for (const char *q = text; *q != '\0' && *q != '.'; q++) {
		if (*q >= '0' && *q <= '9') {
			digits++;
		} else if (*q != ',' && !(q == text && *q == '$')) {
			return false;
		}
	}
	return digits > 13;
}

crm_status
cmd_purchase_add(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseAddRequest body = CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	Crm__V1__Purchase p = CRM__V1__PURCHASE__INIT;
	Crm__V1__Response *resp = NULL;
	const char *at = cmd_opt(call, "--at");

	if (too_large(call->argv[1], &p.amount)) {
		return cmd_usage_error(ctx, call,
		    "AMOUNT '%s' is too large: at most 1,000,000,000,000.00",
		    call->argv[1]);
	}
	if (crm_money_parse(call->argv[1], &p.amount) != CRM_OK ||
	    p.amount <= 0) {
		return cmd_usage_error(ctx, call,
		    "AMOUNT wants an amount above 0 like 12000 or 12,000.50, "
		    "not '%s'",
		    call->argv[1]);
	}
	p.has_amount = 1;
	if (call->argv[2][0] == '\0') {
		return cmd_usage_error(
		    ctx, call, "give the product or service");
	}
	p.product = call->argv[2];
	p.category = (char *)cmd_opt(call, "--category");
	p.contract = (char *)cmd_opt(call, "--contract");
	if (at != NULL) {
		if ((rc = cmd_parse_past(
		         ctx, call, "--at", at, &p.bought_at)) != CRM_OK) {
			return rc;
		}
		p.has_bought_at = 1;
	}
	rc = cmd_customer_resolve(ctx, call->argv[0], &p.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	p.has_customer_id = 1;
	body.purchase = &p;
	req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	req.purchase_add = &body;
	rc = cmd_expect(ctx, &req, CRM__V1__RESPONSE__BODY_PURCHASE, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	static const char *const skip[] = { "customer_id", "owner_id",
		"team_id", "created_by", NULL };
	render_message_record(out, &resp->purchase->base, skip);
	render_set_json(out, render_json_message(&resp->purchase->base));
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}

/* ------------------------------------------------------------ list */

/* Purchases by when they were bought, then as recorded (id). */
static int
by_bought_at(const void *a, const void *b)
{
	const Crm__V1__Purchase *x = *(const Crm__V1__Purchase *const *)a;
	const Crm__V1__Purchase *y = *(const Crm__V1__Purchase *const *)b;
	if (x->bought_at != y->bought_at) {
		return x->bought_at < y->bought_at ? -1 : 1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

crm_status
cmd_purchase_list(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	crm_status rc;
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PurchaseListRequest body =
	    CRM__V1__PURCHASE_LIST_REQUEST__INIT;
	Crm__V1__Response **pages = NULL;
	Crm__V1__Purchase **all = NULL;
	const Crm__V1__PurchaseSummary *summary = NULL;
	size_t npages = 0, n = 0;
	uint64_t cursor = 0;

	rc = cmd_customer_resolve(ctx, call->argv[0], &body.customer_id);
	if (rc != CRM_OK) {
		return rc;
	}
	body.has_customer_id = 1;
	req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_LIST;
	req.purchase_list = &body;
	do {
		Crm__V1__Response *resp = NULL;
		body.has_cursor = cursor != 0;
		body.cursor = cursor;
		rc = cmd_expect(
		    ctx, &req, CRM__V1__RESPONSE__BODY_PURCHASES, &resp);
		if (rc != CRM_OK) {
			goto out;
		}
		pages = crm_xrealloc(pages, (npages + 1) * sizeof(*pages));
		pages[npages++] = resp;
		const Crm__V1__PurchaseList *l = resp->purchases;
		if (summary == NULL) {
			summary = l->summary;
		}
		all =
		    crm_xrealloc(all, (n + l->n_purchases + 1) * sizeof(*all));
		if (l->n_purchases > 0) {
			memcpy(all + n, l->purchases,
			    l->n_purchases * sizeof(*all));
		}
		n += l->n_purchases;
		if (l->next_cursor != 0 && l->next_cursor == cursor) {
			cmd_error("the server repeated cursor %llu; stopping",
			    (unsigned long long)cursor);
			break;
		}
		cursor = l->next_cursor;
	} while (cursor != 0 && npages < MAX_PAGES);
	/* crmd lists them as recorded; a customer's purchases read oldest
	 * first (one recorded later with its date comes in its place). */
	if (n > 1) {
		qsort(all, n, sizeof(*all), by_bought_at);
	}
	render_messages(
	    out, 7, purchase_cols, (const ProtobufCMessage *const *)all, n);
	if (ctx->ropts.format == RENDER_TABLE) {
		cmd_purchase_show_summary(summary, out);
	}
out:
	for (size_t i = 0; i < npages; i++) {
		crm__v1__response__free_unpacked(pages[i], NULL);
	}
	free(pages);
	free(all);
	return rc;
}

/* ------------------------------------------------------------ policy */

/* "A,B" (or "A,B,C" when three) into parts; each parsed by fn. */
static int
split(const char *text, char parts[3][64], int want)
{
	int n = 0;
	const char *p = text;
	while (n < 3) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= 64) {
			return 0;
		}
		memcpy(parts[n], p, len);
		parts[n++][len] = '\0';
		if (p[len] == '\0') {
			break;
		}
		p += len + 1;
	}
	return n == want;
}

static int
parse_count(const char *s, uint32_t *v)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || (*end != '\0' && strcmp(end, "%")) ||
	    n > 1000000) {
		return 0;
	}
	*v = (uint32_t)n;
	return 1;
}

crm_status
cmd_purchase_policy(
    struct cmd_ctx *ctx, const struct cmd_call *call, render_doc *out)
{
	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__PolicyValueSetRequest body =
	    CRM__V1__POLICY_VALUE_SET_REQUEST__INIT;
	Crm__V1__ValuePolicy v = CRM__V1__VALUE_POLICY__INIT;
	Crm__V1__Response *resp = NULL;
	const char *freq = cmd_opt(call, "--frequency");
	const char *amount = cmd_opt(call, "--amount");
	const char *cat = cmd_opt(call, "--category");
	const char *every = cmd_opt(call, "--every");
	char parts[3][64];

	if (freq != NULL) {
		if (!split(freq, parts, 2) ||
		    !parse_count(parts[0], &v.frequency_high) ||
		    !parse_count(parts[1], &v.frequency_medium)) {
			return cmd_usage_error(ctx, call,
			    "--frequency wants HIGH,MEDIUM purchases like "
			    "6,3, "
			    "not '%s'",
			    freq);
		}
		v.has_frequency_high = v.has_frequency_medium = 1;
	}
	if (amount != NULL) {
		if (!split(amount, parts, 2) ||
		    crm_money_parse(parts[0], &v.amount_high) != CRM_OK ||
		    crm_money_parse(parts[1], &v.amount_medium) != CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--amount wants HIGH,MEDIUM amounts like "
			    "100000,20000, not '%s'",
			    amount);
		}
		v.has_amount_high = v.has_amount_medium = 1;
	}
	if (cat != NULL) {
		if (!split(cat, parts, 2) ||
		    !parse_count(parts[0], &v.category_high) ||
		    !parse_count(parts[1], &v.category_medium)) {
			return cmd_usage_error(ctx, call,
			    "--category wants HIGH,MEDIUM percentages like "
			    "40,15, not '%s'",
			    cat);
		}
		v.has_category_high = v.has_category_medium = 1;
	}
	if (every != NULL) {
		if (!split(every, parts, 3) ||
		    crm_time_parse_duration(parts[0], &v.high_every_seconds) !=
		        CRM_OK ||
		    crm_time_parse_duration(
		        parts[1], &v.medium_every_seconds) != CRM_OK ||
		    crm_time_parse_duration(parts[2], &v.low_every_seconds) !=
		        CRM_OK) {
			return cmd_usage_error(ctx, call,
			    "--every wants HIGH,MEDIUM,LOW durations like "
			    "7d,30d,90d, not '%s'",
			    every);
		}
		v.has_high_every_seconds = v.has_medium_every_seconds = 1;
		v.has_low_every_seconds = 1;
	}
	if (freq || amount || cat || every) {
		body.value = &v;
		req.body_case = CRM__V1__REQUEST__BODY_POLICY_VALUE_SET;
		req.policy_value_set = &body;
	}
	crm_status rc = cmd_policy_request(ctx, &req, &resp);
	if (rc != CRM_OK) {
		return rc;
	}
	cmd_purchase_show_value(resp->policy->value, out);
	if (resp->policy->value != NULL) {
		render_set_json(
		    out, render_json_message(&resp->policy->value->base));
	}
	crm__v1__response__free_unpacked(resp, NULL);
	return CRM_OK;
}
