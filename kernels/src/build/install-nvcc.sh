#!/usr/bin/env bash
# Installs CUDA's compiler from PyPI into a virtual environment reused across builds and prints the
# path of its nvcc. The versions are the ones the kernels were built and spill-checked with; the
# runtime, NVVM, CRT and CCCL headers must match nvcc's release or nvcc fails on its own headers.
# Usage: install-nvcc.sh   (LORAFLEET_TOOLS picks the cache folder; default ~/.cache/lorafleet)
set -euo pipefail
release=13.0.88
venv="${LORAFLEET_TOOLS:-$HOME/.cache/lorafleet}/cuda-nvcc-$release"
nvcc="$venv/lib/python3*/site-packages/nvidia/cu13/bin/nvcc"
# shellcheck disable=SC2086 # the glob picks the venv's Python version
if ! ls $nvcc > /dev/null 2>&1; then
  python=$(command -v python3 || true)
  [[ -n $python ]] || { echo "[kernels] python3 not found: cannot install nvcc from PyPI" >&2; exit 1; }
  echo "[kernels] installing nvcc $release from PyPI into $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "nvidia-cuda-nvcc==$release" "nvidia-cuda-runtime==$release" "nvidia-nvvm==$release" \
    "nvidia-cuda-crt==$release" "nvidia-cuda-cccl==13.0.85" >&2
fi
# shellcheck disable=SC2086
ls $nvcc
