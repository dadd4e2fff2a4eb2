#!/usr/bin/env bash
# fact_journal_test.sh: since schema 23 the newest report facts of
# follow-ups and tasks (fu_time, task_due) wait in the fact journal
# (fact_log) until crmd's writer folds them into their people's ranges.
# Wherever a fact is, every report of a rep, a team and all teams says
# the same; a crash leaves the journal as it was and crm-check clean; a
# journal fact that is missing is found; a stop folds the journal; a
# crmd folding every two facts says the same as one that never does.
# Edits of facts that wait (a merge moves follow-ups and done tasks, an
# overdue task given away) are covered.
# Usage: fact_journal_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home fact-journal
# No fold while the test writes: only at a stop.
export CRM_TEST_FOLD_AT=1000000 CRM_TEST_FOLD_REST_MS=3600000
e2e_report_upgrade_setup

# Entries in the journal (schema.def: fact_log is tag 21 of the shared
# tree, keyed by an 8-byte sequence), from a dump of $H/db.
journal() {
	mdb_dump -a "$H/db" >"$H/j.dump" || { echo "?"; return; }
	python3 - "$H/j.dump" "$(dirname "$0")" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from mdb_dump import Dump
print(sum(1 for k, _ in Dump(sys.argv[1]).pairs("crm")
          if k[:2] == "15" and len(k) == 18))
PY
}

add() { run_exit 0 "customer $1" "$CRM" -c "customer add $1 --owner $2 --grade $3"; }
add 华东机电 li A
add 华东机电设备 li B
add 杭州新风 li B
add 上海云图 zhao A
add 成都天府 chen S
as li
run_exit 0 "a follow-up with a promise" "$CRM" -c \
	"log 华东机电 '技术部要测试数据' --channel phone --commit '提供测试数据' --due '2026-12-09 09:00'"
run_exit 0 "a follow-up on the duplicate" "$CRM" -c "log 华东机电设备 '确认需求' --channel visit"
run_exit 0 "a follow-up" "$CRM" -c "log 杭州新风 '确认需求' --channel visit"
as zhao
run_exit 0 "a follow-up" "$CRM" -c "log 上海云图 '询问交货期' --channel phone"
as chen
run_exit 0 "a follow-up in the west" "$CRM" -c "log 成都天府 '电话沟通' --channel phone"
# The admin (no team) logs on an east customer: kept under east too.
as boss
run_exit 0 "an admin's follow-up" "$CRM" -c "log 上海云图 '经理回访' --channel phone"
# Two days on: tasks fall due; some are done by a log, one by hand, one
# overdue is given to the manager (its fact stays with li, who held it
# then).
echo 1796778000 >"$CRM_TEST_CLOCK" # Wednesday 09:00
as li
run_exit 0 "another follow-up (closes the planned task)" "$CRM" -c \
	"log 华东机电 '上门调试' --channel visit"
run "$CRM" --format json -c "due all"
task=$(printf '%s' "$out" | json "[t['id'] for t in (d if isinstance(d, list) else d.get('tasks', d.get('rows', []))) if '杭州新风' in json.dumps(t, ensure_ascii=False)][0]" 2>/dev/null)
[ -n "$task" ] && ok "li's task on 杭州新风: $task" || bad "no task on 杭州新风: $out"
as li
run_exit 0 "the overdue task given to wang" "$CRM" -c "task assign $task wang"
as wang
run_exit 0 "wang does it" "$CRM" -c "task done $task"
# A merge moves the duplicate's follow-up and done task to the keeper.
as boss
run_exit 0 "merge the duplicate" "$CRM" -c "customer merge 华东机电 华东机电设备 --yes"

says() {
	e2e_reports_say 'report weekly' 'report monthly' 'report activity' \
	    'report quality' 'report signals' 'report funnel' \
	    'commitments --broken'
}
before=$(says)
waiting=$(journal)
[ "$waiting" -ge 8 ] 2>/dev/null && ok "the facts wait in the journal ($waiting)" ||
	bad "the journal holds $waiting facts, want 8 or more"

# A crash: the journal stays; crm-check counts its facts.
kill -KILL "$PID"
wait "$PID" 2>/dev/null
PID=
[ "$(journal)" = "$waiting" ] && ok "a crash leaves the journal as it was" ||
	bad "after the crash the journal holds $(journal), want $waiting"
run_exit 0 "crm-check: clean with facts in the journal" "$CHECK" --quiet "$H/db"
mdb_dump -a "$H/db" >"$H/good.dump" || bad "mdb_dump"

# One journal fact lost: crm-check finds it.
python3 - "$H/good.dump" "$H/bad.dump" "$(dirname "$0")" <<'PY' || bad "the damaged form"
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
d = Dump(sys.argv[1])
crm = d.pairs("crm")
first = next(i for i, (k, _) in enumerate(crm) if k[:2] == "15")
del crm[first]
d.set_pairs("crm", crm)
d.write(sys.argv[2])
PY
cp -a "$H/db" "$H/db.good"
e2e_check_finds "$H/bad.dump" "a journal fact missing" "fact is missing"
rm -rf "$H/db" && mv "$H/db.good" "$H/db"

# Restarted, the reports say the same; a stop folds the journal.
e2e_start || exit 1
after=$(says)
[ "$after" = "$before" ] && ok "after the crash every report says the same" ||
	bad "they differ: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -40)"
e2e_stop
[ "$(journal)" = 0 ] && ok "a stop folds the journal" ||
	bad "after a stop the journal holds $(journal)"
grep -q -E "$waiting report facts folded" "$H/crmd.log" &&
	ok "the log says how many were folded" ||
	bad "no '$waiting report facts folded' in: $(tail -3 "$H/crmd.log")"
run_exit 0 "crm-check: clean after the fold" "$CHECK" --quiet "$H/db"
e2e_start || exit 1
after=$(says)
[ "$after" = "$before" ] && ok "folded, every report says the same" ||
	bad "they differ: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -40)"

# Facts left by a crash, then a crmd that folds every two facts, three a
# transaction: the fold takes several steps, one between batches, while
# more logs come; the reports then, and after a stop, agree.
e2e_stop
e2e_start || exit 1
as zhao
run_exit 0 "a follow-up" "$CRM" -c "log 上海云图 '已报价' --channel phone"
as chen
run_exit 0 "a follow-up in the west" "$CRM" -c \
	"log 成都天府 '发送方案' --channel email --commit '发送报价单' --due '2026-12-11 18:00'"
kill -KILL "$PID"
wait "$PID" 2>/dev/null
PID=
left=$(journal)
[ "$left" -ge 4 ] 2>/dev/null && ok "the crash left $left facts in the journal" ||
	bad "the crash left $left facts, want 4 or more"
export CRM_TEST_FOLD_AT=2 CRM_TEST_FOLD_STEP=3
e2e_start || exit 1
as li
run_exit 0 "a follow-up (folding often)" "$CRM" -c "log 杭州新风 '回访' --channel phone"
mid=$(says)
[ "$mid" != "$before" ] && ok "the new follow-ups count" || bad "the reports did not change"
as boss
run "$CRM" --format json -c stats
folds=$(printf '%s' "$out" | json "d['writer'].get('folds', 0)")
[ "$folds" -ge 2 ] 2>/dev/null && ok "folded in $folds steps" ||
	bad "folds: $(printf '%s' "$out" | json "d['writer']")"
e2e_stop
[ "$(journal)" = 0 ] && ok "the journal is empty after the stop" ||
	bad "after a stop the journal holds $(journal)"
run_exit 0 "crm-check: clean" "$CHECK" --quiet "$H/db"
unset CRM_TEST_FOLD_AT CRM_TEST_FOLD_STEP
e2e_start || exit 1
after=$(says)
[ "$after" = "$mid" ] && ok "every report says the same after the stop" ||
	bad "they differ: $(diff <(printf '%s\n' "$mid") <(printf '%s\n' "$after") | head -40)"
e2e_done
