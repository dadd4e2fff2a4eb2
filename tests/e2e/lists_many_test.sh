#!/usr/bin/env bash
# lists_many_test.sh: an admin's `team list` and `user list` name every
# team and user of a large organisation (crm-gen: 99 teams of 101 reps,
# 10,099 users), each team with its members counted and its manager
# named; a reply that cannot hold them all says so, never a shorter
# list (a fresh-eyes tester saw 2 of 99 teams and 7,936 of 10,099 users,
# without a word: each team's count read every user into the request's
# memory, which ran out).
# Usage: lists_many_test.sh CRMD CRM CRM_GEN
set -u
CRMD=$1 CRM=$2 GEN=$3
H=$(mktemp -d /tmp/crm-lists-many.XXXXXX) || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$H"' EXIT
export XDG_STATE_HOME=$H/state CRM_SERVER=ipc://$H/s CRM_TIMEOUT_MS=20000
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

"$GEN" --data "$H/db" --customers 200 --teams 99 --reps 101 --followups 1 \
	--quiet >"$H/gen.out" 2>&1 || bad "crm-gen: $(cat "$H/gen.out")"
"$CRMD" --data "$H/db" --listen "$CRM_SERVER" 2>"$H/crmd.log" &
PID=$!
for _ in $(seq 100); do
	printf 'bench-pw\n' | "$CRM" login admin >/dev/null 2>&1 && break
	sleep 0.1
done
"$CRM" --format json -c 'team list' >"$H/teams.json" 2>"$H/teams.err" ||
	bad "team list: $(cat "$H/teams.err")"
python3 - "$H/teams.json" <<'PY' && ok "team list: 99 teams, 101 reps and a manager each" || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
teams = d.get("teams", d) if isinstance(d, dict) else d
if isinstance(teams, dict):
    teams = teams.get("teams", [])
bad = [t for t in teams if t.get("members") != 102 or len(t.get("managers", [])) != 1]
if len(teams) != 99 or bad:
    print("FAIL: team list: %d teams; wrong: %s" % (len(teams), bad[:2]))
    sys.exit(1)
PY
"$CRM" --format json -c 'user list' >"$H/users.json" 2>"$H/users.err" ||
	bad "user list: $(cat "$H/users.err")"
python3 - "$H/users.json" <<'PY' && ok "user list: all 10,099 users (the admin among them)" || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
users = d.get("users", d) if isinstance(d, dict) else d
if isinstance(users, dict):
    users = users.get("users", [])
logins = {u.get("login") for u in users}
want = {"admin"} | {"mgr%02d" % i for i in range(1, 100)} | {"rep%04d" % i for i in range(1, 9999 + 1)}
if len(users) != 10099 or not want <= logins:
    print("FAIL: user list: %d users, missing %s" % (len(users), sorted(want - logins)[:3]))
    sys.exit(1)
PY
# A team's entry names all its managers (it named the first 8).
for i in $(seq -w 1 10); do
	printf 'pw-%s-long-enough\n' "$i" |
		"$CRM" -c "user add sm$i --role manager --team bigboard" >/dev/null 2>&1 ||
		bad "user add sm$i"
done
"$CRM" --format json -c 'team list' | python3 -c '
import json, sys
d = json.load(sys.stdin)
teams = d.get("teams", d) if isinstance(d, dict) else d
if isinstance(teams, dict):
    teams = teams.get("teams", [])
t = [t for t in teams if t.get("name") == "bigboard"]
ok = len(t) == 1 and t[0].get("members") == 10 and \
    sorted(t[0].get("managers", [])) == ["sm%02d" % i for i in range(1, 11)]
sys.exit(0 if ok else print("FAIL: bigboard:", t) or 1)' &&
	ok "team list names all 10 managers of a team" || fails=$((fails + 1))

# A manager may hand customers over but not disable a user: `user
# disable --handover` as a manager is refused before anything moves
# (the shell handed the customers over in batches, then was refused).
owner=$("$CRM" --format json -c 'customer show 1' | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d.get("customer", d)
print(c.get("owner") or c.get("owner_login") or "")')
n=${owner#rep}
team=$(( (10#$n - 1) / 101 + 1 ))
other=$(printf 'rep%04d' $(( (team - 1) * 101 + 1 + (10#$n % 101) )))
mgr=$(printf 'mgr%02d' "$team")
export XDG_STATE_HOME=$H/state-mgr
printf 'bench-pw\n' | "$CRM" login "$mgr" >/dev/null 2>&1
out=$("$CRM" -c "user disable $owner --handover $other" 2>&1)
code=$?
export XDG_STATE_HOME=$H/state
after=$("$CRM" --format json -c 'customer show 1' | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d.get("customer", d)
print(c.get("owner") or c.get("owner_login") or "")')
[ "$code" -ne 0 ] && [[ $out == *"admin role"* ]] && [ -n "$owner" ] &&
	[ "$after" = "$owner" ] &&
	ok "a manager's user disable --handover is refused, nothing handed over" ||
	bad "$mgr: user disable $owner --handover $other (exit $code): $out; owner $owner -> $after"
[ "$fails" -eq 0 ] || exit 1
