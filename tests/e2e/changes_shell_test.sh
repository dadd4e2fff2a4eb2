#!/usr/bin/env bash
# changes_shell_test.sh: `crm changes SINCE [--limit N]` end to end: a
# real crmd in a temp folder, driven by `crm -c`. The table lists the
# changed records and the next cursor; JSON carries the whole reply; a bad
# cursor is a usage error (exit 2).
# Usage: changes_shell_test.sh CRMD CRM   (ctest passes the built binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-changes-XXXXXX")
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=5000
unset XDG_RUNTIME_DIR
PID=
fails=0
cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" || { echo "FAIL: crmd exit status"; fails=$((fails + 1)); }
	fi
	rm -rf "$H"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
# run WANT DESC CMD...: run CMD, check its exit status; output in $out.
run() {
	local want=$1 desc=$2; shift 2
	out=$("$@" 2>&1); got=$?
	[ "$got" -eq "$want" ] && ok "$desc" || bad "$desc (exit $got, want $want): $out"
}
has() { printf '%s\n' "$out" | grep -qE -- "$2" && ok "$1" || bad "$1: /$2/ not in: $out"; }

printf 'pw1\n' | "$CRMD" user add boss --role admin --data "$H/db" >/dev/null \
	|| { echo "FAIL: crmd user add"; exit 1; }
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do
	printf 'pw1\n' | "$CRM" login boss >/dev/null 2>&1 && break
	sleep 0.1
done

run 0 "changes on an empty log" "$CRM" -c 'changes 0'
has "an empty log gives cursor 0" '^next: changes 0$'
run 0 "customer add" "$CRM" -c 'customer add "Feed Co"'
run 0 "contact add" "$CRM" -c 'contact add "Feed Co" Pat'
run 0 "changes 0 lists them" "$CRM" -c 'changes 0'
has "a customer change" 'CHANGE_CUSTOMER +1 +1$'
has "a contact change" 'CHANGE_CONTACT +1 +1$'
has "the next cursor" '^next: changes [0-9]+$'
next=$(printf '%s\n' "$out" | sed -n 's/^next: changes \([0-9]*\)$/\1/p')
run 0 "changes --limit 1 pages" "$CRM" -c 'changes 0 --limit 1'
has "one row and more waiting" '\(more waiting\)'
[ "$(printf '%s\n' "$out" | grep -c 'CHANGE_')" = 1 ] && ok "exactly one row" \
	|| bad "want one row: $out"
run 0 "up to date at the cursor" "$CRM" -c "changes $next"
has "nothing after the cursor" "^next: changes $next\$"
run 0 "changes in JSON" sh -c "'$CRM' --format json -c 'changes 0' 2>/dev/null"
n=$(printf '%s' "$out" | /usr/bin/python3 -c \
	'import json,sys; d=json.load(sys.stdin); print(len(d["changes"]), d["more"])' 2>&1)
case "$n" in
[1-9]*" False") ok "JSON holds the changes and more=false ($n)" ;;
*) bad "JSON: $n: $out" ;;
esac
run 2 "a cursor that is not a number is a usage error" "$CRM" -c 'changes x'
has "usage is shown" 'usage: changes SINCE'

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" -eq 0 ]
