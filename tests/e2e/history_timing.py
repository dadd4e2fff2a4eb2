#!/usr/bin/python3
# history_timing.py SRC URL LOGIN PASSWORD CUSTOMER: time `customer_history`
# requests on the wire (tools/crm_client.py: raw protobuf over nanomsg, no
# process start), against `whoami` for scale. Prints, asserts nothing.
import sys
import time

src, url, login, password, customer = sys.argv[1:6]
sys.path.insert(0, src + "/tools")
import crm_client as cc  # noqa: E402

pb = cc.load_pb2(src + "/proto/crm.proto", sys.argv[6] if len(sys.argv) > 6
                 else "/tmp/crm-history-timing-pb")
c = cc.Client(pb, url)
c.login(login, password)
cid = c.call("customer_get",
             pb.CustomerGetRequest(name=customer)).customer.customer.id


def best_mean(n, fn):
    best, total, r = 1e9, 0.0, None
    for _ in range(n):
        t0 = time.perf_counter()
        r = fn()
        d = time.perf_counter() - t0
        best, total = min(best, d), total + d
    return best * 1e3, total / n * 1e3, r


b, m, _ = best_mean(200, lambda: c.call("whoami", pb.WhoamiRequest()))
print("# on the wire: whoami best %.3f ms, mean %.3f ms" % (b, m))
for limit, n in ((1, 200), (1000, 20)):
    b, m, r = best_mean(n, lambda: c.call("customer_history",
                        pb.CustomerHistoryRequest(customer_id=cid,
                                                  limit=limit)))
    print("# on the wire: customer_history limit %d: best %.3f ms, "
          "mean %.3f ms (%d entries, %d bytes)" % (
              limit, b, m, len(r.history.items), r.ByteSize()))
