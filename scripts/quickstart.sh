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
else
    ./build/rnnchaos spectrum
fi
