#!/usr/bin/env bash
# export_xlsx_times_test.sh: a workbook's times read back as the very
# second by a reader that truncates. libxlsxwriter prints a serial with
# 16 digits, so 10:00 came out as 46343.41666666666, a hair below, and
# xlsx2csv showed 09:59 (77 cells of one export). Checked with xlsx2csv
# and with the cells' own decimals, floored exactly; crm's import (it
# rounds) still finds each follow-up.
# Usage: export_xlsx_times_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home xlsxt
export TZ=Asia/Shanghai CRM_TEST_CLOCK=$H/clock
echo 1796605200 >"$CRM_TEST_CLOCK" # 2026-12-07 09:00, test builds only

e2e_user li pw1 --role rep --team east
e2e_start || exit 1
e2e_login li pw1
"$CRM" -c 'customer add 时间客户' >/dev/null 2>&1 || bad "customer add"
# 10:00 and 14:30 were written just below the minute (xlsx2csv showed
# 09:59 and 14:29); midnight is a whole day.
times=('2026-11-16 10:00' '2026-11-16 14:30' '2026-11-16 00:00'
	'2026-11-17 16:20')
for t in "${times[@]}"; do
	"$CRM" -c "log 时间客户 'at $t' --at '$t'" >/dev/null 2>"$H/err" ||
		bad "log --at '$t': $(cat "$H/err")"
done
# Seconds come only from a follow-up logged live (--at takes minutes):
# logged at the test clock's time, where crmd has one.
if grep -q CRM_TEST_CLOCK "$CRMD"; then
	for t in '2026-11-16 09:05:07' '2026-11-16 23:59:59'; do
		date -d "$t" +%s >"$CRM_TEST_CLOCK"
		"$CRM" -c "log 时间客户 'live $t'" >/dev/null 2>"$H/err" ||
			bad "log at $t: $(cat "$H/err")"
		times+=("$t")
	done
	echo 1796605200 >"$CRM_TEST_CLOCK"
else
	echo "note: a crmd without the test clock: no times with seconds"
fi

run_exit 0 "export followups .xlsx" "$CRM" -c "export followups $H/f.xlsx"
run xlsx2csv "$H/f.xlsx"
exit_is 0 "xlsx2csv reads the workbook"
printf '%s\n' "$out" >"$H/f.csv"
r=$(/usr/bin/env python3 - "$H/f.csv" "$H/f.xlsx" "${times[@]}" <<'EOF'
import csv, sys, zipfile, re, datetime
from fractions import Fraction
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
want = sorted(sys.argv[3:])
got = sorted(r['at'] for r in rows)
if got != want:
    print('xlsx2csv shows', got, 'want', want); sys.exit()
# A reader that truncates the cell's decimal, exactly: the at column's
# numbers.
col = list(rows[0].keys()).index('at')
letter = ''
while True:
    letter = chr(ord('A') + col % 26) + letter
    col = col // 26 - 1
    if col < 0:
        break
xml = zipfile.ZipFile(sys.argv[2]).read('xl/worksheets/sheet1.xml').decode()
epoch = datetime.datetime(1899, 12, 30)
seen = []
for v in re.findall(r'<c r="%s[0-9]+"[^>]*><v>([0-9.]+)</v>' % letter, xml):
    secs = Fraction(v) * 86400
    t = epoch + datetime.timedelta(seconds=int(secs))  # floored
    f = '%Y-%m-%d %H:%M' if t.second == 0 else '%Y-%m-%d %H:%M:%S'
    seen.append(t.strftime(f))
    if secs - int(secs) > Fraction(1, 1000):
        print(v, 'is more than a millisecond past', t); sys.exit()
if sorted(seen) != want:
    print('cells floor to', sorted(seen), 'want', want); sys.exit()
print('exact', len(seen))
EOF
)
[ "$r" = "exact ${#times[@]}" ] &&
	ok "each time reads back as its very second (xlsx2csv, decimals floored)" ||
	bad "times read back: $r"
run "$CRM" -c "import followups $H/f.xlsx"
has "crm's import finds every follow-up again" \
	"imported: 0 added, ${#times[@]} already there, 0 bad"
e2e_done
