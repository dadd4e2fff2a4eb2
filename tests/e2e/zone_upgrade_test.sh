#!/bin/bash
# zone_upgrade_test.sh: data of schema 24's layout (each timeline of a
# customer under its own tag in the customer's range) upgrades in place to
# schema 25's (the timelines and events share one zone of the range, in
# time order: server/schema.def's TIME), and an interrupted move resumes:
# - crm-gen makes a set in schema 24's layout (CRM_TEST_UNZONED, a test
#   hook); a crmd of that layout serves it and takes a follow-up; the
#   histories of a few customers and customer 1's audit trail are kept;
# - a crmd of today stops itself mid-move (CRM_TEST_RELOCATE_CRASH_AFTER,
#   small batches): the data then says schema 25, so a crmd of schema 24
#   would refuse it, and crm-check refuses it and says why;
# - the next crmd finishes the move: the same histories and audit trail,
#   entry for entry (the audit lists are written anew: their keys gained
#   a time), a clean crm-check, a new follow-up on top; a restart moves
#   nothing.
# Usage: zone_upgrade_test.sh CRMD CRM CRM_GEN CRM_CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} GEN=${3:?crm-gen} CHECK=${4:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home zone-upgrade 10000
export TZ=Asia/Shanghai

customers="1 2 3 50 299"
histories() { # DIR: each customer's whole history, newest first
	mkdir -p "$1"
	for c in $customers; do
		"$CRM" --format json -c "customer history $c --limit 500" \
			>"$1/$c.json" 2>&1 || bad "history of $c into $1"
	done
	# the audit trail of customer 1 (rebuilt by the upgrade)
	"$CRM" --format json -c "audit 1 --limit 500" >"$1/audit.json" 2>&1 ||
		bad "audit of 1 into $1"
}
schema() { # [DIR] the meta database's "schema" and "schema_from", as hex
	mdb_dump -s meta "${1:-$H/db}" | awk '
		/^ 736368656d61$/ { getline; print "schema", $1 }
		/^ 736368656d615f66726f6d$/ { getline; print "from", $1 }'
}

# -- schema 24's layout
run_exit 0 "crm-gen writes a set in schema 24's layout" \
	env CRM_TEST_UNZONED=1 "$GEN" --data "$H/db" --customers 300 \
	--followups 6 --teams 2 --reps 3 --quiet
run_exit 0 "crm-check reads schema 24's layout" \
	env CRM_TEST_UNZONED=1 "$CHECK" --quiet "$H/db"
if mdb_dump -s crm "$H/db" | grep -q '^ ff00000000000000013d'; then
	bad "the unzoned set has a zone already"
else
	ok "the unzoned set has no zone"
fi

CRM_TEST_UNZONED=1 e2e_start
e2e_login admin bench-pw
run_exit 0 "schema 24's layout takes a follow-up" "$CRM" -c \
	"log 1 \"before the move\""
histories "$H/before"
grep -q "before the move" "$H/before/1.json" &&
	ok "the history shows it" || bad "no follow-up in $(head -c 300 "$H/before/1.json")"
e2e_stop

# -- a move stopped half way
CRM_TEST_RELOCATE_BATCH=100 CRM_TEST_RELOCATE_CRASH_AFTER=4 \
	"$CRMD" --data "$H/db" --listen "$CRM_SERVER" >>"$H/crmd.log" 2>&1
code=$?
exit_is 75 "crmd stops mid-move (the test hook)"
out=$(schema)
[[ $out == *"schema 0000001c"* && $out == *"from 00000018"* ]] &&
	ok "mid-move the data says schema 28, this crmd's (an older crmd refuses it), and that it was 24" ||
	bad "schema mid-move: $out"
run_exit 2 "crm-check refuses data whose move was interrupted" \
	"$CHECK" "$H/db"
has "and says to start crmd to finish it" "start crmd"

# -- the next start finishes it
e2e_start
grep -qE "moved [0-9]+ timeline entries into their zones" "$H/crmd.log" &&
	ok "crmd says it moved the timelines" ||
	bad "no word of the move: $(tail -3 "$H/crmd.log")"
out=$(schema)
[[ $out == "schema 0000001c" ]] && ok "then the data is at schema 28" ||
	bad "schema after: $out"
histories "$H/after"
for c in $customers; do
	if [ ! -s "$H/before/$c.json" ]; then
		bad "history of $c: nothing before the move"
	elif cmp -s "$H/before/$c.json" "$H/after/$c.json"; then
		ok "history of customer $c: the same entries after the move"
	else
		bad "history of $c differs: $(diff "$H/before/$c.json" "$H/after/$c.json" | head -5)"
	fi
done
if [ "$(json 'len(d)' <"$H/before/audit.json")" -lt 3 ]; then
	bad "audit of 1: too short before the move: $(head -c 300 "$H/before/audit.json")"
elif cmp -s "$H/before/audit.json" "$H/after/audit.json"; then
	ok "audit trail of customer 1: the same entries after the move"
else
	bad "audit of 1 differs: $(diff "$H/before/audit.json" "$H/after/audit.json" | head -5)"
fi
run_exit 0 "the zoned layout takes a follow-up" "$CRM" -c \
	"log 1 \"after the move\""
run_exit 0 "the history holds both follow-ups" "$CRM" -c "customer history 1"
has "the one before the move" "before the move"
has "and the one after" "after the move"
e2e_stop
run_exit 0 "crm-check: the moved data is clean" "$CHECK" "$H/db"
n=$(mdb_dump -s crm "$H/db" | grep -c '^ ff[0-9a-f]\{16\}3d') 
[ "$n" -gt 1000 ] && ok "the timelines are in their zones ($n entries)" ||
	bad "only $n entries in zones"

: >"$H/crmd.log"
e2e_start
e2e_stop
if grep -q "moving" "$H/crmd.log"; then
	bad "a restart moved data again: $(cat "$H/crmd.log")"
else
	ok "a restart moves nothing"
fi

# -- killed after the move, before the upgrade's last step (the mark
# store_zone leaves until then, put back into a copy)
cp -r "$H/db" "$H/mid"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
	736368656d615f66726f6d 00000018 >"$H/mid.txt"
mdb_load -s meta -f "$H/mid.txt" "$H/mid" || bad "mdb_load schema_from"
run_exit 2 "crm-check refuses data killed before the upgrade's last step" \
	"$CHECK" "$H/mid"
has "and says the upgrade was interrupted (not: schema 24, copy it as it is)" \
	"upgrade of this data was interrupted"
"$CRMD" --data "$H/mid" --listen "ipc://$H/mid.s" >"$H/mid.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q "serving" "$H/mid.log" && break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
out=$(schema "$H/mid")
[[ $out == "schema 0000001c" ]] && chk=$("$CHECK" "$H/mid" 2>&1) &&
	ok "crmd finishes it: schema 28, clean" ||
	bad "after finishing: $out; $chk; $(tail -3 "$H/mid.log")"
e2e_done
