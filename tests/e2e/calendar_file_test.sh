#!/usr/bin/env bash
# calendar_file_test.sh: the shipped calendar data/calendar/cn-2026.csv
# (the State Council's 2026 arrangement) loads through `crm -c 'calendar
# import'`, reads back whole, and moves the after-sales solution deadline
# over 国庆 and onto its make-up Saturday; crm-check accepts the database.
# Usage: calendar_file_test.sh CRMD CRM CRM-CHECK FILE
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
CHECK=${3:?crm-check path}
FILE=${4:?calendar file}
. "$(dirname "$0")/lib.sh"
e2e_home cal
export CRM_TEST_CLOCK=$H/clock TZ=Asia/Shanghai
local_t() { python3 -c "import time,sys; print(int(time.mktime(time.strptime(sys.argv[1], '%Y-%m-%d %H:%M'))))" "$1"; }
clock() { local_t "$1" >"$CRM_TEST_CLOCK"; }

clock "2026-09-30 10:00" # Wednesday, the day before 国庆
e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1

out=$("$CRM" -c "calendar import $FILE" 2>&1) &&
	[[ $out == *"calendar 2026: 33 holidays and 6 make-up working days imported"* ]] &&
	ok "cn-2026.csv imports: 33 holidays, 6 make-up working days" || bad "import: $out"
r=$("$CRM" --format json -c 'calendar show 2026' | json '[(x["date"], x["kind"]) for x in d["days"] if x["date"] in ("2026-02-17", "2026-10-10")]')
[ "$r" = "[('2026-02-17', 'holiday'), ('2026-10-10', 'workday')]" ] &&
	ok "calendar show 2026: 春节 02-17 a holiday, 10-10 a working Saturday" || bad "show: $r"

"$CRM" -c 'customer add 华东机电有限公司 --grade A' >/dev/null || bad "customer add"
d=$("$CRM" --format json -c 'issue 华东机电有限公司 "设备报警"' | json 'd[1]["deadline_at"]')
[ "$d" = "2026-10-08T10:00:00+08:00" ] &&
	ok "an issue on 09-30: solution due 10-08, after 国庆 10-01..07" || bad "deadline $d"
clock "2026-10-09 16:00" # Friday
d=$("$CRM" --format json -c 'issue 华东机电有限公司 "再次报警"' | json 'd[1]["deadline_at"]')
[ "$d" = "2026-10-10T16:00:00+08:00" ] &&
	ok "an issue on Friday 10-09: due Saturday 10-10, a make-up working day" || bad "deadline $d"

# The shell refuses a file over the server's limit (common/crm_limits.h)
# before sending it, naming that limit: 501 days.
python3 -c 'import datetime as t
d = t.date(2030, 1, 1)
for i in range(501):
    print("%s,holiday,day %d" % (d + t.timedelta(days=i), i))' >"$H/big.csv"
out=$("$CRM" -c "calendar import $H/big.csv" 2>&1)
[[ $out == *"more than 500 days in one file"* ]] &&
	ok "501 days: refused as more than the 500 a request takes" || bad "big: $out"

e2e_stop
out=$("$CHECK" "$H/db" 2>&1) && ok "crm-check: clean" || bad "crm-check: $out"
e2e_done
