#!/usr/bin/env bash
# Packs what `npm run bench -- gpu` needs into .gpu-bench/ (git-ignored) for a machine that has an
# NVIDIA GPU but no network and no Node — such as the GPU machines a session may be lent — so that the
# bench runs there from a copy of this checkout: Node's own binary, node_modules without the LLM's
# native builds (node-llama-cpp's ~700 MB) and without the editor/test tools, and libvulkan1's .deb
# (apt-get download; the NVIDIA Vulkan driver itself comes with the NVIDIA driver), and the test model.
# Run here after `npm ci`: bash scripts/pack-gpu-bench.sh      (≈ 50 MB, xz)
# There, from the checkout's root:  bash scripts/gpu-bench-offline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.gpu-bench
rm -rf "$OUT" && mkdir -p "$OUT/debs"
[ -d node_modules/webgpu ] || { echo "run npm ci first" >&2; exit 1; }

# 1. Node: the binary running this script (Linux x64, as the GPU machines are).
NODE_BIN=$(command -v node)
tar -C "$(dirname "$NODE_BIN")" -cf - "$(basename "$NODE_BIN")" | xz -T0 -6 > "$OUT/node.tar.xz"

# 2. node_modules, less what the GPU bench never loads.
tar -cf - \
  --exclude='node_modules/@node-llama-cpp' --exclude='node_modules/node-llama-cpp' \
  --exclude='node_modules/playwright-core' --exclude='node_modules/chart.js' \
  --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' --exclude='node_modules/webgpu/dist/linux-arm64' \
  --exclude='node_modules/@reflink' --exclude='node_modules/.cache' \
  node_modules | xz -T0 -6 > "$OUT/node_modules.tar.xz"

# 3. The Vulkan loader (the GPU machines may lack it).
if command -v apt-get >/dev/null; then
  (cd "$OUT/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "[pack] apt-get download libvulkan1 failed; the bench will say libvulkan.so.1 is missing if the machine lacks it" >&2
fi
# 4. The test model, for the bench's llm-policy section (TWOSOME's transformer on the GPU).
MODEL="${RL_STUDIO_TEST_MODEL:-../shared/models/stories260K.gguf}"
if [ -f "$MODEL" ]; then cp "$MODEL" "$OUT/stories260K.gguf"; else echo "[pack] no test model at $MODEL; the llm-policy section will say so" >&2; fi
du -sh "$OUT"/* | sed 's/^/[pack] /'
echo "[pack] total $(du -sh "$OUT" | cut -f1); carry '$OUT' and run: bash scripts/gpu-bench-offline.sh"
