#!/usr/bin/env bash
# bench_test.sh: tools/crm-bench --quick runs to the end as a smoke test:
# it exits 0 and prints the ceilings, every scenario and the one-offs; a
# second, tiny run prints one JSON document. Before them: bad options and
# values exit 2, --shell-only without a server fails, and a SIGTERM stops
# crmd and removes the temporary folder. No timing is asserted: the
# numbers depend on the machine and on what else runs beside the test.
# Usage: bench_test.sh CRM-BENCH
set -u
BENCH=${1:?crm-bench path}
out=$(mktemp "${TMPDIR:-/tmp}/crm-bench-test-XXXXXX")
trap 'rm -rf "$out" "$out.none" "$out.home" "$out.tmp" "$out.tmp.err"' EXIT
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

if "$BENCH" --help | grep -q '^Usage: crm-bench'; then ok "--help"; else bad "--help"; fi
"$BENCH" --bogus >/dev/null 2>&1
[ $? -eq 2 ] && ok "a bad option exits 2" || bad "a bad option does not exit 2"

# Bad values exit 2 at once, saying what is allowed, and start nothing.
usage_error() { # WANT ARG...: exits 2 with WANT in its message
	local want=$1 msg
	shift
	msg=$("$BENCH" "$@" 2>&1 >/dev/null)
	if [ $? -eq 2 ] && grep -qF -- "$want" <<<"$msg"; then
		ok "$* refused"
	else
		bad "$* not refused with '$want': $msg"
	fi
}
usage_error '--workers wants a number 1..256' --workers 0
usage_error '--workers wants a number 1..256' --workers 257
usage_error '--reps wants a number 1..' --reps 0
usage_error '--customers wants a number 1..' --customers x
usage_error '--followups wants a number 0..100' --followups 101
usage_error '--shell-runs wants a number 0..10000' --shell-runs -1
usage_error '--only: an empty scenario name' --only ''
usage_error '--only: an empty scenario name' --only log,,due
usage_error "--only: no scenario 'bogus'" --only bogus
usage_error '--clients wants numbers 1..256' --clients 1,,4
usage_error '--map-size wants bytes' --map-size 1000
nodata="${out}.none"
usage_error "--data $nodata: no crm database there" --data "$nodata"
[ -e "$nodata" ] && bad "--data of nothing made $nodata" || ok "--data of nothing made nothing"

# --shell-only against no server: every run fails, the goal is not met.
home="${out}.home"
msg=$(HOME=$home XDG_CONFIG_HOME=$home CRM_SERVER="ipc://$home/none.ipc" \
	"$BENCH" --shell-only --shell-runs 2 2>/dev/null)
rc=$?
rm -rf "$home"
if [ $rc -eq 1 ] && grep -q 'all 2 runs failed.*not met' <<<"$msg" && ! grep -q ': met' <<<"$msg"; then
	ok "--shell-only without a server: the runs failed, not met"
else
	bad "--shell-only without a server (exit $rc): $msg"
fi
# The same in JSON: no time measured, so null times, not zeros.
js=$(HOME=$home XDG_CONFIG_HOME=$home CRM_SERVER="ipc://$home/none.ipc" \
	"$BENCH" --shell-only --shell-runs 2 --format json 2>/dev/null)
rm -rf "$home"
r=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["failed"], d["p50_ms"], d["p95_ms"], d["min_ms"], d["max_ms"])' "$js" 2>&1)
[ "$r" = "2 None None None None" ] && ok "--shell-only JSON without a server: null times" ||
	bad "--shell-only JSON without a server: $r"

# SIGTERM to crm-bench alone, once its crmd runs: crmd stops, the
# temporary folder goes, exit 143 (a few seconds: it stops at the data).
tmp="${out}.tmp"
mkdir -p "$tmp"
"$BENCH" --quick --duration 1 --clients 1 --tmpdir "$tmp" >/dev/null 2>"$tmp.err" &
pid=$!
for _ in $(seq 200); do # at most 20 s
	pgrep -f "crmd --data $tmp/" >/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
rc=$?
sleep 0.2
if [ $rc -eq 143 ] && [ -z "$(ls -A "$tmp")" ] && ! pgrep -f "crmd --data $tmp/" >/dev/null &&
	grep -q 'interrupted by SIGTERM: stopped crmd; removed' "$tmp.err"; then
	ok "SIGTERM stops crmd, removes the folder, exits 143"
else
	bad "SIGTERM: exit $rc, left: $(ls -A "$tmp"), $(cat "$tmp.err")"
	left=$(pgrep -f "crmd --data $tmp/")
	[ -z "$left" ] || kill $left
fi
rm -rf "$tmp" "$tmp.err"

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

# --reps beside --quick keeps --quick's other sizes (200 customers).
if "$BENCH" --quick --only due,log --clients 1 --duration 1 --shell-runs 1 \
	--reps 4 --format json >"$out"; then
	ok "--format json exits 0"
else
	bad "--format json exits $?"
fi
r=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(s["name"] for s in d["scenarios"]), len(d["echo"]["runs"]), d["lmdb"]["one_put"]["commits"] > 0, d["shell"]["p95_ms"] > 0, d["shell"]["baseline"]["p50_ms"] > 0, d["disk"]["pages"] == [1, 16, 64, 256] and d["disk"]["page_us"] >= 0, [r.get("sync_ceiling_per_s", 0) > 0 and 0 < r["writer_thread"]["on_cpu"] <= 1.05 and 0 < r["writer_thread"]["in_commits"] <= 1.05 for s in d["scenarios"] if s["name"] == "log" for r in s["runs"]], d["data"]["customers"], [all(k in r for k in ("sync_commit_us", "writes_per_s", "sync_ceiling_share")) and abs(r["sync_ceiling_share"] * r["sync_ceiling_per_s"] - r["writes_per_s"]) < 1e-6 * r["writes_per_s"] + 1e-9 for s in d["scenarios"] if s["name"] == "log" for r in s["runs"]])' "$out" 2>&1)
[ "$r" = "['due', 'log'] 1 True True True True [True] 200 [True]" ] && ok "one JSON document with the runs asked for" || bad "json: $r"

[ "$fails" -eq 0 ] || { echo "$fails failed"; cat "$out"; exit 1; }
echo "all passed"
