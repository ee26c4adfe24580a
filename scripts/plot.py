#!/usr/bin/python3
"""Figures from an rnnchaos run archive (docs/archive.md), whatever it holds.

usage: scripts/plot.py ARCHIVE.h5 [-o FIGDIR] [--dpi D]

Writes PNGs into FIGDIR (default: figures/) for what applies, and prints each file name:
  spectrum_i_over_N*.png  lambda_i against i/N, one line per N (median over realisations of
                          full spectra): extensivity means the lines coincide
  density_vs_g*.png       H/N and D/N against g, one line per N (median, 20-80% bars)
  lambda1_vs_g*.png       lambda_1 against g per N: every realisation with its 95% CI, the
                          median as a line; the mean-field lambda_1 when /summary/theory exists
                          (the spectra get the random-matrix reference below g = 1 likewise)
  gcrit_vs_N*.png         g_crit against N: realisations, median, 20-80% band, the bounds on
                          the median over undecided realisations too, and the fit
                          g_crit - 1 = A N^alpha (with its CI from /summary/fits when
                          `rnnchaos summarize` has been run, else a plain least-squares fit)
  coherence_vs_f*.png     C(f) per parameter group (median over realisations, 20-80% band),
                          with R_lb in the legend
  coherence_R_lb_vs_b*.png   (b varies) R_lb raw and debiased against b, every realisation and
                          the median, with the estimator bias and a line proportional to b
  coherence_tau_eff_vs_b*.png  (b varies, tau_eff measured) tau_eff with its jackknife error
                          against b, with tau/(1 + b J0 p), its Euler-map value and tau/b
  common_vs_independent_lambda1*.png  (spectrum tasks varying sigma and/or sigma_c) lambda_1
                          against input amplitude: sigma_c with sigma = 0 (common, also drawn
                          against b*sigma_c, its amplitude at a unit) and sigma with
                          sigma_c = 0 (independent), realisations with 95% CIs and medians
  eigs_cloud*.png         (eigs) the eigenvalues of every realisation of a parameter group in
                          the complex plane, outliers marked, with the theory disc of radius
                          g sqrt(<phi'^2>) around the centre (the estimated bulk radius, dashed,
                          where there is no theory), and -b J0 shifted by the centre when b J0 != 0
  fixedpoints_counts.png  (fixedpoints) distinct points found against the number of starts
  fixedpoints_coords*.png (fixedpoints) density of the fixed-point coordinates h*_i (mean over
                          realisations) per group against the Gaussian of variance mean q and
                          the Kac-Rice density (kr_density, where it applies)
  lstm_spectra_vs_b_f*.png  (spectrum_lstm, b_f varies) the full spectra lambda_i of the LSTM
                          against i/(2N), one line per b_f (mean over realisations), sigma = 0
                          (the smallest sigma present), with the first half magnified
  lstm_vs_b_f*.png        (spectrum_lstm, b_f varies) lambda_1, H and D/(2N) against b_f, one
                          curve per sigma: mean over realisations, bars +- their standard
                          deviation
Eigs and fixedpoints figures are one per group of every non-seed parameter.
Parameters other than N, g and the seeds that vary in a kind split its figures (suffixes such
as _phi-relu_b-2).  Only done tasks are plotted.  Needs nothing but h5py, numpy, matplotlib.
"""
import argparse
import os
import sys

import h5py
import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SEEDS = {"seed_net", "seed_ic", "seed_ons", "seed_noise"}
SKIP = {"N", "g", "n_le"} | SEEDS


def load_kind(f, kind):
    """params (dict of arrays, strings decoded), status, the group itself"""
    g = f[kind]
    params = {}
    for name, ds in g["params"].items():
        v = ds[()]
        if v.dtype.kind == "S":
            v = v.astype(str)
        params[name] = v
    return params, g["status"][()], g


def families(params, n, skip=SKIP):
    """[(suffix, title, row mask)] for the combinations of the varying parameters not in skip"""
    vary = [k for k in sorted(params) if k not in skip and len(np.unique(params[k])) > 1]
    if not vary:
        return [("", "", np.ones(n, bool))]
    keys = [tuple(params[k][i] for k in vary) for i in range(n)]
    out = []
    for key in sorted(set(keys), key=str):
        mask = np.array([k == key for k in keys])
        def fmt(x):
            return ("%g" % x) if isinstance(x, (float, np.floating)) else str(x)
        suffix = "_" + "_".join("%s-%s" % (k, fmt(v)) for k, v in zip(vary, key))
        title = ", ".join("%s = %s" % (k, fmt(v)) for k, v in zip(vary, key))
        out.append((suffix, title, mask))
    return out


def stats(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    return np.median(x), np.percentile(x, 20), np.percentile(x, 80)


def save(fig, figdir, name, written):
    path = os.path.join(figdir, name)
    fig.savefig(path)
    plt.close(fig)
    written.append(path)
    print(path)


def theory_lambda(f, phi, sigma, dt):
    """(g, lambda_1, label) of the mean-field rows of /summary/theory (rnnchaos summarize) for
    this transfer function, noise and step, or None"""
    if "summary/theory/g" not in f:
        return None
    t = f["summary/theory"]
    g, lam = t["g"][()], t["lambda_max"][()]
    ok = np.isfinite(lam)
    if "phi" in t:
        ok &= t["phi"][()].astype(str) == phi
    if "sigma" in t:
        ok &= t["sigma"][()] == sigma
    if "dt" in t:
        ok &= t["dt"][()] == dt
    if not ok.any():
        return None
    order = np.argsort(g[ok])
    label = "mean field, N -> inf" + (" (map)" if dt == 1 else " (dt -> 0)")
    return g[ok][order], lam[ok][order], label


def rmt_reference(f, N0, g0, dt):
    """(lambda, mean_exponent) of /summary/theory/rmt for this (N, g, dt), or None"""
    if "summary/theory/rmt/N" not in f:
        return None
    r = f["summary/theory/rmt"]
    hit = np.where((r["N"][()] == N0) & (r["g"][()] == g0) & (r["dt"][()] == dt))[0]
    if len(hit) == 0:
        return None
    i = hit[0]
    lam = r["lambda"][i, :N0] if r["has_spectrum"][i] else None
    return lam, r["mean_exponent"][i]


def plot_spectrum(f, figdir, written):
    params, status, s = load_kind(f, "spectrum")
    n = len(status)
    N, g = params["N"], params["g"]
    n_le = s["n_le"][()]
    lam = s["lambda"][()]
    lmax = s["lambda_max"][()]
    ci = s["ci_lambda_max"][()]
    H, D = s["entropy_H"][()], s["dim_ky"][()]
    done = status == 1
    for suffix, title, fam in families(params, n):
        sel = fam & done
        if not sel.any():
            continue
        first = np.where(sel)[0][0]
        dt = params["dt"][first]
        theory = theory_lambda(f, params["phi"][first] if "phi" in params else "tanh",
                               params["sigma"][first] if "sigma" in params else 0.0, dt)
        gs = np.unique(g[sel])
        Ns = np.unique(N[sel])
        cmap = plt.get_cmap("viridis")
        colors = {N0: cmap(i / max(1, len(Ns) - 1)) for i, N0 in enumerate(Ns)}
        # spectra against i/N, full spectra only
        full = sel & (n_le == N)
        if full.any():
            gf = np.unique(g[full])
            ncol = min(3, len(gf))
            nrow = int(np.ceil(len(gf) / ncol))
            fig, axes = plt.subplots(nrow, ncol, figsize=(4.8 * ncol, 3.8 * nrow), squeeze=False)
            for ax, g0 in zip(axes.flat, gf):
                for N0 in Ns:
                    rows = np.where(full & (g == g0) & (N == N0))[0]
                    if len(rows) == 0:
                        continue
                    spec = np.array([lam[i, :N0] for i in rows])
                    med = np.median(spec, axis=0)
                    x = (np.arange(1, N0 + 1) - 0.5) / N0
                    ax.plot(x, med, color=colors[N0], lw=1.2,
                            label="N = %d (%d)" % (N0, len(rows)))
                    ref = rmt_reference(f, N0, g0, dt)
                    if ref is not None and ref[0] is not None:
                        ax.plot(x, ref[0], ls="--", color=colors[N0], lw=0.9,
                                label="random-matrix reference" if N0 == Ns[-1] else None)
                    if len(rows) > 2:
                        ax.fill_between(x, np.percentile(spec, 20, axis=0),
                                        np.percentile(spec, 80, axis=0), color=colors[N0],
                                        alpha=0.15, lw=0)
                ax.axhline(0, color="k", lw=0.5)
                ax.set_title("g = %g" % g0)
                ax.set_xlabel("i / N")
                ax.set_ylabel(r"$\lambda_i$ [1/$\tau$]")
                ax.legend(fontsize=7)
            for ax in list(axes.flat)[len(gf):]:
                ax.axis("off")
            fig.suptitle("Lyapunov spectra against i/N" + (" (%s)" % title if title else ""))
            fig.tight_layout()
            save(fig, figdir, "spectrum_i_over_N%s.png" % suffix, written)
        # H/N and D/N against g
        if len(gs) > 1 or len(Ns) > 1:
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
            for ax, val, lab in ((axes[0], H, "H / N [nats/($\\tau$ unit)]"),
                                 (axes[1], D, "$D_{KY}$ / N")):
                for N0 in Ns:
                    pts = [(g0,) + stats(val[sel & (N == N0) & (g == g0)] / N0) for g0 in gs]
                    pts = np.array([p for p in pts if np.isfinite(p[1])])
                    if len(pts) == 0:
                        continue
                    ax.errorbar(pts[:, 0], pts[:, 1],
                                yerr=[pts[:, 1] - pts[:, 2], pts[:, 3] - pts[:, 1]],
                                color=colors[N0], marker="o", ms=3, capsize=2,
                                label="N = %d" % N0)
                ax.set_xlabel("g")
                ax.set_ylabel(lab)
                ax.legend(fontsize=7)
            fig.suptitle("Entropy rate and dimension per unit (median, 20-80%)" +
                         (" (%s)" % title if title else ""))
            fig.tight_layout()
            save(fig, figdir, "density_vs_g%s.png" % suffix, written)
        # lambda_1 against g with CIs (an amplitude sweep at one g has its own figure)
        if len(gs) == 1 and amplitude_sweep(params):
            continue
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        span = (gs.max() - gs.min()) if len(gs) > 1 else 1.0
        for k, N0 in enumerate(Ns):
            rows = np.where(sel & (N == N0))[0]
            off = (k - (len(Ns) - 1) / 2) * 0.012 * span  # side by side, not on top
            y = lmax[rows]
            lo = np.where(np.isfinite(ci[rows, 0]), y - ci[rows, 0], 0)
            hi = np.where(np.isfinite(ci[rows, 1]), ci[rows, 1] - y, 0)
            ax.errorbar(g[rows] + off, y, yerr=[lo, hi], fmt="o", ms=2.5, color=colors[N0],
                        alpha=0.6, elinewidth=0.8, capsize=0)
            med = np.array([stats(lmax[sel & (N == N0) & (g == g0)])[0] for g0 in gs])
            ax.plot(gs, med, color=colors[N0], lw=1.2, label="N = %d" % N0)
        if theory is not None:
            tg, tl, tlab = theory
            ax.plot(tg, tl, "k--", lw=1.2, label=tlab)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xlabel("g")
        ax.set_ylabel(r"$\lambda_1$ [1/$\tau$]")
        ax.set_title(r"$\lambda_1$: realisations with 95% CIs, median lines" +
                     ("\n" + title if title else ""), fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir, "lambda1_vs_g%s.png" % suffix, written)


def summary_fit(f, want_on="realizations"):
    """the power-law fit of g_crit - 1 from /summary/fits (all families), or []"""
    out = []
    if "summary/fits" not in f:
        return out
    t = f["summary/fits"]
    kind = t["kind"][()].astype(str)
    model = t["model"][()].astype(str)
    on = t["on"][()].astype(str)
    fam = t["family"][()].astype(str)
    for i in range(len(kind)):
        if kind[i] == "gcrit" and model[i] == "power_law" and on[i] == want_on:
            out.append(dict(family=fam[i], slope=t["slope"][i], ci=t["slope_ci"][i],
                            intercept=t["intercept"][i]))
    return out


def plot_gcrit(f, figdir, written):
    params, status, s = load_kind(f, "gcrit")
    n = len(status)
    N = params["N"]
    gc = s["g_crit"][()]
    done = (status == 1) & np.isfinite(gc)
    fits = summary_fit(f)
    skip = SKIP | {"g_lo", "g_hi", "g_tol", "t_min", "t_max", "growth", "n_scan",
                   "scan_always", "max_probes", "eps", "n_boot", "t_ons", "t_transient",
                   "t_ons_transient", "reorth", "single_precision"}
    fams = families(params, n, skip)
    for suffix, title, fam in fams:
        sel = fam & done
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        Ns = np.unique(N[fam])
        if sel.any():
            rng = np.random.default_rng(0)
            ax.plot(N[sel] * np.exp(rng.uniform(-0.04, 0.04, sel.sum())), gc[sel], ".",
                    color="0.6", ms=4, label="realisations (decided)")
            st = np.array([stats(gc[sel & (N == N0)]) for N0 in Ns])
            ok = np.isfinite(st[:, 0])
            ax.fill_between(Ns[ok], st[ok, 1], st[ok, 2], color="C0", alpha=0.25, lw=0,
                            label="20-80%")
            ax.plot(Ns[ok], st[ok, 0], "o-", color="C0", label="median (decided)")
            # bounds on the median over every single-crossing realisation (undecided ones and
            # those beyond g_hi or below g_lo too): the medians of the brackets' two ends
            if "bracket" in s:
                br = s["bracket"][()]
                lo = np.where(np.isnan(br[:, 0]) & np.isfinite(br[:, 1]), -np.inf, br[:, 0])
                hi = np.where(np.isnan(br[:, 1]) & np.isfinite(br[:, 0]), np.inf, br[:, 1])
                one = fam & (status == 1) & ~np.isnan(lo) & ~np.isnan(hi)
                mlo = np.array([np.median(lo[one & (N == N0)]) if (one & (N == N0)).any() else np.nan
                                for N0 in Ns])
                mhi = np.array([np.median(hi[one & (N == N0)]) if (one & (N == N0)).any() else np.nan
                                for N0 in Ns])
                has = ~np.isnan(mlo) & ~np.isnan(mhi)
                if has.any():
                    ends = np.concatenate([gc[sel], mlo[has], mhi[has]])
                    top = np.max(ends[np.isfinite(ends)])
                    # an unbounded end is drawn to 20% above everything else
                    blo = np.clip(mlo[has], 0.0, 1.2 * top)
                    bhi = np.maximum(np.minimum(mhi[has], 1.2 * top), blo)
                    mid = 0.5 * (blo + bhi)
                    ax.errorbar(Ns[has] * 1.1, mid, yerr=[mid - blo, bhi - mid], fmt="s", ms=4,
                                color="C3", capsize=4, lw=1.5,
                                label="median bounds, all realisations with one crossing")
            # the fit: from summarize (with its CI) or a plain least-squares line
            fit = [x for x in fits if x["family"] == title.replace(" = ", "=").replace(", ", " ")]
            if not fit and len(fits) == 1 and len(fams) == 1:
                fit = fits
            x = np.geomspace(Ns.min(), Ns.max(), 100)
            if fit:
                a, b, c = fit[0]["slope"], fit[0]["intercept"], fit[0]["ci"]
                ax.plot(x, 1 + np.exp(b) * x ** a, "k--",
                        label=r"$g_c - 1 = %.3g\,N^{%.3f}$, 95%% CI [%.3f, %.3f]"
                        % (np.exp(b), a, c[0], c[1]))
            else:
                y = gc[sel] - 1
                use = y > 0
                if len(np.unique(N[sel][use])) >= 2:
                    a, b = np.polyfit(np.log(N[sel][use]), np.log(y[use]), 1)
                    ax.plot(x, 1 + np.exp(b) * x ** a, "k--",
                            label=r"$g_c - 1 = %.3g\,N^{%.3f}$ (LS; CI: rnnchaos summarize)"
                            % (np.exp(b), a))
        ndec = [(int((fam & (N == N0) & done).sum()), int((fam & (N == N0)).sum())) for N0 in Ns]
        ax.set_xscale("log")
        ax.set_xlim(Ns.min() / 1.3, Ns.max() * 1.3)
        ax.axhline(1, color="k", lw=0.5)
        ax.set_xlabel("N")
        ax.set_ylabel(r"$g_{crit}$")
        ax.set_title("Finite-size critical coupling; decided: " +
                     ", ".join("%d/%d" % d for d in ndec) + ("\n" + title if title else ""),
                     fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir, "gcrit_vs_N%s.png" % suffix, written)


def plot_coherence(f, figdir, written):
    params, status, s = load_kind(f, "coherence")
    n = len(status)
    done = status == 1
    if not done.any():
        return
    fr, C = s["f"][()], s["coherence"][()]
    nf = s["n_freq"][()]
    R = s["info_rate_lb"][()]
    # one curve per parameter group (all but the seeds), one figure per value of the
    # parameters that are neither plotted as curves nor constant: keep it to one figure
    vary = [k for k in sorted(params) if k not in SKIP - {"N", "g"} and
            len(np.unique(params[k][done])) > 1]
    keys = [tuple(params[k][i] for k in vary) for i in range(n)]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    # numeric order (b = 1, 2, 4, ..., not 1, 16, 2, ...)
    groups = sorted({keys[i] for i in range(n) if done[i]},
                    key=lambda k: tuple((1, str(v), 0.0) if isinstance(v, str) else (0, "", float(v))
                                        for v in k))
    for j, key in enumerate(groups):
        rows = [i for i in range(n) if done[i] and keys[i] == key]
        L = int(min(nf[i] for i in rows))
        Cs = np.array([C[i, :L] for i in rows])
        x = fr[rows[0], :L]
        lab = ", ".join("%s=%s" % (k, v if isinstance(v, str) else "%g" % v)
                        for k, v in zip(vary, key)) or "all"
        lab += r" ($R_{lb}$ = %.3g bits/$\tau$, n=%d)" % (np.median(R[rows]), len(rows))
        ax.plot(x[1:], np.median(Cs, axis=0)[1:], color="C%d" % (j % 10), lw=1.2, label=lab)
        if len(rows) > 2:
            ax.fill_between(x[1:], np.percentile(Cs, 20, axis=0)[1:],
                            np.percentile(Cs, 80, axis=0)[1:], color="C%d" % (j % 10),
                            alpha=0.2, lw=0)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(r"f [1/$\tau$]")
    ax.set_ylabel("coherence C(f)")
    ax.set_title("Input-rate coherence (median over realisations, 20-80%)", fontsize=10)
    ax.legend(fontsize=6)
    fig.tight_layout()
    save(fig, figdir, "coherence_vs_f.png", written)


def groups_of(params, done):
    """[(suffix, title, rows)] for the groups of all non-seed parameters (done rows only)"""
    n = len(done)
    vary = [k for k in sorted(params) if k not in SEEDS and len(np.unique(params[k][done])) > 1]
    keys = [tuple(params[k][i] for k in vary) for i in range(n)]
    out = []
    for key in sorted({keys[i] for i in range(n) if done[i]}, key=str):
        rows = [i for i in range(n) if done[i] and keys[i] == key]
        def fmt(x):
            return ("%g" % x) if isinstance(x, (float, np.floating)) else str(x)
        suffix = "".join("_%s-%s" % (k, fmt(v)) for k, v in zip(vary, key))
        title = ", ".join("%s = %s" % (k, fmt(v)) for k, v in zip(vary, key))
        out.append((suffix, title, rows))
    return out


def plot_eigs(f, figdir, written):
    params, status, s = load_kind(f, "eigs")
    done = status == 1
    ev, ol = s["eigenvalues"], s["outliers"]
    for suffix, title, rows in groups_of(params, done):
        fig, ax = plt.subplots(figsize=(5.2, 5.0))
        for k, i in enumerate(rows):
            e = ev[i]
            e = e[np.isfinite(e[:, 0])]
            ax.plot(e[:, 0], e[:, 1], ".", ms=2, color="C0", alpha=0.5,
                    label="eigenvalues (%d realisations)" % len(rows) if k == 0 else None)
            o = ol[i]
            o = o[np.isfinite(o[:, 0])]
            if len(o):
                ax.plot(o[:, 0], o[:, 1], "o", mfc="none", color="C3", ms=6,
                        label="outliers" if k == 0 else None)
        c = float(np.nanmean(s["center"][rows]))
        th = s["bulk_radius_theory"][rows]
        t = np.linspace(0, 2 * np.pi, 400)
        if np.all(np.isfinite(th)):
            R = float(np.mean(th))
            ax.plot(c + R * np.cos(t), R * np.sin(t), "k-", lw=1.2,
                    label=r"theory disc $g\sqrt{\langle\phi'^2\rangle}$ = %.3g" % R)
        else:
            R = float(np.nanmean(s["bulk_radius"][rows]))
            ax.plot(c + R * np.cos(t), R * np.sin(t), "k--", lw=1.0,
                    label="estimated bulk radius %.3g" % R)
        bJ0 = float(params["b"][rows[0]] * params["J0"][rows[0]])
        if bJ0 != 0 and params["structure"][rows[0]] == 0:
            ax.plot([c - bJ0], [0], "kx", ms=9, mew=2, label=r"$-bJ_0$ (balanced mean)")
        ax.axvline(0, color="0.7", lw=0.6)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(r"Re $\mu$")
        ax.set_ylabel(r"Im $\mu$")
        ax.set_title(("Eigenvalues" + (": " + title if title else "")), fontsize=9)
        ax.legend(fontsize=6, loc="upper left")
        fig.tight_layout()
        save(fig, figdir, "eigs_cloud%s.png" % suffix, written)


def plot_fixedpoints(f, figdir, written):
    params, status, s = load_kind(f, "fixedpoints")
    done = status == 1
    for suffix, title, rows in groups_of(params, done):
        rows = [i for i in rows if s["coord_count"][i] > 0]
        if not rows:
            continue
        lo, hi = s["coord_lo"][rows[0]], s["coord_hi"][rows[0]]
        d = s["coord_density"][rows]
        d = d[:, np.all(np.isfinite(d), axis=0)]
        nb = d.shape[1]
        x = lo + (np.arange(nb) + 0.5) * (hi - lo) / nb
        fig, ax = plt.subplots(figsize=(5.6, 4.0))
        ax.step(x, d.mean(axis=0), where="mid", color="C0",
                label="fixed-point coordinates (%d realisations)" % len(rows))
        q = float(np.nanmean(s["q_mean"][rows]))
        xx = np.linspace(lo, hi, 400)
        ax.plot(xx, np.exp(-xx ** 2 / (2 * q)) / np.sqrt(2 * np.pi * q), "k--", lw=1,
                label="Gaussian, variance mean q = %.3g" % q)
        if "kr_density" in s:
            kd = s["kr_density"][rows[0]]
            if np.all(np.isfinite(kd)):
                ax.plot(x, kd, "C3-", lw=1.2,
                        label=r"Kac-Rice, $\alpha$ = %.3g, $\beta$ = %.3g, $\gamma$ = %.3g"
                        % (s["kr_alpha"][rows[0]], s["kr_beta"][rows[0]], s["kr_gamma"][rows[0]]))
        ax.set_xlabel(r"$h^*_i$")
        ax.set_ylabel("density")
        nf = np.mean(s["n_found"][rows])
        ax.set_title("Fixed points (mean %.3g found)%s" % (nf, (": " + title) if title else ""),
                     fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir, "fixedpoints_coords%s.png" % suffix, written)
    plot_fixedpoint_counts(params, done, s, figdir, written)


def plot_fixedpoint_counts(params, done, s, figdir, written):
    """distinct non-trivial points found by the first k starts (mean over realisations), one
    curve per (N, g): a curve still rising at k = K means the search has not saturated"""
    if not np.any(done):
        return
    first, q, K = s["first_start"][()], s["q"][()], s["n_starts"][()]
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    key = sorted({(int(params["N"][i]), float(params["g"][i])) for i in np.where(done)[0]})
    gs = sorted({k[1] for k in key})
    ls = {N: st for N, st in zip(sorted({k[0] for k in key}), ["-", "--", ":", "-."] * 4)}
    for N, gv in key:
        rows = [i for i in np.where(done)[0] if params["N"][i] == N and params["g"][i] == gv]
        k_max = int(K[rows[0]])
        ks = np.arange(1, k_max + 1)
        curves = []
        for i in rows:
            fs = first[i][np.isfinite(first[i]) & (first[i] >= 0) & (q[i] > 0)]
            curves.append(np.array([np.sum(fs < k) for k in ks]))
        ax.plot(ks, np.mean(curves, axis=0), ls[N], color="C%d" % gs.index(gv),
                label="N = %d, g = %g" % (N, gv))
    ax.set_xlabel("starts k")
    ax.set_ylabel("distinct non-trivial fixed points found (mean)")
    ax.set_yscale("log")
    ax.legend(fontsize=6, ncol=2)
    ax.set_title("Fixed points found against starts", fontsize=9)
    fig.tight_layout()
    save(fig, figdir, "fixedpoints_counts.png", written)


def amplitude_sweep(params):
    """True when spectrum tasks vary the common (sigma_c) or independent (sigma) amplitude"""
    return any(k in params and len(np.unique(params[k])) > 1 for k in ("sigma", "sigma_c"))


def plot_common_vs_independent(f, figdir, written):
    params, status, s = load_kind(f, "spectrum")
    if not amplitude_sweep(params) or "sigma" not in params or "sigma_c" not in params:
        return
    n = len(status)
    lmax = s["lambda_max"][()]
    ci = s["ci_lambda_max"][()]
    done = (status == 1) & np.isfinite(lmax)
    sig, sigc = params["sigma"], params["sigma_c"]
    failed = status == 2
    for suffix, title, fam in families(params, n, SEEDS | {"sigma", "sigma_c", "n_le"}):
        sel = fam & done
        if not sel.any():
            continue
        b = params["b"][np.where(sel)[0][0]] if "b" in params else 0.0
        curves = [("common: $\\sigma_c$ ($\\sigma$ = 0)", sel & (sig == 0), sigc, 1.0, "C3", "-"),
                  ("independent: $\\sigma$ ($\\sigma_c$ = 0)", sel & (sigc == 0), sig, 1.0, "C0",
                   "-")]
        if b not in (0.0, 1.0):
            curves.append(("common against $b\\,\\sigma_c$ (its amplitude at a unit)",
                           sel & (sig == 0), sigc, b, "C3", ":"))
        pos = np.concatenate([x[m] * scale for _, m, x, scale, _, _ in curves])
        pos = pos[pos > 0]
        fig, ax = plt.subplots(figsize=(6.8, 4.4))
        for k, (lab, m, x, scale, col, ls) in enumerate(curves):
            rows = np.where(m)[0]
            if len(rows) == 0:
                continue
            amps = np.unique(x[rows])
            if ls == "-":
                y = lmax[rows]
                lo = np.where(np.isfinite(ci[rows, 0]), y - ci[rows, 0], 0)
                hi = np.where(np.isfinite(ci[rows, 1]), ci[rows, 1] - y, 0)
                off = np.exp((k - 0.5) * 0.04)  # side by side on the log axis
                ax.errorbar(x[rows] * scale * off, y, yerr=[lo, hi], fmt="o", ms=2.5,
                            color=col, alpha=0.6, elinewidth=0.8, capsize=0)
            med = np.array([stats(lmax[rows][x[rows] == a])[0] for a in amps])
            ax.plot(amps * scale, med, ls=ls, color=col, lw=1.3,
                    label="%s, median of %d" % (lab, len(rows) // max(1, len(amps))))
        nfail = int((fam & failed).sum())
        ax.axhline(0, color="k", lw=0.5)
        if len(pos):
            ax.set_xscale("symlog", linthresh=pos.min(), linscale=0.5)
            ax.set_xlim(-0.2 * pos.min(), pos.max() * 1.5)
        ax.set_xlabel("input amplitude ($\\sigma_c$ or $\\sigma$)")
        ax.set_ylabel(r"$\lambda_1$ [1/$\tau$]")
        ax.set_title(r"$\lambda_1$: common versus independent input" +
                     (" (b = %g)" % b) + ("\n" + title if title else "") +
                     ("; %d failed tasks not shown" % nfail if nfail else ""), fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir, "common_vs_independent_lambda1%s.png" % suffix, written)


def plot_coherence_vs_b(f, figdir, written):
    params, status, s = load_kind(f, "coherence")
    if "b" not in params:
        return
    n = len(status)
    done = status == 1
    b = params["b"]
    tau = params["tau"] if "tau" in params else np.ones(n)
    R, Rd = s["info_rate_lb"][()], s["info_rate_lb_debiased"][()]
    bias = s["info_rate_lb_bias"][()]
    te, tee = s["tau_eff"][()], s["tau_eff_err"][()]
    tth, tthd = s["tau_eff_theory"][()], s["tau_eff_theory_dt"][()]
    p = s["active_fraction"][()]
    rng = np.random.default_rng(0)
    for suffix, title, fam in families(params, n, SEEDS | {"b"}):
        sel = fam & done
        bs = np.unique(b[sel])
        if len(bs) < 2:
            continue
        jit = np.exp(rng.uniform(-0.04, 0.04, n))
        # R_lb against b
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for val, col, lab in ((R, "C1", "raw"), (Rd, "C0", "debiased")):
            ok = sel & np.isfinite(val)
            ax.plot(b[ok] * jit[ok], val[ok], ".", color=col, alpha=0.6, ms=5)
            med = np.array([stats(val[ok & (b == b0)])[0] for b0 in bs])
            ax.plot(bs, med, "o-", color=col, ms=3, lw=1.2, label="$R_{lb}$ %s (median)" % lab)
        bmed = np.array([stats(bias[sel & (b == b0)])[0] for b0 in bs])
        ax.plot(bs, bmed, "--", color="0.5", lw=1, label="estimator bias (independent signals)")
        med0 = stats(Rd[sel & (b == bs[0])])[0]
        if np.isfinite(med0) and med0 > 0:
            ax.plot(bs, med0 * bs / bs[0], "k:", lw=1,
                    label="proportional to b (through b = %g)" % bs[0])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("balance b")
        ax.set_ylabel(r"$R_{lb}$ [bits/$\tau$]")
        ax.set_title("Information-rate lower bound against balance (realisations, median)" +
                     ("\n" + title if title else ""), fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir, "coherence_R_lb_vs_b%s.png" % suffix, written)
        # tau_eff against b
        ok = sel & np.isfinite(te)
        if not ok.any():
            continue
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.errorbar(b[ok] * jit[ok], te[ok], yerr=np.where(np.isfinite(tee[ok]), tee[ok], 0),
                    fmt="o", ms=3, color="C0", capsize=2, label=r"$\tau_{eff}$ measured (jackknife)")
        t0 = np.array([stats(tau[sel & (b == b0)])[0] for b0 in bs])
        for val, sty, lab in ((tth, "s--", r"$\tau/(1 + b J_0 p)$, p measured"),
                              (tthd, "^:", "same through the Euler map (step dt)")):
            med = np.array([stats(val[ok & (b == b0)])[0] for b0 in bs])
            ax.plot(bs, med, sty, color="C3", ms=3, lw=1, label=lab + " (median)")
        ax.plot(bs, t0 / bs, "k-", lw=0.8, label=r"$\tau/b$")
        pm = stats(p[ok])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("balance b")
        ax.set_ylabel(r"$\tau_{eff}$ [$\tau$]")
        ax.set_title(r"Balance relaxation time; active fraction p = %.2f (%.2f-%.2f)" % pm +
                     ("\n" + title if title else ""), fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir, "coherence_tau_eff_vs_b%s.png" % suffix, written)


LSTM_SKIP = {"N", "b_f", "sigma", "n_le"} | SEEDS


def lstm_mean_sd(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan
    return x.mean(), (x.std(ddof=1) if len(x) > 1 else 0.0)


def plot_lstm(f, figdir, written):
    """spectrum_lstm (docs/model.md section 7): the forget-gate-bias figures of
    docs/validation.md, "Gated networks (LSTM): the forget-gate bias" """
    params, status, s = load_kind(f, "spectrum_lstm")
    n = len(status)
    if "b_f" not in params or len(np.unique(params["b_f"])) < 2:
        return
    N, bf = params["N"], params["b_f"]
    sig = params["sigma"] if "sigma" in params else np.zeros(n)
    dim = s["state_dim"][()]
    n_le = s["n_le"][()]
    lam = s["lambda"][()]
    lmax, H = s["lambda_max"][()], s["entropy_H"][()]
    dper = s["dim_ky_per_dim"][()]
    done = status == 1
    for suffix, title, fam in families(params, n, LSTM_SKIP):
        for N0 in np.unique(N[fam & done]):
            sel = fam & done & (N == N0)
            tag = suffix + ("_N-%d" % N0 if len(np.unique(N[fam & done])) > 1 else "")
            ttl = "N = %d" % N0 + (", " + title if title else "")
            bfs = np.unique(bf[sel])
            sigs = np.unique(sig[sel])
            cmap = plt.get_cmap("viridis")
            # (a) spectra against i/(2N) for every b_f at the smallest sigma (0: autonomous)
            s0 = sigs[0]
            full = sel & (sig == s0) & (n_le == dim)
            if full.any():
                fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
                for k, b0 in enumerate(bfs):
                    rows = np.where(full & (bf == b0))[0]
                    if len(rows) == 0:
                        continue
                    d = int(dim[rows[0]])
                    spec = np.array([lam[i, :d] for i in rows])
                    x = (np.arange(1, d + 1) - 0.5) / d
                    c = cmap(k / max(1, len(bfs) - 1))
                    for ax in axes:
                        ax.plot(x, spec.mean(axis=0), color=c, lw=1.4,
                                label="$b_f$ = %g (%d)" % (b0, len(rows)))
                half = np.concatenate([lam[i, :int(dim[i]) // 2] for i in np.where(full)[0]])
                axes[1].set_xlim(0, 0.5)
                lo = np.nanmin(half)
                axes[1].set_ylim(lo - 0.05 * abs(lo), 0.1 * abs(lo) + 0.02)
                for ax in axes:
                    ax.axhline(0, color="k", lw=0.5)
                    ax.set_xlabel("i / (2N)")
                    ax.set_ylabel(r"$\lambda_i$ [1/step]")
                    ax.grid(alpha=0.3)
                axes[0].set_title("full spectrum")
                axes[1].set_title("first half (magnified)")
                axes[0].legend(fontsize=8, title="mean over (realisations)", title_fontsize=8)
                fig.suptitle("LSTM Lyapunov spectra against i/(2N), sigma = %g (%s)" % (s0, ttl))
                fig.tight_layout()
                save(fig, figdir, "lstm_spectra_vs_b_f%s.png" % tag, written)
            # (b) lambda_1, H, D/(2N) against b_f, one curve per sigma
            fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
            span = bfs.max() - bfs.min()
            for k, s1 in enumerate(sigs):
                c = plt.get_cmap("plasma")(0.8 * k / max(1, len(sigs) - 1))
                off = (k - (len(sigs) - 1) / 2) * 0.015 * span  # side by side, not on top
                for ax, val in zip(axes, (lmax, H, dper)):
                    pts = np.array([(b0,) + lstm_mean_sd(val[sel & (sig == s1) & (bf == b0)])
                                    for b0 in bfs])
                    ax.errorbar(pts[:, 0] + off, pts[:, 1], yerr=pts[:, 2], color=c, marker="o",
                                ms=4, capsize=3, label="sigma = %g" % s1)
            for ax, lab in zip(axes, (r"$\lambda_1$ [1/step]", "H [nats/step]",
                                      r"$D_{KY}$ / (2N)")):
                ax.set_xlabel("forget-gate bias $b_f$")
                ax.set_ylabel(lab)
                ax.grid(alpha=0.3)
            axes[0].axhline(0, color="k", lw=0.5)
            axes[0].legend(fontsize=8)
            fig.suptitle("LSTM against the forget-gate bias: mean over realisations, "
                         "bars +- 1 s.d. (%s)" % ttl)
            fig.tight_layout()
            save(fig, figdir, "lstm_vs_b_f%s.png" % tag, written)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archive")
    ap.add_argument("-o", "--output", default="figures", help="folder for the PNGs")
    ap.add_argument("--dpi", type=int, default=120)
    a = ap.parse_args()
    try:
        f = h5py.File(a.archive, "r")
    except OSError as e:
        print("plot.py: error: %s: cannot open: %s" % (a.archive, e), file=sys.stderr)
        return 2
    if f.attrs.get("format") != "rnnchaos-archive":
        print("plot.py: error: %s: not an rnnchaos archive" % a.archive, file=sys.stderr)
        return 2
    os.makedirs(a.output, exist_ok=True)
    plt.rcParams["savefig.dpi"] = a.dpi
    written = []
    for kind, fn in (("spectrum", plot_spectrum), ("spectrum", plot_common_vs_independent),
                     ("gcrit", plot_gcrit), ("coherence", plot_coherence),
                     ("coherence", plot_coherence_vs_b), ("eigs", plot_eigs),
                     ("fixedpoints", plot_fixedpoints), ("spectrum_lstm", plot_lstm)):
        if kind in f and np.any(f[kind + "/status"][()] == 1):
            fn(f, a.output, written)
    if not written:
        print("plot.py: nothing to plot (no done tasks)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
