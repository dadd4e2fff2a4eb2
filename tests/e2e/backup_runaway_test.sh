#!/usr/bin/env bash
# backup_runaway_test.sh: a copy that grows past what the data can hold
# stops there. On some damaged pages LMDB's compacting copy goes round
# and round, writing without end (in CI it filled /dev/shm until the
# machine killed it). The copy process may write no more than twice the
# data file and 64 MiB; the test hook CRM_TEST_BACKUP_LIMIT sets that
# bound low, on healthy data, so the copy meets it every run:
# - `crmd backup` exits 1 saying the copy stopped at damaged data, how
#   far it grew, and to run crm-check; no partial folder is left;
# - `backup x` as admin says the same, crmd logs it and answers on;
# - without the hook the same data backs up (the bound is above it).
# Usage: backup_runaway_test.sh CRMD CRM CRM_GEN
set -u
CRMD=${1:?crmd} CRM=${2:?crm} GEN=${3:?crm-gen}
. "$(dirname "$0")/lib.sh"
e2e_home backup-runaway

"$GEN" --data "$H/db" --customers 300 --quiet >/dev/null 2>&1 ||
	{ echo "FAIL: crm-gen"; exit 1; }
size=$(stat -c %s "$H/db/data.mdb")
[ "$size" -gt 2097152 ] && ok "the data file is $size bytes, past a 1 MiB bound" ||
	bad "the data file is only $size bytes"

# -- offline
CRM_TEST_BACKUP_LIMIT=1048576 run "$CRMD" backup --data "$H/db" "$H/over"
exit_is 1 "an offline backup that grows past its bound exits 1"
has "it says the copy stopped at damaged data" \
	"crmd: backup failed: the copy stopped at damaged data"
has "and how far it grew" "it grew past 1048576 bytes"
has "and to run crm-check" "run crm-check on $H/db"
left=$(ls -d "$H"/over* 2>/dev/null)
[ -z "$left" ] && ok "no partial folder is left" || bad "left: $left"
run_exit 0 "without the bound the same data backs up" \
	"$CRMD" backup --data "$H/db" "$H/whole"

# -- online: crmd's copy process has the same bound
CRM_TEST_BACKUP_LIMIT=1048576 e2e_start || exit 1
e2e_login admin bench-pw
run "$CRM" -c 'backup x'
[ "$code" -ne 0 ] && ok "the online backup fails (exit $code)" ||
	bad "the online backup succeeded: $out $err"
has "it says the copy stopped" "backup failed: the copy stopped at damaged data"
has "and that crmd goes on serving" "crmd goes on serving"
run_exit 0 "crmd answers the next request" "$CRM" -c whoami
left=$(find "$H/backups" -mindepth 1 -maxdepth 1 2>/dev/null)
[ -z "$left" ] && ok "no partial backup folder is left" ||
	bad "left in the backups folder: $left"
grep -q "error: backup to .*/backups/x failed: the copy stopped at damaged" \
	"$H/crmd.log" && ok "crmd logs it as an error" ||
	bad "not in the log: $(tail -3 "$H/crmd.log")"

e2e_stop && ok "crmd stops cleanly"
e2e_done
