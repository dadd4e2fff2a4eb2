#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""selftest.py RUN CRMD CRM [TEMPLATE]: the scenario runner fails on each
kind of false step (a wrong exit status, missing or unwanted text, a
false expression, an unknown person, a malformed line) and passes a true
one. With TEMPLATE the runner copies its people from there (run
--template), except for the true scenario, which makes them itself."""
import os
import subprocess
import sys
import tempfile

run, crmd, crm = sys.argv[1:4]
people = sys.argv[4:5]

TRUE = r"""# every kind of step, all true
as li
$ whoami
> li
! wang
json$ whoami
? d["login"] == "li"
let WHO = d["login"]
$ customer show 不存在的客户
exit 1
clock +1d
clock 2026-12-09 10:00
crmd stop
$ whoami
exit 1
crmd start
as {WHO}
$ whoami
as boss
person qin admin east
as qin
$ whoami
> qin
file a.csv
| 客户名称,负责人
| 宁波港联,{WHO}
? open(DIR + "/a.csv", encoding="utf-8").read() == "客户名称,负责人\n宁波港联,li\n"
"""

FALSE = {  # a step that must fail, and what the runner must say
    "exit": ("as li\n$ customer show 不存在的客户\n", "exit 1, wanted 0"),
    "want-exit": ("as li\n$ whoami\nexit 1\n", "exit 0, wanted 1"),
    "has": ("as li\n$ whoami\n> wang\n", "output lacks 'wang'"),
    "has-not": ("as li\n$ whoami\n! li\n", "output has 'li'"),
    "expr": ("as li\njson$ whoami\n? d['login'] == 'zhao'\n", "not true"),
    "nobody": ("as nobody\n", "nobody called nobody"),
    "malformed": ("as li\nwhoami\n", "unknown step"),
    "file-name": ("file ../x.csv\n| a\n", "plain file name"),
    "crmd-twice": ("crmd start\n", "crmd is running already"),
    "person": ("as li\nperson qin admin east\n", "person qin: "),
}


def play(text, template=True):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    opt = ["--template", people[0]] if people and template else []
    try:
        r = subprocess.run([sys.executable, run] + opt + [crmd, crm, f.name],
                           capture_output=True, text=True, timeout=100)
        return r.returncode, r.stdout + r.stderr
    finally:
        os.unlink(f.name)


fails = 0
for template in ([False, True] if people else [False]):
    code, out = play(TRUE, template)
    how = "from the template" if template else "making its people"
    if code != 0:
        print("FAIL: a true scenario failed (%s, exit %d):\n%s" %
              (how, code, out))
        fails += 1
    else:
        print("ok   - a scenario of true steps passes (%s)" % how)
for name, (text, says) in FALSE.items():
    code, out = play(text)
    if code == 0 or says not in out:
        print("FAIL: %s: exit %d, wanted non-zero and %r:\n%s" %
              (name, code, says, out))
        fails += 1
    else:
        print("ok   - a false %s step fails: %s" % (name, says))
sys.exit(1 if fails else 0)
