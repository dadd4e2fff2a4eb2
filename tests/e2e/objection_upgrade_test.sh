#!/usr/bin/env bash
# objection_upgrade_test.sh: since schema 24 an open objection goes whole
# to its customer's new owner at a hand-over, in the reports too. Before,
# the hand-over kept it under the rep who held it, as for a clock past
# its deadline (its report_owner_id), and the rep who got the customer
# did not see it in `issue list`. Data of schema 23 with such an
# objection upgrades in place: it is the new owner's everywhere, and
# crm-check is clean.
# The schema 23 data is made by this crmd as schema 23's gave clocks
# (CRM_TEST_OLD_OBJECTION_GIVE, a test build's hook), its meta's schema
# set to 23 (mdb_dump -a, mdb_load).
# Usage: objection_upgrade_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home objection-upgrade
export CRM_TEST_OLD_OBJECTION_GIVE=1
e2e_report_upgrade_setup
run_exit 0 "a customer of li's" "$CRM" -c "customer add 华东机电 --owner li --grade A"
as li
run_exit 0 "li logs an objection" \
	"$CRM" -c "log 华东机电 '介绍方案' --channel phone --objection '报价比竞品高15%'"
as wang
run_exit 0 "li's customers go to zhao" "$CRM" -c "customer handover li zhao"
by_rep() {
	as wang
	run "$CRM" --format json -c 'report weekly'
	printf '%s' "$out" | json 'd["tables"]["open_issues_by_rep"]'
}
zhao_sees() {
	as zhao
	run "$CRM" --format json -c 'issue list --open'
	printf '%s' "$out" | json 'len(d)'
}
was=$(by_rep)
case $was in
*"'li'"*) ok "as schema 23 did: the report lists it under li ($was)" ;;
*) bad "the hook did not make schema 23's data: $was" ;;
esac
[ "$(zhao_sees)" = 0 ] && ok "as schema 23 did: zhao's list lacks it" ||
	bad "zhao's list has it before the upgrade"
e2e_stop
unset CRM_TEST_OLD_OBJECTION_GIVE

mdb_dump -a "$H/db" >"$H/all.dump" || bad "mdb_dump"
cat >"$H/old.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
dump.set_schema(23)
dump.write(sys.argv[2])
PY
python3 "$H/old.py" "$H/all.dump" "$H/old.dump" "$(dirname "$0")" ||
	bad "the schema 23 form"
e2e_upgrade_from "$H/old.dump" 23
grep -q -E "to their owners in the reports: 1$" "$H/crmd.log" &&
	ok "the upgrade gives the one objection to its owner" ||
	bad "not 1 objection given: $(cat "$H/crmd.log")"
now=$(by_rep)
case $now in
*"'zhao'"*) ok "the report lists it under zhao now ($now)" ;;
*) bad "the report still says $now" ;;
esac
[ "$(zhao_sees)" = 1 ] && ok "zhao's list has it" || bad "zhao's list lacks it"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"
e2e_done
