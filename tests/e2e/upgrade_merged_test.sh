#!/usr/bin/env bash
# upgrade_merged_test.sh: data of schema 15 (a merge then left the dropped
# customer's stage facts in the reports) upgrades to 16 in place with only
# what changed: those facts go, the funnel counts the kept customer's own
# moves, crm-check is clean, and no whole rebuild runs (search texts,
# history and report facts of schema 15 data are as its crmd wrote them).
# The schema 15 data is made here: a merge by this crmd, then the
# dropped customer's stage facts written back as the old merge left them
# (mdb_dump before the merge, mdb_load after) and meta's schema set to 15.
# Usage: upgrade_merged_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home upgrade-merged
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null ||
	{ echo "skipped: no mdb_dump/mdb_load"; exit 77; }

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a team" "$CRM" -c 'team add east'
e2e_user li pw-li --role rep --team east
e2e_login li pw-li
run_exit 0 "the customer kept" "$CRM" -c "customer add '留下公司'"
run_exit 0 "its duplicate" "$CRM" -c "customer add '重复公司'"
run_exit 0 "the duplicate moves to intent" \
	"$CRM" -c "log 重复公司 '电话沟通' --stage intent"
run_exit 0 "and to negotiation" \
	"$CRM" -c "log 重复公司 '报价' --stage negotiation"
# The funnel's moves of the period (the last 30 days), as its JSON lists them.
funnel_moves() {
	run_exit 0 "the funnel" "$CRM" --format json -c 'report funnel'
	moves=$(printf '%s' "$out" | json 'sorted((m["from"], m["to"], m["moves"]) for m in d["tables"]["moves"])')
}
funnel_moves
case $moves in
*negotiation*) ok "the funnel shows the duplicate's moves: $moves" ;;
*) bad "the duplicate's moves are not in the funnel: $moves" ;;
esac
e2e_stop

# The shared tree's report facts of stage moves (schema.def: DB_STAGE_TIME,
# tag 10), as they stand before the merge.
facts() {
	mdb_dump -s crm "$H/db" | python3 -c '
import sys
lines = [l.rstrip("\n") for l in sys.stdin]
i = lines.index("HEADER=END") + 1
out = []
while lines[i] != "DATA=END":
    if lines[i].startswith(" 0a"):
        out += [lines[i], lines[i + 1]]
    i += 2
print("\n".join(out))'
}
before=$(facts)
n_before=$(printf '%s\n' "$before" | grep -c . )
[ "$n_before" -ge 4 ] && ok "stage facts before the merge: $((n_before / 2))" ||
	bad "too few stage facts to test with: $n_before lines"

e2e_start || exit 1
run_exit 0 "the merge" "$CRM" -c "customer merge 留下公司 重复公司 --yes"
funnel_moves
merged_moves=$moves
case $moves in
*negotiation*) bad "the merge left the duplicate's moves: $moves" ;;
*) ok "after the merge the funnel has the kept one's own: $moves" ;;
esac
e2e_stop
after=$(facts)
n_after=$(printf '%s\n' "$after" | grep -c . )
[ "$n_after" -lt "$n_before" ] && ok "the merge took the facts out" ||
	bad "the merge left the facts: $n_before -> $n_after lines"
run_exit 0 "crm-check: clean after the merge" "$CHECK" --quiet "$H/db"

# As schema 15's merge left it: the facts back, the schema 15.
{
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n'
	printf '%s\n' "$before"
	printf 'DATA=END\n'
} | mdb_load -s crm "$H/db" || bad "mdb_load of the facts"
[ "$(facts | grep -c .)" -eq "$n_before" ] && ok "schema 15's facts are back" ||
	bad "the facts did not load"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n 0000000f\nDATA=END\n' |
	mdb_load -s meta "$H/db" || bad "mdb_load of the schema"
run_exit 2 "crm-check sends schema 15 data to crmd's upgrade" \
	"$CHECK" --quiet "$H/db"
has "it names schema 15" "this data has schema 15"

e2e_start || exit 1
grep -q "upgrading the data from schema 15 to " "$H/crmd.log" &&
	ok "crmd upgrades it" || bad "no upgrade in the log: $(cat "$H/crmd.log")"
grep -q "taking the stage moves of merged customers out of the reports: 1 merged" "$H/crmd.log" &&
	ok "the upgrade names the one merged customer" ||
	bad "no count of merged customers: $(cat "$H/crmd.log")"
grep -q "building the search texts" "$H/crmd.log" &&
	bad "the upgrade from 15 rebuilt the search texts" ||
	ok "no whole rebuild of the search texts"
funnel_moves
[ "$moves" = "$merged_moves" ] &&
	ok "the funnel counts no move of the merged duplicate: $moves" ||
	bad "the funnel after the upgrade: $moves, want $merged_moves"
run_exit 0 "the kept customer is found" "$CRM" -c "customer find 留下"
has "found" "留下公司"
e2e_stop
[ "$(facts | grep -c .)" -eq "$n_after" ] &&
	ok "the facts are as this crmd's merge leaves them" ||
	bad "facts after the upgrade: $(facts | grep -c .) lines, want $n_after"
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"
e2e_done
