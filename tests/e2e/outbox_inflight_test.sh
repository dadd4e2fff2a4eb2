#!/usr/bin/env bash
# outbox_inflight_test.sh: two crm of one rep at once (two windows, a
# script's `crm -c` loop) share the outbox, where every write is kept
# from before it is sent until its reply. A write the other crm is
# sending now is not waiting: this crm neither sends it nor reports it
# (before, any entry older than this crm's first write by the second was
# "in the outbox; sending", and a refusal was printed by both). A crm
# killed mid-write lets go: its write waits, and the next crm sends it,
# once. The same write typed again while the first is in flight waits
# for its answer and sends it instead (one follow-up); `outbox drop`
# leaves a write in flight alone; two `outbox send` at once share the
# kept writes, each said done once.
# Usage: outbox_inflight_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home inflight 20000
export TZ=UTC

e2e_admin boss pw-boss
e2e_start || { e2e_done; exit 1; }
e2e_login boss pw-boss
run_exit 0 "a customer to refuse twice" "$CRM" -c "customer add 'Inflight Taken Ltd'"

# crmd again, each commit 1.5 s long (test builds only): a write stays
# in flight long enough for a second crm to start beside it.
e2e_stop
CRM_TEST_WRITE_DELAY_MS=1500 e2e_start || { e2e_done; exit 1; }

# Until a new entry is in the outbox file (the write is on its way: it
# is kept before it is sent), at most 5 s.
entries() { cat "$XDG_STATE_HOME/crm/outbox" 2>/dev/null | grep -c '^v2 '; }
wait_entry() {
	for _ in $(seq 50); do
		[ "$(entries)" -gt "$n0" ] && return 0
		sleep 0.1
	done
	return 1
}

n0=$(entries)
"$CRM" -c "customer add 'Inflight One Ltd'" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the first write never reached the outbox"
run_exit 0 "a second crm writes beside it" "$CRM" -c "customer add 'Inflight Two Ltd'"
wait "$a"
acode=$?
[ "$acode" = 0 ] && ok "the first crm's write was answered" ||
	bad "first crm exit $acode: $(cat "$H/a.out")"
if grep -q 'in the outbox' <<<"$out$err"; then
	bad "the second crm took the first's write for a waiting one: $err"
else
	ok "the second crm left the first's write in flight alone"
fi
grep -q 'Inflight One' <<<"$out$err" &&
	bad "the second crm sent the first's write: $err" ||
	ok "the second crm did not send the first's write"

# `outbox send` while a write is in flight: nothing of it is sent.
n0=$(entries)
"$CRM" -c "customer add 'Inflight Three Ltd'" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the third write never reached the outbox"
run_exit 0 "outbox send beside a write in flight" "$CRM" -c 'outbox send'
has "it says another crm is sending it" "being sent by another crm"
wait "$a"

# Both crm add the name that exists: each prints its own refusal once.
n0=$(entries)
"$CRM" -c "customer add 'Inflight Taken Ltd'" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the refused write never reached the outbox"
run "$CRM" -c "customer add 'Inflight Taken Ltd'"
wait "$a"
n=$(cat "$H/a.out" <(printf '%s\n%s\n' "$out" "$err") | grep -c 'already exists')
[ "$n" = 2 ] && ok "two adds of a taken name, two refusals" ||
	bad "$n refusals of 2 adds: $(cat "$H/a.out") / $out $err"
run_exit 0 "the outbox is empty" "$CRM" -c outbox
has "nothing is left waiting" "empty"

# The same write typed again in a second window while the first is in
# flight (the rep thought it lost): the second waits for the first's
# answer and sends that write, its request id, instead: one follow-up.
n0=$(entries)
"$CRM" -c "log 'Inflight One Ltd' 'called twice' --channel phone" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the log never reached the outbox"
run_exit 0 "the outbox lists it as in flight" "$CRM" -c outbox
has "it is being sent, not waiting" "being sent by another crm"
run_exit 0 "the same log typed again" "$CRM" -c "log 'Inflight One Ltd' 'called twice' --channel phone"
has "it waits for the first" "being sent by another crm now"
has "and sends that one instead" "sending that one instead"
wait "$a"
run_exit 0 "the customer's history" "$CRM" --format csv -c "customer history 'Inflight One Ltd'"
n=$(grep -c 'called twice' <<<"$out")
[ "$n" = 1 ] && ok "one follow-up for the write typed twice" ||
	bad "'called twice' $n times: $out"

# `outbox drop` of a write in flight: refused (dropped, it would be
# applied all the same, or lost while its crm says it is kept).
n0=$(entries)
timeout 60 "$CRM" -c "customer add 'Inflight Six Ltd'" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the sixth write never reached the outbox"
run "$CRM" --format json -c outbox
id=$(printf '%s' "$out" | json "[e['id'] for e in d if e['in_flight']][0][:8]")
run_exit 1 "outbox drop of a write in flight" "$CRM" -c "outbox drop $id"
has "it is not dropped" "not dropped"
wait "$a" && ok "its crm got its answer" || bad "its crm: $(cat "$H/a.out")"

# Writes kept while crmd was away, then two `outbox send` at once: each
# write is sent by one of them, said done once in all.
e2e_stop
for i in 1 2 3 4 5 6; do
	"$CRM" -c "customer add 'Inflight Kept $i Ltd'" >/dev/null 2>&1
done
CRM_TEST_WRITE_DELAY_MS=300 e2e_start || { e2e_done; exit 1; }
"$CRM" -c 'outbox send' >"$H/s1.out" 2>&1 &
s1=$!
"$CRM" -c 'outbox send' >"$H/s2.out" 2>&1 &
s2=$!
wait "$s1" "$s2"
n=$(cat "$H/s1.out" "$H/s2.out" | grep -c 'done: customer add')
[ "$n" = 6 ] && ok "6 kept writes, 6 said done in all" ||
	bad "$n done lines for 6 writes: $(cat "$H/s1.out" "$H/s2.out")"
run_exit 0 "list the customers" "$CRM" --format csv -c 'customer list'
n=$(grep -c 'Inflight Kept' <<<"$out")
[ "$n" = 6 ] && ok "each kept write is there once" || bad "$n of 6 kept writes"

# Offline, a write typed again after another one is a new write: the
# last one typed stands (region 华东, 华北, then 华东 again ends 华东, not
# 华北 behind the first 华东 sent instead).
run "$CRM" --format json -c "customer show 'Inflight One Ltd'"
one=$(printf '%s' "$out" | json "d['customer']['id']")
e2e_stop
for r in 华东 华北 华东; do
	"$CRM" -c "customer edit $one region=$r" >"$H/e.out" 2>&1
done
grep -q 'identical write' "$H/e.out" &&
	bad "the third edit was taken for the first: $(cat "$H/e.out")" ||
	ok "the third edit is a write of its own"
e2e_start || { e2e_done; exit 1; }
run_exit 0 "the kept edits are sent" "$CRM" -c 'outbox send'
run_exit 0 "the customer" "$CRM" -c "customer show $one"
has "the region last typed stands" "华东"

# `outbox fix` of a refused write while another crm sends it as it is:
# not fixed (both would be applied).
e2e_stop
"$CRM" -c "log 'Inflight Nobody Ltd' 'to fix'" >/dev/null 2>&1
# (each write's handling 1.5 s longer, a refused one's too)
CRM_TEST_APPLY_DELAY_MS=1500 e2e_start || { e2e_done; exit 1; }
run "$CRM" -c 'outbox send'
has "the log naming nobody is refused" "refused"
run "$CRM" --format json -c outbox
id=$(printf '%s' "$out" | json "[e['id'] for e in d if e['refused']][0][:8]")
timeout 60 "$CRM" -c "outbox send $id" >"$H/a.out" 2>&1 &
a=$!
sleep 0.5
run_exit 1 "outbox fix of it meanwhile" "$CRM" -c "outbox fix $id $one"
has "it is not fixed" "not fixed"
wait "$a"

# A crm reading commands from a pipe: a write kept while crmd was away,
# crmd back, the next write sends it first and says so once (the
# outcome left unknown by the first made it print its results twice).
e2e_stop
mkfifo "$H/cmds"
timeout 60 "$CRM" <"$H/cmds" >"$H/p.out" 2>&1 &
p=$!
exec 3>"$H/cmds"
n0=$(entries)
echo "customer add 'Inflight Piped 1 Ltd'" >&3
wait_entry || bad "the piped write was not kept"
sleep 0.3
e2e_start || { e2e_done; exit 1; }
echo "customer add 'Inflight Piped 2 Ltd'" >&3
exec 3>&-
wait "$p"
n=$(grep -c 'done: customer add' "$H/p.out")
[ "$n" = 1 ] && ok "the kept write is said done once" ||
	bad "done said $n times: $(cat "$H/p.out")"

# A crm killed while its write is in flight: the write waits, and the
# next write sends it first, once.
e2e_stop
CRM_TEST_WRITE_DELAY_MS=1500 e2e_start || { e2e_done; exit 1; }
n0=$(entries)
"$CRM" -c "customer add 'Inflight Four Ltd'" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the fourth write never reached the outbox"
kill -9 "$a"
wait "$a" 2>/dev/null
run_exit 0 "the next crm writes" "$CRM" -c "customer add 'Inflight Five Ltd'"
has "it sends the killed crm's write first" "1 write in the outbox; sending"
run_exit 0 "list the customers" "$CRM" --format csv -c 'customer list'
for name in One Two Three Four Five Six 'Piped 1' 'Piped 2'; do
	n=$(grep -c "Inflight $name Ltd" <<<"$out")
	[ "$n" = 1 ] && ok "Inflight $name is there once" ||
		bad "Inflight $name is there $n times"
done

e2e_done
