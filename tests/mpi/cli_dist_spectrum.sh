#!/bin/bash
# `rnnchaos spectrum` on a process grid (issue 4):
#  - mpiexec -n 2 --grid 1x2 / 2x1 and -n 3 --oversubscribe (automatic 3x1 grid) give the serial
#    exponents to 1e-8 on a short run (trajectories agree to rounding) and one JSON object, from
#    rank 0 only, with the grid recorded;
#  - --n-le auto (pilot runs on the grid) chooses the serial m and gives the serial exponents;
#  - --connectivity (a numpy-drawn g = 0.6 matrix, read in parallel by hyperslab) and --h0 give
#    the serial result, and the exponents equal (1/dt) log|1 - dt + dt mu_k| (numpy eigenvalues);
#  - bad input on a grid: exit 2, the message once, nothing on stdout; a task that does not fit
#    --mem-per-rank: exit 1 with the memory estimate.
# Usage: cli_dist_spectrum.sh RNNCHAOS WORKDIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPI="mpiexec -x OPENBLAS_NUM_THREADS=1"
failures=0
passed=0
check() {  # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failures=$((failures + 1)); echo "FAIL $name"; fi
}

# compare A.json B.json TOL: same n_le, max |lambda diff| <= TOL
compare() {
    $py - "$1" "$2" "$3" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
tol = float(sys.argv[3])
assert a["n_le"] == b["n_le"], (a["n_le"], b["n_le"])
d = max(abs(x - y) for x, y in zip(a["lambda"], b["lambda"]))
print("   max |dlambda| = %.2e (tol %g)" % (d, tol))
assert d <= tol
PY
}

args=(--N 90 --g 4 --t-sim 6 --t-ons 0.5 --t-transient 2 --t-ons-transient 2 --seed 5 --n-boot 50 --json)
"$bin" spectrum "${args[@]}" > serial.json || exit 1
for grid in 1x2 2x1; do
    $MPI -n 2 "$bin" spectrum "${args[@]}" --grid $grid > g$grid.json 2> g$grid.err
    check "--grid $grid: exit 0" test $? -eq 0
    check "--grid $grid: one JSON object on stdout" test "$(wc -l < g$grid.json)" -eq 1
    check "--grid $grid: exponents = serial" compare serial.json g$grid.json 1e-8
done
$MPI -n 3 --oversubscribe "$bin" spectrum "${args[@]}" > g3.json 2> g3.err
check "-n 3 (automatic grid): exit 0" test $? -eq 0
check "-n 3: exponents = serial" compare serial.json g3.json 1e-8
check "-n 3: grid 3x1 recorded" $py -c "
import json; g = json.load(open('g3.json'))['grid']
assert (g['rows'], g['cols'], g['ranks']) == (3, 1, 3), g"

# --n-le auto: the pilot runs too are distributed and choose the same m as the serial engine
aargs=(--N 160 --g 4 --t-sim 20 --t-ons 0.5 --t-transient 2 --t-ons-transient 2 --seed 3 --n-boot 50 --n-le auto --json)
"$bin" spectrum "${aargs[@]}" > auto_s.json || exit 1
$MPI -n 2 "$bin" spectrum "${aargs[@]}" --grid 2x1 > auto_d.json 2> auto_d.err
check "--n-le auto on 2x1: exit 0" test $? -eq 0
check "--n-le auto on 2x1: same m and exponents as serial" compare auto_s.json auto_d.json 1e-8
check "--n-le auto on 2x1: pilot recorded" $py -c "
import json; d = json.load(open('auto_d.json')); assert d['n_le_auto']['pilot_n_le'] >= 16 and d['n_le'] < 160, d['n_le']"

# a connectivity and an initial state from files
$py - <<'PY' || exit 1
import h5py, numpy as np
rng = np.random.default_rng(3)
N = 70
J = 0.6 * rng.standard_normal((N, N)) / np.sqrt(N)
np.fill_diagonal(J, 0.0)
with h5py.File("conn.h5", "w") as f:
    f["J"] = J
    f["rect"] = np.zeros((N, N + 1))
    f["h0"] = rng.standard_normal(N)
mu = np.linalg.eigvals(J)
dt = 0.5
lam = np.sort(np.log(np.abs(1 - dt + dt * mu)) / dt)[::-1]
np.savetxt("expected.txt", lam)
PY
cargs=(--connectivity conn.h5:/J --h0 conn.h5:/h0 --dt 0.5 --t-sim 2000 --t-transient 20 --t-ons-transient 1000 --finite-perturbation no --n-boot 50 --json)
"$bin" spectrum "${cargs[@]}" > cs.json || exit 1
$MPI -n 2 "$bin" spectrum "${cargs[@]}" --grid 2x1 --block-size 8 > cd.json 2> cd.err
check "--connectivity --h0 on 2x1: exit 0" test $? -eq 0
check "--connectivity --h0 on 2x1: exponents = serial" compare cs.json cd.json 1e-10
check "--connectivity on 2x1: lambda_k = (1/dt) log|1 - dt + dt mu_k|" $py - <<'PY'
import json, numpy as np
d = json.load(open("cd.json"))
lam = np.array(d["lambda"]); exp = np.loadtxt("expected.txt")
err = np.max(np.abs(lam - exp))
print("   max |lambda - exact| = %.2e" % err)
assert d["g"] is None and err < 1e-3
PY

expect_fail() {  # expect_fail CODE TEXT NRANKS ARGS...
    local code=$1 text=$2 n=$3
    shift 3
    $MPI -n $n "$bin" spectrum --N 40 --t-sim 5 --t-transient 1 --t-ons-transient 1 "$@" > out.txt 2> err.txt
    local rc=$?
    local nmsg
    nmsg=$(grep -c "rnnchaos spectrum: error" err.txt)
    if [ $rc -ne "$code" ]; then echo "   exit $rc, expected $code: $(cat err.txt)"; return 1; fi
    if ! grep -q -- "$text" err.txt; then echo "   message lacks '$text': $(cat err.txt)"; return 1; fi
    if [ -s out.txt ]; then echo "   wrote to stdout"; return 1; fi
    if [ "$nmsg" -ne 1 ]; then echo "   $nmsg error messages, expected 1"; return 1; fi
    echo "   $(grep 'rnnchaos spectrum: error' err.txt)"
}
check "--grid 2x2 on 2 ranks: exit 2" expect_fail 2 "--grid" 2 --grid 2x2
check "--grid 2y2: exit 2" expect_fail 2 "--grid" 2 --grid 2y2
check "non-square --connectivity on a grid: exit 2" expect_fail 2 "--connectivity" 2 --connectivity conn.h5:/rect
check "missing --connectivity file on a grid: exit 2" expect_fail 2 "--connectivity" 2 --connectivity nope.h5:/J
check "--N disagreeing with --connectivity on a grid: exit 2" expect_fail 2 "--N" 2 --N 40 --connectivity conn.h5:/J
check "--precision single on a grid: exit 2" expect_fail 2 "--precision" 2 --precision single
check "--mem-per-rank too small: exit 1 with the estimate" expect_fail 1 "GiB per rank" 2 --mem-per-rank 1M
"$bin" spectrum --N 40 --t-sim 5 --block-size 8 > out.txt 2> err.txt
check "--block-size without a grid: exit 2" test $? -eq 2

echo "$passed passed, $failures failed"
[ $failures -eq 0 ]
