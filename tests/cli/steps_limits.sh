#!/bin/bash
# issue 18 item 4: every duration becomes round(t / dt) steps.  A quotient beyond 2^63 made
# llround return LLONG_MIN (zero steps: exit 0 with lambda ~ 1e-17 and lambda_min > lambda_max;
# dry-run showed negative GFLOP), and 1e12-1e14 steps ran for ever.  Each case must exit 2 at
# once (a 20 s limit: a run that starts fails) and name the option on the command line, or
# file:line: key in a job file; the ceiling is RC_MAX_STEPS = 1e11 (docs/user-guide.md).
# usage: steps_limits.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
expect2() { # NAME-IN-MESSAGE COMMAND ARGS...
    local name=$1
    shift
    timeout -k 2 20 "$B" "$@" > out.txt 2> err.txt
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -q -- "$name" err.txt || [ -s out.txt ]; then
        bad "$* -> exit $rc, expected 2 naming $name: $(head -c 300 err.txt) $(head -c 200 out.txt)"
    fi
}
sp="spectrum --N 10 --t-sim 5 --t-transient 1 --t-ons-transient 1 --json"
expect2 --dt $sp --dt 1e-300
expect2 --dt $sp --dt 1e-20
expect2 --dt $sp --dt 1e-12
expect2 --t-transient $sp --t-transient 1e300
expect2 --t-transient $sp --t-transient 1e12
expect2 --t-ons-transient $sp --t-ons-transient 1e12
expect2 --t-sim spectrum --N 10 --t-sim 1e14 --t-ons 1e6 --json
co="coherence --N 20 --phi relu --b 1 --J0 1 --I0 1 --sigma-c 0.5 --json"
expect2 --dt $co --dt 1e-300
expect2 --dt $co --dt 1e-12
expect2 --t-transient $co --t-transient 1e300
expect2 --t-transient $co --t-transient 1e12
expect2 --t-step $co --t-step 1e12
expect2 --dt gcrit --N 10 --dt 1e-300 --json
expect2 --dt gcrit --N 10 --dt 1e-12 --json
expect2 --t-max gcrit --N 10 --t-max 1e300 --json
expect2 --t-max gcrit --N 10 --t-max 1e12 --json
expect2 --t-transient eigs --N 10 --of jacobian --at trajectory --t-transient 1e300 --json
expect2 --dt eigs --N 10 --of jacobian --at trajectory --dt 1e-300 --json

# job files: file:line: key, and dry-run refuses too (never a negative GFLOP estimate)
job() { # NAME KEY VALUE
    printf '[run]\nseed = 1\n[spectrum]\nN = 10\nt_sim = 5\n%s = %s\n' "$2" "$3" > "$1.ini"
}
job j1 dt 1e-20
job j2 t_transient 1e300
job j3 dt 1e-12
job j4 t_transient 1e12
for j in j1 j2 j3 j4; do
    key=$(sed -n 6p $j.ini | cut -d' ' -f1)
    for mode in --dry-run ""; do
        timeout -k 2 20 "$B" run $j.ini -o $j.h5 $mode > out.txt 2> err.txt
        rc=$?
        [ $rc -eq 2 ] && grep -q "$j.ini:6: $key" err.txt ||
            bad "run $j.ini $mode ($key = $(sed -n 6p $j.ini | cut -d' ' -f3)) -> exit $rc, expected 2 and '$j.ini:6: $key': $(head -c 300 err.txt)"
        grep -q -- "-[0-9.]* GFLOP" out.txt && bad "$j.ini $mode: negative GFLOP: $(grep GFLOP out.txt)"
        [ -e $j.h5 ] && bad "$j.ini $mode: an archive was written"
        rm -f $j.h5
    done
done
[ $fail -eq 0 ] && echo "steps: all absurd times refused with exit 2"
exit $fail
