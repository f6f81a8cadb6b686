"""Ticket queue of an engineering help desk."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("helpdesk", str(Path(__file__).resolve().parent))


def _ticket(conn, ticket_id):
    return one(conn, "SELECT * FROM tickets WHERE id = ?", ticket_id, missing=f"no ticket {ticket_id}")


@svc.tool(mutates=False)
def list_tickets(conn, args: Args):
    status, team = args.str("status", False), args.str("team", False)
    sql, params = "SELECT id, title, requester, team, status, priority, assignee FROM tickets WHERE 1=1", []
    if status:
        sql, params = sql + " AND status = ?", [*params, status]
    if team:
        sql, params = sql + " AND team = ?", [*params, team]
    return rows(conn, sql + " ORDER BY id", *params)


@svc.tool(mutates=False)
def get_ticket(conn, args: Args):
    return _ticket(conn, args.int("ticket_id"))


@svc.tool(mutates=False)
def list_engineers(conn, args: Args):
    team = args.str("team", False)
    sql = (
        "SELECT e.handle, e.team, e.status, (SELECT count(*) FROM tickets t WHERE t.assignee = e.handle"
        " AND t.status = 'open') AS open_tickets FROM engineers e"
    )
    if team:
        return rows(conn, sql + " WHERE e.team = ? ORDER BY e.handle", team)
    return rows(conn, sql + " ORDER BY e.handle")


@svc.tool(mutates=True)
def assign_ticket(conn, args: Args):
    ticket = _ticket(conn, args.int("ticket_id"))
    handle = args.str("handle")
    one(conn, "SELECT handle FROM engineers WHERE handle = ?", handle, missing=f"no engineer {handle}")
    if ticket["status"] != "open":
        raise ToolError(f"ticket {ticket['id']} is {ticket['status']}")
    conn.execute("UPDATE tickets SET assignee = ? WHERE id = ?", (handle, ticket["id"]))
    return _ticket(conn, ticket["id"])


@svc.tool(mutates=True)
def set_priority(conn, args: Args):
    ticket = _ticket(conn, args.int("ticket_id"))
    priority = args.choice("priority", ["P1", "P2", "P3", "P4"])
    conn.execute("UPDATE tickets SET priority = ? WHERE id = ?", (priority, ticket["id"]))
    return _ticket(conn, ticket["id"])


@svc.tool(mutates=True)
def close_ticket(conn, args: Args):
    ticket = _ticket(conn, args.int("ticket_id"))
    resolution = args.choice("resolution", ["fixed", "duplicate", "wontfix"])
    duplicate_of = args.int("duplicate_of", required=resolution == "duplicate")
    if ticket["status"] != "open":
        raise ToolError(f"ticket {ticket['id']} is already {ticket['status']}")
    if duplicate_of is not None:
        _ticket(conn, duplicate_of)
    conn.execute(
        "UPDATE tickets SET status = 'closed', resolution = ?, duplicate_of = ? WHERE id = ?",
        (resolution, duplicate_of, ticket["id"]),
    )
    return _ticket(conn, ticket["id"])


@svc.tool(mutates=True)
def delete_ticket(conn, args: Args):
    ticket = _ticket(conn, args.int("ticket_id"))
    conn.execute("DELETE FROM tickets WHERE id = ?", (ticket["id"],))
    return {"deleted": ticket["id"]}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
