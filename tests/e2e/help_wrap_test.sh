#!/usr/bin/env bash
# help_wrap_test.sh: help wraps to the terminal's width, counted in
# display columns (Chinese characters two): `COLUMNS=80 crm -c help` has
# no line over 80 columns, a wrapped summary goes on under its own
# column, a long usage under its first word; without a width (a pipe, no
# COLUMNS) help is printed as written, one line per command. Help needs
# no server. Usage: help_wrap_test.sh CRM
set -u
CRM=${1:?crm path}
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-help-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
trap 'rm -rf "$H"' EXIT
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/none LC_ALL=C.UTF-8
unset XDG_RUNTIME_DIR COLUMNS
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
widest() {
	python3 -c '
import sys, unicodedata
w = 0
for line in sys.stdin.read().split("\n"):
    w = max(w, sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
                   for c in line))
print(w)'
}

for width in 80 60; do
	for topic in "" "@customer" "log" "report value" "customer add" \
		"export" "task add"; do
		out=$(COLUMNS=$width "$CRM" -c "help $topic" 2>&1) \
			|| bad "help $topic exits non-zero"
		w=$(printf '%s\n' "$out" | widest)
		[ "$w" -le "$width" ] \
			&& ok "COLUMNS=$width help $topic: widest line $w" \
			|| { bad "COLUMNS=$width help $topic: a line of $w columns"
			     printf '%s\n' "$out" | sed 's/^/    | /'; }
	done
done

out=$(COLUMNS=80 "$CRM" -c help)
# "customer check" has a summary with Chinese in it that needs 2 lines.
printf '%s\n' "$out" | grep -A1 -E '^  customer check ' | tail -1 \
	| grep -qE '^ {32}[^ ]' \
	&& ok "a wrapped summary goes on under its column (32)" \
	|| { bad "customer check's summary:"; printf '%s\n' "$out" | grep -A1 'customer check'; }
printf '%s\n' "$out" | grep -qF '信息核对' \
	&& ok "the Chinese words survive wrapping" || bad "信息核对 lost"

out=$(COLUMNS=60 "$CRM" -c 'help log')
printf '%s\n' "$out" | sed -n 2p | grep -qE '^ {7}[^ ]' \
	&& ok "a long usage goes on under its first word" \
	|| { bad "help log's usage:"; printf '%s\n' "$out" | head -3; }
printf '%s\n' "$out" | grep -qE ' phone\|email\|visit\|meeting\|$' \
	&& ok "a|b|c lists break after a bar" \
	|| { bad "help log's --channel:"; printf '%s\n' "$out" | grep -A1 -- --channel; }

# No width: as written (scripts that grep help keep working).
out=$("$CRM" -c help)
n=$(printf '%s\n' "$out" | grep -c 'Customers high/medium/low by purchase frequency, amount and category, with the follow-ups')
[ "$n" -eq 1 ] && ok "no COLUMNS, not a terminal: lines as written" \
	|| bad "help without a width was wrapped"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
