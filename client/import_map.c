/* SPDX-License-Identifier: MIT */
/*
 * import_map.c: the column table of import_map.h and the cell parsers.
 * One row per field: the kinds it serves, the record it goes to, its
 * proto field name (also its English header, as `export` writes it) and
 * its other header words. How a cell is parsed follows from the proto
 * field's type, so adding a column is one row here.
 */
#include "import_map.h"

#include "followup_lists.h"
#include "crm_utf8.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define K_CUST (1u << CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS)
#define K_CONT (1u << CRM__V1__IMPORT_KIND__IMPORT_CONTACTS)
#define K_FU   (1u << CRM__V1__IMPORT_KIND__IMPORT_FOLLOWUPS)
#define K_PUR  (1u << CRM__V1__IMPORT_KIND__IMPORT_PURCHASES)

/* Where a column's value goes. */
enum target {
	T_IGNORE = 0,    /* known, not imported (server-set) */
	T_ROW,           /* a field of ImportRow (customer_name, owner) */
	T_RECORD,        /* a field of the kind's record */
	T_SCORE,         /* a field of the follow-up's Score */
	T_COMPANY_TITLE, /* "A科技公司/采购经理": customer and title */
	T_NAME_TITLE,    /* "王总(采购总监)": contact name and title */
	T_LIST,          /* a follow-up's list of records: JSON (below) */
};

struct import_map_field {
	unsigned kinds;
	enum target target;
	const char *field;   /* proto field name; the English header */
	const char *aliases; /* other header words, '|'-separated */
};

/* The table. Order matters only where a header word serves two kinds
 * differently ("name": the customer's, or the contact's). */
static const struct import_map_field fields[] = {
	/* customers */
	{ K_CUST, T_RECORD, "name",
	    "customer|customer_name|客户名称|客户|企业名称|公司名称|名称|"
	    "客户姓名|单位名称" },
	{ K_CUST, T_RECORD, "kind", "客户性质|企业/个人" },
	{ K_CUST, T_RECORD, "industry", "所属行业|行业|行业类型" },
	{ K_CUST, T_RECORD, "employees", "员工人数|员工数|人数" },
	{ K_CUST, T_RECORD, "age_range", "年龄段|个人年龄段|年龄" },
	{ K_CUST, T_RECORD, "annual_revenue",
	    "revenue|年营业额|年收入|营业额" },
	{ K_CUST, T_RECORD, "region", "地域|地区|区域|城市|所在地区" },
	{ K_CUST, T_RECORD, "website", "官网|网站|网址" },
	{ K_CUST, T_RECORD, "licence_no",
	    "licence|license|营业执照|营业执照号|统一社会信用代码" },
	{ K_CUST, T_RECORD, "source", "来源|客户来源|获取渠道|来源渠道|渠道" },
	{ K_CUST, T_RECORD, "first_contact_at",
	    "first_contact|首次接触时间|首次联系时间|首次合作时间|首次接触" },
	{ K_CUST, T_ROW, "owner",
	    "负责人|对接销售|销售代表|对接销售代表|客户经理|所属销售" },
	{ K_CUST, T_RECORD, "stage",
	    "客户阶段|阶段|商机阶段|所属商机阶段|客户类型|生命周期阶段" },
	{ K_CUST, T_RECORD, "grade",
	    "客户等级|等级|客户级别|级别|客户分级|分级" },
	{ K_CUST, T_RECORD, "value_tier", "客户价值|价值" },
	{ K_CUST, T_RECORD, "urgency", "紧急程度" },
	{ K_CUST, T_RECORD, "pain_points", "需求痛点|痛点" },
	{ K_CUST, T_RECORD, "purchase_intent",
	    "采购意向|购买意向|需求|客户需求" },
	{ K_CUST, T_RECORD, "budget_range", "budget|预算范围|预算" },
	{ K_CUST, T_RECORD, "timeline", "期望合作时间|时间计划" },
	{ K_CUST, T_RECORD, "decision_chain", "决策链" },
	{ K_CUST, T_RECORD, "tags", "标签" },
	{ K_CUST | K_CONT, T_RECORD, "birthday", "生日" },
	{ K_CUST, T_RECORD, "anniversary", "成立纪念日|周年纪念日|成立日期" },
	{ K_CUST | K_FU, T_RECORD, "deal_amount", "成交金额|合同金额" },
	{ K_CUST, T_RECORD, "won_at", "成交时间|成交日期" },
	{ K_CUST | K_FU, T_RECORD, "contract_terms", "合同条款" },
	{ K_CUST | K_FU, T_RECORD, "lost_reason", "流失原因" },
	{ K_CUST, T_RECORD, "lost_text", "流失说明" },
	{ K_CUST, T_RECORD, "lost_at", "流失时间" },
	{ K_CUST | K_CONT, T_RECORD, "notes", "备注|说明" },
	{ K_CUST, T_RECORD, "stage_at", "进入阶段时间|阶段时间" },
	{ K_CUST, T_RECORD, "deal_category", "成交产品类别" },
	{ K_CUST, T_IGNORE, "id",
	    "team|last_contact_at|contacts|created_at|updated_at|"
	    "merged_into|merged_at|序号|编号" },

	/* contacts, follow-ups and purchases: the customer they belong to */
	{ K_CONT | K_FU | K_PUR, T_ROW, "customer_name",
	    "customer|客户名称|客户|所属公司|公司|企业名称|公司名称|"
	    "单位名称" },

	/* contacts */
	{ K_CONT, T_RECORD, "name", "联系人|联系人姓名|姓名" },
	{ K_CONT, T_RECORD, "title", "职位|职务|岗位" },
	{ K_CONT, T_RECORD, "phones",
	    "phone|电话|联系方式|电话/"
	    "联系方式|手机|联系电话|手机号|手机号码" },
	{ K_CONT, T_RECORD, "email", "邮箱|电子邮件|电子邮箱|邮件" },
	{ K_CONT, T_RECORD, "im", "微信|qq|即时通讯" },
	{ K_CONT, T_RECORD, "role", "角色|决策角色" },
	{ K_CONT, T_RECORD, "left", "已离职|离职" },
	{ K_CONT, T_RECORD, "left_at", "离职时间" },
	{ K_CONT, T_COMPANY_TITLE, "company/title",
	    "所属公司/职位|公司/职位" },
	{ K_CONT, T_NAME_TITLE, "name(title)",
	    "联系人(职务)|联系人(职位)|姓名(职务)" },
	{ K_CONT, T_IGNORE, "id",
	    "customer_id|created_at|updated_at|序号|编号" },

	/* follow-ups */
	{ K_FU, T_RECORD, "happened_at",
	    "at|跟进时间|实际跟进时间|日期|时间|跟进日期" },
	{ K_FU, T_RECORD, "channel", "跟进方式|方式|沟通方式" },
	{ K_FU, T_RECORD, "duration_min",
	    "duration|沟通时长|时长|时长(分钟)" },
	{ K_FU, T_RECORD, "contact_names", "contacts|联系人|联系人姓名" },
	{ K_FU, T_RECORD, "participants", "参与人员|参与人" },
	{ K_FU, T_RECORD, "goal", "跟进目标|目标" },
	{ K_FU, T_RECORD, "summary",
	    "跟进内容|跟进内容摘要|沟通内容摘要|沟通内容|内容|内容摘要" },
	{ K_FU, T_RECORD, "feedback", "客户反馈|客户反馈/需求|反馈" },
	{ K_FU, T_RECORD, "mood", "客户情绪|情绪|态度" },
	{ K_FU, T_RECORD, "next_action",
	    "下一步计划|下一步行动|后续计划|下一步|跟进重点" },
	{ K_FU, T_RECORD, "next_due_at", "下次跟进时间|下次跟进" },
	{ K_FU, T_RECORD, "next_owner", "" },
	{ K_FU, T_RECORD, "stage_to", "阶段变更|新阶段" },
	{ K_FU, T_RECORD, "stage_reason", "" },
	{ K_FU, T_SCORE, "timeliness", "score_timeliness|响应及时性" },
	{ K_FU, T_SCORE, "efficiency", "score_efficiency|问题解决效率" },
	{ K_FU, T_SCORE, "professionalism",
	    "score_professionalism|沟通专业性" },
	{ K_FU, T_SCORE, "proactiveness", "score_proactiveness|服务主动性" },
	{ K_FU, T_SCORE, "evidence", "score_evidence|具体事例说明|评分说明" },
	/* what export writes of a follow-up's history (an export imports
	 * back whole): who wrote it, when, the grade then, late or not, the
	 * stage it moved from (a move already made: kept as said) */
	{ K_FU | K_PUR, T_RECORD, "author", "跟进人|记录人" },
	{ K_FU, T_RECORD, "logged_at", "录入时间" },
	{ K_FU, T_RECORD, "grade", "" },
	{ K_FU, T_RECORD, "late", "" },
	{ K_FU, T_RECORD, "stage_from", "原阶段" },
	{ K_FU, T_RECORD, "stage_said", "" },
	{ K_FU, T_RECORD, "next_due_chosen", "" },
	{ K_FU, T_RECORD, "tags", "反馈标签|标签" },
	{ K_FU, T_RECORD, "no_answer", "未接通" },
	{ K_FU, T_LIST, "commitments", "承诺事项|承诺" },
	{ K_FU, T_LIST, "objections", "待解决问题|客户异议|异议" },
	{ K_FU, T_LIST, "attachments", "附件" },
	/* Server-set or a row number: left out without a word. The seed
	 * template's other columns a follow-up keeps nothing of (负责人,
	 * 状态, 备注, 计划跟进时间, 客户类型) are unknown columns: left out
	 * with a warning, so a remark is never lost unsaid. */
	{ K_FU, T_IGNORE, "id", "customer_id|序号|编号" },

	/* purchases (合作记录) */
	{ K_PUR, T_RECORD, "amount",
	    "金额|购买金额|合作金额|订单金额|成交金额|合同金额|销售额" },
	{ K_PUR, T_RECORD, "product",
	    "产品|产品名称|合作产品|合作产品/服务|产品/服务|购买产品|服务" },
	{ K_PUR, T_RECORD, "category",
	    "类别|产品类别|购买产品类别|品类|产品分类|分类" },
	{ K_PUR, T_RECORD, "bought_at",
	    "at|date|购买日期|购买时间|日期|时间|下单日期|合作时间|成交日期" },
	{ K_PUR, T_RECORD, "contract",
	    "contract_ref|合同|合同编号|合同号|订单号" },
	{ K_PUR, T_IGNORE, "id", "customer_id|created_at|序号|编号" },
	{ 0, T_IGNORE, NULL, NULL },
};

static const char *const required_customers[] = { "name", NULL };
static const char *const required_contacts[] = { "customer_name", "name",
	NULL };
static const char *const required_followups[] = { "customer_name", NULL };
static const char *const required_purchases[] = { "customer_name", "amount",
	"product", "bought_at", NULL };

const char *const *
import_map_required(int kind)
{
	switch (kind) {
	case CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS:
		return required_customers;
	case CRM__V1__IMPORT_KIND__IMPORT_CONTACTS:
		return required_contacts;
	case CRM__V1__IMPORT_KIND__IMPORT_PURCHASES:
		return required_purchases;
	default:
		return required_followups;
	}
}

bool
import_map_provides(const struct import_map_field *f, const char *field)
{
	switch (f->target) {
	case T_COMPANY_TITLE:
		return strcmp(field, "customer_name") == 0 ||
		       strcmp(field, "title") == 0;
	case T_NAME_TITLE:
		return strcmp(field, "name") == 0 ||
		       strcmp(field, "title") == 0;
	case T_IGNORE:
		return false;
	default:
		return strcmp(f->field, field) == 0;
	}
}

const char *
import_map_name(const struct import_map_field *f)
{
	return strcmp(f->field, "customer_name") == 0 ? "customer" : f->field;
}

/* ------------------------------------------------------------ headers */

/* The comparable form of a header word: NFKC, case folded, without
 * blanks, '_', '-', '*' and a trailing ':'. Caller frees. */
static char *
header_key(const char *s, size_t len)
{
	char *part = crm_xstrndup(s, len);
	char *folded = crm_utf8_fold(part);
	free(part);
	if (folded == NULL) {
		return crm_xstrdup("");
	}
	size_t o = 0;
	for (size_t i = 0; folded[i] != '\0'; i++) {
		unsigned char c = (unsigned char)folded[i];
		if (isspace(c) || c == '_' || c == '-' || c == '*') {
			continue;
		}
		folded[o++] = (char)c;
	}
	while (o > 0 && folded[o - 1] == ':') {
		o--;
	}
	folded[o] = '\0';
	return folded;
}

static bool
matches(const char *key, const char *words)
{
	const char *p = words;
	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		char *k = header_key(p, len);
		bool same = k[0] != '\0' && strcmp(k, key) == 0;
		free(k);
		if (same) {
			return true;
		}
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

const struct import_map_field *
import_map_find(int kind, const char *header, bool *ignored)
{
	unsigned bit = 1u << kind;
	char *key = header_key(header, strlen(header));
	const struct import_map_field *found = NULL;

	*ignored = false;
	for (const struct import_map_field *f = fields; f->field; f++) {
		if ((f->kinds & bit) == 0) {
			continue;
		}
		if ((f->target != T_COMPANY_TITLE &&
		        f->target != T_NAME_TITLE && matches(key, f->field)) ||
		    matches(key, f->aliases)) {
			found = f;
			break;
		}
	}
	free(key);
	if (found != NULL && found->target == T_IGNORE) {
		*ignored = true;
		return NULL;
	}
	return found;
}

const struct import_map_field *
import_map_next(int kind, const struct import_map_field *prev)
{
	unsigned bit = 1u << kind;
	const struct import_map_field *f = prev ? prev + 1 : fields;
	for (; f->field; f++) {
		if ((f->kinds & bit) != 0 && f->target != T_IGNORE) {
			return f;
		}
	}
	return NULL;
}

const char *
import_map_aliases(const struct import_map_field *f)
{
	return f->aliases;
}

bool
import_map_is_record(const struct import_map_field *f)
{
	return f->target == T_RECORD;
}

const char *
import_map_customer_field(const char *word)
{
	bool ignored;
	const struct import_map_field *f = import_map_find(
	    CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS, word, &ignored);
	return f != NULL && f->target == T_RECORD ? f->field : NULL;
}

const char *
import_map_not_carried(int kind)
{
	switch (kind) {
	case CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS:
		return "not from the file: ids, created_at and updated_at "
		       "(this server's), last contact and contacts (from the "
		       "follow-ups and contacts imported); each customer "
		       "starts at its stage since stage_at, without the stage "
		       "history before it, its grade history, grade "
		       "proposals, checks, events or audit trail; its stage, "
		       "and a deal won, count for its owner in the file, "
		       "not whoever held it then; a customer that was in its "
		       "team's pool (no owner) is yours, out of the pool "
		       "(customer release puts it back)";
	case CRM__V1__IMPORT_KIND__IMPORT_CONTACTS:
		return "not from the file: ids, created_at and updated_at "
		       "(this server's), whether the details were verified";
	case CRM__V1__IMPORT_KIND__IMPORT_PURCHASES:
		return "not from the file: ids, created_at (this server's)";
	default:
		return "not from the file: ids; tasks (each customer's next "
		       "follow-up is planned here, so the export's "
		       "next_due_at without a next action is this server's "
		       "plan unless next_due_chosen says a person chose it, "
		       "and a past period's plan counts for the customer's "
		       "owner now); which follow-up kept a commitment or "
		       "resolved an objection; attachments are references: "
		       "their files stay where they are";
	}
}

/* ------------------------------------------------------------ rows */

Crm__V1__ImportRow *
import_map_row_new(int kind, unsigned line)
{
	Crm__V1__ImportRow *r = crm_xmalloc(sizeof(*r));
	crm__v1__import_row__init(r);
	r->has_row = 1;
	r->row = line;
	switch (kind) {
	case CRM__V1__IMPORT_KIND__IMPORT_CUSTOMERS:
		r->customer = crm_xmalloc(sizeof(*r->customer));
		crm__v1__customer__init(r->customer);
		break;
	case CRM__V1__IMPORT_KIND__IMPORT_CONTACTS:
		r->contact = crm_xmalloc(sizeof(*r->contact));
		crm__v1__contact__init(r->contact);
		break;
	case CRM__V1__IMPORT_KIND__IMPORT_PURCHASES:
		r->purchase = crm_xmalloc(sizeof(*r->purchase));
		crm__v1__purchase__init(r->purchase);
		break;
	default:
		r->followup = crm_xmalloc(sizeof(*r->followup));
		crm__v1__follow_up__init(r->followup);
		r->followup->has_imported = 1;
		r->followup->imported = 1;
		break;
	}
	return r;
}

/* The record of row that its kind fills. */
static ProtobufCMessage *
record_of(Crm__V1__ImportRow *row)
{
	if (row->customer != NULL) {
		return &row->customer->base;
	}
	if (row->contact != NULL) {
		return &row->contact->base;
	}
	if (row->purchase != NULL) {
		return &row->purchase->base;
	}
	return &row->followup->base;
}

/* ------------------------------------------------------------ parsers */

/* s without leading and trailing blanks (crm_utf8_trim). Caller frees. */
static char *
trimmed(const char *s, size_t len)
{
	s = crm_utf8_trim(s, &len);
	return crm_xstrndup(s, len);
}

static bool
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a > b && strcmp(s + a - b, suf) == 0;
}

/* A number of digits at *p; advances *p. -1 when none. */
static long
digits(const char **p)
{
	long v = 0;
	int n = 0;
	while (isdigit((unsigned char)**p) && n < 9) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n ? v : -1;
}

/* Skip a date separator: - / . or 年 月 (one of them). */
static bool
date_sep(const char **p)
{
	static const char *const seps[] = { "-", "/", ".", "年", "月", NULL };
	for (size_t i = 0; seps[i] != NULL; i++) {
		size_t n = strlen(seps[i]);
		if (strncmp(*p, seps[i], n) == 0) {
			*p += n;
			return true;
		}
	}
	return false;
}

/* s into buf of len bytes, cut when longer. */
static void
copy(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len == 0) {
		return;
	}
	n = n < len ? n : len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/*
 * The forms spreadsheets write as crm_time_parse reads them:
 * 2024/6/10, 2024.6.10, 2024年6月10日, 2024-06-10 9:05:00 become
 * 2024-06-10 or 2024-06-10 09:05, the seconds (2024-06-10 9:05:07) in
 * *secs when secs is not NULL. Seconds with a fraction are rounded to
 * the second first: a workbook's date cell comes from xlsx2csv as
 * 03:18:59.999984 when the sheet meant 03:19. Anything else is left as
 * is.
 */
static void
normal_time(const char *s, char *buf, size_t len, long *secs)
{
	const char *p = s;
	long y = digits(&p), mo = -1, d = -1, h = -1, mi = -1, sec = 0;
	char out[128];
	copy(buf, len, s);
	if (secs != NULL) {
		*secs = 0;
	}
	if (y < 1000 || !date_sep(&p) || (mo = digits(&p)) < 1 ||
	    !date_sep(&p) || (d = digits(&p)) < 1) {
		return;
	}
	if (strncmp(p, "日", strlen("日")) == 0) {
		p += strlen("日");
	}
	while (*p == ' ' || *p == 'T') {
		p++;
	}
	if (*p != '\0') {
		if ((h = digits(&p)) < 0 || *p++ != ':' ||
		    (mi = digits(&p)) < 0) {
			return;
		}
		if (*p == ':') {
			p++;
			sec = digits(&p); /* kept: see secs */
		}
		if (sec >= 0 && *p == '.') {
			const char *frac = ++p;
			while (isdigit((unsigned char)*p)) {
				p++;
			}
			sec += p > frac && *frac >= '5';
		}
		if (*p != '\0') {
			return;
		}
		if (sec >= 60) { /* rounded up into the next minute */
			struct tm tm = { .tm_year = (int)y - 1900,
				.tm_mon = (int)mo - 1,
				.tm_mday = (int)d,
				.tm_hour = (int)h,
				.tm_min = (int)mi,
				.tm_sec = (int)sec };
			time_t t = timegm(&tm);
			if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL) {
				return;
			}
			y = tm.tm_year + 1900L;
			mo = tm.tm_mon + 1L;
			d = tm.tm_mday;
			h = tm.tm_hour;
			mi = tm.tm_min;
		}
		snprintf(out, sizeof(out), "%04ld-%02ld-%02ld %02ld:%02ld", y,
		    mo, d, h, mi);
		copy(buf, len, out);
		if (secs != NULL && sec > 0 && sec < 60) {
			*secs = sec;
		}
		return;
	}
	snprintf(out, sizeof(out), "%04ld-%02ld-%02ld", y, mo, d);
	copy(buf, len, out);
}

static bool
parse_time(const char *text, int64_t *t)
{
	char buf[64];
	long secs = 0;
	normal_time(text, buf, sizeof(buf), &secs);
	if (crm_time_parse(buf, crm_time_now(), t) != CRM_OK) {
		return false;
	}
	/* The file's seconds (export writes those of a follow-up logged
	 * live): the duplicate check then finds the record it came from. */
	*t += secs;
	return true;
}

/* An enum word, leniently: "意向客户" is 意向, "S级" is S, "电话+邮件"
 * is the first word that names a value. */
static bool
parse_enum(const ProtobufCEnumDescriptor *d, const char *text, int *v)
{
	static const char *const suffixes[] = { "客户", "级", "类", NULL };
	if (crm_enum_parse(d, text, v) == CRM_OK) {
		return true;
	}
	for (size_t i = 0; suffixes[i] != NULL; i++) {
		if (ends_with(text, suffixes[i])) {
			char *cut = crm_xstrndup(
			    text, strlen(text) - strlen(suffixes[i]));
			bool ok = crm_enum_parse(d, cut, v) == CRM_OK;
			free(cut);
			if (ok) {
				return true;
			}
		}
	}
	/* Several words: the first that names a value. */
	static const char *const seps[] = { "+", "/", "、", ",", "，", " ",
		NULL };
	for (size_t i = 0; seps[i] != NULL; i++) {
		const char *p = strstr(text, seps[i]);
		if (p == NULL || p == text) {
			continue;
		}
		char *first = crm_xstrndup(text, (size_t)(p - text));
		bool ok = parse_enum(d, first, v);
		free(first);
		if (ok || parse_enum(d, p + strlen(seps[i]), v)) {
			return true;
		}
	}
	return false;
}

/* A whole number, with a unit word allowed after it (30分钟, 50人). */
static bool
parse_uint(const char *text, uint32_t *v)
{
	static const char *const units[] = { "", "人", "名", "分钟", "分",
		"min", "mins", "minutes", NULL };
	char *end = NULL;
	if (!isdigit((unsigned char)text[0])) {
		return false;
	}
	errno = 0;
	unsigned long n = strtoul(text, &end, 10);
	while (*end == ' ') {
		end++;
	}
	if (errno != 0 || n > UINT32_MAX) {
		return false;
	}
	for (size_t i = 0; units[i] != NULL; i++) {
		if (strcmp(end, units[i]) == 0) {
			*v = (uint32_t)n;
			return true;
		}
	}
	return false;
}

/*
 * A workbook's number cell, as the amount in cents it was written from
 * ("%.2f" into buf), or false. The cell is a double, which xlsx2csv
 * prints with six decimals ("%f"): 123456789012.34 comes as
 * 123456789012.339996. The shortest decimal with at most two places
 * that reads back as the same double is the amount; a number that no
 * such decimal reads as (12.339996) is none.
 */
static bool
sheet_amount(const char *text, char *buf, size_t len)
{
	const char *p = text + (text[0] == '-');
	size_t whole = strspn(p, "0123456789");
	if (whole == 0 || p[whole] != '.' ||
	    p[whole + 1 + strspn(p + whole + 1, "0123456789")] != '\0') {
		return false; /* only what xlsx2csv prints: -123.456789 */
	}
	char *end = NULL;
	errno = 0;
	double d = strtod(text, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d)) {
		return false;
	}
	for (int places = 0; places <= 2; places++) {
		snprintf(buf, len, "%.*f", places, d);
		if (strtod(buf, NULL) == d) {
			return true;
		}
	}
	return false;
}

/* An amount, "12,000.50", "¥3.5" or "30万"; or a workbook's number
 * cell (sheet_amount). */
static bool
parse_money(const char *text, int64_t *minor)
{
	if (ends_with(text, "万")) {
		char *cut = crm_xstrndup(text, strlen(text) - strlen("万"));
		bool ok = crm_money_parse(cut, minor) == CRM_OK &&
		          *minor <= INT64_MAX / 10000 &&
		          *minor >= INT64_MIN / 10000;
		free(cut);
		*minor *= 10000;
		return ok;
	}
	char cents[64];
	return crm_money_parse(text, minor) == CRM_OK ||
	       (sheet_amount(text, cents, sizeof(cents)) &&
	           crm_money_parse(cents, minor) == CRM_OK);
}

static bool
parse_bool(const char *text, protobuf_c_boolean *b)
{
	static const char *const yes[] = { "yes", "y", "true", "1", "是",
		"已离职", "离职", NULL };
	static const char *const no[] = { "no", "n", "false", "0", "否",
		"在职", NULL };
	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*b = 1;
			return true;
		}
	}
	for (size_t i = 0; no[i] != NULL; i++) {
		if (strcasecmp(text, no[i]) == 0) {
			*b = 0;
			return true;
		}
	}
	return false;
}

/* Append the items of text, separated by ',' ';' '、' and the others of
 * crm_validate_list_span, to a repeated string field. */
static void
add_items(
    ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text)
{
	size_t *n = (size_t *)((char *)m + f->quantifier_offset);
	char ***v = (char ***)((char *)m + f->offset);
	const char *p = text;
	while (*p != '\0') {
		size_t sep = 0, len = crm_validate_list_span(p, &sep);
		char *item = trimmed(p, len);
		if (item[0] != '\0') {
			*v = crm_xrealloc(*v, (*n + 1) * sizeof(char *));
			(*v)[(*n)++] = item;
		} else {
			free(item);
		}
		p += len + sep;
	}
}

static void
set_string(
    ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text)
{
	char **s = (char **)((char *)m + f->offset);
	if (*s != NULL && *s != f->default_value) {
		free(*s);
	}
	*s = crm_xstrdup(text);
}

bool
import_map_set_field(ProtobufCMessage *m, const char *name, const char *text,
    char *why, size_t whylen)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	        m->descriptor, name);
	char *base;
	protobuf_c_boolean *has;

	if (f == NULL) {
		snprintf(why, whylen, "no field %s", name);
		return false;
	}
	base = (char *)m + f->offset;
	has = (protobuf_c_boolean *)((char *)m + f->quantifier_offset);
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		add_items(m, f, text);
		return true;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if ((strcmp(name, "birthday") == 0 ||
		        strcmp(name, "anniversary") == 0)) {
			char day[64];
			normal_time(text, day, sizeof(day), NULL);
			/* A workbook's date cell: the day at midnight. */
			if (strlen(day) == 16 &&
			    strcmp(day + 10, " 00:00") == 0) {
				day[10] = '\0';
			}
			if (!crm_time_valid_day(day)) {
				snprintf(why, whylen,
				    "'%s' is not a day (MM-DD or YYYY-MM-DD)",
				    text);
				return false;
			}
			set_string(m, f, day);
			return true;
		}
		set_string(m, f, text);
		return true;
	case PROTOBUF_C_TYPE_ENUM: {
		int v = 0;
		if (!parse_enum(f->descriptor, text, &v)) {
			char words[256];
			crm_enum_list(f->descriptor, words, sizeof(words));
			snprintf(why, whylen, "'%s' is not a %s (one of %s)",
			    text, name, words);
			return false;
		}
		*(int *)base = v;
		*has = 1;
		return true;
	}
	case PROTOBUF_C_TYPE_INT64: {
		int64_t v = 0;
		if (crm_money_field(name)) {
			if (!parse_money(text, &v)) {
				snprintf(why, whylen,
				    "'%s' is not an amount (like 12000 or "
				    "12,000.50)",
				    text);
				return false;
			}
		} else if (!parse_time(text, &v)) {
			snprintf(why, whylen,
			    "cannot read the time '%s' (like 2024-06-10 or "
			    "2024-06-10 14:00)",
			    text);
			return false;
		}
		*(int64_t *)base = v;
		*has = 1;
		return true;
	}
	case PROTOBUF_C_TYPE_UINT32: {
		uint32_t v = 0;
		if (!parse_uint(text, &v)) {
			snprintf(
			    why, whylen, "'%s' is not a whole number", text);
			return false;
		}
		*(uint32_t *)base = v;
		*has = 1;
		return true;
	}
	case PROTOBUF_C_TYPE_BOOL: {
		protobuf_c_boolean v = 0;
		if (!parse_bool(text, &v)) {
			snprintf(why, whylen, "'%s' is not yes or no", text);
			return false;
		}
		*(protobuf_c_boolean *)base = v;
		*has = 1;
		return true;
	}
	default:
		snprintf(why, whylen, "%s cannot be imported", name);
		return false;
	}
}

/* "A科技公司/采购经理" or "王总(采购总监)": split at sep (or the
 * parentheses) into *a and *b (caller frees both). */
static bool
split_pair(const char *text, bool parens, char **a, char **b)
{
	const char *open = NULL, *close = NULL;
	if (!parens) {
		open = strchr(text, '/');
		if (open == NULL) {
			open = strstr(text, "／");
			close = open ? open + strlen("／") : NULL;
		} else {
			close = open + 1;
		}
		if (open == NULL) {
			return false;
		}
		*a = trimmed(text, (size_t)(open - text));
		*b = trimmed(close, strlen(close));
		return true;
	}
	static const char *const opens[] = { "(", "（", NULL };
	static const char *const closes[] = { ")", "）", NULL };
	for (size_t i = 0; opens[i] != NULL; i++) {
		open = strstr(text, opens[i]);
		if (open != NULL) {
			const char *in = open + strlen(opens[i]);
			close = strstr(in, closes[i]);
			*a = trimmed(text, (size_t)(open - text));
			*b = trimmed(
			    in, close ? (size_t)(close - in) : strlen(in));
			return true;
		}
	}
	return false;
}

bool
import_map_set(const struct import_map_field *f, Crm__V1__ImportRow *row,
    const char *text, char *why, size_t whylen)
{
	char *clean = trimmed(text, strlen(text));
	bool ok = true;
	char *a = NULL, *b = NULL;

	if (clean[0] == '\0') {
		free(clean);
		return true;
	}
	switch (f->target) {
	case T_IGNORE:
		break;
	case T_ROW:
		ok = import_map_set_field(
		    &row->base, f->field, clean, why, whylen);
		break;
	case T_RECORD:
		ok = import_map_set_field(
		    record_of(row), f->field, clean, why, whylen);
		break;
	case T_LIST:
		ok = row->followup == NULL ||
		     followup_lists_parse(
		         f->field, row->followup, clean, why, whylen);
		break;
	case T_SCORE: {
		Crm__V1__FollowUp *fu = row->followup;
		if (fu == NULL) {
			break;
		}
		if (fu->score == NULL) {
			fu->score = crm_xmalloc(sizeof(*fu->score));
			crm__v1__score__init(fu->score);
		}
		ok = import_map_set_field(
		    &fu->score->base, f->field, clean, why, whylen);
		if (ok && strcmp(f->field, "evidence") != 0) {
			uint32_t v = 0;
			(void)parse_uint(clean, &v);
			if (v < 1 || v > 5) {
				snprintf(why, whylen,
				    "'%s' is not a score from 1 to 5", clean);
				ok = false;
			}
		}
		break;
	}
	case T_COMPANY_TITLE:
	case T_NAME_TITLE: {
		bool parens = f->target == T_NAME_TITLE;
		if (!split_pair(clean, parens, &a, &b)) {
			/* No title given: the whole text is the first part. */
			a = crm_xstrdup(clean);
			b = crm_xstrdup("");
		}
		if (a[0] != '\0') {
			ok = parens ? import_map_set_field(record_of(row),
			                  "name", a, why, whylen)
			            : import_map_set_field(&row->base,
			                  "customer_name", a, why, whylen);
		}
		if (ok && b[0] != '\0') {
			ok = import_map_set_field(
			    record_of(row), "title", b, why, whylen);
		}
		break;
	}
	}
	free(a);
	free(b);
	free(clean);
	return ok;
}
