/* SPDX-License-Identifier: MIT */
/*
 * dispatch_contract_test.c: the server's dispatch table (server/dispatch.c)
 * agrees with the contract options every Request body field carries in
 * proto/crm.proto (the options at its top): (writes) with the row's kind,
 * (least_role) with its perm, (session) with whether it checks a session.
 * The options come from the descriptor set through tools/gen-proto-table
 * --tsv, run at build time (CONTRACT_TSV). A field without its options, or
 * a row that disagrees, fails with the exact annotation to write.
 */
#include <stdlib.h>
#include <string.h>

#include "crm_test.h"
#include "dispatch.h"

#ifndef CONTRACT_TSV
#error "CONTRACT_TSV: the path of tools/gen-proto-table --tsv's output"
#endif

struct contract_row {
	unsigned number;
	char name[64];
	char reply[64];
	char writes[8];
	char role[32];
	char session[8];
};

static struct contract_row rows[512];
static unsigned n_rows;

static int
load_contract(void **state)
{
	(void)state;
	FILE *f = fopen(CONTRACT_TSV, "r");
	if (f == NULL) {
		print_error("cannot open %s\n", CONTRACT_TSV);
		return -1;
	}
	char line[512];
	while (n_rows < sizeof(rows) / sizeof(rows[0]) &&
	       fgets(line, sizeof(line), f) != NULL) {
		struct contract_row *r = &rows[n_rows];
		if (sscanf(line,
		        "%u\t%63[^\t]\t%63[^\t]\t%7[^\t]\t%31[^\t]\t%7s",
		        &r->number, r->name, r->reply, r->writes, r->role,
		        r->session) == 6) {
			n_rows++;
		}
	}
	fclose(f);
	return n_rows > 0 ? 0 : -1;
}

static const struct contract_row *
contract_for(unsigned number)
{
	for (unsigned i = 0; i < n_rows; i++) {
		if (rows[i].number == number) {
			return &rows[i];
		}
	}
	return NULL;
}

static const char *
role_of_perm(enum dispatch_perm p)
{
	switch (p) {
	case PERM_NONE:
		return "LEAST_ROLE_NONE";
	case PERM_REP:
		return "LEAST_ROLE_REP";
	case PERM_MANAGER:
		return "LEAST_ROLE_MANAGER";
	case PERM_ADMIN:
		return "LEAST_ROLE_ADMIN";
	}
	return "?";
}

/* What the options must say for this row (the reply is not in the table). */
static void
print_annotation(const ProtobufCFieldDescriptor *f,
    const struct dispatch_row *row, const char *reply)
{
	print_error("  Request field %s = %u: its line in proto/crm.proto "
	            "must end\n    %s = %u [(reply) = \"%s\", (writes) = %s, "
	            "(least_role) = %s, (session) = %s];\n",
	    f->name, f->id, f->name, f->id, reply,
	    row->kind == REQ_WRITE ? "true" : "false", role_of_perm(row->perm),
	    row->perm == PERM_NONE ? "false" : "true");
}

static void
every_request_agrees_with_its_options(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	unsigned bad = 0, seen = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		seen++;
		const struct dispatch_row *row =
		    dispatch_row((Crm__V1__Request__BodyCase)f->id);
		if (row == NULL) {
			print_error("Request field %s = %u has no row in "
			            "server/dispatch.c\n",
			    f->name, f->id);
			bad++;
			continue;
		}
		const struct contract_row *c = contract_for(f->id);
		if (c == NULL || strcmp(c->name, f->name) != 0) {
			print_error("Request field %s = %u is not in %s "
			            "(rebuild: tools/gen-proto-table --tsv)\n",
			    f->name, f->id, CONTRACT_TSV);
			bad++;
			continue;
		}
		const char *reply = strcmp(c->reply, "?") == 0   ? "REPLY"
		                    : strcmp(c->reply, "-") == 0 ? ""
		                                                 : c->reply;
		const char *writes = row->kind == REQ_WRITE ? "1" : "0";
		const char *session = row->perm == PERM_NONE ? "0" : "1";
		const char *why = NULL;
		if (strcmp(c->reply, "?") == 0 ||
		    strcmp(c->writes, "?") == 0 || strcmp(c->role, "?") == 0 ||
		    strcmp(c->session, "?") == 0) {
			why = "lacks contract options";
		} else if (strcmp(c->writes, writes) != 0) {
			why = "has (writes) unlike its dispatch row's kind";
		} else if (strcmp(c->role, role_of_perm(row->perm)) != 0) {
			why =
			    "has (least_role) unlike its dispatch row's perm";
		} else if (strcmp(c->session, session) != 0) {
			why = "has (session) unlike its dispatch row's perm";
		}
		if (why != NULL) {
			print_error("Request field %s = %u %s (dispatch row "
			            "\"%s\": %s, %s)\n",
			    f->name, f->id, why, row->name,
			    row->kind == REQ_WRITE ? "REQ_WRITE" : "REQ_READ",
			    role_of_perm(row->perm));
			print_annotation(f, row, reply);
			if (strcmp(reply, "REPLY") == 0) {
				print_error(
				    "  (REPLY: the Response body field "
				    "it answers with, \"\" for none)\n");
			}
			bad++;
		}
	}
	if (bad > 0) {
		fail_msg("%u of %u requests disagree with the contract; fix "
		         "the option (or the dispatch row) as shown above",
		    bad, seen);
	}
	assert_int_equal(seen, n_rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_request_agrees_with_its_options),
	};
	return cmocka_run_group_tests(tests, load_contract, NULL);
}
