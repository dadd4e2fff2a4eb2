#!/usr/bin/env bash
# outbox_inflight_test.sh: two crm of one rep at once (two windows, a
# script's `crm -c` loop) share the outbox, where every write is kept
# from before it is sent until its reply. A write the other crm is
# sending now is not waiting: this crm neither sends it nor reports it
# (before, any entry older than this crm's first write by the second was
# "in the outbox; sending", and a refusal was printed by both). A crm
# killed mid-write lets go: its write waits, and the next crm sends it,
# once.
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
entries() { grep -c '^v2 ' "$XDG_STATE_HOME/crm/outbox" 2>/dev/null || echo 0; }
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

# A crm killed while its write is in flight: the write waits, and the
# next write sends it first, once.
n0=$(entries)
"$CRM" -c "customer add 'Inflight Four Ltd'" >"$H/a.out" 2>&1 &
a=$!
wait_entry || bad "the fourth write never reached the outbox"
kill -9 "$a"
wait "$a" 2>/dev/null
run_exit 0 "the next crm writes" "$CRM" -c "customer add 'Inflight Five Ltd'"
has "it sends the killed crm's write first" "1 write in the outbox; sending"
run_exit 0 "list the customers" "$CRM" --format csv -c 'customer list'
for name in One Two Three Four Five; do
	n=$(grep -c "Inflight $name Ltd" <<<"$out")
	[ "$n" = 1 ] && ok "Inflight $name is there once" ||
		bad "Inflight $name is there $n times"
done

e2e_done
