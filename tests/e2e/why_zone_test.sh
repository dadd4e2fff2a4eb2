#!/usr/bin/env bash
# why_zone_test.sh: `customer why` from a shell in another time zone than
# crmd's says which times are whose: the explanations' times are crmd's
# (its working days decide them), the due times the shell shows are its
# own, each with its offset, and the reply carries crmd's offset
# (WhyReply.utc_offset). A shell in crmd's zone says nothing of it.
# Usage: why_zone_test.sh CRMD CRM
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home whyzone
export TZ=Asia/Shanghai

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1
printf 'pwx\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null ||
	bad "user add li"
e2e_login li pwx
run_exit 0 "a customer with a next follow-up" \
	"$CRM" -c "customer add 华东机电 --grade A"

run_exit 0 "why, in crmd's zone" "$CRM" -c "customer why 华东机电"
has "its next follow-up explained" "task "
hasnt "no word of zones in crmd's zone" "times in the explanations"
hasnt "no offset after the times in crmd's zone" "UTC+08:00"

TZ=America/Los_Angeles run_exit 0 "why, from Los Angeles" \
	"$CRM" -c "customer why 华东机电"
has "the zones named" \
	"(times in the explanations are crmd's, UTC+08:00; the due times and deadlines are this shell's, UTC-08:00)"
has_re "each due time this shell shows says its zone" \
	'^task [0-9]+ .*, due 20[0-9-]+ [0-9:]+ [A-Z][a-z]+ UTC-08:00'
TZ=America/Los_Angeles run_exit 0 "why as JSON" \
	"$CRM" --format json -c "customer why 华东机电"
off=$(printf '%s' "$out" | json 'd["utc_offset"]')
[ "$off" = 28800 ] && ok "the reply carries crmd's offset: $off" ||
	bad "utc_offset: $off ($out)"
e2e_stop
e2e_done
