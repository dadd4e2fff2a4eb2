#!/usr/bin/env bash
# bench_test.sh: tools/crm-bench --quick runs to the end as a smoke test:
# it exits 0 and prints the ceilings, every scenario and the one-offs; a
# second, tiny run prints one JSON document. No timing is asserted: the
# numbers depend on the machine and on what else runs beside the test.
# Usage: bench_test.sh CRM-BENCH
set -u
BENCH=${1:?crm-bench path}
out=$(mktemp "${TMPDIR:-/tmp}/crm-bench-test-XXXXXX")
trap 'rm -f "$out"' EXIT
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

if "$BENCH" --help | grep -q '^Usage: crm-bench'; then ok "--help"; else bad "--help"; fi
"$BENCH" --bogus >/dev/null 2>&1
[ $? -eq 2 ] && ok "a bad option exits 2" || bad "a bad option does not exit 2"

# 1 s per run instead of --quick's 2, and 4 clients only (not 1 and 4):
# every scenario still runs, concurrently, in a quarter of the time (no
# number is asserted).
if "$BENCH" --quick --duration 1 --clients 4 >"$out"; then ok "--quick exits 0"; else bad "--quick exits $?"; fi
for s in due show find log mixed report export; do
	grep -q "^scenario $s:" "$out" && ok "scenario $s printed" || bad "no scenario $s"
done
for w in '^storage ceiling' '^transport ceiling' '^disk: fdatasync after' \
	"the syncs' ceiling: a commit of that many pages" \
	"crmd's writer thread over the run" "crm -c 'due today'" 'crmd memory' '^targets' \
	"crm -c 'due today', fork to exit: p50 .* p95 .*/bin/true between them"; do
	grep -q "$w" "$out" && ok "prints $w" || bad "does not print $w"
done

if "$BENCH" --quick --only due,log --clients 1 --duration 1 --shell-runs 1 \
	--format json >"$out"; then
	ok "--format json exits 0"
else
	bad "--format json exits $?"
fi
r=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(s["name"] for s in d["scenarios"]), len(d["echo"]["runs"]), d["lmdb"]["one_put"]["commits"] > 0, d["shell"]["p95_ms"] > 0, d["shell"]["baseline"]["p50_ms"] > 0, d["disk"]["pages"] == [1, 16, 64, 256] and d["disk"]["page_us"] >= 0, [r.get("sync_ceiling_per_s", 0) > 0 and 0 < r["writer_thread"]["on_cpu"] <= 1.05 and 0 < r["writer_thread"]["in_commits"] <= 1.05 for s in d["scenarios"] if s["name"] == "log" for r in s["runs"]])' "$out" 2>&1)
[ "$r" = "['due', 'log'] 1 True True True True [True]" ] && ok "one JSON document with the runs asked for" || bad "json: $r"

[ "$fails" -eq 0 ] || { echo "$fails failed"; cat "$out"; exit 1; }
echo "all passed"
