#!/bin/bash
# rnnchaos run under MPI: the same sweep with -n 1, -n 2 and -n 3 --oversubscribe gives bitwise
# identical task results; tasks that diverge are recorded as failed with their reason while the
# others complete; the archive holds exactly what `rnnchaos spectrum --json` computes for the
# same task; max_failures stops the run early and leaves the rest pending.
# usage: run_mpi.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

# 16 tasks; relu with g = 4 and no balance diverges (|h| > 1e12 within t = 40): 4 failures.
cat > sweep.ini <<'EOF'
[run]
seed = 5
realizations = 2

[spectrum]
N = 20, 36
phi = tanh, relu
g = 0.5, 4
t_sim = 30
t_transient = 5
t_ons_transient = 5
n_boot = 50
n_trace = 8
EOF

for n in 1 2 3; do
    extra=""
    [ $n -eq 3 ] && extra="--oversubscribe"
    $MPI -n $n $extra "$B" run sweep.ini -o n$n.h5 > out$n 2> err$n
    rc=$?
    # a failed task makes the run's exit code 1 (docs/user-guide.md), but every task was run
    [ $rc -eq 1 ] || bad "-n $n: exit $rc, expected 1 (failed tasks): $(tail -3 err$n)"
    grep -q "FAILED" err$n || bad "-n $n: no progress line for the failed tasks"
    grep -q "failed tasks:" out$n || bad "-n $n: the summary lists no failed tasks"
done
for n in 2 3; do
    $PY "$HERE/archive_compare.py" n1.h5 n$n.h5 || bad "-n 1 and -n $n archives differ"
done
# every rank computes: rank 0 serves the workers from inside its own tasks
$PY - <<'EOF' || bad "rank columns"
import h5py, numpy as np
for n in (1, 2, 3):
    r = h5py.File("n%d.h5" % n)["spectrum/rank"][()]
    ran = set(r[r >= 0].tolist())
    assert ran <= set(range(n)), (n, ran)
    assert 0 in ran, ("rank 0 ran no task", n, ran)
    if n > 1:
        assert len(ran) >= 2, ("the workers ran no task", n, ran)
EOF

# master_computes = no: rank 0 only dispatches
sed 's/^\[run\]/[run]\nmaster_computes = no/' sweep.ini > sweep_nm.ini
$MPI -n 2 "$B" run sweep_nm.ini -o nm.h5 > outnm 2> errnm
[ $? -eq 1 ] || bad "master_computes = no: unexpected exit code"
$PY - <<'EOF' || bad "master_computes = no ran tasks on rank 0"
import h5py
r = h5py.File("nm.h5")["spectrum/rank"][()]
assert set(r[r >= 0].tolist()) == {1}, set(r.tolist())
EOF

"$B" info n3.h5 --json > info.json || bad "info failed"
$PY - <<'EOF' || bad "failed tasks not recorded as expected"
import json, h5py, numpy as np
d = json.load(open("info.json"))
assert d["tasks"] == 16 and d["done"] == 12 and d["failed"] == 4 and d["pending"] == 0, d
f = h5py.File("n3.h5")
s = f["spectrum"]
p = s["params"]
phi = p["phi"][()].astype(str)
g = p["g"][()]
failed = s["status"][()] == 2
# exactly the divergent relu g = 4 tasks failed, with the engine's reason; their rows stay NaN
assert np.array_equal(failed, (phi == "relu") & (g == 4.0)), (phi, g, failed)
for x in d["failures"]:
    assert x["kind"] == "spectrum" and "diverged" in x["reason"], x
reasons = s["reason"][()]
assert all(b"diverged" in reasons[i] for i in np.where(failed)[0])
assert np.all(np.isnan(s["lambda_max"][()][failed]))
assert np.all(s["status"][()][~failed] == 1)
# padding: N = 20 rows hold 20 exponents then NaN; N = 36 rows hold 36
lam, n_le, N = s["lambda"][()], s["n_le"][()], p["N"][()]
assert lam.shape == (16, 36)
for i in np.where(~failed)[0]:
    assert n_le[i] == N[i] and np.all(np.isfinite(lam[i, :N[i]])) and np.all(np.isnan(lam[i, N[i]:]))
    # what the archive says about a task is what the task computed: H is the sum of its
    # positive exponents, lambda_max its first
    assert s["lambda_max"][i] == lam[i, 0]
    assert abs(s["entropy_H"][i] - lam[i, :N[i]][lam[i, :N[i]] > 0].sum()) <= 1e-12
# seeds: base 5 + realisation
assert np.array_equal(p["seed_net"][()], 5 + s["realization"][()])
# the last trace point is the final spectrum
tr, nt = s["trace_lambda"][()], s["n_trace"][()]
for i in np.where(~failed)[0]:
    assert np.array_equal(tr[i, nt[i] - 1, :N[i]], lam[i, :N[i]])
print("failed tasks and padding ok")
EOF

# one task of the archive against the single-task command (independent code path, same seeds):
# task 13 = N 36, relu, g 0.5, realisation 1 -> seed 6; JSON carries 17 significant digits.
"$B" spectrum --N 36 --phi relu --g 0.5 --t-sim 30 --t-transient 5 --t-ons-transient 5 \
    --n-boot 50 --n-trace 8 --seed 6 --json > task13.json || bad "spectrum command failed"
$PY - <<'EOF' || bad "archive and rnnchaos spectrum disagree"
import json, h5py, numpy as np
d = json.load(open("task13.json"))
s = h5py.File("n2.h5")["spectrum"]
i = int(np.where(s["task_id"][()] == 13)[0][0])
assert s["params/N"][i] == 36 and s["params/g"][i] == 0.5 and s["params/seed_ons"][i] == 6
assert np.array_equal(s["lambda"][i, :36], np.array(d["lambda"])), "lambda"
for k in ("lambda_max", "lambda_min", "entropy_H", "lambda_max_fp"):
    assert s[k][i] == d[k], k
assert (np.isnan(s["dim_ky"][i]) and d["dim_ky"] is None) or s["dim_ky"][i] == d["dim_ky"]
ci = d["ci95"]["lambda_max"]
assert ci is None or list(s["ci_lambda_max"][i]) == ci
print("archive row = rnnchaos spectrum --json, bit for bit")
EOF

# max_failures = 1: the run stops at the first failure, the rest stays pending, exit 1;
# --resume (same job) then finishes exactly the pending tasks, stopping again at the next failure
sed 's/^realizations = 2/realizations = 2\nmax_failures = 1/' sweep.ini > maxf.ini
"$B" run maxf.ini -o maxf.h5 > out_mf 2> err_mf
rc=$?
[ $rc -eq 1 ] && grep -q "max_failures" err_mf || bad "max_failures: exit $rc $(tail -2 err_mf)"
"$B" info maxf.h5 --json > mf.json
$PY - <<'EOF' || bad "max_failures counts"
import json
d = json.load(open("mf.json"))
assert d["failed"] == 1 and d["pending"] > 0 and d["done"] + d["failed"] + d["pending"] == 16, d
print("max_failures: stopped with", d["done"], "done,", d["failed"], "failed,", d["pending"], "pending")
EOF
[ $fail -eq 0 ] && echo "run_mpi: all checks passed"
exit $fail
