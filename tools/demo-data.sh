#!/usr/bin/env bash
# tools/demo-data.sh: the demo database's customers and their history, as
# crm command scripts. tools/run pipes each user's script into one crm
# process logged in as that user, in this order: admin, li, zhang, wang,
# on a fresh database.
#
# Usage: tools/demo-data.sh admin|li|zhang|wang [DIR]
#
# DIR (default: a new temporary folder) receives the CSV files the script
# imports; it must stay until the script has run.
#
# Deterministic but for the date: every time is relative to now, so the
# history always spans the last three months and ends now. Like a real
# team's, it mixes:
# - history brought in with `import` (older follow-ups: never late),
#   follow-ups logged days after they happened with `log --at` (flagged
#   late by the server: logged more than 24 h, or 2 h for grade S, after
#   they happened) and follow-ups logged within hours (on time);
# - customers entered by hand (`customer add`, an update) and a few
#   imported ones nobody has touched for a week or more: `stale`;
# - commitments open, kept on time, kept late and broken (past due);
# - an inquiry answered in time, an after-sales issue answered but not
#   solved, one not answered yet, grade proposals for wang.
# The commitment ids a script marks done are counted from the scripts
# before it, which is why it wants a fresh database.
set -euo pipefail

who=${1:-}
case "$who" in
admin | li | zhang | wang) ;;
*)
	echo "usage: tools/demo-data.sh admin|li|zhang|wang [DIR]" >&2
	exit 2
	;;
esac
dir=${2:-}
if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/crm-demo-XXXXXX")
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# name|owner|grade|stage|industry|region|source|contact|title
customers=(
	"华东机电有限公司|li|A|negotiation|制造|上海|展会|陈刚|采购经理"
	"上海云图科技有限公司|li|B|intent|软件|上海|线上|刘洋|CTO"
	"苏州恒信精密制造有限公司|li|S|won|制造|苏州|转介绍|周建国|总经理"
	"杭州绿源食品有限公司|li|B|potential|食品|杭州|电话拜访|吴敏|行政主管"
	"南京鼎盛建材有限公司|li|C|lost|建材|南京|展会|孙磊|采购员"
	"宁波港联物流有限公司|li|A|churn_risk|物流|宁波|转介绍|郑海|运营总监"
	"无锡天成电子有限公司|li|A|intent|电子|无锡|展会|何静|采购经理"
	"合肥星辰教育科技有限公司|li|C|potential|教育|合肥|线上|马丽|校长助理"
	"常州华泰化工有限公司|li|B|negotiation|化工|常州|行业协会|冯涛|设备部长"
	"上海沪东医疗器械有限公司|li|S|negotiation|医疗器械|上海|转介绍|许文|副总经理"
	"嘉兴美家家居有限公司|li|B|won|家居|嘉兴|展会|沈燕|采购主管"
	"绍兴纺联纺织有限公司|li|C|churn_risk|纺织|绍兴|老客户|钱峰|厂长"
	"温州瑞安汽配有限公司|li|A|won|汽配|温州|展会|林志强|总经理"
	"扬州润华酒店管理有限公司|li|B|lost|酒店|扬州|线上|韩雪|采购经理"
	"Northwind Foods|li|C|potential|food|上海|cold call|Anna Lee|Buyer"
	"上海申江连锁超市有限公司|li|A|intent|零售|上海|转介绍|罗斌|采购总监"
	"芜湖长江配件有限公司|li|B|potential|汽配|芜湖|展会|邓超|采购员"
	"昆山金诚五金有限公司|li|C|won|五金|昆山|电话拜访|曹军|老板"
	"镇江宏达环保科技有限公司|li|B|intent|环保|镇江|行业协会|彭丽|项目经理"
	"上海浦江数据服务有限公司|li|S|won|IT服务|上海|转介绍|谢东|CIO"
	"Acme Trading Ltd|zhang|S|negotiation|trading|Hong Kong|referral|John Smith|Buyer"
	"深圳讯达通信设备有限公司|zhang|A|intent|通信|深圳|展会|黄伟|采购经理"
	"广州岭南制药有限公司|zhang|S|won|医药|广州|转介绍|梁红|供应链总监"
	"东莞永盛塑胶制品有限公司|zhang|B|churn_risk|塑胶|东莞|老客户|叶强|厂长"
	"佛山顺达陶瓷有限公司|zhang|C|lost|陶瓷|佛山|展会|陈志|采购员"
	"厦门海翔贸易有限公司|zhang|B|potential|贸易|厦门|线上|蔡琳|业务经理"
	"福州闽江建设集团有限公司|zhang|A|negotiation|建筑|福州|行业协会|郭勇|项目总监"
	"珠海恒通游艇有限公司|zhang|C|potential|制造|珠海|电话拜访|苏明|总经理"
	"长沙湘楚农业科技有限公司|zhang|B|intent|农业|长沙|线上|刘芳|采购员"
	"武汉光谷激光技术有限公司|zhang|A|won|激光设备|武汉|展会|王磊|技术总监"
	"成都天府云计算有限公司|zhang|S|churn_risk|IT服务|成都|转介绍|杨帆|CTO"
	"重庆山城摩配有限公司|zhang|C|won|摩配|重庆|展会|唐刚|老板"
	"青岛海韵食品有限公司|zhang|B|negotiation|食品|青岛|展会|孔梅|采购经理"
	"Pacific Rim Logistics Pte Ltd|zhang|A|intent|logistics|Singapore|trade show|David Tan|Operations Manager"
	"天津滨海化纤有限公司|zhang|C|lost|化纤|天津|电话拜访|高翔|设备科长"
	"济南齐鲁机床有限公司|zhang|B|won|机床|济南|老客户|于洋|采购部长"
	"西安秦川新能源有限公司|zhang|A|potential|新能源|西安|线上|雷鸣|项目经理"
	"郑州中原物流园有限公司|zhang|B|intent|物流|郑州|行业协会|范伟|总经理助理"
	"Bluefin Seafood Co.|zhang|C|potential|food|Dalian|online|Maria Chen|Procurement"
	"昆明彩云花卉有限公司|zhang|B|churn_risk|花卉|昆明|老客户|李红|总经理"
)

# Dates without a process each (`date` costs a fork and an exec, which
# made this script take seconds): bash's printf %()T on the epoch.
# Today's noon, so N whole days back from it is on the right date
# whatever daylight saving did in between (an hour at most).
now=$EPOCHSECONDS
printf -v _hms '%(%H %M %S)T' "$now"
read -r _h _m _s <<<"$_hms"
noon=$((now - 10#$_h * 3600 - 10#$_m * 60 - 10#$_s + 12 * 3600))
# ago VAR DAYS [HH:MM]: VAR = that many days before today (negative:
# after), as 'YYYY-MM-DD HH:MM'.
ago() {
	printf -v "$1" '%(%F)T %s' $((noon - $2 * 86400)) "${3:-10:00}"
}
# hours_ago VAR HOURS: VAR = the time that many hours ago.
hours_ago() {
	printf -v "$1" '%(%F %H:%M)T' $((now - $2 * 3600))
}
# due VAR DAYS_AGO: VAR = a due time DAYS_AGO days back (negative: ahead).
due() {
	ago "$1" "$2" 17:00
}
# hm VAR N STEP: VAR = a time of day that varies by customer and step.
hm() {
	printf -v "$1" '%02d:%02d' $((9 + ($2 * 3 + $3) % 9)) \
		$((($2 * 17 + $3 * 7) % 4 * 15))
}

# One customer's follow-ups, oldest first: "step" lines of
# kind|channel|mood|summary|feedback, by stage. The kinds drive stage
# changes and commitments below.
steps_of() {
	local stage=$1 i=$2
	local intro=(
		"intro|phone|neutral|初次电话沟通，介绍公司产品和服务|目前有合作供应商，愿意先了解"
		"intro|phone|hesitant|电话初访，对方表示预算要等下季度|先发资料看看"
		"intro|email|neutral|发送公司介绍和产品目录|收到，会转给技术部门"
	)
	local visit=(
		"visit|visit|positive|上门拜访，参观产线并了解需求|对交期和售后很关心"
		"visit|meeting|positive|约见采购负责人，演示方案|希望看到同行业案例"
		"visit|video|neutral|视频会议介绍解决方案|需要内部评估两周"
	)
	local quote=(
		"quote|email|hesitant|发送正式报价单|价格比预期高约8%"
		"quote|meeting|neutral|报价沟通会，逐项解释费用|希望拆分付款"
		"quote|visit|hesitant|上门讲解报价和交付计划|要和另外两家比价"
	)
	local deal=(
		"deal|meeting|positive|合同条款确认，双方签字|首批订单下月交付"
		"deal|visit|positive|签约仪式，确认交付排期|希望指定专人对接"
	)
	local care=(
		"care|phone|positive|交付后回访，使用情况良好|考虑追加二期采购"
		"care|im|neutral|微信回访，解答操作问题|培训需求已记录"
	)
	local trouble=(
		"trouble|phone|worried|客户反映交付延期两周|要求给出补救方案"
		"trouble|visit|resistant|上门处理投诉，对方情绪较大|考虑更换供应商"
	)
	local lose=(
		"lose|phone|resistant|对方告知已选择其他供应商|价格是主要原因"
	)
	local a=$((i % 3)) b=$((i % 2))
	case "$stage" in
	potential)
		echo "${intro[a]}"
		[ $b -eq 0 ] && echo "${visit[2]}"
		;;
	intent)
		echo "${intro[a]}"
		echo "${visit[a]}"
		[ $b -eq 1 ] && echo "${visit[(a + 1) % 3]}"
		;;
	negotiation)
		echo "${intro[a]}"
		echo "${visit[a]}"
		echo "${quote[a]}"
		echo "${quote[(a + 1) % 3]}"
		;;
	won)
		echo "${intro[a]}"
		echo "${visit[a]}"
		echo "${quote[a]}"
		echo "${deal[b]}"
		echo "${care[b]}"
		;;
	churn_risk)
		echo "${intro[a]}"
		echo "${visit[a]}"
		echo "${deal[b]}"
		echo "${care[1]}"
		echo "${trouble[0]}"
		echo "${trouble[1]}"
		;;
	lost)
		echo "${intro[a]}"
		echo "${visit[a]}"
		echo "${quote[a]}"
		echo "${lose[0]}"
		;;
	esac
}

reasons=(price competitor service no_need)

# name|times|amount|product|category: repeat purchases beside the won
# deals, so `report value` has customers in every segment three ways
# (frequency high: 苏州恒信, 广州岭南; amount low: trial purchases of
# customers not won yet; 设备 brings most of the revenue, the won deals
# without a category next).
purchases=(
	"苏州恒信精密制造有限公司|6|120000|数控机床|设备"
	"上海浦江数据服务有限公司|4|50000|数据平台订阅|软件"
	"嘉兴美家家居有限公司|2|8000|年度维保|维保"
	"温州瑞安汽配有限公司|1|2000|刀具耗材|耗材"
	"宁波港联物流有限公司|1|3000|包装耗材|耗材"
	"绍兴纺联纺织有限公司|1|5000|操作培训|培训"
	"广州岭南制药有限公司|6|100000|洁净设备|设备"
	"武汉光谷激光技术有限公司|3|20000|激光器维保|维保"
	"重庆山城摩配有限公司|1|1500|刀具耗材|耗材"
	"东莞永盛塑胶制品有限公司|2|4000|模具耗材|耗材"
	"成都天府云计算有限公司|1|9000|监控软件|软件"
	"杭州绿源食品有限公司|1|3000|试用装|耗材"
	"合肥星辰教育科技有限公司|1|5000|操作培训|培训"
	"厦门海翔贸易有限公司|1|2500|样品|耗材"
)

# Customers nobody has updated for a week or more (seed 001: records not
# updated for over 72 hours): imported, not entered by hand, their last
# follow-up 6..12 days ago.
is_stale() {
	case $1 in 8 | 18 | 19 | 28 | 36) return 0 ;; esac
	return 1
}
# Customers whose last follow-up was logged within hours: on time.
is_recent() {
	[ $(($1 % 2)) -eq 0 ] && ! is_stale "$1"
}

# The commitments made so far (their ids, from 1 on a fresh database),
# and those of WHO's to mark kept: "ID" lines into $kept.
cid=0
kept=()

# rep_script WHO CSV: WHO's script on stdout, the history it imports
# into CSV (a followups import file, without the header).
rep_script() {
	local rep=$1 csv=$2 n=0 row
	for row in "${customers[@]}"; do
		n=$((n + 1))
		local name owner grade stage industry region source contact title
		IFS='|' read -r name owner grade stage industry region source \
			contact title <<<"$row"
		[ "$owner" = "$rep" ] || continue
		# The first contact 55..88 days ago; the last one 1..30 days
		# ago, 6..12 for stale customers, or within hours.
		local first=$((55 + (n * 7) % 34)) last=$((1 + (n * 11) % 30))
		is_stale "$n" && last=$((6 + n % 7))
		echo "# $n $name ($grade, $stage)"
		local steps
		mapfile -t steps < <(steps_of "$stage" "$n")
		local cur=potential k=${#steps[@]} s d at
		# The last follow-up is logged; so is the one before it for
		# every sixth customer; the earlier ones are imported.
		local logged=1
		[ $((n % 6)) -eq 1 ] && [ "$k" -gt 1 ] && logged=2
		for ((s = 0; s < k; s++)); do
			local kind channel mood summary feedback
			IFS='|' read -r kind channel mood summary feedback <<<"${steps[s]}"
			if [ "$k" -gt 1 ]; then
				d=$((first - (first - last) * s / (k - 1)))
			else
				d=$first
			fi
			local ontime=0
			if [ $s -eq $((k - 1)) ] && is_recent "$n"; then
				local h=3
				[ "$grade" = S ] && h=1
				hours_ago at "$h"
				d=0
				ontime=1
			else
				local t
				hm t "$n" "$s"
				ago at "$d" "$t"
			fi
			local to="" amount="" reason=""
			case "$kind" in
			visit)
				if [ "$stage" != potential ] && [ $cur = potential ]; then
					to=intent
				fi
				;;
			quote)
				if [ "$stage" != intent ] && [ $cur != negotiation ]; then
					to=negotiation
				fi
				;;
			deal)
				# The deal (10,000-99,000) is recorded as a purchase.
				to=won amount=$(((n * 37) % 90 * 1000 + 10000))
				;;
			trouble) [ "$mood" = resistant ] && to=churn_risk ;;
			lose) to=lost reason=${reasons[n % 4]} ;;
			esac
			[ -n "$to" ] && cur=$to
			local contacts=""
			case "$channel" in visit | meeting | video) contacts=$contact ;; esac
			if [ $s -lt $((k - logged)) ]; then
				# History: imported, scored now and then (seed 005's
				# five dimensions).
				local sc=",,,,,"
				if [ $(((n + s) % 3)) -eq 0 ]; then
					sc=",$((3 + (n + s) % 3)),$((2 + (n * s) % 4)),$((4 + s % 2)),$((3 + n % 3)),\"按时回复, 方案清楚\""
				fi
				printf '"%s","%s",%s,"%s","%s","%s",%s,%s,%s,%s%s\n' \
					"$name" "$at" "$channel" "$contacts" "$summary" \
					"$feedback" "$mood" "$to" "$amount" "$reason" "$sc" \
					>>"$csv"
				continue
			fi
			local line="log \"$name\" \"$summary\" --channel $channel --mood $mood --at '$at' --feedback \"$feedback\""
			[ -n "$contacts" ] && line+=" --contact \"$contacts\""
			[ -n "$to" ] && line+=" --stage $to"
			[ -n "$amount" ] && line+=" --amount $amount"
			[ -n "$reason" ] && line+=" --reason $reason"
			# Feedback tags (common problems) on the logged ones, so
			# `report feedback` ranks some.
			local tag=""
			case "$kind" in
			quote) tag=价格 ;;
			visit) tag=案例 ;;
			trouble) tag=交付,售后 ;;
			lose) tag=价格,竞品 ;;
			care) tag=培训 ;;
			esac
			[ -n "$tag" ] && line+=" --tag $tag"
			# One commitment per logged follow-up at most: a remedy
			# promised in a complaint (due two days later), an old
			# promise (due a week later), or, on the last follow-up
			# of an open deal, one due in the next days.
			local commit="" due_days=""
			if [ "$kind" = trouble ] && [ "$to" = churn_risk ]; then
				commit="48小时内给出补救方案" due_days=$((d - 2))
			elif [ $s -lt $((k - 1)) ] && [ "$kind" != lose ]; then
				commit="一周内发送同行业案例" due_days=$((d - 7))
			elif [ $s -eq $((k - 1)) ]; then
				case "$stage" in
				intent) commit="一周内发送同行业案例" due_days=$((-1 - n % 6)) ;;
				negotiation) commit="周五前提交修订报价" due_days=$((-1 - n % 4)) ;;
				won) commit="安排一次免费上门培训" due_days=$((-3 - n % 10)) ;;
				esac
			fi
			if [ -n "$commit" ]; then
				local due_at
				due due_at "$due_days"
				line+=" --commit \"$commit\" --due '$due_at'"
				cid=$((cid + 1))
				# Kept: on time (a promise still due, done now) for
				# every third customer; late (past due, done now)
				# for every twelfth; the rest stay open, or broken
				# once past due.
				if { [ "$due_days" -lt 0 ] && [ $((n % 3)) -eq 1 ]; } ||
					{ [ "$due_days" -ge 0 ] && [ $((n % 12)) -eq 1 ]; }; then
					kept+=("$cid")
				fi
			fi
			# The last follow-up plans the next step for some
			# customers: due in two hours, tomorrow, or in a few days.
			if [ $s -eq $((k - 1)) ] && [ "$stage" != lost ]; then
				case $((n % 4)) in
				1) line+=" --next \"电话确认需求和预算\" --due +2h" ;;
				2) line+=" --next \"发送方案更新\" --due tomorrow" ;;
				3) line+=" --next \"安排上门拜访\" --due +5d" ;;
				esac
			fi
			[ $ontime -eq 1 ] && echo "# on time: logged hours after"
			echo "$line"
		done
		# Repeat purchases (合作记录), days before the last follow-up.
		local p pname times amount2 product category i
		for p in "${purchases[@]}"; do
			IFS='|' read -r pname times amount2 product category <<<"$p"
			[ "$pname" = "$name" ] || continue
			for ((i = 0; i < times; i++)); do
				local bought
				ago bought $((last + 3 + i * 9)) 10:00
				echo "purchase add \"$name\" $amount2 \"$product\" --category $category --at '$bought'"
			done
		done
	done
}

fu_header="customer_name,at,channel,contacts,summary,feedback,mood,stage_to,deal_amount,lost_reason,timeliness,efficiency,professionalism,proactiveness,evidence"

case "$who" in
admin)
	# Customers entered by hand, and the stale ones imported.
	cust_csv=$dir/demo-customers.csv
	echo "name,owner,grade,industry,region,source,first_contact_at" >"$cust_csv"
	n=0
	for row in "${customers[@]}"; do
		n=$((n + 1))
		IFS='|' read -r name owner grade stage industry region source contact title <<<"$row"
		first=$((55 + (n * 7) % 34))
		ago first_at "$first"
		if is_stale "$n"; then
			printf '"%s",%s,%s,"%s","%s","%s","%s"\n' "$name" "$owner" \
				"$grade" "$industry" "$region" "$source" "$first_at" \
				>>"$cust_csv"
		else
			printf 'customer add "%s" --owner %s --grade %s --industry "%s" --region "%s" --source "%s" --first-contact "%s"\n' \
				"$name" "$owner" "$grade" "$industry" "$region" "$source" \
				"$first_at"
		fi
	done
	echo "# imported, so not updated by a person since: stale later"
	echo "import customers \"$cust_csv\""
	n=0
	for row in "${customers[@]}"; do
		n=$((n + 1))
		IFS='|' read -r name owner grade stage industry region source contact title <<<"$row"
		# phones written as people do: 138 0013 8001, 138 0013 8002, ...
		printf 'contact add "%s" "%s" --title "%s" --phone "138 0013 %04d"%s\n' \
			"$name" "$contact" "$title" $((8000 + n)) \
			"$([ $((n % 3)) -eq 0 ] && echo ' --role decision_maker')"
	done
	;;
li | zhang)
	# The scripts before this one (li's before zhang's) made the
	# commitments with the lower ids.
	if [ "$who" = zhang ]; then
		rep_script li /dev/null >/dev/null
		kept=()
	fi
	fu_csv=$dir/demo-followups-$who.csv
	echo "$fu_header" >"$fu_csv"
	rep_script "$who" "$fu_csv" >"$dir/demo-$who.log"
	echo "# the older history, as a spreadsheet brought in: never late"
	echo "import followups \"$fu_csv\""
	cat "$dir/demo-$who.log"
	echo "# promises kept: on time (still due) or late (past due)"
	for id in "${kept[@]}"; do
		echo "commitment done $id"
	done
	;;
esac

# The extras each rep has: tasks due soon, SLA clocks, grade proposals.
case "$who" in
li)
	cat <<'EOF'
# next follow-ups planned for in two hours (above), done early: this
# week's plan has some done (report weekly)
log "温州瑞安汽配有限公司" "回电确认追加订单的预算" --channel phone --mood positive --feedback "预算已批, 下月下单" --tag 交付
log "芜湖长江配件有限公司" "回电确认样品需求" --channel phone --mood neutral --feedback "样品月底前寄到即可" --tag 交付
# tasks due in two hours (today but late in the evening)
task add "上海云图科技有限公司" +2h "确认试用账号开通情况"
task add "杭州绿源食品有限公司" +2h "电话跟进样品反馈"
task add "常州华泰化工有限公司" +2h "确认报价单修改意见"
# SLA clocks: an inquiry answered by a follow-up (in time), an issue
# not answered yet (its 2 h response clock runs)
inquiry "上海申江连锁超市有限公司" "询问2000件定制包装的价格和交期"
log "上海申江连锁超市有限公司" "电话回复定制包装的报价和交期" --channel phone --mood positive --feedback "下周确认数量"
issue "苏州恒信精密制造有限公司" "设备报警代码E17，一条产线停机"
# grade proposals for wang
grade propose "无锡天成电子有限公司" S "年采购额预计超过500万，已进入决策流程"
grade propose "嘉兴美家家居有限公司" A "二期门店扩张，复购意向明确"
EOF
	;;
zhang)
	cat <<'EOF'
# next follow-ups planned for in two hours (above), done early
log "青岛海韵食品有限公司" "回电确认需求和预算" --channel phone --mood positive --feedback "预算已确认" --tag 价格
log "西安秦川新能源有限公司" "回电确认试点方案" --channel phone --mood neutral --feedback "等待内部立项" --tag 案例
# tasks due in two hours (today but late in the evening)
task add "厦门海翔贸易有限公司" +2h "发送产品目录和报价区间"
task add "Acme Trading Ltd" +2h "Confirm revised payment terms"
# SLA clocks: an inquiry not answered yet; an issue answered in time
# (the response clock stops), not solved yet (the solution clock runs)
inquiry "Pacific Rim Logistics Pte Ltd" "Asks for the Q3 rate card and transit times"
issue "成都天府云计算有限公司" "接口延迟升高，客户业务受影响"
log "成都天府云计算有限公司" "远程排查接口延迟，已定位到数据库慢查询" --channel phone --mood worried --feedback "要求今天给出修复时间"
# grade proposals for wang
grade propose "长沙湘楚农业科技有限公司" A "新建种植基地，需求翻倍"
EOF
	;;
wang) ;;
esac
