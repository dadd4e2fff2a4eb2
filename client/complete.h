/* SPDX-License-Identifier: MIT */
/*
 * complete.h: tab completion and usage hints, computed from the command
 * table alone (never from the network: customer names come from the
 * local cache). complete_line is pure so `crm --test-hints` and the tests
 * can check it without a terminal.
 */
#ifndef COMPLETE_H
#define COMPLETE_H

#include "commands.h"

/* complete_add: add word to c when it starts with prefix (copied). */
void complete_add(struct cmd_cands *c, const char *prefix, const char *word);
/* complete_cands_free: free what c holds and zero it. */
void complete_cands_free(struct cmd_cands *c);

/* Completers the command table points to. */
void complete_stage(const char *prefix, struct cmd_cands *out);
void complete_grade(const char *prefix, struct cmd_cands *out);
void complete_kind(const char *prefix, struct cmd_cands *out);
void complete_level(const char *prefix, struct cmd_cands *out);
void complete_role(const char *prefix, struct cmd_cands *out);
void complete_contact_role(const char *prefix, struct cmd_cands *out);
void complete_customer(const char *prefix, struct cmd_cands *out);
void complete_customer_field(const char *prefix, struct cmd_cands *out);
void complete_contact_field(const char *prefix, struct cmd_cands *out);
void complete_open_issue(const char *prefix, struct cmd_cands *out);
void complete_help_topic(const char *prefix, struct cmd_cands *out);
void complete_channel(const char *prefix, struct cmd_cands *out);
void complete_mood(const char *prefix, struct cmd_cands *out);
void complete_feedback_tag(const char *prefix, struct cmd_cands *out);
void complete_lost_reason(const char *prefix, struct cmd_cands *out);
void complete_due_window(const char *prefix, struct cmd_cands *out);
void complete_task_kind(const char *prefix, struct cmd_cands *out);
void complete_when(const char *prefix, struct cmd_cands *out);
void complete_report_kind(const char *prefix, struct cmd_cands *out);
void complete_file(const char *prefix, struct cmd_cands *out);

/*
 * complete_line: the candidates for the word that ends line (the whole
 * line is before the cursor), sorted and unique, in out (caller frees
 * with complete_cands_free). When there are none, *hint is the usage of
 * the command being typed (caller frees with free()), else NULL.
 */
void complete_line(const char *line, struct cmd_cands *out, char **hint);

/* complete_install: hook completion into readline. */
void complete_install(void);

/*
 * complete_test_hints: check every "INPUT<TAB>EXPECTED" line of path
 * (EXPECTED: the candidates space-separated, or the usage hint; "#"
 * lines are comments). Prints mismatches; returns the process exit
 * status (0: all matched, 1: a mismatch, 2: file unreadable).
 */
int complete_test_hints(const char *path);

#endif
