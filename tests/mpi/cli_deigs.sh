#!/bin/bash
# rnnchaos eigs --grid (issue 9): the distributed Hessenberg-QR path (pdgehrd + pdhseqr) gives
# the eigenvalues of `rnnchaos eigs` (LAPACK dgeev) on one rank: every eigenvalue matched to
# its nearest serial one within 1e-11, the same outliers and spectral edge.  N = 300 exercises
# pdhseqr's aggressive-early-deflation path (where JOB = 'E' returns wrong eigenvalues: the
# reason deigs.c asks for the Schur form).  Then the refusals, exit code 2.
# usage: cli_deigs.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
args="--N 300 --g 1.5 --b 3 --json"
"$B" eigs $args > serial.json || bad "serial eigs failed"
"$B" eigs $args --grid 1x1 > g11.json || bad "eigs --grid 1x1 failed"
$MPI -n 2 "$B" eigs $args --grid 2x1 > g21.json 2> g21.err || bad "eigs --grid 2x1 failed: $(tail -2 g21.err)"
$MPI -n 2 "$B" eigs --N 200 --g 2 --structure ei --tau-I-dist gamma --tau-I-mean 0.5 \
    --tau-I-spread 0.1 --of jacobian --json --grid 1x2 > jac.json 2> jac.err ||
    bad "eigs --of jacobian --grid 1x2 failed: $(tail -2 jac.err)"
"$B" eigs --N 200 --g 2 --structure ei --tau-I-dist gamma --tau-I-mean 0.5 --tau-I-spread 0.1 \
    --of jacobian --json > jac_serial.json || bad "serial Jacobian eigs failed"
$PY - <<'EOF' || bad "distributed and serial eigenvalues differ"
import json
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
for f in ("g11.json", "g21.json"):
    d = json.load(open(f))
    w = worst(z("serial.json"), z(f))
    print("%s: max |mu_dist - mu_dgeev| = %.1e, edge %.6f vs %.6f, outliers %s vs %s, grid %s"
          % (f, w, d["spectral_edge"], s["spectral_edge"], d["outliers"], s["outliers"], d["grid"]))
    assert w < 1e-11 and len(d["outliers"]) == len(s["outliers"]) == 1
    assert abs(d["spectral_edge"] - s["spectral_edge"]) < 1e-11
w = worst(z("jac_serial.json"), z("jac.json"))
print("Jacobian at 0 (E/I, gamma tau_I), 1x2: max |mu_dist - mu_dgeev| = %.1e" % w)
assert w < 1e-11
EOF
"$B" eigs --N 50 --grid 1x1 --of jacobian --at fixedpoints > fp.out 2> fp.err
rc=$?
[ $rc -eq 2 ] && grep -q -- "--at fixedpoints" fp.err || bad "--grid with --at fixedpoints: exit $rc, $(cat fp.err)"
"$B" eigs --N 50 --grid 2x1 > g.out 2> g.err
rc=$?
[ $rc -eq 2 ] && grep -q -- "--grid 2x1" g.err || bad "--grid 2x1 on one rank: exit $rc, $(cat g.err)"
[ -s g.out ] && bad "output written despite bad input"
exit $fail
