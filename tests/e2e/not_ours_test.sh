#!/usr/bin/env bash
# not_ours_test.sh: data crm must not write into, and folders it cannot
# read as crm data. An LMDB database of another program (a mistyped
# --data): crmd, `crmd user add`, `crmd backup` and crm-check refuse it
# and leave its file as it was. Data of a newer schema (here "schema" set
# one past this build's in meta): all four refuse it and say so, and
# nothing is written. An empty data.mdb (what a failed copy of a backup
# leaves) is "no crm database" to every program, crmd included, which
# does not start anew over it; a data.mdb cut short is refused by each,
# saying so; a read-only open of an unreadable folder leaves
# no lock file behind. A backup in a folder its user cannot write can
# still be checked.
# Usage: not_ours_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home not-ours
command -v mdb_load >/dev/null || { echo "skipped: no mdb_load"; exit 77; }
printf 'pw-boss\n' >"$H/pw"

# -- another program's LMDB database
mkdir -p "$H/other"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 68656c6c6f\n 776f726c64\nDATA=END\n' |
	mdb_load "$H/other" || bad "mdb_load"
sum=$(md5sum <"$H/other/data.mdb")
run_exit 1 "crmd refuses another program's database" \
	timeout 10 "$CRMD" --data "$H/other" --listen "ipc://$H/other.s"
has "crmd says it is not crm's" "not crm's"
run_exit 1 "crmd user add refuses it" \
	sh -c "\"$CRMD\" user add boss --role admin --data \"$H/other\" <\"$H/pw\""
has "user add says it is not crm's" "not crm's"
run_exit 1 "crmd backup refuses it" "$CRMD" backup --data "$H/other" "$H/bk-other"
run_exit 2 "crm-check does not check it" "$CHECK" "$H/other"
has "crm-check says it is not crm's" "not crm's"
[ "$(md5sum <"$H/other/data.mdb")" = "$sum" ] &&
	ok "its file is as it was" || bad "another program's data.mdb changed"
n=$(mdb_stat "$H/other" | awk '/Entries/ {print $2}')
[ "$n" = 1 ] && ok "its main database still holds its 1 entry" ||
	bad "its main database holds $n entries"

# -- data of a newer schema
e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a team" "$CRM" -c 'team add east'
e2e_stop
now=$(mdb_dump -s meta "$H/db" | awk 'p {print; exit} /^ 736368656d61$/ {p=1}')
next=$(printf ' %08x' $((16#${now# } + 1)))
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n%s\nDATA=END\n' \
	"$next" | mdb_load -s meta "$H/db" || bad "mdb_load"
newer=$((16#${next# }))
sum=$(md5sum <"$H/db/data.mdb")
run_exit 1 "crmd refuses data of schema $newer" \
	timeout 10 "$CRMD" --data "$H/db" --listen "ipc://$H/s2"
has "crmd says which schema it knows" "this data has schema $newer; this program knows up to schema $((newer - 1))"
run_exit 2 "crm-check refuses it" "$CHECK" "$H/db"
has "crm-check says why" "this data has schema $newer"
run_exit 1 "crmd backup refuses it" "$CRMD" backup --data "$H/db" "$H/bk-newer"
has "backup says why" "this data has schema $newer"
[ ! -e "$H/bk-newer" ] && ok "no backup folder left" || bad "a backup folder was made"
printf 'pw-li\n' >"$H/pw-li"
run_exit 1 "crmd user add refuses it" \
	sh -c "\"$CRMD\" user add li --role rep --data \"$H/db\" <\"$H/pw-li\""
has "user add says why" "this data has schema $newer"
[ "$(md5sum <"$H/db/data.mdb")" = "$sum" ] &&
	ok "nothing was written to the newer data" || bad "the newer data changed"

# -- folders that hold no crm data
mkdir -p "$H/zero" "$H/junk"
: >"$H/zero/data.mdb"
head -c 8192 /dev/urandom >"$H/junk/data.mdb"
run_exit 2 "crm-check: an empty data.mdb" "$CHECK" "$H/zero"
has "it is called empty, no crm database" "is empty (0 bytes): no crm database"
run_exit 1 "crmd backup: an empty data.mdb" "$CRMD" backup --data "$H/zero" "$H/bk-zero"
has "backup calls it empty too" "is empty (0 bytes)"
run_exit 1 "crmd refuses an empty data.mdb, not starting anew over it" \
	timeout 10 "$CRMD" --data "$H/zero" --listen "ipc://$H/zero.s"
has "crmd says what to do" "restore a backup, or remove it to start a new database"
run_exit 1 "crmd user add refuses it too" \
	sh -c "\"$CRMD\" user add boss --role admin --data \"$H/zero\" <\"$H/pw\""
[ ! -s "$H/zero/data.mdb" ] && ok "the empty data.mdb is still empty" ||
	bad "the empty data.mdb was written"
run_exit 2 "crm-check: a data.mdb of junk" "$CHECK" "$H/junk"

# -- a copy cut short (a copy that stopped early, a full disk): reading
#    its missing pages through the map would end each program with
#    SIGBUS and nothing said (a tester's crm-check, crmd and backup did)
mkdir -p "$H/cut"
cp "$H/db/data.mdb" "$H/cut/"
truncate -s $(($(stat -c %s "$H/cut/data.mdb") / 2)) "$H/cut/data.mdb"
run_exit 2 "crm-check: a data.mdb cut short" "$CHECK" "$H/cut"
has "it says so" "is cut short"
run_exit 1 "crmd backup: a data.mdb cut short" "$CRMD" backup --data "$H/cut" "$H/bk-cut"
has "backup says so" "is cut short"
run_exit 1 "crmd refuses a data.mdb cut short" \
	timeout 10 "$CRMD" --data "$H/cut" --listen "ipc://$H/cut.s"
has "crmd says what to do" "restore a backup, or copy the whole file again"

# -- a data folder others may write to: served, with a warning that
#    says the fix (a tester's 0777 folder and 0666 data.mdb went unsaid)
"$CRMD" user add boss --role admin --data "$H/open" <"$H/pw" >/dev/null 2>&1 ||
	bad "a database for the open folder"
chmod 777 "$H/open"
chmod 666 "$H/open/data.mdb"
timeout 3 "$CRMD" --data "$H/open" --listen "ipc://$H/open.s" 2>"$H/open.log"
grep -q "open is writable by everyone (mode 0777).*chmod 700" "$H/open.log" &&
	grep -q "data.mdb is writable by everyone (mode 0666).*chmod 600" "$H/open.log" &&
	ok "crmd warns of a folder and a data.mdb others may write" ||
	bad "no warning: $(cat "$H/open.log")"
for d in zero junk; do
	[ ! -e "$H/$d/lock.mdb" ] && ok "crm-check left no lock file in $d" ||
		bad "crm-check left $H/$d/lock.mdb"
done

# -- a copy in a folder its user cannot write (as root: as nobody)
mkdir -p "$H/ro"
cp "$H/db/data.mdb" "$H/ro/"
# (the newer-schema data again at schema newer - 1, so it can be checked)
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n%s\nDATA=END\n' \
	"$now" | mdb_load -s meta "$H/ro" || bad "mdb_load"
rm -f "$H/ro/lock.mdb"
chmod 0555 "$H/ro"
chmod 0444 "$H/ro/data.mdb"
as=()
if [ "$(id -u)" = 0 ]; then
	chmod 0755 "$H"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
run_exit 0 "crm-check checks a folder it cannot write" "${as[@]}" "$CHECK" "$H/ro"
has "and finds it clean" "clean"
[ ! -e "$H/ro/lock.mdb" ] && ok "no lock file in the read-only folder" ||
	bad "a lock file appeared in the read-only folder"
chmod 0755 "$H/ro"

# -- a folder that does not exist yet (a mistyped --data): crmd makes a
# new database there, and says it holds no users and how to make one.
timeout -s TERM 2 "$CRMD" --data "$H/typo" --listen "ipc://$H/typo.s" \
	>"$H/typo.log" 2>&1
grep -q "holds no users (a new database: check --data)" "$H/typo.log" &&
	ok "crmd says a new database holds no users" ||
	bad "no word of an empty database: $(cat "$H/typo.log")"
grep -q "crmd user add LOGIN --role admin --data $H/typo\`" "$H/typo.log" &&
	ok "and how to make the first admin" || bad "no user add hint"
run_exit 0 "the first admin" \
	sh -c "\"$CRMD\" user add boss --role admin --data \"$H/typo\" <\"$H/pw\""
timeout -s TERM 2 "$CRMD" --data "$H/typo" --listen "ipc://$H/typo.s" \
	>"$H/typo2.log" 2>&1
grep -q "serving $H/typo" "$H/typo2.log" && ! grep -q "holds no users" "$H/typo2.log" &&
	ok "no such word once it has a user" ||
	bad "the warning on data with users: $(cat "$H/typo2.log")"

# -- a data folder whose parents are missing (crmd(8): "created mode 0700
# if missing"; `--data ~/crm/db` on a fresh home failed)
run_exit 0 "user add makes the folders above the data folder" \
	sh -c "\"$CRMD\" user add boss --role admin --data \"$H/new/crm/db\" <\"$H/pw\""
[ "$(stat -c %a "$H/new/crm" "$H/new/crm/db" | tr '\n' ' ')" = "700 700 " ] &&
	ok "each made 0700" || bad "modes: $(stat -c '%n %a' "$H/new/crm" "$H/new/crm/db")"
e2e_done
