#!/bin/bash
# layout_upgrade_test.sh: data of the old layout (schema 10: every
# database its own LMDB database) upgrades in place to the shared tree of
# schema 11 (server/store_layout.c), and an interrupted move resumes:
# - crm-gen makes a set in the old layout (CRM_TEST_LEGACY_LAYOUT, a test
#   hook), a crmd of the old layout serves it and takes a follow-up; its
#   exports of every kind are kept;
# - a crmd of today stops itself mid-move (CRM_TEST_RELOCATE_CRASH_AFTER,
#   small batches): crm-check then refuses the data and says why;
# - the next crmd finishes the move: the same exports, row for row, a
#   clean crm-check, a new follow-up stored; a restart moves nothing.
# Usage: layout_upgrade_test.sh CRMD CRM CRM_GEN CRM_CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} GEN=${3:?crm-gen} CHECK=${4:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home layout-upgrade 10000
export TZ=Asia/Shanghai

kinds="customers contacts followups tasks"
# the change feed too (customers' latest seqs move to change_cust)
export_all() { # DIR: every kind, and the change feed from the start
	mkdir -p "$1"
	for k in $kinds; do
		"$CRM" -c "export $k $1/$k.csv" >/dev/null 2>&1 ||
			bad "export $k to $1"
	done
	local since=0 n
	: >"$1/changes.txt"
	for n in $(seq 200); do
		"$CRM" --format json -c "changes $since --limit 1000" >"$1/page.json" ||
			{ bad "changes $since"; break; }
		python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for c in d.get("changes", []):
    print(c["seq"], c["kind"], c["id"], c.get("customer_id", 0))' \
			"$1/page.json" >>"$1/changes.txt"
		since=$(json 'd.get("next_since", 0)' <"$1/page.json")
		[ "$(json 'd.get("more", False)' <"$1/page.json")" = True ] || break
	done
}

# -- the old layout
run_exit 0 "crm-gen writes a set in the old layout" \
	env CRM_TEST_LEGACY_LAYOUT=1 "$GEN" --data "$H/db" --customers 300 \
	--followups 4 --teams 2 --reps 3 --quiet
run_exit 0 "crm-check reads the old layout" \
	env CRM_TEST_LEGACY_LAYOUT=1 "$CHECK" --quiet "$H/db"

CRM_TEST_LEGACY_LAYOUT=1 e2e_start
e2e_login admin bench-pw
run_exit 0 "the old layout takes a follow-up" "$CRM" -c \
	"log 1 \"before the move\""
export_all "$H/before"
e2e_stop
run_exit 0 "the old layout is still clean" \
	env CRM_TEST_LEGACY_LAYOUT=1 "$CHECK" --quiet "$H/db"

# -- a move stopped half way
CRM_TEST_RELOCATE_BATCH=200 CRM_TEST_RELOCATE_CRASH_AFTER=5 \
	"$CRMD" --data "$H/db" --listen "$CRM_SERVER" >>"$H/crmd.log" 2>&1
code=$?
exit_is 75 "crmd stops mid-move (the test hook)"
run_exit 2 "crm-check refuses data whose move was interrupted" \
	"$CHECK" "$H/db"
has "and says to start crmd to finish it" "start crmd"

# -- stopped by SIGTERM mid-move (batches of one entry: the move takes
# seconds)
CRM_TEST_RELOCATE_BATCH=1 \
	"$CRMD" --data "$H/db" --listen "$CRM_SERVER" >"$H/term.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q "moving" "$H/term.log" && break
	sleep 0.05
done
sleep 0.2
kill -TERM "$pid"
wait "$pid"
code=$?
exit_is 0 "SIGTERM mid-move: crmd stops and exits 0"
grep -q "stopped during the data upgrade; what it finished is kept" \
	"$H/term.log" && ok "it says the upgrade stopped and what is kept" ||
	bad "no word of the stopped upgrade: $(tail -3 "$H/term.log")"
cat "$H/term.log" >>"$H/crmd.log"

# -- the next start finishes it
e2e_start
has_re_log() {
	grep -qE -- "$2" "$H/crmd.log" && ok "$1" || bad "$1: /$2/ not in crmd.log"
}
has_re_log "crmd says it moved the data" "moved [0-9]+ entries to the shared tree"
export_all "$H/after"
for k in $kinds changes; do
	f=$k.csv
	[ "$k" = changes ] && f=changes.txt
	if [ ! -s "$H/before/$f" ]; then
		bad "export $k: nothing before the move"
	elif cmp -s "$H/before/$f" "$H/after/$f"; then
		ok "export $k: the same rows after the move"
	else
		bad "export $k differs after the move: $(diff "$H/before/$f" "$H/after/$f" | head -5)"
	fi
done
run_exit 0 "the new layout takes a follow-up" "$CRM" -c \
	"log 1 \"after the move\""
run_exit 0 "the history holds both follow-ups" "$CRM" -c "customer history 1"
has "the one before the move" "before the move"
has "and the one after" "after the move"
e2e_stop
run_exit 0 "crm-check: the moved data is clean" "$CHECK" "$H/db"

: >"$H/crmd.log"
e2e_start
e2e_stop
if grep -q "moving" "$H/crmd.log"; then
	bad "a restart moved data again: $(cat "$H/crmd.log")"
else
	ok "a restart moves nothing"
fi
e2e_done
