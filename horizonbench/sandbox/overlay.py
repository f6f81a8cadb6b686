"""A container's changes read from its overlay2 writable layer on the host.

``docker diff`` costs most of a second however little changed: the engine mounts the
container's layers and compares them. Where the engine runs on this host with the overlay2
storage driver, the writable layer ("UpperDir") is a directory here, and the changes are
what it holds: a file or directory present there was added (absent from every lower layer)
or modified; a whiteout (a 0/0 character device) marks a deletion. The result has
``docker diff``'s form and kinds, so the tamper checks read either the same way.
"""

from __future__ import annotations

import os
import stat
from typing import Any

# Kinds of a container change, as the engine reports them.
CHANGE_MODIFIED, CHANGE_ADDED, CHANGE_DELETED = 0, 1, 2


def _opaque(path: str) -> bool:
    for attr in ("trusted.overlay.opaque", "user.overlay.opaque"):
        try:
            if os.getxattr(path, attr, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


def overlay_changes(graph_driver: dict[str, Any]) -> list[tuple[str, int]] | None:
    """``(path, kind)`` of every change in the writable layer, or None where it cannot be read
    here (another storage driver, a remote or rootless engine, no permission)."""
    if graph_driver.get("Name") != "overlay2":
        return None
    data = graph_driver.get("Data") or {}
    upper = str(data.get("UpperDir") or "")
    lowers = [p for p in str(data.get("LowerDir") or "").split(":") if p]
    if not upper or not lowers or not os.path.isdir(upper) or not os.access(upper, os.R_OK | os.X_OK):
        return None
    if not all(os.path.isdir(p) for p in lowers):
        return None

    def in_lower(rel: str) -> bool:
        return any(os.path.lexists(os.path.join(lower, rel)) for lower in lowers)

    out: list[tuple[str, int]] = []
    try:
        for root, dirs, files in os.walk(upper, followlinks=False):
            rel_root = os.path.relpath(root, upper)
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                rel = name if rel_root == "." else os.path.join(rel_root, name)
                st = os.lstat(full)
                if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:  # whiteout: deleted from below
                    out.append(("/" + rel, CHANGE_DELETED))
                    continue
                out.append(("/" + rel, CHANGE_MODIFIED if in_lower(rel) else CHANGE_ADDED))
                if name in dirs and _opaque(full):
                    # Deleted and made again: what the lower layers had there is gone.
                    here = set(os.listdir(full))
                    gone = {
                        e
                        for lower in lowers
                        if os.path.isdir(os.path.join(lower, rel))
                        for e in os.listdir(os.path.join(lower, rel))
                    }
                    out += [("/" + os.path.join(rel, e), CHANGE_DELETED) for e in sorted(gone - here)]
            dirs.sort()
    except OSError:
        return None
    out.sort()
    return out
