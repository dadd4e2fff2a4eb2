#!/usr/bin/env bash
# queued_task_facts_upgrade_test.sh: since schema 22 an open task held by
# its owner has no report fact of its own: its entry in the due queue
# (task_open) is its fact, and the reports read both. Data of schema 21
# (a task_due fact for every task, open or not) upgrades in place: the
# facts of open tasks their owners hold go, a task handed over after it
# fell due keeps its fact under the one who held it, crm-check is clean,
# and every report of a rep, a team and all teams says what it said
# before. A fact of an open task left behind is found by crm-check (the
# reports would count that task twice).
# The schema 21 data is made from this crmd's: every database dumped
# (mdb_dump -a), a task_due fact written for each due-queue entry that
# has none, meta's schema set to 21, loaded into a new folder (mdb_load).
# Usage: queued_task_facts_upgrade_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home queued-task-facts-upgrade
# The reports are compared whole, so the clock stands still.
e2e_report_upgrade_setup
add() { run_exit 0 "customer $1" "$CRM" -c "customer add $1 --owner $2 --grade $3"; }
add 华东机电 li A
add 杭州新风 li B
add 上海云图 zhao A
add 成都天府 chen S
as li
run_exit 0 "a follow-up (plans the next)" "$CRM" -c "log 华东机电 '技术交流' --channel phone"
run_exit 0 "a task of li's own" "$CRM" -c "task add 杭州新风 +1d '发送样品'"
run_exit 0 "a follow-up on the other" "$CRM" -c "log 杭州新风 '确认需求' --channel visit"
as zhao
run_exit 0 "zhao's follow-up" "$CRM" -c "log 上海云图 '询价' --channel phone"
as chen
run_exit 0 "a follow-up in the west" "$CRM" -c "log 成都天府 '电话沟通' --channel phone"
# Three days on: li's tasks on 杭州新风 fell due; the customer goes to
# zhao, and its overdue tasks stay li's in the reports (their holder).
echo 1796864400 >"$CRM_TEST_CLOCK" # Thursday 09:00
as boss
run_exit 0 "杭州新风 given to zhao after its tasks fell due" \
	"$CRM" -c "customer assign 杭州新风 zhao"
as li
run_exit 0 "li logs again (closes one task, plans the next)" \
	"$CRM" -c "log 华东机电 '上门调试' --channel visit"

says() {
	e2e_reports_say 'report weekly' 'report monthly' 'report activity' \
	    'report quality' 'report signals' 'due all'
}
before=$(says)
# The reports count open tasks: next week's plan lists li's and zhao's,
# and the team's is theirs together.
plan() {
	as "$1"
	run "$CRM" --format json -c 'report weekly'
	printf '%s' "$out" | json 'len(d["tables"].get("next_week", []))'
}
li=$(plan li) zhao=$(plan zhao) wang=$(plan wang)
[ "$li" -ge 1 ] && [ "$zhao" -ge 1 ] && [ "$wang" = $((li + zhao)) ] &&
	ok "the reports count open tasks: next week's plan lists them ($li + $zhao = $wang)" ||
	bad "the reports do not count the open tasks: li $li, zhao $zhao, wang $wang"
e2e_stop
run_exit 0 "crm-check: clean" "$CHECK" --quiet "$H/db"

# As schema 21 kept it: a fact under the owner for each open task.
mdb_dump -a "$H/db" >"$H/all.dump" || bad "mdb_dump"
cat >"$H/old.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
crm = dict(dump.pairs("crm"))
def varints(h):
    """A protobuf message's varint fields: number -> value."""
    b, i, out = bytes.fromhex(h), 0, {}
    def var():
        nonlocal i
        v = s = 0
        while True:
            c = b[i]; i += 1
            v |= (c & 0x7f) << s; s += 7
            if c < 0x80:
                return v
    while i < len(b):
        tag = var()
        n, t = tag >> 3, tag & 7
        if t == 0:
            out[n] = var()
        elif t == 2:
            i += var()
        elif t == 1:
            i += 8
        elif t == 5:
            i += 4
    return out
# schema.def's shared tags: task_open 5 (owner || due || id), task_due 7
# (person || due || id); a person has the top bit.
facts = {k[18:] for k in crm if k[:2] == "07" and len(k) == 50}
added = held = 0
for k, v in list(crm.items()):
    if k[:2] != "05" or len(k) != 50:
        continue
    if k[18:] in facts:
        held += 1  # held by another: its fact is under that holder
        continue
    t = varints(v)
    owner = int(k[2:18], 16)
    crm["07" + "%016x" % (owner | 1 << 63) + k[18:]] = (
        "%016x" % t.get(2, 0) + "%016x" % owner +
        "%016x" % (t.get(13, 0) & (1 << 64) - 1) +
        "%02x" % t.get(7, 0) + "%02x" % t.get(10, 0))
    added += 1
dump.set_pairs("crm", sorted(crm.items()))
dump.set_schema(21)
dump.write(sys.argv[2])
print(added, held)
PY
made=$(python3 "$H/old.py" "$H/all.dump" "$H/old.dump" "$(dirname "$0")") ||
	bad "the schema 21 form"
set -- $made
echo "facts of open tasks written: ${1:-?}; open tasks held by another: ${2:-?}"
[ "${1:-0}" -ge 4 ] && [ "${2:-0}" -ge 1 ] &&
	ok "open tasks' facts to drop, and one held by another to keep" ||
	bad "too few open tasks to test: $made"
e2e_upgrade_from "$H/old.dump" 21
grep -q -E "in its due-queue entry alone: $1 facts of open tasks dropped$" "$H/crmd.log" &&
	ok "the upgrade drops the $1 facts of open tasks their owners hold" ||
	bad "not $1 facts dropped: $(cat "$H/crmd.log")"
after=$(says)
[ "$after" = "$before" ] && ok "every report and list says the same after it" ||
	bad "they differ: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -40)"
as li
run_exit 0 "a follow-up after the upgrade" "$CRM" -c "log 华东机电 '发送方案' --channel email"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"

# One open task's fact written back: crm-check finds it.
mdb_dump -a "$H/db" >"$H/new.dump" || bad "mdb_dump after the upgrade"
sed -i 's/^dump.set_schema(21)$//' "$H/old.py"
python3 "$H/old.py" "$H/new.dump" "$H/bad.dump" "$(dirname "$0")" >/dev/null ||
	bad "a fact left behind"
e2e_check_finds "$H/bad.dump" "the facts of open tasks left behind" \
	"task_due holds"
e2e_done
