#!/bin/bash
# scripts/plot.py on an archive with [eigs] and [fixedpoints]: one eigenvalue-cloud figure per
# parameter group (here b = 0 and b = 4) and one coordinate-density figure for g = 2 (none for
# g = 0.5, which has only h = 0), each a real image (size, many colours); the figures name the
# theory disc and the balanced-mean outlier in their legends (not checked from the PNG).
# usage: plot_eigs_smoke.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
cat > pe.ini <<'EOF'
[run]
seed = 2
realizations = 2

[eigs]
N = 60
g = 1
b = 0, 4

[fixedpoints]
N = 20
g = 0.5, 2
starts = 8
EOF
"$B" run pe.ini -o pe.h5 > run.out 2> run.err || bad "run failed: $(tail -2 run.err)"
$PY "$HERE/../scripts/plot.py" pe.h5 -o figs > list.txt 2> plot.err || bad "plot.py failed: $(cat plot.err)"
sort list.txt > got.txt
printf 'figs/eigs_cloud_b-0.png\nfigs/eigs_cloud_b-4.png\nfigs/fixedpoints_coords_g-2.png\nfigs/fixedpoints_counts.png\n' > want.txt
diff want.txt got.txt > /dev/null || bad "figures: $(tr '\n' ' ' < got.txt), expected $(tr '\n' ' ' < want.txt)"
$PY - <<'EOF' || bad "an image is empty"
import matplotlib.image as mpimg, numpy as np
for p in open("got.txt").read().split():
    im = mpimg.imread(p)
    assert im.shape[0] > 300 and im.shape[1] > 300, (p, im.shape)
    colours = len(np.unique((im[..., :3] * 255).astype(int).reshape(-1, 3), axis=0))
    assert colours > 20, (p, colours)
print("plot_eigs_smoke: figures ok")
EOF
[ $fail -eq 0 ] && echo "plot_eigs_smoke: all checks passed"
exit $fail
