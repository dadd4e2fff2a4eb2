#!/usr/bin/env bash
# listen_address_test.sh: crmd's --listen and --pub addresses, as an
# admin types them (found by a fresh-eyes deployment). A path that holds
# something other than a socket is refused, not removed (nanomsg removes
# what is at the path before it binds: `--listen ipc://DB/data.mdb`
# deleted the database); paths a unix socket cannot hold, a folder, a
# relative path, schemes crmd does not serve, bad ports and host names
# are refused before the data folder is made, with a reason, and never
# by an abort in nanomsg; crm refuses a relative path too, and a socket
# it may not reach is said at once, not after its 10 s timeout.
# Usage: listen_address_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
T=$(mktemp -d "${TMPDIR:-/tmp}/crm-listen-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
chmod 755 "$T"
export HOME=$T XDG_CONFIG_HOME=$T/config XDG_CACHE_HOME=$T/cache
export XDG_STATE_HOME=$T/state XDG_RUNTIME_DIR=$T/rt CRM_TIMEOUT_MS=3000
unset CRM_SERVER
PID=
fails=0
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID"
	rm -rf "$T"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
run() { out=$("$@" 2>&1); code=$?; }
expect() { # DESC CODE NEEDLE
	if [ "$code" -eq "$2" ] && [[ $out == *"$3"* ]]; then ok "$1"
	else bad "$1 (exit $code, want $2 and '$3'): $out"; fi
}
untouched() { # DESC DATA-FOLDER
	[ ! -e "$2" ] && ok "$1: no data folder made" || bad "$1: $2 was made"
}

printf 'pw-boss-1\n' | "$CRMD" user add boss --role admin --data "$T/db" \
	>/dev/null 2>&1 || bad "user add"
mkdir -m 700 "$T/s"

# -- a path that is not a socket is refused and left as it is.
sum=$(cksum <"$T/db/data.mdb")
run timeout 10 "$CRMD" --data "$T/db" --listen "ipc://$T/db/data.mdb"
expect "crmd refuses to listen on its own data.mdb" 1 \
	"$T/db/data.mdb is a file, not a socket, and binding would remove it"
[ -f "$T/db/data.mdb" ] && [ "$(cksum <"$T/db/data.mdb")" = "$sum" ] &&
	ok "and the database is still there, unchanged" ||
	bad "data.mdb was removed or changed"
echo notes >"$T/s/x.pub"
run timeout 10 "$CRMD" --data "$T/db" --listen "ipc://$T/s/x"
expect "the implied PUB path (x.pub) is checked as well" 1 \
	"$T/s/x.pub is a file, not a socket"
[ "$(cat "$T/s/x.pub" 2>/dev/null)" = notes ] && ok "and x.pub is kept" ||
	bad "x.pub was removed"
mkdir "$T/s/adir"
run timeout 10 "$CRMD" --data "$T/d1" --listen "ipc://$T/s/adir"
expect "a folder is refused (nanomsg aborted on it)" 1 "is a folder, not a socket"
untouched "a folder" "$T/d1"
ln -s "$T/db/data.mdb" "$T/s/link"
run timeout 10 "$CRMD" --data "$T/d1" --listen "ipc://$T/s/link"
expect "a symbolic link is refused" 1 "is a symbolic link, not a socket"

# -- addresses refused before anything is made, exit 2.
long="ipc://$T/s/$(printf 'x%.0s' $(seq 120))"
for bad_url in "ipc:///" "ipc://$T/s/" "ipc://relative.ipc" "$long" \
	"ws://127.0.0.1:47070" "inproc://x" "tcp://127.0.0.1:0" \
	"tcp://127.0.0.1:99999" "tcp://127.0.0.1:abc" "tcp://127.0.0.1:" \
	"tcp://127.0.0.1:47070/path"; do
	run timeout 10 "$CRMD" --data "$T/d2" --listen "$bad_url"
	expect "crmd refuses $bad_url" 2 "crmd: bad address"
	[[ $out != *Assertion* && $out != *"Is a directory"* ]] ||
		bad "nanomsg aborted on $bad_url: $out"
done
untouched "bad addresses" "$T/d2"
run timeout 10 "$CRMD" --data "$T/d2" --listen "ipc://relative.ipc"
expect "a relative path is named as such" 2 "the socket's path must be absolute"
run timeout 10 "$CRMD" --data "$T/d2" --listen "$long"
expect "so is a path too long for a unix socket" 2 "too long"
run timeout 10 "$CRMD" --data "$T/d2" --listen "tcp://localhost:47070"
expect "a host name gets the numeric address to use" 2 \
	"give tcp://127.0.0.1:PORT"
run timeout 10 "$CRMD" --data "$T/d2" --listen "ipc://$T/s/$(printf 'y%.0s' $(seq 100))"
expect "a path whose .pub beside it is too long is refused too" 2 "too long"
untouched "host names and long .pub paths" "$T/d2"
run timeout 10 "$CRMD" --data "$T/d2" --allow-remote --listen "tcp://localhost:47070"
expect "a host name is refused with --allow-remote too (nanomsg failed on it after the data folder was made)" 2 \
	"crmd binds numeric IPv4 addresses"
# --allow-remote with no address beyond loopback: said, not silent (an
# operator who meant a tcp listen learns it did not happen)
run timeout 1 "$CRMD" --data "$T/d-ar" --allow-remote --listen "ipc://$T/s/ar.ipc"
expect "--allow-remote with only an ipc listen says it changes nothing" 124 \
	"--allow-remote changes nothing"
run timeout 10 "$CRMD" --data "$T/d2" --listen "tcp://127.0.0.1:47070" \
	--listen "tcp://127.0.0.1:47070"
expect "the same listen twice is refused" 2 "tcp://127.0.0.1:47070 is given twice"
run timeout 10 "$CRMD" --data "$T/d2" --listen "tcp://127.0.0.1:47070" \
	--pub "tcp://127.0.0.1:47070"
expect "a --pub that is a listen is refused" 2 "is given twice (--pub"
run timeout 10 "$CRMD" --data "$T/d2" --listen "http://127.0.0.1:47070"
[[ $out != *"change pokes"* ]] && ok "a bad listen says nothing of change pokes first" ||
	bad "a PUB warning before the real error: $out"
untouched "duplicates" "$T/d2"

# -- a port in use is said before the data folder is made (it was said
# only after the database was opened, and upgraded).
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(20)' >"$T/port" &
HOLD=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
run timeout 10 "$CRMD" --data "$T/d3" --listen "tcp://127.0.0.1:$port"
expect "a port in use is refused" 1 "cannot listen on tcp://127.0.0.1:$port: Address already in use"
untouched "a port in use" "$T/d3"
run timeout 10 "$CRMD" --data "$T/d3" --listen "ipc://$T/s/p.ipc" \
	--pub "tcp://127.0.0.1:$port"
expect "a PUB port in use is named as the PUB address" 1 \
	"cannot publish change pokes on tcp://127.0.0.1:$port: Address already in use (the PUB address"
untouched "a PUB port in use" "$T/d3"
kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null

# -- crm: a relative path is refused as well.
run env CRM_SERVER=ipc://relative.ipc "$CRM" -c whoami
expect "crm refuses a relative socket path" 2 "must be absolute"

# -- a good address still works; the PUB socket is named in the log;
# what crmd makes is its user's alone, whatever its umask.
(umask 000 && exec "$CRMD" --data "$T/db" --listen "ipc://$T/s/crmd.ipc") \
	2>"$T/crmd.log" &
PID=$!
for _ in $(seq 50); do [ -S "$T/s/crmd.ipc" ] && break; sleep 0.1; done
export CRM_SERVER=ipc://$T/s/crmd.ipc
run sh -c "printf 'pw-boss-1\n' | '$CRM' login boss"
expect "crm logs in over a good ipc address" 0 ""
run "$CRM" -c whoami
expect "and works" 0 "boss"
mode=$(stat -c %a "$T/s/crmd.ipc")
[ $((0$mode & 077)) -eq 0 ] && ok "the socket is mode $mode under umask 000" ||
	bad "the socket is mode $mode under umask 000"
grep -q "publishing change pokes on ipc://$T/s/crmd.ipc.pub" "$T/crmd.log" &&
	ok "the log names the PUB address as such" ||
	bad "PUB line: $(cat "$T/crmd.log")"

# -- the session's token goes only to the server that gave it: a
# listener someone put on a port (crmd down, or a typo) gets nothing.
python3 "$(dirname "$0")/catch_listener.py" "tcp:$T/cport" "$T/caught" 30 &
CATCH=$!
for _ in $(seq 50); do [ -s "$T/cport" ] && break; sleep 0.1; done
token=$(head -1 "$XDG_CONFIG_HOME/crm/session")
run env CRM_TIMEOUT_MS=1000 "$CRM" --server "tcp://127.0.0.1:$(cat "$T/cport")" -c whoami
[ "$code" -ne 0 ] && ok "crm gets no answer there (exit $code)" ||
	bad "whoami on the other port: $out"
sleep 0.6
python3 -c 'import sys; d=open(sys.argv[1],"rb").read() if __import__("os").path.exists(sys.argv[1]) else b""; sys.exit(bytes.fromhex(sys.argv[2]) in d)' \
	"$T/caught" "$token" && ok "and the listener received no token" ||
	bad "the listener received the session token"
# A session file of an older crm (the token alone) names no server: not
# used (bound to whatever answered first, a listener on a port would
# have received it), the rep logs in again.
printf '%s\n' "$token" >"$XDG_CONFIG_HOME/crm/session"
run env CRM_TIMEOUT_MS=1000 "$CRM" --server "tcp://127.0.0.1:$(cat "$T/cport")" -c whoami
[ "$code" -ne 0 ] || bad "whoami with an older session file on the other port: $out"
run "$CRM" -c whoami
expect "an older session file is not used, and crm says why" 1 \
	"hint: your session file names no server (an older crm's): log in again with: login USER"
herr=$("$CRM" -c help 2>&1 >/dev/null)
[[ $herr != *"session"* ]] && ok "help says nothing of sessions" ||
	bad "help spoke of the session: $herr"
run sh -c "printf 'pw-boss-1\n' | '$CRM' login boss"
expect "the rep logs in again" 0 "logged in as boss"
# logout on another address ends nothing and keeps the session; a login
# there says, before the password, which session it replaces.
run "$CRM" --server "tcp://127.0.0.1:$(cat "$T/cport")" -c logout
expect "logout on another address is refused" 1 \
	"your session is for ipc://$T/s/crmd.ipc, not tcp://127.0.0.1:$(cat "$T/cport"): nothing to log out here"
run "$CRM" -c whoami
expect "and the session goes on" 0 "boss"
run sh -c "printf 'x\n' | CRM_TIMEOUT_MS=500 '$CRM' --server tcp://127.0.0.1:$(cat "$T/cport") login boss"
[[ $out == *"logging in here replaces your session for ipc://$T/s/crmd.ipc"* ]] &&
	ok "a login elsewhere says which session it replaces" ||
	bad "no word of the replaced session: $out"
kill "$CATCH" 2>/dev/null; wait "$CATCH" 2>/dev/null
python3 -c 'import os,sys; d=open(sys.argv[1],"rb").read() if os.path.exists(sys.argv[1]) else b""; sys.exit(bytes.fromhex(sys.argv[2]) in d)' \
	"$T/caught" "$token" && ok "and no listener ever received the token" ||
	bad "the listener received the session token"

# -- ssh://: the tunnel's local port taken by another process before ssh
# binds it (ssh binds its forwards only after it logs in, and its
# command line, with the port, is in /proc for all to read): crm sends
# nothing there. The stand-in ssh lets a listener of its own take the
# request port, as another user would.
cat >"$T/fakessh" <<EOF
#!/bin/sh
prev=
for a; do
	if [ "\$prev" = -L ]; then port=\${a#127.0.0.1:}; port=\${port%%:*}; break; fi
	prev=\$a
done
(python3 "$(dirname "$0")/catch_listener.py" "port:\$port" "$T/caught-ssh" 8 &)
sleep 8
EOF
chmod +x "$T/fakessh"
(umask 077 && printf '%s\nssh://x@example.invalid/7070\n' "$token" >"$XDG_CONFIG_HOME/crm/session")
run env CRM_SSH="$T/fakessh" CRM_TIMEOUT_MS=5000 "$CRM" \
	--server ssh://x@example.invalid/7070 -c whoami
expect "crm will not use a tunnel port held by another process" 1 \
	"is held by another process, not this crm's ssh to example.invalid"
sleep 0.5
python3 -c 'import os,sys; d=open(sys.argv[1],"rb").read() if os.path.exists(sys.argv[1]) else b""; sys.exit(bytes.fromhex(sys.argv[2]) in d)' \
	"$T/caught-ssh" "$token" && ok "and that process received no token" ||
	bad "the process on the tunnel's port received the session token"
pkill -f "$T/caught-ssh" 2>/dev/null
printf 'pw-boss-1\n' | "$CRM" login boss >/dev/null 2>&1 || bad "login again"

# -- a second crmd on a socket where one answers: said before its data
# folder is made.
run timeout 10 "$CRMD" --data "$T/d4" --listen "ipc://$T/s/crmd.ipc"
expect "a socket another crmd serves is refused" 1 \
	"a process listens there already (another crmd?)"
untouched "a socket in use" "$T/d4"

# -- a socket this user may not reach: said at once.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 711 "$T"
	start=$(date +%s%N)
	run env CRM_TIMEOUT_MS=10000 setpriv --reuid=nobody --regid=nogroup \
		--clear-groups env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent \
		"$CRM" -c whoami
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "another user's crm is told the socket is not open to it" 1 \
		"permission denied (crmd's socket is not open to this user"
	[ "$ms" -lt 5000 ] && ok "at once, not after the 10 s timeout" ||
		bad "it took $ms ms"
	# A socket another user left in a folder of ours (open once):
	# crm would have sent it the session token.
	mkdir -m 755 "$T/open"
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
		"$T/open/crmd.ipc"
	chown nobody "$T/open/crmd.ipc"
	run env CRM_SERVER="ipc://$T/open/crmd.ipc" "$CRM" -c whoami
	expect "crm refuses a socket that is not its folder's owner's" 1 \
		"the socket $T/open/crmd.ipc belongs to uid $(id -u nobody), not to its folder's owner"
	# A link another user made, pointing at a folder of ours now: it
	# can be pointed elsewhere between the check and the use.
	mkdir -m 700 "$T/mine"
	ln -s "$T/mine" "$T/open/link"
	chown -h nobody "$T/open/link"
	run env CRM_SERVER="ipc://$T/open/link/crmd.ipc" "$CRM" -c whoami
	expect "crm refuses a socket folder that is another user's link" 1 \
		"$T/open/link is a symbolic link of uid $(id -u nobody), not yours"
	run timeout 10 "$CRMD" --data "$T/d5" --listen "ipc://$T/open/link/crmd.ipc"
	expect "and so does crmd" 1 "is a symbolic link of uid $(id -u nobody)"
else
	echo "ok   - # SKIP the other-user case needs root"
fi

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
