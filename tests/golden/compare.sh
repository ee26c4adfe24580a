#!/bin/bash
# The redesign's bitwise guard (docs/architecture.md): runs the golden jobs on 3 ranks (the
# grids they had when the reference archives were made: one-rank tasks on 1x1, distributed
# tasks on 2x1) and compares every task dataset bit for bit with the archives committed in
# tests/golden/, made by commit 3fd1d38 (the last before the layered redesign).  Only the
# per-run bookkeeping (rank, wall_s) may differ.  Same machine kind and BLAS as the reference
# (OpenBLAS 0.3.21, x86-64): another BLAS or CPU kernel may legitimately change the last bits.
# tests/golden/quickstart.ini is jobs/quickstart.ini as it was then (the archive records the
# job text's SHA-256, so the comments of jobs/ may change while the reference stays valid).
# usage: compare.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
G="$HERE/golden"
MPI3="mpiexec -x OPENBLAS_NUM_THREADS=1 --oversubscribe --mca mpi_yield_when_idle 1 -n 3"
run_and_compare() { # JOBFILE REFERENCE
    local name
    name=$(basename "$2" .h5)
    $MPI3 "$B" run "$1" -o "$name.h5" > "$name.out" 2>&1 || bad "$name: run failed: $(tail -3 "$name.out")"
    $PY "$HERE/archive_compare.py" "$2" "$name.h5" || bad "$name: differs from the reference archive"
}
run_and_compare "$G/mixed_kinds.ini" "$G/mixed_kinds.h5"
run_and_compare "$G/mixed_dist.ini" "$G/mixed_dist.h5"
run_and_compare "$G/quickstart.ini" "$G/quickstart.h5"
[ $fail -eq 0 ] && echo "golden: all three archives bitwise equal to the references"
exit $fail
