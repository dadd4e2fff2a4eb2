#!/usr/bin/env bash
# bench_data_test.sh: crm-bench --data on what is no crm database, on a
# crmd that will not start, and what its mixed scenario and its targets
# say on a small set (no timing is asserted).
# - An empty data.mdb (what a failed copy leaves), another program's LMDB
#   data and a set crm-gen did not finish are refused before anything
#   starts: exit 2, "no crm database there", no crmd log, no lock.mdb
#   left behind.
# - A crmd that exits at start (its folder locked): exit 1 and crmd's
#   own words from its log, and no path into the temporary folder that
#   is gone by then (--keep: the path, which is there).
# - mixed: its server columns count every request of the mix (as req/s
#   does), and its x lmdb1 divides its logs alone by the LMDB rate.
# - Targets on a set below 1,000,000 customers: the measurement, and
#   n/a saying why; none is met or not met.
# Usage: bench_data_test.sh CRM-BENCH CRM-GEN CRMD
set -u
BENCH=$1 GEN=$2 CRMD=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-bench-data-test.XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
run() { "$BENCH" --crmd "$CRMD" --no-postgres --shell-runs 0 --tmpdir "$T/tmp" "$@"; }
mkdir "$T/tmp"

refused() { # WHAT DIR WANT: refused with exit 2 before crmd starts
	local out code
	out=$(run --data "$2" --only due --clients 1 --duration 0.1 2>&1 >/dev/null)
	code=$?
	if [ $code -eq 2 ] && [[ $out == *"no crm database there: $3"* ]] &&
		[[ $out != *"crmd"*"log"* ]] && [ ! -e "$2/lock.mdb" ] && [ -z "$(ls -A "$T/tmp")" ]; then
		ok "$1 refused before anything starts"
	else
		bad "$1 (exit $code): $out; $(ls -A "$2" "$T/tmp")"
	fi
}
mkdir "$T/empty"
: >"$T/empty/data.mdb"
refused "an empty data.mdb" "$T/empty" "its data.mdb is empty (0 bytes)"
mkdir "$T/foreign"
printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n key\n value\nDATA=END\n' |
	mdb_load "$T/foreign" && rm -f "$T/foreign/lock.mdb"
refused "another program's LMDB data" "$T/foreign" "its data.mdb has no crm meta database"

# Killed half way (SIGKILL): a set marked unfinished.
"$GEN" --data "$T/killed" --customers 200000 --defer-mb 0 --quiet >/dev/null 2>&1 &
gen=$!
for _ in $(seq 30); do
	[ -s "$T/killed/data.mdb" ] && break
	sleep 0.1
done
sleep 0.5
kill -KILL "$gen" 2>/dev/null
wait "$gen" 2>/dev/null
rm -f "$T/killed/lock.mdb"
refused "a set crm-gen did not finish" "$T/killed" "it holds a data set crm-gen did not finish"

# A small whole set for the rest.
"$GEN" --data "$T/db" --customers 300 --reps 4 --teams 2 --quiet >/dev/null ||
	bad "crm-gen of the small set failed"

# crmd exits at start: another holds the folder's lock.
exec 9>"$T/db/crmd.lock"
flock 9
out=$(run --data "$T/db" --only due --clients 1 --duration 0.1 2>&1 >/dev/null)
code=$?
paths=$(grep -o "$T/tmp/crm-bench-[A-Za-z0-9]*[^ ]*" <<<"$out")
if [ $code -eq 1 ] && [[ $out == *"crmd exited at start (status 1)"* ]] &&
	[[ $out == *"another crmd or crm-gen is using"* ]] && [ -z "$paths" ] && [ -z "$(ls -A "$T/tmp")" ]; then
	ok "a crmd that exits at start: its log's lines, no path to a removed folder"
else
	bad "crmd that exits at start (exit $code): $out"
fi
out=$(run --data "$T/db" --only due --clients 1 --duration 0.1 --keep 2>&1 >/dev/null)
log=$(sed -n 's/^crm-bench: the whole log: \(.*\) (kept)$/\1/p' <<<"$out")
[ -n "$log" ] && [ -s "$log" ] && ok "--keep: the log's path, kept" ||
	bad "--keep, crmd exits at start: $out"
rm -rf "$T/tmp"/crm-bench-*
flock -u 9
exec 9>&-

# mixed and the targets (on a copy: the set stays as crm-gen made it).
if run --data "$T/db" --copy --only due,mixed --clients 1 --duration 0.5 \
	--format json >"$T/out.json" 2>"$T/err"; then
	ok "a run on the small set exits 0"
else
	bad "the run on the small set exits $?: $(cat "$T/err")"
fi
r=$(python3 - "$T/out.json" <<'EOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
mixed = [s for s in d["scenarios"] if s["name"] == "mixed"][0]["runs"][0]
lmdb = d["lmdb"]["one_put"]["commits_per_s"]
out = []
# The server's count covers the reads too: at least the client's
# measured requests (its count has the warm-up besides), five times
# its logs.
out.append(mixed["server"]["requests"] >= mixed["requests"])
out.append("every request of the mix" in mixed["server"]["of"])
out.append(0 < mixed["logs_per_s"] < mixed["requests_per_s"])
out.append(abs(mixed["ratio_lmdb_one_put"] - mixed["logs_per_s"] / lmdb) < 1e-6 * mixed["ratio_lmdb_one_put"] + 1e-9)
ts = d["targets"]
out.append(all(t["status"] == "n/a" for t in ts))
out.append(any(t["measured"] and "300 customers: the targets assume 1,000,000" in t.get("why", "") for t in ts))
print(out)
EOF
)
[ "$r" = "[True, True, True, True, True, True]" ] &&
	ok "mixed counts every request of the mix; targets n/a below 1,000,000 customers" ||
	bad "json: $r"
[ "$fails" -eq 0 ] || exit 1
echo "all passed"
