#!/bin/bash
# Mixed sweeps (issue 4): one job with one-rank tasks (N = 30) and distributed tasks
# (N = 160 >= dist_min_N, ranks_per_dist_task = 2).
#  A  -n 3 --oversubscribe: every task done; one-rank tasks ran on a 1x1 grid, distributed ones
#     on a 2x1 grid of two workers (archived grid_rows/grid_cols, rank = the group's leader).
#  B  -n 1 (distributed tasks on a 1x1 grid): the one-rank tasks are bitwise identical to A's;
#     the distributed tasks agree with A's: g = 0.6 (contracting) to 1e-9 in every exponent,
#     g = 2.5 (chaotic) lambda_1, H and D within the sum of both CI half-widths.
#  C  the chaotic distributed tasks of A against `rnnchaos spectrum` (the serial engine) on
#     the same network: lambda_1 within the CIs.
#  D  SIGTERM to the ranks while distributed tasks run: exit 3, tasks left pending; --resume on
#     -n 3 completes the archive, bitwise equal to A (same grids, deterministic engine).
# usage: run_dist_mixed.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
MPI="mpiexec -x OPENBLAS_NUM_THREADS=1 --oversubscribe --mca mpi_yield_when_idle 1"

cat > job.ini <<'EOF'
[run]
seed = 5
realizations = 3
dist_min_N = 120
ranks_per_dist_task = 2
[spectrum]
N = 30, 160
g = 0.6, 2.5
t_sim = 200
t_transient = 10
t_ons_transient = 10
n_boot = 100
n_trace = 5
EOF

$MPI -n 3 "$B" run job.ini -o a.h5 > a.out 2> a.err || bad "A: -n 3 run failed: $(tail -3 a.err)"
"$B" run job.ini -o b.h5 > b.out 2> b.err || bad "B: -n 1 run failed: $(tail -3 b.err)"

$PY - <<'EOF' || fail=1
import sys
import h5py
import numpy as np

ok = True
def check(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok &= bool(cond)

a, b = h5py.File("a.h5", "r")["spectrum"], h5py.File("b.h5", "r")["spectrum"]
N = a["params/N"][:]
g = a["params/g"][:]
small, dist = N == 30, N == 160
check((a["status"][:] == 1).all() and (b["status"][:] == 1).all(), "A, B: every task done")
grid_a = np.stack([a["grid_rows"][:], a["grid_cols"][:]], 1)
grid_b = np.stack([b["grid_rows"][:], b["grid_cols"][:]], 1)
check((grid_a[small] == 1).all() and (grid_a[dist] == [2, 1]).all(),
      "A: one-rank tasks on 1x1, distributed tasks on 2x1: %s" % grid_a[dist].tolist())
check((a["rank"][:][dist] > 0).all(), "A: distributed tasks led by a worker, never rank 0")
check((grid_b == 1).all(), "B: every task on 1x1 with one rank")

# one-rank tasks: the same bits whatever the number of ranks
skip = {"rank", "wall_s", "params"}
differ = [n for n, ds in a.items() if isinstance(ds, h5py.Dataset) and n not in skip
          and ds[:][small].tobytes() != b[n][:][small].tobytes()]
check(not differ, "one-rank tasks: -n 3 and -n 1 bitwise equal in every result %s" % differ)

# distributed tasks: 2x1 against 1x1
calm = dist & (g < 1)
la, lb = a["lambda"][:][calm], b["lambda"][:][calm]
rel = np.max(np.abs(la - lb) / np.abs(lb))
check(rel < 1e-9, "g = 0.6, distributed 2x1 vs 1x1: max relative exponent difference %.2e (< 1e-9)" % rel)
chaos = np.where(dist & (g > 1))[0]
for key, ci in (("lambda_max", "ci_lambda_max"), ("entropy_H", "ci_entropy_H"), ("dim_ky", "ci_dim_ky")):
    for i in chaos:
        xa, xb = a[key][i], b[key][i]
        ha = 0.5 * (a[ci][i][1] - a[ci][i][0])
        hb = 0.5 * (b[ci][i][1] - b[ci][i][0])
        check(abs(xa - xb) <= ha + hb and ha > 0,
              "g = 2.5 task %d %s: 2x1 %.5f vs 1x1 %.5f, |diff| %.2e <= %.2e" % (i, key, xa, xb, abs(xa - xb), ha + hb))
sys.exit(0 if ok else 1)
EOF

# C: the serial engine on the network of each chaotic distributed task
for i in $($PY -c '
import h5py
s = h5py.File("a.h5", "r")["spectrum/params"]
print(" ".join(str(i) for i in range(len(s["N"])) if s["N"][i] == 160 and s["g"][i] > 1))'); do
    args=$($PY -c "
import h5py
p = h5py.File('a.h5', 'r')['spectrum/params']
print('--N %d --g %r --seed-net %d --seed-ic %d --seed-ons %d --seed-noise %d' % (
    p['N'][$i], float(p['g'][$i]), p['seed_net'][$i], p['seed_ic'][$i], p['seed_ons'][$i], p['seed_noise'][$i]))")
    "$B" spectrum $args --t-sim 200 --t-transient 10 --t-ons-transient 10 --n-boot 100 --pca no \
        --json > serial$i.json || bad "C: serial spectrum failed"
    $PY - "$i" <<'EOF' || fail=1
import json, sys
import h5py
i = int(sys.argv[1])
a = h5py.File("a.h5", "r")["spectrum"]
s = json.load(open("serial%d.json" % i))
x, hx = a["lambda_max"][i], 0.5 * (a["ci_lambda_max"][i][1] - a["ci_lambda_max"][i][0])
y = s["lambda_max"]
hy = 0.5 * (s["ci95"]["lambda_max"][1] - s["ci95"]["lambda_max"][0])
ok = abs(x - y) <= hx + hy
print("%s C: task %d lambda_1 distributed %.5f vs serial engine %.5f, |diff| %.2e <= %.2e" %
      ("ok  " if ok else "FAIL", i, x, y, abs(x - y), hx + hy))
sys.exit(0 if ok else 1)
EOF
done

# D: SIGTERM to the ranks while the distributed tasks run (they start first: largest cost)
$MPI -n 3 "$B" run job.ini -o d.h5 > d.out 2> d.err &
pid=$!
for _ in $(seq 300); do
    grep -q "done" d.err 2> /dev/null && break
    kill -0 $pid 2> /dev/null || break
    sleep 0.05
done
kill -TERM $(pgrep -P $pid) 2> /dev/null
wait $pid
rc=$?
pending=$("$B" info d.h5 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["pending"])')
[ $rc -eq 3 ] || bad "D: exit $rc after SIGTERM, expected 3: $(tail -3 d.err)"
[ "$pending" -gt 0 ] || bad "D: nothing pending after the stop"
echo "D: SIGTERM -> exit $rc, $pending pending ($(grep -o "[0-9]* cancelled" d.out))"
$MPI -n 3 "$B" run job.ini -o d.h5 --resume > d2.out 2> d2.err || bad "D: resume failed: $(tail -3 d2.err)"
$PY "$HERE/archive_compare.py" a.h5 d.h5 > d.cmp || bad "D: resumed archive differs: $(cat d.cmp)"
echo "D: resumed archive vs uninterrupted: $(cat d.cmp)"

[ $fail -eq 0 ] && echo "run_dist_mixed: passed" || echo "run_dist_mixed: FAILED"
exit $fail
