#!/usr/bin/env bash
# Runs `npm run bench -- gpu` on a machine without network from what scripts/pack-gpu-bench.sh packed
# into .gpu-bench/: unpacks Node (if the machine has none) and node_modules (if absent), then runs the
# bench, which unpacks .gpu-bench/debs/libvulkan1_*.deb itself when libvulkan.so.1 is missing.
# The summary is bench/out/gpu.json; with OUT set (a folder), it is copied there too.
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=.gpu-bench
if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] < 20)'; then
  mkdir -p /tmp/rls-node && tar -C /tmp/rls-node -xJf "$PACK/node.tar.xz"
  export PATH="/tmp/rls-node:$PATH"
fi
[ -d node_modules/webgpu ] || tar -xJf "$PACK/node_modules.tar.xz"
echo "[gpu bench] node $(node --version); $(nvidia-smi -L 2>/dev/null | head -1 || echo 'no nvidia-smi')"
# The test model: ../shared's when the machine has it, else the packed copy.
if [ -z "${RL_STUDIO_TEST_MODEL:-}" ] && [ ! -f ../shared/models/stories260K.gguf ] && [ -f "$PACK/stories260K.gguf" ]; then
  export RL_STUDIO_TEST_MODEL="$PWD/$PACK/stories260K.gguf"
fi
RL_STUDIO_VULKAN_DEBS="$PWD/$PACK/debs" node scripts/bench.mjs gpu
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then cp bench/out/gpu.json "$OUT/"; fi
