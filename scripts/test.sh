#!/bin/bash
# Build and run the test suite (everything except the label "long").  Idempotent.
#   scripts/test.sh            default suite (< 15 minutes on 2 cores)
#   scripts/test.sh --long     the long science checks as well
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd build
if [ "${1:-}" = "--long" ]; then
    ctest --output-on-failure -L long
else
    ctest --output-on-failure -LE long
fi
