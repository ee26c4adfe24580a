#!/usr/bin/python3
"""Compare the task results of two rnnchaos archives bit for bit.

usage: archive_compare.py A.h5 B.h5 [--allow-pending] [--ignore NAME ...]

Every dataset of every task-kind group and of /tasks must have the same shape, dtype and bytes
(NaN padding included), except the per-run bookkeeping: which rank ran a task and how long it
took.  Exits 0 when equal, 1 with the differing datasets listed otherwise.  Unless
--allow-pending, every task of both archives must be done or failed.
"""
import sys

import h5py
import numpy as np

RUN_ONLY = {"rank", "wall_s"}


def datasets(group, prefix=""):
    out = {}
    for name, obj in group.items():
        path = prefix + "/" + name
        if isinstance(obj, h5py.Group):
            out.update(datasets(obj, path))
        else:
            out[path] = obj
    return out


def main():
    argv = sys.argv[1:]
    ignore = set()
    while "--ignore" in argv:
        i = argv.index("--ignore")
        ignore.add(argv[i + 1])
        del argv[i:i + 2]
    args = [a for a in argv if not a.startswith("--")]
    allow_pending = "--allow-pending" in argv
    a, b = (h5py.File(p, "r") for p in args[:2])
    bad = []
    for attr in ("job_sha256", "n_tasks", "format_version"):
        if a.attrs[attr] != b.attrs[attr]:
            bad.append("attribute " + attr)
    # kind codes index this list: a build with more kinds (new models' spectra) appends to it,
    # and every code of the shorter list keeps its meaning
    ka, kb = a.attrs["kinds"].split(","), b.attrs["kinds"].split(",")
    if ka[:len(kb)] != kb[:len(ka)]:
        bad.append("attribute kinds (%s vs %s)" % (ka, kb))
    kinds = ka if len(ka) < len(kb) else kb
    groups = ["tasks"] + [k for k in kinds if k in a]
    n_checked = 0
    for g in groups:
        da, db = datasets(a[g], "/" + g), datasets(b[g], "/" + g)
        if set(da) != set(db):
            bad.append("%s: dataset names differ: %s" % (g, sorted(set(da) ^ set(db))))
        for path in sorted(set(da) & set(db)):
            if path.rsplit("/", 1)[1] in RUN_ONLY | ignore:
                continue
            x, y = da[path][()], db[path][()]
            if x.shape != y.shape or x.dtype != y.dtype or x.tobytes() != y.tobytes():
                bad.append(path)
            n_checked += 1
        if g != "tasks" and not allow_pending:
            for f in (a, b):
                st = f[g + "/status"][()]
                if np.any(st == 0):
                    bad.append("%s: %s has %d pending tasks" % (f.filename, g, int(np.sum(st == 0))))
    if bad:
        print("archives differ:\n  " + "\n  ".join(bad))
        return 1
    print("archives equal: %d datasets compared bit for bit" % n_checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
