#!/usr/bin/env bash
# changes_shell_test.sh: `crm changes SINCE [--limit N]` end to end: a
# real crmd in a temp folder, driven by `crm -c`. The table lists the
# changed records and the next cursor; JSON carries the whole reply; a bad
# cursor is a usage error (exit 2).
# Usage: changes_shell_test.sh CRMD CRM   (ctest passes the built binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home changes
e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1

run_exit 0 "changes on an empty log" "$CRM" -c 'changes 0'
has_re "an empty log gives cursor 0" '^next: changes 0$'
run_exit 0 "customer add" "$CRM" -c 'customer add "Feed Co"'
run_exit 0 "contact add" "$CRM" -c 'contact add "Feed Co" Pat'
run_exit 0 "changes 0 lists them" "$CRM" -c 'changes 0'
has_re "a customer change" 'CHANGE_CUSTOMER +1 +1$'
has_re "a contact change" 'CHANGE_CONTACT +1 +1$'
has_re "the next cursor" '^next: changes [0-9]+$'
next=$(printf '%s\n%s\n' "$out" "$err" |
	sed -n 's/^next: changes \([0-9]*\)$/\1/p')
run_exit 0 "changes --limit 1 pages" "$CRM" -c 'changes 0 --limit 1'
has "one row and more waiting" '(more waiting)'
[ "$(printf '%s\n' "$out" | grep -c 'CHANGE_')" = 1 ] && ok "exactly one row" ||
	bad "want one row: $out"
run_exit 0 "up to date at the cursor" "$CRM" -c "changes $next"
has_re "nothing after the cursor" "^next: changes $next\$"
run_exit 0 "changes in JSON" "$CRM" --format json -c 'changes 0'
n=$(printf '%s' "$out" | json 'len(d["changes"]), d["more"]' 2>&1)
case "$n" in
[1-9]*" False") ok "JSON holds the changes and more=false ($n)" ;;
*) bad "JSON: $n: $out" ;;
esac
run_exit 2 "a cursor that is not a number is a usage error" \
	"$CRM" -c 'changes x'
has "usage is shown" 'usage: changes SINCE'

e2e_stop
e2e_done
