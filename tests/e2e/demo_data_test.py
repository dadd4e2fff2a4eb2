#!/usr/bin/env python3
"""demo_data_test: tools/demo-data.sh seeds a demo in which every report
shows something (issue 14 item 10).

Usage: demo_data_test.py CRMD CRM TOOLS_DIR

Seeds a fresh crmd on an ipc:// path in a temp dir as tools/run does
(admin, wang, li, zhang of team east; then each one's script), then asks,
through `crm --format json -c ...` as the manager wang (team east):
late follow-ups are 20-60 % of the last 30 days; at least one stale
customer; commitments kept on time, kept late, broken and open; SLA
clocks met and running; an open after-sales issue; scored follow-ups;
pending grade proposals; and non-empty funnel, conversion, churn, value
and weekly/monthly reports; and, as li, open tasks (`due all`).
Also: some of this week's planned follow-ups done (report weekly), ranked
feedback tags (and an empty period saying "no tags in this period"), an
SLA breach (sla --breached, report sla), no "Of cadence" share where the
customer-days are under one, and no follow-up both among the lowest and
the best cases of report quality.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo import start_demo  # noqa: E402

CRMD, CRM, TOOLS = map(os.path.abspath, sys.argv[1:4])
fails = 0


def check(ok, what, detail=""):
    global fails
    print(("ok   - " if ok else "FAIL - ") + what + ("" if ok else f": {detail}"))
    fails += 0 if ok else 1


def main():
    global fails
    demo = start_demo(CRMD, CRM, TOOLS, "crm-demo-")
    as_env = demo.as_env
    try:
        check(demo.seeded, "demo data as admin, li, zhang and wang")
        if not demo.seeded:
            return 1

        # Reports end at the current second: let the last seeded second
        # pass (a clock started in it is not in a report asked within it).
        time.sleep(1.1)

        def js(who, cmd):
            r = subprocess.run([CRM, "--format", "json", "-c", cmd],
                               capture_output=True, text=True,
                               env=as_env(who), timeout=30)
            if r.returncode != 0:
                check(False, cmd, r.stdout + r.stderr)
                return {}
            return json.loads(r.stdout)

        def table(d, name):
            return d.get("tables", {}).get(name) or []

        act = table(js("wang", "report activity --team east"), "summary")
        share = act[0]["late_share"] if act else -1
        check(20 <= share <= 60, f"late share of the last 30 days {share:.0f} %"
              " is between 20 and 60 %", act)
        stale = js("wang", "stale --team")
        n_stale = len(stale.get("customers", stale) if isinstance(stale, dict) else stale)
        check(n_stale >= 1, f"{n_stale} stale customers", stale)
        com = js("wang", "commitments --team")
        rows = com.get("commitments", com) if isinstance(com, dict) else com
        status = [c.get("status") for c in rows]
        for s in ("broken", "kept_late", "open"):
            check(s in status, f"a commitment {s}", status)
        # Commitments count in the period of their due time: from two
        # months back to three weeks ahead holds every demo promise,
        # whatever the day of the week or month.
        span = (f"--from {time.strftime('%Y-%m-%d', time.localtime(time.time() - 60 * 86400))}"
                f" --to {time.strftime('%Y-%m-%d', time.localtime(time.time() + 21 * 86400))}")
        week = table(js("wang", "report weekly --team east " + span), "summary")
        check(bool(week) and week[0]["commitments_kept"] >= 1 and
              week[0]["commitments_kept_late"] >= 1 and
              week[0]["commitments_broken"] > week[0]["commitments_kept_late"] and
              week[0]["commitments_open"] >= 1,
              "report weekly: commitments kept, kept late, broken and open", week)
        week = table(js("wang", "report weekly --team east"), "summary")
        check(bool(week) and week[0]["followups"] >= 1,
              "report weekly: this week's follow-ups", week)
        check(bool(week) and week[0]["planned_done"] >= 1,
              "report weekly: some of this week's planned follow-ups done", week)
        tags = table(js("wang", "report feedback --team east"), "tags")
        check(len(tags) >= 3, f"report feedback: {len(tags)} tags ranked", tags)
        r = subprocess.run([CRM, "-c", "report feedback --from 2020-01-06 --to 2020-01-12"],
                           capture_output=True, text=True, env=as_env("wang"), timeout=30)
        check(r.returncode == 0 and "no tags in this period" in r.stdout,
              "report feedback on an empty period says so", r.stdout + r.stderr)
        br = js("wang", "sla --breached --team")
        brows = br.get("clocks", br) if isinstance(br, dict) else br
        check(len(brows) >= 1, f"sla --breached: {len(brows)} breaches", br)
        act_g = table(js("wang", "report activity --team east"), "by_grade")
        check(bool(act_g) and all(g["cadence"] is None for g in act_g
                                  if g["customer_days"] < 1),
              "report activity: no cadence share under a customer-day", act_g)
        qd = js("wang", "report quality --team east")
        low = {x["followup"] for x in table(qd, "lowest")}
        best = {x["followup"] for x in table(qd, "best")}
        check(bool(best) and not (low & best),
              f"report quality: lowest {sorted(low)} and best {sorted(best)} apart", qd)
        month = table(js("wang", "report monthly --team east " + span), "by_rep")
        check(any(r["rep"] == "li" and r["followups"] > 0 for r in month) and
              any(r["rep"] == "zhang" and r["followups"] > 0 for r in month),
              "report monthly: both reps have follow-ups", month)
        check(any(r["rep"] == "all" and r["won"] > 0 and r["lost"] > 0 and
                  r["stage_moves"] > 0 for r in month),
              "report monthly: stage moves, deals won and lost", month)
        sla = {r["rule"]: r for r in table(js("wang", "report sla --team east"), "by_rule")}
        check(sla.get("inquiry_reply", {}).get("met", 0) >= 1 and
              sla.get("issue_response", {}).get("met", 0) >= 1,
              "report sla: an inquiry and an issue answered in time", sla)
        check(sum(r.get("running", 0) for r in sla.values()) >= 1,
              "report sla: clocks running", sla)
        check(sum(r.get("breached", 0) for r in sla.values()) >= 1,
              "report sla: a breach", sla)
        issues = js("wang", "issue list --team")
        irows = issues.get("clocks", issues.get("issues", issues)) if isinstance(issues, dict) else issues
        check(len(irows) >= 1, f"issue list: {len(irows)} open after-sales issue rows", issues)
        qual = table(js("wang", "report quality --team east"), "dimensions")
        check(any(r["scored"] > 0 for r in qual), "report quality: scored follow-ups", qual)
        pend = js("wang", "grade pending")
        prow = pend.get("proposals", pend) if isinstance(pend, dict) else pend
        check(len(prow) >= 1, f"grade pending: {len(prow)} proposals", pend)
        funnel = table(js("wang", "report funnel --team east"), "stages")
        check(sum(1 for r in funnel if r["customers"] > 0) >= 5,
              "report funnel: customers in five stages or more", funnel)
        conv = table(js("wang", "report conversion --team east"), "by_grade")
        check(sum(r["won"] for r in conv) >= 1, "report conversion: deals won", conv)
        churn = table(js("wang", "report churn --team east"), "reasons")
        check(len(churn) >= 1, "report churn: lost reasons", churn)
        value = table(js("wang", "report value --team east"), "summary")
        check(bool(value) and value[0]["revenue"] > 0, "report value: revenue", value)
        # `due all`: at 23:00 the tasks planned two hours ahead are
        # tomorrow's, and plain `due` is today's.
        due = js("li", "due all")
        drows = due.get("tasks", due) if isinstance(due, dict) else due
        check(len(drows) >= 1, f"due: {len(drows)} tasks for li", due)
    finally:
        fails += demo.stop()
    print(f"{fails} failure(s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
