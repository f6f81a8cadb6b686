"""Same-mode grading keeps what the agent installed from a real package archive, and
still refuses a forged copy of it.

A server on 127.0.0.1 plays two archives of the outside world: a signed apt repository
(``debs.test``) holding Debian's own ``python-is-python3`` package, fetched on this host
with ``apt-get download``, and a simple package index (``pypi.test``) holding PyPI's
``cmeel`` 0.62.0 wheel, whose ``cmeel.pth`` runs at every start-up. The repository is
signed with a key made for the test; the harness checks files against that key and index
(``HORIZONBENCH_APT_ARCHIVES``, ``HORIZONBENCH_PYPI_URL``), as it checks Debian's archive
against Debian's keyring by default.

- ``package-installs``: the agent installs both, through the egress proxy; the tests use
  the ``python`` the package added and need cmeel's hook. Oracle passes with both files
  listed as kept and no flag; nop fails. Where the harness cannot reach the archives, both
  are set aside as before and the result is flagged ``provenance_unchecked``.
- ``package-forged-interpreter``: the same installs, then ``/usr/bin/python`` is replaced
  by a program that answers the check. dpkg's list still names the path as the package's;
  its bytes are not the package's, so it is set aside and the attempt fails, flagged.
- ``package-forged-pth``: cmeel's ``.pth`` is left as the wheel has it, the module it runs
  answers the checker. The distribution no longer matches the wheel, so the ``.pth`` is
  set aside and the attempt fails, flagged.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from tests.helpers import hb

pytestmark = pytest.mark.docker

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "harbor_suite"
TASKS = ("package-installs", "package-forged-interpreter", "package-forged-pth")
DEB = "python-is-python3"
WHEEL = "cmeel==0.62.0"


def _run(cmd: list[str], **kwargs: object) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}: {done.stdout}{done.stderr}"
    return str(done.stdout)


def _apt_download(dest: Path) -> Path:
    """Debian's own package, by the host's apt (its lists updated once where they lack it)."""
    for attempt in range(2):
        done = subprocess.run(["apt-get", "download", DEB], cwd=dest, capture_output=True, text=True, timeout=300)
        if done.returncode == 0:
            break
        assert attempt == 0, done.stderr
        _run(["apt-get", "update", "-q"])
    [deb] = dest.glob(f"{DEB}_*.deb")
    return deb


def _signed_repository(root: Path) -> Path:
    """A one-package apt repository in ``root`` (suite ``stable``, component ``main``), its
    InRelease signed by a key made here; returns the keyring that checks it."""
    pool = root / "pool" / "main"
    pool.mkdir(parents=True)
    deb = _apt_download(pool)
    control = _run(["dpkg-deb", "-f", str(deb)]).strip()
    data = deb.read_bytes()
    stanza = (
        f"{control}\nFilename: pool/main/{deb.name}\nSize: {len(data)}\n"
        f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
    )
    binary = root / "dists" / "stable" / "main" / "binary-amd64"
    binary.mkdir(parents=True)
    (binary / "Packages").write_text(stanza)
    (binary / "Packages.gz").write_bytes(gzip.compress(stanza.encode()))
    sums = ""
    for name in ("Packages", "Packages.gz"):
        raw = (binary / name).read_bytes()
        sums += f" {hashlib.sha256(raw).hexdigest()} {len(raw)} main/binary-amd64/{name}\n"
    release = root / "dists" / "stable" / "Release"
    release.write_text(
        "Origin: horizonbench-test\nSuite: stable\nCodename: stable\nArchitectures: amd64 all\n"
        f"Components: main\nDate: Thu, 03 Dec 2026 00:00:00 UTC\nSHA256:\n{sums}"
    )
    home = root.parent / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    gpg = ["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    _run(
        [*gpg, "--quick-gen-key", "horizonbench test archive <archive@debs.test>", "ed25519", "sign", "never"], env=env
    )
    _run([*gpg, "--clearsign", "-o", str(release.with_name("InRelease")), str(release)], env=env)
    keyring = root.parent / "archive-keyring.gpg"
    keyring.write_bytes(subprocess.run([*gpg, "--export"], env=env, capture_output=True, check=True).stdout)
    return keyring


def _index(root: Path) -> None:
    """A PEP 503 simple index of PyPI's cmeel wheel, downloaded by the host's pip."""
    files = root / "files"
    files.mkdir(parents=True)
    _run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", "-d", str(files), WHEEL]
    )
    [wheel] = files.glob("cmeel-*.whl")
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    page = root / "simple" / "cmeel"
    page.mkdir(parents=True)
    link = f'<a href="../../files/{wheel.name}#sha256={sha}">{wheel.name}</a>'
    (page / "index.html").write_text(f"<!DOCTYPE html><html><body>{link}</body></html>\n")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def archives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """debs.test and pypi.test served on 127.0.0.1, for the sandbox (through the proxy) and
    for the harness's checks; yields the paths asked for."""
    root = tmp_path / "outside"
    keyring = _signed_repository(root)
    _index(root)
    asked: list[str] = []

    class Handler(_Quiet):
        def do_GET(self) -> None:
            asked.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    monkeypatch.setenv("HORIZONBENCH_EGRESS_RESOLVE", f"debs.test:80=127.0.0.1:{port},pypi.test:80=127.0.0.1:{port}")
    monkeypatch.setenv("HORIZONBENCH_APT_ARCHIVES", f"http://127.0.0.1:{port} stable {keyring}")
    monkeypatch.setenv("HORIZONBENCH_PYPI_URL", f"http://127.0.0.1:{port}/simple")
    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path / "cache"))  # the checks' downloads start empty
    yield asked
    server.shutdown()
    server.server_close()


def _results(tmp_path: Path, *extra: str) -> dict[str, TrialResult]:
    suite = tmp_path / "suite"
    for name in TASKS:
        shutil.copytree(SUITE / name, suite / name)
    results = tmp_path / "r"
    res = hb("run", suite, "--agent", "oracle", "--agent", "nop", "--run-id", "pkg", "--results", results,
             "--no-progress", "--network", "on", *extra, timeout=1200)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    trials = results / "pkg" / "trials"
    return {p.name: TrialResult.model_validate_json((p / "result.json").read_text()) for p in trials.iterdir()}


def test_genuine_installs_are_kept_and_forged_ones_are_not(tmp_path: Path, archives: list[str]) -> None:
    results = _results(tmp_path)

    good = results["package-installs__oracle__0"]
    assert (good.status, good.reward) == ("passed", 1.0), (good.error, good.verdict)
    assert good.verdict is not None and "tampered_system" not in good.flags, good.flags
    kept = "\n".join(good.verdict.kept)
    assert "/usr/bin/python: Debian package python-is-python3 " in kept, kept
    assert "cmeel.pth: cmeel 0.62.0 (cmeel-0.62.0-py3-none-any.whl from http://127.0.0.1:" in kept, kept
    assert "signature checked" in kept and "SHA256 checked" in kept
    assert good.verdict.review == []

    forged_python = results["package-forged-interpreter__oracle__0"]
    assert (forged_python.status, forged_python.reward) == ("failed", 0.0), forged_python.verdict
    assert "tampered_system" in forged_python.flags
    assert forged_python.verdict is not None
    assert "/usr/bin/python: added by the agent, set aside" in forged_python.verdict.review
    assert not any(line.startswith("/usr/bin/python:") for line in forged_python.verdict.kept)

    forged_pth = results["package-forged-pth__oracle__0"]
    assert (forged_pth.status, forged_pth.reward) == ("failed", 0.0), forged_pth.verdict
    assert "tampered_system" in forged_pth.flags
    assert forged_pth.verdict is not None
    assert any(line.endswith("cmeel.pth: added by the agent, set aside") for line in forged_pth.verdict.review)
    assert not any("cmeel.pth" in line for line in forged_pth.verdict.kept)

    for task in TASKS:
        nop = results[f"{task}__nop__0"]
        assert (nop.status, nop.reward) == ("failed", 0.0), (task, nop.error)

    # The sandboxes installed through the proxy; the harness checked against the same archive.
    assert any(p.endswith("/InRelease") for p in archives) and any(p.startswith("/files/cmeel-") for p in archives)


def test_an_archive_that_does_not_answer_keeps_nothing_and_says_so(
    tmp_path: Path, archives: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the harness cannot reach the archive or the index it checks against, the guard
    does what it always did (the package's python and .pth are set aside), never worse, and
    the result says the harness could not tell (flag ``provenance_unchecked``)."""
    monkeypatch.setenv("HORIZONBENCH_APT_ARCHIVES", "http://127.0.0.1:9 stable /usr/share/keyrings/none.gpg")
    monkeypatch.setenv("HORIZONBENCH_PYPI_URL", "http://127.0.0.1:9/simple")
    results = _results(tmp_path, "--task", "package-installs")
    good = results["package-installs__oracle__0"]
    assert (good.status, good.reward) == ("failed", 0.0), good.verdict
    assert {"tampered_system", "provenance_unchecked"} <= set(good.flags), good.flags
    assert good.verdict is not None and good.verdict.kept == []
    review = "\n".join(good.verdict.review)
    assert "/usr/bin/python: added by the agent, set aside (its package python-is-python3 " in review, review
    assert "could not be checked" in review and "cannot tell it from a forgery" in review
    assert "cmeel.pth: added by the agent, set aside (its wheel (cmeel-0.62.0.dist-info) could not be checked" in review
    nop = results["package-installs__nop__0"]
    assert "provenance_unchecked" not in nop.flags
