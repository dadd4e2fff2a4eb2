#!/usr/bin/env bash
# clear_tmux_test.sh: `clear` and Ctrl-L in the interactive shell (issue
# 14, polish). In a private tmux server: `clear` leaves only the prompt at
# the top of the screen; Ctrl-L (readline's clear-screen, which crm must
# not take away) clears it keeping the half-typed line, which a reminder
# arriving afterwards redraws intact below itself; the line still runs.
# Outside a terminal `clear` prints nothing and succeeds.
# Bounded: every wait polls at most 10 s.
# Usage: clear_tmux_test.sh CRMD CRM   (ctest passes the built binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home clear
e2e_tmux clear
# The visible screen (no scrollback), its non-empty lines, trailing blanks
# removed.
visible() { tm capture-pane -p -t crm | sed 's/[[:space:]]*$//' | grep -v '^$'; }

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null \
	|| bad "admin adds rep li"
"$CRM" -c 'customer add 华东机电有限公司 --owner li --grade B' >/dev/null \
	|| bad "admin adds li's customer"
e2e_login li pw2

# Not a terminal: nothing printed, status 0.
out=$(printf 'clear\n' | "$CRM" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] && ok "clear in a script prints nothing" \
	|| bad "clear in a script: '$out'"

pane_start crm 100 24 "'$CRM'" || { bad "tmux starts the shell"; exit 1; }
wait_for crm "the shell shows li's prompt" "crm li>" || exit 1
sleep 0.5 # the first reminder fetch after start is done by now

# -- clear: only the prompt is left, at the top
send_line crm 'help @shell'
wait_for crm "help is on screen" "@shell" || exit 1
send_line crm 'clear'
for _ in $(seq 100); do
	[ "$(visible)" = "crm li>" ] && break
	sleep 0.1
done
[ "$(visible)" = "crm li>" ] && ok "clear leaves the prompt alone on screen" \
	|| { bad "after clear:"; visible | sed 's/^/    | /'; }
[ "$(tm capture-pane -p -t crm | head -1 | sed 's/[[:space:]]*$//')" = "crm li>" ] \
	&& ok "at the top" || bad "the prompt is not on the first line"

# -- Ctrl-L with a half-typed line: cleared, the line kept
send_line crm 'whoami'
wait_for crm "whoami answers" "created_at" || exit 1
HALF='customer find 华东机'
tm send-keys -t crm -l "$HALF"
wait_for crm "the half-typed line is on screen" "crm li> $HALF" || exit 1
tm send-keys -t crm C-l
for _ in $(seq 100); do
	[ "$(visible)" = "crm li> $HALF" ] && break
	sleep 0.1
done
[ "$(visible)" = "crm li> $HALF" ] \
	&& ok "Ctrl-L clears the screen and keeps the half-typed line" \
	|| { bad "after Ctrl-L:"; visible | sed 's/^/    | /'; }

# -- a reminder after Ctrl-L is printed above the line, which is redrawn
"$CRM" -c 'task add 华东机电有限公司 +5m "回电确认报价"' >"$H/out" 2>&1 \
	&& ok "a second crm adds a task due in 5 minutes" \
	|| bad "task add: $(cat "$H/out")"
wait_for crm "the reminder appears" "回电确认报价" || exit 1
sleep 0.3
v=$(visible)
[ "$(printf '%s\n' "$v" | tail -1)" = "crm li> $HALF" ] \
	&& ok "the half-typed line is redrawn below the reminder" \
	|| { bad "screen after the reminder:"; printf '%s\n' "$v" | sed 's/^/    | /'; }
[ "$(printf '%s\n' "$v" | head -1 | grep -c '⏰')" = 1 ] \
	&& ok "the reminder is the first line of the cleared screen" \
	|| { bad "first line:"; printf '%s\n' "$v" | sed 's/^/    | /'; }
[ "$(printf '%s\n' "$v" | grep -c 'crm li>')" = 1 ] \
	&& ok "one prompt on screen" || bad "prompts: $(printf '%s\n' "$v" | grep -c 'crm li>')"

# -- the line is intact in readline's buffer: finishing it runs it
send_line crm '电'
for _ in $(seq 100); do
	screen crm | grep -qE '^1 +华东机电有限公司' && break
	sleep 0.1
done
screen crm | grep -qE '^1 +华东机电有限公司' \
	&& ok "finishing the line runs it" \
	|| { bad "customer find after Ctrl-L:"; screen crm | sed 's/^/    | /'; }

tm send-keys -t crm C-d
e2e_done
