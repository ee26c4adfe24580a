#!/bin/bash
# issue 18 (Tests): a fuzz test over generated job files and command lines.  tests/fuzz.py
# writes FUZZ_CASES cases (fixed seed FUZZ_SEED) mutating the golden and jobs/ job files and
# short command lines of every serial subcommand; each runs under a 20 s timeout, two at a
# time, and fuzz.py then fails on any crash, hang, exit 1/2 without a message, or exit 0
# whose JSON or archive breaks a documented promise (non-finite numbers, negative counts,
# lambda_min > lambda_max, tasks neither done nor failed).
# usage: fuzz.sh RNNCHAOS WORKDIR   (env: FUZZ_SEED [18], FUZZ_CASES [250])
. "$(dirname "$0")/../lib.sh"
seed=${FUZZ_SEED:-18}
cases=${FUZZ_CASES:-250}
$PY "$HERE/cli/fuzz.py" gen "$seed" "$cases" "$HERE" "$W/cases" || exit 1
export B
one() { # CASE_DIR: run its argv there; rc, out, err beside it
    cd "$1" || exit 1
    local -a argv
    mapfile -d '' argv < argv
    timeout -k 2 20 "$B" "${argv[@]}" > out 2> err < /dev/null
    echo $? > rc
}
export -f one
start=$SECONDS
find "$W/cases" -mindepth 1 -maxdepth 1 -type d -print0 | sort -z |
    xargs -0 -n 1 -P 2 bash -c 'one "$1"' _
echo "fuzz: $cases cases (seed $seed) in $((SECONDS - start)) s"
$PY "$HERE/cli/fuzz.py" check "$W/cases" || fail=1
exit $fail
