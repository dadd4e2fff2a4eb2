#!/usr/bin/env bash
# calendar_note_tmux_test.sh: the shell tells an admin or a manager, when
# it starts, of each year the plans reach that has no holiday calendar
# (this year, and from November the next): its public holidays count as
# working days until an admin imports one (a tester's plans fell on 元旦
# 2027 with no word). A rep is not told; with the calendars imported
# nobody is. In a private tmux server; every wait polls at most 10 s.
# Usage: calendar_note_tmux_test.sh CRMD CRM   (ctest passes the binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home calnote
e2e_tmux calnote

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null \
	|| bad "admin adds rep li"

# The shell's clock is this machine's (no test clock here).
YEAR=$(date +%Y)
MONTH=$((10#$(date +%m)))
NEXT=$((YEAR + 1))

pane_start boss 120 30 "'$CRM'" || { bad "tmux starts the shell"; exit 1; }
wait_for boss "the admin's shell starts" "crm boss>" || exit 1
wait_for boss "the admin is told $YEAR has no calendar" \
	"no holiday calendar for $YEAR: until you import one" || true
if [ "$MONTH" -ge 11 ]; then
	wait_for boss "and, from November, $NEXT" \
		"no holiday calendar for $NEXT" || true
else
	screen boss | grep -q "no holiday calendar for $NEXT" \
		&& bad "next year named before November" \
		|| ok "next year not named before November"
fi
tm kill-session -t boss

e2e_login li pw2
pane_start li 120 30 "'$CRM'" || { bad "tmux starts li's shell"; exit 1; }
wait_for li "the rep's shell starts" "crm li>" || exit 1
sleep 0.3
screen li | grep -q "no holiday calendar" \
	&& bad "a rep is told of the calendar" || ok "a rep is not told"
tm kill-session -t li

# With both years imported, the admin is told nothing.
e2e_login boss pw1
printf 'date,kind,name\n%s-10-01,holiday,国庆节\n%s-01-01,holiday,元旦\n' \
	"$YEAR" "$NEXT" >"$H/cal.csv"
"$CRM" -c "calendar import $H/cal.csv" >"$H/out" 2>&1 \
	&& ok "the admin imports both years" || bad "import: $(cat "$H/out")"
pane_start boss2 120 30 "'$CRM'" || { bad "tmux starts the shell"; exit 1; }
wait_for boss2 "the admin's shell starts again" "crm boss>" || exit 1
sleep 0.3
screen boss2 | grep -q "no holiday calendar" \
	&& bad "told with the calendars in" || ok "nothing said with the calendars in"
tm kill-session -t boss2

e2e_done
