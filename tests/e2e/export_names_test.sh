#!/usr/bin/env bash
# export_names_test.sh: an export names each row's people and team right
# when a page names more of them than crmd remembers for a page (it keeps
# up to 128 logins and 128 team names a page, user.c's user_names_begin):
# 150 reps in three teams, one customer each, every one a follow-up; the
# admin's customer, follow-up and task exports give each row its owner's
# or author's login and its team, as the names were given.
# Usage: export_names_test.sh CRMD CRM
set -u
CRMD=${1:?crmd} CRM=${2:?crm}
. "$(dirname "$0")/lib.sh"
e2e_home export-names
export CRM_TEST_CHEAP_HASH=1 # a test build's fast password hashes

N=150
e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
for t in 1 2 3; do
	run_exit 0 "team $t" "$CRM" -c "team add 第${t}组-east-$t"
done
e2e_stop
for i in $(seq 1 $N); do
	e2e_user "rep$i" "pw-rep$i" --role rep --team "第$((i % 3 + 1))组-east-$((i % 3 + 1))"
done
e2e_start || exit 1
{
	for i in $(seq 1 $N); do
		echo "customer add 客户$i --owner rep$i"
	done
} >"$H/adds.txt"
while read -r line; do
	"$CRM" -c "$line" >/dev/null 2>>"$H/adds.err" || bad "$line"
done <"$H/adds.txt"
# Follow-ups by 20 of the reps, each on its own customer.
for i in $(seq 1 20); do
	HOME=$H/rep$i XDG_CONFIG_HOME=$H/rep$i/config XDG_CACHE_HOME=$H/rep$i/cache \
		XDG_STATE_HOME=$H/rep$i/state bash -c '
		printf "%s\n" "$2" | "$1" login "$3" >/dev/null &&
		"$1" -c "log 客户$4 \"电话沟通\" --channel phone" >/dev/null' \
		_ "$CRM" "pw-rep$i" "rep$i" "$i" || bad "rep$i logs"
done
run_exit 0 "customers" "$CRM" -c "export customers $H/c.csv"
run_exit 0 "follow-ups" "$CRM" -c "export followups $H/f.csv"
run_exit 0 "tasks" "$CRM" -c "export tasks $H/t.csv"
python3 - "$H" "$N" <<'EOF' && ok "every row names its own people and team" ||
import csv, sys
h, n = sys.argv[1], int(sys.argv[2])
def rows(f):
    with open(f"{h}/{f}", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))
def col(r, *names):
    for k in r:
        if k.strip().lower() in names:
            return r[k]
    raise SystemExit(f"no column {names} in {list(r)}")
bad = 0
cs = rows("c.csv")
if len(cs) != n:
    print(f"customers: {len(cs)} rows, want {n}"); bad += 1
for r in cs:
    i = int(col(r, "name")[2:])
    if col(r, "owner") != f"rep{i}" or col(r, "team") != f"第{i % 3 + 1}组-east-{i % 3 + 1}":
        print("customer row:", r); bad += 1
fs = rows("f.csv")
if len(fs) != 20:
    print(f"follow-ups: {len(fs)} rows, want 20"); bad += 1
for r in fs:
    i = int(col(r, "customer")[2:])
    if col(r, "author") != f"rep{i}":
        print("follow-up row:", r); bad += 1
ts = rows("t.csv")
if len(ts) < n:
    print(f"tasks: {len(ts)} rows, want at least {n}"); bad += 1
for r in ts:
    i = int(col(r, "customer")[2:])
    if col(r, "owner") != f"rep{i}":
        print("task row:", r); bad += 1
sys.exit(1 if bad else 0)
EOF
	bad "rows with another's name (above)"
e2e_stop
e2e_done
