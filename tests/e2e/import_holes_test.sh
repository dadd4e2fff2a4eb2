#!/usr/bin/env bash
# import_holes_test.sh: the import holes of issue 13 item 8, through
# `crm import` and `crm < script` on a real crmd: a control character is
# one bad row with its row number (the other rows import with --skip-bad),
# also a tab, line break or bidi control in a one-line cell and a date
# crmd refuses (before 2000), never the whole import as a batch's "rows[1]"
# (nor a calendar file's day as "days[1]");
# a NUL byte is an error naming the row (in a script, the line), never a
# cell or line silently cut; negative amounts are refused in every kind;
# --dry-run finds a row that is twice in one file, also across batches.
# Usage: import_holes_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home ih 10000
export TZ=Asia/Shanghai

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pwx\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "user add li"

# -- one control character: that row is bad, with its row number; the
#    file's other rows import with --skip-bad
printf 'name,industry,owner\n甲公司,制造,li\n乙公司,零\001售,li\n丙公司,物流,li\n' >"$H/ctl.csv"
run "$CRM" -c "import customers $H/ctl.csv"
exit_is 1 "a control character: the import is refused"
has "the refusal names the row and column" "row 3, column industry"
run "$CRM" -c "import customers $H/ctl.csv --skip-bad"
exit_is 0 "--skip-bad imports the other rows"
has "two rows added, one bad" "imported: 2 added, 0 already there, 1 bad"
run "$CRM" --format json -c 'customer list'
n=$(printf '%s' "$out" | json 'sorted(c["name"] for c in d)')
[ "$n" = "['丙公司', '甲公司']" ] && ok "甲 and 丙 are there, 乙 is not" || bad "customers: $n"

# -- a quoted cell still open at the end of the file is an error naming
#    where it began, never a customer named by the rest of the file
#    ("未闭合,li" was one); a stray quote inside a cell is data
printf 'name,owner\n"未闭合,li\n' >"$H/open.csv"
run "$CRM" -c "import customers $H/open.csv"
exit_is 1 "a quoted cell open at the end: refused"
has "the refusal names the line" "line 2: a quoted field is not closed"
printf 'name,owner,notes\n戊公司,li,12" 管道\n' >"$H/inch.csv"
run "$CRM" -c "import customers $H/inch.csv"
exit_is 0 "a stray quote in an unquoted cell is data"
run "$CRM" --format json -c 'customer show 戊公司'
n=$(printf '%s' "$out" | json 'd["customer"]["notes"]')
[ "$n" = '12" 管道' ] && ok "the stray quote is kept" || bad "notes: $n"

# -- a tab, a line break or a bidi control in a cell that holds one line
#    (a name, an industry), and a date before 2000, are refused by crmd
#    for any request: in a file each is one bad row, named by its row in
#    the file and its column, never the whole import refused as "rows[1]"
#    of a batch; with --skip-bad the other rows import
printf 'name,industry,owner\n甲二公司,制造,li\n"乙\t二公司",零售,li\n丙二公司,物流,li\n"丁二\342\200\256公司",化工,li\n戊二公司,"批发\n零售",li\n' >"$H/line.csv"
run "$CRM" -c "import customers $H/line.csv"
exit_is 1 "one-line cells with a tab, a bidi control, a line break: refused"
has "the tab: its row and column" "row 3, column name: a tab, line break or text direction control"
has "the bidi control: its row and column" "row 5, column name: a tab, line break"
has "the line break: its row and column" "row 6, column industry: a tab, line break"
has "three bad rows, nothing imported" "3 bad rows; nothing was imported"
hasnt "no batch index" "rows["
hasnt "no protocol path" "import_batch"
run "$CRM" -c "import customers $H/line.csv --dry-run --skip-bad"
exit_is 0 "the dry run with --skip-bad"
has "the dry run counts them" "dry run: 2 would be added, 0 already there, 3 bad (would be skipped)"
run "$CRM" -c "import customers $H/line.csv --skip-bad"
exit_is 0 "--skip-bad imports the other rows"
has "two added, three bad skipped" "imported: 2 added, 0 already there, 3 bad (skipped)"
has_re "the skipped rows listed by row and column" '^3 +name +a tab, line break'
run "$CRM" --format json -c 'customer list'
n=$(printf '%s' "$out" | json 'sorted(c["name"] for c in d if "二" in c["name"])')
[ "$n" = "['丙二公司', '甲二公司']" ] && ok "甲二 and 丙二 are there, the others are not" || bad "customers: $n"
printf 'customer,at,summary\n甲二公司,1999-12-31 10:00,千年虫\n甲二公司,2026-11-03 10:00,电话\n' >"$H/y2k.csv"
run "$CRM" -c "import followups $H/y2k.csv"
exit_is 1 "a follow-up dated 1999: refused"
has "named by row and column" "row 2, column at: a date before 2000-01-01"
hasnt "no batch index" "rows["
run "$CRM" -c "import followups $H/y2k.csv --skip-bad"
exit_is 0 "--skip-bad imports the other follow-up"
has "one added, one bad" "imported: 1 added, 0 already there, 1 bad (skipped)"

# -- a next action without its due time names the file's column and
#    says what to add to the file, not a shell option
printf '%s\n' 客户名称,跟进时间,跟进内容,下一步行动 "甲公司,2026-11-04 10:00,电话,寄样品" >"$H/next.csv"
run "$CRM" -c "import followups $H/next.csv"
exit_is 1 "a next action without a due time: refused"
has "named by row and column, with the column to add" "row 2, column 下一步行动: a next action needs its due time: add a 下次跟进时间 (next_due_at) column"
hasnt "no shell option" "(--due)"
hasnt "no column -" "column -"

# -- the seed's follow-up plan table (seed 000: 序号 ... 状态, 备注): a
#    column a follow-up keeps nothing of is left out with a warning
#    naming it (a remark is never lost unsaid); a row number is not
printf '%s\n' 序号,客户名称,跟进时间,跟进内容,负责人,状态,备注,计划跟进时间 \
	"1,甲公司,2026-11-05 10:00,电话回访,张三,已完成,决策人需同步,2026-11-05 09:00" >"$H/tpl.csv"
run "$CRM" -c "import followups $H/tpl.csv --dry-run"
exit_is 0 "the seed's template: a dry run"
has "备注 is said to be left out" "ignoring column '备注'"
has "状态 is said to be left out" "ignoring column '状态'"
has "计划跟进时间 is said to be left out" "ignoring column '计划跟进时间'"
hasnt "a row number is left out without a word" "ignoring column '序号'"

# -- the same in a calendar file (all or nothing): named by its line, not
#    as the request's "days[1]"
printf 'date,kind,name\n2027-01-01,holiday,元旦\n2027-02-11,holiday,"春\t节"\n' >"$H/cal.csv"
run "$CRM" -c "calendar import $H/cal.csv"
exit_is 1 "a calendar day named with a tab: refused"
has "named by its line" "line 3: the name of 2027-02-11: "
hasnt "not by its index" "days["

# -- a NUL byte in a cell is an error naming the row, not a cut cell
printf 'name,industry,owner\n丁公司,化\000工,li\n' >"$H/nul.csv"
run "$CRM" -c "import customers $H/nul.csv"
exit_is 1 "a NUL byte: the import is refused"
has "the refusal names the row and the NUL" "row 2, column industry: a NUL byte"
run "$CRM" -c 'customer show 丁公司'
exit_is 1 "nothing of the row was written"

# -- a NUL byte in a script line is an error naming the line; the line
#    is not run cut short
printf 'customer add 戊公司\ncustomer add 己公司\000 --industry x\n' >"$H/s.crm"
run "$CRM" <"$H/s.crm"
exit_is 2 "a script with a NUL byte exits 2"
has "the error names the line" "line 2: error: a NUL byte"
run "$CRM" -c 'customer show 己公司'
exit_is 1 "the cut line was not run"
run "$CRM" -c 'customer show 戊公司'
exit_is 0 "the other line ran"

# -- negative amounts are refused: customers, purchases, follow-ups
printf 'name,annual_revenue,owner\n庚公司,-5000,li\n' >"$H/neg1.csv"
run "$CRM" -c "import customers $H/neg1.csv"
exit_is 1 "a negative revenue is refused"
has "named by row and column" "row 2, column annual_revenue"
printf 'name,stage,deal_amount,owner\n辛公司,won,-100,li\n' >"$H/neg2.csv"
run "$CRM" -c "import customers $H/neg2.csv"
exit_is 1 "a negative deal amount is refused"
has "named by row and column" "row 2, column deal_amount"
printf 'customer,amount,product,at\n甲公司,-10,设备,2026-11-01\n' >"$H/neg3.csv"
run "$CRM" -c "import purchases $H/neg3.csv"
exit_is 1 "a negative purchase is refused"
has "named by row" "row 2, column amount"
# -- an amount over the largest one is refused as too large, not as "above 0"
printf 'customer,amount,product,at\n甲公司,2000000000000,设备,2026-11-01\n' >"$H/big.csv"
run "$CRM" -c "import purchases $H/big.csv"
exit_is 1 "a purchase over 1e12 is refused"
has "said to be too large" "too large"
printf 'customer,at,summary,stage_to,deal_amount\n甲公司,2026-11-02 10:00,签约,won,-20\n' >"$H/neg4.csv"
run "$CRM" -c "import followups $H/neg4.csv"
exit_is 1 "a negative deal amount in a follow-up is refused"
has "named by row and column" "row 2, column deal_amount"
run "$CRM" -c 'stage 甲公司 won --amount -5'
[ "$code" -ne 0 ] && ok "stage won with a negative amount is refused" || bad "stage won -5: $out"
run "$CRM" --format json -c 'customer show 甲公司'
s=$(printf '%s' "$out" | json 'd["customer"]["stage"]')
[ "$s" = potential ] && ok "甲公司 is still potential" || bad "stage: $s"

# -- --dry-run finds a row twice in one file, within a batch and across
#    batches (a batch is 500 rows)
{
	echo name,owner
	for i in $(seq 1 10); do echo "客户$i,li"; done
	echo "客户3,li" # in the same batch as its first
	for i in $(seq 11 620); do echo "客户$i,li"; done
	echo "客户7,li" # in the second batch; its first is in the first
} >"$H/dup.csv"
run "$CRM" -c "import customers $H/dup.csv --dry-run"
exit_is 0 "the dry run succeeds"
has "the dry run counts both duplicates" "dry run: 620 would be added, 2 already there, 0 bad"
run "$CRM" -c "import customers $H/dup.csv"
has "the import agrees with its dry run" "imported: 620 added, 2 already there, 0 bad"

# -- a contact who left (已离职 是/yes/1, 离职时间) is imported as left at
#    that time, as `contact left` marks one; 否 or no column: active; a
#    time ahead of now is a bad row naming 离职时间
printf '%s\n' 客户名称,联系人,已离职,离职时间 甲公司,张离,是,"2026-11-20 10:00" \
	甲公司,王离,yes,"2026-11-21 10:00" 甲公司,李离,1, 甲公司,赵在,否, 甲公司,钱在,, >"$H/left.csv"
run "$CRM" -c "import contacts $H/left.csv"
exit_is 0 "contacts who left import"
has "five added" "imported: 5 added, 0 already there, 0 bad"
run "$CRM" --format json -c 'contact list 甲公司'
l=$(printf '%s' "$out" | json 'sorted((c["name"], bool(c.get("left")), (c.get("left_at") or "-")[:16] if c["name"] != "李离" else bool(c.get("left_at"))) for c in d)')
[ "$l" = "[('张离', True, '2026-11-20T10:00'), ('李离', True, True), ('王离', True, '2026-11-21T10:00'), ('赵在', False, '-'), ('钱在', False, '-')]" ] &&
	ok "left and left_at as the file says" || bad "contacts: $l"
printf '%s\n' 客户名称,联系人,已离职,离职时间 甲公司,孙离,是,"2099-01-01 10:00" >"$H/left2.csv"
run "$CRM" -c "import contacts $H/left2.csv"
exit_is 1 "a contact who leaves in the future: a bad row"
has "named by row and column" "row 2, column 离职时间"

# -- a rep's import with a grade column: the grade is proposed to the
#    manager, the customers start at B (issue 12 item 9)
printf 'name,grade\n壬公司,S\n癸公司,B\n' >"$H/grade.csv"
printf 'pwx\n' | "$CRM" login li >/dev/null 2>&1 || bad "login li"
run "$CRM" -c "import customers $H/grade.csv"
exit_is 0 "a rep imports customers with grades"
has "the import says the grade went to the manager" "1 grade proposed to your manager"
run "$CRM" --format json -c 'customer show 壬公司'
g=$(printf '%s' "$out" | json 'd["customer"]["grade"]')
[ "$g" = B ] && ok "壬公司 starts at B" || bad "grade: $g"
run "$CRM" --format json -c 'grade pending'
p=$(printf '%s' "$out" | json '[(p["customer"], p["grade_to"]) for p in d]')
[ "$p" = "[('壬公司', 'S')]" ] && ok "the proposal S is pending" || bad "pending: $p"

# -- a row naming another team's customer is a bad row without its id or
#    owner (issue 12 item 12)
printf 'pw1\n' | "$CRM" login boss >/dev/null 2>&1 || bad "login boss"
printf 'pwx\n' | "$CRM" -c 'user add sun --role rep --team west' >/dev/null || bad "user add sun"
printf 'pwx\n' | "$CRM" login sun >/dev/null 2>&1 || bad "login sun"
printf 'name\n甲有限公司\n西部新客\n' >"$H/other.csv"
run "$CRM" -c "import customers $H/other.csv"
exit_is 1 "another team's customer: the import is refused"
has "named by its row, without id or owner" "row 2, column name: customer \"甲有限公司\" already exists in another team; ask your manager"
printf '%s\n%s' "$out" "$err" | grep -q "owner li\|id [0-9]" && bad "the refusal shows an id or owner: $err" || ok "no id or owner shown"

e2e_done
