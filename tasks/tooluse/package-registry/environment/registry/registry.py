"""A private package registry: packages, versions, yanks, deprecations."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("registry", str(Path(__file__).resolve().parent))


def _package(conn, name):
    pkg = one(conn, "SELECT * FROM packages WHERE name = ?", name, missing=f"no package {name}")
    pkg["versions"] = rows(
        conn, "SELECT version, sha256, yanked, yank_reason FROM versions WHERE package = ? ORDER BY rowid", name
    )
    return pkg


def _version(conn, name, version):
    return one(
        conn,
        "SELECT * FROM versions WHERE package = ? AND version = ?",
        name,
        version,
        missing=f"{name} has no version {version}",
    )


@svc.tool(mutates=False)
def list_packages(conn, args: Args):
    return rows(conn, "SELECT name, owner, deprecated FROM packages ORDER BY name")


@svc.tool(mutates=False)
def get_package(conn, args: Args):
    return _package(conn, args.str("package"))


@svc.tool(mutates=True)
def yank_version(conn, args: Args):
    name, version = args.str("package"), args.str("version")
    reason = args.choice("reason", ["security", "broken"])
    v = _version(conn, name, version)
    if v["yanked"]:
        raise ToolError(f"{name} {version} is already yanked ({v['yank_reason']})")
    conn.execute(
        "UPDATE versions SET yanked = 1, yank_reason = ? WHERE package = ? AND version = ?", (reason, name, version)
    )
    return _version(conn, name, version)


@svc.tool(mutates=True)
def publish_version(conn, args: Args):
    name, version, sha = args.str("package"), args.str("version"), args.str("sha256").lower()
    _package(conn, name)
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ToolError("version must look like MAJOR.MINOR.PATCH")
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise ToolError("sha256 must be 64 hex digits")
    if conn.execute("SELECT 1 FROM versions WHERE package = ? AND version = ?", (name, version)).fetchone():
        raise ToolError(f"{name} {version} exists; versions are immutable")
    conn.execute("INSERT INTO versions (package, version, sha256) VALUES (?, ?, ?)", (name, version, sha))
    return _version(conn, name, version)


@svc.tool(mutates=True)
def deprecate_package(conn, args: Args):
    name, message = args.str("package"), args.str("message")
    _package(conn, name)
    conn.execute("UPDATE packages SET deprecated = 1, deprecation_message = ? WHERE name = ?", (message, name))
    return _package(conn, name)


@svc.tool(mutates=True)
def delete_version(conn, args: Args):
    name, version = args.str("package"), args.str("version")
    _version(conn, name, version)
    conn.execute("DELETE FROM versions WHERE package = ? AND version = ?", (name, version))
    return {"deleted": f"{name} {version}"}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
