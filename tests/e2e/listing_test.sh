#!/usr/bin/env bash
# listing_test.sh: listings load only the records of the page they return
# and never skip one silently (issue 13, the audit beyond history).
# 3,000 customers with 3 KB of notes each, every 30th tagged "rare":
# `customer list --tag rare` lists all 100 (today's main listed 39: the
# customers it skipped filled the request arena, and the rest no longer
# unpacked and were skipped with a log line each), `customer find` finds
# all 3,000, `export customers` writes all 3,000; crmd.log stays quiet;
# `due all --team` is the team's earliest tasks and says when more are
# due; a customer record damaged on disk fails the listing with its name.
# Usage: listing_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home listing 10000
export TZ=UTC
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null; }

e2e_admin boss pw1
e2e_start || exit 1
printf 'pw1\n' | "$CRM" login boss >/dev/null || bad "login"
python3 - >"$H/c.csv" <<'EOF'
print("name,notes,tags")
for i in range(1, 3001):
    print("客户%05d,%s,%s" % (i, "n" * 3000, "rare" if i % 30 == 0 else "common"))
EOF
out=$("$CRM" -c "import customers $H/c.csv" 2>&1)
[[ $out == *"3000 added"* ]] && ok "3,000 customers imported" || bad "import: $out"
log0=$(stat -c %s "$H/crmd.log")

n=$("$CRM" --format json -c 'customer list --tag rare' 2>"$H/err" | count)
[ "$n" = 100 ] && ok "customer list --tag rare: all 100" ||
	bad "customer list --tag rare: $n of 100 $(cat "$H/err")"
n=$("$CRM" --format json -c 'customer find 客户' 2>"$H/err" | count)
[ "$n" = 3000 ] && ok "customer find: all 3000" ||
	bad "customer find: $n of 3000 $(cat "$H/err")"
"$CRM" -c "export customers $H/out.csv" >/dev/null 2>"$H/err" || bad "export: $(cat "$H/err")"
n=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))' "$H/out.csv" 2>/dev/null)
[ "$n" = 3000 ] && ok "export customers: all 3000" || bad "export: $n of 3000"
grown=$(( $(stat -c %s "$H/crmd.log") - log0 ))
[ "$grown" -lt 1024 ] && ok "crmd.log grew by $grown bytes" ||
	bad "crmd.log grew by $grown bytes: $(tail -3 "$H/crmd.log")"

# A team's queue is its earliest tasks, not its first reps': li (the
# lower id) has 240 open tasks due in 30 days (120 grade C customers: a
# follow-up and a re-grade each), zhao one due tomorrow (grade S); today's
# main answered li's first 200 and no word of zhao's.
for u in li:rep zhao:rep wang:manager; do
	printf 'pwx\n' | "$CRM" -c "user add ${u%%:*} --role ${u##*:} --team east" >/dev/null || bad "user $u"
done
python3 -c '
print("name,owner,grade")
for i in range(120):
    print("李的客户%03d,li,C" % i)' >"$H/li.csv"
"$CRM" -c "import customers $H/li.csv" >/dev/null || bad "li's customers"
"$CRM" -c 'customer add 赵的客户 --owner zhao --grade S' >/dev/null || bad "add zhao's"
printf 'pwx\n' | "$CRM" login wang >/dev/null || bad "login wang"
out=$("$CRM" -c 'due all --team' 2>&1)
rows=$(grep -c '^[0-9]' <<<"$out")
[[ $out == *"赵的客户"* ]] && [ "$rows" = 200 ] &&
	ok "due all --team: the 200 earliest, zhao's among them" ||
	bad "due all --team ($rows rows): $(grep -v later <<<"$out" | head -5)"
[[ $out == *"more are due: these are the 200 earliest"* ]] &&
	ok "and it says more are due" || bad "no word of more: $(tail -1 <<<"$out")"
printf 'pw1\n' | "$CRM" login boss >/dev/null || bad "login boss"

# A damaged customer: the listing that meets it fails naming it.
id=$("$CRM" --format json -c 'customer show 客户01500' 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["customer"]["id"])' 2>/dev/null)
e2e_stop
# Customers live in the shared tree "crm" (server/schema.def's
# SCHEMA_TREE): 0xff || customer id || tag 0x40.
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n ff%016x40\n ffffffffff\nDATA=END\n' \
	"${id:-0}" >"$H/in.txt"
mdb_load -s crm -f "$H/in.txt" "$H/db" || bad "mdb_load"
e2e_start || exit 1
out=$("$CRM" -c 'customer list --tag rare' 2>&1)
[ $? -eq 1 ] && [[ $out == *"customers $id does not decode"* ]] &&
	ok "a damaged customer fails the list, named" || bad "damaged list: $out"
out=$("$CRM" -c "export customers $H/out2.csv" 2>&1)
[ $? -eq 1 ] && [[ $out == *"customers $id does not decode"* ]] &&
	ok "and the export, named" || bad "damaged export: $out"

e2e_done
