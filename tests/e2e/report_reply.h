/* SPDX-License-Identifier: MIT */
/*
 * report_reply.h: reading a ReportReply in the end-to-end tests: a table
 * by name, a column by name, a row by its first cell, a number; each
 * fails the test, naming what is missing. Header-only (static inline):
 * each test includes it after crm_test.h.
 */
#ifndef REPORT_REPLY_H
#define REPORT_REPLY_H

#include <math.h>
#include <string.h>

#include "crm_test.h"

static inline const Crm__V1__ReportTable *
table(const Crm__V1__Response *r, const char *name)
{
	assert_crm_ok(crm_wire_status(r));
	for (size_t i = 0; i < r->report->n_tables; i++) {
		if (strcmp(r->report->tables[i]->name, name) == 0) {
			return r->report->tables[i];
		}
	}
	fail_msg("no table %s", name);
	return NULL;
}

static inline size_t
column(const Crm__V1__ReportTable *t, const char *name)
{
	for (size_t i = 0; i < t->n_columns; i++) {
		if (strcmp(t->columns[i]->name, name) == 0) {
			return i;
		}
	}
	fail_msg("no column %s in %s", name, t->name);
	return 0;
}

static inline const Crm__V1__ReportRow *
row(const Crm__V1__ReportTable *t, const char *label)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const char *text = t->rows[i]->cells[0]->text;
		if (label == NULL || (text && strcmp(text, label) == 0)) {
			return t->rows[i];
		}
	}
	fail_msg("no row %s in %s", label ? label : "(first)", t->name);
	return NULL;
}

static inline double
num(const Crm__V1__Response *r, const char *name, const char *label,
    const char *col)
{
	const Crm__V1__ReportTable *t = table(r, name);
	const Crm__V1__ReportCell *c = row(t, label)->cells[column(t, col)];
	return c->has_number ? c->number : NAN;
}

#define assert_near(a, b)                                         \
	do {                                                      \
		double a_ = (a), b_ = (b);                        \
		if (!(fabs(a_ - b_) < 0.01)) {                    \
			fail_msg("%s = %g, want %g", #a, a_, b_); \
		}                                                 \
	} while (0)

#endif
