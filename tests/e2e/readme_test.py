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
PERMISSION_DENIED) runs again as the manager wang, then as the admin, but
only when its comment says so ("manager", "admin"): a reader copying the
line as a rep must be told. It must exit 0 and must not answer NOT_FOUND
(a name or id the demo data does not have). A line the tour shows but
that cannot run here (it needs a terminal, or crmd stopped) carries the
marker `# (not run: WHY)` in its comment, or the block is preceded by
`<!-- readme-test: skip WHY -->`. The tour makes every file it imports
itself (nothing is written before it).

The ids in the tour are checked against what they name, so that a tour
acting on the wrong record fails (the demo data's ids drift when it
grows): a comment `prints "TEXT"` must be in the command's output (and
its numbers become known ids); a command acting on a record by id (task,
followup, commitment, issue, grade proposal, contact, routine, customer)
must use a known id, written `(N)` in its comment, or its comment must
name the record's customer (or contact), which the command's output (for
a customer id: the customer's name) must show; "next follow-up" in the
comment must be that kind of task. `contact add C NAME` must add a name
C does not have yet, and `customer find` must find something.
"""
import os
import re
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo import start_demo  # noqa: E402

CRMD, CRM, README, TOOLS = map(os.path.abspath, sys.argv[1:5])
T0 = time.monotonic()
LIMIT = 90  # seconds, all in


def tour_commands(text):
    """(line number, command text) of the tour's fenced blocks."""
    lines = text.split("\n")
    out = []
    in_tour = in_block = skip = False
    cont = None
    glued = False
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
            if (line.startswith(" ") and line.lstrip().startswith("#")
                    and out and glued):
                # an indented comment goes on with the command's above
                out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
                continue
            glued = False
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cont = (no, line.strip())
        if cont[1].endswith("\\"):
            cont = (cont[0], cont[1][:-1].rstrip())
            continue
        out.append(cont)
        glued = True
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
    demo = start_demo(CRMD, CRM, TOOLS, "crm-readme-", TZ=evening_tz(),
                      COLUMNS="120")
    h, as_env = demo.h, demo.as_env
    fails = 0
    try:
        if not demo.seeded:
            return 1
        print(f"ok   - demo data seeded ({time.monotonic() - T0:.1f} s)")
        fails += check_demo_list(as_env("admin"))
        work = h + "/work"
        os.mkdir(work)
        ids = IdCheck(as_env("admin"))
        for no, cmd in cmds:
            if time.monotonic() - T0 > LIMIT:
                print(f"FAIL - over {LIMIT} s; stopped at README.md:{no}")
                return 1
            if "(not run:" in cmd:
                print(f"skip - README.md:{no}: {cmd}")
                continue
            fails += run_one(no, cmd, as_env, work, ids)
        fails += one_session(cmds, as_env("wang"), work)
    finally:
        fails += demo.stop()
    print(f"{fails} failure(s) in {len(cmds)} tour commands "
          f"({time.monotonic() - T0:.1f} s)")
    return 1 if fails else 0


def one_session(cmds, env, work):
    """The tour's crm commands once more, all in one crm (a script on
    standard input, as the manager wang), with LeakSanitizer on: what one
    command leaks, a long session piles up. In an ASan build crm checks
    leaks only when asked (client/sanitizer_defaults.c), and a leak ends
    crm with LeakSanitizer's report (exit 23, or an abort); elsewhere this
    runs the tour as a script. Commands refused now (done already,
    another's data) only make the exit status 1."""
    lines = []
    for _, cmd in cmds:
        if "(not run:" in cmd or re.match(r"(crm|build/client/crm|printf) ",
                                          cmd):
            continue
        lines += [p for p in pieces(cmd)
                  if not re.match(r"(login|logout|passwd|quit|exit)\b", p)]
    env = dict(env)
    old = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (old + ":" if old else "") + "detect_leaks=1"
    r = subprocess.run([CRM], input="\n".join(lines) + "\n", env=env,
                       cwd=work, capture_output=True, text=True, timeout=60)
    if r.returncode not in (0, 1) or "Sanitizer" in r.stderr:
        print(f"FAIL - the tour's {len(lines)} commands in one crm: exit "
              f"{r.returncode}: {r.stderr[-3000:]}")
        return 1
    print(f"ok   - the tour's {len(lines)} commands in one crm, no leak "
          f"(exit {r.returncode})")
    return 0


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


def comment_of(cmd):
    """The text after the first # outside quotes ("" when none)."""
    quote = None
    for i, ch in enumerate(cmd):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or cmd[i - 1].isspace()):
            return cmd[i + 1:]
    return ""


ID_CMD = re.compile(r"(task (?:move|done|cancel|assign)|followup show|"
                    r"commitment done|issue (?:resolve|escalate)|"
                    r"grade (?:approve|reject)|contact (?:left|edit)|"
                    r"routine stop|customer (?:edit|history|show|assign)|"
                    r"attach) (\d+)\b")


class IdCheck:
    """What the tour's comments say its ids are (see the module doc)."""

    def __init__(self, env):
        self.env = env
        self.known = set()

    def crm_json(self, line):
        import json
        r = subprocess.run([CRM, "--format", "json", "-c", line], env=self.env,
                           capture_output=True, text=True, timeout=30)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout else None

    def customers(self):
        doc = self.crm_json("customer list --limit 1000") or self.crm_json(
            "customer list") or {}
        rows = doc.get("customers", doc) if isinstance(doc, dict) else doc
        return {c["name"] for c in rows}

    def named(self, comment):
        """The demo customers the comment names, in its order (the longest
        name where one contains another)."""
        hits = []
        for name in self.customers():
            at = comment.find(name)
            if at >= 0:
                hits.append((at, -len(name), name))
        hits.sort()
        out, end = [], -1
        for at, _, name in hits:
            if at >= end:
                out.append(name)
                end = at - _
        return out

    def before(self, no, piece, comment, env):
        """A check before the command runs: "" or why it fails."""
        m = re.match(r"contact add (\S+) (\S+)", piece)
        if m:
            r = subprocess.run([CRM, "-c", f"contact list {m.group(1)}"],
                               env=env, capture_output=True, text=True,
                               timeout=30)
            name = shlex.split(m.group(2))[0]
            if re.search(r"(^|\s)" + re.escape(name) + r"(\s|$)", r.stdout):
                return (f"{m.group(1)} already has a contact {name}: "
                        "the tour would add a second one")
        return ""

    def after(self, piece, k, comment, out):
        """Checks of a command's output; k counts the id commands of the
        line so far. "" or why it fails."""
        if piece.startswith("customer find") and len(
                [l for l in out.splitlines() if l.strip()]) < 2:
            return "customer find finds nothing on the demo"
        m = ID_CMD.match(piece)
        if not m:
            return ""
        what, n = m.group(1), m.group(2)
        if n in self.known and f"({n})" in comment:
            return ""
        names = self.named(comment)
        if what.startswith("contact"):
            cm = re.search(r"^name\s+(\S+)", out, re.M)
            if not cm or cm.group(1) not in comment:
                return (f"the comment does not name contact {n} "
                        f"({cm.group(1) if cm else '?'})")
            return ""
        if not names:
            return (f"{what} {n}: the comment names no record it comes from "
                    "(a customer, or a (N) an earlier `prints` showed)")
        name = names[min(k, len(names) - 1)]
        if what.startswith("customer"):
            doc = self.crm_json(f"customer show {n}") or {}
            real = (doc.get("customer") or doc).get("name")
            if real != name:
                return f"customer {n} is {real}, not {name} as the comment says"
            return ""
        if name not in out:
            return f"{what} {n} is not {name}'s, as the comment says"
        if "next follow-up" in comment and what.startswith("task") and \
                "next follow-up" not in out:
            return f"task {n} is not a next follow-up, as the comment says"
        return ""

    def prints(self, comment, out):
        fails = []
        for text in re.findall(r'prints "([^"]*)"', comment):
            if text not in out:
                fails.append(f'it does not print "{text}"')
            else:
                self.known.update(re.findall(r"\d+", text))
        return fails


def run_one(no, cmd, as_env, work, ids):
    shellish = re.match(r"(crm|build/client/crm|printf)\b", cmd)
    runs = [cmd] if shellish else pieces(cmd)
    comment = comment_of(cmd)
    fails = 0
    k = 0
    outs = []
    for one in runs:
        why = ids.before(no, one, comment, as_env("li"))
        if why:
            print(f"FAIL - README.md:{no}: {one}: {why}")
            fails += 1
            continue
        whos = ["li"] + [w for w, word in (("wang", "manager"),
                                           ("admin", "admin"))
                         if re.search(word, comment, re.I)]
        for who in whos:
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
            if r.returncode == 1 and "PERMISSION_DENIED" in out:
                if who != whos[-1]:
                    continue
                if who == "li":
                    print(f"FAIL - README.md:{no}: {one}: refused to li, and "
                          "its comment does not say it is for managers or "
                          "admins")
                    fails += 1
                    break
            if r.returncode != 0 or "NOT_FOUND" in out:
                print(f"FAIL - README.md:{no}: {one} (as {who}): exit "
                      f"{r.returncode}\n" + "".join(
                          "    | " + l + "\n" for l in out.splitlines()[-8:]))
                fails += 1
            else:
                why = ids.after(one, k, comment, out)
                if ID_CMD.match(one):
                    k += 1
                outs.append(out)
                if why:
                    print(f"FAIL - README.md:{no}: {one} (as {who}): {why}\n"
                          + "".join("    | " + l + "\n"
                                    for l in out.splitlines()[-8:]))
                    fails += 1
                    break
                print(f"ok   - README.md:{no}: {one} (as {who})")
                if os.environ.get("VERBOSE"):
                    print("".join("    | " + l + "\n" for l in out.splitlines()))
            break
    for why in ids.prints(comment, "".join(outs)):
        print(f"FAIL - README.md:{no}: {cmd}: {why}")
        fails += 1
    return fails


if __name__ == "__main__":
    sys.exit(main())
