# lib.sh: the set-up the shell e2e tests share, sourced after set -u and
# CRMD/CRM are set:
#   . "$(dirname "$0")/lib.sh"
#   e2e_home NAME [TIMEOUT_MS]   a private temp HOME ($H) with its XDG
#                                folders, CRM_SERVER=ipc://$H/s, a cleanup
#                                trap (stops crmd and tmux, removes $H
#                                unless KEEP is set)
#   e2e_admin LOGIN PASSWORD     crmd user add LOGIN --role admin (offline)
#   e2e_user LOGIN PASSWORD ARGS...  crmd user add LOGIN ARGS (offline),
#                                e.g. --role rep --team east
#   e2e_start                    crmd in the background (log appended to
#                                $H/crmd.log, pid in PID), waits for it
#                                (without CRM: for its ipc:// socket)
#   e2e_stop                     TERM crmd and check it exits 0
#   e2e_login LOGIN PASSWORD     crm login, FAIL if refused
#   ok DESC / bad DESC           one result line; bad counts in $fails
#   e2e_done                     the summary line; the script's status
#   run CMD...                   CMD's stdout in $out, stderr in $err, exit
#                                status in $code
#   run_exit WANT DESC CMD...    run, then exit_is WANT DESC
#   exit_is WANT DESC            ok DESC when $code is WANT, else bad
#   has DESC NEEDLE              ok when $out or $err holds NEEDLE (fixed
#   hasnt DESC NEEDLE            string), else bad; hasnt the reverse
#   has_re DESC ERE              ok when a line of $out or $err matches ERE
#   json EXPR                    EXPR of python3 over d, the JSON on stdin
# and for the tests that drive the interactive shell in tmux:
#   e2e_tmux NAME                needs tmux; a private tmux server ($SOCK)
#   tm ARGS...                   tmux on that server
#   pane_start PANE COLS ROWS CMD  CMD (shell words, after the test's
#                                environment) in a new detached pane, with
#                                LeakSanitizer on for crm in an ASan build
#                                (a session, not a one-shot crm -c)
#   screen PANE                  the pane's screen and scrollback
#   screen_joined PANE           the same with wrapped lines joined
#   wait_for PANE DESC TEXT      poll (at most 10 s) until the pane shows
#                                TEXT (on a line, or across a wrap); ok
#                                DESC, or bad with the screen
#   send_line PANE TEXT          type TEXT and Enter
# Every wait is bounded: at most 100 polls of 0.1 s.

PID=
SOCK=
fails=0
out= err= code=0

ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

e2e_home() {
	H=$(mktemp -d "${TMPDIR:-/tmp}/crm-$1-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
	export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
	export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s
	export CRM_TIMEOUT_MS=${2:-5000}
	unset XDG_RUNTIME_DIR
	trap e2e_cleanup EXIT
}

run() {
	out=$("$@" 2>"$H/err")
	code=$?
	err=$(cat "$H/err")
}

exit_is() {
	[ "$code" -eq "$1" ] && ok "$2" || bad "$2 (exit $code, want $1): $out $err"
}

run_exit() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	exit_is "$want" "$desc"
}

has() {
	if printf '%s\n%s' "$out" "$err" | grep -qF -- "$2"; then
		ok "$1"
	else
		bad "$1: '$2' not in: $out $err"
	fi
}

has_re() {
	if printf '%s\n%s' "$out" "$err" | grep -qE -- "$2"; then
		ok "$1"
	else
		bad "$1: /$2/ not in: $out $err"
	fi
}

hasnt() {
	if printf '%s\n%s' "$out" "$err" | grep -qF -- "$2"; then
		bad "$1: '$2' in: $out $err"
	else
		ok "$1"
	fi
}

json() { /usr/bin/env python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

e2e_user() {
	local login=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" |
		"$CRMD" user add "$login" "$@" --data "$H/db" >/dev/null ||
		{ echo "FAIL: crmd user add $login"; exit 1; }
}

e2e_admin() { e2e_user "$1" "$2" --role admin; }

# Poll until crmd answers at $CRM_SERVER (a wrong login, not "not running").
e2e_wait_ready() {
	local out
	if [ -z "${CRM:-}" ]; then
		for _ in $(seq 100); do
			[ -S "${CRM_SERVER#ipc://}" ] && return 0
			sleep 0.1
		done
		bad "crmd does not listen at $CRM_SERVER"
		return 1
	fi
	for _ in $(seq 100); do
		out=$(printf 'x\n' | "$CRM" login nobody 2>&1)
		[[ $out == *"not running"* ]] || return 0
		sleep 0.1
	done
	bad "crmd does not answer at $CRM_SERVER"
	return 1
}

# e2e_report_upgrade_setup: the start of the upgrade tests that compare
# reports whole: skipped (77) without mdb_dump/mdb_load or a crmd with
# the test clock; the clock stands at Monday 2026-12-07 09:00 +08:00
# ($CRM_TEST_CLOCK); crmd started with boss (admin, logged in), team
# east (wang its manager, li and zhao) and team west (chen); `as USER`
# logs USER in (password pw-USER).
e2e_report_upgrade_setup() {
	command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null ||
		{ echo "skipped: no mdb_dump/mdb_load"; exit 77; }
	grep -q CRM_TEST_CLOCK "$CRMD" ||
		{ echo "skipped: a crmd without the test clock"; exit 77; }
	export CRM_TEST_CLOCK=$H/clock
	echo 1796605200 >"$CRM_TEST_CLOCK"
	e2e_admin boss pw-boss
	e2e_start || exit 1
	e2e_login boss pw-boss
	run_exit 0 "team east" "$CRM" -c 'team add east'
	run_exit 0 "team west" "$CRM" -c 'team add west'
	e2e_user wang pw-wang --role manager --team east
	e2e_user li pw-li --role rep --team east
	e2e_user zhao pw-zhao --role rep --team east
	e2e_user chen pw-chen --role rep --team west
	as() { e2e_login "$1" "pw-$1"; }
}

# e2e_reports_say CMD...: each CMD's JSON as each of those users (boss,
# wang, li, zhao, chen), each headed "== USER: CMD".
e2e_reports_say() {
	local all= who cmd
	for who in boss wang li zhao chen; do
		as "$who"
		for cmd in "$@"; do
			run "$CRM" --format json -c "$cmd"
			all+="== $who: $cmd"$'\n'"$out"$'\n'
		done
	done
	printf '%s' "$all"
}

# e2e_upgrade_from DUMP N: the upgrade tests' step: $H/db replaced by
# the `mdb_dump -a` form DUMP of schema N (its key files kept), crm-check
# ($CHECK) sends it to crmd's upgrade, crmd starts and upgrades it.
e2e_upgrade_from() {
	local dump=$1 n=$2
	rm -rf "$H/db.old" && mkdir "$H/db.old" &&
		mdb_load -f "$dump" "$H/db.old" || bad "mdb_load of the schema $n form"
	cp "$H/db"/*.key "$H/db.old/" 2>/dev/null || true
	rm -rf "$H/db.new" && mv "$H/db" "$H/db.new" && mv "$H/db.old" "$H/db"
	run_exit 2 "crm-check sends schema $n data to crmd's upgrade" \
		"$CHECK" --quiet "$H/db"
	has "it names schema $n" "this data has schema $n"
	e2e_start || exit 1
	grep -q -E "upgrading the data from schema $n to [0-9]+" "$H/crmd.log" &&
		ok "crmd upgrades it" || bad "no upgrade in the log: $(cat "$H/crmd.log")"
}

# e2e_check_finds DUMP WHAT TEXT: $H/db replaced by the `mdb_dump -a`
# form DUMP of damaged data; crm-check ($CHECK) finds it (exit 1) and
# says TEXT.
e2e_check_finds() {
	rm -rf "$H/db" && mkdir "$H/db" &&
		mdb_load -f "$1" "$H/db" || bad "mdb_load of $2"
	run_exit 1 "crm-check finds $2" "$CHECK" "$H/db"
	has "it names it" "$3"
}

e2e_start() {
	"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>>"$H/crmd.log" &
	PID=$!
	e2e_wait_ready
}

# e2e_pause [PID]: SIGSTOP crmd ($PID) and wait (at most 2 s) until
# each of its threads is stopped: kill returns when the signal is sent,
# and a worker running on the other core can still answer a request sent
# right after it (nng_interop_e2e_test saw it). e2e_resume continues it.
e2e_pause() {
	local pid=${1:-$PID} _ st
	kill -STOP "$pid" || return 1
	for _ in $(seq 200); do
		st=$(sed -n 's/.*) \([A-Za-z]\) .*/\1/p' /proc/"$pid"/task/*/stat 2>/dev/null |
			grep -cv '[Tt]')
		[ "$st" = 0 ] && return 0
		sleep 0.01
	done
	return 0
}

e2e_resume() {
	kill -CONT "${1:-$PID}"
}

e2e_stop() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null
	local rc=0
	wait "$PID" || rc=$?
	PID=
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: crmd exited with $rc"
		tail -20 "$H/crmd.log"
		fails=$((fails + 1))
		return 1
	fi
}

e2e_login() {
	printf '%s\n' "$2" | "$CRM" login "$1" >/dev/null || bad "$1 logs in"
}

e2e_cleanup() {
	[ -n "$SOCK" ] && tm kill-server >/dev/null 2>&1
	e2e_stop
	[ -n "${KEEP:-}" ] || rm -rf "$H"
}

e2e_done() {
	echo "$fails failure(s)"
	[ "$fails" -eq 0 ]
}

e2e_tmux() {
	if ! command -v tmux >/dev/null 2>&1; then
		echo "FAIL: tmux is not installed; this test drives the shell in" \
			"tmux (apt-get install tmux)"
		exit 1
	fi
	export CRM_HISTFILE=$H/history TMUX_TMPDIR=$H LC_ALL=C.UTF-8
	unset TMUX TMUX_PANE COLUMNS
	SOCK=crm-$1-$$
}

tm() { tmux -L "$SOCK" "$@"; }

pane_start() {
	tm -u new-session -d -s "$1" -x "$2" -y "$3" \
		"env HOME='$H' XDG_CONFIG_HOME='$H/config' \
		XDG_CACHE_HOME='$H/cache' XDG_STATE_HOME='$H/state' \
		CRM_SERVER='$CRM_SERVER' CRM_HISTFILE='$H/history' \
		ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1' \
		LC_ALL=C.UTF-8 $4; sleep 30"
}

screen() { tm capture-pane -p -S -200 -t "$1" 2>/dev/null; }

# The screen with wrapped lines joined: a message that wraps (a longer
# TMPDIR makes paths longer) is still found whole.
screen_joined() { tm capture-pane -p -J -S -200 -t "$1" 2>/dev/null; }

wait_for() {
	for _ in $(seq 100); do
		{ screen "$1"; screen_joined "$1"; } | grep -qF -- "$3" &&
			{ ok "$2"; return 0; }
		sleep 0.1
	done
	bad "$2: '$3' not on screen:"
	screen "$1" | sed 's/^/    | /'
	return 1
}

send_line() {
	tm send-keys -t "$1" -l "$2"
	tm send-keys -t "$1" Enter
}
