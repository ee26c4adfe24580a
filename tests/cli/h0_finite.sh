#!/bin/bash
# issue 18 item 10: an initial state (--h0) holding inf or nan is bad input (exit 2 naming
# --h0 and the entry), not a task that fails with "trajectory diverged" (exit 1).
# usage: h0_finite.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
$PY - <<'PY' || exit 1
import h5py, numpy as np
with h5py.File("h0.h5", "w") as f:
    a = np.zeros(10); a[3] = np.inf
    f["inf"] = a
    b = np.zeros(10); b[7] = np.nan
    f["nan"] = b
PY
for d in inf nan; do
    for cmd in "spectrum --t-sim 5 --t-transient 1 --t-ons-transient 1" "eigs --of jacobian --at h0"; do
        timeout -k 2 20 "$B" $cmd --N 10 --h0 h0.h5:/$d --json > out.txt 2> err.txt
        rc=$?
        [ $rc -eq 2 ] && grep -q -- "--h0" err.txt && [ ! -s out.txt ] ||
            bad "${cmd%% *} --h0 with $d: exit $rc, expected 2 naming --h0: $(head -c 300 err.txt)"
    done
done
exit $fail
