#!/bin/bash
# Every benchmark of docs/performance.md in one run (one core per process, same machine, same
# run): kernels and whole tasks against this machine's DGEMM/dgeqrf rates, the NumPy
# comparison, --n-le auto against the full spectrum, single precision, ensemble throughput, and
# the distributed kernels when that benchmark is built.
#   bench/run_all.sh [BUILD_DIR]      (about 15 minutes on 2 idle cores)
set -u
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake --build "$B" --target rnnchaos_bench > /dev/null
echo "== machine: $(lscpu | sed -n 's/Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== kernels and whole tasks (rnnchaos_bench)"
"$B/rnnchaos_bench" --sizes 250,500,1000,2000 --task-N 500,1000 --task-t-sim 300
echo "== LSTM tangent step vs its GEMM bound, and LSTM tasks (rnnchaos_bench --lstm-N)"
"$B/rnnchaos_bench" --lstm-N 100,200,500 --lstm-only --task-t-sim 300
echo "== NumPy formulation of the same algorithm (bench/compare_numpy.sh, t_sim 200)"
bash "$here/compare_numpy.sh" "$B" 200
echo "== --n-le auto vs n_le = N (N = 1000, g = 10, t_sim 200)"
for nle in all auto; do
    "$B/rnnchaos" spectrum --N 1000 --g 10 --t-sim 200 --n-le $nle --pca no --json |
        /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print('n_le=$nle: m = %d, H = %.4f %s, D = %.3f %s, wall %.1f s' % (d['n_le'], d['entropy_H'], d['ci95']['entropy_H'], d['dim_ky'], d['ci95']['dim_ky'], d['wall_s']))"
done
echo "== single vs double precision tangent propagation (N = 500, g = 5, t_sim 300)"
for pr in double single; do
    "$B/rnnchaos" spectrum --N 500 --g 5 --t-sim 300 --precision $pr --pca no --json |
        /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print('$pr: lambda_1 %.4f %s, H %.3f, D %.2f, wall %.1f s' % (d['lambda_max'], d['ci95']['lambda_max'], d['entropy_H'], d['dim_ky'], d['wall_s']))"
done
echo "== ensemble throughput (tests/mpi/run_throughput.sh)"
bash "$here/../tests/mpi/run_throughput.sh" "$(cd "$B" && pwd)/rnnchaos" /tmp/rc_throughput | tail -4
if cmake --build "$B" --target rnnchaos_dist_bench > /dev/null 2>&1; then
    echo "== distributed kernels (rnnchaos_dist_bench, 1 and 2 ranks)"
    bash "$here/dist_bench.sh" "$B" 2>/dev/null || true
fi
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
