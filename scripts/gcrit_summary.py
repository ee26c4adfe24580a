#!/usr/bin/python3
"""Summary of a g_crit scan (scripts/gcrit_scan.sh): per N the status counts, median, mean,
std, 20/80% percentiles of the decided g_crit (numpy's linear percentiles, as rc_summarize), and
least-squares fits of log(g_crit - 1) against log N with 95% Student-t CIs of the exponent
(as rc_fit_power_law): over all decided realisations, and over the per-N medians.
Usage: gcrit_summary.py OUTDIR   (Debian's python3 with numpy only)"""
import glob, json, math, os, re, sys
import numpy as np


def t975(nu):
    # Cornish-Fisher expansion of Student's t quantile; |error| < 2e-4 for nu >= 3
    z = 1.959963984540054
    return (z + (z**3 + z) / (4 * nu) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * nu**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * nu**3))


def fit(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    xm, ym = x.mean(), y.mean()
    sxx = ((x - xm) ** 2).sum()
    b = ((x - xm) * (y - ym)).sum() / sxx
    a = ym - b * xm
    s2 = ((y - a - b * x) ** 2).sum() / (n - 2)
    se = math.sqrt(s2 / sxx)
    t = t975(n - 2)
    return b, b - t * se, b + t * se, math.exp(a), n


runs = {}
for f in glob.glob(os.path.join(sys.argv[1], "N*_seed*.json")):
    d = json.load(open(f))
    runs.setdefault(d["N"], []).append(d)
print("| N | realisations | decided | undecided | no-crossing | multiple | median g_crit | "
      "mean | std | p20 | p80 | probes/real. | wall s/real. |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
allN, allg, medN, med = [], [], [], []
for N in sorted(runs):
    rs = runs[N]
    st = [r["status"] for r in rs]
    g = np.array([r["g_crit"] for r in rs if r["status"] == "decided"], float)
    row = [N, len(rs), st.count("decided"), st.count("undecided"), st.count("no-crossing"),
           st.count("multiple-crossings")]
    if len(g):
        row += ["%.3f" % np.median(g), "%.3f" % g.mean(),
                "%.3f" % (g.std(ddof=1) if len(g) > 1 else float("nan")),
                "%.3f" % np.percentile(g, 20), "%.3f" % np.percentile(g, 80)]
        allN += [N] * len(g)
        allg += list(g)
        if np.median(g) > 1:
            medN.append(N)
            med.append(np.median(g))
    else:
        row += ["-"] * 5
    row += ["%.1f" % np.mean([len(r["probes"]) for r in rs]),
            "%.1f" % np.mean([r["wall_s"] for r in rs])]
    print("| " + " | ".join(str(v) for v in row) + " |")
pts = [(n, g) for n, g in zip(allN, allg) if g > 1]
if len(pts) >= 3:
    b, lo, hi, A, n = fit([math.log(p[0]) for p in pts], [math.log(p[1] - 1) for p in pts])
    print("\nfit over decided realisations (g_crit > 1: %d of %d): g_crit - 1 = %.3f N^%.3f, "
          "exponent 95%% CI [%.3f, %.3f]" % (n, len(allg), A, b, lo, hi))
if len(med) >= 3:
    b, lo, hi, A, n = fit(np.log(medN), np.log(np.array(med) - 1))
    print("fit over the %d per-N medians: g_crit - 1 = %.3f N^%.3f, exponent 95%% CI "
          "[%.3f, %.3f]" % (n, A, b, lo, hi))

# Sensitivity: undecided realisations still have a bracket (regular below, chaotic above, the
# undecided zone between): their midpoints, with the bracket widths, beside the decided values.
print("\nundecided realisations: bracket midpoints (widths)")
for N in sorted(runs):
    u = [r for r in runs[N] if r["status"] == "undecided" and None not in r["bracket"]]
    if u:
        print("  N = %d: " % N + ", ".join("%.3f (%.3f)" % (0.5 * sum(r["bracket"]),
                                                          r["bracket"][1] - r["bracket"][0])
                                          for r in u))
