#!/usr/bin/env bash
# Installs what the end-to-end tests need, from the npm registry and Debian apt only:
#   Debian's chromium (driven by playwright-core), ripgrep (stands in for @vscode/ripgrep's GitHub
#   download), build deps for code-server's native modules, and code-server + playwright-core + vsce
#   into test/e2e/.tools/cs (git-ignored). Idempotent: skips what is already there.
# Usage (from the repository root, as root): bash test/e2e/install.sh
# Env: E2E_TOOLS (default test/e2e/.tools), CS_VERSION (default 4.100.3: the last whose engines say node 20)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=${E2E_TOOLS:-$HERE/.tools}
CS_VERSION=${CS_VERSION:-4.100.3}
CS_DIR="$TOOLS/cs"
t0=$(date +%s)

if [ -x "$CS_DIR/node_modules/.bin/code-server" ] && [ -x "$CS_DIR/node_modules/.bin/vsce" ] && command -v chromium >/dev/null; then
  echo "[e2e install] already installed in $CS_DIR"; exit 0
fi

# 1. OS packages.
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev libxkbfile-dev libsecret-1-dev >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends chromium ripgrep \
    build-essential python3 pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
fi
t1=$(date +%s); echo "[e2e install] apt: $((t1-t0)) s"

# 2. Seed @vscode/ripgrep's download cache with Debian's rg: its postinstall
#    (@vscode/ripgrep/lib/download.js) untars $(os.tmpdir())/vscode-ripgrep-cache-<version>/ripgrep-<tag>-<target>.tar.gz
#    when present instead of calling api.github.com. code-server 4.100.3 pins @vscode/ripgrep 1.15.11 (v13.0.0-10).
case "$(uname -m)" in
  x86_64) RG_TARGET=x86_64-unknown-linux-musl ;;
  aarch64) RG_TARGET=aarch64-unknown-linux-musl ;;
  *) echo "[e2e install] unsupported arch $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$CS_DIR"
export TMPDIR="$CS_DIR/.tmp"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RG_CACHE/stage"
cp "$(command -v rg)" "$RG_CACHE/stage/rg"
tar czf "$RG_CACHE/ripgrep-v13.0.0-10-$RG_TARGET.tar.gz" -C "$RG_CACHE/stage" rg
rm -rf "$RG_CACHE/stage"

# 3. npm: code-server's postinstall builds native modules with node-gyp.
cd "$CS_DIR"
[ -f package.json ] || echo '{"name":"rl-studio-e2e-tools","private":true}' > package.json
export npm_config_unsafe_perm=true                       # postinstall refuses to run as root otherwise
[ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr   # node-gyp must not fetch headers from nodejs.org
export npm_config_yes=true                               # node-pty's post-install runs `npx node-gyp`
npm install --no-save --no-audit --no-fund --loglevel=error \
  "code-server@$CS_VERSION" playwright-core@1.65.1 @vscode/vsce@3.9.2
t2=$(date +%s); echo "[e2e install] npm: $((t2-t1)) s"

# Read the whole output before printing its first line: `rg --version | head -1` lets head close the
# pipe while rg still writes, and rg's "broken pipe" exit fails the script under pipefail.
rg_version=$("$CS_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" --version)
echo "${rg_version%%$'\n'*}"
XDG_CONFIG_HOME="$TMPDIR/xdg" "$CS_DIR/node_modules/.bin/code-server" --version
rm -rf "$TMPDIR"
echo "[e2e install] total: $(( $(date +%s) - t0 )) s; node_modules: $(du -sh "$CS_DIR/node_modules" | cut -f1)"
