/* SPDX-License-Identifier: MIT */
/* crm_enum.c: user-facing names of protocol enums, and money text. */
#include "crm_enum.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crm.pb-c.h"

/* Chinese aliases, from the seeds' vocabulary. */
static const struct {
	const ProtobufCEnumDescriptor *d;
	const char *alias;
	int value;
} aliases[] = {
	{ &crm__v1__stage__descriptor, "潜在",
	    CRM__V1__STAGE__STAGE_POTENTIAL },
	{ &crm__v1__stage__descriptor, "意向", CRM__V1__STAGE__STAGE_INTENT },
	{ &crm__v1__stage__descriptor, "谈判",
	    CRM__V1__STAGE__STAGE_NEGOTIATION },
	{ &crm__v1__stage__descriptor, "成交", CRM__V1__STAGE__STAGE_WON },
	{ &crm__v1__stage__descriptor, "流失风险",
	    CRM__V1__STAGE__STAGE_CHURN_RISK },
	{ &crm__v1__stage__descriptor, "流失", CRM__V1__STAGE__STAGE_LOST },
	/* The seeds' full words (seed 000: 潜在客户, 意向客户, 成交客户,
	 * 流失风险客户; 谈判客户). */
	{ &crm__v1__stage__descriptor, "潜在客户",
	    CRM__V1__STAGE__STAGE_POTENTIAL },
	{ &crm__v1__stage__descriptor, "意向客户",
	    CRM__V1__STAGE__STAGE_INTENT },
	{ &crm__v1__stage__descriptor, "谈判客户",
	    CRM__V1__STAGE__STAGE_NEGOTIATION },
	{ &crm__v1__stage__descriptor, "成交客户", CRM__V1__STAGE__STAGE_WON },
	{ &crm__v1__stage__descriptor, "流失风险客户",
	    CRM__V1__STAGE__STAGE_CHURN_RISK },
	{ &crm__v1__stage__descriptor, "流失客户",
	    CRM__V1__STAGE__STAGE_LOST },
	/* Seed 001: "从“意向客户”转为“正式客户”或“流失客户”": a customer
	 * under contract, which is won here. */
	{ &crm__v1__stage__descriptor, "正式客户", CRM__V1__STAGE__STAGE_WON },
	{ &crm__v1__grade__descriptor, "重点", CRM__V1__GRADE__GRADE_S },
	{ &crm__v1__grade__descriptor, "潜力", CRM__V1__GRADE__GRADE_A },
	{ &crm__v1__grade__descriptor, "培育", CRM__V1__GRADE__GRADE_B },
	{ &crm__v1__grade__descriptor, "低优先级", CRM__V1__GRADE__GRADE_C },
	{ &crm__v1__customer_kind__descriptor, "公司",
	    CRM__V1__CUSTOMER_KIND__KIND_COMPANY },
	{ &crm__v1__customer_kind__descriptor, "企业",
	    CRM__V1__CUSTOMER_KIND__KIND_COMPANY },
	{ &crm__v1__customer_kind__descriptor, "个人",
	    CRM__V1__CUSTOMER_KIND__KIND_PERSON },
	{ &crm__v1__level__descriptor, "高", CRM__V1__LEVEL__LEVEL_HIGH },
	{ &crm__v1__level__descriptor, "中", CRM__V1__LEVEL__LEVEL_MEDIUM },
	{ &crm__v1__level__descriptor, "低", CRM__V1__LEVEL__LEVEL_LOW },
	{ &crm__v1__contact_role__descriptor, "决策者",
	    CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER },
	{ &crm__v1__contact_role__descriptor, "影响者",
	    CRM__V1__CONTACT_ROLE__CONTACT_INFLUENCER },
	{ &crm__v1__contact_role__descriptor, "使用者",
	    CRM__V1__CONTACT_ROLE__CONTACT_USER },
	{ &crm__v1__contact_role__descriptor, "把关者",
	    CRM__V1__CONTACT_ROLE__CONTACT_GATEKEEPER },
	/* The seeds' words for contacts (seed 001: 决策人、影响人). */
	{ &crm__v1__contact_role__descriptor, "决策人",
	    CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER },
	{ &crm__v1__contact_role__descriptor, "关键决策人",
	    CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER },
	{ &crm__v1__contact_role__descriptor, "影响人",
	    CRM__V1__CONTACT_ROLE__CONTACT_INFLUENCER },
	{ &crm__v1__contact_role__descriptor, "使用人",
	    CRM__V1__CONTACT_ROLE__CONTACT_USER },
	{ &crm__v1__contact_role__descriptor, "使用部门",
	    CRM__V1__CONTACT_ROLE__CONTACT_USER },
	{ &crm__v1__contact_role__descriptor, "把关人",
	    CRM__V1__CONTACT_ROLE__CONTACT_GATEKEEPER },
	/* Common words for the same roles (issue 15). */
	{ &crm__v1__contact_role__descriptor, "守门人",
	    CRM__V1__CONTACT_ROLE__CONTACT_GATEKEEPER },
	{ &crm__v1__contact_role__descriptor, "拍板人",
	    CRM__V1__CONTACT_ROLE__CONTACT_DECISION_MAKER },
	{ &crm__v1__contact_role__descriptor, "影响人物",
	    CRM__V1__CONTACT_ROLE__CONTACT_INFLUENCER },
	{ &crm__v1__contact_role__descriptor, "用户",
	    CRM__V1__CONTACT_ROLE__CONTACT_USER },
	{ &crm__v1__contact_role__descriptor, "最终用户",
	    CRM__V1__CONTACT_ROLE__CONTACT_USER },
	{ &crm__v1__contact_role__descriptor, "联系人",
	    CRM__V1__CONTACT_ROLE__CONTACT_OTHER },
	{ &crm__v1__contact_role__descriptor, "对接人",
	    CRM__V1__CONTACT_ROLE__CONTACT_OTHER },
	{ &crm__v1__contact_role__descriptor, "其他",
	    CRM__V1__CONTACT_ROLE__CONTACT_OTHER },
	{ &crm__v1__lost_reason__descriptor, "价格",
	    CRM__V1__LOST_REASON__LOST_PRICE },
	{ &crm__v1__lost_reason__descriptor, "竞争对手",
	    CRM__V1__LOST_REASON__LOST_COMPETITOR },
	{ &crm__v1__lost_reason__descriptor, "服务",
	    CRM__V1__LOST_REASON__LOST_SERVICE },
	{ &crm__v1__lost_reason__descriptor, "需求消失",
	    CRM__V1__LOST_REASON__LOST_NO_NEED },
	/* Seed 002: "流失原因(如价格、竞品、服务)". */
	{ &crm__v1__lost_reason__descriptor, "竞品",
	    CRM__V1__LOST_REASON__LOST_COMPETITOR },
	{ &crm__v1__lost_reason__descriptor, "无需求",
	    CRM__V1__LOST_REASON__LOST_NO_NEED },
	{ &crm__v1__lost_reason__descriptor, "其他",
	    CRM__V1__LOST_REASON__LOST_OTHER },
	{ &crm__v1__role__descriptor, "销售", CRM__V1__ROLE__ROLE_REP },
	{ &crm__v1__channel__descriptor, "电话",
	    CRM__V1__CHANNEL__CHANNEL_PHONE },
	{ &crm__v1__channel__descriptor, "邮件",
	    CRM__V1__CHANNEL__CHANNEL_EMAIL },
	{ &crm__v1__channel__descriptor, "拜访",
	    CRM__V1__CHANNEL__CHANNEL_VISIT },
	{ &crm__v1__channel__descriptor, "会议",
	    CRM__V1__CHANNEL__CHANNEL_MEETING },
	{ &crm__v1__channel__descriptor, "视频",
	    CRM__V1__CHANNEL__CHANNEL_VIDEO },
	{ &crm__v1__channel__descriptor, "微信",
	    CRM__V1__CHANNEL__CHANNEL_IM },
	{ &crm__v1__channel__descriptor, "问卷",
	    CRM__V1__CHANNEL__CHANNEL_SURVEY },
	{ &crm__v1__mood__descriptor, "积极", CRM__V1__MOOD__MOOD_POSITIVE },
	{ &crm__v1__mood__descriptor, "中立", CRM__V1__MOOD__MOOD_NEUTRAL },
	{ &crm__v1__mood__descriptor, "犹豫", CRM__V1__MOOD__MOOD_HESITANT },
	{ &crm__v1__mood__descriptor, "担忧", CRM__V1__MOOD__MOOD_WORRIED },
	{ &crm__v1__mood__descriptor, "抵触", CRM__V1__MOOD__MOOD_RESISTANT },
	/* Seed 004: "客户情绪状态(如满意/中性/担忧)". */
	{ &crm__v1__mood__descriptor, "满意", CRM__V1__MOOD__MOOD_POSITIVE },
	{ &crm__v1__mood__descriptor, "中性", CRM__V1__MOOD__MOOD_NEUTRAL },
	{ &crm__v1__role__descriptor, "经理", CRM__V1__ROLE__ROLE_MANAGER },
	{ &crm__v1__role__descriptor, "管理员", CRM__V1__ROLE__ROLE_ADMIN },
};

/* Length of the declared-name prefix shared by every value of d, up to
 * and including the '_' after it ("STAGE_", "CONTACT_", "LOST_"). */
static size_t
prefix_len(const ProtobufCEnumDescriptor *d)
{
	if (d->n_values == 0) {
		return 0;
	}
	const char *first = d->values[0].name;
	size_t n = strlen(first);
	for (unsigned i = 1; i < d->n_values; i++) {
		const char *s = d->values[i].name;
		size_t k = 0;
		while (k < n && s[k] == first[k]) {
			k++;
		}
		n = k;
	}
	while (n > 0 && first[n - 1] != '_') {
		n--;
	}
	return n;
}

/* Short names of every value of every enum in crm.proto, made once. */
#define MAX_VALUES 256
static struct {
	const ProtobufCEnumDescriptor *d;
	const ProtobufCEnumValue *v;
	char name[40];
} short_names[MAX_VALUES];
static size_t n_short_names;
static pthread_once_t short_names_once = PTHREAD_ONCE_INIT;

static void
make_short_names(void)
{
	const ProtobufCEnumDescriptor *const all[] = {
		&crm__v1__role__descriptor,
		&crm__v1__customer_kind__descriptor,
		&crm__v1__stage__descriptor,
		&crm__v1__grade__descriptor,
		&crm__v1__level__descriptor,
		&crm__v1__lost_reason__descriptor,
		&crm__v1__contact_role__descriptor,
		&crm__v1__status__code__descriptor,
		&crm__v1__channel__descriptor,
		&crm__v1__mood__descriptor,
		&crm__v1__task_kind__descriptor,
		&crm__v1__task_status__descriptor,
		&crm__v1__task_origin__descriptor,
		&crm__v1__commitment_status__descriptor,
		&crm__v1__sla_kind__descriptor,
		&crm__v1__proposal_status__descriptor,
		&crm__v1__due_window__descriptor,
		&crm__v1__day_kind__descriptor,
	};
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		const ProtobufCEnumDescriptor *d = all[k];
		size_t skip = d == &crm__v1__status__code__descriptor
		                  ? 0
		                  : prefix_len(d);
		int keep_case = d == &crm__v1__grade__descriptor;
		for (unsigned i = 0; i < d->n_values; i++) {
			if (n_short_names == MAX_VALUES) {
				abort();
			}
			const char *s = d->values[i].name + skip;
			char *buf = short_names[n_short_names].name;
			size_t j = 0;
			for (; s[j] != '\0' && j + 1 < 40; j++) {
				buf[j] = keep_case ? s[j]
				                   : (char)tolower(
				                         (unsigned char)s[j]);
			}
			buf[j] = '\0';
			short_names[n_short_names].d = d;
			short_names[n_short_names].v = &d->values[i];
			n_short_names++;
		}
	}
}

static const char *
short_name(const ProtobufCEnumDescriptor *d, const ProtobufCEnumValue *v)
{
	pthread_once(&short_names_once, make_short_names);
	for (size_t i = 0; i < n_short_names; i++) {
		if (short_names[i].v == v) {
			return short_names[i].name;
		}
	}
	(void)d;
	return v->name; /* an enum not listed above: its declared name */
}

const char *
crm_enum_name(const ProtobufCEnumDescriptor *d, int value)
{
	if (value == 0 && d != &crm__v1__status__code__descriptor) {
		return "";
	}
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value(d, value);
	if (v == NULL) {
		return "";
	}
	return short_name(d, v);
}

const char *
crm_task_kind_word(int kind)
{
	switch (kind) {
	case CRM__V1__TASK_KIND__TASK_FOLLOW_UP:
		return "next follow-up";
	case CRM__V1__TASK_KIND__TASK_TODO:
		return "task";
	case CRM__V1__TASK_KIND__TASK_REGRADE:
		return "re-grade";
	case CRM__V1__TASK_KIND__TASK_RECLAIM_WARN:
		return "pool warning";
	default:
		return crm_enum_name(&crm__v1__task_kind__descriptor, kind);
	}
}

/* The words `due --kind` takes: each kind's short name, then the word
 * crm_task_kind_word prints for it when that differs ("next follow-up"
 * written with hyphens, so it is one shell word). Commitments and SLA
 * clocks are not tasks (see crm_task_kind_elsewhere). */
static const char *const task_kind_words[] = {
	"follow_up",
	"next-follow-up",
	"todo",
	"task",
	"regrade",
	"re-grade",
	"greeting",
	"routine",
	"reclaim_warn",
	"pool-warning",
};
static const int task_kind_values[] = {
	CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
	CRM__V1__TASK_KIND__TASK_FOLLOW_UP,
	CRM__V1__TASK_KIND__TASK_TODO,
	CRM__V1__TASK_KIND__TASK_TODO,
	CRM__V1__TASK_KIND__TASK_REGRADE,
	CRM__V1__TASK_KIND__TASK_REGRADE,
	CRM__V1__TASK_KIND__TASK_GREETING,
	CRM__V1__TASK_KIND__TASK_ROUTINE,
	CRM__V1__TASK_KIND__TASK_RECLAIM_WARN,
	CRM__V1__TASK_KIND__TASK_RECLAIM_WARN,
};
_Static_assert(sizeof(task_kind_words) / sizeof(task_kind_words[0]) ==
                   sizeof(task_kind_values) / sizeof(task_kind_values[0]),
    "one kind per word");

/* Whether a and b are the same word, ignoring case and taking '-', '_'
 * and ' ' alike ("Next Follow-Up" is "next-follow-up"). */
static bool
same_kind_word(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = tolower((unsigned char)*a);
		int y = tolower((unsigned char)*b);
		x = x == '-' || x == ' ' ? '_' : x;
		y = y == '-' || y == ' ' ? '_' : y;
		if (x != y) {
			return false;
		}
		if (x == '\0') {
			return true;
		}
	}
}

const char *const *
crm_task_kind_words(size_t *n)
{
	*n = sizeof(task_kind_words) / sizeof(task_kind_words[0]);
	return task_kind_words;
}

crm_status
crm_task_kind_parse(const char *text, int *kind)
{
	if (text == NULL || *text == '\0') {
		return CRM_EINVAL;
	}
	size_t n;
	const char *const *w = crm_task_kind_words(&n);
	for (size_t i = 0; i < n; i++) {
		if (same_kind_word(text, w[i])) {
			*kind = task_kind_values[i];
			return CRM_OK;
		}
	}
	/* The other declared names (commitment, sla, TASK_TODO), with
	 * hyphens and blanks read as '_'. */
	char buf[64];
	size_t len = strlen(text);
	if (len >= sizeof(buf)) {
		return CRM_EINVAL;
	}
	for (size_t i = 0; i <= len; i++) {
		buf[i] = text[i] == '-' || text[i] == ' ' ? '_' : text[i];
	}
	/* The commands' own names, commitments and slas, as the kinds. */
	if (len > 1 && (buf[len - 1] == 's' || buf[len - 1] == 'S') &&
	    (strncasecmp(buf, "commitments", len) == 0 ||
	        strncasecmp(buf, "slas", len) == 0) &&
	    (len == 11 || len == 4)) {
		buf[len - 1] = '\0';
	}
	return crm_enum_parse(&crm__v1__task_kind__descriptor, buf, kind);
}

const char *
crm_task_kind_elsewhere(int kind)
{
	if (kind == CRM__V1__TASK_KIND__TASK_COMMITMENT ||
	    kind == CRM__V1__TASK_KIND__TASK_SLA) {
		return "open commitments are listed by `commitments`; SLA "
		       "clocks by `sla`";
	}
	return NULL;
}

crm_status
crm_enum_parse(const ProtobufCEnumDescriptor *d, const char *text, int *value)
{
	if (text == NULL || *text == '\0') {
		return CRM_EINVAL;
	}
	for (unsigned i = 0; i < d->n_values; i++) {
		const ProtobufCEnumValue *v = &d->values[i];
		if (v->value == 0) {
			continue;
		}
		if (strcasecmp(text, short_name(d, v)) == 0 ||
		    strcasecmp(text, v->name) == 0) {
			*value = v->value;
			return CRM_OK;
		}
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (aliases[i].d == d && strcmp(aliases[i].alias, text) == 0) {
			*value = aliases[i].value;
			return CRM_OK;
		}
	}
	return CRM_EINVAL;
}

void
crm_enum_list(const ProtobufCEnumDescriptor *d, char *buf, size_t len)
{
	size_t o = 0;
	if (len == 0) {
		return;
	}
	buf[0] = '\0';
	for (unsigned i = 0; i < d->n_values; i++) {
		if (d->values[i].value == 0) {
			continue;
		}
		int n = snprintf(buf + o, len - o, "%s%s", o ? "|" : "",
		    short_name(d, &d->values[i]));
		if (n < 0 || (size_t)n >= len - o) {
			buf[o] = '\0'; /* no half names */
			break;
		}
		o += (size_t)n;
	}
}

void
crm_enum_list_words(const ProtobufCEnumDescriptor *d, char *buf, size_t len)
{
	size_t o = 0;
	if (len == 0) {
		return;
	}
	buf[0] = '\0';
	for (unsigned i = 0; i < d->n_values; i++) {
		if (d->values[i].value == 0) {
			continue;
		}
		size_t mark = o;
		int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
		    short_name(d, &d->values[i]));
		int first = 1;
		for (size_t a = 0; n >= 0 && (size_t)n < len - o &&
		                   a < sizeof(aliases) / sizeof(aliases[0]);
		     a++) {
			if (aliases[a].d != d ||
			    aliases[a].value != d->values[i].value) {
				continue;
			}
			o += (size_t)n;
			n = snprintf(buf + o, len - o, "%s%s",
			    first ? " (" : " ", aliases[a].alias);
			first = 0;
		}
		if (n >= 0 && (size_t)n < len - o && !first) {
			o += (size_t)n;
			n = snprintf(buf + o, len - o, ")");
		}
		if (n < 0 || (size_t)n >= len - o) {
			buf[mark] = '\0'; /* no half names */
			break;
		}
		o += (size_t)n;
	}
}

crm_status
crm_money_parse(const char *text, int64_t *minor)
{
	const char *p = text;
	int neg = 0;
	if (strncmp(p, "¥", strlen("¥")) == 0) {
		p += strlen("¥");
	} else if (strncmp(p, "￥", strlen("￥")) == 0) {
		p +=
		    strlen("￥"); /* the full-width sign Chinese input gives */
	} else if (*p == '$') {
		p++;
	}
	if (*p == '-') {
		neg = 1;
		p++;
	}
	int64_t whole = 0;
	int digits = 0, group = 0, grouped = 0;
	for (; *p != '\0' && *p != '.'; p++) {
		if (*p == ',') {
			/* Thousands groups only: 1-3 digits, then 3 a group
			 * ("1,5" is no amount: a decimal comma, refused rather
			 * than read as 15). */
			if (group == 0 || group > 3 ||
			    (grouped && group != 3)) {
				return CRM_EINVAL;
			}
			grouped = 1;
			group = 0;
			continue;
		}
		if (!isdigit((unsigned char)*p) || whole > INT64_MAX / 1000) {
			return CRM_EINVAL;
		}
		whole = whole * 10 + (*p - '0');
		digits++;
		group++;
	}
	if (grouped && group != 3) {
		return CRM_EINVAL;
	}
	int64_t frac = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		for (; *p != '\0'; p++, n++) {
			if (!isdigit((unsigned char)*p) || n >= 2) {
				return CRM_EINVAL;
			}
			frac = frac * 10 + (*p - '0');
		}
		if (n == 1) {
			frac *= 10;
		}
	}
	if (digits == 0 || whole > (INT64_MAX - 99) / 100) {
		return CRM_EINVAL;
	}
	*minor = (whole * 100 + frac) * (neg ? -1 : 1);
	return CRM_OK;
}

bool
crm_money_field(const char *name)
{
	static const char *const money[] = { "annual_revenue", "deal_amount",
		"amount", "amount_high", "amount_medium", "total", "average",
		"total_year" };
	for (size_t i = 0; i < sizeof(money) / sizeof(money[0]); i++) {
		if (strcmp(name, money[i]) == 0) {
			return true;
		}
	}
	return false;
}

void
crm_money_format(int64_t minor, char *buf, size_t len)
{
	uint64_t a =
	    minor < 0 ? (uint64_t)(-(minor + 1)) + 1 : (uint64_t)minor;
	snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, minor < 0 ? "-" : "",
	    a / 100, a % 100);
}

void
crm_money_format_people(
    int64_t minor, const char *currency, char *buf, size_t len)
{
	uint64_t a =
	    minor < 0 ? (uint64_t)(-(minor + 1)) + 1 : (uint64_t)minor;
	char digits[32], grouped[48];
	int nd = snprintf(digits, sizeof(digits), "%" PRIu64, a / 100);
	size_t o = 0;
	for (int i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0) {
			grouped[o++] = ',';
		}
		grouped[o++] = digits[i];
	}
	grouped[o] = '\0';
	const char *c = currency ? currency : "";
	size_t cl = strlen(c);
	bool letter = cl > 0 && isalpha((unsigned char)c[cl - 1]);
	snprintf(buf, len, "%s%s%s%s.%02" PRIu64, minor < 0 ? "-" : "", c,
	    letter ? " " : "", grouped, a % 100);
}

bool
crm_followup_unplanned(const Crm__V1__FollowUp *f)
{
	return f != NULL && f->next_action != NULL &&
	       f->next_action[0] != '\0' &&
	       !(f->has_next_task_id && f->next_task_id != 0);
}
