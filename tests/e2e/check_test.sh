#!/usr/bin/env bash
# check_test.sh: crm-check on a generated database says clean and exits 0;
# each kind of damage written with LMDB's own mdb_load (a dangling index
# entry, a record that does not decode, a wrong tally, a grade spell that
# does not chain) is reported and
# exits 1; a folder without a database exits 2. Also: crm-gen refuses to
# overwrite a database, and a set larger than the disk's free space; a
# set whose crm-gen was killed is refused as unfinished.
# Usage: check_test.sh CRM_GEN CRM_CHECK
set -u
GEN=$1 CHECK=$2
T=$(mktemp -d /tmp/crm-check-test.XXXXXX) || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

"$GEN" --data "$T/db" --customers 300 --quiet >"$T/gen.out" ||
	bad "crm-gen failed: $(cat "$T/gen.out")"
grep -q "300 customers" "$T/gen.out" && ok "crm-gen states what it wrote" ||
	bad "crm-gen output: $(cat "$T/gen.out")"
"$GEN" --data "$T/db" --customers 1 --quiet 2>/dev/null &&
	bad "crm-gen overwrote a database" || ok "crm-gen keeps an existing database"
# A load killed half way (SIGKILL: nothing can clean up) leaves a set
# marked unfinished: crm-check refuses it (exit 2) saying so, instead of
# calling a part of a set clean. Bounded: killed after at most 3 s.
"$GEN" --data "$T/killed" --customers 200000 --defer-mb 0 --quiet >/dev/null 2>&1 &
gen=$!
for _ in $(seq 30); do
	[ -s "$T/killed/data.mdb" ] && break
	sleep 0.1
done
sleep 0.5
kill -KILL "$gen" 2>/dev/null
wait "$gen" 2>/dev/null
out=$("$CHECK" "$T/killed" 2>&1)
code=$?
[ "$code" -eq 2 ] && [[ $out == *"crm-gen did not finish"* ]] &&
	ok "crm-check refuses a set whose crm-gen was killed" ||
	bad "crm-check on a killed crm-gen's set (exit $code): $out"
# A set larger than the disk: refused before anything is written (it
# writes into the map, where a full disk would be a SIGBUS), no folder left.
out=$("$GEN" --data "$T/huge" --customers 1000000000 --followups 40 --quiet 2>&1)
code=$?
[ "$code" -eq 1 ] && [[ $out == *"MiB free; this set needs about"* ]] &&
	[ ! -e "$T/huge" ] && ok "crm-gen refuses a set larger than the disk" ||
	bad "crm-gen on a too small disk (exit $code): $out"
# A value that is no whole number names its option, exit 2.
out=$("$GEN" --data "$T/neg" --defer-mb -1 2>&1)
code=$?
[ "$code" -eq 2 ] && [[ $out == *"--defer-mb: not a whole number"* ]] && [ ! -e "$T/neg" ] &&
	ok "crm-gen names the option of a bad number" ||
	bad "crm-gen --defer-mb -1 (exit $code): $out"
# A mistyped option: getopt's word and the usage, exit 2 (it crashed).
out=$("$GEN" --bogus 2>&1)
code=$?
[ "$code" -eq 2 ] && [[ $out == *"Usage: crm-gen"* ]] &&
	ok "crm-gen names a bad option" || bad "crm-gen --bogus (exit $code): $out"
# A count past the limit, however large, is refused before anything is
# made (2^32 reps crashed it, 2^32 + 1 teams were 1).
out=$("$GEN" --data "$T/wide" --customers 10 --reps 4294967296 2>&1)
code=$?
[ "$code" -eq 2 ] && [[ $out == *"--reps: from 1 to 9999"* ]] && [ ! -e "$T/wide" ] &&
	ok "crm-gen refuses 2^32 reps" || bad "crm-gen --reps 4294967296 (exit $code): $out"
# A summary that cannot be written is an error, the set kept whole.
out=$("$GEN" --data "$T/full" --customers 5 --quiet 2>&1 >/dev/full)
code=$?
[ "$code" -eq 1 ] && [[ $out == *"is whole, but its summary could not"* ]] &&
	"$CHECK" "$T/full" >/dev/null && ok "crm-gen says its summary was not written" ||
	bad "crm-gen >/dev/full (exit $code): $out"
# Stopped mid-way: nothing half made is left to pass for a set.
"$GEN" --data "$T/stopped" --customers 20000 --quiet 2>"$T/stop.err" &
gen=$!
for _ in $(seq 50); do [ -e "$T/stopped/data.mdb" ] && break; sleep 0.1; done
sleep 0.3
kill -INT $gen
wait $gen
code=$?
[ "$code" -eq 130 ] && [ ! -e "$T/stopped" ] &&
	grep -q "partial database is removed" "$T/stop.err" &&
	ok "an interrupted crm-gen removes what it wrote" ||
	bad "interrupted crm-gen (exit $code): $(cat "$T/stop.err"); $(ls "$T/stopped" 2>&1)"

out=$("$CHECK" "$T/db") && [[ $out == *clean* ]] &&
	ok "a generated database is clean" || bad "clean check: $out"

# The databases damaged below live in the shared LMDB tree "crm" (schema
# 11, server/schema.def's SCHEMA_TREE): their tags, and the key there.
# A TIME database's key is in its customer's zone (3d, schema 25):
# region, customer, zone, time, tag, id.
declare -A shared=([tally]=12 [task_open]=05 [grade_time]=11)
declare -A customer=([customers]=40 [fu_cust]=42)
declare -A zoned=([fu_cust_time]=2f)
phys() { # phys DB HEXKEY: the key in the tree
	if [ -n "${shared[$1]:-}" ]; then
		echo "${shared[$1]}$2"
	elif [ -n "${zoned[$1]:-}" ]; then
		echo "ff${2:0:16}3d${2:16:16}${zoned[$1]}${2:32}"
	else
		echo "ff${2:0:16}${customer[$1]}${2:16}"
	fi
}

# damage DB HEXKEY HEXVALUE: put one entry with mdb_load, into a copy.
damage() {
	rm -rf "$T/bad"
	cp -r "$T/db" "$T/bad"
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
		"$(phys "$1" "$2")" "$3" >"$T/in.txt"
	mdb_load -s crm -f "$T/in.txt" "$T/bad" || bad "mdb_load $1"
}
expect() { # expect WHAT PATTERN
	out=$("$CHECK" "$T/bad")
	code=$?
	[ $code -eq 1 ] && [[ $out == *"$2"* ]] && ok "$1" ||
		bad "$1 (exit $code): $out"
}

damage fu_cust 0000000000000001000000000098967f ""
expect "a dangling index entry is found" "fu_cust: an entry for a missing"

damage customers 0000000000000001 ffffffffff
expect "a record that does not decode is found" "customers 1: does not decode"

first_tally=$(mdb_dump -s crm "$T/db" | awk '/^ 12/{print substr($1, 3); exit}')
damage tally "$first_tally" 00000000000003e7
expect "a wrong tally is found" "want"

damage task_open 000000000000000100000000000000010000000000bc614e ""
expect "an open-queue entry without its task is found" "task_open"

# A grade spell that does not chain: customer 1 at C from the start of
# time in scope 1 (the report activity prorates by these).
damage grade_time 000000000000000180000000000000000000000000bc614e 00000000000000010004
expect "a broken grade_time chain is found" "grade_time: customer 1"

damage fu_cust_time 000000000000000180000000000000010000000000bc614e ""
expect "a timeline entry without its follow-up is found" "fu_cust_time: an entry for a missing followups 12345678"

# An entry of the shared tree that no database claims (tag 0xfe).
shared[nobody]=fe
damage nobody 0000000000000001 00
expect "an entry of the shared tree no database claims is found" "belong to no database"

mkdir -p "$T/empty"
"$CHECK" "$T/empty" >/dev/null 2>&1
[ $? -eq 2 ] && ok "no database: exit 2" || bad "no database: exit code"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
