#!/bin/bash
# issue 18 item 9: a stop signal that reaches the ranks while they are still starting (inside
# MPI_Init_thread, before `run` had installed its handler) killed them (exit 143/138, no
# archive; once mpiexec hung).  The flag-only handler is now the first thing main does for
# `run`, and the run honours the flag once the archive is consistent: exit 3, every task pending,
# and --resume completes it.  The signal is sent to each rank as soon as it has more than one
# thread (Open MPI's MPI_Init has started its helper threads: main has run and MPI_Init_thread
# has begun, but not returned), SIGTERM and SIGUSR1 to every rank (what Slurm sends), SIGINT to
# one rank.  Each run has a time limit: a hang fails.
# usage: run_early_signal.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
cat > job.ini <<'EOF2'
[run]
seed = 3
realizations = 4
[spectrum]
N = 20
g = 3
t_sim = 50
t_transient = 5
t_ons_transient = 5
EOF2
ranks_of() { pgrep -P "$1" -f "rnnchaos run" | sort -n; }
in_mpi_init() { # PID: main has run and MPI_Init_thread has begun
    local t
    t=$(awk '/^Threads:/{print $2}' "/proc/$1/status" 2> /dev/null)
    [ -n "$t" ] && [ "$t" -gt 1 ]
}
caught() { # PID SIGNUM: the process has a handler for the signal now
    local c
    c=$(awk '/^SigCgt:/{print $2}' "/proc/$1/status" 2> /dev/null)
    [ -n "$c" ] && [ $(( (0x$c >> ($2 - 1)) & 1 )) -eq 1 ]
}
# One attempt: 0 passed, 1 failed, 2 inconclusive (the signal reached a rank that had no handler
# yet: more than one thread does not prove that main has run, since a library may start a
# thread before main, and no program can catch a signal before main)
attempt() { # SIG WHO
    local sig=$1 who=$2 signum out pid sent=0 early=0 mp r n p targets rc
    signum=$(kill -l "$sig")
    out=early_$sig.h5
    rm -f "$out" "$out".*
    timeout -k 5 60 $MPI -n 2 --oversubscribe "$B" run job.ini -o "$out" > "$sig.out" 2> "$sig.err" &
    pid=$!
    # the mpiexec under timeout: the ranks are its children
    for i in $(seq 2000); do
        mp=$(pgrep -P $pid -x mpiexec)
        if [ -n "$mp" ]; then
            r=$(ranks_of "$mp")
            n=0
            for p in $r; do in_mpi_init "$p" && n=$((n + 1)); done
            if [ "$n" -ge 2 ] || { [ "$who" = one ] && [ "$n" -ge 1 ]; }; then
                targets=$r
                [ "$who" = one ] && targets=$(echo "$r" | head -1)
                for p in $targets; do caught "$p" "$signum" || early=1; done
                kill -"$sig" $targets && sent=1
                break
            fi
        fi
        kill -0 $pid 2> /dev/null || break
        sleep 0.005
    done
    wait $pid
    rc=$?
    [ $sent -eq 1 ] || { echo "$sig: could not catch the ranks starting (run exit $rc)"; return 1; }
    if [ $rc -eq 3 ]; then
        grep -q "stopped by signal" "$sig.err" || { echo "$sig: exit 3 without the stop message"; return 1; }
        $MPI -n 2 --oversubscribe "$B" run job.ini -o "$out" --resume > "$sig.resume.out" 2> "$sig.resume.err" ||
            { echo "$sig: --resume after the early stop failed: $(tail -2 "$sig.resume.err")"; return 1; }
        echo "ok $sig: early signal -> exit 3 ($(grep -m1 "stopped by signal" "$sig.err" | cut -c1-40)...), resumed"
        return 0
    fi
    echo "$sig: early signal -> exit $rc (124: hung; 128 + n: killed by signal n), expected 3: $(grep -m1 "signal\|error" "$sig.err")"
    [ $early -eq 1 ] && return 2
    return 1
}
for case in "TERM all" "USR1 all" "INT one"; do
    set -- $case
    verdict=2
    for try in 1 2 3 4 5; do
        attempt "$1" "$2"
        verdict=$?
        [ $verdict -ne 2 ] && break
        echo "  (inconclusive: the signal came before the rank had a handler; again)"
    done
    [ $verdict -eq 0 ] || bad "$1: early stop not honoured (5 inconclusive tries mean no handler exists during MPI start-up)"
done
pgrep -f "rnnchaos run job.ini -o early_" > /dev/null && bad "ranks left behind"
exit $fail
