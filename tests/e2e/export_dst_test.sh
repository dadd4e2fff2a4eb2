#!/usr/bin/env bash
# export_dst_test.sh: an export's times come back exact in a zone with
# daylight saving. In the hour a clock goes back, one local time names
# two moments: written as "2026-11-01 01:30" both read back as one (in
# America/New_York a round trip moved one follow-up an hour and took the
# other for "already there"). Such a time is written in RFC 3339 with
# its offset, in CSV and in .xlsx; other times as before.
# Usage: export_dst_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home dst

e2e_user li pw1 --role rep --team east
e2e_start || exit 1
e2e_login li pw1
"$CRM" -c 'customer add 夏令时客户' >/dev/null 2>&1 || bad "customer add"
# 05:30 and 06:30 UTC are 01:30 EDT and 01:30 EST; 12:00 UTC is 07:00.
TZ=UTC "$CRM" -c "log 夏令时客户 '第一次 01:30' --at '2026-11-01 05:30'" >/dev/null 2>&1
TZ=UTC "$CRM" -c "log 夏令时客户 '第二次 01:30' --at '2026-11-01 06:30'" >/dev/null 2>&1
TZ=UTC "$CRM" -c "log 夏令时客户 '之后 07:00' --at '2026-11-01 12:00'" >/dev/null 2>&1

for ext in csv xlsx; do
	run env TZ=America/New_York "$CRM" -c "export followups $H/f.$ext"
	exit_is 0 "export followups .$ext in America/New_York"
	run env TZ=America/New_York "$CRM" -c "import followups $H/f.$ext"
	has "the .$ext import finds each follow-up at its own moment" \
		"imported: 0 added, 3 already there, 0 bad"
done
grep -q '2026-11-01T01:30:00-04:00' "$H/f.csv" &&
	grep -q '2026-11-01T01:30:00-05:00' "$H/f.csv" &&
	grep -q '"2026-11-01 07:00"' "$H/f.csv" &&
	ok "the repeated hour's times carry their offset, the others do not" ||
	bad "the CSV's times: $(grep 2026-11-01 "$H/f.csv" | cut -c1-80)"
hist=$(TZ=UTC "$CRM" -c 'customer history 夏令时客户' 2>&1)
{ [ "$(grep -c '第一次 01:30' <<<"$hist")" = 1 ] &&
	[ "$(grep -c '第二次 01:30' <<<"$hist")" = 1 ] &&
	[ "$(grep -c '2026-11-01 05:30 .*第一次 01:30' <<<"$hist")" = 1 ] &&
	[ "$(grep -c '2026-11-01 06:30 .*第二次 01:30' <<<"$hist")" = 1 ] &&
	[ "$(grep -c '2026-11-01 12:00 .*之后 07:00' <<<"$hist")" = 1 ]; } &&
	ok "each follow-up once, at its own time" || bad "the history: $hist"

# Asia/Shanghai has no daylight saving: its times stay without offset.
run env TZ=Asia/Shanghai "$CRM" -c "export followups $H/cn.csv"
grep -q '"2026-11-01 13:30"' "$H/cn.csv" && ! grep -q 'T13:30:00' "$H/cn.csv" &&
	ok "Asia/Shanghai times as before" ||
	bad "Asia/Shanghai: $(grep 2026-11-01 "$H/cn.csv" | cut -c1-80)"
e2e_done
