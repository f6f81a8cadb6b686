#!/usr/bin/env bash
# A real container registry on 127.0.0.1 (Debian's docker-registry, distribution 2.8), for
# the "prebuilt image" paths: task images pulled from a registry, and what happens when
# it has no such image or is down. Idempotent.
#
#   scripts/setup-registry.sh install          install docker-registry if it is missing
#   scripts/setup-registry.sh start PORT DIR   ... and serve on 127.0.0.1:PORT, storage and
#                                              config in DIR (DIR/registry.pid); nothing to
#                                              do when that registry answers already
#   scripts/setup-registry.sh stop DIR         stop the registry started with DIR
#
# The engine pulls from and pushes to 127.0.0.0/8 registries over plain HTTP (it trusts
# loopback registries without TLS), so no certificate is needed.
set -euo pipefail

log() { printf 'setup-registry: %s\n' "$*" >&2; }

install() {
  if command -v docker-registry >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != "0" ] || [ ! -f /etc/debian_version ]; then
    log "docker-registry is not installed; on Debian: apt-get install docker-registry"
    exit 1
  fi
  log "installing docker-registry from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
  # The package starts a registry of its own on :5000 where an init system runs; ours
  # are started per use with their own config, so stop the packaged one if it came up.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
  fi
}

answers() {
  python3 -c "import sys, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/v2/', timeout=2)" \
    "$1" 2>/dev/null
}

start() {
  local port=$1 dir=$2
  install
  mkdir -p "$dir/storage"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/registry.pid" ] && kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null && answers "$port"; then
    log "registry already answers on 127.0.0.1:$port"
    return 0
  fi
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  for _ in $(seq 1 100); do
    if answers "$port"; then
      log "registry answers on 127.0.0.1:$port (pid $(cat "$dir/registry.pid"), storage $dir/storage)"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
      log "registry exited; see $dir/registry.log"
      exit 1
    fi
    sleep 0.1
  done
  log "registry did not answer on 127.0.0.1:$port within 10 s; see $dir/registry.log"
  exit 1
}

stop() {
  local dir=$1
  if [ -f "$dir/registry.pid" ]; then
    kill "$(cat "$dir/registry.pid")" 2>/dev/null || true
    rm -f "$dir/registry.pid"
  fi
}

case "${1:-}" in
  install) install ;;
  start) [ $# -eq 3 ] || { log "usage: $0 start PORT DIR"; exit 2; }; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || { log "usage: $0 stop DIR"; exit 2; }; stop "$2" ;;
  *) log "usage: $0 install | start PORT DIR | stop DIR"; exit 2 ;;
esac
