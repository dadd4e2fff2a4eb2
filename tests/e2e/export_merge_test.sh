#!/usr/bin/env bash
# export_merge_test.sh: crm export walks customer by customer, a page at a
# time; a customer merge between two pages can move records behind the
# walk (missed) or ahead of it (repeated). crmd says so on the next page
# (ExportPage.merged_during, against the first page's merge_mark), and
# crm starts the export again: the file holds every record once. When
# merges keep coming, crm writes nothing and says why.
# A test build makes it happen on cue: crmd's CRM_TEST_EXPORT_MERGES=N
# counts a merge before each of its first N pages, crm's
# CRM_TEST_EXPORT_PAGE=2 asks for 2 records a page.
# Usage: export_merge_test.sh CRMD CRM
set -u
CRMD=${1:?crmd} CRM=${2:?crm}
. "$(dirname "$0")/lib.sh"
e2e_home export-merge
grep -q CRM_TEST_EXPORT_MERGES "$CRMD" ||
	{ echo "skipped: a crmd without test hooks"; exit 77; }
export CRM_TEST_CHEAP_HASH=1 CRM_TEST_EXPORT_PAGE=2

e2e_admin boss pw-boss
# Two merges counted: the first pass sees one after its first page.
export CRM_TEST_EXPORT_MERGES=2
e2e_start || exit 1
e2e_login boss pw-boss
for i in 1 2 3; do
	run_exit 0 "customer $i" "$CRM" -c "customer add 客户$i"
	run_exit 0 "its follow-up" "$CRM" -c "log 客户$i '电话沟通' --channel phone"
done
run_exit 0 "an export across a merge" "$CRM" -c "export followups $H/f.csv"
has "it says it started again" "merged while exporting"
has "and wrote every follow-up" "exported 3 followups"
rows=$(($(wc -l <"$H/f.csv") - 1))
[ "$rows" = 3 ] && ok "the file holds 3 rows" || bad "the file holds $rows rows"
e2e_stop

# Merges before every page: three passes, nothing written.
export CRM_TEST_EXPORT_MERGES=1000
e2e_start || exit 1
rm -f "$H/g.csv"
run_exit 1 "an export merges keep interrupting" "$CRM" -c "export followups $H/g.csv"
has "it says why" "nothing written"
[ ! -e "$H/g.csv" ] && ok "no file" || bad "a file was left: $(cat "$H/g.csv")"
e2e_stop
e2e_done
