#!/usr/bin/env bash
# old_schema_test.sh: data of an older schema (here: "schema" set back to
# 11 in meta, as data written by the crmd before this one says) is
# changed only by crmd's upgrade. crm-check and `crmd backup` refuse it
# and say to start crmd on it once (and how to keep a copy first), not
# "no database"; `crmd user add` refuses it and writes nothing; crmd
# upgrades it, after which all three work (and a find of blanks alone
# is refused on the upgraded data, as an empty text).
# Usage: old_schema_test.sh CRMD CRM CRM-CHECK
set -u
CRMD=${1:?crmd} CRM=${2:?crm} CHECK=${3:?crm-check}
. "$(dirname "$0")/lib.sh"
e2e_home old-schema

e2e_admin boss pw-boss
e2e_start || exit 1
e2e_login boss pw-boss
run_exit 0 "a team" "$CRM" -c 'team add east'
run_exit 0 "a customer" "$CRM" -c "customer add '旧版客户'"
e2e_stop

command -v mdb_load >/dev/null || { echo "skipped: no mdb_load"; exit 77; }
# meta's "schema" = 11 (4 bytes, big-endian)
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n 0000000b\nDATA=END\n' |
	mdb_load -s meta "$H/db" || bad "mdb_load"
sum_before=$(md5sum <"$H/db/data.mdb")

run_exit 2 "crm-check refuses data of schema 11" "$CHECK" "$H/db"
has "it says what the data is and what to do" "this data has schema 11"
has "start crmd on it" "start crmd on it once to upgrade it"
has "and not that there is no database" "not checked"

run_exit 1 "crmd backup refuses it" "$CRMD" backup --data "$H/db" "$H/bk"
has "backup says to upgrade first" "start crmd on it once to upgrade it"
has "backup says how to keep a copy as it is" "copy the folder while no crmd runs"
[ ! -e "$H/bk" ] && ok "no backup folder left" || bad "a backup folder was made"

printf 'pw-li\n' >"$H/pw"
run_exit 1 "crmd user add refuses it" \
	sh -c "\"$CRMD\" user add li --role rep --data \"$H/db\" <\"$H/pw\""
has "user add says to upgrade first" "start crmd on it once to upgrade it"
[ "$(md5sum <"$H/db/data.mdb")" = "$sum_before" ] &&
	ok "user add wrote nothing" || bad "user add changed the data file"

e2e_start || exit 1
grep -q "upgrading the data from schema 11" "$H/crmd.log" &&
	ok "crmd upgrades it" || bad "no upgrade in the log: $(cat "$H/crmd.log")"
run_exit 0 "the customer is there" "$CRM" -c "customer find 旧版客户"
has "found" "旧版客户"
# (and find's text may not be blanks alone: they would match everything)
run "$CRM" -c "customer find '  '"
[ "$code" -ne 0 ] && ok "find of blanks alone is refused" ||
	bad "find '  ' answered: $out"
has "find says to give some text" "give some text to find"
e2e_stop
run_exit 0 "crm-check: clean after the upgrade" "$CHECK" --quiet "$H/db"
run_exit 0 "backup works after the upgrade" "$CRMD" backup --data "$H/db" "$H/bk"
e2e_user li pw-li --role rep --team east
ok "user add works after the upgrade"
e2e_done
