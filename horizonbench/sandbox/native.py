"""Small static programs the harness puts into containers, built on the host from the C
sources beside this module.

A container's image may lack every tool the harness would like to run there (Terminal-Bench's
``ubuntu:24.04`` images have neither socat nor python3), so what must run in any image is a
static binary, mounted in: :func:`bridge_binary` builds ``hb-bridge`` (TCP on the
container's loopback to the egress proxy's unix socket) once per source version with the
host's C compiler, into the cache. Without a compiler it is None, and callers fall back to
what the image has.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

_SOURCE = Path(__file__).with_name("native") / "hb_bridge.c"
_lock = threading.Lock()


def _cache_root() -> Path:
    root = Path(os.environ.get("HORIZONBENCH_CACHE", Path.home() / ".cache" / "horizonbench")) / "native"
    root.mkdir(parents=True, exist_ok=True)
    return root


@cache
def bridge_binary() -> Path | None:
    """The static ``hb-bridge`` for this host's architecture, built if need be; None where it
    cannot be built (no C compiler or no static libc), with one warning saying so."""
    source = _SOURCE.read_bytes()
    digest = hashlib.sha256(source + os.uname().machine.encode()).hexdigest()[:16]
    target = _cache_root() / f"hb-bridge-{digest}"
    with _lock:
        if target.is_file():
            return target
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        if cc is None:
            log.warning("no C compiler on this host: the egress bridge falls back to the image's socat or python3")
            return None
        fd, tmp = tempfile.mkstemp(prefix="hb-bridge-", dir=target.parent)
        os.close(fd)
        res = subprocess.run(
            [cc, "-static", "-O2", "-o", tmp, str(_SOURCE)], capture_output=True, text=True, timeout=120
        )
        if res.returncode != 0:
            Path(tmp).unlink(missing_ok=True)
            why = (res.stderr.strip().splitlines() or ["no output"])[-1]
            log.warning(
                "cannot build the static egress bridge (%s; Debian: apt-get install gcc libc6-dev); "
                "it falls back to the image's socat or python3",
                why,
            )
            return None
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)  # atomic: a concurrent run sees the whole binary or none
        return target
