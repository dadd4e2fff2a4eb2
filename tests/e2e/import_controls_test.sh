#!/usr/bin/env bash
# import_controls_test.sh: the record controls of issue 12 through `crm
# import` on a real crmd, as they hold for `customer add` and `stage`:
# a customer imported as won with its deal amount gets the purchase a won
# deal is recorded as (category: the customer's industry, else "deal"; at
# its won date); a won date in the future is refused; a blank lost reason
# is refused; a new name with a business licence number another customer
# holds is a bad row (a conflict), not "already there", without the other
# customer's id or owner when the caller may not see it.
# Usage: import_controls_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home ic 10000
export TZ=Asia/Shanghai
as() { printf 'pwx\n' | "$CRM" login "$1" >/dev/null 2>&1 || bad "login $1"; }

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
for u in "wang manager east" "li rep east" "chen manager west" "sun rep west"; do
	set -- $u
	printf 'pwx\n' | "$CRM" -c "user add $1 --role $2 --team $3" >/dev/null || bad "user add $1"
done

# -- imported as won with its deal: the deal is a purchase, dated at the
#    won date, category by the rule (industry, else "deal")
as wang
printf 'name,industry,stage,deal_amount,won_at,owner\n华东机电,制造,won,500000,2026-12-01,li\n上海云图,,won,8000,2026-11-20,li\n' >"$H/won.csv"
run "$CRM" -c "import customers $H/won.csv"
exit_is 0 "a manager imports two won customers"
run "$CRM" --format json -c 'purchase list 华东机电'
p=$(printf '%s' "$out" | json '[(p["amount"], p["category"], p["bought_at"]) for p in d]')
run "$CRM" --format json -c 'customer show 华东机电'
w=$(printf '%s' "$out" | json 'd["customer"]["won_at"]')
d=${w%%T*} # RFC 3339 in the test's TZ
[ "$d" = 2026-12-01 ] && ok "华东机电 was won on 2026-12-01" || bad "won_at $w ($d)"
run "$CRM" --format json -c 'purchase list 华东机电'
[ "$p" = "[(500000.0, '制造', '$w')]" ] && ok "华东机电: one purchase of 500000, 制造, at its won date" || bad "华东机电 purchases: $p (won at $w)"
run "$CRM" --format json -c 'purchase list 上海云图'
p=$(printf '%s' "$out" | json '[(p["amount"], p["category"]) for p in d]')
[ "$p" = "[(8000.0, 'deal')]" ] && ok "上海云图: one purchase, category deal" || bad "上海云图 purchases: $p"
# Money in --format json is the amount as the table shows it (yuan, not
# the protocol's fen): one unit in every format of the shell.
run "$CRM" --format json -c 'customer show 上海云图'
a=$(printf '%s' "$out" | json 'd["customer"]["deal_amount"]')
[ "$a" = 8000.0 ] && ok "JSON: deal_amount 8000.0, as the table's ¥8,000.00" || bad "JSON deal_amount $a"
run "$CRM" -c 'purchase add 上海云图 1234.07 part --category spare'
run "$CRM" --format json -c 'purchase list 上海云图'
p=$(printf '%s' "$out" | json '[p["amount"] for p in d]')
printf '%s' "$out" | grep -q '"amount": 1234.07,' && ok "JSON: 1234.07 printed as typed" || bad "JSON amounts: $out"
[ "$p" = "[8000.0, 1234.07]" ] || [ "$p" = "[1234.07, 8000.0]" ] && ok "JSON purchase amounts in yuan" || bad "JSON purchase amounts $p"
run "$CRM" --format csv -c 'purchase list 上海云图'
has "CSV: the same amount" "1234.07"

# -- a won date in the future is refused
printf 'name,stage,deal_amount,won_at,owner\n未来公司,won,100,2030-01-01,li\n' >"$H/future.csv"
run "$CRM" -c "import customers $H/future.csv"
exit_is 1 "a won date in the future: the import is refused"
has "named by its row" "row 2"
has "and why" "not in the future"

printf 'name,stage,lost_reason,lost_at,owner\n未来流失,lost,price,2030-01-01,li\n' >"$H/future2.csv"
run "$CRM" -c "import customers $H/future2.csv"
exit_is 1 "a lost date in the future: the import is refused"
has "and why" "not in the future"

# -- a blank lost reason is refused, as by customer add and stage
printf 'name,stage,lost_reason,owner\n流失公司,lost,"  ",li\n' >"$H/lost.csv"
run "$CRM" -c "import customers $H/lost.csv"
exit_is 1 "a blank lost reason: the import is refused"

# -- a taken licence number under a new name: a bad row, not "already
#    there"; as another team's rep and manager, without id or owner
as li
run "$CRM" -c 'customer edit 华东机电 licence_no=91310115MA1K4ABC18'
exit_is 0 "li gives 华东机电 its licence number"
printf 'name,licence_no\n新公司甲,91310115MA1K4ABC18\n' >"$H/lic.csv"
for who in sun chen; do
	as $who
	run "$CRM" -c "import customers $H/lic.csv"
	exit_is 1 "$who: a taken licence number under a new name is refused"
	has "$who: a bad row, not already there" "1 bad row; nothing was imported"
	has "$who: named by row and column" "row 2, column licence_no"
	has "$who: the conflict" "already exists in another team; ask your manager"
	hasnt "$who: without the other's owner" "owner li"
	hasnt "$who: without its name" "华东机电"
	run "$CRM" -c 'customer show 新公司甲'
	exit_is 1 "$who: nothing was added"
done
# The team's manager, who may see the other customer, is told which.
as wang
run "$CRM" -c "import customers $H/lic.csv"
exit_is 1 "wang: the conflict is a bad row too"
has "wang: told which customer holds it" "华东机电"

e2e_done
