#!/usr/bin/python3
"""Fuzz cases for tests/fuzz.sh (issue 18, Tests): generated job files and command lines.

  fuzz.py gen SEED COUNT TESTS_DIR OUTDIR   write OUTDIR/NNNN/{argv,job.ini} and OUTDIR/list
  fuzz.py check OUTDIR                      judge every case run by fuzz.sh; exit 1 on a failure

Cases mutate valid inputs: the job files of tests/golden and jobs (first shrunk to a few
seconds of work: small N, short times, one value per key) and short command lines of every
serial subcommand.  A case passes when the program neither crashes (signal, exit >= 128) nor
hangs (the runner's timeout), exits 0, 1, 2 or 3 with a message on stderr for 1 and 2, and
when it exits 0 its output keeps the promises of docs/archive.md and the help texts: strict
JSON (no NaN/Infinity), finite numbers, non-negative counts, lambda_min <= lambda_max,
entropy_H = sum of the positive exponents, CI lo <= hi, every archived task done or failed.
Fixed regression cases (inputs that once failed) are in REGRESSIONS and always run first.
"""
import glob
import json
import math
import os
import random
import re
import sys

# Values that stress parsing and validation: zeros, signs, overflow, underflow, non-finite,
# malformed numbers, empty strings and binary junk.  None of them is a legitimately long run
# for any key (huge sizes and times must be refused, not attempted).
EXTREMES = ["0", "-1", "1", "1e300", "-1e300", "1e-300", "4.9e-324", "nan", "NaN", "-nan",
            "inf", "-inf", "Infinity", "", " ", "99999999999999999999999",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809",
            "2147483648", "4294967297", "0x10", "1e", "abc", "1,,2", "3.5e+", "-0",
            "1e309", "+", ".", "1 2", "2junk", "\x01\x7f\xfe", "0.0000001"]
# Plausible values (edge cases of valid input: tiny, large-ish, dt > tau, N = 2).
MILD = ["0.5", "2", "3", "7", "0.01", "1e-3", "1.5", "5"]


def value(rng, key=""):
    v = rng.choice(MILD) if rng.random() < 0.35 else rng.choice(EXTREMES)
    # 2^31 .. 2^32 time units are valid durations (below RC_MAX_STEPS = 1e11 steps) that run
    # for hours: an integer overflow test only for the other keys
    if re.match(r"(--)?t[-_]", key) and v in ("2147483648", "4294967297"):
        v = "1e300"
    return v


def n_mutations(rng):
    return rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 2, 3))

# Base command lines: each runs in well under a second.
BASE_CMDS = [
    ["spectrum", "--N", "10", "--g", "2", "--t-sim", "20", "--t-transient", "5",
     "--t-ons-transient", "5", "--n-boot", "50", "--json"],
    ["spectrum", "--N", "12", "--phi", "relu", "--b", "2", "--I0", "1", "--g", "1",
     "--sigma", "0.3", "--t-sim", "20", "--t-transient", "5", "--t-ons-transient", "5",
     "--n-le", "3", "--n-boot", "50", "--json"],
    ["gcrit", "--N", "10", "--t-min", "20", "--t-max", "80", "--g-tol", "0.2",
     "--n-boot", "100", "--t-transient", "10", "--t-ons-transient", "10", "--n-scan", "3",
     "--max-probes", "8",
     "--json"],
    ["coherence", "--N", "20", "--phi", "relu", "--b", "4", "--J0", "1", "--I0", "1",
     "--g", "1", "--sigma-c", "0.5", "--t-sim", "50", "--t-seg", "10", "--t-transient", "5",
     "--step-trials", "10", "--t-step", "2", "--json"],
    ["eigs", "--N", "20", "--json"],
    ["eigs", "--N", "12", "--of", "jacobian", "--at", "trajectory", "--samples", "3",
     "--t-sample", "2", "--t-transient", "5", "--json"],
    ["fixedpoints", "--N", "10", "--starts", "10", "--json"],
    ["dmft", "--g", "2", "--json"],
    ["dmft", "--g", "1.5", "--dt", "1", "--phi", "hardtanh", "--N", "20", "--json"],
]

# Options worth adding to a command line with a random extreme value.
EXTRA_OPTS = ["--N", "--g", "--b", "--J0", "--I0", "--sigma", "--sigma-c", "--tau-s", "--tau",
              "--dt", "--seed", "--seed-net", "--t-sim", "--t-ons", "--t-transient",
              "--t-ons-transient", "--n-le", "--n-trace", "--n-boot", "--grid", "--block-size",
              "--mem-per-rank", "--precision", "--reorth", "--phi", "--h0", "--connectivity",
              "--g-lo", "--g-hi", "--g-tol", "--eps", "--t-min", "--t-max", "--growth",
              "--n-scan", "--max-probes", "--t-seg", "--f-max", "--step-size", "--step-trials",
              "--t-step", "--samples", "--t-sample", "--bins", "--hist-range",
              "--bulk-quantile", "--outlier-margin", "--starts", "--tol", "--max-iter",
              "--step-max", "--dedup-tol", "--coord-bins", "--coord-max", "--grid-step",
              "--cutoff", "--quad-step", "--cheb-order", "--pca", "--finite-perturbation",
              "--unknown-option"]

# Shrinking the job files to seconds: every key keeps one value, then these replace it.
SHRINK = {"N": "12", "realizations": "1", "t_sim": "20", "t_transient": "5",
          "t_ons_transient": "5", "t_max": "200", "n_boot": "100",
          "max_probes": "12", "g_tol": "0.2", "starts": "10", "step_trials": "5", "t_step": "2",
          "t_seg": "5", "n_le": "all", "dt": "0.1", "samples": "3", "t_sample": "2"}

# Inputs that once failed (see the commits that fixed them); run in every test.
# Each is ("cmd", argv) or ("job", job text, extra run arguments).
REGRESSIONS = [
    # the mean-field quadrature's node count overflowed an int (UBSan, scripts/sanitize.sh)
    ("cmd", ["dmft", "--g", "9223372036854775808", "--json"]),
]


def shrink(text):
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z_][\w-]*)\s*=\s*([^;#]*)", line)
        if not m or line.lstrip().startswith((";", "#")):
            out.append(line)
            continue
        key, val = m.group(1), m.group(2).strip()
        if key in ("output", "dist_min_N", "ranks_per_dist_task"):
            continue
        val = SHRINK.get(key, val.split(",")[0].strip())
        out.append("%s = %s" % (key, val))
    return out


def mutate_job(rng, lines):
    lines = list(lines)
    for _ in range(n_mutations(rng)):
        keyed = [i for i, l in enumerate(lines) if re.match(r"\s*[A-Za-z_][\w-]*\s*=", l)]
        sections = [i for i, l in enumerate(lines) if l.strip().startswith("[")]
        op = rng.randrange(12)
        if op <= 3 and keyed:  # an extreme value, or a list holding one
            i = rng.choice(keyed)
            key = lines[i].split("=")[0].strip()
            v = value(rng, key)
            if op == 3:
                v = "2, " + v
            lines[i] = "%s = %s" % (key, v)
        elif op == 4 and lines:  # drop a line
            del lines[rng.randrange(len(lines))]
        elif op == 5 and lines:  # repeat a line
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif op == 6:  # unknown key
            lines.insert(rng.randrange(len(lines) + 1), "no_such_key = 1")
        elif op == 7 and keyed:  # the same key spelled with '-'
            i = rng.choice(keyed)
            key = lines[i].split("=")[0].strip()
            lines.insert(i + 1, "%s = %s" % (key.replace("_", "-"), value(rng, key)))
        elif op == 8 and sections:  # missing or damaged section header
            i = rng.choice(sections)
            lines[i] = rng.choice(["", "[spectrum", "[nosuch]", "[spectrum] junk", "[]",
                                   "[run]"])
        elif op == 9:  # binary junk
            junk = "".join(chr(rng.randrange(1, 256)) for _ in range(rng.randint(1, 40)))
            lines.insert(rng.randrange(len(lines) + 1), junk)
        elif op == 10:  # truncated file
            text = "\n".join(lines)
            return text[:rng.randrange(len(text) + 1)]
        elif op == 11 and keyed:  # a key without '=' or without a value
            i = rng.choice(keyed)
            lines[i] = lines[i].split("=")[0] + rng.choice(["", "=", "= ,", "= 1,"])
    return "\n".join(lines) + "\n"


def mutate_cmd(rng, argv):
    argv = list(argv)
    opts = [i for i, a in enumerate(argv) if a.startswith("--") and a != "--json"
            and i + 1 < len(argv) and not argv[i + 1].startswith("--")]
    for _ in range(n_mutations(rng)):
        op = rng.randrange(7)
        if op <= 2 and opts:  # an extreme value for an option present
            i = rng.choice(opts)
            argv[i + 1] = value(rng, argv[i])
        elif op == 3:  # an added option with an extreme value
            o = rng.choice(EXTRA_OPTS)
            argv[1:1] = [o, value(rng, o)]
        elif op == 4 and opts:  # a value dropped (option last, or followed by an option)
            i = rng.choice(opts)
            if rng.random() < 0.5:
                argv = argv[:i] + argv[i + 2:] + [argv[i]]
            else:
                del argv[i + 1]
            opts = []
        elif op == 5 and opts:  # an option repeated with another value
            i = rng.choice(opts)
            argv += [argv[i], value(rng, argv[i])]
        elif op == 6:  # junk argument
            argv.insert(rng.randrange(1, len(argv) + 1),
                        rng.choice(["junk", "-", "--", "-x", "\x01\xff", "--json=1", "="]))
    return argv


def write_case(outdir, n, argv, job=None, baseline=False):
    d = os.path.join(outdir, "%04d" % n)
    os.makedirs(d, exist_ok=True)
    if baseline:  # an unmutated input: it must run (exit 0), or the fuzzing tests nothing
        open(os.path.join(d, "baseline"), "w").close()
    if job is not None:
        with open(os.path.join(d, "job.ini"), "w", encoding="latin-1") as f:
            f.write(job)
    with open(os.path.join(d, "argv"), "wb") as f:
        f.write(b"".join(a.encode("latin-1", "replace") + b"\0" for a in argv))
    with open(os.path.join(d, "desc"), "w") as f:
        f.write(json.dumps(argv) + "\n")
    return d


def gen(seed, count, tests_dir, outdir):
    rng = random.Random(seed)
    repo = os.path.dirname(os.path.abspath(tests_dir))
    jobs = sorted(glob.glob(os.path.join(tests_dir, "golden", "*.ini")) +
                  glob.glob(os.path.join(repo, "jobs", "*.ini")))
    shrunk = [shrink(open(j, encoding="latin-1").read()) for j in jobs]
    n = 0
    for reg in REGRESSIONS:
        if reg[0] == "cmd":
            write_case(outdir, n, reg[1])
        else:
            write_case(outdir, n, ["run", "job.ini", "-o", "out.h5"] + list(reg[2]), reg[1])
        n += 1
    for lines in shrunk:  # each shrunk job unmutated: the baseline must pass
        write_case(outdir, n, ["run", "job.ini", "-o", "out.h5"], "\n".join(lines) + "\n",
                   baseline=True)
        n += 1
    for argv in BASE_CMDS:
        write_case(outdir, n, argv, baseline=True)
        n += 1
    while n < count:
        if rng.random() < 0.22:
            job = mutate_job(rng, rng.choice(shrunk))
            extra = ["--dry-run"] if rng.random() < 0.3 else []
            write_case(outdir, n, ["run", "job.ini", "-o", "out.h5"] + extra, job)
        else:
            write_case(outdir, n, mutate_cmd(rng, rng.choice(BASE_CMDS)))
        n += 1


# ---- checking ----------------------------------------------------------------------------

def strict_json(text):
    def bad_constant(c):
        raise ValueError("non-finite number %s in JSON" % c)
    return json.loads(text, parse_constant=bad_constant)


def walk(obj, path, errs):
    """Generic promises: finite numbers (strict JSON), non-negative counts, ordered CIs."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = path + "." + k
            if (k.startswith("n_") or k in ("count", "below", "above", "iterations")) \
                    and v is not None and not isinstance(v, (dict, list)):
                if not isinstance(v, (int, float)) or v < 0:
                    errs.append("%s = %r is not a count" % (p, v))
            if k.startswith("ci") and isinstance(v, list) and len(v) == 2 and \
                    all(isinstance(x, (int, float)) for x in v) and v[0] > v[1]:
                errs.append("%s = %r has lo > hi" % (p, v))
            walk(v, p, errs)
        # lambda_1 < lambda_m happens in short runs (exponents "descending up to noise",
        # docs/archive.md): impossible only when their confidence intervals are apart too
        # (without CIs, n_boot = 0, the t_sim > 0 check below catches the zero-step runs).
        ci = obj.get("ci95") if isinstance(obj.get("ci95"), dict) else {}
        apart = (isinstance(ci.get("lambda_min"), list) and
                 isinstance(ci.get("lambda_max"), list) and
                 None not in ci["lambda_min"] + ci["lambda_max"] and
                 ci["lambda_min"][0] > ci["lambda_max"][1])
        if isinstance(obj.get("lambda_max"), (int, float)) and \
                isinstance(obj.get("lambda_min"), (int, float)) and \
                obj["lambda_min"] > obj["lambda_max"] and apart:
            errs.append("%s: lambda_min %r > lambda_max %r" % (path, obj["lambda_min"],
                                                               obj["lambda_max"]))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            walk(v, "%s[%d]" % (path, i), errs)
    elif isinstance(obj, float) and not math.isfinite(obj):
        errs.append("%s is not finite" % path)


def need(j, keys, errs):
    for k in keys:
        if k not in j:
            errs.append("key %s missing" % k)


def check_json(cmd, j, errs):
    walk(j, cmd, errs)
    if cmd == "spectrum":
        need(j, ["N", "n_le", "lambda", "lambda_max", "lambda_min", "entropy_H", "n_positive"],
             errs)
        lam = j.get("lambda") or []
        if j.get("n_le") != len(lam) or not 1 <= len(lam) <= j.get("N", 0):
            errs.append("n_le %r, %d exponents, N %r" % (j.get("n_le"), len(lam), j.get("N")))
        if lam and all(isinstance(x, (int, float)) for x in lam):
            pos = [x for x in lam if x > 0]
            if j.get("n_positive") != len(pos):
                errs.append("n_positive %r but %d positive exponents" % (j.get("n_positive"),
                                                                         len(pos)))
            h = j.get("entropy_H")
            if isinstance(h, (int, float)) and abs(h - sum(pos)) > 1e-9 * (1 + abs(h)):
                errs.append("entropy_H %r != sum of positive exponents %r" % (h, sum(pos)))
            if j.get("lambda_max") != lam[0] or j.get("lambda_min") != lam[-1]:
                errs.append("lambda_max/min are not the first/last exponent")
        t = j.get("t_sim")
        if not isinstance(t, (int, float)) or t <= 0:
            errs.append("t_sim %r: no time accumulated (zero steps)" % (t,))
        d = j.get("dim_ky")
        if isinstance(d, (int, float)) and not 0 <= d <= len(lam):
            errs.append("dim_ky %r outside [0, n_le]" % d)
    elif cmd == "gcrit":
        need(j, ["status", "g_crit", "probes"], errs)
        st = j.get("status")
        if st not in ("decided", "undecided", "no-crossing", "multiple-crossings"):
            errs.append("status %r" % st)
        gc = j.get("g_crit")
        if (gc is None) == (st == "decided"):
            errs.append("g_crit %r with status %r" % (gc, st))
        if gc is not None and isinstance(j.get("g_range"), list):
            lo, hi = j["g_range"]
            if not lo <= gc <= hi:
                errs.append("g_crit %r outside g_range %r" % (gc, j["g_range"]))
    elif cmd == "coherence":
        need(j, ["coherence", "f"], errs)
        for c in j.get("coherence") or []:
            if not isinstance(c, (int, float)) or not -1e-12 <= c <= 1 + 1e-12:
                errs.append("coherence value %r outside [0, 1]" % (c,))
                break
    elif cmd == "eigs":
        need(j, ["eigenvalues", "n_spectra"], errs)
    elif cmd == "fixedpoints":
        need(j, ["n_found", "points"], errs)
        pts = j.get("points") or []
        if j.get("n_found") != len(pts):
            errs.append("n_found %r but %d points" % (j.get("n_found"), len(pts)))
        for p in pts:
            if p.get("q", 0) < 0 or p.get("phi2", 0) < 0:
                errs.append("negative q or phi2 %r" % p)
    elif cmd == "dmft":
        need(j, ["lambda_max", "delta0"], errs)
        if isinstance(j.get("delta0"), (int, float)) and j["delta0"] < 0:
            errs.append("delta0 %r < 0" % j["delta0"])


def check_archive(path, errs):
    import h5py
    import numpy as np
    try:
        f = h5py.File(path, "r")
    except Exception as e:  # noqa: BLE001 - any failure to open is the finding
        errs.append("exit 0 but the archive cannot be opened: %s" % e)
        return
    with f:
        # every kind the program knows (its position is the kind code), the models' spectra too
        names = f.attrs.get("kinds", "spectrum,gcrit,coherence,eigs,fixedpoints")
        if isinstance(names, bytes):
            names = names.decode()
        kinds = [k for k in names.split(",") if k in f]
        total = 0
        for k in kinds:
            st = f[k]["status"][:]
            total += len(st)
            if not np.isin(st, (1, 2)).all():
                errs.append("exit 0 but /%s/status = %s" % (k, st.tolist()))
            done = st == 1
            if (k == "spectrum" or k.startswith("spectrum_")) and done.any():
                lmax = f[k]["lambda_max"][:][done]
                lmin = f[k]["lambda_min"][:][done]
                if not (np.isfinite(lmax).all() and np.isfinite(lmin).all()):
                    errs.append("done spectrum rows with non-finite lambda_max/min")
                elif (lmin > lmax).any():
                    errs.append("done spectrum rows with lambda_min > lambda_max")
                if (f[k]["n_positive"][:][done] < 0).any():
                    errs.append("done spectrum rows with n_positive < 0")
        if total != int(f.attrs.get("n_tasks", total)):
            errs.append("n_tasks %r but %d rows" % (f.attrs.get("n_tasks"), total))


def check_case(d):
    argv = json.load(open(os.path.join(d, "desc")))
    rc = int(open(os.path.join(d, "rc")).read().strip() or -1)
    out = open(os.path.join(d, "out"), "rb").read().decode("utf-8", "replace")
    err = open(os.path.join(d, "err"), "rb").read().decode("utf-8", "replace")
    errs = []
    if rc in (124, 137):
        errs.append("hang: killed by the timeout")
    elif rc >= 128 or rc < 0:
        errs.append("crash: exit %d" % rc)
    elif rc not in (0, 1, 2, 3):
        errs.append("unexpected exit %d" % rc)
    for marker in ("Sanitizer", "buffer overflow", "Segmentation", "core dumped", "Abort",
                   "runtime error:"):
        if marker in err:
            errs.append("stderr mentions %r" % marker)
    if rc != 0 and os.path.exists(os.path.join(d, "baseline")):
        errs.append("an unmutated baseline input exits %d" % rc)
    if rc in (1, 2) and not err.strip():
        errs.append("exit %d without a message" % rc)
    if rc == 2 and "error" not in err:
        errs.append("exit 2 but stderr names no error")
    if rc == 0:
        cmd = argv[0]
        if cmd == "run":
            if "--dry-run" in argv:
                if re.search(r"(^|\s)-\d", out.split("\n", 1)[-1]):
                    errs.append("dry-run table with a negative number")
            else:
                check_archive(os.path.join(d, "out.h5"), errs)
        elif "--json" in argv:
            try:
                check_json(cmd, strict_json(out), errs)
            except ValueError as e:
                errs.append("stdout is not strict JSON: %s" % e)
    return argv, rc, errs, err


def check(outdir):
    n_fail = 0
    counts = {}
    for d in sorted(glob.glob(os.path.join(outdir, "[0-9]*"))):
        argv, rc, errs, err = check_case(d)
        counts[rc] = counts.get(rc, 0) + 1
        if errs:
            n_fail += 1
            print("FAIL case %s: %s" % (os.path.basename(d), json.dumps(argv)))
            job = os.path.join(d, "job.ini")
            if os.path.exists(job):
                print("  job.ini: %r" % open(job, encoding="latin-1").read())
            for e in errs:
                print("  " + e)
            print("  stderr: %r" % err[-300:])
    print("fuzz: exit codes %s; %d failing case(s)" %
          (", ".join("%d: %d" % kv for kv in sorted(counts.items())), n_fail))
    return 1 if n_fail else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(check(sys.argv[2]))
