"""demo.py: a crmd seeded with tools/demo-data.sh, as tools/run does, for
the Python end-to-end tests (demo_data_test.py, readme_test.py).

    demo = start_demo(CRMD, CRM, TOOLS, "crm-demo-", TZ="UTC")
    try:
        if not demo.seeded:
            return 1
        subprocess.run([CRM, "-c", "due"], env=demo.as_env("li"))
    finally:
        fails += demo.stop()

start_demo makes a temp HOME (demo.h), adds the users admin, wang
(manager), li and zhang (reps) of team east offline (password
pw-LOGIN-123), starts crmd on ipc://H/s (log in H/crmd.log), waits until
it answers, logs each user in with their own config folder
(demo.as_env(LOGIN)), and runs demo-data.sh's script of admin, li, zhang
and wang. A script that fails is printed as a FAIL line and leaves
demo.seeded false. demo.stop() stops crmd and removes H (unless KEEP is
set); it returns 1 (having printed the log's end) when crmd did not exit
0, else 0. Every wait is bounded.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

USERS = [("admin", "admin", None), ("wang", "manager", "east"),
         ("li", "rep", "east"), ("zhang", "rep", "east")]
SEED_ORDER = ("admin", "li", "zhang", "wang")


class Demo:
    def __init__(self, crmd, crm, tools, prefix, env_extra):
        self.crmd, self.crm, self.tools = crmd, crm, tools
        self.h = tempfile.mkdtemp(prefix=prefix)
        h = self.h
        self.env = dict(os.environ, HOME=h, XDG_STATE_HOME=h + "/state",
                        XDG_CACHE_HOME=h + "/cache", CRM_SERVER=f"ipc://{h}/s",
                        CRM_TIMEOUT_MS="10000", LC_ALL="C.UTF-8")
        self.env.update(env_extra)
        self.env.pop("XDG_RUNTIME_DIR", None)
        self.env.pop("CRM_FORMAT", None)
        self.proc = None
        self.seeded = False

    def as_env(self, who):
        """The environment of LOGIN's shell (its own config folder)."""
        return dict(self.env, XDG_CONFIG_HOME=f"{self.h}/config-{who}")

    def _start(self):
        db = self.h + "/db"
        for login, role, team in USERS:
            args = [self.crmd, "user", "add", login, "--role", role,
                    "--data", db]
            if team:
                args += ["--team", team]
            subprocess.run(args, input=f"pw-{login}-123\n", text=True,
                           check=True, stdout=subprocess.DEVNULL, timeout=30)
        with open(self.h + "/crmd.log", "w") as log:
            self.proc = subprocess.Popen(
                [self.crmd, "--data", db, "--listen", self.env["CRM_SERVER"]],
                stdout=log, stderr=log, env=self.env)
        for _ in range(100):
            r = subprocess.run([self.crm, "login", "nobody"], input="x\n",
                               text=True, capture_output=True,
                               env=self.as_env("x"), timeout=10)
            if "not running" not in r.stdout + r.stderr:
                break
            time.sleep(0.1)
        for login, _, _ in USERS:
            subprocess.run([self.crm, "login", login],
                           input=f"pw-{login}-123\n", text=True,
                           capture_output=True, check=True,
                           env=self.as_env(login), timeout=30)

    def _seed(self):
        for login in SEED_ORDER:
            script = subprocess.run(
                [self.tools + "/demo-data.sh", login, self.h + "/demo"],
                capture_output=True, text=True, check=True, env=self.env,
                timeout=60).stdout
            r = subprocess.run([self.crm], input=script, text=True,
                               capture_output=True, env=self.as_env(login),
                               timeout=90)
            if r.returncode != 0:
                print(f"FAIL - demo data as {login}: {r.stderr[-2000:]}")
                return False
        return True

    def stop(self):
        """Stop crmd, remove the temp HOME; 1 when crmd did not exit 0."""
        rc = 0
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
                rc = -9
            self.proc = None
            if rc != 0:
                print(f"FAIL - crmd exited {rc}")
                with open(self.h + "/crmd.log") as f:
                    print(f.read()[-3000:])
        if not os.environ.get("KEEP"):
            shutil.rmtree(self.h, ignore_errors=True)
        return 1 if rc != 0 else 0


def start_demo(crmd, crm, tools, prefix, **env_extra):
    """A seeded demo crmd (see the module's comment); env_extra is added to
    the environment of crmd and every crm (e.g. TZ)."""
    demo = Demo(crmd, crm, tools, prefix, env_extra)
    try:
        demo._start()
        demo.seeded = demo._seed()
    except BaseException:
        demo.stop()
        raise
    return demo
