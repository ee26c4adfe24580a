#!/bin/bash
# The [gradients] job kind (issue 15, the gradient link): the same job with -n 1 and -n 2 gives
# bitwise identical archives; every archive row holds exactly what `rnnchaos gradients --json`
# prints for the same parameters and seeds (the command-line parser and JSON writer against the
# job parser, the kind descriptor and the archive), NaN-padded to the job's largest n_le and
# horizon count; bad keys exit 2 with file:line: key and write no archive.
# usage: run_gradients_kind.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

# 8 tasks: g below and above the transition, all 12 directions or the leading 6, 2 realisations
cat > gk.ini <<'EOF'
[run]
seed = 3
realizations = 2

[gradients]
N = 12
g = 0.8, 3
n_le = 12, 6
t_sim = 30
t_transient = 5
t_ons_transient = 5
horizons = 5
grad_lo = 1e-3
EOF

for n in 1 2; do
    mpiexec -x OPENBLAS_NUM_THREADS=1 -n $n "$B" run gk.ini -o n$n.h5 > out$n 2> err$n
    rc=$?
    [ $rc -eq 0 ] || bad "-n $n: exit $rc: $(tail -3 err$n)"
done
$PY "$HERE/archive_compare.py" n1.h5 n2.h5 || bad "-n 1 and -n 2 archives differ"

# seed 4 = job seed 3 + realisation 1
for g in 0.8 3; do for m in 12 6; do for s in 3 4; do
    "$B" gradients --N 12 --g $g --n-le $m --t-sim 30 --t-transient 5 --t-ons-transient 5 \
        --horizons 5 --grad-lo 1e-3 --seed $s --json > g_${g}_${m}_${s}.json \
        || bad "gradients command (g $g, n_le $m, seed $s)"
done; done; done

$PY - <<'EOF' || bad "archive rows and rnnchaos gradients --json disagree"
import json, h5py, numpy as np
f = h5py.File("n2.h5", "r")
kinds = f.attrs["kinds"].split(",")
assert kinds[5] == "gradients", kinds
assert list(f["tasks/kind"][()]) == [5] * 8
r = f["gradients"]
p = r["params"]
assert np.all(r["status"][()] == 1)

def vec(a, b, what):
    """archive row a against JSON list b: bit for bit, null <-> NaN, the rest NaN padding"""
    b = np.array([np.nan if x is None else x for x in b], dtype=float)
    assert np.array_equal(a[:len(b)], b, equal_nan=True), (what, a, b)
    assert np.all(np.isnan(a[len(b):])), what + " padding"

def num(a, b, what):
    if b is None:
        assert np.isnan(a), (what, a)
    else:
        assert float(a) == b, (what, float(a), b)

n = 0
for i in range(8):
    g, m, s = float(p["g"][i]), int(p["n_le"][i]), int(p["seed_net"][i])
    d = json.load(open("g_%s_%d_%d.json" % ("0.8" if g == 0.8 else "3", m, s)))
    assert p["horizons"][i] == 5 and p["grad_lo"][i] == 1e-3 and p["grad_hi"][i] == 1e6
    assert p["N"][i] == d["N"] == 12 and d["seeds"]["net"] == s and d["n_le"] == m
    assert r["n_le"][i] == m
    num(r["t_accumulated"][i], d["t_sim"], "t_accumulated")
    for k in ("lambda_max", "lambda_min", "entropy_H", "dim_ky"):
        num(r[k][i], d[k], k)
    assert r["n_positive"][i] == d["n_positive"]
    vec(r["lambda"][i], d["lambda"], "lambda")
    h = d["horizons"]
    H = len(h["t"])
    assert r["n_horizons"][i] == H
    vec(r["horizon_t"][i], h["t"], "horizon_t")
    vec(r["horizon_steps"][i], h["steps"], "horizon_steps")
    for k in ("log_kappa", "log_kappa_est", "trainable_fraction", "trainable_fraction_est",
              "cond_U", "jacobi_sweeps"):
        vec(r[k][i], h[k], k)
    for k in ("log_sigma", "rate"):
        a = r[k][i]                      # (max horizons, max n_le)
        b = np.array(h[k], dtype=float)  # (H, m)
        assert b.shape == (H, m)
        assert np.array_equal(a[:H, :m], b), k
        assert np.all(np.isnan(a[H:, :])) and np.all(np.isnan(a[:, m:])), k + " padding"
    n += 1
print("gradients kind: %d archive rows equal rnnchaos gradients --json bit for bit" % n)
EOF

# bad keys: exit 2, file:line: key, no archive
check_bad() { # section body, expected line, expected text
    printf '[run]\nseed = 1\n\n%s\n' "$1" > bad.ini
    rm -f bad.h5
    "$B" run bad.ini -o bad.h5 > bad.out 2> bad.err
    rc=$?
    [ $rc -eq 2 ] || bad "'$1': exit $rc, expected 2"
    grep -q "bad.ini:$2: $3" bad.err || bad "'$1': expected 'bad.ini:$2: $3' in: $(cat bad.err)"
    [ ! -e bad.h5 ] || bad "'$1': an archive was written"
}
check_bad $'[gradients]\nN = 10\nhorizons = 0' 6 "horizons"
check_bad $'[gradients]\nhorizons = 2, x' 5 "horizons"
check_bad $'[gradients]\nN = 10\nn_le = auto' 6 "n_le"
check_bad $'[gradients]\nN = 10\nn_le = 11' 6 "n_le"
check_bad $'[gradients]\nprecision = single' 5 "precision"
check_bad $'[gradients]\ngrid = 2x1' 5 "grid"
check_bad $'[gradients]\nmodel = lstm' 5 "model"
check_bad $'[gradients]\nconnectivity = j.h5:/J' 5 "connectivity"
check_bad $'[gradients]\ngrad_lo = 2' 5 "grad_lo"
check_bad $'[gradients]\ngrad_hi = 0.5' 5 "grad_hi"
check_bad $'[gradients]\nbogus = 1' 5 "bogus"

[ $fail -eq 0 ] && echo "run_gradients_kind: all checks passed"
exit $fail
