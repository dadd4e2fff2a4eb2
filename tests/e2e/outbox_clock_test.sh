#!/usr/bin/env bash
# outbox_clock_test.sh: a live follow-up is dated by crmd's clock, not
# the laptop's. With crmd answering and no --at, crm sends no time of
# its own: a laptop 3 h slow logged a call at 3 h ago (late), one 30
# min fast a contact in the future (and the next honest log was "older
# than the last contact"), one 75 min fast was refused "a follow-up
# cannot happen in the future" with no word about the clock (tester). A
# write kept offline still carries the moment it was typed, in the
# envelope (made_at), and crmd dates it then; an entry an older crm kept
# (the moment in the follow-up's happened_at) is still the same write
# when typed again. A --at refused as in the future says the computer's
# clock may be ahead of crmd's.
# Usage: outbox_clock_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home obclock
export TZ=UTC
clk=$H/clock
f=$XDG_STATE_HOME/crm/outbox
C=上海云图科技有限公司
# crm with its clock $1 seconds off the real one (crmd keeps the real).
off() { local s=$1; shift; echo $(($(date +%s) + s)) >"$clk"; CRM_TEST_CLOCK=$clk "$@"; }
# The happened_at (epoch) of the follow-up of $C whose summary is $1.
when() {
	"$CRM" --format json -c "customer history $C" 2>/dev/null |
		json "[int(__import__('datetime').datetime.fromisoformat(e['followup']['happened_at']).timestamp()) for e in d if e.get('followup', {}).get('summary') == '$1']"
}
near() { # near DESC EPOCHS: one time within 120 s of now
	local t=${2//[\[\] ]/}
	if [ -n "$t" ] && [[ $t != *,* ]] && [ $((t - $(date +%s))) -le 120 ] &&
		[ $(($(date +%s) - t)) -le 120 ]; then
		ok "$1"
	else
		bad "$1: happened_at $2, now $(date +%s)"
	fi
}

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a customer" "$CRM" -c "customer add $C --grade B"

run_exit 0 "a laptop 3 h slow logs a call" off -10800 "$CRM" -c "log $C 慢三小时"
hasnt "not late" "late yes"
near "dated by crmd's clock, not 3 h ago" "$(when 慢三小时)"
run_exit 0 "a laptop 30 min fast logs a call" off 1800 "$CRM" -c "log $C 快半小时"
near "dated now, not in the future" "$(when 快半小时)"
run_exit 0 "the next honest log" "$CRM" -c "log $C 正常时钟"
hasnt "is not older than the last contact" "older than"
run_exit 0 "a laptop 75 min fast logs a call" off 4500 "$CRM" -c "log $C 快七十五分"
hasnt "not refused as in the future" "in the future"
near "dated now" "$(when 快七十五分)"

# --at refused as in the future: a hint about the clock.
run_exit 1 "75 min fast, --at 10 minutes ago (crmd: in the future)" \
	off 4500 "$CRM" -c "log $C 回拨 --at '10 minutes ago'"
has "refused in the future" "in the future"
has "a hint about this computer's clock" "clock"

# Offline: kept with the moment typed in the envelope, dated then.
e2e_stop
typed=$(($(date +%s) - 600))
echo "$typed" >"$clk"
run_exit 3 "offline log, typed 10 minutes ago" env CRM_TEST_CLOCK="$clk" "$CRM" -c "log $C 离线十分钟前"
e2e_start || exit 1
run_exit 0 "outbox send" "$CRM" -c 'outbox send'
[ "$(when 离线十分钟前)" = "[$typed]" ] && ok "a kept follow-up is dated when it was typed" ||
	bad "kept follow-up dated $(when 离线十分钟前), typed $typed"

# An older crm's entry: the moment typed in the follow-up's happened_at
# (here made with --at of that very minute, which packs the same). Typed
# again by this crm (no time in the body) within 15 minutes: the same
# write, sent once, dated then.
e2e_stop
t0=$(( ($(date +%s) / 60) * 60 - 300 ))
echo "$t0" >"$clk"
run_exit 3 "an entry as an older crm kept it" env CRM_TEST_CLOCK="$clk" \
	"$CRM" -c "log $C 旧版条目 --at '$(date -d "@$t0" '+%Y-%m-%d %H:%M')'"
e2e_start || exit 1
run_exit 0 "typed again 5 minutes on, crmd back" "$CRM" -c "log $C 旧版条目"
has "it is the same write" "an identical write is waiting in the outbox"
[ "$(when 旧版条目)" = "[$t0]" ] && ok "stored once, dated when first typed" ||
	bad "the older entry's write: $(when 旧版条目), typed $t0"

# A laptop clock 50 minutes fast: an edit typed offline is dated by its
# age (crm's clock at typing and at sending), so a change made after it
# in another session, before it was sent, is still the later one: the
# edit is refused, not undoing it (tester: the fast clock dated the
# offline edit after a manager's and it overwrote it).
cid=$("$CRM" --format json -c "customer show $C" | json 'd["customer"]["id"]')
e2e_stop
ahead=3000
echo $(($(date +%s) + ahead)) >"$clk"
run_exit 3 "offline edit on a fast clock" env CRM_TEST_CLOCK="$clk" \
	"$CRM" -c "customer edit $cid region=快钟离线"
e2e_start || exit 1
sleep 2
other=$H/other
mkdir -p "$other/cfg" "$other/state" "$other/cache"
XDG_CONFIG_HOME=$other/cfg XDG_STATE_HOME=$other/state \
	XDG_CACHE_HOME=$other/cache e2e_login boss pw-boss
XDG_CONFIG_HOME=$other/cfg XDG_STATE_HOME=$other/state \
	XDG_CACHE_HOME=$other/cache run_exit 0 \
	"another session sets the region after it" \
	"$CRM" -c "customer edit $cid region=之后改的"
sleep 1
echo $(($(date +%s) + ahead)) >"$clk"
CRM_TEST_CLOCK=$clk run "$CRM" -c 'outbox send'
has "the edit is refused, naming the later change" "region was changed to"
reg=$("$CRM" --format json -c "customer show $cid" | json 'd["customer"].get("region")')
[ "$reg" = "之后改的" ] && ok "the later region stands" || bad "region is now $reg"

e2e_done
