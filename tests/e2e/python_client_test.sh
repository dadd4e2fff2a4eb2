#!/usr/bin/env bash
# python_client_test.sh: the second-language client (tools/crm_client.py,
# Python with Debian's python3-protobuf and the system libnanomsg) against
# a real crmd in a temp folder: its demo logs in, lists due tasks, logs a
# follow-up, resends it with the same request id and must find exactly one
# record, then follows a poke to the change log. Run twice (the second
# run finds the customer the first one added); a wrong password fails.
# Usage: python_client_test.sh CRMD SOURCE-DIR
set -u
CRMD=${1:?crmd path}
SRC=${2:?source dir}
PY=/usr/bin/python3
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-py-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
URL=ipc://$H/crmd.ipc
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
client() {
	printf '%s\n' "$1" | timeout 30 "$PY" "$SRC/tools/crm_client.py" \
		--server "$URL" --login li --pb2-dir "$H/py" demo
}

printf 'pw-li\n' | "$CRMD" user add li --role rep --team east \
	--data "$H/db" >/dev/null || { echo "FAIL: crmd user add"; exit 1; }
"$CRMD" --data "$H/db" --listen "$URL" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do [ -S "$H/crmd.ipc" ] && break; sleep 0.1; done

for run in 1 2; do
	out=$(client pw-li 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	[ "$rc" -eq 0 ] && ok "demo run $run exits 0" || bad "demo run $run: exit $rc"
	printf '%s\n' "$out" | grep -q '^due: task [0-9]' \
		&& ok "run $run lists due tasks" || bad "run $run: no due task listed"
	printf '%s\n' "$out" | grep -qE '^follow-ups in the history: \[[0-9]+\]$' \
		&& ok "run $run: the resent log is one record" \
		|| bad "run $run: history does not hold exactly one record"
	printf '%s\n' "$out" | grep -q '^changed: CHANGE_FOLLOWUP' \
		&& ok "run $run: the change log names the follow-up" \
		|| bad "run $run: no follow-up in the change log"
	printf '%s\n' "$out" | grep -qE '^poke cursor: [0-9]+ ' \
		&& ok "run $run: the poke carries the change-log cursor" \
		|| bad "run $run: no cursor in the poke"
done
out=$(client wrong-pw 2>&1)
rc=$?
[ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q UNAUTHENTICATED \
	&& ok "a wrong password fails with UNAUTHENTICATED" \
	|| bad "wrong password: exit $rc: $out"

# Issue 17: a server whose (first) listen address is tcp also publishes
# pokes (at port + 1) and says where in Hello; the demo subscribes there
# and must get a poke carrying the cursor after its write.
kill -TERM "$PID"; wait "$PID" || bad "crmd (ipc) exit status"; PID=
PORT=$("$PY" -c 'import socket
for _ in range(50):
    a, b = socket.socket(), socket.socket()
    try:
        a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError: pass
    finally: a.close(); b.close()')
URL=tcp://127.0.0.1:$PORT
"$CRMD" --data "$H/db" --listen "$URL" 2>"$H/crmd-tcp.log" &
PID=$!
for _ in $(seq 100); do
	grep -q "listening on tcp" "$H/crmd-tcp.log" 2>/dev/null && break
	sleep 0.1
done
out=$(client pw-li 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
[ "$rc" -eq 0 ] && ok "demo over tcp exits 0" || bad "demo over tcp: exit $rc"
printf '%s\n' "$out" | grep -qF "pokes at tcp://127.0.0.1:$((PORT + 1))" \
	&& ok "hello over a tcp listen gives the PUB address (port + 1)" \
	|| bad "hello over tcp: no PUB address"
printf '%s\n' "$out" | grep -qE '^poke cursor: [0-9]+ ' \
	&& ok "over tcp the poke carries the change-log cursor" \
	|| bad "over tcp: no poke with a cursor"

[ "$fails" -eq 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" -eq 0 ]
