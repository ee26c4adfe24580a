#!/bin/bash
# Every bad input of `rnnchaos spectrum` exits 2, names the option on stderr and writes nothing
# on stdout.  Usage: cli_errors.sh RNNCHAOS WORKDIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
failures=0
checks=0

# files for the connectivity and h0 cases
$py - <<'PY' || exit 1
import h5py, numpy as np
with h5py.File("rect.h5", "w") as f:
    f["J"] = np.zeros((4, 5))
with h5py.File("square.h5", "w") as f:
    f["J"] = np.zeros((6, 6))
    f["h0_short"] = np.zeros(5)
    f["cube"] = np.zeros((2, 2, 2))
PY
echo "this is not an HDF5 file" > text.h5

expect_bad() {  # expect_bad OPTION-NAME ARGS...
    local name=$1
    shift
    checks=$((checks + 1))
    "$bin" spectrum --t-sim 5 --t-transient 1 --t-ons-transient 1 "$@" > out.txt 2> err.txt
    local rc=$?
    if [ $rc -ne 2 ]; then
        echo "FAIL ($*): exit code $rc, expected 2"; failures=$((failures + 1)); return
    fi
    if ! grep -q -- "$name" err.txt; then
        echo "FAIL ($*): message does not name $name: $(cat err.txt)"; failures=$((failures + 1)); return
    fi
    if [ -s out.txt ]; then
        echo "FAIL ($*): wrote to stdout: $(head -c 200 out.txt)"; failures=$((failures + 1)); return
    fi
    echo "ok   ($*): $(cat err.txt)"
}

expect_bad --N --N 0
expect_bad --N --N -5
expect_bad --N --N 12x
expect_bad --dt --dt 0
expect_bad --dt --dt -0.1
expect_bad --dt --dt 1.5
expect_bad --dt --dt 0.5 --tau 0.25
expect_bad --n-le --N 20 --n-le 21
expect_bad --n-le --n-le 0
expect_bad --n-le --n-le many
expect_bad --reorth --reorth qr
expect_bad --t-ons --t-ons 0.05
expect_bad --t-ons --t-ons 0.15
expect_bad --t-sim --t-sim -1
expect_bad --t-transient --t-transient -1
expect_bad --t-ons-transient --t-ons-transient -2
expect_bad --phi --phi sigmoid
expect_bad --g --g nan
expect_bad --sigma --sigma -1
expect_bad --tau --tau 0
expect_bad --connectivity --connectivity missing.h5:/J
expect_bad --connectivity --connectivity text.h5:/J
expect_bad --connectivity --connectivity rect.h5:/J
expect_bad --connectivity --connectivity square.h5:/nothere
expect_bad --connectivity --connectivity square.h5:/cube
expect_bad --connectivity --connectivity square.h5
expect_bad --N --connectivity square.h5:/J --N 7
expect_bad --h0 --connectivity square.h5:/J --h0 square.h5:/h0_short
expect_bad --h0 --h0 missing.h5:/h0
expect_bad --bogus --bogus 3
expect_bad --N --N
expect_bad --json --json=yes

echo "$((checks - failures)) passed, $failures failed"
[ $failures -eq 0 ]
