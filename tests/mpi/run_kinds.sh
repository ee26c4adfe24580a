#!/bin/bash
# [gcrit] and [coherence] sections of a job file: the same job with -n 1 and -n 2 gives bitwise
# identical archives; an archive row holds exactly what `rnnchaos gcrit --json` and
# `rnnchaos coherence --json` print for the same parameters and seeds (an independent code path:
# the command line parser and the JSON writer against the job parser, the kind descriptor and
# the archive); a diverging coherence task is recorded as failed with its reason.
# usage: run_kinds.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

# 4 gcrit tasks (small networks: decided, undecided and multiple crossings all occur) and
# 4 coherence tasks, of which b = 1, seed 3 diverges (balance too weak for g = 2).
cat > kinds.ini <<'EOF'
[run]
seed = 3
realizations = 2

[gcrit]
N = 40, 60
g_lo = 0.5
g_hi = 4
g_tol = 0.1
t_max = 1600
t_transient = 50
t_ons_transient = 20
n_boot = 100
max_probes = 20

[coherence]
N = 30
phi = relu
b = 1, 4
I0 = 1
sigma_c = 0.1
dt = 0.05
t_seg = 5
t_sim = 60
t_transient = 10
t_step = 2
step_trials = 20
EOF

for n in 1 2; do
    mpiexec -x OPENBLAS_NUM_THREADS=1 -n $n "$B" run kinds.ini -o n$n.h5 > out$n 2> err$n
    rc=$?
    [ $rc -eq 1 ] || bad "-n $n: exit $rc, expected 1 (one failed task): $(tail -3 err$n)"
done
$PY "$HERE/archive_compare.py" n1.h5 n2.h5 --ignore reason || bad "-n 1 and -n 2 archives differ"

"$B" gcrit --N 60 --seed 4 --g-lo 0.5 --g-hi 4 --g-tol 0.1 --t-max 1600 --t-transient 50 \
    --t-ons-transient 20 --n-boot 100 --max-probes 20 --json > gcrit.json || bad "gcrit command"
"$B" gcrit --N 40 --seed 3 --g-lo 0.5 --g-hi 4 --g-tol 0.1 --t-max 1600 --t-transient 50 \
    --t-ons-transient 20 --n-boot 100 --max-probes 20 --json > gcrit0.json || bad "gcrit command"
"$B" coherence --N 30 --phi relu --b 4 --I0 1 --sigma-c 0.1 --dt 0.05 --t-seg 5 --t-sim 60 \
    --t-transient 10 --t-step 2 --step-trials 20 --seed 4 --json > coh.json || bad "coherence command"
"$B" info n2.h5 --json > info.json || bad "info failed"

$PY - <<'EOF' || bad "archive rows and the single-task commands disagree"
import json, math, h5py, numpy as np
f = h5py.File("n2.h5", "r")
assert f.attrs["kinds"].startswith("spectrum,gcrit,coherence,"), f.attrs["kinds"]
g = f["gcrit"]
assert list(f["tasks/kind"][()]) == [1] * 4 + [2] * 4

def same(a, b, what):
    """archive value a against JSON value b: bit for bit, null <-> NaN"""
    if b is None:
        assert np.isnan(a), (what, a, b)
    else:
        assert float(a) == b, (what, float(a), b)

def pair(a, b, what):
    """[lo, hi] against a JSON pair (null when an end is undetermined: the archive keeps the
    other end, e.g. a one-sided bracket)"""
    if b is None:
        assert np.isnan(a[0]) or np.isnan(a[1]), (what, a)
        return
    same(a[0], b[0], what)
    same(a[1], b[1], what)

def check_gcrit(row, d):
    assert g["status"][row] == 1
    same(g["g_crit"][row], d["g_crit"], "g_crit")
    assert g["decision"][row].decode() == d["status"], (g["decision"][row], d["status"])
    codes = {"decided": 0, "undecided": 1, "no-crossing": 2, "multiple-crossings": 3}
    assert g["decision_code"][row] == codes[d["status"]]
    pair(g["bracket"][row], d["bracket"], "bracket")
    n = len(d["probes"])
    assert g["n_probes"][row] == n and n > 2
    assert g["max_probes_reached"][row] == int(d["max_probes_reached"])
    cls = {True: 1.0, False: 0.0, None: -1.0}
    stage = {"end": 0.0, "scan": 1.0, "bisect": 2.0}
    for k, p in enumerate(d["probes"]):
        same(g["probe_g"][row, k], p["g"], "probe g")
        same(g["probe_lambda_max"][row, k], p["lambda_max"], "probe lambda_max")
        pair(g["probe_ci"][row, k], p["ci95"], "probe ci")
        same(g["probe_t_sim"][row, k], p["t_sim"], "probe t_sim")
        assert g["probe_chaotic"][row, k] == cls[p["chaotic"]]
        assert g["probe_stage"][row, k] == stage[p["stage"]]
        same(g["probe_t_total"][row, k], p["t_total"], "probe t_total")
        assert g["probe_n_checkpoints"][row, k] == p["n_checkpoints"]
    # padding: NaN after the last probe
    for name in ("probe_g", "probe_lambda_max", "probe_chaotic", "probe_t_sim"):
        assert np.all(np.isnan(g[name][row, n:])), name
    assert np.all(np.isnan(g["probe_ci"][row, n:, :]))
    nc = len(d["crossings"])
    assert g["n_crossings"][row] == nc
    for k, c in enumerate(d["crossings"]):
        pair(g["crossings"][row, k], c["between"], "crossing")
        assert g["crossing_up"][row, k] == (1.0 if c["direction"] == "up" else 0.0)
    assert np.all(np.isnan(g["crossings"][row, nc:, :]))
    return d["status"]

p = g["params"]
rows = {(int(p["N"][i]), int(p["seed_net"][i])): i for i in range(4)}
s1 = check_gcrit(rows[(60, 4)], json.load(open("gcrit.json")))
s0 = check_gcrit(rows[(40, 3)], json.load(open("gcrit0.json")))
# what every decided row promises
for i in range(4):
    dec = g["decision"][i].decode()
    if dec == "decided":
        lo, hi = g["bracket"][i]
        assert lo < g["g_crit"][i] < hi and hi - lo <= 0.1 + 1e-12
        assert g["g_crit"][i] == 0.5 * (lo + hi)
    else:
        assert np.isnan(g["g_crit"][i])
print("gcrit rows = rnnchaos gcrit --json, bit for bit (%s, %s)" % (s1, s0))

c = f["coherence"]
cp = c["params"]
st = c["status"][()]
failed = st == 2
# exactly the weakly balanced b = 1 network with seed 3 diverged
assert np.array_equal(failed, (cp["b"][()] == 1) & (cp["seed_net"][()] == 3)), (failed,)
assert b"diverged" in c["reason"][np.where(failed)[0][0]]
assert np.all(np.isnan(c["coherence"][np.where(failed)[0][0]]))
d = json.load(open("coh.json"))
i = int(np.where((cp["b"][()] == 4) & (cp["seed_net"][()] == 4))[0][0])
assert st[i] == 1 and cp["phi"][i] == b"relu" and cp["t_seg"][i] == 5
nf = len(d["f"])
assert c["n_freq"][i] == nf == 51 and c["f"].shape[1] == nf
for k in ("f", "coherence", "S_ss", "S_nunu", "S_snu_re", "S_snu_im", "step_response"):
    assert np.array_equal(c[k][i, :len(d[k])], np.array(d[k], dtype=float)), k
for k in ("n_eff", "f_max", "info_rate_lb", "info_rate_lb_bias", "info_rate_lb_debiased", "tau_eff",
          "tau_eff_err", "tau_eff_theory", "tau_eff_theory_dt", "step_gain", "step_gain_err",
          "step_gain_theory", "tau_2", "tau_2_err", "gain_2", "gain_2_err", "fit_rms",
          "active_fraction", "active_fraction_std", "rate_mean", "rate_std", "input_mean"):
    same(c[k][i], d[k], k)
assert c["n_segments"][i] == d["n_segments"] and c["n_trials"][i] == d["step_trials"] == 20
assert c["tau_eff_note"][i].decode() == (d["tau_eff_note"] or "")
# a step response was fitted (its accuracy is the coherence tests' business, not this one's)
assert np.isfinite(c["tau_eff"][i]) and c["tau_eff_theory"][i] < 0.5
print("coherence row = rnnchaos coherence --json, bit for bit; R_lb = %.4g bits/tau, tau_eff = %.4g (theory %.4g)"
      % (c["info_rate_lb"][i], c["tau_eff"][i], c["tau_eff_theory"][i]))

info = json.load(open("info.json"))
assert info["tasks"] == 8 and info["done"] == 7 and info["failed"] == 1 and info["pending"] == 0, info
assert info["failures"][0]["kind"] == "coherence"
EOF
[ $fail -eq 0 ] && echo "run_kinds: all checks passed"
exit $fail
