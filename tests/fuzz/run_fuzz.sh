#!/usr/bin/env bash
# run_fuzz.sh FUZZER CORPUS SECONDS: a bounded libFuzzer run of the
# request target (ctest's request_fuzz_test). CRM_FUZZ_SECONDS in the
# environment overrides SECONDS. New inputs go to a temp folder, never
# into the committed corpus. Fails on any crash, sanitizer report, leak,
# hang (one input over 10 s) or a run that executed nothing; a crashing
# input is kept in ./fuzz-artifacts for request_fuzz_replay. Prints the
# totals libFuzzer reports (executions, execs/s, coverage, peak RSS).
# CRM_FUZZ_JOBS (default 1) fuzzers run at once, each SECONDS long with
# its own seed and new-input folder (libFuzzer itself is one thread):
# tools/test runs 2 for 60 s, as much fuzzing as one for 120 s.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: run_fuzz.sh FUZZER CORPUS SECONDS" >&2
	exit 2
fi
fuzzer=$1
corpus=$2
secs=${CRM_FUZZ_SECONDS:-$3}
case "$secs" in
'' | *[!0-9]*)
	echo "run_fuzz.sh: CRM_FUZZ_SECONDS must be a number: $secs" >&2
	exit 2
	;;
esac
jobs=${CRM_FUZZ_JOBS:-1}
case "$jobs" in
'' | *[!0-9]* | 0)
	echo "run_fuzz.sh: CRM_FUZZ_JOBS must be a number above 0: $jobs" >&2
	exit 2
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/crm-fuzz-run-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p fuzz-artifacts

export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1

echo "run_fuzz.sh: $fuzzer for $secs s from $corpus ($jobs at once)"
pids=()
for j in $(seq "$jobs"); do
	mkdir -p "$work/corpus$j"
	"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 -seed="$j" \
		-artifact_prefix="$PWD/fuzz-artifacts/" \
		"$work/corpus$j" "$corpus" >"$work/fuzz$j.log" 2>&1 &
	pids+=($!)
done

stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n1
}
fail=0 execs=0 rate=0 peak=0 units=0 cov=
for j in $(seq "$jobs"); do
	log=$work/fuzz$j.log
	rc=0
	wait "${pids[j - 1]}" || rc=$?
	e=$(stat number_of_executed_units "$log")
	r=$(stat average_exec_per_sec "$log")
	p=$(stat peak_rss_mb "$log")
	c=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1 || true)
	bad=0
	if [ "$rc" -ne 0 ]; then
		echo "run_fuzz.sh: fuzzer $j exited with status $rc" >&2
		bad=1
	fi
	if grep -Eq 'runtime error:|ERROR: [A-Za-z]*Sanitizer|WARNING: [A-Za-z]*Sanitizer|ERROR: libFuzzer' "$log"; then
		echo "run_fuzz.sh: fuzzer $j: sanitizer or libFuzzer report" >&2
		bad=1
	fi
	if [ -z "$e" ] || [ "$e" -eq 0 ]; then
		echo "run_fuzz.sh: fuzzer $j executed nothing" >&2
		bad=1
	fi
	if [ "$bad" -ne 0 ]; then
		tail -n 120 "$log" >&2
		fail=1
		continue
	fi
	execs=$((execs + e))
	rate=$((rate + ${r:-0}))
	[ "${p:-0}" -gt "$peak" ] && peak=$p
	units=$((units + $(find "$work/corpus$j" -type f | wc -l)))
	cov="$cov${cov:+; }$c"
done
if [ "$fail" -ne 0 ]; then
	ls -l fuzz-artifacts >&2 || true
	exit 1
fi
echo "run_fuzz.sh: ok: $execs executions in $secs s by $jobs fuzzer(s)" \
	"($rate exec/s), $cov, $units new corpus inputs, peak RSS $peak MB," \
	"0 crashes"
