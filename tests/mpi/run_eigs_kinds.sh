#!/bin/bash
# [eigs] and [fixedpoints] sections of a job file: the same job with -n 1 and -n 2 gives bitwise
# identical archives; archive rows hold exactly what `rnnchaos eigs --json` and
# `rnnchaos fixedpoints --json` print for the same parameters and seeds (the command-line parser
# and JSON writer against the job parser, the kind descriptors and the archive), NaN-padded;
# the physics the rows must show (the balanced mean's outlier near -b J0, only h = 0 below
# g = 1, unstable fixed points above); `rnnchaos summarize` reports the realisation means of the
# spectral edge, the outlier position and the fixed-point counts as numpy computes them from
# the rows; bad keys exit 2 with file:line: key.
# usage: run_eigs_kinds.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

# 12 eigs tasks (Jacobian at 0, along a trajectory, at the fixed points; b = 0 and 3) and
# 4 fixedpoints tasks (g = 0.5: only the origin; g = 2: many unstable points).
cat > ek.ini <<'EOF'
[run]
seed = 5
realizations = 2

[eigs]
N = 40
g = 1.5
b = 0, 3
at = zero, trajectory, fixedpoints
samples = 3
t_sample = 5
t_transient = 20
starts = 10

[fixedpoints]
N = 30
g = 0.5, 2
starts = 16
coord_bins = 20
EOF

for n in 1 2; do
    mpiexec -x OPENBLAS_NUM_THREADS=1 -n $n "$B" run ek.ini -o n$n.h5 > out$n 2> err$n
    rc=$?
    [ $rc -eq 0 ] || bad "-n $n: exit $rc: $(tail -3 err$n)"
done
$PY "$HERE/archive_compare.py" n1.h5 n2.h5 || bad "-n 1 and -n 2 archives differ"

# seed 6 = job seed 5 + realisation 1
"$B" eigs --N 40 --g 1.5 --b 3 --at fixedpoints --starts 10 --seed 6 --json > e_fp.json \
    || bad "eigs command (fixedpoints)"
"$B" eigs --N 40 --g 1.5 --b 3 --at trajectory --samples 3 --t-sample 5 --t-transient 20 \
    --seed 5 --json > e_tr.json || bad "eigs command (trajectory)"
"$B" eigs --N 40 --g 1.5 --b 0 --at zero --seed 6 --json > e_0.json || bad "eigs command (zero)"
"$B" fixedpoints --N 30 --g 2 --starts 16 --coord-bins 20 --seed 6 --json > fp.json \
    || bad "fixedpoints command"

$PY - <<'EOF' || bad "archive rows and the single-task commands disagree"
import json, h5py, numpy as np
f = h5py.File("n2.h5", "r")
assert f.attrs["kinds"].split(",")[3:5] == ["eigs", "fixedpoints"], f.attrs["kinds"]
e, fp = f["eigs"], f["fixedpoints"]
assert list(f["tasks/kind"][()]) == [3] * 12 + [4] * 4
assert np.all(e["status"][()] == 1) and np.all(fp["status"][()] == 1)

def same(a, b, what):
    """archive value a against JSON value b: bit for bit, null <-> NaN"""
    if b is None:
        assert np.isnan(a), (what, a, b)
    else:
        assert float(a) == b, (what, float(a), b)

def arr(a, b, what):
    b = np.array([np.nan if x is None else x for x in b], dtype=float)
    assert np.array_equal(a[:len(b)], b, equal_nan=True), what
    assert np.all(np.isnan(a[len(b):])), what + " padding"

ep = e["params"]
AT = {"zero": 0, "fixedpoints": 2, "trajectory": 3}
def row(b, at, seed):
    i = np.where((ep["b"][()] == b) & (ep["at"][()] == AT[at]) & (ep["seed_net"][()] == seed))[0]
    assert len(i) == 1, (b, at, seed)
    return int(i[0])

def check_eigs(i, d):
    N = d["N"]
    assert ep["N"][i] == N and ep["of"][i] == 1 and d["of"] == "jacobian"
    ns = d["n_spectra"]
    assert e["n_spectra"][i] == ns and ns == len(d["spectra"])
    ev = np.array(d["eigenvalues"], dtype=float)
    assert ev.shape == (ns * N, 2)
    assert np.array_equal(e["eigenvalues"][i, :ns * N], ev), "eigenvalues"
    assert np.all(np.isnan(e["eigenvalues"][i, ns * N:])), "eigenvalue padding"
    for k in ("center", "bulk_radius", "bulk_radius_theory", "spectral_edge", "bulk_edge"):
        same(e[k][i], d[k], k)
    no = len(d["outliers"])
    assert e["n_outliers"][i] == no
    if no:
        assert np.array_equal(e["outliers"][i, :no], np.array(d["outliers"], dtype=float))
    assert np.all(np.isnan(e["outliers"][i, no:]))
    arr(e["outlier_distance"][i], d["outlier_distance"], "outlier_distance")
    spec_of = [k for k, s in enumerate(d["spectra"]) for _ in s["outliers"]]
    arr(e["outlier_spectrum"][i], spec_of, "outlier_spectrum")
    # the two farthest outliers, pooled (ties: the earlier)
    order = sorted(range(no), key=lambda k: (-d["outlier_distance"][k], k))
    for r in range(2):
        if r < no:
            k = order[r]
            same(e["outlier%d_re" % (r + 1)][i], d["outliers"][k][0], "outlier re")
            same(e["outlier%d_im" % (r + 1)][i], d["outliers"][k][1], "outlier im")
            same(e["outlier%d_distance" % (r + 1)][i], d["outlier_distance"][k], "outlier d")
        else:
            assert np.isnan(e["outlier%d_re" % (r + 1)][i])
    for k in ("bulk_radius", "bulk_radius_theory", "bulk_max_radius", "outlier_threshold",
              "spectral_edge", "bulk_edge"):
        arr(e["spectrum_" + k][i], [s[k] for s in d["spectra"]], k)
    arr(e["spectrum_n_outliers"][i], [len(s["outliers"]) for s in d["spectra"]], "n_outliers")
    arr(e["spectrum_t"][i], [s.get("t") for s in d["spectra"]], "t")
    arr(e["spectrum_q"][i], [s.get("q") for s in d["spectra"]], "q")
    arr(e["spectrum_n_unstable"][i], [s.get("n_unstable") for s in d["spectra"]], "n_unstable")
    for h in ("radial", "real_part"):
        hd = d["histograms"][h]
        same(e[h + "_lo"][i], hd["lo"], h)
        same(e[h + "_hi"][i], hd["hi"], h)
        arr(e[h + "_density"][i], hd["density"], h)
        assert e[h + "_below"][i] == hd["below"] and e[h + "_above"][i] == hd["above"]
    fpd = d.get("fixedpoints")
    for k in ("n_starts", "n_converged", "n_found"):
        assert e["fp_n_" + k[2:]][i] == (fpd[k] if fpd else -1), k
    return ns, no

ns_fp, no_fp = check_eigs(row(3, "fixedpoints", 6), json.load(open("e_fp.json")))
ns_tr, no_tr = check_eigs(row(3, "trajectory", 5), json.load(open("e_tr.json")))
check_eigs(row(0, "zero", 6), json.load(open("e_0.json")))
# the padding is sized for starts + 1 spectra
assert e["eigenvalues"].shape[1:] == (11 * 40, 2) and e["spectrum_q"].shape[1] == 11
print("eigs rows = rnnchaos eigs --json, bit for bit (%d fixed-point spectra, %d trajectory "
      "spectra, %d + %d outliers)" % (ns_fp, ns_tr, no_fp, no_tr))

# physics: the balanced mean plants one real outlier near -1 - b J0 = -4 in the Jacobian at 0
# (centre -1, bulk radius g = 1.5); none without it
for s in (5, 6):
    i = row(3, "zero", s)
    assert e["n_outliers"][i] == 1 and e["outlier1_im"][i] == 0, (e["n_outliers"][i],)
    assert abs(e["outlier1_re"][i] + 4) < 0.5, e["outlier1_re"][i]
    assert abs(e["bulk_radius"][i] - 1.5) < 0.3 and e["center"][i] == -1
    assert e["n_outliers"][row(0, "zero", s)] == 0

fpp = fp["params"]
d = json.load(open("fp.json"))
i = int(np.where((fpp["g"][()] == 2) & (fpp["seed_net"][()] == 6))[0][0])
for k in ("n_found", "n_starts", "n_converged", "n_failed", "n_mirror"):
    assert fp[k][i] == d[k], k
assert fp["origin_added"][i] == int(d["origin_added"])
for k in ("q", "phi2", "kappa", "n_unstable", "spectral_edge", "residual", "n_hits",
          "first_start", "iterations"):
    arr(fp[k][i], [p[k] for p in d["points"]], k)
h = d["coordinate_histogram"]
same(fp["coord_lo"][i], h["lo"], "coord_lo")
same(fp["coord_hi"][i], h["hi"], "coord_hi")
arr(fp["coord_density"][i], h["density"], "coord_density")
for k in ("below", "above", "count"):
    assert fp["coord_" + k][i] == h[k], k
kr = d["kac_rice"]
for k in ("alpha", "beta", "gamma", "q", "complexity"):
    same(fp["kr_" + k][i], kr[k], "kr_" + k)
arr(fp["kr_density"][i], kr["density"], "kr_density")
assert np.all(np.isnan(fp["kr_density"][int(np.where(fpp["g"][()] < 1)[0][0])])), "kr for g < 1"
assert fp["q"].shape[1] == 17 and fp["coord_density"].shape[1] == 20
print("fixedpoints row = rnnchaos fixedpoints --json, bit for bit (%d points)" % d["n_found"])

# physics: g = 0.5 has only h = 0 (stable); g = 2 has mirror pairs of points besides the
# unstable origin, and the histogram holds N coordinates per non-trivial point
for j in range(4):
    n, nt = int(fp["n_found"][j]), int(fp["n_nontrivial"][j])
    q = fp["q"][j, :n]
    if fpp["g"][j] == 0.5:
        assert n == 1 and nt == 0 and fp["n_stable"][j] == 1 and q[0] == 0
        assert np.isnan(fp["q_mean"][j]) and fp["coord_count"][j] == 0
    else:
        # the origin (first: q = 0) is unstable (bulk radius 2 around -1); the others come in
        # mirror pairs (tanh is odd); at N = 30 a stable pair may exist (finite size)
        assert nt >= 2 and nt == n - 1 and q[0] == 0 and fp["n_unstable"][j, 0] >= 1
        assert nt % 2 == 0 and fp["n_mirror"][j] == n
        assert fp["q_mean"][j] == np.mean(q[q > 0])
        assert fp["coord_count"][j] == 30 * nt
        w = (fp["coord_hi"][j] - fp["coord_lo"][j]) / 20
        inside = fp["coord_count"][j] - fp["coord_below"][j] - fp["coord_above"][j]
        assert abs(np.sum(fp["coord_density"][j]) * w - inside / fp["coord_count"][j]) < 1e-12
        assert np.allclose(fp["kappa"][j, :n], 4 * fp["phi2"][j, :n], rtol=1e-15, atol=0)
EOF

# summarize: realisation means of the edge, the outlier and the counts, against numpy
"$B" summarize n2.h5 --json > sum.json || bad "summarize failed"
"$B" summarize n2.h5 > sum.txt || bad "summarize (table) failed"
grep -q "outlier1_re" sum.txt && grep -q "n_found" sum.txt || bad "summarize table misses eigs/fixedpoints"
$PY - <<'EOF' || bad "summarize disagrees with the archive rows"
import json, h5py, numpy as np
s = json.load(open("sum.json"))
f = h5py.File("n2.h5", "r")
e, fp = f["eigs"], f["fixedpoints"]
ge = [g for g in s["groups"] if g["kind"] == "eigs"]
gf = [g for g in s["groups"] if g["kind"] == "fixedpoints"]
assert len(ge) == 6 and len(gf) == 2, (len(ge), len(gf))
checked = 0
for g in ge:
    m = (e["params/b"][()] == g["params"]["b"]) & (e["params/at"][()] == g["params"]["at"])
    assert g["n"] == 2 == m.sum()
    for q in ("spectral_edge", "bulk_radius", "n_outliers", "outlier1_re", "outlier1_im"):
        x = e[q][()][m].astype(float)
        x = x[np.isfinite(x)]
        if len(x) == 0:
            assert g[q]["n"] == 0
            continue
        assert g[q]["n"] == len(x) and abs(g[q]["mean"] - x.mean()) <= 1e-12 * (1 + abs(x.mean())), q
        checked += 1
    if g["params"]["b"] == 3 and g["params"]["at"] == 0:
        assert abs(g["outlier1_re"]["mean"] + 4) < 0.5
for g in gf:
    m = fp["params/g"][()] == g["params"]["g"]
    for q in ("n_found", "n_nontrivial", "n_stable", "n_converged"):
        x = fp[q][()][m].astype(float)
        assert g[q]["n"] == 2 and g[q]["mean"] == x.mean(), q
        checked += 1
    if g["params"]["g"] == 0.5:
        assert g["n_found"]["mean"] == 1
print("summarize: %d realisation means equal numpy's on the rows" % checked)
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
check_bad $'[eigs]\nN = 20\nh0 = s.h5:/h' 6 "h0"
check_bad $'[eigs]\nN = 20\nat = h0' 6 "at"
check_bad $'[eigs]\nconnectivity = j.h5:/J' 5 "connectivity"
check_bad $'[eigs]\nN = 20\nof = J\nat = trajectory' 7 "at"
check_bad $'[eigs]\nbins = 0' 5 "bins"
check_bad $'[eigs]\nN = 20\nat = fixedpoints\nsigma = 0.1' 7 "sigma"
check_bad $'[fixedpoints]\nstarts = 0' 5 "starts"
check_bad $'[fixedpoints]\nN = 20\nsigma_c = 0.2' 6 "sigma_c"
check_bad $'[fixedpoints]\ndedup_tol = 1e-12' 5 "dedup_tol"
check_bad $'[fixedpoints]\nsamples = 3' 5 "samples"
check_bad $'[fixedpoints]\nh0 = s.h5:/h' 5 "h0"

[ $fail -eq 0 ] && echo "run_eigs_kinds: all checks passed"
exit $fail
