#!/usr/bin/env bash
# import_formats_test.sh: issue 14 item 4, Chinese files, through `crm
# import` on a real crmd. CSV in UTF-8 with and without a BOM, GBK (what
# Excel saves on Chinese Windows) with Chinese headers, UTF-16LE and BE
# with a BOM, and an .xlsx workbook's first sheet (found by its content,
# whatever its name) are read, and the import says which it read; a
# binary file, an old .xls, a ZIP that is no workbook and UTF-16 without
# a mark are refused naming the accepted formats. Fixtures are written by
# python3 (encodings, zipfile) and by crm's own export.
# Usage: import_formats_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home if 10000
export TZ=Asia/Shanghai TMPDIR=$H/tmp
mkdir -p "$TMPDIR"

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pwx\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "user add li"

# The fixtures: N customers with Chinese headers, in each encoding.
python3 - "$H" <<'EOF'
import sys
h = sys.argv[1]
head = "客户名称,所属行业,客户等级,负责人\r\n"
def rows(tag, n):
    return "".join("%s客户%04d有限公司,制造,B,li\r\n" % (tag, i) for i in range(n))
def write(name, text, enc, bom=b""):
    open(h + "/" + name, "wb").write(bom + text.encode(enc))
write("u8.csv", head + rows("北京", 3), "utf-8")
write("u8bom.csv", head + rows("上海", 3), "utf-8", b"\xef\xbb\xbf")
# 3,000 rows: about 100 KiB, more than one read of the decoder
write("gbk.csv", head + rows("杭州", 3000), "gbk")
write("u16le.csv", head + rows("广州", 4), "utf-16-le", b"\xff\xfe")
write("u16be.csv", head + rows("深圳", 2), "utf-16-be", b"\xfe\xff")
write("u16nobom.csv", head + rows("南京", 2), "utf-16-le")
# a lone surrogate in the third row: not UTF-16, said with its byte
t = b"\xff\xfe" + (head + rows("苏州", 2)).encode("utf-16-le") + b"\x00\xd8" + "x,制造,B,li\r\n".encode("utf-16-le")
open(h + "/u16bad.csv", "wb").write(t)
# UTF-8 with one stray Latin-1 byte: still UTF-8, that row is bad
t = (head + rows("天津", 3)).encode("utf-8").replace("天津客户0001有限公司,制造".encode(), "天津客户0001有限公司,caf".encode() + b"\xe9")
open(h + "/stray.csv", "wb").write(t)
open(h + "/binary.csv", "wb").write(bytes(range(256)) * 16)
open(h + "/old.xls", "wb").write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
import zipfile
z = zipfile.ZipFile(h + "/notbook.xlsx", "w")
z.writestr("readme.txt", "not a workbook")
z.close()
z = zipfile.ZipFile(h + "/letter.docx", "w")
z.writestr("[Content_Types].xml", "<Types/>")
z.writestr("word/document.xml", "<w:document/>")
z.close()
z = zipfile.ZipFile(h + "/broken.xlsx", "w")
z.writestr("xl/workbook.xml", "not xml")
z.close()

# A minimal workbook: shared strings, a gap at row 3, a cell with a line
# break at row 4, a bad grade at row 6.
from xml.sax.saxutils import escape
cells = {1: head.strip().split(",") + ["备注"],
         2: ["成都客户甲", "制造", "A", "li", "-"],
         4: ["成都客户乙", "制造", "B", "li", "第一行\n第二行"],
         5: ["成都客户丙", "零售", "C", "li", "-"],
         6: ["成都客户丁", "零售", "Z", "li", "-"]}
ss = []
def si(s):
    if s not in ss:
        ss.append(s)
    return ss.index(s)
sheet = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
for r, row in sorted(cells.items()):
    sheet.append('<row r="%d">' % r)
    for c, v in enumerate(row):
        sheet.append('<c r="%s%d" t="s"><v>%d</v></c>' % (chr(65 + c), r, si(v)))
    sheet.append("</row>")
sheet.append("</sheetData></worksheet>")
R = "http://schemas.openxmlformats.org/package/2006/relationships"
O = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
for name in ("book.xlsx", "book-named.csv"):
    z = zipfile.ZipFile(h + "/" + name, "w", zipfile.ZIP_DEFLATED)
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="%s.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="%s.sharedStrings+xml"/></Types>' % (CT, CT, CT))
    z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % (R, O))
    z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s" xmlns:r="%s"><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>' % (M, O))
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="%s/sharedStrings" Target="sharedStrings.xml"/></Relationships>' % (R, O, O))
    z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
    z.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s">' % M + "".join('<si><t xml:space="preserve">%s</t></si>' % escape(s) for s in ss) + "</sst>")
    z.close()
EOF
[ -s "$H/gbk.csv" ] && [ -s "$H/book.xlsx" ] || { bad "python3 wrote the fixtures"; e2e_done; exit 1; }

# -- UTF-8, with and without the BOM
cd "$H" || exit 1
run "$CRM" -c "import customers u8.csv --dry-run"
exit_is 0 "UTF-8 without a BOM: the dry run passes"
has "it names UTF-8" "reading u8.csv as UTF-8"
has "every row is read" "dry run: 3 would be added, 0 already there, 0 bad"
run "$CRM" -c "import customers u8bom.csv --dry-run"
exit_is 0 "UTF-8 with a BOM: the dry run passes"
has "it names UTF-8 with the BOM" "reading u8bom.csv as UTF-8 (with BOM)"
has "every row is read" "dry run: 3 would be added"
hasnt "the BOM is not part of the first header" "ignoring column"

# -- the acceptance: GBK with Chinese headers, every row read
run "$CRM" -c "import customers gbk.csv --dry-run"
exit_is 0 "GBK: the dry run passes"
has "it names the encoding" "reading gbk.csv as GB18030"
has "every one of the 3,000 rows is read" "dry run: 3000 would be added, 0 already there, 0 bad"
hasnt "no garbled column warnings" "ignoring column"
run "$CRM" --format json -c "import customers gbk.csv --dry-run"
e=$(printf '%s' "$out" | json 'd["encoding"], d["added"]')
[ "$e" = "GB18030 3000" ] && ok "JSON says the encoding" || bad "JSON: $e $err"
run "$CRM" -c "import customers gbk.csv"
exit_is 0 "GBK: the import writes"
has "3,000 added" "imported: 3000 added"
run "$CRM" --format json -c 'customer show 杭州客户2999有限公司'
e=$(printf '%s' "$out" | json 'd["customer"]["name"], d["customer"]["industry"]')
[ "$e" = "杭州客户2999有限公司 制造" ] && ok "the last GBK row reads back in Chinese" || bad "read back: $e $err"

# -- UTF-16 with a byte order mark, either order
run "$CRM" -c "import customers u16le.csv --dry-run"
exit_is 0 "UTF-16LE: the dry run passes"
has "it names UTF-16LE" "reading u16le.csv as UTF-16LE"
has "every row is read" "dry run: 4 would be added, 0 already there, 0 bad"
hasnt "no column warnings" "ignoring column"
run "$CRM" -c "import customers u16be.csv"
exit_is 0 "UTF-16BE: the import writes"
has "it names UTF-16BE" "reading u16be.csv as UTF-16BE"
has "both rows are added" "imported: 2 added"
run "$CRM" -c 'customer show 深圳客户0001有限公司'
exit_is 0 "a UTF-16BE row reads back"

# -- mostly UTF-8 with one stray byte: UTF-8, that row named as bad
run "$CRM" -c "import customers stray.csv --dry-run"
exit_is 1 "a stray Latin-1 byte: the dry run finds a bad row"
has "still read as UTF-8" "reading stray.csv as UTF-8"
has "the row and column are named" "row 3, column 所属行业: not UTF-8 text"

# -- an .xlsx: the first sheet, rows numbered as the sheet's
run "$CRM" -c "import customers book.xlsx --dry-run"
exit_is 1 "xlsx: the dry run finds the bad grade"
has "it names the format" "reading book.xlsx as XLSX (first sheet)"
has "the bad row is the sheet's row 6 (a gap and a line break before it)" "row 6, column 客户等级"
has "the other rows are read" "3 would be added, 0 already there, 1 bad"
hasnt "no 'PK' column" "PK"
run "$CRM" -c "import customers book-named.csv --skip-bad"
exit_is 0 "an xlsx named .csv is read by its content"
has "named XLSX though called .csv" "reading book-named.csv as XLSX (first sheet)"
has "three added, the bad one skipped" "imported: 3 added, 0 already there, 1 bad (skipped)"
run "$CRM" --format json -c 'customer show 成都客户乙'
e=$(printf '%s' "$out" | json 'd["customer"]["notes"]')
[ "$e" = "$(printf '第一行\n第二行')" ] && ok "a cell's line break is kept" || bad "industry: $e $err"

# -- crm's own xlsx export imports back: every row already there, a
#    large revenue as it was (an amount column of customers)
run "$CRM" -c "customer edit 杭州客户0000有限公司 annual_revenue=123456789012.34"
exit_is 0 "a revenue of 123456789012.34"
run "$CRM" -c "export customers all.xlsx"
exit_is 0 "export customers to xlsx"
run "$CRM" --format json -c "import customers all.xlsx --dry-run"
e=$(printf '%s' "$out" | json 'd["encoding"], d["added"], d["existing"], d["bad"]')
[ "$e" = "XLSX (first sheet) 0 3005 0" ] && ok "an exported workbook imports back: all there" || bad "export round trip: $e $err"

# -- follow-ups and purchases through xlsx: times to the minute and
#    amounts come back as they were (xlsx2csv floors a date's float; the
#    import rounds it), so a workbook export imports back as all there
python3 - "$H" <<'EOF2'
import random, sys
random.seed(7)
with open(sys.argv[1] + "/fu.csv", "w") as f:
    f.write("客户名称,跟进时间,跟进内容,跟进方式\n")
    for i in range(120):
        f.write("杭州客户0001有限公司,2026-%02d-%02d %02d:%02d,电话%d,电话\n" % (
            random.randint(1, 11), random.randint(1, 28), random.randint(0, 23),
            random.randint(0, 59), i))
    f.write("杭州客户0001有限公司,2026-11-30 23:59,最后一次,电话\n")
with open(sys.argv[1] + "/pu.csv", "w") as f:
    f.write("客户名称,金额,产品,购买日期\n")
    for i in range(30):
        f.write("杭州客户0002有限公司,%d.%02d,设备%d,2026-%02d-%02d %02d:%02d\n" % (
            random.randint(1, 10**7), random.randint(0, 99), i, random.randint(1, 11),
            random.randint(1, 28), random.randint(0, 23), random.randint(0, 59)))
EOF2
run "$CRM" -c "import followups fu.csv"
has "121 follow-ups imported" "imported: 121 added"
run "$CRM" -c "export followups fu.xlsx --from 2026-01-01"
run "$CRM" --format json -c "import followups fu.xlsx --dry-run"
e=$(printf '%s' "$out" | json 'd["added"], d["existing"], d["bad"]')
[ "$e" = "0 121 0" ] && ok "exported follow-ups import back from xlsx: every time the same" || bad "follow-ups round trip: $e $err"
run "$CRM" -c "import purchases pu.csv"
has "30 purchases imported" "imported: 30 added"
run "$CRM" -c "export purchases pu.xlsx --from 2026-01-01"
run "$CRM" --format json -c "import purchases pu.xlsx --dry-run"
e=$(printf '%s' "$out" | json 'd["added"], d["existing"], d["bad"]')
[ "$e" = "0 30 0" ] && ok "exported purchases import back from xlsx: every amount and time the same" || bad "purchases round trip: $e $err"
# Large amounts and cents: an Excel number cell is a double, which
# xlsx2csv prints with six decimals (123456789012.34 as
# 123456789012.339996); the import reads the amount it was written from.
printf '%s\n' 客户名称,金额,产品,购买日期 \
	杭州客户0003有限公司,0.10,零件,"2026-03-01 10:00" \
	杭州客户0003有限公司,1234567.89,设备,"2026-03-02 10:00" \
	杭州客户0003有限公司,99999999999.99,厂房,"2026-03-03 10:00" \
	杭州客户0003有限公司,123456789012.34,产线,"2026-03-04 10:00" > "$H/big.csv"
run "$CRM" -c "import purchases big.csv"
has "4 large and small amounts imported" "imported: 4 added"
run "$CRM" -c "export purchases big.xlsx --from 2026-01-01"
exit_is 0 "export purchases with large amounts to xlsx"
run "$CRM" --format json -c "import purchases big.xlsx --dry-run"
e=$(printf '%s' "$out" | json 'd["added"], d["existing"], d["bad"]')
[ "$e" = "0 34 0" ] && ok "0.10, 1234567.89, 99999999999.99 and 123456789012.34 import back from xlsx" || bad "large amounts round trip: $e $out $err"

# -- Excel's "Unicode Text" (UTF-16LE, BOM, TAB-separated) and a CSV
# separated by semicolons: the separator is found from the header line
python3 - "$H" <<'EOF3'
import sys
h = sys.argv[1]
rows = "".join("西安客户%d有限公司\t制造, 机械\tB\tli\r\n" % i for i in range(3))
open(h + "/unicode.txt", "wb").write(b"\xff\xfe" + ("客户名称\t所属行业\t客户等级\t负责人\r\n" + rows).encode("utf-16-le"))
rows = "".join("重庆客户%d有限公司;制造;C;li\n" % i for i in range(2))
open(h + "/semi.csv", "w", encoding="utf-8").write("客户名称;所属行业;客户等级;负责人\n" + rows)
EOF3
run "$CRM" -c "import customers unicode.txt"
exit_is 0 "UTF-16LE with TABs (Excel's Unicode Text) imports"
has "it says the separator" "columns separated by tabs"
has "every row is read" "imported: 3 added, 0 already there, 0 bad"
hasnt "no column is ignored" "ignoring column"
run "$CRM" --format json -c 'customer show 西安客户1有限公司'
e=$(printf '%s' "$out" | json 'd["customer"]["industry"], d["customer"]["grade"]')
[ "$e" = "制造, 机械 B" ] && ok "a comma inside a TAB-separated cell stays in it" || bad "tab file: $e $err"
run "$CRM" -c "import customers semi.csv"
exit_is 0 "a CSV separated by semicolons imports"
has "it says the separator" "columns separated by semicolons"
has "every row is read" "imported: 2 added, 0 already there, 0 bad"
hasnt "no column is ignored" "ignoring column"

# -- errors name the column as the file spells it
future=$(date -d '+3 days' '+%Y-%m-%d 10:00')
printf '%s\n' '客户名称,跟进时间,跟进内容' \
	'没有这个客户,2026-11-01 10:00,电话' \
	"杭州客户0001有限公司,$future,明天的电话" > "$H/zh-bad-fu.csv"
run "$CRM" -c "import followups zh-bad-fu.csv --dry-run"
exit_is 1 "a follow-up file with an unknown customer and a future time fails"
has "the unknown customer names the file's column" "row 2, column 客户名称"
has "the future time names the file's column" "row 3, column 跟进时间"
hasnt "no server field name" "column customer:"
hasnt "no nameless column" "column -"

# -- refused, naming the accepted formats
accepted="import reads CSV in UTF-8, GB18030/GBK or UTF-16 with a byte order mark; or an Excel .xlsx workbook"
run "$CRM" -c "import customers binary.csv --dry-run"
exit_is 1 "a binary file is refused"
has "the refusal names the accepted formats" "$accepted"
hasnt "no column warning for a binary file" "ignoring column"
run "$CRM" -c "import customers old.xls"
exit_is 1 "an old .xls is refused"
has "it says what to save it as" "Excel 97-2003 workbook (.xls): save it as .xlsx or CSV"
has "and names the accepted formats" "$accepted"
run "$CRM" -c "import customers u16nobom.csv --dry-run"
exit_is 1 "UTF-16 without a BOM is refused"
has "it says why" "UTF-16 without a byte order mark"
run "$CRM" -c "import customers u16bad.csv --dry-run"
exit_is 1 "UTF-16 with a lone surrogate is refused"
has "the byte is named" "it is not UTF-16LE text at byte 130"
run "$CRM" -c "import customers notbook.xlsx --dry-run"
exit_is 1 "a ZIP that is no workbook is refused"
has "it says it is not a workbook" "not an Excel workbook (.xlsx): a ZIP archive without xl/workbook.xml"
hasnt "no Python error from xlsx2csv" "TypeError"
run "$CRM" -c "import customers letter.docx --dry-run"
exit_is 1 "a Word document is refused"
has "it says it is not a workbook" "not an Excel workbook (.xlsx)"
has "and what it looks like" "a Word document (.docx)"
hasnt "it is not read as a sheet" "as XLSX"
hasnt "no empty-file message" "no header row"
run "$CRM" -c "import customers broken.xlsx --dry-run"
exit_is 1 "a workbook xlsx2csv cannot read is refused"
has "it says it is not a workbook xlsx2csv can read" "not an Excel workbook (.xlsx) that xlsx2csv can read (exit 1"
run env PATH=/nonexistent "$CRM" -c "import customers book.xlsx --dry-run"
exit_is 1 "no xlsx2csv: refused"
has "it says xlsx2csv is missing" "xlsx2csv is not installed"
ls "$TMPDIR"/crm-import-* >/dev/null 2>&1 && bad "a temporary file is left behind" || ok "no temporary file is left behind"

e2e_done
