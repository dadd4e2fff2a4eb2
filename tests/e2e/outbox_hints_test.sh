#!/usr/bin/env bash
# outbox_hints_test.sh: what the outbox tells the rep in the smaller
# cases (tester):
#   - a write refused NOT_FOUND when finally sent (its customer given to
#     another rep meanwhile: crmd names no other rep's customer) says
#     the customer may have been given to someone else, merged or
#     released to the pool since it was typed, and that the entry stays
#     until dropped (`outbox drop ID`), not only "no customer named";
#   - `logout` with writes waiting says how many wait, and that they stay
#     for that user and are sent when they log in again;
#   - a write behind older ones while crmd is not running says crmd is
#     not running, not "crmd has not answered for them";
#   - a held outbox lock is a clear message, not "(INTERNAL)".
# Usage: outbox_hints_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home obhints
export TZ=UTC
f=$XDG_STATE_HOME/crm/outbox

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "team east" "$CRM" -c 'team add east'
e2e_user li pw-li --role rep --team east
e2e_user zhao pw-zhao --role rep --team east
run_exit 0 "a customer of li's" "$CRM" -c "customer add 'Northwind Foods' --owner li"
run_exit 0 "another" "$CRM" -c "customer add 'Contoso Ltd' --owner li"
e2e_login li pw-li

# -- NOT_FOUND on send: the customer went to zhao meanwhile
e2e_stop
run_exit 3 "offline log for Northwind" "$CRM" -c "log 'Northwind Foods' 'called about the order'"
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "boss gives Northwind to zhao" "$CRM" -c "customer assign 'Northwind Foods' zhao"
e2e_login li pw-li
run_exit 1 "outbox send: refused" "$CRM" -c 'outbox send'
has "no customer named" 'no customer named "Northwind Foods"'
has "it may have been given to someone else" "given to someone else"
has "or released to the pool" "released to the pool"
has "it stays until dropped" "stays until you drop it"
id=$("$CRM" --format json -c outbox | json 'd[0]["id"][:8]')
has "with its drop command" "outbox drop $id"
run_exit 0 "drop it" "$CRM" -c "outbox drop $id"

# -- logout with writes waiting
e2e_stop
run_exit 3 "offline log for Contoso" "$CRM" -c "log 'Contoso Ltd' 'left a message'"
run_exit 3 "a write behind it, crmd not running" "$CRM" -c "log 'Contoso Ltd' 'second message'"
hasnt "not: crmd has not answered" "has not answered"
run "$CRM" -c logout
has "logout says how many writes wait" "2 writes wait in the outbox"
has "and that they stay for li" "li"
has "and are sent when li logs in again" "when li logs in again"
e2e_start || exit 1
e2e_login li pw-li
run_exit 0 "li logs in again: outbox send" "$CRM" -c 'outbox send'
has "both sent" "2 done, 0 refused, 0 left"

# -- a held lock
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close(); time.sleep(6)' "$f.lock" "$H/locked" &
fpid=$!
for _ in $(seq 100); do [ -e "$H/locked" ] && break; sleep 0.05; done
run_exit 1 "a write while the outbox is locked" "$CRM" -c "log 'Contoso Ltd' 'locked out'"
has "names the holder" "process $fpid (python3)"
hasnt "not an internal error" "(INTERNAL)"
has "says nothing was sent" "nothing was sent"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

e2e_done
