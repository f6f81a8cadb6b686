"""The egress proxy against real servers on 127.0.0.1 that play the outside world.

The client speaks to the proxy's unix socket directly (the bridge inside a container only
relays bytes); names such as ``outside.test`` reach 127.0.0.1 through the resolve map.
"""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.models.network import PhaseNetwork
from horizonbench.sandbox import egress
from horizonbench.sandbox.egress import EgressProxy, parse_resolve, proxy_env

BODY = b"#!/bin/sh\necho checker ran\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        self.send_response(200 if self.path.startswith("/checker") else 404)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for outside.test."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=outside.test",
         "-addext", "subjectAltName=DNS:outside.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert
    server.shutdown()
    server.server_close()


def _proxy(tmp_path: Path, policy: PhaseNetwork, port: int, phase: str = "verifier") -> EgressProxy:
    resolve = parse_resolve(f"outside.test=127.0.0.1:{port},other.test=127.0.0.1:{port}")
    return EgressProxy(policy, phase, tmp_path / "egress.sock", tmp_path / "network.jsonl", resolve=resolve)


def _ask(sock_path: Path, request: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(sock_path))
        s.sendall(request)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def _log(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "network.jsonl").read_text().splitlines()]


PUBLIC = PhaseNetwork(mode="public")


def test_plain_http_is_forwarded_and_logged_without_secrets(tmp_path: Path, web: http.server.HTTPServer) -> None:
    with _proxy(tmp_path, PUBLIC, web.server_address[1]) as proxy:
        # A keep-alive client: the proxy must end the exchange when the server closes.
        reply = _ask(
            proxy.socket_path,
            b"GET http://user:pw@outside.test/checker.sh?token=s3cret HTTP/1.1\r\nHost: outside.test\r\n"
            b"Authorization: Bearer s3cret\r\nProxy-Authorization: Basic s3cret\r\nConnection: keep-alive\r\n\r\n",
        )
    assert reply.startswith(b"HTTP/1.0 200") and reply.endswith(BODY)
    seen = _Handler.seen[0]
    assert seen["path"] == "/checker.sh?token=s3cret"  # origin-form upstream
    assert "proxy-authorization" not in seen and seen["connection"] == "close"
    [entry] = _log(tmp_path)
    assert entry["method"] == "GET" and entry["host"] == "outside.test" and entry["port"] == 80
    assert entry["allowed"] is True and entry["status"] == 200 and entry["phase"] == "verifier"
    assert entry["bytes_down"] == len(reply) and int(entry["bytes_up"]) > 0  # type: ignore[call-overload]
    text = (tmp_path / "network.jsonl").read_text()
    assert "s3cret" not in text and "checker.sh" not in text and "user" not in text
    assert proxy.usage.connections == 1 and proxy.usage.refused == 0


def test_connect_tunnels_tls_end_to_end(tmp_path: Path, tls: tuple[int, Path]) -> None:
    port, cert = tls
    with _proxy(tmp_path, PUBLIC, port) as proxy, socket.socket(socket.AF_UNIX) as raw:
        raw.settimeout(10)
        raw.connect(str(proxy.socket_path))
        raw.sendall(b"CONNECT outside.test:443 HTTP/1.1\r\nHost: outside.test:443\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        context = ssl.create_default_context(cafile=str(cert))
        with context.wrap_socket(raw, server_hostname="outside.test") as s:
            s.sendall(b"GET /checker.sh HTTP/1.1\r\nHost: outside.test\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
    assert reply.startswith(b"HTTP/1.0 200") and reply.endswith(BODY)
    [entry] = _log(tmp_path)
    assert (entry["method"], entry["host"], entry["port"], entry["allowed"]) == ("CONNECT", "outside.test", 443, True)
    assert int(entry["bytes_down"]) > len(BODY)  # type: ignore[call-overload]


def test_allowlist_refuses_other_hosts_with_403_and_logs_it(tmp_path: Path, web: http.server.HTTPServer) -> None:
    policy = PhaseNetwork(mode="allowlist", allowed_hosts=("outside.test",))
    with _proxy(tmp_path, policy, web.server_address[1], phase="agent") as proxy:
        ok = _ask(proxy.socket_path, b"GET http://outside.test/checker.sh HTTP/1.1\r\nHost: outside.test\r\n\r\n")
        refused = _ask(proxy.socket_path, b"GET http://other.test/checker.sh HTTP/1.1\r\nHost: other.test\r\n\r\n")
        tunnel = _ask(proxy.socket_path, b"CONNECT other.test:443 HTTP/1.1\r\n\r\n")
    assert ok.startswith(b"HTTP/1.0 200")
    assert refused.startswith(b"HTTP/1.1 403") and b"other.test is not allowed in the agent phase" in refused
    assert tunnel.startswith(b"HTTP/1.1 403")
    assert len(_Handler.seen) == 1  # nothing refused reached the server
    entries = _log(tmp_path)
    assert [(e["host"], e["allowed"]) for e in entries] == [
        ("outside.test", True), ("other.test", False), ("other.test", False)
    ]  # fmt: skip
    assert all(e["phase"] == "agent" for e in entries) and entries[1]["status"] == 403
    assert "allowlist (outside.test)" in str(entries[1]["reason"])
    assert proxy.usage.refused == 2 and proxy.usage.connections == 3


def test_local_addresses_are_refused_unless_mapped(tmp_path: Path, web: http.server.HTTPServer) -> None:
    port = web.server_address[1]
    with _proxy(tmp_path, PUBLIC, port) as proxy:
        direct = _ask(proxy.socket_path, f"GET http://127.0.0.1:{port}/checker HTTP/1.1\r\n\r\n".encode())
        named = _ask(proxy.socket_path, f"CONNECT localhost:{port} HTTP/1.1\r\n\r\n".encode())
        origin = _ask(proxy.socket_path, b"GET /checker HTTP/1.1\r\nHost: x\r\n\r\n")
    assert direct.startswith(b"HTTP/1.1 403") and b"local address" in direct
    assert named.startswith(b"HTTP/1.1 403")
    assert origin.startswith(b"HTTP/1.1 400")
    assert not _Handler.seen


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1", True), ("10.1.2.3", True), ("172.20.0.5", True), ("192.168.1.1", True),
        ("100.64.0.1", True), ("169.254.169.254", True), ("0.0.0.0", True), ("::1", True),
        ("::ffff:10.0.0.1", True), ("fd00::1", True), ("fe80::1", True), ("224.0.0.1", True),
        ("203.0.113.80", False), ("198.18.0.1", False), ("151.101.0.223", False), ("2a04:4e42::223", False),
    ],
)  # fmt: skip
def test_only_this_host_its_lan_and_link_count_as_local(address: str, local: bool) -> None:
    # Gateways of some labs answer for the outside world from documentation or benchmarking
    # ranges, which Python's is_private counts as private: those must stay reachable.
    assert egress._local(address) is local


def test_stop_removes_the_socket_and_ends_open_tunnels(tmp_path: Path, web: http.server.HTTPServer) -> None:
    proxy = _proxy(tmp_path, PUBLIC, web.server_address[1]).start()
    raw = socket.socket(socket.AF_UNIX)
    raw.settimeout(10)
    raw.connect(str(proxy.socket_path))
    raw.sendall(b"CONNECT outside.test:80 HTTP/1.1\r\n\r\n")
    assert raw.recv(4096).startswith(b"HTTP/1.1 200")
    proxy.stop()
    assert raw.recv(4096) == b""  # the tunnel was closed with the phase
    raw.close()
    assert not proxy.socket_path.exists()
    [entry] = _log(tmp_path)
    assert entry["reason"] == "the phase ended"


def test_resolve_map_and_env() -> None:
    assert parse_resolve("a.test=127.0.0.1, b.test:80=127.0.0.1:8080") == {
        ("a.test", None): ("127.0.0.1", None),
        ("b.test", 80): ("127.0.0.1", 8080),
    }
    with pytest.raises(ValueError, match="HORIZONBENCH_EGRESS_RESOLVE"):
        parse_resolve("nonsense")
    env = proxy_env(3128)
    assert env["HTTPS_PROXY"] == env["http_proxy"] == "http://127.0.0.1:3128" and "127.0.0.1" in env["NO_PROXY"]
    # The container's own services, on any of its local names, are reached without the proxy
    # (Terminal-Bench's tests ask a server the agent started on 0.0.0.0).
    for host in ("localhost", "127.0.0.1", "0.0.0.0", "::1"):
        assert urllib.request.proxy_bypass_environment(host, {"no": env["no_proxy"]}), host
    assert not urllib.request.proxy_bypass_environment("pypi.org", {"no": env["no_proxy"]})
