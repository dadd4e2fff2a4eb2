#!/usr/bin/env python3
# history_pages.py CRM CUSTOMER LIMIT [SUMMARY]: walk a customer's whole
# timeline through `crm --format json -c 'customer history ... --before'`
# (the cursor comes from the "more:" line on stderr) and print
# "pages entries distinct max_seen newest_first followups first_entry",
# or "ERROR <exit> <message>" when a page fails; with SUMMARY, print the
# id of the follow-up that has it instead. At most 10,000 pages.
import datetime
import json, re, subprocess, sys
crm, cust, limit = sys.argv[1:4]
seen, before, pages, prev, order, first = {}, None, 0, None, True, None
find = sys.argv[4] if len(sys.argv) > 4 else None
while pages < 10000:
    cmd = "customer history %s --limit %s" % (cust, limit)
    if before:
        cmd += " --before " + before
    p = subprocess.run([crm, "--format", "json", "-c", cmd],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        print("ERROR", p.returncode, p.stderr.strip())
        sys.exit(0)
    pages += 1
    for it in json.loads(p.stdout):
        kind = [k for k in it if k != "happened_at"][0]
        rec = it[kind]
        key = (kind, rec.get("id") or json.dumps(rec, sort_keys=True))  # stage changes have no id
        if first is None:
            first = "%s:%s" % (kind, rec.get("id", rec.get("happened_at")))
        if find is not None and rec.get("summary") == find:
            print(rec["id"])
            sys.exit(0)
        seen[key] = seen.get(key, 0) + 1
        # Times are RFC 3339 with an offset: compare them as instants.
        at = datetime.datetime.fromisoformat(it["happened_at"]).timestamp()
        if prev is not None and at > prev:
            order = False
        prev = at
    m = re.search(r"--before (\S+)", p.stderr)
    if not m:
        break
    before = m.group(1)
fus = sum(1 for k in seen if k[0] == "followup")
print(pages, sum(seen.values()), len(seen), max(seen.values()), order, fus,
      first)
twice = [k for k, n in seen.items() if n > 1]
if twice:
    print("seen more than once:", twice[:5], file=sys.stderr)
