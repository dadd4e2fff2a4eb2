#!/usr/bin/env bash
# runtime_dir_test.sh (issue 13, defect 3): crm and crmd refuse a runtime
# or socket folder that is not the user's own or is open to others, and
# the session file is made private again with a warning. Runs as far as
# one uid allows; as root it also plays the other local user: a folder
# /tmp/crm-UID/crm made first by someone else, with a listener in it
# that records what a victim's `crm login` would send (on the old crm,
# the password).
# Usage: runtime_dir_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-rtdir-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
chmod 755 "$T"
export HOME=$T XDG_CONFIG_HOME=$T/config XDG_CACHE_HOME=$T/cache
export XDG_STATE_HOME=$T/state XDG_RUNTIME_DIR=$T/rt CRM_TIMEOUT_MS=3000
unset CRM_SERVER
PID= VUID= CATCHER=
fails=0
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID"
	[ -n "$CATCHER" ] && kill "$CATCHER" 2>/dev/null
	[ -n "$VUID" ] && rm -rf "/tmp/crm-$VUID"
	rm -rf "$T"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
# run CMD...: its exit status in code, stdout+stderr in out.
run() { out=$("$@" 2>&1); code=$?; }
expect() { # DESC CODE NEEDLE
	if [ "$code" -eq "$2" ] && [[ $out == *"$3"* ]]; then ok "$1"
	else bad "$1 (exit $code, want $2 and '$3'): $out"; fi
}
start_crmd() { # start crmd on its default address; 0 when it answers
	"$CRMD" --data "$T/db" 2>>"$T/crmd.log" &
	PID=$!
	for _ in $(seq 50); do
		[ -S "$T/rt/crm/crmd.ipc" ] && return 0
		kill -0 "$PID" 2>/dev/null || { wait "$PID"; PID=; return 1; }
		sleep 0.1
	done
	return 1
}
stop_crmd() { kill -TERM "$PID"; wait "$PID"; PID=; }

printf 'pw-boss\n' | "$CRMD" user add boss --role admin --data "$T/db" \
	>/dev/null || { echo "FAIL: crmd user add"; exit 1; }
mkdir -m 700 "$T/rt"

# -- crmd: the runtime folder must be 0700 and the user's own.
mkdir -m 777 "$T/rt/crm"
run timeout 5 "$CRMD" --data "$T/db"
expect "crmd refuses a runtime folder open to all (0777)" 1 \
	"is open to others (mode 0777; want 0700)"
chmod 755 "$T/rt/crm"
run timeout 5 "$CRMD" --data "$T/db"
expect "crmd refuses a runtime folder others can read (0755)" 1 \
	"is open to others (mode 0755; want 0700)"
chmod 700 "$T/rt/crm"
start_crmd && ok "crmd starts in a 0700 runtime folder" ||
	bad "crmd did not start: $(cat "$T/crmd.log")"
run sh -c "printf 'pw-boss\n' | '$CRM' login boss"
expect "crm logs in through it" 0 "logged in as boss"

# -- crm: checks the folder before it sends anything.
chmod 755 "$T/rt/crm"
run sh -c "printf 'pw-boss\n' | '$CRM' login boss"
expect "crm will not send a login into a folder others can read" 1 \
	"is open to others (mode 0755; want 0700)"
chmod 700 "$T/rt/crm"

# -- the session file: readable by others is repaired, with a warning.
chmod 644 "$XDG_CONFIG_HOME/crm/session"
run "$CRM" -c whoami
expect "a session file others can read is used after a warning" 0 \
	"was open to others (mode 0644); made it 0600"
[ "$(stat -c %a "$XDG_CONFIG_HOME/crm/session")" = 600 ] &&
	ok "and it is 0600 again" || bad "session file mode not repaired"
chmod 666 "$XDG_CONFIG_HOME/crm/session"
run "$CRM" -c whoami
expect "a session file others can write is refused, not repaired" 1 \
	"others can write it (mode 0666)"
[[ $out == *"Log in again"* ]] && ok "and the shell asks to log in again" ||
	bad "no 'log in again' for a writable session file: $out"
[ ! -e "$XDG_CONFIG_HOME/crm/session" ] && ok "the planted session file is removed" ||
	bad "a session file others can write is kept"
run sh -c "printf 'pw-boss\n' | '$CRM' login boss"
expect "logging in again works" 0 "logged in as boss"
chmod 777 "$XDG_CONFIG_HOME/crm"
run "$CRM" -c whoami
expect "a session folder others can write is not used" 1 \
	"not using the session in it"
run sh -c "printf 'pw-boss\n' | '$CRM' login boss"
expect "a login whose session cannot be saved exits 1" 1 \
	"cannot save the session"
chmod 700 "$XDG_CONFIG_HOME/crm"

# -- a socket folder given by URL: the user's own, no write for others.
mkdir -m 777 "$T/shared"
run timeout 5 "$CRMD" --data "$T/db2" --listen "ipc://$T/shared/s"
expect "crmd refuses a socket folder anyone can write" 1 \
	"is open to others (mode 0777"
run env CRM_SERVER="ipc://$T/shared/s" "$CRM" -c whoami
expect "so does crm" 1 "is open to others (mode 0777"
# A shared sticky folder (/tmp): said before the data folder is even
# opened (crmd used to say it only after a schema upgrade), and with
# advice that fits it (not "chmod go-w /tmp").
mkdir -m 1777 "$T/sticky"
chmod 1777 "$T/sticky"
run timeout 5 "$CRMD" --data "$T/db3" --listen "ipc://$T/sticky/s"
expect "crmd refuses a socket straight in a sticky shared folder" 1 \
	"$T/sticky is shared with others (mode 1777): use a folder of your own (mode 0700)"
[ -e "$T/db3" ] && bad "crmd opened $T/db3 before refusing the address" ||
	ok "and before it opened (or upgraded) the data folder"
chmod 755 "$T/shared"
run env CRM_SERVER="ipc://$T/shared/s" CRM_TIMEOUT_MS=300 "$CRM" -c whoami
[[ $out != *"open to others"* ]] &&
	ok "a socket folder others can only read is accepted" ||
	bad "0755 socket folder refused: $out"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok   - # SKIP the other-owner cases need root (chown)"
	[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
	exit $((fails > 0))
fi

# -- owner: a 0700 folder of someone else's is refused too.
chown nobody "$T/rt/crm"
run "$CRM" -c whoami
expect "crm refuses a runtime folder owned by another user" 1 \
	"belongs to uid $(id -u nobody), not to you"
stop_crmd
run timeout 5 "$CRMD" --data "$T/db"
expect "and crmd too" 1 "belongs to uid $(id -u nobody), not to you"
chown root "$T/rt/crm"
chown nobody "$XDG_CONFIG_HOME/crm"
run "$CRM" -c whoami
expect "a session folder of another user names XDG_CONFIG_HOME" 1 \
	"set XDG_CONFIG_HOME to a folder of your own"
[[ $out == *XDG_RUNTIME_DIR* ]] && bad "the session folder advice names XDG_RUNTIME_DIR: $out" ||
	ok "and not XDG_RUNTIME_DIR"
chown root "$XDG_CONFIG_HOME/crm"

# -- the attack of the issue: XDG_RUNTIME_DIR unset, and another user
# (root here) made /tmp/crm-UID/crm first and listens in it.
VUID=$((61000 + $$ % 1000))
rm -rf "/tmp/crm-$VUID"
mkdir -m 777 "/tmp/crm-$VUID" "/tmp/crm-$VUID/crm"
python3 "$(dirname "$0")/catch_listener.py" "/tmp/crm-$VUID/crm/crmd.ipc" \
	"$T/caught" 8 &
CATCHER=$!
for _ in $(seq 30); do [ -S "/tmp/crm-$VUID/crm/crmd.ipc" ] && break; sleep 0.1; done
mkdir -m 700 "$T/victim"
chown "$VUID:$VUID" "$T/victim"
victim() {
	env -u XDG_RUNTIME_DIR HOME="$T/victim" XDG_CONFIG_HOME="$T/victim/c" \
		XDG_CACHE_HOME="$T/victim/k" XDG_STATE_HOME="$T/victim/s" \
		CRM_TIMEOUT_MS=1000 \
		setpriv --reuid="$VUID" --regid="$VUID" --clear-groups "$@"
}
run victim sh -c "printf 'victim-secret-pw\n' | '$CRM' login boss"
expect "with XDG_RUNTIME_DIR unset, crm refuses /tmp/crm-UID/crm made by another user" \
	1 "belongs to uid 0, not to you (uid $VUID)"
sleep 0.6
if [ -s "$T/caught" ] && grep -q victim-secret-pw "$T/caught"; then
	bad "the other user's listener caught the password"
else ok "the other user's listener caught nothing"; fi
run victim timeout 5 "$CRMD" --data "$T/victim/db"
expect "crmd refuses it too" 1 "belongs to uid 0, not to you"
kill "$CATCHER" 2>/dev/null; wait "$CATCHER" 2>/dev/null; CATCHER=

# A folder of the victim's own, but open (0777 from a careless umask).
rm -rf "/tmp/crm-$VUID"
victim mkdir -m 700 "/tmp/crm-$VUID"
victim mkdir -m 777 "/tmp/crm-$VUID/crm"
victim chmod 777 "/tmp/crm-$VUID/crm"
run victim "$CRM" -c whoami
expect "crm refuses its own /tmp/crm-UID/crm when it is 0777" 1 \
	"is open to others (mode 0777; want 0700)"
victim chmod 700 "/tmp/crm-$VUID/crm"
victim chmod 755 "/tmp/crm-$VUID"
run victim "$CRM" -c whoami
expect "and /tmp/crm-UID itself must be 0700 as well" 1 \
	"/tmp/crm-$VUID is open to others (mode 0755; want 0700)"
victim rm -rf "/tmp/crm-$VUID/crm"
run victim "$CRM" -c whoami
expect "a bad /tmp/crm-UID with no crm folder in it is named" 1 \
	"/tmp/crm-$VUID is open to others (mode 0755; want 0700)"

# Another user made /tmp/crm-UID first, closed (0700): the victim cannot
# even look inside, and is told whose it is (it was "Permission denied").
rm -rf "/tmp/crm-$VUID"
mkdir -m 700 "/tmp/crm-$VUID"
chown nobody "/tmp/crm-$VUID"
run victim "$CRM" -c whoami
expect "crm names the owner of a closed /tmp/crm-UID" 1 \
	"/tmp/crm-$VUID belongs to uid $(id -u nobody), not to you (uid $VUID)"
run victim timeout 5 "$CRMD" --data "$T/victim/db2"
expect "and so does crmd" 1 \
	"/tmp/crm-$VUID belongs to uid $(id -u nobody), not to you (uid $VUID)"
# A link another user made in its place is refused whatever it points
# at (it could be pointed elsewhere between the check and the use).
rm -rf "/tmp/crm-$VUID"
victim mkdir -m 700 "$T/victim/rt"
ln -s "$T/victim/rt" "/tmp/crm-$VUID"
chown -h nobody "/tmp/crm-$VUID"
run victim timeout 5 "$CRMD" --data "$T/victim/db2"
expect "crmd refuses /tmp/crm-UID as another user's link" 1 \
	"/tmp/crm-$VUID is a symbolic link of uid $(id -u nobody), not yours"
run victim "$CRM" -c whoami
expect "so does crm" 1 "is a symbolic link of uid $(id -u nobody), not yours"
rm -f "/tmp/crm-$VUID"

# -- a relative XDG_RUNTIME_DIR: ignored by both (the XDG spec), said,
#    and the same default address for both (crm used the relative path
#    and refused it as a bad URL; crmd went to /tmp/crm-UID silently)
run env XDG_RUNTIME_DIR=rel "$CRM" --help
expect "crm says a relative XDG_RUNTIME_DIR is ignored" 0 \
	"XDG_RUNTIME_DIR=rel is not an absolute path: ignored"
[[ $out == *"else ipc:///tmp/crm-$(id -u)/crm/crmd.ipc"* ]] &&
	ok "and its default address is crmd's (/tmp/crm-UID)" ||
	bad "crm's default with a relative XDG_RUNTIME_DIR: $out"
run env XDG_RUNTIME_DIR=rel timeout 1 "$CRMD" --data "$T/db-rel" --listen "ipc://$T/rt/rel.ipc"
expect "crmd says so too" 124 "XDG_RUNTIME_DIR=rel is not an absolute path: ignored"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
