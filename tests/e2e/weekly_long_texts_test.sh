#!/usr/bin/env bash
# weekly_long_texts_test.sh: `report weekly` over a week of follow-ups
# whose texts are as long as a field holds (summary and feedback of
# 4,000 bytes each): the week's follow-up list lists what fits and
# counts the rest in its "more" row; the report is never refused as too
# big (it was RESOURCE_EXHAUSTED: 300 long rows outgrew the request's
# memory). Usage: weekly_long_texts_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home wl 60000
export TZ=Asia/Shanghai

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pwx\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "user add li"
"$CRM" -c 'customer add 华东机电有限公司 --owner li' >/dev/null || bad "customer add"

# 400 follow-ups this week, yesterday, a minute apart, each with 4,000
# bytes of summary and of feedback (1,333 CJK characters and a letter).
y=$(date -d yesterday +%F)
python3 - "$H/fu.csv" "$y" <<'PY'
import sys
path, day = sys.argv[1], sys.argv[2]
long = "跟" * 1333 + "x"
with open(path, "w", encoding="utf-8") as f:
    f.write("客户名称,跟进时间,跟进方式,跟进内容,客户反馈,跟进人\n")
    for i in range(400):
        f.write("华东机电有限公司,%s %02d:%02d,电话,%s%d,%s,li\n" %
                (day, 1 + i // 60, i % 60, long[:-3], i, long))
PY
run "$CRM" -c "import followups $H/fu.csv"
exit_is 0 "400 long follow-ups import"
has "all of them" "400 added"

run "$CRM" --format json -c "report weekly --from $y --to $y"
exit_is 0 "report weekly is not refused as too big"
rows=$(printf '%s' "$out" | json 'len([t for t in d["tables"] if t["name"] == "followups"][0]["rows"])' 2>/dev/null ||
	printf '%s' "$out" | json 'len(d["tables"]["followups"])')
more=$(printf '%s' "$out" | grep -o '[0-9]* more: export followups' | head -1)
[ -n "$rows" ] && [ "$rows" -gt 50 ] && ok "it lists $rows follow-ups" ||
	bad "rows listed: '$rows': $(printf '%s' "$out" | head -c 300)"
n=${more%% *}
[ -n "$n" ] && [ $((rows - 1 + n)) -eq 400 ] &&
	ok "and counts the other $n in its more row" ||
	bad "listed $rows with more '$more': not 400 in all"
run "$CRM" -c "report weekly --from $y --to $y"
exit_is 0 "the table form too"
has "the more row says how to see them all" "more: export followups --from --to"
