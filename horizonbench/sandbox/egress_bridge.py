"""The bridge inside a container: ``127.0.0.1:PORT`` to the egress proxy's unix socket.

socat where the image has it (the base image does); else a small relay run by the image's
python3 (Terminal-Bench images have one or the other). An image with neither cannot use the
proxy, and the phase is an infrastructure error saying so.
"""

from __future__ import annotations

from pathlib import Path

from horizonbench.errors import SandboxError
from horizonbench.sandbox.egress import CONTAINER_DIR, PORT, SOCKET_NAME, proxy_env
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


def bridge_command(port: int = PORT) -> str:
    """Shell that starts the in-container bridge (socat where the image has it, else python3)
    in the background, prints which one, and waits until the port answers."""
    sock = f"{CONTAINER_DIR}/{SOCKET_NAME}"
    return (
        "if command -v socat >/dev/null 2>&1; then "
        f"setsid socat TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:{sock} "
        ">/dev/null 2>&1 </dev/null & echo socat; "
        "elif command -v python3 >/dev/null 2>&1; then "
        f"cat > {BRIDGE_SCRIPT} <<'HB_BRIDGE'\n{_PY_BRIDGE}HB_BRIDGE\n"
        f"setsid python3 {BRIDGE_SCRIPT} {sock} {port} >/dev/null 2>&1 </dev/null & echo python3; "
        "else echo 'the image has neither socat nor python3 for the egress bridge' >&2; exit 3; fi; "
        f"for i in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && exit 0; sleep 0.05; done; "
        "echo 'the egress bridge did not come up' >&2; exit 1"
    )


def start_bridge(sb: Sandbox, port: int = PORT) -> str:
    """Start the bridge in ``sb``; returns which one runs (``socat`` or ``python3``).

    Raises:
        SandboxError: the bridge could not start (no socat or python3 in the image).
    """
    res = sb.exec(bridge_command(port), timeout=30)
    if res.exit_code != 0:
        raise SandboxError(f"egress bridge failed in the sandbox: {res.output.strip()[-300:]}")
    return res.output.strip().splitlines()[0] if res.output.strip() else "socat"


def serving(sb: Sandbox) -> Path | None:
    """The host socket of the proxy serving ``sb`` right now, if one is."""
    host = sb.mounts.get(CONTAINER_DIR)
    sock = Path(host) / SOCKET_NAME if host else None
    return sock if sock is not None and sock.exists() else None


def grading_env(sb: Sandbox, port: int = PORT) -> dict[str, str]:
    """For the verifier's command: where a proxy serves ``sb`` (the verifier phase has network),
    start the bridge and return the proxy environment; else nothing.

    Raises:
        SandboxError: the bridge could not start.
    """
    if serving(sb) is None:
        return {}
    start_bridge(sb, port)
    return proxy_env(port)
