#!/usr/bin/env bash
# change_log_upgrade_test.sh: since schema 20 the change log's latest
# entry of a contact, follow-up or task is kept as the value of its entry
# in its customer's list (contact_cust, fu_cust, task_cust), beside the
# customer a write already changes, and no longer in change_rec. Data of
# schema 19 (the seqs in change_rec, the list values empty) upgrades in
# place without a conversion: the feed lists every record once, at its
# latest change, as before; a record written after the upgrade is listed
# at its new change only; records moved by a merge are listed once; and
# crm-check finds a list value that names another record's change. Since
# schema 21 a customer's own latest change and its pool rules' record sit
# before its record (tags 62, 63; 85, 86 before): the upgrade moves them,
# and the pool rules still name each customer's dates.
# The schema 19 data is made from this crmd's: every database dumped
# (mdb_dump -a), each list value moved into change_rec, meta's schema
# set to 19, loaded into a new folder (mdb_load).
# Usage: change_log_upgrade_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home change-log-upgrade
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null ||
	{ echo "skipped: no mdb_dump/mdb_load"; exit 77; }

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "team east" "$CRM" -c 'team add east'
run_exit 0 "a pool rule (each owned customer gets its record)" "$CRM" -c \
	'policy set potential A --reclaim-unwon 30'
e2e_user li pw-li --role rep --team east
e2e_user zhao pw-zhao --role rep --team east
add() { run_exit 0 "customer $1" "$CRM" -c "customer add $1 --owner $2 --grade $3"; }
add 华东机电 li A
add 华东机电设备 li B
add 上海云图 zhao A
run_exit 0 "a contact" "$CRM" --format json -c "contact add 华东机电 王工"
cid=$(printf '%s' "$out" | json 'd.get("id") or d["contact"]["id"]')
run_exit 0 "a contact of the duplicate" "$CRM" -c "contact add 华东机电设备 李工"
run_exit 0 "the contact changes again" "$CRM" -c "contact edit $cid title=经理"
e2e_login li pw-li
run_exit 0 "a follow-up" "$CRM" -c "log 华东机电 '技术交流' --channel phone"
run_exit 0 "a second one (closes the task the first planned)" \
	"$CRM" -c "log 华东机电 '上门调试' --channel visit"
run_exit 0 "a follow-up on the duplicate" "$CRM" -c "log 华东机电设备 '报价' --channel email"
e2e_login zhao pw-zhao
run_exit 0 "zhao's follow-up" "$CRM" -c "log 上海云图 '询价' --channel phone"
e2e_login boss pw-boss
run_exit 0 "the duplicate merged (its records move)" \
	"$CRM" -c "customer merge 华东机电 华东机电设备 --yes"

# The whole feed as one reader sees it: seq kind id customer, a line each.
feed() {
	e2e_login "$1" "pw-$1"
	local since=0 all= page
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		run "$CRM" --format json -c "changes $since --limit 1000"
		page=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d.get("changes", []):
    print(c["seq"], c["kind"], c["id"], c["customer_id"])
print("next", d["next_since"], d.get("more", False))')
		all+=$(printf '%s\n' "$page" | grep -v '^next')$'\n'
		since=$(printf '%s\n' "$page" | sed -n 's/^next \([0-9]*\) .*/\1/p')
		printf '%s\n' "$page" | grep -q '^next .* True$' || break
	done
	printf '%s' "$all"
}
once() { # each record listed once
	[ -z "$(printf '%s' "$1" | awk '{print $2, $3}' | sort | uniq -d)" ]
}
whys() {
	e2e_login boss pw-boss
	local c
	for c in 华东机电 上海云图; do
		run "$CRM" -c "customer why $c"
		printf '%s\n' "$out"
	done
}
before=$(feed boss)
before_li=$(feed li)
why_before=$(whys)
every() { # every record of kind $2, ids 1 to its newest, listed in $1
	local ids
	ids=$(printf '%s\n' "$1" | awk -v k="$2" '$2 == k {print $3}' | sort -n)
	[ -n "$ids" ] && [ "$ids" = "$(seq 1 "$(printf '%s\n' "$ids" | tail -n 1)")" ]
}
lists_all() { # feed, follow-ups logged
	once "$1" && every "$1" CHANGE_CONTACT && every "$1" CHANGE_FOLLOWUP &&
		every "$1" CHANGE_TASK && every "$1" CHANGE_CUSTOMER &&
		[ "$(printf '%s\n' "$1" | grep -c CHANGE_FOLLOWUP)" = "$2" ] &&
		[ "$(printf '%s\n' "$1" | grep -c CHANGE_CONTACT)" = 2 ]
}
n=$(printf '%s' "$before" | grep -c CHANGE_)
lists_all "$before" 4 && [ "$n" -ge 10 ] &&
	ok "the feed lists every record ($n), each once" || bad "the feed: $before"
# The duplicate's contact, follow-up and tasks moved to the kept one.
dup=$(printf '%s\n' "$before" | awk '$2 == "CHANGE_CUSTOMER" {print $3}' | sort -n | sed -n 2p)
[ -z "$(printf '%s\n' "$before" | awk -v d="$dup" '$2 != "CHANGE_CUSTOMER" && $4 == d')" ] &&
	ok "the merged duplicate's records are listed under the kept customer" ||
	bad "records listed under the merged customer $dup: $before"
e2e_stop
run_exit 0 "crm-check: clean" "$CHECK" --quiet "$H/db"

# As schema 19 kept it: each record's latest seq in change_rec (shared
# tag 9: kind || id -> seq), its customer list entry's value empty.
mdb_dump -a "$H/db" >"$H/all.dump" || bad "mdb_dump"
cat >"$H/old.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
# schema.def: a customer's entries are ff || customer || tag || id; the
# lists of contacts (74), follow-ups (66) and tasks (67); their change
# kinds 2, 3 and 4.
kind = {"4a": 2, "42": 3, "43": 4}
# Schema 19 kept a customer's latest change (62) and pool rules' record
# (63) after its lists, under tags 85 and 86.
retag = {"3e": "55", "3f": "56"}
out, moved, retagged = [], 0, {"3e": 0, "3f": 0}
for k, v in dump.pairs("crm"):
    if len(k) == 20 and k[:2] == "ff" and k[18:20] in retag:
        retagged[k[18:20]] += 1
        k = k[:18] + retag[k[18:20]]
    if len(k) == 36 and k[:2] == "ff" and k[18:20] in kind:
        assert len(v) in (0, 16), (k, v)
        if v:
            out.append(("09%02x" % kind[k[18:20]] + k[20:], v))
            moved += 1
        v = ""
    out.append((k, v))
dump.set_pairs("crm", sorted(out))
dump.set_schema(19)
dump.write(sys.argv[2])
print(moved, retagged["3e"], retagged["3f"])
EOF
moved=$(python3 "$H/old.py" "$H/all.dump" "$H/old.dump" "$(dirname "$0")") ||
	bad "the schema 19 form"
set -- $moved
[ "${1:-0}" -ge 8 ] && ok "latest seqs moved into change_rec: $1" ||
	bad "too few latest seqs to test: $moved"
[ "${2:-0}" -ge 3 ] && [ "${3:-0}" -ge 2 ] &&
	ok "customers' entries under the tags of before: $2 latest changes, $3 pool rules' records" ||
	bad "too few customers' entries to move: $moved"
e2e_upgrade_from "$H/old.dump" 19
grep -q -E "before its record: $2 latest changes and $3 pool rules' records \(customers with an owner\) moved" "$H/crmd.log" &&
	ok "it moves them before each customer's record" ||
	bad "not $2 and $3 moved: $(cat "$H/crmd.log")"
after=$(feed boss)
[ "$after" = "$before" ] && ok "the feed is the same after the upgrade" ||
	bad "it differs: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after"))"
[ "$(feed li)" = "$before_li" ] && ok "and so is a rep's" ||
	bad "a rep's feed differs after the upgrade"
[ "$(whys)" = "$why_before" ] && case $why_before in *pool*) true ;; *) false ;; esac &&
	ok "the pool rules say the same of each customer" ||
	bad "customer why differs: $(diff <(printf '%s\n' "$why_before") <(whys))"

# A write after the upgrade: the follow-up closes the task the last one
# planned (whose seq was in change_rec) and plans another. Each is
# listed once, at its new change.
last=$(printf '%s' "$after" | tail -n 1 | cut -d' ' -f1)
e2e_login li pw-li
# Follow-ups in the same second are one contact (README): the writes
# above took under a second, so this one waits for the next.
sleep 1
run_exit 0 "a follow-up after the upgrade" \
	"$CRM" -c "log 华东机电 '签约前确认' --channel phone"
now=$(feed boss)
lists_all "$now" 5 && ok "each record is still listed, once" ||
	bad "a record listed twice: $(printf '%s' "$now" | awk '{print $2, $3}' | sort | uniq -d)"
newer=$(printf '%s' "$now" | awk -v l="$last" '$1 > l')
printf '%s\n' "$newer" | grep -q ' CHANGE_FOLLOWUP ' &&
	[ "$(printf '%s\n' "$newer" | grep -c ' CHANGE_TASK ')" -ge 2 ] &&
	ok "the new follow-up, the closed task and the next are listed after $last" ||
	bad "not listed after $last: $newer"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade and a write" "$CHECK" --quiet "$H/db"

# A list value that names another record's change is found.
mdb_dump -a "$H/db" >"$H/new.dump" || bad "mdb_dump after the upgrade"
python3 - "$H/new.dump" "$H/bad.dump" "$(dirname "$0")" <<'EOF' || bad "a changed list value"
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
crm = dump.pairs("crm")
fu = [i for i, (k, v) in enumerate(crm)
      if len(k) == 36 and k[:2] == "ff" and k[18:20] == "42" and v]
ta = [i for i, (k, v) in enumerate(crm)
      if len(k) == 36 and k[:2] == "ff" and k[18:20] == "43" and v]
i, j = fu[0], ta[0]
crm[i] = (crm[i][0], crm[j][1])  # a follow-up's entry names a task's change
dump.set_pairs("crm", crm)
dump.write(sys.argv[2])
EOF
e2e_check_finds "$H/bad.dump" "a list value naming another record's change" \
	"names no change of it in changes"
e2e_done
