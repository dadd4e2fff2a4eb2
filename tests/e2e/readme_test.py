#!/usr/bin/env python3
"""readme_test: every command of README.md's tour runs against a demo crmd.

Usage: readme_test.py CRMD CRM README TOOLS_DIR

Seeds a fresh crmd (in a zone where it is evening, see evening_tz) on an ipc:// path in a temp dir as tools/run does (the
users admin, wang, li and zhang of team east, then tools/demo-data.sh's
script of each), then runs, in order, every command in the fenced code
blocks of the section "## A tour of the shell":

- a line starting with `crm `, `build/client/crm` or `printf ` is a shell
  command: it runs in bash, with `crm` and `build/client/crm` being the
  crm under test;
- any other line is a crm command, run as `crm -c LINE` (a trailing
  `# comment` is dropped, `a ; b` is two commands, a line ending in `\\`
  continues on the next);
- lines starting with `#` are comments.

Each runs as the rep li; one refused for permission (exit 1 and
PERMISSION_DENIED) runs again as the manager wang, then as the admin. It
must exit 0 and must not answer NOT_FOUND (a name or id the demo data does
not have). A line the tour shows but that cannot run here (it needs a
terminal, or crmd stopped) carries the marker `# (not run: WHY)` in its
comment, or the block is preceded by `<!-- readme-test: skip WHY -->`.
The files the tour imports (客户.csv, 跟进.csv, 合作记录.csv, 客户.xlsx) are li's
exports, written before the tour.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CRMD, CRM, README, TOOLS = map(os.path.abspath, sys.argv[1:5])
T0 = time.monotonic()
LIMIT = 90  # seconds, all in


def tour_commands(text):
    """(line number, command text) of the tour's fenced blocks."""
    lines = text.split("\n")
    out = []
    in_tour = in_block = skip = False
    cont = None
    for no, line in enumerate(lines, 1):
        if line.startswith("## "):
            in_tour = line.strip() == "## A tour of the shell"
            continue
        if not in_tour:
            continue
        if line.startswith("```"):
            in_block = not in_block
            if not in_block:
                skip = False
            continue
        if not in_block:
            if line.startswith("<!-- readme-test: skip"):
                skip = True
            continue
        if skip:
            continue
        if cont is not None:
            cont = (cont[0], cont[1] + " " + line.strip())
        else:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cont = (no, line.strip())
        if cont[1].endswith("\\"):
            cont = (cont[0], cont[1][:-1].rstrip())
            continue
        out.append(cont)
        cont = None
    return out


def evening_tz():
    """A fixed-offset zone where it is now between 20:00 and 21:00: after
    the 18:00 a bare date means, so the demo data and the tour must plan
    nothing "today" that is already past (tools/run at night)."""
    off = (20 - time.gmtime().tm_hour) % 24
    if off > 14:
        off -= 24
    return f"Etc/GMT{-off:+d}" if off else "UTC"


def main():
    with open(README, encoding="utf-8") as f:
        cmds = tour_commands(f.read())
    if len(cmds) < 20:
        print(f"FAIL - only {len(cmds)} tour commands found in {README}")
        return 1
    h = tempfile.mkdtemp(prefix="crm-readme-")
    env = dict(os.environ)
    env.update(HOME=h, XDG_STATE_HOME=h + "/state", XDG_CACHE_HOME=h + "/cache",
               CRM_SERVER=f"ipc://{h}/s", CRM_TIMEOUT_MS="10000",
               TZ=evening_tz(), LC_ALL="C.UTF-8",
               COLUMNS="120")
    env.pop("XDG_RUNTIME_DIR", None)
    env.pop("CRM_FORMAT", None)
    db = h + "/db"
    users = [("admin", "admin", None), ("wang", "manager", "east"),
             ("li", "rep", "east"), ("zhang", "rep", "east")]

    def as_env(who):
        e = dict(env)
        e["XDG_CONFIG_HOME"] = f"{h}/config-{who}"
        return e

    for login, role, team in users:
        args = [CRMD, "user", "add", login, "--role", role, "--data", db]
        if team:
            args += ["--team", team]
        subprocess.run(args, input=f"pw-{login}-123\n", text=True,
                       check=True, stdout=subprocess.DEVNULL, timeout=30)
    log = open(h + "/crmd.log", "w")
    crmd = subprocess.Popen([CRMD, "--data", db, "--listen", env["CRM_SERVER"]],
                            stdout=log, stderr=log, env=env)
    fails = 0
    try:
        for _ in range(100):
            r = subprocess.run([CRM, "login", "nobody"], input="x\n", text=True,
                               capture_output=True, env=as_env("x"), timeout=10)
            if "not running" not in r.stdout + r.stderr:
                break
            time.sleep(0.1)
        for login, _, _ in users:
            subprocess.run([CRM, "login", login], input=f"pw-{login}-123\n",
                           text=True, capture_output=True, check=True,
                           env=as_env(login), timeout=30)
        for login in ("admin", "li", "zhang", "wang"):
            script = subprocess.run([TOOLS + "/demo-data.sh", login],
                                    capture_output=True, text=True, check=True,
                                    env=env, timeout=30).stdout
            r = subprocess.run([CRM], input=script, text=True, capture_output=True,
                               env=as_env(login), timeout=60)
            if r.returncode != 0:
                print(f"FAIL - demo data as {login}: {r.stderr[-2000:]}")
                return 1
        print(f"ok   - demo data seeded ({time.monotonic() - T0:.1f} s)")
        fails += check_demo_list(as_env("admin"))
        work = h + "/work"
        os.mkdir(work)
        # The files the tour imports are li's own exports (CSV, xlsx).
        for kind, name in (("customers", "客户.csv"), ("followups", "跟进.csv"),
                           ("purchases", "合作记录.csv"),
                           ("customers", "客户.xlsx")):
            subprocess.run([CRM, "-c", f"export {kind} {name}"], cwd=work,
                           env=as_env("li"), check=True, timeout=30,
                           capture_output=True)
        for no, cmd in cmds:
            if time.monotonic() - T0 > LIMIT:
                print(f"FAIL - over {LIMIT} s; stopped at README.md:{no}")
                return 1
            if "(not run:" in cmd:
                print(f"skip - README.md:{no}: {cmd}")
                continue
            fails += run_one(no, cmd, as_env, work)
    finally:
        crmd.send_signal(signal.SIGTERM)
        try:
            rc = crmd.wait(timeout=30)
        except subprocess.TimeoutExpired:
            crmd.kill()
            rc = -9
        if rc != 0:
            print(f"FAIL - crmd exited {rc}")
            with open(h + "/crmd.log") as f:
                print(f.read()[-3000:])
            fails += 1
        if not os.environ.get("KEEP"):
            shutil.rmtree(h, ignore_errors=True)
    print(f"{fails} failure(s) in {len(cmds)} tour commands "
          f"({time.monotonic() - T0:.1f} s)")
    return 1 if fails else 0


def check_demo_list(env):
    """The tools/run paragraph's "adds N customers ... (NAME, NAME, ...)"
    matches the demo data: N customers, each NAME one of them."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"adds (\d+)\s+customers from `tools/demo-data.sh`(.*?);\n",
                  text, re.S)
    if not m:
        print("FAIL - README's tools/run paragraph names no demo customers")
        return 1
    r = subprocess.run([CRM, "--format", "json", "-c", "customer list"],
                       env=env, capture_output=True, text=True, timeout=30)
    import json
    doc = json.loads(r.stdout)
    rows = doc.get("customers", doc) if isinstance(doc, dict) else doc
    names = {c["name"] for c in rows}
    fails = 0
    if len(names) != int(m.group(1)):
        print(f"FAIL - README says {m.group(1)} demo customers; "
              f"the demo has {len(names)}")
        fails += 1
    said = []
    for group in re.findall(r"\(([^()]*)\)", m.group(2)):
        said += [w.strip() for w in re.sub(r"\s+", " ", group).split(",")]
    for name in said:
        if name and name != "..." and name not in names:
            print(f"FAIL - README's demo customer {name!r} is not in the demo")
            fails += 1
    if not fails:
        print(f"ok   - README's demo list: {len(names)} customers, "
              f"{len(said)} names checked")
    return fails


def pieces(cmd):
    """A crm line without its comment, split at ` ; `."""
    lex = shlex.shlex(cmd, posix=True, punctuation_chars=";")
    lex.whitespace_split = True
    lex.commenters = "#"
    parts, cur = [], []
    for tok in lex:
        if tok == ";":
            parts.append(cur)
            cur = []
        else:
            cur.append(tok)
    parts.append(cur)
    return [shlex.join(p) for p in parts if p]


def run_one(no, cmd, as_env, work):
    shellish = re.match(r"(crm|build/client/crm|printf)\b", cmd)
    runs = [cmd] if shellish else pieces(cmd)
    fails = 0
    for one in runs:
        for who in ("li", "wang", "admin"):
            e = as_env(who)
            if shellish:
                argv = ["bash", "-o", "pipefail", "-c",
                        f"crm() {{ '{CRM}' \"$@\"; }}\n"
                        f"mkdir -p build/client && ln -sf '{CRM}' build/client/crm\n"
                        + one]
            else:
                argv = [CRM, "-c", one]
            try:
                r = subprocess.run(argv, cwd=work, env=e, capture_output=True,
                                   text=True, stdin=subprocess.DEVNULL,
                                   timeout=20)
            except subprocess.TimeoutExpired:
                print(f"FAIL - README.md:{no}: {one}: no end in 20 s")
                fails += 1
                break
            out = r.stdout + r.stderr
            if r.returncode == 1 and "PERMISSION_DENIED" in out and who != "admin":
                continue
            if r.returncode != 0 or "NOT_FOUND" in out:
                print(f"FAIL - README.md:{no}: {one} (as {who}): exit "
                      f"{r.returncode}\n" + "".join(
                          "    | " + l + "\n" for l in out.splitlines()[-8:]))
                fails += 1
            else:
                print(f"ok   - README.md:{no}: {one} (as {who})")
                if os.environ.get("VERBOSE"):
                    print("".join("    | " + l + "\n" for l in out.splitlines()))
            break
    return fails


if __name__ == "__main__":
    sys.exit(main())
