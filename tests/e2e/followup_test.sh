#!/usr/bin/env bash
# followup_test.sh: the follow-up workflow end to end through `crm -c`, on
# a crmd whose clock the test moves (CRM_TEST_CLOCK, test builds only), so
# nothing sleeps: cadence per grade, the clock reset by a follow-up, late
# records, lost without a reason, grades only on approval, SLA breaches,
# commitments, permissions and a retried log stored once.
# Usage: followup_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
H=$(mktemp -d "${TMPDIR:-/tmp}/crm-fu-XXXXXX") || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
export HOME=$H XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=5000
export CRM_TEST_CLOCK=$H/clock TZ=UTC
unset XDG_RUNTIME_DIR
PID= fails=0
T0=$(date +%s)   # the test clock starts at the real time
echo $T0 > "$CRM_TEST_CLOCK"
cleanup() {
	[ -n "$PID" ] && { kill -TERM "$PID" 2>/dev/null; wait "$PID" || { echo "FAIL: crmd exit"; fails=$((fails+1)); }; }
	rm -rf "$H"
}
trap cleanup EXIT
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
run() { out=$("$@" 2>"$H/err"); code=$?; }
expect() { local want=$1 desc=$2; shift 3; run "$@"
	[ "$code" -eq "$want" ] && ok "$desc" || bad "$desc (exit $code): $out $(cat "$H/err")"; }
# Times in JSON are RFC 3339; epoch(T) gives UTC seconds to count with.
json() { /usr/bin/env python3 -c "import datetime,json,sys; epoch=lambda s: int(datetime.datetime.fromisoformat(s).timestamp()); d=json.load(sys.stdin); print($1)"; }
now() { cat "$CRM_TEST_CLOCK"; }
at() { echo $(( $(now) + $1 )) > "$CRM_TEST_CLOCK"; }
as() { printf '%s\n' "$2" | "$CRM" login "$1" >/dev/null 2>&1 || bad "login $1"; }

printf 'pw1\n' | "$CRMD" user add boss --role admin --data "$H/db" >/dev/null
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
# Wait for crmd (slow to start under ASan): a failed try is not a failure.
for _ in $(seq 100); do printf 'pw1\n' | "$CRM" login boss >/dev/null 2>&1 && "$CRM" -c whoami >/dev/null 2>&1 && break; sleep 0.1; done
as boss pw1
# The test clock starts at the real time, any weekday: cadence dates here
# are plain offsets; moving them off weekends and holidays is the
# scenario cadence-task-moves-off-holidays's.
"$CRM" -c 'policy working-days off' >/dev/null || bad "policy working-days off"
for u in li:rep zhao:rep wang:manager; do
	printf 'pwx\n' | "$CRM" -c "user add ${u%%:*} --role ${u##*:} --team east" >/dev/null || bad "user $u"
done
"$CRM" -c 'customer add 华东机电 --owner li --grade A' >/dev/null || bad "add A"
"$CRM" -c 'customer add 上海云图 --owner li --grade S' >/dev/null || bad "add S"
"$CRM" -c 'customer add "Zhao Co" --owner zhao --grade C' >/dev/null || bad "add C"
as li pwx

# -- every new customer has one open follow-up task at its cadence
run "$CRM" --format json -c 'due all'
r=$(printf '%s' "$out" | json 'sorted((t["customer"], epoch(t["due_at"])-'$T0') for t in d if t["kind"]=="follow_up")')
[ "$r" = "[('上海云图', 86400), ('华东机电', 259200)]" ] && ok "cadence: S in 1 day, A in 3 days" || bad "due all: $r"
n=$(printf '%s' "$out" | json 'len([t for t in d if t["kind"]=="regrade"])')
[ "$n" = 2 ] && ok "each new customer has a monthly re-grade task" || bad "regrade: $n"

# -- a birthday brings a greeting task before it
as boss pw1
"$CRM" -c 'customer add 王芳 --kind person --owner li --birthday 12-25' >/dev/null || bad "add person"
as li pwx
run "$CRM" --format json -c 'due all'
n=$(printf '%s' "$out" | json 'len([t for t in d if t["customer"]=="王芳" and t["kind"]=="greeting"])')
[ "$n" = 1 ] && ok "a birthday makes a greeting task" || bad "greeting: $n"

# -- a follow-up completes the task and resets the clock from its time
at 7200
expect 0 "log a follow-up" -- "$CRM" --format json -c 'log 华东机电 "介绍方案" --channel visit --mood positive --commit "发报价单" --due +2d'
r=$(printf '%s' "$out" | json 'd["late"], bool(d["task_id"]), epoch(d["next_due_at"])-'$((T0 + 7200))', len(d["commitments"])')
[ "$r" = "False True 259200 1" ] && ok "task done, next due 3 days after the follow-up, commitment kept" || bad "log: $r"
run "$CRM" --format json -c 'due all'
n=$(printf '%s' "$out" | json 'len([t for t in d if t["customer"]=="华东机电" and t["kind"]=="follow_up"])')
[ "$n" = 1 ] && ok "still exactly one open follow-up task" || bad "open tasks: $n"

# -- late: logged 3 h after the contact is late for S (2 h), not for A (24 h)
at 10800
run "$CRM" --format json -c "log 上海云图 'call' --at @$(( $(now) - 10800 ))"
if [ "$code" -ne 0 ]; then
	ts=$(date -u -d @$(( $(now) - 10800 )) '+%Y-%m-%d %H:%M')
	run "$CRM" --format json -c "log 上海云图 'call' --at '$ts'"
fi
[ "$(printf '%s' "$out" | json 'd["late"]')" = True ] && ok "S logged 3 h late is flagged late" || bad "late S: $out $(cat "$H/err")"
ts=$(date -u -d @$(( $(now) - 10800 )) '+%Y-%m-%d %H:%M')
run "$CRM" --format json -c "log 华东机电 'mail' --at '$ts'"
[ "$(printf '%s' "$out" | json 'd["late"]')" = False ] && ok "A logged 3 h later is not late" || bad "late A: $out"

# -- next action overrides the cadence
run "$CRM" --format json -c 'log 华东机电 "demo" --next "回电确认" --due +5d'
# WHEN is read by the shell against the test clock, as crmd reads it.
r=$(printf '%s' "$out" | json 'epoch(d["next_due_at"])-'"$(now)"' == 432000')
[ "$r" = True ] && ok "--next schedules the next task" || bad "next: $out"

# -- lost needs a reason
expect 1 "stage lost without a reason is refused" -- "$CRM" -c 'stage 上海云图 lost'
grep -q INVALID_ARGUMENT "$H/err" && ok "with INVALID_ARGUMENT" || bad "lost: $(cat "$H/err")"
expect 0 "stage lost with a reason" -- "$CRM" -c 'stage 上海云图 lost --reason price'
run "$CRM" --format json -c 'due all'
n=$(printf '%s' "$out" | json 'len([t for t in d if t["customer"]=="上海云图"])')
[ "$n" = 0 ] && ok "a lost customer has no open task left" || bad "lost tasks: $n"

# -- grades change only on approval
expect 0 "rep proposes a grade" -- "$CRM" --format json -c 'grade propose 华东机电 S "预算已批"'
PROP=$(printf '%s' "$out" | json 'd["id"]')
G=$("$CRM" --format json -c 'customer show 华东机电' | json 'd["customer"]["grade"]')
[ "$G" = A ] && ok "grade unchanged while pending" || bad "grade $G"
expect 1 "a rep cannot approve" -- "$CRM" -c "grade approve $PROP"
as wang pwx
expect 0 "manager approves" -- "$CRM" -c "grade approve $PROP"
G=$("$CRM" --format json -c 'customer show 华东机电' | json 'd["customer"]["grade"]')
[ "$G" = S ] && ok "grade changed on approval" || bad "grade $G"
run "$CRM" --format json -c 'due all --user li'
r=$(printf '%s' "$out" | json '[t["kind"] for t in d if t["customer"]=="华东机电"]')
[ -n "$r" ] && ok "the customer still has its task after regrading" || bad "regrade task: $out"

# -- SLA: an inquiry breaches after 24 h unless answered
as li pwx
expect 0 "inquiry starts a clock" -- "$CRM" -c 'inquiry 华东机电 "要报价"'
run "$CRM" --format json -c 'sla --breached'
[ "$(printf '%s' "$out" | json 'len(d)')" = 0 ] && ok "no breach yet" || bad "early breach: $out"
at 90000
run "$CRM" --format json -c 'sla --breached'
[ "$(printf '%s' "$out" | json 'len(d)')" = 1 ] && ok "breached after its deadline" || bad "breach: $out"
"$CRM" -c 'log 华东机电 "报价已发"' >/dev/null || bad "answer"
run "$CRM" --format json -c 'sla'
r=$(printf '%s' "$out" | json 'len([k for k in d if not k.get("stopped_at")])')
[ "$r" = 0 ] && ok "a follow-up stops the clock" || bad "running: $out"

# -- commitments past due are broken
at 200000
run "$CRM" --format json -c 'commitments --broken'
[ "$(printf '%s' "$out" | json 'len(d)')" -ge 1 ] && ok "an open commitment past due is broken" || bad "broken: $out"

# -- permissions and idempotency
as zhao pwx
expect 1 "a rep cannot log on another rep's customer" -- "$CRM" -c 'log 华东机电 "x"'
run "$CRM" --format json -c 'due all'
[ "$(printf '%s' "$out" | json 'len([t for t in d if t["customer"]!="Zhao Co"])')" = 0 ] \
	&& ok "a rep sees only their own tasks" || bad "zhao due: $out"
LITASK=$(as li pwx; "$CRM" --format json -c 'due all' | json 'd[0]["id"]'); as zhao pwx
expect 1 "a rep cannot complete another rep's task" -- "$CRM" -c "task done $LITASK"
expect 0 "stale lists untouched customers" -- "$CRM" --format json -c 'stale --hours 1'
# -- the remaining commands, each once
as li pwx
TID=$("$CRM" --format json -c 'task add 华东机电 +1d "确认合同"' | json 'd["id"]')
[ -n "$TID" ] && ok "task add" || bad "task add"
expect 0 "task move" -- "$CRM" -c "task move $TID +2d"
FUID=$("$CRM" --format json -c 'due all' | json '[t["id"] for t in d if t["customer"]=="华东机电" and t["kind"]=="follow_up"][0]')
expect 1 "the next follow-up cannot be cancelled without a replacement" -- "$CRM" -c "task cancel $FUID"
grep -q -- "--next WHEN" "$H/err" && ok "the refusal says how" || bad "cancel message: $(cat "$H/err")"
run "$CRM" --format json -c 'due all'
n=$(printf '%s' "$out" | json 'len([t for t in d if t["customer"]=="华东机电" and t["kind"]=="follow_up"])')
[ "$n" = 1 ] && ok "task add left the next follow-up in place" || bad "follow-ups after task add: $n"
expect 0 "issue starts two clocks" -- "$CRM" --format json -c 'issue 华东机电 "设备报警"'
[ "$(printf '%s' "$out" | json 'len(d)')" = 2 ] && ok "response and solution clocks" || bad "issue: $out"
CMID=$("$CRM" --format json -c 'commitments' | json 'd[0]["id"]')
expect 0 "commitment done" -- "$CRM" -c "commitment done $CMID"
expect 1 "a kept commitment cannot be closed again" -- "$CRM" -c "commitment done $CMID"
expect 0 "customer history" -- "$CRM" --format json -c 'customer history 华东机电'
kinds=$(printf '%s' "$out" | json '",".join(sorted(set(k for i in d for k in i if k in ("followup","stage","grade","task","commitment","sla"))))')
[ "$kinds" = "commitment,followup,grade,sla,stage,task" ] && ok "history holds every kind of event (and the first stage)" || bad "history kinds: $kinds"
expect 0 "policy show" -- "$CRM" --format json -c 'policy show'
expect 1 "a rep cannot set the policy" -- "$CRM" -c 'policy set B --every 5d'
as wang pwx
expect 0 "manager sees the team's queue" -- "$CRM" --format json -c 'due all --team'
n=$(printf '%s' "$out" | json 'len(set(t["owner"] for t in d))')
[ "$n" = 2 ] && ok "the queue spans both reps" || bad "team owners: $n"
expect 1 "a task goes only to someone who may see its customer" -- "$CRM" -c "task assign $TID zhao"
expect 0 "manager takes a task over" -- "$CRM" -c "task assign $TID wang"
as boss pw1
expect 0 "admin sets the policy" -- "$CRM" -c 'policy set B --every 5d --channels email,phone'
"$CRM" --format json -c 'policy show' | json '[g["every_seconds"] for g in d["grades"] if g["grade"]=="B"][0]' | grep -qx 432000 \
	&& ok "the new cadence is stored" || bad "policy not stored"
expect 0 "admin sets grade S's conversion target" -- "$CRM" -c 'policy set S --target 70%'
contains "the policy shows the target" "70 %"
expect 2 "a target over 100 is a usage error" -- "$CRM" -c 'policy set S --target 120'
expect 0 "the conversion report uses the new target" -- "$CRM" --format json -c 'report conversion'
printf '%s' "$out" | json '[r["target"] for r in d["tables"]["by_grade"] if r["grade"]=="S"][0]' | grep -qx 70.0 \
	&& ok "S's target is 70 in the report" || bad "report target: $out"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
