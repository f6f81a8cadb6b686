"""Authoritative DNS zone of example.com, changed only under change tickets."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("dns", str(Path(__file__).resolve().parent))
TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA"]


def _ticket(args: Args):
    ticket = args.str("ticket")
    if not re.fullmatch(r"CHG-\d+", ticket):
        raise ToolError("ticket must look like CHG-123")
    return ticket


def _record(conn, record_id):
    return one(conn, "SELECT * FROM records WHERE id = ?", record_id, missing=f"no record {record_id}")


def _ttl(args: Args, default=None):
    ttl = args.int("ttl", required=default is None, default=default)
    if ttl <= 0:
        raise ToolError("ttl must be positive")
    return ttl


def _log(conn, ticket, action, record):
    conn.execute(
        "INSERT INTO changes (ticket, action, name, type) VALUES (?, ?, ?, ?)",
        (ticket, action, record["name"], record["type"]),
    )


@svc.tool(mutates=False)
def list_records(conn, args: Args):
    name, rtype = args.str("name", False), args.str("type", False)
    sql, params = "SELECT * FROM records WHERE 1=1", []
    if name:
        sql, params = sql + " AND name = ?", [*params, name]
    if rtype:
        sql, params = sql + " AND type = ?", [*params, rtype.upper()]
    return rows(conn, sql + " ORDER BY id", *params)


@svc.tool(mutates=True)
def add_record(conn, args: Args):
    ticket = _ticket(args)
    name, rtype, value = args.str("name"), args.choice("type", TYPES), args.str("value")
    ttl = _ttl(args)
    cur = conn.execute("INSERT INTO records (name, type, value, ttl) VALUES (?, ?, ?, ?)", (name, rtype, value, ttl))
    record = _record(conn, cur.lastrowid)
    _log(conn, ticket, "add", record)
    return record


@svc.tool(mutates=True)
def update_record(conn, args: Args):
    ticket = _ticket(args)
    record = _record(conn, args.int("record_id"))
    value = args.str("value")
    ttl = _ttl(args, default=record["ttl"])
    conn.execute("UPDATE records SET value = ?, ttl = ? WHERE id = ?", (value, ttl, record["id"]))
    _log(conn, ticket, "update", record)
    return _record(conn, record["id"])


@svc.tool(mutates=True)
def delete_record(conn, args: Args):
    ticket = _ticket(args)
    record = _record(conn, args.int("record_id"))
    conn.execute("DELETE FROM records WHERE id = ?", (record["id"],))
    _log(conn, ticket, "delete", record)
    return {"deleted": record}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
