#!/usr/bin/env bash
# log_cancel_tmux_test.sh: Ctrl-C in the step-by-step `log` (issue 13,
# defect 6) cancels with nothing sent, in the interactive shell and in
# `crm -c`; a later Ctrl-D log is not reported as an error; a follow-up
# finished with Ctrl-D after a Ctrl-C elsewhere is saved once and said so.
# The interactive crm runs in a private tmux server. Bounded: every wait
# polls at most 10 s.
# Usage: log_cancel_tmux_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
if ! command -v tmux >/dev/null 2>&1; then
	echo "FAIL: tmux is not installed (apt-get install tmux)"
	exit 1
fi
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-cancel-XXXXXX")
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=5000
export CRM_HISTFILE=$H/history TMUX_TMPDIR=$H LC_ALL=C.UTF-8
unset XDG_RUNTIME_DIR TMUX TMUX_PANE
SOCK=crm-cancel-$$
PID=
fails=0
tm() { tmux -L "$SOCK" "$@"; }
cleanup() {
	tm kill-server >/dev/null 2>&1
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" || { echo "FAIL: crmd exit"; fails=$((fails + 1)); }
	fi
	rm -rf "$H"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
screen() { tm capture-pane -p -S -200 -t "$1" 2>/dev/null; }
wait_for() { # WINDOW DESC TEXT
	for _ in $(seq 100); do
		screen "$1" | grep -qF -- "$3" && { ok "$2"; return 0; }
		sleep 0.1
	done
	bad "$2: '$3' not on screen:"; screen "$1" | sed 's/^/    | /'
	return 1
}
count() { # SUMMARY: follow-ups with it, as li
	"$CRM" --format json -c 'customer history 华东机电有限公司' 2>/dev/null |
		python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps(d, ensure_ascii=False).count('$1'))"
}

printf 'pw1\n' | "$CRMD" user add boss --role admin --data "$H/db" >/dev/null
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do
	printf 'x\n' | "$CRM" login nobody >/dev/null 2>&1; [ $? -eq 1 ] && break
	sleep 0.1
done
printf 'pw1\n' | "$CRM" login boss >/dev/null || bad "admin logs in"
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "add li"
"$CRM" -c 'customer add 华东机电有限公司 --owner li --grade B' >/dev/null || bad "add customer"
printf 'pw2\n' | "$CRM" login li >/dev/null || bad "li logs in"
ENV="env HOME='$H' XDG_CONFIG_HOME='$H/config' XDG_CACHE_HOME='$H/cache' XDG_STATE_HOME='$H/state' CRM_SERVER='$CRM_SERVER' CRM_HISTFILE='$H/history' LC_ALL=C.UTF-8"

# -- the interactive shell: Ctrl-C at the second question
tm -u new-session -d -s sh -x 150 -y 40 "$ENV '$CRM'; sleep 30" || { bad "tmux"; exit 1; }
wait_for sh "the shell shows li's prompt" "crm li>" || exit 1
tm send-keys -t sh -l 'log 华东机电有限公司'
tm send-keys -t sh Enter
wait_for sh "log asks for the summary" "summary:" || exit 1
tm send-keys -t sh -l '取消的记录'
tm send-keys -t sh Enter
wait_for sh "then for the channel" "channel (" || exit 1
tm send-keys -t sh C-c
wait_for sh "Ctrl-C cancels the questions" "cancelled; nothing logged" || exit 1
sleep 0.3
[ "$(count 取消的记录)" = 0 ] && ok "nothing was sent" || bad "a cancelled log was saved"

# -- then a complete one ended with Ctrl-D: saved once, no error
tm send-keys -t sh -l 'log 华东机电有限公司'
tm send-keys -t sh Enter
for _ in $(seq 100); do [ "$(screen sh | grep -c 'summary:')" -ge 2 ] && break; sleep 0.1; done
tm send-keys -t sh -l '完成的记录'
tm send-keys -t sh Enter
for _ in $(seq 100); do [ "$(screen sh | grep -c 'channel (')" -ge 2 ] && break; sleep 0.1; done
tm send-keys -t sh C-d
wait_for sh "Ctrl-D ends the questions and logs it" "followup" || exit 1
sleep 0.3
after=$(screen sh | sed -n '/完成的记录/,$p')
grep -q 'interrupted\|error:' <<<"$after" && bad "an error was printed: $after" || ok "no error after Ctrl-D"
[ "$(count 完成的记录)" = 1 ] && ok "saved once" || bad "saved $(count 完成的记录) times"
tm send-keys -t sh C-d

# -- crm -c on a terminal: Ctrl-C at a question ends with nothing sent
tm -u new-session -d -s c -x 150 -y 40 "$ENV '$CRM' -c 'log 华东机电有限公司'; echo EXIT=\$?; sleep 30" || { bad "tmux -c"; exit 1; }
wait_for c "crm -c log asks for the summary" "summary:" || exit 1
tm send-keys -t c -l '命令行取消'
tm send-keys -t c Enter
wait_for c "and for the channel" "channel (" || exit 1
tm send-keys -t c C-c
wait_for c "crm -c: Ctrl-C cancels" "cancelled; nothing logged" || exit 1
wait_for c "and exits 1" "EXIT=1" || exit 1
[ "$(count 命令行取消)" = 0 ] && ok "nothing was sent" || bad "crm -c cancelled log saved"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
