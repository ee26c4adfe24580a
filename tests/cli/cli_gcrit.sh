#!/bin/bash
# rnnchaos gcrit: the JSON contract of docs/user-guide.md on a small run (g_crit inside its bracket,
# every probe with g, lambda_max, ci95, t_sim, chaotic), and bad input: exit 2, the option named
# on stderr, nothing on stdout.  Usage: cli_gcrit.sh RNNCHAOS WORKDIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
failures=0

"$bin" gcrit --N 100 --seed 3 --g-lo 0.5 --g-hi 4 --g-tol 0.05 --n-boot 200 --json > run.json 2> run.err
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: gcrit exit $rc: $(cat run.err)"; failures=$((failures + 1)); fi
$py - <<'PY' || failures=$((failures + 1))
import json, math, sys
d = json.load(open("run.json"))
for k in ("g_crit", "bracket", "probes", "wall_s", "status", "crossings"):
    assert k in d, "missing key " + k
assert d["status"] == "decided", d["status"]
lo, hi = d["bracket"]
assert lo < d["g_crit"] < hi and hi - lo <= 0.05 + 1e-12, (lo, d["g_crit"], hi)
assert abs(d["g_crit"] - 0.5 * (lo + hi)) < 1e-12
gs = [p["g"] for p in d["probes"]]
assert gs[0] == 0.5 and gs[1] == 4.0, gs[:2]
for p in d["probes"]:
    for k in ("g", "lambda_max", "ci95", "t_sim", "chaotic"):
        assert k in p, "probe misses " + k
    c = p["chaotic"]
    if c is True:
        assert p["ci95"][0] > d["eps"] and p["g"] >= hi
    elif c is False:
        assert p["ci95"][1] < d["eps"] and p["g"] <= lo
    else:
        assert c is None
print("ok   json: g_crit = %.4f in [%.4f, %.4f], %d probes" % (d["g_crit"], lo, hi, len(gs)))
PY

# undecided: null g_crit, still exit 0
"$bin" gcrit --N 60 --g-lo 1.2 --g-hi 3 --t-min 20 --t-max 20 --json > und.json 2> und.err
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: undecided run exit $rc"; failures=$((failures + 1)); fi
$py -c '
import json; d = json.load(open("und.json"))
assert d["g_crit"] is None and d["status"] == "undecided", d
assert all(p["chaotic"] is None for p in d["probes"])
print("ok   undecided: g_crit null, %d probes undecided" % len(d["probes"]))' || failures=$((failures + 1))

expect_bad() {  # expect_bad OPTION-NAME ARGS...
    local name=$1
    shift
    "$bin" gcrit --N 20 "$@" > out.txt 2> err.txt
    local rc=$?
    if [ $rc -ne 2 ]; then echo "FAIL ($*): exit $rc, expected 2"; failures=$((failures + 1)); return; fi
    if ! grep -q -- "$name" err.txt; then
        echo "FAIL ($*): message does not name $name: $(cat err.txt)"; failures=$((failures + 1)); return
    fi
    if [ -s out.txt ]; then echo "FAIL ($*): wrote to stdout"; failures=$((failures + 1)); return; fi
    echo "ok   ($*): $(cat err.txt)"
}
expect_bad --g-lo --g-lo -1
expect_bad --g-hi --g-lo 2 --g-hi 1
expect_bad --g-tol --g-tol 0
expect_bad --eps --eps -0.1
expect_bad --eps --eps abc
expect_bad --t-max --t-min 400 --t-max 300
expect_bad --t-min --t-min 5
expect_bad --growth --growth 1
expect_bad --n-scan --n-scan 0
expect_bad --max-probes --max-probes 4
expect_bad --scan-always --scan-always maybe
expect_bad --n-boot --n-boot 10
expect_bad "--g:" --g 2
expect_bad --t-sim --t-sim 100
expect_bad --n-le --n-le 3
expect_bad --connectivity --connectivity x.h5:/J
expect_bad --N --N 0
expect_bad --bogus --bogus 1
[ $failures -eq 0 ] && echo "all gcrit CLI checks passed"
exit $failures
