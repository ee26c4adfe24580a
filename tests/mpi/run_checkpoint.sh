#!/bin/bash
# Mid-task checkpoints of `rnnchaos run` (spectrum tasks, one rank each): a task stopped in its
# accumulation stores its state in ARCHIVE.ckpt/ and --resume continues it from there; the
# completed archive equals an uninterrupted run bit for bit.
#  A: SIGTERM with checkpoint_every = 0 (stored only at the stop), one process;
#  B: SIGKILL of every rank after a periodic checkpoint (checkpoint_every = 1), 2 ranks;
#  C: a damaged checkpoint is refused with a warning and its task starts afresh;
#  D: a new archive does not pick up the states an old one left behind;
#  E: a distributed task (2x1 grid, -n 3): SIGTERM, every rank stores its part, --resume on the
#     same grid continues from them, bitwise equal to an uninterrupted -n 3 run.
# usage: run_checkpoint.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

# 2 tasks of about 5 s each: 1500 intervals of a full N = 150 spectrum
job() { # checkpoint_every
    cat <<EOT
[run]
seed = 5
realizations = 2
checkpoint_every = $1
[spectrum]
N = 150
g = 3
t_sim = 1500
t_transient = 5
t_ons_transient = 5
n_boot = 50
n_trace = 6
EOT
}
job 1 > job.ini
job 0 > stop.ini
wait_file() { # path pid: 60 s at most
    local i
    for i in $(seq 600); do
        [ -f "$1" ] && return 0
        kill -0 "$2" 2> /dev/null || return 1
        sleep 0.1
    done
    return 1
}
# runs stop.ini into $1 and sends SIGTERM 1.5 s into the first task's accumulation (its
# transients take 0.1 tau); the exit code must be 3 and the task's state stored
stopped_run() { # archive label
    "$B" run stop.ini -o "$1" > "$1.out" 2> "$1.err" &
    local pid=$! i
    for i in $(seq 100); do [ -f "$1" ] && break; sleep 0.05; done
    sleep 1.5
    kill -TERM $pid
    wait $pid
    local rc=$?
    [ $rc -eq 3 ] || bad "$2: exit $rc, expected 3: $(tail -3 "$1.err")"
    [ -f "$1.ckpt/task-0.h5" ] || bad "$2: no state stored at the stop: $(ls "$1.ckpt" 2>&1)"
}
compare() { # archive label [reference]
    $PY "$HERE/archive_compare.py" "${3:-ref.h5}" "$1" > "$1.cmp" || bad "$2: resumed archive differs: $(cat "$1.cmp")"
    [ -e "$1.ckpt" ] && bad "$2: $1.ckpt is left after the run completed"
    echo "ok $2: resumed archive equals the uninterrupted one ($(cat "$1.cmp"))"
}

"$B" run job.ini -o ref.h5 > ref.out 2> ref.err || bad "reference run failed: $(tail -3 ref.err)"
[ -e ref.h5.ckpt ] && bad "the reference run left ref.h5.ckpt"
"$B" run stop.ini -o ref_stop.h5 > ref_stop.out 2> ref_stop.err || bad "reference run failed: $(tail -3 ref_stop.err)"

# A: SIGTERM during the first task's accumulation
stopped_run a.h5 A
"$B" run stop.ini -o a.h5 --resume > a2.out 2> a2.err || bad "A: resume failed: $(tail -3 a2.err)"
grep -q "task-0.h5: resumed from its checkpoint after interval" a2.err || bad "A: task 0 did not resume from its state: $(cat a2.err)"
grep -h "resumed from" a2.err
compare a.h5 A ref_stop.h5

# B: SIGKILL of both ranks once the periodic checkpoints exist
$MPI -n 2 "$B" run job.ini -o b.h5 > b.out 2> b.err &
pid=$!
wait_file b.h5.ckpt/task-1.h5 $pid || bad "B: no periodic checkpoint appeared"
sleep 0.3
kill -KILL $(pgrep -P $pid) $pid 2> /dev/null
wait $pid 2> /dev/null
ls b.h5.ckpt
cp b.h5.ckpt/task-1.h5 c.state 2> /dev/null
$MPI -n 2 "$B" run job.ini -o b.h5 --resume > b2.out 2> b2.err || bad "B: resume failed: $(tail -3 b2.err)"
n=$(grep -c "resumed from its checkpoint" b2.err)
[ "$n" -ge 1 ] || bad "B: no task resumed from its state: $(cat b2.err)"
echo "ok B: $n task(s) resumed from their states after SIGKILL"
compare b.h5 B

# C: a damaged state: refused with a warning, the task starts afresh, the result is the same
stopped_run c.h5 C
head -c 1000 c.h5.ckpt/task-0.h5 > c.h5.ckpt/task-0.h5.cut && mv c.h5.ckpt/task-0.h5.cut c.h5.ckpt/task-0.h5
"$B" run stop.ini -o c.h5 --resume > c2.out 2> c2.err || bad "C: resume failed: $(tail -3 c2.err)"
grep -q "warning: checkpoint: .*starting the task afresh" c2.err || bad "C: no warning about the damaged state: $(cat c2.err)"
grep -q "resumed from its checkpoint" c2.err && bad "C: resumed from a damaged state"
compare c.h5 C ref_stop.h5

# D: states left by a deleted archive are not used by a new one
mkdir -p d.h5.ckpt
[ -f c.state ] && cp c.state d.h5.ckpt/task-1.h5
"$B" run job.ini -o d.h5 > d.out 2> d.err || bad "D: run failed: $(tail -3 d.err)"
grep -q "resumed from" d.err && bad "D: a new archive continued from an old state"
compare d.h5 D

# E: one distributed task of about 8 s on a 2x1 grid of the two workers; SIGTERM once the first
# periodic parts exist (so the stop falls in the accumulation whatever the machine's speed)
cat > dist.ini <<'EOT'
[run]
seed = 9
dist_min_N = 100
ranks_per_dist_task = 2
checkpoint_every = 1
[spectrum]
N = 160
g = 3
t_sim = 2500
t_transient = 5
t_ons_transient = 5
n_boot = 50
EOT
MPIO="$MPI --oversubscribe --mca mpi_yield_when_idle 1"
$MPIO -n 3 "$B" run dist.ini -o ref_dist.h5 > ref_dist.out 2> ref_dist.err || bad "E: reference run failed: $(tail -3 ref_dist.err)"
$MPIO -n 3 "$B" run dist.ini -o e.h5 > e.out 2> e.err &
pid=$!
wait_file e.h5.ckpt/task-0.rank-1.h5 $pid || bad "E: no periodic parts appeared"
kill -TERM $(pgrep -P $pid)
wait $pid
rc=$?
[ $rc -eq 3 ] || bad "E: exit $rc, expected 3: $(tail -3 e.err)"
ls e.h5.ckpt
[ -f e.h5.ckpt/task-0.rank-0.h5 ] && [ -f e.h5.ckpt/task-0.rank-1.h5 ] || bad "E: the ranks' parts were not stored"
$MPIO -n 3 "$B" run dist.ini -o e.h5 --resume > e2.out 2> e2.err || bad "E: resume failed: $(tail -3 e2.err)"
grep -q "task 0 (2x1 grid): resumed from its checkpoint after interval" e2.err || bad "E: did not resume from the parts: $(cat e2.err)"
grep -h "resumed from" e2.err
compare e.h5 E ref_dist.h5

[ $fail -eq 0 ] && echo "run_checkpoint: all checks passed"
exit $fail
