#!/bin/bash
# issue 18 item 10: the serial commands check memory before any work, as run and --dry-run
# do.  Before, spectrum at N = 12000 under a 2.5 GB limit drew the network and ran for 11 s,
# then failed with "nomem".  Each refusal must come at once (under 5 s: drawing J alone takes
# longer), exit 1 and name the need and the limit.  The limits: --mem-per-rank (spectrum) and
# an address-space limit (ulimit -v), which rc_memory_per_rank honours; the needs are at least
# the N x N doubles of J alone (12000^2 x 8 B = 1.07 GiB), above both limits used.
# usage: mem_serial.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
# AddressSanitizer reserves terabytes of address space at start: under ulimit -v an
# instrumented binary (scripts/sanitize.sh) cannot even start, so those cases are skipped there
asan=0
ldd "$B" 2> /dev/null | grep -q libasan && asan=1
[ $asan -eq 1 ] && echo "SKIP: the ulimit -v cases (the binary is built with AddressSanitizer)"
refused() { # LIMIT-NAME ULIMIT-KB COMMAND ARGS...
    local name=$1 kb=$2
    shift 2
    local t0=$SECONDS
    (ulimit -v "$kb" && timeout -k 2 60 "$B" "$@") > out.txt 2> err.txt
    local rc=$? dt=$((SECONDS - t0))
    if [ $rc -ne 1 ] || [ $dt -ge 5 ] || ! grep -q "needs about [0-9.]* GiB" err.txt ||
        ! grep -q -- "$name" err.txt || [ -s out.txt ]; then
        bad "$* under ulimit -v $kb -> exit $rc after $dt s, expected 1 at once naming the need and $name: $(head -c 300 err.txt)"
    fi
}
big="--N 12000 --t-sim 10 --t-transient 1 --t-ons-transient 1 --json"
refused --mem-per-rank unlimited spectrum $big --mem-per-rank 1G
if [ $asan -eq 0 ]; then
    refused "ulimit -v" 2500000 spectrum $big
    refused "ulimit -v" 1000000 spectrum $big --n-le 1 --pca no
    refused "ulimit -v" 1000000 gcrit --N 12000 --json
    refused "ulimit -v" 1000000 coherence --N 12000 --phi relu --b 1 --I0 1 --sigma-c 0.1 --json
fi

# the same limits let small runs through: the check refuses what does not fit, not everything
small_ok() { # ULIMIT-KB COMMAND ARGS...
    local kb=$1
    shift
    (ulimit -v "$kb" && timeout -k 2 60 "$B" "$@") > out.txt 2> err.txt
    local rc=$?
    if [ $rc -ne 0 ] || ! $PY -c 'import json,sys; json.load(open("out.txt"))'; then
        bad "$* under ulimit -v $kb -> exit $rc: $(head -c 300 err.txt)"
    fi
}
small_ok unlimited spectrum --N 20 --t-sim 10 --json --mem-per-rank 1G
if [ $asan -eq 0 ]; then
    small_ok 1000000 spectrum --N 20 --t-sim 10 --json
    small_ok 1000000 gcrit --N 10 --t-min 20 --t-max 40 --n-scan 3 --max-probes 6 --json
    small_ok 1000000 coherence --N 20 --phi relu --b 4 --I0 1 --g 1 --sigma-c 0.5 --t-sim 50 \
        --t-seg 10 --step-trials 0 --json
fi
exit $fail
