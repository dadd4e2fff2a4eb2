#!/usr/bin/env python3
"""catch_listener.py WHERE OUT SECONDS: a stand-in for crmd that another
local user (or anyone, on a port) could run, to see what crm would send
it. It answers nanomsg's REP handshake and keeps every byte it receives
in OUT. WHERE is a unix socket path (made open to every local user) or
tcp:PORTFILE (a free loopback port, written to PORTFILE) or port:N
(loopback port N)."""
import os
import socket
import sys
import time

where, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
if where.startswith("tcp:"):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    with open(where[4:], "w") as f:
        f.write(str(s.getsockname()[1]))
elif where.startswith("port:"):
    s = socket.socket()
    s.bind(("127.0.0.1", int(where[5:])))
else:
    s = socket.socket(socket.AF_UNIX)
    s.bind(where)
    os.chmod(where, 0o777)  # any local user may connect
s.listen(8)
s.settimeout(0.2)
got = b""
end = time.time() + seconds
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(0.5)
    try:
        c.sendall(b"\0SP\0\0\x31\0\0")  # a REP's SP header
        while True:
            b = c.recv(4096)
            if not b:
                break
            got += b
    except OSError:
        pass
    with open(out, "wb") as f:
        f.write(got)
