"""Files in and out of a sandbox: single files, directories, and the agent's git diff.

Copies go through the engine's archive API (no shell in the way, so any bytes and names);
the diff is taken inside the container with a throwaway index.
"""

from __future__ import annotations

import io
import os
import shlex
import tarfile
import time
from pathlib import Path
from typing import Any

import docker.errors

from horizonbench.errors import SandboxError
from horizonbench.sandbox.shell import ExecResult


class SandboxFiles:
    """The file methods of :class:`horizonbench.sandbox.sandbox.Sandbox`."""

    id: str
    workdir: str
    _api: Any

    def exec(
        self, command: str, *, cwd: str | None = None, env: dict[str, str] | None = None, timeout: float | None = None
    ) -> ExecResult:
        raise NotImplementedError

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        """Write a file (parents created)."""
        raw = data.encode() if isinstance(data, str) else data
        parent, name = os.path.split(path.rstrip("/"))
        self._mkdir(parent or "/")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(raw), mode, int(time.time())
            tar.addfile(info, io.BytesIO(raw))
        self._put(parent or "/", buf.getvalue())

    def read_file(self, path: str) -> bytes:
        """Read a file.

        Raises:
            FileNotFoundError: no such file in the container.
        """
        with self._get(path) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                raise FileNotFoundError(f"{path} is not a regular file in sandbox {self.id[:12]}")
            fh = tar.extractfile(member)
            assert fh is not None
            return fh.read()

    def read_file_capped(self, path: str, head: int, tail: int) -> bytes:
        """Read a file keeping at most its first ``head`` and last ``tail`` bytes, with a
        line saying how much was elided between them; streamed, so a huge file costs no
        memory here, and read through the archive API, so it works on a paused container.

        Raises:
            FileNotFoundError: no such file in the container.
        """
        try:
            stream, _ = self._api.get_archive(self.id, path)
        except docker.errors.NotFound:
            raise FileNotFoundError(f"{path} does not exist in sandbox {self.id[:12]}") from None
        with tarfile.open(fileobj=_ChunkReader(stream), mode="r|") as tar:
            member = tar.next()
            if member is None or not member.isfile():
                raise FileNotFoundError(f"{path} is not a regular file in sandbox {self.id[:12]}")
            fh = tar.extractfile(member)
            assert fh is not None
            first = fh.read(head)
            if member.size <= head + tail:
                return first + fh.read()
            skipped = member.size - head - tail
            while skipped > 0:
                skipped -= len(fh.read(min(skipped, 1 << 20))) or skipped
            last = fh.read()
        elided = member.size - head - tail
        return first + f"\n[... {elided} bytes of test output elided ...]\n".encode() + last

    def put_dir(self, local: Path | str, dest: str) -> None:
        """Copy the contents of a local directory into ``dest`` (created if missing)."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for entry in sorted(Path(local).iterdir()):
                tar.add(entry, arcname=entry.name)
        self._mkdir(dest)
        self._put(dest, buf.getvalue())

    def get_dir(self, src: str, local: Path | str) -> None:
        """Copy the contents of ``src`` in the container into the local directory."""
        local = Path(local)
        local.mkdir(parents=True, exist_ok=True)
        with self._get(src.rstrip("/") + "/.") as tar:
            tar.extractall(local, filter="data")

    def diff(self, workdir: str | None = None) -> str:
        """The git diff of ``workdir`` against HEAD, new files included, binary-safe.
        Python bytecode caches are left out: they are by-products, not changes.

        A throwaway index is used so the agent's own index is left as it was.
        """
        wd = shlex.quote(workdir or self.workdir)
        out = "/tmp/.hb-diff"
        res = self.exec(
            f'idx=$(mktemp) && cp "$(git rev-parse --git-dir)/index" $idx 2>/dev/null; '
            "GIT_INDEX_FILE=$idx git add -A -- . ':(exclude,glob)**/__pycache__/**' ':(exclude,glob)**/*.pyc' && "
            f"GIT_INDEX_FILE=$idx git diff --cached --binary HEAD > {out}; "
            "rc=$?; rm -f $idx; exit $rc",
            cwd=workdir or self.workdir,
            timeout=120,
        )
        if res.exit_code != 0:
            raise SandboxError(f"git diff failed in {wd}: {res.output.strip()[:300]}")
        return self.read_file(out).decode("utf-8", errors="replace")

    def _mkdir(self, path: str) -> None:
        res = self.exec(f"mkdir -p -- {shlex.quote(path)}", timeout=30)
        if res.exit_code != 0:
            raise SandboxError(f"cannot create {path} in sandbox: {res.output.strip()[:200]}")

    def _put(self, dest: str, data: bytes) -> None:
        try:
            self._api.put_archive(self.id, dest, data)
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot copy into {dest} in sandbox: {exc.explanation}") from None

    def _get(self, path: str) -> tarfile.TarFile:
        try:
            stream, _ = self._api.get_archive(self.id, path)
        except docker.errors.NotFound:
            raise FileNotFoundError(f"{path} does not exist in sandbox {self.id[:12]}") from None
        return tarfile.open(fileobj=io.BytesIO(b"".join(stream)), mode="r")


class _ChunkReader(io.RawIOBase):
    """A readable file over the engine's chunked archive stream."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n
