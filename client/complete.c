/* SPDX-License-Identifier: MIT */
/*
 * complete.c: tab completion and usage hints from the command table:
 * command names, then a family's verbs, then the row's options, option
 * values (enum words) and per-position arguments (customer names from
 * the local cache, FIELD= names for `customer edit`). When TAB finds
 * nothing, the row's usage is shown dim below the prompt. No network.
 */
#include "complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>

#include "argv.h"
#include "cache.h"

/* Customer fields the server fills in; `customer edit` cannot set them. */
static const char *const readonly_fields[] = { "id", "owner_id", "owner",
	"team_id", "team", "last_contact_at", "contacts", "created_at",
	"updated_at", "created_by", NULL };

void
complete_add(struct cmd_cands *c, const char *prefix, const char *word)
{
	if (strncmp(word, prefix, strlen(prefix)) != 0) {
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = crm_xrealloc(c->v, c->cap * sizeof(char *));
	}
	c->v[c->n++] = crm_xstrdup(word);
}

void
complete_cands_free(struct cmd_cands *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i]);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void
add_enum(const ProtobufCEnumDescriptor *d, const char *before,
    const char *prefix, struct cmd_cands *out)
{
	for (unsigned i = 0; i < d->n_values; i++) {
		const char *name = crm_enum_name(d, d->values[i].value);
		if (name[0] == '\0') {
			continue;
		}
		char *w = crm_xasprintf("%s%s", before, name);
		complete_add(out, prefix, w);
		free(w);
	}
}

void
complete_stage(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__stage__descriptor, "", prefix, out);
}

void
complete_grade(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__grade__descriptor, "", prefix, out);
}

void
complete_kind(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__customer_kind__descriptor, "", prefix, out);
}

void
complete_level(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__level__descriptor, "", prefix, out);
}

void
complete_role(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__role__descriptor, "", prefix, out);
}

void
complete_contact_role(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__contact_role__descriptor, "", prefix, out);
}

void
complete_channel(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__channel__descriptor, "", prefix, out);
}

void
complete_mood(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__mood__descriptor, "", prefix, out);
}

void
complete_lost_reason(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__lost_reason__descriptor, "", prefix, out);
}

void
complete_due_window(const char *prefix, struct cmd_cands *out)
{
	add_enum(&crm__v1__due_window__descriptor, "", prefix, out);
}

/* due --kind: the kinds tasks have, by their short names and the words
 * the table prints (commitment and sla are not offered: no task has
 * them). */
void
complete_task_kind(const char *prefix, struct cmd_cands *out)
{
	size_t n;
	const char *const *w = crm_task_kind_words(&n);
	for (size_t i = 0; i < n; i++) {
		complete_add(out, prefix, w[i]);
	}
}

/* The WHEN words crm_time_parse reads that are worth offering; the
 * Chinese ones once a Chinese character is typed (an empty word lists
 * the short English set). */
void
complete_when(const char *prefix, struct cmd_cands *out)
{
	static const char *const words[] = { "today", "tomorrow", "mon", "tue",
		"wed", "thu", "fri", "sat", "sun", "+1h", "+1d", "+3d", "+1w",
		NULL };
	static const char *const zh[] = { "今天", "明天", "后天", "周一",
		"周二", "周三", "周四", "周五", "下周一", NULL };
	const char *const *list =
	    (unsigned char)prefix[0] >= 0x80 ? zh : words;
	for (size_t i = 0; list[i] != NULL; i++) {
		complete_add(out, prefix, list[i]);
	}
}

/* The report kinds: the verbs of the `report` family. */
void
complete_report_kind(const char *prefix, struct cmd_cands *out)
{
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		if (strncmp(r->name, "report ", 7) == 0) {
			complete_add(out, prefix, cmd_verb(r));
		}
	}
}

/* File names, as readline completes them (local, never the network). */
void
complete_file(const char *prefix, struct cmd_cands *out)
{
	char *m;
	for (int i = 0;
	     (m = rl_filename_completion_function(prefix, i)) != NULL; i++) {
		complete_add(out, prefix, m);
		free(m);
	}
}

void
complete_customer(const char *prefix, struct cmd_cands *out)
{
	char **names = NULL;
	size_t n = 0;
	cache_load(&names, &n);
	for (size_t i = 0; i < n; i++) {
		complete_add(out, prefix, names[i]);
	}
	cache_free(names, n);
}

/* Feedback tags seen before (the "tags" cache); after a comma, the next
 * tag of a comma-separated list. */
void
complete_feedback_tag(const char *prefix, struct cmd_cands *out)
{
	const char *comma = strrchr(prefix, ',');
	size_t head = comma ? (size_t)(comma - prefix) + 1 : 0;
	char **names = NULL;
	size_t n = 0;
	cache_load_file("tags", &names, &n);
	for (size_t i = 0; i < n; i++) {
		/* Not one the list has already. */
		char *mid = crm_xasprintf(",%s,", names[i]);
		char *list = crm_xasprintf(",%.*s", (int)head, prefix);
		bool dup = strstr(list, mid) != NULL;
		free(mid);
		free(list);
		if (dup) {
			continue;
		}
		char *w = crm_xasprintf("%.*s%s", (int)head, prefix, names[i]);
		complete_add(out, prefix, w);
		free(w);
	}
	cache_free(names, n);
}

void
complete_customer_field(const char *prefix, struct cmd_cands *out)
{
	const ProtobufCMessageDescriptor *md = &crm__v1__customer__descriptor;
	const char *eq = strchr(prefix, '=');

	if (eq != NULL) {
		/* FIELD=VALUE: offer the words of an enum field. */
		char *field = crm_xstrndup(prefix, (size_t)(eq - prefix) + 1);
		field[eq - prefix] = '\0';
		const ProtobufCFieldDescriptor *f =
		    protobuf_c_message_descriptor_get_field_by_name(md, field);
		if (f != NULL && f->type == PROTOBUF_C_TYPE_ENUM) {
			field[eq - prefix] = '=';
			add_enum(f->descriptor, field, prefix, out);
		}
		free(field);
		return;
	}
	for (unsigned i = 0; i < md->n_fields; i++) {
		bool ro = false;
		for (size_t k = 0; readonly_fields[k] && !ro; k++) {
			ro = strcmp(readonly_fields[k], md->fields[i].name) ==
			     0;
		}
		if (!ro) {
			char *w = crm_xasprintf("%s=", md->fields[i].name);
			complete_add(out, prefix, w);
			free(w);
		}
	}
}

/* contact edit ID FIELD=VALUE: the fields the server lets change
 * (server/contact.c; phone= is the one phone); role= offers the roles. */
void
complete_contact_field(const char *prefix, struct cmd_cands *out)
{
	static const char *const fields[] = { "name=", "title=", "phone=",
		"phones=", "email=", "im=", "role=", "birthday=", "notes=" };
	if (strncmp(prefix, "role=", 5) == 0) {
		add_enum(
		    &crm__v1__contact_role__descriptor, "role=", prefix, out);
		return;
	}
	if (strchr(prefix, '=') != NULL) {
		return;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		complete_add(out, prefix, fields[i]);
	}
}

/* The open issue ids this shell has seen (the "issues" cache: issue,
 * issue list, issue escalate add; issue resolve drops). */
void
complete_open_issue(const char *prefix, struct cmd_cands *out)
{
	char **ids = NULL;
	size_t n = 0;
	cache_load_file("issues", &ids, &n);
	for (size_t i = 0; i < n; i++) {
		complete_add(out, prefix, ids[i]);
	}
	cache_free(ids, n);
}

void
complete_help_topic(const char *prefix, struct cmd_cands *out)
{
	complete_add(out, prefix, "times"); /* `help times` */
	for (const struct cmd_row *r = cmd_table; r->name; r++) {
		if (strchr(r->name, ' ') == NULL) {
			complete_add(out, prefix, r->name);
		}
		char *g = crm_xasprintf("@%s", r->group);
		complete_add(out, prefix, g);
		free(g);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_unique(struct cmd_cands *c)
{
	size_t o = 0;
	if (c->n == 0) {
		return;
	}
	qsort(c->v, c->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < c->n; i++) {
		if (o > 0 && strcmp(c->v[o - 1], c->v[i]) == 0) {
			free(c->v[i]);
		} else {
			c->v[o++] = c->v[i];
		}
	}
	c->n = o;
}

static const struct cmd_opt *
opt_named(const struct cmd_row *row, const char *word)
{
	for (const struct cmd_opt *o = row->opts; o && o->name; o++) {
		if (strcmp(o->name, word) == 0) {
			return o;
		}
	}
	return NULL;
}

/* Complete an argument of row: done[0..ndone) are the finished words
 * after the command's name, prefix the word being typed. */
static void
complete_args(const struct cmd_row *row, char *const *done, int ndone,
    const char *prefix, struct cmd_cands *out)
{
	int pos = 0;
	bool options_end = false;

	for (int i = 0; i < ndone; i++) {
		const struct cmd_opt *o = NULL;
		if (!options_end && strcmp(done[i], "--") == 0) {
			options_end = true;
		} else if (!options_end && strncmp(done[i], "--", 2) == 0) {
			o = opt_named(row, done[i]);
			if (o != NULL && o->arg != NULL) {
				i++; /* its value */
				if (i == ndone) {
					/* The value is being typed now. */
					if (o->complete != NULL) {
						o->complete(prefix, out);
					}
					return;
				}
			}
		} else {
			pos++;
		}
	}
	if (!options_end && strncmp(prefix, "-", 1) == 0) {
		for (const struct cmd_opt *o = row->opts; o && o->name; o++) {
			bool given = false;
			for (int i = 0; i < ndone && !given; i++) {
				given = strcmp(done[i], o->name) == 0;
			}
			if (!given || o->repeat) {
				complete_add(out, prefix, o->name);
			}
		}
		return;
	}
	if (row->max_args >= 0 && pos >= row->max_args) {
		return;
	}
	cmd_completer fn = pos < CMD_MAX_ARGS ? row->args[pos] : NULL;
	if (fn == NULL && row->max_args < 0) {
		for (int i = pos < CMD_MAX_ARGS ? pos : CMD_MAX_ARGS - 1;
		     i >= 0; i--) {
			if (row->args[i] != NULL) {
				fn = row->args[i];
				break;
			}
		}
	}
	if (fn != NULL) {
		fn(prefix, out);
	}
}

void
complete_line(const char *line, struct cmd_cands *out, char **hint)
{
	argv_list l;
	const struct cmd_row *row = NULL;
	int used = 0;

	memset(out, 0, sizeof(*out));
	*hint = NULL;
	(void)argv_split(line, true, &l);
	int ndone = l.ends_blank ? l.argc : l.argc - 1;
	const char *prefix = l.ends_blank ? "" : l.argv[l.argc - 1];

	if (ndone == 0) {
		for (const struct cmd_row *r = cmd_table; r->name; r++) {
			if (strchr(r->name, ' ') == NULL) {
				complete_add(out, prefix, r->name);
				if (r->alias) {
					complete_add(out, prefix, r->alias);
				}
			}
		}
		goto out;
	}
	row = cmd_lookup_word(NULL, l.argv[0]);
	if (row == NULL) {
		goto out;
	}
	used = 1;
	if (cmd_is_family(row)) {
		if (ndone == 1) {
			for (const struct cmd_row *r = cmd_table; r->name;
			     r++) {
				if (strncmp(r->name, row->name,
				        strlen(row->name)) == 0 &&
				    r->name[strlen(row->name)] == ' ') {
					complete_add(out, prefix, cmd_verb(r));
				}
			}
			goto out;
		}
		row = cmd_lookup_word(row, l.argv[1]);
		if (row == NULL) {
			goto out;
		}
		used = 2;
	} else {
		/* A verb that is also a family (`issue CUSTOMER "text"`
		 * beside `issue resolve ID`): its verbs complete beside its
		 * first argument, and an exact verb selects the verb, as
		 * cmd_find does. */
		size_t len = strlen(row->name);
		const struct cmd_row *verb = NULL;
		for (const struct cmd_row *r = cmd_table; r->name; r++) {
			if (strncmp(r->name, row->name, len) != 0 ||
			    r->name[len] != ' ') {
				continue;
			}
			if (ndone == 1) {
				complete_add(out, prefix, cmd_verb(r));
			} else if (strcmp(cmd_verb(r), l.argv[1]) == 0) {
				verb = r;
			}
		}
		if (verb != NULL) {
			row = verb;
			used = 2;
		}
	}
	complete_args(row, l.argv + used, ndone - used, prefix, out);
out:
	sort_unique(out);
	if (out->n == 0 && row != NULL) {
		*hint = cmd_usage_string(row);
	}
	argv_free(&l);
}

/* ------------------------------------------------------------ readline */

/* Whether line[index] is escaped by a backslash (readline asks, so a
 * "\ " inside a name does not end the word). */
static int
char_is_quoted(char *line, int index)
{
	return index > 0 && line[index - 1] == '\\' &&
	       !char_is_quoted(line, index - 1);
}

static char **
attempt(const char *text, int start, int end)
{
	struct cmd_cands c;
	char *hint = NULL, **m = NULL;
	char *line = crm_xstrndup(rl_line_buffer, (size_t)end);

	(void)start;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	complete_line(line, &c, &hint);
	free(line);
	if (c.n == 0) {
		if (hint != NULL && isatty(fileno(rl_outstream))) {
			fprintf(rl_outstream, "\n\033[2m%s\033[0m\n", hint);
			rl_on_new_line();
			rl_redisplay();
		}
		goto out;
	}
	m = crm_xcalloc(c.n + 2, sizeof(char *));
	for (size_t i = 0; i < c.n; i++) {
		/* Inside quotes readline closes the quote; outside, blanks
		 * and quotes in a name must be escaped. */
		m[i + 1] = rl_completion_quote_character ? crm_xstrdup(c.v[i])
		                                         : argv_quote(c.v[i]);
	}
	/* m[0]: what replaces text, the longest common prefix. */
	size_t lcp = strlen(m[1]);
	for (size_t i = 2; i <= c.n; i++) {
		size_t k = 0;
		while (k < lcp && m[i][k] == m[1][k]) {
			k++;
		}
		lcp = k;
	}
	if (c.n == 1) {
		m[0] = m[1];
		m[1] = NULL;
		/* "field=" wants its value right after the '='. */
		if (m[0][0] != '\0' && m[0][strlen(m[0]) - 1] == '=') {
			rl_completion_suppress_append = 1;
		}
	} else {
		m[0] = crm_xstrndup(m[1], lcp);
	}
	(void)text;
out:
	free(hint);
	complete_cands_free(&c);
	return m;
}

void
complete_install(void)
{
	rl_readline_name = "crm";
	rl_attempted_completion_function = attempt;
	rl_completer_word_break_characters = " \t\n";
	rl_completer_quote_characters = "\"'";
	rl_char_is_quoted_p = char_is_quoted;
}

/* ------------------------------------------------------------ tests */

int
complete_test_hints(const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int status = 0, lineno = 0, cases = 0;

	if (f == NULL) {
		fprintf(stderr, "crm: cannot read %s\n", path);
		return 2;
	}
	/* Hints must not depend on this user's caches: a private empty one,
	 * which "@tags A B" lines fill with feedback tags. */
	char dir[] = "/tmp/crm-hints-XXXXXX";
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "crm: cannot make a temporary folder\n");
		fclose(f);
		return 2;
	}
	setenv("XDG_CACHE_HOME", dir, 1);
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "@tags ", 6) == 0) {
			for (char *w = strtok(line + 6, " "); w != NULL;
			     w = strtok(NULL, " ")) {
				cache_add_file(
				    "tags", (const char *const *)&w, 1);
			}
			continue;
		}
		/* "@issues 12 15": open issue ids seen; "@resolved 12": one
		 * resolved since. */
		if (strncmp(line, "@issues ", 8) == 0 ||
		    strncmp(line, "@resolved ", 10) == 0) {
			bool add = line[1] == 'i';
			for (char *w = strtok(line + (add ? 8 : 10), " ");
			     w != NULL; w = strtok(NULL, " ")) {
				if (add) {
					cache_add_file("issues",
					    (const char *const *)&w, 1);
				} else {
					cache_del_file("issues",
					    (const char *const *)&w, 1);
				}
			}
			continue;
		}
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || tab == NULL) {
			continue;
		}
		*tab = '\0';
		const char *want = tab + 1;
		struct cmd_cands c;
		char *hint = NULL, *got = NULL;
		size_t len = 1;
		complete_line(line, &c, &hint);
		for (size_t i = 0; i < c.n; i++) {
			len += strlen(c.v[i]) + 1;
		}
		got = crm_xcalloc(1, len + (hint ? strlen(hint) : 0));
		for (size_t i = 0; i < c.n; i++) {
			strcat(got, i ? " " : "");
			strcat(got, c.v[i]);
		}
		if (c.n == 0 && hint != NULL) {
			strcat(got, hint);
		}
		cases++;
		if (strcmp(got, want) != 0) {
			fprintf(stderr,
			    "%s:%d: for '%s'\n  expected: %s\n  got:      "
			    "%s\n",
			    path, lineno, line, want, got);
			status = 1;
		}
		free(got);
		free(hint);
		complete_cands_free(&c);
	}
	free(line);
	fclose(f);
	char *tags = crm_xasprintf("%s/crm/tags", dir);
	char *sub = crm_xasprintf("%s/crm", dir);
	(void)unlink(tags);
	(void)rmdir(sub);
	(void)rmdir(dir);
	free(tags);
	free(sub);
	if (status == 0) {
		printf("%d hint cases passed\n", cases);
	}
	return status;
}
