"""A small stateful service over SQLite whose actions are command-line tools.

Every task of the tooluse suite ships a copy of this file next to its service. A tool
call is ``python3 /opt/<svc>/<svc>.py <tool>`` with the arguments as a JSON object on
stdin; the result is JSON on stdout (exit 0) or an error line on stderr (exit 1).

Every call, successful or not, is appended to the ``audit`` table with its arguments.
Calls that change data also record a digest of every other table afterwards, so a
grader can tell whether the data were changed outside the tools.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

AUDIT_DDL = """
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    tool TEXT NOT NULL,
    args TEXT NOT NULL,
    ok INTEGER NOT NULL,
    mutates INTEGER NOT NULL,
    error TEXT,
    state TEXT
)
"""


class ToolError(Exception):
    """The call was refused; the message tells the caller why."""


def state_digest(conn: sqlite3.Connection) -> str:
    """sha256 over every table but ``audit``: names, then rows in primary-key order."""
    h = hashlib.sha256()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for table in tables:
        if table == "audit" or table.startswith("sqlite_"):
            continue
        h.update(f"[{table}]".encode())
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2'):
            h.update(json.dumps(list(row)).encode())
    return h.hexdigest()


class Args:
    """The call's JSON arguments, read with types checked."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def _get(self, key: str, kind: type | tuple[type, ...], required: bool, default: Any) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise ToolError(f"missing argument {key!r}")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ToolError(f"argument {key!r} has the wrong type")
        return value

    def int(self, key: str, required: bool = True, default: int | None = None) -> Any:
        return self._get(key, int, required, default)

    def str(self, key: str, required: bool = True, default: str | None = None) -> Any:
        value = self._get(key, str, required, default)
        return value.strip() if isinstance(value, str) else value

    def choice(self, key: str, options: list[str], required: bool = True) -> Any:
        value = self.str(key, required)
        if value is not None and value not in options:
            raise ToolError(f"argument {key!r} must be one of {', '.join(options)}")
        return value


Handler = Callable[[sqlite3.Connection, Args], Any]


class Service:
    def __init__(self, name: str, home: str) -> None:
        self.name = name
        self.home = Path(home)
        self.db_path = Path(os.environ.get("SVC_DB") or f"/var/lib/{name}/{name}.db")
        self.tools: dict[str, tuple[Handler, bool]] = {}

    def tool(self, mutates: bool) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.tools[fn.__name__] = (fn, mutates)
            return fn

        return register

    def init(self) -> None:
        if self.db_path.exists():
            raise SystemExit(f"{self.db_path} exists; refusing to overwrite it")
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db_path)
        conn.executescript((self.home / "seed.sql").read_text())
        conn.execute(AUDIT_DDL)
        conn.commit()
        conn.close()

    def main(self, argv: list[str]) -> int:
        if len(argv) != 2:
            print(f"usage: {argv[0]} TOOL < args.json   (tools: {', '.join(sorted(self.tools))})", file=sys.stderr)
            return 2
        if argv[1] == "init":
            self.init()
            return 0
        name = argv[1]
        if name not in self.tools:
            print(f"error: no tool {name!r}; tools: {', '.join(sorted(self.tools))}", file=sys.stderr)
            return 2
        raw = sys.stdin.read() if not sys.stdin.isatty() else ""
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            print(f"error: arguments are not JSON ({exc.msg})", file=sys.stderr)
            return 1
        if not isinstance(data, dict):
            print("error: arguments must be a JSON object", file=sys.stderr)
            return 1
        fn, mutates = self.tools[name]
        conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        args_text = json.dumps(data, sort_keys=True)
        try:
            result = fn(conn, Args(data))
        except ToolError as exc:
            conn.execute("ROLLBACK")
            conn.execute(
                "INSERT INTO audit (tool, args, ok, mutates, error) VALUES (?, ?, 0, ?, ?)",
                (name, args_text, int(mutates), str(exc)),
            )
            conn.close()
            print(f"error: {exc}", file=sys.stderr)
            return 1
        state = state_digest(conn) if mutates else None
        conn.execute(
            "INSERT INTO audit (tool, args, ok, mutates, state) VALUES (?, ?, 1, ?, ?)",
            (name, args_text, int(mutates), state),
        )
        conn.execute("COMMIT")
        conn.close()
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0


def rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def one(conn: sqlite3.Connection, sql: str, *params: Any, missing: str) -> dict[str, Any]:
    found = rows(conn, sql, *params)
    if not found:
        raise ToolError(missing)
    return found[0]
