#!/usr/bin/python3
"""Independent cross-check of rnnchaos on small networks, with plain NumPy code.

The networks are drawn here, written to HDF5 and given to `rnnchaos spectrum --connectivity`,
so both codes see the same J. They share nothing else: not the initial states, the orthonormal
systems or the integrator code. Agreement within the CIs therefore means the finite-size
effects in docs/validation.md belong to the model, not to rnnchaos. (Multistable networks may
legitimately differ: the two codes can settle on different attractors.)

    crosscheck_numpy.py RNNCHAOS lambda1 N G NETS      lambda_1 per network (t_sim 2000)
    crosscheck_numpy.py RNNCHAOS entropy N G NETS      full spectrum: lambda_1, H, H/N (t_sim 500)

Reference dynamics (docs/model.md section 1): h <- (1 - dt) h + dt J tanh(h), dt = 0.1, J_ii = 0.
"""
import json
import subprocess
import sys
import tempfile

import h5py
import numpy as np

DT = 0.1


def relax(J, h, t):
    for _ in range(int(round(t / DT))):
        h = (1 - DT) * h + DT * (J @ np.tanh(h))
    return h


def lambda1(J, seed, t_transient=200.0, t_sim=2000.0):
    rng = np.random.default_rng(seed)
    h = relax(J, rng.standard_normal(J.shape[0]), t_transient)
    v = rng.standard_normal(J.shape[0])
    v /= np.linalg.norm(v)
    acc = 0.0
    for k in range(int(round(t_sim / DT))):
        th = np.tanh(h)
        v = (1 - DT) * v + DT * (J @ ((1 - th * th) * v))
        h = (1 - DT) * h + DT * (J @ th)
        if k % 10 == 9:
            n = np.linalg.norm(v)
            acc += np.log(n)
            v /= n
    return acc / t_sim


def spectrum(J, seed, t_transient=100.0, t_ons_transient=100.0, t_sim=500.0):
    N = J.shape[0]
    rng = np.random.default_rng(seed)
    h = relax(J, rng.standard_normal(N), t_transient)
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    acc = np.zeros(N)
    n_warm, n_int = int(round(t_ons_transient)), int(round(t_sim))
    for k in range(n_warm + n_int):
        for _ in range(10):
            th = np.tanh(h)
            Q = (1 - DT) * Q + DT * (J @ ((1 - th * th)[:, None] * Q))
            h = (1 - DT) * h + DT * (J @ th)
        Q, R = np.linalg.qr(Q)
        if k >= n_warm:
            acc += np.log(np.abs(np.diag(R)))
    return np.sort(acc / t_sim)[::-1]


def rnnchaos(exe, path, g, args):
    out = subprocess.run([exe, "spectrum", "--connectivity", path + ":/J", "--g", str(g),
                          "--pca", "no", "--json"] + args, capture_output=True, text=True)
    if out.returncode:
        sys.exit("rnnchaos failed: " + out.stderr)
    return json.loads(out.stdout)


def main():
    exe, mode, N, g, nets = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    with tempfile.TemporaryDirectory() as tmp:
        for s in range(nets):
            rng = np.random.default_rng(1000 * N + s)
            J = g * rng.standard_normal((N, N)) / np.sqrt(N)
            np.fill_diagonal(J, 0.0)
            path = "%s/J%d.h5" % (tmp, s)
            with h5py.File(path, "w") as f:
                f["J"] = J
            if mode == "lambda1":
                d = rnnchaos(exe, path, g, ["--n-le", "1", "--t-sim", "2000", "--t-transient", "200"])
                lo, hi = d["ci95"]["lambda_max"]
                print("N=%d g=%g net %d: rnnchaos lambda_1 %.4f [%.4f, %.4f] | numpy (2 initial states) %.4f %.4f"
                      % (N, g, s, d["lambda_max"], lo, hi, lambda1(J, 1), lambda1(J, 2)), flush=True)
            else:
                d = rnnchaos(exe, path, g, ["--t-sim", "500"])
                lam = spectrum(J, 1)
                H = lam[lam > 0].sum()
                lo, hi = d["ci95"]["entropy_H"]
                print("N=%d g=%g net %d: rnnchaos lambda_1 %.4f H %.3f [%.3f, %.3f] H/N %.5f | numpy lambda_1 %.4f H %.3f H/N %.5f"
                      % (N, g, s, d["lambda_max"], d["entropy_H"], lo, hi, d["entropy_H"] / N, lam[0], H, H / N),
                      flush=True)


if __name__ == "__main__":
    main()
