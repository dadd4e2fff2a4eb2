/* SPDX-License-Identifier: MIT */
/*
 * render_table.c: the table format, for people at a terminal: tables
 * aligned by display width (Chinese counting two columns) and fitted to
 * the terminal by column priority, records as key/value lines, help lines
 * wrapped; and render_print, which sends each section to its format.
 */
#include "render.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "crm.h"

#define COL_GAP    2  /* blanks between table columns */
#define MAX_WORD   14 /* a longer word may break to fit */
#define NAME_WHOLE 32 /* a name beside free text wraps only past this */

/* ------------------------------------------------------------ table */

int
render_terminal_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	int cols = env != NULL ? atoi(env) : 0;
	if (!isatty(STDOUT_FILENO)) {
		/* Not a terminal: only a width the caller set (COLUMNS=80
		 * crm -c help) wraps; else nothing is fitted. */
		return cols > 0 && cols < 10000 ? cols : 0;
	}
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		return ws.ws_col;
	}
	return cols > 0 && cols < 10000 ? cols : 80;
}

/*
 * How a column gives way when a table is wider than the terminal. Free
 * text wraps first, then short words (stages, kinds), then names; ids,
 * times (also "in 1h 52m", "3d late"), money, grades and counts never
 * do (a cut one misleads). A column not named here that holds only
 * numbers, times or amounts keeps too. In a table with free text a
 * name keeps up to NAME_WHOLE columns (the text wraps instead). min: the
 * columns a column that gives way keeps (its width if that is less).
 * When even the minimums do not fit, the table is printed as one block
 * per row (like psql's \x auto).
 */
enum col_rank { RANK_KEEP = 0, RANK_NAME, RANK_WORD, RANK_TEXT };

static const size_t rank_min[] = {
	[RANK_KEEP] = 0,  /* never shrinks */
	[RANK_NAME] = 16, /* 8 Chinese characters: most names whole */
	[RANK_WORD] = 8,  /* "potential", "follow_up" wrap at most once */
	[RANK_TEXT] = 10,
};

static const struct col_rule {
	const char *name; /* a header, any case */
	enum col_rank rank;
} col_rules[] = {
	{ "id", RANK_KEEP },
	{ "due", RANK_KEEP },
	{ "late", RANK_KEEP },
	{ "time", RANK_KEEP },
	{ "at", RANK_KEEP },
	{ "when", RANK_KEEP },
	{ "date", RANK_KEEP },
	{ "from", RANK_KEEP },
	{ "to", RANK_KEEP },
	{ "grade", RANK_KEEP },
	{ "amount", RANK_KEEP },
	{ "total", RANK_KEEP },
	{ "customer", RANK_NAME },
	{ "name", RANK_NAME },
	{ "owner", RANK_NAME },
	{ "who", RANK_NAME },
	{ "by", RANK_NAME },
	{ "user", RANK_NAME },
	{ "login", RANK_NAME },
	{ "rep", RANK_NAME },
	{ "author", RANK_NAME },
	{ "contact", RANK_NAME },
	{ "team", RANK_NAME },
	{ "goal", RANK_TEXT },
	{ "channel", RANK_TEXT }, /* a task's: "电话, 微信, 上门拜访" */
	{ "text", RANK_TEXT },
	{ "summary", RANK_TEXT },
	{ "note", RANK_TEXT },
	{ "notes", RANK_TEXT },
	{ "reason", RANK_TEXT },
	{ "feedback", RANK_TEXT },
	{ "next", RANK_TEXT },
	{ "next_action", RANK_TEXT },
	{ "title", RANK_TEXT },
	{ "product", RANK_TEXT },
	{ "message", RANK_TEXT },
	{ "industry", RANK_TEXT },
	{ "email", RANK_TEXT },
	{ "ref", RANK_TEXT },
};

/* Whether s reads as a number, a time or an amount (digits and the
 * marks around them; "-" and "" count too). */
static bool
numeric(const char *s)
{
	const char *cur = render_money_currency();
	size_t cl = strlen(cur);
	for (const char *p = s; *p; p++) {
		if (strncmp(p, "¥", strlen("¥")) == 0) {
			p += strlen("¥") - 1;
		} else if (cl > 0 && strncmp(p, cur, cl) == 0) {
			p += cl - 1;
		} else if (!isdigit((unsigned char)*p) &&
		           strchr(" +-.,:%/$", *p) == NULL) {
			return false;
		}
	}
	return true;
}

/* Whether s reads as a time from now, as cmd_format_due writes it: "in
 * 1h 52m", "3d 4h late", "now" (a time: it never wraps). */
static bool
relative_time(const char *s)
{
	if (strcmp(s, "now") == 0) {
		return true;
	}
	bool ahead = strncmp(s, "in ", 3) == 0, spans = false;
	const char *p = ahead ? s + 3 : s;
	while (isdigit((unsigned char)*p)) {
		p += strspn(p, "0123456789");
		if (*p == '\0' || strchr("wdhms", *p) == NULL) {
			return false;
		}
		spans = true;
		p++;
		p += *p == ' ' && isdigit((unsigned char)p[1]);
	}
	return spans && (ahead ? *p == '\0' : strcmp(p, " late") == 0);
}

static enum col_rank
col_rank(const char *header, char ***cells, size_t nrows, size_t c)
{
	size_t hl = strlen(header);
	for (size_t i = 0; i < sizeof(col_rules) / sizeof(col_rules[0]); i++) {
		if (strcasecmp(header, col_rules[i].name) == 0) {
			return col_rules[i].rank;
		}
	}
	if (hl > 3 && (strcmp(header + hl - 3, "_at") == 0 ||
	                  strcmp(header + hl - 3, "_id") == 0)) {
		return RANK_KEEP;
	}
	for (size_t r = 0; r < nrows; r++) {
		if (!numeric(cells[r][c]) && !relative_time(cells[r][c])) {
			return RANK_WORD;
		}
	}
	return RANK_KEEP;
}

/* The longest run of ASCII letters, digits and marks in s: a word that
 * should not break (Chinese text may break between any characters). */
static size_t
latin_word(const char *s)
{
	size_t best = 0, run = 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		run = c > ' ' && c < 0x7F ? run + 1 : 0;
		best = run > best ? run : best;
	}
	return best;
}

/* The widest blank-separated word of a header, in columns. */
static size_t
header_word(const char *s)
{
	size_t best = 0;
	while (*s) {
		size_t n = strcspn(s, " ");
		char *word = crm_xstrndup(s, n);
		size_t w = crm_utf8_width(word);
		best = w > best ? w : best;
		free(word);
		s += n;
		s += strspn(s, " ");
	}
	return best;
}

/* The bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t
char_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\0') {
			return i;
		}
	}
	return n;
}

/*
 * The basic line-breaking rule of Chinese (and Japanese) text: no line
 * starts with a closing or pausing mark (、，。 ）」 ...) and none ends
 * with an opening one (（「 ...). ASCII marks count too.
 */
static const char *const no_line_start[] = { "、", "，", "。", "；", "：",
	"？", "！", "）", "」", "』", "》", "〉", "】", "〕", "〗", "’", "”",
	"…", "·", "・", "～", "％", "．", "﹐", "﹑", "﹒", ",", ".", ";", ":",
	"?", "!", ")", "]", "}", "%" };
static const char *const no_line_end[] = { "（", "「", "『", "《", "〈", "【",
	"〔", "〖", "‘", "“", "(", "[", "{" };

static bool
mark_at(const char *s, const char *const *marks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strncmp(s, marks[i], strlen(marks[i])) == 0) {
			return true;
		}
	}
	return false;
}

/* The start of the character before q + at (at > 0). */
static size_t
char_before(const char *q, size_t at)
{
	size_t b = at - 1;
	while (b > 0 && ((unsigned char)q[b] & 0xC0) == 0x80) {
		b--;
	}
	return b;
}

/* Whether a line of q may end at byte at (and the next start there). */
static bool
may_break(const char *q, size_t at)
{
	if (at == 0 || q[at] == '\0') {
		return true;
	}
	return !mark_at(q + at, no_line_start,
	           sizeof(no_line_start) / sizeof(no_line_start[0])) &&
	       !mark_at(q + char_before(q, at), no_line_end,
	           sizeof(no_line_end) / sizeof(no_line_end[0]));
}

/* A break between characters at or before fit that keeps the rule (a
 * mark moves to the next line with the character before it); fit if
 * none does within a few characters. */
static size_t
char_break(const char *q, size_t fit)
{
	size_t b = fit;
	for (int i = 0; i < 4 && b > 0; i++) {
		if (may_break(q, b)) {
			return b;
		}
		b = char_before(q, b);
	}
	return fit;
}

/* The lines of s within w columns (0: no limit): a line breaks at its
 * last blank that fits, else between characters (Chinese has no
 * blanks), keeping the line-breaking rule above; a label ("feedback:")
 * stays with the Chinese text after it. A newline always breaks.
 * Returns how many; (*out)[i] are new strings, freed with free_lines(). */
static size_t
wrap_lines(const char *s, size_t w, char ***out)
{
	size_t n = 0, cap = 4;
	char **lines = crm_xcalloc(cap, sizeof(char *));
	const char *p = s;
	if (strchr(s, '\n') == NULL && (w == 0 || crm_utf8_width(s) <= w)) {
		lines[0] = crm_xstrdup(s); /* the usual cell: one line */
		*out = lines;
		return 1;
	}
	for (;;) {
		const char *nl = strchr(p, '\n');
		char *seg =
		    nl ? crm_xstrndup(p, (size_t)(nl - p)) : crm_xstrdup(p);
		const char *q = seg;
		do {
			size_t take = strlen(q);
			if (w > 0 && crm_utf8_width(q) > w) {
				size_t fit = crm_utf8_fit(q, w, NULL), b = fit;
				/* At a blank, or after a '|' (a|b|c). */
				while (
				    b > 0 && q[b] != ' ' && q[b - 1] != '|') {
					b--;
				}
				/* "feedback: 客户..." fills the line rather
				 * than leave its label alone on it. */
				size_t e = b;
				while (e > 0 && q[e - 1] == ' ') {
					e--;
				}
				if (b > 0 && e > 0 && q[e - 1] == ':' &&
				    (unsigned char)q[b + strspn(q + b, " ")] >=
				        0x80) {
					b = 0;
				}
				take = b > 0     ? b
				       : fit > 0 ? char_break(q, fit)
				                 : char_len(q);
			}
			size_t keep = take;
			while (keep > 0 && q[keep - 1] == ' ') {
				keep--;
			}
			if (n == cap) {
				cap *= 2;
				lines =
				    crm_xrealloc(lines, cap * sizeof(char *));
			}
			lines[n++] = crm_xstrndup(q, keep);
			q += take;
			while (*q == ' ' && n > 0 && w > 0) {
				q++;
			}
		} while (*q != '\0');
		free(seg);
		if (nl == NULL) {
			break;
		}
		p = nl + 1;
	}
	*out = lines;
	return n;
}

static void
free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(lines[i]);
	}
	free(lines);
}

/* The widest line of s. */
static size_t
text_width(const char *s)
{
	if (strchr(s, '\n') == NULL) {
		return crm_utf8_width(s);
	}
	size_t w = 0;
	char **lines;
	size_t n = wrap_lines(s, 0, &lines);
	for (size_t i = 0; i < n; i++) {
		size_t x = crm_utf8_width(lines[i]);
		w = x > w ? x : w;
	}
	free_lines(lines, n);
	return w;
}

static void
pad(FILE *out, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		fputc(' ', out);
	}
}

void
render_wrap_line(FILE *out, const char *line, int width)
{
	size_t lw = crm_utf8_width(line);
	if (width <= 0 || lw <= (size_t)width) {
		fprintf(out, "%s\n", line);
		return;
	}
	/* The text's column: after the first gap of two blanks that follows
	 * the first word ("  task add ...   Summary"), else the indent. */
	size_t lead = strspn(line, " "), at = lead;
	const char *gap = strstr(line + lead, "  ");
	if (gap != NULL && gap[strspn(gap, " ")] != '\0') {
		at = (size_t)(gap - line) + strspn(gap, " ");
	} else if (strncmp(line + lead, "usage: ", 7) == 0) {
		at = lead + 7;
	}
	size_t indent = crm_utf8_width(line) - crm_utf8_width(line + at);
	if (indent + 20 > (size_t)width) { /* too little room beside it */
		indent = lead + 20 > (size_t)width ? 0 : lead;
		at = indent;
	}
	char **lines;
	size_t n = wrap_lines(line + at, (size_t)width - indent, &lines);
	fwrite(line, 1, at, out);
	for (size_t i = 0; i < n; i++) {
		pad(out, i == 0 ? indent : 0, indent);
		fprintf(out, "%s\n", lines[i]);
	}
	free_lines(lines, n);
}

/* Whether columns w wide fit in width. */
static bool
fits(const size_t *w, size_t n, int width)
{
	size_t total = 0;
	for (size_t c = 0; c < n; c++) {
		total += w[c] + (c + 1 < n ? COL_GAP : 0);
	}
	return total <= (size_t)width;
}

/* Shrink the columns that give way, the lowest rank and the widest
 * first, down to their minimums, until the row fits width (a column that
 * keeps may only wrap its header). Returns whether it does. */
static bool
fit_widths(size_t *w, const size_t *minw, const enum col_rank *rank, size_t n,
    int width)
{
	size_t total = 0;
	for (size_t c = 0; c < n; c++) {
		total += w[c] + (c + 1 < n ? COL_GAP : 0);
	}
	/* Free text, then the headers of the columns that keep (their
	 * values stay whole), then short words, then names. */
	static const enum col_rank order[] = { RANK_TEXT, RANK_KEEP, RANK_WORD,
		RANK_NAME };
	for (size_t i = 0; i < 4 && total > (size_t)width; i++) {
		enum col_rank k = order[i];
		while (total > (size_t)width) {
			size_t widest = n;
			for (size_t c = 0; c < n; c++) {
				if (rank[c] == k && w[c] > minw[c] &&
				    (widest == n ||
				        (k == RANK_KEEP
				                ? w[c] - minw[c] >
				                      w[widest] - minw[widest]
				                : w[c] > w[widest]))) {
					widest = c;
				}
			}
			if (widest == n) {
				break;
			}
			/* A header wraps whole: straight to its narrowest. */
			size_t by =
			    k == RANK_KEEP ? w[widest] - minw[widest] : 1;
			w[widest] -= by;
			total -= by;
		}
	}
	return total <= (size_t)width;
}

/* A copy of s fit to print: control characters replaced on a terminal
 * (newlines kept: a cell may have a second line), tabs as blanks. */
static char *
cell_copy(const char *s, const render_opts *o)
{
	char *t = o->sanitize ? crm_utf8_sanitize(s, true) : crm_xstrdup(s);
	for (char *p = t; *p; p++) {
		if (*p == '\t' || *p == '\r') {
			*p = ' ';
		}
	}
	return t;
}

/* key padded to kw, then value wrapped to vw (0: no limit), its next
 * lines under the first. */
static void
print_pair(const char *key, const char *value, size_t kw, size_t vw)
{
	char **lines;
	size_t n = wrap_lines(value, vw, &lines);
	fputs(key, stdout);
	pad(stdout, crm_utf8_width(key), kw + COL_GAP);
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			pad(stdout, 0, kw + COL_GAP);
		}
		fputs(lines[i], stdout);
		fputc('\n', stdout);
	}
	free_lines(lines, n);
}

/* The columns left for values beside keys kw wide (0: no limit). */
static size_t
value_width(size_t kw, int width)
{
	if (width <= 0) {
		return 0;
	}
	size_t left =
	    (size_t)width > kw + COL_GAP ? (size_t)width - kw - COL_GAP : 0;
	return left < 10 ? 10 : left;
}

/* The widest key of record s. */
static size_t
key_width(const struct render_section *s)
{
	size_t kw = 0;
	for (size_t c = 0; c < s->ncols; c++) {
		size_t w = crm_utf8_width(s->cols[c]);
		kw = w > kw ? w : kw;
	}
	return kw;
}

/* Record s with its keys kw wide (at least its own widest). */
static void
print_record(const struct render_section *s, const render_opts *o, size_t kw)
{
	size_t own = key_width(s);
	kw = own > kw ? own : kw;
	for (size_t c = 0; c < s->ncols; c++) {
		char *v = cell_copy(s->rows[0][c], o);
		print_pair(s->cols[c], v, kw, value_width(kw, o->width));
		free(v);
	}
}

/* Whether s is an amount render_money wrote for people: an optional
 * "-", the currency, digits with separators and two decimals. */
static bool
money_cell(const char *s)
{
	const char *cur = render_money_currency();
	size_t cl = strlen(cur);
	s += *s == '-';
	if (cl == 0 || strncmp(s, cur, cl) != 0) {
		return false;
	}
	s += cl;
	s += *s == ' ';
	size_t digits = strspn(s, "0123456789,");
	return digits > 0 && s[digits] == '.' &&
	       strspn(s + digits + 1, "0123456789") == 2 &&
	       s[digits + 3] == '\0';
}

/* Money columns are right-aligned, so amounts line up by their
 * decimals: those with an amount and nothing else in them. */
static bool
money_column(char ***cells, size_t nrows, size_t c)
{
	bool any = false;
	for (size_t r = 0; r < nrows; r++) {
		if (cells[r][c][0] == '\0') {
			continue;
		}
		if (!money_cell(cells[r][c])) {
			return false;
		}
		any = true;
	}
	return any;
}

/* One table row (or the header): each cell wrapped to its column, as
 * many lines as its tallest cell (right-aligned where right[c]); no
 * trailing blanks. */
static void
print_row(char *const *cells, size_t n, const size_t *w, const bool *right)
{
	/* A cell of one line that fits is printed as it is (the usual
	 * case, and the only one without a width); others are wrapped. */
	char ***lines = crm_xcalloc(n ? n : 1, sizeof(char **));
	size_t *nl = crm_xcalloc(n ? n : 1, sizeof(size_t)), height = 1;
	size_t *cw = crm_xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t c = 0; c < n; c++) {
		cw[c] = crm_utf8_width(cells[c]);
		if (strchr(cells[c], '\n') == NULL && cw[c] <= w[c]) {
			nl[c] = 1;
			continue;
		}
		nl[c] = wrap_lines(cells[c], w[c], &lines[c]);
		height = nl[c] > height ? nl[c] : height;
	}
	for (size_t i = 0; i < height; i++) {
		size_t last = 0;
		for (size_t c = 0; c < n; c++) {
			const char *t =
			    lines[c] ? lines[c][i < nl[c] ? i : 0] : cells[c];
			if (i < nl[c] && t[0] != '\0') {
				last = c;
			}
		}
		for (size_t c = 0; c <= last && c < n; c++) {
			const char *t = i >= nl[c] ? ""
			                : lines[c] ? lines[c][i]
			                           : cells[c];
			if (right[c]) {
				size_t tw = lines[c] || i > 0
				                ? crm_utf8_width(t)
				                : cw[c];
				pad(stdout, tw, w[c]);
				fputs(t, stdout);
				if (c < last) {
					pad(stdout, 0, COL_GAP);
				}
				continue;
			}
			fputs(t, stdout);
			if (c < last) {
				pad(stdout,
				    lines[c] || i > 0 ? crm_utf8_width(t)
				                      : cw[c],
				    w[c] + COL_GAP);
			}
		}
		fputc('\n', stdout);
	}
	for (size_t c = 0; c < n; c++) {
		if (lines[c] != NULL) {
			free_lines(lines[c], nl[c]);
		}
	}
	free(lines);
	free(nl);
	free(cw);
}

/* The table as one block per row: "-[ 3 ]----", then column: value. */
static void
print_expanded(const struct render_section *s, char ***cells, int width)
{
	size_t kw = 0, rule;
	for (size_t c = 0; c < s->ncols; c++) {
		size_t w = crm_utf8_width(s->cols[c]);
		for (size_t r = 0; r < s->nrows && w > kw; r++) {
			if (cells[r][c][0] != '\0') {
				kw = w; /* only keys that show count */
			}
		}
	}
	size_t vw = value_width(kw, width);
	rule = (size_t)width < kw + COL_GAP + vw ? (size_t)width
	                                         : kw + COL_GAP + vw;
	for (size_t r = 0; r < s->nrows; r++) {
		char head[48];
		int hn = snprintf(head, sizeof(head), "-[ %zu ]", r + 1);
		fputs(head, stdout);
		for (size_t i = (size_t)hn; i < rule && i < 60; i++) {
			fputc('-', stdout);
		}
		fputc('\n', stdout);
		for (size_t c = 0; c < s->ncols; c++) {
			if (cells[r][c][0] != '\0') {
				print_pair(s->cols[c], cells[r][c], kw, vw);
			}
		}
	}
}

static void
print_table(const struct render_section *s, const render_opts *o)
{
	size_t n = s->ncols;
	size_t *w = crm_xcalloc(n ? n : 1, sizeof(size_t));
	size_t *minw = crm_xcalloc(n ? n : 1, sizeof(size_t));
	enum col_rank *rank = crm_xcalloc(n ? n : 1, sizeof(*rank));
	char ***cells = crm_xcalloc(s->nrows ? s->nrows : 1, sizeof(char **));

	for (size_t c = 0; c < n; c++) {
		w[c] = text_width(s->cols[c]);
	}
	for (size_t r = 0; r < s->nrows; r++) {
		cells[r] = crm_xcalloc(n ? n : 1, sizeof(char *));
		for (size_t c = 0; c < n; c++) {
			cells[r][c] = cell_copy(s->rows[r][c], o);
			size_t cw = text_width(cells[r][c]);
			w[c] = cw > w[c] ? cw : w[c];
		}
	}
	for (size_t c = 0; c < n && o->width > 0; c++) {
		rank[c] = col_rank(s->cols[c], cells, s->nrows, c);
		/* A column that gives way keeps its minimum, and room for its
		 * longest Latin word (up to MAX_WORD): "potential" is not
		 * broken into "potentia" and "l". */
		size_t m = rank_min[rank[c]], word = latin_word(s->cols[c]);
		for (size_t r = 0; r < s->nrows; r++) {
			size_t x = latin_word(cells[r][c]);
			word = x > word ? x : word;
		}
		word = word < MAX_WORD ? word : MAX_WORD;
		m = word > m ? word : m;
		minw[c] = rank[c] == RANK_KEEP || w[c] < m ? w[c] : m;
		if (rank[c] == RANK_KEEP) {
			/* Its values whole; its header may wrap at a blank
			 * ("Overdue now" over two lines). */
			size_t v = header_word(s->cols[c]);
			for (size_t r = 0; r < s->nrows; r++) {
				size_t x = text_width(cells[r][c]);
				v = x > v ? x : v;
			}
			minw[c] = v;
		}
	}
	/* Beside free text, which can wrap instead, a name stays whole up
	 * to NAME_WHOLE columns: the table turns into blocks before
	 * "苏州恒信精密制造有限公司" is split over two lines. */
	bool text = false;
	for (size_t c = 0; c < n && o->width > 0 && !text; c++) {
		for (size_t r = 0; r < s->nrows && rank[c] == RANK_TEXT; r++) {
			text = text || cells[r][c][0] != '\0';
		}
	}
	for (size_t c = 0; c < n && text; c++) {
		if (rank[c] == RANK_NAME && minw[c] < w[c]) {
			minw[c] = w[c] < NAME_WHOLE ? w[c] : NAME_WHOLE;
		}
	}
	/* Too wide: first leave out the columns with nothing in them. */
	size_t shown = n, *col = crm_xcalloc(n ? n : 1, sizeof(size_t));
	char **row = crm_xcalloc(n ? n : 1, sizeof(char *));
	for (size_t c = 0; c < n; c++) {
		col[c] = c;
	}
	if (o->width > 0 && !fits(w, n, o->width) && s->nrows > 0) {
		shown = 0;
		for (size_t c = 0; c < n; c++) {
			bool empty = true;
			for (size_t r = 0; r < s->nrows && empty; r++) {
				empty = cells[r][c][0] == '\0';
			}
			if (!empty) {
				w[shown] = w[c];
				minw[shown] = minw[c];
				rank[shown] = rank[c];
				col[shown++] = c;
			}
		}
	}
	if (o->width > 0 && s->nrows > 0 &&
	    !fit_widths(w, minw, rank, shown, o->width)) {
		print_expanded(s, cells, o->width);
	} else {
		bool *right = crm_xcalloc(shown ? shown : 1, sizeof(bool));
		for (size_t c = 0; c < shown; c++) {
			row[c] = s->cols[col[c]];
			right[c] = money_column(cells, s->nrows, col[c]);
		}
		print_row(row, shown, w, right);
		for (size_t r = 0; r < s->nrows; r++) {
			for (size_t c = 0; c < shown; c++) {
				row[c] = cells[r][col[c]];
			}
			print_row(row, shown, w, right);
		}
		free(right);
	}
	free(row);
	free(col);
	for (size_t r = 0; r < s->nrows; r++) {
		for (size_t c = 0; c < n; c++) {
			free(cells[r][c]);
		}
		free(cells[r]);
	}
	free(cells);
	free(rank);
	free(minw);
	free(w);
}

void
render_print(const render_doc *d, const render_opts *o)
{
	if (o->format == RENDER_CSV) {
		render_csv_print(d, o, stdout);
	} else if (o->format == RENDER_JSON) {
		render_json_print(d, stdout);
	}
	/* A blank line separates a data section from the one before it,
	 * unless a text line (its title) comes right before it. */
	bool first = true, prev_text = false, data = d->json != NULL;
	size_t run_kw = 0;
	for (size_t i = 0; i < d->nsecs; i++) {
		data = data || d->secs[i].kind != RENDER_SEC_TEXT;
	}
	for (size_t i = 0; i < d->nsecs; i++) {
		const struct render_section *s = &d->secs[i];
		if (s->kind == RENDER_SEC_TEXT) {
			if (o->format == RENDER_JSON && !data) {
				continue; /* it is the document's "message" */
			}
			FILE *f = o->format == RENDER_TABLE ? stdout : stderr;
			char *t = isatty(fileno(f))
			              ? crm_utf8_sanitize(s->text, true)
			              : crm_xstrdup(s->text);
			fprintf(f, "%s\n", t);
			free(t);
			prev_text = f == stdout;
			continue;
		}
		if (o->format != RENDER_TABLE) {
			continue;
		}
		if (!first && !prev_text) {
			fputc('\n', stdout);
		}
		first = false;
		prev_text = false;
		if (s->kind == RENDER_SEC_RECORD) {
			/* Records that follow each other (a customer and its
			 * purchases) line their values up. */
			if (i == 0 ||
			    d->secs[i - 1].kind != RENDER_SEC_RECORD) {
				run_kw = 0;
				for (size_t k = i;
				     k < d->nsecs &&
				     d->secs[k].kind == RENDER_SEC_RECORD;
				     k++) {
					size_t w = key_width(&d->secs[k]);
					run_kw = w > run_kw ? w : run_kw;
				}
			}
			print_record(s, o, run_kw);
		} else {
			print_table(s, o);
		}
	}
	fflush(stdout);
}
