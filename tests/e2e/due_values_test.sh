#!/usr/bin/env bash
# due_values_test.sh (issue 19): each open-task entry of the due queue
# (task_open) holds the task as `due` shows it, with its customer's name,
# grade and stage, so `due` reads nothing else. crm-check compares each
# value with the records: a generated database is clean; a value whose
# customer name went stale, and an empty value, are reported (exit 1).
# A database of schema 11 (empty values) is upgraded in place by crmd,
# which fills them: crm-check is clean afterwards.
# Usage: due_values_test.sh CRM_GEN CRM_CHECK CRMD
set -u
GEN=$1 CHECK=$2 CRMD=$3
T=$(mktemp -d /tmp/crm-due-values.XXXXXX) || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

"$GEN" --data "$T/db" --customers 40 --quiet >"$T/gen.out" ||
	bad "crm-gen failed: $(cat "$T/gen.out")"
out=$("$CHECK" "$T/db") && [[ $out == *clean* ]] &&
	ok "a generated database is clean" || bad "clean check: $out"

# task_open lives in the shared LMDB tree "crm" (schema 11, schema.def's
# SCHEMA_TREE): its entries are the keys that start with its tag, 05.
# Their keys and values, one pair a line, in hex; then the first one's.
mdb_dump -s crm "$T/db" |
	awk '/^HEADER=END/{on=1; next} /^DATA=END/{on=0} on' |
	paste - - | awk '$1 ~ /^05/' >"$T/dump.txt"
key=$(awk 'NR == 1 {print $1}' "$T/dump.txt")
val=$(awk 'NR == 1 {print $2}' "$T/dump.txt")
[ -n "$key" ] && [ -n "$val" ] && ok "task_open entries hold a value" ||
	bad "no task_open value: $(head -c 400 "$T/dump.txt")"

# put DB HEXKEY HEXVALUE into a copy of the database ($T/bad).
put() {
	rm -rf "$T/bad"
	cp -r "$T/db" "$T/bad"
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
		"$2" "$3" >"$T/in.txt"
	mdb_load -s "$1" -f "$T/in.txt" "$T/bad" || bad "mdb_load $1"
}
expect() { # expect WHAT PATTERN
	out=$("$CHECK" "$T/bad")
	code=$?
	[ $code -eq 1 ] && [[ $out == *"$2"* ]] && ok "$1" ||
		bad "$1 (exit $code): $out"
}

# The same task with another customer name (field 3 of crm.v1.Task): what
# a rename that did not reach the queue would leave.
stale=$(python3 - "$val" <<'EOF'
import sys
b = bytes.fromhex(sys.argv[1])
out, i = bytearray(), 0
def varint(i):
    n = s = 0
    while True:
        c = b[i]; i += 1
        n |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return n, i
while i < len(b):
    start = i
    tag, i = varint(i)
    wt = tag & 7
    if wt == 0:
        _, i = varint(i)
    elif wt == 2:
        n, i = varint(i)
        i += n
    elif wt == 1:
        i += 8
    elif wt == 5:
        i += 4
    if tag >> 3 == 3:
        name = "旧名字".encode()
        out += bytes([0x1a, len(name)]) + name
    else:
        out += b[start:i]
print(out.hex())
EOF
)
[ -n "$stale" ] && [ "$stale" != "$val" ] || bad "could not make a stale value"
put crm "$key" "$stale"
expect "a stale customer name in a due entry is found" \
	"task_open value is not the task with its customer's name"
put crm "$key" ""
expect "an empty due entry is found" "task_open value"

# Schema 11: every value empty. crmd upgrades it in place when it starts.
rm -rf "$T/old"
cp -r "$T/db" "$T/old"
{
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n'
	awk '{print " " $1; print " "}' "$T/dump.txt"
	printf 'DATA=END\n'
} >"$T/empty.txt"
mdb_load -s crm -f "$T/empty.txt" "$T/old" || bad "mdb_load empty values"
out=$("$CHECK" "$T/old")
[ $? -eq 1 ] && [[ $out == *"task_open value"* ]] &&
	ok "empty values are what crm-check reports" ||
	bad "empty values checked: $out"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n 0000000b\nDATA=END\n' >"$T/v11.txt"
mdb_load -s meta -f "$T/v11.txt" "$T/old" || bad "mdb_load schema 11"
out=$("$CHECK" "$T/old" 2>&1)
[ $? -eq 2 ] && [[ $out == *"start crmd on it once to upgrade it"* ]] &&
	ok "crm-check sends schema 11 data to crmd's upgrade" ||
	bad "schema 11 data checked: $out"

"$CRMD" --data "$T/old" --listen "ipc://$T/s" >"$T/crmd.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
	grep -q "serving" "$T/crmd.log" && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
grep -q "upgrading the data from schema 11" "$T/crmd.log" &&
	ok "crmd upgrades schema 11" || bad "no upgrade: $(cat "$T/crmd.log")"
grep -q "serving" "$T/crmd.log" || bad "crmd did not start: $(cat "$T/crmd.log")"
kill "$PID"
wait "$PID"
PID=
out=$("$CHECK" "$T/old") && [[ $out == *clean* ]] &&
	ok "the upgrade fills every due entry" || bad "after the upgrade: $out"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
