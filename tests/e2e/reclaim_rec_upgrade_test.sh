#!/usr/bin/env bash
# reclaim_rec_upgrade_test.sh: data of schema 16 (each customer's
# pool-rule record in the reclaim index, keyed by its id) upgrades to 17
# in place: the records move beside their customers (the shared tree's
# reclaim_rec, schema.def tag 63), crm-check is clean, and what the pool
# rules say of each customer (`customer why`) and would do (`policy set
# --dry-run`) is as before. The schema 16 data is made from this crmd's:
# every database dumped (mdb_dump -a), the records written back into
# reclaim in their 40-byte form with each entry at its base, and meta's
# schema set to 16, loaded into a new folder (mdb_load).
# Usage: reclaim_rec_upgrade_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home reclaim-rec-upgrade
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null ||
	{ echo "skipped: no mdb_dump/mdb_load"; exit 77; }

# A test build's clock (CRM_TEST_CLOCK): the follow-ups come a day after
# the customers, so that their rule's entries are short of their base.
# A build without the hook runs on the real clock (fewer entries short).
hooks=0
grep -q CRM_TEST_CLOCK "$CRMD" && hooks=1
export CRM_TEST_CLOCK=$H/clock
echo 1796605200 >"$CRM_TEST_CLOCK" # 2026-12-07 09:00 +08:00, a Monday
e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a team" "$CRM" -c 'team add east'
e2e_user li pw-li --role rep --team east
e2e_user zhao pw-zhao --role rep --team east
for c in 华东机电 杭州新风 上海云图; do
	run_exit 0 "customer $c" "$CRM" -c "customer add $c --owner li --grade B"
done
run_exit 0 "one of zhao's" "$CRM" -c "customer add 苏州远山 --owner zhao --grade A"
run_exit 0 "a rule" "$CRM" -c \
	'policy set potential B --reclaim-after 20 --reclaim-warn 2'
run_exit 0 "another" "$CRM" -c 'policy set potential A --reclaim-unwon 30'
echo 1796691600 >"$CRM_TEST_CLOCK" # Tuesday 09:00
e2e_login li pw-li
# Follow-ups move the rule's base; the entry stays (schema 17) until the
# sweep needs it, so the data below has entries short of their base.
run_exit 0 "a follow-up" "$CRM" -c "log 华东机电 '电话沟通' --channel phone"
run_exit 0 "another" "$CRM" -c "log 华东机电 '发送方案' --channel email"
run_exit 0 "and one more" "$CRM" -c "log 杭州新风 '确认需求' --channel phone"
e2e_login boss pw-boss

# What the pool rules say now.
says() {
	local all=
	for c in 华东机电 杭州新风 上海云图 苏州远山; do
		run "$CRM" -c "customer why $c"
		all+=$(printf '%s\n' "$out" | grep -i -E 'pool|reclaim|warn')$'\n'
	done
	run "$CRM" -c 'policy set potential B --reclaim-after 1 --dry-run'
	all+=$out
	printf '%s' "$all"
}
before=$(says)
case $before in
*"back to the team's pool"*) ok "the rules name the customers' dates" ;;
*) bad "no pool dates to compare: $before" ;;
esac
e2e_stop
run_exit 0 "crm-check: clean at schema 17" "$CHECK" --quiet "$H/db"

# As schema 16 kept it.
mdb_dump -a "$H/db" >"$H/all.dump" || bad "mdb_dump"
cat >"$H/old.py" <<'EOF'
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
crm, rec = [], {}
for k, v in dump.pairs("crm"):
    # 0xFF || customer id || tag 63 (reclaim_rec): 10 bytes.
    if len(k) == 20 and k.startswith("ff") and k[18:20] == "3f":
        rec[k[2:18]] = v
    else:
        crm.append((k, v))
assert rec, "no reclaim_rec entries"
old = []
moves = {}
for cid, v in rec.items():
    assert len(v) == 96, v
    h1, b1, e1 = v[32:48], v[48:64], v[80:96]
    if h1 != "0" * 16 and e1 != b1:
        moves[h1 + e1 + cid] = h1 + b1 + cid
    old.append((cid, v[:80]))
for k, v in dump.pairs("reclaim"):
    old.append((moves.get(k, k), v))
dump.set_pairs("crm", crm)
dump.set_pairs("reclaim", sorted(old))
dump.set_schema(16)
dump.write(sys.argv[2])
print(len(rec), len(moves))
EOF
moved=$(python3 "$H/old.py" "$H/all.dump" "$H/old.dump" "$(dirname "$0")") ||
	bad "the schema 16 form"
echo "records and entries moved to their base: $moved"
[ "$hooks" = 0 ] || [ "$moved" = "4 2" ] &&
	ok "four records, two of them with an entry short of its base" ||
	bad "records and entries short of their base: $moved, want 4 2"
e2e_upgrade_from "$H/old.dump" 16
grep -q "moving the pool rules' records beside their customers: 4 moved" "$H/crmd.log" &&
	ok "the upgrade moves the four owned customers' records" ||
	bad "no count of moved records: $(cat "$H/crmd.log")"
after=$(says)
[ "$after" = "$before" ] && ok "the pool rules say the same after it" ||
	bad "before: $before
after: $after"
# The rules still follow a follow-up.
e2e_login li pw-li
run_exit 0 "a follow-up after the upgrade" \
	"$CRM" -c "log 上海云图 '拜访' --channel visit"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"
e2e_done
