#!/usr/bin/env bash
# nocut_test.sh: a reply that would outgrow its cap says so, never cuts
# silently (issue 13 item 1). Just over
# the cap of 500 entries: 501 running churn-risk clocks, 512 commitments, 251
# issues, 501 stale customers, 501 pending grade proposals; `sla`,
# `sla --breached`, `issue list`, `commitments`, `commitments --broken`,
# `stale` and `grade pending` each list 500 (250 issues) and say more
# under the table (on stderr in json mode, stdout staying JSON); the
# shell's live reminders say more than fit. A team's
# view merges its reps' queues by deadline: zhao's one clock, due before
# all of li's, is in wang's `sla --team` (today's main listed li's first
# 500 and cut the rest without a word). The test clock (CRM_TEST_CLOCK)
# moves, nothing sleeps.
# Usage: nocut_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home nocut 10000
export TZ=UTC CRM_TEST_CLOCK=$H/clock
date +%s >"$CRM_TEST_CLOCK"
at() { echo $(($(cat "$CRM_TEST_CLOCK") + $1)) >"$CRM_TEST_CLOCK"; }
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null; }
# says DESC CMD TEXT: CMD's output has TEXT (and so, a table of entries).
says() {
	local out
	out=$("$CRM" -c "$2" 2>&1)
	[[ $out == *"$3"* ]] && ok "$1" || bad "$1: $(tail -2 <<<"$out")"
}

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
for u in wang:manager li:rep zhao:rep; do
	printf 'pwx\n' | "$CRM" -c "user add ${u%%:*} --role ${u##*:} --team east" >/dev/null ||
		bad "user $u"
done

# zhao's churn risk first: its clock's deadline is the team's earliest.
e2e_login zhao pwx
"$CRM" -c 'customer add 赵的客户 --stage churn_risk' >/dev/null || bad "zhao's customer"
at 3600
e2e_login li pwx
python3 -c '
print("name,stage,grade")
for i in range(502):
    print("客户%03d,churn_risk,A" % i)' >"$H/li.csv"
out=$("$CRM" -c "import customers $H/li.csv" 2>&1)
[[ $out == *"502 added"* ]] && ok "li imports 502 churn risks (one gets follow-ups)" || bad "import: $out"
commits=$(python3 -c 'print(" ".join("--commit p%d --due +%dd" % (i, 1 + i % 3) for i in range(16)))')
# One crm reading a command a line (not a terminal): one process for the
# 32 logs, not 32 (each start costs tens of ms under the sanitizers).
for i in $(seq 32); do
	echo "log 客户000 called $commits"
done | "$CRM" >/dev/null 2>"$H/err" || bad "log 16 commitments: $(cat "$H/err")"

says "sla: more than 500 clocks" sla "more than 500 clocks"
n=$("$CRM" --format json -c sla 2>"$H/err" | count)
[ "$n" = 500 ] && grep -q "more than 500 clocks" "$H/err" &&
	ok "sla --format json: 500 clocks, more on stderr" ||
	bad "sla json: $n clocks, stderr: $(cat "$H/err")"
says "commitments: more than 500" commitments "more than 500 commitments"

e2e_login wang pwx
out=$("$CRM" -c 'sla --team' 2>&1)
[[ $out == *"赵的客户"* ]] && ok "sla --team: zhao's earliest clock is in" ||
	bad "sla --team lacks zhao's clock (li's first 500 only)"
[[ $out == *"more than 500 clocks"* ]] && ok "sla --team: says more" ||
	bad "sla --team: $(tail -1 <<<"$out")"
says "grade pending: more than 500 proposals" "grade pending" "more than 500 proposals"
n=$("$CRM" --format json -c 'grade pending' 2>"$H/err" | count)
[ "$n" = 500 ] && grep -q "more than 500" "$H/err" &&
	ok "grade pending --format json: 500, more on stderr" ||
	bad "grade pending json: $n, stderr: $(cat "$H/err")"

# Issues (2 h and a day) after the team's check: their clocks are the
# most urgent ones. issue list: the newest 250 clocks of a rep.
e2e_login li pwx
for i in $(seq 251); do
	echo "issue 客户001 broken-$i"
done | "$CRM" >/dev/null 2>"$H/err" || bad "251 issues: $(cat "$H/err")"
says "issue list: says more issues" "issue list" "more issues"

# Five days on: every clock breached, every commitment broken, every
# customer stale.
at $((5 * 86400))
says "sla --breached: more than 500" "sla --breached" "more than 500 clocks"
says "commitments --broken: more than 500" "commitments --broken" "more than 500 commitments"
says "stale: more than 500 stale customers" stale "more than 500 stale customers"
n=$("$CRM" --format csv -c stale 2>"$H/err" | tail -n +2 | wc -l)
[ "$n" = 500 ] && grep -q "more than 500 stale" "$H/err" &&
	ok "stale --format csv: 500 rows, more on stderr" ||
	bad "stale csv: $n rows, stderr: $(cat "$H/err")"

# The shell's live reminders (li's 501 overdue clocks): it says more.
e2e_tmux nocut
pane_start crm 120 30 "CRM_TEST_CLOCK='$CRM_TEST_CLOCK' TZ=UTC '$CRM'" ||
	bad "tmux starts the shell"
wait_for crm "reminders: say more than fit" "more reminders than fit"
e2e_done
