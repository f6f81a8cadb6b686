"""The parts of the package-provenance check that need no container
(horizonbench/grading/provenance.py): archives named by the operator, what a .pth may
import, a .deb read without dpkg-deb, an index's files read from its simple API on
127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import re
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.grading import provenance


def test_archives_come_from_the_environment_or_the_image_s_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(provenance.APT_ENV, raising=False)
    debian = provenance.default_archives({"ID": "debian", "VERSION_CODENAME": "trixie"})
    assert [(a.url, a.suite) for a in debian] == [
        ("http://deb.debian.org/debian", "trixie"),
        ("http://deb.debian.org/debian", "trixie-updates"),
        ("http://deb.debian.org/debian-security", "trixie-security"),
    ]
    assert {a.keyring for a in debian} == {"/usr/share/keyrings/debian-archive-keyring.gpg"}
    assert [a.suite for a in provenance.default_archives({"ID": "ubuntu", "VERSION_CODENAME": "noble"})] == [
        "noble",
        "noble-updates",
        "noble-security",
    ]
    assert provenance.default_archives({"ID": "alpine", "VERSION_CODENAME": "x"}) == []
    assert provenance.default_archives({"ID": "debian"}) == []

    monkeypatch.setenv(provenance.APT_ENV, "http://127.0.0.1:8/repo/ a,b /k.gpg; http://127.0.0.1:9 c /j.gpg")
    assert provenance.default_archives({}) == [
        provenance.Archive("http://127.0.0.1:8/repo", "a", "/k.gpg"),
        provenance.Archive("http://127.0.0.1:8/repo", "b", "/k.gpg"),
        provenance.Archive("http://127.0.0.1:9", "c", "/j.gpg"),
    ]
    monkeypatch.setenv(provenance.APT_ENV, "http://127.0.0.1:8 stable")
    with pytest.raises(ValueError, match=re.escape("HORIZONBENCH_APT_ARCHIVES: 'http://127.0.0.1:8 stable' is not")):
        provenance.default_archives({})


def test_usr_merge_aliases() -> None:
    assert provenance._aliases("/usr/bin/bash") == {"/usr/bin/bash", "/bin/bash"}
    assert provenance._aliases("/lib/x86_64-linux-gnu/libc.so.6") == {
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
    }
    assert provenance._aliases("/usr/local/bin/python3") == {"/usr/local/bin/python3"}


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("import cmeel_pth", True),  # cmeel 0.62.0's whole .pth
        (  # setuptools' distutils-precedence.pth
            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
            "enabled and __import__('_distutils_hack').add_shim(); ",
            True,
        ),
        ("import os, elsewhere", False),
        ("import os; __import__('elsewhere')", False),
        ("import importlib; importlib.import_module('elsewhere.sub')", False),
        ("import os; __import__(os.environ['X'])", False),  # a name not known before it runs
        ("import os; (", False),
        ("from elsewhere import x", True),  # not an import line to site: it runs only lines that start `import`
    ],
)
def test_a_pth_may_import_only_its_own_modules_and_the_standard_library(line: str, ok: bool) -> None:
    allowed = {"cmeel_pth", "_distutils_hack", "os", "importlib"}
    assert provenance._imports_only(line.encode(), allowed) is ok


def test_a_deb_is_read_without_dpkg_deb(tmp_path: Path) -> None:
    """The ar fallback reads the same members as ``dpkg-deb --fsys-tarfile``, links included."""
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: hb-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\nDescription: probe\n"
    )
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "hb-probe").write_text("#!/bin/sh\necho probe\n")
    (root / "usr" / "bin" / "python").symlink_to("hb-probe")
    deb = tmp_path / "hb-probe.deb"
    subprocess.run(
        ["dpkg-deb", "-Zxz", "--root-owner-group", "-b", str(root), str(deb)], check=True, capture_output=True
    )
    members = provenance._deb_members(deb)
    sha = hashlib.sha256(b"#!/bin/sh\necho probe\n").hexdigest()
    assert members["/usr/bin/hb-probe"] == ("file", sha)
    assert members["/usr/bin/python"] == ("link", "hb-probe")
    with tarfile.open(fileobj=io.BytesIO(provenance._ar_data(deb.read_bytes()))) as tar:
        assert "./usr/bin/hb-probe" in tar.getnames()
    with pytest.raises(ValueError, match="no ar header"):
        provenance._ar_data(b"PK\x03\x04")


@pytest.fixture
def index() -> Iterator[tuple[str, dict[str, tuple[str, bytes]]]]:
    """A simple index on 127.0.0.1 that answers HTML or JSON as asked; yields its URL and the
    pages it serves (path -> (content type, body))."""
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kind, body = pages.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple", pages
    server.shutdown()
    server.server_close()


def test_release_files_from_pep_503_html_and_pep_691_json(index: tuple[str, dict[str, tuple[str, bytes]]]) -> None:
    url, pages = index
    pages["/simple/my-pkg/"] = (
        "text/html",
        b'<a href="../../files/my_pkg-1.0-py3-none-any.whl#sha256=ab12">my_pkg-1.0-py3-none-any.whl</a>\n'
        b'<a href="https://elsewhere.test/my_pkg-1.0.tar.gz">my_pkg-1.0.tar.gz</a>\n',  # no hash: not usable
    )
    assert provenance._release_files(url, "My_Pkg") == [
        ("my_pkg-1.0-py3-none-any.whl", url.replace("/simple", "") + "/files/my_pkg-1.0-py3-none-any.whl", "ab12")
    ]
    files = [{"filename": "other-2.0-py3-none-any.whl", "url": "https://files.test/o.whl", "hashes": {"sha256": "cd"}}]
    pages["/simple/other/"] = ("application/vnd.pypi.simple.v1+json", json.dumps({"files": files}).encode())
    assert provenance._release_files(url, "other") == [("other-2.0-py3-none-any.whl", "https://files.test/o.whl", "cd")]


def test_a_download_whose_hash_is_not_the_index_s_is_refused(
    index: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path))
    url, pages = index
    pages["/files/x.whl"] = ("application/octet-stream", b"the wheel")
    good = hashlib.sha256(b"the wheel").hexdigest()
    with pytest.raises(ValueError, match="its SHA256 is not the one its index gives"):
        provenance._fetch_pinned(url.replace("/simple", "/files/x.whl"), "0" * 64, ".whl")
    path = provenance._fetch_pinned(url.replace("/simple", "/files/x.whl"), good, ".whl")
    assert path.read_bytes() == b"the wheel" and path.parent == tmp_path / "provenance"
