#!/usr/bin/python3
"""The straightforward NumPy formulation of rnnchaos's Lyapunov algorithm, for comparison.

One GEMM per step for the tangent system (phi' scales the rows of Q), a matrix-vector product
for the state, numpy.linalg.qr every t_ons. Prints one JSON line: N, compute seconds (network
drawn beforehand, not counted), mean exponent and lambda_1.

    numpy_reference.py N G DT T_SIM [T_TRANSIENT T_ONS_TRANSIENT]
"""
import json
import sys
import time

import numpy as np


def spectrum(J, dt, t_transient, t_ons_transient, t_sim, t_ons=1.0, seed=1):
    N = J.shape[0]
    rng = np.random.default_rng(seed)
    h = rng.standard_normal(N)
    alpha, beta = dt, 1.0 - dt
    spi = int(round(t_ons / dt))
    for _ in range(int(round(t_transient / dt))):
        h = beta * h + alpha * (J @ np.tanh(h))
    Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    acc = np.zeros(N)
    n_warm = int(round(t_ons_transient / t_ons))
    n_int = int(round(t_sim / t_ons))
    for k in range(n_warm + n_int):
        for _ in range(spi):
            th = np.tanh(h)
            Q = beta * Q + alpha * (J @ ((1.0 - th * th)[:, None] * Q))
            h = beta * h + alpha * (J @ th)
        Q, R = np.linalg.qr(Q)
        if k >= n_warm:
            acc += np.log(np.abs(np.diag(R)))
    return np.sort(acc / (n_int * t_ons))[::-1]


def main():
    N, g, dt, t_sim = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    t_tr = float(sys.argv[5]) if len(sys.argv) > 5 else 100.0
    t_ons_tr = float(sys.argv[6]) if len(sys.argv) > 6 else 100.0
    rng = np.random.default_rng(0)
    J = g * rng.standard_normal((N, N)) / np.sqrt(N)
    np.fill_diagonal(J, 0.0)
    t0 = time.perf_counter()
    lam = spectrum(J, dt, t_tr, t_ons_tr, t_sim)
    seconds = time.perf_counter() - t0
    print(json.dumps({"N": N, "compute_s": seconds, "lambda_mean": float(lam.mean()),
                      "lambda_max": float(lam[0])}))


if __name__ == "__main__":
    main()
