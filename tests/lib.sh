# The common start of the shell tests, sourced as `. "$(dirname "$0")/lib.sh"` with the test's
# arguments (RNNCHAOS WORKDIR): B = the rnnchaos binary, W = a fresh work directory (entered),
# HERE = the tests folder, PY = Debian's python3 (h5py, numpy), MPI = mpiexec with one BLAS
# thread per rank; `bad MESSAGE` records a failure in $fail and goes on, `check NAME CMD...`
# runs a check.
set -u
B=$1
W=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPI="mpiexec -x OPENBLAS_NUM_THREADS=1"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# check NAME COMMAND...: runs the command, records a failure under NAME when it fails
check() {
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; else bad "$name"; fi
}
