#!/usr/bin/env bash
# Installs the llama.cpp peer (node-llama-cpp 3.21.1 + its prebuilt linux-x64 CPU binaries) from
# the lockfile. --ignore-scripts: its postinstall would offer to build or download llama.cpp; the
# prebuilt package is all it needs (peer.mjs loads it with build "never", skipDownload).
# --omit=optional: skips the CUDA/Vulkan/other-platform binary packages (hundreds of MB).
set -euo pipefail
cd "$(dirname "$0")"
timeout 300 npm ci --omit=optional --ignore-scripts --no-audit --no-fund
test -f node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node
