#!/bin/bash
# Scaling on one many-core node (docs/performance.md, "Scaling on a 16-core node"):
#  1. one core's DGEMM/dgeqrf rates and the local kernels (rnnchaos_bench), the reference;
#  2. ensemble throughput: one fixed sweep of 48 spectrum tasks on 1, 2, 4, ... P ranks, every
#     archive compared bit for bit with the 1-rank one (the ranks must not change a number);
#  3. the distributed kernels (pdgemm tangent step, pdgeqrf + pdorgqr, CholeskyQR2) on 1x1, 2x2
#     and, with P >= 16, 4x4 grids, each against the aggregate DGEMM rate of its own ranks;
#  4. one whole distributed task (N = 4000, 400 exponents) on 1x1, 2x2 and 4x4 grids, with its
#     lambda_1 printed for each grid (they differ by rounding only).
#   bench/scaling.sh BUILD_DIR [P] [WORKDIR]      (about 6 minutes on 16 cores)
# MPIEXEC (default mpiexec) and MPIEXEC_FLAGS choose the launcher, PYTHON one with h5py (for the
# archive comparison); OPENBLAS_NUM_THREADS=1 per rank.
set -u
B=$(cd "${1:-build}" && pwd)
P=${2:-$(nproc)}
W=${3:-/tmp/rc_scaling}
MPIEXEC=${MPIEXEC:-mpiexec}
read -r -a FLAGS <<< "${MPIEXEC_FLAGS:-}"
HERE=$(cd "$(dirname "$0")" && pwd)
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
launch() { local n=$1; shift; "$MPIEXEC" "${FLAGS[@]}" -n "$n" -x OPENBLAS_NUM_THREADS=1 "$@"; }
seconds() { date +%s.%N; }
rm -rf "$W"; mkdir -p "$W"; cd "$W" || exit 1

echo "== machine: $(lscpu | sed -n 's/Model name: *//p'); $(nproc) CPUs," \
     "$(lscpu | sed -n 's/Thread(s) per core: *//p') thread(s) per core;" \
     "$(free -g | awk '/Mem:/{print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. one core: kernels against this core's DGEMM (rnnchaos_bench)"
"$B/rnnchaos_bench" --sizes 1000,2000 --task-N 500 --task-t-sim 100

echo "== 2. ensemble throughput: 48 tasks (N = 100, 150; g = 3; t_sim = 1000), rank 0 computing too"
cat > job.ini <<'EOF'
[run]
realizations = 24
[spectrum]
N = 100, 150
g = 3
t_sim = 1000
t_transient = 10
t_ons_transient = 10
n_boot = 50
EOF
ranks=()
for ((n = 1; n <= P; n *= 2)); do ranks+=("$n"); done
[ "${ranks[-1]}" -ne "$P" ] && ranks+=("$P")
declare -A wall
for n in "${ranks[@]}"; do
    t0=$(seconds)
    launch "$n" "$B/rnnchaos" run job.ini -o "n$n.h5" > "out$n" 2>&1 || { echo "FAIL: -n $n run"; cat "out$n"; exit 1; }
    wall[$n]=$(awk "BEGIN{printf \"%.3f\", $(seconds) - $t0}")
    same=yes
    [ "$n" -gt 1 ] && { "${PYTHON:-python3}" "$HERE/../tests/archive_compare.py" n1.h5 "n$n.h5" > "cmp$n" || same=NO; }
    awk -v n="$n" -v w1="${wall[1]}" -v w="${wall[$n]}" -v same="$same" 'BEGIN{printf \
        "ranks %2d: wall %7.2f s  speed-up %5.2f  efficiency %5.1f%%  archive = 1-rank archive: %s\n",
        n, w, w1 / w, 100 * w1 / (n * w), same}'
done
grep -h "task-seconds" out1 "out$P"

echo "== 3. distributed kernels against the aggregate DGEMM of the same ranks"
launch 1 "$B/rnnchaos_dist_bench" --sizes 4000 --grids 1x1 --min-time 1
[ "$P" -ge 4 ] && launch 4 "$B/rnnchaos_dist_bench" --sizes 4000 --grids 2x2 --min-time 1
[ "$P" -ge 16 ] && launch 16 "$B/rnnchaos_dist_bench" --sizes 4000,8000 --grids 4x4 --min-time 1

echo "== 4. one whole distributed task: N = 4000, g = 10, n_le = 400, t_sim = 10 (+2+2)"
for grid in 1x1 2x2 4x4; do
    n=$(( ${grid%x*} * ${grid#*x} ))
    [ "$n" -gt "$P" ] && continue
    launch "$n" "$B/rnnchaos" spectrum --N 4000 --g 10 --t-sim 10 --t-transient 2 \
        --t-ons-transient 2 --n-le 400 --pca no --grid "$grid" --json > "task$grid.json" ||
        { echo "FAIL: grid $grid"; continue; }
    "${PYTHON:-python3}" -c "import json,sys; d=json.load(open('task$grid.json')); print('grid %s: wall %.2f s, lambda_1 %.10f, H %.6f' % ('$grid', d['wall_s'], d['lambda_max'], d['entropy_H']))"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
