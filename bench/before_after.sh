#!/bin/bash
# The same benchmark on two builds, interleaved so that a drift of the machine's load hits both
# alike: the redesign's rule that every ratio stays within noise (docs/performance.md, "Before
# and after the layered redesign").  One core per process.
#   bench/before_after.sh OLD_BUILD NEW_BUILD [REPEATS]
# (each build dir with rnnchaos and rnnchaos_bench; about 6 minutes per repeat on an idle core)
set -u
OLD=$1 NEW=$2 REPS=${3:-3}
export OPENBLAS_NUM_THREADS=1
for v in OLD NEW; do
    d=${!v}
    echo "== $v: rnnchaos_bench --sizes 500,1000 --task-N 500 --task-t-sim 300"
    "$d/rnnchaos_bench" --sizes 500,1000 --task-N 500 --task-t-sim 300 | grep -E "^ +(500|1000) |wall"
done
for rep in $(seq "$REPS"); do
    for v in OLD NEW; do
        d=${!v}
        for args in "--N 500 --g 5 --t-sim 300" "--N 1000 --g 10 --t-sim 100 --n-le 100" \
                    "--N 2000 --g 3 --t-sim 200 --n-le 1 --pca no"; do
            # shellcheck disable=SC2086
            "$d/rnnchaos" spectrum $args --json | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print('$v spectrum %-45s engine %.2f s, lambda_max %.12g' % ('$args', d['wall_s'], d['lambda_max']))"
        done
    done
done
