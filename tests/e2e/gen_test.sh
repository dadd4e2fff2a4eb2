#!/usr/bin/env bash
# gen_test.sh: crm-gen's numbers and its failures.
# - --followups N is the mean per customer for an odd N too (it was half a
#   follow-up short: 2.47 for 3), and exactly 1 for 1 (at least one each);
# - the records its summary counts are crm-check's records, to the one;
# - a run that fails (here a file size limit, ulimit -f: the map cannot
#   be sized) removes what it made, the folder when it made it, and in a
#   folder it was given only its own files: a second run then works.
# Usage: gen_test.sh CRM_GEN CRM_CHECK
set -u
GEN=$1 CHECK=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-gen-test.XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

echo 1796400000 >"$T/clock" # one "now" for every set
export CRM_TEST_CLOCK="$T/clock"

# The follow-ups a set holds: its sequence's next id, less one (meta,
# "seq:followup", 8 bytes big-endian).
followups() {
	local hex
	hex=$(mdb_dump -s meta "$1" | awk -v k="$(printf 'seq:followup' | od -An -tx1 | tr -d ' \n')" '
		take { print $1; exit }
		$1 == k { take = 1 }')
	[ -n "$hex" ] && echo $((16#$hex - 1))
}

for n in 1 3 5; do
	"$GEN" --data "$T/f$n" --customers 2000 --followups "$n" --quiet >"$T/gen$n.out" 2>&1 ||
		bad "crm-gen --followups $n: $(cat "$T/gen$n.out")"
	fu=$(followups "$T/f$n")
	mean=$(awk -v f="$fu" 'BEGIN { printf "%.4f", f / 2000 }')
	if [ "$n" -eq 1 ]; then
		[ "$fu" = 2000 ] && ok "--followups 1: one each" ||
			bad "--followups 1: $fu follow-ups for 2000 customers"
	elif awk -v m="$mean" -v n="$n" 'BEGIN { exit !(m >= n - 0.05 && m <= n + 0.05) }'; then
		ok "--followups $n: $mean a customer"
	else
		bad "--followups $n: $mean a customer, not $n +- 0.05"
	fi
done

# Its records are crm-check's (the customer events too, which depend on
# the dates; not the stage history).
for n in 1 3; do
	said=$(sed -n 's/.* \([0-9][0-9]*\) records (as crm-check counts them).*/\1/p' "$T/gen$n.out")
	found=$("$CHECK" "$T/f$n" | sed -n 's/.* \([0-9][0-9]*\) records, clean$/\1/p')
	[ -n "$said" ] && [ "$said" = "$found" ] &&
		ok "crm-gen's $said records are crm-check's" ||
		bad "crm-gen says '$said' records, crm-check '$found': $(cat "$T/gen$n.out")"
done
"$GEN" --help | grep -q "records are crm-check's" &&
	ok "--help says what its records are" || bad "--help does not say what its records are"

# A failed run removes what it made. Not SIGXFSZ's death: crm-gen takes
# a write over the limit as an error and cleans up.
out=$(ulimit -f 40960 && "$GEN" --data "$T/fs" --customers 2000 --quiet 2>&1)
code=$?
[ "$code" -eq 1 ] && [ ! -e "$T/fs" ] && [[ $out == *"cannot create a database"* ]] &&
	ok "a failed crm-gen removes the folder it made" ||
	bad "ulimit -f crm-gen into a new folder (exit $code): $out; $(ls -A "$T/fs" 2>&1)"
mkdir "$T/given"
echo mine >"$T/given/notes.txt"
out=$(ulimit -f 40960 && "$GEN" --data "$T/given" --customers 2000 --quiet 2>&1)
code=$?
left=$(ls -A "$T/given")
[ "$code" -eq 1 ] && [ "$left" = notes.txt ] && [ "$(cat "$T/given/notes.txt")" = mine ] &&
	ok "a failed crm-gen leaves a given folder as it found it" ||
	bad "ulimit -f crm-gen into a given folder (exit $code): $out; left: $left"
out=$("$GEN" --data "$T/given" --customers 10 --quiet 2>&1) &&
	"$CHECK" "$T/given" >/dev/null &&
	ok "a second run after a failed one makes a whole set" ||
	bad "the run after a failed one: $out"

[ "$fails" -eq 0 ] || exit 1
echo "all passed"
