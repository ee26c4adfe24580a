#!/bin/bash
# End-to-end checks of `rnnchaos spectrum`:
#  - the same seeds give bitwise identical JSON (all but wall_s);
#  - a connectivity read from a file (--connectivity, drawn here by numpy, g = 0.6) gives exponents
#    equal to (1/dt) log|1 - dt + dt mu_k| with mu_k from numpy's eigenvalues (to 1e-3);
#  - --h0 is used as the initial state (J = 0, no transient: h decays as (1 - dt)^n h0, which
#    the finite-perturbation and state checks see through lambda = log(1 - dt)/dt exactly);
#  - the JSON has every key docs/user-guide.md requires.
# Usage: cli_spectrum.sh RNNCHAOS WORKDIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
failures=0
passed=0
check() {  # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failures=$((failures + 1)); echo "FAIL $name"; fi
}

args=(--N 60 --g 4 --t-sim 40 --t-transient 10 --t-ons-transient 10 --seed 5 --json)
"$bin" spectrum "${args[@]}" > a.json || exit 1
"$bin" spectrum "${args[@]}" > b.json || exit 1
strip_wall() { sed -E 's/"wall_s":[^,}]*//' "$1"; }
check "bitwise identical JSON for identical seeds" cmp <(strip_wall a.json) <(strip_wall b.json)
"$bin" spectrum "${args[@]}" --seed-ons 9 > c.json || exit 1
check "a different seed_ons changes the bits" bash -c "! cmp -s <(sed -E 's/\"wall_s\":[^,}]*//' a.json) <(sed -E 's/\"wall_s\":[^,}]*//' c.json)"

check "JSON keys of docs/user-guide.md, JSON output" $py - a.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
need = ["N", "g", "n_le", "lambda", "lambda_max", "lambda_min", "lambda_mean", "entropy_H",
        "dim_ky", "dim_ky_lower_bound", "n_positive", "ci95", "lambda_max_fp", "wall_s"]
missing = [k for k in need if k not in d]
missing += ["ci95." + k for k in ["lambda_max", "lambda_min", "entropy_H", "dim_ky"] if k not in d["ci95"]]
assert not missing, missing
assert d["n_le"] == 60 and len(d["lambda"]) == 60
assert all(a >= b - 0.05 for a, b in zip(d["lambda"], d["lambda"][1:])), "not descending"
assert abs(sum(d["lambda"]) / 60 - d["lambda_mean"]) < 1e-12
PY

$py - <<'PY' || exit 1
import h5py, numpy as np
rng = np.random.default_rng(3)
N = 50
J = 0.6 * rng.standard_normal((N, N)) / np.sqrt(N)
np.fill_diagonal(J, 0.0)
with h5py.File("net.h5", "w") as f:
    f["/weights/J"] = J
    f["h0"] = np.linspace(-1, 1, N)
    f["zero"] = np.zeros((N, N))
mu = np.linalg.eigvals(J)
for dt in (0.1, 1.0):
    lam = np.sort(np.log(np.abs(1 - dt + dt * mu)) / dt)[::-1]
    np.save(f"expected_dt{dt}.npy", lam)
PY
for dt in 0.1 1.0; do
    "$bin" spectrum --connectivity net.h5:/weights/J --dt $dt --t-sim 4000 --t-ons-transient 1000 \
        --pca no --n-boot 50 --json > conn_$dt.json || exit 1
    check "--connectivity g<1 exact check dt=$dt" $py - conn_$dt.json expected_dt$dt.npy <<'PY'
import json, sys, numpy as np
d = json.load(open(sys.argv[1]))
lam, expected = np.array(d["lambda"]), np.load(sys.argv[2])
assert d["N"] == 50 and d["g"] is None, (d["N"], d["g"])
err = np.max(np.abs(lam - expected))
print(f"    max |lambda - (1/dt) log|1-dt+dt mu|| = {err:.2e}")
assert err < 1e-3
PY
done

# J = 0 and no transient: D_s = (1 - dt) I exactly, whatever h0, and h(t) = (1-dt)^n h0.
"$bin" spectrum --connectivity net.h5:/zero --h0 net.h5:/h0 --t-transient 0 --t-ons-transient 0 \
    --t-sim 10 --n-le 3 --json > zero.json || exit 1
check "--h0 with J = 0: lambda = log(1-dt)/dt" $py - zero.json <<'PY'
import json, sys, math
d = json.load(open(sys.argv[1]))
expected = math.log(1 - 0.1) / 0.1
assert all(abs(l - expected) < 1e-12 for l in d["lambda"]), d["lambda"]
assert abs(d["lambda_max_fp"] - expected) < 1e-6, d["lambda_max_fp"]
PY
"$bin" spectrum --connectivity net.h5:/weights/J --h0 net.h5:/h0 --t-transient 0 --t-sim 5 \
    --t-ons-transient 0 --n-le 2 --json > h0a.json || exit 1
"$bin" spectrum --connectivity net.h5:/weights/J --t-transient 0 --t-sim 5 --t-ons-transient 0 \
    --n-le 2 --json > h0b.json || exit 1
check "--h0 changes the initial state" bash -c "! cmp -s <(sed -E 's/\"wall_s\":[^,}]*//' h0a.json) <(sed -E 's/\"wall_s\":[^,}]*//' h0b.json)"

"$bin" spectrum --N 40 --t-sim 20 --t-transient 5 --t-ons-transient 5 > human.txt || exit 1
check "human summary" grep -q "lambda_max" human.txt
check "--help exits 0" "$bin" spectrum --help
echo "$passed passed, $failures failed"
[ $failures -eq 0 ]
