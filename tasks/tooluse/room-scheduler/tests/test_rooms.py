"""Hidden tests of room-scheduler: milestones for the closure and the requests, then the
final state, the policy and the integrity of the data."""

import pytest
import svcgrade as g

SCRIPT = "/opt/rooms/rooms.py"
DB = "/var/lib/rooms/rooms.db"
DAY = "2024-06-12"
REFERENCE = [
    ("move_booking", {"booking_id": 1, "room_id": 4}),
    ("move_booking", {"booking_id": 2, "room_id": 5}),
    ("move_booking", {"booking_id": 5, "room_id": 3}),
    ("decline_request", {"request_id": "R1", "reason": "no_room_free"}),
    ("book_room", {"request_id": "R2", "room_id": 1, "day": DAY, "start": "16:00", "end": "17:00",
                   "organizer": "tom", "title": "Vendor call", "attendees": 3}),
    ("book_room", {"request_id": "R3", "room_id": 3, "day": DAY, "start": "10:00", "end": "11:00",
                   "organizer": "ines", "title": "Architecture review", "attendees": 8}),
    ("book_room", {"request_id": "R4", "room_id": 1, "day": DAY, "start": "15:00", "end": "16:00",
                   "organizer": "tom", "title": "Interview", "attendees": 4}),
    ("book_room", {"request_id": "R5", "room_id": 5, "day": DAY, "start": "09:00", "end": "10:00",
                   "organizer": "ines", "title": "Coffee chat", "attendees": 5}),
]  # fmt: skip
STATE = [
    "SELECT room_id, day, start, end, organizer, title, attendees, request_id FROM bookings",
    "SELECT booking_id, reason FROM cancellations",
    "SELECT request_id, reason FROM declines",
]
CAPACITY = {1: 4, 2: 8, 3: 12, 4: 20, 5: 6}
ATTENDEES = {1: 7, 2: 2, 3: 9, 4: 3, 5: 10, 6: 6, 7: 18, 8: 5}


@pytest.fixture(scope="module")
def db():
    conn = g.connect(DB)
    yield conn
    conn.close()


def room_of(db, booking_id):
    row = db.execute("SELECT room_id FROM bookings WHERE id = ?", (booking_id,)).fetchone()
    return row and row[0]


def request_room(db, request_id):
    row = db.execute("SELECT room_id, start, end FROM bookings WHERE request_id = ?", (request_id,)).fetchone()
    return row


def test_closed_room_emptied(db):
    assert {b: room_of(db, b) for b in (1, 2, 5, 6)} == {1: 4, 2: 5, 5: 3, 6: 2}


def test_unfittable_request_declined(db):
    assert db.execute("SELECT request_id, reason FROM declines").fetchall() == [("R1", "no_room_free")]
    assert request_room(db, "R1") is None


def test_requests_booked(db):
    got = {r: request_room(db, r) for r in ("R2", "R3", "R4", "R5")}
    assert got == {
        "R2": (1, "16:00", "17:00"),
        "R3": (3, "10:00", "11:00"),
        "R4": (1, "15:00", "16:00"),
        "R5": (5, "09:00", "10:00"),
    }


def test_no_double_booking(db):
    clashes = db.execute(
        "SELECT a.id, b.id FROM bookings a JOIN bookings b ON a.room_id = b.room_id AND a.day = b.day"
        " AND a.id < b.id AND a.start < b.end AND b.start < a.end"
    ).fetchall()
    assert clashes == []


def test_final_state(db):
    ref = g.connect(g.replay(SCRIPT, REFERENCE))
    assert g.state_rows(db, STATE) == g.state_rows(ref, STATE)
    assert g.digest(db, STATE) == g.digest(ref, STATE)


def violations(calls):
    found = []
    for c in calls:
        a = c["args"]
        if c["tool"] == "cancel_booking":
            found.append(f"booking {a['booking_id']} cancelled although a room fitted")
        if c["tool"] == "book_room":
            if a["room_id"] == 2 and a["day"] == DAY:
                found.append(f"request {a['request_id']} booked into the closed room")
            if CAPACITY.get(a["room_id"], 0) < a["attendees"]:
                found.append(f"request {a['request_id']} booked into a room too small")
        if c["tool"] == "move_booking":
            if a["room_id"] == 2 or CAPACITY.get(a["room_id"], 0) < ATTENDEES.get(a["booking_id"], 0):
                found.append(f"booking {a['booking_id']} moved into a room that does not fit")
    return found


def test_policy(db):
    assert violations(g.changes(db)) == []


def test_untampered(db):
    assert not g.tampered(db, SCRIPT), "the data were changed outside the booking system's tools"
