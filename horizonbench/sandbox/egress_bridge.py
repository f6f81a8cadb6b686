"""The bridge inside a container: ``127.0.0.1:PORT`` to the egress proxy's unix socket.

The static ``hb-bridge`` the harness mounts beside the socket (built on the host,
:mod:`horizonbench.sandbox.native`), which runs in any image; where the host could not build
it, socat where the image has it, else a small relay run by the image's python3. With none of
them the proxy cannot be used, and the phase is an infrastructure error saying so.
"""

from __future__ import annotations

import random
from pathlib import Path

from horizonbench.errors import SandboxError
from horizonbench.sandbox.egress import BRIDGE_NAME, CA_NAME, CONTAINER_DIR, PORT, SOCKET_NAME, proxy_env
from horizonbench.sandbox.sandbox import Sandbox

# Used where an image has no socat: a threaded TCP-to-unix-socket relay on the standard library.
_PY_BRIDGE = """\
import socket, sys, threading
sock, port = sys.argv[1], int(sys.argv[2])
def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass
def serve(client):
    upstream = socket.socket(socket.AF_UNIX)
    try:
        upstream.connect(sock)
    except OSError:
        client.close()
        return
    back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    back.start()
    pipe(client, upstream)
    back.join()
    client.close()
    upstream.close()
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(64)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""
BRIDGE_SCRIPT = "/tmp/.hb-egress-bridge.py"


# The listening TCP socket on the port must be one of the bridge's own descriptors: in a
# network namespace shared with what the agent left running (same-mode grading), a process of
# the agent's could listen there first and pose as the proxy. Bash only, no awk or ss.
_OWNED = (
    "hex=$(printf '%04X' {port}); owned=; "
    "while read -r _ local _ st _ _ _ _ _ ino _; do "
    '[ "$st" = 0A ] && [ "${{local##*:}}" = "$hex" ] && [ -e /proc/$pid ] && '
    'for fd in /proc/$pid/fd/*; do [ "$(readlink "$fd")" = "socket:[$ino]" ] && owned=1; done; '
    "done < <(tail -n +2 /proc/net/tcp; tail -n +2 /proc/net/tcp6 2>/dev/null); "
    '[ -n "$owned" ] || {{ echo "port {port} is held by another process" >&2; exit 4; }}; '
)
HELD = 4
"""Exit status of :func:`bridge_command` when another process holds the port."""


def bridge_command(port: int = PORT, verify: bool = False) -> str:
    """Shell that starts the in-container bridge (the static one where it is mounted, else socat
    where the image has it, else python3)
    in the background, prints which one, and waits until the port answers. With ``verify``
    the port must also be the bridge's own (exit :data:`HELD` when another process has it)."""
    sock = f"{CONTAINER_DIR}/{SOCKET_NAME}"
    check = _OWNED.format(port=port) if verify else ""
    static = f"{CONTAINER_DIR}/{BRIDGE_NAME}"
    return (
        f"if [ -x {static} ]; then "
        f"setsid {static} {sock} {port} >/dev/null 2>&1 </dev/null & pid=$!; echo hb-bridge; "
        "elif command -v socat >/dev/null 2>&1; then "
        f"setsid socat TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:{sock} "
        ">/dev/null 2>&1 </dev/null & pid=$!; echo socat; "
        "elif command -v python3 >/dev/null 2>&1; then "
        f"cat > {BRIDGE_SCRIPT} <<'HB_BRIDGE'\n{_PY_BRIDGE}HB_BRIDGE\n"
        f"setsid python3 {BRIDGE_SCRIPT} {sock} {port} >/dev/null 2>&1 </dev/null & pid=$!; echo python3; "
        "else echo 'the image has neither socat nor python3 for the egress bridge, and the host could not build "
        "the static one (install gcc and libc6-dev)' >&2; exit 3; fi; "
        f"for i in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && {{ {check}exit 0; }}; "
        "sleep 0.05; done; "
        "echo 'the egress bridge did not come up' >&2; exit 1"
    )


def start_bridge(sb: Sandbox, port: int = PORT, verify: bool = False) -> str:
    """Start the bridge in ``sb``; returns which one runs (``hb-bridge``, ``socat`` or ``python3``).

    Raises:
        SandboxError: the bridge could not start (no socat or python3 in the image), or, with
            ``verify``, another process holds the port.
    """
    res = sb.exec(bridge_command(port, verify), timeout=30)
    if res.exit_code != 0:
        raise SandboxError(f"egress bridge failed in the sandbox: {res.output.strip()[-300:]}")
    return res.output.strip().splitlines()[0] if res.output.strip() else "socat"


def serving(sb: Sandbox) -> Path | None:
    """The host socket of the proxy serving ``sb`` right now, if one is."""
    host = sb.mounts.get(CONTAINER_DIR)
    sock = Path(host) / SOCKET_NAME if host else None
    return sock if sock is not None and sock.exists() else None


def grading_env(sb: Sandbox, port: int | None = None) -> dict[str, str]:
    """For the verifier's command: where a proxy serves ``sb`` (the verifier phase has network),
    start the bridge and return the proxy environment; else nothing. The bridge takes a port
    of its own, shown to be its own (the grading container may share the network namespace
    of what the agent left running): ``port``, or a random one, with a few tries.

    Raises:
        SandboxError: the bridge could not start, or every port tried was held.
    """
    sock = serving(sb)
    if sock is None:
        return {}
    ports = [port] if port is not None else [random.randrange(20000, 60000) for _ in range(4)]
    for p in ports:
        try:
            start_bridge(sb, p, verify=True)
        except SandboxError as exc:
            if "is held by another process" not in str(exc) or p == ports[-1]:
                raise
            continue
        return proxy_env(p, ca=(sock.parent / CA_NAME).is_file())
    raise AssertionError("unreachable")
