#!/bin/bash
# Time limits and resume: SIGUSR1 to mpiexec (forwarded to the ranks, as a Slurm batch script
# does), SIGTERM to the ranks themselves (what Slurm sends at the time limit) and SIGINT to a
# single process each stop the run with exit code 3, leave a valid archive whose unfinished
# tasks are pending, and --resume completes it; SIGKILL at several moments (also during start-up)
# leaves an archive that --resume completes.  Every completed archive equals an uninterrupted
# run bit for bit.
# usage: run_stop_resume.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

# 16 tasks of ~0.2 s
cat > job.ini <<'EOF'
[run]
seed = 3
realizations = 16
[spectrum]
N = 40
g = 3
t_sim = 1200
t_transient = 5
t_ons_transient = 5
n_boot = 50
n_trace = 6
EOF

# counts DONE PENDING of an archive ("- -" if it cannot be read)
counts() {
    "$B" info "$1" --json 2> /dev/null | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["done"], d["pending"])' 2> /dev/null || echo "- -"
}
# wait until the archive has at least $2 done tasks (or the run $3 ended); 60 s at most
wait_done() {
    local i
    for i in $(seq 600); do
        read -r d _ <<< "$(counts "$1")"
        [ "$d" != "-" ] && [ "$d" -ge "$2" ] && return 0
        kill -0 "$3" 2> /dev/null || return 1
        sleep 0.1
    done
    return 1
}
resume_and_compare() { # archive label ranks
    $MPI -n "$3" --oversubscribe "$B" run job.ini -o "$1" --resume > "$1.resume.out" 2> "$1.resume.err"
    local rc=$?
    [ $rc -eq 0 ] || bad "$2: resume exit $rc: $(tail -3 "$1.resume.err")"
    $PY "$HERE/archive_compare.py" ref.h5 "$1" > "$1.cmp" || bad "$2: resumed archive differs: $(cat "$1.cmp")"
    echo "ok $2: resumed: $(cat "$1.cmp")"
}

$MPI -n 3 --oversubscribe "$B" run job.ini -o ref.h5 > ref.out 2> ref.err || bad "reference run failed: $(tail -3 ref.err)"
grep "master (rank 0) CPU" ref.out

# A: SIGUSR1 to mpiexec
$MPI -n 3 --oversubscribe "$B" run job.ini -o a.h5 > a.out 2> a.err &
pid=$!
wait_done a.h5 3 $pid || bad "A: run ended before the signal"
kill -USR1 $pid
wait $pid
rc=$?
read -r d p <<< "$(counts a.h5)"
[ $rc -eq 3 ] || bad "A: exit $rc, expected 3: $(tail -3 a.err)"
grep -q "stopped by signal 10" a.err || bad "A: no stop message"
[ "$p" != "-" ] && [ "$p" -gt 0 ] || bad "A: nothing pending after the stop ($d done, $p pending)"
echo "ok A: SIGUSR1 -> exit $rc with $d done, $p pending"
resume_and_compare a.h5 A 2

# B: SIGTERM to the ranks themselves
$MPI -n 3 --oversubscribe "$B" run job.ini -o b.h5 > b.out 2> b.err &
pid=$!
wait_done b.h5 3 $pid || bad "B: run ended before the signal"
kill -TERM $(pgrep -P $pid)
wait $pid
rc=$?
read -r d p <<< "$(counts b.h5)"
[ $rc -eq 3 ] || bad "B: exit $rc, expected 3: $(tail -3 b.err)"
[ "$p" != "-" ] && [ "$p" -gt 0 ] || bad "B: nothing pending after the stop"
echo "ok B: SIGTERM to the ranks -> exit $rc with $d done, $p pending"
resume_and_compare b.h5 B 3

# C: SIGINT to a single process in the middle of a long task: it is cancelled at once
cat > long.ini <<'EOF'
[spectrum]
N = 40
g = 3
t_sim = 40000
t_transient = 5
t_ons_transient = 5
n_boot = 50
EOF
"$B" run long.ini -o c.h5 > c.out 2> c.err &
pid=$!
for i in $(seq 100); do [ -f c.h5 ] && break; sleep 0.05; done
sleep 0.5
t0=$(date +%s.%N)
kill -INT $pid
wait $pid
rc=$?
t1=$(date +%s.%N)
[ $rc -eq 3 ] || bad "C: exit $rc, expected 3: $(tail -3 c.err)"
grep -q "1 cancelled" c.out || bad "C: the running task was not cancelled: $(cat c.out)"
$PY -c "import sys; dt = $t1 - $t0; print('ok C: SIGINT stopped a running task in %.2f s' % dt); sys.exit(dt > 2.0)" || bad "C: slow stop"
read -r d p <<< "$(counts c.h5)"
[ "$d $p" = "0 1" ] || bad "C: expected 0 done, 1 pending, got $d $p"

# D: SIGKILL of every process at several moments, the first during start-up
for k in start 2 9; do
    rm -f d.h5 d.h5.creating
    $MPI -n 3 --oversubscribe "$B" run job.ini -o d.h5 > d.out 2> d.err &
    pid=$!
    if [ $k = start ]; then sleep 0.3; else wait_done d.h5 $k $pid || bad "D$k: run ended early"; fi
    kill -KILL $(pgrep -P $pid) $pid 2> /dev/null
    wait $pid 2> /dev/null
    read -r d p <<< "$(counts d.h5)"
    if [ -e d.h5 ]; then
        [ "$d" != "-" ] || bad "D$k: the killed archive cannot be read"
        h5ls -r d.h5 > /dev/null || bad "D$k: h5ls fails on the killed archive"
    fi
    echo "ok D$k: SIGKILL left $( [ -e d.h5 ] && echo "a readable archive with $d done, $p pending" || echo "no archive (killed before it was complete)")"
    resume_and_compare d.h5 "D$k" 2
done
[ $fail -eq 0 ] && echo "run_stop_resume: all checks passed"
exit $fail
