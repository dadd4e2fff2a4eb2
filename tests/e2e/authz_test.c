/* SPDX-License-Identifier: MIT */
/*
 * authz_test.c: the authorization matrix. Every Request body x seven
 * callers x (the object of rep A, the object of rep B) against the
 * expected codes in tests/data/authz_matrix.tsv, on a real crmd with a
 * test clock. Beside the code it checks, per cell:
 * - an object out of the caller's scope answers exactly like one that
 *   does not exist (code, retryable and message, the id or login aside);
 * - a refused write changed nothing an admin can see (the objects, their
 *   timelines, users, teams, policy, customers made since);
 * - a successful reply carries no customer the caller may not see.
 * Adding a request: one row in `requests` below, its rows in the table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm_test.h"
#include "harness.h"

#ifndef AUTHZ_MATRIX
#error "AUTHZ_MATRIX must name tests/data/authz_matrix.tsv"
#endif

#define DAY       86400
#define MISSING   900000000u /* ids no fixture reaches */
#define MAX_ROWS  256
#define MAX_FAILS 40

/* ---------------------------------------------------- principals */

enum principal {
	P_NONE,
	P_EXPIRED,
	P_REP_A,
	P_REP_B,
	P_MGR_A,
	P_MGR_OTHER,
	P_ADMIN,
	P_COUNT
};

static const char *const principal_name[P_COUNT] = { "none", "expired",
	"rep_a", "rep_b", "mgr_a", "mgr_other", "admin" };

static struct {
	const char *login, *password;
	uint8_t token[32];
	size_t token_len;
} who[P_COUNT] = {
	[P_REP_A] = { "ra", "pw-ra", { 0 }, 0 },
	[P_REP_B] = { "rb", "pw-rb", { 0 }, 0 },
	[P_MGR_A] = { "ma", "pw-ma", { 0 }, 0 },
	[P_MGR_OTHER] = { "mw", "pw-mw", { 0 }, 0 },
	[P_ADMIN] = { "admin", "admin-pw", { 0 }, 0 },
};

static struct crm_test_server srv;
static char clock_path[300];
static int64_t t0;
static unsigned serial; /* unique names */

static void
set_clock(int64_t t)
{
	FILE *f = fopen(clock_path, "w");
	assert_non_null(f);
	fprintf(f, "%lld\n", (long long)t);
	fclose(f);
}

static void
login_as(enum principal p)
{
	assert_crm_ok(crm_test_login(&srv, who[p].login, who[p].password));
	memcpy(who[p].token, srv.token, 32);
	who[p].token_len = 32;
}

static Crm__V1__Response *
call_as(enum principal p, Crm__V1__Request *req)
{
	srv.token_len = who[p].token_len;
	memcpy(srv.token, who[p].token, who[p].token_len);
	req->has_session_token = 0;
	return crm_test_call(&srv, req);
}

/* ---------------------------------------------------- fixtures */

/* What rep A (or B) owns: made afresh whenever a write succeeded. */
struct objects {
	uint64_t cust, cust2, contact, task, commitment, proposal, followup;
	uint64_t issue, routine;
	char cust_name[64];
	const char *login; /* the rep */
};
static struct objects fx[2];
static int fixtures_dirty[2] = { 1, 1 };

static uint64_t
add_customer(const char *name, const char *owner)
{
	Crm__V1__Request req;
	Crm__V1__CustomerAddRequest a;
	Crm__V1__Customer c;
	crm_test_customer_add_init(&req, &a, &c, name);
	a.owner = (char *)owner;
	Crm__V1__Response *r = call_as(P_ADMIN, &req);
	assert_crm_ok(crm_wire_status(r));
	uint64_t id = r->customer->customer->id;
	crm__v1__response__free_unpacked(r, NULL);
	return id;
}

static void
make_objects(struct objects *o, enum principal rep)
{
	unsigned n = ++serial;
	o->login = who[rep].login;
	snprintf(
	    o->cust_name, sizeof(o->cust_name), "authz %u %s", n, o->login);
	o->cust = add_customer(o->cust_name, o->login);
	char name2[80];
	snprintf(name2, sizeof(name2), "authz %u %s dup", n, o->login);
	o->cust2 = add_customer(name2, o->login);

	Crm__V1__Request req = CRM__V1__REQUEST__INIT;
	Crm__V1__ContactAddRequest ca = CRM__V1__CONTACT_ADD_REQUEST__INIT;
	Crm__V1__Contact ct = CRM__V1__CONTACT__INIT;
	ct.has_customer_id = 1;
	ct.customer_id = o->cust;
	ct.name = "Chen";
	ca.contact = &ct;
	req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	req.contact_add = &ca;
	Crm__V1__Response *r = call_as(rep, &req);
	assert_crm_ok(crm_wire_status(r));
	o->contact = r->contact->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* A follow-up with a promise: a commitment. */
	Crm__V1__Request lreq = CRM__V1__REQUEST__INIT;
	Crm__V1__FollowupLogRequest lr = CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	Crm__V1__FollowUp f = CRM__V1__FOLLOW_UP__INIT;
	Crm__V1__Commitment cm = CRM__V1__COMMITMENT__INIT;
	Crm__V1__Commitment *cms[1] = { &cm };
	cm.text = "send the quote";
	cm.has_due_at = 1;
	cm.due_at = t0 + 3 * DAY;
	f.has_customer_id = 1;
	f.customer_id = o->cust;
	f.summary = "first call";
	f.commitments = cms;
	f.n_commitments = 1;
	lr.followup = &f;
	lreq.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	lreq.followup_log = &lr;
	r = call_as(rep, &lreq);
	assert_crm_ok(crm_wire_status(r));
	o->followup = r->followup->id;
	crm__v1__response__free_unpacked(r, NULL);

	Crm__V1__Request preq = CRM__V1__REQUEST__INIT;
	Crm__V1__GradeProposeRequest gp = CRM__V1__GRADE_PROPOSE_REQUEST__INIT;
	gp.has_customer_id = gp.has_grade = 1;
	gp.customer_id = o->cust;
	gp.grade = CRM__V1__GRADE__GRADE_A;
	gp.reason = "budget approved";
	preq.body_case = CRM__V1__REQUEST__BODY_GRADE_PROPOSE;
	preq.grade_propose = &gp;
	r = call_as(rep, &preq);
	assert_crm_ok(crm_wire_status(r));
	o->proposal = r->proposal->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* An after-sales issue: its two clocks; the issue id is the first's.
	 */
	Crm__V1__Request sreq = CRM__V1__REQUEST__INIT;
	Crm__V1__SlaStartRequest ss = CRM__V1__SLA_START_REQUEST__INIT;
	ss.has_customer_id = ss.has_issue = 1;
	ss.customer_id = o->cust;
	ss.issue = 1;
	ss.text = "machine stopped";
	sreq.body_case = CRM__V1__REQUEST__BODY_SLA_START;
	sreq.sla_start = &ss;
	r = call_as(rep, &sreq);
	assert_crm_ok(crm_wire_status(r));
	o->issue = r->clocks->clocks[0]->issue_id;
	crm__v1__response__free_unpacked(r, NULL);

	/* A task the owner planned (task add): one any of its owner's
	 * people may cancel (a rep may not cancel the month-end re-grade
	 * review, a business rule and not authorization). */
	Crm__V1__Request treq = CRM__V1__REQUEST__INIT;
	Crm__V1__TaskAddRequest ta = CRM__V1__TASK_ADD_REQUEST__INIT;
	ta.has_customer_id = ta.has_due_at = 1;
	ta.customer_id = o->cust;
	ta.due_at = t0 + 2 * DAY;
	ta.goal = "send the brochure";
	treq.body_case = CRM__V1__REQUEST__BODY_TASK_ADD;
	treq.task_add = &ta;
	r = call_as(rep, &treq);
	assert_crm_ok(crm_wire_status(r));
	uint64_t todo = r->task->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* The commitment, from the timeline. */
	/* A calendar routine (每月15日). */
	Crm__V1__Request rreq = CRM__V1__REQUEST__INIT;
	Crm__V1__RoutineAddRequest ra = CRM__V1__ROUTINE_ADD_REQUEST__INIT;
	Crm__V1__Routine rt = CRM__V1__ROUTINE__INIT;
	rt.has_customer_id = rt.has_every = rt.has_day = 1;
	rt.customer_id = o->cust;
	rt.every = CRM__V1__ROUTINE_EVERY__ROUTINE_MONTHLY;
	rt.day = 15;
	rt.goal = "monthly call";
	ra.routine = &rt;
	rreq.body_case = CRM__V1__REQUEST__BODY_ROUTINE_ADD;
	rreq.routine_add = &ra;
	r = call_as(rep, &rreq);
	assert_crm_ok(crm_wire_status(r));
	o->routine = r->routine->id;
	crm__v1__response__free_unpacked(r, NULL);

	/* The commitment and the open re-grade task (one a customer gets
	 * when added, and one that may be cancelled), from the timeline. */
	Crm__V1__Request hreq = CRM__V1__REQUEST__INIT;
	Crm__V1__CustomerHistoryRequest h =
	    CRM__V1__CUSTOMER_HISTORY_REQUEST__INIT;
	h.has_customer_id = 1;
	h.customer_id = o->cust;
	hreq.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HISTORY;
	hreq.customer_history = &h;
	r = call_as(P_ADMIN, &hreq);
	assert_crm_ok(crm_wire_status(r));
	o->task = o->commitment = 0;
	for (size_t i = 0; i < r->history->n_items; i++) {
		const Crm__V1__HistoryItem *it = r->history->items[i];
		if (it->item_case == CRM__V1__HISTORY_ITEM__ITEM_COMMITMENT) {
			o->commitment = it->commitment->id;
		}
	}
	crm__v1__response__free_unpacked(r, NULL);
	o->task = todo;
	assert_true(o->task != 0 && o->commitment != 0);
}

static void
fixtures(void)
{
	/* Only the owner whose object a write changed gets new ones: every
	 * write here is a durable commit, and some machines sync slowly. */
	for (int x = 0; x < 2; x++) {
		if (fixtures_dirty[x]) {
			make_objects(&fx[x], x == 0 ? P_REP_A : P_REP_B);
			fixtures_dirty[x] = 0;
		}
	}
}

/* Whether p may see what rep A (x = 0) or rep B (x = 1) owns. */
static int
in_scope(enum principal p, int x)
{
	return p == P_ADMIN || p == P_MGR_A || (p == P_REP_A && x == 0) ||
	       (p == P_REP_B && x == 1);
}

/* ---------------------------------------------------- requests */

/* What a request names: real objects, or ones that do not exist. */
struct target {
	uint64_t id, id2;  /* the object (and merge's second customer) */
	const char *login; /* a user object */
	const char *name;  /* a customer named by name (import) */
	const char *other; /* the other rep: assignments go there */
	enum principal p;  /* who asks */
};

/* Room for any request body; one builder fills one of them. */
struct rb {
	Crm__V1__Request req;
	Crm__V1__HelloRequest hello;
	Crm__V1__LoginRequest login;
	Crm__V1__LogoutRequest logout;
	Crm__V1__WhoamiRequest whoami;
	Crm__V1__PasswdRequest passwd;
	Crm__V1__UserAddRequest user_add;
	Crm__V1__UserListRequest user_list;
	Crm__V1__UserDisableRequest user_disable;
	Crm__V1__UserPasswdRequest user_passwd;
	Crm__V1__TeamAddRequest team_add;
	Crm__V1__TeamListRequest team_list;
	Crm__V1__CustomerAddRequest customer_add;
	Crm__V1__Customer customer;
	Crm__V1__CustomerGetRequest customer_get;
	Crm__V1__CustomerEditRequest customer_edit;
	Crm__V1__FieldValue field;
	Crm__V1__FieldValue *fields[1];
	Crm__V1__CustomerListRequest customer_list;
	Crm__V1__CustomerFindRequest customer_find;
	Crm__V1__CustomerAssignRequest customer_assign;
	Crm__V1__ContactAddRequest contact_add;
	Crm__V1__Contact contact;
	Crm__V1__ContactListRequest contact_list;
	Crm__V1__ContactLeftRequest contact_left;
	Crm__V1__FollowupLogRequest followup_log;
	Crm__V1__FollowUp followup;
	Crm__V1__CustomerHistoryRequest customer_history;
	Crm__V1__DueRequest due;
	Crm__V1__TaskAddRequest task_add;
	Crm__V1__TaskIdRequest task_id;
	Crm__V1__TaskMoveRequest task_move;
	Crm__V1__TaskAssignRequest task_assign;
	Crm__V1__PolicyGetRequest policy_get;
	Crm__V1__PolicySetRequest policy_set;
	Crm__V1__StageSetRequest stage_set;
	Crm__V1__GradeProposeRequest grade_propose;
	Crm__V1__GradePendingRequest grade_pending;
	Crm__V1__GradeDecideRequest grade_decide;
	Crm__V1__SlaStartRequest sla_start;
	Crm__V1__SlaListRequest sla_list;
	Crm__V1__CommitmentListRequest commitment_list;
	Crm__V1__CommitmentDoneRequest commitment_done;
	Crm__V1__StaleRequest stale;
	Crm__V1__RemindersRequest reminders;
	Crm__V1__ReportRequest report;
	Crm__V1__ExportRequest export_page;
	Crm__V1__ImportRequest import_batch;
	Crm__V1__ImportRow row;
	Crm__V1__ImportRow *rows[1];
	Crm__V1__Contact row_contact;
	Crm__V1__CustomerMergeRequest customer_merge;
	Crm__V1__CustomerMergeRequest customer_merge_preview;
	Crm__V1__BackupRequest backup;
	Crm__V1__ChangesRequest changes;
	Crm__V1__PurchaseAddRequest purchase_add;
	Crm__V1__Purchase purchase;
	Crm__V1__PurchaseListRequest purchase_list;
	Crm__V1__PolicyValueSetRequest policy_value_set;
	Crm__V1__ValuePolicy value;
	Crm__V1__FollowupAttachRequest followup_attach;
	Crm__V1__Attachment attachment;
	Crm__V1__ContactVerifyRequest contact_verify;
	Crm__V1__CustomerCheckRequest customer_check;
	Crm__V1__IssueResolveRequest issue_resolve;
	Crm__V1__IssueListRequest issue_list;
	Crm__V1__IssueEscalateRequest issue_escalate;
	Crm__V1__FollowupGetRequest followup_get;
	Crm__V1__ContactEditRequest contact_edit;
	Crm__V1__AuditListRequest audit_list;
	Crm__V1__CalendarImportRequest calendar_import;
	Crm__V1__CalendarDay day;
	Crm__V1__CalendarDay *days[1];
	Crm__V1__CalendarShowRequest calendar_show;
	Crm__V1__RoutineAddRequest routine_add;
	Crm__V1__Routine routine;
	Crm__V1__RoutineListRequest routine_list;
	Crm__V1__RoutineStopRequest routine_stop;
	Crm__V1__CustomerReleaseRequest customer_release;
	Crm__V1__PoolListRequest pool_list;
	Crm__V1__PoolClaimRequest pool_claim;
	Crm__V1__PolicyPoolRequest policy_pool;
	Crm__V1__CustomerHandoverRequest customer_handover;
	Crm__V1__CustomerWhyRequest customer_why;
	Crm__V1__StatsRequest stats;
	char text[64];
};

enum obj {
	O_NONE,
	O_CUST,
	O_CONTACT,
	O_FOLLOWUP,
	O_TASK,
	O_COMMITMENT,
	O_PROPOSAL,
	O_ISSUE,
	O_ROUTINE,
	O_USER,
	O_CUST_NAME
};
enum { F_WRITE = 1, F_LAST = 2 };

typedef void build_fn(struct rb *, const struct target *);

#define R(x) (b->req.x)

static void
b_hello(struct rb *b, const struct target *t)
{
	(void)t;
	b->hello = (Crm__V1__HelloRequest)CRM__V1__HELLO_REQUEST__INIT;
	b->hello.client = "authz_test";
	b->req.body_case = CRM__V1__REQUEST__BODY_HELLO;
	R(hello) = &b->hello;
}

static void
b_login(struct rb *b, const struct target *t)
{
	(void)t;
	b->login = (Crm__V1__LoginRequest)CRM__V1__LOGIN_REQUEST__INIT;
	b->login.login = (char *)who[P_REP_A].login;
	b->login.password = (char *)who[P_REP_A].password;
	b->req.body_case = CRM__V1__REQUEST__BODY_LOGIN;
	R(login) = &b->login;
}

static void
b_logout(struct rb *b, const struct target *t)
{
	(void)t;
	b->logout = (Crm__V1__LogoutRequest)CRM__V1__LOGOUT_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_LOGOUT;
	R(logout) = &b->logout;
}

static void
b_whoami(struct rb *b, const struct target *t)
{
	(void)t;
	b->whoami = (Crm__V1__WhoamiRequest)CRM__V1__WHOAMI_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_WHOAMI;
	R(whoami) = &b->whoami;
}

static void
b_passwd(struct rb *b, const struct target *t)
{
	enum principal p = who[t->p].password ? t->p : P_REP_A;
	b->passwd = (Crm__V1__PasswdRequest)CRM__V1__PASSWD_REQUEST__INIT;
	b->passwd.old_password = (char *)who[p].password;
	b->passwd.new_password = (char *)who[p].password;
	b->req.body_case = CRM__V1__REQUEST__BODY_PASSWD;
	R(passwd) = &b->passwd;
}

static void
b_user_add(struct rb *b, const struct target *t)
{
	(void)t;
	b->user_add = (Crm__V1__UserAddRequest)CRM__V1__USER_ADD_REQUEST__INIT;
	snprintf(b->text, sizeof(b->text), "new%u", ++serial);
	b->user_add.login = b->text;
	b->user_add.has_role = 1;
	b->user_add.role = CRM__V1__ROLE__ROLE_REP;
	b->user_add.team = "east";
	b->user_add.password = "pw-new";
	b->req.body_case = CRM__V1__REQUEST__BODY_USER_ADD;
	R(user_add) = &b->user_add;
}

static void
b_user_list(struct rb *b, const struct target *t)
{
	(void)t;
	b->user_list =
	    (Crm__V1__UserListRequest)CRM__V1__USER_LIST_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_USER_LIST;
	R(user_list) = &b->user_list;
}

static void
b_user_disable(struct rb *b, const struct target *t)
{
	b->user_disable =
	    (Crm__V1__UserDisableRequest)CRM__V1__USER_DISABLE_REQUEST__INIT;
	b->user_disable.login = (char *)t->login;
	b->req.body_case = CRM__V1__REQUEST__BODY_USER_DISABLE;
	R(user_disable) = &b->user_disable;
}

/* A reset to the password the user already has: the fixtures go on. */
static void
b_user_passwd(struct rb *b, const struct target *t)
{
	b->user_passwd =
	    (Crm__V1__UserPasswdRequest)CRM__V1__USER_PASSWD_REQUEST__INIT;
	b->user_passwd.login = (char *)t->login;
	b->user_passwd.new_password = "pw-reset";
	for (int p = 0; p < P_COUNT; p++) {
		if (who[p].login != NULL && t->login != NULL &&
		    strcmp(who[p].login, t->login) == 0) {
			b->user_passwd.new_password = (char *)who[p].password;
		}
	}
	b->req.body_case = CRM__V1__REQUEST__BODY_USER_PASSWD;
	R(user_passwd) = &b->user_passwd;
}

static void
b_team_add(struct rb *b, const struct target *t)
{
	(void)t;
	b->team_add = (Crm__V1__TeamAddRequest)CRM__V1__TEAM_ADD_REQUEST__INIT;
	snprintf(b->text, sizeof(b->text), "team %u", ++serial);
	b->team_add.name = b->text;
	b->req.body_case = CRM__V1__REQUEST__BODY_TEAM_ADD;
	R(team_add) = &b->team_add;
}

static void
b_team_list(struct rb *b, const struct target *t)
{
	(void)t;
	b->team_list =
	    (Crm__V1__TeamListRequest)CRM__V1__TEAM_LIST_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_TEAM_LIST;
	R(team_list) = &b->team_list;
}

static void
b_customer_add(struct rb *b, const struct target *t)
{
	b->customer_add =
	    (Crm__V1__CustomerAddRequest)CRM__V1__CUSTOMER_ADD_REQUEST__INIT;
	b->customer = (Crm__V1__Customer)CRM__V1__CUSTOMER__INIT;
	snprintf(b->text, sizeof(b->text), "added %u", ++serial);
	b->customer.name = b->text;
	b->customer_add.customer = &b->customer;
	/* An admin adds for a rep: an admin's own customer has no team,
	 * which crm-check (and so backup) reports as damage. */
	if (t->p == P_ADMIN) {
		b->customer_add.owner = (char *)who[P_REP_A].login;
	}
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ADD;
	R(customer_add) = &b->customer_add;
}

static void
b_customer_get(struct rb *b, const struct target *t)
{
	b->customer_get =
	    (Crm__V1__CustomerGetRequest)CRM__V1__CUSTOMER_GET_REQUEST__INIT;
	b->customer_get.has_id = 1;
	b->customer_get.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_GET;
	R(customer_get) = &b->customer_get;
}

static void
b_customer_edit(struct rb *b, const struct target *t)
{
	b->customer_edit =
	    (Crm__V1__CustomerEditRequest)CRM__V1__CUSTOMER_EDIT_REQUEST__INIT;
	b->field = (Crm__V1__FieldValue)CRM__V1__FIELD_VALUE__INIT;
	b->field.field = "region";
	b->field.value = "south";
	b->fields[0] = &b->field;
	b->customer_edit.has_id = 1;
	b->customer_edit.id = t->id;
	b->customer_edit.fields = b->fields;
	b->customer_edit.n_fields = 1;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_EDIT;
	R(customer_edit) = &b->customer_edit;
}

static void
b_customer_list(struct rb *b, const struct target *t)
{
	b->customer_list =
	    (Crm__V1__CustomerListRequest)CRM__V1__CUSTOMER_LIST_REQUEST__INIT;
	b->customer_list.owner = (char *)t->login;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_LIST;
	R(customer_list) = &b->customer_list;
}

static void
b_customer_find(struct rb *b, const struct target *t)
{
	(void)t;
	b->customer_find =
	    (Crm__V1__CustomerFindRequest)CRM__V1__CUSTOMER_FIND_REQUEST__INIT;
	b->customer_find.text = "authz";
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_FIND;
	R(customer_find) = &b->customer_find;
}

static void
b_customer_assign(struct rb *b, const struct target *t)
{
	b->customer_assign = (Crm__V1__CustomerAssignRequest)
	    CRM__V1__CUSTOMER_ASSIGN_REQUEST__INIT;
	b->customer_assign.has_id = 1;
	b->customer_assign.id = t->id;
	b->customer_assign.owner = (char *)t->other;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_ASSIGN;
	R(customer_assign) = &b->customer_assign;
}

static void
b_contact_add(struct rb *b, const struct target *t)
{
	b->contact_add =
	    (Crm__V1__ContactAddRequest)CRM__V1__CONTACT_ADD_REQUEST__INIT;
	b->contact = (Crm__V1__Contact)CRM__V1__CONTACT__INIT;
	b->contact.has_customer_id = 1;
	b->contact.customer_id = t->id;
	b->contact.name = "Wu";
	b->contact_add.contact = &b->contact;
	b->req.body_case = CRM__V1__REQUEST__BODY_CONTACT_ADD;
	R(contact_add) = &b->contact_add;
}

static void
b_contact_list(struct rb *b, const struct target *t)
{
	b->contact_list =
	    (Crm__V1__ContactListRequest)CRM__V1__CONTACT_LIST_REQUEST__INIT;
	b->contact_list.has_customer_id = 1;
	b->contact_list.customer_id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CONTACT_LIST;
	R(contact_list) = &b->contact_list;
}

static void
b_contact_left(struct rb *b, const struct target *t)
{
	b->contact_left =
	    (Crm__V1__ContactLeftRequest)CRM__V1__CONTACT_LEFT_REQUEST__INIT;
	b->contact_left.has_id = 1;
	b->contact_left.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CONTACT_LEFT;
	R(contact_left) = &b->contact_left;
}

static void
b_followup_log(struct rb *b, const struct target *t)
{
	b->followup_log =
	    (Crm__V1__FollowupLogRequest)CRM__V1__FOLLOWUP_LOG_REQUEST__INIT;
	b->followup = (Crm__V1__FollowUp)CRM__V1__FOLLOW_UP__INIT;
	b->followup.has_customer_id = 1;
	b->followup.customer_id = t->id;
	b->followup.summary = "called again";
	b->followup_log.followup = &b->followup;
	b->req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_LOG;
	R(followup_log) = &b->followup_log;
}

static void
b_customer_history(struct rb *b, const struct target *t)
{
	b->customer_history = (Crm__V1__CustomerHistoryRequest)
	    CRM__V1__CUSTOMER_HISTORY_REQUEST__INIT;
	b->customer_history.has_customer_id = 1;
	b->customer_history.customer_id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HISTORY;
	R(customer_history) = &b->customer_history;
}

static void
b_due(struct rb *b, const struct target *t)
{
	b->due = (Crm__V1__DueRequest)CRM__V1__DUE_REQUEST__INIT;
	b->due.has_window = 1;
	b->due.window = CRM__V1__DUE_WINDOW__DUE_ALL;
	b->due.user = (char *)t->login;
	b->req.body_case = CRM__V1__REQUEST__BODY_DUE;
	R(due) = &b->due;
}

static void
b_task_add(struct rb *b, const struct target *t)
{
	b->task_add = (Crm__V1__TaskAddRequest)CRM__V1__TASK_ADD_REQUEST__INIT;
	b->task_add.has_customer_id = b->task_add.has_due_at = 1;
	b->task_add.customer_id = t->id;
	b->task_add.due_at = t0 + DAY;
	b->task_add.goal = "confirm the terms";
	b->req.body_case = CRM__V1__REQUEST__BODY_TASK_ADD;
	R(task_add) = &b->task_add;
}

static void
task_id(struct rb *b, const struct target *t, Crm__V1__Request__BodyCase c)
{
	b->task_id = (Crm__V1__TaskIdRequest)CRM__V1__TASK_ID_REQUEST__INIT;
	b->task_id.has_id = 1;
	b->task_id.id = t->id;
	b->req.body_case = c;
	if (c == CRM__V1__REQUEST__BODY_TASK_DONE) {
		R(task_done) = &b->task_id;
	} else {
		R(task_cancel) = &b->task_id;
	}
}

static void
b_task_done(struct rb *b, const struct target *t)
{
	task_id(b, t, CRM__V1__REQUEST__BODY_TASK_DONE);
}

static void
b_task_cancel(struct rb *b, const struct target *t)
{
	task_id(b, t, CRM__V1__REQUEST__BODY_TASK_CANCEL);
}

static void
b_task_move(struct rb *b, const struct target *t)
{
	b->task_move =
	    (Crm__V1__TaskMoveRequest)CRM__V1__TASK_MOVE_REQUEST__INIT;
	b->task_move.has_id = b->task_move.has_due_at = 1;
	b->task_move.id = t->id;
	b->task_move.due_at = t0 + 2 * DAY;
	b->req.body_case = CRM__V1__REQUEST__BODY_TASK_MOVE;
	R(task_move) = &b->task_move;
}

static void
b_task_assign(struct rb *b, const struct target *t)
{
	b->task_assign =
	    (Crm__V1__TaskAssignRequest)CRM__V1__TASK_ASSIGN_REQUEST__INIT;
	b->task_assign.has_id = 1;
	b->task_assign.id = t->id;
	b->task_assign.owner = (char *)t->other;
	b->req.body_case = CRM__V1__REQUEST__BODY_TASK_ASSIGN;
	R(task_assign) = &b->task_assign;
}

static void
b_policy_get(struct rb *b, const struct target *t)
{
	(void)t;
	b->policy_get =
	    (Crm__V1__PolicyGetRequest)CRM__V1__POLICY_GET_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_POLICY_GET;
	R(policy_get) = &b->policy_get;
}

static void
b_policy_set(struct rb *b, const struct target *t)
{
	(void)t;
	b->policy_set =
	    (Crm__V1__PolicySetRequest)CRM__V1__POLICY_SET_REQUEST__INIT;
	b->policy_set.has_grade = 1;
	b->policy_set.grade = CRM__V1__GRADE__GRADE_C;
	snprintf(b->text, sizeof(b->text), "focus %u", ++serial);
	b->policy_set.focus = b->text;
	b->req.body_case = CRM__V1__REQUEST__BODY_POLICY_SET;
	R(policy_set) = &b->policy_set;
}

/* The same change, answered with what it would do; nothing kept. */
static void
b_policy_dry_run(struct rb *b, const struct target *t)
{
	b_policy_set(b, t);
	b->req.body_case = CRM__V1__REQUEST__BODY_POLICY_DRY_RUN;
	R(policy_dry_run) = &b->policy_set;
}

static void
b_stage_set(struct rb *b, const struct target *t)
{
	b->stage_set =
	    (Crm__V1__StageSetRequest)CRM__V1__STAGE_SET_REQUEST__INIT;
	b->stage_set.has_customer_id = b->stage_set.has_stage = 1;
	b->stage_set.customer_id = t->id;
	b->stage_set.stage = CRM__V1__STAGE__STAGE_INTENT;
	b->req.body_case = CRM__V1__REQUEST__BODY_STAGE_SET;
	R(stage_set) = &b->stage_set;
}

static void
b_grade_propose(struct rb *b, const struct target *t)
{
	b->grade_propose =
	    (Crm__V1__GradeProposeRequest)CRM__V1__GRADE_PROPOSE_REQUEST__INIT;
	b->grade_propose.has_customer_id = b->grade_propose.has_grade = 1;
	b->grade_propose.customer_id = t->id;
	b->grade_propose.grade = CRM__V1__GRADE__GRADE_S;
	b->grade_propose.reason = "big order coming";
	b->req.body_case = CRM__V1__REQUEST__BODY_GRADE_PROPOSE;
	R(grade_propose) = &b->grade_propose;
}

static void
b_grade_pending(struct rb *b, const struct target *t)
{
	(void)t;
	b->grade_pending =
	    (Crm__V1__GradePendingRequest)CRM__V1__GRADE_PENDING_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_GRADE_PENDING;
	R(grade_pending) = &b->grade_pending;
}

static void
grade_decide(struct rb *b, const struct target *t, int approve)
{
	b->grade_decide =
	    (Crm__V1__GradeDecideRequest)CRM__V1__GRADE_DECIDE_REQUEST__INIT;
	b->grade_decide.has_id = 1;
	b->grade_decide.id = t->id;
	b->grade_decide.reason = "no budget yet";
	if (approve) {
		b->req.body_case = CRM__V1__REQUEST__BODY_GRADE_APPROVE;
		R(grade_approve) = &b->grade_decide;
	} else {
		b->req.body_case = CRM__V1__REQUEST__BODY_GRADE_REJECT;
		R(grade_reject) = &b->grade_decide;
	}
}

static void
b_grade_approve(struct rb *b, const struct target *t)
{
	grade_decide(b, t, 1);
}

static void
b_grade_reject(struct rb *b, const struct target *t)
{
	grade_decide(b, t, 0);
}

static void
b_sla_start(struct rb *b, const struct target *t)
{
	b->sla_start =
	    (Crm__V1__SlaStartRequest)CRM__V1__SLA_START_REQUEST__INIT;
	b->sla_start.has_customer_id = 1;
	b->sla_start.customer_id = t->id;
	b->sla_start.text = "price for 200 units?";
	b->req.body_case = CRM__V1__REQUEST__BODY_SLA_START;
	R(sla_start) = &b->sla_start;
}

static void
b_sla_list(struct rb *b, const struct target *t)
{
	(void)t;
	b->sla_list = (Crm__V1__SlaListRequest)CRM__V1__SLA_LIST_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_SLA_LIST;
	R(sla_list) = &b->sla_list;
}

static void
b_commitment_list(struct rb *b, const struct target *t)
{
	(void)t;
	b->commitment_list = (Crm__V1__CommitmentListRequest)
	    CRM__V1__COMMITMENT_LIST_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_LIST;
	R(commitment_list) = &b->commitment_list;
}

static void
b_commitment_done(struct rb *b, const struct target *t)
{
	b->commitment_done = (Crm__V1__CommitmentDoneRequest)
	    CRM__V1__COMMITMENT_DONE_REQUEST__INIT;
	b->commitment_done.has_id = 1;
	b->commitment_done.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_COMMITMENT_DONE;
	R(commitment_done) = &b->commitment_done;
}

static void
b_stale(struct rb *b, const struct target *t)
{
	(void)t;
	b->stale = (Crm__V1__StaleRequest)CRM__V1__STALE_REQUEST__INIT;
	b->stale.has_hours = 1;
	b->stale.hours = 1;
	b->req.body_case = CRM__V1__REQUEST__BODY_STALE;
	R(stale) = &b->stale;
}

static void
b_reminders(struct rb *b, const struct target *t)
{
	(void)t;
	b->reminders =
	    (Crm__V1__RemindersRequest)CRM__V1__REMINDERS_REQUEST__INIT;
	b->reminders.has_ahead_seconds = 1;
	b->reminders.ahead_seconds = 7 * DAY;
	b->req.body_case = CRM__V1__REQUEST__BODY_REMINDERS;
	R(reminders) = &b->reminders;
}

static void
b_report(struct rb *b, const struct target *t)
{
	b->report = (Crm__V1__ReportRequest)CRM__V1__REPORT_REQUEST__INIT;
	b->report.has_kind = 1;
	b->report.kind = CRM__V1__REPORT_KIND__REPORT_FUNNEL;
	b->report.user = (char *)t->login;
	b->req.body_case = CRM__V1__REQUEST__BODY_REPORT;
	R(report) = &b->report;
}

/* A page that goes on inside customer t's follow-ups: a cursor naming a
 * customer the caller may not see answers as one naming none. */
static void
b_export_cursor(struct rb *b, const struct target *t)
{
	b->export_page = (Crm__V1__ExportRequest)CRM__V1__EXPORT_REQUEST__INIT;
	b->export_page.has_kind = 1;
	b->export_page.kind = CRM__V1__EXPORT_KIND__EXPORT_FOLLOWUPS;
	b->export_page.has_cursor_customer = b->export_page.has_cursor_id = 1;
	b->export_page.cursor_customer = t->id;
	b->export_page.cursor_id = 0;
	b->req.body_case = CRM__V1__REQUEST__BODY_EXPORT_PAGE;
	R(export_page) = &b->export_page;
}

static void
b_export_page(struct rb *b, const struct target *t)
{
	b->export_page = (Crm__V1__ExportRequest)CRM__V1__EXPORT_REQUEST__INIT;
	b->export_page.has_kind = 1;
	b->export_page.kind = CRM__V1__EXPORT_KIND__EXPORT_CUSTOMERS;
	b->export_page.user = (char *)t->login;
	b->req.body_case = CRM__V1__REQUEST__BODY_EXPORT_PAGE;
	R(export_page) = &b->export_page;
}

static void
b_import_batch(struct rb *b, const struct target *t)
{
	b->import_batch =
	    (Crm__V1__ImportRequest)CRM__V1__IMPORT_REQUEST__INIT;
	b->row = (Crm__V1__ImportRow)CRM__V1__IMPORT_ROW__INIT;
	b->row_contact = (Crm__V1__Contact)CRM__V1__CONTACT__INIT;
	snprintf(b->text, sizeof(b->text), "Imported %u", ++serial);
	b->row_contact.name = b->text;
	b->row.has_row = 1;
	b->row.row = 1;
	b->row.contact = &b->row_contact;
	b->row.customer_name = (char *)t->name;
	b->rows[0] = &b->row;
	b->import_batch.has_kind = 1;
	b->import_batch.kind = CRM__V1__IMPORT_KIND__IMPORT_CONTACTS;
	b->import_batch.rows = b->rows;
	b->import_batch.n_rows = 1;
	b->req.body_case = CRM__V1__REQUEST__BODY_IMPORT_BATCH;
	R(import_batch) = &b->import_batch;
}

static void
b_customer_merge(struct rb *b, const struct target *t)
{
	b->customer_merge = (Crm__V1__CustomerMergeRequest)
	    CRM__V1__CUSTOMER_MERGE_REQUEST__INIT;
	b->customer_merge.has_keep = b->customer_merge.has_drop = 1;
	b->customer_merge.keep = t->id;
	b->customer_merge.drop = t->id2;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_MERGE;
	R(customer_merge) = &b->customer_merge;
}

static void
b_customer_merge_preview(struct rb *b, const struct target *t)
{
	b->customer_merge_preview = (Crm__V1__CustomerMergeRequest)
	    CRM__V1__CUSTOMER_MERGE_REQUEST__INIT;
	b->customer_merge_preview.has_keep =
	    b->customer_merge_preview.has_drop = 1;
	b->customer_merge_preview.keep = t->id;
	b->customer_merge_preview.drop = t->id2;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_MERGE_PREVIEW;
	R(customer_merge_preview) = &b->customer_merge_preview;
}

static void
b_backup(struct rb *b, const struct target *t)
{
	(void)t;
	b->backup = (Crm__V1__BackupRequest)CRM__V1__BACKUP_REQUEST__INIT;
	snprintf(b->text, sizeof(b->text), "authz-%u", ++serial);
	b->backup.dir = b->text; /* beside the test's data folder */
	b->req.body_case = CRM__V1__REQUEST__BODY_BACKUP;
	R(backup) = &b->backup;
}

static void
b_changes(struct rb *b, const struct target *t)
{
	(void)t;
	b->changes = (Crm__V1__ChangesRequest)CRM__V1__CHANGES_REQUEST__INIT;
	b->changes.has_limit = 1;
	b->changes.limit = 50;
	b->req.body_case = CRM__V1__REQUEST__BODY_CHANGES;
	R(changes) = &b->changes;
}

static void
b_purchase_add(struct rb *b, const struct target *t)
{
	b->purchase_add =
	    (Crm__V1__PurchaseAddRequest)CRM__V1__PURCHASE_ADD_REQUEST__INIT;
	b->purchase = (Crm__V1__Purchase)CRM__V1__PURCHASE__INIT;
	b->purchase.has_customer_id = b->purchase.has_amount = 1;
	b->purchase.customer_id = t->id;
	b->purchase.amount = 100000;
	b->purchase.product = "spare parts";
	b->purchase_add.purchase = &b->purchase;
	b->req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_ADD;
	R(purchase_add) = &b->purchase_add;
}

static void
b_purchase_list(struct rb *b, const struct target *t)
{
	b->purchase_list =
	    (Crm__V1__PurchaseListRequest)CRM__V1__PURCHASE_LIST_REQUEST__INIT;
	b->purchase_list.has_customer_id = 1;
	b->purchase_list.customer_id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_PURCHASE_LIST;
	R(purchase_list) = &b->purchase_list;
}

static void
b_policy_value_set(struct rb *b, const struct target *t)
{
	(void)t;
	b->policy_value_set = (Crm__V1__PolicyValueSetRequest)
	    CRM__V1__POLICY_VALUE_SET_REQUEST__INIT;
	b->value = (Crm__V1__ValuePolicy)CRM__V1__VALUE_POLICY__INIT;
	b->value.has_frequency_high = b->value.has_frequency_medium = 1;
	b->value.frequency_high = 6;
	b->value.frequency_medium = 3;
	b->policy_value_set.value = &b->value;
	b->req.body_case = CRM__V1__REQUEST__BODY_POLICY_VALUE_SET;
	R(policy_value_set) = &b->policy_value_set;
}

static void
b_followup_attach(struct rb *b, const struct target *t)
{
	b->followup_attach = (Crm__V1__FollowupAttachRequest)
	    CRM__V1__FOLLOWUP_ATTACH_REQUEST__INIT;
	b->attachment = (Crm__V1__Attachment)CRM__V1__ATTACHMENT__INIT;
	b->attachment.location = "https://files.example.com/minutes.pdf";
	b->followup_attach.has_followup_id = 1;
	b->followup_attach.followup_id = t->id;
	b->followup_attach.attachment = &b->attachment;
	b->req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_ATTACH;
	R(followup_attach) = &b->followup_attach;
}

static void
b_contact_verify(struct rb *b, const struct target *t)
{
	b->contact_verify = (Crm__V1__ContactVerifyRequest)
	    CRM__V1__CONTACT_VERIFY_REQUEST__INIT;
	b->contact_verify.has_id = 1;
	b->contact_verify.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CONTACT_VERIFY;
	R(contact_verify) = &b->contact_verify;
}

static void
b_customer_check(struct rb *b, const struct target *t)
{
	b->customer_check = (Crm__V1__CustomerCheckRequest)
	    CRM__V1__CUSTOMER_CHECK_REQUEST__INIT;
	b->customer_check.has_id = 1;
	b->customer_check.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_CHECK;
	R(customer_check) = &b->customer_check;
}

static void
b_issue_resolve(struct rb *b, const struct target *t)
{
	b->issue_resolve =
	    (Crm__V1__IssueResolveRequest)CRM__V1__ISSUE_RESOLVE_REQUEST__INIT;
	b->issue_resolve.has_id = 1;
	b->issue_resolve.id = t->id;
	b->issue_resolve.resolution = "replaced the sensor";
	b->req.body_case = CRM__V1__REQUEST__BODY_ISSUE_RESOLVE;
	R(issue_resolve) = &b->issue_resolve;
}

static void
b_issue_escalate(struct rb *b, const struct target *t)
{
	b->issue_escalate = (Crm__V1__IssueEscalateRequest)
	    CRM__V1__ISSUE_ESCALATE_REQUEST__INIT;
	b->issue_escalate.has_id = 1;
	b->issue_escalate.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_ISSUE_ESCALATE;
	R(issue_escalate) = &b->issue_escalate;
}

static void
b_issue_list(struct rb *b, const struct target *t)
{
	(void)t;
	b->issue_list =
	    (Crm__V1__IssueListRequest)CRM__V1__ISSUE_LIST_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_ISSUE_LIST;
	R(issue_list) = &b->issue_list;
}

static void
b_followup_get(struct rb *b, const struct target *t)
{
	b->followup_get =
	    (Crm__V1__FollowupGetRequest)CRM__V1__FOLLOWUP_GET_REQUEST__INIT;
	b->followup_get.has_id = 1;
	b->followup_get.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_FOLLOWUP_GET;
	R(followup_get) = &b->followup_get;
}

static void
b_contact_edit(struct rb *b, const struct target *t)
{
	b->contact_edit =
	    (Crm__V1__ContactEditRequest)CRM__V1__CONTACT_EDIT_REQUEST__INIT;
	b->field = (Crm__V1__FieldValue)CRM__V1__FIELD_VALUE__INIT;
	b->field.field = "title";
	b->field.value = "采购总监";
	b->fields[0] = &b->field;
	b->contact_edit.has_id = 1;
	b->contact_edit.id = t->id;
	b->contact_edit.fields = b->fields;
	b->contact_edit.n_fields = 1;
	b->req.body_case = CRM__V1__REQUEST__BODY_CONTACT_EDIT;
	R(contact_edit) = &b->contact_edit;
}

static void
b_audit_list(struct rb *b, const struct target *t)
{
	b->audit_list =
	    (Crm__V1__AuditListRequest)CRM__V1__AUDIT_LIST_REQUEST__INIT;
	b->audit_list.has_customer_id = 1;
	b->audit_list.customer_id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_AUDIT_LIST;
	R(audit_list) = &b->audit_list;
}

static void
b_calendar_import(struct rb *b, const struct target *t)
{
	(void)t;
	b->calendar_import = (Crm__V1__CalendarImportRequest)
	    CRM__V1__CALENDAR_IMPORT_REQUEST__INIT;
	b->day = (Crm__V1__CalendarDay)CRM__V1__CALENDAR_DAY__INIT;
	b->day.date = "2031-05-01"; /* a year nothing else here touches */
	b->day.has_kind = 1;
	b->day.kind = CRM__V1__DAY_KIND__DAY_HOLIDAY;
	b->day.name = "劳动节";
	b->days[0] = &b->day;
	b->calendar_import.days = b->days;
	b->calendar_import.n_days = 1;
	b->req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_IMPORT;
	R(calendar_import) = &b->calendar_import;
}

static void
b_calendar_show(struct rb *b, const struct target *t)
{
	(void)t;
	b->calendar_show =
	    (Crm__V1__CalendarShowRequest)CRM__V1__CALENDAR_SHOW_REQUEST__INIT;
	b->calendar_show.has_year = 1;
	b->calendar_show.year = 2031;
	b->req.body_case = CRM__V1__REQUEST__BODY_CALENDAR_SHOW;
	R(calendar_show) = &b->calendar_show;
}

static void
b_routine_add(struct rb *b, const struct target *t)
{
	b->routine_add =
	    (Crm__V1__RoutineAddRequest)CRM__V1__ROUTINE_ADD_REQUEST__INIT;
	b->routine = (Crm__V1__Routine)CRM__V1__ROUTINE__INIT;
	b->routine.has_customer_id = b->routine.has_every = 1;
	b->routine.has_day = 1;
	b->routine.customer_id = t->id;
	b->routine.every = CRM__V1__ROUTINE_EVERY__ROUTINE_WEEKLY;
	b->routine.day = 3;
	b->routine.goal = "sync";
	b->routine_add.routine = &b->routine;
	b->req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_ADD;
	R(routine_add) = &b->routine_add;
}

static void
b_routine_list(struct rb *b, const struct target *t)
{
	b->routine_list =
	    (Crm__V1__RoutineListRequest)CRM__V1__ROUTINE_LIST_REQUEST__INIT;
	b->routine_list.has_customer_id = 1;
	b->routine_list.customer_id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_LIST;
	R(routine_list) = &b->routine_list;
}

static void
b_routine_stop(struct rb *b, const struct target *t)
{
	b->routine_stop =
	    (Crm__V1__RoutineStopRequest)CRM__V1__ROUTINE_STOP_REQUEST__INIT;
	b->routine_stop.has_id = 1;
	b->routine_stop.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_ROUTINE_STOP;
	R(routine_stop) = &b->routine_stop;
}

static void
b_customer_release(struct rb *b, const struct target *t)
{
	b->customer_release = (Crm__V1__CustomerReleaseRequest)
	    CRM__V1__CUSTOMER_RELEASE_REQUEST__INIT;
	b->customer_release.has_id = 1;
	b->customer_release.id = t->id;
	b->customer_release.reason = "authz";
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_RELEASE;
	R(customer_release) = &b->customer_release;
}

static void
b_pool_list(struct rb *b, const struct target *t)
{
	(void)t;
	b->pool_list =
	    (Crm__V1__PoolListRequest)CRM__V1__POOL_LIST_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_POOL_LIST;
	R(pool_list) = &b->pool_list;
}

/* A customer its owner holds: never in the pool, so nobody may claim it
 * and only who may see it learns why. */
static void
b_pool_claim(struct rb *b, const struct target *t)
{
	b->pool_claim =
	    (Crm__V1__PoolClaimRequest)CRM__V1__POOL_CLAIM_REQUEST__INIT;
	b->pool_claim.has_id = 1;
	b->pool_claim.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_POOL_CLAIM;
	R(pool_claim) = &b->pool_claim;
}

static void
b_policy_pool(struct rb *b, const struct target *t)
{
	(void)t;
	b->policy_pool =
	    (Crm__V1__PolicyPoolRequest)CRM__V1__POLICY_POOL_REQUEST__INIT;
	b->policy_pool.has_claims_per_day = 1;
	b->policy_pool.claims_per_day = 0;
	b->req.body_case = CRM__V1__REQUEST__BODY_POLICY_POOL;
	R(policy_pool) = &b->policy_pool;
}

/* The user's customers to the other rep. */
static void
b_customer_handover(struct rb *b, const struct target *t)
{
	b->customer_handover = (Crm__V1__CustomerHandoverRequest)
	    CRM__V1__CUSTOMER_HANDOVER_REQUEST__INIT;
	b->customer_handover.from_user = (char *)t->login;
	b->customer_handover.to_user = (char *)t->other;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_HANDOVER;
	R(customer_handover) = &b->customer_handover;
}

/* Why the customer's tasks are due when they are: a read, like
 * customer_get. */
static void
b_customer_why(struct rb *b, const struct target *t)
{
	b->customer_why =
	    (Crm__V1__CustomerWhyRequest)CRM__V1__CUSTOMER_WHY_REQUEST__INIT;
	b->customer_why.has_id = 1;
	b->customer_why.id = t->id;
	b->req.body_case = CRM__V1__REQUEST__BODY_CUSTOMER_WHY;
	R(customer_why) = &b->customer_why;
}

/* crmd's own latency and commit counters (issue 19): admins only. */
static void
b_stats(struct rb *b, const struct target *t)
{
	(void)t;
	b->stats = (Crm__V1__StatsRequest)CRM__V1__STATS_REQUEST__INIT;
	b->req.body_case = CRM__V1__REQUEST__BODY_STATS;
	R(stats) = &b->stats;
}

/* One row per Request body, named by its oneof field in crm.proto. */
static const struct request {
	const char *name;
	build_fn *build;
	enum obj obj;
	unsigned flags;
} requests[] = {
	{ "hello", b_hello, O_NONE, 0 },
	{ "login", b_login, O_NONE, F_WRITE },
	{ "logout", b_logout, O_NONE, F_WRITE },
	{ "whoami", b_whoami, O_NONE, 0 },
	{ "passwd", b_passwd, O_NONE, F_WRITE },
	{ "user_add", b_user_add, O_NONE, F_WRITE },
	{ "user_list", b_user_list, O_NONE, 0 },
	/* Last: a disabled rep can no longer ask anything. */
	{ "user_disable", b_user_disable, O_USER, F_WRITE | F_LAST },
	/* Last too: a reset ends the rep's sessions. */
	{ "user_passwd", b_user_passwd, O_USER, F_WRITE | F_LAST },
	{ "team_add", b_team_add, O_NONE, F_WRITE },
	{ "team_list", b_team_list, O_NONE, 0 },
	{ "customer_add", b_customer_add, O_NONE, F_WRITE },
	{ "customer_get", b_customer_get, O_CUST, 0 },
	{ "customer_edit", b_customer_edit, O_CUST, F_WRITE },
	{ "customer_list", b_customer_list, O_USER, 0 },
	{ "customer_find", b_customer_find, O_NONE, 0 },
	{ "customer_assign", b_customer_assign, O_CUST, F_WRITE },
	{ "contact_add", b_contact_add, O_CUST, F_WRITE },
	{ "contact_list", b_contact_list, O_CUST, 0 },
	{ "contact_left", b_contact_left, O_CONTACT, F_WRITE },
	{ "followup_log", b_followup_log, O_CUST, F_WRITE },
	{ "customer_history", b_customer_history, O_CUST, 0 },
	{ "due", b_due, O_USER, 0 },
	{ "task_add", b_task_add, O_CUST, F_WRITE },
	{ "task_done", b_task_done, O_TASK, F_WRITE },
	{ "task_move", b_task_move, O_TASK, F_WRITE },
	{ "task_assign", b_task_assign, O_TASK, F_WRITE },
	{ "task_cancel", b_task_cancel, O_TASK, F_WRITE },
	{ "policy_get", b_policy_get, O_NONE, 0 },
	{ "policy_set", b_policy_set, O_NONE, F_WRITE },
	{ "policy_dry_run", b_policy_dry_run, O_NONE, F_WRITE },
	{ "stage_set", b_stage_set, O_CUST, F_WRITE },
	{ "grade_propose", b_grade_propose, O_CUST, F_WRITE },
	{ "grade_pending", b_grade_pending, O_NONE, 0 },
	{ "grade_approve", b_grade_approve, O_PROPOSAL, F_WRITE },
	{ "grade_reject", b_grade_reject, O_PROPOSAL, F_WRITE },
	{ "sla_start", b_sla_start, O_CUST, F_WRITE },
	{ "sla_list", b_sla_list, O_NONE, 0 },
	{ "commitment_list", b_commitment_list, O_NONE, 0 },
	{ "commitment_done", b_commitment_done, O_COMMITMENT, F_WRITE },
	{ "stale", b_stale, O_NONE, 0 },
	{ "reminders", b_reminders, O_NONE, 0 },
	{ "report", b_report, O_USER, 0 },
	{ "export_page", b_export_page, O_USER, 0 },
	{ "export_page_cursor", b_export_cursor, O_CUST, 0 },
	{ "import_batch", b_import_batch, O_CUST_NAME, F_WRITE },
	{ "customer_merge", b_customer_merge, O_CUST, F_WRITE },
	{ "backup", b_backup, O_NONE, F_WRITE },
	{ "changes", b_changes, O_NONE, 0 },
	{ "purchase_add", b_purchase_add, O_CUST, F_WRITE },
	{ "purchase_list", b_purchase_list, O_CUST, 0 },
	{ "policy_value_set", b_policy_value_set, O_NONE, F_WRITE },
	{ "followup_attach", b_followup_attach, O_FOLLOWUP, F_WRITE },
	{ "contact_verify", b_contact_verify, O_CONTACT, F_WRITE },
	{ "customer_check", b_customer_check, O_CUST, F_WRITE },
	{ "issue_resolve", b_issue_resolve, O_ISSUE, F_WRITE },
	{ "issue_list", b_issue_list, O_NONE, 0 },
	{ "followup_get", b_followup_get, O_FOLLOWUP, 0 },
	{ "issue_escalate", b_issue_escalate, O_ISSUE, F_WRITE },
	{ "contact_edit", b_contact_edit, O_CONTACT, F_WRITE },
	{ "audit_list", b_audit_list, O_CUST, 0 },
	{ "calendar_import", b_calendar_import, O_NONE, F_WRITE },
	{ "calendar_show", b_calendar_show, O_NONE, 0 },
	{ "customer_merge_preview", b_customer_merge_preview, O_CUST, 0 },
	{ "routine_add", b_routine_add, O_CUST, F_WRITE },
	{ "routine_list", b_routine_list, O_CUST, 0 },
	{ "routine_stop", b_routine_stop, O_ROUTINE, F_WRITE },
	{ "customer_release", b_customer_release, O_CUST, F_WRITE },
	{ "pool_list", b_pool_list, O_NONE, 0 },
	{ "pool_claim", b_pool_claim, O_CUST, F_WRITE },
	{ "policy_pool", b_policy_pool, O_NONE, F_WRITE },
	{ "customer_handover", b_customer_handover, O_USER, F_WRITE },
	{ "customer_why", b_customer_why, O_CUST, 0 },
	{ "stats", b_stats, O_NONE, 0 },
};

#define N_REQUESTS (sizeof(requests) / sizeof(requests[0]))

static const struct request *
request_named(const char *name)
{
	for (size_t i = 0; i < N_REQUESTS; i++) {
		if (strcmp(requests[i].name, name) == 0) {
			return &requests[i];
		}
	}
	return NULL;
}

/* The target for object x (0: rep A's, 1: rep B's; -1: nonexistent). */
static struct target
target_of(const struct request *rq, int x, enum principal p)
{
	struct target t = { 0, 0, NULL, NULL, NULL, p };
	t.other = who[x == 0 ? P_REP_B : P_REP_A].login;
	if (x < 0) {
		t.id = MISSING + 1;
		t.id2 = MISSING + 2;
		t.login = "nosuchuser";
		t.name = "no such customer";
		return t;
	}
	const struct objects *o = &fx[x];
	t.login = o->login;
	t.name = o->cust_name;
	switch (rq->obj) {
	case O_CONTACT:
		t.id = o->contact;
		break;
	case O_FOLLOWUP:
		t.id = o->followup;
		break;
	case O_TASK:
		t.id = o->task;
		break;
	case O_COMMITMENT:
		t.id = o->commitment;
		break;
	case O_PROPOSAL:
		t.id = o->proposal;
		break;
	case O_ISSUE:
		t.id = o->issue;
		break;
	case O_ROUTINE:
		t.id = o->routine;
		break;
	default:
		t.id = o->cust;
		t.id2 = o->cust2;
		break;
	}
	return t;
}

/* ---------------------------------------------------- outcomes */

struct outcome {
	char code[48]; /* "NOT_FOUND"; import: "OK:BAD" */
	char msg[600]; /* the status message (import: the row's) */
	int retryable;
};

static const char *
code_name(int code)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &crm__v1__status__code__descriptor, code);
	return v ? v->name : "?";
}

static void
outcome_of(const Crm__V1__Response *r, struct outcome *o)
{
	int code = (int)crm_wire_status(r);
	snprintf(o->code, sizeof(o->code), "%s", code_name(code));
	snprintf(o->msg, sizeof(o->msg), "%s",
	    r->status && r->status->message ? r->status->message : "");
	o->retryable = r->status && r->status->retryable;
	if (code == CRM_OK &&
	    r->body_case == CRM__V1__RESPONSE__BODY_IMPORT_REPLY &&
	    r->import_reply->n_results == 1) {
		const Crm__V1__ImportResult *x = r->import_reply->results[0];
		const ProtobufCEnumValue *v =
		    protobuf_c_enum_descriptor_get_value(
		        &crm__v1__import_result__outcome__descriptor,
		        x->outcome);
		snprintf(o->code, sizeof(o->code), "OK:%s", v ? v->name : "?");
		snprintf(o->msg, sizeof(o->msg), "%s",
		    x->message ? x->message : "");
	}
}

static int
word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

/* Replace each whole-word occurrence of what in s by with. */
static void
replace_all(char *s, size_t cap, const char *what, const char *with)
{
	size_t wl = strlen(what), rl = strlen(with);
	if (wl == 0) {
		return;
	}
	char out[1024];
	size_t o = 0;
	for (size_t i = 0; s[i] != '\0' && o + rl + 1 < sizeof(out);) {
		int hit = strncmp(s + i, what, wl) == 0;
		if (hit &&
		    ((i > 0 && word_char(s[i - 1])) || word_char(s[i + wl]))) {
			hit = 0; /* part of a longer word or number */
		}
		if (hit) {
			memcpy(out + o, with, rl);
			o += rl;
			i += wl;
		} else {
			out[o++] = s[i++];
		}
	}
	if (o >= cap) {
		o = cap - 1;
	}
	memcpy(s, out, o);
	s[o] = '\0';
}

static void
normalise(struct outcome *o, const struct target *t)
{
	char n[32];
	snprintf(n, sizeof(n), "%" PRIu64, t->id);
	replace_all(o->msg, sizeof(o->msg), n, "<ID>");
	snprintf(n, sizeof(n), "%" PRIu64, t->id2);
	replace_all(o->msg, sizeof(o->msg), n, "<ID2>");
	if (t->name) {
		replace_all(o->msg, sizeof(o->msg), t->name, "<NAME>");
	}
	if (t->login) {
		replace_all(o->msg, sizeof(o->msg), t->login, "<LOGIN>");
	}
}

/* ---------------------------------------------------- checks */

static char failures[MAX_FAILS][700];
static unsigned n_failures, n_cells, n_matched, n_compared, n_unchanged,
    n_leak_checks;

static void failure(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
failure(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (n_failures < MAX_FAILS) {
		vsnprintf(failures[n_failures], sizeof(failures[0]), fmt, ap);
	}
	va_end(ap);
	n_failures++;
}

/* Whether the message m (or anything in it) names customer id. */
static int
names_customer(const ProtobufCMessage *m, uint64_t id)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		if (f->type == PROTOBUF_C_TYPE_UINT64 &&
		    f->label != PROTOBUF_C_LABEL_REPEATED &&
		    (strcmp(f->name, "customer_id") == 0 ||
		        (d == &crm__v1__customer__descriptor &&
		            strcmp(f->name, "id") == 0))) {
			if (*(const uint64_t *)(base + f->offset) == id) {
				return 1;
			}
		}
		if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
			continue;
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + f->quantifier_offset) !=
		        f->id) {
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n =
			    *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *v =
			    *(ProtobufCMessage *const *const *)(base +
			                                        f->offset);
			for (size_t j = 0; j < n; j++) {
				if (names_customer(v[j], id)) {
					return 1;
				}
			}
		} else {
			const ProtobufCMessage *sub = *(
			    const ProtobufCMessage *const *)(base + f->offset);
			if (sub != NULL && names_customer(sub, id)) {
				return 1;
			}
		}
	}
	return 0;
}

/* What an admin sees of the fixtures and of everything global. */
static uint8_t *
snapshot(size_t *len)
{
	size_t cap = 1 << 16;
	uint8_t *buf = malloc(cap);
	*len = 0;
	struct rb b;
	uint64_t max = 0;
	for (int x = 0; x < 2; x++) {
		max = fx[x].cust2 > max ? fx[x].cust2 : max;
		max = fx[x].cust > max ? fx[x].cust : max;
	}
	for (int step = 0; step < 10; step++) {
		memset(&b, 0, sizeof(b));
		b.req = (Crm__V1__Request)CRM__V1__REQUEST__INIT;
		struct target t = { 0, 0, NULL, NULL, NULL, P_ADMIN };
		t.id = fx[step & 1].cust;
		switch (step) {
		case 0:
		case 1:
			b_customer_get(&b, &t);
			break;
		case 2:
		case 3:
			b_customer_history(&b, &t);
			b.customer_history.has_limit = 1;
			b.customer_history.limit = 1000;
			break;
		case 4:
		case 5:
			t.id = fx[step & 1].cust2;
			b_customer_get(&b, &t);
			break;
		case 6:
			b_user_list(&b, &t);
			break;
		case 7:
			b_team_list(&b, &t);
			break;
		case 8:
			b_policy_get(&b, &t);
			break;
		default:
			/* Customers made after the fixtures, and grades. */
			b_customer_list(&b, &t);
			b.customer_list.has_cursor = 1;
			b.customer_list.cursor = max;
			b.customer_list.has_limit = 1;
			b.customer_list.limit = 500;
			break;
		}
		Crm__V1__Response *r = call_as(P_ADMIN, &b.req);
		assert_crm_ok(crm_wire_status(r));
		r->has_request_id = 0; /* fresh per call */
		size_t n = protobuf_c_message_get_packed_size(&r->base);
		if (*len + n > cap) {
			cap = 2 * (*len + n);
			buf = realloc(buf, cap);
		}
		*len += protobuf_c_message_pack(&r->base, buf + *len);
		crm__v1__response__free_unpacked(r, NULL);
	}
	return buf;
}

/* ---------------------------------------------------- the matrix */

struct row {
	const struct request *rq;
	char object; /* 'A', 'B' or '-' */
	char expect[P_COUNT][48];
	int line;
};

static struct row rows[MAX_ROWS];
static size_t n_rows;

static void
read_matrix(void)
{
	FILE *f = fopen(AUTHZ_MATRIX, "r");
	assert_non_null(f);
	char line[1024];
	int lineno = 0, header = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			continue;
		}
		char *cell[2 + P_COUNT + 1], *save = NULL;
		int n = 0;
		for (char *c = strtok_r(line, "\t", &save);
		     c != NULL && n < 2 + P_COUNT + 1;
		     c = strtok_r(NULL, "\t", &save)) {
			cell[n++] = c;
		}
		if (n != 2 + P_COUNT) {
			fail_msg("%s:%d: want %d tab-separated cells, not %d",
			    AUTHZ_MATRIX, lineno, 2 + P_COUNT, n);
		}
		if (!header) {
			/* The header names the callers, in our order. */
			for (int p = 0; p < P_COUNT; p++) {
				if (strcmp(cell[2 + p], principal_name[p])) {
					fail_msg("%s:%d: column %d is '%s', "
					         "not '%s'",
					    AUTHZ_MATRIX, lineno, 3 + p,
					    cell[2 + p], principal_name[p]);
				}
			}
			header = 1;
			continue;
		}
		assert_true(n_rows < MAX_ROWS);
		struct row *r = &rows[n_rows++];
		r->rq = request_named(cell[0]);
		r->line = lineno;
		if (r->rq == NULL) {
			fail_msg("%s:%d: '%s' is no request this test knows; "
			         "add it to requests[] in authz_test.c",
			    AUTHZ_MATRIX, lineno, cell[0]);
		}
		r->object = cell[1][0];
		int want_obj = r->rq->obj != O_NONE;
		if (strlen(cell[1]) != 1 ||
		    (want_obj ? (r->object != 'A' && r->object != 'B')
		              : r->object != '-')) {
			fail_msg("%s:%d: %s takes %s, not '%s'", AUTHZ_MATRIX,
			    lineno, cell[0],
			    want_obj ? "an object A or B" : "no object (-)",
			    cell[1]);
		}
		for (int p = 0; p < P_COUNT; p++) {
			snprintf(r->expect[p], sizeof(r->expect[p]), "%s",
			    cell[2 + p]);
		}
	}
	fclose(f);
	assert_true(header);
}

/* Every body of crm.v1.Request has its builder and all its rows. */
static void
matrix_covers_every_request(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &crm__v1__request__descriptor;
	unsigned bodies = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		bodies++;
		const struct request *rq = request_named(f->name);
		if (rq == NULL) {
			fail_msg("Request.%s (field %u) has no row in "
			         "requests[] of authz_test.c",
			    f->name, f->id);
		}
		int seen[3] = { 0, 0, 0 };
		for (size_t r = 0; r < n_rows; r++) {
			if (rows[r].rq == rq) {
				seen[rows[r].object == '-'   ? 0
				     : rows[r].object == 'A' ? 1
				                             : 2]++;
			}
		}
		int ok = rq->obj == O_NONE
		             ? seen[0] == 1 && !seen[1] && !seen[2]
		             : !seen[0] && seen[1] == 1 && seen[2] == 1;
		if (!ok) {
			fail_msg("%s: want %s in %s", f->name,
			    rq->obj == O_NONE ? "one row with object -"
			                      : "one row each for A and B",
			    AUTHZ_MATRIX);
		}
	}
	/* Besides one row a body, requests[] has second looks at a body
	 * (export_page_cursor: export_page naming a customer). */
	size_t extra = 0;
	for (size_t i = 0; i < N_REQUESTS; i++) {
		extra += protobuf_c_message_descriptor_get_field_by_name(
		             d, requests[i].name) == NULL;
	}
	if (bodies + extra != N_REQUESTS) {
		fail_msg("requests[] has %zu rows, crm.proto %u bodies",
		    N_REQUESTS - extra, bodies);
	}
	print_message("matrix: %zu requests, %zu rows, %zu cells\n",
	    N_REQUESTS, n_rows, n_rows * P_COUNT);
}

/* Run one cell: compare, check no effect and no leak. */
static void
run_cell(const struct row *row, enum principal p)
{
	const struct request *rq = row->rq;
	int x = row->object == 'B' ? 1 : 0;
	fixtures();
	struct target t = target_of(rq, x, p);
	size_t before_len = 0;
	uint8_t *before = (rq->flags & F_WRITE) ? snapshot(&before_len) : NULL;
	struct rb b;
	memset(&b, 0, sizeof(b));
	b.req = (Crm__V1__Request)CRM__V1__REQUEST__INIT;
	rq->build(&b, &t);
	Crm__V1__Response *r = call_as(p, &b.req);
	struct outcome got;
	outcome_of(r, &got);
	n_cells++;
	const char *want = row->expect[p];
	if (strcmp(got.code, want) == 0) {
		n_matched++;
	} else {
		failure("line %d: %s %c as %s: want %s, got %s \"%s\"",
		    row->line, rq->name, row->object, principal_name[p], want,
		    got.code, got.msg);
	}
	if (p == P_EXPIRED && strcmp(got.code, "UNAUTHENTICATED") == 0 &&
	    strstr(got.msg, "expired") == NULL) {
		failure("%s as expired: \"%s\" does not say expired", rq->name,
		    got.msg);
	}
	int ok = strcmp(got.code, "OK") == 0 ||
	         strcmp(got.code, "OK:ADDED") == 0 ||
	         strcmp(got.code, "OK:EXISTS") == 0;
	/* A reply holds no customer of someone the caller may not see. */
	if (strncmp(got.code, "OK", 2) == 0) {
		for (int y = 0; y < 2; y++) {
			if (in_scope(p, y)) {
				continue;
			}
			n_leak_checks++;
			if (names_customer(&r->base, fx[y].cust) ||
			    names_customer(&r->base, fx[y].cust2)) {
				failure("%s %c as %s: the reply shows a "
				        "customer of %s",
				    rq->name, row->object, principal_name[p],
				    fx[y].login);
			}
		}
	}
	crm__v1__response__free_unpacked(r, NULL);

	if (before != NULL) {
		if (!ok) {
			size_t after_len;
			uint8_t *after = snapshot(&after_len);
			n_unchanged++;
			if (after_len != before_len ||
			    memcmp(before, after, after_len) != 0) {
				failure("%s %c as %s was refused (%s) but "
				        "changed data",
				    rq->name, row->object, principal_name[p],
				    got.code);
			}
			free(after);
		} else if (rq->obj != O_NONE && rq->obj != O_USER) {
			fixtures_dirty[x] = 1; /* the objects changed */
		}
		free(before);
	}
	if (strcmp(rq->name, "logout") == 0 && ok) {
		login_as(p); /* the session just ended */
	}

	/* Out of scope reads exactly like nonexistent. */
	if (rq->obj != O_NONE && !in_scope(p, x)) {
		struct target m = target_of(rq, -1, p);
		memset(&b, 0, sizeof(b));
		b.req = (Crm__V1__Request)CRM__V1__REQUEST__INIT;
		rq->build(&b, &m);
		r = call_as(p, &b.req);
		struct outcome missing;
		outcome_of(r, &missing);
		crm__v1__response__free_unpacked(r, NULL);
		normalise(&got, &t);
		normalise(&missing, &m);
		n_compared++;
		if (strcmp(got.code, missing.code) != 0 ||
		    strcmp(got.msg, missing.msg) != 0 ||
		    got.retryable != missing.retryable) {
			failure("%s %c as %s: out of scope answers %s \"%s\" "
			        "but a missing one %s \"%s\"",
			    rq->name, row->object, principal_name[p], got.code,
			    got.msg, missing.code, missing.msg);
		}
	}
}

static void
every_cell_matches_the_table(void **state)
{
	(void)state;
	/* Rows flagged last run after the others, their refusals first. */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n_rows; i++) {
			int last = (rows[i].rq->flags & F_LAST) != 0;
			if (last != (pass > 0)) {
				continue;
			}
			for (int p = 0; p < P_COUNT; p++) {
				int expect_ok =
				    strncmp(rows[i].expect[p], "OK", 2) == 0;
				if (pass == 0 || expect_ok == (pass == 2)) {
					run_cell(&rows[i], (enum principal)p);
				}
			}
		}
	}
	print_message("authz: %u/%u cells match (%.1f %%); %u out-of-scope "
	              "answers compared with missing ones; %u refused "
	              "writes checked unchanged; %u replies checked for "
	              "leaks\n",
	    n_matched, n_cells, n_cells ? 100.0 * n_matched / n_cells : 0.0,
	    n_compared, n_unchanged, n_leak_checks);
	for (unsigned i = 0; i < n_failures && i < MAX_FAILS; i++) {
		print_error("  %s\n", failures[i]);
	}
	if (n_failures > 0) {
		fail_msg(
		    "%u failures (first %d shown)", n_failures, MAX_FAILS);
	}
	assert_int_equal(n_cells, n_rows * P_COUNT);
}

/* ---------------------------------------------------- setup */

static int
setup(void **state)
{
	(void)state;
	read_matrix();
	crm_test_clock_open(clock_path, sizeof(clock_path));
	t0 = (int64_t)time(NULL);
	/* rep_a's expired session is made 31 days before the test runs:
	 * its 30-day lifetime is over once the clock is back at t0. */
	set_clock(t0 - 31 * DAY);
	setenv("TZ", "UTC", 1);
	crm_test_server_start(&srv);
	login_as(P_ADMIN);
	assert_crm_ok(crm_test_add_user(&srv, "ra", "rep", "east", "pw-ra"));
	assert_crm_ok(crm_test_add_user(&srv, "rb", "rep", "east", "pw-rb"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "ma", "manager", "east", "pw-ma"));
	assert_crm_ok(
	    crm_test_add_user(&srv, "mw", "manager", "west", "pw-mw"));
	login_as(P_REP_A);
	memcpy(who[P_EXPIRED].token, who[P_REP_A].token, 32);
	who[P_EXPIRED].token_len = 32;
	struct rb b;
	memset(&b, 0, sizeof(b));
	b.req = (Crm__V1__Request)CRM__V1__REQUEST__INIT;
	b_whoami(&b, NULL);
	Crm__V1__Response *r = call_as(P_EXPIRED, &b.req);
	assert_crm_ok(crm_wire_status(r)); /* good while it lasts */
	crm__v1__response__free_unpacked(r, NULL);
	set_clock(t0);
	for (int p = P_REP_A; p < P_COUNT; p++) {
		login_as((enum principal)p);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	crm_test_server_stop(&srv);
	crm_test_clock_close(clock_path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matrix_covers_every_request),
		cmocka_unit_test(every_cell_matches_the_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
