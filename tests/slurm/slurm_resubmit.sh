#!/bin/bash
# Slurm time-limit handling: a running jobs/quickstart.sbatch job (here with a small job file)
# gets USR1 in its batch shell (scancel --batch -s USR1, what --signal=B:USR1@60 sends before the
# time limit); the run stops with exit 3, the script resubmits itself, the new job continues the
# archive with --resume and completes it, bitwise equal to an uninterrupted run.
# usage: slurm_resubmit.sh RNNCHAOS WORKDIR   (as root; starts and stops its own daemons)
set -u
B=$1
W=$2
HERE=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(cd "$HERE/.." && pwd)
source "$HERE/slurm_cluster.sh"
trap slurm_stop EXIT
slurm_start "$W.slurm" || exit 1
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
export RNNCHAOS=$B OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
cat > small.ini <<'EOF'
[run]
realizations = 24
[spectrum]
N = 40
g = 3
t_sim = 1500
t_transient = 5
t_ons_transient = 5
n_boot = 50
EOF
mpiexec -n 3 --oversubscribe -x OPENBLAS_NUM_THREADS=1 "$B" run small.ini -o ref.h5 > /dev/null 2>&1 ||
    bad "reference run failed"
export RC_JOB_FILE=$W/small.ini RC_ARCHIVE=small.h5
j1=$(sbatch --parsable "$REPO/jobs/quickstart.sbatch")
echo "submitted job $j1"
done_count() {
    "$B" info small.h5 --json 2> /dev/null |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["done"])' 2> /dev/null || echo 0
}
for i in $(seq 1200); do
    [ "$(done_count)" -ge 3 ] && break
    sleep 0.1
done
echo "job $j1 has $(done_count) tasks done: scancel --batch -s USR1 $j1"
scancel --batch -s USR1 "$j1"
# the first job ends, a second one (its resubmission) runs and ends
for i in $(seq 600); do
    squeue -h -j "$j1" 2> /dev/null | grep -q . || break
    sleep 0.5
done
grep -q "rnnchaos exited with 3" "rnnchaos-quickstart-$j1.out" || bad "job $j1 did not stop with exit 3"
grep -q "resubmitting" "rnnchaos-quickstart-$j1.out" || bad "job $j1 did not resubmit itself"
for i in $(seq 600); do
    [ -z "$(squeue -h -o %i)" ] && break
    sleep 0.5
done
outs=$(ls rnnchaos-quickstart-*.out | wc -l)
[ "$outs" -eq 2 ] || bad "expected 2 jobs, saw $outs"
grep -v '^\[' rnnchaos-quickstart-*.out | tail -30
"$B" info small.h5 --json > info.json || bad "info failed"
/usr/bin/python3 - <<'EOF' || bad "archive not completed by the resubmitted job"
import json
d = json.load(open("info.json"))
assert d["done"] == 24 and d["pending"] == 0 and d["failed"] == 0, d
assert d["runs"] == 2 and "--resume" in d["run_log"].splitlines()[1], d["run_log"]
print("resubmitted job completed the archive:", d["run_log"].strip().replace("\n", " | "))
EOF
/usr/bin/python3 "$HERE/archive_compare.py" ref.h5 small.h5 || bad "archive differs from an uninterrupted run"
[ $fail -eq 0 ] && echo "slurm_resubmit: passed"
exit $fail
