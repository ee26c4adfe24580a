#!/bin/bash
# A task's result must depend only on its parameters and seeds, not on what the process ran
# before: the same sweep on one rank with glibc's MALLOC_PERTURB_ (freed and fresh heap memory
# filled with a byte pattern) must give a bitwise identical archive, failure reasons included.
# Fails while the local engine's state check (src/lyap/local.c) looks at the finite-perturbation column of W during
# the trajectory transient, before that column is initialised.
# usage: run_heap_isolation.sh RNNCHAOS WORKDIR
set -u
B=$1
W=$2
HERE=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
export OPENBLAS_NUM_THREADS=1
cat > job.ini <<'JOB'
[spectrum]
N = 20, 36
phi = tanh, relu
g = 0.5, 4
t_sim = 30
t_transient = 5
t_ons_transient = 5
n_boot = 50
JOB
"$B" run job.ini -o plain.h5 > /dev/null 2>&1
MALLOC_PERTURB_=165 "$B" run job.ini -o perturbed.h5 > /dev/null 2>&1
/usr/bin/python3 "$HERE/archive_compare.py" plain.h5 perturbed.h5
