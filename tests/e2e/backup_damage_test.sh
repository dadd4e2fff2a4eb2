#!/usr/bin/env bash
# backup_damage_test.sh: a backup of damaged data fails, and only the
# backup. LMDB keeps no checksums: on a page of zeros its compacting copy
# ends the process running it (SIGSEGV), which was crmd itself (every
# rep lost the server) and `crmd backup` (a crash, no word). The copy
# runs in a copy process of its own now, so:
# - `backup x` as admin says the copy stopped at damaged data and to run
#   crm-check, exits non-zero; crmd logs it, leaves no partial folder and
#   no copy process, and answers the next request;
# - `crmd backup --data DIR OUT` exits 1 saying the same, nothing left;
# - on healthy data both back up as before (crmd running).
# The page is one where LMDB's own compacting copy (mdb_copy -c) dies by
# a signal, found on the crm-gen data before crmd starts.
# Usage: backup_damage_test.sh CRMD CRM CRM_GEN
set -u
CRMD=${1:?crmd} CRM=${2:?crm} GEN=${3:?crm-gen}
. "$(dirname "$0")/lib.sh"
command -v mdb_copy >/dev/null ||
	{ echo "skipped: no mdb_copy (apt-get install lmdb-utils)"; exit 77; }
e2e_home backup-damage

# crm-gen's users: admin, password bench-pw.
"$GEN" --data "$H/db" --customers 300 --quiet >/dev/null 2>&1 ||
	{ echo "FAIL: crm-gen"; exit 1; }
pages=$(($(stat -c %s "$H/db/data.mdb") / 4096))
page=
for p in $((pages / 2)) $((pages / 3)) $((pages * 2 / 3)) $((pages / 4)) \
	$((pages * 3 / 4)); do
	rm -rf "$H/probe" && mkdir "$H/probe"
	cp "$H/db/data.mdb" "$H/probe/"
	dd if=/dev/zero of="$H/probe/data.mdb" bs=4096 seek="$p" count=1 \
		conv=notrunc 2>/dev/null
	{ mdb_copy -c "$H/probe" >/dev/null 2>&1; } 2>/dev/null
	[ $? -gt 128 ] && { page=$p; break; }
done
rm -rf "$H/probe"
if [ -z "$page" ]; then
	bad "no page of zeros (of $pages) stops mdb_copy -c: no damage to test"
	e2e_done
	exit
fi
ok "a page of zeros at page $page of $pages stops LMDB's compacting copy"

e2e_start || exit 1
e2e_login admin bench-pw

# -- healthy data: online and offline, as before
run_exit 0 "an online backup of healthy data" "$CRM" -c 'backup good'
[ -s "$H/backups/good/data.mdb" ] && ok "it is in the backups folder" ||
	bad "no $H/backups/good/data.mdb: $out $err"
run_exit 0 "an offline backup of healthy data, crmd running" \
	"$CRMD" backup --data "$H/db" "$H/good-offline"
has "it says what it checked" "entries checked"
[ -s "$H/good-offline/data.mdb" ] && ok "the offline backup holds the data" ||
	bad "no $H/good-offline/data.mdb"

# -- the page damaged under the running crmd
dd if=/dev/zero of="$H/db/data.mdb" bs=4096 seek="$page" count=1 \
	conv=notrunc 2>/dev/null || bad "dd"
run "$CRM" -c 'backup x'
[ "$code" -ne 0 ] && ok "the online backup of damaged data fails (exit $code)" ||
	bad "the online backup of damaged data succeeded: $out $err"
has "it says the copy stopped" "backup failed: the copy stopped"
has "and to run crm-check" "run crm-check on"
has "and that crmd goes on serving" "crmd goes on serving"
if kill -0 "$PID" 2>/dev/null; then
	ok "crmd is still running"
else
	bad "crmd died: $(tail -3 "$H/crmd.log")"
fi
run_exit 0 "crmd answers the next request" "$CRM" -c whoami
has "it is still the admin's session" "admin"
left=$(find "$H/backups" -mindepth 1 -maxdepth 1 ! -name good)
[ -z "$left" ] && ok "no partial backup folder is left" ||
	bad "left in the backups folder: $left"
grep -q "backup to .*/backups/x failed: the copy stopped" "$H/crmd.log" &&
	ok "crmd logs the failure" || bad "no failure in the log: $(tail -3 "$H/crmd.log")"
kids=$(ps -o pid=,stat=,args= --ppid "$PID" 2>/dev/null)
[ -z "$kids" ] && ok "no copy process (or zombie) is left" ||
	bad "crmd's children: $kids"

# -- offline, on the same damaged data
run "$CRMD" backup --data "$H/db" "$H/bad-offline"
exit_is 1 "the offline backup of damaged data exits 1"
has "it says the copy stopped" "crmd: backup failed: the copy stopped"
has "and to run crm-check" "run crm-check on $H/db"
left=$(ls -d "$H"/bad-offline* 2>/dev/null)
[ -z "$left" ] && ok "no partial folder of the offline backup is left" ||
	bad "left: $left"

e2e_stop && ok "crmd stops cleanly"
e2e_done
