/* SPDX-License-Identifier: MIT */
/*
 * crm_time_parse.c: times as people type them (crm_time.h lists the
 * forms): dates, day words and weekdays in English and Chinese, times of
 * day (14:00, 3pm, 下午3点), distances (+3d, in 3 days, 3天后) and periods
 * (last week, 本月). One reader, leaning to the future for a WHEN and to
 * the past for what has happened and for --from/--to. Local time (TZ).
 */
#include "crm_time.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Local midnight-relative time: y-m-d h:mi in the local zone, validated. */
static crm_status
local_time(int y, int m, int d, int h, int mi, int64_t *t)
{
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 23 || mi < 0 || mi > 59) {
		return CRM_EINVAL;
	}
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	time_t v = mktime(&tm);
	if (v == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != m - 1) {
		return CRM_EINVAL; /* 2026-02-30 normalises to March */
	}
	*t = (int64_t)v;
	return CRM_OK;
}

/* ------------------------------------------------------------ days */

/* A local calendar day. */
struct day {
	int y, m, d;
};

/* The local day of t. */
static struct day
day_of(int64_t t)
{
	time_t v = (time_t)t;
	struct tm tm;
	localtime_r(&v, &tm);
	return (struct day){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* Day x moved by n days, and its weekday (0 Sunday) in *wday. */
static struct day
day_add(struct day x, int n, int *wday)
{
	struct tm tm = { 0 };
	tm.tm_year = x.y - 1900;
	tm.tm_mon = x.m - 1;
	tm.tm_mday = x.d + n;
	tm.tm_hour = 12; /* noon: no DST change moves it to another day */
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	if (wday != NULL) {
		*wday = tm.tm_wday;
	}
	return (struct day){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

static int
day_cmp(struct day a, struct day b)
{
	if (a.y != b.y) {
		return a.y < b.y ? -1 : 1;
	}
	if (a.m != b.m) {
		return a.m < b.m ? -1 : 1;
	}
	return a.d < b.d ? -1 : a.d > b.d;
}

/* now moved by n days on the calendar, keeping the time of day. */
static crm_status
days_from_now(int64_t now, int64_t n, int64_t *t)
{
	time_t v = (time_t)now;
	struct tm tm;
	localtime_r(&v, &tm);
	tm.tm_mday += (int)n;
	tm.tm_isdst = -1;
	v = mktime(&tm);
	if (v == (time_t)-1) {
		return CRM_EINVAL;
	}
	*t = (int64_t)v;
	return CRM_OK;
}

/* ------------------------------------------------------------ words */

static void
skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t') {
		(*p)++;
	}
}

/* Take word from *p. A word ending in a letter must not go on with one
 * ("mon" is not the start of "month"). */
static bool
eat(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n) != 0) {
		return false;
	}
	if (isalpha((unsigned char)word[n - 1]) &&
	    isalpha((unsigned char)(*p)[n])) {
		return false;
	}
	*p += n;
	return true;
}

/* Take 1 to max digits from *p (and no more digits follow). */
static bool
eat_number(const char **p, int max, int *n)
{
	int v = 0, k = 0;
	while (k < max && isdigit((unsigned char)(*p)[k])) {
		v = v * 10 + ((*p)[k] - '0');
		k++;
	}
	if (k == 0 || isdigit((unsigned char)(*p)[k])) {
		return false;
	}
	*p += k;
	*n = v;
	return true;
}

/* A weekday name: mon, monday, 周一, 星期一, 礼拜一 (Sunday also 周日,
 * 周天). Returns 0 (Sunday) to 6, or -1. */
static int
eat_weekday(const char **p)
{
	static const char *const en[7][3] = {
		{ "sunday", "sun", NULL },
		{ "monday", "mon", NULL },
		{ "tuesday", "tues", "tue" },
		{ "wednesday", "wed", NULL },
		{ "thursday", "thurs", "thu" },
		{ "friday", "fri", NULL },
		{ "saturday", "sat", NULL },
	};
	static const char *const zh_pre[] = { "星期", "礼拜", "周" };
	static const char *const zh[7] = { "日", "一", "二", "三", "四", "五",
		"六" };
	for (int i = 0; i < 7; i++) {
		for (int k = 0; k < 3 && en[i][k] != NULL; k++) {
			if (eat(p, en[i][k])) {
				return i;
			}
		}
	}
	for (size_t k = 0; k < sizeof(zh_pre) / sizeof(zh_pre[0]); k++) {
		const char *q = *p;
		if (!eat(&q, zh_pre[k])) {
			continue;
		}
		for (int i = 0; i < 7; i++) {
			if (eat(&q, zh[i])) {
				*p = q;
				return i;
			}
		}
		if (eat(&q, "天")) {
			*p = q;
			return 0;
		}
	}
	return -1;
}

enum week { WEEK_NEAREST, WEEK_THIS, WEEK_NEXT, WEEK_LAST };

/* A weekday with the week it is in: "next tue", "下周二", "this fri",
 * "本周五", "last mon", "上周一", or a bare "tue". -1 when none. */
static int
eat_week_day(const char **p, enum week *week)
{
	static const struct {
		const char *word;
		enum week week;
	} mods[] = {
		{ "next", WEEK_NEXT },
		{ "this", WEEK_THIS },
		{ "last", WEEK_LAST },
		{ "下个", WEEK_NEXT },
		{ "下", WEEK_NEXT },
		{ "上个", WEEK_LAST },
		{ "上", WEEK_LAST },
		{ "这个", WEEK_THIS },
		{ "这", WEEK_THIS },
		{ "本", WEEK_THIS },
	};
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		const char *q = *p;
		if (!eat(&q, mods[i].word)) {
			continue;
		}
		skip_blanks(&q);
		int wd = eat_weekday(&q);
		if (wd >= 0) {
			*p = q;
			*week = mods[i].week;
			return wd;
		}
	}
	*week = WEEK_NEAREST;
	return eat_weekday(p);
}

/* A time of day: 14:00, 9:30, 3pm, 10:30am, noon, 下午3点, 上午10点半,
 * 晚上8点15分, 15点, 下午3:30. */
static bool
eat_clock(const char **p, int *h, int *mi)
{
	static const struct {
		const char *word;
		int half; /* 1 morning, 2 afternoon or evening, 3 noon */
	} parts[] = {
		{ "上午", 1 },
		{ "早上", 1 },
		{ "早晨", 1 },
		{ "凌晨", 1 },
		{ "中午", 3 },
		{ "下午", 2 },
		{ "傍晚", 2 },
		{ "晚上", 2 },
	};
	const char *q = *p;
	int half = 0, hh, mm = 0;
	bool marked = false;

	if (eat(&q, "noon") || eat(&q, "正午")) {
		*h = 12;
		*mi = 0;
		*p = q;
		return true;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (eat(&q, parts[i].word)) {
			half = parts[i].half;
			skip_blanks(&q);
			break;
		}
	}
	if (!eat_number(&q, 2, &hh)) {
		return false;
	}
	if (*q == ':') {
		const char *m0 = ++q;
		if (!eat_number(&q, 2, &mm) || q - m0 != 2) {
			return false;
		}
		marked = true;
	} else if (eat(&q, "点") || eat(&q, "點") || eat(&q, "时")) {
		marked = true;
		if (eat(&q, "半")) {
			mm = 30;
		} else if (eat_number(&q, 2, &mm)) {
			(void)eat(&q, "分");
		}
		/* "明天3点" is said of the working day: 1点..6点 alone are
		 * afternoon (凌晨3点 and 3:00 stay at night). */
		if (half == 0 && hh >= 1 && hh <= 6) {
			half = 2;
		}
	}
	const char *r = q;
	skip_blanks(&r);
	if (half == 0 && (eat(&r, "am") || eat(&r, "pm"))) {
		half = r[-2] == 'a' ? 1 : 2;
		if (hh < 1 || hh > 12) {
			return false;
		}
		if (hh == 12) {
			hh = 0; /* 12am is midnight, 12pm noon (+12 below) */
		}
		q = r;
		marked = true;
	}
	if (!marked) {
		return false; /* a bare number is not a time */
	}
	if ((half == 2 && hh < 12) || (half == 3 && hh < 11)) {
		hh += 12;
	}
	if (hh > 23 || mm > 59) {
		return false;
	}
	*h = hh;
	*mi = mm;
	*p = q;
	return true;
}

enum lean { LEAN_FUTURE, LEAN_PAST };

/* A day without a year: this year's, or the next (the last) one when
 * that has passed (is still ahead). */
static struct day
nearest_year(int m, int d, struct day today, enum lean lean)
{
	struct day x = { today.y, m, d };
	if (lean == LEAN_FUTURE && day_cmp(x, today) < 0) {
		x.y++;
	} else if (lean == LEAN_PAST && day_cmp(x, today) > 0) {
		x.y--;
	}
	return x;
}

/* The 日 or 号 after a day of the month, if any. */
static bool
day_mark(const char **p)
{
	if (!eat(p, "日")) {
		(void)eat(p, "号");
	}
	return true;
}

/* A day: 2026-11-25, 2026/11/25, 2026年11月25日, 11-25, 11月25日,
 * today, tomorrow, 后天, yesterday, a weekday. 1 found, 0 none, -1 an
 * impossible date. */
static int
eat_day(const char **p, struct day today, enum lean lean, struct day *out)
{
	static const struct {
		const char *word;
		int days;
	} words[] = {
		{ "today", 0 },
		{ "今天", 0 },
		{ "今日", 0 },
		{ "tomorrow", 1 },
		{ "明天", 1 },
		{ "明日", 1 },
		{ "大后天", 3 },
		{ "后天", 2 },
		{ "yesterday", -1 },
		{ "昨天", -1 },
		{ "昨日", -1 },
		{ "前天", -2 },
	};
	const char *q = *p;
	int y, m, d, wd, twd;
	struct day x;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (eat(p, words[i].word)) {
			*out = day_add(today, words[i].days, NULL);
			return 1;
		}
	}
	enum week week;
	if ((wd = eat_week_day(p, &week)) >= 0) {
		(void)day_add(today, 0, &twd);
		int ahead;
		switch (week) {
		case WEEK_NEAREST:
			ahead = lean == LEAN_FUTURE ? ((wd - twd + 6) % 7) + 1
			                            : -((twd - wd + 7) % 7);
			break;
		default: /* weeks start on Monday */
			ahead = (wd + 6) % 7 - (twd + 6) % 7 +
			        (week == WEEK_NEXT      ? 7
			            : week == WEEK_LAST ? -7
			                                : 0);
			break;
		}
		*out = day_add(today, ahead, NULL);
		return 1;
	}
	if (eat_number(&q, 4, &y) && q - *p == 4) {
		if (*q == '-' || *q == '/') {
			char sep = *q++;
			if (!eat_number(&q, 2, &m) || *q++ != sep ||
			    !eat_number(&q, 2, &d)) {
				return 0;
			}
		} else if (eat(&q, "年") && eat_number(&q, 2, &m) &&
		           eat(&q, "月") && eat_number(&q, 2, &d) &&
		           day_mark(&q)) {
			/* 2026年11月25日 */
		} else {
			return 0;
		}
		x = (struct day){ y, m, d };
	} else {
		q = *p;
		if (!eat_number(&q, 2, &m)) {
			return 0;
		}
		if (*q == '-') {
			q++;
			if (!eat_number(&q, 2, &d)) {
				return 0;
			}
		} else if (eat(&q, "月") && eat_number(&q, 2, &d) &&
		           day_mark(&q)) {
			/* 11月25日 */
		} else {
			return 0;
		}
		if (m < 1 || m > 12 || d < 1 || d > 31) {
			return -1;
		}
		x = nearest_year(m, d, today, lean);
	}
	int64_t check;
	if (local_time(x.y, x.m, x.d, 12, 0, &check) != CRM_OK) {
		return -1;
	}
	*p = q;
	*out = x;
	return 1;
}

/* "+3d", "-2h", "+30m", "+1w", "+5" (days), "in 3 days", "3 days ago",
 * "3天后", "2小时后", "3天前": days and weeks move on the calendar and
 * keep the time of day. Returns 1 read, 0 not this form, -1 bad. */
static int
relative(const char *s, int64_t now, int64_t *t)
{
	static const struct {
		const char *word;
		int64_t secs; /* 0: days */
		int days;
	} units[] = {
		{ "days", 0, 1 },
		{ "day", 0, 1 },
		{ "d", 0, 1 },
		{ "天", 0, 1 },
		{ "weeks", 0, 7 },
		{ "week", 0, 7 },
		{ "w", 0, 7 },
		{ "个星期", 0, 7 },
		{ "星期", 0, 7 },
		{ "周", 0, 7 },
		{ "hours", 3600, 0 },
		{ "hour", 3600, 0 },
		{ "hrs", 3600, 0 },
		{ "hr", 3600, 0 },
		{ "h", 3600, 0 },
		{ "个小时", 3600, 0 },
		{ "小时", 3600, 0 },
		{ "minutes", 60, 0 },
		{ "minute", 60, 0 },
		{ "mins", 60, 0 },
		{ "min", 60, 0 },
		{ "m", 60, 0 },
		{ "分钟", 60, 0 },
		{ "seconds", 1, 0 },
		{ "s", 1, 0 },
	};
	const char *p = s;
	int sign = 0, n;
	bool sym = false;

	if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		sym = true;
	} else if (eat(&p, "in")) {
		skip_blanks(&p);
		sign = 1;
	}
	if (!eat_number(&p, 6, &n)) {
		return sign != 0 ? -1 : 0;
	}
	if (n > 100000) {
		return -1;
	}
	if (!sym) {
		skip_blanks(&p);
	}
	size_t u = sizeof(units) / sizeof(units[0]);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (eat(&p, units[i].word)) {
			u = i;
			break;
		}
	}
	if (u == sizeof(units) / sizeof(units[0])) {
		if (!sym || *p != '\0') {
			return sym ? -1 : 0;
		}
		u = 0; /* "+5": days */
	}
	if (sign == 0) {
		skip_blanks(&p);
		if (eat(&p, "ago") || eat(&p, "以前") || eat(&p, "之前") ||
		    eat(&p, "前")) {
			sign = -1;
		} else if (eat(&p, "以后") || eat(&p, "之后") ||
		           eat(&p, "后")) {
			sign = 1;
		} else {
			return 0;
		}
	}
	if (*p != '\0') {
		return sign != 0 && sym ? -1 : 0;
	}
	if (units[u].days != 0) {
		return days_from_now(
		           now, (int64_t)sign * n * units[u].days, t) == CRM_OK
		           ? 1
		           : -1;
	}
	*t = now + (int64_t)sign * n * units[u].secs;
	return 1;
}

/* What a text names: a moment, or a whole day, week, month or year. */
enum span { SPAN_MOMENT, SPAN_DAY, SPAN_WEEK, SPAN_MONTH, SPAN_YEAR };

struct when {
	enum span span;
	int64_t t;      /* SPAN_MOMENT */
	struct day day; /* the first day of the others */
};

/* "this week", "上周", "本月", "last month", "去年", ...: the first day. */
static bool
period(const char *s, struct day today, struct when *w)
{
	static const struct {
		const char *word;
		enum span span;
		int off;
	} words[] = {
		{ "this week", SPAN_WEEK, 0 },
		{ "本周", SPAN_WEEK, 0 },
		{ "这周", SPAN_WEEK, 0 },
		{ "这个星期", SPAN_WEEK, 0 },
		{ "本星期", SPAN_WEEK, 0 },
		{ "last week", SPAN_WEEK, -1 },
		{ "上周", SPAN_WEEK, -1 },
		{ "上个星期", SPAN_WEEK, -1 },
		{ "上星期", SPAN_WEEK, -1 },
		{ "next week", SPAN_WEEK, 1 },
		{ "下周", SPAN_WEEK, 1 },
		{ "下个星期", SPAN_WEEK, 1 },
		{ "下星期", SPAN_WEEK, 1 },
		{ "this month", SPAN_MONTH, 0 },
		{ "本月", SPAN_MONTH, 0 },
		{ "这个月", SPAN_MONTH, 0 },
		{ "last month", SPAN_MONTH, -1 },
		{ "上月", SPAN_MONTH, -1 },
		{ "上个月", SPAN_MONTH, -1 },
		{ "next month", SPAN_MONTH, 1 },
		{ "下月", SPAN_MONTH, 1 },
		{ "下个月", SPAN_MONTH, 1 },
		{ "this year", SPAN_YEAR, 0 },
		{ "今年", SPAN_YEAR, 0 },
		{ "last year", SPAN_YEAR, -1 },
		{ "去年", SPAN_YEAR, -1 },
		{ "next year", SPAN_YEAR, 1 },
		{ "明年", SPAN_YEAR, 1 },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(s, words[i].word) != 0) {
			continue;
		}
		int off = words[i].off, twd;
		w->span = words[i].span;
		switch (w->span) {
		case SPAN_WEEK:
			(void)day_add(today, 0, &twd);
			w->day =
			    day_add(today, -((twd + 6) % 7) + 7 * off, NULL);
			break;
		case SPAN_MONTH: {
			int m = today.m - 1 + off;
			int y = today.y + (m < 0 ? -1 : m / 12);
			w->day = (struct day){ y, (m + 12) % 12 + 1, 1 };
			break;
		}
		default:
			w->day = (struct day){ today.y + off, 1, 1 };
			break;
		}
		return true;
	}
	return false;
}

/* An RFC 3339 time with its offset, as `crm --format json` writes it:
 * 2026-12-07t09:00:00+08:00 or ...z (lower-cased). 1: read into *t; 0:
 * not this form; -1: this form but no real time. */
static int
rfc3339(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
	char sign = 'z';
	if (strlen(s) < 20 || s[10] != 't' ||
	    sscanf(s, "%4d-%2d-%2dt%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	        &n) != 6 ||
	    n != 19) {
		return 0;
	}
	const char *z = s + n;
	if (strcmp(z, "z") != 0) {
		int m = 0;
		if ((*z != '+' && *z != '-') ||
		    sscanf(z + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5 ||
		    z[6] != '\0') {
			return 0;
		}
		sign = *z;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59) {
		return -1;
	}
	/* Days from the civil date (Howard Hinnant's algorithm). */
	int64_t yy = mo <= 2 ? y - 1 : y;
	int64_t era = yy / 400, yoe = yy - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	int64_t off = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	*t = days * 86400 + h * 3600 + mi * 60 + sec - off;
	return 1;
}

/* Read s (see crm_time.h) leaning to lean. */
static crm_status
parse(const char *s, int64_t now, enum lean lean, struct when *w)
{
	char buf[128];
	size_t n;

	if (s == NULL) {
		return CRM_EINVAL;
	}
	while (isspace((unsigned char)*s)) {
		s++;
	}
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1])) {
		n--;
	}
	if (n == 0 || n >= sizeof(buf)) {
		return CRM_EINVAL;
	}
	/* ASCII letters in lower case; runs of blanks as one. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c)) {
			if (buf[k - 1] != ' ') {
				buf[k++] = ' ';
			}
			continue;
		}
		buf[k++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	buf[k] = '\0';

	struct day today = day_of(now);
	w->span = SPAN_MOMENT;
	if (strcmp(buf, "now") == 0 || strcmp(buf, "现在") == 0) {
		w->t = now;
		return CRM_OK;
	}
	if (buf[0] == '@' && isdigit((unsigned char)buf[1])) { /* @seconds */
		char *end;
		long long v = strtoll(buf + 1, &end, 10);
		if (*end != '\0' || v <= 0 || v > 253402300799LL) {
			return CRM_EINVAL; /* after 9999-12-31 */
		}
		w->t = (int64_t)v;
		return CRM_OK;
	}
	int r = rfc3339(buf, &w->t); /* what --format json writes */
	if (r != 0) {
		return r > 0 ? CRM_OK : CRM_EINVAL;
	}
	r = relative(buf, now, &w->t);
	if (r != 0) {
		return r > 0 ? CRM_OK : CRM_EINVAL;
	}
	if (period(buf, today, w)) {
		return CRM_OK;
	}
	const char *p = buf;
	struct day day = today;
	int h = 0, mi = 0, has_day, has_time;
	has_day = eat_day(&p, today, lean, &day);
	if (has_day < 0) {
		return CRM_EINVAL;
	}
	skip_blanks(&p);
	if (has_day && *p == 't' && isdigit((unsigned char)p[1])) {
		p++; /* 2026-11-25T14:00 */
	}
	has_time = eat_clock(&p, &h, &mi);
	skip_blanks(&p);
	if (!has_day && has_time) { /* 10:00 tomorrow, 3点 明天 */
		if ((has_day = eat_day(&p, today, lean, &day)) < 0) {
			return CRM_EINVAL;
		}
		skip_blanks(&p);
	}
	if (*p != '\0' || (!has_day && !has_time)) {
		return CRM_EINVAL;
	}
	if (!has_time) {
		w->span = SPAN_DAY;
		w->day = day;
		return CRM_OK;
	}
	crm_status rc = local_time(day.y, day.m, day.d, h, mi, &w->t);
	if (rc == CRM_OK && !has_day) {
		/* A time alone: the next (the last) time the clock says it. */
		if (lean == LEAN_FUTURE && w->t <= now) {
			day = day_add(day, 1, NULL);
		} else if (lean == LEAN_PAST && w->t > now) {
			day = day_add(day, -1, NULL);
		}
		rc = local_time(day.y, day.m, day.d, h, mi, &w->t);
	}
	return rc;
}

/* s as one moment leaning to lean (a day at CRM_DAY_HOUR); what it
 * named in *w. */
static crm_status
parse_moment(
    const char *s, int64_t now, enum lean lean, struct when *w, int64_t *t)
{
	crm_status rc = parse(s, now, lean, w);
	if (rc != CRM_OK) {
		return rc;
	}
	if (w->span == SPAN_MOMENT) {
		*t = w->t;
		return CRM_OK;
	}
	if (w->span != SPAN_DAY) {
		return CRM_EINVAL; /* "next week" is not a moment */
	}
	return local_time(w->day.y, w->day.m, w->day.d, CRM_DAY_HOUR, 0, t);
}

crm_status
crm_time_parse(const char *s, int64_t now, int64_t *t)
{
	struct when w;
	return parse_moment(s, now, LEAN_FUTURE, &w, t);
}

crm_status
crm_time_parse_past(const char *s, int64_t now, int64_t *t)
{
	struct when w;
	crm_status rc = parse_moment(s, now, LEAN_PAST, &w, t);
	if (rc == CRM_OK && w.span == SPAN_DAY &&
	    day_cmp(w.day, day_of(now)) == 0 && *t > now) {
		*t = now; /* "today": not later than now */
	}
	return rc;
}

crm_status
crm_time_parse_span(const char *s, int64_t now, int64_t *from, int64_t *to)
{
	struct when w;
	crm_status rc = parse(s, now, LEAN_PAST, &w);
	if (rc != CRM_OK) {
		return rc;
	}
	if (w.span == SPAN_MOMENT) {
		/* The second it names: times are whole seconds and a span's
		 * end is exclusive, so `--to now` must end a second later to
		 * hold what happened this very second. */
		*from = w.t;
		*to = w.t + 1;
		return CRM_OK;
	}
	struct day end = w.day;
	switch (w.span) {
	case SPAN_DAY:
		end = day_add(w.day, 1, NULL);
		break;
	case SPAN_WEEK:
		end = day_add(w.day, 7, NULL);
		break;
	case SPAN_MONTH:
		end.m = w.day.m % 12 + 1;
		end.y = w.day.y + (w.day.m == 12);
		break;
	default:
		end.y = w.day.y + 1;
		break;
	}
	rc = local_time(w.day.y, w.day.m, w.day.d, 0, 0, from);
	if (rc == CRM_OK) {
		rc = local_time(end.y, end.m, end.d, 0, 0, to);
	}
	return rc;
}
