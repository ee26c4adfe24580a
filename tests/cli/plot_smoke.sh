#!/bin/bash
# scripts/plot.py: on a small archive with all three kinds it writes the seven figures, each a
# real image (size, shape, many colours); on an archive with one kind it writes only that kind's
# figures; an amplitude sweep of spectrum tasks gives the common-versus-independent figure
# alone; a /summary/theory table is drawn into lambda_1(g); a non-archive is refused (exit 2).
# usage: plot_smoke.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"
PLOT="$HERE/../scripts/plot.py"

cat > p.ini <<'EOF'
[run]
seed = 2
realizations = 3

[spectrum]
N = 20, 30
g = 1.5, 3
t_sim = 30
t_transient = 10
t_ons_transient = 10
n_boot = 50
pca = no

[gcrit]
N = 20, 30, 40
g_lo = 0.5
g_hi = 4
g_tol = 0.5
t_min = 20
t_max = 40
t_transient = 10
t_ons_transient = 10
n_boot = 100
max_probes = 12

[coherence]
N = 30
phi = relu
b = 2, 4
I0 = 1
sigma_c = 0.1
dt = 0.05
t_seg = 5
t_sim = 40
t_transient = 10
step_trials = 4
t_step = 1
EOF
"$B" run p.ini -o p.h5 > run.out 2> run.err
[ -f p.h5 ] || { echo "FAIL: the run wrote no archive: $(tail -3 run.err)"; exit 1; }
# g_crit of such short probes is mostly undecided: give the figure something to fit
$PY - <<'EOF'
import h5py, numpy as np
f = h5py.File("p.h5", "r+")
g = f["gcrit"]
N = g["params/N"][()].astype(float)
g["status"][:] = 1
g["g_crit"][:] = 1 + 2.0 * N ** -0.5 * np.array([0.9, 1.0, 1.1])[g["realization"][()]]
EOF
"$B" summarize p.h5 --no-theory > /dev/null 2>&1 || bad "summarize failed"
$PY "$PLOT" p.h5 -o figs > plot.out 2> plot.err || bad "plot.py failed: $(tail -3 plot.err)"

check_pngs() {  # check_pngs DIR NAME...
    local dir=$1
    shift
    $PY - "$dir" "$@" <<'EOF'
import os, sys
import matplotlib.image as mpimg
import numpy as np
d = sys.argv[1]
want = set(sys.argv[2:])
have = set(x for x in os.listdir(d) if x.endswith(".png"))
assert have == want, (sorted(have), sorted(want))
for name in sorted(want):
    path = os.path.join(d, name)
    img = mpimg.imread(path)
    colours = len(np.unique(img.reshape(-1, img.shape[-1]), axis=0))
    # a drawn figure: a real size, not blank, lines and text in many shades
    assert os.path.getsize(path) > 10000 and img.shape[0] > 300 and img.shape[1] > 400, (name, img.shape)
    assert img[..., :3].std() > 0.02 and colours > 50, (name, img[..., :3].std(), colours)
    print("ok   %-28s %dx%d, %d colours" % (name, img.shape[1], img.shape[0], colours))
EOF
}
check_pngs figs spectrum_i_over_N.png density_vs_g.png lambda1_vs_g.png gcrit_vs_N.png \
    coherence_vs_f.png coherence_R_lb_vs_b.png coherence_tau_eff_vs_b.png \
    || bad "figures of the full archive"

# an amplitude sweep at one g: lambda_1 against sigma_c (sigma = 0) and sigma (sigma_c = 0) only
printf '[run]\nrealizations = 2\n[spectrum]\nN = 20\nphi = relu\ng = 2\nb = 4\nI0 = 1\nsigma_c = 0, 0.3, 1\nsigma = 0, 0.3, 1\ndt = 0.05\nt_sim = 20\nt_transient = 5\nt_ons_transient = 5\nn_le = 1\nn_boot = 50\npca = no\n' > c.ini
"$B" run c.ini -o c.h5 > /dev/null 2>&1 || bad "amplitude-sweep run"
$PY "$PLOT" c.h5 -o cfigs > /dev/null 2> c.err || bad "plot.py on an amplitude sweep: $(cat c.err)"
check_pngs cfigs common_vs_independent_lambda1.png || bad "amplitude-sweep figure"
grep -q "gcrit_vs_N.png" plot.out || bad "plot.py does not list what it wrote"

# one kind only: only its figures, no error
printf '[run]\nrealizations = 2\n[spectrum]\nN = 20\ng = 0.5, 2, 3\nt_sim = 20\nt_transient = 5\nt_ons_transient = 5\nn_boot = 50\npca = no\n' > s.ini
"$B" run s.ini -o s.h5 > /dev/null 2>&1 || bad "spectrum-only run"
$PY "$PLOT" s.h5 -o sfigs > /dev/null 2> s.err || bad "plot.py on a spectrum-only archive: $(cat s.err)"
check_pngs sfigs spectrum_i_over_N.png density_vs_g.png lambda1_vs_g.png || bad "spectrum-only figures"

# the N -> infinity references of summarize (mean-field lambda_1, random-matrix spectrum at
# g = 0.5) are drawn into lambda_1(g) and the spectra
cp s.h5 t.h5
"$B" summarize t.h5 > /dev/null 2>&1 || bad "summarize t.h5"
$PY -c 'import h5py,sys; f=h5py.File("t.h5","r"); sys.exit(not ("summary/theory/g" in f and "summary/theory/rmt/lambda" in f))' \
    || bad "summarize wrote no theory table"
$PY "$PLOT" t.h5 -o tfigs > /dev/null 2>&1 || bad "plot.py with a theory table"
cmp -s sfigs/lambda1_vs_g.png tfigs/lambda1_vs_g.png && bad "mean-field curve not drawn"
cmp -s sfigs/spectrum_i_over_N.png tfigs/spectrum_i_over_N.png && bad "random-matrix spectrum not drawn"

echo "not an archive" > x.h5
$PY "$PLOT" x.h5 -o xfigs > /dev/null 2>&1
[ $? -eq 2 ] || bad "a non-archive: expected exit 2"
[ $fail -eq 0 ] && echo "plot_smoke: all checks passed"
exit $fail
