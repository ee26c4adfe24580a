#!/bin/bash
# Configure and build rnnchaos in ./build (Release). Idempotent.  Under CI (CI=true) compiler
# warnings are errors (RC_WERROR); elsewhere they are reported and the build goes on.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[ "${CI:-}" = true ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRC_WERROR=$werror > build.log 2>&1 || { cat build.log >&2; exit 1; }
cmake --build build -j"$(nproc)" >> build.log 2>&1 || { tail -50 build.log >&2; exit 1; }
