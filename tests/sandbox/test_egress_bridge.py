"""The bridge inside a real container: the static hb-bridge built on the host, which needs
nothing of the image; socat, python3 where the image has no socat, and a clear error where it
has neither; the container itself keeps no network device."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.errors import SandboxError
from horizonbench.models.network import PhaseNetwork
from horizonbench.sandbox import Sandbox
from horizonbench.sandbox.egress import BRIDGE_NAME, CONTAINER_DIR, SOCKET_NAME, EgressProxy, parse_resolve, proxy_env
from horizonbench.sandbox.egress_bridge import grading_env, serving, start_bridge
from horizonbench.sandbox.native import bridge_binary
from tests.conftest import LIMITS, WORKDIR

pytestmark = pytest.mark.docker

FETCH = (
    "python3 -c 'import urllib.request; "
    'print(urllib.request.urlopen("http://outside.test/x", timeout=20).read().decode())\''
)


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from outside"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def served(base_image: str, tmp_path: Path) -> Iterator[tuple[Sandbox, EgressProxy]]:
    """A sandbox with the proxy's directory mounted and a proxy serving it, to a server on 127.0.0.1."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    host = Path(tempfile.mkdtemp(prefix="hb-egress-test-"))
    host.chmod(0o755)
    resolve = parse_resolve(f"outside.test=127.0.0.1:{web.server_address[1]}")
    proxy = EgressProxy(
        PhaseNetwork(mode="public"), "agent", host / SOCKET_NAME, tmp_path / "network.jsonl", resolve=resolve
    ).start()
    sb = Sandbox.start(base_image, limits=LIMITS, workdir=WORKDIR, env=proxy_env(), mounts={str(host): CONTAINER_DIR})
    try:
        yield sb, proxy
    finally:
        sb.close()
        proxy.stop()
        web.shutdown()
        web.server_close()


def test_socat_bridge_carries_http_and_the_container_has_only_loopback(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, proxy = served
    t0 = time.monotonic()
    assert start_bridge(sb) == "socat"
    started = time.monotonic() - t0
    res = sb.exec(FETCH, timeout=60)
    assert res.exit_code == 0 and "hello from outside" in res.output, res.output
    assert sb.exec("ls /sys/class/net", timeout=30).output.split() == ["lo"]
    assert proxy.usage.connections == 1 and proxy.usage.bytes_down > 0
    assert started < 10  # a start, not a wait on a timeout


def test_python_bridge_where_the_image_has_no_socat(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, proxy = served
    assert sb.exec("rm -f $(command -v socat)", timeout=30).exit_code == 0
    assert start_bridge(sb) == "python3"
    res = sb.exec(FETCH, timeout=60)
    assert res.exit_code == 0 and "hello from outside" in res.output, res.output
    assert proxy.usage.connections == 1


# An HTTP request through the proxy with nothing but bash: for images with no python3 or curl.
BASH_FETCH = (
    "exec 3<>/dev/tcp/127.0.0.1/3128 && "
    "printf 'GET http://outside.test/x HTTP/1.1\\r\\nHost: outside.test\\r\\nConnection: close\\r\\n\\r\\n' >&3 "
    "&& cat <&3"
)


def test_static_bridge_runs_in_an_image_with_neither_socat_nor_python(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, proxy = served
    binary = bridge_binary()
    assert binary is not None, "the host must build the static bridge (gcc and libc6-dev)"
    assert "statically linked" in subprocess.run(["file", str(binary)], capture_output=True, text=True).stdout
    host = Path(sb.mounts[CONTAINER_DIR])
    shutil.copyfile(binary, host / BRIDGE_NAME)
    (host / BRIDGE_NAME).chmod(0o755)
    sb.exec("rm -f $(command -v socat) $(command -v python3) /usr/bin/python3*", timeout=30)
    assert sb.exec("command -v socat || command -v python3", timeout=30).exit_code != 0
    assert start_bridge(sb) == "hb-bridge"
    for _ in range(3):  # one relay per connection, each closed cleanly
        res = sb.exec(BASH_FETCH, timeout=60)
        assert res.exit_code == 0 and " 200 OK" in res.output and "hello from outside" in res.output, res.output
    assert proxy.usage.connections == 3 and proxy.usage.bytes_down > 0
    assert sb.exec("ls /sys/class/net", timeout=30).output.split() == ["lo"]


def test_neither_socat_nor_python_is_an_infrastructure_error(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, _ = served
    sb.exec("rm -f $(command -v socat) $(command -v python3) /usr/bin/python3*", timeout=30)
    with pytest.raises(SandboxError, match="neither socat nor python3"):
        start_bridge(sb)


def test_grading_env_only_where_a_proxy_serves(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, proxy = served
    assert serving(sb) == proxy.socket_path
    url = grading_env(sb)["HTTP_PROXY"]
    port = int(url.rsplit(":", 1)[1])
    assert url.startswith("http://127.0.0.1:") and 20000 <= port < 60000  # a port of its own
    assert sb.exec(FETCH, env=proxy_env(port), timeout=60).output.strip() == "hello from outside"
    proxy.stop()
    assert serving(sb) is None and grading_env(sb) == {}


def test_a_port_held_by_another_process_is_never_taken_for_the_bridge(served: tuple[Sandbox, EgressProxy]) -> None:
    """In same-mode grading the agent's leftovers share the grader's network namespace: one
    listening on the bridge's port first would pose as the proxy (and serve forged downloads)."""
    sb, _ = served
    impostor = (
        'setsid python3 -c \'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 3130)); '
        "s.listen(); time.sleep(600)' >/dev/null 2>&1 </dev/null & "
        "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/3130) 2>/dev/null && exit 0; sleep 0.05; done; exit 1"
    )
    assert sb.exec(impostor, timeout=30).exit_code == 0
    with pytest.raises(SandboxError, match="port 3130 is held by another process"):
        start_bridge(sb, 3130, verify=True)
    assert start_bridge(sb, 3131, verify=True) == "socat"  # a free port passes the same check
