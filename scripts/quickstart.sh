#!/bin/bash
# Quick start: install the packages, build, and run the main job on its embedded default,
# printing a result table.  Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
export OPENBLAS_NUM_THREADS=1
if [ -f jobs/quickstart.ini ] && ./build/rnnchaos run --help > /dev/null 2>&1; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    rm -f quickstart.h5
    mpiexec -n 2 -x OPENBLAS_NUM_THREADS ./build/rnnchaos run jobs/quickstart.ini -o quickstart.h5
    # the physics of the ensemble: lambda_max per (N, g) over the realisations (the whole
    # table, with H, D and the fits against N: rnnchaos summarize quickstart.h5)
    if ./build/rnnchaos summarize --help > /dev/null 2>&1; then
        echo
        ./build/rnnchaos summarize quickstart.h5 | awk '/^  entropy_H \(/ {stop = 1} !stop'
    fi
else
    ./build/rnnchaos spectrum
fi
