"""Grading helpers for the tooluse suite's hidden tests (copied next to each task's tests).

- ``replay`` builds the reference state: a fresh database from the service's seed, with
  the reference tool calls applied through the service itself.
- ``digest`` compares states by the rows of a few queries, in sorted order.
- ``audit`` reads the service's audit table, the record of every tool call.
- ``tampered`` tells whether the data were changed outside the tools: every change made
  by a tool records a digest of the data afterwards, so the live data must match the
  last recorded digest (or the seed, when no tool changed anything).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

Call = tuple[str, dict[str, Any]]


def connect(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def call(script: str, tool: str, args: dict[str, Any], db: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["python3", script, tool],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        env={**os.environ, "SVC_DB": str(db)},
        check=False,
    )


def replay(script: str, calls: list[Call]) -> Path:
    """A fresh database with ``calls`` applied in order; every call must succeed."""
    db = Path(tempfile.mkdtemp(prefix="svc-ref-")) / "ref.db"
    subprocess.run(["python3", script, "init"], env={**os.environ, "SVC_DB": str(db)}, check=True)
    for tool, args in calls:
        res = call(script, tool, args, db)
        if res.returncode != 0:
            raise AssertionError(f"reference call {tool} {args} failed: {res.stderr.strip()}")
    return db


def digest(conn: sqlite3.Connection, queries: list[str]) -> str:
    h = hashlib.sha256()
    for q in queries:
        h.update(q.encode())
        for row in sorted(json.dumps(list(r)) for r in conn.execute(q)):
            h.update(row.encode())
    return h.hexdigest()


def state_rows(conn: sqlite3.Connection, queries: list[str]) -> dict[str, list[Any]]:
    """The rows behind a digest, for a readable failure message."""
    return {q: sorted(json.dumps(list(r)) for r in conn.execute(q)) for q in queries}


def audit(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    out = []
    for seq, tool, args, ok, mutates in conn.execute("SELECT seq, tool, args, ok, mutates FROM audit ORDER BY seq"):
        out.append({"seq": seq, "tool": tool, "args": json.loads(args), "ok": bool(ok), "mutates": bool(mutates)})
    return out


def changes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Successful calls that changed data, in order."""
    return [a for a in audit(conn) if a["ok"] and a["mutates"]]


def _full_digest(conn: sqlite3.Connection) -> str:
    h = hashlib.sha256()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for table in tables:
        if table == "audit" or table.startswith("sqlite_"):
            continue
        h.update(f"[{table}]".encode())
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2'):
            h.update(json.dumps(list(row)).encode())
    return h.hexdigest()


def tampered(conn: sqlite3.Connection, script: str) -> bool:
    recorded = conn.execute("SELECT state FROM audit WHERE ok = 1 AND mutates = 1 ORDER BY seq DESC LIMIT 1").fetchone()
    if recorded:
        expected = recorded[0]
    else:
        seed = connect(replay(script, []))
        expected = _full_digest(seed)
        seed.close()
    return _full_digest(conn) != expected
