#!/bin/bash
# Mean-field lambda_1 against simulation (docs/model.md section 5; docs/validation.md, "Mean-field
# theory"): for N = 2000 and g in {1.5, 2, 3}, the median of lambda_1 over 5 realisations
# (dt = 0.1, t_sim = 500) against the continuous-time mean-field value.
#   g = 2, 3: within 10% (issue 6).
#   g = 1.5: within 25% and below the mean field.  Finite size lowers lambda_1 here: the medians
#            at dt = 0.1 are -35%, -27%, -16.8%, -12.8%, -4.5% from the mean field at
#            N = 500, 1000, 2000, 4000, 8000 (docs/validation.md: table, N^-1/2 and N^-1 fits
#            whose extrapolations bracket the mean field, dt scan showing the Euler bias at
#            dt = 0.1 is +1.6% [+0.4%, +5.1%]).  10% needs N = 8000 (~10 min per run), beyond
#            this test's budget; at N = 2000 the expected deficit is 15-17% and the s.d. of a
#            5-seed median 5.6%, so 25% = deficit + 1.5 s.d.  The check fails for a mean field
#            more than 17% too low (simulation above it) or more than 11% too high.
# $1 = rnnchaos binary, $2 = work dir.  Optional: $3 = "g:tol g:tol ...", $4 = seeds,
# $5 = extra spectrum options.
set -euo pipefail
BIN=$1
WORK=$2
CASES=${3:-"1.5:0.25:below 2:0.10 3:0.10"}
NSEED=${4:-5}
EXTRA=${5:-}
mkdir -p "$WORK"
export OPENBLAS_NUM_THREADS=1
fail=0
printf "%-5s %-14s %-14s %-9s %-6s %s\n" g lambda_MF median_sim rel_dev tol "per-seed lambda_1"
for case in $CASES; do
    g=${case%%:*}
    rest=${case#*:}
    tol=${rest%%:*}
    below=0
    [ "$rest" != "${rest%:below}" ] && below=1
    "$BIN" dmft --g "$g" --json > "$WORK/dmft_g$g.json"
    for s in $(seq 1 "$NSEED"); do
        "$BIN" spectrum --N 2000 --g "$g" --n-le 1 --seed "$s" --t-sim 500 --pca no \
            --finite-perturbation no --lyapvec-pr no $EXTRA --json > "$WORK/sim_g${g}_s$s.json"
    done
    /usr/bin/python3 - "$WORK" "$g" "$NSEED" "$tol" "$below" <<'PY' || fail=1
import json, statistics, sys
work, g, n, tol, below = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1"
mf = json.load(open(f"{work}/dmft_g{g}.json"))
assert mf["theory"] == "continuous", mf["theory"]
lam = [json.load(open(f"{work}/sim_g{g}_s{s}.json"))["lambda_max"] for s in range(1, n + 1)]
med = statistics.median(lam)
rel = (med - mf["lambda_max"]) / mf["lambda_max"]
print(f"{g:<5} {mf['lambda_max']:<14.6f} {med:<14.6f} {rel:<+9.3f} {tol:<6.2f} " + " ".join(f"{x:.4f}" for x in lam))
ok = abs(rel) < tol and (not below or rel < 0)
sys.exit(0 if ok else 1)
PY
done
exit $fail
