#!/usr/bin/env bash
# rebuild_keeps_past_test.sh: an upgrade that rebuilds the report facts
# (data older than schema 15) keeps a past period's reports as they were:
# a deal won while the customer was grade B counts under B in `report
# conversion` after the customer became A and after the rebuild, as it
# did before (the stage entry records the grade then; the live fact was
# written with it). Data of an older schema is made by setting meta's
# schema back (as old_schema_test does), which makes crmd rebuild.
# So does a win dated back before a hand-over: li's, who held the
# customer then, before the rebuild and after it (the stage entry records
# its holder then, as the hand-over's record said).
# Usage: rebuild_keeps_past_test.sh CRMD CRM
set -u
CRMD=${1:?crmd} CRM=${2:?crm}
. "$(dirname "$0")/lib.sh"
e2e_home rebuild-past
command -v mdb_load >/dev/null || { echo "skipped: no mdb_load"; exit 77; }

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a team" "$CRM" -c 'team add east'
e2e_user wang pw-wang --role manager --team east
e2e_user li pw-li --role rep --team east
e2e_user zhao pw-zhao --role rep --team east
e2e_login li pw-li
run_exit 0 "a grade B customer" "$CRM" -c "customer add '乙级公司' --grade B"
run_exit 0 "its deal is won" "$CRM" -c "log 乙级公司 '签约' --stage won"
e2e_login wang pw-wang
run_exit 0 "the manager makes it A afterwards" \
	"$CRM" -c "customer edit 乙级公司 grade=A"
met=$(date -d '-20 days' '+%Y-%m-%d %H:%M')
won_at=$(date -d '-5 days' '+%Y-%m-%d %H:%M')
run_exit 0 "li's customer, met 20 days ago" "$CRM" -c \
	"customer add '丙级公司' --owner li --grade C --first-contact '$met'"
run_exit 0 "given to zhao" "$CRM" -c "customer assign 丙级公司 zhao"
run_exit 0 "its win of 5 days ago, entered after the hand-over" \
	"$CRM" -c "stage 丙级公司 won --amount 10 --date '$won_at'"

# li's won customers (grade C) in the conversion report.
li_won_c() {
	run_exit 0 "li's report conversion" \
		"$CRM" --format json -c 'report conversion --user li'
	li_c=$(printf '%s' "$out" | json '
[(r["customers"], r["won"]) for r in d["tables"]["by_grade"] if r["grade"] == "C"]')
}
li_won_c
[ "$li_c" = "[(1, 1)]" ] && ok "the win dated back is li's: $li_c" ||
	bad "li's C before the rebuild: $li_c ($out)"

# Won deals by grade in the conversion report (the last 30 days).
won_by_grade() {
	run_exit 0 "report conversion" "$CRM" --format json -c 'report conversion'
	won=$(printf '%s' "$out" | json '
sorted((r["grade"], r["won"]) for t in d["tables"].values()
       for r in t if isinstance(r, dict) and r.get("won"))')
}
won_by_grade
before=$won
case $before in
*"('B', 1)"*) ok "the deal counts under B, the grade it was won at: $before" ;;
*) bad "conversion before the rebuild: $before ($out)" ;;
esac
e2e_stop

# Schema 14: crmd rebuilds the report facts at its start.
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n 0000000e\nDATA=END\n' |
	mdb_load -s meta "$H/db" || bad "mdb_load of the schema"
e2e_start || exit 1
grep -q "upgrading the data from schema 14 to" "$H/crmd.log" &&
	ok "crmd rebuilds (schema 14)" || bad "no upgrade: $(cat "$H/crmd.log")"
e2e_login wang pw-wang
won_by_grade
[ "$won" = "$before" ] && ok "after the rebuild the same: $won" ||
	bad "the rebuild moved the deal: $won, before $before"
li_won_c
[ "$li_c" = "[(1, 1)]" ] && ok "after the rebuild still li's: $li_c" ||
	bad "the rebuild moved the win dated back: $li_c"
e2e_stop
e2e_done
