#!/bin/bash
# rnnchaos against the straightforward NumPy formulation of the same algorithm: same parameters
# (full tanh spectrum, g = 5, dt = 0.1), same machine, same run, one core each, compute time
# only (rnnchaos: wall_s of the task with the extras the NumPy version lacks switched off).
#   bench/compare_numpy.sh BUILD_DIR [T_SIM]
set -euo pipefail
bin=${1:-build}/rnnchaos
t_sim=${2:-200}
here=$(dirname "$0")
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
printf "%6s %14s %14s %10s %12s %12s\n" N "numpy [s]" "rnnchaos [s]" ratio "lbar numpy" "lbar rnnchaos"
for N in 100 400; do
    np_json=$(/usr/bin/python3 "$here/numpy_reference.py" $N 5 0.1 "$t_sim")
    rc_json=$("$bin" spectrum --N $N --g 5 --dt 0.1 --t-sim "$t_sim" --finite-perturbation no \
              --pca no --lyapvec-pr no --n-boot 0 --n-trace 0 --reorth householder --json)
    /usr/bin/python3 - "$np_json" "$rc_json" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{a['N']:6d} {a['compute_s']:14.3f} {b['wall_s']:14.3f} {b['wall_s'] / a['compute_s']:10.3f} "
      f"{a['lambda_mean']:12.5f} {b['lambda_mean']:12.5f}")
PY
done
