#!/usr/bin/env bash
# outbox_retype_test.sh: a write typed again while the same write is in
# the outbox.
#   - Refused before (crmd answered no), it is a new attempt: sent; done,
#     the refused copy is dropped and said so; refused again, one entry
#     stays, with the new answer (tester: li's `task done 73` online,
#     the task li's again, was refused with the stale "task 73 is
#     wang's" of the outbox's copy, nothing sent).
#   - Waiting (outcome unknown), it is the same write only when typed
#     again within 15 minutes of the kept one, for every kind (tester: a
#     purchase typed 3 h later, an inquiry 5 h later were merged into the
#     first), and never for a call with no answer (`log --no-answer`,
#     repeated on purpose: three typed offline were stored as one).
#   - The merge says how to make it a second one: `outbox again ID`.
# Usage: outbox_retype_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home obretype
export TZ=UTC
clk=$H/clock
now=$(($(date +%s) - 36000)) # ten hours ago: every time typed is past
# crm with its clock at $1 seconds from $now (crmd keeps the real one).
at() { local s=$1; shift; echo $((now + s)) >"$clk"; CRM_TEST_CLOCK=$clk "$@"; }
# Each user in a home of their own (as the tester's `as li -c CMD`):
# li's session and outbox stay li's. `as USER CMD...` runs CMD there;
# `login USER` logs USER in there.
as() {
	local u=$1
	shift
	HOME=$H/u/$u XDG_CONFIG_HOME=$H/u/$u/config XDG_CACHE_HOME=$H/u/$u/cache \
		XDG_STATE_HOME=$H/u/$u/state "$@"
}
login() { mkdir -p "$H/u/$1"; as "$1" e2e_login "$1" "pw-$1"; }

e2e_admin boss pw-boss
e2e_start || exit 1
login boss
run_exit 0 "team east" as boss "$CRM" -c 'team add east'
e2e_user wang pw-wang --role manager --team east
e2e_user li pw-li --role rep --team east
e2e_user sun pw-sun --role manager --team east
login wang
login li
run_exit 0 "customer" as boss "$CRM" -c 'customer add 上海云图科技有限公司 --owner li --grade B'
cid=$(as li "$CRM" --format json -c 'customer show 上海云图科技有限公司' | json 'd["customer"]["id"]')
run_exit 0 "a task of li's" as li "$CRM" --format json -c "task add $cid tomorrow 回电"
T=$(printf '%s' "$out" | json 'd["id"]')

# -- C: refused, then typed again online
e2e_stop
run_exit 3 "offline: task done $T" as li "$CRM" -c "task done $T"
e2e_start || exit 1
run_exit 0 "wang takes the task" as wang "$CRM" -c "task assign $T wang"
run_exit 1 "outbox send: refused" as li "$CRM" -c 'outbox send'
has "refused as wang's" "wang"
rid=$(as li "$CRM" --format json -c outbox | json '[e["id"][:8] for e in d if e["refused"]][0]')
run_exit 0 "wang gives it to sun" as wang "$CRM" -c "task assign $T sun"
run_exit 1 "li types it again: refused again (now sun's)" as li "$CRM" -c "task done $T"
hasnt "not the stale reason of the copy" "is wang's"
has "the new reason" "sun's"
run as li "$CRM" --format json -c outbox
r=$(printf '%s' "$out" | json '[(e["id"][:8], e["refused"]["message"]) for e in d]')
{ [[ $r == *"$rid"* ]] && [[ $r == *sun* ]] && [[ $r != *wang* ]] &&
	[ "$(printf '%s' "$out" | json 'len(d)')" = 1 ]; } &&
	ok "one entry stays, with the new answer: $r" || bad "outbox after the retype: $out"
run_exit 0 "the task is li's again" as wang "$CRM" -c "task assign $T li"
run_exit 0 "li types it again: done" as li "$CRM" -c "task done $T"
hasnt "no error" "error:"
has "the refused copy is dropped, and said so" "the outbox's refused copy $rid is dropped: this one was done"
run_exit 0 "outbox" as li "$CRM" -c outbox
has "the outbox is empty" "the outbox is empty"

# -- D: identity in time
e2e_stop
run_exit 3 "purchase typed offline" as li at 0 "$CRM" -c "purchase add $cid 2000 样品"
run_exit 3 "the same typed 3 h later" as li at 10800 "$CRM" -c "purchase add $cid 2000 样品"
hasnt "3 h later it is another write" "identical write"
run_exit 3 "inquiry typed offline" as li at 10900 "$CRM" -c "inquiry $cid 客户来电询价"
run_exit 3 "the same typed 5 h later" as li at 28900 "$CRM" -c "inquiry $cid 客户来电询价"
hasnt "5 h later it is another inquiry" "identical write"
for i in 1 2 3; do
	run_exit 3 "unanswered call $i" as li at $((29000 + 60 * i)) "$CRM" -c \
		'log 上海云图科技有限公司 "电话未接通" --channel phone --no-answer'
	hasnt "unanswered call $i is a call of its own" "identical write"
done
# Within 15 minutes the same write is the same (its fate unknown): the
# message says how to make it a second one.
run_exit 3 "a purchase" as li at 30000 "$CRM" -c "purchase add $cid 100 样品B"
run_exit 3 "typed again 5 minutes on" as li at 30300 "$CRM" -c "purchase add $cid 100 样品B"
has "merged" "an identical write is waiting in the outbox"
has "it says how to make it a second one" "outbox again"
pid=$(as li "$CRM" --format json -c outbox | json '[e["id"][:8] for e in d if "样品B" in e["command"]][0]')
run_exit 3 "outbox again $pid: a second one, kept" as li at 30360 "$CRM" -c "outbox again $pid"
run as li "$CRM" --format json -c outbox
n=$(printf '%s' "$out" | json 'len([e for e in d if "样品B" in e["command"]])')
[ "$n" = 2 ] && ok "two purchases of 样品B wait" || bad "样品B entries: $n ($out)"
n=$(printf '%s' "$out" | json 'len(d)')
[ "$n" = 9 ] && ok "9 writes wait (2 purchases, 2 inquiries, 3 calls, 2 样品B)" ||
	bad "$n entries wait: $out"

e2e_start || exit 1
run_exit 0 "outbox send" as li at 30400 "$CRM" -c 'outbox send'
has "all sent" "9 done, 0 refused, 0 left"
run as li "$CRM" --format json -c "purchase list $cid"
n=$(printf '%s' "$out" | json 'len([p for p in d if p.get("product") == "样品"])')
[ "$n" = 2 ] && ok "two purchases of 样品" || bad "purchases of 样品: $n ($out)"
n=$(printf '%s' "$out" | json 'len([p for p in d if p.get("product") == "样品B"])')
[ "$n" = 2 ] && ok "two purchases of 样品B (outbox again)" || bad "purchases of 样品B: $n"
run as li "$CRM" --format json -c "customer history $cid"
n=$(printf '%s' "$out" | json 'len([e for e in d if e.get("followup", {}).get("summary") == "电话未接通"])')
[ "$n" = 3 ] && ok "three unanswered calls stored" || bad "unanswered calls: $n"

e2e_done
