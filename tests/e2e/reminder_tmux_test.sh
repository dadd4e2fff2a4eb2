#!/usr/bin/env bash
# reminder_tmux_test.sh: a live reminder arriving while a half-typed line
# (with Chinese characters) is on screen leaves that line intact. A real
# crmd in a temp folder; the interactive crm shell runs in a private tmux
# server (its own socket under the temp folder); a second crm, as the same
# rep, adds a task due in 5 minutes; the server pokes, the shell fetches
# its reminders and prints one above the prompt. Bounded: every wait polls
# at most 10 s.
# Usage: reminder_tmux_test.sh CRMD CRM   (ctest passes the built binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
if ! command -v tmux >/dev/null 2>&1; then
	echo "FAIL: tmux is not installed; this test drives the shell in" \
		"tmux (apt-get install tmux)"
	exit 1
fi
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-remind-XXXXXX")
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=5000
export CRM_HISTFILE=$H/history TMUX_TMPDIR=$H LC_ALL=C.UTF-8
unset XDG_RUNTIME_DIR TMUX TMUX_PANE
SOCK=crm-remind-$$
PID=
fails=0
tm() { tmux -L "$SOCK" "$@"; }
cleanup() {
	tm kill-server >/dev/null 2>&1
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "FAIL: crmd exited with $rc"; cat "$H/crmd.log"
			fails=$((fails + 1))
		fi
	fi
	rm -rf "$H"
}
trap cleanup EXIT

ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
screen() { tm capture-pane -p -t crm 2>/dev/null; }
# The last non-empty line of the screen, trailing blanks removed.
last_line() { screen | sed 's/[[:space:]]*$//' | grep -v '^$' | tail -1; }
# wait_for DESC FIXED-TEXT: poll the screen until it shows the text.
wait_for() {
	for _ in $(seq 100); do
		screen | grep -qF -- "$2" && { ok "$1"; return 0; }
		sleep 0.1
	done
	bad "$1: '$2' not on screen:"; screen | sed 's/^/    | /'
	return 1
}

printf 'pw1\n' | "$CRMD" user add boss --role admin --data "$H/db" >/dev/null \
	|| { echo "FAIL: crmd user add"; exit 1; }
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do
	printf 'x\n' | "$CRM" login nobody >/dev/null 2>&1; [ $? -eq 1 ] && break
	sleep 0.1
done

printf 'pw1\n' | "$CRM" login boss >/dev/null || bad "admin logs in"
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null \
	|| bad "admin adds rep li"
"$CRM" -c 'customer add 华东机电有限公司 --owner li --grade B' >/dev/null \
	|| bad "admin adds li's customer"
printf 'pw2\n' | "$CRM" login li >/dev/null || bad "li logs in"

# The interactive shell as li, in a 120x30 terminal.
tm -u new-session -d -s crm -x 120 -y 30 \
	"env HOME='$H' XDG_CONFIG_HOME='$H/config' XDG_CACHE_HOME='$H/cache' \
	XDG_STATE_HOME='$H/state' CRM_SERVER='$CRM_SERVER' \
	CRM_HISTFILE='$H/history' LC_ALL=C.UTF-8 '$CRM'; sleep 30" \
	|| { bad "tmux starts the shell"; exit 1; }
wait_for "the shell shows li's prompt" "crm li>" || exit 1
sleep 0.5 # the first reminder fetch after start is done by now

HALF='customer find 华东机'
tm send-keys -t crm -l "$HALF"
wait_for "the half-typed line is on screen" "crm li> $HALF" || exit 1

"$CRM" -c 'task add 华东机电有限公司 +5m "回电确认报价"' >"$H/out" 2>&1 \
	&& ok "a second crm adds a task due in 5 minutes" \
	|| bad "task add: $(cat "$H/out")"
wait_for "the reminder appears in the shell" "回电确认报价" || exit 1
screen | grep -F "回电确认报价" | grep -qF "⏰ task" \
	&& ok "it reads as a task reminder" \
	|| bad "reminder line: $(screen | grep -F 回电确认报价)"
sleep 0.3
got=$(last_line)
[ "$got" = "crm li> $HALF" ] && ok "the prompt and half-typed line are intact" \
	|| bad "last line is '$got', want 'crm li> $HALF'"
n=$(screen | grep -cF "回电确认报价")
[ "$n" -eq 1 ] && ok "the reminder is printed once" || bad "printed $n times"

# The line is intact in readline's buffer too, not just on screen.
tm send-keys -t crm -l '电'
tm send-keys -t crm Enter
for _ in $(seq 100); do
	screen | grep -qE '^1 +华东机电有限公司' && break
	sleep 0.1
done
screen | grep -qE '^1 +华东机电有限公司' \
	&& ok "finishing the line runs it: customer find finds the customer" \
	|| { bad "customer find after the reminder:"; screen | sed 's/^/    | /'; }

tm send-keys -t crm C-d
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
