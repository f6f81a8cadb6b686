"""The egress proxy: network for a trial phase that needs it, without giving a container a network.

Sandboxes keep ``network_mode="none"``. For a phase whose task asks for network
(:mod:`horizonbench.models.network`), the harness serves an HTTP(S) forward proxy on a unix
socket in a host directory bind-mounted at :data:`CONTAINER_DIR`; inside the container a
bridge listens on ``127.0.0.1:PORT`` and forwards to that socket, and the phase's commands get
``HTTP_PROXY``/``HTTPS_PROXY`` (and the lower-case spellings) pointing at it.

The proxy takes absolute-URI HTTP requests and ``CONNECT`` tunnels (HTTPS, end to end: it
never sees inside TLS), admits only hosts the phase's policy allows, answers the rest with
``403`` and a reason, and logs every connection as one JSON line: phase, method, host, port,
allowed, reason, status, bytes each way, seconds. Nothing of a request beyond its host and
port is logged (no path, no query string, no header), so no credential can land in a log.
Names that resolve to loopback, private (RFC 1918, shared), link-local or multicast
addresses are refused: a task's network is the outside world, never the harness's host. ``HORIZONBENCH_EGRESS_RESOLVE``
(``name[:port]=address[:port]``, comma-separated, like curl's ``--connect-to``) sends a name
to a chosen address; tests use it to play the outside world on 127.0.0.1.

Where the host reaches the outside through a TLS-inspecting gateway (a lab's or a company's),
TLS clients in the container need the host's trust store: the bundle that
``HORIZONBENCH_EGRESS_CA`` names, else the host's own ``SSL_CERT_FILE``, is copied beside the
socket and named by the usual variables (``SSL_CERT_FILE``, ``PIP_CERT``, ``CURL_CA_BUNDLE``,
...). It holds certificates only, no key.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from horizonbench.models.network import PhaseNetwork

log = logging.getLogger(__name__)

CONTAINER_DIR = "/run/hb-egress"
SOCKET_NAME = "egress.sock"
PORT = 3128
RESOLVE_ENV = "HORIZONBENCH_EGRESS_RESOLVE"
CA_ENV = "HORIZONBENCH_EGRESS_CA"
CA_NAME = "ca-bundle.crt"
BRIDGE_NAME = "hb-bridge"
"""The static bridge binary beside the socket (:mod:`horizonbench.sandbox.native`)."""
# Where TLS clients look for a CA bundle: OpenSSL, pip, requests, curl, git, node, uv.
_CA_VARS = (
    "SSL_CERT_FILE",
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "NODE_EXTRA_CA_CERTS",
)
CONNECT_TIMEOUT_S = 30.0
LOCAL_HOSTS = "localhost,127.0.0.1,::1,0.0.0.0"
"""Hosts a phase reaches without the proxy: its own container's."""
HEAD_LIMIT = 64 * 1024
_HOP_BY_HOP = {"proxy-connection", "proxy-authorization", "connection", "keep-alive", "te", "trailer", "upgrade"}


def proxy_env(port: int = PORT, ca: bool = False) -> dict[str, str]:
    """The environment that sends a phase's HTTP(S) clients through the proxy; with ``ca``,
    they also trust the host's CA bundle (copied beside the socket, see :func:`host_ca_bundle`)."""
    url = f"http://127.0.0.1:{port}"
    env = {"HTTP_PROXY": url, "HTTPS_PROXY": url, "http_proxy": url, "https_proxy": url}
    # The sandbox's own services (a server the agent was asked to start, often on 0.0.0.0)
    # are reached directly: through the proxy they would be refused, with an HTTP answer.
    env |= dict.fromkeys(("NO_PROXY", "no_proxy"), LOCAL_HOSTS)
    if ca:
        env |= dict.fromkeys(_CA_VARS, f"{CONTAINER_DIR}/{CA_NAME}")
        env["UV_NATIVE_TLS"] = "1"  # uv reads SSL_CERT_FILE only with native TLS
    return env


PROXY_VARS = frozenset(proxy_env(ca=True))
"""Every variable :func:`proxy_env` may set."""


def host_ca_bundle() -> Path | None:
    """The CA bundle containers behind the proxy trust: ``HORIZONBENCH_EGRESS_CA``, else the
    host's ``SSL_CERT_FILE``; None when neither names a file (the image's own store is used)."""
    for var in (CA_ENV, "SSL_CERT_FILE"):
        value = os.environ.get(var)
        if value and Path(value).is_file():
            return Path(value)
    return None


Target = tuple[str, int | None]


def parse_resolve(text: str | None) -> dict[Target, Target]:
    """``name[:port]=address[:port],...`` as a map; a side without a port keeps the request's.

    Raises:
        ValueError: an entry is not ``name=address`` (the message names it).
    """
    out: dict[Target, Target] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ValueError(f"{RESOLVE_ENV}: {item!r} is not name[:port]=address[:port]")
        out[_split(left.strip())] = _split(right.strip())
    return out


def _split(text: str) -> Target:
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit() and host:
        return host.lower(), int(port)
    return text.lower(), None


@dataclass
class Usage:
    """What a proxy carried, for the trial's result."""

    connections: int = 0
    refused: int = 0
    unreachable: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    hosts: set[str] = field(default_factory=set)
    unreachable_hosts: set[str] = field(default_factory=set)


class EgressProxy:
    """One phase's proxy, on ``socket_path``, logging to ``log_path`` (JSON lines, appended)."""

    def __init__(
        self,
        policy: PhaseNetwork,
        phase: str,
        socket_path: Path,
        log_path: Path,
        *,
        resolve: dict[Target, Target] | None = None,
    ) -> None:
        self.policy, self.phase = policy, phase
        self.socket_path, self.log_path = Path(socket_path), Path(log_path)
        self.resolve = parse_resolve(os.environ.get(RESOLVE_ENV)) if resolve is None else resolve
        self.usage = Usage()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> EgressProxy:
        """Listen on the socket (in a thread of its own, so that grading in worker threads and
        the trial's event loop both reach it).

        Raises:
            OSError: the socket cannot be made.
        """
        if self.socket_path.exists():
            self.socket_path.unlink()
        loop = asyncio.new_event_loop()
        ready: asyncio.Future[None] = loop.create_future()

        async def serve() -> None:
            try:
                self._server = await asyncio.start_unix_server(self._client, path=str(self.socket_path))
                self.socket_path.chmod(0o666)  # the container may run as another user
                ready.set_result(None)
            except OSError as exc:
                ready.set_exception(exc)

        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name=f"egress-{self.phase}", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
        asyncio.run_coroutine_threadsafe(asyncio.wait_for(asyncio.shield(ready), 10), loop).result(11)
        log.info("egress proxy for the %s phase: %s", self.phase, self.policy.describe())
        return self

    def stop(self) -> None:
        """Close the socket and every connection; the log stays."""
        loop, self._loop = self._loop, None
        if loop is None:
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    def __enter__(self) -> EgressProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one client connection ---------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        entry: dict[str, object] = {"phase": self.phase, "method": "", "host": "", "port": 0, "allowed": False}
        up = down = 0
        t0 = time.monotonic()
        try:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return  # a client that said nothing (or too much) is not a connection worth a line
            method, host, port, request = _parse(head)
            entry.update(method=method, host=host, port=port)
            if not host:
                await _answer(writer, 400, "the proxy takes absolute http:// URLs and CONNECT host:port")
                entry.update(reason="not a proxy request", status=400)
                return
            if not self.policy.allows(host):
                reason = f"{host} is not allowed in the {self.phase} phase ({self.policy.describe()})"
                await _answer(writer, 403, reason)
                entry.update(reason=reason, status=403)
                return
            try:
                upstream_r, upstream_w = await self._connect(host, port)
            except _Refused as exc:
                await _answer(writer, 403, str(exc))
                entry.update(reason=str(exc), status=403)
                return
            except (OSError, TimeoutError) as exc:
                reason = f"cannot reach {host}:{port}: {exc.strerror or exc}" if isinstance(exc, OSError) else ""
                await _answer(writer, 502, reason or f"cannot reach {host}:{port}: timed out")
                entry.update(allowed=True, reason=reason or "timed out", status=502)
                return
            entry["allowed"] = True
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                entry["status"] = 200
            else:
                upstream_w.write(request)
                up += len(request)
            status: list[int] = []
            sent, got = [up], [0]
            # The answer ends the exchange: a client that keeps its side open (keep-alive) must
            # not hold the connection once the server has closed.
            upload = asyncio.ensure_future(_pipe(reader, upstream_w, sent))
            try:
                await _pipe(upstream_r, writer, got, status if method != "CONNECT" else None)
            finally:
                # Counted before anything else is awaited: a phase ending now cancels that await.
                up, down = sent[0], got[0]
                if status:
                    entry["status"] = status[0]
                upload.cancel()
                with contextlib.suppress(Exception):
                    upstream_w.close()
                await asyncio.gather(upload, return_exceptions=True)
        except asyncio.CancelledError:
            entry["reason"] = entry.get("reason") or "the phase ended"
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            if entry["method"]:
                entry.update(bytes_up=up, bytes_down=down, seconds=round(time.monotonic() - t0, 3))
                self._record(entry)
            self._tasks.discard(task)

    async def _connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        mapped = self.resolve.get((host.lower(), port)) or self.resolve.get((host.lower(), None))
        if mapped is not None:
            address, to_port = mapped[0], mapped[1] or port
        else:
            loop = asyncio.get_running_loop()
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), CONNECT_TIMEOUT_S)
            address, to_port = str(infos[0][4][0]), port
            if _local(address):
                raise _Refused(f"{host} resolves to {address}, a local address: the host is not reachable")
        return await asyncio.wait_for(asyncio.open_connection(address, to_port), CONNECT_TIMEOUT_S)

    def _record(self, entry: dict[str, object]) -> None:
        line = json.dumps(entry, sort_keys=False) + "\n"
        with self._lock:
            u = self.usage
            u.connections += 1
            u.refused += 0 if entry["allowed"] else 1
            if entry["allowed"] and entry.get("status") == 502:  # allowed, but the outside did not answer
                u.unreachable += 1
                u.unreachable_hosts.add(str(entry["host"]))
            u.bytes_up += int(entry.get("bytes_up", 0))  # type: ignore[call-overload]
            u.bytes_down += int(entry.get("bytes_down", 0))  # type: ignore[call-overload]
            u.hosts.add(str(entry["host"]))
            try:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(line)
            except OSError as exc:  # the log is evidence, not the trial: say so and go on
                log.warning("cannot write %s: %s", self.log_path, exc)
        if not entry["allowed"]:
            log.info("egress refused (%s): %s", self.phase, entry.get("reason"))


class _Refused(Exception):
    pass


# Networks a task's traffic must never reach: this host, its LAN and link, the provider's
# shared address space. Not Python's ``is_private``, which also counts documentation and
# benchmarking ranges (203.0.113.0/24, 198.18.0.0/15), where gateways of some labs put the
# outside world.
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


def _local(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _LOCAL_NETWORKS)


def _parse(head: bytes) -> tuple[str, str, int, bytes]:
    """Method, host, port and the request to send upstream (origin-form, one request per
    connection) of a proxy request head; host is empty for what is not a proxy request."""
    text = head.decode("latin-1")
    first, _, rest = text.partition("\r\n")
    parts = first.split(" ")
    if len(parts) != 3:
        return "", "", 0, b""
    method, target, version = parts
    if method == "CONNECT":
        host, port = _split(target)
        return method, host if port else "", port or 0, b""
    if not target.lower().startswith("http://"):
        return method, "", 0, b""
    authority, slash, path = target[7:].partition("/")
    authority = authority.rpartition("@")[2]  # user:password@ never travels further
    host, port = _split(authority)
    lines = [f"{method} /{path if slash else ''} {version}"]
    for line in rest.split("\r\n"):
        name = line.partition(":")[0].strip().lower()
        if line and name not in _HOP_BY_HOP:
            lines.append(line)
    lines.append("Connection: close")
    return method, host, port or 80, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    words = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = f"horizonbench egress proxy: {reason}\n".encode()
    writer.write(
        f"HTTP/1.1 {status} {words}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n".encode()
        + body
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: list[int], status: list[int] | None = None
) -> None:
    """Copy until end of stream, adding the bytes copied to ``count[0]`` as they go. ``status``
    gets the HTTP status of the first response line, where one is asked for."""
    first = True
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            if status is not None and first and chunk.startswith(b"HTTP/"):
                with contextlib.suppress(ValueError, IndexError):
                    status.append(int(chunk.split(b" ", 2)[1]))
            first = False
            count[0] += len(chunk)
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
