#!/usr/bin/env bash
# Builds the Lorafleet kernels (run by Maven in generate-resources; usable by hand):
#   1. host build: the .cu sources compiled by g++ for the CPU through lf_host_compat.h, plus the
#      test-only kernels, into target/native/liblorafleet_host.so (loaded by the tests via FFM),
#      also packaged as the resource io/lorafleet/kernels/linux-x86_64/liblorafleet_host.so;
#   2. device build, when nvcc exists: a fatbin (SASS sm_80 + sm_90, PTX compute_90) packaged as
#      the resource io/lorafleet/kernels/lorafleet.fatbin, and the ptxas resource-usage report
#      target/ptxas-report.txt, which is printed. Spills in a decode kernel fail the build.
# Usage: build-kernels.sh <module dir> <target dir>
set -euo pipefail
module=$(cd "$1" && pwd)
target=$2
mkdir -p "$target/native" "$target/classes/io/lorafleet/kernels"
target=$(cd "$target" && pwd)
cuda="$module/src/main/cuda"
sources=("$cuda"/*.cu "$cuda"/*.cuh "$cuda"/*.h "$module/src/main/host"/*.cpp "$module/src/test/cuda"/*.cu "$0")

newer_than() { # true when some source is newer than $1 (or $1 is missing)
  [[ ! -e $1 ]] && return 0
  for s in "${sources[@]}"; do [[ $s -nt $1 ]] && return 0; done
  return 1
}

host_lib="$target/native/liblorafleet_host.so"
CXX=${CXX:-g++}
if ! command -v "$CXX" > /dev/null 2>&1; then
  echo "[kernels] ERROR: $CXX not found: the host build of the kernels (which the tests verify) needs a C++17 compiler; install g++ or set CXX."
  exit 1
fi
if newer_than "$host_lib"; then
  echo "[kernels] host build: $CXX -> $host_lib"
  "$CXX" -O2 -std=c++17 -fPIC -shared -Wall -Wno-unknown-pragmas -Wno-unused-parameter \
    -I"$cuda" -x c++ "$cuda/lorafleet.cu" "$module/src/test/cuda/host_test_kernels.cu" \
    -x none "$module/src/main/host/lf_host_runtime.cpp" -o "$host_lib.tmp"
  mv "$host_lib.tmp" "$host_lib"
else
  echo "[kernels] host build is up to date: $host_lib"
fi
# Packaged too, so `--backend host-device` runs from the jars (HostLibrary extracts it).
packaged_host_lib="$target/classes/io/lorafleet/kernels/linux-x86_64/liblorafleet_host.so"
mkdir -p "$(dirname "$packaged_host_lib")"
cp -p "$host_lib" "$packaged_host_lib"

fatbin="$target/classes/io/lorafleet/kernels/lorafleet.fatbin"
report="$target/ptxas-report.txt"
# NVCC=auto (the default): nvcc from PATH, else installed from PyPI (install-nvcc.sh). Under CI a
# missing compiler fails the build, so the fatbin and its spill check never silently drop out.
NVCC=${NVCC:-auto}
if [[ $NVCC == auto ]]; then
  NVCC=nvcc
  if ! command -v nvcc > /dev/null 2>&1; then
    NVCC=$(bash "$module/src/build/install-nvcc.sh") || NVCC=nvcc-install-failed
  fi
fi
if ! command -v "$NVCC" > /dev/null 2>&1 && [[ ${CI:-} == true ]]; then
  echo "[kernels] ERROR: nvcc ($NVCC) is not available under CI: the fatbin and its spill check must run there."
  exit 1
fi
if ! command -v "$NVCC" > /dev/null 2>&1; then
  rm -f "$fatbin"
  msg="nvcc not found (NVCC=$NVCC): the CUDA kernels were NOT built; no fatbin is packaged and the CUDA backend reports itself unavailable at run time. Install the CUDA toolkit (nvcc) to build them."
  echo "$msg" > "$report"
  echo "[kernels] WARNING: $msg"
  exit 0
fi

if newer_than "$fatbin" || [[ ! -e $report ]]; then
  echo "[kernels] device build: $NVCC -> $fatbin (sm_80, sm_90 SASS + compute_90 PTX)"
  log="$target/native/ptxas.log"
  "$NVCC" -fatbin -std=c++17 -O3 \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90,code=compute_90 \
    -Xptxas -v -I"$cuda" -o "$fatbin.tmp" "$cuda/lorafleet.cu" > "$log" 2>&1 || {
    cat "$log"
    exit 1
  }
  mv "$fatbin.tmp" "$fatbin"
  {
    echo "ptxas resource usage ($("$NVCC" --version | tail -1)); one line per kernel and architecture"
    awk '
      /Compiling entry function/ { name = $0; sub(/.*function ./, "", name); sub(/. for .*/, "", name);
                                   arch = $0; sub(/.* for ./, "", arch); sub(/.$/, "", arch) }
      /bytes stack frame/ { stack = $1; spst = $5; spld = $9 }
      /Used [0-9]+ registers/ {
        regs = $0; sub(/.*Used /, "", regs); sub(/ registers.*/, "", regs)
        smem = 0; if ($0 ~ /bytes smem/) { smem = $0; sub(/ bytes smem.*/, "", smem); sub(/.* /, "", smem) }
        printf "%-30s %-6s regs %3d  smem %6d B  stack %4d B  spill st %4d B  spill ld %4d B\n",
               name, arch, regs, smem, stack, spst, spld }
' "$log" | sort
  } > "$report"
else
  echo "[kernels] device build is up to date: $fatbin"
fi
cat "$report"

# Decode-path kernels must not spill (serving.md section 11; issue 9 acceptance).
decode='^(bgmv_shrink|bgmv_expand|sgmv_shrink|sgmv_expand|rmsnorm|rope|silu_mul|add|embedding|kv_append|paged_attention_decode|paged_attention_partial|paged_attention_reduce)_'
spilled=$(grep -E "$decode" "$report" | awk '$13 != 0 || $17 != 0' || true)
if [[ -n $spilled ]]; then
  echo "[kernels] ERROR: decode kernels spill registers:"
  echo "$spilled"
  exit 1
fi
echo "[kernels] no spills in the decode kernels"
