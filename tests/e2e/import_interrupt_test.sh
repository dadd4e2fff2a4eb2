#!/usr/bin/env bash
# import_interrupt_test.sh: Ctrl-C stops an import, on a real crmd. A
# SIGINT while the write batches go lets the batch in flight settle, then
# sends no further batch: crm says how many rows were added and up to
# which row, and ends as killed by the signal (130). What crmd holds is
# what crm said; the same import again adds the rest, exactly the file's
# rows in all. (crm said "the write was sent already: waiting up to 2 s"
# for every batch after the interrupt, went on to the end and exited 0.)
# A SIGINT in the check pass writes nothing.
# Usage: import_interrupt_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home ii 10000

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1

ROWS=20000
seq 1 "$ROWS" | awk 'BEGIN { print "name,region" } { print "批量公司" $1 ",华东" }' >"$H/big.csv"

# The customers crmd holds.
count() {
	"$CRM" --format json -c 'customer list' 2>/dev/null | json 'len(d)'
}

# import_bg: the import of big.csv in the background (pid in IPID), its
# stdout and stderr in $H/io and $H/ie.
import_bg() {
	"$CRM" -c "import customers $H/big.csv" >"$H/io" 2>"$H/ie" &
	IPID=$!
}

# stop_import: SIGINT the import once, then wait (at most 10 s) for it to
# end; its exit status in icode (999: it did not end, killed).
stop_import() {
	kill -INT "$IPID" 2>/dev/null
	icode=999
	for _ in $(seq 100); do
		kill -0 "$IPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$IPID" 2>/dev/null; then
		kill -KILL "$IPID" 2>/dev/null
		wait "$IPID" 2>/dev/null
	else
		wait "$IPID"
		icode=$?
	fi
}

# settle_kept: after an import crm ended with exit 3 (the batch in flight
# got no answer within the wait after Ctrl-C, under load: kept in the
# outbox, as crm(1) says), the outbox send settles it; said: the rows
# crm said it added before it. Sets kept=1 then.
kept=0
said_rows() {
	sed -n 's/.*interrupted: \([0-9][0-9]*\) rows* added.*/\1/p; s/.*stopped at the batch from row [0-9]*; \([0-9][0-9]*\) rows* added before it.*/\1/p' "$H/ie" | head -1
}
settle_kept() {
	kept=0
	if [ "$icode" -eq 3 ]; then
		grep -q 'outbox' "$H/ie" || bad "exit 3 without the outbox: $(tail -n 3 "$H/ie")"
		"$CRM" -c 'outbox send' >/dev/null 2>&1
		kept=1
	fi
}

# -- interrupted in the check pass (as soon as it reads the file): it
#    ends, not 0, and writes nothing (or, should the signal come as late
#    as the write pass, what it says it added)
import_bg
for _ in $(seq 100); do grep -q '^reading ' "$H/ie" && break; sleep 0.05; done
stop_import
settle_kept
n=$(count)
said=$(said_rows)
if [ "$icode" -ne 0 ] && [ "$icode" -ne 999 ] &&
	[ "$n" -ge "${said:-0}" ] && [ "$n" -le "$(( ${said:-0} + 500 * kept ))" ]; then
	ok "a SIGINT early in the import ends it (exit $icode); crmd holds what it said: ${said:-nothing} ($n)"
else
	bad "SIGINT early: exit $icode, crmd holds $n, crm said ${said:-nothing}: $(tail -n 3 "$H/io" "$H/ie")"
fi
before=$n

# -- interrupted in the write pass: once crmd holds the first row this
#    import adds (the check pass is over, and writes go), SIGINT once
import_bg
seen=
for _ in $(seq 300); do
	kill -0 "$IPID" 2>/dev/null || break
	"$CRM" -c "customer show 批量公司$((before + 1))" >/dev/null 2>&1 && { seen=1; break; }
	sleep 0.05
done
[ -n "$seen" ] && ok "the import writes" ||
	bad "no row written in 15 s: $(tail -n 3 "$H/ie")"
stop_import
{ [ "$icode" -eq 130 ] || [ "$icode" -eq 3 ]; } &&
	ok "the interrupted import ends as SIGINT does (130), or 3 with the batch in flight kept ($icode)" ||
	bad "interrupted import: exit $icode (want 130, or 3): $(tail -n 3 "$H/io" "$H/ie")"
waits=$(grep -c 'waiting up to' "$H/ie")
[ "$waits" -le 1 ] && ok "it waits for the batch in flight alone ($waits)" ||
	bad "it waited $waits times (once per batch after the interrupt)"
grep -q '^imported: ' "$H/io" && bad "it went on to the end: $(head -n 1 "$H/io")" ||
	ok "it sends no further batch"
said=$(said_rows)
settle_kept
n=$(count)
if [ -n "$said" ] && [ "$n" -ge "$((before + said))" ] &&
	[ "$n" -le "$((before + said + 500 * kept))" ] && [ "$n" -lt "$ROWS" ]; then
	ok "it says how many rows it added ($said), which crmd holds ($n of $ROWS)"
else
	bad "crmd holds $n of $ROWS ($before before); crm said: $(tail -n 3 "$H/ie")"
fi
if [ "$kept" -eq 0 ]; then
	grep -q 'the same import again adds only the rows not there yet' "$H/ie" &&
		ok "and how to go on" || bad "no word on going on: $(tail -n 3 "$H/ie")"
fi

# -- the same import again adds the rest: the file's rows, each once
run "$CRM" -c "import customers $H/big.csv"
exit_is 0 "the same import again"
has "it adds the rest" "imported: $((ROWS - n)) added, $n already there, 0 bad"
n=$(count)
[ "$n" = "$ROWS" ] && ok "crmd holds the file's $ROWS rows" ||
	bad "crmd holds $n customers, want $ROWS"
e2e_done
