# SPDX-License-Identifier: MIT
"""mdb_dump.py: read and write `mdb_dump -a` output (the text form
mdb_load reads), for the upgrade tests that make data of an older schema
from this crmd's: read(path) gives each database's entries as
hex (key, value) pairs, write(path, dump) writes them back.
"""


class Dump:
    def __init__(self, path):
        self.sections, cur = [], None
        for line in open(path).read().split("\n"):
            if line.startswith("VERSION="):
                cur = {"head": [line], "data": []}
                self.sections.append(cur)
            elif cur is not None and "end" not in cur:
                if line == "HEADER=END":
                    cur["head"].append(line)
                    cur["in"] = True
                elif line == "DATA=END":
                    cur["end"] = True
                elif cur.get("in"):
                    cur["data"].append(line)
                elif not line.startswith("db_pagesize="):
                    cur["head"].append(line)
        self.by = {self._name(s): s for s in self.sections}

    @staticmethod
    def _name(s):
        for h in s["head"]:
            if h.startswith("database="):
                return h[len("database="):]
        return None

    def pairs(self, db):
        """The (key, value) hex pairs of database db, in order."""
        d = self.by[db]["data"]
        return [(d[i][1:], d[i + 1][1:]) for i in range(0, len(d), 2)]

    def set_pairs(self, db, pairs):
        self.by[db]["data"] = [x for kv in pairs
                               for x in (" " + kv[0], " " + kv[1])]

    def set_schema(self, version):
        """meta's schema entry (4 bytes, big-endian) set to version."""
        self.set_pairs("meta", [
            (k, "%08x" % version if k == "736368656d61" else v)
            for k, v in self.pairs("meta")])

    def write(self, path):
        with open(path, "w") as f:
            for s in self.sections:
                f.write("\n".join(s["head"] + s["data"] + ["DATA=END"]) +
                        "\n")
