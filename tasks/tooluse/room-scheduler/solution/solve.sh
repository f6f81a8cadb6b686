#!/usr/bin/env bash
# Reference handling: the closure (bookings by start time), then the requests in file order.
set -euo pipefail
rooms() { echo "$2" | python3 /opt/rooms/rooms.py "$1"; }

cat /opt/rooms/POLICY.md /work/notices/*.txt /work/requests.csv >/dev/null
rooms list_rooms '{}'
rooms list_bookings '{"day": "2024-06-12"}'
rooms move_booking '{"booking_id": 1, "room_id": 4}'
rooms move_booking '{"booking_id": 2, "room_id": 5}'
rooms move_booking '{"booking_id": 5, "room_id": 3}'
rooms decline_request '{"request_id": "R1", "reason": "no_room_free"}'
rooms book_room '{"request_id": "R2", "room_id": 1, "day": "2024-06-12", "start": "16:00", "end": "17:00", "organizer": "tom", "title": "Vendor call", "attendees": 3}'
rooms book_room '{"request_id": "R3", "room_id": 3, "day": "2024-06-12", "start": "10:00", "end": "11:00", "organizer": "ines", "title": "Architecture review", "attendees": 8}'
rooms book_room '{"request_id": "R4", "room_id": 1, "day": "2024-06-12", "start": "15:00", "end": "16:00", "organizer": "tom", "title": "Interview", "attendees": 4}'
rooms book_room '{"request_id": "R5", "room_id": 5, "day": "2024-06-12", "start": "09:00", "end": "10:00", "organizer": "ines", "title": "Coffee chat", "attendees": 5}'
