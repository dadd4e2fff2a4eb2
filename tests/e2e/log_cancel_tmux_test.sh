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
. "$(dirname "$0")/lib.sh"
e2e_home cancel
e2e_tmux cancel
count() { # SUMMARY: follow-ups with it, as li
	"$CRM" --format json -c 'customer history 华东机电有限公司' 2>/dev/null |
		python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps(d, ensure_ascii=False).count('$1'))"
}

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "add li"
"$CRM" -c 'customer add 华东机电有限公司 --owner li --grade B' >/dev/null || bad "add customer"
e2e_login li pw2

# -- the interactive shell: Ctrl-C at the second question
pane_start sh 150 40 "'$CRM'" || { bad "tmux"; exit 1; }
wait_for sh "the shell shows li's prompt" "crm li>" || exit 1
send_line sh 'log 华东机电有限公司'
wait_for sh "log asks for the summary" "summary:" || exit 1
send_line sh '取消的记录'
wait_for sh "then for the channel" "channel (" || exit 1
tm send-keys -t sh C-c
wait_for sh "Ctrl-C cancels the questions" "cancelled; nothing logged" || exit 1
sleep 0.3
[ "$(count 取消的记录)" = 0 ] && ok "nothing was sent" || bad "a cancelled log was saved"

# -- then a complete one ended with Ctrl-D: saved once, no error
send_line sh 'log 华东机电有限公司'
for _ in $(seq 100); do [ "$(screen sh | grep -c 'summary:')" -ge 2 ] && break; sleep 0.1; done
send_line sh '完成的记录'
for _ in $(seq 100); do [ "$(screen sh | grep -c 'channel (')" -ge 2 ] && break; sleep 0.1; done
tm send-keys -t sh C-d
wait_for sh "Ctrl-D ends the questions and logs it" "followup" || exit 1
sleep 0.3
after=$(screen sh | sed -n '/完成的记录/,$p')
grep -q 'interrupted\|error:' <<<"$after" && bad "an error was printed: $after" || ok "no error after Ctrl-D"
[ "$(count 完成的记录)" = 1 ] && ok "saved once" || bad "saved $(count 完成的记录) times"
tm send-keys -t sh C-d

# -- crm -c on a terminal: Ctrl-C at a question ends with nothing sent
pane_start c 150 40 "'$CRM' -c 'log 华东机电有限公司'; echo EXIT=\$?" || { bad "tmux -c"; exit 1; }
wait_for c "crm -c log asks for the summary" "summary:" || exit 1
send_line c '命令行取消'
wait_for c "and for the channel" "channel (" || exit 1
tm send-keys -t c C-c
wait_for c "crm -c: Ctrl-C cancels" "cancelled; nothing logged" || exit 1
wait_for c "and exits 1" "EXIT=1" || exit 1
[ "$(count 命令行取消)" = 0 ] && ok "nothing was sent" || bad "crm -c cancelled log saved"

e2e_done
