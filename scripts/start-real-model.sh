#!/usr/bin/env bash
# Start the cached llama-server with the cached model on 127.0.0.1, in the background, and wait
# until it answers /health. Prints the OpenAI-compatible base URL on stdout; the server's pid and
# log path go to stderr. Run scripts/setup-real-model.sh (make real-model) first.
#
#   PORT      port to listen on (default 8088)
#   CTX       context size, -c (default 8192)
#   LOG       where the server writes its log (default $CACHE/llama-server-$PORT.log)
#
# Stop it with: kill "$(cat "$CACHE/llama-server-$PORT.pid")"
set -euo pipefail

log() { printf 'start-real-model: %s\n' "$*" >&2; }

CACHE="${HORIZONBENCH_CACHE:-$HOME/.cache/horizonbench}"
VERSION="0.3.36-portable"
SERVER_BIN="$CACHE/llama-server/$VERSION/llama-server"
MODEL_FILE="$CACHE/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
PORT="${PORT:-8088}"
CTX="${CTX:-8192}"
LOG="${LOG:-$CACHE/llama-server-$PORT.log}"
PID_FILE="$CACHE/llama-server-$PORT.pid"
URL="http://127.0.0.1:$PORT"

if [ ! -x "$SERVER_BIN" ] || [ ! -f "$MODEL_FILE" ]; then
  log "no cached server or model under $CACHE; run 'make real-model' (scripts/setup-real-model.sh) first"
  exit 1
fi

if curl -fsS "$URL/health" >/dev/null 2>&1; then
  log "a server already answers on $URL"
  echo "$URL/v1"
  exit 0
fi

# Only loopback: nothing the tests start may listen on another address.
setsid "$SERVER_BIN" -m "$MODEL_FILE" --host 127.0.0.1 --port "$PORT" --jinja -c "$CTX" \
  >"$LOG" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PID_FILE"

for _ in $(seq 1 120); do
  if curl -fsS "$URL/health" >/dev/null 2>&1; then
    log "llama-server (pid $pid, log $LOG) answers on $URL"
    echo "$URL/v1"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    log "llama-server exited before answering; the end of its log:"
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
log "llama-server did not answer $URL/health within 60 s; see $LOG"
kill "$pid" 2>/dev/null || true
exit 1
