#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""crm_client.py: a crmd client in Python, and the example for integrators.

It uses nothing of crm but proto/crm.proto: the messages come from protoc
(Debian's protobuf-compiler and python3-protobuf), the transport is the
system libnanomsg through ctypes. proto/README.md describes the protocol.

  crm_client.py [--server URL] [--login LOGIN] [--customer NAME] demo

reads the password from standard input, then: hello, login, subscribe to
the PUB pokes, list due tasks, log a follow-up with a request id, resend
the same request (as after a timeout), check the customer's history holds
exactly one record of it, and fetch what changed since a cursor. Exits 0
when all of that held, 1 otherwise.
"""
import argparse
import ctypes
import importlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------------ messages


def load_pb2(proto, out_dir):
    """Generate crm_pb2.py from proto into out_dir (once) and import it."""
    made = os.path.join(out_dir, "crm_pb2.py")
    if not os.path.exists(made) or \
            os.path.getmtime(proto) > os.path.getmtime(made):
        os.makedirs(out_dir, exist_ok=True)
        subprocess.run(["protoc", "-I", os.path.dirname(proto),
                        "--python_out", out_dir, proto], check=True)
    sys.path.insert(0, out_dir)
    return importlib.import_module("crm_pb2")


# ------------------------------------------------------------ nanomsg

AF_SP, NN_REQ, NN_SUB = 1, 48, 33  # <nanomsg/nn.h>, reqrep.h, pubsub.h
NN_SOL_SOCKET, NN_SNDTIMEO, NN_RCVTIMEO, NN_RCVMAXSIZE = 0, 4, 5, 16
NN_SUB_SUBSCRIBE, NN_MSG = 1, ctypes.c_size_t(-1).value

nn = ctypes.CDLL("libnanomsg.so.5", use_errno=True)
nn.nn_recv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
                       ctypes.c_int]
nn.nn_send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t,
                       ctypes.c_int]
nn.nn_strerror.restype = ctypes.c_char_p


def nn_check(rc):
    if rc < 0:
        raise OSError(nn.nn_strerror(nn.nn_errno()).decode())
    return rc


def nn_socket(proto, url, timeout_ms):
    s = nn_check(nn.nn_socket(AF_SP, proto))
    ms = ctypes.c_int(timeout_ms)
    for opt in (NN_SNDTIMEO, NN_RCVTIMEO):
        nn.nn_setsockopt(s, NN_SOL_SOCKET, opt, ctypes.byref(ms), 4)
    # Replies reach 4 MiB (a `due` page passes 1 MiB); nanomsg's default
    # limit of 1 MiB drops a larger one silently: no limit.
    nolimit = ctypes.c_int(-1)
    nn_check(nn.nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE,
                              ctypes.byref(nolimit), 4))
    if proto == NN_SUB:  # every message: pokes and beats
        nn_check(nn.nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, b"", 0))
    nn_check(nn.nn_connect(s, url.encode()))
    return s


def nn_recv(s):
    """One message as bytes, or None on a timeout."""
    buf = ctypes.c_void_p()
    n = nn.nn_recv(s, ctypes.byref(buf), NN_MSG, 0)
    if n < 0:
        return None
    data = ctypes.string_at(buf, n)
    nn.nn_freemsg(buf)
    return data


# ------------------------------------------------------------ client


class CrmError(Exception):
    pass


def status_ok(pb, resp):
    """Whether resp succeeded. Only an explicit OK is OK: a reply without
    a status or a code, or with a code this copy of crm.proto does not
    know (proto2 keeps it among the unknown fields and reads the default,
    UNKNOWN), is a failure."""
    return resp.HasField("status") and resp.status.HasField("code") and \
        resp.status.code == pb.Status.OK


def status_name(pb, resp):
    """The code's name; UNKNOWN for a missing or unknown code."""
    if not resp.HasField("status") or not resp.status.HasField("code"):
        return "UNKNOWN"
    try:
        return pb.Status.Code.Name(resp.status.code)
    except ValueError:
        return "UNKNOWN"


# HelloReply.max_message_size of this release: bytes a request may have.
MAX_REQUEST = 64 * 1024


class Client:
    """One REQ connection: call() sends a request, returns the Response."""

    def __init__(self, pb, url, timeout_ms=5000):
        self.pb, self.url, self.timeout_ms = pb, url, timeout_ms
        self.sock = nn_socket(NN_REQ, url, timeout_ms)
        self.token = b""

    def call(self, name, body, request_id=None, tries=3):
        """Send body as Request field `name`. Writes need a request_id
        (16 bytes): a resend with the same id is applied once."""
        req = self.pb.Request(protocol_version=1,
                              request_id=request_id or os.urandom(16))
        if self.token:
            req.session_token = self.token
        getattr(req, name).CopyFrom(body)
        data = req.SerializeToString()
        if len(data) > MAX_REQUEST:
            # crmd answers RESOURCE_EXHAUSTED up to 1 KiB past the limit;
            # nanomsg drops a longer one unanswered, and a resend of it
            # would never end: split the work (an import in batches).
            raise CrmError("%s: a request of %d bytes is over the %d a "
                           "request may have (HelloReply.max_message_size)"
                           % (name, len(data), MAX_REQUEST))
        for _ in range(tries):  # a timeout: reconnect, resend the same id
            if nn.nn_send(self.sock, data, len(data), 0) >= 0:
                reply = nn_recv(self.sock)
                if reply is not None:
                    resp = self.pb.Response.FromString(reply)
                    if not status_ok(self.pb, resp):
                        raise CrmError("%s: %s (%s)" % (
                            name, resp.status.message,
                            status_name(self.pb, resp)))
                    return resp
            nn.nn_close(self.sock)
            self.sock = nn_socket(NN_REQ, self.url, self.timeout_ms)
        raise CrmError("%s: no reply from %s" % (name, self.url))

    def login(self, login, password):
        r = self.call("login", self.pb.LoginRequest(login=login,
                                                    password=password))
        self.token = r.login.session_token
        return r.login.user


# ------------------------------------------------------------ demo


def demo(pb, c, args, password):
    hello = c.call("hello", pb.HelloRequest(client="crm_client.py")).hello
    print("server: %s, protocol %d, pokes at %s" % (
        hello.server_version, hello.protocol_version, hello.pub_url))
    sub = nn_socket(NN_SUB, hello.pub_url, 5000) if hello.pub_url else None

    user = c.login(args.login, password)
    print("logged in as %s (%s)" % (user.login, pb.Role.Name(user.role)))
    cursor = c.call("changes", pb.ChangesRequest(since=0)).changes
    while cursor.more:  # skip to the end of the change log
        cursor = c.call("changes", pb.ChangesRequest(
            since=cursor.next_since)).changes

    try:
        cust = c.call("customer_get", pb.CustomerGetRequest(
            name=args.customer)).customer.customer
    except CrmError:
        cust = c.call("customer_add", pb.CustomerAddRequest(
            customer=pb.Customer(name=args.customer))).customer.customer
    for t in c.call("due", pb.DueRequest(window=pb.DUE_ALL)).tasks.tasks:
        print("due: task %d %s: %s" % (t.id, t.customer, t.goal))

    rid = os.urandom(16)  # one logical operation, one request id
    summary = "called from Python (%s)" % rid.hex()[:8]
    log = pb.FollowupLogRequest(followup=pb.FollowUp(
        customer_id=cust.id, channel=pb.CHANNEL_PHONE, summary=summary))
    first = c.call("followup_log", log, request_id=rid).followup
    again = c.call("followup_log", log, request_id=rid).followup
    print("logged follow-up %d; the resend answered %d" % (
        first.id, again.id))

    history = c.call("customer_history", pb.CustomerHistoryRequest(
        customer_id=cust.id)).history
    ids = [i.followup.id for i in history.items if i.HasField("followup")
           and i.followup.summary == summary]
    print("follow-ups in the history: %s" % ids)

    # The PUB socket sends "poke <n> <cursor>" after writes (n counts
    # commits; cursor is the change log's newest sequence number) and
    # "beat" every 5 s.
    # Earlier writes (the login's session) poked too: wait for the poke
    # whose cursor is past ours (at most 20 messages).
    poke, poked_at = None, None
    for _ in range(20 if sub is not None else 0):
        msg = nn_recv(sub)
        if msg is None:
            break
        if msg.startswith(b"poke"):
            poke = msg
            if len(msg.split()) == 3 and \
                    int(msg.split()[2]) > cursor.next_since:
                poked_at = int(msg.split()[2])
                break
    print("pub: %s" % (poke.decode() if poke else "nothing"))
    if poked_at is not None:
        print("poke cursor: %d (ours: %d)" % (poked_at, cursor.next_since))
    changed = c.call("changes", pb.ChangesRequest(
        since=cursor.next_since)).changes
    for ch in changed.changes:
        print("changed: %s %d (customer %d)" % (
            pb.ChangeKind.Name(ch.kind), ch.id, ch.customer_id))
    seen = [ch.id for ch in changed.changes
            if ch.kind == pb.CHANGE_FOLLOWUP]
    # The poke's cursor is past ours: there was something to fetch.
    return first.id == again.id and ids == [first.id] and \
        seen == [first.id] and poke is not None and \
        poked_at is not None and poked_at > cursor.next_since


def selftest(pb):
    """Offline checks of how replies are read: an unknown code (99), a
    Status without a code and a Response without a Status are not OK."""
    cases = [
        ("code 99", bytes([0x12, 0x02, 0x08, 99]), False, "UNKNOWN"),
        ("no code", bytes([0x12, 0x02, 0x1a, 0x00]), False, "UNKNOWN"),
        ("no status", bytes([0x0a, 0x00]), False, "UNKNOWN"),
        ("OK", bytes([0x12, 0x02, 0x08, 0x00]), True, "OK"),
        ("NOT_FOUND", bytes([0x12, 0x02, 0x08, 0x05]), False, "NOT_FOUND"),
    ]
    fails = 0
    for what, data, ok, name in cases:
        resp = pb.Response.FromString(data)
        got = (status_ok(pb, resp), status_name(pb, resp))
        good = got == (ok, name)
        fails += not good
        print("%s - %s reads %s %s" % ("ok  " if good else "FAIL", what,
                                        "OK" if got[0] else "not OK",
                                        got[1]))
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["demo", "selftest"])
    ap.add_argument("--server", default=os.environ.get("CRM_SERVER"))
    ap.add_argument("--login", default="li")
    ap.add_argument("--customer", default="Python Demo Co")
    ap.add_argument("--proto", default=os.path.join(
        HERE, "..", "proto", "crm.proto"))
    ap.add_argument("--pb2-dir", help="where crm_pb2.py is (generated "
                    "there when missing; default: a cache folder)")
    args = ap.parse_args()
    cache = args.pb2_dir or os.path.join(os.environ.get(
        "XDG_CACHE_HOME", os.path.join(tempfile.gettempdir(),
                                       "crm-%d" % os.getuid())), "crm-py")
    pb = load_pb2(os.path.abspath(args.proto), cache)
    if args.command == "selftest":
        return selftest(pb)
    if not args.server:
        ap.error("--server (or CRM_SERVER) is required")
    password = sys.stdin.readline().rstrip("\n")
    try:
        ok = demo(pb, Client(pb, args.server), args, password)
    except CrmError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
