#!/usr/bin/env bash
# gen_defer_test.sh: crm-gen holds the report facts back and writes them
# in key order (--defer-mb, store_defer.c); the set it makes is the same,
# entry for entry, as the one made writing each fact at once (--defer-mb
# 0), whether the facts go in one merge at the end or are sorted to
# runs on the disk along the way and merged at the end, more runs than
# are kept at once (--defer-mb 1 and --batch 25, as crm-gen looks at
# what it holds once a batch: a merge into the database along the way
# too), with a deep customer's own commits in between; and crm-check
# finds it clean. Only the users differ: each password hash
# has a salt of its own.
# Usage: gen_defer_test.sh CRM_GEN CRM_CHECK
set -u
GEN=$1 CHECK=$2
T=$(mktemp -d /tmp/crm-gen-defer-test.XXXXXX) || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

echo 1796400000 >"$T/clock" # 2026-12-04, the same "now" for each set
export CRM_TEST_CLOCK="$T/clock"
for mb in 0 1 1024; do
	"$GEN" --data "$T/db$mb" --customers 3500 --batch 25 --deep 1200 --deep-text 20 \
		--defer-mb "$mb" --quiet >"$T/gen$mb.out" 2>&1 ||
		bad "crm-gen --defer-mb $mb: $(cat "$T/gen$mb.out")"
	# Every database but users, entry for entry.
	mdb_dump -a "$T/db$mb" | awk '/^database=/ { skip = ($0 == "database=users") }
		!skip' >"$T/dump$mb"
done
# crm-gen keeps 64 runs on the disk at most, then merges them in.
runs=$(sed -n 's/.*sorted to the disk \([0-9]*\) times.*merged into the database \([0-9]*\) times.*/\1 \2/p' "$T/gen1.out")
[ "${runs%% *}" -gt 64 ] 2>/dev/null && [ "${runs##* }" -ge 2 ] &&
	ok "--defer-mb 1 sorted runs to the disk and merged along the way ($runs)" ||
	bad "--defer-mb 1: not more runs than kept at once: $(cat "$T/gen1.out")"
facts=$(mdb_dump -s crm "$T/db0" | grep -c '^ 06') # fu_time's tag
[ "$facts" -gt 20000 ] && ok "the set has $facts follow-up facts" ||
	bad "too few follow-up facts to tell: $facts"
for mb in 1 1024; do
	if cmp -s "$T/dump0" "$T/dump$mb"; then
		ok "--defer-mb $mb makes the same set as --defer-mb 0"
	else
		bad "--defer-mb $mb differs: $(diff "$T/dump0" "$T/dump$mb" | head -4)"
	fi
	"$CHECK" "$T/db$mb" >"$T/check$mb.out" 2>&1 &&
		ok "crm-check: the --defer-mb $mb set is clean" ||
		bad "crm-check --defer-mb $mb: $(tail -3 "$T/check$mb.out")"
done
# More than a quarter of the memory: refused before anything is made.
out=$("$GEN" --data "$T/big" --defer-mb 999999999 --quiet 2>&1)
code=$?
[ "$code" -eq 2 ] && [[ $out == *"--defer-mb: at most"* ]] && [ ! -e "$T/big" ] &&
	ok "crm-gen refuses to hold more than a quarter of the memory" ||
	bad "crm-gen --defer-mb 999999999 (exit $code): $out"
[ "$fails" -eq 0 ] || exit 1
