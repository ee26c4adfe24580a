#!/bin/bash
# The benchmark of docs/performance.md, "Distributed kernels": the tangent step and the
# reorthonormalisations on every grid of 1 and 2 ranks, each against the aggregate DGEMM rate
# of the same ranks measured right before it.
#   bench/dist_bench.sh [BUILD_DIR] [rnnchaos_dist_bench options, default --sizes 2000,4000]
set -u
B=${1:-build}
shift || true
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--sizes 2000,4000 --min-time 2)
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake --build "$B" --target rnnchaos_dist_bench > /dev/null || exit 1
for n in 1 2; do
    echo "== mpiexec -n $n rnnchaos_dist_bench ${args[*]}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    mpiexec -x OPENBLAS_NUM_THREADS=1 -n $n "$B/rnnchaos_dist_bench" "${args[@]}" || exit 1
    echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
