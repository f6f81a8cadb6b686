"""Tasks that need network, through the egress proxy, with containers that keep none.

A server on 127.0.0.1 plays the outside world; ``HORIZONBENCH_EGRESS_RESOLVE`` sends the
proxy's connections for ``outside.test`` to it. The tasks are the Harbor-format fixtures in
tests/fixtures/harbor_suite (one whose verifier downloads its checker, as every
Terminal-Bench 2.0 task does, and one whose agent downloads its input).
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from tests.helpers import hb

pytestmark = pytest.mark.docker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SUITE = FIXTURES / "harbor_suite"
TASKS = ("verifier-downloads", "agent-downloads")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """http://outside.test/ served from tests/fixtures/outside_test on 127.0.0.1; yields the paths asked for."""
    asked: list[str] = []

    class Handler(_Quiet):
        def do_GET(self) -> None:
            asked.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(FIXTURES / "outside_test"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HORIZONBENCH_EGRESS_RESOLVE", f"outside.test:80=127.0.0.1:{server.server_address[1]}")
    yield asked
    server.shutdown()
    server.server_close()


def _copy(tmp_path: Path, names: tuple[str, ...] = TASKS) -> Path:
    suite = tmp_path / "suite"
    for name in names:
        shutil.copytree(SUITE / name, suite / name)
    return suite


def _run(suite: Path, results: Path, run_id: str, *extra: str) -> dict[str, TrialResult]:
    res = hb("run", suite, "--agent", "oracle", "--agent", "nop", "--run-id", run_id, "--results", results,
             "--no-progress", *extra)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    trials = results / run_id / "trials"
    return {p.name: TrialResult.model_validate_json((p / "result.json").read_text()) for p in trials.iterdir()}


def _log(trial: Path) -> list[dict[str, object]]:
    path = trial / "network.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_oracle_passes_and_nop_fails_through_the_proxy(tmp_path: Path, outside: list[str]) -> None:
    results = _run(_copy(tmp_path), tmp_path / "r", "net")
    trials = tmp_path / "r" / "net" / "trials"
    for task in TASKS:
        oracle, nop = results[f"{task}__oracle__0"], results[f"{task}__nop__0"]
        assert (oracle.status, oracle.reward) == ("passed", 1.0), (task, oracle.error, oracle.verdict)
        assert (nop.status, nop.reward) == ("failed", 0.0), (task, nop.error, nop.verdict)
        assert oracle.network is not None and oracle.network.connections == 1 and oracle.network.refused == 0
        assert "network_refused" not in oracle.flags
    # The verifier fetched its checker for both attempts; the agent fetched its input once (nop does nothing).
    assert sorted(outside) == ["/checker.sh", "/checker.sh", "/data.txt"]

    [fetch] = _log(trials / "verifier-downloads__oracle__0")
    assert (fetch["phase"], fetch["method"], fetch["host"], fetch["port"]) == ("verifier", "GET", "outside.test", 80)
    assert fetch["allowed"] is True and fetch["status"] == 200 and int(fetch["bytes_down"]) > 0  # type: ignore[call-overload]
    [get] = _log(trials / "agent-downloads__oracle__0")
    assert (get["phase"], get["host"], get["status"]) == ("agent", "outside.test", 200)
    assert _log(trials / "agent-downloads__nop__0") == []

    # The containers still had loopback only: the proxy came in through a socket, not a device.
    verifier_log = (trials / "verifier-downloads__oracle__0" / "verifier.log").read_text()
    assert "interfaces: lo \n" in verifier_log, verifier_log
    agent_log = (trials / "agent-downloads__oracle__0" / "agent.log").read_text()
    assert "interfaces: lo \n" in agent_log, agent_log


def test_network_off_makes_such_trials_errors_that_say_why(tmp_path: Path, outside: list[str]) -> None:
    results = _run(_copy(tmp_path), tmp_path / "r", "off", "--network", "off")
    for trial, result in results.items():
        assert result.status == "error" and result.error_kind == "network", trial
        assert result.error is not None and "--network on" in result.error
        assert result.image == ""  # refused before its image or any container
    verifier_only = results["verifier-downloads__oracle__0"].error or ""
    assert "needs network for its verifier (allowlist (outside.test))" in verifier_only
    agent_only = results["agent-downloads__nop__0"].error or ""
    assert "needs network for its agent (allowlist (outside.test))" in agent_only
    assert outside == []


def test_a_host_off_the_allowlist_is_refused_and_logged(tmp_path: Path, outside: list[str]) -> None:
    suite = _copy(tmp_path, ("agent-downloads",))
    toml = suite / "agent-downloads" / "task.toml"
    toml.write_text(toml.read_text().replace('allowed_hosts = ["outside.test"]', 'allowed_hosts = ["pypi.org"]'))
    results = _run(suite, tmp_path / "r", "deny")
    oracle = results["agent-downloads__oracle__0"]
    assert oracle.status == "failed"  # it could not fetch its input: the task's policy, not an infrastructure fault
    assert oracle.network is not None and oracle.network.refused == 1 and "network_refused" in oracle.flags
    [entry] = _log(tmp_path / "r" / "deny" / "trials" / "agent-downloads__oracle__0")
    assert (entry["host"], entry["allowed"], entry["status"]) == ("outside.test", False, 403)
    assert "not allowed in the agent phase (allowlist (pypi.org))" in str(entry["reason"])
    assert (
        "HTTP Error 403"
        in (tmp_path / "r" / "deny" / "trials" / "agent-downloads__oracle__0" / "agent.log").read_text()
    )
    assert outside == []


def test_a_fresh_grading_container_gets_the_verifier_proxy(tmp_path: Path, outside: list[str]) -> None:
    suite = _copy(tmp_path, ("verifier-downloads",))
    task = suite / "verifier-downloads"
    toml = task / "task.toml"
    toml.write_text(toml.read_text().replace("[verifier]\n", '[verifier]\nmode = "fresh"\n'))
    dockerfile = task / "environment" / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text()
        + "RUN git init -q && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m base\n"
    )
    results = _run(suite, tmp_path / "r", "fresh")
    oracle, nop = results["verifier-downloads__oracle__0"], results["verifier-downloads__nop__0"]
    assert oracle.verdict is not None and oracle.verdict.mode == "fresh"
    assert (oracle.status, nop.status) == ("passed", "failed"), (oracle.verdict, nop.verdict)
    assert outside == ["/checker.sh", "/checker.sh"]
    [entry] = _log(tmp_path / "r" / "fresh" / "trials" / "verifier-downloads__oracle__0")
    assert entry["phase"] == "verifier" and entry["allowed"] is True


def test_an_outside_that_does_not_answer_is_an_error_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terminal-Bench's test.sh downloads its test tools: where the host does not answer (an
    offline lab), the tests did not run as written, and neither the oracle nor nop is booked."""
    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("HORIZONBENCH_EGRESS_RESOLVE", f"outside.test:80=127.0.0.1:{closed}")
    results = _run(_copy(tmp_path, ("verifier-downloads",)), tmp_path / "r", "down")
    for agent in ("oracle", "nop"):
        result = results[f"verifier-downloads__{agent}__0"]
        assert (result.status, result.error_kind, result.verdict) == ("error", "network", None), result
        assert "could not reach outside.test through the egress proxy" in (result.error or "")
        assert result.network is not None and result.network.unreachable == 1
    [entry] = _log(tmp_path / "r" / "down" / "trials" / "verifier-downloads__oracle__0")
    assert (entry["phase"], entry["allowed"], entry["status"]) == ("verifier", True, 502)


def test_tls_through_the_proxy_trusts_the_hosts_ca_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a TLS-inspecting gateway the host trusts a CA the image does not know: the
    bundle HORIZONBENCH_EGRESS_CA names reaches the container beside the proxy's socket."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=outside.test",
         "-addext", "subjectAltName=DNS:outside.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(FIXTURES / "outside_test"))
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HORIZONBENCH_EGRESS_RESOLVE", f"outside.test:443=127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("HORIZONBENCH_EGRESS_CA", str(cert))
    suite = _copy(tmp_path, ("verifier-downloads",))
    test_sh = suite / "verifier-downloads" / "tests" / "test.sh"
    test_sh.write_text(test_sh.read_text().replace("http://outside.test/", "https://outside.test/"))
    try:
        results = _run(suite, tmp_path / "r", "tls")
    finally:
        server.shutdown()
        server.server_close()
    oracle, nop = results["verifier-downloads__oracle__0"], results["verifier-downloads__nop__0"]
    assert (oracle.status, oracle.reward) == ("passed", 1.0), (oracle.error, oracle.verdict)
    assert (nop.status, nop.reward) == ("failed", 0.0), (nop.error, nop.verdict)
    [entry] = _log(tmp_path / "r" / "tls" / "trials" / "verifier-downloads__oracle__0")
    assert (entry["method"], entry["port"], entry["status"]) == ("CONNECT", 443, 200)
