#!/bin/bash
# rnnchaos clv end to end against a closed form (issue 17's linear system): a hardtanh network
# in its linear regime (the state decays into |h| < 1 and stays there) with the connectivity
# J = V diag(mu) V^-1 read from a file (--connectivity), dt = tau (the map h' = J h): the CLVs
# are V's columns (normalised, up to sign) in the order of |mu|, their growth rates log|mu_k|;
# V is not orthogonal, so the Gram-Schmidt vectors would fail.  Plus bad input (exit 2, the
# option named, nothing on stdout) and the other models through --model.
# Usage: cli_clv.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
bin=$B
py=$PY
$py - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(3)
N = 8
mu = np.array([0.9, -0.8, 0.7, -0.6, 0.5, -0.4, 0.3, -0.2])
V = np.eye(N) + 0.4 * rng.standard_normal((N, N))
J = V @ np.diag(mu) @ np.linalg.inv(V)
with h5py.File("J.h5", "w") as f:
    f["J"] = J            # row-major, J[i][j] couples j -> i
    f["V"] = V
    f["mu"] = mu
PY
"$bin" clv --connectivity J.h5:/J --phi hardtanh --dt 1 --t-transient 100 --t-ons 1 \
    --t-ons-transient 300 --t-sim 100 --t-backward 300 --n-boot 50 --clv-samples 4 --clv-save 4 \
    --json > clv.json 2> clv.err
check "clv runs" test $? -eq 0
check "CLVs are V's columns" $py - <<'PY'
import h5py, json, numpy as np
f = h5py.File("J.h5", "r")
V, mu = f["V"][:], f["mu"][:]
V = V / np.linalg.norm(V, axis=0)
o = json.load(open("clv.json"))
g = np.array(o["clv_growth"])
assert np.allclose(g, np.log(np.abs(mu)), atol=1e-9, rtol=0), (g, np.log(np.abs(mu)))
assert np.allclose(o["lambda"], np.log(np.abs(mu)), atol=1e-9, rtol=0)
vs = np.array(o["clv_vectors"])          # samples x k x i
assert vs.shape == (4, 8, 8)
for s in range(4):
    dots = np.abs(np.einsum("ki,ik->k", vs[s], V))
    assert np.all(np.abs(dots - 1) < 1e-9), dots
# the angles between neighbours are those of V's columns
nb = np.arccos(np.minimum(1, np.abs(np.sum(V[:, :-1] * V[:, 1:], axis=0))))
assert np.allclose(o["clv_angle_neighbours_mean"], nb, atol=1e-8)
assert all(1 <= p <= 8 for p in o["clv_pr"])
PY
expect2() {  # expect2 FRAGMENT ARGS...
    local frag=$1
    shift
    "$bin" clv "$@" > out 2> err
    local rc=$?
    [ $rc -eq 2 ] && grep -qF -- "$frag" err && [ ! -s out ]
}
check "n_le auto refused" expect2 "--n-le auto" --N 10 --n-le auto
check "t-backward < t_ons" expect2 "--t-backward" --N 10 --t-backward 0
check "clv-samples range" expect2 "--clv-samples" --N 10 --clv-samples 0
check "grid refused" expect2 "--grid" --N 10 --grid 1x1
check "unknown model" expect2 "--model: unknown model 'x'" --model x
"$bin" clv --model gru --N 10 --t-sim 50 --t-transient 10 --t-ons-transient 10 --n-boot 20 \
    --json > gru.json
check "clv --model gru" $py -c "
import json; o = json.load(open('gru.json'))
assert o['model'] == 'gru' and len(o['clv_growth']) == 10 and len(o['clv_pr']) == 10"
[ $fail -eq 0 ]
