#!/usr/bin/env bash
# export_import_test.sh: export and import end to end through `crm -c`, on
# two real crmd servers in a temp folder. Server A gets customers,
# contacts and follow-ups; each kind is exported to CSV and to .xlsx (read
# back with xlsx2csv: the same rows as the CSV); the CSVs are imported
# into an empty server B and exported again: the same rows, except what
# the server sets (see IGNORED below). Also: a file with bad rows names
# every bad row and writes nothing, --skip-bad writes the good ones, a
# second import adds nothing, Chinese template headers with a BOM, a
# rep's export holds only their customers, customer merge, and every
# report kind in table, csv and json.
# Usage: export_import_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-xi-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_TIMEOUT_MS=10000 TZ=Asia/Shanghai
unset XDG_RUNTIME_DIR
PIDS=()
fails=0
cleanup() {
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" || { echo "FAIL: crmd $p exited with $?"; fails=$((fails + 1)); }
	done
	rm -rf "$H"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
run() { out=$("$@" 2>"$H/err"); code=$?; }
expect() {
	local want=$1 desc=$2; shift 3; run "$@"
	if [ "$code" -eq "$want" ]; then ok "$desc"
	else bad "$desc (exit $code, want $want): $out $(cat "$H/err")"; fi
}
contains() { # DESC NEEDLE: the last output (stdout and stderr) holds NEEDLE
	if printf '%s\n%s' "$out" "$(cat "$H/err")" | grep -qF -- "$2"; then ok "$1"
	else bad "$1: '$2' not in: $out $(cat "$H/err")"; fi
}
py() { /usr/bin/env python3 - "$@"; }

# start NAME: a crmd with admin boss in $H/NAME, reps li and zhao (east).
start() {
	printf 'pw1\n' | "$CRMD" user add boss --role admin --data "$H/$1" >/dev/null ||
		{ echo "FAIL: crmd user add"; exit 1; }
	"$CRMD" --data "$H/$1" --listen "ipc://$H/$1.ipc" 2>"$H/$1.log" &
	PIDS+=($!)
	export CRM_SERVER=ipc://$H/$1.ipc
	for _ in $(seq 100); do
		printf 'pw1\n' | "$CRM" login boss >/dev/null 2>&1 && break
		sleep 0.1
	done
	printf 'pw1\n' | "$CRM" login boss >/dev/null || { echo "FAIL: login"; exit 1; }
	for u in li zhao; do
		printf 'pwx\n' | "$CRM" -c "user add $u --role rep --team east" >/dev/null ||
			bad "user add $u"
	done
}
as() { printf '%s\n' "$2" | "$CRM" login "$1" >/dev/null 2>&1 || bad "login $1"; }

# ------------------------------------------------------------ server A
start a
A=$CRM_SERVER
add() { "$CRM" -c "$1" >/dev/null 2>"$H/err" || bad "setup: $1: $(cat "$H/err")"; }
add 'customer add 华东机电有限公司 --owner li --grade A --industry 制造 --region 上海 --tag 重点 --tag 制造 --revenue 1200000.50 --employees 300 --source 展会 --birthday 03-15'
add 'customer add "Acme, Trading \"Ltd\"" --owner zhao --grade B --notes "first line
second line, with a comma"'
add 'customer add 上海云图科技 --owner li --grade S --stage intent --website https://yt.example --notes "=1+2"'
add "customer add 王芳 --kind person --owner li --grade C --notes \"'@SUM(A1)\""
add 'contact add 华东机电有限公司 王强 --title 采购经理 --phone 13800001111 --phone 021-55550000 --email wq@hd.example --role decision_maker'
add 'contact add 上海云图科技 "Li Lei" --title CTO --im lilei_wx --notes "met at the fair"'
add 'log 华东机电有限公司 "现场演示, 客户认可方案" --channel visit --mood positive --duration 90 --contact 王强 --feedback "需要报价" --score 4,3,5,4 --evidence 及时 --evidence 慢 --evidence 专业 --evidence 主动'
add 'log 上海云图科技 "电话沟通: \"预算\" 确认" --channel phone --goal 确认预算 --participants "li, 王总"'
add "log 2 \"call about the quote\" --channel email --mood hesitant"

# ------------------------------------------------------------ export
cd "$H" || exit 1
for k in customers contacts followups tasks; do
	expect 0 "export $k to CSV" -- "$CRM" -c "export $k $H/a-$k.csv"
	contains "it says how many $k it wrote" "to $H/a-$k.csv"
	expect 0 "export $k to xlsx" -- "$CRM" -c "export $k $H/a-$k.xlsx"
	if xlsx2csv "$H/a-$k.xlsx" > "$H/a-$k.xlsx.csv" 2>"$H/err"; then
		ok "xlsx2csv reads the $k workbook"
	else bad "xlsx2csv $k: $(cat "$H/err")"; fi
	r=$(py "$H/a-$k.csv" "$H/a-$k.xlsx.csv" <<'EOF'
import csv, sys
def rows(p, enc):
    with open(p, newline='', encoding=enc) as f:
        return list(csv.reader(f))
import datetime
def same(a, b):
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        pass
    # xlsx2csv floors a date's float serial, so 03:19 may read 03:18:59.99
    # and print as 03:18: a minute apart is the same time; a time with
    # seconds (exports keep them off the whole minute), a second apart.
    for f, slack in (('%Y-%m-%d %H:%M', 60), ('%Y-%m-%d %H:%M:%S', 1)):
        try:
            d = datetime.datetime.strptime(a, f) - datetime.datetime.strptime(b, f)
            return abs(d.total_seconds()) <= slack
        except ValueError:
            pass
    return False
c, x = rows(sys.argv[1], 'utf-8'), rows(sys.argv[2], 'utf-8')
if len(c) != len(x):
    print("rows", len(c), len(x)); sys.exit()
for i, (rc, rx) in enumerate(zip(c, x)):
    rx = rx + [''] * (len(rc) - len(rx))
    for j, (a, b) in enumerate(zip(rc, rx)):
        if not same(a, b):
            print("row", i + 1, c[0][j], repr(a), repr(b)); sys.exit()
print("same", len(c) - 1)
EOF
)
	case $r in same*) ok "the $k workbook holds the CSV's rows (${r#same })" ;;
	*) bad "$k workbook differs from CSV: $r" ;; esac
done
n=$(py "$H/a-customers.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
acme = [r for r in rows if r['name'].startswith('Acme')][0]
hd = [r for r in rows if r['name'] == '华东机电有限公司'][0]
print(len(rows), acme['notes'] == 'first line\nsecond line, with a comma',
      hd['tags'], hd['annual_revenue'], hd['grade'], hd['employees'])
EOF
)
[ "$n" = "4 True 重点; 制造 1200000.50 A 300" ] && ok "customers CSV: quotes, newlines, lists, money, enums" \
	|| bad "customers CSV: $n"
# Formula injection: a text that a spreadsheet would run as a formula
# (= + - @ TAB CR first) gets a ' in front, in CSV and in the workbook;
# a text that began with ' and such a sign gets one more, so that import
# (which drops that one ') brings back the very text (round trip below).
n=$(py "$H/a-customers.csv" "$H/a-customers.xlsx.csv" <<'EOF'
import csv, sys
for p in sys.argv[1:]:
    rows = list(csv.DictReader(open(p, newline='', encoding='utf-8')))
    print(sorted(r['notes'] for r in rows if r['name'] in ('上海云图科技', '王芳')), end=' ')
EOF
)
[ "$n" = "[\"''@SUM(A1)\", \"'=1+2\"] [\"''@SUM(A1)\", \"'=1+2\"] " ] && ok "no formula in the CSV or the workbook: =1+2 is written '=1+2" \
	|| bad "formula guard: $n"
r=$(py "$H/a-followups.csv" <<'EOF'
import csv, sys, re
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
r = [r for r in rows if r['channel'] == 'visit'][0]
print(len(rows), r['customer'], bool(re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?', r['at'])),
      r['score_efficiency'], r['score_evidence'], r['contacts'])
EOF
)
[ "$r" = "3 华东机电有限公司 True 3 及时; 慢; 专业; 主动 王强" ] && ok "followups CSV: customer name, local time, score" \
	|| bad "followups CSV: $r"
ls "$H"/*.tmp >/dev/null 2>&1 && bad "a .tmp file was left behind" || ok "no .tmp files left"

# -- the issue's acceptance: a relative .xlsx path, read by xlsx2csv
expect 0 "crm -c 'export followups f.xlsx'" -- "$CRM" -c 'export followups f.xlsx'
contains "it says what it wrote" "exported 3 followups to f.xlsx"
n=$(xlsx2csv "$H/f.xlsx" | python3 -c 'import csv,sys; print(len(list(csv.reader(sys.stdin))))')
[ "$n" = 4 ] && ok "xlsx2csv reads f.xlsx: a header and 3 follow-ups" || bad "f.xlsx rows: $n"
expect 0 "export with --bom" -- "$CRM" -c "export customers $H/bom.csv --bom"
[ "$(head -c 3 "$H/bom.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok "--bom starts the file with the UTF-8 BOM" \
	|| bad "no BOM"
expect 2 "a file that is neither .csv nor .xlsx is a usage error" -- "$CRM" -c "export customers $H/x.txt"
[ ! -e "$H/x.txt" ] && [ ! -e "$H/x.txt.tmp" ] && ok "and writes nothing" || bad "x.txt written"
expect 1 "an export into a missing folder fails" -- "$CRM" -c "export customers $H/no/such/x.csv"

# -- a rep's export holds only their own customers
as li pwx
expect 0 "li exports customers" -- "$CRM" -c "export customers $H/li.csv"
r=$(py "$H/li.csv" <<'EOF'
import csv, sys
print(sorted({(r['owner']) for r in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8'))}),
      len(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))
EOF
)
[ "$r" = "['li'] 3" ] && ok "a rep's export holds only their own 3 customers" || bad "li's export: $r"
expect 0 "li exports follow-ups" -- "$CRM" -c "export followups $H/li-fu.csv"
grep -q Acme "$H/li-fu.csv" && bad "li's follow-ups include zhao's customer" || ok "and only their customers' follow-ups"
as boss pw1

# ------------------------------------------------------------ server B
start b
B=$CRM_SERVER
expect 0 "dry run of the customers import" -- "$CRM" -c "import customers $H/a-customers.csv --dry-run"
contains "it says what would happen" "dry run: 4 would be added, 0 already there, 0 bad"
run "$CRM" --format json -c 'customer list'
[ "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] \
	&& ok "a dry run writes nothing" || bad "dry run wrote: $out"
expect 0 "import customers into the empty server" -- "$CRM" -c "import customers $H/a-customers.csv"
contains "summary line" "imported: 4 added, 0 already there, 0 bad"
expect 0 "import contacts" -- "$CRM" -c "import contacts $H/a-contacts.csv"
contains "contacts added" "imported: 2 added"
expect 0 "import follow-ups" -- "$CRM" -c "import followups $H/a-followups.csv"
contains "follow-ups added" "imported: 3 added"
expect 0 "the same follow-ups again" -- "$CRM" -c "import followups $H/a-followups.csv"
contains "the second import adds nothing" "imported: 0 added, 3 already there, 0 bad"
expect 0 "the same customers again" -- "$CRM" -c "import customers $H/a-customers.csv"
contains "customers: nothing added" "imported: 0 added, 4 already there"

# The round trip. Columns that must differ and are not compared:
#   id, customer_id            new ids on server B
#   created_at, updated_at,    set by server B when the rows arrive
#   logged_at
#   last_contact_at, contacts  server-computed from B's own records
#   next_due_at                the cadence task B plans after the import
#   commitments                not imported (they need a due time)
#   author                     the importing user (boss both times here)
IGNORED="id customer_id created_at updated_at logged_at last_contact_at contacts next_due_at commitments author"
for k in customers contacts followups; do
	expect 0 "export $k from server B" -- "$CRM" -c "export $k $H/b-$k.csv"
	r=$(py "$H/a-$k.csv" "$H/b-$k.csv" "$IGNORED" <<'EOF'
import csv, sys
skip = set(sys.argv[3].split())
def rows(p):
    rs = list(csv.DictReader(open(p, newline='', encoding='utf-8')))
    return sorted(tuple((k, v) for k, v in r.items() if k not in skip) for r in rs)
a, b = rows(sys.argv[1]), rows(sys.argv[2])
if a == b:
    print("same", len(a))
else:
    for x, y in zip(a, b):
        if x != y:
            print([(p, q) for p, q in zip(x, y) if p != q]); break
    else:
        print("counts", len(a), len(b))
EOF
)
	case $r in same*) ok "round trip: $k export -> import -> export gives the same ${r#same } rows" ;;
	*) bad "round trip $k: $r" ;; esac
done

# -- bad rows: every one is named, nothing is written
printf '%s\r\n' 'name,grade,first_contact_at,annual_revenue,owner,colour' \
	'好客户一,A,2024-06-10,1000,li,red' \
	'坏等级,Z,2024-06-10,1000,li,' \
	'好客户二,B,2024-06-11 14:00,2000,zhao,' \
	'坏日期,B,2024-13-45,1000,li,' \
	'坏金额,B,2024-06-10,lots,li,' \
	',A,2024-06-10,1000,li,' \
	'不明负责人,A,2024-06-10,1000,nobody,' > "$H/bad.csv"
expect 1 "a file with bad rows fails" -- "$CRM" -c "import customers $H/bad.csv"
for want in "row 3, column grade" "row 5, column first_contact_at" "row 6, column annual_revenue" \
	"row 7, column name" "row 8, column" "nobody" "nothing was imported" "ignoring column 'colour'"; do
	contains "the error names: $want" "$want"
done
n=$(grep -c "^error: row" "$H/err")
[ "$n" = 5 ] && ok "exactly the 5 bad rows are listed" || bad "listed $n bad rows: $(cat "$H/err")"
run "$CRM" --format json -c 'customer find 好客户'
[ "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] \
	&& ok "no row of the bad file was written" || bad "bad file wrote: $out"
expect 1 "--dry-run on the bad file fails too" -- "$CRM" -c "import customers $H/bad.csv --dry-run"
contains "and counts" "dry run: 2 would be added, 0 already there, 5 bad"
expect 0 "--skip-bad imports the good rows" -- "$CRM" -c "import customers $H/bad.csv --skip-bad"
contains "summary with skipped rows" "imported: 2 added, 0 already there, 5 bad (skipped)"
run "$CRM" --format json -c 'customer find 好客户'
[ "$(printf '%s' "$out" | python3 -c 'import json,sys; print(sorted(c["name"] for c in json.load(sys.stdin)))')" = "['好客户一', '好客户二']" ] \
	&& ok "exactly the good rows were written" || bad "skip-bad wrote: $out"
expect 0 "--skip-bad again adds nothing" -- "$CRM" --format json -c "import customers $H/bad.csv --skip-bad"
r=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["added"], d["existing"], d["bad"], sorted({b["row"] for b in d["bad_rows"]}))')
[ "$r" = "0 2 5 [3, 5, 6, 7, 8]" ] && ok "JSON summary of a second import" || bad "json summary: $r"

# -- a missing required column is an error
printf 'industry,region\n制造,上海\n' > "$H/noname.csv"
expect 1 "a file without a customer name column fails" -- "$CRM" -c "import customers $H/noname.csv"
contains "saying which column is missing" "no column for the customer name"

# -- Chinese template headers, a BOM, CRLF, quotes and an embedded newline
printf '\xef\xbb\xbf' > "$H/zh.csv"
printf '%s\r\n' '序号,客户名称,所属行业,客户等级,客户阶段,负责人,首次合作时间,备注' \
	'1,深圳星河电子,电子,S级,意向客户,li,2023/6/15,"重点客户,' \
	'需同步决策人"' >> "$H/zh.csv"
expect 0 "import customers with Chinese template headers" -- "$CRM" -c "import customers $H/zh.csv"
contains "one added" "imported: 1 added"
run "$CRM" --format json -c 'customer show 深圳星河电子'
r=$(printf '%s' "$out" | python3 -c 'import json,sys; c=json.load(sys.stdin)["customer"]; print(c["industry"], c["grade"], c["stage"], c["owner"], repr(c["notes"]))')
[ "$r" = "电子 S intent li '重点客户,\\n需同步决策人'" ] && ok "Chinese headers map to the fields" || bad "zh import: $r"
printf '%s\n' '客户名称,联系人,职位,电话/联系方式,邮箱,爱好' '深圳星河电子,赵六,总经理,13900001111;0755-1234,z@xh.example,钓鱼' > "$H/zh-contacts.csv"
printf '%s\n' '客户名称,跟进时间,跟进方式,跟进内容,客户反馈,下一步计划,下次跟进时间,响应及时性,问题解决效率,沟通专业性,服务主动性' \
	'深圳星河电子,2024-03-01,电话+邮件,确认设备使用情况,对节能功能感兴趣,发送参数,2024-03-08,4,3,5,4' \
	'深圳星河电子,2024-03-05,邮件,发送参数,,,,4,,,' > "$H/zh-fu.csv"
expect 1 "a follow-up with part of a score is a bad row" -- "$CRM" -c "import followups $H/zh-fu.csv"
contains "naming the missing dimension" "row 3, column 问题解决效率"
sed -i '$d' "$H/zh-fu.csv"
expect 0 "import contacts with Chinese headers" -- "$CRM" -c "import contacts $H/zh-contacts.csv"
contains "a warning names the unknown column" "ignoring column '爱好'"
run "$CRM" --format json -c 'contact list 深圳星河电子'
r=$(printf '%s' "$out" | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]; print(c["name"], c["title"], c["phones"], c["email"])')
[ "$r" = "赵六 总经理 ['13900001111', '0755-1234'] z@xh.example" ] && ok "Chinese contact headers map to the fields" || bad "zh contact: $r"
expect 0 "import follow-ups with Chinese headers" -- "$CRM" -c "import followups $H/zh-fu.csv"
contains "one follow-up added" "imported: 1 added"
expect 0 "export B's follow-ups" -- "$CRM" -c "export followups $H/b2.csv"
r=$(py "$H/b2.csv" <<'EOF'
import csv, sys
r = [r for r in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')) if r['customer'] == '深圳星河电子'][0]
print(r['at'], r['channel'], r['feedback'], r['next_action'], r['score_timeliness'])
EOF
)
[ "$r" = "2024-03-01 18:00 phone 对节能功能感兴趣 发送参数 4" ] && ok "Chinese follow-up fields arrive" || bad "zh follow-up: $r"

# -- customer merge
add 'customer add 深圳星河 --owner li'
add 'contact add 深圳星河 钱七'
expect 0 "customer merge KEEP DROP" -- "$CRM" -c 'customer merge 深圳星河电子 深圳星河 --yes'
contains "it shows the kept customer" "深圳星河电子"
run "$CRM" --format json -c 'customer find 深圳星河'
[ "$(printf '%s' "$out" | python3 -c 'import json,sys; print([c["name"] for c in json.load(sys.stdin)])')" = "['深圳星河电子']" ] \
	&& ok "the dropped customer is gone from searches" || bad "after merge: $out"
run "$CRM" --format csv -c 'contact list 深圳星河电子'
printf '%s' "$out" | grep -q 钱七 && ok "its contacts moved to the kept one" || bad "contacts after merge: $out"
expect 1 "merging an unknown customer fails" -- "$CRM" -c 'customer merge 深圳星河电子 没有这个客户'

# ------------------------------------------------------------ reports
export CRM_SERVER=$A
as boss pw1
for k in funnel conversion cycle churn activity quality sla weekly monthly; do
	extra=
	[ "$k" = weekly ] && extra="--user li"
	expect 0 "report $k (table)" -- "$CRM" -c "report $k $extra"
	expect 0 "report $k (csv)" -- "$CRM" --format csv -c "report $k $extra"
	expect 0 "report $k (json)" -- "$CRM" --format json -c "report $k $extra"
	r=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], type(d["tables"]).__name__, all(isinstance(v, list) for v in d["tables"].values()))' 2>&1)
	[ "$r" = "$k dict True" ] && ok "report $k JSON: kind and tables of rows" || bad "report $k json: $r"
done
expect 0 "report activity draws a chart" -- "$CRM" -c 'report activity --from 2020-01-01 --to today'
printf '%s' "$out" | grep -q '█' && ok "with block characters" || bad "no chart: $out"
expect 2 "an unknown report kind is a usage error" -- "$CRM" -c 'report nonsense'
expect 2 "--to before --from is a usage error" -- "$CRM" -c 'report funnel --from 2024-02-01 --to 2024-01-01'
expect 0 "export report to xlsx" -- "$CRM" -c "export report monthly $H/m.xlsx"
xlsx2csv -a "$H/m.xlsx" > "$H/m.txt" 2>"$H/err" && [ -s "$H/m.txt" ] && ok "xlsx2csv reads every sheet of the report" \
	|| bad "report workbook: $(cat "$H/err")"
expect 0 "export report to csv" -- "$CRM" -c "export report conversion $H/c.csv"
head -1 "$H/c.csv" | grep -q '"grade"' && ok "the report CSV has its column names" || bad "report csv: $(head -2 "$H/c.csv")"
expect 0 "help report lists the kinds" -- "$CRM" -c 'help report'
for k in funnel conversion cycle churn activity quality sla weekly monthly; do
	printf '%s' "$out" | grep -q "report $k" || bad "help report misses $k"
done

# ------------------------------------------------------------ purchases, value
export CRM_SERVER=$A
as boss pw1
d1=$(date -d '-40 days' +%F); d2=$(date -d '-20 days' +%F); d3=$(date -d '-10 days' +%F)
add "purchase add 华东机电有限公司 120000 数控机床 --category 设备 --at $d1 --contract HT-9"
add "purchase add 华东机电有限公司 8000 年度维保 --category 维保 --at $d2"
add "purchase add 上海云图科技 30000 MES --category 软件 --at $d3"
add "purchase add 2 2000 耗材 --category 耗材 --at $d3"
expect 0 "purchase list shows what purchase add stored" -- "$CRM" -c 'purchase list 华东机电有限公司'
contains "the product" "数控机床"
contains "the contract" "HT-9"
contains "the totals" "2, total ¥128,000.00"
expect 0 "customer show has the purchase totals" -- "$CRM" -c 'customer show 华东机电有限公司'
contains "totals in customer show" "设备, 维保"
expect 0 "report value --team east as JSON" -- "$CRM" --format json -c 'report value --team east'
r=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["tables"]; print(d["kind"], [len(t[k]) for k in ("frequency","amount","category")], [r["customers"] for r in t["amount"]], t["categories"][0]["category"])')
[ "$r" = "value [3, 3, 3] [1, 1, 1] 设备" ] && ok "report value: three segments each way, computed" || bad "report value json: $r"
expect 0 "report value draws bar charts" -- "$CRM" -c 'report value --team east'
printf '%s' "$out" | grep -q '█' && ok "with block characters" || bad "no value chart: $out"
expect 0 "report value exports to xlsx" -- "$CRM" -c "export report value $H/v.xlsx"
xlsx2csv -a "$H/v.xlsx" > "$H/v.txt" 2>"$H/err" && grep -q 设备 "$H/v.txt" && ok "xlsx2csv reads the value report" \
	|| bad "value workbook: $(cat "$H/err")"
expect 0 "export purchases to CSV" -- "$CRM" -c "export purchases $H/a-purchases.csv"
contains "it says how many" "exported 4 purchases"
expect 0 "export purchases to xlsx" -- "$CRM" -c "export purchases $H/a-purchases.xlsx"
n=$(xlsx2csv "$H/a-purchases.xlsx" | python3 -c 'import csv,sys; print(len(list(csv.reader(sys.stdin))))')
[ "$n" = 5 ] && ok "xlsx2csv reads a header and 4 purchases" || bad "purchases.xlsx rows: $n"
as li pwx
expect 1 "a rep cannot add a purchase to another rep's customer" -- "$CRM" -c 'purchase add 2 10 x'
contains "as if it did not exist" "NOT_FOUND"
expect 0 "log with an attachment" -- "$CRM" -c 'log 华东机电有限公司 "方案评审会" --channel meeting --attach /share/纪要/2026.docx --title 会议纪要'
fu=$(printf '%s' "$out" | awk '$1 == "followup" {print $2}')
expect 0 "attach a recording to it" -- "$CRM" -c "attach $fu https://rec.example/9 --title 录音"
contains "two attachments" "has 2 attachments"
expect 2 "a control character in a path is a usage error" -- "$CRM" -c "attach $fu $(printf 'a\033b')"
expect 0 "the timeline shows attachments and purchases" -- "$CRM" -c 'customer history 华东机电有限公司'
contains "the minutes" "[会议纪要: /share/纪要/2026.docx]"
contains "the recording" "[录音: https://rec.example/9]"
contains "a purchase" "¥120,000.00 数控机床 (设备)"
as boss pw1

export CRM_SERVER=$B
as boss pw1
printf '%s\n' '客户名称,金额,产品,类别,购买日期,合同编号' \
	"华东机电有限公司,5000,刀具,耗材,$d1," \
	"华东机电有限公司,很多,刀具,耗材,$d1," \
	"没有这个客户,100,刀具,耗材,$d1," \
	"华东机电有限公司,100,,耗材,$d1," \
	"华东机电有限公司,100,刀具,耗材,2026-13-01," > "$H/bad-p.csv"
expect 1 "a purchases file with bad rows fails" -- "$CRM" -c "import purchases $H/bad-p.csv"
for want in "row 3, column 金额" "row 4, column 客户名称" "row 5, column 产品" "row 6, column 购买日期" "nothing was imported"; do
	contains "the error names: $want" "$want"
done
n=$(grep -c "^error: row" "$H/err")
[ "$n" = 4 ] && ok "exactly the 4 bad rows are listed" || bad "listed $n bad purchase rows: $(cat "$H/err")"
run "$CRM" --format json -c 'purchase list 华东机电有限公司'
[ "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] \
	&& ok "no purchase of the bad file was written" || bad "bad purchases written: $out"
expect 0 "import the exported purchases" -- "$CRM" -c "import purchases $H/a-purchases.csv"
contains "all four added" "imported: 4 added, 0 already there, 0 bad"
expect 0 "and again" -- "$CRM" -c "import purchases $H/a-purchases.csv"
contains "the second import adds nothing" "imported: 0 added, 4 already there, 0 bad"
expect 0 "export B's purchases" -- "$CRM" -c "export purchases $H/b-purchases.csv"
r=$(py "$H/a-purchases.csv" "$H/b-purchases.csv" <<'EOF'
import csv, sys
skip = {'id', 'customer_id', 'created_at', 'customer'}
def rows(p):
    return sorted(tuple((k, v) for k, v in r.items() if k not in skip)
                  for r in csv.DictReader(open(p, newline='', encoding='utf-8')))
a, b = rows(sys.argv[1]), rows(sys.argv[2])
print("same" if a == b else ("differ", a, b))
EOF
)
[ "$r" = same ] && ok "round trip: purchases export -> import -> export" || bad "purchases round trip: $r"
export CRM_SERVER=$A

# Re-importing one's own export adds nothing, though follow-ups logged
# live keep their seconds (export writes them; import reads them back).
as boss pw1
s=$(date +%S); case $s in 00|58|59) sleep 3 ;; esac
expect 0 "log a follow-up live (not on a whole minute)" -- "$CRM" -c 'log 上海云图科技 "回访: 确认交付日期" --channel phone'
for f in dup.csv dup.xlsx; do
	expect 0 "export today's follow-ups to $f" -- "$CRM" -c "export followups $H/$f --from today"
	expect 0 "dry run of $f" -- "$CRM" -c "import followups $H/$f --dry-run"
	contains "$f: a dry run finds every follow-up there" "dry run: 0 would be added"
	expect 0 "import $f into the server it came from" -- "$CRM" -c "import followups $H/$f"
	contains "$f: the import adds nothing" "imported: 0 added"
done
grep -qE ' [0-9]{2}:[0-9]{2}:[0-9]{2}' "$H/dup.csv" \
	&& ok "the CSV writes the seconds of a live follow-up" || bad "no seconds in: $(head -3 "$H/dup.csv")"
# A file that writes minutes (an export made before seconds were written)
# still finds the follow-up logged live in that minute.
py "$H/dup.csv" "$H/dup-min.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
at = rows[0].index('at')
for r in rows[1:]:
    r[at] = r[at][:16]
csv.writer(open(sys.argv[2], 'w', newline='', encoding='utf-8')).writerows(rows)
EOF
expect 0 "import the follow-ups written to the minute" -- "$CRM" -c "import followups $H/dup-min.csv"
contains "minutes: nothing added" "imported: 0 added"
run "$CRM" --format json -c 'customer history 上海云图科技'
n=$(printf '%s' "$out" | grep -o '回访: 确认交付日期' | wc -l)
[ "$n" = 1 ] && ok "the live follow-up is there once" || bad "the live follow-up $n times: $out"
for k in customers contacts purchases; do
	expect 0 "export $k from A again" -- "$CRM" -c "export $k $H/own-$k.xlsx"
	expect 0 "import own $k.xlsx back" -- "$CRM" -c "import $k $H/own-$k.xlsx"
	contains "own $k: nothing added" "imported: 0 added"
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
