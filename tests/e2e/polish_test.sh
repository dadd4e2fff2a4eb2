#!/usr/bin/env bash
# polish_test.sh: the polish of issue 14 item 7 through the real programs:
# money in tables with thousands separators and the policy's currency (an
# admin's `policy currency`), plain in CSV and JSON; a percentage chart
# scaled to 100 % and a count chart to the largest; errors of a script
# on stdin start with `line N:`; a dry run's summary is not an error;
# `--format json` writes every time as RFC 3339 with the offset, in
# several commands, and such a time reads back as a WHEN.
# Usage: polish_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home polish
export TZ=Asia/Shanghai
# An RFC 3339 time with the offset, as JSON writes every time.
RFC='^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\+08:00$'

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "add li"
for c in 华东机电 上海云图; do
	"$CRM" -c "customer add $c --owner li --grade S --revenue 1234567" >/dev/null || bad "add $c"
done
"$CRM" -c 'purchase add 华东机电 1234567 数控机床 --category 设备' >/dev/null || bad "purchase 1"
"$CRM" -c 'purchase add 华东机电 8000.5 维保 --category 维保' >/dev/null || bad "purchase 2"

# ------------------------------------------------------------ money
run "$CRM" -c 'policy currency'
has "the default currency is ¥" "amounts are shown in ¥: ¥1,234,567.00"
run "$CRM" -c 'customer show 华东机电'
has "customer show: separators and ¥" "¥1,234,567.00"
run "$CRM" -c 'policy currency US$'
exit_is 0 "an admin sets the currency"
has "it says how amounts look" "US\$1,234,567.00"
run "$CRM" -c 'purchase list 华东机电'
has "purchase list: the new currency" "US\$1,234,567.00"
has "the summary too" "total US\$1,242,567.50"
# Amounts are right-aligned: the decimal points line up.
a=$(printf '%s\n' "$out" | grep -F '数控机床' | grep -bo '\.00' | head -1 | cut -d: -f1)
b=$(printf '%s\n' "$out" | grep -F '维保' | head -1 | grep -bo '\.50' | cut -d: -f1)
w1=$(printf '%s\n' "$out" | grep -F '数控机床' | head -1)
w2=$(printf '%s\n' "$out" | grep -F '维保' | head -1)
c1=$(printf '%s' "${w1%%.00*}" | wc -L); c2=$(printf '%s' "${w2%%.50*}" | wc -L)
[ -n "$a" ] && [ -n "$b" ] && [ "$c1" = "$c2" ] && ok "the amounts' decimal points line up" \
	|| bad "amount columns: '$w1' / '$w2' ($c1 vs $c2)"
run "$CRM" -c 'customer show 华东机电'
has "customer show: the new currency" "US\$1,234,567.00"
# The purchases block lines up with the record above it.
k1=$(printf '%s\n' "$out" | grep '^annual_revenue ' | sed 's/US\$.*//' | wc -L)
k2=$(printf '%s\n' "$out" | grep '^purchases ' | sed 's/[0-9].*//' | wc -L)
[ "$k1" = "$k2" ] && ok "the purchases block is aligned with the customer" \
	|| bad "customer show columns $k1 vs $k2: $out"
run "$CRM" -c 'customer history 华东机电'
has "history: the new currency" "US\$8,000.50 维保"
run "$CRM" --format csv -c 'purchase list 华东机电'
has "CSV keeps plain numbers" '"1234567.00"'
hasnt "CSV has no currency" 'US$'
run "$CRM" --format json -c 'customer show 华东机电'
[ "$(printf '%s' "$out" | json 'd["customer"]["annual_revenue"]')" = 1234567.0 ] \
	&& ok "JSON keeps plain numbers, in the table's unit" || bad "JSON revenue: $out"
run "$CRM" -c 'policy show'
has "policy show names the currency" "US\$"
run "$CRM" -c 'policy currency "a b"'
exit_is 1 "a currency with a blank is refused"
"$CRM" -c 'policy currency €' >/dev/null
e2e_login li pw2
run "$CRM" -c 'policy currency £'
exit_is 1 "a rep cannot change the currency"
run "$CRM" -c 'purchase list 华东机电'
has "a rep sees the admin's currency" "€1,234,567.00"

# ------------------------------------------------------------ bars
e2e_login boss pw1
"$CRM" -c 'stage 华东机电 won --amount 1000' >/dev/null || bad "stage won"
run "$CRM" -c 'report conversion --from today --to tomorrow'
has "S converts at 50 %" "50.0 %"
bar=$(printf '%s\n' "$out" | grep -E '^S +█' | head -1)
n=$(printf '%s' "$bar" | grep -o '█' | wc -l)
room=$(printf '%s\n' "$out" | grep -E '^S +█' | head -1 | wc -L)
# 50 % of the room: about half the line's bar room, never all of it.
[ "$n" -gt 10 ] && [ "$n" -lt $(( room / 2 + 2 )) ] && ok "a 50 % bar is half a bar ($n blocks)" \
	|| bad "50 % bar: $n blocks in '$bar'"
run "$CRM" -c 'report funnel --from today --to tomorrow'
# 80 columns: label (11), blanks and the count leave the bar 66.
full=0
while IFS= read -r l; do
	k=$(printf '%s' "$l" | grep -o '█' | wc -l)
	[ "$k" -gt "$full" ] && full=$k
done < <(printf '%s\n' "$out" | grep -E '^[a-z_]+ +█')
[ "$full" -ge 60 ] && ok "counts: the largest fills the bar ($full blocks)" \
	|| bad "funnel bars ($full blocks): $out"

# ------------------------------------------------------------ line N:
printf 'whoami\n\n# a comment\nbogus\ncustomer show\n' >"$H/script.txt"
out=$("$CRM" <"$H/script.txt" 2>&1); code=$?
exit_is 2 "a script with a usage error exits 2"
has "an unknown command names its line" "line 4: error: unknown command: bogus"
has "a usage error names its line" "line 5: error: customer show needs more arguments"
run "$CRM" -c 'bogus'
hasnt "-c has no line number" "line 1:"

# ------------------------------------------------------------ dry run
printf 'name,grade\n新客户一,B\n,A\n' >"$H/c.csv"
run "$CRM" -c "import customers $H/c.csv --dry-run"
exit_is 1 "a dry run with a bad row fails"
has "the bad row is an error" "error: row 3"
has "the summary is there" "dry run: 1 would be added, 0 already there, 1 bad"
hasnt "the summary is not labelled error" "error: dry run"

# ------------------------------------------------------------ JSON times
"$CRM" -c 'task add 上海云图 "2026-12-20 10:00" "回电" --owner li' >/dev/null || bad "task add"
run "$CRM" --format json -c 'customer show 华东机电'
r=$(printf '%s' "$out" | json '" ".join(d["customer"][k] for k in ("created_at", "updated_at", "won_at"))')
bad_t=0; for t in $r; do [[ $t =~ $RFC ]] || bad_t=1; done
[ -n "$r" ] && [ $bad_t = 0 ] && ok "customer show: times in RFC 3339 ($r)" || bad "customer show times: $r"
run "$CRM" --format json -c 'purchase list 华东机电'
t=$(printf '%s' "$out" | json 'd[0]["bought_at"]')
[[ $t =~ $RFC ]] && ok "purchase list: at in RFC 3339" || bad "purchase at: $t"
run "$CRM" --format json -c 'due all --user li'
t=$(printf '%s' "$out" | json '[x["due_at"] for x in d if x.get("goal") == "回电"][0]')
[ "$t" = "2026-12-20T10:00:00+08:00" ] && ok "due: due_at in RFC 3339 in the user's TZ" || bad "due_at: $t"
run "$CRM" --format json -c 'customer history 华东机电'
r=$(printf '%s' "$out" | json '" ".join(i["happened_at"] for i in d)')
bad_t=0; for t in $r; do [[ $t =~ $RFC ]] || bad_t=1; done
[ -n "$r" ] && [ $bad_t = 0 ] && ok "customer history: every at in RFC 3339" || bad "history ats: $r"
run "$CRM" --format json -c 'report weekly'
r=$(printf '%s' "$out" | json 'd["from"] + " " + d["to"]')
bad_t=0; for t in $r; do [[ $t =~ $RFC ]] || bad_t=1; done
[ $bad_t = 0 ] && ok "report: from and to in RFC 3339" || bad "report from/to: $r"
run "$CRM" --format json -c 'user list'
r=$(printf '%s' "$out" | json '" ".join(u["created_at"] for u in d)')
bad_t=0; for t in $r; do [[ $t =~ $RFC ]] || bad_t=1; done
[ -n "$r" ] && [ $bad_t = 0 ] && ok "user list: created_at in RFC 3339" || bad "user times: $r"
# No Unix seconds anywhere a time goes.
for c in 'customer show 华东机电' 'purchase list 华东机电' 'due all --user li' 'customer history 华东机电'; do
	run "$CRM" --format json -c "$c"
	n=$(printf '%s' "$out" | python3 -c '
import json, sys
def walk(v, k=""):
    if isinstance(v, dict):
        return sum(walk(x, key) for key, x in v.items())
    if isinstance(v, list):
        return sum(walk(x, k) for x in v)
    return 1 if (k == "at" or k.endswith("_at")) and isinstance(v, int) else 0
print(walk(json.load(sys.stdin)))')
	[ "$n" = 0 ] && ok "$c: no time as a number" || bad "$c: $n times as numbers"
done
# What JSON writes reads back as a WHEN.
run "$CRM" --format json -c 'task add 上海云图 2026-12-21T09:30:00+08:00 "再访"'
exit_is 0 "a WHEN in RFC 3339 is read"
t=$(printf '%s' "$out" | json 'd["due_at"]')
[ "$t" = "2026-12-21T09:30:00+08:00" ] && ok "and means that moment" || bad "due_at $t"

e2e_done
