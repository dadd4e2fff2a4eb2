#!/usr/bin/env bash
# man_pages_test: the man pages cannot drift from the programs.
#   - crm(1)'s command list is what tools/gen-man-commands makes from
#     `crm help` (client/commands.c's cmd_table);
#   - crmd(8) names every option `crmd --help` lists, and every form of
#     its Usage lines (crmd user add, crmd backup).
# Usage: man_pages_test.sh CRMD CRM SOURCE_DIR
set -u
CRMD=$1 CRM=$2 SRC=$3
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

if out=$("$SRC/tools/gen-man-commands" --check "$CRM" "$SRC/tools/man/crm.1" 2>&1); then
	ok "$out"
else
	bad "$out"
fi

page=$SRC/tools/man/crmd.8
help=$(HOME=/nonexistent "$CRMD" --help 2>&1)
n=0
for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
	n=$((n + 1))
	# troff writes a hyphen as \-.
	grep -qF -- "${opt//-/\\-}" "$page" || bad "crmd(8) does not name $opt"
done
[ "$n" -ge 8 ] || bad "crmd --help lists only $n options"
synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$page")
while read -r form; do
	[ -n "$form" ] || continue
	grep -q "^\.B crmd $form\$" <<<"$synopsis" ||
		bad "crmd(8)'s SYNOPSIS has no '.B crmd $form' (crmd --help has it)"
done < <(sed -n 's/^\(Usage:\)\{0,1\} *crmd \([a-z][a-z]*\( [a-z][a-z]*\)\{0,1\}\) .*/\2/p' <<<"$help")
grep -q '^\.B crmd backup$' <<<"$synopsis" ||
	bad "crmd(8)'s SYNOPSIS has no crmd backup"
[ "$fails" -eq 0 ] && ok "crmd(8) names the $n options of crmd --help and its forms"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
