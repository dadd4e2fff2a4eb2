#!/usr/bin/env bash
# fast_start_test.sh: `crm -c 'due today'` loads only the libraries a
# command needs at every start (issue 14 item 9): libxlsxwriter and what
# it brings (libcrypto, libminizip, libz) took about half of each start,
# so they are loaded (dlopen) by the first .xlsx export, which must still
# work. The start-to-exit time is printed, not asserted (it depends on
# the machine and its load); crm-bench reports it against its goal.
# Usage: fast_start_test.sh CRMD CRM
set -u
CRMD=$(realpath "${1:?crmd path}")
CRM=$(realpath "${2:?crm path}")
. "$(dirname "$0")/lib.sh"
e2e_home faststart
e2e_admin boss boss-pw-123
e2e_start || exit 1
e2e_login boss boss-pw-123
"$CRM" -c 'customer add 华东机电有限公司' >/dev/null || bad "customer add"
"$CRM" -c 'task add 华东机电有限公司 +2h "回电"' >/dev/null || bad "task add"

# The objects the dynamic loader maps, one per line ("file=NAME [0];").
loaded() { LD_DEBUG=files "$CRM" "$@" 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u; }

libs=$(loaded -c 'due today')
if [ -z "$libs" ]; then
	bad "LD_DEBUG=files shows nothing (a static crm?)"
elif echo "$libs" | grep -qE 'libxlsxwriter|libcrypto|libminizip|libz\.'; then
	bad "crm -c 'due today' loads the xlsx libraries:" \
		"$(echo "$libs" | grep -E 'libxlsxwriter|libcrypto|libminizip|libz\.' | tr '\n' ' ')"
else
	ok "crm -c 'due today' loads $(echo "$libs" | wc -l) objects, no xlsx library"
fi

cd "$H" || exit 1
libs=$(loaded -c 'export customers 客户.xlsx')
if [ -s 客户.xlsx ] && echo "$libs" | grep -q libxlsxwriter; then
	ok "export to .xlsx loads libxlsxwriter and writes the file"
else
	bad "export to .xlsx: $(ls -l 客户.xlsx 2>&1) / $libs"
fi
if command -v xlsx2csv >/dev/null; then
	if xlsx2csv 客户.xlsx | grep -q 华东机电有限公司; then
		ok "the workbook holds the customer"
	else
		bad "the workbook does not hold the customer"
	fi
fi

# For the log only: p50 of 20 starts, and of /bin/true between them.
python3 - "$CRM" <<'PY'
import subprocess, sys, time
crm, t, b = sys.argv[1], [], []
for _ in range(20):
    for argv, out in (([crm, "-c", "due today"], t), (["/bin/true"], b)):
        s = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((time.perf_counter() - s) * 1000)
t.sort(); b.sort()
print(f"info - crm -c 'due today' p50 {t[10]:.2f} ms, p95 {t[18]:.2f} ms; "
      f"/bin/true p50 {b[10]:.2f} ms")
PY
e2e_stop
e2e_done
