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
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-cal-XXXXXX")
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=5000
export CRM_TEST_CLOCK=$H/clock TZ=Asia/Shanghai
unset XDG_RUNTIME_DIR
PID= fails=0
cleanup() {
	[ -n "$PID" ] && { kill -TERM "$PID" 2>/dev/null; wait "$PID"; }
	rm -rf "$H"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
local_t() { python3 -c "import time,sys; print(int(time.mktime(time.strptime(sys.argv[1], '%Y-%m-%d %H:%M'))))" "$1"; }
clock() { local_t "$1" >"$CRM_TEST_CLOCK"; }

clock "2026-09-30 10:00" # Wednesday, the day before 国庆
printf 'pw1\n' | "$CRMD" user add boss --role admin --data "$H/db" >/dev/null
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do
	printf 'pw1\n' | "$CRM" login boss >/dev/null 2>&1 && break
	sleep 0.1
done

out=$("$CRM" -c "calendar import $FILE" 2>&1) &&
	[[ $out == *"calendar 2026: 33 holidays and 6 make-up working days imported"* ]] &&
	ok "cn-2026.csv imports: 33 holidays, 6 make-up working days" || bad "import: $out"
r=$("$CRM" --format json -c 'calendar show 2026' | json '[(x["date"], x["kind"]) for x in d["days"] if x["date"] in ("2026-02-17", "2026-10-10")]')
[ "$r" = "[('2026-02-17', 'holiday'), ('2026-10-10', 'workday')]" ] &&
	ok "calendar show 2026: 春节 02-17 a holiday, 10-10 a working Saturday" || bad "show: $r"

"$CRM" -c 'customer add 华东机电有限公司 --grade A' >/dev/null || bad "customer add"
d=$("$CRM" --format json -c 'issue 华东机电有限公司 "设备报警"' | json 'd[1]["deadline_at"]')
[ "$d" = "$(local_t '2026-10-08 10:00')" ] &&
	ok "an issue on 09-30: solution due 10-08, after 国庆 10-01..07" || bad "deadline $d"
clock "2026-10-09 16:00" # Friday
d=$("$CRM" --format json -c 'issue 华东机电有限公司 "再次报警"' | json 'd[1]["deadline_at"]')
[ "$d" = "$(local_t '2026-10-10 16:00')" ] &&
	ok "an issue on Friday 10-09: due Saturday 10-10, a make-up working day" || bad "deadline $d"

kill -TERM "$PID" && wait "$PID" || bad "crmd exit"
PID=
out=$("$CHECK" "$H/db" 2>&1) && ok "crm-check: clean" || bad "crm-check: $out"
[ "$fails" -eq 0 ] && echo "all ok" || echo "$fails failure(s)"
[ "$fails" -eq 0 ]
