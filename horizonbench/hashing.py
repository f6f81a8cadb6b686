"""Content hashes of directory trees (task directories, image build contexts)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

SKIP_DIRS = frozenset({"__pycache__", ".git", ".pytest_cache", "wheelhouse"})
"""Directories a task's content hash (and its bundle) leaves out: caches and downloads."""


def hash_tree(root: Path, skip: Iterable[str] = SKIP_DIRS) -> str:
    """sha256 over relative paths, modes and contents of the files under ``root``."""
    skip = set(skip)
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in skip for part in rel.parts) or not path.is_file():
            continue
        h.update(str(rel).encode() + b"\0" + oct(path.stat().st_mode & 0o111).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
