#!/bin/bash
# A private one-node Slurm for tests (sourced): munged and Slurm daemons of Debian's slurm-wlm,
# run as root from a scratch directory with their own key, socket, ports and configuration, so
# nothing under /etc is touched and parallel test runs do not collide.
#   slurm_start DIR   installs slurm-wlm + munge if absent, starts munged, slurmctld, slurmd,
#                     waits until the node is idle; exports SLURM_CONF
#   slurm_stop        cancels jobs, stops the daemons it started (by PID), keeps DIR's logs
# Needs root (the daemons and the job's ranks run as root).

slurm_start() {
    SLURM_DIR=$1
    if [ "$(id -u)" -ne 0 ]; then
        echo "slurm tests need root (they start munged, slurmctld and slurmd)"
        return 1
    fi
    if ! dpkg -s slurm-wlm munge > /dev/null 2>&1; then
        echo "installing slurm-wlm and munge"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge \
            > "$SLURM_DIR.apt.log" 2>&1 || { echo "apt-get install failed"; return 1; }
    fi
    rm -rf "$SLURM_DIR"
    mkdir -p "$SLURM_DIR"/{state,spool,munge}
    chmod 700 "$SLURM_DIR/munge"
    local host
    host=$(hostname -s)
    # munge: a fresh key and a private socket
    dd if=/dev/urandom of="$SLURM_DIR/munge/key" bs=1024 count=1 status=none
    chmod 400 "$SLURM_DIR/munge/key"
    munged --force --key-file="$SLURM_DIR/munge/key" --socket="$SLURM_DIR/munge/sock" \
        --pid-file="$SLURM_DIR/munge/pid" --log-file="$SLURM_DIR/munge/log" \
        --seed-file="$SLURM_DIR/munge/seed" || { echo "munged failed"; return 1; }
    MUNGED_PID=$(cat "$SLURM_DIR/munge/pid")
    # ports: two free ones above 20000 chosen by the kernel
    local ports
    ports=$(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
    set -- $ports
    local node
    node=$(slurmd -C | head -1 | sed 's/ UpTime.*//')
    cat > "$SLURM_DIR/slurm.conf" <<EOF
ClusterName=rctest
SlurmctldHost=$host
SlurmctldPort=$1
SlurmdPort=$2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_DIR/munge/sock
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=30
$node State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
    export SLURM_CONF=$SLURM_DIR/slurm.conf
    slurmctld -D -c > "$SLURM_DIR/slurmctld.stdout" 2>&1 &
    SLURMCTLD_PID=$!
    sleep 1
    slurmd -D > "$SLURM_DIR/slurmd.stdout" 2>&1 &
    SLURMD_PID=$!
    local i
    for i in $(seq 60); do
        if sinfo -h -o %t 2> /dev/null | grep -q idle; then
            echo "slurm up: $(sinfo -h -o '%P %D %c %t')"
            return 0
        fi
        sleep 0.5
    done
    echo "slurm did not come up:"
    tail -5 "$SLURM_DIR/slurmctld.log" "$SLURM_DIR/slurmd.log"
    return 1
}

slurm_stop() {
    [ -n "${SLURM_CONF:-}" ] && scancel --full --quiet $(squeue -h -o %i 2> /dev/null) 2> /dev/null
    local p
    for p in ${SLURMD_PID:-} ${SLURMCTLD_PID:-} ${MUNGED_PID:-}; do
        kill "$p" 2> /dev/null
    done
    for p in ${SLURMD_PID:-} ${SLURMCTLD_PID:-}; do
        wait "$p" 2> /dev/null
    done
    SLURMD_PID= SLURMCTLD_PID= MUNGED_PID=
}
