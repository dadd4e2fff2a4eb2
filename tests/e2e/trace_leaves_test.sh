#!/usr/bin/env bash
# trace_leaves_test.sh: crmd --trace-leaves counts the B-tree leaves each
# commit's writes land on, by database, and `crm stats` (admins) shows
# them; without it there are none, and the reply says nothing of them.
# Usage: trace_leaves_test.sh CRMD CRM
set -u
CRMD=${1:?crmd} CRM=${2:?crm}
. "$(dirname "$0")/lib.sh"
e2e_home trace-leaves
export CRM_TEST_CHEAP_HASH=1
e2e_admin boss pw-boss

leaves() {
	run "$CRM" --format json -c stats
	printf '%s' "$out" | json "$1"
}

# Without the option: nothing traced.
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a customer" "$CRM" -c "customer add 华东机电"
run_exit 0 "a follow-up" "$CRM" -c "log 华东机电 '电话沟通' --channel phone"
[ "$(leaves 'len(d.get("leaves", []))')" = 0 ] &&
	ok "no leaves without --trace-leaves" || bad "leaves without it: $out"
e2e_stop

# With it: the follow-up's commit is counted, its leaves by database.
"$CRMD" --trace-leaves --data "$H/db" --listen "$CRM_SERVER" 2>>"$H/crmd.log" &
PID=$!
e2e_wait_ready
run_exit 0 "a follow-up, traced" "$CRM" -c "log 华东机电 '上门拜访' --channel visit"
traced=$(leaves 'd["writer"].get("traced_commits", 0)')
[ "${traced:-0}" -ge 1 ] && ok "commits traced: $traced" || bad "none traced: $out"
n=$(leaves 'sum(t["leaves"] for t in d.get("leaves", []))')
[ "${n:-0}" -ge 1 ] && ok "leaves counted: $n" || bad "no leaves: $out"
run_exit 0 "the shell's table" "$CRM" -c stats
has "it names the trace" "leaves changed (--trace-leaves)"
run_exit 0 "crmd --help names it" "$CRMD" --help
has "the option" "--trace-leaves"
e2e_stop
e2e_done
