#!/bin/bash
# rnnchaos summarize: group statistics checked against numpy on a real (small) archive, the fits
# against numpy least squares and Student's t, and on synthetic data with a known answer
# (g_crit - 1 = 2 N^(-1/2) exactly gives exponent -0.5; H proportional to N is "constant per
# N", H ~ N^2 is not); /summary written and replaced; bad input exits 2 and writes nothing.
# usage: summarize.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

cat > small.ini <<'EOF'
[run]
seed = 11
realizations = 3

[spectrum]
N = 20, 30, 40
g = 0.5, 2, 4
t_sim = 20
t_transient = 5
t_ons_transient = 5
n_boot = 50
pca = no

[gcrit]
N = 20, 30, 40, 50
realizations = 2
g_lo = 0.5
g_hi = 3
g_tol = 0.5
t_min = 20
t_max = 20
t_transient = 5
t_ons_transient = 5
n_boot = 100
n_scan = 2
max_probes = 6
EOF
"$B" run small.ini -o small.h5 > run.out 2> run.err || bad "run failed: $(tail -2 run.err)"
cp small.h5 syn.h5
cp small.h5 nowrite.h5
cp small.h5 censored.h5
"$B" summarize small.h5 > table.txt 2> sum.err || bad "summarize failed: $(cat sum.err)"
# (the mean-field table costs seconds: computed once, here and in the table above)
"$B" summarize small.h5 --json --no-write --no-theory > sum.json 2> sum.err || bad "summarize --json failed: $(cat sum.err)"
grep -q "entropy_H_per_N" table.txt && grep -q "Fits" table.txt || bad "table lacks quantities or fits"

$PY - <<'EOF' || bad "statistics or fits disagree with numpy"
import json, h5py, numpy as np
# t_{0.975, df}
T975 = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 6: 2.4469, 7: 2.3646,
        8: 2.3060, 9: 2.2622, 10: 2.2281, 11: 2.2010, 12: 2.1788, 13: 2.1604, 14: 2.1448}
d = json.load(open("sum.json"))
f = h5py.File("small.h5", "r")
s = f["spectrum"]
p = s["params"]
N, g, st = p["N"][()], p["g"][()], s["status"][()]
groups = [x for x in d["groups"] if x["kind"] == "spectrum"]
assert len(groups) == 9, len(groups)
def close(a, b, rel=1e-12):
    if b is None:
        return a is None or np.isnan(a)
    return abs(a - b) <= rel * max(1.0, abs(b))
for grp in groups:
    sel = (N == grp["params"]["N"]) & (g == grp["params"]["g"]) & (st == 1)
    assert grp["n"] == sel.sum() == 3 and "seed_net" not in grp["params"], grp
    assert isinstance(grp["params"]["N"], int) and grp["params"]["phi"] == "tanh"
    for q, src, perN in (("lambda_max", "lambda_max", 0), ("entropy_H", "entropy_H", 0),
                         ("dim_ky", "dim_ky", 0), ("entropy_H_per_N", "entropy_H", 1),
                         ("dim_ky_per_N", "dim_ky", 1)):
        x = s[src][()][sel] / (N[sel] if perN else 1)
        x = x[np.isfinite(x)]
        r = grp[q]
        assert r["n"] == len(x), (q, r)
        if len(x) == 0:
            continue
        for key, ref in (("median", np.median(x)), ("mean", np.mean(x)),
                         ("p20", np.percentile(x, 20)), ("p80", np.percentile(x, 80))):
            assert close(r[key], ref), (q, key, r[key], ref)
        if len(x) > 1:
            assert close(r["std"], np.std(x, ddof=1), 1e-10), (q, r["std"], np.std(x, ddof=1))
# the archive's /summary holds what --json printed
sm = f["summary/spectrum"]
assert list(sm["params/N"][()]) == [grp["params"]["N"] for grp in groups]
assert np.allclose(sm["entropy_H/median"][()], [grp["entropy_H"]["median"] for grp in groups], rtol=0, atol=0)
assert list(sm["n"][()]) == [3] * 9 and list(sm["group"][()]) == [i // 3 for i in range(27)]
# fits of the real spectrum data against numpy OLS: one family per g, N = 20, 30, 40
fits = [x for x in d["fits"] if x["kind"] == "spectrum"]
assert {(x["params"]["g"], x["y"]) for x in fits} >= {(2.0, "entropy_H"), (4.0, "entropy_H_per_N")}, fits
for fit in fits:
    sel = (g == fit["params"]["g"]) & (st == 1)
    y = s["entropy_H" if fit["y"].startswith("entropy") else "dim_ky"][()][sel]
    x = N[sel].astype(float)
    if fit["y"].endswith("_per_N"):
        y = y / x
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    A = np.vstack([np.ones(n), x]).T
    coef, res, _, _ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    s2 = resid @ resid / (n - 2)
    se = np.sqrt(s2 / np.sum((x - x.mean()) ** 2))
    assert fit["n"] == n and close(fit["slope"], coef[1], 1e-9) and close(fit["intercept"], coef[0], 1e-9), fit
    assert close(fit["slope_se"], se, 1e-8), (fit["slope_se"], se)
    half = 0.5 * (fit["slope_ci"][1] - fit["slope_ci"][0])
    if se > 0:  # (g = 0.5: H = D = 0 exactly, a fit without scatter)
        assert abs(half / se - T975[n - 2]) < 2e-4, (half / se, T975[n - 2])
    if fit["y"].endswith("_per_N"):
        assert fit["constant"] == (fit["slope_ci"][0] <= 0 <= fit["slope_ci"][1])
    else:
        assert fit["constant"] is None
print("summarize: %d spectrum groups and %d fits agree with numpy" % (len(groups), len(fits)))
EOF

# N -> infinity references: the mean-field table holds what `rnnchaos dmft` computes at each g
# of the groups (and a grid between them); the random-matrix spectrum of the g = 0.5 groups has
# the mean log(1 - dt)/dt exactly (log|z| is harmonic: its mean over the disc of eigenvalues
# 1 - dt + dt*mu, |mu| <= g, is its value at the centre), and is bounded by the disc's edges
for g in 0.5 2 4; do
    "$B" dmft --g $g --dt 0.1 --json > dmft_$g.json || bad "dmft --g $g"
done
$PY - <<'EOF' || bad "theory tables"
import json, math, h5py, numpy as np
t = h5py.File("small.h5", "r")["summary/theory"]
g, lam, d0, grid = t["g"][()], t["lambda_max"][()], t["delta0"][()], t["grid"][()]
assert set(t["phi"][()].astype(str)) == {"tanh"} and np.all(t["dt"][()] == 0.1)
assert sorted(g[grid == 0]) == [0.5, 2.0, 4.0] and np.sum(grid == 1) == 19
assert np.all(np.diff(np.sort(g)) > 0)
for g0 in (0.5, 2, 4):
    d = json.load(open("dmft_%g.json" % g0))
    i = int(np.where((g == g0) & (grid == 0))[0][0])
    assert lam[i] == d["lambda_max"] and d0[i] == d["delta0"], (g0, lam[i], d["lambda_max"])
# lambda_1 of the mean field rises with g above 1
up = np.argsort(g)
assert np.all(np.diff(lam[up][g[up] > 1.05]) > 0)
r = h5py.File("small.h5", "r")["summary/theory/rmt"]
dt = 0.1
has = r["has_spectrum"][()]
assert list(r["g"][()][has == 1]) == [0.5] * 3
assert np.allclose(r["mean_exponent"][()], math.log(1 - dt) / dt, rtol=1e-15, atol=0)
for i in np.where(has == 1)[0]:
    N = r["N"][i]
    x = r["lambda"][i, :N]
    assert np.all(np.isnan(r["lambda"][i, N:])) and np.all(np.diff(x) <= 0)
    assert abs(x.mean() - math.log(1 - dt) / dt) < 2e-3, (N, x.mean())
    assert x[0] < math.log(1 - dt + dt * 0.5) / dt and x[-1] > math.log(1 - dt - dt * 0.5) / dt
print("theory: dmft rows = rnnchaos dmft --json; RMT spectra mean = log(1-dt)/dt")
EOF

# synthetic data with a known answer, written into the archive's result rows
$PY - <<'EOF' || bad "could not prepare the synthetic archive"
import h5py, numpy as np
f = h5py.File("syn.h5", "r+")
gc = f["gcrit"]
N = gc["params/N"][()].astype(float)
r = gc["realization"][()]
gc["status"][:] = 1
# exact power law with a multiplicative scatter that is the same at every N
gc["g_crit"][:] = 1 + 2.0 * N ** -0.5 * np.where(r == 0, 1.1, 1 / 1.1)
gc["bracket"][...] = np.stack([gc["g_crit"][()] - 0.005, gc["g_crit"][()] + 0.005], axis=1)
s = f["spectrum"]
Ns = s["params/N"][()].astype(float)
gs = s["params/g"][()]
rs = s["realization"][()]
s["status"][:] = 1
# g = 2: H = 0.05 N (1 + e_r), extensive; g = 4: H = 0.001 N^2 (1 + e_r), not;
# g = 0.5: H = (0.05 N - 0.5)(1 + e_r), extensive with a finite-size offset (H/N drifts)
e = np.array([-0.01, 0.0, 0.01])[rs]
s["entropy_H"][:] = np.where(gs == 2, 0.05 * Ns, np.where(gs == 4, 0.001 * Ns ** 2, 0.05 * Ns - 0.5)) * (1 + e)
EOF
"$B" summarize syn.h5 --json --no-theory > syn.json 2> syn.err || bad "summarize syn failed: $(cat syn.err)"
"$B" summarize syn.h5 --no-write --no-theory > syn.txt 2> syn.err || bad "summarize syn (table) failed: $(cat syn.err)"
for verdict in "entropy_H = .*proportional to N" "entropy_H = .*NOT linear in N" "entropy_H = .*linear in N with an offset"; do
    grep -q "$verdict" syn.txt || bad "table lacks the verdict '$verdict'"
done
$PY - <<'EOF' || bad "fits on synthetic data"
import json
d = json.load(open("syn.json"))
pl = [x for x in d["fits"] if x["kind"] == "gcrit" and x["model"] == "power_law"]
real = [x for x in pl if x["on"] == "realizations"][0]
med = [x for x in pl if x["on"] == "medians"][0]
# log(g_crit - 1) = log 2 - 0.5 log N +- log 1.1 at every N: exponent -0.5, A = 2 exactly
assert abs(real["slope"] + 0.5) < 1e-12 and abs(real["intercept"] - 0.6931471805599453) < 1e-12, real
assert real["n"] == 8 and real["slope_ci"][0] < -0.5 < real["slope_ci"][1], real
# medians (geometric centre of 1.1 and 1/1.1 is not their mean: still a pure power law in N)
assert abs(med["slope"] + 0.5) < 1e-12 and med["n"] == 4, med
# the centres of the median bounds (brackets +-0.005 about every value) are the same medians
mb = [x for x in pl if x["on"] == "median_bounds"][0]
assert abs(mb["slope"] + 0.5) < 1e-12 and mb["n"] == 4, mb
grp = [x for x in d["groups"] if x["kind"] == "gcrit" and x["params"]["N"] == 50][0]
assert abs(grp["g_crit"]["median"] - (1 + 2 / 50 ** 0.5 * (1.1 + 1 / 1.1) / 2)) < 1e-12
ext = {(x["params"]["g"], x["y"]): x for x in d["fits"] if x["kind"] == "spectrum"}
h2, hn2 = ext[(2.0, "entropy_H")], ext[(2.0, "entropy_H_per_N")]
hn4 = ext[(4.0, "entropy_H_per_N")]
assert abs(h2["slope"] - 0.05) < 1e-12 and h2["slope_ci"][0] < 0.05 < h2["slope_ci"][1], h2
assert hn2["constant"] is True and abs(hn2["slope"]) < 1e-12, hn2
assert hn4["constant"] is False and abs(hn4["slope"] - 0.001) < 1e-12, hn4
# lack of fit: the group means lie exactly on the line at g = 2 and 0.5 (p = 1), not at g = 4
h4, h05 = ext[(4.0, "entropy_H")], ext[(0.5, "entropy_H")]
assert abs(h2["lack_of_fit_p"] - 1) < 1e-9 and abs(h05["lack_of_fit_p"] - 1) < 1e-9, (h2, h05)
assert h4["lack_of_fit_p"] < 1e-3, h4
assert h2["intercept_ci"][0] <= 0 <= h2["intercept_ci"][1], h2
assert abs(h05["intercept"] + 0.5) < 1e-9 and h05["intercept_ci"][1] < 0, h05
assert ext[(0.5, "entropy_H_per_N")]["constant"] is False
print("synthetic: exponent %.6f CI [%.4f, %.4f]; H/N constant at g=2, not at g=4"
      % (real["slope"], real["slope_ci"][0], real["slope_ci"][1]))
EOF

# g_crit bounds with decided, undecided (a bracket, no number), beyond-g_hi and below-g_lo
# realisations: the median bounds are the numbers by hand and hold every completion of the
# censored values
$PY - <<'EOF' || bad "could not prepare the censored archive"
import h5py, numpy as np
f = h5py.File("censored.h5", "r+")
gc = f["gcrit"]
N = gc["params/N"][()].astype(float)
r = gc["realization"][()]
gc["status"][:] = 1
g = 1 + 2.0 * N ** -0.5
br = np.stack([g - 0.005, g + 0.005], axis=1)
gcv = g.copy()
for n, lo, hi in ((40, 1.2, 1.3), (50, 3.0, np.nan), (20, np.nan, 0.5)):
    sel = (N == n) & (r == 1)
    br[sel] = [lo, hi]
    gcv[sel] = np.nan
gc["bracket"][...] = br
gc["g_crit"][...] = gcv
EOF
"$B" summarize censored.h5 --json --no-theory > cens.json 2> cens.err || bad "summarize censored failed: $(cat cens.err)"
$PY - <<'EOF' || bad "g_crit bounds"
import json, random
d = json.load(open("cens.json"))
grp = {x["params"]["N"]: x for x in d["groups"] if x["kind"] == "gcrit"}
g = lambda n: 1 + 2.0 * n ** -0.5
lo = lambda n: grp[n]["g_crit_lower"]["median"]
hi = lambda n: grp[n]["g_crit_upper"]["median"]
assert abs(lo(30) - (g(30) - 0.005)) < 1e-12 and abs(hi(30) - (g(30) + 0.005)) < 1e-12
assert abs(lo(40) - (g(40) - 0.005 + 1.2) / 2) < 1e-12 and abs(hi(40) - (g(40) + 0.005 + 1.3) / 2) < 1e-12
assert grp[40]["g_crit"]["n"] == 1 and grp[40]["g_crit_lower"]["n"] == 2
assert abs(lo(50) - (g(50) - 0.005 + 3.0) / 2) < 1e-12 and hi(50) is None   # unbounded: null
assert lo(20) is None and abs(hi(20) - (g(20) + 0.005 + 0.5) / 2) < 1e-12
random.seed(1)
for _ in range(200):
    other = {20: random.uniform(-5, 0.5), 30: g(30), 40: random.uniform(1.2, 1.3), 50: random.uniform(3, 50)}
    for n, v in other.items():
        m = (g(n) + v) / 2
        assert (lo(n) is None or lo(n) <= m) and (hi(n) is None or m <= hi(n)), (n, m, lo(n), hi(n))
# only N = 30 and 40 have two finite median bounds: too few sizes for that fit
assert not [x for x in d["fits"] if x["kind"] == "gcrit" and x["on"] == "median_bounds"]
EOF

# summarize again: /summary is replaced (same content), not duplicated
"$B" summarize small.h5 --json --no-theory > sum2.json 2>/dev/null || bad "second summarize"
cmp -s <($PY -c 'import json;d=json.load(open("sum.json"));print(d["groups"],d["fits"])') \
       <($PY -c 'import json;d=json.load(open("sum2.json"));print(d["groups"],d["fits"])') || bad "rerun differs"
$PY -c 'import h5py,sys; sys.exit("summary/theory" in h5py.File("small.h5","r"))' || bad "--no-theory wrote /summary/theory"
"$B" summarize nowrite.h5 --no-write --no-theory > /dev/null 2>&1 || bad "--no-write failed"
$PY -c 'import h5py,sys; sys.exit("summary" in h5py.File("nowrite.h5","r"))' || bad "--no-write wrote /summary"
"$B" info small.h5 > /dev/null || bad "info fails after summarize"

# while something holds a shared flock on the archive (what a running job's rank 0 does),
# summarize refuses to write (exit 1) and leaves the file alone; --no-write still reads it
cp nowrite.h5 locked.h5
cp locked.h5 locked0.h5
$PY - "$B" <<'EOF' || bad "summarize wrote into a locked archive"
import fcntl, subprocess, sys, filecmp
fd = open("locked.h5", "rb")
fcntl.flock(fd, fcntl.LOCK_SH)
r = subprocess.run([sys.argv[1], "summarize", "locked.h5", "--no-theory"], capture_output=True, text=True)
assert r.returncode == 1 and "has the archive open" in r.stderr, (r.returncode, r.stderr)
r = subprocess.run([sys.argv[1], "summarize", "locked.h5", "--no-write", "--no-theory"], capture_output=True, text=True)
assert r.returncode == 0 and "Summary of" in r.stdout, r
fd.close()
assert filecmp.cmp("locked.h5", "locked0.h5", shallow=False)
print("locked archive: summarize refused to write, --no-write read it")
EOF

# bad input: exit 2, nothing written
expect2() {
    "$B" summarize "$@" > bad.out 2> bad.err
    local rc=$?
    [ $rc -eq 2 ] || bad "summarize $*: exit $rc, expected 2"
    [ -s bad.out ] && bad "summarize $*: wrote to stdout"
    grep -q "rnnchaos summarize: error" bad.err || bad "summarize $*: no error message: $(cat bad.err)"
}
expect2
expect2 missing.h5
echo "not hdf5" > text.h5
expect2 text.h5
$PY -c 'import h5py; h5py.File("plain.h5","w")["x"]=[1,2]'
cp plain.h5 plain0.h5
expect2 plain.h5
cmp -s plain.h5 plain0.h5 || bad "a non-archive was modified"
expect2 small.h5 --bogus
expect2 small.h5 small.h5
[ $fail -eq 0 ] && echo "summarize: all checks passed"
exit $fail
