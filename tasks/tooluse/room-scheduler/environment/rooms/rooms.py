"""Meeting-room booking system of one office."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("rooms", str(Path(__file__).resolve().parent))
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _slot(args: Args):
    day, start, end = args.str("day"), args.str("start"), args.str("end")
    if not _DAY.fullmatch(day) or not _TIME.fullmatch(start) or not _TIME.fullmatch(end) or start >= end:
        raise ToolError("day is YYYY-MM-DD, start and end are HH:MM with start before end")
    return day, start, end


def _room(conn, room_id):
    return one(conn, "SELECT * FROM rooms WHERE id = ?", room_id, missing=f"no room {room_id}")


def _booking(conn, booking_id):
    return one(conn, "SELECT * FROM bookings WHERE id = ?", booking_id, missing=f"no booking {booking_id}")


def _busy(conn, room_id, day, start, end, ignore=None):
    return rows(
        conn,
        "SELECT id FROM bookings WHERE room_id = ? AND day = ? AND start < ? AND ? < end AND id IS NOT ?",
        room_id,
        day,
        end,
        start,
        ignore,
    )


@svc.tool(mutates=False)
def list_rooms(conn, args: Args):
    return rows(conn, "SELECT * FROM rooms ORDER BY id")


@svc.tool(mutates=False)
def list_bookings(conn, args: Args):
    day, room_id = args.str("day", False), args.int("room_id", False)
    sql, params = "SELECT * FROM bookings WHERE 1=1", []
    if day:
        sql, params = sql + " AND day = ?", [*params, day]
    if room_id is not None:
        sql, params = sql + " AND room_id = ?", [*params, room_id]
    return rows(conn, sql + " ORDER BY day, start, room_id", *params)


@svc.tool(mutates=False)
def find_free_rooms(conn, args: Args):
    day, start, end = _slot(args)
    free = [r for r in rows(conn, "SELECT * FROM rooms ORDER BY id") if not _busy(conn, r["id"], day, start, end)]
    return free


@svc.tool(mutates=True)
def book_room(conn, args: Args):
    room = _room(conn, args.int("room_id"))
    day, start, end = _slot(args)
    request, organizer, title = args.str("request_id"), args.str("organizer"), args.str("title")
    attendees = args.int("attendees")
    if conn.execute("SELECT 1 FROM bookings WHERE request_id = ?", (request,)).fetchone():
        raise ToolError(f"request {request} is already booked")
    cur = conn.execute(
        "INSERT INTO bookings (room_id, day, start, end, organizer, title, attendees, request_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (room["id"], day, start, end, organizer, title, attendees, request),
    )
    return _booking(conn, cur.lastrowid)


@svc.tool(mutates=True)
def move_booking(conn, args: Args):
    booking = _booking(conn, args.int("booking_id"))
    room = _room(conn, args.int("room_id"))
    conn.execute("UPDATE bookings SET room_id = ? WHERE id = ?", (room["id"], booking["id"]))
    return _booking(conn, booking["id"])


@svc.tool(mutates=True)
def cancel_booking(conn, args: Args):
    booking = _booking(conn, args.int("booking_id"))
    reason = args.choice("reason", ["room_closed", "organizer_request"])
    conn.execute("DELETE FROM bookings WHERE id = ?", (booking["id"],))
    conn.execute("INSERT INTO cancellations (booking_id, reason) VALUES (?, ?)", (booking["id"], reason))
    return {"cancelled": booking["id"], "reason": reason}


@svc.tool(mutates=True)
def decline_request(conn, args: Args):
    request = args.str("request_id")
    reason = args.choice("reason", ["no_room_free", "too_many_attendees"])
    conn.execute("INSERT INTO declines (request_id, reason) VALUES (?, ?)", (request, reason))
    return {"declined": request, "reason": reason}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
