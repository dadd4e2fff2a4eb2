#!/usr/bin/env bash
# man_pages_test: the man pages cannot drift from the programs.
#   - crm(1)'s command list is what tools/gen-man-commands makes from
#     `crm help` (client/commands.c's cmd_table);
#   - each hand-written synopsis in crm(1)'s COMMANDS (a `.B COMMAND ...`
#     line before the generated list) names the options `help COMMAND`
#     lists, no more and no fewer (a line saying "options", or the bare
#     name, is exempt);
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

n=0
while IFS= read -r line; do
	line=${line#.B }
	plain=$(sed 's/\\f[A-Z]//g; s/\\-/-/g' <<<"$line")
	case "$plain" in *options*) continue ;; esac
	read -r w1 w2 _ <<<"$plain"
	cmd="$w1 $w2"
	u=$(HOME=/nonexistent "$CRM" -c "help $cmd" 2>/dev/null | head -1)
	case "$u" in "usage: $cmd "* | "usage: $cmd") ;; *)
		cmd=$w1
		u=$(HOME=/nonexistent "$CRM" -c "help $cmd" 2>/dev/null | head -1)
		case "$u" in "usage: $cmd "* | "usage: $cmd") ;; *) continue ;; esac ;;
	esac
	[ "$plain" != "$cmd" ] || continue # a bare name: prose follows
	n=$((n + 1))
	m=$(grep -o -- '--[a-z][a-z-]*' <<<"$plain" | sort -u)
	h=$(grep -o -- '--[a-z][a-z-]*' <<<"$u" | sort -u)
	only_man=$(comm -23 <(echo "$m") <(echo "$h") | tr '\n' ' ')
	only_help=$(comm -13 <(echo "$m") <(echo "$h") | tr '\n' ' ')
	[ -z "$only_man$only_help" ] ||
		bad "crm(1)'s '$cmd' synopsis: not in help: $only_man; missing: $only_help"
done < <(sed -n '1,/BEGIN command list/p' "$SRC/tools/man/crm.1" | grep '^\.B [a-z]')
[ "$n" -ge 10 ] && ok "crm(1)'s $n hand-written synopses name help's options" ||
	bad "only $n hand-written synopses checked"

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
