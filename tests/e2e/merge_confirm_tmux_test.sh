#!/usr/bin/env bash
# merge_confirm_tmux_test.sh: `customer merge` asks before it moves
# anything (issue 14 item 8), at a real terminal (the interactive shell in
# tmux): it shows both customers and what would move, asks [y/N]; "n"
# (or Enter) merges nothing, "y" merges. The no-terminal side (refused
# without --yes) is tests/scenarios/merge-asks-first.txt.
# Usage: merge_confirm_tmux_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home mergeask
e2e_tmux mergeask
e2e_admin boss pw1
e2e_start
e2e_login boss pw1

"$CRM" -c 'customer add 华东机电有限公司' >/dev/null 2>&1 || bad "add keep"
"$CRM" -c 'customer add 江苏华东机电厂' >/dev/null 2>&1 || bad "add drop"
"$CRM" -c 'contact add 江苏华东机电厂 王总' >/dev/null 2>&1 || bad "contact"

pane_start p 120 40 "'$CRM'"
wait_for p "the shell is ready" "boss>"
send_line p "customer merge 华东机电有限公司 江苏华东机电厂"
wait_for p "it names what is dropped" "merge 江苏华东机电厂 (id 2, owner boss)"
wait_for p "and what is kept" "into 华东机电有限公司 (id 1, owner boss)"
wait_for p "and what moves" "moves 1 contact"
wait_for p "then asks" "merge? [y/N]"
send_line p "n"
wait_for p "no: nothing done" "nothing done"
out=$("$CRM" -c 'contact list 江苏华东机电厂' 2>&1)
printf '%s' "$out" | grep -q 王总 && ok "the contact did not move" \
	|| bad "after no: $out"

tm send-keys -t p C-l
send_line p "customer merge 华东机电有限公司 江苏华东机电厂"
wait_for p "asks again" "merge? [y/N]"
send_line p "y"
wait_for p "yes: merged" "merged into 华东机电有限公司"
out=$("$CRM" -c 'contact list 华东机电有限公司' 2>&1)
printf '%s' "$out" | grep -q 王总 && ok "the contact moved" \
	|| bad "after yes: $out"

send_line p "quit"
e2e_done
