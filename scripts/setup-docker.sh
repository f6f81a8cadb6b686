#!/usr/bin/env bash
# Make sure a Docker engine answers on this host. Idempotent: does nothing when
# `docker info` already answers. On Debian as root it installs the engine from
# Debian's packages (plus debootstrap, used to build the base image offline) and
# starts it without a bridge network, so no container can get a routable address.
set -euo pipefail

log() { printf 'setup-docker: %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  log "engine already answers; nothing to do"
  exit 0
fi

if [ "$(id -u)" != "0" ] || [ ! -f /etc/debian_version ]; then
  log "no Docker engine answers. Start one (e.g. 'sudo systemctl start docker') and run this again."
  exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v zstd >/dev/null 2>&1 || need+=(zstd)  # Ubuntu releases since 21.10 compress their packages with zstd
# The static egress bridge is built on the host (horizonbench/sandbox/native.py).
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/aarch64-linux-gnu/libc.a ] || need+=(libc6-dev)
# Same-mode grading checks installed packages against the signed Debian archive (gpgv);
# the tests sign an archive of their own (gpg).
command -v gpgv >/dev/null 2>&1 || need+=(gpgv)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Debian's docker.io puts its own client in /usr/bin; a client already on PATH
# (e.g. /usr/local/bin/docker) talks to the same socket, so either works.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (no bridge, no iptables)"
  setsid dockerd --bridge=none --iptables=false --ip-masq=false \
    >/var/log/dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "engine answers: $(docker version --format '{{.Server.Version}}')"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/dockerd.log"
exit 1
