#!/usr/bin/env bash
# session_end_test.sh (issue 13, defect 5): a password change ends the
# user's other sessions, so a stolen token does not outlive it. Each shell
# session has its own XDG_CONFIG_HOME (its own session file): `passwd` in
# one, and `whoami` from another session of the same user answers
# UNAUTHENTICATED; the shell that changed the password goes on; the reply
# says how many sessions ended. The same for an admin's `user passwd` and
# `user disable`, whose sessions do not come back when the account does.
# Usage: session_end_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-sessend-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
export HOME=$H XDG_CACHE_HOME=$H/cache XDG_STATE_HOME=$H/state
export CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=5000
unset XDG_RUNTIME_DIR
PID=
fails=0
cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID"
	fi
	rm -rf "$H"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
# as SESSION CMD [STDIN]: crm -c CMD in the shell session SESSION.
as() {
	out=$(printf '%b' "${3:-}" |
		XDG_CONFIG_HOME=$H/$1 "$CRM" -c "$2" 2>&1)
	code=$?
}
# expect DESC CODE NEEDLE: the last command exited CODE, saying NEEDLE.
expect() {
	if [ "$code" -eq "$2" ] && [[ $out == *"$3"* ]]; then ok "$1"
	else bad "$1 (exit $code, want $2 and '$3'): $out"; fi
}

printf 'pw-boss\n' | "$CRMD" user add boss --role admin --data "$H/db" \
	>/dev/null || { echo "FAIL: crmd user add"; exit 1; }
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do
	as boss 'login boss' 'pw-boss\n'
	[ "$code" -eq 0 ] && break
	sleep 0.1
done
expect "the admin logs in" 0 "logged in as boss"
as boss 'user add li --role rep --team east' 'pw-li\n'
expect "a rep is added" 0 "added user li"

# Three sessions of li: a laptop, a phone, and one a thief holds.
for s in laptop phone thief; do
	as $s 'login li' 'pw-li\n'
	expect "li logs in on the $s" 0 "logged in as li"
done
as thief whoami
expect "the thief's copy of the token works before" 0 "li"

# The acceptance: passwd in one shell; another session answers
# UNAUTHENTICATED.
as laptop passwd 'pw-li\npw-li-2\n'
expect "passwd says how many other sessions ended" 0 \
	"password changed; 2 other sessions of yours ended"
as thief whoami
expect "another session of li answers UNAUTHENTICATED" 1 "UNAUTHENTICATED"
as phone whoami
expect "so does li's phone" 1 "UNAUTHENTICATED"
as laptop whoami
expect "the session that changed the password goes on" 0 "li"
as phone 'login li' 'pw-li\n'
expect "the old password no longer logs in" 1 "UNAUTHENTICATED"
as phone 'login li' 'pw-li-2\n'
expect "the new one does" 0 "logged in as li"

# An admin's reset ends every session of the user.
as boss 'user passwd li' 'pw-li-3\n'
expect "user passwd says how many sessions ended" 0 \
	"password of li set; 2 of their sessions ended"
as laptop whoami
expect "after a reset li's laptop answers UNAUTHENTICATED" 1 \
	"UNAUTHENTICATED"
as phone whoami
expect "and li's phone too" 1 "UNAUTHENTICATED"
as boss whoami
expect "the admin's own session is untouched" 0 "boss"
as rep 'user passwd boss' 'x-pw\n'
expect "user passwd without a session is refused" 1 "UNAUTHENTICATED"
as laptop 'login li' 'pw-li-3\n'
expect "li logs in with the reset password" 0 "logged in as li"
as laptop 'user passwd boss' 'hijack\n'
expect "a rep cannot reset a password" 1 "PERMISSION_DENIED"

# A wrong old password is a guess like a failed login: throttled by the
# same per-login throttle, logged (the login, never the password), and the
# session stays valid, so the shell does not ask to log in again.
as laptop passwd 'wrong-1\nnew-pw-x\n'
expect "a wrong old password is refused" 1 "the old password is wrong"
[[ $out == *"log in with"* ]] && bad "after a wrong old password the shell says to log in: $out" ||
	ok "no 'log in' hint after a wrong old password"
for i in 2 3 4; do as laptop passwd "wrong-$i\nnew-pw-x\n"; done
expect "after 3 wrong old passwords the next is throttled" 1 "try again in"
as laptop passwd 'pw-li-3\npw-li-4\n'
expect "even the right old password waits while throttled" 1 "try again in"
as laptop whoami
expect "the session stays valid" 0 "li"
grep -q "failed login for 'li' .*passwd: wrong old password" "$H/crmd.log" &&
	ok "crmd logs a wrong old password like a failed login" ||
	bad "no log line for a wrong old password"
grep -q 'wrong-[0-9]' "$H/crmd.log" && bad "a wrong old password reached crmd's log" ||
	ok "the wrong old password is not logged"

# Disabling ends the sessions for good: they are gone, not suspended.
as boss 'user disable li'
expect "user disable says how many sessions ended" 0 \
	"disabled user li; 1 of their sessions ended"
as laptop whoami
expect "a disabled user's session answers UNAUTHENTICATED" 1 \
	"UNAUTHENTICATED"

grep -q "password of li changed; 2 other sessions ended" "$H/crmd.log" &&
	ok "crmd logs the password change and the count" ||
	bad "no log line for the password change: $(cat "$H/crmd.log")"
if grep -q -e 'pw-li-2' -e 'pw-li-3' "$H/crmd.log"; then
	bad "a password reached crmd's log"
else ok "no password in crmd's log"; fi

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
