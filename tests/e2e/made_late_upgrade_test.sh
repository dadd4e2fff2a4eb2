#!/usr/bin/env bash
# made_late_upgrade_test.sh: since schema 27 a next follow-up made after
# it fell due (a customer entered with an old first contact) is no plan
# of the period it fell due in: its report fact says so (made_late).
# Schema 26 counted it as that period's plan, missed or done late, in
# report weekly's and monthly's Planned and plan rate. Data of schema 26
# with such a task, done since, upgrades in place: the past week's plan
# rate drops it, and crm-check is clean.
# The schema 26 data is made by this crmd as schema 26 wrote task facts
# (CRM_TEST_OLD_TASK_FACTS, a test build's hook), its meta's schema set
# to 26 (mdb_dump -a, mdb_load).
# Usage: made_late_upgrade_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home made-late-upgrade
export CRM_TEST_OLD_TASK_FACTS=1
e2e_report_upgrade_setup
# Entered today (Mon 2026-12-07) with a first contact in November: its
# first follow-up was due in November, before the record existed.
run_exit 0 "a customer of li's, first met in November" \
	"$CRM" -c "customer add 华东机电 --owner li --grade B --first-contact '2026-11-02 10:00'"
as li
run_exit 0 "li calls it today" "$CRM" -c "log 华东机电 '电话: 介绍方案' --channel phone"
planned() {
	as wang
	run "$CRM" --format json -c "report weekly --user li --from 2026-11-01 --to 2026-11-30"
	printf '%s' "$out" | json 'd["tables"]["summary"][0]["planned"] if d["tables"].get("summary") else d'
}
was=$(planned)
[ "$was" = 1 ] && ok "as schema 26 did: November planned it ($was)" ||
	bad "the hook did not make schema 26's data: $was"
e2e_stop
unset CRM_TEST_OLD_TASK_FACTS

mdb_dump -a "$H/db" >"$H/all.dump" || bad "mdb_dump"
cat >"$H/old.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
dump.set_schema(26)
dump.write(sys.argv[2])
PY
python3 "$H/old.py" "$H/all.dump" "$H/old.dump" "$(dirname "$0")" ||
	bad "the schema 26 form"
e2e_upgrade_from "$H/old.dump" 26
grep -q -E "made after they fell due \(no period's plan\): 1$" "$H/crmd.log" &&
	ok "the upgrade marks the one task" ||
	bad "not 1 task marked: $(cat "$H/crmd.log")"
now=$(planned)
[ "$now" = 0 ] && ok "November plans nothing now" ||
	bad "November still plans $now"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"
e2e_done
