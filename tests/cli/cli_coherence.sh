#!/bin/bash
# rnnchaos coherence: JSON keys of docs/user-guide.md, bad input exits 2 naming the option with
# nothing on stdout, a diverging relu network exits 1 saying so.
set -u
bin=$1
work=$2
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
export OPENBLAS_NUM_THREADS=1

model="--phi relu --N 60 --g 1 --b 4 --I0 1 --sigma-c 0.2 --dt 0.05"
"$bin" coherence $model --t-sim 200 --t-seg 10 --t-transient 10 --step-trials 10 --t-step 2 \
    --json > "$work/out.json" 2> "$work/err.txt" || fail "coherence run failed: $(cat "$work/err.txt")"
/usr/bin/python3 - "$work/out.json" <<'PY' || fail "JSON check"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["f", "coherence", "info_rate_lb", "tau_eff", "tau_eff_err", "active_fraction",
          "tau_eff_theory", "rate_mean", "wall_s"]:
    assert k in d, k
assert len(d["f"]) == len(d["coherence"]) == 101, len(d["f"])
assert all(0 <= c <= 1 for c in d["coherence"])
assert abs(d["f"][1] - 0.1) < 1e-12
assert d["tau_eff"] > 0 and d["tau_eff_err"] >= 0
assert 0 < d["active_fraction"] < 1
assert abs(d["tau_eff_theory"] - 1 / (1 + 4 * d["active_fraction"])) < 1e-12
PY
"$bin" coherence $model --t-sim 200 --t-seg 10 --t-transient 10 --step-trials 10 --t-step 2 \
    > "$work/out.txt" 2>&1 || fail "summary run failed"
grep -q "tau_eff" "$work/out.txt" || fail "summary lacks tau_eff"
"$bin" coherence --help | grep -q "usage: rnnchaos coherence" || fail "help"

expect2() { # expect exit 2, the option named on stderr, nothing on stdout
    local opt=$1; shift
    "$bin" coherence "$@" > "$work/o.txt" 2> "$work/e.txt"
    local rc=$?
    [ $rc -eq 2 ] || fail "$* -> exit $rc, expected 2"
    grep -q -- "$opt" "$work/e.txt" || fail "$*: message does not name $opt: $(cat "$work/e.txt")"
    [ ! -s "$work/o.txt" ] || fail "$*: wrote to stdout"
}
expect2 --b --phi relu --b 0 --I0 1 --sigma-c 0.1
expect2 --J0 --phi relu --b 1 --J0 -1 --I0 1 --sigma-c 0.1
expect2 --I0 --phi relu --b 1 --I0 0 --sigma-c 0.1
expect2 --sigma-c --phi relu --b 1 --I0 1
expect2 --t-seg $model --t-seg 0.13
expect2 --t-seg $model --t-seg 100 --t-sim 150
expect2 --f-max $model --f-max 20
expect2 --step-trials $model --step-trials -3
expect2 --t-step $model --t-step 0.1
expect2 --step-size $model --step-size 0
expect2 --bogus $model --bogus 1
expect2 --t-sim $model --t-sim abc

"$bin" coherence --phi relu --N 200 --g 3 --b 1 --I0 1 --sigma-c 0.1 --dt 0.05 --t-sim 200 \
    --t-seg 10 > "$work/o.txt" 2> "$work/e.txt"
rc=$?
[ $rc -eq 1 ] || fail "diverging network: exit $rc, expected 1"
grep -q "diverged" "$work/e.txt" || fail "divergence message: $(cat "$work/e.txt")"
echo "cli_coherence: ok"
