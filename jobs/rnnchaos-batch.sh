#!/bin/bash
# The body of the jobs/*.sbatch scripts (exec'ed by them, so it is the batch shell that Slurm's
# --signal=B:USR1@T warns).  Runs one job file into one archive over the allocation's ranks,
# continues an existing archive with --resume, and when the run was stopped by the time-limit
# warning (USR1, exit code 3) submits the same batch script again, until the archive is complete.
#
# usage: rnnchaos-batch.sh JOB.ini ARCHIVE.h5 BATCH_SCRIPT
# environment:
#   RNNCHAOS           the program [rnnchaos from PATH]
#   RC_LAUNCH          srun (srun --mpi=pmix) or mpirun [srun]
#   RC_MAX_RESUBMITS   stop resubmitting after this many resubmissions [20]
#   RC_RESUBMITS       resubmissions so far (set by this script)
# Signals: USR1 (the time-limit warning, or scancel --batch -s USR1) stops the run cleanly and
# resubmits; TERM or INT (scancel, the time limit itself) stop it cleanly without resubmitting.
set -u
job=$1
archive=$2
script=$3
RNNCHAOS=${RNNCHAOS:-rnnchaos}
export OPENBLAS_NUM_THREADS=1
resume=
[ -e "$archive" ] && resume=--resume
echo "$(date '+%F %T') job ${SLURM_JOB_ID:-?}: $RNNCHAOS run $job -o $archive $resume on ${SLURM_NTASKS:-?} ranks"
# Long commands run in the background so that the traps run at once (bash runs a trap only
# after the foreground command returns).
case ${RC_LAUNCH:-srun} in
srun) srun --mpi=pmix --kill-on-bad-exit=0 "$RNNCHAOS" run "$job" -o "$archive" $resume & ;;
mpirun) mpirun -x OPENBLAS_NUM_THREADS=1 "$RNNCHAOS" run "$job" -o "$archive" $resume & ;;
*) echo "RC_LAUNCH must be srun or mpirun"; exit 2 ;;
esac
pid=$!
stopped_by=
stop() {
    stopped_by=$1
    echo "$(date '+%F %T') batch script got SIG$1: asking rnnchaos to stop (running tasks stay pending)"
    kill -USR1 "$pid" 2> /dev/null # srun and mpirun forward USR1 to every rank
}
trap 'stop USR1' USR1
trap 'stop TERM' TERM
trap 'stop INT' INT
while :; do
    wait "$pid"
    rc=$?
    kill -0 "$pid" 2> /dev/null || break # wait returned because of a trap: wait again
done
echo "$(date '+%F %T') rnnchaos exited with $rc"
if [ "$rc" -eq 3 ] && [ "$stopped_by" = USR1 ]; then
    n=${RC_RESUBMITS:-0}
    if [ "$n" -lt "${RC_MAX_RESUBMITS:-20}" ]; then
        echo "$(date '+%F %T') resubmitting $script (resubmission $((n + 1)))"
        sbatch --export=ALL,RC_RESUBMITS=$((n + 1)) "$script"
    else
        echo "not resubmitting: RC_MAX_RESUBMITS = ${RC_MAX_RESUBMITS:-20} reached"
    fi
fi
exit "$rc"
