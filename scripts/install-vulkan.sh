#!/usr/bin/env bash
# Installs a software Vulkan device (Mesa's lavapipe) so the `webgpu` backend (Dawn, from the `webgpu`
# npm package) runs without a GPU: CI tests it on every run this way.
#   bookworm's own mesa-vulkan-drivers (Mesa 22.3) is too old for the Dawn that `webgpu` 0.6 ships
#   (its adapter request fails), so mesa-vulkan-drivers, libvulkan1 and vulkan-tools come from
#   bookworm-backports (Mesa 25.x). Debian apt only. Idempotent: skips what is already there.
# Usage (as root, from anywhere): bash scripts/install-vulkan.sh
# Check afterwards: vulkaninfo --summary (lists "llvmpipe" as a CPU device).
set -euo pipefail
t0=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
LOCK=(-o DPkg::Lock::Timeout=600)   # other installs may hold the dpkg lock on a shared machine

# Mesa's major version from the installed package, 0 if none.
mesa_major() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/;t;s/.*/0/'; }

if [ "$(mesa_major || echo 0)" -ge 25 ] 2>/dev/null && dpkg -s libvulkan1 vulkan-tools >/dev/null 2>&1; then
  echo "[vulkan install] already installed: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
else
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" != bookworm ]; then
    # Newer Debian/Ubuntu releases carry a recent enough Mesa in their main archive.
    apt-get "${LOCK[@]}" update -q
    apt-get "${LOCK[@]}" install -y -q --no-install-recommends mesa-vulkan-drivers libvulkan1 vulkan-tools
  else
    SRC=/etc/apt/sources.list.d/bookworm-backports.sources
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      cat > "$SRC" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
      echo "[vulkan install] added $SRC"
    fi
    apt-get "${LOCK[@]}" update -q
    apt-get "${LOCK[@]}" install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 vulkan-tools
  fi
  echo "[vulkan install] mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
fi

# The software device must be listed; vulkaninfo exits non-zero when the loader finds no driver.
summary=$(vulkaninfo --summary 2>/dev/null) || { echo "[vulkan install] vulkaninfo found no Vulkan device" >&2; exit 1; }
echo "$summary" | grep -E "deviceName|driverInfo|apiVersion" | sed 's/^/[vulkan install] /'
echo "[vulkan install] total: $(( $(date +%s) - t0 )) s"
