#!/bin/bash
# issue 18 item 11: `eigs --grid` on one-dimensional grids of three or more ranks (3x1 is the
# default grid for 3 ranks) hung for ever in ScaLAPACK 2.2's pdhseqr as soon as its bulge
# chasing crossed a process border (N = 300; see deigs.c for the defect).  Each run here has a
# time limit; the eigenvalues must be those of the serial `rnnchaos eigs` (LAPACK dgeev).
# Tolerance 1e-11, as in cli_deigs.sh: both are backward stable, so each eigenvalue moves by
# about eps * ||J|| * N * kappa ~ 2e-16 * 4 * 300 * O(sqrt N) ~ 4e-12 (kappa the eigenvalue
# condition number of a Ginibre-like matrix, O(sqrt N)), well below the eigenvalue spacing
# (~ 2 g / sqrt N ~ 0.2) so nearest-neighbour matching pairs the right ones.
# usage: eigs_grid_1d.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
MPIO="$MPI --oversubscribe --mca mpi_yield_when_idle 1"
args="--N 300 --g 1.5 --b 3 --json"
"$B" eigs $args > serial.json || bad "serial eigs failed"
for run in "3 3x1" "3 1x3" "4 4x1" "5 1x5"; do
    set -- $run
    timeout -k 5 40 $MPIO -n "$1" "$B" eigs $args --grid "$2" > "g$2.json" 2> "g$2.err"
    rc=$?
    [ $rc -eq 0 ] || bad "eigs --grid $2 on $1 ranks: exit $rc$([ $rc -ge 124 ] && echo ' (hung: killed after 40 s)') $(tail -2 "g$2.err")"
done
$PY - <<'EOF2' || bad "distributed and serial eigenvalues differ"
import json, os
import numpy as np

def z(f):
    e = np.array(json.load(open(f))["eigenvalues"])
    return e[:, 0] + 1j * e[:, 1]

def worst(a, b):
    used = np.zeros(len(a), bool)
    w = 0.0
    for x in b:
        d = np.abs(a - x)
        d[used] = np.inf
        k = int(np.argmin(d))
        used[k] = True
        w = max(w, d[k])
    return w

s = json.load(open("serial.json"))
ok = True
for g in ("3x1", "1x3", "4x1", "1x5"):
    f = "g%s.json" % g
    if not os.path.getsize(f):
        continue  # already reported
    d = json.load(open(f))
    w = worst(z("serial.json"), z(f))
    print("%s: %d eigenvalues, max |mu_dist - mu_dgeev| = %.1e, edge %.6f vs %.6f, grid %s"
          % (g, len(d["eigenvalues"]), w, d["spectral_edge"], s["spectral_edge"], d["grid"]))
    ok = ok and len(d["eigenvalues"]) == 300 and w < 1e-11
    ok = ok and abs(d["spectral_edge"] - s["spectral_edge"]) < 1e-11
assert ok
EOF2
exit $fail
