#!/bin/bash
# A real one-node Slurm runs jobs/quickstart.sbatch (srun --mpi=pmix, 2 ranks on the node) with
# sbatch --wait: the job exits 0 and its archive is complete, with the job text of
# jobs/quickstart.ini and every task done.
# usage: slurm_quickstart.sh RNNCHAOS WORKDIR   (as root; starts and stops its own daemons)
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
export RNNCHAOS=$B OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export RC_JOB_FILE=$REPO/jobs/quickstart.ini RC_ARCHIVE=quickstart.h5
fail=0
t0=$(date +%s)
sbatch --wait "$REPO/jobs/quickstart.sbatch"
rc=$?
echo "sbatch --wait returned $rc after $(($(date +%s) - t0)) s"
cat rnnchaos-quickstart-*.out | grep -v '^\[' | tail -15
[ $rc -eq 0 ] || fail=1
"$B" info quickstart.h5 --json > info.json || fail=1
/usr/bin/python3 - "$RC_JOB_FILE" <<'EOF' || fail=1
import json, sys
d = json.load(open("info.json"))
assert d["job_text"] == open(sys.argv[1]).read(), "job text"
assert d["tasks"] == 48 and d["done"] == 48 and d["failed"] == 0 and d["pending"] == 0, d
assert d["mpi_size"] == 2, d["mpi_size"]
print("quickstart archive complete: %d tasks done, hosts %s" % (d["done"], d["hosts"]))
EOF
[ $fail -eq 0 ] && echo "slurm_quickstart: passed"
exit $fail
