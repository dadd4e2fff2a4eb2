#!/usr/bin/env bash
# package_test.sh: tools/package builds crm-server and crm-client (issue
# 20); their file lists (dpkg-deb -c), control fields and maintainer
# scripts (dpkg-deb -I/-f/-e) are what the README promises; unpacked into
# a temporary root (dpkg-deb -x) the programs run from there: crmd
# --version, crm --help, and a crmd from the package answering a crm from
# the package. Skipped (77) where dpkg-deb or cpack is missing (not
# Debian). Slow: a release build (kept in BUILD_DIR, so later runs are
# incremental).
# Usage: package_test.sh SOURCE_DIR BUILD_DIR
set -u
SRC=${1:?source dir}
BUILD=${2:?package build dir}
for tool in dpkg-deb dpkg-shlibdeps cpack; do
	command -v "$tool" >/dev/null || {
		echo "SKIP: $tool is missing (a Debian tool; tools/deps installs dpkg-dev)"
		exit 77
	}
done
CRMD=unused CRM=unused
. "$(dirname "$0")/lib.sh"
e2e_home package

run "$SRC/tools/package" --build-dir "$BUILD" --out "$H/dist"
exit_is 0 "tools/package builds" || { echo "$err"; exit 1; }
server=$(ls "$H"/dist/crm-server_*_*.deb 2>/dev/null)
client=$(ls "$H"/dist/crm-client_*_*.deb 2>/dev/null)
n=$(ls "$H"/dist/*.deb | wc -l)
[ "$n" -eq 2 ] && [ -n "$server" ] && [ -n "$client" ] &&
	ok "it writes two .deb files" || { bad "dist: $(ls "$H/dist")"; exit 1; }
has "and prints their paths" "$server"

# ------------------------------------------------------------ file lists
list=$(dpkg-deb -c "$server" | awk '{print $NF}')
for f in ./usr/bin/crmd ./usr/bin/crm-check \
	./lib/systemd/system/crmd.service ./usr/share/man/man8/crmd.8.gz \
	./usr/share/man/man1/crm-check.1.gz ./etc/default/crmd \
	./etc/ssh/sshd_config.d/crm.conf ./usr/share/doc/crm-server/copyright; do
	grep -qxF "$f" <<<"$list" && ok "crm-server has $f" ||
		bad "crm-server lacks $f"
done
for f in ./usr/bin/crm ./usr/bin/crm-gen ./usr/share/crm/systemd/crmd.service; do
	grep -qxF "$f" <<<"$list" && bad "crm-server has $f" ||
		ok "crm-server has no $f"
done
list=$(dpkg-deb -c "$client" | awk '{print $NF}')
for f in ./usr/bin/crm ./usr/share/man/man1/crm.1.gz \
	./usr/share/doc/crm-client/copyright; do
	grep -qxF "$f" <<<"$list" && ok "crm-client has $f" ||
		bad "crm-client lacks $f"
done
grep -qE '/(crmd|crm-check)$' <<<"$list" && bad "crm-client has a server program" ||
	ok "crm-client has no server program"

# ------------------------------------------------------------ control
dep=$(dpkg-deb -f "$server" Depends)
for p in libc6 liblmdb0 libnanomsg5 libprotobuf-c1 libsodium23 passwd; do
	grep -qE "(^|, )$p( |,|$)" <<<"$dep" && ok "crm-server depends on $p" ||
		bad "crm-server Depends: $dep (no $p)"
done
dep=$(dpkg-deb -f "$client" Depends)
for p in libc6 libnanomsg5 libxlsxwriter4; do
	grep -qE "(^|, )$p( |,|$)" <<<"$dep" && ok "crm-client depends on $p" ||
		bad "crm-client Depends: $dep (no $p)"
done
[ "$(dpkg-deb -f "$client" Recommends)" = openssh-client ] &&
	ok "crm-client recommends openssh-client" || bad "client Recommends"
[ "$(dpkg-deb -f "$server" Recommends)" = openssh-server ] &&
	ok "crm-server recommends openssh-server" || bad "server Recommends"
info=$(dpkg-deb -I "$server")
for s in postinst prerm postrm conffiles; do
	grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? +$s( |$)" <<<"$info" &&
		ok "crm-server has a $s" || bad "no $s in: $info"
done
dpkg-deb -e "$server" "$H/ctl"
sh -n "$H/ctl/postinst" && sh -n "$H/ctl/prerm" && sh -n "$H/ctl/postrm" &&
	ok "the maintainer scripts parse" || bad "maintainer script syntax"
grep -q "useradd --system" "$H/ctl/postinst" &&
	grep -q "/var/lib/crm" "$H/ctl/postinst" &&
	ok "postinst makes the crm account and /var/lib/crm" ||
	bad "postinst: $(cat "$H/ctl/postinst")"
[ "$(cat "$H/ctl/conffiles")" = "/etc/default/crmd
/etc/ssh/sshd_config.d/crm.conf" ] && ok "the /etc files are conffiles" ||
	bad "conffiles: $(cat "$H/ctl/conffiles")"

# ------------------------------------------------------------ unpacked
R=$H/root
dpkg-deb -x "$server" "$R" && dpkg-deb -x "$client" "$R" ||
	{ bad "dpkg-deb -x"; exit 1; }
grep -qx "ExecStart=/usr/bin/crmd \$CRMD_OPTS" "$R/lib/systemd/system/crmd.service" &&
	ok "the unit runs /usr/bin/crmd with /etc/default/crmd's options" ||
	bad "unit: $(grep Exec "$R/lib/systemd/system/crmd.service")"
grep -q "^Match User crm$" "$R/etc/ssh/sshd_config.d/crm.conf" &&
	ok "the sshd drop-in is for the crm account" || bad "sshd drop-in"
run "$R/usr/bin/crmd" --version
exit_is 0 "crmd --version runs from the unpacked package"
has "and names the version" "0.1.0"
run "$R/usr/bin/crm" --help
exit_is 0 "crm --help runs from the unpacked package"
has "and mentions ssh://" "ssh://[USER@]HOST"
run "$R/usr/bin/crmd" remote-key --help
exit_is 0 "crmd remote-key --help"
run ldd "$R/usr/bin/crmd" "$R/usr/bin/crm" "$R/usr/bin/crm-check"
hasnt "every shared library is found" "not found"
strings "$R/usr/bin/crmd" "$R/usr/bin/crm" | grep -q CRM_TEST_ &&
	bad "the packaged programs have test hooks" ||
	ok "the packaged programs have no test hooks"
zcat "$R/usr/share/man/man8/crmd.8.gz" | grep -q "remote-key" &&
	ok "crmd.8 documents remote-key" || bad "crmd.8 lacks remote-key"

# The packaged crmd serves the packaged crm.
CRMD=$R/usr/bin/crmd CRM=$R/usr/bin/crm
e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
run "$CRM" -c whoami
has "the packaged crm talks to the packaged crmd" "boss"
e2e_done
