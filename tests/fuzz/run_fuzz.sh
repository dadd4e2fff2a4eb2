#!/usr/bin/env bash
# run_fuzz.sh FUZZER CORPUS SECONDS: a bounded libFuzzer run of the
# request target (ctest's request_fuzz_test). CRM_FUZZ_SECONDS in the
# environment overrides SECONDS. New inputs go to a temp folder, never
# into the committed corpus. Fails on any crash, sanitizer report, leak,
# hang (one input over 10 s) or a run that executed nothing; a crashing
# input is kept in ./fuzz-artifacts for request_fuzz_replay. Prints the
# totals libFuzzer reports (executions, execs/s, coverage, peak RSS).
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

work=$(mktemp -d "${TMPDIR:-/tmp}/crm-fuzz-run-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" fuzz-artifacts
log=$work/fuzz.log

export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1

echo "run_fuzz.sh: $fuzzer for $secs s from $corpus"
rc=0
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=8192 -print_final_stats=1 \
	-artifact_prefix="$PWD/fuzz-artifacts/" \
	"$work/corpus" "$corpus" >"$log" 2>&1 || rc=$?

stat() {
	sed -n "s/^stat::$1: *//p" "$log" | tail -n1
}
execs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
peak=$(stat peak_rss_mb)
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1 || true)
units=$(find "$work/corpus" -type f | wc -l)

fail=0
if [ "$rc" -ne 0 ]; then
	echo "run_fuzz.sh: the fuzzer exited with status $rc" >&2
	fail=1
fi
if grep -Eq 'runtime error:|ERROR: [A-Za-z]*Sanitizer|WARNING: [A-Za-z]*Sanitizer|ERROR: libFuzzer' "$log"; then
	echo "run_fuzz.sh: sanitizer or libFuzzer report" >&2
	fail=1
fi
if [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
	echo "run_fuzz.sh: nothing was executed" >&2
	fail=1
fi
if [ "$fail" -ne 0 ]; then
	tail -n 120 "$log" >&2
	ls -l fuzz-artifacts >&2 || true
	exit 1
fi
echo "run_fuzz.sh: ok: $execs executions in $secs s ($rate exec/s)," \
	"$cov, $units new corpus inputs, peak RSS $peak MB, 0 crashes"
