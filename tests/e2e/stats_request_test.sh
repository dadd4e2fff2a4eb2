#!/usr/bin/env bash
# stats_request_test.sh (issue 19, "Measure it"): crmd keeps a latency
# histogram per request type and counts its group commits, and `crm -c
# stats` shows them to an admin. After 3 customer adds and 5 dues, the
# admin's stats list customer.add 3 times and due 5 times, with
# p50 <= p99 <= p999 <= max; the writer counts at least 3 commits of at
# least 3 writes and bytes written; the stats request itself shows up in
# the next stats; the fact journal's folds are counted. A rep and a
# manager are refused (PERMISSION_DENIED).
# Usage: stats_request_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home stats

e2e_admin boss pw-boss
e2e_start || { e2e_done; exit 1; }
e2e_login boss pw-boss

run_exit 0 "the admin adds a team" "$CRM" -c 'team add east'
printf 'pw-li\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null ||
	bad "user add li"
printf 'pw-wang\n' | "$CRM" -c 'user add wang --role manager --team east' \
	>/dev/null || bad "user add wang"
for i in 1 2 3; do
	run_exit 0 "customer add $i" "$CRM" -c "customer add 'Stats Test $i Ltd'"
done
for i in 1 2 3 4 5; do
	run_exit 0 "due $i" "$CRM" -c 'due'
done
# Reports and exports: a row per kind, as their costs differ.
run_exit 0 "report funnel" "$CRM" -c 'report funnel'
run_exit 0 "report conversion 1" "$CRM" -c 'report conversion'
run_exit 0 "report conversion 2" "$CRM" -c 'report conversion'
run_exit 0 "export customers" "$CRM" -c "export customers $H/stats-customers.csv"
printf '%s\n' 'name,grade' 'Stats Import Ltd,B' >"$H/stats-import.csv"
run_exit 0 "import customers" "$CRM" -c "import customers $H/stats-import.csv"

run_exit 0 "stats as admin" "$CRM" -c stats
has "the table names its columns" "p999"
has "customer.add is listed" "customer.add"
has "the writer's commits are shown" "group commits"
has "the time in commits is summed" "in all"
has "the bucket resolution is stated" "12.5 %"

run_exit 0 "stats as admin, JSON" "$CRM" --format json -c stats
j=$out
count() { printf '%s' "$j" | json "sum(r['count'] for r in d['requests'] if r['name'] == '$1')"; }
[ "$(count customer.add)" = 3 ] && ok "customer.add counted 3 times" ||
	bad "customer.add counted $(count customer.add) times, want 3: $j"
[ "$(count due)" = 5 ] && ok "due counted 5 times" ||
	bad "due counted $(count due) times, want 5: $j"
[ "$(count user.add)" = 2 ] && ok "user.add counted 2 times" ||
	bad "user.add counted $(count user.add) times, want 2: $j"
[ "$(count 'report conversion')" = 2 ] && [ "$(count 'report funnel')" = 1 ] &&
	[ "$(count report)" = 0 ] && ok "each report kind is a row of its own" ||
	bad "report rows: $j"
kinds=$(printf '%s' "$j" | json "sorted((r['name'], r.get('kind'), r['body']) for r in d['requests'] if r.get('kind'))")
case $kinds in *"('export customers', 'customers', 82)"*"('import customers', 'customers', 83)"*"('report conversion', 'conversion', 81)"*) ok "a kind's row names its kind and its request: $kinds" ;;
*) bad "kind rows: $kinds" ;; esac
[ "$(count stats)" = 1 ] && ok "the first stats is in the second" ||
	bad "stats counted $(count stats) times, want 1: $j"
ordered=$(printf '%s' "$j" | json "all(0 < r['p50_us'] <= r['p99_us'] <= r['p999_us'] <= r['max_us'] for r in d['requests'])")
[ "$ordered" = True ] && ok "p50 <= p99 <= p999 <= max, all above 0" ||
	bad "percentiles out of order: $j"
writer=$(printf '%s' "$j" | json "(lambda w: w['commits'] >= 6 and w['requests'] >= 6 and w['write_bytes'] > 0 and w['page_size'] >= 4096 and w['commit_p50_us'] > 0 and w['commit_us_total'] >= w['commit_p50_us'])(d['writer'])")
[ "$writer" = True ] && ok "the writer counted commits, writes and bytes" ||
	bad "writer stats: $j"

# CSV, for a spreadsheet: plain numbers, the unit in the column's name;
# the writer's numbers as a record named as in the reply.
run_exit 0 "stats as admin, CSV" "$CRM" --format csv -c stats
csvok=$(printf '%s\n' "$out" | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
head = rows[0]
adds = [r for r in rows if r and r[0] == "customer.add"]
w = rows.index(next(r for r in rows if r and r[0] == "uptime_seconds"))
print(head[2] == "p50_us" and len(adds) == 1 and adds[0][1] == "3" and
      all(x.isdigit() for x in adds[0][1:]) and
      "commits" in rows[w] and all(x.isdigit() for x in rows[w + 1]))')
[ "$csvok" = True ] && ok "CSV: numbers, units in the names" || bad "CSV stats: $out"

# Group commit's linger: requests one after another (every crm -c above)
# never make the writer wait for more writers.
lone=$(printf '%s' "$j" | json "d['writer'].get('lingers', 0)")
[ "$lone" = 0 ] && ok "one client at a time: the writer never lingered" ||
	bad "the writer lingered $lone times for a lone client: $j"

# Several clients writing at once: a write arriving during a commit makes
# the writer wait for the last batch's clients before the next commit.
# Bounded: at most 10 rounds of 8 shells adding 3 customers each, until
# the writer lingered and a write joined a batch while it did. crmd
# again with each commit 30 ms longer and each write's apply 20 ms
# longer (test builds only): on a tmpfs a commit takes microseconds, and
# under ASan 8 shells' writes could all miss one (CI: no linger in 6
# rounds; no write joined in the 2 ms a linger waits, in 10).
e2e_stop
CRM_TEST_WRITE_DELAY_MS=30 CRM_TEST_APPLY_DELAY_MS=20 e2e_start || { e2e_done; exit 1; }
# No write may outlive its shell's deadline (5 s here): one that did
# would wait in the shared outbox, and a later shell would send it and
# print its refusal too (under ASan, 1 run in 3 counted 13 of 12).
export CRM_TIMEOUT_MS=120000
lingers=0 joined=0
added=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		(for k in 1 2 3; do
			"$CRM" -c "customer add 'Linger r$round w$i k$k'" >/dev/null 2>&1
		done) &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: crmd is a child too
	added=$((added + 24))
	run "$CRM" --format json -c stats
	lingers=$(printf '%s' "$out" | json "d['writer'].get('lingers', 0)")
	joined=$(printf '%s' "$out" | json "d['writer'].get('linger_writes', 0)")
	[ "$lingers" -gt 0 ] && [ "$joined" -gt 0 ] && break
done
[ "$lingers" -gt 0 ] && ok "concurrent writers: the writer lingered ($lingers times)" ||
	bad "no linger after $round rounds of 8 concurrent writers: $out"
# While it lingers, the batch's transaction is open and each write that
# comes in is applied as it comes.
[ "$joined" -gt 0 ] && ok "writes joined a batch while it lingered ($joined)" ||
	bad "no write joined a lingering batch in $round rounds: $out"
run_exit 0 "list the customers" "$CRM" --format csv -c 'customer list'
n=$(printf '%s\n' "$out" | grep -c 'Linger r')
[ "$n" = "$added" ] && ok "each of the $added concurrent adds is there once" ||
	bad "$n Linger customers, want $added"

# A write refused by its handler (an existing name). The writer runs a
# batch's writes in its transaction directly; a refused one keeps its
# refusal as its reply, and the batch's others run again without it.
# Alone, it commits nothing and runs nothing again. (crmd again, each
# commit made 200 ms longer, test builds only: writes that arrive during
# one share the next batch.)
e2e_stop
CRM_TEST_WRITE_DELAY_MS=200 e2e_start || { e2e_done; exit 1; }
wstat() { printf '%s' "$out" | json "d['writer'].get('$1', 0)"; }
run "$CRM" --format json -c stats
commits0=$(wstat commits) reruns0=$(wstat batch_reruns)
run "$CRM" -c "customer add 'Stats Test 1 Ltd'"
[ "$code" -ne 0 ] && grep -q 'already exists' <<<"$out$err" &&
	ok "an existing name is refused" || bad "a second 'Stats Test 1 Ltd': $out $err"
run "$CRM" --format json -c stats
[ "$(wstat commits)" = "$commits0" ] && [ "$(wstat batch_reruns)" = "$reruns0" ] &&
	ok "a lone refused write commits nothing and runs nothing again" ||
	bad "commits $commits0 -> $(wstat commits), reruns $reruns0 -> $(wstat batch_reruns)"
# Among concurrent writes (bounded: at most 6 rounds of 6 shells, each
# adding 3 new names and the existing one) until a refusal shared a
# batch with others (the first round, as a rule).
added=0 refused=0 reruns=$reruns0
for round in 1 2 3 4 5 6; do
	pids=()
	for i in 1 2 3 4 5 6; do
		(for k in 1 2 3; do
			"$CRM" -c "customer add 'Rerun r$round w$i k$k'" >/dev/null 2>&1
			[ "$k" = 2 ] && "$CRM" -c "customer add 'Stats Test 1 Ltd'" \
				>"$H/dup.$i" 2>&1
		done) &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: crmd is a child too
	added=$((added + 18))
	refused=$((refused + $(cat "$H"/dup.* | grep -c 'already exists')))
	run "$CRM" --format json -c stats
	reruns=$(wstat batch_reruns)
	[ "$reruns" -gt "$reruns0" ] && break
done
[ "$refused" = "$((round * 6))" ] &&
	ok "each of the $refused adds of the existing name was refused" ||
	bad "$refused of $((round * 6)) adds of the existing name refused: $(cat "$H"/dup.*)"
[ "$reruns" -gt "$reruns0" ] &&
	ok "a refusal among other writes ran its batch again ($reruns0 -> $reruns, round $round)" ||
	bad "no batch ran again in $round rounds: $(printf "%s" "$out" | json "d['writer']")"
run_exit 0 "list the customers" "$CRM" --format csv -c 'customer list'
n=$(printf '%s\n' "$out" | grep -c 'Rerun r')
[ "$n" = "$added" ] && ok "the $added adds beside them are there once each" ||
	bad "$n Rerun customers, want $added"
n=$(printf '%s\n' "$out" | grep -c 'Stats Test 1 Ltd')
[ "$n" = 1 ] && ok "the existing name is there once" ||
	bad "'Stats Test 1 Ltd' $n times"
run "$CRM" -c stats
has "stats shows the batches run again" "batches run again (a write failed)"

# The fact journal's folds (docs/design.md, "Since schema 23"): crmd
# again, folding after every two facts (test builds only); two logs
# write two follow-up facts, folded after their batches.
e2e_stop
CRM_TEST_FOLD_AT=2 e2e_start || { e2e_done; exit 1; }
run "$CRM" --format json -c stats
[ "$(wstat facts_folded)" = 0 ] && [ "$(wstat folds)" = 0 ] &&
	ok "nothing folded at start" || bad "at start: $(printf "%s" "$out" | json "d['writer']")"
for i in 1 2; do
	run_exit 0 "log $i" "$CRM" -c "log 'Stats Test 2 Ltd' 'call $i' --channel phone"
done
run "$CRM" --format json -c stats
[ "$(wstat facts_folded)" -ge 2 ] && [ "$(wstat folds)" -ge 1 ] &&
	ok "the facts were folded ($(wstat facts_folded) in $(wstat folds) folds)" ||
	bad "folds: $(printf "%s" "$out" | json "d['writer']")"
run "$CRM" -c stats
has "stats shows the folds" "report facts folded (journal)"

for who in li wang; do
	export XDG_CONFIG_HOME=$H/config-$who
	e2e_login "$who" "pw-$who"
	run "$CRM" -c stats
	[ "$code" -ne 0 ] && ok "$who is refused stats (exit $code)" ||
		bad "$who got stats: $out"
	has "$who is told it needs the admin role" "needs the admin role"
done

e2e_done
