#!/bin/bash
# `rnnchaos gradients`: every bad input exits 2, names the option on stderr and writes nothing
# on stdout; a good run prints JSON whose arrays are keyed by the horizons asked for and whose
# numbers obey the definitions of analysis/gradients.h.  Usage: cli_gradients.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

expect_bad() {  # expect_bad OPTION-NAME ARGS...
    local name=$1
    shift
    "$B" gradients --N 10 --t-sim 20 --t-transient 1 --t-ons-transient 1 "$@" > out.txt 2> err.txt
    local rc=$?
    [ $rc -eq 2 ] || { bad "($*): exit code $rc, expected 2"; return; }
    grep -q -- "$name" err.txt || { bad "($*): message does not name $name: $(cat err.txt)"; return; }
    [ -s out.txt ] && { bad "($*): wrote to stdout: $(head -c 200 out.txt)"; return; }
    echo "ok   ($*): $(cat err.txt)"
}

expect_bad --horizons --horizons 0
expect_bad --horizons --horizons 65
expect_bad --horizons --horizons many
expect_bad --horizons --horizons 5,3
expect_bad --horizons --horizons 2.5,5
expect_bad --horizons --horizons 10,2000
expect_bad --horizons --horizons 1,x
expect_bad --grad-lo --grad-lo 0
expect_bad --grad-lo --grad-lo 2
expect_bad --grad-hi --grad-hi 0.5
expect_bad --grad-hi --grad-hi inf
expect_bad --n-le --n-le auto
expect_bad --n-le --n-le 11
expect_bad --precision --precision single
expect_bad --model --model nonsense
expect_bad --g --model lstm --g 3
expect_bad --b-f --model lstm --b-f x
expect_bad --g-z --model gru --g-z -1
expect_bad --grid --grid 2x1
expect_bad --t-ons --t-ons 0.05
expect_bad --N --N 0
expect_bad --bogus --bogus 1

"$B" gradients --help > help.txt || bad "--help failed"
grep -q -- "--horizons" help.txt || bad "--help does not mention --horizons"

"$B" gradients --N 16 --g 4 --t-sim 60 --t-transient 20 --t-ons-transient 20 \
    --horizons 1,2,5,20,60 --json > g.json 2> g.err || bad "good run failed: $(cat g.err)"
$PY - <<'PY' || bad "JSON output"
import json, math
d = json.load(open("g.json"))
h = d["horizons"]
assert h["t"] == [1, 2, 5, 20, 60], h["t"]
assert h["steps"] == [10, 20, 50, 200, 600], h["steps"]
m = d["n_le"]
assert m == 16 and len(d["lambda"]) == m
for key in ("rate", "log_sigma"):
    assert len(h[key]) == 5 and all(len(r) == m for r in h[key]), key
for j, t in enumerate(h["t"]):
    ls = h["log_sigma"][j]
    assert all(a >= b for a, b in zip(ls, ls[1:])), "not descending"
    assert all(abs(r - l / t) < 1e-12 * max(1, abs(r)) for r, l in zip(h["rate"][j], ls))
    assert abs(h["log_kappa"][j] - (ls[0] - ls[-1])) < 1e-9 * max(1, ls[0] - ls[-1])
    lo, hi = d["grad_band"]
    frac = sum(math.log(lo) <= l <= math.log(hi) for l in ls) / m
    assert h["trainable_fraction"][j] == frac
    lam = sorted(d["lambda"], reverse=True)
    assert abs(h["log_kappa_est"][j] - (lam[0] - lam[-1]) * t) < 1e-9 * t
# the long-horizon rates approach the ONS exponents (O(1/t): a few nats over t = 60)
lam = sorted(d["lambda"], reverse=True)
assert max(abs(r - l) for r, l in zip(h["rate"][-1], lam)) < 0.2, (h["rate"][-1], lam)
print("ok   json: horizons", h["t"], "trainable", h["trainable_fraction"])
PY

# --model: a gated model through its descriptor.  The exponents are those of `rnnchaos spectrum
# --model lstm` for the same options (the same run: the gradient consumer only reads the R
# factors), bit for bit; the horizon identities hold as for rate networks.
LSTM="--model lstm --N 8 --t-sim 200 --t-transient 50 --t-ons-transient 50"
"$B" gradients $LSTM --horizons 1,10,200 --json > l.json 2> l.err || bad "lstm run failed: $(cat l.err)"
"$B" spectrum $LSTM --json > ls.json 2> ls.err || bad "lstm spectrum failed: $(cat ls.err)"
$PY - <<'PY' || bad "lstm JSON"
import json, math
d, s = json.load(open("l.json")), json.load(open("ls.json"))
assert d["model"] == "lstm" and d["N"] == 8 and d["state_dim"] == 16 and d["n_le"] == 16, d["model"]
assert d["g"] is None and d["phi"] is None and d["dt"] == 1.0
assert d["lambda"] == s["lambda"], "exponents differ from rnnchaos spectrum --model lstm"
assert d["seeds"] == s["seeds"] and d["params"] == s["params"]
h = d["horizons"]
assert h["t"] == [1, 10, 200] and h["steps"] == [1, 10, 200], h
for j, t in enumerate(h["t"]):
    ls = h["log_sigma"][j]
    assert len(ls) == 16 and all(a >= b for a, b in zip(ls, ls[1:]))
    assert all(abs(r - l / t) < 1e-12 * max(1, abs(r)) for r, l in zip(h["rate"][j], ls))
    lo, hi = d["grad_band"]
    assert h["trainable_fraction"][j] == sum(math.log(lo) <= l <= math.log(hi) for l in ls) / 16
print("ok   lstm: lambda as rnnchaos spectrum --model lstm; horizons", h["t"])
PY

# GRU with the update gate saturated closed (z = 1 - e^-30): the state is copied, every step
# Jacobian is I to 1e-13, so T_t = I: log sigma_i ~ 0 and every direction stays trainable.
"$B" gradients --model gru --N 6 --b-z 30 --t-sim 100 --horizons 3 --json > z.json 2> z.err \
    || bad "gru run failed: $(cat z.err)"
$PY - <<'PY' || bad "gru closed update gate"
import json
d = json.load(open("z.json"))
assert d["model"] == "gru" and d["state_dim"] == 6
h = d["horizons"]
assert max(abs(x) for row in h["log_sigma"] for x in row) < 1e-8, h["log_sigma"]
assert h["trainable_fraction"] == [1.0] * len(h["t"])
print("ok   gru, closed update gate: T_t = I")
PY

"$B" gradients --N 12 --t-sim 30 --t-transient 5 --t-ons-transient 5 --horizons 4 > table.txt \
    || bad "table run failed"
[ "$(grep -c '^ *[0-9]' table.txt)" -eq 4 ] || bad "table: expected 4 horizon rows: $(cat table.txt)"
exit $fail
