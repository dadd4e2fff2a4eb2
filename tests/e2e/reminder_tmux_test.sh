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
. "$(dirname "$0")/lib.sh"
e2e_home remind
e2e_tmux remind
# The last non-empty line of the screen, trailing blanks removed.
last_line() { screen crm | sed 's/[[:space:]]*$//' | grep -v '^$' | tail -1; }

e2e_admin boss pw1
e2e_start || exit 1

e2e_login boss pw1
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null \
	|| bad "admin adds rep li"
"$CRM" -c 'customer add 华东机电有限公司 --owner li --grade B' >/dev/null \
	|| bad "admin adds li's customer"
e2e_login li pw2

# The interactive shell as li, in a 120x30 terminal.
pane_start crm 120 30 "'$CRM'" \
	|| { bad "tmux starts the shell"; exit 1; }
wait_for crm "the shell shows li's prompt" "crm li>" || exit 1
sleep 0.5 # the first reminder fetch after start is done by now

HALF='customer find 华东机'
tm send-keys -t crm -l "$HALF"
wait_for crm "the half-typed line is on screen" "crm li> $HALF" || exit 1

"$CRM" -c 'task add 华东机电有限公司 +5m "回电确认报价"' >"$H/out" 2>&1 \
	&& ok "a second crm adds a task due in 5 minutes" \
	|| bad "task add: $(cat "$H/out")"
wait_for crm "the reminder appears in the shell" "回电确认报价" || exit 1
screen crm | grep -F "回电确认报价" | grep -qF "⏰ task" \
	&& ok "it reads as a task reminder" \
	|| bad "reminder line: $(screen crm | grep -F 回电确认报价)"
sleep 0.3
got=$(last_line)
[ "$got" = "crm li> $HALF" ] && ok "the prompt and half-typed line are intact" \
	|| bad "last line is '$got', want 'crm li> $HALF'"
n=$(screen crm | grep -cF "回电确认报价")
[ "$n" -eq 1 ] && ok "the reminder is printed once" || bad "printed $n times"

# The line is intact in readline's buffer too, not just on screen.
send_line crm '电'
for _ in $(seq 100); do
	screen crm | grep -qE '^1 +华东机电有限公司' && break
	sleep 0.1
done
screen crm | grep -qE '^1 +华东机电有限公司' \
	&& ok "finishing the line runs it: customer find finds the customer" \
	|| { bad "customer find after the reminder:"; screen crm | sed 's/^/    | /'; }

tm send-keys -t crm C-d

# remote-fix 9: a write kept in the outbox while crmd was away is sent by
# the idle shell when crmd answers again (its poke), not at the next
# command; the prompt stays intact.
pane_start crm2 120 30 "CRM_TIMEOUT_MS=1500 '$CRM'" ||
	{ bad "tmux starts a second shell"; exit 1; }
wait_for crm2 "a second shell shows li's prompt" "crm li>" || exit 1
sleep 1 # hello done, SUB connected
e2e_pause
send_line crm2 'log 华东机电有限公司 "暂停时的记录"'
wait_for crm2 "a write while crmd is stopped is kept in the outbox" \
	"kept in the outbox"
e2e_resume
wait_for crm2 "the idle shell sends it when crmd is back" "outbox: 1 done"
sleep 0.3
got=$(screen crm2 | sed 's/[[:space:]]*$//' | grep -v '^$' | tail -1)
[ "$got" = "crm li>" ] && ok "the prompt is intact after it" ||
	bad "last line is '$got'"
run "$CRM" -c outbox
has "the outbox is empty" "empty"
run "$CRM" -c 'customer history 华东机电有限公司'
n=$(grep -c "暂停时的记录" <<<"$out")
[ "$n" -eq 1 ] && ok "stored once" || bad "stored $n times"
tm send-keys -t crm2 C-d
e2e_done
