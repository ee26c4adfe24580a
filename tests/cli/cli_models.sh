#!/bin/bash
# The models of model_kind.h other than the rate network through the command line and a job:
#  - `spectrum --model lstm --json` has every key of the rate network's JSON, plus state_dim
#    = 2N and dim_ky_per_dim = dim_ky / (2N);
#  - a GRU whose update gate is saturated closed (b_z = 12: z = 1 - 6e-6) copies its state: every
#    exponent is within 1e-4 of 0 (|log(1 - |D - I|)| with |D - I| ~ 1e-5 g);
#  - bad input exits 2 naming the option; --grid is refused for these models;
#  - a job with `model = lstm` sweeping b_f runs on 2 ranks into the spectrum_lstm group, whose
#    rows equal the command line's exponents bit for bit (same seeds), and summarize reads it.
# Usage: cli_models.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
bin=$B
py=$PY
small="--N 12 --t-sim 200 --t-transient 20 --t-ons-transient 20 --n-boot 50"
"$bin" spectrum --N 10 --t-sim 5 --t-transient 1 --t-ons-transient 1 --json > rate.json
"$bin" spectrum --model lstm $small --b-f 2 --json > lstm.json
check "lstm json" $py - <<'PY'
import json, math
rate, lstm = json.load(open("rate.json")), json.load(open("lstm.json"))
missing = set(rate) - set(lstm) - {"g", "b", "phi"}   # the rate network's own parameters
assert not missing, missing
assert lstm["model"] == "lstm" and lstm["state_dim"] == 24 and len(lstm["lambda"]) == 24
assert abs(lstm["dim_ky_per_dim"] - lstm["dim_ky"] / 24) < 1e-15
assert lstm["params"]["b_f"] == 2 and lstm["autocorr_h"][0] == 1.0
PY
"$bin" spectrum --model gru $small --b-z 12 --json > gru.json
check "gru closed update gate" $py -c "
import json; l = json.load(open('gru.json'))['lambda']
assert max(abs(x) for x in l) < 1e-4, l"
expect2() {  # expect2 FRAGMENT ARGS...
    local frag=$1
    shift
    "$bin" spectrum "$@" > out 2> err
    local rc=$?
    [ $rc -eq 2 ] && grep -qF -- "$frag" err && [ ! -s out ]
}
check "unknown model" expect2 "--model: unknown model 'banana' (models: rate, lstm, gru" --model banana
check "bad gain" expect2 "--g-f" --model lstm --g-f -1
check "no grid" expect2 "--grid: the lstm model runs on one process" --model lstm --grid 1x1
check "rate-only option" expect2 "unknown option --phi" --model gru --phi relu
check "model list" bash -c "'$bin' spectrum --model list | grep -q '^gru'"

cat > job.ini <<'INI'
[run]
output = lstm.h5
seed = 1
[spectrum]
model = lstm
N = 12
b_f = 0, 2
t_sim = 200
t_transient = 20
t_ons_transient = 20
n_boot = 50
INI
$MPI -n 2 --oversubscribe "$bin" run job.ini > run.out 2>&1
check "job runs" test $? -eq 0
check "archive row = command line" $py - <<'PY'
import h5py, json, numpy as np
s = h5py.File("lstm.h5", "r")["spectrum_lstm"]
assert list(s["status"][:]) == [1, 1]
assert list(s["params/b_f"][:]) == [0.0, 2.0] and list(s["state_dim"][:]) == [24, 24]
cli = json.load(open("lstm.json"))["lambda"]
assert np.array_equal(s["lambda"][1, :24], np.array(cli)), "row 1 differs from the command line"
PY
"$bin" summarize lstm.h5 > summ.out 2>&1
check "summarize" grep -q dim_ky_per_dim summ.out
[ $fail -eq 0 ]
