"""The bridge inside a real container: socat, python3 where the image has no socat, and a
clear error where it has neither; the container itself keeps no network device."""

from __future__ import annotations

import http.server
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.errors import SandboxError
from horizonbench.models.network import PhaseNetwork
from horizonbench.sandbox import Sandbox
from horizonbench.sandbox.egress import CONTAINER_DIR, SOCKET_NAME, EgressProxy, parse_resolve, proxy_env
from horizonbench.sandbox.egress_bridge import grading_env, serving, start_bridge
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


def test_neither_socat_nor_python_is_an_infrastructure_error(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, _ = served
    sb.exec("rm -f $(command -v socat) $(command -v python3) /usr/bin/python3*", timeout=30)
    with pytest.raises(SandboxError, match="neither socat nor python3"):
        start_bridge(sb)


def test_grading_env_only_where_a_proxy_serves(served: tuple[Sandbox, EgressProxy]) -> None:
    sb, proxy = served
    assert serving(sb) == proxy.socket_path
    assert grading_env(sb)["HTTP_PROXY"] == "http://127.0.0.1:3128"
    proxy.stop()
    assert serving(sb) is None and grading_env(sb) == {}
