/* SPDX-License-Identifier: MIT */
/*
 * commands.c: THE shell command table (see commands.h): one row per
 * verb with its usage, summary, options, completers and handler. The
 * code the table drives is in cmdline.c; handlers live in
 * cmd_<family>.c.
 */
#include "commands.h"

#include "complete.h"

/* ------------------------------------------------------------ options */

static const struct cmd_opt user_add_opts[] = {
	{ "--role", "admin|manager|rep", false, complete_role,
	    "the user's role (required)" },
	{ "--team", "TEAM", false, NULL,
	    "the team; created when it does not exist" },
	{ "--name", "NAME", false, NULL, "display name" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt customer_add_opts[] = {
	{ "--kind", "company|person", false, complete_kind,
	    "company (default) or person" },
	{ "--industry", "X", false, NULL, "industry (制造, retail, ...)" },
	{ "--source", "X", false, NULL,
	    "source channel: trade show, online, referral, cold call, ..." },
	{ "--region", "X", false, NULL, "region or city" },
	{ "--owner", "USER", false, NULL,
	    "owner login (managers and admins; a rep owns what they add)" },
	{ "--grade", "S|A|B|C", false, complete_grade,
	    "grade: S 重点, A 潜力, B 培育, C 低优先级" },
	{ "--stage", "STAGE", false, complete_stage,
	    "lifecycle stage (default potential)" },
	{ "--website", "X", false, NULL, "web site" },
	{ "--licence", "X", false, NULL, "business-licence number" },
	{ "--employees", "N", false, NULL, "number of employees" },
	{ "--revenue", "AMOUNT", false, NULL, "annual revenue, e.g. 1200000" },
	{ "--tag", "T", true, NULL, "a tag (repeatable)" },
	{ "--notes", "X", false, NULL, "free notes" },
	{ "--birthday", "MM-DD", false, NULL, "a person's birthday" },
	{ "--age-range", "X", false, NULL,
	    "a person's age range (年龄段), e.g. 30-39" },
	{ "--anniversary", "MM-DD", false, NULL, "company anniversary" },
	{ "--first-contact", "WHEN", false, NULL,
	    "first contact: 2026-11-25, 2026-11-25 14:00, today, ..." },
	{ "--reason", "TEXT", false, complete_lost_reason,
	    "why it was lost (with --stage lost: price, competitor, service, "
	    "no_need, other + text)" },
	/* 需求信息 (seeds 001, 002): the archive's needs fields. */
	{ "--pain-points", "X", false, NULL, "core pain points (需求痛点)" },
	{ "--purchase-intent", "X", false, NULL,
	    "needs and purchase intent (需求, 采购意向)" },
	{ "--budget-range", "X", false, NULL,
	    "budget range (预算范围), e.g. 30-50万" },
	{ "--timeline", "X", false, NULL,
	    "expected timeline (期望合作时间), e.g. 3个月内" },
	{ "--decision-chain", "X", false, NULL,
	    "decision chain (决策链): who decides, who influences" },
	{ "--value-tier", "LEVEL", false, complete_level,
	    "customer value (客户价值): high|medium|low" },
	{ "--urgency", "LEVEL", false, complete_level,
	    "urgency of the need (紧急程度): high|medium|low" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt customer_list_opts[] = {
	{ "--owner", "U", false, NULL, "only this owner's customers" },
	{ "--stage", "S", false, complete_stage, "only this stage" },
	{ "--grade", "G", false, complete_grade, "only this grade" },
	{ "--tag", "T", false, NULL, "only customers with this tag" },
	{ "--unchecked", NULL, false, NULL,
	    "only records no manager has checked yet (managers, admins)" },
	{ "--missing-minutes", NULL, false, NULL,
	    "only customers with an S-grade visit or meeting of the last 90 "
	    "days without minutes or a recording" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt customer_find_opts[] = {
	{ "--followups", NULL, false, NULL,
	    "also search follow-ups (summary, feedback, next action, goal, "
	    "participants)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt contact_add_opts[] = {
	{ "--title", "X", false, NULL, "job title" },
	{ "--phone", "X", true, NULL, "a phone number (repeatable)" },
	{ "--email", "X", false, NULL, "e-mail address" },
	{ "--im", "X", false, NULL, "IM handle (WeChat, ...)" },
	{ "--role", "ROLE", false, complete_contact_role,
	    "decision_maker (决策人, 拍板人), influencer (影响人), user "
	    "(使用人, 用户), gatekeeper (把关人, 守门人), other (联系人)" },
	{ "--birthday", "MM-DD", false, NULL, "birthday" },
	{ "--notes", "X", false, NULL, "free notes" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt merge_opts[] = {
	{ "--yes", NULL, false, NULL,
	    "merge without asking (scripts: required when stdin is not a "
	    "terminal)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt changes_opts[] = {
	{ "--limit", "N", false, NULL, "at most N changes (default 100)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt history_opts[] = {
	{ "--limit", "N", false, NULL,
	    "at most N entries a page (newest first; default 100)" },
	{ "--before", "CURSOR", false, NULL,
	    "the next page: the cursor the previous page ended with" },
	{ NULL, NULL, false, NULL, NULL },
};

/* --due and --owner bind to the --next or --commit before them. */
static const struct cmd_opt log_opts[] = {
	{ "--channel", "CHANNEL", false, complete_channel,
	    "phone|email|visit|meeting|video|im|survey|other" },
	{ "--at", "WHEN", false, complete_when,
	    "when it happened (default now; before the last contact: "
	    "history only, plans nothing)" },
	{ "--duration", "MIN", false, NULL,
	    "how long, in minutes (late counts from the end)" },
	{ "--contact", "NAME", true, NULL, "a contact involved (repeatable)" },
	{ "--feedback", "TEXT", false, NULL,
	    "the customer's feedback and needs raised" },
	{ "--goal", "TEXT", false, NULL, "what the contact was for" },
	{ "--participants", "TEXT", false, NULL, "who took part" },
	{ "--mood", "MOOD", false, complete_mood,
	    "positive|neutral|hesitant|worried|resistant" },
	{ "--next", "ACTION", false, NULL,
	    "the next action: becomes the next task (needs --due); "
	    "history only: kept as text, not planned" },
	{ "--commit", "PROMISE", true, NULL,
	    "a promise made (needs --due; repeatable)" },
	{ "--due", "WHEN", true, complete_when,
	    "due time of the --next or --commit before it" },
	{ "--owner", "USER", true, NULL,
	    "owner of the --next or --commit before it (default: you)" },
	{ "--stage", "STAGE", false, complete_stage,
	    "move the customer to this stage" },
	{ "--reason", "TEXT", false, complete_lost_reason,
	    "why (lost needs one: price, competitor, service, no_need, "
	    "other + text)" },
	{ "--amount", "AMOUNT", false, NULL,
	    "deal amount (with --stage won)" },
	{ "--terms", "TEXT", false, NULL,
	    "key contract terms (with --stage won)" },
	{ "--score", "T,E,P,A", false, NULL,
	    "service quality 1-5: timeliness, efficiency, "
	    "professionalism, proactiveness" },
	{ "--evidence", "TEXT", true, NULL,
	    "an evidence sentence per score, in that order (repeatable)" },
	{ "--resolves", "ISSUE", false, NULL,
	    "this follow-up resolves after-sales issue ISSUE" },
	{ "--attach", "PATH_OR_URL", true, complete_file,
	    "keep a reference to minutes or a recording (repeatable; the "
	    "file itself is not sent)" },
	{ "--title", "TEXT", true, NULL, "title of the --attach before it" },
	{ "--objection", "TEXT", true, NULL,
	    "an objection raised (待解决问题): an open issue on the customer "
	    "until `issue resolve` (repeatable)" },
	{ "--tag", "T1,T2", true, complete_feedback_tag,
	    "feedback tags, comma-separated (价格,交付; `report feedback` "
	    "ranks them)" },
	{ "--no-answer", NULL, false, NULL,
	    "the call or message got no answer (counts as avoiding contact)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt purchase_add_opts[] = {
	{ "--category", "C", false, NULL,
	    "product category (购买产品类别), e.g. 设备, 维保, 软件" },
	{ "--at", "WHEN", false, complete_when,
	    "when it was bought (default now)" },
	{ "--contract", "REF", false, NULL, "contract reference" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt routine_add_opts[] = {
	{ "--monthly", "DAY", false, NULL,
	    "on this day of every month, 1-31 (每月15日: 15)" },
	{ "--weekly", "WEEKDAY", false, NULL,
	    "on this weekday every week: mon..sun or 周三" },
	{ "--quarterly", "last-week", false, NULL,
	    "on the first day of every quarter's last week: its "
	    "last day minus 6 (每季度末)" },
	{ "--time", "HH:MM", false, NULL, "time of day (default 09:00)" },
	{ "--team", "TEAM", false, NULL,
	    "for every active customer of the team (managers, admins)" },
	{ "--stage", "STAGE", false, complete_stage,
	    "--team: only customers at this stage" },
	{ "--grade", "GRADE", false, complete_grade,
	    "--team: only customers of this grade" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt routine_list_opts[] = {
	{ "--stopped", NULL, false, NULL, "also the stopped ones" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt attach_opts[] = {
	{ "--title", "TEXT", false, NULL, "what it is (会议纪要, 录音, ...)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt policy_value_opts[] = {
	{ "--frequency", "HIGH,MEDIUM", false, NULL,
	    "purchases in the period for high and medium (default 6,3)" },
	{ "--amount", "HIGH,MEDIUM", false, NULL,
	    "amount in the period for high and medium (default "
	    "100000,20000)" },
	{ "--category", "HIGH,MEDIUM", false, NULL,
	    "a category's percent of the revenue for high and medium "
	    "(default 40,15)" },
	{ "--every", "HIGH,MEDIUM,LOW", false, NULL,
	    "the follow-up cadence of each level (default 7d,30d,90d)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt stage_opts[] = {
	{ "--reason", "TEXT", false, complete_lost_reason,
	    "why (lost needs one: price, competitor, service, no_need, "
	    "other + text)" },
	{ "--amount", "AMOUNT", false, NULL, "deal amount (won)" },
	{ "--date", "WHEN", false, complete_when,
	    "won date (won): the stage change counts then" },
	{ "--terms", "TEXT", false, NULL, "key contract terms (won)" },
	{ "--category", "C", false, NULL,
	    "the won deal's purchase category (default the industry)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt due_opts[] = {
	{ "--user", "U", false, NULL, "a rep's queue (managers)" },
	{ "--team", NULL, false, NULL, "the whole team's queue (managers)" },
	{ "--kind", "K", false, complete_task_kind,
	    "only this kind: follow_up (next follow-up), todo (task), "
	    "regrade (re-grade), greeting, routine or reclaim_warn (pool "
	    "warning); commitments and SLA clocks: see `commitments`, `sla`" },
	{ "--limit", "N", false, NULL,
	    "at most N tasks (default 200, up to 1000)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt task_add_opts[] = {
	{ "--channel", "TEXT", false, complete_channel, "suggested channel" },
	{ "--owner", "USER", false, NULL, "who does it (default: you)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt task_cancel_opts[] = {
	{ "--next", "WHEN", false, complete_when,
	    "the replacement of a next follow-up (with its \"goal\")" },
	{ NULL, NULL, false, NULL, NULL },
};

/* policy set's first word: a stage (a cell) or a grade (its row). */
static void
complete_stage_or_grade(const char *prefix, struct cmd_cands *out)
{
	complete_grade(prefix, out);
	complete_stage(prefix, out);
}

static const struct cmd_opt policy_set_opts[] = {
	{ "--every", "DURATION", false, NULL,
	    "cadence: 1d, 3d, 12h, 2w, ..." },
	{ "--channels", "A,B,C", false, NULL,
	    "suggested channels, comma-separated (empty clears)" },
	{ "--focus", "TEXT", false, NULL, "what the follow-ups focus on" },
	{ "--target", "PERCENT", false, NULL,
	    "conversion target: share won in a period (S: 60 by default)" },
	{ "--goal", "TEXT", false, NULL,
	    "a cell's goal (with STAGE GRADE; --focus is the same)" },
	{ "--greetings", "on|off", false, NULL,
	    "a cell's festival greetings (with STAGE GRADE)" },
	{ "--reclaim-after", "DAYS", false, NULL,
	    "pool rule: reclaim after DAYS working days without a follow-up "
	    "(0: off)" },
	{ "--reclaim-unwon", "DAYS", false, NULL,
	    "pool rule: reclaim after DAYS working days without reaching won "
	    "(0: off)" },
	{ "--reclaim-warn", "DAYS", false, NULL,
	    "warn the owner and their manager DAYS working days before" },
	{ "--dry-run", NULL, false, NULL,
	    "list what the change would move now; change nothing" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt sla_opts[] = {
	{ "--breached", NULL, false, NULL,
	    "breaches only, stopped late ones too" },
	{ "--team", NULL, false, NULL, "the whole team (managers)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt issue_escalate_opts[] = {
	{ "--manager", "USER", false, NULL,
	    "which manager of the team (default: its first)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt issue_list_opts[] = {
	{ "--open", NULL, false, NULL, "only unresolved issues" },
	{ "--team", NULL, false, NULL, "the whole team (managers)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt commitments_opts[] = {
	{ "--open", NULL, false, NULL, "only open ones" },
	{ "--broken", NULL, false, NULL,
	    "only the broken ones that count for you (--team: your "
	    "team): open past due, and kept late or released to the pool "
	    "after their due time (those of the last 30 days; report "
	    "monthly counts every period); one broken before its customer "
	    "was handed to you counts for who broke it" },
	{ "--team", NULL, false, NULL, "the whole team (managers)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt commitment_done_opts[] = {
	{ "--by", "FOLLOWUP", false, NULL,
	    "the follow-up that kept it (kept as of its time)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt stale_opts[] = {
	{ "--hours", "N", false, NULL, "not updated within N hours (72)" },
	{ "--team", NULL, false, NULL, "the whole team (managers)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt report_opts[] = {
	{ "--user", "U", false, NULL, "one rep (managers: of the team)" },
	{ "--team", "T", false, NULL, "one team (admins)" },
	{ "--from", "D", false, complete_when,
	    "start of the period (a date means its start)" },
	{ "--to", "D", false, complete_when,
	    "end of the period (a date means its end)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt export_opts[] = {
	{ "--user", "U", false, NULL, "one rep's customers (managers)" },
	{ "--team", "T", false, NULL, "one team's customers (admins)" },
	{ "--from", "D", false, complete_when,
	    "follow-ups from, tasks due from (a date: its start)" },
	{ "--to", "D", false, complete_when,
	    "follow-ups to, tasks due to (a date: its end)" },
	{ "--bom", NULL, false, NULL,
	    "begin a CSV file with the UTF-8 BOM (for Excel)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt export_report_opts[] = {
	{ "--user", "U", false, NULL, "one rep (managers: of the team)" },
	{ "--team", "T", false, NULL, "one team (admins)" },
	{ "--from", "D", false, complete_when, "start of the period" },
	{ "--to", "D", false, complete_when, "end of the period" },
	{ "--bom", NULL, false, NULL,
	    "begin a CSV file with the UTF-8 BOM (for Excel)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt audit_opts[] = {
	{ "--user", "U", false, NULL, "only the changes this user made" },
	{ "--from", "D", false, complete_when,
	    "changes from (a date: its start)" },
	{ "--to", "D", false, complete_when, "changes to (a date: its end)" },
	{ "--limit", "N", false, NULL,
	    "at most N changes a page (newest first; default 100)" },
	{ "--before", "CURSOR", false, NULL,
	    "the next page: the cursor the previous page ended with" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt audit_export_opts[] = {
	{ "--user", "U", false, NULL, "only the changes this user made" },
	{ "--from", "D", false, complete_when,
	    "changes from (a date: its start)" },
	{ "--to", "D", false, complete_when, "changes to (a date: its end)" },
	{ "--bom", NULL, false, NULL,
	    "begin a CSV file with the UTF-8 BOM (for Excel)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt user_disable_opts[] = {
	{ "--handover", "USER", false, NULL,
	    "hand the user's customers to USER in the same step" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt handover_opts[] = {
	{ "--stage", "S", false, complete_stage, "only customers in stage S" },
	{ "--grade", "G", false, complete_grade, "only customers of grade G" },
	{ "--dry-run", NULL, false, NULL,
	    "list the customers that would move; change nothing" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt pool_list_opts[] = {
	{ "--team", "T", false, NULL, "the pool of team T (admins)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt policy_pool_opts[] = {
	{ "--claims-per-day", "N", false, NULL,
	    "claims a rep may make a day (0: no limit)" },
	{ "--max-held", "N", false, NULL,
	    "customers a rep may hold to claim, won not counted (0: no "
	    "limit)" },
	{ "--cooldown", "D", false, NULL,
	    "how long the previous owner waits to claim back (0: none)" },
	{ NULL, NULL, false, NULL, NULL },
};

static const struct cmd_opt import_opts[] = {
	{ "--dry-run", NULL, false, NULL,
	    "check every row and say what the import would do, each row "
	    "after the rows before it (up to 10,000 rows); write nothing" },
	{ "--skip-bad", NULL, false, NULL,
	    "import the good rows even when some are bad" },
	{ NULL, NULL, false, NULL, NULL },
};

#define REPORT_USAGE "[--user U|--team T] [--from D] [--to D]"
#define REPORT_ROW(verb, text)                                         \
	{                                                              \
		.name = "report " verb, .group = "report",             \
		.usage = REPORT_USAGE, .summary = text, .max_args = 0, \
		.opts = report_opts, .fn = cmd_report_show             \
	}
#define EXPORT_ROW(verb, text)                                              \
	{                                                                   \
		.name = "export " verb, .group = "data",                    \
		.usage =                                                    \
		    "FILE [--user U|--team T] [--from D] [--to D] [--bom]", \
		.summary = text, .min_args = 1, .max_args = 1,              \
		.opts = export_opts, .args = { complete_file },             \
		.fn = cmd_export_records                                    \
	}
#define IMPORT_ROW(verb, text)                                             \
	{                                                                  \
		.name = "import " verb, .group = "data",                   \
		.usage = "FILE [--dry-run] [--skip-bad]", .summary = text, \
		.min_args = 1, .max_args = 1, .opts = import_opts,         \
		.args = { complete_file }, .fn = cmd_import_file,          \
		.more_help = import_help                                   \
	}

/* ------------------------------------------------------------ the table */

/* `help import KIND`: the file formats import reads (file_decode.c). */
static void
import_help(FILE *f)
{
	fputs("\nFiles: CSV in UTF-8 (a BOM allowed), GB18030/GBK (what Excel "
	      "saves as CSV\non Chinese Windows) or UTF-16 with a BOM, found "
	      "from the content and\nnamed (\"reading FILE as GB18030\"); or "
	      "the first sheet of an .xlsx workbook\n(read by xlsx2csv). "
	      "Anything else (.xls, other binary files) is refused.\n",
	    f);
	fputs(
	    "\nA row already there (or twice in the file) is not added "
	    "again and is listed\nwith the record it matched. A follow-up "
	    "is already there only when all\nthe row says matches: customer, "
	    "time, summary, channel, author, feedback\nand mood; two such "
	    "rows in one file are two calls (purchases: two\norders), the "
	    "second already there when the customer has two.\nA customer "
	    "row whose owner, grade, stage or deal differs from the\n"
	    "existing customer of its name is a bad row. A contact with "
	    "left (已离职)\nor left_at (离职时间) is imported as left at "
	    "that time.\n",
	    f);
}

/* `help customer edit`: what edit does not change, and where it is done. */
static void
customer_edit_help(FILE *f)
{
	fputs("\nExamples: industry=制造  region=华东  tags=重点,大客户  "
	      "notes=\n"
	      "FIELD may be a column name import knows: 预算=30-50万  "
	      "决策链=张总  痛点=...\n"
	      "Not here: the stage and its facts (deal_amount, won_at, "
	      "lost_reason,\n"
	      "lost_at) change with `stage`; the owner with `customer "
	      "assign`.\n"
	      "grade=: managers and admins; a rep proposes one with `grade "
	      "propose`.\n",
	    f);
}

/* `help customer merge`: who may merge and what moves. */
static void
customer_merge_help(FILE *f)
{
	fputs("\nWho: whoever may see both customers: a rep their own, a "
	      "manager\n"
	      "their team's, an admin any.\n"
	      "What moves from DROP to KEEP: contacts, follow-ups, tasks "
	      "(KEEP keeps\n"
	      "one next follow-up and one re-grade review), commitments, SLA "
	      "clocks,\n"
	      "grade proposals (one pending stays) and purchases. DROP stays "
	      "as a\n"
	      "record merged into KEEP, with its stage history, out of lists "
	      "and\n"
	      "reports.\n"
	      "Asks first: it shows both customers and how many of DROP's "
	      "records\n"
	      "move, then asks [y/N] on the terminal; scripts say --yes.\n",
	    f);
}

const struct cmd_row cmd_table[] = {
	/* session */
	{ .name = "login",
	    .group = "session",
	    .usage = "[USER]",
	    .summary = "Log in; the password is read without echo.",
	    .min_args = 0,
	    .max_args = 1,
	    .fn = cmd_session_login,
	    .sensitive = true },
	{ .name = "logout",
	    .group = "session",
	    .usage = "",
	    .summary = "End the session and forget its token.",
	    .max_args = 0,
	    .fn = cmd_session_logout },
	{ .name = "whoami",
	    .group = "session",
	    .usage = "",
	    .summary = "Show the logged-in user.",
	    .max_args = 0,
	    .fn = cmd_session_whoami },
	{ .name = "passwd",
	    .group = "session",
	    .usage = "",
	    .summary = "Change your password (old, then new twice).",
	    .max_args = 0,
	    .fn = cmd_session_passwd,
	    .sensitive = true },

	/* customers */
	{ .name = "customer",
	    .group = "customer",
	    .usage = "VERB ...",
	    .summary = "Customer records: add, show, edit, list, find, "
	               "assign, merge, history, check." },
	{ .name = "customer add",
	    .group = "customer",
	    .usage = "NAME [--kind company|person] [--industry X] "
	             "[--source X] [--region X] [--owner USER] "
	             "[--grade S|A|B|C] [--stage STAGE] [--website X] "
	             "[--licence X] [--employees N] [--revenue AMOUNT] "
	             "[--tag T]... [--notes X] [--birthday MM-DD] "
	             "[--anniversary MM-DD] [--age-range X] "
	             "[--first-contact WHEN] "
	             "[--reason TEXT] [--pain-points X] "
	             "[--purchase-intent X] [--budget-range X] "
	             "[--timeline X] [--decision-chain X] "
	             "[--value-tier LEVEL] [--urgency LEVEL]",
	    .summary = "Create a customer record (names are unique per "
	               "kind).",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = customer_add_opts,
	    .fn = cmd_customer_add },
	{ .name = "customer show",
	    .group = "customer",
	    .only_reads = true,
	    .usage = "ID|NAME",
	    .summary = "Show a customer and its contacts.",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .fn = cmd_customer_show },
	{ .name = "customer why",
	    .group = "customer",
	    .usage = "ID|NAME",
	    .summary = "Why each open task, commitment and SLA deadline of "
	               "a customer is due when it is: the rule (cadence "
	               "cell, clock, routine, review, greeting, a person's "
	               "date), the follow-up it counts from, and the "
	               "weekends, holidays and make-up working days passed.",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .only_reads = true,
	    .fn = cmd_customer_why },
	{ .name = "customer edit",
	    .group = "customer",
	    .usage = "ID|NAME FIELD=VALUE...",
	    .summary = "Change fields (industry=..., notes=..., tags=a,b; "
	               "an empty VALUE clears).",
	    .min_args = 2,
	    .max_args = -1,
	    .args = { complete_customer, complete_customer_field },
	    .fn = cmd_customer_edit,
	    .more_help = customer_edit_help },
	{ .name = "customer list",
	    .group = "customer",
	    .usage = "[--owner U] [--stage S] [--grade G] [--tag T] "
	             "[--unchecked] [--missing-minutes]",
	    .summary = "List the customers you may see, filtered.",
	    .max_args = 0,
	    .opts = customer_list_opts,
	    .fn = cmd_customer_list },
	{ .name = "customer find",
	    .group = "customer",
	    .usage = "TEXT [--followups]",
	    .summary =
	        "Search names, notes, industry, region, pain points, "
	        "contacts (names, titles, phones, e-mails, IM; as typed, "
	        "apart "
	        "from case, width and the blanks around it; a phone number "
	        "by its digits, however written); --followups: follow-ups "
	        "too.",
	    .min_args = 1,
	    .max_args = -1,
	    .opts = customer_find_opts,
	    .fn = cmd_customer_find },
	{ .name = "customer assign",
	    .group = "customer",
	    .usage = "ID|NAME USER",
	    .summary = "Give a customer to another user (managers, admins).",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { complete_customer },
	    .fn = cmd_customer_assign },

	{ .name = "customer release",
	    .group = "customer",
	    .usage = "ID|NAME REASON",
	    .summary = "Put a customer in its team's pool (公海) for any rep "
	               "of the team to claim (its owner, managers): open "
	               "tasks and commitments close, SLA clocks go to the "
	               "team's manager. A commitment closed before it fell "
	               "due counts released in the reports (neither kept "
	               "nor broken), one past due stays broken; an "
	               "occurrence or next follow-up past due stays "
	               "missed.",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { complete_customer },
	    .fn = cmd_customer_release },
	{ .name = "customer handover",
	    .group = "customer",
	    .usage = "FROM TO [--stage S] [--grade G] [--dry-run]",
	    .summary = "Move FROM's customers to TO with their open tasks, "
	               "commitments, clocks and proposals (managers of the "
	               "team, admins), 25 a request; --dry-run lists them "
	               "and changes nothing.",
	    .min_args = 2,
	    .max_args = 2,
	    .online_only = true, /* batch by batch: never kept */
	    .opts = handover_opts,
	    .fn = cmd_customer_handover },
	{ .name = "pool",
	    .group = "customer",
	    .usage = "VERB ...",
	    .summary = "The team pool (公海): list, claim." },
	{ .name = "pool list",
	    .group = "customer",
	    .usage = "[--team T]",
	    .summary = "Your team's pool: grade, stage, last contact, since "
	               "when, from whom and why (admins: all or --team).",
	    .max_args = 0,
	    .opts = pool_list_opts,
	    .fn = cmd_pool_list },
	{ .name = "pool claim",
	    .group = "customer",
	    .usage = "ID|NAME",
	    .summary = "Take a customer of your team's pool: it is yours, "
	               "planned as a newly owned customer (next follow-up "
	               "per the cadence from the claim, month-end re-grade, "
	               "greetings, routine occurrences; limits: policy "
	               "pool).",
	    .min_args = 1,
	    .max_args = 1,
	    .online_only = true, /* first come, first served: never kept */
	    .fn = cmd_pool_claim },

	{ .name = "customer merge",
	    .group = "customer",
	    .usage = "KEEP DROP [--yes]",
	    .summary = "Merge a duplicate into KEEP: DROP's records move, "
	               "DROP is closed (shows what moves, asks first).",
	    .min_args = 2,
	    .max_args = 2,
	    .opts = merge_opts,
	    .args = { complete_customer, complete_customer },
	    .fn = cmd_customer_merge,
	    .online_only = true,
	    .more_help = customer_merge_help },
	{ .name = "customer check",
	    .group = "customer",
	    .usage = "ID|NAME",
	    .summary = "Mark a new record checked (信息核对; a manager of "
	               "the team, or an admin).",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .fn = cmd_customer_check },
	{ .name = "customer history",
	    .group = "customer",
	    .only_reads = true,
	    .usage = "ID|NAME [--limit N] [--before CURSOR]",
	    .summary = "A customer's timeline: follow-ups, stages, grades, "
	               "tasks, commitments, SLA clocks.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = history_opts,
	    .args = { complete_customer },
	    .fn = cmd_history_show },

	/* contacts */
	{ .name = "contact",
	    .group = "contact",
	    .usage = "VERB ...",
	    .summary =
	        "A customer's contacts: add, list, edit, left, verify." },
	{ .name = "contact add",
	    .group = "contact",
	    .usage = "CUSTOMER NAME [--title X] [--phone X]... [--email X] "
	             "[--im X] [--role ROLE] [--birthday MM-DD] [--notes X]",
	    .summary = "Add a contact to a customer (id or exact name).",
	    .min_args = 2,
	    .max_args = 2,
	    .opts = contact_add_opts,
	    .args = { complete_customer, NULL },
	    .fn = cmd_contact_add },
	{ .name = "contact list",
	    .group = "contact",
	    .only_reads = true,
	    .usage = "CUSTOMER",
	    .summary = "List a customer's contacts, those who left included.",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .fn = cmd_contact_list },
	{ .name = "contact left",
	    .group = "contact",
	    .usage = "ID",
	    .summary = "Record that a contact left the organisation.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_contact_left },
	{ .name = "contact verify",
	    .group = "contact",
	    .usage = "ID",
	    .summary = "Mark a contact's details confirmed (who and when are "
	               "kept).",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_contact_verify },
	{ .name = "contact edit",
	    .group = "contact",
	    .usage = "ID FIELD=VALUE...",
	    .summary = "Change a contact's fields (name, title, phone or "
	               "phones=a,b, email, im, role=决策人, birthday, notes; "
	               "an empty VALUE clears).",
	    .min_args = 2,
	    .max_args = -1,
	    .args = { NULL, complete_contact_field },
	    .fn = cmd_contact_edit },

	/* follow-ups and tasks */
	{ .name = "log",
	    .group = "followup",
	    .usage = "CUSTOMER [\"summary\"] [--channel CHANNEL] [--at WHEN] "
	             "[--duration MIN] [--contact NAME]... [--feedback TEXT] "
	             "[--goal TEXT] [--participants TEXT] [--mood MOOD] "
	             "[--next ACTION --due WHEN [--owner USER]] "
	             "[--commit PROMISE --due WHEN [--owner USER]]... "
	             "[--stage STAGE [--reason TEXT] [--amount A] "
	             "[--terms T]] [--score T,E,P,A [--evidence TEXT]...] "
	             "[--attach PATH_OR_URL [--title T]]... "
	             "[--resolves ISSUE] [--objection TEXT]... "
	             "[--tag T1,T2]... [--no-answer]",
	    .summary = "Log a follow-up in one line; without a summary, "
	               "asks field by field.",
	    .min_args = 1,
	    .max_args = 2,
	    .opts = log_opts,
	    .args = { complete_customer, NULL },
	    .fn = cmd_followup_log },
	{ .name = "followup",
	    .group = "followup",
	    .usage = "VERB ...",
	    .summary = "Follow-ups: show." },
	{ .name = "followup show",
	    .group = "followup",
	    .usage = "ID",
	    .summary = "A follow-up with every field: feedback, mood, "
	               "objections, next action, participants, commitments, "
	               "attachments.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_followup_show },
	{ .name = "attach",
	    .group = "followup",
	    .usage = "FOLLOWUP PATH_OR_URL [--title T]",
	    .summary = "Keep a reference to minutes or a recording with a "
	               "follow-up (the file is not sent).",
	    .min_args = 2,
	    .max_args = 2,
	    .opts = attach_opts,
	    .args = { NULL, complete_file },
	    .fn = cmd_attach_add },
	{ .name = "due",
	    .group = "followup",
	    .usage = "[today|overdue|week|all] [--user U|--team] [--kind K] "
	             "[--limit N]",
	    .summary = "Open tasks, overdue first (default today).",
	    .max_args = 1,
	    .opts = due_opts,
	    .args = { complete_due_window },
	    .fn = cmd_task_due },
	{ .name = "task",
	    .group = "followup",
	    .usage = "VERB ...",
	    .summary = "Tasks: add, done, move, assign, cancel." },
	{ .name = "task add",
	    .group = "followup",
	    .usage = "CUSTOMER WHEN \"goal\" [--channel TEXT] [--owner USER]",
	    .summary = "Add a task beside the customer's next follow-up.",
	    .min_args = 3,
	    .max_args = 3,
	    .opts = task_add_opts,
	    .args = { complete_customer, complete_when, NULL },
	    .fn = cmd_task_add },
	{ .name = "task done",
	    .group = "followup",
	    .usage = "ID",
	    .summary = "Mark a task done (logging a follow-up does it too).",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_task_done },
	{ .name = "task move",
	    .group = "followup",
	    .usage = "ID WHEN",
	    .summary = "Move a task to another time.",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { NULL, complete_when },
	    .fn = cmd_task_move },
	{ .name = "task assign",
	    .group = "followup",
	    .usage = "ID USER",
	    .summary = "Give a task to someone who may see its customer "
	               "(a rep: to their manager).",
	    .min_args = 2,
	    .max_args = 2,
	    .fn = cmd_task_assign },
	{ .name = "task cancel",
	    .group = "followup",
	    .usage = "ID [--next WHEN \"goal\"]",
	    .summary = "Cancel a task; a next follow-up only with its "
	               "replacement (--next).",
	    .min_args = 1,
	    .max_args = 2,
	    .opts = task_cancel_opts,
	    .fn = cmd_task_cancel },

	/* lifecycle and grades */
	{ .name = "stage",
	    .group = "lifecycle",
	    .usage = "CUSTOMER potential|intent|negotiation|won|churn_risk|"
	             "lost [--reason TEXT] [--amount A] [--date WHEN] "
	             "[--terms TEXT] [--category C]",
	    .summary = "Move a customer to a stage (lost needs --reason).",
	    .min_args = 2,
	    .max_args = 2,
	    .opts = stage_opts,
	    .args = { complete_customer, complete_stage },
	    .fn = cmd_followup_stage },
	{ .name = "grade",
	    .group = "lifecycle",
	    .usage = "VERB ...",
	    .summary = "Grade proposals: propose, pending, approve, reject." },
	{ .name = "grade propose",
	    .group = "lifecycle",
	    .usage = "CUSTOMER S|A|B|C \"reason\"",
	    .summary = "Propose a grade; it changes when a manager approves.",
	    .min_args = 3,
	    .max_args = 3,
	    .args = { complete_customer, complete_grade, NULL },
	    .fn = cmd_grade_propose },
	{ .name = "grade pending",
	    .group = "lifecycle",
	    .usage = "",
	    .summary = "Proposals waiting for a decision.",
	    .max_args = 0,
	    .fn = cmd_grade_pending },
	{ .name = "grade approve",
	    .group = "lifecycle",
	    .usage = "ID",
	    .summary = "Approve a proposal: the grade changes (managers).",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_grade_approve },
	{ .name = "grade reject",
	    .group = "lifecycle",
	    .usage = "ID \"reason\"",
	    .summary = "Reject a proposal, saying why (managers).",
	    .min_args = 2,
	    .max_args = 2,
	    .fn = cmd_grade_reject },

	/* purchases */
	{ .name = "purchase",
	    .group = "value",
	    .usage = "VERB ...",
	    .summary = "A customer's purchases (合作记录): add, list." },
	{ .name = "purchase add",
	    .group = "value",
	    .usage = "CUSTOMER AMOUNT \"product\" [--category C] [--at WHEN] "
	             "[--contract REF]",
	    .summary = "Record a purchase (`report value` segments "
	               "customers by them).",
	    .min_args = 3,
	    .max_args = 3,
	    .opts = purchase_add_opts,
	    .args = { complete_customer, NULL, NULL },
	    .fn = cmd_purchase_add },
	{ .name = "purchase list",
	    .group = "value",
	    .only_reads = true,
	    .usage = "CUSTOMER",
	    .summary =
	        "A customer's purchases, oldest bought first, and their "
	        "totals.",
	    .min_args = 1,
	    .max_args = 1,
	    .args = { complete_customer },
	    .fn = cmd_purchase_list },

	{ .name = "routine",
	    .group = "followup",
	    .usage = "VERB ...",
	    .summary = "Calendar routines (每月15日, 每周三, 每季度末): add, "
	               "list, stop." },
	{ .name = "routine add",
	    .group = "followup",
	    .usage = "CUSTOMER|--team TEAM \"goal\" --monthly DAY|--weekly "
	             "WEEKDAY|--quarterly last-week [--time HH:MM] "
	             "[--stage S] [--grade G]",
	    .summary = "A routine: each occurrence is its own task for the "
	               "owner, made 14 days ahead, on the next working day "
	               "when the date is not one. --team: one task per "
	               "active customer of the team.",
	    .min_args = 1,
	    .max_args = 2,
	    .opts = routine_add_opts,
	    .args = { complete_customer, NULL },
	    .fn = cmd_routine_add },
	{ .name = "routine list",
	    .group = "followup",
	    .only_reads = true,
	    .usage = "[CUSTOMER] [--stopped]",
	    .summary = "The routines of the customers you see, and your "
	               "team's.",
	    .max_args = 1,
	    .opts = routine_list_opts,
	    .args = { complete_customer },
	    .fn = cmd_routine_list },
	{ .name = "routine stop",
	    .group = "followup",
	    .usage = "ID",
	    .summary = "Stop a routine; its open occurrences are cancelled "
	               "(one already due stays missed in the reports).",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_routine_stop },

	/* SLA clocks, commitments, manager views */
	{ .name = "inquiry",
	    .group = "sla",
	    .usage = "CUSTOMER \"text\"",
	    .summary = "Record an inquiry: starts the 24 h reply clock.",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { complete_customer, NULL },
	    .fn = cmd_sla_inquiry },
	{ .name = "issue",
	    .group = "sla",
	    .usage = "CUSTOMER \"text\"",
	    .summary = "Record an after-sales issue: 2 h response and 1 "
	               "business day solution clocks.",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { complete_customer, NULL },
	    .fn = cmd_sla_issue },
	{ .name = "issue resolve",
	    .group = "sla",
	    .usage = "ID \"what was done\"",
	    .summary = "Resolve an open issue: an objection, or an "
	               "after-sales issue's solution clock (a follow-up stops "
	               "only the response clock).",
	    .min_args = 2,
	    .max_args = 2,
	    .args = { complete_open_issue, NULL },
	    .fn = cmd_sla_issue_resolve },
	{ .name = "issue escalate",
	    .group = "sla",
	    .usage = "ID [--manager USER]",
	    .summary = "Give an open issue (an objection or an after-sales "
	               "issue) to a manager of the team, with a task due "
	               "by the issue's solution deadline.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = issue_escalate_opts,
	    .args = { complete_open_issue },
	    .fn = cmd_sla_issue_escalate },
	{ .name = "issue list",
	    .group = "sla",
	    .usage = "[--open] [--team]",
	    .summary = "Open issues: objections (待解决问题) and after-sales "
	               "issues with their response and solution clocks.",
	    .max_args = 0,
	    .opts = issue_list_opts,
	    .fn = cmd_sla_issue_list },
	{ .name = "sla",
	    .group = "sla",
	    .usage = "[--breached] [--team]",
	    .summary = "Running SLA clocks, in time or past their deadline; "
	               "--breached: every breach, running past its deadline "
	               "or stopped late.",
	    .max_args = 0,
	    .opts = sla_opts,
	    .fn = cmd_sla_list },
	{ .name = "commitments",
	    .group = "sla",
	    .usage = "[--open|--broken] [--team]",
	    .summary = "Promises made in follow-ups, open and broken.",
	    .max_args = 0,
	    .opts = commitments_opts,
	    .fn = cmd_sla_commitments },
	{ .name = "commitment",
	    .group = "sla",
	    .usage = "VERB ...",
	    .summary = "A commitment: done." },
	{ .name = "commitment done",
	    .group = "sla",
	    .usage = "ID [--by FOLLOWUP]",
	    .summary = "Mark a commitment kept.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = commitment_done_opts,
	    .fn = cmd_sla_commitment_done },
	{ .name = "stale",
	    .group = "sla",
	    .usage = "[--hours N] [--team]",
	    .summary = "Customers whose record was not updated lately.",
	    .max_args = 0,
	    .opts = stale_opts,
	    .fn = cmd_sla_stale },

	/* reports: one verb per ReportKind (REPORT_<VERB>) */
	{ .name = "report",
	    .group = "report",
	    .usage = "KIND " REPORT_USAGE,
	    .summary = "Reports over your scope and a period (default the "
	               "last 30 days)." },
	REPORT_ROW("funnel",
	    "Customers per stage now, and the moves between stages."),
	REPORT_ROW("conversion",
	    "Per grade: of the customers there were in the period (by their "
	    "stage history then), the share won in it (at won_at), against "
	    "the target; a customer won twice counts once here, each deal "
	    "in monthly's and weekly's Won."),
	REPORT_ROW("cycle",
	    "Days from first contact (the earliest known now) to won "
	    "(won_at)."),
	REPORT_ROW("churn",
	    "The share of the customers active at the start (first "
	    "contacted before it, however late entered) lost in the "
	    "period; losses of customers that began in it apart; reasons "
	    "ranked."),
	REPORT_ROW("activity",
	    "Follow-ups against each grade's own cadence (S daily, A every "
	    "3 days, B 7, C 30: the policy's grades, whatever the stage; "
	    "on working days, as the planner moves each due date: S one "
	    "each working day, a longer interval 5 working days in 7), by "
	    "channel; late and effective ones. A team's customer-days and "
	    "cadence are its people's: the days a customer sat in the "
	    "team's pool count in no grade, so the team's are the sums of "
	    "its reps'."),
	REPORT_ROW("quality",
	    "Service-quality scores per dimension, the lowest and the best "
	    "cases, and S-grade visits without minutes."),
	REPORT_ROW("sla",
	    "Replies within the deadline per SLA rule, and the breaches (a "
	    "clock counts in the period it started, its breach with it)."),
	REPORT_ROW("weekly",
	    "One rep's weekly follow-up report (客户跟进周报表); default "
	    "this week."),
	REPORT_ROW("monthly",
	    "The team's monthly review, reps side by side (customers: those "
	    "each had in the month; won: deals, a customer won twice "
	    "counting twice; others: people outside the team; all: the "
	    "team's, as activity counts); default this month."),
	REPORT_ROW("value",
	    "Customers high/medium/low by purchase frequency, amount and "
	    "category, with the follow-ups each segment got against the "
	    "policy; default the last 365 days."),
	REPORT_ROW("pool",
	    "Customers put in the team pool in the period (reason, former "
	    "owner), and per rep: released, claimed, given from the pool."),
	REPORT_ROW("feedback",
	    "Feedback tags (log --tag) ranked by follow-ups and customers, "
	    "with bars: the common problems of the period."),

	/* export and import; kinds are ExportKind / ImportKind names */
	{ .name = "export",
	    .group = "data",
	    .usage = "KIND FILE ...",
	    .summary = "Write customers, contacts, follow-ups, tasks, "
	               "purchases or a report to .csv or .xlsx." },
	EXPORT_ROW("customers", "Export the customers you may see."),
	EXPORT_ROW("contacts", "Export their contacts, with the customer's "
	                       "name."),
	EXPORT_ROW("followups",
	    "Export their follow-ups (--from/--to: when they happened)."),
	EXPORT_ROW("tasks", "Export their tasks (--from/--to: due time)."),
	EXPORT_ROW(
	    "purchases", "Export their purchases (--from/--to: when bought)."),
	{ .name = "export audit",
	    .group = "data",
	    .only_reads = true,
	    .usage = "FILE [CUSTOMER] [--user U] [--from D] [--to D] [--bom]",
	    .summary = "Export the audit trail, one row per changed field "
	               "(managers: their team; admins: all).",
	    .min_args = 1,
	    .max_args = 2,
	    .opts = audit_export_opts,
	    .args = { complete_file, complete_customer },
	    .fn = cmd_export_audit },
	{ .name = "export report",
	    .group = "data",
	    .usage = "KIND FILE [--user U|--team T] [--from D] "
	             "[--to D] [--bom]",
	    .summary = "Export a report: one sheet per table (CSV: tables "
	               "one after another).",
	    .min_args = 2,
	    .max_args = 2,
	    .opts = export_report_opts,
	    .args = { complete_report_kind, complete_file },
	    .fn = cmd_export_report,
	    .more_help = cmd_report_help },
	{ .name = "import",
	    .group = "data",
	    .usage = "KIND FILE [--dry-run] [--skip-bad]",
	    .summary = "Read customers, contacts, follow-ups or purchases "
	               "from CSV (UTF-8, GBK or UTF-16) or an .xlsx's first "
	               "sheet; nothing is written if a row is bad." },
	IMPORT_ROW("customers", "Import customers (header 客户名称 or name, "
	                        "...)."),
	IMPORT_ROW("contacts", "Import contacts of existing customers."),
	IMPORT_ROW(
	    "followups", "Import follow-ups of existing customers (history)."),
	IMPORT_ROW("purchases",
	    "Import purchases of existing customers (客户名称, 金额, 产品, "
	    "类别, 购买日期, ...)."),

	/* the audit trail */
	{ .name = "audit",
	    .group = "customer",
	    .only_reads = true,
	    .usage = "[CUSTOMER] [--user U] [--from D] [--to D] [--limit N] "
	             "[--before CURSOR]",
	    .summary = "Who changed what and when, with each field before "
	               "and after (managers: their team; admins: all).",
	    .min_args = 0,
	    .max_args = 1,
	    .opts = audit_opts,
	    .args = { complete_customer },
	    .fn = cmd_audit_list },

	/* services */
	{ .name = "changes",
	    .group = "sync",
	    .usage = "SINCE [--limit N]",
	    .summary = "Customers, contacts, follow-ups and tasks changed "
	               "after cursor SINCE (0: all), and the next cursor.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = changes_opts,
	    .fn = cmd_changes_list },

	/* admin */
	{ .name = "user",
	    .group = "admin",
	    .usage = "VERB ...",
	    .summary = "User accounts: add, list, disable, passwd." },
	{ .name = "user add",
	    .group = "admin",
	    .usage = "LOGIN --role admin|manager|rep [--team TEAM] "
	             "[--name NAME]",
	    .summary = "Create a user; the password is read like login's.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = user_add_opts,
	    .fn = cmd_admin_user_add,
	    .sensitive = true },
	{ .name = "user list",
	    .group = "admin",
	    .usage = "",
	    .summary = "List users (admins: all; managers: their team).",
	    .max_args = 0,
	    .fn = cmd_admin_user_list },
	{ .name = "user disable",
	    .group = "admin",
	    .usage = "LOGIN [--handover USER]",
	    .summary = "Disable a user and end their sessions; --handover: "
	               "their customers go to USER in the same step.",
	    .min_args = 1,
	    .max_args = 1,
	    .opts = user_disable_opts,
	    .fn = cmd_admin_user_disable },
	{ .name = "user passwd",
	    .group = "admin",
	    .usage = "LOGIN",
	    .summary = "Set a user's password (read like login's) and end "
	               "their sessions.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_admin_user_passwd,
	    .sensitive = true },
	{ .name = "team",
	    .group = "admin",
	    .usage = "VERB ...",
	    .summary = "Teams: add, list." },
	{ .name = "team add",
	    .group = "admin",
	    .usage = "NAME",
	    .summary = "Create a team.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_admin_team_add },
	{ .name = "team list",
	    .group = "admin",
	    .usage = "",
	    .summary = "List teams with their managers and size.",
	    .max_args = 0,
	    .fn = cmd_admin_team_list },

	{ .name = "backup",
	    .group = "admin",
	    .usage = "[DIR]",
	    .summary = "Admin: a hot, verified copy of the database on the "
	               "server's machine (DIR absolute, or a name in the "
	               "backups folder beside the data; default a dated "
	               "name).",
	    .max_args = 1,
	    .fn = cmd_admin_backup },
	{ .name = "stats",
	    .group = "admin",
	    .usage = "",
	    .summary =
	        "Admin: crmd's latency per request type since it "
	        "started (count, p50, p99, p999; a write's includes "
	        "its synced commit; each report, export and import "
	        "kind a row of its own) and its group commits (writes and "
	        "bytes per commit).",
	    .max_args = 0,
	    .fn = cmd_stats },

	{ .name = "policy",
	    .group = "admin",
	    .usage = "VERB ...",
	    .summary = "The follow-up policy: show, set, value." },
	{ .name = "policy show",
	    .group = "admin",
	    .usage = "",
	    .summary = "The cadence matrix stage x grade, each grade's "
	               "target, and the SLA rules.",
	    .max_args = 0,
	    .fn = cmd_task_policy_show },
	{ .name = "policy set",
	    .group = "admin",
	    .usage = "[STAGE] GRADE [--every DURATION] [--goal TEXT] "
	             "[--channels A,B,C] [--greetings on|off] "
	             "[--reclaim-after DAYS] [--reclaim-unwon DAYS] "
	             "[--reclaim-warn DAYS] [--dry-run]",
	    .summary = "Change one cell stage x grade of the cadence matrix; "
	               "with GRADE alone, the grade's row and its pre-deal "
	               "cells (admins).",
	    .min_args = 1,
	    .max_args = 2,
	    .opts = policy_set_opts,
	    .args = { complete_stage_or_grade, complete_grade },
	    .fn = cmd_task_policy_set },
	{ .name = "policy retention",
	    .group = "admin",
	    .usage = "[DURATION]",
	    .summary = "How long crmd keeps the replies of writes, so an "
	               "outbox resent later is answered, not stored twice "
	               "(default 7d; admins change it: 1d to 366d).",
	    .max_args = 1,
	    .fn = cmd_outbox_retention },
	{ .name = "policy avoidance",
	    .group = "admin",
	    .usage = "[N]",
	    .summary = "How many follow-ups in a row avoiding contact "
	               "(resistant, hesitant, no answer) on an S or A "
	               "customer give its manager a grade-review task "
	               "(default 3; admins change it: 2-20).",
	    .max_args = 1,
	    .fn = cmd_signals_avoidance },
	{ .name = "policy currency",
	    .group = "admin",
	    .usage = "[SYMBOL]",
	    .summary = "The currency amounts are shown in: show, or "
	               "(admins) set it (default ¥; e.g. $, €, HK$, CHF).",
	    .max_args = 1,
	    .fn = cmd_task_policy_currency },
	{ .name = "policy value",
	    .group = "admin",
	    .usage = "[--frequency H,M] [--amount H,M] [--category H,M] "
	             "[--every H,M,L]",
	    .summary = "Value segments: show, or (admins) change their "
	               "thresholds and cadences.",
	    .max_args = 0,
	    .opts = policy_value_opts,
	    .fn = cmd_purchase_policy },

	{ .name = "policy pool",
	    .group = "admin",
	    .usage = "[--claims-per-day N] [--max-held N] [--cooldown D]",
	    .summary = "Limits on pool claims per rep: show, or (admins) set "
	               "them (0: no limit, the default; cool-down: how long "
	               "the previous owner waits, e.g. 7d).",
	    .max_args = 0,
	    .opts = policy_pool_opts,
	    .fn = cmd_policy_pool },

	{ .name = "policy working-days",
	    .group = "admin",
	    .usage = "[on|off]",
	    .summary = "Whether a next follow-up the cadence plans on a "
	               "holiday or weekend moves to the next working day "
	               "(the calendar's; default on): show, or (admins) "
	               "change.",
	    .max_args = 1,
	    .fn = cmd_calendar_policy },

	{ .name = "calendar",
	    .group = "admin",
	    .usage = "VERB ...",
	    .summary = "Public holidays and make-up working days (调休): "
	               "import, show." },
	{ .name = "calendar import",
	    .group = "admin",
	    .usage = "FILE.csv",
	    .summary = "Admins: load holidays and make-up working days from "
	               "CSV rows date,kind,name (kind holiday|workday; a "
	               "header row and # comment lines are allowed); each "
	               "year in the file replaces that year's days. Business "
	               "days (SLA deadlines, cadence dates, month-end "
	               "reviews) follow the calendar.",
	    .min_args = 1,
	    .max_args = 1,
	    .fn = cmd_calendar_import },
	{ .name = "calendar show",
	    .group = "admin",
	    .usage = "[YEAR]",
	    .summary = "A year's holidays and make-up working days (default "
	               "this year); other days Monday to Friday are working "
	               "days.",
	    .max_args = 1,
	    .fn = cmd_calendar_show },

	/* shell */
	{ .name = "outbox",
	    .group = "shell",
	    .usage =
	        "[list | send [ID] | drop ID | again ID | fix ID CUSTOMER]",
	    .summary = "Writes whose outcome is not known yet (crmd was "
	               "not running or did not answer), each sent with its "
	               "own request id and the time it was typed, and those "
	               "crmd refused: list them, send them, drop one, "
	               "send a refused one for the customer you meant, or "
	               "send a second one of a write a retype was taken for "
	               "(outbox again ID).",
	    .max_args = 3,
	    .fn = cmd_outbox },
	{ .name = "help",
	    .group = "shell",
	    .usage = "[COMMAND|@group]",
	    .summary = "Show commands, one command's usage, or a group.",
	    .max_args = 2,
	    .args = { complete_help_topic },
	    .fn = cmd_help },
	{ .name = "clear",
	    .group = "shell",
	    .usage = "",
	    .summary = "Clear the screen, like Ctrl-L (nothing when the "
	               "output is not a terminal).",
	    .max_args = 0,
	    .fn = cmd_clear },
	{ .name = "quit",
	    .alias = "exit",
	    .group = "shell",
	    .usage = "",
	    .summary = "Leave the shell.",
	    .max_args = 0,
	    .fn = cmd_quit },
	{ .name = NULL },
};
