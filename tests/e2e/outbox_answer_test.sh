#!/usr/bin/env bash
# outbox_answer_test.sh: a write crmd applied whose answer the rep never
# saw (crm killed between the answer and its output) is not done for
# the rep: it stays in the outbox, sent, and typed again it is the same
# write, answered with crmd's stored reply: one follow-up, one purchase.
# Before, crm settled the outbox as the answer came and was killed
# before printing it: `outbox` said "empty", and the retype stored a
# second follow-up (a tester's loop of `timeout -s KILL 0.05 crm -c
# 'log ...'` doubled 3 of 11 silent kills, and a purchase once).
# The moment is made certain with the test hook CRM_TEST_ANSWERED_PAUSE_MS
# (crm pauses after crmd's answer, before it says it). And a killed
# crm's temporary files do not pile up.
# Usage: outbox_answer_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home obanswer
export TZ=UTC

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "team east" "$CRM" -c 'team add east'
e2e_user li pw-li --role rep --team east
e2e_login li pw-li
run_exit 0 "a customer" "$CRM" -c 'customer add 上海云图科技有限公司 --grade B'

count() { "$CRM" --format json -c "customer history 上海云图科技有限公司" |
	json "len([e for e in d if '$1' in e and '$2' in json.dumps(e, ensure_ascii=False)])"; }

# killed: crm with the answer in hand, paused before its output
killed() {
	CRM_TEST_ANSWERED_PAUSE_MS=20000 "$CRM" -c "$1" >"$H/k.out" 2>"$H/k.err" &
	local p=$!
	for _ in $(seq 100); do
		grep -q "answered; pausing" "$H/k.err" 2>/dev/null && break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	grep -q "answered; pausing" "$H/k.err" && ok "crm killed after crmd answered: $1" ||
		bad "crm did not reach the answer: $(cat "$H/k.err")"
	[ -s "$H/k.out" ] && bad "it printed before it was killed: $(cat "$H/k.out")"
}

for w in "log 上海云图科技有限公司 电话回访一 --channel phone" \
	"purchase add 上海云图科技有限公司 1017 配件"; do
	killed "$w"
	run_exit 0 "outbox" "$CRM" --format json -c outbox
	s=$(printf '%s' "$out" | json '[(e["command"], e["state"]) for e in d]')
	case $s in "[('$w', 'no_answer')]") ok "the write waits, sent, its answer unseen: $s" ;;
	*) bad "not in the outbox as sent with no answer: $out" ;; esac
	run_exit 0 "typed again: $w" "$CRM" -c "$w"
	has "it is the same write, and says so" "an identical write is waiting in the outbox"
	run_exit 0 "outbox after" "$CRM" -c outbox
	has "settled" "the outbox is empty"
done
# A command of several writes (an import of two batches): a write it
# had answered waits only to be settled when the command ends, so the
# next batch does not send it again first as one "in the outbox".
{ echo name,grade; for i in $(seq 600); do echo "批量$i,B"; done; } >"$H/two.csv"
run_exit 0 "import of two batches" "$CRM" -c "import customers $H/two.csv"
hasnt "no batch sent again as waiting" "in the outbox; sending"
has "both batches" "600 added"

# A reader gone before crm prints (`| true`): crm is not killed by the
# closed pipe, and settles the write it answered.
"$CRM" -c "log 上海云图科技有限公司 电话回访三 --channel phone" 2>"$H/p.err" | true
run_exit 0 "outbox after a closed pipe" "$CRM" -c outbox
has "a write printed into a closed pipe is settled" "the outbox is empty"

# A killed crm's temporary files (a file replaced: PATH.PID.tmp) go once
# its PID is gone, the next time the file is replaced.
true & dead=$!
wait "$dead"
cf=$XDG_CONFIG_HOME/crm
: >"$cf/session.$dead.tmp"
e2e_login li pw-li # replaces the session file
[ ! -e "$cf/session.$dead.tmp" ] && ok "a dead crm's temporary file is gone" ||
	bad "left: $(ls "$cf")"

n=$(count followup 电话回访一)
[ "$n" = 1 ] && ok "one follow-up, not two" || bad "$n follow-ups of 电话回访一"
n=$("$CRM" --format json -c 'purchase list 上海云图科技有限公司' | json 'len([p for p in d if p["amount"] == 1017])')
[ "$n" = 1 ] && ok "one purchase, not two" || bad "$n purchases of 1017"

# Answered and said: settled, and the same words typed again (crmd up)
# are a second write, as always.
run_exit 0 "a call" "$CRM" -c "log 上海云图科技有限公司 电话回访二 --channel phone"
run_exit 0 "outbox" "$CRM" -c outbox
has "said, then settled" "the outbox is empty"
run_exit 0 "the same call again" "$CRM" -c "log 上海云图科技有限公司 电话回访二 --channel phone"
hasnt "a new write" "identical write"
n=$(count followup 电话回访二)
[ "$n" = 2 ] && ok "typed twice while crmd answers: two follow-ups" || bad "$n follow-ups of 电话回访二"

e2e_done
