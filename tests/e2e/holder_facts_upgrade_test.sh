#!/usr/bin/env bash
# holder_facts_upgrade_test.sh: since schema 18 the report facts of
# tasks, commitments and clocks (task_due, commit_due, sla_time) are kept
# under their holder alone, and a team's are the merge of its users'
# ranges. Data of schema 17 (each fact also under the holder's team)
# upgrades in place: the team copies go, crm-check is clean, and every
# report of a team, of all teams and of a rep says what it said before.
# The schema 17 data is made from this crmd's: every database dumped
# (mdb_dump -a), a copy of each holder's fact written under the holder's
# team, meta's schema set to 17, loaded into a new folder (mdb_load).
# Usage: holder_facts_upgrade_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home holder-facts-upgrade
# The reports are compared whole, so the clock stands still.
e2e_report_upgrade_setup
add() { run_exit 0 "customer $1" "$CRM" -c "customer add $1 --owner $2 --grade $3"; }
add 华东机电 li A
add 杭州新风 li B
add 上海云图 zhao A
add 苏州远山 zhao C
add 成都天府 chen S
as li
run_exit 0 "a follow-up with a promise" "$CRM" -c \
	"log 华东机电 '技术部要测试数据' --channel phone --commit '提供测试数据' --due '2026-12-09 09:00'"
run_exit 0 "a follow-up" "$CRM" -c "log 杭州新风 '确认需求' --channel visit"
run_exit 0 "an after-sales issue" "$CRM" -c "issue 华东机电 '设备报警'"
as zhao
run_exit 0 "an inquiry" "$CRM" -c "inquiry 上海云图 '询问交货期'"
run_exit 0 "a follow-up with a promise" "$CRM" -c \
	"log 苏州远山 '发送方案' --channel email --commit '发送报价单' --due '2026-12-08 18:00'"
as chen
run_exit 0 "a follow-up in the west" "$CRM" -c "log 成都天府 '电话沟通' --channel phone"
run_exit 0 "an issue in the west" "$CRM" -c "issue 成都天府 '控制柜跳闸'"
# The admin (no team) logs on an east customer: that follow-up is kept
# under east as well as under the admin.
as boss
run_exit 0 "an admin's follow-up" "$CRM" -c "log 苏州远山 '经理回访' --channel phone"
# Two days on: tasks fall due and some are done, one promise is late.
echo 1796778000 >"$CRM_TEST_CLOCK" # Wednesday 09:00
as zhao
run_exit 0 "a follow-up on the inquiry" "$CRM" -c "log 上海云图 '已报价' --channel phone"
as li
run_exit 0 "another follow-up" "$CRM" -c "log 华东机电 '上门调试' --channel visit"

# What the reports and lists say now, as JSON.
says() {
	e2e_reports_say 'report weekly' 'report monthly' 'report activity' \
	    'report quality' 'report signals' 'commitments --broken' \
	    'issue list'
}
before=$(says)
# A team's counts of tasks and commitments are its reps' together, and
# all teams' are the teams' (the team's facts are the merge of its
# users'; east: li and zhao under wang, west: chen).
adds_up() {
	printf '%s\n' "$1" | python3 -c '
import json, sys
blocks = sys.stdin.read().split("== ")[1:]
week, plan = {}, {}
for b in blocks:
    head, _, body = b.partition("\n")
    who, cmd = head.split(": ", 1)
    if cmd == "report weekly":
        d = json.loads(body)["tables"]
        week[who] = d["summary"][0]
        plan[who] = len(d.get("next_week", []))
keys = ["planned", "planned_done", "overdue", "commitments_kept",
        "commitments_kept_late", "commitments_broken", "commitments_open"]
for k in keys:
    east = week["li"].get(k, 0) + week["zhao"].get(k, 0)
    assert week["wang"].get(k, 0) == east, (k, week["wang"], east)
    assert week["boss"].get(k, 0) == east + week["chen"].get(k, 0), k
# The follow-ups of east: those of li and zhao, and the one of the
# admin on its customer; of all teams: those of east and west.
fu = lambda w: week[w].get("followups", 0)
assert fu("wang") == fu("li") + fu("zhao") + 1, (fu("wang"), fu("li"), fu("zhao"))
assert fu("boss") == fu("wang") + fu("chen"), fu("boss")
assert plan["wang"] == plan["li"] + plan["zhao"], plan
assert plan["boss"] == plan["wang"] + plan["chen"], plan
assert week["wang"]["planned"] > 0 and week["wang"]["commitments_open"] > 0
assert week["boss"]["overdue"] > 0 and plan["boss"] > 0, (week["boss"], plan)
print(week["boss"]["planned"], plan["boss"])
'
}
sums=$(adds_up "$before") &&
	ok "the team's follow-up, task and commitment counts are its reps' (planned, next week: $sums)" ||
	bad "a team's counts are not its reps': $sums"
as boss
run "$CRM" --format json -c 'user list'
printf '%s\n' "$out" >"$H/users.json"
e2e_stop
run_exit 0 "crm-check: clean" "$CHECK" --quiet "$H/db"

# As schema 17 kept it: each holder's fact also under the holder's team.
mdb_dump -a "$H/db" >"$H/all.dump" || bad "mdb_dump"
cat >"$H/old.py" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[4])
from mdb_dump import Dump
users = json.load(open(sys.argv[3]))
if isinstance(users, dict):
    users = next(v for v in users.values() if isinstance(v, list))
team = {int(u["id"]): int(u.get("team_id", 0)) for u in users}
dump = Dump(sys.argv[1])
crm = dump.pairs("crm")
# schema.def's shared tags: fu_time 6, task_due 7, commit_due 13,
# sla_time 16; the key is tag || scope || time || id, the person's scope
# has the top bit. A follow-up's fact flagged 16 (byte 19 of its value:
# another team than its author's) already has its team's copy: schema 17
# had no flag.
def unflag(k, v):
    if k[:2] == "06":
        v = v[:38] + "%02x" % (int(v[38:40], 16) & ~16) + v[40:]
    return v
out, copies, n = {}, {}, {t: 0 for t in ("06", "07", "0d", "10")}
for k, v in crm:
    if len(k) == 50 and k[:2] in n:
        scope = int(k[2:18], 16)
        if scope >> 63 and not (k[:2] == "06" and int(v[38:40], 16) & 16):
            t = team[scope & ~(1 << 63)]
            copies[k[:2] + "%016x" % t + k[18:]] = unflag(k, v)
            n[k[:2]] += 1
        v = unflag(k, v)
    out[k] = v
assert all(n.values()), n
crm = sorted(list(out.items()) + list(copies.items()))
dump.set_pairs("crm", crm)
# Nor did its customer lists hold period cards (schema 19).
for db in ("cust_owner", "cust_team"):
    dump.set_pairs(db, [(k, "") for k, v in dump.pairs(db)])
dump.set_schema(17)
dump.write(sys.argv[2])
print(len(copies), n["06"], n["07"], n["0d"], n["10"])
EOF
made=$(python3 "$H/old.py" "$H/all.dump" "$H/old.dump" "$H/users.json" \
	"$(dirname "$0")") ||
	bad "the schema 17 form"
set -- $made
echo "team copies written: $made (all; of follow-ups, tasks, commitments, clocks)"
[ "${1:-0}" -ge 10 ] && ok "team copies of task, commitment and clock facts" ||
	bad "too few team copies to test: $made"
e2e_upgrade_from "$H/old.dump" 17
grep -q -E "under the people they are of: $1 team copies dropped; follow-ups kept under a team not their author's: 1$" "$H/crmd.log" &&
	ok "the upgrade drops every team copy ($1) and keeps the admin's follow-up under east" ||
	bad "not $1 team copies dropped and 1 kept: $(cat "$H/crmd.log")"
grep -q -E "period cards written: [1-9][0-9]* customers" "$H/crmd.log" &&
	ok "the upgrade writes the customers' period cards" ||
	bad "no period cards written: $(cat "$H/crmd.log")"
after=$(says)
adds_up "$after" >/dev/null && ok "and so after the upgrade" ||
	bad "a team's counts are not its reps' after the upgrade"
[ "$after" = "$before" ] && ok "every report and list says the same after it" ||
	bad "they differ: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -40)"
# New facts after the upgrade land under the holder alone.
as li
run_exit 0 "a follow-up after the upgrade" \
	"$CRM" -c "log 杭州新风 '发送样品' --channel visit"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"

# crm-check compares each period card with its record and history: one
# card's grade byte changed is found.
mdb_dump -a "$H/db" >"$H/new.dump" || bad "mdb_dump after the upgrade"
python3 - "$H/new.dump" "$H/bad.dump" "$(dirname "$0")" <<'EOF' || bad "a changed card"
import sys
sys.path.insert(0, sys.argv[3])
from mdb_dump import Dump
dump = Dump(sys.argv[1])
team = dump.pairs("cust_team")
k, v = team[0]
# version, owner, created, first contact, won: 33 bytes; then the grade.
team[0] = (k, v[:66] + "%02x" % (int(v[66:68], 16) ^ 7) + v[68:])
dump.set_pairs("cust_team", team)
dump.write(sys.argv[2])
EOF
e2e_check_finds "$H/bad.dump" "a period card that is not its record's" \
	"its period card"
e2e_done
