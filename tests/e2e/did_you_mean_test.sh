#!/usr/bin/env bash
# did_you_mean_test.sh: a word typed wrong gets the closest right ones
# (issue 14 item 5), end to end against a real crmd in a temp folder:
# commands, verbs, options and customer fields suggest by edit distance
# or prefix; a customer name that is no customer's lists the candidates
# of `customer find`; a command that only reads takes the only candidate
# (saying so), a command that writes never does: it names it and refuses;
# a name with no candidate gets the cached names closest to it. A number
# that reads as a phone (more than 10 digits, or a leading 0) is searched
# like a name, never sent as an id; a shorter one that is no id says how
# to look it up as a phone.
# Usage: did_you_mean_test.sh CRMD CRM   (ctest passes the built binaries)
set -u
CRMD=${1:?crmd path}
CRM=${2:?crm path}
. "$(dirname "$0")/lib.sh"
e2e_home dym
export LC_ALL=C.UTF-8
unset CRM_FORMAT

# No server needed for words the shell knows itself.
run_exit 2 "a misspelt command" "$CRM" -c 'custmer list'
has "suggests customer" "unknown command: custmer (did you mean: customer?)"
hasnt "not every near word" "user?"
run_exit 2 "swapped letters" "$CRM" -c 'custoemr list'
has "suggests customer" "did you mean: customer?"
run_exit 2 "a misspelt verb" "$CRM" -c 'customer lsit'
has "suggests list" "unknown command: customer lsit (did you mean: list?)"
run_exit 2 "a misspelt option" "$CRM" -c 'due --tem'
has "suggests --team" "unknown option --tem for due (did you mean: --team?)"
run_exit 2 "the start of an option" "$CRM" -c 'customer add X --budget 30万'
has "suggests --budget-range" "(did you mean: --budget-range?)"
run_exit 2 "nothing close" "$CRM" -c 'zzzz'
hasnt "no suggestion" "did you mean"
run_exit 1 "help of a misspelt command" "$CRM" -c 'help custmer'
has "help suggests too" "did you mean: customer?"

# Help names what may be typed: the time forms and the import columns
# (these come from the time parser's list and import_map.c's table).
run_exit 0 "help times" "$CRM" -c 'help times'
has "a Chinese day" "下周二"
has "from now" "3天后"
has "a period" "本周"
run_exit 0 "help task add" "$CRM" -c 'help task add'
has "names the time forms" "WHEN: 2026-12-08 10:00, tomorrow 10:00, mon, +3d, 明天 10:00, 下周二"
has "points to help times" "help times"
run_exit 0 "help log (--at WHEN)" "$CRM" -c 'help log'
has "points to help times" "help times"
run_exit 0 "help customer show (no time)" "$CRM" -c 'help customer show'
hasnt "no time forms" "help times"
run_exit 0 "help import followups" "$CRM" -c 'help import followups'
has "the columns" "Columns (the header names them by any of these words"
has "the time column" "跟进时间, 实际跟进时间"
has "the next date" "next_due_at        下次跟进时间"
has "a score" "timeliness         score_timeliness, 响应及时性"
has "what is required" "Required: customer"
run_exit 0 "help import contacts" "$CRM" -c 'help import contacts'
has "a phone" "电话/联系方式"
has "name and title" "联系人(职务)"
has "what is required" "Required: customer, name"

e2e_admin boss pw1
e2e_start || exit 1
e2e_login boss pw1

run_exit 0 "customer add" "$CRM" -c 'customer add 华东机电有限公司'
run_exit 0 "customer add" "$CRM" -c 'customer add 华东物流有限公司'
run_exit 0 "customer add" "$CRM" -c 'customer add 杭州新风科技有限公司'

run_exit 2 "a misspelt field" "$CRM" -c 'customer edit 杭州新风科技有限公司 regoin=杭州'
has "suggests region" "no customer field 'regoin' (did you mean: region?)"
hasnt "no TAB hint outside the shell" "press TAB"
run_exit 2 "a misspelt import word" "$CRM" -c 'customer edit 杭州新风科技有限公司 budjet=1'
has "suggests budget" "no customer field 'budjet' (did you mean: budget?)"
run_exit 2 "a Chinese field word" "$CRM" -c 'customer edit 杭州新风科技有限公司 决策人=王'
has "suggests 决策链" "no customer field '决策人' (did you mean: 决策链?)"

run_exit 1 "several candidates" "$CRM" -c 'customer show 华东'
has "says no such name" "no customer is named '华东'; did you mean:"
has "lists one" "华东机电有限公司"
has "lists the other" "华东物流有限公司"

run_exit 0 "the only candidate opens" "$CRM" -c 'customer show 新风'
has "says which it took" "taking 杭州新风科技有限公司 (id 3)"
has "shows it" "name              杭州新风科技有限公司"

# A write never acts on a guessed customer (nothing is sent).
run_exit 1 "a write refuses a guess" "$CRM" -c 'contact add 机电 王总'
has "names the one candidate" "no customer is named '机电'; did you mean 华东机电有限公司 (id 1)? give the full name or the id"
hasnt "takes nothing" "taking"
run_exit 0 "a read of the contacts" "$CRM" -c 'contact list 华东机电有限公司'
hasnt "no contact was added" "王总"
run_exit 0 "the full name writes" "$CRM" -c 'contact add 华东机电有限公司 王总'
run_exit 0 "a second customer alike" "$CRM" -c 'customer add 华东机电设备有限公司'
run_exit 1 "merge refuses a guessed DROP" "$CRM" -c 'customer merge 华东机电有限公司 机电设备 --yes'
has "names it" "did you mean 华东机电设备有限公司 (id 4)? give the full name or the id"
run_exit 0 "the guessed one is not merged" "$CRM" -c 'customer show 4'
hasnt "still open" "merged"
run_exit 1 "task add refuses a guess" "$CRM" -c 'task add 新风 tomorrow 送样品'
has "names it" "did you mean 杭州新风科技有限公司 (id 3)?"
run_exit 0 "no task was added" "$CRM" -c 'due all'
hasnt "no such task" "送样品"
run_exit 1 "stage refuses a guess" "$CRM" -c 'stage 新风 intent'
run_exit 0 "the stage is unchanged" "$CRM" -c 'customer show 杭州新风科技有限公司'
has "still potential" "potential"
run_exit 1 "log takes only the exact name" "$CRM" -c 'log 新风 "电话沟通"'
has "the server's error" 'no customer named "新风" (NOT_FOUND)'
has "and what was meant" "3  杭州新风科技有限公司"
out=$(printf '\n' | "$CRM" -c 'log 新风' 2>&1) err=
has "field by field too" "3  杭州新风科技有限公司"
run_exit 0 "nothing was logged" "$CRM" -c 'customer history 杭州新风科技有限公司'
hasnt "no follow-up" "电话沟通"
run_exit 0 "a read still opens the only one" "$CRM" -c 'customer history 新风'
has "says which it took" "taking 杭州新风科技有限公司 (id 3)"

run_exit 1 "no candidate at all" "$CRM" -c 'customer show 不存在的公司'
has "the plain error" 'no customer named "不存在的公司" (NOT_FOUND)'
hasnt "nothing close to suggest" "did you mean"

# No name contains it: the closest names by edit distance, only shown.
run_exit 0 "a latin name" "$CRM" -c 'customer add Northwind'
run_exit 1 "a letter missing" "$CRM" -c 'customer show Nortwind'
has "still NOT_FOUND" 'no customer named "Nortwind" (NOT_FOUND)'
has "suggests Northwind" "did you mean:"
has "the close name" "  Northwind"
# Typed short and wrong (README's tour, whose demo customer is
# "Northwind Foods"): the names whose start is close.
run_exit 0 "a longer latin name" "$CRM" -c 'customer add "Southgate Trading Co"'
run_exit 1 "its start, a letter missing" "$CRM" -c 'customer show Soutgate'
has "suggests it by its start" "  Southgate Trading Co"
run_exit 1 "one character wrong" "$CRM" -c 'customer show 华东机械有限公司'
has "suggests 华东机电有限公司" "  华东机电有限公司"
run_exit 1 "a write with a close name" "$CRM" -c 'customer edit 华东机械有限公司 region=上海'
has "suggests, does not act" "  华东机电有限公司"

# A phone number where a customer goes (tester: `customer show
# 13800138000` was read as an id and answered "not found"). 华东机电有限公司
# is customer 1; its contact 王总 gets the mobile, 杭州新风 (3) a landline.
run_exit 0 "a mobile" "$CRM" -c 'contact edit 1 phone=13800138000'
run_exit 0 "a landline" "$CRM" -c 'contact add 杭州新风科技有限公司 林工 --phone 021-6234-5678'
run_exit 0 "customer show MOBILE opens its customer" "$CRM" -c 'customer show 13800138000'
has "says which it took" "13800138000 is no customer's id or name: taking 华东机电有限公司 (id 1)"
has "shows it" "name              华东机电有限公司"
hasnt "not read as an id" "no customer 13800138000"
run_exit 0 "a landline with its area code (a leading 0)" "$CRM" -c 'customer history 02162345678'
has "takes its customer" "taking 杭州新风科技有限公司 (id 3)"
run_exit 1 "a write never acts on a phone's match" "$CRM" -c 'customer edit 13800138000 region=上海'
has "names it" "13800138000 is no customer's id or name; did you mean 华东机电有限公司 (id 1)? give the full name or the id"
run_exit 0 "nothing was edited" "$CRM" -c 'customer show 1'
hasnt "no region" "上海"
run_exit 1 "stage alike" "$CRM" -c 'stage 13800138000 intent'
has "names it" "did you mean 华东机电有限公司 (id 1)?"
run_exit 1 "log alike (the number sent as a name)" "$CRM" -c 'log 13800138000 "来电"'
has "and what was meant" "1  华东机电有限公司"
hasnt "not read as an id" "no customer 13800138000"
run_exit 1 "a mobile nobody has" "$CRM" -c 'customer show 13900000000'
has "says it is no id, name or phone" "13900000000 is no customer's id or name, and no customer's phone has it (NOT_FOUND)"
# Up to 10 digits a number is an id; one that is none, long enough to
# be a phone, gets the way to look it up.
run_exit 1 "a local number read as an id" "$CRM" -c 'customer show 62345678'
has "the server's answer" "no customer 62345678 (NOT_FOUND)"
has "how to find it as a phone" "hint: 62345678 was read as a customer id; to look for it as a phone number: customer find 62345678"
run_exit 1 "a short id that is none" "$CRM" -c 'customer show 99'
has "the server's answer" "no customer 99 (NOT_FOUND)"
hasnt "no phone hint" "customer find"

# The names one user saw are not offered to the next who logs in here:
# a rep with no customers gets no suggestion of the admin's.
run_exit 0 "the admin lists customers" "$CRM" -c 'customer list'
printf 'pw2\npw2\n' | "$CRM" -c 'user add li --role rep --team east' >/dev/null || bad "user add li"
[ -s "$XDG_CACHE_HOME/crm/customers" ] && ok "the admin's names are cached" || bad "no name cache: $(ls -R "$XDG_CACHE_HOME" 2>&1)"
e2e_login li pw2
[ -s "$XDG_CACHE_HOME/crm/customers" ] && bad "login kept the admin's name cache" || ok "login forgets the name cache"
run_exit 1 "a rep misspells the admin's customer" "$CRM" -c 'customer show Nortwind'
hasnt "no suggestion of a name the rep may not see" "Northwind"

e2e_done
