#!/usr/bin/python3
"""Finite-size and dt dependence of the simulated lambda_1 against the mean field (issue 6).

Reads the JSON outputs of
    rnnchaos spectrum --N N --g G --dt DT --n-le 1 --seed S --t-sim 500 --pca no \
        --finite-perturbation no --lyapvec-pr no --json > RUNDIR/sim_N{N}_dt{DT}_s{S}.json
    rnnchaos dmft --g G --json          > RUNDIR/mf.json      (continuous time)
    rnnchaos dmft --g G --dt 1 --json   > RUNDIR/mf_map.json  (the map, optional)
prints the markdown tables of docs/validation.md (section "Mean-field theory"), fits
lambda_1(N) = lambda_inf - a N^-p to the per-N medians at the reference dt (p = 1/2 fixed, and
p free by profiling), with 95% intervals from a bootstrap over the seeds at every N, and writes
one PNG: lambda_1 against N^-1/2 (left) and against dt (right).

    /usr/bin/python3 scripts/dmft_finite_size.py RUNDIR -o docs/figures/dmft_finite_size.png
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys

import numpy as np


def load_runs(rundir):
    runs = {}
    for path in glob.glob(os.path.join(rundir, "sim_N*_dt*_s*.json")):
        m = re.search(r"sim_N(\d+)_dt([0-9.]+)_s(\d+)\.json$", path)
        if not m:
            continue
        with open(path) as fh:
            d = json.load(fh)
        key = (int(m.group(1)), float(m.group(2)))
        runs.setdefault(key, {})[int(m.group(3))] = d
    return runs


def fit_fixed_p(x, y, w, p):
    """Weighted least squares of y = L - a x^p; returns (L, a, chi2)."""
    A = np.column_stack([np.ones_like(x), -x ** p])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)
    r = (y - A @ coef) * sw
    return coef[0], coef[1], float(r @ r)


def fit_free_p(x, y, w, ps):
    best = min((fit_fixed_p(x, y, w, p) + (p,) for p in ps), key=lambda t: t[2])
    return best  # (L, a, chi2, p)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rundir")
    ap.add_argument("-o", "--output", default="docs/figures/dmft_finite_size.png")
    ap.add_argument("--dt", type=float, default=0.1, help="reference dt of the N scan [0.1]")
    ap.add_argument("--nmin", type=int, default=500, help="smallest N in the fit [500]")
    ap.add_argument("--nboot", type=int, default=4000)
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args()

    runs = load_runs(args.rundir)
    if not runs:
        sys.exit(f"no sim_N*_dt*_s*.json in {args.rundir}")
    with open(os.path.join(args.rundir, "mf.json")) as fh:
        mf = json.load(fh)
    assert mf["theory"] == "continuous", mf["theory"]
    lmf = mf["lambda_max"]
    mf_map = None
    if os.path.exists(os.path.join(args.rundir, "mf_map.json")):
        with open(os.path.join(args.rundir, "mf_map.json")) as fh:
            mf_map = json.load(fh)
        assert mf_map["theory"] == "discrete", mf_map["theory"]
    g = mf["g"]

    print(f"g = {g}, mean field (continuous time) lambda_1 = {lmf:.6f}\n")
    print("| N | dt | seeds | median lambda_1 | rel. deviation | per-seed lambda_1 | wall s per run (median) |")
    print("|---|---|---|---|---|---|---|")
    for (N, dt) in sorted(runs, key=lambda k: (k[1] != args.dt, k[0], -k[1])):
        r = runs[(N, dt)]
        lam = [r[s]["lambda_max"] for s in sorted(r)]
        wall = statistics.median(r[s]["wall_s"] for s in r)
        med = statistics.median(lam)
        print(f"| {N} | {dt:g} | {','.join(map(str, sorted(r)))} | {med:.4f} | {100 * (med - lmf) / lmf:+.1f}% | "
              + " ".join(f"{x:.4f}" for x in lam) + f" | {wall:.0f} |")

    # finite-size fit at the reference dt, medians over seeds, bootstrap over seeds
    Ns = sorted(N for (N, dt) in runs if dt == args.dt and N >= args.nmin and len(runs[(N, dt)]) >= 3)
    lam_by_N = [np.array([runs[(N, args.dt)][s]["lambda_max"] for s in sorted(runs[(N, args.dt)])]) for N in Ns]
    x = 1.0 / np.sqrt(np.array(Ns, float))
    med = np.array([np.median(v) for v in lam_by_N])
    rng = np.random.default_rng(12345)
    boot_med = np.array([[np.median(rng.choice(v, v.size)) for v in lam_by_N] for _ in range(args.nboot)])
    sd = boot_med.std(axis=0, ddof=1)
    sd = np.maximum(sd, 0.25 * np.median(sd))  # a bootstrap of 5 identical-looking values can give ~0
    w = 1.0 / sd ** 2
    invN = 1.0 / np.array(Ns, float)
    ps = np.linspace(0.25, 2.0, 176)

    def fits(y):
        L2, a2, c2 = fit_fixed_p(invN, y, w, 0.5)
        L1, a1, c1 = fit_fixed_p(invN, y, w, 1.0)
        Lf, af, cf, pf = fit_free_p(invN, y, w, ps)
        return (L2, a2, c2), (L1, a1, c1), (Lf, af, cf, pf)

    f_half, f_one, f_free = fits(med)
    boots = [fits(b) for b in boot_med]
    bL2 = np.array([b[0][0] for b in boots])
    bL1 = np.array([b[1][0] for b in boots])
    bLf = np.array([b[2][0] for b in boots])
    bpf = np.array([b[2][3] for b in boots])

    def ci(v):
        return np.percentile(v, [2.5, 97.5])

    dof = len(Ns) - 2
    print(f"\nfit over N = {Ns} (dt = {args.dt:g}), medians weighted by their bootstrap s.d. {np.round(sd, 4).tolist()}")
    for name, f, bl in (("N^-1/2", f_half, bL2), ("N^-1", f_one, bL1)):
        lo, hi = ci(bl)
        print(f"  lambda = L - a {name}: L = {f[0]:.4f} [{lo:.4f}, {hi:.4f}] ({100 * (f[0] - lmf) / lmf:+.1f}% of MF, "
              f"CI {100 * (lo - lmf) / lmf:+.1f}%..{100 * (hi - lmf) / lmf:+.1f}%), a = {f[1]:.3f}, chi2 = {f[2]:.2f} (dof {dof})")
    lo, hi = ci(bLf)
    plo, phi_ = ci(bpf)
    print(f"  lambda = L - a N^-p, p free: p = {f_free[3]:.2f} [{plo:.2f}, {phi_:.2f}], L = {f_free[0]:.4f} [{lo:.4f}, {hi:.4f}] "
          f"({100 * (f_free[0] - lmf) / lmf:+.1f}%), chi2 = {f_free[2]:.2f} (dof {dof - 1})")
    # the mean field as the fixed intercept: how well does lambda = lambda_MF - a N^-p describe the data?
    for p in (0.5, 1.0):
        A = -(invN ** p)
        a = float((A * w) @ (med - lmf) / ((A * w) @ A))
        chi = float(((med - lmf - a * A) ** 2 * w).sum())
        print(f"  intercept fixed at the mean field, p = {p:g}: a = {a:.3f}, chi2 = {chi:.2f} (dof {len(Ns) - 1})")

    chis = []
    for p in ps:
        A = -(invN ** p)
        a = float((A * w) @ (med - lmf) / ((A * w) @ A))
        chis.append(float(((med - lmf - a * A) ** 2 * w).sum()))
    chis = np.array(chis)
    ok = ps[chis <= chis.min() + 1.0]
    print(f"  intercept fixed at the mean field, p free: best p = {ps[chis.argmin()]:.2f} (chi2 {chis.min():.2f}), "
          f"chi2 <= min + 1 for p in [{ok.min():.2f}, {ok.max():.2f}] (scanned {ps[0]:.2f}..{ps[-1]:.2f})")

    # dt dependence at one N (paired seeds)
    dt_N = sorted({N for (N, dt) in runs if dt != args.dt})
    for N in dt_N:
        dts = sorted(dt for (n, dt) in runs if n == N)
        print(f"\ndt dependence at N = {N}:")
        for dt in dts:
            r = runs[(N, dt)]
            common = sorted(set(r) & set(runs.get((N, args.dt), {})))
            diff = [r[s]["lambda_max"] - runs[(N, args.dt)][s]["lambda_max"] for s in common]
            print(f"  dt = {dt:g}: median {statistics.median(r[s]['lambda_max'] for s in r):.4f}, paired differences to dt = "
                  f"{args.dt:g}: " + " ".join(f"{d:+.4f}" for d in diff)
                  + (f" (mean {np.mean(diff):+.4f} +- {np.std(diff, ddof=1) / np.sqrt(len(diff)):.4f})" if len(diff) > 1 else ""))

        # lambda(dt) = l0 + c1 dt through the medians for dt < 1 (the map, dt = 1, has no leak and
        # is not on the same smooth curve), bootstrap over seeds (paired across dt)
        small = [dt for dt in dts if dt < 1]
        seeds = sorted(set.intersection(*(set(runs[(N, dt)]) for dt in small)))
        if len(small) >= 3 and len(seeds) >= 3:
            tab = np.array([[runs[(N, dt)][s]["lambda_max"] for s in seeds] for dt in small])
            d = np.array(small)

            def lin(t):
                c1, l0 = np.polyfit(d, np.median(t, axis=1), 1)
                return l0, c1, c1 * args.dt

            q = lin(tab)
            bq = np.array([lin(tab[:, rng.integers(0, len(seeds), len(seeds))]) for _ in range(args.nboot)])
            lo, hi = np.percentile(bq, [2.5, 97.5], axis=0)
            print(f"  medians fitted by l0 + c1 dt (dt = {', '.join(f'{t:g}' for t in small)}; seeds {seeds}): "
                  f"l0 = {q[0]:.4f} [{lo[0]:.4f}, {hi[0]:.4f}], c1 = {q[1]:.4f} [{lo[1]:.4f}, {hi[1]:.4f}]")
            print(f"  Euler bias at dt = {args.dt:g}: c1 dt = {q[2]:+.4f} [{lo[2]:+.4f}, {hi[2]:+.4f}]"
                  f" = {100 * q[2] / lmf:+.1f}% [{100 * lo[2] / lmf:+.1f}%, {100 * hi[2] / lmf:+.1f}%] of the mean field")

    # halving dt, pooled over every N with paired seeds: lambda(dt) - lambda(dt/2) = c1 dt/2 to first order
    pairs = [runs[(N, dt)][s]["lambda_max"] - runs[(N, dt / 2)][s]["lambda_max"]
             for (N, dt) in runs if dt == args.dt and (N, dt / 2) in runs
             for s in runs[(N, dt)] if s in runs[(N, dt / 2)]]
    if len(pairs) >= 3:
        m, se = np.mean(pairs), np.std(pairs, ddof=1) / np.sqrt(len(pairs))
        print(f"\nhalving dt from {args.dt:g}, {len(pairs)} paired runs over N: lambda(dt) - lambda(dt/2) = {m:+.4f} +- {se:.4f}"
              f" (s.e.); first-order Euler bias at dt = {args.dt:g}: 2x that = {2 * m:+.4f} +- {2 * se:.4f}"
              f" = {200 * m / lmf:+.1f}% +- {200 * se / lmf:.1f}% of the mean field")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ncol = 2 if dt_N else 1
    fig, axes = plt.subplots(1, ncol, figsize=(5.2 * ncol, 4.0), squeeze=False)
    ax = axes[0, 0]
    for N, v in zip(Ns, lam_by_N):
        ax.plot(np.full(v.size, N ** -0.5), v, ".", color="0.6", ms=5)
    ax.errorbar(x, med, yerr=sd, fmt="o", color="C0", label=f"median of seeds (dt = {args.dt:g})")
    xx = np.linspace(0, x.max() * 1.05, 100)
    ax.plot(xx, f_half[0] - f_half[1] * xx, "-", color="C1",
            label=f"fit L - a N$^{{-1/2}}$: L = {f_half[0]:.4f}")
    ax.plot(xx, f_one[0] - f_one[1] * xx ** 2, "--", color="C3",
            label=f"fit L - a N$^{{-1}}$: L = {f_one[0]:.4f}")
    pb = ps[chis.argmin()]
    A = -(invN ** pb)
    ab = float((A * w) @ (med - lmf) / ((A * w) @ A))
    ax.plot(xx, lmf - ab * xx ** (2 * pb), ":", color="C2",
            label=f"mean field - a N$^{{-p}}$, best p = {pb:.2f}")
    ax.axhline(lmf, color="k", lw=1, label=f"mean field (dt -> 0) {lmf:.4f}")
    ax.axhspan(0.9 * lmf, 1.1 * lmf, color="k", alpha=0.08, label="mean field +-10%")
    ax.set_xlim(left=0)
    bottom = 0.6 * med.min()
    hidden = int(sum((v < bottom).sum() for v in lam_by_N))
    ax.set_ylim(bottom=bottom)
    if hidden:
        ax.text(0.98, 0.98, f"{hidden} non-chaotic realisation(s) (lambda_1 ~ 0) below the axis",
                transform=ax.transAxes, ha="right", va="top", fontsize=7)
    ax.set_xlabel("N$^{-1/2}$")
    ax.set_ylabel("$\\lambda_1$")
    ax.set_title(f"tanh, g = {g:g}: finite size")
    top = ax.secondary_xaxis("top", functions=(lambda t: t, lambda t: t))
    top.set_xticks([n ** -0.5 for n in Ns])
    top.set_xticklabels([str(n) for n in Ns], fontsize=7)
    ax.legend(fontsize=7, loc="lower left")
    if dt_N:
        ax = axes[0, 1]
        for i, N in enumerate(dt_N):
            dts = sorted(dt for (n, dt) in runs if n == N)
            for dt in dts:
                v = [runs[(N, dt)][s]["lambda_max"] for s in runs[(N, dt)]]
                ax.plot(np.full(len(v), dt), v, ".", color="0.6", ms=5)
            ax.plot(dts, [statistics.median(runs[(N, dt)][s]["lambda_max"] for s in runs[(N, dt)]) for dt in dts],
                    "o-", color=f"C{i}", label=f"simulation N = {N}, median")
        ax.plot([0], [lmf], "k*", ms=10, label="mean field, flow (dt -> 0)")
        if mf_map is not None:
            ax.plot([1], [mf_map["lambda_max"]], "kD", ms=7, label="mean field, map (dt = 1)")
        ax.set_xlabel("dt (Euler step)")
        ax.set_ylabel("$\\lambda_1$")
        ax.set_title(f"tanh, g = {g:g}: time step")
        ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    fig.savefig(args.output, dpi=args.dpi)
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
