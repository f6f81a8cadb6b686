#!/usr/bin/env bash
# Make sure a headless Chromium is on this host, for the test that renders report.html.
# Idempotent: does nothing when `chromium` is on PATH. On Debian as root it installs
# Debian's `chromium` package; elsewhere it says what to do and exits 1.
set -euo pipefail

log() { printf 'setup-chromium: %s\n' "$*" >&2; }

for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then
    log "$name present: $("$name" --version 2>/dev/null || echo 'version unknown')"
    exit 0
  fi
done

if [ "$(id -u)" != "0" ] || [ ! -f /etc/debian_version ]; then
  log "no chromium on PATH. Install Debian's 'chromium' package (sudo apt-get install -y chromium) and run this again."
  exit 1
fi

log "installing chromium from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
log "installed: $(chromium --version 2>/dev/null || echo 'version unknown')"
