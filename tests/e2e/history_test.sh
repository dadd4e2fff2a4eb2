#!/usr/bin/env bash
# history_test.sh: a customer's timeline is paged, never cut (issue 13,
# defect 1). 3,000 follow-ups imported through `crm -c 'import followups'`
# (today's main answered RESOURCE_EXHAUSTED even at --limit 1 from about
# 2,800): --limit 1 shows the newest entry; paging with --before walks
# every entry exactly once, newest first, with pages of 1000 and of 29; a
# follow-up record damaged on disk fails the page that holds it with an
# error naming it (and crm-check names it), never a silent skip; crmd.log
# grows by less than 1 KB over all of it.
# Usage: history_test.sh CRMD CRM [CRM_CHECK]
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
CHECK=${3:-}
. "$(dirname "$0")/lib.sh"
e2e_home history 10000
export TZ=UTC

# page CUSTOMER LIMIT [SUMMARY]: history_pages.py (the whole timeline).
page() { python3 "$(dirname "$0")/history_pages.py" "$CRM" "$@"; }

e2e_admin boss pw1
e2e_start || exit 1
printf 'pw1\n' | "$CRM" login boss >/dev/null || bad "login"
"$CRM" -c 'customer add 华东机电 --grade A' >/dev/null || bad "customer add"
python3 - >"$H/fu.csv" <<'EOF'
import datetime
t = datetime.datetime(2026, 6, 1, 9, 0)
print("customer_name,at,summary")
for i in range(1, 3001):
    at = (t + datetime.timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M")
    print("华东机电,%s,call %d" % (at, i))
EOF
out=$("$CRM" -c "import followups $H/fu.csv" 2>&1)
[[ $out == *"3000 added"* ]] && ok "3,000 follow-ups imported" || bad "import: $out"
"$CRM" -c 'log 华东机电 "the newest" --stage intent' >/dev/null || bad "log newest"
log0=$(stat -c %s "$H/crmd.log")

# -- the newest entry at --limit 1, and its stage change right after it
out=$("$CRM" -c 'customer history 华东机电 --limit 1' 2>&1)
code=$?
[ $code -eq 0 ] && [[ $out == *"the newest"* ]] &&
	ok "--limit 1 shows the newest follow-up" || bad "--limit 1 (exit $code): $out"
[[ $out == *"more: customer history 1 --limit 1 --before "* ]] &&
	ok "the shell offers the next page" || bad "no next page offered: $out"
out=$("$CRM" -c 'customer history 华东机电 --limit 2' 2>&1)
[[ $out == *"potential → intent"* ]] && ok "then its stage change" ||
	bad "--limit 2: $out"

# -- every entry exactly once, newest first, whatever the page size
r1000=$(page 华东机电 1000)
set -- $r1000
[ "${1:-}" != ERROR ] && [ "$2" = "$3" ] && [ "$4" = 1 ] && [ "$5" = True ] &&
	[ "$6" = 3001 ] && ok "pages of 1000: $3 entries, each once, 3001 follow-ups" ||
	bad "pages of 1000: $r1000"
r7=$(page 华东机电 29)
[ "${r7#* }" = "${r1000#* }" ] && ok "pages of 29 see the same entries" ||
	bad "pages of 29: $r7 vs $r1000"
# pages of one across entries of the same second (follow-up, stage, tasks)
python3 - "$CRM" <<'EOF' && ok "ten pages of one are the first ten entries" || bad "pages of one"
import json, re, subprocess, sys
def page(args):
    p = subprocess.run([sys.argv[1], "--format", "json", "-c",
                        "customer history 华东机电 " + args],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"--before (\S+)", p.stderr)
    return json.loads(p.stdout), m.group(1) if m else None
def key(it):
    k = [k for k in it if k != "happened_at"][0]
    return (k, it[k].get("id") or json.dumps(it[k], sort_keys=True))
ten, _ = page("--limit 10")
ones, before = [], None
for _ in range(10):
    d, before = page("--limit 1" + (" --before " + before if before else ""))
    ones += d
sys.exit(0 if [key(i) for i in ones] == [key(i) for i in ten] else 1)
EOF
out=$("$CRM" -c 'customer history 华东机电 --before nonsense' 2>&1)
[ $? -eq 1 ] && [[ $out == *"not a history cursor"* ]] &&
	ok "a bad cursor is refused" || bad "bad cursor: $out"

# -- a damaged record: an error that names it, never a silent skip
fid=$(page 华东机电 1000 "call 1500")
log1=$(stat -c %s "$H/crmd.log")
e2e_stop
# Follow-ups live in the shared tree "crm" (server/schema.def's
# SCHEMA_TREE): tag 0x03 || id.
key=$(printf '03%016x' "$fid")
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
	"$key" ffffffffff >"$H/in.txt"
mdb_load -s crm -f "$H/in.txt" "$H/db" || bad "mdb_load"
if [ -n "$CHECK" ]; then
	out=$("$CHECK" "$H/db" 2>/dev/null)
	[ $? -eq 1 ] && [[ $out == *"followups $fid: does not decode"* ]] &&
		ok "crm-check names the damaged follow-up" || bad "crm-check: $out"
fi
e2e_start || exit 1
log2=$(stat -c %s "$H/crmd.log")
out=$("$CRM" -c 'customer history 华东机电 --limit 1' 2>&1)
[ $? -eq 0 ] && [[ $out == *"the newest"* ]] &&
	ok "pages before the damage still answer" || bad "--limit 1 after damage: $out"
r=$(page 华东机电 1000)
[[ $r == "ERROR 1 "*"follow-up $fid "*"does not decode"* ]] &&
	ok "the page holding it fails naming follow-up $fid" || bad "damaged page: $r"

# -- one log line per request at most (start and stop lines not counted)
grown=$(( log1 - log0 + $(stat -c %s "$H/crmd.log") - log2 ))
[ "$grown" -lt 1024 ] && ok "crmd.log grew by $grown bytes" ||
	bad "crmd.log grew by $grown bytes: $(tail -5 "$H/crmd.log")"

e2e_done
