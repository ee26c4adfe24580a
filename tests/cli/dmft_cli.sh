#!/bin/bash
# rnnchaos dmft: JSON keys of docs/user-guide.md, the theory it names, bad input -> exit 2
# naming the option.  $1 = rnnchaos binary, $2 = work dir.
set -u
BIN=$1
WORK=$2
mkdir -p "$WORK"
fail() { echo "FAIL: $*"; exit 1; }

expect_bad() { # option-name args...
    local opt=$1; shift
    "$BIN" dmft "$@" > "$WORK/out" 2> "$WORK/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "dmft $* exited $rc, expected 2"
    grep -q -- "$opt" "$WORK/err" || fail "dmft $*: message does not name $opt: $(cat "$WORK/err")"
    [ -s "$WORK/out" ] && fail "dmft $*: wrote to stdout on bad input"
    return 0
}
expect_bad --g
expect_bad --g --g -1
expect_bad --g --g abc
expect_bad --dt --g 2 --dt 0
expect_bad --dt --g 2 --dt 1.5
expect_bad --sigma --g 2 --sigma -1
expect_bad --phi --g 2 --phi relu
expect_bad --phi --g 2 --phi hardtanh --dt 0.1
expect_bad --phi --g 2 --phi nope
expect_bad --grid-step --g 2 --grid-step -0.1
expect_bad --cutoff --g 2 --cutoff 0
expect_bad --n-le --g 0.5 --n-le 3
expect_bad --bogus --g 2 --bogus 1

"$BIN" dmft --help | grep -q "usage: rnnchaos dmft" || fail "--help"

check_json() { # python-condition args...
    local cond=$1; shift
    "$BIN" dmft "$@" --json > "$WORK/j.json" || fail "dmft $* failed"
    /usr/bin/python3 - "$WORK/j.json" "$cond" <<'PY' || fail "dmft $*: $cond"
import json, math, sys
d = json.load(open(sys.argv[1]))
for k in ("g", "delta0", "lambda_max", "delta0_err", "lambda_max_err", "theory", "grid"):
    assert k in d, k
assert eval(sys.argv[2], {"d": d, "math": math}), sys.argv[2]
PY
}
check_json 'd["theory"] == "continuous" and abs(d["g"] - 2) < 1e-15 and d["lambda_max"] > 0 and d["lambda_max_err"] < 1e-6 and d["grid"]["grid_step"] > 0 and "E0" in d["schroedinger"] and len(d["autocorrelation"]["t"]) == len(d["autocorrelation"]["delta"])' --g 2
check_json 'd["theory"] == "discrete" and d["active_fraction"] is None' --g 2 --dt 1
check_json 'd["theory"] == "discrete" and 0 < d["active_fraction"] < 1 and len(d["reference"]["lambda"]) == 10 and abs(d["reference"]["lambda"][0] - d["lambda_max"] - 0.5 * math.log(1 - 1 / (d["active_fraction"] * 100))) < 1e-12' --g 3 --dt 1 --phi hardtanh --N 100 --n-le 10
check_json 'd["trivial_fixed_point"] and abs(d["lambda_max"] + 0.5) < 1e-15 and len(d["reference"]["lambda"]) == 50 and abs(d["reference"]["mean_exponent"] - 10 * math.log(0.9)) < 1e-12' --g 0.5 --N 50
check_json 'd["sigma"] == 0.5 and d["lambda_max"] < 0.112' --g 2 --sigma 0.5
"$BIN" dmft --g 2 | grep -q "continuous time" || fail "summary does not name the theory"
"$BIN" dmft --g 2 --dt 1 | grep -q "discrete-time map" || fail "summary does not name the map"
echo "dmft CLI: ok"
