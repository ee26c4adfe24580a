#!/bin/bash
# Structured networks in job files (issue 9): a [spectrum] section with E/I, sparsity, weight
# distributions, heterogeneous tau and gains runs; its archive row holds the structure
# parameters as given and exactly (bit for bit) what `rnnchaos spectrum --json` prints for the
# same keys on the command line (an independent path: CLI parser and JSON writer against the job
# parser, kind descriptor and archive).  Kinds that support only the classic model refuse
# structured ones with exit code 2 and a message naming the option.
# usage: run_structure.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

KEYS="N=40 g=3 dt=0.05 structure=ei f_E=0.75 c_EE=0.5 c_II=0.8 w_EE_dist=gaussian w_EE_mean=1
w_EE_spread=0.4 w_EI_dist=lognormal w_EI_mean=1.5 w_EI_spread=0.5 w_IE_mean=0.8 w_II_mean=1.2
tau_I_dist=gamma tau_I_mean=0.5 tau_I_spread=0.15 gain_E_dist=uniform gain_E_mean=1
gain_E_spread=0.2 t_sim=20 t_transient=10 t_ons_transient=5 n_boot=100"
{
    printf '[run]\nseed = 5\nrealizations = 1\n\n[spectrum]\n'
    for kv in $KEYS; do echo "${kv%%=*} = ${kv#*=}"; done
    printf '\n[gcrit]\nN = 20\nstructure = ei\nw_EI_mean = 4\nw_II_mean = 4\n'
    printf 'tau_I_dist = uniform\ntau_I_mean = 0.5\ntau_I_spread = 0.1\ng_lo = 0.5\ng_hi = 4\n'
    printf 'g_tol = 0.5\nt_max = 200\nt_transient = 20\nt_ons_transient = 10\nn_boot = 100\n'
} > s.ini
args=(--seed 5)
for kv in $KEYS; do args+=("--${kv%%=*}" "${kv#*=}"); done

"$B" run s.ini -o s.h5 > out 2> err || bad "run: exit $?: $(tail -3 err)"
"$B" spectrum "${args[@]}" --json > s.json || bad "spectrum command"

$PY - "$KEYS" <<'EOF' || bad "archive row and rnnchaos spectrum --json disagree"
import json, sys, h5py, numpy as np
f = h5py.File("s.h5", "r")
g = f["spectrum"]
p = g["params"]
codes = {"dense": 0, "ei": 1, "constant": 0, "gaussian": 1, "lognormal": 2, "uniform": 3, "gamma": 4}
for kv in sys.argv[1].split():
    k, v = kv.split("=")
    if k not in p:
        continue
    want = codes[v] if v in codes else float(v)
    assert float(p[k][0]) == want, (k, p[k][0], v)
for k in ("c_EI", "c_IE", "tau_E_mean", "gain_I_mean", "w_IE_mean"):
    assert k in p, k
assert float(p["c_EI"][0]) == 1.0 and int(p["tau_E_dist"][0]) == 0 and int(p["w_IE_dist"][0]) == 0
assert float(p["w_IE_mean"][0]) == 0.8
d = json.load(open("s.json"))
lam = g["lambda"][0]
assert len(d["lambda"]) == 40
for a, b in zip(lam, d["lambda"]):
    assert float(a) == b, (a, b)
for k in ("lambda_max", "lambda_min", "entropy_H", "lambda_max_fp"):
    assert float(g[k][0]) == d[k], (k, g[k][0], d[k])
q = f["gcrit/params"]
assert int(q["structure"][0]) == 1 and float(q["w_EI_mean"][0]) == 4.0 and float(q["w_II_mean"][0]) == 4.0
assert int(q["tau_I_dist"][0]) == 3 and float(q["tau_I_mean"][0]) == 0.5 and float(q["tau_I_spread"][0]) == 0.1
assert float(q["c_EE"][0]) == 1.0 and int(q["gain_E_dist"][0]) == 0 and float(q["f_E"][0]) == 0.8
assert f["gcrit/status"][0] == 1
print("structured spectrum: archive row = rnnchaos spectrum --json, bit for bit; lambda_1 = %.4f" % d["lambda"][0])
EOF

# classic-only kinds refuse structured models cleanly
# relu E/I coherence: excitation-dominated blocks blow up, reported as a run-time failure
# (exit 1) that names the E/I weights; inhibition-dominated ones run (tests/cli/cli_coherence_het.sh
# checks the numbers)
"$B" coherence --N 30 --phi relu --b 4 --I0 1 --sigma-c 0.1 --dt 0.05 --t-seg 5 --t-sim 20 \
    --structure ei > coh.out 2> coh.err
rc=$?
[ $rc -eq 1 ] || bad "unbalanced relu E/I coherence: exit $rc, expected 1"
grep -q -- "--w-EI-mean" coh.err || bad "E/I divergence does not name the weights: $(cat coh.err)"
"$B" coherence --N 30 --phi relu --b 4 --I0 1 --sigma-c 0.1 --dt 0.05 --t-seg 5 --t-sim 20 \
    --structure ei --w-EI-mean 3 --w-II-mean 3 --json > coh.json 2> coh.err ||
    bad "inhibition-dominated relu E/I coherence failed: $(cat coh.err)"
"$B" spectrum "${args[@]}" --dt 0.5 > dt.out 2> dt.err
rc=$?
[ $rc -eq 2 ] || bad "dt > min tau_i: exit $rc, expected 2"
grep -q -- "--dt" dt.err || bad "dt refusal does not name --dt: $(cat dt.err)"
[ -s dt.out ] && bad "output written despite bad input"
"$B" eigs --N 100 --g 1 --structure ei --c-EE 0.2 --w-EI-mean 4 --json > eigs.json ||
    bad "eigs of a structured J failed"
"$B" eigs --N 50 --g 2 --tau-I-dist gamma --tau-I-spread 0.2 --gain-E-dist lognormal \
    --gain-E-spread 0.2 --of jacobian --at trajectory --samples 2 --json > ej.json ||
    bad "eigs of Jacobians with tau_i and gains failed"
"$B" fixedpoints --N 30 --g 2 --structure ei --w-EI-mean 4 --w-II-mean 4 --tau-I-dist uniform \
    --tau-I-mean 0.5 --tau-I-spread 0.1 --json > fp.json || bad "fixedpoints with tau_i failed"
# the distributed engine on the same structured, heterogeneous network: the same spectrum
# (20 tau: the trajectories still agree to rounding, so the exponents agree far below 1e-8)
$MPI -n 2 "$B" spectrum "${args[@]}" --grid 2x1 --json > dist.json 2> dist.err ||
    bad "distributed spectrum of a structured model failed: $(tail -3 dist.err)"
$PY - <<'EOF' || bad "distributed and serial spectra of the structured model differ"
import json
a, b = json.load(open("s.json")), json.load(open("dist.json"))
d = max(abs(x - y) for x, y in zip(a["lambda"], b["lambda"]))
print("structured + heterogeneous, 2x1 grid vs serial: max |d lambda_i| = %.2e" % d)
assert len(a["lambda"]) == len(b["lambda"]) and d < 1e-8
EOF
exit $fail
