#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""proto_names_test: the naming rules of protocol 1 (issue 17 items 3, 8),
checked over every message and enum of crm.proto (its descriptor set):

- no field is named after a keyword of a common language (Python, C, C++,
  Java, C#, Go, Rust, JavaScript), so generated code never needs escapes;
- every int64 field is a time named by its unit (*_at: UTC seconds since
  the epoch, *_seconds: a duration), money in minor units (named in
  MONEY), or a count named in COUNTS; a new time field without its suffix
  fails here, since the server's range check finds times by name;
- every enum starts with a zero value named *_UNSPECIFIED, so a value a
  reader does not know, or a missing one, never reads as a real value.
  Status.Code is the exception while issue 17 item 1 reworks it.

Usage: proto_names_test.py CRM.DESC
"""
import sys

from google.protobuf import descriptor_pb2

KEYWORDS = set("""
and as assert async await break case catch char class const continue def
default del delete do double elif else enum except extern false final
finally float fn for from func function global go goto if impl import in
int interface is lambda let long loop match mod module move mut namespace
new nil none nonlocal not null operator or package pass private protected
public raise ref register return self short signed sizeof static struct
super switch template this throw trait true try typedef union
unsigned use using var virtual void volatile where while with yield
""".split())
# "type" is left out: most generators and style guides accept it.

MONEY = {"annual_revenue", "deal_amount", "amount", "total", "average",
         "total_year", "amount_high", "amount_medium"}
COUNTS = set()
ENUM_EXCEPTIONS = {"crm.v1.Status.Code"}


def main():
    fds = descriptor_pb2.FileDescriptorSet()
    with open(sys.argv[1], "rb") as f:
        fds.ParseFromString(f.read())
    bad = []
    for fd in fds.file:
        if fd.package != "crm.v1":
            continue

        def enum(e, scope):
            full = scope + "." + e.name
            if full in ENUM_EXCEPTIONS:
                return
            zero = [v.name for v in e.value if v.number == 0]
            if not zero or not zero[0].endswith("UNSPECIFIED"):
                bad.append("enum %s: zero is %s, not *_UNSPECIFIED" %
                           (full, zero[0] if zero else "missing"))

        def message(m, scope):
            full = scope + "." + m.name
            for f in m.field:
                if f.name.lower() in KEYWORDS:
                    bad.append("%s.%s: a keyword" % (full, f.name))
                if f.type in (f.TYPE_INT64, f.TYPE_SINT64, f.TYPE_SFIXED64):
                    if not (f.name.endswith("_at") or
                            f.name.endswith("_seconds") or
                            f.name in MONEY or f.name in COUNTS):
                        bad.append("%s.%s: int64 neither *_at, *_seconds "
                                   "nor money" % (full, f.name))
            for e in m.enum_type:
                enum(e, full)
            for n in m.nested_type:
                message(n, full)

        for e in fd.enum_type:
            enum(e, fd.package)
        for m in fd.message_type:
            message(m, fd.package)
    for b in bad:
        print("FAIL", b)
    print("%d problem(s)" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
