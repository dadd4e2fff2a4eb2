#!/usr/bin/env bash
# import_dry_run_test.sh: `import --dry-run` says what the import of the
# same file does, also of a file over one batch (500 rows), on a real
# crmd: a follow-up row older than an earlier batch's row of its customer
# is history only in both (the dry run checked each batch alone and
# missed them: 98 said, 1,477 made); a new name with a licence number an
# earlier batch's row took is a bad row in both; the counts, the bad rows
# and the history-only rows of the dry run's JSON are the import's. A file
# over what one dry run holds (CRM_TEST_DRY_RUN_ROWS here, 10,000 rows
# otherwise) says from which row its counts are estimates.
# Usage: import_dry_run_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home dr 20000
export TZ=Asia/Shanghai

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1

# JSON replies kept as $H/NAME.json, checked together at the end (one
# python: each costs a second on a busy machine).
keep() { printf '%s' "$out" >"$H/$1.json"; }

# -- follow-ups: 20 customers; rows 2-501 (the first batch) are their
#    October calls, rows 502-621 (the second) older ones, all history
#    only, and two rows in the file twice: two calls each (the same
#    in all they say; crm.proto's ImportRow.occurrence), older than the
#    customer's last contact by then, so history only too
{
	echo name
	for c in $(seq 1 20); do echo "客户$c"; done
} >"$H/c.csv"
run "$CRM" -c "import customers $H/c.csv"
exit_is 0 "20 customers"
{
	echo customer,at,summary,next_action,next_due_at
	for i in $(seq 0 499); do # in time order: none is history only
		printf '客户%d,2026-10-01 %02d:%02d,十月%d,,\n' $((i % 20 + 1)) $((8 + i / 60)) $((i % 60)) "$i"
	done
	for i in $(seq 0 119); do # older than every October call
		printf '客户%d,2026-09-01 %02d:%02d,九月%d,回访,2026-12-20\n' $((i % 20 + 1)) $((8 + i / 60)) $((i % 60)) "$i"
	done
	echo '客户3,2026-10-01 08:02,十月2,,'              # row 4 again
	echo '客户5,2026-09-01 08:04,九月4,回访,2026-12-20' # row 506 again
} >"$H/f.csv"
run "$CRM" --format json -c "import followups $H/f.csv --dry-run"
exit_is 0 "the dry run of 622 follow-up rows (JSON)"
keep f.dry
run "$CRM" -c "import followups $H/f.csv --dry-run"
exit_is 0 "the dry run of 622 follow-up rows"
has "every older row of the second batch, and the rows twice, are history only" "122 would be history only"
has "the rows twice are calls of their own" "dry run: 622 would be added, 0 already there, 0 bad"
hasnt "no estimate" "estimate"
has "it says, before anything is written, what would not come along" "not from the file:"
run "$CRM" --format json -c "import followups $H/f.csv"
exit_is 0 "the import"
keep f.real

# -- customers: a new name with the licence number of an earlier batch's
#    new customer is a bad row, in the dry run as in the import; with
#    --skip-bad the dry run counts what the import adds
{
	echo name,licence_no
	echo '许可甲公司,91310115MA1K4ABC18'
	for i in $(seq 1 520); do echo "批量客户$i,"; done
	echo '许可乙公司,91310115MA1K4ABC18'
} >"$H/lic.csv"
run "$CRM" -c "import customers $H/lic.csv --dry-run"
exit_is 1 "the dry run finds the licence taken by an earlier batch's row"
has "named by its row and column" "row 523, column licence_no"
run "$CRM" --format json -c "import customers $H/lic.csv --dry-run --skip-bad"
exit_is 0 "the dry run with --skip-bad"
keep lic.dry
run "$CRM" --format json -c "import customers $H/lic.csv --skip-bad"
exit_is 0 "the import with --skip-bad"
keep lic.real

# -- a file over what one dry run holds: the second part's counts are
#    estimates, and the dry run says from which row
e2e_stop
export CRM_TEST_DRY_RUN_ROWS=600
e2e_start || exit 1
{
	echo customer,at,summary
	for i in $(seq 0 499); do printf '客户%d,2026-11-01 %02d:%02d,十一月%d\n' $((i % 20 + 1)) $((8 + i / 60)) $((i % 60)) "$i"; done
	for i in $(seq 0 199); do printf '客户%d,2026-08-01 %02d:%02d,八月%d\n' $((i % 20 + 1)) $((8 + i / 60)) $((i % 60)) "$i"; done
} >"$H/big.csv"
run "$CRM" -c "import followups $H/big.csv --dry-run"
exit_is 0 "the dry run of a file over one dry run"
has "says from which row it estimates" "note: a dry run checks at most 600 rows as one: from row 502 on"
run "$CRM" --format json -c "import followups $H/big.csv --dry-run"
keep big.dry
unset CRM_TEST_DRY_RUN_ROWS

# The dry runs' JSON against the imports': counts, bad rows (row and
# column), history-only rows; exact, or from which row estimated.
while read -r line; do
	case $line in
	ok*) ok "${line#ok }" ;;
	*) bad "$line" ;;
	esac
done < <(python3 - "$H" <<'PY'
import json, sys
def load(n):
    with open(f"{sys.argv[1]}/{n}.json") as f:
        return json.load(f)
def summary(d):
    return (d["added"], d["existing"], d["bad"], d["history_only"],
            [(r["row"], r["column"]) for r in d["bad_rows"]],
            [r["row"] for r in d["history_only_rows"]])
for name, what in (("f", "follow-ups"), ("lic", "customers, --skip-bad")):
    dry, real = summary(load(name + ".dry")), summary(load(name + ".real"))
    print(f"ok the dry run of {what} said what the import did: {dry[:4]}"
          if dry == real else f"{what}: dry run {dry}, import {real}")
d = load("f.dry")
print("ok the follow-ups' dry run is exact, 122 history only"
      if d.get("exact") is True and d["history_only"] == 122
      else f"follow-ups: exact {d.get('exact')}, history only {d['history_only']}")
d = load("big.dry")
got = (d.get("exact"), d.get("estimated_from_row"))
print("ok JSON: not exact, from row 502" if got == (False, 502)
      else f"JSON exact: {got}")
PY
)

e2e_done
