#!/bin/bash
# Installs everything rnnchaos needs on Debian 12 (as root; idempotent: installs only what is
# missing, so a second run costs a few seconds).
set -euo pipefail
packages=(build-essential cmake pkg-config git
          libopenmpi-dev openmpi-bin libscalapack-openmpi-dev libopenblas-dev
          libhdf5-openmpi-dev hdf5-tools librandom123-dev libinih-dev libfftw3-dev
          libjansson-dev libcmocka-dev libgsl-dev
          python3 python3-h5py python3-numpy python3-matplotlib
          slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "rnnchaos setup: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
        exit 1
    fi
    echo "rnnchaos setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
