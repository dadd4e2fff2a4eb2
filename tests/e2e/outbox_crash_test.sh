#!/usr/bin/env bash
# outbox_crash_test.sh: what `outbox` says of a write whose crm died
# while it was being sent is true. A write is kept in the outbox before
# it is sent, already marked sent (crmd may have it): a crm killed after
# its bytes left leaves "sent, no answer: crmd may have it", never
# "waiting: not sent yet" (crmd cannot have it), which invited the rep
# to type it again (tester: crm fed through a FIFO, crmd stopped, the
# log typed, crm stopped, crmd continued and applied it, crm killed:
# the follow-up was stored, and `outbox` said it was not sent). A write
# that never left (crmd not running) is still "waiting: not sent yet".
# Usage: outbox_crash_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home obcrash 20000
export TZ=UTC
f=$XDG_STATE_HOME/crm/outbox
C=深圳新星电子
# The follow-ups of $C whose summary holds $1.
count() {
	"$CRM" --format json -c "customer history $C" 2>/dev/null |
		json "len([e for e in d if '$1' in e.get('followup', {}).get('summary', '')])"
}
entries() { grep -c '^v2 ' "$f" 2>/dev/null; }

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a customer" "$CRM" -c "customer add $C --grade B"

# A crm reading its commands from a FIFO, connected (a read first).
mkfifo "$H/cmds"
"$CRM" <"$H/cmds" >"$H/p.out" 2>&1 &
p=$!
exec 3>"$H/cmds"
echo whoami >&3
for _ in $(seq 100); do grep -q boss "$H/p.out" && break; sleep 0.05; done
grep -q boss "$H/p.out" || bad "the FIFO crm answered whoami: $(cat "$H/p.out")"

# crmd stopped; the log typed; once it is in the outbox (kept before it
# is sent) and its bytes are on their way, crm stopped, crmd continued
# (it applies the write), crm killed.
e2e_pause
n0=$(entries)
echo "log $C \"FIFOKILL-3 已发出\"" >&3
for _ in $(seq 100); do [ "$(entries)" -gt "$n0" ] && break; sleep 0.05; done
[ "$(entries)" -gt "$n0" ] || bad "the log never reached the outbox"
sleep 0.5
kill -STOP "$p"
e2e_resume
for _ in $(seq 100); do [ "$(count FIFOKILL-3)" = 1 ] && break; sleep 0.1; done
[ "$(count FIFOKILL-3)" = 1 ] && ok "crmd applied the write crm sent" ||
	bad "the write did not reach crmd: $(count FIFOKILL-3)"
kill -KILL "$p"
wait "$p" 2>/dev/null
exec 3>&-

run_exit 0 "outbox lists the write" "$CRM" -c outbox
has "it is listed" "FIFOKILL-3"
hasnt "it is not said never sent (crmd has it)" "waiting: not sent yet"
has "it is said sent with no answer" "sent, no answer: crmd may have it"
run "$CRM" --format json -c outbox
st=$(printf '%s' "$out" | json '[(e["state"], e["sent"]) for e in d if "FIFOKILL-3" in e["command"]]')
[ "$st" = "[('no_answer', True)]" ] && ok "JSON: state no_answer, sent true" ||
	bad "JSON state of the killed write: $st ($out)"
run_exit 0 "outbox send settles it" "$CRM" -c 'outbox send'
has "said done" "done: log $C"
[ "$(count FIFOKILL-3)" = 1 ] && ok "stored once" ||
	bad "stored $(count FIFOKILL-3) times"

# The happy path: answered, the outbox is empty again.
run_exit 0 "a live log" "$CRM" -c "log $C \"正常记录\""
run_exit 0 "outbox" "$CRM" -c outbox
has "the outbox is empty after an answered write" "the outbox is empty"

# A write that never left (crmd not running): "waiting: not sent yet".
e2e_stop
run_exit 3 "an offline log is kept" "$CRM" -c "log $C \"离线未发\""
run_exit 0 "outbox" "$CRM" -c outbox
has "a write never sent says so" "waiting: not sent yet"
run "$CRM" --format json -c outbox
st=$(printf '%s' "$out" | json '[(e["state"], e["sent"]) for e in d if "离线未发" in e["command"]]')
[ "$st" = "[('waiting', False)]" ] && ok "JSON: state waiting, sent false" ||
	bad "JSON state of the offline write: $st ($out)"
e2e_start || exit 1
run_exit 0 "outbox send" "$CRM" -c 'outbox send'
[ "$(count 离线未发)" = 1 ] && ok "the offline write is stored once" ||
	bad "stored $(count 离线未发) times"

e2e_done
