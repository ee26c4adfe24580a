#!/bin/bash
# rnnchaos eigs / fixedpoints: JSON keys of docs/user-guide.md, the Jacobian at a state read with
# --h0 (a zero state gives exactly the spectrum of --at zero), and bad input: exit 2, the option
# named on stderr, nothing on stdout.  Usage: cli_eigs.sh RNNCHAOS WORKDIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
failures=0

"$bin" eigs --N 120 --g 1 --b 3 --json > j.json 2> j.err || { echo "FAIL: eigs exit $?: $(cat j.err)"; failures=$((failures + 1)); }
"$bin" fixedpoints --N 40 --g 2 --starts 10 --json > fp.json 2> fp.err || { echo "FAIL: fixedpoints exit $?: $(cat fp.err)"; failures=$((failures + 1)); }
$py - <<'PY' || failures=$((failures + 1))
import json
d = json.load(open("j.json"))
for k in ("eigenvalues", "bulk_radius", "spectral_edge", "outliers", "wall_s"):
    assert k in d, "eigs misses " + k
assert len(d["eigenvalues"]) == 120 and all(len(e) == 2 for e in d["eigenvalues"])
assert len(d["outliers"]) == 1 and d["outliers"][0][1] == 0 and abs(d["outliers"][0][0] + 3) < 0.4, d["outliers"]
assert d["spectral_edge"] == max(e[0] for e in d["eigenvalues"])
f = json.load(open("fp.json"))
for k in ("n_found", "n_starts", "points", "wall_s"):
    assert k in f, "fixedpoints misses " + k
assert f["n_starts"] == 10 and f["n_found"] == len(f["points"]) >= 1
for p in f["points"]:
    for k in ("q", "n_unstable", "spectral_edge"):
        assert k in p, "point misses " + k
print("ok   json keys (eigs outlier %.3f, %d fixed points)" % (d["outliers"][0][0], f["n_found"]))
PY

# --h0: the Jacobian at a zero state read from a file equals --at zero
$py -c '
import h5py, numpy as np
with h5py.File("h0.h5", "w") as f:
    f["/h"] = np.zeros(50)' || failures=$((failures + 1))
"$bin" eigs --N 50 --g 0.8 --h0 h0.h5:/h --json > h0.json 2> h0.err || { echo "FAIL: --h0 exit $?: $(cat h0.err)"; failures=$((failures + 1)); }
"$bin" eigs --N 50 --g 0.8 --of jacobian --at zero --json > zero.json 2> zero.err || { echo "FAIL: --at zero exit $?"; failures=$((failures + 1)); }
$py -c '
import json
a = json.load(open("h0.json")); b = json.load(open("zero.json"))
assert a["at"] == "h0" and b["at"] == "zero" and a["of"] == "jacobian"
assert a["eigenvalues"] == b["eigenvalues"]
assert a["spectral_edge"] < 0
print("ok   --h0 zero state == --at zero (edge %.4f)" % a["spectral_edge"])' || failures=$((failures + 1))

expect_bad() {  # expect_bad COMMAND OPTION-NAME ARGS...
    local cmd=$1 name=$2
    shift 2
    "$bin" $cmd --N 20 "$@" > out.txt 2> err.txt
    local rc=$?
    if [ $rc -ne 2 ]; then echo "FAIL ($cmd $*): exit $rc, expected 2"; failures=$((failures + 1)); return; fi
    if ! grep -q -- "$name" err.txt; then
        echo "FAIL ($cmd $*): message does not name $name: $(cat err.txt)"; failures=$((failures + 1)); return
    fi
    if [ -s out.txt ]; then echo "FAIL ($cmd $*): wrote to stdout"; failures=$((failures + 1)); return; fi
    echo "ok   ($cmd $*): $(cat err.txt)"
}
expect_bad eigs --of --of K
expect_bad eigs --at --at somewhere
expect_bad eigs --at --of J --at trajectory
expect_bad eigs --h0 --at h0
expect_bad eigs --h0 --at zero --h0 h0.h5:/h
expect_bad eigs --samples --at trajectory --samples 0
expect_bad eigs --t-sample --at trajectory --t-sample -1
expect_bad eigs --bulk-quantile --bulk-quantile 1
expect_bad eigs --outlier-margin --outlier-margin -0.5
expect_bad eigs --sigma --at fixedpoints --sigma 0.1
expect_bad eigs --g --g -1
expect_bad eigs --bogus --bogus 1
expect_bad fixedpoints --starts --starts 0
expect_bad fixedpoints --tol --tol 2
expect_bad fixedpoints --sigma --sigma 0.5
expect_bad fixedpoints --h0 --h0 h0.h5:/h
expect_bad fixedpoints --N --N -3

if [ $failures -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all ok"
