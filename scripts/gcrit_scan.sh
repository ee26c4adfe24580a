#!/bin/bash
# Finite-size g_crit scan for docs/validation.md ("Finite-size g_crit"): one `rnnchaos gcrit`
# per (N, realisation), JSON into OUTDIR, then scripts/gcrit_summary.py for medians, 20/80%
# bands and the fit of g_crit - 1 against N.  Sequential, one core (OPENBLAS_NUM_THREADS=1).
# The final version is a [gcrit] job file run by `rnnchaos run` (needs the job/archive layer).
# Usage: scripts/gcrit_scan.sh RNNCHAOS OUTDIR "N:REALISATIONS ..." [extra gcrit options]
set -eu
bin=$1
out=$2
plan=$3
shift 3
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1
for item in $plan; do
    N=${item%%:*}
    R=${item##*:}
    for ((s = 1; s <= R; s++)); do
        f="$out/N${N}_seed${s}.json"
        [ -s "$f" ] && continue
        "$bin" gcrit --N "$N" --seed "$s" --g-lo 0.5 --g-hi 8 --g-tol 0.01 --eps 0.005 \
            --t-min 200 --t-max 3200 --scan-always yes "$@" --json > "$f.tmp"
        mv "$f.tmp" "$f"
        echo "N=$N seed=$s $(/usr/bin/python3 -c "import json,sys; d=json.load(open('$f')); print(d['status'], d['g_crit'], len(d['probes']), 'probes', round(d['wall_s'],1), 's')")"
    done
done
