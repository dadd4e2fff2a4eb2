#!/usr/bin/env bash
# installed_hooks_test: what `cmake --install` installs carries the test
# hooks (the test clock CRM_TEST_CLOCK, CRM_TEST_PRUNE_MS,
# CRM_TEST_WRITE_DELAY_MS, the cheap password hashes CRM_TEST_CHEAP_HASH)
# only when the build asked for them (CRM_TEST_HOOKS=ON). `absent`: no
# installed program's strings name a CRM_TEST_ variable (a user's or
# packager's build; tools/test's packager pass runs this on a Release
# build). `present`: crmd and crm name CRM_TEST_CLOCK and crmd
# CRM_TEST_CHEAP_HASH, so the `absent` check still looks for the right
# names.
# Usage: installed_hooks_test.sh BUILD_DIR absent|present
set -u
BUILD=$1 WANT=$2
H=$(mktemp -d) || { echo "FAIL - mktemp: no temporary folder"; exit 1; }
trap 'rm -rf "$H"' EXIT
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

# DESTDIR: the files CrmPackage installs at absolute paths (/etc/default,
# /lib/systemd) go under $H too, not onto this machine.
if ! DESTDIR=$H cmake --install "$BUILD" --prefix /usr >"$H/install.log" 2>&1; then
	cat "$H/install.log"
	echo "FAIL - cmake --install $BUILD"
	exit 1
fi
for p in crmd crm; do
	[ -x "$H/usr/bin/$p" ] || bad "cmake --install put no bin/$p"
done

for f in "$H"/usr/bin/*; do
	p=${f##*/}
	names=$(strings -a "$f" | grep -o 'CRM_TEST_[A-Z_]*' | sort -u | tr '\n' ' ')
	case $WANT in
	absent)
		if [ -n "$names" ]; then
			bad "installed $p names test hooks: $names(this build has" \
				"CRM_TEST_HOOKS=OFF: the hooks must be compiled out)"
		else
			ok "installed $p names no CRM_TEST_ variable"
		fi
		;;
	present)
		case $p in
		crmd | crm)
			if [[ " $names" == *" CRM_TEST_CLOCK "* ]]; then
				ok "installed $p (CRM_TEST_HOOKS=ON) has the test clock"
			else
				bad "installed $p of a CRM_TEST_HOOKS=ON build does not" \
					"name CRM_TEST_CLOCK (renamed? update this test)"
			fi
			;;
		esac
		if [ "$p" = crmd ]; then
			if [[ " $names" == *" CRM_TEST_CHEAP_HASH "* ]]; then
				ok "installed crmd (CRM_TEST_HOOKS=ON) has the cheap hash hook"
			else
				bad "installed crmd of a CRM_TEST_HOOKS=ON build does not" \
					"name CRM_TEST_CHEAP_HASH (renamed? update this test)"
			fi
		fi
		;;
	*)
		echo "usage: installed_hooks_test.sh BUILD_DIR absent|present" >&2
		exit 2
		;;
	esac
done

[ "$fails" -eq 0 ] || {
	echo "installed_hooks_test: $fails failed"
	exit 1
}
echo "installed_hooks_test: all passed ($WANT)"
