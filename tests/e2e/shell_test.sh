#!/usr/bin/env bash
# shell_test.sh: the crm shell end to end, as a user types it: a real crmd
# in a temp folder, driven only by `crm -c`, `crm COMMAND` and scripts on
# standard input. Covers the acceptance of the foundation issue: roles,
# customers and contacts, visibility, duplicates, formats, exit codes.
# Usage: shell_test.sh CRMD CRM   (ctest passes the built binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home shell

# expect STATUS DESC -- CMD...: run CMD, check its exit status.
expect() {
	local want=$1 desc=$2; shift 3
	out=$("$@" 2>"$H/err"); got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"
	else bad "$desc (exit $got, want $want): $out $(cat "$H/err")"; fi
}
# contains DESC NEEDLE: the last output (stdout+stderr) holds NEEDLE.
contains() {
	if printf '%s\n%s' "$out" "$(cat "$H/err")" | grep -qF -- "$2"; then
		ok "$1"
	else bad "$1: '$2' not in: $out $(cat "$H/err")"; fi
}
json() { /usr/bin/env python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

e2e_admin boss pw1
e2e_start || exit 1

# -- acceptance flow of the foundation issue
expect 0 "admin logs in with the password on stdin" -- \
	sh -c "printf 'pw1\n' | '$CRM' login boss"
perm=$(stat -c %a "$XDG_CONFIG_HOME/crm/session" 2>/dev/null)
[ "$perm" = 600 ] && ok "session file is 0600" || bad "session file mode '$perm'"
expect 0 "whoami after login" -- "$CRM" -c whoami
contains "whoami names the user" boss
expect 0 "admin adds a rep (password on stdin)" -- \
	sh -c "printf 'pw2\n' | '$CRM' -c 'user add li --role rep --team east'"
expect 0 "admin adds a second rep" -- \
	sh -c "printf 'pw3\n' | '$CRM' -c 'user add zhao --role rep --team east'"
expect 0 "admin adds a manager" -- \
	sh -c "printf 'pw4\n' | '$CRM' -c 'user add wang --role manager --team east --name 王经理'"
expect 0 "admin adds a manager of another team" -- \
	sh -c "printf 'pw5\n' | '$CRM' -c 'user add chen --role manager --team west'"
expect 0 "customer add in JSON" -- \
	"$CRM" --format json -c 'customer add "华东机电有限公司" --industry 制造 --owner li'
ID=$(printf '%s' "$out" | json 'd["id"]' 2>/dev/null)
[ -n "$ID" ] && ok "customer add prints the new id ($ID)" || bad "no id in: $out"
expect 0 "customer list in JSON" -- "$CRM" --format json -c 'customer list'
n=$(printf '%s' "$out" | json 'len([c for c in d if c["name"]=="华东机电有限公司"])')
[ "$n" = 1 ] && ok "customer list lists it" || bad "list: $out"

# -- duplicates
expect 1 "a duplicate name is refused" -- \
	"$CRM" -c 'customer add "华东机电 有限公司" --owner li'
contains "the refusal names the existing customer" "ALREADY_EXISTS"
contains "the refusal names its id" "id $ID"

# -- more customers, contacts, edit, find, assign (as admin)
expect 0 "add an English-named customer for zhao" -- \
	"$CRM" -c 'customer add "Acme Trading Ltd" --owner zhao --region Shanghai --grade A'
expect 0 "add a person customer" -- \
	"$CRM" -c 'customer add 李明 --kind person --owner li --source referral'
expect 0 "contact add by customer name" -- \
	"$CRM" -c 'contact add 华东机电有限公司 王强 --title 采购经理 --phone 13800001111 --email wq@hd.example --role decision_maker'
expect 0 "contact list" -- "$CRM" --format csv -c "contact list $ID"
contains "contact list shows the contact" "王强"
expect 0 "customer edit" -- "$CRM" -c "customer edit $ID region=上海 tags=重点,制造 notes='needs a quote'"
expect 0 "customer show in JSON" -- "$CRM" --format json -c "customer show $ID"
r=$(printf '%s' "$out" | json 'd["customer"]["region"], len(d["contacts"])')
[ "$r" = "上海 1" ] || [ "$r" = "('上海', 1)" ] && ok "edit stored, contact shown" || bad "show: $r"
expect 0 "find by a contact's phone" -- "$CRM" --format csv -c 'customer find 1380000'
contains "find returns the customer" "华东机电有限公司"
expect 0 "find by Chinese substring" -- "$CRM" --format csv -c 'customer find 机电'
contains "Chinese find returns the customer" "华东机电有限公司"
expect 2 "edit refuses an unknown field before sending" -- "$CRM" -c "customer edit $ID colour=red"
contains "the error names the field" "colour"
expect 1 "edit refuses a bad enum word" -- "$CRM" -c "customer edit $ID stage=sideways"

# -- backups (admin): a verified copy beside the data, never over one
expect 0 "admin takes a backup" -- "$CRM" -c "backup $H/bk1"
contains "the backup says where" "$H/bk1"
[ -s "$H/bk1/data.mdb" ] && ok "the backup holds the data" || bad "no $H/bk1/data.mdb"
expect 1 "a backup never overwrites a folder" -- "$CRM" -c "backup $H/bk1"
contains "and says why" "exists"
expect 0 "a named backup goes to the backups folder" -- "$CRM" --format json -c "backup nightly"
[ -s "$H/backups/nightly/data.mdb" ] && ok "named backup in $H/backups" || bad "no named backup: $out"

# -- the rep sees only their own
expect 0 "rep li logs in" -- sh -c "printf 'pw2\n' | '$CRM' login li"
expect 0 "li lists customers" -- "$CRM" --format json -c 'customer list'
names=$(printf '%s' "$out" | json '",".join(sorted(c["name"] for c in d))')
[ "$names" = "华东机电有限公司,李明" ] && ok "li sees exactly his two" || bad "li sees: $names"
ACME=$("$CRM" --format json -c 'customer find Acme' | json 'len(d)')
[ "$ACME" = 0 ] && ok "li cannot find zhao's customer" || bad "li found $ACME"
expect 0 "zhao logs in" -- sh -c "printf 'pw3\n' | '$CRM' login zhao"
expect 1 "a rep may not take backups" -- "$CRM" -c "backup $H/bk2"
contains "with PERMISSION_DENIED" "PERMISSION_DENIED"
expect 1 "a second rep gets NOT_FOUND for li's customer" -- "$CRM" -c "customer show $ID"
contains "the error says NOT_FOUND" "NOT_FOUND"
expect 1 "a rep cannot edit another rep's customer" -- "$CRM" -c "customer edit $ID region=x"
expect 1 "a rep cannot add users" -- sh -c "printf 'pw\n' | '$CRM' -c 'user add x --role rep --team east'"
contains "the error says PERMISSION_DENIED" "PERMISSION_DENIED"
expect 1 "a rep cannot assign" -- "$CRM" -c "customer assign $ID zhao"

# -- the manager sees the team and reassigns
expect 0 "manager logs in" -- sh -c "printf 'pw4\n' | '$CRM' login wang"
expect 0 "manager lists the team" -- "$CRM" --format json -c 'customer list'
n=$(printf '%s' "$out" | json 'len(d)')
[ "$n" = 3 ] && ok "manager sees the team's 3 customers" || bad "manager sees $n"
expect 0 "manager assigns to zhao" -- "$CRM" -c "customer assign $ID zhao"
expect 0 "manager filters by owner" -- "$CRM" --format json -c 'customer list --owner zhao'
n=$(printf '%s' "$out" | json 'len(d)')
[ "$n" = 2 ] && ok "zhao now owns 2" || bad "zhao owns $n"
expect 0 "other team's manager logs in" -- sh -c "printf 'pw5\n' | '$CRM' login chen"
expect 1 "another team's manager cannot see it" -- "$CRM" -c "customer show $ID"

# -- contact left, scripts on stdin, exit status, formats
expect 0 "admin logs in again" -- sh -c "printf 'pw1\n' | '$CRM' login boss"
CID=$("$CRM" --format json -c "contact list $ID" | json 'd[0]["id"]')
expect 0 "contact left" -- "$CRM" -c "contact left $CID"
expect 1 "contact left twice is refused" -- "$CRM" -c "contact left $CID"
contains "with FAILED_PRECONDITION" "FAILED_PRECONDITION"
printf 'whoami\n# a comment\n\ncustomer list\n' > "$H/script"
expect 0 "a script on stdin runs every line" -- sh -c "'$CRM' < '$H/script'"
printf 'whoami\ncustomer show 99999\nwhoami\n' > "$H/script2"
expect 1 "a failing line makes the script's exit status non-zero" -- \
	sh -c "'$CRM' < '$H/script2'"
expect 0 "CSV output has a header" -- "$CRM" --format csv -c 'customer list'
printf '%s\n' "$out" | head -1 | grep -q '"*id"*,' && ok "CSV header starts with id" \
	|| bad "CSV header: $(printf '%s' "$out" | head -1)"
expect 2 "an unknown command is a usage error" -- "$CRM" -c 'frobnicate'
expect 0 "crm --help" -- "$CRM" --help
contains "--help prints Usage:" "Usage:"
expect 0 "crmd --help" -- "$CRMD" --help
contains "crmd --help prints Usage:" "Usage:"
expect 2 "crmd refuses a remote bind" -- "$CRMD" --data "$H/db2" --listen tcp://0.0.0.0:5999
contains "and says how to reach it remotely" "SSH"
[ ! -e "$H/db2" ] && ok "before creating a data folder" || bad "db2 was created"
# -- open issue ids for TAB after `issue resolve`/`issue escalate`: the
# "issues" cache holds those this shell saw open, not resolved ones.
IC=$XDG_CACHE_HOME/crm/issues
expect 0 "a customer for an issue" -- "$CRM" -c 'customer add 缓存客户 --owner li'
expect 0 "an after-sales issue" -- "$CRM" -c 'issue 缓存客户 "设备故障"'
iid=$(head -1 "$IC" 2>/dev/null)
[ -n "$iid" ] && printf '%s' "$out" | grep -qF "issue $iid:" \
	&& ok "the new issue's id is cached for completion" || bad "issues cache: '$(cat "$IC" 2>/dev/null)': $out"
expect 0 "resolve it" -- "$CRM" -c "issue resolve $iid '已更换部件'"
! grep -qx "$iid" "$IC" 2>/dev/null && ok "a resolved issue leaves the cache" || bad "still cached: $(cat "$IC")"
expect 0 "issue list shows the resolved one" -- "$CRM" -c 'issue list --team'
contains "it is listed" "已更换部件"
! grep -qx "$iid" "$IC" 2>/dev/null && ok "and does not cache it again" || bad "cached again: $(cat "$IC")"
expect 0 "hints file passes" -- "$CRM" --test-hints "$(dirname "$0")/../data/cli_hints.txt"
expect 0 "logout" -- "$CRM" -c logout
expect 1 "after logout, requests are unauthenticated" -- "$CRM" -c 'customer list'
contains "with UNAUTHENTICATED" "UNAUTHENTICATED"

e2e_done
